//! Who may use a program: the conditions a ward configures per program, checked by the
//! enrollments area at application, approval and every use.

use serde::{Deserialize, Serialize};

use crate::care_needs::CareNeed;

/// Who may use a program. Every condition set must hold; an empty one is no condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Eligibility {
    /// At least one of these care needs must be on the person's record (⑫: a wheelchair or a
    /// stretcher). Empty: no care need is required.
    pub care_needs_any: Vec<CareNeed>,
    /// A certificate staff record at approval (its number and last valid day), valid on the day
    /// of every use (⑪: the 医療型短期入所 受給者証).
    pub certificate: Option<CertificateRule>,
    /// Age in whole years on the day of the act, if the ward limits it.
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
}

impl Eligibility {
    pub(super) fn certificate(ja: &str, en: &str) -> Eligibility {
        Eligibility {
            certificate: Some(CertificateRule {
                name_ja: ja.into(),
                name_en: en.into(),
            }),
            ..Eligibility::default()
        }
    }

    pub(super) fn care_needs(any: &[CareNeed]) -> Eligibility {
        Eligibility {
            care_needs_any: any.to_vec(),
            ..Eligibility::default()
        }
    }

    pub(super) fn validate(&self, program: &str) -> Result<(), String> {
        if let (Some(min), Some(max)) = (self.min_age, self.max_age)
            && min > max
        {
            return Err(format!(
                "programs.{program}.eligibility: min_age is above max_age"
            ));
        }
        if self.max_age.is_some_and(|a| a > 150) {
            return Err(format!(
                "programs.{program}.eligibility.max_age must be at most 150"
            ));
        }
        match &self.certificate {
            Some(c) if c.name_ja.trim().is_empty() || c.name_en.trim().is_empty() => Err(format!(
                "programs.{program}.eligibility.certificate needs name_ja and name_en"
            )),
            _ => Ok(()),
        }
    }
}

/// A certificate a program requires, by the names families and staff know it by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRule {
    pub name_ja: String,
    pub name_en: String,
}
