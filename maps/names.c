// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The words mxctl prints for the ABI's enums, next to the enums' order. */
#include "maps.h"
#include "names.h"

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
	MXGW_MAP_EVENTS,
	MXGW_MAP_LOG_BUCKET,
	MXGW_MAP_LOG_LEASE,
};
_Static_assert(sizeof(mxgw_map_names) / sizeof(mxgw_map_names[0]) == MXGW_MAP_COUNT,
	       "one pin name per map fd");

/* The name of each counter and what it counts, as the man page says it. */
static const struct {
	const char *name;
	const char *help;
} counters[MXGW_COUNTER_MAX] = {
	[MXGW_DROP_SERVICE_DENY] = { "drop_service_deny",
		"listed service, incoming deny" },
	[MXGW_DROP_DEFAULT_DENY] = { "drop_default_deny",
		"unlisted port, no tracked flow, default deny" },
	[MXGW_DROP_NOT_FROM] = { "drop_not_from",
		"source outside the service's \"from\"" },
	[MXGW_DROP_FRAGMENT] = { "drop_fragment",
		"IP fragment to the public address" },
	[MXGW_DROP_MALFORMED] = { "drop_malformed",
		"bad IHL, total length, truncated L4" },
	[MXGW_DROP_ICMP_ECHO] = { "drop_icmp_echo",
		"echo request, icmp-echo deny" },
	[MXGW_DROP_ICMP_NO_FLOW] = { "drop_icmp_no_flow",
		"ICMP reply or error that matches no flow" },
	[MXGW_DROP_OTHER_PROTO] = { "drop_other_proto",
		"neither TCP, UDP nor ICMP, default deny" },
	[MXGW_DROP_SPOOFED] = { "drop_spoofed",
		"from a LAN address, or the WAN device's own, on the WAN" },
	[MXGW_DROP_MARTIAN] = { "drop_martian",
		"from 0/8, 127/8, 224/4, 240/4 or a WAN broadcast address" },
	[MXGW_DROP_TCP_FLAGS] = { "drop_tcp_flags",
		"TCP flag combination netfilter calls invalid" },
	[MXGW_DROP_VLAN_DEPTH] = { "drop_vlan_depth",
		"more VLAN tags than mxgw parses (2)" },
	[MXGW_DROP_TO_LAN] = { "drop_to_lan",
		"addressed to a LAN address instead of the public one" },
	[MXGW_DROP_TRANSIT] = { "drop_transit",
		"addressed to one the kernel would forward elsewhere" },
	[MXGW_DROP_OUT_SERVICE_DENY] = { "drop_out_service_deny",
		"listed service, outgoing deny" },
	[MXGW_DROP_OUT_DEFAULT_DENY] = { "drop_out_default_deny",
		"unlisted port, default deny" },
	[MXGW_DROP_OUT_FRAGMENT] = { "drop_out_fragment",
		"fragment from the LAN: no ports to map" },
	[MXGW_DROP_OUT_PROTO] = { "drop_out_proto",
		"from the LAN, neither TCP, UDP nor ICMP echo" },
	[MXGW_DROP_OUT_MALFORMED] = { "drop_out_malformed",
		"from the LAN, headers that cannot be translated" },
	[MXGW_DROP_NAT_FULL] = { "drop_nat_full",
		"no free public port for a new flow" },
	[MXGW_DROP_OUT_NO_FLOW] = { "drop_out_no_flow",
		"TCP from the LAN, no flow, not a SYN" },
	[MXGW_DROP_OUT_VLAN_DEPTH] = { "drop_out_vlan_depth",
		"more VLAN tags than mxgw parses (2)" },
	[MXGW_DROP_OUT_WRITE] = { "drop_out_write",
		"bpf_skb_pull_data or bpf_skb_store_bytes failed" },
	[MXGW_DROP_OUT_CSUM] = { "drop_out_csum",
		"bpf_l3/l4_csum_replace failed" },
	[MXGW_FWD_REDIRECT] = { "fwd_redirect",
		"XDP fast path: redirected to the LAN device" },
	[MXGW_FWD_KERNEL_NO_NEIGH] = { "fwd_kernel_no_neigh",
		"kernel path: next hop unresolved" },
	[MXGW_FWD_KERNEL_NO_XMIT] = { "fwd_kernel_no_xmit",
		"kernel path: LAN device takes no XDP frames" },
	[MXGW_FWD_KERNEL_TTL] = { "fwd_kernel_ttl",
		"kernel path: TTL <= 1 (kernel sends ICMP)" },
	[MXGW_FWD_KERNEL_IP_OPTIONS] = { "fwd_kernel_ip_options",
		"kernel path: IP options" },
	[MXGW_FWD_KERNEL_VLAN] = { "fwd_kernel_vlan",
		"kernel path: VLAN-tagged on the WAN" },
	[MXGW_FWD_KERNEL_MTU] = { "fwd_kernel_mtu",
		"kernel path: larger than the LAN MTU" },
	[MXGW_FWD_KERNEL_NO_ROUTE] = { "fwd_kernel_no_route",
		"kernel path: fib lookup failed otherwise" },
	[MXGW_FWD_KERNEL_OTHER_HOST] = { "fwd_kernel_other_host",
		"kernel path: a LAN host other than the mail server" },
	[MXGW_FWD_KERNEL_ICMP] = { "fwd_kernel_icmp",
		"kernel path: translated ICMP error" },
	[MXGW_FIB_REFRESH] = { "fib_refresh",
		"next-hop cache refreshes (bpf_fib_lookup calls)" },
	[MXGW_CT_NEW] = { "ct_new",
		"flows created on egress" },
	[MXGW_CT_REPLY] = { "ct_reply",
		"replies translated back to the LAN" },
	[MXGW_CT_EXPIRED] = { "ct_expired",
		"entries found past their timeout" },
	[MXGW_CT_EVICTED] = { "ct_evicted",
		"live mappings whose entry LRU eviction took" },
	[MXGW_CT_LOCAL_CLASH] = { "ct_local_clash",
		"gateway flow on a port a mapping holds" },
	[MXGW_ICMP_XLATE_IN] = { "icmp_xlate_in",
		"ICMP errors translated towards the LAN" },
	[MXGW_ICMP_XLATE_OUT] = { "icmp_xlate_out",
		"ICMP errors translated towards the Internet" },
	[MXGW_PASS_NOT_FOR_US] = { "pass_not_for_us",
		"to another WAN address, broadcast, multicast, or kept by the kernel" },
	[MXGW_PASS_NON_IPV4] = { "pass_non_ipv4",
		"ARP, IPv6 (not filtered yet), ..." },
	[MXGW_PASS_LOCAL] = { "pass_local",
		"reply to the gateway's own flow" },
	[MXGW_PASS_ICMP_ECHO] = { "pass_icmp_echo",
		"echo request to the gateway, icmp-echo allow" },
	[MXGW_PASS_OTHER_PROTO] = { "pass_other_proto",
		"other protocols to the gateway, default allow" },
	[MXGW_PASS_GATEWAY_SERVICE] = { "pass_gateway_service",
		"to a \"to gateway\" service, let in" },
	[MXGW_SNAT_REPLY] = { "snat_reply",
		"mail server's service reply, source -> public" },
	[MXGW_SNAT_MASQ] = { "snat_masq",
		"masqueraded packet of a LAN flow" },
	[MXGW_IN_NEW] = { "in_new",
		"event only: a new TCP connection let in" },
	[MXGW_LOG_EVENTS] = { "log_events",
		"events written to the log ring buffer" },
	[MXGW_LOG_RATE_LIMITED] = { "log_rate_limited",
		"events over log-rate, not written" },
	[MXGW_LOG_BUFFER_FULL] = { "log_buffer_full",
		"events lost: nobody reading, buffer full" },
	[MXGW_CLOCK_REARMED] = { "clock_rearmed",
		"the clock's timer found stopped and restarted" },
};

const char *mxgw_counter_name(unsigned int counter)
{
	if (counter >= MXGW_COUNTER_MAX || !counters[counter].name)
		return "unknown";
	return counters[counter].name;
}

const char *mxgw_counter_help(unsigned int counter)
{
	if (counter >= MXGW_COUNTER_MAX || !counters[counter].help)
		return "";
	return counters[counter].help;
}

const char *const mxgw_ct_state_names[MXGW_CT_STATE_MAX] = {
	[MXGW_CT_TCP_SYN_SENT]		= "tcp-syn-sent",
	[MXGW_CT_TCP_SYN_RECV]		= "tcp-syn-recv",
	[MXGW_CT_TCP_ESTABLISHED]	= "tcp-established",
	[MXGW_CT_TCP_FIN_WAIT]		= "tcp-fin-wait",
	[MXGW_CT_TCP_CLOSE_WAIT]	= "tcp-close-wait",
	[MXGW_CT_TCP_LAST_ACK]		= "tcp-last-ack",
	[MXGW_CT_TCP_TIME_WAIT]		= "tcp-time-wait",
	[MXGW_CT_TCP_CLOSE]		= "tcp-close",
	[MXGW_CT_UDP]			= "udp",
	[MXGW_CT_UDP_STREAM]		= "udp-stream",
	[MXGW_CT_ICMP]			= "icmp",
};

const char *mxgw_verdict_str(int verdict)
{
	switch (verdict) {
	case MXGW_ALLOW:
		return "allow";
	case MXGW_DENY:
		return "deny";
	default:
		return "?";
	}
}

const char *mxgw_protos_str(__u8 protos)
{
	switch (protos) {
	case MXGW_PROTO_BIT(MXGW_PROTO_TCP):
		return "tcp";
	case MXGW_PROTO_BIT(MXGW_PROTO_UDP):
		return "udp";
	case MXGW_PROTO_BIT(MXGW_PROTO_TCP) | MXGW_PROTO_BIT(MXGW_PROTO_UDP):
		return "tcp,udp";
	default:
		return "?";
	}
}
