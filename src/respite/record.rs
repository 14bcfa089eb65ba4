//! Recording what happened at the home: the actual start and end, whose billed minutes replace
//! the hold. A station may record only times within the booked window widened by the
//! configured tolerances; outside it, or beyond the family's remaining hours, only staff may
//! record the visit, as an exception with a reason.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    Context, Party, RespiteError, Visit, VisitStatus, audited, billable, field, local,
    refuse_overlap, release_hold, span, transition,
};
use crate::allowances::{self, EntryKind, Refs};
use crate::audit::Actor;
use crate::clock::to_micros;
use crate::config::RespiteRules;
use crate::db;
use crate::entity::respite_visit;
use crate::households;
use crate::messages::Args;
use crate::text::{self, FieldError};

/// What happened at the home, as recorded (local times of the ward's zone).
#[derive(Debug, Clone, Copy)]
pub struct Actual {
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
}

/// Who records a visit's end, and within which limits.
#[derive(Debug, Clone)]
pub enum Recorder {
    /// The station's device: times within the booked window (with the tolerances), and no more
    /// than the remaining minutes; the device must still be active when the minutes move.
    Station { station: Uuid, device: Uuid },
    /// Staff, as an exception with a reason: times outside the window are accepted, and a
    /// shortfall beyond the cap is granted by an adjustment (within the one-approver limit).
    StaffException { reason: String },
}

/// The span a station may record for a booked visit.
pub fn recordable_window(
    rules: &RespiteRules,
    scheduled_start: DateTime<Utc>,
    scheduled_end: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        scheduled_start - Duration::minutes(rules.early_start_tolerance_minutes.0),
        scheduled_end + Duration::minutes(rules.late_end_tolerance_minutes.0),
    )
}

/// Records the actual visit: the hold is released and the billed actual minutes are used
/// from the fiscal year of the actual start, all in one transaction. Times outside the booked
/// window are `OutsideBooking` and more than remains is `HoursExceeded` (nothing written)
/// unless staff record the visit as an exception.
pub async fn complete(
    ctx: &Context<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
    id: Uuid,
    actual: Actual,
    recorder: Recorder,
) -> Result<Visit, RespiteError> {
    let cal = ctx.calendar;
    let start = local(&cal, "started_at", actual.started_at)?;
    let end = local(&cal, "ended_at", actual.ended_at)?;
    let minutes = span(
        start,
        end,
        "ended_at",
        ctx.rules_at(start).respite.max_visit_minutes,
    )?;
    if end > now {
        return Err(field(
            "ended_at",
            "reason-is-in-the-future-record-a",
            Args::new(),
        ));
    }
    let used = billable(minutes, ctx.rules_at(start));
    let recorder = match recorder {
        Recorder::StaffException { reason } => Recorder::StaffException {
            reason: text::multiline(&reason, 500).map_err(|e| FieldError::text("reason", e))?,
        },
        other => other,
    };
    let rules = ctx.rules.clone();
    db::write(ctx.db, |tx| {
        let (rules, cal, actor, recorder) = (rules.clone(), cal, actor.clone(), recorder.clone());
        Box::pin(async move {
            use respite_visit::Column as C;
            let (party, exception) = match &recorder {
                Recorder::Station { station, device } => {
                    if !crate::partners::is_active_device(tx, *device).await? {
                        return Err(RespiteError::DeviceRevoked);
                    }
                    (Party::Station(*station), None)
                }
                Recorder::StaffException { reason } => (Party::Staff, Some(reason.clone())),
            };
            let current = super::visible(tx, party, id).await?;
            if exception.is_none() && current.status == VisitStatus::Accepted {
                let (earliest, latest) = recordable_window(
                    &rules.on(cal.local_date(current.scheduled_start)).respite,
                    current.scheduled_start,
                    current.scheduled_end,
                );
                if start < earliest || end > latest {
                    return Err(RespiteError::OutsideBooking {
                        earliest_start: cal.local(earliest),
                        latest_end: cal.local(latest),
                    });
                }
            }
            households::lock_child(tx, current.child_id).await?;
            refuse_overlap(tx, current.child_id, Some(id), start, end).await?;
            // Charged to the fiscal year of the actual start (normally the held one).
            let account = allowances::account_for(
                tx,
                &rules,
                &cal,
                current.child_id,
                rules.on(cal.local_date(start)).respite.id,
                start,
                now,
            )
            .await?;
            let dispute_days = rules.on(cal.local_date(start)).respite.dispute_days;
            let dispute_until = now + Duration::days(dispute_days);
            let before = transition(
                tx,
                party,
                id,
                &[VisitStatus::Accepted],
                VisitStatus::Completed,
                now,
                |u| {
                    u.col_expr(C::ActualStart, Expr::value(to_micros(start)))
                        .col_expr(C::ActualEnd, Expr::value(to_micros(end)))
                        .col_expr(C::UsedMinutes, Expr::value(used))
                        .col_expr(C::UsedAccountId, Expr::value(account.id))
                        .col_expr(C::ExceptionReason, Expr::value(exception.clone()))
                        .col_expr(C::DisputeUntil, Expr::value(to_micros(dispute_until)))
                        .col_expr(C::CompletedAt, Expr::value(to_micros(now)))
                },
            )
            .await?;
            release_hold(
                tx,
                before.account_id,
                before.booked_minutes,
                &actor,
                now,
                "respite visit done: hold replaced",
            )
            .await?;
            if let Some(reason) = &exception {
                // The balance after the hold came back decides the shortfall.
                let balance = allowances::get_account(tx, account.id).await?.balance;
                let shortfall = used.saturating_sub(balance);
                if shortfall > 0 {
                    // Extra minutes are a correction like any other: one person alone may
                    // grant at most the one-approver limit on the account.
                    allowances::lock_account(tx, account.id).await?;
                    let rule = allowances::rule_at(
                        &rules,
                        &cal,
                        rules.on(cal.local_date(start)).respite.id,
                        start,
                    )
                    .ok_or(RespiteError::NotEnrolled)?;
                    allowances::check_one_approver(tx, &rule, account.id, &actor, shortfall)
                        .await?;
                    allowances::post(
                        tx,
                        account.id,
                        EntryKind::Adjustment,
                        shortfall,
                        &actor,
                        now,
                        Refs {
                            reason: Some(reason),
                            ..Default::default()
                        },
                    )
                    .await?;
                    respite_visit::Entity::update_many()
                        .col_expr(C::ExceptionMinutes, Expr::value(shortfall))
                        .filter(C::Id.eq(id))
                        .exec(tx)
                        .await?;
                }
            }
            allowances::post(
                tx,
                account.id,
                EntryKind::Capture,
                used,
                &actor,
                now,
                Refs {
                    reason: Some("respite visit"),
                    ..Default::default()
                },
            )
            .await?;
            audited(
                tx,
                &actor,
                &cal,
                now,
                crate::audit::Action::RespiteCompleted,
                before,
            )
            .await
        })
    })
    .await
}
