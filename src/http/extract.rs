//! Extractors that turn every malformed request into the same problem+json: JSON bodies,
//! query strings, path parameters, and the bearer credentials of each role.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::access_log::CallerSlot;
use super::problem::{ApiError, Code};
use super::rejections::Place;
use crate::audit::Actor;
use crate::auth::{AccountPrincipal, AuthError, Role, sessions};
use crate::messages::{Arg, Args};
use crate::partners::DevicePrincipal;
use crate::state::AppState;

/// A JSON body (request) or answer (response) with our error envelope.
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Code::UnsupportedMediaType,
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::PayloadTooLarge)
                } else {
                    ApiError::bad_request(Code::InvalidJson)
                        .say("problem-body-unreadable", Args::new())
                }
            })?;
        let value = parse_unique_keys(&bytes)?;
        // Every request body is an object; serde would otherwise accept a struct as an array.
        if !value.is_object() {
            return Err(ApiError::unprocessable(Code::InvalidBody)
                .say("problem-not-an-object", Args::new()));
        }
        serde_path_to_error::deserialize(value)
            .map(AppJson)
            .map_err(|e| {
                super::rejections::refused(
                    Place::Body,
                    &e.path().to_string(),
                    &e.inner().to_string(),
                )
            })
    }
}

/// An optional JSON body: a request with no body and no content type has none; anything else
/// is read as [`AppJson`] (so a malformed body is still refused).
impl<T, S> axum::extract::OptionalFromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let typed = req.headers().contains_key(header::CONTENT_TYPE);
        let declared_empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0");
        if !typed && declared_empty {
            return Ok(None);
        }
        if !typed {
            let bytes = axum::body::Bytes::from_request(req, state)
                .await
                .map_err(|_| ApiError::bad_request(Code::InvalidJson))?;
            if bytes.is_empty() {
                return Ok(None);
            }
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Code::UnsupportedMediaType,
            ));
        }
        <AppJson<T> as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
    }
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Parses a JSON body, refusing an object that names the same key twice (RFC 8259 leaves
/// the meaning open, and parsers disagree about which value wins: `{"amount_yen": 100,
/// "amount_yen": 200}` must not be read as one of them).
fn parse_unique_keys(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    let syntax = |e: serde_json::Error| {
        ApiError::bad_request(Code::InvalidJson).say(
            "problem-invalid-json",
            Args::new()
                .with(
                    "line",
                    Arg::Count(i64::try_from(e.line()).unwrap_or(i64::MAX)),
                )
                .with(
                    "column",
                    Arg::Count(i64::try_from(e.column()).unwrap_or(i64::MAX)),
                ),
        )
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize(&mut de) {
        Ok(UniqueKeys(value)) => {
            de.end().map_err(syntax)?;
            Ok(value)
        }
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = inner.to_string();
            let Some(key) = inner
                .is_data()
                .then(|| message.strip_prefix(DUPLICATE))
                .flatten()
            else {
                return Err(syntax(inner));
            };
            let key = key.split(" at line ").next().unwrap_or(key);
            let field = if path == "." {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            };
            Err(ApiError::unprocessable(Code::DuplicateJsonKey)
                .say(
                    "problem-duplicate-member",
                    Args::new().with("member", Arg::Member(field.clone())),
                )
                .with("field", field))
        }
    }
}

const DUPLICATE: &str = "duplicate key ";

/// A JSON value read with every object's keys checked for repeats.
struct UniqueKeys(serde_json::Value);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(UniqueKeys(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(out.into())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("{DUPLICATE}{key}")));
            }
            let UniqueKeys(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(out.into())
    }
}

/// A query string with our error envelope.
pub struct AppQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(AppQuery)
            .map_err(|e| {
                super::rejections::refused(
                    Place::Query,
                    &e.path().to_string(),
                    &e.inner().to_string(),
                )
            })
    }
}

/// Path parameters with our error envelope.
pub struct AppPath<T>(pub T);

impl<T, S> FromRequestParts<S> for AppPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| AppPath(p.0))
            .map_err(|e: PathRejection| super::rejections::path(&e))
    }
}

/// The request id set by the request-id layer.
pub fn request_id(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized(Code::Unauthenticated))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized(Code::InvalidToken))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized(Code::InvalidToken))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() || token.len() > 512 {
        return Err(ApiError::unauthorized(Code::InvalidToken));
    }
    Ok(token.trim())
}

fn is_device_token(token: &str) -> bool {
    token.starts_with(crate::auth::token::SecretKind::Device.prefix())
}

async fn account(parts: &Parts, state: &AppState) -> Result<AccountPrincipal, ApiError> {
    let token = bearer(parts)?;
    if is_device_token(token) {
        // A valid device credential on an account endpoint: known caller, wrong role.
        state
            .devices
            .authenticate(&state.read, token)
            .await
            .map_err(ApiError::from)?;
        return Err(ApiError::forbidden(Code::ForbiddenRole));
    }
    let p = sessions::authenticate(&state.read, state.now(), token)
        .await
        .map_err(|e| match e {
            AuthError::Db(db) => ApiError::from(db),
            _ => ApiError::unauthorized(Code::InvalidToken),
        })?;
    CallerSlot::record(&parts.extensions, p.role.as_str());
    take_write(state, parts, p.account_id)?;
    Ok(p)
}

/// Staff functions need two-step sign-in set up, when the configuration requires it.
fn second_factor_in_place(state: &AppState, p: &AccountPrincipal) -> Result<(), ApiError> {
    if state.config.auth.require_second_factor_for_staff && !p.second_factor {
        return Err(ApiError::forbidden(Code::SecondFactorEnrollmentRequired));
    }
    Ok(())
}

/// One write from this caller's allowance (accounts and devices alike), or 429.
fn take_write(state: &AppState, parts: &Parts, caller: Uuid) -> Result<(), ApiError> {
    state
        .write_limits
        .take(&parts.method, caller)
        .map_err(ApiError::rate_limited)
}

/// Any signed-in account (guardian, staff or admin).
pub struct AnyAccount {
    pub principal: AccountPrincipal,
    pub actor: Actor,
}

/// A signed-in guardian, with the household they belong to.
pub struct Guardian {
    pub principal: AccountPrincipal,
    pub household_id: Uuid,
    pub actor: Actor,
}

/// A signed-in staff member or admin.
pub struct Staff {
    pub principal: AccountPrincipal,
    pub actor: Actor,
}

/// A signed-in admin.
pub struct Admin {
    pub principal: AccountPrincipal,
    pub actor: Actor,
}

/// A registered, unrevoked partner device.
pub struct Device {
    pub device: DevicePrincipal,
    pub actor: Actor,
}

impl Device {
    /// The device's partner, if it is one of `kinds`; otherwise 403 `partner_kind_mismatch`
    /// naming the program the operation belongs to.
    pub fn partner_of(
        &self,
        kinds: &[crate::partners::PartnerKind],
        program: crate::enrollments::Program,
    ) -> Result<uuid::Uuid, ApiError> {
        if kinds.contains(&self.device.partner_kind) {
            Ok(self.device.partner_id)
        } else {
            Err(ApiError::forbidden(Code::PartnerKindMismatch)
                .with("partner_kind", self.device.partner_kind.as_str())
                .with("program", program.as_str()))
        }
    }
}

fn actor_of(p: &AccountPrincipal, parts: &Parts) -> Actor {
    Actor {
        kind: p.role.as_str(),
        id: Some(p.account_id),
        request_id: request_id(parts),
    }
}

impl FromRequestParts<AppState> for AnyAccount {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = account(parts, state).await?;
        let actor = actor_of(&p, parts);
        Ok(AnyAccount {
            principal: p,
            actor,
        })
    }
}

impl FromRequestParts<AppState> for Guardian {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = account(parts, state).await?;
        match (p.role, p.household_id) {
            (Role::Guardian, Some(household_id)) => {
                let actor = actor_of(&p, parts);
                Ok(Guardian {
                    principal: p,
                    household_id,
                    actor,
                })
            }
            _ => Err(ApiError::forbidden(Code::ForbiddenRole)),
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = account(parts, state).await?;
        if !p.role.is_staff() {
            return Err(ApiError::forbidden(Code::ForbiddenRole));
        }
        second_factor_in_place(state, &p)?;
        let actor = actor_of(&p, parts);
        Ok(Staff {
            principal: p,
            actor,
        })
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let p = account(parts, state).await?;
        if p.role != Role::Admin {
            return Err(ApiError::forbidden(Code::ForbiddenRole));
        }
        second_factor_in_place(state, &p)?;
        let actor = actor_of(&p, parts);
        Ok(Admin {
            principal: p,
            actor,
        })
    }
}

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        if !is_device_token(token) {
            // An account token on a device endpoint: known caller (if valid), wrong role.
            sessions::authenticate(&state.read, state.now(), token)
                .await
                .map_err(|e| match e {
                    AuthError::Db(db) => ApiError::from(db),
                    _ => ApiError::unauthorized(Code::InvalidToken),
                })?;
            return Err(ApiError::forbidden(Code::ForbiddenRole));
        }
        let d = state
            .devices
            .authenticate(&state.read, token)
            .await
            .map_err(ApiError::from)?;
        CallerSlot::record(&parts.extensions, "device");
        take_write(state, parts, d.device_id)?;
        let actor = Actor {
            kind: "device",
            id: Some(d.device_id),
            request_id: request_id(parts),
        };
        Ok(Device { device: d, actor })
    }
}
