// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench, part 2: the frame generator.
 *
 * Run by bpf_prog_test_run_opts with BPF_F_TEST_XDP_LIVE_FRAMES on a veth
 * end (ctx.ingress_ifindex): the kernel hands the program frames from a
 * page pool, and XDP_TX sends each one out through that veth into its
 * peer, the gateway's WAN (or LAN) device.
 *
 * The page pool recycles pages without copying data_in into them again,
 * and over veth the receivers (mxgw, the kernel, the sink) rewrite the very
 * page the generator sent: so every frame is restored from the template
 * first.  For more than one flow the source port walks through nflows
 * values (a per-CPU counter, see gen_cpu), with the L4 checksum updated
 * incrementally.  IPv6's rows: the same with BENCH_FRAME6_LEN bytes and
 * the L4 header at BENCH_L4_OFF6.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bench_frame.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_tmpl);
} gen_tmpl SEC(".maps");

/*
 * Each CPU walks flows of its own (first, first + step, ... < nflows), as
 * RSS would keep a flow on one CPU: two CPUs opening the same flow at the
 * same moment would race in connection tracking, which no real traffic
 * does at this rate.  bench_e2e sets flow = first = the CPU's number.
 */
struct gen_cpu {
	__u64 sent;		/* frames sent with XDP_TX */
	__u32 flow;		/* the next flow, 0..nflows-1 */
	__u32 first;		/* this CPU's first flow */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_cpu);
} gen_stats SEC(".maps");

/* RFC 1624: a 16-bit field of the covered data changed from @from to @to. */
static __always_inline __u16 csum_replace2(__u16 check, __u16 from, __u16 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from;
	sum += to;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * Flow f of the template: the port (source, or destination for the mail
 * server's replies to many clients) and the L4 checksum, at offsets fixed
 * by bench_frame.h for each family (@l4_off a constant: the verifier sees
 * every access inside the length checked by the caller).
 */
static __always_inline void walk(void *data, const struct bench_tmpl *t, __u32 f,
				 unsigned int l4_off)
{
	__u16 *sport, *check, port, c;

	sport = data + l4_off + (t->walk_dport ? 2 : 0);
	check = data + l4_off + (t->proto == BENCH_PROTO_UDP ? 6 : 16);
	port = bpf_htons(t->sport_base + f);
	c = csum_replace2(*check, *sport, port);
	if (t->proto == BENCH_PROTO_UDP && !c)
		c = 0xffff;	/* a computed 0 is sent as ~0 */
	*sport = port;
	*check = c;
}

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const __u32 zero = 0;
	struct bench_tmpl *t;
	struct gen_cpu *st;
	__u32 f;

	t = bpf_map_lookup_elem(&gen_tmpl, &zero);
	st = bpf_map_lookup_elem(&gen_stats, &zero);
	if (!t || !st)
		return XDP_ABORTED;
	/* IPv6's frames are longer: test_run's frame is the template's length */
	if (t->ipv6) {
		if (data + BENCH_FRAME6_LEN > data_end)
			return XDP_ABORTED;
		__builtin_memcpy(data, t->frame, BENCH_FRAME6_LEN);
	} else {
		if (data + BENCH_FRAME_LEN > data_end)
			return XDP_ABORTED;
		__builtin_memcpy(data, t->frame, BENCH_FRAME_LEN);
	}
	st->sent++;
	if (t->nflows <= 1)
		return XDP_TX;

	f = st->flow;
	st->flow = f + t->step >= t->nflows ? st->first : f + t->step;
	/* (checked again: the verifier forgets the length across the branches) */
	if (data + BENCH_FRAME6_LEN <= data_end && t->ipv6)
		walk(data, t, f, BENCH_L4_OFF6);
	else if (data + BENCH_FRAME_LEN <= data_end)
		walk(data, t, f, BENCH_L4_OFF);
	return XDP_TX;
}
