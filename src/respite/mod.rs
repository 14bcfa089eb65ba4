//! In-home respite (④ 在宅レスパイト・就労等支援事業): a guardian asks a contracted visiting
//! nurse station (or home-care provider) for a visit; the request holds its minutes on the
//! child's fiscal-year allowance (288 h = 17,280 min); the station accepts or declines
//! (declining gives the hold back) and, after the visit, records the actual start and end,
//! whose billed minutes replace the hold. Minutes move only through the allowance ledger.
//!
//! State machine: requested → accepted | declined | cancelled; accepted → completed |
//! cancelled. Any other move is `InvalidTransition` (409).

pub mod report;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::allowances::{self, AllowanceError, EntryKind, Refs};
use crate::audit::{self, Actor, Change, snapshot};
use crate::clock::{Calendar, from_micros, to_micros};
use crate::config::ProgramRules;
use crate::db;
use crate::enrollments::Program;
use crate::entity::{partner, respite_visit};
use crate::households::CareNeed;
use crate::notifications::{Event, Recipient, notify};
use crate::partners::PartnerKind;
use crate::text::{self, FieldError};

/// The longest single visit accepted: a day and a night.
pub const MAX_VISIT_MINUTES: i64 = 24 * 60;
/// How far ahead a visit may be requested.
pub const MAX_DAYS_AHEAD: i64 = 180;
/// Longest note a family can leave for the nurse.
pub const MAX_NOTES: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum RespiteError {
    #[error("the child is not enrolled in respite on the visit's date")]
    NotEnrolled,
    #[error("only {remaining} minutes remain, {requested} needed")]
    HoursExceeded { remaining: i64, requested: i64 },
    #[error("visit not found")]
    VisitNotFound,
    #[error("a {from:?} visit cannot be {to}")]
    InvalidTransition { from: VisitStatus, to: &'static str },
    #[error("the visit has already started")]
    AlreadyStarted,
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
}

impl VisitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitStatus::Requested => "requested",
            VisitStatus::Accepted => "accepted",
            VisitStatus::Declined => "declined",
            VisitStatus::Cancelled => "cancelled",
            VisitStatus::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<VisitStatus> {
        use VisitStatus::*;
        [Requested, Accepted, Declined, Cancelled, Completed]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// The states a move to `to` may start from.
    fn sources(to: VisitStatus) -> &'static [VisitStatus] {
        use VisitStatus::*;
        match to {
            Accepted | Declined => &[Requested],
            Cancelled => &[Requested, Accepted],
            Completed => &[Accepted],
            Requested => &[],
        }
    }
}

/// A respite visit as families, stations and staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
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
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    /// The actual length rounded up to the billing unit: what was used.
    pub used_minutes: Option<i64>,
    /// Minutes beyond the cap that staff approved for this visit.
    pub exception_minutes: Option<i64>,
    pub decline_reason: Option<String>,
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
            decline_reason: m.decline_reason,
            created_at: from_micros(m.created_at),
            updated_at: from_micros(m.updated_at),
        })
    }
}

/// Minutes billed for a duration: rounded up to whole billing units (2 h 10 min → 2 h 30 min
/// with 30-minute units).
pub fn billable(minutes: i64, unit: i64) -> i64 {
    if unit <= 1 {
        return minutes;
    }
    (minutes + unit - 1) / unit * unit
}

fn field(name: &'static str, en: &str, ja: &str) -> RespiteError {
    RespiteError::InvalidField(FieldError::new(name, en, ja))
}

/// A local date-time of the ward's zone (the app sends "2026-12-01T10:00").
fn local(
    cal: &Calendar,
    name: &'static str,
    t: NaiveDateTime,
) -> Result<DateTime<Utc>, RespiteError> {
    cal.at_local(t)
        .ok_or_else(|| field(name, "is not a valid local time", "存在しない日時です"))
}

/// Checks a span: the end after the start, at most a day long. Returns the raw minutes.
fn span(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    end_field: &'static str,
) -> Result<i64, RespiteError> {
    let minutes = (end - start).num_minutes();
    if end <= start || minutes <= 0 {
        return Err(field(
            end_field,
            "must be at least a minute after the start",
            "終了は開始より後にしてください",
        ));
    }
    if minutes > MAX_VISIT_MINUTES {
        return Err(field(
            end_field,
            "a visit lasts at most 24 hours",
            "1回の訪問は24時間以内です",
        ));
    }
    Ok(minutes)
}

/// What a guardian asks for, as received.
#[derive(Debug, Clone)]
pub struct VisitInput {
    pub station_id: Uuid,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub care_needs: Vec<CareNeed>,
    pub notes: String,
}

/// A request that passed every check that needs no database.
#[derive(Debug, Clone)]
pub struct NewVisit {
    station_id: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    booked: i64,
    care_needs: Vec<CareNeed>,
    notes: String,
}

impl NewVisit {
    /// Times in the ward's zone, in the future and at most 180 days ahead, at most 24 hours
    /// long; rounded up to the billing unit; care needs listed once; notes bounded.
    pub fn parse(
        input: VisitInput,
        cal: &Calendar,
        rules: &ProgramRules,
        now: DateTime<Utc>,
    ) -> Result<NewVisit, RespiteError> {
        let start = local(cal, "starts_at", input.starts_at)?;
        let end = local(cal, "ends_at", input.ends_at)?;
        if start <= now {
            return Err(field(
                "starts_at",
                "must be in the future",
                "開始は現在より後の日時にしてください",
            ));
        }
        if start > now + Duration::days(MAX_DAYS_AHEAD) {
            return Err(field(
                "starts_at",
                "can be at most 180 days ahead",
                "180日先までの日時にしてください",
            ));
        }
        let minutes = span(start, end, "ends_at")?;
        let care_needs = crate::households::distinct_care_needs(input.care_needs)?;
        let notes = if input.notes.trim().is_empty() {
            String::new()
        } else {
            text::multiline(&input.notes, MAX_NOTES).map_err(|e| FieldError::text("notes", e))?
        };
        Ok(NewVisit {
            station_id: input.station_id,
            start,
            end,
            booked: billable(minutes, rules.respite.billing_unit_minutes.0),
            care_needs,
            notes,
        })
    }
}

/// A station a family can choose: a contracted, active nurse station or home-care provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Station {
    pub id: Uuid,
    pub name: String,
    pub kind: PartnerKind,
}

/// Partner kinds that make respite visits.
pub const STATION_KINDS: [PartnerKind; 2] =
    [PartnerKind::NurseStation, PartnerKind::HomeCareProvider];

/// The stations, by name.
pub async fn stations(
    conn: &impl ConnectionTrait,
    limit: u64,
    offset: u64,
) -> Result<Vec<Station>, DbErr> {
    partner::Entity::find()
        .filter(partner::Column::Kind.is_in(STATION_KINDS.map(PartnerKind::as_str)))
        .filter(partner::Column::Status.eq("active"))
        .order_by_asc(partner::Column::Name)
        .order_by_asc(partner::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(|p| {
            Ok(Station {
                id: p.id,
                kind: PartnerKind::parse(&p.kind)
                    .ok_or_else(|| DbErr::Custom(format!("unknown partner kind {}", p.kind)))?,
                name: p.name,
            })
        })
        .collect()
}

async fn is_station(conn: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    Ok(partner::Entity::find_by_id(id)
        .one(conn)
        .await?
        .is_some_and(|p| {
            p.status == "active"
                && PartnerKind::parse(&p.kind).is_some_and(|k| STATION_KINDS.contains(&k))
        }))
}

/// The context every write needs.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub db: &'a DatabaseConnection,
    pub rules: &'a ProgramRules,
    pub calendar: Calendar,
}

/// A guardian asks for a visit: the minutes are held on the fiscal year of its start, or the
/// request is refused saying how many minutes remain. Two requests racing for the last hours
/// cannot both win: the hold is one conditional update of the balance.
pub async fn request(
    ctx: &Context<'_>,
    actor: &Actor,
    requested_by: Uuid,
    now: DateTime<Utc>,
    household_id: Uuid,
    child_id: Uuid,
    visit: NewVisit,
) -> Result<Visit, RespiteError> {
    let (rules, cal) = (ctx.rules.clone(), ctx.calendar);
    db::write(ctx.db, |tx| {
        let (rules, cal, actor, visit) = (rules.clone(), cal, actor.clone(), visit.clone());
        Box::pin(async move {
            if !is_station(tx, visit.station_id).await? {
                return Err(field(
                    "station_id",
                    "is not a contracted respite station",
                    "契約している訪問看護ステーション等ではありません",
                ));
            }
            let account = allowances::account_for(
                tx,
                &rules,
                &cal,
                child_id,
                Program::Respite,
                visit.start,
                now,
            )
            .await?;
            let id = Uuid::new_v4();
            allowances::post(
                tx,
                account.id,
                EntryKind::Hold,
                visit.booked,
                &actor,
                now,
                Refs {
                    reason: Some("respite visit requested"),
                    ..Default::default()
                },
            )
            .await?;
            let model = respite_visit::ActiveModel {
                id: Set(id),
                child_id: Set(child_id),
                household_id: Set(household_id),
                station_id: Set(visit.station_id),
                account_id: Set(account.id),
                fiscal_year: Set(account.period.clone()),
                scheduled_start: Set(to_micros(visit.start)),
                scheduled_end: Set(to_micros(visit.end)),
                booked_minutes: Set(visit.booked),
                care_needs: Set(
                    serde_json::to_string(&visit.care_needs).unwrap_or_else(|_| "[]".into())
                ),
                notes: Set(visit.notes.clone()),
                status: Set(VisitStatus::Requested.as_str().into()),
                actual_start: Set(None),
                actual_end: Set(None),
                used_minutes: Set(None),
                exception_minutes: Set(None),
                decline_reason: Set(None),
                decided_at: Set(None),
                cancelled_at: Set(None),
                completed_at: Set(None),
                requested_by: Set(requested_by),
                created_at: Set(to_micros(now)),
                updated_at: Set(to_micros(now)),
            };
            respite_visit::Entity::insert(model)
                .exec_without_returning(tx)
                .await?;
            let created = get(tx, id).await?;
            notify(
                tx,
                now,
                visit_event(
                    "respite.requested",
                    Recipient::Partner(visit.station_id),
                    &created,
                ),
            )
            .await?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: "respite.requested",
                    object_type: "respite_visit",
                    object_id: Some(id),
                    before: None,
                    after: snapshot(&created),
                },
            )
            .await?;
            Ok(created)
        })
    })
    .await
}

async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Visit, RespiteError> {
    respite_visit::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RespiteError::VisitNotFound)
        .and_then(|m| Ok(Visit::try_from(m)?))
}

fn visit_event<'a>(kind: &'a str, recipient: Recipient, v: &Visit) -> Event<'a> {
    Event {
        kind,
        recipient,
        subject_type: "respite_visit",
        subject_id: v.id,
        data: serde_json::json!({
            "child_id": v.child_id,
            "station_id": v.station_id,
            "status": v.status,
            "scheduled_start": v.scheduled_start,
            "scheduled_end": v.scheduled_end,
            "booked_minutes": v.booked_minutes,
            "used_minutes": v.used_minutes,
            "decline_reason": v.decline_reason,
        }),
    }
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

/// Moves a visit to `to` with one conditional update from the states allowed, so two racing
/// moves cannot both happen; returns the visit as it was before.
async fn transition(
    tx: &impl ConnectionTrait,
    party: Party,
    id: Uuid,
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
    let sources = VisitStatus::sources(to);
    let from = VisitStatus::parse(&before.status)
        .ok_or_else(|| DbErr::Custom(format!("unknown visit status {}", before.status)))?;
    let invalid = RespiteError::InvalidTransition {
        from,
        to: to.as_str(),
    };
    if !sources.contains(&from) {
        return Err(invalid);
    }
    let update = respite_visit::Entity::update_many()
        .col_expr(C::Status, Expr::value(to.as_str()))
        .col_expr(C::UpdatedAt, Expr::value(to_micros(now)))
        .filter(C::Id.eq(id))
        .filter(C::Status.is_in(sources.iter().map(|s| s.as_str())));
    if set(update).exec(tx).await?.rows_affected != 1 {
        // Another move won the race.
        return Err(invalid);
    }
    Ok(before)
}

async fn release_hold(
    tx: &impl ConnectionTrait,
    before: &respite_visit::Model,
    actor: &Actor,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<(), RespiteError> {
    allowances::post(
        tx,
        before.account_id,
        EntryKind::Release,
        before.booked_minutes,
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
    now: DateTime<Utc>,
    action: &str,
    before: respite_visit::Model,
) -> Result<Visit, RespiteError> {
    let household = before.household_id;
    let before = Visit::try_from(before)?;
    let after = get(tx, before.id).await?;
    // The family hears the station's answers and the record; the station hears cancellations.
    let recipient = match action {
        "respite.cancelled" => Some(Recipient::Partner(after.station_id)),
        "respite.accepted" | "respite.declined" | "respite.completed" => {
            Some(Recipient::Household(household))
        }
        _ => None,
    };
    if let Some(recipient) = recipient {
        notify(tx, now, visit_event(action, recipient, &after)).await?;
    }
    audit::record(
        tx,
        actor,
        now,
        Change {
            action,
            object_type: "respite_visit",
            object_id: Some(before.id),
            before: snapshot(&before),
            after: snapshot(&after),
        },
    )
    .await?;
    Ok(after)
}

/// The family calls a visit off before it starts; the hold is given back.
pub async fn cancel(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: Uuid,
    id: Uuid,
) -> Result<Visit, RespiteError> {
    db::write(db, |tx| {
        let actor = actor.clone();
        Box::pin(async move {
            use respite_visit::Column as C;
            let party = Party::Household(household_id);
            let current = visible(tx, party, id).await?;
            if current.scheduled_start <= now
                && matches!(
                    current.status,
                    VisitStatus::Requested | VisitStatus::Accepted
                )
            {
                return Err(RespiteError::AlreadyStarted);
            }
            let before = transition(tx, party, id, VisitStatus::Cancelled, now, |u| {
                u.col_expr(C::CancelledAt, Expr::value(to_micros(now)))
                    .filter(C::ScheduledStart.gt(to_micros(now)))
            })
            .await?;
            release_hold(tx, &before, &actor, now, "respite visit cancelled").await?;
            audited(tx, &actor, now, "respite.cancelled", before).await
        })
    })
    .await
}

/// The station will come.
pub async fn accept(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    station_id: Uuid,
    id: Uuid,
) -> Result<Visit, RespiteError> {
    db::write(db, |tx| {
        let actor = actor.clone();
        Box::pin(async move {
            use respite_visit::Column as C;
            let before = transition(
                tx,
                Party::Station(station_id),
                id,
                VisitStatus::Accepted,
                now,
                |u| u.col_expr(C::DecidedAt, Expr::value(to_micros(now))),
            )
            .await?;
            audited(tx, &actor, now, "respite.accepted", before).await
        })
    })
    .await
}

/// The station cannot come: the hold goes back to the family.
pub async fn decline(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    station_id: Uuid,
    id: Uuid,
    reason: &str,
) -> Result<Visit, RespiteError> {
    let reason = text::multiline(reason, 500).map_err(|e| FieldError::text("reason", e))?;
    db::write(db, |tx| {
        let (actor, reason) = (actor.clone(), reason.clone());
        Box::pin(async move {
            use respite_visit::Column as C;
            let before = transition(
                tx,
                Party::Station(station_id),
                id,
                VisitStatus::Declined,
                now,
                |u| {
                    u.col_expr(C::DecidedAt, Expr::value(to_micros(now)))
                        .col_expr(C::DeclineReason, Expr::value(reason.clone()))
                },
            )
            .await?;
            release_hold(tx, &before, &actor, now, "respite visit declined").await?;
            audited(tx, &actor, now, "respite.declined", before).await
        })
    })
    .await
}

/// What happened at the home, as the station records it (local times of the ward's zone).
#[derive(Debug, Clone, Copy)]
pub struct Actual {
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
}

/// Who records a visit's end, and whether beyond the cap.
#[derive(Debug, Clone)]
pub enum Recorder {
    /// The station's device: more than the remaining minutes is refused.
    Station(Uuid),
    /// Staff approving an exception: the shortfall is granted by an adjustment with this
    /// reason, then used.
    StaffException { reason: String },
}

/// Records the actual visit: the hold is released and the billed actual minutes are used
/// from the fiscal year of the actual start, all in one transaction. More than remains is
/// `HoursExceeded` (nothing written) unless staff approve it as an exception.
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
    let minutes = span(start, end, "ended_at")?;
    if end > now {
        return Err(field(
            "ended_at",
            "is in the future: record a visit after it ends",
            "終了時刻が未来です。訪問の終了後に記録してください",
        ));
    }
    let used = billable(minutes, ctx.rules.respite.billing_unit_minutes.0);
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
            let party = match &recorder {
                Recorder::Station(s) => Party::Station(*s),
                Recorder::StaffException { .. } => Party::Staff,
            };
            let before = transition(tx, party, id, VisitStatus::Completed, now, |u| {
                u.col_expr(C::ActualStart, Expr::value(to_micros(start)))
                    .col_expr(C::ActualEnd, Expr::value(to_micros(end)))
                    .col_expr(C::UsedMinutes, Expr::value(used))
                    .col_expr(C::CompletedAt, Expr::value(to_micros(now)))
            })
            .await?;
            release_hold(
                tx,
                &before,
                &actor,
                now,
                "respite visit done: hold replaced",
            )
            .await?;
            // Charged to the fiscal year of the actual start (normally the held one).
            let account = allowances::account_for(
                tx,
                &rules,
                &cal,
                before.child_id,
                Program::Respite,
                start,
                now,
            )
            .await?;
            if let Recorder::StaffException { reason } = &recorder {
                let shortfall = used.saturating_sub(account.balance);
                if shortfall > 0 {
                    // Extra minutes are a correction like any other: one person alone may
                    // grant at most the one-approver limit on the account.
                    allowances::lock_account(tx, account.id).await?;
                    let rule = allowances::rule(&rules, Program::Respite)
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
            audited(tx, &actor, now, "respite.completed", before).await
        })
    })
    .await
}

/// Which of a child's visits to list.
#[derive(Debug, Clone, Copy)]
pub enum ChildFilter {
    /// Requested or accepted visits that have not started, soonest first.
    Upcoming(DateTime<Utc>),
    /// Visits scheduled in this span (a month), newest first.
    Between(DateTime<Utc>, DateTime<Utc>),
    /// Every visit, newest first.
    All,
}

pub async fn list_for_child(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    filter: ChildFilter,
    limit: u64,
    offset: u64,
) -> Result<Vec<Visit>, DbErr> {
    use respite_visit::Column as C;
    let mut q = respite_visit::Entity::find().filter(C::ChildId.eq(child_id));
    q = match filter {
        ChildFilter::Upcoming(now) => q
            .filter(C::ScheduledStart.gt(to_micros(now)))
            .filter(C::Status.is_in([
                VisitStatus::Requested.as_str(),
                VisitStatus::Accepted.as_str(),
            ]))
            .order_by_asc(C::ScheduledStart),
        ChildFilter::Between(from, to) => q
            .filter(C::ScheduledStart.gte(to_micros(from)))
            .filter(C::ScheduledStart.lt(to_micros(to)))
            .order_by_desc(C::ScheduledStart),
        ChildFilter::All => q.order_by_desc(C::ScheduledStart),
    };
    q.order_by_asc(C::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Visit::try_from)
        .collect()
}

/// The visits addressed to a station, soonest first, optionally in one state.
pub async fn list_for_station(
    conn: &impl ConnectionTrait,
    station_id: Uuid,
    status: Option<VisitStatus>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Visit>, DbErr> {
    use respite_visit::Column as C;
    let mut q = respite_visit::Entity::find().filter(C::StationId.eq(station_id));
    if let Some(s) = status {
        q = q.filter(C::Status.eq(s.as_str()));
    }
    q.order_by_asc(C::ScheduledStart)
        .order_by_asc(C::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Visit::try_from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_are_billed_in_whole_units_rounded_up() {
        assert_eq!(billable(130, 30), 150);
        assert_eq!(billable(120, 30), 120);
        assert_eq!(billable(1, 30), 30);
        assert_eq!(billable(61, 60), 120);
        assert_eq!(billable(47, 1), 47);
    }

    #[test]
    fn each_state_can_only_be_left_the_documented_ways() {
        use VisitStatus::*;
        assert_eq!(VisitStatus::sources(Accepted), &[Requested]);
        assert_eq!(VisitStatus::sources(Completed), &[Accepted]);
        assert!(VisitStatus::sources(Cancelled).contains(&Accepted));
        assert!(!VisitStatus::sources(Cancelled).contains(&Completed));
        assert!(VisitStatus::sources(Requested).is_empty());
    }
}
