//! Staff corrections of a balance, with a reason.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{Account, AllowanceError, EntryKind, Refs, current_account, get_account, post};
use crate::audit::Actor;
use crate::clock::Calendar;
use crate::config::ProgramRules;
use crate::enrollments::Program;

/// A staff correction of the current period's balance.
#[derive(Debug, Clone, Copy)]
pub struct Adjustment<'a> {
    pub child_id: Uuid,
    pub program: Program,
    /// Signed change in the program's unit.
    pub amount: i64,
    pub reason: &'a str,
}

/// Applies a staff correction, with a reason, inside the caller's write transaction.
pub async fn adjust(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
    cal: &Calendar,
    actor: &Actor,
    now: DateTime<Utc>,
    adjustment: Adjustment<'_>,
) -> Result<Account, AllowanceError> {
    let Adjustment {
        child_id,
        program,
        amount,
        reason,
    } = adjustment;
    let reason = crate::text::multiline(reason, 500)
        .map_err(|e| crate::text::FieldError::text("reason", e))?;
    if amount == 0 || amount.abs() > 100_000_000 {
        return Err(crate::text::FieldError::new(
            "amount",
            "must be non-zero and at most 100,000,000 in size",
            "0以外で、絶対値1億以下の値にしてください",
        )
        .into());
    }
    let account = current_account(conn, rules, cal, child_id, program, now).await?;
    post(
        conn,
        account.id,
        EntryKind::Adjustment,
        amount,
        actor,
        now,
        Refs {
            reason: Some(&reason),
            ..Default::default()
        },
    )
    .await?;
    let after = get_account(conn, account.id).await?;
    crate::audit::record(
        conn,
        actor,
        now,
        crate::audit::Change {
            action: "allowance.adjusted",
            object_type: "allowance_account",
            object_id: Some(account.id),
            before: Some(serde_json::json!({ "balance": account.balance, "granted": account.granted })),
            after: Some(serde_json::json!({ "balance": after.balance, "granted": after.granted, "amount": amount, "reason": reason })),
        },
    )
    .await?;
    Ok(after)
}
