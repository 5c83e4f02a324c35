//! Configuration from the environment (see the table in the README).

use app::ssr::{session::Lifetimes, throttle::Limits};
use base64::Engine as _;
use leptos::config::{get_configuration, LeptosOptions};
use std::{env, fmt, path::PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Clone, Debug)]
pub enum SessionStoreKind {
    /// Sessions in the same database as the users (the default).
    Database,
    /// Sessions in process memory: for tests only, lost on restart.
    Memory,
    /// Sessions in Redis at this URL, shared by every instance.
    Redis(String),
}

/// The key material behind the cookie signature: at least 64 bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret(Vec<u8>);

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionSecret({} bytes)", self.0.len())
    }
}

impl SessionSecret {
    pub const MIN_BYTES: usize = 64;

    /// Hex or base64 (standard or URL-safe, padded or not), >= 64 bytes.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let text = text.trim();
        let bytes = if text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).ok()
        } else {
            use base64::engine::general_purpose::{
                STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
            };
            [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(text).ok())
        };
        match bytes {
            Some(bytes) if bytes.len() >= Self::MIN_BYTES => Ok(Self(bytes)),
            _ => Err(ConfigError::BadSecret),
        }
    }

    pub fn generate() -> Self {
        use rand::RngCore as _;
        let mut bytes = vec![0; Self::MIN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub leptos: LeptosOptions,
    pub database_url: String,
    pub session_store: SessionStoreKind,
    /// What Redis keys start with, so several apps can share one Redis.
    pub session_key_prefix: String,
    pub app_env: AppEnv,
    /// `None` in development: one is generated and kept under `data_dir`.
    pub session_secret: Option<SessionSecret>,
    pub lifetimes: Lifetimes,
    pub login_limits: Limits,
    /// Where development keeps its SQLite file and session secret.
    pub data_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} must be {expected}, but it is {value:?}")]
    Invalid {
        name: &'static str,
        expected: &'static str,
        value: String,
    },
    #[error(
        "SESSION_SECRET is not set. In production the session cookie must be signed with a \
         key you keep: set SESSION_SECRET to at least 64 random bytes in hex or base64, \
         for example the output of `openssl rand -hex 64`"
    )]
    MissingSecret,
    #[error(
        "SESSION_SECRET must be at least 64 bytes written in hex or base64 \
         (for example the output of `openssl rand -hex 64`)"
    )]
    BadSecret,
    #[error("could not read the Leptos configuration: {0}")]
    Leptos(String),
}

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Whether the site's assets have fingerprinted names. A release build
/// writes their hashes to `hash.txt` beside the server binary (cargo-leptos'
/// `hash-files`), and Leptos reads them from there: with that file present
/// the names are hashed, unless `LEPTOS_HASH_FILES` says otherwise. Asked
/// for without the file, every page would fail, so the server refuses to
/// start.
fn hashed_assets(leptos: &LeptosOptions) -> Result<bool, ConfigError> {
    let beside_binary = env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(leptos.hash_file.as_ref())));
    let present = beside_binary.as_ref().is_some_and(|path| path.is_file());
    match var("LEPTOS_HASH_FILES").as_deref().map(str::trim) {
        None => Ok(present),
        Some("false") => Ok(false),
        Some("true") if present => Ok(true),
        Some("true") => Err(ConfigError::Invalid {
            name: "LEPTOS_HASH_FILES",
            expected: "`false`, or `true` with the build's hash file beside the server binary",
            value: format!(
                "true, and {} does not exist",
                beside_binary.map_or_else(|| leptos.hash_file.to_string(), |p| p.display().to_string())
            ),
        }),
        Some(other) => Err(ConfigError::Invalid {
            name: "LEPTOS_HASH_FILES",
            expected: "`true` or `false`",
            value: other.to_owned(),
        }),
    }
}

/// A whole number of seconds (or count) of at least 1.
fn positive(name: &'static str, default: i64) -> Result<i64, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(value) => match value.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::Invalid {
                name,
                expected: "a whole number above 0",
                value,
            }),
        },
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut leptos = get_configuration(None)
            .map_err(|e| ConfigError::Leptos(e.to_string()))?
            .leptos_options;
        // Outside cargo-leptos (plain `cargo test`) the name is not compiled in.
        if leptos.output_name.is_empty() {
            leptos.output_name = "gatehouse".into();
        }
        leptos.hash_files = hashed_assets(&leptos)?;
        let app_env = match var("APP_ENV").as_deref().map(str::trim) {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "APP_ENV",
                    expected: "`development` or `production`",
                    value: other.to_owned(),
                })
            }
        };
        let data_dir = PathBuf::from(var("GATEHOUSE_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/gatehouse.db", data_dir.display()));
        if !["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|scheme| database_url.starts_with(scheme))
        {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                expected: "a `sqlite://` or `postgres://` URL",
                value: database_url,
            });
        }
        let session_key_prefix = var("SESSION_KEY_PREFIX").unwrap_or_else(|| "gatehouse".into());
        let session_store = match var("SESSION_STORE_URL").as_deref() {
            None => SessionStoreKind::Database,
            Some("memory") => SessionStoreKind::Memory,
            Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
                SessionStoreKind::Redis(url.to_owned())
            }
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "SESSION_STORE_URL",
                    expected: "unset, `memory`, or a `redis://` URL",
                    value: other.to_owned(),
                })
            }
        };
        let session_secret = match var("SESSION_SECRET") {
            Some(text) => Some(SessionSecret::parse(&text)?),
            None if app_env == AppEnv::Production => return Err(ConfigError::MissingSecret),
            None => None,
        };
        let defaults = Lifetimes::default();
        let absolute = positive("SESSION_ABSOLUTE_TIMEOUT_SECS", defaults.absolute)?;
        let lifetimes = Lifetimes {
            idle: positive("SESSION_IDLE_TIMEOUT_SECS", defaults.idle)?,
            absolute,
            // "Remember me" never lasts less than an ordinary session.
            absolute_remember: defaults.absolute_remember.max(absolute),
        };
        let login_limits = Limits {
            max_failures: positive("LOGIN_MAX_FAILURES", Limits::default().max_failures)?,
            window_secs: positive("LOGIN_WINDOW_SECS", Limits::default().window_secs)?,
        };
        Ok(Self {
            leptos,
            database_url,
            session_store,
            session_key_prefix,
            app_env,
            session_secret,
            lifetimes,
            login_limits,
            data_dir,
        })
    }

    /// The configured secret, or in development the one kept in
    /// `data_dir/session_secret` (generated on first start), so sessions
    /// survive a restart.
    pub fn resolve_secret(&self) -> anyhow::Result<SessionSecret> {
        if let Some(secret) = &self.session_secret {
            return Ok(secret.clone());
        }
        if self.app_env == AppEnv::Production {
            return Err(ConfigError::MissingSecret.into());
        }
        let path = self.data_dir.join("session_secret");
        match std::fs::read_to_string(&path) {
            Ok(text) => return Ok(SessionSecret::parse(&text)?),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(anyhow::anyhow!("reading {}: {err}", path.display())),
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let secret = SessionSecret::generate();
        write_private(&path, &secret.to_hex())?;
        tracing::info!(
            "generated a development session secret in {}",
            path.display()
        );
        Ok(secret)
    }
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hex_or_base64_of_at_least_64_bytes() {
        let hex64 = "ab".repeat(64);
        assert_eq!(SessionSecret::parse(&hex64).unwrap().as_bytes().len(), 64);
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 80]);
        assert_eq!(SessionSecret::parse(&b64).unwrap().as_bytes().len(), 80);
        assert!(SessionSecret::parse(&"ab".repeat(63)).is_err());
        assert!(SessionSecret::parse("not a secret at all").is_err());
    }

    #[test]
    fn development_generates_a_secret_once_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            leptos: LeptosOptions::builder().output_name("t").build(),
            database_url: String::new(),
            session_store: SessionStoreKind::Memory,
            session_key_prefix: "gatehouse".into(),
            app_env: AppEnv::Development,
            session_secret: None,
            lifetimes: Lifetimes::default(),
            login_limits: Limits::default(),
            data_dir: dir.path().join("data"),
        };
        let first = config.resolve_secret().unwrap();
        let second = config.resolve_secret().unwrap();
        assert_eq!(first, second);
        assert_eq!(first.as_bytes().len(), 64);
        let production = Config {
            app_env: AppEnv::Production,
            ..config
        };
        assert!(production.resolve_secret().is_err());
    }
}
