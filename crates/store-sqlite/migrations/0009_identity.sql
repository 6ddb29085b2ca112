-- Keys that sign the access tokens of the organisation API's login (Ed25519). The newest signs; older ones
-- stay published in the JWKS until the tokens they signed have expired.
CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    private_key  TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
