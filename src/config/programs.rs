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

use super::dated::{self, RuleChange, current_key};
use super::kinds::{
    PlaySpaceRules, ProgramTerms, RespiteRules, ShortStayRules, TicketAllowanceRules,
    YenAllowanceRules,
};
use crate::partner_kinds::PartnerKind;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AllowancePeriod, Config};
    use crate::units::{Minutes, Yen};

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
