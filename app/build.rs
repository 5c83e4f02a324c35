//! Turns the translations in `locales/` (one JSON file per language) into
//! the `i18n` module: a key used in code but missing from the default
//! language is a build error. A key missing from another language is only
//! a warning here, so `tests/locales.rs` fails on it instead.

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("i18n");
    // Languages: English is the default and the fallback. A new language is
    // one file in locales/ and one `add_locale` here.
    let config = Config::new("en")?
        .add_locale("ko")?
        .parse_options(ParseOptions::new().interpolate_display(true));
    let translations = TranslationsInfos::parse(config)?;
    translations.rerun_if_locales_changed();
    translations.emit_diagnostics();
    translations.generate_i18n_module(out)?;
    Ok(())
}
