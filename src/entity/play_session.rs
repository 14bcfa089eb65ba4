//! Table `play_sessions`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "play_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity_children: i64,
    pub capacity_adults: i64,
    pub ventilator_places: Option<i64>,
    pub booking_opens_at: i64,
    pub booking_closes_at: i64,
    pub booked_children: i64,
    pub booked_adults: i64,
    pub booked_ventilator: i64,
    pub created_by: Option<Uuid>,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
