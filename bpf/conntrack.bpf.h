/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Connection tracking and masquerade for flows the LAN opens.
 *
 * mxgw_ct is keyed as replies arrive on the WAN, so the ingress fast path
 * pays one lookup; so does egress for a flow that kept its own port (most
 * do: nat_find asks mxgw_ct at the LAN port first); mxgw_nat maps the
 * others to their public port, a second lookup.  Entries expire lazily: a
 * lookup ignores an entry past its state's timeout, and the LRU reclaims
 * the space.  New mappings claim their public port with BPF_NOEXIST, so two
 * CPUs can never hand out the same (remote, port) pair.
 */
#ifndef MXGW_CONNTRACK_BPF_H
#define MXGW_CONNTRACK_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"

/*
 * A change that can make a slot of mxgw_est_cache or mxgw_est6_cache
 * wrong: an insert tried (the LRU evicts only then), a FIN or RST (what
 * takes an entry out of tcp-established).  Once per new flow or closing
 * connection, never per packet.
 */
static __always_inline void ct_gen_bump(void)
{
	__u32 zero = 0;
	struct mxgw_ct_gen *g = bpf_map_lookup_elem(&mxgw_ct_gen, &zero);

	if (g)
		__sync_fetch_and_add(&g->gen, 1);
}

static __always_inline bool ct_expired(const struct mxgw_config *cfg,
				       const struct mxgw_ct_entry *e, __u64 now)
{
	__u32 st = e->state;

	if (st >= MXGW_CT_STATE_MAX)
		return true;
	return now - e->seen_ns > mxgw_ct_timeout_ns(cfg, e, st);
}

/* A TCP segment that may open a connection: SYN alone of the four. */
static __always_inline bool tcp_opens(__u8 tcp_flags)
{
	return (tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN;
}

/*
 * The state a new entry starts in.  A LAN flow always starts with a SYN
 * (mxgw_wan_out drops anything else without a flow: drop_out_no_flow);
 * only the gateway's own flows are picked up mid-stream (ct_local), and
 * stay at tcp-syn-sent's timeout until the other side answers.
 */
static __always_inline __u8 ct_initial_state(__u8 proto, __u8 tcp_flags)
{
	if (proto == IPPROTO_TCP)
		return tcp_opens(tcp_flags) ? MXGW_CT_TCP_SYN_SENT :
					      MXGW_CT_TCP_ESTABLISHED;
	if (proto == IPPROTO_UDP)
		return MXGW_CT_UDP;
	return MXGW_CT_ICMP;
}

/*
 * TCP state from the flags of one segment; @dir is MXGW_DIR_OUT for the
 * LAN side, MXGW_DIR_IN for the remote side.  Enough to expire entries as
 * netfilter would, not a window tracker.
 */
static __always_inline void ct_tcp_update(struct mxgw_ct_entry *e, __u8 tflags,
					  int dir, __u64 now)
{
	__u8 st = e->state, both = MXGW_CT_F_FIN_OUT | MXGW_CT_F_FIN_IN;

	if (tflags & TCP_RST) {
		e->state = MXGW_CT_TCP_CLOSE;
		return;
	}
	if (tflags & TCP_SYN) {
		if (!(tflags & TCP_ACK)) {
			/* a new connection on the same tuple: its age and
			 * its replies start afresh */
			if (dir == MXGW_DIR_OUT && (st == MXGW_CT_TCP_CLOSE ||
						    st == MXGW_CT_TCP_TIME_WAIT)) {
				e->state = MXGW_CT_TCP_SYN_SENT;
				e->flags &= ~(both | MXGW_CT_F_REPLIED);
				e->created_ns = now;
			}
		} else if (dir == MXGW_DIR_IN && st == MXGW_CT_TCP_SYN_SENT) {
			e->state = MXGW_CT_TCP_SYN_RECV;
		}
		return;
	}
	if (tflags & TCP_FIN) {
		e->flags |= dir == MXGW_DIR_OUT ? MXGW_CT_F_FIN_OUT : MXGW_CT_F_FIN_IN;
		if ((e->flags & both) == both)
			e->state = MXGW_CT_TCP_LAST_ACK;
		else
			e->state = dir == MXGW_DIR_OUT ? MXGW_CT_TCP_FIN_WAIT :
							 MXGW_CT_TCP_CLOSE_WAIT;
		return;
	}
	if (tflags & TCP_ACK) {
		if (st == MXGW_CT_TCP_SYN_RECV && dir == MXGW_DIR_OUT)
			e->state = MXGW_CT_TCP_ESTABLISHED;
		else if (st == MXGW_CT_TCP_LAST_ACK)
			e->state = MXGW_CT_TCP_TIME_WAIT;
	}
}

/* One packet of a live flow: time, replied flag and state. */
static __always_inline void ct_touch(struct mxgw_ct_entry *e, __u8 proto,
				     __u8 tflags, int dir, __u64 now)
{
	/* written only when they change: the clock ticks every 100 ms, and
	 * a clean cache line stays shared between the CPUs that read it */
	if (e->seen_ns != now)
		e->seen_ns = now;
	if (dir == MXGW_DIR_IN && !(e->flags & MXGW_CT_F_REPLIED))
		e->flags |= MXGW_CT_F_REPLIED;
	if (proto == IPPROTO_TCP) {
		ct_tcp_update(e, tflags, dir, now);
		/* only a FIN or a RST takes an entry out of tcp-established:
		 * a few packets a connection */
		if (tflags & (TCP_FIN | TCP_RST))
			ct_gen_bump();
	} else if (proto == IPPROTO_UDP && dir == MXGW_DIR_IN)
		e->state = MXGW_CT_UDP_STREAM;
}

/*
 * A packet from the Internet to the public address: its live entry, or
 * NULL.  @rport/@pport are the remote (source) and public (destination)
 * ports, or 0 and the echo identifier for ICMP.
 */
static __always_inline struct mxgw_ct_entry *
ct_lookup_in(const struct mxgw_config *cfg, __u8 proto, __be32 raddr,
	     __be16 rport, __be16 pport, __u64 now)
{
	struct mxgw_ct_key key = {
		.remote_addr = raddr,
		.remote_port = rport,
		.public_port = pport,
		.proto = proto,
	};
	struct mxgw_ct_entry *e = bpf_map_lookup_elem(&mxgw_ct, &key);

	if (!e)
		return NULL;
	if (ct_expired(cfg, e, now)) {
		count(MXGW_CT_EXPIRED);
		return NULL;
	}
	return e;
}

/* Is @port (host order) a port the table lists? */
static __always_inline bool is_service_port(__u8 proto, __u16 port)
{
	struct mxgw_port_policy *pol;

	if (proto == IPPROTO_ICMP)
		return false;
	pol = port_policy(proto, port);
	return pol && pol->svc_id;
}

/* Is @e a live mapping of the LAN's @lan_addr:@lan_port (not the gateway's own)? */
static __always_inline bool ct_maps_lan(const struct mxgw_config *cfg,
					const struct mxgw_ct_entry *e,
					__be32 lan_addr, __be16 lan_port, __u64 now)
{
	return e->lan_addr == lan_addr && e->lan_port == lan_port &&
	       !(e->flags & MXGW_CT_F_LOCAL) && !ct_expired(cfg, e, now);
}

/*
 * Claim @key (its public_port set) for @e: free, or held by an entry past
 * its timeout.  Returns true when the entry is in.
 */
static __always_inline bool ct_claim(const struct mxgw_config *cfg,
				     struct mxgw_ct_key *key,
				     struct mxgw_ct_entry *e, __u64 now)
{
	struct mxgw_ct_entry *old;

	if (!bpf_map_update_elem(&mxgw_ct, key, e, BPF_NOEXIST))
		return true;
	old = bpf_map_lookup_elem(&mxgw_ct, key);
	if (!old)
		return false;
	/* another CPU mapped the same LAN flow a moment ago: that is ours */
	if (ct_maps_lan(cfg, old, e->lan_addr, e->lan_port, now))
		return true;
	if (!ct_expired(cfg, old, now))
		return false;
	count(MXGW_CT_EXPIRED);
	bpf_map_delete_elem(&mxgw_ct, key);
	return !bpf_map_update_elem(&mxgw_ct, key, e, BPF_NOEXIST);
}

/*
 * A public port for a new flow: the LAN host's own port when it lies in
 * the nat-ports range and is free (as netfilter keeps it), else a free one
 * of the range, never a listed service port.  A range of up to
 * MXGW_NAT_TRIES ports is searched whole from a random point; a larger one
 * is probed at random places: kept LAN ports fill the range in long runs,
 * and a line of probes from one start inside such a run would find none
 * free while most of the range is (with 60% of it taken, 64 random probes
 * all fail once in 10^14).  An echo identifier is no port: it is kept
 * whenever it is free.  Returns the port (host order), or 0 when none was.
 */
static __always_inline __u16 nat_alloc(const struct mxgw_config *cfg,
				       struct mxgw_ct_key *key,
				       struct mxgw_ct_entry *e, __u16 want,
				       __u64 now)
{
	__u32 lo = cfg->nat_port_min, hi = cfg->nat_port_max;
	__u32 range, start, i;

	if (hi < lo || !lo)
		return 0;
	range = hi - lo + 1;
	if (want && ((want >= lo && want <= hi) || key->proto == IPPROTO_ICMP) &&
	    !is_service_port(key->proto, want)) {
		key->public_port = bpf_htons(want);
		if (ct_claim(cfg, key, e, now))
			return want;
	}
	start = bpf_get_prandom_u32() % range;
	for (i = 0; i < MXGW_NAT_TRIES && i < range; i++) {
		__u16 port = range <= MXGW_NAT_TRIES ? lo + (start + i) % range :
				lo + bpf_get_prandom_u32() % range;

		if (is_service_port(key->proto, port))
			continue;
		key->public_port = bpf_htons(port);
		if (ct_claim(cfg, key, e, now))
			return port;
	}
	return 0;
}

/* A packet's flow as seen from the LAN side (egress). */
struct ct_flow {
	__u8 proto;
	__u8 tcp_flags;
	__be32 lan_addr;
	__be16 lan_port;	/* ICMP: echo identifier */
	__be32 remote_addr;
	__be16 remote_port;	/* ICMP: 0 */
};

/* mxgw_nat's key of @f (the padding zeroed: it is hashed too). */
static __always_inline struct mxgw_nat_key nat_key_of(const struct ct_flow *f)
{
	struct mxgw_nat_key nk = {
		.lan_addr = f->lan_addr,
		.remote_addr = f->remote_addr,
		.lan_port = f->lan_port,
		.remote_port = f->remote_port,
		.proto = f->proto,
	};

	return nk;
}

/*
 * The live mapping of @f: its entry, and its public port in *pport; NULL
 * when it has none.  Not touched yet: a SYN reopening a closed tuple must
 * meet the policy first (ct_reopens).
 *
 * Most flows keep their own port (nat_alloc tries it first), so mxgw_ct
 * is asked first at the LAN port: a live entry there that maps this very
 * LAN address and port is the flow's mapping, the one its replies are
 * translated by, whatever mxgw_nat holds (an entry maps one LAN flow;
 * nat_alloc hands a flow whose entry lives that same entry back).  One
 * lookup instead of two for those; a flow given another port pays one
 * more, then mxgw_nat's as before.
 */
static __always_inline struct mxgw_ct_entry *
nat_find(const struct mxgw_config *cfg, const struct ct_flow *f, __u64 now,
	 __be16 *pport)
{
	struct mxgw_ct_key key = {
		.remote_addr = f->remote_addr,
		.remote_port = f->remote_port,
		.public_port = f->lan_port,
		.proto = f->proto,
	};
	struct mxgw_nat_key nk = nat_key_of(f);
	struct mxgw_nat_entry *ne;
	struct mxgw_ct_entry *e;

	e = bpf_map_lookup_elem(&mxgw_ct, &key);
	if (e && ct_maps_lan(cfg, e, f->lan_addr, f->lan_port, now)) {
		*pport = f->lan_port;
		return e;
	}
	ne = bpf_map_lookup_elem(&mxgw_nat, &nk);
	if (!ne)
		return NULL;
	key.public_port = ne->public_port;
	e = bpf_map_lookup_elem(&mxgw_ct, &key);
	if (!e) {
		/* the mapping lives on, its entry does not: the LRU took it */
		count(MXGW_CT_EVICTED);
		return NULL;
	}
	if (ct_expired(cfg, e, now)) {
		count(MXGW_CT_EXPIRED);
		return NULL;
	}
	if (e->lan_addr != f->lan_addr || e->lan_port != f->lan_port ||
	    (e->flags & MXGW_CT_F_LOCAL))
		return NULL;	/* the port went to another flow meanwhile */
	*pport = ne->public_port;
	return e;
}

/*
 * A SYN on the tuple of a connection that closed (RST) or is in time-wait
 * opens a new one, as netfilter sees it: the outgoing policy decides
 * again, so `set-service NAME out deny` cannot be got round by reusing a
 * port.
 */
static __always_inline bool ct_reopens(const struct mxgw_ct_entry *e,
				       const struct ct_flow *f)
{
	return f->proto == IPPROTO_TCP && tcp_opens(f->tcp_flags) &&
	       (e->state == MXGW_CT_TCP_CLOSE || e->state == MXGW_CT_TCP_TIME_WAIT);
}

/* The entry of a flow that starts with this packet. */
static __always_inline struct mxgw_ct_entry ct_entry_of(const struct ct_flow *f,
							__u64 now, __u8 flags)
{
	struct mxgw_ct_entry e = {
		.created_ns = now,
		.seen_ns = now,
		.lan_addr = f->lan_addr,
		.lan_port = f->lan_port,
		.state = ct_initial_state(f->proto, f->tcp_flags),
		.flags = flags,
	};

	return e;
}

/* Map @f to a new public port; 0 when none is free. */
static __always_inline __be16 nat_new(const struct mxgw_config *cfg,
				      const struct ct_flow *f, __u64 now)
{
	struct mxgw_ct_key key = {
		.remote_addr = f->remote_addr,
		.remote_port = f->remote_port,
		.proto = f->proto,
	};
	struct mxgw_ct_entry e = ct_entry_of(f, now, 0);
	struct mxgw_nat_key nk = nat_key_of(f);
	struct mxgw_nat_entry ne = {};
	__u16 port = nat_alloc(cfg, &key, &e, bpf_ntohs(f->lan_port), now);

	if (port) {
		ne.public_port = bpf_htons(port);
		bpf_map_update_elem(&mxgw_nat, &nk, &ne, BPF_ANY);
	}
	/* every insert tried, even one refused (BPF_NOEXIST), may have
	 * evicted an entry: an LRU table makes room before it looks */
	ct_gen_bump();
	if (!port)
		return 0;	/* the caller drops it: drop_nat_full */
	count(MXGW_CT_NEW);
	return ne.public_port;
}

/*
 * The gateway's own flow from the public address: recorded so that its
 * replies pass to the gateway, never translated.  A SYN, UDP or echo
 * opens an entry; so does a segment of a connection the gateway had
 * before (a `conntrack flush`, a reload), which lives at tcp-syn-sent's
 * timeout until answered (mxgw_ct_timeout_ns).  A RST with no entry
 * opens none: netfilter, too, forgets an unreplied connection on RST.
 */
static __always_inline void ct_local(const struct mxgw_config *cfg,
				     const struct ct_flow *f, __u64 now)
{
	struct mxgw_ct_key key = {
		.remote_addr = f->remote_addr,
		.remote_port = f->remote_port,
		.public_port = f->lan_port,
		.proto = f->proto,
	};
	struct mxgw_ct_entry *e = bpf_map_lookup_elem(&mxgw_ct, &key);
	struct mxgw_ct_entry ne = ct_entry_of(f, now, MXGW_CT_F_LOCAL);

	if (e && !ct_expired(cfg, e, now)) {
		if (!(e->flags & MXGW_CT_F_LOCAL)) {
			/* a LAN mapping holds this (remote, port): see README */
			count(MXGW_CT_LOCAL_CLASH);
			return;
		}
		ct_touch(e, f->proto, f->tcp_flags, MXGW_DIR_OUT, now);
		return;
	}
	if (f->proto == IPPROTO_TCP && (f->tcp_flags & TCP_RST))
		return;
	if (!bpf_map_update_elem(&mxgw_ct, &key, &ne, BPF_ANY))
		count(MXGW_CT_NEW);
	ct_gen_bump();	/* inserted or not, it may have evicted */
}

/*
 * IPv6 (mxgw_ct6): routed, nothing translated, so one key serves both
 * directions, built from the LAN side: egress keys a packet by its source,
 * ingress by its destination.  No public port to allocate: a flow is its
 * 5-tuple; the LRU bounds the table (conntrack-max), as mxgw_ct's.
 */
static __always_inline void ct6_key_fill(struct mxgw_ct6_key *k, const void *lan,
					 const void *remote, __be16 lan_port,
					 __be16 remote_port, __u8 proto)
{
	__builtin_memcpy(&k->lan_addr, lan, sizeof(k->lan_addr));
	__builtin_memcpy(&k->remote_addr, remote, sizeof(k->remote_addr));
	k->lan_port = lan_port;
	k->remote_port = remote_port;
	k->proto = proto;
	__builtin_memset(k->pad, 0, sizeof(k->pad));
}

/* The live entry of @key, or NULL. */
static __always_inline struct mxgw_ct_entry *
ct6_lookup(const struct mxgw_config *cfg, const struct mxgw_ct6_key *key, __u64 now)
{
	struct mxgw_ct_entry *e = bpf_map_lookup_elem(&mxgw_ct6, key);

	if (!e)
		return NULL;
	if (ct_expired(cfg, e, now)) {
		count6(MXGW_CT_EXPIRED);
		return NULL;
	}
	return e;
}

/* A flow that starts with this packet (an expired entry is replaced). */
static __always_inline void ct6_new(const struct mxgw_ct6_key *key, __u8 tcp_flags,
				    __u64 now)
{
	struct mxgw_ct_entry e = {
		.created_ns = now,
		.seen_ns = now,
		.state = ct_initial_state(key->proto, tcp_flags),
	};

	if (!bpf_map_update_elem(&mxgw_ct6, key, &e, BPF_ANY))
		count6(MXGW_CT_NEW);
	ct_gen_bump();	/* inserted or not, it may have evicted */
}

#endif /* MXGW_CONNTRACK_BPF_H */
