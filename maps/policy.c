// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The desired state's defaults and lookups (see policy.h). */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "policy.h"

const __u32 mxgw_ct_default_timeouts_s[MXGW_CT_STATE_MAX] = {
#define MXGW_CT_STATE_TIMEOUT(NAME, word, seconds, sysctl)	[MXGW_CT_##NAME] = seconds,
	MXGW_CT_STATES(MXGW_CT_STATE_TIMEOUT)
#undef MXGW_CT_STATE_TIMEOUT
};
_Static_assert(sizeof(mxgw_ct_default_timeouts_s) ==
	       sizeof(((struct mxgw_policy *)0)->timeout_s),
	       "one default per timeout");

void mxgw_policy_init(struct mxgw_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->default_verdict = MXGW_DENY;
	pol->icmp_echo = MXGW_ALLOW;
	pol->nat_port_min = MXGW_POLICY_NAT_PORT_MIN;
	pol->nat_port_max = MXGW_POLICY_NAT_PORT_MAX;
	pol->conntrack_max = MXGW_POLICY_CONNTRACK_MAX;
	memcpy(pol->timeout_s, mxgw_ct_default_timeouts_s, sizeof(pol->timeout_s));
	pol->log_rate = MXGW_POLICY_LOG_RATE;
	pol->xdp_attach = MXGW_XDP_ATTACH_DISPATCHER;
	pol->xdp_priority = MXGW_POLICY_XDP_PRIORITY;
}

const struct mxgw_policy_service *
mxgw_policy_find_service(const struct mxgw_policy *pol, const char *name)
{
	if (!pol || !name)
		return NULL;
	for (unsigned int i = 0; i < pol->nservices; i++)
		if (!strcmp(pol->services[i].name, name))
			return &pol->services[i];
	return NULL;
}

__be32 mxgw_prefix_mask(unsigned int len)
{
	/* A shift by 32 is undefined, so /0 is spelled out. */
	return len ? htonl(~0u << (32 - len)) : 0;
}

bool mxgw_prefix_contains(const struct mxgw_prefix *pfx, __be32 addr)
{
	return (addr & mxgw_prefix_mask(pfx->len)) == pfx->addr;
}

bool mxgw_policy_lets_in_to_gateway(const struct mxgw_policy *pol, __u8 proto,
				    __u16 port, __be32 remote)
{
	__u8 bit;

	if (!pol)
		return false;
	if (proto == IPPROTO_TCP)
		bit = MXGW_PROTO_BIT(MXGW_PROTO_TCP);
	else if (proto == IPPROTO_UDP)
		bit = MXGW_PROTO_BIT(MXGW_PROTO_UDP);
	else
		return false;
	for (unsigned int i = 0; i < pol->nservices; i++) {
		const struct mxgw_policy_service *svc = &pol->services[i];

		/* a (port, protocol) belongs to one service at most */
		if (svc->port != port || !(svc->protos & bit))
			continue;
		if (!svc->to_gateway || svc->verdict[MXGW_DIR_IN] != MXGW_ALLOW)
			return false;
		/* IPv6 prefixes alone let no IPv4 remote in */
		if (!mxgw_policy_service_has_from(svc))
			return true;
		for (unsigned int k = 0; k < svc->nfrom; k++)
			if (mxgw_prefix_contains(&svc->from[k], remote))
				return true;
		return false;
	}
	return false;
}

struct mxgw_in6 mxgw_prefix6_mask(unsigned int len)
{
	struct mxgw_in6 m = { { 0 } };

	if (len > 128)
		len = 128;
	for (unsigned int w = 0; w < 4; w++) {
		unsigned int bits = len > 32 * w ? len - 32 * w : 0;

		m.a[w] = mxgw_prefix_mask(bits > 32 ? 32 : bits);
	}
	return m;
}

bool mxgw_in6_eq(const struct mxgw_in6 *a, const struct mxgw_in6 *b)
{
	return !memcmp(a, b, sizeof(*a));
}

struct mxgw_in6 mxgw_in6_and(const struct mxgw_in6 *a, const struct mxgw_in6 *mask)
{
	struct mxgw_in6 r;

	for (unsigned int w = 0; w < 4; w++)
		r.a[w] = a->a[w] & mask->a[w];
	return r;
}

struct mxgw_prefix6 mxgw_prefix6_of(const struct mxgw_cidr6 *c)
{
	struct mxgw_prefix6 p;

	p.mask = mxgw_prefix6_mask(c->len);
	p.net = mxgw_in6_and(&c->addr, &p.mask);
	return p;
}

bool mxgw_prefix6_contains(const struct mxgw_prefix6 *p, const struct mxgw_in6 *addr)
{
	struct mxgw_in6 net = mxgw_in6_and(addr, &p->mask);

	return mxgw_in6_eq(&net, &p->net);
}

bool mxgw_cidr6_contains(const struct mxgw_cidr6 *c, const struct mxgw_in6 *addr)
{
	struct mxgw_prefix6 p = mxgw_prefix6_of(c);

	return mxgw_prefix6_contains(&p, addr);
}

bool mxgw_cidr6_overlap(const struct mxgw_cidr6 *a, const struct mxgw_cidr6 *b)
{
	/* two prefixes overlap exactly when the shorter holds the other */
	return a->len <= b->len ? mxgw_cidr6_contains(a, &b->addr) :
				  mxgw_cidr6_contains(b, &a->addr);
}

bool mxgw_policy_lets_in_to_gateway6(const struct mxgw_policy *pol, __u8 proto,
				     __u16 port, const struct mxgw_in6 *remote)
{
	__u8 bit;

	if (!pol)
		return false;
	if (proto == IPPROTO_TCP)
		bit = MXGW_PROTO_BIT(MXGW_PROTO_TCP);
	else if (proto == IPPROTO_UDP)
		bit = MXGW_PROTO_BIT(MXGW_PROTO_UDP);
	else
		return true;
	for (unsigned int i = 0; i < pol->nservices; i++) {
		const struct mxgw_policy_service *svc = &pol->services[i];

		/* a (port, protocol) belongs to one service at most */
		if (svc->port != port || !(svc->protos & bit))
			continue;
		if (!svc->to_gateway)
			return true;
		if (svc->verdict[MXGW_DIR_IN] != MXGW_ALLOW)
			return false;
		/* IPv4 prefixes alone let no IPv6 remote in */
		if (!mxgw_policy_service_has_from(svc))
			return true;
		for (unsigned int k = 0; k < svc->nfrom6; k++)
			if (mxgw_cidr6_contains(&svc->from6[k], remote))
				return true;
		return false;
	}
	return true;
}
