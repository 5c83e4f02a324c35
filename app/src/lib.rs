// The pages' view types are deep; the release build needs the room.
#![recursion_limit = "256"]

//! Gatehouse's UI and API: pages, islands and server functions.
//!
//! The pages are server components: they render on the server only, as
//! plain HTML whose forms post to the server functions, so every page
//! works without JavaScript. What needs the browser is an `#[island]`
//! (`islands.rs`), the only code compiled into the WASM bundle with the
//! shared rules in `domain/`. With JavaScript on, Leptos' islands router
//! turns link clicks and form posts into a fetch of the next page, patched
//! into the current one (no full reload).

#[cfg(feature = "ssr")]
pub mod access;
pub mod api;
mod browser;
mod passkey_browser;
pub mod domain;
pub mod error;
// The translations: `mod i18n`, generated from `locales/*.json` by
// `build.rs`. Read them with `t!` (domain/language.rs).
include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
pub mod islands;
#[cfg(feature = "ssr")]
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

#[cfg(feature = "ssr")]
pub use pages::{shell, App};
