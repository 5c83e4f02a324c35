//! Session storage that keeps only a hash of each session id.
//!
//! tower-sessions runs the cookie and the session lifecycle; it asks a
//! [`SessionStore`] to create, load, save and delete records by id. The
//! ready-made stores key rows by the raw id, the very value in the cookie,
//! so a copy of the database would log anyone in. [`Sessions`] hashes the
//! id first and hands small [`StoredSession`] rows to a [`SessionBackend`]
//! (the SQL database, Redis, or memory for tests), which also knows each
//! row's user and its deadline, so expiry is enforced by the store itself,
//! and a user's sessions can be listed and ended together.

use super::{
    db::{on_pool, Db},
    session::{Lifetimes, PendingLogin, SignedIn, AUTH, PENDING},
    sqlite_reader::SqliteReader,
};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::{collections::HashMap, fmt, sync::Arc};
use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};

/// What the stores key a session by: SHA-256 of its 128 random bits, in
/// hex. Not reversible, and the id is too random to guess from the hash.
pub fn id_hash(id: &Id) -> String {
    hex::encode(Sha256::digest(id.0.to_le_bytes()))
}

/// The handle the sessions page and API show for a session: derived from
/// the hash, so it needs no storage, and one more hash away from the id.
/// Knowing it lets a user revoke their own session and nothing else.
pub fn handle(id_hash: &str) -> String {
    hex::encode(&Sha256::digest(format!("handle:{id_hash}").as_bytes())[..16])
}

/// One session as a backend keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    pub id_hash: String,
    pub user_id: Option<i64>,
    /// The session's data as JSON.
    pub data: String,
    /// Unix seconds; the session is dead from then on.
    pub expires_at: i64,
}

pub type BackendError = Box<dyn std::error::Error + Send + Sync>;

/// Where sessions live. Small on purpose, so another database is one
/// more implementation.
#[async_trait]
pub trait SessionBackend: Send + Sync + 'static {
    /// Adds a new session; `false` if that hash is already taken.
    async fn insert(&self, session: &StoredSession) -> Result<bool, BackendError>;
    /// Rewrites a session that still exists. A session deleted meanwhile
    /// (logged out in another tab, revoked) stays deleted.
    async fn update(&self, session: &StoredSession) -> Result<(), BackendError>;
    /// The data of a session that exists and is not past `expires_at`.
    async fn fetch(&self, id_hash: &str, now: i64) -> Result<Option<String>, BackendError>;
    async fn remove(&self, id_hash: &str) -> Result<(), BackendError>;
    /// Deletes sessions past their deadline; returns how many.
    async fn remove_expired(&self, now: i64) -> Result<u64, BackendError>;
    /// Whether the backend answers (for `/readyz`).
    async fn ping(&self) -> Result<(), BackendError>;
    /// The live sessions of a user, as `(id_hash, data)`.
    async fn for_user(&self, user_id: i64, now: i64)
        -> Result<Vec<(String, String)>, BackendError>;
    /// Ends every session of a user but `except` (a hash); returns how many.
    async fn remove_for_user(
        &self,
        user_id: i64,
        except: Option<&str>,
    ) -> Result<u64, BackendError>;
}

/// The session store handed to tower-sessions.
#[derive(Clone)]
pub struct Sessions {
    backend: Arc<dyn SessionBackend>,
    lifetimes: Lifetimes,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("lifetimes", &self.lifetimes)
            .finish_non_exhaustive()
    }
}

/// tower-sessions' error holds only text: the whole chain of causes goes
/// into it.
fn backend_error(err: BackendError) -> session_store::Error {
    session_store::Error::Backend(super::internal::chain(err.as_ref()))
}

impl Sessions {
    pub fn new(backend: Arc<dyn SessionBackend>, lifetimes: Lifetimes) -> Self {
        Self { backend, lifetimes }
    }

    fn to_stored(&self, record: &Record) -> session_store::Result<StoredSession> {
        let auth = record
            .data
            .get(AUTH)
            .and_then(|v| serde_json::from_value::<SignedIn>(v.clone()).ok());
        // A login waiting for its second step belongs to its account too,
        // so ending the account's sessions (a password reset) ends it.
        let pending = record
            .data
            .get(PENDING)
            .and_then(|v| serde_json::from_value::<PendingLogin>(v.clone()).ok());
        let expires_at = match &auth {
            Some(auth) => self.lifetimes.deadline(auth),
            None => record.expiry_date.unix_timestamp(),
        };
        Ok(StoredSession {
            id_hash: id_hash(&record.id),
            user_id: auth.map(|a| a.user_id).or(pending.map(|p| p.user_id)),
            data: serde_json::to_string(&record.data)
                .map_err(|e| session_store::Error::Encode(e.to_string()))?,
            expires_at,
        })
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A clash of 128 random bits will not happen, but if it did the
        // existing session must not be overwritten: draw another id.
        loop {
            let stored = self.to_stored(record)?;
            if self.backend.insert(&stored).await.map_err(backend_error)? {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let stored = self.to_stored(record)?;
        self.backend.update(&stored).await.map_err(backend_error)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = super::session::now();
        let Some(data) = self
            .backend
            .fetch(&id_hash(id), now)
            .await
            .map_err(backend_error)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            // tower-sessions sets this again before every save; the store's
            // own deadline is what counts.
            expiry_date: time::OffsetDateTime::now_utc(),
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.backend
            .remove(&id_hash(id))
            .await
            .map_err(backend_error)
    }
}

/// Sessions in process memory: `SESSION_STORE_URL=memory`, for tests.
#[derive(Default)]
pub struct MemoryBackend {
    sessions: std::sync::Mutex<HashMap<String, StoredSession>>,
}

impl MemoryBackend {
    fn lock(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, HashMap<String, StoredSession>>, BackendError> {
        self.sessions
            .lock()
            .map_err(|_| "memory session store poisoned".into())
    }
}

#[async_trait]
impl SessionBackend for MemoryBackend {
    async fn insert(&self, session: &StoredSession) -> Result<bool, BackendError> {
        let mut sessions = self.lock()?;
        if sessions.contains_key(&session.id_hash) {
            return Ok(false);
        }
        sessions.insert(session.id_hash.clone(), session.clone());
        Ok(true)
    }

    async fn update(&self, session: &StoredSession) -> Result<(), BackendError> {
        if let Some(existing) = self.lock()?.get_mut(&session.id_hash) {
            *existing = session.clone();
        }
        Ok(())
    }

    async fn fetch(&self, id_hash: &str, now: i64) -> Result<Option<String>, BackendError> {
        Ok(self
            .lock()?
            .get(id_hash)
            .filter(|s| s.expires_at > now)
            .map(|s| s.data.clone()))
    }

    async fn remove(&self, id_hash: &str) -> Result<(), BackendError> {
        self.lock()?.remove(id_hash);
        Ok(())
    }

    async fn remove_expired(&self, now: i64) -> Result<u64, BackendError> {
        let mut sessions = self.lock()?;
        let before = sessions.len();
        sessions.retain(|_, s| s.expires_at > now);
        Ok((before - sessions.len()) as u64)
    }

    async fn ping(&self) -> Result<(), BackendError> {
        self.lock().map(|_| ())
    }

    async fn for_user(
        &self,
        user_id: i64,
        now: i64,
    ) -> Result<Vec<(String, String)>, BackendError> {
        Ok(self
            .lock()?
            .values()
            .filter(|s| s.user_id == Some(user_id) && s.expires_at > now)
            .map(|s| (s.id_hash.clone(), s.data.clone()))
            .collect())
    }

    async fn remove_for_user(
        &self,
        user_id: i64,
        except: Option<&str>,
    ) -> Result<u64, BackendError> {
        let mut sessions = self.lock()?;
        let before = sessions.len();
        sessions.retain(|hash, s| s.user_id != Some(user_id) || Some(hash.as_str()) == except);
        Ok((before - sessions.len()) as u64)
    }
}

/// Sessions in the SQL database, next to the users (the default).
pub struct SqlBackend {
    db: Db,
    /// On an SQLite file, session loads skip sqlx's worker thread.
    reader: Option<SqliteReader>,
}

/// A live session's data by its hash; `$1` and `$2` suit SQLite and
/// Postgres alike.
const FETCH: &str = "SELECT data FROM sessions WHERE id_hash = $1 AND expires_at > $2";

impl SqlBackend {
    pub fn new(db: Db) -> Self {
        let reader = match &db {
            Db::Sqlite(pool) => SqliteReader::open(pool.connect_options().get_filename()),
            Db::Postgres(_) => None,
        };
        Self::with_reader(db, reader)
    }

    /// With the given direct reader, or none.
    pub fn with_reader(db: Db, reader: Option<SqliteReader>) -> Self {
        Self { db, reader }
    }
}

#[async_trait]
impl SessionBackend for SqlBackend {
    async fn insert(&self, s: &StoredSession) -> Result<bool, BackendError> {
        let done = on_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO sessions (id_hash, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id_hash) DO NOTHING",
            )
            .bind(&s.id_hash)
            .bind(s.user_id)
            .bind(&s.data)
            .bind(s.expires_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    async fn update(&self, s: &StoredSession) -> Result<(), BackendError> {
        on_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE sessions SET user_id = $1, data = $2, expires_at = $3 WHERE id_hash = $4",
            )
            .bind(s.user_id)
            .bind(&s.data)
            .bind(s.expires_at)
            .bind(&s.id_hash)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    async fn fetch(&self, id_hash: &str, now: i64) -> Result<Option<String>, BackendError> {
        if let Some(reader) = &self.reader {
            match reader.query_text(FETCH, id_hash, now) {
                Ok(data) => return Ok(data),
                // Busy, or something odd: sqlx can wait, and reports it.
                Err(err) => tracing::warn!(%err, "direct SQLite read failed; asking sqlx"),
            }
        }
        Ok(on_pool!(&self.db, pool => {
            sqlx::query_scalar(FETCH)
                .bind(id_hash)
                .bind(now)
                .fetch_optional(pool)
                .await?
        }))
    }

    async fn remove(&self, id_hash: &str) -> Result<(), BackendError> {
        on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    async fn remove_expired(&self, now: i64) -> Result<u64, BackendError> {
        Ok(on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    async fn ping(&self) -> Result<(), BackendError> {
        on_pool!(&self.db, pool => {
            sqlx::query("SELECT 1 FROM sessions LIMIT 1").execute(pool).await?;
        });
        Ok(())
    }

    async fn for_user(
        &self,
        user_id: i64,
        now: i64,
    ) -> Result<Vec<(String, String)>, BackendError> {
        Ok(on_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT id_hash, data FROM sessions WHERE user_id = $1 AND expires_at > $2",
            )
            .bind(user_id)
            .bind(now)
            .fetch_all(pool)
            .await?
        }))
    }

    async fn remove_for_user(
        &self,
        user_id: i64,
        except: Option<&str>,
    ) -> Result<u64, BackendError> {
        // `except` is a hash, never empty, so '' spares nothing.
        Ok(on_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(user_id)
                .bind(except.unwrap_or(""))
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
