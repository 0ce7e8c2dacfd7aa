// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_config.c - unit tests of the mxgw.conf parser (ctl/config.c).
 *
 * Every diagnostic is compared byte for byte: the messages are the user
 * interface of the parser, and "FILE:LINE: error: FIELD:" is what lets an
 * operator (and an editor) jump to the mistake.
 */
#define _GNU_SOURCE	/* vasprintf */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "config.h"

#ifndef MXGW_SHIPPED_CONF
#error "build with -DMXGW_SHIPPED_CONF=\"path/to/etc/mxgw.conf\""
#endif

#define TCP	MXGW_PROTO_BIT(MXGW_PROTO_TCP)
#define UDP	MXGW_PROTO_BIT(MXGW_PROTO_UDP)
#define MAX_SVC	(MXGW_MAX_SERVICES - 1)

/* What an unknown keyword message lists. */
#define KEYWORDS	"public, mailserver, mailserver6, lan6, default, service, nat-ports, conntrack-max, timeout, " \
			"icmp-echo, domain, mx-host, mx-preference, backup-mx, log-rate, allowlist, blocklist, limit, syn-flood, " \
			"xdp-attach, xdp-priority or xdp-redirect"

/* What an unknown timeout name message lists, in enum mxgw_ct_state order. */
#define CT_NAMES	"tcp-syn-sent, tcp-syn-recv, tcp-established, tcp-fin-wait, " \
			"tcp-close-wait, tcp-last-ack, tcp-time-wait, tcp-close, " \
			"udp, udp-stream or icmp"

/* Two valid lines, so the first line under test is line 3. */
#define HDR	"public 215.75.128.33\nmailserver 192.168.1.10\n"

struct fixture {
	struct mxgw_conf_file conf;
	char *msgs;		/* everything the parser printed */
	size_t len;
	int rc;
};

static int setup(void **state)
{
	struct fixture *fx = malloc(sizeof(*fx));

	if (!fx)
		return -1;
	/* Garbage, so that "left zeroed" and "defaults" mean something. */
	memset(fx, 0xa5, sizeof(*fx));
	fx->msgs = NULL;
	fx->len = 0;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->msgs);
	free(fx);
	return 0;
}

/* Parse @text as "t.conf"; returns the messages printed. */
static const char *parse(struct fixture *fx, const char *text)
{
	FILE *err;

	free(fx->msgs);
	fx->msgs = NULL;
	err = open_memstream(&fx->msgs, &fx->len);
	assert_non_null(err);
	fx->rc = mxgw_conf_parse_string("t.conf", text, &fx->conf, err);
	assert_int_equal(fclose(err), 0);
	return fx->msgs;
}

static const char *parse_file(struct fixture *fx, const char *path)
{
	FILE *err;

	free(fx->msgs);
	fx->msgs = NULL;
	err = open_memstream(&fx->msgs, &fx->len);
	assert_non_null(err);
	fx->rc = mxgw_conf_parse_file(path, &fx->conf, err);
	assert_int_equal(fclose(err), 0);
	return fx->msgs;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void assert_conf_zeroed(const struct fixture *fx)
{
	assert_true(all_zero(&fx->conf, sizeof(fx->conf)));
}

/* @text must parse with no message at all. */
static void assert_parses(struct fixture *fx, const char *text)
{
	assert_string_equal(parse(fx, text), "");
	assert_int_equal(fx->rc, 0);
}

/* @text must fail with exactly @msgs printed and the conf zeroed. */
static void assert_fails(struct fixture *fx, const char *text,
			 const char *msgs)
{
	assert_string_equal(parse(fx, text), msgs);
	assert_int_equal(fx->rc, -EINVAL);
	assert_conf_zeroed(fx);
}

static __be32 ip(const char *s)
{
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

static char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	return s;
}

/* A growing string for generated configs. */
struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static void text_open(struct text *t)
{
	t->buf = NULL;
	t->len = 0;
	t->f = open_memstream(&t->buf, &t->len);
	assert_non_null(t->f);
}

static char *text_close(struct text *t)
{
	assert_int_equal(fclose(t->f), 0);
	return t->buf;
}

/* Service @i of @c, and the line that defined it. */
static void assert_service(const struct mxgw_conf_file *c, unsigned int i,
			   const char *name, unsigned int port, unsigned int protos,
			   int out, int in, unsigned int line)
{
	const struct mxgw_policy_service *s = &c->policy.services[i];

	assert_true(i < c->policy.nservices);
	assert_string_equal(s->name, name);
	assert_int_equal(s->port, port);
	assert_int_equal(s->protos, protos);
	assert_int_equal(s->verdict[MXGW_DIR_OUT], out);
	assert_int_equal(s->verdict[MXGW_DIR_IN], in);
	assert_int_equal(c->lines.service[i], line);
}

/* ---- the shipped file -------------------------------------------------- */

static void test_shipped_config_is_the_seed_table(void **state)
{
	static const struct {
		const char *name;
		unsigned int port;
		unsigned int protos;
		int out, in;
	} want[] = {
		{ "smtp",  25,  TCP, MXGW_ALLOW, MXGW_ALLOW },
		{ "smtps", 465, TCP, MXGW_ALLOW, MXGW_ALLOW },
		{ "pop3",  110, TCP, MXGW_ALLOW, MXGW_DENY },
		{ "pop3s", 995, TCP, MXGW_ALLOW, MXGW_ALLOW },
		{ "imap",  143, TCP, MXGW_ALLOW, MXGW_DENY },
		{ "imaps", 993, TCP, MXGW_ALLOW, MXGW_ALLOW },
		{ "nntp",  119, TCP, MXGW_ALLOW, MXGW_DENY },
		{ "nntps", 563, TCP, MXGW_ALLOW, MXGW_ALLOW },
		{ "ldap",  389, TCP, MXGW_ALLOW, MXGW_DENY },
		{ "ldaps", 636, TCP, MXGW_ALLOW, MXGW_ALLOW },
		{ "http",  80,  TCP, MXGW_ALLOW, MXGW_DENY },
		{ "https", 443, TCP, MXGW_ALLOW, MXGW_ALLOW },
		{ "dns",   53,  TCP | UDP, MXGW_ALLOW, MXGW_DENY },
	};
	struct fixture *fx = *state;
	const struct mxgw_conf_file *c = &fx->conf;

	assert_string_equal(parse_file(fx, MXGW_SHIPPED_CONF), "");
	assert_int_equal(fx->rc, 0);
	assert_string_equal(c->path, MXGW_SHIPPED_CONF);
	assert_int_equal(c->policy.public_addr, ip("215.75.128.33"));
	assert_int_equal(c->policy.mailserver_addr, ip("192.168.1.10"));
	assert_int_equal(c->policy.default_verdict, MXGW_DENY);
	assert_int_equal(c->policy.nservices, sizeof(want) / sizeof(want[0]));
	for (unsigned int i = 0; i < c->policy.nservices; i++) {
		const struct mxgw_policy_service *s = &c->policy.services[i];

		assert_string_equal(s->name, want[i].name);
		assert_int_equal(s->port, want[i].port);
		assert_int_equal(s->protos, want[i].protos);
		assert_int_equal(s->verdict[MXGW_DIR_OUT], want[i].out);
		assert_int_equal(s->verdict[MXGW_DIR_IN], want[i].in);
		/* The seed restricts nothing by source, port 25 least of all. */
		assert_int_equal(s->nfrom, 0);
		assert_true(c->lines.service[i] > 0);
		if (i)
			assert_true(c->lines.service[i] > c->lines.service[i - 1]);
	}
}

/* ---- the keywords ------------------------------------------------------ */

static void test_minimal_config_defaults_to_deny_without_services(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR);
	assert_int_equal(fx->conf.policy.public_addr, ip("215.75.128.33"));
	assert_int_equal(fx->conf.policy.mailserver_addr, ip("192.168.1.10"));
	assert_int_equal(fx->conf.policy.default_verdict, MXGW_DENY);
	assert_int_equal(fx->conf.policy.nservices, 0);
	assert_string_equal(fx->conf.path, "t.conf");
}

static void test_default_allow_and_deny(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "default allow\n");
	assert_int_equal(fx->conf.policy.default_verdict, MXGW_ALLOW);
	assert_parses(fx, HDR "default deny\n");
	assert_int_equal(fx->conf.policy.default_verdict, MXGW_DENY);
}

static void test_keywords_may_come_in_any_order(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx,
		      "service smtp 25 allow allow\n"
		      "default allow\n"
		      "mailserver 10.0.0.2\n"
		      "public 198.51.100.1\n");
	assert_int_equal(fx->conf.policy.public_addr, ip("198.51.100.1"));
	assert_int_equal(fx->conf.policy.mailserver_addr, ip("10.0.0.2"));
	assert_int_equal(fx->conf.policy.default_verdict, MXGW_ALLOW);
	assert_int_equal(fx->conf.policy.nservices, 1);
	assert_service(&fx->conf, 0, "smtp", 25, TCP,
		       MXGW_ALLOW, MXGW_ALLOW, 1);
}

static void test_services_keep_file_order_and_line_numbers(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR
		      "service zeta 3 deny allow\n"
		      "\n"
		      "service alpha 2 allow deny\n"
		      "service mid 1/udp deny deny\n");
	assert_int_equal(fx->conf.policy.nservices, 3);
	assert_service(&fx->conf, 0, "zeta", 3, TCP,
		       MXGW_DENY, MXGW_ALLOW, 3);
	assert_service(&fx->conf, 1, "alpha", 2, TCP,
		       MXGW_ALLOW, MXGW_DENY, 5);
	assert_service(&fx->conf, 2, "mid", 1, UDP,
		       MXGW_DENY, MXGW_DENY, 6);
}

static void test_verdict_columns_are_outgoing_then_incoming(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "service pop3 110 allow deny\n");
	assert_int_equal(fx->conf.policy.services[0].verdict[MXGW_DIR_OUT],
			 MXGW_ALLOW);
	assert_int_equal(fx->conf.policy.services[0].verdict[MXGW_DIR_IN],
			 MXGW_DENY);
}

static void test_unknown_keyword_is_an_error(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "frobnicate 1\n",
		     "t.conf:3: error: keyword: unknown \"frobnicate\" (expected " KEYWORDS ")\n");
	/* Keywords are lower case only. */
	assert_fails(fx, HDR "Default deny\n",
		     "t.conf:3: error: keyword: unknown \"Default\" (expected " KEYWORDS ")\n");
	assert_fails(fx, HDR "NAT-ports 40000-49999\n",
		     "t.conf:3: error: keyword: unknown \"NAT-ports\" (expected " KEYWORDS ")\n");
	assert_fails(fx, HDR "nat_ports 40000-49999\n",
		     "t.conf:3: error: keyword: unknown \"nat_ports\" (expected " KEYWORDS ")\n");
}

/* ---- public / mailserver ----------------------------------------------- */

static void test_public_rejects_anything_but_a_unicast_dotted_quad(void **state)
{
	static const struct {
		const char *addr;
		const char *msg;
	} bad[] = {
		{ "1.2.3", "\"1.2.3\" is not a dotted-quad IPv4 address" },
		{ "1.2.3.256", "\"1.2.3.256\" is not a dotted-quad IPv4 address" },
		{ "1.2.3.4.5", "\"1.2.3.4.5\" is not a dotted-quad IPv4 address" },
		{ "01.2.3.4", "\"01.2.3.4\" is not a dotted-quad IPv4 address" },
		{ "0x1.2.3.4", "\"0x1.2.3.4\" is not a dotted-quad IPv4 address" },
		{ "1.2.3.4/32", "\"1.2.3.4/32\" is not a dotted-quad IPv4 address" },
		{ "mx.example.com", "\"mx.example.com\" is not a dotted-quad IPv4 address" },
		{ "::1", "\"::1\" is not a dotted-quad IPv4 address" },
		{ "0.0.0.0", "0.0.0.0 is not a unicast host address (this network, 0.0.0.0/8)" },
		{ "0.1.2.3", "0.1.2.3 is not a unicast host address (this network, 0.0.0.0/8)" },
		{ "127.0.0.1", "127.0.0.1 is not a unicast host address (loopback, 127.0.0.0/8)" },
		{ "224.0.0.1", "224.0.0.1 is not a unicast host address (multicast, 224.0.0.0/4)" },
		{ "239.255.255.255", "239.255.255.255 is not a unicast host address (multicast, 224.0.0.0/4)" },
		{ "240.0.0.1", "240.0.0.1 is not a unicast host address (reserved, 240.0.0.0/4)" },
		{ "255.255.255.255", "255.255.255.255 is not a unicast host address (limited broadcast)" },
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf("mailserver 192.168.1.10\npublic %s\n",
				       bad[i].addr);
		/* said once: a bad value is no missing keyword */
		char *want = xasprintf("t.conf:2: error: public: %s\n",
				       bad[i].msg);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
}

static void test_mailserver_rejects_a_bad_address(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, "public 215.75.128.33\nmailserver 192.168.1\n",
		     "t.conf:2: error: mailserver: \"192.168.1\" is not a dotted-quad IPv4 address\n");
	assert_fails(fx, "public 215.75.128.33\nmailserver 224.1.1.1\n",
		     "t.conf:2: error: mailserver: 224.1.1.1 is not a unicast host address (multicast, 224.0.0.0/4)\n");
}

static void test_address_keywords_need_exactly_one_field(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, "public\nmailserver 192.168.1.10\n",
		     "t.conf:1: error: public: missing address\n");
	assert_fails(fx, "public 215.75.128.33 1.2.3.4\nmailserver 192.168.1.10\n",
		     "t.conf:1: error: public: extra field \"1.2.3.4\"\n");
	assert_fails(fx, "public 215.75.128.33\nmailserver 192.168.1.10 x\n",
		     "t.conf:2: error: mailserver: extra field \"x\"\n");
}

static void test_public_and_mailserver_are_required(void **state)
{
	struct fixture *fx = *state;

	/* Reported at the last line: they are missing from the whole file. */
	assert_fails(fx, "# nothing\n\ndefault deny\n",
		     "t.conf:3: error: public: missing (required)\n"
		     "t.conf:3: error: mailserver: missing (required)\n");
	assert_fails(fx, "public 215.75.128.33\n",
		     "t.conf:1: error: mailserver: missing (required)\n");
	assert_fails(fx, "mailserver 192.168.1.10\n# end",
		     "t.conf:2: error: public: missing (required)\n");
}

static void test_empty_config_reports_missing_at_line_0(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, "",
		     "t.conf:0: error: public: missing (required)\n"
		     "t.conf:0: error: mailserver: missing (required)\n");
}

static void test_keywords_may_appear_only_once(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "public 215.75.128.34\n",
		     "t.conf:3: error: public: already set on line 1\n");
	assert_fails(fx, HDR "mailserver 192.168.1.10\n",
		     "t.conf:3: error: mailserver: already set on line 2\n");
	assert_fails(fx, HDR "default deny\n# x\ndefault deny\n",
		     "t.conf:5: error: default: already set on line 3\n");
}

static void test_public_and_mailserver_must_differ(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, "public 192.168.1.10\nmailserver 192.168.1.10\n",
		     "t.conf:2: error: mailserver: same address as public (line 1)\n");
	assert_fails(fx, "mailserver 192.168.1.10\n\npublic 192.168.1.10\n",
		     "t.conf:3: error: public: same address as mailserver (line 1)\n");
}

static void test_default_rejects_other_words(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "default reject\n",
		     "t.conf:3: error: default: expected allow or deny, got \"reject\"\n");
	assert_fails(fx, HDR "default Allow\n",
		     "t.conf:3: error: default: expected allow or deny, got \"Allow\"\n");
	assert_fails(fx, HDR "default\n",
		     "t.conf:3: error: default: missing verdict\n");
	assert_fails(fx, HDR "default deny allow\n",
		     "t.conf:3: error: default: extra field \"allow\"\n");
}

/* ---- service: name ----------------------------------------------------- */

static void test_name_of_15_chars_is_accepted(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "service abcdefghijklmno 25 allow allow\n");
	assert_string_equal(fx->conf.policy.services[0].name, "abcdefghijklmno");
	assert_non_null(mxgw_policy_find_service(&fx->conf.policy, "abcdefghijklmno"));
}

static void test_name_of_16_chars_is_an_error(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service abcdefghijklmnop 25 allow allow\n",
		     "t.conf:3: error: service: name: \"abcdefghijklmnop\" must be 1..15 characters of [a-z0-9_-] starting with a letter\n");
}

static void test_name_charset(void **state)
{
	static const char *const bad[] = {
		"Smtp", "1smtp", "_smtp", "-smtp", "smtp.s", "sm\xc3\xa9tp",
		"smtp/tcp",
	};
	struct fixture *fx = *state;

	assert_parses(fx, HDR "service a-b_c9 25 allow allow\n");
	assert_parses(fx, HDR "service x 25 allow allow\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "service %s 25 allow allow\n",
				       bad[i]);
		char *want = xasprintf("t.conf:3: error: service: name: \"%s\" must be 1..15 characters of [a-z0-9_-] starting with a letter\n",
				       bad[i]);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
}

static void test_duplicate_name_names_earlier_line(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR
		     "service smtp 25 allow allow\n"
		     "service smtp 587 allow allow\n",
		     "t.conf:4: error: service smtp: name: already defined on line 3\n");
	/* Only the whole name counts. */
	assert_parses(fx, HDR
		      "service smtp 25 allow allow\n"
		      "service smtp2 587 allow allow\n"
		      "service smt 588 allow allow\n");
}

/* ---- service: port and proto ------------------------------------------- */

static void test_proto_defaults_to_tcp(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "service smtp 25 allow allow\n");
	assert_service(&fx->conf, 0, "smtp", 25, TCP,
		       MXGW_ALLOW, MXGW_ALLOW, 3);
}

static void test_proto_forms(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR
		      "service a 1/tcp allow allow\n"
		      "service b 2/udp allow allow\n"
		      "service c 3/tcp,udp allow allow\n"
		      "service d 4/udp,tcp allow allow\n");
	assert_int_equal(fx->conf.policy.services[0].protos, TCP);
	assert_int_equal(fx->conf.policy.services[1].protos, UDP);
	assert_int_equal(fx->conf.policy.services[2].protos, TCP | UDP);
	assert_int_equal(fx->conf.policy.services[3].protos, TCP | UDP);
}

static void test_proto_errors(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service a 53/tcp,tcp allow allow\n",
		     "t.conf:3: error: service a: proto: \"tcp,tcp\" lists tcp twice\n");
	assert_fails(fx, HDR "service a 53/udp,tcp,udp allow allow\n",
		     "t.conf:3: error: service a: proto: \"udp,tcp,udp\" lists udp twice\n");
	assert_fails(fx, HDR "service a 53/sctp allow allow\n",
		     "t.conf:3: error: service a: proto: \"sctp\" must be tcp, udp or tcp,udp\n");
	assert_fails(fx, HDR "service a 53/TCP allow allow\n",
		     "t.conf:3: error: service a: proto: \"TCP\" must be tcp, udp or tcp,udp\n");
	assert_fails(fx, HDR "service a 53/ allow allow\n",
		     "t.conf:3: error: service a: proto: \"\" must be tcp, udp or tcp,udp\n");
	assert_fails(fx, HDR "service a 53/tcp, allow allow\n",
		     "t.conf:3: error: service a: proto: \"tcp,\" must be tcp, udp or tcp,udp\n");
	assert_fails(fx, HDR "service a 53/tcp/udp allow allow\n",
		     "t.conf:3: error: service a: proto: \"tcp/udp\" must be tcp, udp or tcp,udp\n");
}

static void test_port_bounds(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "service lo 1 allow allow\nservice hi 65535/udp allow allow\n");
	assert_int_equal(fx->conf.policy.services[0].port, 1);
	assert_int_equal(fx->conf.policy.services[1].port, 65535);
	assert_fails(fx, HDR "service a 0 allow allow\n",
		     "t.conf:3: error: service a: port: \"0\" is not a port number (1..65535)\n");
	assert_fails(fx, HDR "service a 65536/udp allow allow\n",
		     "t.conf:3: error: service a: port: \"65536\" is not a port number (1..65535)\n");
	assert_fails(fx, HDR "service a 99999999999999999999999 allow allow\n",
		     "t.conf:3: error: service a: port: \"99999999999999999999999\" is not a port number (1..65535)\n");
}

static void test_port_must_be_plain_decimal(void **state)
{
	static const char *const bad[] = {
		"+25", "-25", "25x", "x25", "0x19", "025", "2.5", "/tcp",
		"\xef\xbc\x92\xef\xbc\x95",	/* fullwidth digits */
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "service a %s allow allow\n", bad[i]);
		char port[16];
		char *want;

		/* The message quotes the port, without any /proto. */
		snprintf(port, sizeof(port), "%.*s",
			 (int)strcspn(bad[i], "/"), bad[i]);
		want = xasprintf("t.conf:3: error: service a: port: \"%s\" is not a port number (1..65535)\n",
				 port);
		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
}

static void test_duplicate_port_proto_names_earlier_line(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR
		     "service dns 53/tcp,udp allow deny\n"
		     "service dnsu 53/udp allow deny\n",
		     "t.conf:4: error: service dnsu: port: 53/udp already used by service dns (line 3)\n");
	assert_fails(fx, HDR
		     "service smtp 25 allow allow\n"
		     "# a comment\n"
		     "service mail 25/tcp allow allow\n",
		     "t.conf:5: error: service mail: port: 25/tcp already used by service smtp (line 3)\n");
	/* Overlapping two services at once names both. */
	assert_fails(fx, HDR
		     "service t 53/tcp allow deny\n"
		     "service u 53/udp allow deny\n"
		     "service both 53/tcp,udp allow deny\n",
		     "t.conf:5: error: service both: port: 53/tcp already used by service t (line 3)\n"
		     "t.conf:5: error: service both: port: 53/udp already used by service u (line 4)\n");
}

static void test_same_port_different_proto_is_fine(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR
		      "service dnst 53/tcp allow deny\n"
		      "service dnsu 53/udp allow deny\n");
	assert_int_equal(fx->conf.policy.nservices, 2);
}

/* ---- service: verdicts and field count --------------------------------- */

static void test_bad_verdict_names_the_column(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service a 25 accept allow\n",
		     "t.conf:3: error: service a: outgoing: expected allow or deny, got \"accept\"\n");
	assert_fails(fx, HDR "service a 25 allow drop\n",
		     "t.conf:3: error: service a: incoming: expected allow or deny, got \"drop\"\n");
}

static void test_missing_service_fields_name_the_first_missing(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service\n",
		     "t.conf:3: error: service: name: missing\n");
	assert_fails(fx, HDR "service a\n",
		     "t.conf:3: error: service a: port: missing\n");
	assert_fails(fx, HDR "service a 25\n",
		     "t.conf:3: error: service a: outgoing: missing\n");
	assert_fails(fx, HDR "service a 25 allow # incoming forgotten\n",
		     "t.conf:3: error: service a: incoming: missing\n");
	assert_fails(fx, HDR "service A 25\n",
		     "t.conf:3: error: service: name: \"A\" must be 1..15 characters of [a-z0-9_-] starting with a letter\n"
		     "t.conf:3: error: service: outgoing: missing\n");
}

static void test_extra_field_after_incoming_is_an_error(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service a 25 allow allow 10.0.0.0/8\n",
		     "t.conf:3: error: service a: extra field \"10.0.0.0/8\" (expected from, to gateway or end of line)\n");
	assert_fails(fx, HDR "service a 25 allow allow From 10.0.0.0/8\n",
		     "t.conf:3: error: service a: extra field \"From\" (expected from, to gateway or end of line)\n");
}

/* ---- service: from ----------------------------------------------------- */

static void test_from_cidr_forms(void **state)
{
	struct fixture *fx = *state;
	const struct mxgw_policy_service *s;

	assert_parses(fx, HDR "service ldaps 636 allow allow from "
		      "198.51.100.0/24,203.0.113.7,0.0.0.0/0,10.0.0.1/32,172.16.0.0/12\n");
	s = &fx->conf.policy.services[0];
	assert_int_equal(s->nfrom, 5);
	assert_int_equal(s->from[0].addr, ip("198.51.100.0"));
	assert_int_equal(s->from[0].len, 24);
	/* A bare address is a /32. */
	assert_int_equal(s->from[1].addr, ip("203.0.113.7"));
	assert_int_equal(s->from[1].len, 32);
	assert_int_equal(s->from[2].addr, 0);
	assert_int_equal(s->from[2].len, 0);
	assert_int_equal(s->from[3].addr, ip("10.0.0.1"));
	assert_int_equal(s->from[3].len, 32);
	assert_int_equal(s->from[4].addr, ip("172.16.0.0"));
	assert_int_equal(s->from[4].len, 12);
}

static void test_from_host_bits_set_is_an_error(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service a 636 allow allow from 198.51.100.1/24\n",
		     "t.conf:3: error: service a: from: \"198.51.100.1/24\": host bits set (network is 198.51.100.0/24)\n");
	assert_fails(fx, HDR "service a 636 allow allow from 10.0.0.0/0\n",
		     "t.conf:3: error: service a: from: \"10.0.0.0/0\": host bits set (network is 0.0.0.0/0)\n");
	assert_fails(fx, HDR "service a 636 allow allow from 10.0.0.1/31\n",
		     "t.conf:3: error: service a: from: \"10.0.0.1/31\": host bits set (network is 10.0.0.0/31)\n");
}

static void test_from_bad_entries_are_each_reported(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service a 636 allow allow from "
		     "1.2.3,10.0.0.0/33,10.0.0.0/,10.0.0.0/08,/8,,1.2.3.4/x,"
		     "1.2.3.4,1.2.3.4/32,0123456789012345678/8\n",
		     "t.conf:3: error: service a: from: \"1.2.3\" is not an IPv4 address or CIDR\n"
		     "t.conf:3: error: service a: from: \"10.0.0.0/33\": prefix length must be 0..32\n"
		     "t.conf:3: error: service a: from: \"10.0.0.0/\": prefix length must be 0..32\n"
		     "t.conf:3: error: service a: from: \"10.0.0.0/08\": prefix length must be 0..32\n"
		     "t.conf:3: error: service a: from: \"/8\" is not an IPv4 address or CIDR\n"
		     "t.conf:3: error: service a: from: empty entry\n"
		     "t.conf:3: error: service a: from: \"1.2.3.4/x\": prefix length must be 0..32\n"
		     "t.conf:3: error: service a: from: \"1.2.3.4/32\" listed twice\n"
		     "t.conf:3: error: service a: from: \"0123456789012345678/8\" is not an IPv4 address or CIDR\n");
	assert_fails(fx, HDR "service a 636 allow allow from 10.0.0.0/8,\n",
		     "t.conf:3: error: service a: from: empty entry\n");
}

static void test_from_needs_exactly_one_list(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service a 636 allow allow from\n",
		     "t.conf:3: error: service a: from: missing address list\n");
	assert_fails(fx, HDR "service a 636 allow allow from 10.0.0.0/8, 10.1.0.0/16\n",
		     "t.conf:3: error: service a: from: empty entry\n"
		     "t.conf:3: error: service a: from: extra field \"10.1.0.0/16\" (expected one comma-separated list without blanks)\n");
	assert_fails(fx, HDR "service a 636 allow allow from 10.0.0.0/8 from 10.1.0.0/16\n",
		     "t.conf:3: error: service a: from: extra field \"from\" (expected one comma-separated list without blanks)\n");
}

static char *from_list(unsigned int n)
{
	struct text t;

	text_open(&t);
	for (unsigned int i = 0; i < n; i++)
		fprintf(t.f, "%s10.0.%u.%u", i ? "," : "", i / 256, i % 256);
	return text_close(&t);
}

static void test_from_64_entries_ok_65th_is_an_error(void **state)
{
	struct fixture *fx = *state;
	char *list = from_list(MXGW_POLICY_MAX_FROM_PER_SVC);
	char *text = xasprintf(HDR "service a 636 allow allow from %s\n", list);

	assert_parses(fx, text);
	assert_int_equal(fx->conf.policy.services[0].nfrom, 64);
	assert_int_equal(fx->conf.policy.services[0].from[63].addr, ip("10.0.0.63"));
	free(list);
	free(text);

	list = from_list(MXGW_POLICY_MAX_FROM_PER_SVC + 1);
	text = xasprintf(HDR "service a 636 allow allow from %s\n", list);
	assert_fails(fx, text,
		     "t.conf:3: error: service a: from: more than 64 entries\n");
	free(list);
	free(text);
}

static void test_from_on_incoming_deny_warns(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(parse(fx, HDR "service imap 143 allow deny from 10.0.0.0/8\n"),
			    "t.conf:3: warning: service imap: from: has no effect: incoming is deny\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.policy.services[0].nfrom, 1);
}

static void test_from_on_port_25_warns_but_parses(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(parse(fx, HDR "service smtp 25 allow allow from 198.51.100.0/24\n"),
			    "t.conf:3: warning: service smtp: from: any SMTP server on the Internet must be able to reach port 25 (MX delivery), so restricting it breaks mail delivery\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.policy.nservices, 1);
	assert_int_equal(fx->conf.policy.services[0].nfrom, 1);
	assert_int_equal(fx->conf.policy.services[0].from[0].addr, ip("198.51.100.0"));
	assert_int_equal(fx->conf.policy.services[0].from[0].len, 24);

	/* Also when tcp is one of two protocols. */
	assert_string_equal(parse(fx, HDR "service smtp 25/udp,tcp allow allow from 198.51.100.0/24\n"),
			    "t.conf:3: warning: service smtp: from: any SMTP server on the Internet must be able to reach port 25 (MX delivery), so restricting it breaks mail delivery\n");
	assert_int_equal(fx->rc, 0);
}

static void test_from_on_port_25_udp_is_not_smtp(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "service odd 25/udp allow allow from 198.51.100.0/24\n");
	assert_parses(fx, HDR "service sub 587 allow allow from 198.51.100.0/24\n");
}

/* ---- limits ------------------------------------------------------------ */

static char *services(unsigned int n)
{
	struct text t;

	text_open(&t);
	fputs(HDR, t.f);
	for (unsigned int i = 1; i <= n; i++)
		fprintf(t.f, "service s%u %u allow allow\n", i, 1000 + i);
	return text_close(&t);
}

static void test_255_services_ok_256th_is_an_error(void **state)
{
	struct fixture *fx = *state;
	char *text = services(MAX_SVC);

	assert_parses(fx, text);
	assert_int_equal(fx->conf.policy.nservices, 255);
	assert_service(&fx->conf, 254, "s255", 1255, TCP,
		       MXGW_ALLOW, MXGW_ALLOW, 257);
	free(text);

	text = services(MAX_SVC + 2);
	assert_fails(fx, text,
		     "t.conf:258: error: service s256: more than 255 services (service ids 1..255)\n"
		     "t.conf:259: error: service s257: more than 255 services (service ids 1..255)\n");
	free(text);
}

static void test_line_of_max_length_is_accepted(void **state)
{
	struct fixture *fx = *state;
	char line[MXGW_CONF_MAX_LINE + 1];
	char *text;

	/* A service line padded with blanks to exactly the limit. */
	memset(line, ' ', sizeof(line));
	memcpy(line, "service a 25 allow allow", 24);
	line[MXGW_CONF_MAX_LINE] = '\0';
	text = xasprintf(HDR "%s\n", line);
	assert_parses(fx, text);
	assert_int_equal(fx->conf.policy.nservices, 1);
	free(text);

	/* Without a final newline, and with CRLF, the limit is the same. */
	text = xasprintf(HDR "%s", line);
	assert_parses(fx, text);
	free(text);
	text = xasprintf(HDR "%s\r\n", line);
	assert_parses(fx, text);
	free(text);
}

static void test_overlong_line_is_an_error_and_parsing_goes_on(void **state)
{
	struct fixture *fx = *state;
	char line[MXGW_CONF_MAX_LINE + 2];
	char *text;

	memset(line, 'x', sizeof(line));
	line[0] = '#';		/* even a comment may not be that long */
	line[MXGW_CONF_MAX_LINE + 1] = '\0';
	text = xasprintf(HDR "%s\nservice a 25 allow bogus\n%s%s\n",
			 line, line, line);
	assert_fails(fx, text,
		     "t.conf:3: error: line: longer than 1024 characters\n"
		     "t.conf:4: error: service a: incoming: expected allow or deny, got \"bogus\"\n"
		     "t.conf:5: error: line: longer than 1024 characters\n");
	free(text);
}

/* ---- lexical ----------------------------------------------------------- */

static void test_comments_full_line_and_trailing(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx,
		      "# full line\n"
		      "   # indented full line\n"
		      "public 215.75.128.33 # trailing\n"
		      "mailserver 192.168.1.10# right after the token\n"
		      "default allow#\n"
		      "service smtp 25/tcp allow allow#deny\n"
		      "service ldaps 636 allow allow from 10.0.0.0/8#,10.1.0.0/16\n"
		      "#service imap 143 allow deny\n");
	assert_int_equal(fx->conf.policy.mailserver_addr, ip("192.168.1.10"));
	assert_int_equal(fx->conf.policy.default_verdict, MXGW_ALLOW);
	assert_int_equal(fx->conf.policy.nservices, 2);
	assert_service(&fx->conf, 0, "smtp", 25, TCP,
		       MXGW_ALLOW, MXGW_ALLOW, 6);
	assert_int_equal(fx->conf.policy.services[1].nfrom, 1);
	assert_null(mxgw_policy_find_service(&fx->conf.policy, "imap"));
}

static void test_blank_lines_are_ignored_but_counted(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, "\n\n \t \npublic 215.75.128.33\n\n"
		      "mailserver 192.168.1.10\n\t\nservice a 25 allow allow\n\n");
	assert_int_equal(fx->conf.lines.service[0], 8);
	assert_fails(fx, "\n\n\npublic x\n",
		     "t.conf:4: error: public: \"x\" is not a dotted-quad IPv4 address\n"
		     "t.conf:4: error: mailserver: missing (required)\n");
}

static void test_tabs_and_runs_of_blanks_separate_fields(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx,
		      "\tpublic\t\t215.75.128.33\t\n"
		      "mailserver \t 192.168.1.10  \n"
		      "service\tdns\t53/tcp,udp\tallow\tdeny\n"
		      "  service   ldaps  636  allow  allow  from\t10.0.0.0/8  \n");
	assert_int_equal(fx->conf.policy.nservices, 2);
	assert_service(&fx->conf, 0, "dns", 53, TCP | UDP,
		       MXGW_ALLOW, MXGW_DENY, 3);
	assert_int_equal(fx->conf.policy.services[1].nfrom, 1);
}

static void test_crlf_line_ends_are_accepted(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, "public 215.75.128.33\r\nmailserver 192.168.1.10\r\n"
		      "default allow\r\nservice a 25 allow deny\r\n");
	assert_int_equal(fx->conf.policy.default_verdict, MXGW_ALLOW);
	assert_int_equal(fx->conf.policy.services[0].verdict[MXGW_DIR_IN], MXGW_DENY);
}

static void test_last_line_needs_no_newline(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "service a 25 allow deny");
	assert_int_equal(fx->conf.policy.nservices, 1);
	assert_int_equal(fx->conf.lines.service[0], 3);
}

/* ---- error handling ---------------------------------------------------- */

static void test_multiple_errors_are_all_reported(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx,
		     "public 1.2.3\n"
		     "mailserver 192.168.1.10\n"
		     "default maybe\n"
		     "service smtp 25 allow allow\n"
		     "service Bad 0/icmp yes no from 1.2.3.4/33 extra\n"
		     "service smtp 25 allow allow\n"
		     "bogus\n",
		     "t.conf:1: error: public: \"1.2.3\" is not a dotted-quad IPv4 address\n"
		     "t.conf:3: error: default: expected allow or deny, got \"maybe\"\n"
		     "t.conf:5: error: service: name: \"Bad\" must be 1..15 characters of [a-z0-9_-] starting with a letter\n"
		     "t.conf:5: error: service: port: \"0\" is not a port number (1..65535)\n"
		     "t.conf:5: error: service: proto: \"icmp\" must be tcp, udp or tcp,udp\n"
		     "t.conf:5: error: service: outgoing: expected allow or deny, got \"yes\"\n"
		     "t.conf:5: error: service: incoming: expected allow or deny, got \"no\"\n"
		     "t.conf:5: error: service: from: \"1.2.3.4/33\": prefix length must be 0..32\n"
		     "t.conf:5: error: service: from: extra field \"extra\" (expected one comma-separated list without blanks)\n"
		     "t.conf:6: error: service smtp: name: already defined on line 4\n"
		     "t.conf:6: error: service smtp: port: 25/tcp already used by service smtp (line 4)\n"
		     "t.conf:7: error: keyword: unknown \"bogus\" (expected " KEYWORDS ")\n");
}

static void test_conf_is_zeroed_on_error(void **state)
{
	struct fixture *fx = *state;

	/* Everything valid but the very last line. */
	parse(fx, HDR "default allow\nservice smtp 25 allow allow\nservice x 1 a b\n");
	assert_int_equal(fx->rc, -EINVAL);
	assert_conf_zeroed(fx);
	/* Even the path: a failed parse leaves nothing behind. */
	assert_string_equal(fx->conf.path, "");
}

static void test_warnings_alone_do_not_fail(void **state)
{
	struct fixture *fx = *state;

	parse(fx, HDR "service imap 143 allow deny from 10.0.0.0/8\n"
	      "service smtp 25 allow allow from 10.0.0.0/8\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.policy.nservices, 2);
}

static void test_cannot_open_file_gives_enoent(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(parse_file(fx, "/nonexistent/mxgw.conf"),
			    "/nonexistent/mxgw.conf: error: cannot open: No such file or directory\n");
	assert_int_equal(fx->rc, -ENOENT);
	assert_conf_zeroed(fx);
}

static void test_unreadable_file_gives_its_errno(void **state)
{
	struct fixture *fx = *state;

	/* fopen() of a directory works; the first read fails. */
	assert_string_equal(parse_file(fx, "/"),
			    "/: error: cannot read: Is a directory\n");
	assert_int_equal(fx->rc, -EISDIR);
	assert_conf_zeroed(fx);
}

/* Write @len bytes of @data to a fresh temporary file; returns its path. */
static char *temp_file(const void *data, size_t len)
{
	char *path = strdup("/tmp/test_config.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

static void test_file_and_string_parse_alike(void **state)
{
	static const char text[] = HDR "# c\nservice a 25 allow allow x\n";
	struct fixture *fx = *state;
	char *path = temp_file(text, sizeof(text) - 1);
	char *want = xasprintf("%s:4: error: service a: extra field \"x\" (expected from, to gateway or end of line)\n",
			       path);

	assert_string_equal(parse_file(fx, path), want);
	assert_int_equal(fx->rc, -EINVAL);
	assert_conf_zeroed(fx);
	unlink(path);
	free(want);
	free(path);
}

static void test_nul_byte_in_file_is_an_error(void **state)
{
	static const char text[] = HDR "service a 25 allow\0 allow\n";
	struct fixture *fx = *state;
	char *path = temp_file(text, sizeof(text) - 1);
	char *want = xasprintf("%s:3: error: line: contains a NUL byte\n", path);

	assert_string_equal(parse_file(fx, path), want);
	assert_int_equal(fx->rc, -EINVAL);
	unlink(path);
	free(want);
	free(path);
}

static void test_path_is_recorded_and_truncated(void **state)
{
	struct fixture *fx = *state;
	char name[400];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(mxgw_conf_parse_string(name, HDR, &fx->conf, NULL), 0);
	assert_int_equal(strlen(fx->conf.path), sizeof(fx->conf.path) - 1);
	assert_memory_equal(fx->conf.path, name, sizeof(fx->conf.path) - 1);
}

static void test_null_err_stream_is_silent(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(mxgw_conf_parse_string("t", "bogus\n", &fx->conf, NULL),
			 -EINVAL);
	assert_conf_zeroed(fx);
	assert_int_equal(mxgw_conf_parse_file("/nonexistent", &fx->conf, NULL),
			 -ENOENT);
}

/* ---- masquerading and connection tracking ------------------------------ */

static void assert_nat_defaults(const struct mxgw_policy *c)
{
	assert_int_equal(c->icmp_echo, MXGW_ALLOW);
	assert_int_equal(c->nat_port_min, 32768);
	assert_int_equal(c->nat_port_max, 60999);
	assert_int_equal(c->conntrack_max, 65536);
	for (int i = 0; i < MXGW_CT_STATE_MAX; i++)
		assert_int_equal(c->timeout_s[i], mxgw_ct_default_timeouts_s[i]);
}

static void test_ct_state_names_and_default_timeouts_follow_the_enum(void **state)
{
	static const struct {
		int state;
		const char *name;
		unsigned int secs;
	} want[] = {
		{ MXGW_CT_TCP_SYN_SENT,    "tcp-syn-sent",    120 },
		{ MXGW_CT_TCP_SYN_RECV,    "tcp-syn-recv",    60 },
		{ MXGW_CT_TCP_ESTABLISHED, "tcp-established", 432000 },
		{ MXGW_CT_TCP_FIN_WAIT,    "tcp-fin-wait",    120 },
		{ MXGW_CT_TCP_CLOSE_WAIT,  "tcp-close-wait",  60 },
		{ MXGW_CT_TCP_LAST_ACK,    "tcp-last-ack",    30 },
		{ MXGW_CT_TCP_TIME_WAIT,   "tcp-time-wait",   120 },
		{ MXGW_CT_TCP_CLOSE,       "tcp-close",       10 },
		{ MXGW_CT_UDP,             "udp",             30 },
		{ MXGW_CT_UDP_STREAM,      "udp-stream",      120 },
		{ MXGW_CT_ICMP,            "icmp",            30 },
	};

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), MXGW_CT_STATE_MAX);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_non_null(mxgw_ct_state_names[want[i].state]);
		assert_string_equal(mxgw_ct_state_names[want[i].state],
				    want[i].name);
		assert_int_equal(mxgw_ct_default_timeouts_s[want[i].state],
				 want[i].secs);
	}
}

static void test_nat_settings_default_when_absent(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR);
	assert_nat_defaults(&fx->conf.policy);
	assert_parses(fx, HDR "default allow\nservice smtp 25 allow allow\n");
	assert_nat_defaults(&fx->conf.policy);
}

static void test_nat_ports_parsed(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "nat-ports 40000-49999\n");
	assert_int_equal(fx->conf.policy.nat_port_min, 40000);
	assert_int_equal(fx->conf.policy.nat_port_max, 49999);
	/* The others keep their defaults. */
	assert_int_equal(fx->conf.policy.conntrack_max, 65536);
	assert_int_equal(fx->conf.policy.icmp_echo, MXGW_ALLOW);
	assert_int_equal(fx->conf.policy.timeout_s[MXGW_CT_TCP_ESTABLISHED], 432000);

	/* The widest range, and the narrowest one without a warning. */
	assert_parses(fx, HDR "nat-ports 1024-65535\n");
	assert_int_equal(fx->conf.policy.nat_port_min, 1024);
	assert_int_equal(fx->conf.policy.nat_port_max, 65535);
	assert_parses(fx, HDR "nat-ports 64512-65535\n");
	assert_int_equal(fx->conf.policy.nat_port_min, 64512);
	assert_int_equal(fx->conf.policy.nat_port_max, 65535);
}

static void test_nat_ports_outside_1024_65535_is_an_error(void **state)
{
	static const char *const bad[] = {
		"1023-2047", "0-65535", "1-1", "1024-65536", "65536-65537",
		"1024-99999999999999999999999", "99999999999999999999999-1024",
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "nat-ports %s\n", bad[i]);
		char *want = xasprintf("t.conf:3: error: nat-ports: \"%s\": ports must be 1024..65535\n",
				       bad[i]);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
}

static void test_nat_ports_reversed_is_an_error(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "nat-ports 60999-32768\n",
		     "t.conf:3: error: nat-ports: \"60999-32768\": LO is greater than HI\n");
	assert_fails(fx, HDR "nat-ports 2048-2047\n",
		     "t.conf:3: error: nat-ports: \"2048-2047\": LO is greater than HI\n");
}

static void test_nat_ports_is_one_field_without_blanks(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "nat-ports 1024 - 2047\n",
		     "t.conf:3: error: nat-ports: extra field \"-\" (expected one LO-HI range without blanks)\n");
	assert_fails(fx, HDR "nat-ports 1024- 2047\n",
		     "t.conf:3: error: nat-ports: extra field \"2047\" (expected one LO-HI range without blanks)\n");
	assert_fails(fx, HDR "nat-ports 1024 -2047\n",
		     "t.conf:3: error: nat-ports: extra field \"-2047\" (expected one LO-HI range without blanks)\n");
	assert_fails(fx, HDR "nat-ports\t1024\t2047\n",
		     "t.conf:3: error: nat-ports: extra field \"2047\" (expected one LO-HI range without blanks)\n");
	assert_fails(fx, HDR "nat-ports # none\n",
		     "t.conf:3: error: nat-ports: missing port range\n");
}

static void test_nat_ports_must_be_plain_decimal(void **state)
{
	static const char *const bad[] = {
		"40000", "40000-", "-49999", "-40000-49999", "40000--49999",
		"40000-49999-50000", "+40000-49999", "40000-+49999",
		"040000-49999", "40000-049999", "0x9c40-49999", "a-b",
		"40000..49999", "40000:49999", "40000-49999/tcp", "4e4-5e4",
		"\xef\xbc\x94\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90-49999",
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "nat-ports %s\n", bad[i]);
		char *want = xasprintf("t.conf:3: error: nat-ports: \"%s\" is not a port range LO-HI\n",
				       bad[i]);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
}

static void test_nat_ports_fewer_than_1024_usable_warns_but_parses(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(parse(fx, HDR "nat-ports 40000-40999\n"),
			    "t.conf:3: warning: nat-ports: only 1000 usable ports: 40000-40999 less 0 service ports (at least 1024 recommended)\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.policy.nat_port_min, 40000);
	assert_int_equal(fx->conf.policy.nat_port_max, 40999);

	/* A single port is a legal range. */
	assert_string_equal(parse(fx, HDR "nat-ports 40000-40000\n"),
			    "t.conf:3: warning: nat-ports: only 1 usable port: 40000-40000 less 0 service ports (at least 1024 recommended)\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.policy.nat_port_min, 40000);
	assert_int_equal(fx->conf.policy.nat_port_max, 40000);
}

static void test_nat_ports_usable_count_leaves_out_service_ports(void **state)
{
	struct fixture *fx = *state;

	/* 1024 ports, one of them a service's: reported on the nat-ports line. */
	assert_string_equal(parse(fx, HDR
				  "nat-ports 2000-3023\n"
				  "service a 2000/tcp,udp allow allow\n"),
			    "t.conf:3: warning: nat-ports: only 1023 usable ports: 2000-3023 less 1 service port (at least 1024 recommended)\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.policy.nservices, 1);

	/* Services outside the range take nothing. */
	assert_parses(fx, HDR
		      "service b 1999/tcp,udp allow allow\n"
		      "nat-ports 2000-3023\n"
		      "service c 3024/tcp,udp allow allow\n");

	/* Each protocol loses its own services' ports, counted once. */
	assert_string_equal(parse(fx, HDR
				  "service t 2500/tcp allow deny\n"
				  "service u 2500/udp allow deny\n"
				  "service v 3023/tcp,udp allow deny\n"
				  "service w 1999 allow deny\n"
				  "nat-ports 2000-3023\n"),
			    "t.conf:7: warning: nat-ports: only 1022 usable ports: 2000-3023 less 2 service ports (at least 1024 recommended)\n");
	assert_int_equal(fx->rc, 0);
}

static void test_nat_ports_warning_names_the_protocol_with_fewest(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(parse(fx, HDR
				  "nat-ports 2000-3023\n"
				  "service a 2000 allow allow\n"),
			    "t.conf:3: warning: nat-ports: only 1023 usable tcp ports: 2000-3023 less 1 tcp service port (at least 1024 recommended)\n");
	assert_int_equal(fx->rc, 0);
	assert_string_equal(parse(fx, HDR
				  "nat-ports 2000-3023\n"
				  "service t 2500/tcp allow deny\n"
				  "service u 2500/udp allow deny\n"
				  "service d 2501/udp allow deny\n"),
			    "t.conf:3: warning: nat-ports: only 1022 usable udp ports: 2000-3023 less 2 udp service ports (at least 1024 recommended)\n");
	assert_int_equal(fx->rc, 0);
	/* 1025 ports: tcp is short, udp is not. */
	assert_string_equal(parse(fx, HDR
				  "nat-ports 2000-3024\n"
				  "service a 2000 allow allow\n"
				  "service b 2001 allow allow\n"),
			    "t.conf:3: warning: nat-ports: only 1023 usable tcp ports: 2000-3024 less 2 tcp service ports (at least 1024 recommended)\n");
	assert_int_equal(fx->rc, 0);
}

static void test_nat_ports_of_service_ports_only_is_an_error(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR
		     "service a 2000/tcp,udp allow allow\n"
		     "nat-ports 2000-2000\n",
		     "t.conf:4: error: nat-ports: no usable ports: every port of 2000-2000 is a service port\n");
	assert_fails(fx, HDR
		     "nat-ports 2000-2001\n"
		     "service a 2000 allow allow\n"
		     "service b 2001/tcp allow deny\n",
		     "t.conf:3: error: nat-ports: no usable tcp ports: every port of 2000-2001 is a tcp service port\n");
	assert_fails(fx, HDR
		     "nat-ports 2000-2000\n"
		     "service b 2000/udp allow deny\n",
		     "t.conf:3: error: nat-ports: no usable udp ports: every port of 2000-2000 is a udp service port\n");
	/* Reported before the keywords that are missing from the whole file. */
	assert_fails(fx, "service a 2000 allow allow\nnat-ports 2000-2000\n",
		     "t.conf:2: error: nat-ports: no usable tcp ports: every port of 2000-2000 is a tcp service port\n"
		     "t.conf:2: error: public: missing (required)\n"
		     "t.conf:2: error: mailserver: missing (required)\n");
}

static void test_nat_ports_one_free_port_per_protocol_is_enough_to_parse(void **state)
{
	struct fixture *fx = *state;

	/* tcp may use 2001 and udp 2000: short, but not empty. */
	assert_string_equal(parse(fx, HDR
				  "nat-ports 2000-2001\n"
				  "service a 2000/tcp allow allow\n"
				  "service b 2001/udp allow deny\n"),
			    "t.conf:3: warning: nat-ports: only 1 usable port: 2000-2001 less 1 service port (at least 1024 recommended)\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.policy.nat_port_min, 2000);
	assert_int_equal(fx->conf.policy.nat_port_max, 2001);
}

static void test_conntrack_max_parsed_within_bounds(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "conntrack-max 1024\n");
	assert_int_equal(fx->conf.policy.conntrack_max, 1024);
	assert_int_equal(fx->conf.policy.nat_port_min, 32768);
	assert_parses(fx, HDR "conntrack-max 16777216\n");
	assert_int_equal(fx->conf.policy.conntrack_max, 16 * 1024 * 1024);
	assert_parses(fx, HDR "conntrack-max 262144\n");
	assert_int_equal(fx->conf.policy.conntrack_max, 262144);
}

static void test_conntrack_max_out_of_range_or_not_a_number_is_an_error(void **state)
{
	static const char *const bad[] = {
		"0", "1", "1023", "16777217", "99999999999999999999999",
		"+65536", "-1", "065536", "0x10000", "64k", "65536.0", "1e6",
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "conntrack-max %s\n", bad[i]);
		char *want = xasprintf("t.conf:3: error: conntrack-max: \"%s\" is not a number of entries (1024..16777216)\n",
				       bad[i]);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
	assert_fails(fx, HDR "conntrack-max\n",
		     "t.conf:3: error: conntrack-max: missing number of entries\n");
	assert_fails(fx, HDR "conntrack-max 65536 1\n",
		     "t.conf:3: error: conntrack-max: extra field \"1\"\n");
}

static void test_timeout_parsed_for_every_name(void **state)
{
	struct fixture *fx = *state;
	struct text t;
	char *text;

	text_open(&t);
	fputs(HDR, t.f);
	for (int i = 0; i < MXGW_CT_STATE_MAX; i++)
		fprintf(t.f, "timeout %s %d\n", mxgw_ct_state_names[i], 1000 + i);
	text = text_close(&t);
	assert_parses(fx, text);
	for (int i = 0; i < MXGW_CT_STATE_MAX; i++)
		assert_int_equal(fx->conf.policy.timeout_s[i], 1000 + i);
	free(text);

	/* One name changes one timeout; the bounds are 1 s and 30 days. */
	assert_parses(fx, HDR "timeout udp 1\ntimeout tcp-established 2592000\n");
	for (int i = 0; i < MXGW_CT_STATE_MAX; i++) {
		if (i == MXGW_CT_UDP)
			assert_int_equal(fx->conf.policy.timeout_s[i], 1);
		else if (i == MXGW_CT_TCP_ESTABLISHED)
			assert_int_equal(fx->conf.policy.timeout_s[i], 2592000);
		else
			assert_int_equal(fx->conf.policy.timeout_s[i],
					 mxgw_ct_default_timeouts_s[i]);
	}
}

static void test_timeout_unknown_name_lists_the_valid_ones(void **state)
{
	static const char *const bad[] = {
		"tcp", "established", "TCP-ESTABLISHED", "tcp_established",
		"tcp-established-", "udp-", "icmp6",
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "timeout %s 60\n", bad[i]);
		char *want = xasprintf("t.conf:3: error: timeout: name: unknown \"%s\" (expected " CT_NAMES ")\n",
				       bad[i]);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
	/* The seconds are checked anyway. */
	assert_fails(fx, HDR "timeout tcp 0\n",
		     "t.conf:3: error: timeout: name: unknown \"tcp\" (expected " CT_NAMES ")\n"
		     "t.conf:3: error: timeout: \"0\" is not a number of seconds (1..2592000)\n");
}

static void test_timeout_seconds_out_of_range_or_not_a_number_is_an_error(void **state)
{
	static const char *const bad[] = {
		"0", "2592001", "99999999999999999999999", "+60", "-1", "060",
		"60s", "1.5", "0x3c", "1e3",
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "timeout tcp-established %s\n", bad[i]);
		char *want = xasprintf("t.conf:3: error: timeout tcp-established: \"%s\" is not a number of seconds (1..2592000)\n",
				       bad[i]);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
}

static void test_timeout_needs_a_name_and_seconds(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "timeout\n",
		     "t.conf:3: error: timeout: missing name\n");
	assert_fails(fx, HDR "timeout udp\n",
		     "t.conf:3: error: timeout udp: missing seconds\n");
	assert_fails(fx, HDR "timeout udp 30 60\n",
		     "t.conf:3: error: timeout udp: extra field \"60\"\n");
	assert_fails(fx, HDR "timeout bogus\n",
		     "t.conf:3: error: timeout: name: unknown \"bogus\" (expected " CT_NAMES ")\n"
		     "t.conf:3: error: timeout: missing seconds\n");
}

static void test_timeout_twice_for_one_name_names_earlier_line(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR
		     "timeout udp 30\n"
		     "timeout udp-stream 60\n"
		     "# x\n"
		     "timeout udp 40\n",
		     "t.conf:6: error: timeout udp: already set on line 3\n");
	/* Even with the same value. */
	assert_fails(fx, HDR "timeout icmp 30\ntimeout icmp 30\n",
		     "t.conf:4: error: timeout icmp: already set on line 3\n");
	/* A bad value is reported as such, as for public. */
	assert_fails(fx, HDR "timeout icmp 30\ntimeout icmp 0\n",
		     "t.conf:4: error: timeout icmp: \"0\" is not a number of seconds (1..2592000)\n");

	/* Different names are different settings. */
	assert_parses(fx, HDR
		      "timeout udp 5\n"
		      "timeout udp-stream 60\n"
		      "timeout tcp-close 3\n"
		      "timeout tcp-close-wait 40\n");
	assert_int_equal(fx->conf.policy.timeout_s[MXGW_CT_UDP], 5);
	assert_int_equal(fx->conf.policy.timeout_s[MXGW_CT_UDP_STREAM], 60);
	assert_int_equal(fx->conf.policy.timeout_s[MXGW_CT_TCP_CLOSE], 3);
	assert_int_equal(fx->conf.policy.timeout_s[MXGW_CT_TCP_CLOSE_WAIT], 40);
}

static void test_icmp_echo_allow_and_deny(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "icmp-echo deny\n");
	assert_int_equal(fx->conf.policy.icmp_echo, MXGW_DENY);
	/* Independent of the default verdict. */
	assert_int_equal(fx->conf.policy.default_verdict, MXGW_DENY);
	assert_parses(fx, HDR "default allow\nicmp-echo deny\n");
	assert_int_equal(fx->conf.policy.icmp_echo, MXGW_DENY);
	assert_int_equal(fx->conf.policy.default_verdict, MXGW_ALLOW);
	assert_parses(fx, HDR "icmp-echo allow\n");
	assert_int_equal(fx->conf.policy.icmp_echo, MXGW_ALLOW);
}

static void test_icmp_echo_rejects_other_words(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "icmp-echo drop\n",
		     "t.conf:3: error: icmp-echo: expected allow or deny, got \"drop\"\n");
	assert_fails(fx, HDR "icmp-echo Allow\n",
		     "t.conf:3: error: icmp-echo: expected allow or deny, got \"Allow\"\n");
	assert_fails(fx, HDR "icmp-echo\n",
		     "t.conf:3: error: icmp-echo: missing verdict\n");
	assert_fails(fx, HDR "icmp-echo allow deny\n",
		     "t.conf:3: error: icmp-echo: extra field \"deny\"\n");
}

static void test_nat_keywords_may_appear_only_once(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "nat-ports 40000-49999\n# x\nnat-ports 50000-59999\n",
		     "t.conf:5: error: nat-ports: already set on line 3\n");
	assert_fails(fx, HDR "nat-ports 40000-49999\nnat-ports 40000-49999\n",
		     "t.conf:4: error: nat-ports: already set on line 3\n");
	assert_fails(fx, HDR "conntrack-max 1024\nconntrack-max 2048\n",
		     "t.conf:4: error: conntrack-max: already set on line 3\n");
	assert_fails(fx, HDR "icmp-echo deny\nicmp-echo deny\n",
		     "t.conf:4: error: icmp-echo: already set on line 3\n");
	/* Three times: each repeat names the first. */
	assert_fails(fx, HDR "icmp-echo deny\nicmp-echo allow\nicmp-echo deny\n",
		     "t.conf:4: error: icmp-echo: already set on line 3\n"
		     "t.conf:5: error: icmp-echo: already set on line 3\n");
}

static void test_nat_errors_are_all_reported(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR
		     "nat-ports 2000-1000\n"
		     "conntrack-max 1\n"
		     "timeout foo 1\n"
		     "timeout udp 0\n"
		     "icmp-echo maybe\n"
		     "conntrack-max 2048\n"
		     "timeout udp 5\n",
		     "t.conf:3: error: nat-ports: \"2000-1000\": LO is greater than HI\n"
		     "t.conf:4: error: conntrack-max: \"1\" is not a number of entries (1024..16777216)\n"
		     "t.conf:5: error: timeout: name: unknown \"foo\" (expected " CT_NAMES ")\n"
		     "t.conf:6: error: timeout udp: \"0\" is not a number of seconds (1..2592000)\n"
		     "t.conf:7: error: icmp-echo: expected allow or deny, got \"maybe\"\n");
}

static void test_shipped_config_has_every_nat_default(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(parse_file(fx, MXGW_SHIPPED_CONF), "");
	assert_int_equal(fx->rc, 0);
	assert_nat_defaults(&fx->conf.policy);
}

/*
 * The shipped file shows the defaults as "#keyword value": with the '#'
 * taken off, every one of them must parse and change nothing.
 */
static void test_shipped_config_comments_show_the_true_defaults(void **state)
{
	static const char *const keywords[] = {
		"nat-ports", "conntrack-max", "timeout", "icmp-echo",
		"mx-preference", "log-rate", "xdp-attach", "xdp-priority", "xdp-redirect",
	};
	struct fixture *fx = *state;
	unsigned int uncommented = 0;
	char *line = NULL, *text;
	size_t size = 0;
	struct text t;
	FILE *f;

	f = fopen(MXGW_SHIPPED_CONF, "r");
	assert_non_null(f);
	text_open(&t);
	while (getline(&line, &size, f) >= 0) {
		const char *out = line;

		for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
			size_t len = strlen(keywords[i]);

			if (line[0] == '#' && !strncmp(line + 1, keywords[i], len) &&
			    (line[len + 1] == ' ' || line[len + 1] == '\t')) {
				out = line + 1;
				uncommented++;
			}
		}
		fputs(out, t.f);
	}
	free(line);
	assert_int_equal(fclose(f), 0);
	text = text_close(&t);

	/* nat-ports, conntrack-max, icmp-echo, mx-preference, log-rate,
	 * xdp-attach, xdp-priority, xdp-redirect, and each timeout. */
	assert_int_equal(uncommented, 8 + MXGW_CT_STATE_MAX);
	assert_parses(fx, text);
	assert_nat_defaults(&fx->conf.policy);
	assert_int_equal(fx->conf.mx_preference, 10);
	assert_int_equal(fx->conf.policy.log_rate, 100);
	assert_int_equal(fx->conf.policy.xdp_attach, MXGW_XDP_ATTACH_DISPATCHER);
	assert_int_equal(fx->conf.policy.xdp_priority, 100);
	assert_int_equal(fx->conf.policy.xdp_redirect, MXGW_XDP_REDIRECT_AUTO);
	assert_int_equal(fx->conf.policy.nservices, 13);
	free(text);
}

/* The seed's example: company.com, MX 10 mail.company.com, no backup. */
static void test_shipped_config_has_the_seed_dns_records(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(parse_file(fx, MXGW_SHIPPED_CONF), "");
	assert_int_equal(fx->rc, 0);
	assert_string_equal(fx->conf.domain, "company.com");
	assert_string_equal(fx->conf.mx_host, "mail.company.com");
	assert_int_equal(fx->conf.mx_preference, 10);
	assert_int_equal(fx->conf.nbackup_mx, 0);
	assert_int_equal(fx->conf.policy.log_rate, 100);
	assert_int_equal(fx->conf.nwarnings, 0);
}

/* ---- DNS records: domain, mx-host, mx-preference, backup-mx ------------ */

static void test_dns_keys_absent_have_defaults(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR);
	assert_string_equal(fx->conf.domain, "");
	assert_string_equal(fx->conf.mx_host, "");
	assert_int_equal(fx->conf.mx_preference, 10);
	assert_int_equal(fx->conf.nbackup_mx, 0);
	assert_int_equal(fx->conf.lines.domain, 0);
	assert_int_equal(fx->conf.lines.mx_host, 0);
}

static void test_dns_keys_parsed(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR
		      "domain company.com\n"
		      "mx-host mail.company.com.\n"
		      "mx-preference 5\n"
		      "backup-mx backup.company.com 20\n"
		      "backup-mx mx.provider.net. 30\n");
	/* Stored without the trailing dot, as written otherwise. */
	assert_string_equal(fx->conf.domain, "company.com");
	assert_string_equal(fx->conf.mx_host, "mail.company.com");
	assert_int_equal(fx->conf.mx_preference, 5);
	assert_int_equal(fx->conf.nbackup_mx, 2);
	assert_string_equal(fx->conf.backup_mx[0].host, "backup.company.com");
	assert_int_equal(fx->conf.backup_mx[0].preference, 20);
	assert_int_equal(fx->conf.backup_mx[0].line, 6);
	assert_string_equal(fx->conf.backup_mx[1].host, "mx.provider.net");
	assert_int_equal(fx->conf.backup_mx[1].preference, 30);
	assert_int_equal(fx->conf.backup_mx[1].line, 7);
	assert_int_equal(fx->conf.lines.domain, 3);
	assert_int_equal(fx->conf.lines.mx_host, 4);
	assert_int_equal(fx->conf.lines.mx_preference, 5);

	/* Case is kept; digits and '-' inside labels are fine. */
	assert_parses(fx, HDR "domain Company-1.COM\nmx-host MX-01.company-1.com\n");
	assert_string_equal(fx->conf.domain, "Company-1.COM");
	assert_string_equal(fx->conf.mx_host, "MX-01.company-1.com");
	/* The extreme preferences. */
	assert_parses(fx, HDR "domain a.b\nmx-host m.a.b\nmx-preference 0\n"
		      "backup-mx x.a.b 65535\n");
	assert_int_equal(fx->conf.mx_preference, 0);
	assert_int_equal(fx->conf.backup_mx[0].preference, 65535);
}

static void test_dns_name_errors_say_why(void **state)
{
	static const struct {
		const char *name;
		const char *why;
	} bad[] = {
		{ ".", "empty name" },
		{ "company..com", "empty label" },
		{ ".company.com", "empty label" },
		{ "company.com..", "empty label" },
		{ "comp_any.com", "label \"comp_any\": only letters, digits and '-' are allowed" },
		{ "company.com/24", "label \"com/24\": only letters, digits and '-' are allowed" },
		{ "*.company.com", "label \"*\": only letters, digits and '-' are allowed" },
		{ "-mail.company.com", "label \"-mail\" starts or ends with '-'" },
		{ "company-.com", "label \"company-\" starts or ends with '-'" },
		{ "192.168.1.10", "the last label \"10\" is all digits (a name, not an address)" },
		{ "company.123", "the last label \"123\" is all digits (a name, not an address)" },
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "domain %s\nmx-host %s\nbackup-mx %s 20\n",
				       bad[i].name, bad[i].name, bad[i].name);
		char *want = xasprintf("t.conf:3: error: domain: \"%s\" is not a DNS name: %s\n"
				       "t.conf:4: error: mx-host: \"%s\" is not a DNS name: %s\n"
				       "t.conf:5: error: backup-mx: \"%s\" is not a DNS name: %s\n",
				       bad[i].name, bad[i].why, bad[i].name, bad[i].why,
				       bad[i].name, bad[i].why);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
	/* Digits are fine anywhere but in the whole last label. */
	assert_parses(fx, HDR "domain 123.example\nmx-host 1.2.3.example\n");
}

static void test_dns_name_length_limits(void **state)
{
	struct fixture *fx = *state;
	char label63[64], label64[65], name253[254], name254[255];
	char *text, *want;

	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'b', 64);
	label64[64] = '\0';
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	snprintf(name253, sizeof(name253), "%s.%s.%s.%.61s", label63, label63,
		 label63, label63);
	assert_int_equal(strlen(name253), 253);
	snprintf(name254, sizeof(name254), "x%s", name253);

	text = xasprintf(HDR "domain %s.com\nmx-host %s\n", label63, name253);
	assert_parses(fx, text);
	assert_string_equal(fx->conf.mx_host, name253);
	free(text);
	/* The trailing dot does not count. */
	text = xasprintf(HDR "domain %s.\nmx-host %s.\n", name253, name253);
	assert_parses(fx, text);
	assert_string_equal(fx->conf.domain, name253);
	free(text);

	text = xasprintf(HDR "domain %s.com\nmx-host %s\n", label64, name254);
	want = xasprintf("t.conf:3: error: domain: \"%s.com\" is not a DNS name: a label is longer than 63 characters\n"
			 "t.conf:4: error: mx-host: \"%s\" is not a DNS name: longer than 253 characters\n",
			 label64, name254);
	assert_fails(fx, text, want);
	free(text);
	free(want);
}

static void test_dns_keywords_need_their_fields(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "domain\n",
		     "t.conf:3: error: domain: missing name\n");
	assert_fails(fx, HDR "mx-host a.b c.d\n",
		     "t.conf:3: error: mx-host: extra field \"c.d\"\n");
	assert_fails(fx, HDR "mx-preference\n",
		     "t.conf:3: error: mx-preference: missing preference\n");
	assert_fails(fx, HDR "backup-mx\n",
		     "t.conf:3: error: backup-mx: missing host\n");
	assert_fails(fx, HDR "backup-mx b.company.com\n",
		     "t.conf:3: error: backup-mx: missing preference\n");
	assert_fails(fx, HDR "backup-mx b.company.com 20 30\n",
		     "t.conf:3: error: backup-mx: extra field \"30\"\n");
}

static void test_mx_preference_bounds_and_format(void **state)
{
	static const char *const bad[] = {
		"65536", "-1", "+10", "010", "10.5", "ten", "0x10",
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "mx-preference %s\nbackup-mx b.c.d %s\n",
				       bad[i], bad[i]);
		char *want = xasprintf("t.conf:3: error: mx-preference: \"%s\" is not an MX preference (0..65535)\n"
				       "t.conf:4: error: backup-mx: \"%s\" is not an MX preference (0..65535)\n",
				       bad[i], bad[i]);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
}

static void test_dns_settings_may_appear_only_once(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "domain a.com\nmx-host m.a.com\ndomain a.com\n",
		     "t.conf:5: error: domain: already set on line 3\n");
	assert_fails(fx, HDR "domain a.com\nmx-host m.a.com\nmx-host n.a.com\n",
		     "t.conf:5: error: mx-host: already set on line 4\n");
	assert_fails(fx, HDR "domain a.com\nmx-host m.a.com\nmx-preference 1\nmx-preference 1\n",
		     "t.conf:6: error: mx-preference: already set on line 5\n");
}

static void test_backup_mx_up_to_4_distinct_hosts(void **state)
{
	struct fixture *fx = *state;
	const char *four = HDR "domain a.com\nmx-host m.a.com\n"
		"backup-mx b1.a.com 20\nbackup-mx b2.a.com 20\n"
		"backup-mx b3.a.com 30\nbackup-mx b4.a.com 40\n";
	char *text;

	assert_parses(fx, four);
	assert_int_equal(fx->conf.nbackup_mx, 4);
	assert_string_equal(fx->conf.backup_mx[3].host, "b4.a.com");

	text = xasprintf("%sbackup-mx b5.a.com 50\n", four);
	assert_fails(fx, text,
		     "t.conf:9: error: backup-mx: more than 4 backup MX hosts\n");
	free(text);

	/* Names compare without case and without the trailing dot. */
	assert_fails(fx, HDR "domain a.com\nmx-host m.a.com\n"
		     "backup-mx b.a.com 20\nbackup-mx B.A.com. 30\n",
		     "t.conf:6: error: backup-mx: \"B.A.com\" already listed on line 5\n");
	/* The mx-host is not its own backup, wherever it is set. */
	assert_fails(fx, HDR "backup-mx M.a.com 20\ndomain a.com\nmx-host m.a.com\n",
		     "t.conf:3: error: backup-mx: \"M.a.com\" is the mx-host (line 5)\n");
}

static void test_backup_mx_preference_not_above_primary_warns(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(parse(fx, HDR "domain a.com\nmx-host m.a.com\n"
				  "backup-mx b.a.com 10\nbackup-mx c.a.com 5\n"
				  "backup-mx d.a.com 11\n"),
			    "t.conf:5: warning: backup-mx: preference 10 is not above mx-preference 10: senders would try b.a.com before the mx-host or as often\n"
			    "t.conf:6: warning: backup-mx: preference 5 is not above mx-preference 10: senders would try c.a.com before the mx-host or as often\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.nbackup_mx, 3);
	assert_int_equal(fx->conf.nwarnings, 2);
	/* Against the mx-preference set, even later in the file. */
	assert_parses(fx, HDR "domain a.com\nmx-host m.a.com\n"
		      "backup-mx b.a.com 5\nmx-preference 1\n");
}

static void test_dns_keywords_without_domain_or_mx_host_warn(void **state)
{
	struct fixture *fx = *state;

	assert_string_equal(parse(fx, HDR "\nmx-host mail.company.com\n"),
			    "t.conf:4: warning: domain: missing (mxctl dns needs domain and mx-host)\n");
	assert_int_equal(fx->rc, 0);
	assert_string_equal(parse(fx, HDR "domain company.com\n"),
			    "t.conf:3: warning: mx-host: missing (mxctl dns needs domain and mx-host)\n");
	assert_int_equal(fx->rc, 0);
	/* At the first DNS keyword, whichever it is. */
	assert_string_equal(parse(fx, HDR "mx-preference 10\n# x\nbackup-mx b.company.com 20\n"),
			    "t.conf:3: warning: domain: missing (mxctl dns needs domain and mx-host)\n"
			    "t.conf:3: warning: mx-host: missing (mxctl dns needs domain and mx-host)\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.nwarnings, 2);
}

static void test_mx_host_outside_domain_warns_only_when_it_looks_like_a_slip(void **state)
{
	struct fixture *fx = *state;

	/* Legal DNS: an MX may name a host of another zone, or the apex. */
	assert_parses(fx, HDR "domain company.com\nmx-host mx1.mail-provider.net\n");
	assert_parses(fx, HDR "domain company.com\nmx-host company.com\n");
	assert_parses(fx, HDR "domain company.com\nmx-host MAIL.Company.COM.\n");
	assert_parses(fx, HDR "domain company.com.\nmx-host a.b.company.com\n");

	/* A zone file would read "mail" as mail.company.com; this file does not. */
	assert_string_equal(parse(fx, HDR "domain company.com\nmx-host mail\n"),
			    "t.conf:4: warning: mx-host: \"mail\" is one label, outside company.com: names here are absolute, so write mail.company.com\n");
	assert_int_equal(fx->rc, 0);
	assert_string_equal(parse(fx, HDR "mx-host mailcompany.com\ndomain company.com\n"),
			    "t.conf:3: warning: mx-host: \"mailcompany.com\" is outside company.com: a dot missing before company.com?\n");
	assert_int_equal(fx->rc, 0);
}

static void test_dns_name_within(void **state)
{
	(void)state;
	assert_true(mxgw_dns_name_within("mail.company.com", "company.com"));
	assert_true(mxgw_dns_name_within("mail.company.com.", "company.com"));
	assert_true(mxgw_dns_name_within("mail.company.com", "company.com."));
	assert_true(mxgw_dns_name_within("MAIL.COMPANY.COM", "company.com"));
	assert_true(mxgw_dns_name_within("company.com", "company.com"));
	assert_true(mxgw_dns_name_within("a.b.c.company.com", "company.com"));
	assert_false(mxgw_dns_name_within("mailcompany.com", "company.com"));
	assert_false(mxgw_dns_name_within("company.com", "mail.company.com"));
	assert_false(mxgw_dns_name_within("mail.company.org", "company.com"));
	assert_false(mxgw_dns_name_within("com", "company.com"));
	assert_false(mxgw_dns_name_within("mail.company.com", ""));
	assert_false(mxgw_dns_name_within(NULL, "company.com"));
	assert_false(mxgw_dns_name_within("company.com", NULL));
}

/* ---- log-rate ---------------------------------------------------------- */

static void test_log_rate_default_and_bounds(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR);
	assert_int_equal(fx->conf.policy.log_rate, 100);
	assert_int_equal(fx->conf.lines.log_rate, 0);
	assert_parses(fx, HDR "log-rate 0/s\n");
	assert_int_equal(fx->conf.policy.log_rate, 0);
	assert_int_equal(fx->conf.lines.log_rate, 3);
	assert_parses(fx, HDR "log-rate 1/s\n");
	assert_int_equal(fx->conf.policy.log_rate, 1);
	assert_parses(fx, HDR "log-rate 100000/s\n");
	assert_int_equal(fx->conf.policy.log_rate, 100000);
}

static void test_log_rate_errors(void **state)
{
	static const char *const bad[] = {
		"100001/s", "100", "100/m", "100/S", "/s", "s", "010/s", "-1/s",
		"+1/s", "1.5/s", "100/s/s", "1e3/s", "99999999999999999999/s",
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "log-rate %s\n", bad[i]);
		char *want = xasprintf("t.conf:3: error: log-rate: \"%s\" is not a rate N/s (0..100000 per second, 0: no logging)\n",
				       bad[i]);

		assert_fails(fx, text, want);
		free(text);
		free(want);
	}
	assert_fails(fx, HDR "log-rate\n",
		     "t.conf:3: error: log-rate: missing rate\n");
	assert_fails(fx, HDR "log-rate 10 /s\n",
		     "t.conf:3: error: log-rate: extra field \"/s\"\n");
	assert_fails(fx, HDR "log-rate 10/s\nlog-rate 10/s\n",
		     "t.conf:4: error: log-rate: already set on line 3\n");
}

/* ---- xdp-attach, xdp-priority (issue 15) ---------------------------------- */

static void test_xdp_attach_and_priority(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR);
	assert_int_equal(fx->conf.policy.xdp_attach, MXGW_XDP_ATTACH_DISPATCHER);
	assert_int_equal(fx->conf.policy.xdp_priority, MXGW_POLICY_XDP_PRIORITY);
	assert_int_equal(MXGW_POLICY_XDP_PRIORITY, 100);
	assert_parses(fx, HDR "xdp-attach direct\nxdp-priority 0\n");
	assert_int_equal(fx->conf.policy.xdp_attach, MXGW_XDP_ATTACH_DIRECT);
	assert_int_equal(fx->conf.policy.xdp_priority, 0);
	assert_parses(fx, HDR "xdp-attach dispatcher\nxdp-priority 1000\n");
	assert_int_equal(fx->conf.policy.xdp_attach, MXGW_XDP_ATTACH_DISPATCHER);
	assert_int_equal(fx->conf.policy.xdp_priority, 1000);
	assert_fails(fx, HDR "xdp-attach alone\n",
		     "t.conf:3: error: xdp-attach: \"alone\" is not an attach mode (dispatcher or direct)\n");
	assert_fails(fx, HDR "xdp-attach\n", "t.conf:3: error: xdp-attach: missing attach mode\n");
	assert_fails(fx, HDR "xdp-attach direct\nxdp-attach direct\n",
		     "t.conf:4: error: xdp-attach: already set on line 3\n");
	assert_fails(fx, HDR "xdp-priority 1001\n",
		     "t.conf:3: error: xdp-priority: \"1001\" is not a run priority (0..1000, lower runs first)\n");
	assert_fails(fx, HDR "xdp-priority -1\n",
		     "t.conf:3: error: xdp-priority: \"-1\" is not a run priority (0..1000, lower runs first)\n");
	assert_fails(fx, HDR "xdp-priority 10 20\n", "t.conf:3: error: xdp-priority: extra field \"20\"\n");
}

/* ---- xdp-redirect (issue 14: the fast path on kernels before 6.3) -------- */

static void test_xdp_redirect_auto_off_or_named_devices(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR);
	assert_int_equal(fx->conf.policy.xdp_redirect, MXGW_XDP_REDIRECT_AUTO);
	assert_int_equal(fx->conf.policy.nredirect_devs, 0);
	assert_parses(fx, HDR "xdp-redirect off\n");
	assert_int_equal(fx->conf.policy.xdp_redirect, MXGW_XDP_REDIRECT_OFF);
	assert_parses(fx, HDR "xdp-redirect auto\n");
	assert_int_equal(fx->conf.policy.xdp_redirect, MXGW_XDP_REDIRECT_AUTO);
	assert_parses(fx, HDR "xdp-redirect lan0,eth0.100,enp1s0f1np1\n");
	assert_int_equal(fx->conf.policy.xdp_redirect, MXGW_XDP_REDIRECT_DEVICES);
	assert_int_equal(fx->conf.policy.nredirect_devs, 3);
	assert_string_equal(fx->conf.policy.redirect_devs[0], "lan0");
	assert_string_equal(fx->conf.policy.redirect_devs[1], "eth0.100");
	assert_string_equal(fx->conf.policy.redirect_devs[2], "enp1s0f1np1");
	/* fifteen characters is the most a device name has */
	assert_parses(fx, HDR "xdp-redirect abcdefghijklmno\n");
	assert_string_equal(fx->conf.policy.redirect_devs[0], "abcdefghijklmno");
	assert_fails(fx, HDR "xdp-redirect abcdefghijklmnop\n",
		     "t.conf:3: error: xdp-redirect: \"abcdefghijklmnop\": longer than 15 characters\n");
	assert_fails(fx, HDR "xdp-redirect\n",
		     "t.conf:3: error: xdp-redirect: missing auto, off or device names\n");
	assert_fails(fx, HDR "xdp-redirect lan0 eth0\n",
		     "t.conf:3: error: xdp-redirect: extra field \"eth0\"\n");
	assert_fails(fx, HDR "xdp-redirect lan0,,eth0\n",
		     "t.conf:3: error: xdp-redirect: \"\": empty entry\n");
	assert_fails(fx, HDR "xdp-redirect lan0,lan0\n",
		     "t.conf:3: error: xdp-redirect: \"lan0\": listed twice\n");
	assert_fails(fx, HDR "xdp-redirect lan0,off\n",
		     "t.conf:3: error: xdp-redirect: \"off\": auto and off stand alone\n");
	assert_fails(fx, HDR "xdp-redirect lan0,a/b,c:1\n",
		     "t.conf:3: error: xdp-redirect: \"a/b\": a device name has no '/', ':' or spaces\n"
		     "t.conf:3: error: xdp-redirect: \"c:1\": a device name has no '/', ':' or spaces\n");
	assert_fails(fx, HDR "xdp-redirect ..\n",
		     "t.conf:3: error: xdp-redirect: \"..\": not a device name\n");
	assert_fails(fx, HDR "xdp-redirect a,b,c,d,e,f,g,h,i\n",
		     "t.conf:3: error: xdp-redirect: more than 8 devices\n");
	assert_fails(fx, HDR "xdp-redirect off\nxdp-redirect lan0\n",
		     "t.conf:4: error: xdp-redirect: already set on line 3\n");
}

/* ---- what mxctl check and conf_save build on ---------------------------- */

static void test_lines_of_settings_are_recorded(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, "# a\n" HDR "\ndefault deny\n# end\n");
	assert_int_equal(fx->conf.lines.public_addr, 2);
	assert_int_equal(fx->conf.lines.mailserver, 3);
	assert_int_equal(fx->conf.lines.default_verdict, 5);
	assert_int_equal(fx->conf.lines.last, 6);
	assert_parses(fx, HDR);
	assert_int_equal(fx->conf.lines.default_verdict, 0);
	assert_int_equal(fx->conf.lines.last, 2);
}

static void test_nwarnings_counts_the_warnings_printed(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR);
	assert_int_equal(fx->conf.nwarnings, 0);
	parse(fx, HDR "service imap 143 allow deny from 10.0.0.0/8\n"
	      "service smtp 25 allow allow from 10.0.0.0/8\n"
	      "nat-ports 40000-40099\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.nwarnings, 3);
	/* Counted with no stream too. */
	assert_int_equal(mxgw_conf_parse_string("t", HDR "service smtp 25 allow allow from 10.0.0.0/8\n",
						&fx->conf, NULL), 0);
	assert_int_equal(fx->conf.nwarnings, 1);
}

/* ---- helpers of the API ------------------------------------------------ */

static void test_verdict_str(void **state)
{
	(void)state;
	assert_string_equal(mxgw_verdict_str(MXGW_ALLOW), "allow");
	assert_string_equal(mxgw_verdict_str(MXGW_DENY), "deny");
	assert_string_equal(mxgw_verdict_str(2), "?");
	assert_string_equal(mxgw_verdict_str(-1), "?");
}

static void test_protos_str(void **state)
{
	(void)state;
	assert_string_equal(mxgw_protos_str(TCP), "tcp");
	assert_string_equal(mxgw_protos_str(UDP), "udp");
	assert_string_equal(mxgw_protos_str(TCP | UDP), "tcp,udp");
	assert_string_equal(mxgw_protos_str(0), "?");
	assert_string_equal(mxgw_protos_str(0x4), "?");
}

static void test_find_service(void **state)
{
	struct fixture *fx = *state;
	const struct mxgw_policy_service *s;

	assert_parses(fx, HDR "service smtp 25 allow allow\nservice imaps 993 allow allow\n");
	s = mxgw_policy_find_service(&fx->conf.policy, "imaps");
	assert_ptr_equal(s, &fx->conf.policy.services[1]);
	assert_null(mxgw_policy_find_service(&fx->conf.policy, "IMAPS"));
	assert_null(mxgw_policy_find_service(&fx->conf.policy, "imap"));
	assert_null(mxgw_policy_find_service(&fx->conf.policy, ""));
	assert_null(mxgw_policy_find_service(&fx->conf.policy, NULL));
	assert_null(mxgw_policy_find_service(NULL, "smtp"));
}

/* ---- service: to gateway ------------------------------------------------ */

static void test_to_gateway_after_from_or_alone(void **state)
{
	struct fixture *fx = *state;
	const struct mxgw_policy_service *s;

	assert_parses(fx, HDR "service ssh 22/tcp allow allow from 198.51.100.0/24 to gateway\n"
		      "service wg 51820/udp deny deny to gateway\n"
		      "service smtp 25 allow allow\n"
		      "service mgmt 8443 allow allow from 203.0.113.7,10.0.0.0/8   to  gateway # c\n");
	s = mxgw_policy_find_service(&fx->conf.policy, "ssh");
	assert_non_null(s);
	assert_true(s->to_gateway);
	assert_int_equal(s->nfrom, 1);
	assert_int_equal(s->from[0].addr, ip("198.51.100.0"));
	s = mxgw_policy_find_service(&fx->conf.policy, "wg");
	assert_true(s->to_gateway);
	assert_int_equal(s->protos, UDP);
	assert_int_equal(s->nfrom, 0);
	assert_false(mxgw_policy_find_service(&fx->conf.policy, "smtp")->to_gateway);
	s = mxgw_policy_find_service(&fx->conf.policy, "mgmt");
	assert_true(s->to_gateway);
	assert_int_equal(s->nfrom, 2);
}

/* Every mistake on a "to" names the file, the line and the field. */
static void test_to_gateway_errors_name_the_field(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service a 22 allow allow to\n",
		     "t.conf:3: error: service a: to: missing target (expected gateway)\n");
	assert_fails(fx, HDR "service a 22 allow allow from 10.0.0.0/8 to\n",
		     "t.conf:3: error: service a: to: missing target (expected gateway)\n");
	assert_fails(fx, HDR "service a 22 allow allow to mailserver\n",
		     "t.conf:3: error: service a: to: \"mailserver\": expected gateway (without \"to\", incoming goes to the mail server)\n");
	assert_fails(fx, HDR "service a 22 allow allow to Gateway\n",
		     "t.conf:3: error: service a: to: \"Gateway\": expected gateway (without \"to\", incoming goes to the mail server)\n");
	assert_fails(fx, HDR "service a 22 allow allow to gateway now\n",
		     "t.conf:3: error: service a: to: extra field \"now\" (expected end of line)\n");
	assert_fails(fx, HDR "service a 22 allow allow from 10.0.0.0/8 to gateway x y\n",
		     "t.conf:3: error: service a: to: extra field \"x\" (expected end of line)\n");
	assert_fails(fx, HDR "service a 22 allow allow to gateway from 10.0.0.0/8\n",
		     "t.conf:3: error: service a: to: extra field \"from\" (from LIST goes before to gateway)\n");
	assert_fails(fx, HDR "service a 22 allow allow from 10.0.0.0/8 gateway\n",
		     "t.conf:3: error: service a: from: extra field \"gateway\" (expected one comma-separated list without blanks)\n");
	assert_fails(fx, HDR "service a 22 allow allow gateway\n",
		     "t.conf:3: error: service a: extra field \"gateway\" (expected from, to gateway or end of line)\n");
	/* the rest of the line is still checked */
	assert_fails(fx, HDR "service a 22 allow bogus from 10.0.0.1/8 to there\n",
		     "t.conf:3: error: service a: incoming: expected allow or deny, got \"bogus\"\n"
		     "t.conf:3: error: service a: from: \"10.0.0.1/8\": host bits set (network is 10.0.0.0/8)\n"
		     "t.conf:3: error: service a: to: \"there\": expected gateway (without \"to\", incoming goes to the mail server)\n");
}

static void test_to_gateway_warnings(void **state)
{
	struct fixture *fx = *state;

	/* without from: the gateway itself exposed to the Internet */
	assert_string_equal(parse(fx, HDR "service ssh 22 allow allow to gateway\n"),
			    "t.conf:3: warning: service ssh: to: gateway without from opens the gateway's own 22/tcp to the whole Internet: restrict it to where it is managed from (from CIDR[,CIDR...] before to gateway)\n");
	assert_int_equal(fx->rc, 0);
	assert_int_equal(fx->conf.nwarnings, 1);
	assert_string_equal(parse(fx, HDR "service dns 53/tcp,udp deny allow to gateway\n"),
			    "t.conf:3: warning: service dns: to: gateway without from opens the gateway's own 53/tcp,udp to the whole Internet: restrict it to where it is managed from (from CIDR[,CIDR...] before to gateway)\n");
	/* incoming deny exposes nothing */
	assert_parses(fx, HDR "service ssh 22 allow deny to gateway\n");
	assert_string_equal(parse(fx, HDR "service ssh 22 allow deny from 10.0.0.0/8 to gateway\n"),
			    "t.conf:3: warning: service ssh: from: has no effect: incoming is deny\n");
	/* port 25 to the gateway: no MX-delivery warning about its from
	 * (mxctl check says what it takes from the mail server) */
	assert_parses(fx, HDR "service relay 25 allow allow from 10.0.0.0/8 to gateway\n");
}

static void test_lets_in_to_gateway(void **state)
{
	struct fixture *fx = *state;
	const struct mxgw_policy *c = &fx->conf.policy;

	assert_parses(fx, HDR "service ssh 22 allow allow from 198.51.100.0/24,203.0.113.7 to gateway\n"
		      "service wg 51820/udp allow deny to gateway\n"
		      "service smtp 25 allow allow\n"
		      "service dns 53/tcp,udp deny allow from 0.0.0.0/0 to gateway\n");
	assert_true(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("198.51.100.7")));
	assert_true(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("198.51.100.255")));
	assert_true(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("203.0.113.7")));
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("203.0.113.8")));
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("198.51.101.7")));
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_UDP, 22, ip("198.51.100.7")));
	/* incoming deny */
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_UDP, 51820, ip("198.51.100.7")));
	/* DNATed to the mail server: not the gateway's */
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 25, ip("198.51.100.7")));
	/* unlisted */
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 2222, ip("198.51.100.7")));
	assert_true(mxgw_policy_lets_in_to_gateway(c, IPPROTO_UDP, 53, ip("192.0.2.1")));
	assert_true(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 53, ip("192.0.2.1")));
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_ICMP, 53, ip("192.0.2.1")));
	assert_false(mxgw_policy_lets_in_to_gateway(NULL, IPPROTO_TCP, 22, ip("198.51.100.7")));
	/* without from: from anywhere */
	parse(fx, HDR "service ssh 22 allow allow to gateway\n");
	assert_true(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("192.0.2.1")));
}

/* ---- what a config file may be ------------------------------------------- */

/* A parse that hangs fails the test instead of the whole run. */
#define NO_HANG_S	10

static void test_dev_zero_is_refused_at_once(void **state)
{
	struct fixture *fx = *state;

	alarm(NO_HANG_S);
	assert_string_equal(parse_file(fx, "/dev/zero"),
			    "/dev/zero: error: a character device, not a config file (a regular file or a FIFO)\n");
	assert_int_equal(fx->rc, -EINVAL);
	assert_conf_zeroed(fx);
	assert_string_equal(parse_file(fx, "/dev/null"),
			    "/dev/null: error: a character device, not a config file (a regular file or a FIFO)\n");
	alarm(0);
}

static void test_larger_than_1_mib_is_refused(void **state)
{
	struct fixture *fx = *state;
	char path[] = "/tmp/test_config.XXXXXX";
	char *want, *text;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	/* sparse: 2 MiB of NULs, never read */
	assert_int_equal(ftruncate(fd, 2 * 1024 * 1024), 0);
	assert_int_equal(close(fd), 0);
	want = xasprintf("%s: error: larger than 1 MiB: not a config file\n", path);
	assert_string_equal(parse_file(fx, path), want);
	assert_int_equal(fx->rc, -EFBIG);
	assert_conf_zeroed(fx);
	/* exactly 1 MiB is still read (and this one has NULs) */
	assert_int_equal(truncate(path, MXGW_CONF_MAX_SIZE), 0);
	parse_file(fx, path);
	assert_int_equal(fx->rc, -EINVAL);
	unlink(path);
	free(want);
	/* a string as well */
	text = malloc(MXGW_CONF_MAX_SIZE + 2);
	assert_non_null(text);
	memset(text, '#', MXGW_CONF_MAX_SIZE + 1);
	text[MXGW_CONF_MAX_SIZE + 1] = '\0';
	assert_string_equal(parse(fx, text), "t.conf: error: larger than 1 MiB: not a config file\n");
	assert_int_equal(fx->rc, -EFBIG);
	assert_conf_zeroed(fx);
	free(text);
}

/* A FIFO in a fresh directory; @dir gets the directory to remove. */
static char *make_fifo(char *dir)
{
	char *path;

	strcpy(dir, "/tmp/test_config.XXXXXX");
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	return path;
}

/*
 * A pipe whose write end a child holds: it writes @len bytes of @data in
 * two halves @pause_us apart, then exits.  Returns the read end, which
 * /dev/fd/N names as mxctl -c <(...) does.
 */
static int pipe_writer(const char *data, size_t len, useconds_t pause_us,
		       pid_t *pid)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	*pid = fork();
	assert_true(*pid >= 0);
	if (!*pid) {
		size_t half = len / 2, done = 0;

		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		while (done < len) {
			ssize_t n = write(p[1], data + done,
					  (done < half ? half : len) - done);

			if (n <= 0)
				_exit(1);
			done += (size_t)n;
			if (done == half)
				usleep(pause_us);
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void test_fifo_without_a_writer_does_not_block(void **state)
{
	struct fixture *fx = *state;
	char dir[64], *path = make_fifo(dir), *want;

	alarm(NO_HANG_S);
	want = xasprintf("%s:0: error: public: missing (required)\n"
			 "%s:0: error: mailserver: missing (required)\n", path, path);
	assert_string_equal(parse_file(fx, path), want);
	assert_int_equal(fx->rc, -EINVAL);
	alarm(0);
	unlink(path);
	rmdir(dir);
	free(want);
	free(path);
}

/* A writer that is there is waited for, to the end of what it writes. */
static void test_fifo_with_a_writer_is_read_to_the_end(void **state)
{
	static const char conf[] = HDR "service ssh 22 allow allow from 10.0.0.0/8 to gateway\n";
	struct fixture *fx = *state;
	char path[32];
	int fd, status;
	pid_t pid;

	alarm(NO_HANG_S);
	fd = pipe_writer(conf, sizeof(conf) - 1, 200 * 1000, &pid);
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	assert_string_equal(parse_file(fx, path), "");
	assert_int_equal(fx->rc, 0);
	assert_true(mxgw_policy_find_service(&fx->conf.policy, "ssh")->to_gateway);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
	close(fd);
	alarm(0);
}

static void test_fifo_larger_than_1_mib_is_refused(void **state)
{
	struct fixture *fx = *state;
	size_t len = 2 * MXGW_CONF_MAX_SIZE;
	char path[32], *data = malloc(len), *want;
	int fd, status;
	pid_t pid;

	assert_non_null(data);
	memset(data, '#', len);
	alarm(NO_HANG_S);
	fd = pipe_writer(data, len, 0, &pid);
	snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	want = xasprintf("%s: error: larger than 1 MiB: not a config file\n", path);
	assert_string_equal(parse_file(fx, path), want);
	assert_int_equal(fx->rc, -EFBIG);
	assert_conf_zeroed(fx);
	close(fd);	/* the writer gets EPIPE and ends */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	alarm(0);
	free(want);
	free(data);
}

/* ---- byte order mark, line ends ------------------------------------------- */

static void test_utf8_bom_first_is_skipped(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, "\xef\xbb\xbfpublic 215.75.128.33\nmailserver 192.168.1.10\n");
	assert_int_equal(fx->conf.policy.public_addr, ip("215.75.128.33"));
	assert_int_equal(fx->conf.lines.public_addr, 1);
	/* and with CRLF line ends, as a Windows editor saves it */
	assert_parses(fx, "\xef\xbb\xbf# c\r\n" HDR "service a 25 allow deny\r\n");
	assert_int_equal(fx->conf.lines.service[0], 4);
	/* only first: elsewhere it is no blank */
	assert_fails(fx, HDR "\xef\xbb\xbfservice a 25 allow deny\n",
		     "t.conf:3: error: keyword: unknown \"\xef\xbb\xbfservice\" (expected " KEYWORDS ")\n");
}

/* One clear message, not "longer than 1024 characters" or a bad address. */
static void test_cr_only_line_ends_are_one_clear_error(void **state)
{
	struct fixture *fx = *state;
	struct text t;
	char *text;

	assert_fails(fx, "public 215.75.128.33\rmailserver 192.168.1.10\rservice a 25 allow deny\r",
		     "t.conf:1: error: line: CR-only line ends: save the file with LF (or CRLF) line ends\n");
	/* the shipped table saved with CR line ends: far over 1024 bytes */
	text_open(&t);
	fputs(HDR, t.f);
	for (int i = 0; i < 100; i++)
		fprintf(t.f, "service s%d %d allow deny\r", i, 1000 + i);
	text = text_close(&t);
	for (char *c = text; *c; c++)
		if (*c == '\n')
			*c = '\r';
	assert_true(strlen(text) > MXGW_CONF_MAX_LINE);
	assert_fails(fx, text,
		     "t.conf:1: error: line: CR-only line ends: save the file with LF (or CRLF) line ends\n");
	free(text);
	/* a CR alone inside an LF file: that line */
	assert_fails(fx, HDR "service a 25 allow deny\rservice b 26 allow deny\n",
		     "t.conf:3: error: line: CR-only line ends: save the file with LF (or CRLF) line ends\n");
	/* a last line ending in a CR alone is fine, as CRLF is */
	assert_parses(fx, HDR "service a 25 allow deny\r");
	/* CRLF with a trailing blank before it, and mixed with LF */
	assert_parses(fx, "public 215.75.128.33 \r\nmailserver 192.168.1.10\nservice a 25 allow deny\r\n");
}

/* A line that cannot be read may hold the keyword: no "missing" guess. */
static void test_unreadable_line_is_not_also_missing_keywords(void **state)
{
	struct fixture *fx = *state;
	char line[MXGW_CONF_MAX_LINE + 2], *text;

	memset(line, ' ', sizeof(line));
	memcpy(line, "public", 6);
	line[MXGW_CONF_MAX_LINE + 1] = '\0';
	text = xasprintf("%s215.75.128.33\nmailserver 192.168.1.10\n", line);
	assert_fails(fx, text, "t.conf:1: error: line: longer than 1024 characters\n");
	free(text);
}

/* ---- IPv6: mailserver6, lan6, from ------------------------------------- */

static struct mxgw_in6 ip6(const char *s)
{
	struct mxgw_in6 a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void assert_in6(const struct mxgw_in6 *got, const char *want)
{
	struct mxgw_in6 w = ip6(want);

	assert_memory_equal(got, &w, sizeof(w));
}

static void test_mailserver6_parsed(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "mailserver6 2001:db8:168::10\n");
	assert_true(fx->conf.policy.has_mailserver6);
	assert_in6(&fx->conf.policy.mailserver6, "2001:db8:168::10");
	assert_int_equal(fx->conf.lines.mailserver6, 3);
	/* the longest form, and a dotted IPv4 tail, are IPv6 syntax too */
	assert_parses(fx, HDR "mailserver6 2001:0db8:0168:0000:0000:0000:0000:0010\n");
	assert_in6(&fx->conf.policy.mailserver6, "2001:db8:168::10");
	assert_parses(fx, HDR "mailserver6 2001:db8:168::192.0.2.10\n");
	assert_in6(&fx->conf.policy.mailserver6, "2001:db8:168::c000:20a");
	/* ULA is legal (mxctl check warns: the Internet cannot reach it) */
	assert_parses(fx, HDR "mailserver6 fd00:168::10\n");
	/* absent: no IPv6 mail server, no lan6 */
	assert_parses(fx, HDR);
	assert_false(fx->conf.policy.has_mailserver6);
	assert_int_equal(fx->conf.policy.nlan6, 0);
	assert_int_equal(fx->conf.lines.mailserver6, 0);
}

static void test_mailserver6_rejects_a_malformed_address(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = {
		"2001:db8::g", "192.168.1.10", "2001:db8::10/64", "fe80::1%eth0",
		"[2001:db8::10]", ":::", "2001:db8:1:2:3:4:5:6:7", "2001:db8::1::2",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "mailserver6 %s\n", bad[i]);
		char *msg = xasprintf("t.conf:3: error: mailserver6: \"%s\" is not an IPv6 address\n",
				      bad[i]);

		assert_fails(fx, text, msg);
		free(text);
		free(msg);
	}
}

static void test_mailserver6_rejects_a_non_global_address(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "mailserver6 ::\n",
		     "t.conf:3: error: mailserver6: :: is not a global unicast address (unspecified, ::)\n");
	assert_fails(fx, HDR "mailserver6 ::1\n",
		     "t.conf:3: error: mailserver6: ::1 is not a global unicast address (loopback, ::1)\n");
	assert_fails(fx, HDR "mailserver6 ::ffff:192.168.1.10\n",
		     "t.conf:3: error: mailserver6: ::ffff:192.168.1.10 is not a global unicast address (IPv4-mapped, ::ffff:0:0/96)\n");
	assert_fails(fx, HDR "mailserver6 ::192.168.1.10\n",
		     "t.conf:3: error: mailserver6: ::192.168.1.10 is not a global unicast address (IPv4-compatible, ::/96, deprecated)\n");
	assert_fails(fx, HDR "mailserver6 fe80::10\n",
		     "t.conf:3: error: mailserver6: fe80::10 is not a global unicast address (link-local, fe80::/10: never forwarded)\n");
	assert_fails(fx, HDR "mailserver6 febf:ffff::1\n",
		     "t.conf:3: error: mailserver6: febf:ffff::1 is not a global unicast address (link-local, fe80::/10: never forwarded)\n");
	assert_fails(fx, HDR "mailserver6 fec0::10\n",
		     "t.conf:3: error: mailserver6: fec0::10 is not a global unicast address (site-local, fec0::/10, deprecated)\n");
	assert_fails(fx, HDR "mailserver6 ff02::1\n",
		     "t.conf:3: error: mailserver6: ff02::1 is not a global unicast address (multicast, ff00::/8)\n");
	/* next to the ranges: fine */
	assert_parses(fx, HDR "mailserver6 ::1:0:0:1\n");
	assert_parses(fx, HDR "mailserver6 fe7f:ffff::1\n");
}

static void test_mailserver6_needs_one_address_once(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "mailserver6\n",
		     "t.conf:3: error: mailserver6: missing address\n");
	assert_fails(fx, HDR "mailserver6 2001:db8::10 2001:db8::11\n",
		     "t.conf:3: error: mailserver6: extra field \"2001:db8::11\"\n");
	assert_fails(fx, HDR "mailserver6 2001:db8::10\nmailserver6 2001:db8::11\n",
		     "t.conf:4: error: mailserver6: already set on line 3\n");
	/* no stand-in for the IPv4 keywords */
	assert_fails(fx, "public 215.75.128.33\nmailserver6 2001:db8::10\n",
		     "t.conf:2: error: mailserver: missing (required)\n");
}

static void test_lan6_parsed(void **state)
{
	struct fixture *fx = *state;
	const struct mxgw_policy *pol = &fx->conf.policy;

	assert_parses(fx, HDR "mailserver6 2001:db8:168::10\n"
		      "lan6 2001:db8:168::/64,2001:db8:169::/48,fd00:168::/64,2001:db8:170::1/128\n");
	assert_int_equal(pol->nlan6, 4);
	assert_in6(&pol->lan6[0].addr, "2001:db8:168::");
	assert_int_equal(pol->lan6[0].len, 64);
	assert_in6(&pol->lan6[1].addr, "2001:db8:169::");
	assert_int_equal(pol->lan6[1].len, 48);
	assert_in6(&pol->lan6[2].addr, "fd00:168::");
	assert_int_equal(pol->lan6[2].len, 64);
	assert_in6(&pol->lan6[3].addr, "2001:db8:170::1");
	assert_int_equal(pol->lan6[3].len, 128);
	assert_int_equal(fx->conf.lines.lan6, 4);
	/* without mailserver6: still the LAN, filtered both ways */
	assert_parses(fx, HDR "lan6 2001:db8:168::/64\n");
	assert_int_equal(pol->nlan6, 1);
	assert_false(pol->has_mailserver6);
}

static void test_lan6_errors_name_each_entry(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "lan6\n", "t.conf:3: error: lan6: missing prefix list\n");
	assert_fails(fx, HDR "lan6 2001:db8:168::/64, 2001:db8:169::/64\n",
		     "t.conf:3: error: lan6: extra field \"2001:db8:169::/64\" (expected one comma-separated list without blanks)\n");
	/* every entry is reported; the 4 counts them all, bad ones too */
	assert_fails(fx, HDR "lan6 2001:db8:168::/64,,2001:db8:1g8::/64,2001:db8:168::\n",
		     "t.conf:3: error: lan6: empty entry\n"
		     "t.conf:3: error: lan6: \"2001:db8:1g8::/64\" is not an IPv6 prefix ADDR/LEN\n"
		     "t.conf:3: error: lan6: \"2001:db8:168::\": missing /LEN (1..128)\n");
	assert_fails(fx, HDR "lan6 2001:db8:169::/0,2001:db8:169::/129,2001:db8:169::/064,2001:db8:169::/x\n",
		     "t.conf:3: error: lan6: \"2001:db8:169::/0\": prefix length must be 1..128\n"
		     "t.conf:3: error: lan6: \"2001:db8:169::/129\": prefix length must be 1..128\n"
		     "t.conf:3: error: lan6: \"2001:db8:169::/064\": prefix length must be 1..128\n"
		     "t.conf:3: error: lan6: \"2001:db8:169::/x\": prefix length must be 1..128\n");
	assert_fails(fx, HDR "lan6 2001:db8:169::1/64,192.168.1.0/24\n",
		     "t.conf:3: error: lan6: \"2001:db8:169::1/64\": host bits set (network is 2001:db8:169::/64)\n"
		     "t.conf:3: error: lan6: \"192.168.1.0/24\" is not an IPv6 prefix ADDR/LEN\n");
	assert_fails(fx, HDR "lan6 fe80::/64,ff00::/8,::/1,::ffff:192.168.1.0/120\n",
		     "t.conf:3: error: lan6: \"fe80::/64\" is not a LAN's global prefix: it overlaps link-local, fe80::/10: never forwarded\n"
		     "t.conf:3: error: lan6: \"ff00::/8\" is not a LAN's global prefix: it overlaps multicast, ff00::/8\n"
		     "t.conf:3: error: lan6: \"::/1\" is not a LAN's global prefix: it overlaps unspecified, ::\n"
		     "t.conf:3: error: lan6: \"::ffff:192.168.1.0/120\" is not a LAN's global prefix: it overlaps IPv4-mapped, ::ffff:0:0/96\n");
	assert_fails(fx, HDR "lan6 fec0::/16\n",
		     "t.conf:3: error: lan6: \"fec0::/16\" is not a LAN's global prefix: it overlaps site-local, fec0::/10, deprecated\n");
	assert_fails(fx, HDR "lan6 2001:db8:1::/64,2001:db8:2::/64,2001:db8:3::/64,2001:db8:4::/64,,\n",
		     "t.conf:3: error: lan6: empty entry\n"
		     "t.conf:3: error: lan6: empty entry\n"
		     "t.conf:3: error: lan6: more than 4 prefixes\n");
	assert_fails(fx, HDR "lan6 2001:db8::/32,2001:db8:168::/64,2001:db8::/32\n",
		     "t.conf:3: error: lan6: \"2001:db8:168::/64\" overlaps 2001:db8::/32, listed before\n"
		     "t.conf:3: error: lan6: \"2001:db8::/32\" overlaps 2001:db8::/32, listed before\n");
	assert_fails(fx, HDR "lan6 2001:db8:1::/64,2001:db8:2::/64,2001:db8:3::/64,2001:db8:4::/64,2001:db8:5::/64\n",
		     "t.conf:3: error: lan6: more than 4 prefixes\n");
	assert_fails(fx, HDR "lan6 2001:db8:1::/64\nlan6 2001:db8:2::/64\n",
		     "t.conf:4: error: lan6: already set on line 3\n");
}

static void test_from_mixes_ipv4_and_ipv6(void **state)
{
	struct fixture *fx = *state;
	const struct mxgw_policy_service *s;

	assert_parses(fx, HDR "service ldaps 636 allow allow from "
		      "198.51.100.0/24,2001:db8:51::/48,2001:db8:52::7,::/0,203.0.113.7,"
		      "2001:db8:53::/128\n");
	s = &fx->conf.policy.services[0];
	assert_int_equal(s->nfrom, 2);
	assert_int_equal(s->from[0].addr, ip("198.51.100.0"));
	assert_int_equal(s->from[0].len, 24);
	assert_int_equal(s->from[1].addr, ip("203.0.113.7"));
	assert_int_equal(s->from[1].len, 32);
	assert_int_equal(s->nfrom6, 4);
	assert_in6(&s->from6[0].addr, "2001:db8:51::");
	assert_int_equal(s->from6[0].len, 48);
	/* a bare address is a /128 */
	assert_in6(&s->from6[1].addr, "2001:db8:52::7");
	assert_int_equal(s->from6[1].len, 128);
	assert_in6(&s->from6[2].addr, "::");
	assert_int_equal(s->from6[2].len, 0);
	assert_in6(&s->from6[3].addr, "2001:db8:53::");
	assert_int_equal(s->from6[3].len, 128);
	assert_true(mxgw_policy_service_has_from(s));

	/* IPv6 alone restricts too: to gateway without from warns only
	 * without any from, and from on a denied service has no effect */
	assert_parses(fx, HDR "service ssh 22 allow allow from 2001:db8:51::/48 to gateway\n");
	s = &fx->conf.policy.services[0];
	assert_int_equal(s->nfrom, 0);
	assert_int_equal(s->nfrom6, 1);
	assert_true(mxgw_policy_service_has_from(s));
	assert_string_equal(parse(fx, HDR "service imap 143 allow deny from 2001:db8::/32\n"),
			    "t.conf:3: warning: service imap: from: has no effect: incoming is deny\n");
	assert_string_equal(parse(fx, HDR "service smtp 25 allow allow from 2001:db8::/32\n"),
			    "t.conf:3: warning: service smtp: from: any SMTP server on the Internet must be able to reach port 25 (MX delivery), so restricting it breaks mail delivery\n");
}

static void test_from_ipv6_bad_entries_are_each_reported(void **state)
{
	struct fixture *fx = *state;

	assert_fails(fx, HDR "service a 636 allow allow from "
		     "2001:db8::g,2001:db8::/129,2001:db8::/,2001:db8::/064,2001:db8::1/64,"
		     "2001:db8::/48,2001:db8::/48,fe80::1%eth0,[2001:db8::1],10.0.0.0/8,2001:db8::/x\n",
		     "t.conf:3: error: service a: from: \"2001:db8::g\" is not an IPv6 address or prefix\n"
		     "t.conf:3: error: service a: from: \"2001:db8::/129\": prefix length must be 0..128\n"
		     "t.conf:3: error: service a: from: \"2001:db8::/\": prefix length must be 0..128\n"
		     "t.conf:3: error: service a: from: \"2001:db8::/064\": prefix length must be 0..128\n"
		     "t.conf:3: error: service a: from: \"2001:db8::1/64\": host bits set (network is 2001:db8::/64)\n"
		     "t.conf:3: error: service a: from: \"2001:db8::/48\" listed twice\n"
		     "t.conf:3: error: service a: from: \"fe80::1%eth0\" is not an IPv6 address or prefix\n"
		     "t.conf:3: error: service a: from: \"[2001:db8::1]\" is not an IPv6 address or prefix\n"
		     "t.conf:3: error: service a: from: \"2001:db8::/x\": prefix length must be 0..128\n");
	/* the same prefix written twice differently is listed twice */
	assert_fails(fx, HDR "service a 636 allow allow from 2001:db8::/32,2001:0db8:0::/32\n",
		     "t.conf:3: error: service a: from: \"2001:0db8:0::/32\" listed twice\n");
}

/* The limit counts the list, whatever the family of its entries. */
static void test_from_64_entries_of_both_families_ok_65th_is_an_error(void **state)
{
	struct fixture *fx = *state;
	struct text t;
	char *list, *text;

	text_open(&t);
	for (unsigned int i = 0; i < MXGW_POLICY_MAX_FROM_PER_SVC; i++)
		fprintf(t.f, i & 1 ? "%s2001:db8::%x" : "%s10.0.0.%u", i ? "," : "", i);
	list = text_close(&t);
	text = xasprintf(HDR "service a 636 allow allow from %s\n", list);
	assert_parses(fx, text);
	assert_int_equal(fx->conf.policy.services[0].nfrom, 32);
	assert_int_equal(fx->conf.policy.services[0].nfrom6, 32);
	assert_in6(&fx->conf.policy.services[0].from6[31].addr, "2001:db8::3f");
	free(text);
	text = xasprintf(HDR "service a 636 allow allow from %s,2001:db8::ffff\n", list);
	assert_fails(fx, text, "t.conf:3: error: service a: from: more than 64 entries\n");
	free(text);
	free(list);
	/* every entry IPv6: the array holds them all */
	text_open(&t);
	for (unsigned int i = 0; i < MXGW_POLICY_MAX_FROM_PER_SVC; i++)
		fprintf(t.f, "%s2001:db8::%x", i ? "," : "", i);
	list = text_close(&t);
	text = xasprintf(HDR "service a 636 allow allow from %s\n", list);
	assert_parses(fx, text);
	assert_int_equal(fx->conf.policy.services[0].nfrom6, 64);
	free(text);
	free(list);
}

/* A "to gateway" service restricted to IPv6 sources lets no IPv4 one in. */
static void test_lets_in_to_gateway_ipv6_from_alone_keeps_ipv4_out(void **state)
{
	struct fixture *fx = *state;
	const struct mxgw_policy *c = &fx->conf.policy;

	assert_parses(fx, HDR "service ssh 22 allow allow from 2001:db8:51::/48 to gateway\n");
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("198.51.100.7")));
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("0.0.0.0")));
	assert_parses(fx, HDR "service ssh 22 allow allow from 2001:db8:51::/48,198.51.100.7 to gateway\n");
	assert_true(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("198.51.100.7")));
	assert_false(mxgw_policy_lets_in_to_gateway(c, IPPROTO_TCP, 22, ip("198.51.100.8")));
}

static void test_prefix6_helpers(void **state)
{
	struct mxgw_in6 m, a;
	struct mxgw_cidr6 c48 = { ip6("2001:db8:51::"), 48 }, c64 = { ip6("2001:db8:51:1::"), 64 };
	struct mxgw_cidr6 other = { ip6("2001:db8:52::"), 48 }, all = { ip6("::"), 0 };
	struct mxgw_cidr6 host = { ip6("2001:db8:51::7"), 128 };
	struct mxgw_prefix6 p;

	(void)state;
	m = mxgw_prefix6_mask(0);
	assert_in6(&m, "::");
	m = mxgw_prefix6_mask(1);
	assert_in6(&m, "8000::");
	m = mxgw_prefix6_mask(48);
	assert_in6(&m, "ffff:ffff:ffff::");
	m = mxgw_prefix6_mask(65);
	assert_in6(&m, "ffff:ffff:ffff:ffff:8000::");
	m = mxgw_prefix6_mask(127);
	assert_in6(&m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	m = mxgw_prefix6_mask(128);
	assert_in6(&m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	m = mxgw_prefix6_mask(200);
	assert_in6(&m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

	a = ip6("2001:db8:51:ffff::1");
	assert_true(mxgw_cidr6_contains(&c48, &a));
	assert_false(mxgw_cidr6_contains(&c64, &a));
	assert_false(mxgw_cidr6_contains(&other, &a));
	assert_true(mxgw_cidr6_contains(&all, &a));
	a = ip6("2001:db8:51::7");
	assert_true(mxgw_cidr6_contains(&host, &a));
	a = ip6("2001:db8:51::8");
	assert_false(mxgw_cidr6_contains(&host, &a));

	/* the data plane's form clears host bits, never trusts them */
	c64.addr = ip6("2001:db8:51:1::99");
	p = mxgw_prefix6_of(&c64);
	assert_in6(&p.net, "2001:db8:51:1::");
	assert_in6(&p.mask, "ffff:ffff:ffff:ffff::");
	a = ip6("2001:db8:51:1:2::3");
	assert_true(mxgw_prefix6_contains(&p, &a));
	a = ip6("2001:db8:51:2::");
	assert_false(mxgw_prefix6_contains(&p, &a));

	assert_true(mxgw_cidr6_overlap(&c48, &c64));
	assert_true(mxgw_cidr6_overlap(&c64, &c48));
	assert_false(mxgw_cidr6_overlap(&c48, &other));
	assert_true(mxgw_cidr6_overlap(&all, &other));
	assert_true(mxgw_cidr6_overlap(&host, &c48));
	assert_false(mxgw_cidr6_overlap(&host, &c64));
	a = ip6("2001:db8::1");
	m = ip6("2001:db8::1");
	assert_true(mxgw_in6_eq(&a, &m));
	m = ip6("2001:db8::2");
	assert_false(mxgw_in6_eq(&a, &m));
}

/* The shipped file's IPv6 example, uncommented, is a dual-stack config. */
static void test_shipped_config_ipv6_example_parses(void **state)
{
	struct fixture *fx = *state;
	unsigned int uncommented = 0;
	char *line = NULL, *text;
	size_t size = 0;
	struct text t;
	FILE *f;

	f = fopen(MXGW_SHIPPED_CONF, "r");
	assert_non_null(f);
	text_open(&t);
	while (getline(&line, &size, f) >= 0) {
		bool example = !strncmp(line, "#mailserver6\t", 13) || !strncmp(line, "#lan6\t", 6);

		uncommented += example;
		fputs(example ? line + 1 : line, t.f);
	}
	free(line);
	assert_int_equal(fclose(f), 0);
	text = text_close(&t);
	assert_int_equal(uncommented, 2);
	assert_parses(fx, text);
	assert_true(fx->conf.policy.has_mailserver6);
	assert_in6(&fx->conf.policy.mailserver6, "2001:db8:168::10");
	assert_int_equal(fx->conf.policy.nlan6, 1);
	free(text);
	/* as shipped: IPv4 alone */
	parse_file(fx, MXGW_SHIPPED_CONF);
	assert_int_equal(fx->rc, 0);
	assert_false(fx->conf.policy.has_mailserver6);
}

/* Over IPv6 the to gateway services' ports alone are the table's. */
static void test_lets_in_to_gateway6(void **state)
{
	struct fixture *fx = *state;
	const struct mxgw_policy *c = &fx->conf.policy;
	struct mxgw_in6 in = ip6("2001:db8:51::7"), out = ip6("2001:db8:52::7");

	/* (the parser warns of web: to gateway without from) */
	parse(fx, HDR "service ssh 22 allow allow from 198.51.100.0/24,2001:db8:51::/48 to gateway\n"
		  "service adm 2222 allow allow from 198.51.100.0/24 to gateway\n"
		  "service wg 51820/udp allow deny to gateway\n"
		  "service web 8443 allow allow to gateway\n"
		  "service smtp 25 allow allow\n"
		  "service imap 143 allow deny\n");
	assert_int_equal(fx->rc, 0);
	assert_true(mxgw_policy_lets_in_to_gateway6(c, IPPROTO_TCP, 22, &in));
	assert_false(mxgw_policy_lets_in_to_gateway6(c, IPPROTO_TCP, 22, &out));
	/* IPv4 prefixes alone: no IPv6 remote */
	assert_false(mxgw_policy_lets_in_to_gateway6(c, IPPROTO_TCP, 2222, &in));
	assert_false(mxgw_policy_lets_in_to_gateway6(c, IPPROTO_UDP, 51820, &in));
	assert_true(mxgw_policy_lets_in_to_gateway6(c, IPPROTO_TCP, 8443, &out));
	/* not the gateway's in the table: its own business over IPv6 (unlike
	 * the public address, where only to gateway services get in) */
	assert_true(mxgw_policy_lets_in_to_gateway6(c, IPPROTO_TCP, 25, &out));
	assert_true(mxgw_policy_lets_in_to_gateway6(c, IPPROTO_TCP, 143, &out));
	assert_true(mxgw_policy_lets_in_to_gateway6(c, IPPROTO_TCP, 2223, &out));
	assert_true(mxgw_policy_lets_in_to_gateway6(c, IPPROTO_UDP, 22, &out));
	assert_false(mxgw_policy_lets_in_to_gateway6(NULL, IPPROTO_TCP, 22, &in));
}

/* limit SERVICE RATE/UNIT [burst N] [ban DURATION] (issue 13) */
static const struct mxgw_policy_service *svc(const struct fixture *fx, const char *name)
{
	const struct mxgw_policy_service *s = mxgw_policy_find_service(&fx->conf.policy, name);

	assert_non_null(s);
	return s;
}

static void test_limit_parsed(void **state)
{
	struct fixture *fx = *state;
	const struct mxgw_policy_service *s;

	/* a limit may come before its service */
	assert_parses(fx, HDR "limit smtp 10/s\n"
			  "service smtp 25/tcp allow allow\n"
			  "service imaps 993/tcp allow allow\n"
			  "service dns 53/udp allow allow\n"
			  "limit imaps 30/m burst 5 ban 10m\n"
			  "limit dns 2/h ban 1d burst 1\n");
	s = svc(fx, "smtp");
	assert_int_equal(s->limit.rate, 10);
	assert_int_equal(s->limit.per_s, 1);
	assert_int_equal(s->limit.burst, 10);	/* default: the rate */
	assert_int_equal(s->limit.ban_s, 0);
	s = svc(fx, "imaps");
	assert_int_equal(s->limit.rate, 30);
	assert_int_equal(s->limit.per_s, 60);
	assert_int_equal(s->limit.burst, 5);
	assert_int_equal(s->limit.ban_s, 600);
	s = svc(fx, "dns");
	assert_int_equal(s->limit.rate, 2);
	assert_int_equal(s->limit.per_s, 3600);
	assert_int_equal(s->limit.burst, 1);
	assert_int_equal(s->limit.ban_s, 86400);
	/* none: rate 0 */
	assert_parses(fx, HDR "service smtp 25/tcp allow allow\n");
	assert_int_equal(svc(fx, "smtp")->limit.rate, 0);
}

static void test_limit_errors_name_the_field(void **state)
{
	struct fixture *fx = *state;
	const char *smtp = "service smtp 25/tcp allow allow\n";
	static const struct { const char *line, *msg; } bad[] = {
		{ "limit\n", "t.conf:4: error: limit: service: missing\n" },
		{ "limit smtp\n", "t.conf:4: error: limit smtp: rate: missing\n" },
		{ "limit SMTP 1/s\n", "t.conf:4: error: limit: service: \"SMTP\" is no service name\n" },
		{ "limit smtp 10\n",
		  "t.conf:4: error: limit smtp: rate: \"10\" is not a rate N/s, N/m or N/h (N 1..1000000)\n" },
		{ "limit smtp 0/s\n",
		  "t.conf:4: error: limit smtp: rate: \"0/s\" is not a rate N/s, N/m or N/h (N 1..1000000)\n" },
		{ "limit smtp 10/d\n",
		  "t.conf:4: error: limit smtp: rate: \"10/d\" is not a rate N/s, N/m or N/h (N 1..1000000)\n" },
		{ "limit smtp 1000001/s\n",
		  "t.conf:4: error: limit smtp: rate: \"1000001/s\" is not a rate N/s, N/m or N/h (N 1..1000000)\n" },
		{ "limit smtp 1.5/s\n",
		  "t.conf:4: error: limit smtp: rate: \"1.5/s\" is not a rate N/s, N/m or N/h (N 1..1000000)\n" },
		{ "limit smtp 10/s burst\n", "t.conf:4: error: limit smtp: burst: missing\n" },
		{ "limit smtp 10/s burst 0\n",
		  "t.conf:4: error: limit smtp: burst: \"0\" is not a number 1..1000000\n" },
		{ "limit smtp 10/s burst x\n",
		  "t.conf:4: error: limit smtp: burst: \"x\" is not a number 1..1000000\n" },
		{ "limit smtp 10/s ban 5y\n",
		  "t.conf:4: error: limit smtp: ban: \"5y\": a duration N[s|m|h|d] of 1s to 3650d\n" },
		{ "limit smtp 10/s ban\n", "t.conf:4: error: limit smtp: ban: missing\n" },
		{ "limit smtp 10/s every 5\n",
		  "t.conf:4: error: limit smtp: unexpected \"every\" (expected burst N or ban DURATION)\n" },
		{ "limit smtps 10/s\n",
		  "t.conf:4: error: limit smtps: service: \"smtps\" is no service of this config\n" },
		{ "limit smtp 10/s\nlimit smtp 5/s\n",
		  "t.conf:5: error: limit smtp: service: already limited on line 4\n" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "%s%s", smtp, bad[i].line);

		assert_fails(fx, text, bad[i].msg);
		free(text);
	}
}

/* syn-flood SERVICE N/s (issue 13) */
static void test_syn_flood_parsed(void **state)
{
	struct fixture *fx = *state;

	/* it may come before its service; default: off (0) */
	assert_parses(fx, HDR "syn-flood smtp 5000/s\n"
			  "service smtp 25/tcp allow allow\n"
			  "service imaps 993/tcp allow allow\n"
			  "service both 4443/tcp,udp allow allow\n"
			  "syn-flood both 1/s\n");
	assert_int_equal(svc(fx, "smtp")->syn_flood_rate, 5000);
	assert_int_equal(svc(fx, "imaps")->syn_flood_rate, 0);
	assert_int_equal(svc(fx, "both")->syn_flood_rate, 1);
}

static void test_syn_flood_errors_name_the_field(void **state)
{
	struct fixture *fx = *state;
	const char *svcs = "service smtp 25/tcp allow allow\nservice dns 53/udp allow allow\n";
	static const struct { const char *line, *msg; } bad[] = {
		{ "syn-flood\n", "t.conf:5: error: syn-flood: service: missing\n" },
		{ "syn-flood smtp\n", "t.conf:5: error: syn-flood smtp: threshold: missing\n" },
		{ "syn-flood SMTP 1/s\n",
		  "t.conf:5: error: syn-flood: service: \"SMTP\" is no service name\n" },
		{ "syn-flood smtp 10\n",
		  "t.conf:5: error: syn-flood smtp: threshold: \"10\" is not a rate N/s (N 1..1000000)\n" },
		{ "syn-flood smtp 10/m\n",
		  "t.conf:5: error: syn-flood smtp: threshold: \"10/m\" is not a rate N/s (N 1..1000000)\n" },
		{ "syn-flood smtp 0/s\n",
		  "t.conf:5: error: syn-flood smtp: threshold: \"0/s\" is not a rate N/s (N 1..1000000)\n" },
		{ "syn-flood smtp 1000001/s\n",
		  "t.conf:5: error: syn-flood smtp: threshold: \"1000001/s\" is not a rate N/s (N 1..1000000)\n" },
		{ "syn-flood smtp 10/s burst 5\n",
		  "t.conf:5: error: syn-flood smtp: unexpected \"burst\"\n" },
		{ "syn-flood smtps 10/s\n",
		  "t.conf:5: error: syn-flood smtps: service: \"smtps\" is no service of this config\n" },
		{ "syn-flood dns 10/s\n",
		  "t.conf:5: error: syn-flood dns: service: \"dns\" has no TCP: SYNs are TCP's\n" },
		{ "syn-flood smtp 10/s\nsyn-flood smtp 5/s\n",
		  "t.conf:6: error: syn-flood smtp: service: already has syn-flood on line 5\n" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "%s%s", svcs, bad[i].line);

		assert_fails(fx, text, bad[i].msg);
		free(text);
	}
}

/* syn-flood SERVICE N/s budget M/s (issue 13): M defaults to N (0 in the
 * policy: the map code applies the rate); M above N is allowed */
static void test_syn_flood_budget_parsed(void **state)
{
	struct fixture *fx = *state;

	assert_parses(fx, HDR "service smtp 25/tcp allow allow\n"
			  "service imaps 993/tcp allow allow\n"
			  "service both 4443/tcp,udp allow allow\n"
			  "syn-flood smtp 5000/s budget 500/s\n"
			  "syn-flood imaps 100/s\n"
			  "syn-flood both 10/s budget 1000000/s\n");
	assert_int_equal(svc(fx, "smtp")->syn_flood_rate, 5000);
	assert_int_equal(svc(fx, "smtp")->syn_flood_budget, 500);
	assert_int_equal(svc(fx, "imaps")->syn_flood_rate, 100);
	assert_int_equal(svc(fx, "imaps")->syn_flood_budget, 0);
	assert_int_equal(svc(fx, "both")->syn_flood_budget, 1000000);
}

static void test_syn_flood_budget_errors_name_the_field(void **state)
{
	struct fixture *fx = *state;
	const char *svcs = "service smtp 25/tcp allow allow\nservice dns 53/udp allow allow\n";
	static const struct { const char *line, *msg; } bad[] = {
		{ "syn-flood smtp 10/s budget\n",
		  "t.conf:5: error: syn-flood smtp: budget: missing\n" },
		{ "syn-flood smtp 10/s budget 0/s\n",
		  "t.conf:5: error: syn-flood smtp: budget: \"0/s\" is not a rate M/s (M 1..1000000)\n" },
		{ "syn-flood smtp 10/s budget 5\n",
		  "t.conf:5: error: syn-flood smtp: budget: \"5\" is not a rate M/s (M 1..1000000)\n" },
		{ "syn-flood smtp 10/s budget 5/m\n",
		  "t.conf:5: error: syn-flood smtp: budget: \"5/m\" is not a rate M/s (M 1..1000000)\n" },
		{ "syn-flood smtp 10/s budget 1000001/s\n",
		  "t.conf:5: error: syn-flood smtp: budget: \"1000001/s\" is not a rate M/s (M 1..1000000)\n" },
		{ "syn-flood smtp 10/s budget 5/s extra\n",
		  "t.conf:5: error: syn-flood smtp: unexpected \"extra\"\n" },
		{ "syn-flood smtp 0/s budget 5/s\n",
		  "t.conf:5: error: syn-flood smtp: threshold: \"0/s\" is not a rate N/s (N 1..1000000)\n" },
		{ "syn-flood dns 10/s budget 5/s\n",
		  "t.conf:5: error: syn-flood dns: service: \"dns\" has no TCP: SYNs are TCP's\n" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(HDR "%s%s", svcs, bad[i].line);

		assert_fails(fx, text, bad[i].msg);
		free(text);
	}
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_shipped_config_is_the_seed_table),
		T(test_minimal_config_defaults_to_deny_without_services),
		T(test_default_allow_and_deny),
		T(test_keywords_may_come_in_any_order),
		T(test_services_keep_file_order_and_line_numbers),
		T(test_verdict_columns_are_outgoing_then_incoming),
		T(test_unknown_keyword_is_an_error),
		T(test_public_rejects_anything_but_a_unicast_dotted_quad),
		T(test_mailserver_rejects_a_bad_address),
		T(test_address_keywords_need_exactly_one_field),
		T(test_public_and_mailserver_are_required),
		T(test_empty_config_reports_missing_at_line_0),
		T(test_keywords_may_appear_only_once),
		T(test_public_and_mailserver_must_differ),
		T(test_default_rejects_other_words),
		T(test_name_of_15_chars_is_accepted),
		T(test_name_of_16_chars_is_an_error),
		T(test_name_charset),
		T(test_duplicate_name_names_earlier_line),
		T(test_proto_defaults_to_tcp),
		T(test_proto_forms),
		T(test_proto_errors),
		T(test_port_bounds),
		T(test_port_must_be_plain_decimal),
		T(test_duplicate_port_proto_names_earlier_line),
		T(test_same_port_different_proto_is_fine),
		T(test_bad_verdict_names_the_column),
		T(test_missing_service_fields_name_the_first_missing),
		T(test_extra_field_after_incoming_is_an_error),
		T(test_from_cidr_forms),
		T(test_from_host_bits_set_is_an_error),
		T(test_from_bad_entries_are_each_reported),
		T(test_from_needs_exactly_one_list),
		T(test_from_64_entries_ok_65th_is_an_error),
		T(test_from_on_incoming_deny_warns),
		T(test_from_on_port_25_warns_but_parses),
		T(test_from_on_port_25_udp_is_not_smtp),
		T(test_255_services_ok_256th_is_an_error),
		T(test_line_of_max_length_is_accepted),
		T(test_overlong_line_is_an_error_and_parsing_goes_on),
		T(test_comments_full_line_and_trailing),
		T(test_blank_lines_are_ignored_but_counted),
		T(test_tabs_and_runs_of_blanks_separate_fields),
		T(test_crlf_line_ends_are_accepted),
		T(test_last_line_needs_no_newline),
		T(test_multiple_errors_are_all_reported),
		T(test_conf_is_zeroed_on_error),
		T(test_warnings_alone_do_not_fail),
		T(test_cannot_open_file_gives_enoent),
		T(test_unreadable_file_gives_its_errno),
		T(test_file_and_string_parse_alike),
		T(test_nul_byte_in_file_is_an_error),
		T(test_path_is_recorded_and_truncated),
		T(test_null_err_stream_is_silent),
		T(test_ct_state_names_and_default_timeouts_follow_the_enum),
		T(test_nat_settings_default_when_absent),
		T(test_nat_ports_parsed),
		T(test_nat_ports_outside_1024_65535_is_an_error),
		T(test_nat_ports_reversed_is_an_error),
		T(test_nat_ports_is_one_field_without_blanks),
		T(test_nat_ports_must_be_plain_decimal),
		T(test_nat_ports_fewer_than_1024_usable_warns_but_parses),
		T(test_nat_ports_usable_count_leaves_out_service_ports),
		T(test_nat_ports_warning_names_the_protocol_with_fewest),
		T(test_nat_ports_of_service_ports_only_is_an_error),
		T(test_nat_ports_one_free_port_per_protocol_is_enough_to_parse),
		T(test_conntrack_max_parsed_within_bounds),
		T(test_conntrack_max_out_of_range_or_not_a_number_is_an_error),
		T(test_timeout_parsed_for_every_name),
		T(test_timeout_unknown_name_lists_the_valid_ones),
		T(test_timeout_seconds_out_of_range_or_not_a_number_is_an_error),
		T(test_timeout_needs_a_name_and_seconds),
		T(test_timeout_twice_for_one_name_names_earlier_line),
		T(test_icmp_echo_allow_and_deny),
		T(test_icmp_echo_rejects_other_words),
		T(test_nat_keywords_may_appear_only_once),
		T(test_nat_errors_are_all_reported),
		T(test_shipped_config_has_every_nat_default),
		T(test_shipped_config_comments_show_the_true_defaults),
		T(test_shipped_config_has_the_seed_dns_records),
		T(test_dns_keys_absent_have_defaults),
		T(test_dns_keys_parsed),
		T(test_dns_name_errors_say_why),
		T(test_dns_name_length_limits),
		T(test_dns_keywords_need_their_fields),
		T(test_mx_preference_bounds_and_format),
		T(test_dns_settings_may_appear_only_once),
		T(test_backup_mx_up_to_4_distinct_hosts),
		T(test_backup_mx_preference_not_above_primary_warns),
		T(test_dns_keywords_without_domain_or_mx_host_warn),
		T(test_mx_host_outside_domain_warns_only_when_it_looks_like_a_slip),
		T(test_dns_name_within),
		T(test_log_rate_default_and_bounds),
		T(test_log_rate_errors),
		T(test_xdp_attach_and_priority),
		T(test_xdp_redirect_auto_off_or_named_devices),
		T(test_lines_of_settings_are_recorded),
		T(test_nwarnings_counts_the_warnings_printed),
		T(test_verdict_str),
		T(test_protos_str),
		T(test_find_service),
		T(test_to_gateway_after_from_or_alone),
		T(test_to_gateway_errors_name_the_field),
		T(test_to_gateway_warnings),
		T(test_lets_in_to_gateway),
		T(test_dev_zero_is_refused_at_once),
		T(test_larger_than_1_mib_is_refused),
		T(test_fifo_without_a_writer_does_not_block),
		T(test_fifo_with_a_writer_is_read_to_the_end),
		T(test_fifo_larger_than_1_mib_is_refused),
		T(test_utf8_bom_first_is_skipped),
		T(test_cr_only_line_ends_are_one_clear_error),
		T(test_unreadable_line_is_not_also_missing_keywords),
		T(test_mailserver6_parsed),
		T(test_mailserver6_rejects_a_malformed_address),
		T(test_mailserver6_rejects_a_non_global_address),
		T(test_mailserver6_needs_one_address_once),
		T(test_lan6_parsed),
		T(test_lan6_errors_name_each_entry),
		T(test_from_mixes_ipv4_and_ipv6),
		T(test_from_ipv6_bad_entries_are_each_reported),
		T(test_from_64_entries_of_both_families_ok_65th_is_an_error),
		T(test_lets_in_to_gateway_ipv6_from_alone_keeps_ipv4_out),
		T(test_prefix6_helpers),
		T(test_shipped_config_ipv6_example_parses),
		T(test_lets_in_to_gateway6),
		T(test_limit_parsed),
		T(test_limit_errors_name_the_field),
		T(test_syn_flood_parsed),
		T(test_syn_flood_errors_name_the_field),
		T(test_syn_flood_budget_parsed),
		T(test_syn_flood_budget_errors_name_the_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
