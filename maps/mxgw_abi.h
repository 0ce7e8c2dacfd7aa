/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxgw map ABI: every struct, map name, verdict and counter that the BPF
 * programs and user space share.  This is the only place they are defined.
 *
 * BPF and user space include it alike: it brings the UAPI headers it needs.
 * All structs use fixed-width types, explicit padding and a size assert,
 * so the layout is the same on both sides and bpftool prints the fields
 * from BTF.
 */
#ifndef MXGW_ABI_H
#define MXGW_ABI_H

#include <linux/types.h>
#include <linux/bpf.h>		/* struct bpf_timer */

/* Bumped whenever a struct or map below changes shape. A running gateway
 * loaded by an mxctl with another ABI version is refused, never patched. */
#define MXGW_ABI_VERSION	5
/* tests/e2e/test_upgrade.sh only (make MXGW_ABI_OVERRIDE=N): a build that
 * says it speaks another ABI, to prove an upgrade across versions.  "# "
 * indented: the line above stays the one "#define MXGW_ABI_VERSION" that
 * scripts read the version from */
#ifdef MXGW_ABI_OVERRIDE
# undef MXGW_ABI_VERSION
# define MXGW_ABI_VERSION	MXGW_ABI_OVERRIDE
#endif

#define MXGW_PIN_ROOT		"/sys/fs/bpf/mxgw"

/*
 * The maps, one line each, after the kernel's include/net/dropreason-core.h:
 * FN(field, replace, flags) is map mxgw_<field> of the BPF object (declared
 * in bpf/maps.bpf.h), pinned under that name, and user space derives from
 * this list struct mxgw_maps's fds, the pin names, the maps of a loaded
 * skeleton and what mxgw_replace() does with each (maps/maps.h).  A new
 * map is its BPF declaration and one line here; tests/bpf/test_maps.c fails
 * when the object and the list disagree.
 *   replace  REUSE: the running map when its shape is unchanged, else a
 *            fresh one (its content is the policy, applied again, or
 *            counters, restarted); COPY: the running map when its shape is
 *            unchanged, else a fresh one filled with its entries, before
 *            the swap and after it; FRESH: always a fresh one
 *   flags    NONE; PINS_ONLY: carried over from the pins only, never from
 *            programs that lost theirs (mxgw_running_from_device)
 * mxctl opens the pins by these names: a mismatch fails at the first open.
 */
#define MXGW_MAPS(FN)							\
	FN(config,	REUSE,	NONE)					\
	FN(ports,	REUSE,	NONE)					\
	FN(services,	REUSE,	NONE)					\
	FN(from,	REUSE,	NONE)					\
	FN(from6,	REUSE,	NONE)					\
	/* counters continue; its rows are keyed by service ids that	\
	 * only mxgw_services names, which the programs do not use:	\
	 * taken from a device without it, they would count under	\
	 * other services' names */					\
	FN(svc_stats,	REUSE,	PINS_ONLY)				\
	FN(counters,	REUSE,	NONE)					\
	FN(nexthop,	REUSE,	NONE)					\
	FN(tx_ports,	REUSE,	NONE)					\
	/* conntrack-max: flows survive a resize */			\
	FN(ct,		COPY,	NONE)					\
	FN(nat,		COPY,	NONE)					\
	FN(ct6,		COPY,	NONE)					\
	/* its bpf_timer's callback holds the old program (and so the	\
	 * old maps) alive; a fresh clock starts ticking with the first	\
	 * packet, the old one's timer is freed with its last user	\
	 * reference */							\
	FN(clock,	FRESH,	NONE)					\
	/* a running mxctl log reads on */				\
	FN(events,	REUSE,	NONE)					\
	FN(log_bucket,	REUSE,	NONE)					\
	/* the running mxctl log's lease */				\
	FN(log_lease,	REUSE,	NONE)					\
	/* bans (mxctl ban) are no policy: kept, and copied into a map	\
	 * of a new shape */						\
	FN(ban4,	COPY,	NONE)					\
	FN(ban6,	COPY,	NONE)					\
	FN(banpfx4,	COPY,	NONE)					\
	FN(banpfx6,	COPY,	NONE)					\
	/* the allowlist is the policy's, applied again */		\
	FN(allow4,	REUSE,	NONE)					\
	FN(allow6,	REUSE,	NONE)					\
	/* blocklists (ABI 5): what mxctl blocklist and every load	\
	 * fill; kept across load, reload and set-service, refilled	\
	 * from the config's files by load and reload */		\
	FN(bl4,		REUSE,	NONE)					\
	FN(bl4_long,	REUSE,	NONE)					\
	FN(bl4_hash,	REUSE,	NONE)					\
	FN(bl6,		REUSE,	NONE)					\
	FN(blocklists,	REUSE,	NONE)					\
	FN(bl_svc,	REUSE,	NONE)					\
	FN(bl_drops,	REUSE,	NONE)					\
	/* rate limits (ABI 5): the policy's, applied again; the	\
	 * buckets kept across load, reload and set-service */		\
	FN(limits,	REUSE,	NONE)					\
	FN(rl,		REUSE,	NONE)					\
	FN(rl_new,	REUSE,	NONE)					\
	/* SYN floods (ABI 5): the thresholds are the policy's, applied	\
	 * again; a flood's state, the rate counts and the verified	\
	 * sources are kept across load, reload and set-service */	\
	FN(synflood,	REUSE,	NONE)					\
	FN(syn_state,	REUSE,	NONE)					\
	FN(syn_rate,	REUSE,	NONE)					\
	FN(syn_ok,	REUSE,	NONE)					\
	/* the bans' tags (ABI 5): kept, and made again from the ban	\
	 * maps by every load (mxgw_bans_hint_sync) */			\
	FN(ban_hint,	REUSE,	NONE)					\
	/* the IPv6 blocklist's hash of the /32s the array has no way	\
	 * for and the trie of all its prefixes (ABI 5): set by every	\
	 * swap */							\
	FN(bl6_long,	REUSE,	NONE)					\
	FN(bl6_hash,	REUSE,	NONE)					\
	/* the IPv6 blocklist's array of /32s (ABI 5): its one slot set	\
	 * by every swap, the switch to the new lists */		\
	FN(bl6_tag,	REUSE,	NONE)					\
	/* the LAN fast path's cache of WAN next hops (issue 14): a	\
	 * cache, a fresh one refills itself */				\
	FN(wan_hops,	REUSE,	NONE)					\
	/* the LAN fast path's cache of established flows and the	\
	 * generation that validates it: a fresh pair, never one the	\
	 * old programs (which do not bump it) wrote under */		\
	FN(est_cache,	FRESH,	NONE)					\
	FN(est6_cache,	FRESH,	NONE)					\
	FN(ct_gen,	FRESH,	NONE)					\
	/* the build that runs (struct mxgw_build): always the new	\
	 * one's, written before its programs are attached */		\
	FN(build,	FRESH,	NONE)

/* The BPF name and pin file name of map mxgw_<field>, e.g. "mxgw_clock". */
#define MXGW_MAP_NAME(field)	"mxgw_" #field

/*
 * Fibonacci hashing (Knuth): the top @bits of @h times 2^32/phi, which
 * every bit of @h moves, index a table of 2^@bits slots.  The shift comes
 * from the table's size, never written apart from it: a shift one too
 * big leaves half the table unused.
 */
static inline __u32 mxgw_fib_hash(__u32 h, unsigned int bits)
{
	return (h * 0x9e3779b1U) >> (32 - bits);
}

/* Program names (pin file names too); bpftool shows them truncated to 15. */
#define MXGW_PROG_XDP		"mxgw_wan_in"
#define MXGW_PROG_TC		"mxgw_wan_out"
#define MXGW_PROG_LAN		"mxgw_lan_in"	/* XDP, LAN ingress (issue 14) */

#define MXGW_MAX_SERVICES	256	/* service ids 1..255; 0 is "unlisted" */
#define MXGW_MAX_FROM		16384	/* from-prefixes, all services together */
#define MXGW_MAX_TX_PORTS	64	/* devices the XDP fast path may redirect to */
/* mxgw_wan_hops: WAN next hops cached per CPU by destination, IPv4 in
 * the first half, IPv6 in the second */
#define MXGW_WAN_HOP_BITS	8
#define MXGW_WAN_HOPS		(1U << MXGW_WAN_HOP_BITS)
#define MXGW_SVC_NAME_LEN	16

/* Service id 0 collects everything the table does not list. */
#define MXGW_SVC_UNLISTED	0

enum mxgw_verdict {
	MXGW_DENY	= 0,
	MXGW_ALLOW	= 1,
};

enum mxgw_dir {
	MXGW_DIR_IN	= 0,	/* Internet -> public address (IPv6: mailserver6) */
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
 * Address families: the second index of the per-family maps.  The table is
 * one for both; what it counted is kept apart per family (mxgw_counters
 * and mxgw_svc_stats are indexed by mxgw_counter_key() / mxgw_svc_key()),
 * so an operator sees how much of the mail came over IPv6.  IPv4 is 0: its
 * keys are the bare counter and service ids.
 */
enum mxgw_family {
	MXGW_FAM_IPV4	= 0,
	MXGW_FAM_IPV6	= 1,
	MXGW_FAM_MAX,
};

/* An IPv6 address as the packet carries it: four words, so BPF compares
 * one in four loads and user space reads it as a struct in6_addr. */
struct mxgw_in6 {
	__be32 a[4];
};
_Static_assert(sizeof(struct mxgw_in6) == 16, "mxgw_in6 layout");

/* An IPv6 prefix as the data plane tests it: (addr & mask) == net. */
struct mxgw_prefix6 {
	struct mxgw_in6 net;
	struct mxgw_in6 mask;
};
_Static_assert(sizeof(struct mxgw_prefix6) == 32, "mxgw_prefix6 layout");

/*
 * Connection tracking states, one line each: a TCP state, or UDP / ICMP,
 * each with its own timeout (the state indexes mxgw_config.timeout_ns).
 * FN(NAME, word, seconds, sysctl): MXGW_CT_NAME; the "timeout" name of
 * mxgw.conf; the default timeout; the netfilter sysctl it mirrors, whose
 * default it is (nf_conntrack_*_timeout; mxctl export nft sets it).
 */
#define MXGW_CT_STATES(FN)						\
	FN(TCP_SYN_SENT, "tcp-syn-sent", 120,				\
	   "nf_conntrack_tcp_timeout_syn_sent")				\
	FN(TCP_SYN_RECV, "tcp-syn-recv", 60,				\
	   "nf_conntrack_tcp_timeout_syn_recv")				\
	/* 5 days */							\
	FN(TCP_ESTABLISHED, "tcp-established", 432000,			\
	   "nf_conntrack_tcp_timeout_established")			\
	/* the LAN side sent FIN */					\
	FN(TCP_FIN_WAIT, "tcp-fin-wait", 120,				\
	   "nf_conntrack_tcp_timeout_fin_wait")				\
	/* the remote side sent FIN */					\
	FN(TCP_CLOSE_WAIT, "tcp-close-wait", 60,			\
	   "nf_conntrack_tcp_timeout_close_wait")			\
	/* both sent FIN, last ACK missing */				\
	FN(TCP_LAST_ACK, "tcp-last-ack", 30,				\
	   "nf_conntrack_tcp_timeout_last_ack")				\
	/* both FINs acknowledged */					\
	FN(TCP_TIME_WAIT, "tcp-time-wait", 120,				\
	   "nf_conntrack_tcp_timeout_time_wait")			\
	/* RST */							\
	FN(TCP_CLOSE, "tcp-close", 10,					\
	   "nf_conntrack_tcp_timeout_close")				\
	/* no reply yet */						\
	FN(UDP, "udp", 30,						\
	   "nf_conntrack_udp_timeout")					\
	/* replied */							\
	FN(UDP_STREAM, "udp-stream", 120,				\
	   "nf_conntrack_udp_timeout_stream")				\
	/* echo */							\
	FN(ICMP, "icmp", 30,						\
	   "nf_conntrack_icmp_timeout")

enum mxgw_ct_state {
#define MXGW_CT_STATE_ENUM(NAME, word, seconds, sysctl)	MXGW_CT_##NAME,
	MXGW_CT_STATES(MXGW_CT_STATE_ENUM)
#undef MXGW_CT_STATE_ENUM
	MXGW_CT_STATE_MAX,
};

#define MXGW_WAN_ADDRS_MAX	4
#define MXGW_WAN6_ADDRS_MAX	4	/* the WAN device's IPv6 addresses, link-local included */
#define MXGW_LAN6_MAX		4	/* the LAN's IPv6 prefixes (lan6) */

/*
 * mxgw_config: one entry, the addresses and settings of the running table.
 * Addresses are in network byte order, as the packet carries them.
 */
struct mxgw_config {
	__u32 abi_version;
	__u32 wan_ifindex;	/* the device the programs are attached to */
	__be32 public_addr;
	__be32 mailserver_addr;
	__u8 default_in;	/* enum mxgw_verdict */
	__u8 default_out;	/* enum mxgw_verdict */
	__u8 icmp_echo;		/* enum mxgw_verdict: echo requests to the public address */
	__u8 pad;
	__u16 nat_port_min;	/* host byte order, inclusive */
	__u16 nat_port_max;
	__u32 log_per_cpu;	/* events a second each CPU may log; 0: none */
	/* the LAN's prefix: such a source arriving on the WAN is spoofed */
	__be32 lan_net;
	__be32 lan_mask;
	__u32 pad2;
	/* the WAN device's own addresses besides public: never translated */
	__be32 wan_addrs[MXGW_WAN_ADDRS_MAX];
	/* the directed broadcast address of each of its prefixes (0: none,
	 * a /31 or /32): never a source, passed as a destination */
	__be32 wan_bcast[MXGW_WAN_ADDRS_MAX];
	__u64 timeout_ns[MXGW_CT_STATE_MAX];	/* by enum mxgw_ct_state */
	/*
	 * IPv6, after everything IPv4 reads, so its hot fields keep their
	 * cache line.  Routed, no translation: mailserver6 is the mail
	 * server's own global address (the table's incoming column applies
	 * to it), the LAN's prefixes are reachable from the WAN only as
	 * replies of tracked flows, and none of them, nor the WAN device's
	 * own addresses, is ever a source arriving on the WAN.
	 */
	__u8 has_mailserver6;	/* 0: no mailserver6, nothing is let in over IPv6 */
	__u8 nlan6;		/* lan6[0..nlan6) are in use */
	__u8 nwan6;		/* wan6_addrs[0..nwan6) are in use */
	__u8 pad3[5];
	struct mxgw_in6 mailserver6;
	struct mxgw_prefix6 lan6[MXGW_LAN6_MAX];
	struct mxgw_in6 wan6_addrs[MXGW_WAN6_ADDRS_MAX];
	/* MXGW_CFG_F_*: what is configured at all, so that a gateway with
	 * none of it pays one test of a word it has loaded anyway (ABI 5) */
	__u32 flags;
	__u32 pad4;
	/* SipHash-2-4 key of the SYN-flood cookies (bpf/synflood.bpf.h):
	 * random, drawn by mxgw_maps_apply when the running config has none,
	 * kept by every later apply (load, reload, set-service) so cookies
	 * sent before a reload still verify (ABI 5) */
	__u64 syn_key[2];
};
_Static_assert(sizeof(struct mxgw_config) == 72 + 8 * MXGW_CT_STATE_MAX + 8 + 16 +
	       32 * MXGW_LAN6_MAX + 16 * MXGW_WAN6_ADDRS_MAX + 8 + 16, "mxgw_config layout");

/* mxgw_config.flags: a family has bans (in either of its ban maps), its
 * prefix trie has some, its allowlist has a prefix.  Set by mxctl ban and
 * mxgw_maps_apply, cleared when the maps are emptied. */
#define MXGW_CFG_F_BAN4		0x01
#define MXGW_CFG_F_BAN6		0x02
#define MXGW_CFG_F_ALLOW4	0x04
#define MXGW_CFG_F_ALLOW6	0x08
#define MXGW_CFG_F_BANPFX4	0x10
#define MXGW_CFG_F_BANPFX6	0x20
#define MXGW_CFG_F_BLOCKLIST	0x40	/* the config has blocklists: look sources up */
#define MXGW_CFG_F_LIMIT	0x80	/* a service has a rate limit (MXGW_PORT_F_LIMIT) */
#define MXGW_CFG_F_SYNFLOOD	0x100	/* a service has syn-flood (MXGW_PORT_F_SYNFLOOD) */

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
/* "to gateway": incoming goes to the gateway's own stack on the public
 * address (XDP_PASS, never rewritten), and the gateway's packets from the
 * port leave untranslated and untracked (ABI 3) */
#define MXGW_PORT_F_GATEWAY	0x02
/* a rate limit on new connections per source (mxgw_limits[svc_id], ABI 5) */
#define MXGW_PORT_F_LIMIT	0x04
/* SYN-flood defence: SYNs counted, challenged in a flood (mxgw_synflood[svc_id], ABI 5) */
#define MXGW_PORT_F_SYNFLOOD	0x08

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

/* mxgw_from6: the same for IPv6 sources (prefixlen: 32 + 0..128). */
struct mxgw_from6_key {
	__u32 prefixlen;
	__u32 svc_id;		/* network byte order */
	struct mxgw_in6 addr;
};
_Static_assert(sizeof(struct mxgw_from6_key) == 24, "mxgw_from6_key layout");

/*
 * Bans (mxctl ban), in two maps per family.  The bans fail2ban sets, one
 * host each, are exact keys of a hash (mxgw_ban4: an IPv4 /32, its
 * address; mxgw_ban6: an IPv6 /64, its first 64 bits: an address banned
 * without a length), one lookup whatever their number; every other
 * prefix is in an LPM trie (mxgw_banpfx4, mxgw_banpfx6), looked up only
 * when the config's flags say it holds any.  make bench measured an LPM
 * hit among 10^5 /32s at about 4x the plain deny path (its walk is a
 * pointer chase per bit of depth), a hash hit at about that of the deny
 * path.  A ban past expires_ns no longer drops (mxctl removes it when it
 * next lists or bans).  mxgw_allow4, mxgw_allow6: the allowlist's
 * prefixes (value: 1), which a ban never drops (allowlisted4/6 in
 * bpf/ban.bpf.h).  Host bits of an LPM key beyond prefixlen are zero.
 */
struct mxgw_ban6_key {
	__be32 net[2];		/* the /64: the address's first 64 bits */
};
_Static_assert(sizeof(struct mxgw_ban6_key) == 8, "mxgw_ban6_key layout");

struct mxgw_lpm4_key {
	__u32 prefixlen;	/* 0..32 */
	__be32 addr;
};
_Static_assert(sizeof(struct mxgw_lpm4_key) == 8, "mxgw_lpm4_key layout");

struct mxgw_lpm6_key {
	__u32 prefixlen;	/* 0..128 */
	struct mxgw_in6 addr;
};
_Static_assert(sizeof(struct mxgw_lpm6_key) == 20, "mxgw_lpm6_key layout");

#define MXGW_BAN_REASON_LEN	48

struct mxgw_ban {
	__u64 expires_ns;	/* on the data plane's clock (clock_now()); 0: never */
	__u64 set_ns;		/* when it was set, on the same clock */
	char reason[MXGW_BAN_REASON_LEN];	/* NUL-padded; "" none */
};
_Static_assert(sizeof(struct mxgw_ban) == 64, "mxgw_ban layout");

/* Each ban map's entries at most, and the allowlist's of each family.
 * Entries are allocated as they come (BPF_F_NO_PREALLOC), but a hash's
 * buckets are not: 2^18 of them are 4 MiB of kernel memory per hash. */
#define MXGW_MAX_BANS		(1U << 18)
#define MXGW_MAX_ALLOW		1024
/* An IPv6 address banned without a length: its /64 (one host's, or one
 * subscriber's: providers hand out a /64 or more per customer). */
#define MXGW_BAN6_DEFAULT_LEN	64

/*
 * mxgw_ban_hint: the host bans' tags, a cache of mxgw_ban4/6 the data
 * plane trusts, so that most packets, banned or not, pay no hash lookup
 * (helper call and jhash: a banned source's drop cost ~1.4x the plain
 * deny path with it; the tag is an array element, inlined by the
 * verifier).  2^20 slots per family, direct-mapped by a multiplicative
 * hash of the /32 (the /64); 10^5 bans of a family leave ~9% of them
 * sharing a slot (those are looked up).  24 MiB: IPv4's 8-byte slots in
 * words [0, 2^20), IPv6's 16-byte slots after them, 64-byte blocks.
 *
 * A slot holds (MXGW_BAN_TAG_*): 0, empty, no host's ban maps there;
 * a tag, the one ban there, its address and its expiry rounded up to
 * units of 2^30 ns of the data plane's clock (NEVER: none); or ASK,
 * look in the hash (two bans share the slot, or the data plane's
 * rate-limit ban set it).  IPv4: one word, tag = expiry << 32 | address
 * (as it lies in the packet), read and written whole.  IPv6: {net,
 * check}, check = expiry << 32 | mxgw_ban_tag_hash6(net); the two words
 * may be read torn (no lock, no barrier, any architecture): the data
 * plane takes the check word as the truth and trusts the net word only
 * where it is the source's and the check is its hash, else it looks up.
 * No tag has expiry 0: empty and ASK are no tag.
 *
 * The rule every writer keeps: while a host's ban is in its hash, its
 * slot's (check) word is its tag or ASK.  A ban writes its slot before
 * the hash (mxctl ban: compare-and-exchange, a shared slot to ASK; the
 * data plane stores only ASK, before and again after its update, so a
 * concurrent sync cannot lose it); an unban empties the slot after the
 * hash delete (an ASK stays: another ban may share it); the sync
 * (mxgw_bans_hint_sync: when mxctl prunes, every load) makes every slot
 * again what the hashes say.  The expiry's last unit is looked up: the
 * ban ends to the nanosecond as in the hash.
 */
#define MXGW_BAN_TAG_BITS	20
#define MXGW_BAN_TAG_SLOTS	(1U << MXGW_BAN_TAG_BITS)
#define MXGW_BAN_TAG_WORDS	(3 * MXGW_BAN_TAG_SLOTS)	/* IPv4's 1, IPv6's 2 a slot */
#define MXGW_BAN_TAG_PER_BLOCK	8
#define MXGW_BAN_TAG_BLOCKS	(MXGW_BAN_TAG_WORDS / MXGW_BAN_TAG_PER_BLOCK)
#define MXGW_BAN_TAG_EMPTY	0ULL
#define MXGW_BAN_TAG_ASK	1ULL
#define MXGW_BAN_TAG_SHIFT	30		/* the expiry's unit: 2^30 ns */
#define MXGW_BAN_TAG_NEVER	0xffffffffU	/* expires_ns 0 */
struct mxgw_ban_tag_block {
	__u64 w[MXGW_BAN_TAG_PER_BLOCK];
};
_Static_assert(sizeof(struct mxgw_ban_tag_block) == 64, "mxgw_ban_tag_block layout");

/* The word of IPv4 host @addr (as it lies in the packet). */
static inline __u32 mxgw_ban_tag_word4(__u32 addr)
{
	return mxgw_fib_hash(addr, MXGW_BAN_TAG_BITS);
}

/* The /64 @net (its 8 bytes as they lie in the packet), hashed: its slot's
 * first word (the net; the check after it) from the top bits, its check's
 * hash (odd: never 0) from the others. */
static inline __u64 mxgw_ban_tag_mul6(__u64 net)
{
	return net * 0x9e3779b97f4a7c15ULL;
}

static inline __u32 mxgw_ban_tag_word6(__u64 x)
{
	return MXGW_BAN_TAG_SLOTS + ((__u32)(x >> (64 - MXGW_BAN_TAG_BITS)) << 1);
}

static inline __u32 mxgw_ban_tag_hash6(__u64 x)
{
	return ((__u32)x ^ (__u32)(x >> 32)) | 1;
}

/* A tag's expiry: @expires_ns rounded up (0: NEVER). */
static inline __u32 mxgw_ban_tag_exp(__u64 expires_ns)
{
	const __u64 unit = 1ULL << MXGW_BAN_TAG_SHIFT;

	if (!expires_ns)
		return MXGW_BAN_TAG_NEVER;
	if (expires_ns > ((__u64)(MXGW_BAN_TAG_NEVER - 1) << MXGW_BAN_TAG_SHIFT))
		return MXGW_BAN_TAG_NEVER - 1;	/* ~146 years of uptime */
	return (__u32)((expires_ns + unit - 1) >> MXGW_BAN_TAG_SHIFT);
}

/* mxgw_svc_stats: per-CPU, indexed by mxgw_svc_key(family, service id). */
struct mxgw_pkt_count {
	__u64 packets;
	__u64 bytes;
};

struct mxgw_svc_stats {
	/* [direction][verdict] */
	struct mxgw_pkt_count count[MXGW_DIR_MAX][2];
};
_Static_assert(sizeof(struct mxgw_svc_stats) == 64, "mxgw_svc_stats layout");

#define MXGW_SVC_STATS_ENTRIES	(MXGW_FAM_MAX * MXGW_MAX_SERVICES)

static inline __u32 mxgw_svc_key(__u32 family, __u32 svc_id)
{
	return family * MXGW_MAX_SERVICES + svc_id;
}

/*
 * mxgw_counters: per-CPU u64 array indexed by mxgw_counter_key(family,
 * enum mxgw_counter): each counter once per address family (what is no IP,
 * ARP say, or the data plane's own, counts under IPv4's key).  Every
 * counter is one entry of MXGW_COUNTERS, after the kernel's
 * include/net/dropreason-core.h: the enum below, and in user space the
 * word mxctl prints, its help, its Prometheus family and its flags
 * (maps/names.h), the Prometheus families (ctl/prometheus.c) and the man
 * page's COUNTERS section (from `mxctl help counters`) all come from it.
 * The enum's order is the ABI: a new counter goes at the end of its group
 * and bumps nothing else; drop reasons and event reasons are the same
 * numbers (struct mxgw_event.reason).
 *
 * FN(NAME, word, family, flags, help):
 *   NAME    the constant, MXGW_NAME
 *   word    what mxctl, mxctl log and Prometheus print: NAME in lower case
 *   family  its Prometheus family: DROP (mxgw_drops_total{reason}), FWD
 *           (mxgw_forwarded_packets_total{path}), PASS
 *           (mxgw_passed_packets_total{reason}), OWN (mxgw_<word>_total)
 *   flags   NONE; DERIVED: never incremented by the data plane, because a
 *           per-CPU increment costs a tenth of an empty XDP program here
 *           and their paths are the hottest: mxgw_maps_read_counters()
 *           derives it from the service counts; KERNEL: a packet to the
 *           LAN handed to the kernel's forwarding (mxgw_kernel_path());
 *           NOFAMILY: of no address family (frames whose family is
 *           unknown or neither, the log's and the clock's own), counted
 *           under IPv4's key alone: mxctl and Prometheus show it once,
 *           without a family
 *   help    what it counts, as mxctl help counters and the man page say it
 */
#define MXGW_COUNTERS(FN)						\
	/* incoming drops */						\
	FN(DROP_SERVICE_DENY, "drop_service_deny", DROP, DERIVED,	\
	   "listed service, incoming deny")				\
	FN(DROP_DEFAULT_DENY, "drop_default_deny", DROP, DERIVED,	\
	   "unlisted port, no tracked flow, default deny")		\
	FN(DROP_NOT_FROM, "drop_not_from", DROP, NONE,			\
	   "source outside the service's \"from\"")			\
	FN(DROP_FRAGMENT, "drop_fragment", DROP, NONE,			\
	   "IP fragment to the public address (IPv6: to the LAN)")	\
	FN(DROP_MALFORMED, "drop_malformed", DROP, NONE,		\
	   "bad IHL, total or payload length, truncated headers")	\
	FN(DROP_ICMP_ECHO, "drop_icmp_echo", DROP, NONE,		\
	   "echo request, icmp-echo deny")				\
	FN(DROP_ICMP_NO_FLOW, "drop_icmp_no_flow", DROP, NONE,		\
	   "ICMP reply or error that matches no flow")			\
	FN(DROP_OTHER_PROTO, "drop_other_proto", DROP, NONE,		\
	   "neither TCP, UDP nor ICMP, default deny")			\
	FN(DROP_SPOOFED, "drop_spoofed", DROP, NONE,			\
	   "from a LAN address, or the WAN device's own, on the WAN")	\
	FN(DROP_MARTIAN, "drop_martian", DROP, NONE,			\
	   "from 0/8, 127/8, 224/4, 240/4 or a WAN broadcast address; "	\
	   "::, ::1, ff00::/8, ::ffff:0:0/96, fe80::/10")		\
	FN(DROP_TCP_FLAGS, "drop_tcp_flags", DROP, NONE,		\
	   "TCP flag combination netfilter calls invalid")		\
	FN(DROP_VLAN_DEPTH, "drop_vlan_depth", DROP, NOFAMILY,		\
	   "more VLAN tags than mxgw parses (2)")			\
	FN(DROP_TO_LAN, "drop_to_lan", DROP, NONE,			\
	   "addressed to a LAN address instead of the public one "	\
	   "(IPv6: neither mailserver6's service nor a tracked reply)")	\
	FN(DROP_TRANSIT, "drop_transit", DROP, NONE,			\
	   "addressed to one the kernel would forward elsewhere")	\
	FN(DROP_EXT_HEADERS, "drop_ext_headers", DROP, NONE,		\
	   "IPv6 extension headers not walked: too many, unknown, misplaced") \
	FN(DROP_ROUTING_HEADER, "drop_routing_header", DROP, NONE,	\
	   "IPv6 routing header of type 0, or with segments left")	\
	/* outgoing drops */						\
	FN(DROP_OUT_SERVICE_DENY, "drop_out_service_deny", DROP, NONE,	\
	   "listed service, outgoing deny")				\
	FN(DROP_OUT_DEFAULT_DENY, "drop_out_default_deny", DROP, NONE,	\
	   "unlisted port, default deny")				\
	FN(DROP_OUT_FRAGMENT, "drop_out_fragment", DROP, NONE,		\
	   "fragment from the LAN: no ports to map")			\
	FN(DROP_OUT_PROTO, "drop_out_proto", DROP, NONE,		\
	   "from the LAN, neither TCP, UDP nor ICMP echo")		\
	FN(DROP_OUT_MALFORMED, "drop_out_malformed", DROP, NONE,	\
	   "from the LAN, headers that cannot be translated")		\
	FN(DROP_NAT_FULL, "drop_nat_full", DROP, NONE,			\
	   "no free public port for a new flow")			\
	FN(DROP_OUT_NO_FLOW, "drop_out_no_flow", DROP, NONE,		\
	   "TCP from the LAN, no flow, not a SYN")			\
	FN(DROP_OUT_VLAN_DEPTH, "drop_out_vlan_depth", DROP, NOFAMILY,	\
	   "more VLAN tags than mxgw parses (2)")			\
	FN(DROP_OUT_WRITE, "drop_out_write", DROP, NONE,		\
	   "bpf_skb_pull_data or bpf_skb_store_bytes failed")		\
	FN(DROP_OUT_CSUM, "drop_out_csum", DROP, NONE,			\
	   "bpf_l3/l4_csum_replace failed")				\
	/* forwarding to the LAN */					\
	FN(FWD_REDIRECT, "fwd_redirect", FWD, DERIVED,			\
	   "XDP fast path: redirected to the LAN device")		\
	FN(FWD_KERNEL_NO_NEIGH, "fwd_kernel_no_neigh", FWD, KERNEL,	\
	   "kernel path: next hop unresolved")				\
	FN(FWD_KERNEL_NO_XMIT, "fwd_kernel_no_xmit", FWD, KERNEL,	\
	   "kernel path: LAN device takes no XDP frames")		\
	FN(FWD_KERNEL_TTL, "fwd_kernel_ttl", FWD, KERNEL,		\
	   "kernel path: TTL or hop limit <= 1 (kernel sends ICMP)")	\
	FN(FWD_KERNEL_IP_OPTIONS, "fwd_kernel_ip_options", FWD, KERNEL,	\
	   "kernel path: IP options, IPv6 hop-by-hop options")		\
	FN(FWD_KERNEL_VLAN, "fwd_kernel_vlan", FWD, KERNEL,		\
	   "kernel path: VLAN-tagged on the WAN")			\
	FN(FWD_KERNEL_MTU, "fwd_kernel_mtu", FWD, KERNEL,		\
	   "kernel path: larger than the LAN MTU")			\
	FN(FWD_KERNEL_NO_ROUTE, "fwd_kernel_no_route", FWD, KERNEL,	\
	   "kernel path: fib lookup failed otherwise")			\
	FN(FWD_KERNEL_OTHER_HOST, "fwd_kernel_other_host", FWD, KERNEL,	\
	   "kernel path: a LAN host other than the mail server")	\
	FN(FWD_KERNEL_ICMP, "fwd_kernel_icmp", FWD, KERNEL,		\
	   "kernel path: translated ICMP error")			\
	FN(FIB_REFRESH, "fib_refresh", OWN, NONE,			\
	   "next-hop cache refreshes (bpf_fib_lookup calls)")		\
	/* connection tracking */					\
	FN(CT_NEW, "ct_new", OWN, NONE,					\
	   "flows created on egress")					\
	FN(CT_REPLY, "ct_reply", OWN, NONE,				\
	   "replies translated (IPv6: let) back to the LAN")		\
	FN(CT_EXPIRED, "ct_expired", OWN, NONE,				\
	   "entries found past their timeout")				\
	FN(CT_EVICTED, "ct_evicted", OWN, NONE,				\
	   "live mappings whose entry LRU eviction took")		\
	FN(CT_LOCAL_CLASH, "ct_local_clash", OWN, NONE,			\
	   "gateway flow on a port a mapping holds")			\
	FN(ICMP_XLATE_IN, "icmp_xlate_in", OWN, NONE,			\
	   "ICMP errors translated (IPv6: let) towards the LAN")	\
	FN(ICMP_XLATE_OUT, "icmp_xlate_out", OWN, NONE,			\
	   "ICMP errors translated (IPv6: let) towards the Internet")	\
	/* passed untouched */						\
	FN(PASS_NOT_FOR_US, "pass_not_for_us", PASS, NONE,		\
	   "to another WAN address, broadcast, multicast, link-local, or kept by the kernel") \
	FN(PASS_NON_IP, "pass_non_ip", PASS, NOFAMILY,			\
	   "ARP and everything else that is neither IPv4 nor IPv6")	\
	FN(PASS_LOCAL, "pass_local", PASS, NONE,			\
	   "reply to the gateway's own flow")				\
	FN(PASS_ICMP_ECHO, "pass_icmp_echo", PASS, NONE,		\
	   "echo request to the gateway (IPv6: mailserver6), icmp-echo allow") \
	FN(PASS_OTHER_PROTO, "pass_other_proto", PASS, NONE,		\
	   "other protocols to the gateway (IPv6: mailserver6), default allow") \
	FN(PASS_GATEWAY_SERVICE, "pass_gateway_service", PASS, NONE,	\
	   "to a \"to gateway\" service, let in")			\
	/* TC egress */							\
	FN(SNAT_REPLY, "snat_reply", OWN, NONE,				\
	   "mail server's service reply, source -> public (IPv6: as it is)") \
	FN(SNAT_MASQ, "snat_masq", OWN, NONE,				\
	   "masqueraded (IPv6: tracked) packet of a LAN flow")		\
	/* events */							\
	FN(IN_NEW, "in_new", OWN, NONE,					\
	   "TCP connections let in (their SYN)")			\
	FN(LOG_EVENTS, "log_events", OWN, NOFAMILY,			\
	   "events written to the log ring buffer")			\
	FN(LOG_RATE_LIMITED, "log_rate_limited", OWN, NOFAMILY,		\
	   "events over log-rate, not written")				\
	FN(LOG_BUFFER_FULL, "log_buffer_full", OWN, NOFAMILY,		\
	   "events lost: nobody reading, buffer full")			\
	/* the data plane itself */					\
	FN(CLOCK_REARMED, "clock_rearmed", OWN, NOFAMILY,		\
	   "the clock's timer found stopped and restarted")		\
	/* bans and the allowlist (ABI 5) */				\
	FN(DROP_BANNED, "drop_banned", DROP, NONE,			\
	   "source banned (mxctl ban): new connections, echo requests, other protocols") \
	FN(BAN_ALLOWLISTED, "ban_allowlisted", OWN, NONE,		\
	   "banned, blocklisted or rate-limited source let on: the allowlist holds it") \
	/* blocklists (ABI 5) */					\
	FN(DROP_BLOCKLIST, "drop_blocklist", DROP, NONE,		\
	   "source in a blocklist that applies to the packet's service") \
	/* rate limits (ABI 5) */					\
	FN(DROP_RATE_LIMIT, "drop_rate_limit", DROP, NONE,		\
	   "new connection (UDP: datagram) over its source's rate limit") \
	FN(RATE_LIMIT_BANS, "rate_limit_bans", OWN, NONE,		\
	   "sources banned for going over a limit with \"ban\"")	\
	/* SYN floods (ABI 5) */					\
	FN(SYN_CHALLENGED, "syn_challenged", OWN, NONE,		\
	   "SYNs of unverified sources in a SYN flood answered from XDP with a cookie SYN-ACK") \
	FN(SYN_VERIFIED, "syn_verified", OWN, NONE,			\
	   "sources verified by the RST their stack sent to a cookie SYN-ACK") \
	FN(DROP_SYN_FLOOD, "drop_syn_flood", DROP, NONE,		\
	   "SYN of an unverified source in a SYN flood not answered: over the CPU's challenge budget") \
	FN(SYN_FLOOD_ON, "syn_flood_on", OWN, NOFAMILY,		\
	   "a service's SYN rate went over its syn-flood threshold (flood mode on)") \
	FN(DROP_SYN_BUDGET, "drop_syn_budget", DROP, NONE,		\
	   "SYN of a verified source in a SYN flood over the service's syn-flood budget") \
	/* the LAN's XDP fast path, mxgw_lan_in (issue 14) */		\
	FN(LAN_FAST_REPLY, "lan_fast_reply", OWN, NONE,			\
	   "mail server's service reply rewritten and sent to the WAN from the LAN's XDP") \
	FN(LAN_FAST_ESTABLISHED, "lan_fast_established", OWN, NONE,	\
	   "packet of a tracked LAN flow masqueraded and sent to the WAN from the LAN's XDP") \
	FN(LAN_PASS_NEW, "lan_pass_new", OWN, NONE,			\
	   "LAN packet to the kernel and TC: neither a service reply nor a tracked flow's") \
	FN(LAN_PASS_LOCAL, "lan_pass_local", OWN, NONE,			\
	   "LAN packet to the kernel: to the LAN, the gateway, multicast or broadcast") \
	FN(LAN_PASS_ROUTE, "lan_pass_route", OWN, NONE,			\
	   "LAN packet to the kernel: not routed out of the WAN device, or no neighbour") \
	FN(LAN_PASS_MTU, "lan_pass_mtu", OWN, NONE,			\
	   "LAN packet to the kernel: larger than the WAN route's MTU") \
	FN(LAN_PASS_OTHER, "lan_pass_other", OWN, NONE,			\
	   "LAN packet to the kernel: no IP, VLAN, fragment, IP options or IPv6 extension headers, TTL/hop limit <= 1, other protocol")

enum mxgw_counter {
#define MXGW_COUNTER_ENUM(NAME, word, family, flags, help)	MXGW_##NAME,
	MXGW_COUNTERS(MXGW_COUNTER_ENUM)
#undef MXGW_COUNTER_ENUM
	MXGW_COUNTER_MAX,
};

#define MXGW_COUNTERS_ENTRIES	(MXGW_FAM_MAX * MXGW_COUNTER_MAX)

static inline __u32 mxgw_counter_key(__u32 family, __u32 counter)
{
	return family * MXGW_COUNTER_MAX + counter;
}

/* The flags column. */
#define MXGW_CF_F_NONE		0
#define MXGW_CF_F_DERIVED	0x1
#define MXGW_CF_F_KERNEL	0x2
#define MXGW_CF_F_NOFAMILY	0x4

/* Does user space derive counter @c (flag DERIVED)?  Then the data plane
 * never counts it; folded to a constant where @c is one. */
#define MXGW_COUNTER_DERIVED_IF(NAME, word, family, flags, help)	\
	|| (mxgw_c_ == MXGW_##NAME && (MXGW_CF_F_##flags & MXGW_CF_F_DERIVED))
#define MXGW_COUNTER_DERIVED(c)						\
	({ __u32 mxgw_c_ = (c); 0 MXGW_COUNTERS(MXGW_COUNTER_DERIVED_IF); })

/*
 * mxgw_nexthop: per-CPU cache of the mail server's next hop, one entry per
 * family (key enum mxgw_family: mailserver, mailserver6), filled by
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
	struct mxgw_in6 daddr6;	/* the same, IPv6's entry */
};
_Static_assert(sizeof(struct mxgw_nexthop) == 48, "mxgw_nexthop layout");

/*
 * mxgw_ct: LRU hash of tracked connections, keyed as a reply arrives on the
 * WAN: (protocol, remote address and port, public port).  For ICMP echo
 * the remote port is 0 and the public port is the (translated) identifier.
 * Shared by both programs: egress creates entries, both update them.
 */
struct mxgw_ct_key {
	__be32 remote_addr;
	__be16 remote_port;
	__be16 public_port;
	__u8 proto;		/* IPPROTO_TCP, _UDP, _ICMP */
	__u8 pad[3];
};
_Static_assert(sizeof(struct mxgw_ct_key) == 12, "mxgw_ct_key layout");

struct mxgw_ct_entry {
	__u64 created_ns;	/* bpf_ktime_get_coarse_ns() */
	__u64 seen_ns;		/* last packet, either direction */
	__be32 lan_addr;	/* the LAN host (or, MXGW_CT_F_LOCAL, the gateway) */
	__be16 lan_port;	/* its port (ICMP: its echo identifier) */
	__u8 state;		/* enum mxgw_ct_state */
	__u8 flags;		/* MXGW_CT_F_* */
};
_Static_assert(sizeof(struct mxgw_ct_entry) == 24, "mxgw_ct_entry layout");

#define MXGW_CT_F_LOCAL		0x01	/* the gateway's own flow: no translation */
#define MXGW_CT_F_REPLIED	0x02	/* a packet came back */
#define MXGW_CT_F_FIN_OUT	0x04	/* the LAN side sent FIN */
#define MXGW_CT_F_FIN_IN	0x08	/* the remote side sent FIN */

/*
 * How long @e lives after its last packet: its state's timeout, except
 * that a TCP entry nothing ever answered lives at most tcp-syn-sent, as
 * netfilter gives an unreplied conntrack its short timeouts (a flow the
 * gateway picked up mid-stream, say, stays if the other side answers).
 * One rule for the data plane (ct_expired) and mxctl (mxgw_ct_live).
 * @state is @e->state, read once and checked below MXGW_CT_STATE_MAX by
 * the caller (the verifier wants the bound on the register it indexes by).
 */
static inline __u64 mxgw_ct_timeout_ns(const struct mxgw_config *cfg,
				       const struct mxgw_ct_entry *e, __u32 state)
{
	__u64 t = cfg->timeout_ns[state];

	if (state <= MXGW_CT_TCP_CLOSE && !(e->flags & MXGW_CT_F_REPLIED) &&
	    t > cfg->timeout_ns[MXGW_CT_TCP_SYN_SENT])
		t = cfg->timeout_ns[MXGW_CT_TCP_SYN_SENT];
	return t;
}

/*
 * mxgw_ct6: LRU hash of tracked IPv6 flows of the LAN.  Routed, nothing is
 * translated: one key serves both directions, built from the LAN side
 * (egress: source; ingress: destination).  ICMPv6 echo: lan_port is the
 * identifier, remote_port 0.  The value is struct mxgw_ct_entry with
 * lan_addr and lan_port 0 (the key holds them).  Sized by conntrack-max,
 * as mxgw_ct.
 */
struct mxgw_ct6_key {
	struct mxgw_in6 lan_addr;
	struct mxgw_in6 remote_addr;
	__be16 lan_port;
	__be16 remote_port;
	__u8 proto;		/* IPPROTO_TCP, _UDP, _ICMPV6 */
	__u8 pad[3];
};
_Static_assert(sizeof(struct mxgw_ct6_key) == 40, "mxgw_ct6_key layout");

/*
 * mxgw_nat: LRU hash from a LAN host's flow to its public port, so egress
 * finds the mapping of a packet in one lookup.  Same size as mxgw_ct.
 */
struct mxgw_nat_key {
	__be32 lan_addr;
	__be32 remote_addr;
	__be16 lan_port;
	__be16 remote_port;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct mxgw_nat_key) == 16, "mxgw_nat_key layout");

struct mxgw_nat_entry {
	__be16 public_port;
	__u8 pad[2];
};
_Static_assert(sizeof(struct mxgw_nat_entry) == 4, "mxgw_nat_entry layout");

/* Ports tried for one new mapping before it counts as "NAT table full". */
#define MXGW_NAT_TRIES		64

/*
 * mxgw_est_cache: per CPU, the mappings of established LAN flows that
 * mxgw_lan_in found in mxgw_ct this tick, so that a flow's next packets
 * skip the hash lookup (its jhash, bucket walk and key compare are about
 * half of what the established path costs above a bare forwarder).
 * Direct-mapped by a hash of the flow, MXGW_EST_SLOTS slots of one flow
 * each, 1 MiB a CPU (IPv6: mxgw_est6_cache below, 256 KiB).  A slot
 * filled this tick stays its flow's until the next, so more flows than
 * slots cost a read per packet, never a write.
 *
 * A slot holds the flow's whole rewrite, worked out by the packet that
 * filled it: the public address and port, the two checksums' changes
 * (RFC 1624's ~m + m' summed once: the IP header's with the TTL's
 * decrement, the TCP or UDP one's with the pseudo header's), and the WAN
 * next hop that packet left by.  A hit reads one cache line, and its
 * arithmetic is two additions.
 * Its next hop is as fresh as mxgw_wan_hops' entry it was copied from,
 * which is refreshed when a tick finds it older than MXGW_NEXTHOP_TTL_NS:
 * the slot lives for the tick it was filled in, so a route or neighbour
 * change is followed within that TTL and one tick.
 *
 * A slot is never stale, only unused: it is used only within the tick it
 * was filled in (its entry was touched then: nothing to write again),
 * while mxgw_ct_gen holds the value it was filled under, and while the
 * config's public address and WAN device are the ones it holds.  Every
 * change that can make a mapping wrong bumps mxgw_ct_gen: the data plane
 * when it tries an insert into mxgw_ct, mxgw_nat or mxgw_ct6 (an LRU table evicts
 * then, and only then, even for an insert it refuses) or meets a FIN or
 * RST (the only ways out of tcp-established); user space
 * (mxgw_maps_ct_changed) after it deletes or writes entries (conntrack
 * flush, import, upgrade).  Only
 * packets that would not change their entry use a slot: TCP without SYN,
 * FIN or RST of an established entry, UDP.  The rest take the lookup, as
 * without the cache.  The kernel's route cache does the same with its
 * generation id (rt_genid).
 */
#define MXGW_EST_SLOT_BITS	14
#define MXGW_EST_SLOTS		(1U << MXGW_EST_SLOT_BITS)	/* per CPU */

/* One cache line: the flow, when, and its rewrite. */
struct mxgw_est_slot {
	__be32 lan_addr;
	__be32 remote_addr;
	__be16 lan_port;
	__be16 remote_port;
	__u8 proto;
	__u8 pad;
	__be16 public_port;	/* the flow's mapping */
	__u64 tick_ns;		/* mxgw_clock.now_ns it was filled at */
	__u64 gen;		/* mxgw_ct_gen.gen it was filled under */
	__be32 public_addr;	/* the config's then */
	__u16 ip_csum_diff;	/* source address and TTL (csum_apply) */
	__u16 l4_csum_diff;	/* source address and port */
	__u32 ifindex;		/* the WAN device, the config's then */
	__u16 mtu;		/* the WAN route's */
	__u8 dmac[6];		/* the WAN next hop's */
	__u8 smac[6];
	__u8 pad2[6];
};
_Static_assert(sizeof(struct mxgw_est_slot) == 64, "mxgw_est_slot layout");

/* mxgw_est6_cache: the same for IPv6's flows (mxgw_ct6, routed: nothing
 * to map, a hit only spares the lookup), a cache line a slot. */
#define MXGW_EST6_SLOT_BITS	12
#define MXGW_EST6_SLOTS		(1U << MXGW_EST6_SLOT_BITS)	/* per CPU */

struct mxgw_est6_slot {
	struct mxgw_ct6_key key;
	__u64 tick_ns;
	__u64 gen;
	__u64 pad;
};
_Static_assert(sizeof(struct mxgw_est6_slot) == 64, "mxgw_est6_slot layout");

/*
 * mxgw_ct_gen: one entry.  The data plane adds 1 (atomically) for each of
 * its changes; user space, which cannot add atomically to a map value,
 * writes the value it read plus MXGW_CT_GEN_USER: a value never seen
 * before, even when it overwrites a concurrent increment.
 */
struct mxgw_ct_gen {
	__u64 gen;
};
#define MXGW_CT_GEN_USER	(1ULL << 32)

/*
 * mxgw_clock: one entry, a coarse clock for the data plane.  A BPF timer
 * (started by the first packet) stores the time every MXGW_CLOCK_TICK_NS,
 * so the per-packet path reads the time from an inlined array access
 * instead of calling bpf_ktime_get_coarse_ns(), which costs about half an
 * empty XDP program on these machines.  Conntrack timeouts are seconds and
 * the next-hop cache is refreshed every MXGW_NEXTHOP_TTL_NS: a tenth of a
 * second of resolution is plenty for both.
 *
 * Only the BPF programs write it.  Updating an array entry that holds a
 * bpf_timer from user space (bpf_map_update_elem, bpftool map update)
 * cancels and frees the timer (array_map_update_elem ->
 * bpf_obj_free_fields), and the clock stops.  So user space only reads it,
 * and the data plane checks every MXGW_CLOCK_CHECK_EVERY packets of a
 * path's per-CPU count whether the clock is more than MXGW_CLOCK_STALE_NS
 * old, and re-arms it (counter clock_rearmed) if so.
 */
struct mxgw_clock {
	struct bpf_timer timer;
	__u64 now_ns;		/* bpf_ktime_get_coarse_ns() at the last tick */
	__u64 ticks;		/* 0: the timer has not run yet */
	__u64 log_until_ns;	/* mxgw_log_lease.until_ns, copied every tick */
	__u64 pad;
};
_Static_assert(sizeof(struct mxgw_clock) == 48, "mxgw_clock layout");

#define MXGW_CLOCK_TICK_NS	(100ULL * 1000 * 1000)
/* Older than this, the clock has stopped: the data plane re-arms it and
 * mxctl status warns.  Five ticks: a loaded machine delays a tick by
 * milliseconds, not by half a second. */
#define MXGW_CLOCK_STALE_NS	(5 * MXGW_CLOCK_TICK_NS)
/* A power of two: one packet in this many of a per-CPU count checks. */
#define MXGW_CLOCK_CHECK_EVERY	64

/*
 * mxgw_events: a ring buffer of sampled events for `mxctl log`: drops with
 * their reason, new connections let in or out.  Rate-limited per CPU in
 * BPF by mxgw_log_bucket (log-rate split over the CPUs), so a flood costs
 * user space no more than log-rate events a second.
 */
#define MXGW_EVENTS_BYTES	(256 * 1024)
#define MXGW_EVENT_HEAD		96	/* bytes of the frame kept, for pcap */

enum mxgw_event_verdict {
	MXGW_EV_DROP = 0,
	MXGW_EV_ALLOW = 1,
};

struct mxgw_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u32 ifindex;
	__u32 pkt_len;		/* the whole frame */
	__u16 reason;		/* enum mxgw_counter */
	__u8 verdict;		/* enum mxgw_event_verdict */
	__u8 dir;		/* enum mxgw_dir */
	__u8 proto;		/* IPPROTO_* (the L4 after IPv6's extension headers), 0 if no IP */
	__u8 svc_id;		/* the table's service, 0 unlisted */
	__u16 head_len;		/* bytes in head[] */
	__u8 family;		/* enum mxgw_family */
	__u8 pad[3];
	__be16 sport;		/* 0 where there are no ports */
	__be16 dport;
	__be32 saddr[4];	/* IPv4: saddr[0] */
	__be32 daddr[4];
	__u8 head[MXGW_EVENT_HEAD];
};
_Static_assert(sizeof(struct mxgw_event) == 64 + MXGW_EVENT_HEAD, "mxgw_event layout");

/*
 * mxgw_log_lease: one entry, the lease of the running `mxctl log`.  It
 * renews until_ns twice a second and clears it on exit, so events cost a
 * packet nothing but one load while nobody listens, and a killed reader
 * stops them within MXGW_LOG_LEASE_NS.  User space writes this entry, never
 * mxgw_clock (see there); the clock's timer copies until_ns into
 * mxgw_clock.log_until_ns every tick, so events start and stop within a
 * tick of the lease.  The copy is there because the hot paths read the
 * clock's cache line anyway: reading a map of its own per packet cost the
 * DNAT path about 10 ns.
 *
 * One reader per interface (a second one would split the ring buffer's
 * events with it at random): `mxctl log` holds an flock on the interface's
 * pin directory while it runs, and pid and since_ns say who, for the
 * refusal of a second reader.
 */
#define MXGW_LOG_LEASE_NS	(2ULL * 1000 * 1000 * 1000)

struct mxgw_log_lease {
	__u64 until_ns;		/* bpf_ktime_get_coarse_ns() clock; 0: nobody */
	__u64 since_ns;		/* CLOCK_REALTIME when the reader started */
	__u32 pid;		/* the reader's */
	__u32 pad;
};
_Static_assert(sizeof(struct mxgw_log_lease) == 24, "mxgw_log_lease layout");

struct mxgw_log_bucket {
	__u64 window_ns;	/* start of the current second */
	__u32 used;		/* events logged in it */
	__u32 pad;
};
_Static_assert(sizeof(struct mxgw_log_bucket) == 16, "mxgw_log_bucket layout");

#define MXGW_NEXTHOP_TTL_NS	(250ULL * 1000 * 1000)

/*
 * Blocklists (`blocklist NAME FILE [services ...]`): up to MXGW_BL_MAX
 * lists, each a bit of one shared table per family, so a packet does one
 * lookup whatever the number of lists.
 *
 * IPv4, DIR-24-8 style: mxgw_bl4's one slot holds an array (BPF_F_MMAPABLE,
 * filled by user space through mmap) of one 16-bit entry per /24, the
 * bits of the lists whose prefixes of /24 or shorter cover it.  An entry
 * with MXGW_BL_LONG0 or MXGW_BL_LONG1 set has longer prefixes (/25../32)
 * under it, in slot 0 or 1 of mxgw_bl4_hash: a hash keyed by the /24
 * whose value holds up to MXGW_BL4_SMALL of them (longest first: the
 * first that matches answers), or says that the /24 has more, all of them
 * then in the LPM trie of the same slot of mxgw_bl4_long.  Their bits are
 * every list covering the prefix (the shorter ones' too); an address none
 * matches takes the entry's bits.  An LPM trie of 10^6 entries costs a
 * lookup ~0.5 us here (docs/BENCHMARKS.md); the hash one lookup and a few
 * compares.  A list is swapped by building a new array, hash and trie
 * (the latter two in the slot the running array does not use), then one
 * update of mxgw_bl4's slot: a packet sees the old array and its hash and
 * trie, or the new and theirs.  The old array is freed by the kernel after
 * an RCU grace period, off the packet path; the old hash and trie after
 * one more (membarrier), when nothing can look them up.
 * IPv6, the same idea by /32: mxgw_bl6_tag's one slot holds an array
 * (BPF_F_MMAPABLE, written by user space through mmap, its lookup inlined
 * as IPv4's) of sets, a set by a multiplicative hash of the source's /32
 * (its first 32 bits, as stored), two ways a set: a way is a /32 (its
 * tag) and its struct mxgw_bl6_long32, the bits of the lists whose
 * prefixes of /32 or shorter cover it and up to MXGW_BL6_SMALL longer
 * prefixes inside it (/33../128, longest first, bits closed as IPv4's).
 * A source whose /32 neither way holds is in no list, unless the set says
 * to ask further (struct mxgw_bl6_set): a third /32 of the set is in
 * mxgw_bl6_hash's slot (keyed by the /32, the same value), and prefixes
 * the array does not hold are in mxgw_bl6_long's trie of the same slot.
 * A /32 with more than MXGW_BL6_SMALL longer prefixes says so
 * (@more), and its sources are looked up in that trie of all the
 * prefixes.  Prefixes of /20../31 are expanded to their /32s (at most
 * 4096 each); shorter ones (and, when the expansion would pass
 * MXGW_BL6_HASH_MAX, the shortest of /20../31; with more /32s than it
 * holds, all) are left to the trie: every set then asks it for a /32 its
 * ways do not hold.  The trie is mxgw_bl6's slot 0 too, where user space
 * reads the lists back.  A swap builds the new trie and hash in the slot
 * the running array does not name, the new array, then one update of
 * mxgw_bl6_tag's slot: a packet sees the old array and its hash and trie
 * or the new and theirs; the old slot is emptied after a grace period.
 */
#define MXGW_BL_MAX		14	/* lists: bits 0..13 */
#define MXGW_BL_LISTS		0x3fffU
#define MXGW_BL_LONG0		0x4000U	/* longer prefixes, in mxgw_bl4_long[0] */
#define MXGW_BL_LONG1		0x8000U	/* ... in mxgw_bl4_long[1] */
#define MXGW_BL_NAME_LEN	32
#define MXGW_BL_FILE_LEN	192

#define MXGW_BL4_PER_BLOCK	32	/* /24 entries per array value */
#define MXGW_BL4_BLOCKS		((1U << 24) / MXGW_BL4_PER_BLOCK)
/* An array's values are 8-byte aligned each: 32 entries a value waste
 * nothing, and the table is 32 MiB whatever the lists hold. */
struct mxgw_bl4_block {
	__u16 bits[MXGW_BL4_PER_BLOCK];
};
_Static_assert(sizeof(struct mxgw_bl4_block) == 64, "mxgw_bl4_block layout");

#define MXGW_BL4_LONG_MAX	(1U << 21)	/* /25../32 prefixes of crowded /24s, all lists */
#define MXGW_BL4_HASH_MAX	(1U << 20)	/* /24s with longer prefixes */
#define MXGW_BL4_SMALL		7

/* mxgw_bl4_hash's inner maps: key the /24 (__be32, host byte 0). */
struct mxgw_bl4_long24 {
	__u8 n;			/* entries in e[] */
	__u8 more;		/* more than MXGW_BL4_SMALL: all in the trie */
	__u16 pad;
	struct {
		__u8 host;	/* the last byte, host bits 0 */
		__u8 len;	/* 25..32 */
		__u16 bits;	/* every list covering the prefix */
	} e[MXGW_BL4_SMALL];	/* longest first */
};
_Static_assert(sizeof(struct mxgw_bl4_long24) == 32, "mxgw_bl4_long24 layout");
#define MXGW_BL6_MAX		(1U << 21)

#define MXGW_BL6_SMALL		4	/* longer prefixes a /32's value holds */
/* /32s: the kernel allocates a bucket (16 bytes) per entry up front, 4 MiB */
#define MXGW_BL6_HASH_MAX	(1U << 18)
#define MXGW_BL6_EXPAND_MIN	20	/* /20../32: in the array by /32 */
#define MXGW_BL6_NONE		0xffffffffU	/* a free way's tag (see below) */

/* mxgw_bl6_hash's inner maps: key the /32 (__be32 as stored). */
struct mxgw_bl6_long32 {
	__u16 bits;		/* lists whose /32-or-shorter prefixes cover it */
	__u8 n;			/* entries in e[] */
	__u8 more;		/* 0, or 1 + the mxgw_bl6_long slot to ask */
	struct {
		__be32 addr[3];	/* bits 32..127 of the prefix, host bits 0 */
		__be32 mask[3];	/* its netmask there, network order */
		__u16 bits;	/* every list covering the prefix */
		__u16 pad;
	} e[MXGW_BL6_SMALL];	/* longest first */
};
_Static_assert(sizeof(struct mxgw_bl6_long32) == 4 + 28 * MXGW_BL6_SMALL,
	       "mxgw_bl6_long32 layout");

/*
 * mxgw_bl6_tag's inner array: 2^MXGW_BL6_TAG_BITS sets of two ways, 62 MiB
 * (the kernel rounds a value to 8 bytes: 248 each).  With 10^5 listed
 * /32s, ~2% of them find their set's two ways taken and are the hash's;
 * a clean source's lookup is the array's entry and two compares of its
 * first 12 bytes.  A free way's tag is MXGW_BL6_NONE (ffff:ffff::/32,
 * multicast: a martian source, never looked up, never stored).
 */
#define MXGW_BL6_TAG_BITS	18
#define MXGW_BL6_SETS		(1U << MXGW_BL6_TAG_BITS)
#define MXGW_BL6_ASK_HASH	0x01	/* a third /32 here: mxgw_bl6_hash[@slot] */
#define MXGW_BL6_ASK_TRIE	0x02	/* prefixes left to mxgw_bl6_long[@slot] */

struct mxgw_bl6_set {
	__be32 net[2];		/* the ways' /32s, as stored; MXGW_BL6_NONE free */
	__u8 ask;		/* a /32 no way holds: MXGW_BL6_ASK_*, 0 none */
	__u8 slot;		/* the hash's and trie's slot of these lists */
	__u16 pad;
	struct mxgw_bl6_long32 v[2];
};
_Static_assert(sizeof(struct mxgw_bl6_set) == 12 + 2 * sizeof(struct mxgw_bl6_long32),
	       "mxgw_bl6_set layout");

/* The set of IPv6 /32 @net0 (network order, hashed as it is stored). */
static inline __u32 mxgw_bl6_tag_slot(__u32 net0)
{
	return mxgw_fib_hash(net0, MXGW_BL6_TAG_BITS);
}

struct mxgw_bl4_key {
	__u32 prefixlen;	/* 25..32 */
	__be32 addr;
};
_Static_assert(sizeof(struct mxgw_bl4_key) == 8, "mxgw_bl4_key layout");

struct mxgw_bl6_key {
	__u32 prefixlen;	/* 0..128 */
	struct mxgw_in6 addr;
};
_Static_assert(sizeof(struct mxgw_bl6_key) == 20, "mxgw_bl6_key layout");

/* mxgw_blocklists: indexed by list bit; what mxctl blocklist shows. */
struct mxgw_blocklist {
	char name[MXGW_BL_NAME_LEN];
	char file[MXGW_BL_FILE_LEN];
	__u64 loaded_s;		/* CLOCK_REALTIME seconds of the last swap */
	__u32 n4;		/* IPv4 prefixes */
	__u32 n6;		/* IPv6 prefixes */
	__u32 nlong4;		/* of which longer than /24 */
	__u8 in_use;
	__u8 all_services;	/* no "services": every incoming packet */
	__u8 pad[2];
};
_Static_assert(sizeof(struct mxgw_blocklist) == 32 + 192 + 8 + 16, "mxgw_blocklist layout");

/* mxgw_bl_svc: by service id, the bits of the lists that apply to it; id
 * 0 (unlisted ports, ICMP, other protocols) those without "services". */
/* mxgw_bl_drops: per-CPU u64, by mxgw_bl_drop_key(family, list bit). */
static inline __u32 mxgw_bl_drop_key(__u32 family, __u32 bit)
{
	return family * MXGW_BL_MAX + bit;
}

/*
 * Rate limits (`limit SERVICE RATE/s [burst N] [ban DURATION]`): new
 * connections (a TCP SYN without ACK; UDP: every datagram) to a service
 * per source (IPv4 /32, IPv6 /64) in a token bucket kept as GCRA's
 * "theoretical arrival time" (RFC 2697's bucket in one word): a
 * connection at @now is let in when max(tat, now) + interval - now <=
 * burst * interval, and then tat = max(tat, now) + interval.  One u64 a
 * bucket, no division on the packet path, and a racing CPU at worst lets
 * one connection more in.  Times are the data plane's clock's.
 *
 * mxgw_limits: array by service id, filled at load.
 * mxgw_rl_new: LRU hash of sources seen once (probation); mxgw_rl: LRU
 * hash of the sources that came back.  A source's first connection
 * creates its bucket in mxgw_rl_new only; its second moves it into
 * mxgw_rl.  Spoofed random sources send one SYN each and never reach
 * mxgw_rl: a flood only turns mxgw_rl_new over, and the buckets of the
 * clients that keep connecting (the ones a limit is for) stay.
 */
struct mxgw_limit {
	__u64 interval_ns;	/* 1 / rate; 0: no limit */
	__u64 burst_ns;		/* burst * interval_ns */
	__u64 ban_ns;		/* over the limit: banned so long; 0: dropped only */
	__u32 rate;		/* as configured: rate connections per per_s seconds */
	__u32 per_s;		/* 1, 60 or 3600 */
	__u32 burst;
	__u32 pad;
};
_Static_assert(sizeof(struct mxgw_limit) == 40, "mxgw_limit layout");

struct mxgw_rl_key {
	__u8 family;		/* enum mxgw_family */
	__u8 svc_id;
	__u16 pad;
	__be32 addr[2];		/* IPv4: the address, 0; IPv6: the /64 */
};
_Static_assert(sizeof(struct mxgw_rl_key) == 12, "mxgw_rl_key layout");

struct mxgw_rl {
	__u64 tat_ns;		/* theoretical arrival time, data plane clock */
};
_Static_assert(sizeof(struct mxgw_rl) == 8, "mxgw_rl layout");

#define MXGW_RL_MAX		32768	/* mxgw_rl: sources that came back */
#define MXGW_RL_NEW_MAX		8192	/* mxgw_rl_new: sources seen once */
#define MXGW_LIMIT_REASON	"rate limit"

/*
 * SYN floods (`syn-flood SERVICE N/s`, docs/SYNFLOOD.md).  Each SYN to a
 * protected service is counted per CPU in a rate slot of
 * 2^MXGW_SYN_RATE_SHIFT ns of the data plane's clock (about a second) and
 * added to the service's shared count every MXGW_SYN_BATCH SYNs (one
 * atomic add per batch: no cache line bounces per SYN).  A count over
 * mxgw_synflood.per_slot turns flood mode on until MXGW_SYN_QUIET_NS
 * after the last slot over it.  In a flood, a SYN from a source not in
 * mxgw_syn_ok is answered from XDP (XDP_TX) with a SYN-ACK whose ack
 * number is a cookie, SipHash-2-4 under mxgw_config.syn_key of (source,
 * source port, destination, destination port, cookie slot): wrong on
 * purpose.  The client's stack answers it with a RST whose sequence
 * number is that ack (RFC 9293 3.10.7.3), then sends its SYN again after
 * its RTO.  A bare RST carrying a cookie of the current or previous
 * cookie slot proves the source receives at its address: only then is
 * it put in mxgw_syn_ok (spoofed SYNs create no state), and its next SYN
 * passes.
 */
struct mxgw_synflood {
	__u64 per_slot;		/* SYNs a rate slot (all CPUs) over which a flood is on; 0: off */
	__u32 rate;		/* as configured: SYNs a second */
	__u32 budget;		/* as configured: `budget M/s`, or the rate */
	/* SYNs let through to the service a rate slot (all CPUs) in a
	 * flood at most (the budget at the mail server); 0: no cap */
	__u64 budget_per_slot;
};
_Static_assert(sizeof(struct mxgw_synflood) == 24, "mxgw_synflood layout");

/* mxgw_syn_state: array by service id, the data plane's only. */
struct mxgw_syn_state {
	__u64 slot;		/* the rate slot count is of */
	__u64 count;		/* SYNs in it, all CPUs, up to a batch a CPU behind */
	__u64 until_ns;		/* flood mode while clock < until_ns */
	__u64 since_ns;		/* when the current (or last) flood began */
	__u64 bslot;		/* the rate slot passed is of */
	__u64 passed;		/* SYNs let through in a flood in it, up to a batch a CPU behind */
};
_Static_assert(sizeof(struct mxgw_syn_state) == 48, "mxgw_syn_state layout");

/* mxgw_syn_rate: per-CPU array by service id. */
struct mxgw_syn_rate {
	__u64 slot;		/* the rate slot pending and challenged are of */
	__u32 pending;		/* SYNs not yet added to mxgw_syn_state.count */
	__u32 challenged;	/* SYN-ACKs this CPU sent in the slot */
	__u32 passed;		/* SYNs let through in a flood not yet added to mxgw_syn_state.passed */
	__u32 pad;
};
_Static_assert(sizeof(struct mxgw_syn_rate) == 24, "mxgw_syn_rate layout");

/* mxgw_syn_ok: LRU hash of verified sources (IPv4 /32, IPv6 /64). */
struct mxgw_syn_key {
	__u8 family;		/* enum mxgw_family */
	__u8 pad[3];
	__be32 addr[2];		/* IPv4: the address, 0; IPv6: the /64 */
};
_Static_assert(sizeof(struct mxgw_syn_key) == 12, "mxgw_syn_key layout");

struct mxgw_syn_ok {
	__u64 verified_ns;	/* data plane clock */
};
_Static_assert(sizeof(struct mxgw_syn_ok) == 8, "mxgw_syn_ok layout");

#define MXGW_SYN_RATE_SHIFT	30	/* rate slot: 2^30 ns, 1.07 s */
#define MXGW_SYN_COOKIE_SHIFT	33	/* cookie slot: 2^33 ns, 8.6 s; the previous one verifies too */
#define MXGW_SYN_BATCH		8	/* SYNs a CPU counts before adding them to the shared count */
#define MXGW_SYN_QUIET_NS	(10ULL * 1000 * 1000 * 1000)	/* flood off after this below threshold */
#define MXGW_SYN_OK_NS		(3600ULL * 1000 * 1000 * 1000)	/* a verification lasts */
/* SYN-ACKs one CPU sends a rate slot at most for one service: what
 * spoofed SYNs can make the gateway send to the addresses they forge */
#define MXGW_SYN_CHALLENGE_MAX	(1U << 20)
#define MXGW_SYN_OK_MAX		65536
#define MXGW_SYN_RATE_MAX	1000000U	/* syn-flood N/s at most */

/* SYNs a second -> per rate slot (2^MXGW_SYN_RATE_SHIFT ns), rounded up. */
static inline __u64 mxgw_syn_per_slot(__u32 rate)
{
	return ((__u64)rate * (1ULL << MXGW_SYN_RATE_SHIFT) + 999999999ULL) / 1000000000ULL;
}

/*
 * mxgw_build's one entry: which build runs, so that a load by another can
 * tell an upgrade (its programs differ: replaced atomically, state kept)
 * from a re-apply (in place).  obj_hash is FNV-1a 64 over the BPF object's
 * code, data and relocation sections as the build embedded it (no debug
 * information or BTF, which hold source paths: the same sources built in
 * another directory are the same build); version is git describe at build
 * time.  An earlier build without this map is known by its programs' tags.
 */
struct mxgw_build {
	__u64 obj_hash;
	__u32 abi_version;
	__u32 pad;
	char version[48];
};
_Static_assert(sizeof(struct mxgw_build) == 64, "mxgw_build layout");

#endif /* MXGW_ABI_H */
