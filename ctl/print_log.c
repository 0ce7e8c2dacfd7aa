// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The printers of mxctl log's events (print_log.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "json.h"
#include "print_log.h"
#include "../maps/names.h"

int mxctl_log_family(const struct mxgw_event *ev)
{
	unsigned int len = ev->head_len < MXGW_EVENT_HEAD ? ev->head_len : MXGW_EVENT_HEAD;
	unsigned int off = 12;	/* the MACs */

	/* as the data plane's parse_eth: 802.1Q and 802.1ad, two at most */
	for (int tags = 0; off + 2 <= len; tags++) {
		__u16 type = (__u16)(ev->head[off] << 8 | ev->head[off + 1]);

		if (type == 0x0800)
			return MXGW_FAM_IPV4;
		if (type == 0x86dd)
			return MXGW_FAM_IPV6;
		if ((type != 0x8100 && type != 0x88a8) || tags == 2)
			return -1;
		off += 4;
	}
	return -1;
}

void mxctl_log_iso_time(char *buf, size_t len, __s64 real_ns)
{
	time_t sec = real_ns / 1000000000LL;
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%06lldZ",
		 (long long)(real_ns % 1000000000LL) / 1000);
}

static bool has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

/* "198.51.100.7:25", "198.51.100.7" without ports; "[2001:db8::7]:25"
 * (RFC 5952, section 6), "2001:db8::7" without ports */
static void endpoint(char *buf, size_t len, int fam, const __be32 *addr, __be16 port,
		     __u8 proto)
{
	char s[INET6_ADDRSTRLEN];

	if (fam == MXGW_FAM_IPV6) {
		inet_ntop(AF_INET6, addr, s, sizeof(s));
		if (has_ports(proto))
			snprintf(buf, len, "[%s]:%u", s, ntohs(port));
		else
			snprintf(buf, len, "%s", s);
		return;
	}
	inet_ntop(AF_INET, addr, s, sizeof(s));
	if (has_ports(proto))
		snprintf(buf, len, "%s:%u", s, ntohs(port));
	else
		snprintf(buf, len, "%s", s);
}

/* The protocol as JSON names it: the family is a field of its own. */
static const char *proto_word(__u8 p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return p ? "ip" : "-";
	}
}

/* ... and as the text's column: tcp6, udp6, icmp6, ip6 for IPv6 */
static const char *proto_column(int fam, __u8 p)
{
	if (fam != MXGW_FAM_IPV6)
		return proto_word(p);
	switch (p) {
	case IPPROTO_TCP:
		return "tcp6";
	case IPPROTO_UDP:
		return "udp6";
	case IPPROTO_ICMPV6:
		return "icmp6";
	default:
		return "ip6";
	}
}

void mxctl_log_text(FILE *out, const struct mxctl_log_ctx *ctx, const struct mxgw_event *ev)
{
	char src[64], dst[64], when[40];
	int fam = mxctl_log_family(ev);

	mxctl_log_iso_time(when, sizeof(when), ctx->real_ns);
	endpoint(src, sizeof(src), fam, ev->saddr, ev->sport, ev->proto);
	endpoint(dst, sizeof(dst), fam, ev->daddr, ev->dport, ev->proto);
	fprintf(out, "%s %s %-3s %-5s %-22s %-4s %21s -> %-21s %s%slen %u\n", when,
		ctx->ifname, ev->dir == MXGW_DIR_IN ? "in" : "out",
		ev->verdict == MXGW_EV_DROP ? "drop" : "allow",
		mxgw_counter_name(ev->reason), proto_column(fam, ev->proto), src, dst,
		ctx->service, *ctx->service ? " " : "", ev->pkt_len);
}

void mxctl_log_json(FILE *out, const struct mxctl_log_ctx *ctx, const struct mxgw_event *ev)
{
	char src[64], dst[64], when[40];
	int fam = mxctl_log_family(ev);
	struct json j;

	mxctl_log_iso_time(when, sizeof(when), ctx->real_ns);
	endpoint(src, sizeof(src), fam, ev->saddr, ev->sport, ev->proto);
	endpoint(dst, sizeof(dst), fam, ev->daddr, ev->dport, ev->proto);
	/* JSON lines: each event a document of its own, no commas */
	json_init(&j, out);
	json_object_start(&j);
	json_kv_string(&j, "time", when);
	json_kv_string(&j, "ifname", ctx->ifname);
	json_kv_string(&j, "direction", ev->dir == MXGW_DIR_IN ? "in" : "out");
	json_kv_string(&j, "verdict", ev->verdict == MXGW_EV_DROP ? "drop" : "allow");
	json_kv_string(&j, "reason", mxgw_counter_name(ev->reason));
	json_key(&j, "family");
	if (fam < 0)
		json_null(&j);
	else
		json_string(&j, fam == MXGW_FAM_IPV6 ? "ipv6" : "ipv4");
	json_kv_string(&j, "proto", proto_word(ev->proto));
	json_kv_string(&j, "src", src);
	json_kv_string(&j, "dst", dst);
	json_kv_string(&j, "service", ctx->service);
	json_kv_uint(&j, "len", ev->pkt_len);
	json_object_end(&j);
}

void mxctl_pcap_header(FILE *f)
{
	struct {
		__u32 magic;
		__u16 major, minor;
		__s32 thiszone;
		__u32 sigfigs, snaplen, linktype;
	} h = { 0xa1b2c3d4, 2, 4, 0, 0, MXGW_EVENT_HEAD, 1 /* Ethernet */ };

	fwrite(&h, sizeof(h), 1, f);
}

void mxctl_pcap_record(FILE *f, __s64 real_ns, const struct mxgw_event *ev)
{
	__u32 incl = ev->head_len < MXGW_EVENT_HEAD ? ev->head_len : MXGW_EVENT_HEAD;
	struct {
		__u32 sec, usec, incl_len, orig_len;
	} r = {
		.sec = real_ns / 1000000000LL,
		.usec = (real_ns % 1000000000LL) / 1000,
		.incl_len = incl,
		.orig_len = ev->pkt_len > incl ? ev->pkt_len : incl,
	};

	fwrite(&r, sizeof(r), 1, f);
	fwrite(ev->head, 1, incl, f);
	fflush(f);
}
