-- The person at an identity provider an account belongs to: the provider (its issuer) and the subject
-- it names the person by, kept at the first login through that provider. A later login is by that
-- person, so an e-mail address the provider hands on to someone else does not open this account.
CREATE TABLE sso_subjects (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT sso_subjects_pkey PRIMARY KEY (issuer, subject),
    CONSTRAINT sso_subjects_user_id_issuer_key UNIQUE (user_id, issuer)
);
