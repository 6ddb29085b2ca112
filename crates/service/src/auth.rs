//! Accounts, passwords (argon2) and API tokens (random secrets stored only as SHA-256 hashes).

use crate::audit::{self, Actor, Note};
use crate::error::{Result, ServiceError};
use crate::limits::{key_of, Bounded, Key};
use crate::ratelimit::RateLimiter;
use crate::second_factor;
use algoreg_domain::audit::AuditKind;
use algoreg_domain::org::Role;
use algoreg_domain::workflow::Principal;
use algoreg_store::{Invitation, NewMail, NewToken, NewUser, OrgId, Store, StoreError, TokenInfo, User};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const TOKEN_PREFIX: &str = "algoreg_";
/// How long a login session lasts.
pub const SESSION_HOURS: i64 = 12;

pub struct Auth<'a> {
    pub(crate) store: &'a dyn Store,
    pub guard: &'a LoginGuard,
    /// The site's public address, for links in e-mail.
    pub public_url: &'a str,
    /// Whether the central operator's powers count only with a second factor.
    pub operator_second_factor: bool,
    /// Roles that count only with a second factor, in every organisation (`serve --second-factor-roles`).
    pub second_factor_roles: &'a [Role],
    /// The identity providers (which organisations each serves, for organisations that require them).
    pub sso: &'a crate::sso::SsoState,
    /// Whether failed logins are counted in the store (every node on the database sees them) instead of
    /// in this process's memory (`serve --shared-limits`).
    pub shared_limits: bool,
}

/// How long a temporary password works (it must be changed at first use).
pub const TEMPORARY_PASSWORD_HOURS: i64 = 72;
/// How long an e-mailed reset link works.
pub const RESET_LINK_MINUTES: i64 = 60;

/// Authenticator-app codes an account may try (after the right password) since its last right one; then
/// only a recovery code or a password chosen through the mailbox lets it in, and its holder is told.
pub const SECOND_FACTOR_TRIES: u32 = 10;
/// What the login says once they are used up (Dutch, English).
pub const CODES_LOCKED: (&str, &str) = (
    "Te vaak een verkeerde code: log in met een herstelcode, of kies een nieuw wachtwoord met 'Wachtwoord vergeten'.",
    "A wrong code too often: log in with a recovery code, or choose a new password with 'Forgot password'.",
);

/// Failed logins per account that go without delay; after these each attempt waits longer.
pub const FREE_FAILURES_ACCOUNT: u32 = 5;
/// Failed logins per client address that go without delay.
pub const FREE_FAILURES_SOURCE: u32 = 10;
/// The longest wait for one account: anyone can slow an account down, nobody can lock it.
pub const MAX_DELAY_ACCOUNT: Duration = Duration::from_secs(60);
/// The longest wait for one client address.
pub const MAX_DELAY_SOURCE: Duration = Duration::from_secs(15 * 60);
/// Failures are forgotten a day after the last one.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
struct Throttled {
    failures: u32,
    next_allowed: Instant,
}

/// Throttles logins per account and per client address with growing delays (doubling from one second
/// after the free failures, up to [`MAX_DELAY_ACCOUNT`] and [`MAX_DELAY_SOURCE`]). An attempt is
/// counted as failed when it starts, in the same lock as the check, so parallel attempts cannot get
/// past the limit; a success takes it back. Both maps are bounded and expire ([`crate::limits`]); they
/// hold hashes of accounts, never what was typed.
pub struct LoginGuard {
    state: std::sync::Mutex<Throttles>,
    /// Reset links asked for per client address (10 an hour) and per account (3 a day).
    resets_per_source: RateLimiter,
    resets_per_account: RateLimiter,
    /// Passkey logins started per client address (30 a minute): each keeps a challenge for a while.
    pub(crate) passkey_starts: RateLimiter,
}

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard {
            state: std::sync::Mutex::new(Throttles {
                accounts: Bounded::keeping(100_000, FORGET_AFTER, slowed),
                sources: Bounded::keeping(100_000, FORGET_AFTER, slowed),
                known: Bounded::new(100_000, KNOWN_FOR),
            }),
            resets_per_source: RateLimiter::new(10, Duration::from_secs(3600)),
            resets_per_account: RateLimiter::new(3, Duration::from_secs(24 * 3600)),
            passkey_starts: RateLimiter::new(30, Duration::from_secs(60)),
        }
    }
}

/// The throttle's state: failures per account and per address, and the pairs of account and address
/// that logged in successfully before. From such a known address an account is not slowed down by
/// failures elsewhere (only the address's own limit applies), so nobody can keep a person out by
/// failing on their account from other addresses.
struct Throttles {
    accounts: Bounded<Throttled>,
    sources: Bounded<Throttled>,
    known: Bounded<()>,
}

/// How long an address stays known for an account after a successful login.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

fn pair(account: &Key, source: &Key) -> Key {
    let mut both = [0u8; 32];
    both[..16].copy_from_slice(account);
    both[16..].copy_from_slice(source);
    key_of(&hex::encode(both))
}

/// The store's keys of an account, an address and the pair (hashes; never what was typed).
fn shared_keys(account: &Key, source: &Key) -> (String, String, String) {
    (
        format!("login:a:{}", hex::encode(account)),
        format!("login:s:{}", hex::encode(source)),
        format!("login:k:{}", hex::encode(pair(account, source))),
    )
}

/// An entry that is slowing someone down now, or has failures that count towards it.
fn slowed(t: &Throttled, now: Instant) -> bool {
    t.next_allowed > now || t.failures >= FREE_FAILURES_ACCOUNT
}

fn delay(failures: u32, free: u32, max: Duration) -> Duration {
    Duration::from_secs(algoreg_domain::throttle::login_delay_seconds(failures, free, max.as_secs()))
}

/// An attempt that has been counted; [`LoginGuard::succeeded`] takes it back.
pub struct Attempt {
    account: Key,
    source: Key,
}

impl LoginGuard {
    fn account_key(email: &str) -> Key {
        // A to Z folded, as the store compares addresses: two accounts that differ in another letter's
        // case are two keys.
        key_of(&email.trim().to_ascii_lowercase())
    }

    /// Starts an attempt for `email` from `source`: `Err(seconds)` to wait, or the counted attempt.
    pub fn begin(&self, email: &str, source: &str, now: Instant) -> std::result::Result<Attempt, u64> {
        let account = Self::account_key(email);
        let source = key_of(source);
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Throttles { accounts, sources, known } = &mut *guard;
        let known = known.get(&pair(&account, &source), now).is_some();
        let wait = [accounts.get(&account, now).filter(|_| !known), sources.get(&source, now)]
            .into_iter()
            .flatten()
            .map(|t| t.next_allowed.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        for (map, key, free, max) in [
            (&mut *accounts, account, FREE_FAILURES_ACCOUNT, MAX_DELAY_ACCOUNT),
            (&mut *sources, source, FREE_FAILURES_SOURCE, MAX_DELAY_SOURCE),
        ] {
            let t = map.entry(key, now, || Throttled { failures: 0, next_allowed: now });
            t.failures = t.failures.saturating_add(1);
            t.next_allowed = now + delay(t.failures, free, max);
        }
        Ok(Attempt { account, source })
    }

    /// The attempt succeeded: the account starts afresh, and the address gets its attempt back.
    pub fn succeeded(&self, attempt: Attempt, now: Instant) {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Throttles { accounts, sources, known } = &mut *guard;
        accounts.remove(&attempt.account);
        known.entry(pair(&attempt.account, &attempt.source), now, || ());
        if let Some(t) = sources.get(&attempt.source, now).copied() {
            let failures = t.failures.saturating_sub(1);
            let e = sources.entry(attempt.source, now, || t);
            e.failures = failures;
            e.next_allowed = now + delay(failures, FREE_FAILURES_SOURCE, MAX_DELAY_SOURCE);
            if failures < FREE_FAILURES_SOURCE {
                e.next_allowed = now;
            }
        }
    }

    /// [`Self::begin`] with the counts in the store, so every node on the same database slows the same
    /// account and address down. The same rules: the delay follows from the number of failures and the
    /// time of the last one; a known address is not slowed by the account's failures elsewhere.
    pub async fn begin_shared(
        store: &dyn Store,
        email: &str,
        source: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<std::result::Result<Attempt, u64>> {
        use algoreg_domain::throttle::ThrottleKey;
        let account = Self::account_key(email);
        let source = key_of(source);
        let (a, s, k) = shared_keys(&account, &source);
        let forget = now - chrono::Duration::from_std(FORGET_AFTER).unwrap_or_default();
        let known = store.known_login(&k, now).await?;
        let keys = [
            ThrottleKey { key: a, free: FREE_FAILURES_ACCOUNT, max_seconds: MAX_DELAY_ACCOUNT.as_secs(), applies: !known },
            ThrottleKey { key: s, free: FREE_FAILURES_SOURCE, max_seconds: MAX_DELAY_SOURCE.as_secs(), applies: true },
        ];
        Ok(match store.login_attempt(&keys, now, forget).await? {
            Some(wait) => Err(wait),
            None => Ok(Attempt { account, source }),
        })
    }

    /// [`Self::succeeded`] with the counts in the store.
    pub async fn succeeded_shared(store: &dyn Store, attempt: Attempt, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
        let (a, s, k) = shared_keys(&attempt.account, &attempt.source);
        store.forgive_login_failure(&a, true).await?;
        store.forgive_login_failure(&s, false).await?;
        store.mark_known_login(&k, now + chrono::Duration::from_std(KNOWN_FOR).unwrap_or_default()).await?;
        Ok(())
    }

    /// How many accounts and addresses are tracked (bounded).
    pub fn tracked(&self) -> (usize, usize) {
        let g = self.state.lock().unwrap_or_else(|e| e.into_inner());
        (g.accounts.len(), g.sources.len())
    }
}

/// Password hashing and checking run on the blocking pool, at most this many at once; the rest wait
/// their turn, so logins cannot starve the request threads.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)));

/// Runs CPU-heavy work (password hashing) off the request threads, bounded by [`HASHING`].
pub async fn heavy<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let _permit = HASHING.acquire().await.map_err(|_| ServiceError::Internal("hashing pool closed".into()))?;
    tokio::task::spawn_blocking(f).await.map_err(|e| ServiceError::Internal(format!("hashing task failed: {e}")))
}

/// [`hash_password`] on the blocking pool.
pub async fn hash_password_off_thread(password: &str) -> Result<String> {
    let pw = password.to_string();
    heavy(move || hash_password(&pw)).await?
}

/// Computes the stand-in hash at start, not on the first login's request.
pub fn warm_up() {
    std::sync::LazyLock::force(&DUMMY_HASH);
}

/// A hash to check against when the account does not exist, so that unknown accounts take as long as
/// known ones.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no account has this password").unwrap_or_default());

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    format!("{TOKEN_PREFIX}{}", hex::encode(b))
}

/// NIST SP 800-63B: at least 12 characters (more than its minimum of 8), any characters, no rules of
/// composition, and not a password that is common or easy to guess: a strength estimate (zxcvbn, with
/// its lists of the most common passwords, words and names, and the account's own e-mail address and
/// name) must say it takes more than 10^10 guesses. Only the first 64 characters are estimated (the
/// estimate is superlinear in the length; a longer password is long enough).
pub fn check_password_rules(password: &str, own: &[&str]) -> Result<()> {
    if password.chars().count() < 12 {
        return Err(ServiceError::bad("password", "Een wachtwoord heeft minstens 12 tekens.", "A password has at least 12 characters."));
    }
    if password.len() > 1024 {
        return Err(ServiceError::bad(
            "password",
            "Een wachtwoord heeft hoogstens 1024 tekens.",
            "A password has at most 1024 characters.",
        ));
    }
    let lower = password.to_lowercase();
    let own_whole = own.iter().map(|s| s.trim().to_lowercase()).filter(|s| s.chars().count() >= 5);
    let head: String = password.chars().take(64).collect();
    let weak_own = own_whole.into_iter().any(|o| lower.contains(&o));
    let own: Vec<&str> = own.iter().flat_map(|s| s.split(['@', '.', ' ', '-'])).filter(|s| s.len() >= 3).collect();
    if weak_own || (zxcvbn::zxcvbn(&head, &own).score() as u8) < 3 {
        return Err(ServiceError::bad(
            "password",
            "Dit wachtwoord is te makkelijk te raden: het lijkt op een veelgebruikt wachtwoord, een woord of naam, of een patroon. Kies bijvoorbeeld vier losse woorden.",
            "This password is too easy to guess: it looks like a common password, a word or name, or a pattern. Try four unrelated words, for example.",
        ));
    }
    Ok(())
}

/// The same error about another field (the rules of a new password, reported as `new_password`).
fn rename_field(e: ServiceError, field: &'static str) -> ServiceError {
    match e {
        ServiceError::BadInput { message_nl, message_en, .. } => ServiceError::BadInput { field: field.into(), message_nl, message_en },
        e => e,
    }
}

pub fn check_email(email: &str) -> Result<()> {
    if !algoreg_standard::validate::is_email(email) || email.len() > 254 {
        return Err(ServiceError::bad("email", "Geef een geldig e-mailadres.", "Give a valid e-mail address."));
    }
    Ok(())
}

/// A password session's method: `+mfa` when its login asked the second step.
fn password_method(second_factor: bool) -> &'static str {
    if second_factor {
        "password+mfa"
    } else {
        "password"
    }
}

/// The principal an API token stands for: its role in its organisation (an admin token edits too).
pub fn token_principal(info: &TokenInfo) -> Principal {
    let mut roles = vec![(info.org_id, info.role)];
    if info.role == Role::OrgAdmin {
        roles.push((info.org_id, Role::Editor));
    }
    Principal {
        key: format!("token:{}", info.id),
        user_id: None,
        token_id: Some(info.id),
        made_by: info.created_by,
        display: format!("API-token {}", info.name),
        central_operator: false,
        supervisor: false,
        roles,
        must_change_password: false,
        second_factor: false,
    }
}

/// Where a person stands with a second factor.
#[derive(Debug, Clone)]
pub struct SecondFactorView {
    pub enabled: bool,
    pub codes_left: u32,
    /// Organisations of the person that require one (their memberships wait for it).
    pub required_by: Vec<String>,
    /// The account's e-mail address (the name in the authenticator app).
    pub account: String,
    /// Whether the account has a password (turning the second factor on or off asks for it).
    pub has_password: bool,
}

impl<'a> Auth<'a> {
    pub async fn create_user(&self, email: &str, name: &str, password: &str, central_operator: bool) -> Result<User> {
        check_email(email)?;
        check_password_rules(password, &[email, name])?;
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(ServiceError::bad("name", "Geef een naam van 1 tot 200 tekens.", "Give a name of 1 to 200 characters."));
        }
        let hash = hash_password_off_thread(password).await?;
        Ok(self
            .store
            .create_user(&NewUser {
                email: email.to_string(),
                name: name.to_string(),
                password_hash: hash,
                central_operator,
                password_temporary_until: None,
            })
            .await?)
    }

    /// Checks a password; the same error and the same time for an unknown e-mail and a wrong password.
    /// Throttled per account and per client address (`source`, see [`crate::limits::client_key`]).
    /// `method` names the way in for the audit log (`password` on the site and the session API,
    /// `organisation-api` for the token endpoint's password grant).
    ///
    /// An account with a second factor also needs `code`: a code from the app or a recovery code. Without
    /// one the answer is a field error on `totp` (after a right password only); a wrong one counts as a
    /// failed login.
    pub async fn login(&self, email: &str, password: &str, source: &str, method: &str, code: Option<&str>) -> Result<User> {
        let email = email.trim();
        // What cannot be an account or a password is refused before it counts against anyone.
        if password.is_empty() || password.len() > 1024 || check_email(email).is_err() {
            return Err(ServiceError::Unauthenticated);
        }
        let attempt = self.begin_attempt(email, source).await?;
        let user = self.store.user_by_email(email).await?;
        // Unknown accounts and accounts without a password (single sign-on only) take as long as others.
        let real = user.as_ref().map(|u| u.password_hash.clone()).filter(|h| h != crate::sso::NO_PASSWORD);
        let (hash, has_password) = match real {
            Some(h) => (h, true),
            None => (DUMMY_HASH.clone(), false),
        };
        let pw = password.to_string();
        let ok = heavy(move || verify_password(&pw, &hash)).await? && has_password;
        match user {
            Some(u) if ok => {
                if u.totp_secret.is_some() {
                    match code.map(str::trim).filter(|c| !c.is_empty()) {
                        None => {
                            return Err(ServiceError::bad(
                                "totp",
                                "Dit account gebruikt tweestapsverificatie: vul ook de code uit uw app in (of een herstelcode).",
                                "This account uses a second factor: also fill in the code from your app (or a recovery code).",
                            ))
                        }
                        Some(c) if !self.second_factor_passes(&u, c).await? => {
                            let note = Note {
                                kind: AuditKind::LoginFailed,
                                org: None,
                                subject: Some(u.id),
                                detail: "second factor",
                                source: Some(source),
                            };
                            audit::write(self.store, Actor::Anonymous, note).await;
                            return Err(ServiceError::Unauthenticated);
                        }
                        Some(_) => {}
                    }
                }
                self.attempt_succeeded(attempt).await;
                if u.password_temporary_until.is_some_and(|t| t <= chrono::Utc::now()) {
                    return Err(ServiceError::forbidden(
                        "Dit tijdelijke wachtwoord is verlopen. Vraag een nieuw wachtwoord aan via 'Wachtwoord vergeten' of bij de beheerder van uw organisatie.",
                        "This temporary password has expired. Ask for a new one through 'Forgot password' or from your organisation's admin.",
                    ));
                }
                // Where every organisation of the person requires single sign-on, a password opens nothing.
                let memberships = self.store.memberships(u.id).await?;
                // Not for the operator and supervisors, who never log in through a provider: one
                // organisation's admin cannot lock them out.
                if !u.central_operator && !u.supervisor && !memberships.is_empty() && memberships.iter().all(|m| m.sso_required) {
                    return Err(ServiceError::forbidden(
                        "Uw organisatie laat inloggen alleen toe via haar eigen identiteitsprovider. Kies hieronder de knop van uw organisatie.",
                        "Your organisation only allows logging in through its own identity provider. Choose your organisation's button below.",
                    ));
                }
                let note = Note { kind: AuditKind::Login, org: None, subject: Some(u.id), detail: method, source: Some(source) };
                audit::write(self.store, Actor::User(u.id, &u.name), note).await;
                Ok(u)
            }
            found => {
                tracing::warn!(account = ?email.chars().take(254).collect::<String>(), source = %source, "failed login");
                // Only for accounts that exist: what an unknown address tried is nobody's log.
                if let Some(u) = found {
                    let note = Note { kind: AuditKind::LoginFailed, org: None, subject: Some(u.id), detail: method, source: Some(source) };
                    audit::write(self.store, Actor::Anonymous, note).await;
                }
                Err(ServiceError::Unauthenticated)
            }
        }
    }

    /// Whether the account of `email` logged in successfully from `source` within the last 30 days (in
    /// the store with shared limits, else in this node's memory); a failure to read says no.
    async fn known_address(&self, email: &str, source: &str) -> bool {
        let (account, source) = (LoginGuard::account_key(email), key_of(source));
        match self.shared_store() {
            Some(store) => store.known_login(&shared_keys(&account, &source).2, chrono::Utc::now()).await.unwrap_or(false),
            None => {
                let guard = self.guard.state.lock().unwrap_or_else(|e| e.into_inner());
                guard.known.get(&pair(&account, &source), Instant::now()).is_some()
            }
        }
    }

    /// Checks a signed-in person's own password before a change to their account, throttled like a
    /// login; a wrong one is a field error on `field`.
    pub(crate) async fn check_own_password(&self, user: &User, password: &str, source: &str, field: &str) -> Result<()> {
        let wrong = || ServiceError::bad(field, "Het wachtwoord klopt niet.", "The password is wrong.");
        if password.is_empty() || password.len() > 1024 {
            return Err(wrong());
        }
        let attempt = self.begin_attempt(&user.email, source).await?;
        let (pw, hash) = (password.to_string(), user.password_hash.clone());
        if !heavy(move || verify_password(&pw, &hash)).await? {
            tracing::warn!(user = %user.id, source = %source, "wrong password for a change to the account");
            return Err(wrong());
        }
        self.attempt_succeeded(attempt).await;
        Ok(())
    }

    /// The store when limits are counted there (`--shared-limits`), else none (memory).
    pub(crate) fn shared_store(&self) -> Option<&'a dyn Store> {
        self.shared_limits.then_some(self.store)
    }

    /// Starts a password attempt against the login throttle: in the store with shared limits (a store
    /// failure falls back to memory), else in memory.
    async fn begin_attempt(&self, email: &str, source: &str) -> Result<Attempt> {
        let counted = if self.shared_limits {
            match LoginGuard::begin_shared(self.store, email, source, chrono::Utc::now()).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "login throttle not counted in the store; counting in memory");
                    self.guard.begin(email, source, Instant::now())
                }
            }
        } else {
            self.guard.begin(email, source, Instant::now())
        };
        counted.map_err(|retry_after| ServiceError::TooManyRequests { retry_after })
    }

    /// The attempt succeeded (see [`LoginGuard::succeeded`]).
    async fn attempt_succeeded(&self, attempt: Attempt) {
        if !self.shared_limits {
            return self.guard.succeeded(attempt, Instant::now());
        }
        if let Err(e) = LoginGuard::succeeded_shared(self.store, attempt, chrono::Utc::now()).await {
            tracing::warn!(error = %e, "login throttle: a success not recorded in the store");
        }
    }

    /// Changes the caller's own password after checking the current one (throttled like a login). Every
    /// session of the user ends; the answer is the secret of a new session for the caller.
    pub async fn change_password(&self, p: &Principal, current: &str, new: &str, source: &str) -> Result<String> {
        let user_id =
            p.user_id.ok_or_else(|| ServiceError::forbidden("Alleen personen hebben een wachtwoord.", "Only people have a password."))?;
        let user = self.store.user(user_id).await?.ok_or(ServiceError::Unauthenticated)?;
        self.check_own_password(&user, current, source, "current_password").await?;
        if new == current {
            return Err(ServiceError::bad(
                "new_password",
                "Kies een ander wachtwoord dan het huidige.",
                "Choose a password other than the current one.",
            ));
        }
        let (pw, own) = (new.to_string(), [user.email.clone(), user.name.clone()]);
        heavy(move || check_password_rules(&pw, &[&own[0], &own[1]])).await?.map_err(|e| rename_field(e, "new_password"))?;
        let hash = hash_password_off_thread(new).await?;
        self.store.set_password(user.id, &hash, algoreg_store::PasswordSet::ByHolder).await?;
        tracing::info!(user = %user.id, "password changed");
        let note = Note { kind: AuditKind::PasswordChanged, org: None, subject: Some(user.id), detail: "", source: Some(source) };
        audit::write(self.store, Actor::Principal(p), note).await;
        // The new session has passed the second step if the one that changed the password had.
        self.start_session_by(&user, password_method(p.second_factor && user.totp_secret.is_some())).await
    }

    /// The checks of a reset request that answer the caller: the address is well-formed and the client
    /// address is within its limit. The rest ([`Auth::send_reset_link`]) runs after the answer, so that
    /// an address with an account takes as long to answer as one without.
    pub async fn reset_allowed(&self, email: &str, source: &str) -> Result<String> {
        let email = email.trim();
        check_email(email)?;
        self.guard
            .resets_per_source
            .hit(self.shared_store(), "reset-source", source)
            .await
            .map_err(|retry_after| ServiceError::TooManyRequests { retry_after })?;
        Ok(email.to_string())
    }

    /// Sends a reset link to the account of `email`, if there is one and its mailbox had fewer than
    /// three links today.
    pub async fn send_reset_link(&self, email: &str, source: &str, lang_code: &str) -> Result<()> {
        // From an address the account logged in from before, only that address's own limit applies: so
        // nobody can use up the account's links of the day to keep its holder from getting one.
        let known = self.known_address(email, source).await;
        if !known && self.guard.resets_per_account.hit(self.shared_store(), "reset-account", &email.to_ascii_lowercase()).await.is_err() {
            return Ok(()); // silently: the account's mailbox gets at most three links a day
        }
        let Some(user) = self.store.user_by_email(email).await? else { return Ok(()) };
        if !self.store.subjects_of_user(user.id).await?.is_empty() {
            // The account belongs to a person at an identity provider (pinned at their first login
            // there): whoever reads the mailbox now need not be that person, so no link; the mail says
            // how to get in.
            let login = format!("{}/{lang_code}/login", self.public_url.trim_end_matches('/'));
            let mail = NewMail::new(
                user.email.clone(),
                "Inloggen in het algoritmeregister / Logging in to the algorithm register",
                format!(
                    "Iemand vroeg een nieuw wachtwoord aan voor dit account. Dit account logt in via de identiteitsprovider van uw organisatie: kies op de inlogpagina de knop van uw organisatie.\n\n{login}\n\nLukt dat niet, vraag dan de beheerder van het register om hulp.\n\n---\n\nSomeone asked for a new password for this account. This account logs in through your organisation's identity provider: on the login page, choose your organisation's button.\n\n{login}\n\nIf that does not work, ask the register's operator for help.\n"
                ),
            );
            self.store.queue_mail(&[mail]).await?;
            tracing::info!(user = %user.id, source = %source, "password reset asked for an account of an identity provider: no link");
            return Ok(());
        }
        let mut b = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut b);
        let secret = hex::encode(b);
        let link = format!("{}/{lang_code}/wachtwoord-herstellen/{secret}", self.public_url.trim_end_matches('/'));
        let mail = NewMail::new(
            user.email.clone(),
            "Nieuw wachtwoord voor het algoritmeregister / New password for the algorithm register",
            format!(
                "Iemand vroeg een nieuw wachtwoord aan voor dit account. Was u dat, open dan binnen een uur deze link:\n\n{link}\n\nWas u het niet, dan hoeft u niets te doen: uw wachtwoord blijft zoals het is.\n\n---\n\nSomeone asked for a new password for this account. If that was you, open this link within an hour:\n\n{link}\n\nIf it was not you, you need not do anything: your password stays as it is.\n"
            ),
        );
        let expires = chrono::Utc::now() + chrono::Duration::minutes(RESET_LINK_MINUTES);
        self.store.create_password_reset(&hash_token(&secret), user.id, expires, &[mail]).await?;
        tracing::info!(user = %user.id, source = %source, "password reset link sent");
        Ok(())
    }

    /// Whether a reset link still works (for showing its form).
    pub async fn reset_link_is_live(&self, secret: &str) -> Result<bool> {
        if secret.len() != 64 {
            return Ok(false);
        }
        Ok(self.store.password_reset_user(&hash_token(secret), chrono::Utc::now()).await?.is_some())
    }

    /// Sets a new password with a reset link; the link works once. Every session of the user ends.
    pub async fn reset_password_with_link(&self, secret: &str, new: &str) -> Result<()> {
        let gone = || {
            ServiceError::bad(
                "link",
                "Deze link werkt niet meer: hij is al gebruikt of verlopen. Vraag een nieuwe aan.",
                "This link no longer works: it was used or has expired. Ask for a new one.",
            )
        };
        if secret.len() != 64 {
            return Err(gone());
        }
        let hash = hash_token(secret);
        let user = self.store.password_reset_user(&hash, chrono::Utc::now()).await?.ok_or_else(gone)?;
        // Pinned to a person at an identity provider since the link was sent: the mailbox proves nothing.
        if !self.store.subjects_of_user(user.id).await?.is_empty() {
            return Err(gone());
        }
        let (pw, own) = (new.to_string(), [user.email.clone(), user.name.clone()]);
        heavy(move || check_password_rules(&pw, &[&own[0], &own[1]])).await?.map_err(|e| rename_field(e, "new_password"))?;
        let pw_hash = hash_password_off_thread(new).await?;
        match self.store.use_password_reset(&hash, &pw_hash, chrono::Utc::now()).await {
            Ok(u) => {
                tracing::info!(user = %u.id, "password reset with a link");
                let note = Note { kind: AuditKind::PasswordReset, org: None, subject: Some(u.id), detail: "", source: None };
                audit::write(self.store, Actor::User(u.id, &u.name), note).await;
                Ok(())
            }
            Err(StoreError::NotFound) => Err(gone()),
            Err(e) => Err(e.into()),
        }
    }

    /// Open invitations of the caller.
    pub async fn invitations(&self, p: &Principal) -> Result<Vec<Invitation>> {
        match p.user_id {
            Some(u) if !p.must_change_password => Ok(self.store.invitations_for_user(u, chrono::Utc::now()).await?),
            _ => Ok(vec![]),
        }
    }

    /// Accepts or declines one of the caller's own invitations.
    pub async fn answer_invitation(&self, p: &Principal, id: i64, accept: bool) -> Result<Invitation> {
        let user_id = p
            .user_id
            .filter(|_| !p.must_change_password)
            .ok_or_else(|| ServiceError::forbidden("Alleen de uitgenodigde persoon kan dit.", "Only the person invited can do this."))?;
        let now = chrono::Utc::now();
        if accept && self.store.user(user_id).await?.is_none_or(|u| u.password_by_admin) {
            // The admin who set the password may be the one logged in: only the holder of the mailbox
            // takes the account into another organisation.
            return Err(ServiceError::forbidden(
                "Uw wachtwoord is gekozen door een beheerder. Kies eerst zelf een nieuw wachtwoord met 'Wachtwoord vergeten' op de inlogpagina (u krijgt een link per e-mail); daarna kunt u de uitnodiging aannemen.",
                "Your password was chosen by an administrator. First choose a new one yourself with 'Forgot password' on the login page (you get a link by e-mail); then you can accept the invitation.",
            ));
        }
        let result = if accept {
            self.store.accept_invitation(id, user_id, now).await
        } else {
            match self.store.invitations_for_user(user_id, now).await?.into_iter().find(|i| i.id == id) {
                Some(_) => self.store.delete_invitation(id).await,
                None => Err(StoreError::NotFound),
            }
        };
        match result {
            Ok(inv) => {
                tracing::info!(user = %user_id, org = %inv.org_id, role = inv.role.code(), accept, "invitation answered");
                let kind = if accept { AuditKind::InvitationAccepted } else { AuditKind::InvitationDeclined };
                let note = Note { kind, org: Some(inv.org_id), subject: Some(user_id), detail: inv.role.code(), source: None };
                audit::write(self.store, Actor::Principal(p), note).await;
                Ok(inv)
            }
            Err(StoreError::NotFound) => Err(ServiceError::NotFound("invitation")),
            Err(e) => Err(e.into()),
        }
    }

    /// A random temporary password, shown once.
    pub fn temporary_password() -> String {
        let mut b = [0u8; 9];
        rand::thread_rng().fill_bytes(&mut b);
        format!("tijdelijk-{}", hex::encode(b))
    }

    /// Whether `code` is a right code from the account's app (not used before) or one of its unused
    /// recovery codes (then used up).
    async fn second_factor_passes(&self, u: &User, code: &str) -> Result<bool> {
        let Some(secret) = u.totp_secret.as_deref() else { return Ok(false) };
        if second_factor::looks_like_code(code) {
            // Someone with the password could otherwise go on guessing six digits for months. A try is
            // taken before the code is checked, so parallel guesses cannot pass the limit; a right code
            // gives them all back.
            let Some(taken) = self.store.totp_try(u.id, SECOND_FACTOR_TRIES).await? else {
                return Err(ServiceError::bad("totp", CODES_LOCKED.0, CODES_LOCKED.1));
            };
            let now = chrono::Utc::now().timestamp().max(0) as u64;
            if let Some(step) = second_factor::matching_step(secret, code, now) {
                if self.store.use_totp_step(u.id, step).await? {
                    return Ok(true);
                }
            }
            if taken == SECOND_FACTOR_TRIES {
                self.tell_of_wrong_codes(u).await;
            }
            return Ok(false);
        }
        let normal = second_factor::normalise_recovery_code(code);
        if normal.len() != 10 {
            return Ok(false);
        }
        let used = self.store.use_recovery_code(u.id, &hash_token(&normal), chrono::Utc::now()).await?;
        if used {
            let note = Note { kind: AuditKind::RecoveryCodeUsed, org: None, subject: Some(u.id), detail: "", source: None };
            audit::write(self.store, Actor::User(u.id, &u.name), note).await;
        }
        Ok(used)
    }

    /// The account's holder hears that codes are no longer taken (someone has the password, or they
    /// mistyped ten times), and the audit log has it.
    async fn tell_of_wrong_codes(&self, u: &User) {
        let body = format!(
            "Bij uw account in het algoritmeregister is {SECOND_FACTOR_TRIES} keer het goede wachtwoord gegeven met een verkeerde code uit de authenticator-app. Codes uit de app werken daarom niet meer, tot u inlogt met een herstelcode of een nieuw wachtwoord kiest met 'Wachtwoord vergeten'. Was u dit niet, dan kent iemand anders uw wachtwoord: kies een nieuw.\n\n---\n\nYour account in the algorithm register was given the right password with a wrong code from the authenticator app {SECOND_FACTOR_TRIES} times. Codes from the app therefore no longer work until you log in with a recovery code or choose a new password with 'Forgot password'. If this was not you, someone else knows your password: choose a new one.\n"
        );
        let mail = algoreg_store::NewMail::new(u.email.clone(), "Verkeerde codes bij uw account / Wrong codes for your account", body);
        if let Err(e) = self.store.queue_mail(&[mail]).await {
            tracing::warn!(error = %e, user = %u.id, "the mail about wrong codes was not queued");
        }
        let note = Note {
            kind: AuditKind::LoginFailed,
            org: None,
            subject: Some(u.id),
            detail: "second factor: codes no longer taken",
            source: None,
        };
        audit::write(self.store, Actor::Anonymous, note).await;
    }

    /// Where the signed-in person stands with a second factor.
    pub async fn second_factor(&self, p: &Principal) -> Result<SecondFactorView> {
        let user = self.me(p).await?;
        let required_by = self.required_by(&user).await?;
        let codes_left = self.store.recovery_codes_left(user.id).await?;
        let has_password = user.password_hash != crate::sso::NO_PASSWORD;
        Ok(SecondFactorView { enabled: user.totp_secret.is_some(), codes_left, required_by, account: user.email, has_password })
    }

    pub(crate) async fn me(&self, p: &Principal) -> Result<User> {
        let id = p.user_id.ok_or_else(|| ServiceError::forbidden("Alleen voor personen.", "For people only."))?;
        self.store.user(id).await?.ok_or(ServiceError::Unauthenticated)
    }

    /// Names of the organisations of the person that require a second factor (and the central
    /// operator's role, where the instance requires it of the operator).
    async fn required_by(&self, user: &User) -> Result<Vec<String>> {
        let mut names = vec![];
        if user.central_operator && self.operator_second_factor {
            names.push("de rol centrale beheerder / the central operator's role".to_string());
        }
        if user.supervisor && self.operator_second_factor {
            names.push("de rol toezichthouder / the supervisor's role".to_string());
        }
        let memberships = self.store.memberships(user.id).await?;
        for role in self.second_factor_roles.iter().filter(|r| memberships.iter().any(|m| m.role == **r)) {
            names.push(format!("de rol {} / the {} role", role.label_nl().to_lowercase(), role.label_en().to_lowercase()));
        }
        for m in memberships.into_iter().filter(|m| m.second_factor_required) {
            if let Some(o) = self.store.organisation(m.org_id).await? {
                if !names.contains(&o.name) {
                    names.push(o.name);
                }
            }
        }
        Ok(names)
    }

    /// Turns the second factor on with a secret from [`second_factor::new_enrolment`] and a code the app
    /// shows for it; returns the recovery codes (shown once; only their hashes are kept). Like turning it
    /// off, it takes the account's password (an account without one, which logs in through an identity
    /// provider, has none to give), so that someone who has only a session cannot lock the owner out
    /// with a second factor of their own; one that is on is not replaced (turn it off first). The owner
    /// is told by e-mail. The person's other sessions end, refresh tokens too: opened without the second
    /// step, they never count as having passed it. `this_session`, the secret of the session that turned
    /// it on, goes on as a new session that has passed it: its secret is the second part of the answer.
    pub async fn enable_second_factor(
        &self,
        p: &Principal,
        secret: &str,
        code: &str,
        password: &str,
        source: &str,
        this_session: Option<&str>,
    ) -> Result<(Vec<String>, Option<String>)> {
        let user = self.me(p).await?;
        if user.totp_secret.is_some() {
            return Err(ServiceError::bad(
                "action",
                "Tweestapsverificatie staat al aan. Zet haar eerst uit om een andere app te gebruiken.",
                "The second factor is on already. Turn it off first to use another app.",
            ));
        }
        if user.password_hash == crate::sso::NO_PASSWORD {
            // Such an account logs in only through its identity provider, which asks for the second step
            // itself: one of our own would never be asked, and could not be turned off without a password.
            return Err(ServiceError::bad(
                "action",
                "U logt in via de identiteitsprovider van uw organisatie; die vraagt de tweede stap.",
                "You log in through your organisation's identity provider, which asks for the second step.",
            ));
        }
        self.check_own_password(&user, password, source, "password").await?;
        let secret = secret.trim();
        if !second_factor::valid_secret(secret) {
            return Err(ServiceError::bad("secret", "Begin opnieuw: deze sleutel is ongeldig.", "Start again: this key is not valid."));
        }
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let Some(step) = second_factor::matching_step(secret, code, now) else {
            return Err(ServiceError::bad(
                "code",
                "De code klopt niet. Vul de zes cijfers in die de app nu toont.",
                "The code is wrong. Fill in the six digits the app shows now.",
            ));
        };
        let codes = second_factor::new_recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| hash_token(&second_factor::normalise_recovery_code(c))).collect();
        self.store.enable_totp(user.id, secret, &hashes).await?;
        // The code just used does not work again.
        self.store.use_totp_step(user.id, step).await?;
        // It is on: what follows must not fail the call (the recovery codes must reach the person).
        // The session that turned it on has passed the second step now: it goes on as a new one that
        // says so (the cookie changes), and every other session ends.
        let fresh = match this_session {
            Some(s) => self.session_with_second_step(&user, s).await,
            None => None,
        };
        let keep = fresh.as_deref().map(hash_token);
        let others = self.store.sessions_of_user(user.id, chrono::Utc::now()).await.unwrap_or_default();
        for s in others.iter().filter(|s| !keep.as_deref().is_some_and(|k| k.starts_with(&s.id))) {
            match self.store.end_session_of_user(user.id, &s.id).await {
                // Ended meanwhile (a logout, its time up).
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => tracing::warn!(user = %user.id, error = %e, "a session was not ended when the second factor was turned on"),
            }
        }
        let note = Note { kind: AuditKind::SecondFactorEnabled, org: None, subject: Some(user.id), detail: "totp", source: Some(source) };
        audit::write(self.store, Actor::Principal(p), note).await;
        let link = format!("{}/nl/account/tweestaps", self.public_url.trim_end_matches('/'));
        let mail = algoreg_store::NewMail::new(
            user.email.clone(),
            "Tweestapsverificatie aangezet / Second factor turned on",
            format!(
                "Voor uw account in het algoritmeregister is tweestapsverificatie aangezet. Was u dat niet, wijzig dan uw wachtwoord en kijk hier:\n\n{link}\n\n---\n\nA second factor was turned on for your account in the algorithm register. If that was not you, change your password and look here:\n\n{link}\n"
            ),
        );
        // Best-effort: the second factor is on, and its recovery codes must reach the person.
        if let Err(e) = self.store.queue_mail(&[mail]).await {
            tracing::warn!(user = %user.id, error = %e, "the mail about a second factor turned on was not queued");
        }
        Ok((codes, fresh))
    }

    /// A new session in place of the live session `secret` of `user`, opened the same way but with the
    /// second step passed; `None` (and a warning) where that cannot be.
    async fn session_with_second_step(&self, user: &User, secret: &str) -> Option<String> {
        let hash = hash_token(secret);
        let method = match self.store.session_user(&hash, chrono::Utc::now()).await {
            Ok(Some((u, method))) if u.id == user.id => method,
            Ok(_) => return None,
            Err(e) => {
                tracing::warn!(user = %user.id, error = %e, "the session that turned the second factor on was not read");
                return None;
            }
        };
        let method = if crate::sso::via(&method).second_factor { method } else { format!("{method}+mfa") };
        let fresh = match self.start_session_by(user, &method).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(user = %user.id, error = %e, "no session was started with the second step");
                return None;
            }
        };
        if let Err(e) = self.store.delete_session(&hash).await {
            tracing::warn!(user = %user.id, error = %e, "the session before the second step was not ended");
        }
        Some(fresh)
    }

    /// Turns the second factor off, after the current password; not while an organisation of the person
    /// requires one.
    pub async fn disable_second_factor(&self, p: &Principal, password: &str, source: &str) -> Result<()> {
        let user = self.me(p).await?;
        let required_by = self.required_by(&user).await?;
        if !required_by.is_empty() {
            return Err(ServiceError::Forbidden {
                message_nl: format!("Dit kan niet: {} vraagt tweestapsverificatie.", required_by.join(", ")),
                message_en: format!("Not possible: {} requires a second factor.", required_by.join(", ")),
            });
        }
        self.check_own_password(&user, password, source, "password").await?;
        self.store.disable_totp(user.id).await?;
        let note = Note { kind: AuditKind::SecondFactorDisabled, org: None, subject: Some(user.id), detail: "totp", source: Some(source) };
        audit::write(self.store, Actor::Principal(p), note).await;
        Ok(())
    }

    /// The principal of a user. With a temporary password it holds no roles at all: the only thing such
    /// a session can do is change the password.
    /// The second factor counts when the account has one: `user` is the account as its login read it
    /// (which asked for the code then), or as a token that says so.
    pub async fn principal_for_user(&self, user: &User) -> Result<Principal> {
        let via = crate::sso::Via { provider: None, second_factor: user.totp_secret.is_some(), passkey: false };
        self.principal_for_user_via(user, via).await
    }

    /// The principal of a user who logged in `via` a password or an identity provider: memberships of
    /// organisations that require single sign-on count only through a provider, and a provider that
    /// vouches for a second factor counts as one.
    pub async fn principal_for_user_via(&self, user: &User, via: crate::sso::Via) -> Result<Principal> {
        let must_change_password = user.password_temporary_until.is_some() && via.provider.is_none();
        // The way in says whether a second step was asked: a password login records it on its session
        // (the account may have turned one on while that login was under way), a provider vouches for it.
        // The account's own code counts only while the account has one: turned off, it no longer does.
        let has_second_factor = match via.provider {
            Some(_) => via.second_factor,
            None => via.second_factor && (via.passkey || user.totp_secret.is_some()),
        };
        let own_powers = via.provider.is_none() && !must_change_password && (has_second_factor || !self.operator_second_factor);
        let mut roles = vec![];
        if !must_change_password {
            for m in self.store.memberships(user.id).await? {
                if !self.role_counts(m.org_id, m.role, m.second_factor_required, m.sso_required, &via, has_second_factor).await? {
                    continue;
                }
                roles.push((m.org_id, m.role));
            }
        }
        Ok(Principal {
            key: format!("user:{}", user.id),
            user_id: Some(user.id),
            token_id: None,
            made_by: None,
            display: user.name.clone(),
            // The operator's powers count only with a second factor (unless the instance says otherwise),
            // and never through an organisation's identity provider (which may not vouch for the register).
            central_operator: user.central_operator && own_powers,
            // Supervisors read what no single organisation's member may: the same condition as the operator.
            supervisor: user.supervisor && own_powers,
            roles,
            must_change_password,
            second_factor: has_second_factor,
        })
    }

    /// Whether a role in an organisation counts for a caller who came in `via` this way: with a second
    /// factor where the organisation or the role asks for one, and through one of the organisation's
    /// identity providers where it requires single sign-on.
    pub(crate) async fn role_counts(
        &self,
        org: algoreg_store::OrgId,
        role: Role,
        second_factor_required: bool,
        sso_required: bool,
        via: &crate::sso::Via,
        has_second_factor: bool,
    ) -> Result<bool> {
        // A provider speaks for the organisations it serves. Elsewhere its login counts as one with the
        // address alone (its admin can make anyone's address in its domains, as a mailbox can reset a
        // password), so the second factor it vouches for does not count there, and where an organisation
        // requires single sign-on only that organisation's providers count.
        let served = match &via.provider {
            Some(provider) => {
                let code = self.store.organisation(org).await?.map(|o| o.code);
                Some(code.is_some_and(|c| self.sso.serves(provider, &c)))
            }
            None => None,
        };
        let second_factor = has_second_factor && served != Some(false);
        if !second_factor && (second_factor_required || self.second_factor_roles.contains(&role)) {
            return Ok(false);
        }
        Ok(!sso_required || served == Some(true))
    }

    /// Starts a session after a password login; returns the secret for the cookie (only its hash is
    /// stored). `user` is the account as the login read it: the session counts as having passed the
    /// second step when the account had one then (and so the login asked for its code).
    pub async fn start_session(&self, user: &User) -> Result<String> {
        self.start_session_by(user, password_method(user.totp_secret.is_some())).await
    }

    /// Starts a session opened by `method` (`password`, `password+mfa`, `passkey`, or `sso:{provider}`
    /// from [`crate::sso`]; `+mfa`: a second step was asked).
    pub async fn start_session_by(&self, user: &User, method: &str) -> Result<String> {
        let mut b = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut b);
        let secret = hex::encode(b);
        let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
        self.store.create_session(&hash_token(&secret), user.id, expires, method).await?;
        Ok(secret)
    }

    pub async fn session_principal(&self, secret: &str) -> Result<Principal> {
        if secret.len() != 64 {
            return Err(ServiceError::Unauthenticated);
        }
        let now = chrono::Utc::now();
        let (user, method) = self.store.session_user(&hash_token(secret), now).await?.ok_or(ServiceError::Unauthenticated)?;
        // A session opened with a temporary password ends when that password expires.
        if user.password_temporary_until.is_some_and(|t| t <= now) {
            return Err(ServiceError::Unauthenticated);
        }
        self.principal_for_user_via(&user, crate::sso::via(&method)).await
    }

    /// The signed-in person's own open sessions (people only).
    pub async fn my_sessions(&self, p: &Principal) -> Result<Vec<algoreg_store::SessionInfo>> {
        let id = p.user_id.ok_or_else(|| ServiceError::forbidden("Alleen voor personen.", "For people only."))?;
        Ok(self.store.sessions_of_user(id, chrono::Utc::now()).await?)
    }

    /// Ends one of the signed-in person's own sessions (another device, say).
    pub async fn end_my_session(&self, p: &Principal, session_id: &str) -> Result<()> {
        let id = p.user_id.ok_or_else(|| ServiceError::forbidden("Alleen voor personen.", "For people only."))?;
        match self.store.end_session_of_user(id, session_id).await {
            Err(StoreError::NotFound) => Err(ServiceError::NotFound("session")),
            r => {
                r?;
                let note = Note { kind: AuditKind::SessionEnded, org: None, subject: Some(id), detail: "", source: None };
                audit::write(self.store, Actor::Principal(p), note).await;
                Ok(())
            }
        }
    }

    /// Ends a session (logging out); returns how it was opened (to log out at its identity provider too).
    pub async fn end_session(&self, secret: &str) -> Result<Option<String>> {
        let hash = hash_token(secret);
        let method = self.store.session_user(&hash, chrono::Utc::now()).await?.map(|(_, m)| m);
        self.store.delete_session(&hash).await?;
        Ok(method)
    }

    /// Resolves a bearer token to the principal it stands for.
    pub async fn principal_for_token(&self, secret: &str) -> Result<Principal> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Err(ServiceError::Unauthenticated);
        }
        let info = self.store.token_by_hash(&hash_token(secret)).await?.ok_or(ServiceError::Unauthenticated)?;
        Ok(token_principal(&info))
    }

    /// Creates a token; the secret is returned once and never stored.
    pub async fn create_token(&self, actor: &Principal, org_id: OrgId, role: Role, name: &str) -> Result<(TokenInfo, String)> {
        let created_by = actor.user_id;
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(ServiceError::bad(
                "name",
                "Geef de token een naam van 1 tot 100 tekens.",
                "Give the token a name of 1 to 100 characters.",
            ));
        }
        let secret = new_secret();
        let info =
            self.store.create_token(&NewToken { org_id, role, name: name.to_string(), hash: hash_token(&secret), created_by }).await?;
        let detail = format!("{} ({}, token:{})", info.name, role.code(), info.id);
        let note = Note { kind: AuditKind::TokenCreated, org: Some(org_id), subject: None, detail: &detail, source: None };
        audit::write(self.store, Actor::Principal(actor), note).await;
        if actor.user_id.is_some() {
            self.tell_admins_of_token(org_id, &info, actor).await;
        }
        Ok((info, secret))
    }

    /// A token outlasts the session it was made in (a password change does not end it): the
    /// organisation's admins hear of every new one, so one made with a stolen session does not go
    /// unnoticed. A mail that cannot be queued does not take the token away.
    async fn tell_admins_of_token(&self, org_id: OrgId, info: &TokenInfo, actor: &Principal) {
        let (org, members) = match (self.store.organisation(org_id).await, self.store.members(org_id).await) {
            (Ok(Some(org)), Ok(members)) => (org, members),
            _ => return,
        };
        let mut to: Vec<String> = members.into_iter().filter(|(_, r)| *r == Role::OrgAdmin).map(|(u, _)| u.email).collect();
        to.sort();
        to.dedup();
        let (name, role, by) = (&info.name, info.role.code(), &actor.display);
        let body = format!(
            "Voor {org} is een API-token gemaakt: '{name}', rol {role}, door {by}. Kent u deze token niet, trek hem dan in op de beheerpagina van de organisatie (Tokens).\n\n---\n\nAn API token was made for {org}: '{name}', role {role}, by {by}. If you do not know this token, revoke it on the organisation's admin page (Tokens).\n",
            org = org.name
        );
        let mails: Vec<NewMail> = to.into_iter().map(|t| NewMail::new(t, "Nieuwe API-token / New API token", body.clone())).collect();
        if let Err(e) = self.store.queue_mail(&mails).await {
            tracing::warn!(error = %e, org = %org_id, "the mail about a new token was not queued");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttle_is_bounded_and_slows_without_locking() {
        let g = LoginGuard::default();
        let t = Instant::now();
        // A flood of different accounts from different addresses: memory stays bounded.
        for i in 0..250_000u32 {
            let _ = g.begin(&format!("{i}@example.org{}", "x".repeat(50)), &format!("10.0.{}.{}", i / 256 % 256, i % 256), t);
        }
        let (accounts, sources) = g.tracked();
        assert!(accounts <= 100_000 && sources <= 100_000, "{accounts} {sources}");
        // One account: five free failures, then a wait that grows but stays within a minute.
        let g = LoginGuard::default();
        for i in 0..5 {
            assert!(g.begin("a@b.nl", &format!("192.0.2.{i}"), t).is_ok());
        }
        assert_eq!(g.begin("a@b.nl", "192.0.2.99", t).err(), Some(1));
        let mut now = t;
        for _ in 0..30 {
            now += Duration::from_secs(61);
            assert!(
                g.begin("A@B.nl ", &format!("198.51.100.{}", now.duration_since(t).as_secs() % 250), now).is_ok(),
                "never locked for more than the maximum delay"
            );
        }
    }

    #[test]
    fn failures_elsewhere_do_not_slow_down_a_known_address() {
        let g = LoginGuard::default();
        let t = Instant::now();
        let home = "192.0.2.1";
        let a = g.begin("a@b.nl", home, t).unwrap();
        g.succeeded(a, t);
        // Someone else fails on the account from many addresses: the account is slowed down for them.
        for i in 0..20 {
            let _ = g.begin("a@b.nl", &format!("198.51.100.{i}"), t);
        }
        assert!(g.begin("a@b.nl", "203.0.113.9", t).is_err());
        // The owner, from the address that logged in before, is not.
        assert!(g.begin("a@b.nl", home, t).is_ok());
    }

    #[test]
    fn common_passwords_are_refused() {
        for weak in ["wachtwoord123", "password1234", "qwertyuiopasdf", "123456789012", "aaaaaaaaaaaa", "jan.jansen@delft.nl"] {
            assert!(check_password_rules(weak, &["jan.jansen@delft.nl", "Jan Jansen"]).is_err(), "{weak}");
        }
        for good in ["paars konijn fietst langs de gracht", "een-lang-wachtwoord", "tijdelijk-0a1b2c3d4e5f6a7b8c"] {
            assert!(check_password_rules(good, &["jan.jansen@delft.nl"]).is_ok(), "{good}");
        }
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
