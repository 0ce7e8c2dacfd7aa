// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Blocklists in mxgw_wan_in (issue 13) through bpf_prog_test_run_opts:
 * lists read by the real reader and swapped in by the real map code, then
 * frames in, verdict, frame out, counters.  Two lists: "drop" applies to
 * everything incoming, "smtponly" to the smtp service alone.  IPv4's
 * table edges (/8, /24, a /32 and a /25 under a /24 others share, nested
 * prefixes of both lists), IPv6, list/service scoping, replies of tracked
 * flows let back, a swap of one list that keeps the other, drop counts
 * per list, and a config without lists ignoring tables left behind.
 * Bans and the allowlist first: an allowlisted source is never dropped
 * by a list, a banned one counts drop_banned.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "testbed.h"
#include "blocklist.h"
#include "ban.h"

#define MAIL_MAC	TB_MAIL_MAC
#define LAN_MAC		TB_LAN_MAC

static struct tb tb;

static const char DROP[] =
	"# FireHOL-style\n"
	"45.0.0.0/8\n"
	"192.0.2.0/24\n"
	"198.51.100.7\n"		/* TB_CLIENT alone: its /24 has longer ones */
	"2001:db8:51::7/128\n"
	"2001:db8:66::/48\n";
static const char DROP2[] =
	"46.0.0.0/8 ; SBL1\n"
	"2001:db8:67::/48 ; SBL2\n";
static const char SMTPONLY[] =
	"{\"cidr\":\"198.51.100.128/25\",\"sblid\":\"SBL3\",\"rir\":\"arin\"}\n"
	"{\"cidr\":\"192.0.2.64/26\",\"sblid\":\"SBL4\",\"rir\":\"arin\"}\n"
	"{\"cidr\":\"2001:db8:51:1::/64\",\"sblid\":\"SBL5\",\"rir\":\"ripencc\"}\n"
	"{\"type\":\"metadata\",\"timestamp\":1765000000,\"size\":3,\"records\":3}\n";

static char conf_text[8192];
static struct mxgw_conf_file conf;

static const char *conf_with_lists_and(const char *extra)
{
	snprintf(conf_text, sizeof(conf_text),
		 "%smailserver6 %s\n"
		 "blocklist drop /nonexistent/drop.txt\n"
		 "blocklist smtponly /nonexistent/smtponly.txt services smtp\n%s",
		 tb_shipped_conf(), TB_MAILSERVER6, extra);
	return conf_text;
}

static const char *conf_with_lists(void)
{
	return conf_with_lists_and("");
}

/* Apply @texts (one per list of the config) as mxctl load does. */
static void load_lists(const char *const *texts, int only)
{
	struct mxgw_bl_list lists[MXGW_BL_MAX] = { 0 };
	struct mxgw_bl_swap_stats st;
	char err[MXGW_BL_ERR_MAX];
	int n = only >= 0 ? 1 : (int)conf.policy.nblocklists;

	for (int i = 0; i < n; i++)
		assert_int_equal(mxgw_bl_read_text("t", texts[i], strlen(texts[i]),
						   &lists[i], err), 0);
	assert_int_equal(mxgw_maps_bl_apply(&tb.maps, &conf.policy, lists, only, false,
					    &st), 0);
	for (int i = 0; i < n; i++)
		mxgw_bl_list_free(&lists[i]);
}

static void setup_with(const char *text)
{
	static const char *const texts[] = { DROP, SMTPONLY };

	tb_reset(&tb, text);
	tb_allow_redirect(&tb, "lan0");
	assert_int_equal(mxgw_conf_parse_string("t", conf_text, &conf, NULL), 0);
	load_lists(texts, -1);
}

static void setup(void)
{
	setup_with(conf_with_lists());
}

enum expect { PASSES, DROPPED };

/* @spec through XDP: dropped by a blocklist (frame unchanged, counted
 * drop_blocklist), or not (the verdict and frame the table gives it). */
static void expect(const char *what, const struct tb_frame_spec *spec, enum expect e,
		   int verdict, const struct tb_frame_spec *out)
{
	__u8 in[TB_MAX_FRAME], got[TB_MAX_FRAME], want[TB_MAX_FRAME];
	int fam = spec->ip6 ? MXGW_FAM_IPV6 : MXGW_FAM_IPV4;
	size_t in_len = tb_frame(spec, in), got_len, want_len = in_len;
	__u64 before = tb_counter_fam(&tb, fam, MXGW_DROP_BLOCKLIST);
	int v = tb_run_xdp(&tb, in, in_len, got, &got_len);

	memcpy(want, in, in_len);
	if (e == DROPPED) {
		verdict = XDP_DROP;
	} else if (out) {
		want_len = tb_frame(out, want);
	}
	if (v != verdict)
		fail_msg("%s: verdict %d, want %d", what, v, verdict);
	if (got_len != want_len || memcmp(got, want, want_len)) {
		tb_hexdiff(got, got_len, want, want_len);
		fail_msg("%s: frame out differs", what);
	}
	if (tb_counter_fam(&tb, fam, MXGW_DROP_BLOCKLIST) != before + (e == DROPPED))
		fail_msg("%s: drop_blocklist %s", what, e == DROPPED ? "did not count it" :
			 "counted it");
}

#define V4(s, p)	(&(struct tb_frame_spec){ .saddr = (s), .dport = (p) })
#define V4_DNAT(s, p)	(&(struct tb_frame_spec){ .saddr = (s), .dport = (p), \
			  .daddr = TB_MAILSERVER, .ttl = 63, .set_macs = true, \
			  .dmac = MAIL_MAC, .smac = LAN_MAC })
#define V6(s, p)	(&(struct tb_frame_spec){ .ip6 = true, .saddr = (s), .dport = (p) })
#define V6_FWD(s, p)	(&(struct tb_frame_spec){ .ip6 = true, .saddr = (s), .dport = (p), \
			  .ttl = 63, .set_macs = true, .dmac = MAIL_MAC, .smac = LAN_MAC })

/* A source allowed to smtp: passes exactly as without lists. */
static void allowed4(const char *what, const char *src)
{
	expect(what, V4(src, 25), PASSES, XDP_REDIRECT, V4_DNAT(src, 25));
}

static void test_ipv4_prefix_edges(void **state)
{
	(void)state;
	setup();
	/* a /8 */
	expect("/8 first address", V4("45.0.0.0", 25), DROPPED, 0, NULL);
	expect("/8 last address", V4("45.255.255.255", 443), DROPPED, 0, NULL);
	allowed4("just below the /8", "44.255.255.255");
	allowed4("just above the /8", "46.0.0.0");
	/* a /24 */
	expect("/24 first", V4("192.0.2.0", 25), DROPPED, 0, NULL);
	expect("/24 last", V4("192.0.2.255", 25), DROPPED, 0, NULL);
	allowed4("the next /24", "192.0.3.0");
	allowed4("the /24 before", "192.0.1.255");
	/* a /32 and a /25 of the other list under one /24 */
	expect("the /32", V4(TB_CLIENT, 25), DROPPED, 0, NULL);
	allowed4("its neighbour in the /24", TB_OTHER_CLIENT);
	allowed4("the address before it", "198.51.100.6");
	allowed4("below the /25", "198.51.100.127");
	expect("/25 first", V4("198.51.100.128", 25), DROPPED, 0, NULL);
	expect("/25 last", V4("198.51.100.255", 25), DROPPED, 0, NULL);
}

static void test_lists_apply_to_their_services(void **state)
{
	(void)state;
	setup();
	/* smtponly: smtp alone */
	expect("smtponly to https", V4("198.51.100.200", 443), PASSES, XDP_REDIRECT,
	       V4_DNAT("198.51.100.200", 443));
	expect("smtponly to an unlisted port: the default's drop",
	       V4("198.51.100.200", 8080), PASSES, XDP_DROP, NULL);
	expect("smtponly, echo request", &(struct tb_frame_spec){ .saddr = "198.51.100.200",
	       .proto = 1, .icmp_type = 8 }, PASSES, XDP_PASS, NULL);
	/* drop: everything incoming */
	expect("drop to https", V4("45.1.2.3", 443), DROPPED, 0, NULL);
	expect("drop to a denied service", V4("45.1.2.3", 143), DROPPED, 0, NULL);
	expect("drop to an unlisted port", V4("45.1.2.3", 8080), DROPPED, 0, NULL);
	expect("drop, echo request", &(struct tb_frame_spec){ .saddr = "45.1.2.3",
	       .proto = 1, .icmp_type = 8 }, DROPPED, 0, NULL);
	expect("drop, udp", &(struct tb_frame_spec){ .saddr = "45.1.2.3", .proto = 17,
	       .dport = 53 }, DROPPED, 0, NULL);
	/* nested: smtponly's /26 inside drop's /24 holds both lists */
	expect("nested, https: drop's", V4("192.0.2.70", 443), DROPPED, 0, NULL);
	expect("nested, smtp: both", V4("192.0.2.70", 25), DROPPED, 0, NULL);
}

static void test_ipv6(void **state)
{
	(void)state;
	setup();
	expect("the /128", V6(TB_CLIENT6, 25), DROPPED, 0, NULL);
	expect("its neighbour", V6(TB_OTHER_CLIENT6, 25), PASSES, XDP_REDIRECT,
	       V6_FWD(TB_OTHER_CLIENT6, 25));
	expect("a /48, https", V6("2001:db8:66:ffff::1", 443), DROPPED, 0, NULL);
	expect("after the /48", V6("2001:db8:67::1", 25), PASSES, XDP_REDIRECT,
	       V6_FWD("2001:db8:67::1", 25));
	expect("smtponly's /64, smtp", V6("2001:db8:51:1::5", 25), DROPPED, 0, NULL);
	expect("smtponly's /64, https", V6("2001:db8:51:1::5", 443), PASSES, XDP_REDIRECT,
	       V6_FWD("2001:db8:51:1::5", 443));
	expect("drop, echo request to mailserver6", &(struct tb_frame_spec){ .ip6 = true,
	       .saddr = "2001:db8:66::1", .proto = 58, .icmp_type = 128 }, DROPPED, 0, NULL);
	/* the gateway's own address: only its "to gateway" services are mxgw's */
	expect("to the gateway's own IPv6 address", &(struct tb_frame_spec){ .ip6 = true,
	       .saddr = "2001:db8:66::1", .daddr = TB_PUBLIC6, .dport = 22 },
	       PASSES, XDP_PASS, NULL);
	/* the source checks come first, as IPv4's: a spoofed source listed
	 * too is dropped under its own name */
	{
		static const char *const lan6[] = { "2001:db8:168::/48\n", "" };
		__u64 spoofed;

		load_lists(lan6, -1);
		spoofed = tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_DROP_SPOOFED);
		expect("a LAN source, listed too", V6("2001:db8:168::99", 25), PASSES, XDP_DROP,
		       NULL);
		assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_DROP_SPOOFED),
				 spoofed + 1);
	}
}

/* Replies of the LAN's own flows come back from a listed address. */
static void test_tracked_replies_come_back(void **state)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len, out_len;
	__u16 pport;

	(void)state;
	setup();
	len = tb_frame(&(struct tb_frame_spec){ .saddr = "192.168.1.20", .daddr = "45.1.2.3",
		       .sport = 5555, .dport = 443 }, in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	pport = out[14 + 20] << 8 | out[14 + 21];
	expect("a reply of a LAN flow", &(struct tb_frame_spec){ .saddr = "45.1.2.3",
	       .sport = 443, .dport = pport, .tcp_flags = 0x12 }, PASSES, XDP_PASS,
	       &(struct tb_frame_spec){ .saddr = "45.1.2.3", .daddr = "192.168.1.20",
	       .sport = 443, .dport = 5555, .tcp_flags = 0x12 });
	expect("the same port, another source port: no flow", &(struct tb_frame_spec){
	       .saddr = "45.1.2.3", .sport = 444, .dport = pport, .tcp_flags = 0x12 },
	       DROPPED, 0, NULL);

	len = tb_frame(&(struct tb_frame_spec){ .ip6 = true, .saddr = TB_MAILSERVER6,
		       .daddr = "2001:db8:66::9", .sport = 5555, .dport = 443 }, in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	expect("an IPv6 reply of the mail server's flow", &(struct tb_frame_spec){
	       .ip6 = true, .saddr = "2001:db8:66::9", .sport = 443, .dport = 5555,
	       .tcp_flags = 0x12 }, PASSES, XDP_REDIRECT, &(struct tb_frame_spec){
	       .ip6 = true, .saddr = "2001:db8:66::9", .sport = 443, .dport = 5555,
	       .tcp_flags = 0x12, .ttl = 63, .set_macs = true, .dmac = MAIL_MAC,
	       .smac = LAN_MAC });

	/* a bare SYN is never a reply (ct6_reply_in): onto the tuple of the
	 * mail server's flow, the list drops it (the table would have, as
	 * drop_default_deny, after the tracked-flow exemption) */
	expect("a bare SYN onto the mail server's flow", &(struct tb_frame_spec){
	       .ip6 = true, .saddr = "2001:db8:66::9", .sport = 443, .dport = 5555 },
	       DROPPED, 0, NULL);
}

static __u64 drops(const char *name, int fam)
{
	struct mxgw_blocklist l[MXGW_BL_MAX];
	__u64 d[MXGW_BL_MAX][MXGW_FAM_MAX];

	assert_int_equal(mxgw_maps_bl_read(&tb.maps, l, d), 0);
	for (int b = 0; b < MXGW_BL_MAX; b++)
		if (l[b].in_use && !strcmp(l[b].name, name))
			return d[b][fam];
	fail_msg("no list %s", name);
	return 0;
}

static void test_counts_per_list(void **state)
{
	(void)state;
	setup();
	expect("drop", V4("45.1.2.3", 25), DROPPED, 0, NULL);
	expect("both", V4("192.0.2.70", 25), DROPPED, 0, NULL);
	expect("smtponly", V4("198.51.100.200", 25), DROPPED, 0, NULL);
	expect("drop, IPv6", V6("2001:db8:66::1", 25), DROPPED, 0, NULL);
	assert_int_equal(drops("drop", MXGW_FAM_IPV4), 2);
	assert_int_equal(drops("smtponly", MXGW_FAM_IPV4), 2);
	assert_int_equal(drops("drop", MXGW_FAM_IPV6), 1);
	assert_int_equal(drops("smtponly", MXGW_FAM_IPV6), 0);
}

/* One list swapped: the other's prefixes, long ones too, and its
 * counts stay; the swapped one's old prefixes are gone. */
static void test_swap_one_list_keeps_the_other(void **state)
{
	static const char *const drop2[] = { DROP2 };
	struct mxgw_blocklist l[MXGW_BL_MAX];

	(void)state;
	setup();
	expect("smtponly before", V4("198.51.100.200", 25), DROPPED, 0, NULL);
	load_lists(drop2, 0);
	allowed4("drop's old /8", "45.1.2.3");
	allowed4("drop's old /32", TB_CLIENT);
	expect("drop's new /8", V4("46.1.2.3", 443), DROPPED, 0, NULL);
	expect("smtponly's /25 kept", V4("198.51.100.200", 25), DROPPED, 0, NULL);
	expect("smtponly's /26 kept, now alone", V4("192.0.2.70", 25), DROPPED, 0, NULL);
	expect("... and to https no longer", V4("192.0.2.70", 443), PASSES, XDP_REDIRECT,
	       V4_DNAT("192.0.2.70", 443));
	expect("drop's new IPv6", V6("2001:db8:67::1", 25), DROPPED, 0, NULL);
	expect("drop's old IPv6", V6("2001:db8:66::1", 25), PASSES, XDP_REDIRECT,
	       V6_FWD("2001:db8:66::1", 25));
	expect("smtponly's IPv6 kept", V6("2001:db8:51:1::5", 25), DROPPED, 0, NULL);
	assert_int_equal(drops("smtponly", MXGW_FAM_IPV4), 3);
	assert_int_equal(mxgw_maps_bl_read(&tb.maps, l, NULL), 0);
	for (int b = 0; b < MXGW_BL_MAX; b++)
		if (l[b].in_use && !strcmp(l[b].name, "drop")) {
			assert_int_equal(l[b].n4, 1);
			assert_int_equal(l[b].n6, 1);
		}
}

/* A list the config no longer names goes; without lists, the flag is off
 * and nothing is looked up. */
static void test_lists_removed(void **state)
{
	struct mxgw_bl_swap_stats st;
	__u32 bits;

	(void)state;
	setup();
	tb_apply(&tb, tb_shipped_conf());
	allowed4("with the flag off, a listed source", "45.1.2.3");
	assert_int_equal(mxgw_conf_parse_string("t", tb_shipped_conf(), &conf, NULL), 0);
	assert_int_equal(mxgw_maps_bl_apply(&tb.maps, &conf.policy, NULL, -1, false, &st), 0);
	assert_int_equal(mxgw_maps_bl_lookup4(&tb.maps, inet_addr("45.1.2.3"), &bits), 0);
	assert_int_equal(bits, 0);
	assert_int_equal(mxgw_maps_bl_lookup4(&tb.maps, inet_addr("198.51.100.200"), &bits), 0);
	assert_int_equal(bits, 0);
}

/*
 * Longer prefixes under one /24: a few are the hash's value (nested, of
 * two lists: the longest answers with both), more than a value holds go
 * to the trie, all of that /24's.
 */
static void test_longer_prefixes_few_and_crowded(void **state)
{
	static const char *const texts[] = {
		"100.64.6.128/25\n"
		"100.64.5.1\n100.64.5.3\n100.64.5.5\n100.64.5.7\n100.64.5.9\n"
		"100.64.5.11\n100.64.5.13\n100.64.5.64/30\n",
		"100.64.6.200\n",
	};
	__u32 bits;

	(void)state;
	tb_reset(&tb, conf_with_lists());
	tb_allow_redirect(&tb, "lan0");
	assert_int_equal(mxgw_conf_parse_string("t", conf_text, &conf, NULL), 0);
	load_lists(texts, -1);
	/* nested in one value */
	expect("the /32 in the /25, https: drop's", V4("100.64.6.200", 443), DROPPED, 0, NULL);
	assert_int_equal(mxgw_maps_bl_lookup4(&tb.maps, inet_addr("100.64.6.200"), &bits), 0);
	assert_int_equal(__builtin_popcount(bits), 2);
	expect("the /25 first", V4("100.64.6.128", 443), DROPPED, 0, NULL);
	expect("the /25's other address, smtp", V4("100.64.6.201", 25), DROPPED, 0, NULL);
	allowed4("below the /25", "100.64.6.127");
	/* crowded: eight under 100.64.5.0/24, in the trie */
	expect("crowded, a /32", V4("100.64.5.13", 443), DROPPED, 0, NULL);
	expect("crowded, the /30's last", V4("100.64.5.67", 443), DROPPED, 0, NULL);
	allowed4("crowded, a neighbour", "100.64.5.2");
	allowed4("crowded, after the /30", "100.64.5.68");
}

/* Reloading one list the maps do not run yet is refused. */
static void test_reload_of_a_list_not_running(void **state)
{
	struct mxgw_bl_list one = { 0 };
	struct mxgw_bl_swap_stats st;

	(void)state;
	tb_reset(&tb, conf_with_lists());
	assert_int_equal(mxgw_conf_parse_string("t", conf_text, &conf, NULL), 0);
	assert_int_equal(mxgw_maps_bl_apply(&tb.maps, &conf.policy, &one, 1, false, &st),
			 -ENOENT);
}

/* The allowlist wins over every list: a source it holds inside a listed
 * prefix passes (ban_allowlisted counts it), one beside it is dropped,
 * and without the allowlist the same source is dropped; a banned source
 * a list holds too is drop_banned's, the allowlist winning over both. */
static void test_allowlist_wins(void **state)
{
	struct mxgw_ban_entry ban = { .pfx = { .family = MXGW_FAM_IPV4, .len = 32 },
				      .ban = { .set_ns = mxgw_now_ns() } };
	__u64 a4, a6, banned;

	(void)state;
	setup_with(conf_with_lists_and("allowlist 45.1.2.3,45.1.2.5,198.51.100.200,2001:db8:66::7\n"));
	a4 = tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_BAN_ALLOWLISTED);
	a6 = tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_BAN_ALLOWLISTED);
	allowed4("allowlisted inside drop's /8", "45.1.2.3");
	allowed4("allowlisted inside smtponly's /25", "198.51.100.200");
	expect("allowlisted inside drop's /48", V6("2001:db8:66::7", 25), PASSES, XDP_REDIRECT,
	       V6_FWD("2001:db8:66::7", 25));
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_BAN_ALLOWLISTED), a4 + 2);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_BAN_ALLOWLISTED), a6 + 1);
	expect("its neighbour in the /8", V4("45.1.2.4", 25), DROPPED, 0, NULL);
	expect("its neighbour in the /48", V6("2001:db8:66::8", 25), DROPPED, 0, NULL);
	/* a source in a list that does not apply here: nothing to let on */
	expect("allowlisted, smtponly's, https", V4("198.51.100.200", 443), PASSES, XDP_REDIRECT,
	       V4_DNAT("198.51.100.200", 443));
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_BAN_ALLOWLISTED), a4 + 2);

	/* banned and listed: the ban's drop, counted once; allowlisted too:
	 * let on, counted once */
	ban.pfx.addr.a[0] = inet_addr("45.9.9.9");
	assert_int_equal(mxgw_bans_add(&tb.maps, &ban, 1), 0);
	ban.pfx.addr.a[0] = inet_addr("45.1.2.5");
	assert_int_equal(mxgw_bans_add(&tb.maps, &ban, 1), 0);
	banned = tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_DROP_BANNED);
	expect("banned and listed", V4("45.9.9.9", 25), PASSES, XDP_DROP, NULL);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_DROP_BANNED), banned + 1);
	allowed4("allowlisted, banned and listed", "45.1.2.5");
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_BAN_ALLOWLISTED), a4 + 3);

	/* the same config without the allowlist (a reload): the lists stay,
	 * and drop what the allowlist let on */
	tb_apply(&tb, conf_with_lists());
	expect("no longer allowlisted, IPv4", V4("45.1.2.3", 25), DROPPED, 0, NULL);
	banned = tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_DROP_BANNED);
	expect("no longer allowlisted, banned", V4("45.1.2.5", 25), PASSES, XDP_DROP, NULL);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV4, MXGW_DROP_BANNED), banned + 1);
	expect("no longer allowlisted, smtponly", V4("198.51.100.200", 25), DROPPED, 0, NULL);
	expect("no longer allowlisted, IPv6", V6("2001:db8:66::7", 25), DROPPED, 0, NULL);
}

#define V6_PASSES(what, s, p) \
	expect(what, V6(s, p), PASSES, XDP_REDIRECT, V6_FWD(s, p))

/* The array's set of @addr's /32 (mxgw_bl6_tag), read or written. */
static __u32 slot6(const char *addr)
{
	struct mxgw_in6 a;

	assert_int_equal(inet_pton(AF_INET6, addr, &a), 1);
	return mxgw_bl6_tag_slot(a.a[0]);
}

static int tag_fd(void)
{
	__u32 zero = 0, id;
	int fd;

	assert_int_equal(bpf_map_lookup_elem(tb.maps.bl6_tag, &zero, &id), 0);
	fd = bpf_map_get_fd_by_id(id);
	assert_true(fd >= 0);
	return fd;
}

static struct mxgw_bl6_set set6(const char *addr)
{
	struct mxgw_bl6_set set;
	__u32 slot = slot6(addr);
	int fd = tag_fd();

	assert_int_equal(bpf_map_lookup_elem(fd, &slot, &set), 0);
	close(fd);
	return set;
}

static void set6_put(const char *addr, const struct mxgw_bl6_set *set)
{
	__u32 slot = slot6(addr);
	int fd = tag_fd();

	assert_int_equal(bpf_map_update_elem(fd, &slot, set, BPF_ANY), 0);
	close(fd);
}

/* The way of @addr's set holding its /32: 0, 1, or -1 for none. */
static int way6(const char *addr)
{
	struct mxgw_bl6_set set = set6(addr);
	struct mxgw_in6 a;

	assert_int_equal(inet_pton(AF_INET6, addr, &a), 1);
	return set.net[0] == a.a[0] ? 0 : set.net[1] == a.a[0] ? 1 : -1;
}

/* "X:Y::" of the /32 @net (host order) into @buf; with @suffix after. */
static const char *net32(char *buf, size_t len, __u32 net, const char *suffix)
{
	snprintf(buf, len, "%x:%x:%s", net >> 16, net & 0xffff, suffix);
	return buf;
}

/* @n /32s from 2a00::/16 on (host order) that share one set, into @out. */
static void same_set(__u32 *out, int n)
{
	__u8 *count = calloc(MXGW_BL6_SETS, 1);
	__u32 net, slot = 0;

	assert_non_null(count);
	for (net = 0x2a000000U;; net++) {
		slot = mxgw_bl6_tag_slot(htonl(net));
		if (++count[slot] == n)
			break;
	}
	for (int k = 0; net >= 0x2a000000U && k < n; net--)
		if (mxgw_bl6_tag_slot(htonl(net)) == slot)
			out[n - 1 - k++] = net;
	free(count);
}

/*
 * The array of /32s (mxgw_bl6_tag): a set's two ways hold the first two
 * listed /32s hashing there, a third is the hash's (the set asks it), a
 * /32 neither holds passes without a lookup unless the set asks; a /20
 * fills the ways of its 4096 /32s, one shorter than the array takes makes
 * every set ask the trie.  A swap writes a new array: a set's tags change
 * with the lists.  The tags are what the data plane trusts.
 */
static void test_ipv6_tags(void **state)
{
	static const char *const wide[] = { "2001:db8:66::/48\n2001:d000::/20\n", "" };
	static const char *const wider[] = { "2001:db8:66::/48\n2400::/12\n", "" };
	static const char *const narrow[] = { "2001:db8:66::/48\n", "" };
	char a[64], b[64], c[64], d[64], e[64], text[256];
	const char *const four[] = { text, "" };
	struct mxgw_bl6_set set;
	__u32 nets[4];

	(void)state;
	assert_int_not_equal(slot6("2001:db8::"), slot6("2001:db9::"));
	assert_int_not_equal(slot6("2001:db8::"), slot6("2001:dab0::"));
	setup();
	assert_int_equal(way6("2001:db8:66::1"), 0);
	assert_int_equal(way6("2001:db9::1"), -1);
	assert_int_equal(set6("2001:db9::1").ask, 0);
	expect("a /48, its way", V6("2001:db8:66::1", 25), DROPPED, 0, NULL);
	/* a /20: every /32 under it */
	load_lists(wide, -1);
	assert_int_not_equal(way6("2001:d000::1"), -1);
	assert_int_not_equal(way6("2001:dab0::1"), -1);
	assert_int_not_equal(way6("2001:dfff::1"), -1);
	expect("inside the /20", V6("2001:dab0::1", 25), DROPPED, 0, NULL);
	expect("inside the /20, its last /32", V6("2001:dfff:1::1", 25), DROPPED, 0, NULL);
	V6_PASSES("after the /20", "2001:e000::1", 25);
	/* the swap that drops the /20 writes an array without its /32s; the
	 * old drop list's /128 (TB_CLIENT6) is gone with it too */
	load_lists(narrow, -1);
	assert_int_equal(way6("2001:dab0::1"), -1);
	assert_int_equal(way6("2001:db8:66::1"), 0);
	expect("after the swap, the /48", V6("2001:db8:66::1", 25), DROPPED, 0, NULL);
	V6_PASSES("after the swap, the /20's", "2001:dab0::1", 25);
	/* a set asking a hash with nothing for the /32: a lookup, no drop */
	set = set6("2001:dab0::1");
	set.ask = MXGW_BL6_ASK_HASH;
	set6_put("2001:dab0::1", &set);
	V6_PASSES("a set asking the hash for nothing", "2001:dab0::1", 25);
	/* a way's tag changed hides its /32: the tag is what is trusted */
	set = set6("2001:db8:66::1");
	set.net[0] = MXGW_BL6_NONE;
	set6_put("2001:db8:66::1", &set);
	V6_PASSES("its tag changed behind the swap's back", "2001:db8:66::1", 25);
	/* shorter than the array takes: every set asks the trie */
	load_lists(wider, -1);
	assert_int_equal(set6("2001:db9::1").ask, MXGW_BL6_ASK_TRIE);
	assert_int_equal(way6("2001:db8:66::1"), 0);
	expect("inside the /12", V6("2405:1::1", 25), DROPPED, 0, NULL);
	V6_PASSES("outside it, the trie asked", "2001:db9::1", 25);
	load_lists(narrow, -1);
	assert_int_equal(set6("2001:db9::1").ask, 0);

	/* three listed /32s of one set: two ways and the hash; a fourth
	 * hashing there passes (the hash asked), unless listed */
	same_set(nets, 4);
	net32(a, sizeof(a), nets[0], ":1");
	net32(b, sizeof(b), nets[1], ":1");
	net32(c, sizeof(c), nets[2], "5::1");
	net32(d, sizeof(d), nets[3], ":1");
	snprintf(text, sizeof(text), "%x:%x::/32\n%x:%x::/32\n%x:%x:5::/48\n",
		 nets[0] >> 16, nets[0] & 0xffff, nets[1] >> 16, nets[1] & 0xffff,
		 nets[2] >> 16, nets[2] & 0xffff);
	load_lists(four, -1);
	assert_int_equal(way6(a), 0);
	assert_int_equal(way6(b), 1);
	assert_int_equal(way6(c), -1);
	assert_int_equal(set6(a).ask, MXGW_BL6_ASK_HASH);
	expect("the set's first /32", V6(a, 443), DROPPED, 0, NULL);
	expect("the set's second /32", V6(b, 443), DROPPED, 0, NULL);
	expect("the set's third, the hash's /48", V6(c, 443), DROPPED, 0, NULL);
	V6_PASSES("the third /32, beside its /48", net32(e, sizeof(e), nets[2], "6::1"), 443);
	V6_PASSES("a fourth /32 of the set", d, 443);
	/* a source whose set holds another /32 and asks nothing: passes */
	assert_int_equal(set6("2001:db9::1").ask, 0);
	V6_PASSES("a set holding others, asking nothing", "2001:db9::1", 443);

	/* a swap that changes the set's tags: the fourth in, the first out */
	snprintf(text, sizeof(text), "%x:%x::/32\n%x:%x::/32\n",
		 nets[3] >> 16, nets[3] & 0xffff, nets[1] >> 16, nets[1] & 0xffff);
	load_lists(four, -1);
	assert_int_equal(way6(b), 0);
	assert_int_equal(way6(d), 1);
	assert_int_equal(way6(a), -1);
	assert_int_equal(set6(a).ask, 0);
	V6_PASSES("the first, swapped out", a, 443);
	V6_PASSES("the third, swapped out", c, 443);
	expect("the fourth, swapped in", V6(d, 443), DROPPED, 0, NULL);
	expect("the second, kept", V6(b, 443), DROPPED, 0, NULL);
}

/* The value for @addr's /32: its way's in mxgw_bl6_tag's array, else
 * mxgw_bl6_hash's; false when neither has one. */
static bool bl6_entry(const char *addr, struct mxgw_bl6_long32 *v)
{
	struct mxgw_bl6_set set = set6(addr);
	int w = way6(addr), fd;
	struct mxgw_in6 a;
	__u32 slot = set.slot, id;
	bool found;

	if (w >= 0) {
		*v = set.v[w];
		return true;
	}
	assert_int_equal(inet_pton(AF_INET6, addr, &a), 1);
	if (bpf_map_lookup_elem(tb.maps.bl6_hash, &slot, &id))
		return false;
	fd = bpf_map_get_fd_by_id(id);
	assert_true(fd >= 0);
	found = !bpf_map_lookup_elem(fd, &a.a[0], v);
	close(fd);
	return found;
}

static __u32 bits6(const char *addr)
{
	struct mxgw_in6 a;
	__u32 bits;

	assert_int_equal(inet_pton(AF_INET6, addr, &a), 1);
	assert_int_equal(mxgw_maps_bl_lookup6(&tb.maps, &a, &bits), 0);
	return bits;
}

/*
 * IPv6 by /32 (mxgw_bl6_tag, mxgw_bl6_hash): a /32's value holds the bits of the
 * prefixes of /32 or shorter covering it and up to MXGW_BL6_SMALL longer
 * ones, longest first; a crowded /32 and prefixes shorter than the hash
 * takes (MXGW_BL6_EXPAND_MIN), or more than it holds, are the trie's.  "drop" applies to every
 * service, "smtponly" to smtp: a source's verdict on 443 tells which
 * list's bits the data plane found.
 */
static void test_ipv6_by_32(void **state)
{
	static const char *const texts[] = {
		/* drop */
		"2001:dba:5::/48\n"			/* inside smtponly's /31 */
		"2001:db9:1::7/128\n"			/* inside smtponly's /64 */
		"2001:db8:a::/48\n2001:db8:b::/56\n2001:db8:c::1/128\n"
		"2001:db8:d::/64\n2001:db8:e::/48\n"	/* five: crowded */
		"2001:4000::/18\n",			/* shorter than the hash */
		/* smtponly */
		"2001:dba::/31\n"
		"2001:db9:1::/64\n"
		"2001:db8:e:1::/64\n"
		"2001:4001:5::/48\n",
	};
	struct mxgw_bl6_long32 v;

	(void)state;
	tb_reset(&tb, conf_with_lists());
	tb_allow_redirect(&tb, "lan0");
	assert_int_equal(mxgw_conf_parse_string("t", conf_text, &conf, NULL), 0);
	load_lists(texts, -1);

	/* a /48 inside a /32 that the other list's /31 covers: one value,
	 * the /48 inline with both lists' bits, the /32's own smtponly's */
	assert_true(bl6_entry("2001:dba:5::1", &v));
	assert_int_equal(v.more, 0);
	assert_int_equal(v.n, 1);
	assert_int_equal(__builtin_popcount(v.bits), 1);
	assert_int_equal(__builtin_popcount(bits6("2001:dba:5::1")), 2);
	expect("the /48, https: drop's", V6("2001:dba:5:ff::1", 443), DROPPED, 0, NULL);
	expect("the /48, smtp", V6("2001:dba:5::1", 25), DROPPED, 0, NULL);
	expect("the /31 around it, smtp", V6("2001:dba:6::1", 25), DROPPED, 0, NULL);
	V6_PASSES("the /31 around it, https", "2001:dba:6::1", 443);
	expect("the /31's other /32, smtp", V6("2001:dbb:ffff::1", 25), DROPPED, 0, NULL);
	V6_PASSES("the /31's other /32, https", "2001:dbb:ffff::1", 443);
	V6_PASSES("after the /31", "2001:dbc::1", 25);

	/* a /128 inside a /64 of the other list: the longest first */
	assert_true(bl6_entry("2001:db9::", &v));
	assert_int_equal(v.n, 2);
	assert_int_equal(v.bits, 0);
	expect("the /128, https", V6("2001:db9:1::7", 443), DROPPED, 0, NULL);
	V6_PASSES("the /128's neighbour, https", "2001:db9:1::8", 443);
	expect("the /128's neighbour, smtp", V6("2001:db9:1::8", 25), DROPPED, 0, NULL);
	V6_PASSES("after the /64", "2001:db9:1:1::7", 25);

	/* crowded: six under 2001:db8::/32, the trie answers */
	assert_true(bl6_entry("2001:db8::", &v));
	assert_int_not_equal(v.more, 0);
	expect("crowded, the /128", V6("2001:db8:c::1", 443), DROPPED, 0, NULL);
	V6_PASSES("crowded, its neighbour", "2001:db8:c::2", 443);
	expect("crowded, the /56's last /64", V6("2001:db8:b:ff::1", 443), DROPPED, 0, NULL);
	V6_PASSES("crowded, after the /56", "2001:db8:b:100::1", 443);
	expect("crowded, smtponly's /64 in drop's /48, https", V6("2001:db8:e:1::9", 443),
	       DROPPED, 0, NULL);
	assert_int_equal(__builtin_popcount(bits6("2001:db8:e:1::9")), 2);
	V6_PASSES("crowded, none of them", "2001:db8:f::1", 443);

	/* a /18: the trie, for /32s of no entry (every set asks it) and
	 * for the bits of those with one */
	assert_true(set6("2001:5000::").ask & MXGW_BL6_ASK_TRIE);
	assert_false(bl6_entry("2001:5000::", &v));
	expect("the /18, a /32 of no entry", V6("2001:5000::1", 443), DROPPED, 0, NULL);
	expect("the /18's last", V6("2001:7fff:ffff::1", 443), DROPPED, 0, NULL);
	V6_PASSES("after the /18", "2001:8000::1", 443);
	assert_true(bl6_entry("2001:4001::", &v));
	assert_int_equal(v.more, 0);
	assert_int_equal(v.bits, 1U << 0);
	expect("the /18's /32 with a /48, elsewhere", V6("2001:4001:6::1", 443), DROPPED, 0,
	       NULL);
	expect("the /48 in the /18", V6("2001:4001:5::1", 443), DROPPED, 0, NULL);
	assert_int_equal(__builtin_popcount(bits6("2001:4001:5::1")), 2);

	/* 65 /20s, more /32s than the hash holds: the /20s are the trie's */
	{
		static char many[65 * 24];
		const char *const two[] = { many, "2a00:1:5::/48\n" };
		size_t off = 0;

		for (int k = 0; k < 65; k++)
			off += snprintf(many + off, sizeof(many) - off, "%x:%x::/20\n",
					0x2a00 + k / 16, (k % 16) << 12);
		load_lists(two, -1);
		assert_false(bl6_entry("2a00::", &v));
		assert_true(set6("2a00::").ask & MXGW_BL6_ASK_TRIE);
		expect("the 65th /20", V6("2a04:fff:1::1", 443), DROPPED, 0, NULL);
		V6_PASSES("after it", "2a04:1000::1", 443);
		assert_true(bl6_entry("2a00:1::", &v));
		assert_int_equal(v.n, 1);
		assert_int_equal(v.bits, 1U << 0);
		expect("a /20's /32 with a /48, elsewhere", V6("2a00:1:6::1", 443), DROPPED, 0,
		       NULL);
		expect("the /48 in a /20, smtp", V6("2a00:1:5::1", 25), DROPPED, 0, NULL);
		assert_int_equal(__builtin_popcount(bits6("2a00:1:5::1")), 2);
	}
}

/* @spec: not the lists' (drop_blocklist unchanged), dropped by the path
 * as @why under its family's keys */
static void dropped_as(const char *what, const struct tb_frame_spec *spec, int why)
{
	int fam = spec->ip6 ? MXGW_FAM_IPV6 : MXGW_FAM_IPV4;
	__u64 before = tb_counter_fam(&tb, fam, why);

	expect(what, spec, PASSES, XDP_DROP, NULL);
	if (tb_counter_fam(&tb, fam, why) != before + 1)
		fail_msg("%s: not counted as %s", what, mxgw_counter_name(why));
}

#define S4	"198.51.100.200"	/* smtponly's /25 */
#define D4	"45.1.2.3"		/* drop's /8 */
#define S6	"2001:db8:51:1::5"	/* smtponly's /64 */
#define D6	"2001:db8:66::1"	/* drop's /48 */
#define T6(...)	(&(struct tb_frame_spec){ .ip6 = true, __VA_ARGS__ })
#define T4(...)	(&(struct tb_frame_spec){ __VA_ARGS__ })
#define FRAG_FIRST	.n_ext6 = 1, .ext6 = { { .type = 44, .more = true } }

/*
 * Where IPv6's check sits in the path (the port's service the path looked
 * up, its parsed ports), the same rules as before and as IPv4's: a list
 * limited to smtp takes no other service's packet, no unlisted port's,
 * no echo, no "to gateway" service's, and no packet without a service
 * (a fragment, another protocol), while the list for everything takes
 * each of those; the lists come before the TCP flags' check and see the
 * port of an L4 header cut short; a reply of the mail server's tracked
 * flow on a service's port passes; a banned source is drop_banned's, an
 * allowlisted one let on, counted once.
 */
static void test_lists_in_the_ipv6_path(void **state)
{
	struct mxgw_ban_entry ban = { .pfx = { .family = MXGW_FAM_IPV6, .len = 64 },
				      .ban = { .set_ns = mxgw_now_ns() } };
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len, out_len;
	__u64 a6, banned;

	(void)state;
	setup_with(conf_with_lists_and("service gw 2222/tcp allow allow from 198.51.100.0/24,45.0.0.0/8,"
				       "2001:db8:51::/48,2001:db8:66::/48 to gateway\n"
				       "allowlist 2001:db8:66:7::/64\n"));

	/* smtponly: smtp alone, in both families */
	expect("smtponly, IPv6, smtp", T6(.saddr = S6, .dport = 25), DROPPED, 0, NULL);
	expect("smtponly, IPv4, smtp", T4(.saddr = S4, .dport = 25), DROPPED, 0, NULL);
	expect("smtponly, IPv6, https", T6(.saddr = S6, .dport = 443), PASSES, XDP_REDIRECT,
	       V6_FWD(S6, 443));
	expect("smtponly, IPv4, https", T4(.saddr = S4, .dport = 443), PASSES, XDP_REDIRECT,
	       V4_DNAT(S4, 443));
	expect("smtponly, IPv6, a denied service", T6(.saddr = S6, .dport = 143), PASSES,
	       XDP_DROP, NULL);
	expect("smtponly, IPv4, a denied service", T4(.saddr = S4, .dport = 143), PASSES,
	       XDP_DROP, NULL);
	expect("smtponly, IPv6, an unlisted port", T6(.saddr = S6, .dport = 8080), PASSES,
	       XDP_DROP, NULL);
	expect("smtponly, IPv6, udp to dns", T6(.saddr = S6, .proto = 17, .dport = 53),
	       PASSES, XDP_DROP, NULL);
	expect("smtponly, IPv4, udp to dns", T4(.saddr = S4, .proto = 17, .dport = 53),
	       PASSES, XDP_DROP, NULL);
	expect("smtponly, IPv6, echo request", T6(.saddr = S6, .proto = 58, .icmp_type = 128),
	       PASSES, XDP_REDIRECT, T6(.saddr = S6, .proto = 58, .icmp_type = 128, .ttl = 63,
	       .set_macs = true, .dmac = MAIL_MAC, .smac = LAN_MAC));
	expect("smtponly, IPv6, to gateway", T6(.saddr = S6, .daddr = TB_PUBLIC6, .dport = 2222),
	       PASSES, XDP_PASS, NULL);
	expect("smtponly, IPv4, to gateway", T4(.saddr = S4, .dport = 2222), PASSES, XDP_PASS,
	       NULL);
	/* no service: the lists for every port only */
	dropped_as("smtponly, IPv6, a first fragment to smtp", T6(.saddr = S6, .dport = 25,
		   FRAG_FIRST), MXGW_DROP_FRAGMENT);
	dropped_as("smtponly, IPv6, another protocol", T6(.saddr = S6, .proto = 47),
		   MXGW_DROP_OTHER_PROTO);
	dropped_as("smtponly, IPv4, another protocol", T4(.saddr = S4, .proto = 47),
		   MXGW_DROP_OTHER_PROTO);
	/* before the flags' check, and a header cut short shows its port */
	expect("smtponly, IPv6, SYN+FIN to smtp", T6(.saddr = S6, .dport = 25, .tcp_flags = 3),
	       DROPPED, 0, NULL);
	dropped_as("smtponly, IPv6, SYN+FIN to https", T6(.saddr = S6, .dport = 443,
		   .tcp_flags = 3), MXGW_DROP_TCP_FLAGS);
	expect("smtponly, IPv6, tcp cut short, smtp", T6(.saddr = S6, .dport = 25,
	       .payload = 1, .tot_len_delta = -10), DROPPED, 0, NULL);
	dropped_as("smtponly, IPv6, tcp cut short, https", T6(.saddr = S6, .dport = 443,
		   .payload = 1, .tot_len_delta = -10), MXGW_DROP_MALFORMED);

	/* drop: everything incoming, in both families */
	expect("drop, IPv6, to gateway", T6(.saddr = D6, .daddr = TB_PUBLIC6, .dport = 2222),
	       DROPPED, 0, NULL);
	expect("drop, IPv4, to gateway", T4(.saddr = D4, .dport = 2222), DROPPED, 0, NULL);
	expect("drop, IPv6, udp to dns", T6(.saddr = D6, .proto = 17, .dport = 53), DROPPED, 0,
	       NULL);
	expect("drop, IPv6, a denied service", T6(.saddr = D6, .dport = 143), DROPPED, 0, NULL);
	expect("drop, IPv6, a first fragment", T6(.saddr = D6, .dport = 25, FRAG_FIRST),
	       DROPPED, 0, NULL);
	expect("drop, IPv6, another protocol", T6(.saddr = D6, .proto = 47), DROPPED, 0, NULL);
	expect("drop, IPv4, another protocol", T4(.saddr = D4, .proto = 47), DROPPED, 0, NULL);
	dropped_as("drop, IPv6, an echo reply of no flow", T6(.saddr = D6, .proto = 58,
		   .icmp_type = 129), MXGW_DROP_ICMP_NO_FLOW);
	expect("drop, IPv6, to the gateway's address, not a service",
	       T6(.saddr = D6, .daddr = TB_PUBLIC6, .dport = 2223), PASSES, XDP_PASS, NULL);

	/* the mail server's flows from a service's port (imap: denied
	 * incoming, so a flow of its own): their replies pass */
	len = tb_frame(T6(.saddr = TB_MAILSERVER6, .daddr = "2001:db8:66::9", .sport = 143,
			  .dport = 443), in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	expect("drop, IPv6, the reply of a flow from imap's port",
	       T6(.saddr = "2001:db8:66::9", .sport = 443, .dport = 143, .tcp_flags = 0x12),
	       PASSES, XDP_REDIRECT, T6(.saddr = "2001:db8:66::9", .sport = 443, .dport = 143,
	       .tcp_flags = 0x12, .ttl = 63, .set_macs = true, .dmac = MAIL_MAC,
	       .smac = LAN_MAC));
	expect("drop, IPv6, a bare SYN onto it", T6(.saddr = "2001:db8:66::9", .sport = 443,
	       .dport = 143), DROPPED, 0, NULL);
	len = tb_frame(T6(.saddr = TB_MAILSERVER6, .daddr = "2001:db8:66::9", .proto = 17,
			  .sport = 53, .dport = 53), in);
	assert_int_equal(tb_run_tc(&tb, in, len, out, &out_len), TC_ACT_OK);
	expect("drop, IPv6, the reply of a udp flow from dns's port",
	       T6(.saddr = "2001:db8:66::9", .proto = 17, .sport = 53, .dport = 53), PASSES,
	       XDP_REDIRECT, T6(.saddr = "2001:db8:66::9", .proto = 17, .sport = 53,
	       .dport = 53, .ttl = 63, .set_macs = true, .dmac = MAIL_MAC, .smac = LAN_MAC));

	/* banned and listed: the ban's drop, counted once; allowlisted too:
	 * let on, counted once */
	inet_pton(AF_INET6, "2001:db8:66:9::1", &ban.pfx.addr);
	assert_int_equal(mxgw_bans_add(&tb.maps, &ban, 1), 0);
	inet_pton(AF_INET6, "2001:db8:66:7::1", &ban.pfx.addr);
	assert_int_equal(mxgw_bans_add(&tb.maps, &ban, 1), 0);
	banned = tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_DROP_BANNED);
	a6 = tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_BAN_ALLOWLISTED);
	dropped_as("drop, IPv6, banned: smtp", T6(.saddr = "2001:db8:66:9::1", .dport = 25),
		   MXGW_DROP_BANNED);
	dropped_as("drop, IPv6, banned: a denied service", T6(.saddr = "2001:db8:66:9::1",
		   .dport = 143), MXGW_DROP_BANNED);
	dropped_as("drop, IPv6, banned: an echo request", T6(.saddr = "2001:db8:66:9::1",
		   .proto = 58, .icmp_type = 128), MXGW_DROP_BANNED);
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_DROP_BANNED), banned + 3);
	expect("drop, IPv6, banned and allowlisted", T6(.saddr = "2001:db8:66:7::1", .dport = 25),
	       PASSES, XDP_REDIRECT, V6_FWD("2001:db8:66:7::1", 25));
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_BAN_ALLOWLISTED), a6 + 1);
	expect("drop, IPv6, allowlisted, not banned", T6(.saddr = "2001:db8:66:7::2",
	       .dport = 443), PASSES, XDP_REDIRECT, V6_FWD("2001:db8:66:7::2", 443));
	assert_int_equal(tb_counter_fam(&tb, MXGW_FAM_IPV6, MXGW_BAN_ALLOWLISTED), a6 + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_prefix_edges),
		cmocka_unit_test(test_lists_apply_to_their_services),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_tracked_replies_come_back),
		cmocka_unit_test(test_counts_per_list),
		cmocka_unit_test(test_swap_one_list_keeps_the_other),
		cmocka_unit_test(test_lists_removed),
		cmocka_unit_test(test_reload_of_a_list_not_running),
		cmocka_unit_test(test_longer_prefixes_few_and_crowded),
		cmocka_unit_test(test_allowlist_wins),
		cmocka_unit_test(test_ipv6_tags),
		cmocka_unit_test(test_ipv6_by_32),
		cmocka_unit_test(test_lists_in_the_ipv6_path),
	};

	return cmocka_run_group_tests(tests, tb_group_setup, tb_group_teardown);
}
