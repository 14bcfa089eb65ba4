//! The demo's history, written through the areas' own functions so it obeys every rule:
//! last month's redemptions, closed, with a reversal this month; a correction approved by two
//! people and one waiting; a respite visit the family disputes.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use uuid::Uuid;

use super::SeedError;
use crate::audit::Actor;
use crate::config::Config;
use crate::db;
use crate::enrollments::Program;
use crate::households::CareNeed;
use crate::partners::{DevicePrincipal, PartnerKind};
use crate::signed_codes::keys::KeyRing;
use crate::units::Yen;
use crate::vouchers::{self, CareTaxiFees, Charge, Redeemed};

/// Who the first phase wrote, for the history.
pub(super) struct People {
    pub staff: Uuid,
    pub checker: Uuid,
    pub hanako: Uuid,
    pub taro: Uuid,
    /// (household, child)
    pub sakura: (Uuid, Uuid),
    pub hikaru: (Uuid, Uuid),
    pub devices: Vec<DevicePrincipal>,
}

/// The demo's programs, by their ids in the default configuration (seed data, like the
/// enrollments the demo households hold).
fn taxi_fuel() -> Program {
    Program::parse("taxi_fuel").unwrap_or_else(|| unreachable!())
}

fn care_taxi() -> Program {
    Program::parse("care_taxi").unwrap_or_else(|| unreachable!())
}

fn history_error(e: impl std::fmt::Display) -> SeedError {
    SeedError::Db(DbErr::Custom(format!("demo history: {e}")))
}

fn actor(kind: &'static str, id: Uuid) -> Actor {
    Actor {
        kind,
        id: Some(id),
        request_id: None,
    }
}

fn device(p: &People, kind: PartnerKind) -> Result<DevicePrincipal, SeedError> {
    p.devices
        .iter()
        .find(|d| d.partner_kind == kind)
        .cloned()
        .ok_or_else(|| history_error("no demo device"))
}

/// Issues a code for the child at `at` and redeems it a minute later; the redemption's id.
async fn redeemed(
    ctx: &vouchers::Context<'_>,
    at: DateTime<Utc>,
    who: &Actor,
    (household, child): (Uuid, Uuid),
    program: Program,
    device: &DevicePrincipal,
    charge: Charge,
) -> Result<Uuid, SeedError> {
    let issued = vouchers::issue(ctx, who, at, household, child, program)
        .await
        .map_err(history_error)?;
    let by = actor("device", device.device_id);
    let key = Uuid::new_v4().to_string();
    let at = at + chrono::Duration::minutes(1);
    match vouchers::redeem(ctx, &by, at, device, &key, &issued.code, charge).await {
        Ok(Redeemed::Created(json)) | Ok(Redeemed::Replayed { body: json, .. }) => {
            let receipt: serde_json::Value = serde_json::from_str(&json).map_err(history_error)?;
            receipt["redemption_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| history_error("no redemption id"))
        }
        Err(e) => Err(history_error(e)),
    }
}

/// The whole history, in the order it happened.
pub(super) async fn history(
    db: &crate::db::Db,
    config: &Config,
    keys: &KeyRing,
    now: DateTime<Utc>,
    p: &People,
) -> Result<(), SeedError> {
    let rules = std::sync::Arc::new(config.rule_book().map_err(history_error)?);
    let ctx = vouchers::Context {
        db,
        read: db,
        keys,
        rules: &rules,
        calendar: config.calendar(),
    };
    vouchers_and_closing(&ctx, now, p).await?;
    corrections(db, config, now, p).await?;
    disputed_visit(db, config, now, p).await
}

/// Last month's redemptions, closed; one reversed this month; one redeemed this month.
async fn vouchers_and_closing(
    ctx: &vouchers::Context<'_>,
    now: DateTime<Utc>,
    p: &People,
) -> Result<(), SeedError> {
    let (db, rules, cal) = (ctx.db, ctx.rules, ctx.calendar);
    let (hanako, taro) = (actor("guardian", p.hanako), actor("guardian", p.taro));
    let staff = actor("staff", p.staff);
    // Last month: rides and fuel for さくら, a care-taxi ride for ひかる.
    let this_month = cal.month_of(now);
    let last_month = cal.month_of(cal.month_bounds(this_month).0 - chrono::Duration::seconds(1));
    let mid =
        cal.month_bounds(last_month).0 + chrono::Duration::days(14) + chrono::Duration::hours(10);
    let taxi = device(p, PartnerKind::TaxiCompany)?;
    let gas = device(p, PartnerKind::GasStation)?;
    let care = device(p, PartnerKind::CareTaxiOperator)?;
    redeemed(
        ctx,
        mid,
        &hanako,
        p.sakura,
        taxi_fuel(),
        &taxi,
        Charge::Amount(Yen(3_200)),
    )
    .await?;
    let fuel = redeemed(
        ctx,
        mid + chrono::Duration::days(1),
        &hanako,
        p.sakura,
        taxi_fuel(),
        &gas,
        Charge::Amount(Yen(4_500)),
    )
    .await?;
    redeemed(
        ctx,
        mid + chrono::Duration::days(2),
        &hanako,
        p.sakura,
        taxi_fuel(),
        &taxi,
        Charge::Amount(Yen(2_800)),
    )
    .await?;
    let fees = CareTaxiFees {
        reservation_fee_yen: Yen(1_000),
        pickup_fee_yen: Yen(1_500),
        basic_assistance_fee_yen: Yen(3_000),
    };
    redeemed(
        ctx,
        mid + chrono::Duration::days(3),
        &taro,
        p.hikaru,
        care_taxi(),
        &care,
        Charge::Fees(fees),
    )
    .await?;
    // Last month is closed; this month, one of its fuel redemptions is found to be a mistake.
    crate::settlements::close(
        db,
        &cal,
        rules,
        chrono::Duration::zero(),
        &staff,
        now,
        last_month,
    )
    .await
    .map_err(history_error)?;
    vouchers::reverse(
        db,
        rules,
        &cal,
        &staff,
        now,
        fuel,
        vouchers::Reverser::Staff {
            reason: "給油量の入力誤り（スタンドから連絡）".into(),
        },
    )
    .await
    .map_err(history_error)?;
    redeemed(
        ctx,
        now - chrono::Duration::minutes(30),
        &hanako,
        p.sakura,
        taxi_fuel(),
        &taxi,
        Charge::Amount(Yen(1_800)),
    )
    .await?;

    Ok(())
}

/// A credit proposed by one staff member and approved by the other; another waiting.
async fn corrections(
    db: &crate::db::Db,
    config: &Config,
    now: DateTime<Utc>,
    p: &People,
) -> Result<(), SeedError> {
    let (rules, cal) = (
        &std::sync::Arc::new(config.rule_book().map_err(history_error)?),
        config.calendar(),
    );
    let (staff, checker) = (actor("staff", p.staff), actor("staff", p.checker));
    // A credit beyond one person's limit, approved by a second; another still waiting.
    let adjustment = crate::allowances::Adjustment {
        child_id: p.sakura.1,
        program: taxi_fuel(),
        amount: 25_000,
        reason: "通院が重なったための追加支給（課長決裁済み）",
    };
    let cal_ = cal;
    let adjusted = db::write(db, |tx| {
        let (rules, staff) = (rules.clone(), staff.clone());
        Box::pin(async move {
            crate::allowances::adjust(tx, &rules, &cal_, &staff, now, adjustment).await
        })
    })
    .await
    .map_err(history_error)?;
    if let crate::allowances::Adjusted::Proposed(proposal) = adjusted {
        db::write(db, |tx| {
            let (rules, checker) = (rules.clone(), checker.clone());
            Box::pin(async move {
                crate::allowances::approve_proposal(tx, &rules, &cal_, &checker, now, proposal.id)
                    .await
            })
        })
        .await
        .map_err(history_error)?;
    }
    let waiting = crate::allowances::Adjustment {
        child_id: p.hikaru.1,
        program: care_taxi(),
        amount: 6,
        reason: "転院に伴う通院増のため",
    };
    db::write(db, |tx| {
        let (rules, checker) = (rules.clone(), checker.clone());
        Box::pin(async move {
            crate::allowances::adjust(tx, &rules, &cal_, &checker, now, waiting).await
        })
    })
    .await
    .map_err(history_error)?;

    Ok(())
}

/// A respite visit six days ago that the family says started an hour late.
async fn disputed_visit(
    db: &crate::db::Db,
    config: &Config,
    now: DateTime<Utc>,
    p: &People,
) -> Result<(), SeedError> {
    let (rules, cal) = (
        &std::sync::Arc::new(config.rule_book().map_err(history_error)?),
        config.calendar(),
    );
    let hanako = actor("guardian", p.hanako);
    // A respite visit six days ago that the family says started an hour late.
    let nurse = device(p, PartnerKind::NurseStation)?;
    let day = cal.local_date(now) - chrono::Duration::days(6);
    let start = cal
        .at_local(day.and_hms_opt(10, 0, 0).unwrap_or_default())
        .ok_or_else(|| history_error("no such local time"))?;
    let respite = crate::respite::Context {
        db,
        rules,
        calendar: cal,
    };
    let asked = start - chrono::Duration::days(3);
    let visit = crate::respite::NewVisit::parse(
        crate::respite::VisitInput {
            station_id: nurse.partner_id,
            starts_at: cal.local(start),
            ends_at: cal.local(start + chrono::Duration::hours(3)),
            care_needs: vec![CareNeed::Suction, CareNeed::TubeFeeding],
            notes: "鍵は玄関横のキーボックスです".into(),
        },
        &cal,
        rules,
        asked,
    )
    .map_err(history_error)?;
    let v = crate::respite::request(
        &respite, &hanako, p.hanako, asked, p.sakura.0, p.sakura.1, visit,
    )
    .await
    .map_err(history_error)?;
    let station = actor("device", nurse.device_id);
    crate::respite::accept(
        db,
        &station,
        &cal,
        asked + chrono::Duration::hours(2),
        nurse.partner_id,
        v.id,
    )
    .await
    .map_err(history_error)?;
    crate::respite::complete(
        &respite,
        &station,
        start + chrono::Duration::hours(4),
        v.id,
        crate::respite::Actual {
            started_at: cal.local(start),
            ended_at: cal.local(start + chrono::Duration::hours(3)),
        },
        crate::respite::Recorder::Station {
            station: nurse.partner_id,
            device: nurse.device_id,
        },
    )
    .await
    .map_err(history_error)?;
    crate::respite::dispute(
        &respite,
        &hanako,
        now,
        p.sakura.0,
        v.id,
        crate::respite::DisputeInput {
            reason: "看護師の到着が1時間遅れました（11時ごろ到着）".into(),
            claimed: Some((
                cal.local(start + chrono::Duration::hours(1)),
                cal.local(start + chrono::Duration::hours(3)),
            )),
        },
    )
    .await
    .map_err(history_error)?;
    Ok(())
}
