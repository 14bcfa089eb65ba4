//! Monthly settlement: what the ward owes each partner for a month, from the redemptions that
//! were not reversed, as JSON or as CSV for Excel (UTF-8 with BOM, CRLF).

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::RedemptionView;
use crate::entity::{device, partner, redemption};
use crate::partners::{Partner, PartnerKind};

/// One partner's totals for a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PartnerTotal {
    pub partner_id: Uuid,
    pub partner_name: String,
    pub partner_kind: PartnerKind,
    /// Redemptions that stand (not reversed).
    pub redemptions: i64,
    /// Yen the ward pays the partner.
    pub covered_yen: i64,
    /// Redemptions reversed (not paid).
    pub reversed: i64,
}

/// Totals per partner for a month ("2026-11"), by partner name.
pub async fn totals(conn: &impl ConnectionTrait, month: &str) -> Result<Vec<PartnerTotal>, DbErr> {
    let rows = redemption::Entity::find()
        .filter(redemption::Column::Month.eq(month))
        .all(conn)
        .await?;
    let partners = partner::Entity::find().all(conn).await?;
    let mut out: Vec<PartnerTotal> = Vec::new();
    for p in partners {
        let mine: Vec<_> = rows.iter().filter(|r| r.partner_id == p.id).collect();
        if mine.is_empty() {
            continue;
        }
        let standing: Vec<_> = mine.iter().filter(|r| r.reversed_at.is_none()).collect();
        let p = Partner::try_from(p)?;
        out.push(PartnerTotal {
            partner_id: p.id,
            partner_name: p.name,
            partner_kind: p.kind,
            redemptions: standing.len() as i64,
            covered_yen: standing.iter().map(|r| r.covered_yen).sum(),
            reversed: (mine.len() - standing.len()) as i64,
        });
    }
    out.sort_by(|a, b| a.partner_name.cmp(&b.partner_name));
    Ok(out)
}

/// One partner's settlement for a month: every redemption, and the totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerSettlement {
    pub partner_id: Uuid,
    pub partner_name: String,
    pub partner_kind: PartnerKind,
    pub month: String,
    pub items: Vec<SettlementLine>,
    /// Standing redemptions.
    pub redemptions: i64,
    /// Sum of `covered_yen` over standing redemptions.
    pub covered_yen: i64,
}

/// A redemption in a settlement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettlementLine {
    #[serde(flatten)]
    pub redemption: RedemptionView,
    pub device_label: String,
}

pub async fn for_partner(
    conn: &impl ConnectionTrait,
    partner_id: Uuid,
    month: &str,
) -> Result<Option<PartnerSettlement>, DbErr> {
    let Some(p) = partner::Entity::find_by_id(partner_id).one(conn).await? else {
        return Ok(None);
    };
    let p = Partner::try_from(p)?;
    let devices = device::Entity::find()
        .filter(device::Column::PartnerId.eq(partner_id))
        .all(conn)
        .await?;
    let rows = redemption::Entity::find()
        .filter(redemption::Column::PartnerId.eq(partner_id))
        .filter(redemption::Column::Month.eq(month))
        .order_by_asc(redemption::Column::Id)
        .all(conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let label = devices
            .iter()
            .find(|d| d.id == r.device_id)
            .map(|d| d.label.clone())
            .unwrap_or_default();
        items.push(SettlementLine {
            redemption: RedemptionView::try_from(r)?,
            device_label: label,
        });
    }
    let standing = items.iter().filter(|l| l.redemption.reversed_at.is_none());
    let (count, covered) = standing.fold((0, 0), |(n, s), l| (n + 1, s + l.redemption.covered_yen));
    Ok(Some(PartnerSettlement {
        partner_id: p.id,
        partner_name: p.name,
        partner_kind: p.kind,
        month: month.to_owned(),
        items,
        redemptions: count,
        covered_yen: covered,
    }))
}

/// The settlement as CSV for Excel: UTF-8 with BOM, CRLF line ends, Japanese headers.
pub fn to_csv(s: &PartnerSettlement, zone: chrono_tz::Tz) -> String {
    let mut out = String::from(crate::csv::BOM);
    let header = [
        "利用ID",
        "利用日時",
        "利用日",
        "端末",
        "事業",
        "用途",
        "利用額(円)",
        "予約料(円)",
        "迎車料(円)",
        "基本介助料(円)",
        "助成額(円)",
        "自己負担額(円)",
        "取消日時",
        "取消理由",
    ];
    out.push_str(&crate::csv::line(&header));
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    for line in &s.items {
        let r = &line.redemption;
        let fields = [
            r.id.to_string(),
            r.redeemed_at
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            r.local_date.to_string(),
            line.device_label.clone(),
            r.program.as_str().to_owned(),
            r.purpose.as_str().to_owned(),
            r.requested_yen.to_string(),
            opt(r.reservation_fee_yen),
            opt(r.pickup_fee_yen),
            opt(r.basic_assistance_fee_yen),
            r.covered_yen.to_string(),
            r.family_pays_yen.to_string(),
            r.reversed_at
                .map(|t| {
                    t.with_timezone(&zone)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                })
                .unwrap_or_default(),
            r.reversal_reason.clone().unwrap_or_default(),
        ];
        out.push_str(&crate::csv::line(&fields));
    }
    out.push_str(&format!(
        "合計,,,,,,,,,,{},,,件数 {}\r\n",
        s.covered_yen, s.redemptions
    ));
    out
}
