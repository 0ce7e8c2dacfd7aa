/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The maps of maps/mxgw_abi.h, declared once for both programs. */
#ifndef MXGW_MAPS_BPF_H
#define MXGW_MAPS_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"

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
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MXGW_MAX_FROM);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mxgw_from6_key);
	__type(value, __u8);
} mxgw_from6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_SVC_STATS_ENTRIES);
	__type(key, __u32);
	__type(value, struct mxgw_svc_stats);
} mxgw_svc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_COUNTERS_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} mxgw_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_FAM_MAX);
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
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mxgw_ct6_key);
	__type(value, struct mxgw_ct_entry);
} mxgw_ct6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxgw_clock);
} mxgw_clock SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxgw_ct_gen);
} mxgw_ct_gen SEC(".maps");

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

/*
 * Blocklists (maps/mxgw_abi.h, "Blocklists").  The inner maps' shapes:
 * every map user space puts in a slot has exactly these (the kernel
 * compares), so the verifier inlines the array's lookup.  Sizes, not
 * types: clang 14 emits a type reached only through an inner map's
 * definition as a forward declaration, whose size libbpf cannot tell.
 */
struct mxgw_bl4_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_BL4_BLOCKS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct mxgw_bl4_block));
};

struct mxgw_bl4_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MXGW_BL4_LONG_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct mxgw_bl4_key));
	__uint(value_size, sizeof(__u16));
};

struct mxgw_bl4_hash24 {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MXGW_BL4_HASH_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(__be32));
	__uint(value_size, sizeof(struct mxgw_bl4_long24));
};

struct mxgw_bl6_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MXGW_BL6_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct mxgw_bl6_key));
	__uint(value_size, sizeof(__u16));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct mxgw_bl4_table);
} mxgw_bl4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct mxgw_bl4_trie);
} mxgw_bl4_long SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct mxgw_bl4_hash24);
} mxgw_bl4_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct mxgw_bl6_trie);
} mxgw_bl6 SEC(".maps");

struct mxgw_bl6_hash32 {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MXGW_BL6_HASH_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(__be32));
	__uint(value_size, sizeof(struct mxgw_bl6_long32));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct mxgw_bl6_trie);
} mxgw_bl6_long SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct mxgw_bl6_hash32);
} mxgw_bl6_hash SEC(".maps");

struct mxgw_bl6_table {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_BL6_SETS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct mxgw_bl6_set));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct mxgw_bl6_table);
} mxgw_bl6_tag SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_BL_MAX);
	__type(key, __u32);
	__type(value, struct mxgw_blocklist);
} mxgw_blocklists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u16);
} mxgw_bl_svc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_FAM_MAX * MXGW_BL_MAX);
	__type(key, __u32);
	__type(value, __u64);
} mxgw_bl_drops SEC(".maps");

/* Read by user space only: which build runs (struct mxgw_build). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxgw_build);
} mxgw_build SEC(".maps");

static __always_inline void count(enum mxgw_counter what)
{
	__u32 key = what;
	__u64 *v = bpf_map_lookup_elem(&mxgw_counters, &key);

	if (v)
		*v += 1;
}

/* The same under IPv6's key (mxgw_counter_key). */
static __always_inline void count6(enum mxgw_counter what)
{
	__u32 key = mxgw_counter_key(MXGW_FAM_IPV6, what);
	__u64 *v = bpf_map_lookup_elem(&mxgw_counters, &key);

	if (v)
		*v += 1;
}

/*
 * The table's entry for @port (host order) of @proto (IPPROTO_TCP or
 * IPPROTO_UDP; the caller has set ICMP aside).  Every port has one,
 * svc_id 0 when the table does not list it: the NULL that the verifier
 * makes callers check for cannot happen.
 */
static __always_inline struct mxgw_port_policy *port_policy(__u8 proto,
							    __u16 port)
{
	__u32 idx = mxgw_port_index(proto == IPPROTO_UDP ? MXGW_PROTO_UDP :
							     MXGW_PROTO_TCP, port);

	return bpf_map_lookup_elem(&mxgw_ports, &idx);
}

/* Is @saddr one of the prefixes "from" lets in to service @svc_id? */
static __always_inline bool from_allowed(__u32 svc_id, __be32 saddr)
{
	struct mxgw_from_key key = {
		.prefixlen = MXGW_FROM_SVC_BITS + 32,
		.svc_id = bpf_htonl(svc_id),
		.addr = saddr,
	};

	return bpf_map_lookup_elem(&mxgw_from, &key) != NULL;
}

/* Is the IPv6 @saddr one of the prefixes "from" lets in to @svc_id? */
static __always_inline bool from6_allowed(__u32 svc_id, const void *saddr)
{
	struct mxgw_from6_key key = {
		.prefixlen = MXGW_FROM_SVC_BITS + 128,
		.svc_id = bpf_htonl(svc_id),
	};

	__builtin_memcpy(&key.addr, saddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&mxgw_from6, &key) != NULL;
}

#endif /* MXGW_MAPS_BPF_H */
