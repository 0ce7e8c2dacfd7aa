// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Outgoing connections through both real programs, sharing their real
 * maps: masquerade on egress (mxgw_wan_out), replies and ICMP errors on
 * ingress (mxgw_wan_in).  Every frame out is compared byte for byte with
 * one built from scratch, checksums included.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "testbed.h"

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define REMOTE		"198.51.100.25"
#define ROUTER		"198.51.100.1"
#define SYN		0x02
#define ACK		0x10
#define FIN		0x01
#define RST		0x04

#define HEAD "public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\n"

static struct tb tb;

static void load(const char *conf)
{
	tb_reset(&tb, conf);
}

/* A frame through a program: the verdict, and the frame out must be @want. */
static void expect(bool egress, const struct tb_frame_spec *in, int verdict,
		   const struct tb_frame_spec *want, const char *what)
{
	__u8 fin[TB_MAX_FRAME], fout[TB_MAX_FRAME], fwant[TB_MAX_FRAME];
	size_t len = tb_frame(in, fin), out_len, want_len;
	int got;

	got = egress ? tb_run_tc(&tb, fin, len, fout, &out_len) :
		       tb_run_xdp(&tb, fin, len, fout, &out_len);
	if (got != verdict)
		fail_msg("%s: verdict %d, want %d", what, got, verdict);
	if (!want)
		return;
	want_len = tb_frame(want, fwant);
	if (out_len != want_len || memcmp(fout, fwant, want_len)) {
		tb_hexdiff(fout, out_len, fwant, want_len);
		fail_msg("%s: frame out differs", what);
	}
}

static bool ct_get(__u8 proto, const char *remote, __u16 rport, __u16 pport,
		   struct mxgw_ct_entry *e)
{
	struct mxgw_ct_key k = {
		.remote_port = htons(rport),
		.public_port = htons(pport),
		.proto = proto,
	};

	inet_pton(AF_INET, remote, &k.remote_addr);
	return !bpf_map_lookup_elem(tb.maps.ct, &k, e);
}

static __u8 ct_state(__u8 proto, __u16 rport, __u16 pport)
{
	struct mxgw_ct_entry e;

	if (!ct_get(proto, REMOTE, rport, pport, &e))
		fail_msg("no conntrack entry for public port %u", pport);
	return e.state;
}

/* Make an entry look idle for @s seconds longer than it has been. */
static void ct_age(__u8 proto, __u16 rport, __u16 pport, __u64 s)
{
	struct mxgw_ct_key k = {
		.remote_port = htons(rport),
		.public_port = htons(pport),
		.proto = proto,
	};
	struct mxgw_ct_entry e;

	inet_pton(AF_INET, REMOTE, &k.remote_addr);
	assert_int_equal(bpf_map_lookup_elem(tb.maps.ct, &k, &e), 0);
	e.seen_ns -= s * 1000000000ULL;
	assert_int_equal(bpf_map_update_elem(tb.maps.ct, &k, &e, BPF_EXIST), 0);
}

#define OUT(...) { .saddr = TB_MAILSERVER, .daddr = REMOTE, __VA_ARGS__ }
#define MASQ(...) { .saddr = TB_PUBLIC, .daddr = REMOTE, __VA_ARGS__ }
#define REPLY(...) { .saddr = REMOTE, .daddr = TB_PUBLIC, __VA_ARGS__ }
#define TO_LAN(...) { .saddr = REMOTE, .daddr = TB_MAILSERVER, __VA_ARGS__ }

static void test_tcp_states_through_a_whole_connection(void **state)
{
	(void)state;
	load(tb_shipped_conf());

	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25, .tcp_flags = SYN),
	       TC_ACT_OK, &(struct tb_frame_spec)MASQ(.sport = 40000, .dport = 25, .tcp_flags = SYN),
	       "SYN out, port kept");
	assert_int_equal(ct_state(6, 25, 40000), MXGW_CT_TCP_SYN_SENT);

	expect(false, &(struct tb_frame_spec)REPLY(.sport = 25, .dport = 40000, .tcp_flags = SYN | ACK),
	       XDP_PASS, &(struct tb_frame_spec)TO_LAN(.sport = 25, .dport = 40000, .tcp_flags = SYN | ACK),
	       "SYN-ACK in, back to the mail server");
	assert_int_equal(ct_state(6, 25, 40000), MXGW_CT_TCP_SYN_RECV);

	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25, .tcp_flags = ACK),
	       TC_ACT_OK, &(struct tb_frame_spec)MASQ(.sport = 40000, .dport = 25, .tcp_flags = ACK),
	       "ACK out");
	assert_int_equal(ct_state(6, 25, 40000), MXGW_CT_TCP_ESTABLISHED);

	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25, .tcp_flags = FIN | ACK),
	       TC_ACT_OK, NULL, "FIN out");
	assert_int_equal(ct_state(6, 25, 40000), MXGW_CT_TCP_FIN_WAIT);
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 25, .dport = 40000, .tcp_flags = FIN | ACK),
	       XDP_PASS, NULL, "FIN in");
	assert_int_equal(ct_state(6, 25, 40000), MXGW_CT_TCP_LAST_ACK);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25, .tcp_flags = ACK),
	       TC_ACT_OK, NULL, "last ACK out");
	assert_int_equal(ct_state(6, 25, 40000), MXGW_CT_TCP_TIME_WAIT);

	/* the same tuple opens again from TIME_WAIT */
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25, .tcp_flags = SYN),
	       TC_ACT_OK, NULL, "SYN again");
	assert_int_equal(ct_state(6, 25, 40000), MXGW_CT_TCP_SYN_SENT);
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 25, .dport = 40000, .tcp_flags = RST | ACK),
	       XDP_PASS, NULL, "RST in");
	assert_int_equal(ct_state(6, 25, 40000), MXGW_CT_TCP_CLOSE);
}

static void test_remote_fin_first_is_close_wait(void **state)
{
	(void)state;
	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40001, .dport = 443, .tcp_flags = SYN),
	       TC_ACT_OK, NULL, "SYN out");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 40001,
						    .tcp_flags = SYN | ACK),
	       XDP_PASS, NULL, "SYN-ACK in");
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40001, .dport = 443, .tcp_flags = ACK),
	       TC_ACT_OK, NULL, "ACK out");
	assert_int_equal(ct_state(6, 443, 40001), MXGW_CT_TCP_ESTABLISHED);
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 40001, .tcp_flags = FIN | ACK),
	       XDP_PASS, NULL, "FIN in");
	assert_int_equal(ct_state(6, 443, 40001), MXGW_CT_TCP_CLOSE_WAIT);
}

static void test_udp_reply_is_translated_and_streams(void **state)
{
	(void)state;
	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.proto = 17, .sport = 50000, .dport = 53),
	       TC_ACT_OK, &(struct tb_frame_spec)MASQ(.proto = 17, .sport = 50000, .dport = 53),
	       "DNS query out");
	assert_int_equal(ct_state(17, 53, 50000), MXGW_CT_UDP);
	expect(false, &(struct tb_frame_spec)REPLY(.proto = 17, .sport = 53, .dport = 50000),
	       XDP_PASS, &(struct tb_frame_spec)TO_LAN(.proto = 17, .sport = 53, .dport = 50000),
	       "DNS answer in");
	assert_int_equal(ct_state(17, 53, 50000), MXGW_CT_UDP_STREAM);
	expect(false, &(struct tb_frame_spec)REPLY(.proto = 17, .sport = 53, .dport = 50000,
						    .udp_csum_zero = true),
	       XDP_PASS, &(struct tb_frame_spec)TO_LAN(.proto = 17, .sport = 53, .dport = 50000,
						     .udp_csum_zero = true),
	       "answer without checksum keeps none");
}

static void test_reply_to_the_mail_server_takes_the_fast_path(void **state)
{
	(void)state;
	load(tb_shipped_conf());
	tb_allow_redirect(&tb, "lan0");
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 993), TC_ACT_OK, NULL,
	       "out");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 993, .dport = 40000, .tcp_flags = SYN | ACK),
	       XDP_REDIRECT,
	       &(struct tb_frame_spec)TO_LAN(.sport = 993, .dport = 40000, .tcp_flags = SYN | ACK,
					     .ttl = 63, .set_macs = true, .dmac = TB_MAIL_MAC,
					     .smac = TB_LAN_MAC),
	       "reply redirected");
}

static void test_other_lan_host_replies_go_to_the_kernel(void **state)
{
	__u64 before;
	(void)state;

	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec){ .saddr = "192.168.1.20", .daddr = REMOTE,
					      .sport = 41000, .dport = 443 },
	       TC_ACT_OK, &(struct tb_frame_spec)MASQ(.sport = 41000, .dport = 443), "out");
	before = tb_counter(&tb, MXGW_FWD_KERNEL_OTHER_HOST);
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 41000, .tcp_flags = ACK),
	       XDP_PASS, &(struct tb_frame_spec){ .saddr = REMOTE, .daddr = "192.168.1.20",
						   .sport = 443, .dport = 41000, .tcp_flags = ACK },
	       "reply to 192.168.1.20");
	assert_int_equal(tb_counter(&tb, MXGW_FWD_KERNEL_OTHER_HOST), before + 1);
}

static void test_port_collision_gets_another_port(void **state)
{
	struct mxgw_ct_entry e;
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	struct tb_frame_spec second = { .saddr = "192.168.1.20", .daddr = REMOTE,
					.sport = 40000, .dport = 25 };
	size_t len, out_len;
	__u16 port;
	(void)state;

	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25), TC_ACT_OK, NULL,
	       "first host keeps 40000");
	len = tb_frame(&second, in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	port = (out[14 + 20] << 8) | out[14 + 21];
	assert_int_not_equal(port, 40000);
	assert_true(port >= 32768 && port <= 60999);
	assert_true(ct_get(6, REMOTE, 25, port, &e));
	assert_int_equal(e.lan_port, htons(40000));
	assert_int_equal(tb_ip_csum(out + 14), 0);
	assert_int_equal(tb_l4_csum(out + 14), 0);

	/* another remote endpoint: the port is free there, so it is kept */
	expect(true, &(struct tb_frame_spec){ .saddr = "192.168.1.20", .daddr = REMOTE,
					      .sport = 40000, .dport = 465 },
	       TC_ACT_OK, &(struct tb_frame_spec)MASQ(.sport = 40000, .dport = 465),
	       "different remote port: kept");
}

/*
 * A flow that could not keep its port: its later segments leave with the
 * port it was given, never with its own port, whose entry maps another
 * LAN host (or the gateway's own flow): that would hand them to the other
 * connection.  The one keeping its port still leaves with it.
 */
static void test_remapped_flow_segments_keep_their_port(void **state)
{
	struct tb_frame_spec b = { .saddr = "192.168.1.20", .daddr = REMOTE,
				   .sport = 40000, .dport = 25 };
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len, out_len;
	__u16 port, own;
	(void)state;

	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25), TC_ACT_OK,
	       NULL, "first host keeps 40000");
	len = tb_frame(&b, in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	port = (out[14 + 20] << 8) | out[14 + 21];
	assert_int_not_equal(port, 40000);

	b.tcp_flags = ACK;
	for (int i = 0; i < 3; i++) {
		expect(true, &b, TC_ACT_OK,
		       &(struct tb_frame_spec)MASQ(.sport = port, .dport = 25, .tcp_flags = ACK),
		       "second host's segment: its own mapping");
		expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25,
							.tcp_flags = ACK),
		       TC_ACT_OK,
		       &(struct tb_frame_spec)MASQ(.sport = 40000, .dport = 25, .tcp_flags = ACK),
		       "first host's segment: its kept port");
	}

	/* the gateway's own flow holds 45000 towards REMOTE:443 */
	expect(true, &(struct tb_frame_spec)MASQ(.sport = 45000, .dport = 443), TC_ACT_OK,
	       NULL, "the gateway's own SYN");
	b = (struct tb_frame_spec)OUT(.sport = 45000, .dport = 443);
	len = tb_frame(&b, in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	own = (out[14 + 20] << 8) | out[14 + 21];
	assert_int_not_equal(own, 45000);
	b.tcp_flags = ACK;
	expect(true, &b, TC_ACT_OK,
	       &(struct tb_frame_spec)MASQ(.sport = own, .dport = 443, .tcp_flags = ACK),
	       "LAN segment beside the gateway's own flow: its own mapping");
}

static void test_full_range_refuses_and_counts(void **state)
{
	static const char conf[] = HEAD "nat-ports 40000-40003\n"
				   "service smtp 25 allow allow\nservice alt 40002 allow allow\n";
	unsigned int seen = 0;
	__u64 before;
	(void)state;

	load(conf);
	/* 4 ports, one a listed service: three hosts fit, the fourth does not */
	for (int h = 0; h < 3; h++) {
		char src[32];
		struct tb_frame_spec s = { .saddr = src, .daddr = REMOTE, .sport = 50000, .dport = 25 };
		__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
		size_t len, out_len;
		__u16 port;

		snprintf(src, sizeof(src), "192.168.1.%d", 20 + h);
		len = tb_frame(&s, in);
		assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
		port = (out[14 + 20] << 8) | out[14 + 21];
		assert_true(port >= 40000 && port <= 40003 && port != 40002);
		assert_false(seen & (1u << (port - 40000)));
		seen |= 1u << (port - 40000);
	}
	before = tb_counter(&tb, MXGW_DROP_NAT_FULL);
	expect(true, &(struct tb_frame_spec){ .saddr = "192.168.1.30", .daddr = REMOTE,
					      .sport = 50000, .dport = 25 },
	       TC_ACT_SHOT, NULL, "range full");
	assert_int_equal(tb_counter(&tb, MXGW_DROP_NAT_FULL), before + 1);
}

/*
 * Kept LAN ports fill the range in long runs: a second host whose ports
 * collide with them all must still find free ones, not "NAT full".
 */
static void test_long_runs_of_kept_ports_leave_room(void **state)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len, out_len;
	(void)state;

	load(tb_shipped_conf());
	for (int i = 0; i < 2000; i++) {
		struct tb_frame_spec s = OUT(.sport = 40000 + i, .dport = 25);

		len = tb_frame(&s, in);
		assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	}
	for (int i = 0; i < 500; i++) {
		struct tb_frame_spec s = { .saddr = "192.168.1.20", .daddr = REMOTE,
					   .sport = 40000 + i, .dport = 25 };

		len = tb_frame(&s, in);
		if (tb_run_tc(&tb, in, len, out, &out_len) != TC_ACT_OK)
			fail_msg("flow %d of the second host refused", i);
	}
	assert_int_equal(tb_counter(&tb, MXGW_DROP_NAT_FULL), 0);
	assert_int_equal(tb_counter(&tb, MXGW_CT_NEW), 2500);
}

static void test_unsolicited_packet_to_a_nat_port_is_dropped(void **state)
{
	(void)state;
	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25), TC_ACT_OK, NULL, "out");
	expect(false, &(struct tb_frame_spec){ .saddr = "198.51.100.99", .daddr = TB_PUBLIC,
					       .sport = 25, .dport = 40000 },
	       XDP_DROP, NULL, "same port, another remote");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 26, .dport = 40000),
	       XDP_DROP, NULL, "same remote, another port");
	expect(false, &(struct tb_frame_spec)REPLY(.proto = 17, .sport = 25, .dport = 40000),
	       XDP_DROP, NULL, "same ports, udp");
}

static void test_expired_entries_match_nothing(void **state)
{
	static const char conf[] = HEAD "service dns 53/tcp,udp allow deny\ntimeout udp 5\n";
	__u64 before;
	(void)state;

	load(conf);
	expect(true, &(struct tb_frame_spec)OUT(.proto = 17, .sport = 50000, .dport = 53),
	       TC_ACT_OK, NULL, "query");
	ct_age(17, 53, 50000, 4);
	expect(false, &(struct tb_frame_spec)REPLY(.proto = 17, .sport = 53, .dport = 50000),
	       XDP_PASS, NULL, "answer within the timeout");
	assert_int_equal(ct_state(17, 53, 50000), MXGW_CT_UDP_STREAM);
	/* udp-stream has its own (default 120 s) timeout */
	ct_age(17, 53, 50000, 121);
	before = tb_counter(&tb, MXGW_CT_EXPIRED);
	expect(false, &(struct tb_frame_spec)REPLY(.proto = 17, .sport = 53, .dport = 50000),
	       XDP_DROP, NULL, "answer after the timeout");
	assert_true(tb_counter(&tb, MXGW_CT_EXPIRED) > before);
	/* the next query maps afresh */
	before = tb_counter(&tb, MXGW_CT_NEW);
	expect(true, &(struct tb_frame_spec)OUT(.proto = 17, .sport = 50000, .dport = 53),
	       TC_ACT_OK, NULL, "query again");
	assert_int_equal(tb_counter(&tb, MXGW_CT_NEW), before + 1);
	assert_int_equal(ct_state(17, 53, 50000), MXGW_CT_UDP);
}

static void test_outgoing_policy_applies_to_new_flows(void **state)
{
	(void)state;
	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25), TC_ACT_OK, NULL,
	       "smtp out allowed");
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "smtp", MXGW_DIR_OUT, MXGW_DENY), 0);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40001, .dport = 25), TC_ACT_SHOT, NULL,
	       "new smtp out denied at once");
	assert_int_equal(tb_svc_count(&tb, "smtp", MXGW_DIR_OUT, MXGW_DENY).packets, 1);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25, .tcp_flags = ACK),
	       TC_ACT_OK, NULL, "the established one continues");
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40002, .dport = 8080), TC_ACT_SHOT, NULL,
	       "unlisted port, default deny");
	assert_int_equal(tb_svc_count(&tb, NULL, MXGW_DIR_OUT, MXGW_DENY).packets, 1);
}

/* A SYN reusing a closed connection's tuple meets the policy again. */
static void test_reopened_tuple_meets_the_policy_again(void **state)
{
	(void)state;
	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40100, .dport = 25, .tcp_flags = SYN),
	       TC_ACT_OK, NULL, "SYN out");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 25, .dport = 40100, .tcp_flags = RST | ACK),
	       XDP_PASS, NULL, "RST in");
	assert_int_equal(ct_state(6, 25, 40100), MXGW_CT_TCP_CLOSE);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "smtp", MXGW_DIR_OUT, MXGW_DENY), 0);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40100, .dport = 25, .tcp_flags = SYN),
	       TC_ACT_SHOT, NULL, "the same tuple again, smtp out deny");
	assert_int_equal(ct_state(6, 25, 40100), MXGW_CT_TCP_CLOSE);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "smtp", MXGW_DIR_OUT, MXGW_ALLOW), 0);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40100, .dport = 25, .tcp_flags = SYN),
	       TC_ACT_OK, NULL, "and allowed again");
	assert_int_equal(ct_state(6, 25, 40100), MXGW_CT_TCP_SYN_SENT);
}

/*
 * A resolver querying from port 53, a port the table denies incoming: no
 * reply to anything, its own flow, masqueraded (53 lies outside nat-ports,
 * so it gets another port) and answered back on port 53.
 */
static void test_query_from_a_service_port_is_masqueraded(void **state)
{
	struct tb_frame_spec q = OUT(.proto = 17, .sport = 53, .dport = 53);
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len = 0, out_len;
	__u16 port;
	(void)state;

	load(tb_shipped_conf());
	len = tb_frame(&q, in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	port = (out[14 + 20] << 8) | out[14 + 21];
	assert_true(port >= 32768 && port <= 60999);
	assert_int_equal(tb_counter(&tb, MXGW_SNAT_MASQ), 1);
	expect(false, &(struct tb_frame_spec)REPLY(.proto = 17, .sport = 53, .dport = port),
	       XDP_PASS, &(struct tb_frame_spec)TO_LAN(.proto = 17, .sport = 53, .dport = 53),
	       "the answer, back on port 53");
}

static void test_gateway_own_flow_replies_reach_the_gateway(void **state)
{
	struct mxgw_ct_entry e;
	__u64 before;
	(void)state;

	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)MASQ(.sport = 45000, .dport = 8080), TC_ACT_OK,
	       &(struct tb_frame_spec)MASQ(.sport = 45000, .dport = 8080), "own SYN: untouched");
	assert_true(ct_get(6, REMOTE, 8080, 45000, &e));
	assert_true(e.flags & MXGW_CT_F_LOCAL);
	before = tb_counter(&tb, MXGW_PASS_LOCAL);
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 8080, .dport = 45000, .tcp_flags = SYN | ACK),
	       XDP_PASS, &(struct tb_frame_spec)REPLY(.sport = 8080, .dport = 45000,
						    .tcp_flags = SYN | ACK),
	       "reply to the gateway: untouched");
	assert_int_equal(tb_counter(&tb, MXGW_PASS_LOCAL), before + 1);
}

static void test_echo_out_and_back(void **state)
{
	(void)state;
	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.proto = 1, .icmp_type = 8, .icmp_id = 4242),
	       TC_ACT_OK, &(struct tb_frame_spec)MASQ(.proto = 1, .icmp_type = 8, .icmp_id = 4242),
	       "ping out");
	expect(false, &(struct tb_frame_spec)REPLY(.proto = 1, .icmp_type = 0, .icmp_id = 4242),
	       XDP_PASS, &(struct tb_frame_spec)TO_LAN(.proto = 1, .icmp_type = 0, .icmp_id = 4242),
	       "echo reply back");
	/* a second LAN host with the same identifier gets another one */
	expect(true, &(struct tb_frame_spec){ .saddr = "192.168.1.20", .daddr = REMOTE, .proto = 1,
					      .icmp_type = 8, .icmp_id = 4242 },
	       TC_ACT_OK, NULL, "same id, other host");
}

static void test_icmp_echo_config(void **state)
{
	(void)state;
	load(HEAD "icmp-echo deny\n");
	expect(false, &(struct tb_frame_spec){ .proto = 1, .icmp_type = 8, .icmp_id = 1 },
	       XDP_DROP, NULL, "echo request, icmp-echo deny");
	assert_int_equal(tb_counter(&tb, MXGW_DROP_ICMP_ECHO), 1);
}

/* A router on the way sends "fragmentation needed" for our flow. */
static void test_frag_needed_is_translated_to_the_lan_host(void **state)
{
	struct tb_frame_spec sent = MASQ(.sport = 40000, .dport = 443, .tcp_flags = ACK,
					 .payload = 1400);
	struct tb_frame_spec orig = OUT(.sport = 40000, .dport = 443, .tcp_flags = ACK,
					.payload = 1400);
	struct tb_frame_spec err = { .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
				     .icmp_type = 3, .icmp_code = 4, .inner = &sent };
	struct tb_frame_spec xlated = { .saddr = ROUTER, .daddr = TB_MAILSERVER, .proto = 1,
					.icmp_type = 3, .icmp_code = 4, .inner = &orig };
	(void)state;

	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 443), TC_ACT_OK, NULL,
	       "SYN out");
	expect(true, &orig, TC_ACT_OK, &sent, "the big segment out");
	expect(false, &err, XDP_PASS, &xlated, "frag-needed, translated");
	assert_int_equal(tb_counter(&tb, MXGW_ICMP_XLATE_IN), 1);
}

static void test_icmp_error_about_udp_and_echo_flows(void **state)
{
	struct tb_frame_spec u_sent = MASQ(.proto = 17, .sport = 50000, .dport = 53);
	struct tb_frame_spec u_orig = OUT(.proto = 17, .sport = 50000, .dport = 53);
	struct tb_frame_spec e_sent = MASQ(.proto = 1, .icmp_type = 8, .icmp_id = 9);
	struct tb_frame_spec e_orig = OUT(.proto = 1, .icmp_type = 8, .icmp_id = 9);
	(void)state;

	load(tb_shipped_conf());
	expect(true, &u_orig, TC_ACT_OK, &u_sent, "udp out");
	expect(false, &(struct tb_frame_spec){ .saddr = REMOTE, .daddr = TB_PUBLIC, .proto = 1,
					       .icmp_type = 3, .icmp_code = 3, .inner = &u_sent },
	       XDP_PASS, &(struct tb_frame_spec){ .saddr = REMOTE, .daddr = TB_MAILSERVER,
						   .proto = 1, .icmp_type = 3, .icmp_code = 3,
						   .inner = &u_orig },
	       "port unreachable about udp (inner udp checksum updated)");
	expect(true, &e_orig, TC_ACT_OK, &e_sent, "ping out");
	expect(false, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
					       .icmp_type = 11, .inner = &e_sent },
	       XDP_PASS, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_MAILSERVER,
						   .proto = 1, .icmp_type = 11, .inner = &e_orig },
	       "time exceeded about a ping");
	expect(false, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
					       .icmp_type = 3, .icmp_code = 4,
					       .inner = &(struct tb_frame_spec)MASQ(.sport = 1234,
										    .dport = 80) },
	       XDP_DROP, NULL, "error about no flow");
}

/* An error about the mail server's reply to an incoming connection. */
static void test_icmp_error_about_an_incoming_connection(void **state)
{
	struct tb_frame_spec sent = { .saddr = TB_PUBLIC, .daddr = TB_CLIENT, .sport = 25,
				      .dport = 40000, .tcp_flags = ACK };
	struct tb_frame_spec orig = { .saddr = TB_MAILSERVER, .daddr = TB_CLIENT, .sport = 25,
				      .dport = 40000, .tcp_flags = ACK };
	(void)state;

	load(tb_shipped_conf());
	expect(false, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
					       .icmp_type = 3, .icmp_code = 4, .inner = &sent },
	       XDP_PASS, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_MAILSERVER,
						   .proto = 1, .icmp_type = 3, .icmp_code = 4,
						   .inner = &orig },
	       "frag-needed about an smtp reply");
}

/* The gateway's own "fragmentation needed" for a packet too big for the
 * LAN quotes it as translated: it must leave quoting what the remote sent. */
static void test_gateway_icmp_error_leaves_translated(void **state)
{
	struct tb_frame_spec arrived = REPLY(.sport = 443, .dport = 40000, .tcp_flags = ACK);
	struct tb_frame_spec inside = TO_LAN(.sport = 443, .dport = 40000, .tcp_flags = ACK);
	struct tb_frame_spec d_in = { .saddr = TB_CLIENT, .daddr = TB_PUBLIC, .sport = 40000,
				      .dport = 25, .tcp_flags = ACK };
	struct tb_frame_spec d_inside = { .saddr = TB_CLIENT, .daddr = TB_MAILSERVER,
					  .sport = 40000, .dport = 25, .tcp_flags = ACK };
	(void)state;

	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 443), TC_ACT_OK, NULL, "out");
	expect(true, &(struct tb_frame_spec){ .saddr = TB_PUBLIC, .daddr = REMOTE, .proto = 1,
					      .icmp_type = 3, .icmp_code = 4, .inner = &inside },
	       TC_ACT_OK, &(struct tb_frame_spec){ .saddr = TB_PUBLIC, .daddr = REMOTE, .proto = 1,
						   .icmp_type = 3, .icmp_code = 4,
						   .inner = &arrived },
	       "gateway frag-needed about a masqueraded flow");
	/* and from the mail server itself, about an incoming connection */
	expect(true, &(struct tb_frame_spec){ .saddr = TB_MAILSERVER, .daddr = TB_CLIENT,
					      .proto = 1, .icmp_type = 3, .icmp_code = 3,
					      .inner = &d_inside },
	       TC_ACT_OK, &(struct tb_frame_spec){ .saddr = TB_PUBLIC, .daddr = TB_CLIENT,
						   .proto = 1, .icmp_type = 3, .icmp_code = 3,
						   .inner = &d_in },
	       "mail server's port unreachable");
	assert_int_equal(tb_counter(&tb, MXGW_ICMP_XLATE_OUT), 2);
	/* a LAN host's error about nothing we translated must not leak */
	expect(true, &(struct tb_frame_spec){ .saddr = "192.168.1.20", .daddr = TB_CLIENT,
					      .proto = 1, .icmp_type = 3, .icmp_code = 3,
					      .inner = &(struct tb_frame_spec){
						      .saddr = TB_CLIENT, .daddr = "192.168.1.20",
						      .sport = 1, .dport = 2 } },
	       TC_ACT_SHOT, NULL, "unknown flow from the LAN");
}

/* A live mapping whose entry the LRU took: counted, and mapped afresh. */
static void test_evicted_entry_is_counted_and_remapped(void **state)
{
	struct mxgw_ct_key k = { .remote_port = htons(25), .public_port = htons(40000),
				 .proto = 6 };
	(void)state;

	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25), TC_ACT_OK, NULL, "out");
	inet_pton(AF_INET, REMOTE, &k.remote_addr);
	assert_int_equal(bpf_map_delete_elem(tb.maps.ct, &k), 0);
	/* the flow is gone: its next segment is no SYN, so it opens nothing
	 * (netfilter without tcp_loose); a SYN maps afresh */
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25, .tcp_flags = ACK),
	       TC_ACT_SHOT, NULL, "next segment");
	assert_int_equal(tb_counter(&tb, MXGW_CT_EVICTED), 1);
	assert_int_equal(tb_counter(&tb, MXGW_DROP_OUT_NO_FLOW), 1);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25, .tcp_flags = SYN),
	       TC_ACT_OK, &(struct tb_frame_spec)MASQ(.sport = 40000, .dport = 25, .tcp_flags = SYN),
	       "a new SYN");
	assert_int_equal(tb_counter(&tb, MXGW_CT_EVICTED), 2);
	assert_int_equal(ct_state(6, 25, 40000), MXGW_CT_TCP_SYN_SENT);
}

/*
 * mxgw_nat's LRU took a mapping whose mxgw_ct entry lives (the two tables
 * evict apart): the flow goes on at its kept port both ways, as its
 * replies are translated by that entry.  Before one-lookup nat_find its
 * next segment was dropped (drop_out_no_flow) while its replies came in.
 */
static void test_flow_outlives_its_nat_mapping(void **state)
{
	struct mxgw_nat_key nk = { .lan_port = htons(40000), .remote_port = htons(25),
				   .proto = 6 };
	(void)state;

	load(tb_shipped_conf());
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25), TC_ACT_OK, NULL, "out");
	inet_pton(AF_INET, TB_MAILSERVER, &nk.lan_addr);
	inet_pton(AF_INET, REMOTE, &nk.remote_addr);
	assert_int_equal(bpf_map_delete_elem(tb.maps.nat, &nk), 0);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40000, .dport = 25, .tcp_flags = ACK),
	       TC_ACT_OK, &(struct tb_frame_spec)MASQ(.sport = 40000, .dport = 25, .tcp_flags = ACK),
	       "next segment: its kept port");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 25, .dport = 40000, .tcp_flags = ACK),
	       XDP_PASS, &(struct tb_frame_spec)TO_LAN(.sport = 25, .dport = 40000, .tcp_flags = ACK),
	       "its reply");
	assert_int_equal(tb_counter(&tb, MXGW_DROP_OUT_NO_FLOW), 0);
	assert_int_equal(tb_counter(&tb, MXGW_CT_NEW), 1);
}

/* More flows than conntrack-max: LRU eviction, every packet still mapped. */
static void test_full_table_evicts_and_keeps_working(void **state)
{
	static const char conf[] = HEAD "conntrack-max 1024\nservice https 443 allow allow\n";
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	struct mxgw_ct_key key, next;
	unsigned int n = 0;
	void *prev = NULL;
	(void)state;

	load(conf);
	for (int i = 0; i < 3000; i++) {
		struct tb_frame_spec s = OUT(.sport = 33000 + i, .dport = 443);
		size_t len = tb_frame(&s, in), out_len;

		if (tb_run_tc(&tb, in, len, out, &out_len) != TC_ACT_OK)
			fail_msg("flow %d refused", i);
	}
	while (!bpf_map_get_next_key(tb.maps.ct, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	assert_true(n <= 1024);
	assert_int_equal(tb_counter(&tb, MXGW_CT_NEW), 3000);
}

/*
 * A "to gateway" service: the gateway's side of a connection let in
 * leaves as it is and is not tracked (stateless, as inbound is: a SYN
 * flood would otherwise fill mxgw_ct with its answers); the mail server
 * sending from that port is not answering anything we let in; ICMP errors
 * about the gateway's side go to the gateway.
 */
static void test_to_gateway_service_is_the_gateways_own(void **state)
{
	struct tb_frame_spec synack = { .saddr = TB_PUBLIC, .daddr = TB_CLIENT, .sport = 22,
					.dport = 40000, .tcp_flags = SYN | ACK };
	struct tb_frame_spec from_mail = { .saddr = TB_MAILSERVER, .daddr = TB_CLIENT,
					   .sport = 22, .dport = 40000,
					   .tcp_flags = SYN | ACK };
	struct tb_frame_spec sent = { .saddr = TB_PUBLIC, .daddr = TB_CLIENT, .sport = 22,
				      .dport = 40000, .tcp_flags = ACK, .payload = 1400 };
	struct tb_frame_spec err = { .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
				     .icmp_type = 3, .icmp_code = 4, .inner = &sent };
	struct tb_frame_spec sent_out = { .saddr = TB_PUBLIC, .daddr = "203.0.113.1",
					  .sport = 22, .dport = 40000, .tcp_flags = ACK };
	struct tb_frame_spec err_out = { .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
					 .icmp_type = 3, .icmp_code = 4, .inner = &sent_out };
	struct mxgw_ct_entry e;
	__u64 ct_new, snat, local;
	(void)state;

	load(HEAD "service ssh 22 allow allow from 198.51.100.0/24 to gateway\n"
	     "service smtp 25 allow allow\n");
	ct_new = tb_counter(&tb, MXGW_CT_NEW);
	snat = tb_counter(&tb, MXGW_SNAT_REPLY);
	expect(true, &synack, TC_ACT_OK, &synack, "the gateway's SYN-ACK from :22, untouched");
	expect(true, &sent, TC_ACT_OK, &sent, "and its data");
	assert_false(ct_get(6, TB_CLIENT, 40000, 22, &e));
	assert_int_equal(tb_counter(&tb, MXGW_CT_NEW), ct_new);
	/* not a stateless reply of the mail server: nothing went to its :22 */
	expect(true, &from_mail, TC_ACT_SHOT, NULL, "the mail server from :22");
	assert_int_equal(tb_counter(&tb, MXGW_SNAT_REPLY), snat);
	/* frag-needed about the gateway's segment: the gateway's, as it came */
	local = tb_counter(&tb, MXGW_PASS_LOCAL);
	expect(false, &err, XDP_PASS, &err, "frag-needed about :22, to the gateway");
	assert_int_equal(tb_counter(&tb, MXGW_PASS_LOCAL), local + 1);
	assert_int_equal(tb_counter(&tb, MXGW_ICMP_XLATE_IN), 0);
	/* about a peer outside from: no connection of ours */
	expect(false, &err_out, XDP_DROP, NULL, "frag-needed about a peer outside from");
	/* with incoming deny, none either */
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "ssh", MXGW_DIR_IN, MXGW_DENY), 0);
	expect(false, &err, XDP_DROP, NULL, "frag-needed about :22 after in deny");
	assert_int_equal(tb_counter(&tb, MXGW_DROP_ICMP_NO_FLOW), 2);
	/* the gateway's own flow from another port is tracked as before */
	expect(true, &(struct tb_frame_spec)MASQ(.sport = 45000, .dport = 22), TC_ACT_OK,
	       &(struct tb_frame_spec)MASQ(.sport = 45000, .dport = 22), "own SSH out");
	assert_true(ct_get(6, REMOTE, 22, 45000, &e));
	assert_true(e.flags & MXGW_CT_F_LOCAL);
}

/*
 * Issue 10, item 1: a LAN host's TCP flow starts with its SYN.  A
 * segment of no flow opens none, so `conntrack flush` ends established
 * flows as netfilter does with nf_conntrack_tcp_loose=0.
 */
static void test_lan_flow_starts_with_its_syn(void **state)
{
	static const __u8 not_syn[] = { SYN | ACK, ACK, RST, RST | ACK, FIN | ACK, SYN | FIN };
	struct mxgw_ct_entry e;
	__u64 before;
	(void)state;

	load(tb_shipped_conf());
	for (size_t i = 0; i < sizeof(not_syn); i++) {
		before = tb_counter(&tb, MXGW_DROP_OUT_NO_FLOW);
		expect(true, &(struct tb_frame_spec)OUT(.sport = 40010, .dport = 443,
							 .tcp_flags = not_syn[i]),
		       TC_ACT_SHOT, NULL, "no flow, no SYN");
		assert_int_equal(tb_counter(&tb, MXGW_DROP_OUT_NO_FLOW), before + 1);
		assert_false(ct_get(6, REMOTE, 443, 40010, &e));
	}
	assert_int_equal(tb_counter(&tb, MXGW_CT_NEW), 0);
	/* and nothing counted against the outgoing column: no new flow */
	assert_int_equal(tb_svc_count(&tb, "https", MXGW_DIR_OUT, MXGW_ALLOW).packets, 0);

	expect(true, &(struct tb_frame_spec)OUT(.sport = 40010, .dport = 443, .tcp_flags = SYN),
	       TC_ACT_OK, NULL, "SYN out");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 40010,
						    .tcp_flags = SYN | ACK),
	       XDP_PASS, NULL, "SYN-ACK in");
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40010, .dport = 443, .tcp_flags = ACK),
	       TC_ACT_OK, NULL, "ACK out");
	assert_int_equal(mxgw_maps_ct_flush(&tb.maps), 0);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40010, .dport = 443, .tcp_flags = ACK),
	       TC_ACT_SHOT, NULL, "the flow's next ACK after a flush");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 40010, .tcp_flags = ACK),
	       XDP_DROP, NULL, "and its replies");
}

/* Issue 10, items 3 and 4: the checks hold on the conntrack reply path. */
static void test_reply_path_refuses_martians_and_bad_flags(void **state)
{
	(void)state;
	load(tb_shipped_conf());
	/* a LAN "flow" to a multicast group (TC does not judge destinations):
	 * nothing from a multicast source is a reply */
	expect(true, &(struct tb_frame_spec){ .saddr = TB_MAILSERVER, .daddr = "224.0.0.5",
					      .proto = 17, .sport = 50000, .dport = 53 },
	       TC_ACT_OK, NULL, "udp to a group");
	expect(false, &(struct tb_frame_spec){ .saddr = "224.0.0.5", .daddr = TB_PUBLIC,
					       .proto = 17, .sport = 53, .dport = 50000 },
	       XDP_DROP, NULL, "its 'reply'");
	assert_int_equal(tb_counter(&tb, MXGW_DROP_MARTIAN), 1);
	assert_int_equal(tb_counter(&tb, MXGW_CT_REPLY), 0);

	/* the gateway's own query to the WAN's broadcast address */
	expect(true, &(struct tb_frame_spec){ .saddr = TB_PUBLIC, .daddr = "203.0.113.255",
					      .proto = 17, .sport = 50001, .dport = 53 },
	       TC_ACT_OK, NULL, "the gateway's broadcast");
	expect(false, &(struct tb_frame_spec){ .saddr = "203.0.113.255", .daddr = TB_PUBLIC,
					       .proto = 17, .sport = 53, .dport = 50001 },
	       XDP_DROP, NULL, "a 'reply' from the broadcast address");
	assert_int_equal(tb_counter(&tb, MXGW_DROP_MARTIAN), 2);
	assert_int_equal(tb_counter(&tb, MXGW_PASS_LOCAL), 0);

	/* a tracked TCP flow: its replies with invalid flags are dropped */
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40020, .dport = 443, .tcp_flags = SYN),
	       TC_ACT_OK, NULL, "SYN out");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 40020,
						    .tcp_flags = SYN | FIN),
	       XDP_DROP, NULL, "SYN+FIN reply");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 40020,
						    .tcp_flags = SYN | RST),
	       XDP_DROP, NULL, "SYN+RST reply");
	assert_int_equal(tb_counter(&tb, MXGW_DROP_TCP_FLAGS), 2);
	assert_int_equal(ct_state(6, 443, 40020), MXGW_CT_TCP_SYN_SENT);
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 40020,
						    .tcp_flags = SYN | ACK),
	       XDP_PASS, &(struct tb_frame_spec)TO_LAN(.sport = 443, .dport = 40020,
						     .tcp_flags = SYN | ACK),
	       "a valid SYN-ACK still passes");
}

/*
 * Issue 10, item 5: an ICMP error's outer source meets the same checks as
 * any packet's; an error about a DNATed service is translated by the
 * table alone, so an invented one reaches the mail server, whose TCP
 * discards it (README, "ICMP").
 */
static void test_icmp_error_sources_and_invented_errors(void **state)
{
	struct tb_frame_spec sent = { .saddr = TB_PUBLIC, .daddr = TB_CLIENT, .sport = 25,
				      .dport = 40000, .tcp_flags = ACK };
	struct tb_frame_spec orig = { .saddr = TB_MAILSERVER, .daddr = TB_CLIENT, .sport = 25,
				      .dport = 40000, .tcp_flags = ACK };
	struct tb_frame_spec invented = { .saddr = TB_PUBLIC, .daddr = "198.51.100.99",
					  .sport = 25, .dport = 5555, .tcp_flags = ACK };
	struct tb_frame_spec invented_in = { .saddr = TB_MAILSERVER, .daddr = "198.51.100.99",
					     .sport = 25, .dport = 5555, .tcp_flags = ACK };
	static const struct {
		const char *src;
		int counter;
	} bad[] = {
		{ "192.168.1.50", MXGW_DROP_SPOOFED }, { TB_MAILSERVER, MXGW_DROP_SPOOFED },
		{ "192.168.1.1", MXGW_DROP_SPOOFED }, { TB_PUBLIC, MXGW_DROP_SPOOFED },
		{ "127.0.0.1", MXGW_DROP_MARTIAN }, { "0.0.0.0", MXGW_DROP_MARTIAN },
		{ "224.0.0.5", MXGW_DROP_MARTIAN }, { "255.255.255.255", MXGW_DROP_MARTIAN },
		{ "203.0.113.255", MXGW_DROP_MARTIAN }, { "240.0.0.9", MXGW_DROP_MARTIAN },
	};
	(void)state;

	load(tb_shipped_conf());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		__u64 before = tb_counter(&tb, bad[i].counter);

		expect(false, &(struct tb_frame_spec){ .saddr = bad[i].src, .daddr = TB_PUBLIC,
						       .proto = 1, .icmp_type = 11,
						       .inner = &sent },
		       XDP_DROP, NULL, bad[i].src);
		assert_int_equal(tb_counter(&tb, bad[i].counter), before + 1);
	}
	assert_int_equal(tb_counter(&tb, MXGW_ICMP_XLATE_IN), 0);

	/* from a router on the way: translated to the mail server */
	expect(false, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
					       .icmp_type = 11, .inner = &sent },
	       XDP_PASS, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_MAILSERVER,
						   .proto = 1, .icmp_type = 11, .inner = &orig },
	       "time exceeded about an smtp reply");
	/* invented: no such connection ever existed, yet smtp lets anyone in:
	 * translated as documented, for the mail server's TCP to discard */
	expect(false, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
					       .icmp_type = 3, .icmp_code = 1,
					       .inner = &invented },
	       XDP_PASS, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_MAILSERVER,
						   .proto = 1, .icmp_type = 3, .icmp_code = 1,
						   .inner = &invented_in },
	       "an invented error about smtp");
	assert_int_equal(tb_counter(&tb, MXGW_ICMP_XLATE_IN), 2);
	/* a quoted remote that could never have connected: not translated */
	invented.daddr = "127.0.0.1";
	expect(false, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
					       .icmp_type = 3, .icmp_code = 1,
					       .inner = &invented },
	       XDP_DROP, NULL, "an error quoting a martian remote");
	invented.daddr = "192.168.1.77";
	expect(false, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
					       .icmp_type = 3, .icmp_code = 1,
					       .inner = &invented },
	       XDP_DROP, NULL, "an error quoting a LAN remote");
	/* nor about a service denied incoming */
	invented.daddr = "198.51.100.99";
	invented.sport = 143;
	expect(false, &(struct tb_frame_spec){ .saddr = ROUTER, .daddr = TB_PUBLIC, .proto = 1,
					       .icmp_type = 3, .icmp_code = 1,
					       .inner = &invented },
	       XDP_DROP, NULL, "an error about imap, denied in");
	assert_int_equal(tb_counter(&tb, MXGW_DROP_ICMP_NO_FLOW), 3);
}

/* An entry's age and life as mxctl conntrack reads them. */
static bool user_live(const struct mxgw_ct_entry *e)
{
	struct mxgw_config cfg;

	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	return mxgw_ct_live(&cfg, e, mxgw_now_ns());
}

/*
 * Issue 10, item 12: the gateway's own flows.  A SYN opens an entry, a
 * RST of no entry opens none, a mid-stream segment (a connection from
 * before a flush) opens one that lives at most tcp-syn-sent until the
 * other side answers; the data plane and mxctl go by one rule.
 */
static void test_gateway_flows_unreplied_are_short_lived(void **state)
{
	struct mxgw_ct_entry e;
	__u64 before;
	(void)state;

	load(tb_shipped_conf());
	before = tb_counter(&tb, MXGW_CT_NEW);
	expect(true, &(struct tb_frame_spec)MASQ(.sport = 45001, .dport = 443, .tcp_flags = RST),
	       TC_ACT_OK, NULL, "the gateway's RST of no flow");
	expect(true, &(struct tb_frame_spec)MASQ(.sport = 45001, .dport = 443,
						  .tcp_flags = RST | ACK),
	       TC_ACT_OK, NULL, "and RST+ACK");
	assert_false(ct_get(6, REMOTE, 443, 45001, &e));
	assert_int_equal(tb_counter(&tb, MXGW_CT_NEW), before);

	/* mid-stream: picked up, unreplied, so short-lived */
	expect(true, &(struct tb_frame_spec)MASQ(.sport = 45002, .dport = 443, .tcp_flags = ACK),
	       TC_ACT_OK, NULL, "the gateway's ACK of no flow");
	assert_true(ct_get(6, REMOTE, 443, 45002, &e));
	assert_int_equal(e.state, MXGW_CT_TCP_ESTABLISHED);
	assert_false(e.flags & MXGW_CT_F_REPLIED);
	assert_true(user_live(&e));
	ct_age(6, 443, 45002, 121);	/* past tcp-syn-sent (120 s) */
	assert_true(ct_get(6, REMOTE, 443, 45002, &e));
	assert_false(user_live(&e));
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 45002, .tcp_flags = ACK),
	       XDP_DROP, NULL, "its answer after tcp-syn-sent");

	/* the same, answered in time: established, for its 5 days */
	expect(true, &(struct tb_frame_spec)MASQ(.sport = 45003, .dport = 443, .tcp_flags = ACK),
	       TC_ACT_OK, NULL, "another ACK of no flow");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 45003, .tcp_flags = ACK),
	       XDP_PASS, NULL, "answered");
	assert_true(ct_get(6, REMOTE, 443, 45003, &e));
	assert_true(e.flags & MXGW_CT_F_REPLIED);
	ct_age(6, 443, 45003, 3600);
	assert_true(ct_get(6, REMOTE, 443, 45003, &e));
	assert_true(user_live(&e));
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 443, .dport = 45003, .tcp_flags = ACK),
	       XDP_PASS, NULL, "an hour later");

	/* a reply-first "flow": the gateway's SYN-ACK, never answered */
	expect(true, &(struct tb_frame_spec)MASQ(.sport = 45004, .dport = 443,
						  .tcp_flags = SYN | ACK),
	       TC_ACT_OK, NULL, "the gateway's SYN-ACK");
	ct_age(6, 443, 45004, 121);
	assert_true(ct_get(6, REMOTE, 443, 45004, &e));
	assert_false(user_live(&e));

	/* a SYN: syn-sent, its own timeout */
	expect(true, &(struct tb_frame_spec)MASQ(.sport = 45005, .dport = 443, .tcp_flags = SYN),
	       TC_ACT_OK, NULL, "the gateway's SYN");
	assert_int_equal(ct_state(6, 443, 45005), MXGW_CT_TCP_SYN_SENT);
}

/* Issue 10, item 12: a reopened tuple is a new connection: new age. */
static void test_reopened_tuple_starts_a_new_age(void **state)
{
	struct mxgw_ct_key k = { .remote_port = htons(25), .public_port = htons(40200),
				 .proto = 6 };
	struct mxgw_ct_entry e;
	(void)state;

	load(tb_shipped_conf());
	inet_pton(AF_INET, REMOTE, &k.remote_addr);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40200, .dport = 25, .tcp_flags = SYN),
	       TC_ACT_OK, NULL, "SYN out");
	expect(false, &(struct tb_frame_spec)REPLY(.sport = 25, .dport = 40200,
						    .tcp_flags = RST | ACK),
	       XDP_PASS, NULL, "RST in");
	assert_int_equal(bpf_map_lookup_elem(tb.maps.ct, &k, &e), 0);
	assert_true(e.flags & MXGW_CT_F_REPLIED);
	e.created_ns -= 3600 * 1000000000ULL;	/* an hour old */
	assert_int_equal(bpf_map_update_elem(tb.maps.ct, &k, &e, BPF_EXIST), 0);
	expect(true, &(struct tb_frame_spec)OUT(.sport = 40200, .dport = 25, .tcp_flags = SYN),
	       TC_ACT_OK, NULL, "SYN again");
	assert_int_equal(bpf_map_lookup_elem(tb.maps.ct, &k, &e), 0);
	assert_int_equal(e.state, MXGW_CT_TCP_SYN_SENT);
	assert_false(e.flags & MXGW_CT_F_REPLIED);
	assert_true(mxgw_now_ns() - e.created_ns < 10 * 1000000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_states_through_a_whole_connection),
		cmocka_unit_test(test_remote_fin_first_is_close_wait),
		cmocka_unit_test(test_udp_reply_is_translated_and_streams),
		cmocka_unit_test(test_reply_to_the_mail_server_takes_the_fast_path),
		cmocka_unit_test(test_other_lan_host_replies_go_to_the_kernel),
		cmocka_unit_test(test_port_collision_gets_another_port),
		cmocka_unit_test(test_remapped_flow_segments_keep_their_port),
		cmocka_unit_test(test_full_range_refuses_and_counts),
		cmocka_unit_test(test_long_runs_of_kept_ports_leave_room),
		cmocka_unit_test(test_unsolicited_packet_to_a_nat_port_is_dropped),
		cmocka_unit_test(test_expired_entries_match_nothing),
		cmocka_unit_test(test_outgoing_policy_applies_to_new_flows),
		cmocka_unit_test(test_reopened_tuple_meets_the_policy_again),
		cmocka_unit_test(test_query_from_a_service_port_is_masqueraded),
		cmocka_unit_test(test_gateway_own_flow_replies_reach_the_gateway),
		cmocka_unit_test(test_echo_out_and_back),
		cmocka_unit_test(test_icmp_echo_config),
		cmocka_unit_test(test_frag_needed_is_translated_to_the_lan_host),
		cmocka_unit_test(test_icmp_error_about_udp_and_echo_flows),
		cmocka_unit_test(test_icmp_error_about_an_incoming_connection),
		cmocka_unit_test(test_gateway_icmp_error_leaves_translated),
		cmocka_unit_test(test_evicted_entry_is_counted_and_remapped),
		cmocka_unit_test(test_flow_outlives_its_nat_mapping),
		cmocka_unit_test(test_full_table_evicts_and_keeps_working),
		cmocka_unit_test(test_to_gateway_service_is_the_gateways_own),
		cmocka_unit_test(test_lan_flow_starts_with_its_syn),
		cmocka_unit_test(test_reply_path_refuses_martians_and_bad_flags),
		cmocka_unit_test(test_icmp_error_sources_and_invented_errors),
		cmocka_unit_test(test_gateway_flows_unreplied_are_short_lived),
		cmocka_unit_test(test_reopened_tuple_starts_a_new_age),
	};

	return cmocka_run_group_tests_name("conntrack", tests, tb_group_setup, tb_group_teardown);
}
