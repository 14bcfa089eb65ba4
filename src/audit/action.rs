//! What an audit entry records: one enum, so an action cannot be written without its sentence
//! (`audit-<action>` in the message catalogue; a test renders every one).

use strum::{EnumIter, EnumString, IntoStaticStr};

/// An action in the audit log, stored and filtered by its dotted name (`enrollment.approved`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, EnumString, IntoStaticStr)]
pub enum Action {
    #[strum(serialize = "account.created")]
    AccountCreated,
    #[strum(serialize = "account.disabled")]
    AccountDisabled,
    #[strum(serialize = "auth.refresh_token_reused")]
    RefreshTokenReused,
    #[strum(serialize = "invitation.created")]
    InvitationCreated,
    #[strum(serialize = "household.created")]
    HouseholdCreated,
    #[strum(serialize = "household.contact_recorded")]
    HouseholdContactRecorded,
    #[strum(serialize = "child.created")]
    ChildCreated,
    #[strum(serialize = "person.disclosed")]
    PersonDisclosed,
    #[strum(serialize = "partner.created")]
    PartnerCreated,
    #[strum(serialize = "device.registered")]
    DeviceRegistered,
    #[strum(serialize = "device.revoked")]
    DeviceRevoked,
    #[strum(serialize = "enrollment.applied")]
    EnrollmentApplied,
    #[strum(serialize = "enrollment.approved")]
    EnrollmentApproved,
    #[strum(serialize = "enrollment.rejected")]
    EnrollmentRejected,
    #[strum(serialize = "enrollment.withdrawn")]
    EnrollmentWithdrawn,
    #[strum(serialize = "enrollment.certificate_recorded")]
    EnrollmentCertificateRecorded,
    #[strum(serialize = "voucher.issued")]
    VoucherIssued,
    #[strum(serialize = "voucher.redeemed")]
    VoucherRedeemed,
    #[strum(serialize = "redemption.reversed")]
    RedemptionReversed,
    #[strum(serialize = "voucher_key.rotated")]
    VoucherKeyRotated,
    #[strum(serialize = "allowance.adjusted")]
    AllowanceAdjusted,
    #[strum(serialize = "allowance.adjustment_proposed")]
    AdjustmentProposed,
    #[strum(serialize = "allowance.adjustment_approved")]
    AdjustmentApproved,
    #[strum(serialize = "allowance.adjustment_rejected")]
    AdjustmentRejected,
    #[strum(serialize = "settlement.closed")]
    SettlementClosed,
    #[strum(serialize = "respite.requested")]
    RespiteRequested,
    #[strum(serialize = "respite.accepted")]
    RespiteAccepted,
    #[strum(serialize = "respite.declined")]
    RespiteDeclined,
    #[strum(serialize = "respite.cancelled")]
    RespiteCancelled,
    #[strum(serialize = "respite.completed")]
    RespiteCompleted,
    #[strum(serialize = "respite.disputed")]
    RespiteDisputed,
    #[strum(serialize = "respite.dispute_decided")]
    RespiteDisputeDecided,
    #[strum(serialize = "short_stay.submitted")]
    ShortStaySubmitted,
    #[strum(serialize = "short_stay.approved")]
    ShortStayApproved,
    #[strum(serialize = "short_stay.rejected")]
    ShortStayRejected,
    #[strum(serialize = "short_stay.withdrawn")]
    ShortStayWithdrawn,
    #[strum(serialize = "short_stay.cancelled")]
    ShortStayCancelled,
    #[strum(serialize = "short_stay.admitted")]
    ShortStayAdmitted,
    #[strum(serialize = "short_stay.discharged")]
    ShortStayDischarged,
    #[strum(serialize = "play_session.published")]
    PlaySessionPublished,
    #[strum(serialize = "play_session.changed")]
    PlaySessionChanged,
    #[strum(serialize = "play_session.cancelled")]
    PlaySessionCancelled,
    #[strum(serialize = "play_booking.created")]
    PlayBookingCreated,
    #[strum(serialize = "play_booking.cancelled")]
    PlayBookingCancelled,
    #[strum(serialize = "play_booking.checked_in")]
    PlayBookingCheckedIn,
    #[strum(serialize = "demo.seeded")]
    DemoSeeded,
}

impl Action {
    /// The dotted name stored in the log.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The catalogue id of the sentence that tells what happened (`audit-enrollment-approved`).
    pub fn message_id(self) -> String {
        format!("audit-{}", self.as_str().replace(['.', '_'], "-"))
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use strum::IntoEnumIterator;

    use super::*;
    use crate::messages::{Lang, has, ids};

    #[test]
    fn every_action_has_a_sentence_in_both_languages_and_reads_back_from_its_name() {
        for action in Action::iter() {
            let id = action.message_id();
            assert!(has(&id), "{id} is not in the catalogue");
            assert!(ids(Lang::En).contains(&id), "{id} has no English");
            assert_eq!(Action::from_str(action.as_str()), Ok(action));
        }
        let sentences = ids(Lang::Ja)
            .into_iter()
            .filter(|id| id.starts_with("audit-"))
            .count();
        assert_eq!(
            sentences,
            Action::iter().count(),
            "a sentence for no action"
        );
    }
}
