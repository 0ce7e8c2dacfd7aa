// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_advice.c - unit tests of mxctl check: the advice checks
 * (ctl/advice.c), one test per warning with its exact wording, and the
 * handler (ctl/cmd_check.c): the parser's warnings next to the advice's,
 * in line order, and the exit status (0 clean, 1 errors, 3 warnings).
 */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "config.h"
#include "mxctl.h"
#include "advice.h"
#include "args.h"
#include "unit.h"

#ifndef MXGW_SHIPPED_CONF
#error "build with -DMXGW_SHIPPED_CONF=\"path/to/etc/mxgw.conf\""
#endif

/* mxctl check as mxctl runs it: its words parsed by its table (args.c). */
static int cmd_check(const struct mxctl_opts *opts, int argc, char **argv)
{
	struct mxctl_opts o = *opts;

	return mxctl_run(&mxctl_cmd_check, &o, argc, argv);
}

/*
 * Two valid lines and outgoing DNS, so that a test sees only the warning
 * it is about; the first line under test is line 4.
 */
#define HDR	"public 215.75.128.33\nmailserver 192.168.1.10\n" \
		"service dns 53/tcp,udp allow deny\n"

/* The messages, as the operator reads them. */
#define PLAIN(NAME, PORT, TLS) \
	"allow maps plaintext " NAME " (" #PORT "/tcp) from the Internet, where passwords would cross in clear; " \
	"Table 1.1 of the Kerio MailServer guide maps only SSL/TLS services from the Internet: offer " TLS " and deny " #PORT
#define NO_DNS_SVC(WHAT) \
	"deny leaves the mail server no DNS (" WHAT "): it cannot look up its recipients' MX records, so it delivers no mail"
#define NO_DNS_DEFAULT(IMPLICIT, WHAT) \
	"deny" IMPLICIT ", and no service allows outgoing DNS (" WHAT "): the mail server cannot look up its recipients' MX records, " \
	"so it delivers no mail (service dns 53/tcp,udp allow deny)"
#define NO_DNS_TCP_SVC \
	"deny blocks DNS over TCP (53/tcp): answers too large for UDP (long TXT records for SPF and DKIM, DNSSEC) are retried over TCP and fail (RFC 7766)"
#define NO_DNS_TCP_DEFAULT(IMPLICIT) \
	"deny" IMPLICIT ", and no service allows outgoing DNS over TCP (53/tcp): answers too large for UDP (long TXT records for SPF and DKIM, DNSSEC) " \
	"are retried over TCP and fail (RFC 7766)"
#define PUBLIC_PRIVATE(ADDR, CIDR, WHAT) \
	ADDR " is in " CIDR " (" WHAT "), which the Internet cannot reach: the MX host's A record must be an address other mail servers " \
	"can connect to (behind another NAT, that NAT has to map the ports too)"
#define MAILSERVER_PUBLIC(ADDR) \
	ADDR " is not a private address (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16): the Kerio MailServer guide (section 1.1) puts the mail server on the LAN behind the " \
	"gateway, reachable from the Internet only through the mapped ports"
#define TO_GATEWAY_MAPPED(NAME, PORT) \
	"gateway takes " NAME " (" #PORT "/tcp) from the mail server: its clients on the Internet reach the gateway instead " \
	"(Table 1.1 of the Kerio MailServer guide maps " #PORT " to the mail server)"
#define TO_GATEWAY_SMTP \
	"gateway takes SMTP (25/tcp) from the mail server: every SMTP server on the Internet delivering to the MX host reaches " \
	"the gateway instead, so no mail reaches the mail server through mxgw (Table 1.1 of the Kerio MailServer guide maps 25 to it)"
#define DEFAULT_ALLOW \
	"allow opens every port the table does not list, incoming to the mail server and outgoing to the Internet; Table 1.1 of the Kerio MailServer guide maps only " \
	"the services it names, so use default deny and list what must pass"

/* ---- stubs of mxctl.c -------------------------------------------------- */

static char stub_msgs[4096];

void mxctl_err(const char *fmt, ...)
{
	size_t len = strlen(stub_msgs);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(stub_msgs + len, sizeof(stub_msgs) - len, fmt, ap);
	va_end(ap);
	len = strlen(stub_msgs);
	snprintf(stub_msgs + len, sizeof(stub_msgs) - len, "\n");
}

void mxctl_errors_as_json(bool on)
{
	(void)on;
}

int mxctl_usage(const char *cmd, const char *fmt, ...)
{
	size_t len = strlen(stub_msgs);
	va_list ap;

	(void)cmd;
	va_start(ap, fmt);
	vsnprintf(stub_msgs + len, sizeof(stub_msgs) - len, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* ---- helpers ----------------------------------------------------------- */

static struct mxgw_conf_file conf;
static struct mxgw_finding found[MXGW_ADVICE_MAX_FINDINGS];

/* Parse @text (no message at all) and check it; returns the count. */
static unsigned int check(const char *text)
{
	char *msgs = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&msgs, &len);
	unsigned int n;

	assert_non_null(err);
	assert_int_equal(mxgw_conf_parse_string("t.conf", text, &conf, err), 0);
	assert_int_equal(fclose(err), 0);
	assert_string_equal(msgs, "");
	free(msgs);
	memset(found, 0x5a, sizeof(found));
	n = mxgw_advice_check(&conf, found, MXGW_ADVICE_MAX_FINDINGS);
	assert_true(n <= MXGW_ADVICE_MAX_FINDINGS);
	return n;
}

static void assert_finding(const struct mxgw_finding *f, unsigned int line,
			   const char *field, const char *sub, const char *msg)
{
	assert_int_equal(f->severity, MXGW_SEV_WARNING);
	assert_int_equal(f->line, line);
	assert_string_equal(f->field, field);
	assert_string_equal(f->sub, sub);
	assert_string_equal(f->message, msg);
}

/* Exactly one finding, this one. */
static void assert_one(const char *text, unsigned int line, const char *field,
		       const char *sub, const char *msg)
{
	assert_int_equal(check(text), 1);
	assert_finding(&found[0], line, field, sub, msg);
}

static void assert_none(const char *text)
{
	assert_int_equal(check(text), 0);
}

/* cmd_check on @path; returns what it printed (stdout), the status in *ret. */
static char *run_check(const char *path, bool json, int argc, char **argv,
		       int *ret)
{
	struct mxctl_opts opts = { .conf_path = path, .json = json };
	FILE *tmp = tmpfile();
	int saved;

	assert_non_null(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	stub_msgs[0] = '\0';
	*ret = cmd_check(&opts, argc, argv);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	return unit_slurp(tmp);
}

/* cmd_check on @text written to a file; @want has "@" for its path. */
static void assert_check(const char *text, int status, const char *want)
{
	char *path = unit_write_temp(text), *out, *expect = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&expect, &len);
	int ret;

	assert_non_null(f);
	for (const char *p = want; *p; p++) {
		if (*p == '@')
			fputs(path, f);
		else
			fputc(*p, f);
	}
	assert_int_equal(fclose(f), 0);
	out = run_check(path, false, 0, NULL, &ret);
	assert_string_equal(out, expect);
	assert_int_equal(ret, status);
	assert_string_equal(stub_msgs, "");
	free(out);
	free(expect);
	unlink(path);
	free(path);
}

/* ---- the shipped config ------------------------------------------------ */

static void test_shipped_config_gives_no_warning(void **state)
{
	(void)state;
	assert_int_equal(mxgw_conf_parse_file(MXGW_SHIPPED_CONF, &conf, NULL), 0);
	assert_int_equal(conf.nwarnings, 0);
	assert_int_equal(mxgw_advice_check(&conf, found, MXGW_ADVICE_MAX_FINDINGS), 0);
}

static void test_cmd_check_shipped_config_is_clean(void **state)
{
	char *out, *want;
	int ret;

	(void)state;
	out = run_check(MXGW_SHIPPED_CONF, false, 0, NULL, &ret);
	assert_int_equal(ret, 0);
	assert_true(asprintf(&want, "%s: valid, no warnings\n", MXGW_SHIPPED_CONF) > 0);
	assert_string_equal(out, want);
	free(want);
	free(out);
}

/* ---- plaintext services allowed incoming ------------------------------- */

static void test_plaintext_service_allowed_incoming_warns(void **state)
{
	(void)state;
	assert_one(HDR "service pop3 110 allow allow\n", 4, "service pop3", "incoming",
		   PLAIN("POP3", 110, "POP3S (995)"));
	assert_one(HDR "service imap 143/tcp deny allow\n", 4, "service imap", "incoming",
		   PLAIN("IMAP", 143, "IMAPS (993)"));
	assert_one(HDR "service news 119 allow allow\n", 4, "service news", "incoming",
		   PLAIN("NNTP", 119, "NNTPS (563)"));
	assert_one(HDR "service ldap 389/tcp,udp allow allow\n", 4, "service ldap", "incoming",
		   PLAIN("LDAP", 389, "LDAPS (636)"));
	assert_one(HDR "service web 80 allow allow\n", 4, "service web", "incoming",
		   PLAIN("HTTP", 80, "HTTPS (443)"));
	/* Restricting the sources does not encrypt anything. */
	assert_one(HDR "service imap 143 allow allow from 198.51.100.0/24\n", 4,
		   "service imap", "incoming", PLAIN("IMAP", 143, "IMAPS (993)"));
}

static void test_plaintext_service_denied_incoming_or_tls_is_fine(void **state)
{
	(void)state;
	/* The seed's table: outgoing only. */
	assert_none(HDR "service pop3 110 allow deny\nservice imap 143 allow deny\n"
		    "service nntp 119 allow deny\nservice ldap 389 allow deny\n"
		    "service http 80 allow deny\n");
	/* The SSL/TLS twins, and the port by its number, not its name. */
	assert_none(HDR "service pop3s 995 allow allow\nservice imaps 993 allow allow\n"
		    "service pop3 1110 allow allow\n");
	/* Not TCP: no POP3. */
	assert_none(HDR "service odd 110/udp allow allow\n");
}

/* ---- port 25 restricted by from: the parser's, never repeated ---------- */

static void test_from_on_port_25_is_left_to_the_parser(void **state)
{
	struct mxgw_finding f[4];

	(void)state;
	assert_int_equal(mxgw_conf_parse_string("t.conf",
						HDR "service smtp 25 allow allow from 198.51.100.0/24\n",
						&conf, NULL), 0);
	assert_int_equal(conf.nwarnings, 1);
	assert_int_equal(mxgw_advice_check(&conf, f, 4), 0);
}

static void test_cmd_check_shows_the_parser_warning_once(void **state)
{
	(void)state;
	assert_check(HDR "service smtp 25 allow allow from 198.51.100.0/24\n", 3,
		     "@:4: warning: service smtp: from: any SMTP server on the Internet must be able to reach port 25 (MX delivery), so restricting it breaks mail delivery\n"
		     "@: valid, 1 warning\n");
}

/* ---- outgoing DNS ------------------------------------------------------ */

static void test_no_outgoing_dns_under_default_deny_warns(void **state)
{
	(void)state;
	/* At the default line when there is one, at the end when implicit. */
	assert_one("public 215.75.128.33\nmailserver 192.168.1.10\ndefault deny\n"
		   "service smtp 25 allow allow\n", 3, "default", "",
		   NO_DNS_DEFAULT("", "53/udp and 53/tcp"));
	assert_one("public 215.75.128.33\nmailserver 192.168.1.10\n"
		   "service smtp 25 allow allow\n# end\n", 4, "default", "",
		   NO_DNS_DEFAULT(" (implicit)", "53/udp and 53/tcp"));
}

static void test_dns_service_denying_outgoing_warns_on_its_line(void **state)
{
	(void)state;
	assert_one("public 215.75.128.33\nmailserver 192.168.1.10\n"
		   "service dns 53/tcp,udp deny deny\n", 3, "service dns", "outgoing",
		   NO_DNS_SVC("53/udp and 53/tcp"));
	/* Even under default allow: the listed verdict is what applies. */
	assert_int_equal(check("public 215.75.128.33\nmailserver 192.168.1.10\n"
			       "service dns 53/udp,tcp deny deny\ndefault allow\n"), 2);
	assert_finding(&found[0], 3, "service dns", "outgoing",
		       NO_DNS_SVC("53/udp and 53/tcp"));
	assert_finding(&found[1], 4, "default", "", DEFAULT_ALLOW);
}

static void test_dns_over_tcp_denied_warns_separately(void **state)
{
	(void)state;
	/* UDP only listed, default deny for 53/tcp. */
	assert_one("public 215.75.128.33\nmailserver 192.168.1.10\n"
		   "service dns 53/udp allow deny\n", 3, "default", "",
		   NO_DNS_TCP_DEFAULT(" (implicit)"));
	/* Two services, TCP's denying. */
	assert_one("public 215.75.128.33\nmailserver 192.168.1.10\n"
		   "service dns 53/udp allow deny\nservice dnstcp 53/tcp deny deny\n",
		   4, "service dnstcp", "outgoing", NO_DNS_TCP_SVC);
	/* Two services, both denying: each on its own line. */
	assert_int_equal(check("public 215.75.128.33\nmailserver 192.168.1.10\n"
			       "service dns 53/udp deny deny\nservice dnstcp 53/tcp deny deny\n"), 2);
	assert_finding(&found[0], 3, "service dns", "outgoing", NO_DNS_SVC("53/udp"));
	assert_finding(&found[1], 4, "service dnstcp", "outgoing", NO_DNS_TCP_SVC);
}

static void test_outgoing_dns_allowed_is_fine(void **state)
{
	(void)state;
	assert_none(HDR);
	assert_none("public 215.75.128.33\nmailserver 192.168.1.10\n"
		    "service dns 53/udp allow deny\nservice dnstcp 53/tcp allow deny\n");
	/* default allow lets it out (and is warned about for itself). */
	assert_one("public 215.75.128.33\nmailserver 192.168.1.10\ndefault allow\n",
		   3, "default", "", DEFAULT_ALLOW);
}

/* ---- addresses --------------------------------------------------------- */

static void test_public_address_in_a_private_range_warns(void **state)
{
	static const struct {
		const char *addr;
		const char *msg;
	} cases[] = {
		{ "10.0.0.1", PUBLIC_PRIVATE("10.0.0.1", "10.0.0.0/8", "private, RFC 1918") },
		{ "10.255.255.254", PUBLIC_PRIVATE("10.255.255.254", "10.0.0.0/8", "private, RFC 1918") },
		{ "172.16.0.1", PUBLIC_PRIVATE("172.16.0.1", "172.16.0.0/12", "private, RFC 1918") },
		{ "172.31.255.1", PUBLIC_PRIVATE("172.31.255.1", "172.16.0.0/12", "private, RFC 1918") },
		{ "192.168.0.1", PUBLIC_PRIVATE("192.168.0.1", "192.168.0.0/16", "private, RFC 1918") },
		{ "100.64.0.1", PUBLIC_PRIVATE("100.64.0.1", "100.64.0.0/10", "carrier-grade NAT, RFC 6598") },
		{ "100.127.255.254", PUBLIC_PRIVATE("100.127.255.254", "100.64.0.0/10", "carrier-grade NAT, RFC 6598") },
		{ "169.254.1.1", PUBLIC_PRIVATE("169.254.1.1", "169.254.0.0/16", "link-local, RFC 3927") },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text;

		assert_true(asprintf(&text, "mailserver 192.168.1.10\n"
				     "service dns 53/tcp,udp allow deny\npublic %s\n",
				     cases[i].addr) > 0);
		assert_one(text, 3, "public", "", cases[i].msg);
		free(text);
	}
}

static void test_public_address_just_outside_the_ranges_is_fine(void **state)
{
	static const char *const ok[] = {
		"215.75.128.33", "9.255.255.255", "11.0.0.0", "172.15.255.255",
		"172.32.0.0", "192.167.255.255", "192.169.0.1", "100.63.255.255",
		"100.128.0.0", "169.253.255.255", "169.255.0.1",
		/* the documentation ranges are not private */
		"192.0.2.1", "198.51.100.7", "203.0.113.5",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *text;

		assert_true(asprintf(&text, "mailserver 192.168.1.10\n"
				     "service dns 53/tcp,udp allow deny\npublic %s\n",
				     ok[i]) > 0);
		assert_none(text);
		free(text);
	}
}

static void test_mail_server_outside_the_private_ranges_warns(void **state)
{
	static const char *const bad[] = {
		"203.0.113.10", "8.8.8.8", "172.32.0.1", "100.64.0.1", "169.254.0.2",
	};
	static const char *const ok[] = {
		"10.0.0.2", "172.16.5.5", "172.31.0.1", "192.168.255.1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text, *msg;

		assert_true(asprintf(&text, "public 215.75.128.33\n"
				     "service dns 53/tcp,udp allow deny\nmailserver %s\n",
				     bad[i]) > 0);
		assert_true(asprintf(&msg, MAILSERVER_PUBLIC("%s"), bad[i]) > 0);
		assert_one(text, 3, "mailserver", "", msg);
		free(text);
		free(msg);
	}
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *text;

		assert_true(asprintf(&text, "public 215.75.128.33\n"
				     "service dns 53/tcp,udp allow deny\nmailserver %s\n",
				     ok[i]) > 0);
		assert_none(text);
		free(text);
	}
}

/* ---- default allow ----------------------------------------------------- */

static void test_default_allow_warns(void **state)
{
	(void)state;
	assert_one(HDR "\ndefault allow\n", 5, "default", "", DEFAULT_ALLOW);
	assert_none(HDR "default deny\n");
}

/* ---- all of them ------------------------------------------------------- */

static const char every_warning[] =
	"# every warning mxctl check knows\n"		/* 1 */
	"public      10.1.2.3\n"			/* 2 */
	"mailserver  203.0.113.10\n"			/* 3 */
	"default     allow\n"				/* 4 */
	"domain      company.com\n"			/* 5 */
	"mx-host     mail.company.com\n"		/* 6 */
	"backup-mx   backup.company.com 10\n"		/* 7 */
	"\n"						/* 8 */
	"service  smtp   25/tcp   allow  allow  from 198.51.100.0/24\n"	/* 9 */
	"service  pop3   110      allow  allow\n"	/* 10 */
	"service  imap   143      allow  allow\n"	/* 11 */
	"service  nntp   119      allow  allow\n"	/* 12 */
	"service  ldap   389      allow  allow\n"	/* 13 */
	"service  http   80       allow  allow\n"	/* 14 */
	"service  dns    53/udp   deny   deny\n";	/* 15 */

static void test_findings_come_in_line_order(void **state)
{
	static const unsigned int lines[] = { 2, 3, 4, 10, 11, 12, 13, 14, 15 };
	struct mxgw_conf_file c;

	(void)state;
	assert_int_equal(mxgw_conf_parse_string("t.conf", every_warning, &c, NULL), 0);
	assert_int_equal(c.nwarnings, 2);	/* from on 25, backup-mx preference */
	assert_int_equal(mxgw_advice_check(&c, found, MXGW_ADVICE_MAX_FINDINGS), 9);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(found[i].line, lines[i]);
	assert_string_equal(found[8].field, "service dns");
	assert_string_equal(found[8].message, NO_DNS_SVC("53/udp"));
}

static void test_more_findings_than_room_are_counted(void **state)
{
	struct mxgw_finding f[3];

	(void)state;
	memset(f, 0, sizeof(f));
	assert_int_equal(mxgw_conf_parse_string("t.conf", every_warning, &conf, NULL), 0);
	assert_int_equal(mxgw_advice_check(&conf, f, 2), 9);
	assert_int_equal(f[0].line, 2);
	assert_int_equal(f[1].line, 3);
	/* Nothing written past @max. */
	assert_int_equal(f[2].line, 0);
	assert_int_equal(mxgw_advice_check(&conf, NULL, 0), 9);
}

static void test_finding_print_matches_the_parser(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(check(HDR "service pop3 110 allow allow\ndefault allow\n"), 2);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	mxgw_finding_print(&conf, &found[0], f);
	mxgw_finding_print(&conf, &found[1], f);
	found[1].severity = MXGW_SEV_ERROR;
	mxgw_finding_print(&conf, &found[1], f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf,
		"t.conf:4: warning: service pop3: incoming: " PLAIN("POP3", 110, "POP3S (995)") "\n"
		"t.conf:5: warning: default: " DEFAULT_ALLOW "\n"
		"t.conf:5: error: default: " DEFAULT_ALLOW "\n");
	free(buf);
}

/* ---- mxctl check ------------------------------------------------------- */

static void test_cmd_check_every_warning_in_line_order_exit_3(void **state)
{
	(void)state;
	assert_check(every_warning, 3,
		"@:2: warning: public: " PUBLIC_PRIVATE("10.1.2.3", "10.0.0.0/8", "private, RFC 1918") "\n"
		"@:3: warning: mailserver: " MAILSERVER_PUBLIC("203.0.113.10") "\n"
		"@:4: warning: default: " DEFAULT_ALLOW "\n"
		"@:7: warning: backup-mx: preference 10 is not above mx-preference 10: senders would try backup.company.com before the mx-host or as often\n"
		"@:9: warning: service smtp: from: any SMTP server on the Internet must be able to reach port 25 (MX delivery), so restricting it breaks mail delivery\n"
		"@:10: warning: service pop3: incoming: " PLAIN("POP3", 110, "POP3S (995)") "\n"
		"@:11: warning: service imap: incoming: " PLAIN("IMAP", 143, "IMAPS (993)") "\n"
		"@:12: warning: service nntp: incoming: " PLAIN("NNTP", 119, "NNTPS (563)") "\n"
		"@:13: warning: service ldap: incoming: " PLAIN("LDAP", 389, "LDAPS (636)") "\n"
		"@:14: warning: service http: incoming: " PLAIN("HTTP", 80, "HTTPS (443)") "\n"
		"@:15: warning: service dns: outgoing: " NO_DNS_SVC("53/udp") "\n"
		"@: valid, 11 warnings\n");
}

static void test_cmd_check_errors_exit_1_without_policy_checks(void **state)
{
	(void)state;
	/* default allow would warn, but a file that does not parse is not judged. */
	assert_check("public 1.2.3\nmailserver 192.168.1.10\ndefault allow\n"
		     "service smtp 25 allow allow from 10.0.0.0/8\nservice x 1 a deny\n", 1,
		     "@:1: error: public: \"1.2.3\" is not a dotted-quad IPv4 address\n"
		     "@:4: warning: service smtp: from: any SMTP server on the Internet must be able to reach port 25 (MX delivery), so restricting it breaks mail delivery\n"
		     "@:5: error: service x: outgoing: expected allow or deny, got \"a\"\n"
		     "@: 2 errors, 1 warning: load and reload would refuse it\n");
}

static void test_cmd_check_unreadable_file_exit_1(void **state)
{
	char *out;
	int ret;

	(void)state;
	out = run_check("/nonexistent/mxgw.conf", false, 0, NULL, &ret);
	assert_int_equal(ret, 1);
	assert_string_equal(out,
		"/nonexistent/mxgw.conf: error: cannot open: No such file or directory\n"
		"/nonexistent/mxgw.conf: 1 error, 0 warnings: load and reload would refuse it\n");
	free(out);
	out = run_check("/nonexistent/mxgw.conf", true, 0, NULL, &ret);
	assert_int_equal(ret, 1);
	assert_string_equal(out,
		"{\"path\":\"/nonexistent/mxgw.conf\",\"valid\":false,\"errors\":1,\"warnings\":0,"
		"\"diagnostics\":[{\"severity\":\"error\",\"field\":\"\","
		"\"message\":\"cannot open: No such file or directory\",\"source\":\"parser\"}]}\n");
	free(out);
}

static void test_cmd_check_json(void **state)
{
	char *path = unit_write_temp(HDR "service smtp 25 allow allow from 10.0.0.0/8\n"
				"service pop3 110 allow allow\n");
	char *out, *want;
	int ret;

	(void)state;
	out = run_check(path, true, 0, NULL, &ret);
	assert_int_equal(ret, 3);
	assert_true(asprintf(&want,
		"{\"path\":\"%s\",\"valid\":true,\"errors\":0,\"warnings\":2,\"diagnostics\":["
		"{\"severity\":\"warning\",\"line\":4,\"field\":\"service smtp\",\"message\":\"from: any SMTP server on the Internet must be able to reach port 25 (MX delivery), so restricting it breaks mail delivery\",\"source\":\"parser\"},"
		"{\"severity\":\"warning\",\"line\":5,\"field\":\"service pop3\",\"message\":\"incoming: " PLAIN("POP3", 110, "POP3S (995)") "\",\"source\":\"policy\"}"
		"]}\n", path) > 0);
	assert_string_equal(out, want);
	free(want);
	free(out);
	out = run_check(MXGW_SHIPPED_CONF, true, 0, NULL, &ret);
	assert_int_equal(ret, 0);
	assert_true(asprintf(&want, "{\"path\":\"%s\",\"valid\":true,\"errors\":0,\"warnings\":0,\"diagnostics\":[]}\n",
			     MXGW_SHIPPED_CONF) > 0);
	assert_string_equal(out, want);
	free(want);
	free(out);
	unlink(path);
	free(path);
}

static void test_cmd_check_takes_no_arguments(void **state)
{
	char *argv[] = { "etc/mxgw.conf", NULL };
	char *out;
	int ret;

	(void)state;
	out = run_check(MXGW_SHIPPED_CONF, false, 1, argv, &ret);
	assert_int_equal(ret, EXIT_USAGE);
	assert_string_equal(out, "");
	assert_string_equal(stub_msgs, "check takes no arguments (the file is -c FILE)");
	free(out);
}

/* ---- to gateway ------------------------------------------------------------ */

/* A port Table 1.1 maps to the mail server, taken by the gateway. */
static void test_to_gateway_on_a_mapped_port_warns(void **state)
{
	(void)state;
	assert_one(HDR "service relay 25 allow allow from 10.0.0.0/8 to gateway\n", 4,
		   "service relay", "to", TO_GATEWAY_SMTP);
	assert_one(HDR "service web 443 allow allow from 10.0.0.0/8 to gateway\n", 4,
		   "service web", "to", TO_GATEWAY_MAPPED("HTTPS", 443));
	assert_one(HDR "service imaps 993/tcp,udp allow deny to gateway\n", 4,
		   "service imaps", "to", TO_GATEWAY_MAPPED("IMAPS", 993));
	/* plaintext to the gateway: no mail-server password crosses; and a
	 * port Table 1.1 does not map is the gateway's to take */
	assert_none(HDR "service acme 80 allow allow from 10.0.0.0/8 to gateway\n"
		    "service ssh 22 allow allow from 10.0.0.0/8 to gateway\n"
		    "service syslog 514/udp allow allow from 10.0.0.0/8 to gateway\n"
		    "service smtp 25 allow allow\n");
	assert_none(HDR "service odd 993/udp allow allow from 10.0.0.0/8 to gateway\n");
}

/* A limit on SMTP below a burst of 20 or 1/s warns on the limit's line,
 * naming the field that is short (issue 13). */
#define SMTP_LIMIT(r, b, why)	r " burst " b " on SMTP (25/tcp) is below what legitimate MTAs need (a burst of 20: a Postfix opens up to 20 connections to one destination at once; 1/s: a large provider sends from one address all day): their mail is delayed" why

static void test_limit_on_smtp_below_mtas_needs_warns(void **state)
{
	(void)state;
	assert_one(HDR "service smtp 25 allow allow\nlimit smtp 30/m burst 20\n", 5,
		   "limit smtp", "rate", SMTP_LIMIT("30/m", "20", ""));
	assert_one(HDR "limit smtp 10/s burst 5 ban 1h\nservice smtp 25 allow allow\n", 4,
		   "limit smtp", "burst",
		   SMTP_LIMIT("10/s", "5", ", and with ban refused for the ban's time"));
	assert_one(HDR "service smtp 25 allow allow\nlimit smtp 1/s\n", 5,
		   "limit smtp", "burst", SMTP_LIMIT("1/s", "1", ""));
	/* enough: 1/s (3600/h) and a burst of 20 */
	assert_none(HDR "service smtp 25 allow allow\nlimit smtp 1/s burst 20\n");
	assert_none(HDR "service smtp 25 allow allow\nlimit smtp 3600/h burst 20\n");
	/* another port: the operator's call */
	assert_none(HDR "service smtp 25 allow allow\nservice imaps 993 allow allow\n"
		    "limit imaps 5/m burst 3 ban 1h\n");
}

/* A syn-flood threshold on SMTP below 20/s warns on the syn-flood's line
 * (issue 13). */
#define SMTP_SYN_FLOOD(r)	r "/s on SMTP (25/tcp) is below what legitimate MTAs need (20/s: a Postfix opens up to 20 connections to one destination at once): one sender's queue run turns flood mode on, and every new peer's first connection waits a SYN retransmission"

static void test_syn_flood_on_smtp_below_mtas_needs_warns(void **state)
{
	(void)state;
	assert_one(HDR "service smtp 25 allow allow\nsyn-flood smtp 10/s\n", 5,
		   "syn-flood smtp", "rate", SMTP_SYN_FLOOD("10"));
	assert_one(HDR "syn-flood smtp 19/s\nservice smtp 25 allow allow\n", 4,
		   "syn-flood smtp", "rate", SMTP_SYN_FLOOD("19"));
	/* enough */
	assert_none(HDR "service smtp 25 allow allow\nsyn-flood smtp 20/s\n");
	assert_none(HDR "service smtp 25 allow allow\nsyn-flood smtp 2000/s\n");
	/* another port: the operator's call */
	assert_none(HDR "service smtp 25 allow allow\nservice imaps 993 allow allow\n"
		    "syn-flood imaps 5/s\n");
}

/* No from: the parser's warning (shown at load too), never repeated. */
static void test_to_gateway_without_from_is_left_to_the_parser(void **state)
{
	(void)state;
	assert_check(HDR "service ssh 22 allow allow to gateway\n", 3,
		     "@:4: warning: service ssh: to: gateway without from opens the gateway's own 22/tcp to the whole Internet: restrict it to where it is managed from (from CIDR[,CIDR...] before to gateway)\n"
		     "@: valid, 1 warning\n");
}

/* What an operator reads: no "seed", the table named for what it is. */
static void test_no_message_speaks_of_the_seed(void **state)
{
	unsigned int n;

	(void)state;
	n = check("public 10.1.1.1\nmailserver 203.0.113.10\ndefault allow\n"
		  "service pop3 110 allow allow\nservice https 443 allow allow from 10.0.0.0/8 to gateway\n");
	assert_true(n >= 4);
	for (unsigned int i = 0; i < n; i++) {
		if (strstr(found[i].message, "seed"))
			fail_msg("finding %u: %s", i, found[i].message);
	}
}

/* ---- IPv6 --------------------------------------------------------------- */

#define MS6	"mailserver6 2001:db8:168::10\n"	/* line 4 after HDR */
#define ULA(ADDR) \
	ADDR " is in fc00::/7 (unique local, RFC 4193), which the Internet cannot reach: the MX host's AAAA record must be a " \
	"global address other mail servers can connect to"
#define OUTSIDE_LAN6(ADDR, LIST, LINE) \
	ADDR " is outside lan6 (" LIST ", line " #LINE "), the LAN's prefixes where the mail server is: one of the two is mistyped, " \
	"or lan6 misses the mail server's prefix"
#define FWD6_OFF(ADDR) \
	"IPv6 forwarding is off on this host (net.ipv6.conf.all.forwarding = 0): nothing reaches " ADDR " over IPv6 " \
	"(sysctl -w net.ipv6.conf.all.forwarding=1, and a line in /etc/sysctl.d to keep it)"

/* Parse @text (no message) and check it with @host; returns the count. */
static unsigned int check_host(const char *text, const struct mxgw_advice_host *host)
{
	assert_int_equal(mxgw_conf_parse_string("t.conf", text, &conf, NULL), 0);
	assert_int_equal(conf.nwarnings, 0);
	memset(found, 0x5a, sizeof(found));
	return mxgw_advice_check_host(&conf, host, found, MXGW_ADVICE_MAX_FINDINGS);
}

/* A host that has nothing to say: forwarding on, no WAN or LAN prefix known. */
static struct mxgw_advice_host quiet_host(void)
{
	struct mxgw_advice_host h;

	memset(&h, 0, sizeof(h));
	h.ip6_forward = 1;
	return h;
}

static struct mxgw_cidr6 cidr6(const char *addr, unsigned int len)
{
	struct mxgw_cidr6 c = { .len = len };

	assert_int_equal(inet_pton(AF_INET6, addr, &c.addr), 1);
	return c;
}

static void test_mailserver6_in_ula_warns(void **state)
{
	(void)state;
	assert_one(HDR "mailserver6 fd12:3456:789a::10\n", 4, "mailserver6", "",
		   ULA("fd12:3456:789a::10"));
	/* fc00::/7 is fc and fd alone */
	assert_one(HDR "mailserver6 fc00::1\n", 4, "mailserver6", "", ULA("fc00::1"));
	assert_none(HDR "mailserver6 fbff:ffff::1\n");
	assert_none(HDR "mailserver6 fe00::1\n");
	assert_none(HDR MS6);
}

static void test_mailserver6_outside_lan6_warns(void **state)
{
	(void)state;
	assert_one(HDR MS6 "lan6 2001:db8:169::/64,2001:db8:16a::/64\n", 4, "mailserver6", "",
		   OUTSIDE_LAN6("2001:db8:168::10", "2001:db8:169::/64, 2001:db8:16a::/64", 5));
	assert_none(HDR MS6 "lan6 2001:db8:169::/64,2001:db8:168::/64\n");
	assert_none(HDR MS6 "lan6 2001:db8::/32\n");
	assert_none(HDR MS6 "lan6 2001:db8:168::10/128\n");
	/* lan6 without mailserver6: nothing to compare */
	assert_none(HDR "lan6 2001:db8:169::/64\n");
}

static void test_ipv6_forwarding_off_warns_with_mailserver6(void **state)
{
	struct mxgw_advice_host h = quiet_host();

	(void)state;
	assert_int_equal(check_host(HDR MS6, &h), 0);
	h.ip6_forward = -1;	/* unknown: nothing said */
	assert_int_equal(check_host(HDR MS6, &h), 0);
	h.ip6_forward = 0;
	assert_int_equal(check_host(HDR MS6, &h), 1);
	assert_finding(&found[0], 4, "mailserver6", "", FWD6_OFF("2001:db8:168::10"));
	/* IPv4's forwarding is load's and status's: no mailserver6, no word */
	assert_int_equal(check_host(HDR "lan6 2001:db8:168::/64\n", &h), 0);
	/* the file alone says nothing of the host */
	assert_int_equal(check_host(HDR MS6, NULL), 0);
}

/* Without lan6: the prefixes load would take, connected where the route leaves. */
static void test_mailserver6_outside_the_connected_prefixes_warns(void **state)
{
	struct mxgw_advice_host h = quiet_host();
	struct mxgw_cidr6 c = cidr6("2001:db8:168::", 64);

	(void)state;
	snprintf(h.lan6_dev, sizeof(h.lan6_dev), "lan0");
	h.lan6[0] = mxgw_prefix6_of(&c);
	h.nlan6 = 1;
	assert_int_equal(check_host(HDR MS6, &h), 0);
	assert_int_equal(check_host(HDR "mailserver6 2001:db8:170::10\n", &h), 1);
	assert_finding(&found[0], 4, "mailserver6", "",
		       "2001:db8:170::10 is outside the prefixes connected on lan0 (2001:db8:168::/64), where the route to it leaves, "
		       "which load takes for the LAN's: it is behind a router there, so name the LAN's prefixes with lan6");
	/* the file's lan6 is what counts when there is one */
	assert_int_equal(check_host(HDR "mailserver6 2001:db8:170::10\nlan6 2001:db8:170::/64\n", &h), 0);
	h.nlan6 = 0;
	assert_int_equal(check_host(HDR MS6, &h), 1);
	assert_finding(&found[0], 4, "mailserver6", "",
		       "2001:db8:168::10 is routed through lan0, which has no global IPv6 prefix: load finds no LAN prefix to guard "
		       "(give lan0 an address in the mail server's prefix, or name the LAN's prefixes with lan6)");
	/* no device found: load says so (no route) */
	h.lan6_dev[0] = '\0';
	assert_int_equal(check_host(HDR MS6, &h), 0);
}

static void test_lan6_overlapping_a_wan_prefix_warns(void **state)
{
	struct mxgw_advice_host h = quiet_host();

	(void)state;
	h.wan6[0].pfx = cidr6("2001:db8:1::", 64);
	snprintf(h.wan6[0].dev, sizeof(h.wan6[0].dev), "eth0");
	h.wan6[1].pfx = cidr6("2001:db8:2::", 64);
	snprintf(h.wan6[1].dev, sizeof(h.wan6[1].dev), "eth0");
	h.nwan6 = 2;
	assert_int_equal(check_host(HDR "lan6 2001:db8:168::/64\n", &h), 0);
	assert_int_equal(check_host(HDR "lan6 2001:db8:168::/64,2001:db8::/46\n", &h), 2);
	assert_finding(&found[0], 4, "lan6", "",
		       "2001:db8::/46 overlaps 2001:db8:1::/64 of the WAN interface eth0: its hosts there (the provider's router among them) "
		       "would be taken for LAN sources arriving on the WAN and dropped as spoofed");
	assert_finding(&found[1], 4, "lan6", "",
		       "2001:db8::/46 overlaps 2001:db8:2::/64 of the WAN interface eth0: its hosts there (the provider's router among them) "
		       "would be taken for LAN sources arriving on the WAN and dropped as spoofed");
	assert_int_equal(check_host(HDR "lan6 2001:db8:1:0:8000::/65\n", &h), 1);
	assert_int_equal(check_host(HDR "lan6 2001:db8:1:0:8000::/65\n", NULL), 0);
}

/* Every IPv6 finding at once, in line order, next to IPv4's. */
static void test_ipv6_findings_in_line_order(void **state)
{
	struct mxgw_advice_host h = quiet_host();

	(void)state;
	h.ip6_forward = 0;
	h.wan6[0].pfx = cidr6("fd00:1::", 64);
	snprintf(h.wan6[0].dev, sizeof(h.wan6[0].dev), "wan0");
	h.nwan6 = 1;
	assert_int_equal(check_host("public 10.0.0.1\nlan6 fd00::/16\nmailserver 192.168.1.10\n"
				    "service dns 53/tcp,udp allow deny\nmailserver6 fd01::10\n", &h), 5);
	assert_int_equal(found[0].line, 1);
	assert_string_equal(found[0].field, "public");
	assert_finding(&found[1], 2, "lan6", "",
		       "fd00::/16 overlaps fd00:1::/64 of the WAN interface wan0: its hosts there (the provider's router among them) "
		       "would be taken for LAN sources arriving on the WAN and dropped as spoofed");
	assert_finding(&found[2], 5, "mailserver6", "", ULA("fd01::10"));
	assert_finding(&found[3], 5, "mailserver6", "", OUTSIDE_LAN6("fd01::10", "fd00::/16", 2));
	assert_finding(&found[4], 5, "mailserver6", "", FWD6_OFF("fd01::10"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_config_gives_no_warning),
		cmocka_unit_test(test_cmd_check_shipped_config_is_clean),
		cmocka_unit_test(test_plaintext_service_allowed_incoming_warns),
		cmocka_unit_test(test_plaintext_service_denied_incoming_or_tls_is_fine),
		cmocka_unit_test(test_from_on_port_25_is_left_to_the_parser),
		cmocka_unit_test(test_cmd_check_shows_the_parser_warning_once),
		cmocka_unit_test(test_no_outgoing_dns_under_default_deny_warns),
		cmocka_unit_test(test_dns_service_denying_outgoing_warns_on_its_line),
		cmocka_unit_test(test_dns_over_tcp_denied_warns_separately),
		cmocka_unit_test(test_outgoing_dns_allowed_is_fine),
		cmocka_unit_test(test_public_address_in_a_private_range_warns),
		cmocka_unit_test(test_public_address_just_outside_the_ranges_is_fine),
		cmocka_unit_test(test_mail_server_outside_the_private_ranges_warns),
		cmocka_unit_test(test_default_allow_warns),
		cmocka_unit_test(test_findings_come_in_line_order),
		cmocka_unit_test(test_more_findings_than_room_are_counted),
		cmocka_unit_test(test_finding_print_matches_the_parser),
		cmocka_unit_test(test_cmd_check_every_warning_in_line_order_exit_3),
		cmocka_unit_test(test_cmd_check_errors_exit_1_without_policy_checks),
		cmocka_unit_test(test_cmd_check_unreadable_file_exit_1),
		cmocka_unit_test(test_cmd_check_json),
		cmocka_unit_test(test_cmd_check_takes_no_arguments),
		cmocka_unit_test(test_to_gateway_on_a_mapped_port_warns),
		cmocka_unit_test(test_limit_on_smtp_below_mtas_needs_warns),
		cmocka_unit_test(test_to_gateway_without_from_is_left_to_the_parser),
		cmocka_unit_test(test_no_message_speaks_of_the_seed),
		cmocka_unit_test(test_mailserver6_in_ula_warns),
		cmocka_unit_test(test_mailserver6_outside_lan6_warns),
		cmocka_unit_test(test_ipv6_forwarding_off_warns_with_mailserver6),
		cmocka_unit_test(test_mailserver6_outside_the_connected_prefixes_warns),
		cmocka_unit_test(test_lan6_overlapping_a_wan_prefix_warns),
		cmocka_unit_test(test_ipv6_findings_in_line_order),
		cmocka_unit_test(test_syn_flood_on_smtp_below_mtas_needs_warns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
