//! Notifications that are never lost: every event a family or partner must learn about
//! (an enrollment decided, a voucher redeemed or reversed, a respite visit accepted or
//! declined, a short stay decided…) is written to the `notifications` outbox **in the same
//! transaction** as the change. The worker (`worker.rs`) delivers each to the push gateway,
//! signed (`signature.rs`), retrying with backoff until it is delivered or dead-lettered;
//! families also read them in the app.

mod kinds;
pub mod signature;
pub mod words;
pub mod worker;

pub use kinds::EventKind;
pub use words::{Left, NotificationText, ProgramName, UndoneBy, Words};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::{from_micros, to_micros};
use crate::entity::notification;

/// Who a notification is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = NotificationRecipient)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Recipient {
    /// Every guardian of a household.
    Household(Uuid),
    /// A partner (its devices).
    Partner(Uuid),
}

impl Recipient {
    fn parts(self) -> (&'static str, Uuid) {
        match self {
            Recipient::Household(id) => ("household", id),
            Recipient::Partner(id) => ("partner", id),
        }
    }

    fn from_parts(kind: &str, id: Uuid) -> Option<Recipient> {
        match kind {
            "household" => Some(Recipient::Household(id)),
            "partner" => Some(Recipient::Partner(id)),
            _ => None,
        }
    }
}

/// An event to tell someone about.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub kind: EventKind,
    pub recipient: Recipient,
    /// The object it is about.
    pub subject_type: &'a str,
    pub subject_id: Uuid,
    /// What the app shows (no secrets; ids, figures, short texts).
    pub data: Value,
    /// What it says to a person, worded from the catalogue.
    pub words: Words,
}

/// Where a notification is on its way to the push gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Every attempt failed; staff can send it again.
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
            DeliveryStatus::Dead,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// Writes an event to the outbox. Call it with the transaction that makes the change, so the
/// change and its notification commit (or roll back) together.
pub async fn notify(
    tx: &impl ConnectionTrait,
    now: DateTime<Utc>,
    event: Event<'_>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    let (recipient_type, recipient_id) = event.recipient.parts();
    notification::Entity::insert(notification::ActiveModel {
        id: Set(id),
        event_type: Set(event.kind.as_str().to_owned()),
        recipient_type: Set(recipient_type.to_owned()),
        recipient_id: Set(recipient_id),
        subject_type: Set(event.subject_type.to_owned()),
        subject_id: Set(event.subject_id),
        payload: Set(event.data.to_string()),
        text_json: Set(serde_json::to_string(&words::word(event.kind, &event.words)).ok()),
        created_at: Set(to_micros(now)),
        delivery_status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(to_micros(now)),
        claimed_by: Set(None),
        claimed_until: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
        read_at: Set(None),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(id)
}

/// What the push gateway receives: `POST {notifications.webhook_url}` with this JSON body and
/// the headers `Carepass-Event-Id` (= `id`), `Carepass-Timestamp` (Unix seconds),
/// `Carepass-Key-Id` and `Carepass-Signature: v1=<hex HMAC-SHA256(secret, "{timestamp}.{raw
/// body}")>`. Verify the signature over the raw bytes in constant time, refuse timestamps
/// more than 5 minutes off, and deduplicate by `id`: an event may arrive more than once (at
/// least once delivery), never concurrently from two workers. Answer 2xx to acknowledge;
/// anything else (or no answer within the timeout) is retried with exponential backoff and
/// dead-lettered after `max_attempts`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDelivery {
    /// The event id: deduplicate by it.
    pub id: Uuid,
    /// What happened; `data` has the shape of the `Notification` variant with this `type`.
    #[serde(rename = "type")]
    #[schema(value_type = EventKind)]
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub recipient: Recipient,
    pub subject: Subject,
    /// Event details (ids, figures, short texts; nothing secret).
    pub data: Value,
    /// What to show the person, in Japanese and English (absent on events from before it was
    /// added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<NotificationText>,
    /// 1 for the first attempt.
    pub attempt: i32,
}

/// The object an event is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = NotificationSubject)]
pub struct Subject {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Uuid,
}

/// A notification with its delivery to the push gateway, as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = NotificationDelivery)]
pub struct Notification {
    /// Also the event id the push gateway deduplicates by.
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub recipient: Recipient,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub data: Value,
    /// What it says, in both languages (absent on events from before it was added).
    pub text: Option<NotificationText>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub delivery_status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
}

impl TryFrom<notification::Model> for Notification {
    type Error = DbErr;
    fn try_from(m: notification::Model) -> Result<Self, DbErr> {
        Ok(Notification {
            id: m.id,
            kind: m.event_type,
            recipient: Recipient::from_parts(&m.recipient_type, m.recipient_id).ok_or_else(
                || DbErr::Custom(format!("unknown recipient type {}", m.recipient_type)),
            )?,
            subject_type: m.subject_type,
            subject_id: m.subject_id,
            data: serde_json::from_str(&m.payload).unwrap_or(Value::Null),
            text: m
                .text_json
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok()),
            created_at: from_micros(m.created_at),
            read_at: m.read_at.map(from_micros),
            delivery_status: DeliveryStatus::parse(&m.delivery_status).ok_or_else(|| {
                DbErr::Custom(format!("unknown delivery status {}", m.delivery_status))
            })?,
            attempts: m.attempts,
            last_error: m.last_error,
        })
    }
}

/// A recipient's notifications, newest first.
pub async fn inbox(
    conn: &impl ConnectionTrait,
    recipient: Recipient,
    unread_only: bool,
    limit: u64,
    offset: u64,
) -> Result<Vec<Notification>, DbErr> {
    use notification::Column as C;
    let (kind, id) = recipient.parts();
    let mut q = notification::Entity::find()
        .filter(C::RecipientType.eq(kind))
        .filter(C::RecipientId.eq(id));
    if unread_only {
        q = q.filter(C::ReadAt.is_null());
    }
    q.order_by_desc(C::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Notification::try_from)
        .collect()
}

/// Marks one of the recipient's notifications read (again is harmless); `None` when it is not
/// theirs.
pub async fn mark_read(
    conn: &impl ConnectionTrait,
    recipient: Recipient,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Notification>, DbErr> {
    use notification::Column as C;
    let (kind, rid) = recipient.parts();
    notification::Entity::update_many()
        .col_expr(C::ReadAt, Expr::value(to_micros(now)))
        .filter(C::Id.eq(id))
        .filter(C::RecipientType.eq(kind))
        .filter(C::RecipientId.eq(rid))
        .filter(C::ReadAt.is_null())
        .exec(conn)
        .await?;
    notification::Entity::find_by_id(id)
        .filter(C::RecipientType.eq(kind))
        .filter(C::RecipientId.eq(rid))
        .one(conn)
        .await?
        .map(Notification::try_from)
        .transpose()
}

/// The webhook outbox at a glance, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    pub pending: u64,
    pub dead: u64,
    /// Age of the oldest pending notification; zero when none is pending.
    pub oldest_pending_seconds: i64,
}

/// Counts pending and dead notifications and the age of the oldest pending one.
pub async fn backlog(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Backlog, DbErr> {
    use notification::Column as C;
    use sea_orm::PaginatorTrait;
    let count = |status: DeliveryStatus| {
        notification::Entity::find()
            .filter(C::DeliveryStatus.eq(status.as_str()))
            .count(conn)
    };
    let pending = count(DeliveryStatus::Pending).await?;
    let dead = count(DeliveryStatus::Dead).await?;
    let oldest = notification::Entity::find()
        .filter(C::DeliveryStatus.eq(DeliveryStatus::Pending.as_str()))
        .order_by_asc(C::CreatedAt)
        .one(conn)
        .await?;
    Ok(Backlog {
        pending,
        dead,
        oldest_pending_seconds: oldest.map_or(0, |m| {
            (now - from_micros(m.created_at)).num_seconds().max(0)
        }),
    })
}

/// Notifications by delivery state, oldest first (staff: the dead letters).
pub async fn by_delivery(
    conn: &impl ConnectionTrait,
    status: DeliveryStatus,
    limit: u64,
    offset: u64,
) -> Result<Vec<Notification>, DbErr> {
    use notification::Column as C;
    notification::Entity::find()
        .filter(C::DeliveryStatus.eq(status.as_str()))
        .order_by_asc(C::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Notification::try_from)
        .collect()
}

/// Sends a dead-lettered notification again from its first attempt (staff). `None` when there
/// is no such dead letter.
pub async fn retry(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Notification>, DbErr> {
    use notification::Column as C;
    let changed = notification::Entity::update_many()
        .col_expr(
            C::DeliveryStatus,
            Expr::value(DeliveryStatus::Pending.as_str()),
        )
        .col_expr(C::Attempts, Expr::value(0))
        .col_expr(C::NextAttemptAt, Expr::value(to_micros(now)))
        .col_expr(C::ClaimedBy, Expr::value(Option::<String>::None))
        .col_expr(C::ClaimedUntil, Expr::value(Option::<i64>::None))
        .filter(C::Id.eq(id))
        .filter(C::DeliveryStatus.eq(DeliveryStatus::Dead.as_str()))
        .exec(conn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Ok(None);
    }
    notification::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Notification::try_from)
        .transpose()
}
