//! Sessions in Redis (`SESSION_STORE_URL=redis://…`), shared by every
//! instance. Redis expires each session itself at its deadline (`EXAT`), so
//! there is nothing to clean up.
//!
//! Keys, under a prefix (`SESSION_KEY_PREFIX`, default `gatehouse`):
//! - `{prefix}:session:{id_hash}` holds the session's data;
//! - `{prefix}:user:{user_id}` is the set of that user's session hashes, so
//!   the sessions page can list them and revocation can end them all. Its
//!   members can outlive their sessions; listing drops those.

use super::store::{BackendError, SessionBackend, StoredSession};
use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::{future::Future, time::Duration};

/// No request waits longer than this for Redis: past it the answer is a
/// 503, not a hang.
const TIMEOUT: Duration = Duration::from_secs(2);

pub struct RedisBackend {
    conn: ConnectionManager,
    prefix: String,
}

impl RedisBackend {
    /// Connects (and fails at once if Redis does not answer). Later a lost
    /// connection is re-established by the connection manager, so a Redis
    /// restart needs no restart here.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, BackendError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = tokio::time::timeout(
            TIMEOUT * 2,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| "Redis did not answer")??;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
        })
    }

    fn session_key(&self, id_hash: &str) -> String {
        format!("{}:session:{id_hash}", self.prefix)
    }

    fn user_key(&self, user_id: i64) -> String {
        format!("{}:user:{user_id}", self.prefix)
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, BackendError> {
        let mut conn = self.conn.clone();
        bounded(cmd.query_async(&mut conn)).await
    }

    async fn run_pipe<T: redis::FromRedisValue>(
        &self,
        pipe: &redis::Pipeline,
    ) -> Result<T, BackendError> {
        let mut conn = self.conn.clone();
        bounded(pipe.query_async(&mut conn)).await
    }

    /// Writes the session (`condition` is `NX` or `XX`) and, for a signed-in
    /// one, files it under its user; `false` if the condition failed.
    async fn write(&self, s: &StoredSession, condition: &str) -> Result<bool, BackendError> {
        if s.expires_at <= super::session::now() {
            // Already past its deadline: nothing to keep.
            self.remove(&s.id_hash).await?;
            return Ok(true);
        }
        let written: Option<String> = self
            .run(
                redis::cmd("SET")
                    .arg(self.session_key(&s.id_hash))
                    .arg(&s.data)
                    .arg(condition)
                    .arg("EXAT")
                    .arg(s.expires_at),
            )
            .await?;
        if written.is_none() {
            return Ok(false);
        }
        if let Some(user_id) = s.user_id {
            let key = self.user_key(user_id);
            // The set lives as long as its longest session: NX sets a first
            // expiry, GT only ever extends it.
            let mut pipe = redis::pipe();
            pipe.atomic()
                .cmd("SADD")
                .arg(&key)
                .arg(&s.id_hash)
                .ignore()
                .cmd("EXPIREAT")
                .arg(&key)
                .arg(s.expires_at)
                .arg("NX")
                .ignore()
                .cmd("EXPIREAT")
                .arg(&key)
                .arg(s.expires_at)
                .arg("GT")
                .ignore();
            self.run_pipe::<()>(&pipe).await?;
        }
        Ok(true)
    }
}

async fn bounded<T>(op: impl Future<Output = redis::RedisResult<T>>) -> Result<T, BackendError> {
    match tokio::time::timeout(TIMEOUT, op).await {
        Ok(result) => Ok(result?),
        Err(_) => Err("Redis did not answer in time".into()),
    }
}

#[async_trait]
impl SessionBackend for RedisBackend {
    async fn insert(&self, session: &StoredSession) -> Result<bool, BackendError> {
        self.write(session, "NX").await
    }

    async fn update(&self, session: &StoredSession) -> Result<(), BackendError> {
        // XX: a session deleted meanwhile (logged out, revoked) stays deleted.
        self.write(session, "XX").await.map(|_| ())
    }

    async fn fetch(&self, id_hash: &str, _now: i64) -> Result<Option<String>, BackendError> {
        self.run(redis::cmd("GET").arg(self.session_key(id_hash)))
            .await
    }

    async fn remove(&self, id_hash: &str) -> Result<(), BackendError> {
        self.run(redis::cmd("DEL").arg(self.session_key(id_hash)))
            .await
    }

    async fn remove_expired(&self, _now: i64) -> Result<u64, BackendError> {
        Ok(0)
    }

    async fn ping(&self) -> Result<(), BackendError> {
        self.run::<String>(&redis::cmd("PING")).await.map(|_| ())
    }

    async fn for_user(
        &self,
        user_id: i64,
        _now: i64,
    ) -> Result<Vec<(String, String)>, BackendError> {
        let key = self.user_key(user_id);
        let hashes: Vec<String> = self.run(redis::cmd("SMEMBERS").arg(&key)).await?;
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = hashes.iter().map(|h| self.session_key(h)).collect();
        let data: Vec<Option<String>> = self.run(redis::cmd("MGET").arg(&keys)).await?;
        let (live, gone): (Vec<_>, Vec<_>) =
            hashes.into_iter().zip(data).partition(|(_, d)| d.is_some());
        if !gone.is_empty() {
            let gone: Vec<String> = gone.into_iter().map(|(h, _)| h).collect();
            self.run::<()>(redis::cmd("SREM").arg(&key).arg(gone))
                .await?;
        }
        Ok(live
            .into_iter()
            .filter_map(|(hash, data)| data.map(|d| (hash, d)))
            .collect())
    }

    async fn remove_for_user(
        &self,
        user_id: i64,
        except: Option<&str>,
    ) -> Result<u64, BackendError> {
        let key = self.user_key(user_id);
        let hashes: Vec<String> = self.run(redis::cmd("SMEMBERS").arg(&key)).await?;
        let doomed: Vec<String> = hashes
            .into_iter()
            .filter(|h| Some(h.as_str()) != except)
            .collect();
        if doomed.is_empty() {
            return Ok(0);
        }
        let keys: Vec<String> = doomed.iter().map(|h| self.session_key(h)).collect();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("DEL")
            .arg(&keys)
            .cmd("SREM")
            .arg(&key)
            .arg(&doomed)
            .ignore();
        let (deleted,): (u64,) = self.run_pipe(&pipe).await?;
        Ok(deleted)
    }
}
