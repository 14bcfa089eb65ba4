//! Table `ledger_entries`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: String,
    pub amount: i64,
    pub voucher_id: Option<Uuid>,
    pub redemption_id: Option<Uuid>,
    pub reason: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub occurred_at: i64,
    /// The second staff member who approved an adjustment above the one-approver limit.
    pub approved_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
