-- 0010: customer scopes. An order carries the brand, region and segment its
-- source gave (data.brand, data.region, data.segment); a key or a person
-- may be limited to some of them, and then sees only orders that match
-- every dimension it is limited in (anything else answers 404).
ALTER TABLE orders ADD COLUMN brand TEXT;
ALTER TABLE orders ADD COLUMN region TEXT;
ALTER TABLE orders ADD COLUMN segment TEXT;
CREATE INDEX orders_brand ON orders (tenant, environment, brand) WHERE brand IS NOT NULL;
ALTER TABLE api_keys ADD COLUMN brand TEXT;
ALTER TABLE api_keys ADD COLUMN region TEXT;
ALTER TABLE api_keys ADD COLUMN segment TEXT;
ALTER TABLE users ADD COLUMN brand TEXT;
ALTER TABLE users ADD COLUMN region TEXT;
ALTER TABLE users ADD COLUMN segment TEXT;
