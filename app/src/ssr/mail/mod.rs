//! Mail: what Gatehouse sends and how it is never lost.
//!
//! A call that sends mail writes it to the outbox table in the same
//! transaction as the change it belongs to ([`outbox::enqueue`]), and
//! answers; the [`worker`] delivers it over SMTP (lettre), retrying with
//! back-off while the server is down, across restarts, and with several
//! instances each mail exactly once. Without `SMTP_URL` in development no
//! worker runs: the outbox is the mailbox, shown at `/dev/mailbox`.

pub mod outbox;
pub mod seal;
pub mod smtp;
pub mod templates;
pub mod worker;

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One mail, before it is sealed into the outbox.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

// A body holds a live link: never in a log line.
impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message").field("subject", &self.subject).finish_non_exhaustive()
    }
}

/// How mail is made and where links point, shared by every call.
pub struct Mail {
    /// `APP_BASE_URL`, without a trailing slash: the start of every link.
    pub base_url: String,
    pub sealer: Arc<seal::Sealer>,
    /// Development without `SMTP_URL`: `/dev/mailbox` shows the outbox.
    pub dev_mailbox: bool,
    pub reset_ttl_secs: i64,
    pub confirm_ttl_secs: i64,
    /// Wakes this instance's worker when a mail is queued, so it goes at
    /// once rather than at the next poll.
    pub queued: Arc<tokio::sync::Notify>,
}

impl Mail {
    /// Says a transaction with mail in it has committed.
    pub fn wake(&self) {
        self.queued.notify_one();
    }
}
