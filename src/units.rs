//! Typed quantities that cross module borders: money in whole yen, durations in minutes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An amount of money in whole Japanese yen (JPY has no minor unit).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = i64, example = 20000)]
pub struct Yen(pub i64);

impl Yen {
    pub const ZERO: Yen = Yen(0);

    pub fn checked_add(self, other: Yen) -> Option<Yen> {
        self.0.checked_add(other.0).map(Yen)
    }

    pub fn checked_sub(self, other: Yen) -> Option<Yen> {
        self.0.checked_sub(other.0).map(Yen)
    }
}

impl std::fmt::Display for Yen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} JPY", self.0)
    }
}

/// An integer with thousands separators: 20000 → "20,000", -1500 → "-1,500".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in whole minutes (respite hours are counted in minutes: 288 h = 17,280 min).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = i64, example = 17280)]
pub struct Minutes(pub i64);

impl Minutes {
    pub fn from_hours(hours: i64) -> Minutes {
        Minutes(hours * 60)
    }

    /// As Japanese text reads a duration: 24時間, 1時間30分, 45分.
    pub fn ja(self) -> String {
        match (self.0 / 60, self.0 % 60) {
            (0, m) => format!("{m}分"),
            (h, 0) => format!("{h}時間"),
            (h, m) => format!("{h}時間{m}分"),
        }
    }

    /// Rounds up to a whole number of billing units (a 2 h 10 min visit billed per 30 min is 2 h 30 min).
    pub fn round_up_to(self, unit: Minutes) -> Minutes {
        if unit.0 <= 0 || self.0 <= 0 {
            return self;
        }
        // Positive on both sides: no overflow before the (saturating) multiplication.
        let units = (self.0 - 1) / unit.0 + 1;
        Minutes(units.saturating_mul(unit.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_up_to_the_billing_unit_only_ever_adds_less_than_one_unit() {
        assert_eq!(Minutes(130).round_up_to(Minutes(30)), Minutes(150));
        assert_eq!(Minutes(120).round_up_to(Minutes(30)), Minutes(120));
        assert_eq!(Minutes(1).round_up_to(Minutes(30)), Minutes(30));
        assert_eq!(Minutes(0).round_up_to(Minutes(30)), Minutes(0));
        assert_eq!(
            Minutes(i64::MAX).round_up_to(Minutes(30)),
            Minutes(i64::MAX)
        );
    }

    #[test]
    fn two_hundred_eighty_eight_hours_are_seventeen_thousand_two_hundred_eighty_minutes() {
        assert_eq!(Minutes::from_hours(288), Minutes(17_280));
    }

    #[test]
    fn numbers_are_grouped_by_thousands_even_at_the_extremes() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(20_000), "20,000");
        assert_eq!(grouped(-1_500), "-1,500");
        assert_eq!(grouped(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn yen_arithmetic_reports_overflow_instead_of_wrapping() {
        assert_eq!(Yen(i64::MAX).checked_add(Yen(1)), None);
        assert_eq!(Yen(5).checked_sub(Yen(7)), Some(Yen(-2)));
    }
}
