//! Any program's yearly figures (実績) for staff, in one shape: people served, uses and the
//! amount in the program's unit, month by month through a fiscal year. JSON, or a CSV for Excel.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::download::{self, Format};
use super::extract::{AppJson, AppQuery, Staff};
use super::figures::FiguresQuery;
use super::problem::{ApiError, Code};
use crate::config::ProgramKind;
use crate::figures::{self, AmountUnit, Subject};
use crate::messages::{Arg, Args};
use crate::state::AppState;
use crate::{play_space, respite, short_stays, vouchers};

/// A program's figures for a fiscal year (staff), in the same shape for every program.
///
/// For each month: the people served (`recipients`), the `uses` and the `amount` in `unit`. A
/// use is a redemption not reversed (yen covered, or tickets), a recorded respite visit
/// (minutes billed, in the month it started), an admission to a short stay (days confirmed, in
/// the month of admission) or a child checked in at the play space. The year's line counts each
/// person once. With `format=csv`, a CSV file for Excel.
#[utoipa::path(
    get, path = "/api/v1/staff/program-figures", tag = "operations", operation_id = "getProgramFigures",
    params(FiguresQuery),
    responses(
        (status = 200, description = "The year's figures: JSON, or with `format=csv` a CSV file (UTF-8 with BOM, CRLF)", content(
            (figures::ProgramFigures = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A program the ward does not have, or a fiscal year not like FY2026", body = super::problem::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_program_figures(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<FiguresQuery>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let cal = state.calendar();
    let fy = match q.fiscal_year.as_deref() {
        Some(s) => super::params::fiscal_year(s)?,
        None => cal.fiscal_year_of(now),
    };
    let names = state.rules.on(cal.fiscal_year_first_day(fy));
    let Some((program, kind, terms)) = names.all().find(|(p, _, _)| *p == q.program) else {
        let ids: Vec<String> = names.all().map(|(p, _, _)| p.to_string()).collect();
        let words: Vec<&str> = names.all().map(|(_, _, t)| t.name_ja).collect();
        return Err(ApiError::bad_request(Code::InvalidQuery)
            .say(
                "problem-not-a-program",
                Args::new().with(
                    "allowed",
                    Arg::Named {
                        ja: words.join("、"),
                        en: ids.join(", "),
                    },
                ),
            )
            .with("allowed", ids)
            .with("field", "program"));
    };
    let unit = AmountUnit::of(kind);
    let db = &state.read;
    let uses = match kind {
        ProgramKind::YenAllowance | ProgramKind::TicketAllowance => {
            vouchers::figures::uses(db, &cal, program, fy, unit).await?
        }
        ProgramKind::RespiteHours => respite::report::uses(db, &cal, fy).await?,
        ProgramKind::ShortStay => short_stays::uses(db, &cal, fy).await?,
        ProgramKind::PlaySpace => play_space::stats::uses(db, &cal, fy).await?,
    };
    let subject = Subject {
        program,
        kind,
        name_ja: terms.name_ja,
    };
    let f = figures::tally(&cal, fy, subject, &uses);
    if q.format == Some(Format::Csv) {
        return Ok(download::csv(
            figures::to_csv(&f),
            &format!("{}-{}.csv", program.as_str(), f.fiscal_year),
            &format!("{}_実績_{}.csv", f.name_ja, f.fiscal_year_ja),
        ));
    }
    Ok(AppJson(f).into_response())
}
