//! The organisation API's login as the tools of the live register use it (its login server is Keycloak):
//! an OpenID Connect discovery document, the signing keys as a JWKS, and a token endpoint with the
//! password grant (form fields `grant_type`, `client_id`, `username`, `password`, `totp`) and the client
//! credentials grant for machine clients (an organisation's API tokens: `client_id` `token-ID`, the
//! token as secret). Access tokens are short-lived JWTs signed with Ed25519; keys rotate and stay in the
//! JWKS until what they signed has expired. The APIs accept them beside the opaque tokens.
//!
//! The password grant also gives a refresh token, as Keycloak does: the refresh token grant gives new
//! access tokens without the password and second-factor code again, for [`REFRESH_SECONDS`] after the
//! login. It is kept as one of the person's sessions (a hash only, under its own prefix, so that it
//! never opens the site): listed on their account page, where they can end it, and ended with the
//! others when their password changes.

use crate::error::{Result, ServiceError};
use crate::App;
use algoreg_domain::workflow::Principal;
use algoreg_store::{SigningKey, UserId};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;

/// The live signing keys and when they were read.
pub type KeySnapshot = (std::time::Instant, Arc<Vec<SigningKey>>);

/// The organisation API's public client, as the live register's login server knows it.
pub const PUBLIC_CLIENT: &str = "authentication-client";
/// How long an access token lives unless configured otherwise (Keycloak's default).
pub const ACCESS_SECONDS: i64 = 300;
/// A new signing key after this long; the old one stays published as long again.
pub const KEY_DAYS: i64 = 30;
/// How long a refresh token works after the login (Keycloak's longest session by default).
pub const REFRESH_SECONDS: i64 = 10 * 3600;
/// How the sessions behind refresh tokens were opened (with [`MFA`] after it when the login asked the
/// second factor).
pub const API_SESSION: &str = "organisation-api";
/// The mark of a session whose login asked the second factor.
const MFA: &str = "+mfa";
/// The start of a refresh token (what follows is 64 hexadecimal digits).
const REFRESH_PREFIX: &str = "rt.";

/// The stored hash of a refresh token: of another form than a site session's, so neither passes as the other.
fn refresh_hash(token: &str) -> String {
    crate::auth::hash_token(&format!("refresh:{token}"))
}

/// The audience of our access tokens.
pub const AUDIENCE: &str = "algoreg";
/// The realm in the paths of the login server (`/realms/{realm}/...`), as tools are configured.
pub const REALM: &str = "algreg";

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A refusal in the token endpoint's own shape (RFC 6749 section 5.2, as Keycloak answers).
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
    /// Seconds to wait (throttled logins).
    pub retry_after: Option<u64>,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError { status, error, description: description.into(), retry_after: None }
    }
    pub fn body(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
    fn internal() -> OAuthError {
        OAuthError::new(500, "server_error", "The server could not answer.")
    }
}

/// The token endpoint's form.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub totp: Option<String>,
    pub refresh_token: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
    nbf: i64,
    jti: String,
    typ: String,
    azp: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    preferred_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    email: Option<String>,
    /// How the person logged in (RFC 8176): `pwd`, with `otp` and `mfa` when the second factor was asked.
    /// A token without `mfa` does not count as having one, also after the person turns one on.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    amr: Option<Vec<String>>,
    /// The login session (refresh token) a person's token comes from: when it ends (logging out, ending
    /// it on the sessions page, a new password), so do its access tokens.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    sid: Option<String>,
}

/// The session ID (as its owner sees it) of a refresh token.
fn session_id(refresh_token: &str) -> String {
    refresh_hash(refresh_token).chars().take(algoreg_store::rows::SESSION_ID_LEN).collect()
}

/// The client ID and secret of an `Authorization: Basic` header (RFC 6749 section 2.3.1).
pub fn basic_credentials(header: &str) -> Option<(String, String)> {
    let encoded = header.strip_prefix("Basic ").or_else(|| header.strip_prefix("basic "))?;
    if encoded.len() > 2048 {
        return None;
    }
    let text = String::from_utf8(B64.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
    Some((unescape(id)?, unescape(secret)?))
}

fn new_key(now: DateTime<Utc>) -> Result<SigningKey> {
    use ring::signature::KeyPair;
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| ServiceError::Internal("key generation".into()))?;
    let pair = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| ServiceError::Internal("key".into()))?;
    let public_x = B64URL.encode(pair.public_key().as_ref());
    let kid = format!("{}-{}", now.format("%Y%m%d"), &hex::encode(rand::random::<[u8; 6]>()));
    Ok(SigningKey { kid, private_pkcs8: B64.encode(pkcs8.as_ref()), public_x, created_at: now })
}

impl App {
    /// The issuer of our access tokens: the site's public address with the realm, as Keycloak names it.
    pub fn issuer(&self) -> String {
        format!("{}/realms/{REALM}", self.feedback.config.public_url.trim_end_matches('/'))
    }

    /// The OpenID Connect discovery document.
    pub fn discovery(&self) -> Value {
        let iss = self.issuer();
        json!({
            "issuer": iss,
            "token_endpoint": format!("{iss}/protocol/openid-connect/token"),
            "jwks_uri": format!("{iss}/protocol/openid-connect/certs"),
            "grant_types_supported": ["password", "client_credentials", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["EdDSA"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
            "scopes_supported": ["openid", "profile", "email"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "preferred_username", "email"],
        })
    }

    /// Keys that may have signed a live token: made within two rotation periods.
    async fn live_keys(&self, now: DateTime<Utc>) -> Result<Vec<SigningKey>> {
        Ok(self.store.signing_keys(now - Duration::days(2 * KEY_DAYS)).await?)
    }

    /// The live key with this ID, from a copy of the keys at most a minute old; an unknown ID reads the
    /// store again (a key made by another node), at most once a second.
    async fn verifying_key(&self, kid: &str) -> Result<Option<SigningKey>> {
        const FRESH: std::time::Duration = std::time::Duration::from_secs(60);
        const RETRY: std::time::Duration = std::time::Duration::from_secs(1);
        let cached = self.signing_keys.read().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((at, keys)) = &cached {
            let found = keys.iter().find(|k| k.kid == kid).cloned();
            if at.elapsed() < FRESH && (found.is_some() || at.elapsed() < RETRY) {
                return Ok(found);
            }
        }
        let keys = Arc::new(self.live_keys(Utc::now()).await?);
        *self.signing_keys.write().unwrap_or_else(|e| e.into_inner()) = Some((std::time::Instant::now(), keys.clone()));
        Ok(keys.iter().find(|k| k.kid == kid).cloned())
    }

    /// The signing keys as a JSON Web Key Set.
    pub async fn jwks(&self) -> Result<Value> {
        let keys: Vec<Value> = self
            .live_keys(Utc::now())
            .await?
            .iter()
            .map(|k| json!({"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": k.kid, "x": k.public_x}))
            .collect();
        Ok(json!({ "keys": keys }))
    }

    /// The key that signs now: the newest, or a new one when the newest is older than a rotation period.
    async fn signing_key(&self, now: DateTime<Utc>) -> Result<SigningKey> {
        if let Some(k) = self.live_keys(now).await?.into_iter().next() {
            if now - k.created_at < Duration::days(KEY_DAYS) {
                return Ok(k);
            }
        }
        let key = new_key(now)?;
        self.store.add_signing_key(&key).await?;
        // Tokens signed with it are checked against a fresh read of the keys.
        *self.signing_keys.write().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(key)
    }

    fn access_seconds(&self) -> i64 {
        self.access_token_seconds.unwrap_or(ACCESS_SECONDS)
    }

    /// An access token for `sub`; with `refresh`, the refresh token and the seconds it still works.
    async fn issue(&self, sub: String, client: &str, user: Option<(&str, &str, bool)>, refresh: Option<(&str, i64)>) -> Result<Value> {
        let now = Utc::now();
        let key = self.signing_key(now).await?;
        let seconds = self.access_seconds();
        let claims = Claims {
            iss: self.issuer(),
            sub,
            aud: AUDIENCE.into(),
            exp: now.timestamp() + seconds,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            jti: hex::encode(rand::random::<[u8; 12]>()),
            typ: "Bearer".into(),
            azp: client.into(),
            preferred_username: user.map(|u| u.0.to_string()),
            email: user.map(|u| u.1.to_string()),
            amr: user.map(|u| if u.2 { vec!["pwd".into(), "otp".into(), "mfa".into()] } else { vec!["pwd".into()] }),
            sid: user.and(refresh).map(|(t, _)| session_id(t)),
        };
        let der = B64.decode(&key.private_pkcs8).map_err(|_| ServiceError::Internal("signing key".into()))?;
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_ed_der(&der))
            .map_err(|e| ServiceError::Internal(format!("signing: {e}")))?;
        let mut answer = json!({
            "access_token": token,
            "expires_in": seconds,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "profile email",
        });
        if let Some((refresh, left)) = refresh {
            answer["refresh_token"] = json!(refresh);
            answer["refresh_expires_in"] = json!(left);
        }
        Ok(answer)
    }

    /// A refresh token for a person who just logged in with the password grant (`second_factor`: the
    /// login asked it).
    async fn new_refresh_token(&self, user: UserId, second_factor: bool, now: DateTime<Utc>) -> Result<String> {
        let token = format!("{REFRESH_PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
        let method = if second_factor { format!("{API_SESSION}{MFA}") } else { API_SESSION.to_string() };
        self.store.create_session(&refresh_hash(&token), user, now + Duration::seconds(REFRESH_SECONDS), &method).await?;
        Ok(token)
    }

    /// The refresh token grant: a new access token for the person whose refresh token it is, while it
    /// works (the same refresh token again, with the seconds it has left).
    async fn refresh(&self, req: &TokenRequest) -> std::result::Result<Value, OAuthError> {
        if req.client_id.as_deref() != Some(PUBLIC_CLIENT) {
            return Err(OAuthError::new(401, "invalid_client", "Invalid client or Invalid client credentials"));
        }
        let invalid = || OAuthError::new(400, "invalid_grant", "Invalid refresh token");
        let token = req.refresh_token.as_deref().filter(|t| t.len() == REFRESH_PREFIX.len() + 64 && t.starts_with(REFRESH_PREFIX));
        let token = token.ok_or_else(invalid)?;
        let (now, hash) = (Utc::now(), refresh_hash(token));
        let found = self.store.session_user(&hash, now).await.map_err(|_| OAuthError::internal())?;
        let (user, asked) = match found {
            Some((user, method)) if method.starts_with(API_SESSION) && user.password_temporary_until.is_none() => {
                (user, method.ends_with(MFA))
            }
            _ => return Err(invalid()),
        };
        let sessions = self.store.sessions_of_user(user.id, now).await.map_err(|_| OAuthError::internal())?;
        let left = sessions.iter().find(|s| hash.starts_with(&s.id)).map(|s| (s.expires_at - now).num_seconds()).ok_or_else(invalid)?;
        // What the login asked, and the account still has (turned off since: no longer).
        let second_factor = asked && user.totp_secret.is_some();
        self.issue(format!("user:{}", user.id), PUBLIC_CLIENT, Some((&user.email, &user.email, second_factor)), Some((token, left)))
            .await
            .map_err(|_| OAuthError::internal())
    }

    /// The token endpoint. `source` is the client's address (for the login throttle).
    pub async fn token_endpoint(&self, req: TokenRequest, source: &str) -> std::result::Result<Value, OAuthError> {
        let missing = |f: &str| OAuthError::new(400, "invalid_request", format!("Missing form parameter: {f}"));
        let too_long = |v: &Option<String>| v.as_ref().is_some_and(|s| s.len() > 1024);
        let fields = [&req.grant_type, &req.client_id, &req.client_secret, &req.username, &req.password, &req.totp, &req.refresh_token];
        if fields.into_iter().any(too_long) {
            return Err(OAuthError::new(400, "invalid_request", "A form parameter is too long."));
        }
        match req.grant_type.as_deref() {
            None => Err(missing("grant_type")),
            Some("password") => {
                if req.client_id.as_deref() != Some(PUBLIC_CLIENT) {
                    return Err(OAuthError::new(401, "invalid_client", "Invalid client or Invalid client credentials"));
                }
                let (Some(username), Some(password)) = (req.username.as_deref(), req.password.as_deref()) else {
                    return Err(OAuthError::new(401, "invalid_grant", "Invalid user credentials"));
                };
                let user = match self.auth().login(username.trim(), password, source, "organisation-api", req.totp.as_deref()).await {
                    Ok(u) => u,
                    Err(ServiceError::TooManyRequests { retry_after: seconds }) => {
                        let mut e = OAuthError::new(400, "invalid_grant", "Too many failed logins; try again later.");
                        e.retry_after = Some(seconds);
                        return Err(e);
                    }
                    Err(ServiceError::Internal(_)) => return Err(OAuthError::internal()),
                    Err(ServiceError::BadInput { message_en, .. }) if message_en == crate::auth::CODES_LOCKED.1 => {
                        return Err(OAuthError::new(401, "invalid_grant", message_en))
                    }
                    Err(_) => return Err(OAuthError::new(401, "invalid_grant", "Invalid user credentials")),
                };
                if user.password_temporary_until.is_some() {
                    return Err(OAuthError::new(400, "invalid_grant", "Account is not fully set up"));
                }
                let now = Utc::now();
                self.store.record_login(user.id, API_SESSION, now).await.map_err(|_| OAuthError::internal())?;
                // The login asked the second factor if the account has one.
                let second_factor = user.totp_secret.is_some();
                let refresh = self.new_refresh_token(user.id, second_factor, now).await.map_err(|_| OAuthError::internal())?;
                let user_claims = (user.email.as_str(), user.email.as_str(), second_factor);
                self.issue(format!("user:{}", user.id), PUBLIC_CLIENT, Some(user_claims), Some((&refresh, REFRESH_SECONDS)))
                    .await
                    .map_err(|_| OAuthError::internal())
            }
            Some("refresh_token") => self.refresh(&req).await,
            Some("client_credentials") => {
                let bad = || OAuthError::new(401, "invalid_client", "Invalid client or Invalid client credentials");
                let (Some(client_id), Some(secret)) = (req.client_id.as_deref(), req.client_secret.as_deref()) else { return Err(bad()) };
                let p = self.auth().principal_for_token(secret).await.map_err(|_| bad())?;
                let id = p.token_id.ok_or_else(bad)?;
                if client_id != format!("token-{id}") {
                    return Err(bad());
                }
                self.issue(format!("token:{id}"), client_id, None, None).await.map_err(|_| OAuthError::internal())
            }
            Some(_) => Err(OAuthError::new(400, "unsupported_grant_type", "Unsupported grant_type")),
        }
    }

    /// The principal of one of our access tokens: signature (a live key), issuer, audience and time
    /// checked; the roles read now, so a removed role or a revoked token counts at once.
    pub async fn principal_for_access_token(&self, token: &str) -> Result<Principal> {
        if token.len() > 4096 || token.matches('.').count() != 2 {
            return Err(ServiceError::Unauthenticated);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| ServiceError::Unauthenticated)?;
        if header.alg != jsonwebtoken::Algorithm::EdDSA {
            return Err(ServiceError::Unauthenticated);
        }
        let kid = header.kid.ok_or(ServiceError::Unauthenticated)?;
        let key = self.verifying_key(&kid).await?.ok_or(ServiceError::Unauthenticated)?;
        let decoding = jsonwebtoken::DecodingKey::from_ed_components(&key.public_x).map_err(|_| ServiceError::Unauthenticated)?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[self.issuer()]);
        validation.leeway = 1;
        validation.validate_nbf = true;
        let claims = jsonwebtoken::decode::<Claims>(token, &decoding, &validation).map_err(|_| ServiceError::Unauthenticated)?.claims;
        if let Some(id) = claims.sub.strip_prefix("user:").and_then(|n| n.parse::<UserId>().ok()) {
            // Only while the login it comes from lasts.
            let sid = claims.sid.as_deref().ok_or(ServiceError::Unauthenticated)?;
            if !self.store.sessions_of_user(id, Utc::now()).await?.iter().any(|s| s.id == sid) {
                return Err(ServiceError::Unauthenticated);
            }
            let mut user = self.store.user(id).await?.ok_or(ServiceError::Unauthenticated)?;
            if !claims.amr.as_ref().is_some_and(|a| a.iter().any(|m| m == "mfa")) {
                // Issued without the second step (before the person turned one on): it does not count.
                user.totp_secret = None;
            }
            let p = self.auth().principal_for_user(&user).await?;
            if p.must_change_password {
                return Err(ServiceError::Unauthenticated);
            }
            return Ok(p);
        }
        if let Some(id) = claims.sub.strip_prefix("token:").and_then(|n| n.parse::<i64>().ok()) {
            let info = self.store.token(id).await?.filter(|t| !t.revoked).ok_or(ServiceError::Unauthenticated)?;
            return Ok(crate::auth::token_principal(&info));
        }
        Err(ServiceError::Unauthenticated)
    }

    /// A bearer token of any kind: one of our access tokens (a JWT), or an opaque API token.
    pub async fn principal_for_bearer(&self, token: &str) -> Result<Principal> {
        if token.matches('.').count() == 2 {
            // A token of a configured identity provider, checked against that provider's keys.
            if crate::sso::unverified_issuer(token).is_some_and(|iss| iss != self.issuer()) {
                return self.sso().principal_for_token(token).await?.ok_or(ServiceError::Unauthenticated);
            }
            self.principal_for_access_token(token).await
        } else {
            self.auth().principal_for_token(token).await
        }
    }
}
