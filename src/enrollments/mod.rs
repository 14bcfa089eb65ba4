//! Enrollment in the ward's programs: a guardian applies for a child, staff approve (with a
//! validity period) or reject (with a reason), and the guardian may withdraw while pending.
//!
//! States: pending → approved | rejected | withdrawn. Each decision is a conditional update on
//! `status = 'pending'`, so two staff deciding at once cannot both succeed.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::clock::{from_micros, to_micros};
use crate::db;
use crate::entity::enrollment;
use crate::messages::Args;
use crate::text;
use crate::text::FieldError;

mod certificate;
mod eligibility;
mod renewal;
mod usable;
pub use certificate::record_certificate;
pub use eligibility::{Certificate, Unmet, UnmetDiscriminants, age_on};
pub use renewal::NextYear;
pub use usable::{check_enrolled_use, check_use, check_use_of};

use crate::config::{Eligibility, ProgramRules, ProgramTerms};

pub use crate::config::Program;

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = EnrollmentStatus)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Pending,
            Status::Approved,
            Status::Rejected,
            Status::Withdrawn,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum EnrollmentError {
    #[error("child not found")]
    ChildNotFound,
    #[error("enrollment not found")]
    NotFound,
    #[error("the application is already {current:?}")]
    NotPending { current: Status },
    #[error("the child already has an open application or a valid enrollment for this program")]
    AlreadyOpen,
    #[error("applications for the next fiscal year open on {}", .0.opens_on)]
    RenewalNotOpen(NextYear),
    #[error("the person does not meet the program's conditions: {0:?}")]
    NotEligible(Unmet),
    #[error("the enrollment is {current:?}, not approved")]
    NotApproved { current: Status },

    #[error(transparent)]
    InvalidField(#[from] crate::text::FieldError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for EnrollmentError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            EnrollmentError::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// What a family is told when its application is decided (`enrollment.*` notifications).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionEvent {
    pub child_id: Uuid,
    pub program: Program,
    pub status: Status,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// The ward's reason, for a rejection.
    pub reason: Option<String>,
}

/// An application or enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Enrollment {
    pub id: Uuid,
    pub child_id: Uuid,
    pub program: Program,
    pub status: Status,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub decision_reason: Option<String>,
    pub applied_by: Uuid,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Set for a renewal (更新申請): the first day of the fiscal year it is for. Its validity
    /// starts on or after this day.
    #[schema(example = "2027-04-01")]
    pub renewal_from: Option<NaiveDate>,
    /// The certificate staff recorded, where the program requires one (⑪: the 医療型短期入所
    /// 受給者証): its number and last valid day.
    #[schema(example = "1310900123")]
    pub certificate_number: Option<String>,
    #[schema(example = "2027-03-31")]
    pub certificate_valid_until: Option<NaiveDate>,
}

impl Enrollment {
    /// Approved and valid on the given local date.
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        self.status == Status::Approved
            && self.valid_from.is_none_or(|f| f <= date)
            && self.valid_until.is_none_or(|u| date <= u)
    }
}

impl TryFrom<enrollment::Model> for Enrollment {
    type Error = DbErr;

    fn try_from(m: enrollment::Model) -> Result<Self, DbErr> {
        let program = Program::parse(&m.program)
            .ok_or_else(|| DbErr::Custom(format!("unknown program {}", m.program)))?;
        let status = Status::parse(&m.status)
            .ok_or_else(|| DbErr::Custom(format!("unknown status {}", m.status)))?;
        Ok(Enrollment {
            id: m.id,
            child_id: m.child_id,
            program,
            status,
            valid_from: m.valid_from,
            valid_until: m.valid_until,
            decision_reason: m.decision_reason,
            applied_by: m.applied_by,
            decided_by: m.decided_by,
            decided_at: m.decided_at.map(from_micros),
            created_at: from_micros(m.created_at),
            renewal_from: m.renewal_from,
            certificate_number: m.certificate_number,
            certificate_valid_until: m.certificate_valid_until,
        })
    }
}

fn convert(rows: Vec<enrollment::Model>) -> Result<Vec<Enrollment>, DbErr> {
    rows.into_iter().map(Enrollment::try_from).collect()
}

/// Children with an approved enrollment in the program valid on some day of `[first, last]`.
pub async fn children_enrolled_between(
    conn: &impl ConnectionTrait,
    program: Program,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<std::collections::BTreeSet<Uuid>, DbErr> {
    let approved = enrollment::Entity::find()
        .filter(enrollment::Column::Program.eq(program.as_str()))
        .filter(enrollment::Column::Status.eq(Status::Approved.as_str()))
        .all(conn)
        .await?;
    Ok(approved
        .into_iter()
        .filter(|e| {
            e.valid_from.is_none_or(|f| f <= last) && e.valid_until.is_none_or(|u| first <= u)
        })
        .map(|e| e.child_id)
        .collect())
}

/// The child's approved enrollments in `program`, whatever their dates, as stored.
async fn approved_rows(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    program: Program,
) -> Result<Vec<enrollment::Model>, DbErr> {
    enrollment::Entity::find()
        .filter(enrollment::Column::ChildId.eq(child_id))
        .filter(enrollment::Column::Program.eq(program.as_str()))
        .filter(enrollment::Column::Status.eq(Status::Approved.as_str()))
        .all(conn)
        .await
}

/// Whether the child has an approved enrollment in the program on this local date.
pub async fn is_enrolled(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    program: Program,
    date: NaiveDate,
) -> Result<bool, DbErr> {
    Ok(approved_rows(conn, child_id, program)
        .await?
        .into_iter()
        .filter_map(|m| Enrollment::try_from(m).ok())
        .any(|e| e.is_active_on(date)))
}

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Enrollment>, DbErr> {
    enrollment::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Enrollment::try_from)
        .transpose()
}

/// What an application is checked against on the day it is made.
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    pub today: NaiveDate,
    pub next: NextYear,
    /// The program's settings in force today.
    pub rules: &'a ProgramRules,
}

/// A program's terms (offered, names, conditions) in one version of the settings; a program
/// the ward does not have is not offered.
pub fn terms_of(rules: &ProgramRules, program: Program) -> ProgramTerms<'_> {
    rules.terms_of(program).unwrap_or(ProgramTerms {
        offered: false,
        name_ja: "",
        name_en: "",
        eligibility: &NO_CONDITIONS,
    })
}

/// A program's eligibility in one version of the settings.
pub fn eligibility_of(rules: &ProgramRules, program: Program) -> &Eligibility {
    terms_of(rules, program).eligibility
}

static NO_CONDITIONS: std::sync::LazyLock<Eligibility> =
    std::sync::LazyLock::new(Eligibility::default);

/// A guardian applies to enroll one of their children: the person must meet the program's
/// conditions on their own record (care needs, age). While an approval is valid, the only
/// application accepted is a renewal for the next fiscal year, once renewals for it are open.
pub async fn apply(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    terms: Terms<'_>,
    child_id: Uuid,
    program: Program,
) -> Result<Enrollment, EnrollmentError> {
    let (today, next) = (terms.today, terms.next);
    if !terms_of(terms.rules, program).offered {
        return Err(EnrollmentError::NotEligible(Unmet::NotOffered));
    }
    let conditions = eligibility_of(terms.rules, program).clone();
    let id = Uuid::new_v4();
    let applied_by = actor.id.unwrap_or_default();
    let result = db::write(db, |tx| {
        let (actor, conditions) = (actor.clone(), conditions.clone());
        Box::pin(async move {
            let actor = &actor;
            let person = crate::households::find_child(tx, child_id)
                .await?
                .ok_or(EnrollmentError::ChildNotFound)?;
            eligibility::check_person(&conditions, &person.care_needs, person.birth_date, today)
                .map_err(EnrollmentError::NotEligible)?;
            let existing = convert(
                enrollment::Entity::find()
                    .filter(enrollment::Column::ChildId.eq(child_id))
                    .filter(enrollment::Column::Program.eq(program.as_str()))
                    .filter(enrollment::Column::Status.is_in(["pending", "approved"]))
                    .all(tx)
                    .await?,
            )?;
            if existing.iter().any(|e| e.status == Status::Pending) {
                return Err(EnrollmentError::AlreadyOpen);
            }
            let valid = |e: &&Enrollment, day: NaiveDate| {
                e.status == Status::Approved && e.valid_until.is_none_or(|u| day <= u)
            };
            let renewal_from = if !existing.iter().any(|e| valid(&e, today)) {
                None
            } else if existing.iter().any(|e| valid(&e, next.first_day)) {
                // Already valid into the next fiscal year: nothing to renew.
                return Err(EnrollmentError::AlreadyOpen);
            } else if !next.is_open_on(today) {
                return Err(EnrollmentError::RenewalNotOpen(next));
            } else {
                Some(next.first_day)
            };
            let model = enrollment::ActiveModel {
                id: Set(id),
                child_id: Set(child_id),
                program: Set(program.as_str().to_owned()),
                status: Set(Status::Pending.as_str().to_owned()),
                valid_from: Set(None),
                valid_until: Set(None),
                decision_reason: Set(None),
                applied_by: Set(applied_by),
                decided_by: Set(None),
                decided_at: Set(None),
                created_at: Set(to_micros(now)),
                renewal_from: Set(renewal_from),
                certificate_number: Set(None),
                certificate_valid_until: Set(None),
            };
            enrollment::Entity::insert(model)
                .exec_without_returning(tx)
                .await?;
            let created = find(tx, id).await?.ok_or(EnrollmentError::NotFound)?;
            audit::record(
                tx,
                actor,
                now,
                Change {
                    action: Action::EnrollmentApplied,
                    children: vec![created.child_id],
                    object_type: "enrollment",
                    object_id: Some(id),
                    before: None,
                    after: snapshot(&created),
                },
            )
            .await?;
            Ok(created)
        })
    })
    .await;
    match result {
        // Two applications racing: the partial unique index lets only one through.
        Err(EnrollmentError::Db(e)) if db::is_unique_violation(&e) => {
            Err(EnrollmentError::AlreadyOpen)
        }
        other => other,
    }
}

/// How staff (or the guardian) decide a pending application.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve {
        valid_from: NaiveDate,
        valid_until: Option<NaiveDate>,
        /// The certificate, where the program requires one.
        certificate: Option<Certificate>,
    },
    Reject {
        reason: String,
    },
    Withdraw,
}

impl Decision {
    fn status(&self) -> Status {
        match self {
            Decision::Approve { .. } => Status::Approved,
            Decision::Reject { .. } => Status::Rejected,
            Decision::Withdraw => Status::Withdrawn,
        }
    }

    /// The event the family is told of.
    fn event(&self) -> crate::notifications::EventKind {
        use crate::notifications::EventKind;
        match self {
            Decision::Approve { .. } => EventKind::EnrollmentApproved,
            Decision::Reject { .. } => EventKind::EnrollmentRejected,
            Decision::Withdraw => EventKind::EnrollmentWithdrawn,
        }
    }

    fn action(&self) -> Action {
        match self {
            Decision::Approve { .. } => Action::EnrollmentApproved,
            Decision::Reject { .. } => Action::EnrollmentRejected,
            Decision::Withdraw => Action::EnrollmentWithdrawn,
        }
    }

    /// Checks the decision's own data.
    pub fn validate(self) -> Result<Decision, EnrollmentError> {
        match self {
            Decision::Approve {
                valid_from,
                valid_until: Some(until),
                ..
            } if until < valid_from => Err(EnrollmentError::InvalidField(FieldError::said(
                "valid_until",
                "reason-must-not-be-before-valid-from",
                Args::new(),
            ))),
            Decision::Approve {
                valid_from,
                valid_until,
                certificate: Some(c),
            } => Ok(Decision::Approve {
                valid_from,
                valid_until,
                certificate: Some(c.validate()?),
            }),
            Decision::Reject { reason } => {
                let reason = text::multiline(&reason, 1000)
                    .map_err(|e| EnrollmentError::InvalidField(FieldError::text("reason", e)))?;
                Ok(Decision::Reject { reason })
            }
            other => Ok(other),
        }
    }
}

/// Applies a decision to a pending application.
pub async fn decide(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    terms: Terms<'_>,
    id: Uuid,
    decision: Decision,
) -> Result<Enrollment, EnrollmentError> {
    let decision = decision.validate()?;
    let (today, rules) = (terms.today, terms.rules.clone());
    db::write(db, |tx| {
        let (actor, rules) = (actor.clone(), rules.clone());
        let decision = decision.clone();
        Box::pin(async move {
            let actor = &actor;
            let before = find(tx, id).await?.ok_or(EnrollmentError::NotFound)?;
            if let Decision::Approve {
                valid_from,
                certificate,
                ..
            } = &decision
                && before.status == Status::Pending
            {
                renewal::check_start(before.renewal_from, *valid_from)?;
                let person = crate::households::find_child(tx, before.child_id)
                    .await?
                    .ok_or(EnrollmentError::ChildNotFound)?;
                let conditions = eligibility_of(&rules, before.program);
                eligibility::check_approval(conditions, &person, certificate.as_ref(), today)?;
            }
            let mut update = enrollment::Entity::update_many()
                .col_expr(
                    enrollment::Column::Status,
                    Expr::value(decision.status().as_str()),
                )
                .col_expr(enrollment::Column::DecidedBy, Expr::value(actor.id))
                .col_expr(enrollment::Column::DecidedAt, Expr::value(to_micros(now)));
            match &decision {
                Decision::Approve {
                    valid_from,
                    valid_until,
                    certificate,
                } => {
                    update = update
                        .col_expr(enrollment::Column::ValidFrom, Expr::value(*valid_from))
                        .col_expr(enrollment::Column::ValidUntil, Expr::value(*valid_until))
                        .col_expr(
                            enrollment::Column::CertificateNumber,
                            Expr::value(certificate.as_ref().map(|c| c.number.clone())),
                        )
                        .col_expr(
                            enrollment::Column::CertificateValidUntil,
                            Expr::value(certificate.as_ref().map(|c| c.valid_until)),
                        );
                }
                Decision::Reject { reason } => {
                    update = update.col_expr(
                        enrollment::Column::DecisionReason,
                        Expr::value(reason.clone()),
                    );
                }
                Decision::Withdraw => {}
            }
            let changed = update
                .filter(enrollment::Column::Id.eq(id))
                .filter(enrollment::Column::Status.eq(Status::Pending.as_str()))
                .exec(tx)
                .await?
                .rows_affected;
            if changed != 1 {
                return Err(EnrollmentError::NotPending {
                    current: before.status,
                });
            }
            let after = find(tx, id).await?.ok_or(EnrollmentError::NotFound)?;
            audit::record(
                tx,
                actor,
                now,
                Change {
                    action: decision.action(),
                    children: vec![after.child_id],
                    object_type: "enrollment",
                    object_id: Some(id),
                    before: snapshot(&before),
                    after: snapshot(&after),
                },
            )
            .await?;
            if !matches!(decision, Decision::Withdraw)
                && let Some(child) = crate::households::find_child(tx, after.child_id).await?
            {
                crate::notifications::notify(
                    tx,
                    now,
                    crate::notifications::Event {
                        kind: decision.event(),
                        recipient: crate::notifications::Recipient::Household(child.household_id),
                        subject_type: "enrollment",
                        subject_id: id,
                        data: serde_json::to_value(DecisionEvent {
                            child_id: after.child_id,
                            program: after.program,
                            status: after.status,
                            valid_from: after.valid_from,
                            valid_until: after.valid_until,
                            reason: after.decision_reason.clone(),
                        })
                        .unwrap_or_default(),
                        words: crate::notifications::Words::Decision {
                            child: child.full_name(),
                            program: crate::notifications::ProgramName::of(&rules, after.program),
                            valid_from: after.valid_from,
                            reason: after.decision_reason.clone(),
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

/// A child's applications and enrollments, newest first.
pub async fn list_for_child(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    limit: u64,
    offset: u64,
) -> Result<Vec<Enrollment>, DbErr> {
    convert(
        enrollment::Entity::find()
            .filter(enrollment::Column::ChildId.eq(child_id))
            .order_by_desc(enrollment::Column::CreatedAt)
            .order_by_desc(enrollment::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(conn)
            .await?,
    )
}

/// Applications in a given state, oldest first (the staff queue).
pub async fn list_by_status(
    conn: &impl ConnectionTrait,
    status: Status,
    program: Option<Program>,
    renewal: Option<bool>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Enrollment>, DbErr> {
    let mut q = enrollment::Entity::find().filter(enrollment::Column::Status.eq(status.as_str()));
    if let Some(p) = program {
        q = q.filter(enrollment::Column::Program.eq(p.as_str()));
    }
    q = match renewal {
        Some(true) => q.filter(enrollment::Column::RenewalFrom.is_not_null()),
        Some(false) => q.filter(enrollment::Column::RenewalFrom.is_null()),
        None => q,
    };
    convert(
        q.order_by_asc(enrollment::Column::CreatedAt)
            .order_by_asc(enrollment::Column::Id)
            .limit(limit)
            .offset(offset)
            .all(conn)
            .await?,
    )
}
