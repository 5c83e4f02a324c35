//! Turns the translations in `locales/` (one JSON file per language) into
//! the `i18n` module: a key used in code but missing from the default
//! language is a build error. A key missing from another language is only
//! a warning here, so `tests/locales.rs` fails on it instead.
//!
//! It also sets `cfg(wasm_split)` on a WASM build that `cargo leptos
//! --split` makes (it links with `--emit-relocs`, which the splitter
//! needs): only then are the lazy islands lazy. Built without `--split`,
//! a lazy island's module would import a file that no step wrote, and no
//! island would hydrate; so a plain `cargo leptos watch` gets them eager,
//! in one module.

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rustc-check-cfg=cfg(wasm_split)");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let split = std::env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|flags| flags.contains("--emit-relocs"));
    if wasm && split {
        println!("cargo::rustc-cfg=wasm_split");
    }
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
