//! A household's contact details: the town (町名), the rest of the address and the guardian's
//! phone. Staff record them; a nurse station or an institution sees them only as
//! [`super::disclosure`] allows.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Household, HouseholdError};
use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::db;
use crate::entity::household;
use crate::messages::Args;
use crate::text::{self, FieldError};

/// How a family is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = HouseholdContact)]
pub struct Contact {
    /// 町名, e.g. 「東五反田」: all a station sees before it accepts a visit.
    #[schema(example = "東五反田")]
    pub town: String,
    /// The rest of the address: 番地, building and room.
    #[schema(example = "2-1-1 サンプルハイツ101")]
    pub address: String,
    /// The guardian's phone.
    #[schema(example = "03-1234-5678")]
    pub phone: String,
}

impl Contact {
    /// The household's contact, if all of it is recorded.
    pub fn of(m: &household::Model) -> Option<Contact> {
        Some(Contact {
            town: m.town.clone()?,
            address: m.address.clone()?,
            phone: m.phone.clone()?,
        })
    }
}

/// A household's contact details as staff enter them.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = HouseholdContactInput)]
pub struct ContactInput {
    /// 町名 (1 to 40 characters), e.g. 「東五反田」.
    #[schema(example = "東五反田", max_length = 40)]
    pub town: String,
    /// The rest of the address (1 to 200 characters).
    #[schema(example = "2-1-1 サンプルハイツ101", max_length = 200)]
    pub address: String,
    /// A Japanese phone number: 10 or 11 digits starting with 0, hyphens allowed.
    #[schema(example = "03-1234-5678", pattern = r"^0[0-9-]{9,15}$")]
    pub phone: String,
}

impl ContactInput {
    /// Checks and trims each part.
    pub fn parse(self) -> Result<Contact, FieldError> {
        let town = text::bounded(&self.town, 40).map_err(|e| FieldError::text("town", e))?;
        let address =
            text::bounded(&self.address, 200).map_err(|e| FieldError::text("address", e))?;
        Ok(Contact {
            town,
            address,
            phone: phone(&self.phone)?,
        })
    }
}

/// A Japanese phone number as typed (hyphens kept for reading aloud): 10 or 11 digits, the
/// first 0. Full-width digits and hyphens, as a Japanese keyboard types them, are accepted.
fn phone(value: &str) -> Result<String, FieldError> {
    let typed: String = value
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => u32::from(c)
                .checked_sub(u32::from('０'))
                .and_then(|d| char::from_digit(d, 10))
                .unwrap_or(c),
            '－' | 'ー' | '‐' | '−' => '-',
            c => c,
        })
        .collect();
    let digits = typed.chars().filter(char::is_ascii_digit).count();
    let ok = typed.starts_with('0')
        && (10..=11).contains(&digits)
        && typed.chars().all(|c| c.is_ascii_digit() || c == '-')
        && !typed.contains("--")
        && !typed.ends_with('-');
    if ok {
        Ok(typed)
    } else {
        Err(FieldError::said(
            "phone",
            "reason-must-be-a-japanese-phone-number",
            Args::new(),
        ))
    }
}

/// Records a household's contact details (staff), replacing earlier ones; audited with both.
pub async fn set_contact(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: Uuid,
    input: ContactInput,
) -> Result<Household, HouseholdError> {
    let contact = input.parse()?;
    db::write(db, |tx| {
        let actor = actor.clone();
        let contact = contact.clone();
        Box::pin(async move {
            let before = household::Entity::find_by_id(household_id)
                .one(tx)
                .await?
                .ok_or(HouseholdError::HouseholdNotFound)?;
            let after = household::Model {
                town: Some(contact.town.clone()),
                address: Some(contact.address.clone()),
                phone: Some(contact.phone.clone()),
                ..before.clone()
            };
            household::Entity::update(household::ActiveModel {
                id: Set(household_id),
                town: Set(after.town.clone()),
                address: Set(after.address.clone()),
                phone: Set(after.phone.clone()),
                ..Default::default()
            })
            .exec(tx)
            .await?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::HouseholdContactRecorded,
                    children: Vec::new(),
                    object_type: "household",
                    object_id: Some(household_id),
                    before: snapshot(&Household::from(before)),
                    after: snapshot(&Household::from(after.clone())),
                },
            )
            .await?;
            Ok::<_, HouseholdError>(Household::from(after))
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::phone;

    #[test]
    fn a_phone_number_is_ten_or_eleven_digits_from_zero_typed_in_either_width() {
        assert_eq!(phone("03-1234-5678").unwrap(), "03-1234-5678");
        assert_eq!(phone("090１２３４５６７８").unwrap(), "09012345678");
        assert_eq!(phone(" ０３－１２３４－５６７８ ").unwrap(), "03-1234-5678");
        for bad in [
            "",
            "3-1234-5678",
            "03-1234-567",
            "03-1234-56789-0",
            "03--12345678",
            "03 1234 5678",
            "0312345678-",
        ] {
            assert!(phone(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
