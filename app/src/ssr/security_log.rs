//! The security log: each event the contract lists, with time, address and
//! browser, kept 90 days. An event that goes with a change is written in
//! the change's transaction ([`record_in`]); the rest on their own
//! ([`SecurityLog::record`]).

use super::{
    db::{on_pool, on_tx, Db, Tx},
    session::{now, Client},
    users::db_error,
};
use crate::{domain::EventKind, error::ApiError};

/// The network a sign-in came from, for telling a new one: the IPv4 /24
/// or the IPv6 /48 (a home or office keeps it; its last bits change).
pub fn network_of(ip: &str) -> String {
    use std::net::IpAddr;
    match ip.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
        Err(_) => ip.to_owned(),
    }
}

/// How long events are kept.
pub const KEEP_SECS: i64 = 90 * 86_400;

/// One event as the log holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: String,
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
}

const INSERT: &str =
    "INSERT INTO security_events (user_id, kind, at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)";

fn agent(client: &Client) -> String {
    client.user_agent.chars().take(512).collect()
}

/// Records `kind` for `user_id` inside `tx`.
pub async fn record_in(tx: &mut Tx, user_id: Option<i64>, kind: EventKind, client: &Client) -> Result<(), ApiError> {
    on_tx!(tx, conn => {
        sqlx::query(INSERT)
            .bind(user_id)
            .bind(kind.code())
            .bind(now())
            .bind(&client.ip)
            .bind(agent(client))
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .map_err(db_error)?;
    Ok(())
}

#[derive(Clone)]
pub struct SecurityLog {
    db: Db,
}

impl SecurityLog {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Records an event that goes with no change in the database (a
    /// login, a failed one, a logout).
    pub async fn record(&self, user_id: Option<i64>, kind: EventKind, client: &Client) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await.map_err(db_error)?;
        record_in(&mut tx, user_id, kind, client).await?;
        tx.commit().await.map_err(db_error)
    }

    /// The account's newest `limit` events, newest first.
    pub async fn for_user(&self, user_id: i64, limit: i64) -> Result<Vec<Event>, ApiError> {
        let rows: Vec<(String, i64, String, String)> = on_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT kind, at, ip, user_agent FROM security_events WHERE user_id = $1 \
                 ORDER BY id DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await
        })
        .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|(kind, at, ip, user_agent)| Event {
                kind,
                at,
                ip,
                user_agent,
            })
            .collect())
    }

    /// Whether the account has signed up or signed in from this browser
    /// (its family and system) and network ([`network_of`]) in the last
    /// 90 days. `recorded` says this sign-in's own `passkey_login` event
    /// is already in the log, so one match is not enough.
    pub async fn known_device(&self, user_id: i64, client: &Client, recorded: bool) -> Result<bool, ApiError> {
        use crate::domain::{describe_user_agent, Language};
        let rows: Vec<(String, String)> = on_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT ip, user_agent FROM security_events WHERE user_id = $1 AND at > $2 \
                 AND kind IN ('signup', 'login', 'passkey_login') ORDER BY id DESC LIMIT 500",
            )
            .bind(user_id)
            .bind(now() - KEEP_SECS)
            .fetch_all(pool)
            .await
        })
        .map_err(db_error)?;
        // Compared in one language: the words are only a way to group agents.
        let device = describe_user_agent(&client.user_agent, Language::ENGLISH);
        let network = network_of(&client.ip);
        let seen = rows
            .iter()
            .filter(|(ip, agent)| network_of(ip) == network && describe_user_agent(agent, Language::ENGLISH) == device)
            .count();
        Ok(seen > usize::from(recorded))
    }

    /// Deletes events older than [`KEEP_SECS`], and the administrators'
    /// log's entries with them.
    pub async fn remove_old(&self, now: i64) -> Result<u64, sqlx::Error> {
        let mut removed = 0;
        for sql in ["DELETE FROM security_events WHERE at < $1", "DELETE FROM admin_events WHERE at < $1"] {
            removed += on_pool!(&self.db, pool => {
                sqlx::query(sql)
                    .bind(now - KEEP_SECS)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::network_of;

    #[test]
    fn networks_are_the_ipv4_24_and_the_ipv6_48() {
        assert_eq!(network_of("198.51.100.7"), "198.51.100.0/24");
        assert_eq!(network_of("::ffff:198.51.100.9"), "198.51.100.0/24");
        assert_eq!(network_of("2001:db8:1:2::1"), "2001:db8:1::/48");
        assert_eq!(network_of(""), "");
    }
}
