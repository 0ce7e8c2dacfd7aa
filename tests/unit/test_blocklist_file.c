// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_blocklist_file.c - unit tests of the blocklist reader (maps/blocklist.c:
 * FireHOL's one prefix a line, Spamhaus DROP's text, Spamhaus' JSON
 * lines; every bad line named FILE:LINE and the list refused whole) and
 * of the config's `blocklist NAME FILE [services ...]` (ctl/config.c).
 */
#define _GNU_SOURCE	/* open_memstream */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "../../maps/blocklist.h"
#include "config.h"
#include "unit.h"

static struct mxgw_bl_list l;
static char err[MXGW_BL_ERR_MAX];

static int read_text(const char *text)
{
	return mxgw_bl_read_text("list.txt", text, strlen(text), &l, err);
}

static void assert_v4(size_t i, const char *addr, unsigned int len)
{
	char buf[INET_ADDRSTRLEN];

	assert_true(i < l.n4);
	assert_string_equal(inet_ntop(AF_INET, &l.v4[i].addr, buf, sizeof(buf)), addr);
	assert_int_equal(l.v4[i].len, len);
}

static void assert_v6(size_t i, const char *addr, unsigned int len)
{
	char buf[INET6_ADDRSTRLEN];

	assert_true(i < l.n6);
	assert_string_equal(inet_ntop(AF_INET6, &l.v6[i].addr, buf, sizeof(buf)), addr);
	assert_int_equal(l.v6[i].len, len);
}

static void test_firehol_prefixes_and_comments(void **state)
{
	(void)state;
	assert_int_equal(read_text("#\n# firehol_level1\n#\n\n"
				   "0.0.0.0/8\n"
				   "1.10.16.0/20\n"
				   "  5.6.7.8  \n"
				   "; a comment too\n"
				   "10.0.0.0/8 # trailing comment\n"
				   "2001:db8:51::/48\n"
				   "2001:db8:52::7\n"
				   "2001:db8:53::1/128\r\n"), 0);
	assert_int_equal(l.n4, 4);
	assert_v4(0, "0.0.0.0", 8);
	assert_v4(1, "1.10.16.0", 20);
	assert_v4(2, "5.6.7.8", 32);	/* a bare address: its /32 */
	assert_v4(3, "10.0.0.0", 8);
	assert_int_equal(l.n6, 3);
	assert_v6(0, "2001:db8:51::", 48);
	assert_v6(1, "2001:db8:52::", 64);	/* a bare IPv6 address: its /64 */
	assert_v6(2, "2001:db8:53::1", 128);
	assert_string_equal(err, "");
	mxgw_bl_list_free(&l);
}

static void test_spamhaus_drop_text(void **state)
{
	(void)state;
	assert_int_equal(read_text("; Spamhaus DROP List 2026/12/06 - (c) 2026 The Spamhaus Project SLU\n"
				   "; Last-Modified: Sun, 06 Dec 2026 12:00:00 GMT\n"
				   "1.10.16.0/20 ; SBL256894\n"
				   "1.19.0.0/16 ; SBL434604\n"
				   "2001:db8:a::/48 ; SBL999999\n"), 0);
	assert_int_equal(l.n4, 2);
	assert_v4(0, "1.10.16.0", 20);
	assert_v4(1, "1.19.0.0", 16);
	assert_int_equal(l.n6, 1);
	assert_v6(0, "2001:db8:a::", 48);
	mxgw_bl_list_free(&l);
}

static void test_spamhaus_json_lines_with_metadata(void **state)
{
	(void)state;
	assert_int_equal(read_text("{\"cidr\":\"1.10.16.0/20\",\"sblid\":\"SBL256894\",\"rir\":\"apnic\"}\n"
				   "{ \"cidr\" : \"2001:db8:a::/48\", \"sblid\": \"SBL1\", \"rir\": \"ripencc\" }\n"
				   "{\"type\":\"metadata\",\"timestamp\":1765000000,\"size\":12345,\"records\":2,\"copyright\":\"(c) 2026 The Spamhaus Project SLU\",\"terms\":\"https://www.spamhaus.org/drop/terms/\"}\n"), 0);
	assert_int_equal(l.n4, 1);
	assert_v4(0, "1.10.16.0", 20);
	assert_int_equal(l.n6, 1);
	assert_v6(0, "2001:db8:a::", 48);
	mxgw_bl_list_free(&l);
}

/* Every bad line is named, the list is refused whole and left empty. */
static void test_every_bad_line_named_and_list_refused(void **state)
{
	(void)state;
	assert_int_equal(read_text("1.2.3.0/24\n"
				   "1.2.3.4/24\n"			/* 2: host bits */
				   "1.2.3.0/33\n"			/* 3: length */
				   "1.2.3.0/\n"				/* 4 */
				   "1.2.3.0/x\n"			/* 5 */
				   "1.2.3\n"				/* 6: no address */
				   "example.com\n"			/* 7 */
				   "1.2.3.0/24 1.2.4.0/24\n"		/* 8: two */
				   "2001:db8::1/64\n"			/* 9: host bits */
				   "2001:db8::/129\n"			/* 10 */
				   "2001:zz8::/32\n"			/* 11 */
				   "{\"sblid\":\"SBL1\"}\n"		/* 12: no cidr */
				   "{\"cidr\":1}\n"			/* 13 */
				   "{\"cidr\":\"1.2.3.0/24\"\n"		/* 14: unclosed */
				   "{\"cidr\":\"1.2.3.0/24\"} x\n"	/* 15 */
				   "{\"cidr\":\"300.1.1.0/24\"}\n"	/* 16 */
				   "9.9.9.0/24\n"), -EINVAL);
	unit_assert_same_text(err,
		"list.txt:2: \"1.2.3.4/24\": host bits set beyond /24 (1.2.3.0/24?)\n"
		"list.txt:3: \"1.2.3.0/33\": prefix length must be 0..32\n"
		"list.txt:4: \"1.2.3.0/\": prefix length must be 0..32\n"
		"list.txt:5: \"1.2.3.0/x\": prefix length must be 0..32\n"
		"list.txt:6: \"1.2.3\": not an IPv4 address\n"
		"list.txt:7: \"example.com\": not an IPv4 address\n"
		"list.txt:8: \"1.2.3.0/24\": expected one prefix a line, then only a comment (# or ;), found \"1.2.4.0/24\"\n"
		"list.txt:9: \"2001:db8::1/64\": host bits set beyond /64 (2001:db8::/64?)\n"
		"list.txt:10: \"2001:db8::/129\": prefix length must be 0..128\n"
		"list.txt:11: \"2001:zz8::\": not an IPv6 address\n"
		"list.txt:12: JSON: no \"cidr\" member\n"
		"list.txt:13: JSON: \"cidr\" is not a string\n"
		"list.txt:14: JSON: expected {\"cidr\":\"PREFIX\",...}\n"
		"list.txt:15: JSON: text after the object\n"
		"list.txt:16: \"300.1.1.0\": not an IPv4 address\n");
	assert_int_equal(l.n4, 0);
	assert_int_equal(l.n6, 0);
	assert_null(l.v4);
	assert_null(l.v6);
}

static void test_unreadable_lines(void **state)
{
	char text[MXGW_BL_MAX_LINE + 64];
	static const char nul[] = "1.2.3.0/24\n1.2.\0003.0/24\n";

	(void)state;
	memset(text, 'x', sizeof(text));
	snprintf(text, sizeof(text), "1.2.3.0/24\n%*s\n", MXGW_BL_MAX_LINE + 1, "1.2.3.4");
	assert_int_equal(read_text(text), -EINVAL);
	assert_string_equal(err, "list.txt:2: longer than 1024 characters\n");
	assert_int_equal(mxgw_bl_read_text("list.txt", nul, sizeof(nul) - 1, &l, err), -EINVAL);
	assert_string_equal(err, "list.txt:2: contains a NUL byte\n");
	assert_int_equal(read_text("1.2.3.0/24\r1.2.4.0/24\n"), -EINVAL);
	assert_string_equal(err, "list.txt:1: CR-only line ends\n");
}

/* A flood of bad lines: the text stays bounded and says how many. */
static void test_many_bad_lines_counted(void **state)
{
	size_t n = 1000, len = n * 8 + 1;
	char *text = malloc(len), *p = text;

	(void)state;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "bad%03zu\n", i);
	assert_int_equal(read_text(text), -EINVAL);
	assert_true(strlen(err) < MXGW_BL_ERR_MAX);
	assert_non_null(strstr(err, "list.txt:1: \"bad000\": not an IPv4 address\n"));
	assert_non_null(strstr(err, "list.txt: 1000 bad lines in all\n"));
	free(text);
}

static void test_empty_list_is_a_list(void **state)
{
	(void)state;
	assert_int_equal(read_text("# nothing listed today\n"), 0);
	assert_int_equal(l.n4 + l.n6, 0);
	assert_int_equal(read_text(""), 0);
	mxgw_bl_list_free(&l);
}

static void test_read_file(void **state)
{
	char *path = unit_write_temp("\xef\xbb\xbf" "192.0.2.0/24\n");
	(void)state;

	assert_int_equal(mxgw_bl_read_file(path, &l, err), 0);
	assert_int_equal(l.n4, 1);
	assert_v4(0, "192.0.2.0", 24);
	mxgw_bl_list_free(&l);
	unlink(path);
	assert_int_equal(mxgw_bl_read_file(path, &l, err), -ENOENT);
	free(path);
	assert_int_equal(mxgw_bl_read_file("/", &l, err), -EISDIR);
}

#define HEAD "public 203.0.113.33\nmailserver 192.168.1.10\n" \
	     "service smtp 25 allow allow\nservice imaps 993 deny allow\n"

static int parse(const char *text, struct mxgw_conf_file *conf, char **msgs)
{
	size_t len;
	FILE *f = open_memstream(msgs, &len);
	int ret = mxgw_conf_parse_string("/etc/mxgw/mxgw.conf", text, conf, f);

	fclose(f);
	return ret;
}

static void test_config_blocklists(void **state)
{
	static struct mxgw_conf_file conf;
	const struct mxgw_policy *pol = &conf.policy;
	char *msgs;

	(void)state;
	assert_int_equal(parse(HEAD "blocklist drop /var/lib/mxgw/drop.txt\n"
			       "blocklist scanners firehol.txt services smtp,imaps\n"
			       "blocklist later later.txt services submission\n"
			       "service submission 587 deny allow\n", &conf, &msgs), 0);
	assert_string_equal(msgs, "");
	free(msgs);
	assert_int_equal(pol->nblocklists, 3);
	assert_string_equal(pol->blocklists[0].name, "drop");
	assert_string_equal(pol->blocklists[0].file, "/var/lib/mxgw/drop.txt");
	assert_true(pol->blocklists[0].all_services);
	assert_string_equal(pol->blocklists[1].file, "/etc/mxgw/firehol.txt");
	assert_false(pol->blocklists[1].all_services);
	assert_int_equal(pol->blocklists[1].services[0], 0x3);	/* services 0 and 1 */
	assert_int_equal(pol->blocklists[2].services[0], 0x4);	/* defined after it */
}

static void test_config_blocklist_errors(void **state)
{
	static struct mxgw_conf_file conf;
	char *msgs;

	(void)state;
	assert_int_equal(parse(HEAD "blocklist\n"
			       "blocklist drop\n"
			       "blocklist Drop x\n"
			       "blocklist drop x services\n"
			       "blocklist drop x ports smtp\n"
			       "blocklist drop x services smtp extra\n"
			       "blocklist a x services smtp,pop3\n"
			       "blocklist b x services smtp,,imaps\n"
			       "blocklist c x services smtp,smtp\n"
			       "blocklist a y\n", &conf, &msgs), -EINVAL);
	unit_assert_same_text(msgs,
		"/etc/mxgw/mxgw.conf:5: error: blocklist: name: missing\n"
		"/etc/mxgw/mxgw.conf:6: error: blocklist: file: missing\n"
		"/etc/mxgw/mxgw.conf:7: error: blocklist: name: \"Drop\" must be 1..31 characters of [a-z0-9_-] starting with a letter\n"
		"/etc/mxgw/mxgw.conf:8: error: blocklist drop: expected \"services NAME,...\" after the file, found \"services\"\n"
		"/etc/mxgw/mxgw.conf:9: error: blocklist drop: expected \"services NAME,...\" after the file, found \"ports\"\n"
		"/etc/mxgw/mxgw.conf:10: error: blocklist drop: unexpected \"extra\" after the services\n"
		"/etc/mxgw/mxgw.conf:14: error: blocklist a: name: already defined on line 11\n"
		"/etc/mxgw/mxgw.conf:11: error: blocklist a: services: \"pop3\" is no service of this config\n"
		"/etc/mxgw/mxgw.conf:12: error: blocklist b: services: expected NAME[,NAME...], found \"smtp,,imaps\"\n"
		"/etc/mxgw/mxgw.conf:13: error: blocklist c: services: \"smtp\" named twice\n");
	free(msgs);
}

static void test_config_too_many_blocklists(void **state)
{
	static struct mxgw_conf_file conf;
	char text[2048] = HEAD, *msgs;

	(void)state;
	for (int i = 0; i <= MXGW_BL_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "blocklist l%d /x\n", i);
	assert_int_equal(parse(text, &conf, &msgs), -EINVAL);
	assert_string_equal(msgs, "/etc/mxgw/mxgw.conf:19: error: blocklist l14: more than 14 blocklists (a bit each in the data plane)\n");
	free(msgs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_firehol_prefixes_and_comments),
		cmocka_unit_test(test_spamhaus_drop_text),
		cmocka_unit_test(test_spamhaus_json_lines_with_metadata),
		cmocka_unit_test(test_every_bad_line_named_and_list_refused),
		cmocka_unit_test(test_unreadable_lines),
		cmocka_unit_test(test_many_bad_lines_counted),
		cmocka_unit_test(test_empty_list_is_a_list),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_config_blocklists),
		cmocka_unit_test(test_config_blocklist_errors),
		cmocka_unit_test(test_config_too_many_blocklists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
