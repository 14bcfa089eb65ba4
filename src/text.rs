//! Parsing of free-text input at the boundary: trimmed, length-bounded, no control characters.

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
    pub fn ja(&self) -> String {
        match self {
            TextError::Empty => "空にはできません".into(),
            TextError::TooLong { max } => format!("{max}文字以内で入力してください"),
            TextError::ControlCharacter => "制御文字は使えません".into(),
            TextError::Format => "形式が正しくありません".into(),
        }
    }
}

/// A request field that broke a rule, with the explanation in English and Japanese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {en}")]
pub struct FieldError {
    pub field: &'static str,
    pub en: String,
    pub ja: String,
}

impl FieldError {
    pub fn new(field: &'static str, en: impl Into<String>, ja: impl Into<String>) -> FieldError {
        FieldError {
            field,
            en: en.into(),
            ja: ja.into(),
        }
    }

    /// A text rule broken by `field`.
    pub fn text(field: &'static str, e: TextError) -> FieldError {
        FieldError::new(field, e.to_string(), e.ja())
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
