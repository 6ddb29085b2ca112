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

pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == COOKIE && v.len() == 48 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict")
}

/// Constant-time comparison of the posted token with the cookie.
pub fn matches(sent: Option<&str>, expected: &str) -> bool {
    let Some(sent) = sent else { return false };
    sent.len() == expected.len() && sent.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}
