/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The words user space prints and parses for the ABI's enums, so that
 * mxctl, the config parser, the man page and Prometheus say the same.
 */
#ifndef MXGW_MAPS_NAMES_H
#define MXGW_MAPS_NAMES_H

#include <linux/types.h>
#include "mxgw_abi.h"

/* Counter names as mxctl prints them, e.g. "drop_service_deny", and what
 * each counts (from the comments of enum mxgw_counter). */
const char *mxgw_counter_name(unsigned int counter);
const char *mxgw_counter_help(unsigned int counter);

/* The "timeout NAME" names of mxgw.conf, by enum mxgw_ct_state. */
extern const char *const mxgw_ct_state_names[MXGW_CT_STATE_MAX];

/* "allow" / "deny" (enum mxgw_verdict); "?" for anything else */
const char *mxgw_verdict_str(int verdict);
/* "tcp", "udp", "tcp,udp" (a MXGW_PROTO_BIT() mask); "?" for anything else */
const char *mxgw_protos_str(__u8 protos);

#endif /* MXGW_MAPS_NAMES_H */
