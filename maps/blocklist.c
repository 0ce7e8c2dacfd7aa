// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Blocklists: the file reader and the tables (see blocklist.h and
 * maps/mxgw_abi.h, "Blocklists").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "blocklist.h"
#include "maps.h"
#include "prefix.h"

#ifndef ENOTSUPP
#define ENOTSUPP	524	/* the kernel's, for "no such operation" */
#endif

/* ---- the reader --------------------------------------------------- */

struct reader {
	const char *name;
	char *err;
	size_t errlen;		/* bytes used in err */
	unsigned int nbad;
	unsigned int line;
	struct mxgw_bl_list *out;
};

__attribute__((format(printf, 2, 3)))
static void bad(struct reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int n;

	r->nbad++;
	if (!r->err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->errlen >= MXGW_BL_ERR_MAX - 64)
		return;		/* the count says how many more */
	n = snprintf(r->err + r->errlen, MXGW_BL_ERR_MAX - r->errlen, "%s:%u: %s\n",
		     r->name, r->line, msg);
	if (n > 0)
		r->errlen += (size_t)n < MXGW_BL_ERR_MAX - r->errlen ?
			     (size_t)n : MXGW_BL_ERR_MAX - r->errlen - 1;
}

static int push4(struct mxgw_bl_list *l, __be32 addr, unsigned int len)
{
	if (l->n4 == l->cap4) {
		size_t cap = l->cap4 ? l->cap4 * 2 : 1024;
		void *p = realloc(l->v4, cap * sizeof(*l->v4));

		if (!p)
			return -ENOMEM;
		l->v4 = p;
		l->cap4 = cap;
	}
	l->v4[l->n4].addr = addr;
	l->v4[l->n4++].len = len;
	return 0;
}

static int push6(struct mxgw_bl_list *l, const struct mxgw_in6 *addr, unsigned int len)
{
	if (l->n6 == l->cap6) {
		size_t cap = l->cap6 ? l->cap6 * 2 : 256;
		void *p = realloc(l->v6, cap * sizeof(*l->v6));

		if (!p)
			return -ENOMEM;
		l->v6 = p;
		l->cap6 = cap;
	}
	l->v6[l->n6].addr = *addr;
	l->v6[l->n6++].len = len;
	return 0;
}

/* "ADDR" or "ADDR/LEN" of either family (mxgw_prefix_parse: a bare
 * IPv6 address its /64, a /0 allowed): 0, a bad line said, or -ENOMEM. */
static int prefix(struct reader *r, const char *s)
{
	char why[MXGW_PREFIX_WHY_MAX];
	struct mxgw_src_prefix p;

	if (mxgw_prefix_parse(s, 0, 64, &p, why, sizeof(why))) {
		bad(r, "%s", why);
		return 0;
	}
	if (p.family == MXGW_FAM_IPV6)
		return push6(r->out, &p.addr, p.len);
	return push4(r->out, p.addr.a[0], p.len);
}

/* One line, NUL-terminated, CR stripped (mxgw_prefix_line's formats). */
static int list_line(struct reader *r, char *s)
{
	char why[MXGW_PREFIX_WHY_MAX], *tok;
	int got = mxgw_prefix_line(s, &tok, why, sizeof(why));

	if (got < 0) {
		bad(r, "%s", why);
		return 0;
	}
	return got ? prefix(r, tok) : 0;
}

void mxgw_bl_list_free(struct mxgw_bl_list *l)
{
	free(l->v4);
	free(l->v6);
	memset(l, 0, sizeof(*l));
}

int mxgw_bl_read_text(const char *name, const char *text, size_t len,
		      struct mxgw_bl_list *out, char *err)
{
	struct reader r = { .name = name, .err = err, .out = out };
	char line[MXGW_BL_MAX_LINE + 2];
	size_t pos = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (err)
		err[0] = 0;
	/* a UTF-8 byte order mark is no prefix */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;

		r.line++;
		if (n && text[pos + n - 1] == '\r')
			n--;
		if (n > MXGW_BL_MAX_LINE)
			bad(&r, "longer than %d characters", MXGW_BL_MAX_LINE);
		else if (memchr(text + pos, 0, n))
			bad(&r, "contains a NUL byte");
		else if (memchr(text + pos, '\r', n))
			bad(&r, "CR-only line ends");
		else {
			memcpy(line, text + pos, n);
			line[n] = 0;
			ret = list_line(&r, line);
		}
		pos += n + (nl ? 1 : 0);
		if (nl && text[pos - 1] != '\n')
			pos++;	/* the CR's LF */
	}
	if (!ret && r.nbad) {
		if (err && r.errlen >= MXGW_BL_ERR_MAX - 64)
			snprintf(err + r.errlen, MXGW_BL_ERR_MAX - r.errlen,
				 "%s: %u bad lines in all\n", name, r.nbad);
		ret = -EINVAL;
	}
	if (ret)
		mxgw_bl_list_free(out);
	return ret;
}

int mxgw_bl_read_file(const char *path, struct mxgw_bl_list *out, char *err)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd, ret;

	memset(out, 0, sizeof(*out));
	if (err)
		err[0] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if ((unsigned long)st.st_size > MXGW_BL_MAX_SIZE) {
		close(fd);
		return -EFBIG;
	}
	text = malloc(st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, text + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	ret = got == (size_t)st.st_size ? 0 : -EIO;
	close(fd);
	if (!ret)
		ret = mxgw_bl_read_text(path, text, got, out, err);
	free(text);
	return ret;
}

/* ---- the tables --------------------------------------------------- */

#define BL4_TABLE_BYTES	((size_t)MXGW_BL4_BLOCKS * sizeof(struct mxgw_bl4_block))
#define BL_LONG_ANY	(MXGW_BL_LONG0 | MXGW_BL_LONG1)

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* An entry of a trie as built: host order for IPv4, so sorting is
 * numeric; the bits of every list holding it. */
struct ent4 {
	__u32 addr;
	__u8 len;
	__u16 bits;
};

struct ent6 {
	struct mxgw_in6 addr;
	__u8 len;
	__u16 bits;
};

struct vec {
	void *v;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4096;
		void *p = realloc(v->v, cap * v->size);

		if (!p)
			return NULL;
		v->v = p;
		v->cap = cap;
	}
	return (char *)v->v + v->n++ * v->size;
}

static int cmp4(const void *a, const void *b)
{
	const struct ent4 *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->len - (int)y->len;
}

static int cmp6(const void *a, const void *b)
{
	const struct ent6 *x = a, *y = b;
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	return c ? c : (int)x->len - (int)y->len;
}

static bool in4(const struct ent4 *outer, const struct ent4 *e)
{
	__u32 mask = outer->len ? ~0U << (32 - outer->len) : 0;

	return outer->len <= e->len && (e->addr & mask) == outer->addr;
}

static bool in6(const struct ent6 *outer, const struct ent6 *e)
{
	struct mxgw_cidr6 c = { .addr = outer->addr, .len = outer->len };

	return outer->len <= e->len && mxgw_cidr6_contains(&c, &e->addr);
}

/*
 * Sorted by address then length, duplicates merged: each entry's bits
 * become its own and every covering entry's (an LPM lookup returns the
 * longest match only, which must answer for all the lists holding the
 * address).  A stack of the open enclosing prefixes, O(n log n) in all.
 * @base4 (IPv4's, may be NULL): the table's bits for an entry's /24.
 */
static size_t close4(struct ent4 *v, size_t n, const __u16 *table)
{
	struct ent4 *stack[33];
	size_t out = 0;
	int top = 0;

	qsort(v, n, sizeof(*v), cmp4);
	for (size_t i = 0; i < n; i++) {
		if (out && v[out - 1].addr == v[i].addr && v[out - 1].len == v[i].len) {
			v[out - 1].bits |= v[i].bits;
			continue;
		}
		v[out++] = v[i];
	}
	for (size_t i = 0; i < out; i++) {
		while (top && !in4(stack[top - 1], &v[i]))
			top--;
		if (top)
			v[i].bits |= stack[top - 1]->bits;
		else if (table)
			v[i].bits |= table[v[i].addr >> 8] & MXGW_BL_LISTS;
		stack[top++] = &v[i];
	}
	return out;
}

static size_t close6(struct ent6 *v, size_t n)
{
	struct ent6 *stack[129];
	size_t out = 0;
	int top = 0;

	qsort(v, n, sizeof(*v), cmp6);
	for (size_t i = 0; i < n; i++) {
		if (out && !memcmp(&v[out - 1].addr, &v[i].addr, sizeof(v[i].addr)) &&
		    v[out - 1].len == v[i].len) {
			v[out - 1].bits |= v[i].bits;
			continue;
		}
		v[out++] = v[i];
	}
	for (size_t i = 0; i < out; i++) {
		while (top && !in6(stack[top - 1], &v[i]))
			top--;
		if (top)
			v[i].bits |= stack[top - 1]->bits;
		stack[top++] = &v[i];
	}
	return out;
}

/* The fd of the map in slot @slot of map-of-maps @outer, or -ENOENT. */
static int inner_fd(int outer, __u32 slot)
{
	__u32 id;
	int fd;

	if (bpf_map_lookup_elem(outer, &slot, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

static int inner_id(int outer, __u32 slot, __u32 *id)
{
	return bpf_map_lookup_elem(outer, &slot, id) ? -errno : 0;
}

/* Every entry of a trie (either family's key), with its value. */
static int trie_walk(int fd, size_t ksize, int (*fn)(const void *k, __u16 v, void *arg),
		     void *arg)
{
	char key[sizeof(struct mxgw_bl6_key)], next[sizeof(struct mxgw_bl6_key)];
	void *prev = NULL;
	__u16 v;
	int err;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (!bpf_map_lookup_elem(fd, next, &v)) {
			err = fn(next, v, arg);
			if (err)
				return err;
		}
		memcpy(key, next, ksize);
		prev = key;
	}
	return errno == ENOENT ? 0 : -errno;
}

struct keep {
	struct vec *vec;
	__u32 keep;
};

static int keep4(const void *k, __u16 v, void *arg)
{
	const struct mxgw_bl4_key *key = k;
	struct keep *kp = arg;
	struct ent4 *e;

	if (!(v & kp->keep))
		return 0;
	e = vec_push(kp->vec);
	if (!e)
		return -ENOMEM;
	e->addr = ntohl(key->addr);
	e->len = key->prefixlen;
	e->bits = v & kp->keep;
	return 0;
}

static int keep6(const void *k, __u16 v, void *arg)
{
	const struct mxgw_bl6_key *key = k;
	struct keep *kp = arg;
	struct ent6 *e;

	if (!(v & kp->keep))
		return 0;
	e = vec_push(kp->vec);
	if (!e)
		return -ENOMEM;
	e->addr = key->addr;
	e->len = key->prefixlen;
	e->bits = v & kp->keep;
	return 0;
}

/* The longer prefixes a hash of /24s holds itself (the crowded /24s'
 * are in the trie, walked on its own). */
static int hash_keep(int fd, struct keep *kp)
{
	__be32 key, next, *prev = NULL;
	struct mxgw_bl4_long24 v;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &v) && !v.more) {
			for (int i = 0; i < v.n && i < MXGW_BL4_SMALL; i++) {
				struct ent4 *e;

				if (!(v.e[i].bits & kp->keep))
					continue;
				e = vec_push(kp->vec);
				if (!e)
					return -ENOMEM;
				e->addr = ntohl(next) | v.e[i].host;
				e->len = v.e[i].len;
				e->bits = v.e[i].bits & kp->keep;
			}
		}
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Insert @n entries into trie @fd: in batches where the kernel takes
 * them (one syscall for thousands), else one by one. */
static int trie_fill(int fd, const void *keys, const __u16 *vals, size_t n, size_t ksize)
{
	const size_t batch = 65536;
	bool batched = true;

	for (size_t i = 0; i < n; ) {
		__u32 cnt = n - i < batch ? n - i : batch;

		if (batched && !bpf_map_update_batch(fd, (const char *)keys + i * ksize,
						     vals + i, &cnt, NULL)) {
			i += cnt;
			continue;
		}
		if (batched && i == 0 &&
		    (errno == EINVAL || errno == ENOTSUPP || errno == EOPNOTSUPP)) {
			batched = false;	/* a kernel without batch ops on tries */
			continue;
		}
		if (batched)
			return -errno;
		if (bpf_map_update_elem(fd, (const char *)keys + i * ksize, vals + i, BPF_ANY))
			return -errno;
		i++;
	}
	return 0;
}

static int trie_create(size_t ksize, __u32 max)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "mxgw_bl_trie", ksize,
				sizeof(__u16), max, &o);

	return fd < 0 ? -errno : fd;
}

/* The running lists: by bit. */
static int read_lists(const struct mxgw_maps *m, struct mxgw_blocklist *l)
{
	for (__u32 b = 0; b < MXGW_BL_MAX; b++)
		if (bpf_map_lookup_elem(m->blocklists, &b, &l[b]))
			return -errno;
	return 0;
}

int mxgw_maps_bl_assign(const struct mxgw_maps *m,
			const struct mxgw_policy_blocklist *defs, unsigned int n,
			__u32 *bits, __u32 *gone)
{
	struct mxgw_blocklist run[MXGW_BL_MAX];
	__u32 used = 0;
	int err;

	if (n > MXGW_BL_MAX)
		return -E2BIG;
	err = read_lists(m, run);
	if (err)
		return err;
	*gone = 0;
	for (__u32 b = 0; b < MXGW_BL_MAX; b++)
		if (run[b].in_use)
			*gone |= 1U << b;
	for (unsigned int i = 0; i < n; i++) {
		bits[i] = MXGW_BL_MAX;
		for (__u32 b = 0; b < MXGW_BL_MAX; b++)
			if (run[b].in_use && !strncmp(run[b].name, defs[i].name,
						      MXGW_BL_NAME_LEN)) {
				bits[i] = b;
				used |= 1U << b;
				*gone &= ~(1U << b);
			}
	}
	/* new names take bits neither kept nor still running (a removed
	 * list's bit is free again after this change) */
	for (unsigned int i = 0; i < n; i++) {
		if (bits[i] != MXGW_BL_MAX)
			continue;
		for (__u32 b = 0; b < MXGW_BL_MAX; b++)
			if (!(used & (1U << b)) && !(*gone & (1U << b))) {
				bits[i] = b;
				used |= 1U << b;
				break;
			}
		if (bits[i] == MXGW_BL_MAX) {
			/* a removed list's bit, the last resort */
			for (__u32 b = 0; b < MXGW_BL_MAX; b++)
				if (!(used & (1U << b))) {
					bits[i] = b;
					used |= 1U << b;
					break;
				}
		}
		if (bits[i] == MXGW_BL_MAX)
			return -E2BIG;
	}
	return 0;
}

/* The new IPv4 array and trie; *tbl_fd and *trie_fd on success. */
/* Fill hash @fd with @n values of @keys: in batches, else one by one. */
static int hash_fill(int fd, const __be32 *keys, const struct mxgw_bl4_long24 *vals, size_t n)
{
	for (size_t i = 0; i < n; ) {
		__u32 cnt = n - i < 65536 ? n - i : 65536;

		if (!bpf_map_update_batch(fd, keys + i, vals + i, &cnt, NULL)) {
			i += cnt;
			continue;
		}
		if (bpf_map_update_elem(fd, keys + i, vals + i, BPF_ANY))
			return -errno;
		i++;
	}
	return 0;
}

static int build4(const struct mxgw_maps *m, const struct mxgw_bl_change *c, __u32 keep,
		  __u32 new_slot, int *tbl_fd, int *trie_fd, int *hash_fd,
		  struct mxgw_bl_swap_stats *st)
{
	LIBBPF_OPTS(bpf_map_create_opts, ho, .map_flags = BPF_F_NO_PREALLOC);
	struct mxgw_bl4_long24 *hvals = NULL;
	__be32 *hkeys = NULL;
	size_t nhash = 0, ntrie = 0;
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	struct vec longs = { .size = sizeof(struct ent4) };
	__u16 *table = NULL, *old = NULL;
	struct mxgw_bl4_key *keys = NULL;
	__u16 *vals = NULL, flag = new_slot ? MXGW_BL_LONG1 : MXGW_BL_LONG0;
	size_t nlong;
	int old_tbl = -1, old_trie = -1, err = 0;

	*tbl_fd = *trie_fd = *hash_fd = -1;
	/* what stays of the running lists */
	old_tbl = inner_fd(m->bl4, 0);
	if (old_tbl >= 0 && keep) {
		__u32 slot;

		old = mmap(NULL, BL4_TABLE_BYTES, PROT_READ, MAP_SHARED, old_tbl, 0);
		if (old == MAP_FAILED) {
			old = NULL;
			err = -errno;
			goto out;
		}
		for (slot = 0; slot < 2; slot++) {
			struct keep kp = { .vec = &longs, .keep = keep };

			old_trie = inner_fd(m->bl4_long, slot);
			if (old_trie >= 0) {
				err = trie_walk(old_trie, sizeof(struct mxgw_bl4_key), keep4, &kp);
				close(old_trie);
				old_trie = -1;
				if (err)
					goto out;
			}
			old_trie = inner_fd(m->bl4_hash, slot);
			if (old_trie >= 0) {
				err = hash_keep(old_trie, &kp);
				close(old_trie);
				old_trie = -1;
				if (err)
					goto out;
			}
		}
	}
	/* built in place, in the new map's own pages: one pass over 32 MiB */
	*tbl_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mxgw_bl4_table", sizeof(__u32),
				 sizeof(struct mxgw_bl4_block), MXGW_BL4_BLOCKS, &o);
	if (*tbl_fd < 0) {
		err = -errno;
		goto out;
	}
	table = mmap(NULL, BL4_TABLE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		     *tbl_fd, 0);
	if (table == MAP_FAILED) {
		table = NULL;
		err = -errno;
		goto out;
	}
	if (old) {
		const __u64 *o64 = (const __u64 *)old;
		__u64 *t64 = (__u64 *)table, k64 = keep * 0x0001000100010001ULL;

		for (size_t i = 0; i < BL4_TABLE_BYTES / 8; i++)
			t64[i] = o64[i] & k64;
	}
	/* the new lists' prefixes: up to /24 into the array, longer ones
	 * into the trie */
	for (__u32 b = 0; b < MXGW_BL_MAX; b++) {
		const struct mxgw_bl_list *l = c->lists[b];

		if (!(c->replace & (1U << b)) || !l)
			continue;
		for (size_t i = 0; i < l->n4; i++) {
			__u32 a = ntohl(l->v4[i].addr);
			unsigned int len = l->v4[i].len;

			if (len <= 24) {
				size_t from = a >> 8, cnt = 1UL << (24 - len);

				for (size_t k = from; k < from + cnt; k++)
					table[k] |= 1U << b;
			} else {
				struct ent4 *e = vec_push(&longs);

				if (!e) {
					err = -ENOMEM;
					goto out;
				}
				e->addr = a;
				e->len = len;
				e->bits = 1U << b;
			}
		}
	}
	/* the trie's values hold the lists of the /24 and of enclosing
	 * longer prefixes, the /24's entry its flag */
	nlong = close4(longs.v, longs.n, table);
	if (nlong) {
		const struct ent4 *v = longs.v;

		keys = calloc(nlong, sizeof(*keys));
		vals = calloc(nlong, sizeof(*vals));
		hkeys = calloc(nlong, sizeof(*hkeys));
		hvals = calloc(nlong, sizeof(*hvals));
		if (!keys || !vals || !hkeys || !hvals) {
			err = -ENOMEM;
			goto out;
		}
		/* per /24: a few in the hash's value, longest first (the first
		 * match answers: its bits hold the enclosing ones'), more in
		 * the trie */
		for (size_t i = 0, j; i < nlong; i = j) {
			struct mxgw_bl4_long24 *h = &hvals[nhash];

			for (j = i; j < nlong && v[j].addr >> 8 == v[i].addr >> 8; j++)
				;
			table[v[i].addr >> 8] |= flag;
			hkeys[nhash++] = htonl(v[i].addr & 0xffffff00);
			if (j - i > MXGW_BL4_SMALL) {
				h->more = 1;
				for (size_t k = i; k < j; k++) {
					keys[ntrie].prefixlen = v[k].len;
					keys[ntrie].addr = htonl(v[k].addr);
					vals[ntrie++] = v[k].bits;
				}
				continue;
			}
			for (size_t k = j; k-- > i; ) {
				h->e[h->n].host = v[k].addr & 0xff;
				h->e[h->n].len = v[k].len;
				h->e[h->n++].bits = v[k].bits;
			}
			/* sorted by address then length: by length, longest first */
			for (int x = 1; x < h->n; x++)
				for (int y = x; y > 0 && h->e[y].len > h->e[y - 1].len; y--) {
					typeof(h->e[0]) t = h->e[y];

					h->e[y] = h->e[y - 1];
					h->e[y - 1] = t;
				}
		}
		if (nhash > MXGW_BL4_HASH_MAX || ntrie > MXGW_BL4_LONG_MAX) {
			err = -E2BIG;
			goto out;
		}
		/* sized by what it holds: its buckets are allocated whole (16
		 * bytes each), and an inner hash map may differ from the
		 * template in size alone (Linux 5.10) */
		*hash_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mxgw_bl4_hash24", sizeof(__be32),
					  sizeof(struct mxgw_bl4_long24),
					  nhash < 64 ? 64 : nhash, &ho);
		if (*hash_fd < 0) {
			err = -errno;
			goto out;
		}
		err = hash_fill(*hash_fd, hkeys, hvals, nhash);
		if (err)
			goto out;
		if (ntrie) {
			*trie_fd = trie_create(sizeof(struct mxgw_bl4_key), MXGW_BL4_LONG_MAX);
			if (*trie_fd < 0) {
				err = *trie_fd;
				goto out;
			}
			err = trie_fill(*trie_fd, keys, vals, ntrie, sizeof(*keys));
			if (err)
				goto out;
		}
	}
	st->nlong4 = nlong;
	/* an empty table is no table: every lookup a miss */
	{
		const __u64 *t64 = (const __u64 *)table;
		size_t i = 0;

		while (i < BL4_TABLE_BYTES / 8 && !t64[i])
			i++;
		if (i == BL4_TABLE_BYTES / 8) {
			close(*tbl_fd);
			*tbl_fd = -1;
		}
	}
out:
	if (err) {
		if (*tbl_fd >= 0)
			close(*tbl_fd);
		if (*trie_fd >= 0)
			close(*trie_fd);
		if (*hash_fd >= 0)
			close(*hash_fd);
		*tbl_fd = *trie_fd = *hash_fd = -1;
	}
	free(hkeys);
	free(hvals);
	if (old)
		munmap(old, BL4_TABLE_BYTES);
	if (old_tbl >= 0)
		close(old_tbl);
	if (table)
		munmap(table, BL4_TABLE_BYTES);
	free(longs.v);
	free(keys);
	free(vals);
	return err;
}

/* The array's bytes: the kernel strides a value rounded up to 8 bytes. */
#define BL6_SET_STRIDE	((sizeof(struct mxgw_bl6_set) + 7) & ~(size_t)7)
#define BL6_TABLE_BYTES	((size_t)MXGW_BL6_SETS * BL6_SET_STRIDE)

/* A record of mxgw_bl6_hash as built: a /32's bits (@len <= 32) or one
 * of its longer prefixes (@e). */
struct rec6 {
	__u32 net0;		/* host order, for sorting */
	__u8 len;
	__u16 bits;
	struct mxgw_in6 addr;
};

static int cmp_rec6(const void *a, const void *b)
{
	const struct rec6 *x = a, *y = b;

	if (x->net0 != y->net0)
		return x->net0 < y->net0 ? -1 : 1;
	return (int)y->len - (int)x->len;	/* longest first */
}

static void mask6(struct mxgw_in6 *m, unsigned int len)
{
	for (int w = 0; w < 4; w++) {
		int b = (int)len - 32 * w;

		m->a[w] = htonl(b >= 32 ? ~0U : b <= 0 ? 0 : ~0U << (32 - b));
	}
}

/* Insert @n entries into hash @fd, in batches where the kernel takes them. */
static int hash_fill6(int fd, const __be32 *keys, const struct mxgw_bl6_long32 *vals, size_t n)
{
	const size_t batch = 65536;
	bool batched = true;

	for (size_t i = 0; i < n; ) {
		__u32 cnt = n - i < batch ? n - i : batch;

		if (batched && !bpf_map_update_batch(fd, keys + i, vals + i, &cnt, NULL)) {
			i += cnt;
			continue;
		}
		if (batched && i == 0 &&
		    (errno == EINVAL || errno == ENOTSUPP || errno == EOPNOTSUPP)) {
			batched = false;
			continue;
		}
		if (batched)
			return -errno;
		if (bpf_map_update_elem(fd, keys + i, vals + i, BPF_NOEXIST))
			return -errno;
		i++;
	}
	return 0;
}

/*
 * The array of /32s (mxgw_abi.h) of the @n closed entries @v into a new
 * map @*tag_fd, the /32s a set's two ways cannot hold into a new hash
 * @*hash_fd (none: -1); @trie_fd (the trie of them all, in mxgw_bl6_long's
 * @slot, the hash going in mxgw_bl6_hash's) answers a crowded /32's and,
 * where prefixes shorter than the array takes exist, the bits of the /32s
 * around them.
 */
static int hash6_build(const struct ent6 *v, size_t n, int trie_fd, __u32 slot, int *hash_fd,
		       int *tag_fd)
{
	LIBBPF_OPTS(bpf_map_create_opts, to, .map_flags = BPF_F_MMAPABLE);
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	struct vec r = { .size = sizeof(struct rec6) };
	unsigned int min = MXGW_BL6_EXPAND_MIN;
	__u64 total = n, count[32] = { 0 };
	struct mxgw_bl6_long32 val, *vals = NULL;
	bool shorts = false;
	size_t groups = 0, nk = 0;
	__be32 *keys = NULL;
	int err = 0;

	__u8 *table = NULL;
	size_t nh = 0;

	*hash_fd = *tag_fd = -1;
	for (size_t i = 0; i < n; i++)
		if (v[i].len >= min && v[i].len < 32)
			count[v[i].len]++;
	for (unsigned int len = min; len < 32; len++)
		total += count[len] << (32 - len);
	/* the shortest expanded first to the trie while the hash would
	 * overflow (a prefix at most one /32 entry otherwise) */
	while (min < 32 && total > MXGW_BL6_HASH_MAX - 1) {
		total -= count[min] << (32 - min);
		min++;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ent6 *e = &v[i];
		__u32 base = ntohl(e->addr.a[0]);
		__u64 cnt = 1;
		struct rec6 *x;

		if (e->len < min) {
			shorts = true;
			continue;
		}
		if (e->len < 32)
			cnt = 1ULL << (32 - e->len);
		for (__u64 k = 0; k < cnt; k++) {
			x = vec_push(&r);
			if (!x) {
				err = -ENOMEM;
				goto out;
			}
			x->net0 = base + (__u32)k;
			x->len = e->len > 32 ? e->len : 32;
			x->bits = e->bits;
			x->addr = e->addr;
		}
	}
	qsort(r.v, r.n, r.size, cmp_rec6);
	for (size_t i = 0; i < r.n; i++)
		groups += !i || ((struct rec6 *)r.v)[i].net0 != ((struct rec6 *)r.v)[i - 1].net0;
	if (groups > MXGW_BL6_HASH_MAX - 1) {
		/* more /32s than the hash holds: the trie answers them all */
		r.n = groups = 0;
		shorts = true;
	}
	keys = calloc(groups + 1, sizeof(*keys));
	vals = calloc(groups + 1, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	/* built in place, in the new map's own pages, every set written:
	 * its free ways tagged, its slot and what a miss asks */
	*tag_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mxgw_bl6_table", sizeof(__u32),
				 sizeof(struct mxgw_bl6_set), MXGW_BL6_SETS, &to);
	if (*tag_fd < 0) {
		err = -errno;
		goto out;
	}
	table = mmap(NULL, BL6_TABLE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		     *tag_fd, 0);
	if (table == MAP_FAILED) {
		table = NULL;
		err = -errno;
		goto out;
	}
	for (__u32 k = 0; k < MXGW_BL6_SETS; k++) {
		struct mxgw_bl6_set *set = (void *)(table + k * BL6_SET_STRIDE);

		set->net[0] = set->net[1] = MXGW_BL6_NONE;
		set->ask = shorts ? MXGW_BL6_ASK_TRIE : 0;
		set->slot = slot;
	}
	for (size_t i = 0; i < r.n; ) {
		const struct rec6 *x = (struct rec6 *)r.v + i;
		__be32 key = htonl(x->net0);
		size_t j;

		memset(&val, 0, sizeof(val));
		for (j = i; j < r.n && ((struct rec6 *)r.v)[j].net0 == x->net0; j++) {
			const struct rec6 *y = (struct rec6 *)r.v + j;
			struct mxgw_in6 mk;

			if (y->len <= 32) {
				val.bits |= y->bits;
				continue;
			}
			if (val.n == MXGW_BL6_SMALL) {
				val.more = 1 + slot;
				continue;
			}
			mask6(&mk, y->len);
			for (int w = 0; w < 3; w++) {
				val.e[val.n].mask[w] = mk.a[w + 1];
				val.e[val.n].addr[w] = y->addr.a[w + 1] & mk.a[w + 1];
			}
			val.e[val.n++].bits = y->bits;
		}
		i = j;
		if (shorts) {
			/* a prefix the hash leaves out may cover this /32 */
			struct mxgw_bl6_key k = { .prefixlen = 32 };
			__u16 b;

			k.addr.a[0] = key;
			if (!bpf_map_lookup_elem(trie_fd, &k, &b))
				val.bits |= b & MXGW_BL_LISTS;
		}
		if (key == MXGW_BL6_NONE)
			continue;	/* a martian /32, never looked up */
		keys[nk] = key;
		vals[nk++] = val;
	}
	/* into their sets' ways in the order of the /32s; a third is the
	 * hash's, the set asking it */
	for (size_t i = 0; i < nk; i++) {
		struct mxgw_bl6_set *set =
			(void *)(table + mxgw_bl6_tag_slot(keys[i]) * BL6_SET_STRIDE);
		int w = set->net[0] == MXGW_BL6_NONE ? 0 : set->net[1] == MXGW_BL6_NONE ? 1 : -1;

		if (w < 0) {
			set->ask |= MXGW_BL6_ASK_HASH;
			keys[nh] = keys[i];
			vals[nh++] = vals[i];
			continue;
		}
		set->net[w] = keys[i];
		set->v[w] = vals[i];
	}
	if (nh) {
		*hash_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "mxgw_bl6_h32", sizeof(__be32),
					  sizeof(struct mxgw_bl6_long32), MXGW_BL6_HASH_MAX, &o);
		if (*hash_fd < 0) {
			err = -errno;
			goto out;
		}
		err = hash_fill6(*hash_fd, keys, vals, nh);
	}
out:
	if (table)
		munmap(table, BL6_TABLE_BYTES);
	if (err) {
		if (*hash_fd >= 0)
			close(*hash_fd);
		if (*tag_fd >= 0)
			close(*tag_fd);
		*hash_fd = *tag_fd = -1;
	}
	free(r.v);
	free(keys);
	free(vals);
	return err;
}

static int build6(const struct mxgw_maps *m, const struct mxgw_bl_change *c, __u32 keep,
		  __u32 slot, int *trie_fd, int *hash_fd, int *tag_fd,
		  struct mxgw_bl_swap_stats *st)
{
	struct vec v = { .size = sizeof(struct ent6) };
	struct mxgw_bl6_key *keys = NULL;
	__u16 *vals = NULL;
	size_t n;
	int old, err = 0;

	*trie_fd = *hash_fd = *tag_fd = -1;
	old = inner_fd(m->bl6, 0);
	if (old >= 0) {
		struct keep kp = { .vec = &v, .keep = keep };

		err = keep ? trie_walk(old, sizeof(struct mxgw_bl6_key), keep6, &kp) : 0;
		close(old);
		if (err)
			goto out;
	}
	for (__u32 b = 0; b < MXGW_BL_MAX; b++) {
		const struct mxgw_bl_list *l = c->lists[b];

		if (!(c->replace & (1U << b)) || !l)
			continue;
		for (size_t i = 0; i < l->n6; i++) {
			struct ent6 *e = vec_push(&v);

			if (!e) {
				err = -ENOMEM;
				goto out;
			}
			e->addr = l->v6[i].addr;
			e->len = l->v6[i].len;
			e->bits = 1U << b;
		}
	}
	n = close6(v.v, v.n);
	st->n6 = n;
	if (!n)
		goto out;
	if (n > MXGW_BL6_MAX) {
		err = -E2BIG;
		goto out;
	}
	keys = calloc(n, sizeof(*keys));
	vals = calloc(n, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ent6 *e = (struct ent6 *)v.v + i;

		keys[i].prefixlen = e->len;
		keys[i].addr = e->addr;
		vals[i] = e->bits;
	}
	*trie_fd = trie_create(sizeof(struct mxgw_bl6_key), MXGW_BL6_MAX);
	if (*trie_fd < 0) {
		err = *trie_fd;
		goto out;
	}
	err = trie_fill(*trie_fd, keys, vals, n, sizeof(*keys));
	if (!err)
		err = hash6_build(v.v, n, *trie_fd, slot, hash_fd, tag_fd);
out:
	if (err && *trie_fd >= 0) {
		close(*trie_fd);
		*trie_fd = -1;
	}
	free(v.v);
	free(keys);
	free(vals);
	return err;
}

/* Put @fd in @outer's @slot, or empty the slot when @fd < 0. */
static int set_slot(int outer, __u32 slot, int fd)
{
	if (fd >= 0)
		return bpf_map_update_elem(outer, &slot, &fd, BPF_ANY) ? -errno : 0;
	if (bpf_map_delete_elem(outer, &slot) && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * Wait for an RCU grace period: every packet that could have read the
 * old array has finished (XDP runs inside an RCU read-side section).
 * MEMBARRIER_CMD_GLOBAL is synchronize_rcu(); where it is refused
 * (nohz_full), a sleep far longer than a grace period.
 */
static void grace_period(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(100 * 1000);
}

int mxgw_maps_bl_swap(const struct mxgw_maps *m, const struct mxgw_bl_change *c,
		      bool wait_free, struct mxgw_bl_swap_stats *st)
{
	struct mxgw_blocklist run[MXGW_BL_MAX];
	__u32 in_use = 0, keep, cur_slot = 2, new_slot, old_tbl_id = 0, id;
	int tbl = -1, trie4 = -1, hash4 = -1, trie6 = -1, hash6 = -1, tag6 = -1, err;
	__u32 trie6_id = 0, cur6 = 2, new6;
	__u64 t0 = now_ns(), t1;
	struct timespec rt;

	memset(st, 0, sizeof(*st));
	err = read_lists(m, run);
	if (err)
		return err;
	for (__u32 b = 0; b < MXGW_BL_MAX; b++)
		if (run[b].in_use)
			in_use |= 1U << b;
	keep = in_use & ~c->replace & MXGW_BL_LISTS;
	/* the trie slot the running array uses: the other one is free */
	for (__u32 s = 0; s < 2; s++)
		if (!inner_id(m->bl4_hash, s, &id) || !inner_id(m->bl4_long, s, &id))
			cur_slot = s;
	new_slot = cur_slot == 0 ? 1 : 0;
	if (cur_slot == 2)
		cur_slot = new_slot;	/* none: nothing to free after */
	/* a trie left in the free slot by a swap that failed half-way */
	err = set_slot(m->bl4_long, new_slot, -1);
	if (!err)
		err = set_slot(m->bl4_hash, new_slot, -1);
	if (!err)
		err = build4(m, c, keep, new_slot, &tbl, &trie4, &hash4, st);
	/* IPv6: the slot the running array names is the one whose trie
	 * mxgw_bl6 holds; the other is free */
	if (!inner_id(m->bl6, 0, &trie6_id))
		for (__u32 s = 0; s < 2; s++)
			if (!inner_id(m->bl6_long, s, &id) && id == trie6_id)
				cur6 = s;
	new6 = cur6 == 0 ? 1 : 0;
	if (!err)
		err = set_slot(m->bl6_long, new6, -1);
	if (!err)
		err = set_slot(m->bl6_hash, new6, -1);
	if (!err)
		err = build6(m, c, keep, new6, &trie6, &hash6, &tag6, st);
	if (err)
		goto out;
	inner_id(m->bl4, 0, &old_tbl_id);
	t1 = now_ns();
	st->build_ns = t1 - t0;

	/* the switch: the new trie first, in the slot no array points to;
	 * then the array that points to it; then IPv6's trie */
	err = set_slot(m->bl4_long, new_slot, trie4);
	if (!err)
		err = set_slot(m->bl4_hash, new_slot, hash4);
	if (!err)
		err = set_slot(m->bl4, 0, tbl);
	if (err) {
		set_slot(m->bl4_long, new_slot, -1);
		set_slot(m->bl4_hash, new_slot, -1);
		goto out;
	}
	/* IPv6: the trie and the hash in the free slot, then the array that
	 * names it (the switch), then mxgw_bl6's copy, which user space reads */
	err = set_slot(m->bl6_long, new6, trie6);
	if (!err)
		err = set_slot(m->bl6_hash, new6, hash6);
	if (!err)
		err = set_slot(m->bl6_tag, 0, tag6);
	if (!err)
		err = set_slot(m->bl6, 0, trie6);
	st->swap_ns = now_ns() - t1;
	/* IPv4 runs the new lists already: its old trie goes once no packet
	 * can be reading the old array */
	if (cur_slot != new_slot || (cur6 < 2 && !err)) {
		grace_period();
		if (cur_slot != new_slot) {
			set_slot(m->bl4_long, cur_slot, -1);
			set_slot(m->bl4_hash, cur_slot, -1);
		}
		/* IPv6's old trie and hash, once no packet can be reading
		 * the old array */
		if (cur6 < 2 && !err) {
			set_slot(m->bl6_long, cur6, -1);
			set_slot(m->bl6_hash, cur6, -1);
		}
	}
	if (err)
		goto out;

	/* the records: what runs now */
	clock_gettime(CLOCK_REALTIME, &rt);
	for (__u32 b = 0; b < MXGW_BL_MAX; b++) {
		const struct mxgw_policy_blocklist *d = c->def[b];
		const struct mxgw_bl_list *l = c->lists[b];
		struct mxgw_blocklist rec = {};
		bool renamed;

		if (!(c->replace & (1U << b)))
			continue;
		renamed = !d || !run[b].in_use ||
			  strncmp(run[b].name, d->name, MXGW_BL_NAME_LEN);
		if (d) {
			snprintf(rec.name, sizeof(rec.name), "%s", d->name);
			snprintf(rec.file, sizeof(rec.file), "%s", d->file);
			rec.in_use = 1;
			rec.all_services = d->all_services;
			rec.loaded_s = rt.tv_sec;
			if (l) {
				rec.n4 = l->n4;
				rec.n6 = l->n6;
				for (size_t i = 0; i < l->n4; i++)
					rec.nlong4 += l->v4[i].len > 24;
			}
		}
		if (bpf_map_update_elem(m->blocklists, &b, &rec, BPF_ANY)) {
			err = -errno;
			goto out;
		}
		if (renamed) {
			/* a bit new to this name counts from 0 */
			int ncpu = libbpf_num_possible_cpus();
			__u64 zero[ncpu > 0 ? ncpu : 1];

			memset(zero, 0, sizeof(zero));
			for (__u32 fam = 0; fam < MXGW_FAM_MAX; fam++) {
				__u32 k = mxgw_bl_drop_key(fam, b);

				bpf_map_update_elem(m->bl_drops, &k, zero, BPF_ANY);
			}
		}
	}
	/* which lists apply to which service */
	for (__u32 s = 0; s < MXGW_MAX_SERVICES; s++) {
		__u16 mask = 0, cur;

		for (__u32 b = 0; b < MXGW_BL_MAX; b++) {
			struct mxgw_blocklist rec;

			if (bpf_map_lookup_elem(m->blocklists, &b, &rec) || !rec.in_use)
				continue;
			if (c->replace & (1U << b) ? c->svc[b][s] :
			    (bpf_map_lookup_elem(m->bl_svc, &s, &cur) ? 0 : cur & (1U << b)))
				mask |= 1U << b;
		}
		if (bpf_map_update_elem(m->bl_svc, &s, &mask, BPF_ANY)) {
			err = -errno;
			goto out;
		}
	}
	if (wait_free && old_tbl_id) {
		__u64 t2 = now_ns();
		int fd;

		/* the kernel frees it after a grace period, off the packet path */
		while ((fd = bpf_map_get_fd_by_id(old_tbl_id)) >= 0 &&
		       now_ns() - t2 < 1000000000ULL) {
			close(fd);
			usleep(1000);
		}
		if (fd >= 0)
			close(fd);
		st->free_wait_ns = now_ns() - t2;
	}
	{
		__u64 arr, trie;

		mxgw_maps_bl_memory(m, &arr, &trie, &st->mem6);
		st->mem4 = arr + trie;
	}
out:
	if (tbl >= 0)
		close(tbl);
	if (trie4 >= 0)
		close(trie4);
	if (hash4 >= 0)
		close(hash4);
	if (trie6 >= 0)
		close(trie6);
	if (hash6 >= 0)
		close(hash6);
	if (tag6 >= 0)
		close(tag6);
	return err;
}

int mxgw_maps_bl_read(const struct mxgw_maps *m, struct mxgw_blocklist *lists,
		      __u64 (*drops)[MXGW_FAM_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	int err;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	err = read_lists(m, lists);
	if (err || !drops)
		return err;
	for (__u32 b = 0; b < MXGW_BL_MAX; b++) {
		for (__u32 fam = 0; fam < MXGW_FAM_MAX; fam++) {
			__u64 v[ncpu];
			__u32 k = mxgw_bl_drop_key(fam, b);

			drops[b][fam] = 0;
			if (bpf_map_lookup_elem(m->bl_drops, &k, v))
				return -errno;
			for (int i = 0; i < ncpu; i++)
				drops[b][fam] += v[i];
		}
	}
	return 0;
}

int mxgw_maps_bl_memory(const struct mxgw_maps *m, __u64 *array4, __u64 *trie4,
			__u64 *mem6)
{
	int fd;

	*array4 = *trie4 = *mem6 = 0;
	fd = inner_fd(m->bl4, 0);
	if (fd >= 0) {
		*array4 += mxgw_maps_memlock(fd);
		close(fd);
	}
	for (__u32 s = 0; s < 2; s++) {
		fd = inner_fd(m->bl4_long, s);
		if (fd >= 0) {
			*trie4 += mxgw_maps_memlock(fd);
			close(fd);
		}
		fd = inner_fd(m->bl4_hash, s);
		if (fd >= 0) {
			*trie4 += mxgw_maps_memlock(fd);
			close(fd);
		}
	}
	fd = inner_fd(m->bl6, 0);
	if (fd >= 0) {
		*mem6 += mxgw_maps_memlock(fd);
		close(fd);
	}
	fd = inner_fd(m->bl6_tag, 0);
	if (fd >= 0) {
		*mem6 += mxgw_maps_memlock(fd);
		close(fd);
	}
	for (__u32 s = 0; s < 2; s++) {
		fd = inner_fd(m->bl6_hash, s);
		if (fd >= 0) {
			*mem6 += mxgw_maps_memlock(fd);
			close(fd);
		}
	}
	return 0;
}

__u64 mxgw_maps_bl_array6(const struct mxgw_maps *m)
{
	int fd = inner_fd(m->bl6_tag, 0);
	__u64 n = 0;

	if (fd >= 0) {
		n = mxgw_maps_memlock(fd);
		close(fd);
	}
	return n;
}

int mxgw_maps_bl_lookup4(const struct mxgw_maps *m, __be32 addr, __u32 *bits)
{
	struct mxgw_bl4_block blk;
	__u32 a = ntohl(addr), idx = a >> 13, e, slot;
	struct mxgw_bl4_key key = { .prefixlen = 32, .addr = addr };
	__u16 v;
	int fd, err = 0;

	*bits = 0;
	fd = inner_fd(m->bl4, 0);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	if (bpf_map_lookup_elem(fd, &idx, &blk))
		err = -errno;
	close(fd);
	if (err)
		return err;
	e = blk.bits[(a >> 8) & (MXGW_BL4_PER_BLOCK - 1)];
	*bits = e & MXGW_BL_LISTS;
	if (!(e & BL_LONG_ANY))
		return 0;
	slot = e & MXGW_BL_LONG1 ? 1 : 0;
	fd = inner_fd(m->bl4_hash, slot);
	if (fd < 0)
		return 0;
	{
		__be32 net = htonl(a & 0xffffff00);
		struct mxgw_bl4_long24 l;

		err = bpf_map_lookup_elem(fd, &net, &l);
		close(fd);
		if (err)
			return 0;
		if (!l.more) {
			for (int i = 0; i < l.n && i < MXGW_BL4_SMALL; i++)
				if (((a & 0xff) & (0xff00U >> (l.e[i].len - 24))) == l.e[i].host) {
					*bits = l.e[i].bits & MXGW_BL_LISTS;
					break;
				}
			return 0;
		}
	}
	fd = inner_fd(m->bl4_long, slot);
	if (fd < 0)
		return 0;
	if (!bpf_map_lookup_elem(fd, &key, &v))
		*bits = v & MXGW_BL_LISTS;
	close(fd);
	return 0;
}

int mxgw_maps_bl_lookup6(const struct mxgw_maps *m, const struct mxgw_in6 *addr,
			 __u32 *bits)
{
	struct mxgw_bl6_key key = { .prefixlen = 128, .addr = *addr };
	__u16 v;
	int fd;

	*bits = 0;
	fd = inner_fd(m->bl6, 0);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	if (!bpf_map_lookup_elem(fd, &key, &v))
		*bits = v & MXGW_BL_LISTS;
	close(fd);
	return 0;
}

int mxgw_maps_bl_apply(const struct mxgw_maps *m, const struct mxgw_policy *pol,
		       const struct mxgw_bl_list *lists, int only, bool wait_free,
		       struct mxgw_bl_swap_stats *st)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	static struct mxgw_bl_change c;
	__u32 bits[MXGW_BL_MAX], gone;
	int err;

	memset(&c, 0, sizeof(c));
	err = mxgw_maps_bl_assign(m, pol->blocklists, pol->nblocklists, bits, &gone);
	if (!err)
		err = mxgw_maps_read_services(m, svcs);
	if (err)
		return err;
	if (only >= 0) {
		struct mxgw_blocklist rec;

		if ((unsigned int)only >= pol->nblocklists)
			return -EINVAL;
		/* one list: it must run already, under that name */
		if (bpf_map_lookup_elem(m->blocklists, &bits[only], &rec))
			return -errno;
		if (!rec.in_use || strncmp(rec.name, pol->blocklists[only].name,
					   MXGW_BL_NAME_LEN))
			return -ENOENT;
	} else {
		c.replace = gone;	/* their def NULL: they go */
	}
	for (unsigned int i = 0; i < pol->nblocklists; i++) {
		const struct mxgw_policy_blocklist *d = &pol->blocklists[i];
		__u32 b = bits[i];

		if (only >= 0 && (unsigned int)only != i)
			continue;
		c.replace |= 1U << b;
		c.def[b] = d;
		c.lists[b] = &lists[only >= 0 ? 0 : i];
		for (__u32 id = 0; id < MXGW_MAX_SERVICES; id++) {
			const struct mxgw_policy_service *s;

			if (d->all_services) {
				c.svc[b][id] = 1;
				continue;
			}
			if (!id || !svcs[id].in_use)
				continue;
			s = mxgw_policy_find_service(pol, svcs[id].name);
			if (s) {
				unsigned int idx = s - pol->services;

				c.svc[b][id] = !!(d->services[idx / 64] & (1ULL << (idx % 64)));
			}
		}
	}
	return mxgw_maps_bl_swap(m, &c, wait_free, st);
}
