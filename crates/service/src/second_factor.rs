//! The second factor: time-based one-time codes (TOTP, RFC 6238: SHA-1, six digits, 30 seconds, one step
//! of clock drift either way) and single-use recovery codes. A code works once: the time step it belongs
//! to is recorded, and older or equal steps are refused.

use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

/// The name authenticator apps show above the code.
pub const ISSUER: &str = "Algoritmeregister";
/// How many recovery codes a person gets (each works once).
pub const RECOVERY_CODES: usize = 10;

/// A new secret to enrol, as base32 (to type in) and as an `otpauth://` address (the QR code).
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
}

pub fn new_enrolment(account: &str) -> Enrolment {
    let mut b = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut b);
    let secret = match Secret::Raw(b.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => String::new(),
    };
    Enrolment { uri: uri(&secret, account), secret }
}

/// The `otpauth://` address of Google's key URI format, which every authenticator app reads.
pub fn uri(secret: &str, account: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20");
    format!("otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30", enc(ISSUER), enc(account), enc(ISSUER))
}

fn totp(secret: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes).ok()
}

/// Whether the secret is one we could have made (base32 of at least 128 bits).
pub fn valid_secret(secret: &str) -> bool {
    secret.len() <= 64 && totp(secret).is_some()
}

/// Whether the input looks like a code from an app (six digits, spaces allowed).
pub fn looks_like_code(input: &str) -> bool {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())
}

/// The time step (Unix time / 30) of the code if it is right now or one step before or after.
pub fn matching_step(secret: &str, code: &str, unix_seconds: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 {
        return None;
    }
    let t = totp(secret)?;
    let now = unix_seconds / 30;
    [now.saturating_sub(1), now, now + 1].into_iter().find(|step| constant_eq(&t.generate(step * 30), &code)).map(|s| s as i64)
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// New recovery codes: ten groups of 5+5 characters from an alphabet without look-alikes.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let c: String = (0..10).map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char).collect();
            format!("{}-{}", &c[..5], &c[5..])
        })
        .collect()
}

/// A recovery code as typed, in the form it is hashed in (lower case, no spaces or dashes).
pub fn normalise_recovery_code(input: &str) -> String {
    input.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_rfc_6238_and_one_step_of_drift() {
        // RFC 6238 appendix B's SHA-1 key "12345678901234567890" in base32.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let t = totp(secret).unwrap();
        assert_eq!(t.generate(59), "287082");
        assert_eq!(t.generate(1_111_111_109), "081804");
        assert_eq!(matching_step(secret, "287082", 59), Some(1));
        assert_eq!(matching_step(secret, "287 082", 89), Some(1), "one step late still counts");
        assert_eq!(matching_step(secret, "287082", 120), None, "two steps late does not");
        assert_eq!(matching_step(secret, "28708", 59), None);
        assert!(looks_like_code("123 456") && !looks_like_code("abcde-fghij"));
    }

    #[test]
    fn enrolments_and_recovery_codes() {
        let e = new_enrolment("iemand@example.org");
        assert!(valid_secret(&e.secret), "{}", e.secret);
        assert!(e.uri.starts_with("otpauth://totp/Algoritmeregister:iemand%40example.org?secret="), "{}", e.uri);
        assert!(!valid_secret("KORT") && !valid_secret("niet base32!"));
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        assert_eq!(normalise_recovery_code(" ABCDE-fghij "), "abcdefghij");
    }
}
