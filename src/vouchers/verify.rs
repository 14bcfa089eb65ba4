//! Verifying a scanned code on a partner's device: valid or not, for what, and how much it can cover; changes nothing.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Purpose, VoucherError, VoucherStatus, check_code, max_cover, partner_may_redeem, status_error,
    voucher_as_issued,
};
use crate::allowances::{self, Unit};
use crate::clock::{Calendar, from_micros};
use crate::config::RuleBook;
use crate::enrollments::Program;
use crate::households;
use crate::partners::DevicePrincipal;
use crate::signed_codes::keys::KeyRing;

/// What a partner learns from a scan.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = VoucherVerification, example = json!({
    "voucher_id": "6c1d5f5e-2b0a-4f7c-8f59-1c2d3e4f5a6b",
    "program": "taxi_fuel",
    "purpose": "taxi_fare",
    "expires_at": "2026-11-24T05:15:00Z",
    "unit": "yen",
    "remaining": 20000,
    "max_covered_yen": 20000,
    "child_initials": "し.さ."
}))]
pub struct Verified {
    pub voucher_id: Uuid,
    pub program: Program,
    pub purpose: Purpose,
    pub expires_at: DateTime<Utc>,
    pub unit: Unit,
    /// Yen or tickets left in the current period (a month, or a fiscal year where the
    /// program's `period` says so: see `GET /api/v1/ward`).
    pub remaining: i64,
    /// The most this code can cover in yen; for a ticket allowance, the per-ticket ceiling (absent when
    /// there is none).
    pub max_covered_yen: Option<i64>,
    /// Initials of the child's kana name, to match the passenger, e.g. "シ.サ.".
    #[schema(example = "し.さ.")]
    pub child_initials: String,
}

/// Checks a scanned code for a partner's device; changes nothing.
pub async fn verify(
    conn: &impl ConnectionTrait,
    keys: &KeyRing,
    rules: &RuleBook,
    cal: &Calendar,
    now: DateTime<Utc>,
    device: &DevicePrincipal,
    code: &str,
) -> Result<Verified, VoucherError> {
    let claims = check_code(conn, keys, code, now).await?;
    let purpose = partner_may_redeem(device, claims.program, rules.on(cal.local_date(now)))?;
    let v = voucher_as_issued(conn, &claims).await?;
    if v.status != VoucherStatus::Issued.as_str() || from_micros(v.expires_at) <= now {
        return Err(status_error(&v, now));
    }
    let today = cal.local_date(now);
    let child = households::find_child(conn, v.child_id)
        .await?
        .ok_or(VoucherError::Malformed)?;
    // Enrolled today and meeting the program's conditions: one read of the approvals.
    match crate::enrollments::check_enrolled_use(
        conn,
        rules.on(today),
        &child,
        claims.program,
        today,
    )
    .await?
    {
        Ok(true) => {}
        Ok(false) => return Err(VoucherError::NotEnrolled),
        Err(unmet) => return Err(VoucherError::Ineligible(unmet)),
    }
    let summary = allowances::summary(conn, rules, cal, v.child_id, claims.program, now).await?;
    if summary.remaining <= 0 {
        return Err(VoucherError::Exhausted {
            period: allowances::PeriodKind::of_key(&summary.period),
        });
    }
    Ok(Verified {
        voucher_id: v.id,
        program: claims.program,
        purpose,
        expires_at: claims.expires_at,
        unit: summary.unit,
        remaining: summary.remaining,
        max_covered_yen: max_cover(
            rules.on(cal.local_date(now)),
            claims.program,
            summary.remaining,
        ),
        child_initials: child.initials(),
    })
}
