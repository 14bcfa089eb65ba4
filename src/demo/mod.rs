//! Demo data for trying the service: two staff members, an admin, two households with children
//! enrolled in different programs, and one partner of each kind with a scanning device; then,
//! through the areas' own functions, a little history: last month's redemptions, closed (締め)
//! and with one of them reversed this month; a correction proposed by one staff member and
//! approved by the other, and one still waiting; a respite visit the family disputes.
//!
//! The people and partners are written in one transaction and skipped when already present,
//! so seeding twice changes nothing. The passwords and device credentials are public: never
//! seed a production database.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::audit::{self, Action, Actor, Change};
use crate::auth::password;
use crate::auth::token::digest;
use crate::clock::to_micros;
use crate::config::Config;
use crate::db;
use crate::entity::{account, child, device, enrollment, household, partner};
use crate::partners::DevicePrincipal;
use crate::partners::PartnerKind;
use crate::signed_codes::keys::KeyRing;

mod history;
use history::{People, history};

/// A demo login.
pub struct DemoLogin {
    pub role: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

pub const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        role: "admin",
        email: "admin@carepass.example.jp",
        password: "demo-admin-password",
    },
    DemoLogin {
        role: "staff",
        email: "staff@carepass.example.jp",
        password: "demo-staff-password",
    },
    DemoLogin {
        role: "staff",
        email: "staff2@carepass.example.jp",
        password: "demo-staff-password",
    },
    DemoLogin {
        role: "guardian",
        email: "hanako@carepass.example.jp",
        password: "demo-guardian-password",
    },
    DemoLogin {
        role: "guardian",
        email: "taro@carepass.example.jp",
        password: "demo-guardian-password",
    },
];

/// Demo partners: kind, name, device credential.
pub const PARTNERS: &[(PartnerKind, &str, &str)] = &[
    (
        PartnerKind::TaxiCompany,
        "しながわ交通（デモ）",
        "cpd_demo_taxi_company",
    ),
    (
        PartnerKind::GasStation,
        "大井町サービスステーション（デモ）",
        "cpd_demo_gas_station",
    ),
    (
        PartnerKind::CareTaxiOperator,
        "ケアタクシー品川（デモ）",
        "cpd_demo_care_taxi_operator",
    ),
    (
        PartnerKind::NurseStation,
        "訪問看護ステーションしながわ（デモ）",
        "cpd_demo_nurse_station",
    ),
    (
        PartnerKind::HomeCareProvider,
        "居宅介護支援事業所おおい（デモ）",
        "cpd_demo_home_care_provider",
    ),
    (
        PartnerKind::MedicalInstitution,
        "品川医療センター（デモ）",
        "cpd_demo_medical_institution",
    ),
    (
        PartnerKind::PlaySpaceOperator,
        "インクルーシブひろばベル（デモ）",
        "cpd_demo_play_space_operator",
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for SeedError {
    fn as_db(&self) -> Option<&DbErr> {
        let SeedError::Db(e) = self;
        Some(e)
    }
}

/// Seeds the demo data unless it is already there. Returns whether anything was written.
pub async fn seed(
    db: &crate::db::Db,
    config: &Config,
    keys: &KeyRing,
    now: DateTime<Utc>,
) -> Result<bool, SeedError> {
    let cal = config.calendar();
    let exists = account::Entity::find()
        .filter(account::Column::Email.eq(LOGINS[0].email))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    let mut hashes = Vec::new();
    for login in LOGINS {
        let h = password::hash(login.password.to_owned())
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        hashes.push(h);
    }
    let people = db::write(db, |tx| {
        let hashes = hashes.clone();
        Box::pin(async move {
            // Re-check inside the write lock: two processes seeding at once write it once.
            if account::Entity::find()
                .filter(account::Column::Email.eq(LOGINS[0].email))
                .one(tx)
                .await?
                .is_some()
            {
                return Ok(None);
            }
            let t = to_micros(now);
            let shinagawa = Uuid::new_v4();
            let oi = Uuid::new_v4();
            // Fictitious addresses and numbers (03-0000-xxxx is never assigned).
            for (id, name, town, address, phone) in [
                (
                    shinagawa,
                    "品川家（デモ）",
                    "東五反田",
                    "2-1-1 デモハイツ101",
                    "03-0000-0101",
                ),
                (oi, "大井家（デモ）", "大井", "1-2-3", "03-0000-0202"),
            ] {
                household::Entity::insert(household::ActiveModel {
                    id: Set(id),
                    name: Set(name.into()),
                    created_at: Set(t),
                    town: Set(Some(town.into())),
                    address: Set(Some(address.into())),
                    phone: Set(Some(phone.into())),
                })
                .exec_without_returning(tx)
                .await?;
            }
            let names = [
                "デモ 管理者",
                "デモ 職員",
                "デモ 係長",
                "品川 花子",
                "大井 太郎",
            ];
            let homes = [None, None, None, Some(shinagawa), Some(oi)];
            let mut ids = Vec::new();
            for (i, login) in LOGINS.iter().enumerate() {
                let id = Uuid::new_v4();
                ids.push(id);
                account::Entity::insert(account::ActiveModel {
                    id: Set(id),
                    role: Set(login.role.into()),
                    email: Set(login.email.into()),
                    display_name: Set(names[i].into()),
                    password_hash: Set(hashes[i].clone()),
                    household_id: Set(homes[i]),
                    status: Set(crate::auth::AccountStatus::Active.as_str().into()),
                    created_at: Set(t),
                })
                .exec_without_returning(tx)
                .await?;
            }
            let children = [
                (
                    shinagawa,
                    "品川",
                    "さくら",
                    "しながわ",
                    "さくら",
                    (2019, 5, 12),
                    r#"["ventilator","tube_feeding","suction","wheelchair"]"#,
                    &["taxi_fuel", "respite"][..],
                    &["play_space"][..],
                ),
                (
                    oi,
                    "大井",
                    "ひかる",
                    "おおい",
                    "ひかる",
                    (2016, 11, 3),
                    r#"["tube_feeding","stretcher"]"#,
                    &["care_taxi", "short_stay"][..],
                    &[][..],
                ),
            ];
            let staff_id = ids[1];
            // Valid from the start of last month's fiscal year to the end of this one, so the
            // history below (last month) and today are both covered.
            let last_month = cal.month_bounds(cal.month_of(now)).0 - chrono::Duration::seconds(1);
            let year_start =
                cal.local_date(cal.fiscal_year_bounds(cal.fiscal_year_of(last_month)).0);
            let year_end = cal.local_date(cal.fiscal_year_bounds(cal.fiscal_year_of(now)).1)
                - chrono::Duration::days(1);
            let mut child_ids = Vec::new();
            for (home, fam, giv, fam_k, giv_k, (y, m, d), needs, approved, pending) in children {
                let child_id = Uuid::new_v4();
                child_ids.push((home, child_id));
                child::Entity::insert(child::ActiveModel {
                    id: Set(child_id),
                    household_id: Set(home),
                    family_name: Set(fam.into()),
                    given_name: Set(giv.into()),
                    family_name_kana: Set(fam_k.into()),
                    given_name_kana: Set(giv_k.into()),
                    birth_date: Set(NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()),
                    care_needs: Set(needs.into()),
                    created_at: Set(t),
                    updated_at: Set(t),
                })
                .exec_without_returning(tx)
                .await?;
                for (program, is_approved) in approved
                    .iter()
                    .map(|p| (p, true))
                    .chain(pending.iter().map(|p| (p, false)))
                {
                    enrollment::Entity::insert(enrollment::ActiveModel {
                        id: Set(Uuid::new_v4()),
                        child_id: Set(child_id),
                        program: Set((*program).into()),
                        status: Set(if is_approved { "approved" } else { "pending" }.into()),
                        valid_from: Set(is_approved.then_some(year_start)),
                        valid_until: Set(is_approved.then_some(year_end)),
                        decision_reason: Set(None),
                        applied_by: Set(staff_id),
                        decided_by: Set(is_approved.then_some(staff_id)),
                        decided_at: Set(is_approved.then_some(t)),
                        created_at: Set(t),
                        renewal_from: Set(None),
                        // A recipient certificate on every approval (taxi/fuel requires one).
                        certificate_number: Set(is_approved.then(|| "1310900001".to_owned())),
                        certificate_valid_until: Set(is_approved.then_some(year_end)),
                    })
                    .exec_without_returning(tx)
                    .await?;
                }
            }
            // The Oi family has already applied to renew care-taxi tickets for next year.
            enrollment::Entity::insert(enrollment::ActiveModel {
                id: Set(Uuid::new_v4()),
                child_id: Set(child_ids[1].1),
                program: Set("care_taxi".into()),
                status: Set("pending".into()),
                valid_from: Set(None),
                valid_until: Set(None),
                decision_reason: Set(None),
                applied_by: Set(ids[4]),
                decided_by: Set(None),
                decided_at: Set(None),
                created_at: Set(t),
                renewal_from: Set(Some(year_end + chrono::Duration::days(1))),
                certificate_number: Set(None),
                certificate_valid_until: Set(None),
            })
            .exec_without_returning(tx)
            .await?;
            let mut devices = Vec::new();
            for (kind, name, credential) in PARTNERS {
                let partner_id = Uuid::new_v4();
                let device_id = Uuid::new_v4();
                devices.push(DevicePrincipal {
                    device_id,
                    partner_id,
                    partner_kind: *kind,
                    partner_name: (*name).into(),
                });
                partner::Entity::insert(partner::ActiveModel {
                    id: Set(partner_id),
                    kind: Set(kind.as_str().into()),
                    name: Set((*name).into()),
                    status: Set(crate::partners::PartnerStatus::Active.as_str().into()),
                    created_at: Set(t),
                })
                .exec_without_returning(tx)
                .await?;
                device::Entity::insert(device::ActiveModel {
                    id: Set(device_id),
                    partner_id: Set(partner_id),
                    label: Set("デモ端末".into()),
                    credential_hash: Set(digest(credential)),
                    status: Set(crate::partners::DeviceStatus::Active.as_str().into()),
                    created_at: Set(t),
                    revoked_at: Set(None),
                })
                .exec_without_returning(tx)
                .await?;
            }
            audit::record(
                tx,
                &Actor::system(),
                now,
                Change {
                    action: Action::DemoSeeded,
                    children: Vec::new(),
                    object_type: "system",
                    object_id: None,
                    before: None,
                    after: None,
                },
            )
            .await?;
            Ok::<_, SeedError>(Some(People {
                staff: ids[1],
                checker: ids[2],
                hanako: ids[3],
                taro: ids[4],
                sakura: child_ids[0],
                hikaru: child_ids[1],
                devices,
            }))
        })
    })
    .await?;
    match people {
        Some(people) => {
            history(db, config, keys, now, &people).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The text printed after seeding: how to sign in.
pub fn credentials_text() -> String {
    let mut s = String::from("Demo logins (POST /api/v1/auth/login):\n");
    for l in LOGINS {
        s.push_str(&format!("  {:<9} {:<30} {}\n", l.role, l.email, l.password));
    }
    s.push_str("Demo device credentials (Authorization: Bearer ...):\n");
    for (kind, name, credential) in PARTNERS {
        s.push_str(&format!(
            "  {:<20} {:<32} {}\n",
            kind.as_str(),
            credential,
            name
        ));
    }
    s
}
