//! The delivery worker. Several can run at once (in one process or many, on SQLite or
//! PostgreSQL): each claims a batch of due events with one conditional `UPDATE … RETURNING`
//! that only takes rows nobody holds a live claim on, so an event is never being delivered by
//! two workers at the same time. A claim expires after `claim_seconds`, so the events of a
//! worker that died mid-delivery are taken up again: delivery is at least once, and the
//! receiver deduplicates by event id.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{DeliveryStatus, Notification, Subject, WebhookDelivery, signature};
use crate::clock::{Clock, to_micros};
use crate::config::NotificationsConfig;
use crate::entity::notification;

/// One worker: its identity (for claims), the gateway and how to reach it.
#[derive(Clone)]
pub struct Worker {
    db: crate::db::Db,
    config: NotificationsConfig,
    url: String,
    secret: Vec<u8>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    id: String,
}

impl Worker {
    /// `None` when no webhook is configured (notifications stay in the app's inbox only).
    pub fn new(
        db: crate::db::Db,
        config: NotificationsConfig,
        clock: Arc<dyn Clock>,
    ) -> Option<Worker> {
        let url = config.webhook_url.clone()?;
        let secret = config.signing_secret.clone()?.into_bytes();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()?;
        Some(Worker {
            db,
            url,
            secret,
            http,
            clock,
            id: format!("worker-{}", Uuid::new_v4().simple()),
            config,
        })
    }

    /// Runs until the task is aborted: delivers what is due, then waits a poll interval.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.run_once().await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "notification delivery round failed"),
                }
                tokio::time::sleep(Duration::from_millis(self.config.poll_interval_ms)).await;
            }
        })
    }

    /// Claims one batch of due events and tries each once; returns how many were tried.
    pub async fn run_once(&self) -> Result<usize, DbErr> {
        let claimed = self.claim().await?;
        let n = claimed.len();
        let tasks: Vec<_> = claimed
            .into_iter()
            .map(|m| {
                let worker = self.clone();
                tokio::spawn(async move { worker.deliver(m).await })
            })
            .collect();
        for task in tasks {
            task.await
                .map_err(|e| DbErr::Custom(format!("delivery task failed: {e}")))??;
        }
        Ok(n)
    }

    async fn claim(&self) -> Result<Vec<notification::Model>, DbErr> {
        use notification::Column as C;
        let now = to_micros(self.clock.now());
        let free = || {
            Expr::col(C::ClaimedUntil)
                .is_null()
                .or(Expr::col(C::ClaimedUntil).lt(now))
        };
        let due = Query::select()
            .column(C::Id)
            .from(notification::Entity)
            .and_where(Expr::col(C::DeliveryStatus).eq(DeliveryStatus::Pending.as_str()))
            .and_where(Expr::col(C::NextAttemptAt).lte(now))
            .and_where(free())
            .order_by(C::NextAttemptAt, sea_orm::Order::Asc)
            .limit(self.config.batch_size)
            .to_owned();
        let until = now + (self.config.claim_seconds as i64) * 1_000_000;
        // The conditions are checked again on each row as it is updated: a row another worker
        // claimed in between no longer matches and is skipped.
        notification::Entity::update_many()
            .col_expr(C::ClaimedBy, Expr::value(self.id.clone()))
            .col_expr(C::ClaimedUntil, Expr::value(until))
            .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
            .filter(C::Id.in_subquery(due))
            .filter(C::DeliveryStatus.eq(DeliveryStatus::Pending.as_str()))
            .filter(free())
            .exec_with_returning(&self.db)
            .await
    }

    async fn deliver(&self, m: notification::Model) -> Result<(), DbErr> {
        use notification::Column as C;
        let attempt = m.attempts;
        let id = m.id;
        let n = Notification::try_from(m)?;
        let created_at = n.created_at;
        let body = serde_json::to_string(&WebhookDelivery {
            id: n.id,
            kind: n.kind,
            occurred_at: n.created_at,
            recipient: n.recipient,
            subject: Subject {
                kind: n.subject_type,
                id: n.subject_id,
            },
            data: n.data,
            text: n.text,
            attempt,
        })
        .map_err(|e| DbErr::Custom(e.to_string()))?;
        let timestamp = self.clock.now().timestamp();
        let result = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("carepass-event-id", id.to_string())
            .header("carepass-timestamp", timestamp.to_string())
            .header("carepass-key-id", &self.config.signing_key_id)
            .header(
                "carepass-signature",
                signature::sign(&self.secret, timestamp, body.as_bytes()),
            )
            .body(body)
            .send()
            .await;
        let error = match result {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("HTTP {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Some("timed out".to_owned()),
            Err(e) if e.is_connect() => Some("could not connect".to_owned()),
            Err(_) => Some("connection failed".to_owned()),
        };
        let now = self.clock.now();
        let mine = notification::Entity::update_many()
            .filter(C::Id.eq(id))
            .filter(C::ClaimedBy.eq(self.id.clone()))
            .col_expr(C::ClaimedBy, Expr::value(Option::<String>::None))
            .col_expr(C::ClaimedUntil, Expr::value(Option::<i64>::None));
        let delivered = error.is_none();
        let update = match error {
            None => mine
                .col_expr(
                    C::DeliveryStatus,
                    Expr::value(DeliveryStatus::Delivered.as_str()),
                )
                .col_expr(C::DeliveredAt, Expr::value(to_micros(now)))
                .col_expr(C::LastError, Expr::value(Option::<String>::None)),
            Some(e) if attempt >= self.config.max_attempts => {
                tracing::warn!(notification = %id, attempts = attempt, error = %e, "notification dead-lettered");
                mine.col_expr(
                    C::DeliveryStatus,
                    Expr::value(DeliveryStatus::Dead.as_str()),
                )
                .col_expr(C::LastError, Expr::value(e))
            }
            Some(e) => mine
                .col_expr(
                    C::NextAttemptAt,
                    Expr::value(to_micros(self.next_attempt(now, attempt))),
                )
                .col_expr(C::LastError, Expr::value(e)),
        };
        let changed = update.exec(&self.db).await?.rows_affected;
        if delivered && changed == 1 {
            metrics::histogram!("carepass_outbox_delivery_seconds")
                .record((now - created_at).to_std().map_or(0.0, |d| d.as_secs_f64()));
        }
        Ok(())
    }

    /// Exponential backoff from `backoff_base_ms`, doubled per attempt, capped, ±20 % jitter.
    fn next_attempt(&self, now: DateTime<Utc>, attempt: i32) -> DateTime<Utc> {
        let base = self.config.backoff_base_ms as f64;
        let exp = base * 2f64.powi((attempt - 1).clamp(0, 30));
        let capped = exp.min(self.config.backoff_max_ms as f64);
        let jitter = rand::rng().random_range(0.8..1.2);
        now + chrono::Duration::milliseconds((capped * jitter) as i64)
    }
}
