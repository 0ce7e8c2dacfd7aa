// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* mxctl set-service NAME [in|out] allow|deny [--save] */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "mxctl.h"
#include "args.h"
#include "config.h"
#include "conf_save.h"
#include "../loader/loader.h"

struct set_service_args {
	const char *name;
	int dir;		/* MXGW_DIR_IN, MXGW_DIR_OUT, -1: both */
	int verdict;
	bool save;
};

static const struct mxctl_word dir_words[] = {
	{ "in", MXGW_DIR_IN },
	{ "out", MXGW_DIR_OUT },
	{ NULL },
};

static const struct mxctl_word verdict_words[] = {
	{ "allow", MXGW_ALLOW },
	{ "deny", MXGW_DENY },
	{ NULL },
};

static const struct mxctl_arg set_service_args[] = {
	{ .name = "service", .type = MXCTL_ARG_STRING,
	  .flags = MXCTL_ARG_POSITIONAL | MXCTL_ARG_REQUIRED,
	  .offset = offsetof(struct set_service_args, name), .metavar = "NAME",
	  .help = "a running service" },
	{ .name = "direction", .type = MXCTL_ARG_WORD, .flags = MXCTL_ARG_POSITIONAL,
	  .offset = offsetof(struct set_service_args, dir), .words = dir_words,
	  .help = "incoming or outgoing only (default: both)" },
	{ .name = "verdict", .type = MXCTL_ARG_WORD,
	  .flags = MXCTL_ARG_POSITIONAL | MXCTL_ARG_REQUIRED,
	  .offset = offsetof(struct set_service_args, verdict), .words = verdict_words,
	  .help = "the new verdict" },
	{ .name = "save", .type = MXCTL_ARG_FLAG,
	  .offset = offsetof(struct set_service_args, save),
	  .help = "write the change into the config file too, on that service's line" },
	{ 0 },
};

static const struct set_service_args set_service_defaults = { .dir = -1 };

/* The running services' names, for the "unknown service" message. */
static void list_known(const struct mxgw_maps *m)
{
	struct mxgw_service svcs[MXGW_MAX_SERVICES];
	const char *sep = "";

	if (mxgw_maps_read_services(m, svcs))
		return;
	fputs("mxctl: known services:", stderr);
	for (int id = 1; id < MXGW_MAX_SERVICES; id++) {
		if (!svcs[id].in_use)
			continue;
		fprintf(stderr, "%s %.*s", sep, MXGW_SVC_NAME_LEN, svcs[id].name);
		sep = ",";
	}
	fputc('\n', stderr);
}

/*
 * --save writes only a service the file defines: checked before anything
 * runs, so that a save that cannot happen changes nothing at all.
 */
static int save_precheck(const char *path, const char *name)
{
	static struct mxgw_conf_file conf;
	int err;

	err = mxgw_conf_parse_file(path, &conf, NULL);
	if (err == -EINVAL) {
		mxctl_err("set-service --save: %s does not parse (mxctl check -c %s): nothing changed",
			  path, path);
		return -1;
	}
	if (err) {
		mxctl_err("set-service --save: %s: %s: nothing changed", path,
			  mxctl_strerror(err));
		return -1;
	}
	if (!mxgw_policy_find_service(&conf.policy, name)) {
		mxctl_err("set-service --save: %s defines no service '%s': nothing changed",
			  path, name);
		return -1;
	}
	return 0;
}

static int cmd_set_service(const struct mxctl_opts *opts, const void *args)
{
	const struct set_service_args *a = args;
	const char *name = a->name, *dir_s = a->dir < 0 ? "in+out" : a->dir == MXGW_DIR_IN ?
					    "in" : "out", *verdict_s = mxgw_verdict_str(a->verdict);
	const int dir = a->dir, verdict = a->verdict;
	const bool save = a->save;
	char names[64][IF_NAMESIZE];
	int n, ret = 0;

	if (save && save_precheck(opts->conf_path, name))
		return 1;
	n = mxctl_targets(opts, NULL, names, 64, "set-service");
	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		struct mxgw_maps m;
		int err;

		mxgw_maps_init(&m);
		err = mxgw_open_loaded(names[i], &m);
		if (!err)
			err = mxgw_maps_set_verdict(&m, name, dir, verdict);
		if (err == -ENOENT) {
			mxctl_err("set-service: %s: no service named '%s'", names[i], name);
			list_known(&m);
		} else if (err) {
			mxctl_err("set-service %s: %s: %s", name, names[i], mxctl_strerror(err));
		} else {
			printf("%s: %s %s %s\n", names[i], name, dir_s, verdict_s);
		}
		mxgw_maps_close(&m);
		if (err)
			ret = 1;
	}
	if (!save)
		return ret;
	/* Only a change that took everywhere goes into the file. */
	if (ret) {
		mxctl_err("set-service: %s not changed: the running change failed",
			  opts->conf_path);
		return ret;
	}
	if (mxgw_conf_save_verdict(opts->conf_path, name, dir, verdict, stderr)) {
		mxctl_err("set-service: the running gateway changed, but %s did not",
			  opts->conf_path);
		return 1;
	}
	printf("%s: %s %s %s\n", opts->conf_path, name, dir_s, verdict_s);
	return 0;
}

const struct mxctl_cmd mxctl_cmd_set_service = {
	.name = "set-service",
	.handler = cmd_set_service,
	.args = set_service_args,
	.args_size = sizeof(struct set_service_args),
	.defaults = &set_service_defaults,
	.help = "change a service's verdict at once (no direction: both); --save: in the config too",
};
