// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * advice.c - the DNS and firewall advice of the Kerio MailServer guide
 * (section 1.1, "Before you start", and its Table 1.1, "Services to be
 * allowed on the firewall": the shipped table), applied to a parsed config.
 *
 * The guide asks for an MX
 * record of the domain naming the mail host, that host's A record at the
 * public address in the public DNS and its private address in the local
 * DNS, and a firewall that maps port 25 to everybody and otherwise only
 * SSL/TLS services from the Internet.  mxgw_dns_format() prints the
 * former, mxgw_advice_check() finds where a config strays from the latter.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "advice.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define TCP_BIT		MXGW_PROTO_BIT(MXGW_PROTO_TCP)
#define UDP_BIT		MXGW_PROTO_BIT(MXGW_PROTO_UDP)

#define DNS_PORT	53

/* The columns of the zone lines: names are padded to this at least. */
#define DNS_NAME_COLUMN	24
/* An MX preference takes at least this many digits' room. */
#define DNS_PREF_DIGITS	2

/* A fully qualified name: the trailing dot of zone file syntax. */
#define FQDN_LEN	(MXGW_CONF_DNS_NAME_MAX + 2)

/* ---- DNS records ------------------------------------------------------- */

const char *mxgw_dns_missing(const struct mxgw_conf_file *conf)
{
	if (!conf->domain[0] && !conf->mx_host[0])
		return "domain and mx-host";
	if (!conf->domain[0])
		return "domain";
	if (!conf->mx_host[0])
		return "mx-host";
	return NULL;
}

static void fqdn(const char *name, char *buf)
{
	snprintf(buf, FQDN_LEN, "%s.", name);
}

static unsigned int digits(unsigned int v)
{
	unsigned int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Everything the zone lines are made of, worked out once. */
struct zone {
	char domain[FQDN_LEN];
	char mx_host[FQDN_LEN];
	char backup[MXGW_CONF_MAX_BACKUP_MX][FQDN_LEN];
	char public_addr[INET_ADDRSTRLEN];
	char mailserver[INET_ADDRSTRLEN];
	char mailserver6[INET6_ADDRSTRLEN];	/* "" without one */
	bool mx_in_domain;
	int name_width;		/* the name column, with its padding */
	int pref_width;		/* the preference column, with its padding */
};

static void zone_of(const struct mxgw_conf_file *conf, struct zone *z)
{
	unsigned int pref_digits = DNS_PREF_DIGITS;
	size_t name_len = strlen(conf->mx_host) + 1;

	fqdn(conf->domain, z->domain);
	fqdn(conf->mx_host, z->mx_host);
	inet_ntop(AF_INET, &conf->policy.public_addr, z->public_addr,
		  sizeof(z->public_addr));
	inet_ntop(AF_INET, &conf->policy.mailserver_addr, z->mailserver,
		  sizeof(z->mailserver));
	z->mailserver6[0] = '\0';
	if (conf->policy.has_mailserver6)
		inet_ntop(AF_INET6, &conf->policy.mailserver6, z->mailserver6,
			  sizeof(z->mailserver6));
	z->mx_in_domain = mxgw_dns_name_within(conf->mx_host, conf->domain);
	if (strlen(z->domain) > name_len)
		name_len = strlen(z->domain);
	if (digits(conf->mx_preference) > pref_digits)
		pref_digits = digits(conf->mx_preference);
	for (unsigned int i = 0; i < conf->nbackup_mx; i++) {
		fqdn(conf->backup_mx[i].host, z->backup[i]);
		if (digits(conf->backup_mx[i].preference) > pref_digits)
			pref_digits = digits(conf->backup_mx[i].preference);
	}
	/* At least one blank after the longest name. */
	z->name_width = name_len + 1 > DNS_NAME_COLUMN ?
			(int)name_len + 1 : DNS_NAME_COLUMN;
	z->pref_width = (int)pref_digits + 2;
}

/* MX and A data start in the same column: "MX  10  host", "A       addr". */
static void print_mx(FILE *out, const struct zone *z, const char *name,
		     unsigned int pref, const char *host)
{
	fprintf(out, "%-*sIN  MX  %-*u%s\n", z->name_width, name, z->pref_width,
		pref, host);
}

static void print_a(FILE *out, const struct zone *z, const char *name,
		    const char *addr)
{
	fprintf(out, "%-*sIN  A   %*s%s\n", z->name_width, name, z->pref_width,
		"", addr);
}

/* "AAAA" is as wide as "A   ": the addresses stay in one column. */
static void print_aaaa(FILE *out, const struct zone *z, const char *name,
		       const char *addr)
{
	if (addr[0])
		fprintf(out, "%-*sIN  AAAA%*s%s\n", z->name_width, name, z->pref_width,
			"", addr);
}

int mxgw_dns_format(const struct mxgw_conf_file *conf, FILE *out)
{
	struct zone z;

	if (mxgw_dns_missing(conf))
		return -ENODATA;
	zone_of(conf, &z);
	fprintf(out, "; public zone (%s), at the provider's DNS\n",
		conf->domain);
	print_mx(out, &z, z.domain, conf->mx_preference, z.mx_host);
	for (unsigned int i = 0; i < conf->nbackup_mx; i++)
		print_mx(out, &z, z.domain, conf->backup_mx[i].preference,
			 z.backup[i]);
	/* Legal, but its A record then lives in another zone. */
	if (!z.mx_in_domain)
		fprintf(out, "; %s is outside %s: this record goes in its own zone\n",
			z.mx_host, conf->domain);
	print_a(out, &z, z.mx_host, z.public_addr);
	/* IPv6 is routed, not translated: the same address both ways */
	print_aaaa(out, &z, z.mx_host, z.mailserver6);
	fprintf(out, "; local DNS, for the LAN\n");
	print_a(out, &z, z.mx_host, z.mailserver);
	print_aaaa(out, &z, z.mx_host, z.mailserver6);
	return ferror(out) ? -EIO : 0;
}

static void json_mx(struct json *j, const char *name, unsigned int pref,
		    const char *host)
{
	json_object_start(j);
	json_kv_string(j, "name", name);
	json_kv_string(j, "type", "MX");
	json_kv_uint(j, "preference", pref);
	json_kv_string(j, "target", host);
	json_object_end(j);
}

static void json_addr(struct json *j, const char *name, const char *type,
		      const char *addr)
{
	json_object_start(j);
	json_kv_string(j, "name", name);
	json_kv_string(j, "type", type);
	json_kv_string(j, "address", addr);
	json_object_end(j);
}

static void json_a(struct json *j, const char *name, const char *addr)
{
	json_addr(j, name, "A", addr);
}

static void json_aaaa(struct json *j, const char *name, const char *addr)
{
	if (addr[0])
		json_addr(j, name, "AAAA", addr);
}

int mxgw_dns_format_json(const struct mxgw_conf_file *conf, struct json *j)
{
	struct zone z;

	if (mxgw_dns_missing(conf))
		return -ENODATA;
	zone_of(conf, &z);
	json_object_start(j);
	json_kv_string(j, "domain", z.domain);
	json_key(j, "public");
	json_array_start(j);
	json_mx(j, z.domain, conf->mx_preference, z.mx_host);
	for (unsigned int i = 0; i < conf->nbackup_mx; i++)
		json_mx(j, z.domain, conf->backup_mx[i].preference, z.backup[i]);
	json_a(j, z.mx_host, z.public_addr);
	json_aaaa(j, z.mx_host, z.mailserver6);
	json_array_end(j);
	json_key(j, "local");
	json_array_start(j);
	json_a(j, z.mx_host, z.mailserver);
	json_aaaa(j, z.mx_host, z.mailserver6);
	json_array_end(j);
	json_kv_bool(j, "mx_host_in_domain", z.mx_in_domain);
	json_object_end(j);
	return ferror(j->out) ? -EIO : 0;
}

/* ---- advice checks ----------------------------------------------------- */

/* Where the findings go: counted always, stored while there is room. */
struct findings {
	const struct mxgw_conf_file *conf;
	struct mxgw_finding *out;
	unsigned int max;
	unsigned int n;
};

__attribute__((format(printf, 5, 6)))
static void warn(struct findings *fs, unsigned int line, const char *field,
		 const char *sub, const char *fmt, ...)
{
	struct mxgw_finding *f;
	va_list ap;

	if (fs->n++ >= fs->max)
		return;
	f = &fs->out[fs->n - 1];
	memset(f, 0, sizeof(*f));
	f->severity = MXGW_SEV_WARNING;
	f->line = line;
	snprintf(f->field, sizeof(f->field), "%s", field);
	snprintf(f->sub, sizeof(f->sub), "%s", sub ? sub : "");
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/* An IPv4 range and what it is. */
struct range {
	uint32_t net;		/* host byte order */
	unsigned int len;
	const char *cidr;
	const char *what;
};

/* RFC 1918: where the guide's LAN (192.168.1.0/24) comes from. */
static const struct range private_ranges[] = {
	{ 0x0a000000, 8, "10.0.0.0/8", "private, RFC 1918" },
	{ 0xac100000, 12, "172.16.0.0/12", "private, RFC 1918" },
	{ 0xc0a80000, 16, "192.168.0.0/16", "private, RFC 1918" },
};

/* Not routed on the Internet either, so no public address. */
static const struct range unroutable_ranges[] = {
	{ 0x64400000, 10, "100.64.0.0/10", "carrier-grade NAT, RFC 6598" },
	{ 0xa9fe0000, 16, "169.254.0.0/16", "link-local, RFC 3927" },
};

static const struct range *range_of(__be32 addr, const struct range *r,
				    size_t n)
{
	uint32_t a = ntohl(addr);

	for (size_t i = 0; i < n; i++)
		if ((a >> (32 - r[i].len)) == (r[i].net >> (32 - r[i].len)))
			return &r[i];
	return NULL;
}

static void check_addresses(struct findings *fs)
{
	const struct mxgw_conf_file *conf = fs->conf;
	char a[INET_ADDRSTRLEN];
	const struct range *r;

	r = range_of(conf->policy.public_addr, private_ranges,
		     ARRAY_SIZE(private_ranges));
	if (!r)
		r = range_of(conf->policy.public_addr, unroutable_ranges,
			     ARRAY_SIZE(unroutable_ranges));
	if (r) {
		inet_ntop(AF_INET, &conf->policy.public_addr, a, sizeof(a));
		warn(fs, conf->lines.public_addr, "public", NULL,
		     "%s is in %s (%s), which the Internet cannot reach: the MX host's A record must be an address other mail servers can connect to (behind another NAT, that NAT has to map the ports too)",
		     a, r->cidr, r->what);
	}
	if (!range_of(conf->policy.mailserver_addr, private_ranges,
		      ARRAY_SIZE(private_ranges))) {
		inet_ntop(AF_INET, &conf->policy.mailserver_addr, a, sizeof(a));
		warn(fs, conf->lines.mailserver, "mailserver", NULL,
		     "%s is not a private address (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16): the Kerio MailServer guide (section 1.1) puts the mail server on the LAN behind the gateway, reachable from the Internet only through the mapped ports",
		     a);
	}
}

static void check_default(struct findings *fs)
{
	const struct mxgw_conf_file *conf = fs->conf;

	if (conf->policy.default_verdict != MXGW_ALLOW)
		return;
	warn(fs, conf->lines.default_verdict, "default", NULL,
	     "allow opens every port the table does not list, incoming to the mail server and outgoing to the Internet; Table 1.1 of the Kerio MailServer guide maps only the services it names, so use default deny and list what must pass");
}

/* The plaintext services of Table 1.1 and their SSL/TLS twins. */
static const struct {
	__u16 port;
	const char *name;
	const char *tls;
} plaintext[] = {
	{ 110, "POP3", "POP3S (995)" },
	{ 143, "IMAP", "IMAPS (993)" },
	{ 119, "NNTP", "NNTPS (563)" },
	{ 389, "LDAP", "LDAPS (636)" },
	{ 80, "HTTP", "HTTPS (443)" },
};

static void check_plaintext(struct findings *fs)
{
	const struct mxgw_conf_file *conf = fs->conf;
	char field[MXGW_FINDING_FIELD_LEN];

	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *svc = &conf->policy.services[i];

		/* to the gateway, the mail server's passwords never pass */
		if (svc->verdict[MXGW_DIR_IN] != MXGW_ALLOW ||
		    !(svc->protos & TCP_BIT) || svc->to_gateway)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(plaintext); k++) {
			if (svc->port != plaintext[k].port)
				continue;
			snprintf(field, sizeof(field), "service %s", svc->name);
			warn(fs, conf->lines.service[i], field, "incoming",
			     "allow maps plaintext %s (%u/tcp) from the Internet, where passwords would cross in clear; Table 1.1 of the Kerio MailServer guide maps only SSL/TLS services from the Internet: offer %s and deny %u",
			     plaintext[k].name, plaintext[k].port,
			     plaintext[k].tls, plaintext[k].port);
		}
	}
}

/* The ports Table 1.1 maps from the Internet to the mail server. */
static const struct {
	__u16 port;
	const char *name;
} mapped[] = {
	{ 25, "SMTP" }, { 465, "SMTPS" }, { 995, "POP3S" }, { 993, "IMAPS" },
	{ 563, "NNTPS" }, { 636, "LDAPS" }, { 443, "HTTPS" },
};

/*
 * "to gateway" on a port the mail server's clients use: they reach the
 * gateway instead.  Legal (the gateway may run a relay or a web server),
 * so a warning; the other side, no from, the parser warns about.
 */
static void check_to_gateway(struct findings *fs)
{
	const struct mxgw_conf_file *conf = fs->conf;
	char field[MXGW_FINDING_FIELD_LEN];

	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *svc = &conf->policy.services[i];

		if (!svc->to_gateway || !(svc->protos & TCP_BIT))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(mapped); k++) {
			if (svc->port != mapped[k].port)
				continue;
			snprintf(field, sizeof(field), "service %s", svc->name);
			if (svc->port == 25)
				warn(fs, conf->lines.service[i], field, "to",
				     "gateway takes SMTP (25/tcp) from the mail server: every SMTP server on the Internet delivering to the MX host reaches the gateway instead, so no mail reaches the mail server through mxgw (Table 1.1 of the Kerio MailServer guide maps 25 to it)");
			else
				warn(fs, conf->lines.service[i], field, "to",
				     "gateway takes %s (%u/tcp) from the mail server: its clients on the Internet reach the gateway instead (Table 1.1 of the Kerio MailServer guide maps %u to the mail server)",
				     mapped[k].name, svc->port, svc->port);
		}
	}
}

/*
 * A limit on SMTP (25/tcp) below what legitimate MTAs need: a sending
 * Postfix opens up to default_destination_concurrency_limit = 20
 * connections to one destination at once, and a large provider's
 * outbound relay delivers from one address (or /64) all day, far more
 * than one message a second at peak.  Below a burst of 20 or a rate of
 * 1/s, their mail is delayed (a dropped SYN is retried, then deferred).
 */
#define SMTP_LIMIT_MIN_BURST	20
#define SMTP_LIMIT_MIN_PER_S	1

static void check_limits(struct findings *fs)
{
	const struct mxgw_conf_file *conf = fs->conf;
	char field[MXGW_FINDING_FIELD_LEN];

	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *svc = &conf->policy.services[i];
		bool slow;

		if (!svc->limit.rate || svc->port != 25 || !(svc->protos & TCP_BIT) ||
		    svc->to_gateway)
			continue;
		slow = svc->limit.rate < SMTP_LIMIT_MIN_PER_S * svc->limit.per_s;
		if (!slow && svc->limit.burst >= SMTP_LIMIT_MIN_BURST)
			continue;
		snprintf(field, sizeof(field), "limit %s", svc->name);
		warn(fs, conf->lines.limit[i], field, slow ? "rate" : "burst",
		     "%u/%s burst %u on SMTP (25/tcp) is below what legitimate MTAs need (a burst of %d: a Postfix opens up to 20 connections to one destination at once; %d/s: a large provider sends from one address all day): their mail is delayed%s",
		     svc->limit.rate, mxgw_limit_unit(svc->limit.per_s), svc->limit.burst,
		     SMTP_LIMIT_MIN_BURST, SMTP_LIMIT_MIN_PER_S,
		     svc->limit.ban_s ? ", and with ban refused for the ban's time" : "");
	}
}

/*
 * A syn-flood threshold on SMTP (25/tcp) below what legitimate MTAs need:
 * one Postfix flushing its queue to us opens up to
 * default_destination_concurrency_limit = 20 connections at once, so
 * below 20 SYNs a second (all sources together) one ordinary sender turns
 * flood mode on, and for the next 10 s every new peer is challenged: its
 * first connection waits a SYN retransmission (1 s on Linux, 3 s on older
 * Windows), and a peer behind a firewall that swallows the challenge's
 * SYN-ACK does not get in at all (docs/SYNFLOOD.md).
 */
#define SMTP_SYN_FLOOD_MIN_PER_S	20

static void check_synfloods(struct findings *fs)
{
	const struct mxgw_conf_file *conf = fs->conf;
	char field[MXGW_FINDING_FIELD_LEN];

	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *svc = &conf->policy.services[i];

		if (!svc->syn_flood_rate || svc->port != 25 || !(svc->protos & TCP_BIT) ||
		    svc->to_gateway || svc->syn_flood_rate >= SMTP_SYN_FLOOD_MIN_PER_S)
			continue;
		snprintf(field, sizeof(field), "syn-flood %s", svc->name);
		warn(fs, conf->lines.syn_flood[i], field, "rate",
		     "%u/s on SMTP (25/tcp) is below what legitimate MTAs need (%d/s: a Postfix opens up to 20 connections to one destination at once): one sender's queue run turns flood mode on, and every new peer's first connection waits a SYN retransmission",
		     svc->syn_flood_rate, SMTP_SYN_FLOOD_MIN_PER_S);
	}
}

static const struct mxgw_policy_service *
listed(const struct mxgw_conf_file *conf, __u8 bit, __u16 port)
{
	for (unsigned int i = 0; i < conf->policy.nservices; i++)
		if (conf->policy.services[i].port == port &&
		    (conf->policy.services[i].protos & bit))
			return &conf->policy.services[i];
	return NULL;
}

/* The line of the setting that decides outgoing @bit/53: its service or default. */
static void dns_place(const struct mxgw_conf_file *conf,
		      const struct mxgw_policy_service *svc, unsigned int *line,
		      char *field, size_t len)
{
	if (svc) {
		*line = conf->lines.service[svc - conf->policy.services];
		snprintf(field, len, "service %s", svc->name);
	} else {
		/* An implicit default deny is nowhere: the end of the file. */
		*line = conf->lines.default_verdict ? conf->lines.default_verdict :
						      conf->lines.last;
		snprintf(field, len, "default");
	}
}

/*
 * A mail server that cannot resolve MX records delivers nothing; one that
 * can only ask over UDP loses every answer too large for it (RFC 7766).
 */
static void check_dns(struct findings *fs)
{
	const struct mxgw_conf_file *conf = fs->conf;
	const struct mxgw_policy_service *udp = listed(conf, UDP_BIT, DNS_PORT);
	const struct mxgw_policy_service *tcp = listed(conf, TCP_BIT, DNS_PORT);
	bool udp_denied = (udp ? udp->verdict[MXGW_DIR_OUT] :
				 conf->policy.default_verdict) != MXGW_ALLOW;
	bool tcp_denied = (tcp ? tcp->verdict[MXGW_DIR_OUT] :
				 conf->policy.default_verdict) != MXGW_ALLOW;
	char field[MXGW_FINDING_FIELD_LEN];
	const char *what;
	unsigned int line;

	if (udp_denied) {
		dns_place(conf, udp, &line, field, sizeof(field));
		/* The same setting denies both: one finding. */
		what = tcp_denied && tcp == udp ? "53/udp and 53/tcp" : "53/udp";
		if (udp)
			warn(fs, line, field, "outgoing",
			     "deny leaves the mail server no DNS (%s): it cannot look up its recipients' MX records, so it delivers no mail",
			     what);
		else
			warn(fs, line, field, NULL,
			     "deny%s, and no service allows outgoing DNS (%s): the mail server cannot look up its recipients' MX records, so it delivers no mail (service dns 53/tcp,udp allow deny)",
			     conf->lines.default_verdict ? "" : " (implicit)",
			     what);
		if (tcp == udp)
			return;
	}
	if (!tcp_denied)
		return;
	dns_place(conf, tcp, &line, field, sizeof(field));
	if (tcp)
		warn(fs, line, field, "outgoing",
		     "deny blocks DNS over TCP (53/tcp): answers too large for UDP (long TXT records for SPF and DKIM, DNSSEC) are retried over TCP and fail (RFC 7766)");
	else
		warn(fs, line, field, NULL,
		     "deny%s, and no service allows outgoing DNS over TCP (53/tcp): answers too large for UDP (long TXT records for SPF and DKIM, DNSSEC) are retried over TCP and fail (RFC 7766)",
		     conf->lines.default_verdict ? "" : " (implicit)");
}

/* ---- IPv6 ---------------------------------------------------------------- */

static const char *ip6_str(const struct mxgw_in6 *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/* "P/L, P/L" of @n prefixes of the data plane's form, into @buf. */
static void prefixes6_str(const struct mxgw_prefix6 *p, unsigned int n, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < len; i++) {
		unsigned int bits = 0;

		for (unsigned int w = 0; w < 4; w++)
			bits += __builtin_popcount(p[i].mask.a[w]);
		used += snprintf(buf + used, len - used, "%s%s/%u", i ? ", " : "",
				 ip6_str(&p[i].net, a), bits);
	}
}

/* Unique local (RFC 4193): routed inside a site, never on the Internet. */
static bool ula(const struct mxgw_in6 *a)
{
	return (ntohl(a->a[0]) >> 25) == (0xfc000000u >> 25);
}

static void check_mailserver6(struct findings *fs, const struct mxgw_advice_host *host)
{
	const struct mxgw_conf_file *conf = fs->conf;
	const struct mxgw_policy *pol = &conf->policy;
	char a[INET6_ADDRSTRLEN], list[200];
	unsigned int line = conf->lines.mailserver6;
	bool inside = false;

	if (!pol->has_mailserver6)
		return;
	ip6_str(&pol->mailserver6, a);
	if (ula(&pol->mailserver6))
		warn(fs, line, "mailserver6", NULL,
		     "%s is in fc00::/7 (unique local, RFC 4193), which the Internet cannot reach: the MX host's AAAA record must be a global address other mail servers can connect to",
		     a);
	if (pol->nlan6) {
		struct mxgw_prefix6 p[MXGW_LAN6_MAX];

		for (unsigned int i = 0; i < pol->nlan6; i++) {
			p[i] = mxgw_prefix6_of(&pol->lan6[i]);
			inside |= mxgw_prefix6_contains(&p[i], &pol->mailserver6);
		}
		prefixes6_str(p, pol->nlan6, list, sizeof(list));
		if (!inside)
			warn(fs, line, "mailserver6", NULL,
			     "%s is outside lan6 (%s, line %u), the LAN's prefixes where the mail server is: one of the two is mistyped, or lan6 misses the mail server's prefix",
			     a, list, conf->lines.lan6);
	} else if (host && host->lan6_dev[0] && !host->nlan6) {
		warn(fs, line, "mailserver6", NULL,
		     "%s is routed through %s, which has no global IPv6 prefix: load finds no LAN prefix to guard (give %s an address in the mail server's prefix, or name the LAN's prefixes with lan6)",
		     a, host->lan6_dev, host->lan6_dev);
	} else if (host && host->lan6_dev[0]) {
		for (unsigned int i = 0; i < host->nlan6; i++)
			inside |= mxgw_prefix6_contains(&host->lan6[i], &pol->mailserver6);
		prefixes6_str(host->lan6, host->nlan6, list, sizeof(list));
		if (!inside)
			warn(fs, line, "mailserver6", NULL,
			     "%s is outside the prefixes connected on %s (%s), where the route to it leaves, which load takes for the LAN's: it is behind a router there, so name the LAN's prefixes with lan6",
			     a, host->lan6_dev, list);
	}
	if (host && host->ip6_forward == 0)
		warn(fs, line, "mailserver6", NULL,
		     "IPv6 forwarding is off on this host (net.ipv6.conf.all.forwarding = 0): nothing reaches %s over IPv6 (sysctl -w net.ipv6.conf.all.forwarding=1, and a line in /etc/sysctl.d to keep it)",
		     a);
}

/* A lan6 prefix the WAN link shares: its hosts would look spoofed. */
static void check_lan6(struct findings *fs, const struct mxgw_advice_host *host)
{
	const struct mxgw_conf_file *conf = fs->conf;
	const struct mxgw_policy *pol = &conf->policy;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (!host)
		return;
	for (unsigned int i = 0; i < pol->nlan6; i++) {
		for (unsigned int k = 0; k < host->nwan6 && k < MXGW_ADVICE_WAN6_MAX; k++) {
			const struct mxgw_cidr6 *w = &host->wan6[k].pfx;

			if (!mxgw_cidr6_overlap(&pol->lan6[i], w))
				continue;
			warn(fs, conf->lines.lan6, "lan6", NULL,
			     "%s/%u overlaps %s/%u of the WAN interface %s: its hosts there (the provider's router among them) would be taken for LAN sources arriving on the WAN and dropped as spoofed",
			     ip6_str(&pol->lan6[i].addr, a), pol->lan6[i].len,
			     ip6_str(&w->addr, b), w->len, host->wan6[k].dev);
		}
	}
}

/* Stable, by line: the order an operator reads the file in. */
static void sort_by_line(struct mxgw_finding *f, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		struct mxgw_finding tmp = f[i];
		unsigned int k = i;

		while (k > 0 && f[k - 1].line > tmp.line) {
			f[k] = f[k - 1];
			k--;
		}
		f[k] = tmp;
	}
}

unsigned int mxgw_advice_check_host(const struct mxgw_conf_file *conf,
				    const struct mxgw_advice_host *host,
				    struct mxgw_finding *out, unsigned int max)
{
	struct findings fs = { .conf = conf, .out = out, .max = max };

	check_addresses(&fs);
	check_default(&fs);
	check_plaintext(&fs);
	check_to_gateway(&fs);
	check_limits(&fs);
	check_synfloods(&fs);
	check_dns(&fs);
	check_mailserver6(&fs, host);
	check_lan6(&fs, host);
	sort_by_line(out, fs.n < max ? fs.n : max);
	return fs.n;
}

unsigned int mxgw_advice_check(const struct mxgw_conf_file *conf,
			       struct mxgw_finding *out, unsigned int max)
{
	return mxgw_advice_check_host(conf, NULL, out, max);
}

void mxgw_finding_print(const struct mxgw_conf_file *conf,
			const struct mxgw_finding *f, FILE *out)
{
	fprintf(out, "%s:%u: %s: %s", conf->path, f->line,
		f->severity == MXGW_SEV_ERROR ? "error" : "warning", f->field);
	if (f->sub[0])
		fprintf(out, ": %s", f->sub);
	fprintf(out, ": %s\n", f->message);
}
