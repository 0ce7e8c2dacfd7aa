// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bans and the allowlist in one interface's maps (see ban.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "ban.h"
#include "maps.h"
#include "policy.h"

/* Where a ban of @p lives: a host's in its family's hash, else the trie. */
static bool is_host(const struct mxgw_src_prefix *p)
{
	return p->len == (p->family == MXGW_FAM_IPV6 ? MXGW_BAN6_DEFAULT_LEN : 32);
}

static int ban_fd(const struct mxgw_maps *m, const struct mxgw_src_prefix *p)
{
	if (p->family == MXGW_FAM_IPV6)
		return is_host(p) ? m->ban6 : m->banpfx6;
	return is_host(p) ? m->ban4 : m->banpfx4;
}

/* The key of @p in its map (ban_fd), in @key (large enough for any). */
static void ban_key(const struct mxgw_src_prefix *p, void *key)
{
	if (p->family == MXGW_FAM_IPV6 && is_host(p)) {
		struct mxgw_ban6_key k = { .net = { p->addr.a[0], p->addr.a[1] } };

		memcpy(key, &k, sizeof(k));
	} else if (p->family == MXGW_FAM_IPV6) {
		struct mxgw_lpm6_key k = { .prefixlen = p->len, .addr = p->addr };

		memcpy(key, &k, sizeof(k));
	} else if (is_host(p)) {
		memcpy(key, &p->addr.a[0], sizeof(p->addr.a[0]));
	} else {
		struct mxgw_lpm4_key k = { .prefixlen = p->len, .addr = p->addr.a[0] };

		memcpy(key, &k, sizeof(k));
	}
}

/* The allowlist's LPM key of @p. */
static void lpm_key(const struct mxgw_src_prefix *p, void *key)
{
	if (p->family == MXGW_FAM_IPV6) {
		struct mxgw_lpm6_key k = { .prefixlen = p->len, .addr = p->addr };

		memcpy(key, &k, sizeof(k));
	} else {
		struct mxgw_lpm4_key k = { .prefixlen = p->len, .addr = p->addr.a[0] };

		memcpy(key, &k, sizeof(k));
	}
}

/* The four kinds of key, read back into a prefix. */
enum key_kind { KEY_HOST4, KEY_HOST6, KEY_LPM4, KEY_LPM6 };

static const size_t key_size[] = {
	[KEY_HOST4] = sizeof(__be32),
	[KEY_HOST6] = sizeof(struct mxgw_ban6_key),
	[KEY_LPM4] = sizeof(struct mxgw_lpm4_key),
	[KEY_LPM6] = sizeof(struct mxgw_lpm6_key),
};

static void prefix_of(enum key_kind kind, const void *key, struct mxgw_src_prefix *p)
{
	memset(p, 0, sizeof(*p));
	switch (kind) {
	case KEY_HOST4:
		p->family = MXGW_FAM_IPV4;
		p->len = 32;
		memcpy(&p->addr.a[0], key, sizeof(p->addr.a[0]));
		break;
	case KEY_HOST6: {
		const struct mxgw_ban6_key *k = key;

		p->family = MXGW_FAM_IPV6;
		p->len = MXGW_BAN6_DEFAULT_LEN;
		p->addr.a[0] = k->net[0];
		p->addr.a[1] = k->net[1];
		break;
	}
	case KEY_LPM4: {
		const struct mxgw_lpm4_key *k = key;

		p->family = MXGW_FAM_IPV4;
		p->len = k->prefixlen;
		p->addr.a[0] = k->addr;
		break;
	}
	case KEY_LPM6: {
		const struct mxgw_lpm6_key *k = key;

		p->family = MXGW_FAM_IPV6;
		p->len = k->prefixlen;
		p->addr = k->addr;
		break;
	}
	}
}

bool mxgw_ban_expired(const struct mxgw_ban *b, __u64 now)
{
	/* the data plane's test, ban_live() in bpf/ban.bpf.h */
	return b->expires_ns && now >= b->expires_ns;
}

/* Does the map @fd hold any entry? */
static int map_empty(int fd, bool *empty)
{
	char key[sizeof(struct mxgw_lpm6_key)];

	if (!bpf_map_get_next_key(fd, NULL, key)) {
		*empty = false;
		return 0;
	}
	*empty = true;
	return errno == ENOENT ? 0 : -errno;
}

static int ban_flags(const struct mxgw_maps *m, __u32 *flags)
{
	const struct { int fd; __u32 flags; } maps[] = {
		{ m->ban4, MXGW_CFG_F_BAN4 },
		{ m->ban6, MXGW_CFG_F_BAN6 },
		{ m->banpfx4, MXGW_CFG_F_BAN4 | MXGW_CFG_F_BANPFX4 },
		{ m->banpfx6, MXGW_CFG_F_BAN6 | MXGW_CFG_F_BANPFX6 },
	};

	*flags = 0;
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		bool empty;
		int err = map_empty(maps[i].fd, &empty);

		if (err)
			return err;
		if (!empty)
			*flags |= maps[i].flags;
	}
	return 0;
}

#define BAN_FLAGS	(MXGW_CFG_F_BAN4 | MXGW_CFG_F_BAN6 | MXGW_CFG_F_BANPFX4 | \
			 MXGW_CFG_F_BANPFX6)

int mxgw_bans_sync_flags(const struct mxgw_maps *m)
{
	struct mxgw_config cfg;
	__u32 flags, key = 0;
	int err = ban_flags(m, &flags);

	if (!err)
		err = mxgw_maps_read_config(m, &cfg);
	if (err)
		return err;
	flags |= cfg.flags & ~(__u32)BAN_FLAGS;
	if (flags == cfg.flags)
		return 0;
	cfg.flags = flags;
	return bpf_map_update_elem(m->config, &key, &cfg, BPF_ANY) ? -errno : 0;
}

#define TAG_BYTES	((size_t)MXGW_BAN_TAG_WORDS * sizeof(__u64))

static int key_walk(int fd, enum key_kind kind, void *value,
		    int (*fn)(const struct mxgw_src_prefix *p, const void *value, void *arg),
		    void *arg);

/* mxgw_ban_hint's tag words, mapped: each read and written whole (an
 * aligned 8-byte access), as the data plane does. */
static __u64 *tag_map(const struct mxgw_maps *m)
{
	void *h = mmap(NULL, TAG_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, m->ban_hint, 0);

	return h == MAP_FAILED ? NULL : h;
}

/* Host ban @p's slot (maps/mxgw_abi.h): the word the data plane decides
 * by (IPv6: the check word; the net word before it) and its tag there. */
struct tag_slot {
	size_t w;
	__u64 tag;
	__u64 net;		/* IPv6: the /64 as it lies in the packet */
	bool ip6;
};

static bool tag_slot(const struct mxgw_src_prefix *p, __u64 expires_ns, struct tag_slot *s)
{
	__u64 exp = mxgw_ban_tag_exp(expires_ns);

	if (!is_host(p))
		return false;
	s->ip6 = p->family == MXGW_FAM_IPV6;
	if (s->ip6) {
		__u64 x;

		memcpy(&s->net, &p->addr, sizeof(s->net));
		x = mxgw_ban_tag_mul6(s->net);
		s->w = mxgw_ban_tag_word6(x) + 1;
		s->tag = exp << 32 | mxgw_ban_tag_hash6(x);
	} else {
		s->w = mxgw_ban_tag_word4(p->addr.a[0]);
		s->tag = exp << 32 | p->addr.a[0];
		s->net = 0;
	}
	return true;
}

/* Is @old (the word at @s->w) a tag of @s's source, whatever its expiry? */
static bool tag_mine(__u64 *h, const struct tag_slot *s, __u64 old)
{
	if ((__u32)old != (__u32)s->tag || !(old >> 32))
		return false;
	return !s->ip6 || __atomic_load_n(&h[s->w - 1], __ATOMIC_RELAXED) == s->net;
}

/*
 * Before @s's ban is written: its tag where the slot is empty or its
 * source's already (a new expiry), else ASK.  Compare-and-exchange: the
 * data plane may store ASK meanwhile, which must stay.
 */
static void tag_set(__u64 *h, const struct tag_slot *s)
{
	__u64 old, new;

	do {
		old = __atomic_load_n(&h[s->w], __ATOMIC_RELAXED);
		if (old == MXGW_BAN_TAG_EMPTY) {
			if (s->ip6)	/* the net word first; a torn read asks */
				__atomic_store_n(&h[s->w - 1], s->net, __ATOMIC_RELAXED);
			new = s->tag;
		} else {
			new = tag_mine(h, s, old) ? s->tag : MXGW_BAN_TAG_ASK;
		}
	} while (old != new &&
		 !__atomic_compare_exchange_n(&h[s->w], &old, new, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
}

/* After @s's ban left its hash: the slot empty if it is the source's
 * tag (ASK stays: another ban may share it; the sync clears it). */
static void tag_clear(__u64 *h, const struct tag_slot *s)
{
	__u64 old = __atomic_load_n(&h[s->w], __ATOMIC_RELAXED);

	if (tag_mine(h, s, old))
		__atomic_compare_exchange_n(&h[s->w], &old, MXGW_BAN_TAG_EMPTY, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

struct tag_sync {
	__u64 *h;		/* the map's words, mapped */
	__u64 *want;		/* the words today's host bans need */
};

static int tag_want_one(const struct mxgw_src_prefix *p, const void *value, void *arg)
{
	const struct mxgw_ban *b = value;
	struct tag_sync *t = arg;
	struct tag_slot s;

	if (!tag_slot(p, b->expires_ns, &s))
		return 0;
	if (t->want[s.w] != MXGW_BAN_TAG_EMPTY) {
		t->want[s.w] = MXGW_BAN_TAG_ASK;	/* shared */
	} else {
		t->want[s.w] = s.tag;
		if (s.ip6)
			t->want[s.w - 1] = s.net;
	}
	return 0;
}

/* The second walk's: a ban's slot its tag (any expiry: a concurrent ban
 * of it wrote its own) or ASK. */
static int tag_cover_one(const struct mxgw_src_prefix *p, const void *value, void *arg)
{
	__u64 *h = ((struct tag_sync *)arg)->h, old;
	struct tag_slot s;

	(void)value;
	if (!tag_slot(p, 0, &s))
		return 0;
	do {
		old = __atomic_load_n(&h[s.w], __ATOMIC_RELAXED);
	} while (old != MXGW_BAN_TAG_ASK && !tag_mine(h, &s, old) &&
		 !__atomic_compare_exchange_n(&h[s.w], &old, MXGW_BAN_TAG_ASK, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return 0;
}

/* Word @w (IPv6: a check word, @net the net word before it) to @want
 * from @old, unless the data plane wrote ASK meanwhile. */
static void tag_sync_word(__u64 *h, size_t w, __u64 want, bool ip6, __u64 net)
{
	__u64 old = __atomic_load_n(&h[w], __ATOMIC_RELAXED);

	if (ip6 && want != MXGW_BAN_TAG_EMPTY && want != MXGW_BAN_TAG_ASK &&
	    __atomic_load_n(&h[w - 1], __ATOMIC_RELAXED) != net) {
		/* a new tag: through empty, so no reader takes the new net
		 * with the old check (the check's hash is of the net) */
		if (old != MXGW_BAN_TAG_EMPTY && old != MXGW_BAN_TAG_ASK &&
		    !__atomic_compare_exchange_n(&h[w], &old, MXGW_BAN_TAG_ASK, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			return;
		__atomic_store_n(&h[w - 1], net, __ATOMIC_RELAXED);
		old = __atomic_load_n(&h[w], __ATOMIC_RELAXED);
	}
	if (old != want)
		__atomic_compare_exchange_n(&h[w], &old, want, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED);
}

/*
 * Every host ban of the hash @fd with its value, to @fn:
 * BPF_MAP_LOOKUP_BATCH (Linux 5.6), 8192 a system call; key by key
 * where the kernel has no batch.  10^5 bans a family are walked on
 * every load: one lookup a key took ~3 us here.
 */
static int host_walk(int fd, enum key_kind kind,
		     int (*fn)(const struct mxgw_src_prefix *p, const void *value, void *arg),
		     void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	const size_t ks = key_size[kind], cap = 8192;
	char *keys = malloc(cap * ks);
	struct mxgw_ban *vals = malloc(cap * sizeof(*vals)), b;
	__u64 in = 0, out = 0;	/* the kernel's position: a bucket */
	struct mxgw_src_prefix p;
	bool first = true, done = false;
	int err = keys && vals ? 0 : -ENOMEM;

	while (!err && !done) {
		__u32 n = cap;

		if (bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &n, &opts)) {
			if (errno != ENOENT) {
				if (first && (errno == EINVAL || errno == ENOTSUP ||
					      errno == EOPNOTSUPP)) {
					free(keys);
					free(vals);
					return key_walk(fd, kind, &b, fn, arg);
				}
				err = -errno;
				break;
			}
			done = true;	/* the last of them, maybe none */
		}
		first = false;
		in = out;
		for (__u32 i = 0; i < n && !err; i++) {
			prefix_of(kind, keys + i * ks, &p);
			err = fn(&p, &vals[i], arg);
		}
	}
	free(keys);
	free(vals);
	return err;
}

/*
 * Make the tags those of the host bans the maps hold: stale ones (an
 * unban's ASK, an expiry's) cleared, shared slots ASK, every other ban's
 * tag written.  The hosts are walked twice: a ban the data plane writes
 * (a rate limit's ASK) while the first walk runs may find its slot
 * overwritten; the second walk, after, makes it ASK again (and the data
 * plane stores ASK again after its update, for a ban the second walk
 * comes too early to see).
 */
int mxgw_bans_hint_sync(const struct mxgw_maps *m)
{
	struct tag_sync t = { .h = tag_map(m), .want = calloc(1, TAG_BYTES) };
	int err = !t.h ? -errno : !t.want ? -ENOMEM : 0;

	if (!err)
		err = host_walk(m->ban4, KEY_HOST4, tag_want_one, &t);
	if (!err)
		err = host_walk(m->ban6, KEY_HOST6, tag_want_one, &t);
	for (size_t w = 0; !err && w < MXGW_BAN_TAG_SLOTS; w++)
		if (__atomic_load_n(&t.h[w], __ATOMIC_RELAXED) != t.want[w])
			tag_sync_word(t.h, w, t.want[w], false, 0);
	for (size_t w = MXGW_BAN_TAG_SLOTS + 1; !err && w < MXGW_BAN_TAG_WORDS; w += 2)
		if (__atomic_load_n(&t.h[w], __ATOMIC_RELAXED) != t.want[w] ||
		    (t.want[w] != MXGW_BAN_TAG_EMPTY &&
		     __atomic_load_n(&t.h[w - 1], __ATOMIC_RELAXED) != t.want[w - 1]))
			tag_sync_word(t.h, w, t.want[w], true, t.want[w - 1]);
	if (!err)
		err = host_walk(m->ban4, KEY_HOST4, tag_cover_one, &t);
	if (!err)
		err = host_walk(m->ban6, KEY_HOST6, tag_cover_one, &t);
	if (t.h)
		munmap(t.h, TAG_BYTES);
	free(t.want);
	return err;
}

/*
 * @n hosts' bans into the hash @fd: BPF_MAP_UPDATE_BATCH (Linux 5.6),
 * 10^5 in a handful of system calls; one update each where the kernel
 * has no batch.  @keys holds @n keys of @ksize bytes.
 */
static int update_hosts(int fd, const void *keys, size_t ksize, const struct mxgw_ban *vals,
			size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	size_t done = 0;

	while (done < n) {
		__u32 count = n - done > 8192 ? 8192 : (__u32)(n - done);

		if (bpf_map_update_batch(fd, (const char *)keys + done * ksize, vals + done,
					 &count, &opts)) {
			if (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)
				break;	/* no batch here: one by one */
			return errno == E2BIG || errno == ENOSPC ? -E2BIG : -errno;
		}
		done += count;
	}
	for (; done < n; done++)
		if (bpf_map_update_elem(fd, (const char *)keys + done * ksize, &vals[done],
					BPF_ANY))
			return errno == E2BIG || errno == ENOSPC ? -E2BIG : -errno;
	return 0;
}

int mxgw_bans_add(const struct mxgw_maps *m, const struct mxgw_ban_entry *e, size_t n)
{
	char key[sizeof(struct mxgw_lpm6_key)];
	struct mxgw_ban6_key *k6 = NULL;
	struct mxgw_ban *v4 = NULL, *v6 = NULL;
	__be32 *k4 = NULL;
	size_t n4 = 0, n6 = 0;
	int err = 0, e2;
	__u64 *h;

	for (size_t i = 0; i < n; i++)
		if (e[i].pfx.len > (e[i].pfx.family == MXGW_FAM_IPV6 ? 128 : 32))
			return -EINVAL;
	/* the tags first: a ban is never in its map without its slot
	 * saying so (its tag, or ASK) */
	h = tag_map(m);
	if (!h)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		struct tag_slot s;

		if (tag_slot(&e[i].pfx, e[i].ban.expires_ns, &s))
			tag_set(h, &s);
	}
	munmap(h, TAG_BYTES);
	if (n > 1) {
		k4 = malloc(n * sizeof(*k4));
		k6 = malloc(n * sizeof(*k6));
		v4 = malloc(n * sizeof(*v4));
		v6 = malloc(n * sizeof(*v6));
		if (!k4 || !k6 || !v4 || !v6) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < n && !err; i++) {
		const struct mxgw_src_prefix *p = &e[i].pfx;

		ban_key(p, key);
		if (n > 1 && is_host(p) && p->family == MXGW_FAM_IPV4) {
			memcpy(&k4[n4], key, sizeof(k4[0]));
			v4[n4++] = e[i].ban;
		} else if (n > 1 && is_host(p)) {
			memcpy(&k6[n6], key, sizeof(k6[0]));
			v6[n6++] = e[i].ban;
		} else if (bpf_map_update_elem(ban_fd(m, p), key, &e[i].ban, BPF_ANY)) {
			err = errno == ENOSPC || errno == E2BIG ? -E2BIG : -errno;
		}
	}
	if (!err && n4)
		err = update_hosts(m->ban4, k4, sizeof(k4[0]), v4, n4);
	if (!err && n6)
		err = update_hosts(m->ban6, k6, sizeof(k6[0]), v6, n6);
out:
	free(k4);
	free(k6);
	free(v4);
	free(v6);
	/* whatever was set is looked for, even after a failure */
	e2 = n ? mxgw_bans_sync_flags(m) : 0;
	/* and only that: the data plane trusts a tag, and the tags of the
	 * bans that did not go in would drop their sources unlisted */
	if (err)
		mxgw_bans_hint_sync(m);
	return err ? err : e2;
}

int mxgw_bans_del(const struct mxgw_maps *m, const struct mxgw_src_prefix *p)
{
	char key[sizeof(struct mxgw_lpm6_key)];

	struct tag_slot s;

	ban_key(p, key);
	if (bpf_map_delete_elem(ban_fd(m, p), key))
		return -errno;
	/* the slot after the hash, as the ban wrote them the other way */
	if (tag_slot(p, 0, &s)) {
		__u64 *h = tag_map(m);

		if (!h)
			return -errno;
		tag_clear(h, &s);
		munmap(h, TAG_BYTES);
	}
	return mxgw_bans_sync_flags(m);
}

/* Every key of map @fd of @kind, with its value where @value is given. */
static int key_walk(int fd, enum key_kind kind, void *value,
		    int (*fn)(const struct mxgw_src_prefix *p, const void *value, void *arg),
		    void *arg)
{
	char key[sizeof(struct mxgw_lpm6_key)], next[sizeof(key)];
	size_t ks = key_size[kind];
	struct mxgw_src_prefix p;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ks);
		prev = key;
		if (value && bpf_map_lookup_elem(fd, key, value))
			continue;	/* deleted meanwhile */
		prefix_of(kind, key, &p);
		err = fn(&p, value, arg);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* The ban maps of @m in the order a listing shows them: IPv4's hosts and
 * prefixes, then IPv6's. */
static int ban_maps_walk(const struct mxgw_maps *m, void *value,
			 int (*fn)(const struct mxgw_src_prefix *p, const void *value, void *arg),
			 void *arg)
{
	const struct { int fd; enum key_kind kind; } maps[] = {
		{ m->ban4, KEY_HOST4 }, { m->banpfx4, KEY_LPM4 },
		{ m->ban6, KEY_HOST6 }, { m->banpfx6, KEY_LPM6 },
	};
	int err = 0;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]) && !err; i++)
		err = key_walk(maps[i].fd, maps[i].kind, value, fn, arg);
	return err;
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

	return ban_maps_walk(m, &b, ban_walk_one, &w);
}

/* The expired ones, collected first: deleting while walking would
 * restart the walk (get_next_key of a deleted key). */
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
		ban_key(&p.dead[i], key);
		if (!bpf_map_delete_elem(ban_fd(m, &p.dead[i]), key))
			(*removed)++;
		else if (errno != ENOENT)
			err = -errno;
	}
	free(p.dead);
	if (!err && *removed)
		err = mxgw_bans_sync_flags(m);
	/* the slots of the expired hosts' bans, now stale */
	if (!err && *removed)
		err = mxgw_bans_hint_sync(m);
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
	n[MXGW_FAM_IPV4] = n[MXGW_FAM_IPV6] = 0;
	return ban_maps_walk(m, NULL, count_one, n);
}

int mxgw_allow_count(const struct mxgw_maps *m, unsigned int *n)
{
	int err;

	n[MXGW_FAM_IPV4] = n[MXGW_FAM_IPV6] = 0;
	err = key_walk(m->allow4, KEY_LPM4, NULL, count_one, n);
	return err ? err : key_walk(m->allow6, KEY_LPM6, NULL, count_one, n);
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
	int err = key_walk(m->allow4, KEY_LPM4, NULL, allow_walk_one, &w);

	return err ? err : key_walk(m->allow6, KEY_LPM6, NULL, allow_walk_one, &w);
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
	/* the hints of the bans a load kept (or copied into new maps) */
	if (!err)
		err = mxgw_bans_hint_sync(m);
	if (!err)
		*flags |= (pol->nallow4 ? MXGW_CFG_F_ALLOW4 : 0) |
			  (pol->nallow6 ? MXGW_CFG_F_ALLOW6 : 0);
	return err;
}
