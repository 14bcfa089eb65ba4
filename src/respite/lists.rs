//! What families, stations and staff list: the stations to choose from and the visits.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{STATION_KINDS, Station, Visit, VisitStatus};
use crate::clock::to_micros;
use crate::entity::respite_visit;
use crate::partners;

/// The stations a family can choose, by name.
pub async fn stations(
    conn: &impl ConnectionTrait,
    limit: u64,
    offset: u64,
) -> Result<Vec<Station>, DbErr> {
    Ok(
        partners::list_active_of_kinds(conn, &STATION_KINDS, limit, offset)
            .await?
            .into_iter()
            .map(|p| Station {
                id: p.id,
                name: p.name,
                kind: p.kind,
            })
            .collect(),
    )
}

/// Which of a child's visits to list.
#[derive(Debug, Clone, Copy)]
pub enum ChildFilter {
    /// Requested or accepted visits that have not started, soonest first.
    Upcoming(DateTime<Utc>),
    /// Visits scheduled in this span (a month), newest first.
    Between(DateTime<Utc>, DateTime<Utc>),
    /// Every visit, newest first.
    All,
}

pub async fn list_for_child(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    filter: ChildFilter,
    limit: u64,
    offset: u64,
) -> Result<Vec<Visit>, DbErr> {
    use respite_visit::Column as C;
    let mut q = respite_visit::Entity::find().filter(C::ChildId.eq(child_id));
    q = match filter {
        ChildFilter::Upcoming(now) => q
            .filter(C::ScheduledStart.gt(to_micros(now)))
            .filter(C::Status.is_in([
                VisitStatus::Requested.as_str(),
                VisitStatus::Accepted.as_str(),
            ]))
            .order_by_asc(C::ScheduledStart),
        ChildFilter::Between(from, to) => q
            .filter(C::ScheduledStart.gte(to_micros(from)))
            .filter(C::ScheduledStart.lt(to_micros(to)))
            .order_by_desc(C::ScheduledStart),
        ChildFilter::All => q.order_by_desc(C::ScheduledStart),
    };
    q.order_by_asc(C::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Visit::try_from)
        .collect()
}

/// The visits addressed to a station, soonest first, optionally in one state.
pub async fn list_for_station(
    conn: &impl ConnectionTrait,
    station_id: Uuid,
    status: Option<VisitStatus>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Visit>, DbErr> {
    list_all(conn, Some(station_id), status, limit, offset).await
}

/// Visits for staff, soonest first, optionally of one station and in one state
/// (`disputed`: the disputes waiting for a decision).
pub async fn list_all(
    conn: &impl ConnectionTrait,
    station_id: Option<Uuid>,
    status: Option<VisitStatus>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Visit>, DbErr> {
    use respite_visit::Column as C;
    let mut q = respite_visit::Entity::find();
    if let Some(s) = station_id {
        q = q.filter(C::StationId.eq(s));
    }
    if let Some(s) = status {
        q = q.filter(C::Status.eq(s.as_str()));
    }
    q.order_by_asc(C::ScheduledStart)
        .order_by_asc(C::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Visit::try_from)
        .collect()
}
