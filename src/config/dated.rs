//! Program settings that change on a date. Any setting of a program may be given versions
//! (`[[programs.respite.changes]]` with `from = 2025-04-01` and the keys that change); the
//! version in force on the date of an act applies: a period's grant uses its first day, a
//! visit its start, a redemption its instant (all in the ward's time zone). OpenFisca keeps
//! its parameters the same way.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::ProgramRules;

/// One dated change of a program's settings: from `from` on, `settings` replace the keys they
/// name; later changes build on earlier ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleChange {
    pub from: EffectiveDate,
    #[serde(flatten)]
    pub settings: toml::Table,
}

/// A local date written as a TOML date (`2025-04-01`) or a string (`"2025-04-01"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EffectiveDate(pub NaiveDate);

impl Serialize for EffectiveDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for EffectiveDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = match toml::Value::deserialize(d)? {
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
            toml::Value::String(s) => s,
            other => {
                return Err(serde::de::Error::custom(format!(
                    "`from` must be a date such as 2025-04-01, not {other}"
                )));
            }
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(EffectiveDate)
            .map_err(|_| serde::de::Error::custom(format!("`from` = {text:?} is not a date")))
    }
}

/// Every version of the program settings, checked once at start.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleBook {
    base: ProgramRules,
    /// Whole snapshots, one per change date, in date order.
    versions: Vec<(NaiveDate, ProgramRules)>,
}

impl RuleBook {
    /// Builds and checks every version; the error names the program and date.
    pub fn new(programs: &ProgramRules) -> Result<RuleBook, String> {
        let p = programs;
        let mut dates = Vec::new();
        for (name, changes) in p.changes() {
            let name = name.as_str();
            let mut seen = std::collections::BTreeSet::new();
            for change in changes {
                if change.settings.contains_key("changes") {
                    return Err(format!("programs.{name}.changes cannot hold changes"));
                }
                if change.settings.contains_key("period") {
                    return Err(format!(
                        "programs.{name}.period cannot change on a date: every account of a \
                         program has the same period"
                    ));
                }
                if !seen.insert(change.from) {
                    return Err(format!(
                        "programs.{name}.changes has two versions from {}",
                        change.from.0
                    ));
                }
                dates.push(change.from.0);
            }
        }
        dates.sort();
        dates.dedup();
        let base = p.in_force(None)?;
        base.validate()?;
        let mut versions = Vec::with_capacity(dates.len());
        for date in dates {
            let version = p.in_force(Some(date))?;
            version
                .validate()
                .map_err(|e| format!("{e} (in the version from {date})"))?;
            versions.push((date, version));
        }
        Ok(RuleBook { base, versions })
    }

    /// Only the base settings, without versions or checks.
    pub(super) fn unchecked(programs: &ProgramRules) -> RuleBook {
        RuleBook {
            base: programs.clone(),
            versions: Vec::new(),
        }
    }

    /// The settings in force on a local date.
    pub fn on(&self, date: NaiveDate) -> &ProgramRules {
        let i = self.versions.partition_point(|(from, _)| *from <= date);
        match i {
            0 => &self.base,
            i => &self.versions[i - 1].1,
        }
    }

    /// Every version, the earliest first.
    pub fn all(&self) -> impl Iterator<Item = &ProgramRules> {
        std::iter::once(&self.base).chain(self.versions.iter().map(|(_, v)| v))
    }
}

/// A program's settings as they stand on `date` (`None`: before any change).
pub(super) fn in_force<T: Serialize + DeserializeOwned>(
    name: &str,
    base: &T,
    changes: &[RuleChange],
    date: Option<NaiveDate>,
) -> Result<T, String> {
    let mut table = toml::Table::try_from(base).map_err(|e| format!("programs.{name}: {e}"))?;
    table.remove("changes");
    let mut applying: Vec<&RuleChange> = changes
        .iter()
        .filter(|c| date.is_some_and(|d| c.from.0 <= d))
        .collect();
    applying.sort_by_key(|c| c.from);
    for change in applying {
        for (key, value) in &change.settings {
            table.insert(super::programs::current_key(key).to_owned(), value.clone());
        }
    }
    table.try_into().map_err(|e: toml::de::Error| {
        let at = date.map_or(String::new(), |d| format!(" (version from {d})"));
        format!("programs.{name}{at}: {}", e.message())
    })
}
