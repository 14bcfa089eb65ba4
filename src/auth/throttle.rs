//! Login throttling, per account and per client address, kept in the database so that every
//! instance counts the same attempts.
//!
//! An attempt is *reserved* before the password is checked: one conditional update per key
//! takes an attempt only while the window's count is below the limit, so a hundred concurrent
//! wrong passwords check at most the limit's worth, and the rest are answered 429 at once
//! without hashing anything. A successful login gives its reservations back.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::clock::{from_micros, to_micros};
use crate::entity::login_throttle;

/// The limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    /// Attempts per account in a window.
    pub max_failures: u32,
    /// Attempts per client address in a window (higher: a family or an office share one).
    pub max_failures_per_address: u32,
    pub window: Duration,
}

/// The rows an attempt counts against: the account (by a digest of the email, so the table
/// holds no addresses of people) and the client address.
fn keys(email: &str, address: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!(
        "account:{}",
        super::token::digest(&email.trim().to_lowercase())
    )];
    if let Some(a) = address {
        keys.push(format!("address:{a}"));
    }
    keys
}

impl LoginThrottle {
    fn limit(&self, key: &str) -> i64 {
        i64::from(if key.starts_with("account:") {
            self.max_failures
        } else {
            self.max_failures_per_address
        })
    }

    /// Takes one attempt for the account and the address, or says how many seconds to wait.
    /// Call inside a write transaction.
    pub async fn reserve(
        &self,
        conn: &impl ConnectionTrait,
        email: &str,
        address: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<Result<(), u64>, DbErr> {
        use login_throttle::Column as C;
        let stale = to_micros(now - self.window);
        for key in keys(email, address) {
            let inserted = login_throttle::Entity::insert(login_throttle::ActiveModel {
                key: Set(key.clone()),
                window_start: Set(to_micros(now)),
                attempts: Set(0),
            })
            .on_conflict(OnConflict::column(C::Key).do_nothing().to_owned())
            .exec_without_returning(conn)
            .await;
            match inserted {
                Ok(_) | Err(DbErr::RecordNotInserted) => {}
                Err(e) => return Err(e),
            }
            let expired = Expr::col(C::WindowStart).lte(stale);
            let taken = login_throttle::Entity::update_many()
                .col_expr(
                    C::Attempts,
                    Expr::case(expired.clone(), 1)
                        .finally(Expr::col(C::Attempts).add(1))
                        .into(),
                )
                .col_expr(
                    C::WindowStart,
                    Expr::case(expired.clone(), to_micros(now))
                        .finally(Expr::col(C::WindowStart))
                        .into(),
                )
                .filter(C::Key.eq(key.clone()))
                .filter(expired.or(Expr::col(C::Attempts).lt(self.limit(&key))))
                .exec(conn)
                .await?
                .rows_affected;
            if taken != 1 {
                let row = login_throttle::Entity::find_by_id(key).one(conn).await?;
                let until = row.map_or(now, |r| from_micros(r.window_start) + self.window);
                let wait = u64::try_from(Ord::max((until - now).num_seconds(), 1)).unwrap_or(1);
                return Ok(Err(wait));
            }
        }
        Ok(Ok(()))
    }

    /// A successful login: its attempt does not count, and the account starts afresh.
    pub async fn succeeded(
        &self,
        conn: &impl ConnectionTrait,
        email: &str,
        address: Option<IpAddr>,
    ) -> Result<(), DbErr> {
        use login_throttle::Column as C;
        let keys = keys(email, address);
        login_throttle::Entity::delete_many()
            .filter(C::Key.eq(keys[0].clone()))
            .exec(conn)
            .await?;
        if let Some(address) = keys.get(1) {
            login_throttle::Entity::update_many()
                .col_expr(C::Attempts, Expr::col(C::Attempts).sub(1))
                .filter(C::Key.eq(address.clone()))
                .filter(C::Attempts.gt(0))
                .exec(conn)
                .await?;
        }
        Ok(())
    }

    /// Deletes the rows whose window has passed: a key that is never tried again (a made-up
    /// email, a passing address) would otherwise stay for ever. Returns how many went.
    pub async fn forget_expired(
        &self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<u64, DbErr> {
        use login_throttle::Column as C;
        Ok(login_throttle::Entity::delete_many()
            .filter(C::WindowStart.lte(to_micros(now - self.window)))
            .exec(conn)
            .await?
            .rows_affected)
    }
}
