// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prefixes, durations and prefix files for bans and the allowlist. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "bans.h"
#include "../maps/policy.h"

int mxctl_parse_duration(const char *s, __u64 *seconds)
{
	unsigned long long v = 0, unit = 1;
	size_t i = 0;

	if (s[0] < '1' || s[0] > '9')
		return -EINVAL;	/* no sign, no leading zero, not empty */
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (unsigned long long)(s[i] - '0');
		if (v > MXCTL_BAN_MAX_S)
			return -EINVAL;
	}
	if (s[i]) {
		switch (s[i]) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 24 * 3600; break;
		default: return -EINVAL;
		}
		if (s[i + 1])
			return -EINVAL;
	}
	if (v * unit > MXCTL_BAN_MAX_S)
		return -EINVAL;
	*seconds = v * unit;
	return 0;
}

static int why_err(char *why, size_t len, const char *fmt, const char *s, unsigned int n)
{
	snprintf(why, len, fmt, s, n);
	return -EINVAL;
}

int mxctl_parse_src_prefix(const char *s, unsigned int bare_len6,
			   struct mxgw_src_prefix *p, char *why, size_t whylen)
{
	char addr[INET6_ADDRSTRLEN];
	size_t alen = strcspn(s, "/");
	unsigned long len = 0;
	unsigned int max;
	char *end;

	memset(p, 0, sizeof(*p));
	if (alen >= sizeof(addr))
		return why_err(why, whylen, "\"%s\" is not an address or prefix", s, 0);
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &p->addr.a[0]) == 1) {
		p->family = MXGW_FAM_IPV4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, &p->addr) == 1) {
		p->family = MXGW_FAM_IPV6;
		max = 128;
	} else {
		return why_err(why, whylen, "\"%s\" is not an IPv4 or IPv6 address or prefix", s, 0);
	}
	if (s[alen]) {
		const char *l = s + alen + 1;

		if (*l < '1' || *l > '9')
			return why_err(why, whylen, "\"%s\": prefix length must be 1..%u", s, max);
		len = strtoul(l, &end, 10);
		if (*end || len > max)
			return why_err(why, whylen, "\"%s\": prefix length must be 1..%u", s, max);
		p->len = (__u8)len;
		if (p->family == MXGW_FAM_IPV4 ?
		    (p->addr.a[0] & ~mxgw_prefix_mask(p->len)) != 0 :
		    ({ struct mxgw_in6 m = mxgw_prefix6_mask(p->len),
				     n = mxgw_in6_and(&p->addr, &m);
		       !mxgw_in6_eq(&n, &p->addr); }))
			return why_err(why, whylen, "\"%s\": host bits set beyond /%u", s, p->len);
		return 0;
	}
	if (p->family == MXGW_FAM_IPV4) {
		p->len = 32;
	} else {
		struct mxgw_in6 m = mxgw_prefix6_mask(bare_len6);

		p->len = (__u8)bare_len6;
		p->addr = mxgw_in6_and(&p->addr, &m);
	}
	return 0;
}

void mxctl_format_src_prefix(const struct mxgw_src_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family == MXGW_FAM_IPV6 ? AF_INET6 : AF_INET,
		  p->family == MXGW_FAM_IPV6 ? (const void *)&p->addr : (const void *)&p->addr.a[0],
		  a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}

int mxctl_read_prefix_file(const char *name, FILE *in, unsigned int bare_len6,
			   const char *field, FILE *err,
			   int (*fn)(const struct mxgw_src_prefix *p, void *arg), void *arg)
{
	char *line = NULL, why[160];
	size_t cap = 0;
	unsigned int lineno = 0, bad = 0;
	ssize_t n;
	int ret = 0;

	if (!strcmp(name, "-"))
		name = "stdin";
	while ((n = getline(&line, &cap, in)) >= 0) {
		struct mxgw_src_prefix p;
		char *s, *tok, *rest;

		lineno++;
		if ((size_t)n != strlen(line)) {
			if (err)
				fprintf(err, "%s:%u: error: %s: a NUL byte\n", name, lineno, field);
			bad++;
			continue;
		}
		line[strcspn(line, "#;\r\n")] = '\0';
		s = line + strspn(line, " \t");
		if (!*s)
			continue;
		tok = s;
		rest = s + strcspn(s, " \t");
		if (*rest) {
			*rest++ = '\0';
			rest += strspn(rest, " \t");
		}
		if (*rest) {
			if (err)
				fprintf(err, "%s:%u: error: %s: \"%s\": one ADDR[/LEN] per line\n",
					name, lineno, field, rest);
			bad++;
			continue;
		}
		if (mxctl_parse_src_prefix(tok, bare_len6, &p, why, sizeof(why))) {
			if (err)
				fprintf(err, "%s:%u: error: %s: %s\n", name, lineno, field, why);
			bad++;
			continue;
		}
		if (!bad) {
			ret = fn(&p, arg);
			if (ret)
				break;
		}
	}
	if (!ret && ferror(in))
		ret = -EIO;
	free(line);
	if (!ret && bad)
		ret = -EINVAL;
	return ret;
}
