//! The care needs a person may have (医療的ケア and mobility aids): one vocabulary for the
//! children's records, respite visits and the programs' eligibility conditions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A daily medical or mobility need of a child (医療的ケア and mobility aids).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CareNeed {
    /// 人工呼吸器
    Ventilator,
    /// 経管栄養
    TubeFeeding,
    /// 喀痰吸引
    Suction,
    /// 酸素療法
    Oxygen,
    /// 気管切開
    Tracheostomy,
    /// 導尿
    Catheterisation,
    /// 車いす
    Wheelchair,
    /// ストレッチャー
    Stretcher,
}

impl CareNeed {
    /// The need as the ward's forms name it.
    pub fn ja(self) -> &'static str {
        match self {
            CareNeed::Ventilator => "人工呼吸器",
            CareNeed::TubeFeeding => "経管栄養",
            CareNeed::Suction => "喀痰吸引",
            CareNeed::Oxygen => "酸素療法",
            CareNeed::Tracheostomy => "気管切開",
            CareNeed::Catheterisation => "導尿",
            CareNeed::Wheelchair => "車いす",
            CareNeed::Stretcher => "ストレッチャー",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            CareNeed::Ventilator => "ventilator",
            CareNeed::TubeFeeding => "tube feeding",
            CareNeed::Suction => "suction",
            CareNeed::Oxygen => "oxygen therapy",
            CareNeed::Tracheostomy => "tracheostomy",
            CareNeed::Catheterisation => "catheterisation",
            CareNeed::Wheelchair => "wheelchair",
            CareNeed::Stretcher => "stretcher",
        }
    }
}
