/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * make bench, part 2: what the generator, the sink and bench_e2e share.
 *
 * Every frame has one fixed length, so the generator restores it with a
 * copy of constant size and the sink sums its checksums with unrolled
 * loads: Ethernet (14), IPv4 without options (20), and 40 bytes of L4 --
 * a TCP SYN with the 20 bytes of options Linux sends (MSS, SACK permitted,
 * timestamps, window scale), or UDP with 32 bytes of payload.  IPv6's
 * rows carry the same 40 bytes of L4 after a 40-byte IPv6 header (no
 * extension header): 94 bytes, the other fixed length.
 */
#ifndef MXGW_BENCH_FRAME_H
#define MXGW_BENCH_FRAME_H

#include <linux/types.h>

#define BENCH_FRAME_LEN		74
#define BENCH_IP_OFF		14
#define BENCH_L4_OFF		34
#define BENCH_L4_LEN		40
#define BENCH_IP_TOT_LEN	(20 + BENCH_L4_LEN)
#define BENCH_TCP_CSUM_OFF	(BENCH_L4_OFF + 16)
#define BENCH_UDP_CSUM_OFF	(BENCH_L4_OFF + 6)

/* IPv6: the same L4 after 40 bytes of IPv6 header */
#define BENCH_FRAME6_LEN	94
#define BENCH_L4_OFF6		54
#define BENCH_TCP_CSUM_OFF6	(BENCH_L4_OFF6 + 16)
#define BENCH_UDP_CSUM_OFF6	(BENCH_L4_OFF6 + 6)
#define BENCH_FRAME_MAX		BENCH_FRAME6_LEN

#define BENCH_PROTO_TCP		6
#define BENCH_PROTO_UDP		17

/* gen_tmpl: the frame every generated frame starts from. */
struct bench_tmpl {
	__u8 frame[BENCH_FRAME_MAX];	/* BENCH_FRAME_LEN bytes used, IPv6's BENCH_FRAME6_LEN */
	__u8 ipv6;		/* 1: an IPv6 frame (BENCH_FRAME6_LEN, L4 at BENCH_L4_OFF6) */
	__u8 proto;		/* BENCH_PROTO_*: where the L4 checksum is */
	__u8 walk_dport;	/* 1: the flows walk the destination port, not the source's */
	__u16 sport_base;	/* host order: flow f has (source) port base + f */
	__u32 nflows;		/* 1: the template as it is */
	__u32 step;		/* the generator CPUs: each walks its own flows */
};

/* sink_stats: per CPU, what arrived. */
struct bench_sink_stats {
	__u64 ok;		/* IPv4 rewritten or IPv6 routed as expected, checksums valid */
	__u64 bad_len;		/* not BENCH_FRAME_LEN (IPv6: BENCH_FRAME6_LEN) bytes, or not
				 * TCP / UDP */
	__u64 bad_addr;		/* the translated address is not the expected one (IPv6:
				 * either address not the one it was sent with) */
	__u64 bad_hdr;		/* MACs or TTL (hop limit) not those of a forwarded frame */
	__u64 bad_ip_csum;	/* IPv4 header checksum invalid */
	__u64 bad_l4_csum;	/* TCP/UDP checksum invalid (or UDP without one) */
	__u64 other;		/* neither IPv4 nor IPv6 TCP/UDP (ignored, counted): the
				 * gateways' own ICMPv6 (MLD) among them */
	__u64 bad_port;		/* L4 ports outside sink_ports' ranges */
};

/* sink_ports: the L4 ports a row's frames must arrive with, host order,
 * inclusive ranges; all 0: not checked (the rows that predate it). */
struct bench_sink_ports {
	__u16 sport_lo, sport_hi;
	__u16 dport_lo, dport_hi;
};

/* ceiling_stats: per CPU, frames dropped. */
struct bench_ceiling_stats {
	__u64 dropped;
};

#endif /* MXGW_BENCH_FRAME_H */
