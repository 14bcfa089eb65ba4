//! The audit log: every change records who made it, when, what it was, and the object before
//! and after. Entries are written in the same transaction as the change and never updated.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::clock::{from_micros, to_micros};
use crate::entity::audit_log;

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `guardian`, `staff`, `admin`, `device`, `system` or `anonymous`.
    pub kind: &'static str,
    pub id: Option<Uuid>,
    pub request_id: Option<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            kind: "system",
            id: None,
            request_id: None,
        }
    }
}

/// One change to write.
pub struct Change<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Serialises a view of an object for the log (callers pass views without secrets).
pub fn snapshot(value: &impl Serialize) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// Appends an entry.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    at: DateTime<Utc>,
    change: Change<'_>,
) -> Result<(), DbErr> {
    let entry = audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(to_micros(at)),
        actor_type: Set(actor.kind.to_owned()),
        actor_id: Set(actor.id),
        action: Set(change.action.to_owned()),
        object_type: Set(change.object_type.to_owned()),
        object_id: Set(change.object_id),
        before_json: Set(change.before.map(|v| v.to_string())),
        after_json: Set(change.after.map(|v| v.to_string())),
        request_id: Set(actor.request_id.clone()),
    };
    audit_log::Entity::insert(entry)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// An entry as staff read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<String>,
}

/// Which entries to list (newest first).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub object_id: Option<Uuid>,
    pub object_type: Option<String>,
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &Filter,
    limit: u64,
    offset: u64,
) -> Result<Vec<Entry>, DbErr> {
    let mut q = audit_log::Entity::find();
    if let Some(id) = filter.object_id {
        q = q.filter(audit_log::Column::ObjectId.eq(id));
    }
    if let Some(t) = &filter.object_type {
        q = q.filter(audit_log::Column::ObjectType.eq(t.clone()));
    }
    if let Some(id) = filter.actor_id {
        q = q.filter(audit_log::Column::ActorId.eq(id));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::Column::Action.eq(a.clone()));
    }
    if let Some(s) = filter.since {
        q = q.filter(audit_log::Column::OccurredAt.gte(to_micros(s)));
    }
    if let Some(u) = filter.until {
        q = q.filter(audit_log::Column::OccurredAt.lt(to_micros(u)));
    }
    let rows = q
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Entry {
            id: r.id,
            occurred_at: from_micros(r.occurred_at),
            actor_type: r.actor_type,
            actor_id: r.actor_id,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            before: r.before_json.and_then(|s| serde_json::from_str(&s).ok()),
            after: r.after_json.and_then(|s| serde_json::from_str(&s).ok()),
            request_id: r.request_id,
        })
        .collect())
}
