-- 0011: when a credential was last used. A key's last request and a
-- session's are written at most once a minute per credential (through the
-- writer, riding along with its next transaction), so that an operator
-- can tell a key nobody uses from one in service before revoking it; a
-- person's last sign-in and last request are those of their sessions.
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
