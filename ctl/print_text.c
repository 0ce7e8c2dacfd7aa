// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The text printers of the snapshot (show.h): mxctl status, the table as
 * Table 1.1 of the Kerio MailServer guide shows it (service, port,
 * outgoing, incoming) with live counters, how the programs are attached
 * and which path incoming mail takes; mxctl stats, every counter.
 */
#include <errno.h>
#include <stdio.h>
#include <arpa/inet.h>
#include "show.h"

static const char *addr_str(__be32 a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int done(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

/* A line for the rate limits, when a service has one: each limit, what
 * it dropped and banned, the buckets. */
static void limits_line(FILE *out, const struct mxgw_snapshot *s)
{
	const char *sep = "";

	if (!(s->cfg.flags & MXGW_CFG_F_LIMIT))
		return;
	fprintf(out, "  limits: ");
	for (unsigned int i = 0; i < s->nservices; i++) {
		const struct mxgw_snapshot_service *r = &s->svcs[i];

		if (!(r->svc.flags & MXGW_PORT_F_LIMIT))
			continue;
		fprintf(out, "%s%s %u/%s burst %u", sep, r->name, r->limit.rate,
			mxgw_limit_unit(r->limit.per_s), r->limit.burst);
		if (r->limit.ban_ns)
			fprintf(out, " ban %llus", (unsigned long long)(r->limit.ban_ns / 1000000000ULL));
		sep = ", ";
	}
	fprintf(out, "; %llu dropped (IPv6 %llu), %llu banned; %u sources tracked of %u, %u seen once\n",
		(unsigned long long)s->counters[MXGW_DROP_RATE_LIMIT],
		(unsigned long long)s->counters6[MXGW_DROP_RATE_LIMIT],
		(unsigned long long)s->counters[MXGW_RATE_LIMIT_BANS],
		s->rl_buckets, MXGW_RL_MAX, s->rl_new_buckets);
}

/* A line for syn-flood, when a service has it: each threshold and budget,
 * the floods on (for how long, on the data plane's clock), what was
 * challenged, verified and dropped, the verified sources. */
static void synflood_line(FILE *out, const struct mxgw_snapshot *s)
{
	const char *sep = "";

	if (!(s->cfg.flags & MXGW_CFG_F_SYNFLOOD))
		return;
	fprintf(out, "  syn-flood: ");
	for (unsigned int i = 0; i < s->nservices; i++) {
		const struct mxgw_snapshot_service *r = &s->svcs[i];
		const struct mxgw_syn_state *st = &r->syn_state;

		if (!(r->svc.flags & MXGW_PORT_F_SYNFLOOD))
			continue;
		fprintf(out, "%s%s %u/s budget %u/s, now %llu/s", sep, r->name, r->synflood.rate,
			r->synflood.budget ? r->synflood.budget : r->synflood.rate,
			(unsigned long long)mxctl_syn_rate(s, r));
		if (st->until_ns > s->clock.now_ns && s->clock.now_ns >= st->since_ns)
			fprintf(out, " (in a flood for %llus)",
				(unsigned long long)((s->clock.now_ns - st->since_ns) / 1000000000ULL));
		sep = ", ";
	}
	fprintf(out, "; %llu challenged (IPv6 %llu), %llu verified (IPv6 %llu), %llu dropped, "
		"%llu over budget (IPv6 %llu); %u sources verified of %u\n",
		(unsigned long long)s->counters[MXGW_SYN_CHALLENGED],
		(unsigned long long)s->counters6[MXGW_SYN_CHALLENGED],
		(unsigned long long)s->counters[MXGW_SYN_VERIFIED],
		(unsigned long long)s->counters6[MXGW_SYN_VERIFIED],
		(unsigned long long)s->counters[MXGW_DROP_SYN_FLOOD],
		(unsigned long long)s->counters[MXGW_DROP_SYN_BUDGET],
		(unsigned long long)s->counters6[MXGW_DROP_SYN_BUDGET], s->syn_ok, MXGW_SYN_OK_MAX);
}

/* A line for the blocklists, when any runs: how many lists, prefixes of
 * each family, memory, what they dropped. */
static void blocklists_line(FILE *out, const struct mxgw_snapshot *s)
{
	unsigned long long n4 = 0, n6 = 0;
	unsigned int lists = 0;

	for (int b = 0; b < MXGW_BL_MAX; b++) {
		if (!s->bl[b].in_use)
			continue;
		lists++;
		n4 += s->bl[b].n4;
		n6 += s->bl[b].n6;
	}
	if (!lists)
		return;
	fprintf(out, "  blocklists: %u list%s, %llu IPv4 and %llu IPv6 prefixes in %llu MiB; "
		"%llu packets dropped (IPv6 %llu) (mxctl blocklist show)\n", lists,
		lists == 1 ? "" : "s", n4, n6,
		(unsigned long long)((s->bl_mem4 + s->bl_mem6 + (1 << 20) - 1) >> 20),
		(unsigned long long)s->counters[MXGW_DROP_BLOCKLIST],
		(unsigned long long)s->counters6[MXGW_DROP_BLOCKLIST]);
}

/* --- status ---------------------------------------------------------------- */

/* The path incoming mail takes over @fam (to the mail server, or to
 * mailserver6), and why, for people. */
static void forward_path(const struct mxgw_nexthop *nh, enum mxgw_fwd_reason fwd,
			 const char *fwd_dev, int fam, char *buf, size_t len)
{
	const char *dev = fwd_dev[0] ? fwd_dev : "?";

	switch (fwd) {
	case MXGW_FWD_WHY_NO_LOOKUP:
		snprintf(buf, len, "not known yet (no incoming connection so far)");
		break;
	case MXGW_FWD_WHY_REDIRECT:
		snprintf(buf, len, "xdp-redirect to %s (next hop %02x:%02x:%02x:%02x:%02x:%02x)",
			 dev, nh->dmac[0], nh->dmac[1], nh->dmac[2], nh->dmac[3],
			 nh->dmac[4], nh->dmac[5]);
		break;
	case MXGW_FWD_WHY_NO_XMIT:
		/* an XDP frame has no skb checksum state: a frame a veth host
		 * sent with a partial checksum (tx offload on) is redirected
		 * as it is, and the mail server drops it */
		snprintf(buf, len, "kernel: %s takes no XDP frames (a veth needs an XDP program or GRO on its peer, "
			 "and then the hosts' veth ends 'ethtool -K IF tx off', or redirected frames keep "
			 "partial checksums and are lost)", dev);
		break;
	case MXGW_FWD_WHY_NO_NEIGH:
		snprintf(buf, len, "kernel: the mail server's MAC is not resolved yet");
		break;
	case MXGW_FWD_WHY_DISABLED:
		snprintf(buf, len, "kernel: IPv%c forwarding is disabled",
			 fam == MXGW_FAM_IPV6 ? '6' : '4');
		break;
	default:
		snprintf(buf, len, "kernel: no route to the mail server (fib lookup %u)",
			 nh->fib_ret);
		break;
	}
}

/* "2001:db8:1::33, fe80::33" of @n addresses; "none" when there is none */
static void in6_list(const struct mxgw_in6 *a, unsigned int n, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];
	size_t used = 0;

	snprintf(buf, len, "none");
	for (unsigned int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 mxctl_in6_str(&a[i], s));
}

static void prefix6_list(const struct mxgw_prefix6 *p, unsigned int n, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN + 4];
	size_t used = 0;

	snprintf(buf, len, "none");
	for (unsigned int i = 0; i < n && used < len; i++) {
		mxctl_prefix6_str(&p[i], s, sizeof(s));
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", s);
	}
}

/* What the gateway knows of IPv6: mailserver6, the LAN's prefixes and the
 * WAN's own addresses, as the data plane reads them. */
static void ipv6_line(FILE *out, const struct mxgw_snapshot *s)
{
	char ms[INET6_ADDRSTRLEN], lan[4 * (INET6_ADDRSTRLEN + 6)], wan[4 * (INET6_ADDRSTRLEN + 2)];
	unsigned int nlan = s->cfg.nlan6 < MXGW_LAN6_MAX ? s->cfg.nlan6 : MXGW_LAN6_MAX;
	unsigned int nwan = s->cfg.nwan6 < MXGW_WAN6_ADDRS_MAX ? s->cfg.nwan6 : MXGW_WAN6_ADDRS_MAX;

	prefix6_list(s->cfg.lan6, nlan, lan, sizeof(lan));
	in6_list(s->cfg.wan6_addrs, nwan, wan, sizeof(wan));
	if (s->cfg.has_mailserver6)
		fprintf(out, "  IPv6: mail server %s (routed), LAN %s, WAN %s\n",
			mxctl_in6_str(&s->cfg.mailserver6, ms), lan, wan);
	else
		fprintf(out, "  IPv6: no mailserver6 (nothing let in), LAN %s, WAN %s\n", lan, wan);
}

/* set-service changes not saved, or a file edited since the last reload */
static void print_file_diff(FILE *out, const struct mxctl_snapshot *v)
{
	if (!v->file)
		return;
	if (v->ndiff > (int)v->diff.nmissing)
		fprintf(out, "  * differs from %s (mxctl set-service --save, or reload)\n",
			v->file->path);
	if (!v->diff.nmissing)
		return;
	fprintf(out, "  in %s but not running:", v->file->path);
	for (unsigned int i = 0; i < v->diff.nmissing; i++)
		fprintf(out, "%s %s", i ? "," : "",
			v->file->policy.services[v->diff.missing[i]].name);
	fprintf(out, " (mxctl reload)\n");
}

/* A row's counts: in allowed and denied, out allowed and denied. */
static void count_cells(FILE *out, const struct mxgw_svc_stats *st)
{
	const struct mxgw_pkt_count (*c)[2] = st->count;

	fprintf(out, " %12llu %12llu %12llu %12llu",
		(unsigned long long)c[MXGW_DIR_IN][MXGW_ALLOW].packets,
		(unsigned long long)c[MXGW_DIR_IN][MXGW_DENY].packets,
		(unsigned long long)c[MXGW_DIR_OUT][MXGW_ALLOW].packets,
		(unsigned long long)c[MXGW_DIR_OUT][MXGW_DENY].packets);
}

static void status_one(FILE *out, const struct mxctl_snapshot *v)
{
	const struct mxgw_snapshot *s = &v->s;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], pp[32], path[256];
	bool v6 = mxctl_shows_ipv6(s);

	forward_path(&s->nh, s->fwd, s->fwd_dev, MXGW_FAM_IPV4, path, sizeof(path));
	fprintf(out, "%s: xdp %s (id %u, %s), tc egress %s (id %u)\n", s->ifname,
		MXGW_PROG_XDP, s->att.xdp_prog_id, mxctl_xdp_mode_str(s->att.xdp_mode),
		s->att.tc_prog_id ? MXGW_PROG_TC : "NOT ATTACHED", s->att.tc_prog_id);
	if (s->att.xdp_dispatcher_id)
		fprintf(out, "  xdp through libxdp's dispatcher (id %u), run priority %u\n",
			s->att.xdp_dispatcher_id, s->att.xdp_priority);
	if (s->att.pinned_lan_id) {
		char lan[IF_NAMESIZE] = "";

		if (s->att.lan_ifindex && !if_indextoname(s->att.lan_ifindex, lan))
			snprintf(lan, sizeof(lan), "%u", s->att.lan_ifindex);
		if (s->att.lan_ifindex)
			fprintf(out, "  lan xdp %s on %s (id %u, %s)\n", MXGW_PROG_LAN, lan,
				s->att.pinned_lan_id, mxctl_xdp_mode_str(s->att.lan_mode));
		else
			fprintf(out, "  lan xdp %s NOT ATTACHED (the LAN's packets take the "
				"kernel and tc)\n", MXGW_PROG_LAN);
	}
	if (s->warnings & MXGW_WARN_STALE_PINS)
		fprintf(out, "  WARNING: stale pins: the interface mxgw was loaded on as %s (ifindex %u) %s%s; "
			"mxctl unload %s removes them\n", s->ifname, s->pins.ifindex,
			s->pins.ifname_now[0] ? "is now " : "is gone", s->pins.ifname_now,
			s->ifname);
	else if (s->warnings & MXGW_WARN_XDP_NOT_OURS)
		fprintf(out, "  WARNING: the XDP program on %s is not mxgw's (mxctl load %s repairs it)\n",
			s->ifname, s->ifname);
	fprintf(out, "  pins %s\n", s->pin_dir);
	fprintf(out, "  public %s -> mail server %s, default %s\n",
		addr_str(s->cfg.public_addr, a), addr_str(s->cfg.mailserver_addr, b),
		mxgw_verdict_str(s->cfg.default_in));
	ipv6_line(out, s);
	fprintf(out, "  forward path: %s\n", path);
	if (s->cfg.has_mailserver6) {
		forward_path(&s->nh6, s->fwd6, s->fwd6_dev, MXGW_FAM_IPV6, path, sizeof(path));
		fprintf(out, "  forward path IPv6: %s\n", path);
	}
	fprintf(out, "  forwarded to the LAN: %llu packets by xdp-redirect, %llu by the kernel",
		(unsigned long long)s->counters[MXGW_FWD_REDIRECT],
		(unsigned long long)mxgw_kernel_path(s->counters));
	if (v6)
		fprintf(out, " (of which IPv6 %llu and %llu)",
			(unsigned long long)s->counters6[MXGW_FWD_REDIRECT],
			(unsigned long long)mxgw_kernel_path(s->counters6));
	fprintf(out, "\n");
	fprintf(out, "  conntrack: %u flows of %u, nat-ports %u-%u; %llu new, %llu evicted, %llu refused (no free port)\n",
		s->ct_entries, s->ct_max, s->cfg.nat_port_min, s->cfg.nat_port_max,
		(unsigned long long)(s->counters[MXGW_CT_NEW] - s->counters6[MXGW_CT_NEW]),
		(unsigned long long)(s->counters[MXGW_CT_EVICTED] - s->counters6[MXGW_CT_EVICTED]),
		(unsigned long long)s->counters[MXGW_DROP_NAT_FULL]);
	if (v6)
		fprintf(out, "  conntrack IPv6: %u flows of %u (routed); %llu new, %llu evicted\n",
			s->ct6_entries, s->ct6_max,
			(unsigned long long)s->counters6[MXGW_CT_NEW],
			(unsigned long long)s->counters6[MXGW_CT_EVICTED]);
	if (s->bans[MXGW_FAM_IPV4] + s->bans[MXGW_FAM_IPV6] +
	    s->allow[MXGW_FAM_IPV4] + s->allow[MXGW_FAM_IPV6])
		fprintf(out, "  bans: %u (IPv4 %u, IPv6 %u), allowlist: %u prefixes (IPv4 %u, IPv6 %u); %llu dropped\n",
			s->bans[MXGW_FAM_IPV4] + s->bans[MXGW_FAM_IPV6],
			s->bans[MXGW_FAM_IPV4], s->bans[MXGW_FAM_IPV6],
			s->allow[MXGW_FAM_IPV4] + s->allow[MXGW_FAM_IPV6],
			s->allow[MXGW_FAM_IPV4], s->allow[MXGW_FAM_IPV6],
			(unsigned long long)s->counters[MXGW_DROP_BANNED]);
	blocklists_line(out, s);
	limits_line(out, s);
	synflood_line(out, s);
	if (s->warnings & MXGW_WARN_FAST_PATH_LOST)
		fprintf(out, "  WARNING: the LAN device no longer takes XDP frames: redirected packets are lost (mxctl reload)\n");
	if (s->warnings & MXGW_WARN_FAST_PATH6_LOST)
		fprintf(out, "  WARNING: the LAN device mailserver6 is routed through no longer takes XDP frames: redirected IPv6 packets are lost (mxctl reload)\n");
	if (s->warnings & MXGW_WARN_LAN_FAST_PATH_LOST)
		fprintf(out, "  WARNING: %s no longer takes XDP frames: what the LAN's fast path sends it is lost (mxctl reload)\n",
			s->ifname);
	if (s->warnings & MXGW_WARN_FORWARDING_OFF)
		fprintf(out, "  WARNING: IPv4 forwarding is off on %s (sysctl -w net.ipv4.ip_forward=1)\n",
			s->ifname);
	if (s->warnings & MXGW_WARN_IPV6_FORWARDING_OFF)
		fprintf(out, "  WARNING: IPv6 forwarding is off: the kernel forwards nothing to mailserver6 (sysctl -w net.ipv6.conf.all.forwarding=1)\n");
	if (s->clock_stale) {
		char ago[32] = "ahead of now";

		if (s->clock_age_ns)
			snprintf(ago, sizeof(ago), "%.1f s ago", s->clock_age_ns / 1e9);
		fprintf(out, "  WARNING: the data plane's clock stopped (last tick %s; something wrote %s): the next packets restart it (clock_rearmed counts it)\n",
			ago, MXGW_MAP_NAME(clock));
	}
	if (s->log_read)
		fprintf(out, "  log: read by pid %u (mxctl log)\n", s->lease.pid);
	fprintf(out, "\n");

	fprintf(out, "  %-10s %-12s %-9s %-11s %12s %12s %12s %12s\n", "service", "port",
		"outgoing", "incoming", "in-allowed", "in-denied", "out-allowed",
		"out-denied");
	fprintf(out, "  %58s(packets%s)\n", "", v6 ? "; both families, then of which IPv6" : "");
	for (unsigned int k = 0; k < s->nservices; k++) {
		const struct mxgw_snapshot_service *r = &s->svcs[k];
		char in[24];

		if (r->id == MXGW_SVC_UNLISTED) {
			fprintf(out, "  %-10s %-12s %-9s %-11s", MXCTL_UNLISTED, "*",
				mxgw_verdict_str(r->svc.verdict[MXGW_DIR_OUT]),
				mxgw_verdict_str(r->svc.verdict[MXGW_DIR_IN]));
		} else {
			snprintf(in, sizeof(in), "%s%s",
				 mxgw_verdict_str(r->svc.verdict[MXGW_DIR_IN]),
				 r->svc.flags & MXGW_PORT_F_FROM ? "+from" : "");
			snprintf(pp, sizeof(pp), "%u/%s", r->svc.port,
				 mxgw_protos_str(r->svc.protos));
			fprintf(out, " %c%-10s %-12s %-9s %-11s",
				v->file && v->diff.running[r->id] ? '*' : ' ', r->name, pp,
				mxgw_verdict_str(r->svc.verdict[MXGW_DIR_OUT]), in);
		}
		count_cells(out, &r->count);
		fprintf(out, "%s\n",
			r->id && (r->svc.flags & MXGW_PORT_F_GATEWAY) ? "  -> gateway" : "");
		if (v6) {
			fprintf(out, "  %-23s %-9s %-11s", "  of which IPv6", "", "");
			count_cells(out, &r->count6);
			fprintf(out, "\n");
		}
	}
	print_file_diff(out, v);
	fprintf(out, "\n  counters:");
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
		/* three a line when IPv6's part follows each, four else */
		fprintf(out, "%s %s %llu", c % (v6 ? 3 : 4) ? "," : "\n   ", mxgw_counter_name(c),
			(unsigned long long)s->counters[c]);
		if (s->counters6[c] && mxctl_counter_has_family(c))
			fprintf(out, " (IPv6 %llu)", (unsigned long long)s->counters6[c]);
	}
	fprintf(out, "\n");
}

int mxctl_print_status(FILE *out, const struct mxctl_snapshot *v, int n)
{
	for (int i = 0; i < n; i++)
		if (!v[i].err)
			status_one(out, &v[i]);
	return done(out);
}

/* --- stats ----------------------------------------------------------------- */

static void stats_rows(FILE *out, const char *name, const char *pp,
		       const struct mxgw_svc_stats *st)
{
	for (int d = 0; d < MXGW_DIR_MAX; d++) {
		const struct mxgw_pkt_count *c = st->count[d];

		fprintf(out, "  %-15s %-11s %-3s %14llu %14llu %14llu %14llu\n",
			d ? "" : name, d ? "" : pp, mxctl_dir_str(d),
			(unsigned long long)c[MXGW_ALLOW].packets,
			(unsigned long long)c[MXGW_ALLOW].bytes,
			(unsigned long long)c[MXGW_DENY].packets,
			(unsigned long long)c[MXGW_DENY].bytes);
	}
}

static void stats_one(FILE *out, const struct mxgw_snapshot *s)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], pp[24];
	bool v6 = mxctl_shows_ipv6(s);

	fprintf(out, "%s: public %s -> mail server %s, default %s, xdp %s\n",
		s->ifname, addr_str(s->cfg.public_addr, a),
		addr_str(s->cfg.mailserver_addr, b),
		mxgw_verdict_str(s->cfg.default_in), mxctl_xdp_state_str(&s->att));
	if (v6)
		ipv6_line(out, s);
	fprintf(out, "  %-15s %-11s %-3s %14s %14s %14s %14s\n", "service", "port", "dir",
		"allowed-pkts", "allowed-bytes", "denied-pkts", "denied-bytes");
	for (unsigned int k = 0; k < s->nservices; k++) {
		const struct mxgw_snapshot_service *r = &s->svcs[k];

		if (r->id == MXGW_SVC_UNLISTED)
			snprintf(pp, sizeof(pp), "*");
		else
			snprintf(pp, sizeof(pp), "%u/%s", r->svc.port,
				 mxgw_protos_str(r->svc.protos));
		stats_rows(out, mxctl_svc_name(r), pp, &r->count);
		if (v6)
			stats_rows(out, "  of which IPv6", "", &r->count6);
	}
	fprintf(out, "  conntrack: %u flows of %u\n", s->ct_entries, s->ct_max);
	if (v6)
		fprintf(out, "  conntrack IPv6: %u flows of %u\n", s->ct6_entries, s->ct6_max);
	fprintf(out, "  nat: %u mappings; public ports in use: tcp %u, udp %u, icmp %u (nat-ports %u-%u)\n",
		s->nat_mappings, s->nat_ports_in_use[MXGW_NAT_TCP],
		s->nat_ports_in_use[MXGW_NAT_UDP], s->nat_ports_in_use[MXGW_NAT_ICMP],
		s->cfg.nat_port_min, s->cfg.nat_port_max);
	fprintf(out, "  forward path: %s%s%s\n", mxctl_fwd_path_str(mxgw_fwd_path_of(s->fwd)),
		s->fwd_dev[0] ? " via " : "", s->fwd_dev);
	if (s->cfg.has_mailserver6)
		fprintf(out, "  forward path IPv6: %s%s%s\n",
			mxctl_fwd_path_str(mxgw_fwd_path_of(s->fwd6)),
			s->fwd6_dev[0] ? " via " : "", s->fwd6_dev);
	if (s->ipv4_forwarding >= 0)
		fprintf(out, "  ipv4 forwarding: %s\n", s->ipv4_forwarding ? "on" : "OFF");
	if (v6 && s->ipv6_forwarding >= 0)
		fprintf(out, "  ipv6 forwarding: %s\n", s->ipv6_forwarding ? "on" : "OFF");
	if (!v6) {
		fprintf(out, "  counters:\n");
		for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
			fprintf(out, "    %-24s %20llu  %s\n", mxgw_counter_name(c),
				(unsigned long long)s->counters[c], mxgw_counter_help(c));
		return;
	}
	/* both families, and IPv6's part; "-" for a counter of no family */
	fprintf(out, "  counters:%38s %20s\n", "both families", "of which IPv6");
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
		char six[24] = "-";

		if (mxctl_counter_has_family(c))
			snprintf(six, sizeof(six), "%llu", (unsigned long long)s->counters6[c]);
		fprintf(out, "    %-24s %20llu %20s  %s\n", mxgw_counter_name(c),
			(unsigned long long)s->counters[c], six, mxgw_counter_help(c));
	}
}

int mxctl_print_stats(FILE *out, const struct mxctl_snapshot *v, int n)
{
	bool first = true;

	for (int i = 0; i < n; i++) {
		if (v[i].err)
			continue;
		if (!first)
			fputc('\n', out);
		first = false;
		stats_one(out, &v[i].s);
	}
	return done(out);
}
