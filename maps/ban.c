// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bans and the allowlist in one interface's maps (see ban.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "ban.h"
#include "maps.h"
#include "policy.h"

static int ban_fd(const struct mxgw_maps *m, __u8 family)
{
	return family == MXGW_FAM_IPV6 ? m->ban6 : m->ban4;
}

/* The LPM key of @p, in @key (large enough for either family's). */
static size_t lpm_key(const struct mxgw_src_prefix *p, void *key)
{
	if (p->family == MXGW_FAM_IPV6) {
		struct mxgw_lpm6_key k = { .prefixlen = p->len, .addr = p->addr };

		memcpy(key, &k, sizeof(k));
		return sizeof(k);
	} else {
		struct mxgw_lpm4_key k = { .prefixlen = p->len, .addr = p->addr.a[0] };

		memcpy(key, &k, sizeof(k));
		return sizeof(k);
	}
}

static void prefix_of(__u8 family, const void *key, struct mxgw_src_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	if (family == MXGW_FAM_IPV6) {
		const struct mxgw_lpm6_key *k = key;

		p->len = k->prefixlen;
		p->addr = k->addr;
	} else {
		const struct mxgw_lpm4_key *k = key;

		p->len = k->prefixlen;
		p->addr.a[0] = k->addr;
	}
}

bool mxgw_ban_expired(const struct mxgw_ban *b, __u64 now)
{
	/* the data plane's test, ban_live() in bpf/ban.bpf.h */
	return b->expires_ns && now >= b->expires_ns;
}

/* Does the map @fd hold any entry? */
static int map_empty(int fd, size_t key_size, bool *empty)
{
	char key[sizeof(struct mxgw_lpm6_key)];

	if (key_size > sizeof(key))
		return -EINVAL;
	if (!bpf_map_get_next_key(fd, NULL, key)) {
		*empty = false;
		return 0;
	}
	*empty = true;
	return errno == ENOENT ? 0 : -errno;
}

static int ban_flags(const struct mxgw_maps *m, __u32 *flags)
{
	bool empty4, empty6;
	int err = map_empty(m->ban4, sizeof(struct mxgw_lpm4_key), &empty4);

	if (!err)
		err = map_empty(m->ban6, sizeof(struct mxgw_lpm6_key), &empty6);
	if (err)
		return err;
	*flags = (empty4 ? 0 : MXGW_CFG_F_BAN4) | (empty6 ? 0 : MXGW_CFG_F_BAN6);
	return 0;
}

int mxgw_bans_sync_flags(const struct mxgw_maps *m)
{
	struct mxgw_config cfg;
	__u32 flags, key = 0;
	int err = ban_flags(m, &flags);

	if (!err)
		err = mxgw_maps_read_config(m, &cfg);
	if (err)
		return err;
	flags |= cfg.flags & ~(__u32)(MXGW_CFG_F_BAN4 | MXGW_CFG_F_BAN6);
	if (flags == cfg.flags)
		return 0;
	cfg.flags = flags;
	return bpf_map_update_elem(m->config, &key, &cfg, BPF_ANY) ? -errno : 0;
}

int mxgw_bans_add(const struct mxgw_maps *m, const struct mxgw_ban_entry *e, size_t n)
{
	char key[sizeof(struct mxgw_lpm6_key)];
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		if (e[i].pfx.len > (e[i].pfx.family == MXGW_FAM_IPV6 ? 128 : 32)) {
			err = -EINVAL;
			break;
		}
		lpm_key(&e[i].pfx, key);
		if (bpf_map_update_elem(ban_fd(m, e[i].pfx.family), key, &e[i].ban, BPF_ANY)) {
			err = errno == ENOSPC ? -E2BIG : -errno;
			break;
		}
	}
	/* whatever was set is looked for, even after a failure */
	if (n) {
		int e2 = mxgw_bans_sync_flags(m);

		err = err ? err : e2;
	}
	return err;
}

int mxgw_bans_del(const struct mxgw_maps *m, const struct mxgw_src_prefix *p)
{
	char key[sizeof(struct mxgw_lpm6_key)];
	int err;

	lpm_key(p, key);
	if (bpf_map_delete_elem(ban_fd(m, p->family), key))
		return -errno;
	err = mxgw_bans_sync_flags(m);
	return err;
}

/* Every key of LPM trie @fd of @family (a key size of that family). */
static int lpm_walk(int fd, __u8 family, void *value,
		    int (*fn)(const struct mxgw_src_prefix *p, const void *value, void *arg),
		    void *arg)
{
	char key[sizeof(struct mxgw_lpm6_key)], next[sizeof(key)];
	size_t ks = family == MXGW_FAM_IPV6 ? sizeof(struct mxgw_lpm6_key) :
					      sizeof(struct mxgw_lpm4_key);
	struct mxgw_src_prefix p;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ks);
		prev = key;
		if (value && bpf_map_lookup_elem(fd, key, value))
			continue;	/* deleted meanwhile */
		prefix_of(family, key, &p);
		err = fn(&p, value, arg);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

struct ban_walk {
	int (*fn)(const struct mxgw_ban_entry *e, void *arg);
	void *arg;
};

static int ban_walk_one(const struct mxgw_src_prefix *p, const void *value, void *arg)
{
	struct ban_walk *w = arg;
	struct mxgw_ban_entry e = { .pfx = *p };

	memcpy(&e.ban, value, sizeof(e.ban));
	return w->fn(&e, w->arg);
}

int mxgw_bans_walk(const struct mxgw_maps *m,
		   int (*fn)(const struct mxgw_ban_entry *e, void *arg), void *arg)
{
	struct ban_walk w = { .fn = fn, .arg = arg };
	struct mxgw_ban b;
	int err = lpm_walk(m->ban4, MXGW_FAM_IPV4, &b, ban_walk_one, &w);

	return err ? err : lpm_walk(m->ban6, MXGW_FAM_IPV6, &b, ban_walk_one, &w);
}

/* The expired ones, collected first: deleting while walking a trie
 * would restart the walk (get_next_key of a deleted key). */
struct prune {
	__u64 now;
	struct mxgw_src_prefix *dead;
	size_t n, cap;
};

static int prune_one(const struct mxgw_ban_entry *e, void *arg)
{
	struct prune *p = arg;

	if (!mxgw_ban_expired(&e->ban, p->now))
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		void *d = realloc(p->dead, cap * sizeof(*p->dead));

		if (!d)
			return -ENOMEM;
		p->dead = d;
		p->cap = cap;
	}
	p->dead[p->n++] = e->pfx;
	return 0;
}

int mxgw_bans_prune(const struct mxgw_maps *m, __u64 now, unsigned int *removed)
{
	struct prune p = { .now = now };
	char key[sizeof(struct mxgw_lpm6_key)];
	int err = mxgw_bans_walk(m, prune_one, &p);

	*removed = 0;
	for (size_t i = 0; !err && i < p.n; i++) {
		lpm_key(&p.dead[i], key);
		if (!bpf_map_delete_elem(ban_fd(m, p.dead[i].family), key))
			(*removed)++;
		else if (errno != ENOENT)
			err = -errno;
	}
	free(p.dead);
	if (!err && *removed)
		err = mxgw_bans_sync_flags(m);
	return err;
}

static int count_one(const struct mxgw_src_prefix *p, const void *value, void *arg)
{
	unsigned int *n = arg;

	(void)value;
	n[p->family]++;
	return 0;
}

int mxgw_bans_count(const struct mxgw_maps *m, unsigned int *n)
{
	int err;

	n[MXGW_FAM_IPV4] = n[MXGW_FAM_IPV6] = 0;
	err = lpm_walk(m->ban4, MXGW_FAM_IPV4, NULL, count_one, n);
	return err ? err : lpm_walk(m->ban6, MXGW_FAM_IPV6, NULL, count_one, n);
}

int mxgw_allow_count(const struct mxgw_maps *m, unsigned int *n)
{
	int err;

	n[MXGW_FAM_IPV4] = n[MXGW_FAM_IPV6] = 0;
	err = lpm_walk(m->allow4, MXGW_FAM_IPV4, NULL, count_one, n);
	return err ? err : lpm_walk(m->allow6, MXGW_FAM_IPV6, NULL, count_one, n);
}

struct allow_walk {
	int (*fn)(const struct mxgw_src_prefix *p, void *arg);
	void *arg;
};

static int allow_walk_one(const struct mxgw_src_prefix *p, const void *value, void *arg)
{
	struct allow_walk *w = arg;

	(void)value;
	return w->fn(p, w->arg);
}

int mxgw_allow_walk(const struct mxgw_maps *m,
		    int (*fn)(const struct mxgw_src_prefix *p, void *arg), void *arg)
{
	struct allow_walk w = { .fn = fn, .arg = arg };
	int err = lpm_walk(m->allow4, MXGW_FAM_IPV4, NULL, allow_walk_one, &w);

	return err ? err : lpm_walk(m->allow6, MXGW_FAM_IPV6, NULL, allow_walk_one, &w);
}

static bool policy_allows(const struct mxgw_policy *pol, const struct mxgw_src_prefix *p)
{
	if (p->family == MXGW_FAM_IPV6) {
		for (unsigned int i = 0; i < pol->nallow6; i++)
			if (pol->allow6[i].len == p->len &&
			    mxgw_in6_eq(&pol->allow6[i].addr, &p->addr))
				return true;
		return false;
	}
	for (unsigned int i = 0; i < pol->nallow4; i++)
		if (pol->allow4[i].len == p->len && pol->allow4[i].addr == p->addr.a[0])
			return true;
	return false;
}

struct stale {
	const struct mxgw_policy *pol;
	struct mxgw_src_prefix list[2 * MXGW_MAX_ALLOW];
	unsigned int n;
};

static int stale_one(const struct mxgw_src_prefix *p, void *arg)
{
	struct stale *s = arg;

	if (!policy_allows(s->pol, p) && s->n < 2 * MXGW_MAX_ALLOW)
		s->list[s->n++] = *p;
	return 0;
}

int mxgw_maps_apply_allowlist(const struct mxgw_maps *m, const struct mxgw_policy *pol,
			      __u32 *flags)
{
	char key[sizeof(struct mxgw_lpm6_key)];
	struct stale *s;
	__u8 one = 1;
	int err;

	if (pol->nallow4 > MXGW_MAX_ALLOW || pol->nallow6 > MXGW_MAX_ALLOW)
		return -E2BIG;
	for (unsigned int i = 0; i < pol->nallow4; i++) {
		struct mxgw_lpm4_key k = { .prefixlen = pol->allow4[i].len,
					   .addr = pol->allow4[i].addr };

		if (bpf_map_update_elem(m->allow4, &k, &one, BPF_ANY))
			return -errno;
	}
	for (unsigned int i = 0; i < pol->nallow6; i++) {
		struct mxgw_lpm6_key k = { .prefixlen = pol->allow6[i].len,
					   .addr = pol->allow6[i].addr };

		if (bpf_map_update_elem(m->allow6, &k, &one, BPF_ANY))
			return -errno;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->pol = pol;
	err = mxgw_allow_walk(m, stale_one, s);
	for (unsigned int i = 0; !err && i < s->n; i++) {
		lpm_key(&s->list[i], key);
		if (bpf_map_delete_elem(s->list[i].family == MXGW_FAM_IPV6 ? m->allow6 : m->allow4,
					key) && errno != ENOENT)
			err = -errno;
	}
	free(s);
	if (!err)
		err = ban_flags(m, flags);
	if (!err)
		*flags |= (pol->nallow4 ? MXGW_CFG_F_ALLOW4 : 0) |
			  (pol->nallow6 ? MXGW_CFG_F_ALLOW6 : 0);
	return err;
}
