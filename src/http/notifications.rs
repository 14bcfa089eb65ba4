//! Notifications over HTTP: a family's and a partner's inbox, marking read, and the staff's
//! view of deliveries that failed (dead letters) with a retry.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{AppJson, AppPath, AppQuery, Device, Guardian, Staff};
use super::pagination::Paging;
use super::problem::{ApiError, Code, Problem};
use crate::notifications::{
    self, DeliveryStatus, EventKind, Notification, NotificationText, Recipient,
};
use crate::state::AppState;

/// A notification as its family or partner sees it: what happened, not how it travelled (the
/// delivery's attempts and errors are for staff, in `NotificationDelivery`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Notification)]
pub struct InboxNotification {
    /// Also the event id the push gateway deduplicates by.
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub recipient: Recipient,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub data: serde_json::Value,
    /// What to show, in Japanese and English: a one-line title and a body with the names and
    /// amounts (absent on notifications from before words were added).
    pub text: Option<NotificationText>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<Notification> for InboxNotification {
    fn from(n: Notification) -> InboxNotification {
        InboxNotification {
            id: n.id,
            kind: n.kind,
            recipient: n.recipient,
            subject_type: n.subject_type,
            subject_id: n.subject_id,
            data: n.data,
            text: n.text,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// A page of a family's or partner's notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<InboxNotification>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

/// A page of notifications with their deliveries (staff).
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDeliveryList {
    pub items: Vec<Notification>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only those not read yet.
    pub unread: Option<bool>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `dead` (default): every attempt failed; `pending`; `delivered`.
    #[param(inline)]
    pub status: Option<DeliveryStatus>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct NotificationPath {
    pub notification_id: Uuid,
}

async fn inbox(
    state: &AppState,
    recipient: Recipient,
    q: InboxQuery,
) -> Result<AppJson<NotificationList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let rows = notifications::inbox(
        &state.read,
        recipient,
        q.unread.unwrap_or(false),
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (items, next_offset) = paging.finish(rows);
    let items = items.into_iter().map(InboxNotification::from).collect();
    Ok(AppJson(NotificationList { items, next_offset }))
}

/// Your household's notifications, newest first (decisions, redemptions, visits, …).
#[utoipa::path(
    get, path = "/api/v1/notifications", tag = "notifications", operation_id = "listNotifications",
    params(InboxQuery),
    responses((status = 200, description = "Notifications", body = NotificationList)),
    security(("guardian" = []))
)]
pub async fn list_notifications(
    State(state): State<AppState>,
    g: Guardian,
    AppQuery(q): AppQuery<InboxQuery>,
) -> Result<AppJson<NotificationList>, ApiError> {
    inbox(&state, Recipient::Household(g.household_id), q).await
}

/// Mark one of your household's notifications read.
#[utoipa::path(
    post, path = "/api/v1/notifications/{notification_id}/read", tag = "notifications",
    operation_id = "markNotificationRead",
    params(("notification_id" = Uuid, Path, description = "Notification id")),
    responses(
        (status = 200, description = "Read", body = InboxNotification),
        (status = 404, description = "No such notification for your household", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn mark_notification_read(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<NotificationPath>,
) -> Result<AppJson<InboxNotification>, ApiError> {
    notifications::mark_read(
        &state.db,
        Recipient::Household(g.household_id),
        path.notification_id,
        state.now(),
    )
    .await?
    .map(|n| AppJson(n.into()))
    .ok_or_else(|| ApiError::not_found(Code::NotificationNotFound))
}

/// Your partner's notifications, newest first (respite requests and cancellations, short-stay
/// admissions, …).
#[utoipa::path(
    get, path = "/api/v1/device/notifications", tag = "notifications",
    operation_id = "listDeviceNotifications",
    params(InboxQuery),
    responses((status = 200, description = "Notifications", body = NotificationList)),
    security(("device" = []))
)]
pub async fn list_device_notifications(
    State(state): State<AppState>,
    device: Device,
    AppQuery(q): AppQuery<InboxQuery>,
) -> Result<AppJson<NotificationList>, ApiError> {
    inbox(&state, Recipient::Partner(device.device.partner_id), q).await
}

/// Notifications by delivery state (staff): by default the dead letters, whose every attempt
/// to reach the push gateway failed.
#[utoipa::path(
    get, path = "/api/v1/staff/notifications", tag = "notifications",
    operation_id = "listNotificationDeliveries",
    params(DeliveryQuery),
    responses((status = 200, description = "Notifications with their deliveries, oldest first", body = NotificationDeliveryList)),
    security(("staff" = []), ("admin" = []))
)]
pub async fn list_notification_deliveries(
    State(state): State<AppState>,
    _staff: Staff,
    AppQuery(q): AppQuery<DeliveryQuery>,
) -> Result<AppJson<NotificationDeliveryList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let rows = notifications::by_delivery(
        &state.read,
        q.status.unwrap_or(DeliveryStatus::Dead),
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(NotificationDeliveryList { items, next_offset }))
}

/// Send a dead-lettered notification again, from its first attempt (staff).
#[utoipa::path(
    post, path = "/api/v1/staff/notifications/{notification_id}/retry", tag = "notifications",
    operation_id = "retryNotification",
    params(("notification_id" = Uuid, Path, description = "Notification id")),
    responses(
        (status = 200, description = "Queued again", body = crate::notifications::Notification),
        (status = 404, description = "No such dead letter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("admin" = []))
)]
pub async fn retry_notification(
    State(state): State<AppState>,
    _staff: Staff,
    AppPath(path): AppPath<NotificationPath>,
) -> Result<AppJson<Notification>, ApiError> {
    notifications::retry(&state.db, path.notification_id, state.now())
        .await?
        .map(AppJson)
        .ok_or_else(|| ApiError::not_found(Code::NotificationNotFound))
}

/// The data schema of each kind of event: the one place that ties a kind to its shape (each
/// area defines its own data).
fn data_schema(kind: EventKind) -> &'static str {
    use EventKind as K;
    match kind {
        K::EnrollmentApproved | K::EnrollmentRejected | K::EnrollmentWithdrawn => "DecisionEvent",
        K::VoucherRedeemed => "RedeemedEvent",
        K::VoucherReversed => "ReversedEvent",
        K::SettlementClosed => "ClosedEvent",
        K::RespiteRequested
        | K::RespiteAccepted
        | K::RespiteDeclined
        | K::RespiteCancelled
        | K::RespiteCompleted
        | K::RespiteDisputed
        | K::RespiteDisputeDecided => "VisitEvent",
        K::ShortStayApproved
        | K::ShortStayRejected
        | K::ShortStayAssigned
        | K::ShortStayAdmitted
        | K::ShortStayDischarged
        | K::ShortStayCancelled => "StayEvent",
        K::PlayBookingPromoted => "PromotedEvent",
        K::PlaySessionChanged | K::PlaySessionCancelled => "SessionEvent",
    }
}

/// The schema name of one kind's notification: `voucher.redeemed` → `VoucherRedeemedNotification`.
fn variant_name(kind: EventKind) -> String {
    let words: String = kind
        .as_str()
        .split(['.', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("{words}Notification")
}

/// Writes `Notification` as a union discriminated by `type`: one schema per kind of event, each
/// the common members with that kind's `type` and `data`.
pub fn document_union(schemas: &mut serde_json::Map<String, serde_json::Value>) {
    use serde_json::json;
    let Some(mut common) = schemas.remove("Notification") else {
        return;
    };
    if let Some(props) = common["properties"].as_object_mut() {
        props.remove("type");
        props.remove("data");
    }
    if let Some(required) = common["required"].as_array_mut() {
        required.retain(|r| r != "type" && r != "data");
    }
    common["description"] = json!("What every notification has, whatever happened.");
    schemas.insert("NotificationCommon".into(), common);
    let mut one_of = Vec::new();
    let mut mapping = serde_json::Map::new();
    for kind in EventKind::ALL {
        let name = variant_name(*kind);
        let reference = format!("#/components/schemas/{name}");
        schemas.insert(
            name,
            json!({
                "description": kind.describe(),
                "allOf": [
                    { "$ref": "#/components/schemas/NotificationCommon" },
                    {
                        "type": "object",
                        "required": ["type", "data"],
                        "properties": {
                            "type": { "type": "string", "enum": [kind.as_str()] },
                            "data": { "$ref": format!("#/components/schemas/{}", data_schema(*kind)) }
                        }
                    }
                ]
            }),
        );
        one_of.push(json!({ "$ref": reference }));
        mapping.insert(kind.as_str().into(), json!(reference));
    }
    schemas.insert(
        "Notification".into(),
        json!({
            "description": "A notification as its family or partner sees it: what happened (`type`) and its details (`data`, whose shape `type` decides). How it travelled to the push gateway is for staff (`NotificationDelivery`).",
            "oneOf": one_of,
            "discriminator": { "propertyName": "type", "mapping": mapping }
        }),
    );
}
