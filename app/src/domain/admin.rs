//! What administrators type: why they lock an account, and what they
//! search for. Both builds compile these, so the browser checks a reason
//! with the server's own rule.

use super::{
    forms::{Field, Invalid},
    Language,
};
use crate::t;

/// Why an account is locked, for the administrators' eyes (the account
/// is never shown it): trimmed, 1 to 500 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockReason(String);

impl LockReason {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let invalid = |message| Invalid {
            field: Field::Reason,
            message,
        };
        let reason = input.trim();
        if reason.is_empty() {
            return Err(invalid(t!(Language::current(), invalid.reason_empty)));
        }
        if reason.chars().count() > Self::MAX_CHARS {
            return Err(invalid(t!(Language::current(), invalid.reason_long)));
        }
        Ok(Self(reason.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Part of an address to find accounts by, trimmed and lower-cased like
/// stored addresses; empty finds every account. Anything longer than an
/// address can be is cut, not refused: a search box has no wrong input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountSearch(String);

impl AccountSearch {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(input: &str) -> Self {
        Self(input.trim().chars().take(Self::MAX_CHARS).flat_map(char::to_lowercase).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A SQL `LIKE` pattern matching any address that contains it, with
    /// `%`, `_` and the escape itself taken literally (`ESCAPE '\'`).
    pub fn like_pattern(&self) -> String {
        let mut pattern = String::from("%");
        for c in self.0.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }
}

/// How many accounts a page of `/admin` lists.
pub const ADMIN_PAGE: i64 = 50;

/// Where a page of a list starts, from what the request said: never
/// below 0, and far from where adding a page's length could overflow.
pub fn page_offset(offset: Option<i64>) -> i64 {
    offset.unwrap_or(0).clamp(0, 1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_and_1_to_500_characters() {
        assert_eq!(LockReason::parse("  lost phone ").unwrap().as_str(), "lost phone");
        assert_eq!(LockReason::parse("   ").unwrap_err().field, Field::Reason);
        assert!(LockReason::parse(&"가".repeat(500)).is_ok());
        assert!(LockReason::parse(&"가".repeat(501)).is_err());
    }

    #[test]
    fn a_page_offset_is_never_negative_nor_near_overflow() {
        assert_eq!(page_offset(None), 0);
        assert_eq!(page_offset(Some(-5)), 0);
        assert_eq!(page_offset(Some(100)), 100);
        assert!(page_offset(Some(i64::MAX)) + ADMIN_PAGE > 0);
    }

    #[test]
    fn a_search_matches_its_text_literally() {
        let search = AccountSearch::parse("  A_B%c\\ ");
        assert_eq!(search.as_str(), "a_b%c\\");
        assert_eq!(search.like_pattern(), "%a\\_b\\%c\\\\%");
        assert_eq!(AccountSearch::parse("").like_pattern(), "%%");
        assert_eq!(AccountSearch::parse(&"x".repeat(300)).as_str().len(), 254);
    }
}
