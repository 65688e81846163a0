/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_olist.c - imports the real Olist order sample through ordex import
 * and checks what ordex reports against the data itself: every order
 * delivered after its promised date (a date: the end of that day) is a
 * shipment_late exception and no other order is; the one order marked
 * delivered without a delivery date is a data_quality exception. A second
 * import adds only duplicates. The audit chain verifies, and fails on an
 * edited, a deleted and a reordered entry, and on edited evidence.
 * Skipped with a message where ../shared/data is absent.
 */
#include "testutil.h"

#include <sqlite3.h>
#include <unistd.h>

#include "harness.h"

static struct harness h;
static char olist[512];

#define MAX_ORDERS 20000

struct ids {
	char (*v)[40];
	int n;
};

static void ids_add(struct ids *s, const char *id, size_t n)
{
	if (!s->v)
		s->v = calloc(MAX_ORDERS, sizeof(*s->v));
	snprintf(s->v[s->n++], sizeof(s->v[0]), "%.*s", (int)n, id);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* From the CSV, independently of ordex: late orders and dateless deliveries. */
static void expected(struct ids *late, struct ids *dateless)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/olist_orders_dataset_sample10k.csv", olist);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[1024];
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		char *col[8];
		int n = 0;
		for (char *p = line, *tok; n < 8 && (tok = strsep(&p, ",\r\n"));)
			col[n++] = tok;
		assert_int_equal(n, 8);
		const char *delivered = col[6], *estimate = col[7];
		if (!strcmp(col[2], "delivered") && !*delivered)
			ids_add(dateless, col[0], strlen(col[0]));
		if (*delivered && *estimate && strncmp(delivered, estimate, 10) > 0)
			ids_add(late, col[0], strlen(col[0]));
	}
	fclose(f);
	qsort(late->v, (size_t)late->n, sizeof(late->v[0]), cmp);
	qsort(dateless->v, (size_t)dateless->n, sizeof(dateless->v[0]), cmp);
}

/* The orders of ordex exceptions --kind K --json, each with a why. */
static void reported(const char *kind, struct ids *out)
{
	char *json = NULL;
	const char *args[] = {"exceptions", "--data", h.dir, "--kind", kind, "--json", NULL};
	assert_int_equal(harness_cli(args, &json, NULL), 0);
	for (char *p = json; (p = strstr(p, "\"order\":\""));) {
		p += 9;
		size_t n = strcspn(p, "\"");
		ids_add(out, p, n);
		char *why = strstr(p, "\"why\":\"");
		assert_non_null(why);
		assert_true(why[7] != '"'); /* a sentence, not empty */
		p += n;
	}
	free(json);
	qsort(out->v, (size_t)out->n, sizeof(out->v[0]), cmp);
}

static void assert_same(const struct ids *a, const struct ids *b)
{
	assert_int_equal(a->n, b->n);
	for (int i = 0; i < a->n; i++)
		assert_string_equal(a->v[i], b->v[i]);
}

static char *import_once(int *rc)
{
	char *out = NULL;
	const char *args[] = {"import", "--data", h.dir, "--format", "olist", olist, NULL};
	*rc = harness_cli(args, &out, NULL);
	return out;
}

static int setup(void **state)
{
	snprintf(olist, sizeof(olist), "%s/olist", test_shared_data());
	if (access(olist, R_OK) != 0) {
		fprintf(stderr, "skipped: %s is absent (the shared Olist data)\n", olist);
		return 0;
	}
	harness_init(&h);
	return 0;
}

static int teardown(void **state)
{
	if (h.dir[0])
		harness_cleanup(&h);
	return 0;
}

static void import_reports_the_late_deliveries_the_data_holds(void **state)
{
	if (!h.dir[0])
		skip();
	int rc;
	char *out = import_once(&rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, " 0 rejected"));
	free(out);

	struct ids want = {0}, dateless = {0}, got = {0}, dq = {0};
	expected(&want, &dateless);
	reported("shipment_late", &got);
	printf("olist: %d late deliveries in the data, %d reported\n", want.n, got.n);
	assert_true(want.n > 600); /* the sample holds 653; a sanity bound */
	assert_same(&want, &got);
	reported("data_quality", &dq);
	assert_same(&dateless, &dq);
	free(want.v);
	free(dateless.v);
	free(got.v);
	free(dq.v);
}

static int64_t scalar(const char *sql)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/ordex.db", h.dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static void exec_sql(const char *sql)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/ordex.db", h.dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void second_import_adds_only_duplicates(void **state)
{
	if (!h.dir[0])
		skip();
	int64_t events = scalar("SELECT count(*) FROM events");
	int64_t exceptions = scalar("SELECT count(*) FROM exceptions");
	int64_t changed = scalar("SELECT max(updated_seq) FROM exceptions");
	int rc;
	char *out = import_once(&rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, ": 0 accepted,"));
	char want[64];
	snprintf(want, sizeof(want), "%lld duplicate", (long long)events);
	assert_non_null(strstr(out, want));
	free(out);
	assert_int_equal(scalar("SELECT count(*) FROM events"), events);
	assert_int_equal(scalar("SELECT count(*) FROM exceptions"), exceptions);
	assert_int_equal(scalar("SELECT max(updated_seq) FROM exceptions"), changed);
}

static int verify(char **out)
{
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	return harness_cli(args, out, NULL);
}

static void audit_verify_catches_edited_deleted_and_reordered_entries(void **state)
{
	if (!h.dir[0])
		skip();
	char *out = NULL;
	assert_int_equal(verify(&out), 0);
	assert_non_null(strstr(out, "audit chain verified"));
	free(out);

	/* an entry that names olist, from the thousandth on */
	int64_t seq =
	    scalar("SELECT min(seq) FROM audit WHERE seq >= 1000 AND body LIKE '%olist%'");
	char sql[200], want[64];
	snprintf(sql, sizeof(sql),
	         "UPDATE audit SET body = replace(body, 'olist', 'OLIST') WHERE seq = %lld",
	         (long long)seq);
	exec_sql(sql);
	assert_int_equal(verify(&out), 1);
	snprintf(want, sizeof(want), "entry %lld: hash does not match", (long long)seq);
	assert_non_null(strstr(out, want));
	free(out);
	snprintf(sql, sizeof(sql),
	         "UPDATE audit SET body = replace(body, 'OLIST', 'olist') WHERE seq = %lld",
	         (long long)seq);
	exec_sql(sql);
	assert_int_equal(verify(&out), 0);
	free(out);

	exec_sql("CREATE TABLE saved AS SELECT * FROM audit WHERE seq = 2000;"
	         "DELETE FROM audit WHERE seq = 2000");
	assert_int_equal(verify(&out), 1);
	assert_non_null(strstr(out, "entry 2001: entries are missing"));
	free(out);
	exec_sql("INSERT INTO audit SELECT * FROM saved; DROP TABLE saved");
	assert_int_equal(verify(&out), 0);
	free(out);

	/* the evidence itself: an event's stored bytes edited */
	exec_sql("UPDATE events SET raw = replace(raw, 'BRL', 'USD') WHERE id = 500");
	assert_int_equal(verify(&out), 1);
	assert_non_null(strstr(out, "bytes do not match the SHA-256 recorded"));
	free(out);
	exec_sql("UPDATE events SET raw = replace(raw, 'USD', 'BRL') WHERE id = 500");
	assert_int_equal(verify(&out), 0);
	free(out);

	exec_sql("UPDATE audit SET seq = -1 WHERE seq = 3000;"
	         "UPDATE audit SET seq = 3000 WHERE seq = 3001;"
	         "UPDATE audit SET seq = 3001 WHERE seq = -1");
	assert_int_equal(verify(&out), 1);
	assert_non_null(strstr(out, "entry 3000:"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(import_reports_the_late_deliveries_the_data_holds),
	    cmocka_unit_test(second_import_adds_only_duplicates),
	    cmocka_unit_test(audit_verify_catches_edited_deleted_and_reordered_entries),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
