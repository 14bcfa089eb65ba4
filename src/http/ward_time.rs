//! Times of day in the ward's time zone, as requests send them: `2026-12-10T10:00` (a browser's
//! `datetime-local` value) or `2026-12-10T10:00:00`. A time with an offset or `Z` is refused in
//! plain words rather than silently read as ward time: the ward's clock is what counts, and a
//! caller that sends UTC has made a mistake we should not guess at.

use std::borrow::Cow;

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::text::bilingual;

/// The pattern the spec gives: minutes, optionally seconds, no offset.
pub const PATTERN: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$";

/// The spec's name for a ward-local time (the Rust fields are `NaiveDateTime`, read with
/// [`deserialize`] or [`option`]).
pub struct WardTime;

impl PartialSchema for WardTime {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "A date and time in the ward's time zone (Asia/Tokyo for Shinagawa), without \
                     an offset: `2026-12-10T10:00` or `2026-12-10T10:00:00`. A value with an \
                     offset or `Z` is refused (422 `invalid_body`).",
                ))
                .pattern(Some(PATTERN))
                .examples(["2026-12-10T10:00"])
                .build(),
        ))
    }
}

impl ToSchema for WardTime {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("WardTime")
    }
}

/// Why a ward-local time was refused: (English, Japanese).
pub fn parse(s: &str) -> Result<NaiveDateTime, (String, String)> {
    let s = s.trim();
    let (date, time) = s.split_once(['T', ' ']).unwrap_or((s, ""));
    if time.ends_with(['Z', 'z']) || time.contains(['+', '-']) {
        return Err((
            format!("Send the ward's local time without an offset, e.g. {date}T10:00 (not {s})."),
            format!(
                "日時は区の現地時刻（日本時間）で、時差の表記を付けずに指定してください（例: {date}T10:00）。"
            ),
        ));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&format!("{date}T{time}"), format) {
            return Ok(t);
        }
    }
    Err((
        format!("Give a date and time like 2026-12-10T10:00 (got {s})."),
        "日時は 2026-12-10T10:00 の形式で指定してください。".to_owned(),
    ))
}

/// Reads a required ward-local time.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    let s = Cow::<str>::deserialize(d)?;
    parse(&s).map_err(|(en, ja)| serde::de::Error::custom(bilingual(&en, &ja)))
}

/// Reads an optional ward-local time (absent or `null` is `None`).
pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    Option::<Cow<str>>::deserialize(d)?
        .map(|s| parse(&s).map_err(|(en, ja)| serde::de::Error::custom(bilingual(&en, &ja))))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_and_seconds_are_both_ward_time_and_an_offset_is_refused_in_words() {
        let ten = parse("2026-12-10T10:00:00").unwrap();
        assert_eq!(parse("2026-12-10T10:00").unwrap(), ten);
        assert_eq!(parse("2026-12-10 10:00").unwrap(), ten);
        let (_, ja) = parse("2026-12-10T10:00:00+09:00").unwrap_err();
        assert!(ja.contains("時差の表記を付けずに"), "{ja}");
        assert!(parse("2026-12-10T01:00:00Z").is_err());
        assert!(parse("2026-12-10").is_err());
        assert!(parse("2026-13-10T10:00").is_err());
    }
}
