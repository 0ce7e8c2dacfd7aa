// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl export nft: a parsed mxgw.conf as an nftables ruleset.
 *
 * What mxgw does, chain by chain:
 *   prerouting (nat)   the incoming column: allowed services are DNATed to
 *                      the mail server, the client's source kept; "from"
 *                      is a set per service.  Under default allow every
 *                      other TCP/UDP port is DNATed too, listed denials not.
 *   forward (filter)   tracked flows, then the incoming and outgoing
 *                      verdicts per service, echo requests from the LAN,
 *                      then the default; policy drop.
 *   postrouting (nat)  outgoing flows leave with the public address, ports
 *                      from nat-ports; the gateway's own traffic as it is.
 *   input (filter)     the public address itself: replies to the gateway's
 *                      flows, icmp-echo, the "to gateway" services (their
 *                      from sets too); everything else mxgw drops in XDP.
 *
 * Only the WAN interface is named: outgoing is what the gateway forwards
 * out of it, incoming what arrives on it for the public address.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "nft_export.h"
#include "config.h"

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

static bool has_from(const struct mxgw_policy_service *s)
{
	return s->nfrom && s->verdict[MXGW_DIR_IN] == MXGW_ALLOW;
}

static void from_match(FILE *out, const struct mxgw_policy_service *s)
{
	if (has_from(s))
		fprintf(out, " ip saddr @from_%s", s->name);
}

static void header(FILE *out, const struct mxgw_conf_file *conf, const char *wan)
{
	char pub[INET_ADDRSTRLEN], ms[INET_ADDRSTRLEN];

	fputs("#!/usr/sbin/nft -f\n"
	      "# mxgw's table as an nftables ruleset (mxctl export nft), from ", out);
	comment_text(out, conf->path);
	fprintf(out, ".\n"
		"# WAN %s, public %s, mail server %s, default %s, icmp-echo %s,\n"
		"# %u service%s.\n",
		wan, addr(conf->policy.public_addr, pub), addr(conf->policy.mailserver_addr, ms),
		mxgw_verdict_str(conf->policy.default_verdict),
		mxgw_verdict_str(conf->policy.icmp_echo),
		conf->policy.nservices, conf->policy.nservices == 1 ? "" : "s");
	fprintf(out, "#\n"
		"# nft -f FILE replaces table ip mxgw and touches nothing else.  The\n"
		"# kernel must forward (sysctl -w net.ipv4.ip_forward=1).  Use it instead\n"
		"# of mxgw on %s, not next to it.  Only the WAN interface is named:\n"
		"# outgoing is what the gateway forwards out of %s, incoming what\n"
		"# arrives on it for the public address.\n"
		"#\n"
		"# Connection tracking as mxgw.conf sets it, with sysctl:\n"
		"#   sysctl -w net.netfilter.nf_conntrack_max=%u\n",
		wan, wan, conf->policy.conntrack_max);
	for (int i = 0; i < MXGW_CT_STATE_MAX; i++)
		if (ct_sysctl[i])
			fprintf(out, "#   sysctl -w net.netfilter.%s=%u\n", ct_sysctl[i],
				conf->policy.timeout_s[i]);
	fputs("#\n"
	      "# Where the kernel differs from mxgw: it reassembles IP fragments that\n"
	      "# mxgw drops; masquerade may take a listed service's port inside\n"
	      "# nat-ports, which mxgw skips; IPv6 is not touched by either.\n\n", out);
}

static void from_sets(FILE *out, const struct mxgw_conf_file *conf)
{
	char a[INET_ADDRSTRLEN];

	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		if (!has_from(s))
			continue;
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

		if (s->verdict[MXGW_DIR_IN] != MXGW_ALLOW || s->to_gateway)
			continue;
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s ", wan, pub);
		port_match(out, s);
		from_match(out, s);
		fprintf(out, " dnat to %s comment \"%s\"\n", ms, s->name);
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
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s meta l4proto { tcp, udp } dnat to %s comment \"default allow\"\n",
			wan, pub, ms);
	}
	fputs("\t}\n\n", out);
}

static void chain_forward(FILE *out, const struct mxgw_conf_file *conf,
			  const char *wan, const char *ms)
{
	fputs("\t# The table: incoming (to the mail server, rewritten above) and\n"
	      "\t# outgoing (from the LAN) verdicts per service, then the default.\n"
	      "\tchain forward {\n"
	      "\t\ttype filter hook forward priority filter; policy drop;\n"
	      "\t\tct state established,related accept comment \"tracked flows: replies, related ICMP errors\"\n",
	      out);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];
		bool allow = s->verdict[MXGW_DIR_IN] == MXGW_ALLOW;

		/* its incoming is the input chain's: nothing is forwarded */
		if (s->to_gateway)
			continue;
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s ", wan, ms);
		port_match(out, s);
		from_match(out, s);
		fprintf(out, "%s comment \"%s\"\n", allow ? " ct status dnat accept" : " drop",
			s->name);
	}
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		fprintf(out, "\t\toifname \"%s\" ", wan);
		port_match(out, s);
		fprintf(out, " %s comment \"%s\"\n",
			s->verdict[MXGW_DIR_OUT] == MXGW_ALLOW ? "accept" : "drop", s->name);
	}
	fprintf(out, "\t\toifname \"%s\" icmp type echo-request accept comment \"echo requests from the LAN\"\n",
		wan);
	if (conf->policy.default_verdict == MXGW_ALLOW)
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s meta l4proto { tcp, udp } ct status dnat accept comment \"default allow\"\n"
			"\t\toifname \"%s\" meta l4proto { tcp, udp } accept comment \"default allow\"\n",
			wan, ms, wan);
	else
		fputs("\t\t# default deny: the policy\n", out);
	fputs("\t}\n\n", out);
}

static void chain_postrouting(FILE *out, const struct mxgw_conf_file *conf,
			      const char *wan, const char *pub)
{
	fprintf(out, "\t# Outgoing flows leave with the public address (masquerade).\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"\t\toifname \"%s\" fib saddr type local accept comment \"the gateway's own traffic\"\n"
		"\t\toifname \"%s\" meta l4proto { tcp, udp } snat to %s:%u-%u comment \"nat-ports\"\n"
		"\t\toifname \"%s\" snat to %s comment \"echo requests\"\n"
		"\t}\n\n",
		wan, wan, pub, conf->policy.nat_port_min, conf->policy.nat_port_max, wan, pub);
}

static void chain_input(FILE *out, const struct mxgw_conf_file *conf,
			const char *wan, const char *pub)
{
	bool echo = conf->policy.icmp_echo == MXGW_ALLOW;

	fprintf(out, "\t# The public address itself: what mxgw lets through to the gateway.\n"
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\tiifname \"%s\" ip daddr %s ct state established,related accept comment \"replies to the gateway's own flows\"\n"
		"\t\tiifname \"%s\" ip daddr %s icmp type echo-request %s comment \"icmp-echo %s\"\n",
		wan, pub, wan, pub, echo ? "accept" : "drop", echo ? "allow" : "deny");
	if (conf->policy.default_verdict == MXGW_ALLOW)
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s meta l4proto != { tcp, udp, icmp } accept comment \"default allow: other protocols\"\n",
			wan, pub);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &conf->policy.services[i];

		if (!s->to_gateway || s->verdict[MXGW_DIR_IN] != MXGW_ALLOW)
			continue;
		fprintf(out, "\t\tiifname \"%s\" ip daddr %s ", wan, pub);
		port_match(out, s);
		from_match(out, s);
		fprintf(out, " accept comment \"%s: to gateway\"\n", s->name);
	}
	fprintf(out, "\t\tiifname \"%s\" ip daddr %s drop comment \"denied, unlisted, outside from\"\n"
		"\t}\n",
		wan, pub);
}

int mxgw_nft_export(FILE *out, const struct mxgw_conf_file *conf, const char *wan)
{
	char pub[INET_ADDRSTRLEN], ms[INET_ADDRSTRLEN];

	if (!mxgw_nft_ifname_ok(wan))
		return -EINVAL;
	addr(conf->policy.public_addr, pub);
	addr(conf->policy.mailserver_addr, ms);
	header(out, conf, wan);
	/* "table" first: "delete" then never fails on a host without it */
	fputs("table ip mxgw\n"
	      "delete table ip mxgw\n\n"
	      "table ip mxgw {\n", out);
	from_sets(out, conf);
	chain_prerouting(out, conf, wan, pub, ms);
	chain_forward(out, conf, wan, ms);
	chain_postrouting(out, conf, wan, pub);
	chain_input(out, conf, wan, pub);
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}
