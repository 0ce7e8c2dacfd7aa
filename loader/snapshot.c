// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One snapshot of a running gateway (struct mxgw_snapshot): the pins, the
 * attached programs, the maps and the few system facts status and stats
 * print, read once.  Printers never read a map or a clock themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "loader.h"

/* Live flows, and the distinct public ports those of LAN hosts hold. */
struct ct_tally {
	struct mxgw_snapshot *s;
	__u64 now;
	unsigned char seen[MXGW_NAT_PROTO_MAX][65536 / 8];	/* 24 KiB */
};

static int nat_proto_of(__u8 ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return MXGW_NAT_TCP;
	case IPPROTO_UDP:
		return MXGW_NAT_UDP;
	case IPPROTO_ICMP:
		return MXGW_NAT_ICMP;
	default:
		return -1;
	}
}

static int tally_ct(const struct mxgw_ct_key *k, const struct mxgw_ct_entry *e,
		    void *arg)
{
	struct ct_tally *t = arg;
	__u16 port = ntohs(k->public_port);
	int p;

	if (!mxgw_ct_live(&t->s->cfg, e, t->now))
		return 0;
	t->s->ct_entries++;
	if (e->flags & MXGW_CT_F_LOCAL)
		return 0;	/* the gateway's own flow: nothing translated */
	t->s->nat_mappings++;
	p = nat_proto_of(k->proto);
	if (p < 0 || t->seen[p][port / 8] & (1U << (port % 8)))
		return 0;
	t->seen[p][port / 8] |= 1U << (port % 8);
	t->s->nat_ports_in_use[p]++;
	return 0;
}

static int tally(const struct mxgw_maps *m, struct mxgw_snapshot *s)
{
	struct ct_tally *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->s = s;
	t->now = mxgw_now_ns();
	err = mxgw_maps_ct_walk(m, tally_ct, t);
	free(t);
	return err;
}

/* Prefixes in address order, as a person reads a list: the trie's walk
 * has an order of its own. */
static int prefix_cmp(const void *a, const void *b)
{
	const struct mxgw_prefix *x = a, *y = b;
	__u32 ax = ntohl(x->addr), ay = ntohl(y->addr);

	if (ax != ay)
		return ax < ay ? -1 : 1;
	return (int)x->len - (int)y->len;
}

/* The table as it runs: the unlisted row, then every service in use. */
static int read_services(const struct mxgw_maps *m, struct mxgw_snapshot *s)
{
	struct mxgw_service *svcs = calloc(MXGW_MAX_SERVICES, sizeof(*svcs));
	struct mxgw_from_key keys[MXGW_POLICY_MAX_FROM_PER_SVC];
	int err = svcs ? mxgw_maps_read_services(m, svcs) : -ENOMEM;

	for (__u32 id = 0; !err && id < MXGW_MAX_SERVICES; id++) {
		struct mxgw_snapshot_service *r = &s->svcs[s->nservices];
		int n;

		if (id != MXGW_SVC_UNLISTED && !svcs[id].in_use)
			continue;
		r->id = id;
		if (id != MXGW_SVC_UNLISTED) {
			r->svc = svcs[id];
			/* the map's name is not NUL-terminated when 16 long */
			memcpy(r->name, svcs[id].name, MXGW_SVC_NAME_LEN);
		} else {
			r->svc.verdict[MXGW_DIR_IN] = s->cfg.default_in;
			r->svc.verdict[MXGW_DIR_OUT] = s->cfg.default_out;
		}
		err = mxgw_maps_read_svc_stats(m, id, &r->count);
		if (!err && (r->svc.flags & MXGW_PORT_F_FROM)) {
			n = mxgw_maps_read_from(m, id, keys, MXGW_POLICY_MAX_FROM_PER_SVC);
			if (n < 0)
				err = n;
			for (int i = 0; i < n; i++) {
				r->from[i].addr = keys[i].addr;
				r->from[i].len = keys[i].prefixlen - MXGW_FROM_SVC_BITS;
			}
			r->nfrom = n > 0 ? (unsigned int)n : 0;
			qsort(r->from, r->nfrom, sizeof(r->from[0]), prefix_cmp);
		}
		s->nservices++;
	}
	free(svcs);
	return err;
}

/* net.ipv4.conf.IFNAME.forwarding of the reading thread's namespace:
 * 0 or 1, -1 when unreadable. */
static int ipv4_forwarding(const char *ifname)
{
	char path[128];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%.*s/forwarding",
		 IF_NAMESIZE - 1, ifname);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int mxgw_snapshot_read(const char *ifname, struct mxgw_snapshot *s)
{
	struct mxgw_maps m;
	__u64 now;
	int err;

	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "%.*s", IF_NAMESIZE - 1, ifname);
	err = mxgw_pin_dir(ifname, s->pin_dir, sizeof(s->pin_dir));
	if (!err)
		err = mxgw_pins_state(ifname, &s->pins);
	if (!err)
		err = mxgw_query_attach(ifname, &s->att);
	if (err)
		return err;
	mxgw_maps_init(&m);
	err = mxgw_open_loaded(ifname, &m);
	if (!err)
		err = mxgw_maps_read_config(&m, &s->cfg);
	if (!err)
		err = read_services(&m, s);
	if (!err)
		err = mxgw_maps_read_counters(&m, s->counters);
	if (!err)
		err = mxgw_maps_read_nexthop(&m, &s->nh);
	if (!err)
		err = tally(&m, s);
	if (!err)
		err = mxgw_maps_read_clock(&m, &s->clock);
	if (!err)
		err = mxgw_maps_read_log_lease(&m, &s->lease);
	if (!err)
		s->ct_max = mxgw_maps_max_entries(m.ct);
	mxgw_maps_close(&m);

	now = mxgw_now_ns();
	s->fwd = mxgw_fwd_classify(&s->nh);
	if (s->nh.refreshed_ns && s->nh.ifindex && !if_indextoname(s->nh.ifindex, s->fwd_dev))
		s->fwd_dev[0] = '\0';
	if (s->nh.refreshed_ns && now > s->nh.refreshed_ns)
		s->nh_age_ns = now - s->nh.refreshed_ns;
	s->fast_path_lost = mxgw_fast_path_lost(&s->nh);
	/* ticks 0: no packet has started it yet, nothing to miss; a time
	 * ahead of ours was written from user space: stale, as BPF sees it */
	if (s->clock.ticks && now > s->clock.now_ns)
		s->clock_age_ns = now - s->clock.now_ns;
	s->clock_stale = s->clock.ticks && now - s->clock.now_ns > MXGW_CLOCK_STALE_NS;
	s->log_read = s->lease.until_ns > now;
	/* the data plane's copy of the lease (before the clock's first tick
	 * it reads the lease itself): events are being made */
	s->log_listening = s->clock.ticks ? s->clock.log_until_ns > s->clock.now_ns :
					    s->log_read;
	s->ipv4_forwarding = ipv4_forwarding(ifname);

	if (s->pins.state == MXGW_PINS_STALE)
		s->warnings |= MXGW_WARN_STALE_PINS;
	if (s->att.xdp_prog_id != s->att.pinned_xdp_id)
		s->warnings |= MXGW_WARN_XDP_NOT_OURS;
	if (s->fast_path_lost)
		s->warnings |= MXGW_WARN_FAST_PATH_LOST;
	if (s->ipv4_forwarding == 0)
		s->warnings |= MXGW_WARN_FORWARDING_OFF;
	return err;
}
