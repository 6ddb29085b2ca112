-- Supervisors and coordinators: people who read across every organisation (the supervision view) and
-- change nothing. Granted by the operator at the machine.
ALTER TABLE users ADD COLUMN supervisor BOOLEAN NOT NULL DEFAULT FALSE;
