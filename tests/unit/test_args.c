// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_args.c - unit tests of mxctl's one option parser (ctl/args.c):
 * every type of value, good and bad (a number to its last character and
 * within its range, a word among the accepted ones), a missing value, an
 * unknown option, positionals, and what mxctl_run makes of an error: exit
 * 2 with a message that names the bad word and what is accepted.
 * mxctl_usage, mxctl_err and mxctl_errors_as_json are stubbed here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mxctl.h"
#include "args.h"

/* ---- stubs of mxctl.c ------------------------------------------------------ */

static char stub_msgs[4096];
static bool stub_json;

void mxctl_err(const char *fmt, ...)
{
	size_t len = strlen(stub_msgs);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(stub_msgs + len, sizeof(stub_msgs) - len, fmt, ap);
	va_end(ap);
}

int mxctl_usage(const char *cmd, const char *fmt, ...)
{
	size_t len = strlen(stub_msgs);
	va_list ap;

	len += (size_t)snprintf(stub_msgs + len, sizeof(stub_msgs) - len, "%s: ", cmd);
	va_start(ap, fmt);
	vsnprintf(stub_msgs + len, sizeof(stub_msgs) - len, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

void mxctl_errors_as_json(bool on)
{
	stub_json = on;
}

/* ---- a command with one of each ------------------------------------------------ */

struct demo_args {
	const char *ifname;
	int dir;
	int verdict;
	const char *service;
	unsigned long long count;
	double timeout;
	int mode;
	bool force;
};

static const struct mxctl_word dirs[] = { { "in", 0 }, { "out", 1 }, { NULL } };
static const struct mxctl_word verdicts[] = { { "allow", 0 }, { "deny", 1 }, { NULL } };
static const struct mxctl_word modes[] = {
	{ "fast", 1 }, { "safe", 2 }, { "slow", 3 }, { NULL },
};

static const struct mxctl_arg demo_args[] = {
	{ .name = "interface", .type = MXCTL_ARG_IFNAME,
	  .flags = MXCTL_ARG_POSITIONAL | MXCTL_ARG_REQUIRED,
	  .offset = offsetof(struct demo_args, ifname), .metavar = "IFNAME", .help = "where" },
	{ .name = "direction", .type = MXCTL_ARG_WORD, .flags = MXCTL_ARG_POSITIONAL,
	  .offset = offsetof(struct demo_args, dir), .words = dirs, .help = "which way" },
	{ .name = "verdict", .type = MXCTL_ARG_WORD,
	  .flags = MXCTL_ARG_POSITIONAL | MXCTL_ARG_REQUIRED,
	  .offset = offsetof(struct demo_args, verdict), .words = verdicts, .help = "what" },
	{ .name = "service", .type = MXCTL_ARG_STRING,
	  .offset = offsetof(struct demo_args, service), .metavar = "NAME", .help = "only it" },
	{ .name = "count", .type = MXCTL_ARG_UINT,
	  .offset = offsetof(struct demo_args, count), .metavar = "N",
	  .min = 1, .max = UINT32_MAX, .help = "how many" },
	{ .name = "timeout", .type = MXCTL_ARG_SECONDS,
	  .offset = offsetof(struct demo_args, timeout), .metavar = "S",
	  .max = 3600, .help = "how long" },
	{ .name = "mode", .type = MXCTL_ARG_WORD,
	  .offset = offsetof(struct demo_args, mode), .words = modes, .help = "how" },
	{ .name = "force", .type = MXCTL_ARG_FLAG,
	  .offset = offsetof(struct demo_args, force), .help = "anyway" },
	{ 0 },
};

static const struct demo_args demo_defaults = { .dir = -1 };
static struct demo_args ran;
static int ran_times;

static int demo_handler(const struct mxctl_opts *opts, const void *args)
{
	(void)opts;
	ran = *(const struct demo_args *)args;
	ran_times++;
	return 0;
}

static const struct mxctl_cmd demo = {
	.name = "demo",
	.handler = demo_handler,
	.args = demo_args,
	.args_size = sizeof(struct demo_args),
	.defaults = &demo_defaults,
	.help = "a demo",
	.json = true,
};

/* Run demo with @argc words @argv; its exit status. */
static int run_argv(int argc, char **argv, struct mxctl_opts *opts)
{
	stub_msgs[0] = '\0';
	stub_json = false;
	ran_times = 0;
	memset(&ran, 0x5a, sizeof(ran));
	*opts = (struct mxctl_opts){ .conf_path = "/etc/mxgw/mxgw.conf" };
	return mxctl_run(&demo, opts, argc, argv);
}

/* Run demo with the words of @line (split at blanks); its exit status. */
static int run(const char *line, struct mxctl_opts *opts)
{
	static char buf[512];
	char *argv[32], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	return run_argv(argc, argv, opts);
}

/* A usage error: exit 2, the handler not run, this message. */
static void refused(const char *line, const char *msg)
{
	struct mxctl_opts opts;
	int ret = run(line, &opts);

	if (ret != EXIT_USAGE || ran_times || strcmp(stub_msgs, msg))
		fail_msg("'%s': exit %d, ran %d times, said '%s'; want exit 2 and '%s'",
			 line, ret, ran_times, stub_msgs, msg);
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_every_type_parsed(void **state)
{
	struct mxctl_opts opts;

	(void)state;
	assert_int_equal(run("wan0 out deny --service smtp --count 5 --timeout 0.25 "
			     "--mode safe --force -c /tmp/x.conf -i wan1 -j", &opts), 0);
	assert_int_equal(ran_times, 1);
	assert_string_equal(ran.ifname, "wan0");
	assert_int_equal(ran.dir, 1);
	assert_int_equal(ran.verdict, 1);
	assert_string_equal(ran.service, "smtp");
	assert_int_equal(ran.count, 5);
	assert_true(ran.timeout == 0.25);
	assert_int_equal(ran.mode, 2);
	assert_true(ran.force);
	assert_string_equal(opts.conf_path, "/tmp/x.conf");
	assert_string_equal(opts.ifname, "wan1");
	assert_true(opts.json);
	assert_true(stub_json);		/* demo honours -j */
	assert_string_equal(stub_msgs, "");
}

/* --name=value, -Cvalue, bundled short flags, options among positionals,
 * "--" before a positional that starts with a dash, the defaults kept. */
static void test_forms_of_options(void **state)
{
	struct mxctl_opts opts;

	(void)state;
	assert_int_equal(run("--count=4294967295 wan0 --timeout=3600 -jc/tmp/y allow", &opts), 0);
	assert_int_equal(ran.count, 4294967295ULL);
	assert_true(ran.timeout == 3600);
	assert_int_equal(ran.dir, -1);
	assert_int_equal(ran.verdict, 0);
	assert_int_equal(ran.mode, 0);
	assert_false(ran.force);
	assert_null(ran.service);
	assert_true(opts.json);
	assert_string_equal(opts.conf_path, "/tmp/y");
	assert_int_equal(run("-ji wan2 -- -odd in allow", &opts), 0);
	assert_string_equal(ran.ifname, "-odd");
	assert_string_equal(opts.ifname, "wan2");
	assert_int_equal(ran.dir, 0);
	/* the last of an option given twice counts, as with getopt */
	assert_int_equal(run("wan0 allow --count 2 --count 3", &opts), 0);
	assert_int_equal(ran.count, 3);
}

/* Numbers are checked to their last character and against their range;
 * each refusal names the word and what is accepted. */
static void test_bad_numbers_named(void **state)
{
	static const char *const counts[] = {
		"5x", "x5", " 5", "+5", "-5", "0x10", "5.0", "", "0", "4294967296",
		"99999999999999999999999",
	};
	struct mxctl_opts opts;
	char msg[256];
	int ret;

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		char *argv[] = { "wan0", "allow", "--count", (char *)counts[i] };

		ret = run_argv(4, argv, &opts);
		snprintf(msg, sizeof(msg),
			 "demo: --count '%s': expected a whole number from 1 to 4294967295",
			 counts[i]);
		if (ret != EXIT_USAGE || ran_times || strcmp(stub_msgs, msg))
			fail_msg("--count '%s': exit %d, ran %d times, said '%s'", counts[i],
				 ret, ran_times, stub_msgs);
	}
	refused("wan0 allow --timeout 2s",
		"demo: --timeout '2s': expected a number of seconds greater than 0, at most 3600");
	refused("wan0 allow --timeout 0",
		"demo: --timeout '0': expected a number of seconds greater than 0, at most 3600");
	refused("wan0 allow --timeout -1",
		"demo: --timeout '-1': expected a number of seconds greater than 0, at most 3600");
	refused("wan0 allow --timeout 3600.5",
		"demo: --timeout '3600.5': expected a number of seconds greater than 0, at most 3600");
	refused("wan0 allow --timeout nan",
		"demo: --timeout 'nan': expected a number of seconds greater than 0, at most 3600");
	refused("wan0 allow --timeout inf",
		"demo: --timeout 'inf': expected a number of seconds greater than 0, at most 3600");
}

static void test_bad_words_named(void **state)
{
	(void)state;
	refused("wan0 allow --mode quick", "demo: --mode 'quick': expected fast, safe or slow");
	refused("wan0 sideways allow", "demo: direction 'sideways': expected in or out");
	refused("wan0 in maybe", "demo: verdict 'maybe': expected allow or deny");
	refused("wan0 maybe", "demo: verdict 'maybe': expected allow or deny");
	refused("wan0123456789abcdef allow",
		"demo: interface 'wan0123456789abcdef': expected an interface name of at most 15 characters");
}

static void test_missing_value_named(void **state)
{
	(void)state;
	refused("wan0 allow --count",
		"demo: --count needs a value: a whole number from 1 to 4294967295");
	refused("wan0 allow --service", "demo: --service needs a value: NAME");
	refused("wan0 allow -c", "demo: -c needs a value: FILE");
	refused("wan0 allow --force=yes", "demo: --force takes no value");
}

/* An unknown option is named, the handler never runs; so are positionals
 * too many or too few. */
static void test_unknown_option_and_positionals(void **state)
{
	(void)state;
	refused("wan0 allow --frob", "demo: unknown option '--frob'");
	refused("wan0 allow --frob=1", "demo: unknown option '--frob'");
	refused("wan0 allow -x", "demo: unknown option '-x'");
	refused("wan0 allow -jx", "demo: unknown option '-x'");
	refused("wan0 in allow extra", "demo: too many arguments: 'extra'");
	refused("wan0", "demo: expected IFNAME [in|out] allow|deny");
	refused("", "demo: expected IFNAME [in|out] allow|deny");
	/* the first error is said; a -j after it still counts */
	refused("--frob --count 5x wan0 allow -j", "demo: unknown option '--frob'");
	assert_true(stub_json);
}

/* -h: the command's help, not the command, whatever else is wrong. */
static void test_help_is_not_run(void **state)
{
	struct mxctl_opts opts;

	(void)state;
	assert_int_equal(run("--help", &opts), 0);
	assert_int_equal(ran_times, 0);
	assert_string_equal(stub_msgs, "");
}

/* What mxctl help and a usage error show, made from the table. */
static void test_synopsis_from_the_table(void **state)
{
	char buf[256];

	(void)state;
	mxctl_synopsis(demo_args, buf, sizeof(buf));
	assert_string_equal(buf, "IFNAME [in|out] allow|deny [--service NAME] [--count N] "
			    "[--timeout S] [--mode fast|safe|slow] [--force]");
	mxctl_usage_line(&demo, buf, sizeof(buf));
	assert_true(!strncmp(buf, "mxctl [-c FILE] [-i IFNAME] [-j] demo IFNAME [in|out] ", 54));
	mxctl_synopsis(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/* mxctl's own options, before the command: the parse stops at it. */
static void test_stop_at_the_command(void **state)
{
	char *argv[] = { "-j", "-c", "/tmp/z", "status", "-x", NULL };
	struct mxctl_opts opts = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(mxctl_parse_args(NULL, NULL, &opts, 5, argv, true, NULL,
					  err, sizeof(err)), 3);
	assert_true(opts.json);
	assert_string_equal(opts.conf_path, "/tmp/z");
	assert_int_equal(mxctl_parse_args(NULL, NULL, &opts, 1, argv + 4, true, NULL,
					  err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown option '-x'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_parsed),
		cmocka_unit_test(test_forms_of_options),
		cmocka_unit_test(test_bad_numbers_named),
		cmocka_unit_test(test_bad_words_named),
		cmocka_unit_test(test_missing_value_named),
		cmocka_unit_test(test_unknown_option_and_positionals),
		cmocka_unit_test(test_help_is_not_run),
		cmocka_unit_test(test_synopsis_from_the_table),
		cmocka_unit_test(test_stop_at_the_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
