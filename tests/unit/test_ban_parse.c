// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What mxctl ban and the allowlist read (ctl/bans.c): durations, source
 * prefixes of either family (IPv6 by /64 for a ban, /128 for the
 * allowlist), and prefix files, whose every bad line is named FILE:LINE
 * and which then give nothing; and the allowlist key of mxgw.conf.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bans.h"
#include "config.h"
#include "unit.h"

static void test_duration(void **state)
{
	static const struct { const char *s; __u64 secs; } good[] = {
		{ "30s", 30 }, { "10m", 600 }, { "1h", 3600 }, { "7d", 7 * 86400 },
		{ "600", 600 }, { "3650d", 3650ULL * 86400 }, { "1s", 1 },
	};
	static const char *const bad[] = {
		"", "0", "0s", "-1", "+5m", "05m", "1w", "1hh", "1h30m", "10 m", "m",
		"3651d", "99999999999999999999", "1.5h", " 1h",
	};
	__u64 secs;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		secs = 0;
		if (mxctl_parse_duration(good[i].s, &secs) || secs != good[i].secs)
			fail_msg("\"%s\": got %llu, want %llu", good[i].s,
				 (unsigned long long)secs, (unsigned long long)good[i].secs);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mxctl_parse_duration(bad[i], &secs) != -EINVAL)
			fail_msg("\"%s\" was taken as a duration", bad[i]);
}

static void prefix_is(const char *s, unsigned int bare6, const char *want)
{
	struct mxgw_src_prefix p;
	char why[160], got[64];

	if (mxgw_prefix_parse(s, 1, bare6, &p, why, sizeof(why)))
		fail_msg("\"%s\" refused: %s", s, why);
	mxctl_format_src_prefix(&p, got, sizeof(got));
	assert_string_equal(got, want);
}

static void test_prefixes(void **state)
{
	static const char *const bad[] = {
		"", "x", "198.51.100.7/", "198.51.100.7/0", "198.51.100.7/33", "198.51.100.7/24",
		"198.51.100.0/024", "2001:db8::7/129", "2001:db8::7/64", "2001:db8::/0",
		"198.51.100.7 ", "[2001:db8::1]", "fe80::1%eth0", "198.51.100.7/32x",
	};
	struct mxgw_src_prefix p;
	char why[160];

	(void)state;
	prefix_is("198.51.100.7", 64, "198.51.100.7/32");
	prefix_is("198.51.100.0/24", 64, "198.51.100.0/24");
	prefix_is("2001:db8:51::7", 64, "2001:db8:51::/64");
	prefix_is("2001:db8:51:0:1:2:3:4", 64, "2001:db8:51::/64");
	prefix_is("2001:db8:51::7/128", 64, "2001:db8:51::7/128");
	prefix_is("2001:db8:51::7", 128, "2001:db8:51::7/128");
	prefix_is("2001:db8::/32", 64, "2001:db8::/32");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mxgw_prefix_parse(bad[i], 1, 64, &p, why, sizeof(why)) != -EINVAL)
			fail_msg("\"%s\" was taken as a prefix", bad[i]);
	assert_int_equal(mxgw_prefix_parse("198.51.100.7/24", 1, 64, &p, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "host bits"));
}

struct got {
	char text[4096];
	unsigned int n;
};

static int take(const struct mxgw_src_prefix *p, void *arg)
{
	struct got *g = arg;
	char buf[64];

	mxctl_format_src_prefix(p, buf, sizeof(buf));
	strcat(g->text, buf);
	strcat(g->text, "\n");
	g->n++;
	return 0;
}

/* Read @text as file "bans.txt"; the parser's messages into @err. */
static int read_text(const char *text, struct got *g, char **err)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	FILE *e = tmpfile();
	int ret;

	assert_non_null(in);
	assert_non_null(e);
	memset(g, 0, sizeof(*g));
	ret = mxctl_read_prefix_file("bans.txt", in, 64, "ban", e, take, g);
	fclose(in);
	*err = unit_slurp(e);	/* closes it */
	return ret;
}

static void test_file_good(void **state)
{
	struct got g;
	char *err;

	(void)state;
	assert_int_equal(read_text("# FireHOL style\n198.51.100.7\n\n  203.0.113.0/24 ; SBL1\r\n"
				   "2001:db8:51::7\t# a host: its /64\n2001:db8::/32;x\n"
				   /* Spamhaus' JSON lines, the blocklists' reader's */
				   "{\"cidr\":\"192.0.2.0/25\",\"sblid\":\"SBL2\",\"rir\":\"arin\"}\n"
				   "{\"type\":\"metadata\",\"records\":1}\n", &g, &err), 0);
	assert_string_equal(err, "");
	unit_assert_same_text(g.text, "198.51.100.7/32\n203.0.113.0/24\n2001:db8:51::/64\n"
				      "2001:db8::/32\n192.0.2.0/25\n");
	free(err);
}

static void test_file_bad_lines_named_and_nothing_taken(void **state)
{
	struct got g;
	char *err;

	(void)state;
	assert_int_equal(read_text("198.51.100.7\n198.51.100.0/33\n2001:db8::1 extra\n"
				   "\n203.0.113.9\nnope ; comment\n", &g, &err), -EINVAL);
	unit_assert_same_text(err,
		"bans.txt:2: error: ban: \"198.51.100.0/33\": prefix length must be 1..32\n"
		"bans.txt:3: error: ban: \"2001:db8::1\": expected one prefix a line, then only a comment (# or ;), found \"extra\"\n"
		"bans.txt:6: error: ban: \"nope\": not an IPv4 address\n");
	/* what came before the first bad line was handed on, nothing after:
	 * the caller drops it all on -EINVAL */
	assert_int_equal(g.n, 1);
	free(err);
}

static void test_file_nul_byte(void **state)
{
	static const char text[] = "198.51.100.7\n1\0002.3.4\n";
	FILE *in = fmemopen((void *)text, sizeof(text) - 1, "r");
	FILE *e = tmpfile();
	struct got g = { 0 };
	char *err;

	(void)state;
	assert_int_equal(mxctl_read_prefix_file("-", in, 64, "ban", e, take, &g), -EINVAL);
	err = unit_slurp(e);
	unit_assert_same_text(err, "stdin:2: error: ban: a NUL byte\n");
	free(err);
	fclose(in);
}

#define HDR	"public 203.0.113.33\nmailserver 192.168.1.10\n"

static void test_config_allowlist(void **state)
{
	static struct mxgw_conf_file conf;
	char *path, text[512], *err;
	FILE *e = tmpfile();
	int ret;

	(void)state;
	assert_int_equal(mxgw_conf_parse_string("t.conf", HDR
		"allowlist 198.51.100.0/24,2001:db8:51::7\nallowlist 198.51.100.0/24,10.0.0.1\n",
		&conf, NULL), 0);
	assert_int_equal(conf.policy.nallow4, 2);
	assert_int_equal(conf.policy.nallow6, 1);
	assert_int_equal(conf.policy.allow6[0].len, 128);

	path = unit_write_temp("192.0.2.0/24\n2001:db8::/32 ; partners\n");
	snprintf(text, sizeof(text), HDR "allowlist %s\n", path);
	assert_int_equal(mxgw_conf_parse_string("t.conf", text, &conf, NULL), 0);
	assert_int_equal(conf.policy.nallow4, 1);
	assert_int_equal(conf.policy.nallow6, 1);
	unlink(path);
	free(path);

	/* a bad line in the file: named, and the config refused */
	path = unit_write_temp("192.0.2.0/24\n192.0.2.1/24\n");
	snprintf(text, sizeof(text), HDR "allowlist %s\n", path);
	ret = mxgw_conf_parse_string("t.conf", text, &conf, e);
	assert_int_equal(ret, -EINVAL);
	err = unit_slurp(e);
	snprintf(text, sizeof(text),
		 "%s:2: error: allowlist: \"192.0.2.1/24\": host bits set beyond /24 (192.0.2.0/24?)\n"
		 "t.conf:3: error: allowlist: %s: bad lines (above): the list is refused\n",
		 path, path);
	unit_assert_same_text(err, text);
	free(err);
	unlink(path);
	free(path);

	assert_int_equal(mxgw_conf_parse_string("t.conf", HDR "allowlist 10.0.0.1/8\n", &conf, NULL),
			 -EINVAL);
	assert_int_equal(mxgw_conf_parse_string("t.conf", HDR "allowlist\n", &conf, NULL), -EINVAL);
	assert_int_equal(mxgw_conf_parse_string("t.conf", HDR "allowlist /nonexistent/x\n", &conf,
						NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_file_good),
		cmocka_unit_test(test_file_bad_lines_named_and_nothing_taken),
		cmocka_unit_test(test_file_nul_byte),
		cmocka_unit_test(test_config_allowlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
