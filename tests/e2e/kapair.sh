# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A pair of mxgw gateways under keepalived, as tests/e2e/test_keepalived.sh
# (python stand-in servers) and the mail bed's pair topology
# (tests/e2e/mail/bed-up.sh with MXGW_BED_PAIR=1, real servers) both build
# it.  Source after tests/e2e/lib.sh.
#
#   $KP_INET  eth0 203.0.113.1/24: the Internet host
#   $KP_A     gateway A (priority 150): wan0 203.0.113.2, lan0 192.168.1.2
#   $KP_B     gateway B (priority 100): wan0 203.0.113.3, lan0 192.168.1.3
#   $KP_MS    the mail server 192.168.1.10, default via 192.168.1.1
#   $KP_SW    the two links: bridges brwan and brlan, a veth port each
# keepalived in A and B moves 203.0.113.33/24 (the public address) on wan0
# and 192.168.1.1/24 on lan0 together (the shipped example's sync group).
# The caller sets the KP_* namespace names.

KP_WAN_A=203.0.113.2
KP_WAN_B=203.0.113.3
KP_LAN_A=192.168.1.2
KP_LAN_B=192.168.1.3

# kapair_port NS DEV BRIDGE SWDEV: DEV in NS, its peer SWDEV a port of
# BRIDGE in $KP_SW
kapair_port() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$KP_SW" &&
		ip -n "$KP_SW" link set "$4" master "$3" &&
		ip -n "$KP_SW" link set "$4" up &&
		ip -n "$1" link set lo up && ip -n "$1" link set "$2" up
}

# kapair_topology: the links and the IPv4 addresses of the five
# namespaces (which exist); the gateways forward, neither has the two
# moving addresses yet.  Errors on stderr; 1 on the first failure.
kapair_topology() {
	ip -n "$KP_SW" link add brwan type bridge &&
	ip -n "$KP_SW" link add brlan type bridge &&
	ip -n "$KP_SW" link set brwan up && ip -n "$KP_SW" link set brlan up &&
	kapair_port "$KP_INET" eth0 brwan inet &&
	kapair_port "$KP_A" wan0 brwan wa && kapair_port "$KP_B" wan0 brwan wb &&
	kapair_port "$KP_A" lan0 brlan la && kapair_port "$KP_B" lan0 brlan lb &&
	kapair_port "$KP_MS" eth0 brlan ms &&
	ip -n "$KP_INET" addr add "$E2E_INET_ADDR/24" dev eth0 &&
	ip -n "$KP_INET" addr add "$E2E_CLIENT1/32" dev eth0 &&
	ip -n "$KP_A" addr add "$KP_WAN_A/24" dev wan0 &&
	ip -n "$KP_A" addr add "$KP_LAN_A/24" dev lan0 &&
	ip -n "$KP_B" addr add "$KP_WAN_B/24" dev wan0 &&
	ip -n "$KP_B" addr add "$KP_LAN_B/24" dev lan0 &&
	ip -n "$KP_MS" addr add "$E2E_MAILSERVER/24" dev eth0 &&
	ip -n "$KP_A" route add 198.51.100.0/24 via "$E2E_INET_ADDR" &&
	ip -n "$KP_B" route add 198.51.100.0/24 via "$E2E_INET_ADDR" &&
	ip -n "$KP_MS" route add default via "$E2E_LAN_GW" &&
	nsenter --net="/run/netns/$KP_A" -- sysctl -qw net.ipv4.ip_forward=1 &&
	nsenter --net="/run/netns/$KP_B" -- sysctl -qw net.ipv4.ip_forward=1 &&
	nsenter --net="/run/netns/$KP_INET" -- ethtool -K eth0 tx off >/dev/null &&
	nsenter --net="/run/netns/$KP_MS" -- ethtool -K eth0 tx off >/dev/null
}

# kapair_xdp_pass: XDP_PASS on the bridge's end of each gateway's veth: a
# frame mxgw redirects (XDP) into a veth reaches its peer only if that end
# has an XDP program (or GRO, which here merged frames into super-packets
# the bridge then forwarded with bad checksums to the hosts).  1 on failure.
kapair_xdp_pass() {
	local p
	for p in wa wb la lb; do
		e2e_xdp_pass "$KP_SW" "$p" || return 1
	done
}

# kapair_configs DIR PUB: the shipped example (etc/keepalived/) for A
# and B, as DIR/A.conf and DIR/B.conf, with PUB for its public address,
# the hook installed as DIR/mxgw-notify (DIR: a directory only root
# writes, enable_script_security) and DIR/X.peer as the file X's hook
# imports.  1 if the sed found nothing to change.
kapair_configs() {
	local dir=$1 pub=$2 x prio
	install -m 0755 "$E2E_ROOT/etc/keepalived/mxgw-notify" "$dir/mxgw-notify" || return 1
	for x in A B; do
		prio=150
		[ "$x" = B ] && prio=100
		sed -e "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$pub/" \
			-e "s|/etc/keepalived/mxgw-notify|$dir/mxgw-notify|" \
			-e "s|/var/lib/mxgw/conntrack.peer|$dir/$x.peer|" \
			-e "s/router_id mxgw-a/router_id mxgw-${x,,}/" \
			-e "s/priority 150/priority $prio/" \
			"$E2E_ROOT/etc/keepalived/keepalived.conf" >"$dir/$x.conf" || return 1
	done
	grep -q "$pub/24 dev wan0" "$dir/A.conf" && grep -q "priority 100" "$dir/B.conf" &&
		grep -q "$dir/mxgw-notify --import $dir/B.peer wan0 lan0" "$dir/B.conf"
}

# kapair_has_addr NS DEV ADDR: ADDR is on DEV in NS
kapair_has_addr() {
	[ -n "$(ip -n "$1" -4 addr show dev "$2" to "$3/32" 2>/dev/null)" ]
}

# kapair_owner_of DEV ADDR: "A", "B", "none" or "A+B"
kapair_owner_of() {
	local o=
	kapair_has_addr "$KP_A" "$1" "$2" && o=A
	kapair_has_addr "$KP_B" "$1" "$2" && o=${o:+$o+}B
	echo "${o:-none}"
}

# kapair_owners: "WAN_OWNER LAN_OWNER" of the public and LAN gateway
# addresses
kapair_owners() {
	echo "$(kapair_owner_of wan0 "$E2E_PUBLIC") $(kapair_owner_of lan0 "$E2E_LAN_GW")"
}

# kapair_wait_owners WANT DEADLINE_S: both addresses on WANT's gateway alone
kapair_wait_owners() {
	local want=$1 i
	for ((i = 0; i < $2 * 20; i++)); do
		[ "$(kapair_owners)" = "$want $want" ] && return 0
		sleep 0.05
	done
	return 1
}

# kapair_wait_holds X DEADLINE_S: both addresses on X's gateway (a master
# killed silently keeps them on its own: the gratuitous ARPs of the new
# one decide where the links send)
kapair_wait_holds() {
	local i o
	for ((i = 0; i < $2 * 20; i++)); do
		o=$(kapair_owners)
		[[ ${o% *} == *$1* && ${o#* } == *$1* ]] && return 0
		sleep 0.05
	done
	return 1
}

# kapair_ka_kill PARENT CHILD: keepalived dies without a word: both its
# processes stopped, then killed (killed one at a time, the VRRP child
# would get its parent's death as a SIGTERM and leave cleanly, priority 0
# advert and all; the parent would restart a lone child)
kapair_ka_kill() {
	kill -STOP "$1" ${2:+"$2"} 2>/dev/null
	kill -KILL "$1" ${2:+"$2"} 2>/dev/null
}
