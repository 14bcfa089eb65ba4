//! The audit log read as sentences: 「山田 太郎（職員）が品川 さくらさんの福祉タクシーの利用申請を
//! 承認しました」. Each action's sentence is `audit-<action>` in the message catalogue; this module
//! finds the names it needs (who acted, which children, which program, the object's own name)
//! with one read per kind of name for a whole page.

use std::collections::HashMap;
use std::str::FromStr;

use sea_orm::{ConnectionTrait, DbErr};
use serde_json::Value;
use uuid::Uuid;

use crate::audit::{Action, Entry};
use crate::config::{Program, ProgramRules};
use crate::messages::{Arg, Args, Lang, say};
use crate::{auth, households, partners};

/// Names for a page of entries.
pub struct Names {
    accounts: HashMap<Uuid, (String, String)>,
    devices: HashMap<Uuid, (String, String)>,
    children: HashMap<Uuid, String>,
}

impl Names {
    /// Reads the names the entries need.
    pub async fn of(conn: &impl ConnectionTrait, entries: &[Entry]) -> Result<Names, DbErr> {
        let ids_of = |kinds: &[&str]| -> Vec<Uuid> {
            let mut ids: Vec<Uuid> = entries
                .iter()
                .filter(|e| kinds.contains(&e.actor_type.as_str()))
                .filter_map(|e| e.actor_id)
                .collect();
            ids.sort();
            ids.dedup();
            ids
        };
        let accounts = auth::accounts::by_ids(conn, &ids_of(&["guardian", "staff", "admin"]))
            .await?
            .into_iter()
            .map(|a| (a.id, (a.display_name, a.role)))
            .collect();
        let devices = partners::devices_by_ids(conn, &ids_of(&["device"])).await?;
        let mut partner_ids: Vec<Uuid> = devices.iter().map(|d| d.partner_id).collect();
        partner_ids.sort();
        partner_ids.dedup();
        let partner_names: HashMap<Uuid, String> = partners::by_ids(conn, &partner_ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let devices = devices
            .into_iter()
            .map(|d| {
                let partner = partner_names
                    .get(&d.partner_id)
                    .cloned()
                    .unwrap_or_default();
                (d.id, (partner, d.label))
            })
            .collect();
        let mut child_ids: Vec<Uuid> = entries.iter().flat_map(|e| e.children.clone()).collect();
        child_ids.sort();
        child_ids.dedup();
        let children = households::children_by_ids(conn, &child_ids)
            .await?
            .into_iter()
            .map(|(id, c)| (id, c.full_name()))
            .collect();
        Ok(Names {
            accounts,
            devices,
            children,
        })
    }

    /// Who acted, in words: 「山田 太郎（職員）」, 「品川交通（車両 12 号）」, 「システム」.
    fn actor(&self, e: &Entry) -> Arg {
        let account = e.actor_id.and_then(|id| self.accounts.get(&id));
        let device = e.actor_id.and_then(|id| self.devices.get(&id));
        match (e.actor_type.as_str(), account, device) {
            ("guardian", Some((name, _)), _) => {
                named(format!("{name}（保護者）"), format!("{name} (guardian)"))
            }
            ("staff", Some((name, _)), _) => {
                named(format!("{name}（職員）"), format!("{name} (staff)"))
            }
            ("admin", Some((name, _)), _) => named(
                format!("{name}（管理者）"),
                format!("{name} (administrator)"),
            ),
            ("device", _, Some((partner, label))) => named(
                format!("{partner}（{label}）"),
                format!("{partner} ({label})"),
            ),
            ("system", _, _) => named("システム".into(), "The system".into()),
            ("anonymous", _, _) => {
                named("ログイン前の利用者".into(), "Someone not signed in".into())
            }
            _ => named("（記録のない利用者）".into(), "(an unknown user)".into()),
        }
    }

    /// The children the entry concerns: 「品川 さくら」, or 「品川 さくらさん、品川 ゆう」 for two.
    fn children(&self, e: &Entry) -> Arg {
        let names: Vec<&str> = e
            .children
            .iter()
            .filter_map(|id| self.children.get(id).map(String::as_str))
            .collect();
        if names.is_empty() {
            return named("（名前の記録なし）".into(), "(no name recorded)".into());
        }
        named(names.join("さん、"), names.join(" and "))
    }
}

fn named(ja: String, en: String) -> Arg {
    Arg::Named { ja, en }
}

/// A value of the object's snapshot (after, else before).
fn snapshot_value<'a>(e: &'a Entry, key: &str) -> Option<&'a Value> {
    [&e.after, &e.before]
        .into_iter()
        .flatten()
        .find_map(|v| v.get(key).filter(|v| !v.is_null()))
}

/// The object's own name as its snapshot records it (a partner's or household's name, a device's
/// label, a session's title, an account's display name, a closed month).
fn object_name(e: &Entry) -> Arg {
    ["name", "label", "title", "display_name", "month"]
        .into_iter()
        .find_map(|key| snapshot_value(e, key).and_then(Value::as_str))
        .map(|s| Arg::Text(s.to_owned()))
        .unwrap_or_else(|| named("（名前の記録なし）".into(), "(no name recorded)".into()))
}

/// The program the entry is about, by the ward's name for it.
fn program(e: &Entry, rules: &ProgramRules) -> Arg {
    let terms = snapshot_value(e, "program")
        .and_then(Value::as_str)
        .and_then(Program::parse)
        .and_then(|p| rules.terms_of(p));
    match terms {
        Some(t) => named(t.name_ja.to_owned(), t.name_en.to_owned()),
        None => named("事業".into(), "programme".into()),
    }
}

/// The entry as a sentence in `lang`; an action this version does not know is shown by its code.
pub fn sentence(e: &Entry, names: &Names, rules: &ProgramRules, lang: Lang) -> String {
    let Ok(action) = Action::from_str(&e.action) else {
        return e.action.clone();
    };
    let args = Args::new()
        .with("actor", names.actor(e))
        .with("child", names.children(e))
        .with("program", program(e, rules))
        .with("object", object_name(e));
    say(&action.message_id(), &args, lang)
}
