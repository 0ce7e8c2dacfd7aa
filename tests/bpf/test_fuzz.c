// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Randomised frames through both real programs, sharing their real maps:
 * LAN -> Internet frames through mxgw_wan_out (TC), which create
 * conntrack entries, interleaved with Internet -> public frames through
 * mxgw_wan_in (XDP), about half of them crafted as replies to those flows.
 * Frames start from valid templates (tb_frame) and are then mutated: byte
 * flips, truncation, IHL, total length, fragment fields, TCP flags, inner
 * headers of ICMP errors, link padding.
 *
 * After every frame an oracle that shares nothing with the data plane but
 * the maps' contents (the table read back through the maps API, conntrack
 * entries looked up from user space BEFORE the run) checks:
 *  1. nothing is rewritten towards the LAN unless a rule (an incoming-allow
 *     service, its "from") or a live tracked flow allows it, and to exactly
 *     the host and port they name; a frame not for the public address
 *     leaves unchanged; verdicts of frames left alone match the table;
 *  2. a rewritten frame keeps every checksum that was valid valid (IP, L4,
 *     ICMP, and the quoted IP header and UDP/echo checksum of ICMP errors);
 *  3. nothing leaves the WAN with a LAN source address; the gateway's own
 *     frames leave unchanged (an ICMP error's quote may be translated);
 *     new masqueraded flows respect the outgoing column, and a new TCP
 *     flow starts with a SYN;
 *  4. verdicts are always valid (XDP: DROP, PASS, REDIRECT; TC: OK, SHOT);
 *  5. a well-formed frame the oracle allows is delivered (liveness).
 * And, whatever the oracle says (issue 10), checked on the frames alone:
 * nothing to a LAN address or one the kernel would forward passes XDP,
 * no martian or spoofed source and no TCP flag combination netfilter
 * calls invalid is let in to the public address, no frame the parser
 * cannot read to its IPv4 header passes XDP or leaves through TC.
 * Routes of the test's namespace make transit destinations: see
 * fuzz_routes().
 * A violation does not stop the run: each class keeps a count and its
 * first frames (in and out, as hex), and the test fails at the end.
 *
 * The running gateway also changes under the traffic, as mxctl changes it:
 * a service's verdict flips and flips back (set-service), tracked entries
 * are aged past their timeout or deleted (as the LRU does), and the LAN
 * device leaves mxgw_tx_ports for a while (reload, mxgw_sync_tx_ports).
 *
 * Every LAN -> Internet frame also goes through mxgw_lan_in (issue 14), the
 * LAN device's XDP, first (as on a gateway, where it sees the frame before
 * the kernel and TC): it passes the frame unchanged and creates no flow,
 * or it redirects it, rewritten byte for byte as mxgw_wan_out then does
 * with the same frame (the MACs, TTL and IP checksum aside: the kernel's
 * forwarding would have set those), and never with a LAN source.
 *
 * IPv6 frames (issue 12), a third of them, have an oracle of their own
 * (see "IPv6" below) with the same invariants: nothing reaches the LAN
 * unless allowed or tracked, and then only forwarded as routed (the hop
 * limit one less, nothing else but the MACs changed); nothing with a LAN
 * source leaves unparsed; what mxgw cannot read never passes.
 *
 * Three tables: the shipped one, one with default allow, "from", a UDP
 * service allowed in, a small NAT range, conntrack table and timeouts,
 * and one of IPv6 frames alone with "to gateway" services.
 *
 * MXGW_FUZZ_SEED=N and MXGW_FUZZ_ITERATIONS=N override the fixed defaults
 * (the other tables run a quarter of the iterations); MXGW_FUZZ_EXAMPLES=N
 * prints N frames of each violation class (3).  The seed fixes every frame
 * the test makes up; the public ports the data plane picks at random, and
 * so the replies built from them, differ from run to run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "testbed.h"

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2

#define FUZZ_SEED	0x6d786777ULL	/* "mxgw" */
#define FUZZ_ITERATIONS	750000UL	/* about half through each program */
#define FUZZ_V6_SHARE	33		/* per cent of the frames IPv6 */
/* conntrack entries this close to their timeout may go either way */
#define CT_MARGIN_NS	(250ULL * 1000 * 1000)
#define CLOCK_LAG_MAX_NS (5ULL * 1000 * 1000 * 1000)
#define RING		4096
#define MAX_CLASSES	48

#define VB(v)		(1u << (v))

static const __u8 mail_mac[6] = TB_MAIL_MAC, lan_mac[6] = TB_LAN_MAC;
static struct tb tb;

/* ------------------------------------------------------------------ */
/* random numbers: splitmix64, reproducible from the seed              */

static __u64 rng;

static __u64 rnd64(void)
{
	__u64 z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 rnd(__u32 n)
{
	return n ? (__u32)(rnd64() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

/* ------------------------------------------------------------------ */
/* byte helpers                                                        */

static __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static void wr16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static __be32 rd32n(const __u8 *p)
{
	__be32 a;

	memcpy(&a, p, 4);
	return a;
}

static __be32 addr(const char *s)
{
	__be32 a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static const char *a2s(__be32 a, char *buf)
{
	inet_ntop(AF_INET, &a, buf, 16);
	return buf;
}

static bool is_lan(__be32 a)
{
	return (ntohl(a) >> 16) == 0xc0a8;	/* 192.168.0.0/16 */
}

static __u16 fold16(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff ? 0 : (__u16)s;	/* one's complement: -0 == +0 */
}

/* ------------------------------------------------------------------ */
/* the oracle's view of the running table, read through the maps API  */

static struct {
	struct mxgw_config cfg;
	struct mxgw_service svc[MXGW_MAX_SERVICES];
	__u8 svc_of[MXGW_PROTO_MAX][65536];
	int nfrom[MXGW_MAX_SERVICES];
	struct mxgw_from_key from[MXGW_MAX_SERVICES][MXGW_POLICY_MAX_FROM_PER_SVC];
	int nfrom6[MXGW_MAX_SERVICES];
	struct mxgw_from6_key from6[MXGW_MAX_SERVICES][MXGW_POLICY_MAX_FROM_PER_SVC];
	__u16 ports[MXGW_MAX_SERVICES];
	int nports;
	__u32 ids[MXGW_MAX_SERVICES];
	int nids;
} table;

static void oracle_load(void)
{
	memset(&table, 0, sizeof(table));
	assert_int_equal(mxgw_maps_read_config(&tb.maps, &table.cfg), 0);
	assert_int_equal(mxgw_maps_read_services(&tb.maps, table.svc), 0);
	for (__u32 id = 1; id < MXGW_MAX_SERVICES; id++) {
		const struct mxgw_service *s = &table.svc[id];

		if (!s->in_use)
			continue;
		for (int p = 0; p < MXGW_PROTO_MAX; p++)
			if (s->protos & MXGW_PROTO_BIT(p))
				table.svc_of[p][s->port] = id;
		if (s->flags & MXGW_PORT_F_FROM) {
			table.nfrom[id] = mxgw_maps_read_from(&tb.maps, id, table.from[id],
							      MXGW_POLICY_MAX_FROM_PER_SVC);
			assert_true(table.nfrom[id] >= 0);
			table.nfrom6[id] = mxgw_maps_read_from6(&tb.maps, id, table.from6[id],
								MXGW_POLICY_MAX_FROM_PER_SVC);
			assert_true(table.nfrom6[id] >= 0);
		}
		table.ports[table.nports++] = s->port;
		table.ids[table.nids++] = id;
	}
}

static int pidx(__u8 proto)
{
	return proto == IPPROTO_UDP ? MXGW_PROTO_UDP : MXGW_PROTO_TCP;
}

static __u32 svc_id(__u8 proto, __u16 port)
{
	return table.svc_of[pidx(proto)][port];
}

static bool from_ok(__u32 id, __be32 src)
{
	if (!(table.svc[id].flags & MXGW_PORT_F_FROM))
		return true;
	for (int i = 0; i < table.nfrom[id]; i++) {
		__u32 plen = table.from[id][i].prefixlen - MXGW_FROM_SVC_BITS;
		__u32 mask = plen ? htonl(~0U << (32 - plen)) : 0;

		if ((src & mask) == (table.from[id][i].addr & mask))
			return true;
	}
	return false;
}

/* Would the table DNAT a connection from @src to public:@port? */
static bool table_in_allows(__u8 proto, __u16 port, __be32 src)
{
	__u32 id = svc_id(proto, port);

	if (!id)
		return table.cfg.default_in == MXGW_ALLOW;
	return table.svc[id].verdict[MXGW_DIR_IN] == MXGW_ALLOW && from_ok(id, src);
}

static bool table_out_allows(__u8 proto, __u16 port)
{
	__u32 id;

	if (proto == IPPROTO_ICMP)
		return true;
	id = svc_id(proto, port);
	return id ? table.svc[id].verdict[MXGW_DIR_OUT] == MXGW_ALLOW :
		    table.cfg.default_out == MXGW_ALLOW;
}

static bool is_wan_addr(__be32 a)
{
	if (a == table.cfg.public_addr)
		return true;
	for (int i = 0; i < MXGW_WAN_ADDRS_MAX; i++)
		if (table.cfg.wan_addrs[i] && table.cfg.wan_addrs[i] == a)
			return true;
	return false;
}

/*
 * A source nothing from the Internet may have: 0/8, 127/8, 224/4, 240/4
 * (255.255.255.255 among them), the WAN prefixes' broadcasts, the LAN's
 * prefix, the public address and the WAN device's others.
 */
static bool bad_source(__be32 a)
{
	__u32 h = ntohl(a);

	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe)
		return true;
	if ((a & table.cfg.lan_mask) == table.cfg.lan_net || is_wan_addr(a))
		return true;
	for (int i = 0; i < MXGW_WAN_ADDRS_MAX; i++)
		if (table.cfg.wan_bcast[i] && table.cfg.wan_bcast[i] == a)
			return true;
	return false;
}

/* netfilter's tcp_valid_flags, after it masks ECE, CWR and PSH. */
static bool tcp_flags_ok(__u8 f)
{
	static const __u8 valid[] = { 0x02, 0x22, 0x12, 0x04, 0x14, 0x11, 0x31, 0x10, 0x30 };

	return memchr(valid, f & 0x37, sizeof(valid)) != NULL;
}

/* The test namespace's routes, beyond its two connected prefixes. */
#define FUZZ_VIA_WAN	"10.0.0.0/8"		/* via 203.0.113.1, neighbour known */
#define FUZZ_VIA_LAN	"172.16.0.0/12"		/* via the mail server */
#define FUZZ_BLACKHOLE	"100.64.0.0/10"
/* IPv6's beyond testbed's (the clients' /48 via the WAN's router) */
#define FUZZ6_VIA_LAN	"2001:db8:172::/48"	/* via mailserver6 */
#define FUZZ6_BLACKHOLE	"2001:db8:66::/48"

static void fuzz_routes(void)
{
	tb_sh("ip route replace " FUZZ_VIA_WAN " via 203.0.113.1");
	tb_sh("ip neigh replace 203.0.113.1 lladdr 02:00:00:00:71:01 dev wan0 nud permanent");
	/* an Internet host on the WAN's link, resolved: the LAN's fast path
	 * sends to it (issue 14) */
	tb_sh("ip neigh replace 203.0.113.7 lladdr 02:00:00:00:71:07 dev wan0 nud permanent");
	tb_sh("ip route replace " FUZZ_VIA_LAN " via " TB_MAILSERVER);
	tb_sh("ip route replace blackhole " FUZZ_BLACKHOLE);
	tb_sh("ip -6 route replace " FUZZ6_VIA_LAN " via " TB_MAILSERVER6);
	tb_sh("ip -6 route replace blackhole " FUZZ6_BLACKHOLE);
}

enum dest { D_PASS, D_DROP, D_EITHER };

/*
 * What XDP must do with a packet to @d, not the public address: the link's
 * multicast and broadcasts, the WAN device's addresses and whatever the
 * kernel keeps (local, no route, blackhole) pass; the LAN's prefix and
 * anything the routes above would forward (out of the WAN, too) do not.
 */
static enum dest dest_of(__be32 d)
{
	__u32 h = ntohl(d);

	if ((h >> 28) == 0xe || h == 0xffffffff || is_wan_addr(d))
		return D_PASS;
	for (int i = 0; i < MXGW_WAN_ADDRS_MAX; i++)
		if (table.cfg.wan_bcast[i] && table.cfg.wan_bcast[i] == d)
			return D_PASS;
	if ((d & table.cfg.lan_mask) == table.cfg.lan_net)
		return D_DROP;
	if (h == 0xcb007100)		/* 203.0.113.0: the prefix's own address */
		return D_EITHER;
	if ((h >> 8) == 0xcb0071 || (h >> 24) == 10 || (h >> 20) == 0xac1)
		return D_DROP;		/* on wan0's prefix, or routed on */
	return D_PASS;
}

enum ct_live { CT_NONE, CT_LIVE, CT_DEAD, CT_EDGE };

static __u64 clock_lag_max;

/*
 * Now, as the data plane will see it: its clock map (a BPF timer stores
 * the time every MXGW_CLOCK_TICK_NS), or the coarse clock before the first
 * tick.  *lag: how far it is behind ours, by which it may jump meanwhile.
 */
static __u64 dp_now(__u64 *lag)
{
	struct mxgw_clock c;
	__u64 now = mxgw_now_ns();
	__u32 zero = 0;

	memset(&c, 0, sizeof(c));
	*lag = 0;
	if (bpf_map_lookup_elem(tb.maps.clock, &zero, &c) || !c.ticks)
		return now;
	*lag = now > c.now_ns ? now - c.now_ns : 0;
	if (*lag > clock_lag_max)
		clock_lag_max = *lag;
	return c.now_ns;
}

/* Is the entry @e live, as the data plane will see it? */
static enum ct_live ct_live_of(const struct mxgw_ct_entry *e)
{
	__u64 now, age, to, lag;

	if (e->state >= MXGW_CT_STATE_MAX)
		return CT_DEAD;
	now = dp_now(&lag);
	/* as the data plane computes it, modulo 2^64 (an entry stamped by a
	 * tick that came after our read of the clock is just seen) */
	age = e->seen_ns > now && e->seen_ns - now < 1000000000ULL ? 0 : now - e->seen_ns;
	to = table.cfg.timeout_ns[e->state];
	/* a TCP entry nothing answered lives tcp-syn-sent at most */
	if (e->state <= MXGW_CT_TCP_CLOSE && !(e->flags & MXGW_CT_F_REPLIED) &&
	    to > table.cfg.timeout_ns[MXGW_CT_TCP_SYN_SENT])
		to = table.cfg.timeout_ns[MXGW_CT_TCP_SYN_SENT];
	if (age + CT_MARGIN_NS + lag < to)
		return CT_LIVE;
	if (age > to + CT_MARGIN_NS)
		return CT_DEAD;
	return CT_EDGE;
}

static enum ct_live ct_get(__u8 proto, __be32 raddr, __u16 rport, __u16 pport,
			   struct mxgw_ct_entry *e)
{
	struct mxgw_ct_key k = {
		.remote_addr = raddr,
		.remote_port = htons(rport),
		.public_port = htons(pport),
		.proto = proto,
	};

	if (bpf_map_lookup_elem(tb.maps.ct, &k, e))
		return CT_NONE;
	return ct_live_of(e);
}

/* Does @e map the LAN's @lan:@lport (not the gateway's own flow)? */
static bool ct_maps(const struct mxgw_ct_entry *e, __be32 lan, __u16 lport)
{
	return e->lan_addr == lan && e->lan_port == htons(lport) &&
	       !(e->flags & MXGW_CT_F_LOCAL);
}

/*
 * The live masquerade mapping of a LAN flow, as nat_find sees it: the
 * entry at the flow's own port when it maps the flow and lives (whatever
 * mxgw_nat holds: the LRU may have taken the mapping and left the entry),
 * else mxgw_nat's port and its entry.  An entry at its own port near its
 * timeout may go either way; mxgw_nat then holds that same port (a flow is
 * given another only while its own is taken or not in nat-ports).
 */
static enum ct_live nat_get(__u8 proto, __be32 lan, __u16 lport, __be32 remote,
			    __u16 rport, __u16 *pport)
{
	struct mxgw_nat_key nk = {
		.lan_addr = lan,
		.remote_addr = remote,
		.lan_port = htons(lport),
		.remote_port = htons(rport),
		.proto = proto,
	};
	struct mxgw_nat_entry ne;
	struct mxgw_ct_entry e;
	enum ct_live st;

	st = ct_get(proto, remote, rport, lport, &e);
	if ((st == CT_LIVE || st == CT_EDGE) && ct_maps(&e, lan, lport)) {
		*pport = lport;
		return st;
	}
	if (bpf_map_lookup_elem(tb.maps.nat, &nk, &ne))
		return CT_NONE;
	*pport = ntohs(ne.public_port);
	st = ct_get(proto, remote, rport, *pport, &e);
	if (st == CT_NONE || !ct_maps(&e, lan, lport))
		return CT_NONE;
	return st;
}

/* Is the tracked TCP entry of (remote, rport, pport) closed or in time-wait? */
static bool ct_closed(__u8 proto, __be32 remote, __u16 rport, __u16 pport)
{
	struct mxgw_ct_entry e;

	if (ct_get(proto, remote, rport, pport, &e) == CT_NONE)
		return false;
	return e.state == MXGW_CT_TCP_CLOSE || e.state == MXGW_CT_TCP_TIME_WAIT;
}

static __u64 counter1(enum mxgw_counter c)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 v[ncpu], sum = 0;
	__u32 k = c;

	if (bpf_map_lookup_elem(tb.maps.counters, &k, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* ------------------------------------------------------------------ */
/* parsing, independent of bpf/parse.bpf.h                              */

struct pkt {
	size_t len;
	int l3;			/* IPv4 header offset; -1: not IPv4 */
	int vlans;
	bool vlan_cut;		/* the frame ends inside a VLAN tag */
	bool vlan_deep;		/* a third tag: more than mxgw parses */
	bool ip20;		/* the fixed 20 bytes are in the frame */
	__u8 ver, ihl, ttl, proto;
	__u16 tot, frag;
	__be32 saddr, daddr;
	bool wellformed;	/* version, IHL, total length within the frame */
	bool fragment;
	int l4;
	bool l4ok;		/* the L4 header lies within the datagram */
	__u16 sport, dport;	/* host order */
	__u8 tflags;
	__u8 itype, icode;
	__u16 iid;
	/* ICMP errors: the quoted packet */
	int in;			/* its offset, 0 if none */
	bool inner_in_frame;	/* its IP header and 8 bytes are in the frame */
	bool inner_in_dgram;	/* ... and within the outer datagram */
	__u8 iihl, iproto, iitype;
	__be32 isaddr, idaddr;
	__u16 isport, idport, iw2, iw3;
};

static bool icmp_error(__u8 type)
{
	return type == 3 || type == 11 || type == 12;
}

static void parse(const __u8 *f, size_t len, struct pkt *p)
{
	size_t off = 14, hlen, need;
	const __u8 *ip, *l4;
	__u16 type;

	memset(p, 0, sizeof(*p));
	p->len = len;
	p->l3 = -1;
	type = rd16(f + 12);
	for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
		if (off + 4 > len) {
			p->vlan_cut = true;
			return;
		}
		type = rd16(f + off + 2);
		off += 4;
		p->vlans++;
	}
	p->vlan_deep = type == 0x8100 || type == 0x88a8;
	if (type != 0x0800)
		return;
	p->l3 = off;
	if (off + 20 > len)
		return;
	p->ip20 = true;
	ip = f + off;
	p->ver = ip[0] >> 4;
	p->ihl = ip[0] & 0xf;
	p->tot = rd16(ip + 2);
	p->frag = rd16(ip + 6);
	p->ttl = ip[8];
	p->proto = ip[9];
	p->saddr = rd32n(ip + 12);
	p->daddr = rd32n(ip + 16);
	hlen = p->ihl * 4;
	p->wellformed = p->ver == 4 && hlen >= 20 && p->tot >= hlen && off + p->tot <= len;
	if (!p->wellformed)
		return;
	p->fragment = p->frag & 0x3fff;
	if (p->fragment)
		return;
	p->l4 = off + hlen;
	need = p->proto == IPPROTO_TCP ? 20 : p->proto == IPPROTO_UDP ? 8 :
	       p->proto == IPPROTO_ICMP ? 8 : 0;
	if (!need)
		return;
	p->l4ok = hlen + need <= p->tot;
	if (!p->l4ok)
		return;
	l4 = f + p->l4;
	if (p->proto != IPPROTO_ICMP) {
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		if (p->proto == IPPROTO_TCP)
			p->tflags = l4[13];
		return;
	}
	p->itype = l4[0];
	p->icode = l4[1];
	p->iid = rd16(l4 + 4);
	if (!icmp_error(p->itype))
		return;
	p->in = p->l4 + 8;
	p->inner_in_frame = p->in + 28 <= (int)len;
	p->inner_in_dgram = p->in + 28 <= (int)(off + p->tot);
	if (!p->inner_in_frame)
		return;
	ip = f + p->in;
	p->iihl = ip[0] & 0xf;
	p->iproto = ip[9];
	p->isaddr = rd32n(ip + 12);
	p->idaddr = rd32n(ip + 16);
	p->isport = rd16(ip + 20);
	p->idport = rd16(ip + 22);
	p->iw2 = rd16(ip + 24);
	p->iw3 = rd16(ip + 26);
	p->iitype = ip[20];
}

/* Checksum states: -1 cannot tell, 0 wrong, 1 right, 2 UDP "none". */
static int ip_csum_state(const __u8 *f, const struct pkt *p)
{
	if (p->l3 < 0 || !p->ip20 || p->ihl < 5 || p->l3 + p->ihl * 4 > (int)p->len)
		return -1;
	return tb_ip_csum(f + p->l3) == 0;
}

static int l4_csum_state(const __u8 *f, const struct pkt *p)
{
	const __u8 *ip = f + p->l3;

	if (!p->wellformed || p->fragment || !p->l4ok)
		return -1;
	if (p->proto == IPPROTO_UDP && !rd16(f + p->l4 + 6))
		return 2;
	if (p->proto == IPPROTO_ICMP)
		return tb_icmp_csum(ip) == 0;
	return tb_l4_csum(ip) == 0;
}

static int inner_ip_csum_state(const __u8 *f, const struct pkt *p)
{
	if (!p->in || !p->inner_in_frame || p->iihl != 5)
		return -1;
	return tb_ip_csum(f + p->in) == 0;
}

/*
 * The quoted UDP or echo checksum covers data the quote does not hold, but
 * a translation keeps it right iff it keeps (checksum + the covered words
 * the quote does hold) the same, in one's complement.
 */
static int inner_l4_sum(const __u8 *f, const struct pkt *p, __u16 *sum)
{
	const __u8 *in = f + p->in;
	__u32 s;

	if (!p->in || !p->inner_in_frame || p->iihl != 5)
		return -1;
	if (p->iproto == IPPROTO_UDP) {
		if (!rd16(in + 26))
			return 2;
		s = rd16(in + 26) + rd16(in + 12) + rd16(in + 14) + rd16(in + 16) +
		    rd16(in + 18) + rd16(in + 20) + rd16(in + 22);
	} else if (p->iproto == IPPROTO_ICMP && (in[20] == 8 || in[20] == 0)) {
		s = rd16(in + 22) + rd16(in + 20) + rd16(in + 24) + rd16(in + 26);
	} else {
		return -1;
	}
	*sum = fold16(s);
	return 1;
}

/* ------------------------------------------------------------------ */
/* expectations                                                        */

enum xkind {
	K_SVC,		/* XDP: DNAT of an incoming-allow service (or default allow) */
	K_CT,		/* XDP: reply of a tracked TCP/UDP flow */
	K_ECHO,		/* XDP: echo reply of a tracked ping */
	K_ICMP,		/* XDP: ICMP error about a tracked flow or a DNAT flow */
	K_SNAT,		/* TC: the mail server's service reply, stateless */
	K_MASQ,		/* TC: masquerade of a LAN flow */
	K_TC_ICMP,	/* TC: ICMP error whose quote (and source) is translated */
	K_MAX,
};

struct xlat {
	enum xkind kind;
	__be32 addr;		/* the new destination (XDP) or source (TC) */
	__u16 port;		/* the new port; K_MASQ: 0, checked after */
	bool outer;		/* K_TC_ICMP: the outer source is rewritten too */
};

struct expect {
	unsigned int unchanged;	/* verdicts acceptable for an unchanged frame */
	bool strict;		/* not ours: must pass unchanged */
	bool must;		/* a translation is required (liveness) */
	int nx;
	struct xlat x[3];
	char why[160];
	/* TC masquerade: */
	bool policy_ok;		/* outgoing column allows it, or a live mapping */
	bool check_nat_full;	/* a refusal is fine if the NAT range was full */
	bool no_flow;		/* a LAN TCP segment, no live flow, no SYN */
	bool have_ct;		/* the conntrack entry the oracle went by */
	struct mxgw_ct_entry ct;
	__u64 ct_now;
	/* IPv6 (routed: nothing is translated): */
	bool fwd6;		/* forwarded: the fast path (REDIRECT) or the kernel's (PASS) */
	bool flow6;		/* TC: a LAN flow, tracked when it leaves */
};

static void why(struct expect *ex, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void why(struct expect *ex, const char *fmt, ...)
{
	size_t n = strlen(ex->why);
	va_list ap;

	if (n && n < sizeof(ex->why) - 3) {
		strcpy(ex->why + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(ex->why + n, sizeof(ex->why) - n, fmt, ap);
	va_end(ap);
}

static void leave(struct expect *ex, unsigned int verdicts)
{
	ex->unchanged |= verdicts;
}

static void xlat(struct expect *ex, enum xkind k, __be32 a, __u16 port, bool outer)
{
	if (ex->nx < 3)
		ex->x[ex->nx++] = (struct xlat){ k, a, port, outer };
	ex->must = true;
}

/* A tracked flow's reply: to its LAN host, or to the gateway untouched. */
static void ct_case(struct expect *ex, const struct mxgw_ct_entry *e, enum xkind k,
		    unsigned int local_verdicts)
{
	char b[16];

	ex->have_ct = true;
	ex->ct = *e;
	ex->ct_now = mxgw_now_ns();	/* our clock, for the message */
	if (e->flags & MXGW_CT_F_LOCAL) {
		leave(ex, local_verdicts);
		why(ex, "the gateway's own flow: untouched");
		return;
	}
	xlat(ex, k, e->lan_addr, ntohs(e->lan_port), false);
	why(ex, "tracked flow of %s:%u", a2s(e->lan_addr, b), ntohs(e->lan_port));
}

static void xdp_icmp_oracle(const struct pkt *p, struct expect *ex)
{
	struct mxgw_ct_entry e;
	enum ct_live st;
	__u16 pport, rport;
	char b[16];

	switch (p->itype) {
	case 8:
		leave(ex, VB(table.cfg.icmp_echo == MXGW_ALLOW ? XDP_PASS : XDP_DROP));
		why(ex, "echo request to the gateway");
		return;
	case 0:
		st = ct_get(IPPROTO_ICMP, p->saddr, 0, p->iid, &e);
		if (st == CT_LIVE || st == CT_EDGE)
			ct_case(ex, &e, K_ECHO, VB(XDP_PASS));
		if (st != CT_LIVE) {
			leave(ex, VB(XDP_DROP));
			why(ex, "echo reply of no live flow");
		}
		if (st == CT_EDGE)
			ex->must = false;
		return;
	case 3: case 11: case 12:
		break;
	default:
		leave(ex, VB(XDP_DROP));
		why(ex, "ICMP type %u", p->itype);
		return;
	}
	if (!p->inner_in_frame) {
		leave(ex, VB(XDP_DROP));
		why(ex, "ICMP error without a quote");
		return;
	}
	if (!p->inner_in_dgram) {
		/* the quote lies in link padding, not in the datagram */
		leave(ex, VB(XDP_DROP) | VB(XDP_PASS));
		why(ex, "ICMP error whose quote lies beyond its total length");
		return;
	}
	if (p->iihl != 5 || p->isaddr != table.cfg.public_addr) {
		leave(ex, VB(XDP_DROP));
		why(ex, "ICMP error about a packet not from the public address");
		return;
	}
	if (p->iproto == IPPROTO_TCP || p->iproto == IPPROTO_UDP) {
		pport = p->isport;
		rport = p->idport;
	} else if (p->iproto == IPPROTO_ICMP && p->iitype == 8) {
		pport = p->iw2;
		rport = 0;
	} else {
		leave(ex, VB(XDP_DROP));
		why(ex, "ICMP error quoting protocol %u", p->iproto);
		return;
	}
	st = ct_get(p->iproto, p->idaddr, rport, pport, &e);
	if (st == CT_LIVE || st == CT_EDGE)
		ct_case(ex, &e, K_ICMP, VB(XDP_PASS));
	if (st != CT_LIVE) {
		if (p->iproto != IPPROTO_ICMP && !bad_source(p->idaddr) &&
		    table_in_allows(p->iproto, pport, p->idaddr)) {
			xlat(ex, K_ICMP, table.cfg.mailserver_addr, pport, false);
			why(ex, "ICMP error about a DNAT flow of %u/%u from %s",
			    pport, p->iproto, a2s(p->idaddr, b));
		} else {
			leave(ex, VB(XDP_DROP));
			why(ex, "ICMP error about %u/%u to %s: no live flow, no incoming-allow service",
			    pport, p->iproto, a2s(p->idaddr, b));
		}
	}
	if (st == CT_EDGE)
		ex->must = false;
}

static void xdp_oracle(const struct pkt *p, struct expect *ex)
{
	struct mxgw_ct_entry e;
	enum ct_live st;
	__u32 id;

	memset(ex, 0, sizeof(*ex));
	if (p->vlan_cut || p->vlan_deep) {
		leave(ex, VB(XDP_DROP));
		why(ex, p->vlan_cut ? "cut inside a VLAN tag" : "more VLAN tags than mxgw parses");
		return;
	}
	if (p->l3 < 0) {
		leave(ex, VB(XDP_PASS));
		ex->strict = true;
		why(ex, "not IPv4");
		return;
	}
	if (!p->ip20) {
		leave(ex, VB(XDP_DROP));
		why(ex, "IPv4 header cut");
		return;
	}
	if (p->daddr != table.cfg.public_addr) {
		enum dest d = dest_of(p->daddr);

		leave(ex, d == D_PASS ? VB(XDP_PASS) : d == D_DROP ? VB(XDP_DROP) :
			  VB(XDP_PASS) | VB(XDP_DROP));
		ex->strict = true;
		why(ex, d == D_PASS ? "not addressed to the public address: the kernel's" :
			d == D_DROP ? "to a LAN address, or one the kernel would forward" :
				      "to the WAN prefix's own address");
		return;
	}
	if (bad_source(p->saddr)) {
		leave(ex, VB(XDP_DROP));
		why(ex, "martian or spoofed source");
		return;
	}
	if (!p->wellformed || p->fragment) {
		leave(ex, VB(XDP_DROP));
		why(ex, p->fragment ? "fragment" : "malformed IPv4 header");
		return;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP &&
	    p->proto != IPPROTO_ICMP) {
		leave(ex, VB(table.cfg.default_in == MXGW_ALLOW ? XDP_PASS : XDP_DROP));
		why(ex, "protocol %u to the gateway", p->proto);
		return;
	}
	if (!p->l4ok) {
		leave(ex, VB(XDP_DROP));
		why(ex, "L4 header beyond the datagram");
		return;
	}
	if (p->proto == IPPROTO_ICMP) {
		xdp_icmp_oracle(p, ex);
		return;
	}
	if (p->proto == IPPROTO_TCP && !tcp_flags_ok(p->tflags)) {
		leave(ex, VB(XDP_DROP));
		why(ex, "TCP flags %#04x: invalid to netfilter", p->tflags);
		return;
	}
	id = svc_id(p->proto, p->dport);
	if (id) {
		if (table_in_allows(p->proto, p->dport, p->saddr)) {
			xlat(ex, K_SVC, table.cfg.mailserver_addr, p->dport, false);
			why(ex, "service %s allows incoming", table.svc[id].name);
		} else {
			leave(ex, VB(XDP_DROP));
			why(ex, "service %s denies incoming (or source outside from)",
			    table.svc[id].name);
		}
		return;
	}
	st = ct_get(p->proto, p->saddr, p->sport, p->dport, &e);
	if (st == CT_LIVE || st == CT_EDGE)
		ct_case(ex, &e, K_CT, VB(XDP_PASS));
	if (st != CT_LIVE) {
		if (table.cfg.default_in == MXGW_ALLOW) {
			xlat(ex, K_SVC, table.cfg.mailserver_addr, p->dport, false);
			why(ex, "unlisted port, default allow");
		} else {
			leave(ex, VB(XDP_DROP));
			why(ex, "unlisted port %u/%u, no live flow, default deny",
			    p->dport, p->proto);
		}
	}
	if (st == CT_EDGE)
		ex->must = false;
}

static void tc_icmp_oracle(const struct pkt *p, struct expect *ex, bool gw)
{
	unsigned int no_flow = VB(gw ? TC_ACT_OK : TC_ACT_SHOT);
	__u16 lport, rport, pport;
	enum ct_live st;
	__be32 lan;

	if (!p->inner_in_frame || p->iihl != 5) {
		leave(ex, no_flow);
		why(ex, "ICMP error without a usable quote");
		return;
	}
	if (!p->inner_in_dgram) {
		leave(ex, no_flow);
		why(ex, "ICMP error whose quote lies beyond its total length");
		return;
	}
	lan = p->idaddr;
	if (lan == table.cfg.public_addr) {
		leave(ex, no_flow);
		why(ex, "ICMP error about the gateway's own traffic");
		return;
	}
	if (p->iproto == IPPROTO_TCP || p->iproto == IPPROTO_UDP) {
		lport = p->idport;
		rport = p->isport;
	} else if (p->iproto == IPPROTO_ICMP && p->iitype == 0) {
		lport = p->iw2;
		rport = 0;
	} else {
		leave(ex, no_flow);
		why(ex, "ICMP error quoting protocol %u", p->iproto);
		return;
	}
	st = nat_get(p->iproto, lan, lport, p->isaddr, rport, &pport);
	if (st == CT_LIVE || st == CT_EDGE) {
		xlat(ex, K_TC_ICMP, table.cfg.public_addr, pport, !gw);
		why(ex, "ICMP error about a masqueraded flow");
	}
	if (st != CT_LIVE) {
		bool dnat = p->iproto != IPPROTO_ICMP && lan == table.cfg.mailserver_addr;

		if (dnat && table_in_allows(p->iproto, lport, p->isaddr)) {
			xlat(ex, K_TC_ICMP, table.cfg.public_addr, lport, !gw);
			why(ex, "ICMP error about a connection to service port %u", lport);
		} else if (dnat && svc_id(p->iproto, lport)) {
			/* a listed port that denies incoming (or this remote):
			 * no such connection can exist; translating the error
			 * anyway leaks nothing (the source becomes public), so
			 * either way is fine here */
			xlat(ex, K_TC_ICMP, table.cfg.public_addr, lport, !gw);
			leave(ex, no_flow);
			ex->must = false;
			why(ex, "ICMP error about denied service port %u", lport);
		} else {
			leave(ex, no_flow);
			why(ex, "ICMP error about no flow");
		}
	}
	if (st == CT_EDGE)
		ex->must = false;
}

static void tc_oracle(const struct pkt *p, struct expect *ex)
{
	bool gw, reopen, opens;
	__u16 lport, rport, pport;
	enum ct_live st;

	memset(ex, 0, sizeof(*ex));
	if (p->vlan_cut || p->vlan_deep || (p->l3 >= 0 && !p->ip20)) {
		/* whose it is cannot be told: it does not leave */
		leave(ex, VB(TC_ACT_SHOT));
		why(ex, "headers mxgw cannot read to the IPv4 source");
		return;
	}
	if (p->l3 < 0) {
		leave(ex, VB(TC_ACT_OK));
		ex->strict = true;
		why(ex, "not IPv4");
		return;
	}
	gw = is_wan_addr(p->saddr);
	if (!p->wellformed || p->fragment || !p->l4ok ||
	    (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP &&
	     p->proto != IPPROTO_ICMP)) {
		leave(ex, VB(gw ? TC_ACT_OK : TC_ACT_SHOT));
		ex->strict = gw;
		why(ex, "malformed, fragment or other protocol");
		return;
	}
	if (p->proto == IPPROTO_ICMP && icmp_error(p->itype)) {
		tc_icmp_oracle(p, ex, gw);
		return;
	}
	if (gw || (p->proto == IPPROTO_ICMP && p->itype != 8)) {
		leave(ex, VB(gw ? TC_ACT_OK : TC_ACT_SHOT));
		ex->strict = gw;
		why(ex, gw ? "the gateway's own" : "ICMP other than echo from the LAN");
		return;
	}
	/* from a port that lets incoming in: a reply; from an unlisted one
	 * under default allow too, unless it is a SYN opening a connection of
	 * its own; from a port denied incoming: the host's own flow */
	if (p->saddr == table.cfg.mailserver_addr && p->proto != IPPROTO_ICMP &&
	    (svc_id(p->proto, p->sport) ?
		     table.svc[svc_id(p->proto, p->sport)].verdict[MXGW_DIR_IN] == MXGW_ALLOW :
		     (table.cfg.default_in == MXGW_ALLOW &&
		      (p->proto != IPPROTO_TCP || (p->tflags & 0x12) != 0x02)))) {
		xlat(ex, K_SNAT, table.cfg.public_addr, p->sport, false);
		why(ex, "the mail server's reply from a service port");
		return;
	}
	lport = p->proto == IPPROTO_ICMP ? p->iid : p->sport;
	rport = p->proto == IPPROTO_ICMP ? 0 : p->dport;
	st = nat_get(p->proto, p->saddr, lport, p->daddr, rport, &pport);
	/* a new TCP flow starts with a SYN (no ACK, RST or FIN) */
	opens = p->proto != IPPROTO_TCP || (p->tflags & 0x17) == 0x02;
	if (!opens && (st == CT_NONE || st == CT_DEAD)) {
		leave(ex, VB(TC_ACT_SHOT));
		ex->no_flow = true;
		why(ex, "TCP from the LAN, flags %#04x, no live flow: opens none", p->tflags);
		return;
	}
	xlat(ex, K_MASQ, table.cfg.public_addr, 0, false);
	leave(ex, VB(TC_ACT_SHOT));
	/* a SYN on a closed or time-wait tuple is a new connection: the
	 * policy decides again */
	reopen = st != CT_NONE && p->proto == IPPROTO_TCP && (p->tflags & 0x17) == 0x02 &&
		 ct_closed(p->proto, p->daddr, rport, pport);
	ex->policy_ok = table_out_allows(p->proto, rport) ||
			((st == CT_LIVE || st == CT_EDGE) && !reopen);
	ex->must = (opens && table_out_allows(p->proto, rport)) || (st == CT_LIVE && !reopen);
	ex->check_nat_full = st != CT_LIVE;
	why(ex, "LAN flow: outgoing %s, mapping %s",
	    table_out_allows(p->proto, rport) ? "allow" : "deny",
	    st == CT_LIVE ? "live" : st == CT_EDGE ? "near its timeout" : "none");
}

/* ------------------------------------------------------------------ */
/* violations and statistics                                           */

struct vclass {
	char name[128];
	unsigned long count;
};

static struct vclass classes[MAX_CLASSES];
static int nclasses;
static unsigned long nviolations, max_examples;

static struct {
	const char *prog;
	unsigned long iter;
	const __u8 *in, *out;
	size_t in_len, out_len;
	int verdict;
	const struct expect *ex;
} cur;

static void hex(const char *label, const __u8 *f, size_t len)
{
	fprintf(stderr, "    %s (%zu bytes):", label, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n      ", f[i]);
	fprintf(stderr, "\n");
}

static void violation(const char *cls, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void violation(const char *cls, const char *fmt, ...)
{
	struct vclass *c = NULL;
	va_list ap;

	nviolations++;
	for (int i = 0; i < nclasses; i++)
		if (!strcmp(classes[i].name, cls))
			c = &classes[i];
	if (!c && nclasses < MAX_CLASSES) {
		c = &classes[nclasses++];
		snprintf(c->name, sizeof(c->name), "%s", cls);
	}
	if (!c || c->count++ >= max_examples)
		return;
	fprintf(stderr, "VIOLATION invariant %s\n    iteration %lu, %s, verdict %d\n    ",
		cls, cur.iter, cur.prog, cur.verdict);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n    oracle: %s\n", cur.ex ? cur.ex->why : "-");
	if (cur.ex && cur.ex->have_ct) {
		struct mxgw_clock clk;
		__u32 zero = 0;

		memset(&clk, 0, sizeof(clk));
		bpf_map_lookup_elem(tb.maps.clock, &zero, &clk);
		fprintf(stderr, "    conntrack entry before: state %u flags %#x seen %llu, "
			"age %lld ms; data plane clock %llu (%llu ticks)\n",
			cur.ex->ct.state, cur.ex->ct.flags,
			(unsigned long long)cur.ex->ct.seen_ns,
			((long long)cur.ex->ct_now - (long long)cur.ex->ct.seen_ns) / 1000000,
			(unsigned long long)clk.now_ns, (unsigned long long)clk.ticks);
	}
	if (cur.in) {
		hex("in ", cur.in, cur.in_len);
		hex("out", cur.out, cur.out_len);
	}
}

static struct {
	unsigned long xdp, tc, xdp_verdict[8], tc_verdict[4];
	unsigned long xdp_kind[K_MAX], tc_kind[K_MAX], xdp_to_lan, tc_gw_xlate;
	unsigned long replies, replies_mutated, mutated, disturb;
	unsigned long must_deliver, csum_checked, tc_unrunnable, lan_src_dnat;
	/* hostile frames seen (issue 10): to a LAN or transit address, from
	 * a martian or spoofed source, invalid TCP flags, unreadable */
	unsigned long h_dest, h_src, h_flags, h_unread_xdp, h_unread_tc;
	/* mxgw_lan_in: frames passed, redirected (issue 14) */
	unsigned long lan, lan_redirect, lan_redirect6;
} st;

/* ------------------------------------------------------------------ */
/* checking one result                                                 */

static const char *field_at(const struct pkt *p, size_t off, char *buf, size_t n)
{
	static const char *const ipf[20] = {
		"ip version/ihl", "ip tos", "ip total length", "ip total length",
		"ip id", "ip id", "ip fragment", "ip fragment", "ip ttl",
		"ip protocol", "ip checksum", "ip checksum", "ip saddr", "ip saddr",
		"ip saddr", "ip saddr", "ip daddr", "ip daddr", "ip daddr", "ip daddr",
	};

	if (off < 12)
		return "ethernet address";
	if (p->l3 < 0 || off < (size_t)p->l3)
		return "ethernet type or vlan";
	if (off < (size_t)p->l3 + 20)
		return ipf[off - p->l3];
	if (!p->l4 || off < (size_t)p->l4)
		return "ip options";
	if (p->in && off >= (size_t)p->in && off < (size_t)p->in + 28) {
		snprintf(buf, n, "quoted header byte %zu", off - p->in);
		return buf;
	}
	snprintf(buf, n, "l4 byte %zu", off - p->l4);
	return buf;
}

static void mark(bool *may, int off, int n)
{
	for (int i = 0; i < n; i++)
		if (off + i >= 0 && off + i < TB_MAX_FRAME)
			may[off + i] = true;
}

static void mark_l4_check(bool *may, const struct pkt *p)
{
	mark(may, p->l4 + (p->proto == IPPROTO_TCP ? 16 : p->proto == IPPROTO_UDP ? 6 : 2), 2);
}

/*
 * Does the change from @in to @out match translation @x exactly: the right
 * address and port, and no byte changed that it does not own?
 */
static bool xlat_matches(const struct pkt *p, const __u8 *in, const struct pkt *q,
			 const __u8 *out, size_t len, int verdict,
			 const struct xlat *x, char *err, size_t errlen)
{
	bool may[TB_MAX_FRAME] = { false };
	char b1[16], b2[16], fb[32];
	const __u8 *oip = out + p->l3;
	__u16 port;

	if (p->l3 < 0 || !p->l4ok || q->l3 != p->l3 || !q->ip20) {
		snprintf(err, errlen, "input has no L4 header to translate");
		return false;
	}
	mark(may, p->l3 + 10, 2);
	switch (x->kind) {
	case K_SVC: case K_CT: case K_ECHO: case K_ICMP:
		if (verdict != XDP_PASS && verdict != XDP_REDIRECT) {
			snprintf(err, errlen, "translated but verdict %d", verdict);
			return false;
		}
		if (q->daddr != x->addr) {
			snprintf(err, errlen, "destination %s, want %s",
				 a2s(q->daddr, b1), a2s(x->addr, b2));
			return false;
		}
		mark(may, p->l3 + 16, 4);
		if (verdict == XDP_REDIRECT) {
			if (q->daddr != table.cfg.mailserver_addr || p->vlans || p->ihl != 5 ||
			    p->ttl <= 1 || oip[8] != p->ttl - 1 ||
			    memcmp(out, mail_mac, 6) || memcmp(out + 6, lan_mac, 6)) {
				snprintf(err, errlen, "redirected, but not as the fast path may");
				return false;
			}
			mark(may, 0, 12);
			mark(may, p->l3 + 8, 1);
		}
		if (x->kind != K_ICMP)
			mark_l4_check(may, p);
		if (x->kind == K_CT) {
			mark(may, p->l4 + 2, 2);
			port = rd16(out + p->l4 + 2);
		} else if (x->kind == K_ECHO) {
			mark(may, p->l4 + 4, 2);
			port = rd16(out + p->l4 + 4);
		} else if (x->kind == K_SVC) {
			port = rd16(out + p->l4 + 2);
		} else {
			mark(may, p->l4 + 2, 2);
			mark(may, p->in + 10, 2);
			mark(may, p->in + 12, 4);
			if (rd32n(out + p->in + 12) != x->addr) {
				snprintf(err, errlen, "quoted source %s, want %s",
					 a2s(rd32n(out + p->in + 12), b1), a2s(x->addr, b2));
				return false;
			}
			if (p->iproto == IPPROTO_ICMP) {
				mark(may, p->in + 22, 4);
				port = rd16(out + p->in + 24);
			} else {
				mark(may, p->in + 20, 2);
				if (p->iproto == IPPROTO_UDP)
					mark(may, p->in + 26, 2);
				port = rd16(out + p->in + 20);
			}
		}
		break;
	case K_SNAT: case K_MASQ:
		if (verdict != TC_ACT_OK || q->saddr != x->addr) {
			snprintf(err, errlen, "source %s verdict %d, want %s",
				 a2s(q->saddr, b1), verdict, a2s(x->addr, b2));
			return false;
		}
		mark(may, p->l3 + 12, 4);
		mark_l4_check(may, p);
		mark(may, p->l4 + (p->proto == IPPROTO_ICMP ? 4 : 0), 2);
		port = rd16(out + p->l4 + (p->proto == IPPROTO_ICMP ? 4 : 0));
		if (x->kind == K_MASQ)
			port = x->port;	/* checked against conntrack after */
		break;
	case K_TC_ICMP:
		if (verdict != TC_ACT_OK) {
			snprintf(err, errlen, "translated but verdict %d", verdict);
			return false;
		}
		if (q->saddr != (x->outer ? x->addr : p->saddr)) {
			snprintf(err, errlen, "source %s, want %s", a2s(q->saddr, b1),
				 a2s(x->outer ? x->addr : p->saddr, b2));
			return false;
		}
		if (x->outer)
			mark(may, p->l3 + 12, 4);
		mark(may, p->l4 + 2, 2);
		mark(may, p->in + 10, 2);
		mark(may, p->in + 16, 4);
		if (rd32n(out + p->in + 16) != x->addr) {
			snprintf(err, errlen, "quoted destination %s, want %s",
				 a2s(rd32n(out + p->in + 16), b1), a2s(x->addr, b2));
			return false;
		}
		if (p->iproto == IPPROTO_ICMP) {
			mark(may, p->in + 22, 4);
			port = rd16(out + p->in + 24);
		} else {
			mark(may, p->in + 22, 2);
			if (p->iproto == IPPROTO_UDP)
				mark(may, p->in + 26, 2);
			port = rd16(out + p->in + 22);
		}
		break;
	default:
		return false;
	}
	if (port != x->port) {
		snprintf(err, errlen, "port %u, want %u", port, x->port);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (in[i] != out[i] && !may[i]) {
			snprintf(err, errlen, "%s (byte %zu) changed %02x -> %02x",
				 field_at(p, i, fb, sizeof(fb)), i, in[i], out[i]);
			return false;
		}
	}
	return true;
}

static bool quote_beyond_dgram(const struct pkt *p);

/* Invariant 2, for a frame that changed. */
static void check_checksums(const struct pkt *p, const __u8 *in, const struct pkt *q,
			    const __u8 *out)
{
	__u16 s1 = 0, s2 = 0;
	int a, b;

	if (p->l3 < 0 || !p->ip20)
		return;
	st.csum_checked++;
	a = ip_csum_state(in, p);
	b = ip_csum_state(out, q);
	if (a == 1 && b != 1)
		violation("2: IP header checksum broken by a rewrite",
			  "ip checksum %04x -> %04x", rd16(in + p->l3 + 10),
			  rd16(out + p->l3 + 10));
	a = l4_csum_state(in, p);
	b = l4_csum_state(out, q);
	if (a == 2 && b != 2)
		violation("2: UDP without checksum got one",
			  "udp checksum 0 -> %04x", rd16(out + q->l4 + 6));
	if (a == 1 && b != 1)
		violation(quote_beyond_dgram(p) ?
			  "2: ICMP checksum broken by a rewrite (quote beyond the total length)" :
			  "2: L4 checksum broken by a rewrite",
			  "protocol %u checksum state %d -> %d", p->proto, a, b);
	a = inner_ip_csum_state(in, p);
	b = inner_ip_csum_state(out, q);
	if (a == 1 && b != 1)
		violation("2: quoted IP header checksum broken by a rewrite",
			  "quoted ip checksum %04x -> %04x", rd16(in + p->in + 10),
			  rd16(out + p->in + 10));
	a = inner_l4_sum(in, p, &s1);
	b = inner_l4_sum(out, q, &s2);
	if (a == 2 && b != 2)
		violation("2: quoted UDP without checksum got one",
			  "quoted udp checksum 0 -> %04x", rd16(out + p->in + 26));
	if (a == 1 && (b != 1 || s1 != s2))
		violation("2: quoted UDP/echo checksum no longer matches its datagram",
			  "quoted protocol %u: checksum+fields %04x -> %04x", p->iproto, s1, s2);
}

static void record_svcflow(__u8 proto, __be32 client, __u16 cport, __u16 svc);
static int wan_ifindex;

/* What mxgw_wan_out made of the last frame run_tc_frame ran (issue 14). */
static struct {
	int verdict;
	size_t len;
	__u8 out[TB_MAX_FRAME];
} tc_last;
static __u32 lan_ifindex;

/*
 * tb_run_xdp / tb_run_tc, but a frame the kernel's test_run refuses is
 * reported with its bytes rather than asserted on.
 */
static int run_prog(bool xdp, const __u8 *in, size_t len, __u8 *out, size_t *out_len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = wan_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = TB_MAX_FRAME,
		    .repeat = 1);
	int err;

	if (xdp) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(xdp ? tb.xdp_fd : tb.tc_fd, &opts);
	if (err) {
		*out_len = 0;
		return -1;
	}
	*out_len = opts.data_size_out;
	return opts.retval;
}
static void record_flow(__u8 proto, bool local, __be32 lan, __u16 lport,
			__be32 remote, __u16 rport, __u16 pport);

static bool quote_beyond_dgram(const struct pkt *p)
{
	return p->in && p->inner_in_frame && !p->inner_in_dgram;
}

/* Name what went wrong as precisely as the frames allow. */
static const char *xdp_class(const struct pkt *p, const struct pkt *q,
			     const struct expect *ex)
{
	bool to_lan = q->l3 >= 0 && q->ip20 && is_lan(q->daddr);

	if (quote_beyond_dgram(p))
		return "1: ICMP error translated after a quote that lies beyond its IP total length";
	for (int i = 0; i < ex->nx; i++)
		if (q->ip20 && q->daddr == ex->x[i].addr)
			return "1: translated towards its host, but not exactly as its rule or flow says";
	if (to_lan && p->in && p->inner_in_frame && q->daddr == table.cfg.mailserver_addr &&
	    (p->iproto == IPPROTO_TCP || p->iproto == IPPROTO_UDP) &&
	    svc_id(p->iproto, p->isport))
		return "1: ICMP error about a service denied in (or outside its from) "
		       "translated to the mail server";
	return to_lan ? "1: rewritten towards the LAN without a rule or live flow" :
			"1: XDP changed a frame it may not translate";
}

static const char *tc_class(const struct pkt *p, const struct expect *ex)
{
	if (ex->no_flow)
		return "3: LAN TCP segment of no flow and no SYN let out (a flow starts with its SYN)";
	if (quote_beyond_dgram(p))
		return "3: ICMP error translated after a quote that lies beyond its IP total length";
	if (p->ip20 && is_wan_addr(p->saddr))
		return "3: frame from the gateway's own address was changed";
	return "3: TC translation the oracle does not allow";
}

static bool unreadable(const struct pkt *p)
{
	return p->vlan_cut || p->vlan_deep || (p->l3 >= 0 && !p->ip20);
}

/*
 * Issue 10's invariants, on the frame alone: whatever the oracle makes of
 * it, none of these may pass.  Returns true when one did.
 */
static bool xdp_hostile(const struct pkt *p, int verdict)
{
	bool to_public = p->l3 >= 0 && p->ip20 && p->daddr == table.cfg.public_addr;
	char b[16];

	if (unreadable(p)) {
		st.h_unread_xdp++;
		if (verdict != XDP_DROP) {
			violation("1: frame the parser cannot read to its IPv4 header passed",
				  "verdict %d", verdict);
			return true;
		}
	} else if (p->l3 >= 0 && !to_public && dest_of(p->daddr) == D_DROP) {
		st.h_dest++;
		if (verdict != XDP_DROP) {
			violation("1: frame to a LAN address or a transit destination passed",
				  "to %s, verdict %d", a2s(p->daddr, b), verdict);
			return true;
		}
	} else if (to_public && bad_source(p->saddr)) {
		st.h_src++;
		if (verdict != XDP_DROP) {
			violation("1: martian or spoofed source let in",
				  "from %s, verdict %d", a2s(p->saddr, b), verdict);
			return true;
		}
	} else if (to_public && p->proto == IPPROTO_TCP && p->wellformed && !p->fragment &&
		   p->l4ok && !tcp_flags_ok(p->tflags)) {
		st.h_flags++;
		if (verdict != XDP_DROP) {
			violation("1: invalid TCP flag combination let in",
				  "flags %#04x, verdict %d", p->tflags, verdict);
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* IPv6 (issue 12): routed, nothing translated                         */
/*
 * The same invariants for IPv6 frames, from an oracle of their own that
 * shares nothing with the data plane but the maps' contents: its own walk
 * of the extension headers, its own idea of the routes, mxgw_ct6 looked up
 * before the run.  Nothing reaches the LAN (mailserver6, lan6) unless the
 * table or a live tracked flow lets it, and then forwarded as routed:
 * XDP_REDIRECT only as the fast path may (the next hop's MACs, the hop
 * limit one less, no other byte changed, so every checksum as it was), or
 * XDP_PASS as it came; nothing with a source other than the gateway's own
 * leaves unless it could be read and the table or a flow lets it; no
 * frame is ever rewritten otherwise.
 */

struct pkt6 {
	size_t len;
	int l3;			/* IPv6 header offset */
	int vlans;
	bool vlan_cut, vlan_deep;
	bool ip40;		/* the fixed header is in the frame */
	bool wellformed;	/* version 6, the payload within the frame */
	__u8 ver, nexthdr, hlim;
	__u16 plen;
	__u8 saddr[16], daddr[16];
	enum { C6_OK, C6_MALFORMED, C6_EXT, C6_ROUTING, C6_LATER } chain;
	bool frag_first, hbh, exts;
	__u8 proto;		/* C6_OK: the upper layer */
	int l4;
	bool l4ok;		/* its header (TCP 20, UDP and ICMPv6 8) within the payload */
	__u16 sport, dport;
	__u8 tflags, itype;
	__u16 iid;
	/* ICMPv6 errors: the quoted packet's fixed header and 8 bytes */
	bool quote;
	__u8 isaddr[16], idaddr[16], iproto, iitype;
	__u16 isport, idport, iiid;
};

static const char *s6(const __u8 *a, char *buf)
{
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
	return buf;
}

static bool eq6(const __u8 *a, const void *b)
{
	return !memcmp(a, b, 16);
}

static bool is_ms6(const __u8 *a)
{
	return table.cfg.has_mailserver6 && eq6(a, &table.cfg.mailserver6);
}

static bool is_wan6(const __u8 *a)
{
	for (int i = 0; i < table.cfg.nwan6 && i < MXGW_WAN6_ADDRS_MAX; i++)
		if (eq6(a, &table.cfg.wan6_addrs[i]))
			return true;
	return false;
}

static bool in_lan6(const __u8 *a)
{
	for (int i = 0; i < table.cfg.nlan6 && i < MXGW_LAN6_MAX; i++) {
		const __u8 *net = (const __u8 *)&table.cfg.lan6[i].net;
		const __u8 *mask = (const __u8 *)&table.cfg.lan6[i].mask;
		int b = 0;

		while (b < 16 && (a[b] & mask[b]) == net[b])
			b++;
		if (b == 16)
			return true;
	}
	return false;
}

/* an address of the LAN's: reaching it from the WAN is reaching the LAN */
static bool lan_dest6(const __u8 *a)
{
	return is_ms6(a) || in_lan6(a);
}

static bool link_local6(const __u8 *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool unspecified6(const __u8 *a)
{
	static const __u8 zero[16];

	return !memcmp(a, zero, 16);
}

/*
 * RFC 4291's: multicast, ::, ::1, ::ffff:0:0/96 and (unless @ll_ok)
 * link-local are martian; mailserver6, lan6 and the WAN's own spoofed.
 */
static bool bad_source6(const __u8 *a, bool ll_ok)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff }, zero[15];

	if (a[0] == 0xff || (!ll_ok && link_local6(a)))
		return true;
	if (!memcmp(a, zero, 15) && a[15] <= 1)
		return true;
	if (!memcmp(a, mapped, 12))
		return true;
	return is_ms6(a) || in_lan6(a) || is_wan6(a);
}

static bool from_ok6(__u32 id, const __u8 *src)
{
	if (!(table.svc[id].flags & MXGW_PORT_F_FROM))
		return true;
	for (int i = 0; i < table.nfrom6[id]; i++) {
		const __u8 *net = (const __u8 *)&table.from6[id][i].addr;
		unsigned int plen = table.from6[id][i].prefixlen - MXGW_FROM_SVC_BITS, b;

		for (b = 0; b < plen; b++)
			if ((src[b / 8] ^ net[b / 8]) & (0x80 >> (b % 8)))
				break;
		if (b == plen)
			return true;
	}
	return false;
}

/* Would the table let a connection from @src in to mailserver6:@port? */
static bool table_in_allows6(__u8 proto, __u16 port, const __u8 *src)
{
	__u32 id = svc_id(proto, port);

	if (!id)
		return table.cfg.default_in == MXGW_ALLOW;
	return table.svc[id].verdict[MXGW_DIR_IN] == MXGW_ALLOW &&
	       !(table.svc[id].flags & MXGW_PORT_F_GATEWAY) && from_ok6(id, src);
}

static bool table_out_allows6(__u8 proto, __u16 port)
{
	return proto == IPPROTO_ICMPV6 || table_out_allows(proto, port);
}

/*
 * What XDP must do with a packet from @s to @d, none of mailserver6,
 * lan6, the WAN's own, link-local or multicast: what the routes would
 * forward (the clients' /48 behind the WAN's router, the WAN's own
 * prefix, the network behind the mail server) is dropped; what the kernel
 * keeps or has no route for passes, and so does what it never forwards:
 * a link-local, multicast or loopback source (ip6_forward, ipv6_rcv; the
 * FIB is not asked, bpf_ipv6_fib_lookup's rt6_need_strict).
 */
static enum dest dest6_of(const __u8 *s, const __u8 *d)
{
	static const __u8 wan_anycast[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };
	static const __u8 loopback[16] = { [15] = 1 };

	if (s[0] == 0xff || link_local6(s) || eq6(s, loopback))
		return D_PASS;
	if (d[0] != 0x20 || d[1] != 0x01 || d[2] != 0x0d || d[3] != 0xb8)
		return D_PASS;
	if (eq6(d, wan_anycast))
		return D_EITHER;	/* the prefix's subnet-router anycast */
	if ((d[4] == 0 && d[5] == 0x51) ||			/* 2001:db8:51::/48 */
	    (d[4] == 0 && d[5] == 1 && !d[6] && !d[7]) ||	/* 2001:db8:1::/64 */
	    (d[4] == 1 && d[5] == 0x72))			/* 2001:db8:172::/48 */
		return D_DROP;
	return D_PASS;
}

static void walk6(const __u8 *f, struct pkt6 *p)
{
	size_t end = p->l3 + 40 + p->plen, off = p->l3 + 40, budget = p->l3 + 40 + 256;
	__u8 next = p->nexthdr;

	for (int i = 0;; i++) {
		const __u8 *h = f + off;
		size_t hl;

		if (next != 0 && next != 43 && next != 44 && next != 51 && next != 60 &&
		    next != 135 && next != 139 && next != 140 && next != 253 && next != 254) {
			p->chain = C6_OK;
			p->proto = next;
			p->l4 = off;
			return;
		}
		p->exts = true;
		if (i == 6 || (next == 0 && i) || next == 135 || next == 139 || next == 140 ||
		    next >= 253) {
			p->chain = C6_EXT;
			return;
		}
		if (off + 8 > end) {
			p->chain = C6_MALFORMED;
			return;
		}
		if (off + 8 > budget) {
			p->chain = C6_EXT;
			return;
		}
		if (next == 0)
			p->hbh = true;
		if (next == 44) {
			if (h[2] || (h[3] & 0xf8)) {
				p->chain = C6_LATER;
				return;
			}
			p->frag_first |= h[3] & 1;
			next = h[0];
			off += 8;
			continue;
		}
		if (next == 43 && (h[2] == 0 || h[3])) {
			p->chain = C6_ROUTING;
			return;
		}
		hl = next == 51 ? (h[1] + 2) * 4u : (h[1] + 1) * 8u;
		if (off + hl > end) {
			p->chain = C6_MALFORMED;
			return;
		}
		if (off + hl > budget) {
			p->chain = C6_EXT;
			return;
		}
		next = h[0];
		off += hl;
	}
}

static void parse6(const __u8 *f, size_t len, struct pkt6 *p)
{
	size_t off = 14, need;
	const __u8 *ip, *l4, *in;
	__u16 type;

	memset(p, 0, sizeof(*p));
	p->len = len;
	p->l3 = -1;
	type = rd16(f + 12);
	for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
		if (off + 4 > len) {
			p->vlan_cut = true;
			return;
		}
		type = rd16(f + off + 2);
		off += 4;
		p->vlans++;
	}
	p->vlan_deep = type == 0x8100 || type == 0x88a8;
	if (type != 0x86dd)
		return;
	p->l3 = off;
	if (off + 40 > len)
		return;
	p->ip40 = true;
	ip = f + off;
	p->ver = ip[0] >> 4;
	p->plen = rd16(ip + 4);
	p->nexthdr = ip[6];
	p->hlim = ip[7];
	memcpy(p->saddr, ip + 8, 16);
	memcpy(p->daddr, ip + 24, 16);
	p->wellformed = p->ver == 6 && off + 40 + p->plen <= len;
	if (!p->wellformed)
		return;
	walk6(f, p);
	if (p->chain != C6_OK)
		return;
	need = p->proto == IPPROTO_TCP ? 20 : p->proto == IPPROTO_UDP ? 8 :
	       p->proto == IPPROTO_ICMPV6 ? 8 : 0;
	if (!need)
		return;
	p->l4ok = p->l4 + need <= off + 40 + p->plen;
	if (!p->l4ok)
		return;
	l4 = f + p->l4;
	if (p->proto != IPPROTO_ICMPV6) {
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		if (p->proto == IPPROTO_TCP)
			p->tflags = l4[13];
		return;
	}
	p->itype = l4[0];
	p->iid = rd16(l4 + 4);
	if (p->itype < 1 || p->itype > 4 || (size_t)p->l4 + 8 + 48 > off + 40 + p->plen)
		return;
	p->quote = true;
	in = l4 + 8;
	memcpy(p->isaddr, in + 8, 16);
	memcpy(p->idaddr, in + 24, 16);
	p->iproto = in[6];
	p->isport = rd16(in + 40);
	p->idport = rd16(in + 42);
	p->iitype = in[40];
	p->iiid = rd16(in + 44);
}

static enum ct_live ct6_get(__u8 proto, const __u8 *lan, __u16 lport, const __u8 *remote,
			    __u16 rport, struct mxgw_ct_entry *e)
{
	struct mxgw_ct6_key k = {
		.lan_port = htons(lport),
		.remote_port = htons(rport),
		.proto = proto,
	};

	memcpy(&k.lan_addr, lan, 16);
	memcpy(&k.remote_addr, remote, 16);
	if (bpf_map_lookup_elem(tb.maps.ct6, &k, e))
		return CT_NONE;
	return ct_live_of(e);
}

/* Forwarded to the LAN, as routed: the fast path or the kernel's. */
static void fwd6(struct expect *ex)
{
	ex->fwd6 = true;
	ex->must = true;
	leave(ex, VB(XDP_PASS));
}

/* A reply of a tracked flow (XDP): forwarded when live, else @no_flow. */
static void ct6_case(struct expect *ex, enum ct_live st, const struct mxgw_ct_entry *e,
		     unsigned int no_flow)
{
	if (st == CT_LIVE || st == CT_EDGE) {
		fwd6(ex);
		ex->have_ct = true;
		ex->ct = *e;
		ex->ct_now = mxgw_now_ns();
		why(ex, "tracked flow");
	}
	if (st != CT_LIVE) {
		leave(ex, no_flow);
		ex->must = false;
		if (st != CT_EDGE)
			ex->fwd6 = false;
		why(ex, st == CT_EDGE ? "near its timeout" : "no live flow");
	}
}

static void xdp_icmp_oracle6(const struct pkt6 *p, struct expect *ex, bool to_mail)
{
	struct mxgw_ct_entry e;
	enum ct_live st;
	__u16 lport, rport;

	if (p->itype == 128) {
		if (to_mail && table.cfg.icmp_echo == MXGW_ALLOW) {
			fwd6(ex);
			why(ex, "echo request to mailserver6, icmp-echo allow");
		} else {
			leave(ex, VB(XDP_DROP));
			why(ex, "echo request: icmp-echo deny, or not to mailserver6");
		}
		return;
	}
	if (p->itype == 129) {
		st = ct6_get(IPPROTO_ICMPV6, p->daddr, p->iid, p->saddr, 0, &e);
		ct6_case(ex, st, &e, VB(XDP_DROP));
		return;
	}
	if (p->itype < 1 || p->itype > 4 || !p->quote || !eq6(p->isaddr, p->daddr)) {
		leave(ex, VB(XDP_DROP));
		why(ex, "ICMPv6 type %u, or an error quoting nothing its destination sent",
		    p->itype);
		return;
	}
	if (p->iproto == IPPROTO_TCP || p->iproto == IPPROTO_UDP) {
		lport = p->isport;
		rport = p->idport;
	} else if (p->iproto == IPPROTO_ICMPV6 && p->iitype == 128) {
		lport = p->iiid;
		rport = 0;
	} else {
		leave(ex, VB(XDP_DROP));
		why(ex, "an error quoting protocol %u", p->iproto);
		return;
	}
	st = ct6_get(p->iproto, p->isaddr, lport, p->idaddr, rport, &e);
	if (st != CT_LIVE && p->iproto != IPPROTO_ICMPV6 && is_ms6(p->isaddr) &&
	    !bad_source6(p->idaddr, false) && table_in_allows6(p->iproto, lport, p->idaddr)) {
		fwd6(ex);
		why(ex, "an error about a connection the table lets in");
		return;
	}
	ct6_case(ex, st, &e, VB(XDP_DROP));
}

/* To mailserver6 (@to_mail) or another address of the LAN. */
static void xdp_lan_oracle6(const struct pkt6 *p, struct expect *ex, bool to_mail)
{
	struct mxgw_ct_entry e;
	__u32 id;

	if (bad_source6(p->saddr, false)) {
		leave(ex, VB(XDP_DROP));
		why(ex, "martian or spoofed source");
		return;
	}
	if (p->chain != C6_OK || p->frag_first) {
		leave(ex, VB(XDP_DROP));
		why(ex, "extension headers: chain %d, first fragment %d", p->chain, p->frag_first);
		return;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP &&
	    p->proto != IPPROTO_ICMPV6) {
		if (to_mail && table.cfg.default_in == MXGW_ALLOW)
			fwd6(ex);
		else
			leave(ex, VB(XDP_DROP));
		why(ex, "protocol %u", p->proto);
		return;
	}
	if (!p->l4ok) {
		leave(ex, VB(XDP_DROP));
		why(ex, "L4 header beyond the payload");
		return;
	}
	if (p->proto == IPPROTO_ICMPV6) {
		xdp_icmp_oracle6(p, ex, to_mail);
		return;
	}
	if (p->proto == IPPROTO_TCP && !tcp_flags_ok(p->tflags)) {
		leave(ex, VB(XDP_DROP));
		why(ex, "TCP flags %#04x", p->tflags);
		return;
	}
	id = svc_id(p->proto, p->dport);
	if (to_mail && table_in_allows6(p->proto, p->dport, p->saddr)) {
		fwd6(ex);
		why(ex, "%s lets it in", id ? table.svc[id].name : "default allow");
		return;
	}
	/* a bare SYN is no reply */
	if (p->proto == IPPROTO_TCP && (p->tflags & 0x17) == 0x02) {
		leave(ex, VB(XDP_DROP));
		why(ex, "a SYN the table does not let in");
		return;
	}
	ct6_case(ex, ct6_get(p->proto, p->daddr, p->dport, p->saddr, p->sport, &e), &e,
		 VB(XDP_DROP));
}

/* To the WAN device's own address: only "to gateway" services are ours. */
static void xdp_gateway_oracle6(const struct pkt6 *p, struct expect *ex)
{
	__u32 id;

	ex->strict = true;
	if (p->chain == C6_LATER) {
		leave(ex, VB(XDP_PASS));
		why(ex, "a later fragment to the gateway");
		return;
	}
	if (p->chain != C6_OK || (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)) {
		leave(ex, VB(p->chain == C6_OK ? XDP_PASS : XDP_DROP));
		why(ex, "to the gateway: chain %d, protocol %u", p->chain, p->proto);
		return;
	}
	if (!p->l4ok) {
		leave(ex, VB(XDP_DROP));
		why(ex, "to the gateway: L4 header beyond the payload");
		return;
	}
	id = svc_id(p->proto, p->dport);
	if (!id || !(table.svc[id].flags & MXGW_PORT_F_GATEWAY)) {
		leave(ex, VB(XDP_PASS));
		why(ex, "to the gateway, no \"to gateway\" service");
		return;
	}
	if (bad_source6(p->saddr, true) ||
	    (p->proto == IPPROTO_TCP && !tcp_flags_ok(p->tflags)) ||
	    table.svc[id].verdict[MXGW_DIR_IN] != MXGW_ALLOW || !from_ok6(id, p->saddr)) {
		leave(ex, VB(XDP_DROP));
		why(ex, "\"to gateway\" %s does not let it in", table.svc[id].name);
		return;
	}
	leave(ex, VB(XDP_PASS));
	why(ex, "\"to gateway\" %s lets it in", table.svc[id].name);
}

static void xdp_oracle6(const struct pkt6 *p, struct expect *ex)
{
	enum dest d;

	memset(ex, 0, sizeof(*ex));
	if (p->vlan_cut || p->vlan_deep || !p->ip40 || !p->wellformed) {
		leave(ex, VB(XDP_DROP));
		why(ex, "unreadable: VLAN tags, the fixed header or its payload length");
		return;
	}
	if (is_ms6(p->daddr)) {
		xdp_lan_oracle6(p, ex, true);
		return;
	}
	if (is_wan6(p->daddr)) {
		xdp_gateway_oracle6(p, ex);
		return;
	}
	if (p->daddr[0] == 0xff || link_local6(p->daddr)) {
		leave(ex, VB(XDP_PASS));
		ex->strict = true;
		why(ex, "link-local or multicast: the host's");
		return;
	}
	if (in_lan6(p->daddr)) {
		xdp_lan_oracle6(p, ex, false);
		return;
	}
	d = dest6_of(p->saddr, p->daddr);
	leave(ex, d == D_PASS ? VB(XDP_PASS) : d == D_DROP ? VB(XDP_DROP) :
		  VB(XDP_PASS) | VB(XDP_DROP));
	ex->strict = true;
	why(ex, d == D_PASS ? "not the LAN's, not forwarded: the kernel's" :
		d == D_DROP ? "one the kernel would forward" : "the WAN prefix's anycast");
}

static void tc_icmp_oracle6(const struct pkt6 *p, struct expect *ex)
{
	struct mxgw_ct_entry e;
	enum ct_live st;
	__u16 lport, rport;

	if (!p->quote) {
		leave(ex, VB(TC_ACT_SHOT));
		why(ex, "an error quoting too little");
		return;
	}
	if (p->iproto == IPPROTO_TCP || p->iproto == IPPROTO_UDP) {
		lport = p->idport;
		rport = p->isport;
	} else if (p->iproto == IPPROTO_ICMPV6 && p->iitype == 129) {
		lport = p->iiid;
		rport = 0;
	} else {
		leave(ex, VB(TC_ACT_SHOT));
		why(ex, "an error quoting protocol %u", p->iproto);
		return;
	}
	st = ct6_get(p->iproto, p->idaddr, lport, p->isaddr, rport, &e);
	if (st == CT_LIVE || (p->iproto != IPPROTO_ICMPV6 && is_ms6(p->idaddr) &&
			      table_in_allows6(p->iproto, lport, p->isaddr))) {
		leave(ex, VB(TC_ACT_OK));
		ex->must = true;
		why(ex, "an error about a tracked flow or a connection let in");
		return;
	}
	leave(ex, VB(TC_ACT_SHOT) | (st == CT_EDGE ? VB(TC_ACT_OK) : 0));
	why(ex, "an error about no flow");
}

static void tc_oracle6(const struct pkt6 *p, struct expect *ex)
{
	struct mxgw_ct_entry e = { 0 };
	enum ct_live st;
	__u16 lport, rport;
	bool opens, reopen, policy;
	__u32 id;

	memset(ex, 0, sizeof(*ex));
	ex->strict = true;	/* nothing is ever rewritten */
	if (p->vlan_cut || p->vlan_deep || !p->ip40) {
		leave(ex, VB(TC_ACT_SHOT));
		why(ex, "unreadable to the IPv6 source");
		return;
	}
	if (link_local6(p->saddr) || unspecified6(p->saddr) || is_wan6(p->saddr)) {
		leave(ex, VB(TC_ACT_OK));
		why(ex, "the gateway's own");
		return;
	}
	if (!p->wellformed || p->chain != C6_OK || p->frag_first ||
	    (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP &&
	     p->proto != IPPROTO_ICMPV6) || !p->l4ok) {
		leave(ex, VB(TC_ACT_SHOT));
		why(ex, "from the LAN: malformed, chain %d, fragment, protocol %u", p->chain,
		    p->proto);
		return;
	}
	if (p->proto == IPPROTO_ICMPV6) {
		if (p->itype >= 1 && p->itype <= 4) {
			tc_icmp_oracle6(p, ex);
			return;
		}
		if (p->itype == 129 && is_ms6(p->saddr) && table.cfg.icmp_echo == MXGW_ALLOW) {
			leave(ex, VB(TC_ACT_OK));
			ex->must = true;
			why(ex, "mailserver6's echo reply");
			return;
		}
		if (p->itype != 128) {
			leave(ex, VB(TC_ACT_SHOT));
			why(ex, "ICMPv6 type %u from the LAN", p->itype);
			return;
		}
	} else if (is_ms6(p->saddr)) {
		id = svc_id(p->proto, p->sport);
		if (id ? table.svc[id].verdict[MXGW_DIR_IN] == MXGW_ALLOW &&
			 !(table.svc[id].flags & MXGW_PORT_F_GATEWAY) :
			 (table.cfg.default_in == MXGW_ALLOW &&
			  (p->proto != IPPROTO_TCP || (p->tflags & 0x12) != 0x02))) {
			leave(ex, VB(TC_ACT_OK));
			ex->must = true;
			why(ex, "mailserver6's reply from a service port");
			return;
		}
	}
	lport = p->proto == IPPROTO_ICMPV6 ? p->iid : p->sport;
	rport = p->proto == IPPROTO_ICMPV6 ? 0 : p->dport;
	st = ct6_get(p->proto, p->saddr, lport, p->daddr, rport, &e);
	opens = p->proto != IPPROTO_TCP || (p->tflags & 0x17) == 0x02;
	reopen = st != CT_NONE && p->proto == IPPROTO_TCP && opens &&
		 (e.state == MXGW_CT_TCP_CLOSE || e.state == MXGW_CT_TCP_TIME_WAIT);
	policy = table_out_allows6(p->proto, rport);
	ex->flow6 = true;
	if (st == CT_LIVE && !reopen) {
		leave(ex, VB(TC_ACT_OK));
		ex->must = true;
		why(ex, "a live flow");
		return;
	}
	if (!opens) {
		leave(ex, VB(TC_ACT_SHOT) | (st == CT_EDGE ? VB(TC_ACT_OK) : 0));
		ex->no_flow = true;
		why(ex, "TCP flags %#04x, no live flow: opens none", p->tflags);
		return;
	}
	if (policy) {
		leave(ex, VB(TC_ACT_OK));
		ex->must = true;
	} else {
		leave(ex, VB(TC_ACT_SHOT) | (st == CT_EDGE && !reopen ? VB(TC_ACT_OK) : 0));
	}
	why(ex, "a new flow: outgoing %s", policy ? "allow" : "deny");
}

static struct {
	unsigned long xdp, tc, xdp_verdict[8], tc_verdict[4];
	unsigned long redirected, kernel, to_lan_dropped, must, replies, exts, errors;
	unsigned long h_lan, h_dest, h_unread_xdp, h_unread_tc, h_unparsed_tc;
} st6;

struct flow6 {
	__u8 proto;
	__u8 lan[16], remote[16];
	__u16 lport, rport;
};

struct svcflow6 {
	__u8 proto;
	__u8 client[16];
	__u16 cport, svc;
};

static struct flow6 flows6[RING];
static struct svcflow6 svcflows6[RING];
static unsigned long nflows6, nsvcflows6;

static void record_flow6(const struct pkt6 *p)
{
	struct flow6 *f = &flows6[nflows6++ % RING];

	f->proto = p->proto;
	memcpy(f->lan, p->saddr, 16);
	memcpy(f->remote, p->daddr, 16);
	f->lport = p->proto == IPPROTO_ICMPV6 ? p->iid : p->sport;
	f->rport = p->proto == IPPROTO_ICMPV6 ? 0 : p->dport;
}

static void record_svcflow6(const struct pkt6 *p)
{
	struct svcflow6 *f = &svcflows6[nsvcflows6++ % RING];

	f->proto = p->proto;
	memcpy(f->client, p->saddr, 16);
	f->cport = p->sport;
	f->svc = p->dport;
}

/*
 * Issue 10's invariants for IPv6, on the frame alone: nothing unreadable
 * passes, nothing reaches the LAN with a martian or spoofed source or
 * headers mxgw cannot walk, nothing the kernel would forward elsewhere
 * passes.  Returns true when one did.
 */
static bool xdp_hostile6(const struct pkt6 *p, int verdict)
{
	char b[INET6_ADDRSTRLEN];

	if (p->vlan_cut || p->vlan_deep || !p->ip40 || !p->wellformed) {
		st6.h_unread_xdp++;
		if (verdict != XDP_DROP) {
			violation("6.1: IPv6 frame the parser cannot read passed",
				  "verdict %d", verdict);
			return true;
		}
		return false;
	}
	if (lan_dest6(p->daddr) &&
	    (bad_source6(p->saddr, false) || p->chain != C6_OK || p->frag_first ||
	     (!p->l4ok && (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP ||
			   p->proto == IPPROTO_ICMPV6)))) {
		st6.h_lan++;
		if (verdict != XDP_DROP) {
			violation("6.1: IPv6 frame to the LAN passed with a martian or spoofed "
				  "source, or headers mxgw cannot walk",
				  "from %s, chain %d, verdict %d", s6(p->saddr, b), p->chain,
				  verdict);
			return true;
		}
	} else if (!lan_dest6(p->daddr) && !is_wan6(p->daddr) && p->daddr[0] != 0xff &&
		   !link_local6(p->daddr) && dest6_of(p->saddr, p->daddr) == D_DROP) {
		st6.h_dest++;
		if (verdict != XDP_DROP) {
			violation("6.1: IPv6 frame to a transit destination passed",
				  "to %s, verdict %d", s6(p->daddr, b), verdict);
			return true;
		}
	}
	return false;
}

/* A redirected frame: only the MACs and the hop limit (one less) changed. */
static bool redirect6_ok(const struct pkt6 *p, const __u8 *in, const __u8 *out,
			 size_t len, char *err, size_t errlen)
{
	if (!is_ms6(p->daddr) || p->vlans || p->hbh || p->hlim <= 1 ||
	    p->l3 + 40 + p->plen > 14 + 1500) {
		snprintf(err, errlen, "redirected, but not as the fast path may "
			 "(vlans %d, hop-by-hop %d, hop limit %u)", p->vlans, p->hbh, p->hlim);
		return false;
	}
	if (memcmp(out, mail_mac, 6) || memcmp(out + 6, lan_mac, 6)) {
		snprintf(err, errlen, "redirected with other MACs");
		return false;
	}
	if (out[p->l3 + 7] != p->hlim - 1) {
		snprintf(err, errlen, "hop limit %u -> %u", p->hlim, out[p->l3 + 7]);
		return false;
	}
	for (size_t i = 12; i < len; i++) {
		if (i != (size_t)p->l3 + 7 && in[i] != out[i]) {
			snprintf(err, errlen, "byte %zu changed %02x -> %02x", i, in[i], out[i]);
			return false;
		}
	}
	return true;
}

static void run_xdp_frame6(const __u8 *in, size_t len)
{
	__u8 out[TB_MAX_FRAME];
	struct pkt6 p;
	struct expect ex;
	char err[160];
	size_t out_len;
	int verdict;

	parse6(in, len, &p);
	xdp_oracle6(&p, &ex);
	st6.must += ex.must;
	st6.exts += p.exts;
	verdict = run_prog(true, in, len, out, &out_len);
	cur = (typeof(cur)){ "XDP mxgw_wan_in (IPv6)", cur.iter, in, out, len, out_len,
			     verdict, &ex };
	if (verdict < 0) {
		violation("0: test_run refused the frame", "bpf_prog_test_run_opts failed");
		return;
	}
	st6.xdp++;
	st6.xdp_verdict[verdict < 8 ? verdict : 7]++;
	if (verdict != XDP_DROP && verdict != XDP_PASS && verdict != XDP_REDIRECT) {
		violation("4: XDP verdict not DROP, PASS or REDIRECT", "verdict %d", verdict);
		return;
	}
	if (out_len != len) {
		violation("4: XDP changed the frame length", "length %zu -> %zu", len, out_len);
		return;
	}
	if (xdp_hostile6(&p, verdict))
		return;
	if (verdict == XDP_DROP && lan_dest6(p.daddr))
		st6.to_lan_dropped++;
	if (verdict == XDP_REDIRECT) {
		if (!ex.fwd6) {
			violation(lan_dest6(p.daddr) ?
				  "6.1: IPv6 frame forwarded to the LAN without a rule or live flow" :
				  "6.1: IPv6 frame redirected that is not the LAN's",
				  "redirected");
			return;
		}
		if (!redirect6_ok(&p, in, out, len, err, sizeof(err))) {
			violation("6.2: IPv6 frame redirected other than as routed", "%s", err);
			return;
		}
		st6.redirected++;
		if (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP ||
		    p.proto == IPPROTO_ICMPV6)
			if (tb_l4_csum(in + p.l3) == 0 && tb_l4_csum(out + p.l3) != 0)
				violation("6.2: L4 checksum broken by forwarding", "proto %u",
					  p.proto);
	} else if (memcmp(in, out, len)) {
		violation("6.2: IPv6 frame changed without being redirected", "verdict %d",
			  verdict);
		return;
	} else if (!(ex.unchanged & VB(verdict)) || (ex.must && verdict == XDP_DROP)) {
		if (ex.must && verdict == XDP_DROP)
			violation("5: allowed IPv6 frame not delivered (XDP)", "dropped");
		else if (verdict != XDP_DROP && lan_dest6(p.daddr))
			violation("6.1: IPv6 frame passed to the LAN without a rule or live flow",
				  "verdict %d (allowed mask %#x)", verdict, ex.unchanged);
		else
			violation(ex.strict ? "6.1: IPv6 frame that is not the LAN's not passed" :
				  "6.1: IPv6 verdict differs from the table",
				  "verdict %d (allowed mask %#x)", verdict, ex.unchanged);
		return;
	} else if (verdict == XDP_PASS && ex.fwd6) {
		st6.kernel++;
	}
	if (verdict != XDP_DROP && ex.fwd6 && is_ms6(p.daddr) && p.l4ok &&
	    (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP) && !ex.have_ct)
		record_svcflow6(&p);
}

static void run_tc_frame6(const __u8 *in, size_t len)
{
	__u8 out[TB_MAX_FRAME];
	struct pkt6 p;
	struct expect ex;
	size_t out_len;
	int verdict;
	char b[INET6_ADDRSTRLEN];

	parse6(in, len, &p);
	tc_oracle6(&p, &ex);
	st6.must += ex.must;
	st6.exts += p.exts;
	verdict = run_prog(false, in, len, out, &out_len);
	tc_last.verdict = verdict;
	tc_last.len = verdict < 0 ? 0 : out_len;
	memcpy(tc_last.out, out, tc_last.len);
	cur = (typeof(cur)){ "TC mxgw_wan_out (IPv6)", cur.iter, in, out, len, out_len,
			     verdict, &ex };
	if (verdict < 0) {
		violation("0: test_run refused the frame", "bpf_prog_test_run_opts failed");
		return;
	}
	st6.tc++;
	st6.tc_verdict[verdict < 3 ? verdict : 3]++;
	if (verdict != TC_ACT_OK && verdict != TC_ACT_SHOT) {
		violation("4: TC verdict not OK or SHOT", "verdict %d", verdict);
		return;
	}
	if (out_len != len || memcmp(in, out, len)) {
		violation("6.3: TC changed an IPv6 frame", "length %zu -> %zu", len, out_len);
		return;
	}
	/* whatever the oracle says: nothing unreadable from anyone, nothing
	 * unparsed from anyone but the gateway */
	if (p.vlan_cut || p.vlan_deep) {
		st6.h_unread_tc++;
		if (verdict == TC_ACT_OK) {
			violation("6.3: IPv6 frame mxgw cannot read to its source left the WAN",
				  "verdict %d", verdict);
			return;
		}
	} else if (!link_local6(p.saddr) && !unspecified6(p.saddr) && !is_wan6(p.saddr) &&
		   (!p.wellformed || p.chain != C6_OK || p.frag_first || !p.l4ok)) {
		st6.h_unparsed_tc++;
		if (verdict == TC_ACT_OK) {
			violation("6.3: IPv6 frame from the LAN left the WAN unparsed",
				  "from %s, chain %d, verdict %d", s6(p.saddr, b), p.chain,
				  verdict);
			return;
		}
	}
	if (!(ex.unchanged & VB(verdict)) || (ex.must && verdict == TC_ACT_SHOT)) {
		if (ex.must && verdict == TC_ACT_SHOT)
			violation("5: allowed IPv6 frame not sent (TC)", "dropped");
		else if (ex.no_flow)
			violation("6.3: LAN TCP segment of no flow and no SYN let out (IPv6)",
				  "verdict %d", verdict);
		else
			violation(verdict == TC_ACT_OK ?
				  "6.3: IPv6 frame let out against the table" :
				  "6.3: IPv6 frame refused that the table lets out",
				  "verdict %d (allowed mask %#x)", verdict, ex.unchanged);
		return;
	}
	if (verdict == TC_ACT_OK && ex.flow6)
		record_flow6(&p);
}

static bool frame_is_ipv6(const __u8 *f, size_t len)
{
	size_t off = 14;
	__u16 type = rd16(f + 12);

	for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
		if (off + 4 > len)
			return false;
		type = rd16(f + off + 2);
		off += 4;
	}
	return type == 0x86dd;
}

static void run_xdp_frame(const __u8 *in, size_t len)
{
	__u8 out[TB_MAX_FRAME];
	struct pkt p, q;
	struct expect ex;
	char err[160] = "", e2[160];
	size_t out_len;
	int verdict, match = -1;

	if (frame_is_ipv6(in, len)) {
		run_xdp_frame6(in, len);
		return;
	}
	parse(in, len, &p);
	xdp_oracle(&p, &ex);
	st.must_deliver += ex.must;
	verdict = run_prog(true, in, len, out, &out_len);
	cur = (typeof(cur)){ "XDP mxgw_wan_in", cur.iter, in, out, len, out_len, verdict, &ex };
	if (verdict < 0) {
		out_len = 0;
		violation("0: test_run refused the frame", "bpf_prog_test_run_opts failed");
		return;
	}
	st.xdp++;
	st.xdp_verdict[verdict >= 0 && verdict < 8 ? verdict : 7]++;
	if (verdict != XDP_DROP && verdict != XDP_PASS && verdict != XDP_REDIRECT) {
		violation("4: XDP verdict not DROP, PASS or REDIRECT", "verdict %d", verdict);
		return;
	}
	if (out_len != len) {
		violation("4: XDP changed the frame length", "length %zu -> %zu", len, out_len);
		return;
	}
	if (xdp_hostile(&p, verdict))
		return;
	if (!memcmp(in, out, len)) {
		if ((ex.unchanged & VB(verdict)) && !ex.must)
			return;
		if (ex.must) {
			violation("5: allowed frame not delivered (XDP)",
				  "left unchanged with verdict %d", verdict);
		} else {
			violation(ex.strict ? "1: frame not for the public address not passed" :
					      "1: XDP verdict differs from the table",
				  "unchanged, verdict %d (allowed mask %#x)", verdict, ex.unchanged);
		}
		return;
	}
	parse(out, out_len, &q);
	if (ex.strict) {
		violation("1: frame not for the public address was changed", "changed");
	} else {
		for (int i = 0; i < ex.nx && match < 0; i++) {
			if (xlat_matches(&p, in, &q, out, len, verdict, &ex.x[i], e2, sizeof(e2)))
				match = i;
			else if (!err[0])
				snprintf(err, sizeof(err), "%s", e2);
		}
		if (match < 0)
			violation(xdp_class(&p, &q, &ex), "%s",
				  ex.nx ? err : "the oracle allows no translation");
	}
	check_checksums(&p, in, &q, out);
	if (match < 0)
		return;
	st.xdp_kind[ex.x[match].kind]++;
	if (is_lan(q.daddr))
		st.xdp_to_lan++;
	if (ex.x[match].kind == K_SVC) {
		record_svcflow(p.proto, p.saddr, p.sport, p.dport);
		st.lan_src_dnat += is_lan(p.saddr);
	}
}

static void run_tc_frame(const __u8 *in, size_t len)
{
	__u8 out[TB_MAX_FRAME];
	struct pkt p, q;
	struct expect ex;
	char err[160] = "", e2[160], b1[16];
	size_t out_len;
	int verdict, match = -1;
	__u64 full0 = 0;

	/* test_run refuses an skb whose protocol's header it cannot hold
	 * (the stack never builds one): not a frame TC can be handed */
	if (rd16(in + 12) == 0x86dd && len < 14 + 40) {
		st.tc_unrunnable++;
		return;
	}
	if (frame_is_ipv6(in, len)) {
		run_tc_frame6(in, len);
		return;
	}
	if (rd16(in + 12) == 0x0800 && len < 14 + 20) {
		st.tc_unrunnable++;
		return;
	}
	parse(in, len, &p);
	tc_oracle(&p, &ex);
	st.must_deliver += ex.must;
	if (ex.must && ex.check_nat_full)
		full0 = counter1(MXGW_DROP_NAT_FULL);
	verdict = run_prog(false, in, len, out, &out_len);
	tc_last.verdict = verdict;
	tc_last.len = verdict < 0 ? 0 : out_len;
	memcpy(tc_last.out, out, tc_last.len);
	cur = (typeof(cur)){ "TC mxgw_wan_out", cur.iter, in, out, len, out_len, verdict, &ex };
	if (verdict < 0) {
		out_len = 0;
		violation("0: test_run refused the frame", "bpf_prog_test_run_opts failed");
		return;
	}
	st.tc++;
	st.tc_verdict[verdict >= 0 && verdict < 3 ? verdict : 3]++;
	if (verdict != TC_ACT_OK && verdict != TC_ACT_SHOT) {
		violation("4: TC verdict not OK or SHOT", "verdict %d", verdict);
		return;
	}
	if (out_len != len) {
		violation("4: TC changed the frame length", "length %zu -> %zu", len, out_len);
		return;
	}
	parse(out, out_len, &q);
	/* ... nor anything whose source cannot be read */
	if (unreadable(&p)) {
		st.h_unread_tc++;
		if (verdict == TC_ACT_OK) {
			violation("3: frame mxgw cannot read to its IPv4 source left the WAN",
				  "verdict %d", verdict);
			return;
		}
	}
	/* invariant 3: whatever the oracle says, no LAN source leaves */
	if (verdict == TC_ACT_OK && p.l3 >= 0 && p.ip20 && q.l3 >= 0 && q.ip20 &&
	    is_lan(q.saddr)) {
		violation("3: frame leaves the WAN with a LAN source address",
			  "source %s", a2s(q.saddr, b1));
		return;
	}
	if (!memcmp(in, out, len)) {
		if ((ex.unchanged & VB(verdict)) && !ex.must) {
			/* the gateway's own flow: its replies pass to it */
			if (verdict == TC_ACT_OK && p.l4ok && p.saddr == table.cfg.public_addr &&
			    (p.proto != IPPROTO_ICMP || p.itype == 8))
				record_flow(p.proto, true, p.saddr,
					    p.proto == IPPROTO_ICMP ? p.iid : p.sport, p.daddr,
					    p.proto == IPPROTO_ICMP ? 0 : p.dport,
					    p.proto == IPPROTO_ICMP ? p.iid : p.sport);
			return;
		}
		if (ex.must && verdict == TC_ACT_SHOT && ex.check_nat_full &&
		    counter1(MXGW_DROP_NAT_FULL) != full0)
			return;	/* no free public port: refused, counted */
		if (ex.must) {
			violation("5: allowed frame not sent (TC)",
				  "left unchanged with verdict %d", verdict);
		} else {
			violation(ex.strict ? "3: TC frame that must pass untouched was dropped" :
				  ex.no_flow ? tc_class(&p, &ex) :
					       "3: TC verdict differs from the table",
				  "unchanged, verdict %d (allowed mask %#x)", verdict, ex.unchanged);
		}
		return;
	}
	if (ex.strict) {
		violation(p.l3 >= 0 && p.ip20 && is_wan_addr(p.saddr) ?
			  "3: frame from the gateway's own address was changed" :
			  "3: TC changed a frame that is not IPv4",
			  "changed");
	} else {
		for (int i = 0; i < ex.nx && match < 0; i++) {
			if (xlat_matches(&p, in, &q, out, len, verdict, &ex.x[i], e2, sizeof(e2)))
				match = i;
			else if (!err[0])
				snprintf(err, sizeof(err), "%s", e2);
		}
		if (match < 0)
			violation(tc_class(&p, &ex), "%s",
				  ex.nx ? err : "the oracle allows no translation");
	}
	check_checksums(&p, in, &q, out);
	if (match < 0)
		return;
	st.tc_kind[ex.x[match].kind]++;
	if (ex.x[match].kind == K_TC_ICMP && !ex.x[match].outer)
		st.tc_gw_xlate++;
	if (ex.x[match].kind == K_SNAT)
		record_svcflow(p.proto, p.daddr, p.dport, p.sport);
	if (ex.x[match].kind == K_MASQ) {
		bool icmp = p.proto == IPPROTO_ICMP;
		__u16 lport = icmp ? p.iid : p.sport, rport = icmp ? 0 : p.dport;
		__u16 pport = rd16(out + p.l4 + (icmp ? 4 : 0));
		struct mxgw_ct_key k = {
			.remote_addr = p.daddr, .remote_port = htons(rport),
			.public_port = htons(pport), .proto = p.proto,
		};
		struct mxgw_ct_entry e;

		if (bpf_map_lookup_elem(tb.maps.ct, &k, &e) || e.lan_addr != p.saddr ||
		    e.lan_port != htons(lport) || (e.flags & MXGW_CT_F_LOCAL))
			violation("3: masqueraded without a conntrack entry for its public port",
				  "public port %u", pport);
		else if (!icmp && (pport < table.cfg.nat_port_min || pport > table.cfg.nat_port_max ||
				   svc_id(p.proto, pport)))
			violation("3: masqueraded to a port outside nat-ports or a service port",
				  "public port %u", pport);
		else
			record_flow(p.proto, false, p.saddr, lport, p.daddr, rport, pport);
		if (!ex.policy_ok)
			violation("3: new LAN flow masqueraded against the outgoing column",
				  "%u/%u outgoing deny, no live mapping", rport, p.proto);
	}
}

/*
 * A LAN -> Internet frame through mxgw_lan_in, then (as the kernel would
 * forward what it passes, or as the same frame would have gone without
 * it) through mxgw_wan_out: see the top of the file.
 */
static void run_egress_frame(const __u8 *in, size_t len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = lan_ifindex };
	__u8 out[TB_MAX_FRAME];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = TB_MAX_FRAME,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	struct pkt p, q;
	__u64 new0 = counter1(MXGW_CT_NEW);
	size_t ttl_at, sum_at;
	int verdict;

	parse(in, len, &p);
	cur = (typeof(cur)){ "XDP mxgw_lan_in", cur.iter, in, out, len, 0, -1, NULL };
	if (bpf_prog_test_run_opts(tb.lan_fd, &opts)) {
		/* a frame test_run refuses: TC's runner says what of it */
		run_tc_frame(in, len);
		return;
	}
	verdict = opts.retval;
	cur.out_len = opts.data_size_out;
	cur.verdict = verdict;
	st.lan++;
	if (counter1(MXGW_CT_NEW) != new0)
		violation("3: LAN XDP created a flow", "ct_new %llu -> %llu",
			  (unsigned long long)new0, (unsigned long long)counter1(MXGW_CT_NEW));
	if (verdict == XDP_PASS) {
		if (opts.data_size_out != len || memcmp(in, out, len))
			violation("3: LAN XDP changed a frame it passed", "verdict PASS");
		run_tc_frame(in, len);
		return;
	}
	if (verdict != XDP_REDIRECT) {
		violation("4: LAN XDP verdict not PASS or REDIRECT", "verdict %d", verdict);
		run_tc_frame(in, len);
		return;
	}
	st.lan_redirect++;
	if (frame_is_ipv6(in, len) && rd16(in + 12) == 0x86dd && opts.data_size_out == len) {
		/* routed: the hop limit one less, TC lets the same bytes out */
		st.lan_redirect6++;
		if (out[14 + 7] + 1 != in[14 + 7])
			violation("3: LAN XDP did not decrement the IPv6 hop limit",
				  "hop limit %u -> %u", in[14 + 7], out[14 + 7]);
		run_tc_frame(in, len);
		cur = (typeof(cur)){ "XDP mxgw_lan_in", cur.iter, in, out, len, len, verdict, NULL };
		if (tc_last.verdict != TC_ACT_OK)
			violation("3: LAN XDP sent an IPv6 frame TC would not", "TC verdict %d",
				  tc_last.verdict);
		else if (tc_last.len != len || memcmp(out + 12, tc_last.out + 12, 14 + 7 - 12) ||
			 memcmp(out + 14 + 8, tc_last.out + 14 + 8, len - 14 - 8))
			violation("3: LAN XDP changed an IPv6 frame beyond the hop limit", "-");
		return;
	}
	if (opts.data_size_out != len || p.l3 < 0 || !p.ip20) {
		violation("3: LAN XDP redirected what it cannot have read", "length %u",
			  opts.data_size_out);
		return;
	}
	parse(out, len, &q);
	if (is_lan(q.saddr) || q.saddr != table.cfg.public_addr)
		violation("3: LAN XDP frame leaves the WAN with a source not the public address",
			  "source %08x", ntohl(q.saddr));
	if (q.ttl + 1 != p.ttl)
		violation("3: LAN XDP did not decrement the TTL", "ttl %u -> %u", p.ttl, q.ttl);
	check_checksums(&p, in, &q, out);
	/* the same frame, as TC sends it after the kernel forwarded it */
	run_tc_frame(in, len);
	cur = (typeof(cur)){ "XDP mxgw_lan_in", cur.iter, in, out, len, len, verdict, NULL };
	ttl_at = p.l3 + 8;
	sum_at = p.l3 + 10;
	if (tc_last.verdict != TC_ACT_OK) {
		violation("3: LAN XDP sent a frame TC would not", "TC verdict %d", tc_last.verdict);
		return;
	}
	for (size_t i = 12; i < len; i++) {
		if (i == ttl_at || i == sum_at || i == sum_at + 1 || out[i] == tc_last.out[i])
			continue;
		violation("3: LAN XDP rewrite differs from TC's", "byte %zu: %02x, TC %02x",
			  i, out[i], tc_last.out[i]);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* flows seen so far, to craft replies and ICMP errors                 */

struct flow {
	__u8 proto;
	bool local;
	__be32 lan, remote;
	__u16 lport, rport, pport;
};

struct svcflow {
	__u8 proto;
	__be32 client;
	__u16 cport, svc;
};

static struct flow flows[RING];
static struct svcflow svcflows[RING];
static unsigned long nflows, nsvcflows;

static void record_flow(__u8 proto, bool local, __be32 lan, __u16 lport,
			__be32 remote, __u16 rport, __u16 pport)
{
	flows[nflows++ % RING] = (struct flow){ proto, local, lan, remote, lport, rport, pport };
}

static void record_svcflow(__u8 proto, __be32 client, __u16 cport, __u16 svc)
{
	svcflows[nsvcflows++ % RING] = (struct svcflow){ proto, client, cport, svc };
}

static unsigned long pick_index(unsigned long n)
{
	unsigned long have = n < RING ? n : RING;

	/* mostly recent ones, whose entries are likely alive */
	if (chance(70))
		return (n - 1 - rnd(have < 64 ? have : 64)) % RING;
	return (n - 1 - rnd(have)) % RING;
}

static const struct flow *pick_flow(bool want_lan)
{
	for (int tries = 0; nflows && tries < 8; tries++) {
		const struct flow *f = &flows[pick_index(nflows)];

		if (!want_lan || !f->local)
			return f;
	}
	return NULL;
}

static const struct svcflow *pick_svcflow(void)
{
	return nsvcflows ? &svcflows[pick_index(nsvcflows)] : NULL;
}

/* ------------------------------------------------------------------ */
/* generating frames                                                   */

struct frame {
	__u8 b[TB_MAX_FRAME];
	size_t len;
	int l3;			/* where the IPv4 header was built; -1 none */
};

static const char *const lan_hosts[] = {
	TB_MAILSERVER, TB_MAILSERVER, "192.168.1.20", "192.168.1.20", "192.168.200.9",
};
static const char *const inet_hosts[] = {
	TB_CLIENT, TB_OTHER_CLIENT, "198.51.100.25", "198.51.100.1", "198.51.100.200",
	"198.51.100.14", "203.0.113.7",
};
static const char *const odd_hosts[] = {
	"203.0.113.34", "0.0.0.0", "255.255.255.255", "10.1.2.3", "224.0.0.251",
	"127.0.0.1", "192.168.1.255", "240.0.0.1", "203.0.113.255", "0.1.2.3",
	"127.1.1.1", "192.168.1.1", "172.16.0.9", "100.64.0.1", "239.255.255.250",
};
#define PICK(a) (a[rnd(sizeof(a) / sizeof(a[0]))])

static const char *any_addr(void)
{
	switch (rnd(10)) {
	case 0: case 1: return TB_PUBLIC;
	case 2: case 3: case 4: return PICK(lan_hosts);
	case 9: return PICK(odd_hosts);
	default: return PICK(inet_hosts);
	}
}

static __u16 table_port(void)
{
	return table.nports ? table.ports[rnd(table.nports)] : 25;
}

static __u16 nat_port(void)
{
	__u32 lo = table.cfg.nat_port_min, hi = table.cfg.nat_port_max;

	switch (rnd(6)) {
	case 0: return lo;
	case 1: return hi;
	case 2: return lo - 1;
	case 3: return hi < 65535 ? hi + 1 : hi;
	default: return lo + rnd(hi - lo + 1);
	}
}

static __u16 any_port(void)
{
	static const __u16 edge[] = { 1, 65535, 1024, 1023, 0x8000 };

	switch (rnd(8)) {
	case 0: case 1: case 2: return table_port();
	case 3: case 4: return nat_port();
	case 5: return 1 + rnd(1023);
	case 6: return 1 + rnd(65535);
	default: return PICK(edge);
	}
}

static __u16 ephemeral(void)
{
	return chance(70) ? 32768 + rnd(28232) : any_port();
}

static __u8 tcp_flags(void)
{
	static const __u8 common[] = {
		0x02, 0x12, 0x10, 0x18, 0x11, 0x19, 0x04, 0x14, 0x01, 0x03, 0x06, 0x29, 0x00,
	};

	return chance(70) ? PICK(common) : rnd(256);
}

static void shape(struct tb_frame_spec *s)
{
	static const __u16 frags[] = { 0x4000, 0x2000, 0x0001, 0x2001, 0x1fff, 0x6000 };

	s->vlans = chance(80) ? 0 : 1 + rnd(2);
	s->ihl = chance(85) ? 0 : 5 + rnd(11);
	s->payload = chance(95) ? 1 + rnd(64) : 1 + rnd(1800);
	s->ttl = chance(90) ? 0 : 1 + rnd(3);
	s->frag_off = chance(93) ? 0 : PICK(frags);
	s->udp_csum_zero = chance(20);
}

/* Recompute the checksums of what the frame holds, as far as it holds it. */
static void fix_checksums(struct frame *f)
{
	__u8 *ip, *l4;
	size_t hlen, tot;

	if (f->l3 < 0 || f->l3 + 20 > (int)f->len)
		return;
	ip = f->b + f->l3;
	hlen = (ip[0] & 0xf) * 4;
	tot = rd16(ip + 2);
	if (hlen < 20 || f->l3 + hlen > f->len)
		return;
	wr16(ip + 10, 0);
	wr16(ip + 10, tb_ip_csum(ip));
	/* (tb_l4_csum reads a header of version 6 as IPv6's) */
	if (tot < hlen || f->l3 + tot > f->len || (rd16(ip + 6) & 0x3fff) ||
	    (ip[0] >> 4) == 6)
		return;
	l4 = ip + hlen;
	if (ip[9] == IPPROTO_TCP && tot - hlen >= 20) {
		wr16(l4 + 16, 0);
		wr16(l4 + 16, tb_l4_csum(ip));
	} else if (ip[9] == IPPROTO_UDP && tot - hlen >= 8 && rd16(l4 + 6)) {
		__u16 c;

		wr16(l4 + 6, 0);
		c = tb_l4_csum(ip);
		wr16(l4 + 6, c ? c : 0xffff);
	} else if (ip[9] == IPPROTO_ICMP && tot - hlen >= 8) {
		if (icmp_error(l4[0]) && tot - hlen >= 8 + 20 &&
		    (l4[8] & 0xf) == 5) {
			wr16(l4 + 8 + 10, 0);
			wr16(l4 + 8 + 10, tb_ip_csum(l4 + 8));
		}
		wr16(l4 + 2, 0);
		wr16(l4 + 2, tb_icmp_csum(ip));
	}
}

static void build(struct frame *f, const struct tb_frame_spec *s, int flags)
{
	f->len = tb_frame(s, f->b);
	f->l3 = s->ethertype && s->ethertype != 0x0800 ? -1 : 14 + 4 * s->vlans;
	if (flags >= 0 && s->proto == IPPROTO_TCP && f->l3 >= 0) {
		/* tb_frame takes 0 for "SYN": every combination, 0 included */
		f->b[f->l3 + (s->ihl > 5 ? s->ihl : 5) * 4 + 13] = flags;
		fix_checksums(f);
	}
}

/* A third VLAN tag: beyond what mxgw parses, so dropped both ways. */
static void add_vlan(struct frame *f)
{
	if (f->len + 4 > TB_MAX_FRAME)
		return;
	memmove(f->b + 16, f->b + 12, f->len - 12);
	wr16(f->b + 12, 0x8100);
	wr16(f->b + 14, 99);
	f->len += 4;
	f->l3 = f->l3 >= 0 ? f->l3 + 4 : -1;
}

static void mutate(struct frame *f)
{
	static const __u16 frags[] = { 0x2000, 0x0001, 0x1fff, 0x4000, 0x6000, 0x3fff };
	static const __u8 protos[] = { 0, 1, 2, 6, 17, 47, 50, 58, 132, 255 };
	int n = 1 + rnd(3);

	st.mutated++;
	for (int i = 0; i < n; i++) {
		bool has_ip = f->l3 >= 0 && f->l3 + 20 <= (int)f->len;
		__u8 *ip = has_ip ? f->b + f->l3 : NULL;
		size_t hlen = ip ? (ip[0] & 0xf) * 4 : 0;
		__u8 *l4 = ip && f->l3 + hlen + 28 + 8 <= f->len ? ip + hlen : NULL;

		switch (rnd(13)) {
		case 0:	/* bit flip in the headers */
			f->b[rnd(f->len < 100 ? f->len : 100)] ^= 1 << rnd(8);
			break;
		case 1:	/* any byte anywhere */
			f->b[rnd(f->len)] = rnd(256);
			break;
		case 2:	/* truncation */
			f->len = 14 + rnd(f->len - 14 + 1);
			break;
		case 3:
			if (ip)
				ip[0] = (ip[0] & 0xf0) | rnd(16);
			break;
		case 4:
			if (!ip)
				break;
			switch (rnd(4)) {
			case 0: wr16(ip + 2, rnd(65536)); break;
			case 1: wr16(ip + 2, rd16(ip + 2) + rnd(41) - 20); break;
			case 2: wr16(ip + 2, hlen + 8); break;	/* only the ICMP/UDP header */
			default: wr16(ip + 2, hlen + rnd(40)); break;
			}
			break;
		case 5:
			if (ip)
				wr16(ip + 6, chance(70) ? PICK(frags) : rnd(65536));
			break;
		case 6:
			if (l4 && ip[9] == IPPROTO_TCP)
				l4[13] = rnd(256);
			break;
		case 7:
			if (ip)
				ip[8] = rnd(3);
			break;
		case 8:
			if (ip && chance(30))
				ip[0] = (rnd(16) << 4) | (ip[0] & 0xf);
			else if (ip)
				ip[9] = PICK(protos);
			break;
		case 9:	/* the quoted header of an ICMP error */
			if (!l4 || ip[9] != IPPROTO_ICMP)
				break;
			switch (rnd(5)) {
			case 0: l4[8] = 0x40 | rnd(16); break;
			case 1: memcpy(l4 + 8 + 12, (__be32[]){ addr(any_addr()) }, 4); break;
			case 2: l4[8 + 9] = PICK(protos); break;
			case 3: wr16(l4 + 8 + 20 + 2 * rnd(4), any_port()); break;
			default: l4[8 + 20] = rnd(16); break;
			}
			break;
		case 10: {	/* link padding */
			size_t add = 1 + rnd(40);

			if (f->len + add > TB_MAX_FRAME)
				break;
			for (size_t j = 0; j < add; j++)
				f->b[f->len + j] = rnd(256);
			f->len += add;
			break;
		}
		case 11:
			if (ip)
				memcpy(ip + (chance(50) ? 12 : 16), (__be32[]){ addr(any_addr()) }, 4);
			break;
		default:
			if (l4 && ip[9] != IPPROTO_ICMP)
				wr16(l4 + 2 * rnd(2), any_port());
			else if (l4)
				l4[0] = rnd(20);
			break;
		}
	}
	if (chance(50))
		fix_checksums(f);
}

static void set_proto(struct tb_frame_spec *s)
{
	unsigned int r = rnd(100);

	s->proto = r < 55 ? IPPROTO_TCP : r < 85 ? IPPROTO_UDP : IPPROTO_ICMP;
	if (s->proto == IPPROTO_ICMP) {
		s->icmp_type = 8;
		s->icmp_id = rnd(65536);
	}
}

/* ICMP error fields of @s around the quoted packet @inner. */
static void icmp_error_spec(struct tb_frame_spec *s, struct tb_frame_spec *inner)
{
	static const __u8 types[] = { 3, 3, 11, 12 };

	s->proto = IPPROTO_ICMP;
	s->icmp_type = PICK(types);
	s->icmp_code = s->icmp_type == 3 ? rnd(16) : rnd(2);
	s->icmp_id = chance(80) ? 0 : rnd(65536);
	s->inner = inner;
	s->frag_off = 0;
	inner->udp_csum_zero = chance(20);
	inner->ihl = chance(92) ? 0 : 6;
	inner->payload = 1 + rnd(32);
	inner->tcp_flags = 0x10;
}

static void gen_egress(struct frame *f)
{
	struct tb_frame_spec s = { 0 }, inner = { 0 };
	char a1[16], a2[16];
	const struct flow *fl;
	const struct svcflow *sf;
	unsigned int r = rnd(100);
	int flags = tcp_flags();

	shape(&s);
	if (r < 40) {			/* a LAN host opens or goes on */
		s.saddr = PICK(lan_hosts);
		s.daddr = chance(90) ? PICK(inet_hosts) : any_addr();
		set_proto(&s);
		s.sport = ephemeral();
		s.dport = any_port();
	} else if (r < 50 && (fl = pick_flow(true))) {	/* a known LAN flow */
		s.saddr = a2s(fl->lan, a1);
		s.daddr = a2s(fl->remote, a2);
		s.proto = fl->proto;
		s.sport = fl->lport;
		s.dport = fl->rport;
		s.icmp_type = 8;
		s.icmp_id = fl->lport;
	} else if (r < 58) {		/* the mail server answers a client */
		s.saddr = TB_MAILSERVER;
		if ((sf = pick_svcflow()) && chance(70)) {
			s.proto = sf->proto;
			s.daddr = a2s(sf->client, a1);
			s.sport = sf->svc;
			s.dport = sf->cport;
		} else {
			s.proto = chance(85) ? IPPROTO_TCP : IPPROTO_UDP;
			s.daddr = PICK(inet_hosts);
			s.sport = chance(80) ? table_port() : any_port();
			s.dport = ephemeral();
		}
	} else if (r < 66) {		/* the gateway's own traffic */
		s.saddr = TB_PUBLIC;
		s.daddr = chance(85) ? PICK(inet_hosts) : any_addr();
		set_proto(&s);
		if (s.proto == IPPROTO_ICMP && chance(30))
			s.icmp_type = rnd(16);
		s.sport = ephemeral();
		s.dport = any_port();
	} else if (r < 78) {		/* ICMP errors about what came in */
		icmp_error_spec(&s, &inner);
		fl = chance(50) ? pick_flow(true) : NULL;
		sf = !fl && chance(50) ? pick_svcflow() : NULL;
		if (fl) {
			inner.saddr = a2s(fl->remote, a1);
			inner.daddr = a2s(fl->lan, a2);
			inner.proto = fl->proto;
			inner.sport = fl->rport;
			inner.dport = fl->lport;
			inner.icmp_type = 0;
			inner.icmp_id = fl->lport;
		} else if (sf) {
			inner.saddr = a2s(sf->client, a1);
			inner.daddr = TB_MAILSERVER;
			inner.proto = sf->proto;
			inner.sport = sf->cport;
			inner.dport = sf->svc;
		} else {
			inner.saddr = PICK(inet_hosts);
			inner.daddr = chance(70) ? PICK(lan_hosts) : any_addr();
			set_proto(&inner);
			inner.icmp_type = chance(70) ? 0 : 8;
			inner.sport = any_port();
			inner.dport = any_port();
		}
		s.saddr = chance(35) ? TB_PUBLIC : chance(70) ? inner.daddr : PICK(lan_hosts);
		s.daddr = chance(70) ? inner.saddr : PICK(inet_hosts);
	} else if (r < 85) {		/* other protocols, other ICMP */
		static const __u8 protos[] = { 1, 1, 1, 47, 50, 0, 255, 58, 2 };

		s.saddr = chance(30) ? TB_PUBLIC : PICK(lan_hosts);
		s.daddr = any_addr();
		s.proto = PICK(protos);
		s.icmp_type = rnd(20);
		s.icmp_id = rnd(65536);
	} else if (r < 92) {		/* not IPv4 */
		static const __u16 types[] = { 0x0806, 0x86dd, 0x88cc, 0x8863, 0x0801 };

		s.ethertype = PICK(types);
	} else {			/* anything */
		s.saddr = any_addr();
		s.daddr = any_addr();
		set_proto(&s);
		s.sport = any_port();
		s.dport = any_port();
		if (s.proto == IPPROTO_ICMP)
			s.icmp_type = rnd(20);
	}
	build(f, &s, s.proto == IPPROTO_TCP ? flags : -1);
	if (s.vlans == 2 && chance(20))
		add_vlan(f);
	if (chance(30))
		mutate(f);
}

static void gen_ingress(struct frame *f)
{
	struct tb_frame_spec s = { 0 }, inner = { 0 };
	char a1[16], a2[16];
	const struct flow *fl;
	const struct svcflow *sf;
	unsigned int r = rnd(100);
	int flags = tcp_flags();
	bool reply = false;

	shape(&s);
	s.daddr = TB_PUBLIC;
	if (r < 50 && (fl = pick_flow(false))) {	/* a reply to a flow */
		unsigned int v = rnd(100);

		reply = true;
		if (v < 70) {
			s.saddr = a2s(fl->remote, a1);
			s.proto = fl->proto;
			s.sport = fl->rport;
			s.dport = fl->pport;
			s.icmp_type = 0;
			s.icmp_id = fl->pport;
		} else if (v < 90) {
			icmp_error_spec(&s, &inner);
			s.saddr = chance(50) ? a2s(fl->remote, a1) : "198.51.100.1";
			inner.saddr = TB_PUBLIC;
			inner.daddr = a2s(fl->remote, a2);
			inner.proto = fl->proto;
			inner.sport = fl->pport;
			inner.dport = fl->rport;
			inner.icmp_type = 8;
			inner.icmp_id = fl->pport;
		} else {			/* a near miss */
			s.saddr = a2s(fl->remote, a1);
			s.proto = fl->proto;
			s.sport = fl->rport;
			s.dport = fl->pport;
			s.icmp_type = 0;
			s.icmp_id = fl->pport;
			switch (rnd(4)) {
			case 0: s.saddr = PICK(inet_hosts); break;
			case 1: s.sport++; break;
			case 2: s.dport++; s.icmp_id++; break;
			default:
				s.proto = s.proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
				break;
			}
		}
	} else if (r < 65) {		/* a client to a service */
		if ((sf = pick_svcflow()) && chance(30)) {
			s.saddr = a2s(sf->client, a1);
			s.proto = sf->proto;
			s.sport = sf->cport;
			s.dport = sf->svc;
		} else {
			s.saddr = chance(85) ? PICK(inet_hosts) : any_addr();
			s.proto = chance(80) ? IPPROTO_TCP : IPPROTO_UDP;
			s.sport = ephemeral();
			s.dport = chance(80) ? table_port() : any_port();
		}
	} else if (r < 75) {		/* ICMP to the public address */
		s.saddr = chance(85) ? PICK(inet_hosts) : any_addr();
		s.proto = IPPROTO_ICMP;
		s.icmp_id = rnd(65536);
		switch (rnd(4)) {
		case 0:
			s.icmp_type = chance(50) ? 8 : 0;
			break;
		case 1:
			s.icmp_type = rnd(20);
			s.icmp_code = rnd(4);
			break;
		default:
			icmp_error_spec(&s, &inner);
			inner.saddr = TB_PUBLIC;
			if ((sf = pick_svcflow()) && chance(40)) {
				inner.daddr = a2s(sf->client, a2);
				inner.proto = sf->proto;
				inner.sport = sf->svc;
				inner.dport = sf->cport;
			} else {
				inner.daddr = chance(80) ? PICK(inet_hosts) : any_addr();
				set_proto(&inner);
				inner.sport = chance(70) ? table_port() : any_port();
				inner.dport = ephemeral();
			}
			if (chance(10))
				inner.saddr = any_addr();
			break;
		}
	} else if (r < 82) {		/* not for the public address */
		s.saddr = any_addr();
		do
			s.daddr = any_addr();
		while (!strcmp(s.daddr, TB_PUBLIC));
		set_proto(&s);
		s.sport = any_port();
		s.dport = any_port();
	} else if (r < 88) {		/* not IPv4 */
		static const __u16 types[] = { 0x0806, 0x86dd, 0x88cc, 0x8863, 0x0801 };

		s.ethertype = PICK(types);
	} else {			/* anything, mostly to the public address */
		static const __u8 protos[] = { 6, 6, 17, 17, 1, 47, 50, 0 };

		s.saddr = any_addr();
		s.daddr = chance(70) ? TB_PUBLIC : any_addr();
		s.proto = PICK(protos);
		s.sport = any_port();
		s.dport = any_port();
		s.icmp_type = rnd(20);
		s.icmp_id = rnd(65536);
	}
	build(f, &s, s.proto == IPPROTO_TCP ? flags : -1);
	if (s.vlans == 2 && chance(20))
		add_vlan(f);
	if (chance(30)) {
		mutate(f);
		st.replies_mutated += reply;
	}
	st.replies += reply;
}

/* ------------------------------------------------------------------ */
/* generating IPv6 frames */

static const char *const lan_hosts6[] = {
	TB_MAILSERVER6, TB_MAILSERVER6, TB_MAILSERVER6, "2001:db8:168::20", "2001:db8:168::20",
	"2001:db8:168::ffff:1",
};
static const char *const inet_hosts6[] = {
	TB_CLIENT6, TB_OTHER_CLIENT6, "2001:db8:51::25", "2001:db8:51:8000::1",
	"2001:db8:51::ffff", "2001:db8:99::7", TB_ROUTER6,
};
static const char *const odd_hosts6[] = {
	"::", "::1", "ff02::1", "ff02::1:ff00:33", "ff0e::101", "fe80::1", "fe80::33",
	"::ffff:198.51.100.7", TB_PUBLIC6, TB_LAN6_GW, "2001:db8:172::9", "2001:db8:66::1",
	"2001:db8:1::", "2001:db8:1::99", "fec0::1", "::2", "2001:db8:168::50",
	"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
};

static const char *any_addr6(void)
{
	switch (rnd(10)) {
	case 0: case 1: return TB_MAILSERVER6;
	case 2: case 3: return PICK(lan_hosts6);
	case 8: case 9: return PICK(odd_hosts6);
	default: return PICK(inet_hosts6);
	}
}

static void set_proto6(struct tb_frame_spec *s)
{
	unsigned int r = rnd(100);

	s->proto = r < 55 ? IPPROTO_TCP : r < 85 ? IPPROTO_UDP : IPPROTO_ICMPV6;
	if (s->proto == IPPROTO_ICMPV6) {
		s->icmp_type = 128;
		s->icmp_id = rnd(65536);
	}
}

static size_t ext_bytes6(const struct tb_ext6 *e)
{
	return e->type == 44 ? 8 : e->type == 51 ? (e->len + 2) * 4u : (e->len + 1) * 8u;
}

/* A chain of extension headers, now and then (at most 600 bytes, so that
 * the frame, its quote and link padding fit TB_MAX_FRAME). */
static void ext_chain6(struct tb_frame_spec *s)
{
	size_t bytes = 0;
	unsigned int n;

	s->n_ext6 = 0;
	if (chance(80))
		return;
	n = chance(80) ? 1 + rnd(3) : 1 + rnd(TB_EXT6_MAX);
	for (unsigned int i = 0; i < n; i++) {
		struct tb_ext6 *e = &s->ext6[i];
		unsigned int r = rnd(100);

		memset(e, 0, sizeof(*e));
		if (r < (i ? 5 : 30)) {
			e->type = 0;
			e->len = chance(90) ? 0 : rnd(4);
		} else if (r < 55) {
			e->type = 60;
			e->len = chance(80) ? rnd(3) : rnd(34);
		} else if (r < 70) {
			static const __u8 rt[] = { 4, 4, 2, 0, 3 };

			e->type = 43;
			e->len = 2;
			e->rt_type = PICK(rt);
			e->segleft = chance(70) ? 0 : rnd(3);
		} else if (r < 88) {
			e->type = 44;
			e->frag_offset = chance(70) ? 0 : rnd(8192);
			e->more = chance(20);
		} else if (r < 95) {
			e->type = 51;
			e->len = 1 + rnd(6);
		} else {
			static const __u8 odd[] = { 135, 139, 140, 253, 254 };

			e->type = PICK(odd);
		}
		bytes += ext_bytes6(e);
		if (bytes > 600) {
			n = i;
			break;
		}
	}
	s->n_ext6 = n;
}

static void shape6(struct tb_frame_spec *s)
{
	s->ip6 = true;
	s->vlans = chance(85) ? 0 : 1 + rnd(2);
	s->payload = chance(95) ? 1 + rnd(64) : 1 + rnd(1300);
	s->ttl = chance(90) ? 0 : chance(50) ? 1 + rnd(2) : 255;
	s->udp_csum_zero = chance(5);
	ext_chain6(s);
}

/* Recompute the L4 checksum, as far as the frame holds it. */
static void fix_checksums6(struct frame *f)
{
	__u8 *ip, *l4, proto;
	size_t off;

	if (f->l3 < 0 || f->l3 + 40 > (int)f->len)
		return;
	ip = f->b + f->l3;
	if ((ip[0] >> 4) != 6 || (size_t)f->l3 + 40 + rd16(ip + 4) > f->len)
		return;
	off = tb_ip6_l4(ip, &proto);
	if (!off)
		return;
	l4 = ip + off;
	if (proto == IPPROTO_TCP && off + 20 <= 40u + rd16(ip + 4)) {
		wr16(l4 + 16, 0);
		wr16(l4 + 16, tb_l4_csum(ip));
	} else if (proto == IPPROTO_UDP && off + 8 <= 40u + rd16(ip + 4)) {
		__u16 c;

		wr16(l4 + 6, 0);
		c = tb_l4_csum(ip);
		wr16(l4 + 6, c ? c : 0xffff);
	} else if (proto == IPPROTO_ICMPV6 && off + 8 <= 40u + rd16(ip + 4)) {
		wr16(l4 + 2, 0);
		wr16(l4 + 2, tb_icmp_csum(ip));
	}
}

static void build6(struct frame *f, const struct tb_frame_spec *s, int flags)
{
	__u8 proto;
	size_t off;

	f->len = tb_frame(s, f->b);
	f->l3 = 14 + 4 * s->vlans;
	if (flags < 0 || s->proto != IPPROTO_TCP || s->truncate)
		return;
	/* tb_frame takes 0 for "SYN": every combination, 0 included */
	off = tb_ip6_l4(f->b + f->l3, &proto);
	if (off && proto == IPPROTO_TCP && f->l3 + off + 20 <= f->len) {
		f->b[f->l3 + off + 13] = flags;
		fix_checksums6(f);
	}
}

static void mutate6(struct frame *f)
{
	static const __u8 nexts[] = { 0, 6, 17, 43, 44, 47, 50, 51, 58, 59, 60, 135, 253 };
	int n = 1 + rnd(3);

	st.mutated++;
	for (int i = 0; i < n; i++) {
		__u8 *ip = f->l3 >= 0 && f->l3 + 40 <= (int)f->len ? f->b + f->l3 : NULL;
		__u8 proto = 0;
		size_t off = ip ? tb_ip6_l4(ip, &proto) : 0;
		__u8 *l4 = off && f->l3 + off + 20 <= f->len ? ip + off : NULL;
		struct in6_addr a;

		switch (rnd(14)) {
		case 0:	/* bit flip in the headers */
			f->b[rnd(f->len < 120 ? f->len : 120)] ^= 1 << rnd(8);
			break;
		case 1:
			f->b[rnd(f->len)] = rnd(256);
			break;
		case 2:	/* truncation */
			f->len = 14 + rnd(f->len - 14 + 1);
			break;
		case 3:
			if (!ip)
				break;
			switch (rnd(4)) {
			case 0: wr16(ip + 4, rnd(65536)); break;
			case 1: wr16(ip + 4, rd16(ip + 4) + rnd(41) - 20); break;
			case 2: wr16(ip + 4, off ? off - 40 + rnd(8) : 0); break;
			default: wr16(ip + 4, rnd(64)); break;
			}
			break;
		case 4:
			if (ip)
				ip[0] = (rnd(16) << 4) | (ip[0] & 0xf);
			break;
		case 5:
			if (ip)
				ip[6] = PICK(nexts);
			break;
		case 6:
			if (ip)
				ip[7] = rnd(3);
			break;
		case 7:	/* a byte of the first extension header */
			if (ip && f->l3 + 48 <= (int)f->len && ip[6] != 6 && ip[6] != 17 &&
			    ip[6] != 58)
				ip[40 + rnd(4)] = chance(50) ? PICK(nexts) : rnd(256);
			break;
		case 8:
			if (l4 && proto == IPPROTO_TCP)
				l4[13] = rnd(256);
			break;
		case 9:	/* the quoted header of an ICMPv6 error */
			if (!l4 || proto != IPPROTO_ICMPV6 || f->l3 + off + 56 > f->len)
				break;
			switch (rnd(4)) {
			case 0:
				inet_pton(AF_INET6, any_addr6(), &a);
				memcpy(l4 + 8 + (chance(50) ? 8 : 24), &a, 16);
				break;
			case 1: l4[8 + 6] = PICK(nexts); break;
			case 2: wr16(l4 + 8 + 40 + 2 * rnd(3), any_port()); break;
			default: l4[8 + 40] = rnd(256); break;
			}
			break;
		case 10: {	/* link padding */
			size_t add = 1 + rnd(40);

			if (f->len + add > TB_MAX_FRAME)
				break;
			for (size_t j = 0; j < add; j++)
				f->b[f->len + j] = rnd(256);
			f->len += add;
			break;
		}
		case 11:
			if (!ip)
				break;
			inet_pton(AF_INET6, any_addr6(), &a);
			memcpy(ip + (chance(50) ? 8 : 24), &a, 16);
			break;
		case 12:
			if (l4 && proto == IPPROTO_ICMPV6)
				l4[0] = chance(50) ? rnd(5) : 128 + rnd(16);
			break;
		default:
			if (l4 && proto != IPPROTO_ICMPV6)
				wr16(l4 + 2 * rnd(2), any_port());
			break;
		}
	}
	if (chance(50))
		fix_checksums6(f);
}

static void icmp6_error_spec(struct tb_frame_spec *s, struct tb_frame_spec *inner)
{
	static const __u8 types[] = { 1, 1, 2, 2, 3, 4 };

	s->proto = IPPROTO_ICMPV6;
	s->icmp_type = PICK(types);
	s->icmp_code = rnd(5);
	s->icmp_info = s->icmp_type == 2 ? 1280 + rnd(220) : rnd(64);
	s->inner = inner;
	inner->ip6 = true;
	inner->payload = chance(80) ? 1 + rnd(32) : 1 + rnd(1400);
	inner->tcp_flags = 0x10;
	inner->udp_csum_zero = chance(5);
}

static const struct flow6 *pick_flow6(void)
{
	return nflows6 ? &flows6[pick_index(nflows6)] : NULL;
}

static const struct svcflow6 *pick_svcflow6(void)
{
	return nsvcflows6 ? &svcflows6[pick_index(nsvcflows6)] : NULL;
}

static void gen_ingress6(struct frame *f)
{
	struct tb_frame_spec s = { 0 }, inner = { 0 };
	char a1[INET6_ADDRSTRLEN], a2[INET6_ADDRSTRLEN];
	const struct flow6 *fl;
	const struct svcflow6 *sf;
	unsigned int r = rnd(100);
	int flags = tcp_flags();
	bool reply = false;

	shape6(&s);
	s.daddr = TB_MAILSERVER6;
	if (r < 45 && (fl = pick_flow6())) {	/* a reply to a flow */
		unsigned int v = rnd(100);

		reply = true;
		s.saddr = s6(fl->remote, a1);
		s.daddr = s6(fl->lan, a2);
		if (v < 70 || v >= 90) {
			s.proto = fl->proto;
			s.sport = fl->rport;
			s.dport = fl->lport;
			s.icmp_type = 129;
			s.icmp_id = fl->lport;
		}
		if (v >= 70 && v < 90) {
			icmp6_error_spec(&s, &inner);
			if (chance(50))
				s.saddr = chance(50) ? TB_ROUTER6 : PICK(inet_hosts6);
			inner.saddr = s.daddr;
			inner.daddr = s6(fl->remote, a1);
			inner.proto = fl->proto;
			inner.sport = fl->lport;
			inner.dport = fl->rport;
			inner.icmp_type = 128;
			inner.icmp_id = fl->lport;
		} else if (v >= 90) {		/* a near miss */
			switch (rnd(5)) {
			case 0: s.saddr = PICK(inet_hosts6); break;
			case 1: s.sport++; break;
			case 2: s.dport++; s.icmp_id++; break;
			case 3: flags = 0x02; break;
			default:
				s.proto = s.proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
				break;
			}
		}
	} else if (r < 62) {		/* a client to a service of mailserver6 */
		if ((sf = pick_svcflow6()) && chance(30)) {
			s.saddr = s6(sf->client, a1);
			s.proto = sf->proto;
			s.sport = sf->cport;
			s.dport = sf->svc;
		} else {
			s.saddr = chance(85) ? PICK(inet_hosts6) : any_addr6();
			s.proto = chance(80) ? IPPROTO_TCP : IPPROTO_UDP;
			s.sport = ephemeral();
			s.dport = chance(80) ? table_port() : any_port();
		}
	} else if (r < 72) {		/* ICMPv6 to mailserver6 */
		s.saddr = chance(85) ? PICK(inet_hosts6) : any_addr6();
		s.proto = IPPROTO_ICMPV6;
		s.icmp_id = rnd(65536);
		switch (rnd(4)) {
		case 0:
			s.icmp_type = chance(50) ? 128 : 129;
			break;
		case 1:
			s.icmp_type = rnd(256);
			break;
		default:
			icmp6_error_spec(&s, &inner);
			inner.saddr = TB_MAILSERVER6;
			if ((sf = pick_svcflow6()) && chance(50)) {
				inner.daddr = s6(sf->client, a2);
				inner.proto = sf->proto;
				inner.sport = sf->svc;
				inner.dport = sf->cport;
			} else {
				inner.daddr = chance(80) ? PICK(inet_hosts6) : any_addr6();
				set_proto6(&inner);
				inner.sport = chance(70) ? table_port() : any_port();
				inner.dport = ephemeral();
			}
			break;
		}
	} else if (r < 77) {		/* to anything but mailserver6 */
		s.saddr = chance(70) ? PICK(inet_hosts6) : any_addr6();
		s.daddr = chance(40) ? PICK(lan_hosts6) : chance(30) ? TB_PUBLIC6 :
			  any_addr6();
		set_proto6(&s);
		s.sport = any_port();
		s.dport = any_port();
	} else if (r < 82) {		/* to the gateway's services */
		const struct mxgw_in6 *own = &table.cfg.wan6_addrs[rnd(table.cfg.nwan6 ?
								      table.cfg.nwan6 : 1)];

		s.saddr = chance(60) ? PICK(inet_hosts6) : chance(50) ? "fe80::1" :
			  any_addr6();
		s.daddr = table.cfg.nwan6 ? s6((const __u8 *)own, a2) : TB_PUBLIC6;
		s.proto = chance(70) ? IPPROTO_TCP : IPPROTO_UDP;
		s.sport = ephemeral();
		s.dport = chance(80) ? table_port() : any_port();
	} else if (r < 88) {		/* the link's own: ND, RA, MLD */
		static const __u8 types[] = { 133, 134, 135, 136, 137, 130, 131, 143 };
		static const char *const dsts[] = { "ff02::1", "ff02::2", "ff02::1:ff00:33",
						    "ff02::16", TB_PUBLIC6, "fe80::33" };

		s.saddr = chance(80) ? "fe80::1" : chance(50) ? "::" : PICK(inet_hosts6);
		s.daddr = chance(85) ? PICK(dsts) : any_addr6();
		s.proto = IPPROTO_ICMPV6;
		s.icmp_type = PICK(types);
		s.ttl = 255;
	} else {			/* anything */
		static const __u8 protos[] = { 6, 6, 17, 17, 58, 47, 50, 59, 132 };

		s.saddr = any_addr6();
		s.daddr = chance(60) ? TB_MAILSERVER6 : any_addr6();
		s.proto = PICK(protos);
		s.sport = any_port();
		s.dport = any_port();
		s.icmp_type = rnd(256);
		s.icmp_id = rnd(65536);
	}
	build6(f, &s, s.proto == IPPROTO_TCP ? flags : -1);
	if (s.vlans == 2 && chance(20))
		add_vlan(f);
	if (chance(30))
		mutate6(f);
	st6.replies += reply;
}

static void gen_egress6(struct frame *f)
{
	struct tb_frame_spec s = { 0 }, inner = { 0 };
	char a1[INET6_ADDRSTRLEN], a2[INET6_ADDRSTRLEN];
	const struct flow6 *fl;
	const struct svcflow6 *sf;
	unsigned int r = rnd(100);
	int flags = tcp_flags();

	shape6(&s);
	if (r < 40) {			/* a LAN host opens or goes on */
		s.saddr = PICK(lan_hosts6);
		s.daddr = chance(90) ? PICK(inet_hosts6) : any_addr6();
		set_proto6(&s);
		s.sport = ephemeral();
		s.dport = any_port();
	} else if (r < 52 && (fl = pick_flow6())) {	/* a known flow */
		s.saddr = s6(fl->lan, a1);
		s.daddr = s6(fl->remote, a2);
		s.proto = fl->proto;
		s.sport = fl->lport;
		s.dport = fl->rport;
		s.icmp_type = 128;
		s.icmp_id = fl->lport;
	} else if (r < 62) {		/* mailserver6 answers a client */
		s.saddr = TB_MAILSERVER6;
		if ((sf = pick_svcflow6()) && chance(70)) {
			s.proto = sf->proto;
			s.daddr = s6(sf->client, a1);
			s.sport = sf->svc;
			s.dport = sf->cport;
		} else {
			s.proto = chance(85) ? IPPROTO_TCP : IPPROTO_UDP;
			s.daddr = PICK(inet_hosts6);
			s.sport = chance(80) ? table_port() : any_port();
			s.dport = ephemeral();
		}
		if (chance(10)) {
			s.proto = IPPROTO_ICMPV6;
			s.icmp_type = 129;
			s.icmp_id = rnd(65536);
		}
	} else if (r < 70) {		/* the gateway's own */
		static const char *const own[] = { TB_PUBLIC6, "fe80::33", "::" };

		s.saddr = PICK(own);
		s.daddr = chance(70) ? PICK(inet_hosts6) : any_addr6();
		set_proto6(&s);
		if (s.proto == IPPROTO_ICMPV6)
			s.icmp_type = rnd(256);
		s.sport = any_port();
		s.dport = any_port();
	} else if (r < 80) {		/* ICMPv6 errors about what came in */
		icmp6_error_spec(&s, &inner);
		fl = chance(50) ? pick_flow6() : NULL;
		sf = !fl && chance(50) ? pick_svcflow6() : NULL;
		if (fl) {
			inner.saddr = s6(fl->remote, a1);
			inner.daddr = s6(fl->lan, a2);
			inner.proto = fl->proto;
			inner.sport = fl->rport;
			inner.dport = fl->lport;
			inner.icmp_type = 129;
			inner.icmp_id = fl->lport;
		} else if (sf) {
			inner.saddr = s6(sf->client, a1);
			inner.daddr = TB_MAILSERVER6;
			inner.proto = sf->proto;
			inner.sport = sf->cport;
			inner.dport = sf->svc;
		} else {
			inner.saddr = PICK(inet_hosts6);
			inner.daddr = chance(70) ? PICK(lan_hosts6) : any_addr6();
			set_proto6(&inner);
			inner.icmp_type = chance(70) ? 129 : 128;
			inner.sport = any_port();
			inner.dport = any_port();
		}
		s.saddr = chance(20) ? TB_PUBLIC6 : chance(80) ? inner.daddr : PICK(lan_hosts6);
		s.daddr = chance(70) ? inner.saddr : PICK(inet_hosts6);
	} else if (r < 88) {		/* other protocols, other ICMPv6 */
		static const __u8 protos[] = { 58, 58, 58, 47, 50, 59, 132 };

		s.saddr = PICK(lan_hosts6);
		s.daddr = any_addr6();
		s.proto = PICK(protos);
		s.icmp_type = rnd(256);
		s.icmp_id = rnd(65536);
	} else {			/* anything */
		s.saddr = any_addr6();
		s.daddr = any_addr6();
		set_proto6(&s);
		s.sport = any_port();
		s.dport = any_port();
		if (s.proto == IPPROTO_ICMPV6)
			s.icmp_type = rnd(256);
	}
	build6(f, &s, s.proto == IPPROTO_TCP ? flags : -1);
	if (s.vlans == 2 && chance(20))
		add_vlan(f);
	if (chance(30))
		mutate6(f);
}

/* ------------------------------------------------------------------ */
/* the running gateway changes under the traffic, as mxctl changes it  */

static unsigned long restore_at, tx_back_at;
static __u32 flipped_id;
static int flipped_dir;

static void disturb(unsigned long it)
{
	const struct flow *fl;

	if (restore_at && it >= restore_at) {
		const struct mxgw_service *s = &table.svc[flipped_id];

		assert_int_equal(mxgw_maps_set_verdict(&tb.maps, s->name, flipped_dir,
						       !s->verdict[flipped_dir]), 0);
		oracle_load();
		restore_at = 0;
	}
	if (!restore_at && table.nids && !rnd(5000)) {
		/* set-service NAME in|out allow|deny, and back later */
		flipped_id = table.ids[rnd(table.nids)];
		flipped_dir = rnd(2);
		assert_int_equal(mxgw_maps_set_verdict(&tb.maps, table.svc[flipped_id].name,
						       flipped_dir,
						       !table.svc[flipped_id].verdict[flipped_dir]), 0);
		oracle_load();
		restore_at = it + 200 + rnd(800);
		st.disturb++;
	}
	if (tx_back_at && it >= tx_back_at) {
		assert_int_equal(bpf_map_update_elem(tb.maps.tx_ports, &lan_ifindex,
						     &lan_ifindex, BPF_ANY), 0);
		tx_back_at = 0;
	}
	if (!tx_back_at && !rnd(40000)) {
		/* mxctl reload finds the LAN device no longer takes XDP frames
		 * (its veth peer lost its XDP program, say): mxgw_sync_tx_ports
		 * deletes it from mxgw_tx_ports, as here; it comes back later */
		assert_int_equal(bpf_map_delete_elem(tb.maps.tx_ports, &lan_ifindex), 0);
		tx_back_at = it + 50 + rnd(200);
		st.disturb++;
	}
	if (!rnd(1500) && (fl = pick_flow(false))) {
		/* a flow idle past its timeout, or one the LRU took */
		struct mxgw_ct_key k = {
			.remote_addr = fl->remote, .remote_port = htons(fl->rport),
			.public_port = htons(fl->pport), .proto = fl->proto,
		};
		struct mxgw_ct_entry e;

		if (!bpf_map_lookup_elem(tb.maps.ct, &k, &e)) {
			if (chance(70) && e.state < MXGW_CT_STATE_MAX &&
			    e.seen_ns > table.cfg.timeout_ns[e.state] + 10 * CT_MARGIN_NS) {
				e.seen_ns -= table.cfg.timeout_ns[e.state] + 10 * CT_MARGIN_NS;
				bpf_map_update_elem(tb.maps.ct, &k, &e, BPF_EXIST);
			} else {
				bpf_map_delete_elem(tb.maps.ct, &k);
			}
			/* as time or the LRU's insert would: the LAN fast
			 * path's cached mappings go (mxgw_est_cache) */
			assert_int_equal(mxgw_maps_ct_changed(&tb.maps), 0);
			st.disturb++;
		}
	}
	if (nflows6 && !rnd(1500)) {
		/* the same for an IPv6 flow */
		const struct flow6 *f6 = pick_flow6();
		struct mxgw_ct6_key k = {
			.lan_port = htons(f6->lport), .remote_port = htons(f6->rport),
			.proto = f6->proto,
		};
		struct mxgw_ct_entry e;

		memcpy(&k.lan_addr, f6->lan, 16);
		memcpy(&k.remote_addr, f6->remote, 16);
		if (!bpf_map_lookup_elem(tb.maps.ct6, &k, &e)) {
			if (chance(70) && e.state < MXGW_CT_STATE_MAX &&
			    e.seen_ns > table.cfg.timeout_ns[e.state] + 10 * CT_MARGIN_NS) {
				e.seen_ns -= table.cfg.timeout_ns[e.state] + 10 * CT_MARGIN_NS;
				bpf_map_update_elem(tb.maps.ct6, &k, &e, BPF_EXIST);
			} else {
				bpf_map_delete_elem(tb.maps.ct6, &k);
			}
			assert_int_equal(mxgw_maps_ct_changed(&tb.maps), 0);
			st.disturb++;
		}
	}
}

/* ------------------------------------------------------------------ */
/* the runs                                                            */

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end)
		fail_msg("%s=%s: not a number", name, v);
	return n;
}

static double pct(unsigned long n, unsigned long of)
{
	return of ? 100.0 * n / of : 0;
}

static void report(const char *name, __u64 seed, unsigned long n, double secs)
{
	__u64 counters[MXGW_COUNTER_MAX];
	unsigned long xdp_x = 0, tc_x = 0;

	for (int k = 0; k < K_MAX; k++) {
		xdp_x += st.xdp_kind[k];
		tc_x += st.tc_kind[k];
	}
	printf("fuzz %s: seed %#llx, %lu frames in %.1f s (%lu XDP, %lu TC); "
	       "%lu mutated, %lu table/flow changes\n", name, (unsigned long long)seed,
	       n, secs, st.xdp, st.tc, st.mutated, st.disturb);
	printf("  XDP verdicts: DROP %lu (%.1f%%), PASS %lu (%.1f%%), REDIRECT %lu (%.1f%%), other %lu\n",
	       st.xdp_verdict[XDP_DROP], pct(st.xdp_verdict[XDP_DROP], st.xdp),
	       st.xdp_verdict[XDP_PASS], pct(st.xdp_verdict[XDP_PASS], st.xdp),
	       st.xdp_verdict[XDP_REDIRECT], pct(st.xdp_verdict[XDP_REDIRECT], st.xdp),
	       st.xdp - st.xdp_verdict[XDP_DROP] - st.xdp_verdict[XDP_PASS] -
	       st.xdp_verdict[XDP_REDIRECT]);
	printf("  XDP rewritten: %lu (%.1f%%), towards the LAN %lu (%.1f%%): service DNAT %lu, "
	       "conntrack reply %lu, echo reply %lu, ICMP error %lu\n",
	       xdp_x, pct(xdp_x, st.xdp), st.xdp_to_lan, pct(st.xdp_to_lan, st.xdp),
	       st.xdp_kind[K_SVC], st.xdp_kind[K_CT], st.xdp_kind[K_ECHO], st.xdp_kind[K_ICMP]);
	printf("  XDP service DNATs whose source is a LAN address (192.168/16, spoofed): %lu\n",
	       st.lan_src_dnat);
	printf("  XDP crafted replies to earlier flows: %lu (%.1f%% of XDP frames), %lu of them mutated\n",
	       st.replies, pct(st.replies, st.xdp), st.replies_mutated);
	printf("  TC verdicts: OK %lu (%.1f%%), SHOT %lu (%.1f%%), other %lu\n",
	       st.tc_verdict[TC_ACT_OK], pct(st.tc_verdict[TC_ACT_OK], st.tc),
	       st.tc_verdict[TC_ACT_SHOT], pct(st.tc_verdict[TC_ACT_SHOT], st.tc),
	       st.tc - st.tc_verdict[TC_ACT_OK] - st.tc_verdict[TC_ACT_SHOT]);
	printf("  TC rewritten: %lu (%.1f%%): masquerade %lu, service SNAT %lu, ICMP error %lu "
	       "(%lu of them the gateway's, quote only)\n",
	       tc_x, pct(tc_x, st.tc), st.tc_kind[K_MASQ], st.tc_kind[K_SNAT],
	       st.tc_kind[K_TC_ICMP], st.tc_gw_xlate);
	printf("  frames the oracle required delivered: %lu; rewritten frames whose checksums "
	       "were compared: %lu\n", st.must_deliver, st.csum_checked);
	printf("  hostile frames: XDP to a LAN or transit address %lu, from a martian or "
	       "spoofed source %lu, invalid TCP flags %lu, unreadable %lu; TC unreadable %lu\n",
	       st.h_dest, st.h_src, st.h_flags, st.h_unread_xdp, st.h_unread_tc);
	printf("  TC frames test_run cannot take (IPv4/IPv6 type, shorter than its header): %lu; "
	       "data plane clock behind ours by at most %llu ms\n", st.tc_unrunnable,
	       (unsigned long long)clock_lag_max / 1000000);
	printf("  LAN XDP (mxgw_lan_in): %lu frames, %lu redirected to the WAN (%lu of them "
	       "IPv6), each compared with what TC makes of it\n", st.lan, st.lan_redirect,
	       st.lan_redirect6);
	printf("  IPv6: %lu XDP frames: DROP %lu, PASS %lu (%lu of them forwarded by the "
	       "kernel), REDIRECT %lu; to the LAN dropped %lu; crafted replies %lu\n",
	       st6.xdp, st6.xdp_verdict[XDP_DROP], st6.xdp_verdict[XDP_PASS], st6.kernel,
	       st6.xdp_verdict[XDP_REDIRECT], st6.to_lan_dropped, st6.replies);
	printf("  IPv6: %lu TC frames: OK %lu, SHOT %lu; %lu frames with extension headers; "
	       "%lu the oracle required delivered\n", st6.tc, st6.tc_verdict[TC_ACT_OK],
	       st6.tc_verdict[TC_ACT_SHOT], st6.exts, st6.must);
	printf("  IPv6 hostile frames: XDP to the LAN with a martian or spoofed source or "
	       "headers mxgw cannot walk %lu, to a transit destination %lu, unreadable %lu; "
	       "TC unreadable %lu, from the LAN unparsed %lu\n", st6.h_lan, st6.h_dest,
	       st6.h_unread_xdp, st6.h_unread_tc, st6.h_unparsed_tc);
	if (!mxgw_maps_read_counters(&tb.maps, counters)) {
		printf("  data plane counters:");
		for (int c = 0, col = 0; c < MXGW_COUNTER_MAX; c++) {
			if (!counters[c])
				continue;
			printf("%s%s %llu", col++ % 4 ? ", " : "\n    ", mxgw_counter_name(c),
			       (unsigned long long)counters[c]);
		}
		printf("\n");
	}
	if (!mxgw_maps_read_counters_family(&tb.maps, MXGW_FAM_IPV6, counters)) {
		printf("  data plane counters, IPv6:");
		for (int c = 0, col = 0; c < MXGW_COUNTER_MAX; c++) {
			if (!counters[c])
				continue;
			printf("%s%s %llu", col++ % 4 ? ", " : "\n    ", mxgw_counter_name(c),
			       (unsigned long long)counters[c]);
		}
		printf("\n");
	}
	fflush(stdout);
}

/* @v6: the share of IPv6 frames, in per cent */
static void fuzz(const char *name, const char *conf, __u64 seed, unsigned long n,
		 unsigned int v6)
{
	struct timespec t0, t1;
	struct frame f;
	double secs;

	memset(&st, 0, sizeof(st));
	memset(&st6, 0, sizeof(st6));
	nflows6 = nsvcflows6 = 0;
	memset(classes, 0, sizeof(classes));
	nclasses = 0;
	nviolations = 0;
	nflows = nsvcflows = 0;
	restore_at = tx_back_at = 0;
	clock_lag_max = 0;
	rng = seed;
	max_examples = env_ul("MXGW_FUZZ_EXAMPLES", 3);
	printf("fuzz %s: seed %#llx, %lu frames (MXGW_FUZZ_SEED, MXGW_FUZZ_ITERATIONS)\n",
	       name, (unsigned long long)seed, n);
	fflush(stdout);
	tb_reset(&tb, conf);
	tb_allow_redirect(&tb, "lan0");
	/* the LAN's fast path sends to the WAN (issue 14) */
	tb_allow_redirect(&tb, "wan0");
	fuzz_routes();
	wan_ifindex = tb_ifindex("wan0");
	lan_ifindex = tb_ifindex("lan0");
	oracle_load();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long it = 0; it < n; it++) {
		cur.iter = it;
		disturb(it);
		if (chance(v6)) {
			if (chance(50)) {
				gen_egress6(&f);
				run_egress_frame(f.b, f.len);
			} else {
				gen_ingress6(&f);
				run_xdp_frame(f.b, f.len);
			}
		} else if (chance(50)) {
			gen_egress(&f);
			run_egress_frame(f.b, f.len);
		} else {
			gen_ingress(&f);
			run_xdp_frame(f.b, f.len);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	report(name, seed, n, secs);
	if (clock_lag_max > CLOCK_LAG_MAX_NS) {
		cur.ex = NULL;
		cur.in = NULL;
		violation("4: the data plane clock stopped (entries would never expire)",
			  "behind by %llu ms", (unsigned long long)clock_lag_max / 1000000);
	}
	if (!nviolations)
		return;
	fprintf(stderr, "fuzz %s: %lu violations (seed %#llx):\n", name, nviolations,
		(unsigned long long)seed);
	for (int i = 0; i < nclasses; i++)
		fprintf(stderr, "  %6lu  %s\n", classes[i].count, classes[i].name);
	fail_msg("fuzz %s: %lu violations in %d classes, seed %#llx (first frames above)",
		 name, nviolations, nclasses, (unsigned long long)seed);
}

/* The configs with mailserver6 (its prefix, lan6, found on lan0) */
static const char *with_mailserver6(const char *conf)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%smailserver6 " TB_MAILSERVER6 "\n", conf);
	return buf;
}

static void test_fuzz_shipped_table(void **state)
{
	(void)state;
	fuzz("shipped table", with_mailserver6(tb_shipped_conf()),
	     env_ul("MXGW_FUZZ_SEED", FUZZ_SEED),
	     env_ul("MXGW_FUZZ_ITERATIONS", FUZZ_ITERATIONS), FUZZ_V6_SHARE);
}

/*
 * The other branches of the table: default allow, "from" (IPv4's and
 * IPv6's prefixes, and IPv4's alone), a UDP service allowed in, a service
 * inside nat-ports, a small NAT range, a small conntrack table and short
 * timeouts, so entries expire and are evicted while the run goes on.
 */
static const char other_conf[] =
	"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\nmailserver6 " TB_MAILSERVER6 "\n"
	"default allow\nicmp-echo deny\n"
	"nat-ports 40000-40200\nconntrack-max 1024\n"
	"timeout udp 2\ntimeout tcp-syn-sent 3\ntimeout icmp 2\ntimeout tcp-close 1\n"
	"service smtp 25/tcp allow allow\n"
	"service smtps 465 allow allow from 198.51.100.0/28,203.0.113.7,"
	"2001:db8:51::/56,2001:db8:51:8000::1\n"
	"service dns 53/tcp,udp allow deny\n"
	"service ntp 123/udp deny allow from " TB_CLIENT "\n"
	"service imap 143 deny deny\n"
	"service alt 40100/tcp,udp allow allow\n";

static void test_fuzz_other_table(void **state)
{
	unsigned long n = env_ul("MXGW_FUZZ_ITERATIONS", FUZZ_ITERATIONS) / 4;

	(void)state;
	fuzz("other table", other_conf, env_ul("MXGW_FUZZ_SEED", FUZZ_SEED) ^ 0x5a5a,
	     n ? n : 1, FUZZ_V6_SHARE);
}

/*
 * IPv6 alone, with what the IPv4 oracle does not model: "to gateway"
 * services (on the WAN device's IPv6 addresses, from with link-local),
 * a second lan6 prefix that is routed nowhere, icmp-echo allow.
 */
static const char v6_conf[] =
	"public " TB_PUBLIC "\nmailserver " TB_MAILSERVER "\nmailserver6 " TB_MAILSERVER6 "\n"
	"lan6 2001:db8:168::/64,2001:db8:170::/56\n"
	"timeout udp 2\ntimeout tcp-syn-sent 3\ntimeout icmp 2\n"
	"service smtp 25/tcp allow allow\n"
	"service submission 587 allow allow from 2001:db8:51::/49\n"
	"service imap 143 allow deny\n"
	"service dns 53/tcp,udp allow deny\n"
	"service https 443 allow allow\n"
	"service ssh 22 allow allow from 2001:db8:51::/48,fe80::/10 to gateway\n"
	"service wg 51820/udp deny allow from 2001:db8:51::25 to gateway\n";

static void test_fuzz_ipv6_table(void **state)
{
	unsigned long n = env_ul("MXGW_FUZZ_ITERATIONS", FUZZ_ITERATIONS) / 4;

	(void)state;
	fuzz("IPv6 table", v6_conf, env_ul("MXGW_FUZZ_SEED", FUZZ_SEED) ^ 0x6666,
	     n ? n : 1, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_shipped_table),
		cmocka_unit_test(test_fuzz_other_table),
		cmocka_unit_test(test_fuzz_ipv6_table),
	};

	return cmocka_run_group_tests_name("fuzz", tests, tb_group_setup, tb_group_teardown);
}
