//! The family calls a visit off before it starts; the hold is given back.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::{Party, RespiteError, Visit, VisitStatus, audited, release_hold, transition, visible};
use crate::audit::Actor;
use crate::clock::{Calendar, to_micros};
use crate::db;
use crate::entity::respite_visit;

/// The family calls a visit off before it starts; the hold is given back.
pub async fn cancel(
    db: &crate::db::Db,
    actor: &Actor,
    cal: &Calendar,
    now: DateTime<Utc>,
    household_id: Uuid,
    id: Uuid,
) -> Result<Visit, RespiteError> {
    let cal = *cal;
    db::write(db, |tx| {
        let actor = actor.clone();
        Box::pin(async move {
            use respite_visit::Column as C;
            let party = Party::Household(household_id);
            let current = visible(tx, party, id).await?;
            if current.scheduled_start <= now
                && matches!(
                    current.status,
                    VisitStatus::Requested | VisitStatus::Accepted
                )
            {
                return Err(RespiteError::AlreadyStarted);
            }
            let before = transition(
                tx,
                party,
                id,
                &[VisitStatus::Requested, VisitStatus::Accepted],
                VisitStatus::Cancelled,
                now,
                |u| {
                    u.col_expr(C::CancelledAt, Expr::value(to_micros(now)))
                        .filter(C::ScheduledStart.gt(to_micros(now)))
                },
            )
            .await?;
            release_hold(
                tx,
                before.account_id,
                before.booked_minutes,
                &actor,
                now,
                "respite visit cancelled",
            )
            .await?;
            audited(
                tx,
                &actor,
                &cal,
                now,
                crate::audit::Action::RespiteCancelled,
                before,
            )
            .await
        })
    })
    .await
}
