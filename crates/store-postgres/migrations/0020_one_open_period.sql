-- At most one open membership period per person and organisation (a first role opens one; two at once
-- cannot open two).
CREATE UNIQUE INDEX membership_periods_open ON membership_periods (org_id, user_id) WHERE until IS NULL;
