// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* mxctl load | unload | reload */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include "mxctl.h"
#include "config.h"
#include "../loader/loader.h"

static void print_notes(const char *ifname, const struct mxgw_load_result *res)
{
	if (res->generic_xdp)
		fprintf(stderr, "mxctl: note: %s: native XDP refused (%s); using generic XDP, which is slower\n",
			ifname, strerror(-res->native_err));
	if (res->repaired)
		fprintf(stderr, "mxctl: note: %s: a detached mxgw program was re-attached\n",
			ifname);
	if (res->ct_max_pending)
		fprintf(stderr, "mxctl: note: %s: conntrack-max takes effect at the next load "
			"(mxctl unload %s; mxctl load %s)\n", ifname, ifname, ifname);
	if (res->fast_ports == -EOPNOTSUPP)
		fprintf(stderr, "mxctl: note: this kernel does not report xdp-features (before 6.3): "
			"the kernel forwards incoming mail, the XDP redirect fast path stays off\n");
}

/* Does mxctl hold what loading takes: CAP_BPF and CAP_PERFMON (the
 * verifier's pointer comparisons), or CAP_SYS_ADMIN, which kernels before
 * 5.8 ask for instead; and CAP_NET_ADMIN to attach? */
static bool may_load(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };

#define HAS(cap)	(d[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap))
	if (syscall(SYS_capget, &h, d))
		return true;	/* cannot tell: say what the kernel said */
	return (HAS(CAP_SYS_ADMIN) || (HAS(CAP_BPF) && HAS(CAP_PERFMON))) &&
	       HAS(CAP_NET_ADMIN);
#undef HAS
}

static const char *load_error(int err)
{
	switch (err) {
	case -ENODEV:
		return "no such interface";
	case -EEXIST:
	case -EBUSY:
		return "the interface already has another XDP program; not replacing it";
	case -E2BIG:
		return "the config does not fit the maps";
	case -EPERM:
	case -EACCES:
		if (!may_load())
			return "permission denied: mxctl needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN) to load mxgw";
		return "the kernel refused the BPF programs (privileges or verifier; MXGW_DEBUG=1 shows libbpf's log)";
	default:
		return mxctl_strerror(err);
	}
}

/* Parse the config; on error the parser has said why, file:line first. */
static int parse(const struct mxctl_opts *opts, struct mxgw_conf *conf)
{
	return mxgw_conf_parse_file(opts->conf_path, conf, stderr) ? -1 : 0;
}

int cmd_load(const struct mxctl_opts *opts, int argc, char **argv)
{
	struct mxgw_load_result res;
	struct mxgw_conf conf;
	const char *ifname;
	int err;

	if (argc > 1)
		return mxctl_usage("load", "too many arguments");
	ifname = argc == 1 ? argv[0] : opts->ifname;
	if (!ifname)
		return mxctl_usage("load", "which interface?");
	if (strlen(ifname) >= IF_NAMESIZE)
		return mxctl_usage("load", "interface name too long: %s", ifname);
	if (parse(opts, &conf))
		return 1;
	err = mxgw_ensure_bpffs();
	if (err) {
		mxctl_err("load %s: cannot mount bpffs on /sys/fs/bpf: %s", ifname,
			  err == -EPERM ? "mounting takes CAP_SYS_ADMIN (or mount it first: mount -t bpf bpf /sys/fs/bpf)" :
			  strerror(-err));
		return 1;
	}
	err = mxgw_load(ifname, &conf, &res);
	if (err) {
		mxctl_err("load %s: %s", ifname, res.refusal ? res.refusal : load_error(err));
		return 1;
	}
	print_notes(ifname, &res);
	printf("%s %s: %u services from %s, xdp %s, tc egress\n",
	       res.created ? "loaded on" : "re-applied on", ifname,
	       conf.nservices, opts->conf_path,
	       res.generic_xdp ? "generic" : "native");
	return 0;
}

int cmd_unload(const struct mxctl_opts *opts, int argc, char **argv)
{
	const char *ifname;
	int err;

	if (argc > 1)
		return mxctl_usage("unload", "too many arguments");
	ifname = argc == 1 ? argv[0] : opts->ifname;
	if (!ifname)
		return mxctl_usage("unload", "which interface?");
	err = mxgw_unload(ifname);
	if (err) {
		mxctl_err("unload %s: %s", ifname,
			  err == -ENOENT ? "mxgw is not loaded there" : mxctl_strerror(err));
		return 1;
	}
	printf("unloaded from %s\n", ifname);
	return 0;
}

int cmd_reload(const struct mxctl_opts *opts, int argc, char **argv)
{
	char names[64][IF_NAMESIZE];
	struct mxgw_load_result res;
	struct mxgw_conf conf;
	int n, ret = 0;

	if (argc > 1)
		return mxctl_usage("reload", "too many arguments");
	n = mxctl_targets(opts, argc ? argv[0] : NULL, names, 64, "reload");
	if (n < 0)
		return 1;
	/* parsed once, before anything is touched */
	if (parse(opts, &conf))
		return 1;
	for (int i = 0; i < n; i++) {
		int err = mxgw_load(names[i], &conf, &res);

		if (err) {
			mxctl_err("reload %s: %s", names[i], res.refusal ? res.refusal : load_error(err));
			ret = 1;
			continue;
		}
		print_notes(names[i], &res);
		printf("reloaded %s: %u services from %s\n", names[i],
		       conf.nservices, opts->conf_path);
	}
	return ret;
}
