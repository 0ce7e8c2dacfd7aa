// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl status: the running table as Table 1.1 of the Kerio MailServer
 * guide shows it (service, port, outgoing, incoming) with live counters,
 * how the programs are attached and which forwarding path incoming mail
 * takes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/bpf.h>
#include "mxctl.h"
#include "config.h"
#include "conf_save.h"
#include "json.h"
#include "show.h"
#include "../loader/loader.h"

struct status {
	char ifname[IF_NAMESIZE];
	char pin_dir[96];	/* where bpftool finds the pins */
	struct mxgw_pins pins;
	struct mxgw_attach_info att;
	struct mxgw_config cfg;
	struct mxgw_service svcs[MXGW_MAX_SERVICES];
	struct mxgw_svc_stats stats[MXGW_MAX_SERVICES];
	__u64 counters[MXGW_COUNTER_MAX];
	struct mxgw_nexthop nh;
	__u64 kernel_path;	/* packets to the LAN handed to the kernel */
	int forwarding;		/* net.ipv4.conf.IF.forwarding, -1 unknown */
	bool fast_path_lost;	/* redirecting to a device that no longer takes XDP frames */
	__u32 ct_live;		/* tracked flows within their timeout */
	__u32 ct_max;
	struct mxgw_clock clock;
	__u64 clock_age_ns;	/* since the clock's last tick */
	bool clock_stale;	/* its timer stopped (see struct mxgw_clock) */
	struct mxgw_log_lease lease;
	bool log_read;		/* an mxctl log holds the lease */
	/* the running table against the config file, when that parses */
	const struct mxgw_conf_file *file;
	struct mxgw_conf_diff diff;
	int ndiff;
};

static int count_live(const struct mxgw_ct_key *k, const struct mxgw_ct_entry *e,
		      void *arg)
{
	struct status *st = arg;

	(void)k;
	st->ct_live += mxgw_ct_live(&st->cfg, e, mxgw_now_ns());
	return 0;
}

static int read_status(const char *ifname, struct status *st)
{
	struct mxgw_maps m;
	__u64 now;
	int err;

	memset(st, 0, sizeof(*st));
	snprintf(st->ifname, sizeof(st->ifname), "%.*s", IF_NAMESIZE - 1, ifname);
	err = mxgw_pin_dir(ifname, st->pin_dir, sizeof(st->pin_dir));
	if (!err)
		err = mxgw_pins_state(ifname, &st->pins);
	if (!err)
		err = mxgw_query_attach(ifname, &st->att);
	if (err)
		return err;
	mxgw_maps_init(&m);
	err = mxgw_open_loaded(ifname, &m);
	if (!err)
		err = mxgw_maps_read_config(&m, &st->cfg);
	if (!err)
		err = mxgw_maps_read_services(&m, st->svcs);
	for (int id = 0; !err && id < MXGW_MAX_SERVICES; id++) {
		if (id && !st->svcs[id].in_use)
			continue;
		err = mxgw_maps_read_svc_stats(&m, id, &st->stats[id]);
	}
	if (!err)
		err = mxgw_maps_read_counters(&m, st->counters);
	if (!err)
		err = mxgw_maps_read_nexthop(&m, &st->nh);
	if (!err)
		err = mxgw_maps_ct_walk(&m, count_live, st);
	if (!err)
		err = mxgw_maps_read_clock(&m, &st->clock);
	if (!err)
		err = mxgw_maps_read_log_lease(&m, &st->lease);
	st->ct_max = mxgw_maps_max_entries(m.ct);
	mxgw_maps_close(&m);
	st->kernel_path = mxgw_kernel_path(st->counters);

	st->fast_path_lost = mxgw_fast_path_lost(&st->nh);

	/* ticks 0: no packet has started it yet, nothing to miss; a time
	 * ahead of ours was written from user space: stale, as BPF sees it */
	now = mxgw_now_ns();
	st->clock_age_ns = now > st->clock.now_ns ? now - st->clock.now_ns : 0;
	st->clock_stale = st->clock.ticks && now - st->clock.now_ns > MXGW_CLOCK_STALE_NS;
	st->log_read = st->lease.until_ns > now;

	st->forwarding = mxctl_ipv4_forwarding(ifname);
	return err;
}

/* The XDP program on the device is not the pinned one. */
static bool xdp_not_ours(const struct status *st)
{
	return st->att.xdp_prog_id != st->att.pinned_xdp_id;
}

/* Does status print a WARNING for this interface (and exit 3)? */
static bool warns(const struct status *st)
{
	return st->pins.state == MXGW_PINS_STALE || xdp_not_ours(st) ||
	       st->fast_path_lost || st->forwarding == 0;
}

static const char *addr_str(__be32 a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static __u64 age_ms(__u64 then_ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec - then_ns) / 1000000;
}

/* One line on the path incoming mail takes, from the next-hop cache. */
static void forward_path(const struct status *st, char *buf, size_t len)
{
	const struct mxgw_nexthop *nh = &st->nh;
	char dev[IF_NAMESIZE] = "?";

	if (!nh->refreshed_ns) {
		snprintf(buf, len, "not known yet (no incoming connection so far)");
		return;
	}
	if_indextoname(nh->ifindex, dev);
	if (nh->fib_ret == BPF_FIB_LKUP_RET_SUCCESS && nh->can_redirect)
		snprintf(buf, len, "xdp-redirect to %s (next hop %02x:%02x:%02x:%02x:%02x:%02x)",
			 dev, nh->dmac[0], nh->dmac[1], nh->dmac[2], nh->dmac[3],
			 nh->dmac[4], nh->dmac[5]);
	else if (nh->fib_ret == BPF_FIB_LKUP_RET_SUCCESS)
		/* an XDP frame has no skb checksum state: a frame a veth host
		 * sent with a partial checksum (tx offload on) is redirected
		 * as it is, and the mail server drops it */
		snprintf(buf, len, "kernel: %s takes no XDP frames (a veth needs an XDP program or GRO on its peer, "
			 "and then the hosts' veth ends 'ethtool -K IF tx off', or redirected frames keep "
			 "partial checksums and are lost)", dev);
	else if (nh->fib_ret == BPF_FIB_LKUP_RET_NO_NEIGH)
		snprintf(buf, len, "kernel: the mail server's MAC is not resolved yet");
	else if (nh->fib_ret == BPF_FIB_LKUP_RET_FWD_DISABLED)
		snprintf(buf, len, "kernel: IPv4 forwarding is disabled");
	else
		snprintf(buf, len, "kernel: no route to the mail server (fib lookup %u)",
			 nh->fib_ret);
}

static const char *proto_port(const struct mxgw_service *s, char *buf, size_t len)
{
	snprintf(buf, len, "%u/%s", s->port, mxgw_protos_str(s->protos));
	return buf;
}

/* set-service changes not saved, or a file edited since the last reload */
static void print_file_diff(const struct status *st)
{
	if (!st->file)
		return;
	if (st->ndiff > (int)st->diff.nmissing)
		printf("  * differs from %s (mxctl set-service --save, or reload)\n",
		       st->file->path);
	if (!st->diff.nmissing)
		return;
	printf("  in %s but not running:", st->file->path);
	for (unsigned int i = 0; i < st->diff.nmissing; i++)
		printf("%s %s", i ? "," : "", st->file->policy.services[st->diff.missing[i]].name);
	printf(" (mxctl reload)\n");
}

static void print_text(const struct status *st)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], pp[32], path[256];
	const struct mxgw_pkt_count (*c)[2];

	forward_path(st, path, sizeof(path));
	printf("%s: xdp %s (id %u, %s), tc egress %s (id %u)\n", st->ifname,
	       MXGW_PROG_XDP, st->att.xdp_prog_id, mxctl_xdp_mode_str(st->att.xdp_mode),
	       st->att.tc_prog_id ? MXGW_PROG_TC : "NOT ATTACHED", st->att.tc_prog_id);
	if (st->pins.state == MXGW_PINS_STALE)
		printf("  WARNING: stale pins: the interface mxgw was loaded on as %s (ifindex %u) %s%s; "
		       "mxctl unload %s removes them\n", st->ifname, st->pins.ifindex,
		       st->pins.ifname_now[0] ? "is now " : "is gone", st->pins.ifname_now,
		       st->ifname);
	else if (xdp_not_ours(st))
		printf("  WARNING: the XDP program on %s is not mxgw's (mxctl load %s repairs it)\n",
		       st->ifname, st->ifname);
	printf("  pins %s\n", st->pin_dir);
	printf("  public %s -> mail server %s, default %s\n",
	       addr_str(st->cfg.public_addr, a), addr_str(st->cfg.mailserver_addr, b),
	       mxgw_verdict_str(st->cfg.default_in));
	printf("  forward path: %s\n", path);
	printf("  forwarded to the LAN: %llu packets by xdp-redirect, %llu by the kernel\n",
	       (unsigned long long)st->counters[MXGW_FWD_REDIRECT],
	       (unsigned long long)st->kernel_path);
	printf("  conntrack: %u flows of %u, nat-ports %u-%u; %llu new, %llu evicted, %llu refused (no free port)\n",
	       st->ct_live, st->ct_max, st->cfg.nat_port_min, st->cfg.nat_port_max,
	       (unsigned long long)st->counters[MXGW_CT_NEW],
	       (unsigned long long)st->counters[MXGW_CT_EVICTED],
	       (unsigned long long)st->counters[MXGW_DROP_NAT_FULL]);
	if (st->fast_path_lost)
		printf("  WARNING: the LAN device no longer takes XDP frames: redirected packets are lost (mxctl reload)\n");
	if (st->forwarding == 0)
		printf("  WARNING: IPv4 forwarding is off on %s (sysctl -w net.ipv4.ip_forward=1)\n",
		       st->ifname);
	if (st->clock_stale) {
		char ago[32] = "ahead of now";

		if (st->clock_age_ns)
			snprintf(ago, sizeof(ago), "%.1f s ago", st->clock_age_ns / 1e9);
		printf("  WARNING: the data plane's clock stopped (last tick %s; something wrote %s): the next packets restart it (clock_rearmed counts it)\n",
		       ago, MXGW_MAP_NAME(clock));
	}
	if (st->log_read)
		printf("  log: read by pid %u (mxctl log)\n", st->lease.pid);
	printf("  IPv6: passed untouched, not filtered by mxgw yet\n\n");

	printf("  %-10s %-12s %-9s %-11s %12s %12s %12s %12s\n", "service", "port",
	       "outgoing", "incoming", "in-allowed", "in-denied", "out-allowed",
	       "out-denied");
	printf("  %58s(packets)\n", "");
	for (int id = 0; id < MXGW_MAX_SERVICES; id++) {
		const struct mxgw_service *s = &st->svcs[id];
		char in[24];

		if (id && !s->in_use)
			continue;
		c = st->stats[id].count;
		if (!id) {
			printf("  %-10s %-12s %-9s %-11s", "(unlisted)", "*",
			       mxgw_verdict_str(st->cfg.default_out),
			       mxgw_verdict_str(st->cfg.default_in));
		} else {
			snprintf(in, sizeof(in), "%s%s", mxgw_verdict_str(s->verdict[MXGW_DIR_IN]),
				 s->flags & MXGW_PORT_F_FROM ? "+from" : "");
			printf(" %c%-10.*s %-12s %-9s %-11s",
			       st->file && st->diff.running[id] ? '*' : ' ',
			       MXGW_SVC_NAME_LEN, s->name,
			       proto_port(s, pp, sizeof(pp)),
			       mxgw_verdict_str(s->verdict[MXGW_DIR_OUT]), in);
		}
		printf(" %12llu %12llu %12llu %12llu%s\n",
		       (unsigned long long)c[MXGW_DIR_IN][MXGW_ALLOW].packets,
		       (unsigned long long)c[MXGW_DIR_IN][MXGW_DENY].packets,
		       (unsigned long long)c[MXGW_DIR_OUT][MXGW_ALLOW].packets,
		       (unsigned long long)c[MXGW_DIR_OUT][MXGW_DENY].packets,
		       id && (s->flags & MXGW_PORT_F_GATEWAY) ? "  -> gateway" : "");
	}
	print_file_diff(st);
	printf("\n  counters:");
	for (int c = 0; c < MXGW_COUNTER_MAX; c++)
		printf("%s %s %llu", c % 4 ? "," : "\n   ", mxgw_counter_name(c),
		       (unsigned long long)st->counters[c]);
	printf("\n");
}

static void print_json(struct json *j, const struct status *st)
{
	char a[INET_ADDRSTRLEN], path[256];

	forward_path(st, path, sizeof(path));
	json_object_start(j);
	json_kv_string(j, "ifname", st->ifname);
	json_kv_string(j, "pins", st->pin_dir);
	json_kv_bool(j, "stale", st->pins.state == MXGW_PINS_STALE);
	json_kv_bool(j, "warning", warns(st));
	json_key(j, "xdp");
	json_object_start(j);
	json_kv_string(j, "name", MXGW_PROG_XDP);
	json_kv_uint(j, "id", st->att.xdp_prog_id);
	json_kv_string(j, "mode", mxctl_xdp_mode_str(st->att.xdp_mode));
	json_kv_bool(j, "ours", st->att.xdp_prog_id == st->att.pinned_xdp_id);
	json_object_end(j);
	json_key(j, "tc_egress");
	json_object_start(j);
	json_kv_string(j, "name", MXGW_PROG_TC);
	json_kv_uint(j, "id", st->att.tc_prog_id);
	json_kv_bool(j, "ours", st->att.tc_prog_id && st->att.tc_prog_id == st->att.pinned_tc_id);
	json_object_end(j);
	json_kv_string(j, "public", addr_str(st->cfg.public_addr, a));
	json_kv_string(j, "mailserver", addr_str(st->cfg.mailserver_addr, a));
	json_kv_string(j, "default", mxgw_verdict_str(st->cfg.default_in));
	json_key(j, "forward");
	json_object_start(j);
	json_kv_string(j, "path", st->nh.refreshed_ns ?
		       (st->nh.fib_ret == BPF_FIB_LKUP_RET_SUCCESS && st->nh.can_redirect ?
			"xdp-redirect" : "kernel") : "unknown");
	json_kv_string(j, "reason", path);
	json_kv_uint(j, "nexthop_ifindex", st->nh.ifindex);
	json_kv_uint(j, "nexthop_age_ms", st->nh.refreshed_ns ? age_ms(st->nh.refreshed_ns) : 0);
	json_kv_uint(j, "redirected", st->counters[MXGW_FWD_REDIRECT]);
	json_kv_uint(j, "kernel", st->kernel_path);
	json_object_end(j);
	json_key(j, "conntrack");
	json_object_start(j);
	json_kv_uint(j, "flows", st->ct_live);
	json_kv_uint(j, "max", st->ct_max);
	json_kv_uint(j, "nat_port_min", st->cfg.nat_port_min);
	json_kv_uint(j, "nat_port_max", st->cfg.nat_port_max);
	json_kv_uint(j, "new", st->counters[MXGW_CT_NEW]);
	json_kv_uint(j, "evicted", st->counters[MXGW_CT_EVICTED]);
	json_kv_uint(j, "nat_full", st->counters[MXGW_DROP_NAT_FULL]);
	json_object_end(j);
	json_kv_bool(j, "fast_path_lost", st->fast_path_lost);
	json_key(j, "clock");
	json_object_start(j);
	json_kv_uint(j, "ticks", st->clock.ticks);
	json_kv_uint(j, "age_ms", st->clock_age_ns / 1000000);
	json_kv_bool(j, "stale", st->clock_stale);
	json_object_end(j);
	json_key(j, "log");
	json_object_start(j);
	json_kv_bool(j, "read", st->log_read);
	json_kv_uint(j, "reader_pid", st->log_read ? st->lease.pid : 0);
	/* the data plane's copy of the lease (before the clock's first tick
	 * it reads the lease itself): events are being made */
	json_kv_bool(j, "listening", st->clock.ticks ?
		     st->clock.log_until_ns > st->clock.now_ns : st->log_read);
	json_object_end(j);
	if (st->forwarding >= 0)
		json_kv_bool(j, "ipv4_forwarding", st->forwarding);
	json_kv_string(j, "ipv6", "passed untouched (not filtered yet)");
	json_key(j, "services");
	json_array_start(j);
	for (int id = 0; id < MXGW_MAX_SERVICES; id++) {
		const struct mxgw_service *s = &st->svcs[id];

		if (id && !s->in_use)
			continue;
		json_object_start(j);
		if (id) {
			json_kv_string(j, "name", s->name);
			json_kv_uint(j, "port", s->port);
			json_kv_string(j, "proto", mxgw_protos_str(s->protos));
			json_kv_string(j, "outgoing", mxgw_verdict_str(s->verdict[MXGW_DIR_OUT]));
			json_kv_string(j, "incoming", mxgw_verdict_str(s->verdict[MXGW_DIR_IN]));
			json_kv_bool(j, "from", s->flags & MXGW_PORT_F_FROM);
			/* where incoming goes: DNATed, or the gateway's own */
			json_kv_string(j, "to", s->flags & MXGW_PORT_F_GATEWAY ?
				       "gateway" : "mailserver");
			if (st->file)
				json_kv_bool(j, "differs_from_file", st->diff.running[id]);
		} else {
			json_kv_string(j, "name", "(unlisted)");
			json_kv_string(j, "outgoing", mxgw_verdict_str(st->cfg.default_out));
			json_kv_string(j, "incoming", mxgw_verdict_str(st->cfg.default_in));
		}
		mxctl_json_count(j, "in_allowed", &st->stats[id].count[MXGW_DIR_IN][MXGW_ALLOW]);
		mxctl_json_count(j, "in_denied", &st->stats[id].count[MXGW_DIR_IN][MXGW_DENY]);
		mxctl_json_count(j, "out_allowed", &st->stats[id].count[MXGW_DIR_OUT][MXGW_ALLOW]);
		mxctl_json_count(j, "out_denied", &st->stats[id].count[MXGW_DIR_OUT][MXGW_DENY]);
		json_object_end(j);
	}
	json_array_end(j);
	if (st->file) {
		json_key(j, "file");
		json_object_start(j);
		json_kv_string(j, "path", st->file->path);
		json_kv_bool(j, "differs", st->ndiff);
		json_key(j, "not_running");
		json_array_start(j);
		for (unsigned int i = 0; i < st->diff.nmissing; i++)
			json_string(j, st->file->policy.services[st->diff.missing[i]].name);
		json_array_end(j);
		json_object_end(j);
	}
	json_key(j, "counters");
	json_object_start(j);
	for (int c = 0; c < MXGW_COUNTER_MAX; c++)
		json_kv_uint(j, mxgw_counter_name(c), st->counters[c]);
	json_object_end(j);
	json_object_end(j);
}

int cmd_status(const struct mxctl_opts *opts, int argc, char **argv)
{
	char names[64][IF_NAMESIZE];
	static struct mxgw_conf_file file;
	static struct status st;
	bool have_file;
	struct json j;
	int n, ret = 0;

	if (argc > 1)
		return mxctl_usage("status", "too many arguments");
	n = mxctl_targets(opts, argc ? argv[0] : NULL, names, 64, "status");
	if (n < 0)
		return 1;
	/* Quietly: a file that does not parse is just not compared. */
	have_file = !mxgw_conf_parse_file(opts->conf_path, &file, NULL);
	json_init(&j, stdout);
	if (opts->json)
		json_array_start(&j);
	for (int i = 0; i < n; i++) {
		int err = read_status(names[i], &st);

		if (err) {
			mxctl_err("status %s: %s", names[i], mxctl_strerror(err));
			ret = 1;
			continue;
		}
		if (have_file) {
			st.file = &file;
			st.ndiff = mxgw_conf_diff_running(&file, st.svcs, &st.diff);
		}
		if (opts->json)
			print_json(&j, &st);
		else
			print_text(&st);
		/* a monitoring check can use it: 3 as check's warnings */
		if (!ret && warns(&st))
			ret = EXIT_WARNINGS;
	}
	if (opts->json)
		json_array_end(&j);
	return ret;
}
