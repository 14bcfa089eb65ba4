//! Migrations keep what was written before them: a database of an earlier version upgrades in
//! place, on SQLite and PostgreSQL.

use carepass::config::Config;
use carepass::db;
use carepass::entity::{allowance_account, audit_child, audit_log, child, household, ledger_entry};
use migration::{Alias, Migrator, MigratorTrait, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::{fresh_postgres, postgres_url};

#[tokio::test]
async fn an_older_database_upgrades_keeping_proposals_units_households_corrections_and_audit_trails()
 {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.database.sqlite_path = dir.path().join("old.sqlite");
    config.database.url = match postgres_url() {
        Some(admin) => Some(fresh_postgres(&admin).await),
        None => None,
    };
    let conn = db::connect(&config).await.unwrap();
    // The schema as it stood before proposals kept their unit (migration 17).
    Migrator::up(conn.conn(), Some(16)).await.unwrap();
    let (household_id, child_id) = (Uuid::new_v4(), Uuid::new_v4());
    household::Entity::insert(household::ActiveModel {
        id: Set(household_id),
        name: Set("品川家".into()),
        created_at: Set(0),
        // The contact columns came with migration 18.
        ..Default::default()
    })
    .exec_without_returning(&conn)
    .await
    .unwrap();
    child::Entity::insert(child::ActiveModel {
        id: Set(child_id),
        household_id: Set(household_id),
        family_name: Set("品川".into()),
        given_name: Set("さくら".into()),
        family_name_kana: Set("しながわ".into()),
        given_name_kana: Set("さくら".into()),
        birth_date: Set(chrono::NaiveDate::from_ymd_opt(2019, 5, 12).unwrap()),
        care_needs: Set("[]".into()),
        created_at: Set(0),
        updated_at: Set(0),
    })
    .exec_without_returning(&conn)
    .await
    .unwrap();
    let account_id = Uuid::new_v4();
    allowance_account::Entity::insert(allowance_account::ActiveModel {
        id: Set(account_id),
        child_id: Set(child_id),
        program: Set("care_taxi".into()),
        unit: Set("ticket".into()),
        period: Set("2026-11".into()),
        period_start: Set(0),
        period_end: Set(1),
        // Before migration 20, a correction of +2 was counted in `granted`.
        granted: Set(6),
        balance: Set(6),
        held: Set(0),
        used: Set(0),
        last_movement: Set(0),
        lapsed_at: Set(None),
        created_at: Set(0),
        // `adjusted` came with migration 20.
        ..Default::default()
    })
    .exec_without_returning(&conn)
    .await
    .unwrap();
    for (kind, amount) in [("grant", 4), ("adjustment", 2)] {
        ledger_entry::Entity::insert(ledger_entry::ActiveModel {
            id: Set(Uuid::new_v4()),
            account_id: Set(account_id),
            kind: Set(kind.into()),
            amount: Set(amount),
            voucher_id: Set(None),
            redemption_id: Set(None),
            reason: Set(Some("転院に伴う通院増のため".into())),
            actor_type: Set("staff".into()),
            actor_id: Set(None),
            occurred_at: Set(0),
            ..Default::default()
        })
        .exec_without_returning(&conn)
        .await
        .unwrap();
    }
    let proposal = Uuid::new_v4();
    let insert = Query::insert()
        .into_table(Alias::new("adjustment_proposals"))
        .columns(
            [
                "id",
                "child_id",
                "program",
                "period",
                "amount",
                "reason",
                "status",
                "proposed_by",
                "proposed_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            proposal.into(),
            child_id.into(),
            "care_taxi".into(),
            "2026-11".into(),
            6i64.into(),
            "転院に伴う通院増のため".into(),
            "proposed".into(),
            Uuid::new_v4().into(),
            0i64.into(),
        ])
        .to_owned();
    conn.execute(&insert).await.unwrap();
    // Audit entries from before migration 21 name their object only.
    let mut entries = Vec::new();
    for (action, object_type, object_id) in [
        ("child.created", "child", child_id),
        (
            "allowance.adjustment_proposed",
            "adjustment_proposal",
            proposal,
        ),
        ("partner.created", "partner", Uuid::new_v4()),
    ] {
        let id = Uuid::new_v4();
        entries.push(id);
        audit_log::Entity::insert(audit_log::ActiveModel {
            id: Set(id),
            occurred_at: Set(0),
            actor_type: Set("staff".into()),
            actor_id: Set(None),
            action: Set(action.into()),
            object_type: Set(object_type.into()),
            object_id: Set(Some(object_id)),
            before_json: Set(None),
            after_json: Set(None),
            request_id: Set(None),
        })
        .exec_without_returning(&conn)
        .await
        .unwrap();
    }

    Migrator::up(conn.conn(), None).await.unwrap();
    let row = carepass::entity::adjustment_proposal::Entity::find()
        .filter(carepass::entity::adjustment_proposal::Column::Id.eq(proposal))
        .one(&conn)
        .await
        .unwrap()
        .expect("the proposal survived the upgrade");
    assert_eq!(row.unit, "ticket");
    // Households from before migration 18 have no contact until staff record one.
    let h = household::Entity::find_by_id(household_id)
        .one(&conn)
        .await
        .unwrap()
        .expect("the household survived the upgrade");
    assert_eq!((h.town, h.address, h.phone), (None, None, None));
    // Corrections are split from the grant (migration 20).
    let a = allowance_account::Entity::find_by_id(account_id)
        .one(&conn)
        .await
        .unwrap()
        .expect("the account survived the upgrade");
    assert_eq!((a.granted, a.adjusted, a.balance), (4, 2, 6));
    // The child's trail holds the entries about the child and its proposal, not the partner's.
    let mut linked: Vec<(Uuid, Uuid)> = audit_child::Entity::find()
        .all(&conn)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.audit_id, l.child_id))
        .collect();
    linked.sort();
    let mut expected = vec![(entries[0], child_id), (entries[1], child_id)];
    expected.sort();
    assert_eq!(linked, expected);
}
