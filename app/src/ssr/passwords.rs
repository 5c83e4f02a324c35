//! argon2id hashing, off the async runtime and bounded, so a burst of logins
//! cannot starve every other request of worker threads.

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

#[derive(Clone)]
pub struct Hasher {
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    /// A real hash at the same parameters, verified against when the email
    /// is unknown, so a failed login takes as long either way.
    dummy_hash: Arc<str>,
}

pub type HasherError = Box<dyn std::error::Error + Send + Sync>;

impl Hasher {
    /// `concurrency` bounds how many hashes run at once (each takes 19 MiB
    /// and a core for tens of milliseconds).
    pub fn new(concurrency: usize) -> Result<Self, HasherError> {
        let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = argon2
            .hash_password(b"gatehouse-dummy-password")?
            .to_string()
            .into();
        Ok(Self {
            argon2,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
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
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::unavailable())?;
        tokio::task::spawn_blocking(work).await.map_err(|err| {
            tracing::error!(%err, "password hashing task failed");
            ApiError::unavailable()
        })
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
}
