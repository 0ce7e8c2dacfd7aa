/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Address and port rewrites with their checksum updates: in place on an
 * XDP frame (RFC 1624 increments), or through the skb helpers in TC,
 * which also know the skb's checksum state.
 */
#ifndef MXGW_NAT_BPF_H
#define MXGW_NAT_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "parse.bpf.h"		/* struct cursor, parse_l4, struct icmphdr */
#include "csum.bpf.h"
#include "maps.bpf.h"		/* port_policy */

/* Where a parsed L4 header keeps what NAT rewrites. */
struct l4_ref {
	void *hdr;		/* the L4 header */
	__be16 *check;		/* TCP/UDP/ICMP checksum */
	__be16 *sport;		/* ICMP echo: the identifier */
	__be16 *dport;		/* ICMP echo: the identifier too */
	__u8 proto;		/* IPPROTO_* */
	__u8 tcp_flags;
	__u8 icmp_type;
};

/*
 * l4_parse for IPv6: the header of protocol @proto (TCP, UDP, else ICMPv6,
 * whose first 8 bytes are laid out as ICMP's) at the cursor, within the
 * packet that ends at @l3_end.  IPv4's below keeps its own copy: built on
 * this one (the datagram's end computed once), it made clang keep one more
 * register across the DNAT path, and the verifier walk a quarter more of
 * mxgw_wan_out.
 */
static __always_inline bool l4_parse6(struct cursor *c, __u8 proto,
				      void *l3_end, struct l4_ref *l4)
{
	l4->proto = proto;
	l4->hdr = c->pos;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = parse_l4_end(c, l3_end, sizeof(*th));

		if (!th)
			return false;
		l4->check = &th->check;
		l4->sport = &th->source;
		l4->dport = &th->dest;
		l4->tcp_flags = ((__u8 *)th)[13];
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = parse_l4_end(c, l3_end, sizeof(*uh));

		if (!uh)
			return false;
		l4->check = &uh->check;
		l4->sport = &uh->source;
		l4->dport = &uh->dest;
	} else {
		struct icmphdr *ih = parse_l4_end(c, l3_end, sizeof(*ih));

		if (!ih)
			return false;
		l4->check = &ih->checksum;
		l4->sport = &ih->un.echo.id;
		l4->dport = &ih->un.echo.id;
		l4->icmp_type = ih->type;
	}
	return true;
}

static __always_inline bool l4_parse(struct cursor *c, struct iphdr *ip,
				     struct l4_ref *l4)
{
	l4->proto = ip->protocol;
	l4->hdr = c->pos;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *th = parse_l4(c, ip, sizeof(*th));

		if (!th)
			return false;
		l4->check = &th->check;
		l4->sport = &th->source;
		l4->dport = &th->dest;
		l4->tcp_flags = ((__u8 *)th)[13];
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *uh = parse_l4(c, ip, sizeof(*uh));

		if (!uh)
			return false;
		l4->check = &uh->check;
		l4->sport = &uh->source;
		l4->dport = &uh->dest;
	} else {
		struct icmphdr *ih = parse_l4(c, ip, sizeof(*ih));

		if (!ih)
			return false;
		l4->check = &ih->checksum;
		l4->sport = &ih->un.echo.id;
		l4->dport = &ih->un.echo.id;
		l4->icmp_type = ih->type;
	}
	return true;
}

/* UDP's checksum 0 means "none" and stays so; a computed 0 is sent as ~0. */
static __always_inline void l4_csum_update4(struct l4_ref *l4, __be32 from,
					    __be32 to)
{
	__u16 check;

	if (l4->proto == IPPROTO_ICMP)
		return;	/* no pseudo header */
	if (l4->proto == IPPROTO_UDP && !*l4->check)
		return;
	check = csum_replace4(*l4->check, from, to);
	*l4->check = l4->proto == IPPROTO_UDP && !check ? 0xffff : check;
}

static __always_inline void l4_csum_update2(struct l4_ref *l4, __be16 from,
					    __be16 to)
{
	__u16 check;

	if (l4->proto == IPPROTO_UDP && !*l4->check)
		return;
	check = csum_replace2(*l4->check, from, to);
	*l4->check = l4->proto == IPPROTO_UDP && !check ? 0xffff : check;
}

/* XDP: the destination becomes @addr, and @port if @set_port (0 included:
 * an echo identifier 0 is restored like any other). */
static __always_inline void xdp_dnat(struct iphdr *ip, struct l4_ref *l4,
				     __be32 addr, __be16 port, bool set_port)
{
	__be32 old = ip->daddr;

	ip->daddr = addr;
	ip->check = csum_replace4(ip->check, old, addr);
	l4_csum_update4(l4, old, addr);
	if (set_port && port != *l4->dport) {
		__be16 oldp = *l4->dport;

		*l4->dport = port;
		l4_csum_update2(l4, oldp, port);
	}
}

/*
 * Is a TCP or UDP packet of the mail server, from its port in @l4, a reply
 * to an incoming connection: the port lets incoming connections in (not a
 * "to gateway" one); under "default allow" any unlisted one too, unless it
 * opens a TCP connection of its own.  From a port denied incoming nothing
 * can be a reply (XDP drops the other half): the host's own flow, a
 * resolver querying from port 53 say, is masqueraded.  The one rule for
 * mxgw_wan_out (both families) and the LAN's fast path (lan.bpf.h).
 */
static __always_inline bool mail_reply(const struct mxgw_config *cfg,
				       const struct l4_ref *l4)
{
	struct mxgw_port_policy *pol = port_policy(l4->proto, bpf_ntohs(*l4->sport));

	return pol && (pol->svc_id ? pol->verdict[MXGW_DIR_IN] == MXGW_ALLOW &&
				     !(pol->flags & MXGW_PORT_F_GATEWAY) :
				     (cfg->default_in == MXGW_ALLOW &&
				      (l4->tcp_flags & (TCP_SYN | TCP_ACK)) != TCP_SYN));
}

/* XDP: the source becomes @addr, and the source port @port (0: kept; an
 * echo's identifier, which ICMP's checksum covers without a pseudo header,
 * as any port). */
static __always_inline void xdp_snat(struct iphdr *ip, struct l4_ref *l4,
				     __be32 addr, __be16 port)
{
	__be32 old = ip->saddr;

	ip->saddr = addr;
	ip->check = csum_replace4(ip->check, old, addr);
	l4_csum_update4(l4, old, addr);
	if (port && port != *l4->sport) {
		__be16 oldp = *l4->sport;

		*l4->sport = port;
		l4_csum_update2(l4, oldp, port);
	}
}

/*
 * TC: the source becomes @addr, and the source port @port (0: kept).
 * Returns 0, or the drop reason when a helper failed: the packet may be
 * half rewritten then, a LAN address still in it, and must not leave
 * (Cilium's lib/nat.h drops the same way).  The offsets lie within headers
 * the caller parsed, so none fails but for memory to unshare a clone.
 */
static __always_inline __u32 tc_snat(struct __sk_buff *skb, __u32 l3_off,
				     __u32 l4_off, __u8 proto, __be32 old_addr,
				     __be32 addr, __be16 old_port, __be16 port)
{
	__u32 check_off, port_off;
	__u64 mm = 0;

	if (proto == IPPROTO_TCP) {
		check_off = l4_off + offsetof(struct tcphdr, check);
		port_off = l4_off + offsetof(struct tcphdr, source);
	} else if (proto == IPPROTO_UDP) {
		check_off = l4_off + offsetof(struct udphdr, check);
		port_off = l4_off + offsetof(struct udphdr, source);
		mm = BPF_F_MARK_MANGLED_0;
	} else {
		check_off = l4_off + offsetof(struct icmphdr, checksum);
		port_off = l4_off + offsetof(struct icmphdr, un.echo.id);
	}
	if (proto != IPPROTO_ICMP &&
	    bpf_l4_csum_replace(skb, check_off, old_addr, addr,
				BPF_F_PSEUDO_HDR | sizeof(addr) | mm))
		return MXGW_DROP_OUT_CSUM;
	if (bpf_l3_csum_replace(skb, l3_off + offsetof(struct iphdr, check),
				old_addr, addr, sizeof(addr)))
		return MXGW_DROP_OUT_CSUM;
	if (bpf_skb_store_bytes(skb, l3_off + offsetof(struct iphdr, saddr), &addr,
				sizeof(addr), 0))
		return MXGW_DROP_OUT_WRITE;
	if (port && port != old_port) {
		if (bpf_l4_csum_replace(skb, check_off, old_port, port,
					sizeof(port) | mm))
			return MXGW_DROP_OUT_CSUM;
		if (bpf_skb_store_bytes(skb, port_off, &port, sizeof(port), 0))
			return MXGW_DROP_OUT_WRITE;
	}
	return 0;
}

#endif /* MXGW_NAT_BPF_H */
