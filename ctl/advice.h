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
 * server's address), in zone file syntax with fully qualified names.
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

/* More than any config can produce: one per service and a few more. */
#define MXGW_ADVICE_MAX_FINDINGS	(MXGW_MAX_SERVICES + 8)

/*
 * The settings of @conf the guide advises against, each with its reason:
 * a plaintext service (POP3, IMAP, NNTP, LDAP, HTTP) allowed incoming to
 * the mail server, a port Table 1.1 maps to the mail server taken "to
 * gateway", no outgoing DNS, a private public address or a mail server
 * outside the private ranges, default allow.  What the parser already warns about
 * (from on port 25, among others) is not repeated here.
 *
 * Fills @out with up to @max findings in line order and returns how many
 * there are, which may be more than @max.
 */
unsigned int mxgw_advice_check(const struct mxgw_conf_file *conf,
			       struct mxgw_finding *out, unsigned int max);

/* "PATH:LINE: warning: FIELD[: SUB]: message\n", as the parser prints. */
void mxgw_finding_print(const struct mxgw_conf_file *conf,
			const struct mxgw_finding *f, FILE *out);

#endif /* MXGW_ADVICE_H */
