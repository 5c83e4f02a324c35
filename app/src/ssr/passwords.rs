//! argon2id hashing, off the async runtime, bounded and at a low CPU
//! priority, so a burst of logins cannot starve every other request.

use crate::{domain::Password, error::ApiError};
use argon2::{
    password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier},
    Algorithm, Argon2, Params, Version,
};
use std::sync::Arc;
use tokio::sync::Semaphore;

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
        let dummy_hash = argon2
            .hash_password(b"gatehouse-dummy-password")?
            .to_string()
            .into();
        Ok(Self {
            argon2,
            threads: Arc::new(threads),
            permits: Arc::new(Semaphore::new(concurrency)),
            dummy_hash,
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
        // Hashes waiting or running, for /metrics.
        let _queued = Queued::enter();
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::unavailable())?;
        let (done, result) = tokio::sync::oneshot::channel();
        self.threads.spawn(move || {
            // The caller may have gone away meanwhile; nothing to tell then.
            let _ = done.send(work());
        });
        result.await.map_err(|_| ApiError::unavailable())
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
