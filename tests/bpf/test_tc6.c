// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxgw_wan_out's IPv6 (issue 12), and IPv6 flows through both real
 * programs sharing their real maps: egress fixtures (mailserver6's
 * stateless replies, LAN flows tracked in mxgw_ct6 or refused, the
 * gateway's own untouched, nothing unreadable from the LAN let out), then
 * connections, their replies and the ICMPv6 errors about them in both
 * directions.  Nothing is translated: a frame out is the frame in, or the
 * frame XDP forwards (MACs, hop limit), built from scratch and compared
 * byte for byte.  Counters under IPv6's key.
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
#define REMOTE6		"2001:db8:51::25"
#define HOST6		"2001:db8:168::20"	/* a LAN host other than the mail server */
#define SYN		0x02
#define ACK		0x10
#define FIN		0x01
#define RST		0x04
#define NO_COUNTER	(-1)
#define V4KEY		0x10000	/* counted under IPv4's key: the family was not read */

#define EXT(...)	.n_ext6 = sizeof((struct tb_ext6[]){ __VA_ARGS__ }) / \
				  sizeof(struct tb_ext6), .ext6 = { __VA_ARGS__ }
#define HBH		{ .type = 0 }
#define DST(l)		{ .type = 60, .len = (l) }
#define RT(t, sl)	{ .type = 43, .len = 2, .rt_type = (t), .segleft = (sl) }
#define FRAG(off, m)	{ .type = 44, .frag_offset = (off), .more = (m) }

/* mailserver6 to a client, or to REMOTE6 */
#define FROM_MAIL(...)	{ .ip6 = true, .saddr = TB_MAILSERVER6, .daddr = TB_CLIENT6, __VA_ARGS__ }
#define OUT(...)	{ .ip6 = true, .saddr = TB_MAILSERVER6, .daddr = REMOTE6, __VA_ARGS__ }
#define P6(...)		{ .ip6 = true, __VA_ARGS__ }
#define HOST_OUT(...)	{ .ip6 = true, .saddr = HOST6, .daddr = REMOTE6, __VA_ARGS__ }
/* REMOTE6's answers, as they come in and as XDP forwards them */
#define REPLY(...)	REPLY_FROM(REMOTE6, __VA_ARGS__)
#define REPLY_FROM(src, ...) { .ip6 = true, .saddr = (src), .daddr = TB_MAILSERVER6, __VA_ARGS__ }
#define FWD(...)	{ .ip6 = true, .saddr = REMOTE6, .daddr = TB_MAILSERVER6, .ttl = 63, \
			  .set_macs = true, .dmac = TB_MAIL_MAC, .smac = TB_LAN_MAC, __VA_ARGS__ }
#define HOST_REPLY(...)	{ .ip6 = true, .saddr = REMOTE6, .daddr = HOST6, __VA_ARGS__ }
#define HOST_REPLY_FROM(src, ...) { .ip6 = true, .saddr = (src), .daddr = HOST6, __VA_ARGS__ }

#define HEAD "public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\nmailserver6 " TB_MAILSERVER6 "\n"

static struct tb tb;

static const char *conf6(void)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%smailserver6 %s\n", tb_shipped_conf(), TB_MAILSERVER6);
	return buf;
}

static void load(const char *conf)
{
	tb_reset(&tb, conf);
	tb_allow_redirect(&tb, "lan0");
}

static __u64 counter6(int c)
{
	return tb_counter_fam(&tb, c & V4KEY ? MXGW_FAM_IPV4 : MXGW_FAM_IPV6, c & ~V4KEY);
}

/*
 * A frame through a program: the verdict, the frame out @want (NULL: the
 * frame as it came, or redirected, as XDP forwards it: the next hop's
 * MACs, the hop limit one less) and, unless NO_COUNTER, @counter one up.
 */
static void expect(bool egress, const struct tb_frame_spec *in, int verdict,
		   const struct tb_frame_spec *want, int counter, const char *what)
{
	__u8 fin[TB_MAX_FRAME], fout[TB_MAX_FRAME], fwant[TB_MAX_FRAME];
	size_t len = tb_frame(in, fin), out_len, want_len = len;
	__u64 before = counter == NO_COUNTER ? 0 : counter6(counter);
	int got;

	got = egress ? tb_run_tc(&tb, fin, len, fout, &out_len) :
		       tb_run_xdp(&tb, fin, len, fout, &out_len);
	if (got != verdict)
		fail_msg("%s: verdict %d, want %d", what, got, verdict);
	if (want) {
		want_len = tb_frame(want, fwant);
	} else {
		static const __u8 mail_mac[6] = TB_MAIL_MAC, lan_mac[6] = TB_LAN_MAC;

		memcpy(fwant, fin, len);
		if (!egress && verdict == XDP_REDIRECT) {
			memcpy(fwant, mail_mac, 6);
			memcpy(fwant + 6, lan_mac, 6);
			fwant[14 + 7]--;
		}
	}
	if (out_len != want_len || memcmp(fout, fwant, want_len)) {
		tb_hexdiff(fout, out_len, fwant, want_len);
		fail_msg("%s: frame out differs", what);
	}
	if (counter != NO_COUNTER && counter6(counter) != before + 1)
		fail_msg("%s: counter %s did not count it", what,
			 mxgw_counter_name(counter & ~V4KEY));
}

#define TC(in, v, c, what)	expect(true, &(struct tb_frame_spec)in, v, NULL, c, what)
#define XDP(in, v, out, c, what) expect(false, &(struct tb_frame_spec)in, v, out, c, what)
#define SPEC(...)		(&(struct tb_frame_spec)__VA_ARGS__)

static bool ct6_get(const char *lan, __u16 lport, const char *remote, __u16 rport,
		    __u8 proto, struct mxgw_ct_entry *e)
{
	struct mxgw_ct6_key k = {
		.lan_port = htons(lport),
		.remote_port = htons(rport),
		.proto = proto,
	};

	inet_pton(AF_INET6, lan, &k.lan_addr);
	inet_pton(AF_INET6, remote, &k.remote_addr);
	return !bpf_map_lookup_elem(tb.maps.ct6, &k, e);
}

static __u8 ct6_state(__u16 lport, __u16 rport, __u8 proto)
{
	struct mxgw_ct_entry e;

	if (!ct6_get(TB_MAILSERVER6, lport, REMOTE6, rport, proto, &e))
		fail_msg("no mxgw_ct6 entry for %u -> %u/%u", lport, rport, proto);
	assert_int_equal(e.lan_addr, 0);	/* the key holds it */
	return e.state;
}

/* Make an entry look idle for @s seconds longer than it has been. */
static void ct6_age(__u16 lport, __u16 rport, __u8 proto, __u64 s)
{
	struct mxgw_ct6_key k = {
		.lan_port = htons(lport),
		.remote_port = htons(rport),
		.proto = proto,
	};
	struct mxgw_ct_entry e;

	inet_pton(AF_INET6, TB_MAILSERVER6, &k.lan_addr);
	inet_pton(AF_INET6, REMOTE6, &k.remote_addr);
	assert_int_equal(bpf_map_lookup_elem(tb.maps.ct6, &k, &e), 0);
	e.seen_ns -= s * 1000000000ULL;
	assert_int_equal(bpf_map_update_elem(tb.maps.ct6, &k, &e, BPF_EXIST), 0);
}

static void test_egress_fixtures(void **state)
{
	(void)state;
	load(conf6());
	/* mailserver6's replies from a port that lets incoming in: stateless */
	TC(FROM_MAIL(.sport = 25, .dport = 40000, .tcp_flags = SYN | ACK), TC_ACT_OK,
	   MXGW_SNAT_REPLY, "smtp reply");
	TC(FROM_MAIL(.sport = 993, .dport = 51000, .payload = 1400, .tcp_flags = ACK),
	   TC_ACT_OK, MXGW_SNAT_REPLY, "imaps reply, large");
	TC(FROM_MAIL(.vlans = 1, .sport = 25, .dport = 40000, .tcp_flags = ACK), TC_ACT_OK,
	   MXGW_SNAT_REPLY, "vlan-tagged reply");
	TC(FROM_MAIL(.sport = 25, .dport = 40000, .tcp_flags = ACK, EXT(DST(0))), TC_ACT_OK,
	   MXGW_SNAT_REPLY, "reply with destination options");
	assert_int_equal(counter6(MXGW_CT_NEW), 0);
	/* flows of the LAN */
	TC(FROM_MAIL(.sport = 40000, .dport = 25), TC_ACT_OK, MXGW_CT_NEW,
	   "mailserver6 delivering to a remote MX: a new flow");
	TC(FROM_MAIL(.sport = 40000, .dport = 25, .tcp_flags = ACK), TC_ACT_OK,
	   MXGW_SNAT_MASQ, "... and its next segment");
	TC(HOST_OUT(.sport = 40000, .dport = 443), TC_ACT_OK, MXGW_CT_NEW,
	   "another LAN host to https");
	TC(HOST_OUT(.sport = 40001, .dport = 8080), TC_ACT_SHOT, MXGW_DROP_OUT_DEFAULT_DENY,
	   "another LAN host to a port outside the table");
	TC(FROM_MAIL(.sport = 143, .dport = 40000, .tcp_flags = SYN | ACK), TC_ACT_SHOT,
	   MXGW_DROP_OUT_NO_FLOW, "SYN-ACK from a port denied incoming, no flow");
	TC(HOST_OUT(.sport = 40000, .dport = 25, .tcp_flags = ACK), TC_ACT_SHOT,
	   MXGW_DROP_OUT_NO_FLOW, "ACK from a LAN host, no flow");
	TC(HOST_OUT(.sport = 40000, .dport = 25, .tcp_flags = RST), TC_ACT_SHOT,
	   MXGW_DROP_OUT_NO_FLOW, "RST from a LAN host, no flow");
	TC(HOST_OUT(.sport = 40000, .dport = 25, .tcp_flags = FIN | ACK), TC_ACT_SHOT,
	   MXGW_DROP_OUT_NO_FLOW, "FIN+ACK from a LAN host, no flow");
	TC(HOST_OUT(.sport = 40000, .dport = 25, .tcp_flags = SYN | FIN), TC_ACT_SHOT,
	   MXGW_DROP_OUT_NO_FLOW, "SYN+FIN from a LAN host, no flow");
	TC(HOST_OUT(.sport = 40002, .dport = 25, .tcp_flags = 0xc2), TC_ACT_OK, MXGW_CT_NEW,
	   "a SYN with ECN setup opens a flow");
	TC(HOST_OUT(.proto = 58, .icmp_type = 128, .icmp_id = 9), TC_ACT_OK, MXGW_CT_NEW,
	   "echo request from a LAN host: a flow");
	TC(HOST_OUT(.proto = 58, .icmp_type = 129, .icmp_id = 9), TC_ACT_SHOT,
	   MXGW_DROP_OUT_PROTO, "echo reply from a LAN host: nobody pinged it");
	TC(FROM_MAIL(.proto = 58, .icmp_type = 129, .icmp_id = 9), TC_ACT_OK,
	   MXGW_SNAT_REPLY, "echo reply from mailserver6, icmp-echo allow");
	TC(HOST_OUT(.proto = 58, .icmp_type = 135, .ttl = 255), TC_ACT_SHOT,
	   MXGW_DROP_OUT_PROTO, "a neighbour solicitation from a LAN address");
	TC(HOST_OUT(.proto = 58, .icmp_type = 200), TC_ACT_SHOT, MXGW_DROP_OUT_PROTO,
	   "an unknown ICMPv6 type from the LAN");
	TC(HOST_OUT(.proto = 47), TC_ACT_SHOT, MXGW_DROP_OUT_PROTO, "gre from the LAN");
	TC(HOST_OUT(.proto = 50), TC_ACT_SHOT, MXGW_DROP_OUT_PROTO, "esp from the LAN");
	/* extension headers, as ingress walks them */
	TC(HOST_OUT(.sport = 40003, .dport = 443, EXT(DST(0))), TC_ACT_OK, MXGW_CT_NEW,
	   "destination options, then a SYN");
	TC(HOST_OUT(.sport = 40004, .dport = 443, EXT(FRAG(0, false))), TC_ACT_OK,
	   MXGW_CT_NEW, "an atomic fragment");
	TC(HOST_OUT(.sport = 40005, .dport = 443, EXT(FRAG(0, true))), TC_ACT_SHOT,
	   MXGW_DROP_OUT_FRAGMENT, "a first fragment: its others carry no ports");
	TC(HOST_OUT(.sport = 40005, .dport = 443, EXT(FRAG(100, false))), TC_ACT_SHOT,
	   MXGW_DROP_OUT_FRAGMENT, "a later fragment");
	TC(HOST_OUT(.sport = 40005, .dport = 443, EXT(FRAG(0, true), FRAG(0, false))),
	   TC_ACT_SHOT, MXGW_DROP_OUT_FRAGMENT, "a first fragment, then an atomic one");
	TC(HOST_OUT(.sport = 40006, .dport = 443, EXT(RT(4, 1))), TC_ACT_SHOT,
	   MXGW_DROP_ROUTING_HEADER, "a routing header with segments left");
	TC(HOST_OUT(.sport = 40006, .dport = 443, EXT(RT(0, 0))), TC_ACT_SHOT,
	   MXGW_DROP_ROUTING_HEADER, "routing header type 0");
	TC(HOST_OUT(.sport = 40006, .dport = 443,
		    EXT(DST(0), DST(0), DST(0), DST(0), DST(0), DST(0), DST(0))),
	   TC_ACT_SHOT, MXGW_DROP_EXT_HEADERS, "seven extension headers");
	TC(HOST_OUT(.sport = 40006, .dport = 443, EXT(DST(32))), TC_ACT_SHOT,
	   MXGW_DROP_EXT_HEADERS, "264 bytes of extension headers");
	TC(HOST_OUT(.sport = 40006, .dport = 443, EXT(DST(0), HBH)), TC_ACT_SHOT,
	   MXGW_DROP_EXT_HEADERS, "hop-by-hop not first");
	TC(HOST_OUT(.sport = 40006, .dport = 443, EXT({ .type = 135 })), TC_ACT_SHOT,
	   MXGW_DROP_EXT_HEADERS, "a mobility header");
	/* what cannot be read does not leave */
	TC(HOST_OUT(.sport = 40007, .dport = 443, .tot_len_delta = 1), TC_ACT_SHOT,
	   MXGW_DROP_OUT_MALFORMED, "payload length beyond the frame");
	TC(HOST_OUT(.sport = 40007, .dport = 443, .payload = 1, .tot_len_delta = -10),
	   TC_ACT_SHOT, MXGW_DROP_OUT_MALFORMED, "payload length inside the tcp header");
	TC(HOST_OUT(.sport = 40007, .dport = 443, EXT(DST(2)), .tot_len_delta = -44),
	   TC_ACT_SHOT, MXGW_DROP_OUT_MALFORMED, "payload length inside an extension header");
	TC(HOST_OUT(.sport = 40007, .dport = 443, .truncate = 14 + 40 + 10), TC_ACT_SHOT,
	   MXGW_DROP_OUT_MALFORMED, "frame cut inside the tcp header");
	TC(HOST_OUT(.vlans = 3, .sport = 40007, .dport = 443), TC_ACT_SHOT,
	   MXGW_DROP_OUT_VLAN_DEPTH | V4KEY, "three vlan tags from the LAN");
	TC(HOST_OUT(.vlans = 1, .truncate = 14 + 4 + 40 + 10), TC_ACT_SHOT,
	   MXGW_DROP_OUT_MALFORMED, "cut inside the tcp header (in a vlan tag)");
	TC(HOST_OUT(.vlans = 1, .truncate = 14 + 4 + 20), TC_ACT_SHOT,
	   MXGW_DROP_OUT_MALFORMED, "cut inside the ipv6 header (in a vlan tag)");
	TC({ .ethertype = 0x86dd }, TC_ACT_SHOT, MXGW_DROP_OUT_MALFORMED,
	   "opaque bytes behind the ipv6 type (version 0)");
	/* the gateway's own, untouched and uncounted */
	TC(P6(.saddr = TB_PUBLIC6, .daddr = REMOTE6, .dport = 80), TC_ACT_OK,
	   NO_COUNTER, "the gateway's own connection");
	TC(P6(.saddr = TB_PUBLIC6, .daddr = REMOTE6, .proto = 47), TC_ACT_OK,
	   NO_COUNTER, "the gateway's own gre");
	TC(P6(.saddr = TB_PUBLIC6, .daddr = REMOTE6, .dport = 80,
	     EXT(FRAG(10, false))), TC_ACT_OK, NO_COUNTER, "the gateway's own fragment");
	TC(P6(.saddr = "fe80::33", .daddr = "ff02::2", .proto = 58,
	     .icmp_type = 133, .ttl = 255), TC_ACT_OK, NO_COUNTER,
	   "a router solicitation from the gateway's link-local address");
	TC(P6(.saddr = "fe80::33", .daddr = "fe80::1", .proto = 58,
	     .icmp_type = 136, .ttl = 255), TC_ACT_OK, NO_COUNTER,
	   "a neighbour advertisement");
	TC(P6(.saddr = "::", .daddr = "ff02::1:ff00:33", .proto = 58,
	     .icmp_type = 135, .ttl = 255), TC_ACT_OK, NO_COUNTER,
	   "duplicate address detection");
	TC(P6(.saddr = "::", .daddr = "ff02::16", .proto = 58,
	     .icmp_type = 143, .ttl = 1, EXT(HBH)), TC_ACT_OK, NO_COUNTER,
	   "an MLDv2 report before an address is configured");
	TC(P6(.saddr = TB_PUBLIC6, .daddr = REMOTE6, .proto = 58,
	     .icmp_type = 1, .inner = SPEC(REPLY(.sport = 25, .dport = 9))),
	   TC_ACT_OK, NO_COUNTER, "the gateway's own ICMPv6 error");
	/* ... and IPv4's nothing of all that */
	assert_int_equal(tb_counter(&tb, MXGW_CT_NEW), 0);
	assert_int_equal(tb_counter(&tb, MXGW_SNAT_MASQ), 0);
	assert_int_equal(tb_counter(&tb, MXGW_DROP_OUT_MALFORMED), 0);
}

/* The outgoing column, counted per service under IPv6's key. */
static void test_outgoing_policy_applies_to_new_flows(void **state)
{
	(void)state;
	load(conf6());
	TC(OUT(.sport = 40000, .dport = 25), TC_ACT_OK, MXGW_CT_NEW, "smtp out allowed");
	assert_int_equal(tb_svc_count_fam(&tb, MXGW_FAM_IPV6, "smtp", MXGW_DIR_OUT,
					  MXGW_ALLOW).packets, 1);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "smtp", MXGW_DIR_OUT, MXGW_DENY), 0);
	TC(OUT(.sport = 40001, .dport = 25), TC_ACT_SHOT, MXGW_DROP_OUT_SERVICE_DENY,
	   "new smtp out denied at once");
	assert_int_equal(tb_svc_count_fam(&tb, MXGW_FAM_IPV6, "smtp", MXGW_DIR_OUT,
					  MXGW_DENY).packets, 1);
	TC(OUT(.sport = 40000, .dport = 25, .tcp_flags = ACK), TC_ACT_OK, MXGW_SNAT_MASQ,
	   "the established one continues");
	TC(OUT(.sport = 40002, .dport = 8080), TC_ACT_SHOT, MXGW_DROP_OUT_DEFAULT_DENY,
	   "unlisted port, default deny");
	assert_int_equal(tb_svc_count_fam(&tb, MXGW_FAM_IPV6, NULL, MXGW_DIR_OUT,
					  MXGW_DENY).packets, 1);
	/* IPv4's counts are its own */
	assert_int_equal(tb_svc_count(&tb, "smtp", MXGW_DIR_OUT, MXGW_ALLOW).packets, 0);
	assert_int_equal(tb_svc_count(&tb, "smtp", MXGW_DIR_OUT, MXGW_DENY).packets, 0);
}

static void test_tcp_states_through_a_whole_connection(void **state)
{
	(void)state;
	load(conf6());
	TC(OUT(.sport = 40000, .dport = 25, .tcp_flags = SYN), TC_ACT_OK, MXGW_CT_NEW,
	   "SYN out");
	assert_int_equal(ct6_state(40000, 25, 6), MXGW_CT_TCP_SYN_SENT);
	XDP(REPLY(.sport = 25, .dport = 40000, .tcp_flags = SYN | ACK), XDP_REDIRECT,
	    SPEC(FWD(.sport = 25, .dport = 40000, .tcp_flags = SYN | ACK)), MXGW_CT_REPLY,
	    "SYN-ACK in: to the mail server by the fast path");
	assert_int_equal(ct6_state(40000, 25, 6), MXGW_CT_TCP_SYN_RECV);
	TC(OUT(.sport = 40000, .dport = 25, .tcp_flags = ACK), TC_ACT_OK, MXGW_SNAT_MASQ,
	   "ACK out");
	assert_int_equal(ct6_state(40000, 25, 6), MXGW_CT_TCP_ESTABLISHED);
	XDP(REPLY(.sport = 25, .dport = 40000, .tcp_flags = ACK, .payload = 1000), XDP_REDIRECT,
	    SPEC(FWD(.sport = 25, .dport = 40000, .tcp_flags = ACK, .payload = 1000)),
	    MXGW_FWD_REDIRECT, "data in");
	TC(OUT(.sport = 40000, .dport = 25, .tcp_flags = FIN | ACK), TC_ACT_OK,
	   MXGW_SNAT_MASQ, "FIN out");
	assert_int_equal(ct6_state(40000, 25, 6), MXGW_CT_TCP_FIN_WAIT);
	XDP(REPLY(.sport = 25, .dport = 40000, .tcp_flags = FIN | ACK), XDP_REDIRECT, NULL,
	    MXGW_CT_REPLY, "FIN in");
	assert_int_equal(ct6_state(40000, 25, 6), MXGW_CT_TCP_LAST_ACK);
	TC(OUT(.sport = 40000, .dport = 25, .tcp_flags = ACK), TC_ACT_OK, MXGW_SNAT_MASQ,
	   "last ACK out");
	assert_int_equal(ct6_state(40000, 25, 6), MXGW_CT_TCP_TIME_WAIT);
	/* the same tuple opens again from TIME_WAIT */
	TC(OUT(.sport = 40000, .dport = 25, .tcp_flags = SYN), TC_ACT_OK, MXGW_SNAT_MASQ,
	   "SYN again");
	assert_int_equal(ct6_state(40000, 25, 6), MXGW_CT_TCP_SYN_SENT);
	XDP(REPLY(.sport = 25, .dport = 40000, .tcp_flags = RST | ACK), XDP_REDIRECT, NULL,
	    MXGW_CT_REPLY, "RST in");
	assert_int_equal(ct6_state(40000, 25, 6), MXGW_CT_TCP_CLOSE);
}

static void test_remote_fin_first_is_close_wait(void **state)
{
	(void)state;
	load(conf6());
	TC(OUT(.sport = 40001, .dport = 443), TC_ACT_OK, MXGW_CT_NEW, "SYN out");
	XDP(REPLY(.sport = 443, .dport = 40001, .tcp_flags = SYN | ACK), XDP_REDIRECT, NULL,
	    MXGW_CT_REPLY, "SYN-ACK in");
	TC(OUT(.sport = 40001, .dport = 443, .tcp_flags = ACK), TC_ACT_OK, MXGW_SNAT_MASQ,
	   "ACK out");
	XDP(REPLY(.sport = 443, .dport = 40001, .tcp_flags = FIN | ACK), XDP_REDIRECT, NULL,
	    MXGW_CT_REPLY, "FIN in");
	assert_int_equal(ct6_state(40001, 443, 6), MXGW_CT_TCP_CLOSE_WAIT);
}

/* A reply reaches a LAN host only as the reply of its own tracked flow. */
static void test_unsolicited_packets_to_the_lan_are_dropped(void **state)
{
	(void)state;
	load(conf6());
	TC(OUT(.sport = 40000, .dport = 25), TC_ACT_OK, MXGW_CT_NEW, "out");
	TC(HOST_OUT(.sport = 41000, .dport = 443), TC_ACT_OK, MXGW_CT_NEW, "another host out");
	XDP(REPLY_FROM("2001:db8:51::99", .sport = 25, .dport = 40000,
		  .tcp_flags = SYN | ACK),
	    XDP_DROP, NULL, MXGW_DROP_DEFAULT_DENY, "same ports, another remote");
	XDP(REPLY(.sport = 26, .dport = 40000, .tcp_flags = SYN | ACK), XDP_DROP, NULL,
	    MXGW_DROP_DEFAULT_DENY, "same remote, another port");
	XDP(REPLY(.proto = 17, .sport = 25, .dport = 40000), XDP_DROP, NULL,
	    MXGW_DROP_DEFAULT_DENY, "same ports, udp");
	XDP(REPLY(.sport = 25, .dport = 40000, .tcp_flags = SYN), XDP_DROP, NULL,
	    MXGW_DROP_DEFAULT_DENY, "a bare SYN on the tuple is no reply");
	XDP(HOST_REPLY(.sport = 443, .dport = 41001, .tcp_flags = ACK), XDP_DROP, NULL,
	    MXGW_DROP_TO_LAN, "to the other host, another port");
	XDP(HOST_REPLY(.sport = 443, .dport = 41000, .tcp_flags = SYN), XDP_DROP, NULL,
	    MXGW_DROP_TO_LAN, "to the other host, a bare SYN");
	XDP(HOST_REPLY_FROM("fe80::1", .sport = 443, .dport = 41000, .tcp_flags = ACK),
	    XDP_DROP, NULL, MXGW_DROP_MARTIAN, "its tuple from a link-local source");
	XDP(HOST_REPLY(.sport = 443, .dport = 41000, .tcp_flags = ACK, EXT(FRAG(0, true))),
	    XDP_DROP, NULL, MXGW_DROP_FRAGMENT, "its tuple, a first fragment");
	XDP(HOST_REPLY(.sport = 443, .dport = 41000, .tcp_flags = 0x29), XDP_DROP, NULL,
	    MXGW_DROP_TCP_FLAGS, "its tuple, invalid flags");
	XDP(HOST_REPLY(.sport = 443, .dport = 41000, .tcp_flags = ACK), XDP_PASS, NULL,
	    MXGW_FWD_KERNEL_OTHER_HOST, "and its real reply: the kernel forwards");
	XDP(HOST_REPLY(.sport = 443, .dport = 41000, .tcp_flags = ACK, EXT(DST(0))),
	    XDP_PASS, NULL, MXGW_CT_REPLY, "its reply behind destination options");
}

static void test_udp_reply_streams(void **state)
{
	(void)state;
	load(conf6());
	TC(OUT(.proto = 17, .sport = 50000, .dport = 53), TC_ACT_OK, MXGW_CT_NEW, "query out");
	assert_int_equal(ct6_state(50000, 53, 17), MXGW_CT_UDP);
	XDP(REPLY(.proto = 17, .sport = 53, .dport = 50000), XDP_REDIRECT,
	    SPEC(FWD(.proto = 17, .sport = 53, .dport = 50000)), MXGW_CT_REPLY, "answer in");
	assert_int_equal(ct6_state(50000, 53, 17), MXGW_CT_UDP_STREAM);
}

/*
 * Routed, nothing translated: a flow of the mail server from a port the
 * table denies incoming (a resolver querying from 53) is answered on that
 * port, and its answers pass as replies; anything else to the port does
 * not.
 */
static void test_flow_from_a_denied_service_port(void **state)
{
	(void)state;
	load(conf6());
	TC(OUT(.proto = 17, .sport = 53, .dport = 53), TC_ACT_OK, MXGW_CT_NEW,
	   "a query from port 53");
	XDP(REPLY(.proto = 17, .sport = 53, .dport = 53), XDP_REDIRECT,
	    SPEC(FWD(.proto = 17, .sport = 53, .dport = 53)), MXGW_CT_REPLY,
	    "its answer, on the denied port");
	XDP(REPLY_FROM("2001:db8:51::99", .proto = 17, .sport = 53, .dport = 53),
	    XDP_DROP, NULL, MXGW_DROP_SERVICE_DENY, "another remote to the port");
	assert_int_equal(tb_svc_count_fam(&tb, MXGW_FAM_IPV6, "dns", MXGW_DIR_IN,
					  MXGW_DENY).packets, 1);
}

/*
 * A flow opened from a port while the table denied it incoming (routed:
 * its replies come back to that port) keeps its replies when the port is
 * let in again, even from a source outside its from; others stay out.
 */
static void test_flow_from_a_port_let_in_later(void **state)
{
	static const char conf[] = HEAD
		"service dns 53/udp allow deny\n"
		"service ntp 123/udp deny allow from 2001:db8:51:8000::/49\n";
	(void)state;

	load(conf);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "ntp", MXGW_DIR_IN, MXGW_DENY), 0);
	TC(OUT(.proto = 17, .sport = 123, .dport = 53), TC_ACT_OK, MXGW_CT_NEW,
	   "a flow from port 123, denied incoming meanwhile");
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "ntp", MXGW_DIR_IN, MXGW_ALLOW), 0);
	XDP(REPLY(.proto = 17, .sport = 53, .dport = 123), XDP_REDIRECT, NULL, MXGW_CT_REPLY,
	    "its reply, from outside from");
	XDP(REPLY_FROM("2001:db8:51::99", .proto = 17, .sport = 53, .dport = 123), XDP_DROP,
	    NULL, MXGW_DROP_NOT_FROM, "another source outside from");
	XDP(REPLY_FROM("2001:db8:51:8000::9", .proto = 17, .sport = 53, .dport = 123),
	    XDP_REDIRECT, NULL, MXGW_FWD_REDIRECT, "a source inside from");
	assert_int_equal(tb_svc_count_fam(&tb, MXGW_FAM_IPV6, "ntp", MXGW_DIR_IN,
					  MXGW_DENY).packets, 1);
	assert_int_equal(counter6(MXGW_DROP_SERVICE_DENY), 0);
}

static void test_expired_entries_match_nothing(void **state)
{
	static const char conf[] = HEAD "service dns 53/tcp,udp allow deny\ntimeout udp 5\n";
	__u64 before;
	(void)state;

	load(conf);
	TC(OUT(.proto = 17, .sport = 50000, .dport = 53), TC_ACT_OK, MXGW_CT_NEW, "query");
	ct6_age(50000, 53, 17, 4);
	XDP(REPLY(.proto = 17, .sport = 53, .dport = 50000), XDP_REDIRECT, NULL,
	    MXGW_CT_REPLY, "answer within the timeout");
	assert_int_equal(ct6_state(50000, 53, 17), MXGW_CT_UDP_STREAM);
	ct6_age(50000, 53, 17, 121);	/* udp-stream: 120 s */
	before = counter6(MXGW_CT_EXPIRED);
	XDP(REPLY(.proto = 17, .sport = 53, .dport = 50000), XDP_DROP, NULL,
	    MXGW_DROP_DEFAULT_DENY, "answer after the timeout");
	assert_true(counter6(MXGW_CT_EXPIRED) > before);
	TC(OUT(.proto = 17, .sport = 50000, .dport = 53), TC_ACT_OK, MXGW_CT_NEW,
	   "the next query is a new flow");
	assert_int_equal(ct6_state(50000, 53, 17), MXGW_CT_UDP);
}

/* A SYN reusing a closed connection's tuple meets the policy again. */
static void test_reopened_tuple_meets_the_policy_again(void **state)
{
	(void)state;
	load(conf6());
	TC(OUT(.sport = 40100, .dport = 25), TC_ACT_OK, MXGW_CT_NEW, "SYN out");
	XDP(REPLY(.sport = 25, .dport = 40100, .tcp_flags = RST | ACK), XDP_REDIRECT, NULL,
	    MXGW_CT_REPLY, "RST in");
	assert_int_equal(ct6_state(40100, 25, 6), MXGW_CT_TCP_CLOSE);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "smtp", MXGW_DIR_OUT, MXGW_DENY), 0);
	TC(OUT(.sport = 40100, .dport = 25), TC_ACT_SHOT, MXGW_DROP_OUT_SERVICE_DENY,
	   "the same tuple again, smtp out deny");
	assert_int_equal(ct6_state(40100, 25, 6), MXGW_CT_TCP_CLOSE);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "smtp", MXGW_DIR_OUT, MXGW_ALLOW), 0);
	TC(OUT(.sport = 40100, .dport = 25), TC_ACT_OK, MXGW_SNAT_MASQ, "and allowed again");
	assert_int_equal(ct6_state(40100, 25, 6), MXGW_CT_TCP_SYN_SENT);
}

static void test_echo_out_and_back(void **state)
{
	(void)state;
	load(conf6());
	TC(OUT(.proto = 58, .icmp_type = 128, .icmp_id = 77), TC_ACT_OK, MXGW_CT_NEW,
	   "echo request out");
	assert_int_equal(ct6_state(77, 0, 58), MXGW_CT_ICMP);
	XDP(REPLY(.proto = 58, .icmp_type = 129, .icmp_id = 77), XDP_REDIRECT,
	    SPEC(FWD(.proto = 58, .icmp_type = 129, .icmp_id = 77)), MXGW_CT_REPLY,
	    "its reply");
	XDP(REPLY(.proto = 58, .icmp_type = 129, .icmp_id = 78), XDP_DROP, NULL,
	    MXGW_DROP_ICMP_NO_FLOW, "another identifier");
	XDP(REPLY_FROM("2001:db8:51::99", .proto = 58, .icmp_type = 129, .icmp_id = 77),
	    XDP_DROP, NULL, MXGW_DROP_ICMP_NO_FLOW, "another remote");
	TC(HOST_OUT(.proto = 58, .icmp_type = 128, .icmp_id = 5), TC_ACT_OK, MXGW_CT_NEW,
	   "another host's echo request");
	XDP(HOST_REPLY(.proto = 58, .icmp_type = 129, .icmp_id = 5), XDP_PASS, NULL,
	    MXGW_FWD_KERNEL_OTHER_HOST, "its reply: the kernel forwards");
}

/*
 * ICMPv6 errors from the Internet (RFC 4890 4.3.1): they pass when the
 * packet they quote belongs to a tracked flow or an incoming connection
 * the table lets in, else they are dropped; PMTUD works.
 */
static void test_icmp6_errors_in(void **state)
{
	/* what the mail server sent on its tracked flow, what it sent on an
	 * incoming smtp connection, and on a denied one */
	static const struct tb_frame_spec flow = OUT(.sport = 40000, .dport = 25,
						     .tcp_flags = ACK, .payload = 1300);
	static const struct tb_frame_spec smtp = FROM_MAIL(.sport = 25, .dport = 40000,
							   .tcp_flags = ACK, .payload = 1300);
	static const struct tb_frame_spec imap = FROM_MAIL(.sport = 143, .dport = 40000,
							   .tcp_flags = ACK);
	static const struct tb_frame_spec smtps_far =
		{ .ip6 = true, .saddr = TB_MAILSERVER6, .daddr = "2001:db8:99::1",
		  .sport = 465, .dport = 40000, .tcp_flags = ACK };
	static const struct tb_frame_spec to_loopback =
		{ .ip6 = true, .saddr = TB_MAILSERVER6, .daddr = "::1", .sport = 25,
		  .dport = 40000, .tcp_flags = ACK };
	static const struct tb_frame_spec host_flow = HOST_OUT(.sport = 41000, .dport = 443,
							       .tcp_flags = ACK);
	static const struct tb_frame_spec host_other = HOST_OUT(.sport = 41001, .dport = 443,
								.tcp_flags = ACK);
	static const struct tb_frame_spec echo = OUT(.proto = 58, .icmp_type = 128,
						     .icmp_id = 77);
	static const struct tb_frame_spec echo_other = OUT(.proto = 58, .icmp_type = 128,
							   .icmp_id = 78);
	static const struct tb_frame_spec udp_flow = OUT(.proto = 17, .sport = 50000,
							 .dport = 53);
	static const char conf[] = HEAD
		"service smtp 25 allow allow\nservice imap 143 allow deny\n"
		"service smtps 465 allow allow from 2001:db8:51::/48\n"
		"service dns 53/udp allow deny\nservice https 443 allow deny\n";
/* an error from @src to @dst, and one from the router to the mail server */
#define ERR_TO(src, dst, type, info, q, ...) { .ip6 = true, .saddr = (src), .daddr = (dst), \
					      .proto = 58, .icmp_type = (type), \
					      .icmp_info = (info), .inner = (q), __VA_ARGS__ }
#define ERR(type, info, q, ...) ERR_TO(TB_ROUTER6, TB_MAILSERVER6, type, info, q, __VA_ARGS__)
#define ERR_FWD(type, info, q) { .ip6 = true, .saddr = TB_ROUTER6, .daddr = TB_MAILSERVER6, \
				 .proto = 58, .icmp_type = (type), .icmp_info = (info), \
				 .inner = (q), .ttl = 63, .set_macs = true, \
				 .dmac = TB_MAIL_MAC, .smac = TB_LAN_MAC }
	(void)state;

	load(conf);
	TC(OUT(.sport = 40000, .dport = 25), TC_ACT_OK, MXGW_CT_NEW, "the flow");
	TC(HOST_OUT(.sport = 41000, .dport = 443), TC_ACT_OK, MXGW_CT_NEW, "another host's");
	TC(OUT(.proto = 58, .icmp_type = 128, .icmp_id = 77), TC_ACT_OK, MXGW_CT_NEW, "a ping");
	TC(OUT(.proto = 17, .sport = 50000, .dport = 53), TC_ACT_OK, MXGW_CT_NEW, "a query");

	XDP(ERR(2, 1280, &flow), XDP_REDIRECT, SPEC(ERR_FWD(2, 1280, &flow)),
	    MXGW_ICMP_XLATE_IN, "packet too big about the tracked flow");
	XDP(ERR(2, 1280, &smtp), XDP_REDIRECT, SPEC(ERR_FWD(2, 1280, &smtp)),
	    MXGW_FWD_REDIRECT, "packet too big about an incoming smtp connection");
	XDP(ERR(1, 0, &flow, .icmp_code = 4), XDP_REDIRECT, NULL, MXGW_ICMP_XLATE_IN,
	    "port unreachable about the tracked flow");
	XDP(ERR(3, 0, &flow), XDP_REDIRECT, NULL, MXGW_ICMP_XLATE_IN,
	    "time exceeded about the tracked flow");
	XDP(ERR(4, 40, &flow), XDP_REDIRECT, NULL, MXGW_ICMP_XLATE_IN,
	    "parameter problem about the tracked flow");
	XDP(ERR(1, 0, &udp_flow, .icmp_code = 4), XDP_REDIRECT, NULL, MXGW_ICMP_XLATE_IN,
	    "port unreachable about the query");
	XDP(ERR(3, 0, &echo), XDP_REDIRECT, NULL, MXGW_ICMP_XLATE_IN,
	    "time exceeded about the ping");
	XDP(ERR_TO(TB_ROUTER6, HOST6, 2, 1280, &host_flow), XDP_PASS, NULL,
	    MXGW_FWD_KERNEL_OTHER_HOST, "packet too big about another host's flow");
	XDP(ERR_TO(TB_ROUTER6, HOST6, 2, 1280, &host_flow, .ttl = 1), XDP_PASS, NULL,
	    MXGW_ICMP_XLATE_IN, "... with hop limit 1: counted, the kernel's");

	XDP(ERR_TO(TB_ROUTER6, HOST6, 2, 1280, &host_other), XDP_DROP, NULL,
	    MXGW_DROP_ICMP_NO_FLOW, "packet too big about no flow of that host");
	XDP(ERR(2, 1280, &imap), XDP_DROP, NULL, MXGW_DROP_ICMP_NO_FLOW,
	    "packet too big about a denied service");
	XDP(ERR(2, 1280, &smtps_far), XDP_DROP, NULL, MXGW_DROP_ICMP_NO_FLOW,
	    "about a service the quoted remote is outside the from of");
	XDP(ERR(2, 1280, &to_loopback), XDP_DROP, NULL, MXGW_DROP_ICMP_NO_FLOW,
	    "about a connection to a martian remote");
	XDP(ERR(3, 0, &echo_other), XDP_DROP, NULL, MXGW_DROP_ICMP_NO_FLOW,
	    "about another ping");
	XDP(ERR_TO(TB_ROUTER6, HOST6, 2, 1280, &flow), XDP_DROP, NULL, MXGW_DROP_ICMP_NO_FLOW,
	    "quoting a packet another host sent");
	XDP(ERR_TO("2001:db8:168::66", TB_MAILSERVER6, 2, 1280, &flow), XDP_DROP, NULL,
	    MXGW_DROP_SPOOFED, "from a spoofed source");
	XDP(ERR(2, 1280, &flow, .truncate = 14 + 40 + 8 + 47), XDP_DROP, NULL,
	    MXGW_DROP_MALFORMED, "the frame cut inside the quote");
	XDP(ERR(2, 1280, &flow, .tot_len_delta = -(1232 - 47)), XDP_DROP, NULL,
	    MXGW_DROP_MALFORMED, "the payload length ends inside the quote");
	XDP(ERR(2, 1280, &flow, EXT(RT(0, 0))), XDP_DROP, NULL, MXGW_DROP_ROUTING_HEADER,
	    "behind a routing header of type 0");
#undef ERR
#undef ERR_TO
#undef ERR_FWD
}

/*
 * ICMPv6 errors the LAN sends about what came in: about a tracked flow
 * or an allowed incoming connection they leave, about anything else
 * they would tell the Internet of a flow mxgw never let through.
 */
static void test_icmp6_errors_out(void **state)
{
	static const struct tb_frame_spec answer = REPLY(.sport = 25, .dport = 40000,
							 .tcp_flags = ACK);
	static const struct tb_frame_spec client = { .ip6 = true, .saddr = TB_CLIENT6,
						     .daddr = TB_MAILSERVER6, .sport = 40000,
						     .dport = 25, .tcp_flags = ACK };
	static const struct tb_frame_spec to_imap = { .ip6 = true, .saddr = TB_CLIENT6,
						      .daddr = TB_MAILSERVER6, .sport = 40000,
						      .dport = 143 };
	static const struct tb_frame_spec to_host = { .ip6 = true, .saddr = REMOTE6,
						      .daddr = HOST6, .sport = 443,
						      .dport = 41000, .tcp_flags = ACK };
	static const struct tb_frame_spec echo_reply = REPLY(.proto = 58, .icmp_type = 129,
							     .icmp_id = 77);
#define ERR(src, dst, type, q, ...) { .ip6 = true, .saddr = (src), .daddr = (dst), \
				      .proto = 58, .icmp_type = (type), .inner = (q), \
				      __VA_ARGS__ }
	(void)state;

	load(conf6());
	TC(OUT(.sport = 40000, .dport = 25), TC_ACT_OK, MXGW_CT_NEW, "the flow");
	TC(OUT(.proto = 58, .icmp_type = 128, .icmp_id = 77), TC_ACT_OK, MXGW_CT_NEW, "a ping");

	TC(ERR(TB_MAILSERVER6, REMOTE6, 1, &answer, .icmp_code = 1), TC_ACT_OK,
	   MXGW_ICMP_XLATE_OUT,
	   "unreachable about the tracked flow's answer");
	TC(ERR(TB_MAILSERVER6, REMOTE6, 4, &answer), TC_ACT_OK, MXGW_ICMP_XLATE_OUT,
	   "parameter problem about it");
	TC(ERR(TB_MAILSERVER6, REMOTE6, 1, &echo_reply), TC_ACT_OK, MXGW_ICMP_XLATE_OUT,
	   "about the ping's reply");
	TC(ERR(TB_MAILSERVER6, TB_CLIENT6, 2, &client, .icmp_info = 1280), TC_ACT_OK,
	   MXGW_ICMP_XLATE_OUT, "packet too big about an incoming smtp connection");
	TC(ERR(TB_MAILSERVER6, TB_CLIENT6, 1, &to_imap, .icmp_code = 4), TC_ACT_SHOT,
	   MXGW_DROP_ICMP_NO_FLOW, "port unreachable about a denied service");
	TC(ERR(HOST6, REMOTE6, 1, &to_host, .icmp_code = 4), TC_ACT_SHOT,
	   MXGW_DROP_ICMP_NO_FLOW, "port unreachable about no flow of a LAN host");
	/* the quote: 40 + 20 + 16 bytes; the payload length ends after 47 */
	TC(ERR(TB_MAILSERVER6, REMOTE6, 3, &answer, .tot_len_delta = -(76 - 47)),
	   TC_ACT_SHOT, MXGW_DROP_ICMP_NO_FLOW, "a quote cut before its ports");
	TC(ERR(TB_PUBLIC6, REMOTE6, 1, &answer), TC_ACT_OK, NO_COUNTER,
	   "the gateway's own: untouched, uncounted");
#undef ERR
}

/* Without mailserver6 nothing is let in, and the LAN's own flows still are
 * tracked and answered. */
static void test_without_mailserver6(void **state)
{
	(void)state;
	load(tb_shipped_conf());
	TC(FROM_MAIL(.sport = 25, .dport = 40000, .tcp_flags = ACK), TC_ACT_SHOT,
	   MXGW_DROP_OUT_NO_FLOW, "no stateless replies: nothing was let in");
	TC(OUT(.sport = 40000, .dport = 25), TC_ACT_OK, MXGW_CT_NEW, "a flow out");
	XDP(REPLY(.sport = 25, .dport = 40000, .tcp_flags = SYN | ACK), XDP_PASS, NULL,
	    MXGW_FWD_KERNEL_OTHER_HOST, "its reply: the kernel forwards");
	XDP(REPLY(.sport = 25, .dport = 40001, .tcp_flags = SYN | ACK), XDP_DROP, NULL,
	    MXGW_DROP_TO_LAN, "anything else to the LAN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_egress_fixtures),
		cmocka_unit_test(test_outgoing_policy_applies_to_new_flows),
		cmocka_unit_test(test_tcp_states_through_a_whole_connection),
		cmocka_unit_test(test_remote_fin_first_is_close_wait),
		cmocka_unit_test(test_unsolicited_packets_to_the_lan_are_dropped),
		cmocka_unit_test(test_udp_reply_streams),
		cmocka_unit_test(test_flow_from_a_denied_service_port),
		cmocka_unit_test(test_flow_from_a_port_let_in_later),
		cmocka_unit_test(test_expired_entries_match_nothing),
		cmocka_unit_test(test_reopened_tuple_meets_the_policy_again),
		cmocka_unit_test(test_echo_out_and_back),
		cmocka_unit_test(test_icmp6_errors_in),
		cmocka_unit_test(test_icmp6_errors_out),
		cmocka_unit_test(test_without_mailserver6),
	};

	return cmocka_run_group_tests_name("tc mxgw_wan_out, IPv6 flows", tests,
					   tb_group_setup, tb_group_teardown);
}
