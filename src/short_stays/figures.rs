//! Short stays in the figures of every program: an admission is a use, counted in the month it
//! happened, for the days of the stay as confirmed (first and last day included).

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::clock::{Calendar, FiscalYear, from_micros, to_micros};
use crate::entity::short_stay;
use crate::figures::Use;

pub async fn uses(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    fy: FiscalYear,
) -> Result<Vec<Use>, DbErr> {
    let (from, to) = cal.fiscal_year_bounds(fy);
    let rows = short_stay::Entity::find()
        .filter(short_stay::Column::AdmittedAt.gte(to_micros(from)))
        .filter(short_stay::Column::AdmittedAt.lt(to_micros(to)))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|s| {
            let days = match (s.confirmed_from, s.confirmed_until) {
                (Some(a), Some(b)) => (b - a).num_days().saturating_add(1).max(0),
                _ => 0,
            };
            Some(Use {
                month: cal.month_of(from_micros(s.admitted_at?)),
                person: s.child_id,
                amount: days,
            })
        })
        .collect())
}
