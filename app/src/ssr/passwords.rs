//! argon2id hashing, off the async runtime, bounded and at a low CPU
//! priority, so a burst of logins cannot starve every other request.

use super::internal::Internal;
use crate::{domain::Password, error::ApiError};
use argon2::{
    password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier},
    Algorithm, Argon2, Params, Version,
};
use std::{
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;

/// No request waits longer than this for its hash: past it, new ones are
/// turned away at once (503 with `Retry-After`) rather than queued.
pub const MAX_WAIT: Duration = Duration::from_secs(5);


/// OWASP's minimum for argon2id: 19 MiB, two passes, one lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// The nice value of the hashing threads: the scheduler gives a thread at
/// nice 10 about a tenth of the CPU of one at 0 when both want it.
const NICE: i32 = 10;

#[derive(Clone)]
pub struct Hasher {
    argon2: Argon2<'static>,
    /// One thread per core, each at nice [`NICE`]: a login storm then slows
    /// logins (each is tens of milliseconds of argon2) rather than every
    /// signed-in page, which runs at normal priority.
    threads: Arc<rayon::ThreadPool>,
    /// Hashes waiting for a thread wait here, so one whose client has gone
    /// away is dropped before it costs anything.
    permits: Arc<Semaphore>,
    /// A real hash at the same parameters, verified against when the email
    /// is unknown, so a failed login takes as long either way.
    dummy_hash: Arc<str>,
    /// How many hashes wait or run, and how long one takes: together they
    /// say how long a new one would wait.
    load: Arc<Load>,
    concurrency: usize,
    /// [`MAX_WAIT`], or shorter in tests.
    max_wait: Duration,
}

struct Load {
    waiting: AtomicUsize,
    /// A moving average of one hash's time on its thread, in microseconds.
    average_micros: AtomicU64,
}

/// A place in the queue, given up when dropped (done, or the client left).
struct Place<'a>(&'a Load);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Load {
    /// How long a hash asked for now would wait before it starts, with
    /// `ahead` hashes before it on `threads` threads.
    fn expected_wait(&self, ahead: usize, threads: usize) -> Duration {
        let rounds = (ahead / threads.max(1)) as u64;
        Duration::from_micros(rounds.saturating_mul(self.average_micros.load(Ordering::Relaxed)))
    }

    fn took(&self, time: Duration) {
        let sample = u64::try_from(time.as_micros()).unwrap_or(u64::MAX);
        // An eighth of each new sample: steady, yet it follows a machine
        // that gets busy within a few dozen hashes.
        let old = self.average_micros.load(Ordering::Relaxed);
        let new = old - old / 8 + sample / 8;
        self.average_micros.store(new.max(1), Ordering::Relaxed);
    }
}

/// Counts a hash in `gatehouse_password_hash_queue` while it waits or runs.
struct Queued;

impl Queued {
    fn enter() -> Self {
        metrics::gauge!("gatehouse_password_hash_queue").increment(1.0);
        Self
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        metrics::gauge!("gatehouse_password_hash_queue").decrement(1.0);
    }
}

pub type HasherError = Box<dyn std::error::Error + Send + Sync>;

impl Hasher {
    /// `concurrency` bounds how many hashes run at once (each takes 19 MiB
    /// and a core for tens of milliseconds).
    pub fn new(concurrency: usize) -> Result<Self, HasherError> {
        Self::with_max_wait(concurrency, MAX_WAIT)
    }

    /// The same, turning hashes away past `max_wait` of expected waiting.
    pub fn with_max_wait(concurrency: usize, max_wait: Duration) -> Result<Self, HasherError> {
        let concurrency = concurrency.max(1);
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(concurrency)
            .thread_name(|i| format!("argon2-{i}"))
            .start_handler(|_| lower_priority())
            // A panic in a hash ends that job (its caller gets a 503), not
            // the process, which is rayon's default.
            .panic_handler(|_| tracing::error!("password hashing panicked"))
            .build()?;
        let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let started = Instant::now();
        let dummy_hash = argon2
            .hash_password(b"gatehouse-dummy-password")?
            .to_string()
            .into();
        let load = Load {
            waiting: AtomicUsize::new(0),
            // The first guess at a hash's time: the dummy's, just made.
            average_micros: AtomicU64::new(u64::try_from(started.elapsed().as_micros()).unwrap_or(50_000).max(1)),
        };
        Ok(Self {
            argon2,
            threads: Arc::new(threads),
            permits: Arc::new(Semaphore::new(concurrency)),
            dummy_hash,
            load: Arc::new(load),
            concurrency,
            max_wait,
        })
    }

    pub async fn hash(&self, password: &Password) -> Result<String, ApiError> {
        let password = password.expose().to_owned();
        let argon2 = self.argon2.clone();
        self.run(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .ok()
        })
        .await?
        .ok_or_else(ApiError::unavailable)
    }

    /// Checks `password` against `stored`, or against the dummy hash when
    /// there is no such user, and answers false in that case.
    pub async fn verify(&self, password: &str, stored: Option<String>) -> Result<bool, ApiError> {
        // An account made by a provider has no password (''): checked
        // against the dummy hash, as an unknown account is.
        let stored = stored.filter(|hash| !hash.is_empty());
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let password = password.to_owned();
        let argon2 = self.argon2.clone();
        let matches = self
            .run(move || {
                PasswordHash::new(&hash)
                    .map(|parsed| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
                    .unwrap_or(false)
            })
            .await?;
        Ok(known && matches)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let ahead = self.load.waiting.fetch_add(1, Ordering::Relaxed);
        let _place = Place(&self.load);
        let wait = self.load.expected_wait(ahead, self.concurrency);
        if wait > self.max_wait {
            metrics::counter!("gatehouse_password_hash_refused_total").increment(1);
            return Err(ApiError::busy(wait.as_secs().clamp(1, 60)));
        }
        // Hashes waiting or running, for /metrics.
        let _queued = Queued::enter();
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|err| ApiError::from(Internal::new("password hashing", err)))?;
        let (done, result) = tokio::sync::oneshot::channel();
        let load = self.load.clone();
        self.threads.spawn(move || {
            let started = Instant::now();
            let value = work();
            load.took(started.elapsed());
            // The caller may have gone away meanwhile; nothing to tell then.
            let _ = done.send(value);
        });
        result.await.map_err(|err| Internal::new("password hashing", err).into())
    }
}

/// Lowers the calling thread's CPU priority to nice [`NICE`] (or leaves it
/// where it is, if the whole server already runs nicer than that). Linux
/// keeps a nice value per thread, so the rest of the process is untouched.
/// Raising a nice value needs no privilege; if it fails anyway, hashing
/// just runs at the server's priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: getpriority and setpriority only read their plain-integer
    // arguments; `who = 0` means the calling thread.
    unsafe {
        let current = libc::getpriority(libc::PRIO_PROCESS, 0);
        libc::setpriority(libc::PRIO_PROCESS, 0, current.max(NICE));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_at_owasp_parameters_and_verify() {
        let hasher = Hasher::new(2).unwrap();
        let password = Password::parse("correct horse battery").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher
            .verify("correct horse battery", Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hasher
            .verify("correct horse batterY", Some(hash))
            .await
            .unwrap());
        // Unknown user: verified against the dummy, still false.
        assert!(!hasher
            .verify("gatehouse-dummy-password", None)
            .await
            .unwrap());
    }

    #[test]
    fn the_expected_wait_counts_whole_rounds_of_the_threads() {
        let load = Load {
            waiting: AtomicUsize::new(0),
            average_micros: AtomicU64::new(100_000),
        };
        assert_eq!(load.expected_wait(1, 2), Duration::ZERO);
        assert_eq!(load.expected_wait(4, 2), Duration::from_millis(200));
        assert!(load.expected_wait(102, 2) > MAX_WAIT);
        load.took(Duration::from_millis(20));
        assert_eq!(load.average_micros.load(Ordering::Relaxed), 100_000 - 12_500 + 2_500);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_runs_at_a_lower_cpu_priority_than_requests() {
        let hasher = Hasher::new(1).unwrap();
        // SAFETY: getpriority reads the calling thread's nice value.
        let here = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let there = hasher
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) })
            .await
            .unwrap();
        assert_eq!(there, here.max(NICE), "the hashing thread's nice value");
    }
}
