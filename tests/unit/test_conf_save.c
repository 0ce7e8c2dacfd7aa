// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_conf_save.c - unit tests of ctl/conf_save.c: mxctl set-service
 * --save rewrites one verdict word of one line and nothing else, writes
 * atomically and keeps the file's mode; mxctl status tells which running
 * services differ from the file.
 */
#define _GNU_SOURCE	/* asprintf, open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "config.h"
#include "conf_save.h"

#ifndef MXGW_SHIPPED_CONF
#error "build with -DMXGW_SHIPPED_CONF=\"path/to/etc/mxgw.conf\""
#endif

#define HDR	"public 215.75.128.33\nmailserver 192.168.1.10\n"

/* ---- helpers ----------------------------------------------------------- */

/* mxgw_conf_edit_verdict() of @text must give @want, changing @changed lines. */
static void assert_edit(const char *text, const char *service, int dir,
			int verdict, int changed, const char *want)
{
	size_t len = 12345;
	char *out = (char *)1;

	assert_int_equal(mxgw_conf_edit_verdict(text, strlen(text), service, dir,
						verdict, &out, &len), changed);
	assert_non_null(out);
	assert_int_equal(len, strlen(want));
	assert_string_equal(out, want);
	free(out);
}

static char *read_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *mem;
	int c;

	assert_non_null(f);
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	while ((c = getc(f)) != EOF)
		fputc(c, mem);
	fclose(f);
	assert_int_equal(fclose(mem), 0);
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A private directory per test, removed with whatever is in it. */
struct fixture {
	char dir[64];
	char path[128];		/* dir/mxgw.conf */
	char *msgs;		/* what the last save printed */
	size_t len;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_conf_save.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/mxgw.conf", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	struct dirent *de;
	char path[512];
	DIR *d;

	chmod(fx->dir, 0700);
	d = opendir(fx->dir);
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", fx->dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(fx->dir);
	free(fx->msgs);
	free(fx);
	return 0;
}

/* How many entries the directory holds: a failed save leaves no temp file. */
static int dir_entries(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static int save(struct fixture *fx, const char *path, const char *service,
		int dir, int verdict)
{
	FILE *err;
	int ret;

	free(fx->msgs);
	fx->msgs = NULL;
	err = open_memstream(&fx->msgs, &fx->len);
	assert_non_null(err);
	ret = mxgw_conf_save_verdict(path, service, dir, verdict, err);
	assert_int_equal(fclose(err), 0);
	return ret;
}

/* The lines of @a and @b that differ: exactly one, line @line, to be @want. */
static void assert_one_line_changed(const char *a, const char *b,
				    unsigned int line, const char *want)
{
	unsigned int n = 1, ndiff = 0;

	for (;;) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

		if (la != lb || memcmp(a, b, la)) {
			ndiff++;
			assert_int_equal(n, line);
			assert_int_equal(lb, strlen(want));
			assert_memory_equal(b, want, lb);
		}
		/* Both end together: the same number of lines. */
		assert_int_equal(!a[la], !b[lb]);
		if (!a[la])
			break;
		a += la + 1;
		b += lb + 1;
		n++;
	}
	assert_int_equal(ndiff, 1);
}

static unsigned int line_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	unsigned int n = 1;

	assert_non_null(p);
	for (const char *q = text; q < p; q++)
		n += *q == '\n';
	return n;
}

/* ---- editing the text -------------------------------------------------- */

static void test_edit_keeps_tab_alignment(void **state)
{
	(void)state;
	/* The shipped file's layout: tab stops, each column in place. */
	assert_edit("service\timap\t143/tcp\t\tallow\t\tdeny\n", "imap", MXGW_DIR_IN,
		    MXGW_ALLOW, 1, "service\timap\t143/tcp\t\tallow\t\tallow\n");
	assert_edit("service\tsmtp\t25/tcp\t\tallow\t\tallow\n", "smtp", MXGW_DIR_OUT,
		    MXGW_DENY, 1, "service\tsmtp\t25/tcp\t\tdeny\t\tallow\n");
	assert_edit("service\tsmtp\t25/tcp\t\tallow\t\tallow\n", "smtp", -1,
		    MXGW_DENY, 1, "service\tsmtp\t25/tcp\t\tdeny\t\tdeny\n");
}

static void test_edit_keeps_space_alignment(void **state)
{
	const char *line = "service  pop3   110      allow  deny   # plaintext\n";

	(void)state;
	assert_edit(line, "pop3", MXGW_DIR_IN, MXGW_ALLOW, 1,
		    "service  pop3   110      allow  allow  # plaintext\n");
	assert_edit(line, "pop3", MXGW_DIR_OUT, MXGW_DENY, 1,
		    "service  pop3   110      deny   deny   # plaintext\n");
	assert_edit(line, "pop3", -1, MXGW_ALLOW, 1,
		    "service  pop3   110      allow  allow  # plaintext\n");
	assert_edit(line, "pop3", -1, MXGW_DENY, 1,
		    "service  pop3   110      deny   deny   # plaintext\n");
}

static void test_edit_single_blank_stays_single(void **state)
{
	(void)state;
	/* Not aligned to begin with: one blank stays one blank. */
	assert_edit("service imap 143 allow deny from 10.0.0.0/8\n", "imap",
		    MXGW_DIR_OUT, MXGW_DENY, 1,
		    "service imap 143 deny deny from 10.0.0.0/8\n");
	assert_edit("service imap 143 deny deny from 10.0.0.0/8\n", "imap", -1,
		    MXGW_ALLOW, 1, "service imap 143 allow allow from 10.0.0.0/8\n");
	/* A comment right after the word stays right after it. */
	assert_edit("service imap 143 allow deny# no blank\n", "imap", MXGW_DIR_IN,
		    MXGW_ALLOW, 1, "service imap 143 allow allow# no blank\n");
}

static void test_edit_tab_stop_overflow_falls_back_to_one_space(void **state)
{
	(void)state;
	/* "deny" ends at column 23, its tab reaches 24; "allow" ends at 24. */
	assert_edit("service abc 1 deny deny\t# c\n", "abc", MXGW_DIR_IN, MXGW_ALLOW, 1,
		    "service abc 1 deny allow # c\n");
	/* And back: the tabs are worked out again to reach the comment's column. */
	assert_edit("service abc 1 deny allow\t# c\n", "abc", MXGW_DIR_IN, MXGW_DENY, 1,
		    "service abc 1 deny deny\t\t# c\n");
}

static void test_edit_touches_only_that_service_line(void **state)
{
	(void)state;
	assert_edit("# service imap 143 allow allow\n"
		    "service imaps 993 allow allow\n"
		    "service imap 143 allow deny\n"
		    "service imap2 144 allow deny\n",
		    "imap", MXGW_DIR_IN, MXGW_ALLOW, 1,
		    "# service imap 143 allow allow\n"
		    "service imaps 993 allow allow\n"
		    "service imap 143 allow allow\n"
		    "service imap2 144 allow deny\n");
}

static void test_edit_keeps_line_ends_and_trailing_blanks(void **state)
{
	(void)state;
	assert_edit("public 1.2.3.4\r\nservice imap 143 allow deny\r\n", "imap",
		    MXGW_DIR_IN, MXGW_ALLOW, 1,
		    "public 1.2.3.4\r\nservice imap 143 allow allow\r\n");
	assert_edit("service imap 143 allow deny", "imap", MXGW_DIR_IN, MXGW_ALLOW, 1,
		    "service imap 143 allow allow");
	assert_edit("service imap 143 allow deny  \t\n# end", "imap", MXGW_DIR_IN,
		    MXGW_ALLOW, 1, "service imap 143 allow allow  \t\n# end");
}

static void test_edit_unchanged_when_already_so(void **state)
{
	const char *text = "service imap 143 allow deny\n";

	(void)state;
	assert_edit(text, "imap", MXGW_DIR_OUT, MXGW_ALLOW, 0, text);
	assert_edit(text, "imap", MXGW_DIR_IN, MXGW_DENY, 0, text);
	/* Both directions: only the word that differs. */
	assert_edit(text, "imap", -1, MXGW_DENY, 1, "service imap 143 deny deny\n");
}

static void test_edit_missing_service_or_bad_arguments(void **state)
{
	const char *text = HDR "service imaps 993 allow allow\n# service imap 143 allow deny\n"
			   "service imap\n";
	char *out = (char *)1;
	size_t len = 1;

	(void)state;
	assert_int_equal(mxgw_conf_edit_verdict(text, strlen(text), "imap", -1, MXGW_ALLOW,
						&out, &len), -ENOENT);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(mxgw_conf_edit_verdict(text, strlen(text), "imaps", 2, MXGW_ALLOW,
						&out, &len), -EINVAL);
	assert_int_equal(mxgw_conf_edit_verdict(text, strlen(text), "imaps", -1, 7,
						&out, &len), -EINVAL);
	assert_int_equal(mxgw_conf_edit_verdict(text, strlen(text), NULL, -1, MXGW_DENY,
						&out, &len), -EINVAL);
	assert_null(out);
}

/* ---- saving the file --------------------------------------------------- */

static void test_save_round_trip_on_the_shipped_config(void **state)
{
	struct fixture *fx = *state;
	char *before = read_file(MXGW_SHIPPED_CONF), *after;
	static struct mxgw_conf_file conf;
	unsigned int line = line_of(before, "service\timap\t");

	write_file(fx->path, before);
	assert_int_equal(mxgw_conf_parse_file(fx->path, &conf, NULL), 0);
	assert_int_equal(mxgw_policy_find_service(&conf.policy, "imap")->verdict[MXGW_DIR_IN],
			 MXGW_DENY);

	assert_int_equal(save(fx, fx->path, "imap", MXGW_DIR_IN, MXGW_ALLOW), 0);
	assert_string_equal(fx->msgs, "");
	after = read_file(fx->path);
	/* Every comment, blank line and tab of the file is where it was. */
	assert_one_line_changed(before, after, line,
				"service\timap\t143/tcp\t\tallow\t\tallow");
	assert_int_equal(mxgw_conf_parse_file(fx->path, &conf, NULL), 0);
	assert_int_equal(mxgw_policy_find_service(&conf.policy, "imap")->verdict[MXGW_DIR_IN],
			 MXGW_ALLOW);
	assert_int_equal(mxgw_policy_find_service(&conf.policy, "imap")->verdict[MXGW_DIR_OUT],
			 MXGW_ALLOW);
	assert_int_equal(conf.policy.nservices, 13);
	free(after);

	/* And back: the shipped file again, byte for byte. */
	assert_int_equal(save(fx, fx->path, "imap", MXGW_DIR_IN, MXGW_DENY), 0);
	after = read_file(fx->path);
	assert_string_equal(after, before);
	free(after);
	free(before);
	/* No temporary file left behind. */
	assert_int_equal(dir_entries(fx->dir), 1);
}

static void test_save_both_directions_of_a_tcp_udp_service_with_from(void **state)
{
	struct fixture *fx = *state;
	static struct mxgw_conf_file conf;
	const struct mxgw_policy_service *s;
	char *after;

	write_file(fx->path, HDR
		   "# resolvers\n"
		   "service  dns    53/tcp,udp  allow  allow  from 198.51.100.0/24,203.0.113.7  # ours\n"
		   "service  smtp   25          allow  allow\n");
	assert_int_equal(save(fx, fx->path, "dns", -1, MXGW_DENY), 0);
	after = read_file(fx->path);
	assert_string_equal(after, HDR
		   "# resolvers\n"
		   "service  dns    53/tcp,udp  deny   deny   from 198.51.100.0/24,203.0.113.7  # ours\n"
		   "service  smtp   25          allow  allow\n");
	free(after);
	/* A from on incoming deny is legal (the parser warns it has no effect). */
	assert_int_equal(mxgw_conf_parse_file(fx->path, &conf, NULL), 0);
	s = mxgw_policy_find_service(&conf.policy, "dns");
	assert_int_equal(s->protos, MXGW_PROTO_BIT(MXGW_PROTO_TCP) | MXGW_PROTO_BIT(MXGW_PROTO_UDP));
	assert_int_equal(s->verdict[MXGW_DIR_OUT], MXGW_DENY);
	assert_int_equal(s->verdict[MXGW_DIR_IN], MXGW_DENY);
	assert_int_equal(s->nfrom, 2);
}

static void test_save_missing_service_changes_nothing(void **state)
{
	struct fixture *fx = *state;
	const char *text = HDR "service smtp 25 allow allow\nservice imaps 993 allow allow\n"
			   "# service imap 143 allow deny\n";
	struct stat before, after;
	char *want, *got;

	write_file(fx->path, text);
	assert_int_equal(stat(fx->path, &before), 0);
	assert_int_equal(save(fx, fx->path, "imap", MXGW_DIR_IN, MXGW_ALLOW), -ENOENT);
	assert_true(asprintf(&want, "%s: error: service imap: not defined in the file (it defines: smtp, imaps)\n",
			     fx->path) > 0);
	assert_string_equal(fx->msgs, want);
	free(want);
	got = read_file(fx->path);
	assert_string_equal(got, text);
	free(got);
	assert_int_equal(stat(fx->path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(dir_entries(fx->dir), 1);

	/* A missing file, and a null stream. */
	assert_int_equal(save(fx, "/nonexistent/mxgw.conf", "imap", -1, MXGW_DENY), -ENOENT);
	assert_string_equal(fx->msgs,
			    "/nonexistent/mxgw.conf: error: cannot open: No such file or directory\n");
	assert_int_equal(mxgw_conf_save_verdict(fx->path, "imap", -1, MXGW_DENY, NULL),
			 -ENOENT);
}

static void test_save_refuses_a_file_that_does_not_parse(void **state)
{
	struct fixture *fx = *state;
	const char *text = HDR "service imap 143 allow deny\nbogus\n";
	char *want, *got;

	write_file(fx->path, text);
	assert_int_equal(save(fx, fx->path, "imap", MXGW_DIR_IN, MXGW_ALLOW), -EINVAL);
	assert_true(asprintf(&want, "%s: error: not saved: the file does not parse (mxctl check -c %s)\n",
			     fx->path, fx->path) > 0);
	assert_string_equal(fx->msgs, want);
	free(want);
	got = read_file(fx->path);
	assert_string_equal(got, text);
	free(got);
}

static void test_save_keeps_mode_and_replaces_atomically(void **state)
{
	struct fixture *fx = *state;
	struct stat before, after;

	write_file(fx->path, HDR "service imap 143 allow deny\n");
	assert_int_equal(chmod(fx->path, 0640), 0);
	assert_int_equal(stat(fx->path, &before), 0);
	assert_int_equal(save(fx, fx->path, "imap", MXGW_DIR_IN, MXGW_ALLOW), 0);
	assert_int_equal(stat(fx->path, &after), 0);
	assert_int_equal(after.st_mode & 07777, 0640);
	assert_int_equal(after.st_uid, before.st_uid);
	assert_int_equal(after.st_gid, before.st_gid);
	/* A new inode renamed over the old one, not a rewrite in place. */
	assert_int_not_equal(after.st_ino, before.st_ino);
	assert_int_equal(dir_entries(fx->dir), 1);
}

static void test_save_already_so_leaves_the_file_alone(void **state)
{
	struct fixture *fx = *state;
	struct stat before, after;

	write_file(fx->path, HDR "service imap 143 allow deny\n");
	assert_int_equal(stat(fx->path, &before), 0);
	assert_int_equal(save(fx, fx->path, "imap", MXGW_DIR_IN, MXGW_DENY), 0);
	assert_string_equal(fx->msgs, "");
	assert_int_equal(stat(fx->path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

static void test_save_through_a_symlink_keeps_the_link(void **state)
{
	struct fixture *fx = *state;
	char link[160], *got;
	struct stat st;

	write_file(fx->path, HDR "service imap 143 allow deny\n");
	snprintf(link, sizeof(link), "%s/link.conf", fx->dir);
	assert_int_equal(symlink("mxgw.conf", link), 0);
	assert_int_equal(save(fx, link, "imap", MXGW_DIR_IN, MXGW_ALLOW), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	got = read_file(fx->path);
	assert_string_equal(got, HDR "service imap 143 allow allow\n");
	free(got);
	assert_int_equal(dir_entries(fx->dir), 2);
}

/*
 * The save as a user who may read the file but not write its directory;
 * root may write anywhere, so as root the save runs in a child that gives
 * up root first.  Returns the child's (or our) result and messages.
 */
static int save_unprivileged(struct fixture *fx, char *msgs, size_t size)
{
	int msg_pipe[2], ret_pipe[2], status, ret = 1;
	ssize_t n;
	pid_t pid;

	if (geteuid()) {
		FILE *err = fmemopen(msgs, size, "w");

		assert_non_null(err);
		ret = mxgw_conf_save_verdict(fx->path, "imap", MXGW_DIR_IN, MXGW_ALLOW, err);
		fclose(err);
		return ret;
	}
	/* The result through a pipe: valgrind may own the exit status. */
	assert_int_equal(pipe(msg_pipe), 0);
	assert_int_equal(pipe(ret_pipe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		FILE *err = fdopen(msg_pipe[1], "w");

		close(msg_pipe[0]);
		close(ret_pipe[0]);
		if (err && !setgid(65534) && !setuid(65534)) {
			ret = mxgw_conf_save_verdict(fx->path, "imap", MXGW_DIR_IN,
						     MXGW_ALLOW, err);
			fclose(err);
		}
		if (write(ret_pipe[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
		_exit(0);
	}
	close(msg_pipe[1]);
	close(ret_pipe[1]);
	n = read(msg_pipe[0], msgs, size - 1);
	msgs[n > 0 ? n : 0] = '\0';
	close(msg_pipe[0]);
	assert_int_equal(read(ret_pipe[0], &ret, sizeof(ret)), sizeof(ret));
	close(ret_pipe[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* 1: the child could not give up root. */
	assert_int_not_equal(ret, 1);
	return ret;
}

static void test_save_to_an_unwritable_directory_fails_cleanly(void **state)
{
	struct fixture *fx = *state;
	const char *text = HDR "service imap 143 allow deny\n";
	char msgs[512], *want, *got;

	write_file(fx->path, text);
	assert_int_equal(chmod(fx->path, 0644), 0);
	assert_int_equal(chmod(fx->dir, 0555), 0);
	assert_int_equal(save_unprivileged(fx, msgs, sizeof(msgs)), -EACCES);
	assert_true(asprintf(&want, "%s: error: cannot create a temporary file in %s: Permission denied\n",
			     fx->path, fx->dir) > 0);
	assert_string_equal(msgs, want);
	free(want);
	assert_int_equal(chmod(fx->dir, 0700), 0);
	got = read_file(fx->path);
	assert_string_equal(got, text);
	free(got);
	assert_int_equal(dir_entries(fx->dir), 1);
}

/* ---- the running table against the file -------------------------------- */

/* The running table as a load of @conf makes it, ids from @first_id. */
static void running_of(const struct mxgw_conf_file *conf, struct mxgw_service *svcs,
		       int first_id)
{
	memset(svcs, 0, sizeof(*svcs) * MXGW_MAX_SERVICES);
	for (unsigned int i = 0; i < conf->policy.nservices; i++) {
		const struct mxgw_policy_service *cs = &conf->policy.services[i];
		struct mxgw_service *s = &svcs[first_id + i];

		memcpy(s->name, cs->name, sizeof(s->name));
		s->port = cs->port;
		s->protos = cs->protos;
		s->verdict[MXGW_DIR_IN] = cs->verdict[MXGW_DIR_IN];
		s->verdict[MXGW_DIR_OUT] = cs->verdict[MXGW_DIR_OUT];
		s->flags = (mxgw_policy_service_has_from(cs) ? MXGW_PORT_F_FROM : 0) |
			   (cs->to_gateway ? MXGW_PORT_F_GATEWAY : 0) |
			   (cs->limit.rate ? MXGW_PORT_F_LIMIT : 0);
		s->in_use = 1;
	}
}

static void test_diff_running_same_as_the_file(void **state)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	static struct mxgw_conf_file conf;
	static struct mxgw_conf_diff diff;

	(void)state;
	assert_int_equal(mxgw_conf_parse_file(MXGW_SHIPPED_CONF, &conf, NULL), 0);
	running_of(&conf, svcs, 1);
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 0);
	for (int id = 0; id < MXGW_MAX_SERVICES; id++)
		assert_int_equal(diff.running[id], 0);
	assert_int_equal(diff.nmissing, 0);
	/* Ids are the maps' business: any id, the same answer. */
	running_of(&conf, svcs, 200);
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 0);
}

static void test_diff_running_marks_each_difference(void **state)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	static struct mxgw_conf_file conf;
	static struct mxgw_conf_diff diff;

	(void)state;
	assert_int_equal(mxgw_conf_parse_string("t", HDR
						"service smtp 25 allow allow\n"
						"service imap 143 allow deny\n"
						"service pop3 110 allow deny\n"
						"service ldaps 636 allow allow from 10.0.0.0/8\n"
						"service https 443 allow allow\n"
						"service dns 53/tcp,udp allow deny\n",
						&conf, NULL), 0);
	running_of(&conf, svcs, 1);
	/* set-service imap in allow, set-service pop3 deny (both) */
	svcs[2].verdict[MXGW_DIR_IN] = MXGW_ALLOW;
	svcs[3].verdict[MXGW_DIR_OUT] = MXGW_DENY;
	/* a reload from another file: from gone, port moved, and one more */
	svcs[4].flags = 0;
	svcs[5].port = 8443;
	memcpy(svcs[9].name, "extra", 6);
	svcs[9].port = 1;
	svcs[9].protos = MXGW_PROTO_BIT(MXGW_PROTO_TCP);
	svcs[9].in_use = 1;
	/* a 16-byte name, as the map may hold it: no NUL, no such service */
	memcpy(svcs[10].name, "abcdefghijklmnop", 16);
	svcs[10].in_use = 1;
	/* dns is not running */
	memset(&svcs[6], 0, sizeof(svcs[6]));

	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 7);
	assert_int_equal(diff.running[1], 0);
	assert_int_equal(diff.running[2], MXGW_DIFF_IN);
	assert_int_equal(diff.running[3], MXGW_DIFF_OUT);
	assert_int_equal(diff.running[4], MXGW_DIFF_DEFINITION);
	assert_int_equal(diff.running[5], MXGW_DIFF_DEFINITION);
	assert_int_equal(diff.running[6], 0);
	assert_int_equal(diff.running[9], MXGW_DIFF_NOT_IN_FILE);
	assert_int_equal(diff.running[10], MXGW_DIFF_NOT_IN_FILE);
	assert_int_equal(diff.nmissing, 1);
	assert_string_equal(conf.policy.services[diff.missing[0]].name, "dns");

	/* Both directions of one service. */
	running_of(&conf, svcs, 1);
	svcs[1].verdict[MXGW_DIR_IN] = MXGW_DENY;
	svcs[1].verdict[MXGW_DIR_OUT] = MXGW_DENY;
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 1);
	assert_int_equal(diff.running[1], MXGW_DIFF_IN | MXGW_DIFF_OUT);
}

static void test_diff_running_after_save_is_in_sync(void **state)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	static struct mxgw_conf_file conf;
	static struct mxgw_conf_diff diff;
	struct fixture *fx = *state;

	/* set-service imap in allow at run time: differs until --save */
	write_file(fx->path, HDR "service smtp 25 allow allow\nservice imap 143 allow deny\n");
	assert_int_equal(mxgw_conf_parse_file(fx->path, &conf, NULL), 0);
	running_of(&conf, svcs, 1);
	svcs[2].verdict[MXGW_DIR_IN] = MXGW_ALLOW;
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 1);
	assert_int_equal(save(fx, fx->path, "imap", MXGW_DIR_IN, MXGW_ALLOW), 0);
	assert_int_equal(mxgw_conf_parse_file(fx->path, &conf, NULL), 0);
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 0);
}

/* An editor's UTF-8 byte order mark: kept, and no obstacle on line 1. */
static void test_save_keeps_a_utf8_bom(void **state)
{
	struct fixture *fx = *state;
	char *after;

	write_file(fx->path, "\xef\xbb\xbf" HDR "service imap 143 allow deny\r\n");
	assert_int_equal(save(fx, fx->path, "imap", MXGW_DIR_IN, MXGW_ALLOW), 0);
	after = read_file(fx->path);
	assert_string_equal(after, "\xef\xbb\xbf" HDR "service imap 143 allow allow\r\n");
	free(after);
	write_file(fx->path, "\xef\xbb\xbfservice imap 143 allow deny\n" HDR);
	assert_int_equal(save(fx, fx->path, "imap", -1, MXGW_DENY), 0);
	after = read_file(fx->path);
	assert_string_equal(after, "\xef\xbb\xbfservice imap 143 deny deny\n" HDR);
	free(after);
}

/* set-service --save on a "to gateway" service keeps its from and to. */
static void test_save_a_to_gateway_service(void **state)
{
	struct fixture *fx = *state;
	static struct mxgw_conf_file conf;
	char *after;

	write_file(fx->path, HDR "service ssh 22/tcp allow allow from 198.51.100.0/24 to gateway\n");
	assert_int_equal(save(fx, fx->path, "ssh", MXGW_DIR_IN, MXGW_DENY), 0);
	after = read_file(fx->path);
	assert_string_equal(after, HDR "service ssh 22/tcp allow deny from 198.51.100.0/24 to gateway\n");
	free(after);
	assert_int_equal(mxgw_conf_parse_file(fx->path, &conf, NULL), 0);
	assert_true(mxgw_policy_find_service(&conf.policy, "ssh")->to_gateway);
}

static void test_diff_running_sees_to_gateway(void **state)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	static struct mxgw_conf_file conf;
	static struct mxgw_conf_diff diff;

	(void)state;
	assert_int_equal(mxgw_conf_parse_string("t", HDR
						"service ssh 22 allow allow from 10.0.0.0/8 to gateway\n"
						"service smtp 25 allow allow\n", &conf, NULL), 0);
	running_of(&conf, svcs, 1);
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 0);
	/* the file says to gateway, the running one DNATs it; and back */
	svcs[1].flags &= ~MXGW_PORT_F_GATEWAY;
	svcs[2].flags |= MXGW_PORT_F_GATEWAY;
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 2);
	assert_int_equal(diff.running[1], MXGW_DIFF_DEFINITION);
	assert_int_equal(diff.running[2], MXGW_DIFF_DEFINITION);
}

/* A limit in the file and none running, or the other way round (a limit
 * added or removed since the last load): the definition differs. */
static void test_diff_running_sees_a_limit(void **state)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	static struct mxgw_conf_file conf;
	static struct mxgw_conf_diff diff;

	(void)state;
	assert_int_equal(mxgw_conf_parse_string("t", HDR
						"service smtp 25 allow allow\n"
						"service imaps 993 allow allow\n"
						"limit smtp 10/s\n", &conf, NULL), 0);
	running_of(&conf, svcs, 1);
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 0);
	svcs[1].flags &= ~MXGW_PORT_F_LIMIT;
	svcs[2].flags |= MXGW_PORT_F_LIMIT;
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 2);
	assert_int_equal(diff.running[1], MXGW_DIFF_DEFINITION);
	assert_int_equal(diff.running[2], MXGW_DIFF_DEFINITION);
}

/*
 * A syn-flood whose threshold or budget changed in the file since the load
 * is a difference of definition, as one added or removed; the same
 * numbers (the budget left out, running as the rate) are none.
 */
static void test_diff_running_sees_a_syn_flood_threshold_or_budget(void **state)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	static struct mxgw_synflood sf[MXGW_MAX_SERVICES];
	static struct mxgw_conf_file conf;
	static struct mxgw_conf_diff diff;

	(void)state;
	assert_int_equal(mxgw_conf_parse_string("t", HDR
						"service smtp 25 allow allow\n"
						"service submission 587 allow allow\n"
						"service imaps 993 allow allow\n"
						"syn-flood smtp 1000/s budget 200/s\n"
						"syn-flood submission 500/s\n", &conf, NULL), 0);
	running_of(&conf, svcs, 1);
	svcs[1].flags |= MXGW_PORT_F_SYNFLOOD;
	svcs[2].flags |= MXGW_PORT_F_SYNFLOOD;
	/* as loaded: smtp 1000/s budget 200/s, submission 500/s (budget 500/s) */
	sf[1] = (struct mxgw_synflood){ .rate = 1000, .budget = 200 };
	sf[2] = (struct mxgw_synflood){ .rate = 500, .budget = 500 };
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 0);
	assert_int_equal(mxgw_conf_diff_synflood(&conf, svcs, sf, &diff), 0);
	/* the file's threshold of smtp, and the budget of submission, changed */
	sf[1].rate = 2000;
	sf[2].budget = 100;
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 0);
	assert_int_equal(mxgw_conf_diff_synflood(&conf, svcs, sf, &diff), 2);
	assert_int_equal(diff.running[1], MXGW_DIFF_DEFINITION);
	assert_int_equal(diff.running[2], MXGW_DIFF_DEFINITION);
	assert_int_equal(diff.running[3], 0);
	/* smtp's budget alone */
	sf[1].rate = 1000;
	sf[1].budget = 201;
	sf[2].budget = 500;
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 0);
	assert_int_equal(mxgw_conf_diff_synflood(&conf, svcs, sf, &diff), 1);
	assert_int_equal(diff.running[1], MXGW_DIFF_DEFINITION);
	assert_int_equal(diff.running[2], 0);
	/* counted with another difference once, and with a missing service */
	svcs[1].verdict[MXGW_DIR_IN] = MXGW_DENY;
	memset(&svcs[3], 0, sizeof(svcs[3]));
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 2);
	assert_int_equal(mxgw_conf_diff_synflood(&conf, svcs, sf, &diff), 2);
	assert_int_equal(diff.running[1], MXGW_DIFF_IN | MXGW_DIFF_DEFINITION);
}

/* The IPv6 keys and an IPv6 from stay as written; the verdict changes. */
static void test_save_with_the_ipv6_keys(void **state)
{
	struct fixture *fx = *state;
	static struct mxgw_conf_file conf;
	const struct mxgw_policy_service *s;
	static const char before[] = HDR
		"mailserver6  2001:db8:168::10   # the AAAA record\n"
		"lan6         2001:db8:168::/64,2001:db8:169::/64\n"
		"service  imaps  993  allow  allow  from 198.51.100.0/24,2001:db8:51::/48\n"
		"service  ssh    22   allow  allow  from 2001:db8:51::7 to gateway\n";
	char *mid, *after;

	write_file(fx->path, before);
	assert_int_equal(save(fx, fx->path, "imaps", MXGW_DIR_IN, MXGW_DENY), 0);
	assert_string_equal(fx->msgs, "");
	mid = read_file(fx->path);
	assert_one_line_changed(before, mid, 5,
				"service  imaps  993  allow  deny   from 198.51.100.0/24,2001:db8:51::/48");
	assert_int_equal(save(fx, fx->path, "ssh", -1, MXGW_DENY), 0);
	after = read_file(fx->path);
	assert_one_line_changed(mid, after, 6,
				"service  ssh    22   deny   deny   from 2001:db8:51::7 to gateway");
	free(mid);
	free(after);
	assert_int_equal(mxgw_conf_parse_file(fx->path, &conf, NULL), 0);
	assert_true(conf.policy.has_mailserver6);
	assert_int_equal(conf.policy.nlan6, 2);
	s = mxgw_policy_find_service(&conf.policy, "imaps");
	assert_int_equal(s->verdict[MXGW_DIR_IN], MXGW_DENY);
	assert_int_equal(s->nfrom, 1);
	assert_int_equal(s->nfrom6, 1);
	s = mxgw_policy_find_service(&conf.policy, "ssh");
	assert_int_equal(s->verdict[MXGW_DIR_IN], MXGW_DENY);
	assert_int_equal(s->verdict[MXGW_DIR_OUT], MXGW_DENY);
	assert_int_equal(s->nfrom6, 1);
	assert_true(s->to_gateway);
}

/* A from of IPv6 prefixes alone restricts the service as any from does. */
static void test_diff_running_sees_an_ipv6_from(void **state)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	static struct mxgw_conf_file conf;
	static struct mxgw_conf_diff diff;

	(void)state;
	assert_int_equal(mxgw_conf_parse_string("t", HDR
						"service imaps 993 allow allow from 2001:db8:51::/48\n"
						"service smtp 25 allow allow\n", &conf, NULL), 0);
	running_of(&conf, svcs, 1);
	assert_true(svcs[1].flags & MXGW_PORT_F_FROM);
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 0);
	/* running without a from: not what the file says */
	svcs[1].flags &= ~MXGW_PORT_F_FROM;
	assert_int_equal(mxgw_conf_diff_running(&conf, svcs, &diff), 1);
	assert_int_equal(diff.running[1], MXGW_DIFF_DEFINITION);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_edit_keeps_tab_alignment),
		T(test_edit_keeps_space_alignment),
		T(test_edit_single_blank_stays_single),
		T(test_edit_tab_stop_overflow_falls_back_to_one_space),
		T(test_edit_touches_only_that_service_line),
		T(test_edit_keeps_line_ends_and_trailing_blanks),
		T(test_edit_unchanged_when_already_so),
		T(test_edit_missing_service_or_bad_arguments),
		T(test_save_round_trip_on_the_shipped_config),
		T(test_save_both_directions_of_a_tcp_udp_service_with_from),
		T(test_save_missing_service_changes_nothing),
		T(test_save_refuses_a_file_that_does_not_parse),
		T(test_save_keeps_mode_and_replaces_atomically),
		T(test_save_already_so_leaves_the_file_alone),
		T(test_save_through_a_symlink_keeps_the_link),
		T(test_save_to_an_unwritable_directory_fails_cleanly),
		T(test_diff_running_same_as_the_file),
		T(test_diff_running_marks_each_difference),
		T(test_diff_running_after_save_is_in_sync),
		T(test_save_keeps_a_utf8_bom),
		T(test_save_a_to_gateway_service),
		T(test_diff_running_sees_to_gateway),
		T(test_diff_running_sees_a_limit),
		T(test_save_with_the_ipv6_keys),
		T(test_diff_running_sees_an_ipv6_from),
		T(test_diff_running_sees_a_syn_flood_threshold_or_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
