-- 0013: from exception to decision. A case is the unit of work for people:
-- the open exceptions of one order, with a queue, an assignee, an SLA
-- clock, its history (status changes, claims, comments, messages,
-- evidence) and the actions proposed on it. An action is a precise payload
-- (kept as canonical JSON with its SHA-256); an approval binds to that hash.
-- Policies (per tenant and environment, versioned) route actions to their
-- approvers. Timers fire exactly once: the time-based detectors and the
-- SLA clocks. Evidence files are kept by their SHA-256.
CREATE TABLE cases (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	order_ref TEXT NOT NULL,
	status TEXT NOT NULL,   -- open, proposed, awaiting_approval, approved, executing, resolved
	queue TEXT NOT NULL,
	assignee TEXT,
	priority INTEGER NOT NULL,
	kinds TEXT NOT NULL,    -- JSON array of the open exceptions' kinds
	opened_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	resolved_at INTEGER,
	resolution TEXT,
	sla_due_at INTEGER,
	breached_at INTEGER,
	reopened INTEGER NOT NULL DEFAULT 0,
	policy_version INTEGER NOT NULL DEFAULT 0,
	updated_seq INTEGER NOT NULL
);
CREATE INDEX cases_order ON cases (tenant, environment, order_ref, id);
CREATE INDEX cases_queue ON cases (tenant, environment, status, queue, priority DESC, id);

ALTER TABLE exceptions ADD COLUMN case_id INTEGER;

CREATE TABLE case_events (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	case_id INTEGER NOT NULL,
	at INTEGER NOT NULL,
	kind TEXT NOT NULL,     -- status, claim, assign, comment, message, evidence, action, approval
	actor TEXT,
	body TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (tenant, environment, case_id, id);

CREATE TABLE actions (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	case_id INTEGER NOT NULL,
	order_ref TEXT NOT NULL,
	kind TEXT NOT NULL,
	payload TEXT NOT NULL,  -- canonical JSON: members sorted, compact
	payload_hash BLOB NOT NULL,
	status TEXT NOT NULL,   -- awaiting_approval, approved, rejected, overridden, cancelled, executing, executed, failed
	requested_by TEXT NOT NULL,
	requested_at INTEGER NOT NULL,
	route TEXT NOT NULL,    -- what the policy decided: queue, approvers, approvals, rule
	policy_version INTEGER NOT NULL,
	reason TEXT,
	decided_at INTEGER,
	decided_by TEXT,
	-- a refund's hold on its payment from approval until it is executed
	payment TEXT,
	amount INTEGER,
	currency TEXT,
	updated_at INTEGER NOT NULL
);
CREATE INDEX actions_case ON actions (tenant, environment, case_id, id);
CREATE INDEX actions_payment ON actions (tenant, environment, payment, status)
	WHERE payment IS NOT NULL;

CREATE TABLE approvals (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	action_id INTEGER NOT NULL,
	approver TEXT NOT NULL,
	role TEXT NOT NULL,
	decision TEXT NOT NULL, -- approve, reject
	payload_hash BLOB NOT NULL,
	reason TEXT,
	at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX approvals_action ON approvals (tenant, environment, action_id, id);

CREATE TABLE policies (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	version INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	created_by TEXT,
	PRIMARY KEY (tenant, environment, version)
);

CREATE TABLE timers (
	id INTEGER PRIMARY KEY,
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	kind TEXT NOT NULL,     -- payment_pending, shipment_stalled, fulfillment_late, sla
	subject TEXT NOT NULL,  -- the payment, shipment, order or case it is about
	order_ref TEXT,
	due_at INTEGER NOT NULL,
	fired_at INTEGER
);
CREATE UNIQUE INDEX timers_subject ON timers (tenant, environment, kind, subject);
CREATE INDEX timers_due ON timers (tenant, environment, due_at) WHERE fired_at IS NULL;
CREATE INDEX timers_order ON timers (tenant, environment, order_ref) WHERE order_ref IS NOT NULL;

-- the time an order's time-based conditions were last judged at (the due
-- time of the last timer fired for it), and when it must ship by
ALTER TABLE orders ADD COLUMN clock_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN ship_by INTEGER NOT NULL DEFAULT 0;

CREATE TABLE evidence (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	bytes BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	created_by TEXT,
	PRIMARY KEY (tenant, environment, sha256)
);
