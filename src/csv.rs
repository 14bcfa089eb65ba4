//! CSV for staff, who open it in Excel in Japan: UTF-8 with a byte-order mark, CRLF line ends,
//! fields quoted only when they must be.

/// Starts every CSV file so that Excel reads it as UTF-8.
pub const BOM: &str = "\u{feff}";

/// One field, quoted when it holds a comma, a quote or a line break.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One line of fields, ending with CRLF.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = fields
        .iter()
        .map(|f| field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_with_commas_quotes_or_breaks_are_quoted() {
        assert_eq!(
            super::line(&["a", "b,c", "say \"hi\"", "x\ny"]),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n"
        );
    }
}
