// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* mxctl load | unload | reload */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include "mxctl.h"
#include "args.h"
#include "config.h"
#include "../maps/blocklist.h"
#include "../loader/loader.h"

static const char *ip_str(__be32 a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* What the stale pins were: "ifindex 7, gone" / "ifindex 7, now eth3, which does not run them" */
static const char *stale_why(const struct mxgw_pins *p, char *buf, size_t len)
{
	if (!p->ifindex)
		snprintf(buf, len, "incomplete");
	else if (!p->ifname_now[0])
		snprintf(buf, len, "loaded on ifindex %u, which is gone", p->ifindex);
	else
		snprintf(buf, len, "loaded on ifindex %u, now %s, which does not run them",
			 p->ifindex, p->ifname_now);
	return buf;
}

static void print_notes(const char *cmd, const char *ifname, const struct mxgw_policy *pol,
			const struct mxgw_load_result *res)
{
	char why[96];

	if (res->stale_removed)
		fprintf(stderr, "mxctl: %s %s: note: removed the stale pins of %s (%s)\n",
			cmd, ifname, ifname, stale_why(&res->stale, why, sizeof(why)));
	if (res->taken_back)
		fprintf(stderr, "mxctl: %s %s: note: mxgw's programs ran on %s without their pins: "
			"taken back (replaced atomically; %u flows kept)\n",
			cmd, ifname, ifname, res->ct_copied);
	if (res->generic_xdp && res->native_err)
		fprintf(stderr, "mxctl: %s %s: note: native XDP refused (%s); using generic XDP, which is slower\n",
			cmd, ifname, strerror(-res->native_err));
	if (res->repaired)
		fprintf(stderr, "mxctl: %s %s: note: a detached mxgw program was re-attached\n",
			cmd, ifname);
	if (res->replaced && res->ct_max_old)
		fprintf(stderr, "mxctl: %s %s: note: conntrack resized from %u to %u: programs replaced "
			"atomically, %u flows and %u mappings carried over\n", cmd, ifname,
			res->ct_max_old, res->ct_max_new, res->ct_copied, res->nat_copied);
	if (res->upgraded)
		printf("upgraded %s from %s to %s: programs replaced atomically; %u maps kept, "
		       "migrated: %s; %u flows, %u mappings, %u bans copied, %u made fresh\n",
		       ifname, res->build_from, res->build_to, res->maps_shared,
		       res->migrated[0] ? res->migrated : "none", res->ct_copied,
		       res->nat_copied, res->bans_copied, res->maps_fresh);
	if (res->fast_ports == -EOPNOTSUPP)
		fprintf(stderr, "mxctl: note: this kernel does not report xdp-features (before 6.3): "
			"the kernel forwards incoming mail, the XDP redirect fast path stays off "
			"(xdp-redirect IFNAME,... names the devices that take XDP frames)\n");
	/* the operator's list, against the devices here */
	for (unsigned int i = 0; pol->xdp_redirect == MXGW_XDP_REDIRECT_DEVICES &&
				 i < pol->nredirect_devs; i++)
		if (!if_nametoindex(pol->redirect_devs[i]))
			fprintf(stderr, "mxctl: %s %s: note: xdp-redirect: no device %s here: "
				"the kernel forwards to it\n", cmd, ifname, pol->redirect_devs[i]);
}

static const char *ip6_str(const struct mxgw_in6 *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* The warnings of mailserver6: what would keep IPv6 mail from it. */
static void preflight6(const char *cmd, const char *ifname, const struct mxgw_policy *pol,
		       const struct mxgw_preflight *pf)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	ip6_str(&pol->mailserver6, a);
	if (pf->ip6_forward == 0)
		mxctl_err("%s %s: warning: IPv6 forwarding is off (net.ipv6.conf.all.forwarding = 0): "
			  "nothing reaches the mail server %s over IPv6 (sysctl -w "
			  "net.ipv6.conf.all.forwarding=1, and a line in /etc/sysctl.d to keep it; "
			  "a WAN configured by router advertisements then needs "
			  "net.ipv6.conf.%s.accept_ra=2)", cmd, ifname, a, ifname);
	else if (pf->ip6_forward < 0)
		mxctl_err("%s %s: warning: IPv6 is off in this kernel or namespace "
			  "(no /proc/sys/net/ipv6): nothing reaches the mail server %s over IPv6",
			  cmd, ifname, a);
	if (pf->lan6_route == 1 && pf->route6_len)
		mxctl_err("%s %s: warning: mailserver6 %s is routed out of %s itself (route %s/%u): "
			  "nothing reaches it over IPv6; route the LAN's IPv6 prefix to the LAN "
			  "interface", cmd, ifname, a, ifname, ip6_str(&pf->route6_dst, b),
			  pf->route6_len);
	else if (pf->lan6_route == 1)
		mxctl_err("%s %s: warning: mailserver6 %s is reached only by the default route, "
			  "out of %s itself: nothing reaches it over IPv6; give the LAN interface "
			  "an address in its prefix (or a route to it)", cmd, ifname, a, ifname);
	else if (pf->lan6_route < 0)
		mxctl_err("%s %s: warning: no route to mailserver6 %s (%s): nothing reaches it "
			  "over IPv6; give the LAN interface an address in its prefix (or a "
			  "route to it)", cmd, ifname, a, strerror(-pf->lan6_route));
}

/*
 * Is @ifname a mistake for the WAN interface?  Refusals (loopback, the LAN
 * interface) return 1 after saying why; warnings are said and return 0.
 */
static int preflight(const char *cmd, const char *ifname, const struct mxgw_policy *pol)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct mxgw_preflight pf;
	int err = mxgw_preflight(ifname, pol, &pf);

	if (err == -ENODEV)
		return 0;	/* the load says "no such interface" */
	if (err) {
		mxctl_err("%s %s: %s", cmd, ifname, mxctl_strerror(err));
		return 1;
	}
	if (pf.loopback) {
		mxctl_err("%s %s: refused: %s is the loopback interface; "
			  "load mxgw on the WAN interface", cmd, ifname, ifname);
		return 1;
	}
	if (pf.lan_route == 1) {
		mxctl_err("%s %s: refused: %s is the LAN interface: the mail server %s is "
			  "reached through it (route %s/%u); load mxgw on the WAN interface",
			  cmd, ifname, ifname, ip_str(pol->mailserver_addr, a),
			  ip_str(pf.route_dst, b), pf.route_len);
		return 1;
	}
	if (pf.default_route_lan)
		mxctl_err("%s %s: warning: the mail server %s is reached only by the default "
			  "route, out of %s itself: incoming connections would leave the way "
			  "they came (add the LAN's route)", cmd, ifname,
			  ip_str(pol->mailserver_addr, a), ifname);
	if (!pf.public_on_if)
		mxctl_err("%s %s: warning: public %s is not an address of %s: nothing arrives "
			  "for it unless the upstream router routes it here, or keepalived "
			  "adds it when this gateway becomes master "
			  "(ip addr add %s/PREFIXLEN dev %s)", cmd, ifname,
			  ip_str(pol->public_addr, a), ifname, a, ifname);
	if (pf.ip_forward == 0)
		mxctl_err("%s %s: warning: IPv4 forwarding is off (net.ipv4.ip_forward = 0): "
			  "nothing reaches the mail server (sysctl -w net.ipv4.ip_forward=1, "
			  "and a line in /etc/sysctl.d to keep it)", cmd, ifname);
	if (pol->has_mailserver6)
		preflight6(cmd, ifname, pol, &pf);
	return 0;
}

#define MAX_CONNS	64

/*
 * Over IPv6, the connections to the WAN interfaces' own IPv6 addresses
 * (@names, @nif of them) that a "to gateway" service of the new table
 * would not let in.  Returns how many it named, or -1 when they cannot be
 * listed (said, unless --force goes on without).
 */
static int check_cut6(const char *what, const char (*names)[IF_NAMESIZE], int nif,
		      const struct mxgw_policy *pol, bool force)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct mxgw_tcp6_conn c[MAX_CONNS];
	int cut = 0;

	for (int i = 0; i < nif; i++) {
		__u32 ifindex = if_nametoindex(names[i]);
		struct mxgw_wan wan;
		int n;

		/* no such interface: load says so, reload skips it */
		if (!ifindex || mxgw_wan_of(ifindex, pol, &wan) || !wan.naddrs6)
			continue;
		n = mxgw_incoming_tcp6(wan.addrs6, wan.naddrs6, c, MAX_CONNS);
		if (n < 0) {
			mxctl_err("%s: cannot list the gateway's connections (/proc/net/tcp6): %s%s",
				  what, strerror(-n), force ? "" : "; --force to go on without");
			return force ? cut : -1;
		}
		for (int k = 0; k < n && k < MAX_CONNS; k++) {
			if (mxgw_policy_lets_in_to_gateway6(pol, IPPROTO_TCP, c[k].local_port,
							    &c[k].remote_addr))
				continue;
			mxctl_err("%s: %sestablished tcp [%s]:%u -> [%s]:%u would be cut by the new table",
				  what, force ? "warning: " : "",
				  inet_ntop(AF_INET6, &c[k].remote_addr, a, sizeof(a)),
				  c[k].remote_port,
				  inet_ntop(AF_INET6, &c[k].local_addr, b, sizeof(b)),
				  c[k].local_port);
			cut++;
		}
		if (n > MAX_CONNS)
			mxctl_err("%s: %d more connections to the gateway not checked", what,
				  n - MAX_CONNS);
	}
	return cut;
}

/*
 * The gateway's own established TCP connections on the public address
 * (ssh, say), and over IPv6 on the WAN interfaces' (@names, @nif) own
 * addresses, that the new table would cut: each is named; without --force
 * the command is refused (1) before anything changes.  @what: "load wan0"
 * or "reload".
 */
static int check_cut(const char *what, const char (*names)[IF_NAMESIZE], int nif,
		     const struct mxgw_policy *pol, bool force)
{
	struct mxgw_tcp_conn c[MAX_CONNS];
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int n = mxgw_incoming_tcp(pol->public_addr, c, MAX_CONNS), cut = 0, cut6;

	if (n < 0) {
		mxctl_err("%s: cannot list the gateway's connections (/proc/net/tcp): %s%s",
			  what, strerror(-n), force ? "" : "; --force to go on without");
		return force ? 0 : 1;
	}
	for (int i = 0; i < n && i < MAX_CONNS; i++) {
		if (mxgw_policy_lets_in_to_gateway(pol, IPPROTO_TCP, c[i].local_port,
						   c[i].remote_addr))
			continue;
		mxctl_err("%s: %sestablished tcp %s:%u -> %s:%u would be cut by the new table",
			  what, force ? "warning: " : "", ip_str(c[i].remote_addr, a),
			  c[i].remote_port, ip_str(c[i].local_addr, b), c[i].local_port);
		cut++;
	}
	if (n > MAX_CONNS)
		mxctl_err("%s: %d more connections to the gateway not checked", what,
			  n - MAX_CONNS);
	cut6 = check_cut6(what, names, nif, pol, force);
	if (cut6 < 0)
		return 1;
	cut += cut6;
	if (!cut || force)
		return 0;
	mxctl_err("%s: refused: %d established connection%s to the gateway would be cut "
		  "(a 'service ... to gateway' line lets them in; --force cuts them)",
		  what, cut, cut == 1 ? "" : "s");
	return 1;
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
	case -ENOTUNIQ:
		return "mxgw's pins of this name belong to a renamed interface now";
	case -EPERM:
	case -EACCES:
		if (!may_load())
			return "permission denied: mxctl needs root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN) to load mxgw";
		return "the kernel refused the BPF programs (privileges or verifier; MXGW_DEBUG=1 shows libbpf's log)";
	default:
		return mxctl_strerror(err);
	}
}

static const char *load_error(int err);

/* The LAN device's errors (--lan's, attaching mxgw_lan_in), or NULL. */
static const char *lan_error(const char *lan, const struct mxgw_load_result *res, int err)
{
	static char buf[160];
	char name[IF_NAMESIZE];

	if (lan && err == -ENODEV && if_nametoindex(lan) == 0)
		return "--lan: no such interface";
	if (lan && err == -EINVAL)
		return "--lan: that is the WAN interface";
	if (!res->lan_failed)
		return NULL;
	if (!if_indextoname(res->lan_ifindex, name))
		snprintf(name, sizeof(name), "%u", res->lan_ifindex);
	snprintf(buf, sizeof(buf), "LAN interface %s: %s (nothing changed on the WAN; "
		 "--lan names another)", name,
		 err == -EBUSY || err == -EEXIST ? "it runs another XDP program; not replacing it" :
		 load_error(err));
	return buf;
}

/* ", LAN xdp on IFNAME (" when mxgw_lan_in runs; the mode follows. */
static const char *lan_note(const struct mxgw_load_result *res)
{
	static char buf[IF_NAMESIZE + 32];
	char name[IF_NAMESIZE];

	if (!res->lan_ifindex && res->lan_taken) {
		if (!if_indextoname(res->lan_taken, name))
			snprintf(name, sizeof(name), "%u", res->lan_taken);
		snprintf(buf, sizeof(buf), ", no LAN xdp (%s runs another interface's)", name);
		return buf;
	}
	if (!res->lan_ifindex)
		return ", no LAN xdp (no LAN route to the mail server)";
	if (!if_indextoname(res->lan_ifindex, name))
		snprintf(name, sizeof(name), "%u", res->lan_ifindex);
	snprintf(buf, sizeof(buf), ", LAN xdp on %s (", name);
	return buf;
}

/* Parse the config; on error the parser has said why, file:line first. */
static int parse(const struct mxctl_opts *opts, struct mxgw_conf_file *conf)
{
	return mxgw_conf_parse_file(opts->conf_path, conf, stderr) ? -1 : 0;
}

/* What load, unload and reload take. */
struct load_args {
	const char *ifname;
	bool force;
	const char *lan;
};

#define ARG_IFNAME(flag, text)						\
	{ .name = "interface", .type = MXCTL_ARG_IFNAME,		\
	  .flags = MXCTL_ARG_POSITIONAL | (flag),			\
	  .offset = offsetof(struct load_args, ifname), .metavar = "IFNAME", \
	  .help = text }
#define ARG_FORCE							\
	{ .name = "force", .type = MXCTL_ARG_FLAG,			\
	  .offset = offsetof(struct load_args, force),			\
	  .help = "even if that cuts an established connection to the gateway" }
#define ARG_LAN								\
	{ .name = "lan", .type = MXCTL_ARG_IFNAME,			\
	  .offset = offsetof(struct load_args, lan), .metavar = "IFNAME", \
	  .help = "the LAN interface for the XDP fast path to the WAN "	\
		  "(default: the one the mail server is routed through; "	\
		  "reload: the one it runs on)" }

static const struct mxctl_arg load_args[] = {
	ARG_IFNAME(MXCTL_ARG_OR_I, "the WAN interface (or -i)"),
	ARG_FORCE,
	ARG_LAN,
	{ 0 },
};

static const struct mxctl_arg unload_args[] = {
	ARG_IFNAME(MXCTL_ARG_OR_I, "the WAN interface (or -i)"),
	{ 0 },
};

static const struct mxctl_arg reload_args[] = {
	ARG_IFNAME(0, "this interface only (or -i)"),
	ARG_FORCE,
	ARG_LAN,
	{ 0 },
};

/* The interface IFNAME or -i names; NULL after a usage error. */
static const char *which(const struct mxctl_opts *opts, const struct load_args *a,
			 const char *cmd)
{
	const char *ifname = a->ifname ? a->ifname : opts->ifname;

	if (!ifname)
		mxctl_usage(cmd, "which interface? (IFNAME or -i IFNAME)");
	else if (strlen(ifname) >= IF_NAMESIZE)
		mxctl_usage(cmd, "-i '%s': expected an interface name of at most %d characters",
			    ifname, IF_NAMESIZE - 1);
	else
		return ifname;
	return NULL;
}

static struct mxgw_bl_list lists[MXGW_BL_MAX];

static int cmd_load(const struct mxctl_opts *opts, const void *args)
{
	const struct load_args *a = args;
	const bool force = a->force;
	struct mxgw_load_result res;
	struct mxgw_conf_file conf;
	char names[1][IF_NAMESIZE];
	const char *ifname;
	char what[IF_NAMESIZE + 8];
	int err;

	ifname = which(opts, a, "load");
	if (!ifname)
		return EXIT_USAGE;
	if (parse(opts, &conf))
		return 1;
	/* the blocklists' files, read before anything changes */
	if (mxctl_bl_read_all("load", &conf.policy, -1, lists))
		return 1;
	snprintf(what, sizeof(what), "load %s", ifname);
	snprintf(names[0], IF_NAMESIZE, "%s", ifname);
	if (preflight("load", ifname, &conf.policy) ||
	    check_cut(what, names, 1, &conf.policy, force))
		return 1;
	err = mxgw_ensure_bpffs();
	if (err) {
		mxctl_err("load %s: cannot mount bpffs on /sys/fs/bpf: %s", ifname,
			  err == -EPERM ? "mounting takes CAP_SYS_ADMIN (or mount it first: mount -t bpf bpf /sys/fs/bpf)" :
			  strerror(-err));
		return 1;
	}
	mxctl_follow_renames("load");
	err = mxgw_load_lan(ifname, a->lan, &conf.policy, &res);
	if (err) {
		mxctl_err("load %s: %s", ifname, res.refusal ? res.refusal :
			  lan_error(a->lan, &res, err) ? lan_error(a->lan, &res, err) : load_error(err));
		return 1;
	}
	print_notes("load", ifname, &conf.policy, &res);
	printf("%s %s: %u services from %s, xdp %s, tc egress%s%s%s\n",
	       res.created ? "loaded on" : res.upgraded ? "upgraded on" : "re-applied on", ifname,
	       conf.policy.nservices, opts->conf_path,
	       res.generic_xdp ? "generic" : "native", lan_note(&res),
	       res.lan_ifindex ? (res.lan_generic ? "generic" : "native") : "",
	       res.lan_ifindex ? ")" : "");
	err = mxctl_bl_apply("load", ifname, &conf.policy, lists, -1, !conf.policy.nblocklists);
	mxctl_bl_free_all(lists);
	return err ? 1 : 0;
}

static int cmd_unload(const struct mxctl_opts *opts, const void *args)
{
	struct mxgw_unload_result res;
	const char *ifname;
	char why[96];
	int err;

	ifname = which(opts, args, "unload");
	if (!ifname)
		return EXIT_USAGE;
	mxctl_follow_renames("unload");
	err = mxgw_unload(ifname, &res);
	if (err) {
		mxctl_err("unload %s: %s", ifname,
			  err == -ENOENT ? "mxgw is not loaded there" : mxctl_strerror(err));
		return 1;
	}
	if (res.stale) {
		printf("removed the stale pins of %s (%s); nothing was attached\n", ifname,
		       stale_why(&res.pins, why, sizeof(why)));
		return 0;
	}
	if (res.orphan)
		fprintf(stderr, "mxctl: unload %s: note: mxgw's programs ran on %s without their "
			"pins: detached\n", ifname, ifname);
	printf("unloaded from %s: mxgw no longer filters %s; LAN hosts' packets now leave "
	       "untranslated unless netfilter masquerades them\n", ifname, ifname);
	return 0;
}

static int cmd_reload(const struct mxctl_opts *opts, const void *args)
{
	const struct load_args *a = args;
	const bool force = a->force;
	char names[64][IF_NAMESIZE];
	struct mxgw_load_result res;
	struct mxgw_conf_file conf;
	int n, ret = 0;

	n = mxctl_targets(opts, a->ifname, names, 64, "reload");
	if (n < 0)
		return 1;
	/* parsed once, before anything is touched */
	if (parse(opts, &conf))
		return 1;
	if (check_cut("reload", names, n, &conf.policy, force))
		return 1;
	if (mxctl_bl_read_all("reload", &conf.policy, -1, lists))
		return 1;
	for (int i = 0; i < n; i++) {
		struct mxgw_pins pins;
		int err;

		if (!mxgw_pins_state(names[i], &pins) && pins.state == MXGW_PINS_STALE) {
			char why[96];

			mxctl_err("reload %s: stale pins (%s): mxctl unload %s removes them",
				  names[i], stale_why(&pins, why, sizeof(why)), names[i]);
			ret = 1;
			continue;
		}
		if (preflight("reload", names[i], &conf.policy)) {
			ret = 1;
			continue;
		}
		err = mxgw_load_lan(names[i], a->lan, &conf.policy, &res);
		if (err) {
			mxctl_err("reload %s: %s", names[i], res.refusal ? res.refusal :
				  lan_error(a->lan, &res, err) ? lan_error(a->lan, &res, err) :
				  load_error(err));
			ret = 1;
			continue;
		}
		print_notes("reload", names[i], &conf.policy, &res);
		printf("reloaded %s: %u services from %s\n", names[i],
		       conf.policy.nservices, opts->conf_path);
		ret |= mxctl_bl_apply("reload", names[i], &conf.policy, lists, -1,
				      !conf.policy.nblocklists);
	}
	mxctl_bl_free_all(lists);
	return ret;
}

const struct mxctl_cmd mxctl_cmd_load = {
	.name = "load",
	.handler = cmd_load,
	.args = load_args,
	.args_size = sizeof(struct load_args),
	.help = "load mxgw on the WAN interface IFNAME with the config; again: re-apply it. "
		"--force: even if that cuts a connection to the gateway",
};

const struct mxctl_cmd mxctl_cmd_unload = {
	.name = "unload",
	.handler = cmd_unload,
	.args = unload_args,
	.args_size = sizeof(struct load_args),
	.help = "stop filtering IFNAME: detach mxgw (XDP, then TC) and remove its pins",
};

const struct mxctl_cmd mxctl_cmd_reload = {
	.name = "reload",
	.handler = cmd_reload,
	.args = reload_args,
	.args_size = sizeof(struct load_args),
	.help = "re-read the config and apply it to the running gateway, flows kept",
};
