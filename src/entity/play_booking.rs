//! Table `play_bookings`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "play_bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_id: Uuid,
    pub household_id: Uuid,
    pub status: String,
    pub children: i64,
    pub adults: i64,
    pub ventilator_children: i64,
    pub created_at: i64,
    pub promoted_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub checked_in_at: Option<i64>,
    pub booked_by: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
