// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * config.c - the mxgw.conf parser.
 *
 * One line-oriented parser serves both a file and a string: a file is read
 * whole into memory first (it is small: a config larger than 1 MiB is
 * refused), so mxctl and the unit tests exercise exactly the same code.
 * The parser keeps going after an error so that an operator sees every
 * mistake in one run, and only a config without a single error leaves
 * anything in *conf.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "config.h"
#include "bans.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The longest valid line has 9 fields ("service NAME PORT OUT IN from
 * LIST to gateway"); one more slot keeps the first surplus field for the
 * message.
 */
#define MAX_TOKENS	10

/* "service " + a valid name: the prefix of every service field name. */
#define SVC_FIELD_LEN	(sizeof("service ") + MXGW_SVC_NAME_LEN)

#define SMTP_PORT	25

/* Masquerading never uses the well-known ports. */
#define NAT_PORT_LOWEST	1024
/* Fewer usable ports than this get a warning. */
#define NAT_PORTS_ENOUGH	1024

/* "timeout " + the longest state name. */
#define TIMEOUT_FIELD_LEN	32

/* RFC 1035 2.3.4: a label is 63 octets at most. */
#define DNS_LABEL_MAX	63

/* The bytes of the config, NULs included (a file's, or a string's). */
struct reader {
	const char *text;
	size_t len;
	size_t pos;
};

/* A keyword that may appear once and carries one host address. */
struct host_setting {
	const char *keyword;
	__be32 *addr;
	unsigned int line;	/* 0 until set */
	bool seen;		/* written, even with a bad value: not missing */
};

enum { HOST_PUBLIC, HOST_MAILSERVER, HOST_MAX };

struct parser {
	const char *path;
	FILE *err;		/* may be NULL: count errors, print nothing */
	struct mxgw_conf_file *conf;
	unsigned int line;	/* current line, 1-based; 0 before the first */
	unsigned int nerrors;
	struct host_setting host[HOST_MAX];
	/* Where each once-only setting was seen; 0 until then. */
	unsigned int default_line;
	unsigned int icmp_echo_line;
	unsigned int nat_ports_line;
	unsigned int conntrack_max_line;
	unsigned int timeout_line[MXGW_CT_STATE_MAX];
	unsigned int log_rate_line;
	unsigned int mailserver6_line;
	unsigned int lan6_line;
	unsigned int xdp_attach_line;
	unsigned int xdp_priority_line;
	unsigned int xdp_redirect_line;
	/* The DNS keywords: once-only ones, and the first of any of them. */
	unsigned int domain_line;
	unsigned int mx_host_line;
	unsigned int mx_preference_line;
	unsigned int dns_first_line;
	bool dns_error;		/* a DNS keyword line had an error */
	bool unreadable;	/* a line could not be read: too long, NUL, CR */
	/* each blocklist's line and "services" list, checked once every
	 * service is known (a list may name one defined further down) */
	unsigned int blocklist_line[MXGW_BL_MAX];
	char blocklist_services[MXGW_BL_MAX][MXGW_CONF_MAX_LINE + 1];
	/* each limit, resolved once every service is known (a limit may
	 * name one defined further down) */
	unsigned int nlimits;
	struct conf_limit {
		unsigned int line;
		char service[MXGW_SVC_NAME_LEN];
		__u32 rate, per_s, burst, ban_s;
	} limits[MXGW_MAX_SERVICES - 1];
	/* each syn-flood, resolved as the limits are */
	unsigned int nsynfloods;
	struct conf_synflood {
		unsigned int line;
		char service[MXGW_SVC_NAME_LEN];
		__u32 rate, budget;
	} synfloods[MXGW_MAX_SERVICES - 1];
};

/* One raw line after comment stripping, split into fields. */
struct fields {
	char *tok[MAX_TOKENS];
	unsigned int n;		/* all fields, even those beyond MAX_TOKENS */
};

static void vreport(struct parser *p, bool is_error, const char *field,
		    const char *sub, const char *fmt, va_list ap)
{
	if (is_error)
		p->nerrors++;
	else
		p->conf->nwarnings++;
	if (!p->err)
		return;
	fprintf(p->err, "%s:%u: %s: %s", p->path, p->line,
		is_error ? "error" : "warning", field);
	if (sub)
		fprintf(p->err, ": %s", sub);
	fputs(": ", p->err);
	vfprintf(p->err, fmt, ap);
	fputc('\n', p->err);
}

/* "PATH:LINE: error: FIELD[: SUB]: message" */
__attribute__((format(printf, 4, 5)))
static void conf_error(struct parser *p, const char *field, const char *sub,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, true, field, sub, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5)))
static void conf_warn(struct parser *p, const char *field, const char *sub,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, false, field, sub, fmt, ap);
	va_end(ap);
}

static int reader_getc(struct reader *r)
{
	return r->pos < r->len ? (unsigned char)r->text[r->pos++] : EOF;
}

static int reader_peek(const struct reader *r)
{
	return r->pos < r->len ? (unsigned char)r->text[r->pos] : EOF;
}

/* What made a line unreadable: LINE_* bits. */
#define LINE_OVERFLOW	0x01	/* longer than the buffer */
#define LINE_NUL	0x02	/* a NUL byte */
#define LINE_BARE_CR	0x04	/* a CR that is no CRLF's: CR-only line ends */

/*
 * Read one line into @buf without its line end, keeping at most
 * @size - 1 bytes; *@bad gets LINE_* bits.  The rest of an over-long line
 * is consumed anyway, so that the next call starts on the next line and
 * line numbers stay right.  Returns the length kept, or -1 at the end of
 * the input.
 */
static int read_line(struct reader *r, char *buf, size_t size, unsigned int *bad)
{
	size_t len = 0;
	bool any = false;
	int c;

	*bad = 0;
	while ((c = reader_getc(r)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (c == '\0')
			*bad |= LINE_NUL;
		/* a file with CR-only line ends is one long line here */
		if (c == '\r' && reader_peek(r) != '\n' && reader_peek(r) != EOF)
			*bad |= LINE_BARE_CR;
		if (len + 1 < size)
			buf[len++] = (char)c;
		else
			*bad |= LINE_OVERFLOW;
	}
	if (!any)
		return -1;
	/* Tolerate CRLF (and a last line ending in CR alone): a '\r' would
	 * otherwise stick to the last field. */
	if (!(*bad & LINE_OVERFLOW) && len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return (int)len;
}

/* Cut the comment off and split on blanks; @line is modified in place. */
static void split_fields(char *line, struct fields *f)
{
	char *hash = strchr(line, '#');
	char *s = line;

	if (hash)
		*hash = '\0';
	f->n = 0;
	for (;;) {
		s += strspn(s, " \t");
		if (!*s)
			break;
		if (f->n < MAX_TOKENS)
			f->tok[f->n] = s;
		f->n++;
		s += strcspn(s, " \t");
		if (*s)
			*s++ = '\0';
	}
}

/*
 * Plain decimal of @len bytes: digits only, no sign, no blanks, and no
 * leading zero so that "025" is not silently read as 25 by someone who
 * meant octal.
 */
static bool is_decimal(const char *s, size_t len)
{
	if (!len || (s[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The value of a plain decimal of @len bytes, if it is at most @max. */
static bool parse_decimal_len(const char *s, size_t len, unsigned long max,
			      unsigned long *val)
{
	unsigned long v = 0;

	if (!is_decimal(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return false;
	}
	*val = v;
	return true;
}

static bool parse_decimal(const char *s, unsigned long max, unsigned long *val)
{
	return parse_decimal_len(s, strlen(s), max, val);
}

static bool parse_verdict(const char *s, __u8 *verdict)
{
	if (!strcmp(s, "allow"))
		*verdict = MXGW_ALLOW;
	else if (!strcmp(s, "deny"))
		*verdict = MXGW_DENY;
	else
		return false;
	return true;
}

/* inet_pton accepts exactly four dotted decimal octets, nothing else. */
static bool parse_ipv4(const char *s, __be32 *addr)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*addr = in.s_addr;
	return true;
}

/* Why @addr cannot be a host's own address, or NULL if it can. */
static const char *unusable_host_reason(__be32 addr)
{
	uint32_t a = ntohl(addr);

	if ((a >> 24) == 0)
		return "this network, 0.0.0.0/8";
	if ((a >> 24) == 127)
		return "loopback, 127.0.0.0/8";
	if ((a >> 28) == 0xe)
		return "multicast, 224.0.0.0/4";
	if (a == 0xffffffffu)
		return "limited broadcast";
	if ((a >> 28) == 0xf)
		return "reserved, 240.0.0.0/4";
	return NULL;
}

static bool parse_host_addr(struct parser *p, const char *keyword,
			    const char *s, __be32 *addr)
{
	const char *why;

	if (!parse_ipv4(s, addr)) {
		conf_error(p, keyword, NULL,
			   "\"%s\" is not a dotted-quad IPv4 address", s);
		return false;
	}
	why = unusable_host_reason(*addr);
	if (why) {
		conf_error(p, keyword, NULL,
			   "%s is not a unicast host address (%s)", s, why);
		return false;
	}
	return true;
}

/* Exactly one value after the keyword. */
static bool check_one_value(struct parser *p, const struct fields *f,
			    const char *what)
{
	if (f->n < 2) {
		conf_error(p, f->tok[0], NULL, "missing %s", what);
		return false;
	}
	if (f->n > 2) {
		conf_error(p, f->tok[0], NULL, "extra field \"%s\"", f->tok[2]);
		return false;
	}
	return true;
}

/*
 * A setting that may appear once: records the line, or reports the
 * earlier one.  Called after the value was found valid, as for public.
 */
static bool set_once(struct parser *p, const char *field, unsigned int *line)
{
	if (*line) {
		conf_error(p, field, NULL, "already set on line %u", *line);
		return false;
	}
	*line = p->line;
	return true;
}

/* public / mailserver: once each, and never the same address. */
static void parse_host(struct parser *p, const struct fields *f, int which)
{
	struct host_setting *h = &p->host[which];
	const struct host_setting *other = &p->host[!which];
	__be32 addr;

	h->seen = true;
	if (!check_one_value(p, f, "address"))
		return;
	if (!parse_host_addr(p, h->keyword, f->tok[1], &addr))
		return;
	if (h->line) {
		conf_error(p, h->keyword, NULL, "already set on line %u",
			   h->line);
		return;
	}
	if (other->line && *other->addr == addr) {
		conf_error(p, h->keyword, NULL, "same address as %s (line %u)",
			   other->keyword, other->line);
		return;
	}
	*h->addr = addr;
	h->line = p->line;
}

/* ---- IPv6: mailserver6, lan6 -------------------------------------------- */

/* The IPv6 ranges no mail server nor LAN prefix can be in (RFC 4291, 3879). */
static const struct {
	const char *net;
	__u8 len;
	const char *what;
} v6_not_global[] = {
	{ "::", 128, "unspecified, ::" },
	{ "::1", 128, "loopback, ::1" },
	{ "::ffff:0:0", 96, "IPv4-mapped, ::ffff:0:0/96" },
	{ "::", 96, "IPv4-compatible, ::/96, deprecated" },
	{ "fe80::", 10, "link-local, fe80::/10: never forwarded" },
	{ "fec0::", 10, "site-local, fec0::/10, deprecated" },
	{ "ff00::", 8, "multicast, ff00::/8" },
};

/* inet_pton's full IPv6 syntax (a dotted IPv4 tail included), nothing else:
 * no zone index, no brackets. */
static bool parse_ipv6(const char *s, struct mxgw_in6 *addr)
{
	_Static_assert(sizeof(*addr) == sizeof(struct in6_addr), "mxgw_in6 is an in6_addr");
	return inet_pton(AF_INET6, s, addr) == 1;
}

/* Which range of v6_not_global @c overlaps (a host: /128); NULL if none. */
static const char *v6_not_global_reason(const struct mxgw_cidr6 *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(v6_not_global); i++) {
		struct mxgw_cidr6 r = { .len = v6_not_global[i].len };

		parse_ipv6(v6_not_global[i].net, &r.addr);
		if (mxgw_cidr6_overlap(c, &r))
			return v6_not_global[i].what;
	}
	return NULL;
}

static void format_ipv6(const struct mxgw_in6 *a, char *buf)
{
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/*
 * ADDR[/LEN] of @s into @c: LEN from @min_len to 128, and without it
 * @bare_len (0: the length is required).  Host bits must be zero.
 * @field/@sub name the diagnostics.  False after an error.
 */
static bool parse_cidr6(struct parser *p, const char *field, const char *sub,
			const char *s, unsigned long min_len, __u8 bare_len,
			struct mxgw_cidr6 *c)
{
	char addr[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN];
	size_t alen = strcspn(s, "/");
	unsigned long len = bare_len;
	struct mxgw_prefix6 pfx;

	if (alen < sizeof(addr)) {
		memcpy(addr, s, alen);
		addr[alen] = '\0';
	}
	if (alen >= sizeof(addr) || !parse_ipv6(addr, &c->addr)) {
		conf_error(p, field, sub, "\"%s\" is not an IPv6 %s", s,
			   bare_len ? "address or prefix" : "prefix ADDR/LEN");
		return false;
	}
	if (!s[alen] && !bare_len) {
		conf_error(p, field, sub, "\"%s\": missing /LEN (%lu..128)", s,
			   min_len);
		return false;
	}
	if (s[alen] && (!parse_decimal(s + alen + 1, 128, &len) || len < min_len)) {
		conf_error(p, field, sub, "\"%s\": prefix length must be %lu..128",
			   s, min_len);
		return false;
	}
	c->len = (__u8)len;
	/* the data plane matches on the prefix; stray bits are a typo */
	pfx = mxgw_prefix6_of(c);
	if (!mxgw_in6_eq(&pfx.net, &c->addr)) {
		format_ipv6(&pfx.net, net);
		conf_error(p, field, sub, "\"%s\": host bits set (network is %s/%u)",
			   s, net, c->len);
		return false;
	}
	return true;
}

/* mailserver6 ADDR: the mail server's own global address, once. */
static void parse_mailserver6(struct parser *p, const struct fields *f)
{
	struct mxgw_policy *pol = &p->conf->policy;
	struct mxgw_cidr6 c = { .len = 128 };
	const char *why;

	if (!check_one_value(p, f, "address"))
		return;
	if (!parse_ipv6(f->tok[1], &c.addr)) {
		conf_error(p, "mailserver6", NULL, "\"%s\" is not an IPv6 address",
			   f->tok[1]);
		return;
	}
	why = v6_not_global_reason(&c);
	if (why) {
		conf_error(p, "mailserver6", NULL,
			   "%s is not a global unicast address (%s)", f->tok[1], why);
		return;
	}
	if (!set_once(p, "mailserver6", &p->mailserver6_line))
		return;
	pol->has_mailserver6 = true;
	pol->mailserver6 = c.addr;
}

/*
 * lan6 PREFIX[,PREFIX...]: the LAN's routed prefixes, once, at most
 * MXGW_LAN6_MAX, none overlapping another or a range that is no LAN's.
 * Every entry is checked, so one run shows every bad one.
 */
static void parse_lan6(struct parser *p, const struct fields *f)
{
	struct mxgw_cidr6 lan6[MXGW_LAN6_MAX];
	unsigned int errors = p->nerrors, n = 0, count = 0;
	char *entry, *comma;

	if (f->n < 2) {
		conf_error(p, "lan6", NULL, "missing prefix list");
		return;
	}
	if (f->n > 2) {
		conf_error(p, "lan6", NULL,
			   "extra field \"%s\" (expected one comma-separated list without blanks)",
			   f->tok[2]);
		return;
	}
	for (entry = f->tok[1]; entry; entry = comma ? comma + 1 : NULL) {
		struct mxgw_cidr6 c;
		const char *why;
		bool dup = false;

		comma = strchr(entry, ',');
		if (comma)
			*comma = '\0';
		count++;
		if (!*entry) {
			conf_error(p, "lan6", NULL, "empty entry");
			continue;
		}
		if (!parse_cidr6(p, "lan6", NULL, entry, 1, 0, &c))
			continue;
		why = v6_not_global_reason(&c);
		if (why) {
			conf_error(p, "lan6", NULL, "\"%s\" is not a LAN's global prefix: it overlaps %s",
				   entry, why);
			continue;
		}
		for (unsigned int i = 0; i < n && !dup; i++) {
			char other[INET6_ADDRSTRLEN];

			if (!mxgw_cidr6_overlap(&lan6[i], &c))
				continue;
			format_ipv6(&lan6[i].addr, other);
			conf_error(p, "lan6", NULL, "\"%s\" overlaps %s/%u, listed before",
				   entry, other, lan6[i].len);
			dup = true;
		}
		if (!dup && n < MXGW_LAN6_MAX)
			lan6[n++] = c;
	}
	if (count > MXGW_LAN6_MAX)
		conf_error(p, "lan6", NULL, "more than %d prefixes", MXGW_LAN6_MAX);
	if (p->nerrors != errors || !set_once(p, "lan6", &p->lan6_line))
		return;
	memcpy(p->conf->policy.lan6, lan6, n * sizeof(lan6[0]));
	p->conf->policy.nlan6 = n;
}

/* default / icmp-echo: allow or deny, once. */
static void parse_verdict_setting(struct parser *p, const struct fields *f,
				  __u8 *dst, unsigned int *line)
{
	__u8 verdict;

	if (!check_one_value(p, f, "verdict"))
		return;
	if (!parse_verdict(f->tok[1], &verdict)) {
		conf_error(p, f->tok[0], NULL,
			   "expected allow or deny, got \"%s\"", f->tok[1]);
		return;
	}
	if (set_once(p, f->tok[0], line))
		*dst = verdict;
}

/*
 * nat-ports LO-HI: one field, so "1024 - 2047" is an extra field.  The
 * ports the services take are checked at the end (check_nat_ports), when
 * every service is known.
 */
static void parse_nat_ports(struct parser *p, const struct fields *f)
{
	const char *s, *dash, *hi_s;
	unsigned long lo, hi;
	size_t lo_len;
	bool lo_ok, hi_ok;

	if (f->n < 2) {
		conf_error(p, "nat-ports", NULL, "missing port range");
		return;
	}
	if (f->n > 2) {
		conf_error(p, "nat-ports", NULL,
			   "extra field \"%s\" (expected one LO-HI range without blanks)",
			   f->tok[2]);
		return;
	}
	s = f->tok[1];
	dash = strchr(s, '-');
	lo_len = dash ? (size_t)(dash - s) : 0;
	hi_s = dash ? dash + 1 : "";
	if (!dash || !is_decimal(s, lo_len) ||
	    !is_decimal(hi_s, strlen(hi_s))) {
		conf_error(p, "nat-ports", NULL,
			   "\"%s\" is not a port range LO-HI", s);
		return;
	}
	lo_ok = parse_decimal_len(s, lo_len, 65535, &lo);
	hi_ok = parse_decimal(hi_s, 65535, &hi);
	if (!lo_ok || !hi_ok || lo < NAT_PORT_LOWEST) {
		conf_error(p, "nat-ports", NULL,
			   "\"%s\": ports must be %d..65535", s,
			   NAT_PORT_LOWEST);
		return;
	}
	if (lo > hi) {
		conf_error(p, "nat-ports", NULL,
			   "\"%s\": LO is greater than HI", s);
		return;
	}
	if (!set_once(p, "nat-ports", &p->nat_ports_line))
		return;
	p->conf->policy.nat_port_min = (__u16)lo;
	p->conf->policy.nat_port_max = (__u16)hi;
}

static void parse_conntrack_max(struct parser *p, const struct fields *f)
{
	unsigned long n;

	if (!check_one_value(p, f, "number of entries"))
		return;
	if (!parse_decimal(f->tok[1], MXGW_POLICY_CONNTRACK_MAX_MAX, &n) ||
	    n < MXGW_POLICY_CONNTRACK_MAX_MIN) {
		conf_error(p, "conntrack-max", NULL,
			   "\"%s\" is not a number of entries (%d..%d)",
			   f->tok[1], MXGW_POLICY_CONNTRACK_MAX_MIN,
			   MXGW_POLICY_CONNTRACK_MAX_MAX);
		return;
	}
	if (set_once(p, "conntrack-max", &p->conntrack_max_line))
		p->conf->policy.conntrack_max = (__u32)n;
}

/* enum mxgw_ct_state of a "timeout" name, or -1. */
static int ct_state_by_name(const char *name)
{
	for (int i = 0; i < MXGW_CT_STATE_MAX; i++)
		if (!strcmp(mxgw_ct_state_names[i], name))
			return i;
	return -1;
}

/* "tcp-syn-sent, tcp-syn-recv, ... or icmp" into @buf. */
static const char *ct_state_list(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < MXGW_CT_STATE_MAX && len < size; i++) {
		const char *sep = ", ";

		if (!i)
			sep = "";
		else if (i == MXGW_CT_STATE_MAX - 1)
			sep = " or ";
		len += (size_t)snprintf(buf + len, size - len, "%s%s", sep,
					mxgw_ct_state_names[i]);
	}
	return buf;
}

/*
 * timeout NAME SECONDS: once per NAME.  As for a service, messages after
 * a valid name say "timeout NAME: ...", so the operator knows which one.
 */
static void parse_timeout(struct parser *p, const struct fields *f)
{
	char field[TIMEOUT_FIELD_LEN] = "timeout";
	unsigned int errors = p->nerrors;
	unsigned long secs;
	char names[256];
	int state;

	if (f->n < 2) {
		conf_error(p, "timeout", NULL, "missing name");
		return;
	}
	state = ct_state_by_name(f->tok[1]);
	if (state < 0)
		conf_error(p, "timeout", "name", "unknown \"%s\" (expected %s)",
			   f->tok[1], ct_state_list(names, sizeof(names)));
	else
		snprintf(field, sizeof(field), "timeout %s", f->tok[1]);
	if (f->n < 3) {
		conf_error(p, field, NULL, "missing seconds");
		return;
	}
	if (f->n > 3) {
		conf_error(p, field, NULL, "extra field \"%s\"", f->tok[3]);
		return;
	}
	if (!parse_decimal(f->tok[2], MXGW_POLICY_TIMEOUT_MAX_S, &secs) || !secs)
		conf_error(p, field, NULL,
			   "\"%s\" is not a number of seconds (1..%u)",
			   f->tok[2], MXGW_POLICY_TIMEOUT_MAX_S);
	if (p->nerrors != errors)
		return;
	if (set_once(p, field, &p->timeout_line[state]))
		p->conf->policy.timeout_s[state] = (__u32)secs;
}

/* Strip one trailing dot: the length of @s without it. */
static size_t dns_name_len(const char *s)
{
	size_t len = strlen(s);

	return len && s[len - 1] == '.' ? len - 1 : len;
}

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * Is @s a host's DNS name?  Labels of 1..63 letters, digits and '-', not
 * starting or ending with '-' (RFC 1123 2.1), at most 253 characters and
 * one optional trailing dot.  The last label must not be all digits
 * (RFC 3696 2), so that an address is never taken for a name.  If not,
 * says why in @why.
 */
static bool dns_name_ok(const char *s, char *why, size_t size)
{
	static const char ldh[] = "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
	size_t len = dns_name_len(s), n = 0;
	const char *label = s, *end;

	if (!len) {
		snprintf(why, size, "empty name");
		return false;
	}
	if (len > MXGW_CONF_DNS_NAME_MAX) {
		snprintf(why, size, "longer than %d characters",
			 MXGW_CONF_DNS_NAME_MAX);
		return false;
	}
	for (;;) {
		end = memchr(label, '.', (size_t)(s + len - label));
		if (!end)
			end = s + len;
		n = (size_t)(end - label);
		if (!n) {
			snprintf(why, size, "empty label");
			return false;
		}
		if (n > DNS_LABEL_MAX) {
			snprintf(why, size, "a label is longer than %d characters",
				 DNS_LABEL_MAX);
			return false;
		}
		if (strspn(label, ldh) < n) {
			snprintf(why, size,
				 "label \"%.*s\": only letters, digits and '-' are allowed",
				 (int)n, label);
			return false;
		}
		if (label[0] == '-' || label[n - 1] == '-') {
			snprintf(why, size,
				 "label \"%.*s\" starts or ends with '-'",
				 (int)n, label);
			return false;
		}
		if (end == s + len)
			break;
		label = end + 1;
	}
	if (all_digits(label, n)) {
		snprintf(why, size,
			 "the last label \"%.*s\" is all digits (a name, not an address)",
			 (int)n, label);
		return false;
	}
	return true;
}

/*
 * The DNS keywords belong together: remember where the first valid one
 * was, and whether one was not (then "missing" would be noise).
 */
static void dns_seen(struct parser *p, unsigned int errors)
{
	if (p->nerrors != errors)
		p->dns_error = true;
	else if (!p->dns_first_line)
		p->dns_first_line = p->line;
}

/* Check a DNS name of @field; copies it without its trailing dot. */
static bool parse_dns_name(struct parser *p, const char *field, const char *s,
			   char *dst)
{
	char why[128];
	size_t len;

	if (!dns_name_ok(s, why, sizeof(why))) {
		conf_error(p, field, NULL, "\"%s\" is not a DNS name: %s", s,
			   why);
		return false;
	}
	len = dns_name_len(s);
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* domain NAME / mx-host NAME: once each. */
static void parse_dns_setting(struct parser *p, const struct fields *f,
			      char *dst, unsigned int *line)
{
	char name[MXGW_CONF_DNS_NAME_MAX + 1];
	unsigned int errors = p->nerrors;

	if (check_one_value(p, f, "name") &&
	    parse_dns_name(p, f->tok[0], f->tok[1], name) &&
	    set_once(p, f->tok[0], line))
		memcpy(dst, name, sizeof(name));
	dns_seen(p, errors);
}

static bool parse_preference(struct parser *p, const char *field,
			     const char *s, __u16 *pref)
{
	unsigned long n;

	if (!parse_decimal(s, 65535, &n)) {
		conf_error(p, field, NULL,
			   "\"%s\" is not an MX preference (0..65535)", s);
		return false;
	}
	*pref = (__u16)n;
	return true;
}

static void parse_mx_preference(struct parser *p, const struct fields *f)
{
	unsigned int errors = p->nerrors;
	__u16 pref;

	if (check_one_value(p, f, "preference") &&
	    parse_preference(p, "mx-preference", f->tok[1], &pref) &&
	    set_once(p, "mx-preference", &p->mx_preference_line))
		p->conf->mx_preference = pref;
	dns_seen(p, errors);
}

/* backup-mx HOST PREF */
static void backup_mx_fields(struct parser *p, const struct fields *f,
			     struct mxgw_conf_mx *mx)
{
	if (f->n < 2) {
		conf_error(p, "backup-mx", NULL, "missing host");
		return;
	}
	if (!parse_dns_name(p, "backup-mx", f->tok[1], mx->host))
		return;
	if (f->n < 3) {
		conf_error(p, "backup-mx", NULL, "missing preference");
		return;
	}
	if (f->n > 3) {
		conf_error(p, "backup-mx", NULL, "extra field \"%s\"", f->tok[3]);
		return;
	}
	parse_preference(p, "backup-mx", f->tok[2], &mx->preference);
}

/* Up to MXGW_CONF_MAX_BACKUP_MX times, each host once. */
static void parse_backup_mx(struct parser *p, const struct fields *f)
{
	struct mxgw_conf_file *conf = p->conf;
	unsigned int errors = p->nerrors;
	struct mxgw_conf_mx mx = { .line = p->line };

	backup_mx_fields(p, f, &mx);
	if (p->nerrors != errors) {
		dns_seen(p, errors);
		return;
	}
	for (unsigned int i = 0; i < conf->nbackup_mx; i++)
		if (!strcasecmp(conf->backup_mx[i].host, mx.host))
			conf_error(p, "backup-mx", NULL,
				   "\"%s\" already listed on line %u",
				   mx.host, conf->backup_mx[i].line);
	if (conf->nbackup_mx >= MXGW_CONF_MAX_BACKUP_MX)
		conf_error(p, "backup-mx", NULL, "more than %d backup MX hosts",
			   MXGW_CONF_MAX_BACKUP_MX);
	if (p->nerrors == errors)
		conf->backup_mx[conf->nbackup_mx++] = mx;
	dns_seen(p, errors);
}

/* log-rate N/s: events per second the data plane may log, 0 for none. */
static void parse_log_rate(struct parser *p, const struct fields *f)
{
	const char *s;
	unsigned long n;
	size_t len;

	if (!check_one_value(p, f, "rate"))
		return;
	s = f->tok[1];
	len = strlen(s);
	if (len < 3 || strcmp(s + len - 2, "/s") ||
	    !parse_decimal_len(s, len - 2, MXGW_POLICY_LOG_RATE_MAX, &n)) {
		conf_error(p, "log-rate", NULL,
			   "\"%s\" is not a rate N/s (0..%d per second, 0: no logging)",
			   s, MXGW_POLICY_LOG_RATE_MAX);
		return;
	}
	if (set_once(p, "log-rate", &p->log_rate_line))
		p->conf->policy.log_rate = (__u32)n;
}

/* xdp-attach dispatcher|direct: how mxgw_wan_in goes on the WAN device. */
static void parse_xdp_attach(struct parser *p, const struct fields *f)
{
	__u8 mode;

	if (!check_one_value(p, f, "attach mode"))
		return;
	if (!strcmp(f->tok[1], "dispatcher")) {
		mode = MXGW_XDP_ATTACH_DISPATCHER;
	} else if (!strcmp(f->tok[1], "direct")) {
		mode = MXGW_XDP_ATTACH_DIRECT;
	} else {
		conf_error(p, "xdp-attach", NULL,
			   "\"%s\" is not an attach mode (dispatcher or direct)", f->tok[1]);
		return;
	}
	if (set_once(p, "xdp-attach", &p->xdp_attach_line))
		p->conf->policy.xdp_attach = mode;
}

/* xdp-priority N: mxgw's place in libxdp's dispatcher, lower runs first. */
static void parse_xdp_priority(struct parser *p, const struct fields *f)
{
	unsigned long n;

	if (!check_one_value(p, f, "priority"))
		return;
	if (!parse_decimal(f->tok[1], MXGW_POLICY_XDP_PRIORITY_MAX, &n)) {
		conf_error(p, "xdp-priority", NULL,
			   "\"%s\" is not a run priority (0..%d, lower runs first)",
			   f->tok[1], MXGW_POLICY_XDP_PRIORITY_MAX);
		return;
	}
	if (set_once(p, "xdp-priority", &p->xdp_priority_line))
		p->conf->policy.xdp_priority = (__u32)n;
}

/* A name the kernel would take for a device (dev_valid_name). */
static const char *ifname_problem(const char *s)
{
	size_t len = strlen(s);

	if (!len)
		return "empty entry";
	if (len >= MXGW_POLICY_IFNAMSIZ)
		return "longer than 15 characters";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "not a device name";
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return "a device name has no '/', ':' or spaces";
	return NULL;
}

/*
 * xdp-redirect auto|off|IFNAME[,IFNAME...]: which devices the XDP fast
 * path may redirect into.  Names are not looked up here: the config may
 * be checked on another host; mxctl load says which it did not find.
 */
static void parse_xdp_redirect(struct parser *p, const struct fields *f)
{
	struct mxgw_policy *pol = &p->conf->policy;
	char devs[MXGW_POLICY_REDIRECT_DEVS][MXGW_POLICY_IFNAMSIZ];
	unsigned int n = 0, count = 0;
	char *entry, *comma;
	bool bad = false;
	__u8 mode;

	if (!check_one_value(p, f, "auto, off or device names"))
		return;
	if (!strcmp(f->tok[1], "auto")) {
		mode = MXGW_XDP_REDIRECT_AUTO;
	} else if (!strcmp(f->tok[1], "off")) {
		mode = MXGW_XDP_REDIRECT_OFF;
	} else {
		mode = MXGW_XDP_REDIRECT_DEVICES;
		for (entry = f->tok[1]; entry; entry = comma ? comma + 1 : NULL) {
			const char *why;

			comma = strchr(entry, ',');
			if (comma)
				*comma = '\0';
			count++;
			why = ifname_problem(entry);
			if (!why && (!strcmp(entry, "auto") || !strcmp(entry, "off")))
				why = "auto and off stand alone";
			for (unsigned int i = 0; !why && i < n; i++)
				if (!strcmp(devs[i], entry))
					why = "listed twice";
			if (why) {
				conf_error(p, "xdp-redirect", NULL, "\"%s\": %s", entry, why);
				bad = true;
				continue;
			}
			if (n < MXGW_POLICY_REDIRECT_DEVS)
				snprintf(devs[n++], sizeof(devs[0]), "%s", entry);
		}
		if (count > MXGW_POLICY_REDIRECT_DEVS) {
			conf_error(p, "xdp-redirect", NULL, "more than %d devices",
				   MXGW_POLICY_REDIRECT_DEVS);
			bad = true;
		}
		if (bad)
			return;
	}
	if (!set_once(p, "xdp-redirect", &p->xdp_redirect_line))
		return;
	pol->xdp_redirect = mode;
	pol->nredirect_devs = n;
	memcpy(pol->redirect_devs, devs, sizeof(devs[0]) * n);
}

static bool valid_service_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len >= MXGW_SVC_NAME_LEN)
		return false;
	if (s[0] < 'a' || s[0] > 'z')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* The line that defined @svc, one of the services parsed so far. */
static unsigned int svc_line(const struct parser *p,
			     const struct mxgw_policy_service *svc)
{
	return p->conf->lines.service[svc - p->conf->policy.services];
}

/*
 * Once the name is known to be valid, every later message on the line
 * says "service NAME: ..." so the operator knows which one; before that
 * (or when it is invalid) just "service: ...".
 */
static void svc_parse_name(struct parser *p, const char *name,
			   struct mxgw_policy_service *svc, char *field)
{
	const struct mxgw_policy_service *dup;

	if (!valid_service_name(name)) {
		conf_error(p, field, "name",
			   "\"%s\" must be 1..%d characters of [a-z0-9_-] starting with a letter",
			   name, MXGW_SVC_NAME_LEN - 1);
		return;
	}
	snprintf(field, SVC_FIELD_LEN, "service %s", name);
	snprintf(svc->name, sizeof(svc->name), "%s", name);
	dup = mxgw_policy_find_service(&p->conf->policy, name);
	if (dup)
		conf_error(p, field, "name", "already defined on line %u",
			   svc_line(p, dup));
}

/* One protocol name of a PROTO field, @len bytes long; 0 if unknown. */
static __u8 proto_bit(const char *s, size_t len)
{
	if (len == 3 && !strncmp(s, "tcp", 3))
		return MXGW_PROTO_BIT(MXGW_PROTO_TCP);
	if (len == 3 && !strncmp(s, "udp", 3))
		return MXGW_PROTO_BIT(MXGW_PROTO_UDP);
	return 0;
}

/* "tcp", "udp", "tcp,udp" or "udp,tcp" into a mask. */
static bool svc_parse_protos(struct parser *p, const char *field,
			     const char *s, __u8 *protos)
{
	const char *part = s;
	size_t len;
	__u8 bit;

	*protos = 0;
	for (;;) {
		len = strcspn(part, ",");
		bit = proto_bit(part, len);
		if (!bit) {
			conf_error(p, field, "proto",
				   "\"%s\" must be tcp, udp or tcp,udp", s);
			return false;
		}
		if (*protos & bit) {
			conf_error(p, field, "proto", "\"%s\" lists %s twice",
				   s, mxgw_protos_str(bit));
			return false;
		}
		*protos |= bit;
		if (!part[len])
			return true;
		part += len + 1;
	}
}

/* A (port, proto) pair selects one service in the data plane: only once. */
static void svc_check_port_unique(struct parser *p, const char *field,
				  const struct mxgw_policy_service *svc)
{
	const struct mxgw_conf_file *conf = p->conf;

	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *old = &conf->policy.services[i];
		__u8 both = old->protos & svc->protos;

		if (old->port != svc->port || !both)
			continue;
		conf_error(p, field, "port",
			   "%u/%s already used by service %s (line %u)",
			   svc->port, mxgw_protos_str(both), old->name,
			   conf->lines.service[i]);
	}
}

/* PORT[/PROTO]; @s is modified. */
static void svc_parse_port(struct parser *p, const char *field, char *s,
			   struct mxgw_policy_service *svc)
{
	char *slash = strchr(s, '/');
	unsigned long port;
	bool port_ok, proto_ok = true;

	if (slash)
		*slash = '\0';
	port_ok = parse_decimal(s, 65535, &port) && port > 0;
	if (!port_ok)
		conf_error(p, field, "port",
			   "\"%s\" is not a port number (1..65535)", s);
	if (slash)
		proto_ok = svc_parse_protos(p, field, slash + 1, &svc->protos);
	else
		svc->protos = MXGW_PROTO_BIT(MXGW_PROTO_TCP);
	if (!port_ok || !proto_ok)
		return;
	svc->port = (__u16)port;
	svc_check_port_unique(p, field, svc);
}

static void svc_parse_verdict(struct parser *p, const char *field,
			      const char *column, const char *s, __u8 *verdict)
{
	if (!parse_verdict(s, verdict))
		conf_error(p, field, column,
			   "expected allow or deny, got \"%s\"", s);
}

/* One "A.B.C.D[/LEN]" entry of a from list. */
static bool svc_parse_prefix(struct parser *p, const char *field,
			     const char *s, struct mxgw_prefix *pfx)
{
	char addr[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];
	size_t alen = strcspn(s, "/");
	unsigned long len = 32;
	struct in_addr in;

	if (alen < sizeof(addr)) {
		memcpy(addr, s, alen);
		addr[alen] = '\0';
	}
	if (alen >= sizeof(addr) || !parse_ipv4(addr, &pfx->addr)) {
		conf_error(p, field, "from",
			   "\"%s\" is not an IPv4 address or CIDR", s);
		return false;
	}
	if (s[alen] && !parse_decimal(s + alen + 1, 32, &len)) {
		conf_error(p, field, "from",
			   "\"%s\": prefix length must be 0..32", s);
		return false;
	}
	pfx->len = (__u8)len;
	/* The data plane matches on the prefix; stray bits are a typo. */
	in.s_addr = pfx->addr & mxgw_prefix_mask(pfx->len);
	if (in.s_addr != pfx->addr) {
		inet_ntop(AF_INET, &in, net, sizeof(net));
		conf_error(p, field, "from",
			   "\"%s\": host bits set (network is %s/%u)",
			   s, net, pfx->len);
		return false;
	}
	return true;
}

static bool prefix_listed(const struct mxgw_policy_service *svc,
			  const struct mxgw_prefix *pfx)
{
	for (unsigned int i = 0; i < svc->nfrom; i++)
		if (svc->from[i].addr == pfx->addr &&
		    svc->from[i].len == pfx->len)
			return true;
	return false;
}

/* One IPv6 "ADDR[/LEN]" entry of a from list: a bare address is a /128. */
static void svc_parse_from6(struct parser *p, const char *field, const char *entry,
			    struct mxgw_policy_service *svc)
{
	struct mxgw_cidr6 c;

	if (!parse_cidr6(p, field, "from", entry, 0, 128, &c))
		return;
	for (unsigned int i = 0; i < svc->nfrom6; i++) {
		if (svc->from6[i].len == c.len &&
		    mxgw_in6_eq(&svc->from6[i].addr, &c.addr)) {
			conf_error(p, field, "from", "\"%s\" listed twice", entry);
			return;
		}
	}
	if (svc->nfrom6 < MXGW_POLICY_MAX_FROM_PER_SVC)
		svc->from6[svc->nfrom6++] = c;
}

/*
 * The comma-separated from list; @s is modified.  Every entry is checked
 * even past the limit, so one run shows every bad entry.
 */
static void svc_parse_from(struct parser *p, const char *field, char *s,
			   struct mxgw_policy_service *svc)
{
	unsigned int count = 0;
	struct mxgw_prefix pfx;
	char *entry, *comma;

	for (entry = s; entry; entry = comma ? comma + 1 : NULL) {
		comma = strchr(entry, ',');
		if (comma)
			*comma = '\0';
		count++;
		if (!*entry) {
			conf_error(p, field, "from", "empty entry");
			continue;
		}
		/* a colon makes it IPv6: "1.2.3" stays an IPv4 mistake */
		if (strchr(entry, ':')) {
			svc_parse_from6(p, field, entry, svc);
			continue;
		}
		if (!svc_parse_prefix(p, field, entry, &pfx))
			continue;
		if (prefix_listed(svc, &pfx)) {
			conf_error(p, field, "from", "\"%s\" listed twice",
				   entry);
			continue;
		}
		if (svc->nfrom < MXGW_POLICY_MAX_FROM_PER_SVC)
			svc->from[svc->nfrom++] = pfx;
	}
	if (count > MXGW_POLICY_MAX_FROM_PER_SVC)
		conf_error(p, field, "from", "more than %d entries",
			   MXGW_POLICY_MAX_FROM_PER_SVC);
}

/* "to gateway" at @f->tok[@i]; returns the index after it. */
static unsigned int svc_parse_to(struct parser *p, const char *field,
				 const struct fields *f, unsigned int i,
				 struct mxgw_policy_service *svc)
{
	if (i + 1 == f->n) {
		conf_error(p, field, "to", "missing target (expected gateway)");
		return i + 1;
	}
	if (strcmp(f->tok[i + 1], "gateway"))
		conf_error(p, field, "to",
			   "\"%s\": expected gateway (without \"to\", incoming goes to the mail server)",
			   f->tok[i + 1]);
	else
		svc->to_gateway = true;
	if (i + 2 < f->n)
		conf_error(p, field, "to",
			   "extra field \"%s\" (%s)", f->tok[i + 2],
			   strcmp(f->tok[i + 2], "from") ?
			   "expected end of line" : "from LIST goes before to gateway");
	return f->n;
}

/* What may follow IN: nothing, "from LIST", "to gateway", or both so. */
static void svc_parse_tail(struct parser *p, const char *field,
			   const struct fields *f,
			   struct mxgw_policy_service *svc)
{
	if (f->n <= 5)
		return;
	if (!strcmp(f->tok[5], "to")) {
		svc_parse_to(p, field, f, 5, svc);
		return;
	}
	if (strcmp(f->tok[5], "from")) {
		conf_error(p, field, NULL,
			   "extra field \"%s\" (expected from, to gateway or end of line)",
			   f->tok[5]);
		return;
	}
	if (f->n == 6) {
		conf_error(p, field, "from", "missing address list");
		return;
	}
	svc_parse_from(p, field, f->tok[6], svc);
	if (f->n > 7 && !strcmp(f->tok[7], "to"))
		svc_parse_to(p, field, f, 7, svc);
	else if (f->n > 7)
		conf_error(p, field, "from",
			   "extra field \"%s\" (expected one comma-separated list without blanks)",
			   f->tok[7]);
}

/* Legal but probably not what the operator meant. */
static void svc_warn(struct parser *p, const char *field,
		     const struct mxgw_policy_service *svc)
{
	/* what `load` over SSH exposes: say so at load time, not only in check */
	if (svc->to_gateway && !mxgw_policy_service_has_from(svc) &&
	    svc->verdict[MXGW_DIR_IN] == MXGW_ALLOW)
		conf_warn(p, field, "to",
			  "gateway without from opens the gateway's own %u/%s to the whole Internet: restrict it to where it is managed from (from CIDR[,CIDR...] before to gateway)",
			  svc->port, mxgw_protos_str(svc->protos));
	if (!mxgw_policy_service_has_from(svc))
		return;
	if (svc->verdict[MXGW_DIR_IN] != MXGW_ALLOW) {
		conf_warn(p, field, "from", "has no effect: incoming is deny");
		return;
	}
	/* (to the gateway: mxctl check says what that takes from mail) */
	if (svc->port == SMTP_PORT && !svc->to_gateway &&
	    (svc->protos & MXGW_PROTO_BIT(MXGW_PROTO_TCP)))
		conf_warn(p, field, "from",
			  "any SMTP server on the Internet must be able to reach port 25 (MX delivery), so restricting it breaks mail delivery");
}

/* service NAME PORT[/PROTO] OUT IN [from LIST] */
static void parse_service(struct parser *p, const struct fields *f)
{
	static const char *const required[] = {
		"name", "port", "outgoing", "incoming",
	};
	struct mxgw_policy *pol = &p->conf->policy;
	struct mxgw_policy_service svc;
	char field[SVC_FIELD_LEN] = "service";
	unsigned int errors = p->nerrors;

	memset(&svc, 0, sizeof(svc));
	if (f->n >= 2)
		svc_parse_name(p, f->tok[1], &svc, field);
	if (f->n < 5) {
		/* Only the first missing one: the rest follow from it. */
		conf_error(p, field, required[f->n - 1], "missing");
		return;
	}
	svc_parse_port(p, field, f->tok[2], &svc);
	svc_parse_verdict(p, field, "outgoing", f->tok[3],
			  &svc.verdict[MXGW_DIR_OUT]);
	svc_parse_verdict(p, field, "incoming", f->tok[4],
			  &svc.verdict[MXGW_DIR_IN]);
	svc_parse_tail(p, field, f, &svc);
	if (pol->nservices >= ARRAY_SIZE(pol->services))
		conf_error(p, field, NULL,
			   "more than %zu services (service ids 1..%zu)",
			   ARRAY_SIZE(pol->services),
			   ARRAY_SIZE(pol->services));
	if (p->nerrors != errors)
		return;
	p->conf->lines.service[pol->nservices] = p->line;
	pol->services[pol->nservices++] = svc;
	svc_warn(p, field, &svc);
}

/* ---- allowlist ------------------------------------------------------------ */

/* One prefix more for the allowlist; a repeated one counts once. */
static int allow_add(const struct mxgw_src_prefix *pfx, void *arg)
{
	struct mxgw_policy *pol = arg;

	if (pfx->family == MXGW_FAM_IPV6) {
		for (unsigned int i = 0; i < pol->nallow6; i++)
			if (pol->allow6[i].len == pfx->len &&
			    mxgw_in6_eq(&pol->allow6[i].addr, &pfx->addr))
				return 0;
		if (pol->nallow6 == MXGW_MAX_ALLOW)
			return -E2BIG;
		pol->allow6[pol->nallow6].addr = pfx->addr;
		pol->allow6[pol->nallow6++].len = pfx->len;
		return 0;
	}
	for (unsigned int i = 0; i < pol->nallow4; i++)
		if (pol->allow4[i].len == pfx->len && pol->allow4[i].addr == pfx->addr.a[0])
			return 0;
	if (pol->nallow4 == MXGW_MAX_ALLOW)
		return -E2BIG;
	pol->allow4[pol->nallow4].addr = pfx->addr.a[0];
	pol->allow4[pol->nallow4++].len = pfx->len;
	return 0;
}

/* allowlist FILE: a path, absolute or relative to the config's directory. */
static void parse_allowlist_file(struct parser *p, const char *name)
{
	char path[PATH_MAX];
	const char *slash = strrchr(p->path, '/');
	FILE *in;
	int err;

	if (name[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - p->path), p->path, name);
	in = fopen(path, "r");
	if (!in) {
		conf_error(p, "allowlist", NULL, "%s: %s", path, strerror(errno));
		return;
	}
	err = mxctl_read_prefix_file(path, in, 128, "allowlist", p->err, allow_add,
				     &p->conf->policy);
	fclose(in);
	if (err == -E2BIG)
		conf_error(p, "allowlist", NULL, "%s: more than %d prefixes of a family",
			   path, MXGW_MAX_ALLOW);
	else if (err == -EINVAL)
		conf_error(p, "allowlist", NULL, "%s: bad lines (above): the list is refused",
			   path);
	else if (err)
		conf_error(p, "allowlist", NULL, "%s: %s", path, strerror(-err));
}

/*
 * allowlist PREFIX[,PREFIX...] or allowlist FILE (a value starting with
 * '/' or '.'): sources no ban or blocklist drops.  May be repeated; the
 * lists add up.
 * A bare IPv6 address is its /128 (an allowlist is a privilege: no more
 * than asked), an IPv4 one its /32.
 */
static void parse_allowlist(struct parser *p, const struct fields *f)
{
	char *list, *entry, *save = NULL, why[160];

	if (!check_one_value(p, f, "prefix list or file"))
		return;
	list = f->tok[1];
	if (list[0] == '/' || list[0] == '.') {
		parse_allowlist_file(p, list);
		return;
	}
	for (entry = strtok_r(list, ",", &save); entry; entry = strtok_r(NULL, ",", &save)) {
		struct mxgw_src_prefix pfx;

		if (mxgw_prefix_parse(entry, 1, 128, &pfx, why, sizeof(why))) {
			conf_error(p, "allowlist", NULL, "%s", why);
			continue;
		}
		if (allow_add(&pfx, &p->conf->policy))
			conf_error(p, "allowlist", NULL, "more than %d prefixes of a family",
				   MXGW_MAX_ALLOW);
	}
}

/* ---- blocklist ------------------------------------------------------------ */

/*
 * blocklist NAME FILE [services NAME,...]: the file is read when the list
 * is loaded (load, reload, mxctl blocklist reload), not here; a relative
 * FILE is the config's directory's.
 */
static void parse_blocklist(struct parser *p, const struct fields *f)
{
	struct mxgw_policy *pol = &p->conf->policy;
	struct mxgw_policy_blocklist bl = { .all_services = true };
	char field[sizeof("blocklist ") + MXGW_BL_NAME_LEN] = "blocklist";
	const char *name = f->n >= 2 ? f->tok[1] : "";
	unsigned int errors = p->nerrors;
	size_t len = strlen(name);

	if (f->n < 3) {
		conf_error(p, field, f->n < 2 ? "name" : "file", "missing");
		return;
	}
	if (len < 1 || len >= MXGW_BL_NAME_LEN || name[0] < 'a' || name[0] > 'z' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len) {
		conf_error(p, field, "name",
			   "\"%s\" must be 1..%d characters of [a-z0-9_-] starting with a letter",
			   name, MXGW_BL_NAME_LEN - 1);
		return;
	}
	snprintf(field, sizeof(field), "blocklist %s", name);
	snprintf(bl.name, sizeof(bl.name), "%s", name);
	for (unsigned int i = 0; i < pol->nblocklists; i++)
		if (!strcmp(pol->blocklists[i].name, name))
			conf_error(p, field, "name", "already defined on line %u",
				   p->blocklist_line[i]);
	if (f->tok[2][0] == '/') {
		len = snprintf(bl.file, sizeof(bl.file), "%s", f->tok[2]);
	} else {
		const char *slash = strrchr(p->path, '/');
		int dir = slash ? (int)(slash - p->path) : 0;

		len = slash ? snprintf(bl.file, sizeof(bl.file), "%.*s/%s", dir, p->path,
				       f->tok[2]) :
			      snprintf(bl.file, sizeof(bl.file), "%s", f->tok[2]);
	}
	if (len >= sizeof(bl.file))
		conf_error(p, field, "file", "path longer than %zu characters",
			   sizeof(bl.file) - 1);
	if (f->n == 4 || (f->n > 3 && strcmp(f->tok[3], "services")))
		conf_error(p, field, NULL, "expected \"services NAME,...\" after the file, found \"%s\"",
			   f->tok[3]);
	else if (f->n > 5)
		conf_error(p, field, NULL, "unexpected \"%s\" after the services",
			   f->n > MAX_TOKENS ? "..." : f->tok[5]);
	if (pol->nblocklists >= MXGW_BL_MAX)
		conf_error(p, field, NULL, "more than %d blocklists (a bit each in the data plane)",
			   MXGW_BL_MAX);
	if (p->nerrors != errors)
		return;
	if (f->n == 5) {
		bl.all_services = false;
		snprintf(p->blocklist_services[pol->nblocklists],
			 sizeof(p->blocklist_services[0]), "%s", f->tok[4]);
	}
	p->blocklist_line[pol->nblocklists] = p->line;
	pol->blocklists[pol->nblocklists++] = bl;
}

/* The services each blocklist names: defined, each once. */
static void check_blocklists(struct parser *p)
{
	struct mxgw_policy *pol = &p->conf->policy;
	unsigned int line = p->line;

	for (unsigned int i = 0; i < pol->nblocklists; i++) {
		struct mxgw_policy_blocklist *bl = &pol->blocklists[i];
		char field[sizeof("blocklist ") + MXGW_BL_NAME_LEN];
		char *list = p->blocklist_services[i], *tok, *save = NULL;

		if (bl->all_services)
			continue;
		p->line = p->blocklist_line[i];
		snprintf(field, sizeof(field), "blocklist %s", bl->name);
		if (!*list || list[strlen(list) - 1] == ',' || *list == ',' ||
		    strstr(list, ",,")) {
			conf_error(p, field, "services", "expected NAME[,NAME...], found \"%s\"",
				   list);
			continue;
		}
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			const struct mxgw_policy_service *svc = mxgw_policy_find_service(pol, tok);
			unsigned int idx;

			if (!svc) {
				conf_error(p, field, "services", "\"%s\" is no service of this config",
					   tok);
				continue;
			}
			idx = svc - pol->services;
			if (bl->services[idx / 64] & (1ULL << (idx % 64)))
				conf_error(p, field, "services", "\"%s\" named twice", tok);
			bl->services[idx / 64] |= 1ULL << (idx % 64);
		}
	}
	p->line = line;
}

/* ---- limit ---------------------------------------------------------------- */

#define LIMIT_MAX	1000000UL	/* connections a unit, and burst */

/*
 * limit SERVICE RATE/s|/m|/h [burst N] [ban DURATION]: new connections
 * (UDP: datagrams) per source per service.  burst defaults to RATE (one
 * unit's worth at once).  The service is looked up in check_limits.
 */
static void parse_limit(struct parser *p, const struct fields *f)
{
	struct conf_limit l = { .line = p->line };
	char field[sizeof("limit ") + MXGW_SVC_NAME_LEN] = "limit";
	unsigned int errors = p->nerrors;
	unsigned long n;
	const char *s;
	size_t len;

	if (f->n < 2) {
		conf_error(p, field, "service", "missing");
		return;
	}
	if (valid_service_name(f->tok[1]))
		snprintf(field, sizeof(field), "limit %s", f->tok[1]);
	if (f->n < 3) {
		conf_error(p, field, "rate", "missing");
		return;
	}
	if (!valid_service_name(f->tok[1])) {
		conf_error(p, field, "service", "\"%s\" is no service name", f->tok[1]);
		return;
	}
	snprintf(field, sizeof(field), "limit %s", f->tok[1]);
	snprintf(l.service, sizeof(l.service), "%s", f->tok[1]);
	s = f->tok[2];
	len = strlen(s);
	if (len >= 3 && s[len - 2] == '/')
		l.per_s = s[len - 1] == 's' ? 1 : s[len - 1] == 'm' ? 60 :
			  s[len - 1] == 'h' ? 3600 : 0;
	if (!l.per_s || !parse_decimal_len(s, len - 2, LIMIT_MAX, &n) || !n) {
		conf_error(p, field, "rate",
			   "\"%s\" is not a rate N/s, N/m or N/h (N 1..%lu)", s, LIMIT_MAX);
		return;
	}
	l.rate = (__u32)n;
	l.burst = l.rate;
	for (unsigned int i = 3; i < f->n; i += 2) {
		const char *kw = i < MAX_TOKENS ? f->tok[i] : "...";
		const char *val = i + 1 < MAX_TOKENS && i + 1 < f->n ? f->tok[i + 1] : NULL;
		__u64 secs;

		if (strcmp(kw, "burst") && strcmp(kw, "ban")) {
			conf_error(p, field, NULL, "unexpected \"%s\" (expected burst N or ban DURATION)",
				   kw);
			return;
		}
		if (!val) {
			conf_error(p, field, kw, "missing");
			return;
		}
		if (!strcmp(kw, "burst")) {
			if (!parse_decimal(val, LIMIT_MAX, &n) || !n)
				conf_error(p, field, "burst", "\"%s\" is not a number 1..%lu", val,
					   LIMIT_MAX);
			else
				l.burst = (__u32)n;
		} else {
			if (mxctl_parse_duration(val, &secs))
				conf_error(p, field, "ban",
					   "\"%s\": a duration N[s|m|h|d] of 1s to 3650d", val);
			else
				l.ban_s = (__u32)secs;
		}
	}
	if (p->nerrors != errors)
		return;
	for (unsigned int i = 0; i < p->nlimits; i++)
		if (!strcmp(p->limits[i].service, l.service)) {
			conf_error(p, field, "service", "already limited on line %u",
				   p->limits[i].line);
			return;
		}
	if (p->nlimits >= ARRAY_SIZE(p->limits)) {
		conf_error(p, field, NULL, "more limits than services");
		return;
	}
	p->limits[p->nlimits++] = l;
}

/* Each limit's service: defined. */
static void check_limits(struct parser *p)
{
	struct mxgw_policy *pol = &p->conf->policy;
	unsigned int line = p->line;

	for (unsigned int i = 0; i < p->nlimits; i++) {
		const struct conf_limit *l = &p->limits[i];
		const struct mxgw_policy_service *svc = mxgw_policy_find_service(pol, l->service);
		char field[sizeof("limit ") + MXGW_SVC_NAME_LEN];
		struct mxgw_policy_service *w;

		p->line = l->line;
		snprintf(field, sizeof(field), "limit %s", l->service);
		if (!svc) {
			conf_error(p, field, "service", "\"%s\" is no service of this config",
				   l->service);
			continue;
		}
		w = &pol->services[svc - pol->services];
		p->conf->lines.limit[svc - pol->services] = l->line;
		w->limit.rate = l->rate;
		w->limit.per_s = l->per_s;
		w->limit.burst = l->burst;
		w->limit.ban_s = l->ban_s;
	}
	p->line = line;
}

/* ---- syn-flood ------------------------------------------------------------ */

/* A rate N/s, N 1..MXGW_SYN_RATE_MAX; 0 when @s is none. */
static __u32 syn_rate_of(const char *s)
{
	size_t len = strlen(s);
	unsigned long n;

	if (len < 3 || strcmp(s + len - 2, "/s") ||
	    !parse_decimal_len(s, len - 2, MXGW_SYN_RATE_MAX, &n))
		return 0;
	return (__u32)n;
}

/*
 * syn-flood SERVICE N/s [budget M/s]: above N SYNs a second to a TCP
 * service (from all sources together), SYNs of sources not yet verified
 * are challenged from XDP (docs/SYNFLOOD.md); in a flood, at most M SYNs a
 * second (default N) go on to the service.  M may be above N: the
 * threshold says when a flood begins, the budget what the mail server
 * takes during one.  The service is looked up in check_synfloods.
 */
static void parse_syn_flood(struct parser *p, const struct fields *f)
{
	struct conf_synflood sf = { .line = p->line };
	char field[sizeof("syn-flood ") + MXGW_SVC_NAME_LEN] = "syn-flood";

	if (f->n < 2) {
		conf_error(p, field, "service", "missing");
		return;
	}
	if (!valid_service_name(f->tok[1])) {
		conf_error(p, field, "service", "\"%s\" is no service name", f->tok[1]);
		return;
	}
	snprintf(field, sizeof(field), "syn-flood %s", f->tok[1]);
	if (f->n < 3) {
		conf_error(p, field, "threshold", "missing");
		return;
	}
	if (f->n > 3 && strcmp(f->tok[3], "budget")) {
		conf_error(p, field, NULL, "unexpected \"%s\"",
			   f->tok[3]);
		return;
	}
	snprintf(sf.service, sizeof(sf.service), "%s", f->tok[1]);
	sf.rate = syn_rate_of(f->tok[2]);
	if (!sf.rate) {
		conf_error(p, field, "threshold", "\"%s\" is not a rate N/s (N 1..%u)",
			   f->tok[2], MXGW_SYN_RATE_MAX);
		return;
	}
	if (f->n > 3) {
		if (f->n < 5) {
			conf_error(p, field, "budget", "missing");
			return;
		}
		sf.budget = syn_rate_of(f->tok[4]);
		if (!sf.budget) {
			conf_error(p, field, "budget", "\"%s\" is not a rate M/s (M 1..%u)",
				   f->tok[4], MXGW_SYN_RATE_MAX);
			return;
		}
		if (f->n > 5) {
			conf_error(p, field, NULL, "unexpected \"%s\"", f->tok[5]);
			return;
		}
	}
	for (unsigned int i = 0; i < p->nsynfloods; i++)
		if (!strcmp(p->synfloods[i].service, sf.service)) {
			conf_error(p, field, "service", "already has syn-flood on line %u",
				   p->synfloods[i].line);
			return;
		}
	if (p->nsynfloods >= ARRAY_SIZE(p->synfloods)) {
		conf_error(p, field, NULL, "more syn-flood lines than services");
		return;
	}
	p->synfloods[p->nsynfloods++] = sf;
}

/* Each syn-flood's service: defined, and TCP. */
static void check_synfloods(struct parser *p)
{
	struct mxgw_policy *pol = &p->conf->policy;
	unsigned int line = p->line;

	for (unsigned int i = 0; i < p->nsynfloods; i++) {
		const struct conf_synflood *sf = &p->synfloods[i];
		const struct mxgw_policy_service *svc = mxgw_policy_find_service(pol, sf->service);
		char field[sizeof("syn-flood ") + MXGW_SVC_NAME_LEN];

		p->line = sf->line;
		snprintf(field, sizeof(field), "syn-flood %s", sf->service);
		if (!svc) {
			conf_error(p, field, "service", "\"%s\" is no service of this config",
				   sf->service);
			continue;
		}
		if (!(svc->protos & MXGW_PROTO_BIT(MXGW_PROTO_TCP))) {
			conf_error(p, field, "service", "\"%s\" has no TCP: SYNs are TCP's",
				   sf->service);
			continue;
		}
		p->conf->lines.syn_flood[svc - pol->services] = sf->line;
		pol->services[svc - pol->services].syn_flood_rate = sf->rate;
		pol->services[svc - pol->services].syn_flood_budget = sf->budget;
	}
	p->line = line;
}

/* The keys whose parsers take more than the line: bound here. */
static void parse_public(struct parser *p, const struct fields *f)
{
	parse_host(p, f, HOST_PUBLIC);
}

static void parse_mailserver(struct parser *p, const struct fields *f)
{
	parse_host(p, f, HOST_MAILSERVER);
}

static void parse_default(struct parser *p, const struct fields *f)
{
	parse_verdict_setting(p, f, &p->conf->policy.default_verdict,
			      &p->default_line);
}

static void parse_icmp_echo(struct parser *p, const struct fields *f)
{
	parse_verdict_setting(p, f, &p->conf->policy.icmp_echo,
			      &p->icmp_echo_line);
}

static void parse_domain(struct parser *p, const struct fields *f)
{
	parse_dns_setting(p, f, p->conf->domain, &p->domain_line);
}

static void parse_mx_host(struct parser *p, const struct fields *f)
{
	parse_dns_setting(p, f, p->conf->mx_host, &p->mx_host_line);
}

/*
 * Every key of mxgw.conf, once: the parser dispatches on it, the error for
 * an unknown key lists it, and mxctl help config (and through it the bash
 * completion and the man page's list) prints it.  mxgw.conf(5) describes
 * each in full.
 */
static const struct {
	struct mxctl_conf_key key;
	void (*parse)(struct parser *p, const struct fields *f);
} conf_keys[] = {
	{ { "public", "ADDR", "the gateway's public IPv4 address" }, parse_public },
	{ { "mailserver", "ADDR", "the mail server's LAN IPv4 address" }, parse_mailserver },
	{ { "mailserver6", "ADDR", "the mail server's global IPv6 address (routed)" },
	  parse_mailserver6 },
	{ { "lan6", "PREFIX[,PREFIX...]",
	    "the LAN's IPv6 prefixes (default: those on the mail server's device)" },
	  parse_lan6 },
	{ { "default", "allow|deny", "incoming to an unlisted port" }, parse_default },
	{ { "service", "NAME PORT[/PROTO] OUT IN [from PREFIX,...] [to gateway]",
	    "a row of the table" }, parse_service },
	{ { "nat-ports", "LO-HI", "the public ports masquerading hands out" }, parse_nat_ports },
	{ { "conntrack-max", "N", "flows tracked per address family" }, parse_conntrack_max },
	{ { "timeout", "STATE SECONDS", "a conntrack timeout" }, parse_timeout },
	{ { "icmp-echo", "allow|deny", "echo requests from the Internet" }, parse_icmp_echo },
	{ { "domain", "NAME", "the mail domain, for mxctl dns" }, parse_domain },
	{ { "mx-host", "NAME", "the MX host's name, for mxctl dns" }, parse_mx_host },
	{ { "mx-preference", "N", "the MX record's preference" }, parse_mx_preference },
	{ { "backup-mx", "NAME PREFERENCE", "a backup MX, for mxctl dns" }, parse_backup_mx },
	{ { "log-rate", "N/s", "log events per second at most" }, parse_log_rate },
	{ { "allowlist", "PREFIX[,PREFIX...]|FILE", "sources no ban or blocklist drops" },
	  parse_allowlist },
	{ { "blocklist", "NAME FILE [services NAME,...]",
	    "sources dropped: a list of prefixes read from FILE" }, parse_blocklist },
	{ { "limit", "SERVICE RATE/s|/m|/h [burst N] [ban DURATION]",
	    "new connections per source (IPv6: /64) to a service" }, parse_limit },
	{ { "syn-flood", "SERVICE N/s [budget M/s]",
	    "above N SYNs a second, unverified sources are challenged from XDP; "
	    "at most M (default N) go on to the service in a flood" },
	  parse_syn_flood },
	{ { "xdp-attach", "dispatcher|direct",
	    "through libxdp's dispatcher (shared with other XDP programs) or alone" },
	  parse_xdp_attach },
	{ { "xdp-priority", "N", "run priority in the dispatcher, lower first (default 100)" },
	  parse_xdp_priority },
	{ { "xdp-redirect", "auto|off|IFNAME[,IFNAME...]",
	    "devices XDP may redirect frames into: asked of the kernel (6.3+), none, or these" },
	  parse_xdp_redirect },
};

const struct mxctl_conf_key *mxctl_conf_key(size_t i)
{
	return i < ARRAY_SIZE(conf_keys) ? &conf_keys[i].key : NULL;
}

static void parse_line(struct parser *p, char *line)
{
	char known[512] = "";
	struct fields f;
	size_t i, len = 0;

	split_fields(line, &f);
	if (!f.n)
		return;
	for (i = 0; i < ARRAY_SIZE(conf_keys); i++) {
		if (!strcmp(f.tok[0], conf_keys[i].key.name)) {
			conf_keys[i].parse(p, &f);
			return;
		}
	}
	for (i = 0; i < ARRAY_SIZE(conf_keys) && len < sizeof(known); i++)
		len += snprintf(known + len, sizeof(known) - len, "%s%s",
				!i ? "" : i + 1 < ARRAY_SIZE(conf_keys) ? ", " : " or ",
				conf_keys[i].key.name);
	conf_error(p, "keyword", NULL, "unknown \"%s\" (expected %s)", f.tok[0], known);
}

/*
 * Service ports of protocol @bit inside @lo..@hi.  A (port, protocol)
 * pair belongs to one service at most, so each counts once.
 */
static unsigned int service_ports_in(const struct mxgw_policy *pol, __u8 bit,
				     unsigned int lo, unsigned int hi)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < pol->nservices; i++) {
		const struct mxgw_policy_service *svc = &pol->services[i];

		if ((svc->protos & bit) && svc->port >= lo && svc->port <= hi)
			n++;
	}
	return n;
}

/*
 * Masquerading never hands out a port that a service owns for the same
 * protocol: its replies would be taken for the service.  The protocol
 * left with the fewest ports is reported, named when the protocols
 * differ, on the nat-ports line once every service is known.  The
 * default range is wider than any table, so only nat-ports is checked.
 */
static void check_nat_ports(struct parser *p)
{
	const struct mxgw_policy *pol = &p->conf->policy;
	unsigned int lo = pol->nat_port_min, hi = pol->nat_port_max;
	unsigned int taken[MXGW_PROTO_MAX], usable, last_line = p->line;
	int worst = MXGW_PROTO_TCP;
	char proto[8] = "";

	if (!p->nat_ports_line)
		return;
	for (int i = 0; i < MXGW_PROTO_MAX; i++) {
		taken[i] = service_ports_in(pol, MXGW_PROTO_BIT(i), lo, hi);
		if (taken[i] > taken[worst])
			worst = i;
	}
	for (int i = 0; i < MXGW_PROTO_MAX; i++)
		if (taken[i] != taken[worst])
			snprintf(proto, sizeof(proto), "%s ",
				 mxgw_protos_str(MXGW_PROTO_BIT(worst)));
	usable = hi - lo + 1 - taken[worst];
	p->line = p->nat_ports_line;
	if (!usable)
		conf_error(p, "nat-ports", NULL,
			   "no usable %sports: every port of %u-%u is a %sservice port",
			   proto, lo, hi, proto);
	else if (usable < NAT_PORTS_ENOUGH)
		conf_warn(p, "nat-ports", NULL,
			  "only %u usable %sport%s: %u-%u less %u %sservice port%s (at least %d recommended)",
			  usable, proto, usable == 1 ? "" : "s", lo, hi,
			  taken[worst], proto, taken[worst] == 1 ? "" : "s",
			  NAT_PORTS_ENOUGH);
	p->line = last_line;
}

/*
 * The DNS keywords once the whole file is known.  An mx-host outside the
 * domain is legal DNS (the MX may name a host of another zone), so it is
 * only warned about when it looks like a slip: a single label, which a
 * zone file would take as relative to the domain, or a name that ends
 * with the domain but not on a dot (mailcompany.com for company.com).
 */
static void check_dns(struct parser *p)
{
	const struct mxgw_conf_file *conf = p->conf;
	unsigned int last_line = p->line;
	size_t hlen, dlen;

	for (unsigned int i = 0; i < conf->nbackup_mx; i++) {
		const struct mxgw_conf_mx *mx = &conf->backup_mx[i];

		p->line = mx->line;
		if (p->mx_host_line && !strcasecmp(mx->host, conf->mx_host))
			conf_error(p, "backup-mx", NULL,
				   "\"%s\" is the mx-host (line %u)", mx->host,
				   p->mx_host_line);
		else if (mx->preference <= conf->mx_preference)
			conf_warn(p, "backup-mx", NULL,
				  "preference %u is not above mx-preference %u: senders would try %s before the mx-host or as often",
				  mx->preference, conf->mx_preference,
				  mx->host);
	}
	p->line = p->dns_first_line;
	if (p->dns_first_line && !p->dns_error && !p->domain_line)
		conf_warn(p, "domain", NULL,
			  "missing (mxctl dns needs domain and mx-host)");
	if (p->dns_first_line && !p->dns_error && !p->mx_host_line)
		conf_warn(p, "mx-host", NULL,
			  "missing (mxctl dns needs domain and mx-host)");
	p->line = p->mx_host_line;
	hlen = strlen(conf->mx_host);
	dlen = strlen(conf->domain);
	if (p->domain_line && p->mx_host_line &&
	    !mxgw_dns_name_within(conf->mx_host, conf->domain)) {
		if (!strchr(conf->mx_host, '.'))
			conf_warn(p, "mx-host", NULL,
				  "\"%s\" is one label, outside %s: names here are absolute, so write %s.%s",
				  conf->mx_host, conf->domain, conf->mx_host,
				  conf->domain);
		else if (hlen > dlen &&
			 !strcasecmp(conf->mx_host + hlen - dlen, conf->domain))
			conf_warn(p, "mx-host", NULL,
				  "\"%s\" is outside %s: a dot missing before %s?",
				  conf->mx_host, conf->domain, conf->domain);
	}
	p->line = last_line;
}

/*
 * Required keywords are reported at the last line: they belong nowhere.
 * Not when the keyword was there with a bad value (that error says it
 * all), nor when a line could not be read at all: it may be on it.
 */
static void check_required(struct parser *p)
{
	if (p->unreadable)
		return;
	for (int i = 0; i < HOST_MAX; i++)
		if (!p->host[i].line && !p->host[i].seen)
			conf_error(p, p->host[i].keyword, NULL,
				   "missing (required)");
}

static void parse_lines(struct parser *p, struct reader *r)
{
	/* Room for the longest legal line, a '\r' and one byte to see more. */
	char buf[MXGW_CONF_MAX_LINE + 2];
	unsigned int bad;
	int len;

	for (;;) {
		len = read_line(r, buf, sizeof(buf), &bad);
		if (len < 0)
			break;
		p->line++;
		if (bad || len > MXGW_CONF_MAX_LINE)
			p->unreadable = true;
		/* CR first: a file with CR-only line ends is one long line */
		if (bad & LINE_BARE_CR)
			conf_error(p, "line", NULL,
				   "CR-only line ends: save the file with LF (or CRLF) line ends");
		else if ((bad & LINE_OVERFLOW) || len > MXGW_CONF_MAX_LINE)
			conf_error(p, "line", NULL,
				   "longer than %d characters",
				   MXGW_CONF_MAX_LINE);
		else if (bad & LINE_NUL)
			conf_error(p, "line", NULL, "contains a NUL byte");
		else
			parse_line(p, buf);
	}
}

/* A UTF-8 byte order mark, which some editors put first: not a keyword. */
static const char utf8_bom[] = "\xef\xbb\xbf";

/* The one parser behind both entry points: @text of @len bytes. */
static int parse(const char *text, size_t len, const char *path,
		 struct mxgw_conf_file *conf, FILE *err)
{
	struct reader r = { .text = text, .len = len };
	struct parser p = {
		.path = path,
		.err = err,
		.conf = conf,
		.host = {
			[HOST_PUBLIC] = { "public", &conf->policy.public_addr, 0 },
			[HOST_MAILSERVER] = { "mailserver",
					      &conf->policy.mailserver_addr, 0 },
		},
	};
	int ret = 0;

	memset(conf, 0, sizeof(*conf));
	snprintf(conf->path, sizeof(conf->path), "%s", path);
	mxgw_policy_init(&conf->policy);
	conf->mx_preference = MXGW_CONF_MX_PREFERENCE;

	if (len >= sizeof(utf8_bom) - 1 &&
	    !memcmp(text, utf8_bom, sizeof(utf8_bom) - 1))
		r.pos = sizeof(utf8_bom) - 1;
	parse_lines(&p, &r);
	/* (the services' lines were written as they were parsed) */
	conf->lines.public_addr = p.host[HOST_PUBLIC].line;
	conf->lines.mailserver = p.host[HOST_MAILSERVER].line;
	conf->lines.default_verdict = p.default_line;
	conf->lines.domain = p.domain_line;
	conf->lines.mx_host = p.mx_host_line;
	conf->lines.mx_preference = p.mx_preference_line;
	conf->lines.log_rate = p.log_rate_line;
	conf->lines.mailserver6 = p.mailserver6_line;
	conf->lines.lan6 = p.lan6_line;
	conf->lines.last = p.line;
	check_nat_ports(&p);
	check_blocklists(&p);
	check_limits(&p);
	check_synfloods(&p);
	check_dns(&p);
	check_required(&p);
	if (p.nerrors)
		ret = -EINVAL;
	if (ret)
		memset(conf, 0, sizeof(*conf));
	return ret;
}

__attribute__((format(printf, 3, 4)))
static int file_error(FILE *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vfprintf(err, fmt, ap);
		va_end(ap);
		fputc('\n', err);
	}
	return ret;
}

/*
 * Only a regular file or a FIFO (a pipe, <(...)) may be a config: a
 * device such as /dev/zero never ends, a tty waits for a human.
 */
static int check_file_kind(const char *path, const struct stat *st, FILE *err)
{
	const char *kind;

	if (S_ISREG(st->st_mode)) {
		if (st->st_size > MXGW_CONF_MAX_SIZE)
			return file_error(err, -EFBIG,
					  "%s: error: larger than 1 MiB: not a config file",
					  path);
		return 0;
	}
	if (S_ISFIFO(st->st_mode))
		return 0;
	if (S_ISDIR(st->st_mode))
		return file_error(err, -EISDIR, "%s: error: cannot read: %s",
				  path, strerror(EISDIR));
	if (S_ISCHR(st->st_mode))
		kind = "a character device";
	else if (S_ISBLK(st->st_mode))
		kind = "a block device";
	else if (S_ISSOCK(st->st_mode))
		kind = "a socket";
	else
		kind = "not a regular file";
	return file_error(err, -EINVAL,
			  "%s: error: %s, not a config file (a regular file or a FIFO)",
			  path, kind);
}

/*
 * The whole of @path, at most MXGW_CONF_MAX_SIZE bytes, into *@text
 * (malloc'd, NUL-terminated; *@len bytes, NULs in the file included).
 */
static int read_config(const char *path, char **text, size_t *len, FILE *err)
{
	size_t size = 0;
	struct stat st;
	char *buf;
	int fd, ret;

	/* stat first: a device is refused before it is ever opened */
	if (stat(path, &st))
		return file_error(err, -errno, "%s: error: cannot open: %s",
				  path, strerror(errno));
	ret = check_file_kind(path, &st, err);
	if (ret)
		return ret;
	/* O_NONBLOCK: a FIFO nobody writes to opens at once (and reads
	 * as empty) instead of waiting for a writer for ever */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return file_error(err, -errno, "%s: error: cannot open: %s",
				  path, strerror(errno));
	/* what was opened is what is read: the path may have changed */
	if (fstat(fd, &st))
		ret = file_error(err, -errno, "%s: error: cannot read: %s",
				 path, strerror(errno));
	else
		ret = check_file_kind(path, &st, err);
	/* then blocking reads: a writer that is there is waited for */
	if (!ret && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		ret = file_error(err, -errno, "%s: error: cannot read: %s",
				 path, strerror(errno));
	buf = ret ? NULL : malloc(MXGW_CONF_MAX_SIZE + 2);
	if (!ret && !buf)
		ret = file_error(err, -ENOMEM, "%s: error: cannot read: %s",
				 path, strerror(ENOMEM));
	/* one byte more than allowed tells a file that is too large */
	while (!ret && size <= MXGW_CONF_MAX_SIZE) {
		ssize_t n = read(fd, buf + size, MXGW_CONF_MAX_SIZE + 1 - size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			/* half a file must not look like a whole one */
			ret = file_error(err, -errno, "%s: error: cannot read: %s",
					 path, strerror(errno));
		else if (!n)
			break;
		else
			size += (size_t)n;
	}
	if (!ret && size > MXGW_CONF_MAX_SIZE)
		ret = file_error(err, -EFBIG,
				 "%s: error: larger than 1 MiB: not a config file",
				 path);
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[size] = '\0';
	*text = buf;
	*len = size;
	return 0;
}

int mxgw_conf_parse_file(const char *path, struct mxgw_conf_file *conf, FILE *err)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(conf, 0, sizeof(*conf));
	ret = read_config(path, &text, &len, err);
	if (ret)
		return ret;
	ret = parse(text, len, path, conf, err);
	free(text);
	return ret;
}

int mxgw_conf_parse_string(const char *name, const char *text,
			   struct mxgw_conf_file *conf, FILE *err)
{
	const char *path = name ? name : "(string)";
	size_t len;

	text = text ? text : "";
	len = strnlen(text, MXGW_CONF_MAX_SIZE + 1);
	if (len > MXGW_CONF_MAX_SIZE) {
		memset(conf, 0, sizeof(*conf));
		return file_error(err, -EFBIG,
				  "%s: error: larger than 1 MiB: not a config file",
				  path);
	}
	return parse(text, len, path, conf, err);
}

bool mxgw_dns_name_within(const char *name, const char *domain)
{
	size_t nlen, dlen;

	if (!name || !domain)
		return false;
	nlen = dns_name_len(name);
	dlen = dns_name_len(domain);
	if (!dlen || nlen < dlen || strncasecmp(name + nlen - dlen, domain, dlen))
		return false;
	return nlen == dlen || name[nlen - dlen - 1] == '.';
}
