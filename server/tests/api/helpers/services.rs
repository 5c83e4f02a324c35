//! The services outside the process some tests need: a running Postgres
//! and Redis, nginx, and the server programs `faults` starts privately.
//!
//! A test that needs one starts with [`require!`]: when the service is not
//! there the test says so (`SKIPPED <test>: …`, on stderr, past the
//! harness's capture) and passes without running, so a plain `cargo test`
//! passes on a machine with nothing installed. With
//! `GATEHOUSE_REQUIRE_SERVICES=1` (set by `scripts/test.sh`, which CI runs)
//! a missing service fails the test instead: nothing is skipped unseen.
//!
//! The backend `GATEHOUSE_TEST_BACKEND` names is checked in the harness
//! ([`ensure`], from `TestApp::config_for` and `fresh_postgres_url`): a
//! test can't be skipped from there, so a missing service fails it, with
//! the same words.

use super::{postgres_url, redis_url};
use std::{
    io::Write,
    net::{SocketAddr, TcpStream},
    path::Path,
    sync::OnceLock,
    time::Duration,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// A Postgres server at `TEST_POSTGRES_URL` (127.0.0.1:5432 by default).
    Postgres,
    /// A Redis server at `TEST_REDIS_URL` (127.0.0.1:6379 by default).
    Redis,
    /// The nginx program (`/usr/sbin/nginx`, or `nginx` on PATH).
    Nginx,
    /// The `redis-server` program, to run a private Redis.
    RedisServer,
    /// Postgres' server programs (`initdb`, `pg_ctl`), to run a private
    /// cluster.
    PostgresServer,
    /// The test OpenID Provider (`testing/oidc/provider.mjs`): `node` on
    /// PATH and its packages installed (`npm ci` in `testing/oidc`).
    OidcProvider,
}

/// How long a TCP connect to a service may take before it counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

impl Service {
    /// `None` when the service is there, else why not, in words.
    /// Each is looked at once per test process.
    fn missing(self) -> Option<String> {
        static SEEN: [OnceLock<Option<String>>; 6] = [const { OnceLock::new() }; 6];
        SEEN[self as usize]
            .get_or_init(|| match self {
                Self::Postgres => listening("Postgres", &postgres_url(), 5432),
                Self::Redis => listening("Redis", &redis_url(), 6379),
                Self::Nginx => (!Path::new("/usr/sbin/nginx").exists() && !on_path("nginx")).then(|| {
                    "nginx is not installed: neither /usr/sbin/nginx nor nginx on PATH \
                     (scripts/setup.sh installs it)"
                        .to_owned()
                }),
                Self::RedisServer => (!on_path("redis-server")).then(|| {
                    "redis-server is not on PATH (scripts/services.sh installs it)".to_owned()
                }),
                Self::PostgresServer => {
                    let found = std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|versions| {
                        versions.filter_map(Result::ok).any(|v| {
                            let bin = v.path().join("bin");
                            bin.join("initdb").exists() && bin.join("pg_ctl").exists()
                        })
                    });
                    (!found).then(|| {
                        "Postgres' server programs are not installed: no \
                         /usr/lib/postgresql/*/bin/initdb (scripts/services.sh installs them)"
                            .to_owned()
                    })
                }
                Self::OidcProvider => {
                    let modules = super::oidc::harness_dir().join("node_modules").join("oidc-provider");
                    if !on_path("node") {
                        Some("node is not on PATH (the test OpenID Provider runs on Node 20)".to_owned())
                    } else if !modules.is_dir() {
                        Some(format!(
                            "the test OpenID Provider's packages are not installed: no {} \
                             (run `npm ci` in testing/oidc)",
                            modules.display()
                        ))
                    } else {
                        None
                    }
                }
            })
            .clone()
    }
}

/// Whether something answers a TCP connect at the host and port of `url`.
fn listening(name: &str, url: &str, default_port: u16) -> Option<String> {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        // Not for this check to judge: the test's own connect will say.
        return None;
    };
    let host = parsed.host_str()?;
    let port = parsed.port().unwrap_or(default_port);
    let addrs: Vec<SocketAddr> = parsed.socket_addrs(|| Some(default_port)).unwrap_or_default();
    let up = addrs
        .iter()
        .any(|addr| TcpStream::connect_timeout(addr, PROBE_TIMEOUT).is_ok());
    (!up).then(|| format!("{name} is not running on {host}:{port} (scripts/services.sh starts it)"))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Whether `GATEHOUSE_REQUIRE_SERVICES` asks for every service.
fn required() -> bool {
    std::env::var("GATEHOUSE_REQUIRE_SERVICES").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// `test`'s path in this binary (`backends::the_postgres_store_…`), from
/// the type name of an item declared in its body (see [`require!`]).
pub fn test_name(item: &str) -> String {
    let name = item.strip_suffix("::here").unwrap_or(item).replace("::{{closure}}", "");
    match name.split_once("::") {
        Some((_crate, path)) => path.to_owned(),
        None => name,
    }
}

/// Whether the test called `test` can go on: true when every one of
/// `services` is there. When one is not, says so and returns false (the
/// test then returns), or, with `GATEHOUSE_REQUIRE_SERVICES=1`, panics.
pub fn present(services: &[Service], test: &str) -> bool {
    let Some(why) = services.iter().find_map(|s| s.missing()) else {
        return true;
    };
    if required() {
        panic!("{why}; GATEHOUSE_REQUIRE_SERVICES=1, so this test may not skip");
    }
    // Straight to stderr: `eprintln!` would be captured with the test's
    // output, and shown only if it failed.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
    false
}

/// For the harness: panics, saying why, when `service` is not there.
pub fn ensure(service: Service, needed_by: &str) {
    if let Some(why) = service.missing() {
        panic!("{needed_by} needs {service:?}: {why}");
    }
}

/// Returns from the test (it passes) when one of the services named is
/// missing, saying so; with `GATEHOUSE_REQUIRE_SERVICES=1` fails it.
/// `require!(Service::Postgres, Service::Redis);`
macro_rules! require {
    ($($service:expr),+ $(,)?) => {{
        fn here() {}
        let test = $crate::helpers::services::test_name(std::any::type_name_of_val(&here));
        if !$crate::helpers::services::present(&[$($service),+], &test) {
            return;
        }
    }};
}
pub(crate) use require;
