/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading, attaching and pinning mxgw on a WAN interface: the skeleton
 * lifecycle (open, load, fill maps, pin, attach) with one cleanup path.
 * Returns 0 or a negative errno; nothing is printed here except the notes
 * passed back in struct mxgw_load_result.
 */
#ifndef MXGW_LOADER_H
#define MXGW_LOADER_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include "../maps/maps.h"
#include "../maps/policy.h"

struct mxgw_policy;
struct mxgw_bpf;
struct bpf_object;

/* Our clsact egress filter: fixed so unload finds exactly ours. */
#define MXGW_TC_HANDLE		0x4d58	/* "MX" */
#define MXGW_TC_PRIORITY	1

/* In an XDP mode (XDP_ATTACHED_*): mxgw_wan_in runs as a component of
 * libxdp's dispatcher, which is what the device runs in that mode. */
#define MXGW_XDP_DISPATCHER	0x80

struct mxgw_attach_info {
	__u32 ifindex;
	__u32 xdp_prog_id;	/* attached now (under the dispatcher: mxgw's component), 0 if none */
	__u8 xdp_mode;		/* XDP_ATTACHED_DRV / _SKB / _HW / _MULTI, | MXGW_XDP_DISPATCHER */
	__u32 tc_prog_id;	/* our egress filter's program, 0 if none */
	__u32 pinned_xdp_id;	/* mxgw's own programs, from the pins */
	__u32 pinned_tc_id;
	/* the LAN's fast path (issue 14): the pinned mxgw_lan_in and the
	 * device it runs on (0: none), found by the program's id */
	__u32 pinned_lan_id;
	__u32 lan_ifindex;
	__u8 lan_mode;		/* XDP_ATTACHED_* there */
	/* libxdp's dispatcher on the device (0: none) and mxgw's run
	 * priority in it */
	__u32 xdp_dispatcher_id;
	__u32 xdp_priority;
};

/*
 * The pins of one interface in this network namespace, against the
 * device they were loaded on (mxgw_config.wan_ifindex).
 */
enum mxgw_pins_state {
	MXGW_PINS_NONE = 0,	/* no pin directory */
	MXGW_PINS_OK,		/* the device of that ifindex has this name */
	MXGW_PINS_RENAMED,	/* it has another name now, and runs the pinned programs */
	MXGW_PINS_STALE,	/* it is gone, or another device has its ifindex, or the
				 * pins are incomplete: nothing runs them */
};

struct mxgw_pins {
	enum mxgw_pins_state state;
	__u32 ifindex;			/* the device loaded on; 0: unreadable */
	char ifname_now[IF_NAMESIZE];	/* that device's name now; "" when gone */
};

struct mxgw_load_result {
	bool created;		/* false: already loaded, config re-applied */
	bool generic_xdp;	/* native XDP refused, generic (skb) mode used */
	bool repaired;		/* a program had been detached and was re-attached */
	bool replaced;		/* new programs replaced the running ones (resize, take-back) */
	bool taken_back;	/* mxgw programs without pins were running there: replaced */
	bool stale_removed;	/* stale pins of that name were removed first (see stale) */
	struct mxgw_pins stale;
	int native_err;		/* why native XDP was refused */
	int fast_ports;		/* devices in mxgw_tx_ports, or -EOPNOTSUPP */
	__u32 ct_max_old;	/* resized: the conntrack size before and after */
	__u32 ct_max_new;
	__u32 ct_copied;	/* replaced: flows and mappings copied into the new maps */
	__u32 nat_copied;
	__u32 bans_copied;	/* replaced: bans copied into maps of a new shape */
	const char *refusal;	/* the kernel refused the programs: why, in one line */
	/* mxgw_lan_in (issue 14): the LAN device it runs on now (0: none,
	 * no route to the mail server but through the WAN), in generic mode */
	__u32 lan_ifindex;
	bool lan_generic;
	bool lan_failed;	/* the error is the LAN device's (attaching there) */
	/* no LAN program: the LAN device runs another loaded interface's */
	__u32 lan_taken;
	/* upgraded (issue 15): another build ran there, its programs were
	 * replaced atomically; the two builds (struct mxgw_build described),
	 * the running maps shared, made fresh, and the maps migrated */
	bool upgraded;
	char build_from[112];
	char build_to[112];
	unsigned int maps_shared;
	unsigned int maps_fresh;
	char migrated[160];
	/* in (from the config, or the running gateway's mode), out (what
	 * was used): mxgw_wan_in through libxdp's dispatcher at this run
	 * priority, or directly */
	bool xdp_dispatcher;
	__u32 xdp_priority;
};

struct mxgw_unload_result {
	bool stale;		/* only stale pins were there: removed (see pins) */
	bool orphan;		/* no pins, but mxgw's programs ran there: detached */
	struct mxgw_pins pins;
};

/*
 * The WAN device as the data plane needs it for @pol: its ifindex, its
 * IPv4 addresses and the LAN prefix of the mail server among the other
 * devices' addresses; its IPv6 addresses (global first, link-local too,
 * up to MXGW_WAN6_ADDRS_MAX); and when @pol names no lan6, the LAN's IPv6
 * prefixes (mxgw_lan6_of).  Read at every load and reload.
 */
int mxgw_wan_of(__u32 ifindex, const struct mxgw_policy *pol, struct mxgw_wan *wan);
/*
 * The global IPv6 prefixes connected on the device the mail server is
 * routed through (*@oif): the route to mailserver6, else (none, or one
 * through the WAN @wan_ifindex) the route to the IPv4 mail server; never
 * the WAN's own, never link-local.  Up to @max into @lan6; returns how
 * many (0 with *@oif 0: no such device), or -errno.
 */
int mxgw_lan6_of(const struct mxgw_policy *pol, __u32 wan_ifindex,
		 struct mxgw_prefix6 *lan6, unsigned int max, __u32 *oif);
/* mxgw_ct and mxgw_nat hold @max entries; before load. */
int mxgw_size_conntrack(struct mxgw_bpf *skel, __u32 max);

/*
 * The pins live in /sys/fs/bpf/mxgw/<netns>/<ifname>: bpffs is one mount
 * for every network namespace, interface names are per namespace.  <netns>
 * is the namespace's cookie (SO_NETNS_COOKIE, Linux 5.14+; never reused
 * while the system runs), else the inode of /proc/self/ns/net.
 */
int mxgw_netns_id(__u64 *id);
/* "/sys/fs/bpf/mxgw/<netns>" of the calling thread's namespace */
int mxgw_ns_pin_dir(char *buf, size_t len);
/* "/sys/fs/bpf/mxgw/<netns>/<ifname>" */
int mxgw_pin_dir(const char *ifname, char *buf, size_t len);
/* Mount bpffs on /sys/fs/bpf when it is not there. */
int mxgw_ensure_bpffs(void);

/*
 * Load, or apply @pol to what runs: in place when every map keeps its
 * shape, else by mxgw_replace() (conntrack-max changed).  Stale pins of
 * that name are removed first; mxgw programs that lost their pins are
 * taken back (replaced atomically, their flows copied).
 */
int mxgw_load(const char *ifname, const struct mxgw_policy *pol,
	      struct mxgw_load_result *res);
/*
 * The same, with mxgw_lan_in on the LAN device @lan_ifname, or when NULL
 * on the device the route to the mail server leaves through (none when
 * that is the WAN or there is no route).  Both devices or neither: a LAN
 * program that cannot be attached fails the load, the WAN unchanged.
 */
int mxgw_load_lan(const char *ifname, const char *lan_ifname,
		  const struct mxgw_policy *pol, struct mxgw_load_result *res);

/* The LAN device for @pol (see mxgw_load_lan) into *@lan, 0: none;
 * -ENODEV: no @lan_ifname, -EINVAL: it is the WAN device. */
int mxgw_lan_choose(const char *lan_ifname, const struct mxgw_policy *pol,
		    __u32 wan_ifindex, __u32 *lan);
/* 1 when @lan runs the mxgw_lan_in of another loaded interface than
 * @self (two WANs, one LAN: the first loaded keeps it), 0 when not. */
int mxgw_lan_taken(__u32 lan, const char *self);
/* The device XDP program @prog_id is attached to (0: none) and its mode. */
int mxgw_lan_where(__u32 prog_id, __u32 *ifindex, __u8 *mode);
/* How to take back mxgw_lan_put. */
struct mxgw_lan_undo {
	__u32 ifindex;		/* 0: nothing was done */
	int old_fd;		/* the program swapped out, or -1 */
	bool attached;		/* a first attach */
	bool generic;
	__u8 mode;
};
/* Put @new_fd on @lan: attached where nothing runs, swapped atomically for
 * an mxgw_lan_in that runs there, -EBUSY for another program. */
int mxgw_lan_put(__u32 lan, int new_fd, struct mxgw_lan_undo *undo);
void mxgw_lan_undo(const struct mxgw_lan_undo *undo, int new_fd);
void mxgw_lan_done(struct mxgw_lan_undo *undo);
/* Detach the mxgw_lan_in pinned in @dir from the device it runs on,
 * unless that is @keep. */
int mxgw_lan_detach_pinned(const char *dir, __u32 keep);
/*
 * Detach XDP first, TC last (until then egress still translates or drops
 * what the LAN sends), then remove the pins.  Stale pins are just
 * removed; an mxgw program left without pins is detached.  @res may be
 * NULL.  -ENOENT: nothing of mxgw's there.
 */
int mxgw_unload(const char *ifname, struct mxgw_unload_result *res);
int mxgw_pins_state(const char *ifname, struct mxgw_pins *p);

/* A pin directory that followed its interface's new name. */
struct mxgw_renamed {
	char from[IF_NAMESIZE];
	char to[IF_NAMESIZE];
	bool replaced_stale;	/* stale pins under the new name were removed */
};
/*
 * Rename the pin directories of renamed interfaces (MXGW_PINS_RENAMED) of
 * this namespace to the interfaces' new names.  Up to @max are described
 * in @out (may be NULL); returns how many were renamed.
 */
int mxgw_follow_renames(struct mxgw_renamed *out, int max);

/* Interfaces with pins in this namespace (after following renames),
 * sorted; returns how many (up to @max). */
int mxgw_loaded_ifnames(char (*names)[IF_NAMESIZE], int max);
int mxgw_open_loaded(const char *ifname, struct mxgw_maps *m);
/*
 * The lock load, reload and unload hold (an fd to pass to unlock, or -1
 * where bpffs is not mounted yet: nothing to serialise), for a writer of
 * what mxgw_maps_apply also writes: mxctl ban sets the config's ban flags,
 * which a reload's apply computes from the ban maps at the same time;
 * mxctl blocklist reload swaps a list's tables.
 */
int mxgw_pins_lock(void);
void mxgw_pins_unlock(int fd);
int mxgw_query_attach(const char *ifname, struct mxgw_attach_info *info);
/* 0 when this kernel runs libxdp's XDP dispatcher (xdp-attach), else why
 * not: -EPERM where freplace programs are refused (loader/xdp_attach.c). */
int mxgw_xdp_dispatcher_probe(void);

/*
 * Put in mxgw_tx_ports exactly the devices @pol's xdp-redirect names: by
 * default (auto) those that take redirected XDP frames now, as the kernel
 * says; none (off); or the devices named that exist here.  Returns their
 * count, or -EOPNOTSUPP for auto on kernels that do not report
 * xdp-features (the fast path then stays off: the kernel forwards).
 */
int mxgw_sync_tx_ports(const struct mxgw_maps *m, const struct mxgw_policy *pol);
/*
 * Does the fast path redirect to a device that takes no XDP frames now?
 * @nh is the data plane's next-hop cache (mxgw_maps_read_nexthop()):
 * mxgw_tx_ports is a snapshot from load/reload, and xdp-features change at
 * run time (a veth whose peer lost its XDP program or GRO): redirected
 * packets are then lost until mxctl reload.
 */
bool mxgw_fast_path_lost(const struct mxgw_nexthop *nh);

/*
 * Around the load of @obj: each program gets a verifier log buffer of its
 * own (bpf_program__set_log_buf), which the kernel fills only for the one
 * it refuses; that log goes on to libbpf's print callback, where libbpf's
 * own would have gone.  After a failed load, mxgw_refusal() says why in one
 * line: a map type or helper this kernel lacks, probed and named with the
 * Linux version that brought it, or what the verifier said of the program
 * it refused.  NULL when the programs were not refused.
 */
void mxgw_refusal_capture_begin(struct bpf_object *obj);
void mxgw_refusal_capture_end(struct bpf_object *obj);
const char *mxgw_refusal(void);

/* Borrow the map fds of a loaded skeleton (they stay owned by it), by the
 * names of MXGW_MAPS; -ENOENT when one is not in the object (its fd -1). */
int mxgw_maps_from_skel(const struct mxgw_bpf *skel, struct mxgw_maps *m);

/*
 * What runs on an interface, as mxgw_replace() starts from it: the
 * programs attached now and the maps to carry over, by name.
 */
#define MXGW_RUNNING_MAPS_MAX	48

struct mxgw_running {
	int xdp_fd;		/* the program the pins (or the device) name; -1: none */
	int tc_fd;
	unsigned int nmaps;
	struct {
		char name[16];	/* BPF_OBJ_NAME_LEN: the kernel's (truncated) name */
		int fd;
	} maps[MXGW_RUNNING_MAPS_MAX];
};

void mxgw_running_init(struct mxgw_running *run);
void mxgw_running_close(struct mxgw_running *run);
/* From the pins in @dir: both programs and every pinned map. */
int mxgw_running_from_pins(const char *dir, struct mxgw_running *run);
/*
 * From the programs attached to @ifindex whose pins are gone: an XDP
 * program named mxgw_wan_in, our TC filter if named mxgw_wan_out, and the
 * maps they use.  -ENOENT when no mxgw_wan_in runs there.
 */
int mxgw_running_from_device(__u32 ifindex, struct mxgw_running *run);

/*
 * Put this build's programs on @ifindex in place of what runs (@old; an
 * empty one for a first load) without a moment unfiltered: a new skeleton
 * whose maps are the running ones where they keep their shape, fresh ones
 * where not (filled from the old: flows survive a resize), and never the
 * running clock (its timer belongs to the old program).  The config is
 * applied, XDP swapped atomically for the expected old program, TC
 * replaced in place, flows created meanwhile copied again, and the pins
 * written under temporary names renamed over the old ones in @dir.  On
 * failure nothing is swapped (XDP is swapped back if TC fails).
 */
int mxgw_replace(const char *dir, __u32 ifindex, const struct mxgw_policy *pol,
		 const struct mxgw_wan *wan, const struct mxgw_running *old,
		 struct mxgw_load_result *res);

/*
 * Before load and reload: facts about @ifname and this namespace that
 * decide whether loading there is a mistake (mxctl refuses or warns).
 */
struct mxgw_preflight {
	bool loopback;		/* IFF_LOOPBACK */
	int lan_route;		/* 1: the route to the mail server leaves through
				 * @ifname (not the default route), 0: no, -errno: unknown */
	bool default_route_lan;	/* it leaves through @ifname by the default route */
	__be32 route_dst;	/* lan_route: that route's prefix */
	__u8 route_len;
	bool public_on_if;	/* public is one of @ifname's addresses */
	int ip_forward;		/* net.ipv4.ip_forward: 0, 1, -1 unreadable */
	/* IPv6, when @pol has a mailserver6 (else 0 and -1) */
	int ip6_forward;	/* net.ipv6.conf.all.forwarding: 0, 1, -1 unreadable
				 * (no IPv6 in this kernel or namespace) */
	int lan6_route;		/* the route to mailserver6: 1 leaves through @ifname
				 * (its own or the default route), 0 another device,
				 * -errno none (-ENETUNREACH) or unknown */
	struct mxgw_in6 route6_dst;	/* lan6_route 1: that route's prefix */
	__u8 route6_len;
};
int mxgw_preflight(const char *ifname, const struct mxgw_policy *pol,
		   struct mxgw_preflight *pf);

/* The integer a sysctl file such as /proc/sys/net/ipv4/ip_forward holds,
 * or -1 when it cannot be read (no such file: no IPv6 here, say). */
int mxgw_read_sysctl(const char *path);

/* An established TCP connection to the gateway itself. */
struct mxgw_tcp_conn {
	__be32 local_addr;
	__be32 remote_addr;
	__u16 local_port;	/* host byte order */
	__u16 remote_port;
};
/*
 * The established TCP connections whose local address is @addr and whose
 * local port has a listening socket (the gateway's own incoming ones:
 * sshd's, say), from /proc/net/tcp and tcp6 (v4-mapped) of this
 * namespace.  Fills up to @max, returns how many there are.
 */
int mxgw_incoming_tcp(__be32 addr, struct mxgw_tcp_conn *conns, int max);

/* An established TCP connection to the gateway itself over IPv6. */
struct mxgw_tcp6_conn {
	struct mxgw_in6 local_addr;
	struct mxgw_in6 remote_addr;
	__u16 local_port;	/* host byte order */
	__u16 remote_port;
};
/*
 * The same over IPv6 proper (not v4-mapped) from /proc/net/tcp6: the
 * established connections whose local address is one of @addrs (@naddrs:
 * the WAN device's IPv6 addresses) and whose local port has a listening
 * socket there or on ::.  Fills up to @max, returns how many there are.
 */
int mxgw_incoming_tcp6(const struct mxgw_in6 *addrs, unsigned int naddrs,
		       struct mxgw_tcp6_conn *conns, int max);

/*
 * One snapshot of a running gateway on one interface: every fact mxctl
 * status, stats and the Prometheus exporter print, read in one go so that
 * their printers only print (bpftool's show_prog: one record, printed as
 * JSON or plain text).  The library owns the reading, as it owns the
 * maps; what only mxctl knows (the config file to compare against) it
 * adds on top.
 */

/* The path incoming mail takes now, from the data plane's next-hop cache. */
enum mxgw_fwd_path {
	MXGW_FWD_PATH_UNKNOWN = 0,	/* no incoming connection so far */
	MXGW_FWD_PATH_REDIRECT,		/* XDP redirect to the LAN device */
	MXGW_FWD_PATH_KERNEL,		/* handed to the kernel's forwarding */
	MXGW_FWD_PATH_MAX,
};

/* And why: the kernel path has several reasons. */
enum mxgw_fwd_reason {
	MXGW_FWD_WHY_NO_LOOKUP = 0,		/* no lookup yet: the cache is empty */
	MXGW_FWD_WHY_REDIRECT,		/* resolved, the device takes XDP frames */
	MXGW_FWD_WHY_NO_XMIT,		/* resolved, the device takes no XDP frames */
	MXGW_FWD_WHY_NO_NEIGH,		/* the mail server's MAC is not resolved yet */
	MXGW_FWD_WHY_DISABLED,		/* IPv4 forwarding is disabled */
	MXGW_FWD_WHY_NO_ROUTE,		/* the fib lookup failed otherwise (fib_ret) */
	MXGW_FWD_WHY_MAX,
};

/* The classification, once: from the next-hop cache entry. */
static inline enum mxgw_fwd_reason mxgw_fwd_classify(const struct mxgw_nexthop *nh)
{
	if (!nh->refreshed_ns)
		return MXGW_FWD_WHY_NO_LOOKUP;
	switch (nh->fib_ret) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		return nh->can_redirect ? MXGW_FWD_WHY_REDIRECT : MXGW_FWD_WHY_NO_XMIT;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		return MXGW_FWD_WHY_NO_NEIGH;
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		return MXGW_FWD_WHY_DISABLED;
	default:
		return MXGW_FWD_WHY_NO_ROUTE;
	}
}

static inline enum mxgw_fwd_path mxgw_fwd_path_of(enum mxgw_fwd_reason r)
{
	return r == MXGW_FWD_WHY_NO_LOOKUP ? MXGW_FWD_PATH_UNKNOWN :
	       r == MXGW_FWD_WHY_REDIRECT ? MXGW_FWD_PATH_REDIRECT : MXGW_FWD_PATH_KERNEL;
}

/* NAT ports in use are counted per protocol: TCP and UDP ports, ICMP echo
 * identifiers. */
enum mxgw_nat_proto {
	MXGW_NAT_TCP = 0,
	MXGW_NAT_UDP,
	MXGW_NAT_ICMP,
	MXGW_NAT_PROTO_MAX,
};

/* What makes mxctl status print a WARNING (and exit 3): snapshot.warnings. */
#define MXGW_WARN_STALE_PINS		0x1	/* the pins' device is gone or another */
#define MXGW_WARN_XDP_NOT_OURS		0x2	/* the XDP program there is not the pinned one */
#define MXGW_WARN_FAST_PATH_LOST	0x4	/* redirecting to a device that takes no XDP frames */
#define MXGW_WARN_FORWARDING_OFF	0x8	/* net.ipv4.conf.IFNAME.forwarding is 0 */
/* with a mailserver6: net.ipv6.conf.all.forwarding is 0 (ip6_forward() drops
 * what XDP hands the kernel) */
#define MXGW_WARN_IPV6_FORWARDING_OFF	0x10
/* with a mailserver6: its next hop redirects to a device that takes no XDP
 * frames */
#define MXGW_WARN_FAST_PATH6_LOST	0x20
/* the LAN's fast path (mxgw_lan_in) redirects to a WAN device that takes
 * no XDP frames now (issue 14) */
#define MXGW_WARN_LAN_FAST_PATH_LOST	0x40

struct mxgw_snapshot_service {
	__u32 id;			/* 0: unlisted, the default verdicts */
	struct mxgw_service svc;	/* as mxgw_services holds it; for id 0 the
					 * verdicts are the defaults */
	char name[MXGW_SVC_NAME_LEN + 1];	/* svc.name, NUL-terminated; "" for id 0 */
	struct mxgw_svc_stats count;	/* summed over CPUs and both families */
	struct mxgw_svc_stats count6;	/* what of it IPv6 counted */
	unsigned int nfrom;		/* MXGW_PORT_F_FROM: incoming only from these */
	struct mxgw_prefix from[MXGW_POLICY_MAX_FROM_PER_SVC];
	unsigned int nfrom6;		/* and these IPv6 prefixes (mxgw_from6) */
	struct mxgw_cidr6 from6[MXGW_POLICY_MAX_FROM_PER_SVC];
	struct mxgw_limit limit;	/* MXGW_PORT_F_LIMIT: mxgw_limits[id] */
	/* MXGW_PORT_F_SYNFLOOD: mxgw_synflood[id], mxgw_syn_state[id] */
	struct mxgw_synflood synflood;
	struct mxgw_syn_state syn_state;
};

struct mxgw_snapshot {
	char ifname[IF_NAMESIZE];
	char pin_dir[128];		/* where bpftool finds the pins */
	struct mxgw_pins pins;
	struct mxgw_attach_info att;
	struct mxgw_config cfg;		/* what runs, as the data plane reads it */
	unsigned int warnings;		/* MXGW_WARN_* */
	unsigned int nservices;		/* svcs[0] is the unlisted row, then by id */
	struct mxgw_snapshot_service svcs[MXGW_MAX_SERVICES];
	/* by enum mxgw_counter, both families summed (the NOFAMILY ones are
	 * IPv4's key alone), the derived ones derived per family */
	__u64 counters[MXGW_COUNTER_MAX];
	__u64 counters6[MXGW_COUNTER_MAX];	/* what of them IPv6 counted */
	struct mxgw_nexthop nh;			/* the mail server's (IPv4) */
	enum mxgw_fwd_reason fwd;	/* mxgw_fwd_classify(&nh) */
	char fwd_dev[IF_NAMESIZE];	/* nh.ifindex's name; "" when unknown */
	__u64 nh_age_ns;		/* since the next hop was looked up; 0: never */
	bool fast_path_lost;		/* mxgw_fast_path_lost(&nh) */
	__u32 ct_entries;		/* tracked flows within their timeout */
	__u32 ct_max;			/* size of mxgw_ct (conntrack-max) */
	__u32 nat_mappings;		/* live flows of LAN hosts (not the gateway's) */
	__u32 nat_ports_in_use[MXGW_NAT_PROTO_MAX];	/* distinct public ports */
	struct mxgw_clock clock;
	__u64 clock_age_ns;		/* since the clock's last tick; 0: no tick yet,
					 * or one ahead of now */
	bool clock_stale;		/* its timer stopped (see struct mxgw_clock) */
	struct mxgw_log_lease lease;
	bool log_read;			/* an mxctl log holds the lease */
	bool log_listening;		/* the data plane makes events */
	int ipv4_forwarding;		/* net.ipv4.conf.IFNAME.forwarding; -1 unknown */
	/* IPv6: routed to mailserver6 (cfg.has_mailserver6, cfg.lan6, cfg.wan6_addrs) */
	struct mxgw_nexthop nh6;	/* mailserver6's next hop */
	enum mxgw_fwd_reason fwd6;	/* mxgw_fwd_classify(&nh6) */
	char fwd6_dev[IF_NAMESIZE];
	__u64 nh6_age_ns;
	bool fast_path6_lost;		/* mxgw_fast_path_lost(&nh6), with a mailserver6 */
	/* mxgw_lan_in runs and the WAN device, in mxgw_tx_ports, takes no
	 * XDP frames now (issue 14) */
	bool lan_fast_path_lost;
	__u32 ct6_entries;		/* tracked IPv6 flows within their timeout */
	__u32 ct6_max;			/* size of mxgw_ct6 (conntrack-max too) */
	int ipv6_forwarding;		/* net.ipv6.conf.all.forwarding (what
					 * ip6_forward() reads); -1 unknown: no IPv6 */
	/* bans (live or expired, not yet removed) and allowlist prefixes,
	 * by enum mxgw_family */
	unsigned int bans[MXGW_FAM_MAX];
	unsigned int allow[MXGW_FAM_MAX];
	/* rate limits' buckets (cfg.flags MXGW_CFG_F_LIMIT): sources that
	 * came back (mxgw_rl), sources seen once (mxgw_rl_new) */
	unsigned int rl_buckets, rl_new_buckets;
	/* syn-flood (cfg.flags MXGW_CFG_F_SYNFLOOD): verified sources */
	unsigned int syn_ok;
	/* blocklists, by list bit (in_use: running) */
	struct mxgw_blocklist bl[MXGW_BL_MAX];
	__u64 bl_drops[MXGW_BL_MAX][MXGW_FAM_MAX];
	__u64 bl_mem4, bl_mem6;		/* bytes the kernel charges for the tables */
};

/*
 * Everything about mxgw on @ifname into @s (about 520 KiB: allocate it).
 * On error @s holds what was read before it.
 */
int mxgw_snapshot_read(const char *ifname, struct mxgw_snapshot *s);

#endif /* MXGW_LOADER_H */
