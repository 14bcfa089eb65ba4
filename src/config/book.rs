//! The rule book: every dated version of the programs' settings, built and checked once at
//! start; the version in force on a date is a lookup.

use chrono::NaiveDate;

use super::programs::ProgramRules;

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
