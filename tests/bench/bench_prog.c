// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench, part 1: the per-packet cost of mxgw_wan_in and mxgw_wan_out
 * on each path, IPv4's and IPv6's, next to an empty XDP (TC) program,
 * through bpf_prog_test_run_opts.
 *
 * mxgw is loaded by the loader mxctl uses (mxgw_load) on veths of a private
 * network namespace, with a private bpffs, so the programs are attached
 * (an unattached program pays a dispatcher update per test_run call) and
 * the maps hold what `mxctl load` puts there.  Frames that the program
 * rewrites are timed with repeat=1 calls, each from the pristine frame; the
 * path counters prove every call took the path it is reported under.
 * Next to the floor, three reference programs (one map's value read, five
 * maps', 250 register moves) say what any program pays here.
 * Rounds are interleaved across paths, each round in a random order, the
 * process is pinned to one CPU, and medians are reported with their
 * spread.
 *
 * Blocklists (issue 13): a gateway holds 10^6 IPv4 and 10^5 IPv6
 * generated prefixes; its allowed DNAT path (a source in no /24 of the
 * lists, and one in a /24 that has longer prefixes: the hash asked too)
 * and its blocklisted drops run side by side with the others.  Then the
 * load time and memory of 10^4, 10^5 and 10^6 prefixes (the file read,
 * the tables built and swapped, as mxctl does), and swaps of the 10^6
 * under traffic: another thread runs the allowed path on CPU 1
 * meanwhile, every verdict checked.
 *
 * Issue 13's speed targets: one gateway (wan7) with all of it configured
 * together (the 10^6 + 10^5 prefixes, 10^5 bans of each family, a limit
 * on smtp), its rows next to their twins on wan0 (none of it), and their
 * ratios per round (rounds interleave every row) at the end.
 *
 * Issue 14's conntrack sweep: one gateway per size, 1 to 10^6 flows in
 * mxgw_ct, mxgw_nat and mxgw_ct6 with conntrack-max 2^21 each, a flow in
 * the middle of each timed on the three paths that look it up (the reply
 * on mxgw_wan_in, the next segment on mxgw_lan_in and on mxgw_wan_out),
 * IPv4's and IPv6's, with each size's ratio to the 1-flow row.
 *
 * Output: a table on stdout and CSV rows (--csv FILE).  --ipv4: IPv4's
 * rows alone (neither bans nor blocklists nor the sweep).  --combined:
 * wan0's rows and wan7's alone (the targets, in a minute).  --conntrack:
 * IPv4's rows and the sweep, three gateways per size.  The source builds at tag
 * pre-i12 too (without IPv6, which that tree's testbed cannot frame, nor
 * bans and blocklists), so tests/bench/before-after.sh times IPv4's rows of
 * both trees with the same code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mount.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>
#include <pthread.h>
#include <time.h>
#include "testbed.h"
#include "loader.h"
#include "config.h"

#define ROUNDS		21
#define CALLS		2000	/* repeat=1 calls per path per round */
#define CT_BIG		1000000

/* Bans since issue 13; an earlier tree (before-after.sh) has none. */
#if __has_include("ban.h")
#include "ban.h"
#define HAVE_BANS	1
#define BANS		100000	/* the DNAT path with 10^5 bans of hosts */
#define BAN_PREFIXES	1000	/* ... and 10^3 /24s, in the trie */
#else
#define HAVE_BANS	0
#endif

/* Blocklists since issue 13 too (a tree with them frames IPv6). */
#if __has_include("blocklist.h")
#include "blocklist.h"
#define HAVE_BLOCKLIST	1
#else
#define HAVE_BLOCKLIST	0
#endif

/* Rate limits since issue 13 too: no header of their own, the ABI's flag
 * says (mxgw_abi.h, through testbed.h); an earlier tree has none. */
#ifdef MXGW_CFG_F_LIMIT
#define HAVE_LIMITS	1
#else
#define HAVE_LIMITS	0
#endif

/* The SYN-flood defence since issue 13: the ABI's flag says. */
#ifdef MXGW_CFG_F_SYNFLOOD
#define HAVE_SYNFLOOD	1
#else
#define HAVE_SYNFLOOD	0
#endif

/* The testbed frames IPv6 since issue 12; at pre-i12 it does not. */
#ifdef TB_MAILSERVER6
#define HAVE_IPV6	1
#else
#define HAVE_IPV6	0
#endif

/* Everything of issue 13's speed targets on one gateway (wan7). */
#define HAVE_ALL	(HAVE_BANS && HAVE_BLOCKLIST && HAVE_LIMITS && HAVE_IPV6)

/*
 * Issue 14's "per-packet cost flat from 1 to 10^6 conntrack entries":
 * since mxgw_lan_in (its ABI names the program), one gateway per size
 * (wctG, each with its LAN device lctG running its mxgw_lan_in), every
 * one with conntrack-max 2^21, so that only the number of entries
 * differs (2^21, not 2^20: a table sized for its flows, 10^6 filling it
 * to 48 %; at 2^20 the 10^6 flows are 95 % of it, and the chains the hit
 * flow shares its bucket with cost it 15-25 %, docs/BENCHMARKS.md); their rows are timed in the same rounds as every other.  One
 * table grown from size to size would be cheaper (one gateway: 320 MiB
 * and 3 s to load here), but its sizes could not be interleaved.
 * --conntrack: the sweep alone, CT_COPIES gateways per size (one
 * program's copy is up to 15 % faster or slower than another's, as
 * --combined found: a ratio between two sizes is also one between two
 * copies; the median over every pair of copies does not hang on one).
 */
#if defined(MXGW_PROG_LAN) && HAVE_IPV6
#define HAVE_CT_SWEEP	1
#define CT_SIZES	5
#define CT_COPIES	3	/* with --conntrack; 1 otherwise */
#define CT_GATEWAYS	(CT_SIZES * CT_COPIES)
#define CT_SWEEP_MAX	2097152
/* a sweep gateway's mxgw_ct, mxgw_nat and mxgw_ct6 at conntrack-max 2^21
 * (640 MiB: twice the 320 MiB measured at 2^20), and what the rest of the
 * bench needs beside them */
#define CT_GATEWAY_MEM	(650ULL << 20)
#define CT_MEM_SPARE	(1024ULL << 20)
#define CT_PATHS	7	/* the rows of each size, CT_CONTROL the last */
#define CT_CONTROL	(CT_PATHS - 1)
#define CT_PER_REMOTE	128	/* flows per remote address */
_Static_assert(CT_GATEWAYS <= 16, "a /19 of 198.18.0.0/15 and a 2001:db8:6G::/48 each");
#define CT_ROWS_MAX	(CT_GATEWAYS * CT_PATHS)
#else
#define HAVE_CT_SWEEP	0
#define CT_ROWS_MAX	0
#endif

/*
 * --combined: copies of each gateway of the targets, everything (wan7,
 * wan10, wan11) and none (wan0, wan8, wan9), every row run on each copy
 * in the same rounds.  One copy's program is faster or slower than
 * another's by up to 15 % (its JIT image's and its maps' places: two
 * loads of the same program gave 0.85x to 1.28x), which decided a ratio
 * of one copy against one other; the median over every pair of copies
 * and every round does not hang on one placement.
 */
#define COPIES		3

struct path {
	const char *name;
	int prog_fd;
	struct tb_frame_spec spec;
	int verdict;
	int counter;		/* counts each call of this path, or -1 */
	const struct mxgw_maps *maps;
	int family;		/* whose counter (enum mxgw_family) */
	bool tc;		/* a TC program's path: no xdp_md */
	bool bans;		/* a gateway with bans: not in --ipv4 runs */
	bool bl;		/* the gateway with blocklists: nor these */
	bool ref;		/* a reference program: compared with the floor, not one */
	int floor;		/* the empty program it is compared with */
	__u32 ifindex;		/* where it runs (a copy); 0: its program's device */
	double ns[ROUNDS];	/* a call's time, each round (calls_mean) */
	__u8 frame[TB_MAX_FRAME];
	size_t len;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void sh(const char *cmd)
{
	if (system(cmd))
		die(cmd, EIO);
}

/* Private network namespace and bpffs: nothing of the host is touched. */
static void private_namespaces(int ct_gateways)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS))
		die("unshare", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("mount --make-rprivate /", errno);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		die("mount bpffs", errno);
	sh("ip link set lo up");
	sh("ip link add wan0 address 02:00:00:00:71:21 type veth peer name wanp address 02:00:00:00:71:01");
	sh("ip link add wan1 type veth peer name wanp1");
	sh("ip link add lan0 address 02:00:00:00:01:01 type veth peer name lanp address 02:00:00:00:01:0a");
	sh("ip link add spare0 type veth peer name spare1");
	sh("ip link add spare2 type veth peer name spare3");
#if HAVE_BANS
	sh("ip link add wan2 type veth peer name wanp2");
	sh("ip link add wan3 type veth peer name wanp3");
	sh("ip addr add 203.0.113.35/24 dev wan2");
	sh("ip addr add 203.0.113.36/24 dev wan3");
	sh("for d in wan2 wanp2 wan3 wanp3; do ip link set $d up; done");
#endif
#if HAVE_BLOCKLIST
	sh("ip link add wan4 type veth peer name wanp4");
	sh("ip addr add 203.0.113.37/24 dev wan4");
	sh("for d in wan4 wanp4; do ip link set $d up; done");
#endif
#if HAVE_LIMITS
	sh("ip link add wan5 type veth peer name wanp5");
	sh("ip addr add 203.0.113.38/24 dev wan5");
	sh("for d in wan5 wanp5; do ip link set $d up; done");
#endif
#if HAVE_SYNFLOOD
	sh("ip link add wan6 type veth peer name wanp6");
	sh("ip addr add 203.0.113.39/24 dev wan6");
	sh("for d in wan6 wanp6; do ip link set $d up; done");
#endif
#if HAVE_ALL
	sh("ip link add wan7 type veth peer name wanp7");
	sh("ip addr add 203.0.113.40/24 dev wan7");
	sh("for d in wan7 wanp7; do ip link set $d up; done");
	sh("ip link add wan8 type veth peer name wanp8");
	sh("ip addr add 203.0.113.41/24 dev wan8");
	sh("for d in wan8 wanp8; do ip link set $d up; done");
	/* --combined's other copies (COPIES): none, everything, everything */
	sh("ip link add wan9 type veth peer name wanp9");
	sh("ip addr add 203.0.113.42/24 dev wan9");
	sh("ip link add wan10 type veth peer name wanp10");
	sh("ip addr add 203.0.113.43/24 dev wan10");
	sh("ip link add wan11 type veth peer name wanp11");
	sh("ip addr add 203.0.113.44/24 dev wan11");
	sh("for d in wan9 wanp9 wan10 wanp10 wan11 wanp11; do ip link set $d up; done");
#endif
#if HAVE_CT_SWEEP
	/* the conntrack sweep: wctK (public 203.0.113.50+K) and its LAN
	 * device lctK (wctK's peer takes redirected frames: GRO, as lanp);
	 * its flows' remotes, the Kth /19 of 198.18.0.0/15 and
	 * 2001:db8:6K::/48, routed out of wctK (mxgw_lan_in's fib lookup);
	 * CT_GATEWAYS of them, though only --conntrack loads them all */
	for (int k = 0; k < ct_gateways; k++) {
		char cmd[1024];

		snprintf(cmd, sizeof(cmd),
			 "ip link add wct%d type veth peer name wctp%d && "
			 "ip link add lct%d type veth peer name lctp%d && "
			 "sysctl -qw net.ipv6.conf.wct%d.accept_dad=0 && "
			 "ip addr add 203.0.113.%d/24 dev wct%d && "
			 "ip addr add 2001:db8:1::%d/64 dev wct%d nodad && "
			 "for d in wct%d wctp%d lct%d lctp%d; do ip link set $d up; done && "
			 "ethtool -K wctp%d gro on >/dev/null && "
			 "ip neigh replace 203.0.113.1 lladdr 02:00:00:00:71:01 dev wct%d nud permanent && "
			 "ip route add 198.%d.%d.0/19 via 203.0.113.1 dev wct%d onlink && "
			 "ip neigh replace " TB_ROUTER6 " lladdr 02:00:00:00:71:01 dev wct%d nud permanent && "
			 "ip -6 route add 2001:db8:6%x::/48 via " TB_ROUTER6 " dev wct%d onlink",
			 k, k, k, k, k, 50 + k, k, 50 + k, k, k, k, k, k, k, k, 18 + k / 8,
			 32 * (k % 8), k, k, k, k);
		sh(cmd);
	}
#else
	(void)ct_gateways;
#endif
	sh("ip addr add 203.0.113.33/24 dev wan0");
	sh("ip addr add 203.0.113.34/24 dev wan1");
	sh("ip addr add 192.168.1.1/24 dev lan0");
#if HAVE_IPV6
	/* IPv6 as the BPF tests have it (testbed.h): routed, no DAD */
	sh("for d in wan0 wan1 lan0; do sysctl -qw net.ipv6.conf.$d.accept_dad=0; done");
	sh("ip addr add " TB_PUBLIC6 "/64 dev wan0 nodad");
	sh("ip addr add 2001:db8:1::34/64 dev wan1 nodad");
	sh("ip addr add " TB_LAN6_GW "/64 dev lan0 nodad");
#endif
	sh("for d in wan0 wanp wan1 wanp1 lan0 lanp spare0 spare1 spare2 spare3; do ip link set $d up; done");
	/* lan0's peer takes redirected frames (GRO), so the fast path is real */
	sh("ethtool -K lanp gro on >/dev/null");
	sh("sysctl -qw net.ipv4.ip_forward=1");
	sh("ip neigh replace 192.168.1.10 lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
#if HAVE_IPV6
	sh("sysctl -qw net.ipv6.conf.all.forwarding=1");
	sh("ip neigh replace " TB_MAILSERVER6 " lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
	sh("ip neigh replace " TB_ROUTER6 " lladdr 02:00:00:00:71:01 dev wan0 nud permanent");
	sh("ip -6 route add " TB_CLIENTS6 " via " TB_ROUTER6 " dev wan0");
#endif
}

/* The pinned program @name of the gateway whose pin directory is @dir. */
static int pinned_prog(const char *dir, const char *name)
{
	char path[192];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		die("open pinned program", errno);
	return fd;
}

/*
 * mxgw on @ifname from @conf_text, as mxctl load does, with its
 * mxgw_lan_in on @lan (NULL: the device the FIB names, if any; @lan_fd
 * NULL: not opened); its programs' fds and maps for the benchmarks.
 */
static int load_gateway_on(const char *ifname, const char *lan, const char *conf_text,
			   struct mxgw_maps *m, int *xdp_fd, int *tc_fd, int *lan_fd)
{
	static struct mxgw_conf_file conf;
	struct mxgw_load_result res;
	char dir[128];
	int err;

	err = mxgw_conf_parse_string("bench.conf", conf_text, &conf, stderr);
	if (err)
		die("config", err);
	/* mxgw alone, attached directly: its pinned program is then one the
	 * benchmarks can run (not a dispatcher's freplace component) */
	conf.policy.xdp_attach = MXGW_XDP_ATTACH_DIRECT;
#ifdef MXGW_PROG_LAN
	err = mxgw_load_lan(ifname, lan, &conf.policy, &res);
#else
	/* a tree before mxgw_lan_in (tests/bench/before-after.sh's) */
	err = lan || lan_fd ? -EOPNOTSUPP : mxgw_load(ifname, &conf.policy, &res);
#endif
	if (err)
		die("mxgw_load", err);
	if (res.fast_ports <= 0)
		die("no device takes redirected frames", ENODEV);
	mxgw_pin_dir(ifname, dir, sizeof(dir));
	*xdp_fd = pinned_prog(dir, MXGW_PROG_XDP);
	*tc_fd = pinned_prog(dir, MXGW_PROG_TC);
#ifdef MXGW_PROG_LAN
	if (lan && res.lan_ifindex != if_nametoindex(lan))
		die("the sweep's gateway: no fast path", ENODEV);
	if (lan_fd)
		*lan_fd = pinned_prog(dir, MXGW_PROG_LAN);
#endif
	return mxgw_open_loaded(ifname, m);
}

static int load_gateway(const char *ifname, const char *conf_text, struct mxgw_maps *m,
			int *xdp_fd, int *tc_fd)
{
	return load_gateway_on(ifname, NULL, conf_text, m, xdp_fd, tc_fd, NULL);
}

/* TC's floor: a program that returns TC_ACT_OK (TC's test_run has no
 * dispatcher to pay for: not attached). */
static int load_empty_tc(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = TC_ACT_OK },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "empty_tc", "GPL", insns, 2, NULL);

	if (fd < 0)
		die("load the empty TC program", errno);
	return fd;
}

/* XDP program @name of @n @insns, attached to @dev (an unattached one pays
 * a dispatcher update per test_run call); dies naming @what. */
static int load_attached(const char *name, const struct bpf_insn *insns, int n,
			 const char *dev, const char *what)
{
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, "GPL", insns, n, NULL);
	char msg[96];

	if (fd < 0) {
		snprintf(msg, sizeof(msg), "load %s", what);
		die(msg, errno);
	}
	if (bpf_xdp_attach(if_nametoindex(dev), fd, XDP_FLAGS_DRV_MODE, NULL)) {
		snprintf(msg, sizeof(msg), "attach %s", what);
		die(msg, errno);
	}
	return fd;
}

/* The floor: an XDP program that returns XDP_PASS, attached too. */
static int load_empty(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return load_attached("empty_pass", insns, 2, "spare0", "the empty program");
}

/*
 * A reference, not a gateway: an XDP program that reads the first word of
 * @n one-entry arrays' values, each its own map (its own cache line), and
 * returns XDP_PASS only if every read gave the 1 stored there: what any
 * program that reads its state from @n maps pays at repeat=1, next to the
 * floor.  Attached to @dev, as the floor is.
 */
static int load_reads(int n, const char *dev)
{
	struct bpf_insn insns[2 + 8 * 8 + 3] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_6, .imm = 0 },
		{ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_10, .off = -4, .imm = 0 },
	};
	__u64 one = 1;
	__u32 zero = 0;
	int i, k = 2;

	if (n < 1 || n > 8)
		die("load_reads: 1 to 8 maps", EINVAL);
	for (i = 0; i < n; i++) {
		int map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_read", sizeof(__u32), 64, 1,
					 NULL);

		if (map < 0 || bpf_map_update_elem(map, &zero, &one, BPF_ANY))
			die("create a map to read", errno);
		insns[k++] = (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,
						.dst_reg = BPF_REG_1,
						.src_reg = BPF_PSEUDO_MAP_FD, .imm = map };
		insns[k++] = (struct bpf_insn){ 0 };
		insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,
						.dst_reg = BPF_REG_2, .src_reg = BPF_REG_10 };
		insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K,
						.dst_reg = BPF_REG_2, .imm = -4 };
		insns[k++] = (struct bpf_insn){ .code = BPF_JMP | BPF_CALL,
						.imm = BPF_FUNC_map_lookup_elem };
		insns[k++] = (struct bpf_insn){ .code = BPF_JMP | BPF_JEQ | BPF_K,
						.dst_reg = BPF_REG_0, .off = 2 };
		insns[k++] = (struct bpf_insn){ .code = BPF_LDX | BPF_MEM | BPF_DW,
						.dst_reg = BPF_REG_1, .src_reg = BPF_REG_0 };
		insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_X,
						.dst_reg = BPF_REG_6, .src_reg = BPF_REG_1 };
	}
	/* XDP_PASS when the n reads summed to n: each map was read */
	insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_X,
					.dst_reg = BPF_REG_0, .src_reg = BPF_REG_6 };
	insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_ADD | BPF_K,
					.dst_reg = BPF_REG_0, .imm = XDP_PASS - n };
	insns[k++] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	return load_attached("bench_reads", insns, k, dev, "the map-reading reference");
}

/*
 * The other reference: @n register moves (no memory, no branch), four
 * independent chains, so a wide core runs several a cycle: what @n
 * instructions of any program cost at repeat=1, next to the floor.
 */
static int load_moves(int n, const char *dev)
{
	static struct bpf_insn insns[2 + 1024];
	int k = 0;

	if (n < 1 || n > 1024)
		die("load_moves: 1 to 1024 moves", EINVAL);
	insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,
					.dst_reg = BPF_REG_0, .imm = XDP_PASS };
	for (int i = 0; i < n; i++)
		insns[k++] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,
						.dst_reg = BPF_REG_1 + (i & 3), .imm = i };
	insns[k++] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	return load_attached("bench_moves", insns, k, dev, "the instructions' reference");
}

static __u64 counter(const struct mxgw_maps *m, int family, int c)
{
	__u64 all[MXGW_COUNTER_MAX];

	if (c < 0)
		return 0;
#if HAVE_IPV6
	if (mxgw_maps_read_counters_family(m, family, all))
#else
	if (family != MXGW_FAM_IPV4 || mxgw_maps_read_counters(m, all))
#endif
		die("read counters", errno);
	return all[c];
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The mean of @n calls' durations, leaving out those that took more than
 * twice the median.  On a shared virtual machine a call now and then
 * takes many times its cost (the vCPU descheduled by the host, an
 * interrupt): with those, a round's plain mean moved by tens of ns from
 * round to round.  Not the median itself: the clock test_run reads here
 * ticks in steps of about 10 ns, so single calls are 120 or 130 ns, and
 * only their mean says 127 (the phase of a call against the steps is
 * random: each call's error averages out).
 */
static double calls_mean(__u32 *d, int n)
{
	__u64 sum = 0, cut;
	int kept = 0;

	qsort(d, n, sizeof(*d), cmp_u32);
	cut = 2 * (__u64)d[n / 2];
	for (int i = 0; i < n && d[i] <= cut; i++, kept++)
		sum += d[i];
	return (double)sum / kept;
}

/* One round of one path: CALLS repeat=1 runs from the pristine frame. */
static double run_round(struct path *p, __u32 ifindex)
{
	static __u32 dur[CALLS];
	__u8 buf[TB_MAX_FRAME], out[TB_MAX_FRAME];
	struct xdp_md ctx = { .data_end = p->len, .ingress_ifindex = ifindex };
	__u64 before = p->maps ? counter(p->maps, p->family, p->counter) : 0;

	for (int i = 0; i < CALLS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = p->len,
			    .data_out = out, .data_size_out = sizeof(out),
			    .ctx_in = p->tc ? NULL : &ctx,
			    .ctx_size_in = p->tc ? 0 : sizeof(ctx), .repeat = 1);

		memcpy(buf, p->frame, p->len);
		if (bpf_prog_test_run_opts(p->prog_fd, &o))
			die("test_run", errno);
		if ((int)o.retval != p->verdict) {
			fprintf(stderr, "bench: %s: verdict %u, want %d\n", p->name, o.retval,
				p->verdict);
			exit(1);
		}
		dur[i] = o.duration;
	}
	/* every call must have taken the path it is reported under */
	if (p->maps && p->counter >= 0 &&
	    counter(p->maps, p->family, p->counter) - before != CALLS) {
		fprintf(stderr, "bench: %s: %llu of %d calls took the path\n", p->name,
			(unsigned long long)(counter(p->maps, p->family, p->counter) - before),
			CALLS);
		exit(1);
	}
	return calls_mean(dur, CALLS);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void stats(const double *v, double *median, double *lo, double *hi)
{
	double s[ROUNDS];

	memcpy(s, v, sizeof(s));
	qsort(s, ROUNDS, sizeof(double), cmp_double);
	*median = s[ROUNDS / 2];
	*lo = s[ROUNDS / 4];		/* quartiles: the spread between rounds */
	*hi = s[3 * ROUNDS / 4];
}

static double x_empty(const struct path *paths, int n, const char *name)
{
	double med, floor_med, lo, hi;

	for (int i = 0; i < n; i++) {
		if (strcmp(paths[i].name, name))
			continue;
		stats(paths[paths[i].floor].ns, &floor_med, &lo, &hi);
		stats(paths[i].ns, &med, &lo, &hi);
		return med / floor_med;
	}
	return 0;
}

/*
 * Issue 14's target for the DNAT path, with what the references say any
 * program costs here at repeat=1: a gateway's path reads its state from
 * several maps and runs a few hundred instructions.
 */
static void dnat_target(const struct path *paths, int n)
{
	double dnat = x_empty(paths, n, "inbound allowed: DNAT + redirect");

	if (!dnat)
		return;
	printf("target DNAT path <= 1.5x the empty program: %.2fx %s; any program here pays "
	       "%.2fx for 1 map's value read, %.2fx for 5 maps', %.2fx for 250 moves\n",
	       dnat, dnat <= 1.5 ? "met" : "NOT met",
	       x_empty(paths, n, "reference: 1 map's value read"),
	       x_empty(paths, n, "reference: 5 maps' values read"),
	       x_empty(paths, n, "reference: 250 moves, no memory"));
}

static void prog_sizes(int fd, __u32 *verified, __u32 *xlated, __u32 *jited)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		die("prog info", errno);
	*verified = info.verified_insns;
	*xlated = info.xlated_prog_len / 8;
	*jited = info.jited_prog_len;
}

/* Fill mxgw_ct with @n flows, as masquerade would have made them. */
static void fill_conntrack(const struct mxgw_maps *m, unsigned int n)
{
	struct mxgw_ct_entry e = {
		.state = MXGW_CT_TCP_ESTABLISHED,
		.seen_ns = mxgw_now_ns(),
		.created_ns = mxgw_now_ns(),
	};

	inet_pton(AF_INET, TB_MAILSERVER, &e.lan_addr);
	for (unsigned int i = 0; i < n; i++) {
		struct mxgw_ct_key k = {
			.remote_addr = htonl(0xc6336400 + (i >> 16)),	/* 198.51.100.0 + */
			.remote_port = htons(443),
			.public_port = htons(i & 0xffff),
			.proto = IPPROTO_TCP,
		};

		e.lan_port = k.public_port;
		if (bpf_map_update_elem(m->ct, &k, &e, BPF_ANY))
			die("fill conntrack", errno);
	}
}

static void add_flow(const struct mxgw_maps *m, const char *remote, __u16 rport, __u16 pport)
{
	struct mxgw_ct_key k = { .remote_port = htons(rport), .public_port = htons(pport),
				 .proto = IPPROTO_TCP };
	struct mxgw_ct_entry e = { .state = MXGW_CT_TCP_ESTABLISHED,
				   .seen_ns = mxgw_now_ns(), .lan_port = htons(pport) };

	inet_pton(AF_INET, remote, &k.remote_addr);
	inet_pton(AF_INET, TB_MAILSERVER, &e.lan_addr);
	e.created_ns = e.seen_ns;
	if (bpf_map_update_elem(m->ct, &k, &e, BPF_ANY))
		die("add flow", errno);
}

#if HAVE_IPV6
/* A tracked IPv6 flow of mailserver6 (routed: no public port). */
static void add_flow6(const struct mxgw_maps *m, const char *remote, __u16 rport, __u16 lport)
{
	struct mxgw_ct6_key k = { .lan_port = htons(lport), .remote_port = htons(rport),
				  .proto = IPPROTO_TCP };
	struct mxgw_ct_entry e = { .state = MXGW_CT_TCP_ESTABLISHED, .seen_ns = mxgw_now_ns() };

	inet_pton(AF_INET6, remote, &k.remote_addr);
	inet_pton(AF_INET6, TB_MAILSERVER6, &k.lan_addr);
	e.created_ns = e.seen_ns;
	if (bpf_map_update_elem(m->ct6, &k, &e, BPF_ANY))
		die("add flow", errno);
}
#endif

/* A flow opened the way the LAN opens one: its SYN through mxgw_wan_out. */
static void open_flow(int tc_fd, struct tb_frame_spec spec)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	spec.tcp_flags = 0x02;
	o.data_size_in = tb_frame(&spec, in);
	if (bpf_prog_test_run_opts(tc_fd, &o) || o.retval != TC_ACT_OK)
		die("open a flow through mxgw_wan_out", EPROTO);
}

#if HAVE_CT_SWEEP
/* /proc/meminfo's MemAvailable in bytes; 0 when it cannot be read. */
static unsigned long long mem_available(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb << 10;
}

static double sweep_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* Flow @i of sweep gateway @k: the mail server's connection to a remote
 * SMTP or HTTPS server, CT_PER_REMOTE of them per remote, its port kept
 * by masquerade (public port = LAN port), as mxgw_wan_out makes them. */
static void sweep_flow(int k, unsigned int i, __be32 *remote, struct mxgw_in6 *remote6,
		       __u16 *rport, __u16 *port)
{
	*remote = htonl(0xc6120000U + k * 8192 + i / CT_PER_REMOTE);	/* 198.18.0.0 + */
	memset(remote6, 0, sizeof(*remote6));
	remote6->a[0] = htonl(0x20010db8U);
	remote6->a[1] = htonl(0x00600000U + ((__u32)k << 16));	/* 2001:db8:6K:: */
	remote6->a[3] = htonl(i / CT_PER_REMOTE);
	*rport = i & 1 ? 443 : 25;
	*port = 32768 + i % CT_PER_REMOTE;
}

/*
 * @n established flows into mxgw_ct and mxgw_nat (IPv4: the entry and its
 * mapping, as mxgw_wan_out's nat_new and mxctl conntrack import write
 * them) and @n into mxgw_ct6 (IPv6, routed: the entry alone), by batches.
 */
static void fill_sweep(const struct mxgw_maps *m, int k, unsigned int n)
{
	enum { CHUNK = 65536 };
	static struct mxgw_ct_key ck[CHUNK];
	static struct mxgw_ct_entry ce[CHUNK], ce6[CHUNK];
	static struct mxgw_nat_key nk[CHUNK];
	static struct mxgw_nat_entry ne[CHUNK];
	static struct mxgw_ct6_key k6[CHUNK];
	__be32 mail;
	struct mxgw_in6 mail6;
	__u64 now = mxgw_now_ns();

	inet_pton(AF_INET, TB_MAILSERVER, &mail);
	inet_pton(AF_INET6, TB_MAILSERVER6, &mail6);
	for (unsigned int base = 0; base < n; base += CHUNK) {
		__u32 c = n - base < CHUNK ? n - base : CHUNK, cnt;

		memset(ck, 0, sizeof(ck));
		memset(nk, 0, sizeof(nk));
		memset(ne, 0, sizeof(ne));
		memset(k6, 0, sizeof(k6));
		for (__u32 j = 0; j < c; j++) {
			struct mxgw_in6 r6;
			__u16 rport, port;
			__be32 r;

			sweep_flow(k, base + j, &r, &r6, &rport, &port);
			ck[j].remote_addr = r;
			ck[j].remote_port = htons(rport);
			ck[j].public_port = htons(port);
			ck[j].proto = IPPROTO_TCP;
			ce[j] = (struct mxgw_ct_entry){ .created_ns = now, .seen_ns = now,
							.lan_addr = mail, .lan_port = htons(port),
							.state = MXGW_CT_TCP_ESTABLISHED,
							.flags = MXGW_CT_F_REPLIED };
			nk[j].lan_addr = mail;
			nk[j].remote_addr = r;
			nk[j].lan_port = htons(port);
			nk[j].remote_port = htons(rport);
			nk[j].proto = IPPROTO_TCP;
			ne[j].public_port = htons(port);
			k6[j].lan_addr = mail6;
			k6[j].remote_addr = r6;
			k6[j].lan_port = htons(port);
			k6[j].remote_port = htons(rport);
			k6[j].proto = IPPROTO_TCP;
			ce6[j] = (struct mxgw_ct_entry){ .created_ns = now, .seen_ns = now,
							 .state = MXGW_CT_TCP_ESTABLISHED,
							 .flags = MXGW_CT_F_REPLIED };
		}
		/* the entry first: a mapping without it is a miss */
		cnt = c;
		if (bpf_map_update_batch(m->ct, ck, ce, &cnt, NULL) || cnt != c)
			die("fill mxgw_ct", errno);
		cnt = c;
		if (bpf_map_update_batch(m->nat, nk, ne, &cnt, NULL) || cnt != c)
			die("fill mxgw_nat", errno);
		cnt = c;
		if (bpf_map_update_batch(m->ct6, k6, ce6, &cnt, NULL) || cnt != c)
			die("fill mxgw_ct6", errno);
	}
}

/*
 * Sweep flow @i of gateway @k in all three maps.  After a fill, its first
 * flow and its last say that the LRU evicted none (the first inserted
 * would go first) without a walk of 10^6 keys (10 s here).
 */
static bool sweep_has(const struct mxgw_maps *m, int k, unsigned int i)
{
	struct mxgw_ct_key ck = { .proto = IPPROTO_TCP };
	struct mxgw_nat_key nk = { .proto = IPPROTO_TCP };
	struct mxgw_ct6_key k6 = { .proto = IPPROTO_TCP };
	struct mxgw_ct_entry e;
	struct mxgw_nat_entry ne;
	__u16 rport, port;

	sweep_flow(k, i, &ck.remote_addr, &k6.remote_addr, &rport, &port);
	ck.remote_port = nk.remote_port = k6.remote_port = htons(rport);
	ck.public_port = nk.lan_port = k6.lan_port = htons(port);
	nk.remote_addr = ck.remote_addr;
	inet_pton(AF_INET, TB_MAILSERVER, &nk.lan_addr);
	inet_pton(AF_INET6, TB_MAILSERVER6, &k6.lan_addr);
	return !bpf_map_lookup_elem(m->ct, &ck, &e) && !bpf_map_lookup_elem(m->nat, &nk, &ne) &&
	       !bpf_map_lookup_elem(m->ct6, &k6, &e);
}

#endif

#if HAVE_BANS
/*
 * @n bans of IPv4 /32s spread over the unicast space (a fail2ban's
 * worth, and more), and @npfx of /24s, none of them holding TB_CLIENT;
 * an address of the @n/2th host in @host, one inside the @npfx/2th
 * prefix in @inpfx.  Set as mxctl ban --file sets them.
 */
static void fill_bans(const struct mxgw_maps *m, unsigned int n, unsigned int npfx,
		      char *host, char *inpfx)
{
	struct mxgw_ban_entry *e = calloc(n + npfx, sizeof(*e));
	__u32 client = ntohl(inet_addr(TB_CLIENT));
	__u64 x = 12345;
	int err;

	if (!e)
		die("bans", ENOMEM);
	for (unsigned int i = 0; i < n + npfx; i++) {
		__u32 a, mask = i < n ? ~0U : 0xffffff00U;

		do {
			/* an LCG (Knuth's MMIX): the same set each run */
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			a = ((__u32)((x >> 32) % (223U << 24)) + (1U << 24)) & mask;
		} while ((client & mask) == a);
		e[i].pfx.family = MXGW_FAM_IPV4;
		e[i].pfx.len = i < n ? 32 : 24;
		e[i].pfx.addr.a[0] = htonl(a);
		e[i].ban.set_ns = mxgw_now_ns();
	}
	inet_ntop(AF_INET, &e[n / 2].pfx.addr.a[0], host, INET_ADDRSTRLEN);
	if (npfx) {
		__be32 in = htonl(ntohl(e[n + npfx / 2].pfx.addr.a[0]) | 7);

		inet_ntop(AF_INET, &in, inpfx, INET_ADDRSTRLEN);
	}
	err = mxgw_bans_add(m, e, n + npfx);
	if (err)
		die("mxgw_bans_add", err);
	free(e);
}
#endif

#if HAVE_ALL
/* @n bans of IPv6 /64s in 2400::/12 (no test address, nor a generated
 * blocklist's 2a00::/12), as mxctl ban --file sets them. */
static void fill_bans6(const struct mxgw_maps *m, unsigned int n)
{
	struct mxgw_ban_entry *e = calloc(n, sizeof(*e));
	__u64 x = 54321;
	int err;

	if (!e)
		die("bans", ENOMEM);
	for (unsigned int i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		e[i].pfx.family = MXGW_FAM_IPV6;
		e[i].pfx.len = 64;
		e[i].pfx.addr.a[0] = htonl(0x24000000U | (__u32)(x >> 44));
		e[i].pfx.addr.a[1] = htonl((__u32)(x >> 8));
		e[i].ban.set_ns = mxgw_now_ns();
	}
	err = mxgw_bans_add(m, e, n);
	if (err)
		die("mxgw_bans_add", err);
	free(e);
}

/* One more ban, of @addr's host (IPv4 /32, IPv6 /64). */
static void ban_one(const struct mxgw_maps *m, const char *addr)
{
	struct mxgw_ban_entry e = { .ban.set_ns = mxgw_now_ns() };

	if (inet_pton(AF_INET, addr, &e.pfx.addr.a[0]) == 1) {
		e.pfx.family = MXGW_FAM_IPV4;
		e.pfx.len = 32;
	} else if (inet_pton(AF_INET6, addr, &e.pfx.addr) == 1) {
		e.pfx.family = MXGW_FAM_IPV6;
		e.pfx.len = 64;
		e.pfx.addr.a[2] = e.pfx.addr.a[3] = 0;
	} else {
		die(addr, EINVAL);
	}
	if (mxgw_bans_add(m, &e, 1))
		die("mxgw_bans_add", EIO);
}
#endif

#if HAVE_BLOCKLIST
/*
 * @n4 IPv4 and @n6 IPv6 prefixes into @path, as tests/e2e/gen_blocklist.py
 * makes them: half /32, a third /24, the rest /16../23 and /25../31, IPv4
 * from 1/8 to 126/8 and IPv6 from 2a00::/12 (no test address is listed).
 * Duplicates are possible and harmless (the tables merge them).
 */
static void gen_list(const char *path, unsigned int n4, unsigned int n6)
{
	static const unsigned int lens6[] = { 32, 40, 48, 48, 56, 64, 64, 64, 128 };
	FILE *f = fopen(path, "w");
	__u64 x = 0x9e3779b97f4a7c15ULL;

	if (!f)
		die(path, errno);
#define NEXT()	(x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
	for (unsigned int i = 0; i < n4; i++) {
		unsigned int r = NEXT() % 100, len;
		__u32 a = (1U << 24) + (__u32)(NEXT() % (126U << 24));

		len = r < 50 ? 32 : r < 83 ? 24 : r < 90 ? 16 + NEXT() % 8 : 25 + NEXT() % 7;
		a &= ~0U << (32 - len);
		fprintf(f, "%u.%u.%u.%u/%u\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
			a & 255, len);
	}
	for (unsigned int i = 0; i < n6; i++) {
		unsigned int len = lens6[NEXT() % 9];
		__u64 hi = (0x2a00ULL << 48) | (NEXT() >> 12), lo = NEXT();

		if (len <= 64) {
			hi &= ~0ULL << (64 - len);
			lo = 0;
		}
		fprintf(f, "%x:%x:%x:%x:%x:%x:%x:%x/%u\n", (unsigned int)(hi >> 48),
			(unsigned int)(hi >> 32) & 0xffff, (unsigned int)(hi >> 16) & 0xffff,
			(unsigned int)hi & 0xffff, (unsigned int)(lo >> 48),
			(unsigned int)(lo >> 32) & 0xffff, (unsigned int)(lo >> 16) & 0xffff,
			(unsigned int)lo & 0xffff, len);
	}
#undef NEXT
	fclose(f);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct mxgw_conf_file bl_conf;

/* Load @path's list on @m as mxctl does (read, build, swap): seconds. */
static double load_list(const struct mxgw_maps *m, const char *path, bool wait_free,
			struct mxgw_bl_swap_stats *st, struct mxgw_bl_list *keep)
{
	static char err[MXGW_BL_ERR_MAX];
	struct mxgw_bl_list l;
	double t0 = now_s(), t;
	int e;

	e = mxgw_bl_read_file(path, &l, err);
	if (e)
		die(err[0] ? err : path, e);
	e = mxgw_maps_bl_apply(m, &bl_conf.policy, &l, -1, wait_free, st);
	if (e)
		die("blocklist apply", e);
	t = now_s() - t0;
	if (keep)
		*keep = l;
	else
		mxgw_bl_list_free(&l);
	return t;
}

/* The allowed path run on CPU 1 while swaps happen on CPU 0. */
struct traffic {
	int prog_fd;
	__u32 ifindex;
	__u8 frame[TB_MAX_FRAME];
	size_t len;
	volatile int stop;
	volatile unsigned long calls, wrong;
};

static void *traffic_run(void *arg)
{
	struct traffic *t = arg;
	__u8 buf[TB_MAX_FRAME], out[TB_MAX_FRAME];
	struct xdp_md ctx = { .data_end = t->len, .ingress_ifindex = t->ifindex };
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	while (!t->stop) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = t->len,
			    .data_out = out, .data_size_out = sizeof(out),
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

		memcpy(buf, t->frame, t->len);
		if (bpf_prog_test_run_opts(t->prog_fd, &o) || o.retval != XDP_REDIRECT)
			t->wrong++;
		t->calls++;
	}
	return NULL;
}

/* Blocklists: load time and memory by size, swaps under traffic. */
static void bench_blocklists(const struct mxgw_maps *m, int prog_fd, __u32 ifindex,
			     const char *dir, const char *allowed_src)
{
	static const unsigned int sizes[] = { 10000, 100000, 1000000 };
	static struct traffic t;
	struct mxgw_bl_swap_stats st;
	char path[256];
	pthread_t th;

	printf("\nblocklists: load (read the file, build the tables, swap) and memory\n");
	printf("%-26s %9s %9s %9s %9s %9s\n", "prefixes", "load", "build", "switch",
	       "IPv4 MiB", "IPv6 MiB");
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double s;

		snprintf(path, sizeof(path), "%s/bl-%u.txt", dir, sizes[i]);
		gen_list(path, sizes[i], sizes[i] / 10);
		s = load_list(m, path, false, &st, NULL);
		printf("%7u IPv4 + %6u IPv6 %6.0f ms %6.0f ms %6.2f ms %9.1f %9.1f\n", sizes[i],
		       sizes[i] / 10, s * 1e3, st.build_ns / 1e6, st.swap_ns / 1e6,
		       st.mem4 / 1048576.0, st.mem6 / 1048576.0);
	}
	/* swaps under traffic: the 10^6 list again, three times */
	t.prog_fd = prog_fd;
	t.ifindex = ifindex;
	t.len = tb_frame(&(struct tb_frame_spec){ .saddr = allowed_src, .daddr = "203.0.113.37",
			 .dport = 25, .tcp_flags = 0x10 }, t.frame);
	if (pthread_create(&th, NULL, traffic_run, &t))
		die("pthread_create", EAGAIN);
	usleep(200 * 1000);
	printf("swaps of the 10^6 + 10^5 list under traffic (the allowed path on CPU 1):\n");
	for (int k = 0; k < 3; k++) {
		unsigned long before = t.calls, wrong = t.wrong;
		double s = load_list(m, path, true, &st, NULL);

		printf("  swap %d: load %.0f ms, the switch (map updates) %.2f ms, the old array "
		       "gone %.1f ms after the grace period; %lu allowed packets meanwhile, %lu "
		       "not let through\n",
		       k + 1, s * 1e3, st.swap_ns / 1e6, st.free_wait_ns / 1e6,
		       t.calls - before, t.wrong - wrong);
	}
	t.stop = 1;
	pthread_join(th, NULL);
}
#endif

#if HAVE_BANS || HAVE_BLOCKLIST
/* The median of the row named @name, or 0. */
static double row_median(const struct path *paths, int n, const char *name)
{
	double med = 0, lo, hi;

	for (int i = 0; i < n; i++)
		if (!strcmp(paths[i].name, name))
			stats(paths[i].ns, &med, &lo, &hi);
	return med;
}

#if HAVE_BANS && HAVE_BLOCKLIST && HAVE_LIMITS
/*
 * Row @a over row @b: the median of the ratios of each round (the rounds
 * interleave every row: a round's two times saw the same machine), and
 * their quartiles, against @target (none when 0).
 */
static void ratio_row(const struct path *paths, int n, const char *a, const char *b,
		      double target)
{
	const struct path *pa = NULL, *pb = NULL;
	double r[ROUNDS], med, lo, hi, ma, mb;

	for (int i = 0; i < n; i++) {
		if (!strcmp(paths[i].name, a))
			pa = &paths[i];
		if (!strcmp(paths[i].name, b))
			pb = &paths[i];
	}
	if (!pa || !pb)
		return;
	for (int k = 0; k < ROUNDS; k++)
		r[k] = pa->ns[k] / pb->ns[k];
	stats(r, &med, &lo, &hi);
	ma = row_median(paths, n, a);
	mb = row_median(paths, n, b);
	printf("  %-44s %6.1f / %6.1f ns = %.2fx (rounds %.2f..%.2f)", a, ma, mb, med, lo, hi);
	if (target > 0)
		printf("  target <= %.2f: %s", target, med <= target ? "met" : "NOT met");
	printf("\n");
}

static const struct path *find_row(const struct path *paths, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(paths[i].name, name))
			return &paths[i];
	return NULL;
}

/*
 * Row @a on each copy of everything (wan7's @a, then "@a (wan10)" and
 * "@a (wan11)") over row @b on each copy of none (wan0's @b, wan8's @b8,
 * and "@b8" with wan9 for wan8): the median of every round's COPIES x
 * COPIES ratios (each copy of one against each of the other, all timed
 * in the same round), their quartiles, and each copy's median: the
 * spread the copies' placement makes.
 */
_Static_assert(COPIES == 3, "ratio_copies names three copies");

static void ratio_copies(const struct path *paths, int n, const char *a, const char *b,
			 const char *b8, double target)
{
	static double r[ROUNDS * COPIES * COPIES];
	const struct path *pa[COPIES], *pb[COPIES];
	const char *w8 = strstr(b8, "wan8");
	double med, q1, q3, ma[COPIES], mb[COPIES];
	char name[160];
	int k = 0;

	pa[0] = find_row(paths, n, a);
	pb[0] = find_row(paths, n, b);
	pb[1] = find_row(paths, n, b8);
	snprintf(name, sizeof(name), "%s (wan10)", a);
	pa[1] = find_row(paths, n, name);
	snprintf(name, sizeof(name), "%s (wan11)", a);
	pa[2] = find_row(paths, n, name);
	if (!w8)
		return;
	snprintf(name, sizeof(name), "%.*swan9%s", (int)(w8 - b8), b8, w8 + 4);
	pb[2] = find_row(paths, n, name);
	for (int c = 0; c < COPIES; c++)
		if (!pa[c] || !pb[c])
			return;
	for (int i = 0; i < ROUNDS; i++)
		for (int x = 0; x < COPIES; x++)
			for (int y = 0; y < COPIES; y++)
				r[k++] = pa[x]->ns[i] / pb[y]->ns[i];
	qsort(r, k, sizeof(double), cmp_double);
	med = r[k / 2];
	for (int c = 0; c < COPIES; c++) {
		stats(pa[c]->ns, &ma[c], &q1, &q3);
		stats(pb[c]->ns, &mb[c], &q1, &q3);
	}
	printf("  %-44s %.2fx (pairs %.2f..%.2f)", a, med, r[k / 4], r[3 * k / 4]);
	if (target > 0)
		printf("  target <= %.2f: %s", target, med <= target ? "met" : "NOT met");
	printf("\n    copies: %.1f, %.1f, %.1f ns / %.1f, %.1f, %.1f ns\n", ma[0], ma[1], ma[2],
	       mb[0], mb[1], mb[2]);
}
#endif
#endif

int main(int argc, char **argv)
{
	static char conf_small[8192], conf_big[8192];
	struct mxgw_maps m0, m1;
	int xdp0, xdp1, tc0, tc1, empty, empty_tc, read1, read5, moves, err;
	int xdp2 = -1, xdp3 = -1;
#if HAVE_BANS
	static char conf_bans[8192], conf_pfx[8192];
	static char banned[INET_ADDRSTRLEN], banned3[INET_ADDRSTRLEN], inpfx[INET_ADDRSTRLEN];
	struct mxgw_maps m2, m3;
	int tc2, tc3;
#endif
	int xdp4 = -1, xdp5 = -1, xdp6 = -1, xdp7 = -1, xdp8 = -1;
#if HAVE_ALL
	static char conf_all[8192], conf_none[8192], all24[INET_ADDRSTRLEN];
	static char all6[INET6_ADDRSTRLEN];
	struct mxgw_maps m8;
	int tc8;
	static char among7[INET6_ADDRSTRLEN];
	struct mxgw_bl_list big7;
	struct mxgw_maps m7;
	int tc7;
	/* --combined's other copies: wan9 (none), wan10 and wan11 (everything) */
	static const char *const copy_if[COPIES] = { "wan9", "wan10", "wan11" };
	static const char *const copy_pub[COPIES] = { "203.0.113.42", "203.0.113.43",
						      "203.0.113.44" };
	static char conf_copy[8192], copy_names[64][96];
	struct mxgw_maps mc[COPIES];
	int xdpc[COPIES], tcc[COPIES], ncopy_names = 0;
#endif
#if HAVE_SYNFLOOD
	static char conf_syn[8192];
	struct mxgw_maps m6;
	int tc6;
#endif
#if HAVE_LIMITS
	static char conf_lim[8192];
	struct mxgw_maps m5;
	int tc5;
#endif
#if HAVE_BLOCKLIST
	static char conf_bl[8192], bl_path[256];
	static char long_src[INET_ADDRSTRLEN], listed24[INET_ADDRSTRLEN], listed32[INET_ADDRSTRLEN];
	static char among6[INET6_ADDRSTRLEN];
	char bl_dir[] = "/tmp/mxgw-bench-bl.XXXXXX";
	struct mxgw_bl_swap_stats bst;
	struct mxgw_bl_list big;
	struct mxgw_maps m4;
	int tc4;
#endif
#if HAVE_CT_SWEEP
	static const unsigned int ct_size[CT_SIZES] = { 1, 1000, 10000, 100000, 1000000 };
	static const char *const ct_label[CT_SIZES] = { "1", "10^3", "10^4", "10^5", "10^6" };
	static const char *const ct_path[CT_PATHS] = {
		"reply in, wan_in", "established, lan_in", "tracked, wan_out",
		"IPv6 reply in, wan_in", "IPv6 established, lan_in", "IPv6 tracked, wan_out",
		"control: allowed, no ct",
	};
	static char ct_names[CT_GATEWAYS][CT_PATHS][64], ct_pub[CT_GATEWAYS][16];
	static char ct_remote[CT_GATEWAYS][INET_ADDRSTRLEN];
	static char ct_remote6[CT_GATEWAYS][INET6_ADDRSTRLEN];
	static __u16 ct_rport[CT_GATEWAYS], ct_port[CT_GATEWAYS];
	static struct mxgw_maps mct[CT_GATEWAYS];
	static int ct_row[CT_GATEWAYS][CT_PATHS];
	int xdpct[CT_GATEWAYS], tcct[CT_GATEWAYS], lanct[CT_GATEWAYS], ct_copies = 1;
	double ct_load_s[CT_GATEWAYS], ct_fill_s[CT_GATEWAYS];
	unsigned long long ct_mem[CT_GATEWAYS];
	bool sweep = false;
#endif
	bool ct_only = false;
	bool ipv4_only = false, combined = false;
	const char *csv = NULL;
	FILE *out = NULL;
	cpu_set_t cpus;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			csv = argv[++i];
		} else if (!strcmp(argv[i], "--ipv4")) {
			ipv4_only = true;
		} else if (!strcmp(argv[i], "--combined")) {
			combined = true;
		} else if (!strcmp(argv[i], "--conntrack")) {
			/* the sweep, IPv4's rows of wan0 and wan1 (as --ipv4) */
			ct_only = ipv4_only = true;
		} else {
			fprintf(stderr, "usage: bench_prog [--csv FILE] [--ipv4] [--combined] "
				"[--conntrack]\n");
			return 1;
		}
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("pin to CPU 0", errno);

#if HAVE_CT_SWEEP
	sweep = !combined && (!ipv4_only || ct_only);
	ct_copies = ct_only ? CT_COPIES : 1;
	if (sweep && mem_available() < CT_SIZES * ct_copies * CT_GATEWAY_MEM + CT_MEM_SPARE) {
		/* a small machine measures the rest rather than nothing */
		printf("conntrack sweep: not measured: its %d gateways need %llu MiB, the "
		       "machine has %llu MiB available (MemAvailable)\n", CT_SIZES * ct_copies,
		       (CT_SIZES * ct_copies * CT_GATEWAY_MEM + CT_MEM_SPARE) >> 20,
		       mem_available() >> 20);
		if (ct_only)
			return 1;
		sweep = false;
	}
	private_namespaces(sweep ? CT_SIZES * ct_copies : 0);
#else
	(void)ct_only;	/* a tree without mxgw_lan_in: no sweep */
	private_namespaces(0);
#endif
	/* a dual-stack gateway: IPv4's paths are timed as they run beside
	 * IPv6's (mailserver6 in the config), as a dual-stack user has them */
	snprintf(conf_small, sizeof(conf_small), "%s%s", tb_shipped_conf(),
		 HAVE_IPV6 ? "\nmailserver6 2001:db8:168::10\nlan6 2001:db8:168::/64\n" : "");
	snprintf(conf_big, sizeof(conf_big), "%s\nconntrack-max 1048576\n", conf_small);
	/* the second gateway answers on another public address */
	{
		char *p = strstr(conf_big, TB_PUBLIC);

		memcpy(p, "203.0.113.34", strlen(TB_PUBLIC));
	}
	err = load_gateway("wan0", conf_small, &m0, &xdp0, &tc0);
	if (err)
		die("open maps", err);
	err = load_gateway("wan1", conf_big, &m1, &xdp1, &tc1);
	if (err)
		die("open maps", err);
#if HAVE_BANS
	/* two more gateways, with bans: 10^5 hosts; the same and 10^3 /24s */
	if (!ipv4_only && !combined) {
		snprintf(conf_bans, sizeof(conf_bans), "%s", conf_small);
		memcpy(strstr(conf_bans, TB_PUBLIC), "203.0.113.35", strlen(TB_PUBLIC));
		snprintf(conf_pfx, sizeof(conf_pfx), "%s", conf_small);
		memcpy(strstr(conf_pfx, TB_PUBLIC), "203.0.113.36", strlen(TB_PUBLIC));
		err = load_gateway("wan2", conf_bans, &m2, &xdp2, &tc2);
		if (!err)
			err = load_gateway("wan3", conf_pfx, &m3, &xdp3, &tc3);
		if (err)
			die("open maps", err);
		fill_bans(&m2, BANS, 0, banned, NULL);
		fill_bans(&m3, BANS, BAN_PREFIXES, banned3, inpfx);
	}
#endif
#if HAVE_BLOCKLIST
	if (!ipv4_only) {
		/* one more: the table and 10^6 + 10^5 blocklisted prefixes */
		if (!mkdtemp(bl_dir))
			die("mkdtemp", errno);
		snprintf(bl_path, sizeof(bl_path), "%s/big.txt", bl_dir);
		snprintf(conf_bl, sizeof(conf_bl), "%s\nblocklist big %s\n", conf_small, bl_path);
		memcpy(strstr(conf_bl, TB_PUBLIC), "203.0.113.37", strlen(TB_PUBLIC));
		if (mxgw_conf_parse_string("bench.conf", conf_bl, &bl_conf, stderr))
			die("config", EINVAL);
		gen_list(bl_path, 1000000, 100000);
	}
	if (!ipv4_only && !combined) {
		err = load_gateway("wan4", conf_bl, &m4, &xdp4, &tc4);
		if (err)
			die("open maps", err);
		load_list(&m4, bl_path, false, &bst, &big);
		/* sources: a listed /24, a listed /32 (the trie's hit), and an
		 * unlisted neighbour of a /32 (its /24 sends the lookup to the trie) */
		for (size_t i = 0; i < big.n4 && (!listed24[0] || !listed32[0] || !long_src[0]);
		     i++) {
			__be32 a = big.v4[i].addr, b = htonl(ntohl(a) ^ 1), c = htonl(ntohl(a) + 7);
			__u32 bits;

			if (big.v4[i].len == 24 && !listed24[0])
				inet_ntop(AF_INET, &c, listed24, sizeof(listed24));
			if (big.v4[i].len == 32 && !listed32[0])
				inet_ntop(AF_INET, &a, listed32, sizeof(listed32));
			if (big.v4[i].len == 32 && !long_src[0] &&
			    !mxgw_maps_bl_lookup4(&m4, b, &bits) && !bits)
				inet_ntop(AF_INET, &b, long_src, sizeof(long_src));
		}
		/* IPv6: an unlisted address among the listed ones (the trie's walk
		 * goes deep), the next /64 after a listed /64 not covered otherwise */
		for (size_t i = 0; i < big.n6 && !among6[0]; i++) {
			struct mxgw_in6 a = big.v6[i].addr;
			__u32 bits;

			if (big.v6[i].len != 64)
				continue;
			a.a[1] = htonl(ntohl(a.a[1]) + 1);
			a.a[3] = htonl(7);
			if (!mxgw_maps_bl_lookup6(&m4, &a, &bits) && !bits)
				inet_ntop(AF_INET6, &a, among6, sizeof(among6));
		}
		mxgw_bl_list_free(&big);
	}
#endif
#if HAVE_ALL
	if (!ipv4_only) {
		/*
		 * Issue 13's targets on one gateway (wan7): the 10^6 IPv4 +
		 * 10^5 IPv6 prefixes, 10^5 bans of each family and a limit
		 * on smtp (as wan5's), every check configured together.
		 * Sources: a listed /24's, a listed IPv6 /64's (or shorter),
		 * a banned host of each family outside every list, and an
		 * unlisted /64 next to a listed one (the trie's deep walk).
		 */
		snprintf(conf_all, sizeof(conf_all),
			 "%s\nblocklist big %s\nlimit smtp 1000000/s burst 1000000\n",
			 conf_small, bl_path);
		memcpy(strstr(conf_all, TB_PUBLIC), "203.0.113.40", strlen(TB_PUBLIC));
		err = load_gateway("wan7", conf_all, &m7, &xdp7, &tc7);
		if (err)
			die("open maps", err);
		load_list(&m7, bl_path, false, &bst, &big7);
		fill_bans(&m7, BANS, 0, banned, NULL);
		fill_bans6(&m7, BANS);
		ban_one(&m7, "198.51.100.66");
		ban_one(&m7, "2001:db8:52::66");
		for (size_t i = 0; i < big7.n4 && !all24[0]; i++) {
			__be32 c = htonl(ntohl(big7.v4[i].addr) + 7);

			if (big7.v4[i].len == 24)
				inet_ntop(AF_INET, &c, all24, sizeof(all24));
		}
		for (size_t i = 0; i < big7.n6 && (!all6[0] || !among7[0]); i++) {
			struct mxgw_in6 a = big7.v6[i].addr;
			__u32 bits;

			if (big7.v6[i].len > 64)
				continue;
			a.a[3] = htonl(7);
			if (!all6[0])
				inet_ntop(AF_INET6, &a, all6, sizeof(all6));
			if (big7.v6[i].len != 64)
				continue;
			a.a[1] = htonl(ntohl(a.a[1]) + 1);
			if (!mxgw_maps_bl_lookup6(&m7, &a, &bits) && !bits)
				inet_ntop(AF_INET6, &a, among7, sizeof(among7));
		}
		mxgw_bl_list_free(&big7);
		if (!all24[0] || !all6[0] || !among7[0])
			die("combined: no source", ENOENT);
		/* the allowed rows' sources: does a ban's tag or a hint make
		 * them pay a lookup (a hash collision with a ban sharing a
		 * slot, ASK; a listed /32)? */
		{
			struct mxgw_ban_tag_block t;
			struct mxgw_in6 c6;
			__u64 n6, x6;
			__be32 c4;
			__u32 w4, w6, sl, blk;
			int h4, h6, hl;

			inet_pton(AF_INET, TB_CLIENT, &c4);
			inet_pton(AF_INET6, TB_CLIENT6, &c6);
			memcpy(&n6, &c6, sizeof(n6));
			x6 = mxgw_ban_tag_mul6(n6);
			w4 = mxgw_ban_tag_word4(c4);
			w6 = mxgw_ban_tag_word6(x6) + 1;
			sl = mxgw_bl6_tag_slot(c6.a[0]);
			blk = w4 / MXGW_BAN_TAG_PER_BLOCK;
			h4 = bpf_map_lookup_elem(m7.ban_hint, &blk, &t) ? -1 :
			     t.w[w4 % MXGW_BAN_TAG_PER_BLOCK] == MXGW_BAN_TAG_ASK;
			blk = w6 / MXGW_BAN_TAG_PER_BLOCK;
			h6 = bpf_map_lookup_elem(m7.ban_hint, &blk, &t) ? -1 :
			     t.w[w6 % MXGW_BAN_TAG_PER_BLOCK] == MXGW_BAN_TAG_ASK ||
			     (__u32)t.w[w6 % MXGW_BAN_TAG_PER_BLOCK] == mxgw_ban_tag_hash6(x6);
			/* the array's set: what a /32 no way holds asks */
			{
				struct mxgw_bl6_set set;
				__u32 zero = 0, id;
				int fd;

				hl = -1;
				if (!bpf_map_lookup_elem(m7.bl6_tag, &zero, &id) &&
				    (fd = bpf_map_get_fd_by_id(id)) >= 0) {
					if (!bpf_map_lookup_elem(fd, &sl, &set))
						hl = set.ask;
					close(fd);
				}
			}
			printf("wan7: hints of the allowed rows' sources (1: a lookup paid): ban "
			       "%s %d, ban %s %d; blocklist %s's /32, its set's ask %d\n",
			       TB_CLIENT, h4, TB_CLIENT6, h6, TB_CLIENT6, hl);
		}
		/* wan8: none of it, loaded after wan7 as wan0 before it: two
		 * references, their difference the bias of one program's copy
		 * against another's (its JIT image, its maps' places) */
		snprintf(conf_none, sizeof(conf_none), "%s", conf_small);
		memcpy(strstr(conf_none, TB_PUBLIC), "203.0.113.41", strlen(TB_PUBLIC));
		err = load_gateway("wan8", conf_none, &m8, &xdp8, &tc8);
		if (err)
			die("open maps", err);
	}
	for (int c = 0; combined && c < COPIES; c++) {
		/* wan9 as wan8, wan10 and wan11 as wan7 (the same list, the
		 * same bans: fill_bans* draw from fixed seeds) */
		const char *pub = c ? "203.0.113.40" : "203.0.113.41";

		snprintf(conf_copy, sizeof(conf_copy), "%s", c ? conf_all : conf_none);
		memcpy(strstr(conf_copy, pub), copy_pub[c], strlen(pub));
		err = load_gateway(copy_if[c], conf_copy, &mc[c], &xdpc[c], &tcc[c]);
		if (err)
			die("open maps", err);
		if (!c)
			continue;
		load_list(&mc[c], bl_path, false, &bst, &big7);
		mxgw_bl_list_free(&big7);
		fill_bans(&mc[c], BANS, 0, banned, NULL);
		fill_bans6(&mc[c], BANS);
		ban_one(&mc[c], "198.51.100.66");
		ban_one(&mc[c], "2001:db8:52::66");
	}
#endif
#if HAVE_LIMITS
	if (!ipv4_only && !combined) {
		/* one more: a limit on smtp no bench run reaches (10^6 a
		 * second, a burst of 10^6: the rows' ~50k SYNs stay under it) */
		snprintf(conf_lim, sizeof(conf_lim), "%s\nlimit smtp 1000000/s burst 1000000\n",
			 conf_small);
		memcpy(strstr(conf_lim, TB_PUBLIC), "203.0.113.38", strlen(TB_PUBLIC));
		err = load_gateway("wan5", conf_lim, &m5, &xdp5, &tc5);
		if (err)
			die("open maps", err);
	}
#endif
#if HAVE_SYNFLOOD
	if (!ipv4_only && !combined) {
		/* one more: syn-flood on smtp, at a threshold no bench run
		 * reaches (its rows: no flood), and on smtps, in a flood
		 * (written into mxgw_syn_state, an hour long), where
		 * TB_OTHER_CLIENT is verified and TB_CLIENT is not */
		struct mxgw_syn_state st = { .until_ns = mxgw_now_ns() + 3600ULL * 1000000000ULL };
		struct mxgw_syn_key k = { .family = MXGW_FAM_IPV4 };
		struct mxgw_syn_ok ok = { .verified_ns = mxgw_now_ns() };
		struct mxgw_service svcs[MXGW_MAX_SERVICES];
		__u32 id;

		snprintf(conf_syn, sizeof(conf_syn),
			 "%s\nsyn-flood smtp 1000000/s\nsyn-flood smtps 1000000/s\n", conf_small);
		memcpy(strstr(conf_syn, TB_PUBLIC), "203.0.113.39", strlen(TB_PUBLIC));
		err = load_gateway("wan6", conf_syn, &m6, &xdp6, &tc6);
		if (err)
			die("open maps", err);
		err = mxgw_maps_read_services(&m6, svcs);
		if (err)
			die("read services", err);
		for (id = 1; id < MXGW_MAX_SERVICES; id++)
			if (svcs[id].in_use && !strcmp(svcs[id].name, "smtps"))
				break;
		if (id == MXGW_MAX_SERVICES)
			die("no smtps", ENOENT);
		if (bpf_map_update_elem(m6.syn_state, &id, &st, BPF_ANY))
			die("flood on", errno);
		if (inet_pton(AF_INET, TB_OTHER_CLIENT, &k.addr[0]) != 1 ||
		    bpf_map_update_elem(m6.syn_ok, &k, &ok, BPF_ANY))
			die("verify", errno);
	}
#endif
#if HAVE_CT_SWEEP
	/* gateway k: size ct_size[k % CT_SIZES], copy k / CT_SIZES */
	for (int k = 0; sweep && k < CT_SIZES * ct_copies; k++) {
		static char conf_ct[8192];
		unsigned int n = ct_size[k % CT_SIZES], hit = n / 2;	/* a flow in the middle */
		struct mxgw_in6 r6;
		__be32 r;
		double t0 = sweep_now_s();

		snprintf(conf_ct, sizeof(conf_ct), "%s\nconntrack-max %u\n", conf_small,
			 CT_SWEEP_MAX);
		snprintf(ct_pub[k], sizeof(ct_pub[k]), "203.0.113.%d", 50 + k);
		memcpy(strstr(conf_ct, TB_PUBLIC), ct_pub[k], strlen(TB_PUBLIC));
		{
			char wan[16], lan[16];

			snprintf(wan, sizeof(wan), "wct%d", k);
			snprintf(lan, sizeof(lan), "lct%d", k);
			err = load_gateway_on(wan, lan, conf_ct, &mct[k], &xdpct[k], &tcct[k],
					       &lanct[k]);
		}
		if (err)
			die("open maps", err);
		ct_load_s[k] = sweep_now_s() - t0;
		t0 = sweep_now_s();
		fill_sweep(&mct[k], k, n);
		ct_fill_s[k] = sweep_now_s() - t0;
		/* every flow is there (the LRU evicted none) */
		if (!sweep_has(&mct[k], k, 0) || !sweep_has(&mct[k], k, n - 1))
			die("the sweep's tables: not every flow", ENOSPC);
		ct_mem[k] = mxgw_maps_memlock(mct[k].ct) + mxgw_maps_memlock(mct[k].nat) +
			    mxgw_maps_memlock(mct[k].ct6);
		sweep_flow(k, hit, &r, &r6, &ct_rport[k], &ct_port[k]);
		inet_ntop(AF_INET, &r, ct_remote[k], sizeof(ct_remote[k]));
		inet_ntop(AF_INET6, &r6, ct_remote6[k], sizeof(ct_remote6[k]));
	}
#endif
	empty = load_empty();
	read1 = load_reads(1, "spare1");
	read5 = load_reads(5, "spare2");
	moves = load_moves(250, "spare3");
	empty_tc = load_empty_tc();
	fill_conntrack(&m1, CT_BIG);
	add_flow(&m0, "198.51.100.25", 443, 40000);
	add_flow(&m1, "198.51.100.25", 443, 40000);
	open_flow(tc0, (struct tb_frame_spec){ .saddr = TB_MAILSERVER, .daddr = "198.51.100.26",
					       .sport = 41000, .dport = 443 });
#if HAVE_IPV6
	add_flow6(&m0, "2001:db8:51::25", 443, 40000);
	open_flow(tc0, (struct tb_frame_spec){ .ip6 = true, .saddr = TB_MAILSERVER6,
					       .daddr = "2001:db8:51::26", .sport = 41000,
					       .dport = 443 });
#endif

#define V4	.family = MXGW_FAM_IPV4
#define V6	.family = MXGW_FAM_IPV6
	struct path all[] = {
		{ "empty XDP_PASS (floor)", empty, { .dport = 25 }, XDP_PASS, -1, NULL },
		/* what reading 1 and 5 maps, and running 250 instructions,
		 * cost any program here: the floor of a program that does a
		 * gateway's work (docs/BENCHMARKS.md, "The targets") */
		{ "reference: 1 map's value read", read1, { .dport = 25 }, XDP_PASS, -1, NULL, V4,
		  .ref = true },
		{ "reference: 5 maps' values read", read5, { .dport = 25 }, XDP_PASS, -1, NULL, V4,
		  .ref = true },
		{ "reference: 250 moves, no memory", moves, { .dport = 25 }, XDP_PASS, -1, NULL, V4,
		  .ref = true },
		/* a connection's segments: an ACK (its SYN counts in_new too) */
		{ "inbound allowed: DNAT + redirect", xdp0, { .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m0, V4 },
		{ "inbound SYN: DNAT + in_new + redirect", xdp0, { .dport = 25 }, XDP_REDIRECT,
		  MXGW_IN_NEW, &m0, V4 },
		{ "inbound denied: drop", xdp0, { .dport = 143 }, XDP_DROP,
		  MXGW_DROP_SERVICE_DENY, &m0, V4 },
		/* a link protocol's group (VRRP): passed at the first test */
		{ "not for us: pass", xdp0, { .daddr = "224.0.0.18", .dport = 25 }, XDP_PASS,
		  MXGW_PASS_NOT_FOR_US, &m0, V4 },
		{ "conntrack reply: DNAT + redirect", xdp0,
		  { .saddr = "198.51.100.25", .sport = 443, .dport = 40000, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m0, V4 },
		{ "conntrack reply, 1M-entry table", xdp1,
		  { .saddr = "198.51.100.25", .daddr = "203.0.113.34", .sport = 443,
		    .dport = 40000, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m1, V4 },
		/* a neighbour on the WAN's prefix: the kernel would forward it
		 * back out, so the fib is asked (issue 10) */
		{ "not for us: transit, fib + drop", xdp0, { .daddr = "203.0.113.99", .dport = 25 },
		  XDP_DROP, MXGW_DROP_TRANSIT, &m0, V4 },
#if HAVE_BANS
		/* issue 13: the allowed DNAT path and a banned source's drop,
		 * next to their rows above (no bans) */
		{ "inbound allowed, 10^5 bans loaded", xdp2,
		  { .daddr = "203.0.113.35", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m2, V4, .bans = true },
		{ "banned source (of 10^5): drop", xdp2,
		  { .saddr = banned, .daddr = "203.0.113.35", .dport = 25 },
		  XDP_DROP, MXGW_DROP_BANNED, &m2, V4, .bans = true },
		/* prefixes other than a host's: the trie, looked up too */
		{ "allowed, 10^5 bans + 10^3 /24s", xdp3,
		  { .daddr = "203.0.113.36", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m3, V4, .bans = true },
		{ "banned by a /24 (of 10^3): drop", xdp3,
		  { .saddr = inpfx, .daddr = "203.0.113.36", .dport = 25 },
		  XDP_DROP, MXGW_DROP_BANNED, &m3, V4, .bans = true },
#endif
#if HAVE_LIMITS
		/* issue 13: a limit on smtp (wan5): a connection's segments pay
		 * the flags' tests, its SYN the bucket (a hit in mxgw_rl after
		 * the warm-up's first two) */
		{ "limit on smtp: inbound allowed", xdp5,
		  { .daddr = "203.0.113.38", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m5, V4, .bans = true },
		{ "limit on smtp: inbound SYN, bucket", xdp5,
		  { .daddr = "203.0.113.38", .dport = 25 },
		  XDP_REDIRECT, MXGW_IN_NEW, &m5, V4, .bans = true },
		{ "limit on smtp: IPv6 SYN, bucket", xdp5,
		  { .ip6 = true, .dport = 25 },
		  XDP_REDIRECT, MXGW_IN_NEW, &m5, V6, .bans = true },
#endif
#if HAVE_SYNFLOOD
		/* issue 13: syn-flood on smtp (wan6), no flood: a connection's
		 * segments pay the flags' tests, its SYN the count */
		{ "syn-flood on smtp: inbound allowed", xdp6,
		  { .daddr = "203.0.113.39", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m6, V4, .bans = true },
		{ "syn-flood on smtp: SYN, no flood", xdp6,
		  { .daddr = "203.0.113.39", .dport = 25 },
		  XDP_REDIRECT, MXGW_IN_NEW, &m6, V4, .bans = true },
		{ "syn-flood on smtp: IPv6 SYN, no flood", xdp6,
		  { .ip6 = true, .dport = 25 },
		  XDP_REDIRECT, MXGW_IN_NEW, &m6, V6, .bans = true },
		/* smtps in a flood: the challenge, a verified source's SYN */
		{ "SYN flood: challenge, XDP_TX", xdp6,
		  { .daddr = "203.0.113.39", .dport = 465 },
		  XDP_TX, MXGW_SYN_CHALLENGED, &m6, V4, .bans = true },
		{ "SYN flood: IPv6 challenge, XDP_TX", xdp6,
		  { .ip6 = true, .dport = 465 },
		  XDP_TX, MXGW_SYN_CHALLENGED, &m6, V6, .bans = true },
		{ "SYN flood: verified source's SYN", xdp6,
		  { .saddr = TB_OTHER_CLIENT, .daddr = "203.0.113.39", .dport = 465 },
		  XDP_REDIRECT, MXGW_IN_NEW, &m6, V4, .bans = true },
#endif
#if HAVE_BLOCKLIST
		/* issue 13: 10^6 IPv4 + 10^5 IPv6 blocklisted prefixes on wan4 */
		{ "blocklists: inbound allowed", xdp4,
		  { .daddr = "203.0.113.37", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m4, V4, .bl = true },
		{ "blocklists: allowed, /24 with longer", xdp4,
		  { .saddr = long_src, .daddr = "203.0.113.37", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m4, V4, .bl = true },
		{ "blocklists: denied (imap), unlisted", xdp4,
		  { .daddr = "203.0.113.37", .dport = 143 },
		  XDP_DROP, MXGW_DROP_SERVICE_DENY, &m4, V4, .bl = true },
		{ "blocklists: listed /24, drop", xdp4,
		  { .saddr = listed24, .daddr = "203.0.113.37", .dport = 25, .tcp_flags = 0x10 },
		  XDP_DROP, MXGW_DROP_BLOCKLIST, &m4, V4, .bl = true },
		{ "blocklists: listed /32 (hash), drop", xdp4,
		  { .saddr = listed32, .daddr = "203.0.113.37", .dport = 25, .tcp_flags = 0x10 },
		  XDP_DROP, MXGW_DROP_BLOCKLIST, &m4, V4, .bl = true },
		{ "blocklists: IPv6 allowed", xdp4,
		  { .ip6 = true, .dport = 25, .tcp_flags = 0x10 }, XDP_REDIRECT,
		  MXGW_FWD_REDIRECT, &m4, V6, .bl = true },
		{ "blocklists: IPv6 allowed, among them", xdp4,
		  { .ip6 = true, .saddr = among6, .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m4, V6, .bl = true },
#endif
#if HAVE_ALL
		/* issue 13's targets: wan7 has 10^6 + 10^5 blocklisted
		 * prefixes, 10^5 + 10^5 bans and a limit on smtp; each row is
		 * compared with its twin on wan0, which has none of them */
		{ "all: inbound allowed: DNAT + redirect", xdp7,
		  { .daddr = "203.0.113.40", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m7, V4, .bans = true },
		{ "all: inbound SYN: limit's bucket", xdp7,
		  { .daddr = "203.0.113.40", .dport = 25 },
		  XDP_REDIRECT, MXGW_IN_NEW, &m7, V4, .bans = true },
		{ "all: IPv6 inbound allowed", xdp7,
		  { .ip6 = true, .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m7, V6, .bans = true },
		{ "all: IPv6 allowed, among listed /64s", xdp7,
		  { .ip6 = true, .saddr = among7, .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m7, V6, .bans = true },
		{ "all: banned source: drop", xdp7,
		  { .saddr = "198.51.100.66", .daddr = "203.0.113.40", .dport = 25 },
		  XDP_DROP, MXGW_DROP_BANNED, &m7, V4, .bans = true },
		{ "all: IPv6 banned source: drop", xdp7,
		  { .ip6 = true, .saddr = "2001:db8:52::66", .dport = 25 },
		  XDP_DROP, MXGW_DROP_BANNED, &m7, V6, .bans = true },
		{ "all: blocklisted /24: drop", xdp7,
		  { .saddr = all24, .daddr = "203.0.113.40", .dport = 25 },
		  XDP_DROP, MXGW_DROP_BLOCKLIST, &m7, V4, .bans = true },
		{ "all: IPv6 blocklisted: drop", xdp7,
		  { .ip6 = true, .saddr = all6, .dport = 25 },
		  XDP_DROP, MXGW_DROP_BLOCKLIST, &m7, V6, .bans = true },
		{ "none (wan8): inbound allowed", xdp8,
		  { .daddr = "203.0.113.41", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m8, V4, .bans = true },
		{ "none (wan8): inbound SYN", xdp8,
		  { .daddr = "203.0.113.41", .dport = 25 },
		  XDP_REDIRECT, MXGW_IN_NEW, &m8, V4, .bans = true },
		{ "none (wan8): IPv6 inbound allowed", xdp8,
		  { .ip6 = true, .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m8, V6, .bans = true },
		{ "none (wan8): inbound denied: drop", xdp8,
		  { .daddr = "203.0.113.41", .dport = 143 },
		  XDP_DROP, MXGW_DROP_SERVICE_DENY, &m8, V4, .bans = true },
		{ "none (wan8): IPv6 inbound denied: drop", xdp8,
		  { .ip6 = true, .dport = 143 },
		  XDP_DROP, MXGW_DROP_SERVICE_DENY, &m8, V6, .bans = true },
#endif
#if HAVE_IPV6
		/* IPv6: routed to mailserver6, hop limit and MACs, no rewrite */
		{ "IPv6 inbound allowed: forward + redirect", xdp0,
		  { .ip6 = true, .dport = 25, .tcp_flags = 0x10 }, XDP_REDIRECT, MXGW_FWD_REDIRECT, &m0, V6 },
		{ "IPv6 inbound SYN: in_new + redirect", xdp0, { .ip6 = true, .dport = 25 }, XDP_REDIRECT,
		  MXGW_IN_NEW, &m0, V6 },
		{ "IPv6 inbound denied: drop", xdp0, { .ip6 = true, .dport = 143 }, XDP_DROP,
		  MXGW_DROP_SERVICE_DENY, &m0, V6 },
		/* VRRP's IPv6 group: the link's */
		{ "IPv6 not for us: pass", xdp0, { .ip6 = true, .daddr = "ff02::12", .dport = 25 }, XDP_PASS,
		  MXGW_PASS_NOT_FOR_US, &m0, V6 },
		/* an unlisted port of mailserver6: default deny, then mxgw_ct6 */
		{ "IPv6 conntrack reply: redirect", xdp0,
		  { .ip6 = true, .saddr = "2001:db8:51::25", .sport = 443, .dport = 40000, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m0, V6 },
		{ "IPv6 not for us: transit, fib + drop", xdp0,
		  { .ip6 = true, .daddr = "2001:db8:1::99", .dport = 25 }, XDP_DROP, MXGW_DROP_TRANSIT, &m0, V6 },
#endif
		/* mxgw_wan_out, WAN egress */
		{ "empty TC_ACT_OK (TC floor)", empty_tc, { .dport = 25 }, TC_ACT_OK, -1, NULL,
		  .tc = true },
		/* the mail server's segment of an incoming connection */
		{ "outgoing reply: SNAT", tc0,
		  { .saddr = TB_MAILSERVER, .daddr = TB_CLIENT, .sport = 25, .dport = 40000,
		    .tcp_flags = 0x10 }, TC_ACT_OK, MXGW_SNAT_REPLY, &m0, V4, .tc = true },
		/* a LAN flow's segment after its SYN (open_flow) */
		{ "outgoing tracked: masquerade", tc0,
		  { .saddr = TB_MAILSERVER, .daddr = "198.51.100.26", .sport = 41000, .dport = 443,
		    .tcp_flags = 0x10 }, TC_ACT_OK, MXGW_SNAT_MASQ, &m0, V4, .tc = true },
#if HAVE_IPV6
		{ "IPv6 outgoing reply: as it is", tc0,
		  { .ip6 = true, .saddr = TB_MAILSERVER6, .daddr = TB_CLIENT6, .sport = 25, .dport = 40000,
		    .tcp_flags = 0x10 }, TC_ACT_OK, MXGW_SNAT_REPLY, &m0, V6, .tc = true },
		{ "IPv6 outgoing tracked: mxgw_ct6", tc0,
		  { .ip6 = true, .saddr = TB_MAILSERVER6, .daddr = "2001:db8:51::26", .sport = 41000,
		    .dport = 443, .tcp_flags = 0x10 }, TC_ACT_OK, MXGW_SNAT_MASQ, &m0, V6,
		  .tc = true },
#endif
	};
#undef V4
#undef V6
	/* room for --combined's copies of wan7's and wan8's rows, and the
	 * conntrack sweep's */
	static struct path paths[sizeof(all) / sizeof(all[0]) * COPIES + CT_ROWS_MAX];
	int npaths = 0, floor = 0;
	__u32 wan0 = if_nametoindex("wan0"), wan1 = if_nametoindex("wan1");
	__u32 wan2 = HAVE_BANS ? if_nametoindex("wan2") : 0;
	__u32 wan3 = HAVE_BANS ? if_nametoindex("wan3") : 0;
	__u32 wan4 = HAVE_BLOCKLIST ? if_nametoindex("wan4") : 0;
	__u32 wan5 = HAVE_LIMITS ? if_nametoindex("wan5") : 0;
	__u32 wan6 = HAVE_SYNFLOOD ? if_nametoindex("wan6") : 0;
	__u32 wan7 = HAVE_ALL && !ipv4_only ? if_nametoindex("wan7") : 0;
	__u32 wan8 = HAVE_ALL && !ipv4_only ? if_nametoindex("wan8") : 0;
#define IFINDEX_OF(p)	((p)->prog_fd == xdp1 ? wan1 : (p)->prog_fd == xdp2 ? wan2 : \
			 (p)->prog_fd == xdp3 ? wan3 : (p)->prog_fd == xdp4 ? wan4 : \
			 (p)->prog_fd == xdp5 ? wan5 : (p)->prog_fd == xdp6 ? wan6 : \
			 (p)->prog_fd == xdp7 ? wan7 : (p)->prog_fd == xdp8 ? wan8 : wan0)

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (ipv4_only && (all[i].family != MXGW_FAM_IPV4 || all[i].bans || all[i].bl))
			continue;
		/* --combined: wan0's rows and wan7's, the gateways it loads */
		if (combined && all[i].maps && all[i].maps != &m0
#if HAVE_ALL
		    && all[i].maps != &m7 && all[i].maps != &m8
#endif
		    )
			continue;
		paths[npaths] = all[i];
		if (!paths[npaths].maps && !paths[npaths].ref)	/* a floor: the rows after it are its */
			floor = npaths;
		paths[npaths].floor = floor;
		paths[npaths].len = tb_frame(&paths[npaths].spec, paths[npaths].frame);
		npaths++;
	}
#if HAVE_CT_SWEEP
	/*
	 * The sweep's rows, each size's gateway: a reply of its middle flow
	 * from the remote (mxgw_wan_in: mxgw_ct, DNAT), the flow's next
	 * segment from the mail server on lctK (mxgw_lan_in: mxgw_nat then
	 * mxgw_ct, SNAT), the same on the WAN egress (mxgw_wan_out), IPv6's
	 * three (mxgw_ct6, routed), and a control that looks up no flow (an
	 * allowed inbound segment: stateless DNAT), which shows how much one
	 * gateway's copy of the program differs from another's.
	 */
	for (int k = 0, xfloor = 0, tfloor = 0; sweep && k < CT_SIZES * ct_copies; k++) {
		char wan[16], lan[16];
		struct path rows[CT_PATHS] = {
			{ NULL, xdpct[k],
			  { .saddr = ct_remote[k], .daddr = ct_pub[k], .sport = ct_rport[k],
			    .dport = ct_port[k], .tcp_flags = 0x10 },
			  XDP_REDIRECT, MXGW_CT_REPLY, &mct[k], MXGW_FAM_IPV4 },
			{ NULL, lanct[k],
			  { .saddr = TB_MAILSERVER, .daddr = ct_remote[k], .sport = ct_port[k],
			    .dport = ct_rport[k], .tcp_flags = 0x10 },
			  XDP_REDIRECT, MXGW_LAN_FAST_ESTABLISHED, &mct[k], MXGW_FAM_IPV4 },
			{ NULL, tcct[k],
			  { .saddr = TB_MAILSERVER, .daddr = ct_remote[k], .sport = ct_port[k],
			    .dport = ct_rport[k], .tcp_flags = 0x10 },
			  TC_ACT_OK, MXGW_SNAT_MASQ, &mct[k], MXGW_FAM_IPV4, .tc = true },
			{ NULL, xdpct[k],
			  { .ip6 = true, .saddr = ct_remote6[k], .daddr = TB_MAILSERVER6,
			    .sport = ct_rport[k], .dport = ct_port[k], .tcp_flags = 0x10 },
			  XDP_REDIRECT, MXGW_CT_REPLY, &mct[k], MXGW_FAM_IPV6 },
			{ NULL, lanct[k],
			  { .ip6 = true, .saddr = TB_MAILSERVER6, .daddr = ct_remote6[k],
			    .sport = ct_port[k], .dport = ct_rport[k], .tcp_flags = 0x10 },
			  XDP_REDIRECT, MXGW_LAN_FAST_ESTABLISHED, &mct[k], MXGW_FAM_IPV6 },
			{ NULL, tcct[k],
			  { .ip6 = true, .saddr = TB_MAILSERVER6, .daddr = ct_remote6[k],
			    .sport = ct_port[k], .dport = ct_rport[k], .tcp_flags = 0x10 },
			  TC_ACT_OK, MXGW_SNAT_MASQ, &mct[k], MXGW_FAM_IPV6, .tc = true },
			{ NULL, xdpct[k],
			  { .daddr = ct_pub[k], .dport = 25, .tcp_flags = 0x10 },
			  XDP_REDIRECT, MXGW_FWD_REDIRECT, &mct[k], MXGW_FAM_IPV4 },
		};

		for (int i = 0; !k && i < npaths; i++) {
			if (!strcmp(paths[i].name, "empty XDP_PASS (floor)"))
				xfloor = i;
			if (!strcmp(paths[i].name, "empty TC_ACT_OK (TC floor)"))
				tfloor = i;
		}
		snprintf(wan, sizeof(wan), "wct%d", k);
		snprintf(lan, sizeof(lan), "lct%d", k);
		for (int j = 0; j < CT_PATHS; j++) {
			struct path *p = &paths[npaths];

			*p = rows[j];
			if (k < CT_SIZES)
				snprintf(ct_names[k][j], sizeof(ct_names[k][j]), "ct %s: %s",
					 ct_label[k], ct_path[j]);
			else	/* --conntrack's copies */
				snprintf(ct_names[k][j], sizeof(ct_names[k][j]), "ct %s #%d: %s",
					 ct_label[k % CT_SIZES], k / CT_SIZES + 1, ct_path[j]);
			p->name = ct_names[k][j];
			p->floor = p->tc ? tfloor : xfloor;
			p->ifindex = if_nametoindex(p->prog_fd == lanct[k] ? lan : wan);
			p->len = tb_frame(&p->spec, p->frame);
			ct_row[k][j] = npaths++;
		}
	}
#endif
#if HAVE_ALL
	/* --combined: wan8's rows again on wan9, wan7's on wan10 and wan11
	 * (IPv4's to the copy's public address), timed in the same rounds */
	for (int i = 0, n = npaths; combined && i < n; i++) {
		for (int c = 0; c < COPIES; c++) {
			struct path *p = &paths[npaths];
			char *w8;

			if (paths[i].maps != (c ? &m7 : &m8))
				continue;
			if (ncopy_names == 64)
				die("copies' names", ENOSPC);
			*p = paths[i];
			p->prog_fd = xdpc[c];
			p->maps = &mc[c];
			p->ifindex = if_nametoindex(copy_if[c]);
			if (!p->spec.ip6)
				p->spec.daddr = copy_pub[c];
			if (c) {
				snprintf(copy_names[ncopy_names], sizeof(copy_names[0]), "%s (%s)",
					 paths[i].name, copy_if[c]);
			} else {
				w8 = strstr(paths[i].name, "wan8");
				snprintf(copy_names[ncopy_names], sizeof(copy_names[0]),
					 "%.*swan9%s", (int)(w8 - paths[i].name), paths[i].name,
					 w8 + 4);
			}
			p->name = copy_names[ncopy_names++];
			p->len = tb_frame(&p->spec, p->frame);
			npaths++;
		}
	}
#endif
	/* warm up: caches, the next-hop cache of each CPU, the JIT image */
	for (int i = 0; i < npaths; i++)
		run_round(&paths[i], paths[i].ifindex ? paths[i].ifindex :
				     IFINDEX_OF(&paths[i]));
	/*
	 * Each round in an order of its own: a path timed after the fib's
	 * (the transit rows) found less of itself in the caches and took up
	 * to 15 ns longer than in another place (seeded: repeatable).
	 */
	srand(1);
	for (int r = 0; r < ROUNDS; r++) {
		int order[sizeof(paths) / sizeof(paths[0])];

		for (int i = 0; i < npaths; i++)
			order[i] = i;
		for (int i = npaths - 1; i > 0; i--) {
			int j = rand() % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (int k = 0; k < npaths; k++) {
			struct path *p = &paths[order[k]];

			p->ns[r] = run_round(p, p->ifindex ? p->ifindex : IFINDEX_OF(p));
		}
	}

	if (csv) {
		out = fopen(csv, "w");
		if (!out)
			die(csv, errno);
		fprintf(out, "path,median_ns,q1_ns,q3_ns,ratio_to_empty,verified_insns,xlated_insns,jited_bytes\n");
	}
	printf("per-packet cost, bpf_prog_test_run_opts, %d rounds x %d calls (repeat=1), CPU 0\n",
	       ROUNDS, CALLS);
	printf("%-40s %9s %17s %8s %9s %8s %7s\n", "path", "median", "spread (q1..q3)",
	       "x empty", "verified", "xlated", "jited");
	for (int i = 0; i < npaths; i++) {
		double med, lo, hi, floor_med;
		__u32 ver, xl, jit;

		stats(paths[paths[i].floor].ns, &floor_med, &lo, &hi);
		stats(paths[i].ns, &med, &lo, &hi);
		prog_sizes(paths[i].prog_fd, &ver, &xl, &jit);
		printf("%-40s %6.1f ns %7.1f..%6.1f ns %7.2fx %9u %8u %6uB\n", paths[i].name,
		       med, lo, hi, med / floor_med, ver, xl, jit);
		if (out)
			fprintf(out, "\"%s\",%.1f,%.1f,%.1f,%.3f,%u,%u,%u\n", paths[i].name, med,
				lo, hi, med / floor_med, ver, xl, jit);
	}
	if (out)
		fclose(out);
	dnat_target(paths, npaths);
#if HAVE_CT_SWEEP
	if (sweep) {
		static double r[ROUNDS * CT_COPIES * CT_COPIES], v[ROUNDS * CT_COPIES];
		double ratio[CT_PATHS][CT_SIZES];

		printf("\nconntrack size (issue 14: per-packet cost flat from 1 to 10^6 entries, "
		       "within 10%%): a gateway per size and copy (%d), conntrack-max %u each, the "
		       "hit flow the middle one;\nns: median of the rounds (of every copy); (x): "
		       "median of the rounds' ratios to the 1-entry row (every pair of copies)\n"
		       "%-25s", ct_copies, CT_SWEEP_MAX, "path");
		for (int k = 0; k < CT_SIZES; k++)
			printf(" %15s", ct_label[k]);
		printf("\n");
		for (int j = 0; j < CT_PATHS; j++) {
			printf("%-25s", ct_path[j]);
			for (int k = 0; k < CT_SIZES; k++) {
				int nr = 0, nv = 0;

				for (int c = 0; c < ct_copies; c++) {
					const struct path *p = &paths[ct_row[c * CT_SIZES + k][j]];

					for (int i = 0; i < ROUNDS; i++) {
						v[nv++] = p->ns[i];
						for (int d = 0; d < ct_copies; d++)
							r[nr++] = p->ns[i] /
								  paths[ct_row[d * CT_SIZES][j]].ns[i];
					}
				}
				qsort(r, nr, sizeof(double), cmp_double);
				qsort(v, nv, sizeof(double), cmp_double);
				ratio[j][k] = r[nr / 2];
				printf(" %6.1f (%.2fx)", v[nv / 2], ratio[j][k]);
			}
			printf("\n");
		}
		for (int j = 0; j < CT_CONTROL; j++) {
			double max = 0;

			for (int k = 1; k < CT_SIZES; k++)
				if (ratio[j][k] > max)
					max = ratio[j][k];
			printf("target ct-flat %s: max ratio %.3f over 1..10^6: %s\n", ct_path[j],
			       max, max <= 1.10 ? "met" : "NOT met");
		}
		printf("the control looks up no flow: its ratios are the copies' own differences\n");
		printf("the sweep's gateways: load (mxgw_load_lan), fill (mxgw_ct + mxgw_nat + "
		       "mxgw_ct6 by batches), the three maps' memory\n");
		for (int g = 0; g < CT_SIZES * ct_copies; g++)
			printf("  %-5s entries #%d: load %4.0f ms, fill %5.0f ms, %6.1f MiB\n",
			       ct_label[g % CT_SIZES], g / CT_SIZES + 1, ct_load_s[g] * 1e3,
			       ct_fill_s[g] * 1e3, ct_mem[g] / 1048576.0);
		for (int g = 0; g < CT_SIZES * ct_copies; g++) {
			char wan[16];

			snprintf(wan, sizeof(wan), "wct%d", g);
			mxgw_unload(wan, NULL);
		}
	}
#endif
#if HAVE_ALL
	if (!ipv4_only) {
		printf("\nissue 13's targets: wan7 (10^6 IPv4 + 10^5 IPv6 blocklisted prefixes, "
		       "10^5 IPv4 + 10^5 IPv6 bans, a limit on smtp) vs wan0 (none), per-round ratios\n");
		ratio_row(paths, npaths, "all: inbound allowed: DNAT + redirect",
			  "inbound allowed: DNAT + redirect", 1.15);
		ratio_row(paths, npaths, "all: inbound SYN: limit's bucket",
			  "inbound SYN: DNAT + in_new + redirect", 0);	/* the bucket: no target */
		ratio_row(paths, npaths, "all: IPv6 inbound allowed",
			  "IPv6 inbound allowed: forward + redirect", 1.15);
		ratio_row(paths, npaths, "all: IPv6 allowed, among listed /64s",
			  "IPv6 inbound allowed: forward + redirect", 1.15);
		ratio_row(paths, npaths, "all: banned source: drop", "inbound denied: drop", 1.10);
		ratio_row(paths, npaths, "all: IPv6 banned source: drop",
			  "IPv6 inbound denied: drop", 1.10);
		ratio_row(paths, npaths, "all: blocklisted /24: drop", "inbound denied: drop", 1.10);
		ratio_row(paths, npaths, "all: IPv6 blocklisted: drop",
			  "IPv6 inbound denied: drop", 1.10);
		printf("the same against wan8 (none, loaded after wan7)\n");
		ratio_row(paths, npaths, "all: inbound allowed: DNAT + redirect",
			  "none (wan8): inbound allowed", 1.15);
		ratio_row(paths, npaths, "all: inbound SYN: limit's bucket",
			  "none (wan8): inbound SYN", 0);
		ratio_row(paths, npaths, "all: IPv6 inbound allowed",
			  "none (wan8): IPv6 inbound allowed", 1.15);
		ratio_row(paths, npaths, "all: IPv6 allowed, among listed /64s",
			  "none (wan8): IPv6 inbound allowed", 1.15);
		ratio_row(paths, npaths, "all: banned source: drop",
			  "none (wan8): inbound denied: drop", 1.10);
		ratio_row(paths, npaths, "all: IPv6 banned source: drop",
			  "none (wan8): IPv6 inbound denied: drop", 1.10);
		ratio_row(paths, npaths, "all: blocklisted /24: drop",
			  "none (wan8): inbound denied: drop", 1.10);
		ratio_row(paths, npaths, "all: IPv6 blocklisted: drop",
			  "none (wan8): IPv6 inbound denied: drop", 1.10);
		printf("the bias between two copies of the program, both with none (wan8 / wan0)\n");
		ratio_row(paths, npaths, "none (wan8): inbound allowed",
			  "inbound allowed: DNAT + redirect", 0);
		ratio_row(paths, npaths, "none (wan8): IPv6 inbound allowed",
			  "IPv6 inbound allowed: forward + redirect", 0);
		ratio_row(paths, npaths, "none (wan8): inbound denied: drop",
			  "inbound denied: drop", 0);
		ratio_row(paths, npaths, "none (wan8): IPv6 inbound denied: drop",
			  "IPv6 inbound denied: drop", 0);
		if (combined) {
			printf("over %d copies of each, everything (wan7, wan10, wan11) vs none "
			       "(wan0, wan8, wan9): the median of each round's %d ratios\n",
			       COPIES, COPIES * COPIES);
			ratio_copies(paths, npaths, "all: inbound allowed: DNAT + redirect",
				     "inbound allowed: DNAT + redirect",
				     "none (wan8): inbound allowed", 1.15);
			ratio_copies(paths, npaths, "all: IPv6 inbound allowed",
				     "IPv6 inbound allowed: forward + redirect",
				     "none (wan8): IPv6 inbound allowed", 1.15);
			ratio_copies(paths, npaths, "all: IPv6 allowed, among listed /64s",
				     "IPv6 inbound allowed: forward + redirect",
				     "none (wan8): IPv6 inbound allowed", 1.15);
			ratio_copies(paths, npaths, "all: banned source: drop",
				     "inbound denied: drop", "none (wan8): inbound denied: drop",
				     1.10);
			ratio_copies(paths, npaths, "all: IPv6 banned source: drop",
				     "IPv6 inbound denied: drop",
				     "none (wan8): IPv6 inbound denied: drop", 1.10);
			ratio_copies(paths, npaths, "all: blocklisted /24: drop",
				     "inbound denied: drop", "none (wan8): inbound denied: drop",
				     1.10);
			ratio_copies(paths, npaths, "all: IPv6 blocklisted: drop",
				     "IPv6 inbound denied: drop",
				     "none (wan8): IPv6 inbound denied: drop", 1.10);
			for (int c = 0; c < COPIES; c++)
				mxgw_unload(copy_if[c], NULL);
		}
		mxgw_unload("wan7", NULL);
		mxgw_unload("wan8", NULL);
	}
#endif
#if HAVE_BANS
	if (!ipv4_only && !combined) {
		/* issue 13's comparisons, from this run's medians */
		double allowed = row_median(paths, npaths, "inbound allowed: DNAT + redirect");
		double deny = row_median(paths, npaths, "inbound denied: drop");
		double a_bans = row_median(paths, npaths, "inbound allowed, 10^5 bans loaded");
		double banned_ns = row_median(paths, npaths, "banned source (of 10^5): drop");
		double a_pfx = row_median(paths, npaths, "allowed, 10^5 bans + 10^3 /24s");
		double b_pfx = row_median(paths, npaths, "banned by a /24 (of 10^3): drop");

		printf("10^5 bans: allowed DNAT path %.1f ns vs %.1f ns without (%.2fx); "
		       "banned drop %.1f ns vs plain deny %.1f ns (%.2fx)\n",
		       a_bans, allowed, a_bans / allowed, banned_ns, deny, banned_ns / deny);
		printf("10^5 bans + 10^3 /24s: allowed DNAT path %.1f ns (%.2fx); "
		       "banned by a /24 %.1f ns (%.2fx the plain deny)\n",
		       a_pfx, a_pfx / allowed, b_pfx, b_pfx / deny);
		mxgw_unload("wan2", NULL);
		mxgw_unload("wan3", NULL);
	}
#endif
#if HAVE_LIMITS
	if (!ipv4_only && !combined) {
		double allowed = row_median(paths, npaths, "inbound allowed: DNAT + redirect");
		double syn = row_median(paths, npaths, "inbound SYN: DNAT + in_new + redirect");
		double syn6 = row_median(paths, npaths, "IPv6 inbound SYN: in_new + redirect");
		double a = row_median(paths, npaths, "limit on smtp: inbound allowed");
		double s4 = row_median(paths, npaths, "limit on smtp: inbound SYN, bucket");
		double s6 = row_median(paths, npaths, "limit on smtp: IPv6 SYN, bucket");

		printf("limit on smtp: allowed DNAT path %.1f ns vs %.1f ns without (%.2fx); "
		       "its SYN %.1f ns vs %.1f ns (%.2fx); IPv6's SYN %.2fx\n",
		       a, allowed, a / allowed, s4, syn, s4 / syn, s6 / syn6);
		mxgw_unload("wan5", NULL);
	}
#endif
#if HAVE_SYNFLOOD
	if (!ipv4_only && !combined) {
		double allowed = row_median(paths, npaths, "inbound allowed: DNAT + redirect");
		double syn = row_median(paths, npaths, "inbound SYN: DNAT + in_new + redirect");
		double syn6 = row_median(paths, npaths, "IPv6 inbound SYN: in_new + redirect");
		double a = row_median(paths, npaths, "syn-flood on smtp: inbound allowed");
		double s4 = row_median(paths, npaths, "syn-flood on smtp: SYN, no flood");
		double s6 = row_median(paths, npaths, "syn-flood on smtp: IPv6 SYN, no flood");
		double ch = row_median(paths, npaths, "SYN flood: challenge, XDP_TX");
		double ch6 = row_median(paths, npaths, "SYN flood: IPv6 challenge, XDP_TX");
		double v = row_median(paths, npaths, "SYN flood: verified source's SYN");

		printf("syn-flood on smtp, no flood: allowed DNAT path %.1f ns vs %.1f ns without "
		       "(%.2fx); its SYN %.1f ns vs %.1f ns (%.2fx); IPv6's SYN %.2fx\n",
		       a, allowed, a / allowed, s4, syn, s4 / syn, s6 / syn6);
		printf("in a flood: a challenge %.1f ns (IPv6 %.1f ns), a verified source's SYN "
		       "%.1f ns (%.2fx the SYN without syn-flood)\n", ch, ch6, v, v / syn);
		mxgw_unload("wan6", NULL);
	}
#endif
#if HAVE_BLOCKLIST
	if (!ipv4_only && combined) {
		snprintf(bl_path, sizeof(bl_path), "rm -rf %s", bl_dir);
		sh(bl_path);
	}
	if (!ipv4_only && !combined) {
		/* side by side, one run: medians' ratios */
		double allowed = row_median(paths, npaths, "inbound allowed: DNAT + redirect");
		double deny = row_median(paths, npaths, "inbound denied: drop");
		double allowed6 = row_median(paths, npaths, "IPv6 inbound allowed: forward + redirect");
		double a = row_median(paths, npaths, "blocklists: inbound allowed");
		double al = row_median(paths, npaths, "blocklists: allowed, /24 with longer");
		double d24 = row_median(paths, npaths, "blocklists: listed /24, drop");
		double d32 = row_median(paths, npaths, "blocklists: listed /32 (hash), drop");
		double a6 = row_median(paths, npaths, "blocklists: IPv6 allowed");
		double a6among = row_median(paths, npaths, "blocklists: IPv6 allowed, among them");

		printf("allowed DNAT path, 10^6 + 10^5 blocklisted prefixes vs none: %.2fx "
		       "(target <= 1.15)\n", a / allowed);
		printf("  ... its source in a /24 with longer prefixes (the hash asked): %.2fx\n",
		       al / allowed);
		printf("blocklisted drop (/24) vs the plain deny path: %.2fx (target <= 1.10)\n",
		       d24 / deny);
		printf("  ... a /32 under a /24 (the hash's): %.2fx\n", d32 / deny);
		printf("IPv6 allowed path, 10^5 IPv6 prefixes (LPM trie) vs none: %.2fx\n",
		       a6 / allowed6);
		printf("  ... its source among the listed prefixes (%s): %.2fx\n", among6,
		       a6among / allowed6);
		bench_blocklists(&m4, xdp4, wan4, bl_dir, TB_CLIENT);
		snprintf(bl_path, sizeof(bl_path), "rm -rf %s", bl_dir);
		sh(bl_path);
		mxgw_unload("wan4", NULL);
	}
#endif
	mxgw_unload("wan0", NULL);
	mxgw_unload("wan1", NULL);
	return 0;
}
