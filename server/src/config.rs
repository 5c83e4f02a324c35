//! Configuration from the environment (see the table in the README).

use app::ssr::{mail::smtp::SmtpSettings, session::Lifetimes, throttle::Limits};
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
    /// `APP_BASE_URL` (no trailing slash); `None` in development means
    /// `http://localhost:<the port listened on>`.
    pub app_base_url: Option<String>,
    /// `SMTP_URL`; `None` in development keeps mail in `/dev/mailbox`.
    pub smtp: Option<SmtpSettings>,
    /// `MAIL_FROM`, checked to be an address lettre accepts.
    pub mail_from: String,
    pub reset_ttl_secs: i64,
    pub confirm_ttl_secs: i64,
    /// The longest wait between two attempts at one mail (5 minutes; the
    /// tests shorten it).
    pub mail_retry_max_secs: i64,
    /// `TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` is
    /// believed. (Their `X-Forwarded-Proto` changes nothing: links come
    /// from `APP_BASE_URL`, and production cookies are always `Secure`.)
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `METRICS_ADDR`: where `/metrics` is served, apart from the app.
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// How long a request may expect to wait for a password hash before
    /// it is turned away with a 503 (5 s; not read from the environment,
    /// the tests shorten it).
    pub hash_max_wait: std::time::Duration,
    /// How long a client may take to send a request's headers, and then
    /// its body, before the connection is closed (15 s; not configurable
    /// from the environment, the tests shorten it).
    pub request_read_timeout: std::time::Duration,
    /// `OIDC_PROVIDERS` and each one's `OIDC_<NAME>_*`: the OpenID Connect
    /// providers offered on `/login` and `/signup`.
    pub oidc_providers: Vec<app::ssr::oidc::ProviderConfig>,
}

/// [`Config::request_read_timeout`]'s value.
pub const REQUEST_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// `LOG_FORMAT`: `text` (the default) or `json`. Read on its own too, since
/// logging starts before the rest of the configuration is read.
pub fn log_json() -> Result<bool, ConfigError> {
    match var("LOG_FORMAT").as_deref().map(str::trim) {
        None | Some("text") => Ok(false),
        Some("json") => Ok(true),
        Some(other) => Err(ConfigError::Invalid {
            name: "LOG_FORMAT",
            expected: "`text` or `json`",
            value: other.to_owned(),
        }),
    }
}

/// `TRUSTED_PROXIES`: comma-separated IPs (`10.0.0.5`) or CIDR ranges
/// (`10.0.0.0/8`, `::1/128`).
///
/// Client addresses are compared in canonical form (an IPv4-mapped IPv6
/// address is its IPv4 address, see `http::TrustedProxies::client_ip`), so
/// a mapped entry becomes the IPv4 one: `::ffff:10.0.0.0/104` is
/// `10.0.0.0/8`. A wider IPv6 range that holds all of the mapped space
/// (`::/0`) trusts every IPv4 address as well, as it did before.
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let mut nets = Vec::new();
    for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        let net = part
            .parse::<ipnet::IpNet>()
            .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| ConfigError::Invalid {
                name: "TRUSTED_PROXIES",
                expected: "comma-separated IP addresses or CIDR ranges, like `127.0.0.1, 10.0.0.0/8`",
                value: text.to_owned(),
            })?;
        nets.extend(canonical_nets(net));
    }
    Ok(nets)
}

/// `net` as canonical client addresses are matched against it.
fn canonical_nets(net: ipnet::IpNet) -> Vec<ipnet::IpNet> {
    use ipnet::{IpNet, Ipv4Net, Ipv6Net};
    let IpNet::V6(v6) = net else {
        return vec![net];
    };
    // `::ffff:0:0/96`, the IPv4-mapped addresses.
    let mapped = Ipv6Net::new(std::net::Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96)
        .map(|m| m.trunc());
    match v6.addr().to_ipv4_mapped() {
        // Within the mapped space: its IPv4 range.
        Some(v4) if v6.prefix_len() >= 96 => Ipv4Net::new(v4, v6.prefix_len() - 96)
            .map(|v4| vec![IpNet::V4(v4.trunc())])
            .unwrap_or_else(|_| vec![net]),
        // Wider than the mapped space and holding it: every IPv4 address too.
        _ if mapped.is_ok_and(|m| v6.contains(&m)) => {
            vec![net, IpNet::V4(Ipv4Net::default())]
        }
        _ => vec![net],
    }
}

/// The default sender.
pub const DEFAULT_MAIL_FROM: &str = "Gatehouse <no-reply@localhost>";

/// `APP_BASE_URL`: `http(s)://host[:port]`, an origin without a path.
fn base_url(value: String) -> Result<String, ConfigError> {
    let trimmed = value.trim().trim_end_matches('/');
    let ok = url::Url::parse(trimmed).ok().is_some_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some_and(|h| !h.is_empty())
            && u.path() == "/"
            && u.query().is_none()
            && u.username().is_empty()
    });
    if ok {
        Ok(trimmed.to_owned())
    } else {
        Err(ConfigError::Invalid {
            name: "APP_BASE_URL",
            expected: "the public origin, like `https://auth.example.com` (no path)",
            value,
        })
    }
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
    #[error(
        "{0} is not set. In production Gatehouse sends mail (password resets, confirmations) \
         with links that must point at your public address: set APP_BASE_URL to it (for \
         example https://auth.example.com) and SMTP_URL to your mail server (for example \
         smtp://user:password@mail.example.com:587)"
    )]
    MissingInProduction(&'static str),
    #[error("{variable} is not set, but OIDC_PROVIDERS names the provider {provider:?}: set it ({what})")]
    MissingProviderSetting {
        variable: String,
        provider: String,
        what: &'static str,
    },
    #[error("{variable} must be {expected}, but it is {value:?}")]
    InvalidProviderSetting {
        variable: String,
        expected: &'static str,
        value: String,
    },
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
/// `OIDC_PROVIDERS` (`google,work`) and, for each NAME, `OIDC_NAME_ISSUER`,
/// `OIDC_NAME_CLIENT_ID`, `OIDC_NAME_CLIENT_SECRET` and the optional
/// `OIDC_NAME_LABEL`. A name is a path segment (`/auth/{name}/start`) and
/// part of a variable's name: lower-case letters, digits and `_`. No
/// error prints the client secret.
fn oidc_providers(
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<app::ssr::oidc::ProviderConfig>, ConfigError> {
    let Some(list) = var("OIDC_PROVIDERS") else {
        return Ok(Vec::new());
    };
    let mut providers: Vec<app::ssr::oidc::ProviderConfig> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let name = name.to_lowercase();
        let valid = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid || providers.iter().any(|p| p.name == name) {
            return Err(ConfigError::InvalidProviderSetting {
                variable: "OIDC_PROVIDERS".into(),
                expected: "a comma-separated list of distinct names of letters, digits and _",
                value: list.clone(),
            });
        }
        let upper = name.to_uppercase();
        let needed = |suffix: &str, what: &'static str| {
            let variable = format!("OIDC_{upper}_{suffix}");
            var(&variable).map(|v| v.trim().to_owned()).ok_or(ConfigError::MissingProviderSetting {
                variable,
                provider: name.clone(),
                what,
            })
        };
        let issuer = needed("ISSUER", "the provider's issuer URL, such as https://accounts.google.com")?;
        let issuer_ok = url::Url::parse(&issuer)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
        if !issuer_ok {
            return Err(ConfigError::InvalidProviderSetting {
                variable: format!("OIDC_{upper}_ISSUER"),
                expected: "an http(s) URL",
                value: issuer,
            });
        }
        let client_id = needed("CLIENT_ID", "the client id the provider gave Gatehouse")?;
        let client_secret = needed("CLIENT_SECRET", "the client secret the provider gave Gatehouse")?;
        let label = var(&format!("OIDC_{upper}_LABEL")).map(|l| l.trim().to_owned()).unwrap_or_else(|| name.clone());
        providers.push(app::ssr::oidc::ProviderConfig {
            name,
            label,
            issuer,
            client_id,
            client_secret,
        });
    }
    Ok(providers)
}

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

/// Leptos' own settings (`LEPTOS_SITE_ADDR`, `LEPTOS_SITE_ROOT`…) and
/// whether the assets have fingerprinted names.
fn leptos_options() -> Result<LeptosOptions, ConfigError> {
    let mut leptos = get_configuration(None)
        .map_err(|e| ConfigError::Leptos(e.to_string()))?
        .leptos_options;
    // Outside cargo-leptos (plain `cargo test`) the name is not compiled in.
    if leptos.output_name.is_empty() {
        leptos.output_name = "gatehouse".into();
    }
    leptos.hash_files = hashed_assets(&leptos)?;
    Ok(leptos)
}

/// `APP_ENV`.
fn app_env() -> Result<AppEnv, ConfigError> {
    match var("APP_ENV").as_deref().map(str::trim) {
        None | Some("development") => Ok(AppEnv::Development),
        Some("production") => Ok(AppEnv::Production),
        Some(other) => Err(ConfigError::Invalid {
            name: "APP_ENV",
            expected: "`development` or `production`",
            value: other.to_owned(),
        }),
    }
}

/// `DATABASE_URL` (default: an SQLite file in `data_dir`) and
/// `SESSION_STORE_URL`; a password in either is never shown in an error.
fn storage(data_dir: &std::path::Path) -> Result<(String, SessionStoreKind), ConfigError> {
    let database_url = var("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}/gatehouse.db", data_dir.display()));
    if !["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|scheme| database_url.starts_with(scheme))
    {
        return Err(ConfigError::Invalid {
            name: "DATABASE_URL",
            expected: "a `sqlite://` or `postgres://` URL",
            value: redact_password(&database_url),
        });
    }
    let session_store = match var("SESSION_STORE_URL").as_deref() {
        None => SessionStoreKind::Database,
        Some("memory") => SessionStoreKind::Memory,
        Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => SessionStoreKind::Redis(url.to_owned()),
        Some(other) => {
            return Err(ConfigError::Invalid {
                name: "SESSION_STORE_URL",
                expected: "unset, `memory`, or a `redis://` URL",
                value: redact_password(other),
            })
        }
    };
    Ok((database_url, session_store))
}

/// `SESSION_IDLE_TIMEOUT_SECS`, `SESSION_ABSOLUTE_TIMEOUT_SECS`,
/// `REAUTH_WINDOW_SECS`.
fn lifetimes() -> Result<Lifetimes, ConfigError> {
    let defaults = Lifetimes::default();
    let absolute = positive("SESSION_ABSOLUTE_TIMEOUT_SECS", defaults.absolute)?;
    Ok(Lifetimes {
        idle: positive("SESSION_IDLE_TIMEOUT_SECS", defaults.idle)?,
        absolute,
        // "Remember me" never lasts less than an ordinary session.
        absolute_remember: defaults.absolute_remember.max(absolute),
        reauth_window: positive("REAUTH_WINDOW_SECS", defaults.reauth_window)?,
    })
}

/// `LOGIN_MAX_FAILURES`, `LOGIN_WINDOW_SECS`, `RATE_LIMIT_PER_IP`.
fn limits() -> Result<Limits, ConfigError> {
    let defaults = Limits::default();
    Ok(Limits {
        max_failures: positive("LOGIN_MAX_FAILURES", defaults.max_failures)?,
        window_secs: positive("LOGIN_WINDOW_SECS", defaults.window_secs)?,
        per_ip_per_minute: positive("RATE_LIMIT_PER_IP", defaults.per_ip_per_minute)?,
    })
}

/// `APP_BASE_URL`, `SMTP_URL` (both required in production) and
/// `MAIL_FROM`.
fn mail(app_env: AppEnv) -> Result<(Option<String>, Option<SmtpSettings>, String), ConfigError> {
    let app_base_url = var("APP_BASE_URL").map(base_url).transpose()?;
    let smtp = match var("SMTP_URL") {
        None => None,
        Some(text) => Some(SmtpSettings::parse(&text).map_err(|why| ConfigError::Invalid {
            name: "SMTP_URL",
            expected: "`smtp://host:port`, `smtp://user:pass@host:587` or `smtps://user:pass@host:465`",
            value: format!("{} ({why})", redact_password(&text)),
        })?),
    };
    if app_env == AppEnv::Production {
        if app_base_url.is_none() {
            return Err(ConfigError::MissingInProduction("APP_BASE_URL"));
        }
        if smtp.is_none() {
            return Err(ConfigError::MissingInProduction("SMTP_URL"));
        }
    }
    let mail_from = var("MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.into());
    if mail_from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(ConfigError::Invalid {
            name: "MAIL_FROM",
            expected: "an address like `Gatehouse <no-reply@example.com>`",
            value: mail_from,
        });
    }
    Ok((app_base_url, smtp, mail_from))
}

/// `METRICS_ADDR`.
fn metrics_addr() -> Result<Option<std::net::SocketAddr>, ConfigError> {
    match var("METRICS_ADDR") {
        None => Ok(None),
        Some(text) => text.trim().parse().map(Some).map_err(|_| ConfigError::Invalid {
            name: "METRICS_ADDR",
            expected: "an address and port to listen on, like `127.0.0.1:9100`",
            value: text,
        }),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let app_env = app_env()?;
        let data_dir = PathBuf::from(var("GATEHOUSE_DATA_DIR").unwrap_or_else(|| "data".into()));
        let (database_url, session_store) = storage(&data_dir)?;
        let session_secret = match var("SESSION_SECRET") {
            Some(text) => Some(SessionSecret::parse(&text)?),
            None if app_env == AppEnv::Production => return Err(ConfigError::MissingSecret),
            None => None,
        };
        let (app_base_url, smtp, mail_from) = mail(app_env)?;
        let trusted_proxies = match var("TRUSTED_PROXIES") {
            Some(text) => parse_trusted_proxies(&text)?,
            None => Vec::new(),
        };
        // Read by main.rs before anything else (logging starts first);
        // checked here with the rest.
        log_json()?;
        Ok(Self {
            metrics_addr: metrics_addr()?,
            hash_max_wait: app::ssr::passwords::MAX_WAIT,
            request_read_timeout: REQUEST_READ_TIMEOUT,
            trusted_proxies,
            app_base_url,
            smtp,
            mail_from,
            reset_ttl_secs: positive("RESET_TOKEN_TTL_SECS", 3_600)?,
            confirm_ttl_secs: positive("CONFIRM_TOKEN_TTL_SECS", 86_400)?,
            mail_retry_max_secs: 300,
            leptos: leptos_options()?,
            database_url,
            session_store,
            session_key_prefix: var("SESSION_KEY_PREFIX").unwrap_or_else(|| "gatehouse".into()),
            app_env,
            session_secret,
            lifetimes: lifetimes()?,
            login_limits: limits()?,
            data_dir,
            oidc_providers: oidc_providers(&|name| var(name))?,
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

/// A URL as it may be shown in an error: without its password.
pub(crate) fn redact_password(text: &str) -> String {
    match url::Url::parse(text.trim()) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("********"));
            url.to_string()
        }
        Ok(_) => text.to_owned(),
        // Credentials come before an `@`; without one there are none.
        Err(_) if !text.contains('@') => text.to_owned(),
        Err(_) => "(not a URL)".to_owned(),
    }
}

/// `message`, an error met while using `url` (connecting to a database or
/// Redis), without `url`'s password. Drivers may echo the URL, or parts of
/// it, in their errors, so the whole URL is replaced by its redacted form
/// and any remaining copy of the password (as written or percent-decoded)
/// by asterisks.
pub(crate) fn scrub_password(message: &str, url: &str) -> String {
    let mut out = message.to_owned();
    for form in [url, url.trim()] {
        if !form.is_empty() {
            out = out.replace(form, &redact_password(url));
        }
    }
    for secret in password_forms(url) {
        out = out.replace(&secret, "********");
    }
    out
}

/// The password in `url`, as written and percent-decoded; empty when it
/// has none.
fn password_forms(url: &str) -> Vec<String> {
    let written = match url::Url::parse(url.trim()) {
        Ok(parsed) => parsed.password().map(str::to_owned),
        // Not a URL to the url crate: the part between `user:` and the last
        // `@` is taken for a password, to be safe.
        Err(_) => url
            .split_once("://")
            .and_then(|(_, rest)| rest.rsplit_once('@'))
            .and_then(|(credentials, _)| credentials.split_once(':'))
            .map(|(_, password)| password.to_owned()),
    };
    let Some(written) = written.filter(|p| !p.is_empty()) else {
        return Vec::new();
    };
    let decoded = percent_encoding::percent_decode_str(&written)
        .decode_utf8_lossy()
        .into_owned();
    let mut forms = vec![written, decoded];
    forms.dedup();
    forms
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
    fn oidc_providers_are_read_by_name_and_never_print_the_secret() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        assert!(oidc_providers(&env(&[])).unwrap().is_empty());
        let both = env(&[
            ("OIDC_PROVIDERS", "google, Work"),
            ("OIDC_GOOGLE_ISSUER", "https://accounts.google.com"),
            ("OIDC_GOOGLE_CLIENT_ID", "id-g"),
            ("OIDC_GOOGLE_CLIENT_SECRET", "s3cret-g"),
            ("OIDC_GOOGLE_LABEL", "Google"),
            ("OIDC_WORK_ISSUER", "http://127.0.0.1:4000"),
            ("OIDC_WORK_CLIENT_ID", "id-w"),
            ("OIDC_WORK_CLIENT_SECRET", "s3cret-w"),
        ]);
        let providers = oidc_providers(&both).unwrap();
        let names: Vec<_> = providers.iter().map(|p| (p.name.as_str(), p.label.as_str())).collect();
        assert_eq!(names, [("google", "Google"), ("work", "work")]);
        assert_eq!(providers[1].issuer, "http://127.0.0.1:4000");

        let missing = env(&[
            ("OIDC_PROVIDERS", "google"),
            ("OIDC_GOOGLE_ISSUER", "https://accounts.google.com"),
            ("OIDC_GOOGLE_CLIENT_SECRET", "s3cret-g"),
        ]);
        let err = oidc_providers(&missing).unwrap_err().to_string();
        assert!(err.contains("OIDC_GOOGLE_CLIENT_ID") && !err.contains("s3cret"), "{err}");
        let bad_issuer = env(&[
            ("OIDC_PROVIDERS", "google"),
            ("OIDC_GOOGLE_ISSUER", "accounts.google.com"),
            ("OIDC_GOOGLE_CLIENT_ID", "id"),
            ("OIDC_GOOGLE_CLIENT_SECRET", "s3cret"),
        ]);
        assert!(oidc_providers(&bad_issuer).unwrap_err().to_string().contains("OIDC_GOOGLE_ISSUER"));
        for list in ["go-ogle", "a,a", "../x"] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(vec![("OIDC_PROVIDERS", &*Box::leak(list.to_owned().into_boxed_str()))].into_boxed_slice());
            assert!(oidc_providers(&env(pairs)).is_err(), "{list}");
        }
    }

    #[test]
    fn base_urls_are_origins() {
        assert_eq!(base_url("https://auth.example.com/".into()).unwrap(), "https://auth.example.com");
        assert_eq!(base_url("http://localhost:3000".into()).unwrap(), "http://localhost:3000");
        for bad in ["auth.example.com", "ftp://x.test", "https://x.test/app", "https://u@x.test"] {
            assert!(base_url(bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn trusted_proxies_are_ips_or_ranges() {
        let nets = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8,::1").unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[1].contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap()));
        assert!(parse_trusted_proxies("10.0.0.0/99").is_err());
        assert!(parse_trusted_proxies("proxy.internal").is_err());
    }

    #[test]
    fn ipv4_mapped_proxies_are_their_ipv4_addresses() {
        let net = |text: &str| text.parse::<ipnet::IpNet>().unwrap();
        assert_eq!(parse_trusted_proxies("::ffff:10.0.0.5").unwrap(), [net("10.0.0.5/32")]);
        assert_eq!(parse_trusted_proxies("::ffff:10.0.0.0/104").unwrap(), [net("10.0.0.0/8")]);
        assert_eq!(parse_trusted_proxies("::ffff:10.1.2.3/104").unwrap(), [net("10.0.0.0/8")]);
        assert_eq!(parse_trusted_proxies("::ffff:0:0/96").unwrap(), [net("0.0.0.0/0")]);
        // Plain IPv6 stays as it is; a range holding the mapped space also
        // covers IPv4.
        assert_eq!(parse_trusted_proxies("::1, 2001:db8::/32").unwrap(), [net("::1/128"), net("2001:db8::/32")]);
        assert_eq!(parse_trusted_proxies("::/0").unwrap(), [net("::/0"), net("0.0.0.0/0")]);
        assert_eq!(parse_trusted_proxies("::ffff:0:0/95").unwrap(), [net("::ffff:0:0/95"), net("0.0.0.0/0")]);
    }

    #[test]
    fn smtp_passwords_stay_out_of_errors() {
        assert!(!redact_password("smtp://me:hunter2@mail.test:587").contains("hunter2"));
    }

    #[test]
    fn passwords_are_scrubbed_from_connection_errors() {
        let url = "postgres://gatehouse:s3cret%2Fpw@db.test:5432/app";
        let message = format!(
            "error connecting to {url}: password authentication failed (password s3cret/pw, written s3cret%2Fpw)"
        );
        let scrubbed = scrub_password(&message, url);
        assert!(!scrubbed.contains("s3cret"), "{scrubbed}");
        assert!(scrubbed.contains("postgres://gatehouse:********@db.test:5432/app"), "{scrubbed}");
        assert!(scrubbed.contains("password authentication failed"), "{scrubbed}");
        // Redis URLs often have no user.
        let scrubbed = scrub_password("could not reach redis://:hunter2@r.test:6379", "redis://:hunter2@r.test:6379");
        assert!(!scrubbed.contains("hunter2"), "{scrubbed}");
        // No password: the message as it was.
        assert_eq!(scrub_password("refused", "sqlite://data/x.db"), "refused");
        // Not a URL the url crate reads: what looks like a password goes anyway.
        let odd = "postgres://u:hunter2@[bad/db";
        assert!(!scrub_password(&format!("bad {odd}"), odd).contains("hunter2"));
    }

    #[test]
    fn invalid_urls_are_shown_without_their_password() {
        assert_eq!(redact_password("mysql://u:hunter2@h/db"), "mysql://u:********@h/db");
        assert_eq!(redact_password("redis//u:hunter2@h"), "(not a URL)");
        // Nothing to hide: shown as written.
        assert_eq!(redact_password("data/gatehouse.db"), "data/gatehouse.db");
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
            app_base_url: None,
            smtp: None,
            mail_from: DEFAULT_MAIL_FROM.into(),
            reset_ttl_secs: 3_600,
            confirm_ttl_secs: 86_400,
            mail_retry_max_secs: 300,
            trusted_proxies: Vec::new(),
            metrics_addr: None,
            hash_max_wait: app::ssr::passwords::MAX_WAIT,
            request_read_timeout: REQUEST_READ_TIMEOUT,
            oidc_providers: Vec::new(),
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
