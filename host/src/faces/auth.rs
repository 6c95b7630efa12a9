//! Who may call the faces. Credentials live in the configuration as argon2 hashes (never in
//! clear): users with a login and a password hash (REST Basic, seed 002's `auth` field) and
//! tokens (REST `Authorization: Bearer`, the WebSocket upgrade's `token` parameter or header).
//! With none configured authentication is off, which the host allows on loopback only.
//!
//! argon2 is slow on purpose (tens of milliseconds); a POS sends the same credential with every
//! request, so a credential once verified is remembered by its SHA-256 (with the hash it matched)
//! and not verified again. Failures are never remembered: each wrong guess pays the full price.

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::{Argon2, PasswordHasher};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::config::AuthConfig;

#[derive(Clone, Default)]
pub struct Auth {
    users: Vec<(String, String)>,
    tokens: Vec<String>,
    /// SHA-256 of (configured hash, presented secret) pairs that verified.
    verified: Arc<Mutex<HashSet<[u8; 32]>>>,
}

/// More remembered credentials than this are forgotten all at once (a shop has a few).
const MAX_REMEMBERED: usize = 1024;

/// Hashes a password or token for the configuration (`fiscal-host hash-secret`).
pub fn hash_secret(secret: &str) -> String {
    let salt =
        argon2::password_hash::SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any input")
        .to_string()
}

fn verify(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &h)
            .is_ok()
    })
}

impl Auth {
    pub fn from_config(config: &AuthConfig) -> Self {
        Self {
            users: config
                .users
                .iter()
                .map(|u| (u.login.clone(), u.password_hash.clone()))
                .collect(),
            tokens: config.token_hashes.clone(),
            verified: Arc::default(),
        }
    }

    fn verify(&self, secret: &str, hash: &str) -> bool {
        let key: [u8; 32] = Sha256::new()
            .chain_update(hash.as_bytes())
            .chain_update([0])
            .chain_update(secret.as_bytes())
            .finalize()
            .into();
        let remembered = || self.verified.lock().unwrap_or_else(|p| p.into_inner());
        if remembered().contains(&key) {
            return true;
        }
        let ok = verify(secret, hash);
        if ok {
            let mut set = remembered();
            if set.len() >= MAX_REMEMBERED {
                set.clear();
            }
            set.insert(key);
        }
        ok
    }

    /// Whether any credential is configured; without one every request is let in.
    pub fn enabled(&self) -> bool {
        !self.users.is_empty() || !self.tokens.is_empty()
    }

    pub fn check_login(&self, login: &str, password: &str) -> bool {
        !self.enabled()
            || self
                .users
                .iter()
                .any(|(l, h)| l == login && self.verify(password, h))
    }

    pub fn check_token(&self, token: &str) -> bool {
        !self.enabled() || self.tokens.iter().any(|h| self.verify(token, h))
    }

    /// Seed 002's `auth`: Base64 of `login:password`.
    pub fn check_basic_b64(&self, encoded: Option<&str>) -> bool {
        if !self.enabled() {
            return true;
        }
        let Some(decoded) = encoded
            .and_then(|e| {
                base64::engine::general_purpose::STANDARD
                    .decode(e.trim())
                    .ok()
            })
            .and_then(|d| String::from_utf8(d).ok())
        else {
            return false;
        };
        decoded
            .split_once(':')
            .is_some_and(|(login, password)| self.check_login(login, password))
    }

    /// An `Authorization` header: `Basic <base64 login:password>` or `Bearer <token>`.
    pub fn check_header(&self, header: Option<&str>) -> bool {
        if !self.enabled() {
            return true;
        }
        match header.and_then(|h| h.split_once(' ')) {
            Some((scheme, value)) if scheme.eq_ignore_ascii_case("basic") => {
                self.check_basic_b64(Some(value))
            }
            Some((scheme, value)) if scheme.eq_ignore_ascii_case("bearer") => {
                self.check_token(value.trim())
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AuthConfig, UserConfig};

    fn auth() -> Auth {
        Auth::from_config(&AuthConfig {
            users: vec![UserConfig {
                login: "kassa".into(),
                password_hash: hash_secret("kas123456"),
            }],
            token_hashes: vec![hash_secret("t0ken")],
        })
    }

    #[test]
    fn seed_002_auth_is_base64_of_login_and_password() {
        let auth = auth();
        // The seed's example: "a2Fzc2E6a2FzMTIzNDU2" is base64 of "kassa:kas123456".
        assert!(auth.check_basic_b64(Some("a2Fzc2E6a2FzMTIzNDU2")));
        assert!(!auth.check_basic_b64(Some("a2Fzc2E6d3Jvbmc="))); // kassa:wrong
        assert!(!auth.check_basic_b64(Some("not base64!")));
        assert!(!auth.check_basic_b64(None));
    }

    #[test]
    fn headers_take_basic_or_bearer() {
        let auth = auth();
        assert!(auth.check_header(Some("Basic a2Fzc2E6a2FzMTIzNDU2")));
        assert!(auth.check_header(Some("Bearer t0ken")));
        assert!(!auth.check_header(Some("Bearer nope")));
        assert!(!auth.check_header(Some("Digest x")));
        assert!(!auth.check_header(None));
    }

    #[test]
    fn without_credentials_everyone_is_let_in() {
        let open = Auth::default();
        assert!(!open.enabled());
        assert!(open.check_header(None));
        assert!(open.check_basic_b64(None));
    }

    #[test]
    fn a_verified_credential_is_remembered_and_a_wrong_one_never() {
        let auth = auth();
        assert!(auth.check_header(Some("Bearer t0ken")));
        assert_eq!(auth.verified.lock().unwrap().len(), 1);
        assert!(auth.check_header(Some("Bearer t0ken")));
        assert_eq!(
            auth.verified.lock().unwrap().len(),
            1,
            "remembered, not added again"
        );
        assert!(!auth.check_header(Some("Bearer t0ken2")));
        assert!(!auth.check_header(Some("Bearer t0ken2")));
        assert_eq!(
            auth.verified.lock().unwrap().len(),
            1,
            "failures are not remembered"
        );
        // The same secret against another configured hash is verified on its own.
        assert!(!auth.check_basic_b64(Some("a2Fzc2E6dDBrZW4="))); // kassa:t0ken
    }

    #[test]
    fn hashes_are_salted() {
        assert_ne!(hash_secret("same"), hash_secret("same"));
    }
}
