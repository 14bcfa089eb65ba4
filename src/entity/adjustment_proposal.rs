//! Table `adjustment_proposals`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "adjustment_proposals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub program: String,
    /// The account's unit: yen, ticket or minute.
    pub unit: String,
    pub period: String,
    pub amount: i64,
    pub reason: String,
    pub status: String,
    pub proposed_by: Uuid,
    pub proposed_at: i64,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
