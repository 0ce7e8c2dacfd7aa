// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* User-space access to one interface's map set (see maps.h). */
#include <errno.h>
#include <limits.h>
#include <sys/random.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"
#include "policy.h"
#include "ban.h"

const struct mxgw_map_info mxgw_map_list[MXGW_MAP_COUNT] = {
#define MXGW_MAP_INFO(field, repl, fl)					\
	{								\
		.name = MXGW_MAP_NAME(field),				\
		.fd_offset = offsetof(struct mxgw_maps, field),		\
		.replace = MXGW_MAP_##repl,				\
		.flags = MXGW_MAP_F_##fl,				\
	},
	MXGW_MAPS(MXGW_MAP_INFO)
#undef MXGW_MAP_INFO
};

const struct mxgw_map_info *mxgw_map_by_name(const char *name)
{
	/* the kernel keeps 15 characters of a map's name */
	for (unsigned int i = 0; i < MXGW_MAP_COUNT; i++)
		if (!strncmp(mxgw_map_list[i].name, name, BPF_OBJ_NAME_LEN - 1))
			return &mxgw_map_list[i];
	return NULL;
}

void mxgw_maps_init(struct mxgw_maps *m)
{
	for (unsigned int i = 0; i < MXGW_MAP_COUNT; i++)
		*mxgw_maps_fd(m, i) = -1;
}

void mxgw_maps_close(struct mxgw_maps *m)
{
	for (unsigned int i = 0; i < MXGW_MAP_COUNT; i++) {
		int *fd = mxgw_maps_fd(m, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

static int check_abi(const struct mxgw_maps *m)
{
	struct mxgw_config cfg;
	int err;

	/* by size first: a value of another layout is not read as ours */
	if (mxgw_maps_value_size(m->config) != sizeof(cfg))
		return -EPROTO;
	err = mxgw_maps_read_config(m, &cfg);
	if (err)
		return err;
	return cfg.abi_version == MXGW_ABI_VERSION ? 0 : -EPROTO;
}

int mxgw_maps_open_pinned(struct mxgw_maps *m, const char *dir)
{
	char path[PATH_MAX];
	int err;

	mxgw_maps_init(m);
	for (unsigned int i = 0; i < MXGW_MAP_COUNT; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, mxgw_map_list[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			int err = -errno;

			mxgw_maps_close(m);
			return err;
		}
		*mxgw_maps_fd(m, i) = fd;
	}
	err = check_abi(m);
	if (err)
		mxgw_maps_close(m);
	return err;
}

static int update(int fd, const void *key, const void *value)
{
	return bpf_map_update_elem(fd, key, value, BPF_ANY) ? -errno : 0;
}

static int lookup(int fd, const void *key, void *value)
{
	return bpf_map_lookup_elem(fd, key, value) ? -errno : 0;
}

int mxgw_maps_read_config(const struct mxgw_maps *m, struct mxgw_config *cfg)
{
	__u32 key = 0;

	return lookup(m->config, &key, cfg);
}

int mxgw_maps_read_services(const struct mxgw_maps *m, struct mxgw_service *svcs)
{
	for (__u32 id = 0; id < MXGW_MAX_SERVICES; id++) {
		int err = lookup(m->services, &id, &svcs[id]);

		if (err)
			return err;
	}
	return 0;
}

/* The port-map entries a service owns, one per protocol in its mask. */
static int write_ports(const struct mxgw_maps *m, __u16 port, __u8 protos,
		       const struct mxgw_port_policy *pol)
{
	for (__u32 p = 0; p < MXGW_PROTO_MAX; p++) {
		__u32 idx = mxgw_port_index(p, port);
		int err;

		if (!(protos & MXGW_PROTO_BIT(p)))
			continue;
		err = update(m->ports, &idx, pol);
		if (err)
			return err;
	}
	return 0;
}

static struct mxgw_port_policy policy_of(__u32 id, const struct mxgw_service *s)
{
	struct mxgw_port_policy pol = {
		.svc_id = id,
		.flags = s->flags,
	};

	memcpy(pol.verdict, s->verdict, sizeof(pol.verdict));
	return pol;
}

static struct mxgw_from_key from_key(__u32 id, const struct mxgw_prefix *p)
{
	struct mxgw_from_key k = {
		.prefixlen = MXGW_FROM_SVC_BITS + p->len,
		.svc_id = htonl(id),
		.addr = p->addr,
	};

	return k;
}

int mxgw_maps_read_from(const struct mxgw_maps *m, __u32 svc_id,
			struct mxgw_from_key *keys, int max)
{
	struct mxgw_from_key key, next;
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(m->from, prev, &next)) {
		if (ntohl(next.svc_id) == svc_id && n < max)
			keys[n++] = next;
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? n : -errno;
}

/* Is @k one of service @cs's prefixes? */
static int policy_has_prefix(const struct mxgw_policy_service *cs,
			     const struct mxgw_from_key *k)
{
	for (unsigned int i = 0; i < cs->nfrom; i++)
		if (cs->from[i].addr == k->addr &&
		    MXGW_FROM_SVC_BITS + cs->from[i].len == k->prefixlen)
			return 1;
	return 0;
}

static struct mxgw_from6_key from6_key(__u32 id, const struct mxgw_cidr6 *p)
{
	struct mxgw_from6_key k = {
		.prefixlen = MXGW_FROM_SVC_BITS + p->len,
		.svc_id = htonl(id),
		.addr = p->addr,
	};

	return k;
}

int mxgw_maps_read_from6(const struct mxgw_maps *m, __u32 svc_id,
			 struct mxgw_from6_key *keys, int max)
{
	struct mxgw_from6_key key, next;
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(m->from6, prev, &next)) {
		if (ntohl(next.svc_id) == svc_id && n < max)
			keys[n++] = next;
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? n : -errno;
}

static int policy_has_prefix6(const struct mxgw_policy_service *cs,
			      const struct mxgw_from6_key *k)
{
	for (unsigned int i = 0; i < cs->nfrom6; i++)
		if (mxgw_in6_eq(&cs->from6[i].addr, &k->addr) &&
		    MXGW_FROM_SVC_BITS + cs->from6[i].len == k->prefixlen)
			return 1;
	return 0;
}

/* The IPv6 half of prune_from: mxgw_from6. */
static int prune_from6(const struct mxgw_maps *m, __u32 id,
		       const struct mxgw_policy_service *cs)
{
	struct mxgw_from6_key *keys = calloc(MXGW_MAX_FROM, sizeof(*keys));
	int n, err = 0;

	if (!keys)
		return -ENOMEM;
	n = mxgw_maps_read_from6(m, id, keys, MXGW_MAX_FROM);
	if (n < 0)
		err = n;
	for (int i = 0; i < n && !err; i++) {
		if (cs && policy_has_prefix6(cs, &keys[i]))
			continue;
		if (bpf_map_delete_elem(m->from6, &keys[i]) && errno != ENOENT)
			err = -errno;
	}
	free(keys);
	return err;
}

/* Delete every prefix of @id that @cs (NULL: none) does not list. */
static int prune_from(const struct mxgw_maps *m, __u32 id,
		      const struct mxgw_policy_service *cs)
{
	struct mxgw_from_key *keys = calloc(MXGW_MAX_FROM, sizeof(*keys));
	int n, err = 0;

	if (!keys)
		return -ENOMEM;
	n = mxgw_maps_read_from(m, id, keys, MXGW_MAX_FROM);
	if (n < 0)
		err = n;
	for (int i = 0; i < n && !err; i++) {
		if (cs && policy_has_prefix(cs, &keys[i]))
			continue;
		if (bpf_map_delete_elem(m->from, &keys[i]) && errno != ENOENT)
			err = -errno;
	}
	free(keys);
	return err ? err : prune_from6(m, id, cs);
}

/*
 * Service ids: a service keeps the id of the running service of the same
 * name, so its counters survive a reload; new names take ids no running
 * service holds, and only when those run out an id just given up.
 */
static int assign_ids(const struct mxgw_policy *pol,
		      const struct mxgw_service *old, __u32 *ids)
{
	unsigned char taken[MXGW_MAX_SERVICES] = { [MXGW_SVC_UNLISTED] = 1 };

	for (unsigned int i = 0; i < pol->nservices; i++) {
		ids[i] = 0;
		for (__u32 id = 1; id < MXGW_MAX_SERVICES; id++) {
			if (old[id].in_use &&
			    !strncmp(old[id].name, pol->services[i].name,
				     MXGW_SVC_NAME_LEN)) {
				ids[i] = id;
				taken[id] = 1;
				break;
			}
		}
	}
	for (unsigned int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < pol->nservices; i++) {
			__u32 id;

			if (ids[i])
				continue;
			for (id = 1; id < MXGW_MAX_SERVICES; id++)
				if (!taken[id] && (pass || !old[id].in_use))
					break;
			if (id == MXGW_MAX_SERVICES)
				continue;
			ids[i] = id;
			taken[id] = 1;
		}
	}
	for (unsigned int i = 0; i < pol->nservices; i++)
		if (!ids[i])
			return -E2BIG;
	return 0;
}

/* The protocols @pol lists on @port, as a MXGW_PROTO_BIT() mask. */
static __u8 policy_protos_on(const struct mxgw_policy *pol, __u16 port)
{
	__u8 protos = 0;

	for (unsigned int i = 0; i < pol->nservices; i++)
		if (pol->services[i].port == port)
			protos |= pol->services[i].protos;
	return protos;
}

static struct mxgw_service service_of(const struct mxgw_policy_service *cs)
{
	struct mxgw_service s = {
		.port = cs->port,
		.protos = cs->protos,
		.flags = (mxgw_policy_service_has_from(cs) ? MXGW_PORT_F_FROM : 0) |
			 (cs->to_gateway ? MXGW_PORT_F_GATEWAY : 0) |
			 (cs->limit.rate ? MXGW_PORT_F_LIMIT : 0) |
			 (cs->syn_flood_rate ? MXGW_PORT_F_SYNFLOOD : 0),
		.in_use = 1,
	};

	memcpy(s.name, cs->name, sizeof(s.name));
	memcpy(s.verdict, cs->verdict, sizeof(s.verdict));
	return s;
}

struct mxgw_limit mxgw_limit_of(const struct mxgw_policy_service *cs)
{
	struct mxgw_limit l = { 0 };

	if (!cs->limit.rate)
		return l;
	l.rate = cs->limit.rate;
	l.per_s = cs->limit.per_s;
	l.burst = cs->limit.burst;
	l.interval_ns = (__u64)cs->limit.per_s * 1000000000ULL / cs->limit.rate;
	if (!l.interval_ns)
		l.interval_ns = 1;
	l.burst_ns = l.interval_ns * cs->limit.burst;
	l.ban_ns = (__u64)cs->limit.ban_s * 1000000000ULL;
	return l;
}

int mxgw_maps_read_limit(const struct mxgw_maps *m, __u32 svc_id, struct mxgw_limit *l)
{
	return lookup(m->limits, &svc_id, l);
}

int mxgw_maps_read_synflood(const struct mxgw_maps *m, __u32 svc_id, struct mxgw_synflood *sf,
			    struct mxgw_syn_state *st)
{
	int err = lookup(m->synflood, &svc_id, sf);

	return err ? err : lookup(m->syn_state, &svc_id, st);
}

int mxgw_maps_count_syn_ok(const struct mxgw_maps *m, unsigned int *n)
{
	struct mxgw_syn_key key, next;
	const void *prev = NULL;

	*n = 0;
	while (!bpf_map_get_next_key(m->syn_ok, prev, &next)) {
		key = next;
		prev = &key;
		++*n;
	}
	return errno == ENOENT ? 0 : -errno;
}

int mxgw_maps_count_buckets(const struct mxgw_maps *m, unsigned int *main_n,
			    unsigned int *new_n)
{
	struct mxgw_rl_key key, next;
	const struct { int fd; unsigned int *n; } maps[] = {
		{ m->rl, main_n }, { m->rl_new, new_n },
	};

	for (size_t i = 0; i < 2; i++) {
		const void *prev = NULL;

		*maps[i].n = 0;
		while (!bpf_map_get_next_key(maps[i].fd, prev, &next)) {
			key = next;
			prev = &key;
			++*maps[i].n;
		}
		if (errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* The mxgw_config entry: addresses, defaults, NAT range and timeouts. */
static struct mxgw_config config_of(const struct mxgw_policy *pol,
				    const struct mxgw_wan *wan)
{
	struct mxgw_config cfg = {
		.abi_version = MXGW_ABI_VERSION,
		.wan_ifindex = wan->ifindex,
		.public_addr = pol->public_addr,
		.mailserver_addr = pol->mailserver_addr,
		.default_in = pol->default_verdict,
		.default_out = pol->default_verdict,
		.icmp_echo = pol->icmp_echo,
		.nat_port_min = pol->nat_port_min,
		.nat_port_max = pol->nat_port_max,
	};

	int ncpu = libbpf_num_possible_cpus();

	/* log-rate is for the gateway: each CPU's bucket holds its share */
	if (pol->log_rate)
		cfg.log_per_cpu = ncpu > 0 && pol->log_rate > (__u32)ncpu ?
				  pol->log_rate / ncpu : 1;
	memcpy(cfg.wan_addrs, wan->addrs, sizeof(cfg.wan_addrs));
	memcpy(cfg.wan_bcast, wan->bcast, sizeof(cfg.wan_bcast));
	cfg.lan_net = wan->lan_net;
	cfg.lan_mask = wan->lan_mask;
	for (int st = 0; st < MXGW_CT_STATE_MAX; st++)
		cfg.timeout_ns[st] = pol->timeout_s[st] * 1000000000ULL;
	/* IPv6 (the counts are checked by mxgw_maps_apply) */
	cfg.has_mailserver6 = pol->has_mailserver6;
	if (pol->has_mailserver6)
		cfg.mailserver6 = pol->mailserver6;
	if (pol->nlan6) {
		cfg.nlan6 = pol->nlan6;
		for (unsigned int i = 0; i < pol->nlan6; i++)
			cfg.lan6[i] = mxgw_prefix6_of(&pol->lan6[i]);
	} else {
		cfg.nlan6 = wan->nlan6;
		memcpy(cfg.lan6, wan->lan6, wan->nlan6 * sizeof(cfg.lan6[0]));
	}
	cfg.nwan6 = wan->naddrs6;
	memcpy(cfg.wan6_addrs, wan->addrs6, wan->naddrs6 * sizeof(cfg.wan6_addrs[0]));
	/* the tables may still be empty: a lookup of an empty slot is a miss */
	if (pol->nblocklists)
		cfg.flags |= MXGW_CFG_F_BLOCKLIST;
	for (unsigned int i = 0; i < pol->nservices; i++)
		if (pol->services[i].limit.rate)
			cfg.flags |= MXGW_CFG_F_LIMIT;
	for (unsigned int i = 0; i < pol->nservices; i++)
		if (pol->services[i].syn_flood_rate)
			cfg.flags |= MXGW_CFG_F_SYNFLOOD;
	return cfg;
}

/*
 * The SYN-flood cookies' key: the running config's, so cookies sent
 * before a load, reload or set-service still verify after it; drawn
 * from getrandom() when it has none (a fresh map).
 */
static int syn_key_of(const struct mxgw_maps *m, __u64 *key)
{
	struct mxgw_config run;
	__u32 zero = 0;
	ssize_t n;

	if (!lookup(m->config, &zero, &run) && (run.syn_key[0] || run.syn_key[1])) {
		key[0] = run.syn_key[0];
		key[1] = run.syn_key[1];
		return 0;
	}
	n = getrandom(key, 2 * sizeof(*key), 0);
	if (n < 0)
		return -errno;
	return n == 2 * sizeof(*key) ? 0 : -EIO;
}

int mxgw_maps_apply(const struct mxgw_maps *m, const struct mxgw_policy *pol,
		    const struct mxgw_wan *wan)
{
	struct mxgw_service old[MXGW_MAX_SERVICES];
	unsigned char kept[MXGW_MAX_SERVICES] = { 0 };
	__u32 ids[MXGW_MAX_SERVICES];
	struct mxgw_config cfg;
	static const struct mxgw_port_policy unlisted;
	static const struct mxgw_service unused;
	unsigned int nfrom = 0, nfrom6 = 0;
	__u32 key = 0, flags;
	int err;

	/* everything that can fail without the kernel is checked first */
	if (pol->nservices >= MXGW_MAX_SERVICES)
		return -E2BIG;
	if (pol->nlan6 > MXGW_LAN6_MAX || wan->nlan6 > MXGW_LAN6_MAX ||
	    wan->naddrs6 > MXGW_WAN6_ADDRS_MAX)
		return -E2BIG;
	if (pol->nallow4 > MXGW_MAX_ALLOW || pol->nallow6 > MXGW_MAX_ALLOW)
		return -E2BIG;
	for (unsigned int i = 0; i < pol->nservices; i++) {
		if (pol->services[i].nfrom > MXGW_POLICY_MAX_FROM_PER_SVC ||
		    pol->services[i].nfrom6 > MXGW_POLICY_MAX_FROM_PER_SVC)
			return -E2BIG;
		nfrom += pol->services[i].nfrom;
		nfrom6 += pol->services[i].nfrom6;
	}
	/* within the limits above, unreachable (policy.h's assert) */
	if (nfrom > MXGW_MAX_FROM || nfrom6 > MXGW_MAX_FROM)
		return -E2BIG;
	cfg = config_of(pol, wan);
	err = syn_key_of(m, cfg.syn_key);
	if (err)
		return err;
	err = mxgw_maps_read_services(m, old);
	if (err)
		return err;
	err = assign_ids(pol, old, ids);
	if (err)
		return err;

	/* 1. new and kept services: prefixes first, then their table rows */
	for (unsigned int i = 0; i < pol->nservices; i++) {
		const struct mxgw_policy_service *cs = &pol->services[i];
		struct mxgw_service s = service_of(cs);
		struct mxgw_synflood sf = { 0 };
		struct mxgw_limit lim;
		__u32 id = ids[i];
		__u8 one = 1;

		kept[id] = 1;
		if (!old[id].in_use || strncmp(old[id].name, cs->name,
					       MXGW_SVC_NAME_LEN)) {
			/* an id new to this name starts its counters at 0 */
			struct mxgw_svc_stats zero[libbpf_num_possible_cpus()];

			memset(zero, 0, sizeof(zero));
			for (__u32 fam = 0; fam < MXGW_FAM_MAX; fam++) {
				__u32 k = mxgw_svc_key(fam, id);

				err = update(m->svc_stats, &k, zero);
				if (err)
					return err;
			}
			err = prune_from(m, id, NULL);
			if (err)
				return err;
		}
		for (unsigned int f = 0; f < cs->nfrom; f++) {
			struct mxgw_from_key k = from_key(id, &cs->from[f]);

			err = update(m->from, &k, &one);
			if (err)
				return err;
		}
		for (unsigned int f = 0; f < cs->nfrom6; f++) {
			struct mxgw_from6_key k = from6_key(id, &cs->from6[f]);

			err = update(m->from6, &k, &one);
			if (err)
				return err;
		}
		/* the limit before the port's flag that makes XDP read it */
		lim = mxgw_limit_of(cs);
		err = update(m->limits, &id, &lim);
		if (err)
			return err;
		/* so is the syn-flood threshold */
		sf.rate = cs->syn_flood_rate;
		sf.per_slot = sf.rate ? mxgw_syn_per_slot(sf.rate) : 0;
		/* the budget: `budget M/s`, else the threshold's rate */
		sf.budget = cs->syn_flood_budget ? cs->syn_flood_budget : sf.rate;
		sf.budget_per_slot = sf.budget ? mxgw_syn_per_slot(sf.budget) : 0;
		err = update(m->synflood, &id, &sf);
		if (err)
			return err;
		err = update(m->services, &id, &s);
		if (err)
			return err;
	}

	/* 2. the port index of the new table, written before anything is
	 * cleared so a port that stays listed is never unlisted meanwhile */
	for (unsigned int i = 0; i < pol->nservices; i++) {
		const struct mxgw_policy_service *cs = &pol->services[i];
		struct mxgw_service s = service_of(cs);
		struct mxgw_port_policy pol = policy_of(ids[i], &s);

		err = write_ports(m, cs->port, cs->protos, &pol);
		if (err)
			return err;
	}
	/* 3. ports of services that went away or moved: back to "unlisted" */
	for (__u32 id = 1; id < MXGW_MAX_SERVICES; id++) {
		__u8 gone;

		if (!old[id].in_use)
			continue;
		gone = old[id].protos & ~policy_protos_on(pol, old[id].port);
		err = write_ports(m, old[id].port, gone, &unlisted);
		if (err)
			return err;
	}
	/* 4. stale prefixes and rows */
	for (__u32 id = 1; id < MXGW_MAX_SERVICES; id++) {
		const struct mxgw_policy_service *cs = NULL;

		if (!kept[id] && !old[id].in_use)
			continue;
		for (unsigned int i = 0; i < pol->nservices; i++)
			if (ids[i] == id)
				cs = &pol->services[i];
		err = prune_from(m, id, cs);
		if (err)
			return err;
		if (!kept[id] && old[id].in_use) {
			err = update(m->services, &id, &unused);
			if (err)
				return err;
		}
	}
	/* the allowlist, and the flags of what bans and the allowlist hold
	 * (bans are no policy: whatever mxgw_ban4/6 hold stays) */
	err = mxgw_maps_apply_allowlist(m, pol, &flags);
	if (err)
		return err;
	cfg.flags |= flags;	/* config_of's: the blocklists' */
	return update(m->config, &key, &cfg);
}

int mxgw_maps_set_verdict(const struct mxgw_maps *m, const char *name, int dir,
			  int verdict)
{
	struct mxgw_service s;
	struct mxgw_port_policy pol;

	for (__u32 id = 1; id < MXGW_MAX_SERVICES; id++) {
		int err = lookup(m->services, &id, &s);

		if (err)
			return err;
		if (!s.in_use || strncmp(s.name, name, MXGW_SVC_NAME_LEN))
			continue;
		for (int d = 0; d < MXGW_DIR_MAX; d++)
			if (dir < 0 || dir == d)
				s.verdict[d] = verdict;
		/* the data plane reads the port index: it changes first */
		pol = policy_of(id, &s);
		err = write_ports(m, s.port, s.protos, &pol);
		if (err)
			return err;
		return update(m->services, &id, &s);
	}
	return -ENOENT;
}

/* Read a per-CPU entry of @value_size bytes; sum its u64 words over CPUs. */
static int read_percpu_sum(int fd, __u32 key, __u64 *sum, size_t value_size)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t words = value_size / sizeof(__u64);
	size_t stride = (value_size + 7) & ~7UL;
	__u64 *vals;
	int err;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, stride);
	if (!vals)
		return -ENOMEM;
	err = lookup(fd, &key, vals);
	if (!err) {
		memset(sum, 0, value_size);
		for (int c = 0; c < ncpu; c++)
			for (size_t w = 0; w < words; w++)
				sum[w] += vals[c * stride / sizeof(__u64) + w];
	}
	free(vals);
	return err;
}

int mxgw_maps_read_svc_stats(const struct mxgw_maps *m, __u32 svc_id,
			     struct mxgw_svc_stats *sum)
{
	return read_percpu_sum(m->svc_stats, svc_id, (__u64 *)sum, sizeof(*sum));
}

static __u64 minus(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;	/* read at slightly different times */
}

/*
 * The counters the data plane leaves to us (flag DERIVED of MXGW_COUNTERS),
 * from @fam's service counts and counters:
 * drop_service_deny = listed services' incoming denials - drop_not_from;
 * drop_default_deny = the unlisted row's incoming denials;
 * fwd_redirect = what was forwarded - its kernel paths - pass_gateway_service,
 *                what was forwarded being incoming allowed + ct_reply, and
 *                for IPv6 (routed to mailserver6, not passed to the gateway)
 *                the echo requests and other protocols let in and the
 *                ICMPv6 errors let through.
 */
static int derive_counters(const struct mxgw_maps *m, __u32 fam, __u64 *c)
{
	struct mxgw_service svcs[MXGW_MAX_SERVICES];
	__u64 listed_deny = 0, allowed = 0, kernel;
	int err = mxgw_maps_read_services(m, svcs);

	for (__u32 id = 0; !err && id < MXGW_MAX_SERVICES; id++) {
		struct mxgw_svc_stats st;

		if (id != MXGW_SVC_UNLISTED && !svcs[id].in_use)
			continue;
		err = mxgw_maps_read_svc_stats(m, mxgw_svc_key(fam, id), &st);
		if (err)
			break;
		allowed += st.count[MXGW_DIR_IN][MXGW_ALLOW].packets;
		if (id == MXGW_SVC_UNLISTED)
			c[MXGW_DROP_DEFAULT_DENY] = st.count[MXGW_DIR_IN][MXGW_DENY].packets;
		else
			listed_deny += st.count[MXGW_DIR_IN][MXGW_DENY].packets;
	}
	if (err)
		return err;
	/* an ICMP error translated towards the LAN always takes the kernel
	 * path, and is neither a service's packet nor a reply (IPv4) */
	kernel = mxgw_kernel_path(c) - c[MXGW_FWD_KERNEL_ICMP];
	if (fam == MXGW_FAM_IPV6)
		allowed += c[MXGW_PASS_ICMP_ECHO] + c[MXGW_PASS_OTHER_PROTO] +
			   c[MXGW_ICMP_XLATE_IN];
	c[MXGW_DROP_SERVICE_DENY] = minus(listed_deny, c[MXGW_DROP_NOT_FROM]);
	/* a "to gateway" service's packets are allowed in, not forwarded */
	c[MXGW_FWD_REDIRECT] = minus(allowed + c[MXGW_CT_REPLY],
				     kernel + c[MXGW_PASS_GATEWAY_SERVICE]);
	return 0;
}

int mxgw_maps_read_counters_family(const struct mxgw_maps *m, __u32 fam,
				   __u64 *counters)
{
	if (fam >= MXGW_FAM_MAX)
		return -EINVAL;
	for (__u32 i = 0; i < MXGW_COUNTER_MAX; i++) {
		int err = read_percpu_sum(m->counters, mxgw_counter_key(fam, i),
					  &counters[i], sizeof(__u64));

		if (err)
			return err;
	}
	return derive_counters(m, fam, counters);
}

int mxgw_maps_read_counters(const struct mxgw_maps *m, __u64 *counters)
{
	return mxgw_maps_read_counters_family(m, MXGW_FAM_IPV4, counters);
}

int mxgw_maps_read_nexthop_family(const struct mxgw_maps *m, __u32 fam,
				  struct mxgw_nexthop *nh)
{
	int ncpu = libbpf_num_possible_cpus();
	struct mxgw_nexthop *vals;
	__u32 key = fam;	/* one entry per family */
	int err;

	if (fam >= MXGW_FAM_MAX)
		return -EINVAL;
	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = lookup(m->nexthop, &key, vals);
	if (!err) {
		*nh = vals[0];
		for (int c = 1; c < ncpu; c++)
			if (vals[c].refreshed_ns > nh->refreshed_ns)
				*nh = vals[c];
	}
	free(vals);
	return err;
}

int mxgw_maps_read_nexthop(const struct mxgw_maps *m, struct mxgw_nexthop *nh)
{
	return mxgw_maps_read_nexthop_family(m, MXGW_FAM_IPV4, nh);
}

int mxgw_maps_read_clock(const struct mxgw_maps *m, struct mxgw_clock *c)
{
	__u32 key = 0;

	return lookup(m->clock, &key, c);
}

int mxgw_maps_read_log_lease(const struct mxgw_maps *m, struct mxgw_log_lease *l)
{
	__u32 key = 0;

	return lookup(m->log_lease, &key, l);
}

int mxgw_maps_write_log_lease(const struct mxgw_maps *m, const struct mxgw_log_lease *l)
{
	__u32 key = 0;

	return update(m->log_lease, &key, l);
}

__u64 mxgw_now_ns(void)
{
	struct timespec ts;

	/* the clock of bpf_ktime_get_coarse_ns() */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool mxgw_ct_live(const struct mxgw_config *cfg, const struct mxgw_ct_entry *e,
		  __u64 now)
{
	__u32 st = e->state;
	__s64 age;

	if (st >= MXGW_CT_STATE_MAX)
		return false;
	/* modulo 2^64, as the data plane's ct_expired computes it; a
	 * seen_ns a little ahead of our clock (read at another moment) is
	 * a negative age, live */
	age = (__s64)(now - e->seen_ns);
	return age <= 0 || (__u64)age <= mxgw_ct_timeout_ns(cfg, e, st);
}

int mxgw_maps_ct_walk(const struct mxgw_maps *m,
		      int (*fn)(const struct mxgw_ct_key *k,
				const struct mxgw_ct_entry *e, void *arg),
		      void *arg)
{
	struct mxgw_ct_key key, next;
	struct mxgw_ct_entry e;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(m->ct, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->ct, &key, &e))
			continue;	/* evicted meanwhile */
		err = fn(&key, &e, arg);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

int mxgw_maps_ct6_walk(const struct mxgw_maps *m,
		       int (*fn)(const struct mxgw_ct6_key *k,
				 const struct mxgw_ct_entry *e, void *arg),
		       void *arg)
{
	struct mxgw_ct6_key key, next;
	struct mxgw_ct_entry e;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(m->ct6, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->ct6, &key, &e))
			continue;	/* evicted meanwhile */
		err = fn(&key, &e, arg);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Delete every key of @fd; keys are @key_size bytes. */
static int flush_map(int fd, size_t key_size)
{
	char key[64];

	if (key_size > sizeof(key))
		return -EINVAL;
	/* always the first key: deleting while iterating skips entries */
	while (!bpf_map_get_next_key(fd, NULL, key))
		if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
			return -errno;
	return errno == ENOENT ? 0 : -errno;
}

int mxgw_ct_gen_bump(int ct_gen_fd)
{
	struct mxgw_ct_gen g;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(ct_gen_fd, &zero, &g))
		return -errno;
	/* never a value the data plane's increments made: see the ABI */
	g.gen += MXGW_CT_GEN_USER;
	return bpf_map_update_elem(ct_gen_fd, &zero, &g, BPF_ANY) ? -errno : 0;
}

int mxgw_maps_ct_changed(const struct mxgw_maps *m)
{
	return mxgw_ct_gen_bump(m->ct_gen);
}

int mxgw_maps_ct_flush(const struct mxgw_maps *m)
{
	int err = flush_map(m->nat, sizeof(struct mxgw_nat_key)), changed;

	if (!err)
		err = flush_map(m->ct, sizeof(struct mxgw_ct_key));
	if (!err)
		err = flush_map(m->ct6, sizeof(struct mxgw_ct6_key));
	/* even after a failure part way: what was deleted is gone */
	changed = mxgw_maps_ct_changed(m);
	return err ? err : changed;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

__u32 mxgw_maps_max_entries(int fd)
{
	struct bpf_map_info info;

	return map_info(fd, &info) ? 0 : info.max_entries;
}

__u32 mxgw_maps_value_size(int fd)
{
	struct bpf_map_info info;

	return map_info(fd, &info) ? 0 : info.value_size;
}

__u64 mxgw_maps_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}
