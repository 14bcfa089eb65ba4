//! Table `allowance_accounts`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allowance_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub program: String,
    pub unit: String,
    pub period: String,
    pub period_start: i64,
    pub period_end: i64,
    /// The grant and any carry-in.
    pub granted: i64,
    /// Staff corrections (±), kept apart from the grant.
    pub adjusted: i64,
    pub balance: i64,
    pub held: i64,
    pub used: i64,
    pub last_movement: i64,
    pub lapsed_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
