//! Allowances: per child, program and period, an account whose balance moves only through
//! append-only ledger entries (yen for taxi/fuel, tickets for care taxi, minutes for respite).
//!
//! Every change is one conditional UPDATE of the account (the balance never goes below zero,
//! enforced again by a CHECK constraint) plus one ledger row whose `amount` is the change of
//! the balance, so the balance always equals the sum of its ledger. Accounts open lazily: the
//! first use in a period inserts the account with `ON CONFLICT DO NOTHING` and writes the grant
//! only if that insert won, so each period is granted exactly once even under concurrency.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::Actor;
use crate::clock::{Calendar, from_micros, to_micros};
use crate::config::{ProgramRules, UnusedBalance};
use crate::enrollments::{self, Program};
use crate::entity::{allowance_account, enrollment, ledger_entry};

/// What an account counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Yen,
    Ticket,
    Minute,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Yen => "yen",
            Unit::Ticket => "ticket",
            Unit::Minute => "minute",
        }
    }
}

/// The kinds of ledger movement; `amount` is always the signed change of the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The period's allowance (+).
    Grant,
    /// Unused balance brought from the previous period where the rule is carry-over (+).
    CarryIn,
    /// Reserved for a booking not yet done (−; `held` grows).
    Hold,
    /// Used (−; `used` grows).
    Capture,
    /// A hold given back (+; `held` shrinks).
    Release,
    /// A use undone (+; `used` shrinks).
    Reversal,
    /// Unused balance ending with its period (−).
    Lapse,
    /// A staff correction with a reason (±).
    Adjustment,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Grant => "grant",
            EntryKind::CarryIn => "carry_in",
            EntryKind::Hold => "hold",
            EntryKind::Capture => "capture",
            EntryKind::Release => "release",
            EntryKind::Reversal => "reversal",
            EntryKind::Lapse => "lapse",
            EntryKind::Adjustment => "adjustment",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        use EntryKind::*;
        [
            Grant, CarryIn, Hold, Capture, Release, Reversal, Lapse, Adjustment,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// How long an allowance lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Month,
    FiscalYear,
}

/// The allowance rule of a program, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub unit: Unit,
    pub period: PeriodKind,
    pub grant: i64,
    pub unused: UnusedBalance,
}

/// The allowance rule of a program, if it has one.
pub fn rule(rules: &ProgramRules, program: Program) -> Option<Rule> {
    match program {
        Program::TaxiFuel => Some(Rule {
            unit: Unit::Yen,
            period: PeriodKind::Month,
            grant: rules.taxi_fuel.monthly_allowance_yen.0,
            unused: rules.taxi_fuel.unused_balance,
        }),
        Program::CareTaxi => Some(Rule {
            unit: Unit::Ticket,
            period: PeriodKind::Month,
            grant: rules.care_taxi.tickets_per_month,
            unused: rules.care_taxi.unused_tickets,
        }),
        Program::Respite => Some(Rule {
            unit: Unit::Minute,
            period: PeriodKind::FiscalYear,
            grant: rules.respite.minutes_per_fiscal_year.0,
            unused: rules.respite.unused_minutes,
        }),
        Program::PlaySpace | Program::ShortStay => None,
    }
}

/// A period: its key ("2026-11" or "FY2026") and bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub key: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

pub fn period_of(cal: &Calendar, kind: PeriodKind, at: DateTime<Utc>) -> Period {
    match kind {
        PeriodKind::Month => {
            let m = cal.month_of(at);
            let (start, end) = cal.month_bounds(m);
            Period {
                key: m.to_string(),
                start,
                end,
            }
        }
        PeriodKind::FiscalYear => {
            let fy = cal.fiscal_year_of(at);
            let (start, end) = cal.fiscal_year_bounds(fy);
            Period {
                key: format!("FY{}", fy.0),
                start,
                end,
            }
        }
    }
}

/// Reads a period key of the given kind ("2026-11" or "FY2026").
pub fn parse_period(kind: PeriodKind, s: &str) -> Option<String> {
    let ok = match kind {
        PeriodKind::Month => crate::clock::Month::parse(s).is_some(),
        PeriodKind::FiscalYear => crate::clock::FiscalYear::parse(s).is_some(),
    };
    ok.then(|| s.to_owned())
}

/// An allowance account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: Uuid,
    pub child_id: Uuid,
    pub program: Program,
    pub unit: Unit,
    pub period: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub granted: i64,
    pub balance: i64,
    pub held: i64,
    pub used: i64,
}

impl TryFrom<allowance_account::Model> for Account {
    type Error = DbErr;
    fn try_from(m: allowance_account::Model) -> Result<Self, DbErr> {
        let program = Program::parse(&m.program)
            .ok_or_else(|| DbErr::Custom(format!("unknown program {}", m.program)))?;
        let unit = match m.unit.as_str() {
            "yen" => Unit::Yen,
            "ticket" => Unit::Ticket,
            "minute" => Unit::Minute,
            other => return Err(DbErr::Custom(format!("unknown unit {other}"))),
        };
        Ok(Account {
            id: m.id,
            child_id: m.child_id,
            program,
            unit,
            period: m.period,
            period_start: from_micros(m.period_start),
            period_end: from_micros(m.period_end),
            granted: m.granted,
            balance: m.balance,
            held: m.held,
            used: m.used,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AllowanceError {
    #[error("the child is not enrolled in this program today")]
    NotEnrolled,
    #[error("this program has no allowance")]
    NoAllowance,
    #[error("not enough balance: {remaining} remaining, {requested} requested")]
    Insufficient { remaining: i64, requested: i64 },
    #[error(transparent)]
    InvalidField(#[from] crate::text::FieldError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for AllowanceError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            AllowanceError::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// Whether the child has an approved enrollment in the program on this local date.
pub async fn is_enrolled(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    program: Program,
    date: NaiveDate,
) -> Result<bool, DbErr> {
    let rows = enrollment::Entity::find()
        .filter(enrollment::Column::ChildId.eq(child_id))
        .filter(enrollment::Column::Program.eq(program.as_str()))
        .filter(enrollment::Column::Status.eq(enrollments::Status::Approved.as_str()))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|m| enrollments::Enrollment::try_from(m).ok())
        .any(|e| e.is_active_on(date)))
}

pub async fn find_account(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    program: Program,
    period: &str,
) -> Result<Option<Account>, DbErr> {
    allowance_account::Entity::find()
        .filter(allowance_account::Column::ChildId.eq(child_id))
        .filter(allowance_account::Column::Program.eq(program.as_str()))
        .filter(allowance_account::Column::Period.eq(period))
        .one(conn)
        .await?
        .map(Account::try_from)
        .transpose()
}

/// Holds the account's row lock until the transaction ends (a no-op update, portable to both
/// engines), to serialise work that must see the account's other rows settled.
pub async fn lock_account(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    use allowance_account::Column as C;
    allowance_account::Entity::update_many()
        .col_expr(C::LastMovement, Expr::col(C::LastMovement))
        .filter(C::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn get_account(conn: &impl ConnectionTrait, id: Uuid) -> Result<Account, DbErr> {
    allowance_account::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("allowance account {id}")))
        .and_then(Account::try_from)
}

/// References a ledger entry carries.
#[derive(Debug, Clone, Default)]
pub struct Refs<'a> {
    pub voucher_id: Option<Uuid>,
    pub redemption_id: Option<Uuid>,
    pub reason: Option<&'a str>,
}

/// Moves an account's balance by `kind` and `amount` (a positive magnitude, or a signed value
/// for adjustments) and writes the matching ledger entry. Fails with `Insufficient` when the
/// balance would go below zero; nothing is written then.
pub async fn post(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    kind: EntryKind,
    amount: i64,
    actor: &Actor,
    now: DateTime<Utc>,
    refs: Refs<'_>,
) -> Result<(), AllowanceError> {
    use allowance_account::Column as C;
    let delta = match kind {
        EntryKind::Grant | EntryKind::CarryIn | EntryKind::Release | EntryKind::Reversal => amount,
        EntryKind::Hold | EntryKind::Capture | EntryKind::Lapse => -amount,
        EntryKind::Adjustment => amount,
    };
    let mut update = allowance_account::Entity::update_many()
        .col_expr(C::Balance, Expr::col(C::Balance).add(delta))
        .filter(C::Id.eq(account_id));
    update = match kind {
        EntryKind::Grant | EntryKind::CarryIn | EntryKind::Adjustment => {
            update.col_expr(C::Granted, Expr::col(C::Granted).add(delta))
        }
        EntryKind::Capture => update.col_expr(C::Used, Expr::col(C::Used).add(amount)),
        EntryKind::Reversal => update.col_expr(C::Used, Expr::col(C::Used).sub(amount)),
        EntryKind::Hold => update.col_expr(C::Held, Expr::col(C::Held).add(amount)),
        EntryKind::Release => update
            .col_expr(C::Held, Expr::col(C::Held).sub(amount))
            .filter(C::Held.gte(amount)),
        EntryKind::Lapse => update.col_expr(C::LapsedAt, Expr::value(to_micros(now))),
    };
    if delta < 0 {
        update = update.filter(C::Balance.gte(-delta));
    }
    let changed = update.exec(conn).await?.rows_affected;
    if changed != 1 {
        let remaining = get_account(conn, account_id).await?.balance;
        return Err(AllowanceError::Insufficient {
            remaining,
            requested: delta.abs(),
        });
    }
    record_entry(conn, account_id, kind, delta, actor, now, refs).await
}

async fn record_entry(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    kind: EntryKind,
    delta: i64,
    actor: &Actor,
    now: DateTime<Utc>,
    refs: Refs<'_>,
) -> Result<(), AllowanceError> {
    ledger_entry::Entity::insert(ledger_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account_id),
        kind: Set(kind.as_str().to_owned()),
        amount: Set(delta),
        voucher_id: Set(refs.voucher_id),
        redemption_id: Set(refs.redemption_id),
        reason: Set(refs.reason.map(str::to_owned)),
        actor_type: Set(actor.kind.to_owned()),
        actor_id: Set(actor.id),
        occurred_at: Set(to_micros(now)),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// How much a capture may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Whatever is left, up to this much (a fare: the family pays the rest).
    UpTo(i64),
    /// Exactly this much, or nothing (a ticket).
    Exactly(i64),
}

/// A capture: whose account, when, and how much.
#[derive(Debug, Clone, Copy)]
pub struct Capture {
    pub child_id: Uuid,
    pub program: Program,
    pub at: DateTime<Utc>,
    pub take: Take,
}

/// Captures from the child's account for the period containing `at` (opening it when this is
/// the period's first use) and writes the ledger entry; returns the account after the capture
/// and how much was taken. The common case is one conditional `UPDATE … RETURNING`.
pub async fn capture(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
    cal: &Calendar,
    what: Capture,
    actor: &Actor,
    refs: Refs<'_>,
) -> Result<(Account, i64), AllowanceError> {
    use allowance_account::Column as C;
    use sea_orm::sea_query::CaseStatement;
    let Capture {
        child_id,
        program,
        at,
        take,
    } = what;
    let rule = rule(rules, program).ok_or(AllowanceError::NoAllowance)?;
    let period = period_of(cal, rule.period, at);
    let (max, exact) = match take {
        Take::UpTo(n) => (n, false),
        Take::Exactly(n) => (n, true),
    };
    if max <= 0 {
        return Err(AllowanceError::Insufficient {
            remaining: 0,
            requested: max,
        });
    }
    // In SET and RETURNING every column is read as it was before the update.
    let taken = || {
        Expr::expr(
            CaseStatement::new()
                .case(Expr::col(C::Balance).gte(max), max)
                .finally(Expr::col(C::Balance)),
        )
    };
    for attempt in 0..2 {
        let mut update = allowance_account::Entity::update_many()
            .col_expr(C::Balance, Expr::col(C::Balance).sub(taken()))
            .col_expr(C::Used, Expr::col(C::Used).add(taken()))
            .col_expr(C::LastMovement, taken())
            .filter(C::ChildId.eq(child_id))
            .filter(C::Program.eq(program.as_str()))
            .filter(C::Period.eq(period.key.as_str()));
        update = if exact {
            update.filter(C::Balance.gte(max))
        } else {
            update.filter(C::Balance.gt(0))
        };
        if let Some(row) = update.exec_with_returning(conn).await?.into_iter().next() {
            let took = row.last_movement;
            let account = Account::try_from(row)?;
            record_entry(conn, account.id, EntryKind::Capture, -took, actor, at, refs).await?;
            return Ok((account, took));
        }
        if attempt == 0
            && find_account(conn, child_id, program, &period.key)
                .await?
                .is_none()
        {
            // First use this period: open (and grant), then take.
            account_at(conn, rules, cal, child_id, program, at).await?;
            continue;
        }
        break;
    }
    let remaining = find_account(conn, child_id, program, &period.key)
        .await?
        .map_or(0, |a| a.balance);
    Err(AllowanceError::Insufficient {
        remaining,
        requested: max,
    })
}

/// The account of the period containing `at`, opened (and granted) on first use. The child
/// must be enrolled on that date. Call inside a write transaction.
pub async fn current_account(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
    cal: &Calendar,
    child_id: Uuid,
    program: Program,
    at: DateTime<Utc>,
) -> Result<Account, AllowanceError> {
    if !is_enrolled(conn, child_id, program, cal.local_date(at)).await? {
        return Err(AllowanceError::NotEnrolled);
    }
    account_at(conn, rules, cal, child_id, program, at).await
}

/// The account of the period containing `at`, which may lie ahead of `now` (a respite visit
/// booked for next April): opened with `now` as the time of its grant, and lapsing only the
/// periods that have ended by `now`. The child must be enrolled on `at`'s date.
pub async fn account_for(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
    cal: &Calendar,
    child_id: Uuid,
    program: Program,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Account, AllowanceError> {
    let rule = rule(rules, program).ok_or(AllowanceError::NoAllowance)?;
    if !is_enrolled(conn, child_id, program, cal.local_date(at)).await? {
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
    rules: &ProgramRules,
    cal: &Calendar,
    child_id: Uuid,
    program: Program,
    at: DateTime<Utc>,
) -> Result<Account, AllowanceError> {
    let rule = rule(rules, program).ok_or(AllowanceError::NoAllowance)?;
    let period = period_of(cal, rule.period, at);
    if let Some(account) = find_account(conn, child_id, program, &period.key).await? {
        return Ok(account);
    }
    if !is_enrolled(conn, child_id, program, cal.local_date(at)).await? {
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
    let mut carried = 0;
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
        if rule.unused == UnusedBalance::CarryOver {
            carried += old.balance;
        }
    }
    Ok(carried)
}

/// Lapses the unused balance of every account whose period has ended, for programs whose
/// rule is to lapse. Safe to run at any time and from several processes: each lapse is a
/// conditional update of the exact remaining balance.
pub async fn lapse_ended(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
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
        let Some(rule) = rule(rules, program) else {
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

/// A period's figures as a guardian sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "program": "taxi_fuel",
    "unit": "yen",
    "period": "2026-11",
    "period_start": "2026-10-31T15:00:00Z",
    "period_end": "2026-11-30T15:00:00Z",
    "granted": 20000,
    "used": 3200,
    "held": 0,
    "remaining": 16800
}))]
pub struct Summary {
    pub program: Program,
    pub unit: Unit,
    /// "2026-11" (monthly) or "FY2026" (fiscal year from April).
    pub period: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub granted: i64,
    pub used: i64,
    pub held: i64,
    pub remaining: i64,
}

/// The current period's figures without writing anything: an account not yet opened shows
/// the grant it will open with.
pub async fn summary(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
    cal: &Calendar,
    child_id: Uuid,
    program: Program,
    at: DateTime<Utc>,
) -> Result<Summary, AllowanceError> {
    let rule = rule(rules, program).ok_or(AllowanceError::NoAllowance)?;
    let period = period_of(cal, rule.period, at);
    Ok(
        match find_account(conn, child_id, program, &period.key).await? {
            Some(a) => Summary {
                program,
                unit: a.unit,
                period: a.period,
                period_start: a.period_start,
                period_end: a.period_end,
                granted: a.granted,
                used: a.used,
                held: a.held,
                remaining: a.balance,
            },
            None => {
                let carried = if rule.unused == UnusedBalance::CarryOver {
                    allowance_account::Entity::find()
                        .filter(allowance_account::Column::ChildId.eq(child_id))
                        .filter(allowance_account::Column::Program.eq(program.as_str()))
                        .filter(allowance_account::Column::PeriodEnd.lte(to_micros(period.start)))
                        .all(conn)
                        .await?
                        .iter()
                        .map(|a| a.balance)
                        .sum()
                } else {
                    0
                };
                Summary {
                    program,
                    unit: rule.unit,
                    period: period.key,
                    period_start: period.start,
                    period_end: period.end,
                    granted: rule.grant + carried,
                    used: 0,
                    held: 0,
                    remaining: rule.grant + carried,
                }
            }
        },
    )
}

/// A ledger entry as shown in a history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Entry {
    pub id: Uuid,
    pub kind: EntryKind,
    /// Change of the balance (negative for uses, holds and lapses).
    pub amount: i64,
    pub voucher_id: Option<Uuid>,
    pub redemption_id: Option<Uuid>,
    pub reason: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// The entries of one account, oldest first, `limit` of them from `offset`.
pub async fn entries(
    conn: &impl ConnectionTrait,
    account_id: Uuid,
    limit: u64,
    offset: u64,
) -> Result<Vec<Entry>, DbErr> {
    Ok(ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account_id))
        .order_by_asc(ledger_entry::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(Entry {
                id: e.id,
                kind: EntryKind::parse(&e.kind)?,
                amount: e.amount,
                voucher_id: e.voucher_id,
                redemption_id: e.redemption_id,
                reason: e.reason,
                occurred_at: from_micros(e.occurred_at),
            })
        })
        .collect())
}

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
