//! Configuration from the environment (see the table in the README).

use leptos::config::{get_configuration, LeptosOptions};
use std::{env, path::PathBuf, time::Duration};

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
}

#[derive(Clone, Debug)]
pub struct Config {
    pub leptos: LeptosOptions,
    pub database_url: String,
    pub session_store: SessionStoreKind,
    pub app_env: AppEnv,
    /// How long a "remember me" session lasts.
    pub remember_timeout: Duration,
    /// Where development keeps its SQLite file.
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
    #[error("could not read the Leptos configuration: {0}")]
    Leptos(String),
}

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
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
        let session_store = match var("SESSION_STORE_URL").as_deref() {
            None => SessionStoreKind::Database,
            Some("memory") => SessionStoreKind::Memory,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "SESSION_STORE_URL",
                    expected: "unset or `memory`",
                    value: other.to_owned(),
                })
            }
        };
        Ok(Self {
            leptos,
            database_url,
            session_store,
            app_env,
            remember_timeout: Duration::from_secs(2_592_000),
            data_dir,
        })
    }
}
