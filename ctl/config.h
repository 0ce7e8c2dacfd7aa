/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxgw.conf parser.  Parsing is pure: it reads a file (or a string) into a
 * struct mxgw_conf and touches nothing else, so a config that fails to
 * parse can never change a running gateway.
 */
#ifndef MXGW_CONFIG_H
#define MXGW_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "../maps/mxgw_abi.h"

#define MXGW_CONF_DEFAULT_PATH	"/etc/mxgw/mxgw.conf"
#define MXGW_CONF_MAX_LINE	1024
/* A file larger than this is no config (mxctl -c /dev/zero, a log). */
#define MXGW_CONF_MAX_SIZE	(1024 * 1024)
#define MXGW_CONF_MAX_FROM_PER_SVC	64

/* Any config that parses fits the maps: apply never fails for size. */
_Static_assert((MXGW_MAX_SERVICES - 1) * MXGW_CONF_MAX_FROM_PER_SVC <= MXGW_MAX_FROM,
	       "mxgw_from holds every prefix a config can list");

struct mxgw_prefix {
	__be32 addr;		/* network byte order, host bits zero */
	__u8 len;		/* 0..32 */
};

struct mxgw_conf_service {
	char name[MXGW_SVC_NAME_LEN];	/* NUL-terminated, [a-z0-9_-], <= 15 chars */
	__u16 port;			/* host byte order, 1..65535 */
	__u8 protos;			/* MXGW_PROTO_BIT() mask, never 0 */
	__u8 verdict[MXGW_DIR_MAX];	/* enum mxgw_verdict by enum mxgw_dir */
	unsigned int nfrom;
	struct mxgw_prefix from[MXGW_CONF_MAX_FROM_PER_SVC];
	bool to_gateway;		/* "to gateway": incoming to the gateway itself */
	unsigned int line;		/* where it was defined */
};

#define MXGW_CONF_NAT_PORT_MIN		32768
#define MXGW_CONF_NAT_PORT_MAX		60999
#define MXGW_CONF_CONNTRACK_MAX		65536
#define MXGW_CONF_CONNTRACK_MAX_MIN	1024
#define MXGW_CONF_CONNTRACK_MAX_MAX	(16 * 1024 * 1024)
#define MXGW_CONF_TIMEOUT_MAX_S		(30U * 24 * 3600)	/* 30 days */

/* The "timeout NAME" names, by enum mxgw_ct_state, and their defaults. */
extern const char *const mxgw_ct_state_names[MXGW_CT_STATE_MAX];
extern const __u32 mxgw_ct_default_timeouts_s[MXGW_CT_STATE_MAX];

/* DNS names (domain, mx-host, backup-mx): RFC 1035 lengths. */
#define MXGW_CONF_DNS_NAME_MAX		253	/* without the trailing dot */
#define MXGW_CONF_MAX_BACKUP_MX		4
#define MXGW_CONF_MX_PREFERENCE		10
#define MXGW_CONF_LOG_RATE		100	/* events per second */
#define MXGW_CONF_LOG_RATE_MAX		100000

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
	unsigned int last;		/* the file's last line */
};

struct mxgw_conf {
	char path[256];			/* as given, for messages */
	__be32 public_addr;
	__be32 mailserver_addr;
	__u8 default_verdict;		/* enum mxgw_verdict */
	__u8 icmp_echo;			/* enum mxgw_verdict, default allow */
	__u16 nat_port_min;		/* host order, default 32768 */
	__u16 nat_port_max;		/* default 60999 */
	__u32 conntrack_max;		/* default 65536 */
	__u32 timeout_s[MXGW_CT_STATE_MAX];	/* by enum mxgw_ct_state */
	unsigned int nservices;
	/* at most MXGW_MAX_SERVICES - 1: service id 0 is "unlisted" */
	struct mxgw_conf_service services[MXGW_MAX_SERVICES - 1];
	/* The public and local DNS records (mxctl dns); "" when not set. */
	char domain[MXGW_CONF_DNS_NAME_MAX + 1];	/* no trailing dot */
	char mx_host[MXGW_CONF_DNS_NAME_MAX + 1];	/* no trailing dot */
	__u16 mx_preference;		/* default 10 */
	unsigned int nbackup_mx;
	struct mxgw_conf_mx backup_mx[MXGW_CONF_MAX_BACKUP_MX];
	/* Events per second the data plane may log; 0: none; default 100. */
	__u32 log_rate;
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
int mxgw_conf_parse_file(const char *path, struct mxgw_conf *conf, FILE *err);
int mxgw_conf_parse_string(const char *name, const char *text,
			   struct mxgw_conf *conf, FILE *err);

/* Lookups on a parsed config; NULL when absent. */
const struct mxgw_conf_service *
mxgw_conf_find_service(const struct mxgw_conf *conf, const char *name);

/*
 * Does a "to gateway" service of @conf let an incoming connection from
 * @remote (network order) in to @port (host order) of protocol @proto
 * (IPPROTO_TCP or IPPROTO_UDP)?  True when its incoming verdict is allow
 * and it has no "from" or @remote is inside it: the gateway's own
 * connections on the public address that a table keeps reachable.
 */
bool mxgw_conf_lets_in_to_gateway(const struct mxgw_conf *conf, __u8 proto,
				  __u16 port, __be32 remote);

/*
 * Is the DNS name @name (trailing dot or not) @domain or inside it?
 * Case-insensitive, on label boundaries: mail.company.com is inside
 * company.com, mailcompany.com is not.
 */
bool mxgw_dns_name_within(const char *name, const char *domain);

/* "allow" / "deny" */
const char *mxgw_verdict_str(int verdict);
/* "tcp", "udp", "tcp,udp" */
const char *mxgw_protos_str(__u8 protos);

#endif /* MXGW_CONFIG_H */
