//! Households and children: staff create households and invite guardians; guardians see their
//! own household and register their children.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{AppJson, AppPath, AppQuery, Guardian, Staff};
use super::pagination::{PageParams, Paging};
use super::problem::{ApiError, Problem};
use crate::auth::{Role, invitations};
use crate::households::{
    self, CareNeed, Child, ChildInput, Contact, ContactInput, Household, HouseholdDetail, Member,
    NewChild,
};
use crate::state::AppState;

/// A new household.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHouseholdRequest {
    /// How staff refer to the family, e.g. "品川家".
    #[schema(example = "品川家", max_length = 100)]
    pub name: String,
}

/// A page of households.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdList {
    pub items: Vec<Household>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// A page of children.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildList {
    pub items: Vec<Child>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// A household with its guardians and children.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDetailResponse {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// How the family is reached, once staff have recorded it.
    pub contact: Option<Contact>,
    pub guardians: Vec<Member>,
    pub children: Vec<Child>,
}

impl From<HouseholdDetail> for HouseholdDetailResponse {
    fn from(d: HouseholdDetail) -> Self {
        HouseholdDetailResponse {
            id: d.household.id,
            name: d.household.name,
            created_at: d.household.created_at,
            contact: d.household.contact,
            guardians: d.guardians,
            children: d.children,
        }
    }
}

/// Whom to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(example = "hanako@example.jp", max_length = 254)]
    pub email: String,
    #[schema(example = "品川 花子", max_length = 100)]
    pub display_name: String,
}

/// An invitation. The code is shown only here: hand it to the invitee, who redeems it in the app.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationResponse {
    pub id: Uuid,
    /// One-time code (starts with `cpi_`); not retrievable later.
    pub invitation_code: String,
    pub email: String,
    pub role: Role,
    pub household_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

impl From<invitations::NewInvitation> for InvitationResponse {
    fn from(i: invitations::NewInvitation) -> Self {
        InvitationResponse {
            id: i.id,
            invitation_code: i.code,
            email: i.email,
            role: i.role,
            household_id: i.household_id,
            expires_at: i.expires_at,
        }
    }
}

/// A child to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddChildRequest {
    /// 姓
    #[schema(example = "品川", max_length = 50)]
    pub family_name: String,
    /// 名
    #[schema(example = "さくら", max_length = 50)]
    pub given_name: String,
    /// せい (hiragana or katakana)
    #[schema(example = "しながわ", max_length = 50)]
    pub family_name_kana: String,
    /// めい (hiragana or katakana)
    #[schema(example = "さくら", max_length = 50)]
    pub given_name_kana: String,
    /// Date of birth (YYYY-MM-DD), not in the future.
    #[schema(example = "2019-05-12")]
    pub birth_date: NaiveDate,
    /// Daily care needs.
    #[serde(default)]
    #[schema(max_items = 8, value_type = BTreeSet<CareNeed>)]
    pub care_needs: Vec<CareNeed>,
}

impl From<AddChildRequest> for ChildInput {
    fn from(r: AddChildRequest) -> Self {
        ChildInput {
            family_name: r.family_name,
            given_name: r.given_name,
            family_name_kana: r.family_name_kana,
            given_name_kana: r.given_name_kana,
            birth_date: r.birth_date,
            care_needs: r.care_needs,
        }
    }
}

/// Path of one household.
#[derive(Debug, Deserialize)]
pub struct HouseholdPath {
    pub household_id: Uuid,
}

/// Path of one child.
#[derive(Debug, Deserialize)]
pub struct ChildPath {
    pub child_id: Uuid,
}

/// Create a household (staff).
#[utoipa::path(
    post, path = "/api/v1/staff/households", tag = "households", operation_id = "createHousehold",
    request_body = CreateHouseholdRequest,
    responses(
        (status = 201, description = "Created", body = Household),
        (status = 422, description = "Invalid name", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn create_household(
    State(state): State<AppState>,
    staff: Staff,
    AppJson(body): AppJson<CreateHouseholdRequest>,
) -> Result<(StatusCode, AppJson<Household>), ApiError> {
    let h = households::create_household(&state.db, &staff.actor, state.now(), &body.name).await?;
    Ok((StatusCode::CREATED, AppJson(h)))
}

/// List households (staff), oldest first.
#[utoipa::path(
    get, path = "/api/v1/staff/households", tag = "households", operation_id = "listHouseholds",
    params(PageParams),
    responses((status = 200, description = "A page of households", body = HouseholdList)),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_households(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<HouseholdList>, ApiError> {
    let paging = Paging::parse(page.limit, page.offset, state.config.server.max_page_size)?;
    let rows = households::list_households(&state.read, paging.fetch(), paging.offset).await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(HouseholdList { items, next_offset }))
}

/// One household with its guardians and children (staff).
#[utoipa::path(
    get, path = "/api/v1/staff/households/{household_id}", tag = "households", operation_id = "getHousehold",
    params(("household_id" = Uuid, Path, description = "Household id")),
    responses(
        (status = 200, description = "The household", body = HouseholdDetailResponse),
        (status = 404, description = "No such household", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn get_household(
    State(state): State<AppState>,
    _staff: Staff,
    AppPath(path): AppPath<HouseholdPath>,
) -> Result<AppJson<HouseholdDetailResponse>, ApiError> {
    let d = households::get_household(&state.read, path.household_id).await?;
    Ok(AppJson(d.into()))
}

/// Record a household's contact details (staff): the town (町名), the rest of the address and
/// the guardian's phone, replacing earlier ones. A nurse station sees them only for a visit it
/// has accepted, an institution only for a stay assigned to it.
#[utoipa::path(
    put, path = "/api/v1/staff/households/{household_id}/contact", tag = "households",
    operation_id = "recordHouseholdContact",
    params(("household_id" = Uuid, Path, description = "Household id")),
    request_body = ContactInput,
    responses(
        (status = 200, description = "The household with its contact", body = Household),
        (status = 404, description = "No such household", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A part is empty, too long, or the phone is not a Japanese number", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn record_household_contact(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<HouseholdPath>,
    AppJson(body): AppJson<ContactInput>,
) -> Result<AppJson<Household>, ApiError> {
    let h = households::set_contact(
        &state.db,
        &staff.actor,
        state.now(),
        path.household_id,
        body,
    )
    .await?;
    Ok(AppJson(h))
}

/// Invite a guardian into a household (staff). The answer holds the one-time code.
#[utoipa::path(
    post, path = "/api/v1/staff/households/{household_id}/invitations", tag = "households",
    operation_id = "inviteGuardian",
    params(("household_id" = Uuid, Path, description = "Household id")),
    request_body = InviteRequest,
    responses(
        (status = 201, description = "Invitation created", body = InvitationResponse),
        (status = 404, description = "No such household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid email or name", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn invite_guardian(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<HouseholdPath>,
    AppJson(body): AppJson<InviteRequest>,
) -> Result<(StatusCode, AppJson<InvitationResponse>), ApiError> {
    let inv = invitations::create(
        &state.db,
        &state.config.auth,
        &staff.actor,
        state.now(),
        invitations::Invite {
            role: Role::Guardian,
            email: &body.email,
            display_name: &body.display_name,
            household_id: Some(path.household_id),
        },
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(inv.into())))
}

/// Register a child in a household (staff, e.g. at the service counter).
#[utoipa::path(
    post, path = "/api/v1/staff/households/{household_id}/children", tag = "households",
    operation_id = "addChildToHousehold",
    params(("household_id" = Uuid, Path, description = "Household id")),
    request_body = AddChildRequest,
    responses(
        (status = 201, description = "Registered", body = Child),
        (status = 404, description = "No such household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The household already has 20 children (too_many_children)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn add_child_to_household(
    State(state): State<AppState>,
    staff: Staff,
    AppPath(path): AppPath<HouseholdPath>,
    AppJson(body): AppJson<AddChildRequest>,
) -> Result<(StatusCode, AppJson<Child>), ApiError> {
    let now = state.now();
    let new = NewChild::parse(body.into(), state.calendar().local_date(now))?;
    let c = households::add_child(&state.db, &staff.actor, now, path.household_id, new).await?;
    Ok((StatusCode::CREATED, AppJson(c)))
}

/// The signed-in guardian's household, with its guardians and children.
#[utoipa::path(
    get, path = "/api/v1/household", tag = "households", operation_id = "getMyHousehold",
    responses((status = 200, description = "Your household", body = HouseholdDetailResponse)),
    security(("guardian" = []))
)]
pub async fn get_my_household(
    State(state): State<AppState>,
    g: Guardian,
) -> Result<AppJson<HouseholdDetailResponse>, ApiError> {
    let d = households::get_household(&state.read, g.household_id).await?;
    Ok(AppJson(d.into()))
}

/// Register a child in your household.
#[utoipa::path(
    post, path = "/api/v1/children", tag = "households", operation_id = "addChild",
    request_body = AddChildRequest,
    responses(
        (status = 201, description = "Registered", body = Child),
        (status = 409, description = "The household already has 20 children (too_many_children)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn add_child(
    State(state): State<AppState>,
    g: Guardian,
    AppJson(body): AppJson<AddChildRequest>,
) -> Result<(StatusCode, AppJson<Child>), ApiError> {
    let now = state.now();
    let new = NewChild::parse(body.into(), state.calendar().local_date(now))?;
    let c = households::add_child(&state.db, &g.actor, now, g.household_id, new).await?;
    Ok((StatusCode::CREATED, AppJson(c)))
}

/// Your children.
#[utoipa::path(
    get, path = "/api/v1/children", tag = "households", operation_id = "listChildren",
    params(PageParams),
    responses((status = 200, description = "Children of your household, oldest registration first", body = ChildList)),
    security(("guardian" = []))
)]
pub async fn list_children(
    State(state): State<AppState>,
    g: Guardian,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<AppJson<ChildList>, ApiError> {
    let paging = Paging::parse(page.limit, page.offset, state.config.server.max_page_size)?;
    let rows =
        households::list_children(&state.read, g.household_id, paging.fetch(), paging.offset)
            .await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(ChildList { items, next_offset }))
}

/// One of your children. Another household's child is answered 404.
#[utoipa::path(
    get, path = "/api/v1/children/{child_id}", tag = "households", operation_id = "getChild",
    params(("child_id" = Uuid, Path, description = "Child id")),
    responses(
        (status = 200, description = "The child", body = Child),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn get_child(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<ChildPath>,
) -> Result<AppJson<Child>, ApiError> {
    Ok(AppJson(
        households::child_of_household(&state.read, g.household_id, path.child_id).await?,
    ))
}
