//! Need-to-know: what a nurse station or an institution sees of the family behind a piece of
//! work it serves. Before it has taken the work on, enough to decide (initials, age, care needs,
//! the town); while it serves it, and for a configured time after, the child's name, the address
//! and the guardian's phone. Every full view is written to the audit log in the same
//! transaction that reads it.
//!
//! The areas decide the level (whether their visit or stay is served, and when it ends, see
//! [`level`]); this module alone reads the family's details for partners.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CareNeed, Child, Contact};
use crate::audit::{self, Action, Actor, Change};
use crate::db;
use crate::entity::household;

/// How much of a family a partner sees for one visit or stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Enough to decide whether to take the work on: initials, age, care needs, the town.
    Summary,
    /// For the work it serves: also the name, the address and the guardian's phone.
    Full,
}

/// The level for a piece of work: full while the partner `serves` it (an accepted visit, an
/// assigned stay) and until `window` after it `ends`; a summary before and after.
pub fn level(
    serves: bool,
    ends: DateTime<Utc>,
    now: DateTime<Utc>,
    window: chrono::Duration,
) -> Disclosure {
    match ends.checked_add_signed(window) {
        Some(until) if serves && now <= until => Disclosure::Full,
        _ => Disclosure::Summary,
    }
}

/// The person behind a visit or stay, as its partner may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = PersonForPartner, example = json!({
    "disclosure": "full",
    "initials": "し.さ.",
    "age": 7,
    "care_needs": ["ventilator", "suction"],
    "town": "東五反田",
    "name": "品川 さくら",
    "name_kana": "しながわ さくら",
    "address": "東五反田2-1-1 サンプルハイツ101",
    "guardian_phone": "03-1234-5678"
}))]
pub struct PartnerView {
    pub disclosure: Disclosure,
    /// From the kana names, e.g. 「し.さ.」.
    pub initials: String,
    /// Age in whole years on the ward's today.
    pub age: u32,
    pub care_needs: Vec<CareNeed>,
    /// 町名; absent when the ward has not recorded the family's address.
    pub town: Option<String>,
    /// Full name (family, given); only with `full`.
    pub name: Option<String>,
    /// Full name in kana; only with `full`.
    pub name_kana: Option<String>,
    /// The address from the town on; only with `full`, when recorded.
    pub address: Option<String>,
    /// The guardian's phone; only with `full`, when recorded.
    pub guardian_phone: Option<String>,
}

impl PartnerView {
    fn of(child: &Child, contact: Option<&Contact>, level: Disclosure, today: NaiveDate) -> Self {
        let full = level == Disclosure::Full;
        PartnerView {
            disclosure: level,
            initials: child.initials(),
            age: today.years_since(child.birth_date).unwrap_or(0),
            care_needs: child.care_needs.clone(),
            town: contact.map(|c| c.town.clone()),
            name: full.then(|| format!("{} {}", child.family_name, child.given_name)),
            name_kana: full.then(|| child.kana_name()),
            address: contact
                .filter(|_| full)
                .map(|c| format!("{}{}", c.town, c.address)),
            guardian_phone: contact.filter(|_| full).map(|c| c.phone.clone()),
        }
    }
}

/// How a notification names the child: the family hears the name, a partner (a station, an
/// institution) only the initials; its list shows more, as [`level`] allows.
pub async fn name_in_notice(
    conn: &impl ConnectionTrait,
    child_id: Uuid,
    to_family: bool,
) -> Result<String, DbErr> {
    let child = super::find_child(conn, child_id).await?;
    Ok(match child {
        Some(c) if to_family => c.full_name(),
        Some(c) => c.initials(),
        None => String::new(),
    })
}

/// One piece of work whose person a partner asks to see.
#[derive(Debug, Clone, Copy)]
pub struct Subject {
    /// `respite_visit` or `short_stay`: what the partner serves, the reason for the read.
    pub object_type: &'static str,
    pub object_id: Uuid,
    pub child_id: Uuid,
    pub level: Disclosure,
}

/// The persons behind these subjects, by the subject's id, each as far as its level allows.
/// Each full view is recorded (`person.disclosed`, one entry per subject, naming the child and
/// what was shown) in the same transaction as the read, so no full view goes unrecorded.
pub async fn disclose(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
    subjects: &[Subject],
) -> Result<HashMap<Uuid, PartnerView>, DbErr> {
    if !subjects.iter().any(|s| s.level == Disclosure::Full) {
        return views(db, today, subjects).await;
    }
    db::write(db, |tx| {
        let actor = actor.clone();
        let subjects = subjects.to_vec();
        Box::pin(async move {
            let views = views(tx, today, &subjects).await?;
            for s in subjects.iter().filter(|s| s.level == Disclosure::Full) {
                let Some(view) = views.get(&s.object_id) else {
                    continue;
                };
                let mut shown = vec!["name", "name_kana"];
                if view.address.is_some() {
                    shown.extend(["address", "guardian_phone"]);
                }
                audit::record(
                    tx,
                    &actor,
                    now,
                    Change {
                        action: Action::PersonDisclosed,
                        children: vec![s.child_id],
                        object_type: s.object_type,
                        object_id: Some(s.object_id),
                        before: None,
                        after: Some(json!({ "child_id": s.child_id, "shown": shown })),
                    },
                )
                .await?;
            }
            Ok::<_, DbErr>(views)
        })
    })
    .await
}

/// Each item with the person behind it, as [`disclose`] allows (items whose child no longer
/// exists are left out).
pub async fn with_persons<T>(
    db: &crate::db::Db,
    actor: &Actor,
    now: DateTime<Utc>,
    today: NaiveDate,
    items: Vec<T>,
    subject: impl Fn(&T) -> Subject,
) -> Result<Vec<(T, PartnerView)>, DbErr> {
    let subjects: Vec<Subject> = items.iter().map(&subject).collect();
    let mut persons = disclose(db, actor, now, today, &subjects).await?;
    Ok(items
        .into_iter()
        .zip(subjects)
        .filter_map(|(item, s)| Some((item, persons.remove(&s.object_id)?)))
        .collect())
}

async fn views(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    subjects: &[Subject],
) -> Result<HashMap<Uuid, PartnerView>, DbErr> {
    if subjects.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = subjects.iter().map(|s| s.child_id).collect();
    let children = super::children_by_ids(conn, &ids).await?;
    let contacts: HashMap<Uuid, Option<Contact>> = household::Entity::find()
        .filter(household::Column::Id.is_in(children.values().map(|c| c.household_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, Contact::of(&m)))
        .collect();
    Ok(subjects
        .iter()
        .filter_map(|s| {
            let child = children.get(&s.child_id)?;
            let contact = contacts.get(&child.household_id).and_then(Option::as_ref);
            Some((s.object_id, PartnerView::of(child, contact, s.level, today)))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_partner_sees_in_full_only_while_it_serves_and_until_the_window_after_the_end() {
        let end = at("2026-12-10T03:00:00Z");
        let day = chrono::Duration::hours(24);
        assert_eq!(
            level(false, end, at("2026-12-09T00:00:00Z"), day),
            Disclosure::Summary
        );
        assert_eq!(
            level(true, end, at("2026-12-09T00:00:00Z"), day),
            Disclosure::Full
        );
        assert_eq!(
            level(true, end, at("2026-12-11T03:00:00Z"), day),
            Disclosure::Full
        );
        assert_eq!(
            level(true, end, at("2026-12-11T03:00:01Z"), day),
            Disclosure::Summary
        );
    }
}
