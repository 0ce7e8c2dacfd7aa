// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Applying a config to running maps (what load and reload do): the port
 * index follows the table, ids and counters survive a reload by name,
 * nothing stale stays behind.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "testbed.h"
#include "mxgw.skel.h"
#include "loader.h"
#include "policy.h"

#define HEAD "public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\n"

static struct mxgw_port_policy port_policy(struct tb *tb, int proto, int port)
{
	struct mxgw_port_policy pol;
	__u32 idx = mxgw_port_index(proto, port);

	assert_int_equal(bpf_map_lookup_elem(tb->maps.ports, &idx, &pol), 0);
	return pol;
}

static __u32 service_id(struct tb *tb, const char *name)
{
	struct mxgw_service svcs[MXGW_MAX_SERVICES];

	assert_int_equal(mxgw_maps_read_services(&tb->maps, svcs), 0);
	for (__u32 id = 1; id < MXGW_MAX_SERVICES; id++)
		if (svcs[id].in_use && !strcmp(svcs[id].name, name))
			return id;
	return 0;
}

static void send_smtp(struct tb *tb)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	struct tb_frame_spec spec = { .dport = 25 };
	size_t len = tb_frame(&spec, in), out_len;

	tb_run_xdp(tb, in, len, out, &out_len);
}

static void test_port_index_follows_the_table(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_port_policy pol;
	(void)state;

	tb_reset(&tb, HEAD "service dns 53/tcp,udp allow deny\nservice imaps 993 allow allow\n");
	pol = port_policy(&tb, MXGW_PROTO_TCP, 53);
	assert_int_equal(pol.svc_id, service_id(&tb, "dns"));
	assert_int_equal(pol.verdict[MXGW_DIR_IN], MXGW_DENY);
	assert_int_equal(pol.verdict[MXGW_DIR_OUT], MXGW_ALLOW);
	assert_int_equal(port_policy(&tb, MXGW_PROTO_UDP, 53).svc_id, pol.svc_id);
	assert_int_equal(port_policy(&tb, MXGW_PROTO_UDP, 993).svc_id, 0);
	assert_int_equal(port_policy(&tb, MXGW_PROTO_TCP, 993).verdict[MXGW_DIR_IN], MXGW_ALLOW);

	/* dns loses udp, imaps moves to 994: old entries go back to unlisted */
	tb_apply(&tb, HEAD "service dns 53/tcp allow deny\nservice imaps 994 allow allow\n");
	assert_int_equal(port_policy(&tb, MXGW_PROTO_UDP, 53).svc_id, 0);
	assert_int_equal(port_policy(&tb, MXGW_PROTO_TCP, 53).svc_id, service_id(&tb, "dns"));
	assert_int_equal(port_policy(&tb, MXGW_PROTO_TCP, 993).svc_id, 0);
	assert_int_equal(port_policy(&tb, MXGW_PROTO_TCP, 994).svc_id, service_id(&tb, "imaps"));
}

static void test_reload_keeps_service_ids_and_counters(void **state)
{
	struct tb tb = { 0 };
	__u32 smtp_id;
	(void)state;

	tb_reset(&tb, HEAD "service imaps 993 allow allow\nservice smtp 25 allow allow\n");
	smtp_id = service_id(&tb, "smtp");
	send_smtp(&tb);
	send_smtp(&tb);
	assert_int_equal(tb_svc_count(&tb, "smtp", MXGW_DIR_IN, MXGW_ALLOW).packets, 2);

	/* reordered, one removed, one added: smtp keeps its id and counts */
	tb_apply(&tb, HEAD "service smtp 25 allow allow\nservice https 443 allow allow\n");
	assert_int_equal(service_id(&tb, "smtp"), smtp_id);
	assert_int_equal(service_id(&tb, "imaps"), 0);
	assert_int_not_equal(service_id(&tb, "https"), 0);
	assert_int_equal(tb_svc_count(&tb, "smtp", MXGW_DIR_IN, MXGW_ALLOW).packets, 2);
	assert_int_equal(tb_svc_count(&tb, "https", MXGW_DIR_IN, MXGW_ALLOW).packets, 0);
}

static int count_from(struct tb *tb, const char *name)
{
	struct mxgw_from_key keys[16];

	return mxgw_maps_read_from(&tb->maps, service_id(tb, name), keys, 16);
}

static void test_from_prefixes_are_replaced_not_merged(void **state)
{
	struct tb tb = { 0 };
	(void)state;

	tb_reset(&tb, HEAD "service ldaps 636 allow allow from 198.51.100.0/24,203.0.113.7\n");
	assert_int_equal(count_from(&tb, "ldaps"), 2);
	assert_true(port_policy(&tb, MXGW_PROTO_TCP, 636).flags & MXGW_PORT_F_FROM);
	tb_apply(&tb, HEAD "service ldaps 636 allow allow from 203.0.113.7\n");
	assert_int_equal(count_from(&tb, "ldaps"), 1);
	tb_apply(&tb, HEAD "service ldaps 636 allow allow\n");
	assert_int_equal(count_from(&tb, "ldaps"), 0);
	assert_false(port_policy(&tb, MXGW_PROTO_TCP, 636).flags & MXGW_PORT_F_FROM);
}

static void test_config_entry_carries_addresses_and_abi(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_config cfg;
	__be32 pub, mail;
	(void)state;

	tb_reset(&tb, HEAD "default allow\n");
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	inet_pton(AF_INET, TB_PUBLIC, &pub);
	inet_pton(AF_INET, TB_MAILSERVER, &mail);
	assert_int_equal(cfg.abi_version, MXGW_ABI_VERSION);
	assert_int_equal(cfg.public_addr, pub);
	assert_int_equal(cfg.mailserver_addr, mail);
	assert_int_equal(cfg.default_in, MXGW_ALLOW);
	assert_int_equal(cfg.wan_ifindex, tb_ifindex("wan0"));
}

static void test_set_verdict_of_one_direction(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_port_policy pol;
	(void)state;

	tb_reset(&tb, HEAD "service dns 53/tcp,udp allow deny\n");
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "dns", MXGW_DIR_IN, MXGW_ALLOW), 0);
	for (int p = 0; p < MXGW_PROTO_MAX; p++) {
		pol = port_policy(&tb, p, 53);
		assert_int_equal(pol.verdict[MXGW_DIR_IN], MXGW_ALLOW);
		assert_int_equal(pol.verdict[MXGW_DIR_OUT], MXGW_ALLOW);
	}
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "dns", MXGW_DIR_OUT, MXGW_DENY), 0);
	pol = port_policy(&tb, MXGW_PROTO_UDP, 53);
	assert_int_equal(pol.verdict[MXGW_DIR_IN], MXGW_ALLOW);
	assert_int_equal(pol.verdict[MXGW_DIR_OUT], MXGW_DENY);
	assert_int_equal(mxgw_maps_set_verdict(&tb.maps, "smtp", -1, MXGW_DENY), -ENOENT);
}

/* Every counter has a name, and every pin name is a map of the object. */
static void test_abi_names_match_the_object(void **state)
{
	struct tb tb = { 0 };
	(void)state;

	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		assert_string_not_equal(mxgw_counter_name(c), "unknown");
	tb_reset(&tb, HEAD);
	for (unsigned int i = 0; i < MXGW_MAP_COUNT; i++) {
		char path[64];
		int fd = *mxgw_maps_fd(&tb.maps, i);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
		snprintf(path, sizeof(path), "%s", info.name);
		assert_string_equal(path, mxgw_map_list[i].name);
		/* bpftool dumps fields; devmaps take no BTF, ring buffers
		 * have no keys or values, maps of maps hold map ids */
		if (info.type != BPF_MAP_TYPE_DEVMAP_HASH &&
		    info.type != BPF_MAP_TYPE_RINGBUF &&
		    info.type != BPF_MAP_TYPE_ARRAY_OF_MAPS)
			assert_int_not_equal(info.btf_id, 0);
	}
}

/*
 * The WAN prefixes' broadcast addresses go into the config at load time
 * (never a source, passed as a destination, issue 10): one per address
 * of the WAN device, none for a /31 or /32.
 */
static void test_config_holds_the_wan_broadcasts(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_config cfg;
	__be32 addr[3], bcast[3];
	bool found[3] = { false };
	(void)state;

	tb_reset(&tb, HEAD);
	tb_sh("ip addr add 198.18.0.9/22 dev wan0");
	tb_sh("ip addr add 198.18.8.1/31 dev wan0");
	tb_apply(&tb, HEAD);
	tb_sh("ip addr del 198.18.0.9/22 dev wan0");
	tb_sh("ip addr del 198.18.8.1/31 dev wan0");
	inet_pton(AF_INET, TB_PUBLIC, &addr[0]);
	inet_pton(AF_INET, "203.0.113.255", &bcast[0]);
	inet_pton(AF_INET, "198.18.0.9", &addr[1]);
	inet_pton(AF_INET, "198.18.3.255", &bcast[1]);
	inet_pton(AF_INET, "198.18.8.1", &addr[2]);
	bcast[2] = 0;
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	for (int i = 0; i < MXGW_WAN_ADDRS_MAX; i++)
		for (int a = 0; a < 3; a++)
			if (cfg.wan_addrs[i] == addr[a]) {
				assert_int_equal(cfg.wan_bcast[i], bcast[a]);
				found[a] = true;
			}
	assert_true(found[0] && found[1] && found[2]);
}

/*
 * MXGW_MAPS (maps/mxgw_abi.h) and the BPF object name the same maps: every
 * map of the object is in the list, and every map of the list is in the
 * object, under a name the kernel keeps whole (BPF_OBJ_NAME_LEN).  A map
 * declared in bpf/maps.bpf.h without its line in the list fails here,
 * before mxgw_replace() would refuse it at load time.
 */
static void test_map_list_is_the_objects_maps(void **state)
{
	struct mxgw_bpf *skel = mxgw_bpf__open();
	bool listed[MXGW_MAP_COUNT] = { false };
	const struct bpf_map *map;
	unsigned int n = 0;
	(void)state;

	assert_non_null(skel);
	bpf_object__for_each_map(map, skel->obj) {
		const char *name = bpf_map__name(map);
		const struct mxgw_map_info *mi = mxgw_map_by_name(name);

		if (!mi || strcmp(mi->name, name))
			fail_msg("map %s of the object is not in MXGW_MAPS", name);
		listed[mi - mxgw_map_list] = true;
		n++;
	}
	for (unsigned int i = 0; i < MXGW_MAP_COUNT; i++) {
		if (!listed[i])
			fail_msg("map %s of MXGW_MAPS is not in the object",
				 mxgw_map_list[i].name);
		assert_true(strlen(mxgw_map_list[i].name) < BPF_OBJ_NAME_LEN);
	}
	assert_int_equal(n, MXGW_MAP_COUNT);
	mxgw_bpf__destroy(skel);
}

/* ---- IPv6 -------------------------------------------------------------- */

#define HEAD6	HEAD "mailserver6 " TB_MAILSERVER6 "\n"

static struct mxgw_in6 in6(const char *s)
{
	struct mxgw_in6 a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void assert_prefix6(const struct mxgw_prefix6 *p, const char *net, unsigned int len)
{
	struct mxgw_in6 n = in6(net), m = mxgw_prefix6_mask(len);

	assert_memory_equal(&p->net, &n, sizeof(n));
	assert_memory_equal(&p->mask, &m, sizeof(m));
}

/* Is @net/@len one of the config's lan6 (in whatever order the kernel
 * lists a device's addresses)? */
static bool lan6_has(const struct mxgw_config *cfg, const char *net, unsigned int len)
{
	struct mxgw_in6 n = in6(net), m = mxgw_prefix6_mask(len);

	for (unsigned int i = 0; i < cfg->nlan6; i++)
		if (mxgw_in6_eq(&cfg->lan6[i].net, &n) && mxgw_in6_eq(&cfg->lan6[i].mask, &m))
			return true;
	return false;
}

static bool in6_listed(const struct mxgw_in6 *list, unsigned int n, const char *addr)
{
	struct mxgw_in6 a = in6(addr);

	for (unsigned int i = 0; i < n; i++)
		if (mxgw_in6_eq(&list[i], &a))
			return true;
	return false;
}

static bool link_local(const struct mxgw_in6 *a)
{
	return (ntohl(a->a[0]) & 0xffc00000) == 0xfe800000;
}

/* mailserver6 and lan6 as written, the WAN's own IPv6 addresses as found. */
static void test_config_carries_ipv6(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_config cfg;
	struct mxgw_in6 ms = in6(TB_MAILSERVER6);
	bool seen_ll = false;
	(void)state;

	tb_reset(&tb, HEAD6 "lan6 2001:db8:168::/64,2001:db8:16a::/48\n");
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.has_mailserver6, 1);
	assert_memory_equal(&cfg.mailserver6, &ms, sizeof(ms));
	assert_int_equal(cfg.nlan6, 2);
	assert_prefix6(&cfg.lan6[0], "2001:db8:168::", 64);
	assert_prefix6(&cfg.lan6[1], "2001:db8:16a::", 48);
	/* wan0's global address first, its link-local one after it */
	assert_true(cfg.nwan6 >= 2);
	assert_true(cfg.nwan6 <= MXGW_WAN6_ADDRS_MAX);
	assert_true(in6_listed(&cfg.wan6_addrs[0], 1, TB_PUBLIC6));
	for (unsigned int i = 0; i < cfg.nwan6; i++) {
		if (link_local(&cfg.wan6_addrs[i]))
			seen_ll = true;
		else
			assert_false(seen_ll);
	}
	assert_true(seen_ll);
	/* lan0's own are no WAN address */
	assert_false(in6_listed(cfg.wan6_addrs, cfg.nwan6, TB_LAN6_GW));

	/* without: nothing over IPv6 lets in, and no stale address stays */
	tb_apply(&tb, HEAD "lan6 2001:db8:168::/64\n");
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.has_mailserver6, 0);
	assert_true(mxgw_in6_eq(&cfg.mailserver6, &(struct mxgw_in6){ { 0 } }));
	assert_int_equal(cfg.nlan6, 1);
	assert_true(mxgw_in6_eq(&cfg.lan6[1].net, &(struct mxgw_in6){ { 0 } }));
}

/* More WAN addresses than the config holds: the global ones are kept. */
static void test_config_keeps_global_wan6_addresses_first(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_config cfg;
	(void)state;

	tb_reset(&tb, HEAD6);
	tb_sh("for i in 2 3 4 5; do ip -6 addr add 2001:db8:1::4$i/64 dev wan0 nodad; done");
	tb_apply(&tb, HEAD6);
	tb_sh("for i in 2 3 4 5; do ip -6 addr del 2001:db8:1::4$i/64 dev wan0; done");
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.nwan6, MXGW_WAN6_ADDRS_MAX);
	for (unsigned int i = 0; i < cfg.nwan6; i++)
		assert_false(link_local(&cfg.wan6_addrs[i]));
}

/*
 * No lan6 in the config: the global prefixes connected on the device the
 * mail server is routed through, read at every apply.
 */
static void test_lan6_discovered_from_the_mail_servers_route(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_config cfg;
	(void)state;

	/* the route to mailserver6 leaves through lan0: its /64 */
	tb_reset(&tb, HEAD6);
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.nlan6, 1);
	assert_true(lan6_has(&cfg, "2001:db8:168::", 64));

	/* a second prefix on lan0, and one on another device: lan0's two */
	tb_sh("ip -6 addr add 2001:db8:16a::1/56 dev lan0 nodad");
	tb_sh("ip link add lan1 type veth peer name lan1p && ip link set lan1 up");
	tb_sh("ip -6 addr add 2001:db8:170::1/64 dev lan1 nodad");
	tb_apply(&tb, HEAD6);
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.nlan6, 2);
	assert_true(lan6_has(&cfg, "2001:db8:168::", 64));
	assert_true(lan6_has(&cfg, "2001:db8:16a::", 56));

	/* mailserver6 on lan1: lan1's, whatever the IPv4 route says */
	tb_apply(&tb, HEAD "mailserver6 2001:db8:170::10\n");
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.nlan6, 1);
	assert_true(lan6_has(&cfg, "2001:db8:170::", 64));

	/* no mailserver6: the IPv4 mail server's device, lan0 */
	tb_apply(&tb, HEAD);
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.nlan6, 2);
	assert_true(lan6_has(&cfg, "2001:db8:168::", 64));

	/* mailserver6 routed out of the WAN (its link): never the WAN's
	 * prefixes; the IPv4 mail server's device instead */
	tb_apply(&tb, HEAD "mailserver6 2001:db8:1::99\n");
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.nlan6, 2);
	assert_true(lan6_has(&cfg, "2001:db8:168::", 64));

	/* the config's lan6 is taken as written */
	tb_apply(&tb, HEAD6 "lan6 2001:db8:200::/40\n");
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.nlan6, 1);
	assert_true(lan6_has(&cfg, "2001:db8:200::", 40));

	/* the LAN device with link-local addresses only: none */
	tb_sh("ip -6 addr del 2001:db8:16a::1/56 dev lan0");
	tb_sh("ip -6 addr del " TB_LAN6_GW "/64 dev lan0");
	tb_apply(&tb, HEAD6);
	tb_sh("ip -6 addr add " TB_LAN6_GW "/64 dev lan0 nodad");
	tb_sh("ip link del lan1");
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &cfg), 0);
	assert_int_equal(cfg.nlan6, 0);
}

static int count_from6(struct tb *tb, const char *name)
{
	struct mxgw_from6_key keys[16];

	return mxgw_maps_read_from6(&tb->maps, service_id(tb, name), keys, 16);
}

static void test_from6_prefixes_are_replaced_not_merged(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_from6_key keys[4];
	struct mxgw_in6 want = in6("2001:db8:51::");
	(void)state;

	tb_reset(&tb, HEAD6 "service ldaps 636 allow allow from "
		 "198.51.100.0/24,2001:db8:51::/48,2001:db8:52::7\n");
	assert_int_equal(count_from(&tb, "ldaps"), 1);
	assert_int_equal(count_from6(&tb, "ldaps"), 2);
	assert_int_equal(mxgw_maps_read_from6(&tb.maps, service_id(&tb, "ldaps"), keys, 4), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ntohl(keys[i].svc_id), service_id(&tb, "ldaps"));
		if (keys[i].prefixlen == MXGW_FROM_SVC_BITS + 48)
			assert_memory_equal(&keys[i].addr, &want, sizeof(want));
		else
			assert_int_equal(keys[i].prefixlen, MXGW_FROM_SVC_BITS + 128);
	}
	tb_apply(&tb, HEAD6 "service ldaps 636 allow allow from 2001:db8:52::7\n");
	assert_int_equal(count_from(&tb, "ldaps"), 0);
	assert_int_equal(count_from6(&tb, "ldaps"), 1);
	/* IPv6 alone restricts the service, IPv4 sources included */
	assert_true(port_policy(&tb, MXGW_PROTO_TCP, 636).flags & MXGW_PORT_F_FROM);
	tb_apply(&tb, HEAD6 "service ldaps 636 allow allow\n");
	assert_int_equal(count_from6(&tb, "ldaps"), 0);
	assert_false(port_policy(&tb, MXGW_PROTO_TCP, 636).flags & MXGW_PORT_F_FROM);
	/* a service that goes takes its prefixes with it */
	tb_apply(&tb, HEAD6 "service ldaps 636 allow allow from 2001:db8:52::7\n");
	tb_apply(&tb, HEAD6);
	assert_int_equal(mxgw_maps_read_from6(&tb.maps, 1, keys, 4), 0);
	assert_int_equal(bpf_map_get_next_key(tb.maps.from6, NULL, keys), -ENOENT);
}

/* An id new to its name starts at 0 in both families' rows. */
static void test_new_service_id_zeroes_both_families_counts(void **state)
{
	struct tb tb = { 0 };
	int ncpu = libbpf_num_possible_cpus();
	struct mxgw_svc_stats vals[ncpu];
	__u32 id, key;
	(void)state;

	tb_reset(&tb, HEAD "service a 1001 allow allow\n");
	id = service_id(&tb, "a");
	memset(vals, 0, sizeof(vals));
	vals[0].count[MXGW_DIR_IN][MXGW_ALLOW].packets = 7;
	for (__u32 fam = 0; fam < MXGW_FAM_MAX; fam++) {
		key = mxgw_svc_key(fam, id);
		assert_int_equal(bpf_map_update_elem(tb.maps.svc_stats, &key, vals, BPF_ANY), 0);
	}
	tb_apply(&tb, HEAD);
	tb_apply(&tb, HEAD "service b 1002 allow allow\n");
	assert_int_equal(service_id(&tb, "b"), id);
	for (__u32 fam = 0; fam < MXGW_FAM_MAX; fam++) {
		key = mxgw_svc_key(fam, id);
		assert_int_equal(bpf_map_lookup_elem(tb.maps.svc_stats, &key, vals), 0);
		for (int c = 0; c < ncpu; c++)
			assert_int_equal(vals[c].count[MXGW_DIR_IN][MXGW_ALLOW].packets, 0);
	}
}

/* More than the config holds is refused before anything is written. */
static void test_apply_refuses_too_many_ipv6_entries(void **state)
{
	static struct mxgw_conf_file conf;
	struct tb tb = { 0 };
	struct mxgw_wan wan;
	struct mxgw_config before, after;
	(void)state;

	tb_reset(&tb, HEAD6);
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &before), 0);
	assert_int_equal(mxgw_conf_parse_string("t", HEAD6 "service x 1 allow allow\n",
						&conf, NULL), 0);
	assert_int_equal(mxgw_wan_of(tb_ifindex("wan0"), &conf.policy, &wan), 0);
	conf.policy.nlan6 = MXGW_LAN6_MAX + 1;
	assert_int_equal(mxgw_maps_apply(&tb.maps, &conf.policy, &wan), -E2BIG);
	conf.policy.nlan6 = 0;
	wan.naddrs6 = MXGW_WAN6_ADDRS_MAX + 1;
	assert_int_equal(mxgw_maps_apply(&tb.maps, &conf.policy, &wan), -E2BIG);
	wan.naddrs6 = 0;
	wan.nlan6 = MXGW_LAN6_MAX + 1;
	assert_int_equal(mxgw_maps_apply(&tb.maps, &conf.policy, &wan), -E2BIG);
	wan.nlan6 = 0;
	conf.policy.services[0].nfrom6 = MXGW_POLICY_MAX_FROM_PER_SVC + 1;
	assert_int_equal(mxgw_maps_apply(&tb.maps, &conf.policy, &wan), -E2BIG);
	assert_int_equal(service_id(&tb, "x"), 0);
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_index_follows_the_table),
		cmocka_unit_test(test_reload_keeps_service_ids_and_counters),
		cmocka_unit_test(test_from_prefixes_are_replaced_not_merged),
		cmocka_unit_test(test_config_entry_carries_addresses_and_abi),
		cmocka_unit_test(test_set_verdict_of_one_direction),
		cmocka_unit_test(test_abi_names_match_the_object),
		cmocka_unit_test(test_config_holds_the_wan_broadcasts),
		cmocka_unit_test(test_map_list_is_the_objects_maps),
		cmocka_unit_test(test_config_carries_ipv6),
		cmocka_unit_test(test_config_keeps_global_wan6_addresses_first),
		cmocka_unit_test(test_lan6_discovered_from_the_mail_servers_route),
		cmocka_unit_test(test_from6_prefixes_are_replaced_not_merged),
		cmocka_unit_test(test_new_service_id_zeroes_both_families_counts),
		cmocka_unit_test(test_apply_refuses_too_many_ipv6_entries),
	};

	return cmocka_run_group_tests_name("maps", tests, tb_group_setup, tb_group_teardown);
}
