// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl ban ADDR[/LEN] [--for DURATION] [--reason TEXT]
 * mxctl ban --file FILE|- [--for DURATION] [--reason TEXT]
 * mxctl unban ADDR[/LEN]
 * mxctl bans [-j]
 *
 * On every loaded interface, or -i IFNAME's.  The interface fail2ban's
 * action (etc/fail2ban) calls: ban ADDR --for SECONDS, unban ADDR; keep
 * it stable.  Expired bans are removed whenever bans are listed or set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mxctl.h"
#include "args.h"
#include "bans.h"
#include "json.h"
#include "../maps/maps.h"
#include "../loader/loader.h"

#define MAX_IFACES	64

struct ban_args {
	const char *addr;
	const char *dur;
	const char *reason;
	const char *file;
};

static const struct mxctl_arg ban_args[] = {
	{ .name = "address", .type = MXCTL_ARG_STRING, .flags = MXCTL_ARG_POSITIONAL,
	  .offset = offsetof(struct ban_args, addr), .metavar = "ADDR[/LEN]",
	  .help = "the source to ban: an IPv4 address (its /32), an IPv6 one (its /64), or a prefix" },
	{ .name = "for", .type = MXCTL_ARG_STRING,
	  .offset = offsetof(struct ban_args, dur), .metavar = "DURATION",
	  .help = "N[s|m|h|d] (no unit: seconds); without it, until unbanned" },
	{ .name = "reason", .type = MXCTL_ARG_STRING,
	  .offset = offsetof(struct ban_args, reason), .metavar = "TEXT",
	  .help = "kept with the ban, shown by mxctl bans (up to 47 bytes)" },
	{ .name = "file", .type = MXCTL_ARG_STRING,
	  .offset = offsetof(struct ban_args, file), .metavar = "FILE",
	  .help = "one ADDR[/LEN] per line ('-': stdin; # and ; comments); a bad line bans nothing" },
	{ 0 },
};

/* The bans to set, grown as the file is read. */
struct ban_set {
	struct mxgw_ban_entry *e;
	size_t n, cap;
	struct mxgw_ban proto;	/* expiry, time and reason of each */
};

static int ban_set_add(const struct mxgw_src_prefix *p, void *arg)
{
	struct ban_set *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		void *e = realloc(s->e, cap * sizeof(*s->e));

		if (!e)
			return -ENOMEM;
		s->e = e;
		s->cap = cap;
	}
	s->e[s->n].pfx = *p;
	s->e[s->n].ban = s->proto;
	s->n++;
	return 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The bans of @s into each interface of @names. */
static int set_bans(char (*names)[IF_NAMESIZE], int n, const struct ban_set *s,
		    const char *what, const char *dur)
{
	int ret = 0, lock = mxgw_pins_lock();

	for (int i = 0; i < n; i++) {
		struct timespec t0;
		unsigned int pruned = 0;
		struct mxgw_maps m;
		int err;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		mxgw_maps_init(&m);
		err = mxgw_open_loaded(names[i], &m);
		if (!err)
			err = mxgw_bans_prune(&m, mxgw_now_ns(), &pruned);
		if (!err)
			err = mxgw_bans_add(&m, s->e, s->n);
		mxgw_maps_close(&m);
		if (err == -E2BIG) {
			mxctl_err("ban %s: %s: the ban maps are full (%u per family)", what,
				  names[i], MXGW_MAX_BANS);
			ret = 1;
		} else if (err) {
			mxctl_err("ban %s: %s: %s", what, names[i], mxctl_strerror(err));
			ret = 1;
		} else if (s->n == 1) {
			printf("%s: banned %s %s%s\n", names[i], what, dur ? "for " : "until unbanned",
			       dur ? dur : "");
		} else {
			printf("%s: %zu bans set from %s in %.3f s%s%s\n", names[i], s->n, what,
			       seconds_since(&t0), dur ? ", for " : "", dur ? dur : "");
		}
	}
	mxgw_pins_unlock(lock);
	return ret;
}

static int cmd_ban(const struct mxctl_opts *opts, const void *args)
{
	const struct ban_args *a = args;
	char names[MAX_IFACES][IF_NAMESIZE], why[160], what[64];
	struct ban_set s = { 0 };
	__u64 secs = 0;
	int n, ret;

	if (!a->addr == !a->file)
		return mxctl_usage("ban", "ban: give one ADDR[/LEN], or --file FILE");
	if (a->dur && mxctl_parse_duration(a->dur, &secs))
		return mxctl_usage("ban", "ban: --for \"%s\": a duration N[s|m|h|d] of 1s to 3650d",
				   a->dur);
	if (a->reason && strlen(a->reason) >= MXGW_BAN_REASON_LEN)
		return mxctl_usage("ban", "ban: --reason: at most %d bytes", MXGW_BAN_REASON_LEN - 1);
	for (const char *r = a->reason; r && *r; r++)
		if ((unsigned char)*r < 0x20 || *r == 0x7f)
			return mxctl_usage("ban", "ban: --reason: no control characters");
	s.proto.set_ns = mxgw_now_ns();
	if (secs)
		s.proto.expires_ns = s.proto.set_ns + secs * 1000000000ULL;
	if (a->reason)
		strncpy(s.proto.reason, a->reason, sizeof(s.proto.reason) - 1);

	if (a->addr) {
		struct mxgw_src_prefix p;

		if (mxgw_prefix_parse(a->addr, 1, MXGW_BAN6_DEFAULT_LEN, &p, why, sizeof(why)))
			return mxctl_usage("ban", "ban: %s", why);
		if (ban_set_add(&p, &s)) {
			mxctl_err("ban: %s", strerror(ENOMEM));
			return 1;
		}
		mxctl_format_src_prefix(&p, what, sizeof(what));
	} else {
		FILE *in = strcmp(a->file, "-") ? fopen(a->file, "r") : stdin;
		int err;

		if (!in) {
			mxctl_err("ban: %s: %s", a->file, strerror(errno));
			return 1;
		}
		err = mxctl_read_prefix_file(a->file, in, MXGW_BAN6_DEFAULT_LEN, "ban", stderr,
					     ban_set_add, &s);
		if (in != stdin)
			fclose(in);
		if (err) {
			if (err != -EINVAL)
				mxctl_err("ban: %s: %s", a->file, mxctl_strerror(err));
			mxctl_err("ban: %s: nothing banned", strcmp(a->file, "-") ? a->file : "stdin");
			free(s.e);
			return 1;
		}
		snprintf(what, sizeof(what), "%s", strcmp(a->file, "-") ? a->file : "stdin");
	}
	n = mxctl_targets(opts, NULL, names, MAX_IFACES, "ban");
	if (n < 0) {
		free(s.e);
		return 1;
	}
	ret = set_bans(names, n, &s, what, a->dur);
	free(s.e);
	return ret;
}

const struct mxctl_cmd mxctl_cmd_ban = {
	.name = "ban",
	.handler = cmd_ban,
	.args = ban_args,
	.args_size = sizeof(struct ban_args),
	.help = "drop a source's packets in XDP (IPv6: its /64), for a while or until unbanned; --file: many at once",
};

struct unban_args {
	const char *addr;
};

static const struct mxctl_arg unban_args[] = {
	{ .name = "address", .type = MXCTL_ARG_STRING,
	  .flags = MXCTL_ARG_POSITIONAL | MXCTL_ARG_REQUIRED,
	  .offset = offsetof(struct unban_args, addr), .metavar = "ADDR[/LEN]",
	  .help = "a ban as it was set (an IPv6 address: its /64)" },
	{ 0 },
};

static int cmd_unban(const struct mxctl_opts *opts, const void *args)
{
	const struct unban_args *a = args;
	char names[MAX_IFACES][IF_NAMESIZE], why[160], what[64];
	struct mxgw_src_prefix p;
	int n, ret = 0, lock;

	if (mxgw_prefix_parse(a->addr, 1, MXGW_BAN6_DEFAULT_LEN, &p, why, sizeof(why)))
		return mxctl_usage("unban", "unban: %s", why);
	mxctl_format_src_prefix(&p, what, sizeof(what));
	n = mxctl_targets(opts, NULL, names, MAX_IFACES, "unban");
	if (n < 0)
		return 1;
	lock = mxgw_pins_lock();
	for (int i = 0; i < n; i++) {
		struct mxgw_maps m;
		int err;

		mxgw_maps_init(&m);
		err = mxgw_open_loaded(names[i], &m);
		if (!err)
			err = mxgw_bans_del(&m, &p);
		mxgw_maps_close(&m);
		if (err == -ENOENT) {
			mxctl_err("unban: %s: %s is not banned", names[i], what);
			ret = 1;
		} else if (err) {
			mxctl_err("unban %s: %s: %s", what, names[i], mxctl_strerror(err));
			ret = 1;
		} else {
			printf("%s: unbanned %s\n", names[i], what);
		}
	}
	mxgw_pins_unlock(lock);
	return ret;
}

const struct mxctl_cmd mxctl_cmd_unban = {
	.name = "unban",
	.handler = cmd_unban,
	.args = unban_args,
	.args_size = sizeof(struct unban_args),
	.help = "lift a ban (the prefix as banned)",
};

struct list {
	struct json *j;		/* NULL: text */
	__u64 now;		/* mxgw_now_ns() */
	time_t wall;		/* time() at the same moment */
	unsigned int shown;
};

/* The wall-clock time of @ns on the data plane's clock. */
static time_t wall_of(const struct list *l, __u64 ns)
{
	return l->wall - (time_t)(((__s64)(l->now - ns)) / 1000000000LL);
}

static void iso(time_t t, char *buf, size_t len, bool utc)
{
	struct tm tm;

	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	strftime(buf, len, utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S", &tm);
}

static int list_one(const struct mxgw_ban_entry *e, void *arg)
{
	struct list *l = arg;
	char pfx[64], set[32], exp[48], reason[MXGW_BAN_REASON_LEN];
	__u64 left = e->ban.expires_ns > l->now ?
		     (e->ban.expires_ns - l->now + 999999999ULL) / 1000000000ULL : 0;

	mxctl_format_src_prefix(&e->pfx, pfx, sizeof(pfx));
	memcpy(reason, e->ban.reason, sizeof(reason));
	reason[sizeof(reason) - 1] = '\0';
	l->shown++;
	if (l->j) {
		json_object_start(l->j);
		json_kv_string(l->j, "prefix", pfx);
		json_kv_string(l->j, "family", e->pfx.family == MXGW_FAM_IPV6 ? "ipv6" : "ipv4");
		json_kv_string(l->j, "reason", reason);
		iso(wall_of(l, e->ban.set_ns), set, sizeof(set), true);
		json_kv_string(l->j, "set", set);
		json_kv_uint(l->j, "set_unix", (unsigned long long)wall_of(l, e->ban.set_ns));
		json_key(l->j, "expires");
		if (e->ban.expires_ns) {
			iso(wall_of(l, e->ban.expires_ns), exp, sizeof(exp), true);
			json_string(l->j, exp);
			json_kv_uint(l->j, "expires_unix",
				     (unsigned long long)wall_of(l, e->ban.expires_ns));
			json_kv_uint(l->j, "expires_in_s", left);
		} else {
			json_null(l->j);
		}
		json_object_end(l->j);
		return 0;
	}
	iso(wall_of(l, e->ban.set_ns), set, sizeof(set), false);
	if (e->ban.expires_ns) {
		char when[24];

		iso(wall_of(l, e->ban.expires_ns), when, sizeof(when), false);
		snprintf(exp, sizeof(exp), "%s (%llus)", when, (unsigned long long)left);
	} else {
		snprintf(exp, sizeof(exp), "never");
	}
	printf("  %-43s %-19s  %-30s %s\n", pfx, set, exp, reason);
	return 0;
}

/* One interface's bans, expired ones removed first. */
static int list(const char *ifname, const struct mxgw_maps *m, struct json *j)
{
	struct list l = { .j = j };
	unsigned int pruned, n[MXGW_FAM_MAX];
	int lock = mxgw_pins_lock();
	int err = mxgw_bans_prune(m, mxgw_now_ns(), &pruned);

	mxgw_pins_unlock(lock);
	if (!err)
		err = mxgw_bans_count(m, n);
	if (err)
		return err;
	l.now = mxgw_now_ns();
	l.wall = time(NULL);
	if (j) {
		json_object_start(j);
		json_kv_string(j, "ifname", ifname);
		json_kv_uint(j, "bans4", n[MXGW_FAM_IPV4]);
		json_kv_uint(j, "bans6", n[MXGW_FAM_IPV6]);
		json_key(j, "bans");
		json_array_start(j);
	} else {
		printf("%s: %u bans (IPv4 %u, IPv6 %u)\n", ifname,
		       n[MXGW_FAM_IPV4] + n[MXGW_FAM_IPV6], n[MXGW_FAM_IPV4], n[MXGW_FAM_IPV6]);
		if (n[MXGW_FAM_IPV4] + n[MXGW_FAM_IPV6])
			printf("  %-43s %-19s  %-30s %s\n", "PREFIX", "SET", "EXPIRES", "REASON");
	}
	err = mxgw_bans_walk(m, list_one, &l);
	if (j) {
		json_array_end(j);
		json_object_end(j);
	}
	return err;
}

static int cmd_bans(const struct mxctl_opts *opts, const void *args)
{
	char names[MAX_IFACES][IF_NAMESIZE];
	struct json j;
	int n, ret = 0;

	(void)args;
	n = mxctl_targets(opts, NULL, names, MAX_IFACES, "bans");
	if (n < 0)
		return 1;
	json_init(&j, stdout);
	if (opts->json) {
		json_object_start(&j);
		json_kv_uint(&j, "schema", 1);
		json_key(&j, "interfaces");
		json_array_start(&j);
	}
	for (int i = 0; i < n; i++) {
		struct mxgw_maps m;
		int err;

		mxgw_maps_init(&m);
		err = mxgw_open_loaded(names[i], &m);
		if (!err)
			err = list(names[i], &m, opts->json ? &j : NULL);
		mxgw_maps_close(&m);
		if (err && opts->json) {
			json_object_start(&j);
			json_kv_string(&j, "ifname", names[i]);
			json_kv_string(&j, "error", mxctl_strerror(err));
			json_object_end(&j);
		} else if (err) {
			mxctl_err("bans %s: %s", names[i], mxctl_strerror(err));
		}
		if (err)
			ret = 1;
	}
	if (opts->json) {
		json_array_end(&j);
		json_object_end(&j);
	}
	return ret;
}

const struct mxctl_cmd mxctl_cmd_bans = {
	.name = "bans",
	.handler = cmd_bans,
	.help = "the bans: prefix, when set, when they expire, reason",
	.json = true,
};
