//! The SQL database: SQLite (the embedded default) or Postgres, chosen by
//! `DATABASE_URL` at start-up.
//!
//! Every query is written once, in SQL both understand (`$1` placeholders
//! work in SQLite too), and [`on_pool!`] runs it against whichever pool is
//! in use; each arm is compiled for its own driver, so nothing is decided
//! per row at run time.

use sqlx::{PgPool, SqlitePool};

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// `on_pool!(db, pool => expr)` evaluates `expr` with `pool` bound to the
/// concrete pool of `db`.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::ssr::db::Db::Sqlite($pool) => $body,
            $crate::ssr::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Db {
    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}
