// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl stats: every counter of the running gateway, as text, JSON (-j)
 * or the Prometheus text format (--prometheus); --listen ADDR:PORT serves
 * the latter over HTTP, reading the maps afresh for every request.
 *
 * The snapshot is read by mxctl_snapshots() and printed by print_text.c,
 * print_json.c (the document of status -j) or prometheus.c (show.h).
 */
#define _GNU_SOURCE	/* ppoll, accept4, open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "mxctl.h"
#include "args.h"
#include "show.h"

#define MAX_IFACES		64
#define HTTP_MAX_REQUEST	8192	/* request line and headers */
#define HTTP_DEADLINE_MS	5000	/* per connection, reading and writing */
#define HTTP_BACKLOG		16
#define HTTP_MAX_CONNS		32	/* served side by side */

/* --- one-shot output -------------------------------------------------------- */

/* What stats takes after the command: [IFNAME] --prometheus --listen ADDR:PORT */
struct stats_args {
	const char *ifname;
	const char *listen;
	bool prometheus;
};

static const struct mxctl_arg stats_args[] = {
	{ .name = "interface", .type = MXCTL_ARG_IFNAME, .flags = MXCTL_ARG_POSITIONAL,
	  .offset = offsetof(struct stats_args, ifname), .metavar = "IFNAME",
	  .help = "this interface only (or -i)" },
	{ .name = "prometheus", .type = MXCTL_ARG_FLAG,
	  .offset = offsetof(struct stats_args, prometheus),
	  .help = "the Prometheus text exposition format" },
	{ .name = "listen", .type = MXCTL_ARG_STRING,
	  .offset = offsetof(struct stats_args, listen), .metavar = "ADDRESS:PORT",
	  .help = "serve it over HTTP at /metrics (127.0.0.1:9434, [::1]:9434)" },
	{ 0 },
};

static int print_stats(const struct mxctl_opts *opts, const struct stats_args *sa)
{
	char names[MAX_IFACES][IF_NAMESIZE];
	static struct mxgw_conf_file file;
	bool have_file = false;
	struct mxctl_snapshot *v;
	int n, got = 0, ret = 0, err;

	n = mxctl_targets(opts, sa->ifname, names, MAX_IFACES, "stats");
	if (n < 0)
		return 1;
	/* -j is status -j's document, compared with the file as status is */
	if (opts->json)
		have_file = !mxgw_conf_parse_file(opts->conf_path, &file, NULL);
	v = mxctl_snapshots(names, n, opts->conf_path, have_file ? &file : NULL);
	if (!v) {
		mxctl_err("stats: %s", strerror(ENOMEM));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (v[i].err) {
			/* with -j, in the document: {"ifname": ..., "error": ...} */
			if (!opts->json)
				mxctl_err("stats %s: %s", names[i], v[i].error);
			ret = 1;
			continue;
		}
		/* text and Prometheus show only what was read: those first;
		 * JSON shows each interface, with its error */
		if (got != i && !opts->json)
			memcpy(&v[got], &v[i], sizeof(v[got]));
		got++;
	}
	if (opts->json)
		err = mxctl_print_json(stdout, v, n);
	else if (sa->prometheus)
		err = mxctl_print_prometheus(stdout, v, got);
	else
		err = mxctl_print_stats(stdout, v, got);
	free(v);
	if (!err && fflush(stdout))
		err = -errno;
	if (err) {
		mxctl_err("stats: writing the output: %s", strerror(-err));
		ret = 1;
	}
	return ret;
}

/* --- HTTP ------------------------------------------------------------------- */

static volatile sig_atomic_t stop_serving;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_serving = 1;
}

/* "A.B.C.D:PORT" or "[V6]:PORT", numeric only. */
static int listen_socket(const char *spec, int *fdp)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(spec, ':');
	struct addrinfo *ai;
	size_t hlen;
	int fd, one = 1, rc;

	if (!colon || colon == spec || !colon[1])
		return -EINVAL;
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[') {
		if (hlen < 3 || spec[hlen - 1] != ']')
			return -EINVAL;
		spec++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc)
		return -EINVAL;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		freeaddrinfo(ai);
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, HTTP_BACKLOG)) {
		rc = -errno;
		close(fd);
		freeaddrinfo(ai);
		return rc;
	}
	freeaddrinfo(ai);
	*fdp = fd;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The metrics of the interfaces @want names (NULL: every loaded one),
 * read now.  Returns the HTTP status line; *body is malloc'ed.
 */
static const char *scrape(const char *want, char **body, size_t *len)
{
	char names[MAX_IFACES][IF_NAMESIZE];
	const char *status = "200 OK";
	struct mxctl_snapshot *v = NULL;
	FILE *out;
	int n;

	*body = NULL;
	*len = 0;
	out = open_memstream(body, len);
	if (!out)
		return "500 Internal Server Error";
	n = mxgw_loaded_ifnames(names, MAX_IFACES);
	if (n < 0) {
		fprintf(out, "mxctl: stats: %s\n", mxctl_strerror(n));
		status = "500 Internal Server Error";
		goto out;
	}
	if (want) {
		int k = -1;

		for (int i = 0; i < n; i++)
			if (!strcmp(names[i], want))
				k = i;
		if (k > 0)
			memmove(names[0], names[k], IF_NAMESIZE);
		n = k < 0 ? 0 : 1;
	}
	if (!n) {
		fprintf(out, "mxctl: stats: mxgw is not loaded on %s\n",
			want ? want : "any interface");
		status = "503 Service Unavailable";
		goto out;
	}
	v = mxctl_snapshots(names, n, NULL, NULL);
	if (!v) {
		fprintf(out, "mxctl: stats: %s\n", strerror(ENOMEM));
		status = "500 Internal Server Error";
		goto out;
	}
	/* all or nothing: a scrape that misses an interface fails, so that
	 * Prometheus records it (up == 0) instead of a gap in the series */
	for (int i = 0; i < n; i++) {
		if (v[i].err) {
			fprintf(out, "mxctl: stats %s: %s\n", names[i], v[i].error);
			mxctl_err("stats %s: %s", names[i], v[i].error);
			status = "500 Internal Server Error";
			goto out;
		}
	}
	if (mxctl_print_prometheus(out, v, n))
		status = "500 Internal Server Error";
out:
	free(v);
	if (fclose(out))
		status = "500 Internal Server Error";
	return status;
}

/*
 * One connection of the exporter.  Connections are served side by side
 * from one poll loop, each with its own deadline for the whole exchange:
 * a client that connects and sends nothing (or reads nothing) holds only
 * its slot, never the scrapes of the others, and is closed at its
 * deadline.
 */
struct http_conn {
	int fd;			/* -1: a free slot */
	long long deadline;	/* now_ms() after which it is closed */
	size_t len;		/* request bytes so far */
	char *out;		/* the response once the request is complete */
	size_t out_len, out_done;
	char req[HTTP_MAX_REQUEST + 1];
};

static struct http_conn conns[HTTP_MAX_CONNS];

static void conn_close(struct http_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->len = c->out_len = c->out_done = 0;
}

/* The response into c->out: status line, headers, and the body unless HEAD. */
static void respond(struct http_conn *c, const char *status, const char *ctype,
		    const char *extra, const char *body, size_t len, bool head)
{
	size_t size = 0;
	FILE *f = open_memstream(&c->out, &size);

	if (!f)
		return;		/* nothing to send: closed at once */
	fprintf(f, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
		status, ctype, len, extra ? extra : "");
	if (!head)
		fwrite(body, 1, len, f);
	if (fclose(f)) {
		free(c->out);
		c->out = NULL;
		return;
	}
	c->out_len = size;
}

static void respond_text(struct http_conn *c, const char *status, const char *extra,
			 const char *text, bool head)
{
	respond(c, status, "text/plain; charset=utf-8", extra, text, strlen(text), head);
}

/* A complete request in c->req: GET or HEAD of /metrics (or /). */
static void handle_request(struct http_conn *c, const char *want)
{
	char *req = c->req, *sp1, *sp2, *eol, *q;
	bool head;

	/* METHOD SP TARGET SP HTTP/1.x */
	eol = strpbrk(req, "\r\n");
	*eol = '\0';
	sp1 = strchr(req, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ') || strncmp(sp2 + 1, "HTTP/1.", 7)) {
		respond_text(c, "400 Bad Request", NULL, "bad request\n", false);
		return;
	}
	*sp1 = '\0';
	*sp2 = '\0';
	head = !strcmp(req, "HEAD");
	if (strcmp(req, "GET") && !head) {
		respond_text(c, "405 Method Not Allowed", "Allow: GET, HEAD\r\n",
			     "only GET and HEAD\n", false);
		return;
	}
	q = strchr(sp1 + 1, '?');
	if (q)
		*q = '\0';
	if (!strcmp(sp1 + 1, "/metrics")) {
		char *body;
		size_t blen;
		const char *status = scrape(want, &body, &blen);
		bool ok = !strncmp(status, "200", 3);

		respond(c, status, ok ? "text/plain; version=0.0.4; charset=utf-8" :
			"text/plain; charset=utf-8", NULL, body ? body : "", blen, head);
		free(body);
	} else if (!strcmp(sp1 + 1, "/")) {
		respond_text(c, "200 OK", NULL,
			     "mxgw: the gateway's counters are at /metrics\n", head);
	} else {
		respond_text(c, "404 Not Found", NULL, "not found: try /metrics\n", head);
	}
}

/*
 * @c is readable: more of its request, and the response once it is whole
 * (or cannot be: too large, a NUL).  A response that could not be made
 * (no memory) closes the connection.
 */
static void conn_read(struct http_conn *c, const char *want)
{
	ssize_t r;

	r = recv(c->fd, c->req + c->len, HTTP_MAX_REQUEST - c->len, 0);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)r;
	c->req[c->len] = '\0';
	if (memchr(c->req, '\0', c->len))
		respond_text(c, "400 Bad Request", NULL, "bad request\n", false);
	else if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
		handle_request(c, want);
	else if (c->len == HTTP_MAX_REQUEST)
		respond_text(c, "431 Request Header Fields Too Large", NULL,
			     "request too large\n", false);
	else
		return;		/* more to come */
	if (!c->out)
		conn_close(c);
}

/* @c has a response: send what the socket takes; closed once all went. */
static void conn_write(struct http_conn *c)
{
	ssize_t w = send(c->fd, c->out + c->out_done, c->out_len - c->out_done,
			 MSG_NOSIGNAL);

	if (w < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (w <= 0) {
		conn_close(c);
		return;
	}
	c->out_done += (size_t)w;
	if (c->out_done == c->out_len)
		conn_close(c);
}

/* A slot for a new connection: a free one, else the one closest to its
 * deadline (a flood of silent clients costs the oldest, not the server). */
static struct http_conn *conn_slot(void)
{
	struct http_conn *oldest = NULL;

	for (int i = 0; i < HTTP_MAX_CONNS; i++) {
		if (conns[i].fd < 0)
			return &conns[i];
		if (!oldest || conns[i].deadline < oldest->deadline)
			oldest = &conns[i];
	}
	conn_close(oldest);
	return oldest;
}

/* Every connection waiting in the backlog. */
static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct http_conn *c;

		if (fd < 0)
			return;	/* EAGAIN: none left; anything else: the next poll */
		c = conn_slot();
		c->fd = fd;
		c->deadline = now_ms() + HTTP_DEADLINE_MS;
	}
}

/* Close what is past its deadline; the ms until the next one, or -1. */
static int expire(void)
{
	long long now = now_ms(), next = -1;

	for (int i = 0; i < HTTP_MAX_CONNS; i++) {
		struct http_conn *c = &conns[i];

		if (c->fd < 0)
			continue;
		if (c->deadline <= now) {
			conn_close(c);	/* too slow: dropped, never waited for */
			continue;
		}
		if (next < 0 || c->deadline - now < next)
			next = c->deadline - now;
	}
	return (int)next;
}

static int serve(const struct mxctl_opts *opts, const struct stats_args *sa)
{
	const char *want = sa->ifname ? sa->ifname : opts->ifname;
	struct sigaction act = { .sa_handler = on_stop_signal };
	struct pollfd p[1 + HTTP_MAX_CONNS];
	struct http_conn *polled[1 + HTTP_MAX_CONNS];
	sigset_t block, orig;
	int fd = -1, err;

	err = listen_socket(sa->listen, &fd);
	if (err == -EINVAL)
		return mxctl_usage("stats", "--listen %s: expected ADDRESS:PORT, e.g. 127.0.0.1:9434 or [::1]:9434",
				   sa->listen);
	if (err) {
		mxctl_err("stats: --listen %s: %s", sa->listen, strerror(-err));
		return 1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (int i = 0; i < HTTP_MAX_CONNS; i++)
		conns[i].fd = -1;
	/* SIGTERM and SIGINT are taken only while waiting in ppoll, so a
	 * request being read or answered is never cut in the middle of a
	 * step; at the exit, connections still open are closed */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigemptyset(&act.sa_mask);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("mxctl: stats: serving http://%s/metrics (%s)\n", sa->listen,
	       want ? want : "every loaded interface");
	fflush(stdout);

	while (!stop_serving) {
		int n = 1, ms = expire();
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

		p[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
		for (int i = 0; i < HTTP_MAX_CONNS; i++) {
			if (conns[i].fd < 0)
				continue;
			polled[n] = &conns[i];
			p[n++] = (struct pollfd){
				.fd = conns[i].fd,
				.events = conns[i].out ? POLLOUT : POLLIN,
			};
		}
		if (ppoll(p, n, ms < 0 ? NULL : &ts, &orig) < 0) {
			if (errno == EINTR)
				continue;
			mxctl_err("stats: --listen %s: %s", sa->listen, strerror(errno));
			break;
		}
		for (int i = 1; i < n; i++) {
			struct http_conn *c = polled[i];

			if (!p[i].revents || c->fd != p[i].fd)
				continue;
			if (!c->out)
				conn_read(c, want);
			/* a response just made is sent at once, as far as it goes */
			if (c->fd >= 0 && c->out)
				conn_write(c);
		}
		if (p[0].revents)
			accept_all(fd);
	}
	for (int i = 0; i < HTTP_MAX_CONNS; i++)
		conn_close(&conns[i]);
	close(fd);
	return stop_serving ? 0 : 1;
}

static int cmd_stats(const struct mxctl_opts *opts, const void *args)
{
	const struct stats_args *sa = args;

	if (opts->json && (sa->prometheus || sa->listen))
		return mxctl_usage("stats", "-j is JSON; --prometheus and --listen serve the Prometheus format");
	if (sa->listen)
		return serve(opts, sa);
	return print_stats(opts, sa);
}

const struct mxctl_cmd mxctl_cmd_stats = {
	.name = "stats",
	.handler = cmd_stats,
	.args = stats_args,
	.args_size = sizeof(struct stats_args),
	.help = "every counter: services, drops, forward paths, conntrack, NAT ports; Prometheus, over HTTP",
	.json = true,
};
