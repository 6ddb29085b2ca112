//! Passkeys (WebAuthn): a person adds one while logged in, and then logs in with it alone (the device
//! asks for a PIN or a fingerprint, so it counts as a second factor too). The checks are in
//! [`crate::webauthn`]; here are the ceremonies: a challenge is made, kept in the store under the hash
//! of a secret the browser gets (so any node can finish it), and taken once.

use crate::audit::{self, Actor, Note};
use crate::auth::{hash_token, Auth};
use crate::error::{Result, ServiceError};
use crate::webauthn::RelyingParty;
use algoreg_domain::audit::AuditKind;
use algoreg_domain::workflow::Principal;
use algoreg_store::{Ceremony, NewPasskey, Passkey, Store, StoreError, User};
use base64::Engine;
use serde_json::{json, Value};

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
/// The session method of a passkey login.
pub const METHOD: &str = "passkey";

/// The session method of a login with the passkey `id` (`passkey:{id}`): removing that passkey ends the
/// sessions it opened.
pub fn method(id: i64) -> String {
    format!("{METHOD}:{id}")
}
/// How long a ceremony may take.
const CEREMONY_MINUTES: i64 = 5;
/// Login ceremonies under way at most (anyone starts one): beyond it the oldest make way.
const MAX_CEREMONIES: u64 = 100_000;

pub struct Passkeys<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) public_url: &'a str,
    pub(crate) auth: Auth<'a>,
}

/// A ceremony started: the secret to send back with the answer, and the options for
/// `navigator.credentials.create` or `.get` (binary values as base64url).
pub struct Started {
    pub ceremony: String,
    pub options: Value,
}

/// What the browser answers (`PublicKeyCredential`, binary values as base64url).
#[derive(Debug, Default, Clone)]
pub struct Answer<'a> {
    pub raw_id: &'a str,
    pub client_data_json: &'a str,
    /// Registration.
    pub attestation_object: Option<&'a str>,
    /// Login.
    pub authenticator_data: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub user_handle: Option<&'a str>,
}

fn refused(what: &str) -> ServiceError {
    tracing::info!(why = what, "passkey refused");
    ServiceError::bad(
        "credential",
        "De passkey werd niet geaccepteerd. Probeer het opnieuw.",
        "The passkey was not accepted. Please try again.",
    )
}

fn decode(field: &str, v: &str) -> Result<Vec<u8>> {
    if v.len() > 2 * crate::webauthn::MAX_INPUT {
        return Err(refused("a field is too long"));
    }
    B64URL.decode(v.trim_end_matches('=')).map_err(|_| refused(&format!("{field} is not base64url")))
}

/// The user handle of a person: stable, and nothing but the account's number.
fn user_handle(user: &User) -> String {
    B64URL.encode(user.id.0.to_be_bytes())
}

impl Passkeys<'_> {
    fn rp(&self) -> Result<RelyingParty> {
        RelyingParty::from_url(self.public_url).ok_or_else(|| ServiceError::Internal("the public URL has no host".into()))
    }

    async fn start(&self, kind: &str, user: Option<&User>) -> Result<(String, String)> {
        let challenge = B64URL.encode(rand::random::<[u8; 32]>());
        let secret = hex::encode(rand::random::<[u8; 32]>());
        let c = Ceremony {
            kind: kind.into(),
            user_id: user.map(|u| u.id),
            challenge: challenge.clone(),
            expires_at: chrono::Utc::now() + chrono::Duration::minutes(CEREMONY_MINUTES),
        };
        self.store.put_ceremony(&hash_token(&secret), &c, MAX_CEREMONIES).await?;
        Ok((secret, challenge))
    }

    /// Takes the ceremony of `secret` if it is of `kind` (for `user`, when registering).
    async fn take(&self, secret: &str, kind: &str, user: Option<&User>) -> Result<Vec<u8>> {
        let gone = || {
            ServiceError::bad(
                "ceremony",
                "Deze poging is verlopen of al gebruikt. Begin opnieuw.",
                "This attempt has expired or was used already. Start again.",
            )
        };
        if secret.len() != 64 {
            return Err(gone());
        }
        let c = self.store.take_ceremony(&hash_token(secret), chrono::Utc::now()).await?.ok_or_else(gone)?;
        if c.kind != kind || c.user_id != user.map(|u| u.id) {
            return Err(gone());
        }
        B64URL.decode(&c.challenge).map_err(|_| ServiceError::Internal("stored challenge".into()))
    }

    /// Starts adding a passkey to the caller's own account, after its current password (throttled like a
    /// login): a passkey is a way in that outlasts a password change, so a stolen session alone must not
    /// add one. An account without a password (identity provider only) adds none.
    pub async fn begin_registration(&self, p: &Principal, password: &str, source: &str) -> Result<Started> {
        let user = self.person(p).await?;
        if user.password_hash == crate::sso::NO_PASSWORD {
            return Err(ServiceError::bad(
                "password",
                "U logt in via de identiteitsprovider van uw organisatie; daar voegt u geen passkey toe.",
                "You log in through your organisation's identity provider; no passkey is added there.",
            ));
        }
        self.auth.check_own_password(&user, password, source, "password").await?;
        let rp = self.rp()?;
        let (ceremony, challenge) = self.start("register", Some(&user)).await?;
        let exclude: Vec<Value> =
            self.store.passkeys_of_user(user.id).await?.iter().map(|k| json!({"type": "public-key", "id": k.credential_id})).collect();
        let options = json!({
            "rp": {"id": rp.id, "name": "Algoritmeregister"},
            "user": {"id": user_handle(&user), "name": user.email, "displayName": user.name},
            "challenge": challenge,
            "pubKeyCredParams": [
                {"type": "public-key", "alg": -7},
                {"type": "public-key", "alg": -8},
                {"type": "public-key", "alg": -257},
            ],
            "timeout": CEREMONY_MINUTES * 60_000,
            "attestation": "none",
            "authenticatorSelection": {"residentKey": "required", "requireResidentKey": true, "userVerification": "required"},
            "excludeCredentials": exclude,
        });
        Ok(Started { ceremony, options })
    }

    /// Finishes adding a passkey: checks the new credential and keeps it under `name`.
    pub async fn finish_registration(&self, p: &Principal, ceremony: &str, name: &str, a: &Answer<'_>) -> Result<Passkey> {
        let user = self.person(p).await?;
        let name = name.trim();
        let name = if name.is_empty() { "Passkey" } else { name };
        if name.chars().count() > 100 {
            return Err(ServiceError::bad("name", "Geef een naam van hoogstens 100 tekens.", "Give a name of at most 100 characters."));
        }
        let challenge = self.take(ceremony, "register", Some(&user)).await?;
        let att = decode("attestationObject", a.attestation_object.ok_or_else(|| refused("no attestation object"))?)?;
        let cred = self.rp()?.register(&challenge, &decode("clientDataJSON", a.client_data_json)?, &att).map_err(|r| refused(r.0))?;
        let new = NewPasskey {
            user_id: user.id,
            credential_id: B64URL.encode(&cred.id),
            public_key: B64URL.encode(&cred.public_key),
            sign_count: cred.sign_count,
            name: name.to_string(),
        };
        let key = match self.store.add_passkey(&new, chrono::Utc::now()).await {
            Err(StoreError::Conflict(_)) => {
                return Err(ServiceError::bad("credential", "Deze passkey is al toegevoegd.", "This passkey was added already."))
            }
            r => r?,
        };
        let note = Note { kind: AuditKind::PasskeyAdded, org: None, subject: Some(user.id), detail: &key.name, source: None };
        audit::write(self.store, Actor::Principal(p), note).await;
        // The owner hears of it, so that a passkey added by someone else does not go unnoticed.
        let link = format!("{}/nl/account/passkeys", self.public_url.trim_end_matches('/'));
        let mail = algoreg_store::NewMail::new(
            user.email.clone(),
            "Passkey toegevoegd / Passkey added",
            format!(
                "Aan uw account in het algoritmeregister is een passkey toegevoegd (\"{name}\"). Was u dat niet, verwijder hem dan hier en wijzig uw wachtwoord:\n\n{link}\n\n---\n\nA passkey was added to your account in the algorithm register (\"{name}\"). If that was not you, remove it here and change your password:\n\n{link}\n",
                name = key.name
            ),
        );
        self.store.queue_mail(&[mail]).await?;
        Ok(key)
    }

    /// The caller's own passkeys.
    pub async fn list(&self, p: &Principal) -> Result<Vec<Passkey>> {
        let user = self.person(p).await?;
        Ok(self.store.passkeys_of_user(user.id).await?)
    }

    /// Removes one of the caller's own passkeys, and ends the sessions it opened.
    pub async fn remove(&self, p: &Principal, id: i64) -> Result<()> {
        let user = self.person(p).await?;
        match self.store.delete_passkey(user.id, id).await {
            Err(StoreError::NotFound) => Err(ServiceError::NotFound("passkey")),
            r => {
                r?;
                let note = Note { kind: AuditKind::PasskeyRemoved, org: None, subject: Some(user.id), detail: "", source: None };
                audit::write(self.store, Actor::Principal(p), note).await;
                Ok(())
            }
        }
    }

    /// Starts a login with a passkey (anyone; limited per client address).
    pub async fn begin_login(&self, source: &str) -> Result<Started> {
        self.auth
            .guard
            .passkey_starts
            .hit(self.auth.shared_store(), "passkey-start", source)
            .await
            .map_err(|retry_after| ServiceError::TooManyRequests { retry_after })?;
        let rp = self.rp()?;
        let (ceremony, challenge) = self.start("login", None).await?;
        let options = json!({
            "challenge": challenge,
            "rpId": rp.id,
            "timeout": CEREMONY_MINUTES * 60_000,
            "userVerification": "required",
            "allowCredentials": [],
        });
        Ok(Started { ceremony, options })
    }

    /// Finishes a login with a passkey: the account whose passkey signed the challenge.
    /// The account and the session method ([`method`]) of a finished passkey login.
    pub async fn finish_login(&self, ceremony: &str, a: &Answer<'_>, source: &str) -> Result<(User, String)> {
        let challenge = self.take(ceremony, "login", None).await?;
        let raw_id = decode("rawId", a.raw_id)?;
        let key = self.store.passkey_by_credential(&B64URL.encode(&raw_id)).await?.ok_or_else(|| refused("unknown credential"))?;
        let user = self.store.user(key.user_id).await?.ok_or_else(|| refused("no such account"))?;
        // A login without a named account must name the passkey's owner (WebAuthn 7.2, step 6).
        if a.user_handle.is_none_or(|h| h.trim_end_matches('=') != user_handle(&user)) {
            return Err(refused("no or another user handle"));
        }
        let count = self
            .rp()?
            .authenticate(
                &challenge,
                &decode("publicKey", &key.public_key)?,
                key.sign_count,
                &decode("clientDataJSON", a.client_data_json)?,
                &decode("authenticatorData", a.authenticator_data.ok_or_else(|| refused("no authenticator data"))?)?,
                &decode("signature", a.signature.ok_or_else(|| refused("no signature"))?)?,
            )
            .map_err(|r| refused(r.0))?;
        match self.store.passkey_used(key.id, count, chrono::Utc::now()).await {
            Err(StoreError::Stale) => return Err(refused("signature counter raced")),
            r => r?,
        }
        let note = Note { kind: AuditKind::Login, org: None, subject: Some(user.id), detail: METHOD, source: Some(source) };
        audit::write(self.store, Actor::User(user.id, &user.name), note).await;
        Ok((user, method(key.id)))
    }

    /// The caller as a person with a set-up account (not an API token, not a temporary password).
    async fn person(&self, p: &Principal) -> Result<User> {
        if p.must_change_password {
            return Err(ServiceError::forbidden("Kies eerst een eigen wachtwoord.", "Choose your own password first."));
        }
        self.auth.me(p).await
    }
}
