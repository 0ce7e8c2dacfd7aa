// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What `load` looks at before it touches anything: is this the WAN
 * interface at all (not the loopback, not the one the mail server is
 * reached through), is the public address on it, does the kernel forward.
 * All of it is of the calling thread's network namespace.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "loader.h"
#include "../ctl/config.h"

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

static int read_int(const char *path)
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
 * The route the kernel would take to @dst: RTM_GETROUTE with
 * RTM_F_FIB_MATCH (Linux 4.13), which answers with the matching FIB entry
 * itself, prefix length included, so the default route is told apart.
 * 0 with *oif = 0 for a multipath route (no single device).
 */
static int route_to(__be32 dst, __u32 *oif, __be32 *prefix, __u8 *len)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		struct rtattr rta;
		__be32 dst;
	} req = {
		.nh.nlmsg_len = sizeof(req),
		.nh.nlmsg_type = RTM_GETROUTE,
		.nh.nlmsg_flags = NLM_F_REQUEST,
		.nh.nlmsg_seq = 1,
		.rt.rtm_family = AF_INET,
		.rt.rtm_dst_len = 32,
		.rt.rtm_flags = RTM_F_FIB_MATCH,
		.rta.rta_type = RTA_DST,
		.rta.rta_len = RTA_LENGTH(sizeof(__be32)),
		.dst = dst,
	};
	char buf[8192];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtmsg *rt;
	struct rtattr *a;
	ssize_t n;
	int fd, alen, err = 0;

	_Static_assert(sizeof(req) == NLMSG_LENGTH(sizeof(struct rtmsg)) +
		       RTA_LENGTH(sizeof(__be32)), "RTM_GETROUTE request layout");
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, sizeof(req), 0) < 0) {
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
	*prefix = 0;
	*len = rt->rtm_dst_len;
	alen = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*rt));
	for (a = RTM_RTA(rt); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(__u32))
			memcpy(oif, RTA_DATA(a), sizeof(__u32));
		else if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) >= sizeof(__be32))
			memcpy(prefix, RTA_DATA(a), sizeof(__be32));
	}
out:
	close(fd);
	return err;
}

int mxgw_preflight(const char *ifname, const struct mxgw_conf *conf,
		   struct mxgw_preflight *pf)
{
	__u32 ifindex = if_nametoindex(ifname), oif = 0;
	int err;

	memset(pf, 0, sizeof(*pf));
	if (!ifindex)
		return -ENODEV;
	if_facts(ifname, conf->public_addr, pf);
	/* /proc/sys is the reading thread's namespace's */
	pf->ip_forward = read_int("/proc/sys/net/ipv4/ip_forward");
	err = route_to(conf->mailserver_addr, &oif, &pf->route_dst, &pf->route_len);
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
