-- 0002: provider connectors and their secrets, the inbox of webhook
-- deliveries, identity (aliases and links waiting for their other side),
-- support tickets and data issues raised by incomplete payloads.

CREATE TABLE connectors (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	source TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX connectors_source ON connectors (tenant, environment, source);

-- Secrets are needed in clear for HMAC; they are stored sealed with the
-- data directory's key (crypto_secretbox), never returned after creation.
CREATE TABLE connector_secrets (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	connector INTEGER NOT NULL,
	sealed BLOB NOT NULL,
	hint TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER
);
CREATE INDEX connector_secrets_connector ON connector_secrets (tenant, environment, connector);

CREATE TABLE deliveries (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	source TEXT NOT NULL,
	delivery_id TEXT NOT NULL,
	topic TEXT,
	kind TEXT,
	outcome TEXT NOT NULL,
	note TEXT,
	events INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	sha256 BLOB NOT NULL,
	raw BLOB NOT NULL
);
CREATE UNIQUE INDEX deliveries_dedupe ON deliveries (tenant, environment, source, delivery_id);

ALTER TABLE events ADD COLUMN delivery INTEGER;

-- Another system's id of an order (Shopify's 450789469 for order "1001").
CREATE TABLE aliases (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	kind TEXT NOT NULL,
	source TEXT NOT NULL,
	ext_id TEXT NOT NULL,
	ref TEXT NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (tenant, environment, kind, source, ext_id)
);
CREATE INDEX aliases_ext ON aliases (tenant, environment, kind, ext_id);

-- A fact whose order is not known yet, waiting for it. source '*' means
-- a reference found in text, matched against order refs and any alias.
CREATE TABLE pending_links (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	source TEXT NOT NULL,
	ext_id TEXT NOT NULL,
	subject_kind TEXT NOT NULL,
	subject_ref TEXT,
	event_seq INTEGER NOT NULL
);
CREATE INDEX pending_links_ext ON pending_links (tenant, environment, ext_id);
CREATE INDEX pending_links_event ON pending_links (tenant, environment, event_seq);

CREATE TABLE tickets (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	ref TEXT NOT NULL,
	order_ref TEXT,
	customer TEXT,
	email TEXT,
	subject TEXT,
	status TEXT,
	priority TEXT,
	status_at INTEGER NOT NULL,
	updated_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX tickets_ref ON tickets (tenant, environment, ref);
CREATE INDEX tickets_order ON tickets (tenant, environment, order_ref);

CREATE TABLE order_issues (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	order_ref TEXT NOT NULL,
	key TEXT NOT NULL,
	reason TEXT NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (tenant, environment, order_ref, key)
);

-- Weak identity matches a person confirms or dismisses.
CREATE TABLE identity_suggestions (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	kind TEXT NOT NULL,
	ref_a TEXT NOT NULL,
	ref_b TEXT NOT NULL,
	reason TEXT NOT NULL,
	status TEXT NOT NULL,
	created_seq INTEGER NOT NULL,
	decided_at INTEGER,
	decided_by TEXT
);
CREATE UNIQUE INDEX identity_suggestions_pair
	ON identity_suggestions (tenant, environment, kind, ref_a, ref_b);

-- events about a parcel or payment that named no order, to link later
CREATE INDEX events_unlinked ON events (tenant, environment, subject) WHERE order_ref IS NULL;

-- the id in a connector's webhook URL (not a secret: signatures prove the sender)
ALTER TABLE connectors ADD COLUMN public_id TEXT;
CREATE UNIQUE INDEX connectors_public ON connectors (public_id);

-- shipments are found by tracking number across providers
CREATE INDEX shipments_tracking ON shipments (tenant, environment, tracking);

-- open lines that stock does not cover: released stock needs a reallocation
-- only when one of these exists for the SKU
CREATE INDEX order_lines_short ON order_lines (tenant, environment, sku)
	WHERE open = 1 AND allocated < qty;
