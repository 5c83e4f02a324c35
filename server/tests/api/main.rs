//! The HTTP tests: the real server on a random port, spoken to over HTTP,
//! in one test binary with a module per subject (`helpers` is the harness).
//!
//! Most modules run on the backend `GATEHOUSE_TEST_BACKEND` names (SQLite
//! by default). Tests that need Postgres, Redis or nginx skip, saying so,
//! when it is not there, unless `GATEHOUSE_REQUIRE_SERVICES=1` (set by
//! `scripts/test.sh`), which makes a missing service a failure.

mod helpers;

mod abuse;
mod admin;
mod admin_races;
mod auth_flow;
mod backends;
mod faults;
mod fuzz;
mod language_mail;
mod languages;
mod mail;
mod mail_crash;
mod metrics;
mod oidc;
mod oidc_races;
mod operations;
mod proxy;
mod scale_out;
mod security;
mod sessions;
mod slow_clients;
mod two_factor;
