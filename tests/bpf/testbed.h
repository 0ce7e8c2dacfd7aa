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
	/* ICMP errors: the packet they quote (its IP header + 8 bytes) */
	const struct tb_frame_spec *inner;
};

/* Build the frame into @buf; returns its length. */
size_t tb_frame(const struct tb_frame_spec *spec, __u8 *buf);

/* Checksums computed from nothing but the bytes, as a receiver would. */
__u16 tb_ip_csum(const __u8 *ip);
__u16 tb_l4_csum(const __u8 *ip);	/* over pseudo header + L4 */
__u16 tb_icmp_csum(const __u8 *ip);	/* over the ICMP message */

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
/* Forget the cached next hop, so the next packet looks it up again. */
void tb_reset_nexthop(struct tb *tb);

/* One run through a program; returns the verdict, frame out in @out. */
int tb_run_xdp(struct tb *tb, const __u8 *in, size_t len, __u8 *out,
	       size_t *out_len);
int tb_run_tc(struct tb *tb, const __u8 *in, size_t len, __u8 *out,
	      size_t *out_len);

__u64 tb_counter(struct tb *tb, enum mxgw_counter c);
struct mxgw_pkt_count tb_svc_count(struct tb *tb, const char *name, int dir,
				   int verdict);

/* etc/mxgw.conf as shipped, with the test public address (static buffer). */
const char *tb_shipped_conf(void);

/* Print a hex diff of two frames (for failure messages). */
void tb_hexdiff(const __u8 *got, size_t glen, const __u8 *want, size_t wlen);

#endif /* MXGW_TESTBED_H */
