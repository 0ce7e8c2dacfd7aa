// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl export nft: a parsed mxgw.conf as an nftables ruleset.
 *
 * One inet table for both families, as mxgw filters both.  What mxgw
 * does, chain by chain:
 *   prerouting (nat)   IPv4's incoming column: allowed services are DNATed
 *                      to the mail server, the client's source kept;
 *                      "from" is a set per service and family.  Under
 *                      default allow every other TCP/UDP port is DNATed
 *                      too, listed denials not.  IPv6 is routed: nothing.
 *   forward (filter)   tracked flows (their ICMP and ICMPv6 errors
 *                      related: PMTUD, RFC 4890 4.3.1), then the incoming
 *                      verdicts per service (IPv4 to the DNATed mail
 *                      server, IPv6 to mailserver6), the outgoing ones for
 *                      both families, echo requests, then the default;
 *                      policy drop, so nothing else from the WAN reaches a
 *                      LAN address.
 *   postrouting (nat)  IPv4's outgoing flows leave with the public address,
 *                      ports from nat-ports; the gateway's own traffic as
 *                      it is.  IPv6 leaves as it is.
 *   input (filter)     the link's neighbour discovery, router
 *                      advertisements and MLD; the public address itself:
 *                      replies to the gateway's flows, icmp-echo, the "to
 *                      gateway" services (their from sets too), everything
 *                      else mxgw drops in XDP; over IPv6 the "to gateway"
 *                      services alone are the table's, as in mxgw.
 *
 * Only the WAN interface is named: outgoing is what the gateway forwards
 * out of it, incoming what arrives on it for the public address or
 * mailserver6.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "nft_export.h"
#include "config.h"
#include "../maps/blocklist.h"

#define TCP	MXGW_PROTO_BIT(MXGW_PROTO_TCP)
#define UDP	MXGW_PROTO_BIT(MXGW_PROTO_UDP)

/* The sysctl behind each "timeout" name, by enum mxgw_ct_state. */
static const char *const ct_sysctl[MXGW_CT_STATE_MAX] = {
#define CT_SYSCTL(NAME, word, seconds, sysctl)	[MXGW_CT_##NAME] = sysctl,
	MXGW_CT_STATES(CT_SYSCTL)
#undef CT_SYSCTL
};

bool mxgw_nft_ifname_ok(const char *ifname)
{
	size_t len = ifname ? strlen(ifname) : 0;

	if (!len || len >= 16)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = ifname[i];

		if (c <= ' ' || c >= 0x7f || strchr("\"\\/:", c))
			return false;
	}
	return true;
}

/* A string for a # comment line: control characters become '?'. */
static void comment_text(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < ' ' || *s == 0x7f ? '?' : *s, out);
}

static const char *addr(__be32 a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* "tcp dport 25", "udp dport 53", "meta l4proto { tcp, udp } th dport 53" */
static void port_match(FILE *out, const struct mxgw_policy_service *s)
{
	if (s->protos == TCP)
		fprintf(out, "tcp dport %u", s->port);
	else if (s->protos == UDP)
		fprintf(out, "udp dport %u", s->port);
	else
		fprintf(out, "meta l4proto { tcp, udp } th dport %u", s->port);
}

/* Incoming allowed, but only from the service's from prefixes. */
static bool has_from(const struct mxgw_policy_service *s)
{
	return mxgw_policy_service_has_from(s) && s->verdict[MXGW_DIR_IN] == MXGW_ALLOW;
}

/* Are some IPv4 (@v6 false) or IPv6 sources let in?  A from list of the
 * other family alone lets none of this one's in. */
static bool in_allowed(const struct mxgw_policy_service *s, bool v6)
{
	if (s->verdict[MXGW_DIR_IN] != MXGW_ALLOW)
		return false;
	return !has_from(s) || (v6 ? s->nfrom6 : s->nfrom);
}

static void from_match(FILE *out, const struct mxgw_policy_service *s)
{
	if (has_from(s))
		fprintf(out, " ip saddr @from_%s", s->name);
}

static void from6_match(FILE *out, const struct mxgw_policy_service *s)
{
	if (has_from(s))
		fprintf(out, " ip6 saddr @from6_%s", s->name);
}

static const char *addr6(const struct mxgw_in6 *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static void header(FILE *out, const struct mxgw_conf_file *conf, const char *wan)
{
	char pub[INET_ADDRSTRLEN], ms[INET_ADDRSTRLEN], ms6[INET6_ADDRSTRLEN];
	const struct mxgw_policy *pol = &conf->policy;

	fputs("#!/usr/sbin/nft -f\n"
	      "# mxgw's table as an nftables ruleset (mxctl export nft), from ", out);
	comment_text(out, conf->path);
	fprintf(out, ".\n"
		"# WAN %s, public %s, mail server %s", wan, addr(pol->public_addr, pub),
		addr(pol->mailserver_addr, ms));
	if (pol->has_mailserver6)
		fprintf(out, ", mailserver6 %s", addr6(&pol->mailserver6, ms6));
	fprintf(out, ", default %s, icmp-echo %s,\n"
		"# %u service%s.\n",
		mxgw_verdict_str(pol->default_verdict), mxgw_verdict_str(pol->icmp_echo),
		pol->nservices, pol->nservices == 1 ? "" : "s");
	fprintf(out, "#\n"
		"# nft -f FILE replaces table inet mxgw (and table ip mxgw, an older\n"
		"# export's) and touches nothing else.  The kernel must forward:\n"
		"#   sysctl -w net.ipv4.ip_forward=1\n%s"
		"# Use it instead of mxgw on %s, not next to it.  Only the WAN\n"
		"# interface is named: outgoing is what the gateway forwards out of\n"
		"# %s, incoming what arrives on it for the public address%s.\n"
		"#\n"
		"# Connection tracking as mxgw.conf sets it, with sysctl:\n"
		"#   sysctl -w net.netfilter.nf_conntrack_max=%u\n",
		pol->has_mailserver6 ? "#   sysctl -w net.ipv6.conf.all.forwarding=1\n" : "",
		wan, wan, pol->has_mailserver6 ? " or\n# mailserver6" : "", pol->conntrack_max);
	for (int i = 0; i < MXGW_CT_STATE_MAX; i++)
		if (ct_sysctl[i])
			fprintf(out, "#   sysctl -w net.netfilter.%s=%u\n", ct_sysctl[i],
				pol->timeout_s[i]);
	fputs("#\n"
	      "# Where the kernel differs from mxgw: it reassembles IP fragments that\n"
	      "# mxgw drops; masquerade may take a listed service's port inside\n"
	      "# nat-ports, which mxgw skips; IPv6 extension headers and martian\n"
	      "# sources are the kernel's to judge, not this table's.\n\n", out);
}

/* One set per service and family that has prefixes: an empty one is
 * never written, its family then let in by no rule. */
static void from_sets(FILE *out, const struct mxgw_conf_file *conf)
{
	char a[INET6_ADDRSTRLEN];

	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		if (!has_from(s))
			continue;
		if (s->nfrom) {
			fprintf(out, "\t# service %s: incoming only from these sources\n"
				"\tset from_%s {\n"
				"\t\ttype ipv4_addr\n"
				"\t\tflags interval\n"
				"\t\telements = { ", s->name, s->name);
			for (unsigned int f = 0; f < s->nfrom; f++) {
				fprintf(out, "%s%s", f ? ", " : "", addr(s->from[f].addr, a));
				if (s->from[f].len != 32)
					fprintf(out, "/%u", s->from[f].len);
			}
			fputs(" }\n\t}\n\n", out);
		}
		if (s->nfrom6) {
			fprintf(out, "\t# service %s: incoming only from these IPv6 sources\n"
				"\tset from6_%s {\n"
				"\t\ttype ipv6_addr\n"
				"\t\tflags interval\n"
				"\t\telements = { ", s->name, s->name);
			for (unsigned int f = 0; f < s->nfrom6; f++) {
				fprintf(out, "%s%s", f ? ", " : "", addr6(&s->from6[f].addr, a));
				if (s->from6[f].len != 128)
					fprintf(out, "/%u", s->from6[f].len);
			}
			fputs(" }\n\t}\n\n", out);
		}
	}
}

/*
 * Bans and the allowlist: sets with timeouts that mxctl ban's twin fills
 * (nft add element inet mxgw ban4 { 198.51.100.7 timeout 10m }), the
 * allowlist's prefixes; a chain after conntrack (-200) and before DNAT
 * (-100) where replies of tracked flows pass, the allowlist is accepted
 * first and a banned source dropped, as mxgw does in XDP.
 */
static void ban_sets(FILE *out, const struct mxgw_conf_file *conf)
{
	const struct mxgw_policy *pol = &conf->policy;
	char a[INET6_ADDRSTRLEN];

	fputs("\t# Bans (mxctl ban ADDR --for D: add element inet mxgw ban4 { ADDR timeout D };\n"
	      "\t# an IPv6 address by its /64)\n"
	      "\tset ban4 {\n\t\ttype ipv4_addr\n\t\tflags interval, timeout\n\t}\n"
	      "\tset ban6 {\n\t\ttype ipv6_addr\n\t\tflags interval, timeout\n\t}\n", out);
	if (pol->nallow4) {
		fputs("\t# allowlist: never dropped by a ban or a blocklist\n"
		      "\tset allow4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { ", out);
		for (unsigned int i = 0; i < pol->nallow4; i++)
			fprintf(out, "%s%s/%u", i ? ", " : "", addr(pol->allow4[i].addr, a),
				pol->allow4[i].len);
		fputs(" }\n\t}\n", out);
	}
	if (pol->nallow6) {
		fputs("\tset allow6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\telements = { ", out);
		for (unsigned int i = 0; i < pol->nallow6; i++)
			fprintf(out, "%s%s/%u", i ? ", " : "", addr6(&pol->allow6[i].addr, a),
				pol->allow6[i].len);
		fputs(" }\n\t}\n", out);
	}
	fputc('\n', out);
}

static void chain_bans(FILE *out, const struct mxgw_conf_file *conf, const char *wan)
{
	fprintf(out, "\t# A ban drops all but the replies of tracked flows; the allowlist wins.\n"
		"\tchain bans {\n"
		"\t\ttype filter hook prerouting priority -150; policy accept;\n"
		"\t\tiifname \"%s\" ct state established,related accept comment \"tracked flows\"\n",
		wan);
	if (conf->policy.nallow4)
		fprintf(out, "\t\tiifname \"%s\" ip saddr @allow4 accept comment \"allowlist\"\n", wan);
	if (conf->policy.nallow6)
		fprintf(out, "\t\tiifname \"%s\" ip6 saddr @allow6 accept comment \"allowlist\"\n", wan);
	fprintf(out, "\t\tiifname \"%s\" ip saddr @ban4 drop comment \"drop_banned\"\n"
		"\t\tiifname \"%s\" ip6 saddr @ban6 drop comment \"drop_banned\"\n"
		"\t}\n\n", wan, wan);
}

static void chain_prerouting(FILE *out, const struct mxgw_conf_file *conf,
			     const char *wan, const char *pub, const char *ms)
{
	bool allow = conf->policy.default_verdict == MXGW_ALLOW;

	fputs("\t# Incoming: allowed services are rewritten to the mail server, the\n"
	      "\t# client's own source address kept.\n"
	      "\tchain prerouting {\n"
	      "\t\ttype nat hook prerouting priority dstnat; policy accept;\n", out);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		if (!in_allowed(s, false) || s->to_gateway)
			continue;
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s ", wan, pub);
		port_match(out, s);
		from_match(out, s);
		fprintf(out, " dnat ip to %s comment \"%s\"\n", ms, s->name);
	}
	if (allow) {
		/* listed denials (and sources outside from) stay on the public
		 * address, where the input chain drops them; "to gateway"
		 * services stay there too, for the input chain to judge */
		for (unsigned int i = 0; i < conf->policy.nservices; i++) {
			const struct mxgw_policy_service *s = &conf->policy.services[i];

			if (s->verdict[MXGW_DIR_IN] == MXGW_ALLOW && !has_from(s) &&
			    !s->to_gateway)
				continue;
			fprintf(out, "\t\tiifname \"%s\" ip daddr %s ", wan, pub);
			port_match(out, s);
			fprintf(out, " accept comment \"%s: %s, not rewritten\"\n", s->name,
				s->to_gateway ? "to gateway" :
				has_from(s) ? "source outside from" : "incoming deny");
		}
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s meta l4proto { tcp, udp } dnat ip to %s comment \"default allow\"\n",
			wan, pub, ms);
	}
	fputs("\t}\n\n", out);
}

/*
 * IPv6 to mailserver6, routed: per service, its from set then a drop for
 * the sources outside it (the default must not take them), and echo
 * requests per icmp-echo.
 */
static void forward6_in(FILE *out, const struct mxgw_conf_file *conf,
			const char *wan, const char *ms6)
{
	bool echo = conf->policy.icmp_echo == MXGW_ALLOW;

	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];
		bool allow = in_allowed(s, true);

		if (s->to_gateway)
			continue;
		fprintf(out, "\t\tiifname \"%s\" ip6 daddr %s ", wan, ms6);
		port_match(out, s);
		if (allow)
			from6_match(out, s);
		fprintf(out, " %s comment \"%s\"\n", allow ? "accept" : "drop", s->name);
		if (!allow || !has_from(s))
			continue;
		fprintf(out, "\t\tiifname \"%s\" ip6 daddr %s ", wan, ms6);
		port_match(out, s);
		fprintf(out, " drop comment \"%s: source outside from\"\n", s->name);
	}
	fprintf(out, "\t\tiifname \"%s\" ip6 daddr %s icmpv6 type echo-request %s comment \"icmp-echo %s\"\n",
		wan, ms6, echo ? "accept" : "drop", echo ? "allow" : "deny");
}

static void chain_forward(FILE *out, const struct mxgw_conf_file *conf,
			  const char *wan, const char *ms, const char *ms6)
{
	fputs("\t# The table: incoming (to the mail server, rewritten above, or to\n"
	      "\t# mailserver6) and outgoing (from the LAN, both families) verdicts\n"
	      "\t# per service, then the default.  ICMPv6 errors of tracked flows are\n"
	      "\t# related (RFC 4890 4.3.1: destination unreachable, packet too big,\n"
	      "\t# time exceeded, parameter problem): path MTU discovery works.\n"
	      "\tchain forward {\n"
	      "\t\ttype filter hook forward priority filter; policy drop;\n"
	      "\t\tct state established,related accept comment \"tracked flows: replies, related ICMP errors\"\n",
	      out);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];
		bool allow = in_allowed(s, false);

		/* its incoming is the input chain's: nothing is forwarded */
		if (s->to_gateway)
			continue;
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s ", wan, ms);
		port_match(out, s);
		if (allow)
			from_match(out, s);
		fprintf(out, "%s comment \"%s\"\n", allow ? " ct status dnat accept" : " drop",
			s->name);
	}
	if (conf->policy.has_mailserver6)
		forward6_in(out, conf, wan, ms6);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		fprintf(out, "\t\toifname \"%s\" ", wan);
		port_match(out, s);
		fprintf(out, " %s comment \"%s\"\n",
			s->verdict[MXGW_DIR_OUT] == MXGW_ALLOW ? "accept" : "drop", s->name);
	}
	fprintf(out, "\t\toifname \"%s\" icmp type echo-request accept comment \"echo requests from the LAN\"\n"
		"\t\toifname \"%s\" icmpv6 type echo-request accept comment \"echo requests from the LAN\"\n",
		wan, wan);
	if (conf->policy.default_verdict == MXGW_ALLOW) {
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s meta l4proto { tcp, udp } ct status dnat accept comment \"default allow\"\n",
			wan, ms);
		if (conf->policy.has_mailserver6)
			fprintf(out, "\t\tiifname \"%s\" ip6 daddr %s meta l4proto { tcp, udp } accept comment \"default allow\"\n",
				wan, ms6);
		fprintf(out, "\t\toifname \"%s\" meta l4proto { tcp, udp } accept comment \"default allow\"\n",
			wan);
	} else
		fputs("\t\t# default deny: the policy\n", out);
	fputs("\t}\n\n", out);
}

static void chain_postrouting(FILE *out, const struct mxgw_conf_file *conf,
			      const char *wan, const char *pub)
{
	fprintf(out, "\t# Outgoing IPv4 flows leave with the public address (masquerade);\n"
		"\t# IPv6 is routed as it is.\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"\t\toifname \"%s\" fib saddr type local accept comment \"the gateway's own traffic\"\n"
		"\t\toifname \"%s\" meta l4proto { tcp, udp } snat ip to %s:%u-%u comment \"nat-ports\"\n"
		"\t\toifname \"%s\" snat ip to %s comment \"echo requests\"\n"
		"\t}\n\n",
		wan, wan, pub, conf->policy.nat_port_min, conf->policy.nat_port_max, wan, pub);
}

static void chain_input(FILE *out, const struct mxgw_conf_file *conf,
			const char *wan, const char *pub)
{
	bool echo = conf->policy.icmp_echo == MXGW_ALLOW;

	fprintf(out, "\t# The public address itself: what mxgw lets through to the gateway.\n"
		"\t# Over IPv6 the gateway's addresses are its own business but for\n"
		"\t# the \"to gateway\" services; the link's neighbour discovery, router\n"
		"\t# advertisements and MLD are never dropped (RFC 4890 4.4.1).\n"
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\ticmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect, mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } accept comment \"the link's: NDP, RA, MLD\"\n"
		"\t\tiifname \"%s\" ip daddr %s ct state established,related accept comment \"replies to the gateway's own flows\"\n"
		"\t\tiifname \"%s\" ip daddr %s icmp type echo-request %s comment \"icmp-echo %s\"\n",
		wan, pub, wan, pub, echo ? "accept" : "drop", echo ? "allow" : "deny");
	if (conf->policy.default_verdict == MXGW_ALLOW)
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s meta l4proto != { tcp, udp, icmp } accept comment \"default allow: other protocols\"\n",
			wan, pub);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		if (!s->to_gateway || !in_allowed(s, false))
			continue;
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s ", wan, pub);
		port_match(out, s);
		from_match(out, s);
		fprintf(out, " accept comment \"%s: to gateway\"\n", s->name);
	}
	fprintf(out, "\t\tiifname \"%s\" ip daddr %s drop comment \"denied, unlisted, outside from\"\n",
		wan, pub);
	/* IPv6: the gateway's own addresses (fib: every one of them, link-
	 * local too, as mxgw's wan6 list) on a "to gateway" port */
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];
		bool allow = in_allowed(s, true);

		if (!s->to_gateway)
			continue;
		if (allow) {
			fprintf(out, "\t\tiifname \"%s\" meta nfproto ipv6 fib daddr type local ", wan);
			port_match(out, s);
			from6_match(out, s);
			fprintf(out, " accept comment \"%s: to gateway\"\n", s->name);
		}
		if (allow && !has_from(s))
			continue;
		fprintf(out, "\t\tiifname \"%s\" meta nfproto ipv6 fib daddr type local ", wan);
		port_match(out, s);
		fprintf(out, " drop comment \"%s: to gateway, %s\"\n", s->name,
			allow ? "source outside from" : "incoming deny");
	}
	fputs("\t}\n", out);
}

/* Each blocklist's sets: interval sets, auto-merged (lists overlap). */
static void blocklist_sets(FILE *out, const struct mxgw_conf_file *conf,
			   const struct mxgw_bl_list *lists)
{
	char a[INET6_ADDRSTRLEN];

	for (unsigned int i = 0; i < conf->policy.nblocklists; i++) {
		const struct mxgw_policy_blocklist *b = &conf->policy.blocklists[i];
		const struct mxgw_bl_list *l = lists ? &lists[i] : NULL;

		fprintf(out, "\t# blocklist %s: ", b->name);
		comment_text(out, b->file);
		fprintf(out, "\n\tset bl4_%s {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
			"\t\tauto-merge\n", b->name);
		for (size_t k = 0; l && k < l->n4; k++) {
			fprintf(out, "%s%s", k ? ", " : "\t\telements = { ",
				addr(l->v4[k].addr, a));
			if (l->v4[k].len != 32)
				fprintf(out, "/%u", l->v4[k].len);
		}
		fprintf(out, "%s\t}\n\n\tset bl6_%s {\n\t\ttype ipv6_addr\n\t\tflags interval\n"
			"\t\tauto-merge\n", l && l->n4 ? " }\n" : "", b->name);
		for (size_t k = 0; l && k < l->n6; k++) {
			fprintf(out, "%s%s", k ? ", " : "\t\telements = { ",
				addr6(&l->v6[k].addr, a));
			if (l->v6[k].len != 128)
				fprintf(out, "/%u", l->v6[k].len);
		}
		fprintf(out, "%s\t}\n\n", l && l->n6 ? " }\n" : "");
	}
}

/*
 * The blocklists' drops, after conntrack (replies and ICMP errors of
 * tracked flows pass, as in mxgw) and before DNAT (the public address is
 * still the destination): to the public address and mailserver6 for
 * every service (a list without services: everything incoming there),
 * to the gateway's own IPv6 addresses for its "to gateway" services.
 */
static void chain_blocklists(FILE *out, const struct mxgw_conf_file *conf,
			     const char *wan, const char *pub, const char *ms6)
{
	fputs("\t# Blocklists: their sources dropped for the services each applies to;\n"
	      "\t# replies of the LAN's and the gateway's own flows pass.\n"
	      "\tchain blocklists {\n"
	      "\t\ttype filter hook prerouting priority -150; policy accept;\n", out);
	fprintf(out, "\t\tiifname \"%s\" ct direction reply accept comment \"replies of tracked flows\"\n"
		"\t\tiifname \"%s\" ct state related accept comment \"their ICMP errors\"\n",
		wan, wan);
	/* an accept in chain bans ends only that chain: the allowlist again */
	if (conf->policy.nallow4)
		fprintf(out, "\t\tiifname \"%s\" ip saddr @allow4 accept comment \"allowlist\"\n", wan);
	if (conf->policy.nallow6)
		fprintf(out, "\t\tiifname \"%s\" ip6 saddr @allow6 accept comment \"allowlist\"\n", wan);
	for (unsigned int i = 0; i < conf->policy.nblocklists; i++) {
		const struct mxgw_policy_blocklist *b = &conf->policy.blocklists[i];

		if (b->all_services) {
			fprintf(out, "\t\tiifname \"%s\" ip daddr %s ip saddr @bl4_%s drop comment \"blocklist %s\"\n",
				wan, pub, b->name, b->name);
			if (*ms6)
				fprintf(out, "\t\tiifname \"%s\" ip6 daddr %s ip6 saddr @bl6_%s drop comment \"blocklist %s\"\n",
					wan, ms6, b->name, b->name);
		}
		for (unsigned int k = 0; k < conf->policy.nservices; k++) {
			const struct mxgw_policy_service *s = &conf->policy.services[k];
			bool listed = b->services[k / 64] & (1ULL << (k % 64));

			/* to gateway, over IPv6: the gateway's own addresses */
			if (s->to_gateway && (b->all_services || listed)) {
				fprintf(out, "\t\tiifname \"%s\" meta nfproto ipv6 fib daddr type local ", wan);
				port_match(out, s);
				fprintf(out, " ip6 saddr @bl6_%s drop comment \"blocklist %s: %s\"\n",
					b->name, b->name, s->name);
			}
			if (b->all_services || !listed)
				continue;
			fprintf(out, "\t\tiifname \"%s\" ip daddr %s ", wan, pub);
			port_match(out, s);
			fprintf(out, " ip saddr @bl4_%s drop comment \"blocklist %s: %s\"\n",
				b->name, b->name, s->name);
			if (*ms6 && !s->to_gateway) {
				fprintf(out, "\t\tiifname \"%s\" ip6 daddr %s ", wan, ms6);
				port_match(out, s);
				fprintf(out, " ip6 saddr @bl6_%s drop comment \"blocklist %s: %s\"\n",
					b->name, b->name, s->name);
			}
		}
	}
	fputs("\t}\n\n", out);
}

/* Has any service a limit? */
static bool has_limits(const struct mxgw_conf_file *conf)
{
	for (unsigned int i = 0; i < conf->policy.nservices; i++)
		if (conf->policy.services[i].limit.rate)
			return true;
	return false;
}

static const char *limit_unit(__u32 per_s)
{
	return per_s == 3600 ? "hour" : per_s == 60 ? "minute" : "second";
}

/*
 * Rate limits: a dynamic set per limited service and family whose
 * elements are the sources' buckets (nft's limit, a token bucket as
 * mxgw's), living as long as a bucket takes to fill up again; bans set
 * by a limit in sets of their own (ban4 and ban6 are interval sets, which
 * the packet path cannot add to).
 */
static void limit_sets(FILE *out, const struct mxgw_conf_file *conf)
{
	fputs("	# Rate limits: sources banned by a limit's \"ban\" (IPv6 by /64)\n"
	      "	set rlban4 {\n\t\ttype ipv4_addr\n\t\tflags dynamic, timeout\n\t}\n"
	      "	set rlban6 {\n\t\ttype ipv6_addr\n\t\tflags dynamic, timeout\n\t}\n", out);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];
		unsigned long long t;

		if (!s->limit.rate)
			continue;
		/* a bucket's refill time, at least a minute */
		t = ((unsigned long long)s->limit.burst * s->limit.per_s + s->limit.rate - 1) /
		    s->limit.rate;
		if (t < 60)
			t = 60;
		fprintf(out, "\t# limit %s: each source's bucket\n", s->name);
		for (int v6 = 0; v6 < 2; v6++)
			fprintf(out, "\tset rl%d_%s {\n\t\ttype ipv%d_addr\n\t\tsize %u\n"
				"\t\tflags dynamic, timeout\n\t\ttimeout %llus\n\t}\n",
				v6 ? 6 : 4, s->name, v6 ? 6 : 4, MXGW_RL_MAX, t);
	}
	fputc('\n', out);
}

/* One limited service's rule for protocol @proto (IPPROTO_TCP: its SYNs;
 * UDP: every datagram) and family @v6, to destination @dst. */
static void limit_rule(FILE *out, const struct mxgw_policy_service *s, const char *wan,
		       const char *dst, bool v6, int tcp)
{
	const char *key = v6 ? "ip6 saddr & ffff:ffff:ffff:ffff::" : "ip saddr";

	fprintf(out, "\t\tiifname \"%s\" %s %s dport %u%s update @rl%d_%s { %s limit rate over %u/%s burst %u packets }",
		wan, dst, tcp ? "tcp" : "udp", s->port,
		tcp ? " tcp flags & (syn | ack) == syn" : "", v6 ? 6 : 4, s->name, key,
		s->limit.rate, limit_unit(s->limit.per_s), s->limit.burst);
	if (s->limit.ban_s)
		fprintf(out, " add @rlban%d { %s timeout %us }", v6 ? 6 : 4, key, s->limit.ban_s);
	fprintf(out, " drop comment \"drop_rate_limit: %s\"\n", s->name);
}

/* After bans and blocklists (-150), before DNAT (-100): new connections
 * of the limited services (allowlisted sources and tracked flows pass). */
static void chain_limits(FILE *out, const struct mxgw_conf_file *conf, const char *wan,
			 const char *pub, const char *ms6)
{
	char dst[INET6_ADDRSTRLEN + 16];

	fputs("\t# Rate limits: new connections per source (IPv6: per /64) per service;\n"
	      "\t# the allowlist wins.\n"
	      "\tchain limits {\n"
	      "\t\ttype filter hook prerouting priority -140; policy accept;\n", out);
	/* not "established": mxgw counts every UDP datagram to the service */
	fprintf(out, "\t\tiifname \"%s\" ct direction reply accept comment \"replies of tracked flows\"\n"
		"\t\tiifname \"%s\" ct state related accept comment \"their ICMP errors\"\n",
		wan, wan);
	if (conf->policy.nallow4)
		fprintf(out, "\t\tiifname \"%s\" ip saddr @allow4 accept comment \"allowlist\"\n", wan);
	if (conf->policy.nallow6)
		fprintf(out, "\t\tiifname \"%s\" ip6 saddr @allow6 accept comment \"allowlist\"\n", wan);
	fprintf(out, "\t\tiifname \"%s\" ip saddr @rlban4 drop comment \"drop_banned: rate limit\"\n"
		"\t\tiifname \"%s\" ip6 saddr & ffff:ffff:ffff:ffff:: @rlban6 drop comment \"drop_banned: rate limit\"\n",
		wan, wan);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		if (!s->limit.rate)
			continue;
		for (int tcp = 1; tcp >= 0; tcp--) {
			if (!(s->protos & (tcp ? TCP : UDP)))
				continue;
			snprintf(dst, sizeof(dst), "ip daddr %s", pub);
			limit_rule(out, s, wan, dst, false, tcp);
			if (s->to_gateway)
				limit_rule(out, s, wan, "meta nfproto ipv6 fib daddr type local", true,
					   tcp);
			else if (*ms6) {
				snprintf(dst, sizeof(dst), "ip6 daddr %s", ms6);
				limit_rule(out, s, wan, dst, true, tcp);
			}
		}
	}
	fputs("\t}\n\n", out);
}

/* Has any service syn-flood? */
static bool has_synflood(const struct mxgw_conf_file *conf)
{
	for (unsigned int i = 0; i < conf->policy.nservices; i++)
		if (conf->policy.services[i].syn_flood_rate)
			return true;
	return false;
}

/*
 * Where a syn-flood service's SYNs go to SYNPROXY, for family @v6: "ip6
 * daddr MAILSERVER6", "ip daddr PUBLIC" (a "to gateway" service: the
 * gateway's own, no NAT) or "meta nfproto ipv6 fib daddr type local";
 * NULL where nft has no twin (IPv4 to the mail server: DNATed) or none of
 * the family's sources is let in.
 */
static const char *synproxy_dst(const struct mxgw_policy_service *s, bool v6,
				const char *pub, const char *ms6, char *buf, size_t len)
{
	if (!s->syn_flood_rate || !(s->protos & TCP) || !in_allowed(s, v6))
		return NULL;
	if (s->to_gateway)
		snprintf(buf, len, v6 ? "meta nfproto ipv6 fib daddr type local" : "ip daddr %s", pub);
	else if (v6 && *ms6)
		snprintf(buf, len, "ip6 daddr %s", ms6);
	else
		return NULL;
	return buf;
}

/* The start of a SYNPROXY rule: the WAN, the service's destination and
 * port, and its "from" (SYNPROXY's own SYN to the server leaves through
 * output, past the forward chain's "from" rules). */
static void synproxy_match(FILE *out, const char *wan, const char *dst,
			   const struct mxgw_policy_service *s, int v6)
{
	fprintf(out, "\t\tiifname \"%s\" %s tcp dport %u", wan, dst, s->port);
	if (v6)
		from6_match(out, s);
	else
		from_match(out, s);
}

/*
 * syn-flood's nearest twin, SYNPROXY: a SYN to a protected port is
 * untracked in the raw table (notrack), SYNPROXY answers it with a SYN
 * cookie and opens the connection to the server only after the client's
 * ACK proves its address.  Only the sources the table lets in (from):
 * SYNPROXY's own SYN to the server leaves through output, past the
 * forward chain's from rules.  SYNPROXY has no threshold, and no twin for
 * a DNATed service (the comment says why).
 */
static void chain_synproxy(FILE *out, const struct mxgw_conf_file *conf, const char *wan,
			   const char *pub, const char *ms6)
{
	char dst[INET6_ADDRSTRLEN + 48];
	bool fwd = false, in = false, dnat = false;

	fputs("\t# SYN floods (syn-flood): SYNPROXY, netfilter's nearest twin.  It has\n"
	      "\t# no threshold: it is always on, answering every SYN to a protected\n"
	      "\t# port with a SYN cookie, flood or not, and opening the connection\n"
	      "\t# to the server only after the client's ACK (mxgw lets SYNs through\n"
	      "\t# until the service's rate goes over syn-flood's N/s, then verifies\n"
	      "\t# unknown sources once).  It needs\n"
	      "\t#   sysctl -w net.ipv4.tcp_syncookies=2\n"
	      "\t#   sysctl -w net.ipv4.tcp_timestamps=1\n"
	      "\t#   sysctl -w net.netfilter.nf_conntrack_tcp_loose=0\n", out);
	/* IPv4 to the mail server: the services without a twin, named once */
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		if (!s->syn_flood_rate || s->to_gateway || !in_allowed(s, false))
			continue;
		fprintf(out, "%s%s", dnat ? ", " : "\t# syn-flood over IPv4 to the mail server (", s->name);
		dnat = true;
	}
	if (dnat)
		fputs("): no twin.\n"
		      "\t# The mail server's IPv4 is reached through DNAT, and SYNPROXY takes\n"
		      "\t# only untracked SYNs (notrack), which are never NATed: SYNPROXY would\n"
		      "\t# answer in the gateway's input path and then open the connection to\n"
		      "\t# the public address, the gateway itself, not the mail server.  Run\n"
		      "\t# SYNPROXY on the mail server, or keep its SYN cookies on\n"
		      "\t# (net.ipv4.tcp_syncookies=1).\n", out);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		for (int v6 = 0; v6 < 2; v6++) {
			if (!synproxy_dst(s, v6, pub, ms6, dst, sizeof(dst)))
				continue;
			if (s->to_gateway)
				in = true;
			else
				fwd = true;
		}
	}
	if (!in && !fwd) {
		fputc('\n', out);
		return;
	}
	fputs("\tchain synproxy_notrack {\n"
	      "\t\ttype filter hook prerouting priority raw; policy accept;\n", out);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		for (int v6 = 0; v6 < 2; v6++) {
			if (!synproxy_dst(s, v6, pub, ms6, dst, sizeof(dst)))
				continue;
			synproxy_match(out, wan, dst, s, v6);
			fprintf(out, " tcp flags & (syn | ack) == syn notrack comment \"syn-flood %s %u/s\"\n",
				s->name, s->syn_flood_rate);
		}
	}
	fputs("\t}\n", out);
	/* before the forward and input chains' accepts (priority filter) */
	for (int hook = 0; hook < 2; hook++) {
		if (!(hook ? in : fwd))
			continue;
		fprintf(out, "\tchain synproxy_%s {\n"
			"\t\ttype filter hook %s priority filter - 10; policy accept;\n",
			hook ? "input" : "forward", hook ? "input" : "forward");
		for (unsigned int i = 0; i < conf->policy.nservices; i++) {
			const struct mxgw_policy_service *s = &conf->policy.services[i];

			if (!s->to_gateway != !hook)
				continue;
			for (int v6 = 0; v6 < 2; v6++) {
				if (!synproxy_dst(s, v6, pub, ms6, dst, sizeof(dst)))
					continue;
				synproxy_match(out, wan, dst, s, v6);
				fprintf(out, " ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm comment \"syn-flood %s\"\n"
					"\t\tiifname \"%s\" %s tcp dport %u ct state invalid drop comment \"syn-flood %s\"\n",
					s->name, wan, dst, s->port, s->name);
			}
		}
		fputs("\t}\n", out);
	}
	fputc('\n', out);
}

int mxgw_nft_export(FILE *out, const struct mxgw_conf_file *conf, const char *wan)
{
	return mxgw_nft_export_lists(out, conf, wan, NULL);
}

int mxgw_nft_export_lists(FILE *out, const struct mxgw_conf_file *conf, const char *wan,
			  const struct mxgw_bl_list *lists)
{
	char pub[INET_ADDRSTRLEN], ms[INET_ADDRSTRLEN], ms6[INET6_ADDRSTRLEN] = "";

	if (!mxgw_nft_ifname_ok(wan))
		return -EINVAL;
	addr(conf->policy.public_addr, pub);
	addr(conf->policy.mailserver_addr, ms);
	if (conf->policy.has_mailserver6)
		addr6(&conf->policy.mailserver6, ms6);
	header(out, conf, wan);
	/* "table" first: "delete" then never fails on a host without it;
	 * an export from before IPv6 made table ip mxgw, which would go on
	 * filtering next to this one */
	fputs("table ip mxgw\n"
	      "delete table ip mxgw\n"
	      "table inet mxgw\n"
	      "delete table inet mxgw\n\n"
	      "table inet mxgw {\n", out);
	from_sets(out, conf);
	ban_sets(out, conf);
	chain_bans(out, conf, wan);
	if (conf->policy.nblocklists) {
		blocklist_sets(out, conf, lists);
		chain_blocklists(out, conf, wan, pub, ms6);
	}
	if (has_limits(conf)) {
		limit_sets(out, conf);
		chain_limits(out, conf, wan, pub, ms6);
	}
	if (has_synflood(conf))
		chain_synproxy(out, conf, wan, pub, ms6);
	chain_prerouting(out, conf, wan, pub, ms);
	chain_forward(out, conf, wan, ms, ms6);
	chain_postrouting(out, conf, wan, pub);
	chain_input(out, conf, wan, pub);
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}
