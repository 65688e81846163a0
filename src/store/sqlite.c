/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite.c - the embedded SQLite backend of the store interface.
 *
 * One struct sqlite_store per connection. WAL mode, foreign keys off (the
 * writer keeps integrity), synchronous FULL unless configured otherwise, a
 * busy timeout so a second process (ordex import beside ordex serve) waits
 * instead of failing. Statements are prepared once per connection and kept
 * in a table indexed by an enum; each operation resets and rebinds its own.
 * Savepoints nest inside the writer's transaction, one per input.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/timeutil.h"
#include "ingest/event.h"
#include "store/migrations.h"
#include "store/sqlite_int.h"

enum stmt_id {
	S_BEGIN,
	S_BEGIN_READ,
	S_TENANT_SETTINGS,
	S_TENANT_SET_FRAUD,
	S_EVENT_SET_ORDER,
	S_EVENT_GET,
	S_EVENT_SET_SUBJECT,
	S_EVENTS_LINK_SUBJECT,
	S_CONNECTOR_GET,
	S_CONNECTOR_CREATE,
	S_CONNECTOR_PUBLIC,
	S_CONNECTORS_LIST,
	S_SECRET_ADD,
	S_SECRETS_LIST,
	S_SECRETS_ELSEWHERE,
	S_SECRET_EXPIRE,
	S_DELIVERY_FIND,
	S_DELIVERY_INSERT,
	S_DELIVERY_STATS,
	S_ALIAS_PUT,
	S_ALIAS_GET,
	S_ALIAS_GET_ANY,
	S_PENDING_ADD,
	S_PENDING_FIND,
	S_PENDING_DELETE,
	S_PENDING_DROP_EVENT,
	S_TICKET_GET,
	S_TICKET_INSERT,
	S_TICKET_UPDATE,
	S_TICKETS_ORDER,
	S_ISSUE_PUT,
	S_ISSUES_ORDER,
	S_SUGGESTION_ADD,
	S_CALIAS_PUT,
	S_SKU_ALIAS_PUT,
	S_SHIP_ALIAS_PUT,
	S_SHIP_ALIAS_GET,
	S_SHIP_MERGE_DELETE,
	S_SHIP_MERGE_ALIASES,
	S_SHIP_MERGE_EVENTS,
	S_SHIP_MERGE_EXCEPTIONS,
	S_SKU_ALIAS_GET,
	S_CALIAS_DELETE,
	S_CALIAS_GET,
	S_ORDERS_RELINK,
	S_SUGGESTION_LIST,
	S_SUGGESTION_LIST_ALL,
	S_SUGGESTION_GET,
	S_SUGGESTION_DECIDE,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_TENANT_CREATE,
	S_TENANT_FIND,
	S_TENANT_FIRST,
	S_ENV_CREATE,
	S_ENV_EXISTS,
	S_KEY_CREATE,
	S_KEY_LOOKUP,
	S_KEY_LIST,
	S_USER_CREATE,
	S_USER_FIND,
	S_USER_LIST,
	S_USER_DISABLE,
	S_USER_END_SESSIONS,
	S_SESSION_CREATE,
	S_SESSION_LOOKUP,
	S_SESSION_END,
	S_USAGE_ADD,
	S_USAGE_LIST,
	S_TENANT_RATES,
	S_KEY_GET,
	S_KEY_REVOKE,
	S_EVENT_FIND,
	S_EVENT_INSERT,
	S_EVENTS_ORDER,
	S_EVENT_COUNT,
	S_EVENT_LAST,
	S_ORDER_GET,
	S_ORDER_INSERT,
	S_ORDER_UPDATE,
	S_ORDERS_ADDRESS,
	S_LINES_GET,
	S_LINES_DELETE,
	S_LINE_INSERT,
	S_DEMAND,
	S_LINE_ALLOC,
	S_STOCK,
	S_DEMAND_SHORT_LINES,
	S_LINES_OPEN,
	S_PAYMENT_GET,
	S_PAYMENT_INSERT,
	S_PAYMENT_UPDATE,
	S_PAYMENTS_ORDER,
	S_REFUND_GET,
	S_REFUND_INSERT,
	S_REFUND_UPDATE,
	S_SHIPMENT_GET,
	S_SHIPMENT_INSERT,
	S_SHIPMENT_UPDATE,
	S_SHIPMENTS_ORDER,
	S_SHIPMENT_TRACKING,
	S_INV_GET,
	S_INV_PUT,
	S_INV_AT,
	S_INV_DELETE,
	S_WH_ALIAS_PUT,
	S_WH_ALIAS_GET,
	S_CUSTOMER_GET,
	S_CUSTOMER_EMAIL,
	S_CUSTOMER_INSERT,
	S_CUSTOMER_UPDATE,
	S_CUSTOMERS_NAME,
	S_EXC_ORDER,
	S_EXC_INSERT,
	S_EXC_UPDATE,
	S_EXC_KEYS,
	S_SCOPE_RULES_GET,
	S_SCOPE_RULES_PUT,
	S_DEMAND_IN_SCOPE,
	S_TENANT_GET,
	S_KEY_TOUCH,
	S_SESSION_TOUCH,
	S_ORDER_KEYS,
	S_PAYMENT_KEYS,
	S_SHIPMENT_KEYS,
	S_EXC_COUNT,
	S_AUDIT_HEAD,
	S_AUDIT_APPEND,
	S_AUDIT_SCAN,
	S_AUDIT_LIST,
	S_AUDIT_TENANTS,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_BEGIN_READ] = "BEGIN",
    [S_EVENT_SET_SUBJECT] = "UPDATE events SET subject = ?4 WHERE tenant = ?1 AND environment = "
                            "?2 AND id = ?3",
    [S_EVENT_GET] = "SELECT raw FROM events WHERE tenant = ?1 AND environment = ?2 AND id = ?3",
    [S_EVENTS_LINK_SUBJECT] = "UPDATE events SET order_ref = ?4 WHERE tenant = ?1 AND "
                              "environment = ?2 AND subject = ?3 AND order_ref IS NULL AND "
                              "substr(type, 1, length(?5)) = ?5",
    [S_CONNECTOR_GET] = "SELECT id FROM connectors WHERE tenant = ?1 AND environment = ?2 AND "
                        "source = ?3",
    [S_CONNECTOR_CREATE] = "INSERT INTO connectors (tenant, environment, source, created_at, "
                           "public_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_CONNECTOR_PUBLIC] = "SELECT c.id, c.tenant, c.environment, c.source, c.public_id, "
                           "c.created_at, coalesce(t.rate_per_key, 0), coalesce(t.rate_per_tenant, "
                           "0) FROM connectors c JOIN tenants t ON t.id = c.tenant WHERE "
                           "c.public_id = ?1",
    [S_CONNECTORS_LIST] = "SELECT id, tenant, environment, source, public_id, created_at FROM "
                          "connectors WHERE tenant = ?1 AND environment = ?2 ORDER BY source",
    [S_SECRET_ADD] = "INSERT INTO connector_secrets (tenant, environment, connector, sealed, hint, "
                     "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_SECRETS_LIST] = "SELECT id, sealed, hint, created_at, coalesce(expires_at, 0) FROM "
                       "connector_secrets WHERE tenant = ?1 AND environment = ?2 AND connector = "
                       "?3 ORDER BY id",
    [S_SECRETS_ELSEWHERE] = "SELECT id, sealed, hint, created_at, coalesce(expires_at, 0) "
                            "FROM connector_secrets WHERE tenant = ?1 AND environment <> ?2 "
                            "AND (expires_at IS NULL OR expires_at > ?3) ORDER BY id",
    [S_SECRET_EXPIRE] = "UPDATE connector_secrets SET expires_at = ?5 WHERE tenant = ?1 AND "
                        "environment = ?2 AND connector = ?3 AND id = ?4",
    [S_DELIVERY_FIND] =
        "SELECT id, sha256 FROM deliveries WHERE tenant = ?1 AND environment = ?2 AND "
        "source = ?3 AND delivery_id = ?4",
    [S_DELIVERY_INSERT] = "INSERT INTO deliveries (tenant, environment, source, delivery_id, "
                          "topic, kind, outcome, note, events, received_at, sha256, raw) VALUES "
                          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [S_DELIVERY_STATS] = "SELECT source, coalesce(kind, ''), outcome, count(*) FROM deliveries "
                         "WHERE tenant = ?1 AND environment = ?2 GROUP BY 1, 2, 3 ORDER BY 1, "
                         "2, 3",
    [S_ALIAS_PUT] = "INSERT INTO aliases (tenant, environment, kind, source, ext_id, ref, seq) "
                    "VALUES (?1, ?2, 'order', ?3, ?4, ?5, ?6) ON CONFLICT (tenant, environment, "
                    "kind, source, ext_id) DO NOTHING",
    [S_ALIAS_GET] = "SELECT ref FROM aliases WHERE tenant = ?1 AND environment = ?2 AND kind = "
                    "'order' AND source = ?3 AND ext_id = ?4",
    [S_ALIAS_GET_ANY] = "SELECT ref FROM aliases WHERE tenant = ?1 AND environment = ?2 AND "
                        "kind = 'order' AND ext_id = ?4 ORDER BY seq LIMIT 1",
    [S_PENDING_ADD] = "INSERT INTO pending_links (tenant, environment, source, ext_id, "
                      "subject_kind, subject_ref, event_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                      "?7)",
    [S_PENDING_FIND] = "SELECT id, source, ext_id, subject_kind, subject_ref, event_seq FROM "
                       "pending_links WHERE tenant = ?1 AND environment = ?2 AND ext_id = ?4 "
                       "AND source = ?3 ORDER BY id",
    [S_PENDING_DROP_EVENT] = "DELETE FROM pending_links WHERE tenant = ?1 AND environment = ?2 "
                             "AND event_seq = ?3",
    [S_PENDING_DELETE] = "DELETE FROM pending_links WHERE tenant = ?1 AND environment = ?2 AND "
                         "ext_id = ?4 AND source = ?3",
#define TICKET_COLS                                                                                \
	"id, ref, order_ref, customer, email, subject, status, priority, status_at, updated_seq"
    [S_TICKET_GET] = "SELECT " TICKET_COLS " FROM tickets WHERE tenant = ?1 AND environment = ?2 "
                     "AND ref = ?3",
    [S_TICKET_INSERT] = "INSERT INTO tickets (tenant, environment, ref, order_ref, customer, "
                        "email, subject, status, priority, status_at, updated_seq) VALUES (?1, "
                        "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [S_TICKET_UPDATE] = "UPDATE tickets SET order_ref = ?4, customer = ?5, email = ?6, subject = "
                        "?7, status = ?8, priority = ?9, status_at = ?10, updated_seq = ?11 "
                        "WHERE tenant = ?1 AND environment = ?2 AND ref = ?3",
    [S_TICKETS_ORDER] = "SELECT " TICKET_COLS " FROM tickets WHERE tenant = ?1 AND environment "
                        "= ?2 AND order_ref = ?3 ORDER BY id",
    [S_ISSUE_PUT] = "INSERT INTO order_issues (tenant, environment, order_ref, key, reason, seq) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant, environment, "
                    "order_ref, key) DO UPDATE SET reason = excluded.reason, seq = excluded.seq",
    [S_ISSUES_ORDER] = "SELECT key, reason, seq FROM order_issues WHERE tenant = ?1 AND "
                       "environment = ?2 AND order_ref = ?3 ORDER BY key",
    [S_SHIP_ALIAS_PUT] = "INSERT INTO aliases (tenant, environment, kind, source, ext_id, ref, "
                         "seq) VALUES (?1, ?2, 'shipment', '*', ?3, ?4, ?5) ON CONFLICT (tenant, "
                         "environment, kind, source, ext_id) DO NOTHING",
    [S_SHIP_ALIAS_GET] = "SELECT ref FROM aliases WHERE tenant = ?1 AND environment = ?2 AND kind "
                         "= 'shipment' AND source = '*' AND ext_id = ?3",
    [S_SHIP_MERGE_DELETE] = "DELETE FROM shipments WHERE tenant = ?1 AND environment = ?2 AND "
                            "ref = ?3",
    [S_SHIP_MERGE_ALIASES] = "UPDATE aliases SET ref = ?4 WHERE tenant = ?1 AND environment = "
                             "?2 AND kind = 'shipment' AND source = '*' AND ref = ?3",
    [S_SHIP_MERGE_EVENTS] = "UPDATE events SET subject = ?4 WHERE tenant = ?1 AND environment = "
                            "?2 AND subject = ?3 AND substr(type, 1, 9) = 'shipment.'",
    [S_SHIP_MERGE_EXCEPTIONS] =
        "UPDATE OR IGNORE exceptions SET subject = ?4 WHERE tenant = ?1 "
        "AND environment = ?2 AND subject = ?3 AND kind IN ('shipment_late', "
        "'delivery_exception', 'state_conflict')",
    [S_SKU_ALIAS_PUT] =
        "INSERT INTO aliases (tenant, environment, kind, source, ext_id, ref, seq) "
        "VALUES (?1, ?2, 'sku', ?3, ?4, ?5, ?6) ON CONFLICT (tenant, environment, "
        "kind, source, ext_id) DO UPDATE SET ref = excluded.ref, seq = excluded.seq",
    [S_SKU_ALIAS_GET] = "SELECT ref FROM aliases WHERE tenant = ?1 AND environment = ?2 AND kind = "
                        "'sku' AND source = ?3 AND ext_id = ?4",
    [S_CALIAS_PUT] = "INSERT INTO aliases (tenant, environment, kind, source, ext_id, ref, seq) "
                     "VALUES (?1, ?2, 'customer', 'email', ?3, ?4, ?5) ON CONFLICT (tenant, "
                     "environment, kind, source, ext_id) DO UPDATE SET ref = excluded.ref",
    [S_CALIAS_DELETE] = "DELETE FROM aliases WHERE tenant = ?1 AND environment = ?2 AND kind = "
                        "'customer' AND source = 'email' AND ext_id = ?3",
    [S_CALIAS_GET] = "SELECT ref FROM aliases WHERE tenant = ?1 AND environment = ?2 AND kind = "
                     "'customer' AND source = 'email' AND ext_id = ?3",
    [S_ORDERS_RELINK] = "UPDATE orders SET customer = ?5 WHERE tenant = ?1 AND environment = ?2 "
                        "AND lower(trim(email)) = ?3 AND customer IS ?4",
    [S_SUGGESTION_ADD] = "INSERT INTO identity_suggestions (tenant, environment, kind, ref_a, "
                         "ref_b, reason, status, created_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                         "'open', ?7) ON CONFLICT (tenant, environment, kind, ref_a, ref_b) DO "
                         "NOTHING",
#define SUGGESTION_COLS "id, kind, ref_a, ref_b, reason, status, created_seq"
    [S_SUGGESTION_LIST] = "SELECT " SUGGESTION_COLS " FROM identity_suggestions WHERE tenant = "
                          "?1 AND environment = ?2 AND status = ?3 ORDER BY id",
    [S_SUGGESTION_LIST_ALL] = "SELECT " SUGGESTION_COLS " FROM identity_suggestions WHERE "
                              "tenant = ?1 AND environment = ?2 ORDER BY id",
    [S_SUGGESTION_GET] = "SELECT " SUGGESTION_COLS " FROM identity_suggestions WHERE tenant = ?1 "
                         "AND environment = ?2 AND id = ?3",
    [S_SUGGESTION_DECIDE] = "UPDATE identity_suggestions SET status = ?4, decided_by = ?5, "
                            "decided_at = ?6 WHERE tenant = ?1 AND environment = ?2 AND id = ?3",
    [S_TENANT_SETTINGS] = "SELECT fraud_threshold FROM tenants WHERE id = ?1",
    [S_TENANT_GET] = "SELECT id, name, coalesce(fraud_threshold, -1), coalesce(rate_per_key, 0), "
                     "coalesce(rate_per_tenant, 0), created_at FROM tenants WHERE id = ?1",
    [S_TENANT_SET_FRAUD] = "UPDATE tenants SET fraud_threshold = CASE WHEN ?2 < 0 THEN NULL ELSE "
                           "?2 END WHERE id = ?1",
    [S_EVENT_SET_ORDER] = "UPDATE events SET order_ref = ?4 WHERE tenant = ?1 AND environment = "
                          "?2 AND id = ?3 AND order_ref IS NULL",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT item",
    [S_RELEASE] = "RELEASE item",
    [S_ROLLBACK_TO] = "ROLLBACK TO item",
    [S_TENANT_CREATE] = "INSERT INTO tenants (name, created_at) VALUES (?1, ?2)",
    [S_TENANT_FIND] = "SELECT id FROM tenants WHERE name = ?1",
    [S_TENANT_FIRST] = "SELECT id, name FROM tenants ORDER BY id LIMIT 1",
    [S_ENV_CREATE] = "INSERT OR IGNORE INTO environments (tenant, environment, created_at) "
                     "VALUES (?1, ?2, ?3)",
    [S_ENV_EXISTS] = "SELECT 1 FROM environments WHERE tenant = ?1 AND environment = ?2",
    [S_KEY_CREATE] = "INSERT INTO api_keys (tenant, environment, prefix, hash, role, "
                     "created_at, scopes, name, expires_at, created_by, brand, region, "
                     "segment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [S_KEY_LOOKUP] = "SELECT k.id, k.tenant, t.name, k.environment, k.role, k.scopes, "
                     "coalesce(k.expires_at, 0), coalesce(k.revoked_at, 0), "
                     "coalesce(t.rate_per_key, 0), coalesce(t.rate_per_tenant, 0), "
                     "coalesce(k.brand, ''), coalesce(k.region, ''), coalesce(k.segment, ''), "
                     "coalesce(k.last_used_at, 0) FROM api_keys k "
                     "JOIN tenants t ON t.id = k.tenant WHERE k.hash = ?1",
#define KEY_COLS                                                                                   \
	"id, prefix, name, role, created_by, scopes, created_at, coalesce(expires_at, 0), "        \
	"coalesce(revoked_at, 0), brand, region, segment, coalesce(last_used_at, 0)"
    [S_TENANT_RATES] = "UPDATE tenants SET rate_per_key = CASE WHEN ?2 < 0 THEN rate_per_key "
                       "WHEN ?2 = 0 THEN NULL ELSE ?2 END, rate_per_tenant = CASE WHEN ?3 < 0 "
                       "THEN rate_per_tenant WHEN ?3 = 0 THEN NULL ELSE ?3 END WHERE id = ?1",
    [S_USAGE_ADD] = "INSERT INTO usage (tenant, environment, hour, metric, count) VALUES (?1, "
                    "?2, ?3, ?4, ?5) ON CONFLICT (tenant, environment, hour, metric) DO UPDATE "
                    "SET count = count + excluded.count",
    [S_USAGE_LIST] = "SELECT hour - ((hour - ?3) % ?5), metric, sum(count) FROM usage WHERE "
                     "tenant = ?1 AND environment = ?2 AND hour >= ?3 AND hour < ?4 GROUP BY 1, "
                     "2 ORDER BY 1, 2",
#define USER_COLS                                                                                  \
	"id, username, pwhash, role, created_by, scopes, created_at, coalesce(disabled_at, 0), "   \
	"brand, region, segment, (SELECT coalesce(max(s.created_at), 0) FROM sessions s WHERE "    \
	"s.tenant = users.tenant AND s.environment = users.environment AND s.user_id = "           \
	"users.id), (SELECT coalesce(max(s.last_seen_at), 0) FROM sessions s WHERE s.tenant = "    \
	"users.tenant AND s.environment = users.environment AND s.user_id = users.id)"
    [S_USER_CREATE] = "INSERT INTO users (tenant, environment, username, pwhash, role, scopes, "
                      "created_at, created_by, brand, region, segment) VALUES (?1, ?2, ?3, ?4, "
                      "?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [S_USER_FIND] = "SELECT " USER_COLS " FROM users WHERE tenant = ?1 AND environment = ?2 "
                    "AND username = ?3",
    [S_USER_LIST] = "SELECT " USER_COLS " FROM users WHERE tenant = ?1 AND environment = ?2 "
                    "ORDER BY id",
    [S_USER_DISABLE] = "UPDATE users SET disabled_at = ?4 WHERE tenant = ?1 AND environment = "
                       "?2 AND id = ?3 AND disabled_at IS NULL",
    [S_USER_END_SESSIONS] = "UPDATE sessions SET ended_at = ?4 WHERE tenant = ?1 AND "
                            "environment = ?2 AND user_id = ?3 AND ended_at IS NULL",
    [S_SESSION_CREATE] = "INSERT INTO sessions (tenant, environment, user_id, token_hash, csrf, "
                         "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_SESSION_LOOKUP] = "SELECT s.id, u.id, s.tenant, s.environment, u.username, u.role, "
                         "u.scopes, s.csrf, s.expires_at, coalesce(t.rate_per_key, 0), "
                         "coalesce(t.rate_per_tenant, 0), coalesce(u.brand, ''), "
                         "coalesce(u.region, ''), coalesce(u.segment, ''), "
                         "coalesce(s.ended_at, 0), coalesce(u.disabled_at, 0), "
                         "coalesce(s.last_seen_at, 0) FROM sessions s JOIN "
                         "users u ON u.id "
                         "= s.user_id JOIN tenants t ON t.id = s.tenant WHERE s.token_hash = ?1",
    [S_SESSION_END] = "UPDATE sessions SET ended_at = ?4 WHERE tenant = ?1 AND environment = ?2 "
                      "AND id = ?3 AND ended_at IS NULL",
    [S_KEY_LIST] = "SELECT " KEY_COLS " FROM api_keys WHERE tenant = ?1 AND environment = ?2 "
                   "ORDER BY id",
    [S_KEY_GET] = "SELECT " KEY_COLS " FROM api_keys WHERE tenant = ?1 AND environment = ?2 "
                  "AND id = ?3",
    [S_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = ?4 WHERE tenant = ?1 AND environment = "
                     "?2 AND id = ?3 AND (revoked_at IS NULL OR revoked_at > ?4)",
    [S_EVENT_FIND] = "SELECT id, digest FROM events WHERE tenant = ?1 AND environment = ?2 "
                     "AND source = ?3 AND ext_id = ?4",
    [S_EVENT_INSERT] = "INSERT INTO events (tenant, environment, source, ext_id, type, "
                       "order_ref, subject, occurred_at, occurred_offset, received_at, "
                       "sha256, raw, delivery, digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                       "?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (tenant, environment, "
                       "source, ext_id) DO NOTHING",
    [S_EVENTS_ORDER] = "SELECT id, source, ext_id, type, order_ref, subject, occurred_at, "
                       "occurred_offset, received_at, raw, sha256 FROM events WHERE tenant "
                       "= ?1 AND environment = ?2 AND order_ref = ?3 ORDER BY occurred_at, id",
    [S_EVENT_COUNT] = "SELECT count(*) FROM events WHERE tenant = ?1 AND environment = ?2",
    [S_EVENT_LAST] = "SELECT coalesce(max(id), 0) FROM events",
#define ORDER_COLS                                                                                 \
	"id, ref, known, status, financial_status, status_seq, cancelled_at, cancelled_seq, "      \
	"version, version_at, currency, total, customer, email, placed_at, tz_offset, "            \
	"promised_at, promised_offset, promised_date_only, address_state, address_why, "           \
	"address_seq, fraud_state, fraud_score, fraud_why, fraud_seq, first_seq, updated_seq, "    \
	"fraud_at, address_at, ship_to, address_key, brand, region, segment, clock_at, ship_by, "  \
	"rejected"
    [S_ORDER_GET] = "SELECT " ORDER_COLS " FROM orders WHERE tenant = ?1 AND environment = "
                    "?2 AND ref = ?3",
    [S_ORDER_INSERT] =
        "INSERT INTO orders (tenant, environment, ref, known, status, "
        "financial_status, status_seq, cancelled_at, cancelled_seq, version, "
        "version_at, currency, total, customer, email, placed_at, tz_offset, "
        "promised_at, promised_offset, promised_date_only, address_state, "
        "address_why, address_seq, fraud_state, fraud_score, fraud_why, "
        "fraud_seq, first_seq, updated_seq, fraud_at, address_at, ship_to, "
        "address_key, brand, region, segment, clock_at, ship_by, rejected) VALUES (?1, "
        "?2, "
        "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
        "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
        "?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39)",
    [S_ORDER_UPDATE] =
        "UPDATE orders SET known = ?4, status = ?5, financial_status = ?6, "
        "status_seq = ?7, cancelled_at = ?8, cancelled_seq = ?9, version = "
        "?10, version_at = ?11, currency = ?12, total = ?13, customer = ?14, "
        "email = ?15, placed_at = ?16, tz_offset = ?17, promised_at = ?18, "
        "promised_offset = ?19, promised_date_only = ?20, address_state = "
        "?21, address_why = ?22, address_seq = ?23, fraud_state = ?24, "
        "fraud_score = ?25, fraud_why = ?26, fraud_seq = ?27, first_seq = ?28, "
        "updated_seq = ?29, fraud_at = ?30, address_at = ?31, ship_to = ?32, "
        "region = ?35, segment = ?36, clock_at = ?37, ship_by = ?38, rejected = ?39 WHERE tenant = "
        "?1 AND environment = ?2 AND ref = ?3",
    /* Indexed columns are set apart, and only when they change: SQLite
     * rewrites an index entry whenever its column is assigned, changed or
     * not (an update of every column cost 5.5 times one of the others). */
    [S_ORDER_KEYS] = "UPDATE orders SET address_key = ?4, brand = ?5 WHERE id = ?3 AND tenant = "
                     "?1 AND environment = ?2 AND (address_key IS NOT ?4 OR brand IS NOT ?5)",
    [S_ORDERS_ADDRESS] = "SELECT customer, email FROM orders WHERE tenant = ?1 AND environment = "
                         "?2 AND address_key = ?3 AND customer IS NOT NULL AND customer != ?4 "
                         "AND email IS NOT NULL ORDER BY id LIMIT 16",
#define LINE_COLS                                                                                  \
	"order_id, line_no, ref, sku, qty, price, allocated, seq, open, (SELECT o.ref FROM "       \
	"orders o "                                                                                \
	"WHERE o.id = order_id)"
    /* an order's lines with their SKU's stock level; the order's ref is the
     * caller's (NULL here) */
    [S_LINES_GET] = "SELECT l.order_id, l.line_no, l.ref, l.sku, l.qty, l.price, l.allocated, "
                    "l.seq, l.open, NULL, CASE WHEN k.locations > 0 THEN max(k.available, 0) "
                    "ELSE -1 END FROM order_lines l LEFT JOIN sku_stock k ON k.tenant = "
                    "l.tenant AND k.environment = l.environment AND k.sku = l.sku WHERE "
                    "l.tenant = ?1 AND l.environment = ?2 AND l.order_id = ?3 ORDER BY "
                    "l.line_no",
    [S_LINES_DELETE] = "DELETE FROM order_lines WHERE tenant = ?1 AND environment = ?2 AND "
                       "order_id = ?3",
    [S_LINE_INSERT] = "INSERT INTO order_lines (tenant, environment, order_id, line_no, "
                      "ref, sku, qty, price, allocated, seq, open) VALUES (?1, ?2, ?3, ?4, "
                      "?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [S_DEMAND] = "SELECT " LINE_COLS " FROM order_lines WHERE tenant = ?1 AND environment "
                 "= ?2 AND sku = ?3 AND open = 1 ORDER BY seq, order_id, line_no",
    [S_DEMAND_IN_SCOPE] = "SELECT " LINE_COLS " FROM order_lines WHERE tenant = ?1 AND "
                          "environment = ?2 AND sku = ?3 AND open = 1 AND order_id IN (SELECT "
                          "id FROM orders WHERE tenant = ?1 AND environment = ?2 AND (?4 IS "
                          "NULL OR brand = ?4) AND (?5 IS NULL OR region = ?5) AND (?6 IS NULL "
                          "OR segment = ?6)) ORDER BY seq, order_id, line_no",
    [S_DEMAND_SHORT_LINES] = "SELECT " LINE_COLS " FROM order_lines WHERE tenant = ?1 AND "
                             "environment = ?2 AND sku = ?3 AND open = 1 AND allocated < qty "
                             "ORDER BY seq, order_id, line_no LIMIT ?4",
    [S_STOCK] = "SELECT locations, available, allocated, short FROM sku_stock WHERE tenant = ?1 "
                "AND environment = ?2 AND sku = ?3",
    [S_LINE_ALLOC] = "UPDATE order_lines SET allocated = ?5 WHERE tenant = ?1 AND "
                     "environment = ?2 AND order_id = ?3 AND line_no = ?4",
    [S_LINES_OPEN] = "UPDATE order_lines SET open = ?4, allocated = CASE WHEN ?4 THEN "
                     "allocated ELSE 0 END WHERE tenant = ?1 AND environment = ?2 AND "
                     "order_id = ?3",
#define PAYMENT_COLS                                                                               \
	"id, ref, order_ref, status, rank, status_at, status_seq, currency, amount, captured, "    \
	"refunded, reason, updated_seq, disputed"
    [S_PAYMENT_GET] = "SELECT " PAYMENT_COLS " FROM payments WHERE tenant = ?1 AND "
                      "environment = ?2 AND ref = ?3",
    [S_PAYMENT_INSERT] = "INSERT INTO payments (tenant, environment, ref, order_ref, "
                         "status, rank, status_at, status_seq, currency, amount, captured, "
                         "refunded, reason, updated_seq, disputed) VALUES (?1, ?2, ?3, ?4, ?5, "
                         "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [S_PAYMENT_UPDATE] = "UPDATE payments SET status = ?5, rank = ?6, "
                         "status_at = ?7, status_seq = ?8, currency = ?9, amount = ?10, "
                         "captured = ?11, refunded = ?12, reason = ?13, updated_seq = ?14, "
                         "disputed = ?15 WHERE tenant = ?1 AND environment = ?2 AND ref = ?3",
    [S_PAYMENT_KEYS] = "UPDATE payments SET order_ref = ?4 WHERE id = ?3 AND tenant = ?1 AND "
                       "environment = ?2 AND order_ref IS NOT ?4",
    [S_PAYMENTS_ORDER] = "SELECT " PAYMENT_COLS " FROM payments WHERE tenant = ?1 AND "
                         "environment = ?2 AND order_ref = ?3 ORDER BY id",
    [S_REFUND_GET] = "SELECT amount, void FROM refunds WHERE tenant = ?1 AND environment = ?2 AND "
                     "ref = ?3 AND payment_id = ?4",
    [S_REFUND_INSERT] = "INSERT INTO refunds (tenant, environment, payment_id, ref, amount, "
                        "currency, at, seq, void) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_REFUND_UPDATE] =
        "UPDATE refunds SET amount = ?4, at = ?5, seq = ?6, void = ?8 WHERE tenant = "
        "?1 AND environment = ?2 AND ref = ?3 AND payment_id = ?7",
#define SHIPMENT_COLS                                                                              \
	"id, ref, order_ref, carrier, tracking, status, status_at, status_seq, eta, eta_seq, "     \
	"delivered_at, location, reason, updated_seq"
    [S_SHIPMENT_GET] = "SELECT " SHIPMENT_COLS " FROM shipments WHERE tenant = ?1 AND "
                       "environment = ?2 AND ref = ?3",
    [S_SHIPMENT_INSERT] = "INSERT INTO shipments (tenant, environment, ref, order_ref, "
                          "carrier, tracking, status, status_at, status_seq, eta, eta_seq, "
                          "delivered_at, location, reason, updated_seq) VALUES (?1, ?2, ?3, "
                          "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [S_SHIPMENT_UPDATE] = "UPDATE shipments SET carrier = ?5, "
                          "status = ?7, status_at = ?8, status_seq = ?9, eta = ?10, "
                          "eta_seq = ?11, delivered_at = ?12, location = ?13, reason = ?14, "
                          "updated_seq = ?15 WHERE tenant = ?1 AND environment = ?2 AND ref = "
                          "?3",
    [S_SHIPMENT_KEYS] = "UPDATE shipments SET order_ref = ?4, tracking = ?5 WHERE id = ?3 AND "
                        "tenant = ?1 AND environment = ?2 AND (order_ref IS NOT ?4 OR tracking "
                        "IS NOT ?5)",
    [S_SHIPMENT_TRACKING] = "SELECT " SHIPMENT_COLS " FROM shipments WHERE tenant = ?1 AND "
                            "environment = ?2 AND tracking = ?3 ORDER BY id LIMIT 1",
    [S_SHIPMENTS_ORDER] = "SELECT " SHIPMENT_COLS " FROM shipments WHERE tenant = ?1 AND "
                          "environment = ?2 AND order_ref = ?3 ORDER BY id",
    [S_INV_GET] = "SELECT as_of FROM inventory WHERE tenant = ?1 AND environment = ?2 AND "
                  "sku = ?3 AND location = ?4",
    [S_INV_PUT] = "INSERT INTO inventory (tenant, environment, sku, location, available, "
                  "as_of, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (tenant, "
                  "environment, sku, location) DO UPDATE SET available = excluded.available, "
                  "as_of = excluded.as_of, seq = excluded.seq",
    [S_INV_AT] = "SELECT sku, available, as_of, seq FROM inventory WHERE tenant = ?1 AND "
                 "environment = ?2 AND location = ?3",
    [S_INV_DELETE] = "DELETE FROM inventory WHERE tenant = ?1 AND environment = ?2 AND sku = ?3 "
                     "AND location = ?4",
    [S_WH_ALIAS_PUT] = "INSERT INTO aliases (tenant, environment, kind, source, ext_id, ref, seq) "
                       "VALUES (?1, ?2, 'warehouse', ?3, ?4, ?5, ?6) ON CONFLICT (tenant, "
                       "environment, kind, source, ext_id) DO UPDATE SET ref = excluded.ref, seq "
                       "= excluded.seq",
    [S_WH_ALIAS_GET] = "SELECT ref FROM aliases WHERE tenant = ?1 AND environment = ?2 AND kind = "
                       "'warehouse' AND source = ?3 AND ext_id = ?4",
#define CUSTOMER_COLS "id, ref, email, email_norm, name, updated_seq, name_norm"
    [S_CUSTOMER_GET] = "SELECT " CUSTOMER_COLS " FROM customers WHERE tenant = ?1 AND "
                       "environment = ?2 AND ref = ?3",
    [S_CUSTOMER_EMAIL] = "SELECT " CUSTOMER_COLS " FROM customers WHERE tenant = ?1 AND "
                         "environment = ?2 AND email_norm = ?3 ORDER BY id LIMIT 1",
    [S_CUSTOMER_INSERT] = "INSERT INTO customers (tenant, environment, ref, email, "
                          "email_norm, name, updated_seq, name_norm) VALUES (?1, ?2, ?3, ?4, ?5, "
                          "?6, ?7, ?8)",
    [S_CUSTOMER_UPDATE] = "UPDATE customers SET email = ?4, email_norm = ?5, name = ?6, "
                          "updated_seq = ?7, name_norm = ?8 WHERE tenant = ?1 AND environment = "
                          "?2 AND ref = ?3",
    [S_CUSTOMERS_NAME] = "SELECT " CUSTOMER_COLS " FROM customers WHERE tenant = ?1 AND "
                         "environment = ?2 AND name_norm >= ?3 AND name_norm < ?3 || x'ff' AND "
                         "ref != ?4 ORDER BY name_norm LIMIT 64",
#define EXC_COLS                                                                                   \
	"id, order_ref, kind, subject, status, severity, priority, why, evidence, seen, "          \
	"opened_at, updated_at, resolved_at, resolution, updated_seq"
    [S_EXC_ORDER] = "SELECT " EXC_COLS " FROM exceptions WHERE tenant = ?1 AND environment "
                    "= ?2 AND order_ref = ?3 ORDER BY id",
    [S_EXC_INSERT] = "INSERT INTO exceptions (tenant, environment, order_ref, kind, "
                     "subject, status, severity, priority, why, evidence, seen, opened_at, "
                     "updated_at, resolved_at, resolution, updated_seq) VALUES (?1, ?2, ?3, "
                     "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [S_EXC_UPDATE] = "UPDATE exceptions SET severity = ?7, why "
                     "= ?9, evidence = ?10, seen = ?11, opened_at = ?12, updated_at = ?13, "
                     "resolved_at = ?14, resolution = ?15, updated_seq = ?16 WHERE tenant = "
                     "?1 AND environment = ?2 AND id = ?17",
    [S_EXC_KEYS] = "UPDATE exceptions SET status = ?4, priority = ?5 WHERE id = ?3 AND tenant = "
                   "?1 AND environment = ?2 AND (status IS NOT ?4 OR priority IS NOT ?5)",
    [S_KEY_TOUCH] = "UPDATE api_keys SET last_used_at = ?4 WHERE tenant = ?1 AND environment = "
                    "?2 AND id = ?3 AND coalesce(last_used_at, 0) < ?4",
    [S_SESSION_TOUCH] = "UPDATE sessions SET last_seen_at = ?4 WHERE tenant = ?1 AND "
                        "environment = ?2 AND id = ?3 AND coalesce(last_seen_at, 0) < ?4",
    [S_SCOPE_RULES_GET] = "SELECT version, body, created_at, created_by FROM scope_rules WHERE "
                          "tenant = ?1 AND environment = ?2 ORDER BY version DESC LIMIT 1",
    [S_SCOPE_RULES_PUT] = "INSERT INTO scope_rules (tenant, environment, version, body, "
                          "created_at, created_by) VALUES (?1, ?2, (SELECT coalesce(max(version), "
                          "0) + 1 FROM scope_rules WHERE tenant = ?1 AND environment = ?2), ?3, "
                          "?4, ?5) RETURNING version",
    [S_EXC_COUNT] = "SELECT count(*) FROM exceptions WHERE tenant = ?1 AND environment = ?2 "
                    "AND (?3 IS NULL OR status = ?3)",
    [S_AUDIT_HEAD] = "SELECT seq, hash FROM audit WHERE tenant = ?1 ORDER BY seq DESC LIMIT "
                     "1",
    [S_AUDIT_APPEND] = "INSERT INTO audit (tenant, seq, environment, at, kind, subject, "
                       "body, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_AUDIT_SCAN] = "SELECT tenant, seq, environment, at, kind, subject, body, prev, hash "
                     "FROM audit WHERE tenant = ?1 ORDER BY seq",
    [S_AUDIT_TENANTS] = "SELECT DISTINCT tenant FROM audit ORDER BY tenant",
    /* newest first; kind exact, or a prefix ending in '*' (checked by the caller) */
    [S_AUDIT_LIST] = "SELECT tenant, seq, environment, at, kind, subject, body, prev, hash "
                     "FROM audit WHERE tenant = ?1 AND environment = ?2 AND seq < ?3 AND (?4 "
                     "IS NULL OR kind = ?4 OR (substr(?4, -1) = '*' AND kind GLOB ?4)) AND (?5 "
                     "IS NULL OR subject = ?5) ORDER BY seq DESC LIMIT ?6",
};

/* The statement id, prepared on first use and reset for binding. */
static sqlite3_stmt *stmt(struct sqlite_store *s, enum stmt_id id)
{
	sqlite3_stmt *q = s->stmts[id];
	if (!q) {
		if (sqlite3_prepare_v3(s->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) !=
		    SQLITE_OK) {
			fail(s, "prepare a statement");
			return NULL;
		}
		s->stmts[id] = q;
	} else {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	return q;
}

static int exec_id(struct sqlite_store *s, enum stmt_id id, const char *what)
{
	return exec(s, stmt(s, id), what);
}

static int exec_sql(struct sqlite_store *s, const char *text)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, text, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "ordex: database error: %s\n", msg ? msg : "unknown");
		sqlite3_free(msg);
		return ORDEX_E_STORE;
	}
	return ORDEX_OK;
}

/* ---- the order of the open transaction ---------------------------------- */

static void order_forget(struct sqlite_store *s)
{
	s->order.valid = false;
}

static const char *dup_or_null(struct ordex_arena *a, const char *v)
{
	return v ? ordex_arena_strdup(a, v) : NULL;
}

/* The row's strings copied into a. */
static void order_copy(struct ordex_arena *a, const struct ordex_order_row *from,
                       struct ordex_order_row *to)
{
	*to = *from;
	to->ref = dup_or_null(a, from->ref);
	to->status = dup_or_null(a, from->status);
	to->financial_status = dup_or_null(a, from->financial_status);
	to->customer = dup_or_null(a, from->customer);
	to->email = dup_or_null(a, from->email);
	to->address_why = dup_or_null(a, from->address_why);
	to->fraud_why = dup_or_null(a, from->fraud_why);
	to->ship_to = dup_or_null(a, from->ship_to);
	to->address_key = dup_or_null(a, from->address_key);
	to->brand = dup_or_null(a, from->brand);
	to->region = dup_or_null(a, from->region);
	to->segment = dup_or_null(a, from->segment);
}

/*
 * Keeps o as the order's row of the open transaction: exactly what a read
 * of it would give, since every column is written from o (s_order_put) or
 * was read into it (s_order_get).
 */
static void order_keep(struct sqlite_store *s, const struct ordex_scope *sc,
                       const struct ordex_order_row *o)
{
	if (!s->in_txn || strlen(sc->env) >= sizeof(s->order.env))
		return;
	if (!s->order.a)
		s->order.a = ordex_arena_new(4096);
	else
		ordex_arena_reset(s->order.a);
	order_copy(s->order.a, o, &s->order.row);
	s->order.tenant = sc->tenant;
	snprintf(s->order.env, sizeof(s->order.env), "%s", sc->env);
	s->order.valid = true;
}

static bool order_kept(struct sqlite_store *s, const struct ordex_scope *sc, const char *ref)
{
	if (!s->order.valid)
		return false;
	if (sqlite3_get_autocommit(s->db)) { /* the transaction ended under us */
		order_forget(s);
		return false;
	}
	return ref && s->order.row.ref && s->order.tenant == sc->tenant &&
	       !strcmp(s->order.env, sc->env) && !strcmp(s->order.row.ref, ref);
}

/* ---- transactions ------------------------------------------------------ */

static int s_begin(struct ordex_store *st)
{
	struct sqlite_store *s = S(st);
	order_forget(s);
	int rc = exec_id(s, s->readonly ? S_BEGIN_READ : S_BEGIN, "begin a transaction");
	s->in_txn = rc == ORDEX_OK && !s->readonly;
	return rc;
}

static int s_commit(struct ordex_store *st)
{
	struct sqlite_store *s = S(st);
	s->in_txn = false;
	order_forget(s);
	return exec_id(s, S_COMMIT, "commit");
}

static int s_rollback(struct ordex_store *st)
{
	struct sqlite_store *s = S(st);
	s->in_txn = false;
	order_forget(s);
	return exec_id(s, S_ROLLBACK, "roll back");
}

static int s_savepoint(struct ordex_store *st)
{
	return exec_id(S(st), S_SAVEPOINT, "set a savepoint");
}

static int s_release(struct ordex_store *st)
{
	return exec_id(S(st), S_RELEASE, "release a savepoint");
}

static int s_rollback_to(struct ordex_store *st)
{
	struct sqlite_store *s = S(st);
	order_forget(s);
	int rc = exec_id(s, S_ROLLBACK_TO, "roll back to a savepoint");
	return rc ? rc : exec_id(s, S_RELEASE, "release a savepoint");
}

/* ---- tenants and keys -------------------------------------------------- */

static int s_tenant_create(struct ordex_store *st, const char *name, int64_t *id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_TENANT_CREATE);
	if (!q)
		return ORDEX_E_STORE;
	bind_text(q, 1, name);
	sqlite3_bind_int64(q, 2, ordex_time_now());
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_CONSTRAINT)
		return ORDEX_E_CONFLICT;
	if (rc != SQLITE_DONE)
		return fail(s, "create a tenant");
	*id = sqlite3_last_insert_rowid(s->db);
	return ORDEX_OK;
}

static int s_tenant_find(struct ordex_store *st, const char *name, int64_t *id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_TENANT_FIND);
	if (!q)
		return ORDEX_E_STORE;
	bind_text(q, 1, name);
	ONE_ROW(
	    s, q, { *id = sqlite3_column_int64(q, 0); }, "find a tenant");
}

static int s_tenant_first(struct ordex_store *st, int64_t *id, char *name, size_t namelen)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_TENANT_FIRST);
	if (!q)
		return ORDEX_E_STORE;
	ONE_ROW(
	    s, q,
	    {
		    *id = sqlite3_column_int64(q, 0);
		    snprintf(name, namelen, "%s", (const char *)sqlite3_column_text(q, 1));
	    },
	    "find a tenant");
}

static int s_tenant_settings(struct ordex_store *st, int64_t tenant, int *fraud_threshold)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_TENANT_SETTINGS);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, tenant);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		*fraud_threshold = sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return ORDEX_E_NOTFOUND;
	return rc == SQLITE_ROW ? ORDEX_OK : fail(s, "read tenant settings");
}

static int s_tenant_get(struct ordex_store *st, int64_t tenant, struct ordex_tenant_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_TENANT_GET);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, tenant);
	ONE_ROW(
	    s, q,
	    {
		    out->id = sqlite3_column_int64(q, 0);
		    snprintf(out->name, sizeof(out->name), "%s",
		             (const char *)sqlite3_column_text(q, 1));
		    out->fraud_threshold = sqlite3_column_int(q, 2);
		    out->rate_per_key = sqlite3_column_double(q, 3);
		    out->rate_per_tenant = sqlite3_column_double(q, 4);
		    out->created_at = sqlite3_column_int64(q, 5);
	    },
	    "read a tenant");
}

static int s_tenant_set_fraud_threshold(struct ordex_store *st, int64_t tenant, int threshold)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_TENANT_SET_FRAUD);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, tenant);
	sqlite3_bind_int(q, 2, threshold);
	return exec(s, q, "change tenant settings");
}

static int s_env_create(struct ordex_store *st, int64_t tenant, const char *env)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_ENV_CREATE);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, tenant);
	bind_text(q, 2, env);
	sqlite3_bind_int64(q, 3, ordex_time_now());
	return exec(s, q, "create an environment");
}

static int s_env_exists(struct ordex_store *st, int64_t tenant, const char *env)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_ENV_EXISTS);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, tenant);
	bind_text(q, 2, env);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_ROW)
		return ORDEX_OK;
	return rc == SQLITE_DONE ? ORDEX_E_NOTFOUND : fail(s, "find an environment");
}

static int s_key_create(struct ordex_store *st, const struct ordex_scope *sc,
                        const struct ordex_key_new *k, int64_t *id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_KEY_CREATE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, k->prefix);
	sqlite3_bind_blob(q, 4, k->hash, 32, SQLITE_STATIC);
	bind_text(q, 5, k->role);
	sqlite3_bind_int64(q, 6, ordex_time_now());
	sqlite3_bind_int64(q, 7, k->scopes);
	bind_text(q, 8, k->name);
	if (k->expires_at)
		sqlite3_bind_int64(q, 9, k->expires_at);
	bind_text(q, 10, k->created_by);
	bind_text(q, 11, k->brand);
	bind_text(q, 12, k->region);
	bind_text(q, 13, k->segment);
	int rc = exec(s, q, "create a key");
	if (rc == ORDEX_OK && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int s_key_lookup(struct ordex_store *st, const unsigned char hash[32],
                        struct ordex_key_info *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_KEY_LOOKUP);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
	ONE_ROW(
	    s, q,
	    {
		    out->key_id = sqlite3_column_int64(q, 0);
		    out->tenant = sqlite3_column_int64(q, 1);
		    snprintf(out->tenant_name, sizeof(out->tenant_name), "%s",
		             (const char *)sqlite3_column_text(q, 2));
		    snprintf(out->env, sizeof(out->env), "%s",
		             (const char *)sqlite3_column_text(q, 3));
		    snprintf(out->role, sizeof(out->role), "%s",
		             (const char *)sqlite3_column_text(q, 4));
		    out->scopes = (unsigned)sqlite3_column_int64(q, 5);
		    out->expires_at = sqlite3_column_int64(q, 6);
		    out->revoked_at = sqlite3_column_int64(q, 7);
		    out->rate_per_key = sqlite3_column_double(q, 8);
		    out->rate_per_tenant = sqlite3_column_double(q, 9);
		    snprintf(out->brand, sizeof(out->brand), "%s",
		             (const char *)sqlite3_column_text(q, 10));
		    snprintf(out->region, sizeof(out->region), "%s",
		             (const char *)sqlite3_column_text(q, 11));
		    snprintf(out->segment, sizeof(out->segment), "%s",
		             (const char *)sqlite3_column_text(q, 12));
		    out->last_used_at = sqlite3_column_int64(q, 13);
	    },
	    "look up a key");
}

/* ---- events ------------------------------------------------------------ */

static int s_event_find(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
                        const char *id, unsigned char sha256[32], int64_t *seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_EVENT_FIND);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, id);
	ONE_ROW(
	    s, q,
	    {
		    *seq = sqlite3_column_int64(q, 0);
		    if (sqlite3_column_bytes(q, 1) == 32)
			    memcpy(sha256, sqlite3_column_blob(q, 1), 32);
	    },
	    "look up an event");
}

static int s_event_insert(struct ordex_store *st, const struct ordex_scope *sc,
                          const struct ordex_event *ev, const char *subject, int64_t received_at,
                          int64_t delivery, int64_t *seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_EVENT_INSERT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, ev->source);
	bind_text(q, 4, ev->id);
	bind_text(q, 5, ev->type_name);
	bind_text(q, 6, ev->order);
	bind_text(q, 7, subject);
	sqlite3_bind_int64(q, 8, ev->occurred.us);
	sqlite3_bind_int(q, 9, ev->occurred.offset_min);
	sqlite3_bind_int64(q, 10, received_at);
	sqlite3_bind_blob(q, 11, ev->sha256, 32, SQLITE_STATIC);
	sqlite3_bind_blob(q, 12, ev->raw, (int)ev->raw_len, SQLITE_STATIC);
	if (delivery)
		sqlite3_bind_int64(q, 13, delivery);
	sqlite3_bind_blob(q, 14, ev->digest, 32, SQLITE_STATIC);
	int rc = exec(s, q, "store an event");
	if (rc == ORDEX_OK && sqlite3_changes(s->db) == 0)
		return ORDEX_E_DUPLICATE; /* the key is stored: one index search, not two */
	if (rc == ORDEX_OK)
		*seq = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int s_event_set_order(struct ordex_store *st, const struct ordex_scope *sc, int64_t seq,
                             const char *order_ref)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_EVENT_SET_ORDER);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, seq);
	bind_text(q, 4, order_ref);
	return exec(s, q, "link an event to its order");
}

static int s_event_set_subject(struct ordex_store *st, const struct ordex_scope *sc, int64_t seq,
                               const char *subject)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_EVENT_SET_SUBJECT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, seq);
	bind_text(q, 4, subject);
	return exec(s, q, "rename an event's subject");
}

static int s_shipment_merge(struct ordex_store *st, const struct ordex_scope *sc, const char *from,
                            const char *into, int64_t seq)
{
	struct sqlite_store *s = S(st);
	static const int steps[] = {S_SHIP_MERGE_DELETE, S_SHIP_MERGE_ALIASES, S_SHIP_MERGE_EVENTS,
	                            S_SHIP_MERGE_EXCEPTIONS};
	for (size_t i = 0; i < ORDEX_ARRAY_LEN(steps); i++) {
		sqlite3_stmt *q = stmt(s, steps[i]);
		if (!q)
			return ORDEX_E_STORE;
		bind_scope(q, sc);
		bind_text(q, 3, from);
		if (steps[i] != S_SHIP_MERGE_DELETE)
			bind_text(q, 4, into);
		int rc = exec(s, q, "merge two shipments");
		if (rc)
			return rc;
	}
	return st->ops->shipment_alias_put(st, sc, from, into, seq);
}

static int s_event_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t seq,
                       struct ordex_arena *a, const char **raw, size_t *len)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_EVENT_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, seq);
	ONE_ROW(
	    s, q,
	    {
		    *len = (size_t)sqlite3_column_bytes(q, 0);
		    *raw = ordex_arena_strndup(a, sqlite3_column_blob(q, 0), *len);
	    },
	    "read an event");
}

static int s_events_link_subject(struct ordex_store *st, const struct ordex_scope *sc,
                                 const char *subject, const char *type_prefix,
                                 const char *order_ref)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_EVENTS_LINK_SUBJECT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, subject);
	bind_text(q, 4, order_ref);
	bind_text(q, 5, type_prefix);
	return exec(s, q, "link events to their order");
}

static int s_events_for_order(struct ordex_store *st, const struct ordex_scope *sc,
                              const char *order_ref, ordex_event_fn fn, void *ctx)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_EVENTS_ORDER);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, order_ref);
	int rc, out = ORDEX_OK;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct ordex_event_info e = {0};
		e.seq = sqlite3_column_int64(q, 0);
		e.source = (const char *)sqlite3_column_text(q, 1);
		e.id = (const char *)sqlite3_column_text(q, 2);
		e.type = (const char *)sqlite3_column_text(q, 3);
		e.order_ref = (const char *)sqlite3_column_text(q, 4);
		e.subject = (const char *)sqlite3_column_text(q, 5);
		e.occurred_at = sqlite3_column_int64(q, 6);
		e.occurred_offset = sqlite3_column_int(q, 7);
		e.received_at = sqlite3_column_int64(q, 8);
		e.raw = sqlite3_column_blob(q, 9);
		e.raw_len = (size_t)sqlite3_column_bytes(q, 9);
		if (sqlite3_column_bytes(q, 10) == 32)
			memcpy(e.sha256, sqlite3_column_blob(q, 10), 32);
		if ((out = fn(ctx, &e)) != ORDEX_OK)
			break;
	}
	sqlite3_reset(q);
	if (out == ORDEX_OK && rc != SQLITE_DONE)
		return fail(s, "read events");
	return out;
}

static int count_query(struct sqlite_store *s, sqlite3_stmt *q, int64_t *n)
{
	if (!q)
		return ORDEX_E_STORE;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return rc == SQLITE_ROW ? ORDEX_OK : fail(s, "count rows");
}

static int s_event_last_seq(struct ordex_store *st, int64_t *seq)
{
	return count_query(S(st), stmt(S(st), S_EVENT_LAST), seq);
}

static int s_event_count(struct ordex_store *st, const struct ordex_scope *sc, int64_t *n)
{
	sqlite3_stmt *q = stmt(S(st), S_EVENT_COUNT);
	if (q)
		bind_scope(q, sc);
	return count_query(S(st), q, n);
}

/* ---- orders ------------------------------------------------------------ */

static void read_order(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_order_row *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(q, 0);
	o->ref = col_text(q, 1, a);
	o->known = sqlite3_column_int(q, 2) != 0;
	o->status = col_text(q, 3, a);
	o->financial_status = col_text(q, 4, a);
	o->status_seq = sqlite3_column_int64(q, 5);
	o->cancelled_at = sqlite3_column_int64(q, 6);
	o->cancelled_seq = sqlite3_column_int64(q, 7);
	o->version = sqlite3_column_int64(q, 8);
	o->version_at = sqlite3_column_int64(q, 9);
	col_currency(q, 10, o->currency);
	o->total_set = sqlite3_column_type(q, 11) != SQLITE_NULL;
	o->total = sqlite3_column_int64(q, 11);
	o->customer = col_text(q, 12, a);
	o->email = col_text(q, 13, a);
	o->placed_at = sqlite3_column_int64(q, 14);
	o->tz_offset = sqlite3_column_int(q, 15);
	o->promised_at = sqlite3_column_int64(q, 16);
	o->promised_offset = sqlite3_column_int(q, 17);
	o->promised_date_only = sqlite3_column_int(q, 18) != 0;
	o->address_state = sqlite3_column_int(q, 19);
	o->address_why = col_text(q, 20, a);
	o->address_seq = sqlite3_column_int64(q, 21);
	o->fraud_state = sqlite3_column_int(q, 22);
	o->fraud_score = sqlite3_column_int(q, 23);
	o->fraud_why = col_text(q, 24, a);
	o->fraud_seq = sqlite3_column_int64(q, 25);
	o->first_seq = sqlite3_column_int64(q, 26);
	o->updated_seq = sqlite3_column_int64(q, 27);
	o->fraud_at = sqlite3_column_int64(q, 28);
	o->address_at = sqlite3_column_int64(q, 29);
	o->ship_to = col_text(q, 30, a);
	o->address_key = col_text(q, 31, a);
	o->brand = col_text(q, 32, a);
	o->region = col_text(q, 33, a);
	o->segment = col_text(q, 34, a);
	o->clock_at = sqlite3_column_int64(q, 35);
	o->ship_by = sqlite3_column_int64(q, 36);
	o->rejected = sqlite3_column_int(q, 37);
}

static int s_order_get(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
                       struct ordex_arena *a, struct ordex_order_row *out)
{
	struct sqlite_store *s = S(st);
	if (order_kept(s, sc, ref)) {
		order_copy(a, &s->order.row, out);
		return ORDEX_OK;
	}
	sqlite3_stmt *q = stmt(s, S_ORDER_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, ref);
	ONE_ROW(
	    s, q,
	    {
		    read_order(q, a, out);
		    order_keep(s, sc, out);
	    },
	    "read an order");
}

/*
 * The indexed columns of a row just updated, set only where they differ
 * (see S_ORDER_KEYS): keys is the statement, the row's id, and its values.
 */
static int update_keys(struct sqlite_store *s, enum stmt_id keys, const struct ordex_scope *sc,
                       int64_t id, const char *k1, const char *k2, bool k2_int, int64_t k2i,
                       const char *what)
{
	sqlite3_stmt *q = stmt(s, keys);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	bind_text(q, 4, k1);
	if (k2_int)
		sqlite3_bind_int64(q, 5, k2i);
	else
		bind_text(q, 5, k2);
	return exec(s, q, what);
}

static int s_order_put(struct ordex_store *st, const struct ordex_scope *sc,
                       struct ordex_order_row *o)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, o->id ? S_ORDER_UPDATE : S_ORDER_INSERT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, o->ref);
	sqlite3_bind_int(q, 4, o->known);
	bind_text(q, 5, o->status);
	bind_text(q, 6, o->financial_status);
	sqlite3_bind_int64(q, 7, o->status_seq);
	sqlite3_bind_int64(q, 8, o->cancelled_at);
	sqlite3_bind_int64(q, 9, o->cancelled_seq);
	sqlite3_bind_int64(q, 10, o->version);
	sqlite3_bind_int64(q, 11, o->version_at);
	bind_text(q, 12, o->currency);
	if (o->total_set)
		sqlite3_bind_int64(q, 13, o->total);
	bind_text(q, 14, o->customer);
	bind_text(q, 15, o->email);
	sqlite3_bind_int64(q, 16, o->placed_at);
	sqlite3_bind_int(q, 17, o->tz_offset);
	sqlite3_bind_int64(q, 18, o->promised_at);
	sqlite3_bind_int(q, 19, o->promised_offset);
	sqlite3_bind_int(q, 20, o->promised_date_only);
	sqlite3_bind_int(q, 21, o->address_state);
	bind_text(q, 22, o->address_why);
	sqlite3_bind_int64(q, 23, o->address_seq);
	sqlite3_bind_int(q, 24, o->fraud_state);
	sqlite3_bind_int(q, 25, o->fraud_score);
	bind_text(q, 26, o->fraud_why);
	sqlite3_bind_int64(q, 27, o->fraud_seq);
	sqlite3_bind_int64(q, 28, o->first_seq);
	sqlite3_bind_int64(q, 29, o->updated_seq);
	sqlite3_bind_int64(q, 30, o->fraud_at);
	sqlite3_bind_int64(q, 31, o->address_at);
	bind_text(q, 32, o->ship_to);
	bind_text(q, 33, o->address_key);
	bind_text(q, 34, o->brand);
	bind_text(q, 35, o->region);
	bind_text(q, 36, o->segment);
	sqlite3_bind_int64(q, 37, o->clock_at);
	sqlite3_bind_int64(q, 38, o->ship_by);
	sqlite3_bind_int(q, 39, o->rejected);
	bool update = o->id != 0;
	order_forget(s);
	int rc = exec(s, q, "store an order");
	/* kept only as a row that is there: an update may have found none */
	bool there = rc == ORDEX_OK && (!update || sqlite3_changes(s->db) == 1);
	if (rc == ORDEX_OK && update)
		rc = update_keys(s, S_ORDER_KEYS, sc, o->id, o->address_key, o->brand, false, 0,
		                 "store an order");
	if (rc == ORDEX_OK && !o->id)
		o->id = sqlite3_last_insert_rowid(s->db);
	if (rc == ORDEX_OK && there)
		order_keep(s, sc, o);
	return rc;
}

static void read_line(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_line_row *l)
{
	l->order_id = sqlite3_column_int64(q, 0);
	l->line_no = sqlite3_column_int(q, 1);
	l->ref = col_text(q, 2, a);
	l->sku = col_text(q, 3, a);
	l->qty = sqlite3_column_int64(q, 4);
	l->price = sqlite3_column_int64(q, 5);
	l->allocated = sqlite3_column_int64(q, 6);
	l->seq = sqlite3_column_int64(q, 7);
	l->open = sqlite3_column_int(q, 8) != 0;
	l->order_ref = col_text(q, 9, a);
	l->level = sqlite3_column_count(q) > 10 ? sqlite3_column_int64(q, 10) : -1;
}

/*
 * Collects the rows of a bound statement into an arena array, growing by
 * doubling (the old copies stay in the arena until it is freed).
 */

static int s_customers_at_address(struct ordex_store *st, const struct ordex_scope *sc,
                                  const char *address_key, const char *customer,
                                  struct ordex_arena *a, struct ordex_customer_row **rows,
                                  size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_ORDERS_ADDRESS);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, address_key);
	bind_text(q, 4, customer);
	size_t cap = 4, cnt = 0;
	struct ordex_customer_row *r = ordex_arena_zalloc(a, cap * sizeof(*r));
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && cnt < 16) {
		if (cnt == cap) {
			struct ordex_customer_row *g = ordex_arena_zalloc(a, 2 * cap * sizeof(*r));
			memcpy(g, r, cap * sizeof(*r));
			r = g;
			cap *= 2;
		}
		r[cnt].ref = col_text(q, 0, a);
		r[cnt].email = col_text(q, 1, a);
		cnt++;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(s, "find customers at an address");
	*rows = r;
	*n = cnt;
	return ORDEX_OK;
}

static int s_lines_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t order_id,
                       struct ordex_arena *a, struct ordex_line_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_LINES_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, order_id);
	COLLECT(s, q, a, rows, n, struct ordex_line_row, read_line, "read order lines");
}

static int s_lines_replace(struct ordex_store *st, const struct ordex_scope *sc, int64_t order_id,
                           const struct ordex_line_row *rows, size_t n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_LINES_DELETE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, order_id);
	int rc = exec(s, q, "replace order lines");
	for (size_t i = 0; rc == ORDEX_OK && i < n; i++) {
		const struct ordex_line_row *l = &rows[i];
		if (!(q = stmt(s, S_LINE_INSERT)))
			return ORDEX_E_STORE;
		bind_scope(q, sc);
		sqlite3_bind_int64(q, 3, order_id);
		sqlite3_bind_int(q, 4, l->line_no);
		bind_text(q, 5, l->ref);
		bind_text(q, 6, l->sku);
		sqlite3_bind_int64(q, 7, l->qty);
		sqlite3_bind_int64(q, 8, l->price);
		sqlite3_bind_int64(q, 9, l->allocated);
		sqlite3_bind_int64(q, 10, l->seq);
		sqlite3_bind_int(q, 11, l->open);
		rc = exec(s, q, "store an order line");
	}
	return rc;
}

static int s_demand_for_sku(struct ordex_store *st, const struct ordex_scope *sc, const char *sku,
                            struct ordex_arena *a, struct ordex_line_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_DEMAND);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, sku);
	COLLECT(s, q, a, rows, n, struct ordex_line_row, read_line, "read open demand");
}

static int s_demand_in_scope(struct ordex_store *st, const struct ordex_scope *sc, const char *sku,
                             const char *const customers[3], struct ordex_arena *a,
                             struct ordex_line_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_DEMAND_IN_SCOPE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, sku);
	for (int i = 0; i < 3; i++)
		bind_text(q, 4 + i, customers[i]);
	COLLECT(s, q, a, rows, n, struct ordex_line_row, read_line, "read open demand");
}

static int s_demand_short_lines(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *sku, int64_t limit, struct ordex_arena *a,
                                struct ordex_line_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_DEMAND_SHORT_LINES);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, sku);
	sqlite3_bind_int64(q, 4, limit);
	COLLECT(s, q, a, rows, n, struct ordex_line_row, read_line, "read short demand");
}

static int s_stock(struct ordex_store *st, const struct ordex_scope *sc, const char *sku,
                   struct ordex_stock *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_STOCK);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, sku);
	memset(out, 0, sizeof(*out));
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		out->known = sqlite3_column_int64(q, 0) > 0;
		out->level = sqlite3_column_int64(q, 1);
		out->allocated = sqlite3_column_int64(q, 2);
		out->short_lines = sqlite3_column_int64(q, 3);
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? ORDEX_OK : fail(s, "read stock");
}

static int s_line_set_allocated(struct ordex_store *st, const struct ordex_scope *sc,
                                int64_t order_id, int line_no, int64_t allocated)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_LINE_ALLOC);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, order_id);
	sqlite3_bind_int(q, 4, line_no);
	sqlite3_bind_int64(q, 5, allocated);
	return exec(s, q, "allocate stock");
}

static int s_lines_set_open(struct ordex_store *st, const struct ordex_scope *sc, int64_t order_id,
                            bool open)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_LINES_OPEN);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, order_id);
	sqlite3_bind_int(q, 4, open);
	return exec(s, q, "close order lines");
}

/* ---- payments ---------------------------------------------------------- */

static void read_payment(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_payment_row *p)
{
	p->id = sqlite3_column_int64(q, 0);
	p->ref = col_text(q, 1, a);
	p->order_ref = col_text(q, 2, a);
	p->status = col_text(q, 3, a);
	p->rank = sqlite3_column_int(q, 4);
	p->status_at = sqlite3_column_int64(q, 5);
	p->status_seq = sqlite3_column_int64(q, 6);
	col_currency(q, 7, p->currency);
	p->amount = sqlite3_column_int64(q, 8);
	p->captured = sqlite3_column_int64(q, 9);
	p->refunded = sqlite3_column_int64(q, 10);
	p->reason = col_text(q, 11, a);
	p->updated_seq = sqlite3_column_int64(q, 12);
	p->disputed = sqlite3_column_int(q, 13) != 0;
}

static int s_payment_get(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
                         struct ordex_arena *a, struct ordex_payment_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_PAYMENT_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, ref);
	ONE_ROW(
	    s, q,
	    {
		    memset(out, 0, sizeof(*out));
		    read_payment(q, a, out);
	    },
	    "read a payment");
}

static int s_payment_put(struct ordex_store *st, const struct ordex_scope *sc,
                         struct ordex_payment_row *p)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, p->id ? S_PAYMENT_UPDATE : S_PAYMENT_INSERT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, p->ref);
	bind_text(q, 4, p->order_ref);
	bind_text(q, 5, p->status);
	sqlite3_bind_int(q, 6, p->rank);
	sqlite3_bind_int64(q, 7, p->status_at);
	sqlite3_bind_int64(q, 8, p->status_seq);
	bind_text(q, 9, p->currency);
	sqlite3_bind_int64(q, 10, p->amount);
	sqlite3_bind_int64(q, 11, p->captured);
	sqlite3_bind_int64(q, 12, p->refunded);
	bind_text(q, 13, p->reason);
	sqlite3_bind_int64(q, 14, p->updated_seq);
	sqlite3_bind_int(q, 15, p->disputed);
	bool update = p->id != 0;
	int rc = exec(s, q, "store a payment");
	if (rc == ORDEX_OK && update)
		rc = update_keys(s, S_PAYMENT_KEYS, sc, p->id, p->order_ref, NULL, false, 0,
		                 "store a payment");
	if (rc == ORDEX_OK && !p->id)
		p->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int s_payments_for_order(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *order_ref, struct ordex_arena *a,
                                struct ordex_payment_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_PAYMENTS_ORDER);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, order_ref);
	COLLECT(s, q, a, rows, n, struct ordex_payment_row, read_payment, "read payments");
}

static int s_refund_record(struct ordex_store *st, const struct ordex_scope *sc, int64_t payment_id,
                           const char *ref, int64_t amount, const char *currency, int64_t at,
                           int64_t seq, bool void_, int64_t *added)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_REFUND_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, ref);
	sqlite3_bind_int64(q, 4, payment_id);
	int rc = sqlite3_step(q);
	int64_t old = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	bool was_void = rc == SQLITE_ROW && sqlite3_column_int(q, 1) != 0;
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "read a refund");
	bool exists = rc == SQLITE_ROW;
	*added = 0;
	/* a failed or canceled refund counts nothing, for good; otherwise a refund
	 * only grows: a smaller amount for the same refund is an older fact */
	if (exists && (was_void || (!void_ && amount <= old)))
		return ORDEX_OK;
	int64_t counted = void_ ? 0 : amount;
	if (!(q = stmt(s, exists ? S_REFUND_UPDATE : S_REFUND_INSERT)))
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	if (exists) {
		bind_text(q, 3, ref);
		sqlite3_bind_int64(q, 4, counted);
		sqlite3_bind_int64(q, 5, at);
		sqlite3_bind_int64(q, 6, seq);
		sqlite3_bind_int64(q, 7, payment_id);
		sqlite3_bind_int(q, 8, void_);
	} else {
		sqlite3_bind_int64(q, 3, payment_id);
		bind_text(q, 4, ref);
		sqlite3_bind_int64(q, 5, counted);
		bind_text(q, 6, currency);
		sqlite3_bind_int64(q, 7, at);
		sqlite3_bind_int64(q, 8, seq);
		sqlite3_bind_int(q, 9, void_);
	}
	*added = counted - old;
	return exec(s, q, "store a refund");
}

/* ---- shipments --------------------------------------------------------- */

static void read_shipment(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_shipment_row *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->ref = col_text(q, 1, a);
	r->order_ref = col_text(q, 2, a);
	r->carrier = col_text(q, 3, a);
	r->tracking = col_text(q, 4, a);
	r->status = sqlite3_column_int(q, 5);
	r->status_at = sqlite3_column_int64(q, 6);
	r->status_seq = sqlite3_column_int64(q, 7);
	r->eta = sqlite3_column_int64(q, 8);
	r->eta_seq = sqlite3_column_int64(q, 9);
	r->delivered_at = sqlite3_column_int64(q, 10);
	r->location = col_text(q, 11, a);
	r->reason = col_text(q, 12, a);
	r->updated_seq = sqlite3_column_int64(q, 13);
}

static int s_shipment_get(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
                          struct ordex_arena *a, struct ordex_shipment_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SHIPMENT_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, ref);
	ONE_ROW(
	    s, q,
	    {
		    memset(out, 0, sizeof(*out));
		    read_shipment(q, a, out);
	    },
	    "read a shipment");
}

static int s_shipment_put(struct ordex_store *st, const struct ordex_scope *sc,
                          struct ordex_shipment_row *r)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, r->id ? S_SHIPMENT_UPDATE : S_SHIPMENT_INSERT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, r->ref);
	bind_text(q, 4, r->order_ref);
	bind_text(q, 5, r->carrier);
	bind_text(q, 6, r->tracking);
	sqlite3_bind_int(q, 7, r->status);
	sqlite3_bind_int64(q, 8, r->status_at);
	sqlite3_bind_int64(q, 9, r->status_seq);
	sqlite3_bind_int64(q, 10, r->eta);
	sqlite3_bind_int64(q, 11, r->eta_seq);
	sqlite3_bind_int64(q, 12, r->delivered_at);
	bind_text(q, 13, r->location);
	bind_text(q, 14, r->reason);
	sqlite3_bind_int64(q, 15, r->updated_seq);
	bool update = r->id != 0;
	int rc = exec(s, q, "store a shipment");
	if (rc == ORDEX_OK && update)
		rc = update_keys(s, S_SHIPMENT_KEYS, sc, r->id, r->order_ref, r->tracking, false, 0,
		                 "store a shipment");
	if (rc == ORDEX_OK && !r->id)
		r->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int s_shipment_by_tracking(struct ordex_store *st, const struct ordex_scope *sc,
                                  const char *tracking, struct ordex_arena *a,
                                  struct ordex_shipment_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SHIPMENT_TRACKING);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, tracking);
	ONE_ROW(
	    s, q,
	    {
		    memset(out, 0, sizeof(*out));
		    read_shipment(q, a, out);
	    },
	    "find a shipment by tracking number");
}

static int s_shipments_for_order(struct ordex_store *st, const struct ordex_scope *sc,
                                 const char *order_ref, struct ordex_arena *a,
                                 struct ordex_shipment_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SHIPMENTS_ORDER);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, order_ref);
	COLLECT(s, q, a, rows, n, struct ordex_shipment_row, read_shipment, "read shipments");
}

/* ---- inventory --------------------------------------------------------- */

static int s_inventory_put(struct ordex_store *st, const struct ordex_scope *sc, const char *sku,
                           const char *location, int64_t available, int64_t as_of, int64_t seq,
                           bool *applied)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_INV_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, sku);
	bind_text(q, 4, location);
	int rc = sqlite3_step(q);
	int64_t old_as_of = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : INT64_MIN;
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "read inventory");
	*applied = as_of >= old_as_of;
	if (!*applied)
		return ORDEX_OK;
	if (!(q = stmt(s, S_INV_PUT)))
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, sku);
	bind_text(q, 4, location);
	sqlite3_bind_int64(q, 5, available);
	sqlite3_bind_int64(q, 6, as_of);
	sqlite3_bind_int64(q, 7, seq);
	return exec(s, q, "store inventory");
}

static int s_inventory_relocate(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *from, const char *to, struct ordex_arena *a,
                                const char ***skus, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_INV_AT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, from);
	size_t cap = 8, cnt = 0;
	const char **sk = ordex_arena_alloc(a, cap * sizeof(*sk));
	int64_t *av = ordex_arena_alloc(a, cap * sizeof(*av)), *at = ordex_arena_alloc(a, cap * 8),
	        *sq = ordex_arena_alloc(a, cap * 8);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (cnt == cap) {
			const char **g = ordex_arena_alloc(a, 2 * cap * sizeof(*g));
			int64_t *g1 = ordex_arena_alloc(a, 2 * cap * 8),
			        *g2 = ordex_arena_alloc(a, 2 * cap * 8),
			        *g3 = ordex_arena_alloc(a, 2 * cap * 8);
			memcpy(g, sk, cap * sizeof(*g));
			memcpy(g1, av, cap * 8);
			memcpy(g2, at, cap * 8);
			memcpy(g3, sq, cap * 8);
			sk = g, av = g1, at = g2, sq = g3;
			cap *= 2;
		}
		sk[cnt] = col_text(q, 0, a);
		av[cnt] = sqlite3_column_int64(q, 1);
		at[cnt] = sqlite3_column_int64(q, 2);
		sq[cnt] = sqlite3_column_int64(q, 3);
		cnt++;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return fail(s, "read a location's stock");
	for (size_t i = 0; i < cnt; i++) {
		bool applied;
		if ((rc = s_inventory_put(st, sc, sk[i], to, av[i], at[i], sq[i], &applied)))
			return rc;
		if (!(q = stmt(s, S_INV_DELETE)))
			return ORDEX_E_STORE;
		bind_scope(q, sc);
		bind_text(q, 3, sk[i]);
		bind_text(q, 4, from);
		if ((rc = exec(s, q, "move a location's stock")))
			return rc;
	}
	*skus = sk;
	*n = cnt;
	return ORDEX_OK;
}

static int s_warehouse_alias_put(struct ordex_store *st, const struct ordex_scope *sc,
                                 const char *source, const char *location, const char *warehouse,
                                 int64_t seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_WH_ALIAS_PUT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, location);
	bind_text(q, 5, warehouse);
	sqlite3_bind_int64(q, 6, seq);
	return exec(s, q, "store a warehouse alias");
}

static int s_warehouse_alias_get(struct ordex_store *st, const struct ordex_scope *sc,
                                 const char *source, const char *location, struct ordex_arena *a,
                                 const char **warehouse)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_WH_ALIAS_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, location);
	ONE_ROW(
	    s, q, { *warehouse = col_text(q, 0, a); }, "look up a warehouse alias");
}

/* ---- customers --------------------------------------------------------- */

static void read_customer(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_customer_row *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(q, 0);
	c->ref = col_text(q, 1, a);
	c->email = col_text(q, 2, a);
	c->email_norm = col_text(q, 3, a);
	c->name = col_text(q, 4, a);
	c->updated_seq = sqlite3_column_int64(q, 5);
	c->name_norm = col_text(q, 6, a);
}

static int customer_one(struct sqlite_store *s, sqlite3_stmt *q, struct ordex_arena *a,
                        struct ordex_customer_row *out)
{
	ONE_ROW(
	    s, q, { read_customer(q, a, out); }, "read a customer");
}

static int s_customer_get(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
                          struct ordex_arena *a, struct ordex_customer_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CUSTOMER_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, ref);
	return customer_one(s, q, a, out);
}

static int s_customer_by_email(struct ordex_store *st, const struct ordex_scope *sc,
                               const char *email_norm, struct ordex_arena *a,
                               struct ordex_customer_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CUSTOMER_EMAIL);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, email_norm);
	return customer_one(s, q, a, out);
}

static int s_customers_by_name(struct ordex_store *st, const struct ordex_scope *sc,
                               const char *name_norm, const char *ref, struct ordex_arena *a,
                               struct ordex_customer_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CUSTOMERS_NAME);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, name_norm);
	bind_text(q, 4, ref);
	COLLECT(s, q, a, rows, n, struct ordex_customer_row, read_customer, "find namesakes");
}

static int s_customer_put(struct ordex_store *st, const struct ordex_scope *sc,
                          struct ordex_customer_row *c)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, c->id ? S_CUSTOMER_UPDATE : S_CUSTOMER_INSERT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, c->ref);
	bind_text(q, 4, c->email);
	bind_text(q, 5, c->email_norm);
	bind_text(q, 6, c->name);
	sqlite3_bind_int64(q, 7, c->updated_seq);
	bind_text(q, 8, c->name_norm);
	int rc = exec(s, q, "store a customer");
	if (rc == ORDEX_OK && !c->id)
		c->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/* ---- exceptions -------------------------------------------------------- */

static void read_exception(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_exception_row *e)
{
	e->id = sqlite3_column_int64(q, 0);
	e->order_ref = col_text(q, 1, a);
	e->kind = col_text(q, 2, a);
	e->subject = col_text(q, 3, a);
	e->status = col_text(q, 4, a);
	e->severity = col_text(q, 5, a);
	e->priority = sqlite3_column_int(q, 6);
	e->why = col_text(q, 7, a);
	e->evidence = col_text(q, 8, a);
	e->seen = sqlite3_column_int(q, 9);
	e->opened_at = sqlite3_column_int64(q, 10);
	e->updated_at = sqlite3_column_int64(q, 11);
	e->resolved_at = sqlite3_column_int64(q, 12);
	e->resolution = col_text(q, 13, a);
	e->updated_seq = sqlite3_column_int64(q, 14);
}

static int s_exceptions_for_order(struct ordex_store *st, const struct ordex_scope *sc,
                                  const char *order_ref, struct ordex_arena *a,
                                  struct ordex_exception_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_EXC_ORDER);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, order_ref);
	COLLECT(s, q, a, rows, n, struct ordex_exception_row, read_exception, "read exceptions");
}

static int s_exception_put(struct ordex_store *st, const struct ordex_scope *sc,
                           struct ordex_exception_row *e)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q;
	if (e->id) {
		if (!(q = stmt(s, S_EXC_UPDATE)))
			return ORDEX_E_STORE;
		sqlite3_bind_int64(q, 17, e->id);
	} else if (!(q = stmt(s, S_EXC_INSERT))) {
		return ORDEX_E_STORE;
	}
	bind_scope(q, sc);
	int i = 3;
	if (!e->id) {
		bind_text(q, i++, e->order_ref);
		bind_text(q, i++, e->kind);
		bind_text(q, i++, e->subject);
	} else {
		i = 6;
	}
	bind_text(q, i++, e->status);
	bind_text(q, i++, e->severity);
	sqlite3_bind_int(q, i++, e->priority);
	bind_text(q, i++, e->why);
	bind_text(q, i++, e->evidence);
	sqlite3_bind_int(q, i++, e->seen);
	sqlite3_bind_int64(q, i++, e->opened_at);
	sqlite3_bind_int64(q, i++, e->updated_at);
	sqlite3_bind_int64(q, i++, e->resolved_at);
	bind_text(q, i++, e->resolution);
	sqlite3_bind_int64(q, i++, e->updated_seq);
	int rc = exec(s, q, "store an exception");
	if (rc == ORDEX_OK && e->id)
		rc = update_keys(s, S_EXC_KEYS, sc, e->id, e->status, NULL, true, e->priority,
		                 "store an exception");
	else if (rc == ORDEX_OK)
		e->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/*
 * The exception list is the one query with optional filters; it is built
 * from fixed fragments (never from input) and prepared per call, which
 * SQLite does in microseconds.
 */
static int s_exception_list(struct ordex_store *st, const struct ordex_scope *sc,
                            const struct ordex_exception_filter *f, struct ordex_arena *a,
                            struct ordex_exception_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	char q_sql[1024];
	bool scoped = f->brand || f->region || f->segment;
	snprintf(q_sql, sizeof(q_sql),
	         "SELECT " EXC_COLS
	         " FROM exceptions WHERE tenant = ?1 AND environment = ?2%s%s%s%s%s"
	         " ORDER BY priority DESC, id LIMIT ?7",
	         f->kind ? " AND kind = ?3" : "", f->status ? " AND status = ?4" : "",
	         f->order_ref ? " AND order_ref = ?5" : "",
	         f->after_set ? " AND (priority < ?6 OR (priority = ?6 AND id > ?8))" : "",
	         scoped ? " AND order_ref IN (SELECT ref FROM orders WHERE tenant = ?1 AND "
	                  "environment = ?2 AND (?9 IS NULL OR brand = ?9) AND (?10 IS NULL OR "
	                  "region = ?10) AND (?11 IS NULL OR segment = ?11))"
	                : "");
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, q_sql, -1, &q, NULL) != SQLITE_OK)
		return fail(s, "list exceptions");
	bind_scope(q, sc);
	if (f->kind)
		bind_text(q, 3, f->kind);
	if (f->status)
		bind_text(q, 4, f->status);
	if (f->order_ref)
		bind_text(q, 5, f->order_ref);
	if (f->after_set) {
		sqlite3_bind_int(q, 6, f->after_priority);
		sqlite3_bind_int64(q, 8, f->after_id);
	}
	sqlite3_bind_int(q, 7, f->limit > 0 ? f->limit : 100);
	if (scoped) {
		bind_text(q, 9, f->brand);
		bind_text(q, 10, f->region);
		bind_text(q, 11, f->segment);
	}
	size_t cap = 16, cnt = 0;
	struct ordex_exception_row *r = ordex_arena_alloc(a, cap * sizeof(*r));
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (cnt == cap) {
			struct ordex_exception_row *g = ordex_arena_alloc(a, 2 * cap * sizeof(*r));
			memcpy(g, r, cap * sizeof(*r));
			r = g;
			cap *= 2;
		}
		memset(&r[cnt], 0, sizeof(*r));
		read_exception(q, a, &r[cnt++]);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return fail(s, "list exceptions");
	*rows = r;
	*n = cnt;
	return ORDEX_OK;
}

static int s_exception_count(struct ordex_store *st, const struct ordex_scope *sc,
                             const char *status, int64_t *n)
{
	sqlite3_stmt *q = stmt(S(st), S_EXC_COUNT);
	if (q) {
		bind_scope(q, sc);
		bind_text(q, 3, status);
	}
	return count_query(S(st), q, n);
}

/* ---- connectors -------------------------------------------------------- */

static int one_id(struct sqlite_store *s, sqlite3_stmt *q, int64_t *id, const char *what)
{
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return ORDEX_E_NOTFOUND;
	return rc == SQLITE_ROW ? ORDEX_OK : fail(s, what);
}

static int s_connector_get(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
                           int64_t *id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CONNECTOR_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	return one_id(s, q, id, "read a connector");
}

static int s_connector_create(struct ordex_store *st, const struct ordex_scope *sc,
                              const char *source, const char *public_id, int64_t *id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CONNECTOR_CREATE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	sqlite3_bind_int64(q, 4, ordex_time_now());
	bind_text(q, 5, public_id);
	return insert_id(s, q, id, "create a connector");
}

static void read_connector(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_connector_info *c)
{
	(void)a;
	c->id = sqlite3_column_int64(q, 0);
	c->tenant = sqlite3_column_int64(q, 1);
	snprintf(c->env, sizeof(c->env), "%s", (const char *)sqlite3_column_text(q, 2));
	snprintf(c->source, sizeof(c->source), "%s", (const char *)sqlite3_column_text(q, 3));
	const unsigned char *p = sqlite3_column_text(q, 4);
	snprintf(c->public_id, sizeof(c->public_id), "%s", p ? (const char *)p : "");
	c->created_at = sqlite3_column_int64(q, 5);
	c->rate_per_key = c->rate_per_tenant = 0;
}

/* A connector found by its public id, with its tenant's rate limits. */
static void read_public_connector(sqlite3_stmt *q, struct ordex_connector_info *c)
{
	read_connector(q, NULL, c);
	c->rate_per_key = sqlite3_column_double(q, 6);
	c->rate_per_tenant = sqlite3_column_double(q, 7);
}

static int s_connector_by_public(struct ordex_store *st, const char *public_id,
                                 struct ordex_connector_info *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CONNECTOR_PUBLIC);
	if (!q)
		return ORDEX_E_STORE;
	bind_text(q, 1, public_id);
	ONE_ROW(
	    s, q, { read_public_connector(q, out); }, "read a connector");
}

static int s_connectors_list(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_arena *a, struct ordex_connector_info **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CONNECTORS_LIST);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	COLLECT(s, q, a, rows, n, struct ordex_connector_info, read_connector, "list connectors");
}

static int s_secret_add(struct ordex_store *st, const struct ordex_scope *sc, int64_t connector,
                        const unsigned char *sealed, size_t len, const char *hint, int64_t *id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SECRET_ADD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, connector);
	sqlite3_bind_blob(q, 4, sealed, (int)len, SQLITE_STATIC);
	bind_text(q, 5, hint);
	sqlite3_bind_int64(q, 6, ordex_time_now());
	return insert_id(s, q, id, "store a secret");
}

static void read_secret(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_secret_row *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->sealed_len = (size_t)sqlite3_column_bytes(q, 1);
	unsigned char *p = ordex_arena_alloc(a, r->sealed_len + 1);
	if (r->sealed_len)
		memcpy(p, sqlite3_column_blob(q, 1), r->sealed_len);
	r->sealed = p;
	r->hint = col_text(q, 2, a);
	r->created_at = sqlite3_column_int64(q, 3);
	r->expires_at = sqlite3_column_int64(q, 4);
}

static int s_secrets_list(struct ordex_store *st, const struct ordex_scope *sc, int64_t connector,
                          struct ordex_arena *a, struct ordex_secret_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SECRETS_LIST);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, connector);
	COLLECT(s, q, a, rows, n, struct ordex_secret_row, read_secret, "read secrets");
}

static int s_secrets_elsewhere(struct ordex_store *st, const struct ordex_scope *sc, int64_t now,
                               struct ordex_arena *a, struct ordex_secret_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SECRETS_ELSEWHERE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, now);
	COLLECT(s, q, a, rows, n, struct ordex_secret_row, read_secret, "read secrets");
}

static int s_secret_expire(struct ordex_store *st, const struct ordex_scope *sc, int64_t connector,
                           int64_t id, int64_t expires_at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SECRET_EXPIRE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, connector);
	sqlite3_bind_int64(q, 4, id);
	sqlite3_bind_int64(q, 5, expires_at);
	return exec(s, q, "expire a secret");
}

/* ---- deliveries -------------------------------------------------------- */

static int s_delivery_find(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
                           const char *delivery_id, int64_t *id, unsigned char sha256[32])
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_DELIVERY_FIND);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, delivery_id);
	ONE_ROW(
	    s, q,
	    {
		    *id = sqlite3_column_int64(q, 0);
		    memset(sha256, 0, 32);
		    if (sqlite3_column_bytes(q, 1) == 32)
			    memcpy(sha256, sqlite3_column_blob(q, 1), 32);
	    },
	    "look up a delivery");
}

static int s_delivery_insert(struct ordex_store *st, const struct ordex_scope *sc,
                             const struct ordex_delivery *d, int64_t *id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_DELIVERY_INSERT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, d->source);
	bind_text(q, 4, d->delivery_id);
	bind_text(q, 5, d->topic);
	bind_text(q, 6, d->kind);
	bind_text(q, 7, d->outcome);
	bind_text(q, 8, d->note);
	sqlite3_bind_int(q, 9, d->events);
	sqlite3_bind_int64(q, 10, d->received_at);
	sqlite3_bind_blob(q, 11, d->sha256, 32, SQLITE_STATIC);
	sqlite3_bind_blob(q, 12, d->raw, (int)d->raw_len, SQLITE_STATIC);
	return insert_id(s, q, id, "store a delivery");
}

static int s_delivery_stats(struct ordex_store *st, const struct ordex_scope *sc,
                            ordex_delivery_stat_fn fn, void *ctx)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_DELIVERY_STATS);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	int rc, out = ORDEX_OK;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if ((out = fn(ctx, (const char *)sqlite3_column_text(q, 0),
		              (const char *)sqlite3_column_text(q, 1),
		              (const char *)sqlite3_column_text(q, 2), sqlite3_column_int64(q, 3))))
			break;
	sqlite3_reset(q);
	if (out == ORDEX_OK && rc != SQLITE_DONE)
		return fail(s, "count deliveries");
	return out;
}

/* ---- identity ---------------------------------------------------------- */

static int s_alias_put(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
                       const char *ext_id, const char *ref, int64_t seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_ALIAS_PUT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, ext_id);
	bind_text(q, 5, ref);
	sqlite3_bind_int64(q, 6, seq);
	return exec(s, q, "store an alias");
}

static int s_alias_get(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
                       const char *ext_id, struct ordex_arena *a, const char **ref)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, source ? S_ALIAS_GET : S_ALIAS_GET_ANY);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, ext_id);
	ONE_ROW(
	    s, q, { *ref = col_text(q, 0, a); }, "look up an alias");
}

static int s_pending_add(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
                         const char *ext_id, const char *subject_kind, const char *subject_ref,
                         int64_t event_seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_PENDING_ADD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, ext_id);
	bind_text(q, 5, subject_kind);
	bind_text(q, 6, subject_ref);
	sqlite3_bind_int64(q, 7, event_seq);
	return exec(s, q, "keep a link for later");
}

static void read_pending(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_pending_row *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->source = col_text(q, 1, a);
	r->ext_id = col_text(q, 2, a);
	r->subject_kind = col_text(q, 3, a);
	r->subject_ref = col_text(q, 4, a);
	r->event_seq = sqlite3_column_int64(q, 5);
}

static int pending_collect(struct sqlite_store *s, sqlite3_stmt *q, struct ordex_arena *a,
                           struct ordex_pending_row **rows, size_t *n)
{
	COLLECT(s, q, a, rows, n, struct ordex_pending_row, read_pending, "read pending links");
}

static int s_pending_take(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
                          const char *ext_id, struct ordex_arena *a,
                          struct ordex_pending_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_PENDING_FIND);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, ext_id);
	int rc = pending_collect(s, q, a, rows, n);
	if (rc || *n == 0)
		return rc;
	if (!(q = stmt(s, S_PENDING_DELETE)))
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, ext_id);
	return exec(s, q, "remove pending links");
}

static int s_pending_drop_event(struct ordex_store *st, const struct ordex_scope *sc,
                                int64_t event_seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_PENDING_DROP_EVENT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, event_seq);
	return exec(s, q, "forget a waiting event");
}

/* ---- tickets and issues ------------------------------------------------ */

static void read_ticket(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_ticket_row *t)
{
	t->id = sqlite3_column_int64(q, 0);
	t->ref = col_text(q, 1, a);
	t->order_ref = col_text(q, 2, a);
	t->customer = col_text(q, 3, a);
	t->email = col_text(q, 4, a);
	t->subject = col_text(q, 5, a);
	t->status = col_text(q, 6, a);
	t->priority = col_text(q, 7, a);
	t->status_at = sqlite3_column_int64(q, 8);
	t->updated_seq = sqlite3_column_int64(q, 9);
}

static int s_ticket_get(struct ordex_store *st, const struct ordex_scope *sc, const char *ref,
                        struct ordex_arena *a, struct ordex_ticket_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_TICKET_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, ref);
	ONE_ROW(
	    s, q,
	    {
		    memset(out, 0, sizeof(*out));
		    read_ticket(q, a, out);
	    },
	    "read a ticket");
}

static int s_ticket_put(struct ordex_store *st, const struct ordex_scope *sc,
                        struct ordex_ticket_row *t)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, t->id ? S_TICKET_UPDATE : S_TICKET_INSERT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, t->ref);
	bind_text(q, 4, t->order_ref);
	bind_text(q, 5, t->customer);
	bind_text(q, 6, t->email);
	bind_text(q, 7, t->subject);
	bind_text(q, 8, t->status);
	bind_text(q, 9, t->priority);
	sqlite3_bind_int64(q, 10, t->status_at);
	sqlite3_bind_int64(q, 11, t->updated_seq);
	int64_t id;
	int rc = insert_id(s, q, &id, "store a ticket");
	if (rc == ORDEX_OK && !t->id)
		t->id = id;
	return rc;
}

static int s_tickets_for_order(struct ordex_store *st, const struct ordex_scope *sc,
                               const char *order_ref, struct ordex_arena *a,
                               struct ordex_ticket_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_TICKETS_ORDER);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, order_ref);
	COLLECT(s, q, a, rows, n, struct ordex_ticket_row, read_ticket, "read tickets");
}

static int s_issue_put(struct ordex_store *st, const struct ordex_scope *sc, const char *order_ref,
                       const char *key, const char *reason, int64_t seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_ISSUE_PUT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, order_ref);
	bind_text(q, 4, key);
	bind_text(q, 5, reason);
	sqlite3_bind_int64(q, 6, seq);
	return exec(s, q, "store a data issue");
}

static void read_issue(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_issue_row *r)
{
	r->key = col_text(q, 0, a);
	r->reason = col_text(q, 1, a);
	r->seq = sqlite3_column_int64(q, 2);
}

static int s_issues_for_order(struct ordex_store *st, const struct ordex_scope *sc,
                              const char *order_ref, struct ordex_arena *a,
                              struct ordex_issue_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_ISSUES_ORDER);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, order_ref);
	COLLECT(s, q, a, rows, n, struct ordex_issue_row, read_issue, "read data issues");
}

/* ---- identity suggestions ---------------------------------------------- */

static int s_shipment_alias_put(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *name, const char *ref, int64_t seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SHIP_ALIAS_PUT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, name);
	bind_text(q, 4, ref);
	sqlite3_bind_int64(q, 5, seq);
	return exec(s, q, "store a shipment alias");
}

static int s_shipment_alias_get(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *name, struct ordex_arena *a, const char **ref)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SHIP_ALIAS_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, name);
	ONE_ROW(
	    s, q, { *ref = col_text(q, 0, a); }, "look up a shipment alias");
}

static int s_sku_alias_put(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
                           const char *item, const char *sku, int64_t seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SKU_ALIAS_PUT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, item);
	bind_text(q, 5, sku);
	sqlite3_bind_int64(q, 6, seq);
	return exec(s, q, "store a SKU alias");
}

static int s_sku_alias_get(struct ordex_store *st, const struct ordex_scope *sc, const char *source,
                           const char *item, struct ordex_arena *a, const char **sku)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SKU_ALIAS_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, source);
	bind_text(q, 4, item);
	ONE_ROW(
	    s, q, { *sku = col_text(q, 0, a); }, "look up a SKU alias");
}

static int s_customer_alias_put(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *email_norm, const char *customer_ref, int64_t seq)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CALIAS_PUT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, email_norm);
	bind_text(q, 4, customer_ref);
	sqlite3_bind_int64(q, 5, seq);
	return exec(s, q, "store a customer e-mail");
}

static int s_customer_alias_delete(struct ordex_store *st, const struct ordex_scope *sc,
                                   const char *email_norm)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CALIAS_DELETE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, email_norm);
	return exec(s, q, "remove a customer e-mail");
}

static int s_customer_alias_get(struct ordex_store *st, const struct ordex_scope *sc,
                                const char *email_norm, struct ordex_arena *a, const char **ref)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_CALIAS_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, email_norm);
	ONE_ROW(
	    s, q, { *ref = col_text(q, 0, a); }, "read a customer e-mail");
}

static int s_orders_relink_customer(struct ordex_store *st, const struct ordex_scope *sc,
                                    const char *email_norm, const char *from, const char *to,
                                    int64_t *changed)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_ORDERS_RELINK);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, email_norm);
	bind_text(q, 4, from);
	bind_text(q, 5, to);
	order_forget(s); /* writes orders other than through s_order_put */
	int rc = exec(s, q, "relink orders to a customer");
	if (rc == ORDEX_OK && changed)
		*changed = sqlite3_changes(s->db);
	return rc;
}

static int s_suggestion_add(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
                            const char *ref_a, const char *ref_b, const char *reason, int64_t seq,
                            bool *added)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SUGGESTION_ADD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, kind);
	bind_text(q, 4, ref_a);
	bind_text(q, 5, ref_b);
	bind_text(q, 6, reason);
	sqlite3_bind_int64(q, 7, seq);
	int rc = exec(s, q, "store a suggestion");
	*added = rc == ORDEX_OK && sqlite3_changes(s->db) > 0;
	return rc;
}

static void read_suggestion(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_suggestion_row *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->kind = col_text(q, 1, a);
	r->ref_a = col_text(q, 2, a);
	r->ref_b = col_text(q, 3, a);
	r->reason = col_text(q, 4, a);
	r->status = col_text(q, 5, a);
	r->created_seq = sqlite3_column_int64(q, 6);
}

static int s_suggestion_list(struct ordex_store *st, const struct ordex_scope *sc,
                             const char *status, struct ordex_arena *a,
                             struct ordex_suggestion_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, status ? S_SUGGESTION_LIST : S_SUGGESTION_LIST_ALL);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	if (status)
		bind_text(q, 3, status);
	COLLECT(s, q, a, rows, n, struct ordex_suggestion_row, read_suggestion, "read suggestions");
}

static int s_suggestion_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                            struct ordex_arena *a, struct ordex_suggestion_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SUGGESTION_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	ONE_ROW(
	    s, q, { read_suggestion(q, a, out); }, "read a suggestion");
}

static int s_suggestion_decide(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                               const char *status, const char *by, int64_t at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SUGGESTION_DECIDE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	bind_text(q, 4, status);
	bind_text(q, 5, by);
	sqlite3_bind_int64(q, 6, at);
	return exec(s, q, "decide a suggestion");
}

/* ---- audit ------------------------------------------------------------- */

static int s_audit_head(struct ordex_store *st, int64_t tenant, int64_t *seq,
                        unsigned char hash[32])
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_AUDIT_HEAD);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, tenant);
	ONE_ROW(
	    s, q,
	    {
		    *seq = sqlite3_column_int64(q, 0);
		    memset(hash, 0, 32);
		    if (sqlite3_column_bytes(q, 1) == 32)
			    memcpy(hash, sqlite3_column_blob(q, 1), 32);
	    },
	    "read the audit head");
}

static int s_audit_append(struct ordex_store *st, const struct ordex_audit_row *r)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_AUDIT_APPEND);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, r->tenant);
	sqlite3_bind_int64(q, 2, r->seq);
	bind_text(q, 3, r->env);
	sqlite3_bind_int64(q, 4, r->at);
	bind_text(q, 5, r->kind);
	bind_text(q, 6, r->subject);
	bind_text(q, 7, r->body);
	sqlite3_bind_blob(q, 8, r->prev, 32, SQLITE_STATIC);
	sqlite3_bind_blob(q, 9, r->hash, 32, SQLITE_STATIC);
	return exec(s, q, "append to the audit log");
}

static int s_audit_scan(struct ordex_store *st, int64_t tenant, ordex_audit_fn fn, void *ctx)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_AUDIT_SCAN);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, tenant);
	int rc, out = ORDEX_OK;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct ordex_audit_row r = {0};
		r.tenant = sqlite3_column_int64(q, 0);
		r.seq = sqlite3_column_int64(q, 1);
		r.env = (const char *)sqlite3_column_text(q, 2);
		r.at = sqlite3_column_int64(q, 3);
		r.kind = (const char *)sqlite3_column_text(q, 4);
		r.subject = (const char *)sqlite3_column_text(q, 5);
		r.body = (const char *)sqlite3_column_text(q, 6);
		if (sqlite3_column_bytes(q, 7) == 32)
			memcpy(r.prev, sqlite3_column_blob(q, 7), 32);
		if (sqlite3_column_bytes(q, 8) == 32)
			memcpy(r.hash, sqlite3_column_blob(q, 8), 32);
		if (!r.env || !r.kind || !r.subject || !r.body) {
			out = ORDEX_E_CORRUPT;
			break;
		}
		if ((out = fn(ctx, &r)) != ORDEX_OK)
			break;
	}
	sqlite3_reset(q);
	if (out == ORDEX_OK && rc != SQLITE_DONE)
		return fail(s, "read the audit log");
	return out;
}

static int s_audit_list(struct ordex_store *st, const struct ordex_scope *sc, const char *kind,
                        const char *subject, int64_t before_seq, int limit, struct ordex_arena *a,
                        struct ordex_audit_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_AUDIT_LIST);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, sc->tenant);
	sqlite3_bind_text(q, 2, sc->env, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, before_seq);
	if (kind)
		sqlite3_bind_text(q, 4, kind, -1, SQLITE_STATIC);
	if (subject)
		sqlite3_bind_text(q, 5, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 6, limit);
	*rows = ordex_arena_alloc(a, sizeof(**rows) * (size_t)(limit > 0 ? limit : 1));
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < (size_t)limit) {
		struct ordex_audit_row *r = &(*rows)[(*n)++];
		memset(r, 0, sizeof(*r));
		r->tenant = sqlite3_column_int64(q, 0);
		r->seq = sqlite3_column_int64(q, 1);
		r->env = ordex_arena_strdup(a, (const char *)sqlite3_column_text(q, 2));
		r->at = sqlite3_column_int64(q, 3);
		r->kind = ordex_arena_strdup(a, (const char *)sqlite3_column_text(q, 4));
		r->subject = ordex_arena_strdup(a, (const char *)sqlite3_column_text(q, 5));
		r->body = ordex_arena_strdup(a, (const char *)sqlite3_column_text(q, 6));
		if (sqlite3_column_bytes(q, 7) == 32)
			memcpy(r->prev, sqlite3_column_blob(q, 7), 32);
		if (sqlite3_column_bytes(q, 8) == 32)
			memcpy(r->hash, sqlite3_column_blob(q, 8), 32);
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(s, "list the audit log");
	return ORDEX_OK;
}

static int s_audit_tenants(struct ordex_store *st, int64_t **tenants, size_t *n,
                           struct ordex_arena *a)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_AUDIT_TENANTS);
	if (!q)
		return ORDEX_E_STORE;
	size_t cap = 8, cnt = 0;
	int64_t *t = ordex_arena_alloc(a, cap * sizeof(*t));
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (cnt == cap) {
			int64_t *g = ordex_arena_alloc(a, 2 * cap * sizeof(*t));
			memcpy(g, t, cap * sizeof(*t));
			t = g;
			cap *= 2;
		}
		t[cnt++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return fail(s, "list audit tenants");
	*tenants = t;
	*n = cnt;
	return ORDEX_OK;
}

/* ---- open, migrate, close ---------------------------------------------- */

/* ---- people and sessions ----------------------------------------------- */

static void read_user(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_user_row *u)
{
	u->id = sqlite3_column_int64(q, 0);
	u->username = col_text(q, 1, a);
	u->pwhash = col_text(q, 2, a);
	u->role = col_text(q, 3, a);
	u->created_by = col_text(q, 4, a);
	u->scopes = (unsigned)sqlite3_column_int64(q, 5);
	u->created_at = sqlite3_column_int64(q, 6);
	u->disabled_at = sqlite3_column_int64(q, 7);
	u->brand = col_text(q, 8, a);
	u->region = col_text(q, 9, a);
	u->segment = col_text(q, 10, a);
	u->last_sign_in_at = sqlite3_column_int64(q, 11);
	u->last_seen_at = sqlite3_column_int64(q, 12);
}

static int s_user_create(struct ordex_store *st, const struct ordex_scope *sc, const char *username,
                         const char *pwhash, const char *role, unsigned scopes,
                         const char *const customers[3], const char *created_by, int64_t *id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_USER_CREATE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, username);
	bind_text(q, 4, pwhash);
	bind_text(q, 5, role);
	sqlite3_bind_int64(q, 6, scopes);
	sqlite3_bind_int64(q, 7, ordex_time_now());
	bind_text(q, 8, created_by);
	for (int i = 0; i < 3; i++)
		bind_text(q, 9 + i, customers ? customers[i] : NULL);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_CONSTRAINT)
		return ORDEX_E_CONFLICT;
	if (rc != SQLITE_DONE)
		return fail(s, "create a user");
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return ORDEX_OK;
}

static int s_user_find(struct ordex_store *st, const struct ordex_scope *sc, const char *username,
                       struct ordex_arena *a, struct ordex_user_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_USER_FIND);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, username);
	ONE_ROW(
	    s, q, { read_user(q, a, out); }, "read a user");
}

static int s_user_list(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                       struct ordex_user_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_USER_LIST);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	COLLECT(s, q, a, rows, n, struct ordex_user_row, read_user, "list users");
}

static int s_user_disable(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                          int64_t at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_USER_DISABLE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	sqlite3_bind_int64(q, 4, at);
	int rc = exec(s, q, "disable a user");
	if (rc == ORDEX_OK && sqlite3_changes(s->db) == 0)
		return ORDEX_E_NOTFOUND;
	if (rc == ORDEX_OK && (q = stmt(s, S_USER_END_SESSIONS))) {
		bind_scope(q, sc);
		sqlite3_bind_int64(q, 3, id);
		sqlite3_bind_int64(q, 4, at);
		rc = exec(s, q, "end a user's sessions");
	}
	return rc;
}

static int s_session_create(struct ordex_store *st, const struct ordex_scope *sc, int64_t user_id,
                            const unsigned char token_hash[32], const char *csrf,
                            int64_t expires_at, int64_t *id)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SESSION_CREATE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, user_id);
	sqlite3_bind_blob(q, 4, token_hash, 32, SQLITE_STATIC);
	bind_text(q, 5, csrf);
	sqlite3_bind_int64(q, 6, ordex_time_now());
	sqlite3_bind_int64(q, 7, expires_at);
	int rc = exec(s, q, "start a session");
	if (rc == ORDEX_OK && id)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int s_session_lookup(struct ordex_store *st, const unsigned char token_hash[32],
                            struct ordex_session_info *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SESSION_LOOKUP);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_blob(q, 1, token_hash, 32, SQLITE_STATIC);
	ONE_ROW(
	    s, q,
	    {
		    out->session_id = sqlite3_column_int64(q, 0);
		    out->user_id = sqlite3_column_int64(q, 1);
		    out->tenant = sqlite3_column_int64(q, 2);
		    snprintf(out->env, sizeof(out->env), "%s",
		             (const char *)sqlite3_column_text(q, 3));
		    snprintf(out->username, sizeof(out->username), "%s",
		             (const char *)sqlite3_column_text(q, 4));
		    snprintf(out->role, sizeof(out->role), "%s",
		             (const char *)sqlite3_column_text(q, 5));
		    out->scopes = (unsigned)sqlite3_column_int64(q, 6);
		    snprintf(out->csrf, sizeof(out->csrf), "%s",
		             (const char *)sqlite3_column_text(q, 7));
		    out->expires_at = sqlite3_column_int64(q, 8);
		    out->rate_per_key = sqlite3_column_double(q, 9);
		    out->rate_per_tenant = sqlite3_column_double(q, 10);
		    snprintf(out->brand, sizeof(out->brand), "%s",
		             (const char *)sqlite3_column_text(q, 11));
		    snprintf(out->region, sizeof(out->region), "%s",
		             (const char *)sqlite3_column_text(q, 12));
		    snprintf(out->segment, sizeof(out->segment), "%s",
		             (const char *)sqlite3_column_text(q, 13));
		    out->ended_at = sqlite3_column_int64(q, 14);
		    out->disabled_at = sqlite3_column_int64(q, 15);
		    out->last_seen_at = sqlite3_column_int64(q, 16);
	    },
	    "look up a session");
}

static int s_scope_rules_get(struct ordex_store *st, const struct ordex_scope *sc,
                             struct ordex_arena *a, int64_t *version, const char **body,
                             int64_t *created_at, const char **created_by)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SCOPE_RULES_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	ONE_ROW(
	    s, q,
	    {
		    *version = sqlite3_column_int64(q, 0);
		    *body = col_text(q, 1, a);
		    if (created_at)
			    *created_at = sqlite3_column_int64(q, 2);
		    if (created_by)
			    *created_by = col_text(q, 3, a);
	    },
	    "read the scope rules");
}

static int s_scope_rules_put(struct ordex_store *st, const struct ordex_scope *sc, const char *body,
                             int64_t at, const char *by, int64_t *version)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SCOPE_RULES_PUT);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	bind_text(q, 3, body);
	sqlite3_bind_int64(q, 4, at);
	bind_text(q, 5, by);
	ONE_ROW(
	    s, q, { *version = sqlite3_column_int64(q, 0); }, "store the scope rules");
}

static int s_credential_touch(struct ordex_store *st, const struct ordex_scope *sc,
                              enum ordex_credential kind, int64_t id, int64_t at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, kind == ORDEX_CREDENTIAL_KEY ? S_KEY_TOUCH : S_SESSION_TOUCH);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	sqlite3_bind_int64(q, 4, at);
	return exec(s, q, "record a credential's use");
}

static int s_session_end(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                         int64_t at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_SESSION_END);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	sqlite3_bind_int64(q, 4, at);
	return exec(s, q, "end a session");
}

/* ---- metering ---------------------------------------------------------- */

static int s_usage_add(struct ordex_store *st, const struct ordex_scope *sc, int64_t hour,
                       const char *metric, int64_t n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_USAGE_ADD);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, hour);
	bind_text(q, 4, metric);
	sqlite3_bind_int64(q, 5, n);
	return exec(s, q, "count usage");
}

static void read_usage(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_usage_row *u)
{
	u->hour = sqlite3_column_int64(q, 0);
	u->metric = col_text(q, 1, a);
	u->count = sqlite3_column_int64(q, 2);
}

static int s_usage_list(struct ordex_store *st, const struct ordex_scope *sc, int64_t from_hour,
                        int64_t to_hour, int bucket, struct ordex_arena *a,
                        struct ordex_usage_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_USAGE_LIST);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, from_hour);
	sqlite3_bind_int64(q, 4, to_hour);
	sqlite3_bind_int(q, 5, bucket < 1 ? 1 : bucket);
	COLLECT(s, q, a, rows, n, struct ordex_usage_row, read_usage, "read usage");
}

/* ---- keys, listed and revoked ----------------------------------------- */

static int s_tenant_set_rates(struct ordex_store *st, int64_t tenant, double per_key,
                              double per_tenant)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_TENANT_RATES);
	if (!q)
		return ORDEX_E_STORE;
	sqlite3_bind_int64(q, 1, tenant);
	sqlite3_bind_double(q, 2, per_key);
	sqlite3_bind_double(q, 3, per_tenant);
	int rc = exec(s, q, "set rate limits");
	if (rc == ORDEX_OK && sqlite3_changes(s->db) == 0)
		rc = ORDEX_E_NOTFOUND;
	return rc;
}

static void read_key(sqlite3_stmt *q, struct ordex_arena *a, struct ordex_key_row *k)
{
	k->id = sqlite3_column_int64(q, 0);
	k->prefix = col_text(q, 1, a);
	k->name = col_text(q, 2, a);
	k->role = col_text(q, 3, a);
	k->created_by = col_text(q, 4, a);
	k->scopes = (unsigned)sqlite3_column_int64(q, 5);
	k->created_at = sqlite3_column_int64(q, 6);
	k->expires_at = sqlite3_column_int64(q, 7);
	k->revoked_at = sqlite3_column_int64(q, 8);
	k->brand = col_text(q, 9, a);
	k->region = col_text(q, 10, a);
	k->segment = col_text(q, 11, a);
	k->last_used_at = sqlite3_column_int64(q, 12);
}

static int s_key_list(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                      struct ordex_key_row **rows, size_t *n)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_KEY_LIST);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	COLLECT(s, q, a, rows, n, struct ordex_key_row, read_key, "list keys");
}

static int s_key_get(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                     struct ordex_arena *a, struct ordex_key_row *out)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_KEY_GET);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	ONE_ROW(
	    s, q, { read_key(q, a, out); }, "read a key");
}

static int s_key_revoke(struct ordex_store *st, const struct ordex_scope *sc, int64_t id,
                        int64_t at)
{
	struct sqlite_store *s = S(st);
	sqlite3_stmt *q = stmt(s, S_KEY_REVOKE);
	if (!q)
		return ORDEX_E_STORE;
	bind_scope(q, sc);
	sqlite3_bind_int64(q, 3, id);
	sqlite3_bind_int64(q, 4, at);
	int rc = exec(s, q, "revoke a key");
	if (rc == ORDEX_OK && sqlite3_changes(s->db) == 0) {
		struct ordex_arena *a = ordex_arena_new(256);
		struct ordex_key_row k;
		rc = s_key_get(st, sc, id, a, &k); /* ends sooner already: done */
		ordex_arena_free(a);
	}
	return rc;
}

/*
 * The directory entry of a newly opened log file is made durable once, as
 * SQLite does for the files it syncs itself.
 */
static int sync_dir(const char *path)
{
	char copy[sizeof(((struct sqlite_store *)0)->path)];
	snprintf(copy, sizeof(copy), "%s", path);
	int fd = open(dirname(copy), O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Deferred sync: SQLite writes each commit's frames to the WAL without an
 * fsync (synchronous=NORMAL), and this flushes the WAL file, which makes
 * every commit written before it durable; the same guarantee as
 * synchronous=FULL, one flush for however many commits. The file is opened
 * here (only the flushing thread calls this) and reopened should it ever be
 * replaced.
 */
static int s_sync(struct ordex_store *st)
{
	struct sqlite_store *s = S(st);
	if (!s->deferred)
		return ORDEX_OK;
	char wal[sizeof(s->path) + 8];
	snprintf(wal, sizeof(wal), "%s-wal", s->path);
	struct stat now;
	if (stat(wal, &now) != 0)
		return errno == ENOENT ? ORDEX_OK : ORDEX_E_IO; /* nothing written yet */
	if (s->wal_fd >= 0 && (now.st_dev != s->wal_dev || now.st_ino != s->wal_ino)) {
		close(s->wal_fd);
		s->wal_fd = -1;
	}
	if (s->wal_fd < 0) {
		s->wal_fd = open(wal, O_RDWR | O_CLOEXEC);
		if (s->wal_fd < 0 || sync_dir(s->path) != 0) {
			fprintf(stderr, "ordex: could not sync \"%s\": %s\n", wal, strerror(errno));
			return ORDEX_E_IO;
		}
		struct stat st_fd;
		if (fstat(s->wal_fd, &st_fd) == 0) {
			s->wal_dev = st_fd.st_dev;
			s->wal_ino = st_fd.st_ino;
		}
	}
	if (fdatasync(s->wal_fd) != 0) {
		fprintf(stderr, "ordex: could not sync \"%s\": %s\n", wal, strerror(errno));
		return ORDEX_E_IO;
	}
	return ORDEX_OK;
}

/*
 * Whether the next commits leave their flush to s_sync (synchronous=NORMAL;
 * checkpoints still sync the WAL and the database themselves) or sync as
 * they commit (FULL). Between transactions, on the store's thread.
 */
static int s_defer_sync(struct ordex_store *st, bool on)
{
	struct sqlite_store *s = S(st);
	if (!s->deferred || on == s->commit_nosync)
		return ORDEX_OK;
	int rc = exec_sql(s, on ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL");
	if (rc == ORDEX_OK)
		s->commit_nosync = on;
	return rc;
}

static void s_close(struct ordex_store *st)
{
	struct sqlite_store *s = S(st);
	if (!s)
		return;
	for (int i = 0; s->stmts && i < S_COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	free(s->stmts);
	ordex__sqlite_workflow_close(s);
	ordex__sqlite_writeback_close(s);
	sqlite3_close(s->db);
	if (s->wal_fd >= 0)
		close(s->wal_fd);
	ordex_arena_free(s->order.a);
	free(s);
}

static const struct ordex_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = s_close,
    .begin = s_begin,
    .commit = s_commit,
    .rollback = s_rollback,
    .savepoint = s_savepoint,
    .release = s_release,
    .rollback_to = s_rollback_to,
    .sync = s_sync,
    .defer_sync = s_defer_sync,
    .tenant_create = s_tenant_create,
    .tenant_find = s_tenant_find,
    .tenant_first = s_tenant_first,
    .tenant_settings = s_tenant_settings,
    .tenant_set_fraud_threshold = s_tenant_set_fraud_threshold,
    .tenant_get = s_tenant_get,
    .env_create = s_env_create,
    .env_exists = s_env_exists,
    .key_create = s_key_create,
    .key_lookup = s_key_lookup,
    .key_list = s_key_list,
    .usage_add = s_usage_add,
    .user_create = s_user_create,
    .user_find = s_user_find,
    .user_list = s_user_list,
    .user_disable = s_user_disable,
    .session_create = s_session_create,
    .session_lookup = s_session_lookup,
    .credential_touch = s_credential_touch,
    .scope_rules_get = s_scope_rules_get,
    .scope_rules_put = s_scope_rules_put,
    .session_end = s_session_end,
    .usage_list = s_usage_list,
    .tenant_set_rates = s_tenant_set_rates,
    .key_get = s_key_get,
    .key_revoke = s_key_revoke,
    .event_find = s_event_find,
    .event_insert = s_event_insert,
    .event_set_order = s_event_set_order,
    .event_get = s_event_get,
    .event_set_subject = s_event_set_subject,
    .events_link_subject = s_events_link_subject,
    .events_for_order = s_events_for_order,
    .event_count = s_event_count,
    .event_last_seq = s_event_last_seq,
    .order_get = s_order_get,
    .order_put = s_order_put,
    .customers_at_address = s_customers_at_address,
    .lines_get = s_lines_get,
    .lines_replace = s_lines_replace,
    .demand_for_sku = s_demand_for_sku,
    .demand_in_scope = s_demand_in_scope,
    .demand_short_lines = s_demand_short_lines,
    .stock = s_stock,
    .line_set_allocated = s_line_set_allocated,
    .lines_set_open = s_lines_set_open,
    .payment_get = s_payment_get,
    .payment_put = s_payment_put,
    .payments_for_order = s_payments_for_order,
    .refund_record = s_refund_record,
    .shipment_get = s_shipment_get,
    .shipment_put = s_shipment_put,
    .shipment_by_tracking = s_shipment_by_tracking,
    .shipments_for_order = s_shipments_for_order,
    .inventory_put = s_inventory_put,
    .inventory_relocate = s_inventory_relocate,
    .warehouse_alias_put = s_warehouse_alias_put,
    .warehouse_alias_get = s_warehouse_alias_get,
    .customer_get = s_customer_get,
    .customer_by_email = s_customer_by_email,
    .customers_by_name = s_customers_by_name,
    .customer_put = s_customer_put,
    .exceptions_for_order = s_exceptions_for_order,
    .exception_put = s_exception_put,
    .exception_list = s_exception_list,
    .exception_count = s_exception_count,
    .connector_get = s_connector_get,
    .connector_create = s_connector_create,
    .connector_by_public = s_connector_by_public,
    .connectors_list = s_connectors_list,
    .secret_add = s_secret_add,
    .secrets_list = s_secrets_list,
    .secrets_elsewhere = s_secrets_elsewhere,
    .secret_expire = s_secret_expire,
    .delivery_find = s_delivery_find,
    .delivery_insert = s_delivery_insert,
    .delivery_stats = s_delivery_stats,
    .alias_put = s_alias_put,
    .alias_get = s_alias_get,
    .pending_add = s_pending_add,
    .pending_take = s_pending_take,
    .pending_drop_event = s_pending_drop_event,
    .ticket_get = s_ticket_get,
    .ticket_put = s_ticket_put,
    .tickets_for_order = s_tickets_for_order,
    .issue_put = s_issue_put,
    .issues_for_order = s_issues_for_order,
    .shipment_alias_put = s_shipment_alias_put,
    .shipment_merge = s_shipment_merge,
    .shipment_alias_get = s_shipment_alias_get,
    .sku_alias_put = s_sku_alias_put,
    .sku_alias_get = s_sku_alias_get,
    .customer_alias_put = s_customer_alias_put,
    .customer_alias_delete = s_customer_alias_delete,
    .customer_alias_get = s_customer_alias_get,
    .orders_relink_customer = s_orders_relink_customer,
    .suggestion_add = s_suggestion_add,
    .suggestion_list = s_suggestion_list,
    .suggestion_get = s_suggestion_get,
    .suggestion_decide = s_suggestion_decide,
    .target_add = ordex__sqlite_target_add,
    .target_list = ordex__sqlite_target_list,
    .target_list_all = ordex__sqlite_target_list_all,
    .target_get = ordex__sqlite_target_get,
    .target_remove = ordex__sqlite_target_remove,
    .target_circuit = ordex__sqlite_target_circuit,
    .outbox_wake = ordex__sqlite_outbox_wake,
    .attempts_of = ordex__sqlite_attempts_of,
    .outbox_add = ordex__sqlite_outbox_add,
    .outbox_get = ordex__sqlite_outbox_get,
    .outbox_by_key = ordex__sqlite_outbox_by_key,
    .outbox_by_ref = ordex__sqlite_outbox_by_ref,
    .outbox_update = ordex__sqlite_outbox_update,
    .outbox_of_action = ordex__sqlite_outbox_of_action,
    .outbox_of_order = ordex__sqlite_outbox_of_order,
    .outbox_list = ordex__sqlite_outbox_list,
    .outbox_due = ordex__sqlite_outbox_due,
    .outbox_next = ordex__sqlite_outbox_next,
    .outbox_recover = ordex__sqlite_outbox_recover,
    .outbox_stats = ordex__sqlite_outbox_stats,
    .attempt_add = ordex__sqlite_attempt_add,
    .case_active = ordex__sqlite_case_active,
    .case_last = ordex__sqlite_case_last,
    .case_get = ordex__sqlite_case_get,
    .case_put = ordex__sqlite_case_put,
    .case_list = ordex__sqlite_case_list,
    .exceptions_join_case = ordex__sqlite_exceptions_join_case,
    .exceptions_of_case = ordex__sqlite_exceptions_of_case,
    .case_event_add = ordex__sqlite_case_event_add,
    .case_events = ordex__sqlite_case_events,
    .action_put = ordex__sqlite_action_put,
    .action_get = ordex__sqlite_action_get,
    .actions_of_case = ordex__sqlite_actions_of_case,
    .refunds_held = ordex__sqlite_refunds_held,
    .approval_add = ordex__sqlite_approval_add,
    .approvals_of = ordex__sqlite_approvals_of,
    .policy_get = ordex__sqlite_policy_get,
    .policy_put = ordex__sqlite_policy_put,
    .timer_arm = ordex__sqlite_timer_arm,
    .timer_arm_earlier = ordex__sqlite_timer_arm_earlier,
    .timer_disarm = ordex__sqlite_timer_disarm,
    .timers_of_order = ordex__sqlite_timers_of_order,
    .timers_due = ordex__sqlite_timers_due,
    .timer_next = ordex__sqlite_timer_next,
    .timer_fire = ordex__sqlite_timer_fire,
    .environments = ordex__sqlite_environments,
    .evidence_put = ordex__sqlite_evidence_put,
    .evidence_get = ordex__sqlite_evidence_get,
    .audit_head = s_audit_head,
    .audit_append = s_audit_append,
    .audit_scan = s_audit_scan,
    .audit_list = s_audit_list,
    .audit_tenants = s_audit_tenants,
};

static int user_version(struct sqlite_store *s)
{
	sqlite3_stmt *q;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			v = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	return v;
}

struct sqlite3 *ordex_store_sqlite_handle(struct ordex_store *st)
{
	return st && st->ops == &sqlite_ops ? S(st)->db : NULL;
}

int ordex_store_schema_version(struct ordex_store *st)
{
	return user_version(S(st));
}

/*
 * Applies each migration newer than PRAGMA user_version in its own
 * transaction, recording it in schema_migrations and user_version.
 */
static int migrate(struct sqlite_store *s)
{
	int rc = exec_sql(s, "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER "
	                     "PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
	if (rc)
		return rc;
	int have = user_version(s);
	for (int i = 0; i < ordex_migrations_count; i++) {
		const struct ordex_migration *m = &ordex_migrations[i];
		if (m->number <= have)
			continue;
		char tail[256];
		if ((rc = exec_sql(s, "BEGIN IMMEDIATE")))
			return rc;
		/* another connection may have applied it while we waited for the lock */
		if (user_version(s) >= m->number) {
			if ((rc = exec_sql(s, "COMMIT")))
				return rc;
			continue;
		}
		rc = exec_sql(s, m->sql);
		if (rc == ORDEX_OK) {
			snprintf(tail, sizeof(tail),
			         "INSERT INTO schema_migrations VALUES (%d, '%s', %lld); "
			         "PRAGMA user_version = %d",
			         m->number, m->name, (long long)ordex_time_now(), m->number);
			rc = exec_sql(s, tail);
		}
		if (rc) {
			exec_sql(s, "ROLLBACK");
			fprintf(stderr, "ordex: could not apply migration \"%s\"\n", m->name);
			return rc;
		}
		if ((rc = exec_sql(s, "COMMIT")))
			return rc;
	}
	return ORDEX_OK;
}

/*
 * Switching to WAL needs a moment of exclusive access, and SQLite does not
 * apply the busy timeout to it: when several processes open a new file at
 * once, retry for up to ten seconds before giving up.
 */
static int wal_mode(struct sqlite_store *s)
{
	for (int i = 0;; i++) {
		char *msg = NULL;
		int rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, &msg);
		sqlite3_free(msg);
		if (rc == SQLITE_OK)
			return ORDEX_OK;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || i == 1000)
			return fail(s, "switch to WAL mode");
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/*
 * Each connection is used by one thread at a time, so SQLite's own mutexes
 * and its memory accounting (a global lock on every allocation) are cost
 * without use: configured away once, before SQLite initializes.
 */
static void configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int ordex_store_open_sqlite(const char *path, const struct ordex_store_options *opts,
                            struct ordex_store **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, configure);
	struct sqlite_store *s = ordex_xcalloc(1, sizeof(*s));
	s->base.ops = &sqlite_ops;
	s->stmts = ordex_xcalloc(S_COUNT, sizeof(*s->stmts));
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->readonly = opts && opts->readonly;
	s->wal_fd = -1;
	int flags = SQLITE_OPEN_NOMUTEX |
	            (opts && opts->readonly ? SQLITE_OPEN_READONLY
	                                    : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		fprintf(stderr, "ordex: could not open database \"%s\": %s\n", path,
		        s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		free(s->stmts);
		free(s);
		return ORDEX_E_STORE;
	}
	sqlite3_busy_timeout(s->db, 10000);
	static const char *const sync_pragma[] = {
	    [ORDEX_SYNC_FULL] = "PRAGMA synchronous = FULL",
	    [ORDEX_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	    [ORDEX_SYNC_OFF] = "PRAGMA synchronous = OFF",
	};
	int rc = ORDEX_OK;
	if (!(opts && opts->readonly))
		rc = wal_mode(s);
	if (rc == ORDEX_OK)
		rc = exec_sql(s, sync_pragma[opts ? opts->sync : ORDEX_SYNC_FULL]);
	/* the writer keeps 16 MB of pages; a reader (one per request thread,
	 * point look-ups and short lists) 2 MB, SQLite's default, and reads
	 * the rest through the kernel's page cache: the service's memory stays
	 * bounded however many orders it holds. The writer's temporary files
	 * are files: a savepoint (a command's, or each event's when a group is
	 * applied again carefully after a refusal) keeps the pages it changes
	 * in a statement journal, which SQLite holds in memory up to 64 KiB and
	 * then spills. In memory without bound, one event that reallocates a
	 * popular SKU over hundreds of orders raised peak RSS by 9 MB (probed).
	 * Recursive triggers make a REPLACE fire the delete triggers of the row
	 * it replaces, so that the stock totals of migration 0004 hold for it
	 * too (no statement here replaces today). */
	if (rc == ORDEX_OK)
		rc = exec_sql(s, opts && opts->readonly
		                     ? "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -2000; "
		                       "PRAGMA temp_store = MEMORY"
		                     : "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -16000; "
		                       "PRAGMA temp_store = FILE; PRAGMA recursive_triggers = ON");
	if (rc == ORDEX_OK && !(opts && opts->readonly))
		rc = migrate(s);
	if (rc == ORDEX_OK &&
	    user_version(s) < ordex_migrations[ordex_migrations_count - 1].number) {
		fprintf(stderr, "ordex: database \"%s\" is not initialized; run \"ordex init\"\n",
		        path);
		rc = ORDEX_E_STORE;
	}
	if (rc == ORDEX_OK && opts && !opts->readonly && opts->deferred_sync &&
	    opts->sync == ORDEX_SYNC_FULL)
		s->deferred = true; /* commits sync until defer_sync(true) */
	if (rc) {
		s_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return ORDEX_OK;
}
