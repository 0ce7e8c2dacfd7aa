// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl check: validate a config without loading it, then say where it
 * strays from the advice of the Kerio MailServer guide (Table 1.1, the
 * shipped table), and where the config speaks of IPv6 what this host says
 * to it (forwarding, the WAN's and the LAN's prefixes: -i IFNAME names the
 * WAN interface).  The parser's own warnings (from on port 25, a
 * nat-ports range with few free ports, ...) are shown as the parser words
 * them and never repeated by the advice checks.
 *
 * Exit status: 0 valid without a warning, 1 errors (the file does not
 * parse or cannot be read: load would refuse it), 3 valid with warnings;
 * 2 stays a usage error, as for every command.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "mxctl.h"
#include "args.h"
#include "config.h"
#include "json.h"
#include "advice.h"
#include "../loader/loader.h"

/* Valid, with warnings: also in mxctl.h, for the help text. */
#ifndef EXIT_WARNINGS
#define EXIT_WARNINGS	3
#endif

/* One diagnostic line of the parser, taken apart. */
struct diag {
	bool error;
	unsigned int line;	/* 0: the file as a whole */
	const char *field;	/* field_len bytes; none when 0 */
	size_t field_len;
	const char *message;
};

/*
 * "PATH:LINE: SEVERITY: FIELD: message" or "PATH: SEVERITY: message".  A
 * line of any other shape is kept whole, as an error: nothing the parser
 * says is dropped.
 */
static void diag_split(const char *s, const char *path, struct diag *d)
{
	size_t plen = strlen(path);
	const char *p = s, *sep;
	char *end;

	*d = (struct diag){ .error = true, .field = "", .message = s };
	if (strncmp(p, path, plen) || p[plen] != ':')
		return;
	p += plen + 1;
	if (*p >= '0' && *p <= '9') {
		d->line = (unsigned int)strtoul(p, &end, 10);
		if (*end != ':')
			return;
		p = end + 1;
	}
	if (!strncmp(p, " error: ", 8)) {
		p += 8;
	} else if (!strncmp(p, " warning: ", 10)) {
		d->error = false;
		p += 10;
	} else {
		return;
	}
	d->message = p;
	sep = strstr(p, ": ");
	/* "cannot open: ..." has no field: only a line number gives one. */
	if (sep && d->line) {
		d->field = p;
		d->field_len = (size_t)(sep - p);
		d->message = sep + 2;
	}
}

/* A parser line or an advice finding, to be shown in line order. */
struct item {
	unsigned int line;
	const char *text;			/* parser: the whole line */
	const struct mxgw_finding *finding;	/* advice */
};

struct check {
	const char *path;
	char *msgs;		/* what the parser printed, cut into lines */
	size_t len;
	int rc;			/* of the parser */
	unsigned int errors, warnings;
	struct item *items;
	unsigned int nitems;
};

/* The parser's lines and the findings, in line order, each kind in its own. */
static int collect(struct check *c, const struct mxgw_finding *f,
		   unsigned int nfindings)
{
	unsigned int nlines = nfindings;
	char *line, *save = NULL;
	struct diag d;

	for (size_t i = 0; i < c->len; i++)
		nlines += c->msgs[i] == '\n';
	/* One more for a last line without its newline. */
	c->items = calloc(nlines + 1, sizeof(*c->items));
	if (!c->items)
		return -ENOMEM;
	for (line = strtok_r(c->msgs, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		diag_split(line, c->path, &d);
		if (d.error)
			c->errors++;
		else
			c->warnings++;
		c->items[c->nitems++] = (struct item){ d.line, line, NULL };
	}
	for (unsigned int i = 0; i < nfindings; i++) {
		c->items[c->nitems++] = (struct item){ f[i].line, NULL, &f[i] };
		if (f[i].severity == MXGW_SEV_ERROR)
			c->errors++;
		else
			c->warnings++;
	}
	/* Stable: the parser's word first on a line both speak of. */
	for (unsigned int i = 1; i < c->nitems; i++) {
		struct item tmp = c->items[i];
		unsigned int k = i;

		while (k > 0 && c->items[k - 1].line > tmp.line) {
			c->items[k] = c->items[k - 1];
			k--;
		}
		c->items[k] = tmp;
	}
	/* A failed parse says why; be sure it counts as an error anyway. */
	if (c->rc && !c->errors)
		c->errors = 1;
	return 0;
}

static void json_item(struct json *j, const struct check *c,
		      const struct item *it)
{
	char field[128], message[MXGW_FINDING_SUB_LEN + MXGW_FINDING_MSG_LEN + 2];
	const struct mxgw_finding *f = it->finding;
	struct diag d;

	json_object_start(j);
	if (f) {
		json_kv_string(j, "severity",
			       f->severity == MXGW_SEV_ERROR ? "error" : "warning");
		json_kv_uint(j, "line", f->line);
		json_kv_string(j, "field", f->field);
		snprintf(message, sizeof(message), "%s%s%s", f->sub,
			 f->sub[0] ? ": " : "", f->message);
		json_kv_string(j, "message", message);
		/* "policy": the word scripts read, from before ctl/advice.c */
		json_kv_string(j, "source", "policy");
	} else {
		diag_split(it->text, c->path, &d);
		json_kv_string(j, "severity", d.error ? "error" : "warning");
		if (d.line)
			json_kv_uint(j, "line", d.line);
		snprintf(field, sizeof(field), "%.*s", (int)d.field_len, d.field);
		json_kv_string(j, "field", field);
		json_kv_string(j, "message", d.message);
		json_kv_string(j, "source", "parser");
	}
	json_object_end(j);
}

static void print_json(const struct check *c)
{
	struct json j;

	json_init(&j, stdout);
	json_object_start(&j);
	json_kv_string(&j, "path", c->path);
	json_kv_bool(&j, "valid", !c->rc);
	json_kv_uint(&j, "errors", c->errors);
	json_kv_uint(&j, "warnings", c->warnings);
	json_key(&j, "diagnostics");
	json_array_start(&j);
	for (unsigned int i = 0; i < c->nitems; i++)
		json_item(&j, c, &c->items[i]);
	json_array_end(&j);
	json_object_end(&j);
}

static void print_text(const struct check *c, const struct mxgw_conf_file *conf)
{
	for (unsigned int i = 0; i < c->nitems; i++) {
		if (c->items[i].finding)
			mxgw_finding_print(conf, c->items[i].finding, stdout);
		else
			printf("%s\n", c->items[i].text);
	}
	if (c->rc)
		printf("%s: %u error%s, %u warning%s: load and reload would refuse it\n",
		       c->path, c->errors, c->errors == 1 ? "" : "s",
		       c->warnings, c->warnings == 1 ? "" : "s");
	else if (c->warnings)
		printf("%s: valid, %u warning%s\n", c->path, c->warnings,
		       c->warnings == 1 ? "" : "s");
	else
		printf("%s: valid, no warnings\n", c->path);
}

/* The global IPv6 prefixes of @dev into @host->wan6. */
static void wan6_prefixes(const char *dev, struct mxgw_advice_host *host)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		struct mxgw_cidr6 c = { .len = 0 };
		struct mxgw_in6 mask;

		if (!i->ifa_addr || !i->ifa_netmask || i->ifa_addr->sa_family != AF_INET6 ||
		    strcmp(i->ifa_name, dev) || host->nwan6 >= MXGW_ADVICE_WAN6_MAX)
			continue;
		memcpy(&c.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, sizeof(c.addr));
		memcpy(&mask, &((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr, sizeof(mask));
		/* link-local is every link's (fe80::/10) */
		if ((ntohl(c.addr.a[0]) & 0xffc00000) == 0xfe800000)
			continue;
		for (unsigned int w = 0; w < 4; w++)
			c.len += __builtin_popcount(mask.a[w]);
		c.addr = mxgw_in6_and(&c.addr, &mask);
		host->wan6[host->nwan6].pfx = c;
		snprintf(host->wan6[host->nwan6].dev, IF_NAMESIZE, "%s", dev);
		host->nwan6++;
	}
	freeifaddrs(ifa);
}

/*
 * The interfaces mxgw runs on in this namespace, read from the pin
 * directory as it is: check changes nothing (no bpffs mounted, no pins
 * renamed, as mxgw_loaded_ifnames would), and without root sees none.
 */
static int loaded_ifnames(char (*names)[IF_NAMESIZE], int max)
{
	char ns[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (mxgw_ns_pin_dir(ns, sizeof(ns)))
		return 0;
	d = opendir(ns);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max)
		if (de->d_name[0] != '.' && strlen(de->d_name) < IF_NAMESIZE)
			snprintf(names[n++], IF_NAMESIZE, "%s", de->d_name);
	closedir(d);
	return n;
}

/*
 * What the IPv6 advice needs of this host, for a config that speaks of
 * IPv6: forwarding, the WAN interfaces' prefixes (-i IFNAME, else those
 * mxgw runs on in this namespace) and the prefixes load would find for
 * the LAN.  What cannot be read stays unknown, and nothing is said of it.
 */
static const struct mxgw_advice_host *host_facts(const struct mxctl_opts *opts,
						 const struct mxgw_policy *pol)
{
	static struct mxgw_advice_host host;
	char names[8][IF_NAMESIZE];
	__u32 wan = 0, oif = 0;
	int n = 0, k;

	if (!pol->has_mailserver6 && !pol->nlan6)
		return NULL;
	memset(&host, 0, sizeof(host));
	host.ip6_forward = pol->has_mailserver6 ?
			   mxgw_read_sysctl("/proc/sys/net/ipv6/conf/all/forwarding") : -1;
	if (opts->ifname)
		snprintf(names[n++], IF_NAMESIZE, "%s", opts->ifname);
	else
		n = loaded_ifnames(names, 8);
	for (int i = 0; i < n; i++) {
		wan6_prefixes(names[i], &host);
		if (!wan)
			wan = if_nametoindex(names[i]);
	}
	if (pol->nlan6)
		return &host;
	k = mxgw_lan6_of(pol, wan, host.lan6, MXGW_LAN6_MAX, &oif);
	if (k >= 0 && oif && if_indextoname(oif, host.lan6_dev))
		host.nlan6 = k;
	else
		host.lan6_dev[0] = '\0';
	return &host;
}

static int cmd_check(const struct mxctl_opts *opts, const void *args)
{
	/* Too large for the stack of a short command. */
	static struct mxgw_finding findings[MXGW_ADVICE_MAX_FINDINGS];
	static struct mxgw_conf_file conf;
	struct check c = { .path = opts->conf_path };
	unsigned int nfindings = 0;
	int ret;
	FILE *mem;

	(void)args;
	mem = open_memstream(&c.msgs, &c.len);
	if (!mem) {
		mxctl_err("check: %s", strerror(errno));
		return 1;
	}
	c.rc = mxgw_conf_parse_file(c.path, &conf, mem);
	if (fclose(mem)) {
		mxctl_err("check: %s", strerror(errno));
		free(c.msgs);
		return 1;
	}
	if (!c.rc)
		nfindings = mxgw_advice_check_host(&conf, host_facts(opts, &conf.policy),
						   findings, MXGW_ADVICE_MAX_FINDINGS);
	if (nfindings > MXGW_ADVICE_MAX_FINDINGS)
		nfindings = MXGW_ADVICE_MAX_FINDINGS;
	ret = collect(&c, findings, nfindings);
	if (ret) {
		mxctl_err("check: %s", strerror(-ret));
		free(c.msgs);
		return 1;
	}
	if (opts->json)
		print_json(&c);
	else
		print_text(&c, &conf);
	free(c.items);
	free(c.msgs);
	if (fflush(stdout) || c.rc)
		return 1;
	return c.warnings ? EXIT_WARNINGS : 0;
}

const struct mxctl_cmd mxctl_cmd_check = {
	.name = "check",
	.handler = cmd_check,
	.help = "validate the config without loading it, warn about risky settings (exit 3)",
	.hint = "the file is -c FILE",
	.json = true,
};
