-- The periods a person is a member of an organisation: from their first role there until their last
-- is taken away. An organisation's audit log shows a person's own events (logins, passwords) only
-- within them. Members now get an open period from the first role the log recorded (or, for those who
-- joined before the log kept roles, from always); members before, from that first role until the last
-- role was taken away.
CREATE TABLE membership_periods (
    id       INTEGER PRIMARY KEY,
    org_id   INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    since    TEXT,
    until    TEXT
);
CREATE INDEX membership_periods_member ON membership_periods (org_id, user_id);
INSERT INTO membership_periods (org_id, user_id, since)
SELECT m.org_id, m.user_id,
       (SELECT min(a.at) FROM audit_events a
        WHERE a.org_id = m.org_id AND a.subject_user = m.user_id AND a.kind IN ('role_granted', 'invitation_accepted'))
FROM (SELECT DISTINCT org_id, user_id FROM memberships) m;
INSERT INTO membership_periods (org_id, user_id, since, until)
SELECT j.org_id, j.user_id, j.since, l.until
FROM (SELECT org_id, subject_user AS user_id, min(at) AS since FROM audit_events
      WHERE kind IN ('role_granted', 'invitation_accepted') AND org_id IS NOT NULL AND subject_user IS NOT NULL
      GROUP BY org_id, subject_user) j
JOIN (SELECT org_id, subject_user AS user_id, max(at) AS until FROM audit_events
      WHERE kind = 'role_revoked' AND org_id IS NOT NULL AND subject_user IS NOT NULL
      GROUP BY org_id, subject_user) l ON l.org_id = j.org_id AND l.user_id = j.user_id
WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = j.org_id AND m.user_id = j.user_id);
