// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* mxctl set-service NAME [in|out] allow|deny [--save] */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "mxctl.h"
#include "config.h"
#include "conf_save.h"
#include "../loader/loader.h"

static int parse_verdict(const char *s)
{
	if (!strcmp(s, "allow"))
		return MXGW_ALLOW;
	if (!strcmp(s, "deny"))
		return MXGW_DENY;
	return -1;
}

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

/* --save anywhere among the arguments: taken out, so they stay positional. */
static bool take_save(int *argc, char **argv)
{
	bool save = false;
	int n = 0;

	for (int i = 0; i < *argc; i++) {
		if (!strcmp(argv[i], "--save"))
			save = true;
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return save;
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

int cmd_set_service(const struct mxctl_opts *opts, int argc, char **argv)
{
	char names[64][IF_NAMESIZE];
	const char *name, *dir_s = NULL;
	int dir = -1, verdict, n, ret = 0;
	bool save = take_save(&argc, argv);

	if (argc < 2 || argc > 3)
		return mxctl_usage("set-service", "expected NAME [in|out] allow|deny");
	name = argv[0];
	if (argc == 3) {
		dir_s = argv[1];
		if (!strcmp(dir_s, "in"))
			dir = MXGW_DIR_IN;
		else if (!strcmp(dir_s, "out"))
			dir = MXGW_DIR_OUT;
		else
			return mxctl_usage("set-service", "direction must be in or out, not '%s'",
					   dir_s);
	}
	verdict = parse_verdict(argv[argc - 1]);
	if (verdict < 0)
		return mxctl_usage("set-service", "verdict must be allow or deny, not '%s'",
				   argv[argc - 1]);

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
			printf("%s: %s %s %s\n", names[i], name,
			       dir_s ? dir_s : "in+out", argv[argc - 1]);
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
	printf("%s: %s %s %s\n", opts->conf_path, name, dir_s ? dir_s : "in+out",
	       argv[argc - 1]);
	return 0;
}
