//! The door list: who is coming to a session (staff at the play space read it on the day),
//! each booking with its children's names, readings and care needs.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Booking, BookingStatus, PlayError, bookings_of};
use crate::entity::{play_booking, play_session};
use crate::households::{self, CareNeed};

/// A child on the door list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PlayDoorChild)]
pub struct DoorChild {
    pub id: Uuid,
    /// 「品川 さくら」.
    pub name: String,
    /// 「しながわ さくら」.
    pub name_kana: String,
    pub care_needs: Vec<CareNeed>,
}

/// A booking on the door list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = PlayDoorEntry)]
pub struct DoorEntry {
    pub booking: Booking,
    pub children: Vec<DoorChild>,
}

/// The session's bookings that hold or wait for places (confirmed first, each in the order
/// they were made), with the children's names.
pub async fn door_list(
    conn: &impl ConnectionTrait,
    session_id: Uuid,
    limit: u64,
    offset: u64,
) -> Result<Vec<DoorEntry>, PlayError> {
    use play_booking::Column as B;
    play_session::Entity::find_by_id(session_id)
        .one(conn)
        .await?
        .ok_or(PlayError::SessionNotFound)?;
    let rows = play_booking::Entity::find()
        .filter(B::SessionId.eq(session_id))
        .filter(B::Status.ne(BookingStatus::Cancelled.as_str()))
        // `confirmed` sorts before `waiting`.
        .order_by_asc(B::Status)
        .order_by_asc(B::CreatedAt)
        .order_by_asc(B::Id)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?;
    let bookings = bookings_of(conn, rows).await?;
    let ids: Vec<Uuid> = bookings.iter().flat_map(|b| b.child_ids.clone()).collect();
    let children = households::children_by_ids(conn, &ids).await?;
    Ok(bookings
        .into_iter()
        .map(|booking| DoorEntry {
            children: booking
                .child_ids
                .iter()
                .filter_map(|id| children.get(id))
                .map(|c| DoorChild {
                    id: c.id,
                    name: c.full_name(),
                    name_kana: c.kana_name(),
                    care_needs: c.care_needs.clone(),
                })
                .collect(),
            booking,
        })
        .collect())
}
