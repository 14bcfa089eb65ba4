//! The voucher code inside the QR: compact, signed with Ed25519, nothing personal in it.
//!
//! ```text
//! CP1.<payload>.<signature>           both base64url without padding
//! payload   = version (1) | kid length (1) | kid (ASCII) | voucher id (16) | program (1) | expires (8, unix seconds, big-endian)
//! signature = Ed25519 over the ASCII text "CP1.<payload>"
//! ```
//! Partner apps can check a code offline with the public keys from `GET /api/v1/voucher-keys`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::enrollments::Program;

pub const PREFIX: &str = "CP1.";
const VERSION: u8 = 1;
/// Longest text accepted as a code (a real one is about 140 characters).
pub const MAX_LEN: usize = 512;

/// What a code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub kid: String,
    pub voucher_id: Uuid,
    pub program: Program,
    pub expires_at: DateTime<Utc>,
}

/// Why a code could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a Carepass voucher code, or truncated")]
    Malformed,
}

fn program_byte(p: Program) -> u8 {
    match p {
        Program::TaxiFuel => 1,
        Program::CareTaxi => 2,
        Program::Respite => 3,
        Program::PlaySpace => 4,
        Program::ShortStay => 5,
    }
}

fn program_of(b: u8) -> Option<Program> {
    Program::ALL.into_iter().find(|p| program_byte(*p) == b)
}

/// The signed part of a code, before the signature is added.
pub fn signing_input(claims: &Claims) -> String {
    let mut bytes = Vec::with_capacity(40);
    bytes.push(VERSION);
    bytes.push(claims.kid.len() as u8);
    bytes.extend_from_slice(claims.kid.as_bytes());
    bytes.extend_from_slice(claims.voucher_id.as_bytes());
    bytes.push(program_byte(claims.program));
    bytes.extend_from_slice(&claims.expires_at.timestamp().to_be_bytes());
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The full code: signing input plus signature.
pub fn assemble(signing_input: &str, signature: &[u8; 64]) -> String {
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Splits a code into its claims, the signed text and the signature; checks only the shape.
pub fn parse(code: &str) -> Result<(Claims, &str, [u8; 64]), DecodeError> {
    let code = code.trim();
    if code.len() > MAX_LEN || !code.starts_with(PREFIX) {
        return Err(DecodeError::Malformed);
    }
    let (signed, sig_b64) = code.rsplit_once('.').ok_or(DecodeError::Malformed)?;
    let payload_b64 = signed.strip_prefix(PREFIX).ok_or(DecodeError::Malformed)?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| DecodeError::Malformed)?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .map_err(|_| DecodeError::Malformed)?;
    let signature: [u8; 64] = sig.try_into().map_err(|_| DecodeError::Malformed)?;
    let (&version, rest) = payload.split_first().ok_or(DecodeError::Malformed)?;
    if version != VERSION {
        return Err(DecodeError::Malformed);
    }
    let (&kid_len, rest) = rest.split_first().ok_or(DecodeError::Malformed)?;
    let kid_len = kid_len as usize;
    if rest.len() != kid_len + 16 + 1 + 8 {
        return Err(DecodeError::Malformed);
    }
    let kid = std::str::from_utf8(&rest[..kid_len])
        .map_err(|_| DecodeError::Malformed)?
        .to_owned();
    let voucher_id =
        Uuid::from_slice(&rest[kid_len..kid_len + 16]).map_err(|_| DecodeError::Malformed)?;
    let program = program_of(rest[kid_len + 16]).ok_or(DecodeError::Malformed)?;
    let secs = i64::from_be_bytes(
        rest[kid_len + 17..]
            .try_into()
            .map_err(|_| DecodeError::Malformed)?,
    );
    let expires_at = DateTime::<Utc>::from_timestamp(secs, 0).ok_or(DecodeError::Malformed)?;
    Ok((
        Claims {
            kid,
            voucher_id,
            program,
            expires_at,
        },
        signed,
        signature,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            kid: "k1a2b3c4".into(),
            voucher_id: Uuid::new_v4(),
            program: Program::CareTaxi,
            expires_at: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn a_code_round_trips_and_stays_short_enough_for_a_small_qr() {
        let c = claims();
        let input = signing_input(&c);
        let code = assemble(&input, &[7u8; 64]);
        assert!(code.len() < 160, "{}", code.len());
        let (parsed, signed, sig) = parse(&code).unwrap();
        assert_eq!(parsed, c);
        assert_eq!(signed, input);
        assert_eq!(sig, [7u8; 64]);
    }

    #[test]
    fn truncated_or_foreign_text_is_malformed() {
        let code = assemble(&signing_input(&claims()), &[7u8; 64]);
        for bad in [
            &code[..code.len() - 3],
            &code[..20],
            "hello",
            "CP1..",
            "",
            &code.replace("CP1.", "CP2."),
        ] {
            assert_eq!(parse(bad).err(), Some(DecodeError::Malformed), "{bad}");
        }
    }
}
