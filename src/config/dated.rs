//! Program settings that change on a date. Any setting of a program may be given versions
//! (`[[programs.respite.changes]]` with `from = 2025-04-01` and the keys that change); the
//! version in force on the date of an act applies: a period's grant uses its first day, a
//! visit its start, a redemption its instant (all in the ward's time zone). OpenFisca keeps
//! its parameters the same way.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

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

/// Keys renamed since a ward's file may have been written, and their names now.
const RENAMED: [(&str, &str); 3] = [
    ("monthly_allowance_yen", "grant_yen"),
    ("tickets_per_month", "grant_tickets"),
    ("minutes_per_fiscal_year", "grant_minutes"),
];

/// A settings key by its current name.
pub(super) fn current_key(key: &str) -> &str {
    RENAMED
        .iter()
        .find(|(old, _)| *old == key)
        .map_or(key, |(_, now)| now)
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
            table.insert(current_key(key).to_owned(), value.clone());
        }
    }
    table.try_into().map_err(|e: toml::de::Error| {
        let at = date.map_or(String::new(), |d| format!(" (version from {d})"));
        format!("programs.{name}{at}: {}", e.message())
    })
}
