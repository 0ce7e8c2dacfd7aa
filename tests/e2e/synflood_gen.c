// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A SYN flood generator for the e2e tests (tests/e2e/mail/
 * test_synflood_mail.sh): TCP SYNs with spoofed sources, IPv4 or IPv6, as
 * fast as one thread can hand them to the device, for a given time.
 *
 *   synflood_gen -i IFACE -s SRCMAC -m DSTMAC -d DADDR -p DPORT -t SECONDS
 *                [-r NET/LEN]... [-x ADDR]... [-f ADDR -F PERMILLE]
 *
 * The family is DADDR's: an IPv6 DADDR makes IPv6 SYNs, and then every
 * -r, -x and -f address must be IPv6 too.
 *
 * Sources: random addresses in the -r prefixes (default 198.51.100.0/24,
 * for IPv6 2001:db8:8000::/33: documentation space outside the test
 * beds' own prefixes), never one of the -x addresses; with -f, PERMILLE
 * of a thousand frames forge ADDR instead (a source the gateway has
 * verified).  Every bit of an IPv6 source past the prefix is random, the
 * /64 included: each frame's source is another /64, i.e. another source
 * to the gateway's verified map, which keys IPv6 by /64.  Source ports
 * and sequence numbers random; each SYN carries an MSS option, as a real
 * stack's does.
 *
 * Speed: the frames are built once, with valid IP and TCP checksums (for
 * IPv6 the TCP checksum over RFC 8200's pseudo-header), in
 * a ring of RING frames (65536 distinct spoofed flows; a challenge keeps
 * no state per flow, so their repetition changes nothing), and handed to
 * an AF_PACKET socket that bypasses the qdisc (PACKET_QDISC_BYPASS: no
 * queueing layer, straight to the driver's xmit) in sendmmsg batches of
 * BATCH: one system call per BATCH frames.
 *
 * SIGINT or SIGTERM ends it early, as the end of SECONDS does.
 * Prints one line: "sent N SYNs in T s: R/s (forged F of RING frames)".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RING		65536
#define BATCH		256
#define FRAME_LEN	(14 + 20 + 24)	/* Ethernet, IPv4, TCP with MSS */
#define FRAME6_LEN	(14 + 40 + 24)	/* Ethernet, IPv6, TCP with MSS */
#define MAX_NETS	16
#define MAX_EXCL	16

static uint8_t ring[RING][FRAME6_LEN];
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}
static uint64_t rng_state;

/* xorshift64*: fast, and good enough for spoofed addresses */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		      &mac[4], &mac[5]) == 6 ? 0 : -1;
}

/* The TCP SYN with its MSS option at @th, its checksum over @sum (the
 * pseudo-header's sum) */
static void build_tcp(uint8_t *th, uint32_t sum, uint16_t sport, uint16_t dport, uint32_t seq,
		      uint16_t mss)
{
	uint16_t c;

	th[0] = sport >> 8;
	th[1] = sport & 0xff;
	th[2] = dport >> 8;
	th[3] = dport & 0xff;
	th[4] = seq >> 24;
	th[5] = seq >> 16;
	th[6] = seq >> 8;
	th[7] = seq;
	th[12] = 6 << 4;		/* doff 6: the MSS option */
	th[13] = 0x02;			/* SYN */
	th[14] = 0xfa;			/* window 64240 */
	th[15] = 0xf0;
	th[20] = 2;			/* MSS */
	th[21] = 4;
	th[22] = mss >> 8;
	th[23] = mss & 0xff;
	c = csum_fold(csum_add(sum, th, 24));
	th[16] = c >> 8;
	th[17] = c & 0xff;
}

static void build(uint8_t *f, const uint8_t *smac, const uint8_t *dmac, uint32_t saddr,
		  uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t seq)
{
	uint8_t *ip = f + 14, *th = ip + 20;
	uint16_t c;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(ip, 0, 20 + 24);
	ip[0] = 0x45;
	ip[2] = 0;
	ip[3] = 44;			/* total length */
	ip[4] = (uint8_t)(seq >> 8);	/* id */
	ip[5] = (uint8_t)seq;
	ip[6] = 0x40;			/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	c = csum_fold(csum_add(0, ip, 20));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	/* pseudo header: addresses, protocol, TCP length */
	build_tcp(th, csum_add(0, ip + 12, 8) + IPPROTO_TCP + 24, sport, dport, seq, 1460);
}

static void build6(uint8_t *f, const uint8_t *smac, const uint8_t *dmac,
		   const struct in6_addr *saddr, const struct in6_addr *daddr, uint16_t sport,
		   uint16_t dport, uint32_t seq)
{
	uint8_t *ip = f + 14, *th = ip + 40;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(ip, 0, 40 + 24);
	ip[0] = 0x60;			/* version 6, no traffic class */
	ip[1] = (seq >> 16) & 0x0f;	/* a flow label, as a stack's */
	ip[2] = (uint8_t)(seq >> 8);
	ip[3] = (uint8_t)seq;
	ip[5] = 24;			/* payload length */
	ip[6] = IPPROTO_TCP;		/* next header */
	ip[7] = 64;			/* hop limit */
	memcpy(ip + 8, saddr, 16);
	memcpy(ip + 24, daddr, 16);
	/* RFC 8200 8.1's pseudo-header: addresses, upper-layer length, next header */
	build_tcp(th, csum_add(0, ip + 8, 32) + 24 + IPPROTO_TCP, sport, dport, seq, 1440);
}

static void usage(void)
{
	fprintf(stderr, "usage: synflood_gen -i IFACE -s SRCMAC -m DSTMAC -d DADDR -p DPORT "
			"-t SECONDS [-r NET/LEN]... [-x ADDR]... [-f ADDR -F PERMILLE]\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint32_t net[MAX_NETS], mask[MAX_NETS], excl[MAX_EXCL], daddr = 0, forge = 0;
	struct in6_addr net6[MAX_NETS], excl6[MAX_EXCL], daddr6, forge6;
	const char *nets[MAX_NETS], *excls[MAX_EXCL], *dstr = NULL, *fstr = NULL;
	unsigned int nnets = 0, nexcl = 0, permille = 0, forged = 0, len6[MAX_NETS];
	const char *ifname = NULL;
	uint8_t smac[6], dmac[6];
	int have_smac = 0, have_dmac = 0, opt, fd, one = 1, v6, frame_len;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	unsigned long long sent = 0;
	double secs = 0, t0, t1, end;
	uint16_t dport = 0;
	unsigned int pos = 0;

	while ((opt = getopt(argc, argv, "i:s:m:d:p:t:r:x:f:F:")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 's': have_smac = !parse_mac(optarg, smac); break;
		case 'm': have_dmac = !parse_mac(optarg, dmac); break;
		case 'd': dstr = optarg; break;
		case 'p': dport = (uint16_t)atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'r':
			if (nnets == MAX_NETS)
				usage();
			nets[nnets++] = optarg;
			break;
		case 'x':
			if (nexcl == MAX_EXCL)
				usage();
			excls[nexcl++] = optarg;
			break;
		case 'f': fstr = optarg; break;
		case 'F': permille = (unsigned int)atoi(optarg); break;
		default: usage();
		}
	}
	if (!ifname || !have_smac || !have_dmac || !dstr || !dport || secs <= 0 ||
	    permille > 1000 || (permille && !fstr))
		usage();
	/* the family is the destination's; every other address is of it */
	v6 = strchr(dstr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, dstr, v6 ? (void *)&daddr6 : (void *)&daddr) != 1)
		usage();
	if (fstr && inet_pton(v6 ? AF_INET6 : AF_INET, fstr, v6 ? (void *)&forge6 : (void *)&forge) != 1)
		usage();
	for (unsigned int x = 0; x < nexcl; x++)
		if (inet_pton(v6 ? AF_INET6 : AF_INET, excls[x], v6 ? (void *)&excl6[x] : (void *)&excl[x]) != 1)
			usage();
	for (unsigned int k = 0; k < nnets; k++) {
		char buf[INET6_ADDRSTRLEN + 4], *slash;
		struct in_addr a;
		int len;

		snprintf(buf, sizeof(buf), "%s", nets[k]);
		slash = strchr(buf, '/');
		if (!slash)
			usage();
		*slash = 0;
		len = atoi(slash + 1);
		if (v6) {
			/* at most /64: the /64 is what must vary */
			if (inet_pton(AF_INET6, buf, &net6[k]) != 1 || len < 16 || len > 64)
				usage();
			len6[k] = (unsigned int)len;
			continue;
		}
		if (inet_pton(AF_INET, buf, &a) != 1 || len < 8 || len > 32)
			usage();
		mask[k] = len == 32 ? 0xffffffffU : ~(0xffffffffU >> len);
		net[k] = ntohl(a.s_addr) & mask[k];
	}
	if (!nnets && !v6) {
		net[0] = 0xc6336400;	/* 198.51.100.0/24 */
		mask[0] = 0xffffff00;
		nnets = 1;
	} else if (!nnets) {
		inet_pton(AF_INET6, "2001:db8:8000::", &net6[0]);
		len6[0] = 33;
		nnets = 1;
	}
	frame_len = v6 ? FRAME6_LEN : FRAME_LEN;
	if (getrandom(&rng_state, sizeof(rng_state), 0) != sizeof(rng_state) || !rng_state)
		rng_state = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();

	for (unsigned int i = 0; i < RING; i++) {
		uint16_t sport = 1024 + rnd() % 64511;
		uint32_t seq = (uint32_t)rnd(), saddr;
		struct in6_addr saddr6;
		bool pick = permille && rnd() % 1000 < permille;
		int bad;

		forged += pick;
		if (v6) {
			do {
				unsigned int k = rnd() % nnets;
				uint64_t r[2] = { rnd(), rnd() };

				/* the prefix's bits, the rest random (the /64 too) */
				saddr6 = net6[k];
				for (unsigned int b = len6[k]; b < 128; b++) {
					uint8_t bit = 0x80 >> (b % 8);

					if (r[b / 64] >> (b % 64) & 1)
						saddr6.s6_addr[b / 8] |= bit;
					else
						saddr6.s6_addr[b / 8] &= (uint8_t)~bit;
				}
				bad = 0;
				for (unsigned int x = 0; x < nexcl; x++)
					bad |= !memcmp(&saddr6, &excl6[x], 16);
			} while (bad);
			build6(ring[i], smac, dmac, pick ? &forge6 : &saddr6, &daddr6, sport, dport,
			       seq);
			continue;
		}
		if (pick) {
			saddr = forge;
		} else {
			do {
				unsigned int k = rnd() % nnets;

				saddr = htonl(net[k] | ((uint32_t)rnd() & ~mask[k]));
				bad = (ntohl(saddr) & 0xff) == 0 || (ntohl(saddr) & 0xff) == 0xff;
				for (unsigned int x = 0; x < nexcl; x++)
					bad |= saddr == excl[x];
			} while (bad);
		}
		build(ring[i], smac, dmac, saddr, daddr, sport, dport, seq);
	}

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: sends only */
	if (fd < 0) {
		perror("synflood_gen: socket");
		return 1;
	}
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!ll.sll_ifindex) {
		fprintf(stderr, "synflood_gen: %s: no such interface\n", ifname);
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		perror("synflood_gen: bind");
		return 1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		perror("synflood_gen: PACKET_QDISC_BYPASS (going on through the qdisc)");

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_len = (size_t)frame_len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now_s();
	end = t0 + secs;
	for (unsigned long long rounds = 0;; rounds++) {
		int n;

		/* the clock read every 16 batches: 4096 frames */
		if (stop || (!(rounds & 15) && now_s() >= end))
			break;
		for (int i = 0; i < BATCH; i++)
			iov[i].iov_base = ring[(pos + i) % RING];
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			perror("synflood_gen: sendmmsg");
			return 1;
		}
		sent += (unsigned int)n;
		pos = (pos + (unsigned int)n) % RING;
	}
	t1 = now_s();
	printf("sent %llu SYNs in %.2f s: %.0f/s (forged %u of %u frames)\n", sent, t1 - t0,
	       sent / (t1 - t0), forged, RING);
	close(fd);
	return 0;
}
