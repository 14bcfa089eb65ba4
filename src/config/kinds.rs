//! Each kind of program's settings: the yen and ticket allowances spent with codes, respite
//! hours, the play space and short stays, with their defaults and their checks. Which programs
//! exist, and under which ids, is `programs.rs`.

use serde::{Deserialize, Serialize};

use super::dated::RuleChange;
use super::eligibility::Eligibility;
use crate::care_needs::CareNeed;
use crate::partner_kinds::PartnerKind;
use crate::units::{Minutes, Yen};

/// How long an allowance's grant lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllowancePeriod {
    /// A calendar month in the ward's time zone.
    Month,
    /// A fiscal year (年度), from the configured first month.
    FiscalYear,
}

impl AllowancePeriod {
    /// Periods in a year.
    pub fn per_year(self) -> i64 {
        match self {
            AllowancePeriod::Month => 12,
            AllowancePeriod::FiscalYear => 1,
        }
    }
}

/// What happens to an unused balance when its period ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnusedBalance {
    Lapse,
    CarryOver,
}

/// What every program has in the configuration, whatever its kind.
#[derive(Debug, Clone, Copy)]
pub struct ProgramTerms<'a> {
    pub offered: bool,
    pub name_ja: &'a str,
    pub name_en: &'a str,
    pub eligibility: &'a Eligibility,
}

impl ProgramTerms<'_> {
    pub(super) fn validate(&self, program: &str) -> Result<(), String> {
        self.eligibility.validate(program)?;
        for (key, value) in [("name_ja", self.name_ja), ("name_en", self.name_en)] {
            if value.trim().is_empty() || value.chars().count() > 60 {
                return Err(format!(
                    "programs.{program}.{key} must be 1 to 60 characters"
                ));
            }
        }
        Ok(())
    }
}

macro_rules! terms {
    ($t:ty) => {
        impl $t {
            pub fn terms(&self) -> ProgramTerms<'_> {
                ProgramTerms {
                    offered: self.offered,
                    name_ja: &self.name_ja,
                    name_en: &self.name_en,
                    eligibility: &self.eligibility,
                }
            }
        }
    };
}
terms!(YenAllowanceRules);
terms!(TicketAllowanceRules);
terms!(RespiteRules);
terms!(PlaySpaceRules);
terms!(ShortStayRules);

/// Keeps every configured amount far from where `i64` arithmetic could overflow.
const MAX_CONFIGURED: i64 = 100_000_000;

fn within(name: &str, value: i64, min: i64, max: i64) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!("programs.{name} must be between {min} and {max}"))
    }
}

fn positive_limit(name: &str, value: Option<i64>) -> Result<(), String> {
    value.map_or(Ok(()), |v| within(name, v, 1, MAX_CONFIGURED))
}

fn redeemers(name: &str, kinds: &[PartnerKind]) -> Result<(), String> {
    if kinds.is_empty() {
        return Err(format!(
            "programs.{name}.redeemed_by must name at least one partner kind"
        ));
    }
    match kinds.iter().find(|k| !k.redeems_codes()) {
        Some(k) => Err(format!(
            "programs.{name}.redeemed_by: {} partners do not redeem codes",
            k.as_str()
        )),
        None => Ok(()),
    }
}

/// A yen allowance redeemed with codes for an amount (⑪ 福祉タクシー・自動車燃料費の助成, or a
/// ward's own, e.g. a pharmacy allowance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct YenAllowanceRules {
    /// How long a grant lasts: a calendar month (⑪) or a fiscal year.
    pub period: AllowancePeriod,
    /// Yen granted per period (formerly `monthly_allowance_yen`, still read).
    #[serde(alias = "monthly_allowance_yen")]
    pub grant_yen: Yen,
    pub unused_balance: UnusedBalance,
    /// With carry-over: the most that can be carried into a period (in the program's unit).
    /// Unset: no cap.
    pub carry_over_cap: Option<i64>,
    /// With carry-over: nothing is carried into the first period of a fiscal year (what is
    /// left at the fiscal year's end lapses).
    pub carry_over_resets_at_fiscal_year: bool,
    /// How long a shown QR code stays valid.
    pub voucher_ttl_minutes: i64,
    /// The largest fare or refuel one redemption may claim; more is refused (a typo of 200,000
    /// for 2,000 is caught, not silently capped).
    pub max_amount_per_redemption_yen: Yen,
    /// The largest correction one staff member may post alone on a month's account (in total);
    /// more needs a second staff member's approval. Unset: one month's grant.
    pub one_approver_limit_yen: Option<Yen>,
    /// The largest single correction even with two approvers. Unset: a year of grants.
    pub max_adjustment_yen: Option<Yen>,
    /// Whether the ward runs the program: `false` refuses applications and uses
    /// (`program_not_offered`); with a dated change, a program can end on a date.
    pub offered: bool,
    /// The program's name as families, partners and staff read it.
    pub name_ja: String,
    pub name_en: String,
    /// Who may use the program; checked at application, approval and every use.
    pub eligibility: Eligibility,
    /// The partner kinds whose devices redeem the codes (⑪: taxi companies for fares, gas
    /// stations for fuel).
    pub redeemed_by: Vec<PartnerKind>,
    /// Dated versions of these settings (`[[programs.taxi_fuel.changes]]`, `from = YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<RuleChange>,
}

impl YenAllowanceRules {
    /// ⑪ as Shinagawa runs it.
    pub(super) fn taxi_fuel() -> Self {
        YenAllowanceRules {
            grant_yen: Yen(20_000),
            name_ja: "福祉タクシー・自動車燃料費助成".into(),
            name_en: "Welfare taxi and car fuel subsidy".into(),
            eligibility: Eligibility::certificate(
                "医療型短期入所 受給者証",
                "recipient certificate for medical short-term admission",
            ),
            redeemed_by: vec![PartnerKind::TaxiCompany, PartnerKind::GasStation],
            ..YenAllowanceRules::default()
        }
    }

    pub(super) fn validate(&self, name: &str) -> Result<(), String> {
        within(
            &format!("{name}.grant_yen"),
            self.grant_yen.0,
            0,
            MAX_CONFIGURED,
        )?;
        within(
            &format!("{name}.voucher_ttl_minutes"),
            self.voucher_ttl_minutes,
            1,
            24 * 60,
        )?;
        within(
            &format!("{name}.max_amount_per_redemption_yen"),
            self.max_amount_per_redemption_yen.0,
            1,
            MAX_CONFIGURED,
        )?;
        if let Some(cap) = self.carry_over_cap {
            within(&format!("{name}.carry_over_cap"), cap, 0, MAX_CONFIGURED)?;
        }
        positive_limit(
            &format!("{name}.one_approver_limit_yen"),
            self.one_approver_limit_yen.map(|y| y.0),
        )?;
        positive_limit(
            &format!("{name}.max_adjustment_yen"),
            self.max_adjustment_yen.map(|y| y.0),
        )?;
        redeemers(name, &self.redeemed_by)
    }
}

impl Default for YenAllowanceRules {
    /// A new yen allowance: the ward states its amount, names and who redeems it.
    fn default() -> Self {
        YenAllowanceRules {
            period: AllowancePeriod::Month,
            grant_yen: Yen(0),
            unused_balance: UnusedBalance::Lapse,
            carry_over_cap: None,
            carry_over_resets_at_fiscal_year: true,
            voucher_ttl_minutes: 5,
            max_amount_per_redemption_yen: Yen(50_000),
            one_approver_limit_yen: None,
            max_adjustment_yen: None,
            offered: true,
            name_ja: String::new(),
            name_en: String::new(),
            eligibility: Eligibility::default(),
            redeemed_by: Vec::new(),
            changes: Vec::new(),
        }
    }
}

/// Tickets redeemed with codes, each covering fee components up to a ceiling (⑫
/// 介護タクシー利用補助券).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketAllowanceRules {
    /// How long a grant lasts: a calendar month (⑫) or a fiscal year.
    pub period: AllowancePeriod,
    /// Tickets granted per period (formerly `tickets_per_month`, still read).
    #[serde(alias = "tickets_per_month")]
    pub grant_tickets: i64,
    /// Most one ticket covers (reservation + pick-up + basic assistance); the family pays the
    /// rest. The default is a placeholder for the ward's own figure.
    pub per_ticket_ceiling_yen: Yen,
    /// The largest amount accepted for any one fee component; more is refused.
    pub max_fee_yen: Yen,
    pub unused_tickets: UnusedBalance,
    /// With carry-over: the most that can be carried into a period (in the program's unit).
    /// Unset: no cap.
    pub carry_over_cap: Option<i64>,
    /// With carry-over: nothing is carried into the first period of a fiscal year (what is
    /// left at the fiscal year's end lapses).
    pub carry_over_resets_at_fiscal_year: bool,
    pub voucher_ttl_minutes: i64,
    /// As for a yen allowance, in tickets. Unset: one period's tickets.
    pub one_approver_limit_tickets: Option<i64>,
    /// Unset: a year of tickets.
    pub max_adjustment_tickets: Option<i64>,
    /// Whether the ward runs the program: `false` refuses applications and uses
    /// (`program_not_offered`); with a dated change, a program can end on a date.
    pub offered: bool,
    /// The program's name as families, partners and staff read it.
    pub name_ja: String,
    pub name_en: String,
    /// Who may use the program; checked at application, approval and every use.
    pub eligibility: Eligibility,
    /// The partner kinds whose devices redeem the tickets (⑫: care-taxi operators).
    pub redeemed_by: Vec<PartnerKind>,
    /// Dated versions of these settings (`[[programs.care_taxi.changes]]`, `from = YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<RuleChange>,
}

impl TicketAllowanceRules {
    /// ⑫ as Shinagawa runs it.
    pub(super) fn care_taxi() -> Self {
        TicketAllowanceRules {
            grant_tickets: 4,
            name_ja: "介護タクシー利用補助券".into(),
            name_en: "Care-taxi tickets".into(),
            eligibility: Eligibility::care_needs(&[CareNeed::Wheelchair, CareNeed::Stretcher]),
            redeemed_by: vec![PartnerKind::CareTaxiOperator],
            ..TicketAllowanceRules::default()
        }
    }

    pub(super) fn validate(&self, name: &str) -> Result<(), String> {
        within(
            &format!("{name}.grant_tickets"),
            self.grant_tickets,
            0,
            1_000,
        )?;
        within(
            &format!("{name}.per_ticket_ceiling_yen"),
            self.per_ticket_ceiling_yen.0,
            0,
            MAX_CONFIGURED,
        )?;
        within(
            &format!("{name}.max_fee_yen"),
            self.max_fee_yen.0,
            1,
            MAX_CONFIGURED,
        )?;
        within(
            &format!("{name}.voucher_ttl_minutes"),
            self.voucher_ttl_minutes,
            1,
            24 * 60,
        )?;
        if let Some(cap) = self.carry_over_cap {
            within(&format!("{name}.carry_over_cap"), cap, 0, MAX_CONFIGURED)?;
        }
        positive_limit(
            &format!("{name}.one_approver_limit_tickets"),
            self.one_approver_limit_tickets,
        )?;
        positive_limit(
            &format!("{name}.max_adjustment_tickets"),
            self.max_adjustment_tickets,
        )?;
        redeemers(name, &self.redeemed_by)
    }
}

impl Default for TicketAllowanceRules {
    /// A new ticket allowance: the ward states its tickets, names and who redeems them.
    fn default() -> Self {
        TicketAllowanceRules {
            period: AllowancePeriod::Month,
            grant_tickets: 0,
            per_ticket_ceiling_yen: Yen(5_000),
            max_fee_yen: Yen(10_000),
            unused_tickets: UnusedBalance::Lapse,
            carry_over_cap: None,
            carry_over_resets_at_fiscal_year: true,
            voucher_ttl_minutes: 5,
            one_approver_limit_tickets: None,
            max_adjustment_tickets: None,
            offered: true,
            name_ja: String::new(),
            name_en: String::new(),
            eligibility: Eligibility::default(),
            redeemed_by: Vec::new(),
            changes: Vec::new(),
        }
    }
}

/// ④ 在宅レスパイト・就労等支援事業.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RespiteRules {
    /// Minutes granted per fiscal year (formerly `minutes_per_fiscal_year`, still read).
    #[serde(alias = "minutes_per_fiscal_year")]
    pub grant_minutes: Minutes,
    pub billing_unit_minutes: Minutes,
    pub unused_minutes: UnusedBalance,
    /// With carry-over: the most that can be carried into a period (in the program's unit).
    /// Unset: no cap.
    pub carry_over_cap: Option<i64>,
    /// With carry-over: nothing is carried into the first period of a fiscal year (what is
    /// left at the fiscal year's end lapses).
    pub carry_over_resets_at_fiscal_year: bool,
    /// A station may record a visit that started at most this long before the booked start…
    pub early_start_tolerance_minutes: Minutes,
    /// …and ended at most this long after the booked end; outside that only staff may record
    /// it, as an exception with a reason.
    pub late_end_tolerance_minutes: Minutes,
    /// The family may dispute a recorded visit for this many days after it was recorded.
    pub dispute_days: i64,
    /// The longest one visit may be.
    pub max_visit_minutes: Minutes,
    /// A visit may be booked at most this many days ahead.
    pub booking_horizon_days: i64,
    /// As for a yen allowance, in minutes. Unset: one fiscal year's minutes.
    pub one_approver_limit_minutes: Option<Minutes>,
    /// Unset: one fiscal year's minutes.
    pub max_adjustment_minutes: Option<Minutes>,
    /// Whether the ward runs the program: `false` refuses applications and uses
    /// (`program_not_offered`); with a dated change, a program can end on a date.
    pub offered: bool,
    /// The program's name as families, partners and staff read it.
    pub name_ja: String,
    pub name_en: String,
    /// Who may use the program; checked at application, approval and every use.
    pub eligibility: Eligibility,
    /// Dated versions of these settings (`[[programs.respite.changes]]`, `from = YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<RuleChange>,
}

impl RespiteRules {
    pub(super) fn validate(&self, name: &str) -> Result<(), String> {
        let key = |k: &str| format!("{name}.{k}");
        within(
            &key("grant_minutes"),
            self.grant_minutes.0,
            0,
            366 * 24 * 60,
        )?;
        within(
            &key("billing_unit_minutes"),
            self.billing_unit_minutes.0,
            1,
            24 * 60,
        )?;
        within(
            &key("early_start_tolerance_minutes"),
            self.early_start_tolerance_minutes.0,
            0,
            24 * 60,
        )?;
        within(
            &key("late_end_tolerance_minutes"),
            self.late_end_tolerance_minutes.0,
            0,
            24 * 60,
        )?;
        within(&key("dispute_days"), self.dispute_days, 0, 366)?;
        within(
            &key("max_visit_minutes"),
            self.max_visit_minutes.0,
            1,
            7 * 24 * 60,
        )?;
        within(
            &key("booking_horizon_days"),
            self.booking_horizon_days,
            1,
            3 * 366,
        )?;
        if let Some(cap) = self.carry_over_cap {
            within(&key("carry_over_cap"), cap, 0, MAX_CONFIGURED)?;
        }
        positive_limit(
            &key("one_approver_limit_minutes"),
            self.one_approver_limit_minutes.map(|m| m.0),
        )?;
        positive_limit(
            &key("max_adjustment_minutes"),
            self.max_adjustment_minutes.map(|m| m.0),
        )
    }
}

impl Default for RespiteRules {
    fn default() -> Self {
        RespiteRules {
            grant_minutes: Minutes::from_hours(288),
            billing_unit_minutes: Minutes(30),
            unused_minutes: UnusedBalance::Lapse,
            carry_over_cap: None,
            carry_over_resets_at_fiscal_year: true,
            early_start_tolerance_minutes: Minutes(60),
            late_end_tolerance_minutes: Minutes(120),
            dispute_days: 14,
            max_visit_minutes: Minutes::from_hours(24),
            booking_horizon_days: 180,
            one_approver_limit_minutes: None,
            max_adjustment_minutes: None,
            offered: true,
            name_ja: "在宅レスパイト・就労等支援".into(),
            name_en: "In-home respite and work support".into(),
            eligibility: Eligibility::default(),
            changes: Vec::new(),
        }
    }
}

/// ⑤ インクルーシブひろばベル.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlaySpaceRules {
    /// `false`: a booking needs an approved play-space enrollment valid on the session's date;
    /// `true`: every registered household may book.
    pub open_to_all_households: bool,
    /// How long a booking's entry code stays valid once shown (also bounded by the session's end).
    pub entry_code_ttl_hours: i64,
    /// Whether the ward runs the program: `false` refuses applications and uses
    /// (`program_not_offered`); with a dated change, a program can end on a date.
    pub offered: bool,
    /// The program's name as families, partners and staff read it.
    pub name_ja: String,
    pub name_en: String,
    /// Who may use the program; checked at application, approval and every use.
    pub eligibility: Eligibility,
    /// Dated versions of these settings (`[[programs.play_space.changes]]`, `from = YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<RuleChange>,
}

impl PlaySpaceRules {
    pub(super) fn validate(&self, name: &str) -> Result<(), String> {
        within(
            &format!("{name}.entry_code_ttl_hours"),
            self.entry_code_ttl_hours,
            1,
            24 * 31,
        )
    }
}

impl Default for PlaySpaceRules {
    fn default() -> Self {
        PlaySpaceRules {
            open_to_all_households: false,
            entry_code_ttl_hours: 24,
            offered: true,
            name_ja: "インクルーシブひろばベル".into(),
            name_en: "Inclusive play space Bell".into(),
            eligibility: Eligibility::default(),
            changes: Vec::new(),
        }
    }
}

/// ⑧ 障害者医療ショートステイ事業.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShortStayRules {
    /// An admission may be recorded from this many days before the confirmed first day (and up
    /// to the confirmed last day).
    pub admission_tolerance_days: i64,
    /// The longest one stay may be, in days (first and last day included).
    pub max_stay_days: i64,
    /// A stay may be requested to start at most this many days ahead.
    pub request_horizon_days: i64,
    /// Whether the ward runs the program: `false` refuses applications and uses
    /// (`program_not_offered`); with a dated change, a program can end on a date.
    pub offered: bool,
    /// The program's name as families, partners and staff read it.
    pub name_ja: String,
    pub name_en: String,
    /// Who may use the program; checked at application, approval and every use.
    pub eligibility: Eligibility,
    /// Dated versions of these settings (`[[programs.short_stay.changes]]`, `from = YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<RuleChange>,
}

impl ShortStayRules {
    pub(super) fn validate(&self, name: &str) -> Result<(), String> {
        let key = |k: &str| format!("{name}.{k}");
        within(&key("max_stay_days"), self.max_stay_days, 1, 366)?;
        within(
            &key("request_horizon_days"),
            self.request_horizon_days,
            1,
            3 * 366,
        )?;
        within(
            &key("admission_tolerance_days"),
            self.admission_tolerance_days,
            0,
            31,
        )
    }
}

impl Default for ShortStayRules {
    fn default() -> Self {
        ShortStayRules {
            admission_tolerance_days: 1,
            max_stay_days: 60,
            request_horizon_days: 366,
            offered: true,
            name_ja: "医療ショートステイ".into(),
            name_en: "Medical short stay".into(),
            eligibility: Eligibility::default(),
            changes: Vec::new(),
        }
    }
}
