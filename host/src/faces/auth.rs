//! Who may call the faces. Credentials live in the configuration as argon2 hashes (never in
//! clear): users with a login and a password hash (REST Basic, seed 002's `auth` field) and
//! tokens (REST `Authorization: Bearer`, the WebSocket upgrade's `token` parameter or header).
//! With none configured authentication is off, which the host allows on loopback only.
//!
//! argon2 is slow and memory-hard on purpose (tens of milliseconds, 19 MiB per verification),
//! which makes it a weapon in a guesser's hands unless three things hold:
//! - **Off the async workers, one at a time.** Verifications run on one thread of their own
//!   behind a short queue: a burst of wrong logins costs one core and one argon2 buffer, not
//!   every worker thread (an honest `/health` waited 193 ms behind 16 guessers) and not 64
//!   buffers at once (3.88 GB resident). A full queue is answered "try later", unverified.
//! - **Guessing is slowed, then locked out** (`Limiter`), per client address and per login:
//!   a few failures are free (a cashier mistypes), then each attempt must wait 1, 2, 4, 8 s,
//!   then the key is locked for a minute at a time. An attempt is counted when it starts, so
//!   64 concurrent guesses from one address get the same few tries as 64 sequential ones.
//! - **A credential once verified is remembered** by its SHA-256 (with the hash it matched)
//!   and let in without argon2 and without asking the limiter: a POS sends the same credential
//!   with every request, and a guesser hammering the shop's address or login must not lock the
//!   shop's own tills out. Failures are never remembered.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::{Argon2, PasswordHasher};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::config::AuthConfig;

/// What a presented credential gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Denied,
    /// Too many failures from this address or for this login (or too many verifications
    /// waiting): not verified at all; try again after this long.
    Throttled {
        retry_after: Duration,
    },
}

impl Verdict {
    pub fn allowed(self) -> bool {
        self == Verdict::Allowed
    }

    /// Whole seconds to wait, rounded up: what `Retry-After` and the faces' replies carry.
    pub fn retry_after_secs(self) -> Option<u64> {
        match self {
            Verdict::Throttled { retry_after } => {
                Some(retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0))
            }
            _ => None,
        }
    }
}

#[derive(Clone, Default)]
pub struct Auth {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    users: Vec<(String, String)>,
    tokens: Vec<String>,
    /// SHA-256 of (configured hash, presented secret) pairs that verified.
    verified: Mutex<HashSet<[u8; 32]>>,
    limiter: Mutex<Limiter>,
    /// The verifying thread's queue; `None` when no credential is configured.
    verifier: Option<SyncSender<Job>>,
}

/// More remembered credentials than this are forgotten all at once (a shop has a few).
const MAX_REMEMBERED: usize = 1024;

/// Verifications waiting for the thread beyond this are refused unverified: at ~50 ms each a
/// longer queue would only make honest logins wait behind guesses.
const VERIFY_QUEUE: usize = 16;

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

/// One verification for the thread: does the secret match any of the hashes?
struct Job {
    secret: String,
    hashes: Vec<String>,
    answer: tokio::sync::oneshot::Sender<Option<String>>,
}

/// The verifying thread: one, so argon2 never takes more than one core and one buffer, and
/// its allocations are reused in one arena instead of each worker thread keeping its own.
fn start_verifier() -> SyncSender<Job> {
    let (sender, jobs) = std::sync::mpsc::sync_channel::<Job>(VERIFY_QUEUE);
    std::thread::Builder::new()
        .name("auth-verifier".into())
        .spawn(move || {
            // An unknown login is checked against a hash of nothing, so that it takes as long
            // as a known one: the time of an answer does not tell a guesser which logins exist.
            let mut stand_in: Option<String> = None;
            for job in jobs {
                let matched = if job.hashes.is_empty() {
                    let stand_in = stand_in.get_or_insert_with(|| hash_secret(""));
                    let _ = verify(&job.secret, stand_in);
                    None
                } else {
                    job.hashes.into_iter().find(|h| verify(&job.secret, h))
                };
                let _ = job.answer.send(matched);
            }
        })
        .expect("a thread can be started at start-up");
    sender
}

/// What a request presented.
enum Credential<'a> {
    Login {
        login: String,
        password: String,
    },
    Token(&'a str),
    /// Something presented that cannot be a credential: a scheme we do not take, not Base64 of
    /// `login:password`. Counted as a failure (it costs nothing to verify, but it is a guess).
    Malformed,
    /// Nothing presented: not a guess (a load balancer asking `/health`), so not counted.
    Absent,
}

impl Auth {
    pub fn from_config(config: &AuthConfig) -> Self {
        let users: Vec<_> = config
            .users
            .iter()
            .map(|u| (u.login.clone(), u.password_hash.clone()))
            .collect();
        let tokens = config.token_hashes.clone();
        let verifier = (!users.is_empty() || !tokens.is_empty()).then(start_verifier);
        Self {
            inner: Arc::new(Inner {
                users,
                tokens,
                verifier,
                ..Inner::default()
            }),
        }
    }

    /// Whether any credential is configured; without one every request is let in.
    pub fn enabled(&self) -> bool {
        self.inner.verifier.is_some()
    }

    /// A token (the WebSocket upgrade's `?token=`).
    pub async fn check_token(&self, client: Option<IpAddr>, token: &str) -> Verdict {
        self.check(client, Credential::Token(token)).await
    }

    /// Seed 002's `auth`: Base64 of `login:password`.
    pub async fn check_basic_b64(&self, client: Option<IpAddr>, encoded: Option<&str>) -> Verdict {
        self.check(client, basic(encoded)).await
    }

    /// An `Authorization` header: `Basic <base64 login:password>` or `Bearer <token>`.
    pub async fn check_header(&self, client: Option<IpAddr>, header: Option<&str>) -> Verdict {
        let credential = match header.map(|h| h.split_once(' ')) {
            None => Credential::Absent,
            Some(Some((scheme, value))) if scheme.eq_ignore_ascii_case("basic") => {
                basic(Some(value))
            }
            Some(Some((scheme, value))) if scheme.eq_ignore_ascii_case("bearer") => {
                Credential::Token(value.trim())
            }
            Some(_) => Credential::Malformed,
        };
        self.check(client, credential).await
    }

    async fn check(&self, client: Option<IpAddr>, credential: Credential<'_>) -> Verdict {
        let Some(verifier) = &self.inner.verifier else {
            return Verdict::Allowed;
        };
        let (login, secret, hashes) = match &credential {
            Credential::Login { login, password } => (
                Some(login.as_str()),
                password.as_str(),
                self.inner
                    .users
                    .iter()
                    .filter(|(l, _)| l == login)
                    .map(|(_, h)| h.clone())
                    .collect(),
            ),
            Credential::Token(token) => (None, *token, self.inner.tokens.clone()),
            Credential::Malformed => (None, "", Vec::new()),
            Credential::Absent => return Verdict::Denied,
        };
        if hashes.iter().any(|h| self.remembered(h, secret)) {
            return Verdict::Allowed;
        }
        let keys = keys(client, login);
        let now = Instant::now();
        if let Err(retry_after) = self.limiter().begin(&keys, now) {
            tracing::info!(client = ?client, login = ?login, "authentication refused unverified: locked out for {} s", retry_after.as_secs());
            return Verdict::Throttled { retry_after };
        }
        let matched = if matches!(credential, Credential::Malformed) {
            None
        } else {
            let (answer, answered) = tokio::sync::oneshot::channel();
            let job = Job {
                secret: secret.to_owned(),
                hashes,
                answer,
            };
            match verifier.try_send(job) {
                Ok(()) => answered.await.ok().flatten(),
                Err(TrySendError::Full(_)) => {
                    // Not the client's failure: take back the attempt it was charged.
                    self.limiter().forgive(&keys);
                    tracing::warn!(client = ?client, "authentication refused: {VERIFY_QUEUE} verifications already waiting");
                    return Verdict::Throttled {
                        retry_after: Duration::from_secs(1),
                    };
                }
                Err(TrySendError::Disconnected(_)) => None,
            }
        };
        match matched {
            Some(hash) => {
                self.limiter().succeeded(&keys);
                self.remember(&hash, secret);
                Verdict::Allowed
            }
            None => {
                let failures = self.limiter().failures(&keys);
                match self.limiter().next_attempt(&keys, Instant::now()) {
                    Some(wait) => {
                        tracing::warn!(client = ?client, login = ?login, failures, "authentication failed; next attempt in {} s", wait.as_secs())
                    }
                    None => {
                        tracing::warn!(client = ?client, login = ?login, failures, "authentication failed")
                    }
                }
                Verdict::Denied
            }
        }
    }

    fn limiter(&self) -> std::sync::MutexGuard<'_, Limiter> {
        self.inner.limiter.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn verified(&self) -> std::sync::MutexGuard<'_, HashSet<[u8; 32]>> {
        self.inner
            .verified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn remembered(&self, hash: &str, secret: &str) -> bool {
        self.verified().contains(&remember_key(hash, secret))
    }

    fn remember(&self, hash: &str, secret: &str) {
        let mut set = self.verified();
        if set.len() >= MAX_REMEMBERED {
            set.clear();
        }
        set.insert(remember_key(hash, secret));
    }
}

fn remember_key(hash: &str, secret: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(hash.as_bytes())
        .chain_update([0])
        .chain_update(secret.as_bytes())
        .finalize()
        .into()
}

fn basic(encoded: Option<&str>) -> Credential<'static> {
    let Some(encoded) = encoded else {
        return Credential::Absent;
    };
    Some(encoded)
        .and_then(|e| {
            base64::engine::general_purpose::STANDARD
                .decode(e.trim())
                .ok()
        })
        .and_then(|d| String::from_utf8(d).ok())
        .and_then(|text| {
            text.split_once(':')
                .map(|(login, password)| Credential::Login {
                    login: login.to_owned(),
                    password: password.to_owned(),
                })
        })
        .unwrap_or(Credential::Malformed)
}

/// Whose failures an attempt counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Client(IpAddr),
    Login(String),
}

fn keys(client: Option<IpAddr>, login: Option<&str>) -> Vec<Key> {
    client
        .map(Key::Client)
        .into_iter()
        .chain(login.map(|l| Key::Login(l.to_owned())))
        .collect()
}

/// Failures free of any wait: a cashier mistypes.
const FREE_FAILURES: u32 = 5;
/// From this many failures on, each further attempt waits out a lock-out.
const LOCKOUT_FAILURES: u32 = 9;
const LOCKOUT: Duration = Duration::from_secs(60);
/// Failures older than this are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Keys remembered at most (each ~100 bytes): a guesser cycling logins cannot grow the map.
const MAX_KEYS: usize = 10_000;

/// How long after its `failures`-th failure a key must wait before its next attempt.
fn wait_after(failures: u32) -> Duration {
    match failures {
        n if n < FREE_FAILURES => Duration::ZERO,
        n if n < LOCKOUT_FAILURES => Duration::from_secs(1 << (n - FREE_FAILURES)),
        _ => LOCKOUT,
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Failed attempts per client address and per login; a pure model over the instants given.
#[derive(Default)]
struct Limiter {
    keys: HashMap<Key, Failures>,
}

impl Limiter {
    /// An attempt starts: refused with the time left when any of its keys must still wait,
    /// else counted as a failure until it succeeds.
    fn begin(&mut self, keys: &[Key], now: Instant) -> Result<(), Duration> {
        if let Some(wait) = self.next_attempt(keys, now) {
            return Err(wait);
        }
        if self.keys.len() + keys.len() > MAX_KEYS {
            self.keys
                .retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
            if self.keys.len() + keys.len() > MAX_KEYS {
                // Still full of fresh failures: forget the oldest half rather than grow.
                let mut by_age: Vec<(Instant, Key)> =
                    self.keys.iter().map(|(k, f)| (f.last, k.clone())).collect();
                by_age.sort_by_key(|(last, _)| *last);
                let half = by_age.len() / 2;
                for (_, key) in by_age.into_iter().take(half) {
                    self.keys.remove(&key);
                }
            }
        }
        for key in keys {
            let entry = self.keys.entry(key.clone()).or_insert(Failures {
                count: 0,
                last: now,
            });
            if now.duration_since(entry.last) >= FORGET_AFTER {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
        }
        Ok(())
    }

    /// How long the keys must still wait, if at all.
    fn next_attempt(&self, keys: &[Key], now: Instant) -> Option<Duration> {
        keys.iter()
            .filter_map(|k| self.keys.get(k))
            .filter(|f| now.duration_since(f.last) < FORGET_AFTER)
            .map(|f| (f.last + wait_after(f.count)).saturating_duration_since(now))
            .filter(|wait| !wait.is_zero())
            .max()
    }

    fn failures(&self, keys: &[Key]) -> u32 {
        keys.iter()
            .filter_map(|k| self.keys.get(k))
            .map(|f| f.count)
            .max()
            .unwrap_or(0)
    }

    fn succeeded(&mut self, keys: &[Key]) {
        for key in keys {
            self.keys.remove(key);
        }
    }

    /// Takes back an attempt that was never verified.
    fn forgive(&mut self, keys: &[Key]) {
        for key in keys {
            if let Some(f) = self.keys.get_mut(key) {
                f.count = f.count.saturating_sub(1);
            }
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

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([127, 0, 0, last]))
    }

    #[tokio::test]
    async fn seed_002_auth_is_base64_of_login_and_password() {
        let auth = auth();
        // The seed's example: "a2Fzc2E6a2FzMTIzNDU2" is base64 of "kassa:kas123456".
        let check = |c, e| {
            let auth = auth.clone();
            async move { auth.check_basic_b64(ip(c), e).await }
        };
        assert_eq!(
            check(1, Some("a2Fzc2E6a2FzMTIzNDU2")).await,
            Verdict::Allowed
        );
        assert_eq!(check(2, Some("a2Fzc2E6d3Jvbmc=")).await, Verdict::Denied); // kassa:wrong
        assert_eq!(check(3, Some("not base64!")).await, Verdict::Denied);
        assert_eq!(check(4, None).await, Verdict::Denied);
    }

    #[tokio::test]
    async fn headers_take_basic_or_bearer() {
        let auth = auth();
        let client = ip(1);
        assert!(
            auth.check_header(client, Some("Basic a2Fzc2E6a2FzMTIzNDU2"))
                .await
                .allowed()
        );
        assert!(
            auth.check_header(client, Some("Bearer t0ken"))
                .await
                .allowed()
        );
        assert_eq!(
            auth.check_header(client, Some("Bearer nope")).await,
            Verdict::Denied
        );
        assert_eq!(
            auth.check_header(client, Some("Digest x")).await,
            Verdict::Denied
        );
        assert_eq!(auth.check_header(client, None).await, Verdict::Denied);
    }

    #[tokio::test]
    async fn without_credentials_everyone_is_let_in() {
        let open = Auth::default();
        assert!(!open.enabled());
        assert!(open.check_header(None, None).await.allowed());
        assert!(open.check_basic_b64(None, None).await.allowed());
    }

    #[tokio::test]
    async fn a_verified_credential_is_remembered_and_a_wrong_one_never() {
        let auth = auth();
        let client = ip(1);
        assert!(
            auth.check_header(client, Some("Bearer t0ken"))
                .await
                .allowed()
        );
        assert_eq!(auth.verified().len(), 1);
        assert!(
            auth.check_header(client, Some("Bearer t0ken"))
                .await
                .allowed()
        );
        assert_eq!(auth.verified().len(), 1, "remembered, not added again");
        assert!(
            !auth
                .check_header(client, Some("Bearer t0ken2"))
                .await
                .allowed()
        );
        assert!(
            !auth
                .check_header(client, Some("Bearer t0ken2"))
                .await
                .allowed()
        );
        assert_eq!(auth.verified().len(), 1, "failures are not remembered");
        // The same secret against another configured hash is verified on its own.
        let kassa_t0ken = Some("a2Fzc2E6dDBrZW4=");
        assert!(!auth.check_basic_b64(client, kassa_t0ken).await.allowed());
    }

    #[tokio::test]
    async fn guessing_is_slowed_then_locked_out_but_a_known_till_is_let_in() {
        let auth = auth();
        let till = ip(7);
        let honest = Some("Basic a2Fzc2E6a2FzMTIzNDU2");
        assert!(auth.check_header(till, honest).await.allowed());
        let guesser = ip(9);
        for n in 0..FREE_FAILURES {
            let wrong = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("kassa:guess{n}"))
            );
            assert_eq!(
                auth.check_header(guesser, Some(&wrong)).await,
                Verdict::Denied,
                "failure {n} is free"
            );
        }
        let next = auth
            .check_header(guesser, Some("Basic a2Fzc2E6Z3Vlc3M="))
            .await;
        assert_eq!(
            next.retry_after_secs(),
            Some(1),
            "then it must wait: {next:?}"
        );
        // The login is slowed too, from any address, for an unremembered password...
        let elsewhere = auth
            .check_header(ip(10), Some("Basic a2Fzc2E6Z3Vlc3M="))
            .await;
        assert!(
            matches!(elsewhere, Verdict::Throttled { .. }),
            "{elsewhere:?}"
        );
        // ...but the till whose credential is known goes on without waiting.
        assert!(auth.check_header(till, honest).await.allowed());
        assert!(auth.check_header(guesser, honest).await.allowed());
    }

    #[test]
    fn the_waits_grow_to_a_lock_out() {
        let waits: Vec<u64> = (0..12).map(|n| wait_after(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 1, 2, 4, 8, 60, 60, 60]);
    }

    #[test]
    fn the_limiter_counts_attempts_as_they_start_and_forgets_old_ones() {
        let mut limiter = Limiter::default();
        let keys = keys(ip(1), Some("kassa"));
        let start = Instant::now();
        // Concurrent attempts are counted as they start: the sixth waits.
        for _ in 0..FREE_FAILURES {
            assert_eq!(limiter.begin(&keys, start), Ok(()));
        }
        assert_eq!(limiter.begin(&keys, start), Err(Duration::from_secs(1)));
        assert_eq!(limiter.begin(&keys, start + Duration::from_secs(1)), Ok(()));
        assert_eq!(limiter.failures(&keys), 6);
        let later = start + FORGET_AFTER + Duration::from_secs(2);
        assert_eq!(limiter.next_attempt(&keys, later), None, "forgotten");
        assert_eq!(limiter.begin(&keys, later), Ok(()));
        assert_eq!(limiter.failures(&keys), 1, "counting starts again");
        limiter.succeeded(&keys);
        assert_eq!(limiter.failures(&keys), 0);
    }

    #[test]
    fn the_limiter_stays_bounded_under_a_login_cycling_guesser() {
        let mut limiter = Limiter::default();
        let now = Instant::now();
        for n in 0..(MAX_KEYS * 3) {
            let _ = limiter.begin(&keys(None, Some(&format!("user{n}"))), now);
        }
        assert!(limiter.keys.len() <= MAX_KEYS, "{}", limiter.keys.len());
    }

    #[test]
    fn hashes_are_salted() {
        assert_ne!(hash_secret("same"), hash_secret("same"));
    }
}
