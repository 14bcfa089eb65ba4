//! Query values several operations share, read once: a month ("2026-11") and a fiscal year
//! ("FY2024"), each refused with a 400 `invalid_query` naming the field.

use super::problem::{ApiError, Code};
use crate::clock::{FiscalYear, Month};

/// A `month` query value.
pub fn month(m: &str) -> Result<Month, ApiError> {
    Month::parse(m).ok_or_else(|| {
        ApiError::bad_request(Code::InvalidQuery)
            .detail(
                "month must look like 2026-11",
                "month は 2026-11 の形式で指定してください",
            )
            .with("field", "month")
    })
}

/// A `fiscal_year` query value.
pub fn fiscal_year(s: &str) -> Result<FiscalYear, ApiError> {
    FiscalYear::parse(s).ok_or_else(|| {
        ApiError::bad_request(Code::InvalidQuery)
            .detail(
                "fiscal_year must look like FY2024",
                "fiscal_year は FY2024 の形式で指定してください",
            )
            .with("field", "fiscal_year")
    })
}
