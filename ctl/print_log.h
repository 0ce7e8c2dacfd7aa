/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The printers of mxctl log: one event of the data plane (struct
 * mxgw_event) as a text line, a JSON line or a pcap record.  Pure: they
 * read the event and what the caller says of it (its interface, its
 * service's name, its wall-clock time) and write to a FILE, so the unit
 * tests compare them byte for byte on events built in the test.
 */
#ifndef MXGW_PRINT_LOG_H
#define MXGW_PRINT_LOG_H

#include <stdio.h>
#include <linux/types.h>
#include "../maps/mxgw_abi.h"

/* What the caller knows of an event besides the event itself. */
struct mxctl_log_ctx {
	const char *ifname;
	const char *service;	/* the table's name of ev->svc_id; "" unlisted */
	__s64 real_ns;		/* the event's time on CLOCK_REALTIME */
};

/*
 * The event's address family from the frame it kept (the EtherType after
 * at most two VLAN tags): MXGW_FAM_IPV4, MXGW_FAM_IPV6, or -1 for a frame
 * that is neither (ARP, one cut short, more tags than mxgw parses), whose
 * addresses the data plane left zero.
 */
int mxctl_log_family(const struct mxgw_event *ev);

/* "2024-05-01T12:00:00.123456Z" of a CLOCK_REALTIME ns time. */
void mxctl_log_iso_time(char *buf, size_t len, __s64 real_ns);

/*
 * One line: time, interface, direction, verdict, reason, protocol (IPv6's
 * tcp6, udp6, icmp6 as netstat and mxctl conntrack say them), source ->
 * destination (an IPv6 address with a port in brackets: [2001:db8::7]:25),
 * service, length.
 */
void mxctl_log_text(FILE *out, const struct mxctl_log_ctx *ctx, const struct mxgw_event *ev);
/* One JSON object and a newline (JSON lines), with "family". */
void mxctl_log_json(FILE *out, const struct mxctl_log_ctx *ctx, const struct mxgw_event *ev);

/* pcap, microsecond format, Ethernet: the global header, then one record
 * per event of the frame's first MXGW_EVENT_HEAD bytes. */
void mxctl_pcap_header(FILE *f);
void mxctl_pcap_record(FILE *f, __s64 real_ns, const struct mxgw_event *ev);

#endif /* MXGW_PRINT_LOG_H */
