// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl stats formatters: Prometheus text exposition format, JSON, text.
 * Pure functions of struct mxgw_stats (see prometheus.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "show.h"
#include "prometheus.h"
#include "../maps/names.h"
#include "json.h"
#include "version.h"
#include "../maps/maps.h"

static const char *const dir_names[MXGW_DIR_MAX] = {
	[MXGW_DIR_IN] = "in",
	[MXGW_DIR_OUT] = "out",
};

static const char *const nat_proto_names[MXGW_STATS_NAT_MAX] = {
	[MXGW_STATS_NAT_TCP] = "tcp",
	[MXGW_STATS_NAT_UDP] = "udp",
	[MXGW_STATS_NAT_ICMP] = "icmp",
};

const char *mxgw_stats_fwd_path_str(enum mxgw_stats_fwd_path path)
{
	switch (path) {
	case MXGW_STATS_FWD_REDIRECT:
		return "xdp-redirect";
	case MXGW_STATS_FWD_KERNEL:
		return "kernel";
	default:
		return "unknown";
	}
}

static const char *svc_name(const struct mxgw_stats_service *s)
{
	return s->id == MXGW_SVC_UNLISTED ? MXGW_STATS_UNLISTED : s->name;
}

static const char *addr_str(__be32 a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int done(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

/* --- Prometheus ----------------------------------------------------------- */

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
static void sample(FILE *out, const char *name, const struct mxgw_stats *st)
{
	fprintf(out, "%s{ifname=\"", name);
	mxgw_prom_label_value(out, st->ifname);
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

static void prom_counters(FILE *out, const struct mxgw_stats *st, int n)
{
	char metric[64];

	for (unsigned int f = 0; f < MXGW_CF_MAX; f++) {
		if (f == MXGW_CF_OWN)
			continue;
		family(out, counter_families[f].metric, "counter",
		       counter_families[f].help);
		for (int i = 0; i < n; i++) {
			for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
				if (mxgw_counter_table[c].family != f)
					continue;
				sample(out, counter_families[f].metric, &st[i]);
				label(out, counter_families[f].label, mxgw_counter_name(c));
				value(out, st[i].counters[c]);
			}
		}
	}
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
		if (mxgw_counter_table[c].family != MXGW_CF_OWN)
			continue;
		snprintf(metric, sizeof(metric), "mxgw_%s_total", mxgw_counter_name(c));
		family(out, metric, "counter", mxgw_counter_help(c));
		for (int i = 0; i < n; i++) {
			sample(out, metric, &st[i]);
			value(out, st[i].counters[c]);
		}
	}
}

static void prom_services(FILE *out, const struct mxgw_stats *st, int n)
{
	static const char *const verdicts[2] = {
		[MXGW_ALLOW] = "allow",
		[MXGW_DENY] = "deny",
	};
	static const int verdict_order[2] = { MXGW_ALLOW, MXGW_DENY };
	char port[8];

	family(out, "mxgw_service_info", "gauge",
	       "The table, one series per service: port, protocols, outgoing and incoming verdicts, whether incoming is restricted by from, where it goes (the mail server, or the gateway itself). Always 1.");
	for (int i = 0; i < n; i++) {
		for (unsigned int k = 0; k < st[i].nservices; k++) {
			const struct mxgw_stats_service *s = &st[i].svcs[k];

			if (s->id == MXGW_SVC_UNLISTED)
				continue;
			snprintf(port, sizeof(port), "%u", s->port);
			sample(out, "mxgw_service_info", &st[i]);
			label(out, "service", s->name);
			label(out, "port", port);
			label(out, "proto", mxgw_protos_str(s->protos));
			label(out, "outgoing", mxgw_verdict_str(s->verdict[MXGW_DIR_OUT]));
			label(out, "incoming", mxgw_verdict_str(s->verdict[MXGW_DIR_IN]));
			label(out, "from", s->from ? "true" : "false");
			label(out, "to", s->to_gateway ? "gateway" : "mailserver");
			value(out, 1);
		}
	}
	for (int bytes = 0; bytes < 2; bytes++) {
		const char *metric = bytes ? "mxgw_service_bytes_total" :
					     "mxgw_service_packets_total";

		family(out, metric, "counter", bytes ?
		       "IPv4 bytes (total length) per service, direction and verdict; as mxgw_service_packets_total." :
		       "Packets per service, direction (in: Internet to the public address; out: LAN to the Internet, the packets that open a flow) and verdict; service=\"(unlisted)\" counts the ports the table does not list.");
		for (int i = 0; i < n; i++) {
			for (unsigned int k = 0; k < st[i].nservices; k++) {
				const struct mxgw_stats_service *s = &st[i].svcs[k];

				for (int d = 0; d < MXGW_DIR_MAX; d++) {
					for (int v = 0; v < 2; v++) {
						const struct mxgw_pkt_count *c =
							&s->count.count[d][verdict_order[v]];

						sample(out, metric, &st[i]);
						label(out, "service", svc_name(s));
						label(out, "direction", dir_names[d]);
						label(out, "verdict", verdicts[verdict_order[v]]);
						value(out, bytes ? c->bytes : c->packets);
					}
				}
			}
		}
	}
}

static void prom_gauges(FILE *out, const struct mxgw_stats *st, int n)
{
	bool any_forwarding = false;

	family(out, "mxgw_conntrack_entries", "gauge",
	       "Tracked flows within their timeout (outgoing flows and the gateway's own).");
	for (int i = 0; i < n; i++) {
		sample(out, "mxgw_conntrack_entries", &st[i]);
		value(out, st[i].ct_entries);
	}
	family(out, "mxgw_conntrack_max", "gauge",
	       "Size of the conntrack and NAT maps (conntrack-max).");
	for (int i = 0; i < n; i++) {
		sample(out, "mxgw_conntrack_max", &st[i]);
		value(out, st[i].ct_max);
	}
	family(out, "mxgw_nat_mappings", "gauge",
	       "Live masqueraded flows: tracked flows of LAN hosts within their timeout.");
	for (int i = 0; i < n; i++) {
		sample(out, "mxgw_nat_mappings", &st[i]);
		value(out, st[i].nat_mappings);
	}
	family(out, "mxgw_nat_ports_in_use", "gauge",
	       "Distinct public ports held by live masqueraded flows, by protocol (icmp: echo identifiers).");
	for (int i = 0; i < n; i++) {
		for (int p = 0; p < MXGW_STATS_NAT_MAX; p++) {
			sample(out, "mxgw_nat_ports_in_use", &st[i]);
			label(out, "proto", nat_proto_names[p]);
			value(out, st[i].nat_ports_in_use[p]);
		}
	}
	family(out, "mxgw_nat_port_range_size", "gauge",
	       "Ports in the nat-ports range, service ports included.");
	for (int i = 0; i < n; i++) {
		unsigned int size = st[i].nat_port_max >= st[i].nat_port_min ?
			st[i].nat_port_max - st[i].nat_port_min + 1U : 0;

		sample(out, "mxgw_nat_port_range_size", &st[i]);
		value(out, size);
	}
	family(out, "mxgw_forward_path", "gauge",
	       "The path incoming mail takes now, from the next-hop cache: 1 for the current one (xdp-redirect, kernel, or unknown before the first incoming connection).");
	for (int i = 0; i < n; i++) {
		for (int p = 0; p < MXGW_STATS_FWD_MAX; p++) {
			sample(out, "mxgw_forward_path", &st[i]);
			label(out, "path", mxgw_stats_fwd_path_str(p));
			value(out, st[i].fwd_path == (enum mxgw_stats_fwd_path)p);
		}
	}
	for (int i = 0; i < n; i++)
		any_forwarding |= st[i].ipv4_forwarding >= 0;
	if (!any_forwarding)
		return;
	family(out, "mxgw_ipv4_forwarding", "gauge",
	       "net.ipv4.conf.IFNAME.forwarding of the WAN interface: 0 means the kernel forwards nothing mxgw hands it.");
	for (int i = 0; i < n; i++) {
		if (st[i].ipv4_forwarding < 0)
			continue;
		sample(out, "mxgw_ipv4_forwarding", &st[i]);
		value(out, st[i].ipv4_forwarding > 0);
	}
}

int mxgw_stats_write_prometheus(FILE *out, const struct mxgw_stats *st, int n)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], abi[16];

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
		sample(out, "mxgw_info", &st[i]);
		label(out, "public", addr_str(st[i].public_addr, a));
		label(out, "mailserver", addr_str(st[i].mailserver_addr, b));
		label(out, "default", mxgw_verdict_str(st[i].default_verdict[MXGW_DIR_IN]));
		label(out, "icmp_echo", mxgw_verdict_str(st[i].icmp_echo));
		label(out, "xdp_mode", st[i].xdp_mode);
		value(out, 1);
	}
	prom_services(out, st, n);
	prom_counters(out, st, n);
	prom_gauges(out, st, n);
	return done(out);
}

/* --- JSON ----------------------------------------------------------------- */

static void json_one(struct json *j, const struct mxgw_stats *st)
{
	char a[INET_ADDRSTRLEN];

	json_object_start(j);
	json_kv_string(j, "ifname", st->ifname);
	json_kv_string(j, "xdp_mode", st->xdp_mode);
	json_kv_string(j, "public", addr_str(st->public_addr, a));
	json_kv_string(j, "mailserver", addr_str(st->mailserver_addr, a));
	json_kv_string(j, "default", mxgw_verdict_str(st->default_verdict[MXGW_DIR_IN]));
	json_kv_string(j, "icmp_echo", mxgw_verdict_str(st->icmp_echo));
	json_key(j, "services");
	json_array_start(j);
	for (unsigned int k = 0; k < st->nservices; k++) {
		const struct mxgw_stats_service *s = &st->svcs[k];

		json_object_start(j);
		json_kv_string(j, "name", svc_name(s));
		if (s->id != MXGW_SVC_UNLISTED) {
			json_kv_uint(j, "port", s->port);
			json_kv_string(j, "proto", mxgw_protos_str(s->protos));
			json_kv_bool(j, "from", s->from);
			json_kv_string(j, "to", s->to_gateway ? "gateway" : "mailserver");
		}
		json_kv_string(j, "outgoing", mxgw_verdict_str(s->verdict[MXGW_DIR_OUT]));
		json_kv_string(j, "incoming", mxgw_verdict_str(s->verdict[MXGW_DIR_IN]));
		for (int d = 0; d < MXGW_DIR_MAX; d++) {
			json_key(j, dir_names[d]);
			json_object_start(j);
			mxctl_json_count(j, "allowed", &s->count.count[d][MXGW_ALLOW]);
			mxctl_json_count(j, "denied", &s->count.count[d][MXGW_DENY]);
			json_object_end(j);
		}
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "counters");
	json_object_start(j);
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		json_kv_uint(j, mxgw_counter_name(c), st->counters[c]);
	json_object_end(j);
	json_key(j, "conntrack");
	json_object_start(j);
	json_kv_uint(j, "entries", st->ct_entries);
	json_kv_uint(j, "max", st->ct_max);
	json_object_end(j);
	json_key(j, "nat");
	json_object_start(j);
	json_kv_uint(j, "mappings", st->nat_mappings);
	json_key(j, "ports_in_use");
	json_object_start(j);
	for (int p = 0; p < MXGW_STATS_NAT_MAX; p++)
		json_kv_uint(j, nat_proto_names[p], st->nat_ports_in_use[p]);
	json_object_end(j);
	json_kv_uint(j, "port_min", st->nat_port_min);
	json_kv_uint(j, "port_max", st->nat_port_max);
	json_object_end(j);
	json_key(j, "forward");
	json_object_start(j);
	json_kv_string(j, "path", mxgw_stats_fwd_path_str(st->fwd_path));
	json_kv_string(j, "device", st->fwd_dev);
	json_object_end(j);
	if (st->ipv4_forwarding >= 0)
		json_kv_bool(j, "ipv4_forwarding", st->ipv4_forwarding > 0);
	json_object_end(j);
}

int mxgw_stats_write_json(FILE *out, const struct mxgw_stats *st, int n)
{
	struct json j;

	json_init(&j, out);
	json_array_start(&j);
	for (int i = 0; i < n; i++)
		json_one(&j, &st[i]);
	json_array_end(&j);
	return done(out);
}

/* --- text ----------------------------------------------------------------- */

static void text_one(FILE *out, const struct mxgw_stats *st)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], pp[24];

	fprintf(out, "%s: public %s -> mail server %s, default %s, xdp %s\n",
		st->ifname, addr_str(st->public_addr, a),
		addr_str(st->mailserver_addr, b),
		mxgw_verdict_str(st->default_verdict[MXGW_DIR_IN]), st->xdp_mode);
	fprintf(out, "  %-15s %-11s %-3s %14s %14s %14s %14s\n", "service", "port", "dir",
		"allowed-pkts", "allowed-bytes", "denied-pkts", "denied-bytes");
	for (unsigned int k = 0; k < st->nservices; k++) {
		const struct mxgw_stats_service *s = &st->svcs[k];

		if (s->id == MXGW_SVC_UNLISTED)
			snprintf(pp, sizeof(pp), "*");
		else
			snprintf(pp, sizeof(pp), "%u/%s", s->port, mxgw_protos_str(s->protos));
		for (int d = 0; d < MXGW_DIR_MAX; d++) {
			const struct mxgw_pkt_count *c = s->count.count[d];

			fprintf(out, "  %-15s %-11s %-3s %14llu %14llu %14llu %14llu\n",
				d ? "" : svc_name(s), d ? "" : pp, dir_names[d],
				(unsigned long long)c[MXGW_ALLOW].packets,
				(unsigned long long)c[MXGW_ALLOW].bytes,
				(unsigned long long)c[MXGW_DENY].packets,
				(unsigned long long)c[MXGW_DENY].bytes);
		}
	}
	fprintf(out, "  conntrack: %u flows of %u\n", st->ct_entries, st->ct_max);
	fprintf(out, "  nat: %u mappings; public ports in use: tcp %u, udp %u, icmp %u (nat-ports %u-%u)\n",
		st->nat_mappings, st->nat_ports_in_use[MXGW_STATS_NAT_TCP],
		st->nat_ports_in_use[MXGW_STATS_NAT_UDP],
		st->nat_ports_in_use[MXGW_STATS_NAT_ICMP],
		st->nat_port_min, st->nat_port_max);
	fprintf(out, "  forward path: %s%s%s\n", mxgw_stats_fwd_path_str(st->fwd_path),
		st->fwd_dev[0] ? " via " : "", st->fwd_dev);
	if (st->ipv4_forwarding >= 0)
		fprintf(out, "  ipv4 forwarding: %s\n", st->ipv4_forwarding ? "on" : "OFF");
	fprintf(out, "  counters:\n");
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		fprintf(out, "    %-24s %20llu  %s\n", mxgw_counter_name(c),
			(unsigned long long)st->counters[c], mxgw_counter_help(c));
}

int mxgw_stats_write_text(FILE *out, const struct mxgw_stats *st, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			fputc('\n', out);
		text_one(out, &st[i]);
	}
	return done(out);
}
