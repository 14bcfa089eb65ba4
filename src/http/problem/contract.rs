//! The problems each operation can answer with, for the spec and for the check the tests run
//! on every problem the server sends.
//!
//! An operation's problems are those its shape implies (a body can be malformed, a credential
//! missing, a write throttled; see [`shared`]) and those of the sources its handler calls (see
//! [`sources_of`]); the codes and statuses come from the conversions, via
//! [`Source::samples`](super::sources::Source::samples).

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;

use super::Code;
use super::sources::Source::{self, *};

/// What an operation's signature says about the problems it can have.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    pub body: bool,
    pub path_params: bool,
    pub query_params: bool,
    /// Who may call it, or `None` for anyone.
    pub caller: Option<Caller>,
    pub writes: bool,
}

/// The credential an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Guardian,
    Staff,
    Admin,
    Device,
}

impl Caller {
    /// From the spec's security scheme name.
    pub fn from_scheme(name: &str) -> Option<Caller> {
        match name {
            "guardian" => Some(Caller::Guardian),
            "staff" => Some(Caller::Staff),
            "admin" => Some(Caller::Admin),
            "device" => Some(Caller::Device),
            _ => None,
        }
    }
}

/// The problems an operation of this shape can answer with, whatever it does.
pub fn shared(shape: Shape) -> Vec<(StatusCode, Code)> {
    let mut out = vec![
        (StatusCode::INTERNAL_SERVER_ERROR, Code::InternalError),
        (StatusCode::SERVICE_UNAVAILABLE, Code::ServiceBusy),
    ];
    if shape.body {
        out.extend([
            (StatusCode::BAD_REQUEST, Code::InvalidJson),
            (StatusCode::PAYLOAD_TOO_LARGE, Code::PayloadTooLarge),
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Code::UnsupportedMediaType,
            ),
            (StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidBody),
            (StatusCode::UNPROCESSABLE_ENTITY, Code::DuplicateJsonKey),
        ]);
    }
    if shape.path_params {
        out.push((StatusCode::BAD_REQUEST, Code::InvalidPath));
    }
    if shape.query_params {
        out.push((StatusCode::BAD_REQUEST, Code::InvalidQuery));
    }
    if let Some(caller) = shape.caller {
        out.extend([
            (StatusCode::UNAUTHORIZED, Code::Unauthenticated),
            (StatusCode::UNAUTHORIZED, Code::InvalidToken),
            // A device credential is checked (and may be revoked) before its role is refused.
            (StatusCode::UNAUTHORIZED, Code::DeviceRevoked),
            (StatusCode::FORBIDDEN, Code::ForbiddenRole),
        ]);
        if matches!(caller, Caller::Staff | Caller::Admin) {
            out.push((StatusCode::FORBIDDEN, Code::SecondFactorEnrollmentRequired));
        }
        if shape.writes {
            out.push((StatusCode::TOO_MANY_REQUESTS, Code::RateLimited));
        }
    }
    out
}

const IDEMPOTENCY: Source = One(StatusCode::BAD_REQUEST, Code::IdempotencyKeyMissing);
const KIND: Source = One(StatusCode::FORBIDDEN, Code::PartnerKindMismatch);
const NOTIFICATION: Source = One(StatusCode::NOT_FOUND, Code::NotificationNotFound);
const NO_HISTORY: Source = One(StatusCode::NOT_FOUND, Code::AllowanceNotFound);
const WRONG_ONE_TIME_CODE: Source = One(StatusCode::UNPROCESSABLE_ENTITY, Code::InvalidOneTimeCode);

/// The problems handlers build themselves (the `One` sources above).
pub fn handler_problems() -> Vec<(StatusCode, Code)> {
    [
        IDEMPOTENCY,
        KIND,
        NOTIFICATION,
        NO_HISTORY,
        WRONG_ONE_TIME_CODE,
    ]
    .iter()
    .flat_map(|s| s.samples())
    .map(|e| (e.status, e.code))
    .collect()
}

/// The sources each operation's handler calls, by operation id; `None` for an operation this
/// list does not know (a test fails on it).
pub fn sources_of(operation_id: &str) -> Option<&'static [Source]> {
    Some(match operation_id {
        "getHealth" | "getWard" | "listVoucherKeys" => &[],
        "getReadiness" => &[],
        "login" => &[Auth],
        "refreshSession" => &[Auth],
        "logout" => &[Auth],
        "acceptInvitation" => &[Auth, Field],
        "getMe" => &[Auth],
        "startSecondFactor" => &[Auth],
        "confirmSecondFactor" => &[Auth, WRONG_ONE_TIME_CODE],
        "createHousehold" | "addChildToHousehold" | "addChild" | "recordHouseholdContact" => {
            &[Household, Field]
        }
        "listHouseholds" | "getHousehold" | "getMyHousehold" | "listChildren" | "getChild" => {
            &[Household]
        }
        "inviteGuardian" => &[Invite, Household, Field],
        "applyForEnrollment" | "withdrawEnrollment" | "listChildEnrollments" => {
            &[Household, Enrollment, Field]
        }
        "listEnrollments"
        | "getEnrollment"
        | "approveEnrollment"
        | "rejectEnrollment"
        | "recordEnrollmentCertificate" => &[Enrollment, Field],
        "listPartners" | "getPartner" | "createPartner" | "registerDevice" | "revokeDevice"
        | "getCurrentDevice" => &[Partner, Field],
        "inviteStaff" => &[Invite, Field],
        "listStaff" | "disableAccount" => &[Disable],
        "listAuditLog" | "searchChildren" => &[],
        "getChildRecord" => &[Household],
        "getChildAllowanceHistory" => &[Household, NO_HISTORY],
        "listAllowances" => &[Household],
        "getAllowanceHistory" => &[Household, NO_HISTORY],
        "issueVoucher" => &[Household, Voucher],
        "rotateVoucherKey" => &[],
        "verifyVoucher" | "redeemVoucher" => &[Voucher, IDEMPOTENCY, KIND, Field],
        "listDeviceRedemptions" => &[],
        "cancelRedemption" => &[Voucher],
        "reverseRedemption" => &[Voucher, Field],
        "adjustAllowance" => &[Household, Allowance, Field],
        "listAdjustmentProposals" | "approveAdjustmentProposal" | "rejectAdjustmentProposal" => {
            &[Allowance, Field]
        }
        "listSettlements"
        | "getPartnerSettlement"
        | "getDeviceStatement"
        | "closeSettlementMonth" => &[Settlement],
        "getVoucherFigures" | "getProgramFigures" => &[],
        "listRespiteStations" | "listRespiteVisits" | "getRespiteReport" => &[Respite],
        "requestRespiteVisit" | "listChildRespiteVisits" => &[Household, Respite, Field],
        "cancelRespiteVisit" | "disputeRespiteVisit" => &[Respite, Field],
        "listStationRespiteVisits" => &[Respite, KIND],
        "acceptRespiteVisit" | "declineRespiteVisit" | "completeRespiteVisit" => {
            &[Respite, KIND, Field]
        }
        "approveRespiteException" => &[Respite, Allowance, Field],
        "decideRespiteDispute" => &[Respite, Field],
        "listNotifications" | "listDeviceNotifications" | "listNotificationDeliveries" => &[],
        "markNotificationRead" | "retryNotification" => &[NOTIFICATION],
        "requestShortStay" | "listChildShortStays" | "withdrawShortStay" => {
            &[Household, ShortStay, Field]
        }
        "listShortStays" | "getShortStay" | "approveShortStay" | "rejectShortStay"
        | "cancelShortStay" | "getShortStayCounts" => &[ShortStay, Field],
        "listInstitutionShortStays" | "admitShortStay" | "dischargeShortStay" => {
            &[ShortStay, KIND, Field]
        }
        "publishPlaySession" | "listPlaySessions" | "getPlayStatistics" => &[Play, Field],
        "changePlaySession" | "cancelPlaySession" | "listPlaySessionBookings" => &[Play, Field],
        "bookPlaySession" | "listPlayBookings" | "cancelPlayBooking" | "getPlayBookingCode" => {
            &[Play, Field]
        }
        "checkInPlayBooking" => &[Play, KIND, Field],
        _ => return None,
    })
}

/// Every problem an operation can answer with: status → codes.
pub fn problems_of(shape: Shape, sources: &[Source]) -> BTreeMap<u16, BTreeSet<Code>> {
    let mut out: BTreeMap<u16, BTreeSet<Code>> = BTreeMap::new();
    let derived = sources
        .iter()
        .flat_map(|s| s.samples())
        .map(|e| (e.status, e.code));
    for (status, code) in shared(shape).into_iter().chain(derived) {
        out.entry(status.as_u16()).or_default().insert(code);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_in_the_spec_names_the_sources_of_its_problems() {
        let spec = crate::http::openapi_document();
        let mut unknown = Vec::new();
        for item in spec["paths"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.values())
        {
            for op in item.as_object().into_iter().flat_map(|o| o.values()) {
                let id = op["operationId"].as_str().unwrap_or_default();
                if sources_of(id).is_none() {
                    unknown.push(id.to_owned());
                }
            }
        }
        assert!(unknown.is_empty(), "no sources listed for {unknown:?}");
    }

    #[test]
    fn a_redemption_documents_the_codes_a_scanner_switches_on() {
        let spec = crate::http::openapi_document();
        let responses = &spec["paths"]["/api/v1/device/vouchers/redeem"]["post"]["responses"];
        let codes = |status: &str| -> Vec<String> {
            responses[status]["x-problem-codes"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|c| c.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        assert!(codes("409").contains(&"voucher_already_redeemed".to_owned()));
        assert!(codes("410").contains(&"voucher_expired".to_owned()));
        assert!(codes("403").contains(&"partner_kind_mismatch".to_owned()));
        assert!(codes("422").contains(&"idempotency_key_reused".to_owned()));
        assert!(codes("401").contains(&"device_revoked".to_owned()));
        // A redemption is never a proposal: only what its sources can refuse with is listed.
        assert!(!codes("404").contains(&"proposal_not_found".to_owned()));
    }
}
