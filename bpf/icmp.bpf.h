/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ICMP errors about translated flows (RFC 5508): destination unreachable
 * (fragmentation needed among them, so path-MTU discovery works through
 * the gateway), time exceeded and parameter problem carry the header of
 * the packet they answer.  That inner header is translated like the flow
 * it belongs to, with every checksum it touches: inner IP, inner UDP or
 * echo, and the ICMP checksum that covers them all.
 */
#ifndef MXGW_ICMP_BPF_H
#define MXGW_ICMP_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"
#include "parse.bpf.h"
#include "csum.bpf.h"
#include "conntrack.bpf.h"
#include "addr6.bpf.h"
#include "guard.bpf.h"		/* source_bad, source_bad6 */
#include "log.bpf.h"		/* xdp_drop, tc_drop */

/*
 * The first 8 bytes of the L4 header an error quotes: all RFC 792
 * guarantees.  TCP's ports lie where UDP's do; its checksum lies beyond
 * the 8 bytes, and is never rewritten.
 */
union icmp_quote {
	struct udphdr udp;	/* TCP: source and dest only */
	struct icmphdr echo;	/* an echo request or reply */
};
_Static_assert(sizeof(union icmp_quote) == 8, "icmp_quote: RFC 792's 8 bytes");
_Static_assert(__builtin_offsetof(struct tcphdr, source) ==
	       __builtin_offsetof(struct udphdr, source) &&
	       __builtin_offsetof(struct tcphdr, dest) ==
	       __builtin_offsetof(struct udphdr, dest),
	       "icmp_quote: TCP's ports where UDP's are");

static __always_inline bool icmp_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/* Where an incoming connection from @remote to @port would have gone. */
enum in_target {
	IN_NOWHERE = 0,		/* dropped */
	IN_MAILSERVER,		/* DNATed */
	IN_GATEWAY,		/* a "to gateway" service: passed as it was */
};

static __always_inline enum in_target in_target(const struct mxgw_config *cfg,
						 __u8 proto, __be16 port,
						 __be32 remote)
{
	struct mxgw_port_policy *pol = port_policy(proto, bpf_ntohs(port));

	if (!pol)
		return IN_NOWHERE;
	if (!pol->svc_id)
		return cfg->default_in == MXGW_ALLOW ? IN_MAILSERVER : IN_NOWHERE;
	if (pol->verdict[MXGW_DIR_IN] != MXGW_ALLOW)
		return IN_NOWHERE;
	if ((pol->flags & MXGW_PORT_F_FROM) && !from_allowed(pol->svc_id, remote))
		return IN_NOWHERE;
	return pol->flags & MXGW_PORT_F_GATEWAY ? IN_GATEWAY : IN_MAILSERVER;
}

/* Would an incoming connection from @remote to @port have been DNATed? */
static __always_inline bool dnat_port(const struct mxgw_config *cfg, __u8 proto,
				      __be16 port, __be32 remote)
{
	return in_target(cfg, proto, port, remote) == IN_MAILSERVER;
}

/*
 * XDP: an ICMP error to the public address.  The inner packet is one we
 * sent: from public:pport to remote:rport.  Translated towards the LAN
 * host of its flow and handed to the kernel (errors are rare; the kernel
 * forwards them to any LAN host), or passed to the gateway for its own.
 * Its outer source has met source_bad() already, as every packet's.
 *
 * An error about a DNATed service is translated by the table alone: mxgw
 * keeps no state for incoming connections (their fast path pays no
 * lookup), so it cannot tell an error about a real connection from one
 * invented about 203.0.113.33:25 -> 198.51.100.99:5555.  It reaches the
 * mail server only when the quoted remote could have connected: it passes
 * the service's verdict and "from", and is no martian or spoofed source.
 * What stands behind that is the mail server's TCP: it matches the quoted
 * segment to a connection it has and checks the quoted sequence number
 * is in flight (RFC 5927 section 4; Linux's tcp_v4_err does), so an
 * invented error is discarded there.  Decided in issue 10; README, "ICMP".
 */
static __always_inline int icmp_error_in(struct xdp_md *ctx, struct cursor *c,
					 struct iphdr *ip,
					 struct icmphdr *ic,
					 const struct mxgw_config *cfg, __u64 now)
{
	struct mxgw_ct_entry *e;
	union icmp_quote *q;
	struct iphdr *iip;
	__be32 to_addr;
	__be16 to_port, pport, rport;
	__u16 check;

	iip = cursor_take(c, sizeof(*iip));
	q = cursor_take(c, sizeof(*q));
	/* the quote must lie within the datagram, not in link padding */
	if (!iip || !q || (void *)(q + 1) > (void *)ip + ntohs_bounded(ip->tot_len))
		return xdp_drop(ctx, MXGW_DROP_MALFORMED);
	if (iip->ihl != 5 || iip->saddr != cfg->public_addr)
		goto no_flow;

	if (iip->protocol == IPPROTO_TCP || iip->protocol == IPPROTO_UDP) {
		pport = q->udp.source;
		rport = q->udp.dest;
	} else if (iip->protocol == IPPROTO_ICMP && q->echo.type == ICMP_ECHO) {
		pport = q->echo.un.echo.id;
		rport = 0;
	} else {
		goto no_flow;
	}

	e = ct_lookup_in(cfg, iip->protocol, iip->daddr, rport, pport, now);
	if (e && (e->flags & MXGW_CT_F_LOCAL)) {
		count(MXGW_PASS_LOCAL);
		return XDP_PASS;
	}
	if (e) {
		to_addr = e->lan_addr;
		to_port = e->lan_port;
	} else if (iip->protocol == IPPROTO_ICMP || source_bad(cfg, iip->daddr)) {
		/* an incoming connection only from a source XDP lets in */
		goto no_flow;
	} else {
		switch (in_target(cfg, iip->protocol, pport, iip->daddr)) {
		case IN_MAILSERVER:
			/* the mail server's reply to an incoming connection */
			to_addr = cfg->mailserver_addr;
			to_port = pport;
			break;
		case IN_GATEWAY:
			/* about the gateway's side of a "to gateway" service:
			 * its own traffic (pass_gateway_service counts only
			 * the service's packets: fwd_redirect is derived) */
			count(MXGW_PASS_LOCAL);
			return XDP_PASS;
		default:
			goto no_flow;
		}
	}

	/* outer destination: IP checksum only (ICMP has no pseudo header) */
	ip->check = csum_replace4(ip->check, ip->daddr, to_addr);
	ip->daddr = to_addr;

	/* inner source address, and the inner IP checksum that covers it */
	check = csum_replace4(iip->check, iip->saddr, to_addr);
	ic->checksum = csum_replace4(ic->checksum, iip->saddr, to_addr);
	ic->checksum = csum_replace2(ic->checksum, iip->check, check);
	iip->saddr = to_addr;
	iip->check = check;

	/* inner source port (echo identifier) and the inner L4 checksum */
	if (iip->protocol == IPPROTO_ICMP) {
		check = csum_replace2(q->echo.checksum, q->echo.un.echo.id, to_port);
		ic->checksum = csum_replace2(ic->checksum, q->echo.checksum, check);
		ic->checksum = csum_replace2(ic->checksum, q->echo.un.echo.id, to_port);
		q->echo.checksum = check;
		q->echo.un.echo.id = to_port;
	} else {
		if (iip->protocol == IPPROTO_UDP && q->udp.check) {
			check = csum_replace4(q->udp.check, cfg->public_addr, to_addr);
			check = csum_replace2(check, q->udp.source, to_port);
			check = check ? check : 0xffff;
			ic->checksum = csum_replace2(ic->checksum, q->udp.check, check);
			q->udp.check = check;
		}
		ic->checksum = csum_replace2(ic->checksum, q->udp.source, to_port);
		q->udp.source = to_port;
	}
	count(MXGW_ICMP_XLATE_IN);
	count(MXGW_FWD_KERNEL_ICMP);
	return XDP_PASS;

no_flow:
	return xdp_drop(ctx, MXGW_DROP_ICMP_NO_FLOW);
}

/*
 * TC: an ICMP error leaving the WAN, from the gateway (the kernel's own
 * "fragmentation needed" for a packet too big for the LAN, say) or from a
 * LAN host.  The inner packet came from the Internet and was translated on
 * the way in: remote:rport to lan:lport.  Its inner destination becomes
 * public:pport again, and a LAN host's outer source the public address.
 * Returns TC_ACT_OK, or TC_ACT_SHOT when it belongs to no flow and would
 * show a LAN address to the Internet.
 */
static __always_inline int icmp_error_out(struct __sk_buff *skb,
					  struct cursor *c, struct iphdr *ip,
					  __u32 l3_off, __u32 icmp_off,
					  const struct mxgw_config *cfg,
					  bool from_gateway, __u64 now)
{
	__u32 iip_off = icmp_off + sizeof(struct icmphdr);
	__u32 q_off = iip_off + sizeof(struct iphdr);
	__u32 csum_off = icmp_off + offsetof(struct icmphdr, checksum);
	__be32 lan, public = cfg->public_addr, outer_src = ip->saddr;
	__be16 lport, to_port, old_check, new_check, old_l4c = 0, new_l4c = 0;
	union icmp_quote *q;
	struct iphdr *iip;
	struct ct_flow f;

	iip = cursor_take(c, sizeof(*iip));
	q = cursor_take(c, sizeof(*q));
	if (!iip || !q || iip->ihl != 5 ||
	    (void *)(q + 1) > (void *)ip + ntohs_bounded(ip->tot_len))
		goto no_flow;
	lan = iip->daddr;
	if (lan == public)
		goto no_flow;	/* about the gateway's own traffic: it may send it */

	f.proto = iip->protocol;
	f.tcp_flags = 0;
	f.lan_addr = lan;
	f.remote_addr = iip->saddr;
	if (f.proto == IPPROTO_TCP || f.proto == IPPROTO_UDP) {
		lport = q->udp.dest;
		f.lan_port = lport;
		f.remote_port = q->udp.source;
	} else if (f.proto == IPPROTO_ICMP && q->echo.type == ICMP_ECHOREPLY) {
		lport = q->echo.un.echo.id;
		f.lan_port = lport;
		f.remote_port = 0;
	} else {
		goto no_flow;
	}

	to_port = 0;
	if (!nat_find(cfg, &f, now, &to_port)) {
		if (f.proto == IPPROTO_ICMP || lan != cfg->mailserver_addr ||
		    !dnat_port(cfg, f.proto, lport, f.remote_addr))
			goto no_flow;
		to_port = lport;	/* an incoming connection to the mail server */
	}

	old_check = iip->check;
	new_check = csum_replace4(old_check, lan, public);
	if (f.proto == IPPROTO_UDP && q->udp.check) {
		old_l4c = q->udp.check;
		new_l4c = csum_replace2(csum_replace4(old_l4c, lan, public),
					lport, to_port);
		new_l4c = new_l4c ? new_l4c : 0xffff;
	} else if (f.proto == IPPROTO_ICMP) {
		old_l4c = q->echo.checksum;
		new_l4c = csum_replace2(old_l4c, lport, to_port);
	}

	/* inner destination address and IP checksum, inner port, inner L4
	 * checksum: each changes the ICMP checksum over them.  A helper that
	 * fails leaves the quote half translated, a LAN address in it: the
	 * error does not leave (see tc_snat) */
	if (bpf_l4_csum_replace(skb, csum_off, lan, public, sizeof(public)))
		goto csum_failed;
	if (bpf_skb_store_bytes(skb, iip_off + offsetof(struct iphdr, daddr), &public,
				sizeof(public), 0))
		goto write_failed;
	if (bpf_l4_csum_replace(skb, csum_off, old_check, new_check, sizeof(new_check)))
		goto csum_failed;
	if (bpf_skb_store_bytes(skb, iip_off + offsetof(struct iphdr, check),
				&new_check, sizeof(new_check), 0))
		goto write_failed;
	if (to_port != lport) {
		__u32 off = f.proto == IPPROTO_ICMP ?
			    offsetof(union icmp_quote, echo.un.echo.id) :
			    offsetof(union icmp_quote, udp.dest);

		if (bpf_l4_csum_replace(skb, csum_off, lport, to_port, sizeof(to_port)))
			goto csum_failed;
		if (bpf_skb_store_bytes(skb, q_off + off, &to_port, sizeof(to_port), 0))
			goto write_failed;
	}
	if (old_l4c != new_l4c) {
		/* UDP's or the echo's: only those were recomputed above */
		__u32 off = f.proto == IPPROTO_ICMP ?
			    offsetof(union icmp_quote, echo.checksum) :
			    offsetof(union icmp_quote, udp.check);

		if (bpf_l4_csum_replace(skb, csum_off, old_l4c, new_l4c, sizeof(new_l4c)))
			goto csum_failed;
		if (bpf_skb_store_bytes(skb, q_off + off, &new_l4c, sizeof(new_l4c), 0))
			goto write_failed;
	}
	if (!from_gateway) {
		if (bpf_l3_csum_replace(skb, l3_off + offsetof(struct iphdr, check),
					outer_src, public, sizeof(public)))
			goto csum_failed;
		if (bpf_skb_store_bytes(skb, l3_off + offsetof(struct iphdr, saddr),
					&public, sizeof(public), 0))
			goto write_failed;
	}
	count(MXGW_ICMP_XLATE_OUT);
	return TC_ACT_OK;

csum_failed:
	return tc_drop(skb, MXGW_DROP_OUT_CSUM);
write_failed:
	return tc_drop(skb, MXGW_DROP_OUT_WRITE);

no_flow:
	if (from_gateway)
		return TC_ACT_OK;
	return tc_drop(skb, MXGW_DROP_ICMP_NO_FLOW);
}

/*
 * ICMPv6 (RFC 4890, section 4.3.1: what a transit firewall must not drop).
 * Nothing is translated: an error is forwarded as it came, or dropped.
 */
static __always_inline bool icmp6_is_error(__u8 type)
{
	return type == ICMPV6_DEST_UNREACH || type == ICMPV6_PKT_TOOBIG ||
	       type == ICMPV6_TIME_EXCEED || type == ICMPV6_PARAMPROB;
}

/* in_target() for an IPv6 remote (mxgw_from6). */
static __always_inline enum in_target in_target6(const struct mxgw_config *cfg,
						  __u8 proto, __be16 port,
						  const void *remote)
{
	struct mxgw_port_policy *pol = port_policy(proto, bpf_ntohs(port));

	if (!pol)
		return IN_NOWHERE;
	if (!pol->svc_id)
		return cfg->default_in == MXGW_ALLOW ? IN_MAILSERVER : IN_NOWHERE;
	if (pol->verdict[MXGW_DIR_IN] != MXGW_ALLOW)
		return IN_NOWHERE;
	if ((pol->flags & MXGW_PORT_F_FROM) && !from6_allowed(pol->svc_id, remote))
		return IN_NOWHERE;
	return pol->flags & MXGW_PORT_F_GATEWAY ? IN_GATEWAY : IN_MAILSERVER;
}

/*
 * The ICMPv6 header and the 40 bytes of the IPv6 header it quotes, plus
 * 8 bytes of what follows: the quoted L4 header must follow the fixed
 * header directly (a quote's extension headers are not walked: what the
 * LAN sends carries none, or mxgw does not track it, see README).  NULL
 * unless they lie within the datagram ending at @l3_end.
 */
static __always_inline struct ipv6hdr *icmp6_quote(struct cursor *c, void *l3_end,
						   union icmp_quote **q)
{
	struct ipv6hdr *iip = cursor_take(c, sizeof(*iip));

	*q = cursor_take(c, sizeof(**q));
	if (!iip || !*q || (void *)(*q + 1) > l3_end)
		return NULL;
	return iip;
}

/*
 * XDP: an ICMPv6 error from the WAN to @ip6's destination, mailserver6 or
 * a LAN address.  It quotes a packet that host sent: from it (the error's
 * destination) to a remote.  It passes when that packet belongs to a
 * tracked flow (mxgw_ct6), or to an incoming connection the table lets in
 * (from mailserver6's service port to a remote that passes "from" and is
 * no martian or spoofed source: stateless, as IPv4's, see icmp_error_in).
 * Returns 0 when it passes (to be forwarded), else the drop reason.
 */
static __always_inline __u32 icmp6_error_in(struct cursor *c, struct ipv6hdr *ip6,
					    void *l3_end,
					    const struct mxgw_config *cfg, __u64 now)
{
	struct mxgw_ct6_key key = {};
	union icmp_quote *q;
	struct ipv6hdr *iip;
	__be16 lport, rport;
	__u8 proto;

	iip = icmp6_quote(c, l3_end, &q);
	if (!iip)
		return MXGW_DROP_MALFORMED;
	if (!in6_eq(&iip->saddr, (const struct mxgw_in6 *)&ip6->daddr))
		return MXGW_DROP_ICMP_NO_FLOW;	/* not about a packet its destination sent */
	proto = iip->nexthdr;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		lport = q->udp.source;
		rport = q->udp.dest;
	} else if (proto == IPPROTO_ICMPV6 && q->echo.type == ICMPV6_ECHO_REQUEST) {
		lport = q->echo.un.echo.id;
		rport = 0;
	} else {
		return MXGW_DROP_ICMP_NO_FLOW;
	}
	ct6_key_fill(&key, &iip->saddr, &iip->daddr, lport, rport, proto);
	if (ct6_lookup(cfg, &key, now))
		return 0;
	if (proto != IPPROTO_ICMPV6 && is_mailserver6(cfg, &iip->saddr) &&
	    !source_bad6(cfg, &iip->daddr, false) &&
	    in_target6(cfg, proto, lport, &iip->daddr) == IN_MAILSERVER)
		return 0;
	return MXGW_DROP_ICMP_NO_FLOW;
}

/*
 * TC: an ICMPv6 error leaving the WAN from a LAN host (the gateway's own
 * leave untouched before this).  It quotes a packet that came from the
 * Internet: from a remote to the LAN host.  It passes when that packet
 * belongs to a tracked flow, or to an incoming connection the table lets
 * in to mailserver6; else it would tell the Internet about a flow mxgw
 * never let through.  Returns 0 when it passes, else the drop reason.
 */
static __always_inline __u32 icmp6_error_out(struct cursor *c, void *l3_end,
					     const struct mxgw_config *cfg, __u64 now)
{
	struct mxgw_ct6_key key = {};
	union icmp_quote *q;
	struct ipv6hdr *iip;
	__be16 lport, rport;
	__u8 proto;

	iip = icmp6_quote(c, l3_end, &q);
	if (!iip)
		return MXGW_DROP_ICMP_NO_FLOW;
	proto = iip->nexthdr;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		lport = q->udp.dest;
		rport = q->udp.source;
	} else if (proto == IPPROTO_ICMPV6 && q->echo.type == ICMPV6_ECHO_REPLY) {
		lport = q->echo.un.echo.id;
		rport = 0;
	} else {
		return MXGW_DROP_ICMP_NO_FLOW;
	}
	ct6_key_fill(&key, &iip->daddr, &iip->saddr, lport, rport, proto);
	if (ct6_lookup(cfg, &key, now))
		return 0;
	if (proto != IPPROTO_ICMPV6 && is_mailserver6(cfg, &iip->daddr) &&
	    in_target6(cfg, proto, lport, &iip->saddr) == IN_MAILSERVER)
		return 0;
	return MXGW_DROP_ICMP_NO_FLOW;
}

#endif /* MXGW_ICMP_BPF_H */
