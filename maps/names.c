// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The words mxctl prints for the ABI's enums, next to the enums' order. */
#include "maps.h"

const char *const mxgw_map_names[] = {
	MXGW_MAP_CONFIG,
	MXGW_MAP_PORTS,
	MXGW_MAP_SERVICES,
	MXGW_MAP_FROM,
	MXGW_MAP_SVC_STATS,
	MXGW_MAP_COUNTERS,
	MXGW_MAP_NEXTHOP,
	MXGW_MAP_TX_PORTS,
	MXGW_MAP_CT,
	MXGW_MAP_NAT,
	MXGW_MAP_CLOCK,
};
_Static_assert(sizeof(mxgw_map_names) / sizeof(mxgw_map_names[0]) == MXGW_MAP_COUNT,
	       "one pin name per map fd");

static const char *const counter_names[MXGW_COUNTER_MAX] = {
	[MXGW_DROP_SERVICE_DENY]	= "drop_service_deny",
	[MXGW_DROP_DEFAULT_DENY]	= "drop_default_deny",
	[MXGW_DROP_NOT_FROM]		= "drop_not_from",
	[MXGW_DROP_FRAGMENT]		= "drop_fragment",
	[MXGW_DROP_MALFORMED]		= "drop_malformed",
	[MXGW_DROP_ICMP_ECHO]		= "drop_icmp_echo",
	[MXGW_DROP_ICMP_NO_FLOW]	= "drop_icmp_no_flow",
	[MXGW_DROP_OTHER_PROTO]		= "drop_other_proto",
	[MXGW_DROP_OUT_SERVICE_DENY]	= "drop_out_service_deny",
	[MXGW_DROP_OUT_DEFAULT_DENY]	= "drop_out_default_deny",
	[MXGW_DROP_OUT_FRAGMENT]	= "drop_out_fragment",
	[MXGW_DROP_OUT_PROTO]		= "drop_out_proto",
	[MXGW_DROP_OUT_MALFORMED]	= "drop_out_malformed",
	[MXGW_DROP_NAT_FULL]		= "drop_nat_full",
	[MXGW_FWD_REDIRECT]		= "fwd_redirect",
	[MXGW_FWD_KERNEL_NO_NEIGH]	= "fwd_kernel_no_neigh",
	[MXGW_FWD_KERNEL_NO_XMIT]	= "fwd_kernel_no_xmit",
	[MXGW_FWD_KERNEL_TTL]		= "fwd_kernel_ttl",
	[MXGW_FWD_KERNEL_IP_OPTIONS]	= "fwd_kernel_ip_options",
	[MXGW_FWD_KERNEL_VLAN]		= "fwd_kernel_vlan",
	[MXGW_FWD_KERNEL_MTU]		= "fwd_kernel_mtu",
	[MXGW_FWD_KERNEL_NO_ROUTE]	= "fwd_kernel_no_route",
	[MXGW_FWD_KERNEL_OTHER_HOST]	= "fwd_kernel_other_host",
	[MXGW_FWD_KERNEL_ICMP]		= "fwd_kernel_icmp",
	[MXGW_FIB_REFRESH]		= "fib_refresh",
	[MXGW_CT_NEW]			= "ct_new",
	[MXGW_CT_REPLY]			= "ct_reply",
	[MXGW_CT_EXPIRED]		= "ct_expired",
	[MXGW_CT_EVICTED]		= "ct_evicted",
	[MXGW_CT_LOCAL_CLASH]		= "ct_local_clash",
	[MXGW_ICMP_XLATE_IN]		= "icmp_xlate_in",
	[MXGW_ICMP_XLATE_OUT]		= "icmp_xlate_out",
	[MXGW_PASS_NOT_FOR_US]		= "pass_not_for_us",
	[MXGW_PASS_NON_IPV4]		= "pass_non_ipv4",
	[MXGW_PASS_LOCAL]		= "pass_local",
	[MXGW_PASS_ICMP_ECHO]		= "pass_icmp_echo",
	[MXGW_PASS_OTHER_PROTO]		= "pass_other_proto",
	[MXGW_SNAT_REPLY]		= "snat_reply",
	[MXGW_SNAT_MASQ]		= "snat_masq",
};

const char *mxgw_counter_name(unsigned int counter)
{
	if (counter >= MXGW_COUNTER_MAX || !counter_names[counter])
		return "unknown";
	return counter_names[counter];
}
