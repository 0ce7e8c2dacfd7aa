/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxctl stats --prometheus: the snapshot (show.h) in the Prometheus text
 * exposition format, version 0.0.4.  mxctl_print_prometheus() is declared
 * with the other printers in show.h.
 *
 * Prometheus metric names are stable; the counters of enum mxgw_counter
 * map onto them by the family column of MXGW_COUNTERS (maps/mxgw_abi.h),
 * so a counter added there shows up without a change here:
 *
 *   DROP     mxgw_drops_total{ifname,reason="drop_..."}
 *   FWD      mxgw_forwarded_packets_total{ifname,path="fwd_..."}
 *   PASS     mxgw_passed_packets_total{ifname,reason="pass_..."}
 *   OWN      mxgw_NAME_total{ifname}, HELP = mxgw_counter_help()
 *
 * Every family once, with its HELP and TYPE lines, the samples of every
 * interface under it: usable as a node_exporter textfile as it is.
 */
#ifndef MXGW_PROMETHEUS_H
#define MXGW_PROMETHEUS_H

#include <stdio.h>
#include "show.h"

/* Exposed for the unit tests: a Prometheus label value (between the
 * quotes) and HELP text, escaped as the format requires. */
void mxgw_prom_label_value(FILE *out, const char *s);
void mxgw_prom_help_text(FILE *out, const char *s);

#endif /* MXGW_PROMETHEUS_H */
