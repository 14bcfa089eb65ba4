//! Table `respite_visits`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "respite_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub child_id: Uuid,
    pub household_id: Uuid,
    pub station_id: Uuid,
    pub account_id: Uuid,
    pub fiscal_year: String,
    pub scheduled_start: i64,
    pub scheduled_end: i64,
    pub booked_minutes: i64,
    #[sea_orm(column_type = "Text")]
    pub care_needs: String,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub status: String,
    pub actual_start: Option<i64>,
    pub actual_end: Option<i64>,
    pub used_minutes: Option<i64>,
    pub exception_minutes: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decline_reason: Option<String>,
    pub decided_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub requested_by: Uuid,
    pub created_at: i64,
    pub updated_at: i64,
    pub used_account_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub exception_reason: Option<String>,
    pub dispute_until: Option<i64>,
    pub disputed_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub dispute_reason: Option<String>,
    pub claimed_start: Option<i64>,
    pub claimed_end: Option<i64>,
    pub disputed_minutes: Option<i64>,
    pub dispute_decision: Option<String>,
    pub dispute_decided_by: Option<Uuid>,
    pub dispute_decided_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub dispute_decision_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
