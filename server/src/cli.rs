//! Operator commands, run by the server binary instead of serving:
//!
//! ```text
//! server sessions list EMAIL   the account's live sessions
//! server sessions end EMAIL    end all of them (a "remote logout")
//! server audit EMAIL           the account's security log, newest first
//! server second-factor reset EMAIL
//!                              turn two-step verification off (a lost
//!                              phone), after checking who is asking
//! server admin grant EMAIL     make the account an administrator (the
//!                              only way to: there is none on the web)
//! server admin revoke EMAIL    make it no longer one
//! server admin list            the administrators
//! ```
//!
//! They read the same environment as the server (`DATABASE_URL`,
//! `SESSION_STORE_URL`, …), so they act on the very store the instances
//! share, and take effect on the next request to any of them.

use crate::{config::Config, Stores};
use app::{
    domain::{describe_user_agent, Email, Language},
    ssr::{session, store, users::Users},
};
use std::{fmt::Write as _, process::ExitCode};

pub const USAGE: &str =
    "usage: server sessions list EMAIL | server sessions end EMAIL | server audit EMAIL \
     | server second-factor reset EMAIL | server admin grant EMAIL | server admin revoke EMAIL \
     | server admin list";

/// What the arguments asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// No arguments: serve HTTP.
    Serve,
    ListSessions(String),
    EndSessions(String),
    Audit(String),
    ResetSecondFactor(String),
    GrantAdmin(String),
    RevokeAdmin(String),
    ListAdmins,
}

impl Command {
    /// `args` without the program name.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        match args {
            [] => Ok(Self::Serve),
            [group, email] if group == "audit" => Ok(Self::Audit(email.clone())),
            [group, verb, email] if group == "second-factor" && verb == "reset" => {
                Ok(Self::ResetSecondFactor(email.clone()))
            }
            [group, verb] if group == "admin" && verb == "list" => Ok(Self::ListAdmins),
            [group, verb, email] if group == "admin" => match verb.as_str() {
                "grant" => Ok(Self::GrantAdmin(email.clone())),
                "revoke" => Ok(Self::RevokeAdmin(email.clone())),
                _ => Err(format!("unknown command `admin {verb}`\n{USAGE}")),
            },
            [group, verb, email] if group == "sessions" => match verb.as_str() {
                "list" => Ok(Self::ListSessions(email.clone())),
                "end" => Ok(Self::EndSessions(email.clone())),
                _ => Err(format!("unknown command `sessions {verb}`\n{USAGE}")),
            },
            _ => Err(USAGE.to_owned()),
        }
    }
}

/// Runs an operator command; what it prints goes to stdout, problems to
/// stderr with a non-zero exit.
pub async fn run(command: Command, config: Config) -> ExitCode {
    match execute(command, config).await {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("gatehouse: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command, config: Config) -> anyhow::Result<String> {
    match &command {
        Command::GrantAdmin(email) => set_admin(&config, email, true).await,
        Command::RevokeAdmin(email) => set_admin(&config, email, false).await,
        Command::ListAdmins => list_admins(&config).await,
        Command::ListSessions(email) => list_sessions(&Account::find(&config, email).await?).await,
        Command::EndSessions(email) => end_sessions(&Account::find(&config, email).await?).await,
        Command::Audit(email) => audit(&Account::find(&config, email).await?).await,
        Command::ResetSecondFactor(email) => reset_second_factor(&config, &Account::find(&config, email).await?).await,
        Command::Serve => anyhow::bail!("nothing to do"),
    }
}

/// An `ApiError` from the app, as the operator reads it.
fn said(err: app::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", err.message)
}

/// The account a command names, on the stores the instances share.
struct Account {
    stores: Stores,
    user: app::ssr::users::UserRow,
}

impl Account {
    async fn find(config: &Config, email: &str) -> anyhow::Result<Self> {
        let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
        let stores = Stores::open(config).await?;
        let user = Users::new(stores.db.clone())
            .by_email(&email)
            .await
            .map_err(said)?
            .ok_or_else(|| anyhow::anyhow!("no account has the email {}", email.as_str()))?;
        Ok(Self { stores, user })
    }
}

/// `server sessions list EMAIL`.
async fn list_sessions(Account { stores, user }: &Account) -> anyhow::Result<String> {
    let sessions = stores
        .sessions
        .for_user(user.id, session::now())
        .await
        .map_err(|e| anyhow::anyhow!("session store: {e}"))?;
    let mut out = format!("{} live session(s) for {}\n", sessions.len(), user.email);
    for (hash, data) in sessions {
        let Some(auth) = session::from_data(&data) else {
            continue;
        };
        writeln!(
            out,
            "{}  created {}  last seen {}  {}  {}",
            store::handle(&hash),
            unix_to_utc(auth.created_at),
            unix_to_utc(auth.last_seen_at),
            if auth.ip.is_empty() { "-" } else { &auth.ip },
            describe_user_agent(&auth.user_agent, Language::ENGLISH),
        )?;
    }
    Ok(out)
}

/// `server sessions end EMAIL`.
async fn end_sessions(Account { stores, user }: &Account) -> anyhow::Result<String> {
    let ended = stores
        .sessions
        .remove_for_user(user.id, None)
        .await
        .map_err(|e| anyhow::anyhow!("session store: {e}"))?;
    Ok(format!("ended {ended} session(s) for {}\n", user.email))
}

/// `server audit EMAIL`.
async fn audit(Account { stores, user }: &Account) -> anyhow::Result<String> {
    let events = app::ssr::security_log::SecurityLog::new(stores.db.clone())
        .for_user(user.id, 1_000)
        .await
        .map_err(said)?;
    let mut out = format!("{} security event(s) for {}, newest first\n", events.len(), user.email);
    for event in events {
        writeln!(
            out,
            "{}  {:<24}  {}  {}",
            unix_to_utc(event.at),
            event.kind,
            if event.ip.is_empty() { "-" } else { &event.ip },
            describe_user_agent(&event.user_agent, Language::ENGLISH),
        )?;
    }
    Ok(out)
}

/// `server second-factor reset EMAIL`: recorded in the account's security
/// log as the operator's doing, and the account is told.
async fn reset_second_factor(config: &Config, Account { stores, user }: &Account) -> anyhow::Result<String> {
    let secret = config.resolve_secret()?;
    let factors = app::ssr::two_factor::TwoFactor::new(stores.db.clone(), secret.as_bytes());
    let operator = session::Client {
        user_agent: "server second-factor reset (operator)".to_owned(),
        ip: String::new(),
    };
    if !factors.disable(user.id, &operator).await.map_err(said)? {
        return Ok(format!("two-step verification was not on for {}; nothing changed\n", user.email));
    }
    // A running server sends the notice from the outbox.
    operator_accounts(config, stores)?
        .notify(user, &app::ssr::mail::templates::Notice::TotpDisabled)
        .await
        .map_err(said)?;
    Ok(format!(
        "two-step verification is off for {}: the password alone logs in, and its \
         recovery codes are deleted; it can be turned on again on /security\n",
        user.email
    ))
}

/// The accounts as an operator command changes them: mail is queued in the
/// outbox (sealed with the servers' secret) for a running server to send.
fn operator_accounts(config: &Config, stores: &Stores) -> anyhow::Result<app::ssr::accounts::Accounts> {
    let secret = config.resolve_secret()?;
    let mail = std::sync::Arc::new(app::ssr::mail::Mail {
        base_url: config
            .app_base_url
            .clone()
            .unwrap_or_else(|| format!("http://localhost:{}", config.leptos.site_addr.port())),
        sealer: std::sync::Arc::new(app::ssr::mail::seal::Sealer::new(secret.as_bytes())),
        dev_mailbox: false,
        reset_ttl_secs: config.reset_ttl_secs,
        confirm_ttl_secs: config.confirm_ttl_secs,
        queued: std::sync::Arc::new(tokio::sync::Notify::new()),
    });
    Ok(app::ssr::accounts::Accounts::new(stores.db.clone(), mail, config.login_limits.window_secs))
}

/// The administrators' store, on the database the servers share.
async fn admin_store(config: &Config) -> anyhow::Result<app::ssr::admin::Admin> {
    let stores = Stores::open(config).await?;
    let accounts = operator_accounts(config, &stores)?;
    Ok(app::ssr::admin::Admin::new(stores.db.clone(), accounts))
}

/// `server admin grant|revoke EMAIL`: in the administrators' log as the
/// operator's doing; it counts on the account's next request.
async fn set_admin(config: &Config, email: &str, admin: bool) -> anyhow::Result<String> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = admin_store(config).await?;
    let changed = store
        .set_admin(&email, admin)
        .await
        .map_err(said)?
        .ok_or_else(|| anyhow::anyhow!("no account has the email {}", email.as_str()))?;
    Ok(match (admin, changed) {
        (true, true) => format!("{} is now an administrator: /admin, after re-authenticating\n", email.as_str()),
        (true, false) => format!("{} was an administrator already; nothing changed\n", email.as_str()),
        (false, true) => format!("{} is no longer an administrator\n", email.as_str()),
        (false, false) => format!("{} was not an administrator; nothing changed\n", email.as_str()),
    })
}

async fn list_admins(config: &Config) -> anyhow::Result<String> {
    let admins = admin_store(config).await?.admins().await.map_err(said)?;
    let mut out = format!("{} administrator(s)\n", admins.len());
    for email in admins {
        writeln!(out, "{email}")?;
    }
    Ok(out)
}

fn unix_to_utc(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_the_operator_commands() {
        assert_eq!(Command::parse(&[]), Ok(Command::Serve));
        assert_eq!(
            Command::parse(&args(&["sessions", "list", "a@b.c"])),
            Ok(Command::ListSessions("a@b.c".into()))
        );
        assert_eq!(
            Command::parse(&args(&["sessions", "end", "a@b.c"])),
            Ok(Command::EndSessions("a@b.c".into()))
        );
        assert_eq!(
            Command::parse(&args(&["audit", "a@b.c"])),
            Ok(Command::Audit("a@b.c".into()))
        );
        assert_eq!(
            Command::parse(&args(&["second-factor", "reset", "a@b.c"])),
            Ok(Command::ResetSecondFactor("a@b.c".into()))
        );
        assert_eq!(Command::parse(&args(&["admin", "grant", "a@b.c"])), Ok(Command::GrantAdmin("a@b.c".into())));
        assert_eq!(Command::parse(&args(&["admin", "revoke", "a@b.c"])), Ok(Command::RevokeAdmin("a@b.c".into())));
        assert_eq!(Command::parse(&args(&["admin", "list"])), Ok(Command::ListAdmins));
        assert!(Command::parse(&args(&["admin", "promote", "a@b.c"])).is_err());
        assert!(Command::parse(&args(&["admin", "grant"])).is_err());
        assert!(Command::parse(&args(&["second-factor", "drop", "a@b.c"])).is_err());
        assert!(Command::parse(&args(&["sessions", "drop", "a@b.c"])).is_err());
        assert!(Command::parse(&args(&["sessions"])).is_err());
    }
}
