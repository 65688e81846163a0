-- 0001: tenants, keys, events, projections, exceptions and the audit chain.
-- Every data row carries tenant and environment; every key starts with them.

CREATE TABLE tenants (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	fraud_threshold INTEGER -- NULL: the service default
);

CREATE TABLE environments (
	tenant INTEGER NOT NULL REFERENCES tenants(id),
	environment TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (tenant, environment)
);

CREATE TABLE api_keys (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	prefix TEXT NOT NULL,
	hash BLOB NOT NULL UNIQUE,
	role TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);

-- The writer's log. id is the log order (seq).
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	source TEXT NOT NULL,
	ext_id TEXT NOT NULL,
	type TEXT NOT NULL,
	order_ref TEXT,
	subject TEXT,
	occurred_at INTEGER NOT NULL,
	occurred_offset INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	sha256 BLOB NOT NULL, -- of the raw bytes as received: the evidence
	digest BLOB NOT NULL, -- of the compact form: what dedupe compares
	raw BLOB NOT NULL
);
CREATE UNIQUE INDEX events_dedupe ON events (tenant, environment, source, ext_id);
CREATE INDEX events_order ON events (tenant, environment, order_ref, id)
	WHERE order_ref IS NOT NULL;

CREATE TABLE orders (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	ref TEXT NOT NULL,
	known INTEGER NOT NULL,
	status TEXT,
	financial_status TEXT,
	status_seq INTEGER NOT NULL,
	cancelled_at INTEGER NOT NULL,
	cancelled_seq INTEGER NOT NULL,
	version INTEGER NOT NULL,
	version_at INTEGER NOT NULL,
	currency TEXT NOT NULL,
	total INTEGER,
	customer TEXT,
	email TEXT,
	placed_at INTEGER NOT NULL,
	tz_offset INTEGER NOT NULL,
	promised_at INTEGER NOT NULL,
	promised_offset INTEGER NOT NULL,
	promised_date_only INTEGER NOT NULL,
	address_state INTEGER NOT NULL,
	address_why TEXT,
	ship_to TEXT,
	address_key TEXT, -- the shipping address folded for comparison

	address_seq INTEGER NOT NULL,
	address_at INTEGER NOT NULL,
	fraud_state INTEGER NOT NULL,
	fraud_score INTEGER NOT NULL,
	fraud_why TEXT,
	fraud_seq INTEGER NOT NULL,
	fraud_at INTEGER NOT NULL,
	first_seq INTEGER NOT NULL,
	updated_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX orders_ref ON orders (tenant, environment, ref);
CREATE INDEX orders_address ON orders (tenant, environment, address_key)
	WHERE address_key IS NOT NULL;

CREATE TABLE order_lines (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	order_id INTEGER NOT NULL,
	line_no INTEGER NOT NULL,
	ref TEXT,
	sku TEXT NOT NULL,
	qty INTEGER NOT NULL,
	price INTEGER NOT NULL,
	allocated INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	open INTEGER NOT NULL,
	PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_lines_demand ON order_lines (tenant, environment, sku, seq)
	WHERE open = 1;

CREATE TABLE payments (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	ref TEXT NOT NULL,
	order_ref TEXT,
	status TEXT NOT NULL,
	rank INTEGER NOT NULL,
	status_at INTEGER NOT NULL,
	status_seq INTEGER NOT NULL,
	currency TEXT NOT NULL,
	amount INTEGER NOT NULL,
	captured INTEGER NOT NULL,
	refunded INTEGER NOT NULL,
	disputed INTEGER NOT NULL,
	reason TEXT,
	updated_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX payments_ref ON payments (tenant, environment, ref);
CREATE INDEX payments_order ON payments (tenant, environment, order_ref);

CREATE TABLE refunds (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	payment_id INTEGER NOT NULL,
	ref TEXT NOT NULL,
	amount INTEGER NOT NULL,
	currency TEXT NOT NULL,
	at INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	void INTEGER NOT NULL DEFAULT 0, -- failed or canceled: counts nothing, for good
	PRIMARY KEY (tenant, environment, payment_id, ref)
);

CREATE TABLE shipments (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	ref TEXT NOT NULL,
	order_ref TEXT,
	carrier TEXT,
	tracking TEXT,
	status INTEGER NOT NULL,
	status_at INTEGER NOT NULL,
	status_seq INTEGER NOT NULL,
	eta INTEGER NOT NULL,
	eta_seq INTEGER NOT NULL,
	delivered_at INTEGER NOT NULL,
	location TEXT,
	reason TEXT,
	updated_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX shipments_ref ON shipments (tenant, environment, ref);
CREATE INDEX shipments_order ON shipments (tenant, environment, order_ref);

CREATE TABLE inventory (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	sku TEXT NOT NULL,
	location TEXT NOT NULL,
	available INTEGER NOT NULL,
	as_of INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	PRIMARY KEY (tenant, environment, sku, location)
);

CREATE TABLE customers (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	ref TEXT NOT NULL,
	email TEXT,
	email_norm TEXT,
	name TEXT,
	name_norm TEXT,
	updated_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX customers_ref ON customers (tenant, environment, ref);
CREATE INDEX customers_email ON customers (tenant, environment, email_norm);
CREATE INDEX customers_name ON customers (tenant, environment, name_norm);

CREATE TABLE exceptions (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	order_ref TEXT NOT NULL,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	status TEXT NOT NULL,
	severity TEXT NOT NULL,
	priority INTEGER NOT NULL,
	why TEXT NOT NULL,
	evidence TEXT NOT NULL,
	seen INTEGER NOT NULL,
	opened_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	resolved_at INTEGER NOT NULL,
	resolution TEXT,
	updated_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX exceptions_condition
	ON exceptions (tenant, environment, order_ref, kind, subject);
CREATE INDEX exceptions_queue
	ON exceptions (tenant, environment, status, priority DESC, id);

-- Hash-chained per tenant: hash = SHA-256(prev || canonical entry bytes).
CREATE TABLE audit (
	tenant INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	environment TEXT NOT NULL,
	at INTEGER NOT NULL,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	prev BLOB NOT NULL,
	hash BLOB NOT NULL,
	PRIMARY KEY (tenant, seq)
);
