// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl conntrack [flush|export|import FILE]: the tracked flows of the outgoing direction,
 * IPv4's (masqueraded: LAN, public and remote side) and IPv6's (routed:
 * the LAN address is the public one), each flow with its family.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "mxctl.h"
#include "args.h"
#include "../maps/names.h"
#include "json.h"
#include "../loader/loader.h"
#include "conntrack_sync.h"

struct walk {
	const struct mxgw_config *cfg;
	struct json *j;		/* NULL: text */
	__u64 now;
	unsigned int shown;
};

static const char *proto_str(__u8 proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : "?";
}

/* The text's protocol column: netstat's tcp6, udp6; icmp6 for ICMPv6. */
static const char *proto6_str(__u8 proto)
{
	return proto == 6 ? "tcp6" : proto == 17 ? "udp6" : proto == 58 ? "icmp6" : "?";
}

static const char *state_str(__u8 state)
{
	return state < MXGW_CT_STATE_MAX ? mxgw_ct_state_names[state] : "?";
}

static void endpoint(char *buf, size_t len, __be32 addr, __be16 port, __u8 proto)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (proto == 1)
		snprintf(buf, len, "%s id %u", a, ntohs(port));
	else
		snprintf(buf, len, "%s:%u", a, ntohs(port));
}

/* "[2001:db8::1]:443" (RFC 5952 6), "2001:db8::1 id 7" for ICMPv6 echo */
static void endpoint6(char *buf, size_t len, const struct mxgw_in6 *addr, __be16 port,
		      __u8 proto)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, addr, a, sizeof(a));
	if (proto == 58)
		snprintf(buf, len, "%s id %u", a, ntohs(port));
	else
		snprintf(buf, len, "[%s]:%u", a, ntohs(port));
}

/* Seconds since @ns, since last seen, and left before the timeout. */
static void times(const struct walk *w, const struct mxgw_ct_entry *e, __u64 *age,
		  __u64 *idle, __u64 *left)
{
	/* a time a little ahead of our clock (read at another moment) is 0 */
	*age = (__s64)(w->now - e->created_ns) > 0 ? (w->now - e->created_ns) / 1000000000ULL : 0;
	*idle = (__s64)(w->now - e->seen_ns) > 0 ? (w->now - e->seen_ns) / 1000000000ULL : 0;
	/* the timeout mxgw_ct_live went by (an unreplied TCP entry's is
	 * tcp-syn-sent's at most) */
	*left = mxgw_ct_timeout_ns(w->cfg, e, e->state) / 1000000000ULL - *idle;
}

/* One flow, either family; @proto is the text's column. */
static void print_flow(struct walk *w, const char *family, const char *proto,
		       const char *lan, const char *pub, const char *rem,
		       const struct mxgw_ct_entry *e)
{
	__u64 age, idle, left;

	times(w, e, &age, &idle, &left);
	w->shown++;
	if (w->j) {
		json_object_start(w->j);
		json_kv_string(w->j, "family", family);
		json_kv_string(w->j, "proto", proto);
		json_kv_string(w->j, "lan", lan);
		json_kv_string(w->j, "public", pub);
		json_kv_string(w->j, "remote", rem);
		json_kv_string(w->j, "state", state_str(e->state));
		json_kv_bool(w->j, "replied", e->flags & MXGW_CT_F_REPLIED);
		json_kv_uint(w->j, "age_s", age);
		json_kv_uint(w->j, "idle_s", idle);
		json_kv_uint(w->j, "expires_s", left);
		json_object_end(w->j);
		return;
	}
	printf("%-5s %-24s %-24s %-24s %-16s %8llus %8llus%s\n", proto, lan, pub, rem,
	       state_str(e->state), (unsigned long long)age, (unsigned long long)left,
	       e->flags & MXGW_CT_F_REPLIED ? "" : " [unreplied]");
}

static int show6(const struct mxgw_ct6_key *k, const struct mxgw_ct_entry *e, void *arg)
{
	struct walk *w = arg;
	char lan[64], rem[64];
	const char *proto;

	if (!mxgw_ct_live(w->cfg, e, w->now))
		return 0;
	endpoint6(lan, sizeof(lan), &k->lan_addr, k->lan_port, k->proto);
	if (k->proto == 58)
		inet_ntop(AF_INET6, &k->remote_addr, rem, sizeof(rem));
	else
		endpoint6(rem, sizeof(rem), &k->remote_addr, k->remote_port, k->proto);
	/* JSON names the protocol as IPv4's flows do, with the family apart;
	 * routed, the Internet sees the LAN's own address */
	proto = w->j ? (k->proto == 58 ? "icmpv6" : proto_str(k->proto)) : proto6_str(k->proto);
	print_flow(w, "ipv6", proto, e->flags & MXGW_CT_F_LOCAL ? "gateway" : lan,
		   w->j ? lan : "(routed)", rem, e);
	return 0;
}

static int show(const struct mxgw_ct_key *k, const struct mxgw_ct_entry *e, void *arg)
{
	struct walk *w = arg;
	char lan[40], pub[40], rem[40];

	if (!mxgw_ct_live(w->cfg, e, w->now))
		return 0;
	endpoint(lan, sizeof(lan), e->lan_addr, e->lan_port, k->proto);
	endpoint(pub, sizeof(pub), w->cfg->public_addr, k->public_port, k->proto);
	if (k->proto == 1)
		inet_ntop(AF_INET, &k->remote_addr, rem, sizeof(rem));
	else
		endpoint(rem, sizeof(rem), k->remote_addr, k->remote_port, k->proto);
	print_flow(w, "ipv4", proto_str(k->proto),
		   e->flags & MXGW_CT_F_LOCAL ? (w->j ? "gateway" : "(gateway)") : lan,
		   pub, rem, e);
	return 0;
}

/*
 * The flows of @ifname, as text or (@j) one JSON object; a walk that
 * fails ends that object with its "error" and sets *@said.  Returns 0 or
 * a negative errno.
 */
static int list(const char *ifname, const struct mxgw_maps *m, struct json *j,
		bool *said)
{
	struct mxgw_config cfg;
	struct walk w = { .cfg = &cfg, .j = j, .now = mxgw_now_ns() };
	int err = mxgw_maps_read_config(m, &cfg);

	if (err)
		return err;
	if (j) {
		json_object_start(j);
		json_kv_string(j, "ifname", ifname);
		json_key(j, "flows");
		json_array_start(j);
	} else {
		printf("%s:\n%-5s %-24s %-24s %-24s %-16s %9s %9s\n", ifname, "proto",
		       "lan", "public", "remote", "state", "age", "expires");
	}
	err = mxgw_maps_ct_walk(m, show, &w);
	if (!err)
		err = mxgw_maps_ct6_walk(m, show6, &w);
	if (j) {
		json_array_end(j);
		json_kv_uint(j, "count", w.shown);
		json_kv_uint(j, "max", mxgw_maps_max_entries(m->ct));
		json_kv_uint(j, "max6", mxgw_maps_max_entries(m->ct6));
		if (err)
			json_kv_string(j, "error", mxctl_strerror(err));
		*said = err;
		json_object_end(j);
	} else {
		printf("%u flows (limit %u IPv4, %u IPv6)\n", w.shown,
		       mxgw_maps_max_entries(m->ct), mxgw_maps_max_entries(m->ct6));
	}
	return err;
}

int mxctl_conntrack_list(const char *ifname, const struct mxgw_maps *m, struct json *j)
{
	bool said;

	return list(ifname, m, j, &said);
}

enum { CT_LIST, CT_FLUSH, CT_EXPORT, CT_IMPORT };

struct conntrack_args {
	int action;		/* CT_* (a WORD value) */
	const char *file;	/* import's */
};

static const struct mxctl_word actions[] = {
	{ "flush", CT_FLUSH },
	{ "export", CT_EXPORT },
	{ "import", CT_IMPORT },
	{ NULL },
};

static const struct mxctl_arg conntrack_args[] = {
	{ .name = "action", .type = MXCTL_ARG_WORD, .flags = MXCTL_ARG_POSITIONAL,
	  .offset = offsetof(struct conntrack_args, action), .words = actions,
	  .help = "flush: forget every flow and mapping; export: the live flows to "
		  "stdout, for import on the peer gateway; import FILE: those flows in" },
	{ .name = "file", .type = MXCTL_ARG_STRING, .flags = MXCTL_ARG_POSITIONAL,
	  .offset = offsetof(struct conntrack_args, file), .metavar = "FILE",
	  .help = "import's file (-: stdin)" },
	{ 0 },
};

/* export and import: one interface's flows, said on stderr */
static int sync_one(const struct mxctl_opts *opts, const struct conntrack_args *a)
{
	const char *what = a->action == CT_EXPORT ? "export" : "import";
	char names[64][IF_NAMESIZE];
	unsigned int n = 0, expired = 0;
	struct mxgw_maps m;
	int err;

	if (a->action == CT_IMPORT && !a->file)
		return mxctl_usage("conntrack", "import needs a FILE (- for stdin)");
	if (a->action == CT_EXPORT && a->file)
		return mxctl_usage("conntrack", "export writes to stdout: no FILE");
	err = mxctl_targets(opts, NULL, names, 64, "conntrack");
	if (err < 0)
		return 1;
	if (err > 1) {
		mxctl_err("conntrack %s: mxgw is loaded on %d interfaces: which one (-i IFNAME)?",
			  what, err);
		return 1;
	}
	mxgw_maps_init(&m);
	err = mxgw_open_loaded(names[0], &m);
	if (!err && a->action == CT_EXPORT)
		err = mxctl_conntrack_export(&m, stdout, &n);
	else if (!err)
		err = mxctl_conntrack_import(&m, a->file, &n, &expired);
	mxgw_maps_close(&m);
	if (err == -EINVAL && a->action == CT_IMPORT)
		return 1;	/* said, with the line */
	if (err) {
		mxctl_err("conntrack %s %s: %s", what, names[0], mxctl_strerror(err));
		return 1;
	}
	if (a->action == CT_IMPORT)
		fprintf(stderr, "%s: conntrack: %u flows imported, %u expired meanwhile\n",
			names[0], n, expired);
	return 0;
}

static int cmd_conntrack(const struct mxctl_opts *opts, const void *args)
{
	const struct conntrack_args *a = args;
	const bool flush = a->action == CT_FLUSH;
	char names[64][IF_NAMESIZE];
	struct json j;
	int n, ret = 0;

	if (a->action == CT_EXPORT || a->action == CT_IMPORT)
		return sync_one(opts, a);
	if (a->file)
		return mxctl_usage("conntrack", "only import takes a FILE");
	n = mxctl_targets(opts, NULL, names, 64, "conntrack");
	if (n < 0)
		return 1;
	json_init(&j, stdout);
	if (opts->json && !flush)
		json_array_start(&j);
	for (int i = 0; i < n; i++) {
		bool said = false;
		struct mxgw_maps m;
		int err;

		mxgw_maps_init(&m);
		err = mxgw_open_loaded(names[i], &m);
		if (!err && flush)
			err = mxgw_maps_ct_flush(&m);
		else if (!err)
			err = list(names[i], &m, opts->json ? &j : NULL, &said);
		mxgw_maps_close(&m);
		if (err && opts->json && !flush) {
			/* in the array, as bpftool has it: the interface, its error */
			if (!said) {
				json_object_start(&j);
				json_kv_string(&j, "ifname", names[i]);
				json_kv_string(&j, "error", mxctl_strerror(err));
				json_object_end(&j);
			}
			ret = 1;
		} else if (err) {
			mxctl_err("conntrack %s: %s", names[i], mxctl_strerror(err));
			ret = 1;
		} else if (flush) {
			printf("%s: conntrack flushed\n", names[i]);
		}
	}
	if (opts->json && !flush)
		json_array_end(&j);
	return ret;
}

const struct mxctl_cmd mxctl_cmd_conntrack = {
	.name = "conntrack",
	.handler = cmd_conntrack,
	.args = conntrack_args,
	.args_size = sizeof(struct conntrack_args),
	.help = "the tracked outgoing flows, IPv4 and IPv6 (proto, LAN, public, remote, state, age); flush forgets them; export/import FILE: to a keepalived peer",
	.json = true,
};
