//! The monthly respite report for staff: per station, the visits completed in the month (by
//! their actual start, Asia/Tokyo), the minutes used and the children visited; and how many
//! children are registered for respite (the seed's 36 registered users).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::{Calendar, FiscalYear, Month, from_micros, to_micros};
use crate::enrollments::{self, Program};
use crate::entity::respite_visit;
use crate::partners::{self, PartnerKind};

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
    program: Program,
    month: Month,
) -> Result<MonthlyReport, DbErr> {
    let (from, to) = cal.month_bounds(month);
    let stations = partners::all_of_kinds(conn, &STATION_KINDS).await?;
    let visits = respite_visit::Entity::find()
        .filter(respite_visit::Column::Status.is_in([
            VisitStatus::Completed.as_str(),
            VisitStatus::Disputed.as_str(),
        ]))
        .filter(respite_visit::Column::ActualStart.gte(to_micros(from)))
        .filter(respite_visit::Column::ActualStart.lt(to_micros(to)))
        .all(conn)
        .await?;
    let mut per_station: BTreeMap<Uuid, (i64, i64, BTreeSet<Uuid>)> = BTreeMap::new();
    let mut children = BTreeSet::new();
    for v in &visits {
        // Minutes in dispute are held, not used, until staff decide.
        let used = v.used_minutes.unwrap_or(0).saturating_sub(
            v.disputed_minutes
                .filter(|_| v.status == VisitStatus::Disputed.as_str())
                .unwrap_or(0),
        );
        let e = per_station.entry(v.station_id).or_default();
        e.0 += 1;
        e.1 += used;
        e.2.insert(v.child_id);
        children.insert(v.child_id);
    }
    let rows: Vec<StationMonth> = stations
        .into_iter()
        .map(|p| {
            let (visits, minutes, kids) = per_station.remove(&p.id).unwrap_or_default();
            StationMonth {
                station_id: p.id,
                station_name: p.name,
                station_kind: p.kind,
                visits,
                minutes,
                children: i64::try_from(kids.len()).unwrap_or(i64::MAX),
            }
        })
        .collect();
    let first: NaiveDate = cal.local_date(from);
    let last: NaiveDate = cal.local_date(to - chrono::Duration::microseconds(1));
    let registered = enrollments::children_enrolled_between(conn, program, first, last).await?;
    Ok(MonthlyReport {
        month: month.to_string(),
        visits: rows.iter().map(|r| r.visits).sum(),
        minutes: rows.iter().map(|r| r.minutes).sum(),
        children: i64::try_from(children.len()).unwrap_or(i64::MAX),
        registered_users: i64::try_from(registered.len()).unwrap_or(i64::MAX),
        stations: rows,
    })
}

/// Every use of respite hours in a fiscal year, for the figures of every program: a recorded
/// visit (completed, or disputed and so still counted as recorded), in the month it started,
/// for the minutes billed.
pub async fn uses(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    fy: FiscalYear,
) -> Result<Vec<crate::figures::Use>, DbErr> {
    let (from, to) = cal.fiscal_year_bounds(fy);
    let rows = respite_visit::Entity::find()
        .filter(respite_visit::Column::ActualStart.gte(to_micros(from)))
        .filter(respite_visit::Column::ActualStart.lt(to_micros(to)))
        .filter(respite_visit::Column::Status.is_in([
            VisitStatus::Completed.as_str(),
            VisitStatus::Disputed.as_str(),
        ]))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|v| {
            Some(crate::figures::Use {
                month: cal.month_of(from_micros(v.actual_start?)),
                person: v.child_id,
                amount: v.used_minutes?,
            })
        })
        .collect())
}

/// The report as CSV for Excel (UTF-8 with BOM, CRLF): a line per station, then, after an
/// empty line, the totals under their columns. The additive columns sum to the totals; the
/// last two columns hold month-wide figures that are not sums (a child visited by two stations
/// counts once), filled on the totals line only.
pub fn to_csv(r: &MonthlyReport, month: Month) -> String {
    use crate::csv::{Cell, header, line};
    let mut out = String::from(crate::csv::BOM);
    out.push_str(&header(&[
        "対象月",
        "事業所名",
        "種別",
        "訪問件数",
        "利用時間(分)",
        "利用者数",
        "月計：実利用者数",
        "月計：登録者数",
    ]));
    let label = month.ja();
    for s in &r.stations {
        out.push_str(&line(&[
            Cell::Text(&label),
            Cell::Text(&s.station_name),
            Cell::Text(s.station_kind.ja()),
            Cell::Int(s.visits),
            Cell::Int(s.minutes),
            Cell::Int(s.children),
            Cell::Empty,
            Cell::Empty,
        ]));
    }
    out.push_str("\r\n");
    out.push_str(&line(&[
        Cell::Text("合計"),
        Cell::Empty,
        Cell::Empty,
        Cell::Int(r.visits),
        Cell::Int(r.minutes),
        Cell::Int(r.stations.iter().map(|s| s.children).sum()),
        Cell::Int(r.children),
        Cell::Int(r.registered_users),
    ]));
    out
}
