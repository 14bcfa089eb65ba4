//! The ward as the app shows it: its name and office, its fiscal year, and each program's terms
//! in force today (the configured amounts, units, periods and conditions), so that a client
//! never hard-codes one ward's numbers.

use axum::extract::State;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::AppJson;
use crate::allowances::{self, PeriodKind, Unit};
use crate::care_needs::CareNeed;
use crate::config::{Program, ProgramKind};
use crate::enrollments;
use crate::partner_kinds::PartnerKind;
use crate::state::AppState;

/// The municipality and its programs.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ward {
    #[schema(example = "品川区")]
    pub name_ja: String,
    #[schema(example = "Shinagawa City")]
    pub name_en: String,
    #[schema(example = "福祉部 障害者支援課")]
    pub office_ja: String,
    #[schema(example = "Disability Support Section, Welfare Department")]
    pub office_en: String,
    /// The office's telephone number, if the ward publishes one here.
    #[schema(example = "03-0000-0000")]
    pub phone: Option<String>,
    /// The month (1–12) the ward's fiscal year (年度) starts in.
    #[schema(example = 4)]
    pub fiscal_year_start_month: u32,
    /// The day renewals for the next fiscal year open, as of today.
    #[schema(example = "2027-02-01")]
    pub renewals_open_on: NaiveDate,
    /// Every program, with its terms in force today.
    pub programs: Vec<ProgramTerms>,
}

/// One program's terms in force today.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramTerms {
    pub program: Program,
    /// What the program does; the app chooses its screens by this, not by the id.
    pub kind: ProgramKind,
    /// Whether the ward runs it today; applications and uses are refused otherwise.
    pub offered: bool,
    #[schema(example = "介護タクシー利用補助券")]
    pub name_ja: String,
    #[schema(example = "Care-taxi tickets")]
    pub name_en: String,
    /// What its allowance counts, for programs with one.
    pub unit: Option<Unit>,
    /// `month` or `fiscal_year`, for programs with an allowance.
    #[schema(example = "month")]
    pub period: Option<String>,
    /// The configured grant per period, in `unit`.
    #[schema(example = 4)]
    pub grant: Option<i64>,
    /// At least one of these care needs is required (empty: none).
    pub care_needs_any: Vec<CareNeed>,
    /// The certificate staff record at approval, if the program requires one.
    #[schema(example = "医療型短期入所 受給者証")]
    pub certificate_ja: Option<String>,
    pub certificate_en: Option<String>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    /// For an allowance spent with codes: the partner kinds that redeem them.
    pub redeemed_by: Vec<PartnerKind>,
}

/// The ward, its office and its programs' terms in force today (public).
#[utoipa::path(
    get, path = "/api/v1/ward", tag = "operations", operation_id = "getWard",
    responses((status = 200, description = "The ward and its programs", body = Ward)),
    security(())
)]
pub async fn get_ward(State(state): State<AppState>) -> AppJson<Ward> {
    let now = state.now();
    let cal = state.calendar();
    let today = cal.local_date(now);
    let rules = state.rules.on(today);
    let w = &state.config.ward;
    let programs = rules
        .all()
        .map(|(program, kind, t)| {
            let rule = allowances::rule_at(&state.rules, &cal, program, now);
            let e = t.eligibility;
            ProgramTerms {
                program,
                kind,
                offered: t.offered,
                name_ja: t.name_ja.to_owned(),
                name_en: t.name_en.to_owned(),
                unit: rule.map(|r| r.unit),
                period: rule.map(|r| match r.period {
                    PeriodKind::Month => "month".to_owned(),
                    PeriodKind::FiscalYear => "fiscal_year".to_owned(),
                }),
                grant: rule.map(|r| r.grant),
                care_needs_any: e.care_needs_any.clone(),
                certificate_ja: e.certificate.as_ref().map(|c| c.name_ja.clone()),
                certificate_en: e.certificate.as_ref().map(|c| c.name_en.clone()),
                min_age: e.min_age,
                max_age: e.max_age,
                redeemed_by: rules
                    .voucher(program)
                    .map_or_else(Vec::new, |v| v.redeemed_by().to_vec()),
            }
        })
        .collect();
    AppJson(Ward {
        name_ja: w.name_ja.clone(),
        name_en: w.name_en.clone(),
        office_ja: w.office_ja.clone(),
        office_en: w.office_en.clone(),
        phone: w.phone.clone(),
        fiscal_year_start_month: cal.fiscal_year_start_month,
        renewals_open_on: enrollments::NextYear::after(
            &cal,
            state.config.enrollments.renewal_opens_on,
            today,
        )
        .opens_on,
        programs,
    })
}
