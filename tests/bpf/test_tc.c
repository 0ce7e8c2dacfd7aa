// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxgw_wan_out through bpf_prog_test_run_opts: the mail server's replies
 * leave with the public address, checksums right; nothing else changes.
 */
#include <string.h>
#include "testbed.h"

#define TC_ACT_OK	0

struct fixture {
	const char *name;
	struct tb_frame_spec in;
	bool rewritten;		/* source becomes the public address */
};

#define FROM_MAIL(...) { .saddr = TB_MAILSERVER, .daddr = TB_CLIENT, __VA_ARGS__ }

static const struct fixture fixtures[] = {
	{ "smtp reply", FROM_MAIL(.sport = 25, .dport = 40000), true },
	{ "imaps reply, large", FROM_MAIL(.sport = 993, .dport = 51000, .payload = 1400), true },
	{ "reply from a service denied incoming (connection opened before)",
	  FROM_MAIL(.sport = 143, .dport = 40000), true },
	{ "dns reply over udp", FROM_MAIL(.proto = 17, .sport = 53, .dport = 5353), true },
	{ "udp reply without checksum", FROM_MAIL(.proto = 17, .sport = 53, .dport = 5353,
						  .udp_csum_zero = true), true },
	{ "vlan-tagged reply", FROM_MAIL(.vlans = 1, .sport = 25, .dport = 40000), true },
	{ "mail server from an unlisted port (outgoing: not this program's job yet)",
	  FROM_MAIL(.sport = 40000, .dport = 25), false },
	{ "another LAN host", { .saddr = "192.168.1.11", .daddr = TB_CLIENT, .sport = 25,
				.dport = 40000 }, false },
	{ "the gateway's own traffic", { .saddr = TB_PUBLIC, .daddr = TB_CLIENT,
					 .sport = 22, .dport = 40000 }, false },
	{ "fragment of a reply", FROM_MAIL(.sport = 25, .dport = 40000,
					   .frag_off = 0x2000), false },
	{ "icmp from the mail server", FROM_MAIL(.proto = 1), false },
	{ "arp", { .ethertype = 0x0806 }, false },
};

static void test_replies_leave_with_the_public_address(void **state)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME], want[TB_MAX_FRAME];
	struct tb tb = { 0 };
	(void)state;

	tb_load(&tb, tb_shipped_conf());
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct tb_frame_spec exp = f->in;
		size_t len, out_len, want_len;
		__u64 before = tb_counter(&tb, MXGW_SNAT_REPLY);

		if (f->rewritten)
			exp.saddr = TB_PUBLIC;
		len = tb_frame(&f->in, in);
		want_len = tb_frame(&exp, want);
		if (tb_run_tc(&tb, in, len, out, &out_len) != TC_ACT_OK)
			fail_msg("%s: not TC_ACT_OK", f->name);
		if (out_len != want_len || memcmp(out, want, want_len)) {
			tb_hexdiff(out, out_len, want, want_len);
			fail_msg("%s: frame out differs", f->name);
		}
		if (tb_counter(&tb, MXGW_SNAT_REPLY) != before + f->rewritten)
			fail_msg("%s: snat_reply counter", f->name);
	}
	tb_destroy(&tb);
}

/* Under "default allow" any port may have been reached from outside. */
static void test_default_allow_rewrites_unlisted_ports(void **state)
{
	static const char conf[] = "public " TB_PUBLIC "\nmailserver " TB_MAILSERVER
				   "\ndefault allow\n";
	struct tb_frame_spec spec = FROM_MAIL(.sport = 8080, .dport = 40000);
	struct tb_frame_spec exp = spec;
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME], want[TB_MAX_FRAME];
	size_t len, out_len;
	struct tb tb = { 0 };
	(void)state;

	tb_load(&tb, conf);
	exp.saddr = TB_PUBLIC;
	len = tb_frame(&spec, in);
	tb_frame(&exp, want);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	assert_memory_equal(out, want, len);
	assert_int_equal(tb_ip_csum(out + 14), 0);
	assert_int_equal(tb_l4_csum(out + 14), 0);
	tb_destroy(&tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replies_leave_with_the_public_address),
		cmocka_unit_test(test_default_allow_rewrites_unlisted_ports),
	};

	return cmocka_run_group_tests_name("tc mxgw_wan_out", tests, NULL, NULL);
}
