-- 0005: the short open lines of a SKU in allocation order, so that a
-- release of stock reads the first few of them straight from the index.
-- Before, the query walked every open line of the SKU and sorted the short
-- ones: 40 us per call on the 12,000-order simulated stream.
DROP INDEX order_lines_short;
CREATE INDEX order_lines_short ON order_lines (tenant, environment, sku, seq, order_id, line_no)
	WHERE open = 1 AND allocated < qty;
