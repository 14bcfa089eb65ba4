//! The HTTP layer: routes, the OpenAPI document, and the middleware every request passes.
//! Handlers parse, call an area, and map the result; rules live in the areas.

pub mod access_log;
pub mod adjustments;
pub mod audit;
pub mod auth;
mod child_names;
pub mod children;
pub mod client_addr;
pub mod convert;
pub mod download;
pub mod enrollments;
pub mod extract;
pub mod figures;
pub mod households;
pub mod labels;
pub mod notifications;
pub mod ops;
pub mod pagination;
pub mod params;
pub mod partners;
pub mod play_space;
pub mod problem;
pub mod program_figures;
pub mod rejections;
pub mod request_id;
pub mod respite;
pub mod second_factor;
pub mod settlements;
pub mod short_stays;
pub mod trace_context;
pub mod vouchers;
pub mod ward;
pub mod ward_time;
pub mod web;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use axum::{Router, middleware};
use serde_json::{Value, json};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Carepass",
        description = "A ward's support for families of children who need daily medical care (医療的ケア児): accounts, households, children, program enrollment, vouchers, respite, short stays and the play space. Every amount, period and condition is the ward's configuration: `GET /api/v1/ward` gives the ward's name and each program's terms in force today. Errors are RFC 9457 problem+json with a stable `code`; send Accept-Language: en for English text (Japanese by default).",
        license(name = "MIT")
    ),
    components(schemas(
        problem::Problem,
        crate::notifications::WebhookDelivery,
        crate::notifications::EventKind,
        crate::enrollments::DecisionEvent,
        crate::vouchers::RedeemedEvent,
        crate::vouchers::ReversedEvent,
        crate::settlements::ClosedEvent,
        crate::respite::VisitEvent,
        crate::short_stays::StayEvent,
        crate::play_space::PromotedEvent,
        crate::play_space::SessionEvent,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Sign-in, tokens, invitations"),
        (name = "households", description = "Households and children"),
        (name = "enrollments", description = "Program applications and decisions"),
        (name = "partners", description = "Partners, devices, staff invitations"),
        (name = "audit", description = "Audit log"),
        (name = "children", description = "A child's page for staff: search by name, the record, the balances' history"),
        (name = "vouchers", description = "Allowances, voucher QR codes, scanning and redemption"),
        (name = "settlements", description = "Reversals, corrections and monthly settlement"),
        (name = "notifications", description = "The app's inbox; deliveries to the push gateway (webhook, HMAC-SHA256 signed: see the README)"),
        (name = "short_stays", description = "Medical short stays: requests, decisions, admissions, yearly counts"),
        (name = "play_space", description = "Inclusive play space: sessions, bookings with a waiting list, entry codes, statistics"),
        (name = "respite", description = "In-home respite visits: the configured hours per fiscal year, requests, station records, monthly report"),
        (name = "operations", description = "Health and readiness; the ward and its programs' terms"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, who) in [
            ("guardian", "a guardian's access token"),
            ("staff", "a staff member's access token"),
            ("admin", "an admin's access token"),
            ("device", "a partner device credential"),
        ] {
            let mut scheme = Http::new(HttpAuthScheme::Bearer);
            scheme.description = Some(format!("Bearer: {who}"));
            components.add_security_scheme(name, SecurityScheme::Http(scheme));
        }
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(ops::get_health))
        .routes(routes!(ops::get_readiness))
        .routes(routes!(ward::get_ward))
        .routes(routes!(figures::get_voucher_figures))
        .routes(routes!(program_figures::get_program_figures))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh_session))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::accept_invitation))
        .routes(routes!(auth::get_me))
        .routes(routes!(second_factor::start_second_factor))
        .routes(routes!(second_factor::confirm_second_factor))
        .routes(routes!(
            households::create_household,
            households::list_households
        ))
        .routes(routes!(households::get_household))
        .routes(routes!(households::record_household_contact))
        .routes(routes!(households::invite_guardian))
        .routes(routes!(households::add_child_to_household))
        .routes(routes!(households::get_my_household))
        .routes(routes!(households::add_child, households::list_children))
        .routes(routes!(households::get_child))
        .routes(routes!(children::search_children))
        .routes(routes!(children::get_child_record))
        .routes(routes!(children::get_child_allowance_history))
        .routes(routes!(
            enrollments::apply_for_enrollment,
            enrollments::list_child_enrollments
        ))
        .routes(routes!(enrollments::withdraw_enrollment))
        .routes(routes!(enrollments::list_enrollments))
        .routes(routes!(enrollments::get_enrollment))
        .routes(routes!(enrollments::approve_enrollment))
        .routes(routes!(enrollments::reject_enrollment))
        .routes(routes!(enrollments::record_enrollment_certificate))
        .routes(routes!(partners::list_partners))
        .routes(routes!(partners::get_partner))
        .routes(routes!(partners::create_partner))
        .routes(routes!(partners::register_device))
        .routes(routes!(partners::revoke_device))
        .routes(routes!(partners::invite_staff))
        .routes(routes!(partners::list_staff))
        .routes(routes!(partners::disable_account))
        .routes(routes!(partners::get_current_device))
        .routes(routes!(audit::list_audit_log))
        .routes(routes!(vouchers::list_allowances))
        .routes(routes!(vouchers::get_allowance_history))
        .routes(routes!(vouchers::issue_voucher))
        .routes(routes!(vouchers::list_voucher_keys))
        .routes(routes!(vouchers::rotate_voucher_key))
        .routes(routes!(vouchers::verify_voucher))
        .routes(routes!(vouchers::redeem_voucher))
        .routes(routes!(vouchers::list_device_redemptions))
        .routes(routes!(vouchers::cancel_redemption))
        .routes(routes!(settlements::reverse_redemption))
        .routes(routes!(adjustments::adjust_allowance))
        .routes(routes!(adjustments::list_adjustment_proposals))
        .routes(routes!(adjustments::approve_adjustment_proposal))
        .routes(routes!(adjustments::reject_adjustment_proposal))
        .routes(routes!(settlements::list_settlements))
        .routes(routes!(settlements::get_partner_settlement))
        .routes(routes!(settlements::get_device_statement))
        .routes(routes!(settlements::close_settlement_month))
        .routes(routes!(respite::list_respite_stations))
        .routes(routes!(
            respite::request_respite_visit,
            respite::list_child_respite_visits
        ))
        .routes(routes!(respite::cancel_respite_visit))
        .routes(routes!(respite::list_station_respite_visits))
        .routes(routes!(respite::accept_respite_visit))
        .routes(routes!(respite::decline_respite_visit))
        .routes(routes!(respite::complete_respite_visit))
        .routes(routes!(respite::approve_respite_exception))
        .routes(routes!(respite::dispute_respite_visit))
        .routes(routes!(respite::decide_respite_dispute))
        .routes(routes!(respite::list_respite_visits))
        .routes(routes!(respite::get_respite_report))
        .routes(routes!(notifications::list_notifications))
        .routes(routes!(notifications::mark_notification_read))
        .routes(routes!(notifications::list_device_notifications))
        .routes(routes!(notifications::list_notification_deliveries))
        .routes(routes!(notifications::retry_notification))
        .routes(routes!(
            short_stays::request_short_stay,
            short_stays::list_child_short_stays
        ))
        .routes(routes!(short_stays::withdraw_short_stay))
        .routes(routes!(short_stays::list_short_stays))
        .routes(routes!(short_stays::get_short_stay))
        .routes(routes!(short_stays::approve_short_stay))
        .routes(routes!(short_stays::reject_short_stay))
        .routes(routes!(short_stays::cancel_short_stay))
        .routes(routes!(short_stays::list_institution_short_stays))
        .routes(routes!(short_stays::admit_short_stay))
        .routes(routes!(short_stays::discharge_short_stay))
        .routes(routes!(short_stays::get_short_stay_counts))
        .routes(routes!(play_space::publish_play_session))
        .routes(routes!(play_space::change_play_session))
        .routes(routes!(play_space::cancel_play_session))
        .routes(routes!(play_space::list_play_session_bookings))
        .routes(routes!(play_space::list_play_sessions))
        .routes(routes!(play_space::book_play_session))
        .routes(routes!(play_space::list_play_bookings))
        .routes(routes!(play_space::cancel_play_booking))
        .routes(routes!(play_space::get_play_booking_code))
        .routes(routes!(play_space::check_in_play_booking))
        .routes(routes!(play_space::get_play_statistics))
}

/// The OpenAPI document served at `/openapi.json` and checked in under `mobile-api-spec/`.
pub fn openapi_document() -> Value {
    let (_, api) = api_router().split_for_parts();
    finish_document(serde_json::to_value(&api).unwrap_or_default())
}

/// What a problem status means, for a response the handler's annotation does not describe.
fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Malformed request: the body is not JSON, or a path or query parameter is invalid",
        401 => "Missing, invalid, expired or revoked credentials",
        403 => "The caller may not do this",
        404 => "Not found, or not the caller's to see",
        409 => "Not possible in the current state",
        410 => "No longer usable",
        413 => "Request body too large",
        415 => "Request body is not application/json",
        422 => "A value of the request breaks a rule",
        429 => "Too many requests; retry after the Retry-After header's seconds",
        503 => "Service busy; retry after the Retry-After header's seconds",
        _ => "Unexpected server error",
    }
}

/// Completes the generated document: each operation's problem responses list the codes it can
/// answer with (derived in [`problem::contract`]), and the problem schemas are written from the
/// code list itself.
fn finish_document(mut doc: Value) -> Value {
    doc["openapi"] = json!("3.1.0");
    doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    doc["servers"] =
        json!([{ "url": "/", "description": "The service that serves this document" }]);
    doc["info"]["license"] = json!({ "name": "MIT", "identifier": "MIT" });
    doc["info"]["contact"] = json!({
        "name": "Shinagawa City, support for children with medical care needs",
        "url": "https://www.city.shinagawa.tokyo.jp/"
    });
    doc["webhooks"] = json!({
        "notification": {
            "post": {
                "operationId": "receiveNotification",
                "security": [{ "webhookSignature": [] }],
                "tags": ["notifications"],
                "summary": "A notification, sent to the push gateway",
                "description": "The service posts each notification to the configured push gateway (`notifications.webhook_url`); the body and headers are described by `WebhookDelivery`.",
                "requestBody": {
                    "required": true,
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WebhookDelivery" } } }
                },
                "responses": {
                    "200": { "description": "Received (any 2xx acknowledges the delivery)" },
                    "503": { "description": "Not received; any answer other than 2xx, or none, is retried with backoff" }
                }
            }
        }
    });
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                document_problems(method, op);
                document_headers(op);
                split_summary(op);
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.insert("ProblemCode".into(), problem::schema::code_schema());
        schemas.insert("Problem".into(), problem::schema::problem_schema());
        notifications::document_union(schemas);
    }
    doc["components"]["securitySchemes"]["webhookSignature"] = json!({
        "type": "apiKey",
        "in": "header",
        "name": "Carepass-Signature",
        "description": "`v1=<hex HMAC-SHA256(secret, \"{Carepass-Timestamp}.{raw body}\")>`, with the secret shared with the push gateway (see `WebhookDelivery`)."
    });
    doc["components"]["headers"] = json!({
        "RequestId": {
            "description": "The request's id: the `x-request-id` the client sent, or a new UUID. Quote it in a support call; problems repeat it as `request_id`.",
            "schema": { "type": "string" }
        },
        "RetryAfter": {
            "description": "Seconds to wait before sending the same request again (with the same Idempotency-Key, where there is one).",
            "schema": { "type": "integer", "minimum": 0 }
        },
        "WwwAuthenticate": {
            "description": "`Bearer`: the operation takes a bearer credential.",
            "schema": { "type": "string" }
        },
        "ContentLanguage": {
            "description": "The language of `title` and `detail`: `ja` unless Accept-Language prefers English.",
            "schema": { "type": "string", "enum": ["ja", "en"] }
        }
    });
    doc
}

/// Declares the headers each response carries: every answer its request id; a problem its
/// language; 401 the scheme to use; 429 and 503 how long to wait.
fn document_headers(op: &mut Value) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let reference = |name: &str| json!({ "$ref": format!("#/components/headers/{name}") });
    for (status, response) in responses.iter_mut() {
        let headers = response
            .as_object_mut()
            .map(|r| r.entry("headers").or_insert_with(|| json!({})));
        let Some(headers) = headers.and_then(Value::as_object_mut) else {
            continue;
        };
        headers.insert("x-request-id".into(), reference("RequestId"));
        if status.starts_with('4') || status.starts_with('5') {
            headers.insert("Content-Language".into(), reference("ContentLanguage"));
        }
        match status.as_str() {
            "401" => {
                headers.insert("WWW-Authenticate".into(), reference("WwwAuthenticate"));
            }
            "429" | "503" => {
                headers.insert("Retry-After".into(), reference("RetryAfter"));
            }
            _ => {}
        }
    }
}

/// Keeps an operation's `summary` to its first sentence, for generated method titles; the whole
/// text becomes its `description`.
fn split_summary(op: &mut Value) {
    let Some(text) = op.get("summary").and_then(Value::as_str) else {
        return;
    };
    let whole = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut first = first_sentence(&whole);
    if first.chars().count() > 72 {
        first = without_asides(&first);
    }
    let description = match op.get("description").and_then(Value::as_str) {
        Some(more) if !more.trim().is_empty() => format!("{whole}\n\n{more}"),
        _ => whole.clone(),
    };
    op["summary"] = json!(first);
    op["description"] = json!(description);
}

/// The text without its parenthesised asides, for a summary that would not fit on a line.
fn without_asides(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
}

/// The text up to the first full stop, colon or semicolon that ends a clause (not one inside a
/// parenthesis or a code span), without the stop.
fn first_sentence(text: &str) -> String {
    let mut depth = 0i32;
    let mut in_code = false;
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        match c {
            '`' => in_code = !in_code,
            '(' if !in_code => depth += 1,
            ')' if !in_code => depth -= 1,
            '.' | ':' | ';' if !in_code && depth == 0 => {
                let next = chars.get(i + 1);
                if next.is_none_or(|n| n.is_whitespace()) {
                    return chars[..i].iter().collect::<String>().trim().to_owned();
                }
            }
            _ => {}
        }
    }
    text.trim_end_matches('.').trim().to_owned()
}

/// The operation's shape, read off its generated entry.
fn shape_of(method: &str, op: &Value) -> problem::contract::Shape {
    let params = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let located = |place: &str| params.iter().any(|p| p["in"] == place);
    let caller = op
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys())
        .find_map(|name| problem::contract::Caller::from_scheme(name));
    problem::contract::Shape {
        body: op.get("requestBody").is_some(),
        path_params: located("path"),
        query_params: located("query"),
        caller,
        writes: matches!(method, "post" | "put" | "patch" | "delete"),
    }
}

fn document_problems(method: &str, op: &mut Value) {
    let shape = shape_of(method, op);
    let id = op["operationId"].as_str().unwrap_or_default().to_owned();
    let sources = problem::contract::sources_of(&id).unwrap_or(&[]);
    let problems = problem::contract::problems_of(shape, sources);
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for (status, codes) in problems {
        let entry = responses
            .entry(status.to_string())
            .or_insert_with(|| json!({ "description": status_text(status) }));
        let description = entry["description"]
            .as_str()
            .unwrap_or_default()
            .trim_end_matches('.');
        let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
        entry["description"] = json!(format!("{description}. Codes: {}.", listed.join(", ")));
        entry["content"] = json!({
            "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } }
        });
        entry["x-problem-codes"] = json!(codes.iter().map(|c| c.as_str()).collect::<Vec<_>>());
    }
}

/// A header every answer carries unless its handler set its own.
fn by_default(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// CORS for the configured browser origins only; none configured, none allowed.
fn cors(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    if allowed.is_empty() {
        // No layer at all: a preflight is refused and browsers keep the same-origin policy.
        return None;
    }
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT_LANGUAGE,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("idempotent-replayed"),
            HeaderName::from_static("redemption-state"),
        ])
        .max_age(Duration::from_secs(600));
    Some(layer)
}

/// Builds the whole application: API routes, operations routes and middleware.
pub fn build_app(state: AppState) -> Router {
    // Install the metrics recorder before the first request is counted.
    ops::metrics_handle();
    let (router, _) = api_router().split_for_parts();
    let spec = openapi_document();
    let server = &state.config.server;
    let x_request_id = HeaderName::from_static("x-request-id");
    let cors = cors(&server.cors_allowed_origins);
    let routed = router
        .route(
            "/openapi.json",
            get(move || async move { axum::Json(spec.clone()) }),
        )
        .route("/docs", get(ops::get_docs))
        .route("/docs/redoc.standalone.js", get(ops::get_docs_script))
        .route("/problems/{code}", get(problem::page::get_problem_page))
        .route("/metrics", get(ops::get_metrics))
        .merge(web::routes())
        .layer(DefaultBodyLimit::max(server.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(server.request_timeout_seconds),
        ))
        // These three name the route the request matched, so they run after routing.
        .layer(middleware::from_fn(ops::record_metrics))
        .layer(middleware::from_fn(problem::render_problems))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            access_log::log_request,
        ))
        .with_state(state);
    // The rest need no route: they wrap the router once. (A layer on the router wraps each
    // route in a box of its own, and every request cloned the whole stack of boxes.)
    let outer = tower::ServiceBuilder::new()
        .option_layer(cors)
        .layer(middleware::from_fn(request_id::drop_unacceptable))
        .layer(middleware::from_fn(trace_context::ensure))
        .layer(SetRequestIdLayer::new(
            x_request_id.clone(),
            MakeRequestUuid,
        ))
        .layer(PropagateRequestIdLayer::new(x_request_id))
        // Answers hold children's medical details and money: nothing is cached, sniffed,
        // framed, sent on as a referrer or loaded by another origin.
        .layer(by_default(
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ))
        .layer(by_default(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        ))
        .layer(by_default(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .layer(by_default(header::REFERRER_POLICY, "no-referrer"))
        .layer(by_default(header::X_FRAME_OPTIONS, "DENY"))
        .layer(by_default(header::CACHE_CONTROL, "no-store"))
        .layer(by_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .service(routed);
    Router::new().fallback_service(outer)
}
