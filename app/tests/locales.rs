//! Every language says everything: each file in `app/locales/` has exactly
//! the keys English has, with the same `{{ values }}`, and says it in its
//! own words. The build already fails on a key the code uses that English
//! lacks; a key missing from another language would only fall back to
//! English with a warning, so this test is what fails on it.

use serde_json::Value;
use std::{collections::BTreeMap, path::PathBuf};

fn locales_dir() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("locales")
}

/// `"a.b.c" -> text` for every text in a translation file.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, value, out);
            }
        }
        Value::String(text) => {
            out.insert(prefix.to_owned(), text.clone());
        }
        other => panic!("{prefix}: a translation is a text, not {other}"),
    }
}

fn load(name: &str) -> BTreeMap<String, String> {
    let path = locales_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    flatten("", &json, &mut out);
    out
}

/// The `{{ name }}`s a text interpolates, sorted.
fn values(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}").map(|(name, _)| name.trim().to_owned()))
        .collect();
    found.sort();
    found
}

/// The other languages' files.
fn others() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(locales_dir())
        .expect("app/locales")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json") && name != "en.json")
        .collect();
    names.sort();
    names
}

#[test]
fn every_language_has_every_key_with_the_same_values() {
    let english = load("en.json");
    assert!(english.len() > 100, "en.json looks truncated: {} texts", english.len());
    let others = others();
    assert!(others.contains(&"ko.json".to_owned()), "Korean is there: {others:?}");
    for name in others {
        let other = load(&name);
        let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{name} lacks {missing:?}");
        assert!(extra.is_empty(), "{name} has keys English lacks: {extra:?}");
        for (key, text) in &english {
            assert_eq!(values(text), values(&other[key]), "{name}: {key} interpolates other values");
        }
    }
}

#[test]
fn korean_is_written_in_korean() {
    let english = load("en.json");
    let korean = load("ko.json");
    let hangul = |text: &str| text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
    // Texts that are a word both languages write alike, or a space.
    let alike = ["islands.password_before", "islands.password_after"];
    for (key, text) in &korean {
        if alike.contains(&key.as_str()) {
            continue;
        }
        assert!(hangul(text), "ko.json {key} has no Korean in it: {text:?}");
        assert_ne!(text, &english[key], "ko.json {key} is the English text");
    }
}
