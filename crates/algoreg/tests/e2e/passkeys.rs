//! Passkeys over the session API: what a browser sends that is not a right answer is refused with the
//! field named, a challenge is answered once, only people (not API tokens) have passkeys, and starting
//! logins is limited per address. The whole ceremony with a real authenticator runs in Chromium
//! (`e2e/tests/passkeys.test.mjs`); the signature checks with a software authenticator are unit tests
//! of `algoreg-service` (`webauthn::`).
use crate::common::*;
use serde_json::{json, Value};

fn answer(ceremony: &str) -> Value {
    json!({"ceremony": ceremony, "credential": {"rawId": "AAAA", "response": {
        "clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA", "attestationObject": "oA"}}})
}

#[test]
fn passkey_ceremonies_refuse_what_is_not_a_right_answer() {
    let env = Env::new();
    env.org("zeist", "four_eyes");
    env.user("ann@zeist.nl", Some("zeist"), &["editor"], false);
    let token = env.token("zeist", "editor");
    let s = env.serve();

    // Logging in: options for anyone, with this site as the relying party.
    let (status, o) = s.send("POST", "/api/v1/session/passkey/options", None, None);
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["public_key"]["rpId"], "127.0.0.1");
    assert_eq!(o["public_key"]["userVerification"], "required");
    let ceremony = o["ceremony"].as_str().unwrap().to_string();
    assert_eq!(ceremony.len(), 64);
    // An answer from an unknown credential; then the same ceremony again (it was used up).
    let (status, p) = s.send("POST", "/api/v1/session/passkey", None, Some(answer(&ceremony)));
    assert_eq!((status, p["errors"][0]["field"].as_str()), (422, Some("credential")), "{p}");
    let (status, p) = s.send("POST", "/api/v1/session/passkey", None, Some(answer(&ceremony)));
    assert_eq!((status, p["errors"][0]["field"].as_str()), (422, Some("ceremony")), "{p}");
    let (status, _) = s.send("POST", "/api/v1/session/passkey", None, Some(answer(&"0".repeat(64))));
    assert_eq!(status, 422);
    let (status, _) = s.send("POST", "/api/v1/session/passkey", None, Some(json!({"ceremony": "x"})));
    assert_eq!(status, 422, "a body without the credential");

    // Adding a passkey: people only, while logged in.
    assert_eq!(s.send("POST", "/api/v1/session/passkeys/options", None, None).0, 401);
    assert_eq!(s.send("POST", "/api/v1/session/passkeys/options", Some(&token), Some(json!({"password": PASSWORD}))).0, 403);
    assert_eq!(s.send("GET", "/api/v1/session/passkeys", Some(&token), None).0, 403);
    let ann = s.login("ann@zeist.nl");
    // After the current password: a stolen session alone adds no way in that outlasts a password change.
    let (status, p) = ann.send("POST", "/api/v1/session/passkeys/options", Some(json!({"password": "fout"})));
    assert_eq!((status, p["errors"][0]["field"].as_str()), (422, Some("password")), "{p}");
    assert_eq!(ann.send("POST", "/api/v1/session/passkeys/options", Some(json!({}))).0, 422);
    let (status, o) = ann.send("POST", "/api/v1/session/passkeys/options", Some(json!({"password": PASSWORD})));
    assert_eq!(status, 200);
    assert_eq!(o["public_key"]["user"]["name"], "ann@zeist.nl");
    assert_eq!(o["public_key"]["authenticatorSelection"]["residentKey"], "required");
    let reg = o["ceremony"].as_str().unwrap().to_string();
    // A login ceremony does not add a passkey, nor does a broken attestation.
    let (status, p) = ann.send("POST", "/api/v1/session/passkeys", Some(answer(&ceremony)));
    assert_eq!((status, p["errors"][0]["field"].as_str()), (422, Some("ceremony")), "{p}");
    let (status, p) = ann.send("POST", "/api/v1/session/passkeys", Some(answer(&reg)));
    assert_eq!((status, p["errors"][0]["field"].as_str()), (422, Some("credential")), "{p}");
    let (status, list) = ann.send("GET", "/api/v1/session/passkeys", None);
    assert_eq!((status, list), (200, json!([])));
    assert_eq!(ann.send("DELETE", "/api/v1/session/passkeys/999", None).0, 404);
    assert_eq!(ann.send("DELETE", "/api/v1/session/passkeys/abc", None).0, 404);

    // Starting logins is limited per client address (each keeps a challenge for a while).
    let mut statuses = vec![];
    for _ in 0..40 {
        statuses.push(s.send("POST", "/api/v1/session/passkey/options", None, None).0);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}
