// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl stats: every counter of the running gateway, as text, JSON (-j)
 * or the Prometheus text format (--prometheus); --listen ADDR:PORT serves
 * the latter over HTTP, reading the maps afresh for every request.
 *
 * The maps are read into struct mxgw_stats here; prometheus.c prints it.
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
#include "show.h"
#include "mxctl.h"
#include "../maps/names.h"
#include "prometheus.h"
#include "../loader/loader.h"

#define MAX_IFACES		64
#define HTTP_MAX_REQUEST	8192	/* request line and headers */
#define HTTP_DEADLINE_MS	5000	/* per connection, reading and writing */
#define HTTP_BACKLOG		16
#define HTTP_MAX_CONNS		32	/* served side by side */

/* --- reading the maps ------------------------------------------------------ */

struct ct_tally {
	const struct mxgw_config *cfg;
	struct mxgw_stats *st;
	__u64 now;
	/* public ports seen, by enum mxgw_stats_nat_proto */
	unsigned char seen[MXGW_STATS_NAT_MAX][65536 / 8];
};

static int nat_proto_of(__u8 ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return MXGW_STATS_NAT_TCP;
	case IPPROTO_UDP:
		return MXGW_STATS_NAT_UDP;
	case IPPROTO_ICMP:
		return MXGW_STATS_NAT_ICMP;
	default:
		return -1;
	}
}

static int tally_ct(const struct mxgw_ct_key *k, const struct mxgw_ct_entry *e,
		    void *arg)
{
	struct ct_tally *t = arg;
	__u16 port = ntohs(k->public_port);
	int p;

	if (!mxgw_ct_live(t->cfg, e, t->now))
		return 0;
	t->st->ct_entries++;
	if (e->flags & MXGW_CT_F_LOCAL)
		return 0;	/* the gateway's own flow: nothing translated */
	t->st->nat_mappings++;
	p = nat_proto_of(k->proto);
	if (p < 0 || t->seen[p][port / 8] & (1U << (port % 8)))
		return 0;
	t->seen[p][port / 8] |= 1U << (port % 8);
	t->st->nat_ports_in_use[p]++;
	return 0;
}

static const char *xdp_mode_str(const struct mxgw_attach_info *att)
{
	if (!att->xdp_prog_id)
		return "none";
	if (att->xdp_prog_id != att->pinned_xdp_id)
		return "not-mxgw";
	return mxctl_xdp_mode_str(att->xdp_mode);
}

/* Everything mxctl stats prints about @ifname, from its pins. */
static int read_stats(const char *ifname, struct mxgw_stats *st)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	static struct ct_tally tally;
	struct mxgw_attach_info att;
	struct mxgw_config cfg;
	struct mxgw_nexthop nh;
	struct mxgw_maps m;
	int err;

	memset(st, 0, sizeof(*st));
	snprintf(st->ifname, sizeof(st->ifname), "%.*s", IF_NAMESIZE - 1, ifname);
	err = mxgw_query_attach(ifname, &att);
	if (err)
		return err;
	snprintf(st->xdp_mode, sizeof(st->xdp_mode), "%s", xdp_mode_str(&att));

	mxgw_maps_init(&m);
	err = mxgw_open_loaded(ifname, &m);
	if (!err)
		err = mxgw_maps_read_config(&m, &cfg);
	if (!err)
		err = mxgw_maps_read_services(&m, svcs);
	for (__u32 id = 0; !err && id < MXGW_MAX_SERVICES; id++) {
		struct mxgw_stats_service *s = &st->svcs[st->nservices];

		if (id != MXGW_SVC_UNLISTED && !svcs[id].in_use)
			continue;
		s->id = id;
		if (id != MXGW_SVC_UNLISTED) {
			snprintf(s->name, sizeof(s->name), "%.*s", MXGW_SVC_NAME_LEN - 1,
				 svcs[id].name);
			s->port = svcs[id].port;
			s->protos = svcs[id].protos;
			memcpy(s->verdict, svcs[id].verdict, sizeof(s->verdict));
			s->from = svcs[id].flags & MXGW_PORT_F_FROM;
			s->to_gateway = svcs[id].flags & MXGW_PORT_F_GATEWAY;
		} else {
			s->verdict[MXGW_DIR_IN] = cfg.default_in;
			s->verdict[MXGW_DIR_OUT] = cfg.default_out;
		}
		err = mxgw_maps_read_svc_stats(&m, id, &s->count);
		st->nservices++;
	}
	if (!err)
		err = mxgw_maps_read_counters(&m, st->counters);
	if (!err)
		err = mxgw_maps_read_nexthop(&m, &nh);
	if (!err) {
		memset(&tally, 0, sizeof(tally));
		tally.cfg = &cfg;
		tally.st = st;
		tally.now = mxgw_now_ns();
		err = mxgw_maps_ct_walk(&m, tally_ct, &tally);
	}
	if (!err)
		st->ct_max = mxgw_maps_max_entries(m.ct);
	mxgw_maps_close(&m);
	if (err)
		return err;

	st->public_addr = cfg.public_addr;
	st->mailserver_addr = cfg.mailserver_addr;
	st->default_verdict[MXGW_DIR_IN] = cfg.default_in;
	st->default_verdict[MXGW_DIR_OUT] = cfg.default_out;
	st->icmp_echo = cfg.icmp_echo;
	st->nat_port_min = cfg.nat_port_min;
	st->nat_port_max = cfg.nat_port_max;
	if (!nh.refreshed_ns)
		st->fwd_path = MXGW_STATS_FWD_UNKNOWN;
	else if (nh.fib_ret == BPF_FIB_LKUP_RET_SUCCESS && nh.can_redirect)
		st->fwd_path = MXGW_STATS_FWD_REDIRECT;
	else
		st->fwd_path = MXGW_STATS_FWD_KERNEL;
	if (nh.refreshed_ns && nh.ifindex && !if_indextoname(nh.ifindex, st->fwd_dev))
		st->fwd_dev[0] = '\0';
	st->ipv4_forwarding = mxctl_ipv4_forwarding(ifname);
	return 0;
}

/* --- one-shot output -------------------------------------------------------- */

/* What stats takes after the command: [IFNAME] --prometheus --listen ADDR:PORT */
struct stats_args {
	const char *ifname;
	const char *listen;
	bool prometheus;
};

static int print_stats(const struct mxctl_opts *opts, const struct stats_args *sa)
{
	char names[MAX_IFACES][IF_NAMESIZE];
	struct mxgw_stats *st;
	int n, got = 0, ret = 0, err;

	n = mxctl_targets(opts, sa->ifname, names, MAX_IFACES, "stats");
	if (n < 0)
		return 1;
	st = calloc(n, sizeof(*st));
	if (!st) {
		mxctl_err("stats: %s", strerror(ENOMEM));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		err = read_stats(names[i], &st[got]);
		if (err) {
			mxctl_err("stats %s: %s", names[i], mxctl_strerror(err));
			ret = 1;
			continue;
		}
		got++;
	}
	if (sa->prometheus)
		err = mxgw_stats_write_prometheus(stdout, st, got);
	else if (opts->json)
		err = mxgw_stats_write_json(stdout, st, got);
	else
		err = mxgw_stats_write_text(stdout, st, got);
	free(st);
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
	struct mxgw_stats *st = NULL;
	int n, err;
	FILE *out;

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
	st = calloc(n, sizeof(*st));
	if (!st) {
		fprintf(out, "mxctl: stats: %s\n", strerror(ENOMEM));
		status = "500 Internal Server Error";
		goto out;
	}
	/* all or nothing: a scrape that misses an interface fails, so that
	 * Prometheus records it (up == 0) instead of a gap in the series */
	for (int i = 0; i < n; i++) {
		err = read_stats(names[i], &st[i]);
		if (err) {
			fprintf(out, "mxctl: stats %s: %s\n", names[i], mxctl_strerror(err));
			mxctl_err("stats %s: %s", names[i], mxctl_strerror(err));
			status = "500 Internal Server Error";
			goto out;
		}
	}
	if (mxgw_stats_write_prometheus(out, st, n))
		status = "500 Internal Server Error";
out:
	free(st);
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

int cmd_stats(const struct mxctl_opts *opts, int argc, char **argv)
{
	struct stats_args sa = { 0 };

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--prometheus")) {
			sa.prometheus = true;
		} else if (!strcmp(a, "--listen")) {
			if (++i == argc)
				return mxctl_usage("stats", "--listen needs ADDRESS:PORT");
			sa.listen = argv[i];
		} else if (!strncmp(a, "--listen=", 9)) {
			sa.listen = a + 9;
		} else if (a[0] == '-') {
			return mxctl_usage("stats", "unknown option '%s'", a);
		} else if (sa.ifname) {
			return mxctl_usage("stats", "too many arguments");
		} else {
			sa.ifname = a;
		}
	}
	if (opts->json && (sa.prometheus || sa.listen))
		return mxctl_usage("stats", "-j is JSON; --prometheus and --listen serve the Prometheus format");
	if (sa.listen)
		return serve(opts, &sa);
	return print_stats(opts, &sa);
}
