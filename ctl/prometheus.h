/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxctl stats: a snapshot of one interface's counters, and the three ways
 * it is printed (text, JSON, Prometheus text exposition format).
 *
 * The formatters are pure: they read the snapshot and write to a FILE,
 * nothing else (no clock, no map, no interface lookup), so the unit tests
 * compare their output byte for byte.  cmd_stats.c fills the snapshot
 * from the maps.
 *
 * Prometheus metric names are stable; the counters of enum mxgw_counter
 * map onto them by the family column of MXGW_COUNTERS (maps/mxgw_abi.h),
 * so a counter added there shows up without a change here:
 *
 *   DROP     mxgw_drops_total{ifname,reason="drop_..."}
 *   FWD      mxgw_forwarded_packets_total{ifname,path="fwd_..."}
 *   PASS     mxgw_passed_packets_total{ifname,reason="pass_..."}
 *   OWN      mxgw_NAME_total{ifname}, HELP = mxgw_counter_help()
 */
#ifndef MXGW_PROMETHEUS_H
#define MXGW_PROMETHEUS_H

#include <stdbool.h>
#include <stdio.h>
#include <net/if.h>
#include <linux/types.h>
#include "../maps/mxgw_abi.h"

/* NAT ports in use are counted per protocol: TCP and UDP ports, ICMP
 * echo identifiers. */
enum mxgw_stats_nat_proto {
	MXGW_STATS_NAT_TCP = 0,
	MXGW_STATS_NAT_UDP,
	MXGW_STATS_NAT_ICMP,
	MXGW_STATS_NAT_MAX,
};

/* The service name the formatters print for service id 0. */
#define MXGW_STATS_UNLISTED	"(unlisted)"

struct mxgw_stats_service {
	__u32 id;			/* 0: unlisted (the default verdict) */
	char name[MXGW_SVC_NAME_LEN];	/* NUL-terminated; "" for id 0 */
	__u16 port;			/* host order; 0 for id 0 */
	__u8 protos;			/* MXGW_PROTO_BIT() mask; 0 for id 0 */
	__u8 verdict[MXGW_DIR_MAX];	/* by enum mxgw_dir */
	bool from;			/* incoming restricted by "from" */
	bool to_gateway;		/* incoming to the gateway itself */
	struct mxgw_svc_stats count;	/* summed over CPUs */
};

/* The path incoming mail takes, from the next-hop cache. */
enum mxgw_stats_fwd_path {
	MXGW_STATS_FWD_UNKNOWN = 0,	/* no incoming connection so far */
	MXGW_STATS_FWD_REDIRECT,	/* XDP redirect to the LAN device */
	MXGW_STATS_FWD_KERNEL,		/* handed to the kernel */
	MXGW_STATS_FWD_MAX,
};

struct mxgw_stats {
	char ifname[IF_NAMESIZE];
	char xdp_mode[16];		/* "native", "generic", ..., "none" */
	__be32 public_addr;
	__be32 mailserver_addr;
	__u8 default_verdict[MXGW_DIR_MAX];	/* by enum mxgw_dir */
	__u8 icmp_echo;			/* enum mxgw_verdict */
	__u16 nat_port_min;
	__u16 nat_port_max;
	unsigned int nservices;		/* svcs[0] is the unlisted row */
	struct mxgw_stats_service svcs[MXGW_MAX_SERVICES];
	__u64 counters[MXGW_COUNTER_MAX];	/* by enum mxgw_counter */
	__u32 ct_entries;		/* tracked flows within their timeout */
	__u32 ct_max;			/* size of mxgw_ct (conntrack-max) */
	__u32 nat_mappings;		/* live flows of LAN hosts (not the gateway's) */
	__u32 nat_ports_in_use[MXGW_STATS_NAT_MAX];	/* distinct public ports */
	enum mxgw_stats_fwd_path fwd_path;
	char fwd_dev[IF_NAMESIZE];	/* the LAN device of the path, "" if unknown */
	int ipv4_forwarding;		/* net.ipv4.conf.IF.forwarding; -1 unknown */
};

/* "xdp-redirect", "kernel", "unknown" */
const char *mxgw_stats_fwd_path_str(enum mxgw_stats_fwd_path path);

/*
 * The Prometheus text exposition format (version 0.0.4) of @n snapshots:
 * every family once, with its HELP and TYPE lines, the samples of every
 * interface under it.  Usable as a node_exporter textfile as it is.
 * Returns 0, or -EIO when writing failed.
 */
int mxgw_stats_write_prometheus(FILE *out, const struct mxgw_stats *st, int n);

/* mxctl -j stats: a JSON array, one object per snapshot. */
int mxgw_stats_write_json(FILE *out, const struct mxgw_stats *st, int n);

/* mxctl stats: the text for people, snapshots one after the other. */
int mxgw_stats_write_text(FILE *out, const struct mxgw_stats *st, int n);

/* Exposed for the unit tests: a Prometheus label value (between the
 * quotes) and HELP text, escaped as the format requires. */
void mxgw_prom_label_value(FILE *out, const char *s);
void mxgw_prom_help_text(FILE *out, const char *s);

#endif /* MXGW_PROMETHEUS_H */
