//! Email addresses as account identifiers, parsed once at the boundary.

use super::AuthError;
use crate::messages::Args;
use crate::text::FieldError;

/// A normalised email address (trimmed, lower-cased, plausible shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, AuthError> {
        let v = raw.trim().to_lowercase();
        let bad = || {
            AuthError::InvalidField(FieldError::said(
                "email",
                "reason-is-not-a-valid-email-address",
                Args::new(),
            ))
        };
        if v.len() > 254 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = v.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad());
        }
        Ok(Email(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_implausible_ones_refused() {
        assert_eq!(
            Email::parse("  Hanako@Example.JP ").unwrap().as_str(),
            "hanako@example.jp"
        );
        for bad in [
            "",
            "no-at",
            "@example.jp",
            "a@b",
            "a@@b.jp",
            "a b@c.jp",
            "a@.jp",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
