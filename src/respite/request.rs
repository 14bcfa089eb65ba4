//! A guardian asks a station for a visit: its minutes are held on the fiscal year of its start.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait};
use uuid::Uuid;

use super::{
    Context, MAX_NOTES, RespiteError, STATION_KINDS, Visit, VisitStatus, billable, field, get,
    local, refuse_overlap, span, visit_event,
};
use crate::allowances::{self, EntryKind, Refs};
use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::clock::{Calendar, to_micros};
use crate::config::RuleBook;
use crate::db;
use crate::entity::respite_visit;
use crate::households::{self, CareNeed};
use crate::messages::{Arg, Args};
use crate::notifications::{Recipient, notify};
use crate::partners;
use crate::text::{self, FieldError};

/// What a guardian asks for, as received.
#[derive(Debug, Clone)]
pub struct VisitInput {
    pub station_id: Uuid,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub care_needs: Vec<CareNeed>,
    pub notes: String,
}

/// A request that passed every check that needs no database.
#[derive(Debug, Clone)]
pub struct NewVisit {
    station_id: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    booked: i64,
    care_needs: Vec<CareNeed>,
    notes: String,
}

impl NewVisit {
    /// Times in the ward's zone, in the future and at most the configured days ahead, at most
    /// the configured visit length; rounded up to the billing unit; care needs listed once;
    /// notes bounded.
    pub fn parse(
        input: VisitInput,
        cal: &Calendar,
        rules: &RuleBook,
        now: DateTime<Utc>,
    ) -> Result<NewVisit, RespiteError> {
        let start = local(cal, "starts_at", input.starts_at)?;
        let end = local(cal, "ends_at", input.ends_at)?;
        if start <= now {
            return Err(field(
                "starts_at",
                "reason-must-be-in-the-future",
                Args::new(),
            ));
        }
        let horizon = rules.on(cal.local_date(now)).respite.booking_horizon_days;
        if start > now + Duration::days(horizon) {
            return Err(field(
                "starts_at",
                "reason-too-far-ahead-time",
                Args::new().with("count", Arg::Count(horizon)),
            ));
        }
        let in_force = rules.on(cal.local_date(start));
        let minutes = span(start, end, "ends_at", in_force.respite.max_visit_minutes)?;
        let care_needs = households::distinct_care_needs(input.care_needs)?;
        let notes = if input.notes.trim().is_empty() {
            String::new()
        } else {
            text::multiline(&input.notes, MAX_NOTES).map_err(|e| FieldError::text("notes", e))?
        };
        Ok(NewVisit {
            station_id: input.station_id,
            start,
            end,
            booked: billable(minutes, in_force),
            care_needs,
            notes,
        })
    }
}

/// A guardian asks for a visit: the minutes are held on the fiscal year of its start, or the
/// request is refused saying how many minutes remain. Two requests racing for the last hours
/// cannot both win (the hold is one conditional update of the balance), and a child cannot
/// be booked twice for the same time (the child is locked while the overlap is checked).
pub async fn request(
    ctx: &Context<'_>,
    actor: &Actor,
    requested_by: Uuid,
    now: DateTime<Utc>,
    household_id: Uuid,
    child_id: Uuid,
    visit: NewVisit,
) -> Result<Visit, RespiteError> {
    let (rules, cal) = (ctx.rules.clone(), ctx.calendar);
    db::write(ctx.db, |tx| {
        let (rules, cal, actor, visit) = (rules.clone(), cal, actor.clone(), visit.clone());
        Box::pin(async move {
            if partners::active_of_kinds(tx, visit.station_id, &STATION_KINDS)
                .await?
                .is_none()
            {
                return Err(field(
                    "station_id",
                    "reason-is-not-a-contracted-respite-station",
                    Args::new(),
                ));
            }
            households::lock_child(tx, child_id).await?;
            refuse_overlap(tx, child_id, None, visit.start, visit.end).await?;
            // The program's settings and the person's conditions on the visit's day.
            let day = cal.local_date(visit.start);
            let program = rules.on(day).respite.id;
            let account =
                allowances::account_for(tx, &rules, &cal, child_id, program, visit.start, now)
                    .await?;
            crate::enrollments::check_use(tx, rules.on(day), child_id, program, day)
                .await?
                .map_err(RespiteError::Ineligible)?;
            let id = Uuid::new_v4();
            allowances::post(
                tx,
                account.id,
                EntryKind::Hold,
                visit.booked,
                &actor,
                now,
                Refs {
                    reason: Some("respite visit requested"),
                    ..Default::default()
                },
            )
            .await?;
            let model = respite_visit::ActiveModel {
                id: Set(id),
                child_id: Set(child_id),
                household_id: Set(household_id),
                station_id: Set(visit.station_id),
                account_id: Set(account.id),
                fiscal_year: Set(account.period.clone()),
                scheduled_start: Set(to_micros(visit.start)),
                scheduled_end: Set(to_micros(visit.end)),
                booked_minutes: Set(visit.booked),
                care_needs: Set(
                    serde_json::to_string(&visit.care_needs).unwrap_or_else(|_| "[]".into())
                ),
                notes: Set(visit.notes.clone()),
                status: Set(VisitStatus::Requested.as_str().into()),
                actual_start: Set(None),
                actual_end: Set(None),
                used_minutes: Set(None),
                exception_minutes: Set(None),
                decline_reason: Set(None),
                decided_at: Set(None),
                cancelled_at: Set(None),
                completed_at: Set(None),
                requested_by: Set(requested_by),
                created_at: Set(to_micros(now)),
                updated_at: Set(to_micros(now)),
                used_account_id: Set(None),
                exception_reason: Set(None),
                dispute_until: Set(None),
                disputed_at: Set(None),
                dispute_reason: Set(None),
                claimed_start: Set(None),
                claimed_end: Set(None),
                disputed_minutes: Set(None),
                dispute_decision: Set(None),
                dispute_decided_by: Set(None),
                dispute_decided_at: Set(None),
                dispute_decision_reason: Set(None),
            };
            respite_visit::Entity::insert(model)
                .exec_without_returning(tx)
                .await?;
            let created = get(tx, id).await?;
            let event = visit_event(
                tx,
                &cal,
                crate::notifications::EventKind::RespiteRequested,
                Recipient::Partner(visit.station_id),
                &created,
            )
            .await?;
            notify(tx, now, event).await?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::RespiteRequested,
                    children: vec![child_id],
                    object_type: "respite_visit",
                    object_id: Some(id),
                    before: None,
                    after: snapshot(&created),
                },
            )
            .await?;
            Ok(created)
        })
    })
    .await
}
