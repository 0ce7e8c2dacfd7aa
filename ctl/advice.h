/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Kerio MailServer guide's advice (section 1.1 and its Table 1.1, the
 * shipped table) on a parsed config: the DNS records it implies
 * (mxctl dns) and the settings it warns about (mxctl check).  Everything
 * here is pure: it reads a struct mxgw_conf_file and writes to the stream
 * or array it is given, nothing else.
 */
#ifndef MXGW_ADVICE_H
#define MXGW_ADVICE_H

#include <stdio.h>
#include <net/if.h>
#include "config.h"
#include "json.h"

/* ---- DNS records ------------------------------------------------------- */

/*
 * What the config lacks for its DNS records: "domain", "mx-host",
 * "domain and mx-host", or NULL when it has both.
 */
const char *mxgw_dns_missing(const struct mxgw_conf_file *conf);

/*
 * The public zone records (the domain's MX records, the mx-host's A record
 * at the public address) and the local DNS record (the mx-host at the mail
 * server's address), in zone file syntax with fully qualified names.  With
 * a mailserver6, the mx-host's AAAA record at it in both: IPv6 is routed,
 * so the LAN and the Internet reach the one address.
 * Returns 0, -ENODATA (nothing written) when mxgw_dns_missing() says
 * something is missing, or -EIO when @out fails.
 */
int mxgw_dns_format(const struct mxgw_conf_file *conf, FILE *out);
/* The same records as one JSON object; -ENODATA as above. */
int mxgw_dns_format_json(const struct mxgw_conf_file *conf, struct json *j);

/* ---- advice checks ----------------------------------------------------- */

enum mxgw_severity {
	MXGW_SEV_WARNING = 0,
	MXGW_SEV_ERROR,
};

#define MXGW_FINDING_FIELD_LEN	32
#define MXGW_FINDING_SUB_LEN	16
#define MXGW_FINDING_MSG_LEN	400

/* One finding, worded as the parser words its diagnostics. */
struct mxgw_finding {
	int severity;			/* enum mxgw_severity */
	unsigned int line;		/* where to look; the last line if nowhere */
	char field[MXGW_FINDING_FIELD_LEN];	/* "public", "service pop3", ... */
	char sub[MXGW_FINDING_SUB_LEN];		/* "incoming", "outgoing" or "" */
	char message[MXGW_FINDING_MSG_LEN];	/* what, and why it matters */
};

/* The WAN interfaces' IPv6 prefixes mxgw_advice_check_host looks at. */
#define MXGW_ADVICE_WAN6_MAX	16

/* More than any config can produce: one per service and a few more, and
 * one per lan6 prefix and WAN prefix it overlaps. */
#define MXGW_ADVICE_MAX_FINDINGS	(MXGW_MAX_SERVICES + 16 + \
					 MXGW_LAN6_MAX * MXGW_ADVICE_WAN6_MAX)

/*
 * The settings of @conf the guide advises against, each with its reason:
 * a plaintext service (POP3, IMAP, NNTP, LDAP, HTTP) allowed incoming to
 * the mail server, a port Table 1.1 maps to the mail server taken "to
 * gateway", no outgoing DNS, a private public address or a mail server
 * outside the private ranges, default allow, a mailserver6 the Internet cannot
 * reach (fc00::/7) or outside lan6, a limit on SMTP (25/tcp) below a burst
 * of 20 or 1/s, a syn-flood threshold on SMTP below 20/s.  What the parser already warns about
 * (from on port 25, among others) is not repeated here.
 *
 * Fills @out with up to @max findings in line order and returns how many
 * there are, which may be more than @max.
 */
unsigned int mxgw_advice_check(const struct mxgw_conf_file *conf,
			       struct mxgw_finding *out, unsigned int max);

/*
 * What mxctl check knows of the host it runs on, for the advice on IPv6
 * that depends on it (everything else reads the file alone).
 */
struct mxgw_advice_host {
	int ip6_forward;	/* net.ipv6.conf.all.forwarding; -1: unknown */
	/* the WAN interfaces' global IPv6 prefixes (-i, or where mxgw runs) */
	unsigned int nwan6;
	struct {
		struct mxgw_cidr6 pfx;
		char dev[IF_NAMESIZE];
	} wan6[MXGW_ADVICE_WAN6_MAX];
	/* without lan6 in the file: what load would take (mxgw_lan6_of),
	 * connected on lan6_dev ("": no device found) */
	unsigned int nlan6;
	struct mxgw_prefix6 lan6[MXGW_LAN6_MAX];
	char lan6_dev[IF_NAMESIZE];
};

/*
 * mxgw_advice_check, and with @host (NULL: nothing known of it) the
 * advice on IPv6 that depends on the host: forwarding off, lan6
 * overlapping a WAN prefix, a mailserver6 outside the prefixes load would
 * find.  A ULA mailserver6, or one outside the file's lan6, is found from
 * the file alone.
 */
unsigned int mxgw_advice_check_host(const struct mxgw_conf_file *conf,
				    const struct mxgw_advice_host *host,
				    struct mxgw_finding *out, unsigned int max);

/* "PATH:LINE: warning: FIELD[: SUB]: message\n", as the parser prints. */
void mxgw_finding_print(const struct mxgw_conf_file *conf,
			const struct mxgw_finding *f, FILE *out);

#endif /* MXGW_ADVICE_H */
