//! Partners and devices: staff list them; admins create partners, register and revoke devices,
//! and invite staff; a device can ask who it is.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Admin, AppJson, AppPath, AppQuery, Device, Staff};
use super::households::{InvitationResponse, InviteRequest};
use super::pagination::{PageParams, Paging};
use super::problem::{ApiError, Problem};
use crate::auth::sessions::AccountView;
use crate::auth::{Role, accounts, invitations};
use crate::partners::{self, Device as DeviceInfo, Partner, PartnerKind};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePartnerRequest {
    pub kind: PartnerKind,
    #[schema(example = "品川交通株式会社", max_length = 100)]
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PartnerQuery {
    pub kind: Option<PartnerKind>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerList {
    pub items: Vec<Partner>,
    pub next_offset: Option<u64>,
}

/// A partner with its devices.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerDetail {
    #[serde(flatten)]
    pub partner: Partner,
    pub devices: Vec<DeviceInfo>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterDeviceRequest {
    /// Where the device is used, e.g. "車両 12 号".
    #[schema(example = "車両 12 号", max_length = 100)]
    pub label: String,
}

/// A newly registered device and its credential, shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredDevice {
    pub device: DeviceInfo,
    /// Bearer credential for the device (starts with `cpd_`); store it on the device only.
    pub credential: String,
}

/// The device behind the credential, and its partner.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentDevice {
    pub device_id: Uuid,
    /// The device's own label, as the ward registered it (e.g. 「1号車」).
    pub label: String,
    pub partner_id: Uuid,
    pub partner_kind: PartnerKind,
    pub partner_name: String,
}

#[derive(Debug, Deserialize)]
pub struct PartnerPath {
    pub partner_id: Uuid,
}

#[derive(Debug, Deserialize)]
pub struct DevicePath {
    pub device_id: Uuid,
}

/// List partners (staff), by name.
#[utoipa::path(
    get, path = "/api/v1/staff/partners", tag = "partners", operation_id = "listPartners",
    params(PartnerQuery),
    responses((status = 200, description = "A page of partners", body = PartnerList)),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_partners(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<PartnerQuery>,
) -> Result<AppJson<PartnerList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let rows = partners::list_partners(&state.read, q.kind, paging.fetch(), paging.offset).await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(PartnerList { items, next_offset }))
}

/// One partner with its devices (staff).
#[utoipa::path(
    get, path = "/api/v1/staff/partners/{partner_id}", tag = "partners", operation_id = "getPartner",
    params(("partner_id" = Uuid, Path, description = "Partner id")),
    responses(
        (status = 200, description = "The partner", body = PartnerDetail),
        (status = 404, description = "No such partner", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_partner(
    State(state): State<AppState>,
    _staff: Staff,
    AppPath(path): AppPath<PartnerPath>,
) -> Result<AppJson<PartnerDetail>, ApiError> {
    let partner = partners::get_partner(&state.read, path.partner_id).await?;
    let devices = partners::list_devices(&state.read, partner.id).await?;
    Ok(AppJson(PartnerDetail { partner, devices }))
}

/// Register a ward-contracted partner (admin).
#[utoipa::path(
    post, path = "/api/v1/admin/partners", tag = "partners", operation_id = "createPartner",
    request_body = CreatePartnerRequest,
    responses(
        (status = 201, description = "Created", body = Partner),
        (status = 409, description = "Name already used", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("admin" = []))
)]
pub async fn create_partner(
    State(state): State<AppState>,
    admin: Admin,
    AppJson(body): AppJson<CreatePartnerRequest>,
) -> Result<(StatusCode, AppJson<Partner>), ApiError> {
    let p = partners::create_partner(&state.db, &admin.actor, state.now(), body.kind, &body.name)
        .await?;
    Ok((StatusCode::CREATED, AppJson(p)))
}

/// Register a scanning device for a partner (admin). The credential is shown once.
#[utoipa::path(
    post, path = "/api/v1/admin/partners/{partner_id}/devices", tag = "partners", operation_id = "registerDevice",
    params(("partner_id" = Uuid, Path, description = "Partner id")),
    request_body = RegisterDeviceRequest,
    responses(
        (status = 201, description = "Registered", body = RegisteredDevice),
        (status = 404, description = "No such partner", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid label", body = Problem, content_type = "application/problem+json"),
    ),
    security(("admin" = []))
)]
pub async fn register_device(
    State(state): State<AppState>,
    admin: Admin,
    AppPath(path): AppPath<PartnerPath>,
    AppJson(body): AppJson<RegisterDeviceRequest>,
) -> Result<(StatusCode, AppJson<RegisteredDevice>), ApiError> {
    let (device, credential) = partners::register_device(
        &state.db,
        &admin.actor,
        state.now(),
        path.partner_id,
        &body.label,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        AppJson(RegisteredDevice { device, credential }),
    ))
}

/// Revoke a device (admin); its next request is refused.
#[utoipa::path(
    post, path = "/api/v1/admin/devices/{device_id}/revoke", tag = "partners", operation_id = "revokeDevice",
    params(("device_id" = Uuid, Path, description = "Device id")),
    responses(
        (status = 200, description = "Revoked", body = DeviceInfo),
        (status = 404, description = "No such device", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json"),
    ),
    security(("admin" = []))
)]
pub async fn revoke_device(
    State(state): State<AppState>,
    admin: Admin,
    AppPath(path): AppPath<DevicePath>,
) -> Result<AppJson<DeviceInfo>, ApiError> {
    let device =
        partners::revoke_device(&state.db, &admin.actor, &state.clock, path.device_id).await?;
    state.devices.forget(device.id);
    Ok(AppJson(device))
}

/// Invite a staff member (admin). The answer holds the one-time code.
#[utoipa::path(
    post, path = "/api/v1/admin/staff-invitations", tag = "partners", operation_id = "inviteStaff",
    request_body = InviteRequest,
    responses(
        (status = 201, description = "Invitation created", body = InvitationResponse),
        (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid email or name", body = Problem, content_type = "application/problem+json"),
    ),
    security(("admin" = []))
)]
pub async fn invite_staff(
    State(state): State<AppState>,
    admin: Admin,
    AppJson(body): AppJson<InviteRequest>,
) -> Result<(StatusCode, AppJson<InvitationResponse>), ApiError> {
    let inv = invitations::create(
        &state.db,
        &state.config.auth,
        &admin.actor,
        state.now(),
        invitations::Invite {
            role: Role::Staff,
            email: &body.email,
            display_name: &body.display_name,
            household_id: None,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(inv.into())))
}

/// The calling device and its partner.
#[utoipa::path(
    get, path = "/api/v1/device", tag = "partners", operation_id = "getCurrentDevice",
    responses((status = 200, description = "This device", body = CurrentDevice)),
    security(("device" = []))
)]
pub async fn get_current_device(
    State(state): State<AppState>,
    device: Device,
) -> Result<AppJson<CurrentDevice>, ApiError> {
    let p = partners::get_partner(&state.read, device.device.partner_id).await?;
    let d = partners::find_device(&state.read, device.device.device_id)
        .await?
        .ok_or(partners::PartnerError::DeviceNotFound)?;
    Ok(AppJson(CurrentDevice {
        device_id: device.device.device_id,
        label: d.label,
        partner_id: p.id,
        partner_kind: p.kind,
        partner_name: p.name,
    }))
}

/// A page of staff accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffList {
    pub items: Vec<StaffAccount>,
    pub next_offset: Option<u64>,
}

/// A staff or admin account.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffAccount {
    pub id: Uuid,
    pub role: Role,
    pub email: String,
    pub display_name: String,
    /// `active` or `disabled`.
    pub status: String,
}

impl From<AccountView> for StaffAccount {
    fn from(a: AccountView) -> Self {
        StaffAccount {
            id: a.id,
            role: Role::parse(&a.role).unwrap_or(Role::Staff),
            email: a.email,
            display_name: a.display_name,
            status: a.status,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct AccountPath {
    pub account_id: Uuid,
}

/// Staff and admin accounts (admin).
#[utoipa::path(
    get, path = "/api/v1/admin/staff", tag = "partners", operation_id = "listStaff",
    params(PageParams),
    responses((status = 200, description = "A page of staff accounts", body = StaffList)),
    security(("admin" = []))
)]
pub async fn list_staff(
    State(state): State<AppState>,
    _admin: Admin,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<StaffList>, ApiError> {
    let paging = Paging::parse(page.limit, page.offset, state.config.server.max_page_size)?;
    let rows = accounts::list_staff(&state.read, paging.fetch(), paging.offset).await?;
    let (rows, next_offset) = paging.finish(rows);
    Ok(AppJson(StaffList {
        items: rows.into_iter().map(StaffAccount::from).collect(),
        next_offset,
    }))
}

/// Disable an account (admin): it can no longer sign in and its sessions end at once.
#[utoipa::path(
    post, path = "/api/v1/admin/accounts/{account_id}/disable", tag = "partners", operation_id = "disableAccount",
    params(("account_id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, description = "Disabled", body = StaffAccount),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already disabled, or your own account", body = Problem, content_type = "application/problem+json"),
    ),
    security(("admin" = []))
)]
pub async fn disable_account(
    State(state): State<AppState>,
    admin: Admin,
    AppPath(path): AppPath<AccountPath>,
) -> Result<AppJson<StaffAccount>, ApiError> {
    let a = accounts::disable(&state.db, &admin.actor, state.now(), path.account_id).await?;
    Ok(AppJson(a.into()))
}
