//! Paging for every list: `?limit=` (1..=max_page_size, default 50) and `?offset=`.

use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, Code};
use crate::messages::{Arg, Args};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

/// Checked paging values; asks for one extra row to know whether another page exists.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: u64,
    pub offset: u64,
}

impl Paging {
    pub fn parse(limit: Option<u64>, offset: Option<u64>, max: u64) -> Result<Paging, ApiError> {
        let limit = limit.unwrap_or(50.min(max));
        if limit == 0 || limit > max {
            return Err(ApiError::bad_request(Code::InvalidQuery)
                .say(
                    "problem-page-size",
                    Args::new().with("count", Arg::Count(i64::try_from(max).unwrap_or(i64::MAX))),
                )
                .with("field", "limit"));
        }
        let offset = offset.unwrap_or(0);
        if offset > 1_000_000 {
            return Err(ApiError::bad_request(Code::InvalidQuery)
                .say("problem-offset-too-large", Args::new())
                .with("field", "offset"));
        }
        Ok(Paging { limit, offset })
    }

    pub fn fetch(self) -> u64 {
        self.limit + 1
    }

    /// Trims the extra row and says where the next page starts.
    pub fn finish<T>(self, mut rows: Vec<T>) -> (Vec<T>, Option<u64>) {
        if rows.len() as u64 > self.limit {
            rows.truncate(self.limit as usize);
            (rows, Some(self.offset + self.limit))
        } else {
            (rows, None)
        }
    }
}
