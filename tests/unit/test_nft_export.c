// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_nft_export.c - unit tests of mxctl export nft (ctl/nft_export.c):
 * the ruleset of two small configs byte for byte (default deny with
 * "from", both protocols, an outgoing denial, icmp-echo deny, nat-ports
 * and a timeout; default allow), and the ruleset of the shipped config
 * checked by nft itself (nft -c -f), which needs nft and CAP_NET_ADMIN:
 * without them that test is skipped, unless MXGW_REQUIRE_BPF=1.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "config.h"
#include "nft_export.h"
#include "../../maps/blocklist.h"
#include "unit.h"

#ifndef MXGW_SHIPPED_CONF
#error "build with -DMXGW_SHIPPED_CONF=\"path/to/etc/mxgw.conf\""
#endif

static const char SMALL_CONF[] =
	"public 203.0.113.33\n"
	"mailserver 192.168.1.10\n"
	"service smtp 25 allow allow\n"
	"service dns 53/tcp,udp allow deny\n"
	"service ldaps 636 allow allow from 198.51.100.0/24,203.0.113.7\n"
	"service syslog 514/udp deny deny\n"
	"icmp-echo deny\n"
	"nat-ports 40000-49999\n"
	"conntrack-max 4096\n"
	"timeout udp 45\n";

/* The input chain's first rule, the link's ICMPv6. */
#define NDP_RULE	"\t\ticmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect, " \
			"mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } accept comment \"the link's: NDP, RA, MLD\"\n"

static const char SMALL_NFT[] =
	"#!/usr/sbin/nft -f\n"
	"# mxgw's table as an nftables ruleset (mxctl export nft), from small.conf.\n"
	"# WAN wan0, public 203.0.113.33, mail server 192.168.1.10, default deny, icmp-echo deny,\n"
	"# 4 services.\n"
	"#\n"
	"# nft -f FILE replaces table inet mxgw (and table ip mxgw, an older\n"
	"# export's) and touches nothing else.  The kernel must forward:\n"
	"#   sysctl -w net.ipv4.ip_forward=1\n"
	"# Use it instead of mxgw on wan0, not next to it.  Only the WAN\n"
	"# interface is named: outgoing is what the gateway forwards out of\n"
	"# wan0, incoming what arrives on it for the public address.\n"
	"#\n"
	"# Connection tracking as mxgw.conf sets it, with sysctl:\n"
	"#   sysctl -w net.netfilter.nf_conntrack_max=4096\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_syn_sent=120\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_syn_recv=60\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_established=432000\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_fin_wait=120\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_close_wait=60\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_last_ack=30\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_time_wait=120\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_close=10\n"
	"#   sysctl -w net.netfilter.nf_conntrack_udp_timeout=45\n"
	"#   sysctl -w net.netfilter.nf_conntrack_udp_timeout_stream=120\n"
	"#   sysctl -w net.netfilter.nf_conntrack_icmp_timeout=30\n"
	"#\n"
	"# Where the kernel differs from mxgw: it reassembles IP fragments that\n"
	"# mxgw drops; masquerade may take a listed service's port inside\n"
	"# nat-ports, which mxgw skips; IPv6 extension headers and martian\n"
	"# sources are the kernel's to judge, not this table's.\n"
	"\n"
	"table ip mxgw\n"
	"delete table ip mxgw\n"
	"table inet mxgw\n"
	"delete table inet mxgw\n"
	"\n"
	"table inet mxgw {\n"
	"\t# service ldaps: incoming only from these sources\n"
	"\tset from_ldaps {\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval\n"
	"\t\telements = { 198.51.100.0/24, 203.0.113.7 }\n"
	"\t}\n"
	"\n"
	"\t# Bans (mxctl ban ADDR --for D: add element inet mxgw ban4 { ADDR timeout D };\n"
	"\t# an IPv6 address by its /64)\n"
	"\tset ban4 {\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval, timeout\n"
	"\t}\n"
	"\tset ban6 {\n"
	"\t\ttype ipv6_addr\n"
	"\t\tflags interval, timeout\n"
	"\t}\n"
	"\n"
	"\t# A ban drops all but the replies of tracked flows; the allowlist wins.\n"
	"\tchain bans {\n"
	"\t\ttype filter hook prerouting priority -150; policy accept;\n"
	"\t\tiifname \"wan0\" ct state established,related accept comment \"tracked flows\"\n"
	"\t\tiifname \"wan0\" ip saddr @ban4 drop comment \"drop_banned\"\n"
	"\t\tiifname \"wan0\" ip6 saddr @ban6 drop comment \"drop_banned\"\n"
	"\t}\n"
	"\n"
	"\t# Incoming: allowed services are rewritten to the mail server, the\n"
	"\t# client's own source address kept.\n"
	"\tchain prerouting {\n"
	"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 25 dnat ip to 192.168.1.10 comment \"smtp\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 636 ip saddr @from_ldaps dnat ip to 192.168.1.10 comment \"ldaps\"\n"
	"\t}\n"
	"\n"
	"\t# The table: incoming (to the mail server, rewritten above, or to\n"
	"\t# mailserver6) and outgoing (from the LAN, both families) verdicts\n"
	"\t# per service, then the default.  ICMPv6 errors of tracked flows are\n"
	"\t# related (RFC 4890 4.3.1: destination unreachable, packet too big,\n"
	"\t# time exceeded, parameter problem): path MTU discovery works.\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t\tct state established,related accept comment \"tracked flows: replies, related ICMP errors\"\n"
	"\t\tiifname \"wan0\" ip daddr 192.168.1.10 tcp dport 25 ct status dnat accept comment \"smtp\"\n"
	"\t\tiifname \"wan0\" ip daddr 192.168.1.10 meta l4proto { tcp, udp } th dport 53 drop comment \"dns\"\n"
	"\t\tiifname \"wan0\" ip daddr 192.168.1.10 tcp dport 636 ip saddr @from_ldaps ct status dnat accept comment \"ldaps\"\n"
	"\t\tiifname \"wan0\" ip daddr 192.168.1.10 udp dport 514 drop comment \"syslog\"\n"
	"\t\toifname \"wan0\" tcp dport 25 accept comment \"smtp\"\n"
	"\t\toifname \"wan0\" meta l4proto { tcp, udp } th dport 53 accept comment \"dns\"\n"
	"\t\toifname \"wan0\" tcp dport 636 accept comment \"ldaps\"\n"
	"\t\toifname \"wan0\" udp dport 514 drop comment \"syslog\"\n"
	"\t\toifname \"wan0\" icmp type echo-request accept comment \"echo requests from the LAN\"\n"
	"\t\toifname \"wan0\" icmpv6 type echo-request accept comment \"echo requests from the LAN\"\n"
	"\t\t# default deny: the policy\n"
	"\t}\n"
	"\n"
	"\t# Outgoing IPv4 flows leave with the public address (masquerade);\n"
	"\t# IPv6 is routed as it is.\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\toifname \"wan0\" fib saddr type local accept comment \"the gateway's own traffic\"\n"
	"\t\toifname \"wan0\" meta l4proto { tcp, udp } snat ip to 203.0.113.33:40000-49999 comment \"nat-ports\"\n"
	"\t\toifname \"wan0\" snat ip to 203.0.113.33 comment \"echo requests\"\n"
	"\t}\n"
	"\n"
	"\t# The public address itself: what mxgw lets through to the gateway.\n"
	"\t# Over IPv6 the gateway's addresses are its own business but for\n"
	"\t# the \"to gateway\" services; the link's neighbour discovery, router\n"
	"\t# advertisements and MLD are never dropped (RFC 4890 4.4.1).\n"
	"\tchain input {\n"
	"\t\ttype filter hook input priority filter; policy accept;\n"
	NDP_RULE
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 ct state established,related accept comment \"replies to the gateway's own flows\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 icmp type echo-request drop comment \"icmp-echo deny\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 drop comment \"denied, unlisted, outside from\"\n"
	"\t}\n"
	"}\n";

static const char ALLOW_CONF[] =
	"public 203.0.113.33\n"
	"mailserver 192.168.1.10\n"
	"default allow\n"
	"service smtp 25 allow allow\n"
	"service pop3 110 allow deny\n"
	"service imaps 993 deny allow from 0.0.0.0/0\n";

static const char ALLOW_NFT[] =
	"#!/usr/sbin/nft -f\n"
	"# mxgw's table as an nftables ruleset (mxctl export nft), from allow.conf.\n"
	"# WAN wan0, public 203.0.113.33, mail server 192.168.1.10, default allow, icmp-echo allow,\n"
	"# 3 services.\n"
	"#\n"
	"# nft -f FILE replaces table inet mxgw (and table ip mxgw, an older\n"
	"# export's) and touches nothing else.  The kernel must forward:\n"
	"#   sysctl -w net.ipv4.ip_forward=1\n"
	"# Use it instead of mxgw on wan0, not next to it.  Only the WAN\n"
	"# interface is named: outgoing is what the gateway forwards out of\n"
	"# wan0, incoming what arrives on it for the public address.\n"
	"#\n"
	"# Connection tracking as mxgw.conf sets it, with sysctl:\n"
	"#   sysctl -w net.netfilter.nf_conntrack_max=65536\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_syn_sent=120\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_syn_recv=60\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_established=432000\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_fin_wait=120\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_close_wait=60\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_last_ack=30\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_time_wait=120\n"
	"#   sysctl -w net.netfilter.nf_conntrack_tcp_timeout_close=10\n"
	"#   sysctl -w net.netfilter.nf_conntrack_udp_timeout=30\n"
	"#   sysctl -w net.netfilter.nf_conntrack_udp_timeout_stream=120\n"
	"#   sysctl -w net.netfilter.nf_conntrack_icmp_timeout=30\n"
	"#\n"
	"# Where the kernel differs from mxgw: it reassembles IP fragments that\n"
	"# mxgw drops; masquerade may take a listed service's port inside\n"
	"# nat-ports, which mxgw skips; IPv6 extension headers and martian\n"
	"# sources are the kernel's to judge, not this table's.\n"
	"\n"
	"table ip mxgw\n"
	"delete table ip mxgw\n"
	"table inet mxgw\n"
	"delete table inet mxgw\n"
	"\n"
	"table inet mxgw {\n"
	"\t# service imaps: incoming only from these sources\n"
	"\tset from_imaps {\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval\n"
	"\t\telements = { 0.0.0.0/0 }\n"
	"\t}\n"
	"\n"
	"\t# Bans (mxctl ban ADDR --for D: add element inet mxgw ban4 { ADDR timeout D };\n"
	"\t# an IPv6 address by its /64)\n"
	"\tset ban4 {\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval, timeout\n"
	"\t}\n"
	"\tset ban6 {\n"
	"\t\ttype ipv6_addr\n"
	"\t\tflags interval, timeout\n"
	"\t}\n"
	"\n"
	"\t# A ban drops all but the replies of tracked flows; the allowlist wins.\n"
	"\tchain bans {\n"
	"\t\ttype filter hook prerouting priority -150; policy accept;\n"
	"\t\tiifname \"wan0\" ct state established,related accept comment \"tracked flows\"\n"
	"\t\tiifname \"wan0\" ip saddr @ban4 drop comment \"drop_banned\"\n"
	"\t\tiifname \"wan0\" ip6 saddr @ban6 drop comment \"drop_banned\"\n"
	"\t}\n"
	"\n"
	"\t# Incoming: allowed services are rewritten to the mail server, the\n"
	"\t# client's own source address kept.\n"
	"\tchain prerouting {\n"
	"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 25 dnat ip to 192.168.1.10 comment \"smtp\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 993 ip saddr @from_imaps dnat ip to 192.168.1.10 comment \"imaps\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 110 accept comment \"pop3: incoming deny, not rewritten\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 993 accept comment \"imaps: source outside from, not rewritten\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 meta l4proto { tcp, udp } dnat ip to 192.168.1.10 comment \"default allow\"\n"
	"\t}\n"
	"\n"
	"\t# The table: incoming (to the mail server, rewritten above, or to\n"
	"\t# mailserver6) and outgoing (from the LAN, both families) verdicts\n"
	"\t# per service, then the default.  ICMPv6 errors of tracked flows are\n"
	"\t# related (RFC 4890 4.3.1: destination unreachable, packet too big,\n"
	"\t# time exceeded, parameter problem): path MTU discovery works.\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t\tct state established,related accept comment \"tracked flows: replies, related ICMP errors\"\n"
	"\t\tiifname \"wan0\" ip daddr 192.168.1.10 tcp dport 25 ct status dnat accept comment \"smtp\"\n"
	"\t\tiifname \"wan0\" ip daddr 192.168.1.10 tcp dport 110 drop comment \"pop3\"\n"
	"\t\tiifname \"wan0\" ip daddr 192.168.1.10 tcp dport 993 ip saddr @from_imaps ct status dnat accept comment \"imaps\"\n"
	"\t\toifname \"wan0\" tcp dport 25 accept comment \"smtp\"\n"
	"\t\toifname \"wan0\" tcp dport 110 accept comment \"pop3\"\n"
	"\t\toifname \"wan0\" tcp dport 993 drop comment \"imaps\"\n"
	"\t\toifname \"wan0\" icmp type echo-request accept comment \"echo requests from the LAN\"\n"
	"\t\toifname \"wan0\" icmpv6 type echo-request accept comment \"echo requests from the LAN\"\n"
	"\t\tiifname \"wan0\" ip daddr 192.168.1.10 meta l4proto { tcp, udp } ct status dnat accept comment \"default allow\"\n"
	"\t\toifname \"wan0\" meta l4proto { tcp, udp } accept comment \"default allow\"\n"
	"\t}\n"
	"\n"
	"\t# Outgoing IPv4 flows leave with the public address (masquerade);\n"
	"\t# IPv6 is routed as it is.\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\toifname \"wan0\" fib saddr type local accept comment \"the gateway's own traffic\"\n"
	"\t\toifname \"wan0\" meta l4proto { tcp, udp } snat ip to 203.0.113.33:32768-60999 comment \"nat-ports\"\n"
	"\t\toifname \"wan0\" snat ip to 203.0.113.33 comment \"echo requests\"\n"
	"\t}\n"
	"\n"
	"\t# The public address itself: what mxgw lets through to the gateway.\n"
	"\t# Over IPv6 the gateway's addresses are its own business but for\n"
	"\t# the \"to gateway\" services; the link's neighbour discovery, router\n"
	"\t# advertisements and MLD are never dropped (RFC 4890 4.4.1).\n"
	"\tchain input {\n"
	"\t\ttype filter hook input priority filter; policy accept;\n"
	NDP_RULE
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 ct state established,related accept comment \"replies to the gateway's own flows\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 icmp type echo-request accept comment \"icmp-echo allow\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 meta l4proto != { tcp, udp, icmp } accept comment \"default allow: other protocols\"\n"
	"\t\tiifname \"wan0\" ip daddr 203.0.113.33 drop comment \"denied, unlisted, outside from\"\n"
	"\t}\n"
	"}\n";

static struct mxgw_conf_file conf;

static void parse(const char *name, const char *text)
{
	assert_int_equal(mxgw_conf_parse_string(name, text, &conf, NULL), 0);
}

/* The ruleset of the parsed config into a malloc'ed string. */
static char *export(const char *wan, int *rc)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	*rc = mxgw_nft_export(f, &conf, wan);
	fclose(f);
	return s;
}

static void test_default_deny_ruleset_byte_for_byte(void **state)
{
	char *got;
	int rc;

	(void)state;
	parse("small.conf", SMALL_CONF);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	unit_assert_same_text(got, SMALL_NFT);
	free(got);
}

static void test_default_allow_ruleset_byte_for_byte(void **state)
{
	char *got;
	int rc;

	(void)state;
	parse("allow.conf", ALLOW_CONF);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	unit_assert_same_text(got, ALLOW_NFT);
	free(got);
}

/* The WAN name is the only thing not taken from the config. */
static void test_wan_name_is_used_everywhere(void **state)
{
	char *got, *p;
	int rc, n = 0;

	(void)state;
	parse("small.conf", SMALL_CONF);
	got = export("enp1s0.100", &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(got, "\"wan0\""));
	for (p = got; (p = strstr(p, "ifname \"enp1s0.100\" ")); p++)
		n++;
	/* 2 prerouting + 4 + 4 forward + 2 echo + 3 postrouting + 3 input */
	assert_int_equal(n, 21);
	free(got);
}

static void test_unusable_wan_names_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "a\"b", "a b", "a\\b", "a/b", "a:b", "a\tb", "sixteen-chars-xx", "\x7f",
	};
	char *got;
	int rc;

	(void)state;
	parse("small.conf", SMALL_CONF);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(mxgw_nft_ifname_ok(bad[i]));
		got = export(bad[i], &rc);
		assert_int_equal(rc, -EINVAL);
		assert_string_equal(got, "");	/* nothing written */
		free(got);
	}
	assert_false(mxgw_nft_ifname_ok(NULL));
	assert_true(mxgw_nft_ifname_ok("eth0"));
	assert_true(mxgw_nft_ifname_ok("fifteen-chars-x"));
	assert_true(mxgw_nft_ifname_ok("br-lan.10@x"));
}

/* A path with a newline must not end the comment line it is quoted in. */
static void test_config_path_cannot_break_the_comment(void **state)
{
	char *got;
	int rc;

	(void)state;
	parse("evil\nflush ruleset\n", SMALL_CONF);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(got, "from evil?flush ruleset?.\n"));
	assert_null(strstr(got, "\nflush ruleset"));
	free(got);
}

/* Every service of the shipped table has its rules, by its name. */
static void test_shipped_config_names_every_service(void **state)
{
	char *got, want[64];
	int rc;

	(void)state;
	assert_int_equal(mxgw_conf_parse_file(MXGW_SHIPPED_CONF, &conf, NULL), 0);
	got = export("eth0", &rc);
	assert_int_equal(rc, 0);
	for (unsigned int i = 0; i < conf.policy.nservices; i++) {
		snprintf(want, sizeof(want), "accept comment \"%s\"\n", conf.policy.services[i].name);
		assert_non_null(strstr(got, want));
	}
	free(got);
}

/* Run @cmd; its exit status, or -1. */
static int run_cmd(const char *cmd)
{
	int st = system(cmd);

	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static bool require_bpf(void)
{
	const char *r = getenv("MXGW_REQUIRE_BPF");

	return r && !strcmp(r, "1");
}

/* nft itself reads the shipped config's ruleset: nft -c -f (checks with
 * the kernel, changes nothing). */
static void test_shipped_config_ruleset_passes_nft_check(void **state)
{
	char cmd[256], *got, *path;
	int rc;

	(void)state;
	if (run_cmd("command -v nft >/dev/null 2>&1") != 0 || geteuid() != 0) {
		if (require_bpf())
			fail_msg("nft -c needs nft and root (MXGW_REQUIRE_BPF=1: not skipping)");
		skip();
	}
	assert_int_equal(mxgw_conf_parse_file(MXGW_SHIPPED_CONF, &conf, NULL), 0);
	got = export("eth0", &rc);
	assert_int_equal(rc, 0);
	path = unit_write_temp(got);
	snprintf(cmd, sizeof(cmd), "nft -c -f %s", path);
	rc = run_cmd(cmd);
	unlink(path);
	free(path);
	free(got);
	assert_int_equal(rc, 0);
}

/* ---- to gateway --------------------------------------------------------- */

static const char GATEWAY_CONF[] =
	"public 203.0.113.33\n"
	"mailserver 192.168.1.10\n"
	"service smtp 25 allow allow\n"
	"service ssh 22 allow allow from 198.51.100.0/24,203.0.113.7 to gateway\n"
	"service wg 51820/udp deny deny to gateway\n"
	"service adm 8443/tcp,udp allow allow to gateway\n";

/* The line @line (without its newline) is in @text, whole. */
static void assert_line(const char *text, const char *line)
{
	char *want = NULL;

	assert_true(asprintf(&want, "\n%s\n", line) > 0);
	if (!strstr(text, want))
		fail_msg("missing line: %s", line);
	free(want);
}

static void assert_no_line_with(const char *text, const char *a, const char *b)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t len = strcspn(l, "\n");
		char *line = strndup(l, len);

		assert_non_null(line);
		if (strstr(line, a) && strstr(line, b))
			fail_msg("unexpected line: %s", line);
		free(line);
	}
}

/* Incoming to the gateway is the input chain's accept, restricted by the
 * from set, never a DNAT nor a forward rule; outgoing as for any port. */
static void test_to_gateway_is_an_input_accept_not_a_dnat(void **state)
{
	char *got;
	int rc;

	(void)state;
	parse("gw.conf", GATEWAY_CONF);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	assert_line(got, "\tset from_ssh {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
		    "\t\telements = { 198.51.100.0/24, 203.0.113.7 }\n\t}");
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 22 ip saddr @from_ssh accept comment \"ssh: to gateway\"");
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 meta l4proto { tcp, udp } th dport 8443 accept comment \"adm: to gateway\"");
	/* before the input chain's drop */
	assert_true(strstr(got, "comment \"adm: to gateway\"") <
		    strstr(got, "drop comment \"denied, unlisted, outside from\""));
	/* incoming deny: IPv4's final drop takes it, IPv6's has its own */
	assert_no_line_with(got, "dport 51820", "ip daddr");
	assert_line(got, "\t\tiifname \"wan0\" meta nfproto ipv6 fib daddr type local udp dport 51820 drop comment \"wg: to gateway, incoming deny\"");
	assert_no_line_with(got, "dport 22", "dnat");
	assert_no_line_with(got, "dport 8443", "dnat");
	assert_no_line_with(got, "ip daddr 192.168.1.10 tcp dport 22", "");
	/* the outgoing column, as for any listed port */
	assert_line(got, "\t\toifname \"wan0\" tcp dport 22 accept comment \"ssh\"");
	assert_line(got, "\t\toifname \"wan0\" udp dport 51820 drop comment \"wg\"");
	free(got);
}

/* Under default allow the default DNAT must not take the gateway's ports. */
static void test_to_gateway_under_default_allow_is_not_rewritten(void **state)
{
	char *got, *text;
	int rc;

	(void)state;
	assert_true(asprintf(&text, "%sdefault allow\n", GATEWAY_CONF) > 0);
	parse("gw.conf", text);
	free(text);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 22 accept comment \"ssh: to gateway, not rewritten\"");
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 udp dport 51820 accept comment \"wg: to gateway, not rewritten\"");
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 meta l4proto { tcp, udp } th dport 8443 accept comment \"adm: to gateway, not rewritten\"");
	assert_true(strstr(got, "\"ssh: to gateway, not rewritten\"") <
		    strstr(got, "dnat ip to 192.168.1.10 comment \"default allow\""));
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 22 ip saddr @from_ssh accept comment \"ssh: to gateway\"");
	free(got);
}

static void test_to_gateway_ruleset_passes_nft_check(void **state)
{
	const char *const confs[2] = { GATEWAY_CONF, NULL };
	char cmd[256], *got, *path, *allow;
	int rc;

	(void)state;
	if (run_cmd("command -v nft >/dev/null 2>&1") != 0 || geteuid() != 0) {
		if (require_bpf())
			fail_msg("nft -c needs nft and root (MXGW_REQUIRE_BPF=1: not skipping)");
		skip();
	}
	assert_true(asprintf(&allow, "%sdefault allow\n", GATEWAY_CONF) > 0);
	for (int i = 0; i < 2; i++) {
		parse("gw.conf", confs[i] ? confs[i] : allow);
		got = export("eth0", &rc);
		assert_int_equal(rc, 0);
		path = unit_write_temp(got);
		snprintf(cmd, sizeof(cmd), "nft -c -f %s", path);
		rc = run_cmd(cmd);
		unlink(path);
		free(path);
		free(got);
		assert_int_equal(rc, 0);
	}
	free(allow);
}

/* ---- IPv6 -------------------------------------------------------------- */

static const char DUAL_CONF[] =
	"public 203.0.113.33\n"
	"mailserver 192.168.1.10\n"
	"mailserver6 2001:db8:168::10\n"
	"service smtp 25 allow allow\n"
	"service dns 53/tcp,udp allow deny\n"
	"service ldaps 636 allow allow from 198.51.100.0/24,2001:db8:51::/48,2001:db8:52::7\n"
	"service imaps 993 allow allow from 2001:db8:51::/48\n"
	"service pop3s 995 allow allow from 198.51.100.0/24\n"
	"service ssh 22 allow allow from 198.51.100.7,2001:db8:51::7 to gateway\n"
	"service adm 8443 allow allow to gateway\n"
	"service wg 51820/udp deny deny to gateway\n"
	"icmp-echo deny\n";

/* IPv6 to mailserver6: routed, per service, from sets per family. */
static void test_ipv6_incoming_to_mailserver6_per_service(void **state)
{
	char *got;
	int rc;

	(void)state;
	parse("dual.conf", DUAL_CONF);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	assert_line(got, "# WAN wan0, public 203.0.113.33, mail server 192.168.1.10, mailserver6 2001:db8:168::10, default deny, icmp-echo deny,");
	assert_line(got, "#   sysctl -w net.ipv4.ip_forward=1\n#   sysctl -w net.ipv6.conf.all.forwarding=1");
	assert_line(got, "# wan0, incoming what arrives on it for the public address or\n# mailserver6.");
	assert_line(got, "\tset from_ldaps {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
		    "\t\telements = { 198.51.100.0/24 }\n\t}");
	assert_line(got, "\tset from6_ldaps {\n\t\ttype ipv6_addr\n\t\tflags interval\n"
		    "\t\telements = { 2001:db8:51::/48, 2001:db8:52::7 }\n\t}");
	/* one family's prefixes alone: no empty set of the other */
	assert_null(strstr(got, "set from_imaps"));
	assert_null(strstr(got, "set from6_pop3s"));
	/* IPv6 incoming, in the forward chain, sources outside from dropped
	 * before any default could take them */
	assert_line(got, "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 25 accept comment \"smtp\"");
	assert_line(got, "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 meta l4proto { tcp, udp } th dport 53 drop comment \"dns\"");
	assert_line(got, "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 636 ip6 saddr @from6_ldaps accept comment \"ldaps\"\n"
		    "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 636 drop comment \"ldaps: source outside from\"");
	assert_line(got, "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 993 ip6 saddr @from6_imaps accept comment \"imaps\"");
	/* IPv4 prefixes alone let no IPv6 source in, and the other way round */
	assert_line(got, "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 995 drop comment \"pop3s\"");
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 192.168.1.10 tcp dport 993 drop comment \"imaps\"");
	assert_no_line_with(got, "dport 993", "dnat");
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 995 ip saddr @from_pop3s dnat ip to 192.168.1.10 comment \"pop3s\"");
	/* routed: no NAT of IPv6 either way */
	assert_no_line_with(got, "ip6", "nat");
	/* echo: icmp-echo to mailserver6; the LAN's own, both families */
	assert_line(got, "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 icmpv6 type echo-request drop comment \"icmp-echo deny\"");
	assert_line(got, "\t\toifname \"wan0\" icmpv6 type echo-request accept comment \"echo requests from the LAN\"");
	/* the gateway's own IPv6 addresses: the to gateway services alone */
	assert_line(got, "\t\tiifname \"wan0\" meta nfproto ipv6 fib daddr type local tcp dport 22 ip6 saddr @from6_ssh accept comment \"ssh: to gateway\"\n"
		    "\t\tiifname \"wan0\" meta nfproto ipv6 fib daddr type local tcp dport 22 drop comment \"ssh: to gateway, source outside from\"");
	assert_line(got, "\t\tiifname \"wan0\" meta nfproto ipv6 fib daddr type local tcp dport 8443 accept comment \"adm: to gateway\"");
	assert_no_line_with(got, "dport 8443", "drop");
	assert_line(got, "\t\tiifname \"wan0\" meta nfproto ipv6 fib daddr type local udp dport 51820 drop comment \"wg: to gateway, incoming deny\"");
	assert_no_line_with(got, "ip6 daddr 2001:db8:168::10 tcp dport 22", "");
	/* NDP, RA and MLD first of all */
	assert_line(got, "\t\ttype filter hook input priority filter; policy accept;\n" NDP_RULE
		    "\t\tiifname \"wan0\" ip daddr 203.0.113.33 ct state established,related accept comment \"replies to the gateway's own flows\"");
	/* the incoming IPv6 rules come before the outgoing ones and the policy */
	assert_true(strstr(got, "icmp-echo deny\"\n\t\toifname \"wan0\" tcp dport 25 accept") != NULL);
	free(got);
}

/* Without mailserver6 nothing from the WAN reaches the LAN over IPv6 but
 * tracked flows' replies: the forward chain's established and its policy. */
static void test_ipv6_without_mailserver6_lets_nothing_in(void **state)
{
	char *got;
	int rc;

	(void)state;
	parse("small.conf", SMALL_CONF);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(got, "ip6 daddr"));
	assert_null(strstr(got, ", mailserver6 "));
	assert_null(strstr(got, "net.ipv6"));
	assert_line(got, "\t\ttype filter hook forward priority filter; policy drop;\n"
		    "\t\tct state established,related accept comment \"tracked flows: replies, related ICMP errors\"");
	free(got);
}

/* Default allow: IPv6 to mailserver6 on any other port, outside-from excepted. */
static void test_ipv6_default_allow(void **state)
{
	char *got, *text;
	int rc;

	(void)state;
	assert_true(asprintf(&text, "%sdefault allow\n", DUAL_CONF) > 0);
	parse("dual.conf", text);
	free(text);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 192.168.1.10 meta l4proto { tcp, udp } ct status dnat accept comment \"default allow\"\n"
		    "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 meta l4proto { tcp, udp } accept comment \"default allow\"\n"
		    "\t\toifname \"wan0\" meta l4proto { tcp, udp } accept comment \"default allow\"");
	assert_true(strstr(got, "comment \"imaps: source outside from\"") <
		    strstr(got, "ip6 daddr 2001:db8:168::10 meta l4proto { tcp, udp } accept comment \"default allow\""));
	/* an IPv6-only from keeps IPv4 off the DNAT: not rewritten */
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 993 accept comment \"imaps: source outside from, not rewritten\"");
	free(got);
}

static void test_ipv6_rulesets_pass_nft_check(void **state)
{
	char cmd[256], *got, *path, *allow;
	const char *confs[2];
	int rc;

	(void)state;
	if (run_cmd("command -v nft >/dev/null 2>&1") != 0 || geteuid() != 0) {
		if (require_bpf())
			fail_msg("nft -c needs nft and root (MXGW_REQUIRE_BPF=1: not skipping)");
		skip();
	}
	assert_true(asprintf(&allow, "%sdefault allow\n", DUAL_CONF) > 0);
	confs[0] = DUAL_CONF;
	confs[1] = allow;
	for (int i = 0; i < 2; i++) {
		parse("dual.conf", confs[i]);
		got = export("eth0", &rc);
		assert_int_equal(rc, 0);
		path = unit_write_temp(got);
		snprintf(cmd, sizeof(cmd), "nft -c -f %s", path);
		rc = run_cmd(cmd);
		unlink(path);
		free(path);
		free(got);
		assert_int_equal(rc, 0);
	}
	free(allow);
}

/* ---- blocklists ---------------------------------------------------------- */

static const char BL_CONF[] =
	"blocklist drop /var/lib/mxgw/drop.txt\n"
	"blocklist scan /var/lib/mxgw/scan.json services smtp,ssh\n";

/* Sets per list and family, the drops per service before DNAT. */
static char *export_lists(const char *base, const char *wan, int *rc)
{
	static const char *const texts[] = {
		"45.0.0.0/8\n198.51.100.7\n45.1.0.0/16\n2001:db8:66::/48\n",
		"{\"cidr\":\"192.0.2.128/25\"}\n",
	};
	struct mxgw_bl_list lists[MXGW_BL_MAX] = { 0 };
	char text[2048], *s = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(text, sizeof(text), "%s%s", base, BL_CONF);
	parse("bl.conf", text);
	for (int i = 0; i < 2; i++)
		assert_int_equal(mxgw_bl_read_text("t", texts[i], strlen(texts[i]), &lists[i],
						   NULL), 0);
	f = open_memstream(&s, &len);
	assert_non_null(f);
	*rc = mxgw_nft_export_lists(f, &conf, wan, lists);
	fclose(f);
	for (int i = 0; i < 2; i++)
		mxgw_bl_list_free(&lists[i]);
	return s;
}

static void test_blocklists_as_sets_and_drops(void **state)
{
	char *got;
	int rc;

	(void)state;
	got = export_lists(DUAL_CONF, "wan0", &rc);
	assert_int_equal(rc, 0);
	assert_line(got, "\t# blocklist drop: /var/lib/mxgw/drop.txt\n\tset bl4_drop {\n"
		    "\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
		    "\t\telements = { 45.0.0.0/8, 198.51.100.7, 45.1.0.0/16 }\n\t}");
	assert_line(got, "\tset bl6_drop {\n\t\ttype ipv6_addr\n\t\tflags interval\n"
		    "\t\tauto-merge\n\t\telements = { 2001:db8:66::/48 }\n\t}");
	/* a family a list has no prefix of: a set without elements */
	assert_line(got, "\tset bl6_scan {\n\t\ttype ipv6_addr\n\t\tflags interval\n"
		    "\t\tauto-merge\n\t}");
	assert_line(got, "\t\ttype filter hook prerouting priority -150; policy accept;\n"
		    "\t\tiifname \"wan0\" ct direction reply accept comment \"replies of tracked flows\"");
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 ip saddr @bl4_drop drop comment \"blocklist drop\"");
	assert_line(got, "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 ip6 saddr @bl6_drop drop comment \"blocklist drop\"");
	assert_line(got, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 25 ip saddr @bl4_scan drop comment \"blocklist scan: smtp\"");
	assert_line(got, "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 25 ip6 saddr @bl6_scan drop comment \"blocklist scan: smtp\"");
	assert_line(got, "\t\tiifname \"wan0\" meta nfproto ipv6 fib daddr type local tcp dport 22 ip6 saddr @bl6_scan drop comment \"blocklist scan: ssh\"");
	/* scan is not dns's */
	assert_null(strstr(got, "dport 53 ip saddr @bl4_scan"));
	free(got);
}

/* An accept in chain bans ends that chain only: the allowlist is accepted
 * in chain blocklists too, before its first drop, as XDP lets it on. */
static void test_blocklists_let_the_allowlist_on(void **state)
{
	char base[4096], *got, *chain, *drop;
	int rc;

	(void)state;
	snprintf(base, sizeof(base), "%sallowlist 45.1.2.3,2001:db8:66::7\n", DUAL_CONF);
	got = export_lists(base, "wan0", &rc);
	assert_int_equal(rc, 0);
	chain = strstr(got, "\tchain blocklists {\n");
	assert_non_null(chain);
	drop = strstr(chain, "@bl4_drop drop");
	assert_non_null(drop);
	assert_line(chain, "\t\tiifname \"wan0\" ip saddr @allow4 accept comment \"allowlist\"\n"
		    "\t\tiifname \"wan0\" ip6 saddr @allow6 accept comment \"allowlist\"");
	assert_true(strstr(chain, "@allow4 accept") < drop);
	free(got);
	/* without an allowlist, no reference to its sets (nft refuses one) */
	got = export_lists(DUAL_CONF, "wan0", &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(got, "@allow4"));
	assert_null(strstr(got, "@allow6"));
	free(got);
}

static void test_blocklists_ruleset_passes_nft_check(void **state)
{
	char cmd[256], base[4096], *got, *path;
	int rc;

	(void)state;
	if (run_cmd("command -v nft >/dev/null 2>&1") != 0 || geteuid() != 0) {
		if (require_bpf())
			fail_msg("nft -c needs nft and root (MXGW_REQUIRE_BPF=1: not skipping)");
		skip();
	}
	got = export_lists(DUAL_CONF, "eth0", &rc);
	assert_int_equal(rc, 0);
	path = unit_write_temp(got);
	snprintf(cmd, sizeof(cmd), "nft -c -f %s", path);
	rc = run_cmd(cmd);
	unlink(path);
	free(path);
	free(got);
	assert_int_equal(rc, 0);
	/* and with an allowlist, which chain blocklists names too */
	snprintf(base, sizeof(base), "%sallowlist 45.1.2.3,2001:db8:66::7\n", DUAL_CONF);
	got = export_lists(base, "eth0", &rc);
	assert_int_equal(rc, 0);
	path = unit_write_temp(got);
	snprintf(cmd, sizeof(cmd), "nft -c -f %s", path);
	rc = run_cmd(cmd);
	unlink(path);
	free(path);
	free(got);
	assert_int_equal(rc, 0);
}

/* ---- rate limits (issue 13) --------------------------------------------- */

#define LIMIT_CONF	"limit smtp 10/s burst 20 ban 10m\nlimit dns 30/m\nlimit ssh 5/h burst 2\n"

static void test_limits_as_meters(void **state)
{
	char base[4096], *got, *chain;
	int rc;

	(void)state;
	parse("dual.conf", DUAL_CONF);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(got, "chain limits"));
	assert_null(strstr(got, "rlban"));
	free(got);
	snprintf(base, sizeof(base), "%s" LIMIT_CONF "allowlist 198.51.100.7\n", DUAL_CONF);
	parse("dual.conf", base);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	/* a bucket per source in a dynamic set, kept while it refills */
	assert_line(got, "\t# limit smtp: each source's bucket\n\tset rl4_smtp {\n"
		    "\t\ttype ipv4_addr\n\t\tsize 32768\n\t\tflags dynamic, timeout\n"
		    "\t\ttimeout 60s\n\t}");
	assert_line(got, "\tset rl6_ssh {\n\t\ttype ipv6_addr\n\t\tsize 32768\n"
		    "\t\tflags dynamic, timeout\n\t\ttimeout 1440s\n\t}");
	chain = strstr(got, "\tchain limits {\n");
	assert_non_null(chain);
	assert_line(chain, "\t\ttype filter hook prerouting priority -140; policy accept;\n"
		    "\t\tiifname \"wan0\" ct direction reply accept comment \"replies of tracked flows\"\n"
		    "\t\tiifname \"wan0\" ct state related accept comment \"their ICMP errors\"\n"
		    "\t\tiifname \"wan0\" ip saddr @allow4 accept comment \"allowlist\"\n"
		    "\t\tiifname \"wan0\" ip saddr @rlban4 drop comment \"drop_banned: rate limit\"\n"
		    "\t\tiifname \"wan0\" ip6 saddr & ffff:ffff:ffff:ffff:: @rlban6 drop comment \"drop_banned: rate limit\"");
	/* SYNs; with ban, the source into the ban set for that long */
	assert_line(chain, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 25 tcp flags & (syn | ack) == syn "
		    "update @rl4_smtp { ip saddr limit rate over 10/second burst 20 packets } "
		    "add @rlban4 { ip saddr timeout 600s } drop comment \"drop_rate_limit: smtp\"");
	assert_line(chain, "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 25 tcp flags & (syn | ack) == syn "
		    "update @rl6_smtp { ip6 saddr & ffff:ffff:ffff:ffff:: limit rate over 10/second burst 20 packets } "
		    "add @rlban6 { ip6 saddr & ffff:ffff:ffff:ffff:: timeout 600s } drop comment \"drop_rate_limit: smtp\"");
	/* UDP: every datagram; burst defaults to the rate */
	assert_line(chain, "\t\tiifname \"wan0\" ip daddr 203.0.113.33 udp dport 53 "
		    "update @rl4_dns { ip saddr limit rate over 30/minute burst 30 packets } "
		    "drop comment \"drop_rate_limit: dns\"");
	/* to gateway over IPv6: the gateway's own addresses */
	assert_line(chain, "\t\tiifname \"wan0\" meta nfproto ipv6 fib daddr type local tcp dport 22 "
		    "tcp flags & (syn | ack) == syn update @rl6_ssh { ip6 saddr & ffff:ffff:ffff:ffff:: "
		    "limit rate over 5/hour burst 2 packets } drop comment \"drop_rate_limit: ssh\"");
	free(got);
}

static void test_limits_ruleset_passes_nft_check(void **state)
{
	char cmd[256], base[4096], *got, *path;
	int rc;

	(void)state;
	if (run_cmd("command -v nft >/dev/null 2>&1") != 0 || geteuid() != 0) {
		if (require_bpf())
			fail_msg("nft -c needs nft and root (MXGW_REQUIRE_BPF=1: not skipping)");
		skip();
	}
	snprintf(base, sizeof(base), "%s" LIMIT_CONF "allowlist 198.51.100.7,2001:db8:51::/48\n",
		 DUAL_CONF);
	parse("dual.conf", base);
	got = export("eth0", &rc);
	assert_int_equal(rc, 0);
	path = unit_write_temp(got);
	snprintf(cmd, sizeof(cmd), "nft -c -f %s", path);
	rc = run_cmd(cmd);
	unlink(path);
	free(path);
	free(got);
	assert_int_equal(rc, 0);
}

/* ---- SYN floods (issue 13) ---------------------------------------------- */

#define SYN_CONF	"syn-flood smtp 2000/s\nsyn-flood imaps 500/s\nsyn-flood ssh 100/s\n" \
			"syn-flood pop3s 100/s\n"

/* syn-flood's nearest twin: SYNPROXY over IPv6 (routed) and to the
 * gateway's own services, the table's from sets kept; over IPv4 to the
 * DNATed mail server, a comment saying why there is none. */
static void test_syn_flood_as_synproxy(void **state)
{
	char base[4096], *got, *chain;
	int rc;

	(void)state;
	parse("dual.conf", DUAL_CONF);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(got, "synproxy"));
	assert_null(strstr(got, "notrack"));
	free(got);
	snprintf(base, sizeof(base), "%s" SYN_CONF, DUAL_CONF);
	parse("dual.conf", base);
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	/* always on, and the sysctls it needs */
	assert_line(got, "\t# SYN floods (syn-flood): SYNPROXY, netfilter's nearest twin.  It has\n"
		    "\t# no threshold: it is always on, answering every SYN to a protected");
	assert_line(got, "\t#   sysctl -w net.ipv4.tcp_syncookies=2\n"
		    "\t#   sysctl -w net.ipv4.tcp_timestamps=1\n"
		    "\t#   sysctl -w net.netfilter.nf_conntrack_tcp_loose=0");
	/* IPv4 to the mail server: named once, no rule */
	assert_line(got, "\t# syn-flood over IPv4 to the mail server (smtp, pop3s): no twin.\n"
		    "\t# The mail server's IPv4 is reached through DNAT, and SYNPROXY takes\n"
		    "\t# only untracked SYNs (notrack), which are never NATed: SYNPROXY would");
	assert_null(strstr(got, "ip daddr 203.0.113.33 tcp dport 25 tcp flags & (syn | ack) == syn notrack"));
	assert_null(strstr(got, "tcp dport 995 tcp flags & (syn | ack) == syn notrack"));
	chain = strstr(got, "\tchain synproxy_notrack {\n");
	assert_non_null(chain);
	assert_line(chain, "\t\ttype filter hook prerouting priority raw; policy accept;\n"
		    "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 25 tcp flags & (syn | ack) == syn "
		    "notrack comment \"syn-flood smtp 2000/s\"\n"
		    "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 993 ip6 saddr @from6_imaps "
		    "tcp flags & (syn | ack) == syn notrack comment \"syn-flood imaps 500/s\"\n"
		    "\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 22 ip saddr @from_ssh "
		    "tcp flags & (syn | ack) == syn notrack comment \"syn-flood ssh 100/s\"\n"
		    "\t\tiifname \"wan0\" meta nfproto ipv6 fib daddr type local tcp dport 22 ip6 saddr @from6_ssh "
		    "tcp flags & (syn | ack) == syn notrack comment \"syn-flood ssh 100/s\"\n\t}");
	/* before the forward chain's accepts; the table's sources only */
	chain = strstr(got, "\tchain synproxy_forward {\n");
	assert_non_null(chain);
	assert_line(chain, "\t\ttype filter hook forward priority filter - 10; policy accept;\n"
		    "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 25 ct state invalid,untracked "
		    "synproxy mss 1460 wscale 7 timestamp sack-perm comment \"syn-flood smtp\"\n"
		    "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 25 ct state invalid drop "
		    "comment \"syn-flood smtp\"\n"
		    "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 993 ip6 saddr @from6_imaps "
		    "ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm comment \"syn-flood imaps\"\n"
		    "\t\tiifname \"wan0\" ip6 daddr 2001:db8:168::10 tcp dport 993 ct state invalid drop "
		    "comment \"syn-flood imaps\"\n\t}");
	chain = strstr(got, "\tchain synproxy_input {\n");
	assert_non_null(chain);
	assert_line(chain, "\t\ttype filter hook input priority filter - 10; policy accept;\n"
		    "\t\tiifname \"wan0\" ip daddr 203.0.113.33 tcp dport 22 ip saddr @from_ssh "
		    "ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm comment \"syn-flood ssh\"");
	assert_line(chain, "\t\tiifname \"wan0\" meta nfproto ipv6 fib daddr type local tcp dport 22 "
		    "ct state invalid drop comment \"syn-flood ssh\"\n\t}");
	free(got);
	/* IPv4 only: the comment, no chain */
	parse("v4.conf", "public 203.0.113.33\nmailserver 192.168.1.10\n"
	      "service smtp 25 allow allow\nsyn-flood smtp 2000/s\n");
	got = export("wan0", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(got, "(smtp): no twin.\n"));
	assert_null(strstr(got, "chain synproxy"));
	free(got);
}

static void test_syn_flood_ruleset_passes_nft_check(void **state)
{
	char cmd[256], base[4096], *got, *path;
	int rc;

	(void)state;
	if (run_cmd("command -v nft >/dev/null 2>&1") != 0 || geteuid() != 0) {
		if (require_bpf())
			fail_msg("nft -c needs nft and root (MXGW_REQUIRE_BPF=1: not skipping)");
		skip();
	}
	snprintf(base, sizeof(base), "%s" SYN_CONF LIMIT_CONF "allowlist 198.51.100.7\n",
		 DUAL_CONF);
	parse("dual.conf", base);
	got = export("eth0", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(got, "synproxy mss 1460"));
	path = unit_write_temp(got);
	snprintf(cmd, sizeof(cmd), "nft -c -f %s", path);
	rc = run_cmd(cmd);
	unlink(path);
	free(path);
	free(got);
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_deny_ruleset_byte_for_byte),
		cmocka_unit_test(test_default_allow_ruleset_byte_for_byte),
		cmocka_unit_test(test_wan_name_is_used_everywhere),
		cmocka_unit_test(test_unusable_wan_names_are_refused),
		cmocka_unit_test(test_config_path_cannot_break_the_comment),
		cmocka_unit_test(test_shipped_config_names_every_service),
		cmocka_unit_test(test_shipped_config_ruleset_passes_nft_check),
		cmocka_unit_test(test_to_gateway_is_an_input_accept_not_a_dnat),
		cmocka_unit_test(test_to_gateway_under_default_allow_is_not_rewritten),
		cmocka_unit_test(test_to_gateway_ruleset_passes_nft_check),
		cmocka_unit_test(test_ipv6_incoming_to_mailserver6_per_service),
		cmocka_unit_test(test_ipv6_without_mailserver6_lets_nothing_in),
		cmocka_unit_test(test_ipv6_default_allow),
		cmocka_unit_test(test_ipv6_rulesets_pass_nft_check),
		cmocka_unit_test(test_blocklists_as_sets_and_drops),
		cmocka_unit_test(test_blocklists_let_the_allowlist_on),
		cmocka_unit_test(test_blocklists_ruleset_passes_nft_check),
		cmocka_unit_test(test_limits_as_meters),
		cmocka_unit_test(test_limits_ruleset_passes_nft_check),
		cmocka_unit_test(test_syn_flood_as_synproxy),
		cmocka_unit_test(test_syn_flood_ruleset_passes_nft_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
