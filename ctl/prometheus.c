// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Prometheus printer of the snapshot (prometheus.h): a pure function
 * of the snapshots it is given, byte for byte what dashboards read.
 * Every snapshot given was read (a scrape is all or nothing, and stats
 * --prometheus passes the ones it could read).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "prometheus.h"
#include "version.h"

static const char *addr_str(__be32 a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int done(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

void mxgw_prom_label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

void mxgw_prom_help_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void family(FILE *out, const char *name, const char *type,
		   const char *help)
{
	fprintf(out, "# HELP %s ", name);
	mxgw_prom_help_text(out, help);
	fprintf(out, "\n# TYPE %s %s\n", name, type);
}

/* name{ifname="..." — labels follow with label(), then value(). */
static void sample(FILE *out, const char *name, const struct mxgw_snapshot *s)
{
	fprintf(out, "%s{ifname=\"", name);
	mxgw_prom_label_value(out, s->ifname);
	fputc('"', out);
}

static void label(FILE *out, const char *key, const char *value)
{
	fprintf(out, ",%s=\"", key);
	mxgw_prom_label_value(out, value);
	fputc('"', out);
}

static void value(FILE *out, unsigned long long v)
{
	fprintf(out, "} %llu\n", v);
}

/* The counter families, by the family column of MXGW_COUNTERS; an OWN
 * counter is a metric of its own, mxgw_NAME_total. */
static const struct {
	const char *metric;
	const char *label;
	const char *help;
} counter_families[MXGW_CF_MAX] = {
	[MXGW_CF_DROP] = { "mxgw_drops_total", "reason",
	  "Packets dropped, by reason: the drop_* counters of 'mxctl help counters'." },
	[MXGW_CF_FWD] = { "mxgw_forwarded_packets_total", "path",
	  "Packets forwarded to the LAN, by path: fwd_redirect is the XDP fast path, fwd_kernel_* the kernel's, and why (see 'mxctl help counters')." },
	[MXGW_CF_PASS] = { "mxgw_passed_packets_total", "reason",
	  "Packets passed to the kernel untouched, by reason: the pass_* counters of 'mxctl help counters'." },
};

/* The sample of counter @c of @s: per family (family="ipv4", "ipv6"),
 * each family's own count, or once without a family for a NOFAMILY one. */
static void counter_samples(FILE *out, const char *metric, const char *key,
			    unsigned int c, const struct mxgw_snapshot *s)
{
	if (!mxctl_counter_has_family(c)) {
		sample(out, metric, s);
		if (key)
			label(out, key, mxgw_counter_name(c));
		value(out, s->counters[c]);
		return;
	}
	for (int fam = 0; fam < MXGW_FAM_MAX; fam++) {
		sample(out, metric, s);
		if (key)
			label(out, key, mxgw_counter_name(c));
		label(out, "family", mxctl_family_str(fam));
		/* the snapshot keeps the sum and IPv6's part */
		value(out, fam == MXGW_FAM_IPV6 ? s->counters6[c] :
			   s->counters[c] - s->counters6[c]);
	}
}

static void prom_counters(FILE *out, const struct mxctl_snapshot *v, int n)
{
	char metric[64];

	for (unsigned int f = 0; f < MXGW_CF_MAX; f++) {
		if (f == MXGW_CF_OWN)
			continue;
		family(out, counter_families[f].metric, "counter",
		       counter_families[f].help);
		for (int i = 0; i < n; i++)
			for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
				if (mxgw_counter_table[c].family == f)
					counter_samples(out, counter_families[f].metric,
							counter_families[f].label, c, &v[i].s);
	}
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
		if (mxgw_counter_table[c].family != MXGW_CF_OWN)
			continue;
		snprintf(metric, sizeof(metric), "mxgw_%s_total", mxgw_counter_name(c));
		family(out, metric, "counter", mxgw_counter_help(c));
		for (int i = 0; i < n; i++)
			counter_samples(out, metric, NULL, c, &v[i].s);
	}
}

static void prom_services(FILE *out, const struct mxctl_snapshot *v, int n)
{
	static const char *const verdicts[2] = {
		[MXGW_ALLOW] = "allow",
		[MXGW_DENY] = "deny",
	};
	static const int verdict_order[2] = { MXGW_ALLOW, MXGW_DENY };
	const struct mxgw_snapshot *s;
	char port[8];

	family(out, "mxgw_service_info", "gauge",
	       "The table, one series per service: port, protocols, outgoing and incoming verdicts, whether incoming is restricted by from, where it goes (the mail server, or the gateway itself). Always 1.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (unsigned int k = 0; k < s->nservices; k++) {
			const struct mxgw_snapshot_service *r = &s->svcs[k];

			if (r->id == MXGW_SVC_UNLISTED)
				continue;
			snprintf(port, sizeof(port), "%u", r->svc.port);
			sample(out, "mxgw_service_info", s);
			label(out, "service", r->name);
			label(out, "port", port);
			label(out, "proto", mxgw_protos_str(r->svc.protos));
			label(out, "outgoing", mxgw_verdict_str(r->svc.verdict[MXGW_DIR_OUT]));
			label(out, "incoming", mxgw_verdict_str(r->svc.verdict[MXGW_DIR_IN]));
			label(out, "from", r->svc.flags & MXGW_PORT_F_FROM ? "true" : "false");
			label(out, "to", r->svc.flags & MXGW_PORT_F_GATEWAY ? "gateway" : "mailserver");
			value(out, 1);
		}
	}
	for (int bytes = 0; bytes < 2; bytes++) {
		const char *metric = bytes ? "mxgw_service_bytes_total" :
					     "mxgw_service_packets_total";

		family(out, metric, "counter", bytes ?
		       "IP bytes (IPv4's total length, IPv6's payload length and header) per service, direction, verdict and family; as mxgw_service_packets_total." :
		       "Packets per service, direction (in: Internet to the public address or mailserver6; out: LAN to the Internet, the packets that open a flow), verdict and address family; service=\"(unlisted)\" counts the ports the table does not list.");
		for (int i = 0; i < n; i++) {
			s = &v[i].s;
			for (unsigned int k = 0; k < s->nservices; k++) {
				const struct mxgw_snapshot_service *r = &s->svcs[k];

				for (int d = 0; d < MXGW_DIR_MAX; d++) {
					for (int o = 0; o < 2; o++) {
						for (int fam = 0; fam < MXGW_FAM_MAX; fam++) {
							const struct mxgw_pkt_count *c =
								&r->count.count[d][verdict_order[o]];
							const struct mxgw_pkt_count *c6 =
								&r->count6.count[d][verdict_order[o]];
							__u64 val = bytes ? c6->bytes : c6->packets;

							if (fam == MXGW_FAM_IPV4)
								val = (bytes ? c->bytes : c->packets) - val;
							sample(out, metric, s);
							label(out, "service", mxctl_svc_name(r));
							label(out, "direction", mxctl_dir_str(d));
							label(out, "verdict", verdicts[verdict_order[o]]);
							label(out, "family", mxctl_family_str(fam));
							value(out, val);
						}
					}
				}
			}
		}
	}
}

static void prom_gauges(FILE *out, const struct mxctl_snapshot *v, int n)
{
	const struct mxgw_snapshot *s;
	bool any_forwarding = false;

	family(out, "mxgw_conntrack_entries", "gauge",
	       "Tracked flows within their timeout, by address family (outgoing flows, and IPv4's the gateway's own too).");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (int fam = 0; fam < MXGW_FAM_MAX; fam++) {
			sample(out, "mxgw_conntrack_entries", s);
			label(out, "family", mxctl_family_str(fam));
			value(out, fam == MXGW_FAM_IPV6 ? s->ct6_entries : s->ct_entries);
		}
	}
	family(out, "mxgw_conntrack_max", "gauge",
	       "Size of each family's conntrack map (conntrack-max; IPv4's NAT map too).");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (int fam = 0; fam < MXGW_FAM_MAX; fam++) {
			sample(out, "mxgw_conntrack_max", s);
			label(out, "family", mxctl_family_str(fam));
			value(out, fam == MXGW_FAM_IPV6 ? s->ct6_max : s->ct_max);
		}
	}
	family(out, "mxgw_nat_mappings", "gauge",
	       "Live masqueraded flows: tracked flows of LAN hosts within their timeout.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		sample(out, "mxgw_nat_mappings", s);
		value(out, s->nat_mappings);
	}
	family(out, "mxgw_nat_ports_in_use", "gauge",
	       "Distinct public ports held by live masqueraded flows, by protocol (icmp: echo identifiers).");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (int p = 0; p < MXGW_NAT_PROTO_MAX; p++) {
			sample(out, "mxgw_nat_ports_in_use", s);
			label(out, "proto", mxctl_nat_proto_str(p));
			value(out, s->nat_ports_in_use[p]);
		}
	}
	family(out, "mxgw_bans", "gauge",
	       "Bans set (mxctl ban), by address family; expired ones count until mxctl removes them.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (int fam = 0; fam < MXGW_FAM_MAX; fam++) {
			sample(out, "mxgw_bans", s);
			label(out, "family", mxctl_family_str(fam));
			value(out, s->bans[fam]);
		}
	}
	family(out, "mxgw_allowlist_prefixes", "gauge",
	       "Prefixes of the allowlist, which no ban drops, by address family.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (int fam = 0; fam < MXGW_FAM_MAX; fam++) {
			sample(out, "mxgw_allowlist_prefixes", s);
			label(out, "family", mxctl_family_str(fam));
			value(out, s->allow[fam]);
		}
	}
	family(out, "mxgw_rate_limit_buckets", "gauge",
	       "Sources the rate limits track: main, those that came back (at most 32768); seen_once, on probation after one connection (at most 8192).");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		sample(out, "mxgw_rate_limit_buckets", s);
		label(out, "map", "main");
		value(out, s->rl_buckets);
		sample(out, "mxgw_rate_limit_buckets", s);
		label(out, "map", "seen_once");
		value(out, s->rl_new_buckets);
	}
	family(out, "mxgw_nat_port_range_size", "gauge",
	       "Ports in the nat-ports range, service ports included.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		unsigned int size = s->cfg.nat_port_max >= s->cfg.nat_port_min ?
			s->cfg.nat_port_max - s->cfg.nat_port_min + 1U : 0;

		sample(out, "mxgw_nat_port_range_size", s);
		value(out, size);
	}
	family(out, "mxgw_forward_path", "gauge",
	       "The path incoming mail takes now, from the next-hop cache, per family (ipv6: to mailserver6, when there is one): 1 for the current one (xdp-redirect, kernel, or unknown before the first incoming connection).");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (int fam = 0; fam < MXGW_FAM_MAX; fam++) {
			enum mxgw_fwd_reason why = fam == MXGW_FAM_IPV6 ? s->fwd6 : s->fwd;

			if (fam == MXGW_FAM_IPV6 && !s->cfg.has_mailserver6)
				continue;
			for (int p = 0; p < MXGW_FWD_PATH_MAX; p++) {
				sample(out, "mxgw_forward_path", s);
				label(out, "path", mxctl_fwd_path_str(p));
				label(out, "family", mxctl_family_str(fam));
				value(out, mxgw_fwd_path_of(why) == (enum mxgw_fwd_path)p);
			}
		}
	}
	for (int i = 0; i < n; i++)
		any_forwarding |= v[i].s.ipv4_forwarding >= 0;
	if (any_forwarding) {
		family(out, "mxgw_ipv4_forwarding", "gauge",
		       "net.ipv4.conf.IFNAME.forwarding of the WAN interface: 0 means the kernel forwards nothing mxgw hands it.");
		for (int i = 0; i < n; i++) {
			s = &v[i].s;
			if (s->ipv4_forwarding < 0)
				continue;
			sample(out, "mxgw_ipv4_forwarding", s);
			value(out, s->ipv4_forwarding > 0);
		}
	}
	any_forwarding = false;
	for (int i = 0; i < n; i++)
		any_forwarding |= v[i].s.ipv6_forwarding >= 0;
	if (!any_forwarding)
		return;
	family(out, "mxgw_ipv6_forwarding", "gauge",
	       "net.ipv6.conf.all.forwarding: 0 means the kernel forwards nothing mxgw hands it over IPv6.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		if (s->ipv6_forwarding < 0)
			continue;
		sample(out, "mxgw_ipv6_forwarding", s);
		value(out, s->ipv6_forwarding > 0);
	}
}

/* IPv6 of each gateway: a series of its own, so that mxgw_info keeps its
 * labels (a changed label set is a new series to every dashboard). */
static void prom_ipv6_info(FILE *out, const struct mxctl_snapshot *v, int n)
{
	char a[INET6_ADDRSTRLEN + 4], list[4 * (INET6_ADDRSTRLEN + 5)];

	family(out, "mxgw_ipv6_info", "gauge",
	       "IPv6 of the running gateway: mailserver6 (\"\" without one), the LAN's prefixes (lan6) and the WAN device's IPv6 addresses, comma-separated. Always 1.");
	for (int i = 0; i < n; i++) {
		const struct mxgw_snapshot *s = &v[i].s;
		size_t used = 0;

		sample(out, "mxgw_ipv6_info", s);
		label(out, "mailserver6", s->cfg.has_mailserver6 ?
		      mxctl_in6_str(&s->cfg.mailserver6, a) : "");
		list[0] = '\0';
		for (unsigned int k = 0; k < s->cfg.nlan6 && k < MXGW_LAN6_MAX && used < sizeof(list); k++) {
			mxctl_prefix6_str(&s->cfg.lan6[k], a, sizeof(a));
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 k ? "," : "", a);
		}
		label(out, "lan6", list);
		list[0] = '\0';
		used = 0;
		for (unsigned int k = 0; k < s->cfg.nwan6 && k < MXGW_WAN6_ADDRS_MAX && used < sizeof(list); k++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 k ? "," : "", mxctl_in6_str(&s->cfg.wan6_addrs[k], a));
		label(out, "wan6", list);
		value(out, 1);
	}
}

/*
 * Blocklists (mxctl blocklist show): their sizes, drops and memory, by
 * address family; the families only where a list runs.
 */
static void prom_blocklists(FILE *out, const struct mxctl_snapshot *v, int n)
{
	const struct mxgw_snapshot *s;
	bool any = false;

	for (int i = 0; i < n; i++)
		for (int b = 0; b < MXGW_BL_MAX; b++)
			any |= v[i].s.bl[b].in_use;
	if (!any)
		return;
	family(out, "mxgw_blocklist_prefixes", "gauge",
	       "Prefixes of each running blocklist, by address family.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (int b = 0; b < MXGW_BL_MAX; b++)
			for (int fam = 0; s->bl[b].in_use && fam < MXGW_FAM_MAX; fam++) {
				sample(out, "mxgw_blocklist_prefixes", s);
				label(out, "list", s->bl[b].name);
				label(out, "family", mxctl_family_str(fam));
				value(out, fam == MXGW_FAM_IPV6 ? s->bl[b].n6 : s->bl[b].n4);
			}
	}
	family(out, "mxgw_blocklist_dropped_packets_total", "counter",
	       "Packets dropped because their source is in this blocklist (a packet in two lists counts in both), by address family.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (int b = 0; b < MXGW_BL_MAX; b++)
			for (int fam = 0; s->bl[b].in_use && fam < MXGW_FAM_MAX; fam++) {
				sample(out, "mxgw_blocklist_dropped_packets_total", s);
				label(out, "list", s->bl[b].name);
				label(out, "family", mxctl_family_str(fam));
				value(out, s->bl_drops[b][fam]);
			}
	}
	family(out, "mxgw_blocklist_memory_bytes", "gauge",
	       "Bytes the kernel charges for the blocklists' tables, by address family (IPv4: the /24 array and the trie of longer prefixes).");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		for (int fam = 0; fam < MXGW_FAM_MAX; fam++) {
			sample(out, "mxgw_blocklist_memory_bytes", s);
			label(out, "family", mxctl_family_str(fam));
			value(out, fam == MXGW_FAM_IPV6 ? s->bl_mem6 : s->bl_mem4);
		}
	}
}

/*
 * SYN floods (syn-flood SERVICE N/s): per protected service its threshold,
 * its SYN rate now and whether it is in a flood, and the sources verified; only where
 * a service has syn-flood.  What the challenge did is in the counters
 * (mxgw_syn_challenged_total, mxgw_syn_verified_total,
 * mxgw_drops_total{reason="drop_syn_flood"}, mxgw_syn_flood_on_total).
 */
static void prom_synflood(FILE *out, const struct mxctl_snapshot *v, int n)
{
	const struct mxgw_snapshot *s;
	bool any = false;

	for (int i = 0; i < n; i++)
		any |= !!(v[i].s.cfg.flags & MXGW_CFG_F_SYNFLOOD);
	if (!any)
		return;
	for (int m = 0; m < 3; m++) {
		static const char *const metrics[] = {
			"mxgw_syn_flood", "mxgw_syn_flood_threshold", "mxgw_syn_flood_rate",
		};
		static const char *const helps[] = {
			"1 while a protected service is in a SYN flood (its SYN rate went over its threshold within the last 10 s: unverified sources are challenged), else 0.",
			"The syn-flood threshold of each protected service: SYNs a second (all sources together) above which it is in a flood.",
			"The SYN rate of each protected service now: SYNs counted in the current rate slot (all sources, exact to 8 a CPU), scaled to a second as the threshold is.",
		};
		const char *metric = metrics[m];

		family(out, metric, "gauge", helps[m]);
		for (int i = 0; i < n; i++) {
			s = &v[i].s;
			if (!(s->cfg.flags & MXGW_CFG_F_SYNFLOOD))
				continue;
			for (unsigned int k = 0; k < s->nservices; k++) {
				const struct mxgw_snapshot_service *r = &s->svcs[k];
				const struct mxgw_syn_state *st = &r->syn_state;

				if (!(r->svc.flags & MXGW_PORT_F_SYNFLOOD))
					continue;
				sample(out, metric, s);
				label(out, "service", r->name);
				value(out, m == 2 ? mxctl_syn_rate(s, r) : m ? r->synflood.rate :
					   st->until_ns > s->clock.now_ns &&
					   s->clock.now_ns >= st->since_ns);
			}
		}
	}
	family(out, "mxgw_syn_verified_sources", "gauge",
	       "Sources verified by the SYN-flood challenge (IPv4 addresses, IPv6 /64s; at most 65536, the least recently seen go first), let in during a flood.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		if (!(s->cfg.flags & MXGW_CFG_F_SYNFLOOD))
			continue;
		sample(out, "mxgw_syn_verified_sources", s);
		value(out, s->syn_ok);
	}
}

int mxctl_print_prometheus(FILE *out, const struct mxctl_snapshot *v, int n)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], abi[16];
	const struct mxgw_snapshot *s;

	/* of this mxctl, not of an interface: no ifname */
	family(out, "mxgw_build_info", "gauge",
	       "The mxctl that serves these metrics: its version (git describe at build time) and the map ABI version it speaks. Always 1.");
	snprintf(abi, sizeof(abi), "%d", MXGW_ABI_VERSION);
	fputs("mxgw_build_info{version=\"", out);
	mxgw_prom_label_value(out, mxgw_version);
	fputs("\",abi=\"", out);
	mxgw_prom_label_value(out, abi);
	fputs("\"} 1\n", out);

	family(out, "mxgw_info", "gauge",
	       "The running gateway on a WAN interface: public address, mail server, default verdict, icmp-echo, XDP attach mode. Always 1.");
	for (int i = 0; i < n; i++) {
		s = &v[i].s;
		sample(out, "mxgw_info", s);
		label(out, "public", addr_str(s->cfg.public_addr, a));
		label(out, "mailserver", addr_str(s->cfg.mailserver_addr, b));
		label(out, "default", mxgw_verdict_str(s->cfg.default_in));
		label(out, "icmp_echo", mxgw_verdict_str(s->cfg.icmp_echo));
		label(out, "xdp_mode", mxctl_xdp_state_str(&s->att));
		value(out, 1);
	}
	prom_ipv6_info(out, v, n);
	prom_services(out, v, n);
	prom_counters(out, v, n);
	prom_gauges(out, v, n);
	prom_blocklists(out, v, n);
	prom_synflood(out, v, n);
	return done(out);
}
