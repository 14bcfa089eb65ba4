//! Our own sentences for a request the parsers refuse: the library's English text (serde's
//! "unknown field `amount`, expected `program`", axum's "Cannot parse `child_id`…") never
//! reaches a person. Each problem names the member or parameter in `field`.
//!
//! A body that is not JSON at all is 400 `invalid_json`; JSON whose members are missing,
//! unknown or of the wrong type is 422 `invalid_body`.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;

use super::problem::{ApiError, Code};
use crate::messages::{Arg, Args};

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
}

/// The names between backticks in a serde message: "unknown field `a`, expected `b` or `c`".
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// What a value should look like, from serde's "expected …", in both languages.
fn expected(message: &str) -> Option<Arg> {
    let wanted = message.rsplit("expected ").next()?.trim();
    let said = |ja: &str, en: &str| {
        Some(Arg::Named {
            ja: ja.to_owned(),
            en: en.to_owned(),
        })
    };
    match wanted {
        w if w.starts_with('u') && w[1..].chars().all(|c| c.is_ascii_digit()) => {
            said("0以上の整数", "a whole number of 0 or more")
        }
        w if w.starts_with('i') && w[1..].chars().all(|c| c.is_ascii_digit()) => {
            said("整数", "a whole number")
        }
        "a string" | "a borrowed string" => said("文字列", "text"),
        "a boolean" => said("真偽値", "true or false"),
        "a sequence" => said("配列", "a list"),
        "UUID" | "a UUID string" => said("識別番号の形式", "an id (UUID)"),
        w if w.starts_with("struct ") || w == "a map" => said("オブジェクト", "an object"),
        _ => None,
    }
}

/// A list of names for the English sentence ("nothing" when there is none).
fn listed(names: &[&str]) -> Arg {
    Arg::Named {
        ja: String::new(),
        en: if names.is_empty() {
            "nothing".to_owned()
        } else {
            names.join(", ")
        },
    }
}

/// A deserialization failure at `path` (serde_path_to_error's path, "." at the top).
pub fn refused(place: Place, path: &str, message: &str) -> ApiError {
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
        let id = match place {
            Place::Body => "problem-unknown-member",
            Place::Query => "problem-unknown-parameter",
        };
        return place
            .problem()
            .say(
                id,
                Args::new()
                    .with("member", Arg::Member(field.clone()))
                    .with("allowed", listed(names.get(1..).unwrap_or_default())),
            )
            .with("field", field);
    }
    if message.starts_with("missing field") {
        let field = at(names.first().copied().unwrap_or_default());
        return place
            .problem()
            .say(
                "problem-missing-member",
                Args::new().with("member", Arg::Member(field.clone())),
            )
            .with("field", field);
    }
    let field = if path == "." || path.is_empty() {
        String::new()
    } else {
        path.to_owned()
    };
    if message.starts_with("unknown variant") {
        let value = names.first().copied().unwrap_or_default();
        return place
            .problem()
            .say(
                "problem-unknown-value",
                Args::new()
                    .with("member", Arg::Member(field.clone()))
                    .with("value", Arg::Text(value.to_owned()))
                    .with("allowed", listed(names.get(1..).unwrap_or_default())),
            )
            .with("field", field);
    }
    // Our own types' refusals are already sentences in both languages.
    let e = if let Some((en, ja)) = crate::text::split_bilingual(message) {
        place.problem().detail(en, ja)
    } else {
        match (field.is_empty(), expected(message)) {
            (true, _) => place.problem().say("problem-not-an-object", Args::new()),
            (false, Some(want)) => place.problem().say(
                "problem-wrong-type",
                Args::new()
                    .with("member", Arg::Member(field.clone()))
                    .with("expected", want),
            ),
            (false, None) => place.problem().say(
                "problem-bad-form",
                Args::new().with("member", Arg::Member(field.clone())),
            ),
        }
    };
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
        return problem.say("problem-bad-address", Args::new());
    };
    let (key, expected) = match e.kind() {
        ErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => (key.as_str(), *expected_type),
        ErrorKind::DeserializeError { key, message, .. } => (key.as_str(), message.as_str()),
        _ => ("", ""),
    };
    match key {
        "" => problem.say("problem-bad-address-part", Args::new()),
        key => {
            let (ja, en) = if expected.contains("Uuid") || expected.contains("UUID") {
                ("所定の形式", "an id (UUID)")
            } else if expected.starts_with('u') || expected.starts_with('i') {
                ("整数", "a whole number")
            } else {
                ("仕様書の形式", "in the form the spec gives")
            };
            problem
                .say(
                    "problem-bad-address-key",
                    Args::new()
                        .with("member", Arg::Member(key.to_owned()))
                        .with(
                            "expected",
                            Arg::Named {
                                ja: ja.to_owned(),
                                en: en.to_owned(),
                            },
                        ),
                )
                .with("field", key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(e: &ApiError, lang: crate::messages::Lang) -> String {
        e.detail
            .as_ref()
            .map(|d| d.in_lang(lang))
            .unwrap_or_default()
    }

    fn ja(e: &ApiError) -> String {
        said(e, crate::messages::Lang::Ja)
    }

    #[test]
    fn an_unknown_member_is_named_in_its_field_and_the_english_lists_what_the_operation_takes() {
        let e = refused(
            Place::Body,
            ".",
            "unknown field `amount`, expected `program`",
        );
        assert_eq!(e.code, Code::InvalidBody);
        assert_eq!(e.extra["field"], "amount");
        assert_eq!(ja(&e), "この操作では使えない項目が含まれています。");
        assert_eq!(
            said(&e, crate::messages::Lang::En),
            "This operation does not take the member amount. It takes: program."
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_names_the_field_as_a_word_and_says_what_it_should_be() {
        let e = refused(
            Place::Body,
            "amount_yen",
            "invalid type: string \"a\", expected u32",
        );
        assert_eq!(ja(&e), "利用額は0以上の整数で指定してください。");
        assert_eq!(e.extra["field"], "amount_yen");
        let e = refused(Place::Query, "limit", "invalid digit found in string");
        assert_eq!(e.code, Code::InvalidQuery);
        assert!(!ja(&e).contains("invalid"), "{}", ja(&e));
    }
}
