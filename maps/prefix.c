// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Source prefixes as operators write them (see prefix.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "prefix.h"
#include "policy.h"

__attribute__((format(printf, 3, 4)))
static int why_err(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* LEN after the '/': digits only, no leading zero, @min..@max. */
static int parse_len(const char *l, unsigned int min, unsigned int max, unsigned int *len)
{
	unsigned int v = 0;
	size_t i;

	if (!*l || (l[0] == '0' && l[1]) || strlen(l) > 3)
		return -EINVAL;
	for (i = 0; l[i]; i++) {
		if (l[i] < '0' || l[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(l[i] - '0');
	}
	if (v < min || v > max)
		return -EINVAL;
	*len = v;
	return 0;
}

int mxgw_prefix_parse(const char *s, unsigned int min_len, unsigned int bare_len6,
		      struct mxgw_src_prefix *p, char *why, size_t whylen)
{
	char addr[INET6_ADDRSTRLEN];
	size_t alen = strcspn(s, "/");
	/* the family by its separator, so the message can name it */
	bool v6 = memchr(s, ':', alen) != NULL;
	unsigned int max = v6 ? 128 : 32, len;
	struct mxgw_in6 m, net;

	memset(p, 0, sizeof(*p));
	if (alen >= sizeof(addr))
		return why_err(why, whylen, "\"%.60s\": not an %s address", s, v6 ? "IPv6" : "IPv4");
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	p->family = v6 ? MXGW_FAM_IPV6 : MXGW_FAM_IPV4;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, v6 ? (void *)&p->addr : (void *)&p->addr.a[0]) != 1)
		return why_err(why, whylen, "\"%s\": not an %s address", addr, v6 ? "IPv6" : "IPv4");
	if (!s[alen]) {
		/* a bare IPv6 address stands for its /64, as everywhere
		 * (the allowlist's for itself) */
		p->len = v6 ? (__u8)bare_len6 : 32;
		m = v6 ? mxgw_prefix6_mask(p->len) : (struct mxgw_in6){ .a = { 0xffffffff } };
		p->addr = mxgw_in6_and(&p->addr, &m);
		return 0;
	}
	if (parse_len(s + alen + 1, min_len, max, &len))
		return why_err(why, whylen, "\"%s\": prefix length must be %u..%u", s, min_len, max);
	p->len = (__u8)len;
	m = v6 ? mxgw_prefix6_mask(len) : (struct mxgw_in6){ .a = { mxgw_prefix_mask(len) } };
	net = mxgw_in6_and(&p->addr, &m);
	if (!mxgw_in6_eq(&net, &p->addr)) {
		inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (void *)&net : (void *)&net.a[0],
			  addr, sizeof(addr));
		return why_err(why, whylen, "\"%s\": host bits set beyond /%u (%s/%u?)", s, len,
			       addr, len);
	}
	return 0;
}

static char *skip_ws(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A JSON string at @p (after its opening quote) into @buf: the position
 * after its closing quote, or NULL.  Escapes are kept out: no member of
 * Spamhaus' objects needs one, and a cidr never holds one. */
static char *json_string(char *p, char *buf, size_t size)
{
	size_t n = 0;

	for (; *p && *p != '"'; p++) {
		if (*p == '\\') {
			if (!p[1])
				return NULL;
			p++;
		}
		if (n + 1 < size)
			buf[n++] = *p;
	}
	if (*p != '"')
		return NULL;
	buf[n] = 0;
	return p + 1;
}

/* A JSON scalar (number, true, false, null) at @p: the position after it. */
static char *json_scalar(char *p)
{
	char *s = p;

	while (*p && *p != ',' && *p != '}' && *p != ' ' && *p != '\t')
		p++;
	if (p == s)
		return NULL;
	if (!strncmp(s, "true", 4) || !strncmp(s, "false", 5) || !strncmp(s, "null", 4))
		return p;
	for (const char *q = s; q < p; q++)
		if (!strchr("0123456789+-.eE", *q))
			return NULL;
	return p;
}

/* One line of Spamhaus' JSON (@p at its '{'): a flat object with
 * "cidr", or the metadata object last.  The cidr is copied to @line's
 * start: it is shorter than the object that holds it. */
static int json_line(char *line, char *p, char **tok, char *why, size_t whylen)
{
	char key[32], val[128], cidr[128] = "", type[32] = "";
	bool have_cidr = false;

	p = skip_ws(p + 1);
	if (*p == '}')
		goto end;
	for (;;) {
		if (*p != '"' || !(p = json_string(p + 1, key, sizeof(key))))
			goto syntax;
		p = skip_ws(p);
		if (*p != ':')
			goto syntax;
		p = skip_ws(p + 1);
		if (*p == '"') {
			p = json_string(p + 1, val, sizeof(val));
			if (!p)
				goto syntax;
			if (!strcmp(key, "cidr")) {
				snprintf(cidr, sizeof(cidr), "%s", val);
				have_cidr = true;
			} else if (!strcmp(key, "type")) {
				snprintf(type, sizeof(type), "%s", val);
			}
		} else {
			p = json_scalar(p);
			if (!p)
				goto syntax;
			if (!strcmp(key, "cidr"))
				return why_err(why, whylen, "JSON: \"cidr\" is not a string");
		}
		p = skip_ws(p);
		if (*p == '}')
			break;
		if (*p != ',')
			goto syntax;
		p = skip_ws(p + 1);
	}
end:
	if (*skip_ws(p + 1))
		return why_err(why, whylen, "JSON: text after the object");
	if (have_cidr) {
		strcpy(line, cidr);
		*tok = line;
		return 1;
	}
	if (!strcmp(type, "metadata"))
		return 0;	/* Spamhaus' last line: timestamp, size, records */
	return why_err(why, whylen, "JSON: no \"cidr\" member");
syntax:
	return why_err(why, whylen, "JSON: expected {\"cidr\":\"PREFIX\",...}");
}

int mxgw_prefix_line(char *line, char **tok, char *why, size_t whylen)
{
	char *s = skip_ws(line), *end, *rest;

	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '{')
		return json_line(line, s, tok, why, whylen);
	/* the prefix, then nothing but a comment */
	end = s + strcspn(s, " \t;#");
	rest = *end ? skip_ws(end) : end;
	if (*rest && *rest != '#' && *rest != ';') {
		*end = 0;
		return why_err(why, whylen, "\"%s\": expected one prefix a line, then only a "
			       "comment (# or ;), found \"%.40s\"", s, rest);
	}
	*end = 0;
	*tok = s;
	return 1;
}
