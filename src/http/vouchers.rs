//! Vouchers over HTTP: guardians see allowances and get QR codes; partner devices verify,
//! redeem (with an Idempotency-Key), list and cancel; anyone can fetch the public keys.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{Admin, AppJson, AppPath, AppQuery, Device, Guardian};
use super::households::ChildPath;
use super::pagination::Paging;
use super::problem::{ApiError, Code, Problem};
use crate::allowances::{self, Entry, Summary, Unit};
use crate::audit::Action;
use crate::enrollments::Program;
use crate::households;
use crate::messages::Args;
use crate::signed_codes::keys::Jwk;
use crate::state::AppState;
use crate::text::FieldError;
use crate::units::Yen;
use crate::vouchers::{
    self, CareTaxiFees, Charge, DeviceRedemption, Receipt, Redeemed, RedemptionState,
    RedemptionView, Reverser, Verified,
};

/// Which voucher to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "program": "taxi_fuel" }))]
pub struct IssueVoucherRequest {
    /// `taxi_fuel` or `care_taxi`.
    pub program: Program,
}

/// A voucher to show: the code as text and as QR images.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoucherResponse {
    pub voucher_id: Uuid,
    pub program: Program,
    /// The signed code inside the QR (also what a partner may type in).
    #[schema(example = "CP2.AghrMWEy...")]
    pub payload: String,
    /// PNG of the QR code, base64 (standard alphabet).
    pub qr_png_base64: String,
    /// SVG of the QR code.
    pub qr_svg: String,
    /// After this the code is refused; ask for a new one.
    pub expires_at: DateTime<Utc>,
    pub unit: Unit,
    /// Yen or tickets left in the current period.
    pub remaining: i64,
    /// The most this voucher can cover in yen, when known.
    pub max_covered_yen: Option<i64>,
}

/// A scanned code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "payload": "CP2.AghrMWEyYjNjNGRsHV9eKwpPfI9ZHC0-T1prAQAAAABpI_5QnZk3a1xQY2E.c2lnbmF0dXJl" }))]
pub struct VerifyRequest {
    #[schema(max_length = 512)]
    pub payload: String,
}

/// A redemption: the code and either the amount (taxi fare or fuel) or the care-taxi fees.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "payload": "CP2.AghrMWEy...", "amount_yen": 3200 }))]
pub struct RedeemRequest {
    #[schema(max_length = 512)]
    pub payload: String,
    /// Taxi fare or fuel amount (taxi companies and gas stations), at most the configured
    /// maximum per redemption (`amount_over_limit` above it).
    #[schema(minimum = 1)]
    pub amount_yen: Option<i64>,
    /// Fee components (care-taxi operators).
    pub fees: Option<CareTaxiFees>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// Asia/Tokyo calendar date; today when absent.
    pub date: Option<NaiveDate>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

/// A page of a device's redemptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceRedemptionList {
    pub items: Vec<DeviceRedemption>,
    /// Offset of the next page, if there is one.
    pub next_offset: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct RedemptionPath {
    pub redemption_id: Uuid,
}

#[derive(Debug, Deserialize)]
pub struct AllowancePath {
    pub child_id: Uuid,
    pub program: Program,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// "2026-11" for monthly programs, "FY2026" for respite; the current period when absent.
    #[param(max_length = 10)]
    pub period: Option<String>,
    /// Entries and redemptions per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Entries and redemptions to skip.
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<u64>,
}

/// A period's ledger and redemptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllowanceHistory {
    pub program: Program,
    pub period: String,
    pub unit: Unit,
    /// Every movement, oldest first.
    pub entries: Vec<Entry>,
    /// Voucher redemptions in the period, newest first.
    pub redemptions: Vec<RedemptionView>,
    /// Set when either list has more: ask again with this offset.
    pub next_offset: Option<u64>,
}

/// The public keys that verify voucher codes (JWKS, RFC 7517/8037).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = VoucherKeySet)]
pub struct KeySet {
    pub keys: Vec<Jwk>,
}

/// Your child's allowances this period (every program with an allowance), for the programs the
/// child is enrolled in today.
#[utoipa::path(
    get, path = "/api/v1/children/{child_id}/allowances", tag = "vouchers", operation_id = "listAllowances",
    params(("child_id" = Uuid, Path, description = "Child id")),
    responses(
        (status = 200, description = "Granted, used, held and remaining this period", body = Vec<Summary>),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn list_allowances(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<ChildPath>,
) -> Result<AppJson<Vec<Summary>>, ApiError> {
    households::child_of_household(&state.read, g.household_id, path.child_id).await?;
    Ok(AppJson(allowances_now(&state, path.child_id).await?))
}

/// A child's allowances this period, for the programs the child is enrolled in today (the
/// family's list and the child's page for staff).
pub async fn allowances_now(state: &AppState, child_id: Uuid) -> Result<Vec<Summary>, ApiError> {
    let now = state.now();
    let cal = state.calendar();
    let mut out = Vec::new();
    let programs: Vec<Program> = state
        .rules_on(now)
        .all()
        .map(|(program, _, _)| program)
        .filter(|p| allowances::unit_of(state.rules_on(now), *p).is_some())
        .collect();
    for program in programs {
        if crate::enrollments::is_enrolled(&state.read, child_id, program, cal.local_date(now))
            .await?
        {
            out.push(
                allowances::summary(&state.read, &state.rules, &cal, child_id, program, now)
                    .await?,
            );
        }
    }
    Ok(out)
}

/// One program's ledger entries and redemptions for a period.
#[utoipa::path(
    get, path = "/api/v1/children/{child_id}/allowances/{program}/history", tag = "vouchers",
    operation_id = "getAllowanceHistory",
    params(
        ("child_id" = Uuid, Path, description = "Child id"),
        ("program" = Program, Path, description = "Program"),
        PeriodQuery
    ),
    responses(
        (status = 200, description = "The period's movements", body = AllowanceHistory),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn get_allowance_history(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<AllowancePath>,
    AppQuery(q): AppQuery<PeriodQuery>,
) -> Result<AppJson<AllowanceHistory>, ApiError> {
    households::child_of_household(&state.read, g.household_id, path.child_id).await?;
    Ok(AppJson(allowance_history(&state, &path, q).await?))
}

/// One program's movements for a child in a period (the family's and staff's view).
pub async fn allowance_history(
    state: &AppState,
    path: &AllowancePath,
    q: PeriodQuery,
) -> Result<AllowanceHistory, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let now = state.now();
    let rule = allowances::rule_at(&state.rules, &state.calendar(), path.program, now)
        .ok_or_else(|| ApiError::not_found(Code::AllowanceNotFound))?;
    let period = match q.period {
        Some(p) => parse_period(&p, rule.period)?,
        None => allowances::period_of(&state.calendar(), rule.period, now).key,
    };
    let account =
        allowances::find_account(&state.read, path.child_id, path.program, &period).await?;
    let entries = match &account {
        Some(a) => allowances::entries(&state.read, a.id, paging.fetch(), paging.offset).await?,
        None => Vec::new(),
    };
    let redemptions = if rule.period == allowances::PeriodKind::Month {
        vouchers::list_for_child(
            &state.read,
            path.child_id,
            path.program,
            &period,
            paging.fetch(),
            paging.offset,
        )
        .await?
    } else {
        Vec::new()
    };
    let (entries, more_entries) = paging.finish(entries);
    let (redemptions, more_redemptions) = paging.finish(redemptions);
    Ok(AllowanceHistory {
        program: path.program,
        period,
        unit: rule.unit,
        entries,
        redemptions,
        next_offset: more_entries.or(more_redemptions),
    })
}

fn parse_period(p: &str, kind: allowances::PeriodKind) -> Result<String, ApiError> {
    if let Some(period) = allowances::parse_period(kind, p) {
        Ok(period)
    } else {
        Err(ApiError::bad_request(Code::InvalidQuery)
            .say("problem-period-format", Args::new())
            .with("field", "period"))
    }
}

/// Get a voucher QR code for one of your children. An unused earlier code for the same child
/// and program stops working; codes expire after a few minutes (ask again when needed).
#[utoipa::path(
    post, path = "/api/v1/children/{child_id}/vouchers", tag = "vouchers", operation_id = "issueVoucher",
    params(("child_id" = Uuid, Path, description = "Child id")),
    request_body = IssueVoucherRequest,
    responses(
        (status = 201, description = "A code to show", body = VoucherResponse),
        (status = 404, description = "No such child in your household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not enrolled, nothing left this month, the program is not run (`program_not_offered`), or the person does not meet a condition of the program (`not_eligible` with `condition`; `certificate_expired` with `valid_until`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Program has no vouchers", body = Problem, content_type = "application/problem+json"),
    ),
    security(("guardian" = []))
)]
pub async fn issue_voucher(
    State(state): State<AppState>,
    g: Guardian,
    AppPath(path): AppPath<ChildPath>,
    AppJson(body): AppJson<IssueVoucherRequest>,
) -> Result<(StatusCode, AppJson<VoucherResponse>), ApiError> {
    households::child_of_household(&state.db, g.household_id, path.child_id).await?;
    let ctx = voucher_context(&state);
    let v = vouchers::issue(
        &ctx,
        &g.actor,
        state.now(),
        g.household_id,
        path.child_id,
        body.program,
    )
    .await?;
    let png = crate::signed_codes::qr::png(&v.code).map_err(ApiError::internal)?;
    let svg = crate::signed_codes::qr::svg(&v.code).map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        AppJson(VoucherResponse {
            voucher_id: v.id,
            program: v.program,
            payload: v.code,
            qr_png_base64: base64::engine::general_purpose::STANDARD.encode(png),
            qr_svg: svg,
            expires_at: v.expires_at,
            unit: v.unit,
            remaining: v.remaining,
            max_covered_yen: v.max_covered_yen,
        }),
    ))
}

fn voucher_context(state: &AppState) -> vouchers::Context<'_> {
    vouchers::Context {
        db: &state.db,
        read: &state.read,
        keys: &state.keys,
        rules: &state.rules,
        calendar: state.calendar(),
    }
}

/// The public keys that verify voucher codes, for partner apps that check codes offline.
#[utoipa::path(
    get, path = "/api/v1/voucher-keys", tag = "vouchers", operation_id = "listVoucherKeys",
    responses((status = 200, description = "JWKS of Ed25519 keys", body = KeySet)),
    security(())
)]
pub async fn list_voucher_keys(State(state): State<AppState>) -> AppJson<KeySet> {
    AppJson(KeySet {
        keys: state.keys.public_keys(state.now()),
    })
}

/// Rotate the voucher signing key (admin). Codes signed by earlier keys stay valid until they expire.
#[utoipa::path(
    post, path = "/api/v1/admin/voucher-keys/rotate", tag = "vouchers", operation_id = "rotateVoucherKey",
    responses((status = 200, description = "The new key set", body = KeySet)),
    security(("admin" = []))
)]
pub async fn rotate_voucher_key(
    State(state): State<AppState>,
    admin: Admin,
) -> Result<AppJson<KeySet>, ApiError> {
    let now = state.now();
    let kid = state
        .keys
        .rotate(&state.db, now, state.config.key_lifetime())
        .await?;
    crate::audit::record(
        &state.db,
        &admin.actor,
        now,
        crate::audit::Change {
            action: Action::VoucherKeyRotated,
            children: Vec::new(),
            object_type: "signing_key",
            object_id: None,
            before: None,
            after: Some(serde_json::json!({ "kid": kid })),
        },
    )
    .await?;
    Ok(AppJson(KeySet {
        keys: state.keys.public_keys(now),
    }))
}

/// Check a scanned code: valid or not (the problem's `code` says why), for which program, the
/// most it can cover, and the child's initials. Changes nothing.
#[utoipa::path(
    post, path = "/api/v1/device/vouchers/verify", tag = "vouchers", operation_id = "verifyVoucher",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "Valid", body = Verified),
        (status = 403, description = "This partner cannot redeem this program", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already used, not enrolled, nothing left, or the person does not meet a condition of the program on this day (`not_eligible`, `certificate_expired`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Expired or replaced by a newer code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed, tampered, or signed by an unknown key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn verify_voucher(
    State(state): State<AppState>,
    device: Device,
    AppJson(body): AppJson<VerifyRequest>,
) -> Result<AppJson<Verified>, ApiError> {
    let v = vouchers::verify(
        &state.read,
        &state.keys,
        &state.rules,
        &state.calendar(),
        state.now(),
        &device.device,
        &body.payload,
    )
    .await?;
    Ok(AppJson(v))
}

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get("idempotency-key")
        .ok_or_else(|| ApiError::bad_request(Code::IdempotencyKeyMissing))?;
    let key = value
        .to_str()
        .map_err(|_| ApiError::bad_request(Code::IdempotencyKeyMissing))?
        .trim();
    if key.is_empty() || key.len() > 100 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::bad_request(Code::IdempotencyKeyMissing)
            .say("problem-idempotency-key-format", Args::new()));
    }
    Ok(key.to_owned())
}

/// Redeem a scanned code. Send an `Idempotency-Key` header (e.g. a UUID per scan) and reuse it
/// on retries: the retry gets the first answer byte for byte (with `Idempotent-Replayed: true`).
/// Every answer carries `Redemption-State` (`standing`, `cancelled` or `reversed`): a replay of
/// a redemption that was cancelled or reversed since still returns the original receipt, and
/// the header is how a scanner knows not to show it as a success.
/// Taxi/fuel: `amount_yen`; covered = min(amount, remaining this month), the family pays the
/// rest. Care taxi: `fees`; one ticket, covered = their sum up to the per-ticket ceiling.
#[utoipa::path(
    post, path = "/api/v1/device/vouchers/redeem", tag = "vouchers", operation_id = "redeemVoucher",
    params(("Idempotency-Key" = String, Header, description = "Unique per redemption attempt; reuse it on retries")),
    request_body = RedeemRequest,
    responses(
        (status = 201, description = "Redeemed (or the stored answer to a retry)", body = Receipt, headers(
            ("Redemption-State" = String, description = "What has become of the redemption: `standing`, `cancelled` (by the partner, same day) or `reversed` (by ward staff)"),
            ("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to an earlier request with the same Idempotency-Key"),
        )),
        (status = 403, description = "This partner cannot redeem this program", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already used, not enrolled, nothing left, or the person does not meet a condition of the program on this day (`not_eligible`, `certificate_expired`)", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Expired or replaced by a newer code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed or tampered code, bad amounts, or the key reused for another request", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn redeem_voucher(
    State(state): State<AppState>,
    device: Device,
    headers: HeaderMap,
    AppJson(body): AppJson<RedeemRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let charge = match (body.amount_yen, body.fees) {
        (Some(a), None) => Charge::Amount(Yen(a)),
        (None, Some(f)) => Charge::Fees(f),
        _ => {
            return Err(
                FieldError::said("amount_yen", "reason-amount-or-fees", Args::new()).into(),
            );
        }
    };
    let ctx = voucher_context(&state);
    let outcome = vouchers::redeem(
        &ctx,
        &device.actor,
        state.now(),
        &device.device,
        &key,
        &body.payload,
        charge,
    )
    .await?;
    let (json, replayed, state) = match outcome {
        Redeemed::Created(j) => (j, false, RedemptionState::Standing),
        Redeemed::Replayed { body, state } => (body, true, state),
    };
    let mut response = (StatusCode::CREATED, json).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
        .headers_mut()
        .insert("redemption-state", HeaderValue::from_static(state.as_str()));
    Ok(response)
}

/// This device's redemptions on a day (today by default), newest first.
#[utoipa::path(
    get, path = "/api/v1/device/redemptions", tag = "vouchers", operation_id = "listDeviceRedemptions",
    params(DateQuery),
    responses((status = 200, description = "Redemptions", body = DeviceRedemptionList)),
    security(("device" = []))
)]
pub async fn list_device_redemptions(
    State(state): State<AppState>,
    device: Device,
    AppQuery(q): AppQuery<DateQuery>,
) -> Result<AppJson<DeviceRedemptionList>, ApiError> {
    let paging = Paging::parse(q.limit, q.offset, state.config.server.max_page_size)?;
    let date = q
        .date
        .unwrap_or_else(|| state.calendar().local_date(state.now()));
    let rows = vouchers::list_for_device(
        &state.read,
        device.device.device_id,
        date,
        paging.fetch(),
        paging.offset,
    )
    .await?;
    let (items, next_offset) = paging.finish(rows);
    Ok(AppJson(DeviceRedemptionList { items, next_offset }))
}

/// Cancel one of your partner's redemptions on the day it was made (取消); the family's
/// balance comes back.
#[utoipa::path(
    post, path = "/api/v1/device/redemptions/{redemption_id}/cancel", tag = "vouchers",
    operation_id = "cancelRedemption",
    params(("redemption_id" = Uuid, Path, description = "Redemption id")),
    responses(
        (status = 200, description = "Cancelled", body = RedemptionView),
        (status = 404, description = "No such redemption of your partner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already reversed, or not today", body = Problem, content_type = "application/problem+json"),
    ),
    security(("device" = []))
)]
pub async fn cancel_redemption(
    State(state): State<AppState>,
    device: Device,
    AppPath(path): AppPath<RedemptionPath>,
) -> Result<AppJson<RedemptionView>, ApiError> {
    let r = vouchers::reverse(
        &state.db,
        &state.rules,
        &state.calendar(),
        &device.actor,
        state.now(),
        path.redemption_id,
        Reverser::Partner(&device.device),
    )
    .await?;
    Ok(AppJson(r))
}
