//! Renewals (更新申請): from a configured day before a fiscal year starts (Shinagawa: 1 February),
//! a family whose approval is still valid may apply for that year. Staff approve it with a
//! validity that starts no earlier than the year's first day; once approved, visits and bookings
//! in the new year are accepted even while the old year runs.

use chrono::{Datelike, NaiveDate};

use crate::clock::{Calendar, FiscalYear};
use crate::config::MonthDay;

/// The next fiscal year as renewals see it on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextYear {
    pub fiscal_year: FiscalYear,
    /// Its first day (1 April in Shinagawa).
    pub first_day: NaiveDate,
    /// The day renewals for it open: the last `renewal_opens_on` before `first_day`.
    pub opens_on: NaiveDate,
}

impl NextYear {
    /// The fiscal year after the one `today` belongs to.
    pub fn after(cal: &Calendar, opens: MonthDay, today: NaiveDate) -> NextYear {
        let fiscal_year = FiscalYear(cal.fiscal_year_of_date(today).0 + 1);
        let first_day = cal.fiscal_year_first_day(fiscal_year);
        let same_year = opens.in_year(first_day.year());
        let opens_on = if same_year < first_day {
            same_year
        } else {
            opens.in_year(first_day.year() - 1)
        };
        NextYear {
            fiscal_year,
            first_day,
            opens_on,
        }
    }

    pub fn is_open_on(&self, today: NaiveDate) -> bool {
        self.opens_on <= today
    }
}

/// A renewal's validity starts on or after its year's first day.
pub fn check_start(
    renewal_from: Option<NaiveDate>,
    valid_from: NaiveDate,
) -> Result<(), super::EnrollmentError> {
    match renewal_from {
        Some(first_day) if valid_from < first_day => Err(crate::text::FieldError::said(
            "valid_from",
            "reason-renewal-starts-later",
            crate::messages::Args::new().with("first_day", crate::messages::Arg::Date(first_day)),
        )
        .into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(start_month: u32) -> Calendar {
        Calendar {
            zone: chrono_tz::Asia::Tokyo,
            fiscal_year_start_month: start_month,
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn renewals_for_an_april_year_open_on_the_first_of_february() {
        let feb = MonthDay { month: 2, day: 1 };
        let next = NextYear::after(&cal(4), feb, day("2027-01-31"));
        assert_eq!(next.fiscal_year, FiscalYear(2027));
        assert_eq!(next.first_day, day("2027-04-01"));
        assert_eq!(next.opens_on, day("2027-02-01"));
        assert!(!next.is_open_on(day("2027-01-31")));
        assert!(next.is_open_on(day("2027-02-01")));
        // In April the next year is the one after.
        let april = NextYear::after(&cal(4), feb, day("2027-04-01"));
        assert_eq!(april.fiscal_year, FiscalYear(2028));
    }

    #[test]
    fn a_january_year_opens_renewals_in_the_autumn_before() {
        let nov = MonthDay { month: 11, day: 1 };
        let next = NextYear::after(&cal(1), nov, day("2026-11-15"));
        assert_eq!(next.first_day, day("2027-01-01"));
        assert_eq!(next.opens_on, day("2026-11-01"));
        assert!(next.is_open_on(day("2026-11-15")));
    }
}
