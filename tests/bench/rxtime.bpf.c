// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench, part 2: the time every CPU spends in the network's softirqs
 * (NET_RX and NET_TX), to the nanosecond.
 *
 * When the kernel refuses BPF_F_TEST_XDP_LIVE_FRAMES, bench_e2e sends
 * with AF_PACKET: a system call, an skb allocated and filled per frame,
 * far costlier than a live frame, all of it on the generator's threads.
 * What the gateways do with a frame (the veth's NAPI, XDP or the kernel's
 * forwarding, the far veth, the sink) runs in NET_RX softirq, on the
 * sender's CPU (at each frame's local_bh_enable) or in ksoftirqd: this
 * time, not the threads', is the receiving side's cost, whatever the
 * generator costs.  The kernel's own accounting cannot say it: without
 * CONFIG_IRQ_TIME_ACCOUNTING (Debian, Fedora) /proc/stat's softirq column
 * is sampled at each tick, 4 ms apart at HZ=250.
 *
 * Only the softirqs run by the bench's own threads (at their
 * local_bh_enable) and by ksoftirqd count: bench_e2e puts their ids in
 * rxtime_tasks.  A softirq that runs on the way out of a hard interrupt in
 * another task is that task's business; on a shared machine the other
 * tasks' network softirqs took a quarter of the CPUs, more than the
 * bench's own.
 *
 * Raw tracepoints (4.17): irq:softirq_entry and softirq_exit, args[0] the
 * vector.  A softirq never nests in another on its CPU.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define NET_TX_SOFTIRQ	2	/* include/linux/interrupt.h */
#define NET_RX_SOFTIRQ	3

struct rxtime_cpu {
	__u64 ns;		/* in NET_RX/NET_TX softirq, in total */
	__u64 entered;		/* bpf_ktime_get_ns() at entry; 0: not in one */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rxtime_cpu);
} rxtime SEC(".maps");

/* thread group ids (bench_e2e's) and pids (ksoftirqd/N) whose softirqs count */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} rxtime_tasks SEC(".maps");

static __always_inline int net_vec(__u64 vec)
{
	return vec == NET_RX_SOFTIRQ || vec == NET_TX_SOFTIRQ;
}

SEC("raw_tp/softirq_entry")
int rxtime_entry(struct bpf_raw_tracepoint_args *ctx)
{
	const __u32 zero = 0;
	struct rxtime_cpu *c;
	__u64 id;
	__u32 tgid, pid;

	if (!net_vec(ctx->args[0]))
		return 0;
	id = bpf_get_current_pid_tgid();
	tgid = id >> 32;
	pid = (__u32)id;
	if (!bpf_map_lookup_elem(&rxtime_tasks, &tgid) && !bpf_map_lookup_elem(&rxtime_tasks, &pid))
		return 0;
	c = bpf_map_lookup_elem(&rxtime, &zero);
	if (c)
		c->entered = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/softirq_exit")
int rxtime_exit(struct bpf_raw_tracepoint_args *ctx)
{
	const __u32 zero = 0;
	struct rxtime_cpu *c;

	if (!net_vec(ctx->args[0]))
		return 0;
	c = bpf_map_lookup_elem(&rxtime, &zero);
	if (c && c->entered) {
		c->ns += bpf_ktime_get_ns() - c->entered;
		c->entered = 0;
	}
	return 0;
}
