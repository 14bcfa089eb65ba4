//! Play-space statistics for staff: over the sessions that started in a month or a fiscal
//! year (Asia/Tokyo), the places booked, the people who came (the seed's "users": 3,659 in
//! FY2024), and the no-shows.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::to_micros;
use crate::clock::{Calendar, FiscalYear, from_micros};
use crate::entity::{play_booking, play_booking_child, play_session};

use super::BookingStatus;

/// A period's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlayStatistics {
    /// "2026-11" or "FY2024".
    pub period: String,
    pub sessions: i64,
    /// Confirmed bookings (not cancelled).
    pub bookings: i64,
    pub booked_children: i64,
    pub booked_adults: i64,
    /// Bookings checked in at the door.
    pub attended_bookings: i64,
    pub attended_children: i64,
    pub attended_adults: i64,
    /// People who came: children and adults checked in (the seed's "users").
    pub users: i64,
    /// Confirmed bookings of sessions that have ended without a check-in.
    pub no_shows: i64,
    /// Still on a waiting list when the session started.
    pub waiting_not_promoted: i64,
}

/// The play space in the figures of every program: each child checked in at the door is a
/// use, counted in the month of the check-in (one child, one visit).
pub async fn uses(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    fy: FiscalYear,
) -> Result<Vec<crate::figures::Use>, DbErr> {
    let (from, to) = cal.fiscal_year_bounds(fy);
    let came = play_booking::Entity::find()
        .filter(play_booking::Column::CheckedInAt.gte(to_micros(from)))
        .filter(play_booking::Column::CheckedInAt.lt(to_micros(to)))
        .all(conn)
        .await?;
    if came.is_empty() {
        return Ok(Vec::new());
    }
    let children = play_booking_child::Entity::find()
        .filter(play_booking_child::Column::BookingId.is_in(came.iter().map(|b| b.id)))
        .all(conn)
        .await?;
    let at: std::collections::HashMap<_, _> = came
        .iter()
        .filter_map(|b| Some((b.id, b.checked_in_at?)))
        .collect();
    Ok(children
        .into_iter()
        .filter_map(|c| {
            Some(crate::figures::Use {
                month: cal.month_of(from_micros(*at.get(&c.booking_id)?)),
                person: c.child_id,
                amount: 1,
            })
        })
        .collect())
}

pub async fn between(
    conn: &impl ConnectionTrait,
    period: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<PlayStatistics, DbErr> {
    let sessions = play_session::Entity::find()
        .filter(play_session::Column::StartsAt.gte(to_micros(from)))
        .filter(play_session::Column::StartsAt.lt(to_micros(to)))
        .all(conn)
        .await?;
    let ids: Vec<_> = sessions.iter().map(|s| s.id).collect();
    let bookings = if ids.is_empty() {
        Vec::new()
    } else {
        play_booking::Entity::find()
            .filter(play_booking::Column::SessionId.is_in(ids))
            .all(conn)
            .await?
    };
    let ended = |session_id| {
        sessions
            .iter()
            .find(|s| s.id == session_id)
            .is_some_and(|s| s.ends_at <= to_micros(now))
    };
    let confirmed: Vec<_> = bookings
        .iter()
        .filter(|b| b.status == BookingStatus::Confirmed.as_str())
        .collect();
    let attended: Vec<_> = confirmed
        .iter()
        .filter(|b| b.checked_in_at.is_some())
        .collect();
    let attended_children = attended.iter().map(|b| b.children).sum::<i64>();
    let attended_adults = attended.iter().map(|b| b.adults).sum::<i64>();
    Ok(PlayStatistics {
        period,
        sessions: sessions.len() as i64,
        bookings: confirmed.len() as i64,
        booked_children: confirmed.iter().map(|b| b.children).sum(),
        booked_adults: confirmed.iter().map(|b| b.adults).sum(),
        attended_bookings: attended.len() as i64,
        attended_children,
        attended_adults,
        users: attended_children + attended_adults,
        no_shows: confirmed
            .iter()
            .filter(|b| b.checked_in_at.is_none() && ended(b.session_id))
            .count() as i64,
        waiting_not_promoted: bookings
            .iter()
            .filter(|b| b.status == BookingStatus::Waiting.as_str())
            .count() as i64,
    })
}

/// The statistics as CSV for Excel (UTF-8 with BOM, CRLF): one line for the period, which
/// `period_label` names in Japanese ("2026年11月", "令和8年度（2026年度）").
pub fn to_csv(s: &PlayStatistics, period_label: &str) -> String {
    use crate::csv::{Cell, header, line};
    let mut out = String::from(crate::csv::BOM);
    out.push_str(&header(&[
        "期間",
        "開催回数",
        "予約件数",
        "予約児童数",
        "予約同伴者数",
        "来場件数",
        "来場児童数",
        "来場同伴者数",
        "利用者数",
        "無断欠席",
        "キャンセル待ち（未繰上げ）",
    ]));
    out.push_str(&line(&[
        Cell::Text(period_label),
        Cell::Int(s.sessions),
        Cell::Int(s.bookings),
        Cell::Int(s.booked_children),
        Cell::Int(s.booked_adults),
        Cell::Int(s.attended_bookings),
        Cell::Int(s.attended_children),
        Cell::Int(s.attended_adults),
        Cell::Int(s.users),
        Cell::Int(s.no_shows),
        Cell::Int(s.waiting_not_promoted),
    ]));
    out
}
