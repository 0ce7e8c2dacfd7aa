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
#include <unistd.h>
#include <stdlib.h>
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

	assert_int_equal(mxgw_prefix_parse(prefix, 1, MXGW_BAN6_DEFAULT_LEN, &e.pfx, why,
						sizeof(why)), 0);
	assert_int_equal(mxgw_bans_add(&tb.maps, &e, 1), 0);
}

static void unban(const char *prefix)
{
	struct mxgw_src_prefix p;
	char why[160];

	assert_int_equal(mxgw_prefix_parse(prefix, 1, MXGW_BAN6_DEFAULT_LEN, &p, why,
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

/* Tag word @w of mxgw_ban_hint (maps/mxgw_abi.h), read or written
 * behind mxctl's back. */
static __u64 tag(__u32 w)
{
	struct mxgw_ban_tag_block b;
	__u32 blk = w / MXGW_BAN_TAG_PER_BLOCK;

	assert_int_equal(bpf_map_lookup_elem(tb.maps.ban_hint, &blk, &b), 0);
	return b.w[w % MXGW_BAN_TAG_PER_BLOCK];
}

static void tag_put(__u32 w, __u64 v)
{
	struct mxgw_ban_tag_block b;
	__u32 blk = w / MXGW_BAN_TAG_PER_BLOCK;

	assert_int_equal(bpf_map_lookup_elem(tb.maps.ban_hint, &blk, &b), 0);
	b.w[w % MXGW_BAN_TAG_PER_BLOCK] = v;
	assert_int_equal(bpf_map_update_elem(tb.maps.ban_hint, &blk, &b, BPF_ANY), 0);
}

/* Every slot empty, as a map the load re-created. */
static void tags_wipe(void)
{
	struct mxgw_ban_tag_block b = {};

	for (__u32 blk = 0; blk < MXGW_BAN_TAG_BLOCKS; blk++)
		assert_int_equal(bpf_map_update_elem(tb.maps.ban_hint, &blk, &b, BPF_ANY), 0);
}

static __be32 addr4(const char *a)
{
	__be32 x;

	assert_int_equal(inet_pton(AF_INET, a, &x), 1);
	return x;
}

/* IPv4 @a's word, the tag a ban of it expiring at @exp_ns writes there */
static __u32 word4(const char *a)
{
	return mxgw_ban_tag_word4(addr4(a));
}

static __u64 tag4(const char *a, __u64 exp_ns)
{
	return (__u64)mxgw_ban_tag_exp(exp_ns) << 32 | addr4(a);
}

/* IPv6 @a's /64, hashed (mxgw_ban_tag_mul6), as it lies in the packet */
static __u64 net6(const char *a)
{
	struct mxgw_in6 x;
	__u64 n;

	assert_int_equal(inet_pton(AF_INET6, a, &x), 1);
	memcpy(&n, &x, sizeof(n));
	return n;
}

/* its check word (the net word is the one before), its ban's check */
static __u32 word6(const char *a)
{
	return mxgw_ban_tag_word6(mxgw_ban_tag_mul6(net6(a))) + 1;
}

static __u64 check6(const char *a, __u64 exp_ns)
{
	return (__u64)mxgw_ban_tag_exp(exp_ns) << 32 |
	       mxgw_ban_tag_hash6(mxgw_ban_tag_mul6(net6(a)));
}

/* @n more IPv4 sources of the same slot as @a, from 11.0.0.0/8 (routed,
 * no martian): a slot holds 2^12 of every 2^32 addresses. */
static void same_slot4(const char *a, char out[][INET_ADDRSTRLEN], int n)
{
	__u32 w = word4(a);
	int found = 0;

	for (__u32 i = 0; i < (1U << 24) && found < n; i++) {
		__be32 x = htonl(0x0b000000 | i);

		if (mxgw_ban_tag_word4(x) == w)
			inet_ntop(AF_INET, &x, out[found++], INET_ADDRSTRLEN);
	}
	assert_int_equal(found, n);
}

/* @n more /64s (their ::7) of the same slot as @a's, from 2001:db8::/32 */
static void same_slot6(const char *a, char out[][INET6_ADDRSTRLEN], int n)
{
	__u32 w = word6(a);
	int found = 0;

	for (__u32 i = 0; i < (1U << 24) && found < n; i++) {
		struct mxgw_in6 x = { .a = { htonl(0x20010db8), htonl(0x01000000 | i), 0,
					     htonl(7) } };
		__u64 net;

		memcpy(&net, &x, sizeof(net));
		if (mxgw_ban_tag_word6(mxgw_ban_tag_mul6(net)) + 1 == w)
			inet_ntop(AF_INET6, &x, out[found++], INET6_ADDRSTRLEN);
	}
	assert_int_equal(found, n);
}

/*
 * The tags (mxgw_ban_hint): the data plane trusts them.  A host's ban
 * writes its tag (address, expiry) before the ban, and the packet whose
 * slot holds its own tag is dropped without a lookup, one whose slot
 * holds another's is not looked up; an unban empties the slot; the sync
 * (prune, every load) writes every ban's again.
 */
static void test_tags(void **state)
{
	__u64 in1h = mxgw_now_ns() + 3600 * NSEC;
	__be32 c4 = addr4(TB_CLIENT);
	struct mxgw_ban6_key k6 = { .net = { htonl(0x20010db8), htonl(0x00510000) } };
	__u32 w4 = word4(TB_CLIENT), w6 = word6(TB_CLIENT6);

	(void)state;
	assert_true(w4 < MXGW_BAN_TAG_SLOTS);
	assert_true(w6 > MXGW_BAN_TAG_SLOTS && w6 < MXGW_BAN_TAG_WORDS && (w6 & 1));
	tb_reset(&tb, conf(NULL));
	assert_int_equal(tag(w4), MXGW_BAN_TAG_EMPTY);
	assert_int_equal(tag(w6), MXGW_BAN_TAG_EMPTY);
	ban(TB_CLIENT, 0);
	ban(TB_CLIENT6, in1h);
	assert_int_equal(tag(w4), tag4(TB_CLIENT, 0));
	assert_int_equal(tag(w4) >> 32, MXGW_BAN_TAG_NEVER);
	assert_int_equal(tag(w6 - 1), net6(TB_CLIENT6));
	assert_int_equal(tag(w6), check6(TB_CLIENT6, in1h));
	expect("banned, its tag", V4(.dport = 25), true);
	expect("banned /64, its tag", V6(.saddr = "2001:db8:51::99", .dport = 25), true);
	/* the tag is the verdict: the hash is not looked up */
	assert_int_equal(bpf_map_delete_elem(tb.maps.ban4, &c4), 0);
	assert_int_equal(bpf_map_delete_elem(tb.maps.ban6, &k6), 0);
	expect("its tag, the ban deleted behind mxctl's back", V4(.dport = 25), true);
	expect("its tag over IPv6, the ban deleted behind mxctl's back", V6(.dport = 25),
	       true);
	/* a tag of another source in the slot: not banned, not looked up */
	ban(TB_CLIENT, 0);
	ban(TB_CLIENT6, 0);
	tag_put(w4, tag4("11.0.0.1", 0));
	tag_put(w6, check6("2001:db8:1ff::", 0));
	expect("banned, another's tag in its slot", V4(.dport = 25), false);
	expect("banned /64, another's check in its slot", V6(.dport = 25), false);
	/* the sync (every load) writes it again from the ban maps */
	assert_int_equal(mxgw_bans_hint_sync(&tb.maps), 0);
	assert_int_equal(tag(w4), tag4(TB_CLIENT, 0));
	assert_int_equal(tag(w6), check6(TB_CLIENT6, 0));
	expect("banned, after the sync", V4(.dport = 25), true);
	expect("banned /64, after the sync", V6(.dport = 25), true);
	/* a new expiry (ban again with --for) is the tag's */
	ban(TB_CLIENT, in1h);
	ban(TB_CLIENT6, in1h);
	assert_int_equal(tag(w4), tag4(TB_CLIENT, in1h));
	assert_int_equal(tag(w6), check6(TB_CLIENT6, in1h));
	/* unban: the slot empty */
	unban(TB_CLIENT);
	unban(TB_CLIENT6);
	assert_int_equal(tag(w4), MXGW_BAN_TAG_EMPTY);
	assert_int_equal(tag(w6), MXGW_BAN_TAG_EMPTY);
	expect("unbanned", V4(.dport = 25), false);
	expect("unbanned /64", V6(.dport = 25), false);
}

/* The data plane's clock (clock_now()), at least 300 ms before the end
 * of its unit of 2^30 ns: polled, a tick every 100 ms. */
static __u64 dp_clock_settled(void)
{
	const __u64 unit = 1ULL << MXGW_BAN_TAG_SHIFT, margin = 300 * 1000 * 1000ULL;
	__u64 deadline = mxgw_now_ns() + 3 * NSEC;
	struct mxgw_clock c;

	for (;;) {
		assert_int_equal(mxgw_maps_read_clock(&tb.maps, &c), 0);
		if (!c.ticks)
			fail_msg("the data plane's clock has not started");
		if ((c.now_ns & (unit - 1)) < unit - margin)
			return c.now_ns;
		if (mxgw_now_ns() > deadline)
			fail_msg("the data plane's clock stands still");
		usleep(10 * 1000);
	}
}

/* A tag that ran out lets its source on; in its last unit of 2^30 ns
 * the hash decides (to the nanosecond). */
static void test_tag_expiry(void **state)
{
	__u64 now = mxgw_now_ns();
	__u32 w4 = word4(TB_CLIENT), w6 = word6(TB_CLIENT6);

	(void)state;
	tb_reset(&tb, conf(NULL));
	ban(TB_CLIENT, now - NSEC);
	ban(TB_CLIENT6, now - NSEC);
	assert_int_equal(tag(w4), tag4(TB_CLIENT, now - NSEC));
	assert_int_equal(tag(w6), check6(TB_CLIENT6, now - NSEC));
	expect("its tag ran out", V4(.dport = 25), false);
	expect("its IPv6 tag ran out", V6(.dport = 25), false);
	/* a tag that holds for two units more is trusted even where the
	 * hash's ban ran out; one that ends in the unit after this one
	 * asks the hash.  The data plane's clock's unit: read, and away
	 * from its end (the next ticks must not leave it) */
	now = dp_clock_settled();
	tag_put(w4, ((now >> MXGW_BAN_TAG_SHIFT) + 3) << 32 | addr4(TB_CLIENT));
	tag_put(w6, ((now >> MXGW_BAN_TAG_SHIFT) + 3) << 32 |
		    (__u32)check6(TB_CLIENT6, 0));
	expect("a live tag, its ban run out in the hash", V4(.dport = 25), true);
	expect("a live IPv6 tag, its ban run out in the hash", V6(.dport = 25), true);
	tag_put(w4, ((now >> MXGW_BAN_TAG_SHIFT) + 1) << 32 | addr4(TB_CLIENT));
	tag_put(w6, ((now >> MXGW_BAN_TAG_SHIFT) + 1) << 32 |
		    (__u32)check6(TB_CLIENT6, 0));
	expect("a tag in its last unit, its ban run out in the hash", V4(.dport = 25), false);
	expect("an IPv6 tag in its last unit, run out in the hash", V6(.dport = 25), false);
	ban(TB_CLIENT, now + 3600 * NSEC);
	ban(TB_CLIENT6, now + 3600 * NSEC);
	tag_put(w4, ((now >> MXGW_BAN_TAG_SHIFT) + 1) << 32 | addr4(TB_CLIENT));
	tag_put(w6, ((now >> MXGW_BAN_TAG_SHIFT) + 1) << 32 |
		    (__u32)check6(TB_CLIENT6, 0));
	expect("a tag in its last unit, its ban live in the hash", V4(.dport = 25), true);
	expect("an IPv6 tag in its last unit, live in the hash", V6(.dport = 25), true);
}

/*
 * Two bans in one slot: ASK, both found in the hash, a third source of
 * that slot let on; an unban leaves ASK, the sync makes it the other's
 * tag.
 */
static void test_tag_collision(void **state)
{
	char o4[2][INET_ADDRSTRLEN], o6[2][INET6_ADDRSTRLEN];
	__u32 w4 = word4(TB_CLIENT), w6 = word6(TB_CLIENT6);

	(void)state;
	same_slot4(TB_CLIENT, o4, 2);
	same_slot6(TB_CLIENT6, o6, 2);
	tb_reset(&tb, conf(NULL));
	ban(TB_CLIENT, 0);
	ban(o4[0], 0);
	ban(TB_CLIENT6, 0);
	ban(o6[0], 0);
	assert_int_equal(tag(w4), MXGW_BAN_TAG_ASK);
	assert_int_equal(tag(w6), MXGW_BAN_TAG_ASK);
	expect("banned, sharing its slot", V4(.dport = 25), true);
	expect("the other ban of the slot", V4(.saddr = o4[0], .dport = 25), true);
	expect("a third source of the slot", V4(.saddr = o4[1], .dport = 25), false);
	expect("banned /64, sharing its slot", V6(.dport = 25), true);
	expect("the other /64 of the slot", V6(.saddr = o6[0], .dport = 25), true);
	expect("a third /64 of the slot", V6(.saddr = o6[1], .dport = 25), false);
	/* the sync keeps a shared slot ASK */
	assert_int_equal(mxgw_bans_hint_sync(&tb.maps), 0);
	assert_int_equal(tag(w4), MXGW_BAN_TAG_ASK);
	assert_int_equal(tag(w6), MXGW_BAN_TAG_ASK);
	unban(TB_CLIENT);
	unban(TB_CLIENT6);
	assert_int_equal(tag(w4), MXGW_BAN_TAG_ASK);
	assert_int_equal(tag(w6), MXGW_BAN_TAG_ASK);
	expect("unbanned, its slot still shared", V4(.dport = 25), false);
	expect("the other ban, still", V4(.saddr = o4[0], .dport = 25), true);
	expect("unbanned /64, its slot still shared", V6(.dport = 25), false);
	expect("the other /64, still", V6(.saddr = o6[0], .dport = 25), true);
	assert_int_equal(mxgw_bans_hint_sync(&tb.maps), 0);
	assert_int_equal(tag(w4), tag4(o4[0], 0));
	assert_int_equal(tag(w6 - 1), net6(o6[0]));
	assert_int_equal(tag(w6), check6(o6[0], 0));
	expect("the other ban, its own tag now", V4(.saddr = o4[0], .dport = 25), true);
	expect("the other /64, its own tag now", V6(.saddr = o6[0], .dport = 25), true);
	expect("the first, no longer", V6(.dport = 25), false);
}

/*
 * A torn IPv6 slot (the net word of one /64, the check word of another's
 * tag): the check's /64 asks the hash (banned: dropped), the net's is
 * not the check's (let on), as is any other /64 of the slot.
 */
static void test_tag_torn6(void **state)
{
	char o6[2][INET6_ADDRSTRLEN];
	__u32 w6 = word6(TB_CLIENT6);

	(void)state;
	same_slot6(TB_CLIENT6, o6, 2);
	tb_reset(&tb, conf(NULL));
	ban(TB_CLIENT6, 0);
	tag_put(w6 - 1, net6(o6[0]));
	expect("the check's /64, banned, the net word another's", V6(.dport = 25), true);
	expect("the net word's /64, not banned", V6(.saddr = o6[0], .dport = 25), false);
	expect("a third /64 of the slot", V6(.saddr = o6[1], .dport = 25), false);
	/* and the other way round: the check of a /64 not banned */
	unban(TB_CLIENT6);
	ban(o6[0], 0);
	tag_put(w6 - 1, net6(TB_CLIENT6));
	tag_put(w6, check6(TB_CLIENT6, 0));
	assert_int_equal(mxgw_bans_hint_sync(&tb.maps), 0);
	assert_int_equal(tag(w6 - 1), net6(o6[0]));
	assert_int_equal(tag(w6), check6(o6[0], 0));
	expect("after the sync: the ban's", V6(.saddr = o6[0], .dport = 25), true);
	expect("after the sync: not the other's", V6(.dport = 25), false);
}

/* @spec over its limit: dropped (by the limit) */
static void over_limit(const struct tb_frame_spec *spec)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len = tb_frame(spec, in), out_len;

	assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_DROP);
}

/* The data plane's rate-limit ban stores ASK over a slot with another
 * ban's tag: both found; the sync keeps it ASK. */
static void test_tag_limit_ban(void **state)
{
	char o4[1][INET_ADDRSTRLEN], o6[1][INET6_ADDRSTRLEN];
	__u32 w4 = word4(TB_CLIENT), w6 = word6(TB_CLIENT6);

	(void)state;
	same_slot4(TB_CLIENT, o4, 1);
	same_slot6(TB_CLIENT6, o6, 1);
	tb_reset(&tb, conf("limit smtp 1/s burst 2 ban 10m\n"));
	ban(o4[0], 0);
	ban(o6[0], 0);
	assert_int_equal(tag(w4), tag4(o4[0], 0));
	assert_int_equal(tag(w6), check6(o6[0], 0));
	for (int i = 0; i < 2; i++) {
		expect("smtp, under the limit", V4(.dport = 25), false);
		expect("smtp over IPv6, under the limit", V6(.dport = 25), false);
	}
	/* over it: dropped, and banned by the data plane, which stores ASK */
	over_limit(V4(.dport = 25));
	over_limit(V6(.dport = 25));
	assert_int_equal(tag(w4), MXGW_BAN_TAG_ASK);
	assert_int_equal(tag(w6), MXGW_BAN_TAG_ASK);
	expect("the limit's ban, its slot ASK", V4(.dport = 25), true);
	expect("the tag's ban under the ASK", V4(.saddr = o4[0], .dport = 25), true);
	expect("the limit's ban over IPv6", V6(.dport = 25), true);
	expect("the tag's ban under the IPv6 ASK", V6(.saddr = o6[0], .dport = 25), true);
	assert_int_equal(mxgw_bans_hint_sync(&tb.maps), 0);
	assert_int_equal(tag(w4), MXGW_BAN_TAG_ASK);
	assert_int_equal(tag(w6), MXGW_BAN_TAG_ASK);
	expect("the limit's ban, after the sync", V4(.dport = 25), true);
	expect("the tag's ban, after the sync", V4(.saddr = o4[0], .dport = 25), true);
}

/*
 * A load (tb_apply: mxgw_maps_apply, as load and reload run it) makes the
 * tags again from the bans: a map re-created empty (its layout changed
 * with an upgrade) holds every ban's tag after it.
 */
static void test_tag_load(void **state)
{
	char o4[1][INET_ADDRSTRLEN];
	__u32 w4 = word4(TB_CLIENT), w6 = word6(TB_CLIENT6);

	(void)state;
	same_slot4(TB_CLIENT, o4, 1);
	tb_reset(&tb, conf(NULL));
	ban(TB_CLIENT, 0);
	ban(o4[0], 0);
	ban(TB_CLIENT6, 0);
	ban(TB_OTHER_CLIENT, 0);
	tags_wipe();
	expect("banned, its slot wiped", V4(.saddr = TB_OTHER_CLIENT, .dport = 25), false);
	tb_apply(&tb, conf(NULL));
	assert_int_equal(tag(w4), MXGW_BAN_TAG_ASK);
	assert_int_equal(tag(w6), check6(TB_CLIENT6, 0));
	assert_int_equal(tag(word4(TB_OTHER_CLIENT)), tag4(TB_OTHER_CLIENT, 0));
	expect("banned, after the load", V4(.saddr = TB_OTHER_CLIENT, .dport = 25), true);
	expect("banned, sharing a slot, after the load", V4(.dport = 25), true);
	expect("the other of the slot, after the load", V4(.saddr = o4[0], .dport = 25), true);
	expect("banned /64, after the load", V6(.dport = 25), true);
}

/*
 * A ban that does not go in (the hash full: -E2BIG) leaves no tag: the
 * data plane trusts a tag, and would drop a source no listing shows.
 */
static void test_tag_failed_ban(void **state)
{
	struct mxgw_ban_entry *e = calloc(MXGW_MAX_BANS, sizeof(*e));
	struct mxgw_ban_entry one = { .ban = { .set_ns = mxgw_now_ns() } };
	__u32 w4 = word4(TB_CLIENT), n = 0;
	char why[160];

	(void)state;
	assert_non_null(e);
	tb_reset(&tb, conf(NULL));
	/* the hash full of others, none in TB_CLIENT's slot */
	for (__u32 i = 0; n < MXGW_MAX_BANS; i++) {
		__be32 a = htonl(0x0b000000 | i);

		if (mxgw_ban_tag_word4(a) == w4)
			continue;
		e[n].pfx.family = MXGW_FAM_IPV4;
		e[n].pfx.len = 32;
		e[n].pfx.addr.a[0] = a;
		e[n++].ban.set_ns = mxgw_now_ns();
	}
	assert_int_equal(mxgw_bans_add(&tb.maps, e, n), 0);
	free(e);
	assert_int_equal(mxgw_prefix_parse(TB_CLIENT, 1, MXGW_BAN6_DEFAULT_LEN, &one.pfx, why,
						sizeof(why)), 0);
	assert_int_equal(mxgw_bans_add(&tb.maps, &one, 1), -E2BIG);
	assert_int_equal(tag(w4), MXGW_BAN_TAG_EMPTY);
	expect("a ban that did not go in", V4(.dport = 25), false);
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
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_tag_expiry),
		cmocka_unit_test(test_tag_collision),
		cmocka_unit_test(test_tag_torn6),
		cmocka_unit_test(test_tag_limit_ban),
		cmocka_unit_test(test_tag_load),
		cmocka_unit_test(test_tag_failed_ban),
	};

	return cmocka_run_group_tests_name("bans and the allowlist", tests, tb_group_setup,
					   tb_group_teardown);
}
