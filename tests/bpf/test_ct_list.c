// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl conntrack over both families: the library's walk of mxgw_ct6 and
 * its flush (maps/), and the listing (ctl/cmd_conntrack.c) of IPv4's and
 * IPv6's flows from real maps, text and JSON, with mxctl.c's few
 * functions stubbed here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "testbed.h"
#include "json.h"
#include "mxctl.h"

/* ---- stubs of mxctl.c ------------------------------------------------------ */

void mxctl_err(const char *fmt, ...)
{
	(void)fmt;
	fail_msg("mxctl_err called");
}

int mxctl_usage(const char *cmd, const char *fmt, ...)
{
	(void)cmd;
	(void)fmt;
	fail_msg("mxctl_usage called");
	return EXIT_USAGE;
}

const char *mxctl_strerror(int err)
{
	return strerror(-err);
}

int mxctl_targets(const struct mxctl_opts *opts, const char *arg,
		  char (*names)[IF_NAMESIZE], int max, const char *cmd)
{
	(void)opts, (void)arg, (void)names, (void)max, (void)cmd;
	fail_msg("mxctl_targets called");
	return -1;
}

void mxctl_follow_renames(const char *cmd)
{
	(void)cmd;
}

/* ---- helpers ---------------------------------------------------------------- */

#define HEAD	"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\n" \
		"mailserver6 " TB_MAILSERVER6 "\nservice https 443 allow deny\n"

static struct mxgw_in6 in6(const char *s)
{
	struct mxgw_in6 a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* A live entry in @state, replied or not, created @age_s seconds ago. */
static struct mxgw_ct_entry entry(__u8 state, bool replied, __u64 age_s)
{
	__u64 now = mxgw_now_ns();
	struct mxgw_ct_entry e = {
		.created_ns = now - age_s * 1000000000ULL,
		.seen_ns = now,
		.state = state,
		.flags = replied ? MXGW_CT_F_REPLIED : 0,
	};

	return e;
}

static void add6(struct tb *tb, const char *lan, __u16 lport, const char *rem, __u16 rport,
		 __u8 proto, const struct mxgw_ct_entry *e)
{
	struct mxgw_ct6_key k = {
		.lan_addr = in6(lan), .remote_addr = in6(rem),
		.lan_port = htons(lport), .remote_port = htons(rport), .proto = proto,
	};

	assert_int_equal(bpf_map_update_elem(tb->maps.ct6, &k, e, BPF_NOEXIST), 0);
}

static void add4(struct tb *tb, const char *lan, __u16 lport, __u16 pport, const char *rem,
		 __u16 rport, struct mxgw_ct_entry e)
{
	struct mxgw_ct_key k = {
		.remote_port = htons(rport), .public_port = htons(pport), .proto = IPPROTO_TCP,
	};

	inet_pton(AF_INET, rem, &k.remote_addr);
	inet_pton(AF_INET, lan, &e.lan_addr);
	e.lan_port = htons(lport);
	assert_int_equal(bpf_map_update_elem(tb->maps.ct, &k, &e, BPF_NOEXIST), 0);
}

static int count6(const struct mxgw_ct6_key *k, const struct mxgw_ct_entry *e, void *arg)
{
	(void)k;
	(void)e;
	++*(int *)arg;
	return 0;
}

static int stop_at_first(const struct mxgw_ct6_key *k, const struct mxgw_ct_entry *e, void *arg)
{
	(void)e;
	*(struct mxgw_ct6_key *)arg = *k;
	return -ECANCELED;
}

/* mxctl_conntrack_list's output, text or JSON, as a string to free. */
static char *listing(struct tb *tb, bool json)
{
	FILE *tmp = tmpfile();
	struct json j;
	int saved, err;
	char *buf;
	long len;

	assert_non_null(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	json_init(&j, stdout);
	err = mxctl_conntrack_list("wan0", &tb->maps, json ? &j : NULL);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	assert_int_equal(err, 0);
	len = ftell(tmp);
	buf = calloc(1, len + 1);
	assert_non_null(buf);
	rewind(tmp);
	assert_int_equal(fread(buf, 1, len, tmp), (size_t)len);
	fclose(tmp);
	return buf;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_ct6_walk_sees_every_entry_and_stops_on_request(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_ct_entry e = entry(MXGW_CT_TCP_ESTABLISHED, true, 5);
	struct mxgw_ct6_key first;
	int n = 0;
	(void)state;

	tb_reset(&tb, HEAD);
	assert_int_equal(mxgw_maps_ct6_walk(&tb.maps, count6, &n), 0);
	assert_int_equal(n, 0);
	add6(&tb, TB_MAILSERVER6, 40000, TB_CLIENT6, 443, IPPROTO_TCP, &e);
	add6(&tb, "2001:db8:168::20", 5353, TB_CLIENT6, 53, IPPROTO_UDP, &e);
	add6(&tb, "2001:db8:168::20", 7, TB_OTHER_CLIENT6, 0, IPPROTO_ICMPV6, &e);
	assert_int_equal(mxgw_maps_ct6_walk(&tb.maps, count6, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(mxgw_maps_ct6_walk(&tb.maps, stop_at_first, &first), -ECANCELED);
}

/* One flush forgets both families' flows and IPv4's mappings. */
static void test_flush_forgets_ipv6_flows_too(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_ct_entry e = entry(MXGW_CT_UDP, false, 1);
	struct mxgw_nat_key nk = { .proto = IPPROTO_TCP };
	struct mxgw_nat_entry ne = { .public_port = htons(40001) };
	__u8 key[64];
	int n = 0;
	(void)state;

	tb_reset(&tb, HEAD);
	add6(&tb, TB_MAILSERVER6, 40000, TB_CLIENT6, 53, IPPROTO_UDP, &e);
	add6(&tb, TB_MAILSERVER6, 40001, TB_CLIENT6, 53, IPPROTO_UDP, &e);
	add4(&tb, TB_MAILSERVER, 40000, 40001, TB_CLIENT, 443, e);
	assert_int_equal(bpf_map_update_elem(tb.maps.nat, &nk, &ne, BPF_ANY), 0);
	assert_int_equal(mxgw_maps_ct_flush(&tb.maps), 0);
	assert_int_equal(mxgw_maps_ct6_walk(&tb.maps, count6, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bpf_map_get_next_key(tb.maps.ct6, NULL, key), -ENOENT);
	assert_int_equal(bpf_map_get_next_key(tb.maps.ct, NULL, key), -ENOENT);
	assert_int_equal(bpf_map_get_next_key(tb.maps.nat, NULL, key), -ENOENT);
}

static void test_listing_shows_both_families(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_ct_entry est = entry(MXGW_CT_TCP_ESTABLISHED, true, 12);
	struct mxgw_ct_entry udp = entry(MXGW_CT_UDP, false, 3);
	struct mxgw_ct_entry echo = entry(MXGW_CT_ICMP, true, 0);
	struct mxgw_ct_entry dead = entry(MXGW_CT_UDP, false, 100);
	char *out;
	(void)state;

	tb_reset(&tb, HEAD);
	dead.seen_ns -= 100 * 1000000000ULL;	/* past udp's 30 s */
	add4(&tb, TB_MAILSERVER, 41000, 41000, TB_CLIENT, 443, est);
	add6(&tb, TB_MAILSERVER6, 40000, TB_CLIENT6, 443, IPPROTO_TCP, &est);
	add6(&tb, "2001:db8:168::20", 5353, TB_CLIENT6, 53, IPPROTO_UDP, &udp);
	add6(&tb, "2001:db8:168::20", 7, TB_OTHER_CLIENT6, 0, IPPROTO_ICMPV6, &echo);
	add6(&tb, "2001:db8:168::21", 5353, TB_CLIENT6, 53, IPPROTO_UDP, &dead);

	out = listing(&tb, false);
	/* IPv4's line as ever; IPv6's with its family in the protocol, routed */
	assert_non_null(strstr(out, "\ntcp   192.168.1.10:41000       203.0.113.33:41000       198.51.100.7:443         tcp-established  "));
	assert_non_null(strstr(out, "\ntcp6  [2001:db8:168::10]:40000 (routed)                 [2001:db8:51::7]:443     tcp-established  "));
	assert_non_null(strstr(out, "\nudp6  [2001:db8:168::20]:5353  (routed)                 [2001:db8:51::7]:53      udp              "));
	assert_non_null(strstr(out, " [unreplied]\n"));
	assert_non_null(strstr(out, "\nicmp6 2001:db8:168::20 id 7    (routed)                 2001:db8:51::8           icmp             "));
	/* expired: not shown */
	assert_null(strstr(out, "2001:db8:168::21"));
	assert_non_null(strstr(out, "\n4 flows (limit 65536 IPv4, 65536 IPv6)\n"));
	free(out);

	out = listing(&tb, true);
	assert_non_null(strstr(out, "{\"family\":\"ipv4\",\"proto\":\"tcp\",\"lan\":\"192.168.1.10:41000\","
				    "\"public\":\"203.0.113.33:41000\",\"remote\":\"198.51.100.7:443\","
				    "\"state\":\"tcp-established\",\"replied\":true,\"age_s\":12,"));
	assert_non_null(strstr(out, "{\"family\":\"ipv6\",\"proto\":\"tcp\",\"lan\":\"[2001:db8:168::10]:40000\","
				    "\"public\":\"[2001:db8:168::10]:40000\",\"remote\":\"[2001:db8:51::7]:443\","
				    "\"state\":\"tcp-established\",\"replied\":true,\"age_s\":12,"));
	assert_non_null(strstr(out, "{\"family\":\"ipv6\",\"proto\":\"icmpv6\",\"lan\":\"2001:db8:168::20 id 7\","
				    "\"public\":\"2001:db8:168::20 id 7\",\"remote\":\"2001:db8:51::8\","
				    "\"state\":\"icmp\",\"replied\":true,"));
	assert_non_null(strstr(out, "\"count\":4,\"max\":65536,\"max6\":65536}"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct6_walk_sees_every_entry_and_stops_on_request),
		cmocka_unit_test(test_flush_forgets_ipv6_flows_too),
		cmocka_unit_test(test_listing_shows_both_families),
	};

	return cmocka_run_group_tests_name("ct_list", tests, tb_group_setup, tb_group_teardown);
}
