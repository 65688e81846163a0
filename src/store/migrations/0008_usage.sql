-- 0008: metering for cost attribution: counts per tenant, environment, hour
-- and metric (events received, accepted, duplicate, rejected; bytes stored;
-- exceptions opened; API calls by operation; webhooks received).
CREATE TABLE usage (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	hour INTEGER NOT NULL, -- hours since 1970-01-01T00:00Z
	metric TEXT NOT NULL,
	count INTEGER NOT NULL,
	PRIMARY KEY (tenant, environment, hour, metric)
) WITHOUT ROWID;
