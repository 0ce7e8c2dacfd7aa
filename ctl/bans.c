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
	char *line = NULL, *tok, why[MXGW_PREFIX_WHY_MAX];
	size_t cap = 0;
	unsigned int lineno = 0, bad = 0;
	ssize_t n;
	int ret = 0;

	if (!strcmp(name, "-"))
		name = "stdin";
	while ((n = getline(&line, &cap, in)) >= 0) {
		struct mxgw_src_prefix p;
		int got;

		lineno++;
		if ((size_t)n != strlen(line)) {
			snprintf(why, sizeof(why), "a NUL byte");
			got = -EINVAL;
		} else {
			line[strcspn(line, "\r\n")] = '\0';
			got = mxgw_prefix_line(line, &tok, why, sizeof(why));
			if (got > 0)
				got = mxgw_prefix_parse(tok, 1, bare_len6, &p, why, sizeof(why)) ?:
				      1;
		}
		if (got < 0) {
			if (err)
				fprintf(err, "%s:%u: error: %s: %s\n", name, lineno, field, why);
			bad++;
			continue;
		}
		if (got && !bad) {
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
