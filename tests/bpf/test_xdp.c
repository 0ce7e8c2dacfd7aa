// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxgw_wan_in through bpf_prog_test_run_opts: real frames through the real
 * program with maps filled by the real parser and map code.  Each fixture
 * is a frame in, the verdict, the frame out and the counter that names
 * what happened; expected frames are built from scratch, checksums
 * included, so a byte-equal frame out proves the incremental updates.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
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
	int counter;	/* enum mxgw_counter that counts it, or NO_COUNTER */
};

/* DNAT to the mail server, forwarded by XDP: MACs of the next hop, TTL-1 */
#define REDIRECTED(...) { .daddr = TB_MAILSERVER, .ttl = 63, .set_macs = true, \
			  .dmac = MAIL_MAC, .smac = LAN_MAC, __VA_ARGS__ }
/* DNAT to the mail server, handed to the kernel: MACs and TTL untouched */
#define TO_KERNEL(...)	{ .daddr = TB_MAILSERVER, __VA_ARGS__ }

static const struct fixture shipped_table[] = {
	{ "smtp allowed in, redirected", { .dport = 25 }, XDP_REDIRECT,
	  OUT_FRAME, REDIRECTED(.dport = 25), MXGW_FWD_REDIRECT },
	{ "https allowed in, large payload", { .dport = 443, .payload = 1400 },
	  XDP_REDIRECT, OUT_FRAME, REDIRECTED(.dport = 443, .payload = 1400), NO_COUNTER },
	{ "imap denied in", { .dport = 143 }, XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_SERVICE_DENY },
	{ "unlisted tcp port, default deny", { .dport = 8080 }, XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_DEFAULT_DENY },
	{ "dns over udp denied in", { .proto = 17, .dport = 53 }, XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY },
	{ "smtp over udp is not the smtp service", { .proto = 17, .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_DEFAULT_DENY },
	{ "one vlan tag: rewritten, kernel forwards",
	  { .vlans = 1, .dport = 25 }, XDP_PASS, OUT_FRAME,
	  TO_KERNEL(.vlans = 1, .dport = 25), MXGW_FWD_KERNEL_VLAN },
	{ "two vlan tags (802.1ad + 802.1Q): rewritten, kernel forwards",
	  { .vlans = 2, .dport = 993 }, XDP_PASS, OUT_FRAME,
	  TO_KERNEL(.vlans = 2, .dport = 993), MXGW_FWD_KERNEL_VLAN },
	{ "two vlan tags, denied service", { .vlans = 2, .dport = 110 }, XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY },
	{ "ip options: rewritten, kernel forwards", { .ihl = 6, .dport = 465 },
	  XDP_PASS, OUT_FRAME, TO_KERNEL(.ihl = 6, .dport = 465),
	  MXGW_FWD_KERNEL_IP_OPTIONS },
	{ "ip options, max length", { .ihl = 15, .dport = 465 },
	  XDP_PASS, OUT_FRAME, TO_KERNEL(.ihl = 15, .dport = 465),
	  MXGW_FWD_KERNEL_IP_OPTIONS },
	{ "ttl 1: rewritten, kernel answers time exceeded", { .ttl = 1, .dport = 25 },
	  XDP_PASS, OUT_FRAME, TO_KERNEL(.ttl = 1, .dport = 25), MXGW_FWD_KERNEL_TTL },
	{ "more-fragments set", { .frag_off = 0x2000, .dport = 25 }, XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_FRAGMENT },
	{ "non-zero fragment offset", { .frag_off = 0x0010, .dport = 25 }, XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_FRAGMENT },
	{ "DF alone is not a fragment", { .frag_off = 0x4000, .dport = 25 },
	  XDP_REDIRECT, OUT_FRAME, REDIRECTED(.frag_off = 0x4000, .dport = 25),
	  NO_COUNTER },
	{ "ihl below 5", { .ihl = 4, .dport = 25 }, XDP_DROP, OUT_UNCHANGED, {},
	  MXGW_DROP_MALFORMED },
	{ "total length beyond the frame", { .dport = 25, .tot_len_delta = 1 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	{ "total length shorter than the tcp header",
	  { .dport = 25, .payload = 1, .tot_len_delta = -10 }, XDP_DROP,
	  OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	{ "frame cut inside the ip header", { .dport = 25, .truncate = 14 + 19 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	{ "frame cut inside the tcp header", { .dport = 25, .truncate = 14 + 20 + 12 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	/* (test_run refuses frames shorter than an Ethernet header) */
	{ "ethernet header alone, ipv4 type", { .dport = 25, .truncate = 14 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	/* the kernel could not read it either, but nothing XDP cannot read
	 * is passed (issue 10, item 2) */
	{ "frame cut inside a vlan tag", { .vlans = 1, .dport = 25, .truncate = 16 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	{ "link padding after the datagram is fine",
	  { .dport = 25, .tot_len_delta = -4, .payload = 20 }, XDP_REDIRECT, OUT_FRAME,
	  REDIRECTED(.dport = 25, .tot_len_delta = -4, .payload = 20), NO_COUNTER },
	{ "arp passes untouched", { .ethertype = 0x0806 }, XDP_PASS, OUT_UNCHANGED,
	  {}, MXGW_PASS_NON_IP },
	/* IPv6 is filtered (test_xdp6; its counters have IPv6's key): bytes
	 * that are no IPv6 header behind its EtherType are dropped */
	{ "ipv6 is no longer passed untouched", { .ethertype = 0x86dd },
	  XDP_DROP, OUT_UNCHANGED, {}, NO_COUNTER },
	{ "a LAN source on the WAN is spoofed", { .saddr = "192.168.1.50", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "the public address as source is spoofed", { .saddr = TB_PUBLIC, .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "another address of the WAN's prefix: the kernel would forward it",
	  { .daddr = "203.0.113.34", .dport = 143 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TRANSIT },
	{ "echo request to the public address goes to the gateway",
	  { .proto = 1, .icmp_type = 8, .icmp_id = 77 },
	  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_ICMP_ECHO },
	{ "echo reply of no flow", { .proto = 1, .icmp_type = 0, .icmp_id = 77 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_ICMP_NO_FLOW },
	{ "gre to the public address, default deny", { .proto = 47 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_OTHER_PROTO },
	/* issue 10, item 2: the kernel strips VID-0 tags the parser did not
	 * take and would deliver the SYN to the gateway's own stack */
	{ "three vlan tags: more than mxgw parses", { .vlans = 3, .dport = 8080 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_VLAN_DEPTH },
	{ "three vlan tags to an allowed service", { .vlans = 3, .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_VLAN_DEPTH },
	{ "five vlan tags", { .vlans = 5, .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_VLAN_DEPTH },
	{ "frame cut inside the second vlan tag", { .vlans = 2, .dport = 25, .truncate = 20 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MALFORMED },
	/* issue 10, item 3: martian sources with the fast path active (the
	 * kernel would drop them; XDP forwards before it looks) */
	{ "loopback source", { .saddr = "127.0.0.1", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "loopback net source", { .saddr = "127.255.0.9", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "unspecified source", { .saddr = "0.0.0.0", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "this-network source", { .saddr = "0.1.2.3", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "multicast source", { .saddr = "224.0.0.5", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "multicast source, top", { .saddr = "239.255.255.255", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "class E source", { .saddr = "240.0.0.1", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "limited broadcast source", { .saddr = "255.255.255.255", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "the WAN prefix's broadcast as source", { .saddr = "203.0.113.255", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "the gateway's LAN address as source", { .saddr = "192.168.1.1", .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "the mail server's address as source", { .saddr = TB_MAILSERVER, .dport = 443 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "just outside the martian classes: 1.0.0.0", { .saddr = "1.0.0.0", .dport = 25 },
	  XDP_REDIRECT, OUT_FRAME, REDIRECTED(.saddr = "1.0.0.0", .dport = 25), NO_COUNTER },
	{ "just outside the martian classes: 126.255.255.255",
	  { .saddr = "126.255.255.255", .dport = 25 }, XDP_REDIRECT, OUT_FRAME,
	  REDIRECTED(.saddr = "126.255.255.255", .dport = 25), NO_COUNTER },
	{ "just outside the martian classes: 223.255.255.255",
	  { .saddr = "223.255.255.255", .dport = 25 }, XDP_REDIRECT, OUT_FRAME,
	  REDIRECTED(.saddr = "223.255.255.255", .dport = 25), NO_COUNTER },
	{ "just outside the LAN prefix", { .saddr = "192.168.2.1", .dport = 25 },
	  XDP_REDIRECT, OUT_FRAME, REDIRECTED(.saddr = "192.168.2.1", .dport = 25), NO_COUNTER },
	/* ... on every path, not only where a packet would be let in */
	{ "martian source to a denied service", { .saddr = "127.0.0.1", .dport = 143 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "martian source to an unlisted port", { .saddr = "224.0.0.5", .dport = 8080 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "martian echo request to the gateway",
	  { .saddr = "127.0.0.1", .proto = 1, .icmp_type = 8, .icmp_id = 77 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "spoofed echo request to the gateway",
	  { .saddr = "192.168.1.50", .proto = 1, .icmp_type = 8, .icmp_id = 77 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
	{ "martian udp", { .saddr = "0.0.0.0", .proto = 17, .sport = 68, .dport = 67 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	{ "martian fragment", { .saddr = "240.1.1.1", .frag_off = 0x2000, .dport = 25 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_MARTIAN },
	/* issue 10, item 4: what netfilter calls invalid, to an allowed port */
	{ "syn+fin to smtp", { .dport = 25, .tcp_flags = 0x03 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
	{ "syn+rst to smtp", { .dport = 25, .tcp_flags = 0x06 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
	{ "fin without ack to smtp", { .dport = 25, .tcp_flags = 0x01 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
	{ "xmas (fin+psh+urg) to smtp", { .dport = 25, .tcp_flags = 0x29 },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
	{ "every flag to smtp", { .dport = 25, .tcp_flags = 0xff },
	  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
	{ "syn with ece+cwr (ECN setup) is a syn", { .dport = 25, .tcp_flags = 0xc2 },
	  XDP_REDIRECT, OUT_FRAME, REDIRECTED(.dport = 25, .tcp_flags = 0xc2), NO_COUNTER },
	{ "psh+ack to smtp", { .dport = 25, .tcp_flags = 0x18 },
	  XDP_REDIRECT, OUT_FRAME, REDIRECTED(.dport = 25, .tcp_flags = 0x18), NO_COUNTER },
	{ "invalid flags to a denied service: dropped either way",
	  { .dport = 143, .tcp_flags = 0x03 }, XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TCP_FLAGS },
};

static void run_fixture(struct tb *tb, const struct fixture *f)
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
		before = tb_counter(tb, f->counter);

	verdict = tb_run_xdp(tb, in, in_len, out, &out_len);

	if (verdict != f->verdict)
		fail_msg("%s: verdict %d, want %d", f->name, verdict, f->verdict);
	if (out_len != want_len || memcmp(out, want, want_len)) {
		tb_hexdiff(out, out_len, want, want_len);
		fail_msg("%s: frame out differs", f->name);
	}
	if (f->counter != NO_COUNTER && tb_counter(tb, f->counter) != before + 1)
		fail_msg("%s: counter %s did not count it", f->name,
			 mxgw_counter_name(f->counter));
}

/* Every rewritten frame must also carry checksums a receiver accepts. */
static void assert_checksums_valid(const __u8 *frame, int vlans)
{
	const __u8 *ip = frame + 14 + 4 * vlans;

	assert_int_equal(tb_ip_csum(ip), 0);
	if (ip[9] == 6 || (ip[9] == 17 && (ip[(ip[0] & 0xf) * 4 + 6] ||
					   ip[(ip[0] & 0xf) * 4 + 7])))
		assert_int_equal(tb_l4_csum(ip), 0);
}

static struct tb tb;

static void load_shipped(bool fast_path)
{
	tb_reset(&tb, tb_shipped_conf());
	if (fast_path)
		tb_allow_redirect(&tb, "lan0");
}

static void test_shipped_table_fixtures(void **state)
{
	(void)state;
	load_shipped(true);
	for (size_t i = 0; i < sizeof(shipped_table) / sizeof(shipped_table[0]); i++)
		run_fixture(&tb, &shipped_table[i]);
}

/* Each service of the table, as shipped and flipped, in and out of the table. */
static void test_every_service_in_both_verdicts(void **state)
{
	struct mxgw_conf_file conf;
	(void)state;

	load_shipped(true);
	assert_int_equal(mxgw_conf_parse_string("t", tb_shipped_conf(), &conf, stderr), 0);
	for (unsigned int i = 0; i < conf.policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf.policy.services[i];

		for (int flip = 0; flip < 2; flip++) {
			int verdict = s->verdict[MXGW_DIR_IN] ^ flip;

			assert_int_equal(mxgw_maps_set_verdict(&tb.maps, s->name,
							       MXGW_DIR_IN, verdict), 0);
			for (int p = 0; p < MXGW_PROTO_MAX; p++) {
				struct fixture f = {
					.name = s->name,
					.in = { .dport = s->port, .proto = p ? 17 : 6 },
					.out = REDIRECTED(.dport = s->port, .proto = p ? 17 : 6),
				};
				struct mxgw_pkt_count c0, c1;

				if (!(s->protos & MXGW_PROTO_BIT(p)))
					continue;
				f.verdict = verdict == MXGW_ALLOW ? XDP_REDIRECT : XDP_DROP;
				f.out_kind = verdict == MXGW_ALLOW ? OUT_FRAME : OUT_UNCHANGED;
				f.counter = verdict == MXGW_ALLOW ? NO_COUNTER :
								    MXGW_DROP_SERVICE_DENY;
				c0 = tb_svc_count(&tb, s->name, MXGW_DIR_IN, verdict);
				run_fixture(&tb, &f);
				c1 = tb_svc_count(&tb, s->name, MXGW_DIR_IN, verdict);
				assert_int_equal(c1.packets, c0.packets + 1);
				assert_int_equal(c1.bytes, c0.bytes + 20 + (p ? 8 : 20) + 16);
			}
		}
	}
}

static void test_rewritten_frames_have_valid_checksums(void **state)
{
	static const struct tb_frame_spec specs[] = {
		{ .dport = 25 }, { .dport = 443, .payload = 1001 },
		/* (the extremes of the address space are martians: dropped) */
		{ .dport = 993, .sport = 65535, .saddr = "223.255.255.254" },
		{ .dport = 25, .saddr = "1.0.0.1" },
	};
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len, out_len;
	(void)state;

	load_shipped(true);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		len = tb_frame(&specs[i], in);
		assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_REDIRECT);
		assert_checksums_valid(out, 0);
	}
}

static const char udp_conf[] =
	"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\n"
	"service dns 53/tcp,udp allow allow\n";

static void test_udp_zero_checksum_stays_zero(void **state)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME], want[TB_MAX_FRAME];
	struct tb_frame_spec spec = { .proto = 17, .dport = 53, .udp_csum_zero = true };
	struct tb_frame_spec exp = REDIRECTED(.proto = 17, .dport = 53,
					      .udp_csum_zero = true);
	size_t len, out_len, want_len;
	(void)state;

	tb_reset(&tb, udp_conf);
	tb_allow_redirect(&tb, "lan0");
	len = tb_frame(&spec, in);
	want_len = tb_frame(&exp, want);
	assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_REDIRECT);
	assert_int_equal(out_len, want_len);
	assert_memory_equal(out, want, want_len);
	assert_int_equal(out[14 + 20 + 6], 0);
	assert_int_equal(out[14 + 20 + 7], 0);

	/* and a UDP checksum that is there stays right */
	spec.udp_csum_zero = exp.udp_csum_zero = false;
	len = tb_frame(&spec, in);
	want_len = tb_frame(&exp, want);
	assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_REDIRECT);
	assert_memory_equal(out, want, want_len);
	assert_checksums_valid(out, 0);
}

static void test_default_allow_forwards_unlisted_ports(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\ndefault allow\n"
		"service imap 143 allow deny\n";
	struct fixture fx[] = {
		{ "unlisted port under default allow", { .dport = 8080 }, XDP_REDIRECT,
		  OUT_FRAME, REDIRECTED(.dport = 8080), NO_COUNTER },
		{ "listed deny still denies", { .dport = 143 }, XDP_DROP, OUT_UNCHANGED,
		  {}, MXGW_DROP_SERVICE_DENY },
	};
	(void)state;

	tb_reset(&tb, conf);
	tb_allow_redirect(&tb, "lan0");
	for (size_t i = 0; i < 2; i++)
		run_fixture(&tb, &fx[i]);
	assert_int_equal(tb_svc_count(&tb, NULL, MXGW_DIR_IN, MXGW_ALLOW).packets, 1);
}

static void test_from_restricts_incoming_sources(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\n"
		"service smtps 465 allow allow from " TB_CLIENT ",203.0.113.128/25\n";
	struct fixture fx[] = {
		{ "listed source", { .dport = 465 }, XDP_REDIRECT, OUT_FRAME,
		  REDIRECTED(.dport = 465), NO_COUNTER },
		{ "source inside a listed prefix", { .dport = 465, .saddr = "203.0.113.200" },
		  XDP_REDIRECT, OUT_FRAME,
		  REDIRECTED(.dport = 465, .saddr = "203.0.113.200"), NO_COUNTER },
		{ "source outside", { .dport = 465, .saddr = TB_OTHER_CLIENT }, XDP_DROP,
		  OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
		{ "just below the prefix", { .dport = 465, .saddr = "203.0.113.127" },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
	};
	(void)state;

	tb_reset(&tb, conf);
	tb_allow_redirect(&tb, "lan0");
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++)
		run_fixture(&tb, &fx[i]);
}

/* Without the LAN device in mxgw_tx_ports the kernel forwards. */
static void test_device_without_xdp_xmit_gets_kernel_path(void **state)
{
	struct fixture f = { "no fast path", { .dport = 25 }, XDP_PASS, OUT_FRAME,
			     TO_KERNEL(.dport = 25), MXGW_FWD_KERNEL_NO_XMIT };
	(void)state;

	load_shipped(false);
	run_fixture(&tb, &f);
}

static void test_unresolved_neighbour_gets_kernel_path(void **state)
{
	struct fixture f = { "no neighbour", { .dport = 25 }, XDP_PASS, OUT_FRAME,
			     TO_KERNEL(.dport = 25), MXGW_FWD_KERNEL_NO_NEIGH };
	(void)state;

	load_shipped(true);
	tb_sh("ip neigh del 192.168.1.10 dev lan0");
	tb_reset_nexthop(&tb);
	run_fixture(&tb, &f);
	tb_sh("ip neigh replace 192.168.1.10 lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
}

static void test_larger_than_lan_mtu_gets_kernel_path(void **state)
{
	struct fixture f = { "over mtu", { .dport = 443, .payload = 1100 }, XDP_PASS,
			     OUT_FRAME, TO_KERNEL(.dport = 443, .payload = 1100),
			     MXGW_FWD_KERNEL_MTU };
	(void)state;

	load_shipped(true);
	tb_sh("ip link set lan0 mtu 1000");
	tb_reset_nexthop(&tb);
	run_fixture(&tb, &f);
	tb_sh("ip link set lan0 mtu 1500");
}

/* The fast path does not look the route up per packet ... */
static void test_next_hop_is_cached_not_looked_up_per_packet(void **state)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	struct tb_frame_spec spec = { .dport = 25 };
	size_t len, out_len;
	__u64 before;
	(void)state;

	load_shipped(true);
	len = tb_frame(&spec, in);
	assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_REDIRECT);
	before = tb_counter(&tb, MXGW_FIB_REFRESH);
	for (int i = 0; i < 100; i++)
		assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_REDIRECT);
	/* at most one refresh per CPU if the 250 ms period ended meanwhile */
	assert_true(tb_counter(&tb, MXGW_FIB_REFRESH) - before <= 2);
}

/* ... yet follows a new MAC of the mail server within a second. */
static void test_changed_mail_server_mac_followed_within_a_second(void **state)
{
	static const __u8 new_mac[6] = { 0x02, 0, 0, 0, 0x01, 0xbb };
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	struct tb_frame_spec spec = { .dport = 25 };
	size_t len, out_len;
	int waited_ms = 0;
	(void)state;

	load_shipped(true);
	len = tb_frame(&spec, in);
	assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_REDIRECT);
	assert_memory_not_equal(out, new_mac, 6);
	tb_sh("ip neigh replace 192.168.1.10 lladdr 02:00:00:00:01:bb dev lan0 nud permanent");
	while (waited_ms <= 1000) {
		assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_REDIRECT);
		if (!memcmp(out, new_mac, 6))
			break;
		usleep(50 * 1000);
		waited_ms += 50;
	}
	tb_sh("ip neigh replace 192.168.1.10 lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
	if (waited_ms > 1000)
		fail_msg("the new MAC was not used after %d ms", waited_ms);
}

static void test_set_service_takes_effect_on_next_packet(void **state)
{
	struct fixture denied = { "imap before", { .dport = 143 }, XDP_DROP,
				  OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY };
	struct fixture allowed = { "imap after allow", { .dport = 143 }, XDP_REDIRECT,
				   OUT_FRAME, REDIRECTED(.dport = 143), NO_COUNTER };
	struct fixture smtp_denied = { "smtp after deny", { .dport = 25 }, XDP_DROP,
				       OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY };
	(void)state;

	load_shipped(true);
	run_fixture(&tb, &denied);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "imap", MXGW_DIR_IN, MXGW_ALLOW), 0);
	run_fixture(&tb, &allowed);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "smtp", -1, MXGW_DENY), 0);
	run_fixture(&tb, &smtp_denied);
	/* the outgoing direction alone leaves incoming as it was */
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "imap", MXGW_DIR_OUT, MXGW_DENY), 0);
	run_fixture(&tb, &allowed);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "nosuch", -1, MXGW_DENY), -ENOENT);
}

/*
 * "to gateway": incoming to the gateway's own stack on the public address,
 * the frame as it came (XDP_PASS), never rewritten; from and the verdict
 * work as for any service, and an established session's segments pass.
 */
static void test_to_gateway_service_passes_to_the_gateway(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\n"
		"service ssh 22 allow allow from 198.51.100.0/24 to gateway\n"
		"service smtp 25 allow allow\n";
	const struct fixture allowed[] = {
		{ "ssh SYN from inside from: to the gateway, untouched", { .dport = 22 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_GATEWAY_SERVICE },
		{ "ssh ACK of an established session", { .dport = 22, .tcp_flags = 0x10,
							  .payload = 100 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_GATEWAY_SERVICE },
		{ "ssh FIN+ACK", { .dport = 22, .tcp_flags = 0x11, .sport = 50000,
				   .saddr = "198.51.100.200" },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_GATEWAY_SERVICE },
		{ "ssh from outside from", { .dport = 22, .saddr = "203.0.113.1" },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
		{ "22/udp is not the service", { .dport = 22, .proto = 17 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_DEFAULT_DENY },
		{ "smtp next to it is still DNATed", { .dport = 25 }, XDP_REDIRECT,
		  OUT_FRAME, REDIRECTED(.dport = 25), MXGW_FWD_REDIRECT },
	};
	const struct fixture denied[] = {
		{ "ssh SYN after in deny", { .dport = 22 }, XDP_DROP, OUT_UNCHANGED, {},
		  MXGW_DROP_SERVICE_DENY },
		{ "ssh ACK after in deny: the session is cut", { .dport = 22, .tcp_flags = 0x10 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SERVICE_DENY },
	};
	struct mxgw_pkt_count in0, in1, deny0, deny1;
	__u64 redirected;
	(void)state;

	tb_reset(&tb, conf);
	tb_allow_redirect(&tb, "lan0");
	in0 = tb_svc_count(&tb, "ssh", MXGW_DIR_IN, MXGW_ALLOW);
	deny0 = tb_svc_count(&tb, "ssh", MXGW_DIR_IN, MXGW_DENY);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		run_fixture(&tb, &allowed[i]);
	/* the service's own counts, as for any service */
	in1 = tb_svc_count(&tb, "ssh", MXGW_DIR_IN, MXGW_ALLOW);
	deny1 = tb_svc_count(&tb, "ssh", MXGW_DIR_IN, MXGW_DENY);
	assert_int_equal(in1.packets, in0.packets + 3);
	assert_int_equal(in1.bytes, in0.bytes + (20 + 20 + 16) + (20 + 20 + 100) + (20 + 20 + 16));
	assert_int_equal(deny1.packets, deny0.packets + 1);	/* outside from */
	/* passed to the gateway is not forwarded: only smtp was redirected */
	redirected = tb_counter(&tb, MXGW_FWD_REDIRECT);
	assert_int_equal(redirected, 1);

	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "ssh", MXGW_DIR_IN, MXGW_DENY), 0);
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		run_fixture(&tb, &denied[i]);
	/* and back: the flag survived set-service */
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "ssh", -1, MXGW_ALLOW), 0);
	run_fixture(&tb, &allowed[0]);
}

/* Without from, from anywhere; the frame is never rewritten, whatever
 * default and the next hop say. */
static void test_to_gateway_without_from_and_default_allow(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\ndefault allow\n"
		"service wg 51820/udp deny allow to gateway\n";
	const struct fixture fx[] = {
		{ "wireguard from anywhere, to the gateway", { .dport = 51820, .proto = 17 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_GATEWAY_SERVICE },
		{ "from elsewhere too", { .dport = 51820, .proto = 17, .saddr = "192.0.2.99" },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_GATEWAY_SERVICE },
		{ "a LAN source to it is spoofed", { .dport = 51820, .proto = 17,
						     .saddr = "192.168.1.50" },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_SPOOFED },
		{ "51820/tcp: default allow DNATs it", { .dport = 51820 }, XDP_REDIRECT,
		  OUT_FRAME, REDIRECTED(.dport = 51820), NO_COUNTER },
	};
	(void)state;

	tb_reset(&tb, conf);
	tb_allow_redirect(&tb, "lan0");
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++)
		run_fixture(&tb, &fx[i]);
}

/*
 * Issue 10, item 4: every flag byte to an allowed port.  The oracle is
 * netfilter's tcp_valid_flags as nf_conntrack_proto_tcp.c writes it: a
 * table of nine combinations, looked up after masking ECE, CWR and PSH.
 */
static void test_tcp_flags_as_netfilter(void **state)
{
	enum { FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10,
	       URG = 0x20, ECE = 0x40, CWR = 0x80 };
	static const __u8 nf_valid[] = {
		SYN, SYN | URG, SYN | ACK, RST, RST | ACK, FIN | ACK,
		FIN | ACK | URG, ACK, ACK | URG,
	};
	struct tb_frame_spec spec = { .dport = 25 }, exp = REDIRECTED(.dport = 25);
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME], want[TB_MAX_FRAME];
	size_t len, out_len;
	int valid_seen = 0;
	(void)state;

	load_shipped(true);
	len = tb_frame(&spec, in);
	tb_frame(&exp, want);
	for (int f = 0; f < 256; f++) {
		__u8 masked = f & ~(ECE | CWR | PSH);
		bool valid = memchr(nf_valid, masked, sizeof(nf_valid)) != NULL;
		__u64 before = tb_counter(&tb, MXGW_DROP_TCP_FLAGS);
		int verdict;

		/* the flags byte, and the TCP checksum over it, in both */
		for (__u8 *fr = in; fr; fr = fr == in ? want : NULL) {
			fr[14 + 20 + 13] = f;
			fr[14 + 20 + 16] = fr[14 + 20 + 17] = 0;
			fr[14 + 20 + 16] = tb_l4_csum(fr + 14) >> 8;
			fr[14 + 20 + 17] = tb_l4_csum(fr + 14) & 0xff;
		}
		verdict = tb_run_xdp(&tb, in, len, out, &out_len);
		if (valid) {
			valid_seen++;
			if (verdict != XDP_REDIRECT || memcmp(out, want, len))
				fail_msg("flags %#04x (valid): verdict %d, want DNAT + redirect",
					 f, verdict);
		} else if (verdict != XDP_DROP ||
			   tb_counter(&tb, MXGW_DROP_TCP_FLAGS) != before + 1) {
			fail_msg("flags %#04x (invalid): verdict %d, drop_tcp_flags %llu -> %llu",
				 f, verdict, (unsigned long long)before,
				 (unsigned long long)tb_counter(&tb, MXGW_DROP_TCP_FLAGS));
		}
	}
	assert_int_equal(valid_seen, 9 * 8);	/* each with any of ECE, CWR, PSH */
}

/*
 * Issue 10, item 1: what is addressed to anything but the public address.
 * The namespace's routes make each case: wan0 203.0.113.0/24, lan0
 * 192.168.1.0/24, nothing else unless added here.
 */
static void test_not_for_us_destinations(void **state)
{
	struct fixture fx[] = {
		{ "a SYN from :443 straight to the mail server's imap",
		  { .daddr = TB_MAILSERVER, .sport = 443, .dport = 143 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "udp to the mail server's snmp", { .daddr = TB_MAILSERVER, .proto = 17,
						     .dport = 161 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "echo request to the mail server",
		  { .daddr = TB_MAILSERVER, .proto = 1, .icmp_type = 8, .icmp_id = 5 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "the gateway's own LAN address", { .daddr = "192.168.1.1", .dport = 22 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "the LAN's broadcast address", { .daddr = "192.168.1.255", .proto = 17,
						   .dport = 137 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TO_LAN },
		{ "routed on, out of the WAN (neighbour known)", { .daddr = "10.50.0.1",
								   .dport = 80 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TRANSIT },
		{ "routed on, out of the WAN (neighbour unknown)", { .daddr = "10.51.0.1",
								     .dport = 80 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TRANSIT },
		{ "a network routed behind the LAN", { .daddr = "172.16.0.9", .dport = 22 },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_TRANSIT },
		{ "vrrp to its multicast group", { .daddr = "224.0.0.18", .proto = 112 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "dhcp to the limited broadcast", { .daddr = "255.255.255.255", .proto = 17,
						     .sport = 67, .dport = 68 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "to the WAN prefix's broadcast", { .daddr = "203.0.113.255", .proto = 17,
						     .dport = 520 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a local address of the gateway's (on lo)", { .daddr = "10.9.9.9",
								.dport = 22 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "no route: the kernel answers unreachable", { .daddr = "198.51.100.200",
								.dport = 80 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a blackhole route", { .daddr = "10.66.0.1", .dport = 80 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "an unreachable route", { .daddr = "10.67.0.1", .dport = 80 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
		{ "a prohibit route", { .daddr = "10.68.0.1", .dport = 80 },
		  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US },
	};
	struct fixture second = { "another address of the WAN device",
				  { .daddr = "203.0.113.40", .dport = 22 },
				  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US };
	struct fixture no_fwd = { "routed on, but forwarding is off on the WAN",
				  { .daddr = "10.50.0.1", .dport = 80 },
				  XDP_PASS, OUT_UNCHANGED, {}, MXGW_PASS_NOT_FOR_US };
	struct fixture fwd = no_fwd;
	(void)state;

	load_shipped(true);
	tb_sh("ip route replace 10.50.0.0/16 via 203.0.113.1");
	tb_sh("ip neigh replace 203.0.113.1 lladdr 02:00:00:00:71:01 dev wan0 nud permanent");
	tb_sh("ip route replace 10.51.0.0/16 via 203.0.113.2");
	tb_sh("ip route replace 172.16.0.0/12 via " TB_MAILSERVER);
	tb_sh("ip addr replace 10.9.9.9/32 dev lo");
	tb_sh("ip route replace blackhole 10.66.0.0/16");
	tb_sh("ip route replace unreachable 10.67.0.0/16");
	tb_sh("ip route replace prohibit 10.68.0.0/16");
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++)
		run_fixture(&tb, &fx[i]);

	/* the WAN device's addresses as loaded (mxgw_wan_of) */
	tb_sh("ip addr add 203.0.113.40/24 dev wan0");
	tb_apply(&tb, tb_shipped_conf());
	run_fixture(&tb, &second);
	tb_sh("ip addr del 203.0.113.40/24 dev wan0");
	tb_apply(&tb, tb_shipped_conf());
	second.verdict = XDP_DROP;
	second.counter = MXGW_DROP_TRANSIT;
	run_fixture(&tb, &second);

	/* with forwarding off on wan0 the kernel forwards nothing from it */
	fwd.name = "routed on, forwarding on";
	fwd.verdict = XDP_DROP;
	fwd.counter = MXGW_DROP_TRANSIT;
	tb_sh("sysctl -qw net.ipv4.conf.wan0.forwarding=0");
	run_fixture(&tb, &no_fwd);
	tb_sh("sysctl -qw net.ipv4.conf.wan0.forwarding=1");
	run_fixture(&tb, &fwd);
}

/*
 * in_new counts the TCP connections let in, on their SYN (issue 11: it
 * was an event reason that never counted): to the mail server and to the
 * gateway; never a connection's later segments, a SYN-ACK, a denied SYN,
 * nor UDP.
 */
static void test_in_new_counts_connections_let_in(void **state)
{
	static const char conf[] =
		"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\n"
		"service smtp 25 allow allow\nservice imap 143 allow deny\n"
		"service dns 53/udp allow allow\n"
		"service ssh 22 allow allow from 198.51.100.0/24 to gateway\n";
	const struct fixture counted[] = {
		{ "smtp SYN", { .dport = 25 }, XDP_REDIRECT, OUT_FRAME,
		  REDIRECTED(.dport = 25), MXGW_IN_NEW },
		{ "smtp SYN with ECE+CWR (ECN setup)", { .dport = 25, .tcp_flags = 0xc2 },
		  XDP_REDIRECT, OUT_FRAME, REDIRECTED(.dport = 25, .tcp_flags = 0xc2),
		  MXGW_IN_NEW },
		{ "ssh SYN to the gateway", { .dport = 22 }, XDP_PASS, OUT_UNCHANGED, {},
		  MXGW_IN_NEW },
	};
	const struct fixture not_counted[] = {
		{ "smtp ACK", { .dport = 25, .tcp_flags = 0x10 }, XDP_REDIRECT, OUT_FRAME,
		  REDIRECTED(.dport = 25, .tcp_flags = 0x10), NO_COUNTER },
		{ "smtp SYN-ACK", { .dport = 25, .tcp_flags = 0x12 }, XDP_REDIRECT, OUT_FRAME,
		  REDIRECTED(.dport = 25, .tcp_flags = 0x12), NO_COUNTER },
		{ "imap SYN, denied", { .dport = 143 }, XDP_DROP, OUT_UNCHANGED, {},
		  MXGW_DROP_SERVICE_DENY },
		{ "ssh SYN from outside from", { .dport = 22, .saddr = "192.0.2.99" },
		  XDP_DROP, OUT_UNCHANGED, {}, MXGW_DROP_NOT_FROM },
		{ "dns over udp", { .proto = 17, .dport = 53 }, XDP_REDIRECT, OUT_FRAME,
		  REDIRECTED(.proto = 17, .dport = 53), NO_COUNTER },
	};
	__u64 before;
	(void)state;

	tb_reset(&tb, conf);
	tb_allow_redirect(&tb, "lan0");
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		run_fixture(&tb, &counted[i]);
	before = tb_counter(&tb, MXGW_IN_NEW);
	assert_int_equal(before, 3);
	for (size_t i = 0; i < sizeof(not_counted) / sizeof(not_counted[0]); i++) {
		run_fixture(&tb, &not_counted[i]);
		if (tb_counter(&tb, MXGW_IN_NEW) != before)
			fail_msg("%s: counted as in_new", not_counted[i].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_table_fixtures),
		cmocka_unit_test(test_every_service_in_both_verdicts),
		cmocka_unit_test(test_rewritten_frames_have_valid_checksums),
		cmocka_unit_test(test_udp_zero_checksum_stays_zero),
		cmocka_unit_test(test_default_allow_forwards_unlisted_ports),
		cmocka_unit_test(test_from_restricts_incoming_sources),
		cmocka_unit_test(test_device_without_xdp_xmit_gets_kernel_path),
		cmocka_unit_test(test_unresolved_neighbour_gets_kernel_path),
		cmocka_unit_test(test_larger_than_lan_mtu_gets_kernel_path),
		cmocka_unit_test(test_next_hop_is_cached_not_looked_up_per_packet),
		cmocka_unit_test(test_changed_mail_server_mac_followed_within_a_second),
		cmocka_unit_test(test_set_service_takes_effect_on_next_packet),
		cmocka_unit_test(test_to_gateway_service_passes_to_the_gateway),
		cmocka_unit_test(test_to_gateway_without_from_and_default_allow),
		cmocka_unit_test(test_tcp_flags_as_netfilter),
		cmocka_unit_test(test_not_for_us_destinations),
		cmocka_unit_test(test_in_new_counts_connections_let_in),
	};

	return cmocka_run_group_tests_name("xdp mxgw_wan_in", tests, tb_group_setup,
					   tb_group_teardown);
}
