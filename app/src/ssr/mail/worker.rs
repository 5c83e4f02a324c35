//! The delivery worker: claims due mail from the outbox, sends it, and
//! marks it sent or gives it back with a back-off. Each instance runs one;
//! claims keep them from sending a mail twice, and a claim whose worker
//! died runs out soon, so its mail is not held back for long.

use super::{
    outbox::{Claimed, Outbox},
    smtp::{SendError, Transport},
};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::{oneshot, watch, Notify};

/// How long a claim lasts unless renewed. The worker renews every claim it
/// still holds each [`RENEW_EVERY`], so a live worker never loses a mail it
/// is sending (or about to send, later in its batch) to another, however
/// long a send takes. A worker that dies stops renewing: its mail is
/// claimed again at most this long after the last renewal, well within a
/// minute.
const LEASE_SECS: i64 = 30;
/// How often held claims are renewed: a third of the lease, so a renewal
/// may fail (a busy database) and the next one still comes in time.
const RENEW_EVERY: Duration = Duration::from_secs(10);
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

/// Runs until `stop` turns true; a mail being sent then is finished first
/// (the server waits for it a while: see `WORKER_STOP_WAIT`), so it is not
/// lost.
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
        let lease = now() + LEASE_SECS;
        let batch = match outbox.claim(now(), lease, BATCH).await {
            Ok(batch) => batch,
            Err(err) => {
                tracing::warn!(%err, "could not read the outbox");
                Vec::new()
            }
        };
        if !batch.is_empty() {
            // Sends the batch while its claims are kept alive; both run
            // until the last mail is recorded, so no renewal lands after.
            let held = Mutex::new(Held {
                leases: batch.iter().map(|mail| (mail.id, lease)).collect(),
                lost: Vec::new(),
            });
            let (done, finished) = oneshot::channel();
            let work = async {
                deliver(&outbox, &transport, backoff, &stop, batch, &held).await;
                let _ = done.send(());
            };
            tokio::join!(work, keep_claimed(&outbox, &held, finished));
        } else {
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

/// The claims a worker holds on its batch: each mail's lease as last set,
/// and the mails whose claim another worker took meanwhile.
struct Held {
    leases: Vec<(i64, i64)>,
    lost: Vec<i64>,
}

fn lock(held: &Mutex<Held>) -> std::sync::MutexGuard<'_, Held> {
    held.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sends (or gives back, when stopping) each claimed mail in turn and
/// records the outcome; each mail leaves `held` once recorded. A mail
/// whose claim was lost (its renewals failed until the lease ran out, and
/// another worker claimed it) is left to that worker.
async fn deliver(
    outbox: &Outbox,
    transport: &Transport,
    backoff: Backoff,
    stop: &watch::Receiver<bool>,
    batch: Vec<Claimed>,
    held: &Mutex<Held>,
) {
    for mail in batch {
        let id = mail.id;
        if lock(held).lost.contains(&id) {
            tracing::warn!(id, "another worker holds this mail now; it sends it");
            continue;
        }
        let recorded = send_one(outbox, transport, backoff, stop, mail).await;
        if let Err(err) = recorded {
            // The claim runs out and the mail is tried again: it may
            // go twice, but it is not lost.
            tracing::warn!(id, %err, "could not record a mail's delivery");
        }
        lock(held).leases.retain(|&(h, _)| h != id);
    }
}

async fn send_one(
    outbox: &Outbox,
    transport: &Transport,
    backoff: Backoff,
    stop: &watch::Receiver<bool>,
    mail: Claimed,
) -> Result<(), sqlx::Error> {
    let id = mail.id;
    if *stop.borrow() {
        // Stopping: what was claimed but not begun goes back at once.
        return outbox.release(id).await;
    }
    let Some(message) = mail.message else {
        tracing::error!(id, "a queued mail could not be opened (was SESSION_SECRET changed?); it is set aside");
        return outbox.undeliverable(id, "could not be opened with this SESSION_SECRET").await;
    };
    let outcome = match tokio::time::timeout(SEND_TIMEOUT, transport.send(&message)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(SendError::Retry("the SMTP server took too long".into())),
    };
    match outcome {
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
    }
}

/// Renews the claims in `held` every [`RENEW_EVERY`] until `finished`.
/// A renewal in progress is completed first, so none lands after the
/// worker has moved on.
async fn keep_claimed(outbox: &Outbox, held: &Mutex<Held>, mut finished: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut finished => return,
            () = tokio::time::sleep(RENEW_EVERY) => {}
        }
        let leases = lock(held).leases.clone();
        for (id, lease) in leases {
            let until = now() + LEASE_SECS;
            match outbox.renew(id, lease, until).await {
                Ok(true) => {
                    let mut held = lock(held);
                    if let Some(entry) = held.leases.iter_mut().find(|(h, _)| *h == id) {
                        entry.1 = until;
                    }
                }
                // Recorded meanwhile (then it left `leases` too), or
                // claimed by another worker: not this one's to send.
                Ok(false) => {
                    let mut held = lock(held);
                    if held.leases.iter().any(|(h, _)| *h == id) {
                        held.lost.push(id);
                    }
                }
                // The next renewal may succeed before the claim runs out.
                Err(err) => tracing::warn!(id, %err, "could not renew the claim on a mail"),
            }
        }
    }
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
