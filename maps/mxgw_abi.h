/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxgw map ABI: every struct, map name, verdict and counter that the BPF
 * programs and user space share.  This is the only place they are defined.
 *
 * BPF includes it after vmlinux.h; user space after <linux/types.h>.
 * All structs use fixed-width types, explicit padding and a size assert,
 * so the layout is the same on both sides and bpftool prints the fields
 * from BTF.
 */
#ifndef MXGW_ABI_H
#define MXGW_ABI_H

/* Bumped whenever a struct or map below changes shape. A running gateway
 * loaded by an mxctl with another ABI version is refused, never patched. */
#define MXGW_ABI_VERSION	1

#define MXGW_PIN_ROOT		"/sys/fs/bpf/mxgw"

/* Map names: the names in the BPF object and the pin file names. The
 * loader pins each map under bpf_map__name(), and mxctl opens pins by
 * these names, so a mismatch fails at the first open. */
#define MXGW_MAP_CONFIG	"mxgw_config"
#define MXGW_MAP_PORTS	"mxgw_ports"
#define MXGW_MAP_SERVICES	"mxgw_services"
#define MXGW_MAP_FROM	"mxgw_from"
#define MXGW_MAP_SVC_STATS	"mxgw_svc_stats"
#define MXGW_MAP_COUNTERS	"mxgw_counters"
#define MXGW_MAP_NEXTHOP	"mxgw_nexthop"
#define MXGW_MAP_TX_PORTS	"mxgw_tx_ports"

/* Program names (pin file names too); bpftool shows them truncated to 15. */
#define MXGW_PROG_XDP		"mxgw_wan_in"
#define MXGW_PROG_TC		"mxgw_wan_out"

#define MXGW_MAX_SERVICES	256	/* service ids 1..255; 0 is "unlisted" */
#define MXGW_MAX_FROM		16384	/* from-prefixes, all services together */
#define MXGW_MAX_TX_PORTS	64	/* devices the XDP fast path may redirect to */
#define MXGW_SVC_NAME_LEN	16

/* Service id 0 collects everything the table does not list. */
#define MXGW_SVC_UNLISTED	0

enum mxgw_verdict {
	MXGW_DENY	= 0,
	MXGW_ALLOW	= 1,
};

enum mxgw_dir {
	MXGW_DIR_IN	= 0,	/* Internet -> public address */
	MXGW_DIR_OUT	= 1,	/* LAN -> Internet */
	MXGW_DIR_MAX,
};

/* Protocol index into the port map; also bits of mxgw_service.protos. */
enum mxgw_proto {
	MXGW_PROTO_TCP	= 0,
	MXGW_PROTO_UDP	= 1,
	MXGW_PROTO_MAX,
};

#define MXGW_PROTO_BIT(p)	(1U << (p))

/*
 * mxgw_config: one entry, the addresses and defaults of the running table.
 * Addresses are in network byte order, as the packet carries them.
 */
struct mxgw_config {
	__u32 abi_version;
	__u32 wan_ifindex;	/* the device the programs are attached to */
	__be32 public_addr;
	__be32 mailserver_addr;
	__u8 default_in;	/* enum mxgw_verdict */
	__u8 default_out;	/* enum mxgw_verdict */
	__u8 pad[6];
};
_Static_assert(sizeof(struct mxgw_config) == 24, "mxgw_config layout");

/*
 * mxgw_ports: the data plane's index of the table, an array indexed by
 * mxgw_port_index(proto, port) so the per-packet lookup is an inlined
 * array access instead of a hash.  It is derived from mxgw_services by
 * mxctl at load time and on every change; svc_id 0 means "not listed".
 */
struct mxgw_port_policy {
	__u8 svc_id;		/* 0: unlisted, default verdict applies */
	__u8 verdict[MXGW_DIR_MAX];	/* enum mxgw_verdict, by enum mxgw_dir */
	__u8 flags;		/* MXGW_PORT_F_* */
};
_Static_assert(sizeof(struct mxgw_port_policy) == 4, "mxgw_port_policy layout");

#define MXGW_PORT_F_FROM	0x01	/* incoming restricted to mxgw_from prefixes */

#define MXGW_PORTS_ENTRIES	(MXGW_PROTO_MAX * 65536)

static inline __u32 mxgw_port_index(__u32 proto, __u32 port_host)
{
	return (proto << 16) | (port_host & 0xffff);
}

/*
 * mxgw_services: the table as the config names it, indexed by service id.
 * The BPF programs never read it; it is how every mxctl invocation (and an
 * operator with bpftool) sees the running table.
 */
struct mxgw_service {
	char name[MXGW_SVC_NAME_LEN];
	__u16 port;		/* host byte order */
	__u8 protos;		/* MXGW_PROTO_BIT() mask */
	__u8 verdict[MXGW_DIR_MAX];	/* enum mxgw_verdict */
	__u8 flags;		/* MXGW_PORT_F_* */
	__u8 in_use;
	__u8 pad;
};
_Static_assert(sizeof(struct mxgw_service) == 24, "mxgw_service layout");

/*
 * mxgw_from: LPM trie of the sources allowed on "from"-restricted services.
 * The key is (service id, source prefix); prefixlen counts the 32 bits of
 * svc_id plus the prefix length, so one trie serves every service.
 */
struct mxgw_from_key {
	__u32 prefixlen;
	__u32 svc_id;		/* network byte order: LPM matches bytes */
	__be32 addr;
};
_Static_assert(sizeof(struct mxgw_from_key) == 12, "mxgw_from_key layout");

#define MXGW_FROM_SVC_BITS	32U

/* mxgw_svc_stats: per-CPU, indexed by service id. */
struct mxgw_pkt_count {
	__u64 packets;
	__u64 bytes;
};

struct mxgw_svc_stats {
	/* [direction][verdict] */
	struct mxgw_pkt_count count[MXGW_DIR_MAX][2];
};
_Static_assert(sizeof(struct mxgw_svc_stats) == 64, "mxgw_svc_stats layout");

/*
 * mxgw_counters: per-CPU u64 array indexed by enum mxgw_counter.  Drop
 * reasons and forwarding paths are named here once; mxctl prints the same
 * words (mxgw_counter_names in maps/).
 */
enum mxgw_counter {
	/* drops */
	MXGW_DROP_SERVICE_DENY = 0,	/* listed service, incoming deny */
	MXGW_DROP_DEFAULT_DENY,		/* unlisted port, default deny */
	MXGW_DROP_NOT_FROM,		/* source outside the service's "from" */
	MXGW_DROP_FRAGMENT,		/* IP fragment to the public address */
	MXGW_DROP_MALFORMED,		/* bad IHL, total length, truncated L4 */
	/* forwarding of DNATed packets */
	/* (redirected = incoming allowed - kernel path: derived, not counted) */
	MXGW_FWD_KERNEL_NO_NEIGH,	/* kernel path: next hop unresolved */
	MXGW_FWD_KERNEL_NO_XMIT,	/* kernel path: LAN device takes no XDP frames */
	MXGW_FWD_KERNEL_TTL,		/* kernel path: TTL <= 1 (kernel sends ICMP) */
	MXGW_FWD_KERNEL_IP_OPTIONS,	/* kernel path: IP options */
	MXGW_FWD_KERNEL_VLAN,		/* kernel path: VLAN-tagged on the WAN */
	MXGW_FWD_KERNEL_MTU,		/* kernel path: larger than the LAN MTU */
	MXGW_FWD_KERNEL_NO_ROUTE,	/* kernel path: fib lookup failed otherwise */
	MXGW_FIB_REFRESH,		/* next-hop cache refreshes (bpf_fib_lookup calls) */
	/* passed untouched */
	MXGW_PASS_NOT_FOR_US,		/* IPv4 not addressed to the public address */
	MXGW_PASS_NON_IPV4,		/* ARP, IPv6 (not filtered yet), ... */
	MXGW_PASS_OTHER_PROTO,		/* ICMP and other non-TCP/UDP to the public address */
	/* TC egress */
	MXGW_SNAT_REPLY,		/* mail server's service reply, source -> public */
	MXGW_COUNTER_MAX,
};

/*
 * mxgw_nexthop: per-CPU cache of the mail server's next hop, filled by
 * bpf_fib_lookup from the XDP program at most every MXGW_NEXTHOP_TTL_NS,
 * so a changed MAC or route is followed within that time while the fast
 * path does not pay a fib lookup per packet.
 */
struct mxgw_nexthop {
	__u64 refreshed_ns;	/* bpf_ktime_get_coarse_ns() of the lookup */
	__u32 ifindex;		/* egress device to the mail server */
	__u16 mtu;		/* of the route: larger packets take the kernel */
	__u8 fib_ret;		/* BPF_FIB_LKUP_RET_* of the last lookup */
	__u8 can_redirect;	/* ifindex is in mxgw_tx_ports */
	__u8 smac[6];
	__u8 dmac[6];
	__be32 daddr;		/* the address looked up: a new mailserver refreshes */
};
_Static_assert(sizeof(struct mxgw_nexthop) == 32, "mxgw_nexthop layout");

#define MXGW_NEXTHOP_TTL_NS	(250ULL * 1000 * 1000)

#endif /* MXGW_ABI_H */
