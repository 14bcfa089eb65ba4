//! Staff change a session (its title, times, capacities) or call it off. The families booked
//! are told: a change of title or times, or the cancellation with its reason. Capacities never
//! drop below what is booked, larger ones promote the waiting list, and a cancelled session
//! releases every place and takes no more bookings.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::{
    BookingStatus, PlayError, Session, SessionEvent, SessionInput, check, lock_session, promote,
};
use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::clock::{Calendar, from_micros, to_micros};
use crate::db;
use crate::entity::{play_booking, play_booking_child, play_session};
use crate::notifications::{Event, EventKind, Recipient, Words, notify};
use crate::text::{self, FieldError};

/// The session, locked for the rest of the transaction, if staff may still change it.
async fn changeable(
    tx: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<play_session::Model, PlayError> {
    lock_session(tx, id).await?;
    let s = play_session::Entity::find_by_id(id)
        .one(tx)
        .await?
        .ok_or(PlayError::SessionNotFound)?;
    if s.cancelled_at.is_some() {
        return Err(PlayError::SessionCancelled);
    }
    if to_micros(now) >= s.starts_at {
        return Err(PlayError::SessionStarted);
    }
    Ok(s)
}

/// The session's bookings that still hold or wait for places, oldest first.
async fn active_bookings(
    tx: &impl ConnectionTrait,
    session_id: Uuid,
) -> Result<Vec<play_booking::Model>, PlayError> {
    use play_booking::Column as B;
    Ok(play_booking::Entity::find()
        .filter(B::SessionId.eq(session_id))
        .filter(B::Status.ne(BookingStatus::Cancelled.as_str()))
        .order_by_asc(B::CreatedAt)
        .order_by_asc(B::Id)
        .all(tx)
        .await?)
}

/// The children the bookings list (for the audit trail of each).
async fn children_of(
    tx: &impl ConnectionTrait,
    bookings: &[play_booking::Model],
) -> Result<Vec<Uuid>, PlayError> {
    if bookings.is_empty() {
        return Ok(Vec::new());
    }
    Ok(play_booking_child::Entity::find()
        .filter(play_booking_child::Column::BookingId.is_in(bookings.iter().map(|b| b.id)))
        .all(tx)
        .await?
        .into_iter()
        .map(|c| c.child_id)
        .collect())
}

/// Tells each booked family what happened to the session.
async fn tell_families(
    tx: &impl ConnectionTrait,
    cal: &Calendar,
    now: DateTime<Utc>,
    kind: EventKind,
    s: &play_session::Model,
    bookings: &[play_booking::Model],
) -> Result<(), PlayError> {
    for b in bookings {
        let (starts_at, ends_at) = (from_micros(s.starts_at), from_micros(s.ends_at));
        notify(
            tx,
            now,
            Event {
                kind,
                recipient: Recipient::Household(b.household_id),
                subject_type: "play_booking",
                subject_id: b.id,
                data: serde_json::to_value(SessionEvent {
                    session_id: s.id,
                    booking_id: b.id,
                    title: s.title.clone(),
                    starts_at,
                    ends_at,
                    reason: s.cancel_reason.clone(),
                })
                .unwrap_or_default(),
                words: Words::Session {
                    title: s.title.clone(),
                    start: cal.local(starts_at),
                    end: cal.local(ends_at),
                    reason: s.cancel_reason.clone(),
                },
            },
        )
        .await?;
    }
    Ok(())
}

/// The session as it is now, recorded in the audit log under `action` for the children booked.
async fn recorded(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    action: Action,
    before: play_session::Model,
    bookings: &[play_booking::Model],
) -> Result<Session, PlayError> {
    let after = Session::from(
        play_session::Entity::find_by_id(before.id)
            .one(tx)
            .await?
            .ok_or(PlayError::SessionNotFound)?,
    );
    audit::record(
        tx,
        actor,
        now,
        Change {
            action,
            children: children_of(tx, bookings).await?,
            object_type: "play_session",
            object_id: Some(before.id),
            before: snapshot(&Session::from(before)),
            after: snapshot(&after),
        },
    )
    .await?;
    Ok(after)
}

/// Changes a session before it starts (staff). The same checks as publishing; capacities may
/// not drop below what is booked (409 `capacity_below_bookings`).
pub async fn change_session(
    db: &crate::db::Db,
    cal: &Calendar,
    actor: &Actor,
    now: DateTime<Utc>,
    id: Uuid,
    input: SessionInput,
) -> Result<Session, PlayError> {
    let c = check(cal, now, input)?;
    let cal = *cal;
    db::write(db, |tx| {
        let (actor, c) = (actor.clone(), c.clone());
        Box::pin(async move {
            let before = changeable(tx, id, now).await?;
            let ventilator_short = c
                .ventilator_places
                .is_some_and(|v| before.booked_ventilator > v);
            if before.booked_children > c.capacity_children
                || before.booked_adults > c.capacity_adults
                || ventilator_short
            {
                return Err(PlayError::BelowBookings {
                    booked_children: before.booked_children,
                    booked_adults: before.booked_adults,
                    booked_ventilator: before.booked_ventilator,
                });
            }
            let mut row: play_session::ActiveModel = before.clone().into();
            row.title = Set(c.title.clone());
            row.starts_at = Set(to_micros(c.starts));
            row.ends_at = Set(to_micros(c.ends));
            row.capacity_children = Set(c.capacity_children);
            row.capacity_adults = Set(c.capacity_adults);
            row.ventilator_places = Set(c.ventilator_places);
            row.booking_opens_at = Set(to_micros(c.opens));
            row.booking_closes_at = Set(to_micros(c.closes));
            play_session::Entity::update(row).exec(tx).await?;
            let after = play_session::Entity::find_by_id(id)
                .one(tx)
                .await?
                .ok_or(PlayError::SessionNotFound)?;
            // More places: the waiting list moves up, in order.
            promote(tx, &after, &cal, now).await?;
            let bookings = active_bookings(tx, id).await?;
            let told = before.title != after.title
                || before.starts_at != after.starts_at
                || before.ends_at != after.ends_at;
            if told {
                tell_families(
                    tx,
                    &cal,
                    now,
                    EventKind::PlaySessionChanged,
                    &after,
                    &bookings,
                )
                .await?;
            }
            recorded(
                tx,
                &actor,
                now,
                Action::PlaySessionChanged,
                before,
                &bookings,
            )
            .await
        })
    })
    .await
}

/// Calls a session off before it starts (staff): every booking is cancelled, its places
/// released, and each family told the reason.
pub async fn cancel_session(
    db: &crate::db::Db,
    cal: &Calendar,
    actor: &Actor,
    now: DateTime<Utc>,
    id: Uuid,
    reason: &str,
) -> Result<Session, PlayError> {
    let reason = text::bounded(reason, 500).map_err(|e| FieldError::text("reason", e))?;
    let cal = *cal;
    db::write(db, |tx| {
        let (actor, reason) = (actor.clone(), reason.clone());
        Box::pin(async move {
            use play_booking::Column as B;
            use play_session::Column as C;
            let before = changeable(tx, id, now).await?;
            let t = to_micros(now);
            play_session::Entity::update_many()
                .col_expr(C::CancelledAt, Expr::value(t))
                .col_expr(C::CancelReason, Expr::value(reason.clone()))
                .col_expr(C::BookedChildren, Expr::value(0i64))
                .col_expr(C::BookedAdults, Expr::value(0i64))
                .col_expr(C::BookedVentilator, Expr::value(0i64))
                .filter(C::Id.eq(id))
                .exec(tx)
                .await?;
            let bookings = active_bookings(tx, id).await?;
            play_booking::Entity::update_many()
                .col_expr(B::Status, Expr::value(BookingStatus::Cancelled.as_str()))
                .col_expr(B::CancelledAt, Expr::value(t))
                .filter(B::SessionId.eq(id))
                .filter(B::Status.ne(BookingStatus::Cancelled.as_str()))
                .exec(tx)
                .await?;
            let after = play_session::Entity::find_by_id(id)
                .one(tx)
                .await?
                .ok_or(PlayError::SessionNotFound)?;
            tell_families(
                tx,
                &cal,
                now,
                EventKind::PlaySessionCancelled,
                &after,
                &bookings,
            )
            .await?;
            recorded(
                tx,
                &actor,
                now,
                Action::PlaySessionCancelled,
                before,
                &bookings,
            )
            .await
        })
    })
    .await
}
