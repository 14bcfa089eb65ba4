//! What a partner charges and what a redemption covers: the one place for the coverage rule.
//!
//! Taxi fare or fuel: the ward covers the amount up to what is left of the month; the family
//! pays the rest. Care taxi: one ticket covers the three fees up to the per-ticket ceiling; the
//! family pays the rest. Every amount is bounded by the configuration and refused above it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::VoucherError;
use crate::allowances::Take;
use crate::config::{ProgramRules, VoucherRules};
use crate::enrollments::Program;
use crate::messages::Args;
use crate::text::FieldError;
use crate::units::Yen;

/// The charge a partner submits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// Taxi fare or fuel amount.
    Amount(Yen),
    /// Care-taxi fee components.
    Fees(CareTaxiFees),
}

/// The three care-taxi fee components, as itemised on the redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CareTaxiFees {
    /// 予約料 (formerly `reservation_yen`, still read).
    #[serde(alias = "reservation_yen")]
    pub reservation_fee_yen: Yen,
    /// 迎車料 (formerly `pickup_yen`, still read).
    #[serde(alias = "pickup_yen")]
    pub pickup_fee_yen: Yen,
    /// 基本介助料 (formerly `basic_assistance_yen`, still read).
    #[serde(alias = "basic_assistance_yen")]
    pub basic_assistance_fee_yen: Yen,
}

impl CareTaxiFees {
    fn items(self) -> [(&'static str, Yen); 3] {
        [
            ("fees.reservation_fee_yen", self.reservation_fee_yen),
            ("fees.pickup_fee_yen", self.pickup_fee_yen),
            (
                "fees.basic_assistance_fee_yen",
                self.basic_assistance_fee_yen,
            ),
        ]
    }

    /// The sum of the three, `None` if it would overflow.
    pub fn total(self) -> Option<Yen> {
        self.items()
            .iter()
            .try_fold(Yen::ZERO, |sum, (_, fee)| sum.checked_add(*fee))
    }
}

/// What a redemption covers, once the ledger has said how much it could take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// The fare, the fuel amount, or the sum of the fees.
    pub requested: Yen,
    /// Paid by the ward.
    pub covered: Yen,
    /// Paid by the family.
    pub family_pays: Yen,
    /// Care-taxi tickets used (0 or 1).
    pub tickets: i64,
}

impl Charge {
    /// The amount claimed: the fare or fuel amount, or the sum of the fees.
    pub fn requested(self) -> Yen {
        match self {
            Charge::Amount(y) => y,
            // Bounded by `validate`; an unvalidated overflowing sum never reaches the ledger.
            Charge::Fees(f) => f.total().unwrap_or(Yen(i64::MAX)),
        }
    }

    /// Checks that the charge fits the program and stays within the configured bounds.
    pub fn validate(self, program: Program, rules: &ProgramRules) -> Result<Charge, VoucherError> {
        match (self, rules.voucher(program)) {
            (Charge::Amount(y), Some(VoucherRules::Yen(r))) => {
                if y.0 < 1 {
                    return Err(FieldError::said(
                        "amount_yen",
                        "reason-must-be-at-least-1-yen",
                        Args::new(),
                    )
                    .into());
                }
                let max = r.max_amount_per_redemption_yen;
                if y > max {
                    return Err(VoucherError::AmountOverLimit { max });
                }
                Ok(self)
            }
            (Charge::Fees(fees), Some(VoucherRules::Tickets(r))) => {
                let max = r.max_fee_yen;
                for (field, fee) in fees.items() {
                    if fee.0 < 0 {
                        return Err(FieldError::said(
                            field,
                            "reason-must-not-be-negative",
                            Args::new(),
                        )
                        .into());
                    }
                    if fee > max {
                        return Err(VoucherError::FeeOverLimit { field, max });
                    }
                }
                if fees.total() == Some(Yen::ZERO) {
                    return Err(FieldError::said(
                        "fees",
                        "reason-must-not-all-be-zero",
                        Args::new(),
                    )
                    .into());
                }
                Ok(self)
            }
            (Charge::Amount(_), _) => Err(FieldError::said(
                "fees",
                "reason-tickets-take-the-three-fee-components",
                Args::new(),
            )
            .into()),
            (Charge::Fees(_), _) => Err(FieldError::said(
                "amount_yen",
                "reason-this-program-s-codes-take-amount",
                Args::new(),
            )
            .into()),
        }
    }

    /// What to take from the balance: up to the fare (yen), or exactly one ticket.
    pub fn take(self) -> Take {
        match self {
            Charge::Amount(y) => Take::UpTo(y.0),
            Charge::Fees(_) => Take::Exactly(1),
        }
    }

    /// What the redemption covers, given what the ledger took for it.
    pub fn coverage(self, rules: &ProgramRules, program: Program, taken: i64) -> Coverage {
        let requested = self.requested();
        let (covered, tickets) = match self {
            Charge::Amount(_) => (Yen(taken).min(requested), 0),
            Charge::Fees(_) => (requested.min(ticket_ceiling(rules, program)), taken),
        };
        Coverage {
            requested,
            covered,
            family_pays: requested.checked_sub(covered).unwrap_or(Yen::ZERO),
            tickets,
        }
    }
}

/// Most one ticket of a ticket allowance covers (nothing for any other program).
fn ticket_ceiling(rules: &ProgramRules, program: Program) -> Yen {
    match rules.voucher(program) {
        Some(VoucherRules::Tickets(r)) => r.per_ticket_ceiling_yen,
        _ => Yen::ZERO,
    }
}

/// The most one redemption can cover right now, in yen: what is left (a yen allowance), or the
/// per-ticket ceiling while a ticket is left (a ticket allowance).
pub fn max_cover(rules: &ProgramRules, program: Program, remaining: i64) -> Option<i64> {
    match rules.voucher(program) {
        Some(VoucherRules::Yen(_)) => Some(remaining),
        Some(VoucherRules::Tickets(r)) if remaining > 0 => Some(r.per_ticket_ceiling_yen.0),
        _ => Some(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taxi_fuel() -> Program {
        Program::parse("taxi_fuel").unwrap()
    }

    fn care_taxi() -> Program {
        Program::parse("care_taxi").unwrap()
    }

    fn fees(r: i64, p: i64, a: i64) -> Charge {
        Charge::Fees(CareTaxiFees {
            reservation_fee_yen: Yen(r),
            pickup_fee_yen: Yen(p),
            basic_assistance_fee_yen: Yen(a),
        })
    }

    #[test]
    fn a_fare_is_covered_up_to_what_the_ledger_took_and_the_family_pays_the_rest() {
        let rules = ProgramRules::default();
        let c = Charge::Amount(Yen(8_000)).coverage(&rules, taxi_fuel(), 5_000);
        assert_eq!(
            (c.covered, c.family_pays, c.tickets),
            (Yen(5_000), Yen(3_000), 0)
        );
    }

    #[test]
    fn a_care_taxi_ticket_covers_the_fees_up_to_the_ceiling_which_is_on_by_default() {
        let rules = ProgramRules::default();
        let c = fees(1_000, 2_000, 3_000).coverage(&rules, care_taxi(), 1);
        assert_eq!(ticket_ceiling(&rules, care_taxi()), Yen(5_000));
        assert_eq!(
            (c.requested, c.covered, c.family_pays),
            (Yen(6_000), Yen(5_000), Yen(1_000))
        );
        assert_eq!(c.tickets, 1);
    }

    #[test]
    fn amounts_beyond_the_configured_bounds_are_refused_without_overflow() {
        let rules = ProgramRules::default();
        for bad in [i64::MAX, i64::MIN, 50_001, 0, -1] {
            assert!(
                Charge::Amount(Yen(bad))
                    .validate(taxi_fuel(), &rules)
                    .is_err(),
                "{bad}"
            );
        }
        for bad in [i64::MAX, i64::MIN, 10_001] {
            assert!(
                fees(bad, bad, bad).validate(care_taxi(), &rules).is_err(),
                "{bad}"
            );
        }
        let Charge::Fees(huge) = fees(i64::MAX, i64::MAX, 0) else {
            unreachable!()
        };
        assert!(huge.total().is_none());
    }
}
