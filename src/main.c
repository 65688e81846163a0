/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - the ordex binary: dispatches to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
    {"serve", ordex_cmd_serve, "run the HTTP service"},
    {"init", ordex_cmd_init, "create the database, a first tenant and an admin key"},
    {"key", ordex_cmd_key, "API keys: key create, key list, key revoke"},
    {"user", ordex_cmd_user, "people: user create, user list, user disable"},
    {"case", ordex_cmd_case, "the case queue and its work: case list, show, claim, propose ..."},
    {"action", ordex_cmd_action, "decide on a proposed action: action approve, reject, cancel"},
    {"policy", ordex_cmd_policy, "routing and approval policy: policy show, test, set"},
    {"tenant", ordex_cmd_tenant,
     "another tenant, or a tenant's settings (tenant create, tenant set)"},
    {"target", ordex_cmd_target, "writeback targets: target add, list, remove"},
    {"writeback", ordex_cmd_writeback, "what was sent to targets: writeback list, retry, cancel"},
    {"connector", ordex_cmd_connector, "add or list provider connectors (connector add|list)"},
    {"import", ordex_cmd_import, "feed event files or the Olist CSV set through the writer"},
    {"exceptions", ordex_cmd_exceptions, "list exceptions, highest priority first"},
    {"audit", ordex_cmd_audit, "verify the audit chain (audit verify)"},
    {"simulate", ordex_cmd_simulate, "write a realistic, deterministic event stream (NDJSON)"},
    {"usage", ordex_cmd_usage, "metering counts of a tenant's environment, per hour or day"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ordex COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n\"ordex COMMAND --help\" describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "ordex: could not initialize libsodium\n");
		return 1;
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ordex: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
