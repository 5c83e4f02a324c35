//! Sealing the outbox's bodies at rest: a waiting mail carries a live link,
//! so a copy of the database must not give it away. XChaCha20-Poly1305 (an
//! AEAD: tampering is detected) with a random 24-byte nonce per mail, under
//! a key derived from SESSION_SECRET with HKDF, so it is never the cookie
//! key itself.

use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};

const NONCE_LEN: usize = 24;

/// 32 bytes of key for `purpose`, derived from SESSION_SECRET with HKDF.
pub fn derive_key(secret: &[u8], purpose: &[u8]) -> [u8; 32] {
    let mut key = [0u8; 32];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(b"gatehouse"), secret)
        .expand(purpose, &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    key
}

pub struct Sealer(XChaCha20Poly1305);

impl Sealer {
    /// The outbox's sealer.
    pub fn new(secret: &[u8]) -> Self {
        Self::for_purpose(secret, b"outbox body v1")
    }

    /// A sealer whose key is derived for `purpose` alone (the outbox, the
    /// authenticator apps' secrets), so one never opens the other's data.
    pub fn for_purpose(secret: &[u8], purpose: &[u8]) -> Self {
        Self(XChaCha20Poly1305::new(&derive_key(secret, purpose).into()))
    }

    /// `nonce || ciphertext`. `bound` (the recipient and subject) is
    /// authenticated too, so a body can't be moved to another row. `None`
    /// only past the cipher's length limit (256 GiB), far beyond any mail.
    pub fn seal(&self, plaintext: &[u8], bound: &[u8]) -> Option<Vec<u8>> {
        use rand::RngCore as _;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: bound })
            .ok()?;
        Some([nonce.as_slice(), &sealed].concat())
    }

    /// The plaintext, or `None` when it was sealed under another key (the
    /// secret changed) or altered.
    pub fn open(&self, sealed: &[u8], bound: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.0
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: bound })
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_sealed_and_nothing_else() {
        let sealer = Sealer::new(&[7; 64]);
        let sealed = sealer.seal(b"a live link", b"to").unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"live"));
        assert_eq!(sealer.open(&sealed, b"to").unwrap(), b"a live link");
        assert!(sealer.open(&sealed, b"another").is_none());
        assert!(Sealer::new(&[8; 64]).open(&sealed, b"to").is_none());
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(sealer.open(&altered, b"to").is_none());
        assert!(sealer.open(b"short", b"to").is_none());
        // A fresh nonce each time: the same mail never seals the same way.
        assert_ne!(sealer.seal(b"x", b"to"), sealer.seal(b"x", b"to"));
        assert!(sealer.seal(b"x", b"to").is_some());
        // Another purpose, another key.
        assert!(Sealer::for_purpose(&[7; 64], b"other").open(&sealed, b"to").is_none());
    }
}
