// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_dns.c - unit tests of mxctl dns: the zone-file and JSON formatters
 * (ctl/advice.c), compared byte for byte, and the handler (ctl/cmd_dns.c)
 * with mxctl_err and mxctl_usage stubbed here.
 */
#define _GNU_SOURCE	/* open_memstream, vasprintf */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "json.h"
#include "mxctl.h"
#include "advice.h"
#include "args.h"
#include "unit.h"

#ifndef MXGW_SHIPPED_CONF
#error "build with -DMXGW_SHIPPED_CONF=\"path/to/etc/mxgw.conf\""
#endif

#define HDR	"public 215.75.128.33\nmailserver 192.168.1.10\n"

/* mxctl dns as mxctl runs it: its words parsed by its table (args.c). */
static int cmd_dns(const struct mxctl_opts *opts, int argc, char **argv)
{
	struct mxctl_opts o = *opts;

	return mxctl_run(&mxctl_cmd_dns, &o, argc, argv);
}

/* ---- stubs of mxctl.c: what the handler says goes here ------------------ */

static char stub_msgs[4096];

static void stub_add(const char *prefix, const char *fmt, va_list ap)
{
	size_t len = strlen(stub_msgs);

	snprintf(stub_msgs + len, sizeof(stub_msgs) - len, "%s", prefix);
	len = strlen(stub_msgs);
	vsnprintf(stub_msgs + len, sizeof(stub_msgs) - len, fmt, ap);
	len = strlen(stub_msgs);
	snprintf(stub_msgs + len, sizeof(stub_msgs) - len, "\n");
}

void mxctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	stub_add("mxctl: ", fmt, ap);
	va_end(ap);
}

int mxctl_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	(void)cmd;
	va_start(ap, fmt);
	stub_add("usage: ", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

void mxctl_errors_as_json(bool on)
{
	(void)on;
}

const char *mxctl_strerror(int err)
{
	return strerror(-err);
}

/* ---- helpers ----------------------------------------------------------- */

static struct mxgw_conf_file conf;

static void parse_ok(const char *text)
{
	assert_int_equal(mxgw_conf_parse_string("t.conf", text, &conf, NULL), 0);
}

/* mxgw_dns_format() of @text, into a string the caller frees. */
static char *format(const char *text, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	parse_ok(text);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	*ret = mxgw_dns_format(&conf, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void assert_format(const char *text, const char *want)
{
	char *got;
	int ret;

	got = format(text, &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(got, want);
	free(got);
}

static char *format_json(const char *text, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	struct json j;
	FILE *f;

	parse_ok(text);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	json_init(&j, f);
	*ret = mxgw_dns_format_json(&conf, &j);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* What a handler writes to stderr (the parser's messages), for the last run. */
static char *captured_err;

/* Run @fn with stdout and stderr going to strings; returns stdout's. */
static char *capture_stdout(int (*fn)(const struct mxctl_opts *, int, char **),
			    const struct mxctl_opts *opts, int argc, char **argv,
			    int *ret)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int saved_out, saved_err;

	assert_non_null(out);
	assert_non_null(err);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	assert_true(saved_out >= 0 && saved_err >= 0);
	assert_true(dup2(fileno(out), STDOUT_FILENO) >= 0);
	assert_true(dup2(fileno(err), STDERR_FILENO) >= 0);
	stub_msgs[0] = '\0';
	*ret = fn(opts, argc, argv);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(saved_out, STDOUT_FILENO) >= 0);
	assert_true(dup2(saved_err, STDERR_FILENO) >= 0);
	close(saved_out);
	close(saved_err);
	free(captured_err);
	captured_err = unit_slurp(err);
	return unit_slurp(out);
}

/* ---- the zone-file formatter ------------------------------------------- */

/* The seed's own example, from the shipped config. */
static void test_shipped_config_gives_the_seed_records(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(mxgw_conf_parse_file(MXGW_SHIPPED_CONF, &conf, NULL), 0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(mxgw_dns_format(&conf, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf,
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  10  mail.company.com.\n"
		"mail.company.com.       IN  A       215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"mail.company.com.       IN  A       192.168.1.10\n");
	free(buf);
}

static void test_names_are_fully_qualified_once(void **state)
{
	(void)state;
	/* A trailing dot in the config does not double. */
	assert_format(HDR "domain company.com.\nmx-host mail.company.com.\n",
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  10  mail.company.com.\n"
		"mail.company.com.       IN  A       215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"mail.company.com.       IN  A       192.168.1.10\n");
}

static void test_backup_mx_lines_follow_the_primary(void **state)
{
	(void)state;
	assert_format(HDR "domain company.com\nmx-host mail.company.com\n"
		      "backup-mx backup.company.com 20\n"
		      "backup-mx mx2.provider.net 30\n",
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  10  mail.company.com.\n"
		"company.com.            IN  MX  20  backup.company.com.\n"
		"company.com.            IN  MX  30  mx2.provider.net.\n"
		"mail.company.com.       IN  A       215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"mail.company.com.       IN  A       192.168.1.10\n");
}

static void test_mx_preference_and_wide_preferences_keep_columns(void **state)
{
	(void)state;
	assert_format(HDR "domain company.com\nmx-host mail.company.com\nmx-preference 0\n",
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  0   mail.company.com.\n"
		"mail.company.com.       IN  A       215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"mail.company.com.       IN  A       192.168.1.10\n");
	/* Five digits: the A data moves with the MX targets. */
	assert_format(HDR "domain company.com\nmx-host mail.company.com\nmx-preference 5\n"
		      "backup-mx b.company.com 65535\n",
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  5      mail.company.com.\n"
		"company.com.            IN  MX  65535  b.company.com.\n"
		"mail.company.com.       IN  A          215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"mail.company.com.       IN  A          192.168.1.10\n");
}

static void test_long_names_widen_the_name_column(void **state)
{
	(void)state;
	/* 23 characters with the dot: still one blank before IN. */
	assert_format(HDR "domain example.org\nmx-host mx-01.example.org\n",
		"; public zone (example.org), at the provider's DNS\n"
		"example.org.            IN  MX  10  mx-01.example.org.\n"
		"mx-01.example.org.      IN  A       215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"mx-01.example.org.      IN  A       192.168.1.10\n");
	assert_format(HDR "domain a-rather-long-domain.example\n"
		      "mx-host mail.a-rather-long-domain.example\n",
		"; public zone (a-rather-long-domain.example), at the provider's DNS\n"
		"a-rather-long-domain.example.      IN  MX  10  mail.a-rather-long-domain.example.\n"
		"mail.a-rather-long-domain.example. IN  A       215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"mail.a-rather-long-domain.example. IN  A       192.168.1.10\n");
}

static void test_mx_host_outside_the_domain_is_said_so(void **state)
{
	(void)state;
	assert_format(HDR "domain company.com\nmx-host mx1.mail-host.net\n",
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  10  mx1.mail-host.net.\n"
		"; mx1.mail-host.net. is outside company.com: this record goes in its own zone\n"
		"mx1.mail-host.net.      IN  A       215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"mx1.mail-host.net.      IN  A       192.168.1.10\n");
	/* The apex itself is inside. */
	assert_format(HDR "domain company.com\nmx-host company.com\n",
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  10  company.com.\n"
		"company.com.            IN  A       215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"company.com.            IN  A       192.168.1.10\n");
}

static void test_missing_keys_are_named_and_nothing_is_written(void **state)
{
	static const struct {
		const char *text;
		const char *missing;
	} cases[] = {
		{ HDR, "domain and mx-host" },
		{ HDR "mx-host mail.company.com\n", "domain" },
		{ HDR "domain company.com\n", "mx-host" },
	};
	char *got;
	int ret;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = format(cases[i].text, &ret);
		assert_int_equal(ret, -ENODATA);
		assert_string_equal(got, "");
		free(got);
		assert_string_equal(mxgw_dns_missing(&conf), cases[i].missing);
		got = format_json(cases[i].text, &ret);
		assert_int_equal(ret, -ENODATA);
		assert_string_equal(got, "");
		free(got);
	}
	parse_ok(HDR "domain company.com\nmx-host mail.company.com\n");
	assert_null(mxgw_dns_missing(&conf));
}

static void test_write_error_is_eio(void **state)
{
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	parse_ok(HDR "domain company.com\nmx-host mail.company.com\n");
	assert_int_equal(mxgw_dns_format(&conf, f), -EIO);
	fclose(f);
}

/* ---- the JSON formatter ------------------------------------------------ */

static void test_json_records(void **state)
{
	char *got;
	int ret;

	(void)state;
	got = format_json(HDR "domain company.com\nmx-host mail.company.com\n"
			  "backup-mx backup.company.com 20\n", &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(got,
		"{\"domain\":\"company.com.\",\"public\":["
		"{\"name\":\"company.com.\",\"type\":\"MX\",\"preference\":10,\"target\":\"mail.company.com.\"},"
		"{\"name\":\"company.com.\",\"type\":\"MX\",\"preference\":20,\"target\":\"backup.company.com.\"},"
		"{\"name\":\"mail.company.com.\",\"type\":\"A\",\"address\":\"215.75.128.33\"}],"
		"\"local\":[{\"name\":\"mail.company.com.\",\"type\":\"A\",\"address\":\"192.168.1.10\"}],"
		"\"mx_host_in_domain\":true}\n");
	free(got);
	got = format_json(HDR "domain company.com\nmx-host mx.other.net\n", &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(got, "\"mx_host_in_domain\":false}"));
	free(got);
}

/* ---- the handler ------------------------------------------------------- */

static void test_cmd_dns_prints_the_records(void **state)
{
	struct mxctl_opts opts = { .conf_path = MXGW_SHIPPED_CONF };
	char *out;
	int ret;

	(void)state;
	out = capture_stdout(cmd_dns, &opts, 0, NULL, &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(stub_msgs, "");
	assert_string_equal(out,
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  10  mail.company.com.\n"
		"mail.company.com.       IN  A       215.75.128.33\n"
		"; local DNS, for the LAN\n"
		"mail.company.com.       IN  A       192.168.1.10\n");
	free(out);

	opts.json = true;
	out = capture_stdout(cmd_dns, &opts, 0, NULL, &ret);
	assert_int_equal(ret, 0);
	assert_true(!strncmp(out, "{\"domain\":\"company.com.\",", 25));
	free(out);
}

static void test_cmd_dns_without_domain_names_the_missing_keys(void **state)
{
	char *path = unit_write_temp(HDR "service smtp 25 allow allow\n");
	struct mxctl_opts opts = { .conf_path = path };
	char *out, *want;
	int ret;

	(void)state;
	out = capture_stdout(cmd_dns, &opts, 0, NULL, &ret);
	assert_int_equal(ret, 1);
	assert_string_equal(out, "");
	assert_true(asprintf(&want, "mxctl: dns: %s sets no domain and mx-host, so there are no records to print (for example: domain company.com, mx-host mail.company.com)\n",
			     path) > 0);
	assert_string_equal(stub_msgs, want);
	free(want);
	free(out);
	unlink(path);
	free(path);
}

static void test_cmd_dns_bad_config_or_arguments(void **state)
{
	struct mxctl_opts opts = { .conf_path = "/nonexistent/mxgw.conf" };
	char *argv[] = { "extra", NULL };
	char *out;
	int ret;

	(void)state;
	/* The parser has said why, on stderr. */
	out = capture_stdout(cmd_dns, &opts, 0, NULL, &ret);
	assert_int_equal(ret, 1);
	assert_string_equal(out, "");
	assert_string_equal(captured_err,
			    "/nonexistent/mxgw.conf: error: cannot open: No such file or directory\n");
	assert_string_equal(stub_msgs, "");
	free(out);
	out = capture_stdout(cmd_dns, &opts, 1, argv, &ret);
	assert_int_equal(ret, EXIT_USAGE);
	assert_string_equal(stub_msgs, "usage: dns takes no arguments\n");
	assert_string_equal(out, "");
	free(out);
}

/* Under -j the parser's errors are the command's one error (JSON on stdout
 * in mxctl, the stub here), its warnings stay on stderr. */
static void test_cmd_dns_json_error_is_the_parsers(void **state)
{
	char *path = unit_write_temp(HDR "domain company.com\nmx-host mail.company.com\n"
				     "service smtp 25/tcp allow allow from 0.0.0.0/0\n"
				     "default sometimes\nicmp-echo never\n");
	struct mxctl_opts opts = { .conf_path = path, .json = true };
	char want[1024], *out;
	int ret;

	(void)state;
	out = capture_stdout(cmd_dns, &opts, 0, NULL, &ret);
	assert_int_equal(ret, 1);
	assert_string_equal(out, "");
	snprintf(want, sizeof(want), "mxctl: %s:6: error: default: ", path);
	if (strncmp(stub_msgs, want, strlen(want)))
		fail_msg("the JSON error: %s", stub_msgs);
	snprintf(want, sizeof(want), "\n%s:7: error: icmp-echo: ", path);
	assert_non_null(strstr(stub_msgs, want));
	/* the warning, and only it, on stderr */
	snprintf(want, sizeof(want), "%s:5: warning: ", path);
	assert_true(!strncmp(captured_err, want, strlen(want)));
	assert_null(strstr(captured_err, "error"));
	free(out);
	unlink(path);
	free(path);
}

/* ---- IPv6: the AAAA record --------------------------------------------- */

/* Routed, not translated: one AAAA record, public and local alike. */
static void test_mailserver6_gives_the_aaaa_records(void **state)
{
	char *got;
	int ret;

	(void)state;
	assert_format(HDR "mailserver6 2001:db8:168::10\ndomain company.com\nmx-host mail.company.com\n",
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  10  mail.company.com.\n"
		"mail.company.com.       IN  A       215.75.128.33\n"
		"mail.company.com.       IN  AAAA    2001:db8:168::10\n"
		"; local DNS, for the LAN\n"
		"mail.company.com.       IN  A       192.168.1.10\n"
		"mail.company.com.       IN  AAAA    2001:db8:168::10\n");
	/* the address as inet_ntop writes it (RFC 5952), columns kept
	 * with wide preferences and a name outside the domain */
	assert_format(HDR "mailserver6 2001:0DB8:0168:0:0:0:0:0010\ndomain company.com\n"
		      "mx-host mx1.mail-host.net\nbackup-mx b.company.com 65535\n",
		"; public zone (company.com), at the provider's DNS\n"
		"company.com.            IN  MX  10     mx1.mail-host.net.\n"
		"company.com.            IN  MX  65535  b.company.com.\n"
		"; mx1.mail-host.net. is outside company.com: this record goes in its own zone\n"
		"mx1.mail-host.net.      IN  A          215.75.128.33\n"
		"mx1.mail-host.net.      IN  AAAA       2001:db8:168::10\n"
		"; local DNS, for the LAN\n"
		"mx1.mail-host.net.      IN  A          192.168.1.10\n"
		"mx1.mail-host.net.      IN  AAAA       2001:db8:168::10\n");
	got = format_json(HDR "mailserver6 2001:db8:168::10\ndomain company.com\nmx-host mail.company.com\n",
			  &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(got,
		"{\"domain\":\"company.com.\",\"public\":["
		"{\"name\":\"company.com.\",\"type\":\"MX\",\"preference\":10,\"target\":\"mail.company.com.\"},"
		"{\"name\":\"mail.company.com.\",\"type\":\"A\",\"address\":\"215.75.128.33\"},"
		"{\"name\":\"mail.company.com.\",\"type\":\"AAAA\",\"address\":\"2001:db8:168::10\"}],"
		"\"local\":[{\"name\":\"mail.company.com.\",\"type\":\"A\",\"address\":\"192.168.1.10\"},"
		"{\"name\":\"mail.company.com.\",\"type\":\"AAAA\",\"address\":\"2001:db8:168::10\"}],"
		"\"mx_host_in_domain\":true}\n");
	free(got);
	/* lan6 alone is no address of the mail server: no AAAA */
	got = format_json(HDR "lan6 2001:db8:168::/64\ndomain company.com\nmx-host mail.company.com\n",
			  &ret);
	assert_int_equal(ret, 0);
	assert_null(strstr(got, "AAAA"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_config_gives_the_seed_records),
		cmocka_unit_test(test_names_are_fully_qualified_once),
		cmocka_unit_test(test_backup_mx_lines_follow_the_primary),
		cmocka_unit_test(test_mx_preference_and_wide_preferences_keep_columns),
		cmocka_unit_test(test_long_names_widen_the_name_column),
		cmocka_unit_test(test_mx_host_outside_the_domain_is_said_so),
		cmocka_unit_test(test_missing_keys_are_named_and_nothing_is_written),
		cmocka_unit_test(test_write_error_is_eio),
		cmocka_unit_test(test_json_records),
		cmocka_unit_test(test_cmd_dns_prints_the_records),
		cmocka_unit_test(test_cmd_dns_without_domain_names_the_missing_keys),
		cmocka_unit_test(test_cmd_dns_bad_config_or_arguments),
		cmocka_unit_test(test_cmd_dns_json_error_is_the_parsers),
		cmocka_unit_test(test_mailserver6_gives_the_aaaa_records),
	};

	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	free(captured_err);
	return ret;
}
