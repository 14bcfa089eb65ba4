//! Partners (ward-contracted organisations) and their registered scanning devices.
//!
//! Staff register a device and receive its credential once; only its SHA-256 is stored. The
//! device presents the credential as a bearer token. Revoking a device takes effect on its
//! very next request.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::auth::token::{SecretKind, digest, generate};
use crate::clock::{from_micros, to_micros};
use crate::db;
use crate::entity::{device, partner};
use crate::text;
use crate::text::FieldError;

pub use crate::partner_kinds::PartnerKind;

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum PartnerError {
    #[error("partner not found")]
    PartnerNotFound,
    #[error("device not found")]
    DeviceNotFound,
    #[error("a partner with this name exists")]
    NameTaken,
    #[error("device already revoked")]
    AlreadyRevoked,
    #[error("device credential unknown")]
    UnknownCredential,
    #[error("device revoked")]
    Revoked,
    #[error(transparent)]
    InvalidField(#[from] crate::text::FieldError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for PartnerError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            PartnerError::Db(e) => Some(e),
            _ => None,
        }
    }
}

fn invalid(field: &'static str, e: text::TextError) -> PartnerError {
    PartnerError::InvalidField(FieldError::text(field, e))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Partner {
    pub id: Uuid,
    pub kind: PartnerKind,
    pub name: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<partner::Model> for Partner {
    type Error = DbErr;
    fn try_from(m: partner::Model) -> Result<Self, DbErr> {
        Ok(Partner {
            id: m.id,
            kind: PartnerKind::parse(&m.kind)
                .ok_or_else(|| DbErr::Custom(format!("unknown partner kind {}", m.kind)))?,
            name: m.name,
            status: m.status,
            created_at: from_micros(m.created_at),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Device {
    pub id: Uuid,
    pub partner_id: Uuid,
    pub label: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<device::Model> for Device {
    fn from(m: device::Model) -> Self {
        Device {
            id: m.id,
            partner_id: m.partner_id,
            label: m.label,
            status: m.status,
            created_at: from_micros(m.created_at),
            revoked_at: m.revoked_at.map(from_micros),
        }
    }
}

/// A device that authenticated, with the partner it scans for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePrincipal {
    pub device_id: Uuid,
    pub partner_id: Uuid,
    pub partner_kind: PartnerKind,
    /// The partner's name as read at authentication (at most the cache's few seconds old):
    /// what a family's notification calls the place, without reading it again while the
    /// writer waits.
    pub partner_name: std::sync::Arc<str>,
}

pub async fn create_partner(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    kind: PartnerKind,
    name: &str,
) -> Result<Partner, PartnerError> {
    let name = text::bounded(name, 100).map_err(|e| invalid("name", e))?;
    let p = Partner {
        id: Uuid::new_v4(),
        kind,
        name,
        status: PartnerStatus::Active.as_str().into(),
        created_at: now,
    };
    let result = db::write(db, |tx| {
        let actor = actor.clone();
        let p = p.clone();
        Box::pin(async move {
            let actor = &actor;
            partner::Entity::insert(partner::ActiveModel {
                id: Set(p.id),
                kind: Set(p.kind.as_str().to_owned()),
                name: Set(p.name.clone()),
                status: Set(p.status.clone()),
                created_at: Set(to_micros(now)),
            })
            .exec_without_returning(tx)
            .await?;
            audit::record(
                tx,
                actor,
                now,
                Change {
                    action: Action::PartnerCreated,
                    children: Vec::new(),
                    object_type: "partner",
                    object_id: Some(p.id),
                    before: None,
                    after: snapshot(&p),
                },
            )
            .await?;
            Ok::<_, PartnerError>(())
        })
    })
    .await;
    match result {
        Err(PartnerError::Db(e)) if db::is_unique_violation(&e) => Err(PartnerError::NameTaken),
        other => other.map(|_| p),
    }
}

pub async fn list_partners(
    conn: &impl ConnectionTrait,
    kind: Option<PartnerKind>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Partner>, DbErr> {
    let mut q = partner::Entity::find();
    if let Some(k) = kind {
        q = q.filter(partner::Column::Kind.eq(k.as_str()));
    }
    q.order_by_asc(partner::Column::Name)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Partner::try_from)
        .collect()
}

/// Active partners of the given kinds, by name.
pub async fn list_active_of_kinds(
    conn: &impl ConnectionTrait,
    kinds: &[PartnerKind],
    limit: u64,
    offset: u64,
) -> Result<Vec<Partner>, DbErr> {
    partner::Entity::find()
        .filter(partner::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .filter(partner::Column::Status.eq(PartnerStatus::Active.as_str()))
        .order_by_asc(partner::Column::Name)
        .order_by_asc(partner::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Partner::try_from)
        .collect()
}

/// The partners with these ids, active or not.
pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Partner>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    partner::Entity::find()
        .filter(partner::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(Partner::try_from)
        .collect()
}

/// Every partner of the given kinds, active or not (for reports over past months).
pub async fn all_of_kinds(
    conn: &impl ConnectionTrait,
    kinds: &[PartnerKind],
) -> Result<Vec<Partner>, DbErr> {
    partner::Entity::find()
        .filter(partner::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .order_by_asc(partner::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(Partner::try_from)
        .collect()
}

/// The partner, if it exists, is active and is of one of the given kinds.
pub async fn active_of_kinds(
    conn: &impl ConnectionTrait,
    id: Uuid,
    kinds: &[PartnerKind],
) -> Result<Option<Partner>, DbErr> {
    Ok(partner::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Partner::try_from)
        .transpose()?
        .filter(|p| p.status == PartnerStatus::Active.as_str() && kinds.contains(&p.kind)))
}

pub async fn get_partner(conn: &impl ConnectionTrait, id: Uuid) -> Result<Partner, PartnerError> {
    partner::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Partner::try_from)
        .transpose()?
        .ok_or(PartnerError::PartnerNotFound)
}

/// Registers a device; the credential is returned here and never again.
pub async fn register_device(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    partner_id: Uuid,
    label: &str,
) -> Result<(Device, String), PartnerError> {
    let label = text::bounded(label, 100).map_err(|e| invalid("label", e))?;
    let credential = generate(SecretKind::Device);
    let device =
        register_device_with_credential(db, actor, now, partner_id, &label, &credential).await?;
    Ok((device, credential))
}

/// Registers a device with a given credential (the demo data uses fixed ones).
pub async fn register_device_with_credential(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    partner_id: Uuid,
    label: &str,
    credential: &str,
) -> Result<Device, PartnerError> {
    let model = device::Model {
        id: Uuid::new_v4(),
        partner_id,
        label: label.to_owned(),
        credential_hash: digest(credential),
        status: DeviceStatus::Active.as_str().into(),
        created_at: to_micros(now),
        revoked_at: None,
    };
    db::write(db, |tx| {
        let actor = actor.clone();
        let model = model.clone();
        Box::pin(async move {
            let actor = &actor;
            get_partner(tx, partner_id).await?;
            device::Entity::insert(device::ActiveModel {
                id: Set(model.id),
                partner_id: Set(model.partner_id),
                label: Set(model.label.clone()),
                credential_hash: Set(model.credential_hash.clone()),
                status: Set(model.status.clone()),
                created_at: Set(model.created_at),
                revoked_at: Set(None),
            })
            .exec_without_returning(tx)
            .await?;
            audit::record(
                tx,
                actor,
                now,
                Change {
                    action: Action::DeviceRegistered,
                    children: Vec::new(),
                    object_type: "device",
                    object_id: Some(model.id),
                    before: None,
                    after: snapshot(&Device::from(model.clone())),
                },
            )
            .await?;
            Ok::<_, PartnerError>(())
        })
    })
    .await?;
    Ok(model.into())
}

pub async fn revoke_device(
    db: &crate::db::Db,
    actor: &Actor,
    clock: &std::sync::Arc<dyn crate::clock::Clock>,
    device_id: Uuid,
) -> Result<Device, PartnerError> {
    db::write(db, |tx| {
        let actor = actor.clone();
        let clock = clock.clone();
        Box::pin(async move {
            let actor = &actor;
            // Lock the device first, waiting for the redemptions that already found it active
            // (they hold a shared lock until they commit), and only then read the clock: the
            // revocation's instant is after every redemption it let through.
            let before: Device = device::Entity::find_by_id(device_id)
                .lock_exclusive()
                .one(tx)
                .await?
                .ok_or(PartnerError::DeviceNotFound)?
                .into();
            let now = clock.now();
            let changed = device::Entity::update_many()
                .col_expr(
                    device::Column::Status,
                    Expr::value(DeviceStatus::Revoked.as_str()),
                )
                .col_expr(device::Column::RevokedAt, Expr::value(to_micros(now)))
                .filter(device::Column::Id.eq(device_id))
                .filter(device::Column::Status.eq(DeviceStatus::Active.as_str()))
                .exec(tx)
                .await?
                .rows_affected;
            if changed != 1 {
                return Err(PartnerError::AlreadyRevoked);
            }
            let after: Device = device::Entity::find_by_id(device_id)
                .one(tx)
                .await?
                .ok_or(PartnerError::DeviceNotFound)?
                .into();
            audit::record(
                tx,
                actor,
                now,
                Change {
                    action: Action::DeviceRevoked,
                    children: Vec::new(),
                    object_type: "device",
                    object_id: Some(device_id),
                    before: snapshot(&before),
                    after: snapshot(&after),
                },
            )
            .await?;
            Ok(after)
        })
    })
    .await
}

pub async fn list_devices(
    conn: &impl ConnectionTrait,
    partner_id: Uuid,
) -> Result<Vec<Device>, DbErr> {
    Ok(device::Entity::find()
        .filter(device::Column::PartnerId.eq(partner_id))
        .order_by_asc(device::Column::CreatedAt)
        .order_by_asc(device::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Device::from)
        .collect())
}

/// The devices with these ids, active or not.
pub async fn devices_by_ids(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<Device>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(device::Entity::find()
        .filter(device::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(Device::from)
        .collect())
}

/// One device, if it exists.
pub async fn find_device(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Device>, DbErr> {
    Ok(device::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Device::from))
}

/// Resolves a device credential; a revoked device is refused.
pub async fn authenticate_device(
    conn: &impl ConnectionTrait,
    credential: &str,
) -> Result<DevicePrincipal, PartnerError> {
    if SecretKind::of(credential) != Some(SecretKind::Device) {
        return Err(PartnerError::UnknownCredential);
    }
    let d = device::Entity::find()
        .filter(device::Column::CredentialHash.eq(digest(credential)))
        .one(conn)
        .await?
        .ok_or(PartnerError::UnknownCredential)?;
    if d.status != DeviceStatus::Active.as_str() {
        return Err(PartnerError::Revoked);
    }
    let p = get_partner(conn, d.partner_id).await?;
    if p.status != PartnerStatus::Active.as_str() {
        return Err(PartnerError::Revoked);
    }
    Ok(DevicePrincipal {
        device_id: d.id,
        partner_id: p.id,
        partner_kind: p.kind,
        partner_name: p.name.into(),
    })
}

/// Whether a device may still be used: registered active, until revoked (for good).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    Active,
    Revoked,
}

impl DeviceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Active => "active",
            DeviceStatus::Revoked => "revoked",
        }
    }
}

/// Whether a partner's devices may be used: partners are registered active, and no other
/// status is set today; any other value stored stops its devices as a revocation would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerStatus {
    Active,
}

impl PartnerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerStatus::Active => "active",
        }
    }
}

/// The device, if still active, read with a shared lock (PostgreSQL; SQLite serialises
/// writers anyway): a revocation waits for the writes that passed this check, and such a write
/// waits for a revocation in progress (see [`revoke_device`]).
fn active_device(device_id: Uuid) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .expr(Expr::val(1))
        .from(device::Entity)
        .and_where(device::Column::Id.eq(device_id))
        .and_where(device::Column::Status.eq(DeviceStatus::Active.as_str()))
        .lock_shared()
        .to_owned()
}

/// A condition for another area's write that moves money: the device is still active at that
/// moment, whatever a cached authentication said (see [`active_device`]).
pub fn while_device_active(device_id: Uuid) -> sea_orm::sea_query::SimpleExpr {
    Expr::exists(active_device(device_id))
}

/// Whether the device is still active, read inside the caller's transaction: an act that
/// moves money or minutes checks this at the moment it writes, whatever a cached
/// authentication (on this or another instance) said a moment ago (see [`active_device`]).
pub async fn is_active_device(conn: &impl ConnectionTrait, device_id: Uuid) -> Result<bool, DbErr> {
    let statement = conn.get_database_backend().build(&active_device(device_id));
    Ok(conn.query_one_raw(statement).await?.is_some())
}

/// Recently authenticated device credentials, so that the scanning hot path does not look
/// the device up on every request. Entries live a short while (`ttl`); revoking a device in
/// this process forgets it at once, and the redeem transaction re-checks the device anyway,
/// so a revocation made by another instance stops money moving immediately and stops
/// verification within `ttl`.
pub struct DeviceCache {
    ttl: std::time::Duration,
    entries:
        std::sync::RwLock<std::collections::HashMap<String, (DevicePrincipal, std::time::Instant)>>,
}

impl DeviceCache {
    pub fn new(ttl: std::time::Duration) -> DeviceCache {
        DeviceCache {
            ttl,
            entries: Default::default(),
        }
    }

    pub async fn authenticate(
        &self,
        conn: &impl ConnectionTrait,
        credential: &str,
    ) -> Result<DevicePrincipal, PartnerError> {
        let key = digest(credential);
        if let Some((p, at)) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            && at.elapsed() < self.ttl
        {
            return Ok(p.clone());
        }
        let p = authenticate_device(conn, credential).await?;
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(key, (p.clone(), std::time::Instant::now()));
        Ok(p)
    }

    /// Forgets a device (after revocation).
    pub fn forget(&self, device_id: Uuid) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, (p, _)| p.device_id != device_id);
    }
}
