//! Reads on SQLite that every request makes (its session, its account's
//! flags), run on the request's own thread.
//!
//! sqlx runs each SQLite connection on a thread of its own, so every query
//! is a hand-off to that thread and back. In a profile of `GET /api/me`
//! those wake-ups were about half the CPU. Loading a session is one read by
//! primary key, which SQLite answers from its cache in microseconds, so it
//! is done here with rusqlite, on the very SQLite library sqlx links. Every
//! write stays with sqlx. WAL lets these reads run beside sqlx's writes, and
//! each read sees every commit made before it, so a logout or a revocation
//! still counts on the very next request.

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::{
    path::{Path, PathBuf},
    sync::Mutex,
};

/// Connections kept for reuse. The reads never await, so no more run at
/// once than there are runtime threads.
const KEEP_IDLE: usize = 8;

pub struct SqliteReader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl SqliteReader {
    /// `None` when the database is not a file this process can open (an
    /// in-memory database): its reads then go through sqlx.
    pub fn open(path: &Path) -> Option<Self> {
        if !path.is_file() {
            return None;
        }
        let reader = Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        match reader.connect() {
            Ok(conn) => {
                reader.put_back(conn);
                Some(reader)
            }
            Err(err) => {
                tracing::warn!(%err, path = %path.display(), "SQLite session reads will go through sqlx");
                None
            }
        }
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        // Not `CREATE`: the file is sqlx's, migrated before this opens it.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // These connections only read. No busy timeout (SQLite's default
        // is none): a read that finds the database busy must not block a
        // runtime thread; it fails at once and the caller asks sqlx.
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }

    fn put_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < KEEP_IDLE {
                idle.push(conn);
            }
        }
    }

    /// Runs `sql`, which takes `$1` (text) and `$2` (integer) and selects
    /// one text column, on a pooled connection.
    pub fn query_text(&self, sql: &str, text: &str, int: i64) -> rusqlite::Result<Option<String>> {
        self.query_row(sql, params![text, int], |row| row.get(0))
    }

    /// The one row `sql` selects with `params`, if any, on a pooled
    /// connection.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Option<T>> {
        let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match pooled {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let row = conn
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row(params, map).optional());
        self.put_back(conn);
        row
    }
}
