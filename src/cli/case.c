/* SPDX-License-Identifier: Apache-2.0 */
/*
 * case.c - ordex case and ordex action: the queue and the work on it from
 * the command line, on the data directory, under the same rules as the API.
 *
 *   ordex case list [--queue Q] [--status S|active|all] [--assignee NAME]
 *                   [--order REF] [--json]
 *   ordex case show ID                           the case view, as JSON
 *   ordex case claim|release ID --as NAME
 *   ordex case assign ID --to NAME|- --as NAME
 *   ordex case comment ID --text TEXT --as NAME
 *   ordex case propose ID --kind KIND --payload JSON [--reason R] [--draft] --as NAME
 *   ordex case evidence ID --file PATH --type MEDIA_TYPE [--name N] --as NAME
 *   ordex action approve ID --sha256 HEX [--reason R] --as NAME
 *   ordex action reject|cancel ID --reason R --as NAME
 *   ordex action override ID --kind KIND --payload JSON --reason R --as NAME
 *
 * Whoever acts is a person of the environment (--as), with their role and
 * customer scope: the requester never approves, an approval names the
 * payload's hash, and every step is audited as theirs, exactly as over
 * HTTP. A refusal prints the field and why, changes nothing, and exits 1.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/render.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/json.h"
#include "core/sha256.h"
#include "core/timeutil.h"
#include "ingest/event.h"
#include "store/store.h"
#include "workflow/workflow.h"

static const char case_usage[] =
    "usage: ordex case list [--queue Q] [--status S|active|all] [--assignee NAME] [--order REF]\n"
    "                       [--json]\n"
    "       ordex case show ID\n"
    "       ordex case claim|release ID --as NAME\n"
    "       ordex case assign ID --to NAME|- --as NAME\n"
    "       ordex case comment ID --text TEXT --as NAME\n"
    "       ordex case propose ID --kind KIND --payload JSON [--reason R] [--draft] --as NAME\n"
    "       ordex case evidence ID --file PATH --type MEDIA_TYPE [--name N] --as NAME\n"
    "  and [--data DIR] [--tenant NAME] [--env ENV] on each\n";
static const char action_usage[] =
    "usage: ordex action approve ID --sha256 HEX [--reason R] --as NAME\n"
    "       ordex action reject ID --reason R --as NAME\n"
    "       ordex action cancel ID [--reason R] --as NAME\n"
    "       ordex action override ID --kind KIND --payload JSON --reason R --as NAME\n"
    "  and [--data DIR] [--tenant NAME] [--env ENV] on each\n";

struct opts {
	const char *data, *tenant, *env;
	const char *as, *to, *text, *kind, *payload, *reason, *sha256;
	const char *queue, *status, *assignee, *order, *file, *type, *name;
	bool draft, json;
	int64_t id;
};

static int parse(int argc, char **argv, struct opts *o, bool takes_id, const char *usage)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"tenant", required_argument, NULL, 't'},
	    {"env", required_argument, NULL, 'e'},
	    {"as", required_argument, NULL, 'a'},
	    {"to", required_argument, NULL, 'T'},
	    {"text", required_argument, NULL, 'x'},
	    {"kind", required_argument, NULL, 'k'},
	    {"payload", required_argument, NULL, 'p'},
	    {"reason", required_argument, NULL, 'r'},
	    {"sha256", required_argument, NULL, 's'},
	    {"queue", required_argument, NULL, 'q'},
	    {"status", required_argument, NULL, 'S'},
	    {"assignee", required_argument, NULL, 'A'},
	    {"order", required_argument, NULL, 'o'},
	    {"draft", no_argument, NULL, 'D'},
	    {"json", no_argument, NULL, 'j'},
	    {"file", required_argument, NULL, 'f'},
	    {"type", required_argument, NULL, 'y'},
	    {"name", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->data = optarg; break;
		case 't': o->tenant = optarg; break;
		case 'e': o->env = optarg; break;
		case 'a': o->as = optarg; break;
		case 'T': o->to = optarg; break;
		case 'x': o->text = optarg; break;
		case 'k': o->kind = optarg; break;
		case 'p': o->payload = optarg; break;
		case 'r': o->reason = optarg; break;
		case 's': o->sha256 = optarg; break;
		case 'q': o->queue = optarg; break;
		case 'S': o->status = optarg; break;
		case 'A': o->assignee = optarg; break;
		case 'o': o->order = optarg; break;
		case 'D': o->draft = true; break;
		case 'f': o->file = optarg; break;
		case 'y': o->type = optarg; break;
		case 'n': o->name = optarg; break;
		case 'j': o->json = true; break;
		default: fputs(usage, stderr); return c == 'h' ? 0 : 2;
		}
	}
	if (takes_id) {
		char *end = NULL;
		if (optind != argc - 1 || (o->id = strtoll(argv[optind], &end, 10)) <= 0 || *end) {
			fputs(usage, stderr);
			return 2;
		}
	} else if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	return -1;
}

static int open_store(const struct opts *o, bool readonly, struct ordex_store **st,
                      struct ordex_scope *sc)
{
	char db[1024];
	ordex_cli_db_path(ordex_cli_data_dir(o->data), db, sizeof(db));
	struct ordex_store_options so = {.sync = ORDEX_SYNC_FULL, .readonly = readonly};
	if (ordex_store_open_sqlite(db, &so, st) != ORDEX_OK)
		return ORDEX_E_STORE;
	int rc = ordex_cli_scope(*st, o->tenant, o->env, sc);
	if (rc)
		(*st)->ops->close(*st);
	return rc;
}

static int list(const struct opts *o)
{
	struct ordex_store *st;
	struct ordex_scope sc;
	if (open_store(o, true, &st, &sc))
		return 1;
	struct ordex_case_filter f = {
	    .active = true, .limit = 500, .queue = o->queue, .order_ref = o->order};
	if (o->status && !strcmp(o->status, "all"))
		f.active = false;
	else if (o->status && strcmp(o->status, "active")) {
		f.active = false;
		f.status = o->status;
	}
	struct ordex_arena *a = ordex_arena_new(1 << 16);
	char who[96]; /* outside the arena, which each page resets */
	if (o->assignee) {
		snprintf(who, sizeof(who), "%s%s",
		         strchr(o->assignee, ':') ? "" : "user:", o->assignee);
		f.assignee = who;
	}
	struct ordex_buf out;
	struct ordex_jw w;
	ordex_buf_init(&out, 0);
	ordex_jw_init(&w, &out);
	if (o->json) {
		ordex_jw_obj(&w);
		ordex_jw_key(&w, "cases");
		ordex_jw_arr(&w);
	}
	int rc;
	long shown = 0;
	for (;;) {
		struct ordex_case_row *rows;
		size_t n;
		if ((rc = st->ops->case_list(st, &sc, &f, a, &rows, &n)))
			break;
		for (size_t i = 0; i < n; i++) {
			const struct ordex_case_row *c = &rows[i];
			if (o->json) {
				ordex_render_case(&w, c);
				continue;
			}
			char due[ORDEX_TIME_MAX_LEN] = "-";
			if (c->sla_due_at)
				ordex_time_format(c->sla_due_at - c->sla_due_at % 1000000, 0, due);
			ordex_buf_printf(&out, "%-6lld %-4d %-17s %-12s %-16s %-20s %s%s %s\n",
			                 (long long)c->id, c->priority, c->status, c->queue,
			                 c->assignee ? c->assignee : "-", c->order_ref, due,
			                 c->breached_at ? " BREACHED" : "",
			                 c->kinds ? c->kinds : "[]");
		}
		shown += (long)n;
		if (n < (size_t)f.limit)
			break;
		f.after_set = true;
		f.after_priority = rows[n - 1].priority;
		f.after_id = rows[n - 1].id;
		fwrite(out.data, 1, out.len, stdout);
		ordex_buf_reset(&out);
		ordex_arena_reset(a);
	}
	if (o->json) {
		ordex_jw_arr_end(&w);
		ordex_jw_obj_end(&w);
		ordex_buf_putc(&out, '\n');
	}
	if (out.len)
		fwrite(out.data, 1, out.len, stdout);
	if (!o->json)
		fprintf(stderr,
		        "ordex: %ld case%s (id, priority, status, queue, assignee, order, "
		        "SLA due, kinds)\n",
		        shown, shown == 1 ? "" : "s");
	ordex_buf_free(&out);
	ordex_arena_free(a);
	st->ops->close(st);
	return rc ? 1 : 0;
}

static int show(const struct opts *o)
{
	struct ordex_store *st;
	struct ordex_scope sc;
	if (open_store(o, true, &st, &sc))
		return 1;
	struct ordex_arena *a = ordex_arena_new(1 << 16);
	struct ordex_buf out;
	struct ordex_jw w;
	ordex_buf_init(&out, 0);
	ordex_jw_init(&w, &out);
	struct ordex_case_row c;
	int rc = st->ops->begin(st);
	if (!rc)
		rc = st->ops->case_get(st, &sc, o->id, a, &c);
	if (!rc)
		rc = ordex_render_case_view(&w, st, &sc, a, &c);
	st->ops->commit(st);
	if (rc == ORDEX_E_NOTFOUND)
		fprintf(stderr, "ordex: no case %lld in %s\n", (long long)o->id, sc.env);
	else if (rc)
		fprintf(stderr, "ordex: could not read the case: %s\n", ordex_strerror(rc));
	else
		printf("%.*s\n", (int)out.len, out.data);
	ordex_buf_free(&out);
	ordex_arena_free(a);
	st->ops->close(st);
	return rc ? 1 : 0;
}

/* The person acting: active, with the operation in their role. */
static int actor_of(struct ordex_store *st, const struct ordex_scope *sc, struct ordex_arena *a,
                    const char *name, enum ordex_op op, struct ordex_actor *out)
{
	if (!name) {
		fprintf(stderr, "ordex: --as NAME is required: the person who acts\n");
		return ORDEX_E_INVAL;
	}
	struct ordex_user_row u;
	int rc = st->ops->user_find(st, sc, name, a, &u);
	if (rc == ORDEX_E_NOTFOUND || (rc == ORDEX_OK && u.disabled_at)) {
		fprintf(stderr, "ordex: no active person \"%s\" in %s\n", name, sc->env);
		return ORDEX_E_INVAL;
	}
	if (rc)
		return rc;
	struct ordex_principal p = {
	    .tenant = sc->tenant,
	    .env = sc->env,
	    .role = ordex_role_parse(u.role),
	    .scopes = u.scopes,
	    .customers = {u.brand, u.region, u.segment},
	};
	struct ordex_authz_decision d = ordex_authz_check(&p, op, NULL);
	if (d.result != ORDEX_AUTHZ_ALLOW) {
		fprintf(stderr, "ordex: %s (%s) may not do %s: %s\n", name, u.role,
		        ordex_op_name(op), d.reason);
		return ORDEX_E_INVAL;
	}
	*out = (struct ordex_actor){
	    .name = ordex_arena_printf(a, "user:%s", name),
	    .role = u.role,
	    .brand = u.brand,
	    .region = u.region,
	    .segment = u.segment,
	};
	return ORDEX_OK;
}

/* The evidence file of --file, its type checked as the API checks it. */
static int evidence_of(const struct opts *o, struct ordex_arena *a, struct ordex_case_cmd *k,
                       unsigned char **bytes)
{
	if (!o->file || !o->type) {
		fprintf(stderr, "ordex: --file and --type (its media type, such as image/png) are "
		                "required\n");
		return ORDEX_E_INVAL;
	}
	FILE *f = fopen(o->file, "rb");
	if (!f) {
		fprintf(stderr, "ordex: could not open \"%s\"\n", o->file);
		return ORDEX_E_IO;
	}
	size_t cap = ORDEX_EVIDENCE_MAX + 1;
	*bytes = malloc(cap);
	size_t n = *bytes ? fread(*bytes, 1, cap, f) : 0;
	fclose(f);
	const char *why = NULL;
	if (!*bytes)
		return ORDEX_E_NOMEM;
	if (!n)
		why = "the file is empty";
	else if (n > ORDEX_EVIDENCE_MAX)
		why = "the file is larger than 5 MiB";
	else
		why = NULL; /* the type is checked with the bytes by the command */
	if (why) {
		fprintf(stderr, "ordex: refused: %s\n", why);
		return ORDEX_E_INVAL;
	}
	unsigned char h[32];
	char *hex = ordex_arena_alloc(a, 65);
	ordex_sha256(h, *bytes, n);
	ordex_hex32(h, hex);
	k->sha256 = hex;
	char *type = ordex_arena_strdup(a, o->type);
	for (char *c = type; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	k->content_type = type;
	k->bytes = *bytes;
	k->size = n;
	const char *base = strrchr(o->file, '/');
	k->name = o->name ? o->name : base ? base + 1 : o->file;
	return ORDEX_OK;
}

static int work(const char *verb, const struct opts *o)
{
	struct ordex_store *st;
	struct ordex_scope sc;
	if (open_store(o, false, &st, &sc))
		return 1;
	struct ordex_arena *a = ordex_arena_new(1 << 16);
	bool propose = !strcmp(verb, "propose");
	enum ordex_op op = propose                   ? ORDEX_OP_ACTIONS_PROPOSE
	                   : !strcmp(verb, "assign") ? ORDEX_OP_CASES_ASSIGN
	                                             : ORDEX_OP_CASES_WORK;
	struct ordex_actor actor;
	int rc = actor_of(st, &sc, a, o->as, op, &actor);
	if (!rc && propose) {
		struct ordex_json *pl = NULL;
		struct ordex_json_error jerr;
		if (!o->kind || !o->payload ||
		    ordex_json_parse(a, o->payload, strlen(o->payload), NULL, &pl, &jerr)) {
			fprintf(stderr,
			        "ordex: --kind and --payload (a JSON object) are required\n");
			rc = ORDEX_E_INVAL;
		} else {
			struct ordex_action_cmd k = {
			    .actor = actor,
			    .verb = "propose",
			    .case_id = o->id,
			    .kind = o->kind,
			    .payload = pl,
			    .reason = o->reason,
			    .a = a,
			    .submit = !o->draft,
			};
			rc = ordex_cli_command(st, &sc, ordex_action_command, &k, &k.res,
			                       &k.problems);
			if (!rc)
				printf("%lld\t%s\t%d approval%s needed\n",
				       (long long)k.new_action_id, k.status, k.approvals_need,
				       k.approvals_need == 1 ? "" : "s");
		}
	} else if (!rc) {
		struct ordex_case_cmd k = {
		    .actor = actor,
		    .case_id = o->id,
		    .verb = !strcmp(verb, "comment") ? "comment" : verb,
		    .text = o->text,
		    .a = a,
		};
		if (!strcmp(verb, "assign")) {
			if (!o->to) {
				fprintf(stderr,
				        "ordex: --to NAME (or - to unassign) is required\n");
				rc = ORDEX_E_INVAL;
			} else {
				/* the command checks the person, as the API's does */
				k.assignee = strcmp(o->to, "-")
				                 ? ordex_arena_printf(a, "user:%s", o->to)
				                 : "";
			}
		}
		if (!strcmp(verb, "comment") && (!o->text || !o->text[0])) {
			fprintf(stderr, "ordex: --text is required\n");
			rc = ORDEX_E_INVAL;
		}
		unsigned char *bytes = NULL;
		if (!rc && !strcmp(verb, "evidence"))
			rc = evidence_of(o, a, &k, &bytes);
		if (!rc)
			rc = ordex_cli_command(st, &sc, ordex_case_command, &k, &k.res, NULL);
		if (!rc)
			fprintf(stderr, "ordex: case %lld: %s done\n", (long long)o->id, verb);
		if (!rc && bytes)
			printf("%s\n", k.sha256);
		free(bytes);
	}
	ordex_arena_free(a);
	st->ops->close(st);
	return rc ? 1 : 0;
}

int ordex_cmd_case(int argc, char **argv)
{
	const char *verb = argc >= 2 ? argv[1] : "";
	static const char *const verbs[] = {"list",   "show",    "claim",   "release",
	                                    "assign", "comment", "propose", "evidence"};
	bool known = false;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		known |= !strcmp(verb, verbs[i]);
	if (!known) {
		fputs(case_usage, stderr);
		return 2;
	}
	struct opts o;
	int rc = parse(argc, argv, &o, strcmp(verb, "list") != 0, case_usage);
	if (rc >= 0)
		return rc;
	if (!strcmp(verb, "list"))
		return list(&o);
	if (!strcmp(verb, "show"))
		return show(&o);
	return work(verb, &o);
}

static enum ordex_op approve_op(const char *role)
{
	if (!strcmp(role, "finance_approver"))
		return ORDEX_OP_APPROVE_FINANCE;
	if (!strcmp(role, "fraud_reviewer"))
		return ORDEX_OP_APPROVE_FRAUD;
	return ORDEX_OP_APPROVE_OPS;
}

int ordex_cmd_action(int argc, char **argv)
{
	const char *verb = argc >= 2 ? argv[1] : "";
	if (strcmp(verb, "approve") && strcmp(verb, "reject") && strcmp(verb, "cancel") &&
	    strcmp(verb, "override")) {
		fputs(action_usage, stderr);
		return 2;
	}
	struct opts o;
	int rc = parse(argc, argv, &o, true, action_usage);
	if (rc >= 0)
		return rc;
	struct ordex_store *st;
	struct ordex_scope sc;
	if (open_store(&o, false, &st, &sc))
		return 1;
	struct ordex_arena *a = ordex_arena_new(1 << 16);
	struct ordex_actor actor;
	/* the role first, for the operation an approval is */
	struct ordex_user_row u;
	enum ordex_op op = ORDEX_OP_ACTIONS_PROPOSE;
	if (strcmp(verb, "cancel") && o.as && st->ops->user_find(st, &sc, o.as, a, &u) == ORDEX_OK)
		op = approve_op(u.role);
	rc = actor_of(st, &sc, a, o.as, op, &actor);
	if (!rc && !strcmp(verb, "approve") && (!o.sha256 || strlen(o.sha256) != 64)) {
		fprintf(stderr, "ordex: --sha256 is required: the payload's hash, as \"ordex case "
		                "show\" gives it\n");
		rc = ORDEX_E_INVAL;
	}
	if (!rc && (!strcmp(verb, "reject") || !strcmp(verb, "override")) &&
	    (!o.reason || !o.reason[0])) {
		fprintf(stderr, "ordex: --reason is required\n");
		rc = ORDEX_E_INVAL;
	}
	struct ordex_json *pl = NULL;
	if (!rc && !strcmp(verb, "override")) {
		struct ordex_json_error jerr;
		if (!o.kind || !o.payload ||
		    ordex_json_parse(a, o.payload, strlen(o.payload), NULL, &pl, &jerr)) {
			fprintf(stderr, "ordex: --kind and --payload (a JSON object) are required: "
			                "what to do instead\n");
			rc = ORDEX_E_INVAL;
		}
	}
	if (!rc) {
		struct ordex_action_cmd k = {
		    .actor = actor,
		    .verb = verb,
		    .action_id = o.id,
		    .payload_hash = o.sha256,
		    .reason = o.reason,
		    .kind = o.kind,
		    .payload = pl,
		    .a = a,
		};
		rc = ordex_cli_command(st, &sc, ordex_action_command, &k, &k.res, &k.problems);
		if (!rc && !strcmp(verb, "approve"))
			printf("%s\t%d of %d approvals\n", k.status, k.approvals_have,
			       k.approvals_need);
		else if (!rc && k.new_action_id)
			printf("%s\t%lld\n", k.status, (long long)k.new_action_id);
		else if (!rc)
			printf("%s\n", k.status);
	}
	ordex_arena_free(a);
	st->ops->close(st);
	return rc ? 1 : 0;
}
