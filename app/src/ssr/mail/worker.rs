//! The delivery worker: claims due mail from the outbox, sends it, and
//! marks it sent or gives it back with a back-off. Each instance runs one;
//! claims keep them from sending a mail twice.

use super::{
    outbox::Outbox,
    smtp::{SendError, Transport},
};
use std::{sync::Arc, time::Duration};
use tokio::sync::{watch, Notify};

/// How long a claim lasts: twice the longest a send may take
/// ([`SEND_TIMEOUT`]), so a live worker never loses a mail it is sending to
/// another. A worker that dies mid-send leaves it to be claimed again then.
const LEASE_SECS: i64 = 120;
/// The longest one send may take, all SMTP commands included.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// Mails claimed at once.
const BATCH: i64 = 10;
/// How often an idle worker looks for mail queued by other instances and
/// for retries that came due.
const POLL: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// The longest wait between two attempts at one mail, in seconds.
    pub max_secs: i64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { max_secs: 300 }
    }
}

impl Backoff {
    /// 2, 4, 8… seconds after the first, second, third… failed attempt,
    /// up to `max_secs`.
    pub fn after(&self, attempts: i64) -> i64 {
        let exp = attempts.clamp(1, 20) as u32;
        2i64.pow(exp).min(self.max_secs.max(1))
    }
}

fn now() -> i64 {
    crate::ssr::session::now()
}

/// Runs until `stop` turns true; a mail being sent then is finished first,
/// so it is neither lost nor sent twice.
pub async fn run(
    outbox: Outbox,
    transport: Transport,
    queued: Arc<Notify>,
    backoff: Backoff,
    mut stop: watch::Receiver<bool>,
) {
    tracing::info!("mail worker started");
    loop {
        if *stop.borrow() {
            break;
        }
        let batch = match outbox.claim(now(), now() + LEASE_SECS, BATCH).await {
            Ok(batch) => batch,
            Err(err) => {
                tracing::warn!(%err, "could not read the outbox");
                Vec::new()
            }
        };
        let idle = batch.is_empty();
        for mail in batch {
            let id = mail.id;
            if *stop.borrow() {
                // Stopping: what was claimed but not begun goes back at once.
                let _ = outbox.release(id).await;
                continue;
            }
            let Some(message) = mail.message else {
                tracing::error!(id, "a queued mail could not be opened (was SESSION_SECRET changed?); it is set aside");
                let _ = outbox.undeliverable(id, "could not be opened with this SESSION_SECRET").await;
                continue;
            };
            let outcome = match tokio::time::timeout(SEND_TIMEOUT, transport.send(&message)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(SendError::Retry("the SMTP server took too long".into())),
            };
            let recorded = match outcome {
                Ok(()) => {
                    tracing::info!(id, "mail sent");
                    metrics::counter!("gatehouse_mail_sent_total").increment(1);
                    outbox.sent(id, now()).await
                }
                Err(SendError::Retry(err)) => {
                    metrics::counter!("gatehouse_mail_delivery_failures_total", "kind" => "retry").increment(1);
                    let wait = backoff.after(mail.attempts);
                    tracing::warn!(id, attempts = mail.attempts, retry_in_secs = wait, error = %err, "mail not sent; will retry");
                    outbox.failed(id, now() + wait, &err).await
                }
                Err(SendError::Permanent(err)) => {
                    metrics::counter!("gatehouse_mail_delivery_failures_total", "kind" => "permanent").increment(1);
                    tracing::error!(id, error = %err, "mail refused for good; it is set aside");
                    outbox.undeliverable(id, &err).await
                }
            };
            if let Err(err) = recorded {
                // The claim runs out and the mail is tried again: it may
                // go twice, but it is not lost.
                tracing::warn!(id, %err, "could not record a mail's delivery");
            }
        }
        if idle {
            tokio::select! {
                _ = queued.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                changed = stop.changed() => {
                    // The server that owned the switch is gone.
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
    }
    tracing::info!("mail worker stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = Backoff { max_secs: 300 };
        assert_eq!([1, 2, 3].map(|a| b.after(a)), [2, 4, 8]);
        assert_eq!(b.after(12), 300);
        assert_eq!(b.after(i64::MAX), 300);
        assert_eq!(Backoff { max_secs: 1 }.after(5), 1);
    }
}
