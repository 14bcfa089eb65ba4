//! A station answers a request from its device: it will come (the minutes stay held), or it
//! cannot (the hold goes back to the family).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use uuid::Uuid;

use super::{Party, RespiteError, Visit, VisitStatus, audited, release_hold, transition};
use crate::audit::Actor;
use crate::clock::{Calendar, to_micros};
use crate::db;
use crate::entity::respite_visit;
use crate::text::{self, FieldError};

/// The station will come.
pub async fn accept(
    db: &crate::db::Db,
    actor: &Actor,
    cal: &Calendar,
    now: DateTime<Utc>,
    station_id: Uuid,
    id: Uuid,
) -> Result<Visit, RespiteError> {
    let cal = *cal;
    db::write(db, |tx| {
        let actor = actor.clone();
        Box::pin(async move {
            use respite_visit::Column as C;
            let before = transition(
                tx,
                Party::Station(station_id),
                id,
                &[VisitStatus::Requested],
                VisitStatus::Accepted,
                now,
                |u| u.col_expr(C::DecidedAt, Expr::value(to_micros(now))),
            )
            .await?;
            audited(
                tx,
                &actor,
                &cal,
                now,
                crate::audit::Action::RespiteAccepted,
                before,
            )
            .await
        })
    })
    .await
}

/// The station cannot come: the hold goes back to the family.
pub async fn decline(
    db: &crate::db::Db,
    actor: &Actor,
    cal: &Calendar,
    now: DateTime<Utc>,
    station_id: Uuid,
    id: Uuid,
    reason: &str,
) -> Result<Visit, RespiteError> {
    let reason = text::multiline(reason, 500).map_err(|e| FieldError::text("reason", e))?;
    let cal = *cal;
    db::write(db, |tx| {
        let (actor, reason) = (actor.clone(), reason.clone());
        Box::pin(async move {
            use respite_visit::Column as C;
            let before = transition(
                tx,
                Party::Station(station_id),
                id,
                &[VisitStatus::Requested],
                VisitStatus::Declined,
                now,
                |u| {
                    u.col_expr(C::DecidedAt, Expr::value(to_micros(now)))
                        .col_expr(C::DeclineReason, Expr::value(reason.clone()))
                },
            )
            .await?;
            release_hold(
                tx,
                before.account_id,
                before.booked_minutes,
                &actor,
                now,
                "respite visit declined",
            )
            .await?;
            audited(
                tx,
                &actor,
                &cal,
                now,
                crate::audit::Action::RespiteDeclined,
                before,
            )
            .await
        })
    })
    .await
}
