//! Who may use a program: the conditions of the program's configuration (care needs, a
//! certificate and its validity, an age range), checked when a family applies, when staff
//! approve, and at every use of a voucher program. One place decides; a refusal names the
//! unmet condition.

use chrono::{Datelike, NaiveDate};

use super::EnrollmentError;
use crate::care_needs::CareNeed;
use crate::config::Eligibility;
use crate::households::Child;
use crate::messages::{Arg, Args};
use crate::text::FieldError;

/// The recipient certificate (受給者証) staff recorded at approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub number: String,
    pub valid_until: NaiveDate,
}

/// A condition the person does not meet.
#[derive(Debug, Clone, PartialEq, Eq, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum Unmet {
    /// The ward does not run the program (now, or on the day of the act).
    NotOffered,
    /// None of the care needs the program requires is on the person's record.
    CareNeeds { any_of: Vec<CareNeed> },
    /// Younger or older than the program allows on the day of the act.
    Age {
        age: u32,
        min: Option<u32>,
        max: Option<u32>,
    },
    /// The program requires a certificate and none was recorded.
    CertificateMissing { name_ja: String, name_en: String },
    /// The recorded certificate ended before the day of the act.
    CertificateExpired {
        name_ja: String,
        name_en: String,
        valid_until: NaiveDate,
    },
}

impl Certificate {
    /// A number as printed on the certificate: 1 to 20 letters, digits or hyphens.
    pub fn validate(self) -> Result<Certificate, FieldError> {
        let number = self.number.trim().to_owned();
        let fine = (1..=20).contains(&number.chars().count())
            && number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !fine {
            return Err(FieldError::said(
                "certificate.number",
                "reason-must-be-1-to-20-letters",
                Args::new(),
            ));
        }
        Ok(Certificate { number, ..self })
    }
}

/// What staff approving an application must see: the person meets the program's conditions
/// today, and the certificate the program requires is given and valid today.
pub fn check_approval(
    rule: &Eligibility,
    person: &Child,
    certificate: Option<&Certificate>,
    today: NaiveDate,
) -> Result<(), EnrollmentError> {
    check_person(rule, &person.care_needs, person.birth_date, today)
        .map_err(EnrollmentError::NotEligible)?;
    match check_certificate(rule, certificate, today) {
        Ok(()) => Ok(()),
        Err(Unmet::CertificateMissing { name_ja, name_en }) => Err(FieldError::said(
            "certificate",
            "reason-certificate-needed",
            Args::new().with(
                "certificate",
                Arg::Named {
                    ja: name_ja,
                    en: name_en,
                },
            ),
        )
        .into()),
        Err(Unmet::CertificateExpired {
            name_ja, name_en, ..
        }) => Err(FieldError::said(
            "certificate.valid_until",
            "reason-certificate-expired",
            Args::new().with(
                "certificate",
                Arg::Named {
                    ja: name_ja,
                    en: name_en,
                },
            ),
        )
        .into()),
        Err(other) => Err(EnrollmentError::NotEligible(other)),
    }
}

/// Age in whole years on `day`.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    u32::try_from(age).unwrap_or(0)
}

/// What is asked of the person themself: care needs and age (a family applying, staff
/// approving, every use).
pub fn check_person(
    rule: &Eligibility,
    care_needs: &[CareNeed],
    birth_date: NaiveDate,
    day: NaiveDate,
) -> Result<(), Unmet> {
    if !rule.care_needs_any.is_empty()
        && !rule.care_needs_any.iter().any(|n| care_needs.contains(n))
    {
        return Err(Unmet::CareNeeds {
            any_of: rule.care_needs_any.clone(),
        });
    }
    let age = age_on(birth_date, day);
    if rule.min_age.is_some_and(|min| age < min) || rule.max_age.is_some_and(|max| age > max) {
        return Err(Unmet::Age {
            age,
            min: rule.min_age,
            max: rule.max_age,
        });
    }
    Ok(())
}

/// The certificate, if the program requires one: recorded, and valid on `day`.
pub fn check_certificate(
    rule: &Eligibility,
    certificate: Option<&Certificate>,
    day: NaiveDate,
) -> Result<(), Unmet> {
    let Some(required) = &rule.certificate else {
        return Ok(());
    };
    match certificate {
        None => Err(Unmet::CertificateMissing {
            name_ja: required.name_ja.clone(),
            name_en: required.name_en.clone(),
        }),
        Some(c) if c.valid_until < day => Err(Unmet::CertificateExpired {
            name_ja: required.name_ja.clone(),
            name_en: required.name_en.clone(),
            valid_until: c.valid_until,
        }),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_age_counts_whole_years_up_to_the_birthday() {
        assert_eq!(age_on(day("2019-05-12"), day("2026-05-11")), 6);
        assert_eq!(age_on(day("2019-05-12"), day("2026-05-12")), 7);
    }

    #[test]
    fn a_care_taxi_rule_needs_a_wheelchair_or_a_stretcher() {
        let rule = Eligibility {
            care_needs_any: vec![CareNeed::Wheelchair, CareNeed::Stretcher],
            ..Eligibility::default()
        };
        let birth = day("2019-05-12");
        let today = day("2026-12-04");
        assert!(check_person(&rule, &[CareNeed::Suction], birth, today).is_err());
        assert!(check_person(&rule, &[CareNeed::Stretcher], birth, today).is_ok());
    }

    #[test]
    fn a_certificate_counts_up_to_and_including_its_last_day() {
        let rule = crate::config::Config::default()
            .programs
            .yen_mut("taxi_fuel")
            .unwrap()
            .eligibility
            .clone();
        let c = Certificate {
            number: "1234567890".into(),
            valid_until: day("2027-03-31"),
        };
        assert!(check_certificate(&rule, Some(&c), day("2027-03-31")).is_ok());
        assert!(matches!(
            check_certificate(&rule, Some(&c), day("2027-04-01")),
            Err(Unmet::CertificateExpired { .. })
        ));
        assert!(matches!(
            check_certificate(&rule, None, day("2027-03-31")),
            Err(Unmet::CertificateMissing { .. })
        ));
    }
}
