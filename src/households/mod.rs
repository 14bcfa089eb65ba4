//! Households and the children who receive the benefits: who belongs to which family, each
//! child's names (kanji and kana), birth date and care needs.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::clock::{from_micros, to_micros};
use crate::db;
use crate::entity::{account, child, household};
use crate::messages::Args;
use crate::text;
use crate::text::FieldError;

pub use crate::care_needs::CareNeed;

mod contact;
mod search;
pub use search::{MAX_WORDS as MAX_SEARCH_WORDS, find_children, words as search_words};
pub mod disclosure;
pub use contact::{Contact, ContactInput, set_contact};

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum HouseholdError {
    #[error("household not found")]
    HouseholdNotFound,
    #[error("child not found")]
    ChildNotFound,
    #[error("the household already has the most children allowed")]
    TooManyChildren,
    #[error(transparent)]
    InvalidField(#[from] crate::text::FieldError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for HouseholdError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            HouseholdError::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// The most children one household can register: an abuse limit far above any real family,
/// which also bounds the children listed in a household's detail.
pub const MAX_CHILDREN_PER_HOUSEHOLD: u64 = 20;

fn invalid(field: &'static str, e: text::TextError) -> HouseholdError {
    HouseholdError::InvalidField(FieldError::text(field, e))
}

/// A household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Household {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// How the family is reached, once staff have recorded it.
    pub contact: Option<Contact>,
}

impl From<household::Model> for Household {
    fn from(m: household::Model) -> Self {
        Household {
            id: m.id,
            contact: Contact::of(&m),
            name: m.name,
            created_at: from_micros(m.created_at),
        }
    }
}

/// A guardian as listed in their household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = HouseholdMember)]
pub struct Member {
    pub account_id: Uuid,
    pub display_name: String,
    pub email: String,
}

/// A child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Child {
    pub id: Uuid,
    pub household_id: Uuid,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub birth_date: NaiveDate,
    pub care_needs: Vec<CareNeed>,
    pub created_at: DateTime<Utc>,
}

impl Child {
    /// The name as the family and the ward write it: 「品川 さくら」.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.family_name, self.given_name)
    }

    /// The name in kana: 「しながわ さくら」.
    pub fn kana_name(&self) -> String {
        format!("{} {}", self.family_name_kana, self.given_name_kana)
    }

    /// Initials from the kana names (e.g. "シ.ハ."), for partners to match a passenger.
    pub fn initials(&self) -> String {
        let f = self.family_name_kana.chars().next().unwrap_or('?');
        let g = self.given_name_kana.chars().next().unwrap_or('?');
        format!("{f}.{g}.")
    }
}

impl From<child::Model> for Child {
    fn from(m: child::Model) -> Self {
        Child {
            id: m.id,
            household_id: m.household_id,
            family_name: m.family_name,
            given_name: m.given_name,
            family_name_kana: m.family_name_kana,
            given_name_kana: m.given_name_kana,
            birth_date: m.birth_date,
            care_needs: serde_json::from_str(&m.care_needs).unwrap_or_default(),
            created_at: from_micros(m.created_at),
        }
    }
}

/// A child's details as submitted, before checking.
#[derive(Debug, Clone)]
pub struct ChildInput {
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub birth_date: NaiveDate,
    pub care_needs: Vec<CareNeed>,
}

/// Care needs in a fixed order, each listed once; a need listed twice is a field problem
/// (children, respite visits and short stays all take them).
pub fn distinct_care_needs(mut needs: Vec<CareNeed>) -> Result<Vec<CareNeed>, FieldError> {
    let listed = needs.len();
    needs.sort();
    needs.dedup();
    if needs.len() != listed {
        return Err(FieldError::said(
            "care_needs",
            "reason-lists-the-same-care-need-more",
            Args::new(),
        ));
    }
    Ok(needs)
}

/// A child's details once checked.
#[derive(Debug, Clone)]
pub struct NewChild(ChildInput);

fn kana(field: &'static str, value: &str) -> Result<String, HouseholdError> {
    let v = text::bounded(value, 50).map_err(|e| invalid(field, e))?;
    let ok = v.chars().all(|c| {
        matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | ' ' | '　' | 'ヽ' | 'ヾ' | 'ゝ' | 'ゞ')
    });
    if !ok {
        return Err(HouseholdError::InvalidField(FieldError::said(
            field,
            "reason-must-be-written-in-kana",
            Args::new(),
        )));
    }
    Ok(v)
}

impl NewChild {
    /// Checks names, kana, birth date (not in the future, not before 1900) and care needs.
    pub fn parse(input: ChildInput, today: NaiveDate) -> Result<NewChild, HouseholdError> {
        let family_name =
            text::bounded(&input.family_name, 50).map_err(|e| invalid("family_name", e))?;
        let given_name =
            text::bounded(&input.given_name, 50).map_err(|e| invalid("given_name", e))?;
        let family_name_kana = kana("family_name_kana", &input.family_name_kana)?;
        let given_name_kana = kana("given_name_kana", &input.given_name_kana)?;
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
        if input.birth_date > today || input.birth_date < earliest {
            return Err(HouseholdError::InvalidField(FieldError::said(
                "birth_date",
                "reason-must-be-a-past-date-after",
                Args::new(),
            )));
        }
        let care_needs = distinct_care_needs(input.care_needs)?;
        Ok(NewChild(ChildInput {
            family_name,
            given_name,
            family_name_kana,
            given_name_kana,
            birth_date: input.birth_date,
            care_needs,
        }))
    }
}

/// Creates a household (staff).
pub async fn create_household(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    name: &str,
) -> Result<Household, HouseholdError> {
    let name = text::bounded(name, 100).map_err(|e| invalid("name", e))?;
    let model = household::Model {
        id: Uuid::new_v4(),
        name,
        created_at: to_micros(now),
        town: None,
        address: None,
        phone: None,
    };
    db::write(db, |tx| {
        let actor = actor.clone();
        let model = model.clone();
        Box::pin(async move {
            let actor = &actor;
            household::Entity::insert(household::ActiveModel {
                id: Set(model.id),
                name: Set(model.name.clone()),
                created_at: Set(model.created_at),
                ..Default::default()
            })
            .exec_without_returning(tx)
            .await?;
            audit::record(
                tx,
                actor,
                now,
                Change {
                    action: Action::HouseholdCreated,
                    children: Vec::new(),
                    object_type: "household",
                    object_id: Some(model.id),
                    before: None,
                    after: snapshot(&Household::from(model.clone())),
                },
            )
            .await?;
            Ok::<_, HouseholdError>(())
        })
    })
    .await?;
    Ok(model.into())
}

pub async fn list_households(
    conn: &impl ConnectionTrait,
    limit: u64,
    offset: u64,
) -> Result<Vec<Household>, DbErr> {
    Ok(household::Entity::find()
        .order_by_asc(household::Column::CreatedAt)
        .order_by_asc(household::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Household::from)
        .collect())
}

/// A household with its guardians and children.
#[derive(Debug, Clone)]
pub struct HouseholdDetail {
    pub household: Household,
    pub guardians: Vec<Member>,
    pub children: Vec<Child>,
}

pub async fn get_household(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<HouseholdDetail, HouseholdError> {
    let household = household::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(HouseholdError::HouseholdNotFound)?;
    let guardians = account::Entity::find()
        .filter(account::Column::HouseholdId.eq(id))
        .order_by_asc(account::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|a| Member {
            account_id: a.id,
            display_name: a.display_name,
            email: a.email,
        })
        .collect();
    let children = list_children(conn, id, MAX_CHILDREN_PER_HOUSEHOLD, 0).await?;
    Ok(HouseholdDetail {
        household: household.into(),
        guardians,
        children,
    })
}

/// Adds a child to a household.
pub async fn add_child(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    household_id: Uuid,
    new: NewChild,
) -> Result<Child, HouseholdError> {
    let c = new.0;
    let model = child::Model {
        id: Uuid::new_v4(),
        household_id,
        family_name: c.family_name,
        given_name: c.given_name,
        family_name_kana: c.family_name_kana,
        given_name_kana: c.given_name_kana,
        birth_date: c.birth_date,
        care_needs: serde_json::to_string(&c.care_needs).unwrap_or_else(|_| "[]".into()),
        created_at: to_micros(now),
        updated_at: to_micros(now),
    };
    db::write(db, |tx| {
        let actor = actor.clone();
        let model = model.clone();
        Box::pin(async move {
            let actor = &actor;
            // A no-op update takes the household's row lock, so concurrent additions are
            // counted one after the other and the limit holds on both engines.
            let locked = household::Entity::update_many()
                .col_expr(household::Column::Name, Expr::col(household::Column::Name))
                .filter(household::Column::Id.eq(household_id))
                .exec(tx)
                .await?;
            if locked.rows_affected == 0 {
                return Err(HouseholdError::HouseholdNotFound);
            }
            let children = child::Entity::find()
                .filter(child::Column::HouseholdId.eq(household_id))
                .count(tx)
                .await?;
            if children >= MAX_CHILDREN_PER_HOUSEHOLD {
                return Err(HouseholdError::TooManyChildren);
            }
            child::Entity::insert(child::ActiveModel {
                id: Set(model.id),
                household_id: Set(model.household_id),
                family_name: Set(model.family_name.clone()),
                given_name: Set(model.given_name.clone()),
                family_name_kana: Set(model.family_name_kana.clone()),
                given_name_kana: Set(model.given_name_kana.clone()),
                birth_date: Set(model.birth_date),
                care_needs: Set(model.care_needs.clone()),
                created_at: Set(model.created_at),
                updated_at: Set(model.updated_at),
            })
            .exec_without_returning(tx)
            .await?;
            audit::record(
                tx,
                actor,
                now,
                Change {
                    action: Action::ChildCreated,
                    children: vec![model.id],
                    object_type: "child",
                    object_id: Some(model.id),
                    before: None,
                    after: snapshot(&Child::from(model.clone())),
                },
            )
            .await?;
            Ok(())
        })
    })
    .await?;
    Ok(model.into())
}

pub async fn list_children(
    conn: &impl ConnectionTrait,
    household_id: Uuid,
    limit: u64,
    offset: u64,
) -> Result<Vec<Child>, DbErr> {
    Ok(child::Entity::find()
        .filter(child::Column::HouseholdId.eq(household_id))
        .order_by_asc(child::Column::CreatedAt)
        .order_by_asc(child::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Child::from)
        .collect())
}

/// Holds the child's row lock until the transaction ends (a no-op update, portable to both
/// engines), so that work which must see all of a child's other rows settled (two visits that
/// must not overlap) runs one at a time per child.
pub async fn lock_child(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    child::Entity::update_many()
        .col_expr(
            child::Column::UpdatedAt,
            Expr::col(child::Column::UpdatedAt),
        )
        .filter(child::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A child, if it exists.
pub async fn find_child(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Child>, DbErr> {
    Ok(child::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Child::from))
}

/// These children, by id (one query); ids of no child are left out.
pub async fn children_by_ids(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Child>, DbErr> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(child::Entity::find()
        .filter(child::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, Child::from(m)))
        .collect())
}

/// A child of the given household; another household's child is reported as not found, so
/// that ids of other families cannot be probed.
pub async fn child_of_household(
    conn: &impl ConnectionTrait,
    household_id: Uuid,
    child_id: Uuid,
) -> Result<Child, HouseholdError> {
    match find_child(conn, child_id).await? {
        Some(c) if c.household_id == household_id => Ok(c),
        _ => Err(HouseholdError::ChildNotFound),
    }
}
