// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl dns: the DNS records the Kerio MailServer guide (section 1.1)
 * asks for, from the config: the domain's MX record and the MX host's A
 * record at the public address for the provider's DNS, the MX host at the
 * mail server's address for the LAN.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mxctl.h"
#include "args.h"
#include "config.h"
#include "json.h"
#include "advice.h"

/*
 * Parse the config; its warnings go to stderr.  So do its errors, file:line
 * first, but under -j they are the command's JSON error instead (as one
 * message, a line each), which a script reads on stdout.
 */
static int parse(const struct mxctl_opts *opts, struct mxgw_conf_file *conf)
{
	char *diag = NULL, *errors = NULL, *line, *save = NULL;
	size_t len = 0, elen = 0;
	FILE *mem, *emem;
	int err;

	if (!opts->json)
		return mxgw_conf_parse_file(opts->conf_path, conf, stderr);
	mem = open_memstream(&diag, &len);
	if (!mem)
		return mxgw_conf_parse_file(opts->conf_path, conf, stderr);
	err = mxgw_conf_parse_file(opts->conf_path, conf, mem);
	emem = fclose(mem) ? NULL : open_memstream(&errors, &elen);
	for (line = diag ? strtok_r(diag, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *e = strstr(line, ": error: "), *w = strstr(line, ": warning: ");

		if (emem && e && (!w || e < w))
			fprintf(emem, "%s%s", ftell(emem) ? "\n" : "", line);
		else
			fprintf(stderr, "%s\n", line);
	}
	if (emem)
		fclose(emem);
	if (err)
		mxctl_err("%s", errors && *errors ? errors : "dns: the config does not parse");
	free(errors);
	free(diag);
	return err;
}

static int cmd_dns(const struct mxctl_opts *opts, const void *args)
{
	/* Too large for the stack of a short command. */
	static struct mxgw_conf_file conf;
	const char *missing;
	struct json j;
	int err;

	(void)args;
	/* Warnings of the parser go to stderr, the records to stdout. */
	if (parse(opts, &conf))
		return 1;
	missing = mxgw_dns_missing(&conf);
	if (missing) {
		mxctl_err("dns: %s sets no %s, so there are no records to print (for example: domain company.com, mx-host mail.company.com)",
			  opts->conf_path, missing);
		return 1;
	}
	if (opts->json) {
		json_init(&j, stdout);
		err = mxgw_dns_format_json(&conf, &j);
	} else {
		err = mxgw_dns_format(&conf, stdout);
	}
	if (!err && fflush(stdout))
		err = -errno;
	if (err) {
		mxctl_err("dns: cannot write the records: %s", mxctl_strerror(err));
		return 1;
	}
	return 0;
}

const struct mxctl_cmd mxctl_cmd_dns = {
	.name = "dns",
	.handler = cmd_dns,
	.help = "the DNS records of the config: public MX, A and AAAA, local A and AAAA (zone file syntax)",
	.json = true,
};
