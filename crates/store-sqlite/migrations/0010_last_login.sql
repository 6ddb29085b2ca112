-- When and how each account last logged in (shown to the organisation's admin).
ALTER TABLE users ADD COLUMN last_login_at TEXT;
ALTER TABLE users ADD COLUMN last_login_method TEXT;
