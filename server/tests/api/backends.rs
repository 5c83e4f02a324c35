//! Every session backend keeps the same promises, checked on each directly:
//! memory, SQLite, Postgres and Redis (real servers, fresh storage).

use app::{
    domain::Email,
    ssr::{
        db::Db,
        session::now,
        sqlite_reader::SqliteReader,
        store::{SessionBackend, SqlBackend, StoredSession},
        users::Users,
    },
};
use crate::helpers::services::{require, Service};
use crate::helpers::{unique_email, Backend, TestApp};
use server::{config::SessionStoreKind, Stores};
use std::{sync::Arc, time::Duration};

fn session(id_hash: &str, user_id: i64, data: &str, expires_at: i64) -> StoredSession {
    StoredSession {
        id_hash: id_hash.to_owned(),
        user_id: Some(user_id),
        data: data.to_owned(),
        expires_at,
    }
}

async fn live_hashes(backend: &dyn SessionBackend, user_id: i64) -> Vec<String> {
    let mut hashes: Vec<String> = backend
        .for_user(user_id, now())
        .await
        .unwrap()
        .into_iter()
        .map(|(hash, _)| hash)
        .collect();
    hashes.sort();
    hashes
}

/// The promises, on one backend. `ann` and `bob` are user ids.
async fn keeps_the_promises(backend: Arc<dyn SessionBackend>, ann: i64, bob: i64, sql: bool) {
    let b = backend.as_ref();
    let later = now() + 600;
    b.ping().await.unwrap();

    // Insert never overwrites.
    assert!(b
        .insert(&session("a", ann, "{\"n\":1}", later))
        .await
        .unwrap());
    assert!(!b
        .insert(&session("a", bob, "{\"n\":2}", later))
        .await
        .unwrap());
    assert_eq!(
        b.fetch("a", now()).await.unwrap().as_deref(),
        Some("{\"n\":1}")
    );
    assert_eq!(b.fetch("nope", now()).await.unwrap(), None);

    // Update rewrites a live session, and never brings back a removed one
    // (a request racing a logout or a revocation).
    b.update(&session("a", ann, "{\"n\":3}", later))
        .await
        .unwrap();
    assert_eq!(
        b.fetch("a", now()).await.unwrap().as_deref(),
        Some("{\"n\":3}")
    );
    assert!(b.insert(&session("gone", ann, "{}", later)).await.unwrap());
    b.remove("gone").await.unwrap();
    b.update(&session("gone", ann, "{}", later)).await.unwrap();
    assert_eq!(b.fetch("gone", now()).await.unwrap(), None);

    // A session past its deadline is never returned.
    assert!(b
        .insert(&session("short", ann, "{}", now() + 1))
        .await
        .unwrap());
    assert!(b.insert(&session("c", ann, "{}", later)).await.unwrap());
    assert!(b.insert(&session("bob", bob, "{}", later)).await.unwrap());
    assert_eq!(live_hashes(b, ann).await, ["a", "c", "short"]);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(b.fetch("short", now()).await.unwrap(), None);
    assert_eq!(live_hashes(b, ann).await, ["a", "c"]);
    // SQL stores delete dead rows in a sweep; Redis and memory already did
    // or do it here.
    let swept = b.remove_expired(now()).await.unwrap();
    if sql {
        assert_eq!(swept, 1);
    }

    // Ending a user's sessions spares the one named, and other users.
    assert_eq!(b.remove_for_user(ann, Some("a")).await.unwrap(), 1);
    assert_eq!(live_hashes(b, ann).await, ["a"]);
    assert_eq!(live_hashes(b, bob).await, ["bob"]);
    assert_eq!(b.remove_for_user(ann, None).await.unwrap(), 1);
    assert!(live_hashes(b, ann).await.is_empty());
    assert_eq!(b.fetch("a", now()).await.unwrap(), None);
    assert_eq!(b.fetch("bob", now()).await.unwrap().as_deref(), Some("{}"));
}

/// Fresh storage on `backend`, two users in it, and its session backend.
async fn open(
    backend: Backend,
    dir: &std::path::Path,
) -> (Stores, i64, i64, server::config::Config) {
    let config = TestApp::config_for(backend, dir).await;
    let stores = Stores::open(&config).await.unwrap();
    let users = Users::new(stores.db.clone());
    let mut ids = Vec::new();
    for _ in 0..2 {
        let email = Email::parse(&unique_email()).unwrap();
        ids.push(
            users
                .create(&email, "not a real hash")
                .await
                .unwrap()
                .unwrap(),
        );
    }
    (stores, ids[0], ids[1], config)
}

#[tokio::test]
async fn the_sqlite_store_keeps_the_promises() {
    let dir = tempfile::tempdir().unwrap();
    let (stores, ann, bob, _) = open(Backend::Sqlite, dir.path()).await;
    keeps_the_promises(stores.sessions, ann, bob, true).await;
}

/// On an SQLite file, session loads go straight to SQLite, beside sqlx's
/// pool: with the pool closed they still answer, and still see every
/// write made before them.
#[tokio::test]
async fn sqlite_session_loads_do_not_need_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let (stores, ann, _, _) = open(Backend::Sqlite, dir.path()).await;
    let b = stores.sessions.as_ref();
    let later = now() + 600;
    assert!(b
        .insert(&session("kept", ann, "{\"n\":1}", later))
        .await
        .unwrap());
    assert!(b.insert(&session("ended", ann, "{}", later)).await.unwrap());
    assert!(b
        .insert(&session("old", ann, "{}", now() - 1))
        .await
        .unwrap());
    b.remove("ended").await.unwrap();

    let Db::Sqlite(pool) = &stores.db else {
        panic!("not an SQLite configuration");
    };
    pool.close().await;
    assert_eq!(
        b.fetch("kept", now()).await.unwrap().as_deref(),
        Some("{\"n\":1}")
    );
    assert_eq!(b.fetch("ended", now()).await.unwrap(), None);
    assert_eq!(b.fetch("old", now()).await.unwrap(), None);
    // Everything else still goes through the pool.
    assert!(b.remove("kept").await.is_err());
}

/// A direct read that fails (here: a file with no sessions table) is
/// asked again through sqlx, so the answer is still right.
#[tokio::test]
async fn a_failed_direct_sqlite_read_is_asked_again_through_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let (stores, ann, _, _) = open(Backend::Sqlite, dir.path()).await;
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let reader = SqliteReader::open(&empty).expect("an empty file is a database");
    let backend = SqlBackend::with_reader(stores.db.clone(), Some(reader));
    assert!(backend
        .insert(&session("s", ann, "{}", now() + 600))
        .await
        .unwrap());
    assert_eq!(
        backend.fetch("s", now()).await.unwrap().as_deref(),
        Some("{}")
    );
    assert_eq!(backend.fetch("nope", now()).await.unwrap(), None);
}

#[tokio::test]
async fn the_postgres_store_keeps_the_promises() {
    require!(Service::Postgres);
    let dir = tempfile::tempdir().unwrap();
    let (stores, ann, bob, _) = open(Backend::Postgres, dir.path()).await;
    keeps_the_promises(stores.sessions, ann, bob, true).await;
}

#[tokio::test]
async fn the_redis_store_keeps_the_promises_and_lets_redis_expire_keys() {
    require!(Service::Postgres, Service::Redis);
    let dir = tempfile::tempdir().unwrap();
    let (stores, ann, bob, config) = open(Backend::PostgresRedis, dir.path()).await;
    keeps_the_promises(stores.sessions, ann, bob, false).await;

    // Nothing is left to grow without bound: every key under the prefix
    // has an expiry.
    let SessionStoreKind::Redis(url) = &config.session_store else {
        panic!("not a Redis configuration");
    };
    let prefix = &config.session_key_prefix;
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    for key in keys {
        let ttl: i64 = redis::cmd("TTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(ttl > 0, "{key} has no expiry ({ttl})");
    }
}

#[tokio::test]
async fn the_memory_store_keeps_the_promises() {
    let backend = Arc::new(app::ssr::store::MemoryBackend::default());
    keeps_the_promises(backend, 1, 2, false).await;
}
