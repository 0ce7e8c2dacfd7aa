/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the BPF tests share: a private network namespace, the real skeleton
 * with the real config parser and map code, frames built from a spec with
 * checksums computed from scratch, and bpf_prog_test_run_opts.
 */
#ifndef MXGW_TESTBED_H
#define MXGW_TESTBED_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/types.h>
#include "mxgw_abi.h"
#include "maps.h"
#include "config.h"

struct mxgw_bpf;

#define TB_PUBLIC	"203.0.113.33"
#define TB_MAILSERVER	"192.168.1.10"
#define TB_CLIENT	"198.51.100.7"
#define TB_OTHER_CLIENT	"198.51.100.8"
/* IPv6 (documentation prefix): routed, no public6 */
#define TB_PUBLIC6	"2001:db8:1::33"	/* wan0's own */
#define TB_ROUTER6	"2001:db8:1::1"		/* the Internet host, wanp's side */
#define TB_CLIENTS6	"2001:db8:51::/48"	/* routed via TB_ROUTER6 */
#define TB_CLIENT6	"2001:db8:51::7"
#define TB_OTHER_CLIENT6 "2001:db8:51::8"
#define TB_LAN6		"2001:db8:168::/64"
#define TB_LAN6_GW	"2001:db8:168::1"	/* lan0's own */
#define TB_MAILSERVER6	"2001:db8:168::10"
#define TB_MAIL_MAC	{ 0x02, 0x00, 0x00, 0x00, 0x01, 0x0a }
#define TB_LAN_MAC	{ 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 }
#define TB_WAN_MAC	{ 0x02, 0x00, 0x00, 0x00, 0x71, 0x21 }
#define TB_PEER_MAC	{ 0x02, 0x00, 0x00, 0x00, 0x71, 0x01 }
#define TB_MAX_FRAME	2048

/* IPv6 extension headers tb_frame() can chain (more than mxgw walks). */
#define TB_EXT6_MAX	10

/* One IPv6 extension header of a frame, in the order of the chain. */
struct tb_ext6 {
	/* IPPROTO_HOPOPTS (0), _DSTOPTS (60), _ROUTING (43), _FRAGMENT (44),
	 * _AH (51); any other number: laid out as the options headers are
	 * (next header, length, then padding), an unknown header to mxgw */
	__u8 type;
	__u8 len;		/* Hdr Ext Len: (len + 1) * 8 bytes, AH (len + 2) * 4;
				 * the fragment header is always 8 */
	__u8 rt_type;		/* routing: Routing Type */
	__u8 segleft;		/* routing: Segments Left */
	__u16 frag_offset;	/* fragment: offset in 8-byte units */
	bool more;		/* fragment: M, more fragments */
	__u32 frag_id;		/* fragment: identification (0: 0x1234) */
};

/* Describes one frame; zero fields take the defaults of tb_frame(). */
struct tb_frame_spec {
	__u16 ethertype;	/* 0: IPv4 */
	int vlans;		/* tags; more than 2 are beyond what mxgw parses */
	const char *saddr;	/* default TB_CLIENT */
	const char *daddr;	/* default TB_PUBLIC */
	__u8 proto;		/* default TCP (6) */
	__u16 sport;		/* default 40000 */
	__u16 dport;
	__u8 ttl;		/* default 64 */
	__u8 ihl;		/* default 5; 6.. adds NOP options */
	__u16 frag_off;		/* host order flags|offset */
	int tot_len_delta;	/* added to the correct total length */
	__u16 payload;		/* L4 payload bytes (default 16) */
	bool udp_csum_zero;	/* UDP without checksum */
	int truncate;		/* >0: cut the frame to this many bytes */
	__u8 dmac[6];		/* default TB_WAN_MAC */
	__u8 smac[6];		/* default TB_PEER_MAC */
	bool set_macs;		/* use dmac/smac above */
	__u8 tcp_flags;		/* default SYN */
	/* ICMP (proto 1): type, code, echo identifier (host order) */
	__u8 icmp_type;
	__u8 icmp_code;
	__u16 icmp_id;
	/* ICMP errors: the packet they quote (IPv4: its IP header + 8 bytes;
	 * IPv6: as much of it as fits the minimum MTU, RFC 4443 2.4 (c)) */
	const struct tb_frame_spec *inner;
	/*
	 * IPv6: EtherType 0x86dd (ethertype is ignored), saddr and daddr
	 * IPv6 addresses (default TB_CLIENT6, TB_MAILSERVER6), ttl the hop
	 * limit, tot_len_delta added to the payload length, ihl and
	 * frag_off unused (a fragment is an ext6 header); proto 58 is
	 * ICMPv6: icmp_type, icmp_code, and for echo (128, 129) icmp_id,
	 * for an error icmp_info (Packet Too Big: the MTU; Parameter
	 * Problem: the pointer).  TCP, UDP and ICMPv6 checksums cover the
	 * IPv6 pseudo header (RFC 8200 8.1).
	 */
	bool ip6;
	unsigned int n_ext6;	/* extension headers, ext6[0] right after the IPv6 header */
	struct tb_ext6 ext6[TB_EXT6_MAX];
	__u32 icmp_info;
};

/* Build the frame into @buf; returns its length. */
size_t tb_frame(const struct tb_frame_spec *spec, __u8 *buf);

/*
 * Checksums computed from nothing but the bytes, as a receiver would: 0
 * when the one in the packet is right.  tb_ip_csum is IPv4's header
 * checksum (IPv6 has none); tb_l4_csum and tb_icmp_csum take the IP
 * header of either version (by its version field): IPv6's L4 and ICMPv6
 * checksums cover the pseudo header with the L4 protocol and length
 * found after the extension headers (tb_ip6_l4).
 */
__u16 tb_ip_csum(const __u8 *ip);
__u16 tb_l4_csum(const __u8 *ip);	/* over pseudo header + L4 */
__u16 tb_icmp_csum(const __u8 *ip);	/* over the ICMP message */
/*
 * Where the L4 header of the IPv6 packet at @ip6 starts (bytes from
 * @ip6), walking the extension headers tb_frame() builds (hop-by-hop,
 * destination options, routing, fragment, AH); its protocol in *@proto.
 * 0 when the chain runs past the payload length or beyond TB_EXT6_MAX.
 */
size_t tb_ip6_l4(const __u8 *ip6, __u8 *proto);

/* Requirements: fail under MXGW_REQUIRE_BPF=1, skip otherwise. */
void tb_require(bool ok, const char *what);

int tb_ifindex(const char *ifname);
/* Run a shell command in the test namespace; asserts it succeeded. */
void tb_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct tb {
	struct mxgw_bpf *skel;
	struct mxgw_maps maps;
	int xdp_fd;
	int tc_fd;
	int lan_fd;		/* mxgw_lan_in (issue 14) */
};

/*
 * The group setup of a test binary (cmocka_run_group_tests): move this
 * process into a fresh network namespace with
 *   wan0 (203.0.113.33/24, 2001:db8:1::33/64) <-> wanp,
 *   lan0 (192.168.1.1/24, 2001:db8:168::1/64) <-> lanp,
 * forwarding on for both families, the mail server's MAC as a permanent
 * neighbour on lan0 for 192.168.1.10 and 2001:db8:168::10, the Internet
 * host 2001:db8:1::1 (wanp's MAC) a permanent neighbour on wan0 and the
 * router to 2001:db8:51::/48 (everything vanishes when the process
 * exits), and open and load
 * the real skeleton, once: verifying the programs is most of what a load
 * costs (about 0.3 s), and the kernel's selftests load once per binary
 * too.  What cannot be had, each test's tb_reset skips or fails on.
 */
int tb_group_setup(void **state);
int tb_group_teardown(void **state);
/*
 * What each test starts with: every map as a fresh load leaves it (arrays
 * zero, hash tables and tries empty, the clock's timer stopped, the ring
 * buffer read), then @conf_text (parsed by the real parser) applied with
 * the real map code, as mxctl load does; @tb points at the programs.  A
 * conntrack-max other than the loaded one loads the programs again.
 */
void tb_reset(struct tb *tb, const char *conf_text);
/* Apply @conf_text to the running maps (a reload in place). */
void tb_apply(struct tb *tb, const char *conf_text);
/* Put @ifname in mxgw_tx_ports, as mxctl does for capable devices. */
void tb_allow_redirect(struct tb *tb, const char *ifname);
/* Forget the cached next hops (both families', and the LAN fast path's WAN
 * hops), so the next packet looks its up again. */
void tb_reset_nexthop(struct tb *tb);

/* One run through a program; returns the verdict, frame out in @out. */
int tb_run_xdp(struct tb *tb, const __u8 *in, size_t len, __u8 *out,
	       size_t *out_len);
int tb_run_tc(struct tb *tb, const __u8 *in, size_t len, __u8 *out,
	      size_t *out_len);
/* mxgw_lan_in, the frame arriving on lan0 (issue 14) */
int tb_run_xdp_lan(struct tb *tb, const __u8 *in, size_t len, __u8 *out,
		   size_t *out_len);

/* IPv4's counters and service counts (the data plane's own counters too) */
__u64 tb_counter(struct tb *tb, enum mxgw_counter c);
struct mxgw_pkt_count tb_svc_count(struct tb *tb, const char *name, int dir,
				   int verdict);
/* @family's (enum mxgw_family) */
__u64 tb_counter_fam(struct tb *tb, int family, enum mxgw_counter c);
struct mxgw_pkt_count tb_svc_count_fam(struct tb *tb, int family, const char *name,
				       int dir, int verdict);

/*
 * A whole array map at once, in batches (one syscall a slot takes tens of
 * ms for a cache of 2^14): tb_array_read() returns every element in a
 * buffer to free, tb_array_write() stores one.  An element is
 * tb_array_elem_size() bytes: for a per-CPU array, each possible CPU's
 * value padded to 8 bytes, as the kernel lays them out.
 */
struct bpf_map;
size_t tb_array_elem_size(const struct bpf_map *map);
void *tb_array_read(const struct bpf_map *map);
void tb_array_write(const struct bpf_map *map, const void *vals);

/* etc/mxgw.conf as shipped, with the test public address (static buffer). */
const char *tb_shipped_conf(void);

/* Print a hex diff of two frames (for failure messages). */
void tb_hexdiff(const __u8 *got, size_t glen, const __u8 *want, size_t wlen);

#endif /* MXGW_TESTBED_H */
