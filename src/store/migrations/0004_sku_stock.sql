-- 0004: one row per SKU with what allocation asks of it: the stock level
-- summed over locations, and the units held and the short lines counted
-- over its open demand. Triggers keep it in step with inventory and
-- order_lines inside the same transaction (and savepoint), so a rolled
-- back event rolls its totals back too. Before, the writer summed a SKU's
-- open lines on every new order and every departing parcel: a scan as long
-- as the SKU's queue, more than half of the writer's SQLite steps on the
-- 12,000-order simulated stream.
CREATE TABLE sku_stock (
	tenant INTEGER NOT NULL,
	environment TEXT NOT NULL,
	sku TEXT NOT NULL,
	locations INTEGER NOT NULL DEFAULT 0, -- inventory rows: 0 = level unknown
	available INTEGER NOT NULL DEFAULT 0, -- their sum
	allocated INTEGER NOT NULL DEFAULT 0, -- held by open lines
	short INTEGER NOT NULL DEFAULT 0,     -- open lines holding less than qty
	PRIMARY KEY (tenant, environment, sku)
) WITHOUT ROWID;

INSERT INTO sku_stock (tenant, environment, sku, allocated, short)
	SELECT tenant, environment, sku, sum(allocated), sum(allocated < qty)
	FROM order_lines WHERE open = 1 GROUP BY tenant, environment, sku;

INSERT INTO sku_stock (tenant, environment, sku, locations, available)
	SELECT tenant, environment, sku, count(*), sum(available)
	FROM inventory WHERE true GROUP BY tenant, environment, sku
	ON CONFLICT (tenant, environment, sku) DO UPDATE
	SET locations = excluded.locations, available = excluded.available;

CREATE TRIGGER order_lines_stock_insert AFTER INSERT ON order_lines WHEN new.open = 1
BEGIN
	INSERT INTO sku_stock (tenant, environment, sku, allocated, short)
	VALUES (new.tenant, new.environment, new.sku, new.allocated, new.allocated < new.qty)
	ON CONFLICT (tenant, environment, sku) DO UPDATE
	SET allocated = allocated + excluded.allocated, short = short + excluded.short;
END;

CREATE TRIGGER order_lines_stock_delete AFTER DELETE ON order_lines WHEN old.open = 1
BEGIN
	UPDATE sku_stock SET allocated = allocated - old.allocated,
	                     short = short - (old.allocated < old.qty)
	WHERE tenant = old.tenant AND environment = old.environment AND sku = old.sku;
END;

CREATE TRIGGER order_lines_stock_update
AFTER UPDATE OF tenant, environment, sku, qty, allocated, open ON order_lines
WHEN old.open = 1 OR new.open = 1
BEGIN
	UPDATE sku_stock SET allocated = allocated - old.allocated,
	                     short = short - (old.allocated < old.qty)
	WHERE old.open = 1 AND tenant = old.tenant AND environment = old.environment
	  AND sku = old.sku;
	INSERT INTO sku_stock (tenant, environment, sku, allocated, short)
	SELECT new.tenant, new.environment, new.sku, new.allocated, new.allocated < new.qty
	WHERE new.open = 1
	ON CONFLICT (tenant, environment, sku) DO UPDATE
	SET allocated = allocated + excluded.allocated, short = short + excluded.short;
END;

CREATE TRIGGER inventory_stock_insert AFTER INSERT ON inventory
BEGIN
	INSERT INTO sku_stock (tenant, environment, sku, locations, available)
	VALUES (new.tenant, new.environment, new.sku, 1, new.available)
	ON CONFLICT (tenant, environment, sku) DO UPDATE
	SET locations = locations + 1, available = available + excluded.available;
END;

CREATE TRIGGER inventory_stock_delete AFTER DELETE ON inventory
BEGIN
	UPDATE sku_stock SET locations = locations - 1, available = available - old.available
	WHERE tenant = old.tenant AND environment = old.environment AND sku = old.sku;
END;

CREATE TRIGGER inventory_stock_update
AFTER UPDATE OF tenant, environment, sku, available ON inventory
BEGIN
	UPDATE sku_stock SET locations = locations - 1, available = available - old.available
	WHERE tenant = old.tenant AND environment = old.environment AND sku = old.sku;
	INSERT INTO sku_stock (tenant, environment, sku, locations, available)
	VALUES (new.tenant, new.environment, new.sku, 1, new.available)
	ON CONFLICT (tenant, environment, sku) DO UPDATE
	SET locations = locations + 1, available = available + excluded.available;
END;
