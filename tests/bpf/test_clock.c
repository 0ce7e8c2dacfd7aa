// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The data plane's clock (struct mxgw_clock) against what user space does
 * to it: `mxctl log` leases never touch the timer's entry, and when
 * something else does (an old mxctl, bpftool map update), which frees the
 * timer, the packet paths notice the stopped clock and re-arm it.
 *
 * The per-CPU counts that drive the check must all land on one CPU for
 * MXGW_CLOCK_CHECK_EVERY packets to reach a check, so the process is
 * pinned to the CPU it runs on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "testbed.h"

#define TC_ACT_OK	0
#define SYN		0x02
#define ACK		0x10
#define REMOTE		"198.51.100.25"
#define POLL_MS		10

static struct tb tb;

static int setup(void **state)
{
	cpu_set_t cpus;
	int cpu = sched_getcpu();

	(void)state;
	CPU_ZERO(&cpus);
	CPU_SET(cpu < 0 ? 0 : cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		return -1;
	return tb_group_setup(state);
}

static void load(void)
{
	tb_reset(&tb, tb_shipped_conf());
	tb_allow_redirect(&tb, "lan0");
}

static struct mxgw_clock clock_read(void)
{
	struct mxgw_clock c;

	assert_int_equal(mxgw_maps_read_clock(&tb.maps, &c), 0);
	return c;
}

static void run(bool egress, const struct tb_frame_spec *spec, int verdict,
		int times)
{
	__u8 in[TB_MAX_FRAME], out[TB_MAX_FRAME];
	size_t len = tb_frame(spec, in), out_len;

	for (int i = 0; i < times; i++) {
		int got = egress ? tb_run_tc(&tb, in, len, out, &out_len) :
				   tb_run_xdp(&tb, in, len, out, &out_len);

		if (got != verdict)
			fail_msg("packet %d: verdict %d, want %d", i, got, verdict);
	}
}

/* Wait, up to @ms, for the clock to have ticked past @ticks and to be
 * fresh; false if it did not. */
static bool clock_ticks_past(__u64 ticks, int ms)
{
	for (int waited = 0; waited <= ms; waited += POLL_MS) {
		struct mxgw_clock c = clock_read();

		if (c.ticks > ticks && mxgw_now_ns() - c.now_ns < MXGW_CLOCK_STALE_NS)
			return true;
		usleep(POLL_MS * 1000);
	}
	return false;
}

static const struct tb_frame_spec smtp_in = { .dport = 25, .tcp_flags = ACK };

/* The first packet starts the timer; then it ticks on its own. */
static void start_clock(void)
{
	run(false, &smtp_in, XDP_REDIRECT, 1);
	if (!clock_ticks_past(0, 1000))
		fail_msg("the clock did not start after the first packet");
}

/*
 * What the old `mxctl log` did to hold its lease, and what `bpftool map
 * update` does: the entry written back as read.  The kernel frees the
 * timer; wait until the clock is stale, and check it stopped meanwhile.
 */
static void stop_clock_as_user_space_did(void)
{
	struct mxgw_clock c = clock_read(), now;
	__u32 zero = 0;
	int waited = 0;

	assert_int_equal(bpf_map_update_elem(tb.maps.clock, &zero, &c, BPF_EXIST), 0);
	c = clock_read();
	do {
		usleep(POLL_MS * 1000);
		waited += POLL_MS;
		now = clock_read();
		if (now.ticks != c.ticks)
			fail_msg("the clock ticked on after the update (%llu -> %llu): "
				 "the premise, a freed timer, does not hold on this kernel",
				 (unsigned long long)c.ticks, (unsigned long long)now.ticks);
	} while (mxgw_now_ns() - now.now_ns <= MXGW_CLOCK_STALE_NS && waited < 3000);
}

/* Leases written as `mxctl log` writes them leave the clock ticking, and
 * reach the data plane's copy within a tick. */
static void test_log_lease_leaves_the_clock_ticking(void **state)
{
	struct mxgw_log_lease lease = { .pid = getpid() };
	struct mxgw_clock c;
	int waited;
	(void)state;

	load();
	start_clock();
	/* several log runs: take, renew, let go */
	for (int run = 0; run < 5; run++) {
		for (int renew = 0; renew < 3; renew++) {
			lease.until_ns = mxgw_now_ns() + MXGW_LOG_LEASE_NS;
			assert_int_equal(mxgw_maps_write_log_lease(&tb.maps, &lease), 0);
		}
		lease.until_ns = 0;
		assert_int_equal(mxgw_maps_write_log_lease(&tb.maps, &lease), 0);
	}
	c = clock_read();
	if (!clock_ticks_past(c.ticks + 2, 1000))
		fail_msg("the clock stopped at tick %llu after five log leases",
			 (unsigned long long)c.ticks);

	lease.until_ns = mxgw_now_ns() + MXGW_LOG_LEASE_NS;
	assert_int_equal(mxgw_maps_write_log_lease(&tb.maps, &lease), 0);
	for (waited = 0; clock_read().log_until_ns != lease.until_ns; waited += POLL_MS) {
		if (waited > 1000)
			fail_msg("the lease did not reach mxgw_clock.log_until_ns in a second");
		usleep(POLL_MS * 1000);
	}
	lease.until_ns = 0;
	assert_int_equal(mxgw_maps_write_log_lease(&tb.maps, &lease), 0);
	for (waited = 0; clock_read().log_until_ns; waited += POLL_MS) {
		if (waited > 1000)
			fail_msg("the cleared lease did not reach mxgw_clock in a second");
		usleep(POLL_MS * 1000);
	}
	/* the clock never needed the safety net */
	assert_int_equal(tb_counter(&tb, MXGW_CLOCK_REARMED), 0);
}

/* Before the timer's first tick nothing has copied the lease yet: the
 * very first packet after load is logged all the same. */
static void test_first_packet_after_load_is_logged(void **state)
{
	struct mxgw_log_lease lease = { .pid = getpid() };
	(void)state;

	load();
	assert_int_equal(clock_read().ticks, 0);
	lease.until_ns = mxgw_now_ns() + MXGW_LOG_LEASE_NS;
	assert_int_equal(mxgw_maps_write_log_lease(&tb.maps, &lease), 0);
	run(false, &(struct tb_frame_spec){ .dport = 143 }, XDP_DROP, 1);
	assert_int_equal(tb_counter(&tb, MXGW_LOG_EVENTS), 1);
}

/* A ticking clock is never re-armed, however many packets check it. */
static void test_ticking_clock_not_rearmed(void **state)
{
	(void)state;

	load();
	start_clock();
	run(false, &smtp_in, XDP_REDIRECT, 8 * MXGW_CLOCK_CHECK_EVERY);
	assert_int_equal(tb_counter(&tb, MXGW_CLOCK_REARMED), 0);
}

/*
 * A clock stopped from user space is re-armed by the traffic of each path
 * that drives the check, within MXGW_CLOCK_CHECK_EVERY of its packets on
 * a CPU, and counted once.
 */
static void test_stopped_clock_rearmed_by_traffic(void **state)
{
	static const struct {
		const char *path;
		bool egress;
		struct tb_frame_spec spec;
		int verdict;
	} paths[] = {
		{ "inbound DNAT (service count)", false, { .dport = 25, .tcp_flags = ACK },
		  XDP_REDIRECT },
		{ "conntrack reply (ct_reply)", false,
		  { .saddr = REMOTE, .sport = 443, .dport = 40001, .tcp_flags = ACK },
		  XDP_REDIRECT },
		{ "masquerade (snat_masq)", true,
		  { .saddr = TB_MAILSERVER, .daddr = REMOTE, .sport = 40001, .dport = 443,
		    .tcp_flags = ACK }, TC_ACT_OK },
		{ "mail server's reply (snat_reply)", true,
		  { .saddr = TB_MAILSERVER, .daddr = TB_CLIENT, .sport = 25, .dport = 40000,
		    .tcp_flags = ACK }, TC_ACT_OK },
	};
	(void)state;

	load();
	start_clock();
	/* a tracked flow for the reply paths: the mail server's own, to :443 */
	run(true, &(struct tb_frame_spec){ .saddr = TB_MAILSERVER, .daddr = REMOTE,
					   .sport = 40001, .dport = 443, .tcp_flags = SYN },
	    TC_ACT_OK, 1);
	run(false, &(struct tb_frame_spec){ .saddr = REMOTE, .sport = 443, .dport = 40001,
					    .tcp_flags = SYN | ACK },
	    XDP_REDIRECT, 1);

	for (unsigned int i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		__u64 rearmed = tb_counter(&tb, MXGW_CLOCK_REARMED), ticks;

		stop_clock_as_user_space_did();
		ticks = clock_read().ticks;
		run(paths[i].egress, &paths[i].spec, paths[i].verdict,
		    MXGW_CLOCK_CHECK_EVERY);
		if (tb_counter(&tb, MXGW_CLOCK_REARMED) != rearmed + 1)
			fail_msg("%s: clock_rearmed %llu -> %llu after %d packets, want +1",
				 paths[i].path, (unsigned long long)rearmed,
				 (unsigned long long)tb_counter(&tb, MXGW_CLOCK_REARMED),
				 MXGW_CLOCK_CHECK_EVERY);
		if (!clock_ticks_past(ticks, 1000))
			fail_msg("%s: re-armed, yet the clock did not tick on", paths[i].path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_lease_leaves_the_clock_ticking),
		cmocka_unit_test(test_first_packet_after_load_is_logged),
		cmocka_unit_test(test_ticking_clock_not_rearmed),
		cmocka_unit_test(test_stopped_clock_rearmed_by_traffic),
	};

	return cmocka_run_group_tests_name("clock", tests, setup, tb_group_teardown);
}
