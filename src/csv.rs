//! CSV for staff and partners, who open it in Excel in Japan: UTF-8 with a byte-order mark,
//! CRLF line ends, fields quoted only when they must be (RFC 4180). Cells are typed: numbers
//! stay numbers, and a text cell that a spreadsheet would read as a formula (starting with
//! `=`, `+`, `-`, `@`, a tab, CR or LF) is neutralised with a leading apostrophe (OWASP CSV
//! injection).

/// Starts every CSV file so that Excel reads it as UTF-8.
pub const BOM: &str = "\u{feff}";

/// One cell of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    /// Free text: names, reasons, labels.
    Text(&'a str),
    /// An owned text cell (a formatted date, an id).
    Owned(String),
    /// A whole number (yen, minutes, counts): written as digits, never neutralised.
    Int(i64),
    /// Nothing.
    Empty,
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(s)
    }
}

impl From<String> for Cell<'_> {
    fn from(s: String) -> Self {
        Cell::Owned(s)
    }
}

impl<T: Into<Cell<'static>>> From<Option<T>> for Cell<'static> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// A text field, neutralised if a spreadsheet would run it, then quoted when it holds a
/// comma, a quote or a line break.
pub fn text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One line of cells, ending with CRLF.
pub fn line(cells: &[Cell<'_>]) -> String {
    let mut out = cells
        .iter()
        .map(|c| match c {
            Cell::Text(s) => text(s),
            Cell::Owned(s) => text(s),
            Cell::Int(n) => n.to_string(),
            Cell::Empty => String::new(),
        })
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// A header line of column names.
pub fn header(names: &[&str]) -> String {
    line(&names.iter().map(|n| Cell::Text(n)).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_breaks_are_quoted() {
        assert_eq!(
            line(&["a".into(), "b,c".into(), "say \"hi\"".into(), "x\ny".into()]),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n"
        );
    }

    #[test]
    fn text_a_spreadsheet_would_run_is_neutralised_and_numbers_are_not() {
        assert_eq!(
            line(&[
                "=HYPERLINK(\"http://evil.example/\",\"x\")".into(),
                "+1".into(),
                "-1".into(),
                "@SUM(A1)".into(),
                "\tx".into(),
                Cell::Int(-500),
                Cell::Empty,
            ]),
            "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\",'+1,'-1,'@SUM(A1),'\tx,-500,\r\n"
        );
    }
}
