//! A voucher program's yearly figures (実績), as the ward reports them for every program:
//! recipients, uses and amounts covered, month by month through a fiscal year. A reversed
//! redemption is not a use.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::{Calendar, FiscalYear, Month};
use crate::enrollments::Program;
use crate::entity::redemption;
use crate::figures::{self, count, months_of};

/// One month's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct MonthFigures {
    #[schema(example = "2026-04")]
    pub month: String,
    /// People with at least one use in the month.
    pub recipients: i64,
    /// Redemptions not reversed (rides or refuels).
    pub uses: i64,
    /// Tickets used (ticket allowances); 0 for yen allowances.
    pub tickets_used: i64,
    /// Yen the ward covers.
    pub covered_yen: i64,
    /// Yen the families paid beyond it.
    pub family_paid_yen: i64,
}

/// A fiscal year's figures for one voucher program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct YearFigures {
    pub program: Program,
    #[schema(example = "FY2026")]
    pub fiscal_year: String,
    /// As Japanese offices name it: 令和8年度（2026年度）.
    #[schema(example = "令和8年度（2026年度）")]
    pub fiscal_year_ja: String,
    /// Every month of the fiscal year, in order, including months without uses.
    pub months: Vec<MonthFigures>,
    /// The year: recipients counted once however many months they used the program.
    pub total: MonthFigures,
}

pub async fn year(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    program: Program,
    fy: FiscalYear,
) -> Result<YearFigures, DbErr> {
    let months = months_of(cal, fy);
    let keys: Vec<String> = months.iter().map(|m| m.to_string()).collect();
    let rows = redemption::Entity::find()
        .filter(redemption::Column::Program.eq(program.as_str()))
        .filter(redemption::Column::Month.is_in(keys.clone()))
        .filter(redemption::Column::ReversedAt.is_null())
        .all(conn)
        .await?;
    let mut by_month: BTreeMap<&str, (MonthFigures, BTreeSet<Uuid>)> = BTreeMap::new();
    let mut everyone = BTreeSet::new();
    let mut total = MonthFigures {
        month: format!("FY{}", fy.0),
        ..MonthFigures::default()
    };
    for r in &rows {
        let (m, people) = by_month.entry(r.month.as_str()).or_default();
        people.insert(r.child_id);
        everyone.insert(r.child_id);
        for f in [&mut *m, &mut total] {
            f.uses = f.uses.saturating_add(1);
            f.tickets_used = f.tickets_used.saturating_add(r.tickets_used);
            f.covered_yen = f.covered_yen.saturating_add(r.covered_yen);
            f.family_paid_yen = f.family_paid_yen.saturating_add(r.family_pays_yen);
        }
    }
    total.recipients = count(everyone.len());
    let months = keys
        .iter()
        .map(|k| {
            let (f, people) = by_month.remove(k.as_str()).unwrap_or_default();
            MonthFigures {
                month: k.clone(),
                recipients: count(people.len()),
                ..f
            }
        })
        .collect();
    Ok(YearFigures {
        program,
        fiscal_year: format!("FY{}", fy.0),
        fiscal_year_ja: fy.ja(),
        months,
        total,
    })
}

/// Every use of a voucher program in a fiscal year, for the figures of every program: a
/// redemption not reversed, counted in its month, for the yen it covered or the tickets used.
pub async fn uses(
    conn: &impl ConnectionTrait,
    cal: &Calendar,
    program: Program,
    fy: FiscalYear,
    unit: figures::AmountUnit,
) -> Result<Vec<figures::Use>, DbErr> {
    let keys: Vec<String> = months_of(cal, fy).iter().map(|m| m.to_string()).collect();
    let rows = redemption::Entity::find()
        .filter(redemption::Column::Program.eq(program.as_str()))
        .filter(redemption::Column::Month.is_in(keys))
        .filter(redemption::Column::ReversedAt.is_null())
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(figures::Use {
                month: Month::parse(&r.month)?,
                person: r.child_id,
                amount: match unit {
                    figures::AmountUnit::Ticket => r.tickets_used,
                    _ => r.covered_yen,
                },
            })
        })
        .collect())
}

/// The figures as a CSV for Excel: one line per month and a total line, under the program's
/// configured name.
pub fn to_csv(y: &YearFigures, program_name: &str) -> String {
    use crate::csv::{Cell, header, line};
    let mut out = String::from(crate::csv::BOM);
    out.push_str(&header(&[
        "事業",
        "年度",
        "月",
        "利用者数",
        "利用件数",
        "利用枚数",
        "助成額（円）",
        "自己負担額（円）",
    ]));
    let month_ja = |key: &str| Month::parse(key).map_or_else(|| "年度計".to_owned(), |m| m.ja());
    for f in y.months.iter().chain(std::iter::once(&y.total)) {
        out.push_str(&line(&[
            Cell::Text(program_name),
            Cell::Text(&y.fiscal_year_ja),
            Cell::Text(&month_ja(&f.month)),
            Cell::Int(f.recipients),
            Cell::Int(f.uses),
            Cell::Int(f.tickets_used),
            Cell::Int(f.covered_yen),
            Cell::Int(f.family_paid_yen),
        ]));
    }
    out
}
