//! Table `notifications`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_type: String,
    pub recipient_type: String,
    pub recipient_id: Uuid,
    pub subject_type: String,
    pub subject_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub created_at: i64,
    pub delivery_status: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub read_at: Option<i64>,
    /// What it says, in both languages (`NotificationText` as JSON); none before migration 19.
    #[sea_orm(column_type = "Text", nullable)]
    pub text_json: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
