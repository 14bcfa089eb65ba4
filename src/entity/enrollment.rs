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
    /// A renewal's fiscal year, by its first day; none for a first application.
    pub renewal_from: Option<Date>,
    /// The recipient certificate (受給者証) number staff recorded at approval.
    pub certificate_number: Option<String>,
    /// The certificate's last valid day.
    pub certificate_valid_until: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
