//! Monthly settlement (精算): what the ward owes each partner for a month, as a statement
//! (請求明細) of lines that add up, and the closing of a month (締め) after which its statements
//! never change.
//!
//! A month's statement holds the month's redemptions and the reversals that count in it. While
//! a month is open, a reversal of one of its redemptions shows on that line (0 covered, the
//! amount in the reversed column). Once closed, the statement is fixed: a later reversal of one
//! of its redemptions counts in the month it is made, as a negative line that names the
//! original, so the paid statement and its CSV stay byte for byte as they were (its digest is
//! stored at closing).

mod close;
pub mod csv;

pub use close::{Closed, ClosedEvent, close};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::{Month, from_micros};
use crate::enrollments::Program;
use crate::entity::{settlement_closing, settlement_statement};
use crate::partners::{self, PartnerKind};
use crate::vouchers::{self, Purpose, Settled};

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum SettlementError {
    #[error("partner not found")]
    PartnerNotFound,
    #[error("the month can be closed from {closable_from}")]
    MonthNotEnded {
        /// Ward-local time.
        closable_from: chrono::NaiveDateTime,
    },
    #[error("the month is already closed")]
    AlreadyClosed,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for SettlementError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            SettlementError::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// What a statement line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = StatementLineKind)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A redemption the ward pays.
    Redemption,
    /// A redemption of this month reversed while the month was open: nothing is paid.
    Reversed,
    /// A reversal of a redemption of an earlier, closed month: deducted from this month.
    ReversalOfEarlier,
}

impl LineKind {
    /// The line's kind as the CSV's 区分 column says it.
    pub fn ja(self) -> &'static str {
        match self {
            LineKind::Redemption => "利用",
            LineKind::Reversed => "取消済",
            LineKind::ReversalOfEarlier => "過月分の取消",
        }
    }
}

/// One line of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatementLine {
    pub kind: LineKind,
    /// The redemption (for a reversal of an earlier month: the original one).
    pub redemption_id: Uuid,
    pub program: Program,
    pub purpose: Purpose,
    pub redeemed_at: DateTime<Utc>,
    /// The Asia/Tokyo date of the redemption.
    pub local_date: NaiveDate,
    pub device_id: Uuid,
    pub device_label: String,
    /// The fare, fuel amount or sum of the care-taxi fees claimed (absent on a reversal line).
    pub requested_yen: Option<i64>,
    pub reservation_fee_yen: Option<i64>,
    pub pickup_fee_yen: Option<i64>,
    pub basic_assistance_fee_yen: Option<i64>,
    /// What this line adds to the month's payment: the covered amount of a redemption, 0 for
    /// one reversed in the month, minus the original amount for a reversal of an earlier month.
    pub covered_yen: i64,
    /// The amount a reversal took back (0 on a redemption that stands).
    pub reversed_yen: i64,
    /// What the family paid (0 once reversed).
    pub family_pays_yen: i64,
    /// Set on reversal lines and on redemptions reversed in the month.
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversal_reason: Option<String>,
    /// The month whose paid statement holds the original (reversals of earlier months only).
    pub original_month: Option<String>,
}

/// Whether a month's statements can still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatementStatus {
    /// The month is open: redemptions and reversals still change it.
    Open,
    /// Closed for payment (締め): it never changes again.
    Closed,
}

/// One partner's statement for a month (請求明細).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = SettlementStatement)]
pub struct Statement {
    pub partner_id: Uuid,
    pub partner_name: String,
    pub partner_kind: PartnerKind,
    /// "2026-11".
    pub month: String,
    pub status: StatementStatus,
    pub closed_at: Option<DateTime<Utc>>,
    /// For a closed month: `sha256:` and the hex digest of the statement's CSV as it was closed;
    /// the CSV downloaded later has the same bytes.
    pub digest: Option<String>,
    pub lines: Vec<StatementLine>,
    /// Redemptions paid (lines of kind `redemption`).
    pub redemptions: i64,
    /// What the ward pays for the month: the sum of the lines' `covered_yen`.
    pub covered_yen: i64,
    /// The sum of the lines' `reversed_yen`.
    pub reversed_yen: i64,
    /// The sum of the lines' `family_pays_yen`.
    pub family_pays_yen: i64,
}

/// A month's closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = SettlementClosing)]
pub struct Closing {
    pub month: String,
    pub closed_at: DateTime<Utc>,
    /// The staff account that closed it.
    pub closed_by: Option<Uuid>,
}

pub async fn closing_of(
    conn: &impl ConnectionTrait,
    month: &str,
) -> Result<Option<Closing>, DbErr> {
    Ok(settlement_closing::Entity::find_by_id(month.to_owned())
        .one(conn)
        .await?
        .map(|c| Closing {
            month: c.month,
            closed_at: from_micros(c.closed_at),
            closed_by: c.closed_by,
        }))
}

/// The line a redemption makes on `month`'s statement.
fn line(s: Settled, month: &str, device_label: String) -> StatementLine {
    let r = s.view;
    let reversed_here = s.reversal_month.as_deref() == Some(month);
    let kind = if s.month != month {
        LineKind::ReversalOfEarlier
    } else if reversed_here {
        LineKind::Reversed
    } else {
        LineKind::Redemption
    };
    let original = kind == LineKind::ReversalOfEarlier;
    let (covered, reversed, family) = match kind {
        LineKind::Redemption => (r.covered_yen, 0, r.family_pays_yen),
        LineKind::Reversed => (0, r.covered_yen, 0),
        LineKind::ReversalOfEarlier => (r.covered_yen.saturating_neg(), r.covered_yen, 0),
    };
    StatementLine {
        kind,
        redemption_id: r.id,
        program: r.program,
        purpose: r.purpose,
        redeemed_at: r.redeemed_at,
        local_date: r.local_date,
        device_id: r.device_id,
        device_label,
        requested_yen: (!original).then_some(r.requested_yen),
        reservation_fee_yen: r.reservation_fee_yen.filter(|_| !original),
        pickup_fee_yen: r.pickup_fee_yen.filter(|_| !original),
        basic_assistance_fee_yen: r.basic_assistance_fee_yen.filter(|_| !original),
        covered_yen: covered,
        reversed_yen: reversed,
        family_pays_yen: family,
        reversed_at: r.reversed_at.filter(|_| reversed_here),
        reversal_reason: r.reversal_reason.filter(|_| reversed_here),
        original_month: original.then_some(s.month),
    }
}

/// One partner's statement for a month, open or closed; `None` for no such partner.
pub async fn statement(
    conn: &impl ConnectionTrait,
    partner_id: Uuid,
    month: Month,
) -> Result<Statement, SettlementError> {
    let month = month.to_string();
    let p = partners::get_partner(conn, partner_id)
        .await
        .map_err(|e| match e {
            partners::PartnerError::Db(d) => SettlementError::Db(d),
            _ => SettlementError::PartnerNotFound,
        })?;
    let labels = partners::list_devices(conn, partner_id).await?;
    let label = |id: Uuid| {
        labels
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.label.clone())
            .unwrap_or_default()
    };
    let mut lines: Vec<StatementLine> = vouchers::for_settlement(conn, Some(partner_id), &month)
        .await?
        .into_iter()
        .map(|s| {
            let device = s.view.device_id;
            line(s, &month, label(device))
        })
        .collect();
    // The month's own redemptions first (in the order they were made), then the reversals of
    // earlier months (in the order they were made).
    lines.sort_by_key(|l| {
        (
            l.kind == LineKind::ReversalOfEarlier,
            l.reversed_at
                .filter(|_| l.kind == LineKind::ReversalOfEarlier),
            l.redemption_id,
        )
    });
    let closing = closing_of(conn, &month).await?;
    let digest = match closing {
        Some(_) => settlement_statement::Entity::find_by_id((month.clone(), partner_id))
            .one(conn)
            .await?
            .map(|s| s.digest),
        None => None,
    };
    let sum = |f: fn(&StatementLine) -> i64| lines.iter().map(f).fold(0i64, i64::saturating_add);
    Ok(Statement {
        partner_id: p.id,
        partner_name: p.name,
        partner_kind: p.kind,
        status: if closing.is_some() {
            StatementStatus::Closed
        } else {
            StatementStatus::Open
        },
        closed_at: closing.map(|c| c.closed_at),
        digest,
        redemptions: i64::try_from(
            lines
                .iter()
                .filter(|l| l.kind == LineKind::Redemption)
                .count(),
        )
        .unwrap_or(i64::MAX),
        covered_yen: sum(|l| l.covered_yen),
        reversed_yen: sum(|l| l.reversed_yen),
        family_pays_yen: sum(|l| l.family_pays_yen),
        month,
        lines,
    })
}

/// One partner's totals for a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PartnerTotal {
    pub partner_id: Uuid,
    pub partner_name: String,
    pub partner_kind: PartnerKind,
    /// Redemptions paid.
    pub redemptions: i64,
    /// What the ward pays the partner for the month (after reversals of earlier months).
    pub covered_yen: i64,
    /// Lines reversed (this month's redemptions reversed, and reversals of earlier months).
    pub reversed: i64,
    /// The amount those reversals took back.
    pub reversed_yen: i64,
}

/// Every partner's totals for a month, by partner name.
pub async fn month_totals(
    conn: &impl ConnectionTrait,
    month: Month,
) -> Result<Vec<PartnerTotal>, SettlementError> {
    let month = month.to_string();
    let rows = vouchers::for_settlement(conn, None, &month).await?;
    let mut ids: Vec<Uuid> = rows.iter().map(|s| s.view.partner_id).collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::with_capacity(ids.len());
    for p in partners::by_ids(conn, &ids).await? {
        let mine = rows
            .iter()
            .filter(|s| s.view.partner_id == p.id)
            .map(|s| line(s.clone(), &month, String::new()));
        let (mut redemptions, mut covered, mut reversed, mut reversed_yen) =
            (0i64, 0i64, 0i64, 0i64);
        for l in mine {
            covered = covered.saturating_add(l.covered_yen);
            match l.kind {
                LineKind::Redemption => redemptions += 1,
                _ => {
                    reversed += 1;
                    reversed_yen = reversed_yen.saturating_add(l.reversed_yen);
                }
            }
        }
        out.push(PartnerTotal {
            partner_id: p.id,
            partner_name: p.name,
            partner_kind: p.kind,
            redemptions,
            covered_yen: covered,
            reversed,
            reversed_yen,
        });
    }
    out.sort_by(|a, b| a.partner_name.cmp(&b.partner_name));
    Ok(out)
}
