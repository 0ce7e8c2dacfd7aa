// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxgw_wan_out through bpf_prog_test_run_opts: the mail server's replies
 * leave with the public address, LAN flows are masqueraded or refused,
 * the gateway's own pass untouched; checksums right in every frame out.
 * (Conntrack and ICMP translation: test_conntrack.)
 */
#include <string.h>
#include "testbed.h"

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2

struct fixture {
	const char *name;
	struct tb_frame_spec in;
	int verdict;		/* TC_ACT_OK or TC_ACT_SHOT */
	bool rewritten;		/* source becomes the public address */
	int counter;		/* enum mxgw_counter that counts it, or -1 */
};

#define FROM_MAIL(...) { .saddr = TB_MAILSERVER, .daddr = TB_CLIENT, __VA_ARGS__ }

static const struct fixture fixtures[] = {
	{ "smtp reply", FROM_MAIL(.sport = 25, .dport = 40000), TC_ACT_OK, true,
	  MXGW_SNAT_REPLY },
	{ "imaps reply, large", FROM_MAIL(.sport = 993, .dport = 51000, .payload = 1400),
	  TC_ACT_OK, true, MXGW_SNAT_REPLY },
	{ "from a port denied incoming: no reply, its own flow (here refused)",
	  FROM_MAIL(.sport = 143, .dport = 40000), TC_ACT_SHOT, false,
	  MXGW_DROP_OUT_DEFAULT_DENY },
	{ "vlan-tagged reply", FROM_MAIL(.vlans = 1, .sport = 25, .dport = 40000),
	  TC_ACT_OK, true, MXGW_SNAT_REPLY },
	{ "mail server delivering to a remote MX: masqueraded, its port kept",
	  FROM_MAIL(.sport = 40000, .dport = 25), TC_ACT_OK, true, MXGW_SNAT_MASQ },
	{ "another LAN host to a port outside the table: refused",
	  { .saddr = "192.168.1.11", .daddr = TB_CLIENT, .sport = 25, .dport = 40000 },
	  TC_ACT_SHOT, false, MXGW_DROP_OUT_DEFAULT_DENY },
	{ "the gateway's own traffic: untouched", { .saddr = TB_PUBLIC, .daddr = TB_CLIENT,
						    .sport = 22, .dport = 40000 },
	  TC_ACT_OK, false, MXGW_CT_NEW },
	{ "fragment from the LAN: no ports to map", FROM_MAIL(.sport = 25, .dport = 40000,
							      .frag_off = 0x2000),
	  TC_ACT_SHOT, false, MXGW_DROP_OUT_FRAGMENT },
	{ "echo reply from the LAN: nobody pinged it", FROM_MAIL(.proto = 1),
	  TC_ACT_SHOT, false, MXGW_DROP_OUT_PROTO },
	{ "arp", { .ethertype = 0x0806 }, TC_ACT_OK, false, -1 },
	/* issue 10, item 1: a new TCP flow from the LAN starts with its SYN;
	 * the mail server's SYN-ACK to a SYN the WAN sent it directly (to
	 * 192.168.1.10:143) is no new outgoing flow */
	{ "SYN-ACK from the mail server's imap, no flow",
	  FROM_MAIL(.sport = 143, .dport = 443, .tcp_flags = 0x12),
	  TC_ACT_SHOT, false, MXGW_DROP_OUT_NO_FLOW },
	{ "ACK from a LAN host, no flow",
	  { .saddr = "192.168.1.20", .daddr = TB_CLIENT, .sport = 40000, .dport = 25,
	    .tcp_flags = 0x10 }, TC_ACT_SHOT, false, MXGW_DROP_OUT_NO_FLOW },
	{ "RST from a LAN host, no flow",
	  { .saddr = "192.168.1.20", .daddr = TB_CLIENT, .sport = 40000, .dport = 25,
	    .tcp_flags = 0x04 }, TC_ACT_SHOT, false, MXGW_DROP_OUT_NO_FLOW },
	{ "RST+ACK from a LAN host, no flow",
	  { .saddr = "192.168.1.20", .daddr = TB_CLIENT, .sport = 40000, .dport = 25,
	    .tcp_flags = 0x14 }, TC_ACT_SHOT, false, MXGW_DROP_OUT_NO_FLOW },
	{ "FIN+ACK from a LAN host, no flow",
	  { .saddr = "192.168.1.20", .daddr = TB_CLIENT, .sport = 40000, .dport = 25,
	    .tcp_flags = 0x11 }, TC_ACT_SHOT, false, MXGW_DROP_OUT_NO_FLOW },
	{ "SYN+FIN from a LAN host, no flow",
	  { .saddr = "192.168.1.20", .daddr = TB_CLIENT, .sport = 40000, .dport = 25,
	    .tcp_flags = 0x03 }, TC_ACT_SHOT, false, MXGW_DROP_OUT_NO_FLOW },
	{ "the mail server's stateless smtp reply is no new flow: unaffected",
	  FROM_MAIL(.sport = 25, .dport = 40001, .tcp_flags = 0x10),
	  TC_ACT_OK, true, MXGW_SNAT_REPLY },
	{ "a SYN with ECN setup opens a flow",
	  { .saddr = "192.168.1.20", .daddr = TB_CLIENT, .sport = 40002, .dport = 25,
	    .tcp_flags = 0xc2 }, TC_ACT_OK, true, MXGW_SNAT_MASQ },
	/* issue 10, items 2 and 6: what mxgw cannot read does not leave */
	{ "three vlan tags from the LAN", FROM_MAIL(.vlans = 3, .sport = 25, .dport = 40000),
	  TC_ACT_SHOT, false, MXGW_DROP_OUT_VLAN_DEPTH },
	{ "three vlan tags from the gateway", { .vlans = 3, .saddr = TB_PUBLIC,
						.daddr = TB_CLIENT, .sport = 22 },
	  TC_ACT_SHOT, false, MXGW_DROP_OUT_VLAN_DEPTH },
	{ "frame cut inside a vlan tag", FROM_MAIL(.vlans = 1, .truncate = 16),
	  TC_ACT_SHOT, false, MXGW_DROP_OUT_MALFORMED },
	{ "truncated ipv4 header from the LAN (in a vlan tag)",
	  FROM_MAIL(.vlans = 1, .sport = 25, .dport = 40000, .truncate = 14 + 4 + 19),
	  TC_ACT_SHOT, false, MXGW_DROP_OUT_MALFORMED },
	{ "ipv4 type, no ipv4 header at all (in a vlan tag)",
	  FROM_MAIL(.vlans = 1, .truncate = 14 + 4), TC_ACT_SHOT, false,
	  MXGW_DROP_OUT_MALFORMED },
	/* IPv6 is filtered (test_tc6; its counters have IPv6's key): bytes
	 * that are no IPv6 header behind its EtherType do not leave */
	{ "ipv6 in a vlan tag is no longer passed untouched",
	  { .vlans = 1, .ethertype = 0x86dd }, TC_ACT_SHOT, false, -1 },
};

static void test_egress_fixtures(void **state)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME], want[TB_MAX_FRAME];
	struct tb tb = { 0 };
	(void)state;

	tb_reset(&tb, tb_shipped_conf());
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct tb_frame_spec exp = f->in;
		size_t len, out_len, want_len;
		__u64 before = f->counter >= 0 ? tb_counter(&tb, f->counter) : 0;
		int verdict;

		if (f->rewritten)
			exp.saddr = TB_PUBLIC;
		len = tb_frame(&f->in, in);
		want_len = f->verdict == TC_ACT_OK ? tb_frame(&exp, want) : len;
		if (f->verdict != TC_ACT_OK)
			memcpy(want, in, len);
		verdict = tb_run_tc(&tb, in, len, out, &out_len);
		if (verdict != f->verdict)
			fail_msg("%s: verdict %d, want %d", f->name, verdict, f->verdict);
		if (out_len != want_len || memcmp(out, want, want_len)) {
			tb_hexdiff(out, out_len, want, want_len);
			fail_msg("%s: frame out differs", f->name);
		}
		if (f->counter >= 0 && tb_counter(&tb, f->counter) != before + 1)
			fail_msg("%s: counter %s did not count it", f->name,
				 mxgw_counter_name(f->counter));
	}
}

/* Under "default allow" any port may have been reached from outside; a
 * connection the mail server opens itself still meets the outgoing column. */
static void test_default_allow_rewrites_unlisted_ports(void **state)
{
	static const char conf[] = "public " TB_PUBLIC "\nmailserver " TB_MAILSERVER
				   "\ndefault allow\nservice http 80 deny deny\n";
	struct tb_frame_spec syn_out = FROM_MAIL(.sport = 40000, .dport = 80);
	struct tb_frame_spec spec = FROM_MAIL(.sport = 8080, .dport = 40000,
					      .tcp_flags = 0x12);
	struct tb_frame_spec exp = spec;
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME], want[TB_MAX_FRAME];
	size_t len, out_len;
	struct tb tb = { 0 };
	(void)state;

	tb_reset(&tb, conf);
	exp.saddr = TB_PUBLIC;
	len = tb_frame(&spec, in);
	tb_frame(&exp, want);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	assert_memory_equal(out, want, len);
	assert_int_equal(tb_ip_csum(out + 14), 0);
	assert_int_equal(tb_l4_csum(out + 14), 0);

	len = tb_frame(&syn_out, in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_SHOT);
	assert_int_equal(tb_counter(&tb, MXGW_DROP_OUT_SERVICE_DENY), 1);
}

/* Replies of a UDP service that lets incoming in, checksum or none. */
static void test_udp_replies_leave_with_the_public_address(void **state)
{
	static const char conf[] = "public " TB_PUBLIC "\nmailserver " TB_MAILSERVER
				   "\nservice dns 53/udp allow allow\n";
	static const struct tb_frame_spec specs[] = {
		FROM_MAIL(.proto = 17, .sport = 53, .dport = 5353),
		FROM_MAIL(.proto = 17, .sport = 53, .dport = 5353, .udp_csum_zero = true),
	};
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME], want[TB_MAX_FRAME];
	struct tb tb = { 0 };
	(void)state;

	tb_reset(&tb, conf);
	for (int i = 0; i < 2; i++) {
		struct tb_frame_spec exp = specs[i];
		size_t len = tb_frame(&specs[i], in), out_len;

		exp.saddr = TB_PUBLIC;
		tb_frame(&exp, want);
		assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
		assert_memory_equal(out, want, len);
	}
	assert_int_equal(tb_counter(&tb, MXGW_SNAT_REPLY), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_egress_fixtures),
		cmocka_unit_test(test_default_allow_rewrites_unlisted_ports),
		cmocka_unit_test(test_udp_replies_leave_with_the_public_address),
	};

	return cmocka_run_group_tests_name("tc mxgw_wan_out", tests, tb_group_setup,
					   tb_group_teardown);
}
