//! Table `redemptions`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "redemptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub voucher_id: Uuid,
    pub account_id: Uuid,
    pub child_id: Uuid,
    pub program: String,
    pub purpose: String,
    pub partner_id: Uuid,
    pub device_id: Uuid,
    pub idempotency_key: String,
    pub request_hash: String,
    pub requested_yen: i64,
    pub reservation_fee_yen: Option<i64>,
    pub pickup_fee_yen: Option<i64>,
    pub assistance_fee_yen: Option<i64>,
    pub covered_yen: i64,
    pub family_pays_yen: i64,
    pub tickets_used: i64,
    pub redeemed_at: i64,
    pub local_date: Date,
    pub month: String,
    #[sea_orm(column_type = "Text")]
    pub response_json: String,
    pub reversed_at: Option<i64>,
    pub reversed_by_type: Option<String>,
    pub reversed_by: Option<Uuid>,
    pub reversal_reason: Option<String>,
    /// Set when the redemption's month is closed (締め): its statement is fixed.
    pub settled_month: Option<String>,
    /// The statement month in which the reversal counts: its own month while that is open,
    /// else the month in which it was reversed.
    pub reversal_month: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
