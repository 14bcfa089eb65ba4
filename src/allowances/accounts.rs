//! Opening a period's account (granting it exactly once) and lapsing or carrying over what is
//! left of ended periods.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{
    Account, AllowanceError, EntryKind, Period, Refs, Rule, find_account, period_of, post, rule,
    rule_at,
};
use crate::audit::Actor;
use crate::clock::{Calendar, to_micros};
use crate::config::{RuleBook, UnusedBalance};
use crate::enrollments::{self, Program};
use crate::entity::allowance_account;

/// The account of the period containing `at`, opened (and granted) on first use. The child
/// must be enrolled on that date. Call inside a write transaction.
pub async fn current_account(
    conn: &impl ConnectionTrait,
    rules: &RuleBook,
    cal: &Calendar,
    child_id: Uuid,
    program: Program,
    at: DateTime<Utc>,
) -> Result<Account, AllowanceError> {
    if !enrollments::is_enrolled(conn, child_id, program, cal.local_date(at)).await? {
        return Err(AllowanceError::NotEnrolled);
    }
    account_at(conn, rules, cal, child_id, program, at).await
}

/// The account of the period containing `at`, which may lie ahead of `now` (a respite visit
/// booked for next April): opened with `now` as the time of its grant, and lapsing only the
/// periods that have ended by `now`. The child must be enrolled on `at`'s date.
pub async fn account_for(
    conn: &impl ConnectionTrait,
    rules: &RuleBook,
    cal: &Calendar,
    child_id: Uuid,
    program: Program,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Account, AllowanceError> {
    let rule = rule_at(rules, cal, program, at).ok_or(AllowanceError::NoAllowance)?;
    if !enrollments::is_enrolled(conn, child_id, program, cal.local_date(at)).await? {
        return Err(AllowanceError::NotEnrolled);
    }
    let period = period_of(cal, rule.period, at);
    if let Some(account) = find_account(conn, child_id, program, &period.key).await? {
        return Ok(account);
    }
    open_account(conn, rule, child_id, program, &period, now).await
}

/// Like [`current_account`], but checks the enrollment only when the period's account has to
/// be opened: for redeeming a code whose issuance already checked it (see `vouchers`).
pub async fn account_at(
    conn: &impl ConnectionTrait,
    rules: &RuleBook,
    cal: &Calendar,
    child_id: Uuid,
    program: Program,
    at: DateTime<Utc>,
) -> Result<Account, AllowanceError> {
    let rule = rule_at(rules, cal, program, at).ok_or(AllowanceError::NoAllowance)?;
    let period = period_of(cal, rule.period, at);
    if let Some(account) = find_account(conn, child_id, program, &period.key).await? {
        return Ok(account);
    }
    if !enrollments::is_enrolled(conn, child_id, program, cal.local_date(at)).await? {
        return Err(AllowanceError::NotEnrolled);
    }
    open_account(conn, rule, child_id, program, &period, at).await
}

async fn open_account(
    conn: &impl ConnectionTrait,
    rule: Rule,
    child_id: Uuid,
    program: Program,
    period: &Period,
    now: DateTime<Utc>,
) -> Result<Account, AllowanceError> {
    use allowance_account::Column as C;
    let id = Uuid::new_v4();
    let inserted = allowance_account::Entity::insert(allowance_account::ActiveModel {
        id: Set(id),
        child_id: Set(child_id),
        program: Set(program.as_str().to_owned()),
        unit: Set(rule.unit.as_str().to_owned()),
        period: Set(period.key.clone()),
        period_start: Set(to_micros(period.start)),
        period_end: Set(to_micros(period.end)),
        granted: Set(0),
        adjusted: Set(0),
        balance: Set(0),
        held: Set(0),
        used: Set(0),
        last_movement: Set(0),
        lapsed_at: Set(None),
        created_at: Set(to_micros(now)),
    })
    .on_conflict(
        OnConflict::columns([C::ChildId, C::Program, C::Period])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await;
    let inserted = match inserted {
        Ok(n) => n,
        Err(DbErr::RecordNotInserted) => 0,
        Err(e) => return Err(e.into()),
    };
    if inserted == 1 {
        let system = Actor::system();
        // The previous periods' unused balance lapses or is carried over, exactly once.
        let carried = close_previous(conn, rule, child_id, program, period, now).await?;
        post(
            conn,
            id,
            EntryKind::Grant,
            rule.grant,
            &system,
            now,
            Refs::default(),
        )
        .await?;
        if carried > 0 {
            post(
                conn,
                id,
                EntryKind::CarryIn,
                carried,
                &system,
                now,
                Refs::default(),
            )
            .await?;
        }
    }
    find_account(conn, child_id, program, &period.key)
        .await?
        .ok_or_else(|| AllowanceError::Db(DbErr::RecordNotFound("allowance account".into())))
}

/// Lapses what is left of the child's earlier accounts of this program; returns the total to
/// carry into the new period when the rule is carry-over.
async fn close_previous(
    conn: &impl ConnectionTrait,
    rule: Rule,
    child_id: Uuid,
    program: Program,
    period: &Period,
    now: DateTime<Utc>,
) -> Result<i64, AllowanceError> {
    use allowance_account::Column as C;
    // Only periods that have really ended: opening next year's account early (a respite visit
    // booked in March for April) must not lapse this year's remaining minutes.
    let ended_by = Ord::min(period.start, now);
    let open = allowance_account::Entity::find()
        .filter(C::ChildId.eq(child_id))
        .filter(C::Program.eq(program.as_str()))
        .filter(C::PeriodEnd.lte(to_micros(ended_by)))
        .filter(C::Balance.gt(0))
        .all(conn)
        .await?;
    let mut left = 0i64;
    for old in open {
        let reason = match rule.unused {
            UnusedBalance::Lapse => "period ended",
            UnusedBalance::CarryOver => "carried over to the next period",
        };
        post(
            conn,
            old.id,
            EntryKind::Lapse,
            old.balance,
            &Actor::system(),
            now,
            Refs {
                reason: Some(reason),
                ..Default::default()
            },
        )
        .await?;
        left = left.saturating_add(old.balance);
    }
    // Everything left lapses from the old accounts; the rule decides how much comes in.
    Ok(rule.carried_into(period, left))
}

/// Lapses the unused balance of every account whose period has ended, for programs whose
/// rule is to lapse. Safe to run at any time and from several processes: each lapse is a
/// conditional update of the exact remaining balance.
pub async fn lapse_ended(
    conn: &impl ConnectionTrait,
    rules: &RuleBook,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Result<u64, AllowanceError> {
    use allowance_account::Column as C;
    let ended = allowance_account::Entity::find()
        .filter(C::PeriodEnd.lte(to_micros(now)))
        .filter(C::Balance.gt(0))
        .order_by_asc(C::PeriodEnd)
        .all(conn)
        .await?;
    let mut lapsed = 0;
    for account in ended {
        let Some(program) = Program::parse(&account.program) else {
            continue;
        };
        let start = cal.local_date(crate::clock::from_micros(account.period_start));
        let Some(rule) = rule(rules.on(start), program) else {
            continue;
        };
        if rule.unused != UnusedBalance::Lapse {
            continue;
        }
        let reason = Some("period ended");
        match post(
            conn,
            account.id,
            EntryKind::Lapse,
            account.balance,
            &Actor::system(),
            now,
            Refs {
                reason,
                ..Default::default()
            },
        )
        .await
        {
            Ok(()) => lapsed += 1,
            // Someone else moved it first; the next run sees the new balance.
            Err(AllowanceError::Insufficient { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(lapsed)
}
