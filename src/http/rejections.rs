//! Our own sentences for a request the parsers refuse: the library's English text (serde's
//! "unknown field `amount`, expected `program`", axum's "Cannot parse `child_id`…") never
//! reaches a person. Each problem names the member or parameter in `field`.
//!
//! A body that is not JSON at all is 400 `invalid_json`; JSON whose members are missing,
//! unknown or of the wrong type is 422 `invalid_body`.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;

use super::problem::{ApiError, Code};

/// Where a refused value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Body,
    Query,
}

impl Place {
    fn problem(self) -> ApiError {
        match self {
            Place::Body => ApiError::unprocessable(Code::InvalidBody),
            Place::Query => ApiError::bad_request(Code::InvalidQuery),
        }
    }

    fn noun(self) -> (&'static str, &'static str) {
        match self {
            Place::Body => ("member", "項目"),
            Place::Query => ("query parameter", "クエリパラメータ"),
        }
    }
}

/// The names between backticks in a serde message: "unknown field `a`, expected `b` or `c`".
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// What a value should look like, from serde's "expected …", in both languages.
fn expected(message: &str) -> Option<(&'static str, &'static str)> {
    let wanted = message.rsplit("expected ").next()?.trim();
    let pick = |en, ja| Some((en, ja));
    match wanted {
        w if w.starts_with('u') && w[1..].chars().all(|c| c.is_ascii_digit()) => {
            pick("a whole number of 0 or more", "0以上の整数")
        }
        w if w.starts_with('i') && w[1..].chars().all(|c| c.is_ascii_digit()) => {
            pick("a whole number", "整数")
        }
        "a string" | "a borrowed string" => pick("text", "文字列"),
        "a boolean" => pick("true or false", "true または false"),
        "a sequence" => pick("a list", "配列"),
        "UUID" | "a UUID string" => pick("an id (UUID)", "ID（UUID）"),
        w if w.starts_with("struct ") || w == "a map" => pick("an object", "オブジェクト"),
        _ => None,
    }
}

/// A deserialization failure at `path` (serde_path_to_error's path, "." at the top).
pub fn refused(place: Place, path: &str, message: &str) -> ApiError {
    let (noun_en, noun_ja) = place.noun();
    let names = quoted(message);
    let at = |key: &str| {
        if path == "." || path.is_empty() {
            key.to_owned()
        } else if path.ends_with(key) {
            path.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    if message.starts_with("unknown field") {
        let field = at(names.first().copied().unwrap_or_default());
        let allowed = names.get(1..).unwrap_or_default().join(", ");
        let (en_more, ja_more) = if allowed.is_empty() {
            (String::new(), String::new())
        } else {
            (
                format!(" It takes: {allowed}."),
                format!("指定できる{noun_ja}: {}", allowed.replace(", ", "、")),
            )
        };
        return place
            .problem()
            .detail(
                format!("This operation does not take the {noun_en} {field}.{en_more}"),
                format!("この操作では{noun_ja}「{field}」は使えません。{ja_more}"),
            )
            .with("field", field);
    }
    if message.starts_with("missing field") {
        let field = at(names.first().copied().unwrap_or_default());
        return place
            .problem()
            .detail(
                format!("The {noun_en} {field} is required."),
                format!("{noun_ja}「{field}」を指定してください。"),
            )
            .with("field", field);
    }
    let field = if path == "." || path.is_empty() {
        String::new()
    } else {
        path.to_owned()
    };
    if message.starts_with("unknown variant") {
        let allowed = names.get(1..).unwrap_or_default();
        return place
            .problem()
            .detail(
                format!(
                    "{field} cannot be {}; it takes one of: {}.",
                    names.first().copied().unwrap_or_default(),
                    allowed.join(", ")
                ),
                format!(
                    "{noun_ja}「{field}」に「{}」は指定できません。指定できる値: {}",
                    names.first().copied().unwrap_or_default(),
                    allowed.join("、")
                ),
            )
            .with("field", field);
    }
    if let Some((en, ja)) = crate::text::split_bilingual(message) {
        let e = place.problem().detail(en, ja);
        return if field.is_empty() {
            e
        } else {
            e.with("field", field)
        };
    }
    let (en, ja) = match (field.is_empty(), expected(message)) {
        (true, _) => (
            "The body must be a JSON object.".to_owned(),
            "リクエスト本文はJSONのオブジェクトで送ってください。".to_owned(),
        ),
        (false, Some((want_en, want_ja))) => (
            format!("The {noun_en} {field} must be {want_en}."),
            format!("{noun_ja}「{field}」は{want_ja}で指定してください。"),
        ),
        (false, None) => (
            format!(
                "The {noun_en} {field} does not have the expected form; the spec gives its format."
            ),
            format!(
                "{noun_ja}「{field}」の値の形式が正しくありません。仕様書の形式で指定してください。"
            ),
        ),
    };
    let e = place.problem().detail(en, ja);
    if field.is_empty() {
        e
    } else {
        e.with("field", field)
    }
}

/// A path parameter that does not parse.
pub fn path(rejection: &PathRejection) -> ApiError {
    let problem = ApiError::bad_request(Code::InvalidPath);
    let PathRejection::FailedToDeserializePathParams(e) = rejection else {
        return problem.detail(
            "The address could not be read.",
            "アドレス（URL）を読み取れませんでした。",
        );
    };
    let (key, expected) = match e.kind() {
        ErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => (key.as_str(), *expected_type),
        ErrorKind::DeserializeError { key, message, .. } => (key.as_str(), message.as_str()),
        _ => ("", ""),
    };
    match key {
        "" => problem.detail(
            "A part of the address does not have the expected form.",
            "アドレス（URL）の一部が正しい形式ではありません。",
        ),
        key => {
            let expected_type = expected;
            let (en, ja) = if expected_type.contains("Uuid") || expected_type.contains("UUID") {
                ("an id (UUID)", "ID（UUID）")
            } else if expected_type.starts_with('u') || expected_type.starts_with('i') {
                ("a whole number", "整数")
            } else {
                ("in the form the spec gives", "仕様書の形式")
            };
            problem
                .detail(
                    format!("The {key} in the address must be {en}."),
                    format!("アドレス（URL）の「{key}」は{ja}で指定してください。"),
                )
                .with("field", key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ja(e: &ApiError) -> String {
        e.detail.as_ref().map(|t| t.ja.clone()).unwrap_or_default()
    }

    #[test]
    fn an_unknown_member_is_named_with_the_members_the_operation_takes() {
        let e = refused(
            Place::Body,
            ".",
            "unknown field `amount`, expected `program`",
        );
        assert_eq!(e.code, Code::InvalidBody);
        assert_eq!(e.extra["field"], "amount");
        assert_eq!(
            ja(&e),
            "この操作では項目「amount」は使えません。指定できる項目: program"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_says_what_it_should_be_in_japanese() {
        let e = refused(
            Place::Body,
            "amount_yen",
            "invalid type: string \"a\", expected u32",
        );
        assert_eq!(
            ja(&e),
            "項目「amount_yen」は0以上の整数で指定してください。"
        );
        let e = refused(Place::Query, "limit", "invalid digit found in string");
        assert_eq!(e.code, Code::InvalidQuery);
        assert!(!ja(&e).contains("invalid"), "{}", ja(&e));
    }
}
