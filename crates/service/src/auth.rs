//! Accounts, passwords (argon2) and API tokens (random secrets stored only as SHA-256 hashes).

use crate::error::{Result, ServiceError};
use algoreg_domain::org::Role;
use algoreg_domain::workflow::Principal;
use algoreg_store::{NewToken, NewUser, Store, TokenInfo, User};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const TOKEN_PREFIX: &str = "algoreg_";
/// How long a login session lasts.
pub const SESSION_HOURS: i64 = 12;

pub struct Auth<'a> {
    pub store: &'a dyn Store,
    pub guard: &'a LoginGuard,
}

/// Failed logins allowed before an account is locked for [`LOCKOUT_MINUTES`].
pub const MAX_FAILURES: u32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

/// Lockout after repeated failures, per account (lower-cased e-mail), in memory.
#[derive(Default)]
pub struct LoginGuard {
    failures: std::sync::Mutex<std::collections::HashMap<String, (u32, chrono::DateTime<chrono::Utc>)>>,
}

impl LoginGuard {
    fn key(email: &str) -> String {
        email.trim().to_lowercase()
    }
    pub fn locked(&self, email: &str) -> bool {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&Self::key(email))
            .is_some_and(|(n, since)| *n >= MAX_FAILURES && chrono::Utc::now() - *since < chrono::Duration::minutes(LOCKOUT_MINUTES))
    }
    fn fail(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = chrono::Utc::now();
        let e = map.entry(Self::key(email)).or_insert((0, now));
        if now - e.1 >= chrono::Duration::minutes(LOCKOUT_MINUTES) {
            *e = (0, now);
        }
        e.0 += 1;
        e.1 = now;
    }
    fn clear(&self, email: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(&Self::key(email));
    }
}

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

pub fn check_password_rules(password: &str) -> Result<()> {
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
    Ok(())
}

pub fn check_email(email: &str) -> Result<()> {
    if !algoreg_standard::validate::is_email(email) || email.len() > 254 {
        return Err(ServiceError::bad("email", "Geef een geldig e-mailadres.", "Give a valid e-mail address."));
    }
    Ok(())
}

impl Auth<'_> {
    pub async fn create_user(&self, email: &str, name: &str, password: &str, central_operator: bool) -> Result<User> {
        check_email(email)?;
        check_password_rules(password)?;
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(ServiceError::bad("name", "Geef een naam van 1 tot 200 tekens.", "Give a name of 1 to 200 characters."));
        }
        let hash = hash_password(password)?;
        Ok(self
            .store
            .create_user(&NewUser { email: email.to_string(), name: name.to_string(), password_hash: hash, central_operator })
            .await?)
    }

    /// Checks a password; the same error for an unknown e-mail and a wrong password. After
    /// [`MAX_FAILURES`] failures the account is locked for [`LOCKOUT_MINUTES`] minutes.
    pub async fn login(&self, email: &str, password: &str) -> Result<User> {
        if self.guard.locked(email) {
            return Err(ServiceError::forbidden(
                "Te veel mislukte pogingen; dit account is 15 minuten geblokkeerd.",
                "Too many failed attempts; this account is locked for 15 minutes.",
            ));
        }
        let user = self.store.user_by_email(email).await?;
        match user {
            Some(u) if verify_password(password, &u.password_hash) => {
                self.guard.clear(email);
                Ok(u)
            }
            _ => {
                self.guard.fail(email);
                Err(ServiceError::Unauthenticated)
            }
        }
    }

    /// A random temporary password, shown once.
    pub fn temporary_password() -> String {
        let mut b = [0u8; 9];
        rand::thread_rng().fill_bytes(&mut b);
        format!("tijdelijk-{}", hex::encode(b))
    }

    pub async fn principal_for_user(&self, user: &User) -> Result<Principal> {
        let roles = self.store.memberships(user.id).await?.into_iter().map(|m| (m.org_id, m.role)).collect();
        Ok(Principal {
            key: format!("user:{}", user.id),
            user_id: Some(user.id),
            token_id: None,
            display: user.name.clone(),
            central_operator: user.central_operator,
            roles,
        })
    }

    /// Starts a session for a user; returns the secret for the cookie (only its hash is stored).
    pub async fn start_session(&self, user: &User) -> Result<String> {
        let mut b = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut b);
        let secret = hex::encode(b);
        let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
        self.store.create_session(&hash_token(&secret), user.id, expires).await?;
        Ok(secret)
    }

    pub async fn session_principal(&self, secret: &str) -> Result<Principal> {
        if secret.len() != 64 {
            return Err(ServiceError::Unauthenticated);
        }
        let user = self.store.session_user(&hash_token(secret), chrono::Utc::now()).await?.ok_or(ServiceError::Unauthenticated)?;
        self.principal_for_user(&user).await
    }

    pub async fn end_session(&self, secret: &str) -> Result<()> {
        Ok(self.store.delete_session(&hash_token(secret)).await?)
    }

    /// Resolves a bearer token to the principal it stands for.
    pub async fn principal_for_token(&self, secret: &str) -> Result<Principal> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Err(ServiceError::Unauthenticated);
        }
        let info = self.store.token_by_hash(&hash_token(secret)).await?.ok_or(ServiceError::Unauthenticated)?;
        let mut roles = vec![(info.org_id, info.role)];
        if info.role == Role::OrgAdmin {
            roles.push((info.org_id, Role::Editor));
        }
        Ok(Principal {
            key: format!("token:{}", info.id),
            user_id: None,
            token_id: Some(info.id),
            display: format!("API-token {}", info.name),
            central_operator: false,
            roles,
        })
    }

    /// Creates a token; the secret is returned once and never stored.
    pub async fn create_token(&self, org_id: i64, role: Role, name: &str, created_by: Option<i64>) -> Result<(TokenInfo, String)> {
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
        Ok((info, secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
