// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The one parser of mxctl's options and arguments (args.h), and the
 * synopses made from the same tables.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include "args.h"
#include "config.h"
#include "mxctl.h"

const struct mxctl_arg mxctl_common_args[] = {
	{ .name = "config", .short_name = 'c', .type = MXCTL_ARG_STRING,
	  .offset = offsetof(struct mxctl_opts, conf_path), .metavar = "FILE",
	  .help = "config file (default " MXGW_CONF_DEFAULT_PATH ")" },
	{ .name = "interface", .short_name = 'i', .type = MXCTL_ARG_STRING,
	  .offset = offsetof(struct mxctl_opts, ifname), .metavar = "IFNAME",
	  .help = "act on this interface only (default: every loaded one)" },
	{ .name = "json", .short_name = 'j', .type = MXCTL_ARG_FLAG,
	  .offset = offsetof(struct mxctl_opts, json),
	  .help = "JSON output; errors too, on stdout" },
	{ .name = "help", .short_name = 'h', .type = MXCTL_ARG_FLAG,
	  .offset = offsetof(struct mxctl_opts, help),
	  .help = "this text; after a command, that command's" },
	{ 0 },
};

static bool positional(const struct mxctl_arg *a)
{
	return a->flags & MXCTL_ARG_POSITIONAL;
}

/* "drop or allow", "in, out or both" */
static void words_str(const struct mxctl_word *w, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; w[i].word && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 !i ? "" : w[i + 1].word ? ", " : " or ", w[i].word);
}

/* What a value of @a may be, for messages: "a whole number from 1 to 10". */
static void accepted(const struct mxctl_arg *a, char *buf, size_t len)
{
	switch (a->type) {
	case MXCTL_ARG_UINT:
		snprintf(buf, len, "a whole number from %llu to %llu", a->min, a->max);
		break;
	case MXCTL_ARG_SECONDS:
		snprintf(buf, len, "a number of seconds greater than 0, at most %llu", a->max);
		break;
	case MXCTL_ARG_WORD:
		words_str(a->words, buf, len);
		break;
	case MXCTL_ARG_IFNAME:
		snprintf(buf, len, "an interface name of at most %d characters", IF_NAMESIZE - 1);
		break;
	default:
		snprintf(buf, len, "%s", a->metavar ? a->metavar : "a value");
		break;
	}
}

/* "--count", "-c" (as it was written), or a positional's name */
static void label(const struct mxctl_arg *a, bool as_short, char *buf, size_t len)
{
	if (positional(a))
		snprintf(buf, len, "%s", a->name);
	else if (as_short)
		snprintf(buf, len, "-%c", a->short_name);
	else
		snprintf(buf, len, "--%s", a->name);
}

/* The parser's state: the first error, kept while the rest is parsed. */
struct parse {
	char *err;
	size_t errlen;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void error(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

/* Numbers to their last character: "5x", " 5", "+5", "-5" and "" are no
 * numbers, nor is what overflows. */
static int parse_uint(const char *s, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int parse_seconds(const char *s, double *v)
{
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || *end || !isfinite(*v))
		return -EINVAL;
	return 0;
}

/* @value for @a into @dst, or the error that names both. */
static void set_value(struct parse *p, const struct mxctl_arg *a, bool as_short,
		      void *dst, const char *value)
{
	char *field = (char *)dst + a->offset, what[160], name[40];
	unsigned long long u;
	double d;

	label(a, as_short, name, sizeof(name));
	accepted(a, what, sizeof(what));
	switch (a->type) {
	case MXCTL_ARG_FLAG:
		*(bool *)field = true;
		return;
	case MXCTL_ARG_STRING:
		*(const char **)field = value;
		return;
	case MXCTL_ARG_IFNAME:
		if (!*value || strlen(value) >= IF_NAMESIZE)
			break;
		*(const char **)field = value;
		return;
	case MXCTL_ARG_UINT:
		if (parse_uint(value, &u) || u < a->min || u > a->max)
			break;
		*(unsigned long long *)field = u;
		return;
	case MXCTL_ARG_SECONDS:
		if (parse_seconds(value, &d) || d <= 0 || d > (double)a->max)
			break;
		*(double *)field = d;
		return;
	case MXCTL_ARG_WORD:
		for (int i = 0; a->words[i].word; i++) {
			if (!strcmp(a->words[i].word, value)) {
				*(int *)field = a->words[i].value;
				return;
			}
		}
		break;
	}
	error(p, "%s '%s': expected %s", name, value, what);
}

/* The option of @own or the common ones named @name (@len characters), or
 * with the short name @c; *@dst is where its value goes. */
static const struct mxctl_arg *find(const struct mxctl_arg *own, void *own_dst,
				    struct mxctl_opts *opts, const char *name,
				    size_t len, char c, void **dst)
{
	const struct mxctl_arg *tables[2] = { own, mxctl_common_args };
	void *dsts[2] = { own_dst, opts };

	for (int t = 0; t < 2; t++) {
		for (const struct mxctl_arg *a = tables[t]; a && a->name; a++) {
			if (positional(a))
				continue;
			if (name ? strlen(a->name) == len && !strncmp(a->name, name, len) :
				   c && a->short_name == c) {
				*dst = dsts[t];
				return a;
			}
		}
	}
	return NULL;
}

static void synopsis(const struct mxctl_arg *args, bool options, char *buf, size_t len);

/* Give the positional words to @own's positionals: the required ones
 * always, the optional ones in order while there are words to spare. */
static void assign(struct parse *p, const struct mxctl_arg *own, void *dst,
		   char **words, int n, const char *cmd)
{
	int nreq = 0, nslots = 0, spare, k = 0;
	char syn[256];

	for (const struct mxctl_arg *a = own; a && a->name; a++) {
		if (!positional(a))
			continue;
		nslots++;
		nreq += !!(a->flags & MXCTL_ARG_REQUIRED);
	}
	if (!nslots && n) {
		error(p, "%s takes no arguments", cmd);
		return;
	}
	if (n > nslots) {
		error(p, "too many arguments: '%s'", words[nslots]);
		return;
	}
	if (n < nreq) {
		synopsis(own, false, syn, sizeof(syn));
		error(p, "expected %s", syn);
		return;
	}
	spare = n - nreq;
	for (const struct mxctl_arg *a = own; a && a->name && k < n; a++) {
		if (!positional(a))
			continue;
		if (!(a->flags & MXCTL_ARG_REQUIRED)) {
			if (!spare)
				continue;
			spare--;
		}
		set_value(p, a, false, dst, words[k++]);
	}
}

int mxctl_parse_args(const struct mxctl_arg *own, void *dst, struct mxctl_opts *opts,
		     int argc, char **argv, bool stop, const char *cmd,
		     char *err, size_t errlen)
{
	struct parse p = { .err = err, .errlen = errlen };
	char **words = calloc(argc > 0 ? argc : 1, sizeof(*words));
	bool options = true;
	int i, n = 0;

	if (!words) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -EINVAL;
	}
	for (i = 0; i < argc; i++) {
		const char *w = argv[i], *value = NULL;
		const struct mxctl_arg *a;
		void *to = NULL;

		if (!options || w[0] != '-' || !w[1]) {
			if (stop)
				break;
			words[n++] = argv[i];
			continue;
		}
		if (!strcmp(w, "--")) {
			options = false;
			continue;
		}
		if (w[1] == '-') {
			const char *eq = strchr(w + 2, '=');
			size_t len = eq ? (size_t)(eq - w - 2) : strlen(w + 2);

			a = find(own, dst, opts, w + 2, len, 0, &to);
			if (!a) {
				error(&p, "unknown option '%.*s'", (int)(len + 2), w);
				continue;
			}
			if (a->type == MXCTL_ARG_FLAG) {
				if (eq)
					error(&p, "--%s takes no value", a->name);
				else
					set_value(&p, a, false, to, NULL);
				continue;
			}
			value = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!value) {
				char what[160];

				accepted(a, what, sizeof(what));
				error(&p, "--%s needs a value: %s", a->name, what);
				continue;
			}
			set_value(&p, a, false, to, value);
			continue;
		}
		/* -C, bundled: -jh; a value's option takes the rest or the next */
		for (const char *c = w + 1; *c; c++) {
			a = find(own, dst, opts, NULL, 0, *c, &to);
			if (!a) {
				error(&p, "unknown option '-%c'", *c);
				break;
			}
			if (a->type == MXCTL_ARG_FLAG) {
				set_value(&p, a, true, to, NULL);
				continue;
			}
			value = c[1] ? c + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!value) {
				char what[160];

				accepted(a, what, sizeof(what));
				error(&p, "-%c needs a value: %s", *c, what);
			} else {
				set_value(&p, a, true, to, value);
			}
			break;
		}
	}
	if (!stop)
		assign(&p, own, dst, words, n, cmd);
	free(words);
	return p.failed ? -EINVAL : i;
}

/* The synopsis of @args' positionals and (@options) options. */
static void synopsis(const struct mxctl_arg *args, bool options, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int pass = 0; pass < 1 + options; pass++) {
		for (const struct mxctl_arg *a = args; a && a->name && used < len; a++) {
			bool opt = !(a->flags & (MXCTL_ARG_REQUIRED | MXCTL_ARG_OR_I));
			char what[160];

			if (positional(a) != !pass)
				continue;
			if (a->type == MXCTL_ARG_WORD) {
				size_t k = 0;

				what[0] = '\0';
				for (int w = 0; a->words[w].word && k < sizeof(what); w++)
					k += (size_t)snprintf(what + k, sizeof(what) - k, "%s%s",
							      w ? "|" : "", a->words[w].word);
			} else {
				snprintf(what, sizeof(what), "%s", a->metavar ? a->metavar : "");
			}
			if (pass)
				used += (size_t)snprintf(buf + used, len - used, "%s[--%s%s%s]",
							 used ? " " : "", a->name,
							 a->type == MXCTL_ARG_FLAG ? "" : " ", what);
			else
				used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s",
							 used ? " " : "", opt ? "[" : "", what,
							 opt ? "]" : "");
		}
	}
}

void mxctl_synopsis(const struct mxctl_arg *args, char *buf, size_t len)
{
	synopsis(args, true, buf, len);
}

void mxctl_usage_line(const struct mxctl_cmd *cmd, char *buf, size_t len)
{
	char syn[256];
	size_t used = (size_t)snprintf(buf, len, "mxctl");

	/* the common options but -h, which is no way to run a command */
	for (const struct mxctl_arg *a = mxctl_common_args; a->name && used < len; a++)
		if (a->short_name != 'h')
			used += (size_t)snprintf(buf + used, len - used, a->type == MXCTL_ARG_FLAG ?
						 " [-%c]" : " [-%c %s]", a->short_name, a->metavar);
	mxctl_synopsis(cmd->args, syn, sizeof(syn));
	if (used < len)
		snprintf(buf + used, len - used, " %s%s%s", cmd->name, syn[0] ? " " : "", syn);
}

void mxctl_print_options(FILE *out, const struct mxctl_arg *args)
{
	for (const struct mxctl_arg *a = args; a && a->name; a++) {
		char opt[64], what[160];

		if (a->type == MXCTL_ARG_WORD) {
			size_t k = 0;

			for (int w = 0; a->words[w].word && k < sizeof(what); w++)
				k += (size_t)snprintf(what + k, sizeof(what) - k, "%s%s",
						      w ? "|" : "", a->words[w].word);
		} else {
			snprintf(what, sizeof(what), "%s", a->metavar ? a->metavar : "");
		}
		if (positional(a))
			snprintf(opt, sizeof(opt), "%s", what);
		else if (a->short_name)
			snprintf(opt, sizeof(opt), "-%c, --%s%s%s", a->short_name, a->name,
				 what[0] ? " " : "", what);
		else
			snprintf(opt, sizeof(opt), "--%s%s%s", a->name, what[0] ? " " : "", what);
		fprintf(out, "  %-24s  %s\n", opt, a->help);
	}
}

int mxctl_run(const struct mxctl_cmd *cmd, struct mxctl_opts *opts, int argc, char **argv)
{
	void *args = calloc(1, cmd->args_size ? cmd->args_size : 1);
	char err[512], usage[512];
	int ret;

	if (!args) {
		mxctl_err("%s: %s", cmd->name, strerror(ENOMEM));
		return 1;
	}
	if (cmd->defaults)
		memcpy(args, cmd->defaults, cmd->args_size);
	ret = mxctl_parse_args(cmd->args, args, opts, argc, argv, false, cmd->name,
			       err, sizeof(err));
	/* after the parse: a -j anywhere among the words counts */
	mxctl_errors_as_json(cmd->json && opts->json);
	if (opts->help) {
		mxctl_usage_line(cmd, usage, sizeof(usage));
		printf("usage: %s\n%s\n", usage, cmd->help);
		if (cmd->args && cmd->args->name) {
			printf("\n");
			mxctl_print_options(stdout, cmd->args);
		}
		ret = fflush(stdout) ? 1 : 0;
	} else if (ret < 0) {
		ret = cmd->hint ? mxctl_usage(cmd->name, "%s (%s)", err, cmd->hint) :
				  mxctl_usage(cmd->name, "%s", err);
	} else {
		ret = cmd->handler(opts, args);
	}
	free(args);
	return ret;
}
