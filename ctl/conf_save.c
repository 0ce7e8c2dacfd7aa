// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * conf_save.c - the config file against the running table.
 *
 * mxctl set-service changes the maps at once; with --save the change is
 * also written into the config, so that it survives a reboot.  The file
 * is the operator's: only the verdict words of one line change, and the
 * rest (comments, alignment, line ends) stays byte for byte.  The line is
 * found the way the parser finds it: fields are split on blanks and '#'
 * starts a comment.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "conf_save.h"

/* "service NAME PORT OUT IN": the verdicts are the fourth and fifth. */
#define FIELD_OUT	3
#define FIELD_IN	4
#define MAX_FIELDS	6

#define TAB_STOP	8

struct span {
	size_t start, end;	/* offsets into the line */
};

/* The fields of one line, split as the parser splits them. */
static unsigned int split(const char *line, size_t len, struct span *f,
			  unsigned int max)
{
	unsigned int n = 0;
	size_t i = 0;

	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len || line[i] == '#')
			return n;
		if (n < max)
			f[n].start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' &&
		       line[i] != '#')
			i++;
		if (n < max)
			f[n].end = i;
		n++;
	}
}

static bool span_is(const char *line, const struct span *s, const char *word)
{
	size_t len = strlen(word);

	return s->end - s->start == len && !memcmp(line + s->start, word, len);
}

/* The display column after @len bytes of @s from column @col. */
static size_t column(size_t col, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		col = s[i] == '\t' ? (col / TAB_STOP + 1) * TAB_STOP : col + 1;
	return col;
}

/*
 * The blanks between a replaced word, now ending at column @col, and
 * what followed it at column @target: the old ones if they still reach
 * it, else spaces (or tabs and spaces, if the old ones had tabs) that do;
 * one space when there is no room.  No blank (a comment right after the
 * word) or a single space aligned nothing: they stay as they are.
 * Returns the column after them.
 */
static size_t padding(FILE *out, const char *pad, size_t len, size_t col,
		      size_t target)
{
	if (column(col, pad, len) == target || !len ||
	    (len == 1 && pad[0] == ' ')) {
		fwrite(pad, 1, len, out);
		return column(col, pad, len);
	}
	if (col >= target) {
		fputc(' ', out);
		return col + 1;
	}
	if (memchr(pad, '\t', len)) {
		while ((col / TAB_STOP + 1) * TAB_STOP <= target) {
			fputc('\t', out);
			col = (col / TAB_STOP + 1) * TAB_STOP;
		}
	}
	for (; col < target; col++)
		fputc(' ', out);
	return col;
}

/*
 * Write @line (@len bytes, without its line end) with the fields @which
 * replaced by @word; returns whether anything changed.
 */
static bool rewrite_line(FILE *out, const char *line, size_t len,
			 const struct span *fields, const int *which,
			 unsigned int nwhich, const char *word)
{
	size_t wlen = strlen(word), cursor = 0, col = 0, next;
	bool changed = false;

	for (unsigned int k = 0; k < nwhich; k++) {
		const struct span *s = &fields[which[k]];

		if (span_is(line, s, word))
			continue;
		changed = true;
		fwrite(line + cursor, 1, s->start - cursor, out);
		col = column(col, line + cursor, s->start - cursor);
		fputs(word, out);
		col += wlen;
		next = s->end;
		while (next < len && (line[next] == ' ' || line[next] == '\t'))
			next++;
		if (next == len) {
			/* Trailing blanks align nothing: kept as they are. */
			cursor = s->end;
			continue;
		}
		col = padding(out, line + s->end, next - s->end, col,
			      column(0, line, next));
		cursor = next;
	}
	fwrite(line + cursor, 1, len - cursor, out);
	return changed;
}

int mxgw_conf_edit_verdict(const char *text, size_t len, const char *service,
			   int dir, int verdict, char **out, size_t *out_len)
{
	const char *word = verdict == MXGW_ALLOW ? "allow" : "deny";
	int which[2], nwhich = 0, changed = 0;
	struct span f[MAX_FIELDS];
	bool found = false;
	size_t pos = 0;
	FILE *mem;

	*out = NULL;
	*out_len = 0;
	if (!service || (verdict != MXGW_ALLOW && verdict != MXGW_DENY) ||
	    (dir != -1 && dir != MXGW_DIR_IN && dir != MXGW_DIR_OUT))
		return -EINVAL;
	if (dir != MXGW_DIR_IN)
		which[nwhich++] = FIELD_OUT;
	if (dir != MXGW_DIR_OUT)
		which[nwhich++] = FIELD_IN;
	mem = open_memstream(out, out_len);
	if (!mem)
		return -ENOMEM;
	/* a UTF-8 byte order mark stays, and is no part of the first line,
	 * as for the parser */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		fwrite(text, 1, 3, mem);
		pos = 3;
	}
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		size_t body = llen;

		/* A CRLF line's '\r' belongs to its line end, as in the parser. */
		if (nl && body && line[body - 1] == '\r')
			body--;
		if (!found && split(line, body, f, MAX_FIELDS) > FIELD_IN &&
		    span_is(line, &f[0], "service") &&
		    span_is(line, &f[1], service)) {
			found = true;
			changed = rewrite_line(mem, line, body, f, which,
					       nwhich, word);
			fwrite(line + body, 1, llen - body, mem);
		} else {
			fwrite(line, 1, llen, mem);
		}
		if (nl)
			fputc('\n', mem);
		pos += llen + (nl ? 1 : 0);
	}
	if (fclose(mem)) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	if (!found) {
		free(*out);
		*out = NULL;
		*out_len = 0;
		return -ENOENT;
	}
	return changed;
}

__attribute__((format(printf, 3, 4)))
static int fail(FILE *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vfprintf(err, fmt, ap);
		va_end(ap);
		fputc('\n', err);
	}
	return ret;
}

/* The whole file, NUL-terminated; its stat in @st. */
static int read_all(const char *path, char **text, size_t *len,
		    struct stat *st)
{
	size_t size = 0;
	ssize_t n;
	char *buf;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if (st->st_size > MXGW_CONF_SAVE_MAX_SIZE) {
		ret = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* The size may change under us: read to the end, within the buffer. */
	while (size < (size_t)st->st_size) {
		n = read(fd, buf + size, (size_t)st->st_size - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			free(buf);
			goto out;
		}
		if (!n)
			break;
		size += (size_t)n;
	}
	buf[size] = '\0';
	*text = buf;
	*len = size;
out:
	close(fd);
	return ret;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Replace @target by @text atomically: a temporary file next to it with
 * its mode and owner, fsync, rename, fsync of the directory.
 */
static int replace_file(const char *path, const char *target, const char *text,
			size_t len, const struct stat *st, FILE *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX], base[NAME_MAX + 1];
	char copy_dir[PATH_MAX], copy_base[PATH_MAX];
	int fd, dfd, ret;

	snprintf(copy_dir, sizeof(copy_dir), "%s", target);
	snprintf(copy_base, sizeof(copy_base), "%s", target);
	snprintf(dir, sizeof(dir), "%s", dirname(copy_dir));
	snprintf(base, sizeof(base), "%s", basename(copy_base));
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >=
	    (int)sizeof(tmp))
		return fail(err, -ENAMETOOLONG, "%s: error: path too long",
			    path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return fail(err, ret, "%s: error: cannot create a temporary file in %s: %s",
			    path, dir, strerror(-ret));
	}
	/*
	 * The owner only when allowed (root): the file then belongs to whoever
	 * saves it, which is no reason to fail.
	 */
	if (fchown(fd, st->st_uid, st->st_gid) && errno != EPERM)
		fail(err, 0, "%s: warning: cannot keep the owner of %s: %s",
		     path, target, strerror(errno));
	if (fchmod(fd, st->st_mode & 07777)) {
		ret = -errno;
		fail(err, ret, "%s: error: cannot set the mode of %s: %s", path,
		     tmp, strerror(-ret));
		goto fail;
	}
	ret = write_all(fd, text, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (ret) {
		fail(err, ret, "%s: error: cannot write %s: %s", path, tmp,
		     strerror(-ret));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		ret = -errno;
		fail(err, ret, "%s: error: cannot write %s: %s", path, tmp,
		     strerror(-ret));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target)) {
		ret = -errno;
		fail(err, ret, "%s: error: cannot rename %s to %s: %s", path,
		     tmp, target, strerror(-ret));
		goto fail;
	}
	/* The rename itself is durable once the directory is on disk. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) && errno != EINVAL)
			fail(err, 0, "%s: warning: cannot fsync %s: %s", path,
			     dir, strerror(errno));
		close(dfd);
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}

/* The service names the file defines, for "not defined" messages. */
static void list_services(const struct mxgw_conf_file *conf, FILE *err)
{
	if (!err)
		return;
	fputs(" (it defines:", err);
	for (unsigned int i = 0; i < conf->policy.nservices; i++)
		fprintf(err, "%s %s", i ? "," : "", conf->policy.services[i].name);
	if (!conf->policy.nservices)
		fputs(" none", err);
	fputc(')', err);
}

/* Does @conf hold @service with @verdict in the directions of @dir? */
static bool saved(const struct mxgw_conf_file *conf, const char *service, int dir,
		  int verdict)
{
	const struct mxgw_policy_service *svc =
		mxgw_policy_find_service(&conf->policy, service);

	if (!svc)
		return false;
	for (int d = 0; d < MXGW_DIR_MAX; d++)
		if ((dir < 0 || dir == d) && svc->verdict[d] != verdict)
			return false;
	return true;
}

int mxgw_conf_save_verdict(const char *path, const char *service, int dir,
			   int verdict, FILE *err)
{
	char *text = NULL, *new_text = NULL, target[PATH_MAX];
	struct mxgw_conf_file *conf;
	size_t len = 0, new_len = 0;
	struct stat st;
	int ret;

	if (!service || (verdict != MXGW_ALLOW && verdict != MXGW_DENY) ||
	    (dir != -1 && dir != MXGW_DIR_IN && dir != MXGW_DIR_OUT))
		return fail(err, -EINVAL, "%s: error: not saved: bad service, direction or verdict",
			    path);
	conf = malloc(sizeof(*conf));
	if (!conf)
		return fail(err, -ENOMEM, "%s: error: %s", path, strerror(ENOMEM));
	/* A symbolic link stays one: the file it points to is replaced. */
	if (!realpath(path, target)) {
		ret = -errno;
		fail(err, ret, "%s: error: cannot open: %s", path, strerror(-ret));
		goto out;
	}
	ret = read_all(target, &text, &len, &st);
	if (ret) {
		fail(err, ret, "%s: error: cannot read: %s", path,
		     ret == -EINVAL ? "not a regular file" : strerror(-ret));
		goto out;
	}
	/* Only a file that loads is worth saving into; a NUL never parses. */
	if (strlen(text) != len ||
	    mxgw_conf_parse_string(path, text, conf, NULL)) {
		ret = fail(err, -EINVAL, "%s: error: not saved: the file does not parse (mxctl check -c %s)",
			   path, path);
		goto out;
	}
	if (!mxgw_policy_find_service(&conf->policy, service)) {
		if (err) {
			fprintf(err, "%s: error: service %s: not defined in the file",
				path, service);
			list_services(conf, err);
			fputc('\n', err);
		}
		ret = -ENOENT;
		goto out;
	}
	ret = mxgw_conf_edit_verdict(text, len, service, dir, verdict,
				     &new_text, &new_len);
	if (ret < 0) {
		fail(err, ret, "%s: error: service %s: not saved: %s", path,
		     service, strerror(-ret));
		goto out;
	}
	if (!ret)
		goto out;	/* already so: the file is not touched */
	/* What is written must load, and say what was asked. */
	if (mxgw_conf_parse_string(path, new_text, conf, NULL) ||
	    !saved(conf, service, dir, verdict)) {
		ret = fail(err, -EINVAL, "%s: error: service %s: not saved: the rewritten line would not read back (a bug: please report it)",
			   path, service);
		goto out;
	}
	ret = replace_file(path, target, new_text, new_len, &st, err);
out:
	free(new_text);
	free(text);
	free(conf);
	return ret;
}

int mxgw_conf_diff_running(const struct mxgw_conf_file *file,
			   const struct mxgw_service *running,
			   struct mxgw_conf_diff *diff)
{
	bool seen[MXGW_MAX_SERVICES - 1] = { false };
	int n = 0;

	memset(diff, 0, sizeof(*diff));
	for (int id = 1; id < MXGW_MAX_SERVICES; id++) {
		const struct mxgw_service *r = &running[id];
		const struct mxgw_policy_service *s = NULL;
		char name[MXGW_SVC_NAME_LEN + 1];
		__u8 d = 0;

		if (!r->in_use)
			continue;
		/* The map's name is not NUL-terminated when 16 long. */
		memcpy(name, r->name, MXGW_SVC_NAME_LEN);
		name[MXGW_SVC_NAME_LEN] = '\0';
		s = mxgw_policy_find_service(&file->policy, name);
		if (!s) {
			d = MXGW_DIFF_NOT_IN_FILE;
		} else {
			seen[s - file->policy.services] = true;
			if (r->verdict[MXGW_DIR_OUT] != s->verdict[MXGW_DIR_OUT])
				d |= MXGW_DIFF_OUT;
			if (r->verdict[MXGW_DIR_IN] != s->verdict[MXGW_DIR_IN])
				d |= MXGW_DIFF_IN;
			if (r->port != s->port || r->protos != s->protos ||
			    !(r->flags & MXGW_PORT_F_FROM) != !mxgw_policy_service_has_from(s) ||
			    !(r->flags & MXGW_PORT_F_GATEWAY) != !s->to_gateway ||
			    !(r->flags & MXGW_PORT_F_LIMIT) != !s->limit.rate ||
			    !(r->flags & MXGW_PORT_F_SYNFLOOD) != !s->syn_flood_rate)
				d |= MXGW_DIFF_DEFINITION;
		}
		diff->running[id] = d;
		n += !!d;
	}
	for (unsigned int i = 0; i < file->policy.nservices; i++)
		if (!seen[i])
			diff->missing[diff->nmissing++] = i;
	return n + (int)diff->nmissing;
}

int mxgw_conf_diff_synflood(const struct mxgw_conf_file *file,
			    const struct mxgw_service *running,
			    const struct mxgw_synflood *synflood,
			    struct mxgw_conf_diff *diff)
{
	int n = (int)diff->nmissing;

	for (int id = 1; id < MXGW_MAX_SERVICES; id++) {
		const struct mxgw_service *r = &running[id];
		const struct mxgw_policy_service *s;
		char name[MXGW_SVC_NAME_LEN + 1];

		if (r->in_use && (r->flags & MXGW_PORT_F_SYNFLOOD)) {
			memcpy(name, r->name, MXGW_SVC_NAME_LEN);
			name[MXGW_SVC_NAME_LEN] = '\0';
			s = mxgw_policy_find_service(&file->policy, name);
			/* the budget runs as the rate when the file gives none */
			if (s && (synflood[id].rate != s->syn_flood_rate ||
				  synflood[id].budget != (s->syn_flood_budget ? s->syn_flood_budget :
							  s->syn_flood_rate)))
				diff->running[id] |= MXGW_DIFF_DEFINITION;
		}
		n += !!diff->running[id];
	}
	return n;
}
