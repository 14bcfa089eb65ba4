//! Yearly figures (実績) in one shape for every program, as the ward reports them: for each
//! month of a fiscal year, the people served (recipients), the uses and the amount in the
//! program's unit, and the year with each person counted once. Each area says what a use of
//! its program is (a redemption, a recorded visit, an admission, a check-in at the door) as a
//! list of [`Use`]s; this module only counts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::{Calendar, FiscalYear, Month};
use crate::config::{Program, ProgramKind};

/// One use of a program: the month it counts in, the person served and the amount it used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use {
    pub month: Month,
    pub person: Uuid,
    pub amount: i64,
}

/// What a program's `amount` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmountUnit {
    /// Yen the ward covered (a yen allowance).
    Yen,
    /// Tickets used (a ticket allowance).
    Ticket,
    /// Minutes of recorded visits (respite).
    Minute,
    /// Days of admitted stays, first and last included (short stays).
    Day,
    /// Children who came in (the play space).
    Child,
}

impl AmountUnit {
    /// The unit of a program's figures, by the program's kind.
    pub fn of(kind: ProgramKind) -> AmountUnit {
        match kind {
            ProgramKind::YenAllowance => AmountUnit::Yen,
            ProgramKind::TicketAllowance => AmountUnit::Ticket,
            ProgramKind::RespiteHours => AmountUnit::Minute,
            ProgramKind::ShortStay => AmountUnit::Day,
            ProgramKind::PlaySpace => AmountUnit::Child,
        }
    }

    /// The CSV column heading of the amount.
    fn heading_ja(self) -> &'static str {
        match self {
            AmountUnit::Yen => "助成額（円）",
            AmountUnit::Ticket => "利用枚数",
            AmountUnit::Minute => "利用時間（分）",
            AmountUnit::Day => "利用日数",
            AmountUnit::Child => "来場児童数",
        }
    }
}

/// One month's figures, or the year's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = ProgramTally)]
pub struct Tally {
    /// `2026-04`, or `FY2026` for the year.
    #[schema(example = "2026-04")]
    pub month: String,
    /// People with at least one use (in the year: counted once).
    pub recipients: i64,
    pub uses: i64,
    /// In `unit`.
    pub amount: i64,
}

/// A fiscal year's figures for one program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProgramFigures {
    pub program: Program,
    pub kind: ProgramKind,
    /// The program's name as configured for the year's first day.
    #[schema(example = "介護タクシー利用補助券")]
    pub name_ja: String,
    #[schema(example = "FY2026")]
    pub fiscal_year: String,
    #[schema(example = "令和8年度（2026年度）")]
    pub fiscal_year_ja: String,
    /// What `amount` counts.
    pub unit: AmountUnit,
    /// Every month of the fiscal year, in order, including months without uses.
    pub months: Vec<Tally>,
    pub total: Tally,
}

/// The twelve months of a fiscal year.
pub fn months_of(cal: &Calendar, fy: FiscalYear) -> Vec<Month> {
    let first = cal.fiscal_year_first_day(fy);
    (0u32..12)
        .map(|i| {
            let m0 = first.month0() + i;
            // m0 < 24: the year moves by at most one.
            let next_year = i32::from(m0 >= 12);
            Month {
                year: first.year() + next_year,
                month: m0 % 12 + 1,
            }
        })
        .collect()
}

/// A number of people as the figures count them.
pub fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// What a program is, for its figures.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub program: Program,
    pub kind: ProgramKind,
    pub name_ja: &'a str,
}

/// Counts a year's uses month by month; uses outside the year are left out.
pub fn tally(cal: &Calendar, fy: FiscalYear, subject: Subject<'_>, uses: &[Use]) -> ProgramFigures {
    let months = months_of(cal, fy);
    let mut by_month: BTreeMap<Month, (Tally, BTreeSet<Uuid>)> = BTreeMap::new();
    let mut everyone = BTreeSet::new();
    let mut total = Tally {
        month: format!("FY{}", fy.0),
        ..Tally::default()
    };
    for u in uses.iter().filter(|u| months.contains(&u.month)) {
        let (m, people) = by_month.entry(u.month).or_default();
        people.insert(u.person);
        everyone.insert(u.person);
        for t in [&mut *m, &mut total] {
            t.uses = t.uses.saturating_add(1);
            t.amount = t.amount.saturating_add(u.amount);
        }
    }
    total.recipients = count(everyone.len());
    let months = months
        .iter()
        .map(|month| {
            let (t, people) = by_month.remove(month).unwrap_or_default();
            Tally {
                month: month.to_string(),
                recipients: count(people.len()),
                ..t
            }
        })
        .collect();
    ProgramFigures {
        program: subject.program,
        kind: subject.kind,
        name_ja: subject.name_ja.to_owned(),
        fiscal_year: format!("FY{}", fy.0),
        fiscal_year_ja: fy.ja(),
        unit: AmountUnit::of(subject.kind),
        months,
        total,
    }
}

/// The figures as a CSV for Excel: one line per month and the year's line.
pub fn to_csv(f: &ProgramFigures) -> String {
    use crate::csv::{Cell, header, line};
    let mut out = String::from(crate::csv::BOM);
    out.push_str(&header(&[
        "事業",
        "年度",
        "月",
        "利用者数（実人数）",
        "利用件数",
        f.unit.heading_ja(),
    ]));
    let month_ja = |key: &str| Month::parse(key).map_or_else(|| "年度計".to_owned(), |m| m.ja());
    for t in f.months.iter().chain(std::iter::once(&f.total)) {
        out.push_str(&line(&[
            Cell::Text(&f.name_ja),
            Cell::Text(&f.fiscal_year_ja),
            Cell::Text(&month_ja(&t.month)),
            Cell::Int(t.recipients),
            Cell::Int(t.uses),
            Cell::Int(t.amount),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(start: u32) -> Calendar {
        Calendar {
            zone: chrono_tz::Asia::Tokyo,
            fiscal_year_start_month: start,
        }
    }

    #[test]
    fn a_fiscal_year_has_twelve_months_from_its_first() {
        let m = months_of(&cal(4), FiscalYear(2026));
        assert_eq!(m.first().unwrap().to_string(), "2026-04");
        assert_eq!(m.last().unwrap().to_string(), "2027-03");
        let jan = months_of(&cal(1), FiscalYear(2026));
        assert_eq!(jan.last().unwrap().to_string(), "2026-12");
    }

    #[test]
    fn a_person_counts_once_a_month_and_once_a_year_and_uses_outside_the_year_are_left_out() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let m = |year, month| Month { year, month };
        let uses = [
            Use {
                month: m(2026, 4),
                person: a,
                amount: 60,
            },
            Use {
                month: m(2026, 4),
                person: a,
                amount: 90,
            },
            Use {
                month: m(2026, 5),
                person: a,
                amount: 30,
            },
            Use {
                month: m(2026, 5),
                person: b,
                amount: 120,
            },
            Use {
                month: m(2026, 3),
                person: b,
                amount: 999,
            },
        ];
        let subject = Subject {
            program: Program::parse("respite").unwrap(),
            kind: ProgramKind::RespiteHours,
            name_ja: "在宅レスパイト",
        };
        let f = tally(&cal(4), FiscalYear(2026), subject, &uses);
        assert_eq!(f.unit, AmountUnit::Minute);
        assert_eq!(
            (f.months[0].recipients, f.months[0].uses, f.months[0].amount),
            (1, 2, 150)
        );
        assert_eq!(
            (f.months[1].recipients, f.months[1].uses, f.months[1].amount),
            (2, 2, 150)
        );
        assert_eq!(
            (f.total.recipients, f.total.uses, f.total.amount),
            (2, 4, 300)
        );
        let csv = to_csv(&f);
        assert!(csv.contains("利用時間（分）"));
        assert!(csv.contains("年度計"));
    }
}
