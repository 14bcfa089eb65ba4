//! The Ed25519 keys that sign codes. The newest active key signs; a rotated key keeps verifying
//! until the longest code lifetime (plus a margin) has passed, so rotating does not break codes
//! already shown; then it retires: it leaves the published keys, its codes are refused, and its
//! private half is deleted. Keys live in the database (created on first start) and are cached
//! in memory.

use std::collections::HashMap;
use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::RngCore;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::{from_micros, to_micros};
use crate::entity::signing_key;

/// Where a signing key is in its life: it signs (one at a time), then only verifies the codes
/// it signed while they may still be shown, then retires (its private half deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    VerifyOnly,
    Retired,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::VerifyOnly => "verify_only",
            KeyStatus::Retired => "retired",
        }
    }
}

#[derive(Default)]
struct Keys {
    signing: Option<(String, SigningKey)>,
    /// Each key that verifies, and the instant it stops (none for the active key).
    verifying: HashMap<String, (VerifyingKey, Option<DateTime<Utc>>)>,
}

/// The keys in memory.
#[derive(Default)]
pub struct KeyRing {
    keys: RwLock<Keys>,
    /// When an unknown key id last made us re-read the keys (seconds since the epoch).
    last_lookup: std::sync::atomic::AtomicI64,
}

/// A public key in JWK form (RFC 8037).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = VoucherKey)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// Key id, as in the code.
    pub kid: String,
    /// The public key, base64url.
    pub x: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

fn decode_key(b64: &str) -> Option<[u8; 32]> {
    URL_SAFE_NO_PAD.decode(b64).ok()?.try_into().ok()
}

fn new_kid() -> String {
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

impl KeyRing {
    /// Loads the keys, creating the first one if there is none. `lifetime` is how long a
    /// rotated key keeps verifying (the longest code lifetime plus a margin).
    pub async fn load(
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Result<KeyRing, DbErr> {
        let ring = KeyRing::default();
        ring.reload(conn).await?;
        if ring
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .signing
            .is_none()
        {
            ring.rotate(conn, now, lifetime).await?;
        }
        Ok(ring)
    }

    /// Reads the keys again (after another instance rotated).
    pub async fn reload(&self, conn: &impl ConnectionTrait) -> Result<(), DbErr> {
        let rows = signing_key::Entity::find()
            .filter(signing_key::Column::Status.ne(KeyStatus::Retired.as_str()))
            .order_by_asc(signing_key::Column::CreatedAt)
            .all(conn)
            .await?;
        let mut keys = Keys::default();
        for row in rows {
            let Some(public) = decode_key(&row.public_key) else {
                continue;
            };
            // A retired key's private half is deleted; only the active key signs.
            let private = decode_key(&row.private_key).unwrap_or_default();
            if let Ok(vk) = VerifyingKey::from_bytes(&public) {
                let until = (row.status != KeyStatus::Active.as_str())
                    .then(|| row.retired_at.map(from_micros))
                    .flatten();
                keys.verifying.insert(row.kid.clone(), (vk, until));
            }
            if row.status == KeyStatus::Active.as_str() {
                keys.signing = Some((row.kid.clone(), SigningKey::from_bytes(&private)));
            }
        }
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        Ok(())
    }

    /// Re-reads the keys because a code names one we do not know (another instance may have
    /// rotated), at most once a second, so forged key ids cannot cost a query each.
    pub async fn reload_for_unknown(
        &self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        use std::sync::atomic::Ordering;
        let second = now.timestamp();
        let last = self.last_lookup.load(Ordering::Relaxed);
        if second > last
            && self
                .last_lookup
                .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.reload(conn).await?;
        }
        Ok(())
    }

    /// Makes a new signing key; the previous one keeps verifying for `lifetime`, then retires.
    pub async fn rotate(
        &self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Result<String, DbErr> {
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        let key = SigningKey::from_bytes(&seed);
        let kid = new_kid();
        signing_key::Entity::update_many()
            .col_expr(
                signing_key::Column::Status,
                Expr::value(KeyStatus::VerifyOnly.as_str()),
            )
            .col_expr(
                signing_key::Column::RetiredAt,
                Expr::value(to_micros(now + lifetime)),
            )
            .filter(signing_key::Column::Status.eq(KeyStatus::Active.as_str()))
            .exec(conn)
            .await?;
        signing_key::Entity::insert(signing_key::ActiveModel {
            kid: Set(kid.clone()),
            public_key: Set(URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())),
            private_key: Set(URL_SAFE_NO_PAD.encode(seed)),
            status: Set(KeyStatus::Active.as_str().into()),
            created_at: Set(to_micros(now)),
            retired_at: Set(None),
        })
        .exec_without_returning(conn)
        .await?;
        self.retire_due(conn, now, lifetime).await?;
        Ok(kid)
    }

    /// Retires the rotated keys whose time has passed: their private halves are deleted and
    /// they no longer verify. Keys rotated before retirement existed get their time now.
    /// Safe to run at any time, on any instance. Returns how many keys retired.
    pub async fn retire_due(
        &self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Result<u64, DbErr> {
        use signing_key::Column as C;
        signing_key::Entity::update_many()
            .col_expr(C::RetiredAt, Expr::value(to_micros(now + lifetime)))
            .filter(C::Status.eq(KeyStatus::VerifyOnly.as_str()))
            .filter(C::RetiredAt.is_null())
            .exec(conn)
            .await?;
        let retired = signing_key::Entity::update_many()
            .col_expr(C::Status, Expr::value(KeyStatus::Retired.as_str()))
            .col_expr(C::PrivateKey, Expr::value(""))
            .filter(C::Status.eq(KeyStatus::VerifyOnly.as_str()))
            .filter(C::RetiredAt.lte(to_micros(now)))
            .exec(conn)
            .await?
            .rows_affected;
        self.reload(conn).await?;
        Ok(retired)
    }

    /// Builds the text to sign for the active key's id and signs it, under one lock so a
    /// rotation cannot come between: returns the key id, the signed text and the signature.
    pub fn sign_with(
        &self,
        make_input: impl FnOnce(&str) -> String,
    ) -> Option<(String, String, [u8; 64])> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let (kid, key) = keys.signing.as_ref()?;
        let input = make_input(kid);
        let signature = key.sign(input.as_bytes()).to_bytes();
        Some((kid.clone(), input, signature))
    }

    /// The id of the key that signs now.
    pub fn active_kid(&self) -> Option<String> {
        self.keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .signing
            .as_ref()
            .map(|(k, _)| k.clone())
    }

    /// `None`: no such key (or it has retired by `now`); `Some(valid)`: the key verifies and
    /// the signature is (in)valid.
    pub fn verify(
        &self,
        kid: &str,
        message: &[u8],
        signature: &[u8; 64],
        now: DateTime<Utc>,
    ) -> Option<bool> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let (key, until) = keys.verifying.get(kid)?;
        if until.is_some_and(|u| now >= u) {
            return None;
        }
        Some(
            key.verify(message, &Signature::from_bytes(signature))
                .is_ok(),
        )
    }

    pub fn knows(&self, kid: &str) -> bool {
        self.keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .verifying
            .contains_key(kid)
    }

    /// The public keys that verify codes at `now`.
    pub fn public_keys(&self, now: DateTime<Utc>) -> Vec<Jwk> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<Jwk> = keys
            .verifying
            .iter()
            .filter(|(_, (_, until))| until.is_none_or(|u| now < u))
            .map(|(kid, (vk, _))| Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                kid: kid.clone(),
                x: URL_SAFE_NO_PAD.encode(vk.as_bytes()),
                alg: "EdDSA".into(),
                use_: "sig".into(),
            })
            .collect();
        out.sort_by(|a, b| a.kid.cmp(&b.kid));
        out
    }
}
