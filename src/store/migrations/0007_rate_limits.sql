-- 0007: a tenant's own rate limits (tokens a second; a request costs one,
-- a batch one per event), per credential and for the whole tenant. NULL:
-- the service's defaults (ordex serve --rate-per-key, --rate-per-tenant).
ALTER TABLE tenants ADD COLUMN rate_per_key REAL;
ALTER TABLE tenants ADD COLUMN rate_per_tenant REAL;
