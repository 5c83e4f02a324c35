//! `SMTP_URL` and sending one mail with lettre.
//!
//! - `smtp://host:port`: plain SMTP, for a local relay or a test server;
//! - `smtp://user:pass@host:587`: STARTTLS, required (never falls back to
//!   plain text with a password in it);
//! - `smtps://user:pass@host:465`: TLS from the first byte.

use super::Message;
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    transport::smtp::authentication::Credentials,
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use std::time::Duration;

/// A parsed `SMTP_URL`. Its `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub security: Security,
    pub host: String,
    pub port: u16,
    credentials: Option<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    Plain,
    StartTls,
    Tls,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {}:{}", self.security, self.host, self.port)
    }
}

impl SmtpSettings {
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = url::Url::parse(text.trim()).map_err(|e| format!("not a URL ({e})"))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("it names no host")?
            .trim_matches(['[', ']'])
            .to_owned();
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|text| text.into_owned())
                .map_err(|_| "its user name or password is not valid percent-encoding".to_owned())
        };
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, Some(pass)) => Some((decode(user)?, decode(pass)?)),
            (_, None) => return Err("it has a user name but no password".into()),
        };
        let (security, default_port) = match (url.scheme(), &credentials) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some(_)) => (Security::StartTls, 587),
            ("smtps", _) => (Security::Tls, 465),
            (other, _) => return Err(format!("`{other}://` is not `smtp://` or `smtps://`")),
        };
        Ok(Self {
            security,
            port: url.port().unwrap_or(default_port),
            host,
            credentials,
        })
    }
}

/// Why a mail was not sent: worth trying again later, or never.
#[derive(Debug)]
pub enum SendError {
    Retry(String),
    Permanent(String),
}

/// The SMTP connection (a small pool, kept open between mails).
#[derive(Clone)]
pub struct Transport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Transport {
    pub fn new(settings: &SmtpSettings, from: Mailbox) -> Result<Self, String> {
        let host = settings.host.as_str();
        let builder = match settings.security {
            Security::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| format!("TLS set-up for {host}: {e}"))?,
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| format!("TLS set-up for {host}: {e}"))?,
        };
        let mut builder = builder
            .port(settings.port)
            // A server that hangs must not hold a mail's lease for long.
            .timeout(Some(Duration::from_secs(20)));
        if let Some((user, pass)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        Ok(Self {
            inner: builder.build(),
            from,
        })
    }

    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("the recipient's address was refused: {e}")))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(message.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(message.html.clone()),
                    ),
            )
            .map_err(|e| SendError::Permanent(format!("the mail could not be built: {e}")))?;
        match self.inner.send(email).await {
            Ok(_) => Ok(()),
            // 5xx: the server refuses this mail for good.
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Retry(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_security_the_contract_names() {
        let plain = SmtpSettings::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((plain.security, plain.port), (Security::Plain, 2525));
        let starttls = SmtpSettings::parse("smtp://me:p%40ss@mail.example.com").unwrap();
        assert_eq!((starttls.security, starttls.port), (Security::StartTls, 587));
        assert_eq!(starttls.credentials.as_ref().unwrap().1, "p@ss");
        let tls = SmtpSettings::parse("smtps://me:pw@mail.example.com:465").unwrap();
        assert_eq!(tls.security, Security::Tls);
        assert!(!format!("{tls:?}").contains("pw"));
        for bad in ["http://x", "smtp://", "nonsense", "smtp://me@host"] {
            assert!(SmtpSettings::parse(bad).is_err(), "{bad}");
        }
    }
}
