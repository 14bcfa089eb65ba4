//! The kinds of organisation a ward contracts with: one vocabulary for partners, devices and
//! the programs' configuration (which kinds redeem which program).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kinds of organisation the ward contracts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    /// 区が委託したタクシー業者: redeems taxi fares.
    TaxiCompany,
    /// 区内の契約ガソリンスタンド: redeems car fuel.
    GasStation,
    /// 介護タクシー事業者: redeems care-taxi tickets.
    CareTaxiOperator,
    /// 訪問看護ステーション: respite visits.
    NurseStation,
    /// 居宅介護支援事業所: respite visits.
    HomeCareProvider,
    /// 医療機関: medical short stays.
    MedicalInstitution,
    /// インクルーシブひろばベルの運営者: play-space entry.
    PlaySpaceOperator,
    /// 薬局: redeems codes of a yen allowance a ward pays at pharmacies.
    Pharmacy,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 8] = [
        PartnerKind::TaxiCompany,
        PartnerKind::GasStation,
        PartnerKind::CareTaxiOperator,
        PartnerKind::NurseStation,
        PartnerKind::HomeCareProvider,
        PartnerKind::MedicalInstitution,
        PartnerKind::PlaySpaceOperator,
        PartnerKind::Pharmacy,
    ];

    /// Whether partners of this kind scan and redeem allowance codes (a program's
    /// `redeemed_by` may name only these).
    pub fn redeems_codes(self) -> bool {
        matches!(
            self,
            PartnerKind::TaxiCompany
                | PartnerKind::GasStation
                | PartnerKind::CareTaxiOperator
                | PartnerKind::Pharmacy
        )
    }

    /// The kind's name in Japanese, for reports.
    pub fn ja(self) -> &'static str {
        match self {
            PartnerKind::TaxiCompany => "タクシー事業者",
            PartnerKind::GasStation => "ガソリンスタンド",
            PartnerKind::CareTaxiOperator => "介護タクシー事業者",
            PartnerKind::NurseStation => "訪問看護ステーション",
            PartnerKind::HomeCareProvider => "居宅介護支援事業所",
            PartnerKind::MedicalInstitution => "医療機関",
            PartnerKind::PlaySpaceOperator => "ひろば運営事業者",
            PartnerKind::Pharmacy => "薬局",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerKind::TaxiCompany => "taxi_company",
            PartnerKind::GasStation => "gas_station",
            PartnerKind::CareTaxiOperator => "care_taxi_operator",
            PartnerKind::NurseStation => "nurse_station",
            PartnerKind::HomeCareProvider => "home_care_provider",
            PartnerKind::MedicalInstitution => "medical_institution",
            PartnerKind::PlaySpaceOperator => "play_space_operator",
            PartnerKind::Pharmacy => "pharmacy",
        }
    }

    pub fn parse(s: &str) -> Option<PartnerKind> {
        PartnerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}
