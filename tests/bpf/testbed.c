// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "testbed.h"
#include "loader.h"
#include "mxgw.skel.h"

#define ETH_HLEN	14

void tb_require(bool ok, const char *what)
{
	const char *req = getenv("MXGW_REQUIRE_BPF");

	if (ok)
		return;
	if (req && !strcmp(req, "1"))
		fail_msg("required but unavailable: %s", what);
	fprintf(stderr, "SKIP: %s\n", what);
	skip();
}

void tb_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc)
		fail_msg("command failed (%d): %s", rc, cmd);
}

int tb_ifindex(const char *ifname)
{
	int idx = if_nametoindex(ifname);

	assert_true(idx > 0);
	return idx;
}

/* libbpf's log (a verifier log, say) once per test program: enough to
 * diagnose, without one copy per test case. */
static int libbpf_print_once(enum libbpf_print_level level, const char *fmt,
			     va_list ap)
{
	static int lines;

	if (level == LIBBPF_DEBUG || lines > 200)
		return 0;
	lines++;
	return vfprintf(stderr, fmt, ap);
}

void tb_netns_setup(void)
{
	static bool done;

	libbpf_set_print(libbpf_print_once);
	if (done)
		return;
	tb_require(geteuid() == 0, "root (network namespaces, BPF)");
	tb_require(!unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)");
	tb_sh("ip link set lo up");
	tb_sh("ip link add wan0 address 02:00:00:00:71:21 type veth peer name wanp address 02:00:00:00:71:01");
	tb_sh("ip link add lan0 address 02:00:00:00:01:01 type veth peer name lanp address 02:00:00:00:01:0a");
	tb_sh("ip addr add 203.0.113.33/24 dev wan0");
	tb_sh("ip addr add 192.168.1.1/24 dev lan0");
	tb_sh("for d in wan0 wanp lan0 lanp; do ip link set $d up; done");
	tb_sh("sysctl -qw net.ipv4.ip_forward=1");
	tb_sh("ip neigh replace 192.168.1.10 lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
	done = true;
}

static char shipped[8192];

const char *tb_shipped_conf(void)
{
	FILE *f = fopen(MXGW_SHIPPED_CONF, "r");
	char line[1024];
	size_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "215.75.128.33");

		if (p) {	/* same length: 203.0.113.33 padded */
			memcpy(p, TB_PUBLIC " ", strlen("215.75.128.33"));
		}
		n += snprintf(shipped + n, sizeof(shipped) - n, "%s", line);
	}
	fclose(f);
	assert_true(n < sizeof(shipped) - 1);
	return shipped;
}

static struct mxgw_conf_file conf;

static void parse(const char *conf_text)
{
	assert_int_equal(mxgw_conf_parse_string("test.conf", conf_text, &conf, stderr), 0);
}

static void apply(struct tb *tb)
{
	struct mxgw_wan wan;

	assert_int_equal(mxgw_wan_of(if_nametoindex("wan0"), conf.policy.mailserver_addr, &wan), 0);
	assert_int_equal(mxgw_maps_apply(&tb->maps, &conf.policy, &wan), 0);
}

void tb_apply(struct tb *tb, const char *conf_text)
{
	parse(conf_text);
	apply(tb);
}

/* The loader's own steps: open, size conntrack, load, fill the maps. */
void tb_load(struct tb *tb, const char *conf_text)
{
	int err;

	tb_netns_setup();
	parse(conf_text);
	tb->skel = mxgw_bpf__open();
	assert_non_null(tb->skel);
	assert_int_equal(mxgw_size_conntrack(tb->skel, conf.policy.conntrack_max), 0);
	mxgw_refusal_capture_begin(tb->skel->obj);
	err = mxgw_bpf__load(tb->skel);
	mxgw_refusal_capture_end(tb->skel->obj);
	if (err) {
		const char *why = mxgw_refusal();
		static char what[600];

		mxgw_bpf__destroy(tb->skel);
		tb->skel = NULL;
		snprintf(what, sizeof(what), "loading the BPF programs: %s",
			 why ? why : strerror(-err));
		tb_require(false, what);
	}
	assert_int_equal(mxgw_maps_from_skel(tb->skel, &tb->maps), 0);
	tb->xdp_fd = bpf_program__fd(tb->skel->progs.mxgw_wan_in);
	tb->tc_fd = bpf_program__fd(tb->skel->progs.mxgw_wan_out);
	apply(tb);
}

void tb_destroy(struct tb *tb)
{
	mxgw_bpf__destroy(tb->skel);
	tb->skel = NULL;
}

void tb_allow_redirect(struct tb *tb, const char *ifname)
{
	__u32 idx = tb_ifindex(ifname);

	assert_int_equal(bpf_map_update_elem(tb->maps.tx_ports, &idx, &idx, BPF_ANY), 0);
	tb_reset_nexthop(tb);
}

void tb_reset_nexthop(struct tb *tb)
{
	int ncpu = libbpf_num_possible_cpus();
	struct mxgw_nexthop zero[ncpu];
	__u32 key = 0;

	memset(zero, 0, sizeof(zero));
	assert_int_equal(bpf_map_update_elem(tb->maps.nexthop, &key, zero, BPF_ANY), 0);
}

int tb_run_xdp(struct tb *tb, const __u8 *in, size_t len, __u8 *out,
	       size_t *out_len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = tb_ifindex("wan0") };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = TB_MAX_FRAME,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(tb->xdp_fd, &opts);

	assert_int_equal(err, 0);
	*out_len = opts.data_size_out;
	return opts.retval;
}

int tb_run_tc(struct tb *tb, const __u8 *in, size_t len, __u8 *out,
	      size_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = TB_MAX_FRAME,
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(tb->tc_fd, &opts);

	assert_int_equal(err, 0);
	*out_len = opts.data_size_out;
	return opts.retval;
}

__u64 tb_counter(struct tb *tb, enum mxgw_counter c)
{
	__u64 all[MXGW_COUNTER_MAX];

	assert_int_equal(mxgw_maps_read_counters(&tb->maps, all), 0);
	return all[c];
}

struct mxgw_pkt_count tb_svc_count(struct tb *tb, const char *name, int dir,
				   int verdict)
{
	struct mxgw_service svcs[MXGW_MAX_SERVICES];
	struct mxgw_svc_stats st;
	__u32 id = MXGW_SVC_UNLISTED;

	assert_int_equal(mxgw_maps_read_services(&tb->maps, svcs), 0);
	for (__u32 i = 1; name && i < MXGW_MAX_SERVICES; i++)
		if (svcs[i].in_use && !strcmp(svcs[i].name, name))
			id = i;
	assert_true(!name || id != MXGW_SVC_UNLISTED);
	assert_int_equal(mxgw_maps_read_svc_stats(&tb->maps, id, &st), 0);
	return st.count[dir][verdict];
}

/* RFC 1071 sum over @len bytes, added to @sum. */
static __u32 sum16(const __u8 *p, size_t len, __u32 sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

__u16 tb_ip_csum(const __u8 *ip)
{
	return fold(sum16(ip, (ip[0] & 0xf) * 4, 0));
}

__u16 tb_l4_csum(const __u8 *ip)
{
	size_t hlen = (ip[0] & 0xf) * 4;
	size_t tot = (ip[2] << 8) | ip[3];
	size_t l4len = tot - hlen;
	__u32 sum = sum16(ip + 12, 8, 0);	/* saddr, daddr */

	sum += ip[9];
	sum += l4len;
	return fold(sum16(ip + hlen, l4len, sum));
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

__u16 tb_icmp_csum(const __u8 *ip)
{
	size_t hlen = (ip[0] & 0xf) * 4;
	size_t tot = (ip[2] << 8) | ip[3];

	return fold(sum16(ip + hlen, tot - hlen, 0));
}

/* The quoted part of an ICMP error: the inner IP header and 8 bytes. */
static size_t quote(const struct tb_frame_spec *inner, __u8 *out)
{
	__u8 frame[TB_MAX_FRAME];
	size_t len = tb_frame(inner, frame), hlen;

	hlen = (frame[14] & 0xf) * 4;
	len = len - 14 < hlen + 8 ? len - 14 : hlen + 8;
	memcpy(out, frame + 14, len);
	return len;
}

size_t tb_frame(const struct tb_frame_spec *s, __u8 *buf)
{
	static const __u8 wan_mac[6] = TB_WAN_MAC, peer_mac[6] = TB_PEER_MAC;
	__u8 ihl = s->ihl ? s->ihl : 5, proto = s->proto ? s->proto : 6;
	__u8 quoted[128];
	size_t nquoted = s->inner ? quote(s->inner, quoted) : 0;
	__u16 payload = s->inner ? nquoted : s->payload ? s->payload : 16;
	size_t l4hdr = proto == 6 ? 20 : proto == 17 ? 8 : 8;
	/* an IHL below 5 is a lie the header tells: lay it out as 20 bytes */
	size_t off, hlen = ihl < 5 ? 20 : ihl * 4, tot = hlen + l4hdr + payload;
	__u8 *ip, *l4;
	__be32 a;

	memset(buf, 0, TB_MAX_FRAME);
	memcpy(buf, s->set_macs ? s->dmac : wan_mac, 6);
	memcpy(buf + 6, s->set_macs ? s->smac : peer_mac, 6);
	off = 12;
	for (int v = 0; v < s->vlans; v++) {
		put16(buf + off, v == 0 && s->vlans == 2 ? 0x88a8 : 0x8100);
		put16(buf + off + 2, 100 + v);
		off += 4;
	}
	put16(buf + off, s->ethertype ? s->ethertype : 0x0800);
	off += 2;
	ip = buf + off;
	if (s->ethertype && s->ethertype != 0x0800) {
		/* opaque payload for ARP, IPv6, ... */
		for (size_t i = 0; i < 60; i++)
			ip[i] = i * 7;
		return s->truncate ? (size_t)s->truncate : off + 60;
	}
	ip[0] = 0x40 | ihl;
	put16(ip + 2, tot + s->tot_len_delta);
	put16(ip + 4, 0x1234);
	put16(ip + 6, s->frag_off);
	ip[8] = s->ttl ? s->ttl : 64;
	ip[9] = proto;
	inet_pton(AF_INET, s->saddr ? s->saddr : TB_CLIENT, &a);
	memcpy(ip + 12, &a, 4);
	inet_pton(AF_INET, s->daddr ? s->daddr : TB_PUBLIC, &a);
	memcpy(ip + 16, &a, 4);
	for (size_t i = 20; i < hlen; i++)
		ip[i] = 1;	/* NOP options */
	l4 = ip + hlen;
	if (proto == 1) {
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		put16(l4 + 4, s->icmp_id);
		put16(l4 + 6, 7);	/* echo sequence, or "unused" / MTU */
	} else {
		put16(l4, s->sport ? s->sport : 40000);
		put16(l4 + 2, s->dport);
	}
	if (proto == 6) {
		put16(l4 + 4, 0x1111);
		put16(l4 + 8, 0);
		l4[12] = 5 << 4;
		l4[13] = s->tcp_flags ? s->tcp_flags : 0x02;	/* SYN */
		put16(l4 + 14, 64240);
	} else if (proto == 17) {
		put16(l4 + 4, l4hdr + payload);
	}
	for (size_t i = 0; i < payload; i++)
		l4[l4hdr + i] = s->inner ? quoted[i] : 'a' + i % 26;
	/* checksums over the correct length, before any deliberate damage */
	put16(ip + 2, tot);
	put16(ip + 10, tb_ip_csum(ip));
	if (proto == 6)
		put16(l4 + 16, tb_l4_csum(ip));
	else if (proto == 1)
		put16(l4 + 2, tb_icmp_csum(ip));
	else if (proto == 17 && !s->udp_csum_zero) {
		__u16 c = tb_l4_csum(ip);

		put16(l4 + 6, c ? c : 0xffff);
	}
	if (s->tot_len_delta) {
		put16(ip + 2, tot + s->tot_len_delta);
		put16(ip + 10, 0);
		put16(ip + 10, tb_ip_csum(ip));
	}
	if (s->truncate)
		return s->truncate;
	return off + tot;
}

void tb_hexdiff(const __u8 *got, size_t glen, const __u8 *want, size_t wlen)
{
	size_t n = glen > wlen ? glen : wlen;

	fprintf(stderr, "frame length got %zu want %zu\n", glen, wlen);
	for (size_t i = 0; i < n; i++) {
		int g = i < glen ? got[i] : -1, w = i < wlen ? want[i] : -1;

		if (g != w)
			fprintf(stderr, "  byte %3zu: got %02x want %02x\n", i, g & 0xff, w & 0xff);
	}
}
