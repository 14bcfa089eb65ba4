//! Allowances: per child, program and period, an account whose balance moves only through
//! append-only ledger entries (yen for taxi/fuel, tickets for care taxi, minutes for respite).
//!
//! Every change is one conditional UPDATE of the account (the balance never goes below zero,
//! enforced again by a CHECK constraint) plus one ledger row whose `amount` is the change of
//! the balance, so the balance always equals the sum of its ledger. Accounts open lazily: the
//! first use in a period inserts the account with `ON CONFLICT DO NOTHING` and writes the grant
//! only if that insert won, so each period is granted exactly once even under concurrency.

mod accounts;
mod adjust;
mod correction;
mod ledger;
mod proposals;
mod summary;

pub use accounts::{account_at, account_for, current_account, lapse_ended};
pub use adjust::{Adjusted, Adjustment, adjust};
pub use correction::check_one_approver;
pub use ledger::{Capture, Take, capture, post};
pub use proposals::{Proposal, ProposalStatus, approve_proposal, list_proposals, reject_proposal};
pub use summary::{Entry, Summary, entries, summary};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::{Calendar, from_micros};
use crate::config::{
    AllowancePeriod, ProgramKind, ProgramRules, RuleBook, UnusedBalance, VoucherRules,
};
use crate::enrollments::Program;
use crate::entity::allowance_account;

/// What an account counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = AllowanceUnit)]
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

    pub fn parse(s: &str) -> Option<Unit> {
        [Unit::Yen, Unit::Ticket, Unit::Minute]
            .into_iter()
            .find(|u| u.as_str() == s)
    }
}

/// The kinds of ledger movement; `amount` is always the signed change of the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = LedgerEntryKind)]
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

impl PeriodKind {
    /// The kind of a period's key: "FY2026" is a fiscal year, "2026-11" a month.
    pub fn of_key(key: &str) -> PeriodKind {
        if key.starts_with("FY") {
            PeriodKind::FiscalYear
        } else {
            PeriodKind::Month
        }
    }

    /// The key a message's selector chooses by (`[month]`, `[fiscal_year]`).
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::FiscalYear => "fiscal_year",
        }
    }
}

/// The allowance rule of a program, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub unit: Unit,
    pub period: PeriodKind,
    pub grant: i64,
    pub unused: UnusedBalance,
    /// The most one staff member may correct alone on one account (in total, either way).
    pub one_approver_limit: i64,
    /// The most any single correction may be, even with two approvers.
    pub max_adjustment: i64,
    /// With carry-over: the most carried into one period; `None`: no cap.
    pub carry_cap: Option<i64>,
    /// With carry-over: nothing is carried into a fiscal year's first period.
    pub carry_resets_at_fiscal_year: bool,
}

impl Rule {
    /// What is carried into `period` from `left` unused in the ended ones: nothing when the
    /// rule is to lapse or the period starts a fiscal year that resets it, else up to the cap.
    pub fn carried_into(&self, period: &Period, left: i64) -> i64 {
        if self.unused != UnusedBalance::CarryOver
            || (self.carry_resets_at_fiscal_year && period.starts_fiscal_year)
        {
            return 0;
        }
        self.carry_cap.map_or(left, |cap| left.min(cap)).max(0)
    }
}

/// What a program's allowance counts, if it has one (by the program's kind).
pub fn unit_of(rules: &ProgramRules, program: Program) -> Option<Unit> {
    match rules.kind_of(program)? {
        ProgramKind::YenAllowance => Some(Unit::Yen),
        ProgramKind::TicketAllowance => Some(Unit::Ticket),
        ProgramKind::RespiteHours => Some(Unit::Minute),
        ProgramKind::PlaySpace | ProgramKind::ShortStay => None,
    }
}

/// How long a program's allowance lasts, if it has one: as configured for an allowance spent
/// with codes, a fiscal year for respite hours.
pub fn period_kind(rules: &ProgramRules, program: Program) -> Option<PeriodKind> {
    let configured = |p: AllowancePeriod| match p {
        AllowancePeriod::Month => PeriodKind::Month,
        AllowancePeriod::FiscalYear => PeriodKind::FiscalYear,
    };
    match rules.kind_of(program)? {
        ProgramKind::YenAllowance | ProgramKind::TicketAllowance => {
            match rules.voucher(program)? {
                VoucherRules::Yen(r) => Some(configured(r.period)),
                VoucherRules::Tickets(r) => Some(configured(r.period)),
            }
        }
        ProgramKind::RespiteHours => Some(PeriodKind::FiscalYear),
        ProgramKind::PlaySpace | ProgramKind::ShortStay => None,
    }
}

/// The allowance rule for the period containing `at`: the settings in force on the period's
/// first day, so that a change of rule takes effect with a whole month or fiscal year. A
/// program's kind never changes with a version, so any version tells the period.
pub fn rule_at(
    rules: &RuleBook,
    cal: &Calendar,
    program: Program,
    at: DateTime<Utc>,
) -> Option<Rule> {
    let period = period_of(cal, period_kind(rules.on(cal.local_date(at)), program)?, at);
    rule(rules.on(cal.local_date(period.start)), program)
}

/// The allowance rule of a program in one version of the settings, if it has one.
pub fn rule(rules: &ProgramRules, program: Program) -> Option<Rule> {
    // Unset limits: one period's grant alone, a year of grants with two approvers.
    let limits = |grant: i64, per_year: i64, limit: Option<i64>, max: Option<i64>| {
        let year = grant.saturating_mul(per_year).max(1);
        (limit.unwrap_or(grant).max(1), max.unwrap_or(year))
    };
    let unit = unit_of(rules, program)?;
    let period = period_kind(rules, program)?;
    if program == rules.respite.id {
        let r = &rules.respite;
        let grant = r.grant_minutes.0;
        return Some(Rule {
            unit,
            period: PeriodKind::FiscalYear,
            grant,
            unused: r.unused_minutes,
            carry_cap: r.carry_over_cap,
            carry_resets_at_fiscal_year: r.carry_over_resets_at_fiscal_year,
            one_approver_limit: r.one_approver_limit_minutes.map_or(grant, |m| m.0).max(1),
            max_adjustment: r.max_adjustment_minutes.map_or(grant, |m| m.0).max(1),
        });
    }
    match rules.voucher(program)? {
        VoucherRules::Yen(t) => {
            let grant = t.grant_yen.0;
            let (one, max) = limits(
                grant,
                t.period.per_year(),
                t.one_approver_limit_yen.map(|y| y.0),
                t.max_adjustment_yen.map(|y| y.0),
            );
            Some(Rule {
                unit,
                period,
                grant,
                unused: t.unused_balance,
                one_approver_limit: one,
                max_adjustment: max,
                carry_cap: t.carry_over_cap,
                carry_resets_at_fiscal_year: t.carry_over_resets_at_fiscal_year,
            })
        }
        VoucherRules::Tickets(c) => {
            let (one, max) = limits(
                c.grant_tickets,
                c.period.per_year(),
                c.one_approver_limit_tickets,
                c.max_adjustment_tickets,
            );
            Some(Rule {
                unit,
                period,
                grant: c.grant_tickets,
                unused: c.unused_tickets,
                one_approver_limit: one,
                max_adjustment: max,
                carry_cap: c.carry_over_cap,
                carry_resets_at_fiscal_year: c.carry_over_resets_at_fiscal_year,
            })
        }
    }
}

/// A period: its key ("2026-11" or "FY2026") and bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub key: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The period is the first of a fiscal year (April's month, or the fiscal year itself).
    pub starts_fiscal_year: bool,
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
                starts_fiscal_year: m.month == cal.fiscal_year_start_month,
            }
        }
        PeriodKind::FiscalYear => {
            let fy = cal.fiscal_year_of(at);
            let (start, end) = cal.fiscal_year_bounds(fy);
            Period {
                key: format!("FY{}", fy.0),
                start,
                end,
                starts_fiscal_year: true,
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
    /// The grant and any carry-in.
    pub granted: i64,
    /// Staff corrections (±).
    pub adjusted: i64,
    pub balance: i64,
    pub held: i64,
    pub used: i64,
}

impl TryFrom<allowance_account::Model> for Account {
    type Error = DbErr;
    fn try_from(m: allowance_account::Model) -> Result<Self, DbErr> {
        let program = Program::parse(&m.program)
            .ok_or_else(|| DbErr::Custom(format!("unknown program {}", m.program)))?;
        let unit = Unit::parse(&m.unit)
            .ok_or_else(|| DbErr::Custom(format!("unknown unit {}", m.unit)))?;
        Ok(Account {
            id: m.id,
            child_id: m.child_id,
            program,
            unit,
            period: m.period,
            period_start: from_micros(m.period_start),
            period_end: from_micros(m.period_end),
            granted: m.granted,
            adjusted: m.adjusted,
            balance: m.balance,
            held: m.held,
            used: m.used,
        })
    }
}

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum AllowanceError {
    #[error("the child is not enrolled in this program today")]
    NotEnrolled,
    #[error("this program has no allowance")]
    NoAllowance,
    #[error("not enough balance: {remaining} remaining, {requested} requested")]
    Insufficient {
        remaining: i64,
        requested: i64,
        /// This month's or this fiscal year's balance.
        period: PeriodKind,
        /// The account's unit, so that the refusal can say 「45円」, 「2枚」 or 「1時間」.
        unit: Unit,
    },
    #[error("a ledger movement was asked with a negative size")]
    NegativeMagnitude,
    #[error("a correction may be at most {max} in size")]
    AdjustmentOverLimit { max: i64, unit: Unit },
    #[error("this would take the corrections one person made alone beyond {limit}")]
    NeedsSecondApprover { limit: i64, unit: Unit },
    #[error("proposal not found")]
    ProposalNotFound,
    #[error("the proposal is already {0}")]
    ProposalNotPending(ProposalStatus),
    #[error("the proposer cannot approve their own proposal")]
    SameApprover,
    #[error("the proposal's period has ended")]
    ProposalPeriodEnded,
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
    /// The second staff member of an adjustment above the one-approver limit.
    pub approved_by: Option<Uuid>,
}
