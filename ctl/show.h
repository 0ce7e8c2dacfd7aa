/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What mxctl status and stats show: the library's snapshot of a running
 * gateway (struct mxgw_snapshot, loader.h) with what only mxctl knows,
 * the config file it is compared with; and the printers of it.
 *
 * One reader, several printers (bpftool's show_prog -> print_prog_json /
 * print_prog_plain): mxctl_snapshots() reads, and the printers are pure:
 * they read an array of snapshots and write to a FILE, nothing else (no
 * clock, no map, no interface lookup), so the unit tests compare their
 * output byte for byte on a snapshot built in the test.
 */
#ifndef MXGW_SHOW_H
#define MXGW_SHOW_H

#include <stdio.h>
#include <linux/types.h>
#include "json.h"
#include "config.h"
#include "conf_save.h"
#include "../loader/loader.h"

/* The JSON of status -j and stats -j: "schema" in its top-level object,
 * raised when a field changes meaning or goes (mxctl(8), JSON OUTPUT). */
#define MXCTL_JSON_SCHEMA	1

/* The service name the printers show for service id 0. */
#define MXCTL_UNLISTED		"(unlisted)"

struct mxctl_snapshot {
	int err;			/* reading failed: only s.ifname is valid */
	char error[160];		/* then what went wrong, in mxctl's words */
	struct mxgw_snapshot s;		/* read by the library */
	/* the config file the running table is compared with */
	const char *conf_path;
	const struct mxgw_conf_file *file;	/* NULL: it does not parse */
	struct mxgw_conf_diff diff;	/* with file: how the running table differs */
	int ndiff;			/* mxgw_conf_diff_running()'s count */
};

/*
 * The snapshots of the @n interfaces @names, each with its error (0 or a
 * negative errno), compared with @file (NULL: not compared) of
 * @conf_path.  NULL when out of memory; free() it.
 */
struct mxctl_snapshot *mxctl_snapshots(char (*names)[IF_NAMESIZE], int n,
				       const char *conf_path,
				       const struct mxgw_conf_file *file);

/*
 * The printers of @n snapshots.  The text printers skip a snapshot with
 * an error (mxctl has said it on stderr), JSON shows it as
 * {"ifname": ..., "error": ...}.  Each returns 0, or -EIO when writing
 * failed.
 */
/* mxctl status: the table as Table 1.1 shows it, with live counters */
int mxctl_print_status(FILE *out, const struct mxctl_snapshot *v, int n);
/* mxctl stats: every counter */
int mxctl_print_stats(FILE *out, const struct mxctl_snapshot *v, int n);
/* mxctl status -j and stats -j: one document, MXCTL_JSON_SCHEMA */
int mxctl_print_json(FILE *out, const struct mxctl_snapshot *v, int n);
/* mxctl stats --prometheus (prometheus.h) */
int mxctl_print_prometheus(FILE *out, const struct mxctl_snapshot *v, int n);

/* ---- the words the printers share --------------------------------------- */

/* "native", "generic", "offload", "multi" or "none" (XDP_ATTACHED_*). */
const char *mxctl_xdp_mode_str(__u8 mode);
/* The XDP program as stats and Prometheus name it: its mode when it is
 * mxgw's, "none" when there is none, "not-mxgw" when it is another's. */
const char *mxctl_xdp_state_str(const struct mxgw_attach_info *att);
/* "unknown", "xdp-redirect", "kernel" (enum mxgw_fwd_path) */
const char *mxctl_fwd_path_str(enum mxgw_fwd_path path);
/* "no_lookup", "redirect", "no_xmit", "no_neigh", "fwd_disabled",
 * "no_route" (enum mxgw_fwd_reason) */
const char *mxctl_fwd_reason_str(enum mxgw_fwd_reason reason);
/* "tcp", "udp", "icmp" (enum mxgw_nat_proto) */
const char *mxctl_nat_proto_str(enum mxgw_nat_proto p);
/* "in", "out" (enum mxgw_dir) */
const char *mxctl_dir_str(int dir);
/* The row's name: MXCTL_UNLISTED for service id 0. */
const char *mxctl_svc_name(const struct mxgw_snapshot_service *r);
/* "KEY": { "packets": N, "bytes": N } */
void mxctl_json_count(struct json *j, const char *key, const struct mxgw_pkt_count *c);
/* "ipv4", "ipv6" (enum mxgw_family): the family label, JSON's word */
const char *mxctl_family_str(int family);
/* Is counter @c counted per address family (not flag NOFAMILY)? */
bool mxctl_counter_has_family(unsigned int c);
/*
 * Does @s show IPv6 apart: a mailserver6 or a LAN prefix in what runs, or
 * anything IPv6 counted or tracked?  The text printers add IPv6's lines
 * and columns only then, so that an IPv4-only gateway reads as it did.
 */
bool mxctl_shows_ipv6(const struct mxgw_snapshot *s);
/* @a (network order) as RFC 5952 text into @buf (INET6_ADDRSTRLEN) */
const char *mxctl_in6_str(const struct mxgw_in6 *a, char *buf);
/* "2001:db8::/32" of a prefix in the data plane's form (net and mask) */
void mxctl_prefix6_str(const struct mxgw_prefix6 *p, char *buf, size_t len);
/*
 * The current SYN rate of syn-flood service @r: the SYNs counted in the
 * rate slot now running (mxgw_syn_state.count, exact to a batch a CPU;
 * 0 when none was added to it yet), scaled to a second as the threshold
 * is (a slot is 2^30 ns): what the data plane compares with it.
 */
__u64 mxctl_syn_rate(const struct mxgw_snapshot *s, const struct mxgw_snapshot_service *r);

#endif /* MXGW_SHOW_H */
