//! The family disputes a recorded visit (the nurse came later, left earlier, or did not come),
//! within the configured days after the record. The minutes in question stop counting as used
//! and are held until staff decide: upheld, they are used again; accepted, they go back to
//! the family. Both moves are audited and notified.

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::sea_query::Expr;
use uuid::Uuid;

use super::{
    Context, DisputeOutcome, Party, RespiteError, Visit, VisitStatus, audited, billable, field,
    local, release_hold, span, transition, visible,
};
use crate::allowances::{self, EntryKind, Refs};
use crate::audit::Actor;
use crate::clock::{Calendar, to_micros};
use crate::db;
use crate::entity::respite_visit;
use crate::messages::Args;
use crate::text::{self, FieldError};

/// What the family says, as received.
#[derive(Debug, Clone)]
pub struct DisputeInput {
    pub reason: String,
    /// The times the family says are right (local times of the ward's zone); none: the visit
    /// did not take place.
    pub claimed: Option<(NaiveDateTime, NaiveDateTime)>,
}

/// Opens a dispute on one of the household's completed visits.
pub async fn dispute(
    ctx: &Context<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: Uuid,
    id: Uuid,
    input: DisputeInput,
) -> Result<Visit, RespiteError> {
    let (db, cal) = (ctx.db, &ctx.calendar);
    let reason = text::multiline(&input.reason, 500).map_err(|e| FieldError::text("reason", e))?;
    let claimed = match input.claimed {
        Some((s, e)) => {
            let (start, end) = (local(cal, "started_at", s)?, local(cal, "ended_at", e)?);
            let max = ctx.rules_at(start).respite.max_visit_minutes;
            let minutes = span(start, end, "ended_at", max)?;
            Some((start, end, billable(minutes, ctx.rules_at(start))))
        }
        None => None,
    };
    let cal = *cal;
    db::write(db, |tx| {
        let (actor, reason) = (actor.clone(), reason.clone());
        Box::pin(async move {
            use respite_visit::Column as C;
            let party = Party::Household(household_id);
            let current = visible(tx, party, id).await?;
            if current.status != VisitStatus::Completed {
                return Err(RespiteError::InvalidTransition {
                    from: current.status,
                    to: VisitStatus::Disputed,
                });
            }
            if let Some(until) = current.dispute_until
                && now > until
            {
                return Err(RespiteError::DisputeWindowClosed {
                    until: cal.local(until),
                });
            }
            let used = current.used_minutes.unwrap_or(0);
            let disputed = used.saturating_sub(claimed.map_or(0, |(_, _, m)| m));
            if disputed <= 0 {
                return Err(field(
                    "ended_at",
                    "reason-claims-as-many-minutes-as-were",
                    Args::new(),
                ));
            }
            let before = transition(
                tx,
                party,
                id,
                &[VisitStatus::Completed],
                VisitStatus::Disputed,
                now,
                |u| {
                    u.col_expr(C::DisputedAt, Expr::value(to_micros(now)))
                        .col_expr(C::DisputeReason, Expr::value(reason.clone()))
                        .col_expr(
                            C::ClaimedStart,
                            Expr::value(claimed.map(|c| to_micros(c.0))),
                        )
                        .col_expr(C::ClaimedEnd, Expr::value(claimed.map(|c| to_micros(c.1))))
                        .col_expr(C::DisputedMinutes, Expr::value(disputed))
                },
            )
            .await?;
            let account = before.used_account_id.unwrap_or(before.account_id);
            // The minutes in question stop counting as used and are held instead.
            for kind in [EntryKind::Reversal, EntryKind::Hold] {
                allowances::post(
                    tx,
                    account,
                    kind,
                    disputed,
                    &actor,
                    now,
                    Refs {
                        reason: Some("respite visit disputed by the family"),
                        ..Default::default()
                    },
                )
                .await?;
            }
            audited(
                tx,
                &actor,
                &cal,
                now,
                crate::audit::Action::RespiteDisputed,
                before,
            )
            .await
        })
    })
    .await
}

/// Staff's decision on a dispute.
#[derive(Debug, Clone)]
pub struct DisputeDecision {
    pub outcome: DisputeOutcome,
    pub reason: String,
}

/// Settles a dispute (staff): the held minutes are used again (upheld) or given back
/// (accepted, and the family's times become the record).
pub async fn decide_dispute(
    db: &crate::db::Db,
    actor: &Actor,
    cal: &Calendar,
    now: DateTime<Utc>,
    id: Uuid,
    decision: DisputeDecision,
) -> Result<Visit, RespiteError> {
    let reason =
        text::multiline(&decision.reason, 500).map_err(|e| FieldError::text("reason", e))?;
    let outcome = decision.outcome;
    let cal = *cal;
    db::write(db, |tx| {
        let (actor, reason) = (actor.clone(), reason.clone());
        Box::pin(async move {
            use respite_visit::Column as C;
            let current = visible(tx, Party::Staff, id).await?;
            let disputed = current.disputed_minutes.unwrap_or(0);
            let used = current.used_minutes.unwrap_or(0);
            let before = transition(
                tx,
                Party::Staff,
                id,
                &[VisitStatus::Disputed],
                VisitStatus::Completed,
                now,
                |u| {
                    let u = u
                        .col_expr(C::DisputeDecision, Expr::value(outcome.as_str()))
                        .col_expr(C::DisputeDecidedBy, Expr::value(actor.id))
                        .col_expr(C::DisputeDecidedAt, Expr::value(to_micros(now)))
                        .col_expr(C::DisputeDecisionReason, Expr::value(reason.clone()));
                    match outcome {
                        DisputeOutcome::Upheld => u,
                        DisputeOutcome::Accepted => u
                            .col_expr(C::UsedMinutes, Expr::value(used.saturating_sub(disputed)))
                            .col_expr(
                                C::ActualStart,
                                Expr::value(current.claimed_start.map(to_micros)),
                            )
                            .col_expr(
                                C::ActualEnd,
                                Expr::value(current.claimed_end.map(to_micros)),
                            ),
                    }
                },
            )
            .await?;
            let account = before.used_account_id.unwrap_or(before.account_id);
            release_hold(
                tx,
                account,
                disputed,
                &actor,
                now,
                "respite dispute decided",
            )
            .await?;
            if outcome == DisputeOutcome::Upheld {
                allowances::post(
                    tx,
                    account,
                    EntryKind::Capture,
                    disputed,
                    &actor,
                    now,
                    Refs {
                        reason: Some("respite dispute: the record stands"),
                        ..Default::default()
                    },
                )
                .await?;
            }
            audited(
                tx,
                &actor,
                &cal,
                now,
                crate::audit::Action::RespiteDisputeDecided,
                before,
            )
            .await
        })
    })
    .await
}
