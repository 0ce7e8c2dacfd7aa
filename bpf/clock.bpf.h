/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The data plane's coarse clock (see struct mxgw_clock): a BPF timer ticks
 * every MXGW_CLOCK_TICK_NS and stores the time; packets read it.
 */
#ifndef MXGW_CLOCK_BPF_H
#define MXGW_CLOCK_BPF_H

#define CLOCK_MONOTONIC	1

static int clock_tick(void *map, __u32 *key, struct mxgw_clock *c)
{
	c->now_ns = bpf_ktime_get_coarse_ns();
	c->ticks++;
	bpf_timer_start(&c->timer, MXGW_CLOCK_TICK_NS, 0);
	return 0;
}

/*
 * Now, to a tick.  The first packets after load start the timer (others
 * racing them get -EBUSY from bpf_timer_init, harmlessly) and read the
 * time themselves until the first tick has run.
 */
static __always_inline __u64 clock_now(void)
{
	__u32 zero = 0;
	struct mxgw_clock *c = bpf_map_lookup_elem(&mxgw_clock, &zero);

	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (!c->ticks) {
		bpf_timer_init(&c->timer, &mxgw_clock, CLOCK_MONOTONIC);
		bpf_timer_set_callback(&c->timer, clock_tick);
		bpf_timer_start(&c->timer, 0, 0);
		return bpf_ktime_get_coarse_ns();
	}
	return c->now_ns;
}

#endif /* MXGW_CLOCK_BPF_H */
