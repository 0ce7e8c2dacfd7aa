/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The data plane's coarse clock (see struct mxgw_clock): a BPF timer ticks
 * every MXGW_CLOCK_TICK_NS and stores the time; packets read it.
 */
#ifndef MXGW_CLOCK_BPF_H
#define MXGW_CLOCK_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"

static int clock_tick(void *map, __u32 *key, struct mxgw_clock *c)
{
	__u32 zero = 0;
	struct mxgw_log_lease *lease = bpf_map_lookup_elem(&mxgw_log_lease, &zero);

	c->now_ns = bpf_ktime_get_coarse_ns();
	c->ticks++;
	/* user space writes the lease, never this entry (it holds the timer) */
	c->log_until_ns = lease ? lease->until_ns : 0;
	bpf_timer_start(&c->timer, MXGW_CLOCK_TICK_NS, 0);
	return 0;
}

/*
 * Start the timer, or restart it: bpf_timer_init fails with -EBUSY when
 * the timer exists (another CPU raced us, or it only stopped ticking),
 * harmlessly; after a user-space update freed it, it makes a new one.
 * Starting a pending timer only moves its expiry.
 */
static __always_inline void clock_arm(struct mxgw_clock *c)
{
	bpf_timer_init(&c->timer, &mxgw_clock, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&c->timer, clock_tick);
	bpf_timer_start(&c->timer, 0, 0);
}

/*
 * Now, to a tick.  The first packets after load start the timer and read
 * the time themselves until the first tick has run.
 */
static __always_inline __u64 clock_now(void)
{
	__u32 zero = 0;
	struct mxgw_clock *c = bpf_map_lookup_elem(&mxgw_clock, &zero);

	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (!c->ticks) {
		clock_arm(c);
		return bpf_ktime_get_coarse_ns();
	}
	return c->now_ns;
}

/*
 * Sampled by clock_check_every() (below): a clock more than
 * MXGW_CLOCK_STALE_NS old has lost its timer; re-arm it.  A subprogram,
 * so the packet paths carry one call instruction, not the helpers.
 */
static __noinline int clock_check(void)
{
	__u32 zero = 0;
	struct mxgw_clock *c = bpf_map_lookup_elem(&mxgw_clock, &zero);

	if (!c || !c->ticks)
		return 0;	/* not started yet: clock_now() starts it */
	if (bpf_ktime_get_coarse_ns() - c->now_ns <= MXGW_CLOCK_STALE_NS)
		return 0;
	clock_arm(c);
	count(MXGW_CLOCK_REARMED);
	return 0;
}

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

static __always_inline void count_checking_clock(enum mxgw_counter what)
{
	__u32 key = what;
	__u64 *v = bpf_map_lookup_elem(&mxgw_counters, &key);

	if (v)
		clock_check_every(++*v);
}

/* IPv6's: mxgw_counter_key(MXGW_FAM_IPV6, @what). */
static __always_inline void count6_checking_clock(enum mxgw_counter what)
{
	__u32 key = mxgw_counter_key(MXGW_FAM_IPV6, what);
	__u64 *v = bpf_map_lookup_elem(&mxgw_counters, &key);

	if (v)
		clock_check_every(++*v);
}

/* Count a packet of service @key (mxgw_svc_key: family and service id). */
static __always_inline void count_svc_key(__u32 key, int dir, int verdict,
					  __u32 bytes)
{
	struct mxgw_svc_stats *st = bpf_map_lookup_elem(&mxgw_svc_stats, &key);
	struct mxgw_pkt_count *c;

	if (!st)
		return;
	c = &st->count[dir][verdict & 1];
	c->packets += 1;
	c->bytes += bytes;
	clock_check_every(c->packets);
}

/* IPv4's key is the bare service id. */
static __always_inline void count_svc(__u32 svc_id, int dir, int verdict,
				      __u32 bytes)
{
	count_svc_key(svc_id, dir, verdict, bytes);
}

static __always_inline void count_svc6(__u32 svc_id, int dir, int verdict,
				       __u32 bytes)
{
	count_svc_key(mxgw_svc_key(MXGW_FAM_IPV6, svc_id), dir, verdict, bytes);
}

#endif /* MXGW_CLOCK_BPF_H */
