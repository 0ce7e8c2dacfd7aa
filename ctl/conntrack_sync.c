// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl conntrack export | import FILE: the tracked outgoing flows of one
 * gateway written out, and read into another's maps, so that a keepalived
 * pair's new master continues the flows the old one masqueraded (README:
 * "Two gateways with keepalived").  Nothing but files: keepalived's hook
 * imports what the master last exported; how the file gets across (scp,
 * a shared directory) is the operator's.
 *
 * The format, one flow a line, live flows only, the gateway's own flows
 * (MXGW_CT_F_LOCAL) left out: they are its, not the peer's:
 *
 *   # mxgw-conntrack 1 EPOCH_MS
 *   4 PROTO REMOTE RPORT PUBLIC_PORT LAN LPORT STATE FLAGS AGE_MS IDLE_MS
 *   6 PROTO LAN LPORT REMOTE RPORT STATE FLAGS AGE_MS IDLE_MS
 *
 * Times are relative (the two kernels' clocks differ); EPOCH_MS, the wall
 * clock of the export, ages the flows by the time the file waited.  IPv4's
 * mapping (mxgw_nat) is made from its entry: the same key the data plane
 * builds (nat_key_of).  The public address is the importer's own `public`:
 * the pair shares it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "mxctl.h"
#include "conntrack_sync.h"
#include "../maps/maps.h"
#include "../maps/names.h"

#define SYNC_MAGIC	"# mxgw-conntrack 1"

struct flow {
	int family;		/* 4 or 6 */
	struct mxgw_ct_key k4;
	struct mxgw_ct6_key k6;
	struct mxgw_ct_entry e;
	__u64 age_ms, idle_ms;
};

static __u64 wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct export_walk {
	const struct mxgw_config *cfg;
	FILE *out;
	__u64 now;
	unsigned int n;
};

static void times_ms(const struct export_walk *w, const struct mxgw_ct_entry *e,
		     __u64 *age, __u64 *idle)
{
	*age = (__s64)(w->now - e->created_ns) > 0 ? (w->now - e->created_ns) / 1000000 : 0;
	*idle = (__s64)(w->now - e->seen_ns) > 0 ? (w->now - e->seen_ns) / 1000000 : 0;
}

static int export4(const struct mxgw_ct_key *k, const struct mxgw_ct_entry *e, void *arg)
{
	struct export_walk *w = arg;
	char rem[INET_ADDRSTRLEN], lan[INET_ADDRSTRLEN];
	__u64 age, idle;

	if ((e->flags & MXGW_CT_F_LOCAL) || !mxgw_ct_live(w->cfg, e, w->now))
		return 0;
	times_ms(w, e, &age, &idle);
	inet_ntop(AF_INET, &k->remote_addr, rem, sizeof(rem));
	inet_ntop(AF_INET, &e->lan_addr, lan, sizeof(lan));
	fprintf(w->out, "4 %u %s %u %u %s %u %s %u %llu %llu\n", k->proto, rem,
		ntohs(k->remote_port), ntohs(k->public_port), lan, ntohs(e->lan_port),
		mxgw_ct_state_names[e->state], e->flags, (unsigned long long)age,
		(unsigned long long)idle);
	w->n++;
	return 0;
}

static int export6(const struct mxgw_ct6_key *k, const struct mxgw_ct_entry *e, void *arg)
{
	struct export_walk *w = arg;
	char rem[INET6_ADDRSTRLEN], lan[INET6_ADDRSTRLEN];
	__u64 age, idle;

	if ((e->flags & MXGW_CT_F_LOCAL) || !mxgw_ct_live(w->cfg, e, w->now))
		return 0;
	times_ms(w, e, &age, &idle);
	inet_ntop(AF_INET6, &k->lan_addr, lan, sizeof(lan));
	inet_ntop(AF_INET6, &k->remote_addr, rem, sizeof(rem));
	fprintf(w->out, "6 %u %s %u %s %u %s %u %llu %llu\n", k->proto, lan,
		ntohs(k->lan_port), rem, ntohs(k->remote_port),
		mxgw_ct_state_names[e->state], e->flags, (unsigned long long)age,
		(unsigned long long)idle);
	w->n++;
	return 0;
}

int mxctl_conntrack_export(const struct mxgw_maps *m, FILE *out, unsigned int *n)
{
	struct mxgw_config cfg;
	struct export_walk w = { .cfg = &cfg, .out = out, .now = mxgw_now_ns() };
	int err = mxgw_maps_read_config(m, &cfg);

	if (err)
		return err;
	fprintf(out, SYNC_MAGIC " %llu\n", (unsigned long long)wall_ms());
	err = mxgw_maps_ct_walk(m, export4, &w);
	if (!err)
		err = mxgw_maps_ct6_walk(m, export6, &w);
	if (!err && (fflush(out) || ferror(out)))
		err = -EIO;
	*n = w.n;
	return err;
}

static int parse_state(const char *s, __u8 *state)
{
	for (unsigned int i = 0; i < MXGW_CT_STATE_MAX; i++) {
		if (!strcmp(s, mxgw_ct_state_names[i])) {
			*state = i;
			return 0;
		}
	}
	return -1;
}

static bool port_ok(unsigned int p)
{
	return p <= 65535;
}

/* One line into @f; NULL, or the field that is wrong. */
static const char *parse_line(char *line, struct flow *f)
{
	char fam[4], a[INET6_ADDRSTRLEN + 1], b[INET6_ADDRSTRLEN + 1], st[32], end[2];
	unsigned int proto, p1, p2, p3 = 0, flags;
	unsigned long long age, idle;
	int n;

	memset(f, 0, sizeof(*f));
	if (sscanf(line, "%3s", fam) != 1)
		return "family";
	if (!strcmp(fam, "4")) {
		n = sscanf(line, "4 %u %46s %u %u %46s %u %31s %u %llu %llu %1s", &proto, a,
			   &p1, &p3, b, &p2, st, &flags, &age, &idle, end);
		if (n != 10)
			return n == 11 ? "trailing words" : "fields (11 for family 4)";
		f->family = 4;
		if (proto != 6 && proto != 17 && proto != 1)
			return "proto (6, 17 or 1)";
		if (inet_pton(AF_INET, a, &f->k4.remote_addr) != 1)
			return "remote address";
		if (inet_pton(AF_INET, b, &f->e.lan_addr) != 1)
			return "lan address";
		if (!port_ok(p3) || !p3)
			return "public port";
		f->k4.proto = proto;
		f->k4.remote_port = htons(p1);
		f->k4.public_port = htons(p3);
		f->e.lan_port = htons(p2);
	} else if (!strcmp(fam, "6")) {
		n = sscanf(line, "6 %u %46s %u %46s %u %31s %u %llu %llu %1s", &proto, a, &p2,
			   b, &p1, st, &flags, &age, &idle, end);
		if (n != 9)
			return n == 10 ? "trailing words" : "fields (10 for family 6)";
		f->family = 6;
		if (proto != 6 && proto != 17 && proto != 58)
			return "proto (6, 17 or 58)";
		if (inet_pton(AF_INET6, a, &f->k6.lan_addr) != 1)
			return "lan address";
		if (inet_pton(AF_INET6, b, &f->k6.remote_addr) != 1)
			return "remote address";
		f->k6.proto = proto;
		f->k6.lan_port = htons(p2);
		f->k6.remote_port = htons(p1);
	} else {
		return "family (4 or 6)";
	}
	if (!port_ok(p1) || !port_ok(p2))
		return "port";
	if (parse_state(st, &f->e.state))
		return "state";
	if (flags > 0xff || (flags & MXGW_CT_F_LOCAL))
		return "flags";
	f->e.flags = flags;
	f->age_ms = age;
	f->idle_ms = idle;
	return NULL;
}

int mxctl_conntrack_import(const struct mxgw_maps *m, const char *path,
			   unsigned int *imported, unsigned int *expired)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "re") : stdin;
	struct flow *flows = NULL;
	size_t nflows = 0, cap = 0;
	unsigned long long epoch = 0;
	char line[512];
	struct mxgw_config cfg;
	unsigned int lineno = 0;
	__u64 now, waited = 0;
	int err = 0;

	*imported = *expired = 0;
	if (!in) {
		err = -errno;
		mxctl_err("conntrack import: %s: %s", path, strerror(-err));
		return err;
	}
	/* all or nothing: every line parsed before one flow is written */
	while (fgets(line, sizeof(line), in)) {
		const char *bad;
		struct flow f;

		lineno++;
		if (lineno == 1) {
			if (sscanf(line, SYNC_MAGIC " %llu", &epoch) != 1) {
				mxctl_err("conntrack import: %s:1: header: not \"" SYNC_MAGIC
					  " EPOCH_MS\" (mxctl conntrack export writes it)", path);
				err = -EINVAL;
				goto out;
			}
			continue;
		}
		if (line[0] == '\n' || line[0] == '#')
			continue;
		bad = parse_line(line, &f);
		if (bad) {
			mxctl_err("conntrack import: %s:%u: %s", path, lineno, bad);
			err = -EINVAL;
			goto out;
		}
		if (nflows == cap) {
			struct flow *nf = realloc(flows, (cap = cap ? 2 * cap : 256) * sizeof(*nf));

			if (!nf) {
				err = -ENOMEM;
				goto out;
			}
			flows = nf;
		}
		flows[nflows++] = f;
	}
	if (ferror(in) || !lineno) {
		mxctl_err("conntrack import: %s: %s", path, lineno ? "read error" : "empty");
		err = -EINVAL;
		goto out;
	}
	err = mxgw_maps_read_config(m, &cfg);
	if (err)
		goto out;
	/* the time the file waited, by the wall clock both gateways keep */
	if (wall_ms() > epoch)
		waited = (wall_ms() - epoch) * 1000000ULL;
	now = mxgw_now_ns();
	for (size_t i = 0; i < nflows; i++) {
		struct flow *f = &flows[i];

		f->e.created_ns = now - f->age_ms * 1000000ULL - waited;
		f->e.seen_ns = now - f->idle_ms * 1000000ULL - waited;
		if (!mxgw_ct_live(&cfg, &f->e, now)) {
			(*expired)++;
			continue;
		}
		if (f->family == 6) {
			if (bpf_map_update_elem(m->ct6, &f->k6, &f->e, BPF_ANY)) {
				err = -errno;
				goto out;
			}
		} else {
			struct mxgw_nat_key nk = {
				.lan_addr = f->e.lan_addr,
				.remote_addr = f->k4.remote_addr,
				.lan_port = f->e.lan_port,
				.remote_port = f->k4.remote_port,
				.proto = f->k4.proto,
			};
			struct mxgw_nat_entry ne = { .public_port = f->k4.public_port };

			/* the entry first: a mapping without it is a miss */
			if (bpf_map_update_elem(m->ct, &f->k4, &f->e, BPF_ANY) ||
			    bpf_map_update_elem(m->nat, &nk, &ne, BPF_ANY)) {
				err = -errno;
				goto out;
			}
		}
		(*imported)++;
	}
out:
	/* written over a live entry, perhaps: cached mappings go */
	if (nflows) {
		int changed = mxgw_maps_ct_changed(m);

		if (!err)
			err = changed;
	}
	free(flows);
	if (in != stdin)
		fclose(in);
	return err;
}
