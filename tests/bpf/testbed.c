// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
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

/* The test binary's network namespace (testbed.h); NULL, or what is missing. */
static const char *netns_setup(void)
{
	libbpf_set_print(libbpf_print_once);
	if (geteuid() != 0)
		return "root (network namespaces, BPF)";
	if (unshare(CLONE_NEWNET))
		return "unshare(CLONE_NEWNET)";
	tb_sh("ip link set lo up");
	tb_sh("ip link add wan0 address 02:00:00:00:71:21 type veth peer name wanp address 02:00:00:00:71:01");
	tb_sh("ip link add lan0 address 02:00:00:00:01:01 type veth peer name lanp address 02:00:00:00:01:0a");
	tb_sh("ip addr add 203.0.113.33/24 dev wan0");
	tb_sh("ip addr add 192.168.1.1/24 dev lan0");
	tb_sh("for d in wan0 wanp lan0 lanp; do ip link set $d up; done");
	tb_sh("sysctl -qw net.ipv4.ip_forward=1");
	tb_sh("ip neigh replace 192.168.1.10 lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
	/* IPv6, routed (nodad: usable at once, not tentative for a second):
	 * the Internet host on the WAN link is the router to the clients */
	tb_sh("sysctl -qw net.ipv6.conf.all.forwarding=1");
	tb_sh("ip -6 addr add " TB_PUBLIC6 "/64 dev wan0 nodad");
	tb_sh("ip -6 addr add " TB_LAN6_GW "/64 dev lan0 nodad");
	tb_sh("ip -6 neigh replace " TB_ROUTER6 " lladdr 02:00:00:00:71:01 dev wan0 nud permanent");
	tb_sh("ip -6 route add " TB_CLIENTS6 " via " TB_ROUTER6 " dev wan0");
	tb_sh("ip -6 neigh replace " TB_MAILSERVER6 " lladdr 02:00:00:00:01:0a dev lan0 nud permanent");
	return NULL;
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

	assert_int_equal(mxgw_wan_of(if_nametoindex("wan0"), &conf.policy, &wan), 0);
	assert_int_equal(mxgw_maps_apply(&tb->maps, &conf.policy, &wan), 0);
}

void tb_apply(struct tb *tb, const char *conf_text)
{
	parse(conf_text);
	apply(tb);
}

/* The programs as loaded by the group setup, and why they are not. */
static struct tb loaded;
static const char no_group_setup[] = "no tb_group_setup";
static const char *unavailable = no_group_setup;

/* The loader's own steps: open, size conntrack (0: as the object says),
 * load.  NULL, or why the programs could not be loaded. */
static const char *load(__u32 conntrack_max)
{
	static char what[600];
	int err;

	loaded.skel = mxgw_bpf__open();
	assert_non_null(loaded.skel);
	if (conntrack_max)
		assert_int_equal(mxgw_size_conntrack(loaded.skel, conntrack_max), 0);
	mxgw_refusal_capture_begin(loaded.skel->obj);
	err = mxgw_bpf__load(loaded.skel);
	mxgw_refusal_capture_end(loaded.skel->obj);
	if (err) {
		const char *why = mxgw_refusal();

		snprintf(what, sizeof(what), "loading the BPF programs: %s",
			 why ? why : strerror(-err));
		mxgw_bpf__destroy(loaded.skel);
		loaded.skel = NULL;
		return what;
	}
	assert_int_equal(mxgw_maps_from_skel(loaded.skel, &loaded.maps), 0);
	loaded.xdp_fd = bpf_program__fd(loaded.skel->progs.mxgw_wan_in);
	loaded.tc_fd = bpf_program__fd(loaded.skel->progs.mxgw_wan_out);
	loaded.lan_fd = bpf_program__fd(loaded.skel->progs.mxgw_lan_in);
	return NULL;
}

int tb_group_setup(void **state)
{
	(void)state;
	unavailable = netns_setup();
	if (!unavailable)
		unavailable = load(0);
	return 0;
}

int tb_group_teardown(void **state)
{
	(void)state;
	mxgw_bpf__destroy(loaded.skel);
	loaded.skel = NULL;
	return 0;
}

/* Whether @map's value holds a struct bpf_timer (the clock's does). */
static bool holds_timer(const struct bpf_object *obj, const struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;
	const struct btf_member *m;

	if (!btf || !bpf_map__btf_value_type_id(map))
		return false;
	t = btf__type_by_id(btf, btf__resolve_type(btf, bpf_map__btf_value_type_id(map)));
	if (!t || !btf_is_struct(t))
		return false;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const struct btf_type *mt = btf__type_by_id(btf, btf__resolve_type(btf, m->type));

		if (mt && !strcmp(btf__name_by_offset(btf, mt->name_off), "bpf_timer"))
			return true;
	}
	return false;
}

/*
 * An array as a fresh load leaves it: every element zero, whatever it
 * reads (a timer is armed while every other field of the clock is still
 * zero, before its first tick).  A value that holds a timer is written
 * twice: the first write frees the timer (the kernel's array update does),
 * after waiting for a callback that was running and may have written
 * after it; the second finds nothing running.
 */
static void zero_array(const struct bpf_object *obj, const struct bpf_map *map)
{
	void *zero = calloc(bpf_map__max_entries(map), tb_array_elem_size(map));
	int passes = holds_timer(obj, map) ? 2 : 1;

	assert_non_null(zero);
	for (int pass = 0; pass < passes; pass++)
		tb_array_write(map, zero);
	free(zero);
}

size_t tb_array_elem_size(const struct bpf_map *map)
{
	if (bpf_map__type(map) != BPF_MAP_TYPE_PERCPU_ARRAY)
		return bpf_map__value_size(map);
	return ((bpf_map__value_size(map) + 7) & ~7UL) * libbpf_num_possible_cpus();
}

/* 0 .. n - 1, the keys of an array of @n */
static __u32 *array_keys(__u32 n)
{
	__u32 *keys = calloc(n, sizeof(*keys));

	assert_non_null(keys);
	for (__u32 i = 0; i < n; i++)
		keys[i] = i;
	return keys;
}

void *tb_array_read(const struct bpf_map *map)
{
	__u32 n = bpf_map__max_entries(map), count = n, batch;
	__u32 *keys = array_keys(n);
	void *vals = calloc(n, tb_array_elem_size(map));

	assert_non_null(vals);
	/* ENOENT: the last batch, every element read */
	if ((bpf_map_lookup_batch(bpf_map__fd(map), NULL, &batch, keys, vals, &count, NULL) &&
	     errno != ENOENT) || count != n)
		fail_msg("reading %s: %s", bpf_map__name(map), strerror(errno));
	free(keys);
	return vals;
}

void tb_array_write(const struct bpf_map *map, const void *vals)
{
	__u32 n = bpf_map__max_entries(map), count = n;
	__u32 *keys = array_keys(n);

	if (bpf_map_update_batch(bpf_map__fd(map), keys, vals, &count, NULL) || count != n)
		fail_msg("writing %s: %s", bpf_map__name(map), strerror(errno));
	free(keys);
}

/* A hash table, trie or device map as a fresh load leaves it: empty. */
static void empty_map(const struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	__u32 ksize = bpf_map__key_size(map), max = bpf_map__max_entries(map), n = 0;
	char *keys = calloc(max, ksize), *key = NULL;

	assert_non_null(keys);
	/* every key first: deleting while walking would skip some */
	while (n < max && !bpf_map_get_next_key(fd, key, keys + (size_t)n * ksize))
		key = keys + (size_t)n++ * ksize;
	for (__u32 i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, keys + (size_t)i * ksize))
			fail_msg("tb_reset: emptying %s: %s", bpf_map__name(map), strerror(errno));
	if (!bpf_map_get_next_key(fd, NULL, keys))
		fail_msg("tb_reset: %s still holds entries", bpf_map__name(map));
	free(keys);
}

/* A map of maps as a fresh load leaves it: every slot empty (the
 * kernel frees what they held). */
static void empty_slots(const struct bpf_map *map)
{
	int fd = bpf_map__fd(map);

	for (__u32 i = 0; i < bpf_map__max_entries(map); i++)
		if (bpf_map_delete_elem(fd, &i) && errno != ENOENT)
			fail_msg("tb_reset: emptying %s: %s", bpf_map__name(map), strerror(errno));
}

static int discard(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

/* A ring buffer as a fresh load leaves it: nothing to read. */
static void drain(const struct bpf_map *map)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(map), discard, NULL, NULL);

	assert_non_null(rb);
	assert_true(ring_buffer__consume(rb) >= 0);
	ring_buffer__free(rb);
}

/*
 * Every map of the object as a fresh load leaves it.  A map of a type
 * not handled here fails the test until its reset is written: a test
 * must never see what the one before it left behind.
 */
static void reset_maps(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);

		if (bpf_map__is_internal(map) && strstr(name, ".rodata"))
			continue;	/* fixed at load, frozen */
		if (bpf_map__is_internal(map) && !strstr(name, ".bss"))
			fail_msg("tb_reset: %s: initialised globals are not restored", name);
		switch (bpf_map__type(map)) {
		case BPF_MAP_TYPE_ARRAY:
		case BPF_MAP_TYPE_PERCPU_ARRAY:
			zero_array(obj, map);
			break;
		case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_LRU_HASH:
		case BPF_MAP_TYPE_LPM_TRIE:
		case BPF_MAP_TYPE_DEVMAP_HASH:
			empty_map(map);
			break;
		case BPF_MAP_TYPE_RINGBUF:
			drain(map);
			break;
		case BPF_MAP_TYPE_ARRAY_OF_MAPS:
			empty_slots(map);
			break;
		default:
			fail_msg("tb_reset: %s: no reset written for map type %d (tests/bpf/testbed.c)",
				 name, bpf_map__type(map));
		}
	}
}

void tb_reset(struct tb *tb, const char *conf_text)
{
	if (unavailable == no_group_setup)
		fail_msg("tb_reset: the test binary's group setup is not tb_group_setup");
	tb_require(!unavailable, unavailable);
	parse(conf_text);
	if (bpf_map__max_entries(loaded.skel->maps.mxgw_ct) != conf.policy.conntrack_max) {
		/* max_entries is fixed at load: another size, another load */
		mxgw_bpf__destroy(loaded.skel);
		unavailable = load(conf.policy.conntrack_max);
		tb_require(!unavailable, unavailable);
	} else {
		reset_maps(loaded.skel->obj);
	}
	*tb = loaded;
	apply(tb);
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

	memset(zero, 0, sizeof(zero));
	for (__u32 key = 0; key < MXGW_FAM_MAX; key++)
		assert_int_equal(bpf_map_update_elem(tb->maps.nexthop, &key, zero, BPF_ANY), 0);
	for (__u32 key = 0; key < MXGW_WAN_HOPS; key++)
		assert_int_equal(bpf_map_update_elem(tb->maps.wan_hops, &key, zero, BPF_ANY), 0);
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

int tb_run_xdp_lan(struct tb *tb, const __u8 *in, size_t len, __u8 *out,
		   size_t *out_len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = tb_ifindex("lan0") };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = TB_MAX_FRAME,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(tb->lan_fd, &opts);

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
	return tb_counter_fam(tb, MXGW_FAM_IPV4, c);
}

__u64 tb_counter_fam(struct tb *tb, int family, enum mxgw_counter c)
{
	__u64 all[MXGW_COUNTER_MAX];

	assert_int_equal(mxgw_maps_read_counters_family(&tb->maps, family, all), 0);
	return all[c];
}

struct mxgw_pkt_count tb_svc_count(struct tb *tb, const char *name, int dir,
				   int verdict)
{
	return tb_svc_count_fam(tb, MXGW_FAM_IPV4, name, dir, verdict);
}

struct mxgw_pkt_count tb_svc_count_fam(struct tb *tb, int family, const char *name,
				       int dir, int verdict)
{
	struct mxgw_service svcs[MXGW_MAX_SERVICES];
	struct mxgw_svc_stats st;
	__u32 id = MXGW_SVC_UNLISTED;

	assert_int_equal(mxgw_maps_read_services(&tb->maps, svcs), 0);
	for (__u32 i = 1; name && i < MXGW_MAX_SERVICES; i++)
		if (svcs[i].in_use && !strcmp(svcs[i].name, name))
			id = i;
	assert_true(!name || id != MXGW_SVC_UNLISTED);
	assert_int_equal(mxgw_maps_read_svc_stats(&tb->maps, mxgw_svc_key(family, id), &st), 0);
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

#define IP6_HLEN	40

size_t tb_ip6_l4(const __u8 *ip6, __u8 *proto)
{
	size_t end = IP6_HLEN + ((ip6[4] << 8) | ip6[5]), off = IP6_HLEN;
	__u8 next = ip6[6];

	for (int i = 0; i <= TB_EXT6_MAX; i++) {
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (off + 8 > end)
				return 0;
			next = ip6[off];
			off += (ip6[off + 1] + 1) * 8;
			break;
		case IPPROTO_FRAGMENT:
			if (off + 8 > end)
				return 0;
			next = ip6[off];
			off += 8;
			break;
		case IPPROTO_AH:
			if (off + 8 > end)
				return 0;
			next = ip6[off];
			off += (ip6[off + 1] + 2) * 4;
			break;
		default:
			*proto = next;
			return off <= end ? off : 0;
		}
	}
	return 0;
}

/* IPv6: the pseudo header (RFC 8200 8.1) and the upper-layer packet of
 * protocol @proto at @off, to the end of the payload length. */
static __u16 csum6(const __u8 *ip, size_t off, __u8 proto)
{
	size_t end = IP6_HLEN + ((ip[4] << 8) | ip[5]);
	__u32 sum = sum16(ip + 8, 32, 0);	/* saddr, daddr */

	sum += (end - off) >> 16;
	sum += (end - off) & 0xffff;
	sum += proto;
	return fold(sum16(ip + off, end - off, sum));
}

static __u16 l4_csum6(const __u8 *ip)
{
	__u8 proto = 0;
	size_t off = tb_ip6_l4(ip, &proto);

	/* no L4 to verify: never "right" */
	return off ? csum6(ip, off, proto) : 0xffff;
}

__u16 tb_l4_csum(const __u8 *ip)
{
	size_t hlen = (ip[0] & 0xf) * 4;
	size_t tot = (ip[2] << 8) | ip[3];
	size_t l4len = tot - hlen;
	__u32 sum = sum16(ip + 12, 8, 0);	/* saddr, daddr */

	if ((ip[0] >> 4) == 6)
		return l4_csum6(ip);

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

	/* ICMPv6's checksum covers the pseudo header too (RFC 4443 2.3) */
	if ((ip[0] >> 4) == 6)
		return l4_csum6(ip);

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

/* What an ICMPv6 error quotes: as much of the packet as fits 1280 bytes. */
#define ICMP6_QUOTE_MAX	(1280 - IP6_HLEN - 8)

static size_t quote6(const struct tb_frame_spec *inner, __u8 *out)
{
	__u8 frame[TB_MAX_FRAME];
	size_t len = tb_frame(inner, frame);

	len = len - 14 < ICMP6_QUOTE_MAX ? len - 14 : ICMP6_QUOTE_MAX;
	memcpy(out, frame + 14, len);
	return len;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Extension header @e at @p, followed by @next; returns its length. */
static size_t ext6(const struct tb_ext6 *e, __u8 next, __u8 *p)
{
	size_t len;

	p[0] = next;
	if (e->type == IPPROTO_FRAGMENT) {
		p[1] = 0;	/* reserved */
		put16(p + 2, (e->frag_offset << 3) | (e->more ? 1 : 0));
		put32(p + 4, e->frag_id ? e->frag_id : 0x1234);
		return 8;
	}
	p[1] = e->len;
	len = e->type == IPPROTO_AH ? (e->len + 2) * 4u : (e->len + 1) * 8u;
	if (e->type == IPPROTO_ROUTING) {
		p[2] = e->rt_type;
		p[3] = e->segleft;
		/* type-specific data: zeros (reserved, addresses) */
		memset(p + 4, 0, len - 4);
	} else if (e->type == IPPROTO_AH) {
		memset(p + 2, 0, len - 2);
		put32(p + 4, 0x100);	/* SPI */
		put32(p + 8, 1);	/* sequence */
	} else {
		/* options: one PadN filling the header (RFC 8200 4.2) */
		p[2] = 1;
		p[3] = len - 4;
		memset(p + 4, 0, len - 4);
	}
	return len;
}

/* tb_frame() for spec.ip6: the IPv6 header at @ip, @off bytes in. */
static size_t frame6(const struct tb_frame_spec *s, __u8 *buf, size_t off)
{
	__u8 *ip = buf + off, *l4, proto = s->proto ? s->proto : IPPROTO_TCP;
	__u8 quoted[ICMP6_QUOTE_MAX];
	size_t nquoted = s->inner ? quote6(s->inner, quoted) : 0;
	__u16 payload = s->inner ? nquoted : s->payload ? s->payload : 16;
	size_t l4hdr = proto == IPPROTO_TCP ? 20 : 8, exts = 0, plen;
	unsigned int n = s->n_ext6 < TB_EXT6_MAX ? s->n_ext6 : TB_EXT6_MAX;

	put32(ip, 6u << 28);	/* version, traffic class 0, flow label 0 */
	ip[6] = n ? s->ext6[0].type : proto;
	ip[7] = s->ttl ? s->ttl : 64;
	inet_pton(AF_INET6, s->saddr ? s->saddr : TB_CLIENT6, ip + 8);
	inet_pton(AF_INET6, s->daddr ? s->daddr : TB_MAILSERVER6, ip + 24);
	for (unsigned int i = 0; i < n; i++)
		exts += ext6(&s->ext6[i], i + 1 < n ? s->ext6[i + 1].type : proto,
			     ip + IP6_HLEN + exts);
	plen = exts + l4hdr + payload;
	if (off + IP6_HLEN + plen > TB_MAX_FRAME)
		fail_msg("tb_frame: %zu bytes of IPv6 do not fit TB_MAX_FRAME", plen);
	l4 = ip + IP6_HLEN + exts;
	if (proto == IPPROTO_ICMPV6) {
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		if (s->icmp_type >= 128) {	/* informational: echo */
			put16(l4 + 4, s->icmp_id);
			put16(l4 + 6, 7);	/* sequence */
		} else {
			put32(l4 + 4, s->icmp_info);
		}
	} else {
		put16(l4, s->sport ? s->sport : 40000);
		put16(l4 + 2, s->dport);
	}
	if (proto == IPPROTO_TCP) {
		put16(l4 + 4, 0x1111);
		put16(l4 + 8, 0);
		l4[12] = 5 << 4;
		l4[13] = s->tcp_flags ? s->tcp_flags : 0x02;	/* SYN */
		put16(l4 + 14, 64240);
	} else if (proto == IPPROTO_UDP) {
		put16(l4 + 4, l4hdr + payload);
	}
	for (size_t i = 0; i < payload; i++)
		l4[l4hdr + i] = s->inner ? quoted[i] : 'a' + i % 26;
	/* checksums over the correct length, before any deliberate damage */
	put16(ip + 4, plen);
	if (proto == IPPROTO_TCP)
		put16(l4 + 16, csum6(ip, l4 - ip, proto));
	else if (proto == IPPROTO_ICMPV6)
		put16(l4 + 2, csum6(ip, l4 - ip, proto));
	else if (proto == IPPROTO_UDP && !s->udp_csum_zero) {
		__u16 c = csum6(ip, l4 - ip, proto);

		put16(l4 + 6, c ? c : 0xffff);
	}
	put16(ip + 4, plen + s->tot_len_delta);
	if (s->truncate)
		return s->truncate;
	return off + IP6_HLEN + plen;
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
	if (s->ip6) {
		put16(buf + off, 0x86dd);
		return frame6(s, buf, off + 2);
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
