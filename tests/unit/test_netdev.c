// SPDX-License-Identifier: GPL-2.0
/*
 * test_netdev.c - prove loader/netdev.c against real devices.
 *
 * The test process moves itself into a fresh network namespace
 * (unshare(CLONE_NEWNET)) before creating anything, so the veth pair it
 * builds is invisible on the host and vanishes with the namespace when the
 * process exits, whatever way it exits. The group teardown still deletes
 * the pair, for tidiness and for runs under a debugger that keeps the
 * process alive.
 *
 * Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for unshare, CAP_BPF for the
 * XDP case), ip(8) and ethtool(8). Without them the cases skip, unless
 * MXGW_REQUIRE_BPF=1 is set, in which case they fail: CI must not go green
 * by skipping.
 *
 * What kernel 6.18 reports, and these cases assert (a veth end's
 * NDO_XMIT bit describes its *peer's* receive side, since a frame
 * redirected to A is received by B):
 *   - A, peer B has GRO off and no XDP program: A not NDO_XMIT
 *   - B's GRO switched on (both ends up):        A is NDO_XMIT
 *   - XDP program attached to B (GRO off):       A is NDO_XMIT
 *   - lo:                                        never NDO_XMIT
 *   - unknown ifindex: -ENODEV; ifindex 0: -ERANGE (attribute policy
 *     NLA_POLICY_MIN(NLA_U32, 1) rejects it before the lookup).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/types.h>

#include <cmocka.h>

#include "netdev.h"

#define MAX_DEVS	256

static struct {
	bool ready;		/* namespace and veth pair exist */
	bool have_family;	/* kernel has the "netdev" genl family */
	bool have_ethtool;
	char why[256];		/* why !ready, for skip/fail messages */
	char a[IF_NAMESIZE];	/* veth end whose NDO_XMIT we watch */
	char b[IF_NAMESIZE];	/* its peer, whose GRO/XDP we toggle */
	__u32 ia, ib;
} env;

static bool require_bpf(void)
{
	const char *v = getenv("MXGW_REQUIRE_BPF");

	return v && !strcmp(v, "1");
}

/* Skip, or fail when the environment was promised to be complete. */
#define SKIP_OR_FAIL(...)						\
	do {								\
		if (require_bpf())					\
			fail_msg(__VA_ARGS__);				\
		print_message("[  SKIP    ] " __VA_ARGS__);		\
		print_message("\n");					\
		skip();							\
	} while (0)

#define NEED_ENV()							\
	do {								\
		if (!env.ready)						\
			SKIP_OR_FAIL("%s", env.why);			\
		if (!env.have_family)					\
			SKIP_OR_FAIL("kernel has no netdev genl family"); \
	} while (0)

#define NEED_ETHTOOL()							\
	do {								\
		if (!env.have_ethtool)					\
			SKIP_OR_FAIL("ethtool(8) not found");		\
	} while (0)

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

/* Is ifindex in the list the module reports? Fails the test on error. */
static bool listed(__u32 ifindex)
{
	__u32 ix[MAX_DEVS];
	int n, i;

	n = mxgw_netdev_xdp_xmit_ifindexes(ix, MAX_DEVS);
	assert_true(n >= 0);
	assert_true(n < MAX_DEVS);	/* else the answer may be cut short */
	for (i = 0; i < n; i++)
		if (ix[i] == ifindex)
			return true;
	return false;
}

static void set_gro(const char *dev, bool on)
{
	assert_int_equal(run("ethtool -K %s gro %s >/dev/null 2>&1", dev,
			     on ? "on" : "off"), 0);
}

static int group_setup(void **state)
{
	int err;

	(void)state;
	snprintf(env.a, sizeof(env.a), "mxnd%da", (int)getpid());
	snprintf(env.b, sizeof(env.b), "mxnd%db", (int)getpid());
	env.have_ethtool = run("command -v ethtool >/dev/null 2>&1") == 0;

	if (unshare(CLONE_NEWNET)) {
		snprintf(env.why, sizeof(env.why),
			 "unshare(CLONE_NEWNET): %s (not root?)",
			 strerror(errno));
		return 0;
	}

	err = mxgw_netdev_xdp_xmit_ifindexes(NULL, 0);
	env.have_family = err != -EOPNOTSUPP;

	if (run("ip link add %s type veth peer name %s >/dev/null 2>&1",
		env.a, env.b)) {
		snprintf(env.why, sizeof(env.why),
			 "ip link add %s type veth failed", env.a);
		return 0;
	}
	env.ia = if_nametoindex(env.a);
	env.ib = if_nametoindex(env.b);
	/*
	 * Both ends up: veth only re-evaluates the peer's NDO_XMIT when GRO
	 * is toggled on a device that is up (veth_set_features() returns
	 * early for a down device).
	 */
	if (!env.ia || !env.ib ||
	    run("ip link set %s up && ip link set %s up", env.a, env.b)) {
		snprintf(env.why, sizeof(env.why),
			 "could not bring up veth pair %s/%s", env.a, env.b);
		return 0;
	}
	env.ready = true;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	/* Deleting one end removes both; the namespace dies with us anyway. */
	if (env.ia)
		run("ip link del %s >/dev/null 2>&1", env.a);
	return 0;
}

/* Same state for every case: GRO off on both ends, no XDP program. */
static int case_setup(void **state)
{
	(void)state;
	if (env.ready && env.have_ethtool) {
		run("ethtool -K %s gro off >/dev/null 2>&1", env.a);
		run("ethtool -K %s gro off >/dev/null 2>&1", env.b);
	}
	return 0;
}

static void test_family_answers(void **state)
{
	__u32 ix[1];

	(void)state;
	if (!env.ready)
		SKIP_OR_FAIL("%s", env.why);
	if (!env.have_family) {
		/* Pre-6.3 kernel: both entry points must say so alike. */
		assert_int_equal(mxgw_netdev_xdp_xmit_ifindexes(ix, 1),
				 -EOPNOTSUPP);
		assert_int_equal(mxgw_netdev_can_xdp_xmit(1), -EOPNOTSUPP);
		return;
	}
	assert_int_equal(mxgw_netdev_xdp_xmit_ifindexes(NULL, 0), 0);
}

static void test_bad_args(void **state)
{
	__u32 ix[1];

	(void)state;
	assert_int_equal(mxgw_netdev_xdp_xmit_ifindexes(ix, -1), -EINVAL);
	assert_int_equal(mxgw_netdev_xdp_xmit_ifindexes(NULL, 1), -EINVAL);
}

static void test_veth_peer_gro_off_not_listed(void **state)
{
	(void)state;
	NEED_ENV();
	NEED_ETHTOOL();
	assert_false(listed(env.ia));
	assert_false(listed(env.ib));
	assert_int_equal(mxgw_netdev_can_xdp_xmit(env.ia), 0);
	assert_int_equal(mxgw_netdev_can_xdp_xmit(env.ib), 0);
}

static void test_veth_peer_gro_on_listed(void **state)
{
	(void)state;
	NEED_ENV();
	NEED_ETHTOOL();
	set_gro(env.b, true);
	/* B's GRO makes A a redirect target, not B itself. */
	assert_true(listed(env.ia));
	assert_false(listed(env.ib));
	assert_int_equal(mxgw_netdev_can_xdp_xmit(env.ia), 1);
	assert_int_equal(mxgw_netdev_can_xdp_xmit(env.ib), 0);

	/* And it is a live answer, not a sticky one. */
	set_gro(env.b, false);
	assert_false(listed(env.ia));
	assert_int_equal(mxgw_netdev_can_xdp_xmit(env.ia), 0);
}

static int bpf_sys(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Attach "return XDP_PASS" to ifindex; returns the bpf link fd. */
static int attach_xdp_pass(__u32 ifindex, int *prog_fd)
{
	struct bpf_insn insns[] = {
		/* r0 = XDP_PASS; exit */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static const char license[] = "GPL";
	union bpf_attr attr;
	int link_fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.expected_attach_type = BPF_XDP;
	attr.insns = (__u64)(uintptr_t)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (__u64)(uintptr_t)license;
	*prog_fd = bpf_sys(BPF_PROG_LOAD, &attr);
	if (*prog_fd < 0)
		return -errno;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = *prog_fd;
	attr.link_create.target_ifindex = ifindex;
	attr.link_create.attach_type = BPF_XDP;
	link_fd = bpf_sys(BPF_LINK_CREATE, &attr);
	if (link_fd < 0) {
		int err = -errno;

		close(*prog_fd);
		return err;
	}
	return link_fd;
}

static void test_veth_peer_xdp_prog_listed(void **state)
{
	int prog_fd, link_fd;
	bool with, without;

	(void)state;
	NEED_ENV();
	NEED_ETHTOOL();
	link_fd = attach_xdp_pass(env.ib, &prog_fd);
	if (link_fd < 0)
		SKIP_OR_FAIL("cannot attach XDP program to %s: %s", env.b,
			     strerror(-link_fd));
	with = listed(env.ia);
	/* Closing the last fd of the link detaches the program. */
	close(link_fd);
	close(prog_fd);
	without = listed(env.ia);
	assert_true(with);
	assert_false(without);
}

static void test_loopback_not_listed(void **state)
{
	__u32 lo = if_nametoindex("lo");

	(void)state;
	NEED_ENV();
	assert_int_not_equal(lo, 0);
	assert_false(listed(lo));
	assert_int_equal(mxgw_netdev_can_xdp_xmit(lo), 0);
}

/* Every device of the namespace: the dump and the per-device get agree. */
static void test_can_agrees_with_list(void **state)
{
	struct if_nameindex *all, *it;
	__u32 ix[MAX_DEVS];
	int n, i, yes = 0;

	(void)state;
	NEED_ENV();
	NEED_ETHTOOL();
	set_gro(env.b, true);	/* so the list is not trivially empty */

	n = mxgw_netdev_xdp_xmit_ifindexes(ix, MAX_DEVS);
	assert_true(n >= 1);
	assert_true(n < MAX_DEVS);

	all = if_nameindex();
	assert_non_null(all);
	for (it = all; it->if_index; it++) {
		bool in = false;

		for (i = 0; i < n; i++)
			in |= ix[i] == it->if_index;
		if (mxgw_netdev_can_xdp_xmit(it->if_index) != in) {
			print_error("%s (%u): list says %d\n", it->if_name,
				    it->if_index, in);
			if_freenameindex(all);
			fail();
		}
		yes += in;
	}
	if_freenameindex(all);
	/* Nothing listed that is not a device of this namespace. */
	assert_int_equal(yes, n);

	/* Truncation: only max entries stored, count says so. */
	assert_int_equal(mxgw_netdev_xdp_xmit_ifindexes(ix, 0), 0);
	assert_int_equal(mxgw_netdev_xdp_xmit_ifindexes(ix, 1), 1);
}

static void test_missing_ifindex(void **state)
{
	char name[IF_NAMESIZE];
	__u32 missing = 0x7ffff000;

	(void)state;
	NEED_ENV();
	while (if_indextoname(missing, name))
		missing++;
	/* netdev_nl_dev_get_doit(): no such device in this netns. */
	assert_int_equal(mxgw_netdev_can_xdp_xmit(missing), -ENODEV);
	/*
	 * ifindex 0 never names a device; the family's attribute policy
	 * (min 1) refuses it with -ERANGE before any lookup happens.
	 */
	assert_int_equal(mxgw_netdev_can_xdp_xmit(0), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_family_answers, case_setup),
		cmocka_unit_test_setup(test_bad_args, case_setup),
		cmocka_unit_test_setup(test_veth_peer_gro_off_not_listed,
				       case_setup),
		cmocka_unit_test_setup(test_veth_peer_gro_on_listed,
				       case_setup),
		cmocka_unit_test_setup(test_veth_peer_xdp_prog_listed,
				       case_setup),
		cmocka_unit_test_setup(test_loopback_not_listed, case_setup),
		cmocka_unit_test_setup(test_can_agrees_with_list, case_setup),
		cmocka_unit_test_setup(test_missing_ifindex, case_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
