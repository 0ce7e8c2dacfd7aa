/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The desired state of a gateway: the table, the addresses and the
 * settings that mxgw_maps_apply() writes into the maps and the loader
 * sizes them by.  ctl/ parses mxgw.conf into one (struct mxgw_conf_file
 * holds it, with what only the text has: its path, line numbers, DNS
 * records); a test or another front end may fill one directly.
 *
 * Three names, three things: struct mxgw_policy is what should run,
 * struct mxgw_conf_file the parsed text, struct mxgw_config the ABI's
 * value of map mxgw_config (what runs, as the data plane reads it).
 *
 * Pure data and pure helpers: no map, no file, no output.
 */
#ifndef MXGW_MAPS_POLICY_H
#define MXGW_MAPS_POLICY_H

#include <stdbool.h>
#include <linux/types.h>
#include "mxgw_abi.h"

#define MXGW_POLICY_MAX_FROM_PER_SVC	64

/* Any policy within these limits fits the maps: apply never fails for size. */
_Static_assert((MXGW_MAX_SERVICES - 1) * MXGW_POLICY_MAX_FROM_PER_SVC <= MXGW_MAX_FROM,
	       "mxgw_from holds every prefix a policy can list");

/* Defaults (mxgw_policy_init) and the ranges a value must be in. */
#define MXGW_POLICY_NAT_PORT_MIN	32768
#define MXGW_POLICY_NAT_PORT_MAX	60999
#define MXGW_POLICY_CONNTRACK_MAX	65536
#define MXGW_POLICY_CONNTRACK_MAX_MIN	1024
#define MXGW_POLICY_CONNTRACK_MAX_MAX	(16 * 1024 * 1024)
/*
 * xdp-attach: through libxdp's multi-program dispatcher (xdp-tools), which
 * lets xdp-filter, xdpdump and other libxdp users share the WAN device, or
 * directly (the device's one program; kernels that refuse freplace).
 */
enum mxgw_xdp_attach {
	MXGW_XDP_ATTACH_DISPATCHER = 0,
	MXGW_XDP_ATTACH_DIRECT,
};
/* xdp-priority: lower runs first.  xdp-filter runs at 10, libxdp's default
 * is 50: mxgw's verdicts end the dispatcher's chain (a DNATed packet must
 * not reach another program as if it came from the Internet), so by
 * default it runs after them. */
#define MXGW_POLICY_XDP_PRIORITY	100
/*
 * xdp-redirect: the devices the XDP fast path may redirect frames into
 * (mxgw_tx_ports).  auto: those whose xdp-features include NDO_XMIT, asked
 * of the kernel (Linux 6.3+; before it, none, and the kernel forwards
 * everything); off: none; a list of names: the operator's word, for
 * kernels that cannot be asked (Debian 12's 6.1) or to override them.
 */
enum mxgw_xdp_redirect {
	MXGW_XDP_REDIRECT_AUTO = 0,
	MXGW_XDP_REDIRECT_OFF,
	MXGW_XDP_REDIRECT_DEVICES,
};
#define MXGW_POLICY_REDIRECT_DEVS	8
#define MXGW_POLICY_IFNAMSIZ		16	/* IFNAMSIZ, with its NUL */
#define MXGW_POLICY_XDP_PRIORITY_MAX	1000
#define MXGW_POLICY_TIMEOUT_MAX_S	(30U * 24 * 3600)	/* 30 days */
#define MXGW_POLICY_LOG_RATE		100	/* events per second */
#define MXGW_POLICY_LOG_RATE_MAX	100000

struct mxgw_prefix {
	__be32 addr;		/* network byte order, host bits zero */
	__u8 len;		/* 0..32 */
};

/* An IPv6 prefix as the config writes it: address and length.  (The
 * data plane's form, net and mask, is struct mxgw_prefix6 of the ABI.) */
struct mxgw_cidr6 {
	struct mxgw_in6 addr;	/* network byte order, host bits zero */
	__u8 len;		/* 0..128 */
};

struct mxgw_policy_service {
	char name[MXGW_SVC_NAME_LEN];	/* NUL-terminated, [a-z0-9_-], <= 15 chars */
	__u16 port;			/* host byte order, 1..65535 */
	__u8 protos;			/* MXGW_PROTO_BIT() mask, never 0 */
	__u8 verdict[MXGW_DIR_MAX];	/* enum mxgw_verdict by enum mxgw_dir */
	bool to_gateway;		/* incoming to the gateway itself, never DNATed */
	/*
	 * "from": the sources let in, one list in the config, kept here per
	 * family because each family has a trie of its own (mxgw_from,
	 * mxgw_from6).  Restricted when either is non-empty (see
	 * mxgw_policy_service_has_from): a list of IPv6 prefixes alone lets
	 * no IPv4 source in, and the other way round.  Together at most
	 * MXGW_POLICY_MAX_FROM_PER_SVC entries.
	 */
	unsigned int nfrom;		/* IPv4 prefixes */
	struct mxgw_prefix from[MXGW_POLICY_MAX_FROM_PER_SVC];
	unsigned int nfrom6;		/* IPv6 prefixes */
	struct mxgw_cidr6 from6[MXGW_POLICY_MAX_FROM_PER_SVC];
	/* `limit NAME RATE/UNIT [burst N] [ban DURATION]`: rate 0, none */
	struct {
		__u32 rate;		/* connections per per_s seconds */
		__u32 per_s;		/* 1, 60, 3600 */
		__u32 burst;		/* >= 1 */
		__u32 ban_s;		/* 0: no ban */
	} limit;
	/* `syn-flood NAME N/s`: SYNs a second over which a flood is on; 0: off */
	__u32 syn_flood_rate;
	/* `... budget M/s`: SYNs a second let through in a flood at most;
	 * 0: the rate's */
	__u32 syn_flood_budget;
};

/*
 * `blocklist NAME FILE [services NAME,...]`: the file is read when the
 * list is loaded (load, reload, mxctl blocklist reload), never here.
 */
struct mxgw_policy_blocklist {
	char name[MXGW_BL_NAME_LEN];	/* [a-z0-9_-], NUL-terminated */
	char file[MXGW_BL_FILE_LEN];	/* as written */
	bool all_services;		/* no "services": every incoming packet */
	/* else the services it applies to, by index in mxgw_policy.services */
	__u64 services[(MXGW_MAX_SERVICES + 63) / 64];
};

struct mxgw_policy {
	__be32 public_addr;
	__be32 mailserver_addr;
	/*
	 * IPv6, routed: the mail server's global address (no public6: the
	 * table's incoming column applies to it as it is), and the LAN's
	 * prefixes; nlan6 0: the loader takes the prefixes connected on the
	 * interface the mail server is routed through (struct mxgw_wan).
	 */
	bool has_mailserver6;
	struct mxgw_in6 mailserver6;
	unsigned int nlan6;
	struct mxgw_cidr6 lan6[MXGW_LAN6_MAX];
	__u8 default_verdict;		/* enum mxgw_verdict, both directions */
	__u8 icmp_echo;			/* enum mxgw_verdict */
	__u16 nat_port_min;		/* host order */
	__u16 nat_port_max;
	__u32 conntrack_max;		/* entries of mxgw_ct and mxgw_nat */
	__u32 timeout_s[MXGW_CT_STATE_MAX];	/* by enum mxgw_ct_state */
	__u32 log_rate;			/* events a second the data plane may log; 0: none */
	unsigned int nservices;
	/* at most MXGW_MAX_SERVICES - 1: service id 0 is "unlisted" */
	struct mxgw_policy_service services[MXGW_MAX_SERVICES - 1];
	/* allowlist: sources no ban, blocklist (nor, later, limit) drops, per
	 * family, at most MXGW_MAX_ALLOW each */
	unsigned int nallow4;
	struct mxgw_prefix allow4[MXGW_MAX_ALLOW];
	unsigned int nallow6;
	struct mxgw_cidr6 allow6[MXGW_MAX_ALLOW];
	unsigned int nblocklists;
	struct mxgw_policy_blocklist blocklists[MXGW_BL_MAX];
	/* how mxgw_wan_in goes on the WAN device (issue 15): enum
	 * mxgw_xdp_attach, and its run priority in libxdp's dispatcher */
	__u8 xdp_attach;
	__u32 xdp_priority;
	/* enum mxgw_xdp_redirect, and the devices named */
	__u8 xdp_redirect;
	unsigned int nredirect_devs;
	char redirect_devs[MXGW_POLICY_REDIRECT_DEVS][MXGW_POLICY_IFNAMSIZ];
};

/* netfilter's nf_conntrack_*_timeout defaults, by enum mxgw_ct_state. */
extern const __u32 mxgw_ct_default_timeouts_s[MXGW_CT_STATE_MAX];

/* Zero @pol, then the defaults: deny, icmp-echo allow, the MXGW_POLICY_*
 * values above and mxgw_ct_default_timeouts_s. */
void mxgw_policy_init(struct mxgw_policy *pol);

/* The service named @name; NULL when absent. */
const struct mxgw_policy_service *
mxgw_policy_find_service(const struct mxgw_policy *pol, const char *name);

/*
 * Does a "to gateway" service of @pol let an incoming connection from
 * @remote (network order) in to @port (host order) of protocol @proto
 * (IPPROTO_TCP or IPPROTO_UDP)?  True when its incoming verdict is allow
 * and it has no "from" or @remote is inside it: the gateway's own
 * connections on the public address that a table keeps reachable.
 */
bool mxgw_policy_lets_in_to_gateway(const struct mxgw_policy *pol, __u8 proto,
				    __u16 port, __be32 remote);

/* The netmask of a prefix length 0..32, network order. */
__be32 mxgw_prefix_mask(unsigned int len);
bool mxgw_prefix_contains(const struct mxgw_prefix *pfx, __be32 addr);

/*
 * The IPv6 twin, for a connection to one of the WAN device's own IPv6
 * addresses from @remote: over IPv6 the table judges only the "to gateway"
 * services' ports there (the gateway's other ports are its own business,
 * as its other IPv4 addresses are), so true unless such a service lists
 * @port for @proto and denies it incoming or has a from that leaves
 * @remote out.
 */
bool mxgw_policy_lets_in_to_gateway6(const struct mxgw_policy *pol, __u8 proto,
				     __u16 port, const struct mxgw_in6 *remote);

/* Is incoming to @svc restricted to its "from" prefixes (of either family)? */
static inline bool mxgw_policy_service_has_from(const struct mxgw_policy_service *svc)
{
	return svc->nfrom || svc->nfrom6;
}

/*
 * IPv6 prefixes.  A length above 128 counts as 128.  mxgw_in6_eq compares
 * two addresses, mxgw_in6_and masks one; mxgw_prefix6_of turns the
 * config's form into the data plane's (net and mask); host bits of
 * @c->addr are cleared there, never trusted.
 */
struct mxgw_in6 mxgw_prefix6_mask(unsigned int len);
bool mxgw_in6_eq(const struct mxgw_in6 *a, const struct mxgw_in6 *b);
struct mxgw_in6 mxgw_in6_and(const struct mxgw_in6 *a, const struct mxgw_in6 *mask);
struct mxgw_prefix6 mxgw_prefix6_of(const struct mxgw_cidr6 *c);
bool mxgw_prefix6_contains(const struct mxgw_prefix6 *p, const struct mxgw_in6 *addr);
bool mxgw_cidr6_contains(const struct mxgw_cidr6 *c, const struct mxgw_in6 *addr);
/* Do @a and @b share an address (one holds the other)? */
bool mxgw_cidr6_overlap(const struct mxgw_cidr6 *a, const struct mxgw_cidr6 *b);

#endif /* MXGW_MAPS_POLICY_H */
