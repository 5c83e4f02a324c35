//! The mails Gatehouse sends, in words: plain text with an HTML
//! alternative. Every link starts with `APP_BASE_URL`, never with a
//! request's `Host`, which an attacker can set.

use super::Message;

/// The pieces of a mail that say one thing: a greeting line, paragraphs,
/// and at most one button-like link.
struct Draft<'a> {
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
        let mut text = String::from("Hello,\n\n");
        let mut html = String::from(
            "<!DOCTYPE html><html><body style=\"font-family: sans-serif; line-height: 1.5\">\
             <p>Hello,</p>",
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
                "<p><a href=\"{0}\">{1}</a></p><p style=\"font-size: 0.9em\">Or paste this \
                 address into your browser: {0}</p>",
                escape(url),
                escape(label)
            ));
        }
        for p in self.after {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape(p)));
        }
        text.push_str("-- \nGatehouse\n");
        html.push_str("<p>Gatehouse</p></body></html>");
        Message {
            to: self.to.to_owned(),
            subject: self.subject.to_owned(),
            text,
            html,
        }
    }
}

fn minutes(ttl_secs: i64) -> String {
    match ttl_secs {
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3_600 == 0 => plural(s / 3_600, "hour"),
        s => plural((s + 59) / 60, "minute"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

pub fn password_reset(base: &str, to: &str, token: &str, ttl_secs: i64) -> Message {
    let url = format!("{base}/reset-password/{token}");
    let works = format!(
        "The link works once, for {}. If you didn't ask for it, ignore this mail: \
         your password stays as it is.",
        minutes(ttl_secs)
    );
    Draft {
        to,
        subject: "Reset your Gatehouse password",
        paragraphs: &["Someone (we hope you) asked to reset the password of your Gatehouse account."],
        link: Some(("Choose a new password", &url)),
        after: &[&works],
    }
    .render()
}

pub fn confirm_signup(base: &str, to: &str, token: &str, ttl_secs: i64) -> Message {
    let url = format!("{base}/confirm-email/{token}");
    let works = format!(
        "The link works for {}. If you didn't sign up, ignore this mail.",
        minutes(ttl_secs)
    );
    Draft {
        to,
        subject: "Confirm your email address for Gatehouse",
        paragraphs: &["Welcome to Gatehouse. Please confirm that this is your email address."],
        link: Some(("Confirm your address", &url)),
        after: &[&works],
    }
    .render()
}

pub fn confirm_change(base: &str, to: &str, token: &str, ttl_secs: i64) -> Message {
    let url = format!("{base}/confirm-email/{token}");
    let works = format!(
        "Until you use the link, your account keeps its old address. It works for {}. \
         If you didn't ask for this, ignore this mail.",
        minutes(ttl_secs)
    );
    Draft {
        to,
        subject: "Confirm your new email address for Gatehouse",
        paragraphs: &["Someone (we hope you) asked to move a Gatehouse account to this address."],
        link: Some(("Confirm the new address", &url)),
        after: &[&works],
    }
    .render()
}

const NOT_YOU: &str = "If this wasn't you, reset your password at once with \"Forgot your \
                       password?\" on the login page, and look at where your account is signed in.";

pub fn password_changed(base: &str, to: &str) -> Message {
    let login = format!("{base}/login");
    Draft {
        to,
        subject: "Your Gatehouse password was changed",
        paragraphs: &[
            "The password of your Gatehouse account was just changed, and every other device was signed out.",
            NOT_YOU,
        ],
        link: Some(("Log in", &login)),
        after: &[],
    }
    .render()
}

pub fn password_reset_done(base: &str, to: &str) -> Message {
    let login = format!("{base}/login");
    Draft {
        to,
        subject: "Your Gatehouse password was reset",
        paragraphs: &[
            "The password of your Gatehouse account was just reset with a link sent to this \
             address, and every device was signed out.",
            NOT_YOU,
        ],
        link: Some(("Log in", &login)),
        after: &[],
    }
    .render()
}

pub fn email_change_requested(base: &str, to: &str, new_email: &str) -> Message {
    let asked = format!(
        "Someone signed in to your Gatehouse account asked to change its email address to \
         {new_email}. Nothing changes until a link sent there is used."
    );
    let login = format!("{base}/login");
    Draft {
        to,
        subject: "A change of your Gatehouse email address was asked for",
        paragraphs: &[&asked, NOT_YOU],
        link: Some(("Log in", &login)),
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
    /// A sign-in from a browser and network the account has not used in
    /// 90 days: what the browser said it is, and the network.
    NewSignIn { device: String, network: String },
}

pub fn notice(base: &str, to: &str, notice: &Notice) -> Message {
    let security = format!("{base}/security");
    let sessions = format!("{base}/sessions");
    let (subject, said, link): (&str, String, (&str, &str)) = match notice {
        Notice::PasskeyAdded { name } => (
            "A passkey was added to your Gatehouse account",
            format!("A passkey named \"{name}\" was added to your Gatehouse account. It signs in without the password."),
            ("See your passkeys", &security),
        ),
        Notice::PasskeyRemoved { name } => (
            "A passkey was removed from your Gatehouse account",
            format!("The passkey named \"{name}\" was removed from your Gatehouse account."),
            ("See your passkeys", &security),
        ),
        Notice::TotpDisabled => (
            "Two-step verification was turned off",
            "Two-step verification was turned off for your Gatehouse account: the password alone now signs in.".to_owned(),
            ("Turn it on again", &security),
        ),
        Notice::RecoveryCodesCreated => (
            "New recovery codes for your Gatehouse account",
            "New recovery codes were made for your Gatehouse account; the earlier ones no longer work.".to_owned(),
            ("See your security settings", &security),
        ),
        Notice::EmailChanged { new_email } => (
            "Your Gatehouse email address was changed",
            format!("The email address of your Gatehouse account is now {new_email}. This address no longer signs in."),
            ("See your security settings", &security),
        ),
        Notice::NewSignIn { device, network } => (
            "A new sign-in to your Gatehouse account",
            format!("Your Gatehouse account was just signed in from {device}, from the network {network}: a browser and network it has not signed in from in the last 90 days."),
            ("See where you are signed in", &sessions),
        ),
    };
    Draft {
        to,
        subject,
        paragraphs: &[&said, NOT_YOU],
        link: Some(link),
        after: &[],
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_start_with_the_base_url_in_both_parts() {
        let m = password_reset("https://auth.example.com", "a@example.com", "TOKEN", 3600);
        assert!(m.text.contains("\nhttps://auth.example.com/reset-password/TOKEN\n"));
        assert!(m.html.contains("href=\"https://auth.example.com/reset-password/TOKEN\""));
        assert!(m.text.contains("for 1 hour"));
        assert_eq!(m.to, "a@example.com");
    }

    #[test]
    fn addresses_are_escaped_in_html() {
        let m = email_change_requested("http://x", "a@example.com", "<b>@example.com");
        assert!(m.html.contains("&lt;b&gt;@example.com"));
        assert!(!m.html.contains("<b>@"));
    }

    #[test]
    fn notices_link_to_the_page_where_it_can_be_undone() {
        let m = notice("https://a.test", "a@example.com", &Notice::PasskeyAdded { name: "<Phone>".into() });
        assert!(m.text.contains("https://a.test/security"), "{}", m.text);
        assert!(m.html.contains("&quot;&lt;Phone&gt;&quot;"), "{}", m.html);
        let m = notice("https://a.test", "a@example.com", &Notice::NewSignIn {
            device: "Firefox on Linux".into(),
            network: "198.51.100.0/24".into(),
        });
        assert!(m.text.contains("https://a.test/sessions") && m.text.contains("Firefox on Linux"));
        assert!(m.text.contains("198.51.100.0/24"));
    }

    #[test]
    fn lifetimes_read_as_words() {
        assert_eq!(minutes(86_400), "1 day");
        assert_eq!(minutes(7_200), "2 hours");
        assert_eq!(minutes(90), "2 minutes");
    }
}
