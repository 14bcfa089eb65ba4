//! Time: an injectable clock, instants stored as UTC microseconds, and the ward's calendar
//! (months and fiscal years computed in the configured time zone, Asia/Tokyo by default).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// The source of "now" for everything that depends on time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate_to_micros(Utc::now())
    }
}

/// A clock that only moves when told to; tests use it for month-end and fiscal-year cases.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(truncate_to_micros(at))))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = truncate_to_micros(at);
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    from_micros(to_micros(t))
}

/// How instants are stored: microseconds since the Unix epoch, UTC.
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Reads a stored instant back.
pub fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_micros(us).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// A calendar month in the ward's time zone, e.g. 2026-03.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// "2026年11月", for Japanese outputs.
    pub fn ja(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }

    /// The month's first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Reads "2026-11".
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (1..=12).contains(&month).then_some(Month { year, month })
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A date as Japanese text reads it: 2027年4月1日.
pub fn date_ja(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// A fiscal year (年度) named by the calendar year in which it starts: FY2025 = Reiwa 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalYear(pub i32);

impl FiscalYear {
    /// "令和8年度（2026年度）", for Japanese outputs: as Japanese offices name a fiscal year,
    /// with the Western year beside it. A fiscal year is named by the era of its first day's
    /// calendar year (FY2019 is 令和元年度, as the government names it).
    pub fn ja(self) -> String {
        let (era, n) = if self.0 >= 2019 {
            ("令和", self.0 - 2018)
        } else {
            ("平成", self.0 - 1988)
        };
        let n = if n == 1 {
            "元".to_owned()
        } else {
            n.to_string()
        };
        format!("{era}{n}年度（{}年度）", self.0)
    }

    /// Reads "FY2024" (a four-digit year from 2000).
    pub fn parse(s: &str) -> Option<FiscalYear> {
        let y = s.strip_prefix("FY")?;
        if y.len() != 4 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        (year >= 2000).then_some(FiscalYear(year))
    }
}

/// The ward's calendar: which month and fiscal year an instant belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    pub zone: Tz,
    pub fiscal_year_start_month: u32,
}

impl Calendar {
    /// The ward-local wall-clock time of an instant.
    pub fn local(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        at.with_timezone(&self.zone).naive_local()
    }

    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    pub fn month_of(&self, at: DateTime<Utc>) -> Month {
        let d = self.local_date(at);
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    pub fn fiscal_year_of(&self, at: DateTime<Utc>) -> FiscalYear {
        self.fiscal_year_of_date(self.local_date(at))
    }

    /// The instant of a ward-local date and time ("2026-12-01T10:00" in Asia/Tokyo); `None`
    /// for a time the zone skips.
    pub fn at_local(&self, t: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
        self.zone
            .from_local_datetime(&t)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The instant a local calendar day starts (00:00 in the ward's zone).
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        self.zone
            .from_local_datetime(&midnight)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
    }

    /// First instant of a month, and first instant of the next one.
    pub fn month_bounds(&self, m: Month) -> (DateTime<Utc>, DateTime<Utc>) {
        let first = NaiveDate::from_ymd_opt(m.year, m.month, 1).unwrap_or_default();
        let next = if m.month == 12 {
            NaiveDate::from_ymd_opt(m.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(m.year, m.month + 1, 1)
        }
        .unwrap_or_default();
        (self.start_of_day(first), self.start_of_day(next))
    }

    /// The fiscal year a local date belongs to.
    pub fn fiscal_year_of_date(&self, d: NaiveDate) -> FiscalYear {
        if d.month() >= self.fiscal_year_start_month {
            FiscalYear(d.year())
        } else {
            FiscalYear(d.year() - 1)
        }
    }

    /// The first day of a fiscal year (1 April 2027 for FY2027 in Shinagawa).
    pub fn fiscal_year_first_day(&self, fy: FiscalYear) -> NaiveDate {
        NaiveDate::from_ymd_opt(fy.0, self.fiscal_year_start_month, 1).unwrap_or_default()
    }

    /// First instant of a fiscal year, and first instant of the next one.
    pub fn fiscal_year_bounds(&self, fy: FiscalYear) -> (DateTime<Utc>, DateTime<Utc>) {
        let start =
            NaiveDate::from_ymd_opt(fy.0, self.fiscal_year_start_month, 1).unwrap_or_default();
        let end =
            NaiveDate::from_ymd_opt(fy.0 + 1, self.fiscal_year_start_month, 1).unwrap_or_default();
        (self.start_of_day(start), self.start_of_day(end))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fiscal_years_read_as_japanese_offices_name_them() {
        use super::FiscalYear;
        assert_eq!(FiscalYear(2026).ja(), "令和8年度（2026年度）");
        assert_eq!(FiscalYear(2025).ja(), "令和7年度（2025年度）");
        assert_eq!(FiscalYear(2019).ja(), "令和元年度（2019年度）");
        assert_eq!(FiscalYear(2018).ja(), "平成30年度（2018年度）");
    }

    use super::*;

    fn tokyo() -> Calendar {
        Calendar {
            zone: chrono_tz::Asia::Tokyo,
            fiscal_year_start_month: 4,
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_last_second_of_a_month_in_tokyo_and_the_first_of_the_next_fall_in_different_months() {
        let cal = tokyo();
        // 23:59:59 JST on 31 Jan is 14:59:59 UTC; 00:00:00 JST on 1 Feb is 15:00:00 UTC.
        assert_eq!(
            cal.month_of(utc("2026-01-31T14:59:59Z")),
            Month {
                year: 2026,
                month: 1
            }
        );
        assert_eq!(
            cal.month_of(utc("2026-01-31T15:00:00Z")),
            Month {
                year: 2026,
                month: 2
            }
        );
    }

    #[test]
    fn the_fiscal_year_turns_at_midnight_on_the_first_of_april_in_tokyo() {
        let cal = tokyo();
        assert_eq!(
            cal.fiscal_year_of(utc("2026-03-31T14:59:59Z")),
            FiscalYear(2025)
        );
        assert_eq!(
            cal.fiscal_year_of(utc("2026-03-31T15:00:00Z")),
            FiscalYear(2026)
        );
        let (start, end) = cal.fiscal_year_bounds(FiscalYear(2025));
        assert_eq!(start, utc("2025-03-31T15:00:00Z"));
        assert_eq!(end, utc("2026-03-31T15:00:00Z"));
    }

    #[test]
    fn december_bounds_end_at_new_year_in_tokyo() {
        let (start, end) = tokyo().month_bounds(Month {
            year: 2026,
            month: 12,
        });
        assert_eq!(start, utc("2026-11-30T15:00:00Z"));
        assert_eq!(end, utc("2026-12-31T15:00:00Z"));
    }

    #[test]
    fn months_are_read_only_in_the_yyyy_mm_form() {
        assert_eq!(
            Month::parse("2026-03"),
            Some(Month {
                year: 2026,
                month: 3
            })
        );
        for bad in ["2026-13", "2026-3", "26-03", "2026/03", "May", ""] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(utc("2026-04-01T00:00:00Z"));
        assert_eq!(clock.now(), utc("2026-04-01T00:00:00Z"));
        clock.advance(chrono::Duration::minutes(90));
        assert_eq!(clock.now(), utc("2026-04-01T01:30:00Z"));
    }

    #[test]
    fn stored_instants_round_trip_through_microseconds() {
        let t = utc("2026-11-24T04:13:53.123456Z");
        assert_eq!(from_micros(to_micros(t)), t);
    }
}
