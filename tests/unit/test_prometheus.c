// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_prometheus.c - unit tests of the printers of the gateway's
 * snapshot (ctl/show.h): the Prometheus text format (ctl/prometheus.c),
 * the JSON of status -j and stats -j (ctl/print_json.c) and the text of
 * status and stats (ctl/print_text.c), each compared byte for byte on a
 * snapshot built here, the JSON also parsed back.
 *
 * The counters of enum mxgw_counter are not written out here one by one:
 * the list grows, and the formatters map it by its family column.  Their part of the
 * expected output is built from mxgw_counter_name() by the mapping rule
 * (drop_* -> mxgw_drops_total{reason}, fwd_* -> mxgw_forwarded_packets_
 * total{path}, pass_* -> mxgw_passed_packets_total{reason}, NAME ->
 * mxgw_NAME_total), and test_metric_names_are_stable pins the rule to
 * today's names so that a renamed metric fails here.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <linux/if_link.h>
#include "prometheus.h"
#include "show.h"
#include "version.h"
#include "../maps/maps.h"
#include "unit.h"

#define TCP	MXGW_PROTO_BIT(MXGW_PROTO_TCP)
#define UDP	MXGW_PROTO_BIT(MXGW_PROTO_UDP)

/* A growing string for expected outputs. */
struct buf {
	char *s;
	size_t len;
	FILE *f;
};

static void buf_open(struct buf *b)
{
	b->s = NULL;
	b->len = 0;
	b->f = open_memstream(&b->s, &b->len);
	assert_non_null(b->f);
}

static char *buf_close(struct buf *b)
{
	fclose(b->f);
	return b->s;
}

__attribute__((format(printf, 2, 3)))
static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(b->f, fmt, ap);
	va_end(ap);
}

/* Run a printer into a string. */
static char *run(int (*fmt)(FILE *, const struct mxctl_snapshot *, int),
		 const struct mxctl_snapshot *st, int n)
{
	struct buf b;

	buf_open(&b);
	assert_int_equal(fmt(b.f, st, n), 0);
	return buf_close(&b);
}

/* --- the fixture ------------------------------------------------------------ */

static void set_count(struct mxgw_snapshot_service *s, int dir, int verdict,
		      unsigned long long packets, unsigned long long bytes)
{
	s->count.count[dir][verdict].packets = packets;
	s->count.count[dir][verdict].bytes = bytes;
}

/* IPv6's part of a row's count (the row's count holds both families) */
static void set_count6(struct mxgw_snapshot_service *s, int dir, int verdict,
		       unsigned long long packets, unsigned long long bytes)
{
	s->count6.count[dir][verdict].packets = packets;
	s->count6.count[dir][verdict].bytes = bytes;
}

static struct mxgw_snapshot_service *add_service(struct mxgw_snapshot *s, __u32 id,
						 const char *name, __u16 port, __u8 protos,
						 __u8 out, __u8 in, __u8 flags)
{
	struct mxgw_snapshot_service *r = &s->svcs[s->nservices++];

	r->id = id;
	snprintf(r->svc.name, sizeof(r->svc.name), "%s", name);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->svc.port = port;
	r->svc.protos = protos;
	r->svc.verdict[MXGW_DIR_OUT] = out;
	r->svc.verdict[MXGW_DIR_IN] = in;
	r->svc.flags = flags;
	r->svc.in_use = id != MXGW_SVC_UNLISTED;
	return r;
}

/* wan0 with three services and the unlisted row; every counter c holds
 * 1000 + c so that each value names its counter. */
static void fixture(struct mxctl_snapshot *v)
{
	struct mxgw_snapshot *st = &v->s;
	struct mxgw_snapshot_service *s;

	memset(v, 0, sizeof(*v));
	strcpy(st->ifname, "wan0");
	strcpy(st->pin_dir, "/sys/fs/bpf/mxgw/4026531840/wan0");
	st->pins.state = MXGW_PINS_OK;
	st->pins.ifindex = 2;
	strcpy(st->pins.ifname_now, "wan0");
	st->att.ifindex = 2;
	st->att.xdp_prog_id = st->att.pinned_xdp_id = 41;
	st->att.xdp_mode = XDP_ATTACHED_DRV;
	st->att.tc_prog_id = st->att.pinned_tc_id = 42;
	inet_pton(AF_INET, "203.0.113.33", &st->cfg.public_addr);
	inet_pton(AF_INET, "192.168.1.10", &st->cfg.mailserver_addr);
	st->cfg.default_in = MXGW_DENY;
	st->cfg.default_out = MXGW_DENY;
	st->cfg.icmp_echo = MXGW_ALLOW;
	st->cfg.nat_port_min = 40000;
	st->cfg.nat_port_max = 40999;

	s = add_service(st, 0, "", 0, 0, MXGW_DENY, MXGW_DENY, 0);	/* unlisted */
	set_count(s, MXGW_DIR_IN, MXGW_DENY, 7, 420);
	set_count(s, MXGW_DIR_OUT, MXGW_DENY, 1, 60);

	s = add_service(st, 1, "smtp", 25, TCP, MXGW_ALLOW, MXGW_ALLOW, 0);
	set_count(s, MXGW_DIR_IN, MXGW_ALLOW, 12, 840);
	set_count(s, MXGW_DIR_OUT, MXGW_ALLOW, 3, 180);

	s = add_service(st, 10, "ldaps", 636, TCP, MXGW_ALLOW, MXGW_ALLOW,
			MXGW_PORT_F_FROM | MXGW_PORT_F_GATEWAY);
	inet_pton(AF_INET, "10.0.0.0", &s->from[0].addr);
	s->from[0].len = 8;
	inet_pton(AF_INET, "198.51.100.7", &s->from[1].addr);
	s->from[1].len = 32;
	s->nfrom = 2;
	set_count(s, MXGW_DIR_IN, MXGW_DENY, 2, 120);

	s = add_service(st, 13, "dns", 53, TCP | UDP, MXGW_ALLOW, MXGW_DENY, 0);
	set_count(s, MXGW_DIR_OUT, MXGW_ALLOW, 18446744073709551615ULL, 5);

	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		st->counters[c] = 1000 + c;
	st->ct_entries = 3;
	st->ct_max = 65536;
	st->nat_mappings = 2;
	st->nat_ports_in_use[MXGW_NAT_TCP] = 2;
	st->nat_ports_in_use[MXGW_NAT_ICMP] = 1;
	st->nh.refreshed_ns = 5000000000ULL;
	st->nh.ifindex = 3;
	st->nh.can_redirect = 1;
	memcpy(st->nh.dmac, "\x02\x00\x00\x00\x00\x0a", 6);
	st->fwd = MXGW_FWD_WHY_REDIRECT;
	strcpy(st->fwd_dev, "lan0");
	st->nh_age_ns = 250000000ULL;
	st->clock.ticks = 77;
	st->clock_age_ns = 40000000ULL;
	st->ipv4_forwarding = 1;
	st->ct6_max = 65536;
	st->ipv6_forwarding = 1;
	v->conf_path = "/etc/mxgw/mxgw.conf";
}

/* --- Prometheus: expected output ---------------------------------------------- */


#define STR_(x)	#x
#define STR(x)	STR_(x)
#define ABI_STR	STR(MXGW_ABI_VERSION)

static const char PROM_HEAD[] =
	"# HELP mxgw_build_info The mxctl that serves these metrics: its version (git describe at build time) and the map ABI version it speaks. Always 1.\n"
	"# TYPE mxgw_build_info gauge\n"
	"mxgw_build_info{version=\"1.2.3-test\",abi=\"" ABI_STR "\"} 1\n"
	"# HELP mxgw_info The running gateway on a WAN interface: public address, mail server, default verdict, icmp-echo, XDP attach mode. Always 1.\n"
	"# TYPE mxgw_info gauge\n"
	"mxgw_info{ifname=\"wan0\",public=\"203.0.113.33\",mailserver=\"192.168.1.10\",default=\"deny\",icmp_echo=\"allow\",xdp_mode=\"native\"} 1\n"
	"# HELP mxgw_ipv6_info IPv6 of the running gateway: mailserver6 (\"\" without one), the LAN's prefixes (lan6) and the WAN device's IPv6 addresses, comma-separated. Always 1.\n"
	"# TYPE mxgw_ipv6_info gauge\n"
	"mxgw_ipv6_info{ifname=\"wan0\",mailserver6=\"\",lan6=\"\",wan6=\"\"} 1\n"
	"# HELP mxgw_service_info The table, one series per service: port, protocols, outgoing and incoming verdicts, whether incoming is restricted by from, where it goes (the mail server, or the gateway itself). Always 1.\n"
	"# TYPE mxgw_service_info gauge\n"
	"mxgw_service_info{ifname=\"wan0\",service=\"smtp\",port=\"25\",proto=\"tcp\",outgoing=\"allow\",incoming=\"allow\",from=\"false\",to=\"mailserver\"} 1\n"
	"mxgw_service_info{ifname=\"wan0\",service=\"ldaps\",port=\"636\",proto=\"tcp\",outgoing=\"allow\",incoming=\"allow\",from=\"true\",to=\"gateway\"} 1\n"
	"mxgw_service_info{ifname=\"wan0\",service=\"dns\",port=\"53\",proto=\"tcp,udp\",outgoing=\"allow\",incoming=\"deny\",from=\"false\",to=\"mailserver\"} 1\n"
	"# HELP mxgw_service_packets_total Packets per service, direction (in: Internet to the public address or mailserver6; out: LAN to the Internet, the packets that open a flow), verdict and address family; service=\"(unlisted)\" counts the ports the table does not list.\n"
	"# TYPE mxgw_service_packets_total counter\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 7\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"out\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"out\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"out\",verdict=\"deny\",family=\"ipv4\"} 1\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"out\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"allow\",family=\"ipv4\"} 12\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"allow\",family=\"ipv4\"} 3\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"ldaps\",direction=\"in\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"ldaps\",direction=\"in\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"ldaps\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 2\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"ldaps\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"ldaps\",direction=\"out\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"ldaps\",direction=\"out\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"ldaps\",direction=\"out\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"ldaps\",direction=\"out\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"dns\",direction=\"in\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"dns\",direction=\"in\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"dns\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"dns\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"dns\",direction=\"out\",verdict=\"allow\",family=\"ipv4\"} 18446744073709551615\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"dns\",direction=\"out\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"dns\",direction=\"out\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_packets_total{ifname=\"wan0\",service=\"dns\",direction=\"out\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"# HELP mxgw_service_bytes_total IP bytes (IPv4's total length, IPv6's payload length and header) per service, direction, verdict and family; as mxgw_service_packets_total.\n"
	"# TYPE mxgw_service_bytes_total counter\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 420\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"out\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"out\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"out\",verdict=\"deny\",family=\"ipv4\"} 60\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"out\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"allow\",family=\"ipv4\"} 840\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"allow\",family=\"ipv4\"} 180\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"ldaps\",direction=\"in\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"ldaps\",direction=\"in\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"ldaps\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 120\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"ldaps\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"ldaps\",direction=\"out\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"ldaps\",direction=\"out\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"ldaps\",direction=\"out\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"ldaps\",direction=\"out\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"dns\",direction=\"in\",verdict=\"allow\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"dns\",direction=\"in\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"dns\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"dns\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"dns\",direction=\"out\",verdict=\"allow\",family=\"ipv4\"} 5\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"dns\",direction=\"out\",verdict=\"allow\",family=\"ipv6\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"dns\",direction=\"out\",verdict=\"deny\",family=\"ipv4\"} 0\n"
	"mxgw_service_bytes_total{ifname=\"wan0\",service=\"dns\",direction=\"out\",verdict=\"deny\",family=\"ipv6\"} 0\n";

static const char PROM_TAIL[] =
	"# HELP mxgw_conntrack_entries Tracked flows within their timeout, by address family (outgoing flows, and IPv4's the gateway's own too).\n"
	"# TYPE mxgw_conntrack_entries gauge\n"
	"mxgw_conntrack_entries{ifname=\"wan0\",family=\"ipv4\"} 3\n"
	"mxgw_conntrack_entries{ifname=\"wan0\",family=\"ipv6\"} 0\n"
	"# HELP mxgw_conntrack_max Size of each family's conntrack map (conntrack-max; IPv4's NAT map too).\n"
	"# TYPE mxgw_conntrack_max gauge\n"
	"mxgw_conntrack_max{ifname=\"wan0\",family=\"ipv4\"} 65536\n"
	"mxgw_conntrack_max{ifname=\"wan0\",family=\"ipv6\"} 65536\n"
	"# HELP mxgw_nat_mappings Live masqueraded flows: tracked flows of LAN hosts within their timeout.\n"
	"# TYPE mxgw_nat_mappings gauge\n"
	"mxgw_nat_mappings{ifname=\"wan0\"} 2\n"
	"# HELP mxgw_nat_ports_in_use Distinct public ports held by live masqueraded flows, by protocol (icmp: echo identifiers).\n"
	"# TYPE mxgw_nat_ports_in_use gauge\n"
	"mxgw_nat_ports_in_use{ifname=\"wan0\",proto=\"tcp\"} 2\n"
	"mxgw_nat_ports_in_use{ifname=\"wan0\",proto=\"udp\"} 0\n"
	"mxgw_nat_ports_in_use{ifname=\"wan0\",proto=\"icmp\"} 1\n"
	"# HELP mxgw_bans Bans set (mxctl ban), by address family; expired ones count until mxctl removes them.\n"
	"# TYPE mxgw_bans gauge\n"
	"mxgw_bans{ifname=\"wan0\",family=\"ipv4\"} 0\n"
	"mxgw_bans{ifname=\"wan0\",family=\"ipv6\"} 0\n"
	"# HELP mxgw_allowlist_prefixes Prefixes of the allowlist, which no ban drops, by address family.\n"
	"# TYPE mxgw_allowlist_prefixes gauge\n"
	"mxgw_allowlist_prefixes{ifname=\"wan0\",family=\"ipv4\"} 0\n"
	"mxgw_allowlist_prefixes{ifname=\"wan0\",family=\"ipv6\"} 0\n"
	"# HELP mxgw_rate_limit_buckets Sources the rate limits track: main, those that came back (at most 32768); seen_once, on probation after one connection (at most 8192).\n"
	"# TYPE mxgw_rate_limit_buckets gauge\n"
	"mxgw_rate_limit_buckets{ifname=\"wan0\",map=\"main\"} 0\n"
	"mxgw_rate_limit_buckets{ifname=\"wan0\",map=\"seen_once\"} 0\n"
	"# HELP mxgw_nat_port_range_size Ports in the nat-ports range, service ports included.\n"
	"# TYPE mxgw_nat_port_range_size gauge\n"
	"mxgw_nat_port_range_size{ifname=\"wan0\"} 1000\n"
	"# HELP mxgw_forward_path The path incoming mail takes now, from the next-hop cache, per family (ipv6: to mailserver6, when there is one): 1 for the current one (xdp-redirect, kernel, or unknown before the first incoming connection).\n"
	"# TYPE mxgw_forward_path gauge\n"
	"mxgw_forward_path{ifname=\"wan0\",path=\"unknown\",family=\"ipv4\"} 0\n"
	"mxgw_forward_path{ifname=\"wan0\",path=\"xdp-redirect\",family=\"ipv4\"} 1\n"
	"mxgw_forward_path{ifname=\"wan0\",path=\"kernel\",family=\"ipv4\"} 0\n"
	"# HELP mxgw_ipv4_forwarding net.ipv4.conf.IFNAME.forwarding of the WAN interface: 0 means the kernel forwards nothing mxgw hands it.\n"
	"# TYPE mxgw_ipv4_forwarding gauge\n"
	"mxgw_ipv4_forwarding{ifname=\"wan0\"} 1\n"
	"# HELP mxgw_ipv6_forwarding net.ipv6.conf.all.forwarding: 0 means the kernel forwards nothing mxgw hands it over IPv6.\n"
	"# TYPE mxgw_ipv6_forwarding gauge\n"
	"mxgw_ipv6_forwarding{ifname=\"wan0\"} 1\n";

/* The counter families, as the man page and prometheus.h state them. */
static const struct {
	const char *prefix, *metric, *label, *help;
} families[] = {
	{ "drop_", "mxgw_drops_total", "reason",
	  "Packets dropped, by reason: the drop_* counters of 'mxctl help counters'." },
	{ "fwd_", "mxgw_forwarded_packets_total", "path",
	  "Packets forwarded to the LAN, by path: fwd_redirect is the XDP fast path, fwd_kernel_* the kernel's, and why (see 'mxctl help counters')." },
	{ "pass_", "mxgw_passed_packets_total", "reason",
	  "Packets passed to the kernel untouched, by reason: the pass_* counters of 'mxctl help counters'." },
};

static bool in_family(unsigned int c, unsigned int f)
{
	return !strncmp(mxgw_counter_name(c), families[f].prefix,
			strlen(families[f].prefix));
}

static bool in_any_family(unsigned int c)
{
	for (unsigned int f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		if (in_family(c, f))
			return true;
	return false;
}

/* The counters of no address family: the data plane counts them under
 * IPv4's key alone, and they are shown once, without a family. */
static const char *const nofamily[] = {
	"drop_vlan_depth", "drop_out_vlan_depth", "pass_non_ip", "log_events",
	"log_rate_limited", "log_buffer_full", "clock_rearmed", "syn_flood_on",
};

static bool of_no_family(unsigned int c)
{
	for (size_t i = 0; i < sizeof(nofamily) / sizeof(nofamily[0]); i++)
		if (!strcmp(mxgw_counter_name(c), nofamily[i]))
			return true;
	return false;
}

/* One counter's samples: {LABELS,family="ipv4"} ALL - V6 and
 * {...,"ipv6"} V6, or {LABELS} ALL for a counter of no family. */
static void prom_counter(struct buf *b, const char *metric, const char *labels,
			 unsigned int c, unsigned long long all, unsigned long long v6)
{
	if (of_no_family(c)) {
		bprintf(b, "%s{%s} %llu\n", metric, labels, all);
		return;
	}
	bprintf(b, "%s{%s,family=\"ipv4\"} %llu\n", metric, labels, all - v6);
	bprintf(b, "%s{%s,family=\"ipv6\"} %llu\n", metric, labels, v6);
}

/* The counter part of the Prometheus output for wan0: counter c holds
 * @all + c in both families together, @v6 + c of it IPv6's (@v6 0:
 * nothing), a counter of no family nothing IPv6's. */
static void prom_counters_of(struct buf *b, unsigned int all, unsigned int v6)
{
	char labels[160], metric[64];

	for (unsigned int f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		bprintf(b, "# HELP %s %s\n# TYPE %s counter\n", families[f].metric,
			families[f].help, families[f].metric);
		for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
			if (!in_family(c, f))
				continue;
			snprintf(labels, sizeof(labels), "ifname=\"wan0\",%s=\"%s\"",
				 families[f].label, mxgw_counter_name(c));
			prom_counter(b, families[f].metric, labels, c, all + c, v6 ? v6 + c : 0);
		}
	}
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
		if (in_any_family(c))
			continue;
		snprintf(metric, sizeof(metric), "mxgw_%s_total", mxgw_counter_name(c));
		bprintf(b, "# HELP %s %s\n# TYPE %s counter\n", metric, mxgw_counter_help(c),
			metric);
		prom_counter(b, metric, "ifname=\"wan0\"", c, all + c, v6 ? v6 + c : 0);
	}
}

static void prom_counters(struct buf *b)
{
	prom_counters_of(b, 1000, 0);
}

/* --- Prometheus ----------------------------------------------------------------- */

static char *escaped(void (*fn)(FILE *, const char *), const char *s)
{
	struct buf b;

	buf_open(&b);
	fn(b.f, s);
	return buf_close(&b);
}

static void test_label_value_escapes_backslash_quote_newline(void **state)
{
	char *got = escaped(mxgw_prom_label_value, "a\"b\\c\nd'e{f}g=h,i");

	(void)state;
	assert_string_equal(got, "a\\\"b\\\\c\\nd'e{f}g=h,i");
	free(got);
}

static void test_help_text_escapes_backslash_newline_not_quote(void **state)
{
	char *got = escaped(mxgw_prom_help_text, "say \"from\"\\n\nnext");

	(void)state;
	assert_string_equal(got, "say \"from\"\\\\n\\nnext");
	free(got);
}

static void test_prometheus_one_interface_byte_for_byte(void **state)
{
	static struct mxctl_snapshot st;
	struct buf want;
	char *got, *w;

	(void)state;
	fixture(&st);
	buf_open(&want);
	bprintf(&want, "%s", PROM_HEAD);
	prom_counters(&want);
	bprintf(&want, "%s", PROM_TAIL);
	w = buf_close(&want);
	got = run(mxctl_print_prometheus, &st, 1);
	unit_assert_same_text(got, w);
	free(got);
	free(w);
}

/* Every family once, both interfaces' samples under it, the odd
 * interface name escaped in every label; forwarding unknown on one. */
static void test_prometheus_two_interfaces_share_families(void **state)
{
	static struct mxctl_snapshot st[2];
	char *got, *p;
	int helps = 0;

	(void)state;
	fixture(&st[0]);
	fixture(&st[1]);
	strcpy(st[1].s.ifname, "x\"y\\z");
	st[1].s.att.xdp_mode = XDP_ATTACHED_SKB;
	st[1].s.ipv4_forwarding = -1;
	st[1].s.ipv6_forwarding = -1;
	st[1].s.fwd = MXGW_FWD_WHY_NO_LOOKUP;
	got = run(mxctl_print_prometheus, st, 2);

	assert_non_null(strstr(got,
		"mxgw_info{ifname=\"wan0\",public=\"203.0.113.33\",mailserver=\"192.168.1.10\",default=\"deny\",icmp_echo=\"allow\",xdp_mode=\"native\"} 1\n"
		"mxgw_info{ifname=\"x\\\"y\\\\z\",public=\"203.0.113.33\",mailserver=\"192.168.1.10\",default=\"deny\",icmp_echo=\"allow\",xdp_mode=\"generic\"} 1\n"
		"# HELP mxgw_ipv6_info "));
	assert_non_null(strstr(got,
		"mxgw_drops_total{ifname=\"wan0\",reason=\"drop_nat_full\",family=\"ipv4\"} "));
	assert_non_null(strstr(got,
		"mxgw_conntrack_entries{ifname=\"wan0\",family=\"ipv4\"} 3\n"
		"mxgw_conntrack_entries{ifname=\"wan0\",family=\"ipv6\"} 0\n"
		"mxgw_conntrack_entries{ifname=\"x\\\"y\\\\z\",family=\"ipv4\"} 3\n"
		"mxgw_conntrack_entries{ifname=\"x\\\"y\\\\z\",family=\"ipv6\"} 0\n"
		"# HELP mxgw_conntrack_max "));
	assert_non_null(strstr(got,
		"mxgw_forward_path{ifname=\"x\\\"y\\\\z\",path=\"unknown\",family=\"ipv4\"} 1\n"
		"mxgw_forward_path{ifname=\"x\\\"y\\\\z\",path=\"xdp-redirect\",family=\"ipv4\"} 0\n"));
	/* forwarding, of both families: only the interface that knows it */
	{
		static const char tail[] =
			"mxgw_ipv4_forwarding{ifname=\"wan0\"} 1\n"
			"# HELP mxgw_ipv6_forwarding net.ipv6.conf.all.forwarding: 0 means the kernel forwards nothing mxgw hands it over IPv6.\n"
			"# TYPE mxgw_ipv6_forwarding gauge\n"
			"mxgw_ipv6_forwarding{ifname=\"wan0\"} 1\n";

		assert_true(strlen(got) > strlen(tail));
		p = got + strlen(got) - strlen(tail);
		assert_string_equal(p, tail);
	}
	for (p = got; (p = strstr(p, "# HELP mxgw_conntrack_entries ")); p++)
		helps++;
	assert_int_equal(helps, 1);
	free(got);
}

/* The metric names dashboards and alerts use: renaming one is a change of
 * interface, so it must fail here first. */
static void test_metric_names_are_stable(void **state)
{
	static const struct {
		unsigned int counter;
		const char *line;
	} pinned[] = {
		{ MXGW_DROP_SERVICE_DENY, "mxgw_drops_total{ifname=\"wan0\",reason=\"drop_service_deny\",family=\"ipv4\"} " },
		{ MXGW_DROP_DEFAULT_DENY, "mxgw_drops_total{ifname=\"wan0\",reason=\"drop_default_deny\",family=\"ipv4\"} " },
		{ MXGW_DROP_NOT_FROM, "mxgw_drops_total{ifname=\"wan0\",reason=\"drop_not_from\",family=\"ipv4\"} " },
		{ MXGW_DROP_OUT_SERVICE_DENY, "mxgw_drops_total{ifname=\"wan0\",reason=\"drop_out_service_deny\",family=\"ipv4\"} " },
		{ MXGW_DROP_NAT_FULL, "mxgw_drops_total{ifname=\"wan0\",reason=\"drop_nat_full\",family=\"ipv4\"} " },
		{ MXGW_FWD_REDIRECT, "mxgw_forwarded_packets_total{ifname=\"wan0\",path=\"fwd_redirect\",family=\"ipv4\"} " },
		{ MXGW_FWD_KERNEL_NO_NEIGH, "mxgw_forwarded_packets_total{ifname=\"wan0\",path=\"fwd_kernel_no_neigh\",family=\"ipv4\"} " },
		{ MXGW_PASS_NON_IP, "mxgw_passed_packets_total{ifname=\"wan0\",reason=\"pass_non_ip\"} " },
		{ MXGW_FIB_REFRESH, "mxgw_fib_refresh_total{ifname=\"wan0\",family=\"ipv4\"} " },
		{ MXGW_CT_NEW, "mxgw_ct_new_total{ifname=\"wan0\",family=\"ipv4\"} " },
		{ MXGW_CT_EVICTED, "mxgw_ct_evicted_total{ifname=\"wan0\",family=\"ipv4\"} " },
		{ MXGW_ICMP_XLATE_IN, "mxgw_icmp_xlate_in_total{ifname=\"wan0\",family=\"ipv4\"} " },
		{ MXGW_SNAT_MASQ, "mxgw_snat_masq_total{ifname=\"wan0\",family=\"ipv4\"} " },
	};
	static struct mxctl_snapshot st;
	char *got, line[160];

	(void)state;
	fixture(&st);
	got = run(mxctl_print_prometheus, &st, 1);
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		snprintf(line, sizeof(line), "\n%s%u\n", pinned[i].line,
			 1000 + pinned[i].counter);
		if (!strstr(got, line))
			fail_msg("missing:%s", line);
	}
	free(got);
}

static bool metric_name_ok(const char *s, size_t len)
{
	if (len < 6 || strncmp(s, "mxgw_", 5))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/*
 * The rules of the text format as Prometheus and the node_exporter
 * textfile collector read it: HELP then TYPE before a family's first
 * sample, a family once, names ^mxgw_[a-z0-9_]+$, counters ending in
 * _total and gauges not, label pairs name="value", one sample per line
 * with a plain integer, and a final newline.
 */
static void test_prometheus_follows_the_exposition_format(void **state)
{
	static struct mxctl_snapshot st[2];
	char seen[128][64] = { { 0 } }, type[16] = "", family[64] = "";
	int nseen = 0, lineno = 0;
	char *got, *line, *save = NULL;

	(void)state;
	fixture(&st[0]);
	fixture(&st[1]);
	strcpy(st[1].s.ifname, "lan\"1");
	got = run(mxctl_print_prometheus, st, 2);
	assert_true(got[0] && got[strlen(got) - 1] == '\n');
	for (line = strtok_r(got, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		size_t len;

		lineno++;
		if (!strncmp(line, "# HELP ", 7)) {
			len = strcspn(line + 7, " ");
			assert_true(metric_name_ok(line + 7, len));
			assert_true(len < sizeof(family));
			snprintf(family, sizeof(family), "%.*s", (int)len, line + 7);
			for (int i = 0; i < nseen; i++)
				if (!strcmp(seen[i], family))
					fail_msg("line %d: family %s twice", lineno, family);
			assert_true(nseen < 128);
			strcpy(seen[nseen++], family);
			assert_true(strlen(line + 7 + len) > 1);	/* some help text */
			type[0] = '\0';
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char t[64];

			assert_int_equal(sscanf(line + 7, "%63s %15s", t, type), 2);
			assert_string_equal(t, family);
			if (!strcmp(type, "counter"))
				assert_string_equal(family + strlen(family) - 6, "_total");
			else if (!strcmp(type, "gauge"))
				assert_string_not_equal(family + strlen(family) - 6, "_total");
			else
				fail_msg("line %d: type %s", lineno, type);
			continue;
		}
		assert_true(line[0] != '#');
		len = strcspn(line, "{ ");
		assert_true(metric_name_ok(line, len));
		snprintf(name, sizeof(name), "%.*s", (int)len, line);
		if (strcmp(name, family) || !type[0])
			fail_msg("line %d: sample of %s under HELP/TYPE of %s", lineno, name, family);
		/* {name="value",...} with escapes inside values */
		line += len;
		assert_int_equal(*line, '{');
		do {
			line++;
			assert_true(islower((unsigned char)*line) || *line == '_');
			while (islower((unsigned char)*line) || isdigit((unsigned char)*line) ||
			       *line == '_')
				line++;
			assert_int_equal(*line++, '=');
			assert_int_equal(*line++, '"');
			while (*line && *line != '"') {
				if (*line == '\\') {
					line++;
					assert_non_null(strchr("\\\"n", *line));
				}
				line++;
			}
			assert_int_equal(*line++, '"');
		} while (*line == ',');
		assert_int_equal(*line++, '}');
		assert_int_equal(*line++, ' ');
		assert_true(*line && strspn(line, "0123456789") == strlen(line));
	}
	assert_true(nseen > 10);
	free(got);
}

static void test_every_counter_has_a_unique_metric_name(void **state)
{
	(void)state;
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
		const char *name = mxgw_counter_name(c);

		if (!strcmp(name, "unknown") || !islower((unsigned char)name[0]) ||
		    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name))
			fail_msg("counter %u: name \"%s\" cannot be a metric name", c, name);
		if (!*mxgw_counter_help(c))
			fail_msg("counter %u (%s): no help text", c, name);
		for (unsigned int d = 0; d < c; d++)
			if (!strcmp(name, mxgw_counter_name(d)))
				fail_msg("counters %u and %u are both \"%s\"", d, c, name);
	}
}

/* --- JSON and text ----------------------------------------------------------- */

/* The document of status -j and stats -j (schema 1, mxctl(8) JSON OUTPUT). */
static void test_json_byte_for_byte(void **state)
{
	static struct mxctl_snapshot st;
	struct buf want;
	char *got, *w;

	(void)state;
	fixture(&st);
	strcpy(st.s.ifname, "w\"0");
	buf_open(&want);
	bprintf(&want, "%s",
		"{\"schema\":1,\"interfaces\":[{\"ifname\":\"w\\\"0\","
		"\"pins\":{\"dir\":\"/sys/fs/bpf/mxgw/4026531840/wan0\",\"state\":\"ok\",\"ifindex\":2,\"ifname_now\":\"wan0\"},"
		"\"warnings\":[],"
		"\"xdp\":{\"name\":\"mxgw_wan_in\",\"id\":41,\"mode\":\"native\",\"ours\":true,\"attach\":\"direct\",\"dispatcher_id\":0,\"priority\":0},"
		"\"tc_egress\":{\"name\":\"mxgw_wan_out\",\"id\":42,\"ours\":true},"
		"\"lan_xdp\":{\"name\":\"mxgw_lan_in\",\"id\":0,\"mode\":\"none\",\"device\":\"\",\"ifindex\":0},"
		"\"public\":\"203.0.113.33\",\"mailserver\":\"192.168.1.10\",\"default\":\"deny\",\"icmp_echo\":\"allow\","
		"\"ipv4_forwarding\":true,\"ipv6\":\"filtered\",\"mailserver6\":null,\"lan6\":[],\"wan6\":[],\"ipv6_forwarding\":true,"
		"\"forward\":{\"path\":\"xdp-redirect\",\"reason\":\"redirect\",\"device\":\"lan0\",\"ifindex\":3,"
		"\"mac\":\"02:00:00:00:00:0a\",\"fib_ret\":0,\"age_ms\":250,\"fast_path_lost\":false,\"kernel_packets\":");
	bprintf(&want, "%llu", (unsigned long long)mxgw_kernel_path(st.s.counters));
	bprintf(&want, "%s",
		"},\"forward6\":null,"
		"\"blocklists\":[],\"blocklist_memory\":0,"
		"\"conntrack\":{\"entries\":3,\"max\":65536,\"entries6\":0,\"max6\":65536},"
		"\"bans\":{\"ipv4\":0,\"ipv6\":0},\"allowlist\":{\"ipv4\":0,\"ipv6\":0},\"rate_limits\":{\"buckets\":0,\"buckets_max\":32768,\"seen_once\":0,\"seen_once_max\":8192},");
	/* the fixture's counters are 1000 + their number, none IPv6's */
	bprintf(&want, "\"syn_flood\":{\"challenged\":{\"ipv4\":%u,\"ipv6\":0},"
		"\"verified\":{\"ipv4\":%u,\"ipv6\":0},\"dropped\":{\"ipv4\":%u,\"ipv6\":0},"
		"\"verified_sources\":0,\"verified_sources_max\":65536},",
		1000 + MXGW_SYN_CHALLENGED, 1000 + MXGW_SYN_VERIFIED, 1000 + MXGW_DROP_SYN_FLOOD);
	bprintf(&want, "%s",
		"\"nat\":{\"port_min\":40000,\"port_max\":40999,\"mappings\":2,\"ports_in_use\":{\"tcp\":2,\"udp\":0,\"icmp\":1}},"
		"\"clock\":{\"ticks\":77,\"age_ms\":40,\"stale\":false},"
		"\"log\":{\"read\":false,\"reader_pid\":0,\"listening\":false},"
		"\"file\":{\"path\":\"/etc/mxgw/mxgw.conf\",\"valid\":false,\"differs\":false,\"not_running\":[]},"
		"\"services\":["
		"{\"id\":0,\"name\":\"(unlisted)\",\"outgoing\":\"deny\",\"incoming\":\"deny\",\"in\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":7,\"bytes\":420}},\"out\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":1,\"bytes\":60}},\"in6\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}},\"out6\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}}},"
		"{\"id\":1,\"name\":\"smtp\",\"port\":25,\"proto\":\"tcp\",\"outgoing\":\"allow\",\"incoming\":\"allow\",\"from\":[],\"to\":\"mailserver\",\"limit\":null,\"syn_flood\":null,\"differs\":[],\"in\":{\"allowed\":{\"packets\":12,\"bytes\":840},\"denied\":{\"packets\":0,\"bytes\":0}},\"out\":{\"allowed\":{\"packets\":3,\"bytes\":180},\"denied\":{\"packets\":0,\"bytes\":0}},\"in6\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}},\"out6\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}}},"
		"{\"id\":10,\"name\":\"ldaps\",\"port\":636,\"proto\":\"tcp\",\"outgoing\":\"allow\",\"incoming\":\"allow\",\"from\":[\"10.0.0.0/8\",\"198.51.100.7/32\"],\"to\":\"gateway\",\"limit\":null,\"syn_flood\":null,\"differs\":[],\"in\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":2,\"bytes\":120}},\"out\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}},\"in6\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}},\"out6\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}}},"
		"{\"id\":13,\"name\":\"dns\",\"port\":53,\"proto\":\"tcp,udp\",\"outgoing\":\"allow\",\"incoming\":\"deny\",\"from\":[],\"to\":\"mailserver\",\"limit\":null,\"syn_flood\":null,\"differs\":[],\"in\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}},\"out\":{\"allowed\":{\"packets\":18446744073709551615,\"bytes\":5},\"denied\":{\"packets\":0,\"bytes\":0}},\"in6\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}},\"out6\":{\"allowed\":{\"packets\":0,\"bytes\":0},\"denied\":{\"packets\":0,\"bytes\":0}}}"
		"],\"counters\":{");
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		bprintf(&want, "%s\"%s\":%u", c ? "," : "", mxgw_counter_name(c), 1000 + c);
	/* IPv6's part: every counter of a family, none counted here */
	bprintf(&want, "%s", "},\"counters6\":{");
	for (unsigned int c = 0, k = 0; c < MXGW_COUNTER_MAX; c++)
		if (!of_no_family(c))
			bprintf(&want, "%s\"%s\":0", k++ ? "," : "", mxgw_counter_name(c));
	bprintf(&want, "%s", "}}]}\n");
	w = buf_close(&want);
	got = run(mxctl_print_json, &st, 1);
	unit_assert_same_text(got, w);
	free(got);
	free(w);
}

static void test_json_no_interfaces_is_an_empty_list(void **state)
{
	char *got = run(mxctl_print_json, NULL, 0);

	(void)state;
	assert_string_equal(got, "{\"schema\":1,\"interfaces\":[]}\n");
	free(got);
}

static void test_text_byte_for_byte(void **state)
{
	static struct mxctl_snapshot st[2];
	struct buf want;
	char *got, *w;

	(void)state;
	fixture(&st[0]);
	fixture(&st[1]);
	strcpy(st[1].s.ifname, "wan1");
	st[1].s.nservices = 1;
	st[1].s.fwd = MXGW_FWD_WHY_NO_XMIT;
	st[1].s.fwd_dev[0] = '\0';
	st[1].s.ipv4_forwarding = 0;
	buf_open(&want);
	bprintf(&want, "%s",
		"wan0: public 203.0.113.33 -> mail server 192.168.1.10, default deny, xdp native\n"
		"  service         port        dir   allowed-pkts  allowed-bytes    denied-pkts   denied-bytes\n"
		"  (unlisted)      *           in               0              0              7            420\n"
		"                              out              0              0              1             60\n"
		"  smtp            25/tcp      in              12            840              0              0\n"
		"                              out              3            180              0              0\n"
		"  ldaps           636/tcp     in               0              0              2            120\n"
		"                              out              0              0              0              0\n"
		"  dns             53/tcp,udp  in               0              0              0              0\n"
		"                              out 18446744073709551615              5              0              0\n"
		"  conntrack: 3 flows of 65536\n"
		"  nat: 2 mappings; public ports in use: tcp 2, udp 0, icmp 1 (nat-ports 40000-40999)\n"
		"  forward path: xdp-redirect via lan0\n"
		"  ipv4 forwarding: on\n"
		"  counters:\n");
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		bprintf(&want, "    %-24s %20u  %s\n", mxgw_counter_name(c), 1000 + c,
			mxgw_counter_help(c));
	bprintf(&want, "%s",
		"\n"
		"wan1: public 203.0.113.33 -> mail server 192.168.1.10, default deny, xdp native\n"
		"  service         port        dir   allowed-pkts  allowed-bytes    denied-pkts   denied-bytes\n"
		"  (unlisted)      *           in               0              0              7            420\n"
		"                              out              0              0              1             60\n"
		"  conntrack: 3 flows of 65536\n"
		"  nat: 2 mappings; public ports in use: tcp 2, udp 0, icmp 1 (nat-ports 40000-40999)\n"
		"  forward path: kernel\n"
		"  ipv4 forwarding: OFF\n"
		"  counters:\n");
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		bprintf(&want, "    %-24s %20u  %s\n", mxgw_counter_name(c), 1000 + c,
			mxgw_counter_help(c));
	w = buf_close(&want);
	got = run(mxctl_print_stats, st, 2);
	unit_assert_same_text(got, w);
	free(got);
	free(w);
}

static void test_fwd_path_words(void **state)
{
	(void)state;
	assert_string_equal(mxctl_fwd_path_str(MXGW_FWD_PATH_UNKNOWN), "unknown");
	assert_string_equal(mxctl_fwd_path_str(MXGW_FWD_PATH_REDIRECT), "xdp-redirect");
	assert_string_equal(mxctl_fwd_path_str(MXGW_FWD_PATH_KERNEL), "kernel");
	assert_string_equal(mxctl_fwd_path_str(MXGW_FWD_PATH_MAX), "unknown");
}

/* The exporter's own series: which mxctl, which ABI; once, whatever the
 * number of interfaces, and without an ifname (it is no interface's). */
static void test_build_info_names_version_and_abi(void **state)
{
	static struct mxctl_snapshot st[2];
	char *got, want[128], *p;
	int n = 0;

	(void)state;
	assert_string_equal(mxgw_version, "1.2.3-test");
	snprintf(want, sizeof(want),
		 "# TYPE mxgw_build_info gauge\nmxgw_build_info{version=\"1.2.3-test\",abi=\"%d\"} 1\n",
		 MXGW_ABI_VERSION);
	fixture(&st[0]);
	fixture(&st[1]);
	strcpy(st[1].s.ifname, "wan1");
	got = run(mxctl_print_prometheus, st, 2);
	assert_non_null(strstr(got, want));
	for (p = got; (p = strstr(p, "\nmxgw_build_info{")); p++)
		n++;
	assert_int_equal(n, 1);
	free(got);
	/* and with no interface at all */
	got = run(mxctl_print_prometheus, NULL, 0);
	assert_non_null(strstr(got, want));
	free(got);
}

/* --- the counter table ---------------------------------------------------------- */

/* Each MXGW_COUNTERS line: its word is its constant's name in lower case,
 * at the constant's index. */
static void test_counter_words_are_the_enum_names(void **state)
{
	static const struct {
		unsigned int c;
		const char *constant, *word;
	} table[] = {
#define ROW(NAME, word, family, flags, help)	{ MXGW_##NAME, #NAME, word },
		MXGW_COUNTERS(ROW)
#undef ROW
	};
	(void)state;

	assert_int_equal(sizeof(table) / sizeof(table[0]), MXGW_COUNTER_MAX);
	for (unsigned int i = 0; i < MXGW_COUNTER_MAX; i++) {
		char lower[64];
		size_t k;

		assert_int_equal(table[i].c, i);
		for (k = 0; table[i].constant[k] && k + 1 < sizeof(lower); k++)
			lower[k] = (char)tolower((unsigned char)table[i].constant[k]);
		lower[k] = '\0';
		assert_string_equal(table[i].word, lower);
		assert_string_equal(mxgw_counter_name(i), lower);
	}
	assert_string_equal(mxgw_counter_name(MXGW_COUNTER_MAX), "unknown");
	assert_string_equal(mxgw_counter_help(MXGW_COUNTER_MAX), "");
}

/* The kernel path (status's "by the kernel") is every fwd_kernel_*
 * counter, and fwd_redirect (derived) the only other forward path. */
static void test_kernel_path_is_the_fwd_kernel_counters(void **state)
{
	__u64 c[MXGW_COUNTER_MAX], want = 0;
	(void)state;

	for (unsigned int i = 0; i < MXGW_COUNTER_MAX; i++) {
		c[i] = 1ULL << (i % 60);
		if (!strncmp(mxgw_counter_name(i), "fwd_kernel_", 11))
			want += c[i];
		if (!strncmp(mxgw_counter_name(i), "fwd_", 4))
			assert_int_equal(!(mxgw_counter_table[i].flags & MXGW_CF_F_KERNEL),
					 i == MXGW_FWD_REDIRECT);
	}
	assert_int_equal(mxgw_kernel_path(c), want);
	assert_true(MXGW_COUNTER_DERIVED(MXGW_FWD_REDIRECT));
	assert_true(MXGW_COUNTER_DERIVED(MXGW_DROP_SERVICE_DENY));
	assert_true(MXGW_COUNTER_DERIVED(MXGW_DROP_DEFAULT_DENY));
	for (unsigned int i = 0; i < MXGW_COUNTER_MAX; i++)
		assert_int_equal(MXGW_COUNTER_DERIVED(i),
				 !!(mxgw_counter_table[i].flags & MXGW_CF_F_DERIVED));
}

/* --- status: text ------------------------------------------------------------ */

/* The lines of status that do not depend on the table, as the fixture
 * makes them. */
static void status_counters(struct buf *b, const struct mxgw_snapshot *st)
{
	bprintf(b, "\n  counters:");
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		bprintf(b, "%s %s %llu", c % 4 ? "," : "\n   ", mxgw_counter_name(c),
			(unsigned long long)st->counters[c]);
	bprintf(b, "\n");
}

static const char STATUS_TABLE[] =
	"  service    port         outgoing  incoming      in-allowed    in-denied  out-allowed   out-denied\n"
	"                                                            (packets)\n"
	"  (unlisted) *            deny      deny                   0            7            0            1\n"
	"  smtp       25/tcp       allow     allow                 12            0            3            0\n"
	"  ldaps      636/tcp      allow     allow+from             0            2            0            0  -> gateway\n"
	"  dns        53/tcp,udp   allow     deny                   0            0 18446744073709551615            0\n";

/* A healthy gateway: no WARNING, the fast path, the table, every counter. */
static void test_status_text_byte_for_byte(void **state)
{
	static struct mxctl_snapshot st;
	struct buf want;
	char *got, *w;

	(void)state;
	fixture(&st);
	buf_open(&want);
	bprintf(&want, "%s",
		"wan0: xdp mxgw_wan_in (id 41, native), tc egress mxgw_wan_out (id 42)\n"
		"  pins /sys/fs/bpf/mxgw/4026531840/wan0\n"
		"  public 203.0.113.33 -> mail server 192.168.1.10, default deny\n"
		"  IPv6: no mailserver6 (nothing let in), LAN none, WAN none\n"
		"  forward path: xdp-redirect to lan0 (next hop 02:00:00:00:00:0a)\n");
	bprintf(&want, "  forwarded to the LAN: %u packets by xdp-redirect, %llu by the kernel\n",
		1000 + MXGW_FWD_REDIRECT, (unsigned long long)mxgw_kernel_path(st.s.counters));
	bprintf(&want, "  conntrack: 3 flows of 65536, nat-ports 40000-40999; %u new, %u evicted, %u refused (no free port)\n",
		1000 + MXGW_CT_NEW, 1000 + MXGW_CT_EVICTED, 1000 + MXGW_DROP_NAT_FULL);
	bprintf(&want, "%s%s", "\n", STATUS_TABLE);
	status_counters(&want, &st.s);
	w = buf_close(&want);
	got = run(mxctl_print_status, &st, 1);
	unit_assert_same_text(got, w);
	free(got);
	free(w);
}

/* Every WARNING status prints, the log's reader, and the table against a
 * config file that differs: a marked service, one not running. */
static void test_status_text_warnings_and_file_diff(void **state)
{
	static struct mxctl_snapshot st;
	static struct mxgw_conf_file file;
	struct buf want;
	char *got, *w;

	(void)state;
	fixture(&st);
	st.s.att.xdp_prog_id = 99;		/* not the pinned 41 */
	st.s.warnings = MXGW_WARN_XDP_NOT_OURS | MXGW_WARN_FAST_PATH_LOST |
			MXGW_WARN_FORWARDING_OFF;
	st.s.ipv4_forwarding = 0;
	st.s.fast_path_lost = true;
	st.s.clock_stale = true;
	st.s.clock_age_ns = 2500000000ULL;
	st.s.log_read = true;
	st.s.lease.pid = 4242;
	strcpy(file.path, "/etc/mxgw/mxgw.conf");
	strcpy(file.policy.services[0].name, "imaps");
	strcpy(file.policy.services[1].name, "pop3s");
	file.policy.nservices = 2;
	st.file = &file;
	st.diff.running[1] = MXGW_DIFF_IN;
	st.diff.missing[0] = 0;
	st.diff.missing[1] = 1;
	st.diff.nmissing = 2;
	st.ndiff = 3;
	buf_open(&want);
	bprintf(&want, "%s",
		"wan0: xdp mxgw_wan_in (id 99, native), tc egress mxgw_wan_out (id 42)\n"
		"  WARNING: the XDP program on wan0 is not mxgw's (mxctl load wan0 repairs it)\n"
		"  pins /sys/fs/bpf/mxgw/4026531840/wan0\n"
		"  public 203.0.113.33 -> mail server 192.168.1.10, default deny\n"
		"  IPv6: no mailserver6 (nothing let in), LAN none, WAN none\n"
		"  forward path: xdp-redirect to lan0 (next hop 02:00:00:00:00:0a)\n");
	bprintf(&want, "  forwarded to the LAN: %u packets by xdp-redirect, %llu by the kernel\n",
		1000 + MXGW_FWD_REDIRECT, (unsigned long long)mxgw_kernel_path(st.s.counters));
	bprintf(&want, "  conntrack: 3 flows of 65536, nat-ports 40000-40999; %u new, %u evicted, %u refused (no free port)\n",
		1000 + MXGW_CT_NEW, 1000 + MXGW_CT_EVICTED, 1000 + MXGW_DROP_NAT_FULL);
	bprintf(&want, "%s",
		"  WARNING: the LAN device no longer takes XDP frames: redirected packets are lost (mxctl reload)\n"
		"  WARNING: IPv4 forwarding is off on wan0 (sysctl -w net.ipv4.ip_forward=1)\n"
		"  WARNING: the data plane's clock stopped (last tick 2.5 s ago; something wrote mxgw_clock): the next packets restart it (clock_rearmed counts it)\n"
		"  log: read by pid 4242 (mxctl log)\n\n"
		"  service    port         outgoing  incoming      in-allowed    in-denied  out-allowed   out-denied\n"
		"                                                            (packets)\n"
		"  (unlisted) *            deny      deny                   0            7            0            1\n"
		" *smtp       25/tcp       allow     allow                 12            0            3            0\n"
		"  ldaps      636/tcp      allow     allow+from             0            2            0            0  -> gateway\n"
		"  dns        53/tcp,udp   allow     deny                   0            0 18446744073709551615            0\n"
		"  * differs from /etc/mxgw/mxgw.conf (mxctl set-service --save, or reload)\n"
		"  in /etc/mxgw/mxgw.conf but not running: imaps, pop3s (mxctl reload)\n");
	status_counters(&want, &st.s);
	w = buf_close(&want);
	got = run(mxctl_print_status, &st, 1);
	unit_assert_same_text(got, w);
	free(got);
	free(w);
}

/* Stale pins take the place of the not-mxgw warning; an interface that
 * could not be read is left to the caller's error line. */
static void test_status_text_stale_pins_and_errors(void **state)
{
	static struct mxctl_snapshot st[2];
	char *got;

	(void)state;
	fixture(&st[0]);
	st[0].err = -ENOENT;
	fixture(&st[1]);
	strcpy(st[1].s.ifname, "wan1");
	st[1].s.pins.state = MXGW_PINS_STALE;
	st[1].s.pins.ifindex = 9;
	st[1].s.pins.ifname_now[0] = '\0';
	st[1].s.att.xdp_prog_id = 0;
	st[1].s.warnings = MXGW_WARN_STALE_PINS | MXGW_WARN_XDP_NOT_OURS;
	got = run(mxctl_print_status, st, 2);
	assert_true(!strncmp(got, "wan1: xdp mxgw_wan_in (id 0, native)", 36));
	assert_non_null(strstr(got,
		"\n  WARNING: stale pins: the interface mxgw was loaded on as wan1 (ifindex 9) is gone; mxctl unload wan1 removes them\n"
		"  pins "));
	assert_null(strstr(got, "is not mxgw's"));
	assert_null(strstr(got, "wan0:"));
	free(got);
}

/* Each reason of the forward path, as the classification makes it from
 * the next-hop cache and status words it. */
static void test_forward_path_from_the_nexthop(void **state)
{
	static const struct {
		__u64 refreshed_ns;
		__u8 fib_ret, can_redirect;
		enum mxgw_fwd_reason want;
		enum mxgw_fwd_path path;
		const char *word, *line;
	} cases[] = {
		{ 0, BPF_FIB_LKUP_RET_SUCCESS, 1, MXGW_FWD_WHY_NO_LOOKUP, MXGW_FWD_PATH_UNKNOWN,
		  "no_lookup", "  forward path: not known yet (no incoming connection so far)\n" },
		{ 1, BPF_FIB_LKUP_RET_SUCCESS, 1, MXGW_FWD_WHY_REDIRECT, MXGW_FWD_PATH_REDIRECT,
		  "redirect", "  forward path: xdp-redirect to lan0 (next hop 02:00:00:00:00:0a)\n" },
		{ 1, BPF_FIB_LKUP_RET_SUCCESS, 0, MXGW_FWD_WHY_NO_XMIT, MXGW_FWD_PATH_KERNEL,
		  "no_xmit", "  forward path: kernel: lan0 takes no XDP frames (a veth needs an XDP program or GRO on its peer, and then the hosts' veth ends 'ethtool -K IF tx off', or redirected frames keep partial checksums and are lost)\n" },
		{ 1, BPF_FIB_LKUP_RET_NO_NEIGH, 1, MXGW_FWD_WHY_NO_NEIGH, MXGW_FWD_PATH_KERNEL,
		  "no_neigh", "  forward path: kernel: the mail server's MAC is not resolved yet\n" },
		{ 1, BPF_FIB_LKUP_RET_FWD_DISABLED, 0, MXGW_FWD_WHY_DISABLED, MXGW_FWD_PATH_KERNEL,
		  "fwd_disabled", "  forward path: kernel: IPv4 forwarding is disabled\n" },
		{ 1, BPF_FIB_LKUP_RET_UNREACHABLE, 0, MXGW_FWD_WHY_NO_ROUTE, MXGW_FWD_PATH_KERNEL,
		  "no_route", "  forward path: kernel: no route to the mail server (fib lookup 2)\n" },
	};
	static struct mxctl_snapshot st;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got;

		fixture(&st);
		st.s.nh.refreshed_ns = cases[i].refreshed_ns;
		st.s.nh.fib_ret = cases[i].fib_ret;
		st.s.nh.can_redirect = cases[i].can_redirect;
		st.s.fwd = mxgw_fwd_classify(&st.s.nh);
		assert_int_equal(st.s.fwd, cases[i].want);
		assert_int_equal(mxgw_fwd_path_of(st.s.fwd), cases[i].path);
		assert_string_equal(mxctl_fwd_reason_str(st.s.fwd), cases[i].word);
		got = run(mxctl_print_status, &st, 1);
		if (!strstr(got, cases[i].line))
			fail_msg("case %zu: no line '%s' in:\n%s", i, cases[i].line, got);
		free(got);
	}
}

/* --- JSON, parsed back ----------------------------------------------------------- */

/*
 * Each Python expression @exprs over the JSON document @json, parsed by
 * Python's json module (an independent parser), d being the document:
 * the values printed one a line, or the parser's complaint.
 */
static char *json_eval(const char *json, const char *const *exprs, size_t n)
{
	char *path = unit_write_temp(json), cmd[8192], *out;
	size_t len = 0, used;
	FILE *p;

	used = (size_t)snprintf(cmd, sizeof(cmd),
		"python3 -c 'import json, sys\n"
		"d = json.loads(open(sys.argv[1]).read())\n"
		"for e in sys.argv[2:]:\n"
		"    print(json.dumps(eval(e), sort_keys=True))' %s", path);
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(cmd + used, sizeof(cmd) - used, " \"%s\"", exprs[i]);
	assert_true(used < sizeof(cmd));
	p = popen(cmd, "r");
	assert_non_null(p);
	out = calloc(1, 65536);
	assert_non_null(out);
	while (len < 65535 && fgets(out + len, (int)(65536 - len), p))
		len = strlen(out);
	if (pclose(p))
		fail_msg("python3 could not read the JSON (%s): %s\n%s", cmd, out, json);
	unlink(path);
	free(path);
	return out;
}

/* The values a script reads, as a JSON parser reads them: prefixes listed,
 * words not sentences, the file's differences, an unreadable interface as
 * an error of its own, forwarding unknown as null. */
static void test_json_parses_back(void **state)
{
	static const char *const exprs[] = {
		"d['schema']",
		"len(d['interfaces'])",
		"d['interfaces'][0]['ifname']",
		"d['interfaces'][0]['warnings']",
		"d['interfaces'][0]['forward']",
		"d['interfaces'][0]['ipv4_forwarding']",
		"[(s['name'], s.get('from'), s.get('differs')) for s in d['interfaces'][0]['services']]",
		"d['interfaces'][0]['services'][2]['in']['denied']",
		"d['interfaces'][0]['services'][3]['out']['allowed']['packets']",
		"d['interfaces'][0]['file']",
		"d['interfaces'][0]['counters']['drop_not_from']",
		"d['interfaces'][1]",
	};
	static struct mxctl_snapshot st[2];
	static struct mxgw_conf_file file;
	char *json, *got, want[2048];

	(void)state;
	fixture(&st[0]);
	st[0].s.warnings = MXGW_WARN_FAST_PATH_LOST | MXGW_WARN_STALE_PINS;
	st[0].s.fast_path_lost = true;
	st[0].s.ipv4_forwarding = -1;
	st[0].s.fwd = MXGW_FWD_WHY_NO_XMIT;
	strcpy(file.path, "/etc/mxgw/mxgw.conf");
	strcpy(file.policy.services[0].name, "imaps");
	file.policy.nservices = 1;
	st[0].file = &file;
	st[0].diff.running[10] = MXGW_DIFF_IN | MXGW_DIFF_DEFINITION;
	st[0].diff.nmissing = 1;
	st[0].ndiff = 2;
	memset(&st[1], 0, sizeof(st[1]));
	strcpy(st[1].s.ifname, "wan1");
	st[1].err = -EPROTO;
	strcpy(st[1].error, "pinned by an mxctl of another ABI version");
	json = run(mxctl_print_json, st, 2);
	got = json_eval(json, exprs, sizeof(exprs) / sizeof(exprs[0]));
	snprintf(want, sizeof(want),
		"1\n"
		"2\n"
		"\"wan0\"\n"
		"[\"stale_pins\", \"fast_path_lost\"]\n"
		"{\"age_ms\": 250, \"device\": \"lan0\", \"fast_path_lost\": true, \"fib_ret\": 0, \"ifindex\": 3, "
		"\"kernel_packets\": %llu, \"mac\": \"02:00:00:00:00:0a\", \"path\": \"kernel\", \"reason\": \"no_xmit\"}\n"
		"null\n"
		"[[\"(unlisted)\", null, null], [\"smtp\", [], []], "
		"[\"ldaps\", [\"10.0.0.0/8\", \"198.51.100.7/32\"], [\"incoming\", \"definition\"]], [\"dns\", [], []]]\n"
		"{\"bytes\": 120, \"packets\": 2}\n"
		"18446744073709551615\n"
		"{\"differs\": true, \"not_running\": [\"imaps\"], \"path\": \"/etc/mxgw/mxgw.conf\", \"valid\": true}\n"
		"1002\n"
		"{\"error\": \"pinned by an mxctl of another ABI version\", \"ifname\": \"wan1\"}\n",
		(unsigned long long)mxgw_kernel_path(st[0].s.counters));
	unit_assert_same_text(got, want);
	free(got);
	free(json);
}

/* --- IPv6 ------------------------------------------------------------------- */

/*
 * wan0 dual-stack: the fixture, and mailserver6 2001:db8:168::10, lan6
 * 2001:db8:168::/64, the WAN's 2001:db8:1::33 and fe80::33, an IPv6 from
 * on ldaps, mailserver6's next hop; counter c holds 1000 + c in both
 * families together and 100 + c of it IPv6's (a counter of no family:
 * nothing IPv6's, as the snapshot reads it).
 */
static void fixture6(struct mxctl_snapshot *v)
{
	struct mxgw_snapshot *st = &v->s;

	fixture(v);
	st->cfg.has_mailserver6 = 1;
	inet_pton(AF_INET6, "2001:db8:168::10", &st->cfg.mailserver6);
	st->cfg.nlan6 = 1;
	inet_pton(AF_INET6, "2001:db8:168::", &st->cfg.lan6[0].net);
	inet_pton(AF_INET6, "ffff:ffff:ffff:ffff::", &st->cfg.lan6[0].mask);
	st->cfg.nwan6 = 2;
	inet_pton(AF_INET6, "2001:db8:1::33", &st->cfg.wan6_addrs[0]);
	inet_pton(AF_INET6, "fe80::33", &st->cfg.wan6_addrs[1]);
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		st->counters6[c] = of_no_family(c) ? 0 : 100 + c;
	/* (unlisted): 2 of its 7 denied IPv6's; smtp: 3 of 12 in, 1 of 3 out */
	set_count6(&st->svcs[0], MXGW_DIR_IN, MXGW_DENY, 2, 160);
	set_count6(&st->svcs[1], MXGW_DIR_IN, MXGW_ALLOW, 3, 240);
	set_count6(&st->svcs[1], MXGW_DIR_OUT, MXGW_ALLOW, 1, 80);
	inet_pton(AF_INET6, "2001:db8:51::", &st->svcs[2].from6[0].addr);
	st->svcs[2].from6[0].len = 48;
	st->svcs[2].nfrom6 = 1;
	st->nh6.refreshed_ns = 5000000000ULL;
	st->nh6.ifindex = 3;
	st->nh6.can_redirect = 1;
	memcpy(st->nh6.dmac, "\x02\x00\x00\x00\x00\x0b", 6);
	st->fwd6 = MXGW_FWD_WHY_REDIRECT;
	strcpy(st->fwd6_dev, "lan0");
	st->nh6_age_ns = 100000000ULL;
	st->ct6_entries = 2;
}

/* status with IPv6: its addresses, mailserver6's forward path, IPv6's
 * part of what was forwarded, its conntrack, and under every row of the
 * table what of it came or went over IPv6. */
static void test_status_text_ipv6_byte_for_byte(void **state)
{
	static struct mxctl_snapshot st;
	struct buf want;
	char *got, *w;

	(void)state;
	fixture6(&st);
	buf_open(&want);
	bprintf(&want, "%s",
		"wan0: xdp mxgw_wan_in (id 41, native), tc egress mxgw_wan_out (id 42)\n"
		"  pins /sys/fs/bpf/mxgw/4026531840/wan0\n"
		"  public 203.0.113.33 -> mail server 192.168.1.10, default deny\n"
		"  IPv6: mail server 2001:db8:168::10 (routed), LAN 2001:db8:168::/64, WAN 2001:db8:1::33, fe80::33\n"
		"  forward path: xdp-redirect to lan0 (next hop 02:00:00:00:00:0a)\n"
		"  forward path IPv6: xdp-redirect to lan0 (next hop 02:00:00:00:00:0b)\n");
	bprintf(&want, "  forwarded to the LAN: %u packets by xdp-redirect, %llu by the kernel (of which IPv6 %u and %llu)\n",
		1000 + MXGW_FWD_REDIRECT, (unsigned long long)mxgw_kernel_path(st.s.counters),
		100 + MXGW_FWD_REDIRECT, (unsigned long long)mxgw_kernel_path(st.s.counters6));
	/* IPv4's flows on IPv4's line, IPv6's on its own */
	bprintf(&want, "  conntrack: 3 flows of 65536, nat-ports 40000-40999; 900 new, 900 evicted, %u refused (no free port)\n",
		1000 + MXGW_DROP_NAT_FULL);
	bprintf(&want, "  conntrack IPv6: 2 flows of 65536 (routed); %u new, %u evicted\n",
		100 + MXGW_CT_NEW, 100 + MXGW_CT_EVICTED);
	bprintf(&want, "%s",
		"\n"
		"  service    port         outgoing  incoming      in-allowed    in-denied  out-allowed   out-denied\n"
		"                                                            (packets; both families, then of which IPv6)\n"
		"  (unlisted) *            deny      deny                   0            7            0            1\n"
		"    of which IPv6                                          0            2            0            0\n"
		"  smtp       25/tcp       allow     allow                 12            0            3            0\n"
		"    of which IPv6                                          3            0            1            0\n"
		"  ldaps      636/tcp      allow     allow+from             0            2            0            0  -> gateway\n"
		"    of which IPv6                                          0            0            0            0\n"
		"  dns        53/tcp,udp   allow     deny                   0            0 18446744073709551615            0\n"
		"    of which IPv6                                          0            0            0            0\n"
		"\n  counters:");
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
		bprintf(&want, "%s %s %u", c % 3 ? "," : "\n   ", mxgw_counter_name(c), 1000 + c);
		if (!of_no_family(c))
			bprintf(&want, " (IPv6 %u)", 100 + c);
	}
	bprintf(&want, "\n");
	w = buf_close(&want);
	got = run(mxctl_print_status, &st, 1);
	unit_assert_same_text(got, w);
	free(got);
	free(w);
}

/* The IPv6 WARNINGs: mailserver6 with forwarding off, its fast path lost;
 * the forward path's reason in IPv6's words; a gateway without mailserver6
 * says so and shows no IPv6 forward path. */
static void test_status_text_ipv6_warnings(void **state)
{
	static struct mxctl_snapshot st;
	char *got;

	(void)state;
	fixture6(&st);
	st.s.warnings = MXGW_WARN_IPV6_FORWARDING_OFF | MXGW_WARN_FAST_PATH6_LOST;
	st.s.ipv6_forwarding = 0;
	st.s.fast_path6_lost = true;
	st.s.nh6.fib_ret = BPF_FIB_LKUP_RET_FWD_DISABLED;
	st.s.fwd6 = mxgw_fwd_classify(&st.s.nh6);
	got = run(mxctl_print_status, &st, 1);
	assert_non_null(strstr(got,
		"  forward path: xdp-redirect to lan0 (next hop 02:00:00:00:00:0a)\n"
		"  forward path IPv6: kernel: IPv6 forwarding is disabled\n"));
	assert_non_null(strstr(got,
		"\n  WARNING: the LAN device mailserver6 is routed through no longer takes XDP frames: redirected IPv6 packets are lost (mxctl reload)\n"
		"  WARNING: IPv6 forwarding is off: the kernel forwards nothing to mailserver6 (sysctl -w net.ipv6.conf.all.forwarding=1)\n\n"));
	assert_null(strstr(got, "IPv4 forwarding is off"));
	free(got);

	fixture6(&st);
	st.s.cfg.has_mailserver6 = 0;
	got = run(mxctl_print_status, &st, 1);
	assert_non_null(strstr(got,
		"  IPv6: no mailserver6 (nothing let in), LAN 2001:db8:168::/64, WAN 2001:db8:1::33, fe80::33\n"
		"  forward path: xdp-redirect to lan0 (next hop 02:00:00:00:00:0a)\n"
		"  forwarded to the LAN: "));
	assert_null(strstr(got, "forward path IPv6"));
	free(got);
}

/* Bans and the allowlist (issue 13): a status line where there are any,
 * none where there are not; JSON and Prometheus per family. */
static void test_bans_in_every_printer(void **state)
{
	static struct mxctl_snapshot st;
	char *got;

	(void)state;
	fixture(&st);
	got = run(mxctl_print_status, &st, 1);
	assert_null(strstr(got, "bans:"));
	free(got);
	st.s.bans[MXGW_FAM_IPV4] = 100000;
	st.s.bans[MXGW_FAM_IPV6] = 7;
	st.s.allow[MXGW_FAM_IPV4] = 2;
	st.s.counters[MXGW_DROP_BANNED] = 42;
	got = run(mxctl_print_status, &st, 1);
	assert_non_null(strstr(got, "\n  bans: 100007 (IPv4 100000, IPv6 7), "
				    "allowlist: 2 prefixes (IPv4 2, IPv6 0); 42 dropped\n"));
	free(got);
	got = run(mxctl_print_json, &st, 1);
	assert_non_null(strstr(got, "\"bans\":{\"ipv4\":100000,\"ipv6\":7},"
				    "\"allowlist\":{\"ipv4\":2,\"ipv6\":0}"));
	free(got);
	got = run(mxctl_print_prometheus, &st, 1);
	assert_non_null(strstr(got, "mxgw_bans{ifname=\"wan0\",family=\"ipv4\"} 100000\n"
				    "mxgw_bans{ifname=\"wan0\",family=\"ipv6\"} 7\n"));
	assert_non_null(strstr(got, "mxgw_allowlist_prefixes{ifname=\"wan0\",family=\"ipv4\"} 2\n"));
	free(got);
}

/* Rate limits: a line in status only with a limit, each service's in
 * JSON, the buckets in every printer (issue 13). */
static void test_limits_in_every_printer(void **state)
{
	static struct mxctl_snapshot st;
	struct mxgw_snapshot_service *smtp;
	char *got;

	(void)state;
	fixture(&st);
	got = run(mxctl_print_status, &st, 1);
	assert_null(strstr(got, "limits:"));
	free(got);
	smtp = &st.s.svcs[1];
	assert_string_equal(smtp->name, "smtp");
	smtp->svc.flags |= MXGW_PORT_F_LIMIT;
	smtp->limit = (struct mxgw_limit){ .interval_ns = 100000000, .burst_ns = 2000000000,
					   .ban_ns = 600000000000ULL, .rate = 10, .per_s = 1,
					   .burst = 20 };
	st.s.cfg.flags |= MXGW_CFG_F_LIMIT;
	st.s.counters[MXGW_DROP_RATE_LIMIT] = 50;
	st.s.counters6[MXGW_DROP_RATE_LIMIT] = 8;
	st.s.counters[MXGW_RATE_LIMIT_BANS] = 3;
	st.s.rl_buckets = 17;
	st.s.rl_new_buckets = 4000;
	got = run(mxctl_print_status, &st, 1);
	assert_non_null(strstr(got, "\n  limits: smtp 10/s burst 20 ban 600s; 50 dropped (IPv6 8), "
				    "3 banned; 17 sources tracked of 32768, 4000 seen once\n"));
	free(got);
	got = run(mxctl_print_json, &st, 1);
	assert_non_null(strstr(got, "\"name\":\"smtp\",\"port\":25,"));
	assert_non_null(strstr(got, "\"to\":\"mailserver\",\"limit\":{\"rate\":10,\"per\":\"s\","
				    "\"burst\":20,\"ban_s\":600},"));
	assert_non_null(strstr(got, "\"rate_limits\":{\"buckets\":17,\"buckets_max\":32768,"
				    "\"seen_once\":4000,\"seen_once_max\":8192}"));
	free(got);
	got = run(mxctl_print_prometheus, &st, 1);
	assert_non_null(strstr(got, "mxgw_rate_limit_buckets{ifname=\"wan0\",map=\"main\"} 17\n"
				    "mxgw_rate_limit_buckets{ifname=\"wan0\",map=\"seen_once\"} 4000\n"));
	assert_non_null(strstr(got, "mxgw_drops_total{ifname=\"wan0\",reason=\"drop_rate_limit\",family=\"ipv6\"} 8\n"));
	free(got);
}

/* syn-flood: a line in status only with it: each threshold, a flood on
 * and for how long, the counters, the verified sources (issue 13). */
static void test_synflood_status_line(void **state)
{
	static struct mxctl_snapshot st;
	struct mxgw_snapshot_service *smtp;
	char *got;

	(void)state;
	fixture(&st);
	got = run(mxctl_print_status, &st, 1);
	assert_null(strstr(got, "syn-flood:"));
	free(got);
	smtp = &st.s.svcs[1];
	assert_string_equal(smtp->name, "smtp");
	smtp->svc.flags |= MXGW_PORT_F_SYNFLOOD;
	smtp->synflood = (struct mxgw_synflood){ .per_slot = 2148, .rate = 2000, .budget = 500,
						 .budget_per_slot = 537 };
	st.s.cfg.flags |= MXGW_CFG_F_SYNFLOOD;
	st.s.counters[MXGW_SYN_CHALLENGED] = 5000;
	st.s.counters6[MXGW_SYN_CHALLENGED] = 1000;
	st.s.counters[MXGW_SYN_VERIFIED] = 12;
	st.s.counters6[MXGW_SYN_VERIFIED] = 2;
	st.s.counters[MXGW_DROP_SYN_FLOOD] = 7;
	st.s.counters[MXGW_DROP_SYN_BUDGET] = 30;
	st.s.counters6[MXGW_DROP_SYN_BUDGET] = 4;
	st.s.syn_ok = 40;
	got = run(mxctl_print_status, &st, 1);
	assert_non_null(strstr(got, "\n  syn-flood: smtp 2000/s budget 500/s, now 0/s; 5000 challenged "
				    "(IPv6 1000), 12 verified (IPv6 2), 7 dropped, 30 over budget "
				    "(IPv6 4); 40 sources verified of 65536\n"));
	free(got);
	/* in a flood since 12 s before the data plane's now */
	st.s.clock.now_ns = 1000 * 1000000000ULL;
	smtp->syn_state.since_ns = st.s.clock.now_ns - 12000000000ULL;
	smtp->syn_state.until_ns = st.s.clock.now_ns + 3000000000ULL;
	/* 5000 SYNs in the current rate slot: 5000 x 10^9 / 2^30 = 4656.6 a second */
	smtp->syn_state.slot = st.s.clock.now_ns >> MXGW_SYN_RATE_SHIFT;
	smtp->syn_state.count = 5000;
	got = run(mxctl_print_status, &st, 1);
	assert_non_null(strstr(got, "\n  syn-flood: smtp 2000/s budget 500/s, now 4657/s (in a flood for 12s); "));
	free(got);
	/* the count is of the slot before: none counted in this one yet */
	smtp->syn_state.slot--;
	got = run(mxctl_print_status, &st, 1);
	assert_non_null(strstr(got, "\n  syn-flood: smtp 2000/s budget 500/s, now 0/s (in a flood for 12s); "));
	free(got);
}

/* syn-flood in JSON (each service's threshold and flood, the counters by
 * family, the verified sources) and Prometheus (mxgw_syn_flood 0/1, the
 * threshold, the verified sources; only with syn-flood) (issue 13). */
static void test_synflood_in_json_and_prometheus(void **state)
{
	static struct mxctl_snapshot st;
	struct mxgw_snapshot_service *smtp;
	char *got;

	(void)state;
	fixture(&st);
	got = run(mxctl_print_json, &st, 1);
	assert_non_null(strstr(got, "\"to\":\"mailserver\",\"limit\":null,\"syn_flood\":null,"));
	free(got);
	got = run(mxctl_print_prometheus, &st, 1);
	assert_null(strstr(got, "mxgw_syn_flood "));
	assert_null(strstr(got, "mxgw_syn_flood{"));
	assert_null(strstr(got, "mxgw_syn_flood_threshold"));
	assert_null(strstr(got, "mxgw_syn_flood_rate"));
	assert_null(strstr(got, "mxgw_syn_verified_sources"));
	free(got);
	smtp = &st.s.svcs[1];
	assert_string_equal(smtp->name, "smtp");
	smtp->svc.flags |= MXGW_PORT_F_SYNFLOOD;
	smtp->synflood = (struct mxgw_synflood){ .per_slot = 2148, .rate = 2000 };
	st.s.cfg.flags |= MXGW_CFG_F_SYNFLOOD;
	st.s.counters[MXGW_SYN_CHALLENGED] = 5000;
	st.s.counters6[MXGW_SYN_CHALLENGED] = 1000;
	st.s.counters[MXGW_SYN_VERIFIED] = 12;
	st.s.counters6[MXGW_SYN_VERIFIED] = 2;
	st.s.counters[MXGW_DROP_SYN_FLOOD] = 7;
	st.s.syn_ok = 40;
	/* a flood that ended: since and until both in the past */
	st.s.clock.now_ns = 1000 * 1000000000ULL;
	smtp->syn_state.since_ns = st.s.clock.now_ns - 60000000000ULL;
	smtp->syn_state.until_ns = st.s.clock.now_ns - 1;
	got = run(mxctl_print_json, &st, 1);
	assert_non_null(strstr(got, "\"name\":\"smtp\",\"port\":25,"));
	assert_non_null(strstr(got, "\"limit\":null,\"syn_flood\":{\"rate\":2000,\"flood\":false,"
				    "\"flood_for_ms\":0,\"current_rate\":0},\"differs\""));
	/* ldaps has none */
	assert_non_null(strstr(got, "\"to\":\"gateway\",\"limit\":null,\"syn_flood\":null,"));
	assert_non_null(strstr(got, "\"syn_flood\":{\"challenged\":{\"ipv4\":4000,\"ipv6\":1000},"
				    "\"verified\":{\"ipv4\":10,\"ipv6\":2},"
				    "\"dropped\":{\"ipv4\":7,\"ipv6\":0},"
				    "\"verified_sources\":40,\"verified_sources_max\":65536},"));
	free(got);
	got = run(mxctl_print_prometheus, &st, 1);
	assert_non_null(strstr(got, "# TYPE mxgw_syn_flood gauge\n"
				    "mxgw_syn_flood{ifname=\"wan0\",service=\"smtp\"} 0\n"));
	assert_non_null(strstr(got, "# TYPE mxgw_syn_flood_threshold gauge\n"
				    "mxgw_syn_flood_threshold{ifname=\"wan0\",service=\"smtp\"} 2000\n#"));
	assert_non_null(strstr(got, "# TYPE mxgw_syn_verified_sources gauge\n"
				    "mxgw_syn_verified_sources{ifname=\"wan0\"} 40\n"));
	assert_non_null(strstr(got, "mxgw_syn_challenged_total{ifname=\"wan0\",family=\"ipv6\"} 1000\n"));
	assert_non_null(strstr(got, "mxgw_drops_total{ifname=\"wan0\",reason=\"drop_syn_flood\",family=\"ipv4\"} 7\n"));
	assert_non_null(strstr(got, "# TYPE mxgw_syn_flood_rate gauge\n"
				    "mxgw_syn_flood_rate{ifname=\"wan0\",service=\"smtp\"} 0\n#"));
	free(got);
	/* in a flood for 12.5 s, 300000 SYNs counted in the current rate
	 * slot: 300000 x 10^9 / 2^30 = 279396.8 a second */
	smtp->syn_state.since_ns = st.s.clock.now_ns - 12500000000ULL;
	smtp->syn_state.until_ns = st.s.clock.now_ns + 3000000000ULL;
	smtp->syn_state.slot = st.s.clock.now_ns >> MXGW_SYN_RATE_SHIFT;
	smtp->syn_state.count = 300000;
	got = run(mxctl_print_json, &st, 1);
	assert_non_null(strstr(got, "\"syn_flood\":{\"rate\":2000,\"flood\":true,"
				    "\"flood_for_ms\":12500,\"current_rate\":279397},"));
	free(got);
	got = run(mxctl_print_prometheus, &st, 1);
	assert_non_null(strstr(got, "mxgw_syn_flood{ifname=\"wan0\",service=\"smtp\"} 1\n"));
	assert_non_null(strstr(got, "mxgw_syn_flood_rate{ifname=\"wan0\",service=\"smtp\"} 279397\n"));
	free(got);
}

/* IPv6's lines and columns only where the gateway has IPv6 to show: a
 * mailserver6, a LAN prefix, or anything IPv6 counted or tracked. */
static void test_ipv6_shown_only_with_ipv6(void **state)
{
	static struct mxctl_snapshot st;
	char *got;

	(void)state;
	fixture(&st);
	assert_false(mxctl_shows_ipv6(&st.s));
	got = run(mxctl_print_status, &st, 1);
	assert_null(strstr(got, "of which IPv6"));
	assert_null(strstr(got, "(IPv6 "));
	assert_null(strstr(got, "conntrack IPv6"));
	free(got);
	got = run(mxctl_print_stats, &st, 1);
	assert_null(strstr(got, "of which IPv6"));
	assert_null(strstr(got, "\n  IPv6: "));
	assert_null(strstr(got, "conntrack IPv6"));
	assert_null(strstr(got, "ipv6 forwarding"));
	assert_non_null(strstr(got, "\n  counters:\n"));
	free(got);

	st.s.counters6[MXGW_PASS_NOT_FOR_US] = 5;	/* neighbour discovery, say */
	assert_true(mxctl_shows_ipv6(&st.s));
	st.s.counters6[MXGW_PASS_NOT_FOR_US] = 0;
	st.s.svcs[1].count6.count[MXGW_DIR_OUT][MXGW_ALLOW].packets = 1;
	assert_true(mxctl_shows_ipv6(&st.s));
	st.s.svcs[1].count6.count[MXGW_DIR_OUT][MXGW_ALLOW].packets = 0;
	st.s.ct6_entries = 1;
	assert_true(mxctl_shows_ipv6(&st.s));
	st.s.ct6_entries = 0;
	st.s.cfg.nlan6 = 1;
	assert_true(mxctl_shows_ipv6(&st.s));
	st.s.cfg.nlan6 = 0;
	st.s.cfg.has_mailserver6 = 1;
	assert_true(mxctl_shows_ipv6(&st.s));
	got = run(mxctl_print_status, &st, 1);
	assert_non_null(strstr(got, "\n  smtp       25/tcp       allow     allow                 12            0            3            0\n"
				    "    of which IPv6                                          0            0            0            0\n"));
	free(got);
}

/* stats with IPv6: its addresses, IPv6's rows under each service, its
 * conntrack, forward path and forwarding, and a column of IPv6's part
 * of every counter ("-" for those of no family). */
static void test_stats_text_ipv6_byte_for_byte(void **state)
{
	static struct mxctl_snapshot st;
	struct buf want;
	char *got, *w;

	(void)state;
	fixture6(&st);
	st.s.nservices = 2;	/* (unlisted) and smtp */
	buf_open(&want);
	bprintf(&want, "%s",
		"wan0: public 203.0.113.33 -> mail server 192.168.1.10, default deny, xdp native\n"
		"  IPv6: mail server 2001:db8:168::10 (routed), LAN 2001:db8:168::/64, WAN 2001:db8:1::33, fe80::33\n"
		"  service         port        dir   allowed-pkts  allowed-bytes    denied-pkts   denied-bytes\n"
		"  (unlisted)      *           in               0              0              7            420\n"
		"                              out              0              0              1             60\n"
		"    of which IPv6             in               0              0              2            160\n"
		"                              out              0              0              0              0\n"
		"  smtp            25/tcp      in              12            840              0              0\n"
		"                              out              3            180              0              0\n"
		"    of which IPv6             in               3            240              0              0\n"
		"                              out              1             80              0              0\n"
		"  conntrack: 3 flows of 65536\n"
		"  conntrack IPv6: 2 flows of 65536\n"
		"  nat: 2 mappings; public ports in use: tcp 2, udp 0, icmp 1 (nat-ports 40000-40999)\n"
		"  forward path: xdp-redirect via lan0\n"
		"  forward path IPv6: xdp-redirect via lan0\n"
		"  ipv4 forwarding: on\n"
		"  ipv6 forwarding: on\n"
		"  counters:                         both families        of which IPv6\n");
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++) {
		char six[16] = "-";

		if (!of_no_family(c))
			snprintf(six, sizeof(six), "%u", 100 + c);
		bprintf(&want, "    %-24s %20u %20s  %s\n", mxgw_counter_name(c), 1000 + c, six,
			mxgw_counter_help(c));
	}
	w = buf_close(&want);
	got = run(mxctl_print_stats, &st, 1);
	unit_assert_same_text(got, w);
	free(got);
	free(w);
}

/* Prometheus with IPv6: each family its own series, IPv6's the part the
 * snapshot keeps, IPv4's the rest; the counters of no family once,
 * without a family; mailserver6's forward path; mxgw_ipv6_info. */
static void test_prometheus_ipv6_series(void **state)
{
	static struct mxctl_snapshot st;
	struct buf want;
	char *got, *w;

	(void)state;
	fixture6(&st);
	got = run(mxctl_print_prometheus, &st, 1);
	buf_open(&want);
	prom_counters_of(&want, 1000, 100);
	w = buf_close(&want);
	if (!strstr(got, w))
		fail_msg("the counters, IPv4's and IPv6's apart, not in:\n%s\nwant:\n%s", got, w);
	free(w);
	assert_non_null(strstr(got,
		"mxgw_ipv6_info{ifname=\"wan0\",mailserver6=\"2001:db8:168::10\",lan6=\"2001:db8:168::/64\",wan6=\"2001:db8:1::33,fe80::33\"} 1\n"));
	assert_non_null(strstr(got,
		"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"allow\",family=\"ipv4\"} 9\n"
		"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"allow\",family=\"ipv6\"} 3\n"
		"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 0\n"
		"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 0\n"
		"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"allow\",family=\"ipv4\"} 2\n"
		"mxgw_service_packets_total{ifname=\"wan0\",service=\"smtp\",direction=\"out\",verdict=\"allow\",family=\"ipv6\"} 1\n"));
	assert_non_null(strstr(got,
		"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"deny\",family=\"ipv4\"} 260\n"
		"mxgw_service_bytes_total{ifname=\"wan0\",service=\"(unlisted)\",direction=\"in\",verdict=\"deny\",family=\"ipv6\"} 160\n"));
	assert_non_null(strstr(got,
		"mxgw_conntrack_entries{ifname=\"wan0\",family=\"ipv4\"} 3\n"
		"mxgw_conntrack_entries{ifname=\"wan0\",family=\"ipv6\"} 2\n"));
	assert_non_null(strstr(got,
		"mxgw_forward_path{ifname=\"wan0\",path=\"kernel\",family=\"ipv4\"} 0\n"
		"mxgw_forward_path{ifname=\"wan0\",path=\"unknown\",family=\"ipv6\"} 0\n"
		"mxgw_forward_path{ifname=\"wan0\",path=\"xdp-redirect\",family=\"ipv6\"} 1\n"
		"mxgw_forward_path{ifname=\"wan0\",path=\"kernel\",family=\"ipv6\"} 0\n"));
	free(got);
}

/* JSON with IPv6, read back by a JSON parser: mailserver6 and the
 * prefixes, forward6, conntrack's IPv6 fields, from of both families,
 * in6 and out6, counters6 without the counters of no family, and the
 * IPv6 warnings' words. */
static void test_json_ipv6_parses_back(void **state)
{
	static const char *const exprs[] = {
		"[d['interfaces'][0][k] for k in ('ipv6', 'mailserver6', 'lan6', 'wan6', 'ipv6_forwarding')]",
		"d['interfaces'][0]['forward6']",
		"d['interfaces'][0]['conntrack']",
		"d['interfaces'][0]['services'][2]['from']",
		"[(s['name'], s['in6']['allowed']['packets'], s['out6']['allowed']['packets']) for s in d['interfaces'][0]['services']]",
		"d['interfaces'][0]['services'][1]['in']['allowed']",
		"d['interfaces'][0]['counters6']['drop_not_from'], d['interfaces'][0]['counters']['drop_not_from']",
		"sorted(set(d['interfaces'][0]['counters']) - set(d['interfaces'][0]['counters6']))",
		"d['interfaces'][0]['warnings']",
		"d['interfaces'][1]['mailserver6'], d['interfaces'][1]['forward6']",
	};
	static struct mxctl_snapshot st[2];
	char *json, *got, want[2048];

	(void)state;
	fixture6(&st[0]);
	st[0].s.warnings = MXGW_WARN_IPV6_FORWARDING_OFF | MXGW_WARN_FAST_PATH6_LOST;
	st[0].s.ipv6_forwarding = 0;
	st[0].s.fast_path6_lost = true;
	fixture(&st[1]);
	strcpy(st[1].s.ifname, "wan1");
	json = run(mxctl_print_json, st, 2);
	got = json_eval(json, exprs, sizeof(exprs) / sizeof(exprs[0]));
	snprintf(want, sizeof(want),
		"[\"filtered\", \"2001:db8:168::10\", [\"2001:db8:168::/64\"], [\"2001:db8:1::33\", \"fe80::33\"], false]\n"
		"{\"age_ms\": 100, \"device\": \"lan0\", \"fast_path_lost\": true, \"fib_ret\": 0, \"ifindex\": 3, "
		"\"kernel_packets\": %llu, \"mac\": \"02:00:00:00:00:0b\", \"path\": \"xdp-redirect\", \"reason\": \"redirect\"}\n"
		"{\"entries\": 3, \"entries6\": 2, \"max\": 65536, \"max6\": 65536}\n"
		"[\"10.0.0.0/8\", \"198.51.100.7/32\", \"2001:db8:51::/48\"]\n"
		"[[\"(unlisted)\", 0, 0], [\"smtp\", 3, 1], [\"ldaps\", 0, 0], [\"dns\", 0, 0]]\n"
		"{\"bytes\": 840, \"packets\": 12}\n"
		"[%u, %u]\n"
		"[\"clock_rearmed\", \"drop_out_vlan_depth\", \"drop_vlan_depth\", \"log_buffer_full\", "
		"\"log_events\", \"log_rate_limited\", \"pass_non_ip\", \"syn_flood_on\"]\n"
		"[\"ipv6_forwarding_off\", \"ipv6_fast_path_lost\"]\n"
		"[null, null]\n",
		(unsigned long long)mxgw_kernel_path(st[0].s.counters6),
		100 + MXGW_DROP_NOT_FROM, 1000 + MXGW_DROP_NOT_FROM);
	unit_assert_same_text(got, want);
	free(got);
	free(json);
}

/* The counters of no family are those of MXGW_COUNTERS' flag NOFAMILY:
 * frames of no family, the log's and the clock's own. */
static void test_counters_of_no_family(void **state)
{
	(void)state;
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		assert_int_equal(mxctl_counter_has_family(c), !of_no_family(c));
	assert_false(mxctl_counter_has_family(MXGW_COUNTER_MAX));
	assert_string_equal(mxctl_family_str(MXGW_FAM_IPV4), "ipv4");
	assert_string_equal(mxctl_family_str(MXGW_FAM_IPV6), "ipv6");
}

/* Blocklists: their series in Prometheus (only with a list), the status
 * line, JSON's array. */
static void test_blocklists_in_every_printer(void **state)
{
	static struct mxctl_snapshot st;
	char *got;

	(void)state;
	fixture(&st);
	got = run(mxctl_print_prometheus, &st, 1);
	assert_null(strstr(got, "mxgw_blocklist"));
	free(got);
	snprintf(st.s.bl[3].name, sizeof(st.s.bl[3].name), "drop");
	st.s.bl[3].in_use = 1;
	st.s.bl[3].n4 = 1000000;
	st.s.bl[3].n6 = 100000;
	st.s.bl_drops[3][MXGW_FAM_IPV4] = 42;
	st.s.bl_drops[3][MXGW_FAM_IPV6] = 7;
	st.s.bl_mem4 = 100 << 20;
	st.s.bl_mem6 = 4 << 20;
	st.s.counters[MXGW_DROP_BLOCKLIST] = 49;
	st.s.counters6[MXGW_DROP_BLOCKLIST] = 7;
	got = run(mxctl_print_prometheus, &st, 1);
	assert_non_null(strstr(got, "# TYPE mxgw_blocklist_prefixes gauge\n"
				    "mxgw_blocklist_prefixes{ifname=\"wan0\",list=\"drop\",family=\"ipv4\"} 1000000\n"
				    "mxgw_blocklist_prefixes{ifname=\"wan0\",list=\"drop\",family=\"ipv6\"} 100000\n"));
	assert_non_null(strstr(got, "# TYPE mxgw_blocklist_dropped_packets_total counter\n"
				    "mxgw_blocklist_dropped_packets_total{ifname=\"wan0\",list=\"drop\",family=\"ipv4\"} 42\n"
				    "mxgw_blocklist_dropped_packets_total{ifname=\"wan0\",list=\"drop\",family=\"ipv6\"} 7\n"));
	assert_non_null(strstr(got, "mxgw_blocklist_memory_bytes{ifname=\"wan0\",family=\"ipv4\"} 104857600\n"));
	assert_non_null(strstr(got, "mxgw_drops_total{ifname=\"wan0\",reason=\"drop_blocklist\",family=\"ipv6\"} 7\n"));
	free(got);
	got = run(mxctl_print_status, &st, 1);
	assert_non_null(strstr(got, "  blocklists: 1 list, 1000000 IPv4 and 100000 IPv6 prefixes in 104 MiB; "
				    "49 packets dropped (IPv6 7) (mxctl blocklist show)\n"));
	free(got);
	got = run(mxctl_print_json, &st, 1);
	assert_non_null(strstr(got, "\"blocklists\":[{\"name\":\"drop\",\"prefixes_ipv4\":1000000,"
				    "\"prefixes_ipv6\":100000,\"dropped_ipv4\":42,\"dropped_ipv6\":7}],"
				    "\"blocklist_memory\":109051904,"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_value_escapes_backslash_quote_newline),
		cmocka_unit_test(test_help_text_escapes_backslash_newline_not_quote),
		cmocka_unit_test(test_prometheus_one_interface_byte_for_byte),
		cmocka_unit_test(test_prometheus_two_interfaces_share_families),
		cmocka_unit_test(test_metric_names_are_stable),
		cmocka_unit_test(test_prometheus_follows_the_exposition_format),
		cmocka_unit_test(test_every_counter_has_a_unique_metric_name),
		cmocka_unit_test(test_json_byte_for_byte),
		cmocka_unit_test(test_json_no_interfaces_is_an_empty_list),
		cmocka_unit_test(test_text_byte_for_byte),
		cmocka_unit_test(test_fwd_path_words),
		cmocka_unit_test(test_build_info_names_version_and_abi),
		cmocka_unit_test(test_counter_words_are_the_enum_names),
		cmocka_unit_test(test_kernel_path_is_the_fwd_kernel_counters),
		cmocka_unit_test(test_status_text_byte_for_byte),
		cmocka_unit_test(test_status_text_warnings_and_file_diff),
		cmocka_unit_test(test_status_text_stale_pins_and_errors),
		cmocka_unit_test(test_forward_path_from_the_nexthop),
		cmocka_unit_test(test_json_parses_back),
		cmocka_unit_test(test_status_text_ipv6_byte_for_byte),
		cmocka_unit_test(test_status_text_ipv6_warnings),
		cmocka_unit_test(test_bans_in_every_printer),
		cmocka_unit_test(test_limits_in_every_printer),
		cmocka_unit_test(test_ipv6_shown_only_with_ipv6),
		cmocka_unit_test(test_stats_text_ipv6_byte_for_byte),
		cmocka_unit_test(test_prometheus_ipv6_series),
		cmocka_unit_test(test_json_ipv6_parses_back),
		cmocka_unit_test(test_counters_of_no_family),
		cmocka_unit_test(test_synflood_status_line),
		cmocka_unit_test(test_blocklists_in_every_printer),
		cmocka_unit_test(test_synflood_in_json_and_prometheus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
