//! Whether a person may use a program on a day: each voucher shown, verified and redeemed, and
//! each visit, stay and booking checks it at the moment it is made.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::eligibility::{self, Certificate, Unmet};
use super::{Enrollment, convert, terms_of};
use crate::config::{Eligibility, Program, ProgramRules};

/// Whether the person may use the program on `day` (each voucher shown, verified and redeemed):
/// their record meets the program's conditions and, where a certificate is required, the one
/// on their enrollment valid that day is still valid. A program without conditions reads nothing.
pub async fn check_use(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
    child_id: Uuid,
    program: Program,
    day: NaiveDate,
) -> Result<Result<(), Unmet>, DbErr> {
    let terms = terms_of(rules, program);
    if !terms.offered {
        return Ok(Err(Unmet::NotOffered));
    }
    if *terms.eligibility == Eligibility::default() {
        return Ok(Ok(()));
    }
    let Some(person) = crate::households::find_child(conn, child_id).await? else {
        return Err(DbErr::RecordNotFound(format!("child {child_id}")));
    };
    check_use_of(conn, rules, &person, program, day).await
}

/// [`check_use`] for a person whose record the caller has already read.
pub async fn check_use_of(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
    person: &crate::households::Child,
    program: Program,
    day: NaiveDate,
) -> Result<Result<(), Unmet>, DbErr> {
    let conditions = match person_meets(rules, person, program, day) {
        Ok(conditions) => conditions,
        Err(unmet) => return Ok(Err(unmet)),
    };
    if conditions.certificate.is_none() {
        return Ok(Ok(()));
    }
    let enrolled = approved_of(conn, person.id, program).await?;
    Ok(check_certificate_on(conditions, &enrolled, day))
}

/// Whether a code may be honoured today, in one read of the person's approvals: enrolled on
/// `day` (`Ok(false)` when not), and meeting the program's conditions (as [`check_use_of`]).
pub async fn check_enrolled_use(
    conn: &impl ConnectionTrait,
    rules: &ProgramRules,
    person: &crate::households::Child,
    program: Program,
    day: NaiveDate,
) -> Result<Result<bool, Unmet>, DbErr> {
    let enrolled = approved_of(conn, person.id, program).await?;
    if !enrolled.iter().any(|e| e.is_active_on(day)) {
        return Ok(Ok(false));
    }
    let conditions = match person_meets(rules, person, program, day) {
        Ok(conditions) => conditions,
        Err(unmet) => return Ok(Err(unmet)),
    };
    Ok(check_certificate_on(conditions, &enrolled, day).map(|()| true))
}

/// The person's approved enrollments in `program`, whatever their dates.
async fn approved_of(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    program: Program,
) -> Result<Vec<Enrollment>, DbErr> {
    convert(super::approved_rows(conn, child_id, program).await?)
}

/// The program is offered and the person's own record (care needs, age) meets its conditions
/// on `day`; the conditions, for the certificate check that may follow.
fn person_meets<'r>(
    rules: &'r ProgramRules,
    person: &crate::households::Child,
    program: Program,
    day: NaiveDate,
) -> Result<&'r Eligibility, Unmet> {
    let terms = terms_of(rules, program);
    if !terms.offered {
        return Err(Unmet::NotOffered);
    }
    eligibility::check_person(
        terms.eligibility,
        &person.care_needs,
        person.birth_date,
        day,
    )?;
    Ok(terms.eligibility)
}

/// The certificate condition, against the newest certificate of the approvals active on `day`.
fn check_certificate_on(
    conditions: &Eligibility,
    enrolled: &[Enrollment],
    day: NaiveDate,
) -> Result<(), Unmet> {
    if conditions.certificate.is_none() {
        return Ok(());
    }
    let certificate = enrolled
        .iter()
        .filter(|e| e.is_active_on(day))
        .filter_map(|e| {
            Some(Certificate {
                number: e.certificate_number.clone()?,
                valid_until: e.certificate_valid_until?,
            })
        })
        .max_by_key(|c| c.valid_until);
    eligibility::check_certificate(conditions, certificate.as_ref(), day)
}
