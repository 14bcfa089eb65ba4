//! A voucher program's yearly figures (実績) for staff: JSON, or a CSV for Excel.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::download::{self, Format};
use super::extract::{AppJson, AppQuery, Staff};
use super::problem::{ApiError, Code};
use crate::enrollments::{self, Program};
use crate::messages::{Arg, Args};
use crate::state::AppState;
use crate::vouchers::{self, figures};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// One of the ward's programs (`GET /api/v1/ward` lists them); voucher figures take an
    /// allowance spent with codes.
    pub program: Program,
    /// A fiscal year, named by the calendar year it starts in ("FY2026"); the current one when
    /// absent.
    #[param(example = "FY2026", max_length = 6)]
    pub fiscal_year: Option<String>,
    /// `json` (default) or `csv` (UTF-8 with BOM, CRLF, for Excel).
    #[param(inline)]
    pub format: Option<Format>,
}

/// A voucher program's figures for a fiscal year (staff): recipients, uses, tickets and yen
/// covered, month by month, with the year's total. With `format=csv`, a CSV file for Excel.
#[utoipa::path(
    get, path = "/api/v1/staff/voucher-figures", tag = "vouchers", operation_id = "getVoucherFigures",
    params(FiguresQuery),
    responses(
        (status = 200, description = "The year's figures: JSON, or with `format=csv` a CSV file (UTF-8 with BOM, CRLF)", content(
            (figures::YearFigures = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "Not a voucher program, or a fiscal year not like FY2026", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_voucher_figures(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<FiguresQuery>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let cal = state.calendar();
    let in_force = state.rules_on(now);
    if !vouchers::is_voucher_program(in_force, q.program) {
        let ids: Vec<&str> = in_force.vouchers.iter().map(|v| v.id.as_str()).collect();
        let names: Vec<&str> = in_force
            .vouchers
            .iter()
            .filter_map(|v| in_force.terms_of(v.id).map(|t| t.name_ja))
            .collect();
        return Err(ApiError::bad_request(Code::InvalidQuery)
            .say(
                "problem-not-a-voucher-program",
                Args::new().with(
                    "allowed",
                    Arg::Named {
                        ja: names.join("、"),
                        en: ids.join(", "),
                    },
                ),
            )
            .with("allowed", ids)
            .with("field", "program"));
    }
    let fy = match q.fiscal_year.as_deref() {
        Some(s) => super::params::fiscal_year(s)?,
        None => cal.fiscal_year_of(now),
    };
    let y = figures::year(&state.read, &cal, q.program, fy).await?;
    if q.format == Some(Format::Csv) {
        let name = enrollments::terms_of(state.rules_on(now), q.program).name_ja;
        return Ok(download::csv(
            figures::to_csv(&y, name),
            &format!("{}-{}.csv", q.program.as_str(), y.fiscal_year),
            &format!("{name}_実績_{}.csv", y.fiscal_year_ja),
        ));
    }
    Ok(AppJson(y).into_response())
}
