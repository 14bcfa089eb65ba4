//! Redemptions as partners, staff and families read them.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Purpose;
use crate::clock::from_micros;
use crate::enrollments::Program;
use crate::entity::redemption;

/// What has become of a redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionState {
    /// It stands: the ward pays it.
    Standing,
    /// The partner cancelled it the same day (取消).
    Cancelled,
    /// Ward staff reversed it.
    Reversed,
}

impl RedemptionState {
    pub fn as_str(self) -> &'static str {
        match self {
            RedemptionState::Standing => "standing",
            RedemptionState::Cancelled => "cancelled",
            RedemptionState::Reversed => "reversed",
        }
    }

    pub fn of(r: &redemption::Model) -> RedemptionState {
        match (r.reversed_at, r.reversed_by_type.as_deref()) {
            (None, _) => RedemptionState::Standing,
            (Some(_), Some("device")) => RedemptionState::Cancelled,
            (Some(_), _) => RedemptionState::Reversed,
        }
    }
}

/// A redemption as the device that made it lists it: with the passenger's initials, so that a
/// driver cancels the right ride, and what has become of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeviceRedemption {
    #[serde(flatten)]
    pub redemption: RedemptionView,
    pub state: RedemptionState,
    /// The person's initials from the kana names (e.g. "し.さ."), as the scan showed them.
    #[schema(example = "し.さ.")]
    pub child_initials: String,
}

/// A redemption as partners and staff list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RedemptionView {
    pub id: Uuid,
    pub voucher_id: Uuid,
    pub program: Program,
    pub purpose: Purpose,
    pub partner_id: Uuid,
    /// The partner's name, in a family's history (absent elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_name: Option<String>,
    pub device_id: Uuid,
    pub requested_yen: i64,
    pub reservation_fee_yen: Option<i64>,
    pub pickup_fee_yen: Option<i64>,
    pub basic_assistance_fee_yen: Option<i64>,
    pub covered_yen: i64,
    pub family_pays_yen: i64,
    pub tickets_used: i64,
    pub redeemed_at: DateTime<Utc>,
    /// The Asia/Tokyo calendar date of the redemption.
    pub local_date: NaiveDate,
    pub reversed_at: Option<DateTime<Utc>>,
    pub reversal_reason: Option<String>,
}

impl TryFrom<redemption::Model> for RedemptionView {
    type Error = DbErr;
    fn try_from(r: redemption::Model) -> Result<Self, DbErr> {
        Ok(RedemptionView {
            id: r.id,
            voucher_id: r.voucher_id,
            program: Program::parse(&r.program)
                .ok_or_else(|| DbErr::Custom("unknown program".into()))?,
            purpose: Purpose::parse(&r.purpose)
                .ok_or_else(|| DbErr::Custom("unknown purpose".into()))?,
            partner_id: r.partner_id,
            partner_name: None,
            device_id: r.device_id,
            requested_yen: r.requested_yen,
            reservation_fee_yen: r.reservation_fee_yen,
            pickup_fee_yen: r.pickup_fee_yen,
            basic_assistance_fee_yen: r.assistance_fee_yen,
            covered_yen: r.covered_yen,
            family_pays_yen: r.family_pays_yen,
            tickets_used: r.tickets_used,
            redeemed_at: from_micros(r.redeemed_at),
            local_date: r.local_date,
            reversed_at: r.reversed_at.map(from_micros),
            reversal_reason: r.reversal_reason,
        })
    }
}

/// A device's redemptions on one local date, newest first, `limit` of them from `offset`.
pub async fn list_for_device(
    conn: &impl ConnectionTrait,
    device_id: Uuid,
    date: NaiveDate,
    limit: u64,
    offset: u64,
) -> Result<Vec<DeviceRedemption>, DbErr> {
    let rows = redemption::Entity::find()
        .filter(redemption::Column::DeviceId.eq(device_id))
        .filter(redemption::Column::LocalDate.eq(date))
        .order_by_desc(redemption::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?;
    let children: Vec<Uuid> = rows.iter().map(|r| r.child_id).collect();
    let children = crate::households::children_by_ids(conn, &children).await?;
    rows.into_iter()
        .map(|r| {
            let child_initials = children
                .get(&r.child_id)
                .map(|c| c.initials())
                .unwrap_or_default();
            let state = RedemptionState::of(&r);
            Ok(DeviceRedemption {
                redemption: RedemptionView::try_from(r)?,
                state,
                child_initials,
            })
        })
        .collect()
}

/// A child's redemptions in one month (for the guardian's history), newest first, `limit`
/// of them from `offset`.
pub async fn list_for_child(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    program: Program,
    month: &str,
    limit: u64,
    offset: u64,
) -> Result<Vec<RedemptionView>, DbErr> {
    let rows = redemption::Entity::find()
        .filter(redemption::Column::ChildId.eq(child_id))
        .filter(redemption::Column::Program.eq(program.as_str()))
        .filter(redemption::Column::Month.eq(month))
        .order_by_desc(redemption::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(RedemptionView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    // A family knows its partners by name, not by id.
    let ids: Vec<Uuid> = rows.iter().map(|r| r.partner_id).collect();
    let names: std::collections::HashMap<Uuid, String> = crate::partners::by_ids(conn, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| RedemptionView {
            partner_name: names.get(&r.partner_id).cloned(),
            ..r
        })
        .collect())
}

/// A redemption as a monthly statement needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub view: RedemptionView,
    /// The month of the redemption ("2026-11", Asia/Tokyo).
    pub month: String,
    /// The month ("2026-11") whose statement counts the reversal, if reversed.
    pub reversal_month: Option<String>,
}

/// What a month's statements are made of, oldest first: the redemptions of the month, and the
/// redemptions of earlier months whose reversal counts in it. One partner's, or everyone's.
pub async fn for_settlement(
    conn: &impl ConnectionTrait,
    partner_id: Option<Uuid>,
    month: &str,
) -> Result<Vec<Settled>, DbErr> {
    use redemption::Column as C;
    let mut q = redemption::Entity::find().filter(
        sea_orm::Condition::any()
            .add(C::Month.eq(month))
            .add(C::ReversalMonth.eq(month)),
    );
    if let Some(p) = partner_id {
        q = q.filter(C::PartnerId.eq(p));
    }
    q.order_by_asc(C::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| {
            let (month, reversal_month) = (r.month.clone(), r.reversal_month.clone());
            Ok(Settled {
                view: RedemptionView::try_from(r)?,
                month,
                reversal_month,
            })
        })
        .collect()
}

/// Stamps the month's redemptions as settled (the month is being closed): from now on a
/// reversal of one of them counts in the month it is made, and partners can no longer cancel
/// them. Returns how many were stamped.
pub async fn stamp_settled(conn: &impl ConnectionTrait, month: &str) -> Result<u64, DbErr> {
    use redemption::Column as C;
    Ok(redemption::Entity::update_many()
        .col_expr(C::SettledMonth, sea_orm::sea_query::Expr::value(month))
        .filter(C::Month.eq(month))
        .filter(C::SettledMonth.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}
