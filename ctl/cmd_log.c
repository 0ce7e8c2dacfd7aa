// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl log: the data plane's sampled events (mxgw_events ring buffer) as
 * a live stream: time, interface, verdict and reason, proto, addresses and
 * ports; --pcap FILE keeps the frames' heads for Wireshark.  -j writes
 * JSON lines: one object an event.
 *
 * One reader per interface: two would split the ring buffer's events
 * between them at random, and neither's lost counts would be true.  The
 * reader holds an flock on the interface's pin directory (it dies with the
 * process, however it ends) and says who it is in mxgw_log_lease.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "mxctl.h"
#include "args.h"
#include "../maps/names.h"
#include "print_log.h"
#include "../loader/loader.h"

#define MAX_IFS		16

struct log_run;

struct log_if {
	struct log_run *run;
	char name[IF_NAMESIZE];
	struct mxgw_maps maps;
	int lock_fd;		/* the pin directory, flocked while we read */
	struct mxgw_service svcs[MXGW_MAX_SERVICES];
	int want_svc;		/* --service: its id here, -1 if none given */
	__u64 start[MXGW_COUNTER_MAX];
};

struct log_run {
	struct log_if ifs[MAX_IFS];
	int nifs;
	int verdict;		/* --verdict: MXGW_EV_*, or -1 for both */
	FILE *pcap;
	bool use_json;
	long left;		/* --count: events still to show, -1 unlimited */
	__u64 shown;
	__s64 mono_to_real;	/* add to a monotonic ns time: realtime ns */
	__s64 since_ns;		/* CLOCK_REALTIME when we started */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static __s64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__s64)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct mxgw_event *ev = data;
	struct log_if *lif = ctx;
	struct log_run *run = lif->run;
	struct mxctl_log_ctx lc = { .ifname = lif->name, .service = "" };

	/* not "stop": what the buffer holds when we stop is still shown */
	if (size < sizeof(*ev) || !run->left)
		return 0;
	if (run->verdict >= 0 && ev->verdict != run->verdict)
		return 0;
	if (lif->want_svc >= 0 && ev->svc_id != lif->want_svc)
		return 0;
	if (ev->svc_id && lif->svcs[ev->svc_id].in_use)
		lc.service = lif->svcs[ev->svc_id].name;
	lc.real_ns = (__s64)ev->ts_ns + run->mono_to_real;

	if (run->use_json)
		mxctl_log_json(stdout, &lc, ev);
	else
		mxctl_log_text(stdout, &lc, ev);
	fflush(stdout);
	if (run->pcap)
		mxctl_pcap_record(run->pcap, lc.real_ns, ev);
	run->shown++;
	if (run->left > 0)
		run->left--;
	return 0;
}

/* What the limit and a full buffer swallowed while we listened. */
static void print_lost(struct log_run *run)
{
	for (int i = 0; i < run->nifs; i++) {
		struct log_if *lif = &run->ifs[i];
		__u64 now[MXGW_COUNTER_MAX];

		if (mxgw_maps_read_counters(&lif->maps, now))
			continue;
		fprintf(stderr, "mxctl: log %s: %llu events shown; not logged: %llu over log-rate, "
			"%llu with the buffer full\n", lif->name, (unsigned long long)run->shown,
			(unsigned long long)(now[MXGW_LOG_RATE_LIMITED] -
					     lif->start[MXGW_LOG_RATE_LIMITED]),
			(unsigned long long)(now[MXGW_LOG_BUFFER_FULL] -
					     lif->start[MXGW_LOG_BUFFER_FULL]));
	}
}

/*
 * The data plane makes events only while a reader holds the lease
 * (mxgw_log_lease): renewed twice a second, cleared on the way out.  Never
 * mxgw_clock itself: writing that entry frees the clock's timer.
 */
static void lease(struct log_run *run, bool hold)
{
	struct mxgw_log_lease l = {
		.until_ns = hold ? mxgw_now_ns() + MXGW_LOG_LEASE_NS : 0,
		.since_ns = hold ? run->since_ns : 0,
		.pid = hold ? getpid() : 0,
	};

	for (int i = 0; i < run->nifs; i++)
		mxgw_maps_write_log_lease(&run->ifs[i].maps, &l);
}

/*
 * After lease(run, false): wait until the data plane has seen it (the
 * clock's next tick copies it), so that every event it made for us is in
 * the ring buffer and every loss in the counters.  A clock that does not
 * tick is not waited for.
 */
static void lease_gone(struct log_run *run)
{
	__s64 deadline = clock_ns(CLOCK_MONOTONIC) + 3 * MXGW_CLOCK_TICK_NS;

	for (int i = 0; i < run->nifs; i++) {
		struct mxgw_clock c;

		while (!mxgw_maps_read_clock(&run->ifs[i].maps, &c) &&
		       c.log_until_ns > c.now_ns &&
		       clock_ns(CLOCK_MONOTONIC) < deadline)
			usleep(10 * 1000);
	}
}

/* One reader per interface: the flock, or who holds it. */
static int take_reader_lock(struct log_if *lif)
{
	struct mxgw_log_lease l = { 0 };
	char dir[PATH_MAX], since[40];
	int err;

	err = mxgw_pin_dir(lif->name, dir, sizeof(dir));
	if (err)
		return err;
	lif->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lif->lock_fd < 0)
		return -errno;
	if (!flock(lif->lock_fd, LOCK_EX | LOCK_NB))
		return 0;
	err = -errno;
	if (err != -EWOULDBLOCK)
		return err;
	mxgw_maps_read_log_lease(&lif->maps, &l);
	if (l.pid) {
		mxctl_log_iso_time(since, sizeof(since), l.since_ns);
		mxctl_err("log %s: already read by pid %u (mxctl log since %s); "
			  "one reader per interface: stop that one first", lif->name,
			  l.pid, since);
	} else {
		mxctl_err("log %s: already read by another mxctl log; "
			  "one reader per interface: stop that one first", lif->name);
	}
	return -EWOULDBLOCK;
}

struct log_args {
	const char *service;
	int verdict;			/* MXGW_EV_*, or -1 for both */
	const char *pcap;
	unsigned long long count;	/* 0: unlimited */
	double timeout;			/* seconds; 0: none */
};

static const struct mxctl_word verdict_words[] = {
	{ "drop", MXGW_EV_DROP },
	{ "allow", MXGW_EV_ALLOW },
	{ NULL },
};

/* A year: a deadline in ns still fits an __s64 many times over. */
#define LOG_TIMEOUT_MAX_S	(365ULL * 24 * 3600)

static const struct mxctl_arg log_args[] = {
	{ .name = "service", .type = MXCTL_ARG_STRING,
	  .offset = offsetof(struct log_args, service), .metavar = "NAME",
	  .help = "only the events of this service" },
	{ .name = "verdict", .type = MXCTL_ARG_WORD,
	  .offset = offsetof(struct log_args, verdict), .words = verdict_words,
	  .help = "only drops, or only connections let in or out" },
	{ .name = "pcap", .type = MXCTL_ARG_STRING,
	  .offset = offsetof(struct log_args, pcap), .metavar = "FILE",
	  .help = "also write the frames' first 96 bytes to FILE, for Wireshark" },
	{ .name = "count", .type = MXCTL_ARG_UINT,
	  .offset = offsetof(struct log_args, count), .metavar = "N",
	  .min = 1, .max = UINT32_MAX,
	  .help = "stop after N events" },
	{ .name = "timeout", .type = MXCTL_ARG_SECONDS,
	  .offset = offsetof(struct log_args, timeout), .metavar = "S",
	  .max = LOG_TIMEOUT_MAX_S,
	  .help = "stop after S seconds (a fraction too: 0.5)" },
	{ 0 },
};

static const struct log_args log_defaults = { .verdict = -1 };

static int find_service(const struct log_if *lif, const char *name)
{
	for (int id = 1; id < MXGW_MAX_SERVICES; id++)
		if (lif->svcs[id].in_use && !strcmp(lif->svcs[id].name, name))
			return id;
	return -1;
}

static int cmd_log(const struct mxctl_opts *opts, const void *args)
{
	const struct log_args *a = args;
	const char *service = a->service, *pcap = a->pcap;
	const double timeout = a->timeout;
	static struct log_run run;
	char names[MAX_IFS][IF_NAMESIZE];
	struct ring_buffer *rb = NULL;
	__s64 deadline = 0, renew = 0;
	int n, err = 0, ret = 0;

	run.verdict = a->verdict;
	run.left = a->count ? (long)a->count : -1;
	n = mxctl_targets(opts, NULL, names, MAX_IFS, "log");
	if (n < 0)
		return 1;
	run.use_json = opts->json;
	run.since_ns = clock_ns(CLOCK_REALTIME);
	run.mono_to_real = run.since_ns - clock_ns(CLOCK_MONOTONIC);

	for (int i = 0; i < n && !err; i++) {
		struct log_if *lif = &run.ifs[run.nifs];

		lif->run = &run;
		memcpy(lif->name, names[i], IF_NAMESIZE);
		mxgw_maps_init(&lif->maps);
		lif->lock_fd = -1;
		run.nifs++;
		err = mxgw_open_loaded(lif->name, &lif->maps);
		if (!err) {
			/* before anything touches the lease or the ring buffer */
			err = take_reader_lock(lif);
			if (err == -EWOULDBLOCK)
				break;	/* said who reads already */
		}
		if (!err)
			err = mxgw_maps_read_services(&lif->maps, lif->svcs);
		if (!err)
			err = mxgw_maps_read_counters(&lif->maps, lif->start);
		if (err) {
			mxctl_err("log %s: %s", lif->name, mxctl_strerror(err));
			break;
		}
		lif->want_svc = service ? find_service(lif, service) : -1;
		if (service && lif->want_svc < 0) {
			mxctl_err("log: %s: no service named '%s'", lif->name, service);
			err = -ENOENT;
			break;
		}
		if (!rb)
			rb = ring_buffer__new(lif->maps.events, on_event, lif, NULL);
		else if (ring_buffer__add(rb, lif->maps.events, on_event, lif))
			rb = NULL;
		if (!rb) {
			err = -errno;
			mxctl_err("log %s: ring buffer: %s", lif->name, mxctl_strerror(err));
		}
	}
	if (!err && pcap) {
		run.pcap = fopen(pcap, "wb");
		if (!run.pcap) {
			err = -errno;
			mxctl_err("log: %s: %s", pcap, strerror(errno));
		} else {
			mxctl_pcap_header(run.pcap);
		}
	}
	if (!err) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		if (timeout > 0)
			deadline = clock_ns(CLOCK_MONOTONIC) + (__s64)(timeout * 1e9);
		lease(&run, true);
		while (!stop && run.left != 0) {
			int r = ring_buffer__poll(rb, 100);

			if (clock_ns(CLOCK_MONOTONIC) >= renew) {
				lease(&run, true);
				renew = clock_ns(CLOCK_MONOTONIC) + MXGW_LOG_LEASE_NS / 4;
			}

			if (r < 0 && r != -EINTR) {
				mxctl_err("log: %s", mxctl_strerror(r));
				ret = 1;
				break;
			}
			if (deadline && clock_ns(CLOCK_MONOTONIC) >= deadline)
				break;
		}
		lease(&run, false);
		/* the rest of what was made for us, then what was lost */
		lease_gone(&run);
		if (run.left != 0)
			ring_buffer__consume(rb);
		print_lost(&run);
	}
	if (run.pcap)
		fclose(run.pcap);
	ring_buffer__free(rb);
	for (int i = 0; i < run.nifs; i++) {
		mxgw_maps_close(&run.ifs[i].maps);
		if (run.ifs[i].lock_fd >= 0)
			close(run.ifs[i].lock_fd);
	}
	return err ? 1 : ret;
}

const struct mxctl_cmd mxctl_cmd_log = {
	.name = "log",
	.handler = cmd_log,
	.args = log_args,
	.args_size = sizeof(struct log_args),
	.defaults = &log_defaults,
	.help = "a live stream of sampled events: drops with their reason, new connections",
	.json = true,
};
