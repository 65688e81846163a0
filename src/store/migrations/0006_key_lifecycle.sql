-- 0006: a key's lifecycle and how far it reaches. A key may be narrowed to
-- scopes (bits of enum ordex_scope_bit, 0: its whole role), carry a name
-- and an expiry, and be revoked now or at a future time (a rotation leaves
-- the old key working until then). created_by names the principal that
-- granted it, for the audit trail.
ALTER TABLE api_keys ADD COLUMN name TEXT;
ALTER TABLE api_keys ADD COLUMN scopes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE api_keys ADD COLUMN created_by TEXT;
CREATE INDEX api_keys_scope ON api_keys (tenant, environment, id);
