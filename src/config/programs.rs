//! A program is a record of configuration: its id, its names, what it does (its kind: a yen or
//! ticket allowance redeemed with codes, respite hours, the play space, short stays), its
//! grant, period rule, carry-over, who redeems it, its eligibility and its limits. The
//! Shinagawa programs ④⑤⑧⑪⑫ are the default records; a ward changes them, switches them off
//! (`offered = false`) or adds allowances of its own (`[programs.pharmacy]` with
//! `kind = "yen_allowance"`). Only this loader knows the default programs' ids: the areas find
//! a program by its id or its kind.

use std::borrow::Cow;
use std::fmt;

use arrayvec::ArrayString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use super::dated::{self, RuleChange};
use crate::care_needs::CareNeed;
use crate::partner_kinds::PartnerKind;
use crate::units::{Minutes, Yen};

/// Longest program id.
const ID_MAX: usize = 24;

/// A program's id as the ward configures it (`taxi_fuel`, `pharmacy`): lowercase ASCII
/// letters, digits and `_`, starting with a letter, at most 24 characters. Copied freely; which
/// ids exist is the configuration's business ([`ProgramRules`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Program(ArrayString<ID_MAX>);

impl Program {
    /// An id of the right shape (whether the ward runs such a program is another question).
    pub fn parse(s: &str) -> Option<Program> {
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !first_ok || !rest_ok {
            return None;
        }
        ArrayString::from(s).ok().map(Program)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Program({})", self.as_str())
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Program {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Program {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(d)?;
        Program::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{text:?} is not a program id (lowercase letters, digits and _, at most {ID_MAX})"
            ))
        })
    }
}

impl PartialSchema for Program {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "A program the ward runs, by its configured id. `GET /api/v1/ward` lists \
                     the ward's programs with their names, kind and terms.",
                ))
                .pattern(Some("^[a-z][a-z0-9_]{0,23}$"))
                .max_length(Some(ID_MAX))
                .examples(["taxi_fuel"])
                .build(),
        ))
    }
}

impl ToSchema for Program {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Program")
    }
}

/// What a program does: the mechanism it uses. Several programs may share the allowance
/// kinds; a ward has one program of each of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    /// Yen a month (or a fiscal year), redeemed with a code for an amount (⑪ taxi and fuel).
    YenAllowance,
    /// Tickets a month, each covering fee components up to a ceiling (⑫ care taxi).
    TicketAllowance,
    /// Minutes a fiscal year, used by nurse-station visits (④ respite).
    RespiteHours,
    /// Sessions booked and entered with a code (⑤ the play space).
    PlaySpace,
    /// Stays requested from medical institutions (⑧ short stays).
    ShortStay,
}

impl ProgramKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProgramKind::YenAllowance => "yen_allowance",
            ProgramKind::TicketAllowance => "ticket_allowance",
            ProgramKind::RespiteHours => "respite_hours",
            ProgramKind::PlaySpace => "play_space",
            ProgramKind::ShortStay => "short_stay",
        }
    }
}

/// Who may use a program. Every condition set must hold; an empty one is no condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Eligibility {
    /// At least one of these care needs must be on the person's record (⑫: a wheelchair or a
    /// stretcher). Empty: no care need is required.
    pub care_needs_any: Vec<CareNeed>,
    /// A certificate staff record at approval (its number and last valid day), valid on the day
    /// of every use (⑪: the 医療型短期入所 受給者証).
    pub certificate: Option<CertificateRule>,
    /// Age in whole years on the day of the act, if the ward limits it.
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
}

impl Eligibility {
    fn certificate(ja: &str, en: &str) -> Eligibility {
        Eligibility {
            certificate: Some(CertificateRule {
                name_ja: ja.into(),
                name_en: en.into(),
            }),
            ..Eligibility::default()
        }
    }

    fn care_needs(any: &[CareNeed]) -> Eligibility {
        Eligibility {
            care_needs_any: any.to_vec(),
            ..Eligibility::default()
        }
    }

    fn validate(&self, program: &str) -> Result<(), String> {
        if let (Some(min), Some(max)) = (self.min_age, self.max_age)
            && min > max
        {
            return Err(format!(
                "programs.{program}.eligibility: min_age is above max_age"
            ));
        }
        if self.max_age.is_some_and(|a| a > 150) {
            return Err(format!(
                "programs.{program}.eligibility.max_age must be at most 150"
            ));
        }
        match &self.certificate {
            Some(c) if c.name_ja.trim().is_empty() || c.name_en.trim().is_empty() => Err(format!(
                "programs.{program}.eligibility.certificate needs name_ja and name_en"
            )),
            _ => Ok(()),
        }
    }
}

/// A certificate a program requires, by the names families and staff know it by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRule {
    pub name_ja: String,
    pub name_en: String,
}

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

/// Keys renamed since a ward's file may have been written, and their names now.
const RENAMED: [(&str, &str); 3] = [
    ("monthly_allowance_yen", "grant_yen"),
    ("tickets_per_month", "grant_tickets"),
    ("minutes_per_fiscal_year", "grant_minutes"),
];

/// A settings key by its current name.
pub(super) fn current_key(key: &str) -> &str {
    RENAMED
        .iter()
        .find(|(old, _)| *old == key)
        .map_or(key, |(_, now)| now)
}

/// What happens to an unused balance when its period ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnusedBalance {
    Lapse,
    CarryOver,
}

/// One program of a kind the ward has once: its id and its settings (read through it).
#[derive(Debug, Clone, PartialEq)]
pub struct OneProgram<T> {
    pub id: Program,
    pub rules: T,
}

impl<T> std::ops::Deref for OneProgram<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.rules
    }
}

impl<T> std::ops::DerefMut for OneProgram<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.rules
    }
}

/// An allowance families spend with a code shown to a partner.
#[derive(Debug, Clone, PartialEq)]
pub enum VoucherRules {
    Yen(YenAllowanceRules),
    Tickets(TicketAllowanceRules),
}

impl VoucherRules {
    pub fn kind(&self) -> ProgramKind {
        match self {
            VoucherRules::Yen(_) => ProgramKind::YenAllowance,
            VoucherRules::Tickets(_) => ProgramKind::TicketAllowance,
        }
    }

    /// How long a shown code stays valid.
    pub fn voucher_ttl_minutes(&self) -> i64 {
        match self {
            VoucherRules::Yen(r) => r.voucher_ttl_minutes,
            VoucherRules::Tickets(r) => r.voucher_ttl_minutes,
        }
    }

    /// The partner kinds whose devices may redeem the program's codes.
    pub fn redeemed_by(&self) -> &[PartnerKind] {
        match self {
            VoucherRules::Yen(r) => &r.redeemed_by,
            VoucherRules::Tickets(r) => &r.redeemed_by,
        }
    }

    pub fn terms(&self) -> ProgramTerms<'_> {
        match self {
            VoucherRules::Yen(r) => r.terms(),
            VoucherRules::Tickets(r) => r.terms(),
        }
    }

    fn changes(&self) -> &[RuleChange] {
        match self {
            VoucherRules::Yen(r) => &r.changes,
            VoucherRules::Tickets(r) => &r.changes,
        }
    }

    fn in_force(&self, id: Program, date: Option<chrono::NaiveDate>) -> Result<Self, String> {
        let name = id.as_str();
        Ok(match self {
            VoucherRules::Yen(r) => VoucherRules::Yen(dated::in_force(name, r, &r.changes, date)?),
            VoucherRules::Tickets(r) => {
                VoucherRules::Tickets(dated::in_force(name, r, &r.changes, date)?)
            }
        })
    }

    fn validate(&self, id: Program) -> Result<(), String> {
        match self {
            VoucherRules::Yen(r) => r.validate(id.as_str()),
            VoucherRules::Tickets(r) => r.validate(id.as_str()),
        }
    }

    fn overlay(&self, id: Program, table: toml::Table) -> Result<Self, String> {
        let name = id.as_str();
        Ok(match self {
            VoucherRules::Yen(r) => VoucherRules::Yen(overlay(name, r, table)?),
            VoucherRules::Tickets(r) => VoucherRules::Tickets(overlay(name, r, table)?),
        })
    }
}

/// Every program the ward runs, as configured: the code-redeemed allowances (any number, in
/// configuration order) and the one respite, play-space and short-stay program.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramRules {
    pub vouchers: Vec<OneProgram<VoucherRules>>,
    pub respite: OneProgram<RespiteRules>,
    pub play_space: OneProgram<PlaySpaceRules>,
    pub short_stay: OneProgram<ShortStayRules>,
}

fn id(s: &str) -> Program {
    Program::parse(s).unwrap_or_else(|| unreachable!("{s} is a valid id"))
}

impl Default for ProgramRules {
    /// The Shinagawa programs.
    fn default() -> Self {
        ProgramRules {
            vouchers: vec![
                OneProgram {
                    id: id("taxi_fuel"),
                    rules: VoucherRules::Yen(YenAllowanceRules::taxi_fuel()),
                },
                OneProgram {
                    id: id("care_taxi"),
                    rules: VoucherRules::Tickets(TicketAllowanceRules::care_taxi()),
                },
            ],
            respite: OneProgram {
                id: id("respite"),
                rules: RespiteRules::default(),
            },
            play_space: OneProgram {
                id: id("play_space"),
                rules: PlaySpaceRules::default(),
            },
            short_stay: OneProgram {
                id: id("short_stay"),
                rules: ShortStayRules::default(),
            },
        }
    }
}

impl ProgramRules {
    /// A code-redeemed allowance by id.
    pub fn voucher(&self, program: Program) -> Option<&VoucherRules> {
        self.vouchers
            .iter()
            .find(|v| v.id == program)
            .map(|v| &v.rules)
    }

    /// A yen allowance by id, to change in place (tests and tools building a configuration).
    pub fn yen_mut(&mut self, program: &str) -> Option<&mut YenAllowanceRules> {
        self.vouchers.iter_mut().find_map(|v| match &mut v.rules {
            VoucherRules::Yen(r) if v.id.as_str() == program => Some(r),
            _ => None,
        })
    }

    /// A ticket allowance by id, to change in place.
    pub fn tickets_mut(&mut self, program: &str) -> Option<&mut TicketAllowanceRules> {
        self.vouchers.iter_mut().find_map(|v| match &mut v.rules {
            VoucherRules::Tickets(r) if v.id.as_str() == program => Some(r),
            _ => None,
        })
    }

    /// What a program does, if the ward has it.
    pub fn kind_of(&self, program: Program) -> Option<ProgramKind> {
        self.all()
            .find(|(p, _, _)| *p == program)
            .map(|(_, k, _)| k)
    }

    /// A program's names, whether it is offered and its conditions, if the ward has it.
    pub fn terms_of(&self, program: Program) -> Option<ProgramTerms<'_>> {
        self.all()
            .find(|(p, _, _)| *p == program)
            .map(|(_, _, t)| t)
    }

    /// Every program: id, kind and terms, the allowances first.
    pub fn all(&self) -> impl Iterator<Item = (Program, ProgramKind, ProgramTerms<'_>)> {
        let vouchers = self.vouchers.iter().map(|v| (v.id, v.kind(), v.terms()));
        vouchers.chain([
            (
                self.respite.id,
                ProgramKind::RespiteHours,
                self.respite.terms(),
            ),
            (
                self.play_space.id,
                ProgramKind::PlaySpace,
                self.play_space.terms(),
            ),
            (
                self.short_stay.id,
                ProgramKind::ShortStay,
                self.short_stay.terms(),
            ),
        ])
    }

    /// Every program's dated changes, by id.
    pub(super) fn changes(&self) -> Vec<(Program, &[RuleChange])> {
        let mut out: Vec<(Program, &[RuleChange])> =
            self.vouchers.iter().map(|v| (v.id, v.changes())).collect();
        out.push((self.respite.id, &self.respite.changes));
        out.push((self.play_space.id, &self.play_space.changes));
        out.push((self.short_stay.id, &self.short_stay.changes));
        out
    }

    /// Every program's settings as they stand on `date` (`None`: before any change).
    pub(super) fn in_force(&self, date: Option<chrono::NaiveDate>) -> Result<ProgramRules, String> {
        fn one<T: Serialize + DeserializeOwned>(
            p: &OneProgram<T>,
            changes: &[RuleChange],
            date: Option<chrono::NaiveDate>,
        ) -> Result<OneProgram<T>, String> {
            Ok(OneProgram {
                id: p.id,
                rules: dated::in_force(p.id.as_str(), &p.rules, changes, date)?,
            })
        }
        Ok(ProgramRules {
            vouchers: self
                .vouchers
                .iter()
                .map(|v| {
                    Ok(OneProgram {
                        id: v.id,
                        rules: v.rules.in_force(v.id, date)?,
                    })
                })
                .collect::<Result<_, String>>()?,
            respite: one(&self.respite, &self.respite.changes, date)?,
            play_space: one(&self.play_space, &self.play_space.changes, date)?,
            short_stay: one(&self.short_stay, &self.short_stay.changes, date)?,
        })
    }

    pub(super) fn validate(&self) -> Result<(), String> {
        for (id, _, t) in self.all() {
            t.validate(id.as_str())?;
        }
        for v in &self.vouchers {
            v.rules.validate(v.id)?;
        }
        self.respite.validate(self.respite.id.as_str())?;
        self.play_space.validate(self.play_space.id.as_str())?;
        self.short_stay.validate(self.short_stay.id.as_str())
    }

    /// Reads `[programs.*]`: each table changes the default program with its id, or adds an
    /// allowance of the kind it names.
    fn from_table(table: toml::Table) -> Result<ProgramRules, String> {
        let mut rules = ProgramRules::default();
        for (name, value) in table {
            let program = Program::parse(&name).ok_or_else(|| {
                format!(
                    "programs.{name}: a program id is lowercase letters, digits and _, starting \
                     with a letter, at most {ID_MAX} characters"
                )
            })?;
            let toml::Value::Table(mut t) = value else {
                return Err(format!("programs.{name} must be a table"));
            };
            let kind: Option<ProgramKind> = t
                .remove("kind")
                .map(|k| {
                    k.try_into().map_err(|_| {
                        format!(
                            "programs.{name}.kind must be one of yen_allowance, \
                             ticket_allowance, respite_hours, play_space, short_stay"
                        )
                    })
                })
                .transpose()?;
            let existing = rules.kind_of(program);
            if let (Some(was), Some(said)) = (existing, kind)
                && was != said
            {
                return Err(format!(
                    "programs.{name} is a {} program; its kind cannot change",
                    was.as_str()
                ));
            }
            match existing.or(kind) {
                None => {
                    return Err(format!(
                        "programs.{name} is a new program: give its kind (kind = \"yen_allowance\" \
                         or \"ticket_allowance\")"
                    ));
                }
                Some(ProgramKind::YenAllowance | ProgramKind::TicketAllowance) => {
                    match rules.vouchers.iter_mut().find(|v| v.id == program) {
                        Some(v) => v.rules = v.rules.overlay(program, t)?,
                        None => {
                            let base = match kind {
                                Some(ProgramKind::TicketAllowance) => {
                                    VoucherRules::Tickets(TicketAllowanceRules::default())
                                }
                                _ => VoucherRules::Yen(YenAllowanceRules::default()),
                            };
                            rules.vouchers.push(OneProgram {
                                id: program,
                                rules: base.overlay(program, t)?,
                            });
                        }
                    }
                }
                Some(k) if existing.is_none() => {
                    let one = match k {
                        ProgramKind::RespiteHours => rules.respite.id,
                        ProgramKind::PlaySpace => rules.play_space.id,
                        _ => rules.short_stay.id,
                    };
                    return Err(format!(
                        "programs.{name}: a ward has one {} program; configure [programs.{one}]",
                        k.as_str()
                    ));
                }
                Some(ProgramKind::RespiteHours) => {
                    rules.respite.rules = overlay(&name, &rules.respite.rules, t)?;
                }
                Some(ProgramKind::PlaySpace) => {
                    rules.play_space.rules = overlay(&name, &rules.play_space.rules, t)?;
                }
                Some(ProgramKind::ShortStay) => {
                    rules.short_stay.rules = overlay(&name, &rules.short_stay.rules, t)?;
                }
            }
        }
        Ok(rules)
    }
}

/// Settings with the keys of `table` put over them; unknown keys are refused.
fn overlay<T: Serialize + DeserializeOwned>(
    name: &str,
    base: &T,
    table: toml::Table,
) -> Result<T, String> {
    let mut merged = toml::Table::try_from(base).map_err(|e| format!("programs.{name}: {e}"))?;
    for (key, value) in table {
        merged.insert(current_key(&key).to_owned(), value);
    }
    merged
        .try_into()
        .map_err(|e: toml::de::Error| format!("programs.{name}: {}", e.message()))
}

impl<'de> Deserialize<'de> for ProgramRules {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let table = toml::Table::deserialize(d)?;
        ProgramRules::from_table(table).map_err(serde::de::Error::custom)
    }
}

impl Serialize for ProgramRules {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap};
        fn tagged<T: Serialize, E: Error>(kind: ProgramKind, rules: &T) -> Result<toml::Table, E> {
            let mut t = toml::Table::try_from(rules).map_err(E::custom)?;
            t.insert("kind".into(), toml::Value::String(kind.as_str().into()));
            Ok(t)
        }
        let mut map = s.serialize_map(None)?;
        for v in &self.vouchers {
            let t = match &v.rules {
                VoucherRules::Yen(r) => tagged(ProgramKind::YenAllowance, r)?,
                VoucherRules::Tickets(r) => tagged(ProgramKind::TicketAllowance, r)?,
            };
            map.serialize_entry(v.id.as_str(), &t)?;
        }
        let r = tagged(ProgramKind::RespiteHours, &self.respite.rules)?;
        map.serialize_entry(self.respite.id.as_str(), &r)?;
        let p = tagged(ProgramKind::PlaySpace, &self.play_space.rules)?;
        map.serialize_entry(self.play_space.id.as_str(), &p)?;
        let st = tagged(ProgramKind::ShortStay, &self.short_stay.rules)?;
        map.serialize_entry(self.short_stay.id.as_str(), &st)?;
        map.end()
    }
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
    fn validate(&self, program: &str) -> Result<(), String> {
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
    fn taxi_fuel() -> Self {
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

    fn validate(&self, name: &str) -> Result<(), String> {
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
    /// As for taxi/fuel, in tickets. Unset: one month's tickets.
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
    fn care_taxi() -> Self {
        TicketAllowanceRules {
            grant_tickets: 4,
            name_ja: "介護タクシー利用補助券".into(),
            name_en: "Care-taxi tickets".into(),
            eligibility: Eligibility::care_needs(&[CareNeed::Wheelchair, CareNeed::Stretcher]),
            redeemed_by: vec![PartnerKind::CareTaxiOperator],
            ..TicketAllowanceRules::default()
        }
    }

    fn validate(&self, name: &str) -> Result<(), String> {
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
    /// As for taxi/fuel, in minutes. Unset: one fiscal year's minutes.
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
    fn validate(&self, name: &str) -> Result<(), String> {
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
    fn validate(&self, name: &str) -> Result<(), String> {
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
    fn validate(&self, name: &str) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn refused(text: &str) -> String {
        match Config::parse(text) {
            Err(e) => e.to_string(),
            Ok(c) => c.validate().expect_err("refused").to_string(),
        }
    }

    const PHARMACY: &str = r#"
        [programs.pharmacy]
        kind = "yen_allowance"
        name_ja = "薬局助成"
        name_en = "Pharmacy allowance"
        grant_yen = 3000
        redeemed_by = ["pharmacy"]
    "#;

    #[test]
    fn a_ward_adds_a_program_by_naming_its_kind_and_keeps_the_defaults_beside_it() {
        let c = Config::parse(PHARMACY).unwrap();
        c.validate().unwrap();
        let p = Program::parse("pharmacy").unwrap();
        assert_eq!(c.programs.kind_of(p), Some(ProgramKind::YenAllowance));
        let Some(VoucherRules::Yen(r)) = c.programs.voucher(p) else {
            panic!("a yen allowance")
        };
        assert_eq!(r.grant_yen, Yen(3_000));
        assert_eq!(r.redeemed_by, vec![PartnerKind::Pharmacy]);
        assert_eq!(
            c.programs
                .all()
                .map(|(p, _, _)| p.to_string())
                .collect::<Vec<_>>(),
            [
                "taxi_fuel",
                "care_taxi",
                "pharmacy",
                "respite",
                "play_space",
                "short_stay"
            ]
        );
    }

    #[test]
    fn a_new_program_needs_its_kind_its_names_and_who_redeems_it() {
        assert!(refused("[programs.pharmacy]\ngrant_yen = 1\n").contains("give its kind"));
        let nameless = PHARMACY.replace("name_ja = \"薬局助成\"", "");
        assert!(refused(&nameless).contains("programs.pharmacy.name_ja"));
        let nobody = PHARMACY.replace("redeemed_by = [\"pharmacy\"]", "");
        assert!(refused(&nobody).contains("redeemed_by must name"));
        let nurses = PHARMACY.replace("[\"pharmacy\"]", "[\"nurse_station\"]");
        assert!(refused(&nurses).contains("nurse_station partners do not redeem codes"));
    }

    #[test]
    fn ids_kinds_and_the_one_of_each_service_program_are_checked() {
        assert!(refused("[programs.Pharmacy]\nkind = \"yen_allowance\"\n").contains("program id"));
        assert!(
            refused("[programs.respite]\nkind = \"yen_allowance\"\n").contains("cannot change")
        );
        assert!(
            refused("[programs.respite_two]\nkind = \"respite_hours\"\n")
                .contains("one respite_hours program; configure [programs.respite]")
        );
        assert!(
            refused("[programs.pharmacy]\nkind = \"lottery\"\n").contains("kind must be one of")
        );
    }

    #[test]
    fn program_ids_have_one_shape() {
        for good in ["taxi_fuel", "p", "pharmacy2", "a_b_c"] {
            assert!(Program::parse(good).is_some(), "{good}");
        }
        for bad in [
            "",
            "2pharmacy",
            "_x",
            "Taxi",
            "taxi-fuel",
            "ｐ",
            &"x".repeat(25),
        ] {
            assert!(Program::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_dated_change_of_an_added_program_is_checked_like_its_base() {
        let text = format!(
            "{PHARMACY}\n[[programs.pharmacy.changes]]\nfrom = 2027-04-01\ngrant_yen = -1\n"
        );
        assert!(refused(&text).contains("programs.pharmacy.grant_yen"));
    }

    #[test]
    fn a_file_written_with_the_former_key_names_still_reads_the_same() {
        let mut old = Config::parse(
            "[programs.taxi_fuel]\nmonthly_allowance_yen = 15000\n\
             [programs.care_taxi]\ntickets_per_month = 6\n\
             [programs.respite]\nminutes_per_fiscal_year = 12000\n\
             [[programs.respite.changes]]\nfrom = 2027-04-01\nminutes_per_fiscal_year = 13000\n",
        )
        .unwrap();
        old.validate().unwrap();
        assert_eq!(
            old.programs.yen_mut("taxi_fuel").unwrap().grant_yen,
            Yen(15_000)
        );
        assert_eq!(
            old.programs.tickets_mut("care_taxi").unwrap().grant_tickets,
            6
        );
        let book = old.rule_book().unwrap();
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            book.on(day("2027-03-31")).respite.grant_minutes,
            Minutes(12_000)
        );
        assert_eq!(
            book.on(day("2027-04-01")).respite.grant_minutes,
            Minutes(13_000)
        );
    }

    #[test]
    fn an_allowance_may_last_a_fiscal_year_but_its_period_never_changes_on_a_date() {
        let yearly = format!("{PHARMACY}period = \"fiscal_year\"\n");
        let c = Config::parse(&yearly).unwrap();
        c.validate().unwrap();
        let Some(VoucherRules::Yen(r)) = c.programs.voucher(Program::parse("pharmacy").unwrap())
        else {
            panic!("a yen allowance")
        };
        assert_eq!(r.period, AllowancePeriod::FiscalYear);
        let changing =
            "[[programs.taxi_fuel.changes]]\nfrom = 2027-04-01\nperiod = \"fiscal_year\"\n";
        assert!(refused(changing).contains("period cannot change on a date"));
    }
}
