// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What `load` looks at before it touches anything: is this the WAN
 * interface at all (not the loopback, not the one the mail server is
 * reached through), is the public address on it, does the kernel forward,
 * and which connections to the gateway itself are open.  All of it is of
 * the calling thread's network namespace.
 */
#include <errno.h>
#include <stddef.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "loader.h"
#include "internal.h"
#include "../maps/policy.h"

static void if_facts(const char *ifname, __be32 public, struct mxgw_preflight *pf)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (strcmp(i->ifa_name, ifname))
			continue;
		if (i->ifa_flags & IFF_LOOPBACK)
			pf->loopback = true;
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == public)
			pf->public_on_if = true;
	}
	freeifaddrs(ifa);
}

int mxgw_read_sysctl(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * The route the kernel would take to @dst (@family AF_INET: 4 bytes,
 * AF_INET6: 16): RTM_GETROUTE with RTM_F_FIB_MATCH (Linux 4.13), which
 * answers with the matching FIB entry itself, prefix length included, so
 * the default route is told apart.  @prefix gets as many bytes as @dst.
 * 0 with *oif = 0 for a multipath route (no single device).
 */
int mxgw_route_to(int family, const void *dst, __u32 *oif, void *prefix, __u8 *len)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		struct rtattr rta;
		__u8 dst[16];
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)) + RTA_LENGTH(alen),
		.nh.nlmsg_type = RTM_GETROUTE,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.nh.nlmsg_seq = 1,
		.rt.rtm_family = family,
		.rt.rtm_dst_len = alen * 8,
		.rt.rtm_flags = RTM_F_FIB_MATCH,
		.rta.rta_type = RTA_DST,
		.rta.rta_len = RTA_LENGTH(alen),
	};
	char buf[8192];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtmsg *rt;
	struct rtattr *a;
	ssize_t n;
	int fd, attrlen, err = 0;

	_Static_assert(offsetof(typeof(req), dst) == NLMSG_LENGTH(sizeof(struct rtmsg)) +
		       RTA_LENGTH(0), "RTM_GETROUTE request layout");
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	memcpy(req.dst, dst, alen);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	do {
		n = recv(fd, buf, sizeof(buf), 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	/* one message answers a non-dump request: the route or an error */
	if ((size_t)n < sizeof(*nh) || nh->nlmsg_len > (size_t)n ||
	    nh->nlmsg_len < NLMSG_HDRLEN) {
		err = -EPROTO;
		goto out;
	}
	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);

		err = nh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ?
		      e->error : -EPROTO;
		goto out;
	}
	if (nh->nlmsg_type != RTM_NEWROUTE ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rt))) {
		err = -EPROTO;
		goto out;
	}
	rt = NLMSG_DATA(nh);
	*oif = 0;
	memset(prefix, 0, alen);
	*len = rt->rtm_dst_len;
	attrlen = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*rt));
	for (a = RTM_RTA(rt); RTA_OK(a, attrlen); a = RTA_NEXT(a, attrlen)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(__u32))
			memcpy(oif, RTA_DATA(a), sizeof(__u32));
		else if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) >= alen)
			memcpy(prefix, RTA_DATA(a), alen);
	}
out:
	close(fd);
	return err;
}

int mxgw_preflight(const char *ifname, const struct mxgw_policy *pol,
		   struct mxgw_preflight *pf)
{
	__u32 ifindex = if_nametoindex(ifname), oif = 0;
	int err;

	memset(pf, 0, sizeof(*pf));
	if (!ifindex)
		return -ENODEV;
	if_facts(ifname, pol->public_addr, pf);
	/* /proc/sys is the reading thread's namespace's */
	pf->ip_forward = mxgw_read_sysctl("/proc/sys/net/ipv4/ip_forward");
	pf->ip6_forward = -1;
	if (pol->has_mailserver6) {
		/* "all" is what the kernel forwards by (ip6_forward() reads
		 * devconf_all); the per-device ones only change RA and ND */
		pf->ip6_forward = mxgw_read_sysctl("/proc/sys/net/ipv6/conf/all/forwarding");
		pf->lan6_route = mxgw_route_to(AF_INET6, &pol->mailserver6, &oif,
					       &pf->route6_dst, &pf->route6_len);
		if (!pf->lan6_route)
			pf->lan6_route = oif == ifindex;
		oif = 0;
	}
	err = mxgw_route_to(AF_INET, &pol->mailserver_addr, &oif, &pf->route_dst,
			    &pf->route_len);
	if (err) {
		pf->lan_route = err;	/* no route at all: not this device */
		return 0;
	}
	if (oif == ifindex && pf->route_len)
		pf->lan_route = 1;
	else if (oif == ifindex)
		pf->default_route_lan = true;
	return 0;
}

/* A set of ports, 8 KiB. */
struct ports {
	unsigned char bit[65536 / 8];
};

static void ports_set(struct ports *p, unsigned int port)
{
	p->bit[port >> 3] |= 1 << (port & 7);
}

static bool ports_has(const struct ports *p, unsigned int port)
{
	return p->bit[port >> 3] & (1 << (port & 7));
}

#define TCP_ESTABLISHED	0x01	/* include/net/tcp_states.h */
#define TCP_LISTEN	0x0a

/*
 * One line of /proc/net/tcp or tcp6 as IPv4: addresses are printed as the
 * raw 32-bit words of the socket (network order read as a host u32), ports
 * in host order.  A tcp6 address counts when it is v4-mapped, or :: for a
 * listener (a dual-stack socket takes IPv4 too).  Returns false for lines
 * that are neither.
 */
static bool parse_line(const char *line, bool v6, __be32 *laddr, unsigned int *lport,
		       __be32 *raddr, unsigned int *rport, unsigned int *state, bool *any)
{
	char l[33], r[33];
	unsigned int w[4];

	if (!v6) {
		unsigned int la, ra;

		if (sscanf(line, "%*d: %8X:%4X %8X:%4X %2X", &la, lport, &ra, rport, state) != 5)
			return false;
		*laddr = la;
		*raddr = ra;
		*any = !la;
		return true;
	}
	if (sscanf(line, "%*d: %32[0-9A-Fa-f]:%4X %32[0-9A-Fa-f]:%4X %2X",
		   l, lport, r, rport, state) != 5 || strlen(l) != 32 || strlen(r) != 32)
		return false;
	if (sscanf(l, "%8X%8X%8X%8X", &w[0], &w[1], &w[2], &w[3]) != 4)
		return false;
	*any = !w[0] && !w[1] && !w[2] && !w[3];
	if (!*any && (w[0] || w[1] || w[2] != htonl(0xffff)))
		return false;
	*laddr = w[3];
	if (sscanf(r, "%8X%8X%8X%8X", &w[0], &w[1], &w[2], &w[3]) != 4)
		return false;
	*raddr = w[3];
	return true;
}

static int scan(const char *path, bool v6, __be32 addr, struct ports *listen,
		struct mxgw_tcp_conn *conns, int max, int *n)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* tcp6: no IPv6 */
	while (fgets(line, sizeof(line), f)) {
		unsigned int lport, rport, state;
		__be32 laddr, raddr;
		bool any;

		if (!parse_line(line, v6, &laddr, &lport, &raddr, &rport, &state, &any))
			continue;	/* the header */
		if (state == TCP_LISTEN && (any || laddr == addr))
			ports_set(listen, lport);
		if (state != TCP_ESTABLISHED || any || laddr != addr)
			continue;
		if (*n < max) {
			conns[*n].local_addr = laddr;
			conns[*n].local_port = lport;
			conns[*n].remote_addr = raddr;
			conns[*n].remote_port = rport;
		}
		(*n)++;
	}
	fclose(f);
	return 0;
}

int mxgw_incoming_tcp(__be32 addr, struct mxgw_tcp_conn *conns, int max)
{
	struct mxgw_tcp_conn *all;
	struct ports *listen;
	int n = 0, kept = 0, err;

	/* /proc/net is /proc/self/net: the reading thread's namespace */
	listen = calloc(1, sizeof(*listen));
	all = calloc(4096, sizeof(*all));
	if (!listen || !all) {
		err = -ENOMEM;
		goto out;
	}
	err = scan("/proc/net/tcp", false, addr, listen, all, 4096, &n);
	if (!err)
		err = scan("/proc/net/tcp6", true, addr, listen, all, 4096, &n);
	if (err)
		goto out;
	if (n > 4096)
		n = 4096;
	/* incoming: something listens on the local port (an outgoing
	 * connection's local port is an ephemeral one nobody listens on) */
	for (int i = 0; i < n; i++) {
		if (!ports_has(listen, all[i].local_port))
			continue;
		if (kept < max)
			conns[kept] = all[i];
		kept++;
	}
out:
	free(listen);
	free(all);
	return err ? err : kept;
}

/* One line of /proc/net/tcp6: each address 4 words as the kernel prints
 * them (%08X of the raw word), ports in host order. */
static bool parse_line6(const char *line, struct mxgw_in6 *laddr, unsigned int *lport,
			struct mxgw_in6 *raddr, unsigned int *rport, unsigned int *state)
{
	char l[33], r[33];

	if (sscanf(line, "%*d: %32[0-9A-Fa-f]:%4X %32[0-9A-Fa-f]:%4X %2X",
		   l, lport, r, rport, state) != 5 || strlen(l) != 32 || strlen(r) != 32)
		return false;
	return sscanf(l, "%8X%8X%8X%8X", &laddr->a[0], &laddr->a[1], &laddr->a[2],
		      &laddr->a[3]) == 4 &&
	       sscanf(r, "%8X%8X%8X%8X", &raddr->a[0], &raddr->a[1], &raddr->a[2],
		      &raddr->a[3]) == 4;
}

static bool in6_listed(const struct mxgw_in6 *a, const struct mxgw_in6 *list, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (mxgw_in6_eq(a, &list[i]))
			return true;
	return false;
}

int mxgw_incoming_tcp6(const struct mxgw_in6 *addrs, unsigned int naddrs,
		       struct mxgw_tcp6_conn *conns, int max)
{
	static const struct mxgw_in6 any;
	struct mxgw_tcp6_conn *all;
	struct ports *listen;
	int n = 0, kept = 0, err = 0;
	char line[512];
	FILE *f;

	f = fopen("/proc/net/tcp6", "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* no IPv6 */
	listen = calloc(1, sizeof(*listen));
	all = calloc(4096, sizeof(*all));
	if (!listen || !all) {
		err = -ENOMEM;
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		struct mxgw_in6 laddr, raddr;
		unsigned int lport, rport, state;

		if (!parse_line6(line, &laddr, &lport, &raddr, &rport, &state))
			continue;	/* the header */
		if (state == TCP_LISTEN && (mxgw_in6_eq(&laddr, &any) ||
					    in6_listed(&laddr, addrs, naddrs)))
			ports_set(listen, lport);
		if (state != TCP_ESTABLISHED || !in6_listed(&laddr, addrs, naddrs))
			continue;
		if (n < 4096)
			all[n] = (struct mxgw_tcp6_conn){
				.local_addr = laddr, .remote_addr = raddr,
				.local_port = lport, .remote_port = rport,
			};
		n++;
	}
	if (n > 4096)
		n = 4096;
	/* incoming: something listens on the local port */
	for (int i = 0; i < n; i++) {
		if (!ports_has(listen, all[i].local_port))
			continue;
		if (kept < max)
			conns[kept] = all[i];
		kept++;
	}
out:
	fclose(f);
	free(listen);
	free(all);
	return err ? err : kept;
}
