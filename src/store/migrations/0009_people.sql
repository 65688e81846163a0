-- 0009: people. A person signs in with a username and a password (kept as
-- an argon2id hash) to one tenant and environment, with a role and scopes
-- like a key's, and gets a session: an opaque token in an HttpOnly cookie
-- (kept as its SHA-256) and a CSRF token for state-changing requests.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	username TEXT NOT NULL,
	pwhash TEXT NOT NULL,
	role TEXT NOT NULL,
	scopes INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	created_by TEXT,
	disabled_at INTEGER
);
CREATE UNIQUE INDEX users_name ON users (tenant, environment, username);

CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	user_id INTEGER NOT NULL,
	token_hash BLOB NOT NULL UNIQUE,
	csrf TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	ended_at INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);
