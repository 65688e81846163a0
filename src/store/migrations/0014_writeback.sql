-- 0014: writeback. Targets are the other systems approved actions go to, per
-- tenant and environment (a sandbox's targets are its own), each with a kind
-- (webhook, shopify, stripe, support), its base URL, its sealed credential and
-- the action kinds it carries out (one target per kind and environment). An
-- approved action becomes an outbox row in the transaction of its approval,
-- with a deterministic idempotency key; delivery workers send it, every
-- attempt recorded, until it is delivered, dead (a person may retry or cancel
-- it) or cancelled. An order counts its rejected writebacks, for its detectors.
CREATE TABLE targets (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,          -- webhook, shopify, stripe, support
	base_url TEXT NOT NULL,
	secret BLOB,                 -- sealed (core/vault.h)
	actions TEXT NOT NULL,       -- JSON array of action kinds
	shadow INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	created_by TEXT,
	removed_at INTEGER,
	failures INTEGER NOT NULL DEFAULT 0,   -- consecutive, for the circuit breaker
	open_until INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX targets_name ON targets (tenant, environment, name) WHERE removed_at IS NULL;

CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	action_id INTEGER NOT NULL,
	case_id INTEGER NOT NULL,
	target_id INTEGER NOT NULL,
	kind TEXT NOT NULL,
	order_ref TEXT NOT NULL,
	idem_key TEXT NOT NULL,
	request TEXT NOT NULL,       -- what to do, as JSON (the action, its order's references)
	status TEXT NOT NULL,        -- pending, sending, unknown, delivered, dead, cancelled, shadowed
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL,
	first_at INTEGER NOT NULL,
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	answer TEXT,
	external_ref TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	delivered_at INTEGER
);
CREATE UNIQUE INDEX outbox_key ON outbox (tenant, environment, idem_key);
CREATE INDEX outbox_due ON outbox (next_at) WHERE status IN ('pending', 'sending', 'unknown');
CREATE INDEX outbox_action ON outbox (tenant, environment, action_id);
-- the outbox as people list it (newest first, by status) and count it
CREATE INDEX outbox_list ON outbox (tenant, environment, id);
CREATE INDEX outbox_status ON outbox (tenant, environment, status, id);
CREATE INDEX outbox_order ON outbox (tenant, environment, order_ref);
CREATE INDEX outbox_ref ON outbox (tenant, environment, external_ref) WHERE external_ref IS NOT NULL;

CREATE TABLE outbox_attempts (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	outbox_id INTEGER NOT NULL,
	n INTEGER NOT NULL,
	started_at INTEGER NOT NULL,
	ended_at INTEGER,
	outcome TEXT,                -- delivered, retry, unknown, dead, shadowed, looked_up
	http_status INTEGER NOT NULL DEFAULT 0,
	error TEXT
);
CREATE INDEX outbox_attempts_of ON outbox_attempts (tenant, environment, outbox_id, n);
CREATE INDEX outbox_attempts_outcome ON outbox_attempts (tenant, environment, outcome);

ALTER TABLE orders ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
