// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Rate limits (issue 13) through bpf_prog_test_run_opts: the real
 * programs, limits written by the real config parser and map code.  Each
 * fixture is a frame in, the verdict, the frame out (a drop leaves it as
 * it came) and drop_rate_limit under the frame's family: under and over
 * the rate, the burst, refill, per service and per source, IPv6 by /64,
 * UDP, "to gateway" services, the allowlist, bans written by the data
 * plane, and a flood of spoofed sources that must not evict the bucket
 * of a client that keeps connecting.
 *
 * Time: the data plane's clock runs (100 ms ticks) and limits here are
 * at most 1 a second, so a test's own run never refills a bucket; time
 * passing for a bucket is its stored time moved back (age()), which is
 * what the clock moving forward does to max(tat, now) - now.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "testbed.h"

#define NSEC	1000000000ULL

static struct tb tb;

static const char *conf(const char *extra)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%smailserver6 %s\n"
		 "service gw 2222/tcp allow allow from 0.0.0.0/0,::/0 to gateway\n"
		 "service stun 3478/udp allow allow\n%s",
		 tb_shipped_conf(), TB_MAILSERVER6, extra ? extra : "");
	return buf;
}

static __u32 cfg_flags(void)
{
	struct mxgw_config cfg;

	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	return cfg.flags;
}

/* The running id of service @name. */
static __u32 svc_id(const char *name)
{
	struct mxgw_service svcs[MXGW_MAX_SERVICES];

	assert_int_equal(mxgw_maps_read_services(&tb.maps, svcs), 0);
	for (__u32 id = 1; id < MXGW_MAX_SERVICES; id++)
		if (svcs[id].in_use && !strncmp(svcs[id].name, name, MXGW_SVC_NAME_LEN))
			return id;
	fail_msg("no service %s", name);
	return 0;
}

/* The bucket key of source @addr (IPv4 or IPv6) for service @name. */
static struct mxgw_rl_key rl_key(const char *addr, const char *name)
{
	struct mxgw_rl_key k = { .svc_id = (__u8)svc_id(name) };
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &k.addr[0]) == 1)
		return k;
	assert_int_equal(inet_pton(AF_INET6, addr, &a6), 1);
	k.family = MXGW_FAM_IPV6;
	memcpy(k.addr, &a6, sizeof(k.addr));
	return k;
}

/* Time passing for @addr's bucket of @name: @dt earlier (both maps). */
static void age(const char *addr, const char *name, __u64 dt)
{
	struct mxgw_rl_key k = rl_key(addr, name);
	int fds[] = { tb.maps.rl, tb.maps.rl_new };
	struct mxgw_rl b;
	bool found = false;

	for (int i = 0; i < 2; i++) {
		if (bpf_map_lookup_elem(fds[i], &k, &b))
			continue;
		/* never before the clock's zero: a guest booted a minute ago
		 * has a data plane clock of a minute, and a time moved back an
		 * hour would wrap into the far future (a bucket empty for
		 * centuries); any time at or before now - burst is a full
		 * bucket all the same */
		b.tat_ns = b.tat_ns > dt ? b.tat_ns - dt : 0;
		assert_int_equal(bpf_map_update_elem(fds[i], &k, &b, BPF_EXIST), 0);
		found = true;
	}
	if (!found)
		fail_msg("%s has no bucket for %s", addr, name);
}

/*
 * @spec through XDP: @limited: dropped, the frame unchanged,
 * drop_rate_limit of its family one more; else not dropped and
 * drop_rate_limit unchanged.
 */
static void expect(const char *what, const struct tb_frame_spec *spec, bool limited)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	int fam = spec->ip6 ? MXGW_FAM_IPV6 : MXGW_FAM_IPV4;
	size_t len, out_len;
	__u64 before;
	int verdict;

	len = tb_frame(spec, in);
	before = tb_counter_fam(&tb, fam, MXGW_DROP_RATE_LIMIT);
	verdict = tb_run_xdp(&tb, in, len, out, &out_len);
	if (limited) {
		if (verdict != XDP_DROP)
			fail_msg("%s: verdict %d, want XDP_DROP", what, verdict);
		if (out_len != len || memcmp(out, in, len)) {
			tb_hexdiff(out, out_len, in, len);
			fail_msg("%s: the dropped frame changed", what);
		}
		if (tb_counter_fam(&tb, fam, MXGW_DROP_RATE_LIMIT) != before + 1)
			fail_msg("%s: drop_rate_limit did not count it", what);
	} else {
		if (verdict == XDP_DROP)
			fail_msg("%s: dropped, want it let on", what);
		if (tb_counter_fam(&tb, fam, MXGW_DROP_RATE_LIMIT) != before)
			fail_msg("%s: drop_rate_limit counted it", what);
	}
}

/* @n of @spec let on, then the next limited. */
static void expect_burst(const char *what, const struct tb_frame_spec *spec, int n)
{
	char buf[160];

	for (int i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s: connection %d of a burst of %d", what, i + 1, n);
		expect(buf, spec, false);
	}
	snprintf(buf, sizeof(buf), "%s: connection %d, over the burst", what, n + 1);
	expect(buf, spec, true);
}

#define V4(...)	(&(struct tb_frame_spec){ __VA_ARGS__ })
#define V6(...)	(&(struct tb_frame_spec){ .ip6 = true, __VA_ARGS__ })

static void test_no_limit_no_flag(void **state)
{
	struct mxgw_limit l;

	(void)state;
	tb_reset(&tb, conf(NULL));
	assert_int_equal(cfg_flags() & MXGW_CFG_F_LIMIT, 0);
	for (int i = 0; i < 20; i++)
		expect("smtp, no limit", V4(.dport = 25), false);
	tb_apply(&tb, conf("limit smtp 1/s burst 3\n"));
	assert_int_equal(cfg_flags() & MXGW_CFG_F_LIMIT, MXGW_CFG_F_LIMIT);
	assert_int_equal(mxgw_maps_read_limit(&tb.maps, svc_id("smtp"), &l), 0);
	assert_int_equal(l.interval_ns, NSEC);
	assert_int_equal(l.burst_ns, 3 * NSEC);
	assert_int_equal(l.ban_ns, 0);
	/* a reload without it: no flag, nothing limited */
	expect_burst("smtp, 1/s burst 3", V4(.dport = 25), 3);
	tb_apply(&tb, conf(NULL));
	assert_int_equal(cfg_flags() & MXGW_CFG_F_LIMIT, 0);
	expect("smtp once the limit is gone", V4(.dport = 25), false);
}

static void test_rate_burst_refill_ipv4(void **state)
{
	(void)state;
	tb_reset(&tb, conf("limit smtp 1/s burst 3\n"));
	expect_burst("smtp", V4(.dport = 25), 3);
	expect("an ACK of a connection let in: not a new one",
	       V4(.dport = 25, .tcp_flags = 0x10), false);
	expect("a SYN-ACK: not a new connection", V4(.dport = 25, .tcp_flags = 0x12), false);
	expect("still over", V4(.dport = 25), true);
	age(TB_CLIENT, "smtp", NSEC);
	expect("a second later: one more", V4(.dport = 25), false);
	expect("and then over again", V4(.dport = 25), true);
	age(TB_CLIENT, "smtp", 2 * NSEC);
	expect("two seconds later: two more (1)", V4(.dport = 25), false);
	expect("two seconds later: two more (2)", V4(.dport = 25), false);
	expect("and over", V4(.dport = 25), true);
	/* a long pause refills the burst, never more */
	age(TB_CLIENT, "smtp", 3600 * NSEC);
	expect_burst("after an hour", V4(.dport = 25), 3);
}

static void test_per_source_and_service(void **state)
{
	(void)state;
	tb_reset(&tb, conf("limit smtp 1/s burst 2\nlimit smtps 1/m burst 1\n"
			   "limit imap 1/s burst 1\n"));
	expect_burst("smtp from A", V4(.dport = 25), 2);
	expect_burst("smtp from B: a bucket of its own", V4(.saddr = TB_OTHER_CLIENT, .dport = 25),
		     2);
	expect_burst("smtps from A: the service's own", V4(.dport = 465), 1);
	for (int i = 0; i < 10; i++)
		expect("imaps from A: no limit", V4(.dport = 993), false);
	expect("smtp over IPv6 from A's network: another family",
	       V6(.dport = 25), false);
	/* a denied service is the table's drop, never the limit's */
	for (int i = 0; i < 3; i++) {
		__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
		__u64 before = tb_counter(&tb, MXGW_DROP_RATE_LIMIT);
		size_t len = tb_frame(V4(.dport = 143), in), out_len;

		assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_DROP);
		assert_int_equal(tb_counter(&tb, MXGW_DROP_RATE_LIMIT), before);
	}
	/* 1/m: a second refills nothing, a minute one */
	age(TB_CLIENT, "smtps", NSEC);
	expect("smtps a second later", V4(.dport = 465), true);
	age(TB_CLIENT, "smtps", 60 * NSEC);
	expect("smtps a minute later", V4(.dport = 465), false);
}

static void test_ipv6_by_64(void **state)
{
	(void)state;
	tb_reset(&tb, conf("limit smtp 1/s burst 3\n"));
	expect("2001:db8:51::7", V6(.dport = 25), false);
	expect("2001:db8:51::8, the same /64", V6(.saddr = TB_OTHER_CLIENT6, .dport = 25), false);
	expect("2001:db8:51::ffff, the same /64", V6(.saddr = "2001:db8:51::ffff", .dport = 25),
	       false);
	expect("the /64's fourth", V6(.saddr = "2001:db8:51::9", .dport = 25), true);
	expect_burst("the next /64", V6(.saddr = "2001:db8:51:1::7", .dport = 25), 3);
	age(TB_CLIENT6, "smtp", NSEC);
	expect("a second later, any address of the /64",
	       V6(.saddr = "2001:db8:51::abcd", .dport = 25), false);
	expect("then over", V6(.dport = 25), true);
}

static void test_udp_and_gateway(void **state)
{
	(void)state;
	tb_reset(&tb, conf("limit stun 1/s burst 2\nlimit gw 1/s burst 1\n"));
	/* UDP: every datagram counts */
	expect_burst("stun datagrams", V4(.proto = 17, .dport = 3478), 2);
	expect_burst("stun datagrams over IPv6", V6(.proto = 17, .dport = 3478), 2);
	expect_burst("to gateway", V4(.dport = 2222), 1);
	expect_burst("to gateway over IPv6", V6(.daddr = TB_PUBLIC6, .dport = 2222), 1);
}

static void test_allowlist_exempt(void **state)
{
	__u64 a4, a6;

	(void)state;
	tb_reset(&tb, conf("limit smtp 1/s burst 1\nallowlist 198.51.100.7,2001:db8:51::7/128\n"));
	a4 = tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_BAN_ALLOWLISTED);
	a6 = tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_BAN_ALLOWLISTED);
	for (int i = 0; i < 5; i++) {
		expect("allowlisted A", V4(.dport = 25), false);
		expect("allowlisted A over IPv6", V6(.dport = 25), false);
	}
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_BAN_ALLOWLISTED), a4 + 4);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_BAN_ALLOWLISTED), a6 + 4);
	expect_burst("B, not allowlisted", V4(.saddr = TB_OTHER_CLIENT, .dport = 25), 1);
	/* A's /64 neighbour shares the bucket A used up, and is not A */
	expect("A's /64 neighbour", V6(.saddr = TB_OTHER_CLIENT6, .dport = 25), true);
}

/* The ban the data plane wrote for @addr: as mxctl ban --for writes one. */
static void expect_ban(const char *addr, __u64 secs, __u64 t0, __u64 t1)
{
	struct mxgw_ban b;
	struct in6_addr a6;
	__be32 a4;
	int err;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		err = bpf_map_lookup_elem(tb.maps.ban4, &a4, &b);
	} else {
		struct mxgw_ban6_key k;

		assert_int_equal(inet_pton(AF_INET6, addr, &a6), 1);
		memcpy(k.net, &a6, sizeof(k.net));
		err = bpf_map_lookup_elem(tb.maps.ban6, &k, &b);
	}
	if (err)
		fail_msg("%s: no ban written", addr);
	assert_string_equal(b.reason, MXGW_LIMIT_REASON);
	/* the data plane's clock, a tick behind user space's at most */
	if (b.set_ns + MXGW_CLOCK_STALE_NS < t0 || b.set_ns > t1)
		fail_msg("%s: set at %llu, not within %llu..%llu", addr,
			 (unsigned long long)b.set_ns, (unsigned long long)t0,
			 (unsigned long long)t1);
	assert_int_equal(b.expires_ns - b.set_ns, secs * NSEC);
}

static void expect_banned(const char *what, const struct tb_frame_spec *spec)
{
	int fam = spec->ip6 ? MXGW_FAM_IPV6 : MXGW_FAM_IPV4;
	__u64 banned = tb_counter_fam(&tb, fam, MXGW_DROP_BANNED);
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len, out_len;

	len = tb_frame(spec, in);
	assert_int_equal(tb_run_xdp(&tb, in, len, out, &out_len), XDP_DROP);
	if (tb_counter_fam(&tb, fam, MXGW_DROP_BANNED) != banned + 1)
		fail_msg("%s: not dropped as banned", what);
}

/* The word of @addr's ban slot that says (maps/mxgw_abi.h, mxgw_ban_hint:
 * IPv6's check word). */
static __u64 ban_hint(int fam, const char *addr)
{
	struct mxgw_ban_tag_block b;
	struct mxgw_in6 a = {};
	__u32 w, blk;
	__u64 net;

	assert_int_equal(inet_pton(fam == MXGW_FAM_IPV6 ? AF_INET6 : AF_INET, addr, &a), 1);
	memcpy(&net, &a, sizeof(net));
	w = fam == MXGW_FAM_IPV6 ? mxgw_ban_tag_word6(mxgw_ban_tag_mul6(net)) + 1 :
				   mxgw_ban_tag_word4(a.a[0]);
	blk = w / MXGW_BAN_TAG_PER_BLOCK;
	assert_int_equal(bpf_map_lookup_elem(tb.maps.ban_hint, &blk, &b), 0);
	return b.w[w % MXGW_BAN_TAG_PER_BLOCK];
}

static void test_ban(void **state)
{
	__u64 t0, t1, limit4, limit6;

	(void)state;
	tb_reset(&tb, conf("limit smtp 1/s burst 2 ban 10m\n"));
	assert_int_equal(cfg_flags() & (MXGW_CFG_F_BAN4 | MXGW_CFG_F_BAN6), 0);
	assert_int_equal(ban_hint(MXGW_FAM_IPV4, TB_CLIENT), 0);
	assert_int_equal(ban_hint(MXGW_FAM_IPV6, TB_CLIENT6), 0);
	t0 = mxgw_now_ns();
	expect_burst("smtp, ban 10m", V4(.dport = 25), 2);
	expect_burst("smtp over IPv6, ban 10m", V6(.dport = 25), 2);
	t1 = mxgw_now_ns();
	/* the data plane's ban sets its slot to ASK, as mxctl ban writes
	 * its tag: without it, the ban below would never be looked up */
	assert_int_equal(ban_hint(MXGW_FAM_IPV4, TB_CLIENT), MXGW_BAN_TAG_ASK);
	assert_int_equal(ban_hint(MXGW_FAM_IPV6, TB_CLIENT6), MXGW_BAN_TAG_ASK);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_RATE_LIMIT_BANS), 1);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_RATE_LIMIT_BANS), 1);
	assert_int_equal(cfg_flags() & (MXGW_CFG_F_BAN4 | MXGW_CFG_F_BAN6),
			 MXGW_CFG_F_BAN4 | MXGW_CFG_F_BAN6);
	expect_ban(TB_CLIENT, 600, t0, t1);
	expect_ban("2001:db8:51::", 600, t0, t1);
	/* from now on the ban drops, before any limit */
	limit4 = tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_DROP_RATE_LIMIT);
	limit6 = tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_DROP_RATE_LIMIT);
	expect_banned("A's next SYN", V4(.dport = 25));
	expect_banned("A's next SYN to another service", V4(.dport = 993));
	expect_banned("A's /64 neighbour", V6(.saddr = TB_OTHER_CLIENT6, .dport = 25));
	age(TB_CLIENT, "smtp", 3600 * NSEC);
	expect_banned("A, its bucket full again, still banned", V4(.dport = 25));
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_DROP_RATE_LIMIT), limit4);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_DROP_RATE_LIMIT), limit6);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_RATE_LIMIT_BANS), 1);
	expect("B untouched", V4(.saddr = TB_OTHER_CLIENT, .dport = 25), false);
	/* the ban runs out as one of mxctl's would */
	{
		struct mxgw_ban b;
		__be32 a4;

		inet_pton(AF_INET, TB_CLIENT, &a4);
		assert_int_equal(bpf_map_lookup_elem(tb.maps.ban4, &a4, &b), 0);
		b.expires_ns = mxgw_now_ns() - NSEC;
		assert_int_equal(bpf_map_update_elem(tb.maps.ban4, &a4, &b, BPF_EXIST), 0);
	}
	expect("A once the ban ran out", V4(.dport = 25), false);
}

/*
 * A flood of spoofed sources, one SYN each, MXGW_FLOOD_X times as many as
 * mxgw_rl holds, half of them IPv4, half IPv6 /64s, while a real client
 * of each family that has used up its burst comes back now and then
 * (every REAL_EVERY spoofed SYNs, alternating families: twice mxgw_rl's
 * size apart for each).  Its bucket must stay: every SYN of it during
 * the flood, and a burst's worth after it, is dropped (at 1/m nothing
 * refills meanwhile); an evicted bucket would have let a full burst on
 * again.  The spoofed sources never reach mxgw_rl.  (Measured against a
 * single LRU, every first SYN creating its bucket in mxgw_rl: the real
 * clients' buckets stayed there too, the kernel's LRU giving an entry
 * looked up again a second chance over entries never looked up, but
 * mxgw_rl held 32642 spoofed sources of its 32768, and the main_n check
 * below fails.)
 */
#define MXGW_FLOOD_X	8
#define REAL_EVERY	MXGW_RL_MAX
#define BURST		5

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_spoofed_flood(void **state)
{
	struct tb_frame_spec sp4 = { .dport = 25 }, sp6 = { .ip6 = true, .dport = 25 };
	struct tb_frame_spec real4 = { .dport = 25 }, real6 = { .ip6 = true, .dport = 25 };
	unsigned int n = MXGW_FLOOD_X * MXGW_RL_MAX, tries = 0, let4 = 0, let6 = 0;
	unsigned int main_n, new_n;
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	struct mxgw_rl_key k4, k6;
	struct mxgw_rl b;
	size_t len, out_len;
	double t0, secs;

	(void)state;
	tb_reset(&tb, conf("limit smtp 1/m burst 5\n"));
	expect_burst("a real client", &real4, BURST);
	expect_burst("a real IPv6 client", &real6, BURST);
	k4 = rl_key(TB_CLIENT, "smtp");
	k6 = rl_key(TB_CLIENT6, "smtp");
	sp4.saddr = a4;
	sp6.saddr = a6;
	t0 = now_s();
	for (unsigned int i = 0; i < n; i++) {
		if (i % REAL_EVERY == REAL_EVERY / 2) {
			const struct tb_frame_spec *r = (i / REAL_EVERY) & 1 ? &real6 : &real4;

			len = tb_frame(r, in);
			if (tb_run_xdp(&tb, in, len, out, &out_len) != XDP_DROP)
				++*(r->ip6 ? &let6 : &let4);
			tries++;
		}
		if (i & 1) {
			/* 11.0.0.0/8 on: no martian, no LAN, each once */
			__u32 s = htonl((11U << 24) + i);

			inet_ntop(AF_INET, &s, a4, sizeof(a4));
			len = tb_frame(&sp4, in);
		} else {
			snprintf(a6, sizeof(a6), "2001:db8:%x:%x::1", 0x1000 + (i >> 16), i & 0xffff);
			len = tb_frame(&sp6, in);
		}
		if (tb_run_xdp(&tb, in, len, out, &out_len) == XDP_DROP)
			fail_msg("spoofed SYN %u dropped: a source's first is never over", i);
	}
	secs = now_s() - t0;
	/* then a burst's worth from each */
	for (int i = 0; i < BURST; i++) {
		len = tb_frame(&real4, in);
		let4 += tb_run_xdp(&tb, in, len, out, &out_len) != XDP_DROP;
		len = tb_frame(&real6, in);
		let6 += tb_run_xdp(&tb, in, len, out, &out_len) != XDP_DROP;
		tries += 2;
	}
	assert_int_equal(mxgw_maps_count_buckets(&tb.maps, &main_n, &new_n), 0);
	print_message("flood: %u spoofed SYNs (%ux mxgw_rl's %u, %ux mxgw_rl_new's %u) in %.2f s; "
		      "%u SYNs of the real clients during and after it, over their limit: "
		      "let on IPv4 %u, IPv6 %u; buckets: mxgw_rl %u, mxgw_rl_new %u\n",
		      n, MXGW_FLOOD_X, MXGW_RL_MAX, n / MXGW_RL_NEW_MAX, MXGW_RL_NEW_MAX, secs,
		      tries, let4, let6, main_n, new_n);
	assert_true(secs < 50);	/* 1/m: nothing refilled meanwhile */
	if (let4 || let6)
		fail_msg("a real client got a burst again: its bucket was evicted");
	/* the spoofed sources never reached mxgw_rl: the real clients alone */
	assert_int_equal(main_n, 2);
	assert_int_equal(bpf_map_lookup_elem(tb.maps.rl, &k4, &b), 0);
	assert_true(b.tat_ns > mxgw_now_ns());
	assert_int_equal(bpf_map_lookup_elem(tb.maps.rl, &k6, &b), 0);
	assert_true(b.tat_ns > mxgw_now_ns());
	/* the flood did fill the probation LRU and turn it over: the first
	 * spoofed sources are gone from it */
	assert_true(new_n > MXGW_RL_NEW_MAX / 2 && new_n <= MXGW_RL_NEW_MAX);
	k6 = rl_key("2001:db8:1000::1", "smtp");
	assert_int_not_equal(bpf_map_lookup_elem(tb.maps.rl_new, &k6, &b), 0);
	k4 = rl_key("11.0.0.1", "smtp");
	assert_int_not_equal(bpf_map_lookup_elem(tb.maps.rl_new, &k4, &b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_limit_no_flag),
		cmocka_unit_test(test_rate_burst_refill_ipv4),
		cmocka_unit_test(test_per_source_and_service),
		cmocka_unit_test(test_ipv6_by_64),
		cmocka_unit_test(test_udp_and_gateway),
		cmocka_unit_test(test_allowlist_exempt),
		cmocka_unit_test(test_ban),
		cmocka_unit_test(test_spoofed_flood),
	};

	return cmocka_run_group_tests_name("rate limits", tests, tb_group_setup,
					   tb_group_teardown);
}
