//! Medical short stays (⑧ 障害者医療ショートステイ事業): when caregivers temporarily cannot
//! care at home, a guardian asks for a stay; staff approve it (assigning a contracted medical
//! institution and confirmed dates, which may differ from the wish) or reject it with a
//! reason; the institution records the admission and the discharge.
//!
//! States: submitted → approved | rejected | withdrawn; approved → admitted → discharged;
//! approved → cancelled (by staff, with a reason, before the admission).
//! Each move is one conditional update from the states allowed (409 otherwise), audited, and
//! notified in the same transaction.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::clock::{Calendar, FiscalYear, from_micros, to_micros};
use crate::config::RuleBook;
use crate::config::ShortStayRules;
use crate::db;
use crate::enrollments;
use crate::enrollments::is_enrolled;
use crate::entity::short_stay;
use crate::households::CareNeed;
use crate::households::disclosure::{self, Disclosure};
use crate::messages::{Arg, Args};
use crate::notifications::{Event, EventKind, Recipient, Words, notify};
use crate::partners::{self, PartnerKind};
use crate::text::{self, FieldError};
use std::sync::Arc;

mod figures;
pub use figures::uses;

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum ShortStayError {
    #[error("the child is not enrolled in the short-stay program")]
    NotEnrolled,
    #[error("the person does not meet the program's conditions: {0:?}")]
    Ineligible(crate::enrollments::Unmet),
    #[error("short stay not found")]
    NotFound,
    #[error("a {from:?} request cannot be {to}")]
    InvalidTransition { from: StayStatus, to: &'static str },
    #[error("an admission must be recorded on the confirmed dates")]
    AdmissionOutsideDates {
        earliest: NaiveDate,
        latest: NaiveDate,
    },
    #[error(transparent)]
    InvalidField(#[from] FieldError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for ShortStayError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            ShortStayError::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// Why the family asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StayReason {
    /// 介護者の疾病
    CaregiverIllness,
    /// 介護者の入院
    CaregiverHospitalisation,
    /// 冠婚葬祭・家族の事情
    FamilyEmergency,
    /// 介護者の休息（レスパイト）
    CaregiverRest,
    /// その他
    Other,
}

impl StayReason {
    pub fn as_str(self) -> &'static str {
        match self {
            StayReason::CaregiverIllness => "caregiver_illness",
            StayReason::CaregiverHospitalisation => "caregiver_hospitalisation",
            StayReason::FamilyEmergency => "family_emergency",
            StayReason::CaregiverRest => "caregiver_rest",
            StayReason::Other => "other",
        }
    }

    fn parse(s: &str) -> Option<StayReason> {
        use StayReason::*;
        [
            CaregiverIllness,
            CaregiverHospitalisation,
            FamilyEmergency,
            CaregiverRest,
            Other,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StayStatus {
    Submitted,
    Approved,
    Rejected,
    Withdrawn,
    Admitted,
    Discharged,
    /// Called off by the ward after approval, before the admission.
    Cancelled,
}

impl StayStatus {
    pub const ALL: [StayStatus; 7] = [
        StayStatus::Submitted,
        StayStatus::Approved,
        StayStatus::Rejected,
        StayStatus::Withdrawn,
        StayStatus::Admitted,
        StayStatus::Discharged,
        StayStatus::Cancelled,
    ];

    /// What the audit log records when a stay reaches this status.
    fn action(self) -> Action {
        match self {
            StayStatus::Submitted => Action::ShortStaySubmitted,
            StayStatus::Approved => Action::ShortStayApproved,
            StayStatus::Rejected => Action::ShortStayRejected,
            StayStatus::Withdrawn => Action::ShortStayWithdrawn,
            StayStatus::Admitted => Action::ShortStayAdmitted,
            StayStatus::Discharged => Action::ShortStayDischarged,
            StayStatus::Cancelled => Action::ShortStayCancelled,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StayStatus::Submitted => "submitted",
            StayStatus::Approved => "approved",
            StayStatus::Rejected => "rejected",
            StayStatus::Withdrawn => "withdrawn",
            StayStatus::Admitted => "admitted",
            StayStatus::Discharged => "discharged",
            StayStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<StayStatus> {
        StayStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The state's name in Japanese, for messages.
    pub fn ja(self) -> &'static str {
        match self {
            StayStatus::Submitted => "審査中",
            StayStatus::Approved => "承認済み",
            StayStatus::Rejected => "却下済み",
            StayStatus::Withdrawn => "取下げ済み",
            StayStatus::Admitted => "入所中",
            StayStatus::Discharged => "退所済み",
            StayStatus::Cancelled => "取消済み",
        }
    }

    /// The one state a move to `to` may start from.
    fn source(to: StayStatus) -> Option<StayStatus> {
        use StayStatus::*;
        match to {
            Approved | Rejected | Withdrawn => Some(Submitted),
            Admitted | Cancelled => Some(Approved),
            Discharged => Some(Admitted),
            Submitted => None,
        }
    }
}

/// A short-stay request as families, staff and institutions see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShortStay {
    pub id: Uuid,
    pub child_id: Uuid,
    pub desired_from: NaiveDate,
    pub desired_until: NaiveDate,
    pub reason: StayReason,
    pub reason_detail: String,
    pub care_needs: Vec<CareNeed>,
    /// How to reach the family about the stay.
    pub contact: String,
    pub status: StayStatus,
    pub institution_id: Option<Uuid>,
    /// The institution's name, once one is assigned (so a family need not look it up).
    pub institution_name: Option<String>,
    pub confirmed_from: Option<NaiveDate>,
    pub confirmed_until: Option<NaiveDate>,
    /// Staff's reason for a rejection.
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub admitted_at: Option<DateTime<Utc>>,
    pub discharged_at: Option<DateTime<Utc>>,
    /// When the ward cancelled the approved stay, and why.
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ShortStay {
    /// How much of the family the assigned institution sees (see
    /// [`crate::households::disclosure`]): in full from assignment until `window` after the stay
    /// ends (the discharge, or the end of its last confirmed day); a summary otherwise.
    pub fn partner_disclosure(
        &self,
        cal: &Calendar,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Disclosure {
        let serves = self.institution_id.is_some()
            && matches!(
                self.status,
                StayStatus::Approved | StayStatus::Admitted | StayStatus::Discharged
            );
        let ends = self.discharged_at.or_else(|| {
            self.confirmed_until
                .and_then(|d| d.succ_opt())
                .map(|d| cal.start_of_day(d))
        });
        match ends {
            Some(ends) => disclosure::level(serves, ends, now, window),
            None => Disclosure::Summary,
        }
    }
}

impl TryFrom<short_stay::Model> for ShortStay {
    type Error = DbErr;
    fn try_from(m: short_stay::Model) -> Result<Self, DbErr> {
        let bad = |what: &str, v: &str| DbErr::Custom(format!("unknown {what} {v}"));
        Ok(ShortStay {
            id: m.id,
            child_id: m.child_id,
            desired_from: m.desired_from,
            desired_until: m.desired_until,
            reason: StayReason::parse(&m.reason).ok_or_else(|| bad("reason", &m.reason))?,
            reason_detail: m.reason_detail,
            care_needs: serde_json::from_str(&m.care_needs).unwrap_or_default(),
            contact: m.contact,
            status: StayStatus::parse(&m.status).ok_or_else(|| bad("status", &m.status))?,
            institution_id: m.institution_id,
            institution_name: None,
            confirmed_from: m.confirmed_from,
            confirmed_until: m.confirmed_until,
            decision_reason: m.decision_reason,
            decided_at: m.decided_at.map(from_micros),
            admitted_at: m.admitted_at.map(from_micros),
            discharged_at: m.discharged_at.map(from_micros),
            cancelled_at: m.cancelled_at.map(from_micros),
            cancel_reason: m.cancel_reason,
            created_at: from_micros(m.created_at),
        })
    }
}

fn field(name: &'static str, id: &str, args: Args) -> ShortStayError {
    ShortStayError::InvalidField(FieldError::said(name, id, args))
}

/// Checks a span of days: the end not before the start, at most the configured stay length.
fn dates(
    from: NaiveDate,
    until: NaiveDate,
    until_field: &'static str,
    rules: &ShortStayRules,
) -> Result<(), ShortStayError> {
    if until < from {
        return Err(field(
            until_field,
            "reason-must-not-be-before-the-first",
            Args::new(),
        ));
    }
    let max = rules.max_stay_days;
    if (until - from).num_days() + 1 > max {
        return Err(field(
            until_field,
            "reason-stay-too-long",
            Args::new().with("count", Arg::Count(max)),
        ));
    }
    Ok(())
}

/// What a guardian asks for, as received.
#[derive(Debug, Clone)]
pub struct StayInput {
    pub desired_from: NaiveDate,
    pub desired_until: NaiveDate,
    pub reason: StayReason,
    pub reason_detail: String,
    pub care_needs: Vec<CareNeed>,
    pub contact: String,
}

/// A request that passed the checks that need no database.
#[derive(Debug, Clone)]
pub struct NewStay(StayInput);

impl NewStay {
    /// Dates from today, at most the configured stay length and within the configured
    /// horizon; the contact given; the detail bounded; care needs listed once.
    pub fn parse(
        input: StayInput,
        today: NaiveDate,
        rules: &ShortStayRules,
    ) -> Result<NewStay, ShortStayError> {
        if input.desired_from < today {
            return Err(field(
                "desired_from",
                "reason-must-be-today-or-later",
                Args::new(),
            ));
        }
        let horizon = rules.request_horizon_days;
        if input.desired_from > today + Duration::days(horizon) {
            return Err(field(
                "desired_from",
                "reason-too-far-ahead-day",
                Args::new().with("count", Arg::Count(horizon)),
            ));
        }
        dates(
            input.desired_from,
            input.desired_until,
            "desired_until",
            rules,
        )?;
        let contact =
            text::bounded(&input.contact, 100).map_err(|e| FieldError::text("contact", e))?;
        let reason_detail = if input.reason_detail.trim().is_empty() {
            String::new()
        } else {
            text::multiline(&input.reason_detail, 1000)
                .map_err(|e| FieldError::text("reason_detail", e))?
        };
        let care_needs = crate::households::distinct_care_needs(input.care_needs)?;
        Ok(NewStay(StayInput {
            contact,
            reason_detail,
            care_needs,
            ..input
        }))
    }
}

async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<ShortStay, ShortStayError> {
    let stay = short_stay::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ShortStayError::NotFound)
        .and_then(|m| Ok(ShortStay::try_from(m)?))?;
    Ok(named(conn, vec![stay]).await?.remove(0))
}

/// The stays with their institutions' names.
async fn named(
    conn: &impl ConnectionTrait,
    mut stays: Vec<ShortStay>,
) -> Result<Vec<ShortStay>, DbErr> {
    let ids: Vec<Uuid> = stays.iter().filter_map(|s| s.institution_id).collect();
    let names: std::collections::HashMap<Uuid, String> = partners::by_ids(conn, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    for s in &mut stays {
        s.institution_name = s.institution_id.and_then(|i| names.get(&i).cloned());
    }
    Ok(stays)
}

/// What a family or institution is told of a stay (`short_stay.*` notifications).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StayEvent {
    pub child_id: Uuid,
    pub status: StayStatus,
    pub institution_id: Option<Uuid>,
    pub confirmed_from: Option<NaiveDate>,
    pub confirmed_until: Option<NaiveDate>,
    /// The ward's reason, for a rejection or a cancellation.
    pub reason: Option<String>,
}

/// A stay's event for one recipient, worded: a family hears its child's name and the
/// institution, the institution the initials only (its list shows more, see
/// `households::disclosure`).
async fn stay_event(
    tx: &impl ConnectionTrait,
    kind: EventKind,
    recipient: Recipient,
    s: &ShortStay,
) -> Result<Event<'static>, DbErr> {
    let to_family = matches!(recipient, Recipient::Household(_));
    let child = disclosure::name_in_notice(tx, s.child_id, to_family).await?;
    let institution = match s.institution_id {
        Some(id) => partners::get_partner(tx, id).await.ok().map(|p| p.name),
        None => None,
    };
    let words = Words::Stay {
        child,
        institution,
        from: s.confirmed_from,
        until: s.confirmed_until,
        reason: s
            .cancel_reason
            .clone()
            .or_else(|| s.decision_reason.clone()),
    };
    Ok(Event {
        words,
        kind,
        recipient,
        subject_type: "short_stay",
        subject_id: s.id,
        data: serde_json::to_value(StayEvent {
            child_id: s.child_id,
            status: s.status,
            institution_id: s.institution_id,
            confirmed_from: s.confirmed_from,
            confirmed_until: s.confirmed_until,
            reason: s
                .cancel_reason
                .clone()
                .or_else(|| s.decision_reason.clone()),
        })
        .unwrap_or_default(),
    })
}

/// Whose stay (the child and its household) and who asks for it.
#[derive(Debug, Clone, Copy)]
pub struct ForChild {
    pub household_id: Uuid,
    pub child_id: Uuid,
    pub requested_by: Uuid,
}

/// A guardian asks for a stay for a person enrolled in the program today who meets its
/// conditions today (the program's settings in force today).
pub async fn request(
    db: &crate::db::Db,
    rules: &Arc<RuleBook>,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
    who: ForChild,
    stay: NewStay,
) -> Result<ShortStay, ShortStayError> {
    let ForChild {
        household_id,
        child_id,
        requested_by,
    } = who;
    db::write(db, |tx| {
        let (actor, s, rules) = (actor.clone(), stay.0.clone(), rules.clone());
        Box::pin(async move {
            let in_force = rules.on(today);
            let program = in_force.short_stay.id;
            if !is_enrolled(tx, child_id, program, today).await? {
                return Err(ShortStayError::NotEnrolled);
            }
            enrollments::check_use(tx, in_force, child_id, program, today)
                .await?
                .map_err(ShortStayError::Ineligible)?;
            let id = Uuid::new_v4();
            short_stay::Entity::insert(short_stay::ActiveModel {
                id: Set(id),
                child_id: Set(child_id),
                household_id: Set(household_id),
                desired_from: Set(s.desired_from),
                desired_until: Set(s.desired_until),
                reason: Set(s.reason.as_str().into()),
                reason_detail: Set(s.reason_detail.clone()),
                care_needs: Set(
                    serde_json::to_string(&s.care_needs).unwrap_or_else(|_| "[]".into())
                ),
                contact: Set(s.contact.clone()),
                status: Set(StayStatus::Submitted.as_str().into()),
                institution_id: Set(None),
                confirmed_from: Set(None),
                confirmed_until: Set(None),
                decision_reason: Set(None),
                decided_by: Set(None),
                decided_at: Set(None),
                admitted_at: Set(None),
                discharged_at: Set(None),
                withdrawn_at: Set(None),
                cancelled_at: Set(None),
                cancelled_by: Set(None),
                cancel_reason: Set(None),
                requested_by: Set(requested_by),
                created_at: Set(to_micros(now)),
                updated_at: Set(to_micros(now)),
            })
            .exec_without_returning(tx)
            .await?;
            let created = get(tx, id).await?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::ShortStaySubmitted,
                    children: vec![created.child_id],
                    object_type: "short_stay",
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

/// Who acts on a request; what they may see decides what is "not found".
#[derive(Debug, Clone, Copy)]
pub enum Party {
    Household(Uuid),
    /// The institution assigned to the stay.
    Institution(Uuid),
    Staff,
}

impl Party {
    fn may_see(self, m: &short_stay::Model) -> bool {
        match self {
            Party::Household(h) => m.household_id == h,
            Party::Institution(i) => m.institution_id == Some(i),
            Party::Staff => true,
        }
    }
}

/// A request the party may see.
pub async fn visible(
    conn: &impl ConnectionTrait,
    party: Party,
    id: Uuid,
) -> Result<ShortStay, ShortStayError> {
    match short_stay::Entity::find_by_id(id).one(conn).await? {
        Some(m) if party.may_see(&m) => {
            Ok(named(conn, vec![ShortStay::try_from(m)?]).await?.remove(0))
        }
        _ => Err(ShortStayError::NotFound),
    }
}

/// A decision or record on a request.
#[derive(Debug, Clone)]
pub enum Step {
    Withdraw,
    Approve {
        institution_id: Uuid,
        confirmed_from: NaiveDate,
        confirmed_until: NaiveDate,
    },
    Reject {
        reason: String,
    },
    /// The admission, at the time given (after the fact) or now.
    Admit {
        at: Option<DateTime<Utc>>,
    },
    /// The discharge, at the time given (after the fact) or now.
    Discharge {
        at: Option<DateTime<Utc>>,
    },
    /// The ward calls an approved stay off, with the reason the family and institution read.
    Cancel {
        reason: String,
    },
}

impl Step {
    fn target(&self) -> StayStatus {
        match self {
            Step::Withdraw => StayStatus::Withdrawn,
            Step::Approve { .. } => StayStatus::Approved,
            Step::Reject { .. } => StayStatus::Rejected,
            Step::Admit { .. } => StayStatus::Admitted,
            Step::Discharge { .. } => StayStatus::Discharged,
            Step::Cancel { .. } => StayStatus::Cancelled,
        }
    }

    /// Checks the step's own data.
    pub fn check(self, rules: &ShortStayRules) -> Result<Step, ShortStayError> {
        match self {
            Step::Approve {
                confirmed_from,
                confirmed_until,
                ..
            } => dates(confirmed_from, confirmed_until, "confirmed_until", rules).map(|()| self),
            Step::Reject { reason } => Ok(Step::Reject {
                reason: text::multiline(&reason, 500).map_err(|e| FieldError::text("reason", e))?,
            }),
            Step::Cancel { reason } => Ok(Step::Cancel {
                reason: text::multiline(&reason, 500).map_err(|e| FieldError::text("reason", e))?,
            }),
            other => Ok(other),
        }
    }
}

/// What every step needs besides the request.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub db: &'a crate::db::Db,
    pub rules: &'a ShortStayRules,
    pub calendar: Calendar,
}

/// When an admission or discharge happened: given after the fact or now, never in the future;
/// an admission on the confirmed dates (from the configured tolerance before the first day to
/// the last day), a discharge not before the admission.
fn moment(
    rules: &ShortStayRules,
    cal: &Calendar,
    stay: &ShortStay,
    step: &Step,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ShortStayError> {
    let (at, name) = match step {
        Step::Admit { at } => (at.unwrap_or(now), "admitted_at"),
        Step::Discharge { at } => (at.unwrap_or(now), "discharged_at"),
        _ => return Ok(None),
    };
    if at > now {
        return Err(field(
            name,
            "reason-is-in-the-future-record-it",
            Args::new(),
        ));
    }
    match step {
        Step::Admit { .. } => {
            if let (Some(from), Some(until)) = (stay.confirmed_from, stay.confirmed_until) {
                let earliest = from - Duration::days(rules.admission_tolerance_days);
                let day = cal.local_date(at);
                if day < earliest || day > until {
                    return Err(ShortStayError::AdmissionOutsideDates {
                        earliest,
                        latest: until,
                    });
                }
            }
        }
        _ => {
            if stay.admitted_at.is_some_and(|admitted| at < admitted) {
                return Err(field(name, "reason-is-before-the-admission", Args::new()));
            }
        }
    }
    Ok(Some(at))
}

/// Moves a request one step, audited and notified in the same transaction.
pub async fn step(
    ctx: &Context<'_>,
    actor: &Actor,
    now: DateTime<Utc>,
    party: Party,
    id: Uuid,
    step: Step,
) -> Result<ShortStay, ShortStayError> {
    let step = step.check(ctx.rules)?;
    let (rules, cal) = (ctx.rules.clone(), ctx.calendar);
    db::write(ctx.db, |tx| {
        let (actor, step, rules) = (actor.clone(), step.clone(), rules.clone());
        Box::pin(async move {
            use short_stay::Column as C;
            let (before, household) = match short_stay::Entity::find_by_id(id).one(tx).await? {
                Some(m) if party.may_see(&m) => {
                    let household = m.household_id;
                    (ShortStay::try_from(m)?, household)
                }
                _ => return Err(ShortStayError::NotFound),
            };
            let to = step.target();
            let invalid = ShortStayError::InvalidTransition {
                from: before.status,
                to: to.as_str(),
            };
            let Some(from) = StayStatus::source(to).filter(|f| *f == before.status) else {
                return Err(invalid);
            };
            let t = to_micros(now);
            let mut update = short_stay::Entity::update_many()
                .col_expr(C::Status, Expr::value(to.as_str()))
                .col_expr(C::UpdatedAt, Expr::value(t))
                .filter(C::Id.eq(id))
                .filter(C::Status.eq(from.as_str()));
            update = match &step {
                Step::Withdraw => update.col_expr(C::WithdrawnAt, Expr::value(t)),
                Step::Approve {
                    institution_id,
                    confirmed_from,
                    confirmed_until,
                } => {
                    let ok = partners::active_of_kinds(
                        tx,
                        *institution_id,
                        &[PartnerKind::MedicalInstitution],
                    )
                    .await?;
                    if ok.is_none() {
                        return Err(field(
                            "institution_id",
                            "reason-is-not-a-contracted-medical-institution",
                            Args::new(),
                        ));
                    }
                    update
                        .col_expr(C::InstitutionId, Expr::value(*institution_id))
                        .col_expr(C::ConfirmedFrom, Expr::value(*confirmed_from))
                        .col_expr(C::ConfirmedUntil, Expr::value(*confirmed_until))
                        .col_expr(C::DecidedBy, Expr::value(actor.id))
                        .col_expr(C::DecidedAt, Expr::value(t))
                }
                Step::Reject { reason } => update
                    .col_expr(C::DecisionReason, Expr::value(reason.clone()))
                    .col_expr(C::DecidedBy, Expr::value(actor.id))
                    .col_expr(C::DecidedAt, Expr::value(t)),
                Step::Cancel { reason } => update
                    .col_expr(C::CancelReason, Expr::value(reason.clone()))
                    .col_expr(C::CancelledBy, Expr::value(actor.id))
                    .col_expr(C::CancelledAt, Expr::value(t)),
                Step::Admit { .. } => update.col_expr(
                    C::AdmittedAt,
                    Expr::value(moment(&rules, &cal, &before, &step, now)?.map(to_micros)),
                ),
                Step::Discharge { .. } => update.col_expr(
                    C::DischargedAt,
                    Expr::value(moment(&rules, &cal, &before, &step, now)?.map(to_micros)),
                ),
            };
            if update.exec(tx).await?.rows_affected != 1 {
                return Err(invalid);
            }
            let after = get(tx, id).await?;
            let action = to.action();
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action,
                    children: vec![after.child_id],
                    object_type: "short_stay",
                    object_id: Some(id),
                    before: snapshot(&before),
                    after: snapshot(&after),
                },
            )
            .await?;
            if !matches!(step, Step::Withdraw)
                && let Some(kind) = EventKind::parse(action.as_str())
            {
                let event = stay_event(tx, kind, Recipient::Household(household), &after).await?;
                notify(tx, now, event).await?;
            }
            // The institution no longer expects the child.
            if let (Step::Cancel { .. }, Some(institution_id)) = (&step, after.institution_id) {
                let event = stay_event(
                    tx,
                    EventKind::ShortStayCancelled,
                    Recipient::Partner(institution_id),
                    &after,
                )
                .await?;
                notify(tx, now, event).await?;
            }
            if let Step::Approve { institution_id, .. } = &step {
                let event = stay_event(
                    tx,
                    EventKind::ShortStayAssigned,
                    Recipient::Partner(*institution_id),
                    &after,
                )
                .await?;
                notify(tx, now, event).await?;
            }
            Ok(after)
        })
    })
    .await
}

/// Requests, oldest first: a child's, an institution's, or (staff) all, optionally by state.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Child(Uuid),
    Institution(Uuid),
    All,
}

pub async fn list(
    conn: &impl ConnectionTrait,
    scope: Scope,
    status: Option<StayStatus>,
    limit: u64,
    offset: u64,
) -> Result<Vec<ShortStay>, DbErr> {
    use short_stay::Column as C;
    let mut q = short_stay::Entity::find();
    q = match scope {
        Scope::Child(c) => q.filter(C::ChildId.eq(c)),
        Scope::Institution(i) => q.filter(C::InstitutionId.eq(i)),
        Scope::All => q,
    };
    if let Some(s) = status {
        q = q.filter(C::Status.eq(s.as_str()));
    }
    let stays = q
        .order_by_asc(C::CreatedAt)
        .order_by_asc(C::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(ShortStay::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    named(conn, stays).await
}

/// A child's newest requests first (the child's page).
pub async fn recent_of_child(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    limit: u64,
) -> Result<Vec<ShortStay>, DbErr> {
    use short_stay::Column as C;
    let stays = short_stay::Entity::find()
        .filter(C::ChildId.eq(child_id))
        .order_by_desc(C::CreatedAt)
        .order_by_desc(C::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(ShortStay::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    named(conn, stays).await
}

/// A fiscal year's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct YearCounts {
    /// "FY2024".
    pub fiscal_year: String,
    /// Requests made in the year.
    pub requested: i64,
    pub approved: i64,
    pub rejected: i64,
    pub withdrawn: i64,
    /// Approved stays the ward cancelled before the admission.
    pub cancelled: i64,
    /// Stays that began in the year (admissions): the seed's "cases" (4 in FY2024).
    pub cases: i64,
    pub discharged: i64,
}

pub async fn year_counts(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    fy: FiscalYear,
) -> Result<YearCounts, DbErr> {
    use short_stay::Column as C;
    let (from, to) = cal.fiscal_year_bounds(fy);
    let (from, to) = (to_micros(from), to_micros(to));
    let all = short_stay::Entity::find()
        .filter(
            C::CreatedAt
                .gte(from)
                .and(C::CreatedAt.lt(to))
                .or(C::AdmittedAt.gte(from).and(C::AdmittedAt.lt(to))),
        )
        .all(conn)
        .await?;
    let made: Vec<_> = all
        .iter()
        .filter(|m| (from..to).contains(&m.created_at))
        .collect();
    let count = |s: StayStatus| {
        made.iter()
            .filter(|m| {
                m.status == s.as_str()
                    || matches!(
                        (s, StayStatus::parse(&m.status)),
                        (
                            StayStatus::Approved,
                            Some(
                                StayStatus::Admitted
                                    | StayStatus::Discharged
                                    | StayStatus::Cancelled
                            )
                        )
                    )
            })
            .count() as i64
    };
    let in_year = |t: Option<i64>| t.is_some_and(|t| (from..to).contains(&t));
    Ok(YearCounts {
        fiscal_year: format!("FY{}", fy.0),
        requested: made.len() as i64,
        approved: count(StayStatus::Approved),
        rejected: count(StayStatus::Rejected),
        withdrawn: count(StayStatus::Withdrawn),
        cancelled: count(StayStatus::Cancelled),
        cases: all.iter().filter(|m| in_year(m.admitted_at)).count() as i64,
        discharged: all.iter().filter(|m| in_year(m.discharged_at)).count() as i64,
    })
}
