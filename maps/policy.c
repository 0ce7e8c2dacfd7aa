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
		if (!svc->nfrom)
			return true;
		for (unsigned int k = 0; k < svc->nfrom; k++)
			if (mxgw_prefix_contains(&svc->from[k], remote))
				return true;
		return false;
	}
	return false;
}
