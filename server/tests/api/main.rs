//! The HTTP tests: the real server on a random port, spoken to over HTTP,
//! in one test binary with a module per subject (`helpers` is the harness).
//!
//! Most modules run on the backend `GATEHOUSE_TEST_BACKEND` names (SQLite
//! by default). Tests that need Postgres, Redis or nginx skip, saying so,
//! when it is not there, unless `GATEHOUSE_REQUIRE_SERVICES=1` (set by
//! `scripts/test.sh`), which makes a missing service a failure.
//!
//! A module marked `// own backends` picks its own backends, or needs
//! none: `scripts/test.sh` reads the marks and runs those modules once,
//! not once per backend.

mod helpers;

mod abuse;
mod admin;
mod admin_races; // own backends
mod auth_flow;
mod backends; // own backends
mod faults; // own backends
mod fuzz;
mod language_mail;
mod languages;
mod mail;
mod mail_crash; // own backends
mod metrics;
mod oidc;
mod oidc_races; // own backends
mod operations;
mod proxy; // own backends
mod scale_out; // own backends
mod security;
mod sessions;
mod slow_clients; // own backends
mod two_factor;
