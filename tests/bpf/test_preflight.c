// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What load looks at before it touches anything, over IPv6, in the
 * testbed's namespace (wan0 2001:db8:1::33/64, lan0 2001:db8:168::1/64,
 * IPv6 forwarding on): mxgw_preflight's IPv6 facts (forwarding, the route
 * to mailserver6) and mxgw_incoming_tcp6, the gateway's own established
 * connections on the WAN's IPv6 addresses that a new table could cut.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "testbed.h"
#include "loader.h"
#include "policy.h"

#define HEAD	"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\n"

static struct mxgw_conf_file conf;

static void parse(const char *text)
{
	assert_int_equal(mxgw_conf_parse_string("t.conf", text, &conf, stderr), 0);
}

static void test_preflight_ipv6_forwarding_and_route(void **state)
{
	struct mxgw_preflight pf;
	struct tb tb;
	struct mxgw_in6 net;
	(void)state;

	tb_reset(&tb, HEAD);	/* the namespace, or skip */
	/* without mailserver6, nothing is asked of IPv6 */
	parse(HEAD);
	assert_int_equal(mxgw_preflight("wan0", &conf.policy, &pf), 0);
	assert_int_equal(pf.ip6_forward, -1);
	assert_int_equal(pf.lan6_route, 0);

	parse(HEAD "mailserver6 " TB_MAILSERVER6 "\n");
	assert_int_equal(mxgw_preflight("wan0", &conf.policy, &pf), 0);
	assert_int_equal(pf.ip6_forward, 1);
	assert_int_equal(pf.lan6_route, 0);	/* lan0's */
	tb_sh("sysctl -qw net.ipv6.conf.all.forwarding=0");
	assert_int_equal(mxgw_preflight("wan0", &conf.policy, &pf), 0);
	tb_sh("sysctl -qw net.ipv6.conf.all.forwarding=1");
	assert_int_equal(pf.ip6_forward, 0);

	/* on the WAN's link: routed out of wan0 itself */
	parse(HEAD "mailserver6 2001:db8:1::99\n");
	assert_int_equal(mxgw_preflight("wan0", &conf.policy, &pf), 0);
	assert_int_equal(pf.lan6_route, 1);
	assert_int_equal(pf.route6_len, 64);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::", &net), 1);
	assert_memory_equal(&pf.route6_dst, &net, sizeof(net));
	/* loaded on lan0 instead, it is not lan0's route */
	assert_int_equal(mxgw_preflight("lan0", &conf.policy, &pf), 0);
	assert_int_equal(pf.lan6_route, 0);

	/* nowhere: no route at all */
	parse(HEAD "mailserver6 2001:db8:999::10\n");
	assert_int_equal(mxgw_preflight("wan0", &conf.policy, &pf), 0);
	assert_int_equal(pf.lan6_route, -ENETUNREACH);
	/* only the default route, out of wan0 */
	tb_sh("ip -6 route add default via " TB_ROUTER6 " dev wan0");
	assert_int_equal(mxgw_preflight("wan0", &conf.policy, &pf), 0);
	tb_sh("ip -6 route del default via " TB_ROUTER6 " dev wan0");
	assert_int_equal(pf.lan6_route, 1);
	assert_int_equal(pf.route6_len, 0);
}

/* A listening socket on @addr:@port (:: for any), IPv6 only. */
static int listen6(const char *addr, __u16 port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET6, addr, &sa.sin6_addr), 1);
	assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* A connection from @src to @dst:@port, established (accepted from @lfd). */
static void connect6(const char *src, const char *dst, __u16 port, int lfd, int *cfd, int *afd)
{
	struct sockaddr_in6 from = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	*cfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*cfd >= 0);
	assert_int_equal(inet_pton(AF_INET6, src, &from.sin6_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, &to.sin6_addr), 1);
	assert_int_equal(bind(*cfd, (struct sockaddr *)&from, sizeof(from)), 0);
	assert_int_equal(connect(*cfd, (struct sockaddr *)&to, sizeof(to)), 0);
	*afd = accept(lfd, NULL, NULL);
	assert_true(*afd >= 0);
}

static void test_incoming_tcp6_names_connections_to_listened_wan_ports(void **state)
{
	struct mxgw_tcp6_conn c[8];
	struct mxgw_in6 wan6[2], gw, lan;
	int l22, l2222, lan_l, fds[6], n, found = 0;
	struct tb tb;
	(void)state;

	tb_reset(&tb, HEAD);
	/* the WAN's addresses as load reads them: its global one, and a
	 * second one on the WAN link for the client's end */
	tb_sh("ip -6 addr add 2001:db8:1::77/64 dev wan0 nodad");
	assert_int_equal(inet_pton(AF_INET6, TB_PUBLIC6, &gw), 1);
	assert_int_equal(inet_pton(AF_INET6, TB_LAN6_GW, &lan), 1);
	wan6[0] = gw;
	assert_int_equal(mxgw_incoming_tcp6(wan6, 1, c, 8), 0);

	/* sshd on ::, another server on the WAN address only, one on lan0's */
	l22 = listen6("::", 2022);
	l2222 = listen6(TB_PUBLIC6, 2222);
	lan_l = listen6(TB_LAN6_GW, 2223);
	connect6("2001:db8:1::77", TB_PUBLIC6, 2022, l22, &fds[0], &fds[1]);
	connect6("2001:db8:1::77", TB_PUBLIC6, 2222, l2222, &fds[2], &fds[3]);
	connect6("2001:db8:1::77", TB_LAN6_GW, 2223, lan_l, &fds[4], &fds[5]);

	/* the two to the WAN's address, by their listened local port; not
	 * the client ends (ephemeral ports nothing listens on, and not the
	 * WAN address given), not lan0's */
	n = mxgw_incoming_tcp6(wan6, 1, c, 8);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++) {
		struct mxgw_in6 remote;

		assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::77", &remote), 1);
		assert_memory_equal(&c[i].local_addr, &gw, sizeof(gw));
		assert_memory_equal(&c[i].remote_addr, &remote, sizeof(remote));
		assert_true(c[i].remote_port >= 1024);
		found |= c[i].local_port == 2022 ? 1 : c[i].local_port == 2222 ? 2 : 4;
	}
	assert_int_equal(found, 3);
	/* @max bounds what is filled, not what is counted */
	assert_int_equal(mxgw_incoming_tcp6(wan6, 1, c, 1), 2);
	/* lan0's address among those given: its connection too */
	wan6[1] = lan;
	assert_int_equal(mxgw_incoming_tcp6(wan6, 2, c, 8), 3);
	for (int i = 0; i < 6; i++)
		close(fds[i]);
	close(l22);
	close(l2222);
	close(lan_l);
	tb_sh("ip -6 addr del 2001:db8:1::77/64 dev wan0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preflight_ipv6_forwarding_and_route),
		cmocka_unit_test(test_incoming_tcp6_names_connections_to_listened_wan_ports),
	};

	return cmocka_run_group_tests_name("preflight", tests, tb_group_setup, tb_group_teardown);
}
