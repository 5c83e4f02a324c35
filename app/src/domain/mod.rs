//! Auth rules as small types that parse their input, and the other
//! things both the server and the WASM bundle need, so a rule is written
//! once and the browser can show the same message the server would give:
//!
//! - [`credentials`]: what a person types (email, password, codes, tokens,
//!   passkey names) and where they may be sent next;
//! - [`forms`]: form fields, the rules a form checks before it is sent,
//!   and the error a field shows;
//! - [`flash`]: the messages a redirect leaves for the next page;
//! - [`events`]: the security log's kinds of event;
//! - [`display`]: times and browsers in words;
//! - [`language`]: the languages spoken, and which one a request gets;
//! - [`admin`]: what administrators type (a lock's reason, a search).

/// Declares an enum whose variants each have a stable code (what a cookie,
/// an attribute or a database row holds), and derives from that one list
/// `ALL`, `code()` and `from_code()`: a new variant can't be left out of
/// any of them. What each variant says in words stays an exhaustive
/// `match`, so the compiler asks for that too.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$( Self::$variant, )+];

            /// The stable code of this variant.
            pub fn code(self) -> &'static str {
                match self {
                    $( Self::$variant => $code, )+
                }
            }

            /// The variant with this code, if any.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}


pub mod admin;
pub mod credentials;
pub mod display;
pub mod events;
pub mod flash;
pub mod forms;
pub mod language;

pub use admin::*;
pub use credentials::*;
pub use display::*;
pub use events::*;
pub use flash::*;
pub use forms::*;
pub use language::Language;

#[cfg(test)]
mod tests {
    #[test]
    fn a_passkey_name_is_trimmed_and_1_to_64_characters() {
        assert_eq!(PasskeyName::parse("  Work laptop ").unwrap().as_str(), "Work laptop");
        assert!(PasskeyName::parse("   ").is_err());
        assert!(PasskeyName::parse(&"é".repeat(64)).is_ok());
        assert!(PasskeyName::parse(&"é".repeat(65)).is_err());
    }

    use super::*;

    #[test]
    fn the_password_hint_follows_the_rules_as_typed() {
        assert!(Password::hint("").starts_with("At least 8 characters"));
        assert_eq!(Password::hint("short"), "3 more characters needed.");
        assert_eq!(Password::hint("1234567"), "1 more character needed.");
        // Characters, not bytes, as the rule counts them.
        assert_eq!(Password::hint("ééééééé"), "1 more character needed.");
        for typed in ["12345678", &"x".repeat(15)] {
            assert!(Password::parse(typed).is_ok());
            assert!(Password::hint(typed).starts_with("Long enough"), "{typed}");
        }
        assert_eq!(Password::hint(&"x".repeat(16)), "A strong length. Good.");
        assert_eq!(Password::hint(&"x".repeat(128)), "A strong length. Good.");
        assert!(Password::parse(&"x".repeat(130)).is_err());
        assert_eq!(Password::hint(&"x".repeat(130)), "2 characters too long.");
    }

    #[test]
    fn form_rules_check_what_each_form_sends() {
        let values = |email: &'static str, password: &'static str| {
            move |field: Field| match field {
                Field::Email => email.to_owned(),
                _ => password.to_owned(),
            }
        };
        assert_eq!(FormRules::Signup.check(values("a@example.com", "long enough")), Ok(()));
        let err = FormRules::Signup.check(values("a@example.com", "short")).unwrap_err();
        assert_eq!(err.field, Field::Password);
        let err = FormRules::Signup.check(values("nope", "short")).unwrap_err();
        assert_eq!(err.field, Field::Email, "the first field's rule first");
        // A login's password is never judged by the sign-up rules.
        assert_eq!(FormRules::Login.check(values("a@example.com", "x")), Ok(()));
        assert_eq!(FormRules::Login.check(values("a@", "x")).unwrap_err().field, Field::Email);
        let err = FormRules::NewPassword.check(values("", "short")).unwrap_err();
        assert_eq!(err.field, Field::NewPassword);
        for &rules in FormRules::ALL {
            assert_eq!(FormRules::from_code(rules.code()), Some(rules));
        }
        assert_eq!(FormRules::from_code("Signup"), None);
    }

    #[test]
    fn a_flash_is_read_back_from_its_code_only() {
        for &flash in Flash::ALL {
            assert_eq!(Flash::from_code(flash.code()), Some(flash));
        }
        assert_eq!(Flash::from_code(""), None);
        assert_eq!(Flash::from_code("made_up"), None);
        assert_eq!(Flash::from_code("Logged_Out"), None);
    }

    #[test]
    fn every_event_kind_has_its_own_code_and_words() {
        let codes: std::collections::HashSet<_> = EventKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), EventKind::ALL.len());
        for &kind in EventKind::ALL {
            assert_eq!(EventKind::from_code(kind.code()), Some(kind));
            assert!(Language::all().all(|l| !kind.words(l).is_empty()));
        }
        assert_eq!(EventKind::from_code("login_throttled"), Some(EventKind::LoginThrottled));
        assert_eq!(EventKind::from_code("nothing"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn ages_read_in_words() {
        assert_eq!(time_ago(-5, Language::ENGLISH), "just now");
        assert_eq!(time_ago(0, Language::ENGLISH), "just now");
        assert_eq!(time_ago(59, Language::ENGLISH), "just now");
        assert_eq!(time_ago(60, Language::ENGLISH), "1 minute ago");
        assert_eq!(time_ago(119, Language::ENGLISH), "1 minute ago");
        assert_eq!(time_ago(120, Language::ENGLISH), "2 minutes ago");
        assert_eq!(time_ago(3_599, Language::ENGLISH), "59 minutes ago");
        assert_eq!(time_ago(3_600, Language::ENGLISH), "1 hour ago");
        assert_eq!(time_ago(86_399, Language::ENGLISH), "23 hours ago");
        assert_eq!(time_ago(86_400, Language::ENGLISH), "1 day ago");
        assert_eq!(time_ago(30 * 86_400, Language::ENGLISH), "30 days ago");
        assert_eq!(time_ago(10, Language::KOREAN), "방금");
        assert_eq!(time_ago(120, Language::KOREAN), "2분 전");
        assert_eq!(time_ago(3 * 3_600, Language::KOREAN), "3시간 전");
    }

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn email_rejects_what_cannot_be_an_address() {
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "ann@exa mple.com",
            "ann@.example.com",
            "ann@example..com",
            "ann@example.com.",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, Field::Email, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        // Seven characters, many bytes: still too short.
        assert!(Password::parse("ééééééé").is_err());
        // 128 four-byte characters is 512 bytes but within the limit.
        assert!(Password::parse(&"🔑".repeat(128)).is_ok());
        assert!(Password::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn password_is_kept_exactly_as_typed() {
        let typed = "  spaces and ünïcödé  ";
        assert_eq!(Password::parse(typed).unwrap().expose(), typed);
        assert!(!format!("{:?}", Password::parse(typed).unwrap()).contains("spaces"));
    }

    #[test]
    fn next_only_allows_local_paths() {
        assert_eq!(
            NextPath::or_profile(Some("/sessions")).as_str(),
            "/sessions"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "",
            "javascript:alert(1)",
            "/\tx",
        ] {
            assert_eq!(
                NextPath::or_profile(Some(bad)).as_str(),
                "/profile",
                "{bad:?}"
            );
        }
        assert_eq!(NextPath::or_profile(None).as_str(), "/profile");
    }

    #[test]
    fn remember_checkbox_values() {
        assert!(is_checked(Some("on")));
        assert!(is_checked(Some("true")));
        assert!(!is_checked(Some("false")));
        assert!(!is_checked(None));
    }

    #[test]
    fn user_agents_in_words() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe_user_agent(firefox, Language::ENGLISH), "Firefox on Linux");
        let edge =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                    Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(describe_user_agent(edge, Language::ENGLISH), "Edge on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(iphone, Language::ENGLISH), "Safari on iPhone");
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                        HeadlessChrome/156.0 Safari/537.36";
        assert_eq!(describe_user_agent(headless, Language::ENGLISH), "Chrome on Linux");
        assert_eq!(describe_user_agent("", Language::ENGLISH), "Unknown device");
        assert_eq!(describe_user_agent("reqwest/0.12", Language::ENGLISH), "Another program");
        assert_eq!(describe_user_agent(firefox, Language::KOREAN), "Linux의 Firefox");
        assert_eq!(describe_user_agent("", Language::KOREAN), "알 수 없는 기기");
    }
}
