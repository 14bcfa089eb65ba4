//! In-home respite (④ 在宅レスパイト・就労等支援事業): a guardian asks a contracted visiting
//! nurse station (or home-care provider) for a visit; the request holds its minutes on the
//! child's fiscal-year allowance (288 h = 17,280 min); the station accepts or declines
//! (declining gives the hold back) and, after the visit, records the actual start and end
//! within the booked window (widened by the configured tolerances), whose billed minutes
//! replace the hold. The family sees the record and may dispute it for a configured number of
//! days: the disputed minutes are held until staff decide. Minutes move only through the
//! allowance ledger; a child never has two visits at once.
//!
//! State machine: requested → accepted | declined | cancelled; accepted → completed |
//! cancelled; completed → disputed → completed. Any other move is `InvalidTransition` (409).

mod answer;
mod cancel;
mod dispute;
mod lists;
mod record;
pub mod report;
mod request;

pub use answer::{accept, decline};
pub use cancel::cancel;
pub use dispute::{DisputeDecision, DisputeInput, decide_dispute, dispute};
pub use lists::{ChildFilter, list_all, list_for_child, list_for_station, stations};
pub use record::{Actual, Recorder, complete};
pub use request::{NewVisit, VisitInput, request};

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::allowances::{self, AllowanceError, EntryKind, Refs};
use crate::audit::{self, Actor, Change, snapshot};
use crate::clock::{Calendar, from_micros, to_micros};
use crate::config::{ProgramRules, RuleBook};
use crate::entity::respite_visit;
use crate::households::CareNeed;
use crate::households::disclosure::{self, Disclosure};
use crate::messages::{Arg, Args};
use crate::notifications::{Event, EventKind, Recipient, Words, notify};
use crate::partners::PartnerKind;
use crate::text::FieldError;
use crate::units::Minutes;

/// Longest note a family can leave for the nurse.
pub const MAX_NOTES: usize = 1000;

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum RespiteError {
    #[error("the child is not enrolled in respite on the visit's date")]
    NotEnrolled,
    #[error("the person does not meet the program's conditions: {0:?}")]
    Ineligible(crate::enrollments::Unmet),
    #[error("only {remaining} minutes remain, {requested} needed")]
    HoursExceeded { remaining: i64, requested: i64 },
    #[error("visit not found")]
    VisitNotFound,
    #[error("a {from:?} visit cannot be {to:?}")]
    InvalidTransition { from: VisitStatus, to: VisitStatus },
    #[error("the visit has already started")]
    AlreadyStarted,
    #[error("the child already has a visit at that time")]
    Overlaps { other: Uuid },
    #[error("the recorded times fall outside the booked window")]
    OutsideBooking {
        /// Ward-local times, as the request gave them.
        earliest_start: NaiveDateTime,
        latest_end: NaiveDateTime,
    },
    #[error("the time to dispute this visit has passed")]
    DisputeWindowClosed { until: NaiveDateTime },
    #[error("the device has been revoked")]
    DeviceRevoked,
    #[error(transparent)]
    Ledger(AllowanceError),
    #[error(transparent)]
    InvalidField(#[from] FieldError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for RespiteError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            RespiteError::Db(e) => Some(e),
            _ => None,
        }
    }
}

impl From<AllowanceError> for RespiteError {
    fn from(e: AllowanceError) -> Self {
        match e {
            AllowanceError::NotEnrolled | AllowanceError::NoAllowance => RespiteError::NotEnrolled,
            AllowanceError::Insufficient {
                remaining,
                requested,
                ..
            } => RespiteError::HoursExceeded {
                remaining,
                requested,
            },
            AllowanceError::InvalidField(f) => RespiteError::InvalidField(f),
            AllowanceError::Db(d) => RespiteError::Db(d),
            other => RespiteError::Ledger(other),
        }
    }
}

/// Where a visit is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = RespiteVisitStatus)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// Asked for; its minutes are held.
    Requested,
    /// The station will come; the minutes stay held.
    Accepted,
    /// The station cannot come; the hold was given back.
    Declined,
    /// The family called it off before it started; the hold was given back.
    Cancelled,
    /// Done: the billed actual minutes replaced the hold.
    Completed,
    /// The family disputes the record: the minutes in question are held until staff decide.
    Disputed,
}

impl VisitStatus {
    /// The state's name in Japanese, for messages.
    pub fn ja(self) -> &'static str {
        match self {
            VisitStatus::Requested => "依頼中",
            VisitStatus::Accepted => "受付済み",
            VisitStatus::Declined => "お断り済み",
            VisitStatus::Cancelled => "取消済み",
            VisitStatus::Completed => "記録済み",
            VisitStatus::Disputed => "異議申立中",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VisitStatus::Requested => "requested",
            VisitStatus::Accepted => "accepted",
            VisitStatus::Declined => "declined",
            VisitStatus::Cancelled => "cancelled",
            VisitStatus::Completed => "completed",
            VisitStatus::Disputed => "disputed",
        }
    }

    pub fn parse(s: &str) -> Option<VisitStatus> {
        use VisitStatus::*;
        [
            Requested, Accepted, Declined, Cancelled, Completed, Disputed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// The states in which a visit occupies the child's time (for the overlap rule).
    const OCCUPYING: [VisitStatus; 4] = [
        VisitStatus::Requested,
        VisitStatus::Accepted,
        VisitStatus::Completed,
        VisitStatus::Disputed,
    ];
}

/// How staff settled a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeOutcome {
    /// The station's record stands: the held minutes are used.
    Upheld,
    /// The family is right: the held minutes go back to them.
    Accepted,
}

impl DisputeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeOutcome::Upheld => "upheld",
            DisputeOutcome::Accepted => "accepted",
        }
    }

    fn parse(s: &str) -> Option<DisputeOutcome> {
        [DisputeOutcome::Upheld, DisputeOutcome::Accepted]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// A respite visit as families, stations and staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = RespiteVisit)]
pub struct Visit {
    pub id: Uuid,
    pub child_id: Uuid,
    pub station_id: Uuid,
    /// The fiscal year whose minutes the visit uses ("FY2026"): that of its start.
    pub fiscal_year: String,
    pub scheduled_start: DateTime<Utc>,
    pub scheduled_end: DateTime<Utc>,
    /// The scheduled length rounded up to the billing unit: what is held.
    pub booked_minutes: i64,
    pub care_needs: Vec<CareNeed>,
    pub notes: String,
    pub status: VisitStatus,
    /// When the visit really started and ended, as recorded by the station (or staff).
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    /// The actual length rounded up to the billing unit: what was used.
    pub used_minutes: Option<i64>,
    /// Minutes beyond the cap that staff approved for this visit.
    pub exception_minutes: Option<i64>,
    /// Why staff recorded the visit themselves (beyond the cap or outside the booked window).
    pub exception_reason: Option<String>,
    pub decline_reason: Option<String>,
    /// Until when the family may dispute the recorded times.
    pub dispute_until: Option<DateTime<Utc>>,
    pub disputed_at: Option<DateTime<Utc>>,
    pub dispute_reason: Option<String>,
    /// The times the family says are right (none: the visit did not happen).
    pub claimed_start: Option<DateTime<Utc>>,
    pub claimed_end: Option<DateTime<Utc>>,
    /// The minutes in question, held while the dispute is open.
    pub disputed_minutes: Option<i64>,
    pub dispute_outcome: Option<DisputeOutcome>,
    pub dispute_decided_at: Option<DateTime<Utc>>,
    pub dispute_decision_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<respite_visit::Model> for Visit {
    type Error = DbErr;
    fn try_from(m: respite_visit::Model) -> Result<Self, DbErr> {
        Ok(Visit {
            id: m.id,
            child_id: m.child_id,
            station_id: m.station_id,
            fiscal_year: m.fiscal_year,
            scheduled_start: from_micros(m.scheduled_start),
            scheduled_end: from_micros(m.scheduled_end),
            booked_minutes: m.booked_minutes,
            care_needs: serde_json::from_str(&m.care_needs).unwrap_or_default(),
            notes: m.notes,
            status: VisitStatus::parse(&m.status)
                .ok_or_else(|| DbErr::Custom(format!("unknown visit status {}", m.status)))?,
            actual_start: m.actual_start.map(from_micros),
            actual_end: m.actual_end.map(from_micros),
            used_minutes: m.used_minutes,
            exception_minutes: m.exception_minutes,
            exception_reason: m.exception_reason,
            decline_reason: m.decline_reason,
            dispute_until: m.dispute_until.map(from_micros),
            disputed_at: m.disputed_at.map(from_micros),
            dispute_reason: m.dispute_reason,
            claimed_start: m.claimed_start.map(from_micros),
            claimed_end: m.claimed_end.map(from_micros),
            disputed_minutes: m.disputed_minutes,
            dispute_outcome: m
                .dispute_decision
                .as_deref()
                .and_then(DisputeOutcome::parse),
            dispute_decided_at: m.dispute_decided_at.map(from_micros),
            dispute_decision_reason: m.dispute_decision_reason,
            created_at: from_micros(m.created_at),
            updated_at: from_micros(m.updated_at),
        })
    }
}

/// Minutes billed for a duration: rounded up to whole billing units (2 h 10 min → 2 h 30 min
/// with 30-minute units).
pub fn billable(minutes: i64, rules: &ProgramRules) -> i64 {
    Minutes(minutes)
        .round_up_to(rules.respite.billing_unit_minutes)
        .0
}

fn field(name: &'static str, id: &str, args: Args) -> RespiteError {
    RespiteError::InvalidField(FieldError::said(name, id, args))
}

/// A local date-time of the ward's zone (the app sends "2026-12-01T10:00").
fn local(
    cal: &Calendar,
    name: &'static str,
    t: NaiveDateTime,
) -> Result<DateTime<Utc>, RespiteError> {
    cal.at_local(t)
        .ok_or_else(|| field(name, "reason-is-not-a-valid-local-time", Args::new()))
}

/// Checks a span: the end after the start, at most a day long. Returns the raw minutes.
fn span(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    end_field: &'static str,
    max: Minutes,
) -> Result<i64, RespiteError> {
    let minutes = (end - start).num_minutes();
    if end <= start || minutes <= 0 {
        return Err(field(
            end_field,
            "reason-must-be-at-least-a-minute",
            Args::new(),
        ));
    }
    if minutes > max.0 {
        return Err(field(
            end_field,
            "reason-visit-too-long",
            Args::new().with("length", Arg::Minutes(max.0)),
        ));
    }
    Ok(minutes)
}

/// A station a family can choose: a contracted, active nurse station or home-care provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = RespiteStation)]
pub struct Station {
    pub id: Uuid,
    pub name: String,
    pub kind: PartnerKind,
}

/// Partner kinds that make respite visits.
pub const STATION_KINDS: [PartnerKind; 2] =
    [PartnerKind::NurseStation, PartnerKind::HomeCareProvider];

/// The context every write needs.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub db: &'a crate::db::Db,
    pub rules: &'a std::sync::Arc<RuleBook>,
    pub calendar: Calendar,
}

impl Context<'_> {
    /// The settings in force on the local date of `at` (a visit's start).
    pub fn rules_at(&self, at: DateTime<Utc>) -> &ProgramRules {
        self.rules.on(self.calendar.local_date(at))
    }
}

async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Visit, RespiteError> {
    respite_visit::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RespiteError::VisitNotFound)
        .and_then(|m| Ok(Visit::try_from(m)?))
}

/// What a family or station is told of a visit (`respite.*` notifications).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitEvent {
    pub child_id: Uuid,
    pub station_id: Uuid,
    pub status: VisitStatus,
    pub scheduled_start: DateTime<Utc>,
    pub scheduled_end: DateTime<Utc>,
    pub booked_minutes: i64,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    pub used_minutes: Option<i64>,
    pub disputed_minutes: Option<i64>,
    pub dispute_outcome: Option<DisputeOutcome>,
    pub decline_reason: Option<String>,
}

/// A visit's event for one recipient, worded: a family hears its child's name, a station the
/// initials only (its list shows more once it has accepted, see `households::disclosure`).
async fn visit_event(
    tx: &impl ConnectionTrait,
    cal: &Calendar,
    kind: EventKind,
    recipient: Recipient,
    v: &Visit,
) -> Result<Event<'static>, DbErr> {
    let to_family = matches!(recipient, Recipient::Household(_));
    let child = disclosure::name_in_notice(tx, v.child_id, to_family).await?;
    let station = crate::partners::get_partner(tx, v.station_id)
        .await
        .map(|p| p.name)
        .unwrap_or_default();
    let words = Words::Visit {
        child,
        station,
        start: cal.local(v.actual_start.unwrap_or(v.scheduled_start)),
        minutes: v.used_minutes.unwrap_or(v.booked_minutes),
        reason: v.decline_reason.clone(),
        dispute_until: v.dispute_until.map(|t| cal.local(t)),
        family_right: v.dispute_outcome.map(|o| o == DisputeOutcome::Accepted),
    };
    Ok(Event {
        words,
        kind,
        recipient,
        subject_type: "respite_visit",
        subject_id: v.id,
        data: serde_json::to_value(VisitEvent {
            child_id: v.child_id,
            station_id: v.station_id,
            status: v.status,
            scheduled_start: v.scheduled_start,
            scheduled_end: v.scheduled_end,
            booked_minutes: v.booked_minutes,
            actual_start: v.actual_start,
            actual_end: v.actual_end,
            used_minutes: v.used_minutes,
            disputed_minutes: v.disputed_minutes,
            dispute_outcome: v.dispute_outcome,
            decline_reason: v.decline_reason.clone(),
        })
        .unwrap_or_default(),
    })
}

/// Who is acting on a visit: what they may see decides what is "not found".
#[derive(Debug, Clone, Copy)]
pub enum Party {
    /// A guardian of this household.
    Household(Uuid),
    /// A device of this partner (the station the visit is addressed to).
    Station(Uuid),
    /// Ward staff.
    Staff,
}

impl Party {
    fn may_see(self, v: &respite_visit::Model) -> bool {
        match self {
            Party::Household(h) => v.household_id == h,
            Party::Station(s) => v.station_id == s,
            Party::Staff => true,
        }
    }
}

impl Visit {
    /// How much of the family the visit's station sees (see [`crate::households::disclosure`]):
    /// in full from acceptance until `window` after the visit ends (its recorded end, or the
    /// booked one); a summary while it is only requested, and after a decline or cancellation.
    pub fn partner_disclosure(&self, now: DateTime<Utc>, window: chrono::Duration) -> Disclosure {
        let serves = matches!(
            self.status,
            VisitStatus::Accepted | VisitStatus::Completed | VisitStatus::Disputed
        );
        disclosure::level(
            serves,
            self.actual_end.unwrap_or(self.scheduled_end),
            now,
            window,
        )
    }
}

/// A visit the party may see; anything else is `VisitNotFound`, so ids do not leak.
pub async fn visible(
    conn: &impl ConnectionTrait,
    party: Party,
    id: Uuid,
) -> Result<Visit, RespiteError> {
    match respite_visit::Entity::find_by_id(id).one(conn).await? {
        Some(m) if party.may_see(&m) => Ok(Visit::try_from(m)?),
        _ => Err(RespiteError::VisitNotFound),
    }
}

/// Moves a visit from one of `from` to `to` with one conditional update, so two racing moves
/// cannot both happen; returns the visit as it was before.
async fn transition(
    tx: &impl ConnectionTrait,
    party: Party,
    id: Uuid,
    from: &[VisitStatus],
    to: VisitStatus,
    now: DateTime<Utc>,
    set: impl FnOnce(
        sea_orm::UpdateMany<respite_visit::Entity>,
    ) -> sea_orm::UpdateMany<respite_visit::Entity>,
) -> Result<respite_visit::Model, RespiteError> {
    use respite_visit::Column as C;
    let before = match respite_visit::Entity::find_by_id(id).one(tx).await? {
        Some(m) if party.may_see(&m) => m,
        _ => return Err(RespiteError::VisitNotFound),
    };
    let current = VisitStatus::parse(&before.status)
        .ok_or_else(|| DbErr::Custom(format!("unknown visit status {}", before.status)))?;
    let invalid = RespiteError::InvalidTransition { from: current, to };
    if !from.contains(&current) {
        return Err(invalid);
    }
    let update = respite_visit::Entity::update_many()
        .col_expr(C::Status, Expr::value(to.as_str()))
        .col_expr(C::UpdatedAt, Expr::value(to_micros(now)))
        .filter(C::Id.eq(id))
        .filter(C::Status.is_in(from.iter().map(|s| s.as_str())));
    if set(update).exec(tx).await?.rows_affected != 1 {
        // Another move won the race.
        return Err(invalid);
    }
    Ok(before)
}

/// Refuses a window of the child's time that another of their visits already occupies: the
/// scheduled window of a requested or accepted visit, the recorded one of a visit that took
/// place. Call with the child locked (`households::lock_child`), so two requests racing for
/// the same hour cannot both pass.
async fn refuse_overlap(
    tx: &impl ConnectionTrait,
    child_id: Uuid,
    except: Option<Uuid>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), RespiteError> {
    use respite_visit::Column as C;
    let (s, e) = (to_micros(start), to_micros(end));
    let planned = Condition::all()
        .add(C::Status.is_in([
            VisitStatus::Requested.as_str(),
            VisitStatus::Accepted.as_str(),
        ]))
        .add(C::ScheduledStart.lt(e))
        .add(C::ScheduledEnd.gt(s));
    let happened = Condition::all()
        .add(C::Status.is_in([
            VisitStatus::Completed.as_str(),
            VisitStatus::Disputed.as_str(),
        ]))
        .add(C::ActualStart.lt(e))
        .add(C::ActualEnd.gt(s));
    let mut q = respite_visit::Entity::find()
        .filter(C::ChildId.eq(child_id))
        .filter(C::Status.is_in(VisitStatus::OCCUPYING.map(VisitStatus::as_str)))
        .filter(Condition::any().add(planned).add(happened));
    if let Some(id) = except {
        q = q.filter(C::Id.ne(id));
    }
    match q.one(tx).await? {
        Some(other) => Err(RespiteError::Overlaps { other: other.id }),
        None => Ok(()),
    }
}

async fn release_hold(
    tx: &impl ConnectionTrait,
    account_id: Uuid,
    minutes: i64,
    actor: &Actor,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<(), RespiteError> {
    allowances::post(
        tx,
        account_id,
        EntryKind::Release,
        minutes,
        actor,
        now,
        Refs {
            reason: Some(reason),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

async fn audited(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    cal: &Calendar,
    now: DateTime<Utc>,
    action: audit::Action,
    before: respite_visit::Model,
) -> Result<Visit, RespiteError> {
    let household = before.household_id;
    let before = Visit::try_from(before)?;
    let after = get(tx, before.id).await?;
    // The family hears the station's answers, the record and staff's decisions; the station
    // hears cancellations, disputes and decisions.
    let kind = EventKind::parse(action.as_str());
    let recipients: &[Recipient] = match kind {
        Some(EventKind::RespiteCancelled | EventKind::RespiteDisputed) => {
            &[Recipient::Partner(after.station_id)]
        }
        Some(
            EventKind::RespiteAccepted | EventKind::RespiteDeclined | EventKind::RespiteCompleted,
        ) => &[Recipient::Household(household)],
        Some(EventKind::RespiteDisputeDecided) => &[
            Recipient::Household(household),
            Recipient::Partner(after.station_id),
        ],
        _ => &[],
    };
    if let Some(kind) = kind {
        for recipient in recipients {
            let event = visit_event(tx, cal, kind, *recipient, &after).await?;
            notify(tx, now, event).await?;
        }
    }
    audit::record(
        tx,
        actor,
        now,
        Change {
            action,
            children: vec![after.child_id],
            object_type: "respite_visit",
            object_id: Some(before.id),
            before: snapshot(&before),
            after: snapshot(&after),
        },
    )
    .await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_are_billed_in_whole_units_rounded_up() {
        let rules = ProgramRules::default();
        assert_eq!(billable(130, &rules), 150);
        assert_eq!(billable(120, &rules), 120);
        assert_eq!(billable(1, &rules), 30);
    }

    #[test]
    fn every_status_reads_back_as_itself() {
        use VisitStatus::*;
        for s in [
            Requested, Accepted, Declined, Cancelled, Completed, Disputed,
        ] {
            assert_eq!(VisitStatus::parse(s.as_str()), Some(s));
        }
    }
}
