//! What an authenticator app would show, computed with `totp-rs` from the
//! secret the API gave, apart from the app's own code.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Waits, if need be, until the current 30-second step has at least 8
/// seconds left, so a code computed now is judged in the same step.
pub async fn early_in_a_step() {
    let into = unix_now() % 30;
    if into > 22 {
        tokio::time::sleep(Duration::from_secs(30 - into)).await;
    }
}

/// What an authenticator app shows for `secret` (base32) at `offset`
/// seconds from now.
pub fn app_code(secret: &str, offset: i64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret).unwrap().as_ref().to_vec();
    let totp = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(bytes)
        .build()
        .unwrap();
    totp.generate((unix_now() as i64 + offset) as u64).to_string()
}
