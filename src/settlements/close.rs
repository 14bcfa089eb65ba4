//! Closing a month (締め): staff fix every partner's statement of a month that has ended. The
//! month's redemptions are stamped (so a later reversal counts in the month it is made and a
//! partner can no longer cancel them) and each statement's CSV digest is stored, in one
//! transaction.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{SettlementError, csv, month_totals, statement};
use crate::audit::{self, Action, Actor, Change};
use crate::clock::{Calendar, Month, to_micros};
use crate::config::RuleBook;
use crate::db;
use crate::entity::{settlement_closing, settlement_statement};
use crate::notifications::{Event, Recipient, notify};
use crate::vouchers;

/// A partner's statement as fixed by a closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClosedStatement {
    pub partner_id: Uuid,
    pub partner_name: String,
    /// What the ward pays the partner for the month.
    pub covered_yen: i64,
    /// `sha256:` and the hex digest of the statement's CSV.
    pub digest: String,
}

/// A closed month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = SettlementClosed)]
pub struct Closed {
    pub month: String,
    pub closed_at: DateTime<Utc>,
    pub closed_by: Option<Uuid>,
    /// Every partner with a statement for the month.
    pub statements: Vec<ClosedStatement>,
    /// What the ward pays for the month, over every partner.
    pub covered_yen: i64,
}

/// Closes a month once it has ended by the grace period. A month is closed once.
pub async fn close(
    db: &crate::db::Db,
    cal: &Calendar,
    rules: &std::sync::Arc<RuleBook>,
    grace: Duration,
    actor: &Actor,
    now: DateTime<Utc>,
    month: Month,
) -> Result<Closed, SettlementError> {
    let (_, end) = cal.month_bounds(month);
    let closable_from = end + grace;
    if now < closable_from {
        return Err(SettlementError::MonthNotEnded {
            closable_from: cal.local(closable_from),
        });
    }
    let zone = cal.zone;
    db::write(db, |tx| {
        let actor = actor.clone();
        let rules = rules.clone();
        Box::pin(async move {
            let key = month.to_string();
            let inserted = settlement_closing::Entity::insert(settlement_closing::ActiveModel {
                month: Set(key.clone()),
                closed_at: Set(to_micros(now)),
                closed_by: Set(actor.id),
            })
            .exec_without_returning(tx)
            .await;
            match inserted {
                Err(e) if db::is_unique_violation(&e) => {
                    return Err(SettlementError::AlreadyClosed);
                }
                other => other?,
            };
            vouchers::stamp_settled(tx, &key).await?;
            let mut statements = Vec::new();
            for total in month_totals(tx, month).await? {
                let s = statement(tx, total.partner_id, month).await?;
                let names = rules.on(month.first_day());
                let digest = csv::digest(&csv::to_csv(&s, zone, names));
                settlement_statement::Entity::insert(settlement_statement::ActiveModel {
                    month: Set(key.clone()),
                    partner_id: Set(s.partner_id),
                    digest: Set(digest.clone()),
                    lines: Set(i64::try_from(s.lines.len()).unwrap_or(i64::MAX)),
                    covered_yen: Set(s.covered_yen),
                    reversed_yen: Set(s.reversed_yen),
                })
                .exec_without_returning(tx)
                .await?;
                notify(
                    tx,
                    now,
                    Event {
                        kind: crate::notifications::EventKind::SettlementClosed,
                        recipient: Recipient::Partner(s.partner_id),
                        subject_type: "settlement",
                        subject_id: s.partner_id,
                        data: serde_json::to_value(ClosedEvent {
                            month: key.clone(),
                            covered_yen: s.covered_yen,
                            digest: digest.clone(),
                        })
                        .unwrap_or_default(),
                        words: crate::notifications::Words::Closed {
                            year: month.year,
                            month: month.month,
                            covered_yen: s.covered_yen,
                        },
                    },
                )
                .await?;
                statements.push(ClosedStatement {
                    partner_id: s.partner_id,
                    partner_name: s.partner_name,
                    covered_yen: s.covered_yen,
                    digest,
                });
            }
            let closed = Closed {
                covered_yen: statements
                    .iter()
                    .map(|s| s.covered_yen)
                    .fold(0, i64::saturating_add),
                month: key,
                closed_at: now,
                closed_by: actor.id,
                statements,
            };
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::SettlementClosed,
                    children: Vec::new(),
                    object_type: "settlement_month",
                    object_id: None,
                    before: None,
                    after: audit::snapshot(&closed),
                },
            )
            .await?;
            Ok(closed)
        })
    })
    .await
}

/// What a partner is told when a month is closed (`settlement.closed`).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ClosedEvent {
    /// `2026-11`.
    pub month: String,
    /// What the ward pays the partner for the month.
    pub covered_yen: i64,
    /// SHA-256 of the statement's CSV, to compare with the file downloaded.
    pub digest: String,
}
