//! The organisation API's login as a tool written for the live register uses it. The client below knows
//! only that contract (discovery, the Keycloak token endpoint with the password grant, `/aanleverapi`);
//! it was pointed at algoreg by changing the host name and nothing else.
use crate::common::*;
use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::time::Duration;

/// A tool configured for the live register: a host, the realm's token path and the public client.
struct Tool {
    http: Client,
    host: String,
    token: Option<String>,
}

impl Tool {
    fn new(host: &str) -> Tool {
        Tool { http: Client::new(), host: host.to_string(), token: None }
    }

    /// Finds the token endpoint through discovery and logs in with the password grant.
    fn login(&mut self, username: &str, password: &str) -> (u16, Value) {
        let doc: Value = self.http.get(format!("{}/.well-known/openid-configuration", self.host)).send().unwrap().json().unwrap();
        let endpoint = doc["token_endpoint"].as_str().unwrap().to_string();
        let r = self
            .http
            .post(endpoint)
            .form(&[
                ("grant_type", "password"),
                ("client_id", "authentication-client"),
                ("username", username),
                ("password", password),
                ("totp", ""),
            ])
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap();
        if status == 200 {
            self.token = Some(body["access_token"].as_str().unwrap().to_string());
        }
        (status, body)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method.parse().unwrap(), format!("{}{path}", self.host));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }
}

fn setup() -> (Env, Server) {
    let env = Env::new();
    env.org("zeist", "four_eyes");
    env.user("redacteur@zeist.nl", Some("zeist"), &["editor"], false);
    env.user("goedkeurder@zeist.nl", Some("zeist"), &["approver"], false);
    let s = env.serve();
    (env, s)
}

#[test]
fn a_tool_for_the_live_register_logs_in_and_publishes_unchanged() {
    let (_env, s) = setup();
    // Discovery names the login server's paths under this host.
    let doc: Value = reqwest::blocking::get(format!("{}/.well-known/openid-configuration", s.base)).unwrap().json().unwrap();
    assert_eq!(doc["token_endpoint"], json!(format!("{}/realms/algreg/protocol/openid-connect/token", s.base)));
    assert_eq!(doc["issuer"], json!(format!("{}/realms/algreg", s.base)));
    assert!(doc["grant_types_supported"].as_array().unwrap().contains(&json!("password")));
    let realm_doc: Value =
        reqwest::blocking::get(format!("{}/realms/algreg/.well-known/openid-configuration", s.base)).unwrap().json().unwrap();
    assert_eq!(realm_doc, doc);

    let mut editor = Tool::new(&s.base);
    let (st, t) = editor.login("redacteur@zeist.nl", PASSWORD);
    assert_eq!(st, 200, "{t}");
    assert_eq!((t["token_type"].as_str(), t["expires_in"].as_i64()), (Some("Bearer"), Some(300)));
    // Who am I: roles and organisations in the live register's shapes.
    let (st, me) = editor.call("GET", "/aanleverapi/user/me", None);
    assert_eq!(st, 200, "{me}");
    assert_eq!(me["username"], "redacteur@zeist.nl");
    assert_eq!(me["roles"], json!(["role_1"]));
    let org = &me["organisations"][0];
    assert_eq!(
        (org["code"].as_str(), org["flow"].as_str(), org["type"].as_str()),
        (Some("zeist"), Some("self_publish_two"), Some("gemeente"))
    );
    let (st, orgs) = editor.call("GET", "/aanleverapi/organisation?limit=10000&skip=0&q=zei", None);
    assert_eq!((st, orgs["count"].as_u64()), (200, Some(1)), "{orgs}");

    // Create, update, preview, release as the editor.
    let code = org["code"].as_str().unwrap();
    let base = format!("/aanleverapi/v1_0/organizations/{code}/algorithms");
    let mut body = complete_content("Parkeervergunningen toetsen");
    body["organization"] = json!("Gemeente zeist");
    body["lang"] = json!("nld");
    let (st, r) = editor.call("POST", &base, Some(body.clone()));
    assert_eq!(st, 200, "{r}");
    let lars = r["lars_code"].as_str().unwrap().to_string();
    body["goal"] = json!("<p>Sneller en eerlijker beslissen.</p>");
    assert_eq!(editor.call("PUT", &format!("{base}/{lars}"), Some(body)).0, 200);
    let (st, pv) = editor.call("GET", &format!("{base}/{lars}/preview"), None);
    assert_eq!(st, 200, "{pv}");
    assert_eq!(editor.call("PUT", &format!("{base}/{lars}/release"), None), (200, Value::Null));
    // Four eyes: the editor may not publish; the approver logs in with the same tool and does.
    assert_eq!(editor.call("PUT", &format!("{base}/{lars}/publish"), None).0, 403);
    let mut approver = Tool::new(&s.base);
    assert_eq!(approver.login("goedkeurder@zeist.nl", PASSWORD).0, 200);
    assert_eq!(approver.call("GET", "/aanleverapi/user/me", None).1["roles"], json!(["role_2"]));
    assert_eq!(approver.call("PUT", &format!("{base}/{lars}/publish"), None), (200, Value::Null));
    let (st, p) = editor.call("GET", &format!("/aanleverapi/v1_0/organizations/{code}/published-algorithms/{lars}"), None);
    assert_eq!((st, p["state"].as_str()), (200, Some("PUBLISHED")));
    // The same token works on the own API.
    assert_eq!(editor.call("GET", &format!("/api/v1/algorithms/{lars}/workspace"), None).0, 200);
}

#[test]
fn a_refresh_token_gives_new_access_tokens_until_the_person_ends_it() {
    let (_env, s) = setup();
    let mut tool = Tool::new(&s.base);
    let (st, t) = tool.login("redacteur@zeist.nl", PASSWORD);
    assert_eq!(st, 200, "{t}");
    let refresh = t["refresh_token"].as_str().expect("a refresh token, as Keycloak gives").to_string();
    assert_eq!(t["refresh_expires_in"], 36000);
    let endpoint = format!("{}/realms/algreg/protocol/openid-connect/token", s.base);
    let grant = |client: &str, token: &str| {
        let form = [("grant_type", "refresh_token"), ("client_id", client), ("refresh_token", token)];
        let r = Client::new().post(&endpoint).form(&form).send().unwrap();
        (r.status().as_u16(), r.json::<Value>().unwrap())
    };
    let (st, again) = grant("authentication-client", &refresh);
    assert_eq!(st, 200, "{again}");
    assert_eq!(again["refresh_token"], refresh.as_str());
    assert!((35990..=36000).contains(&again["refresh_expires_in"].as_i64().unwrap()), "{again}");
    tool.token = again["access_token"].as_str().map(String::from);
    assert_eq!(tool.call("GET", "/aanleverapi/user/me", None).0, 200);
    // Another client, a made-up token: refused as Keycloak does.
    assert_eq!(grant("iets-anders", &refresh).0, 401);
    let (st, body) = grant("authentication-client", &format!("rt.{}", "0".repeat(64)));
    assert_eq!((st, body["error"].as_str()), (400, Some("invalid_grant")));
    // It does not open the site: as a session cookie it is nobody's.
    let r = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(s.url("/nl/account/sessies"))
        .header("cookie", format!("algoreg_session={refresh}"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "to the login page");
    // It is one of the person's sessions: listed on the account page, and ended with the others when
    // the password changes.
    let b = Browser::new(&s);
    b.login("redacteur@zeist.nl");
    let (_, page) = b.get("/nl/account/sessies");
    assert_eq!(page.matches("name=\"session\"").count(), 2, "the browser's and the tool's: {page}");
    let new = "een ander lang wachtwoord voor zeist";
    let (st, page, _) = b.post("/nl/account/wachtwoord", &[("_csrf", &b.csrf()), ("current_password", PASSWORD), ("new_password", new)]);
    assert!(st == 200 || st == 303, "{page}");
    assert_eq!(grant("authentication-client", &refresh).0, 400, "ended with the password change");
}

#[test]
fn the_token_endpoint_refuses_like_keycloak() {
    let (_env, s) = setup();
    let endpoint = format!("{}/realms/algreg/protocol/openid-connect/token", s.base);
    let post = |form: &[(&str, &str)]| {
        let r = Client::new().post(&endpoint).form(form).send().unwrap();
        (r.status().as_u16(), r.json::<Value>().unwrap())
    };
    let (st, e) = post(&[
        ("grant_type", "password"),
        ("client_id", "authentication-client"),
        ("username", "redacteur@zeist.nl"),
        ("password", "fout"),
    ]);
    assert_eq!((st, e["error"].as_str()), (401, Some("invalid_grant")), "{e}");
    assert!(e["error_description"].is_string());
    let (st, e) =
        post(&[("grant_type", "password"), ("client_id", "iets-anders"), ("username", "redacteur@zeist.nl"), ("password", PASSWORD)]);
    assert_eq!((st, e["error"].as_str()), (401, Some("invalid_client")));
    let (st, e) = post(&[("client_id", "authentication-client")]);
    assert_eq!((st, e["error"].as_str()), (400, Some("invalid_request")));
    let (st, e) = post(&[("grant_type", "implicit")]);
    assert_eq!((st, e["error"].as_str()), (400, Some("unsupported_grant_type")));
    // Unknown accounts answer the same as a wrong password.
    let (st, e) = post(&[
        ("grant_type", "password"),
        ("client_id", "authentication-client"),
        ("username", "niemand@zeist.nl"),
        ("password", PASSWORD),
    ]);
    assert_eq!((st, e["error"].as_str()), (401, Some("invalid_grant")));
    // JSON instead of a form, another realm.
    let r = Client::new().post(&endpoint).json(&json!({"grant_type": "password"})).send().unwrap();
    assert_eq!(r.status(), 400);
    let r = Client::new()
        .post(format!("{}/realms/elders/protocol/openid-connect/token", s.base))
        .form(&[("grant_type", "password")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    // A forged or altered token is refused.
    let mut tool = Tool::new(&s.base);
    assert_eq!(tool.login("redacteur@zeist.nl", PASSWORD).0, 200);
    let good = tool.token.clone().unwrap();
    let mut altered = good.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    tool.token = Some(altered);
    assert_eq!(tool.call("GET", "/aanleverapi/user/me", None).0, 401);
    tool.token = Some("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyOjEifQ.".into());
    assert_eq!(tool.call("GET", "/aanleverapi/user/me", None).0, 401, "alg none");
    // The key that signed it is published.
    let header: Value = {
        use base64::Engine;
        let h = good.split('.').next().unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
    };
    let jwks: Value = reqwest::blocking::get(format!("{}/realms/algreg/protocol/openid-connect/certs", s.base)).unwrap().json().unwrap();
    assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == header["kid"] && k["crv"] == "Ed25519"), "{jwks}");
}

#[test]
fn machine_clients_use_client_credentials_and_tokens_expire() {
    let env = Env::new();
    env.org("zeist", "four_eyes");
    env.user("redacteur@zeist.nl", Some("zeist"), &["editor"], false);
    let (id, secret) = env.with_app(async |app| {
        let org = app.orgs().by_code("zeist").await.unwrap();
        let (info, secret) = app
            .auth()
            .create_token(&algoreg_domain::Principal::system(), org.id, algoreg_domain::org::Role::Editor, "publicatiekoppeling")
            .await
            .unwrap();
        (info.id, secret)
    });
    let s = env.serve_with(&["--access-token-seconds", "1"]);
    let endpoint = format!("{}/realms/algreg/protocol/openid-connect/token", s.base);
    let client_id = format!("token-{id}");
    let r = Client::new()
        .post(&endpoint)
        .form(&[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret)])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().unwrap()["access_token"].as_str().unwrap().to_string();
    // HTTP Basic works too; a wrong pairing does not.
    let r =
        Client::new().post(&endpoint).basic_auth(&client_id, Some(&secret)).form(&[("grant_type", "client_credentials")]).send().unwrap();
    assert_eq!(r.status(), 200);
    let r = Client::new()
        .post(&endpoint)
        .form(&[("grant_type", "client_credentials"), ("client_id", "token-999"), ("client_secret", &secret)])
        .send()
        .unwrap();
    assert_eq!((r.status().as_u16(), r.json::<Value>().unwrap()["error"].clone()), (401, json!("invalid_client")));
    let mut tool = Tool::new(&s.base);
    tool.token = Some(token.clone());
    let (st, me) = tool.call("GET", "/aanleverapi/user/me", None);
    assert_eq!((st, me["roles"].clone()), (200, json!(["role_1"])), "{me}");
    assert_eq!(tool.call("GET", "/aanleverapi/v1_0/organizations/zeist/algorithms", None).0, 200);
    // One second to live, and a second of leeway: expired after that.
    std::thread::sleep(Duration::from_millis(3_200));
    assert_eq!(tool.call("GET", "/aanleverapi/v1_0/organizations/zeist/algorithms", None).0, 401);
    // A revoked API token ends its access tokens at once.
    let r = Client::new()
        .post(&endpoint)
        .form(&[("grant_type", "client_credentials"), ("client_id", &client_id), ("client_secret", &secret)])
        .send()
        .unwrap();
    tool.token = Some(r.json::<Value>().unwrap()["access_token"].as_str().unwrap().to_string());
    assert_eq!(tool.call("GET", "/aanleverapi/user/me", None).0, 200);
    env.with_app(async |app| {
        let org = app.orgs().by_code("zeist").await.unwrap();
        app.orgs().revoke_token(&algoreg_domain::workflow::Principal::system(), org.id, id).await.unwrap();
    });
    assert_eq!(tool.call("GET", "/aanleverapi/user/me", None).0, 401);
    // Without a token: 401.
    tool.token = None;
    assert_eq!(tool.call("GET", "/aanleverapi/user/me", None).0, 401);
    assert_eq!(tool.call("GET", "/aanleverapi/organisation", None).0, 401);
}

/// The authenticator app: the code for `secret` (base32) at `unix` seconds.
fn app_code(secret: &str, unix: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_string()).to_bytes().unwrap();
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes).unwrap().generate(unix)
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Turns on a second factor in the browser with the key its page shows; the answer's status.
fn turn_on_second_factor(b: &Browser, page: &str) -> u16 {
    let secret = between(page, "name=\"secret\" value=\"", "\"")[0].to_string();
    let code = app_code(&secret, now());
    b.post(
        "/nl/account/tweestaps",
        &[("_csrf", &b.csrf()), ("action", "enable"), ("secret", &secret), ("code", &code), ("password", PASSWORD)],
    )
    .0
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    s.match_indices(start).filter_map(|(i, m)| s[i + m.len()..].find(end).map(|j| &s[i + m.len()..i + m.len() + j])).collect()
}

#[test]
fn a_second_factor_with_an_app_and_recovery_codes_on_every_way_in() {
    let env = Env::new();
    env.org("deventer", "four_eyes");
    env.user("redacteur@deventer.nl", Some("deventer"), &["editor"], false);
    env.user("goedkeurder@deventer.nl", Some("deventer"), &["approver"], false);
    env.user("beheer@deventer.nl", Some("deventer"), &["org_admin"], false);
    env.user("centraal@example.org", None, &[], true);
    let s = env.serve();

    // Sessions opened before it is on: another browser, and a tool's refresh token.
    let other = Browser::new(&s);
    other.login("redacteur@deventer.nl");
    let mut tool = Tool::new(&s.base);
    let refresh = tool.login("redacteur@deventer.nl", PASSWORD).1["refresh_token"].as_str().unwrap().to_string();
    // Turning it on: a QR code and the key, a wrong code refused, the right one gives ten recovery codes.
    let b = Browser::new(&s);
    b.login("redacteur@deventer.nl");
    let (st, page) = b.get("/nl/account/tweestaps");
    assert_eq!(st, 200);
    assert!(page.contains("<svg role=\"img\" aria-label=\"QR-code"), "{page}");
    let secret = between(&page, "name=\"secret\" value=\"", "\"")[0].to_string();
    let csrf = b.csrf();
    let enable = |code: &str, password: &str| {
        let form = [("_csrf", csrf.as_str()), ("action", "enable"), ("secret", &secret), ("code", code), ("password", password)];
        let (st, page, _) = b.post("/nl/account/tweestaps", &form);
        (st, page)
    };
    let (st, page) = enable("000000", PASSWORD);
    assert_eq!(st, 422, "{page}");
    // Only with the account's password: a session alone does not turn it on (and lock the owner out).
    let t0 = now();
    let (st, page) = enable(&app_code(&secret, t0), "niet-het-wachtwoord");
    assert!(st == 422 && page.contains("wachtwoord klopt niet"), "{page}");
    let (st, page) = enable(&app_code(&secret, t0), PASSWORD);
    assert_eq!(st, 200, "{page}");
    let codes: Vec<String> = between(&page, "<li><code>", "</code>").into_iter().map(String::from).collect();
    assert_eq!(codes.len(), 10, "{page}");
    assert!(b.get("/nl/account/tweestaps").1.contains("Herstelcodes over: 10"));
    // The sessions opened without it end; this browser's stays.
    assert_eq!(other.get("/nl/account/sessies").0, 303, "the other browser is logged out");
    let form = [("grant_type", "refresh_token"), ("client_id", "authentication-client"), ("refresh_token", refresh.as_str())];
    let r = Client::new().post(format!("{}/realms/algreg/protocol/openid-connect/token", s.base)).form(&form).send().unwrap();
    assert_eq!(r.status().as_u16(), 400, "the tool's refresh token ended");
    // One that is on is not replaced by another, and the owner has been told by e-mail.
    let (st, page) = enable(&app_code(&secret, t0 + 30), PASSWORD);
    assert!(st == 422 && page.contains("staat al aan"), "{page}");
    let told = env.sql("SELECT subject FROM mail_outbox WHERE to_addr = 'redacteur@deventer.nl' AND subject LIKE 'Tweestaps%'");
    assert!(told.contains("aangezet"), "{told}");

    // Logging in on the site: the password alone is not enough, nor the code used already.
    let login = |code: &str| {
        let other = Browser::new(&s);
        let csrf = other.csrf();
        let (st, body, _) = other.post(
            "/nl/login",
            &[("_csrf", &csrf), ("email", "redacteur@deventer.nl"), ("password", PASSWORD), ("totp", code), ("next", "/nl/beheer")],
        );
        (st, body, other)
    };
    let (st, body, _) = login("");
    assert_eq!(st, 401);
    assert!(body.contains("vul ook de code uit uw app in"), "{body}");
    let used = app_code(&secret, t0);
    assert_eq!(login(&used).0, 401, "a code works once");
    let (st, _, phone) = login(&app_code(&secret, t0 + 30));
    assert_eq!(st, 303, "the next code works");
    assert_eq!(phone.get("/nl/beheer/org/deventer").0, 200);
    // A recovery code works once, typed in any case and with spaces.
    let typed = format!(" {} ", codes[0].to_uppercase());
    assert_eq!(login(&typed).0, 303);
    assert_eq!(login(&codes[0]).0, 401, "a recovery code works once");

    // The session API names the missing field; the organisation API's password grant takes `totp`.
    let (st, body) = s.send("POST", "/api/v1/session", None, Some(json!({"email": "redacteur@deventer.nl", "password": PASSWORD})));
    assert_eq!(st, 422, "{body}");
    assert!(body.to_string().contains("totp"), "{body}");
    let (st, _) =
        s.send("POST", "/api/v1/session", None, Some(json!({"email": "redacteur@deventer.nl", "password": PASSWORD, "totp": "123456"})));
    assert_eq!(st, 401);
    let grant = |totp: &str| {
        Client::new()
            .post(format!("{}/realms/algreg/protocol/openid-connect/token", s.base))
            .form(&[
                ("grant_type", "password"),
                ("client_id", "authentication-client"),
                ("username", "redacteur@deventer.nl"),
                ("password", PASSWORD),
                ("totp", totp),
            ])
            .send()
            .unwrap()
    };
    let r = grant("");
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid_grant");
    let r = grant(&codes[1]);
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.json::<Value>().unwrap()["access_token"].is_string());

    // An organisation requires it: its admin must have one first; the operator sets it. A member without
    // one keeps the account but does not act for the organisation until it is on.
    let admin = Browser::new(&s);
    admin.login("beheer@deventer.nl");
    let (st, page, _) = admin.post("/nl/beheer/org/deventer/tweestaps", &[("_csrf", &admin.csrf()), ("required", "yes")]);
    assert_eq!(st, 422, "{page}");
    assert!(page.contains("sluit u uzelf buiten"), "{page}");
    let op = Browser::new(&s);
    op.login("centraal@example.org");
    let (st, page, _) = op.post("/nl/beheer/org/deventer/tweestaps", &[("_csrf", &op.csrf()), ("required", "yes")]);
    assert_eq!(st, 200, "{page}");
    let approver = Browser::new(&s);
    approver.login("goedkeurder@deventer.nl");
    assert_eq!(approver.get("/nl/beheer/org/deventer").0, 403);
    assert!(approver.get("/nl/account/tweestaps").1.contains("Verplicht voor"));
    assert_eq!(phone.get("/nl/beheer/org/deventer").0, 200, "a member with a second factor goes on");
    // Turning it off is refused while the organisation requires it.
    let (st, _, _) = phone.post("/nl/account/tweestaps", &[("_csrf", &phone.csrf()), ("action", "disable"), ("password", PASSWORD)]);
    assert_eq!(st, 403);
    // Everything above is in the organisation's audit log.
    let (_, log) = op.get("/nl/beheer/org/deventer/logboek");
    for what in ["tweestapsverificatie aangezet", "herstelcode gebruikt", "second factor", "tweestapsverificatie verplicht gesteld"] {
        assert!(log.contains(what), "{what} missing in {log}");
    }
}

#[test]
fn the_central_operator_acts_as_operator_only_with_a_second_factor() {
    let env = Env::new();
    env.user("centraal@example.org", None, &[], true);
    let s = env.serve_with(&["--operator-second-factor", "required"]);
    let op = Browser::new(&s);
    op.login("centraal@example.org");
    assert_eq!(op.get("/nl/beheer/logboek").0, 403, "no operator powers yet");
    let (_, page) = op.get("/nl/account/tweestaps");
    assert!(page.contains("centrale beheerder"), "{page}");
    assert_eq!(turn_on_second_factor(&op, &page), 200);
    assert_eq!(op.get("/nl/beheer/logboek").0, 200, "the operator's powers count now");
    let (st, _, _) = op.post("/nl/account/tweestaps", &[("_csrf", &op.csrf()), ("action", "disable"), ("password", PASSWORD)]);
    assert_eq!(st, 403, "and it cannot be turned off");
}

#[test]
fn a_second_factor_can_be_required_of_a_role_everywhere() {
    let env = Env::new();
    env.org("zeist", "four_eyes");
    env.user("beheer@zeist.nl", Some("zeist"), &["org_admin", "editor"], false);
    let s = env.serve_with(&["--second-factor-roles", "org_admin"]);
    let admin = Browser::new(&s);
    admin.login("beheer@zeist.nl");
    // The editor's role counts; the admin's waits for a second factor, and the page says which role asks.
    assert_eq!(admin.get("/nl/beheer/org/zeist").0, 200);
    assert_eq!(admin.get("/nl/beheer/org/zeist/instellingen").0, 403);
    let (_, page) = admin.get("/nl/account/tweestaps");
    assert!(page.contains("Verplicht voor de rol beheerder organisatie"), "the page names the role");
    assert_eq!(turn_on_second_factor(&admin, &page), 200);
    assert_eq!(admin.get("/nl/beheer/org/zeist/instellingen").0, 200, "the admin's role counts now");
    let (st, _, _) = admin.post("/nl/account/tweestaps", &[("_csrf", &admin.csrf()), ("action", "disable"), ("password", PASSWORD)]);
    assert_eq!(st, 403, "and it cannot be turned off while the role asks for it");
}

#[test]
fn an_access_token_from_before_the_second_factor_does_not_count_as_having_it() {
    let env = Env::new();
    env.org("olst", "central");
    env.user("redacteur@olst.nl", Some("olst"), &["editor"], false);
    env.user("tweede@olst.nl", Some("olst"), &["editor"], false);
    // The organisation's roles count only with a second factor.
    env.sql("UPDATE organisations SET require_second_factor = TRUE WHERE code = 'olst'");
    let s = env.serve();
    let list = "/aanleverapi/v1_0/organizations/olst/algorithms";
    let mut tool = Tool::new(&s.base);
    assert_eq!(tool.login("redacteur@olst.nl", PASSWORD).0, 200);
    assert_eq!(tool.call("GET", list, None).0, 403, "no second factor yet");
    // The person turns one on in the browser; the token the tool had does not gain it.
    let b = Browser::new(&s);
    b.login("redacteur@olst.nl");
    assert_eq!(turn_on_second_factor(&b, &b.get("/nl/account/tweestaps").1), 200);
    // Turning it on ended the person's other logins, the tool's among them: its token stops working.
    assert_eq!(tool.call("GET", list, None).0, 401, "the token from before does not gain a second factor");
    // A refresh token from a login without the second step gives no token with it, also when the account
    // has one now (as if it was turned on while that login was under way, after the other sessions ended).
    let mut other = Tool::new(&s.base);
    let refresh = other.login("tweede@olst.nl", PASSWORD).1["refresh_token"].as_str().unwrap().to_string();
    env.sql("UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE email = 'tweede@olst.nl'");
    let form = [("grant_type", "refresh_token"), ("client_id", "authentication-client"), ("refresh_token", refresh.as_str())];
    let r = Client::new().post(format!("{}/realms/algreg/protocol/openid-connect/token", s.base)).form(&form).send().unwrap();
    let body: Value = r.json().unwrap();
    other.token = body["access_token"].as_str().map(String::from);
    assert_eq!(other.call("GET", list, None).0, 403, "{body}");
}

#[test]
fn wrong_codes_after_the_right_password_stop_being_taken_and_the_holder_is_told() {
    let env = Env::new();
    env.org("olst", "central");
    env.user("redacteur@olst.nl", Some("olst"), &["editor"], false);
    let s = env.serve_with(&["--trusted-proxy", "127.0.0.0/8"]);
    // Logged in from two addresses before (so the account's own wait does not hold them back), then the
    // second factor turned on in a browser.
    let login = |from: &str, totp: &str| {
        let body = json!({"email": "redacteur@olst.nl", "password": PASSWORD, "totp": totp});
        let r = Client::new().post(s.url("/api/v1/session")).header("x-forwarded-for", from).json(&body).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    for from in ["10.0.0.1", "10.0.0.2"] {
        assert_eq!(login(from, "").0, 200);
    }
    let b = Browser::new(&s);
    b.login("redacteur@olst.nl");
    let (_, page) = b.get("/nl/account/tweestaps");
    let secret = between(&page, "name=\"secret\" value=\"", "\"")[0].to_string();
    let form = [
        ("_csrf", b.csrf()),
        ("action", "enable".into()),
        ("secret", secret.clone()),
        ("code", app_code(&secret, now())),
        ("password", PASSWORD.into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, page, _) = b.post("/nl/account/tweestaps", &form);
    assert_eq!(st, 200, "{page}");
    let recovery: Vec<String> = between(&page, "<li><code>", "</code>").into_iter().map(String::from).collect();
    // Someone with the password guesses codes, from both addresses: ten wrong ones.
    let right = app_code(&secret, now() + 30);
    let wrong = if right == "000000" { "111111" } else { "000000" };
    for i in 0..10 {
        let (st, body) = login(["10.0.0.1", "10.0.0.2"][i % 2], wrong);
        assert_eq!(st, 401, "wrong code {i}: {body}");
    }
    // From then on not even the right code is taken; the holder is told by e-mail.
    let (st, body) = login("10.0.0.1", &right);
    assert!(st == 422 && body.contains("herstelcode"), "{st} {body}");
    let told = env.sql("SELECT subject FROM mail_outbox WHERE to_addr = 'redacteur@olst.nl' AND subject LIKE 'Verkeerde codes%'");
    assert!(told.contains("Wrong codes"), "{told}");
    // A tool's password grant says so too (in Keycloak's form).
    let form = [
        ("grant_type", "password"),
        ("client_id", "authentication-client"),
        ("username", "redacteur@olst.nl"),
        ("password", PASSWORD),
        ("totp", right.as_str()),
    ];
    let r = Client::new()
        .post(format!("{}/realms/algreg/protocol/openid-connect/token", s.base))
        .header("x-forwarded-for", "10.0.0.1")
        .form(&form)
        .send()
        .unwrap();
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].as_str().unwrap().contains("recovery code"), "{body}");
    // A recovery code lets the holder in, and codes work again.
    assert_eq!(login("10.0.0.2", &recovery[0]).0, 200);
    assert_eq!(login("10.0.0.1", &right).0, 200);
}

#[test]
fn an_access_token_works_only_while_the_login_it_comes_from_lasts() {
    let env = Env::new();
    env.org("olst", "central");
    env.user("redacteur@olst.nl", Some("olst"), &["editor"], false);
    let s = env.serve();
    let list = "/aanleverapi/v1_0/organizations/olst/algorithms";
    let mut tool = Tool::new(&s.base);
    assert_eq!(tool.login("redacteur@olst.nl", PASSWORD).0, 200);
    assert_eq!(tool.call("GET", list, None).0, 200);
    // The person ends that login on the sessions page: the access token stops at once, not when it expires.
    let b = Browser::new(&s);
    b.login("redacteur@olst.nl");
    let (_, page) = b.get("/nl/account/sessies");
    let marker = "name=\"session\" value=\"";
    let rows: Vec<&str> = page.split("<tr>").filter(|r| r.contains(marker)).collect();
    assert_eq!(rows.len(), 2, "the browser's and the tool's: {page}");
    let tools = rows.iter().find(|r| !r.contains("deze browser")).expect("the tool's session");
    let at = tools.find(marker).unwrap() + marker.len();
    let (st, _, _) = b.post("/nl/account/sessies", &[("_csrf", &b.csrf()), ("session", &tools[at..at + 16])]);
    assert!(st < 400, "{st}");
    assert_eq!(tool.call("GET", list, None).0, 401);
    assert_eq!(b.get("/nl/account/sessies").0, 200, "the browser's own login goes on");
}

/// A password session counts as having passed the second step only if its login asked it: a login that
/// was under way when the person turned one on does not gain it. The browser that turned it on goes on
/// with a session that has passed it.
#[test]
fn a_session_has_the_second_step_only_if_its_login_asked_it() {
    let env = Env::new();
    env.org("olst", "central");
    env.user("redacteur@olst.nl", Some("olst"), &["editor"], false);
    env.sql("UPDATE organisations SET require_second_factor = TRUE WHERE code = 'olst'");
    let s = env.serve();
    let roles = |b: &Browser| -> usize {
        let (status, body) = b.get("/api/v1/session");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()["roles"].as_array().unwrap().len()
    };
    let b = Browser::new(&s);
    b.login("redacteur@olst.nl");
    assert_eq!(roles(&b), 0, "no second factor yet");
    // A login read the account before the second factor was on, and opened its session after.
    let slow = Browser::new(&s);
    slow.login("redacteur@olst.nl");
    env.sql("UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE email = 'redacteur@olst.nl'");
    assert_eq!(roles(&slow), 0, "the login did not ask the second step");
    env.sql("UPDATE users SET totp_secret = NULL WHERE email = 'redacteur@olst.nl'");
    // Turning it on in the browser: this browser goes on with it, the other session ends.
    assert_eq!(turn_on_second_factor(&b, &b.get("/nl/account/tweestaps").1), 200);
    assert_eq!(roles(&b), 1, "the browser that turned it on has passed the second step");
    assert_eq!(slow.get("/api/v1/session").0, 401, "the other session ended");
    // Turned off (here behind the organisation's back), the session no longer counts as having it.
    env.sql("UPDATE users SET totp_secret = NULL WHERE email = 'redacteur@olst.nl'");
    assert_eq!(roles(&b), 0, "a second factor that is off does not count");
}
