/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The maps of maps/mxgw_abi.h, declared once for both programs. */
#ifndef MXGW_MAPS_BPF_H
#define MXGW_MAPS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxgw_config);
} mxgw_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_PORTS_ENTRIES);
	__type(key, __u32);
	__type(value, struct mxgw_port_policy);
} mxgw_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct mxgw_service);
} mxgw_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MXGW_MAX_FROM);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mxgw_from_key);
	__type(value, __u8);
} mxgw_from SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct mxgw_svc_stats);
} mxgw_svc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} mxgw_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxgw_nexthop);
} mxgw_nexthop SEC(".maps");

/* Devices that take redirected XDP frames; filled by mxctl from the
 * kernel's xdp-features, so the fast path never redirects into a device
 * that would drop the frame. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, MXGW_MAX_TX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} mxgw_tx_ports SEC(".maps");

/* Sized by conntrack-max at load time (bpf_map__set_max_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mxgw_ct_key);
	__type(value, struct mxgw_ct_entry);
} mxgw_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mxgw_nat_key);
	__type(value, struct mxgw_nat_entry);
} mxgw_nat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxgw_clock);
} mxgw_clock SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MXGW_EVENTS_BYTES);
} mxgw_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxgw_log_bucket);
} mxgw_log_bucket SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxgw_log_lease);
} mxgw_log_lease SEC(".maps");

/* In clock.bpf.h: is the clock still ticking?  Re-arms it if not. */
static __noinline int clock_check(void);

/*
 * The per-CPU counts that the paths of a live gateway increment anyway
 * drive that check: the service counts (every connection let in or
 * denied, every new outgoing flow) and, through count_checking_clock(),
 * replies of tracked flows, the mail server's replies and masqueraded
 * packets.  One packet in MXGW_CLOCK_CHECK_EVERY of each pays it; the
 * others an AND and a branch on a value already in a register.
 */
static __always_inline void clock_check_every(__u64 n)
{
	if (!(n & (MXGW_CLOCK_CHECK_EVERY - 1)))
		clock_check();
}

static __always_inline void count(enum mxgw_counter what)
{
	__u32 key = what;
	__u64 *v = bpf_map_lookup_elem(&mxgw_counters, &key);

	if (v)
		*v += 1;
}

static __always_inline void count_checking_clock(enum mxgw_counter what)
{
	__u32 key = what;
	__u64 *v = bpf_map_lookup_elem(&mxgw_counters, &key);

	if (v)
		clock_check_every(++*v);
}

static __always_inline void count_svc(__u32 svc_id, int dir, int verdict,
				      __u32 bytes)
{
	struct mxgw_svc_stats *st = bpf_map_lookup_elem(&mxgw_svc_stats, &svc_id);
	struct mxgw_pkt_count *c;

	if (!st)
		return;
	c = &st->count[dir][verdict & 1];
	c->packets += 1;
	c->bytes += bytes;
	clock_check_every(c->packets);
}

#endif /* MXGW_MAPS_BPF_H */
