// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A refused load says why in one line (loader/refusal.c): the program the
 * verifier refused and its last words, read from the log buffer that
 * libbpf hands the kernel for each program, while the whole log still
 * reaches libbpf's print callback (what MXGW_DEBUG=1 shows).  An accepted
 * load leaves nothing to say.  The programs: refused.bpf.o, next to this
 * binary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "testbed.h"

static char printed[1 << 16];

/* libbpf's warnings, kept (their start: a verifier log runs long) */
static int keep_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(printed);

	if (level != LIBBPF_DEBUG && n < sizeof(printed) - 1)
		vsnprintf(printed + n, sizeof(printed) - n, fmt, ap);
	return 0;
}

static struct bpf_object *open_refused(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct bpf_object *obj;

	assert_true(n > 0);
	exe[n] = 0;
	snprintf(path, sizeof(path), "%s/refused.bpf.o", dirname(exe));
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		fail_msg("%s: %s", path, strerror(errno));
	return obj;
}

/* Load @obj between the capture calls, as the loader does. */
static int load(struct bpf_object *obj)
{
	int err;

	printed[0] = 0;
	libbpf_set_print(keep_print);
	mxgw_refusal_capture_begin(obj);
	err = bpf_object__load(obj);
	mxgw_refusal_capture_end(obj);
	return err;
}

static void test_refused_program_named_with_the_verifiers_last_words(void **state)
{
	struct bpf_object *obj;
	const char *why;
	int err;

	(void)state;
	tb_require(geteuid() == 0, "root (BPF)");
	obj = open_refused();
	err = load(obj);
	why = mxgw_refusal();
	bpf_object__close(obj);
	assert_int_not_equal(err, 0);
	if (!why)
		fail_msg("a refused load, and no refusal (load %d)", err);
	if (!strstr(why, "the verifier of Linux ") ||
	    !strstr(why, " refused refused_xdp: ") ||
	    !strstr(why, "outside of the packet") || strchr(why, '\n'))
		fail_msg("want one line naming refused_xdp and the verifier's last "
			 "words, got: %s", why);
	/* the whole log, where libbpf's own copy went before */
	if (!strstr(printed, "prog 'refused_xdp': -- BEGIN PROG LOAD LOG --\n") ||
	    !strstr(printed, "invalid access to packet"))
		fail_msg("the verifier's log did not reach libbpf's print callback: %.300s",
			 printed);
}

static void test_accepted_load_leaves_no_refusal(void **state)
{
	struct bpf_object *obj;
	const char *why;
	int err;

	(void)state;
	tb_require(geteuid() == 0, "root (BPF)");
	obj = open_refused();
	bpf_program__set_autoload(bpf_object__find_program_by_name(obj, "refused_xdp"),
				  false);
	err = load(obj);
	why = mxgw_refusal();
	bpf_object__close(obj);
	assert_int_equal(err, 0);
	if (why)
		fail_msg("an accepted load, yet: %s", why);
	if (strstr(printed, "LOAD LOG"))
		fail_msg("a log printed for an accepted load: %.300s", printed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_program_named_with_the_verifiers_last_words),
		cmocka_unit_test(test_accepted_load_leaves_no_refusal),
	};

	return cmocka_run_group_tests_name("refusal", tests, NULL, NULL);
}
