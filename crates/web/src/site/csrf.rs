//! CSRF protection for forms: a random token in a `SameSite=Strict` cookie that every form posts back
//! (double submit). A cross-site page can neither read the cookie nor make the browser send it.

use axum::http::HeaderMap;
use rand::RngCore;

pub const COOKIE: &str = "algoreg_csrf";

pub fn new_token() -> String {
    let mut b = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// This browser's token, when it has a well-formed one.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie(headers, COOKIE).filter(|v| v.len() == 48 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn set_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict")
}

/// Constant-time comparison of the posted token with the cookie.
pub fn matches(sent: Option<&str>, expected: &str) -> bool {
    let Some(sent) = sent else { return false };
    sent.len() == expected.len() && sent.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}
