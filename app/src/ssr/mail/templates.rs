//! The mails Gatehouse sends, in words: plain text with an HTML
//! alternative. Every link starts with `APP_BASE_URL`, never with a
//! request's `Host`, which an attacker can set.

use super::Message;
use crate::{domain::Language, t};

/// The pieces of a mail that say one thing: a greeting line, paragraphs,
/// and at most one button-like link, all in `language`.
struct Draft<'a> {
    language: Language,
    to: &'a str,
    subject: &'a str,
    paragraphs: &'a [&'a str],
    link: Option<(&'a str, &'a str)>,
    after: &'a [&'a str],
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Draft<'_> {
    fn render(&self) -> Message {
        let language = self.language;
        let hello = t!(language, mail.hello);
        let mut text = format!("{hello}\n\n");
        // `lang` so that mail programs pick fonts and hyphenation for it.
        let mut html = format!(
            "<!DOCTYPE html><html lang=\"{}\"><body style=\"font-family: sans-serif; line-height: 1.5\">\
             <p>{}</p>",
            language.code(),
            escape(hello)
        );
        for p in self.paragraphs {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape(p)));
        }
        if let Some((label, url)) = self.link {
            // The link alone on its line, so mail programs make it clickable.
            text.push_str(&format!("{label}:\n{url}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{0}\">{1}</a></p><p style=\"font-size: 0.9em\">{2} {0}</p>",
                escape(url),
                escape(label),
                escape(t!(language, mail.paste)),
            ));
        }
        for p in self.after {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape(p)));
        }
        let signature = t!(language, mail.signature);
        text.push_str(&format!("-- \n{signature}\n"));
        html.push_str(&format!("<p>{}</p></body></html>", escape(signature)));
        Message {
            to: self.to.to_owned(),
            subject: self.subject.to_owned(),
            text,
            html,
        }
    }
}

/// How long a link works, in words: "2 days", "1 hour", "3 minutes"
/// ("2일", "1시간", "3분"); the largest whole unit, else minutes rounded up.
fn lifetime(ttl_secs: i64, language: Language) -> String {
    let l = language;
    match ttl_secs {
        86_400 => t!(l, mail.ttl.day).to_owned(),
        s if s % 86_400 == 0 => t!(l, mail.ttl.days, n = s / 86_400).to_string(),
        3_600 => t!(l, mail.ttl.hour).to_owned(),
        s if s % 3_600 == 0 => t!(l, mail.ttl.hours, n = s / 3_600).to_string(),
        s => match (s + 59) / 60 {
            1 => t!(l, mail.ttl.minute).to_owned(),
            n => t!(l, mail.ttl.minutes, n = n).to_string(),
        },
    }
}

pub fn password_reset(base: &str, to: &str, token: &str, ttl_secs: i64, language: Language) -> Message {
    let l = language;
    let url = format!("{base}/reset-password/{token}");
    let works = t!(l, mail.reset.works, ttl = lifetime(ttl_secs, l)).to_string();
    Draft {
        language,
        to,
        subject: t!(l, mail.reset.subject),
        paragraphs: &[t!(l, mail.reset.asked)],
        link: Some((t!(l, mail.reset.link), &url)),
        after: &[&works],
    }
    .render()
}

pub fn confirm_signup(base: &str, to: &str, token: &str, ttl_secs: i64, language: Language) -> Message {
    let l = language;
    let url = format!("{base}/confirm-email/{token}");
    let works = t!(l, mail.signup.works, ttl = lifetime(ttl_secs, l)).to_string();
    Draft {
        language,
        to,
        subject: t!(l, mail.signup.subject),
        paragraphs: &[t!(l, mail.signup.welcome)],
        link: Some((t!(l, mail.signup.link), &url)),
        after: &[&works],
    }
    .render()
}

pub fn confirm_change(base: &str, to: &str, token: &str, ttl_secs: i64, language: Language) -> Message {
    let l = language;
    let url = format!("{base}/confirm-email/{token}");
    let works = t!(l, mail.change.works, ttl = lifetime(ttl_secs, l)).to_string();
    Draft {
        language,
        to,
        subject: t!(l, mail.change.subject),
        paragraphs: &[t!(l, mail.change.asked)],
        link: Some((t!(l, mail.change.link), &url)),
        after: &[&works],
    }
    .render()
}

pub fn password_changed(base: &str, to: &str, language: Language) -> Message {
    let l = language;
    let login = format!("{base}/login");
    Draft {
        language,
        to,
        subject: t!(l, mail.password_changed.subject),
        paragraphs: &[t!(l, mail.password_changed.said), t!(l, mail.not_you)],
        link: Some((t!(l, mail.log_in), &login)),
        after: &[],
    }
    .render()
}

pub fn password_reset_done(base: &str, to: &str, language: Language) -> Message {
    let l = language;
    let login = format!("{base}/login");
    Draft {
        language,
        to,
        subject: t!(l, mail.password_reset_done.subject),
        paragraphs: &[t!(l, mail.password_reset_done.said), t!(l, mail.not_you)],
        link: Some((t!(l, mail.log_in), &login)),
        after: &[],
    }
    .render()
}

pub fn email_change_requested(base: &str, to: &str, new_email: &str, language: Language) -> Message {
    let l = language;
    let asked = t!(l, mail.change_requested.said, new_email = new_email).to_string();
    let login = format!("{base}/login");
    Draft {
        language,
        to,
        subject: t!(l, mail.change_requested.subject),
        paragraphs: &[&asked, t!(l, mail.not_you)],
        link: Some((t!(l, mail.log_in), &login)),
        after: &[],
    }
    .render()
}

/// A change to how the account signs in, told to its address so that
/// whoever holds the address hears of a change they did not make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    PasskeyAdded { name: String },
    PasskeyRemoved { name: String },
    /// Turned off by the account, or by an operator.
    TotpDisabled,
    RecoveryCodesCreated,
    /// The account moved to `new_email` (told to the old address).
    EmailChanged { new_email: String },
    /// A provider (by its label) was linked to the account, or unlinked.
    ProviderLinked { provider: String },
    ProviderUnlinked { provider: String },
    /// A sign-in from a browser and network the account has not used in
    /// 90 days: what the browser said it is (already in the account's
    /// language), and the network.
    NewSignIn { device: String, network: String },
    /// An administrator locked the account (the reason stays theirs), or
    /// unlocked it.
    AccountLocked,
    AccountUnlocked,
}

pub fn notice(base: &str, to: &str, notice: &Notice, language: Language) -> Message {
    let l = language;
    let security = format!("{base}/security");
    let sessions = format!("{base}/sessions");
    let login = format!("{base}/login");
    let (subject, said, link): (&str, String, (&str, &str)) = match notice {
        Notice::PasskeyAdded { name } => (
            t!(l, mail.notice.passkey_added.subject),
            t!(l, mail.notice.passkey_added.said, name = name).to_string(),
            (t!(l, mail.notice.see_passkeys), &security),
        ),
        Notice::PasskeyRemoved { name } => (
            t!(l, mail.notice.passkey_removed.subject),
            t!(l, mail.notice.passkey_removed.said, name = name).to_string(),
            (t!(l, mail.notice.see_passkeys), &security),
        ),
        Notice::TotpDisabled => (
            t!(l, mail.notice.totp_disabled.subject),
            t!(l, mail.notice.totp_disabled.said).to_owned(),
            (t!(l, mail.notice.turn_on_again), &security),
        ),
        Notice::RecoveryCodesCreated => (
            t!(l, mail.notice.recovery_codes.subject),
            t!(l, mail.notice.recovery_codes.said).to_owned(),
            (t!(l, mail.notice.see_security), &security),
        ),
        Notice::EmailChanged { new_email } => (
            t!(l, mail.notice.email_changed.subject),
            t!(l, mail.notice.email_changed.said, new_email = new_email).to_string(),
            (t!(l, mail.notice.see_security), &security),
        ),
        Notice::ProviderLinked { provider } => (
            t!(l, mail.notice.provider_linked.subject),
            t!(l, mail.notice.provider_linked.said, provider = provider).to_string(),
            (t!(l, mail.notice.see_security), &security),
        ),
        Notice::ProviderUnlinked { provider } => (
            t!(l, mail.notice.provider_unlinked.subject),
            t!(l, mail.notice.provider_unlinked.said, provider = provider).to_string(),
            (t!(l, mail.notice.see_security), &security),
        ),
        Notice::NewSignIn { device, network } => (
            t!(l, mail.notice.new_sign_in.subject),
            t!(l, mail.notice.new_sign_in.said, device = device, network = network).to_string(),
            (t!(l, mail.notice.see_sessions), &sessions),
        ),
        Notice::AccountLocked => (
            t!(l, mail.notice.account_locked.subject),
            t!(l, mail.notice.account_locked.said).to_owned(),
            (t!(l, mail.notice.go_to_login), &login),
        ),
        Notice::AccountUnlocked => (
            t!(l, mail.notice.account_unlocked.subject),
            t!(l, mail.notice.account_unlocked.said).to_owned(),
            (t!(l, mail.notice.go_to_login), &login),
        ),
    };
    Draft {
        language,
        to,
        subject,
        paragraphs: &[&said, t!(l, mail.not_you)],
        link: Some(link),
        after: &[],
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;
    const ENGLISH: Language = Language::ENGLISH;
    const KOREAN: Language = Language::KOREAN;

    #[test]
    fn links_start_with_the_base_url_in_both_parts() {
        let m = password_reset("https://auth.example.com", "a@example.com", "TOKEN", 3600, ENGLISH);
        assert!(m.text.contains("\nhttps://auth.example.com/reset-password/TOKEN\n"));
        assert!(m.html.contains("href=\"https://auth.example.com/reset-password/TOKEN\""));
        assert!(m.text.contains("for 1 hour"));
        assert!(m.text.starts_with("Hello,\n\n") && m.text.ends_with("-- \nGatehouse\n"), "{}", m.text);
        assert!(m.html.contains("Or paste this address into your browser: https://auth.example.com/reset-password/TOKEN"));
        assert_eq!(m.subject, "Reset your Gatehouse password");
        assert_eq!(m.to, "a@example.com");
    }

    #[test]
    fn a_korean_reset_mail_is_korean_with_the_same_link() {
        let m = password_reset("https://auth.example.com", "a@example.com", "TOKEN", 3600, KOREAN);
        assert_eq!(m.subject, "Gatehouse 비밀번호 재설정 안내");
        assert!(m.text.starts_with("안녕하세요.\n\n"), "{}", m.text);
        assert!(m.text.contains("새 비밀번호 설정하기:\nhttps://auth.example.com/reset-password/TOKEN\n"), "{}", m.text);
        assert!(m.text.contains("1시간 동안"), "{}", m.text);
        assert!(m.text.ends_with("-- \nGatehouse 드림\n"), "{}", m.text);
        assert!(m.html.contains("<html lang=\"ko\">"));
        assert!(m.html.contains("<a href=\"https://auth.example.com/reset-password/TOKEN\">새 비밀번호 설정하기</a>"), "{}", m.html);
        assert!(m.html.contains("붙여 넣으세요: https://auth.example.com/reset-password/TOKEN"), "{}", m.html);
        assert!(!m.text.contains("Hello") && !m.html.contains("Hello"));
        assert_eq!(m.to, "a@example.com");
    }

    #[test]
    fn every_mail_is_written_in_the_language_asked_for() {
        let base = "https://a.test";
        let notices = [
            Notice::PasskeyAdded { name: "Phone".into() },
            Notice::PasskeyRemoved { name: "Phone".into() },
            Notice::TotpDisabled,
            Notice::RecoveryCodesCreated,
            Notice::EmailChanged { new_email: "new@example.com".into() },
            Notice::NewSignIn { device: "Firefox".into(), network: "198.51.100.0/24".into() },
        ];
        let mails = |language| {
            let mut all = vec![
                password_reset(base, "a@example.com", "T", 3600, language),
                confirm_signup(base, "a@example.com", "T", 172_800, language),
                confirm_change(base, "b@example.com", "T", 172_800, language),
                password_changed(base, "a@example.com", language),
                password_reset_done(base, "a@example.com", language),
                email_change_requested(base, "a@example.com", "b@example.com", language),
            ];
            all.extend(notices.iter().map(|n| notice(base, "a@example.com", n, language)));
            all
        };
        let hangul = |s: &str| s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
        for (english, korean) in mails(ENGLISH).into_iter().zip(mails(KOREAN)) {
            assert!(!hangul(&english.subject) && !hangul(&english.text) && !hangul(&english.html), "{}", english.text);
            assert!(hangul(&korean.subject), "{}", korean.subject);
            assert_ne!(english.subject, korean.subject);
            assert!(korean.text.starts_with("안녕하세요."), "{}", korean.text);
            assert!(!korean.text.contains("Hello") && !korean.html.contains("Hello"), "{}", korean.text);
            assert!(!korean.html.contains("paste"), "{}", korean.html);
            assert_eq!(english.to, korean.to);
            // The same links, each alone on its line.
            let links = |m: &Message| m.text.lines().filter(|l| l.starts_with(base)).map(str::to_owned).collect::<Vec<_>>();
            assert_eq!(links(&english), links(&korean));
            assert_eq!(links(&korean).len(), 1, "{}", korean.text);
        }
    }

    #[test]
    fn addresses_are_escaped_in_html() {
        for language in Language::all() {
            let m = email_change_requested("http://x", "a@example.com", "<b>@example.com", language);
            assert!(m.html.contains("&lt;b&gt;@example.com"));
            assert!(!m.html.contains("<b>@"));
        }
    }

    #[test]
    fn notices_link_to_the_page_where_it_can_be_undone() {
        let m = notice("https://a.test", "a@example.com", &Notice::PasskeyAdded { name: "<Phone>".into() }, ENGLISH);
        assert!(m.text.contains("https://a.test/security"), "{}", m.text);
        assert!(m.html.contains("&quot;&lt;Phone&gt;&quot;"), "{}", m.html);
        let m = notice("https://a.test", "a@example.com", &Notice::PasskeyAdded { name: "<Phone>".into() }, KOREAN);
        assert!(m.html.contains("&quot;&lt;Phone&gt;&quot; 패스키"), "{}", m.html);
        let new_sign_in = Notice::NewSignIn {
            device: "Firefox on Linux".into(),
            network: "198.51.100.0/24".into(),
        };
        let m = notice("https://a.test", "a@example.com", &new_sign_in, ENGLISH);
        assert!(m.text.contains("https://a.test/sessions") && m.text.contains("Firefox on Linux"));
        assert!(m.text.contains("198.51.100.0/24"));
        let new_sign_in = Notice::NewSignIn {
            device: "Linux의 Firefox".into(),
            network: "198.51.100.0/24".into(),
        };
        let m = notice("https://a.test", "a@example.com", &new_sign_in, KOREAN);
        assert!(m.text.contains("https://a.test/sessions") && m.text.contains("Linux의 Firefox에서"), "{}", m.text);
        assert!(m.text.contains("198.51.100.0/24"));
    }

    #[test]
    fn lifetimes_read_as_words() {
        assert_eq!(lifetime(86_400, ENGLISH), "1 day");
        assert_eq!(lifetime(172_800, ENGLISH), "2 days");
        assert_eq!(lifetime(3_600, ENGLISH), "1 hour");
        assert_eq!(lifetime(7_200, ENGLISH), "2 hours");
        assert_eq!(lifetime(60, ENGLISH), "1 minute");
        assert_eq!(lifetime(90, ENGLISH), "2 minutes");
        assert_eq!(lifetime(180, ENGLISH), "3 minutes");
        assert_eq!(lifetime(3_600, KOREAN), "1시간");
        assert_eq!(lifetime(172_800, KOREAN), "2일");
        assert_eq!(lifetime(180, KOREAN), "3분");
        assert_eq!(lifetime(90, KOREAN), "2분");
    }
}
