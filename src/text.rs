//! Parsing of free-text input at the boundary: trimmed, length-bounded, no control characters.

use crate::messages::{self, Arg, Args, Lang};

/// Marks a deserialization message that is already a sentence in both languages (our own
/// types' refusals), so the rejection handler can show it instead of a generic one.
const BILINGUAL: char = '\u{1f}';

/// A serde error message carrying our own sentence in English and Japanese.
pub fn bilingual(en: &str, ja: &str) -> String {
    format!("{BILINGUAL}{en}{BILINGUAL}{ja}")
}

/// The (English, Japanese) sentences of a message made by [`bilingual`].
pub fn split_bilingual(message: &str) -> Option<(&str, &str)> {
    message.strip_prefix(BILINGUAL)?.split_once(BILINGUAL)
}

/// Why a text value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("has an invalid format")]
    Format,
}

impl TextError {
    /// The reason as the catalogue words it: its message id and parameters.
    fn said(&self) -> (&'static str, Args) {
        match self {
            TextError::Empty => ("reason-text-empty", Args::new()),
            TextError::TooLong { max } => (
                "reason-text-too-long",
                Args::new().with(
                    "max_length",
                    Arg::Count(i64::try_from(*max).unwrap_or(i64::MAX)),
                ),
            ),
            TextError::ControlCharacter => ("reason-text-control-character", Args::new()),
            TextError::Format => ("reason-text-format", Args::new()),
        }
    }
}

/// A request field that broke a rule, with the explanation in English and Japanese as the
/// message catalogue words it (`reason-…` ids; areas name the reason, never write it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {en}")]
pub struct FieldError {
    pub field: &'static str,
    pub en: String,
    pub ja: String,
}

impl FieldError {
    /// A rule broken by `field`, told by the catalogue's message `id` with `args`.
    pub fn said(field: &'static str, id: &str, args: Args) -> FieldError {
        FieldError {
            field,
            en: messages::say(id, &args, Lang::En),
            ja: messages::say(id, &args, Lang::Ja),
        }
    }

    /// A text rule broken by `field`.
    pub fn text(field: &'static str, e: TextError) -> FieldError {
        let (id, args) = e.said();
        FieldError::said(field, id, args)
    }
}

/// Trims and checks a single-line text of 1..=max characters.
pub fn bounded(value: &str, max: usize) -> Result<String, TextError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(TextError::Empty);
    }
    if v.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if v.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    Ok(v.to_owned())
}

/// Like [`bounded`] but allows line breaks (reasons, notes).
pub fn multiline(value: &str, max: usize) -> Result<String, TextError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(TextError::Empty);
    }
    if v.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(TextError::ControlCharacter);
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters_not_bytes() {
        assert_eq!(bounded("  品川 花子 ", 5), Ok("品川 花子".to_owned()));
        assert_eq!(
            bounded("品川区役所です", 5),
            Err(TextError::TooLong { max: 5 })
        );
        assert_eq!(bounded("   ", 5), Err(TextError::Empty));
        assert_eq!(bounded("a\u{0}b", 5), Err(TextError::ControlCharacter));
        assert_eq!(multiline("line1\nline2", 20), Ok("line1\nline2".to_owned()));
    }
}
