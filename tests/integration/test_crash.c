/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_crash.c - kill -9 of ordex serve while clients post events: every
 * event the server acknowledged is there after a restart (posting it again
 * answers "duplicate"), and the audit chain still verifies. Several rounds,
 * each killed at a random moment of the load.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "harness.h"

#define CLIENTS   4
#define PER_BATCH 10
#define MAX_ACKED 200000

static struct harness h;
static atomic_int stop;
static char (*acked)[40];
static atomic_int n_acked;
static int round_no;

static void ev(char *out, size_t n, const char *id)
{
	snprintf(out, n,
	         "{\"id\":\"%s\",\"source\":\"load\",\"type\":\"payment.failed\","
	         "\"occurred_at\":\"2025-03-01T10:00:00Z\",\"order\":\"C-%s\","
	         "\"data\":{\"payment\":\"P-%s\"}}\n",
	         id, id, id);
}

static void *client(void *arg)
{
	int me = (int)(intptr_t)arg;
	char body[PER_BATCH * 256];
	char ids[PER_BATCH][40];
	for (int b = 0; !atomic_load(&stop); b++) {
		size_t len = 0;
		for (int i = 0; i < PER_BATCH; i++) {
			snprintf(ids[i], sizeof(ids[i]), "r%d-c%d-b%d-%d", round_no, me, b, i);
			ev(body + len, sizeof(body) - len, ids[i]);
			len += strlen(body + len);
		}
		struct http_resp r;
		post_ndjson(&h, body, &r);
		/* an answer is an acknowledgement of every accepted line */
		if (r.status == 200 && has(&r, "\"accepted\":10")) {
			for (int i = 0; i < PER_BATCH; i++) {
				int k = atomic_fetch_add(&n_acked, 1);
				if (k < MAX_ACKED)
					memcpy(acked[k], ids[i], sizeof(acked[k]));
			}
		}
		http_free(&r);
		if (r.status < 0)
			break; /* the server is gone */
	}
	return NULL;
}

static int setup(void **state)
{
	curl_global_init(CURL_GLOBAL_ALL);
	acked = calloc(MAX_ACKED, sizeof(*acked));
	harness_init(&h);
	return 0;
}

static int teardown(void **state)
{
	harness_cleanup(&h);
	free(acked);
	curl_global_cleanup();
	return 0;
}

static void kill9_during_load_loses_no_acknowledged_event(void **state)
{
	srand((unsigned)time(NULL));
	int rounds = getenv("ORDEX_CRASH_ROUNDS") ? atoi(getenv("ORDEX_CRASH_ROUNDS")) : 3;
	int total_acked = 0, lost = 0;
	for (round_no = 0; round_no < rounds; round_no++) {
		harness_serve(&h, NULL);
		atomic_store(&stop, 0);
		atomic_store(&n_acked, 0);
		pthread_t t[CLIENTS];
		for (intptr_t i = 0; i < CLIENTS; i++)
			pthread_create(&t[i], NULL, client, (void *)i);
		struct timespec ts = {0, (200 + rand() % 600) * 1000000L};
		nanosleep(&ts, NULL);
		harness_kill9(&h);
		atomic_store(&stop, 1);
		for (int i = 0; i < CLIENTS; i++)
			pthread_join(t[i], NULL);
		int n = atomic_load(&n_acked);
		assert_true(n <= MAX_ACKED);
		assert_true(n > 0);

		/* restart; every acknowledged event must come back as a duplicate */
		harness_serve(&h, NULL);
		for (int i = 0; i < n; i += PER_BATCH) {
			char body[PER_BATCH * 256];
			size_t len = 0;
			int m = n - i < PER_BATCH ? n - i : PER_BATCH;
			for (int j = 0; j < m; j++) {
				ev(body + len, sizeof(body) - len, acked[i + j]);
				len += strlen(body + len);
			}
			struct http_resp r;
			post_ndjson(&h, body, &r);
			assert_int_equal(r.status, 200);
			char want[32];
			snprintf(want, sizeof(want), "\"duplicate\":%d", m);
			if (!has(&r, want))
				lost += m - count_of(&r, "\"status\":\"duplicate\"");
			http_free(&r);
		}
		total_acked += n;
		assert_int_equal(harness_stop(&h), 0);
	}
	char *out = NULL;
	const char *args[] = {"audit", "verify", "--data", h.dir, NULL};
	assert_int_equal(harness_cli(args, &out, NULL), 0);
	free(out);
	printf("crash: %d kills, %d acknowledged events, %d lost\n", rounds, total_acked, lost);
	assert_int_equal(lost, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(kill9_during_load_loses_no_acknowledged_event),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
