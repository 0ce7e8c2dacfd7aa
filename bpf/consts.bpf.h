/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every protocol and kernel constant the programs use, in one place: from
 * the kernel's UAPI headers where it exports them, defined here (with
 * where the kernel keeps them) where it does not.  Wire-format numbers
 * never change, so none of this needs CO-RE.
 */
#ifndef MXGW_CONSTS_BPF_H
#define MXGW_CONSTS_BPF_H

#include <linux/bpf.h>		/* XDP_*, BPF_FIB_LKUP_RET_*, BPF_F_* */
#include <linux/if_ether.h>	/* ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD, ETH_ALEN */
#include <linux/in.h>		/* IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP */
#include <linux/in6.h>		/* IPPROTO_ICMPV6 */
#include <linux/pkt_cls.h>	/* TC_ACT_OK, TC_ACT_SHOT */
#include <linux/time.h>		/* CLOCK_MONOTONIC */

/* IPv4 fragment bits of frag_off (host order): the kernel's net/ip.h */
#define IP_MF		0x2000
#define IP_OFFSET	0x1fff

/*
 * TCP flags as the byte at offset 13 of the header holds them: the
 * kernel's TCPHDR_* (net/tcp.h).  <linux/tcp.h> has only 32-bit flag words
 * (TCP_FLAG_*) and the bit fields of struct tcphdr.
 */
#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define TCP_URG		0x20

/*
 * ICMP types (RFC 792), as <linux/icmp.h> numbers them: that header cannot
 * be included under -target bpf (see struct icmphdr in parse.bpf.h).
 */
#define ICMP_ECHOREPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_ECHO		8
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12

/*
 * ICMPv6 types (RFC 4443, 4861, 2710/3810), as <linux/icmpv6.h> numbers
 * them; that header's struct icmp6hdr is not used (the first 8 bytes are
 * laid out as struct icmphdr's), so neither is the header.
 */
#define ICMPV6_DEST_UNREACH	1
#define ICMPV6_PKT_TOOBIG	2
#define ICMPV6_TIME_EXCEED	3
#define ICMPV6_PARAMPROB	4
#define ICMPV6_ECHO_REQUEST	128
#define ICMPV6_ECHO_REPLY	129

/*
 * IPv6 extension headers (RFC 8200 section 4, IANA's "IPv6 Extension
 * Header Types"): the kernel's NEXTHDR_* (net/ipv6.h, not UAPI).
 */
#define NEXTHDR_HOP		0
#define NEXTHDR_ROUTING		43
#define NEXTHDR_FRAGMENT	44
#define NEXTHDR_AUTH		51
#define NEXTHDR_NONE		59
#define NEXTHDR_DEST		60
#define NEXTHDR_MOBILITY	135
#define NEXTHDR_HIP		139
#define NEXTHDR_SHIM6		140
#define NEXTHDR_EXP1		253
#define NEXTHDR_EXP2		254

/* bpf_fib_lookup's families: libc's <sys/socket.h>, not UAPI */
#define AF_INET		2
#define AF_INET6	10

#define NSEC_PER_SEC	1000000000ULL

#endif /* MXGW_CONSTS_BPF_H */
