//! Table `enrollments`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrollments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub program: String,
    pub status: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub decision_reason: Option<String>,
    pub applied_by: Uuid,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
