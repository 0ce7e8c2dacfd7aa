// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench, part 2: where the frames end.
 *
 * bench_sink sits on the far end of the veth a gateway forwards into (the
 * mail server's for inbound DNAT, the Internet's for outgoing masquerade).
 * Every frame is checked, never sampled: IPv4 of the bench's fixed length,
 * the translated address what it must be (the mail server's as
 * destination, or the public address as source), the MACs and TTL of a
 * frame that was really forwarded, and the IPv4 and TCP/UDP checksums
 * summed from the bytes as a receiver would; and where a row sets
 * sink_ports (issue 14's rows), the L4 ports.  IPv6 frames (routed, never
 * translated) likewise: BENCH_FRAME6_LEN bytes without extension header,
 * both addresses those they were sent with (the mail server's global
 * address, expect_addr6, and a peer in expect_peer6's /64), the hop limit
 * one less, the MACs, the TCP/UDP checksum over IPv6's pseudo header.
 * Good and bad frames are counted apart, per CPU, and all are dropped.
 *
 * bench_ceiling takes the gateway's place on its receiving device: it
 * counts and drops, the fastest any XDP gateway could be there.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>	/* struct ethhdr, ETH_P_IP */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bench_frame.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by bench_e2e before load, one object per sink. */
const volatile __be32 expect_addr = 0;
const volatile __u8 expect_dst = 1;	/* 1: daddr is checked; 0: saddr */
const volatile __u8 expect_ttl = 63;
const volatile __u8 expect_dmac[6] = {};
const volatile __u8 expect_smac[6] = {};
/* IPv6: the mail server's address (daddr or saddr, as expect_dst says),
 * and the /64 of the other end (the Internet's clients and remotes) */
const volatile __u8 expect_addr6[16] = {};
const volatile __u8 expect_peer6[8] = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_sink_stats);
} sink_stats SEC(".maps");

/* Set by bench_e2e for each row: the ports its frames must keep or get. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_sink_ports);
} sink_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_ceiling_stats);
} ceiling_stats SEC(".maps");

static __always_inline __u16 fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The one's complement sum of @words 32-bit words at @p (any byte order:
 * a valid checksum folds to 0xffff either way). */
#define SUM_WORDS(p, words) ({					\
	const __u32 *__w = (const __u32 *)(p);			\
	__u64 __s = 0;						\
	_Pragma("unroll")					\
	for (int __i = 0; __i < (words); __i++)			\
		__s += __w[__i];				\
	__s; })

/* The frame's MACs those the gateway under test must have written. */
static __always_inline bool macs_ok(const struct ethhdr *eth)
{
	int i;

#pragma unroll
	for (i = 0; i < 6; i++)
		if (eth->h_dest[i] != expect_dmac[i] || eth->h_source[i] != expect_smac[i])
			return false;
	return true;
}

/* The ports of the TCP or UDP header at @l4 (its first 4 bytes, in the
 * frame the caller bounds-checked) inside @pt's ranges; any when unset. */
static __always_inline bool ports_ok(const struct bench_sink_ports *pt, const void *l4)
{
	__u16 sp = bpf_ntohs(*(const __u16 *)l4);
	__u16 dp = bpf_ntohs(*(const __u16 *)(l4 + 2));

	return !pt->sport_hi || (sp >= pt->sport_lo && sp <= pt->sport_hi &&
				 dp >= pt->dport_lo && dp <= pt->dport_hi);
}

static __always_inline int sink6(void *data, void *data_end, struct bench_sink_stats *st,
				 const struct bench_sink_ports *pt)
{
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = data + BENCH_IP_OFF;
	const __u8 *addr, *peer;
	__u64 s;
	int i;

	if (data + BENCH_IP_OFF + sizeof(*ip6) > data_end) {
		st->bad_len++;
		return XDP_DROP;
	}
	/* ICMPv6 (a gateway's MLD reports, NDP), hop-by-hop: not the bench's */
	if (ip6->nexthdr != BENCH_PROTO_TCP && ip6->nexthdr != BENCH_PROTO_UDP) {
		st->other++;
		return XDP_DROP;
	}
	if (data + BENCH_FRAME6_LEN > data_end) {
		st->bad_len++;
		return XDP_DROP;
	}
	asm volatile("" : "+r"(data_end));	/* as in bench_sink */
	if (data + BENCH_FRAME6_LEN < data_end || ip6->version != 6 ||
	    ip6->payload_len != bpf_htons(BENCH_L4_LEN)) {
		st->bad_len++;
		return XDP_DROP;
	}
	addr = expect_dst ? ip6->daddr.s6_addr : ip6->saddr.s6_addr;
	peer = expect_dst ? ip6->saddr.s6_addr : ip6->daddr.s6_addr;
#pragma unroll
	for (i = 0; i < 16; i++) {
		if (addr[i] != expect_addr6[i] || (i < 8 && peer[i] != expect_peer6[i])) {
			st->bad_addr++;
			return XDP_DROP;
		}
	}
	if (ip6->hop_limit != expect_ttl) {
		st->bad_hdr++;
		return XDP_DROP;
	}
	if (!macs_ok(eth)) {
		st->bad_hdr++;
		return XDP_DROP;
	}
	/* pseudo header (RFC 8200 8.1): addresses, L4 length, next header */
	s = SUM_WORDS(&ip6->saddr, 8) + bpf_htons(ip6->nexthdr) + bpf_htons(BENCH_L4_LEN);
	s += SUM_WORDS(data + BENCH_L4_OFF6, BENCH_L4_LEN / 4);
	/* UDP over IPv6 must have a checksum (RFC 8200 8.1) */
	if (fold(s) != 0xffff ||
	    (ip6->nexthdr == BENCH_PROTO_UDP && !*(__u16 *)(data + BENCH_UDP_CSUM_OFF6))) {
		st->bad_l4_csum++;
		return XDP_DROP;
	}
	if (!ports_ok(pt, data + BENCH_L4_OFF6)) {
		st->bad_port++;
		return XDP_DROP;
	}
	st->ok++;
	return XDP_DROP;
}

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const __u32 zero = 0;
	struct bench_sink_stats *st = bpf_map_lookup_elem(&sink_stats, &zero);
	struct bench_sink_ports *pt = bpf_map_lookup_elem(&sink_ports, &zero);
	struct ethhdr *eth = data;
	struct iphdr *ip = data + BENCH_IP_OFF;
	__be32 addr;
	__u64 s;

	if (!st || !pt)
		return XDP_DROP;
	if (data + sizeof(*eth) <= data_end && eth->h_proto == bpf_htons(ETH_P_IPV6))
		return sink6(data, data_end, st, pt);
	if (data + sizeof(*eth) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) {
		st->other++;
		return XDP_DROP;
	}
	if (data + BENCH_FRAME_LEN > data_end) {
		st->bad_len++;
		return XDP_DROP;
	}
	/* kept from being merged with the check above into one != test,
	 * which tells the verifier nothing about the frame's length */
	asm volatile("" : "+r"(data_end));
	if (data + BENCH_FRAME_LEN < data_end || ip->version != 4 || ip->ihl != 5 ||
	    ip->tot_len != bpf_htons(BENCH_IP_TOT_LEN) ||
	    (ip->protocol != BENCH_PROTO_TCP && ip->protocol != BENCH_PROTO_UDP)) {
		st->bad_len++;
		return XDP_DROP;
	}
	addr = expect_dst ? ip->daddr : ip->saddr;
	if (addr != expect_addr) {
		st->bad_addr++;
		return XDP_DROP;
	}
	if (ip->ttl != expect_ttl) {
		st->bad_hdr++;
		return XDP_DROP;
	}
	if (!macs_ok(eth)) {
		st->bad_hdr++;
		return XDP_DROP;
	}
	if (fold(SUM_WORDS(ip, 5)) != 0xffff) {
		st->bad_ip_csum++;
		return XDP_DROP;
	}
	/* pseudo header: addresses, protocol, L4 length; then the L4 bytes */
	s = SUM_WORDS(&ip->saddr, 2) + bpf_htons(ip->protocol) + bpf_htons(BENCH_L4_LEN);
	s += SUM_WORDS(data + BENCH_L4_OFF, BENCH_L4_LEN / 4);
	if (fold(s) != 0xffff ||
	    (ip->protocol == BENCH_PROTO_UDP &&
	     !*(__u16 *)(data + BENCH_UDP_CSUM_OFF))) {
		st->bad_l4_csum++;
		return XDP_DROP;
	}
	if (!ports_ok(pt, data + BENCH_L4_OFF)) {
		st->bad_port++;
		return XDP_DROP;
	}
	st->ok++;
	return XDP_DROP;
}

SEC("xdp")
int bench_ceiling(struct xdp_md *ctx)
{
	const __u32 zero = 0;
	struct bench_ceiling_stats *st = bpf_map_lookup_elem(&ceiling_stats, &zero);

	if (st)
		st->dropped++;
	return XDP_DROP;
}
