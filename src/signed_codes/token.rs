//! The code inside the QR: compact, signed with Ed25519, nothing personal in it.
//!
//! ```text
//! CP2.<payload>.<signature>           both base64url without padding
//! payload   = version (3) | kid length (1) | kid (ASCII) | subject id (16)
//!             | program length (1) | program id (ASCII, as configured)
//!             | expires (8, unix seconds, big-endian) | binding (8)
//! binding   = the first 8 bytes of SHA-256("carepass-binding" | subject id | owner id)
//! signature = Ed25519 over the ASCII text "CP2.<payload>"
//! ```
//! The subject is what the code stands for (a voucher, a play-space booking); the owner is whom
//! it was issued to (the child, the household). The binding lets the issuing area check that a
//! code names the owner it was issued to without putting a stable id of a child in the QR.
//! Partner apps can check a code offline with the public keys from `GET /api/v1/voucher-keys`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::enrollments::Program;

pub const PREFIX: &str = "CP2.";
/// 3 since programs are configuration: the program travels as its id, not a fixed number.
const VERSION: u8 = 3;
/// Longest text accepted as a code (a real one is about 150 characters).
pub const MAX_LEN: usize = 512;

/// What a code says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub kid: String,
    /// The voucher or booking the code stands for.
    pub subject_id: Uuid,
    pub program: Program,
    pub expires_at: DateTime<Utc>,
    /// Ties the code to its owner: see [`binding`].
    pub binding: [u8; 8],
}

/// The binding of a subject to its owner (the child of a voucher, the household of a booking).
pub fn binding(subject_id: Uuid, owner_id: Uuid) -> [u8; 8] {
    let mut h = Sha256::new();
    h.update(b"carepass-binding");
    h.update(subject_id.as_bytes());
    h.update(owner_id.as_bytes());
    let digest = h.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

/// Why a code could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a Carepass code, or truncated")]
    Malformed,
}

/// The signed part of a code, before the signature is added.
pub fn signing_input(claims: &Claims) -> String {
    let kid = claims.kid.as_bytes();
    let mut bytes = Vec::with_capacity(50);
    bytes.push(VERSION);
    // Key ids are short ASCII (8 characters); a longer one is cut, never wrapped.
    let len = kid.len().min(usize::from(u8::MAX));
    bytes.push(u8::try_from(len).unwrap_or(u8::MAX));
    bytes.extend_from_slice(&kid[..len]);
    bytes.extend_from_slice(claims.subject_id.as_bytes());
    let program = claims.program.as_str().as_bytes();
    // A program id is at most 24 ASCII characters (checked when the configuration loads).
    bytes.push(u8::try_from(program.len()).unwrap_or(u8::MAX));
    bytes.extend_from_slice(program);
    bytes.extend_from_slice(&claims.expires_at.timestamp().to_be_bytes());
    bytes.extend_from_slice(&claims.binding);
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
    let kid_len = usize::from(kid_len);
    if rest.len() < kid_len + 16 + 1 {
        return Err(DecodeError::Malformed);
    }
    let (kid, rest) = rest.split_at(kid_len);
    let (subject, rest) = rest.split_at(16);
    let (&program_len, rest) = rest.split_first().ok_or(DecodeError::Malformed)?;
    if rest.len() != usize::from(program_len) + 8 + 8 {
        return Err(DecodeError::Malformed);
    }
    let (program, rest) = rest.split_at(usize::from(program_len));
    let (expires, binding) = rest.split_at(8);
    let kid = std::str::from_utf8(kid)
        .map_err(|_| DecodeError::Malformed)?
        .to_owned();
    let subject_id = Uuid::from_slice(subject).map_err(|_| DecodeError::Malformed)?;
    let program = std::str::from_utf8(program)
        .ok()
        .and_then(Program::parse)
        .ok_or(DecodeError::Malformed)?;
    let secs = i64::from_be_bytes(expires.try_into().map_err(|_| DecodeError::Malformed)?);
    let expires_at = DateTime::<Utc>::from_timestamp(secs, 0).ok_or(DecodeError::Malformed)?;
    Ok((
        Claims {
            kid,
            subject_id,
            program,
            expires_at,
            binding: binding.try_into().map_err(|_| DecodeError::Malformed)?,
        },
        signed,
        signature,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        let subject_id = Uuid::new_v4();
        Claims {
            kid: "k1a2b3c4".into(),
            subject_id,
            program: Program::parse("care_taxi").unwrap(),
            expires_at: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap(),
            binding: binding(subject_id, Uuid::new_v4()),
        }
    }

    #[test]
    fn a_code_round_trips_and_stays_short_enough_for_a_small_qr() {
        let c = claims();
        let input = signing_input(&c);
        let code = assemble(&input, &[7u8; 64]);
        assert!(code.len() < 170, "{}", code.len());
        let (parsed, signed, sig) = parse(&code).unwrap();
        assert_eq!(parsed, c);
        assert_eq!(signed, input);
        assert_eq!(sig, [7u8; 64]);
    }

    #[test]
    fn a_code_carries_any_configured_program_id_and_a_bent_length_is_malformed() {
        let mut c = claims();
        c.program = Program::parse("pharmacy_supplies_2027").unwrap();
        let code = assemble(&signing_input(&c), &[1u8; 64]);
        assert!(code.len() < 200, "{}", code.len());
        assert_eq!(parse(&code).unwrap().0.program, c.program);
        // The same payload with the program's length byte off by one does not parse.
        let (signed, _) = code.rsplit_once('.').unwrap();
        let mut payload = URL_SAFE_NO_PAD
            .decode(signed.strip_prefix(PREFIX).unwrap())
            .unwrap();
        let at = 2 + c.kid.len() + 16;
        payload[at] += 1;
        let bent = format!(
            "{PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode([1u8; 64])
        );
        assert_eq!(parse(&bent), Err(DecodeError::Malformed));
    }

    #[test]
    fn the_binding_depends_on_both_the_subject_and_its_owner() {
        let (s, o) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(binding(s, o), binding(s, o));
        assert_ne!(binding(s, o), binding(s, Uuid::new_v4()));
        assert_ne!(binding(s, o), binding(Uuid::new_v4(), o));
    }

    #[test]
    fn truncated_or_foreign_text_is_malformed() {
        let code = assemble(&signing_input(&claims()), &[7u8; 64]);
        for bad in [
            &code[..code.len() - 3],
            &code[..20],
            "hello",
            "CP2..",
            "",
            &code.replace("CP2.", "CP1."),
        ] {
            assert_eq!(parse(bad).err(), Some(DecodeError::Malformed), "{bad}");
        }
    }
}
