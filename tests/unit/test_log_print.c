// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_log_print.c - unit tests of mxctl log's printers (ctl/print_log.c)
 * on events built here as the data plane makes them (struct mxgw_event:
 * addresses, ports, the frame's first bytes): the text line and the JSON
 * line of IPv4 and IPv6 events byte for byte, the JSON parsed back by
 * Python's parser, and a pcap of both families read back by tshark.
 */
#define _GNU_SOURCE	/* open_memstream */
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
#include <netinet/in.h>
#include <cmocka.h>

#include "print_log.h"
#include "../maps/names.h"
#include "unit.h"

/* 2024-05-01T12:00:00.123456Z */
#define WHEN_NS		1714564800123456789LL
#define WHEN		"2024-05-01T12:00:00.123456Z"

static void put16(__u8 *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Ethernet, @vlans 802.1Q tags, then @type: the header's length. */
static unsigned int eth(__u8 *p, unsigned int type, int vlans)
{
	static const __u8 macs[12] = { 2, 0, 0, 0, 0, 0x33, 2, 0, 0, 0, 0, 1 };
	unsigned int off = 12;

	memcpy(p, macs, sizeof(macs));
	for (int i = 0; i < vlans; i++, off += 4) {
		put16(p + off, 0x8100);
		put16(p + off + 2, 100 + i);
	}
	put16(p + off, type);
	return off + 2;
}

/* A TCP SYN from @sport to @dport after an IP header: 20 bytes. */
static void tcp_syn(__u8 *p, unsigned int sport, unsigned int dport)
{
	memset(p, 0, 20);
	put16(p, sport);
	put16(p + 2, dport);
	p[12] = 5 << 4;		/* data offset */
	p[13] = 0x02;		/* SYN */
	put16(p + 14, 64240);
}

/* An event of the data plane for a TCP SYN over IPv4, its frame kept. */
static void event4(struct mxgw_event *ev, const char *src, unsigned int sport,
		   const char *dst, unsigned int dport)
{
	__u8 *ip;
	unsigned int l2;

	memset(ev, 0, sizeof(*ev));
	ev->dir = MXGW_DIR_IN;
	ev->verdict = MXGW_EV_DROP;
	ev->reason = MXGW_DROP_SERVICE_DENY;
	ev->proto = IPPROTO_TCP;
	ev->family = MXGW_FAM_IPV4;
	inet_pton(AF_INET, src, &ev->saddr[0]);
	inet_pton(AF_INET, dst, &ev->daddr[0]);
	ev->sport = htons(sport);
	ev->dport = htons(dport);
	l2 = eth(ev->head, 0x0800, 0);
	ip = ev->head + l2;
	ip[0] = 0x45;
	put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &ev->saddr[0], 4);
	memcpy(ip + 16, &ev->daddr[0], 4);
	tcp_syn(ip + 20, sport, dport);
	ev->head_len = l2 + 40;
	ev->pkt_len = l2 + 40;
}

/* The same over IPv6, after @vlans tags; @proto TCP (a SYN) or ICMPv6
 * (an echo request, no ports). */
static void event6(struct mxgw_event *ev, __u8 proto, const char *src, unsigned int sport,
		   const char *dst, unsigned int dport, int vlans)
{
	unsigned int l2, plen = proto == IPPROTO_TCP ? 20 : 8;
	__u8 *ip;

	memset(ev, 0, sizeof(*ev));
	ev->dir = MXGW_DIR_IN;
	ev->verdict = MXGW_EV_DROP;
	ev->reason = MXGW_DROP_SERVICE_DENY;
	ev->proto = proto;
	ev->family = MXGW_FAM_IPV6;
	inet_pton(AF_INET6, src, ev->saddr);
	inet_pton(AF_INET6, dst, ev->daddr);
	if (proto == IPPROTO_TCP) {
		ev->sport = htons(sport);
		ev->dport = htons(dport);
	}
	l2 = eth(ev->head, 0x86dd, vlans);
	ip = ev->head + l2;
	ip[0] = 0x60;
	put16(ip + 4, plen);
	ip[6] = proto;
	ip[7] = 64;
	memcpy(ip + 8, ev->saddr, 16);
	memcpy(ip + 24, ev->daddr, 16);
	if (proto == IPPROTO_TCP) {
		tcp_syn(ip + 40, sport, dport);
	} else {
		memset(ip + 40, 0, 8);
		ip[40] = 128;	/* echo request */
		put16(ip + 44, 7);
		put16(ip + 46, 1);
	}
	ev->head_len = l2 + 40 + plen;
	ev->pkt_len = l2 + 40 + plen;
}

/* Run a printer into a string. */
static char *print(void (*fn)(FILE *, const struct mxctl_log_ctx *, const struct mxgw_event *),
		   const struct mxctl_log_ctx *ctx, const struct mxgw_event *ev)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	fn(f, ctx, ev);
	assert_int_equal(fclose(f), 0);
	return s;
}

static const struct mxctl_log_ctx ctx_pop3 = {
	.ifname = "wan0", .service = "pop3", .real_ns = WHEN_NS,
};

static const struct mxctl_log_ctx ctx_unlisted = {
	.ifname = "wan0", .service = "", .real_ns = WHEN_NS,
};

/* IPv4's line is as it always was. */
static void test_text_ipv4(void **state)
{
	struct mxgw_event ev;
	char *got;

	(void)state;
	event4(&ev, "198.51.100.7", 40000, "203.0.113.33", 110);
	got = print(mxctl_log_text, &ctx_pop3, &ev);
	assert_string_equal(got, WHEN " wan0 in  drop  drop_service_deny      tcp "
			    "    198.51.100.7:40000 -> 203.0.113.33:110      pop3 len 54\n");
	free(got);
}

/* An IPv6 address with a port in brackets (RFC 5952, section 6), the
 * protocol tcp6; without ports (ICMPv6) the bare addresses, icmp6; a
 * VLAN-tagged frame is IPv6 all the same. */
static void test_text_ipv6(void **state)
{
	struct mxgw_event ev;
	char *got;

	(void)state;
	event6(&ev, IPPROTO_TCP, "2001:db8:51::7", 40000, "2001:db8:168::10", 110, 0);
	got = print(mxctl_log_text, &ctx_pop3, &ev);
	assert_string_equal(got, WHEN " wan0 in  drop  drop_service_deny      tcp6"
			    " [2001:db8:51::7]:40000 -> [2001:db8:168::10]:110 pop3 len 74\n");
	free(got);

	event6(&ev, IPPROTO_ICMPV6, "2001:db8:51::8", 0, "2001:db8:168::10", 0, 2);
	ev.reason = MXGW_DROP_ICMP_ECHO;
	got = print(mxctl_log_text, &ctx_unlisted, &ev);
	assert_string_equal(got, WHEN " wan0 in  drop  drop_icmp_echo         icmp6"
			    "        2001:db8:51::8 -> 2001:db8:168::10      len 70\n");
	free(got);

	/* out, allowed: a flow the LAN opened */
	event6(&ev, IPPROTO_TCP, "2001:db8:168::20", 51000, "2001:db8:51::7", 443, 0);
	ev.dir = MXGW_DIR_OUT;
	ev.verdict = MXGW_EV_ALLOW;
	ev.reason = MXGW_CT_NEW;
	got = print(mxctl_log_text, &ctx_unlisted, &ev);
	assert_string_equal(got, WHEN " wan0 out allow ct_new                 tcp6"
			    " [2001:db8:168::20]:51000 -> [2001:db8:51::7]:443  len 74\n");
	free(got);
}

/* JSON lines: the family of each event, the protocol as IPv4's events
 * name it, the endpoints as the text writes them. */
static void test_json_both_families(void **state)
{
	struct mxgw_event ev;
	char *got;

	(void)state;
	event4(&ev, "198.51.100.7", 40000, "203.0.113.33", 110);
	got = print(mxctl_log_json, &ctx_pop3, &ev);
	assert_string_equal(got,
		"{\"time\":\"" WHEN "\",\"ifname\":\"wan0\",\"direction\":\"in\",\"verdict\":\"drop\","
		"\"reason\":\"drop_service_deny\",\"family\":\"ipv4\",\"proto\":\"tcp\","
		"\"src\":\"198.51.100.7:40000\",\"dst\":\"203.0.113.33:110\",\"service\":\"pop3\",\"len\":54}\n");
	free(got);
	event6(&ev, IPPROTO_TCP, "2001:db8:51::7", 40000, "2001:db8:168::10", 110, 1);
	got = print(mxctl_log_json, &ctx_pop3, &ev);
	assert_string_equal(got,
		"{\"time\":\"" WHEN "\",\"ifname\":\"wan0\",\"direction\":\"in\",\"verdict\":\"drop\","
		"\"reason\":\"drop_service_deny\",\"family\":\"ipv6\",\"proto\":\"tcp\","
		"\"src\":\"[2001:db8:51::7]:40000\",\"dst\":\"[2001:db8:168::10]:110\",\"service\":\"pop3\",\"len\":78}\n");
	free(got);
	event6(&ev, IPPROTO_ICMPV6, "2001:db8:51::8", 0, "2001:db8:168::10", 0, 0);
	got = print(mxctl_log_json, &ctx_unlisted, &ev);
	assert_non_null(strstr(got, "\"family\":\"ipv6\",\"proto\":\"icmpv6\","
				    "\"src\":\"2001:db8:51::8\",\"dst\":\"2001:db8:168::10\",\"service\":\"\""));
	free(got);
}

/* A frame of neither family (ARP; more tags than mxgw parses; cut short)
 * has no family: JSON says null, not the ipv4 of its zeroed field. */
static void test_family_from_the_frame(void **state)
{
	struct mxgw_event ev;
	char *got;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.head_len = eth(ev.head, 0x0806, 0) + 28;
	ev.reason = MXGW_DROP_MALFORMED;
	assert_int_equal(mxctl_log_family(&ev), -1);
	got = print(mxctl_log_json, &ctx_unlisted, &ev);
	assert_non_null(strstr(got, "\"family\":null,\"proto\":\"-\",\"src\":\"0.0.0.0\""));
	free(got);
	ev.head_len = eth(ev.head, 0x86dd, 3) + 40;	/* a third tag */
	assert_int_equal(mxctl_log_family(&ev), -1);
	event6(&ev, IPPROTO_TCP, "2001:db8:51::7", 1, "2001:db8:168::10", 25, 2);
	assert_int_equal(mxctl_log_family(&ev), MXGW_FAM_IPV6);
	ev.head_len = 12 + 4 + 4 + 1;			/* cut inside the type */
	assert_int_equal(mxctl_log_family(&ev), -1);
	event4(&ev, "198.51.100.7", 1, "203.0.113.33", 25);
	assert_int_equal(mxctl_log_family(&ev), MXGW_FAM_IPV4);
}

/* Every JSON line, as Python's json module reads it. */
static void test_json_parses_back(void **state)
{
	struct mxgw_event ev[3];
	char *lines = NULL, *path, cmd[512], out[1024] = "";
	size_t len = 0;
	FILE *f = open_memstream(&lines, &len), *p;

	(void)state;
	assert_non_null(f);
	event4(&ev[0], "198.51.100.7", 40000, "203.0.113.33", 110);
	event6(&ev[1], IPPROTO_TCP, "2001:db8:51::7", 40000, "2001:db8:168::10", 110, 0);
	event6(&ev[2], IPPROTO_ICMPV6, "2001:db8:51::8", 0, "2001:db8:168::10", 0, 0);
	for (int i = 0; i < 3; i++)
		mxctl_log_json(f, &ctx_pop3, &ev[i]);
	assert_int_equal(fclose(f), 0);
	path = unit_write_temp(lines);
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys\n"
		 "for l in open(sys.argv[1]):\n"
		 "    d = json.loads(l)\n"
		 "    print(d[\"family\"], d[\"proto\"], d[\"src\"], d[\"dst\"])' %s", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_true(fread(out, 1, sizeof(out) - 1, p) > 0);
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out,
		"ipv4 tcp 198.51.100.7:40000 203.0.113.33:110\n"
		"ipv6 tcp [2001:db8:51::7]:40000 [2001:db8:168::10]:110\n"
		"ipv6 icmpv6 2001:db8:51::8 2001:db8:168::10\n");
	unlink(path);
	free(path);
	free(lines);
}

/*
 * --pcap: the frames of both families as Wireshark reads them (tshark:
 * Debian's, in make deps); without it the test is skipped, unless
 * MXGW_REQUIRE_BPF=1 (CI) makes that a failure.
 */
static void test_pcap_read_back_by_tshark(void **state)
{
	char path[] = "/tmp/mxgw-unit-pcap.XXXXXX", cmd[768], out[1024] = "";
	struct mxgw_event ev;
	FILE *f, *p;
	int fd;

	(void)state;
	if (system("command -v tshark >/dev/null 2>&1")) {
		const char *req = getenv("MXGW_REQUIRE_BPF");

		if (req && !strcmp(req, "1"))
			fail_msg("tshark is not installed");
		skip();
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	mxctl_pcap_header(f);
	event4(&ev, "198.51.100.7", 40000, "203.0.113.33", 110);
	mxctl_pcap_record(f, WHEN_NS, &ev);
	event6(&ev, IPPROTO_TCP, "2001:db8:51::7", 40001, "2001:db8:168::10", 143, 1);
	mxctl_pcap_record(f, WHEN_NS + 1000, &ev);
	event6(&ev, IPPROTO_ICMPV6, "2001:db8:51::8", 0, "2001:db8:168::10", 0, 0);
	mxctl_pcap_record(f, WHEN_NS + 2000, &ev);
	assert_int_equal(fclose(f), 0);
	/* HOME: tshark wants a profile directory it may create */
	snprintf(cmd, sizeof(cmd), "HOME=/tmp tshark -r %s -T fields -E separator=' ' "
		 "-e frame.time_epoch -e ip.src -e ipv6.src -e ipv6.dst -e tcp.dstport "
		 "-e icmpv6.type 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_true(fread(out, 1, sizeof(out) - 1, p) > 0);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	/* empty fields are printed as nothing between the separators */
	assert_string_equal(out,
		"1714564800.123456000 198.51.100.7   110 \n"
		"1714564800.123457000  2001:db8:51::7 2001:db8:168::10 143 \n"
		"1714564800.123458000  2001:db8:51::8 2001:db8:168::10  128\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_ipv4),
		cmocka_unit_test(test_text_ipv6),
		cmocka_unit_test(test_json_both_families),
		cmocka_unit_test(test_family_from_the_frame),
		cmocka_unit_test(test_json_parses_back),
		cmocka_unit_test(test_pcap_read_back_by_tshark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
