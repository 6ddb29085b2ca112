//! WebAuthn (passkeys), the relying party's checks (W3C Web Authentication Level 2, sections 7.1 and
//! 7.2), without I/O: the browser's client data, the authenticator data, the COSE public key, and the
//! signature, verified with `ring`. Attestation is not relied on (we ask for `none`): a passkey is
//! trusted because the person registered it while logged in, not because of its maker.
//!
//! Everything here parses what a browser sends, so it is bounded: inputs of at most [`MAX_INPUT`]
//! bytes, CBOR nested at most [`MAX_DEPTH`] deep, no allocation larger than the input.

use base64::Engine;
use sha2::{Digest, Sha256};

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The largest client data, attestation object or authenticator data taken.
pub const MAX_INPUT: usize = 16 * 1024;
const MAX_DEPTH: usize = 8;

/// Why a credential or an assertion is refused (kept for the log; callers answer in general terms).
#[derive(Debug, Clone, PartialEq)]
pub struct Refused(pub &'static str);

type R<T> = Result<T, Refused>;

/// A CBOR value (RFC 8949), the subset WebAuthn uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Cbor {
    Int(i64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Cbor>),
    Map(Vec<(Cbor, Cbor)>),
    Bool(bool),
    Null,
}

impl Cbor {
    fn get(&self, key: &Cbor) -> Option<&Cbor> {
        match self {
            Cbor::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn text_key(&self, key: &str) -> Option<&Cbor> {
        self.get(&Cbor::Text(key.into()))
    }
    fn int_key(&self, key: i64) -> Option<&Cbor> {
        self.get(&Cbor::Int(key))
    }
    fn bytes(&self) -> Option<&[u8]> {
        match self {
            Cbor::Bytes(b) => Some(b),
            _ => None,
        }
    }
    fn int(&self) -> Option<i64> {
        match self {
            Cbor::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// Reads one CBOR item from the start of `input`; returns it and the rest.
pub fn cbor(input: &[u8]) -> R<(Cbor, &[u8])> {
    if input.len() > MAX_INPUT {
        return Err(Refused("CBOR too large"));
    }
    read(input, 0)
}

fn read(input: &[u8], depth: usize) -> R<(Cbor, &[u8])> {
    if depth > MAX_DEPTH {
        return Err(Refused("CBOR nested too deep"));
    }
    let (&first, rest) = input.split_first().ok_or(Refused("CBOR ends early"))?;
    let (major, info) = (first >> 5, first & 0x1f);
    let (n, rest) = match info {
        0..=23 => (info as u64, rest),
        24..=27 => {
            let len = 1usize << (info - 24);
            if rest.len() < len {
                return Err(Refused("CBOR ends early"));
            }
            let (b, rest) = rest.split_at(len);
            (b.iter().fold(0u64, |acc, x| (acc << 8) | *x as u64), rest)
        }
        _ => return Err(Refused("CBOR of indefinite length")),
    };
    // Every item takes at least one byte, so a count larger than what is left cannot be right.
    let count = |n: u64, rest: &[u8]| if n as usize > rest.len() { Err(Refused("CBOR ends early")) } else { Ok(n as usize) };
    match major {
        0 => Ok((Cbor::Int(i64::try_from(n).map_err(|_| Refused("CBOR integer too large"))?), rest)),
        1 => Ok((Cbor::Int(-1 - i64::try_from(n).map_err(|_| Refused("CBOR integer too large"))?), rest)),
        2 | 3 => {
            let len = count(n, rest)?;
            let (b, rest) = rest.split_at(len);
            if major == 2 {
                Ok((Cbor::Bytes(b.to_vec()), rest))
            } else {
                let s = std::str::from_utf8(b).map_err(|_| Refused("CBOR text not UTF-8"))?;
                Ok((Cbor::Text(s.to_string()), rest))
            }
        }
        4 => {
            let len = count(n, rest)?;
            let mut items = Vec::with_capacity(len.min(16));
            let mut rest = rest;
            for _ in 0..len {
                let (v, r) = read(rest, depth + 1)?;
                items.push(v);
                rest = r;
            }
            Ok((Cbor::Array(items), rest))
        }
        5 => {
            let len = count(n, rest)?;
            let mut items = Vec::with_capacity(len.min(16));
            let mut rest = rest;
            for _ in 0..len {
                let (k, r) = read(rest, depth + 1)?;
                let (v, r) = read(r, depth + 1)?;
                items.push((k, v));
                rest = r;
            }
            Ok((Cbor::Map(items), rest))
        }
        7 => match info {
            20 => Ok((Cbor::Bool(false), rest)),
            21 => Ok((Cbor::Bool(true), rest)),
            22 => Ok((Cbor::Null, rest)),
            _ => Err(Refused("CBOR simple value or float not expected")),
        },
        _ => Err(Refused("CBOR tag not expected")),
    }
}

/// What the browser says it signed (`clientDataJSON`).
#[derive(Debug, serde::Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: bool,
}

/// The relying party: its ID (the site's host name) and origin (`https://host[:port]`).
#[derive(Debug, Clone)]
pub struct RelyingParty {
    pub id: String,
    pub origin: String,
}

impl RelyingParty {
    /// From the site's public address.
    pub fn from_url(public_url: &str) -> Option<RelyingParty> {
        let u = url::Url::parse(public_url).ok()?;
        let host = u.host_str()?.to_string();
        let origin = u.origin().ascii_serialization();
        Some(RelyingParty { id: host, origin })
    }

    fn check_client_data(&self, json: &[u8], kind: &str, challenge: &[u8]) -> R<()> {
        if json.len() > MAX_INPUT {
            return Err(Refused("client data too large"));
        }
        let c: ClientData = serde_json::from_slice(json).map_err(|_| Refused("client data not understood"))?;
        if c.kind != kind {
            return Err(Refused("client data of the wrong type"));
        }
        let sent = B64URL.decode(c.challenge.trim_end_matches('=')).map_err(|_| Refused("challenge not base64url"))?;
        if !same(&sent, challenge) {
            return Err(Refused("another challenge"));
        }
        if c.origin != self.origin || c.cross_origin {
            return Err(Refused("another origin"));
        }
        Ok(())
    }

    fn check_auth_data(&self, a: &AuthData) -> R<()> {
        if a.rp_id_hash != <[u8; 32]>::from(Sha256::digest(self.id.as_bytes())) {
            return Err(Refused("another relying party"));
        }
        // User present and verified (a PIN, a fingerprint): the passkey is a whole login by itself.
        if a.flags & 0x01 == 0 || a.flags & 0x04 == 0 {
            return Err(Refused("user not present or not verified"));
        }
        Ok(())
    }

    /// Checks a new credential (`navigator.credentials.create`) made for `challenge`; returns it.
    pub fn register(&self, challenge: &[u8], client_data_json: &[u8], attestation_object: &[u8]) -> R<NewCredential> {
        self.check_client_data(client_data_json, "webauthn.create", challenge)?;
        let (att, _) = cbor(attestation_object)?;
        let auth_data = att.text_key("authData").and_then(Cbor::bytes).ok_or(Refused("no authenticator data"))?;
        let a = auth_data_of(auth_data)?;
        self.check_auth_data(&a)?;
        let (id, key) = a.credential.ok_or(Refused("no credential in the authenticator data"))?;
        // The key must be one we can check signatures with.
        CoseKey::parse(&key)?;
        Ok(NewCredential { id, public_key: key, sign_count: a.sign_count })
    }

    /// Checks an assertion (`navigator.credentials.get`) for `challenge` with a stored credential's
    /// key and signature counter; returns the new counter.
    pub fn authenticate(
        &self,
        challenge: &[u8],
        public_key: &[u8],
        stored_count: u32,
        client_data_json: &[u8],
        authenticator_data: &[u8],
        signature: &[u8],
    ) -> R<u32> {
        self.check_client_data(client_data_json, "webauthn.get", challenge)?;
        if authenticator_data.len() > MAX_INPUT || signature.len() > 1024 {
            return Err(Refused("assertion too large"));
        }
        let a = auth_data_of(authenticator_data)?;
        self.check_auth_data(&a)?;
        let mut signed = authenticator_data.to_vec();
        signed.extend_from_slice(&Sha256::digest(client_data_json));
        CoseKey::parse(public_key)?.verify(&signed, signature)?;
        // A counter that does not go up means a cloned authenticator (both zero: it keeps none).
        if (a.sign_count != 0 || stored_count != 0) && a.sign_count <= stored_count {
            return Err(Refused("signature counter did not increase"));
        }
        Ok(a.sign_count)
    }
}

/// A credential to keep: its ID, its COSE public key, its signature counter.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCredential {
    pub id: Vec<u8>,
    pub public_key: Vec<u8>,
    pub sign_count: u32,
}

struct AuthData {
    rp_id_hash: [u8; 32],
    flags: u8,
    sign_count: u32,
    /// With attested credential data (registration): the credential ID and its COSE key.
    credential: Option<(Vec<u8>, Vec<u8>)>,
}

fn auth_data_of(b: &[u8]) -> R<AuthData> {
    if b.len() < 37 || b.len() > MAX_INPUT {
        return Err(Refused("authenticator data of a wrong length"));
    }
    let mut rp_id_hash = [0u8; 32];
    rp_id_hash.copy_from_slice(&b[..32]);
    let flags = b[32];
    let sign_count = u32::from_be_bytes([b[33], b[34], b[35], b[36]]);
    let credential = if flags & 0x40 != 0 {
        // 16 bytes AAGUID, 2 bytes length, the ID, then the COSE key (CBOR).
        let rest = &b[37..];
        if rest.len() < 18 {
            return Err(Refused("attested credential data ends early"));
        }
        let len = u16::from_be_bytes([rest[16], rest[17]]) as usize;
        let rest = &rest[18..];
        if len == 0 || len > 1023 || rest.len() < len {
            return Err(Refused("credential ID of a wrong length"));
        }
        let (id, rest) = rest.split_at(len);
        let (_, after) = cbor(rest)?;
        let key = rest[..rest.len() - after.len()].to_vec();
        Some((id.to_vec(), key))
    } else {
        None
    };
    Ok(AuthData { rp_id_hash, flags, sign_count, credential })
}

/// A COSE public key (RFC 9053) of the three algorithms browsers offer by default.
enum CoseKey {
    /// ES256: P-256 point, uncompressed.
    Es256(Vec<u8>),
    /// EdDSA with Ed25519.
    Ed25519(Vec<u8>),
    /// RS256: modulus and exponent.
    Rs256(Vec<u8>, Vec<u8>),
}

impl CoseKey {
    fn parse(bytes: &[u8]) -> R<CoseKey> {
        let (k, _) = cbor(bytes)?;
        let field = |i: i64| k.int_key(i);
        let bytes_of = |i: i64| field(i).and_then(Cbor::bytes).map(<[u8]>::to_vec);
        match (field(1).and_then(Cbor::int), field(3).and_then(Cbor::int)) {
            (Some(2), Some(-7)) => {
                let (x, y) = (bytes_of(-2).ok_or(Refused("no x"))?, bytes_of(-3).ok_or(Refused("no y"))?);
                if field(-1).and_then(Cbor::int) != Some(1) || x.len() != 32 || y.len() != 32 {
                    return Err(Refused("not a P-256 key"));
                }
                let mut point = vec![4u8];
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Ok(CoseKey::Es256(point))
            }
            (Some(1), Some(-8)) => {
                let x = bytes_of(-2).ok_or(Refused("no x"))?;
                if field(-1).and_then(Cbor::int) != Some(6) || x.len() != 32 {
                    return Err(Refused("not an Ed25519 key"));
                }
                Ok(CoseKey::Ed25519(x))
            }
            (Some(3), Some(-257)) => {
                let (n, e) = (bytes_of(-1).ok_or(Refused("no n"))?, bytes_of(-2).ok_or(Refused("no e"))?);
                Ok(CoseKey::Rs256(n, e))
            }
            _ => Err(Refused("a key type or algorithm not supported")),
        }
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> R<()> {
        use ring::signature as sig;
        let ok = match self {
            CoseKey::Es256(point) => sig::UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_ASN1, point).verify(message, signature),
            CoseKey::Ed25519(x) => sig::UnparsedPublicKey::new(&sig::ED25519, x).verify(message, signature),
            CoseKey::Rs256(n, e) => sig::RsaPublicKeyComponents { n, e }.verify(&sig::RSA_PKCS1_2048_8192_SHA256, message, signature),
        };
        ok.map_err(|_| Refused("signature does not verify"))
    }
}

/// Constant-time comparison.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
pub(crate) mod tests {
    //! A software authenticator (P-256 and Ed25519 keys from `ring`) that makes what a browser sends.
    use super::*;
    use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

    fn head(major: u8, n: usize) -> Vec<u8> {
        match n {
            0..=23 => vec![(major << 5) | n as u8],
            24..=255 => vec![(major << 5) | 24, n as u8],
            _ => vec![(major << 5) | 25, (n >> 8) as u8, n as u8],
        }
    }
    fn int(i: i64) -> Vec<u8> {
        if i >= 0 {
            head(0, i as usize)
        } else {
            head(1, (-1 - i) as usize)
        }
    }
    fn bytes(b: &[u8]) -> Vec<u8> {
        [head(2, b.len()), b.to_vec()].concat()
    }
    fn text(s: &str) -> Vec<u8> {
        [head(3, s.len()), s.as_bytes().to_vec()].concat()
    }
    fn map(items: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let mut out = head(5, items.len());
        for (k, v) in items {
            out.extend_from_slice(k);
            out.extend_from_slice(v);
        }
        out
    }

    pub(crate) enum Key {
        P256(EcdsaKeyPair),
        Ed(Ed25519KeyPair),
    }

    pub(crate) struct Authenticator {
        key: Key,
        pub id: Vec<u8>,
        pub count: u32,
    }

    impl Authenticator {
        pub fn p256() -> Authenticator {
            let rng = ring::rand::SystemRandom::new();
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
            let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
            Authenticator { key: Key::P256(key), id: rand::random::<[u8; 16]>().to_vec(), count: 0 }
        }
        pub fn ed25519() -> Authenticator {
            let rng = ring::rand::SystemRandom::new();
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
            Authenticator {
                key: Key::Ed(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()),
                id: rand::random::<[u8; 16]>().to_vec(),
                count: 0,
            }
        }
        fn cose(&self) -> Vec<u8> {
            match &self.key {
                Key::P256(k) => {
                    let p = k.public_key().as_ref();
                    map(&[
                        (int(1), int(2)),
                        (int(3), int(-7)),
                        (int(-1), int(1)),
                        (int(-2), bytes(&p[1..33])),
                        (int(-3), bytes(&p[33..65])),
                    ])
                }
                Key::Ed(k) => map(&[(int(1), int(1)), (int(3), int(-8)), (int(-1), int(6)), (int(-2), bytes(k.public_key().as_ref()))]),
            }
        }
        fn auth_data(&self, rp_id: &str, with_credential: bool) -> Vec<u8> {
            let mut a = Sha256::digest(rp_id.as_bytes()).to_vec();
            a.push(0x01 | 0x04 | if with_credential { 0x40 } else { 0 });
            a.extend_from_slice(&self.count.to_be_bytes());
            if with_credential {
                a.extend_from_slice(&[0u8; 16]);
                a.extend_from_slice(&(self.id.len() as u16).to_be_bytes());
                a.extend_from_slice(&self.id);
                a.extend_from_slice(&self.cose());
            }
            a
        }
        pub fn client_data(kind: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
            serde_json::json!({"type": kind, "challenge": B64URL.encode(challenge), "origin": origin, "crossOrigin": false})
                .to_string()
                .into_bytes()
        }
        /// `(clientDataJSON, attestationObject)` for a new credential.
        pub fn create(&self, rp: &RelyingParty, challenge: &[u8]) -> (Vec<u8>, Vec<u8>) {
            let att =
                map(&[(text("fmt"), text("none")), (text("attStmt"), map(&[])), (text("authData"), bytes(&self.auth_data(&rp.id, true)))]);
            (Self::client_data("webauthn.create", challenge, &rp.origin), att)
        }
        /// `(clientDataJSON, authenticatorData, signature)` for an assertion.
        pub fn get(&mut self, rp: &RelyingParty, challenge: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
            self.count += 1;
            let cd = Self::client_data("webauthn.get", challenge, &rp.origin);
            let ad = self.auth_data(&rp.id, false);
            let mut signed = ad.clone();
            signed.extend_from_slice(&Sha256::digest(&cd));
            let sig = match &self.key {
                Key::P256(k) => k.sign(&ring::rand::SystemRandom::new(), &signed).unwrap().as_ref().to_vec(),
                Key::Ed(k) => k.sign(&signed).as_ref().to_vec(),
            };
            (cd, ad, sig)
        }
    }

    fn rp() -> RelyingParty {
        RelyingParty::from_url("https://register.example.nl/").unwrap()
    }

    #[test]
    fn a_passkey_registers_and_logs_in_and_tampering_is_refused() {
        for mut a in [Authenticator::p256(), Authenticator::ed25519()] {
            let rp = rp();
            assert_eq!(rp.origin, "https://register.example.nl");
            let challenge = b"challenge-of-32-bytes-0123456789".to_vec();
            let (cd, att) = a.create(&rp, &challenge);
            let cred = rp.register(&challenge, &cd, &att).unwrap();
            assert_eq!(cred.id, a.id);
            assert_eq!(rp.register(b"another challenge", &cd, &att), Err(Refused("another challenge")));
            let other = RelyingParty { id: "evil.example".into(), origin: "https://evil.example".into() };
            assert!(other.register(&challenge, &cd, &att).is_err());

            let (cd, ad, sig) = a.get(&rp, &challenge);
            assert_eq!(rp.authenticate(&challenge, &cred.public_key, 0, &cd, &ad, &sig), Ok(1));
            // Replayed (the counter did not go up), another challenge, an altered signature or data.
            assert!(rp.authenticate(&challenge, &cred.public_key, 1, &cd, &ad, &sig).is_err());
            assert!(rp.authenticate(b"x", &cred.public_key, 0, &cd, &ad, &sig).is_err());
            let mut bad = sig.clone();
            *bad.last_mut().unwrap() ^= 1;
            assert!(rp.authenticate(&challenge, &cred.public_key, 0, &cd, &ad, &bad).is_err());
            let mut bad_ad = ad.clone();
            bad_ad[36] ^= 0x10;
            assert!(rp.authenticate(&challenge, &cred.public_key, 0, &cd, &bad_ad, &sig).is_err());
            // Signed with another key.
            let (cd2, ad2, sig2) = Authenticator::p256().get(&rp, &challenge);
            assert!(rp.authenticate(&challenge, &cred.public_key, 0, &cd2, &ad2, &sig2).is_err());
        }
    }

    #[test]
    fn hostile_cbor_is_refused_quickly() {
        for bad in [
            vec![],
            vec![0x9f],                                                 // indefinite array
            vec![0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // 2^64 bytes
            vec![0x81; 100],                                            // arrays 100 deep
            vec![0xbb, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],             // a map of 4 billion pairs
            vec![0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // an integer too large
            vec![0xf9, 0, 0],                                           // a float
        ] {
            assert!(cbor(&bad).is_err(), "{bad:?}");
        }
        assert_eq!(cbor(&[0x82, 0x01, 0x20]).unwrap().0, Cbor::Array(vec![Cbor::Int(1), Cbor::Int(-1)]));
    }
}
