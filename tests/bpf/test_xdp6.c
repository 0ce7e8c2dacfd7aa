// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxgw_wan_in's IPv6 (issue 12) through bpf_prog_test_run_opts, as
 * test_xdp does IPv4's: real frames through the real program with maps
 * filled by the real parser and map code; each fixture is a frame in, the
 * verdict, the whole frame out (built from scratch: routed, only the MACs
 * and the hop limit may change, and IPv6 has no header checksum) and the
 * counter, under IPv6's key, that names what happened.  Addresses and
 * routes: testbed.h (2001:db8::/32).  Replies of tracked flows and ICMPv6
 * errors about them: test_tc6, which runs both programs.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "testbed.h"

#define MAIL_MAC	TB_MAIL_MAC
#define LAN_MAC		TB_LAN_MAC
#define NO_COUNTER	(-1)

enum out_kind {
	OUT_UNCHANGED,	/* the frame leaves as it came */
	OUT_FRAME,	/* the frame of .out */
};

struct fixture {
	const char *name;
	struct tb_frame_spec in;
	int verdict;
	enum out_kind out_kind;
	struct tb_frame_spec out;
	int counter;	/* enum mxgw_counter that counts it under IPv6's key,
			 * or | V4KEY: IPv4's, the family was not read yet;
			 * or NO_COUNTER */
};

#define V4KEY		0x10000

/* An IPv6 frame from TB_CLIENT6 to TB_MAILSERVER6 unless it says otherwise */
#define IN6(...)	{ .ip6 = true, __VA_ARGS__ }
/* ... forwarded by XDP: the next hop's MACs, the hop limit one less */
#define FWD6(...)	{ .ip6 = true, .ttl = 63, .set_macs = true, .dmac = MAIL_MAC, \
			  .smac = LAN_MAC, __VA_ARGS__ }
/* the extension headers of a spec, in order */
#define EXT(...)	.n_ext6 = sizeof((struct tb_ext6[]){ __VA_ARGS__ }) / \
				  sizeof(struct tb_ext6), .ext6 = { __VA_ARGS__ }
#define HBH		{ .type = 0 }
#define DST(l)		{ .type = 60, .len = (l) }
#define RT(t, sl)	{ .type = 43, .len = 2, .rt_type = (t), .segleft = (sl) }
#define FRAG(off, m)	{ .type = 44, .frag_offset = (off), .more = (m) }
#define AH		{ .type = 51, .len = 4 }

static struct tb tb;

/* The shipped table, with mailserver6 (the LAN's prefix found on lan0). */
static const char *conf6(void)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%smailserver6 %s\n", tb_shipped_conf(), TB_MAILSERVER6);
	return buf;
}

static __u64 counter6(int c)
{
	return tb_counter_fam(&tb, c & V4KEY ? MXGW_FAM_IPV4 : MXGW_FAM_IPV6, c & ~V4KEY);
}

static void run_fixture(const struct fixture *f)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME], want[TB_MAX_FRAME];
	size_t in_len, out_len, want_len;
	__u64 before = 0;
	int verdict;

	in_len = tb_frame(&f->in, in);
	if (f->out_kind == OUT_FRAME) {
		want_len = tb_frame(&f->out, want);
	} else {
		memcpy(want, in, in_len);
		want_len = in_len;
	}
	if (f->counter != NO_COUNTER)
		before = counter6(f->counter);

	verdict = tb_run_xdp(&tb, in, in_len, out, &out_len);

	if (verdict != f->verdict)
		fail_msg("%s: verdict %d, want %d", f->name, verdict, f->verdict);
	if (out_len != want_len || memcmp(out, want, want_len)) {
		tb_hexdiff(out, out_len, want, want_len);
		fail_msg("%s: frame out differs", f->name);
	}
	if (f->counter != NO_COUNTER && counter6(f->counter) != before + 1)
		fail_msg("%s: counter %s (%s) did not count it", f->name,
			 mxgw_counter_name(f->counter & ~V4KEY),
			 f->counter & V4KEY ? "IPv4" : "IPv6");
}

static void run_fixtures(const struct fixture *fx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_fixture(&fx[i]);
}

#define RUN(fx)	run_fixtures(fx, sizeof(fx) / sizeof(fx[0]))

static void load(const char *conf, bool fast_path)
{
	tb_reset(&tb, conf);
	if (fast_path)
		tb_allow_redirect(&tb, "lan0");
}

static const struct fixture shipped6[] = {
	{ "smtp allowed in, redirected", IN6(.dport = 25), XDP_REDIRECT, OUT_FRAME,
	  FWD6(.dport = 25), MXGW_FWD_REDIRECT },
	{ "https allowed in, large payload", IN6(.dport = 443, .payload = 1400),
	  XDP_REDIRECT, OUT_FRAME, FWD6(.dport = 443, .payload = 1400), NO_COUNTER },
	{ "imap denied in", IN6(.dport = 143), XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_SERVICE_DENY },
	{ "pop3 denied in", IN6(.dport = 110), XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_SERVICE_DENY },
	{ "unlisted tcp port, default deny", IN6(.dport = 8080), XDP_DROP, OUT_UNCHANGED,
	  {}, MXGW_DROP_DEFAULT_DENY },
	{ "dns over udp denied in", IN6(.proto = 17, .dport = 53), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY },
	{ "smtp over udp is not the smtp service", IN6(.proto = 17, .dport = 25),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_DEFAULT_DENY },
	{ "an ACK of an smtp connection", IN6(.dport = 25, .tcp_flags = 0x10),
	  XDP_REDIRECT, OUT_FRAME, FWD6(.dport = 25, .tcp_flags = 0x10), NO_COUNTER },
	{ "a SYN counts in_new", IN6(.dport = 465), XDP_REDIRECT, OUT_FRAME,
	  FWD6(.dport = 465), MXGW_IN_NEW },
	{ "link padding after the packet is fine",
	  IN6(.dport = 25, .tot_len_delta = -4, .payload = 20), XDP_REDIRECT, OUT_FRAME,
	  FWD6(.dport = 25, .tot_len_delta = -4, .payload = 20), NO_COUNTER },
	/* TCP flags, as IPv4's */
	{ "syn+fin to smtp", IN6(.dport = 25, .tcp_flags = 0x03), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
	{ "ECE alone (no flag netfilter counts) to smtp", IN6(.dport = 25, .tcp_flags = 0x40),
	  XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
	{ "xmas to a denied service", IN6(.dport = 143, .tcp_flags = 0x29), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
	/* the kernel path, each counted */
	{ "one vlan tag: the kernel forwards", IN6(.vlans = 1, .dport = 25), XDP_PASS,
	  OUT_UNCHANGED, {}, MXGW_FWD_KERNEL_VLAN },
	{ "two vlan tags (802.1ad + 802.1Q)", IN6(.vlans = 2, .dport = 993), XDP_PASS,
	  OUT_UNCHANGED, {}, MXGW_FWD_KERNEL_VLAN },
	{ "two vlan tags, denied service", IN6(.vlans = 2, .dport = 110), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY },
	{ "three vlan tags: more than mxgw parses", IN6(.vlans = 3, .dport = 25),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_VLAN_DEPTH | V4KEY },
	{ "hop limit 1: the kernel sends time exceeded", IN6(.ttl = 1, .dport = 25),
	  XDP_PASS, OUT_UNCHANGED, {}, MXGW_FWD_KERNEL_TTL },
	{ "hop limit 2: forwarded with 1", IN6(.ttl = 2, .dport = 25), XDP_REDIRECT,
	  OUT_FRAME, { .ip6 = true, .ttl = 1, .set_macs = true, .dmac = MAIL_MAC,
		       .smac = LAN_MAC, .dport = 25 }, NO_COUNTER },
	{ "hop limit 255: forwarded with 254", IN6(.ttl = 255, .dport = 25), XDP_REDIRECT,
	  OUT_FRAME, { .ip6 = true, .ttl = 254, .set_macs = true, .dmac = MAIL_MAC,
		       .smac = LAN_MAC, .dport = 25 }, NO_COUNTER },
	{ "hop-by-hop options: the kernel processes them on the way",
	  IN6(.dport = 25, EXT(HBH)), XDP_PASS, OUT_UNCHANGED, {},
	  MXGW_FWD_KERNEL_IP_OPTIONS },
	/* extension headers: walked to the L4 header */
	{ "destination options, then TCP", IN6(.dport = 25, EXT(DST(0))), XDP_REDIRECT,
	  OUT_FRAME, FWD6(.dport = 25, EXT(DST(0))), NO_COUNTER },
	{ "destination options to a denied service", IN6(.dport = 143, EXT(DST(1))),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY },
	{ "hop-by-hop, destination options, to a denied service",
	  IN6(.dport = 143, EXT(HBH, DST(0))), XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_SERVICE_DENY },
	{ "a routing header with no segments left (type 4, SRH)",
	  IN6(.dport = 25, EXT(RT(4, 0))), XDP_REDIRECT, OUT_FRAME,
	  FWD6(.dport = 25, EXT(RT(4, 0))), NO_COUNTER },
	{ "routing header type 0, no segments left (RFC 5095)",
	  IN6(.dport = 25, EXT(RT(0, 0))), XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_ROUTING_HEADER },
	{ "routing header type 0, segments left", IN6(.dport = 25, EXT(RT(0, 1))),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_ROUTING_HEADER },
	{ "routing header type 2, segments left", IN6(.dport = 25, EXT(RT(2, 1))),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_ROUTING_HEADER },
	{ "routing header type 4 after destination options, segments left",
	  IN6(.dport = 25, EXT(DST(0), RT(4, 3))), XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_ROUTING_HEADER },
	{ "an atomic fragment (offset 0, M=0, RFC 6946) is parsed through",
	  IN6(.dport = 25, EXT(FRAG(0, false))), XDP_REDIRECT, OUT_FRAME,
	  FWD6(.dport = 25, EXT(FRAG(0, false))), NO_COUNTER },
	{ "an atomic fragment to a denied service", IN6(.dport = 143, EXT(FRAG(0, false))),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY },
	{ "a first fragment (offset 0, M=1)", IN6(.dport = 25, EXT(FRAG(0, true))),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_FRAGMENT },
	{ "a later fragment", IN6(.dport = 25, EXT(FRAG(185, true))), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_FRAGMENT },
	{ "the last fragment", IN6(.dport = 25, EXT(FRAG(1, false))), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_FRAGMENT },
	{ "a first fragment, then an atomic fragment header",
	  IN6(.dport = 25, EXT(FRAG(0, true), FRAG(0, false))), XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_FRAGMENT },
	{ "AH, then TCP", IN6(.dport = 25, EXT(AH)), XDP_REDIRECT, OUT_FRAME,
	  FWD6(.dport = 25, EXT(AH)), NO_COUNTER },
	{ "six extension headers: walked",
	  IN6(.dport = 25, EXT(DST(0), DST(0), DST(0), DST(0), DST(0), DST(0))),
	  XDP_REDIRECT, OUT_FRAME,
	  FWD6(.dport = 25, EXT(DST(0), DST(0), DST(0), DST(0), DST(0), DST(0))),
	  NO_COUNTER },
	{ "seven extension headers: too many",
	  IN6(.dport = 25, EXT(DST(0), DST(0), DST(0), DST(0), DST(0), DST(0), DST(0))),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_EXT_HEADERS },
	{ "256 bytes of extension headers: walked", IN6(.dport = 25, EXT(DST(31))),
	  XDP_REDIRECT, OUT_FRAME, FWD6(.dport = 25, EXT(DST(31))), NO_COUNTER },
	{ "264 bytes of extension headers: too long", IN6(.dport = 25, EXT(DST(32))),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_EXT_HEADERS },
	{ "hop-by-hop not first", IN6(.dport = 25, EXT(DST(0), HBH)), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_EXT_HEADERS },
	{ "hop-by-hop twice", IN6(.dport = 25, EXT(HBH, HBH)), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_EXT_HEADERS },
	{ "a mobility header (not walked)", IN6(.dport = 25, EXT({ .type = 135 })),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_EXT_HEADERS },
	{ "a HIP header (not walked)", IN6(.dport = 25, EXT(DST(0), { .type = 139 })),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_EXT_HEADERS },
	{ "an experimental header (253)", IN6(.dport = 25, EXT({ .type = 253 })),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_EXT_HEADERS },
	{ "ESP: another protocol, default deny", IN6(.proto = 50), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_OTHER_PROTO },
	{ "no next header, default deny", IN6(.proto = 59, EXT(DST(0))), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_OTHER_PROTO },
	{ "gre, default deny", IN6(.proto = 47), XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_OTHER_PROTO },
	/* what cannot be read */
	{ "payload length beyond the frame", IN6(.dport = 25, .tot_len_delta = 1),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	{ "payload length shorter than the tcp header",
	  IN6(.dport = 25, .payload = 1, .tot_len_delta = -10), XDP_DROP, OUT_UNCHANGED,
	  {}, MXGW_DROP_MALFORMED },
	{ "payload length ends inside an extension header",
	  IN6(.dport = 25, EXT(DST(2)), .tot_len_delta = -(24 + 20 + 16) + 16), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	{ "frame cut inside the ipv6 header", IN6(.dport = 25, .truncate = 14 + 39),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	{ "ethernet header alone, ipv6 type", IN6(.dport = 25, .truncate = 14),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	{ "frame cut inside a vlan tag", IN6(.vlans = 1, .dport = 25, .truncate = 16),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED | V4KEY },
	{ "opaque bytes behind the ipv6 type (version 0)", { .ethertype = 0x86dd },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	/* sources no packet from the WAN may carry (checked first) */
	{ "a LAN source", IN6(.saddr = "2001:db8:168::50", .dport = 25), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "the gateway's LAN address as source", IN6(.saddr = TB_LAN6_GW, .dport = 25),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "mailserver6 as source", IN6(.saddr = TB_MAILSERVER6, .dport = 443), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "the WAN device's own address as source", IN6(.saddr = TB_PUBLIC6, .dport = 25),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "unspecified source", IN6(.saddr = "::", .dport = 25), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "loopback source", IN6(.saddr = "::1", .dport = 25), XDP_DROP, OUT_UNCHANGED,
	  {}, MXGW_DROP_MARTIAN },
	{ "multicast source", IN6(.saddr = "ff02::1", .dport = 25), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "multicast source, global scope", IN6(.saddr = "ff0e::101", .dport = 25),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "ipv4-mapped source", IN6(.saddr = "::ffff:198.51.100.7", .dport = 25),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "link-local source: never forwarded", IN6(.saddr = "fe80::1", .dport = 25),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "link-local source, top of fe80::/10",
	  IN6(.saddr = "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .dport = 25),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "martian source to a denied service", IN6(.saddr = "::1", .dport = 143),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "spoofed source to an unlisted port",
	  IN6(.saddr = "2001:db8:168::50", .proto = 17, .dport = 5353), XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "martian fragment", IN6(.saddr = "fe80::1", .dport = 25, EXT(FRAG(8, true))),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "just outside fe80::/10: fec0::1", IN6(.saddr = "fec0::1", .dport = 25),
	  XDP_REDIRECT, OUT_FRAME, FWD6(.saddr = "fec0::1", .dport = 25), NO_COUNTER },
	{ "just outside ::1: ::2", IN6(.saddr = "::2", .dport = 25), XDP_REDIRECT,
	  OUT_FRAME, FWD6(.saddr = "::2", .dport = 25), NO_COUNTER },
	{ "just outside ::ffff:0:0/96", IN6(.saddr = "::fffe:c633:6407", .dport = 25),
	  XDP_REDIRECT, OUT_FRAME, FWD6(.saddr = "::fffe:c633:6407", .dport = 25),
	  NO_COUNTER },
	{ "just outside the LAN's prefix", IN6(.saddr = "2001:db8:169::1", .dport = 25),
	  XDP_REDIRECT, OUT_FRAME, FWD6(.saddr = "2001:db8:169::1", .dport = 25),
	  NO_COUNTER },
	/* ICMPv6 to mailserver6 (RFC 4890) */
	{ "echo request to mailserver6, icmp-echo allow: forwarded",
	  IN6(.proto = 58, .icmp_type = 128, .icmp_id = 77), XDP_REDIRECT, OUT_FRAME,
	  FWD6(.proto = 58, .icmp_type = 128, .icmp_id = 77), MXGW_PASS_ICMP_ECHO },
	{ "echo reply of no flow", IN6(.proto = 58, .icmp_type = 129, .icmp_id = 77),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_ICMP_NO_FLOW },
	{ "a neighbour solicitation to mailserver6, from beyond its link",
	  IN6(.proto = 58, .icmp_type = 135, .ttl = 255), XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_ICMP_NO_FLOW },
	{ "an unknown informational type", IN6(.proto = 58, .icmp_type = 200),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_ICMP_NO_FLOW },
	{ "martian echo request", IN6(.saddr = "::1", .proto = 58, .icmp_type = 128),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "echo request cut short", IN6(.proto = 58, .icmp_type = 128, .payload = 4,
					.tot_len_delta = -8),
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
};

static void test_shipped_table_fixtures(void **state)
{
	(void)state;
	load(conf6(), true);
	RUN(shipped6);
}

/* Each service of the table over IPv6, as shipped and flipped, with its
 * counts under IPv6's key and IPv4's untouched. */
static void test_every_service_in_both_verdicts(void **state)
{
	struct mxgw_conf_file conf;
	(void)state;

	load(conf6(), true);
	assert_int_equal(mxgw_conf_parse_string("t", conf6(), &conf, stderr), 0);
	for (unsigned int i = 0; i < conf.policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf.policy.services[i];

		for (int flip = 0; flip < 2; flip++) {
			int verdict = s->verdict[MXGW_DIR_IN] ^ flip;

			assert_int_equal(mxgw_maps_set_verdict(&tb.maps, s->name,
							       MXGW_DIR_IN, verdict), 0);
			for (int p = 0; p < MXGW_PROTO_MAX; p++) {
				struct fixture f = {
					.name = s->name,
					.in = IN6(.dport = s->port, .proto = p ? 17 : 6),
					.out = FWD6(.dport = s->port, .proto = p ? 17 : 6),
				};
				struct mxgw_pkt_count c0, c1, v4;

				if (!(s->protos & MXGW_PROTO_BIT(p)))
					continue;
				f.verdict = verdict == MXGW_ALLOW ? XDP_REDIRECT : XDP_DROP;
				f.out_kind = verdict == MXGW_ALLOW ? OUT_FRAME : OUT_UNCHANGED;
				f.counter = verdict == MXGW_ALLOW ? MXGW_FWD_REDIRECT :
								    MXGW_DROP_SERVICE_DENY;
				c0 = tb_svc_count_fam(&tb, MXGW_FAM_IPV6, s->name, MXGW_DIR_IN,
						      verdict);
				run_fixture(&f);
				c1 = tb_svc_count_fam(&tb, MXGW_FAM_IPV6, s->name, MXGW_DIR_IN,
						      verdict);
				v4 = tb_svc_count(&tb, s->name, MXGW_DIR_IN, verdict);
				assert_int_equal(c1.packets, c0.packets + 1);
				assert_int_equal(c1.bytes, c0.bytes + 40 + (p ? 8 : 20) + 16);
				assert_int_equal(v4.packets, 0);
			}
		}
	}
}

/*
 * Every cut of a frame with an extension header: the frame cut short (the
 * payload length then runs past it), and the payload length cut short (the
 * bytes after it are link padding).  Never passed, always drop_malformed.
 */
static void test_truncated_at_every_boundary(void **state)
{
	static const struct {
		struct tb_frame_spec spec;
		int whole;	/* the verdict of the whole frame */
	} specs[] = {
		{ IN6(.dport = 25, EXT(DST(1))), XDP_REDIRECT },
		{ IN6(.dport = 25, EXT(HBH, FRAG(0, false))), XDP_PASS },
		{ IN6(.proto = 17, .dport = 53, EXT(AH)), XDP_REDIRECT },
		{ IN6(.proto = 58, .icmp_type = 128, EXT(DST(0))), XDP_REDIRECT },
		{ IN6(.daddr = TB_PUBLIC6, .dport = 22, EXT(RT(4, 0))), XDP_PASS },
	};
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	(void)state;

	load(conf6(), true);
	/* 53 is denied in: allow it, so every cut would otherwise pass */
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "dns", MXGW_DIR_IN, MXGW_ALLOW), 0);
	for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		size_t full = tb_frame(&specs[s].spec, in), l4 = 14, out_len;
		__u8 proto;

		l4 += tb_ip6_l4(in + 14, &proto);
		/* the L4 header mxgw reads: TCP's 20, UDP's and ICMPv6's 8 */
		for (size_t cut = 14; cut < l4 + (proto == 6 ? 20 : 8); cut++) {
			struct tb_frame_spec t = specs[s].spec;
			__u64 before = counter6(MXGW_DROP_MALFORMED);
			int verdict;

			for (int how = 0; how < 2; how++) {
				size_t len;

				if (how == 0) {
					t.truncate = cut;
					t.tot_len_delta = 0;
				} else {
					if (cut < 14 + 40)
						continue;	/* the payload length is in there */
					t.truncate = 0;
					t.tot_len_delta = -(int)(full - cut);
				}
				len = tb_frame(&t, in);
				verdict = tb_run_xdp(&tb, in, len, out, &out_len);
				if (verdict != XDP_DROP || memcmp(in, out, len))
					fail_msg("spec %zu cut at %zu (%s): verdict %d, or changed",
						 s, cut, how ? "payload length" : "frame", verdict);
				if (counter6(MXGW_DROP_MALFORMED) != ++before)
					fail_msg("spec %zu cut at %zu (%s): not drop_malformed",
						 s, cut, how ? "payload length" : "frame");
			}
		}
		/* and whole, it is no malformed one */
		assert_int_equal(tb_run_xdp(&tb, in, tb_frame(&specs[s].spec, in), out,
					    &out_len), specs[s].whole);
	}
}

static void test_default_allow_and_other_protocols(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\nmailserver6 " TB_MAILSERVER6 "\n"
		"default allow\nservice imap 143 allow deny\n";
	const struct fixture fx[] = {
		{ "unlisted port under default allow", IN6(.dport = 8080), XDP_REDIRECT,
		  OUT_FRAME, FWD6(.dport = 8080), MXGW_FWD_REDIRECT },
		{ "listed deny still denies", IN6(.dport = 143), XDP_DROP, OUT_UNCHANGED, {},
		  MXGW_DROP_SERVICE_DENY },
		{ "gre to mailserver6 under default allow", IN6(.proto = 47), XDP_REDIRECT,
		  OUT_FRAME, FWD6(.proto = 47), MXGW_PASS_OTHER_PROTO },
		{ "gre to another LAN host: never", IN6(.proto = 47,
							.daddr = "2001:db8:168::20"),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "esp under default allow", IN6(.proto = 50), XDP_REDIRECT, OUT_FRAME,
		  FWD6(.proto = 50), MXGW_FWD_REDIRECT },
	};
	(void)state;

	load(conf, true);
	RUN(fx);
	assert_int_equal(tb_svc_count_fam(&tb, MXGW_FAM_IPV6, NULL, MXGW_DIR_IN,
					  MXGW_ALLOW).packets, 1);
}

static void test_icmp_echo_deny(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\nmailserver6 " TB_MAILSERVER6 "\n"
		"icmp-echo deny\nservice smtp 25 allow allow\n";
	const struct fixture fx[] = {
		{ "echo request, icmp-echo deny", IN6(.proto = 58, .icmp_type = 128),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_ICMP_ECHO },
		{ "smtp next to it", IN6(.dport = 25), XDP_REDIRECT, OUT_FRAME,
		  FWD6(.dport = 25), MXGW_FWD_REDIRECT },
	};
	(void)state;

	load(conf, true);
	RUN(fx);
}

/* "from" with IPv6 prefixes, and an IPv4-only "from" lets no IPv6 in. */
static void test_from_restricts_incoming_sources(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\nmailserver6 " TB_MAILSERVER6 "\n"
		"service smtps 465 allow allow from " TB_CLIENT6 ",2001:db8:51:8000::/49,"
		TB_CLIENT "\n"
		"service submission 587 allow allow from 198.51.100.0/24\n"
		"service imaps 993 allow allow from 2001:db8:51::/48 to gateway\n";
	const struct fixture fx[] = {
		{ "listed source", IN6(.dport = 465), XDP_REDIRECT, OUT_FRAME,
		  FWD6(.dport = 465), MXGW_FWD_REDIRECT },
		{ "inside a listed prefix", IN6(.dport = 465, .saddr = "2001:db8:51:8000::9"),
		  XDP_REDIRECT, OUT_FRAME, FWD6(.dport = 465, .saddr = "2001:db8:51:8000::9"),
		  NO_COUNTER },
		{ "top of the prefix",
		  IN6(.dport = 465, .saddr = "2001:db8:51:ffff:ffff:ffff:ffff:ffff"),
		  XDP_REDIRECT, OUT_FRAME,
		  FWD6(.dport = 465, .saddr = "2001:db8:51:ffff:ffff:ffff:ffff:ffff"),
		  NO_COUNTER },
		{ "just below the prefix",
		  IN6(.dport = 465, .saddr = "2001:db8:51:7fff:ffff:ffff:ffff:ffff"),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
		{ "next to the listed address", IN6(.dport = 465, .saddr = TB_OTHER_CLIENT6),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
		{ "an IPv4-only from lets no IPv6 source in", IN6(.dport = 587),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
		{ "a to gateway service's port on mailserver6 is not the mail server's",
		  IN6(.dport = 993), XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY },
	};
	struct mxgw_pkt_count deny;
	(void)state;

	load(conf, true);
	RUN(fx);
	deny = tb_svc_count_fam(&tb, MXGW_FAM_IPV6, "smtps", MXGW_DIR_IN, MXGW_DENY);
	assert_int_equal(deny.packets, 2);
	/* drop_service_deny is derived: listed denials less drop_not_from */
	assert_int_equal(counter6(MXGW_DROP_SERVICE_DENY), 1);
	assert_int_equal(counter6(MXGW_DROP_NOT_FROM), 3);
}

/*
 * "to gateway" over IPv6: the WAN device's own IPv6 address on such a
 * port gets the service's verdict and from, counted; everything else to
 * its addresses, to link-local and to multicast is the host's business
 * (neighbour discovery, router advertisements, MLD never dropped).
 */
static void test_gateway_addresses_and_to_gateway_services(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\nmailserver6 " TB_MAILSERVER6 "\n"
		"service ssh 22 allow allow from 2001:db8:51::/48,fe80::/10 to gateway\n"
		"service wg 51820/udp deny allow to gateway\n"
		"service smtp 25 allow allow\n"
		"service imap 143 allow deny\n";
	const struct fixture fx[] = {
		{ "ssh to the WAN's address from inside from", IN6(.daddr = TB_PUBLIC6,
								     .dport = 22),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_GATEWAY_SERVICE },
		{ "ssh from outside from", IN6(.daddr = TB_PUBLIC6, .dport = 22,
					       .saddr = "2001:db8:99::1"),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
		{ "ssh from a LAN source: spoofed", IN6(.daddr = TB_PUBLIC6, .dport = 22,
							 .saddr = "2001:db8:168::50"),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
		{ "ssh from loopback: martian", IN6(.daddr = TB_PUBLIC6, .dport = 22,
						     .saddr = "::1"),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
		{ "ssh from a link-local neighbour: the gateway's own link",
		  IN6(.daddr = TB_PUBLIC6, .dport = 22, .saddr = "fe80::5"),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_GATEWAY_SERVICE },
		{ "ssh with invalid flags", IN6(.daddr = TB_PUBLIC6, .dport = 22,
						.tcp_flags = 0x03),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
		{ "ssh behind destination options", IN6(.daddr = TB_PUBLIC6, .dport = 22,
							 .saddr = "2001:db8:99::1",
							 EXT(DST(0))),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
		{ "ssh behind too many headers: its port could hide there",
		  IN6(.daddr = TB_PUBLIC6, .dport = 22,
		      EXT(DST(0), DST(0), DST(0), DST(0), DST(0), DST(0), DST(0))),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_EXT_HEADERS },
		{ "a first fragment to ssh from outside from",
		  IN6(.daddr = TB_PUBLIC6, .dport = 22, .saddr = "2001:db8:99::1",
		      EXT(FRAG(0, true))),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
		{ "a later fragment to the gateway: no ports, the kernel reassembles",
		  IN6(.daddr = TB_PUBLIC6, .dport = 22, EXT(FRAG(64, false))),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a routing header with segments left to the gateway",
		  IN6(.daddr = TB_PUBLIC6, .dport = 80, EXT(RT(4, 1))),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_ROUTING_HEADER },
		{ "wireguard from anywhere", IN6(.daddr = TB_PUBLIC6, .proto = 17,
						  .dport = 51820, .saddr = "2001:db8:99::1"),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_GATEWAY_SERVICE },
		{ "another port of the gateway: its own business",
		  IN6(.daddr = TB_PUBLIC6, .dport = 8080), XDP_PASS, OUT_UNCHANGED, {},
		  MXGW_PASS_NOT_FOR_US },
		{ "a denied service's port on the gateway: its own business too",
		  IN6(.daddr = TB_PUBLIC6, .dport = 143), XDP_PASS, OUT_UNCHANGED, {},
		  MXGW_PASS_NOT_FOR_US },
		{ "echo request to the gateway", IN6(.daddr = TB_PUBLIC6, .proto = 58,
						     .icmp_type = 128),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a neighbour advertisement to the gateway's address",
		  IN6(.daddr = TB_PUBLIC6, .saddr = "fe80::1", .proto = 58, .icmp_type = 136,
		      .ttl = 255),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a neighbour solicitation to its solicited-node group",
		  IN6(.daddr = "ff02::1:ff00:33", .saddr = "fe80::1", .proto = 58,
		      .icmp_type = 135, .ttl = 255),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "duplicate address detection (from ::)",
		  IN6(.daddr = "ff02::1:ff00:44", .saddr = "::", .proto = 58,
		      .icmp_type = 135, .ttl = 255),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a router advertisement to all nodes",
		  IN6(.daddr = "ff02::1", .saddr = "fe80::1", .proto = 58, .icmp_type = 134,
		      .ttl = 255),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a router solicitation to all routers",
		  IN6(.daddr = "ff02::2", .saddr = "fe80::1", .proto = 58, .icmp_type = 133,
		      .ttl = 255),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "an MLDv2 report, hop-by-hop router alert",
		  IN6(.daddr = "ff02::16", .saddr = "fe80::1", .proto = 58, .icmp_type = 143,
		      .ttl = 1, EXT(HBH)),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a redirect to a link-local address",
		  IN6(.daddr = "fe80::33", .saddr = "fe80::1", .proto = 58, .icmp_type = 137,
		      .ttl = 255),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "udp to a link-local address", IN6(.daddr = "fe80::33", .proto = 17,
						     .dport = 546),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "smtp next to it is still forwarded", IN6(.dport = 25), XDP_REDIRECT,
		  OUT_FRAME, FWD6(.dport = 25), MXGW_FWD_REDIRECT },
	};
	struct mxgw_pkt_count in, deny;
	(void)state;

	load(conf, true);
	RUN(fx);
	in = tb_svc_count_fam(&tb, MXGW_FAM_IPV6, "ssh", MXGW_DIR_IN, MXGW_ALLOW);
	deny = tb_svc_count_fam(&tb, MXGW_FAM_IPV6, "ssh", MXGW_DIR_IN, MXGW_DENY);
	assert_int_equal(in.packets, 2);
	assert_int_equal(deny.packets, 3);	/* outside from, three times */
	/* passed to the gateway is not forwarded */
	assert_int_equal(counter6(MXGW_FWD_REDIRECT), 1);
	/* the two ssh SYNs let in, and smtp's */
	assert_int_equal(counter6(MXGW_IN_NEW), 3);
}

/*
 * Anything to a LAN address other than mailserver6's services reaches it
 * only as a reply of a tracked flow (test_tc6); anything the kernel would
 * forward elsewhere is dropped; the host's own routes pass.
 */
static void test_other_destinations(void **state)
{
	const struct fixture fx[] = {
		{ "a SYN to another LAN host's ssh", IN6(.daddr = "2001:db8:168::20",
							  .dport = 22),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "udp to another LAN host", IN6(.daddr = "2001:db8:168::20", .proto = 17,
						 .dport = 161),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "an ACK to another LAN host (no flow)", IN6(.daddr = "2001:db8:168::20",
							      .dport = 40000,
							      .tcp_flags = 0x10),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "echo request to another LAN host", IN6(.daddr = "2001:db8:168::20",
							  .proto = 58, .icmp_type = 128),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "a neighbour solicitation to a LAN host, from beyond its link",
		  IN6(.daddr = "2001:db8:168::20", .proto = 58, .icmp_type = 135,
		      .ttl = 255),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "the gateway's own LAN address", IN6(.daddr = TB_LAN6_GW, .dport = 22),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "a spoofed source to a LAN host", IN6(.daddr = "2001:db8:168::20",
							 .saddr = "2001:db8:168::21",
							 .dport = 22),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
		{ "a fragment to a LAN host", IN6(.daddr = "2001:db8:168::20", .dport = 22,
						  EXT(FRAG(0, true))),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_FRAGMENT },
		{ "routed on: another Internet host", IN6(.daddr = TB_OTHER_CLIENT6,
							  .dport = 80),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TRANSIT },
		{ "routed on: a neighbour on the WAN's prefix", IN6(.daddr = TB_ROUTER6,
								     .dport = 80),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TRANSIT },
		{ "a network routed behind the LAN", IN6(.daddr = "2001:db8:172::9",
							 .dport = 22),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TRANSIT },
		{ "no route: the kernel answers unreachable", IN6(.daddr = "2001:db8:ffff::1",
								   .dport = 80),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a local address of the gateway's (on lo)", IN6(.daddr = "2001:db8:9::9",
								   .dport = 22),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a blackhole route", IN6(.daddr = "2001:db8:66::1", .dport = 80),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "multicast beyond the link", IN6(.daddr = "ff0e::101", .proto = 17,
						   .dport = 5000),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
	};
	struct fixture no_fwd = { "routed on, forwarding off", IN6(.daddr = TB_OTHER_CLIENT6,
								    .dport = 80),
				  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US };
	(void)state;

	load(conf6(), true);
	tb_sh("ip -6 route replace 2001:db8:172::/48 via " TB_MAILSERVER6);
	tb_sh("ip -6 addr replace 2001:db8:9::9/128 dev lo");
	tb_sh("ip -6 route replace blackhole 2001:db8:66::/48");
	RUN(fx);
	/* the kernel forwards nothing that came in on wan0 */
	tb_sh("sysctl -qw net.ipv6.conf.wan0.forwarding=0");
	run_fixture(&no_fwd);
	tb_sh("sysctl -qw net.ipv6.conf.wan0.forwarding=1");
}

/* Without mailserver6 nothing is let in; IPv6 to the LAN is still filtered. */
static void test_without_mailserver6(void **state)
{
	const struct fixture fx[] = {
		{ "smtp to the mail server's IPv6 address", IN6(.dport = 25), XDP_DROP,
		  OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "echo request to it", IN6(.proto = 58, .icmp_type = 128), XDP_DROP,
		  OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "a spoofed source", IN6(.saddr = "2001:db8:168::50", .dport = 25),
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
		{ "the gateway's own addresses stay its own", IN6(.daddr = TB_PUBLIC6,
								   .dport = 22),
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
	};
	(void)state;

	load(tb_shipped_conf(), true);
	RUN(fx);
}

/* Without the LAN device in mxgw_tx_ports the kernel forwards. */
static void test_device_without_xdp_xmit_gets_kernel_path(void **state)
{
	const struct fixture fx[] = {
		{ "no fast path", IN6(.dport = 25), XDP_PASS, OUT_UNCHANGED, {},
		  MXGW_FWD_KERNEL_NO_XMIT },
	};
	(void)state;

	load(conf6(), false);
	RUN(fx);
}

static void test_unresolved_neighbour_gets_kernel_path(void **state)
{
	const struct fixture fx[] = {
		{ "no neighbour", IN6(.dport = 25), XDP_PASS, OUT_UNCHANGED, {},
		  MXGW_FWD_KERNEL_NO_NEIGH },
	};
	(void)state;

	load(conf6(), true);
	tb_sh("ip -6 neigh del " TB_MAILSERVER6 " dev lan0");
	tb_reset_nexthop(&tb);
	RUN(fx);
	tb_sh("ip -6 neigh replace " TB_MAILSERVER6 " lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
}

/* IPv6 routers never fragment: larger than the LAN's MTU, the kernel sends
 * Packet Too Big. */
static void test_larger_than_lan_mtu_gets_kernel_path(void **state)
{
	const struct fixture fx[] = {
		{ "over the mtu", IN6(.dport = 443, .payload = 1221), XDP_PASS,
		  OUT_UNCHANGED, {}, MXGW_FWD_KERNEL_MTU },
		{ "the mtu exactly", IN6(.dport = 443, .payload = 1220), XDP_REDIRECT,
		  OUT_FRAME, FWD6(.dport = 443, .payload = 1220), MXGW_FWD_REDIRECT },
	};
	(void)state;

	load(conf6(), true);
	tb_sh("ip link set lan0 mtu 1280");
	tb_reset_nexthop(&tb);
	RUN(fx);
	tb_sh("ip link set lan0 mtu 1500");
}

/* IPv6's next hop is cached per CPU under its own key, as IPv4's. */
static void test_next_hop_is_cached_not_looked_up_per_packet(void **state)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME], in4[TB_MAX_FRAME];
	struct tb_frame_spec spec = IN6(.dport = 25), spec4 = { .dport = 25 };
	size_t len, len4, out_len;
	__u64 before;
	(void)state;

	load(conf6(), true);
	len = tb_frame(&spec, in);
	len4 = tb_frame(&spec4, in4);
	assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_REDIRECT);
	assert_int_equal(counter6(MXGW_FIB_REFRESH), 1);
	before = counter6(MXGW_FIB_REFRESH);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_REDIRECT);
		/* IPv4's packets between them use their own entry */
		assert_int_equal(tb_run_xdp(&tb, in4, len4, out, &out_len), XDP_REDIRECT);
	}
	/* at most one refresh per CPU if the 250 ms period ended meanwhile */
	assert_true(counter6(MXGW_FIB_REFRESH) - before <= 2);
	assert_true(tb_counter(&tb, MXGW_FIB_REFRESH) <= 3);
}

/* A changed mailserver6 (mxctl reload) is looked up on its next packet. */
static void test_new_mailserver6_is_looked_up(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\n"
		"mailserver6 2001:db8:168::11\nservice smtp 25 allow allow\n";
	const struct fixture fx[] = {
		{ "to the new one, its MAC", IN6(.daddr = "2001:db8:168::11", .dport = 25),
		  XDP_REDIRECT, OUT_FRAME,
		  { .ip6 = true, .ttl = 63, .set_macs = true, .daddr = "2001:db8:168::11",
		    .dmac = { 0x02, 0, 0, 0, 0x01, 0x0b }, .smac = LAN_MAC, .dport = 25 },
		  MXGW_FIB_REFRESH },
		{ "the old one is another LAN host now", IN6(.dport = 25), XDP_DROP,
		  OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
	};
	const struct fixture first = { "to the first one", IN6(.dport = 25), XDP_REDIRECT,
				       OUT_FRAME, FWD6(.dport = 25), MXGW_FIB_REFRESH };
	(void)state;

	load(conf6(), true);
	run_fixture(&first);
	tb_sh("ip -6 neigh replace 2001:db8:168::11 lladdr 02:00:00:00:01:0b dev lan0 nud permanent");
	tb_apply(&tb, conf);
	RUN(fx);
	tb_sh("ip -6 neigh del 2001:db8:168::11 dev lan0");
}

/* Log events for IPv6: the family, both addresses, the ports after the
 * extension headers, the L4 protocol and the table's service. */
static int take_event(void *ctx, void *data, size_t size)
{
	struct mxgw_event *ev = ctx;

	if (size >= sizeof(*ev))
		memcpy(ev, data, sizeof(*ev));
	return 0;
}

static void test_log_events(void **state)
{
	struct mxgw_log_lease lease = { .pid = getpid() };
	struct tb_frame_spec spec = IN6(.dport = 143, .sport = 41000,
					EXT(DST(0), FRAG(0, false)));
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	struct in6_addr s6, d6;
	struct mxgw_service svcs[MXGW_MAX_SERVICES];
	struct mxgw_event ev;
	struct ring_buffer *rb;
	size_t len, out_len;
	int n = 0;
	(void)state;

	load(conf6(), true);
	lease.until_ns = mxgw_now_ns() + MXGW_LOG_LEASE_NS;
	assert_int_equal(mxgw_maps_write_log_lease(&tb.maps, &lease), 0);
	memset(&ev, 0, sizeof(ev));
	rb = ring_buffer__new(tb.maps.events, take_event, &ev, NULL);
	assert_non_null(rb);
	len = tb_frame(&spec, in);
	/* before the clock's first tick the lease is read directly; after,
	 * the tick copies it: poll until an event comes */
	for (int waited = 0; waited < 2000 && !n; waited += 50) {
		assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_DROP);
		n = ring_buffer__consume(rb);
		if (!n)
			usleep(50 * 1000);
	}
	ring_buffer__free(rb);
	lease.until_ns = 0;
	assert_int_equal(mxgw_maps_write_log_lease(&tb.maps, &lease), 0);
	assert_true(n > 0);
	inet_pton(AF_INET6, TB_CLIENT6, &s6);
	inet_pton(AF_INET6, TB_MAILSERVER6, &d6);
	assert_int_equal(ev.family, MXGW_FAM_IPV6);
	assert_int_equal(ev.reason, MXGW_DROP_SERVICE_DENY);
	assert_int_equal(ev.verdict, MXGW_EV_DROP);
	assert_int_equal(ev.dir, MXGW_DIR_IN);
	assert_memory_equal(ev.saddr, &s6, 16);
	assert_memory_equal(ev.daddr, &d6, 16);
	assert_int_equal(ev.proto, IPPROTO_TCP);
	assert_int_equal(ntohs(ev.sport), 41000);
	assert_int_equal(ntohs(ev.dport), 143);
	assert_int_equal(ev.pkt_len, len);
	assert_int_equal(mxgw_maps_read_services(&tb.maps, svcs), 0);
	assert_string_equal(svcs[ev.svc_id].name, "imap");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_table_fixtures),
		cmocka_unit_test(test_every_service_in_both_verdicts),
		cmocka_unit_test(test_truncated_at_every_boundary),
		cmocka_unit_test(test_default_allow_and_other_protocols),
		cmocka_unit_test(test_icmp_echo_deny),
		cmocka_unit_test(test_from_restricts_incoming_sources),
		cmocka_unit_test(test_gateway_addresses_and_to_gateway_services),
		cmocka_unit_test(test_other_destinations),
		cmocka_unit_test(test_without_mailserver6),
		cmocka_unit_test(test_device_without_xdp_xmit_gets_kernel_path),
		cmocka_unit_test(test_unresolved_neighbour_gets_kernel_path),
		cmocka_unit_test(test_larger_than_lan_mtu_gets_kernel_path),
		cmocka_unit_test(test_next_hop_is_cached_not_looked_up_per_packet),
		cmocka_unit_test(test_new_mailserver6_is_looked_up),
		cmocka_unit_test(test_log_events),
	};

	return cmocka_run_group_tests_name("xdp mxgw_wan_in, IPv6", tests, tb_group_setup,
					   tb_group_teardown);
}
