// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Bans and the allowlist (issue 13) through bpf_prog_test_run_opts: the
 * real programs, bans set by the real map code (mxgw_bans_add, as mxctl
 * ban does, from prefixes read by mxctl's parser), the allowlist by the
 * real config parser.  Each fixture is a frame in, the verdict, the frame
 * out (a drop leaves it as it came) and drop_banned under the frame's
 * family, counted or not: banned, unbanned, expired, allowlisted, IPv6
 * by /64 unless a length says otherwise, both families, every incoming
 * path a ban covers, and the replies of tracked flows it does not.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "testbed.h"
#include "bans.h"

#define NSEC	1000000000ULL

static struct tb tb;

static const char *conf(const char *extra)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%smailserver6 %s\n"
		 "service gw 2222/tcp allow allow from 198.51.100.0/24,2001:db8:51::/48 to gateway\n%s",
		 tb_shipped_conf(), TB_MAILSERVER6, extra ? extra : "");
	return buf;
}

/* ban PREFIX (mxctl's parser: IPv6 by /64) expiring at @expires (0: never) */
static void ban(const char *prefix, __u64 expires)
{
	struct mxgw_ban_entry e = { .ban = { .set_ns = mxgw_now_ns(), .expires_ns = expires } };
	char why[160];

	assert_int_equal(mxctl_parse_src_prefix(prefix, MXGW_BAN6_DEFAULT_LEN, &e.pfx, why,
						sizeof(why)), 0);
	assert_int_equal(mxgw_bans_add(&tb.maps, &e, 1), 0);
}

static void unban(const char *prefix)
{
	struct mxgw_src_prefix p;
	char why[160];

	assert_int_equal(mxctl_parse_src_prefix(prefix, MXGW_BAN6_DEFAULT_LEN, &p, why,
						sizeof(why)), 0);
	assert_int_equal(mxgw_bans_del(&tb.maps, &p), 0);
}

static __u32 cfg_flags(void)
{
	struct mxgw_config cfg;

	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	return cfg.flags;
}

/*
 * @spec through XDP: @banned: dropped, the frame unchanged, drop_banned
 * of its family one more; else not dropped and drop_banned unchanged.
 */
static void expect(const char *what, const struct tb_frame_spec *spec, bool banned)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	int fam = spec->ip6 ? MXGW_FAM_IPV6 : MXGW_FAM_IPV4;
	size_t len, out_len;
	__u64 before;
	int verdict;

	len = tb_frame(spec, in);
	before = tb_counter_fam(&tb, fam, MXGW_DROP_BANNED);
	verdict = tb_run_xdp(&tb, in, len, out, &out_len);
	if (banned) {
		if (verdict != XDP_DROP)
			fail_msg("%s: verdict %d, want XDP_DROP", what, verdict);
		if (out_len != len || memcmp(out, in, len)) {
			tb_hexdiff(out, out_len, in, len);
			fail_msg("%s: the dropped frame changed", what);
		}
		if (tb_counter_fam(&tb, fam, MXGW_DROP_BANNED) != before + 1)
			fail_msg("%s: drop_banned did not count it", what);
	} else {
		if (verdict == XDP_DROP)
			fail_msg("%s: dropped, want it let on", what);
		if (tb_counter_fam(&tb, fam, MXGW_DROP_BANNED) != before)
			fail_msg("%s: drop_banned counted it", what);
	}
}

#define V4(...)	(&(struct tb_frame_spec){ __VA_ARGS__ })
#define V6(...)	(&(struct tb_frame_spec){ .ip6 = true, __VA_ARGS__ })

static void test_no_bans_no_flag(void **state)
{
	(void)state;
	tb_reset(&tb, conf(NULL));
	assert_int_equal(cfg_flags(), 0);
	expect("smtp, nothing banned", V4(.dport = 25), false);
	expect("smtp over IPv6, nothing banned", V6(.dport = 25), false);
	ban(TB_CLIENT, 0);
	assert_int_equal(cfg_flags(), MXGW_CFG_F_BAN4);
	ban(TB_CLIENT6, 0);
	assert_int_equal(cfg_flags(), MXGW_CFG_F_BAN4 | MXGW_CFG_F_BAN6);
	unban(TB_CLIENT);
	assert_int_equal(cfg_flags(), MXGW_CFG_F_BAN6);
	unban(TB_CLIENT6);
	assert_int_equal(cfg_flags(), 0);
}

static void test_banned_ipv4_every_path(void **state)
{
	(void)state;
	tb_reset(&tb, conf(NULL));
	ban(TB_CLIENT, 0);
	expect("smtp from the banned source", V4(.dport = 25), true);
	expect("smtp from another source", V4(.saddr = TB_OTHER_CLIENT, .dport = 25), false);
	expect("a denied service", V4(.dport = 143), true);
	expect("an unlisted port", V4(.dport = 8080), true);
	expect("udp to an unlisted port", V4(.proto = 17, .dport = 5353), true);
	expect("a to gateway service", V4(.dport = 2222), true);
	expect("an echo request", V4(.proto = 1, .icmp_type = 8, .icmp_id = 7), true);
	expect("gre", V4(.proto = 47), true);
	expect("an ACK of a connection", V4(.dport = 25, .tcp_flags = 0x10), true);
	/* the gateway's own business (to another of its addresses) is not
	 * the table's, nor a ban's */
	unban(TB_CLIENT);
	expect("smtp once unbanned", V4(.dport = 25), false);
}

static void test_banned_ipv4_prefix(void **state)
{
	(void)state;
	tb_reset(&tb, conf(NULL));
	ban("198.51.100.0/24", 0);
	/* a prefix is the trie's: its own flag */
	assert_int_equal(cfg_flags(), MXGW_CFG_F_BAN4 | MXGW_CFG_F_BANPFX4);
	expect("inside the banned /24", V4(.saddr = TB_OTHER_CLIENT, .dport = 25), true);
	expect("outside it", V4(.saddr = "198.51.101.8", .dport = 25), false);
	ban(TB_CLIENT, 0);
	unban("198.51.100.0/24");
	expect("the /32 left", V4(.dport = 25), true);
	expect("its neighbour free again", V4(.saddr = TB_OTHER_CLIENT, .dport = 25), false);
	assert_int_equal(cfg_flags(), MXGW_CFG_F_BAN4);
	/* a host's ban run out under a prefix's that holds: the prefix's drops */
	ban(TB_CLIENT, mxgw_now_ns() - NSEC);
	ban("198.51.100.0/25", 0);
	expect("a host's expired ban under a live /25", V4(.dport = 25), true);
	ban("2001:db8:51::7", mxgw_now_ns() - NSEC);
	ban("2001:db8:51::/48", 0);
	assert_int_equal(cfg_flags(), MXGW_CFG_F_BAN4 | MXGW_CFG_F_BANPFX4 |
				      MXGW_CFG_F_BAN6 | MXGW_CFG_F_BANPFX6);
	expect("an IPv6 /64's expired ban under a live /48", V6(.dport = 25), true);
	expect("another /64 of the /48", V6(.saddr = "2001:db8:51:9::1", .dport = 25), true);
}

static void test_expiry(void **state)
{
	__u64 now = mxgw_now_ns();

	(void)state;
	tb_reset(&tb, conf(NULL));
	ban(TB_CLIENT, now - NSEC);
	expect("a ban that ran out", V4(.dport = 25), false);
	ban(TB_CLIENT, now + 3600 * NSEC);
	expect("the same source banned for an hour", V4(.dport = 25), true);
	ban(TB_CLIENT6, now - NSEC);
	expect("an IPv6 ban that ran out", V6(.dport = 25), false);
	ban(TB_CLIENT6, now + 3600 * NSEC);
	expect("an IPv6 ban for an hour", V6(.dport = 25), true);
}

static void test_banned_ipv6_by_64(void **state)
{
	(void)state;
	tb_reset(&tb, conf(NULL));
	ban(TB_CLIENT6, 0);	/* 2001:db8:51::7: its /64 */
	expect("smtp from the banned address", V6(.dport = 25), true);
	expect("smtp from the same /64", V6(.saddr = TB_OTHER_CLIENT6, .dport = 25), true);
	expect("smtp from the next /64", V6(.saddr = "2001:db8:51:1::7", .dport = 25), false);
	expect("IPv4 untouched", V4(.dport = 25), false);
	expect("a denied service", V6(.dport = 143), true);
	expect("an unlisted port", V6(.dport = 8080), true);
	expect("an echo request", V6(.proto = 58, .icmp_type = 128, .icmp_id = 7), true);
	expect("another protocol", V6(.proto = 47), true);
	expect("a to gateway service on the WAN's address",
	       V6(.daddr = TB_PUBLIC6, .dport = 2222), true);
	unban(TB_CLIENT6);
	ban("2001:db8:51::7/128", 0);
	expect("a /128: that address", V6(.dport = 25), true);
	expect("a /128: not its neighbour", V6(.saddr = TB_OTHER_CLIENT6, .dport = 25), false);
}

static void test_allowlist_wins(void **state)
{
	__u64 a4, a6;

	(void)state;
	tb_reset(&tb, conf("allowlist 198.51.100.7,2001:db8:51::8\n"));
	assert_int_equal(cfg_flags(), MXGW_CFG_F_ALLOW4 | MXGW_CFG_F_ALLOW6);
	ban("198.51.100.0/24", 0);
	ban(TB_CLIENT6, 0);
	a4 = tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_BAN_ALLOWLISTED);
	a6 = tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_BAN_ALLOWLISTED);
	expect("allowlisted inside a banned /24", V4(.dport = 25), false);
	expect("its banned neighbour", V4(.saddr = TB_OTHER_CLIENT, .dport = 25), true);
	expect("allowlisted /128 inside a banned /64", V6(.saddr = TB_OTHER_CLIENT6, .dport = 25),
	       false);
	expect("its banned neighbour over IPv6", V6(.dport = 25), true);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_BAN_ALLOWLISTED), a4 + 1);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_BAN_ALLOWLISTED), a6 + 1);
	/* a reload without the allowlist empties it: the ban drops again,
	 * and the bans stay */
	tb_apply(&tb, conf(NULL));
	assert_int_equal(cfg_flags(), MXGW_CFG_F_BAN4 | MXGW_CFG_F_BANPFX4 | MXGW_CFG_F_BAN6);
	expect("no longer allowlisted", V4(.dport = 25), true);
	expect("no longer allowlisted over IPv6", V6(.saddr = TB_OTHER_CLIENT6, .dport = 25), true);
}

/* A reply of the LAN's own flow to a banned host still comes back. */
static void test_tracked_replies_pass(void **state)
{
	struct tb_frame_spec syn4 = { .saddr = TB_MAILSERVER, .daddr = TB_CLIENT,
				      .sport = 40000, .dport = 25 };
	struct tb_frame_spec syn6 = { .ip6 = true, .saddr = TB_MAILSERVER6, .daddr = TB_CLIENT6,
				      .sport = 40000, .dport = 25 };
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len, out_len;
	__u16 pport;

	(void)state;
	tb_reset(&tb, conf(NULL));
	ban(TB_CLIENT, 0);
	ban(TB_CLIENT6, 0);
	len = tb_frame(&syn4, in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	memcpy(&pport, out + 14 + 20, 2);	/* the masqueraded source port */
	expect("the SYN-ACK of the mail server's connection to a banned host",
	       V4(.sport = 25, .dport = ntohs(pport), .tcp_flags = 0x12), false);
	expect("but a new connection from it", V4(.dport = 25), true);
	len = tb_frame(&syn6, in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	expect("the SYN-ACK over IPv6",
	       V6(.sport = 25, .dport = 40000, .tcp_flags = 0x12), false);
	expect("a SYN from the banned host to that same port",
	       V6(.sport = 25, .dport = 40000, .tcp_flags = 0x02), true);
}

/* A ban's prefix as mxctl reads it, and a listing's round trip. */
static int collect(const struct mxgw_ban_entry *e, void *arg)
{
	char *buf = arg;

	mxctl_format_src_prefix(&e->pfx, buf + strlen(buf), 64);
	strcat(buf, " ");
	return 0;
}

static void test_walk_and_prune(void **state)
{
	char buf[512] = "";
	unsigned int n[MXGW_FAM_MAX], removed;

	(void)state;
	tb_reset(&tb, conf(NULL));
	ban(TB_CLIENT, 0);
	ban("2001:db8:51::7", mxgw_now_ns() - NSEC);
	ban("2001:db8:52::/48", mxgw_now_ns() + 3600 * NSEC);
	assert_int_equal(mxgw_bans_walk(&tb.maps, collect, buf), 0);
	assert_string_equal(buf, "198.51.100.7/32 2001:db8:51::/64 2001:db8:52::/48 ");
	assert_int_equal(mxgw_bans_prune(&tb.maps, mxgw_now_ns(), &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(mxgw_bans_count(&tb.maps, n), 0);
	assert_int_equal(n[MXGW_FAM_IPV4], 1);
	assert_int_equal(n[MXGW_FAM_IPV6], 1);
}

/* Hint slot @slot of mxgw_ban_hint (maps/mxgw_abi.h), read or written. */
static __u8 hint(__u32 slot)
{
	struct mxgw_ban_hint_block b;
	__u32 blk = slot / MXGW_BAN_HINT_PER_BLOCK;

	assert_int_equal(bpf_map_lookup_elem(tb.maps.ban_hint, &blk, &b), 0);
	return b.slot[slot % MXGW_BAN_HINT_PER_BLOCK];
}

static void hint_put(__u32 slot, __u8 v)
{
	struct mxgw_ban_hint_block b;
	__u32 blk = slot / MXGW_BAN_HINT_PER_BLOCK;

	assert_int_equal(bpf_map_lookup_elem(tb.maps.ban_hint, &blk, &b), 0);
	b.slot[slot % MXGW_BAN_HINT_PER_BLOCK] = v;
	assert_int_equal(bpf_map_update_elem(tb.maps.ban_hint, &blk, &b, BPF_ANY), 0);
}

static __u32 slot4(const char *a)
{
	__be32 x;

	assert_int_equal(inet_pton(AF_INET, a, &x), 1);
	return mxgw_ban_hint4(x);
}

static __u32 slot6(const char *a)
{
	struct mxgw_in6 x;

	assert_int_equal(inet_pton(AF_INET6, a, &x), 1);
	return mxgw_ban_hint6(x.a[0], x.a[1]);
}

/*
 * The hints (mxgw_ban_hint): a host's ban sets its slot before the ban
 * is written, and the data plane looks the ban up only where the slot
 * is set; an unban leaves the slot (stale: a lookup, never a drop);
 * mxgw_bans_hint_sync (prune, every load) clears the stale ones and sets
 * every live ban's again, as after a load that copied the bans into new
 * maps.
 */
static void test_hints(void **state)
{
	__u32 s4 = slot4(TB_CLIENT), s6 = slot6(TB_CLIENT6);
	struct mxgw_ban b = { .set_ns = mxgw_now_ns() };
	struct mxgw_ban6_key k6 = {};
	__be32 other;

	(void)state;
	assert_int_not_equal(s4 & 1, 1);		/* IPv4's slots are even, */
	assert_int_equal(s6 & 1, 1);			/* IPv6's odd */
	tb_reset(&tb, conf(NULL));
	assert_int_equal(hint(s4), 0);
	assert_int_equal(hint(s6), 0);
	ban(TB_CLIENT, 0);
	ban(TB_CLIENT6, 0);
	assert_int_equal(hint(s4), 1);
	assert_int_equal(hint(s6), 1);
	expect("banned, its hint set", V4(.dport = 25), true);
	expect("banned /64, its hint set", V6(.saddr = "2001:db8:51::99", .dport = 25), true);
	/* a ban the hint does not know of is not looked up: the hint is what
	 * the data plane trusts (so every writer sets it first) */
	hint_put(s4, 0);
	hint_put(s6, 0);
	expect("banned, its hint cleared behind mxctl's back", V4(.dport = 25), false);
	expect("banned /64, its hint cleared behind mxctl's back", V6(.dport = 25), false);
	/* the sync (every load) sets it again from the ban maps */
	assert_int_equal(mxgw_bans_hint_sync(&tb.maps), 0);
	assert_int_equal(hint(s4), 1);
	assert_int_equal(hint(s6), 1);
	expect("banned, after the sync", V4(.dport = 25), true);
	expect("banned /64, after the sync", V6(.dport = 25), true);
	/* unban: the slot stays, stale, and only costs a lookup */
	unban(TB_CLIENT);
	unban(TB_CLIENT6);
	assert_int_equal(hint(s4), 1);
	assert_int_equal(hint(s6), 1);
	expect("unbanned, its hint left", V4(.dport = 25), false);
	expect("unbanned /64, its hint left", V6(.dport = 25), false);
	/* a ban of another host keeps its flag: the sync clears the stale
	 * slots and keeps that ban's */
	assert_int_equal(inet_pton(AF_INET, TB_OTHER_CLIENT, &other), 1);
	ban(TB_OTHER_CLIENT, 0);
	ban("2001:db8:52::7", 0);
	assert_int_equal(mxgw_bans_hint_sync(&tb.maps), 0);
	assert_int_equal(hint(s4), 0);
	assert_int_equal(hint(s6), 0);
	assert_int_equal(hint(mxgw_ban_hint4(other)), 1);
	assert_int_equal(hint(slot6("2001:db8:52::7")), 1);
	expect("the other host, banned", V4(.saddr = TB_OTHER_CLIENT, .dport = 25), true);
	expect("the other /64, banned", V6(.saddr = "2001:db8:52::8", .dport = 25), true);
	expect("unbanned, its stale hint cleared", V4(.dport = 25), false);
	/* an expired ban's slot is cleared by the prune that removes it */
	b.expires_ns = mxgw_now_ns() - NSEC;
	assert_int_equal(bpf_map_update_elem(tb.maps.ban4, &other, &b, BPF_ANY), 0);
	k6.net[0] = htonl(0x20010db8);
	k6.net[1] = htonl(0x00520000);
	assert_int_equal(bpf_map_update_elem(tb.maps.ban6, &k6, &b, BPF_ANY), 0);
	{
		unsigned int removed;

		assert_int_equal(mxgw_bans_prune(&tb.maps, mxgw_now_ns(), &removed), 0);
		assert_int_equal(removed, 2);
	}
	assert_int_equal(hint(mxgw_ban_hint4(other)), 0);
	assert_int_equal(hint(slot6("2001:db8:52::7")), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_bans_no_flag),
		cmocka_unit_test(test_banned_ipv4_every_path),
		cmocka_unit_test(test_banned_ipv4_prefix),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_banned_ipv6_by_64),
		cmocka_unit_test(test_allowlist_wins),
		cmocka_unit_test(test_tracked_replies_pass),
		cmocka_unit_test(test_walk_and_prune),
		cmocka_unit_test(test_hints),
	};

	return cmocka_run_group_tests_name("bans and the allowlist", tests, tb_group_setup,
					   tb_group_teardown);
}
