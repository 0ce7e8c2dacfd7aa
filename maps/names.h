/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The words user space prints and parses for the ABI's enums, so that
 * mxctl, the config parser, the man page and Prometheus say the same.
 */
#ifndef MXGW_MAPS_NAMES_H
#define MXGW_MAPS_NAMES_H

#include <stdbool.h>
#include <linux/types.h>
#include "mxgw_abi.h"

/* The Prometheus family of a counter (the family column of MXGW_COUNTERS). */
enum mxgw_counter_family {
	MXGW_CF_DROP,		/* mxgw_drops_total{reason="WORD"} */
	MXGW_CF_FWD,		/* mxgw_forwarded_packets_total{path="WORD"} */
	MXGW_CF_PASS,		/* mxgw_passed_packets_total{reason="WORD"} */
	MXGW_CF_OWN,		/* a metric of its own, mxgw_WORD_total */
	MXGW_CF_MAX,
};

struct mxgw_counter_info {
	const char *name;		/* "drop_service_deny" */
	const char *help;		/* what it counts */
	enum mxgw_counter_family family;
	unsigned int flags;		/* MXGW_CF_F_* (mxgw_abi.h) */
};

/* Every counter, by enum mxgw_counter: what printers iterate. */
extern const struct mxgw_counter_info mxgw_counter_table[MXGW_COUNTER_MAX];

/* Counter names as mxctl prints them ("unknown" out of range), and what
 * each counts ("" out of range). */
const char *mxgw_counter_name(unsigned int counter);
const char *mxgw_counter_help(unsigned int counter);

/* Packets to the LAN the kernel forwarded: the KERNEL counters summed. */
__u64 mxgw_kernel_path(const __u64 *counters);

/* The "timeout NAME" names of mxgw.conf, by enum mxgw_ct_state. */
extern const char *const mxgw_ct_state_names[MXGW_CT_STATE_MAX];

/* "allow" / "deny" (enum mxgw_verdict); "?" for anything else */
const char *mxgw_verdict_str(int verdict);
/* "tcp", "udp", "tcp,udp" (a MXGW_PROTO_BIT() mask); "?" for anything else */
const char *mxgw_protos_str(__u8 protos);
/* A limit's unit as the config writes it after "/": "s", "m" or "h" for
 * @per_s 1, 60, 3600. */
const char *mxgw_limit_unit(__u32 per_s);

#endif /* MXGW_MAPS_NAMES_H */
