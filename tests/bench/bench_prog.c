// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench, part 1: the per-packet cost of mxgw_wan_in on each path,
 * next to an empty XDP program, through bpf_prog_test_run_opts.
 *
 * mxgw is loaded by the loader mxctl uses (mxgw_load) on veths of a private
 * network namespace, with a private bpffs, so the programs are attached
 * (an unattached program pays a dispatcher update per test_run call) and
 * the maps hold what `mxctl load` puts there.  Frames that the program
 * rewrites are timed with repeat=1 calls, each from the pristine frame; the
 * path counters prove every call took the path it is reported under.
 * Rounds are interleaved across paths, the process is pinned to one CPU,
 * and medians are reported with their spread.
 *
 * Blocklists (issue 13): a third gateway holds 10^6 IPv4 and 10^5 IPv6
 * generated prefixes; its allowed DNAT path (a source in no /24 of the
 * lists, and one in a /24 that has longer prefixes: the trie asked too)
 * and its blocklisted drops run side by side with the others.  Then the
 * load time and memory of 10^4, 10^5 and 10^6 prefixes (the file read,
 * the tables built and swapped, as mxctl does), and swaps of the 10^6
 * under traffic: another thread runs the allowed path on CPU 1
 * meanwhile, every verdict checked.
 *
 * Output: a table on stdout and CSV rows (--csv FILE).
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
#include <pthread.h>
#include <time.h>
#include "testbed.h"
#include "blocklist.h"
#include "loader.h"
#include "config.h"

#define ROUNDS		21
#define CALLS		2000	/* repeat=1 calls per path per round */
#define CT_BIG		1000000

struct path {
	const char *name;
	int prog_fd;
	struct tb_frame_spec spec;
	int verdict;
	int counter;		/* counts each call of this path, or -1 */
	const struct mxgw_maps *maps;
	double ns[ROUNDS];	/* mean per call, each round */
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
static void private_namespaces(void)
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
	sh("ip link add wan2 type veth peer name wanp2");
	sh("ip addr add 203.0.113.35/24 dev wan2");
	sh("ip addr add 203.0.113.33/24 dev wan0");
	sh("ip addr add 203.0.113.34/24 dev wan1");
	sh("ip addr add 192.168.1.1/24 dev lan0");
	sh("for d in wan0 wanp wan1 wanp1 wan2 wanp2 lan0 lanp spare0 spare1; do ip link set $d up; done");
	/* lan0's peer takes redirected frames (GRO), so the fast path is real */
	sh("ethtool -K lanp gro on >/dev/null");
	sh("sysctl -qw net.ipv4.ip_forward=1");
	sh("ip neigh replace 192.168.1.10 lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
	/* IPv6 for the blocklists' IPv6 rows: mailserver6 on lan0 */
	sh("sysctl -qw net.ipv6.conf.all.forwarding=1");
	sh("ip -6 addr add 2001:db8:168::1/64 dev lan0 nodad");
	sh("ip -6 neigh replace 2001:db8:168::10 lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
}

static int load_gateway(const char *ifname, const char *conf_text, struct mxgw_maps *m,
			int *xdp_fd)
{
	static struct mxgw_conf_file conf;
	struct mxgw_load_result res;
	char dir[128], path[192];
	int err;

	err = mxgw_conf_parse_string("bench.conf", conf_text, &conf, stderr);
	if (err)
		die("config", err);
	err = mxgw_load(ifname, &conf.policy, &res);
	if (err)
		die("mxgw_load", err);
	if (res.fast_ports <= 0)
		die("no device takes redirected frames", ENODEV);
	mxgw_pin_dir(ifname, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, MXGW_PROG_XDP);
	*xdp_fd = bpf_obj_get(path);
	if (*xdp_fd < 0)
		die("open pinned program", errno);
	return mxgw_open_loaded(ifname, m);
}

/* The floor: an XDP program that returns XDP_PASS, attached too. */
static int load_empty(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "empty_pass", "GPL", insns, 2, NULL);

	if (fd < 0)
		die("load the empty program", errno);
	if (bpf_xdp_attach(if_nametoindex("spare0"), fd, XDP_FLAGS_DRV_MODE, NULL))
		die("attach the empty program", errno);
	return fd;
}

static __u64 counter(const struct mxgw_maps *m, int c)
{
	__u64 all[MXGW_COUNTER_MAX];

	if (c < 0)
		return 0;
	if (mxgw_maps_read_counters(m, all))
		die("read counters", errno);
	return all[c];
}

/* One round of one path: CALLS repeat=1 runs from the pristine frame. */
static double run_round(struct path *p, __u32 ifindex)
{
	__u8 buf[TB_MAX_FRAME], out[TB_MAX_FRAME];
	struct xdp_md ctx = { .data_end = p->len, .ingress_ifindex = ifindex };
	__u64 total = 0, before = p->maps ? counter(p->maps, p->counter) : 0;

	for (int i = 0; i < CALLS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = p->len,
			    .data_out = out, .data_size_out = sizeof(out),
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

		memcpy(buf, p->frame, p->len);
		if (bpf_prog_test_run_opts(p->prog_fd, &o))
			die("test_run", errno);
		if ((int)o.retval != p->verdict) {
			fprintf(stderr, "bench: %s: verdict %u, want %d\n", p->name, o.retval,
				p->verdict);
			exit(1);
		}
		total += o.duration;
	}
	/* every call must have taken the path it is reported under */
	if (p->maps && p->counter >= 0 &&
	    counter(p->maps, p->counter) - before != CALLS) {
		fprintf(stderr, "bench: %s: %llu of %d calls took the path\n", p->name,
			(unsigned long long)(counter(p->maps, p->counter) - before), CALLS);
		exit(1);
	}
	return (double)total / CALLS;
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
	t.len = tb_frame(&(struct tb_frame_spec){ .saddr = allowed_src, .daddr = "203.0.113.35",
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

int main(int argc, char **argv)
{
	static char conf_small[8192], conf_big[8192], conf_bl[8192];
	struct mxgw_maps m0, m1, m2;
	struct mxgw_bl_swap_stats bst;
	struct mxgw_bl_list big;
	char bl_dir[] = "/tmp/mxgw-bench-bl.XXXXXX", bl_path[256];
	static char long_src[INET_ADDRSTRLEN], listed24[INET_ADDRSTRLEN], listed32[INET_ADDRSTRLEN];
	static char among6[INET6_ADDRSTRLEN];
	int xdp0, xdp1, xdp2, empty, err;
	const char *csv = NULL;
	FILE *out = NULL;
	cpu_set_t cpus;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--csv") && i + 1 < argc)
			csv = argv[++i];
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("pin to CPU 0", errno);

	private_namespaces();
	snprintf(conf_small, sizeof(conf_small), "%smailserver6 %s\n", tb_shipped_conf(),
		 TB_MAILSERVER6);
	snprintf(conf_big, sizeof(conf_big), "%s\nconntrack-max 1048576\n", tb_shipped_conf());
	/* the second gateway answers on another public address */
	{
		char *p = strstr(conf_big, TB_PUBLIC);

		memcpy(p, "203.0.113.34", strlen(TB_PUBLIC));
	}
	err = load_gateway("wan0", conf_small, &m0, &xdp0);
	if (err)
		die("open maps", err);
	err = load_gateway("wan1", conf_big, &m1, &xdp1);
	if (err)
		die("open maps", err);
	/* the third: the shipped table and 10^6 + 10^5 blocklisted prefixes */
	if (!mkdtemp(bl_dir))
		die("mkdtemp", errno);
	snprintf(bl_path, sizeof(bl_path), "%s/big.txt", bl_dir);
	snprintf(conf_bl, sizeof(conf_bl), "%s\nmailserver6 %s\nblocklist big %s\n",
		 tb_shipped_conf(), TB_MAILSERVER6, bl_path);
	{
		char *p = strstr(conf_bl, TB_PUBLIC);

		memcpy(p, "203.0.113.35", strlen(TB_PUBLIC));
	}
	err = load_gateway("wan2", conf_bl, &m2, &xdp2);
	if (err)
		die("open maps", err);
	if (mxgw_conf_parse_string("bench.conf", conf_bl, &bl_conf, stderr))
		die("config", EINVAL);
	gen_list(bl_path, 1000000, 100000);
	load_list(&m2, bl_path, false, &bst, &big);
	/* sources: a listed /24, a listed /32 (the trie's hit), and an
	 * unlisted neighbour of a /32 (its /24 sends the lookup to the trie) */
	for (size_t i = 0; i < big.n4 && (!listed24[0] || !listed32[0] || !long_src[0]); i++) {
		__be32 a = big.v4[i].addr, b = htonl(ntohl(a) ^ 1), c = htonl(ntohl(a) + 7);
		__u32 bits;

		if (big.v4[i].len == 24 && !listed24[0])
			inet_ntop(AF_INET, &c, listed24, sizeof(listed24));
		if (big.v4[i].len == 32 && !listed32[0])
			inet_ntop(AF_INET, &a, listed32, sizeof(listed32));
		if (big.v4[i].len == 32 && !long_src[0] &&
		    !mxgw_maps_bl_lookup4(&m2, b, &bits) && !bits)
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
		if (!mxgw_maps_bl_lookup6(&m2, &a, &bits) && !bits)
			inet_ntop(AF_INET6, &a, among6, sizeof(among6));
	}
	mxgw_bl_list_free(&big);
	empty = load_empty();
	fill_conntrack(&m1, CT_BIG);
	add_flow(&m0, "198.51.100.25", 443, 40000);
	add_flow(&m1, "198.51.100.25", 443, 40000);

	struct path paths[] = {
		{ "empty XDP_PASS (floor)", empty, { .dport = 25 }, XDP_PASS, -1, NULL },
		/* a connection's segments: an ACK (its SYN counts in_new too) */
		{ "inbound allowed: DNAT + redirect", xdp0, { .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m0 },
		{ "inbound SYN: DNAT + in_new + redirect", xdp0, { .dport = 25 }, XDP_REDIRECT,
		  MXGW_IN_NEW, &m0 },
		{ "inbound denied: drop", xdp0, { .dport = 143 }, XDP_DROP,
		  MXGW_DROP_SERVICE_DENY, &m0 },
		/* a link protocol's group (VRRP): passed at the first test */
		{ "not for us: pass", xdp0, { .daddr = "224.0.0.18", .dport = 25 }, XDP_PASS,
		  MXGW_PASS_NOT_FOR_US, &m0 },
		{ "conntrack reply: DNAT + redirect", xdp0,
		  { .saddr = "198.51.100.25", .sport = 443, .dport = 40000, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m0 },
		{ "conntrack reply, 1M-entry table", xdp1,
		  { .saddr = "198.51.100.25", .daddr = "203.0.113.34", .sport = 443,
		    .dport = 40000, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m1 },
		/* a neighbour on the WAN's prefix: the kernel would forward it
		 * back out, so the fib is asked (issue 10) */
		{ "not for us: transit, fib + drop", xdp0, { .daddr = "203.0.113.99", .dport = 25 },
		  XDP_DROP, MXGW_DROP_TRANSIT, &m0 },
		/* blocklists: 10^6 IPv4 + 10^5 IPv6 prefixes on wan2 */
		{ "blocklists: inbound allowed", xdp2,
		  { .daddr = "203.0.113.35", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m2 },
		{ "blocklists: allowed, /24 with longer", xdp2,
		  { .saddr = long_src, .daddr = "203.0.113.35", .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, MXGW_FWD_REDIRECT, &m2 },
		{ "IPv6 allowed: forward6 + redirect", xdp0,
		  { .ip6 = true, .dport = 25, .tcp_flags = 0x10 }, XDP_REDIRECT, -1, &m0 },
		{ "blocklists: IPv6 allowed", xdp2,
		  { .ip6 = true, .dport = 25, .tcp_flags = 0x10 }, XDP_REDIRECT, -1, &m2 },
		{ "blocklists: IPv6 allowed, among them", xdp2,
		  { .ip6 = true, .saddr = among6, .dport = 25, .tcp_flags = 0x10 },
		  XDP_REDIRECT, -1, &m2 },
		{ "blocklists: denied (imap), unlisted", xdp2,
		  { .daddr = "203.0.113.35", .dport = 143 },
		  XDP_DROP, MXGW_DROP_SERVICE_DENY, &m2 },
		{ "blocklists: listed /24, drop", xdp2,
		  { .saddr = listed24, .daddr = "203.0.113.35", .dport = 25, .tcp_flags = 0x10 },
		  XDP_DROP, MXGW_DROP_BLOCKLIST, &m2 },
		{ "blocklists: listed /32 (hash), drop", xdp2,
		  { .saddr = listed32, .daddr = "203.0.113.35", .dport = 25, .tcp_flags = 0x10 },
		  XDP_DROP, MXGW_DROP_BLOCKLIST, &m2 },
	};
	const int npaths = sizeof(paths) / sizeof(paths[0]);
	__u32 wan0 = if_nametoindex("wan0"), wan1 = if_nametoindex("wan1"),
	      wan2 = if_nametoindex("wan2");

	for (int i = 0; i < npaths; i++)
		paths[i].len = tb_frame(&paths[i].spec, paths[i].frame);
	/* warm up: caches, the next-hop cache of each CPU, the JIT image */
#define IFINDEX(p)	((p)->prog_fd == xdp1 ? wan1 : (p)->prog_fd == xdp2 ? wan2 : wan0)
	for (int i = 0; i < npaths; i++)
		run_round(&paths[i], IFINDEX(&paths[i]));
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < npaths; i++)
			paths[i].ns[r] = run_round(&paths[i], IFINDEX(&paths[i]));

	if (csv) {
		out = fopen(csv, "w");
		if (!out)
			die(csv, errno);
		fprintf(out, "path,median_ns,q1_ns,q3_ns,ratio_to_empty,verified_insns,xlated_insns,jited_bytes\n");
	}
	double floor_med, lo, hi;

	stats(paths[0].ns, &floor_med, &lo, &hi);
	printf("per-packet cost, bpf_prog_test_run_opts, %d rounds x %d calls (repeat=1), CPU 0\n",
	       ROUNDS, CALLS);
	printf("%-36s %9s %17s %8s %9s %8s %7s\n", "path", "median", "spread (q1..q3)",
	       "x empty", "verified", "xlated", "jited");
	for (int i = 0; i < npaths; i++) {
		__u32 ver, xl, jit;
		double med;

		stats(paths[i].ns, &med, &lo, &hi);
		prog_sizes(paths[i].prog_fd, &ver, &xl, &jit);
		printf("%-36s %6.1f ns %7.1f..%6.1f ns %7.2fx %9u %8u %6uB\n", paths[i].name,
		       med, lo, hi, med / floor_med, ver, xl, jit);
		if (out)
			fprintf(out, "\"%s\",%.1f,%.1f,%.1f,%.3f,%u,%u,%u\n", paths[i].name, med,
				lo, hi, med / floor_med, ver, xl, jit);
	}
	if (out)
		fclose(out);
	{
		double a, b, d, e;

		/* side by side, one run: medians' ratios */
		stats(paths[1].ns, &a, &lo, &hi);
		stats(paths[8].ns, &b, &lo, &hi);
		stats(paths[3].ns, &d, &lo, &hi);
		stats(paths[14].ns, &e, &lo, &hi);
		printf("allowed DNAT path, 10^6 + 10^5 blocklisted prefixes vs none: %.2fx "
		       "(target <= 1.15)\n", b / a);
		stats(paths[9].ns, &b, &lo, &hi);
		printf("  ... its source in a /24 with longer prefixes (the hash asked): %.2fx\n",
		       b / a);
		printf("blocklisted drop (/24) vs the plain deny path: %.2fx (target <= 1.10)\n",
		       e / d);
		stats(paths[15].ns, &e, &lo, &hi);
		printf("  ... a /32 under a /24 (the hash's): %.2fx\n", e / d);
		stats(paths[10].ns, &a, &lo, &hi);
		stats(paths[11].ns, &b, &lo, &hi);
		printf("IPv6 allowed path, 10^5 IPv6 prefixes (LPM trie) vs none: %.2fx\n", b / a);
		stats(paths[12].ns, &b, &lo, &hi);
		printf("  ... its source among the listed prefixes (%s): %.2fx\n", among6, b / a);
	}
	bench_blocklists(&m2, xdp2, wan2, bl_dir, TB_CLIENT);
	snprintf(bl_path, sizeof(bl_path), "rm -rf %s", bl_dir);
	sh(bl_path);
	mxgw_unload("wan0", NULL);
	mxgw_unload("wan1", NULL);
	mxgw_unload("wan2", NULL);
	return 0;
}
