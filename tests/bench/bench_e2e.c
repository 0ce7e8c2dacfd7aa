// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench, part 2: end to end, gateways side by side.
 *
 * Six network namespaces, built privately (a private mount namespace with
 * its own /run/netns and bpffs: nothing of the host is touched, and all of
 * it vanishes with the process):
 *
 *  mxb-inet  i-mx ─── wan0 [mxb-gw-mx]   mxgw: XDP + TC, by its own loader    lan0 ─── m-mx   mxb-ms
 *            i-nft ── wan0 [mxb-gw-nft]  kernel forwarding + nftables         lan0 ─── m-nft
 *            i-ceil ─ wan0 [mxb-gw-ceil] XDP_DROP on the receiving device     lan0 ─── m-ceil
 *            i-fwd ── wan0 [mxb-gw-fwd]  bench_fwd: the bare XDP rewrite      lan0 ─── m-fwd
 *
 * One gateway per namespace, each fed by its own generator veth: switching
 * gateway between slices is choosing a device, never re-attaching programs
 * or re-loading rules, so no slice can measure a half-switched gateway.
 *
 * The generator (gen.bpf.c) runs through bpf_prog_test_run_opts with
 * BPF_F_TEST_XDP_LIVE_FRAMES on i-* (inbound) or m-* (outgoing), one
 * thread pinned to each CPU; its XDP_TX sends every frame through the veth
 * into the gateway.  The sink (sink.bpf.c) on the far side checks and
 * counts every frame.  Before a gateway is timed on a row, a correctness
 * pass must see every frame arrive, rewritten, with valid checksums (and,
 * for mxgw, by the path the row is about); a timed slice in which a frame
 * went missing or arrived wrong makes the row BROKEN: it gets no number.
 *
 * The whole path of a frame -- generator, veth, gateway, veth, sink -- runs
 * in softirq on the generator thread's own CPU, inside the thread's
 * test_run call.  So the CPU time of the threads (plus any ksoftirqd time)
 * is the cost of the frames, whatever else the machine runs: Mpps are
 * frames per CPU-second of the generator CPUs, times their number -- the
 * rate with every CPU to the bench.  The wall-clock rate and the share of
 * the CPUs the bench had are in the CSV.
 *
 * Slices of --slice-ms are interleaved across gateways (the order rotates
 * every round) and rows; medians and quartiles over --rounds are reported.
 *
 * IPv6's rows (routed, as mxgw routes IPv6: nothing translated, 94-byte
 * frames) take the same beds: IPv6 is on in mxgw's and nftables' gateways,
 * nftables has an ip6 table, xdp-fwd and the sink know both families.
 *
 * Where the kernel refuses live frames (EPERM on some 6.18 builds, even
 * for root), or --gen packet asks, the same frames go out by AF_PACKET
 * (pkt_thread), and what is timed is the receiving side: the network
 * softirqs' time in the bench's threads and ksoftirqd (rxtime.bpf.c), not
 * the threads' own, mostly the generator's.  docs/BENCHMARKS.md, "When
 * live frames are refused".
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "testbed.h"
#include "loader.h"
#include "config.h"
#include "bench_frame.h"
#include "gen.skel.h"
#include "sink.skel.h"
#include "fwd.skel.h"
#include "rxtime.skel.h"

#ifndef MXGW_BENCH_NFT
#define MXGW_BENCH_NFT "tests/bench/mxgw-equivalent.nft"
#endif

#define MAX_ROUNDS	64
#define MAX_CPUS	64
#define CHUNK		4096	/* frames per test_run call in a timed slice */
#define CHECK_FRAMES	16384	/* frames per CPU in a correctness pass */
#define BATCH		64	/* frames per live-frames batch (NAPI's weight) */
#define PKT_BATCH	256	/* frames per sendmmsg call of the AF_PACKET generator */

#define NS_INET		"mxb-inet"
#define NS_MS		"mxb-ms"
#define PUBLIC		"203.0.113.33"
#define MAILSERVER	"192.168.1.10"
#define CLIENT		"198.51.100.7"	/* the inbound flows' source */
#define REMOTE		"198.51.100.25"	/* the outgoing flows' destination */
#define INET_MAC	"02:00:00:00:71:01"	/* i-* */
#define WAN_MAC		"02:00:00:00:71:21"	/* wan0 */
#define LAN_MAC		"02:00:00:00:01:01"	/* lan0 */
#define MAIL_MAC	"02:00:00:00:01:0a"	/* m-* */
#define UDP_PORT	5000	/* the bench's UDP service, incoming allowed */
#define SPORT_IN	20000	/* inbound flow f: source port SPORT_IN + f */
#define SPORT_OUT	40000	/* outgoing flow f: SPORT_OUT + f, inside nat-ports */
/* issue 14's rows: flows of their own, none shared with the SYN rows' */
#define IMAPS_PORT	993	/* the mail server's replies: from 192.168.1.10:993 */
#define DPORT_REPLY	30000	/* reply flow f: to CLIENT:DPORT_REPLY + f */
#define REMOTE_EST	"198.51.100.26"	/* the established outgoing flows' destination */
#define SPORT_EST	50000	/* established flow f: SPORT_EST + f, inside nat-ports */
#define ISN_CLIENT	1000000	/* the handshakes' initial sequence numbers */
#define ISN_SERVER	5000000
/*
 * IPv6 (COMMON12's test addresses): routed, never translated.  The WAN
 * link 2001:db8:1::/64 (the gateway's wan0 ::33, the Internet's next hop
 * ::1), the LAN 2001:db8:168::/64 (lan0 ::1, mailserver6 ::10), and the
 * Internet's clients and remotes in 2001:db8:51::/64.
 */
#define MAILSERVER6	"2001:db8:168::10"
#define LAN6		"2001:db8:168::1"
#define WAN6		"2001:db8:1::33"
#define INET6_HOP	"2001:db8:1::1"
#define CLIENT6		"2001:db8:51::7"	/* IPv6 inbound flows' and replies' peer */
#define REMOTE6_EST	"2001:db8:51::26"	/* IPv6 established outgoing flows' */
#define PEER6_NET	"2001:db8:51::"		/* the /64 of both */

enum gw { GW_MX, GW_NFT, GW_CEIL, GW_FWD, GW_MAX };
static const char *const gw_name[GW_MAX] = { "mxgw", "nftables", "ceiling", "xdp-fwd" };
static const char *const gw_tag[GW_MAX] = { "mx", "nft", "ceil", "fwd" };

enum dir { DIR_IN, DIR_OUT, DIR_MAX };

/*
 * What a row's frames are: SYNs of new flows (the first rows), or, issue
 * 14's rows, TCP data of connections that the three-way handshake opened
 * first (establish()): the mail server's replies on incoming connections,
 * or packets of established outgoing flows.
 */
enum kind { K_SYN, K_REPLY, K_EST };

struct row {
	const char *id;
	const char *label;
	enum dir dir;
	__u8 proto;
	__u16 dport;
	__u32 nflows;
	enum kind kind;
	bool ip6;		/* IPv6: routed, 94-byte frames */
	bool skip;		/* not among --rows */
	double mpps[GW_MAX][MAX_ROUNDS];	/* by CPU time */
	double wall[GW_MAX][MAX_ROUNDS];	/* by the wall clock */
	double share[GW_MAX][MAX_ROUNDS];	/* CPU time / (wall time * CPUs) */
	double rxns[GW_MAX][MAX_ROUNDS];	/* network softirq ns per frame (rxt) */
	char broken[GW_MAX][1024];
	char path[GW_MAX][120];	/* mxgw: the path the correctness pass saw */
	double med[GW_MAX], q1[GW_MAX], q3[GW_MAX], wall_med[GW_MAX], share_med[GW_MAX];
	double rxns_med[GW_MAX];
};

static struct row rows[] = {
	{ "in-tcp-1", "inbound DNAT, TCP SYN :25, 1 flow", DIR_IN, BENCH_PROTO_TCP, 25, 1 },
	{ "in-tcp-10k", "inbound DNAT, TCP SYN :25, 10000 flows", DIR_IN, BENCH_PROTO_TCP, 25, 10000 },
	{ "in-udp-1", "inbound DNAT, UDP :5000, 1 flow", DIR_IN, BENCH_PROTO_UDP, UDP_PORT, 1 },
	{ "out-tcp-1", "outgoing masquerade, TCP SYN :25, 1 flow", DIR_OUT, BENCH_PROTO_TCP, 25, 1 },
	{ "out-tcp-10k", "outgoing masq., TCP SYN :25, 10000 flows", DIR_OUT, BENCH_PROTO_TCP, 25,
	  10000 },
	{ "reply-1", "replies from :993, TCP data, 1 flow", DIR_OUT, BENCH_PROTO_TCP,
	  IMAPS_PORT, 1, K_REPLY },
	{ "reply-10k", "replies from :993, TCP data, 10000 flows", DIR_OUT, BENCH_PROTO_TCP,
	  IMAPS_PORT, 10000, K_REPLY },
	{ "est-1", "outgoing established, TCP data :25, 1 flow", DIR_OUT, BENCH_PROTO_TCP, 25, 1,
	  K_EST },
	{ "est-10k", "outgoing est., TCP data :25, 10000 flows", DIR_OUT, BENCH_PROTO_TCP, 25,
	  10000, K_EST },
	/* IPv6: the same jobs routed (mxgw_wan_in6, mxgw_lan_in6): to
	 * mailserver6, from it, nothing translated */
	{ "in6-tcp-1", "IPv6 inbound, TCP SYN :25, 1 flow", DIR_IN, BENCH_PROTO_TCP, 25, 1,
	  K_SYN, true },
	{ "in6-tcp-10k", "IPv6 inbound, TCP SYN :25, 10000 flows", DIR_IN, BENCH_PROTO_TCP, 25,
	  10000, K_SYN, true },
	{ "reply6-1", "IPv6 replies from :993, 1 flow", DIR_OUT, BENCH_PROTO_TCP, IMAPS_PORT, 1,
	  K_REPLY, true },
	{ "reply6-10k", "IPv6 replies from :993, 10000 flows", DIR_OUT, BENCH_PROTO_TCP,
	  IMAPS_PORT, 10000, K_REPLY, true },
	{ "est6-1", "IPv6 outgoing est., TCP :25, 1 flow", DIR_OUT, BENCH_PROTO_TCP, 25, 1,
	  K_EST, true },
	{ "est6-10k", "IPv6 outgoing est., TCP :25, 10000 flows", DIR_OUT, BENCH_PROTO_TCP, 25,
	  10000, K_EST, true },
};
#define NROWS	((int)(sizeof(rows) / sizeof(rows[0])))

static int ncpus, nposs, rounds = 7, slice_ms = 250;
static int ns_fd_inet, ns_fd_ms, ns_fd_gw[GW_MAX];
static int ifidx_gen[GW_MAX][DIR_MAX];	/* i-* (inbound), m-* (outgoing) */
static int ksoftirqd_pid[MAX_CPUS];
static struct bench_gen *gen;
static struct bench_sink *sinks[GW_MAX][DIR_MAX];	/* all but the ceiling */
static struct bench_sink *ceiling;
static struct mxgw_maps mxmaps;
static bool verbose;

/*
 * The generator: live frames (gen.bpf.c through test_run), or, where the
 * kernel refuses BPF_F_TEST_XDP_LIVE_FRAMES (some 6.18 builds do, EPERM
 * even for root) or --gen packet / MXGW_BENCH_GEN=packet asks, the same
 * frames sent by AF_PACKET (pkt_thread).  See docs/BENCHMARKS.md, "When
 * live frames are refused".
 */
enum gen_kind { GEN_AUTO, GEN_LIVE, GEN_PACKET };
static enum gen_kind gen_kind = GEN_AUTO;
static char gen_why[160];	/* why this generator */
static __u32 pkt_next[MAX_CPUS];	/* AF_PACKET: thread c's next frame of its flows */
/* NET_RX/NET_TX softirq time per CPU (rxtime.bpf.c); NULL: not attached */
static struct bench_rxtime *rxt;
static char rxt_why[160];

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_e2e: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (verbose)
		fprintf(stderr, "+ %s\n", cmd);
	if (system(cmd)) {
		fprintf(stderr, "bench_e2e: command failed: %s\n", cmd);
		exit(1);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int ns_open(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path, errno);
	return fd;
}

static void ns_enter(int fd)
{
	if (setns(fd, CLONE_NEWNET))
		die("setns", errno);
}

/*
 * Private mount namespace: /run/netns is a tmpfs of our own, so the named
 * namespaces exist only for us and die with the process; /sys/fs/bpf is a
 * bpffs of our own, so mxgw's pins are private too.
 */
static void private_mounts(void)
{
	if (unshare(CLONE_NEWNS))
		die("unshare(CLONE_NEWNS)", errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("mount --make-rprivate /", errno);
	mkdir("/run/netns", 0755);
	if (mount("mxgw-bench", "/run/netns", "tmpfs", 0, "mode=0755"))
		die("mount tmpfs on /run/netns", errno);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		die("mount bpffs", errno);
}

#define NSX(ns) "nsenter --net=/run/netns/" ns " "

static void topology(void)
{
	static const char *const all[] = { NS_INET, NS_MS, "mxb-gw-mx", "mxb-gw-nft",
					   "mxb-gw-ceil", "mxb-gw-fwd" };
	char q[64];

	snprintf(q, sizeof(q), "numtxqueues %d numrxqueues %d", ncpus, ncpus);
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		sh("ip netns add %s", all[i]);
		/* no IPv6: no router solicitation or MLD report reaches a sink */
		sh(NSX("%s") "sh -c '{ sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
		   "net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || :; } && "
		   "ip link set lo up'", all[i]);
	}
	for (int g = 0; g < GW_MAX; g++) {
		const char *t = gw_tag[g];

		sh("ip -n " NS_INET " link add i-%s %s address " INET_MAC " type veth peer name wan0 "
		   "netns mxb-gw-%s %s address " WAN_MAC, t, q, t, q);
		sh("ip -n " NS_MS " link add m-%s %s address " MAIL_MAC " type veth peer name lan0 "
		   "netns mxb-gw-%s %s address " LAN_MAC, t, q, t, q);
		sh("ip -n " NS_INET " link set i-%s up && ip -n " NS_MS " link set m-%s up", t, t);
		sh(NSX("mxb-gw-%s") "sh -c '"
		   "ip addr add " PUBLIC "/24 dev wan0 && ip addr add 192.168.1.1/24 dev lan0 && "
		   "ip link set wan0 up && ip link set lan0 up && "
		   "sysctl -qw net.ipv4.ip_forward=1 && "
		   "ip neigh replace " MAILSERVER " lladdr " MAIL_MAC " dev lan0 nud permanent && "
		   "ip neigh replace 203.0.113.1 lladdr " INET_MAC " dev wan0 nud permanent && "
		   "ip route add 198.51.100.0/24 via 203.0.113.1'", t);
	}
	/*
	 * IPv6 where the kernel or mxgw's loader needs it: mxgw (its wan6
	 * addresses, lan6 and the FIB's IPv6 routes are read from these) and
	 * nftables (the kernel forwards).  Static neighbours and no DAD: no
	 * neighbour discovery on the way.  A router sends no router
	 * solicitation; its MLD reports reach the sinks, which count them
	 * apart (other).  xdp-fwd and the ceiling need none of it.
	 */
	for (int g = GW_MX; g <= GW_NFT; g++)
		sh(NSX("mxb-gw-%s") "sh -c '"
		   "sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 "
		   "net.ipv6.conf.wan0.disable_ipv6=0 net.ipv6.conf.lan0.disable_ipv6=0 && "
		   "sysctl -qw net.ipv6.conf.all.forwarding=1 && "
		   "ip -6 addr add " WAN6 "/64 dev wan0 nodad && "
		   "ip -6 addr add " LAN6 "/64 dev lan0 nodad && "
		   "ip -6 neigh replace " MAILSERVER6 " lladdr " MAIL_MAC " dev lan0 nud permanent && "
		   "ip -6 neigh replace " INET6_HOP " lladdr " INET_MAC " dev wan0 nud permanent && "
		   "ip -6 route add " PEER6_NET "/64 via " INET6_HOP "'", gw_tag[g]);
	/*
	 * A veth delivers XDP frames (the generator's XDP_TX, a redirect) only
	 * into a peer running NAPI: an XDP program, or GRO.  The nftables
	 * gateway has no XDP, so GRO on both its devices; mxgw's LAN device
	 * takes the outgoing generator's frames; the ceiling and xdp-fwd have
	 * XDP on both.
	 */
	sh(NSX("mxb-gw-nft") "sh -c 'ethtool -K wan0 gro on >/dev/null && "
	   "ethtool -K lan0 gro on >/dev/null'");
	sh(NSX("mxb-gw-mx") "ethtool -K lan0 gro on >/dev/null");
	/*
	 * XPS: a CPU transmits on its own queue, and a veth hands an skb to
	 * the peer's receive queue of the same number, whose NAPI then runs on
	 * that CPU.  Without it every skb of one flow lands in one receive
	 * queue, one CPU's NAPI drains what both CPUs forward, and its ring
	 * (256 frames) overflows.  XDP frames (the generator's, a redirect)
	 * pick the queue by CPU already.  "ip netns exec" mounts the
	 * namespace's own /sys for the write.
	 */
	for (int g = GW_MX; g <= GW_NFT && ncpus > 1; g++)	/* one queue: no XPS (EIO) */
		for (int c = 0; c < ncpus; c++)
			sh("ip netns exec mxb-gw-%s sh -c 'for d in wan0 lan0; do "
			   "printf %%x %llu > /sys/class/net/$d/queues/tx-%d/xps_cpus; done'",
			   gw_tag[g], 1ULL << c, c);
	/* the generator program is attached here, never receives: see load_programs */
	sh("ip -n " NS_INET " link add park0 type veth peer name park1 && "
	   "ip -n " NS_INET " link set park0 up && ip -n " NS_INET " link set park1 up");

	ns_fd_inet = ns_open(NS_INET);
	ns_fd_ms = ns_open(NS_MS);
	for (int g = 0; g < GW_MAX; g++) {
		char name[32], dev[16];

		snprintf(name, sizeof(name), "mxb-gw-%s", gw_tag[g]);
		ns_fd_gw[g] = ns_open(name);
		ns_enter(ns_fd_inet);
		snprintf(dev, sizeof(dev), "i-%s", gw_tag[g]);
		ifidx_gen[g][DIR_IN] = if_nametoindex(dev);
		ns_enter(ns_fd_ms);
		snprintf(dev, sizeof(dev), "m-%s", gw_tag[g]);
		ifidx_gen[g][DIR_OUT] = if_nametoindex(dev);
		if (!ifidx_gen[g][DIR_IN] || !ifidx_gen[g][DIR_OUT])
			die("generator devices", ENODEV);
	}
}

static void xdp_attach(int ns_fd, const char *dev, int prog_fd)
{
	int idx, err;

	ns_enter(ns_fd);
	idx = if_nametoindex(dev);
	if (!idx)
		die(dev, errno);
	err = bpf_xdp_attach(idx, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		die("attach XDP (native)", err);
}

static void mac(const char *s, volatile __u8 *out)
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		die(s, EINVAL);
	for (int i = 0; i < 6; i++)
		out[i] = b[i];
}

static __be32 ip4(const char *s)
{
	__be32 a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die(s, EINVAL);
	return a;
}

static void ip6(const char *s, volatile __u8 *out)
{
	__u8 a[16];

	if (inet_pton(AF_INET6, s, a) != 1)
		die(s, EINVAL);
	for (int i = 0; i < 16; i++)
		out[i] = a[i];
}

/* A sink for frames forwarded inbound (to the mail server) or outgoing. */
static struct bench_sink *sink_load(enum dir d)
{
	struct bench_sink *s = bench_sink__open();

	if (!s)
		die("open sink", errno);
	s->rodata->expect_addr = ip4(d == DIR_IN ? MAILSERVER : PUBLIC);
	/* IPv6: mailserver6 either way, routed */
	ip6(MAILSERVER6, s->rodata->expect_addr6);
	{
		volatile __u8 peer[16];

		ip6(PEER6_NET, peer);
		for (int i = 0; i < 8; i++)
			s->rodata->expect_peer6[i] = peer[i];
	}
	s->rodata->expect_dst = d == DIR_IN;
	s->rodata->expect_ttl = 63;
	mac(d == DIR_IN ? MAIL_MAC : INET_MAC, s->rodata->expect_dmac);
	mac(d == DIR_IN ? LAN_MAC : WAN_MAC, s->rodata->expect_smac);
	if (bench_sink__load(s))
		die("load sink", errno);
	return s;
}

/* The reference forwarder of one direction, attached in mxb-gw-fwd. */
static void fwd_load(enum dir d)
{
	struct bench_fwd *f = bench_fwd__open();

	if (!f)
		die("open xdp-fwd", errno);
	ns_enter(ns_fd_gw[GW_FWD]);
	f->rodata->rewrite_dst = d == DIR_IN;
	f->rodata->new_addr = ip4(d == DIR_IN ? MAILSERVER : PUBLIC);
	mac(d == DIR_IN ? MAIL_MAC : INET_MAC, f->rodata->dmac);
	mac(d == DIR_IN ? LAN_MAC : WAN_MAC, f->rodata->smac);
	f->rodata->out_ifindex = if_nametoindex(d == DIR_IN ? "lan0" : "wan0");
	if (!f->rodata->out_ifindex || bench_fwd__load(f))
		die("load xdp-fwd", errno);
	xdp_attach(ns_fd_gw[GW_FWD], d == DIR_IN ? "wan0" : "lan0",
		   bpf_program__fd(f->progs.bench_fwd));
}

static void load_programs(void)
{
	int err;

	gen = bench_gen__open_and_load();
	if (!gen)
		die("load the generator", errno);
	/*
	 * Attached (to a device that never receives), so each test_run call
	 * finds it in the XDP dispatcher instead of patching it in and out.
	 */
	xdp_attach(ns_fd_inet, "park0", bpf_program__fd(gen->progs.bench_gen));

	for (int g = 0; g < GW_MAX; g++) {
		char dev[16];

		if (g == GW_CEIL)
			continue;
		sinks[g][DIR_IN] = sink_load(DIR_IN);
		sinks[g][DIR_OUT] = sink_load(DIR_OUT);
		snprintf(dev, sizeof(dev), "m-%s", gw_tag[g]);
		xdp_attach(ns_fd_ms, dev, bpf_program__fd(sinks[g][DIR_IN]->progs.bench_sink));
		snprintf(dev, sizeof(dev), "i-%s", gw_tag[g]);
		xdp_attach(ns_fd_inet, dev, bpf_program__fd(sinks[g][DIR_OUT]->progs.bench_sink));
	}
	/* the ceiling: whatever reaches the gateway's receiving device, dropped */
	ceiling = sink_load(DIR_IN);
	xdp_attach(ns_fd_gw[GW_CEIL], "wan0", bpf_program__fd(ceiling->progs.bench_ceiling));
	xdp_attach(ns_fd_gw[GW_CEIL], "lan0", bpf_program__fd(ceiling->progs.bench_ceiling));
	fwd_load(DIR_IN);
	fwd_load(DIR_OUT);

	/* mxgw, by the loader mxctl uses, after the sinks: the LAN device's
	 * peer has XDP now, so mxgw_load puts lan0 into mxgw_tx_ports */
	{
		static char conf_text[8192];
		static struct mxgw_conf_file conf;
		struct mxgw_load_result res;

		snprintf(conf_text, sizeof(conf_text),
			 "%s\n# the bench's UDP service\nservice bench-udp %d/udp allow allow\n"
			 "# IPv6, routed (the shipped config has these commented out)\n"
			 "mailserver6 " MAILSERVER6 "\nlan6 2001:db8:168::/64\n",
			 tb_shipped_conf(), UDP_PORT);
		err = mxgw_conf_parse_string("bench.conf", conf_text, &conf, stderr);
		if (err)
			die("mxgw config", err);
		/* the figures are mxgw's alone, attached directly */
		conf.policy.xdp_attach = MXGW_XDP_ATTACH_DIRECT;
		ns_enter(ns_fd_gw[GW_MX]);
		err = mxgw_load("wan0", &conf.policy, &res);
		if (err)
			die("mxgw_load", err);
		if (res.generic_xdp)
			die("mxgw attached in generic mode", EOPNOTSUPP);
		if (res.fast_ports <= 0)
			die("mxgw: no device takes redirected frames", ENODEV);
		err = mxgw_open_loaded("wan0", &mxmaps);
		if (err)
			die("open mxgw maps", err);
	}
}

/*
 * The network softirqs' time per CPU, the receiving side's, where the
 * bench's threads and ksoftirqd run them (rxtime.bpf.c).  After
 * find_ksoftirqd.
 */
static void rxtime_attach(void)
{
	struct bench_rxtime *x = bench_rxtime__open_and_load();
	int err;

	if (!x) {
		snprintf(rxt_why, sizeof(rxt_why), "loading rxtime.bpf.c: %s", strerror(errno));
		return;
	}
	for (int c = -1; c < MAX_CPUS; c++) {
		__u32 id = c < 0 ? (__u32)getpid() : (__u32)ksoftirqd_pid[c];
		__u8 one = 1;

		if (id && bpf_map_update_elem(bpf_map__fd(x->maps.rxtime_tasks), &id, &one, BPF_ANY))
			die("rxtime_tasks", errno);
	}
	err = bench_rxtime__attach(x);
	if (err) {
		snprintf(rxt_why, sizeof(rxt_why), "attaching to irq:softirq_entry/exit: %s",
			 strerror(-err));
		bench_rxtime__destroy(x);
		return;
	}
	rxt = x;
}

#ifndef ENOTSUPP
#define ENOTSUPP	524	/* the kernel's own, seen by user space as is */
#endif

/*
 * Does the kernel run live frames?  One frame out through park0 (park1 has
 * neither XDP nor GRO: the veth drops it).  Refused (EPERM on some 6.18
 * builds even for root; EINVAL or EOPNOTSUPP where the flag or XDP_TX is
 * not supported), the AF_PACKET generator runs instead, unless --gen live.
 */
static void choose_generator(void)
{
	struct xdp_md ctx = { .data_end = BENCH_FRAME_LEN };
	__u8 frame[BENCH_FRAME_LEN] = {};
	int err;

	if (gen_kind == GEN_PACKET) {
		snprintf(gen_why, sizeof(gen_why), "asked for: --gen packet or MXGW_BENCH_GEN=packet");
		return;
	}
	ns_enter(ns_fd_inet);
	ctx.ingress_ifindex = if_nametoindex("park0");
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 1);
	err = bpf_prog_test_run_opts(bpf_program__fd(gen->progs.bench_gen), &o) ? -errno : 0;
	if (!err) {
		snprintf(gen_why, sizeof(gen_why), "%s",
			 gen_kind == GEN_LIVE ? "asked for" : "the kernel runs them");
		gen_kind = GEN_LIVE;
		return;
	}
	if (gen_kind == GEN_LIVE ||
	    (err != -EPERM && err != -EOPNOTSUPP && err != -EINVAL && err != -ENOTSUPP))
		die("generator (test_run, live frames)", err);
	gen_kind = GEN_PACKET;
	snprintf(gen_why, sizeof(gen_why), "the kernel refused live frames: test_run: %s",
		 err == -ENOTSUPP ? "not supported" : strerror(-err));
}

static void load_nft(const char *file)
{
	struct stat st;

	if (stat(file, &st))
		die(file, errno);
	/* checked first: a ruleset that does not parse changes nothing */
	sh(NSX("mxb-gw-nft") "nft -c -f %s", file);
	sh(NSX("mxb-gw-nft") "nft -f %s", file);
}

/* ksoftirqd/N: softirq work deferred there is work of the bench's too. */
static void find_ksoftirqd(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[288], comm[64] = "";
		int cpu;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && sscanf(comm, "ksoftirqd/%d", &cpu) == 1 &&
		    cpu >= 0 && cpu < MAX_CPUS)
			ksoftirqd_pid[cpu] = atoi(de->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
}

static double ksoftirqd_s(int ncpu)
{
	double sum = 0;

	for (int c = 0; c < ncpu; c++) {
		char path[64];
		unsigned long long ns = 0;
		FILE *f;

		if (!ksoftirqd_pid[c])
			continue;
		snprintf(path, sizeof(path), "/proc/%d/schedstat", ksoftirqd_pid[c]);
		f = fopen(path, "r");
		if (f && fscanf(f, "%llu", &ns) == 1)
			sum += ns / 1e9;
		if (f)
			fclose(f);
	}
	return sum;
}

/* ---- counters ---- */

static void percpu_sum(int fd, size_t words, __u64 *out)
{
	__u64 buf[nposs * words];
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, buf))
		die("read per-CPU stats", errno);
	memset(out, 0, words * sizeof(__u64));
	for (int c = 0; c < nposs; c++)
		for (size_t w = 0; w < words; w++)
			out[w] += buf[c * words + w];
}

struct snap {
	struct bench_sink_stats sink;
	__u64 dropped;		/* ceiling */
	__u64 gen_sent;
	__u64 mx[MXGW_COUNTER_MAX];
	__u64 mx6[MXGW_COUNTER_MAX];	/* IPv6's counters (mxgw_counter_key(IPV6, c)) */
};

static void snapshot(enum gw g, enum dir d, struct snap *s)
{
	__u64 genst[2];

	memset(s, 0, sizeof(*s));
	if (g == GW_CEIL) {
		percpu_sum(bpf_map__fd(ceiling->maps.ceiling_stats), 1, &s->dropped);
	} else {
		percpu_sum(bpf_map__fd(sinks[g][d]->maps.sink_stats),
			   sizeof(s->sink) / 8, (__u64 *)&s->sink);
		if (g == GW_MX && (mxgw_maps_read_counters(&mxmaps, s->mx) ||
				   mxgw_maps_read_counters_family(&mxmaps, MXGW_FAM_IPV6, s->mx6)))
			die("read mxgw counters", errno);
	}
	percpu_sum(bpf_map__fd(gen->maps.gen_stats), 2, genst);
	s->gen_sent = genst[0];
}

static __u64 arrived(enum gw g, const struct snap *a, const struct snap *b)
{
	return g == GW_CEIL ? b->dropped - a->dropped : b->sink.ok - a->sink.ok;
}

static __u64 bad(const struct snap *a, const struct snap *b)
{
	return (b->sink.bad_len - a->sink.bad_len) + (b->sink.bad_addr - a->sink.bad_addr) +
	       (b->sink.bad_hdr - a->sink.bad_hdr) +
	       (b->sink.bad_ip_csum - a->sink.bad_ip_csum) +
	       (b->sink.bad_l4_csum - a->sink.bad_l4_csum) +
	       (b->sink.bad_port - a->sink.bad_port);
}

static void describe_bad(char *buf, size_t len, const struct snap *a, const struct snap *b)
{
#define D(f) (unsigned long long)(b->sink.f - a->sink.f)
	snprintf(buf, len, "bad frames: length/proto %llu, address %llu, MAC/TTL %llu, "
		 "IP checksum %llu, L4 checksum %llu, ports %llu; neither IPv4 nor IPv6 TCP/UDP %llu",
		 D(bad_len), D(bad_addr), D(bad_hdr), D(bad_ip_csum), D(bad_l4_csum), D(bad_port),
		 D(other));
#undef D
}

/* ---- the generator ---- */

struct gen_job {
	int ns_fd, ifindex, cpu;
	__u64 max_frames;	/* per thread */
	double seconds;		/* 0: max_frames only */
	pthread_barrier_t *bar;
	__u8 frame[BENCH_FRAME_MAX];
	unsigned int len;	/* the frames' length: BENCH_FRAME_LEN, IPv6's BENCH_FRAME6_LEN */
	__u8 (*frames)[BENCH_FRAME_MAX];	/* AF_PACKET: this thread's flows */
	__u32 nframes, next;	/* AF_PACKET: how many; the next one to send */
	__u64 sent;
	__u64 refused;		/* AF_PACKET: ENOBUFS, the veth's ring full (in sent) */
	double t0, t1, cpu_s;	/* wall clock; CPU time of the thread */
	int err;
};

/* A template's frame length and L4 offset: IPv4's or IPv6's. */
static unsigned int tmpl_len(const struct bench_tmpl *t)
{
	return t->ipv6 ? BENCH_FRAME6_LEN : BENCH_FRAME_LEN;
}

static unsigned int tmpl_l4(const struct bench_tmpl *t)
{
	return t->ipv6 ? BENCH_L4_OFF6 : BENCH_L4_OFF;
}

/* A generator thread on its CPU, in the generator's namespace: 0 or -errno. */
static int thread_enter(const struct gen_job *j)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(j->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		return -EINVAL;
	return setns(j->ns_fd, CLONE_NEWNET) ? -errno : 0;
}

static void *gen_thread(void *arg)
{
	struct gen_job *j = arg;
	struct xdp_md ctx = { .data_end = j->len, .ingress_ifindex = j->ifindex };
	double deadline;

	j->err = thread_enter(j);	/* ingress_ifindex is looked up there */
	pthread_barrier_wait(j->bar);
	if (j->err)
		return NULL;
	j->t0 = now_s();
	j->cpu_s = thread_cpu_s();
	deadline = j->t0 + j->seconds;
	do {
		__u64 n = j->max_frames - j->sent < CHUNK ? j->max_frames - j->sent : CHUNK;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = j->frame,
			    .data_size_in = j->len, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = n,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = BATCH);

		if (bpf_prog_test_run_opts(bpf_program__fd(gen->progs.bench_gen), &o)) {
			j->err = -errno;
			break;
		}
		j->sent += n;
	} while (j->sent < j->max_frames && (!j->seconds || now_s() < deadline));
	j->t1 = now_s();
	j->cpu_s = thread_cpu_s() - j->cpu_s;
	return NULL;
}

/*
 * The fallback generator: the frames gen.bpf.c would send, built here,
 * handed to the generator veth by AF_PACKET, PACKET_QDISC_BYPASS (straight
 * to veth_xmit), PKT_BATCH frames a system call, as tests/e2e/
 * synflood_gen.c does.  AF_PACKET records the sending CPU as the skb's
 * queue, so each thread feeds its own receive queue of the peer, whose
 * NAPI runs in softirq on the thread's CPU at the frame's local_bh_enable:
 * as with live frames, a frame's whole path runs on its thread's CPU.
 */
static void *pkt_thread(void *arg)
{
	struct gen_job *j = arg;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = j->ifindex };
	struct mmsghdr msg[PKT_BATCH];
	struct iovec iov[PKT_BATCH];
	int one = 1, fd = -1;
	double deadline;

	j->err = thread_enter(j);
	/* protocol 0: a socket that sends and receives nothing */
	if (!j->err &&
	    ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) < 0 ||
	     setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) ||
	     bind(fd, (struct sockaddr *)&sll, sizeof(sll))))
		j->err = -errno;
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < PKT_BATCH; i++) {
		iov[i].iov_len = j->len;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	pthread_barrier_wait(j->bar);
	if (j->err)
		goto out;
	j->t0 = now_s();
	j->cpu_s = thread_cpu_s();
	deadline = j->t0 + j->seconds;
	do {
		__u64 left = j->max_frames - j->sent;
		int n = left < PKT_BATCH ? (int)left : PKT_BATCH, r;

		for (int i = 0; i < n; i++)
			iov[i].iov_base = j->frames[(j->next + i) % j->nframes];
		r = sendmmsg(fd, msg, n, 0);
		if (r < 0 && errno == ENOBUFS) {
			/* dropped by veth_xmit: the peer's ring was full.  It was
			 * sent and did not arrive: the slice will say so. */
			r = 1;
			j->refused++;
		} else if (r < 0) {
			j->err = -errno;
			break;
		}
		j->sent += r;
		j->next = (j->next + r) % j->nframes;
	} while (j->sent < j->max_frames && (!j->seconds || now_s() < deadline));
	j->t1 = now_s();
	j->cpu_s = thread_cpu_s() - j->cpu_s;
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* RFC 1624, as gen.bpf.c: a 16-bit field changed from @from to @to. */
static __u16 csum_replace2(__u16 check, __u16 from, __u16 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from;
	sum += to;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * AF_PACKET: the frames of thread @c, exactly those gen.bpf.c sends on
 * CPU c (flows c, c + step, ... < nflows; the template alone for one
 * flow).  Returns how many; *@out is malloc'ed.
 */
static __u32 pkt_frames(const struct bench_tmpl *t, int c, __u8 (**out)[BENCH_FRAME_MAX])
{
	__u32 n = 0, step = t->step ? t->step : 1;
	__u8 (*f)[BENCH_FRAME_MAX];

	if (t->nflows <= 1) {
		f = malloc(BENCH_FRAME_MAX);
		if (!f)
			die("malloc", ENOMEM);
		memcpy(f[0], t->frame, BENCH_FRAME_MAX);
		*out = f;
		return 1;
	}
	f = calloc(t->nflows / step + 1, BENCH_FRAME_MAX);
	if (!f)
		die("calloc", ENOMEM);
	for (__u32 flow = c; flow < t->nflows; flow += step, n++) {
		__u8 *fr = f[n];
		unsigned int l4 = tmpl_l4(t);
		unsigned int co = l4 + (t->proto == BENCH_PROTO_UDP ? 6 : 16);
		__u16 sport, check, port = htons(t->sport_base + flow), cs;

		unsigned int po = l4 + (t->walk_dport ? 2 : 0);

		memcpy(fr, t->frame, BENCH_FRAME_MAX);
		memcpy(&sport, fr + po, 2);
		memcpy(&check, fr + co, 2);
		cs = csum_replace2(check, sport, port);
		if (t->proto == BENCH_PROTO_UDP && !cs)
			cs = 0xffff;	/* a computed 0 is sent as ~0 */
		memcpy(fr + po, &port, 2);
		memcpy(fr + co, &cs, 2);
	}
	*out = f;
	return n;
}

/* Sum over the CPUs of their time in the network's softirqs, in s. */
static double rx_s(void)
{
	struct { __u64 ns, entered; } v[nposs];
	__u32 zero = 0;
	double sum = 0;

	if (!rxt)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(rxt->maps.rxtime), &zero, v))
		die("read softirq time", errno);
	for (int c = 0; c < nposs; c++)
		sum += v[c].ns / 1e9;
	return sum;
}

/* TCP options as Linux sends them on a SYN: MSS 1460, SACK permitted,
 * timestamps, NOP, window scale 7 */
static const __u8 syn_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
				   0, 0, 0, 0, 1, 3, 3, 7 };
/* after the SYNs: NOP, NOP, timestamps (12 bytes); a pure ACK pads the
 * bench's 20 bytes with 8 NOPs, a data segment carries 8 bytes of data */
static const __u8 ack_opts[20] = { 1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1,
				   1, 1, 1, 1, 1, 1, 1, 1 };
static const __u8 data_opts[20] = { 1, 1, 8, 10, 0, 0, 0, 3, 0, 0, 0, 2,
				    'a', '.', 'm', 'a', 'i', 'l', '\r', '\n' };

#define TH_SYN	0x02
#define TH_PSH	0x08
#define TH_ACK	0x10

/*
 * One TCP frame of the bench's length (74 bytes: 40 of TCP; IPv6, @ip6:
 * 94), entering the
 * gateway from the Internet (@from_inet: the MACs of i-* -> wan0) or from
 * the mail server (m-* -> lan0).  SYNs carry syn_opts (data offset 10),
 * pure ACKs ack_opts (10), data segments 12 bytes of options (data offset
 * 8) and 8 bytes of data.  Window 64240 on SYNs, 502 (<< 7) after.
 */
static void tcp_frame(__u8 *out, bool ip6, bool from_inet, const char *saddr, __u16 sport,
		      const char *daddr, __u16 dport, __u8 flags, __u32 seq, __u32 ack)
{
	struct tb_frame_spec spec = {
		.proto = BENCH_PROTO_TCP, .saddr = saddr, .daddr = daddr, .sport = sport,
		.dport = dport, .ttl = 64, .set_macs = true, .payload = BENCH_L4_LEN - 20,
		.ip6 = ip6,
	};
	unsigned int len = ip6 ? BENCH_FRAME6_LEN : BENCH_FRAME_LEN;
	__u8 buf[TB_MAX_FRAME], *th = buf + (ip6 ? BENCH_L4_OFF6 : BENCH_L4_OFF);
	__u16 c, win = flags & TH_SYN ? 64240 : 502;
	bool data = !(flags & TH_SYN) && (flags & TH_PSH);

	mac(from_inet ? WAN_MAC : LAN_MAC, spec.dmac);
	mac(from_inet ? INET_MAC : MAIL_MAC, spec.smac);
	if (tb_frame(&spec, buf) != len)
		die("template length", EINVAL);
	seq = htonl(seq);
	ack = htonl(ack);
	memcpy(th + 4, &seq, 4);
	memcpy(th + 8, &ack, 4);
	th[12] = (data ? 8 : 10) << 4;
	th[13] = flags;
	th[14] = win >> 8;
	th[15] = win & 0xff;
	memcpy(th + 20, flags & TH_SYN ? syn_opts : data ? data_opts : ack_opts, 20);
	th[16] = th[17] = 0;
	c = tb_l4_csum(buf + BENCH_IP_OFF);
	th[16] = c >> 8;
	th[17] = c & 0xff;
	if ((!ip6 && tb_ip_csum(buf + BENCH_IP_OFF)) || tb_l4_csum(buf + BENCH_IP_OFF))
		die("frame checksums", EINVAL);
	memcpy(out, buf, len);
}

/*
 * Issue 14's rows' frames, flow @f: the mail server's data segment to a
 * client (from :993, to CLIENT:DPORT_REPLY + f), or an established
 * outgoing flow's (from SPORT_EST + f to REMOTE_EST:25), both in sequence
 * after establish()'s handshake.
 */
static void data_frame(const struct row *r, __u32 f, __u8 *out)
{
	const char *ms = r->ip6 ? MAILSERVER6 : MAILSERVER;

	if (r->kind == K_REPLY)
		tcp_frame(out, r->ip6, false, ms, r->dport, r->ip6 ? CLIENT6 : CLIENT,
			  DPORT_REPLY + f, TH_PSH | TH_ACK, ISN_SERVER + 1, ISN_CLIENT + 1);
	else
		tcp_frame(out, r->ip6, false, ms, SPORT_EST + f, r->ip6 ? REMOTE6_EST : REMOTE_EST,
			  r->dport, TH_PSH | TH_ACK, ISN_CLIENT + 1, ISN_SERVER + 1);
}

/* What the far side's sink must see of the ports of @r's frames. */
static void set_sink_ports(const struct row *r)
{
	struct bench_sink_ports p = {};
	__u32 zero = 0;

	if (r->kind == K_REPLY)
		p = (struct bench_sink_ports){ r->dport, r->dport, DPORT_REPLY,
					       DPORT_REPLY + r->nflows - 1 };
	else if (r->kind == K_EST)	/* masquerade keeps a free port, mxgw too */
		p = (struct bench_sink_ports){ SPORT_EST, SPORT_EST + r->nflows - 1, r->dport,
					       r->dport };
	for (int g = 0; g < GW_MAX; g++)
		if (sinks[g][DIR_OUT] &&
		    bpf_map_update_elem(bpf_map__fd(sinks[g][DIR_OUT]->maps.sink_ports), &zero, &p,
					BPF_ANY))
			die("set sink ports", errno);
}

/* The row's frame, built and checksummed by the tests' own frame builder. */
static void set_template(const struct row *r)
{
	struct tb_frame_spec spec = {
		.proto = r->proto,
		.dport = r->dport,
		.ttl = 64,
		.set_macs = true,
	};
	struct bench_tmpl t = { .proto = r->proto, .nflows = r->nflows, .step = ncpus,
				.ipv6 = r->ip6 };
	struct { __u64 sent; __u32 flow, first; } st[nposs];
	int fd = bpf_map__fd(gen->maps.gen_stats);
	__u8 buf[TB_MAX_FRAME];
	__u32 zero = 0;
	size_t len;

	set_sink_ports(r);
	if (r->kind != K_SYN) {
		data_frame(r, 0, buf);
		t.sport_base = r->kind == K_REPLY ? DPORT_REPLY : SPORT_EST;
		t.walk_dport = r->kind == K_REPLY;
		goto done;
	}
	if (r->dir == DIR_IN && r->ip6) {	/* routed: to mailserver6 itself */
		spec.ip6 = true;
		spec.saddr = CLIENT6;
		spec.daddr = MAILSERVER6;
		spec.sport = t.sport_base = SPORT_IN;
		mac(WAN_MAC, spec.dmac);
		mac(INET_MAC, spec.smac);
	} else if (r->dir == DIR_IN) {
		spec.saddr = CLIENT;
		spec.daddr = PUBLIC;
		spec.sport = t.sport_base = SPORT_IN;
		mac(WAN_MAC, spec.dmac);
		mac(INET_MAC, spec.smac);
	} else {
		spec.saddr = MAILSERVER;
		spec.daddr = REMOTE;
		spec.sport = t.sport_base = SPORT_OUT;
		mac(LAN_MAC, spec.dmac);
		mac(MAIL_MAC, spec.smac);
	}
	/* TCP: 20 bytes of payload that become the SYN's options below;
	 * UDP: 32 bytes of payload */
	spec.payload = BENCH_L4_LEN - (r->proto == BENCH_PROTO_TCP ? 20 : 8);
	len = tb_frame(&spec, buf);
	if (len != tmpl_len(&t))
		die("template length", EINVAL);
	if (r->proto == BENCH_PROTO_TCP) {
		__u8 *ip = buf + BENCH_IP_OFF, *th = buf + tmpl_l4(&t);
		__u16 c;

		memcpy(th + 20, syn_opts, sizeof(syn_opts));
		th[12] = 10 << 4;	/* data offset: 40 bytes */
		th[16] = th[17] = 0;
		c = tb_l4_csum(ip);
		th[16] = c >> 8;
		th[17] = c & 0xff;
	}
	if ((!r->ip6 && tb_ip_csum(buf + BENCH_IP_OFF)) || tb_l4_csum(buf + BENCH_IP_OFF))
		die("template checksums", EINVAL);
done:
	memcpy(t.frame, buf, tmpl_len(&t));
	if (bpf_map_update_elem(bpf_map__fd(gen->maps.gen_tmpl), &zero, &t, BPF_ANY))
		die("set template", errno);
	/* generator thread c runs on CPU c and walks flows c, c + ncpus, ... */
	if (bpf_map_lookup_elem(fd, &zero, st))
		die("read generator state", errno);
	for (int c = 0; c < nposs; c++)
		st[c].flow = st[c].first = c < ncpus ? c : 0;
	if (bpf_map_update_elem(fd, &zero, st, BPF_ANY))
		die("set generator state", errno);
	memset(pkt_next, 0, sizeof(pkt_next));
}

struct slice {
	__u64 sent, arrived, bad, refused;
	double seconds, cpu, ksoftirqd, mpps, cpu_mpps, share;
	double rx;		/* NET_RX/TX softirq time of all CPUs, s (rxt) */
	struct snap a, b;
};

/* Run the generator on @nthreads CPUs into gateway @g; wait for the last frames. */
static void run_slice(const struct row *r, enum gw g, int nthreads, __u64 frames_per_cpu,
		      double seconds, struct slice *s)
{
	struct gen_job jobs[MAX_CPUS] = {};
	pthread_t th[MAX_CPUS];
	pthread_barrier_t bar;
	__u32 zero = 0;
	struct bench_tmpl t;
	double t0 = 1e300, t1 = 0, ksoft, rx0;
	__u64 last;

	if (bpf_map_lookup_elem(bpf_map__fd(gen->maps.gen_tmpl), &zero, &t))
		die("read template", errno);
	memset(s, 0, sizeof(*s));
	snapshot(g, r->dir, &s->a);
	for (int c = 0; gen_kind == GEN_PACKET && c < nthreads; c++) {
		jobs[c].nframes = pkt_frames(&t, c, &jobs[c].frames);
		jobs[c].next = pkt_next[c] % jobs[c].nframes;
	}
	ksoft = ksoftirqd_s(nthreads);
	rx0 = rx_s();
	pthread_barrier_init(&bar, NULL, nthreads);
	for (int c = 0; c < nthreads; c++) {
		jobs[c].ns_fd = r->dir == DIR_IN ? ns_fd_inet : ns_fd_ms;
		jobs[c].ifindex = ifidx_gen[g][r->dir];
		jobs[c].cpu = c;
		jobs[c].max_frames = frames_per_cpu;
		jobs[c].seconds = seconds;
		jobs[c].bar = &bar;
		jobs[c].len = tmpl_len(&t);
		memcpy(jobs[c].frame, t.frame, sizeof(t.frame));
		if (pthread_create(&th[c], NULL, gen_kind == GEN_PACKET ? pkt_thread : gen_thread,
				   &jobs[c]))
			die("pthread_create", errno);
	}
	for (int c = 0; c < nthreads; c++) {
		pthread_join(th[c], NULL);
		if (jobs[c].err)
			die(gen_kind == GEN_PACKET ? "generator (AF_PACKET)" :
				"generator (test_run, live frames)", jobs[c].err);
		pkt_next[c] = jobs[c].next;
		free(jobs[c].frames);
		s->sent += jobs[c].sent;
		s->refused += jobs[c].refused;
		s->cpu += jobs[c].cpu_s;
		t0 = jobs[c].t0 < t0 ? jobs[c].t0 : t0;
		t1 = jobs[c].t1 > t1 ? jobs[c].t1 : t1;
	}
	pthread_barrier_destroy(&bar);
	s->seconds = t1 - t0;
	/* frames a softirq may still hold: wait until the count stops moving */
	last = ~0ULL;
	for (int i = 0; i < 50; i++) {
		snapshot(g, r->dir, &s->b);
		s->arrived = arrived(g, &s->a, &s->b);
		if (s->arrived >= s->sent || s->arrived == last)
			break;
		last = s->arrived;
		usleep(2000);
	}
	s->ksoftirqd = ksoftirqd_s(nthreads) - ksoft;
	s->rx = rx_s() - rx0;
	s->cpu += s->ksoftirqd;
	s->bad = g == GW_CEIL ? 0 : bad(&s->a, &s->b);
	s->mpps = s->arrived / s->seconds / 1e6;
	s->share = s->cpu / nthreads / s->seconds;
	/*
	 * Live frames: the threads' CPU time is the frames' whole path, the
	 * generator a small part of it.  AF_PACKET: the threads' time is
	 * mostly the generator's (a system call and an skb per frame); the
	 * receiving side's is the network softirqs' time.
	 */
	if (gen_kind == GEN_PACKET && rxt)
		s->cpu_mpps = s->arrived / (s->rx / nthreads) / 1e6;
	else
		s->cpu_mpps = s->arrived / (s->cpu / nthreads) / 1e6;
	if (gen_kind == GEN_LIVE && s->b.gen_sent - s->a.gen_sent != s->sent) {
		fprintf(stderr, "bench_e2e: the generator ran %llu frames, test_run was asked for %llu\n",
			(unsigned long long)(s->b.gen_sent - s->a.gen_sent),
			(unsigned long long)s->sent);
		exit(1);
	}
}

/*
 * Where missing frames went, as far as the kernel says (counts since the
 * setup): the drop and error counters of the devices along the way (the
 * sinks' own XDP drops left out) and conntrack's; mxgw's over the slice.
 */
static void where_lost(const struct row *r, enum gw g, const struct slice *s, char *buf,
		       size_t len)
{
	char cmd[1200], line[512];
	const char *gen_ns = r->dir == DIR_IN ? NS_INET : NS_MS;
	const char *gen_dev = r->dir == DIR_IN ? "i" : "m";
	const char *far_ns = r->dir == DIR_IN ? NS_MS : NS_INET;
	const char *far_dev = r->dir == DIR_IN ? "m" : "i";
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "dev() { ip netns exec $1 sh -c \"cd /sys/class/net/$2/statistics && "
		 "grep -H . *drop* *err*\" | sed \"s|^|$2:|\"; "
		 "ip netns exec $1 ethtool -S $2 | sed \"s|^ *|$2:|\"; }; "
		 "dev %s %s-%s; dev mxb-gw-%s wan0; dev mxb-gw-%s lan0; dev %s %s-%s; "
		 "ip netns exec mxb-gw-%s awk 'function hex(x, v, j) { v = 0; x = tolower(x); "
		 "for (j = 1; j <= length(x); j++) v = v * 16 + index(\"0123456789abcdef\", "
		 "substr(x, j, 1)) - 1; return v } "
		 "NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next } "
		 "{ for (i = 1; i <= NF; i++) t[i] += hex($i) } "
		 "END { for (i in h) print \"conntrack:\" h[i] \": \" t[i] }' "
		 "/proc/net/stat/nf_conntrack 2>/dev/null",
		 gen_ns, gen_dev, gw_tag[g], gw_tag[g], gw_tag[g], far_ns, far_dev, gw_tag[g],
		 gw_tag[g]);
	buf[0] = 0;
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p) && n + 1 < len) {
		char *v = strrchr(line, ':');

		line[strcspn(line, "\n")] = 0;
		if (!v || !strtoull(v + 1, NULL, 10) || strstr(line, "xdp_drops") ||
		    (!strstr(line, "drop") && !strstr(line, "err") && !strstr(line, "fail") &&
		     !strstr(line, "invalid")))
			continue;
		n += snprintf(buf + n, len - n, " %s", line);
	}
	if (p)
		pclose(p);
	for (int c = 0; g == GW_MX && c < 2 * MXGW_COUNTER_MAX && n + 1 < len; c++) {
		int k = c % MXGW_COUNTER_MAX;
		const char *name = mxgw_counter_name(k);
		__u64 d = c < MXGW_COUNTER_MAX ? s->b.mx[k] - s->a.mx[k] : s->b.mx6[k] - s->a.mx6[k];

		if (d && (strstr(name, "drop") || strstr(name, "evicted") || strstr(name, "kernel") ||
			  strstr(name, "lan_pass")))
			n += snprintf(buf + n, len - n, " mxgw%s:%s: %llu",
				      c < MXGW_COUNTER_MAX ? "" : "(IPv6)", name,
				      (unsigned long long)d);
	}
}

/*
 * @n frames into the gateway @g by AF_PACKET from the Internet's side
 * (@from_inet: i-*) or the mail server's (m-*), then wait (up to 3 s)
 * until the far side's sink has counted all of them good.  A frame the
 * veth's ring refused (ENOBUFS) was never handed on and is sent again.
 * Returns 0, or fills @why.
 */
static int send_and_see(enum gw g, bool from_inet, __u8 (*frames)[BENCH_FRAME_MAX],
			unsigned int flen, __u32 n, char *why, size_t len)
{
	enum dir far = from_inet ? DIR_IN : DIR_OUT;
	int fd, one = 1;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = ifidx_gen[g][from_inet ? DIR_IN : DIR_OUT] };
	struct snap a, b;
	__u32 i = 0;
	double deadline;

	snapshot(g, far, &a);
	ns_enter(from_inet ? ns_fd_inet : ns_fd_ms);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("AF_PACKET socket (handshakes)", errno);
	while (i < n) {
		struct mmsghdr msg[PKT_BATCH] = {};
		struct iovec iov[PKT_BATCH];
		int k = n - i < PKT_BATCH ? (int)(n - i) : PKT_BATCH, r;

		for (int j = 0; j < k; j++) {
			iov[j].iov_base = frames[i + j];
			iov[j].iov_len = flen;
			msg[j].msg_hdr.msg_iov = &iov[j];
			msg[j].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msg, k, 0);
		if (r < 0 && errno == ENOBUFS) {
			usleep(1000);
			continue;
		}
		if (r < 0)
			die("sendmmsg (handshakes)", errno);
		i += r;
	}
	close(fd);
	deadline = now_s() + 3;
	do {
		snapshot(g, far, &b);
		if (bad(&a, &b) || b.sink.ok - a.sink.ok >= n)
			break;
		usleep(2000);
	} while (now_s() < deadline);
	if (bad(&a, &b)) {
		describe_bad(why, len, &a, &b);
		return -1;
	}
	if (b.sink.ok - a.sink.ok != n) {
		snprintf(why, len, "%u sent, %llu arrived", n,
			 (unsigned long long)(b.sink.ok - a.sink.ok));
		return -1;
	}
	return 0;
}

/*
 * Issue 14's rows time TCP data of connections that exist: for nftables a
 * reply or an established packet belongs to the conntrack entry its
 * connection's SYN created (its forward chain accepts "ct state
 * established" and drops a server's segment to an unknown client port;
 * conntrack's window tracking wants the handshake seen), and mxgw's
 * established outgoing flows are entries mxgw_wan_out created.  So each
 * flow of the row first gets its three-way handshake through the gateway,
 * every frame of it checked at the far side: a client's SYN to the public
 * address :993 (DNATed), the mail server's SYN-ACK, the client's ACK; or
 * the mail server's SYN to REMOTE_EST:25 (masqueraded: a new flow through
 * TC for mxgw), the remote's SYN-ACK to the public address, the mail
 * server's ACK.  Then the row's data segments are in sequence and in
 * window.  The ceiling and xdp-fwd keep no state: nothing to open.
 */
static void establish(struct row *r, enum gw g)
{
	__u8 (*fr)[BENCH_FRAME_MAX] = calloc(r->nflows, BENCH_FRAME_MAX);
	bool reply = r->kind == K_REPLY;
	/* IPv6 is routed: the client's SYN goes to mailserver6 itself, the
	 * remote's SYN-ACK comes back to it */
	const char *ms = r->ip6 ? MAILSERVER6 : MAILSERVER;
	const char *pub = r->ip6 ? MAILSERVER6 : PUBLIC;
	char why[900];

	if (!fr)
		die("calloc", ENOMEM);
	for (int step = 0; step < 3 && !r->broken[g][0]; step++) {
		/* SYN and ACK from the connection's client, SYN-ACK from its server */
		bool from_inet = reply == (step != 1);

		for (__u32 f = 0; f < r->nflows; f++) {
			const char *peer = reply ? (r->ip6 ? CLIENT6 : CLIENT) :
					   r->ip6 ? REMOTE6_EST : REMOTE_EST;
			/* the mail server's port, its peer's */
			__u16 lport = reply ? r->dport : SPORT_EST + f;
			__u16 pport = reply ? DPORT_REPLY + f : r->dport;
			/* SYN, ACK: the client's; SYN-ACK: the server's */
			__u8 fl = step == 1 ? TH_SYN | TH_ACK : step ? TH_ACK : TH_SYN;
			__u32 seq = step == 1 ? ISN_SERVER : ISN_CLIENT + !!step;
			__u32 ack = step == 1 ? ISN_CLIENT + 1 : step ? ISN_SERVER + 1 : 0;

			if (from_inet)	/* to the public address (IPv6: mailserver6) */
				tcp_frame(fr[f], r->ip6, true, peer, pport, pub, lport, fl, seq,
					  ack);
			else
				tcp_frame(fr[f], r->ip6, false, ms, lport, peer, pport, fl, seq,
					  ack);
		}
		if (send_and_see(g, from_inet, fr, r->ip6 ? BENCH_FRAME6_LEN : BENCH_FRAME_LEN,
				 r->nflows, why, sizeof(why)))
			snprintf(r->broken[g], sizeof(r->broken[g]), "handshake, %s: %s",
				 step == 0 ? "SYN" : step == 1 ? "SYN-ACK" : "ACK", why);
	}
	free(fr);
	set_sink_ports(r);
}

/* mxgw's own count of the frames that took the LAN's XDP fast path, and of
 * those mxgw_lan_in passed to the kernel.  snat_reply and snat_masq count
 * the frames of both programs: TC's are those minus lan_fast_*. */
static __u64 lan_fast(const __u64 *d, enum kind k)
{
	return d[k == K_REPLY ? MXGW_LAN_FAST_REPLY : MXGW_LAN_FAST_ESTABLISHED];
}

static __u64 lan_passed(const __u64 *d)
{
	return d[MXGW_LAN_PASS_NEW] + d[MXGW_LAN_PASS_LOCAL] + d[MXGW_LAN_PASS_ROUTE] +
	       d[MXGW_LAN_PASS_MTU] + d[MXGW_LAN_PASS_OTHER];
}

/* Before a gateway is timed on a row: every frame arrives, as it must. */
static void check_row(struct row *r, enum gw g)
{
	struct slice s;
	struct snap first;
	char why[900];
	__u64 sent1;

	if (r->kind != K_SYN && (g == GW_MX || g == GW_NFT)) {
		establish(r, g);
		if (r->broken[g][0])
			return;
	}

	/*
	 * The first frame alone: netfilter opens a flow for each of the
	 * frames of one NAPI batch (GRO hands the stack lists of 8) before the
	 * first is confirmed, keeps one and drops the others (conntrack's
	 * "insert_failed"): a 1-flow row would lose 7 frames to a burst of
	 * identical SYNs that no client sends.  Each CPU's frames of a
	 * 10000-flow row are of distinct flows, so those open one at a time.
	 * Then every CPU, CHECK_FRAMES each: every flow of every row.
	 */
	run_slice(r, g, 1, 1, 0, &s);
	first = s.a;
	sent1 = s.sent;
	if (!s.bad && s.arrived == s.sent) {
		run_slice(r, g, ncpus, CHECK_FRAMES, 0, &s);
		s.a = first;	/* both passes */
		s.sent += sent1;
		s.arrived = arrived(g, &s.a, &s.b);
		s.bad = g == GW_CEIL ? 0 : bad(&s.a, &s.b);
	}
	if (s.bad) {
		describe_bad(why, sizeof(why), &s.a, &s.b);
		snprintf(r->broken[g], sizeof(r->broken[g]), "correctness pass: %s", why);
		return;
	}
	if (s.arrived != s.sent) {
		where_lost(r, g, &s, why, sizeof(why));
		snprintf(r->broken[g], sizeof(r->broken[g]),
			 "correctness pass: %llu sent, %llu arrived;%s",
			 (unsigned long long)s.sent, (unsigned long long)s.arrived, why);
		return;
	}
	if (g == GW_MX) {
		/* IPv6's rows: the counters mxgw keeps under IPv6's key */
		const __u64 *a = r->ip6 ? s.a.mx6 : s.a.mx, *b = r->ip6 ? s.b.mx6 : s.b.mx;
		__u64 d[MXGW_COUNTER_MAX];

		for (int c = 0; c < MXGW_COUNTER_MAX; c++)
			d[c] = b[c] - a[c];
		if (r->kind != K_SYN)
			snprintf(r->path[g], sizeof(r->path[g]),
				 "XDP (mxgw_lan_in) %s%s %llu of %llu, passed to the kernel %llu, "
				 "TC %llu",
				 r->kind == K_REPLY ? "lan_fast_reply" : "lan_fast_established",
				 r->ip6 ? " (IPv6's)" : "",
				 (unsigned long long)lan_fast(d, r->kind),
				 (unsigned long long)s.sent, (unsigned long long)lan_passed(d),
				 (unsigned long long)(d[r->kind == K_REPLY ? MXGW_SNAT_REPLY :
							MXGW_SNAT_MASQ] - lan_fast(d, r->kind)));
		else if (r->dir == DIR_IN)
			snprintf(r->path[g], sizeof(r->path[g]),
				 "XDP redirect%s %llu of %llu, kernel path %llu",
				 r->ip6 ? " (IPv6's fwd_redirect)" : "",
				 (unsigned long long)d[MXGW_FWD_REDIRECT],
				 (unsigned long long)s.sent,
				 (unsigned long long)(d[MXGW_FWD_KERNEL_NO_NEIGH] +
						      d[MXGW_FWD_KERNEL_NO_XMIT] +
						      d[MXGW_FWD_KERNEL_NO_ROUTE] +
						      d[MXGW_FWD_KERNEL_MTU]));
		else	/* snat_masq counts mxgw_lan_in's too (issue 14) */
			snprintf(r->path[g], sizeof(r->path[g]),
				 "masquerade %llu of %llu: TC %llu, XDP (mxgw_lan_in) %llu; "
				 "new flows %llu",
				 (unsigned long long)d[MXGW_SNAT_MASQ],
				 (unsigned long long)s.sent,
				 (unsigned long long)(d[MXGW_SNAT_MASQ] -
						      d[MXGW_LAN_FAST_ESTABLISHED]),
				 (unsigned long long)d[MXGW_LAN_FAST_ESTABLISHED],
				 (unsigned long long)d[MXGW_CT_NEW]);
		if ((r->kind != K_SYN ? lan_fast(d, r->kind) :
		     r->dir == DIR_IN ? d[MXGW_FWD_REDIRECT] : d[MXGW_SNAT_MASQ]) != s.sent)
			snprintf(r->broken[g], sizeof(r->broken[g]),
				 "correctness pass: not every frame took the path: %s", r->path[g]);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and quartiles (the middle half of the rounds). */
static void stats(const double *v, int n, double *med, double *lo, double *hi)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	*med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	if (lo)
		*lo = s[n / 4];
	if (hi)
		*hi = s[n - 1 - n / 4];
}

/* CPU time per frame, in ns: @mpps is per CPU-second times the CPUs. */
static double cpu_ns(double mpps)
{
	return ncpus * 1e3 / mpps;
}

static void machine(FILE *o)
{
	char model[256] = "?", line[512];
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10)) {
			char *p = strchr(line, ':');

			snprintf(model, sizeof(model), "%s", p ? p + 2 : line);
			model[strcspn(model, "\n")] = 0;
			break;
		}
	if (f)
		fclose(f);
	uname(&u);
	fprintf(o, "machine: %ld CPUs online, %d generator threads, %s, kernel %s\n",
		sysconf(_SC_NPROCESSORS_ONLN), ncpus, model, u.release);
}

static bool ok(const struct row *r, enum gw g)
{
	return !r->broken[g][0];
}

static void cell(char *buf, size_t len, const struct row *r, enum gw g)
{
	if (ok(r, g))
		snprintf(buf, len, "%.2f [%.2f-%.2f]", r->med[g], r->q1[g], r->q3[g]);
	else
		snprintf(buf, len, "BROKEN");
}

static void num(char *buf, size_t len, bool valid, const char *fmt, double v)
{
	if (valid)
		snprintf(buf, len, fmt, v);
	else
		snprintf(buf, len, "-");
}

static void report(const char *csv, const char *plot)
{
	FILE *o = NULL, *p = NULL;
	double share[NROWS * GW_MAX];
	int nshare = 0;

	for (int i = 0; i < NROWS; i++) {
		struct row *r = &rows[i];

		for (int g = 0; g < GW_MAX && !r->skip; g++) {
			if (!ok(r, g))
				continue;
			stats(r->mpps[g], rounds, &r->med[g], &r->q1[g], &r->q3[g]);
			stats(r->wall[g], rounds, &r->wall_med[g], NULL, NULL);
			stats(r->share[g], rounds, &r->share_med[g], NULL, NULL);
			stats(r->rxns[g], rounds, &r->rxns_med[g], NULL, NULL);
			share[nshare++] = r->share_med[g];
		}
	}
	printf("\nmake bench, part 2: end to end, %d rounds x %d ms per gateway and row, "
	       "%d-byte frames (IPv6's %d: the same TCP header after 40 bytes of IPv6)\n", rounds,
	       slice_ms, BENCH_FRAME_LEN, BENCH_FRAME6_LEN);
	machine(stdout);
	printf("generator: %s (%s)\n", gen_kind == GEN_PACKET ?
	       "AF_PACKET, sendmmsg, PACKET_QDISC_BYPASS" :
	       "live frames, bpf_prog_test_run_opts with BPF_F_TEST_XDP_LIVE_FRAMES", gen_why);
	if (gen_kind == GEN_PACKET && rxt)
		printf("Mpps: frames that reached the far side, each checked, per second of the CPUs' "
		       "time in the network softirqs\n(the receiving side: veth, gateway, veth, sink; "
		       "not the generator), times the %d CPUs; median [q1-q3] of the rounds\n", ncpus);
	else if (gen_kind == GEN_PACKET)
		printf("Mpps: frames that reached the far side, each checked, per second of the %d "
		       "generator CPUs' time, AF_PACKET's\ncost included (the network softirqs' time "
		       "was not measurable: %s); median [q1-q3] of the rounds\n", ncpus, rxt_why);
	else
		printf("Mpps: frames that reached the far side, each checked, per second of the %d "
		       "generator CPUs' time (the machine's rate, had the bench\nit alone); median "
		       "[q1-q3] of the rounds\n", ncpus);
	printf("%-42s %-18s %-18s %-18s %-18s %8s %9s\n", "row", "mxgw", "nftables", "ceiling",
	       "xdp-fwd", "mxgw/nft", "mxgw/ceil");
	for (int i = 0; i < NROWS; i++) {
		struct row *r = &rows[i];
		char m[GW_MAX][40], rn[16], rc[16];

		if (r->skip)
			continue;
		for (int g = 0; g < GW_MAX; g++)
			cell(m[g], sizeof(m[g]), r, g);
		num(rn, sizeof(rn), ok(r, GW_MX) && ok(r, GW_NFT), "%.2fx",
		    r->med[GW_MX] / r->med[GW_NFT]);
		num(rc, sizeof(rc), ok(r, GW_MX) && ok(r, GW_CEIL), "%.2f",
		    r->med[GW_MX] / r->med[GW_CEIL]);
		printf("%-42s %-18s %-18s %-18s %-18s %8s %9s\n", r->label, m[GW_MX], m[GW_NFT],
		       m[GW_CEIL], m[GW_FWD], rn, rc);
	}
	printf("outgoing SYN rows: a flow's first SYN is forwarded by the kernel and masqueraded "
	       "by mxgw's TC egress program (the one\nplace new flows are decided); the SYNs the "
	       "rows repeat on a flow mxgw tracks leave from mxgw_lan_in (XDP on lan0),\nas the "
	       "replies and the established flows' packets do: see the paths below.\n");
	printf("\nns of %s per frame; above the ceiling (mxgw, nftables) and above xdp-fwd (mxgw)\n",
	       gen_kind == GEN_PACKET && rxt ? "network softirq (the receiving side)" : "CPU");
	printf("%-42s %7s %9s %8s %8s %11s %11s %9s\n", "row", "mxgw", "nftables", "ceiling",
	       "xdp-fwd", "mxgw-ceil", "nft-ceil", "mxgw-fwd");
	for (int i = 0; i < NROWS; i++) {
		struct row *r = &rows[i];
		char ns[GW_MAX][16], a[16], b[16], c[16];

		if (r->skip)
			continue;
		for (int g = 0; g < GW_MAX; g++)
			num(ns[g], sizeof(ns[g]), ok(r, g), "%.0f", cpu_ns(r->med[g]));
		num(a, sizeof(a), ok(r, GW_MX) && ok(r, GW_CEIL), "%+.0f",
		    cpu_ns(r->med[GW_MX]) - cpu_ns(r->med[GW_CEIL]));
		num(b, sizeof(b), ok(r, GW_NFT) && ok(r, GW_CEIL), "%+.0f",
		    cpu_ns(r->med[GW_NFT]) - cpu_ns(r->med[GW_CEIL]));
		num(c, sizeof(c), ok(r, GW_MX) && ok(r, GW_FWD), "%+.0f",
		    cpu_ns(r->med[GW_MX]) - cpu_ns(r->med[GW_FWD]));
		printf("%-42s %7s %9s %8s %8s %11s %11s %9s\n", r->label, ns[GW_MX], ns[GW_NFT],
		       ns[GW_CEIL], ns[GW_FWD], a, b, c);
	}
	printf("\n");
	for (int i = 0; i < NROWS; i++)
		for (int g = 0; g < GW_MAX && !rows[i].skip; g++)
			if (!ok(&rows[i], g))
				printf("BROKEN %s / %s: %s\n", rows[i].id, gw_name[g], rows[i].broken[g]);
	for (int i = 0; i < NROWS; i++)
		if (rows[i].path[GW_MX][0])
			printf("mxgw, %s: %s\n", rows[i].id, rows[i].path[GW_MX]);
	/* the targets: inbound DNAT (issue 6), replies and established
	 * outgoing flows (issue 14) */
	for (int i = 0; i < NROWS; i++) {
		struct row *r = &rows[i];

		if (r->skip || r->kind == K_SYN || !ok(r, GW_MX))
			continue;
		if (ok(r, GW_NFT))
			printf("target %-11s mxgw >= 5x nftables:   %6.3fx  %s\n", r->id,
			       r->med[GW_MX] / r->med[GW_NFT],
			       r->med[GW_MX] >= 5 * r->med[GW_NFT] ? "met" : "NOT met");
		if (ok(r, GW_FWD))
			printf("target %-11s mxgw >= 0.9x xdp-fwd:  %6.3fx  %s\n", r->id,
			       r->med[GW_MX] / r->med[GW_FWD],
			       r->med[GW_MX] >= 0.9 * r->med[GW_FWD] ? "met" : "NOT met");
	}
	for (int i = 0; i < NROWS; i++) {
		struct row *r = &rows[i];

		if (r->skip || r->dir != DIR_IN || !ok(r, GW_MX))
			continue;
		if (ok(r, GW_NFT))
			printf("target %-11s mxgw >= 5x nftables:   %6.3fx  %s\n", r->id,
			       r->med[GW_MX] / r->med[GW_NFT],
			       r->med[GW_MX] >= 5 * r->med[GW_NFT] ? "met" : "NOT met");
		if (ok(r, GW_CEIL) && gen_kind == GEN_PACKET && rxt)
			printf("target %-11s mxgw >= 0.6x ceiling:  not comparable: the ceiling's "
			       "figure holds no generator here\n", r->id);
		else if (ok(r, GW_CEIL))
			printf("target %-11s mxgw >= 0.6x ceiling:  %6.3fx  %s\n", r->id,
			       r->med[GW_MX] / r->med[GW_CEIL],
			       r->med[GW_MX] >= 0.6 * r->med[GW_CEIL] ? "met" : "NOT met");
	}
	if (nshare) {
		double med;

		stats(share, nshare, &med, NULL, NULL);
		printf("the generator threads had %.0f%% of their CPUs (median); wall-clock Mpps "
		       "are in the CSV\n", 100 * med);
	}

	if (csv) {
		o = fopen(csv, "w");
		if (!o)
			die(csv, errno);
		fprintf(o, "row,label,gateway,status,mpps,mpps_q1,mpps_q3,cpu_ns,"
			   "ns_above_ceiling,x_nftables,x_ceiling,wall_mpps,cpu_share,rounds,slice_ms,"
			   "cpus,note,generator,cpu_basis,softirq_ns\n");
	}
	for (int i = 0; o && i < NROWS; i++) {
		struct row *r = &rows[i];

		for (int g = 0; g < GW_MAX && !r->skip; g++) {
			fprintf(o, "%s,\"%s\",%s,%s", r->id, r->label, gw_name[g],
				ok(r, g) ? "ok" : "BROKEN");
			if (ok(r, g)) {
				fprintf(o, ",%.3f,%.3f,%.3f,%.1f", r->med[g], r->q1[g], r->q3[g],
					cpu_ns(r->med[g]));
				if (ok(r, GW_CEIL))
					fprintf(o, ",%.1f", cpu_ns(r->med[g]) - cpu_ns(r->med[GW_CEIL]));
				else
					fprintf(o, ",");
				if (ok(r, GW_NFT))
					fprintf(o, ",%.3f", r->med[g] / r->med[GW_NFT]);
				else
					fprintf(o, ",");
				if (ok(r, GW_CEIL))
					fprintf(o, ",%.3f", r->med[g] / r->med[GW_CEIL]);
				else
					fprintf(o, ",");
				fprintf(o, ",%.3f,%.3f", r->wall_med[g], r->share_med[g]);
			} else {
				fprintf(o, ",,,,,,,,,");
			}
			fprintf(o, ",%d,%d,%d,\"%s\",%s,%s,", rounds, slice_ms, ncpus,
				ok(r, g) ? r->path[g] : r->broken[g],
				gen_kind == GEN_PACKET ? "af_packet" : "live_frames",
				gen_kind == GEN_PACKET && rxt ? "net_softirq" : "generator_threads");
			if (ok(r, g) && rxt)
				fprintf(o, "%.1f", r->rxns_med[g]);
			fprintf(o, "\n");
		}
	}
	if (o)
		fclose(o);

	/* for gnuplot: one line per row, one column per gateway */
	if (plot) {
		p = fopen(plot, "w");
		if (!p)
			die(plot, errno);
		fprintf(p, "# row");
		for (int g = 0; g < GW_MAX; g++)
			fprintf(p, " %s", gw_name[g]);
		fprintf(p, "   (Mpps by CPU time; NaN: BROKEN)\n");
		for (int i = 0; i < NROWS; i++) {
			if (rows[i].skip)
				continue;
			fprintf(p, "%s", rows[i].id);
			for (int g = 0; g < GW_MAX; g++)
				if (ok(&rows[i], g))
					fprintf(p, " %.3f", rows[i].med[g]);
				else
					fprintf(p, " NaN");
			fprintf(p, "\n");
		}
		fclose(p);
	}
}

/* Is @id among the comma-separated @list? */
static bool listed(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, id, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_e2e [--csv FILE] [--plot-data FILE] [--rounds N] "
			"[--slice-ms MS] [--cpus N] [--nft FILE] [--rows ID,ID...]\n"
			"                 [--gen auto|live|packet] [-v]\n"
			"rows: in-tcp-1 in-tcp-10k in-udp-1 out-tcp-1 out-tcp-10k reply-1\n"
			"      reply-10k est-1 est-10k in6-tcp-1 in6-tcp-10k reply6-1 reply6-10k\n"
			"      est6-1 est6-10k\n"
			"--gen: live frames, AF_PACKET, or live frames falling back to AF_PACKET when\n"
			"the kernel refuses them (auto, the default; MXGW_BENCH_GEN sets it too)\n"
			"exit: 0; 3 when a row was BROKEN; 1 on failure; 2 usage\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *csv = NULL, *plot = NULL, *nft = MXGW_BENCH_NFT, *only = NULL;
	const char *gen_opt = getenv("MXGW_BENCH_GEN");
	double t_start = now_s(), t_setup, t_check, t_slices;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--csv") && i + 1 < argc)
			csv = argv[++i];
		else if (!strcmp(argv[i], "--plot-data") && i + 1 < argc)
			plot = argv[++i];
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--slice-ms") && i + 1 < argc)
			slice_ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
			ncpus = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--nft") && i + 1 < argc)
			nft = argv[++i];
		else if (!strcmp(argv[i], "--rows") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--gen") && i + 1 < argc)
			gen_opt = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else
			usage();
	}
	if (!gen_opt || !*gen_opt || !strcmp(gen_opt, "auto"))
		gen_kind = GEN_AUTO;
	else if (!strcmp(gen_opt, "live"))
		gen_kind = GEN_LIVE;
	else if (!strcmp(gen_opt, "packet"))
		gen_kind = GEN_PACKET;
	else
		usage();
	if (rounds < 1 || rounds > MAX_ROUNDS || slice_ms < 10 || ncpus < 1 ||
	    ncpus > MAX_CPUS || ncpus > sysconf(_SC_NPROCESSORS_ONLN))
		usage();
	nposs = libbpf_num_possible_cpus();
	if (geteuid())
		die("needs root (namespaces, BPF)", EPERM);

	private_mounts();
	topology();
	load_programs();
	load_nft(nft);
	find_ksoftirqd();
	rxtime_attach();
	choose_generator();
	printf("generator: %s (%s)\n", gen_kind == GEN_PACKET ?
	       "AF_PACKET, sendmmsg, PACKET_QDISC_BYPASS" :
	       "live frames, bpf_prog_test_run_opts with BPF_F_TEST_XDP_LIVE_FRAMES", gen_why);
	if (!rxt)
		printf("network softirq time: not measured (%s)%s\n", rxt_why,
		       gen_kind == GEN_PACKET ? ": the figures include AF_PACKET's cost" : "");
	t_setup = now_s();

	/* correctness first, per row and gateway; doubles as the warm-up */
	for (int i = 0; i < NROWS; i++) {
		if (only && !listed(only, rows[i].id)) {
			rows[i].skip = true;
			continue;
		}
		set_template(&rows[i]);
		for (int g = 0; g < GW_MAX; g++)
			check_row(&rows[i], g);
	}
	t_check = now_s();
	/* timed slices: rounds of rows of gateways, the gateway order rotating */
	for (int k = 0; k < rounds; k++) {
		for (int i = 0; i < NROWS; i++) {
			struct row *r = &rows[i];

			if (r->skip)
				continue;
			set_template(r);
			for (int n = 0; n < GW_MAX; n++) {
				enum gw g = (n + k) % GW_MAX;
				struct slice s;
				char why[900];

				if (!ok(r, g))
					continue;
				run_slice(r, g, ncpus, ~0ULL / 2, slice_ms / 1e3, &s);
				r->mpps[g][k] = s.cpu_mpps;
				r->wall[g][k] = s.mpps;
				r->share[g][k] = s.share;
				r->rxns[g][k] = s.arrived ? 1e9 * s.rx / s.arrived : 0;
				if (verbose)
					fprintf(stderr, "round %d %-12s %-9s %6.3f Mpps by CPU time, %6.3f "
						"by wall clock, CPU share %3.0f%%, ksoftirqd %.1f ms, "
						"net softirq %.1f ms, %llu sent, %llu arrived, "
						"%llu refused by the veth\n",
						k, r->id, gw_name[g], s.cpu_mpps, s.mpps, 100 * s.share,
						1e3 * s.ksoftirqd, 1e3 * s.rx,
						(unsigned long long)s.sent,
						(unsigned long long)s.arrived,
						(unsigned long long)s.refused);
				if (s.bad) {
					describe_bad(why, sizeof(why), &s.a, &s.b);
					snprintf(r->broken[g], sizeof(r->broken[g]), "round %d: %s", k, why);
				} else if (s.arrived != s.sent) {
					where_lost(r, g, &s, why, sizeof(why));
					snprintf(r->broken[g], sizeof(r->broken[g]),
						 "round %d: %llu sent, %llu arrived (%llu missing);%s", k,
						 (unsigned long long)s.sent,
						 (unsigned long long)s.arrived,
						 (unsigned long long)(s.sent - s.arrived), why);
				}
			}
		}
	}
	t_slices = now_s();
	report(csv, plot);
	printf("part 2 took %.1f s: setup %.1f, correctness passes %.1f, timed slices %.1f\n",
	       now_s() - t_start, t_setup - t_start, t_check - t_setup, t_slices - t_check);
	ns_enter(ns_fd_gw[GW_MX]);
	mxgw_unload("wan0", NULL);
	for (int i = 0; i < NROWS; i++)
		for (int g = 0; g < GW_MAX; g++)
			if (!rows[i].skip && !ok(&rows[i], g))
				return 3;
	return 0;
}
