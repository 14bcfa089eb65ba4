//! The monthly respite report for staff: per station, the visits completed in the month (by
//! their actual start, Asia/Tokyo), the minutes used and the children visited; and how many
//! children are registered for respite (the seed's 36 registered users).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::{Calendar, Month, to_micros};
use crate::enrollments::{self, Program};
use crate::entity::{enrollment, partner, respite_visit};
use crate::partners::PartnerKind;

use super::{STATION_KINDS, VisitStatus};

/// One station's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StationMonth {
    pub station_id: Uuid,
    pub station_name: String,
    pub station_kind: PartnerKind,
    /// Completed visits whose actual start is in the month.
    pub visits: i64,
    /// Billed minutes of those visits.
    pub minutes: i64,
    /// Different children visited.
    pub children: i64,
}

/// The month across stations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MonthlyReport {
    /// "2026-11".
    pub month: String,
    /// Every contracted station, with zeros where nothing happened.
    pub stations: Vec<StationMonth>,
    pub visits: i64,
    pub minutes: i64,
    /// Different children visited by any station.
    pub children: i64,
    /// Children whose respite enrollment is approved for at least one day of the month.
    pub registered_users: i64,
}

pub async fn monthly(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    month: Month,
) -> Result<MonthlyReport, DbErr> {
    let (from, to) = cal.month_bounds(month);
    let stations = partner::Entity::find()
        .filter(partner::Column::Kind.is_in(STATION_KINDS.map(PartnerKind::as_str)))
        .all(conn)
        .await?;
    let visits = respite_visit::Entity::find()
        .filter(respite_visit::Column::Status.eq(VisitStatus::Completed.as_str()))
        .filter(respite_visit::Column::ActualStart.gte(to_micros(from)))
        .filter(respite_visit::Column::ActualStart.lt(to_micros(to)))
        .all(conn)
        .await?;
    let mut per_station: BTreeMap<Uuid, (i64, i64, BTreeSet<Uuid>)> = BTreeMap::new();
    let mut children = BTreeSet::new();
    for v in &visits {
        let e = per_station.entry(v.station_id).or_default();
        e.0 += 1;
        e.1 += v.used_minutes.unwrap_or(0);
        e.2.insert(v.child_id);
        children.insert(v.child_id);
    }
    let mut rows: Vec<StationMonth> = stations
        .into_iter()
        .filter_map(|p| {
            let kind = PartnerKind::parse(&p.kind)?;
            let (visits, minutes, kids) = per_station.remove(&p.id).unwrap_or_default();
            Some(StationMonth {
                station_id: p.id,
                station_name: p.name,
                station_kind: kind,
                visits,
                minutes,
                children: kids.len() as i64,
            })
        })
        .collect();
    rows.sort_by(|a, b| a.station_name.cmp(&b.station_name));
    Ok(MonthlyReport {
        month: month.to_string(),
        visits: rows.iter().map(|r| r.visits).sum(),
        minutes: rows.iter().map(|r| r.minutes).sum(),
        children: children.len() as i64,
        registered_users: registered_users(conn, cal, from, to).await?,
        stations: rows,
    })
}

/// Children with an approved respite enrollment valid on some day in `[from, to)`.
async fn registered_users(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let first: NaiveDate = cal.local_date(from);
    let last: NaiveDate = cal.local_date(to - chrono::Duration::microseconds(1));
    let approved = enrollment::Entity::find()
        .filter(enrollment::Column::Program.eq(Program::Respite.as_str()))
        .filter(enrollment::Column::Status.eq(enrollments::Status::Approved.as_str()))
        .all(conn)
        .await?;
    let children: BTreeSet<Uuid> = approved
        .into_iter()
        .filter(|e| {
            e.valid_from.is_none_or(|f| f <= last) && e.valid_until.is_none_or(|u| first <= u)
        })
        .map(|e| e.child_id)
        .collect();
    Ok(children.len() as i64)
}

/// The report as CSV for Excel (UTF-8 with BOM, CRLF).
pub fn to_csv(r: &MonthlyReport) -> String {
    let mut out = String::from(crate::csv::BOM);
    out.push_str(&crate::csv::line(&[
        "対象月",
        "事業所ID",
        "事業所名",
        "種別",
        "訪問件数",
        "利用時間(分)",
        "利用時間(時間)",
        "利用児童数",
    ]));
    let hours = |m: i64| format!("{}.{:02}", m / 60, (m % 60) * 100 / 60);
    for s in &r.stations {
        out.push_str(&crate::csv::line(&[
            r.month.clone(),
            s.station_id.to_string(),
            s.station_name.clone(),
            s.station_kind.as_str().to_owned(),
            s.visits.to_string(),
            s.minutes.to_string(),
            hours(s.minutes),
            s.children.to_string(),
        ]));
    }
    out.push_str(&crate::csv::line(&[
        r.month.clone(),
        String::new(),
        "合計".into(),
        String::new(),
        r.visits.to_string(),
        r.minutes.to_string(),
        hours(r.minutes),
        r.children.to_string(),
    ]));
    out.push_str(&crate::csv::line(&[
        r.month.clone(),
        String::new(),
        "登録者数".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        r.registered_users.to_string(),
    ]));
    out
}
