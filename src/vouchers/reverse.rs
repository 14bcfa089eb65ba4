//! Reversing a redemption: a partner's same-day cancel (取消) or a staff reversal with a reason.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{RedemptionView, VoucherError};
use crate::allowances::{self, EntryKind, Refs, Unit};
use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::clock::{Calendar, to_micros};
use crate::config::{RuleBook, UnusedBalance};
use crate::db;
use crate::entity::redemption;
use crate::households;
use crate::partners::DevicePrincipal;
use crate::text::FieldError;

/// Who is reversing, and within which limits.
pub enum Reverser<'a> {
    /// The partner that redeemed, on the same Asia/Tokyo day.
    Partner(&'a DevicePrincipal),
    /// Ward staff, any time, with a reason.
    Staff { reason: String },
}

/// Undoes a redemption: the balance comes back through a reversal entry (and lapses again at
/// once if its period has already ended and the rule is to lapse). On the statements, the
/// reversal counts in the redemption's own month while that month is open; once it is closed
/// (締め), the month's statement stays as paid and the reversal counts in the current month as
/// a negative line. A partner cannot cancel a redemption of a closed month.
pub async fn reverse(
    db: &crate::db::Db,
    rules: &RuleBook,
    cal: &Calendar,
    actor: &Actor,
    now: DateTime<Utc>,
    redemption_id: Uuid,
    by: Reverser<'_>,
) -> Result<RedemptionView, VoucherError> {
    let reason = match &by {
        Reverser::Staff { reason } => {
            Some(crate::text::multiline(reason, 500).map_err(|e| FieldError::text("reason", e))?)
        }
        Reverser::Partner(_) => None,
    };
    let cal = *cal;
    let partner = match &by {
        Reverser::Partner(d) => Some(d.partner_id),
        Reverser::Staff { .. } => None,
    };
    db::write(db, |tx| {
        let (actor, reason, rules) = (actor.clone(), reason.clone(), rules.clone());
        Box::pin(async move {
            let rules = &rules;
            let r = redemption::Entity::find_by_id(redemption_id)
                .one(tx)
                .await?
                .ok_or(VoucherError::RedemptionNotFound)?;
            if let Some(p) = partner {
                // Another partner's redemption does not exist for this one.
                if r.partner_id != p {
                    return Err(VoucherError::RedemptionNotFound);
                }
                if r.reversed_at.is_none() && r.local_date != cal.local_date(now) {
                    return Err(VoucherError::ReversalWindowClosed);
                }
            }
            let before = RedemptionView::try_from(r.clone())?;
            use redemption::Column as C;
            // Decided on the row itself, so a closing that stamps the row first wins: its
            // statement then stays as it was, and this reversal moves to the current month.
            let counts_in = Expr::case(Expr::col(C::SettledMonth).is_null(), Expr::col(C::Month))
                .finally(Expr::value(cal.month_of(now).to_string()));
            let mut update = redemption::Entity::update_many()
                .col_expr(C::ReversalMonth, Expr::expr(counts_in))
                .col_expr(redemption::Column::ReversedAt, Expr::value(to_micros(now)))
                .col_expr(redemption::Column::ReversedByType, Expr::value(actor.kind))
                .col_expr(redemption::Column::ReversedBy, Expr::value(actor.id))
                .col_expr(
                    redemption::Column::ReversalReason,
                    Expr::value(reason.clone()),
                )
                .filter(redemption::Column::Id.eq(redemption_id))
                .filter(redemption::Column::ReversedAt.is_null());
            if partner.is_some() {
                update = update.filter(C::SettledMonth.is_null());
            }
            if update.exec(tx).await?.rows_affected != 1 {
                let now_row = redemption::Entity::find_by_id(redemption_id)
                    .one(tx)
                    .await?
                    .ok_or(VoucherError::RedemptionNotFound)?;
                return Err(match now_row.reversed_at {
                    None => VoucherError::MonthClosed,
                    Some(_) => VoucherError::AlreadyReversed,
                });
            }
            let account = allowances::get_account(tx, r.account_id).await?;
            let amount = if account.unit == Unit::Ticket {
                r.tickets_used
            } else {
                r.covered_yen
            };
            let refs = Refs {
                voucher_id: Some(r.voucher_id),
                redemption_id: Some(r.id),
                reason: reason.as_deref(),
                approved_by: None,
            };
            allowances::post(
                tx,
                account.id,
                EntryKind::Reversal,
                amount,
                &actor,
                now,
                refs,
            )
            .await?;
            let lapses = allowances::rule_at(rules, &cal, account.program, account.period_start)
                .is_some_and(|rule| rule.unused == UnusedBalance::Lapse);
            if account.period_end <= now && lapses && amount > 0 {
                let refs = Refs {
                    reason: Some("period ended"),
                    ..Default::default()
                };
                allowances::post(
                    tx,
                    account.id,
                    EntryKind::Lapse,
                    amount,
                    &Actor::system(),
                    now,
                    refs,
                )
                .await?;
            }
            let after = RedemptionView::try_from(
                redemption::Entity::find_by_id(redemption_id)
                    .one(tx)
                    .await?
                    .ok_or(VoucherError::RedemptionNotFound)?,
            )?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::RedemptionReversed,
                    children: vec![r.child_id],
                    object_type: "redemption",
                    object_id: Some(redemption_id),
                    before: snapshot(&before),
                    after: snapshot(&after),
                },
            )
            .await?;
            if let Some(child) = households::find_child(tx, r.child_id).await? {
                crate::notifications::notify(
                    tx,
                    now,
                    crate::notifications::Event {
                        kind: crate::notifications::EventKind::VoucherReversed,
                        recipient: crate::notifications::Recipient::Household(child.household_id),
                        subject_type: "redemption",
                        subject_id: redemption_id,
                        data: serde_json::to_value(ReversedEvent {
                            child_id: r.child_id,
                            program: after.program,
                            covered_yen: after.covered_yen,
                            reason: after.reversal_reason.clone(),
                        })
                        .unwrap_or_default(),
                        words: crate::notifications::Words::Reversed {
                            child: child.full_name(),
                            program: crate::notifications::ProgramName::of(
                                rules.on(cal.local_date(now)),
                                after.program,
                            ),
                            covered_yen: after.covered_yen,
                            by: if partner.is_some() {
                                crate::notifications::UndoneBy::Partner
                            } else {
                                crate::notifications::UndoneBy::Ward
                            },
                            reason: after.reversal_reason.clone(),
                        },
                    },
                )
                .await?;
            }
            Ok(after)
        })
    })
    .await
}

/// What a family is told when a redemption is undone (`voucher.reversed`).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReversedEvent {
    pub child_id: Uuid,
    pub program: crate::config::Program,
    /// What the ward had covered, now given back to the allowance.
    pub covered_yen: i64,
    pub reason: Option<String>,
}
