//! Table `short_stays`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "short_stays")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub household_id: Uuid,
    pub desired_from: Date,
    pub desired_until: Date,
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub reason_detail: String,
    #[sea_orm(column_type = "Text")]
    pub care_needs: String,
    pub contact: String,
    pub status: String,
    pub institution_id: Option<Uuid>,
    pub confirmed_from: Option<Date>,
    pub confirmed_until: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_reason: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
    pub admitted_at: Option<i64>,
    pub discharged_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub cancelled_by: Option<Uuid>,
    pub cancel_reason: Option<String>,
    pub requested_by: Uuid,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
