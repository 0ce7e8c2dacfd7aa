// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl dns: the DNS records the Kerio MailServer guide (section 1.1)
 * asks for, from the config: the domain's MX record and the MX host's A
 * record at the public address for the provider's DNS, the MX host at the
 * mail server's address for the LAN.
 */
#include <errno.h>
#include <stdio.h>
#include "mxctl.h"
#include "config.h"
#include "json.h"
#include "advice.h"

int cmd_dns(const struct mxctl_opts *opts, int argc, char **argv)
{
	/* Too large for the stack of a short command. */
	static struct mxgw_conf_file conf;
	const char *missing;
	struct json j;
	int err;

	(void)argv;
	if (argc)
		return mxctl_usage("dns", "dns takes no arguments");
	/* Warnings of the parser go to stderr, the records to stdout. */
	if (mxgw_conf_parse_file(opts->conf_path, &conf, stderr))
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
