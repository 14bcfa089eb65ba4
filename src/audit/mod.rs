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
use crate::entity::{audit_child, audit_log};

mod action;
pub use action::Action;

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
    pub action: Action,
    pub object_type: &'a str,
    pub object_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// The children the change concerns (their page shows it in their trail).
    pub children: Vec<Uuid>,
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
    let id = Uuid::now_v7();
    let entry = audit_log::ActiveModel {
        id: Set(id),
        occurred_at: Set(to_micros(at)),
        actor_type: Set(actor.kind.to_owned()),
        actor_id: Set(actor.id),
        action: Set(change.action.as_str().to_owned()),
        object_type: Set(change.object_type.to_owned()),
        object_id: Set(change.object_id),
        before_json: Set(change.before.map(|v| v.to_string())),
        after_json: Set(change.after.map(|v| v.to_string())),
        request_id: Set(actor.request_id.clone()),
    };
    audit_log::Entity::insert(entry)
        .exec_without_returning(conn)
        .await?;
    let mut children = change.children;
    children.sort();
    children.dedup();
    if !children.is_empty() {
        audit_child::Entity::insert_many(children.into_iter().map(|child_id| {
            audit_child::ActiveModel {
                audit_id: Set(id),
                child_id: Set(child_id),
            }
        }))
        .exec_without_returning(conn)
        .await?;
    }
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
    /// The children the entry concerns.
    pub children: Vec<Uuid>,
}

/// Which entries to list (newest first).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub object_id: Option<Uuid>,
    pub object_type: Option<String>,
    pub actor_id: Option<Uuid>,
    pub action: Option<Action>,
    /// Entries that concern this child.
    pub child_id: Option<Uuid>,
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
        q = q.filter(audit_log::Column::Action.eq(a.as_str()));
    }
    if let Some(child) = filter.child_id {
        q = q.filter(
            audit_log::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(audit_child::Column::AuditId)
                    .from(audit_child::Entity)
                    .and_where(audit_child::Column::ChildId.eq(child))
                    .to_owned(),
            ),
        );
    }
    if let Some(s) = filter.since {
        q = q.filter(audit_log::Column::OccurredAt.gte(to_micros(s)));
    }
    if let Some(u) = filter.until {
        q = q.filter(audit_log::Column::OccurredAt.lt(to_micros(u)));
    }
    let rows = q
        .order_by_desc(audit_log::Column::OccurredAt)
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?;
    let mut children: std::collections::HashMap<Uuid, Vec<Uuid>> = Default::default();
    if !rows.is_empty() {
        for link in audit_child::Entity::find()
            .filter(audit_child::Column::AuditId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(audit_child::Column::ChildId)
            .all(conn)
            .await?
        {
            children
                .entry(link.audit_id)
                .or_default()
                .push(link.child_id);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| Entry {
            children: children.remove(&r.id).unwrap_or_default(),
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
