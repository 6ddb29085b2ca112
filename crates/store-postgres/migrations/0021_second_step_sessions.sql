-- A password session now says whether its login asked the second step ('password+mfa'); before, the
-- account having one was taken to mean it had. Sessions opened before this keep counting as they did.
UPDATE sessions SET method = 'password+mfa'
WHERE method = 'password' AND user_id IN (SELECT id FROM users WHERE totp_secret IS NOT NULL);
