// SPDX-License-Identifier: GPL-2.0
/*
 * netdev.c - which devices can transmit redirected XDP frames, asked of the
 * kernel's generic-netlink "netdev" family over a raw netlink socket.
 *
 * No libnl and no libbpf on purpose: this is two small request/reply
 * exchanges, and keeping the parser here lets it bounds-check everything
 * it reads from the kernel.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/types.h>

#include "netdev.h"

/*
 * Debian 12's linux-libc-dev (6.1) has no <linux/netdev.h>, so the few
 * constants we need are copied from the kernel uapi
 * (include/uapi/linux/netdev.h, Linux 6.3+, generated from
 * Documentation/netlink/specs/netdev.yaml). Values checked against the BTF
 * of the running 6.18 kernel (/sys/kernel/btf/vmlinux). Being uapi they cannot
 * change. They carry an MXGW_ prefix because the uapi header defines them
 * as enum constants: a same-named macro would break that header the day a
 * newer libc-dev ships it and something includes it next to us.
 */
#define MXGW_NETDEV_FAMILY_NAME		"netdev"
#define MXGW_NETDEV_FAMILY_VERSION	1
/* enum netdev_cmd: NETDEV_CMD_DEV_GET */
#define MXGW_NETDEV_CMD_DEV_GET		1
/* enum netdev_a_dev: NETDEV_A_DEV_IFINDEX (u32), _PAD, _XDP_FEATURES (u64) */
#define MXGW_NETDEV_A_DEV_IFINDEX	1
#define MXGW_NETDEV_A_DEV_PAD		2
#define MXGW_NETDEV_A_DEV_XDP_FEATURES	3
#define MXGW_NETDEV_A_DEV_MAX		MXGW_NETDEV_A_DEV_XDP_FEATURES
/* enum netdev_xdp_act: NETDEV_XDP_ACT_NDO_XMIT */
#define MXGW_NETDEV_XDP_ACT_NDO_XMIT	(1ULL << 2)

/* A request is a header plus at most one small attribute. */
#define NL_REQ_SIZE	(NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + 32)

/*
 * Start big enough that the kernel can pack many devices into one dump
 * datagram (it sizes dump skbs after the reader's buffer, up to 32 KiB);
 * nl_recv() still grows the buffer if a datagram is ever larger.
 */
#define NL_RECV_INITIAL	32768

struct nl_sock {
	int fd;
	__u32 portid;	/* our netlink port id, to reject foreign replies */
	__u32 seq;
	char *buf;
	size_t buflen;
};

/*
 * Called for each reply message of the current request that is neither
 * NLMSG_ERROR nor NLMSG_DONE; payload/len are what follows the nlmsghdr.
 * Returning a negative errno aborts the request with that error.
 */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, const void *payload,
			 size_t len, void *ctx);

static void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->buf);
	s->buf = NULL;
	s->buflen = 0;
}

static int nl_open(struct nl_sock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int one = 1;
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;

	/*
	 * Errors need not echo our request back; we never look at it. Best
	 * effort: old kernels without the option simply send more bytes.
	 */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	/* Bind to let the kernel pick a port id we can match replies on. */
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &salen) < 0) {
		err = -errno;
		goto fail;
	}
	if (salen != sizeof(sa) || sa.nl_family != AF_NETLINK) {
		err = -EPROTO;
		goto fail;
	}
	s->portid = sa.nl_pid;

	s->buflen = NL_RECV_INITIAL;
	s->buf = malloc(s->buflen);
	if (!s->buf) {
		err = -ENOMEM;
		goto fail;
	}
	return 0;

fail:
	nl_close(s);
	return err;
}

/* Append one attribute to a request being built in req (capacity cap). */
static int nl_put_attr(char *req, size_t cap, __u16 type, const void *data,
		       __u16 len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	size_t off = NLMSG_ALIGN(nlh->nlmsg_len);
	struct nlattr *nla;

	if (off + NLA_ALIGN(NLA_HDRLEN + (size_t)len) > cap)
		return -EMSGSIZE;
	nla = (struct nlattr *)(req + off);
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy(req + off + NLA_HDRLEN, data, len);
	/* Zero the padding so we never send uninitialised bytes. */
	memset(req + off + NLA_HDRLEN + len, 0,
	       NLA_ALIGN(NLA_HDRLEN + len) - (NLA_HDRLEN + len));
	nlh->nlmsg_len = (__u32)(off + NLA_ALIGN(NLA_HDRLEN + len));
	return 0;
}

static void nl_init_req(char *req, size_t cap, __u16 family, __u16 flags,
			__u8 cmd, __u8 version)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	struct genlmsghdr *genl;

	memset(req, 0, cap);
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = NLMSG_DATA(nlh);
	genl->cmd = cmd;
	genl->version = version;
}

static int nl_send(struct nl_sock *s, char *req)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	nlh->nlmsg_seq = ++s->seq;
	nlh->nlmsg_pid = s->portid;
	do {
		n = sendto(s->fd, req, nlh->nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != nlh->nlmsg_len)
		return -EIO;
	return 0;
}

/*
 * Receive one datagram into s->buf and return its length. Peeking first
 * means a datagram larger than our buffer is never silently truncated
 * (netlink would drop the rest, corrupting a dump).
 */
static ssize_t nl_recv(struct nl_sock *s)
{
	struct sockaddr_nl from;
	socklen_t fromlen;
	char dummy;
	ssize_t n;

	for (;;) {
		do {
			n = recv(s->fd, &dummy, sizeof(dummy),
				 MSG_PEEK | MSG_TRUNC);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		if ((size_t)n > s->buflen) {
			char *nbuf = realloc(s->buf, n);

			if (!nbuf)
				return -ENOMEM;
			s->buf = nbuf;
			s->buflen = n;
		}

		fromlen = sizeof(from);
		do {
			n = recvfrom(s->fd, s->buf, s->buflen, MSG_TRUNC,
				     (struct sockaddr *)&from, &fromlen);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		if ((size_t)n > s->buflen)
			return -EMSGSIZE;
		/* Only the kernel (port 0) may answer; ignore anyone else. */
		if (fromlen != sizeof(from) || from.nl_pid != 0)
			continue;
		return n;
	}
}

/*
 * Send req and feed the replies to cb until the exchange is over: NLMSG_DONE
 * for a dump, the ACK (NLMSG_ERROR with error 0) for a request sent with
 * NLM_F_ACK. A kernel error ends it with that error. req must therefore be
 * a dump or carry NLM_F_ACK, or we would wait for an end that never comes.
 */
static int nl_transact(struct nl_sock *s, char *req, nl_msg_cb cb, void *ctx)
{
	__u32 seq;
	int err;

	err = nl_send(s, req);
	if (err)
		return err;
	seq = s->seq;

	for (;;) {
		ssize_t n = nl_recv(s);
		size_t len, off, next;

		if (n < 0)
			return (int)n;	/* a negative errno */
		len = (size_t)n;

		/*
		 * Walk the messages by hand rather than with NLMSG_OK(): that
		 * macro mixes int and __u32 so it trips -Wsign-compare with
		 * one compiler or the other whatever type len has.
		 */
		for (off = 0; len - off >= NLMSG_HDRLEN; off = next) {
			const struct nlmsghdr *nlh =
				(const struct nlmsghdr *)(s->buf + off);
			const void *payload = NLMSG_DATA(nlh);
			size_t plen;

			/*
			 * A message claiming more than the datagram holds
			 * means the stream can no longer be trusted.
			 */
			if (nlh->nlmsg_len < NLMSG_HDRLEN ||
			    nlh->nlmsg_len > len - off)
				return -EPROTO;
			plen = nlh->nlmsg_len - NLMSG_HDRLEN;
			/* The last message's padding may be absent. */
			next = off + NLMSG_ALIGN(nlh->nlmsg_len);
			if (next > len)
				next = len;

			/* Stale replies to an earlier, aborted request. */
			if (nlh->nlmsg_seq != seq ||
			    nlh->nlmsg_pid != s->portid)
				continue;

			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_OVERRUN:
				return -ENOBUFS;
			case NLMSG_ERROR: {
				const struct nlmsgerr *e = payload;

				if (plen < sizeof(e->error))
					return -EPROTO;
				if (e->error > 0)
					return -EPROTO;
				/* error 0 is the ACK closing a non-dump. */
				return e->error;
			}
			case NLMSG_DONE: {
				int derr = 0;

				/*
				 * The kernel reports an error hit half-way
				 * through a dump as a negative int here.
				 */
				if (plen >= sizeof(derr))
					memcpy(&derr, payload, sizeof(derr));
				return derr < 0 ? derr : 0;
			}
			default:
				err = cb(nlh, payload, plen, ctx);
				if (err < 0)
					return err;
			}
		}
		/* Trailing bytes too short to be a header: a broken reply. */
		if (off != len)
			return -EPROTO;
	}
}

/*
 * Index the attributes in [buf, buf + len) by type into tb[0..maxtype].
 * Unknown types are skipped (newer kernels add attributes); a length that
 * runs past the buffer or below the header makes the message invalid.
 */
static int nl_parse_attrs(const void *buf, size_t len,
			  const struct nlattr **tb, int maxtype)
{
	const char *p = buf;

	memset(tb, 0, sizeof(*tb) * (maxtype + 1));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *nla = (const struct nlattr *)p;
		size_t alen = nla->nla_len;
		int type = nla->nla_type & NLA_TYPE_MASK;

		if (alen < NLA_HDRLEN || alen > len)
			return -EPROTO;
		if (type <= maxtype)
			tb[type] = nla;
		/* The last attribute's padding may be absent. */
		alen = NLA_ALIGN(alen);
		if (alen > len)
			alen = len;
		p += alen;
		len -= alen;
	}
	return 0;
}

static const void *nla_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static size_t nla_payload_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

/*
 * Read fixed-size attributes by memcpy: a u64 is only 4-byte aligned in the
 * message (the kernel adds NETDEV_A_DEV_PAD only on arches that need it).
 */
static int nla_get(const struct nlattr *nla, void *out, size_t size)
{
	if (!nla || nla_payload_len(nla) < size)
		return -EPROTO;
	memcpy(out, nla_data(nla), size);
	return 0;
}

/* Generic-netlink reply: skip the genlmsghdr, check it is there at all. */
static int genl_payload(const void *payload, size_t len, const void **attrs,
			size_t *attrs_len)
{
	if (len < GENL_HDRLEN)
		return -EPROTO;
	*attrs = (const char *)payload + GENL_HDRLEN;
	*attrs_len = len - GENL_HDRLEN;
	return 0;
}

struct family_ctx {
	__u16 id;
	bool found;
};

static int family_cb(const struct nlmsghdr *nlh, const void *payload,
		     size_t len, void *ctx)
{
	const struct nlattr *tb[CTRL_ATTR_FAMILY_ID + 1];
	struct family_ctx *fc = ctx;
	const void *attrs;
	size_t alen;
	int err;

	if (nlh->nlmsg_type != GENL_ID_CTRL)
		return 0;
	err = genl_payload(payload, len, &attrs, &alen);
	if (!err)
		err = nl_parse_attrs(attrs, alen, tb, CTRL_ATTR_FAMILY_ID);
	if (!err)
		err = nla_get(tb[CTRL_ATTR_FAMILY_ID], &fc->id, sizeof(fc->id));
	if (err)
		return err;
	fc->found = true;
	return 0;
}

/*
 * Look up the dynamic id of the "netdev" family. The controller answers
 * -ENOENT for a family it does not know, which is exactly the "kernel older
 * than 6.3" case: report that as -EOPNOTSUPP so callers can tell it apart
 * from real failures.
 */
static int netdev_family_id(struct nl_sock *s, __u16 *id)
{
	char req[NL_REQ_SIZE];
	struct family_ctx fc = { 0 };
	int err;

	nl_init_req(req, sizeof(req), GENL_ID_CTRL, NLM_F_ACK,
		    CTRL_CMD_GETFAMILY, 1);
	err = nl_put_attr(req, sizeof(req), CTRL_ATTR_FAMILY_NAME,
			  MXGW_NETDEV_FAMILY_NAME,
			  sizeof(MXGW_NETDEV_FAMILY_NAME));
	if (err)
		return err;
	err = nl_transact(s, req, family_cb, &fc);
	if (err == -ENOENT)
		return -EOPNOTSUPP;
	if (err)
		return err;
	if (!fc.found || fc.id == 0)
		return -EPROTO;
	*id = fc.id;
	return 0;
}

struct dev_info {
	__u32 ifindex;
	__u64 xdp_features;
};

static int parse_dev(const struct nlmsghdr *nlh, const void *payload,
		     size_t len, __u16 family, struct dev_info *dev)
{
	const struct nlattr *tb[MXGW_NETDEV_A_DEV_MAX + 1];
	const struct genlmsghdr *genl = payload;
	const void *attrs;
	size_t alen;
	int err;

	if (nlh->nlmsg_type != family)
		return -EPROTO;
	err = genl_payload(payload, len, &attrs, &alen);
	if (err)
		return err;
	if (genl->cmd != MXGW_NETDEV_CMD_DEV_GET)
		return -EPROTO;
	err = nl_parse_attrs(attrs, alen, tb, MXGW_NETDEV_A_DEV_MAX);
	if (!err)
		err = nla_get(tb[MXGW_NETDEV_A_DEV_IFINDEX], &dev->ifindex,
			      sizeof(dev->ifindex));
	/*
	 * Every kernel that has the family sends XDP_FEATURES for every
	 * device (it was part of the family from the start), so its absence
	 * means we are misreading the message rather than "no features".
	 */
	if (!err)
		err = nla_get(tb[MXGW_NETDEV_A_DEV_XDP_FEATURES],
			      &dev->xdp_features, sizeof(dev->xdp_features));
	return err;
}

struct dump_ctx {
	__u16 family;
	__u32 *ifindexes;
	int max;
	int count;
};

static int dump_cb(const struct nlmsghdr *nlh, const void *payload,
		   size_t len, void *ctx)
{
	struct dump_ctx *dc = ctx;
	struct dev_info dev;
	int err;

	err = parse_dev(nlh, payload, len, dc->family, &dev);
	if (err)
		return err;
	/*
	 * Keep reading after the array is full: the dump must run to
	 * NLMSG_DONE so a kernel error in its tail is not missed.
	 */
	if ((dev.xdp_features & MXGW_NETDEV_XDP_ACT_NDO_XMIT) &&
	    dc->count < dc->max)
		dc->ifindexes[dc->count++] = dev.ifindex;
	return 0;
}

int mxgw_netdev_xdp_xmit_ifindexes(__u32 *ifindexes, int max)
{
	struct dump_ctx dc = { .ifindexes = ifindexes, .max = max };
	char req[NL_REQ_SIZE];
	struct nl_sock s;
	int err;

	if (max < 0 || (!ifindexes && max > 0))
		return -EINVAL;

	err = nl_open(&s);
	if (err)
		return err;
	err = netdev_family_id(&s, &dc.family);
	if (err)
		goto out;

	nl_init_req(req, sizeof(req), dc.family, NLM_F_DUMP,
		    MXGW_NETDEV_CMD_DEV_GET, MXGW_NETDEV_FAMILY_VERSION);
	err = nl_transact(&s, req, dump_cb, &dc);
out:
	nl_close(&s);
	return err ? err : dc.count;
}

struct get_ctx {
	__u16 family;
	__u32 ifindex;
	struct dev_info dev;
	bool found;
};

static int get_cb(const struct nlmsghdr *nlh, const void *payload,
		  size_t len, void *ctx)
{
	struct get_ctx *gc = ctx;
	int err;

	err = parse_dev(nlh, payload, len, gc->family, &gc->dev);
	if (err)
		return err;
	/* A reply about some other device would be a kernel bug; refuse it. */
	if (gc->dev.ifindex != gc->ifindex)
		return -EPROTO;
	gc->found = true;
	return 0;
}

int mxgw_netdev_can_xdp_xmit(__u32 ifindex)
{
	struct get_ctx gc = { .ifindex = ifindex };
	char req[NL_REQ_SIZE];
	struct nl_sock s;
	int err;

	err = nl_open(&s);
	if (err)
		return err;
	err = netdev_family_id(&s, &gc.family);
	if (err)
		goto out;

	/* NLM_F_ACK so the reply is followed by a definite end marker. */
	nl_init_req(req, sizeof(req), gc.family, NLM_F_ACK,
		    MXGW_NETDEV_CMD_DEV_GET, MXGW_NETDEV_FAMILY_VERSION);
	err = nl_put_attr(req, sizeof(req), MXGW_NETDEV_A_DEV_IFINDEX,
			  &ifindex, sizeof(ifindex));
	if (err)
		goto out;
	err = nl_transact(&s, req, get_cb, &gc);
	if (!err && !gc.found)
		err = -EPROTO;
out:
	nl_close(&s);
	if (err)
		return err;
	return !!(gc.dev.xdp_features & MXGW_NETDEV_XDP_ACT_NDO_XMIT);
}
