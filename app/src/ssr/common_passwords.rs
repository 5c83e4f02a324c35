//! Passwords too common to allow. The list is Django's (`common-passwords.txt`
//! from django.contrib.auth, 19,640 entries, lower-cased and de-duplicated
//! from Royce Williams' analysis of breached-password corpora; BSD licence).
//! It is compiled into the server binary only, never into the WASM.
//!
//! Compared the way Django does: lower-cased and trimmed, so `Password1`
//! and ` password1 ` count as the common `password1`. The stored password
//! itself is always exactly what was typed.

use crate::{domain::Password, error::ApiError};
use std::{collections::HashSet, sync::LazyLock};

const LIST: &str = include_str!("common-passwords.txt");

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    LIST.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

pub fn len() -> usize {
    COMMON.len()
}

pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.trim().to_lowercase().as_str())
}

/// Refuses a password found on the list, with the reason.
pub fn refuse_common(password: &Password) -> Result<(), ApiError> {
    if is_common(password.expose()) {
        return Err(ApiError::invalid(
            Some(crate::domain::Field::Password),
            crate::t!(crate::domain::Language::current(), invalid.password_common),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ships_a_list_of_at_least_ten_thousand() {
        assert!(len() >= 10_000, "{}", len());
    }

    #[test]
    fn refuses_listed_passwords_whatever_their_case() {
        for p in [
            "password1",
            "Password1",
            " PASSWORD1 ",
            "12345678",
            "iloveyou",
        ] {
            assert!(is_common(p), "{p}");
        }
        for p in [
            "correct horse battery staple",
            "zebra-quilt-77-mango",
            "pässwörd-éclair",
        ] {
            assert!(!is_common(p), "{p}");
        }
    }
}
