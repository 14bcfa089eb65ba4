//! What the service keeps in memory: SQLite's pages are read into each connection's bounded
//! page cache, not mapped into the process, where every connection's mapping of the same page
//! counted in the resident size again (the writer and four readers: 133 MiB under load).

use sea_orm::{ConnectionTrait, DbBackend};

use crate::helpers::{integers, spawn_app};

#[tokio::test]
async fn no_sqlite_connection_maps_the_database_file_into_memory() {
    let app = spawn_app().await;
    if app.db.get_database_backend() != DbBackend::Sqlite {
        // PostgreSQL's pages live in its own server process.
        return;
    }
    for (name, db) in [("writer", &app.db), ("read pool", &app.state.read)] {
        assert_eq!(
            integers(db, "PRAGMA mmap_size").await,
            vec![vec![0]],
            "the {name} maps the database"
        );
        let cache = integers(db, "PRAGMA cache_size").await;
        assert!(
            cache[0][0] < 0 && cache[0][0] >= -16_384,
            "the {name}'s page cache is bounded in KiB, at most 16 MiB: {cache:?}"
        );
    }
}
