//! The inclusive play space (⑤ インクルーシブひろばベル): staff publish sessions with capacities
//! in children and accompanying adults (and optionally places for children on ventilators,
//! who need a nurse nearby); guardians book for their children and companions; a full session
//! puts the booking on the waiting list; a cancellation before the cut-off frees the places
//! and promotes the oldest waiting bookings that fit, whose families are notified. Each
//! booking has a signed QR code (the vouchers' mechanism) scanned once at the door.
//!
//! Capacities are never exceeded: places are taken by one conditional update of the session's
//! counts (and a CHECK constraint), so concurrent bookings cannot overbook.

mod change;
mod door;
pub mod stats;

pub use change::{cancel_session, change_session};
pub use door::{DoorEntry, door_list};

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Action, Actor, Change, snapshot};
use crate::clock::{Calendar, from_micros, to_micros};
use crate::config::{OneProgram, PlaySpaceRules};
use crate::db;
use crate::enrollments::{self, Program};
use crate::entity::{play_booking, play_booking_child, play_session};
use crate::households::{self, CareNeed};
use crate::messages::Args;
use crate::notifications::{Event, Recipient, notify};
use crate::signed_codes::keys::KeyRing;
use crate::signed_codes::token::{self, Claims};
use crate::text::{self, FieldError};

/// Most companions one booking may bring.
pub const MAX_COMPANIONS: i64 = 10;
/// Most children one booking may list.
pub const MAX_CHILDREN: usize = 10;

#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(derive(strum::EnumIter))]
pub enum PlayError {
    #[error("session not found")]
    SessionNotFound,
    #[error("the session was cancelled")]
    SessionCancelled,
    #[error("the session has started")]
    SessionStarted,
    #[error("fewer places than are booked")]
    BelowBookings {
        booked_children: i64,
        booked_adults: i64,
        booked_ventilator: i64,
    },
    #[error("booking not found")]
    BookingNotFound,
    #[error("bookings for this session are not open")]
    BookingClosed,
    #[error("the session is full")]
    Full,
    #[error("a child already has a booking for this session")]
    AlreadyBooked,
    #[error("the cancellation deadline has passed")]
    CutOffPassed,
    #[error("the booking is {0}")]
    NotConfirmed(BookingStatus),
    #[error("the booking has already been checked in")]
    AlreadyCheckedIn,
    #[error("this session is not open for entry now")]
    NotNow,
    #[error("not a play-space booking code")]
    NotABookingCode,
    #[error("a child is not enrolled in the play space on the session's date")]
    NotEnrolled { child_id: Uuid },
    #[error("a child does not meet the program's conditions: {0:?}")]
    Ineligible(crate::enrollments::Unmet),
    #[error(transparent)]
    InvalidField(#[from] FieldError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl crate::db::FromDb for PlayError {
    fn as_db(&self) -> Option<&DbErr> {
        match self {
            PlayError::Db(e) => Some(e),
            _ => None,
        }
    }
}

impl From<households::HouseholdError> for PlayError {
    fn from(e: households::HouseholdError) -> Self {
        match e {
            households::HouseholdError::Db(d) => PlayError::Db(d),
            households::HouseholdError::InvalidField(f) => PlayError::InvalidField(f),
            _ => PlayError::InvalidField(FieldError::said(
                "child_ids",
                "reason-lists-a-child-who-is-not",
                Args::new(),
            )),
        }
    }
}

/// A session as everyone sees it, with the places left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = PlaySession)]
pub struct Session {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity_children: i64,
    pub capacity_adults: i64,
    /// Places for children on ventilators, when limited separately.
    pub ventilator_places: Option<i64>,
    pub booking_opens_at: DateTime<Utc>,
    /// Also the cancellation deadline.
    pub booking_closes_at: DateTime<Utc>,
    pub children_left: i64,
    pub adults_left: i64,
    pub ventilator_places_left: Option<i64>,
    /// When staff called the session off; it takes no bookings.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why, as the families were told.
    pub cancel_reason: Option<String>,
}

impl From<play_session::Model> for Session {
    fn from(m: play_session::Model) -> Self {
        Session {
            id: m.id,
            title: m.title,
            starts_at: from_micros(m.starts_at),
            ends_at: from_micros(m.ends_at),
            capacity_children: m.capacity_children,
            capacity_adults: m.capacity_adults,
            ventilator_places: m.ventilator_places,
            booking_opens_at: from_micros(m.booking_opens_at),
            booking_closes_at: from_micros(m.booking_closes_at),
            children_left: m.capacity_children - m.booked_children,
            adults_left: m.capacity_adults - m.booked_adults,
            ventilator_places_left: m.ventilator_places.map(|v| v - m.booked_ventilator),
            cancelled_at: m.cancelled_at.map(from_micros),
            cancel_reason: m.cancel_reason,
        }
    }
}

/// A session staff publish, as received (ward-local times).
#[derive(Debug, Clone)]
pub struct SessionInput {
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub capacity_children: i64,
    pub capacity_adults: i64,
    pub ventilator_places: Option<i64>,
    pub booking_opens_at: Option<NaiveDateTime>,
    pub booking_closes_at: Option<NaiveDateTime>,
}

fn field(name: &'static str, id: &str, args: Args) -> PlayError {
    PlayError::InvalidField(FieldError::said(name, id, args))
}

fn local(cal: &Calendar, name: &'static str, t: NaiveDateTime) -> Result<DateTime<Utc>, PlayError> {
    cal.at_local(t)
        .ok_or_else(|| field(name, "reason-is-not-a-valid-local-time", Args::new()))
}

/// A session's details once checked, as instants.
#[derive(Debug, Clone)]
struct Checked {
    title: String,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    capacity_children: i64,
    capacity_adults: i64,
    ventilator_places: Option<i64>,
    opens: DateTime<Utc>,
    closes: DateTime<Utc>,
}

/// Checks a session's details (publishing or changing one): a title, a future start, an end
/// within 12 hours, capacities within bounds, and a booking window that closes by the start.
fn check(cal: &Calendar, now: DateTime<Utc>, input: SessionInput) -> Result<Checked, PlayError> {
    let title = text::bounded(&input.title, 100).map_err(|e| FieldError::text("title", e))?;
    let starts = local(cal, "starts_at", input.starts_at)?;
    let ends = local(cal, "ends_at", input.ends_at)?;
    if ends <= starts || ends - starts > chrono::Duration::hours(12) {
        return Err(field(
            "ends_at",
            "reason-must-be-after-the-start-within",
            Args::new(),
        ));
    }
    if starts <= now {
        return Err(field(
            "starts_at",
            "reason-must-be-in-the-future-2",
            Args::new(),
        ));
    }
    for (name, v) in [
        ("capacity_children", Some(input.capacity_children)),
        ("capacity_adults", Some(input.capacity_adults)),
        ("ventilator_places", input.ventilator_places),
    ] {
        if let Some(v) = v
            && !(0..=1000).contains(&v)
        {
            return Err(field(
                name,
                "reason-must-be-between-0-and-1000",
                Args::new(),
            ));
        }
    }
    if input.capacity_children == 0 {
        return Err(field(
            "capacity_children",
            "reason-must-be-at-least-1",
            Args::new(),
        ));
    }
    let opens = match input.booking_opens_at {
        Some(t) => local(cal, "booking_opens_at", t)?,
        None => now,
    };
    let closes = match input.booking_closes_at {
        Some(t) => local(cal, "booking_closes_at", t)?,
        None => starts,
    };
    if closes <= opens || closes > starts {
        return Err(field(
            "booking_closes_at",
            "reason-must-be-after-bookings-open-and",
            Args::new(),
        ));
    }
    Ok(Checked {
        title,
        starts,
        ends,
        capacity_children: input.capacity_children,
        capacity_adults: input.capacity_adults,
        ventilator_places: input.ventilator_places,
        opens,
        closes,
    })
}

/// Publishes a session (staff).
pub async fn publish(
    db: &crate::db::Db,
    cal: &Calendar,
    actor: &Actor,
    now: DateTime<Utc>,
    input: SessionInput,
) -> Result<Session, PlayError> {
    let c = check(cal, now, input)?;
    let id = Uuid::new_v4();
    let model = play_session::ActiveModel {
        id: Set(id),
        title: Set(c.title),
        starts_at: Set(to_micros(c.starts)),
        ends_at: Set(to_micros(c.ends)),
        capacity_children: Set(c.capacity_children),
        capacity_adults: Set(c.capacity_adults),
        ventilator_places: Set(c.ventilator_places),
        booking_opens_at: Set(to_micros(c.opens)),
        booking_closes_at: Set(to_micros(c.closes)),
        booked_children: Set(0),
        booked_adults: Set(0),
        booked_ventilator: Set(0),
        created_by: Set(actor.id),
        created_at: Set(to_micros(now)),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
    };
    db::write(db, |tx| {
        let (actor, model) = (actor.clone(), model.clone());
        Box::pin(async move {
            play_session::Entity::insert(model)
                .exec_without_returning(tx)
                .await?;
            let s = session(tx, id).await?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::PlaySessionPublished,
                    children: Vec::new(),
                    object_type: "play_session",
                    object_id: Some(id),
                    before: None,
                    after: snapshot(&s),
                },
            )
            .await?;
            Ok(s)
        })
    })
    .await
}

pub async fn session(conn: &impl ConnectionTrait, id: Uuid) -> Result<Session, PlayError> {
    play_session::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Session::from)
        .ok_or(PlayError::SessionNotFound)
}

/// Sessions that have not ended, soonest first.
pub async fn upcoming(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Session>, DbErr> {
    Ok(play_session::Entity::find()
        .filter(play_session::Column::EndsAt.gt(to_micros(now)))
        .order_by_asc(play_session::Column::StartsAt)
        .order_by_asc(play_session::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(Session::from)
        .collect())
}

/// Where a booking is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = PlayBookingStatus)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Places are held.
    Confirmed,
    /// On the waiting list; promoted in order when places free up.
    Waiting,
    Cancelled,
}

impl std::fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Waiting => "waiting",
            BookingStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Option<BookingStatus> {
        [
            BookingStatus::Confirmed,
            BookingStatus::Waiting,
            BookingStatus::Cancelled,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }
}

/// A booking as its family and staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = PlayBooking)]
pub struct Booking {
    pub id: Uuid,
    pub session_id: Uuid,
    pub status: BookingStatus,
    pub child_ids: Vec<Uuid>,
    pub children: i64,
    /// Accompanying adults.
    pub adults: i64,
    pub ventilator_children: i64,
    pub created_at: DateTime<Utc>,
    pub promoted_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

async fn booking_of(conn: &impl ConnectionTrait, m: play_booking::Model) -> Result<Booking, DbErr> {
    let mut one = bookings_of(conn, vec![m]).await?;
    one.pop()
        .ok_or_else(|| DbErr::RecordNotFound("play booking".into()))
}

/// Bookings with their children, read with one query for the whole page.
async fn bookings_of(
    conn: &impl ConnectionTrait,
    rows: Vec<play_booking::Model>,
) -> Result<Vec<Booking>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let mut children: std::collections::HashMap<Uuid, Vec<Uuid>> = Default::default();
    if !ids.is_empty() {
        for c in play_booking_child::Entity::find()
            .filter(play_booking_child::Column::BookingId.is_in(ids))
            .all(conn)
            .await?
        {
            children.entry(c.booking_id).or_default().push(c.child_id);
        }
    }
    rows.into_iter()
        .map(|m| {
            Ok(Booking {
                id: m.id,
                session_id: m.session_id,
                status: BookingStatus::parse(&m.status)
                    .ok_or_else(|| DbErr::Custom(format!("unknown booking status {}", m.status)))?,
                child_ids: children.remove(&m.id).unwrap_or_default(),
                children: m.children,
                adults: m.adults,
                ventilator_children: m.ventilator_children,
                created_at: from_micros(m.created_at),
                promoted_at: m.promoted_at.map(from_micros),
                cancelled_at: m.cancelled_at.map(from_micros),
                checked_in_at: m.checked_in_at.map(from_micros),
            })
        })
        .collect()
}

/// Holds the session's row lock until the transaction ends (a no-op update, portable to both
/// engines): bookings, their cancellation and staff's changes to the session run one at a time
/// per session, so none acts on a session another has just changed or called off.
async fn lock_session(tx: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    use play_session::Column as C;
    play_session::Entity::update_many()
        .col_expr(C::Title, Expr::col(C::Title))
        .filter(C::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Takes places on the session if they are all free: one conditional update.
async fn take_places(
    tx: &impl ConnectionTrait,
    session_id: Uuid,
    children: i64,
    adults: i64,
    ventilator: i64,
) -> Result<bool, DbErr> {
    use play_session::Column as C;
    let ventilator_fits = Condition::any().add(C::VentilatorPlaces.is_null()).add(
        Expr::col(C::BookedVentilator)
            .add(ventilator)
            .lte(Expr::col(C::VentilatorPlaces)),
    );
    let changed = play_session::Entity::update_many()
        .col_expr(
            C::BookedChildren,
            Expr::col(C::BookedChildren).add(children),
        )
        .col_expr(C::BookedAdults, Expr::col(C::BookedAdults).add(adults))
        .col_expr(
            C::BookedVentilator,
            Expr::col(C::BookedVentilator).add(ventilator),
        )
        .filter(C::Id.eq(session_id))
        .filter(
            Expr::col(C::BookedChildren)
                .add(children)
                .lte(Expr::col(C::CapacityChildren)),
        )
        .filter(
            Expr::col(C::BookedAdults)
                .add(adults)
                .lte(Expr::col(C::CapacityAdults)),
        )
        .filter(ventilator_fits)
        .exec(tx)
        .await?
        .rows_affected;
    Ok(changed == 1)
}

async fn give_back(tx: &impl ConnectionTrait, b: &play_booking::Model) -> Result<(), DbErr> {
    use play_session::Column as C;
    play_session::Entity::update_many()
        .col_expr(
            C::BookedChildren,
            Expr::col(C::BookedChildren).sub(b.children),
        )
        .col_expr(C::BookedAdults, Expr::col(C::BookedAdults).sub(b.adults))
        .col_expr(
            C::BookedVentilator,
            Expr::col(C::BookedVentilator).sub(b.ventilator_children),
        )
        .filter(C::Id.eq(b.session_id))
        .exec(tx)
        .await?;
    Ok(())
}

/// What a guardian books.
#[derive(Debug, Clone)]
pub struct BookingInput {
    pub child_ids: Vec<Uuid>,
    pub companions: i64,
    /// Join the waiting list when full (otherwise a full session is refused).
    pub waitlist: bool,
}

/// What booking needs besides the request.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub db: &'a crate::db::Db,
    /// Every program's settings, as in force today (the conditions of each child's use).
    pub programs: &'a std::sync::Arc<crate::config::RuleBook>,
    pub rules: &'a OneProgram<PlaySpaceRules>,
    pub calendar: Calendar,
}

/// A guardian books a session for some of their children and companions: confirmed when the
/// places are free, otherwise on the waiting list (or refused if the family did not want it).
/// Each child needs an approved play-space enrollment valid on the session's date, unless the
/// configuration opens the play space to every registered household.
pub async fn book(
    ctx: &Context<'_>,
    actor: &Actor,
    booked_by: Uuid,
    now: DateTime<Utc>,
    household_id: Uuid,
    session_id: Uuid,
    input: BookingInput,
) -> Result<Booking, PlayError> {
    let mut child_ids = input.child_ids.clone();
    child_ids.sort();
    child_ids.dedup();
    if child_ids.is_empty()
        || child_ids.len() != input.child_ids.len()
        || child_ids.len() > MAX_CHILDREN
    {
        return Err(field(
            "child_ids",
            "reason-lists-1-to-10-different-children",
            Args::new(),
        ));
    }
    if !(0..=MAX_COMPANIONS).contains(&input.companions) {
        return Err(field(
            "companions",
            "reason-must-be-between-0-and-10",
            Args::new(),
        ));
    }
    let (open_to_all, cal) = (ctx.rules.open_to_all_households, ctx.calendar);
    let program = ctx.rules.id;
    let programs = ctx.programs;
    db::write(ctx.db, |tx| {
        let (actor, child_ids, input) = (actor.clone(), child_ids.clone(), input.clone());
        let programs = programs.clone();
        Box::pin(async move {
            lock_session(tx, session_id).await?;
            let s = play_session::Entity::find_by_id(session_id)
                .one(tx)
                .await?
                .ok_or(PlayError::SessionNotFound)?;
            if s.cancelled_at.is_some() {
                return Err(PlayError::SessionCancelled);
            }
            let t = to_micros(now);
            if t < s.booking_opens_at || t >= s.booking_closes_at {
                return Err(PlayError::BookingClosed);
            }
            let day = cal.local_date(from_micros(s.starts_at));
            let mut ventilator = 0;
            for c in &child_ids {
                let child = households::child_of_household(tx, household_id, *c).await?;
                if !open_to_all && !enrollments::is_enrolled(tx, *c, program, day).await? {
                    return Err(PlayError::NotEnrolled { child_id: *c });
                }
                enrollments::check_use(tx, programs.on(day), *c, program, day)
                    .await?
                    .map_err(PlayError::Ineligible)?;
                if child.care_needs.contains(&CareNeed::Ventilator) {
                    ventilator += 1;
                }
            }
            let children = child_ids.len() as i64;
            // Time-ordered ids break ties between bookings made in the same instant, so the
            // waiting list keeps the order in which families asked.
            let id = Uuid::now_v7();
            let confirmed =
                take_places(tx, session_id, children, input.companions, ventilator).await?;
            if !confirmed && !input.waitlist {
                return Err(PlayError::Full);
            }
            let status = if confirmed {
                BookingStatus::Confirmed
            } else {
                BookingStatus::Waiting
            };
            play_booking::Entity::insert(play_booking::ActiveModel {
                id: Set(id),
                session_id: Set(session_id),
                household_id: Set(household_id),
                status: Set(status.as_str().into()),
                children: Set(children),
                adults: Set(input.companions),
                ventilator_children: Set(ventilator),
                created_at: Set(t),
                promoted_at: Set(None),
                cancelled_at: Set(None),
                checked_in_at: Set(None),
                booked_by: Set(booked_by),
            })
            .exec_without_returning(tx)
            .await?;
            for c in &child_ids {
                let inserted =
                    play_booking_child::Entity::insert(play_booking_child::ActiveModel {
                        booking_id: Set(id),
                        session_id: Set(session_id),
                        child_id: Set(*c),
                    })
                    .exec_without_returning(tx)
                    .await;
                match inserted {
                    Ok(_) => {}
                    Err(e) if db::is_unique_violation(&e) => return Err(PlayError::AlreadyBooked),
                    Err(e) => return Err(e.into()),
                }
            }
            let m = play_booking::Entity::find_by_id(id)
                .one(tx)
                .await?
                .ok_or(PlayError::BookingNotFound)?;
            let b = booking_of(tx, m).await?;
            audit::record(
                tx,
                &actor,
                now,
                Change {
                    action: Action::PlayBookingCreated,
                    children: b.child_ids.clone(),
                    object_type: "play_booking",
                    object_id: Some(id),
                    before: None,
                    after: snapshot(&b),
                },
            )
            .await?;
            Ok(b)
        })
    })
    .await
}

/// A household's bookings, newest first.
pub async fn bookings_of_household(
    conn: &impl ConnectionTrait,
    household_id: Uuid,
    limit: u64,
    offset: u64,
) -> Result<Vec<Booking>, DbErr> {
    let rows = play_booking::Entity::find()
        .filter(play_booking::Column::HouseholdId.eq(household_id))
        .order_by_desc(play_booking::Column::CreatedAt)
        .order_by_desc(play_booking::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?;
    bookings_of(conn, rows).await
}

/// The bookings that list a child, newest first (the child's page).
pub async fn bookings_of_child(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    limit: u64,
) -> Result<Vec<Booking>, DbErr> {
    let rows = play_booking::Entity::find()
        .filter(
            play_booking::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(play_booking_child::Column::BookingId)
                    .from(play_booking_child::Entity)
                    .and_where(play_booking_child::Column::ChildId.eq(child_id))
                    .to_owned(),
            ),
        )
        .order_by_desc(play_booking::Column::CreatedAt)
        .order_by_desc(play_booking::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    bookings_of(conn, rows).await
}

/// A household's booking; another household's is not found.
pub async fn booking_of_household(
    conn: &impl ConnectionTrait,
    household_id: Uuid,
    id: Uuid,
) -> Result<Booking, PlayError> {
    match play_booking::Entity::find_by_id(id).one(conn).await? {
        Some(m) if m.household_id == household_id => Ok(booking_of(conn, m).await?),
        _ => Err(PlayError::BookingNotFound),
    }
}

/// Cancels a booking before the cut-off; freed places go to the oldest waiting bookings that
/// fit (never once the session has started), whose families are notified.
pub async fn cancel(
    db: &crate::db::Db,
    actor: &Actor,
    cal: &Calendar,
    now: DateTime<Utc>,
    household_id: Uuid,
    id: Uuid,
) -> Result<Booking, PlayError> {
    let cal = *cal;
    db::write(db, |tx| {
        let actor = actor.clone();
        Box::pin(async move {
            use play_booking::Column as B;
            let before = match play_booking::Entity::find_by_id(id).one(tx).await? {
                Some(m) if m.household_id == household_id => m,
                _ => return Err(PlayError::BookingNotFound),
            };
            let s = play_session::Entity::find_by_id(before.session_id)
                .one(tx)
                .await?
                .ok_or(PlayError::SessionNotFound)?;
            let t = to_micros(now);
            if t >= s.booking_closes_at {
                return Err(PlayError::CutOffPassed);
            }
            let changed = play_booking::Entity::update_many()
                .col_expr(B::Status, Expr::value(BookingStatus::Cancelled.as_str()))
                .col_expr(B::CancelledAt, Expr::value(t))
                .filter(B::Id.eq(id))
                .filter(B::Status.ne(BookingStatus::Cancelled.as_str()))
                .exec(tx)
                .await?
                .rows_affected;
            if changed != 1 {
                return Err(PlayError::NotConfirmed(BookingStatus::Cancelled));
            }
            // The children are free to book this session again.
            play_booking_child::Entity::delete_many()
                .filter(play_booking_child::Column::BookingId.eq(id))
                .exec(tx)
                .await?;
            if before.status == BookingStatus::Confirmed.as_str() {
                give_back(tx, &before).await?;
                if t < s.starts_at {
                    promote(tx, &s, &cal, now).await?;
                }
            }
            recorded(tx, &actor, now, Action::PlayBookingCancelled, id).await
        })
    })
    .await
}

/// The booking as it is now, recorded in the audit log under `action`.
async fn recorded(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
    action: Action,
    id: Uuid,
) -> Result<Booking, PlayError> {
    let m = play_booking::Entity::find_by_id(id)
        .one(tx)
        .await?
        .ok_or(PlayError::BookingNotFound)?;
    let after = booking_of(tx, m).await?;
    audit::record(
        tx,
        actor,
        now,
        Change {
            action,
            children: after.child_ids.clone(),
            object_type: "play_booking",
            object_id: Some(id),
            before: None,
            after: snapshot(&after),
        },
    )
    .await?;
    Ok(after)
}

/// Promotes waiting bookings in the order they were made, each that fits the freed places.
async fn promote(
    tx: &impl ConnectionTrait,
    s: &play_session::Model,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use play_booking::Column as B;
    let waiting = play_booking::Entity::find()
        .filter(B::SessionId.eq(s.id))
        .filter(B::Status.eq(BookingStatus::Waiting.as_str()))
        .order_by_asc(B::CreatedAt)
        .order_by_asc(B::Id)
        .all(tx)
        .await?;
    for w in waiting {
        if !take_places(tx, s.id, w.children, w.adults, w.ventilator_children).await? {
            continue;
        }
        play_booking::Entity::update_many()
            .col_expr(B::Status, Expr::value(BookingStatus::Confirmed.as_str()))
            .col_expr(B::PromotedAt, Expr::value(to_micros(now)))
            .filter(B::Id.eq(w.id))
            .exec(tx)
            .await?;
        notify(
            tx,
            now,
            Event {
                kind: crate::notifications::EventKind::PlayBookingPromoted,
                recipient: Recipient::Household(w.household_id),
                subject_type: "play_booking",
                subject_id: w.id,
                data: serde_json::to_value(PromotedEvent {
                    session_id: s.id,
                    title: s.title.clone(),
                    starts_at: from_micros(s.starts_at),
                    children: w.children,
                    adults: w.adults,
                })
                .unwrap_or_default(),
                words: crate::notifications::Words::Promoted {
                    title: s.title.clone(),
                    start: cal.local(from_micros(s.starts_at)),
                },
            },
        )
        .await?;
    }
    Ok(())
}

/// The booking's entry code: the signed-code format, marked for the play space and bound to
/// the household, valid for the configured hours and never past the session's end. Only a
/// confirmed booking has one.
pub async fn entry_code(
    conn: &impl ConnectionTrait,
    keys: &KeyRing,
    rules: &OneProgram<PlaySpaceRules>,
    now: DateTime<Utc>,
    household_id: Uuid,
    id: Uuid,
) -> Result<(String, DateTime<Utc>), PlayError> {
    let b = booking_of_household(conn, household_id, id).await?;
    if b.status != BookingStatus::Confirmed {
        return Err(PlayError::NotConfirmed(b.status));
    }
    let s = play_session::Entity::find_by_id(b.session_id)
        .one(conn)
        .await?
        .ok_or(PlayError::SessionNotFound)?;
    let shown_for = now + chrono::Duration::hours(rules.entry_code_ttl_hours);
    let expires_at = Ord::min(from_micros(s.ends_at), shown_for);
    // Whole seconds, as the code carries them.
    let expires_at =
        DateTime::<Utc>::from_timestamp(expires_at.timestamp(), 0).unwrap_or(expires_at);
    let (_, input, signature) = keys
        .sign_with(|kid| {
            token::signing_input(&Claims {
                kid: kid.to_owned(),
                subject_id: id,
                program: rules.id,
                expires_at,
                binding: token::binding(id, household_id),
            })
        })
        .ok_or_else(|| DbErr::Custom("no signing key".into()))?;
    Ok((token::assemble(&input, &signature), expires_at))
}

/// The operator scans a booking's code at the door: checked in once, from an hour before the
/// session starts until it ends.
pub async fn check_in(
    db: &crate::db::Db,
    keys: &KeyRing,
    actor: &Actor,
    now: DateTime<Utc>,
    program: Program,
    code: &str,
) -> Result<Booking, PlayError> {
    let claims = crate::signed_codes::check(db, keys, code, now)
        .await
        .map_err(|_| PlayError::NotABookingCode)?;
    if claims.program != program {
        return Err(PlayError::NotABookingCode);
    }
    let id = claims.subject_id;
    db::write(db, |tx| {
        let actor = actor.clone();
        Box::pin(async move {
            use play_booking::Column as B;
            let b = play_booking::Entity::find_by_id(id)
                .one(tx)
                .await?
                .ok_or(PlayError::NotABookingCode)?;
            // The code must name this booking's household, and cannot outlive its session.
            if token::binding(b.id, b.household_id) != claims.binding {
                return Err(PlayError::NotABookingCode);
            }
            let s = play_session::Entity::find_by_id(b.session_id)
                .one(tx)
                .await?
                .ok_or(PlayError::SessionNotFound)?;
            let t = to_micros(now);
            if t < s.starts_at - 3_600_000_000 || t >= s.ends_at {
                return Err(PlayError::NotNow);
            }
            if b.status != BookingStatus::Confirmed.as_str() {
                return Err(PlayError::NotConfirmed(
                    BookingStatus::parse(&b.status).unwrap_or(BookingStatus::Cancelled),
                ));
            }
            let changed = play_booking::Entity::update_many()
                .col_expr(B::CheckedInAt, Expr::value(t))
                .filter(B::Id.eq(id))
                .filter(B::Status.eq(BookingStatus::Confirmed.as_str()))
                .filter(B::CheckedInAt.is_null())
                .exec(tx)
                .await?
                .rows_affected;
            if changed != 1 {
                return Err(PlayError::AlreadyCheckedIn);
            }
            recorded(tx, &actor, now, Action::PlayBookingCheckedIn, id).await
        })
    })
    .await
}

/// What a family is told when a session it booked is changed or called off
/// (`play_session.changed`, `play_session.cancelled`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionEvent {
    pub session_id: Uuid,
    pub booking_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Why it was called off.
    pub reason: Option<String>,
}

/// What a family is told when its waiting booking gets places (`play_booking.promoted`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromotedEvent {
    pub session_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub children: i64,
    pub adults: i64,
}
