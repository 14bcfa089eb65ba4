//! Query values several operations share, read once: a month ("2026-11") and a fiscal year
//! ("FY2024"), each refused with a 400 `invalid_query` naming the field.

use super::problem::{ApiError, Code};
use crate::clock::{FiscalYear, Month};
use crate::messages::Args;

/// A `month` query value.
pub fn month(m: &str) -> Result<Month, ApiError> {
    Month::parse(m).ok_or_else(|| {
        ApiError::bad_request(Code::InvalidQuery)
            .say("problem-month-format", Args::new())
            .with("field", "month")
    })
}

/// A `fiscal_year` query value.
pub fn fiscal_year(s: &str) -> Result<FiscalYear, ApiError> {
    FiscalYear::parse(s).ok_or_else(|| {
        ApiError::bad_request(Code::InvalidQuery)
            .say("problem-fiscal-year-format", Args::new())
            .with("field", "fiscal_year")
    })
}
