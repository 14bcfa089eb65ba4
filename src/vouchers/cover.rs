//! What a partner charges and what a redemption covers: the one place for the coverage rule.

use super::VoucherError;
use crate::config::ProgramRules;
use crate::enrollments::Program;
use crate::text::FieldError;
use crate::units::Yen;

/// Largest single fare or fuel amount accepted (yen).
pub const MAX_AMOUNT_YEN: i64 = 1_000_000;
/// Largest single care-taxi fee component accepted (yen).
pub const MAX_FEE_YEN: i64 = 100_000;

/// The most one redemption can cover right now, in yen, when that is known.
pub(super) fn max_cover(rules: &ProgramRules, program: Program, remaining: i64) -> Option<i64> {
    match program {
        Program::TaxiFuel => Some(remaining),
        Program::CareTaxi if remaining > 0 => rules.care_taxi.per_ticket_ceiling_yen.map(|y| y.0),
        _ => Some(0),
    }
}

/// The charge a partner submits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// Taxi fare or fuel amount.
    Amount(Yen),
    /// Care-taxi fee components.
    Fees {
        reservation: Yen,
        pickup: Yen,
        assistance: Yen,
    },
}

impl Charge {
    pub(super) fn total(self) -> i64 {
        match self {
            Charge::Amount(y) => y.0,
            Charge::Fees {
                reservation,
                pickup,
                assistance,
            } => reservation.0 + pickup.0 + assistance.0,
        }
    }

    /// Checks the amounts and that the charge fits the program.
    pub fn validate(self, program: Program) -> Result<Charge, VoucherError> {
        match (self, program) {
            (Charge::Amount(y), Program::TaxiFuel) => {
                if !(1..=MAX_AMOUNT_YEN).contains(&y.0) {
                    return Err(FieldError::new(
                        "amount_yen",
                        format!("must be between 1 and {MAX_AMOUNT_YEN}"),
                        format!("1から{MAX_AMOUNT_YEN}の間で入力してください"),
                    )
                    .into());
                }
                Ok(self)
            }
            (
                Charge::Fees {
                    reservation,
                    pickup,
                    assistance,
                },
                Program::CareTaxi,
            ) => {
                if [reservation, pickup, assistance]
                    .iter()
                    .any(|f| !(0..=MAX_FEE_YEN).contains(&f.0))
                {
                    return Err(FieldError::new(
                        "fees",
                        format!("each fee must be between 0 and {MAX_FEE_YEN}"),
                        format!("各料金は0から{MAX_FEE_YEN}の間で入力してください"),
                    )
                    .into());
                }
                if self.total() == 0 {
                    return Err(FieldError::new(
                        "fees",
                        "must not all be zero",
                        "料金がすべて0です",
                    )
                    .into());
                }
                Ok(self)
            }
            (Charge::Amount(_), _) => Err(FieldError::new(
                "fees",
                "care-taxi tickets take the three fee components, not amount_yen",
                "介護タクシー券は amount_yen ではなく3種類の料金（fees）で入力してください",
            )
            .into()),
            (Charge::Fees { .. }, _) => Err(FieldError::new(
                "amount_yen",
                "taxi and fuel vouchers take amount_yen, not fees",
                "タクシー・燃料券は fees ではなく amount_yen で入力してください",
            )
            .into()),
        }
    }
}
