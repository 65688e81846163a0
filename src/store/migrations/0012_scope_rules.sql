-- 0012: customer scope rules. Where the source gives an order no brand,
-- region or segment, a tenant's rules may: each sets one or more of them
-- when its JsonLogic condition holds over the order and the event. Every
-- change is a new version (the newest is in force), kept with its author.
CREATE TABLE scope_rules (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	version INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	created_by TEXT,
	PRIMARY KEY (tenant, environment, version)
);
