//! Every kind of event a family or partner is told about: one enum, stored and sent as its
//! dotted name (`voucher.redeemed`). Each area defines the data its events carry; the spec
//! joins the two into one schema per event (see `http::notifications`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! event_kinds {
    ($($variant:ident = $name:literal: $doc:literal;)*) => {
        /// The kind of an event, as `type` in notifications and webhook deliveries.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[schema(as = NotificationType)]
        pub enum EventKind {
            $(#[doc = $doc] #[serde(rename = $name)] $variant,)*
        }

        impl EventKind {
            /// Every kind, in the order of the list.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The dotted name stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }

            /// The kind named `s`, if there is one.
            pub fn parse(s: &str) -> Option<EventKind> {
                match s {
                    $($name => Some(EventKind::$variant),)*
                    _ => None,
                }
            }

            /// What the event means, for the spec.
            pub fn describe(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $doc,)*
                }
            }
        }
    };
}

event_kinds! {
    EnrollmentApproved = "enrollment.approved": "The ward approved an application (to the family).";
    EnrollmentRejected = "enrollment.rejected": "The ward rejected an application, with its reason (to the family).";
    EnrollmentWithdrawn = "enrollment.withdrawn": "An application or enrollment was withdrawn (to the family).";
    VoucherRedeemed = "voucher.redeemed": "A partner redeemed a code (to the family).";
    VoucherReversed = "voucher.reversed": "A redemption was cancelled or reversed, with its reason (to the family).";
    SettlementClosed = "settlement.closed": "The ward closed a month for payment; the partner's statement is final (to the partner).";
    RespiteRequested = "respite.requested": "A family asked for a respite visit (to the station).";
    RespiteAccepted = "respite.accepted": "The station will come (to the family).";
    RespiteDeclined = "respite.declined": "The station cannot come, with its reason (to the family).";
    RespiteCancelled = "respite.cancelled": "The family called a visit off (to the station).";
    RespiteCompleted = "respite.completed": "The station recorded the visit's times (to the family).";
    RespiteDisputed = "respite.disputed": "The family disputed the recorded times (to the station).";
    RespiteDisputeDecided = "respite.dispute_decided": "The ward decided a dispute (to the family and the station).";
    ShortStayApproved = "short_stay.approved": "The ward approved a short stay, with its dates and institution (to the family).";
    ShortStayRejected = "short_stay.rejected": "The ward rejected a short stay, with its reason (to the family).";
    ShortStayAssigned = "short_stay.assigned": "A short stay was assigned to the institution (to the institution).";
    ShortStayAdmitted = "short_stay.admitted": "The institution admitted the child (to the family).";
    ShortStayDischarged = "short_stay.discharged": "The child went home from the stay (to the family).";
    ShortStayCancelled = "short_stay.cancelled": "The ward cancelled an approved stay, with its reason (to the family and the institution).";
    PlayBookingPromoted = "play_booking.promoted": "A place freed up: a waiting booking is now confirmed (to the family).";
    PlaySessionChanged = "play_session.changed": "The ward changed a session the family booked: its title or times (to the family).";
    PlaySessionCancelled = "play_session.cancelled": "The ward called off a session the family booked, with its reason; the booking is cancelled (to the family).";
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
