//! A statement as CSV for Excel (UTF-8 with BOM, CRLF): one line per statement line, then,
//! after an empty line, the totals under their own columns. Every column holds one kind of
//! value; the amount columns sum to the totals (a reversed line shows 0 covered and its amount
//! under 取消額; a reversal of an earlier month shows minus the amount under 助成額). Text is
//! neutralised against spreadsheet formulas; labels are Japanese.

use chrono_tz::Tz;

use super::{Statement, StatementLine};
use crate::config::ProgramRules;
use crate::csv::{BOM, Cell, header, line};

/// The columns, in order.
pub const COLUMNS: [&str; 17] = [
    "区分",
    "利用ID",
    "利用日時",
    "利用日",
    "端末",
    "事業",
    "用途",
    "利用額(円)",
    "予約料(円)",
    "迎車料(円)",
    "基本介助料(円)",
    "助成額(円)",
    "取消額(円)",
    "自己負担額(円)",
    "取消日時",
    "取消理由",
    "元の請求月",
];

fn purpose_ja(p: crate::vouchers::Purpose) -> &'static str {
    use crate::vouchers::Purpose;
    match p {
        Purpose::TaxiFare => "タクシー運賃",
        Purpose::Fuel => "自動車燃料",
        Purpose::CareTaxi => "介護タクシー",
        Purpose::Pharmacy => "薬局",
    }
}

/// The program's name in the settings of the statement's month (stable once the month is
/// closed: a renamed program is a dated change from a later day).
fn program_ja<'a>(names: &'a ProgramRules, l: &'a StatementLine) -> &'a str {
    names
        .terms_of(l.program)
        .map_or(l.program.as_str(), |t| t.name_ja)
}

fn cells<'a>(l: &'a StatementLine, zone: Tz, names: &'a ProgramRules) -> Vec<Cell<'a>> {
    let at = |t: chrono::DateTime<chrono::Utc>| {
        Cell::Owned(
            t.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
        )
    };
    let int = |v: Option<i64>| v.map_or(Cell::Empty, Cell::Int);
    vec![
        Cell::Text(l.kind.ja()),
        Cell::Owned(l.redemption_id.to_string()),
        at(l.redeemed_at),
        Cell::Owned(l.local_date.to_string()),
        Cell::Text(&l.device_label),
        Cell::Text(program_ja(names, l)),
        Cell::Text(purpose_ja(l.purpose)),
        int(l.requested_yen),
        int(l.reservation_fee_yen),
        int(l.pickup_fee_yen),
        int(l.basic_assistance_fee_yen),
        Cell::Int(l.covered_yen),
        Cell::Int(l.reversed_yen),
        Cell::Int(l.family_pays_yen),
        l.reversed_at.map_or(Cell::Empty, at),
        l.reversal_reason.as_deref().map_or(Cell::Empty, Cell::Text),
        l.original_month.as_deref().map_or(Cell::Empty, Cell::Text),
    ]
}

/// The statement as CSV.
/// `names`: the program settings in force on the statement month's first day.
pub fn to_csv(s: &Statement, zone: Tz, names: &ProgramRules) -> String {
    let mut out = String::from(BOM);
    out.push_str(&header(&COLUMNS));
    for l in &s.lines {
        out.push_str(&line(&cells(l, zone, names)));
    }
    out.push_str("\r\n");
    let mut totals = vec![Cell::Empty; COLUMNS.len()];
    totals[0] = Cell::Text("合計");
    totals[11] = Cell::Int(s.covered_yen);
    totals[12] = Cell::Int(s.reversed_yen);
    totals[13] = Cell::Int(s.family_pays_yen);
    out.push_str(&line(&totals));
    out
}

/// `sha256:` and the hex digest of a CSV's bytes.
pub fn digest(csv: &str) -> String {
    format!("sha256:{}", crate::auth::token::digest(csv))
}

/// The file names: ASCII for old clients, Japanese (partner and month) for the rest.
pub fn file_names(s: &Statement) -> (String, String) {
    (
        format!("settlement-{}-{}.csv", s.month, s.partner_id),
        format!("請求明細_{}_{}.csv", s.partner_name, s.month),
    )
}
