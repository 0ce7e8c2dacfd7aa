/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxgw.conf parser.  Parsing is pure: it reads a file (or a string) into a
 * struct mxgw_conf_file and touches nothing else, so a config that fails
 * to parse can never change a running gateway.  What the maps are filled
 * from is its struct mxgw_policy (maps/policy.h); the rest is what only
 * the text has: its path, line numbers, the DNS records of mxctl dns.
 */
#ifndef MXGW_CONFIG_H
#define MXGW_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "../maps/mxgw_abi.h"
#include "../maps/names.h"
#include "../maps/policy.h"

#define MXGW_CONF_DEFAULT_PATH	"/etc/mxgw/mxgw.conf"
#define MXGW_CONF_MAX_LINE	1024
/* A file larger than this is no config (mxctl -c /dev/zero, a log). */
#define MXGW_CONF_MAX_SIZE	(1024 * 1024)

/* DNS names (domain, mx-host, backup-mx): RFC 1035 lengths. */
#define MXGW_CONF_DNS_NAME_MAX		253	/* without the trailing dot */
#define MXGW_CONF_MAX_BACKUP_MX		4
#define MXGW_CONF_MX_PREFERENCE		10

/* One "backup-mx HOST PREF" line. */
struct mxgw_conf_mx {
	char host[MXGW_CONF_DNS_NAME_MAX + 1];	/* as written, no trailing dot */
	__u16 preference;
	unsigned int line;
};

/* Where each once-only setting was written; 0 when absent (the default). */
struct mxgw_conf_lines {
	unsigned int public_addr;
	unsigned int mailserver;
	unsigned int default_verdict;
	unsigned int domain;
	unsigned int mx_host;
	unsigned int mx_preference;
	unsigned int log_rate;
	unsigned int mailserver6;
	unsigned int lan6;
	unsigned int last;		/* the file's last line */
	/* where each service was defined, by its index in policy.services */
	unsigned int service[MXGW_MAX_SERVICES - 1];
	/* where each service's limit was, by the same index; 0: none */
	unsigned int limit[MXGW_MAX_SERVICES - 1];
	/* where each service's syn-flood was, by the same index; 0: none */
	unsigned int syn_flood[MXGW_MAX_SERVICES - 1];
};

struct mxgw_conf_file {
	char path[256];			/* as given, for messages */
	struct mxgw_policy policy;	/* what load and reload apply */
	/* The public and local DNS records (mxctl dns); "" when not set. */
	char domain[MXGW_CONF_DNS_NAME_MAX + 1];	/* no trailing dot */
	char mx_host[MXGW_CONF_DNS_NAME_MAX + 1];	/* no trailing dot */
	__u16 mx_preference;		/* default 10 */
	unsigned int nbackup_mx;
	struct mxgw_conf_mx backup_mx[MXGW_CONF_MAX_BACKUP_MX];
	unsigned int nwarnings;		/* warnings the parser printed */
	struct mxgw_conf_lines lines;
};

/*
 * Diagnostics go to @err (stderr in mxctl, a memstream in tests), one per
 * line, as "FILE:LINE: error: FIELD: message" or "FILE:LINE: warning: ...";
 * what concerns the file as a whole as "FILE: error: message".
 *
 * A file must be a regular file or a FIFO (a FIFO nobody writes to reads
 * as empty, never blocks) of at most MXGW_CONF_MAX_SIZE bytes; a UTF-8
 * byte order mark first is skipped; lines end with LF or CRLF.
 *
 * Returns 0 on success (warnings may have been printed), -EINVAL on a
 * syntax or semantic error (or a device, socket: not a config), -EFBIG
 * for a file larger than MXGW_CONF_MAX_SIZE, -EISDIR, or another negative
 * errno when the file cannot be read.  On error *conf is left zeroed.
 */
int mxgw_conf_parse_file(const char *path, struct mxgw_conf_file *conf, FILE *err);
int mxgw_conf_parse_string(const char *name, const char *text,
			   struct mxgw_conf_file *conf, FILE *err);

/*
 * Is the DNS name @name (trailing dot or not) @domain or inside it?
 * Case-insensitive, on label boundaries: mail.company.com is inside
 * company.com, mailcompany.com is not.
 */
bool mxgw_dns_name_within(const char *name, const char *domain);

/* A key of mxgw.conf as mxctl help config prints it. */
struct mxctl_conf_key {
	const char *name;
	const char *syntax;	/* what follows the key */
	const char *help;
};

/* The @i-th key of mxgw.conf, or NULL past the last. */
const struct mxctl_conf_key *mxctl_conf_key(size_t i);

#endif /* MXGW_CONFIG_H */
