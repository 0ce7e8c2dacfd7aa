#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: IPv6 attacks (issue 12) as crafted frames (python3-scapy,
# tests/e2e/hostile6.py) sent from the Internet namespace at the gateway's
# WAN MAC, through mxgw loaded with the shipped table and mailserver6 on
# the dual-stack topology of lib.sh, the XDP redirect fast path active.
# What is checked is what arrives: on the mail server's wire, on the
# gateway's own stack and back on the Internet side (capture.py), as
# test_hostile.sh does over IPv4: unsolicited traffic to the LAN,
# extension-header chains mxgw walks and those it does not, routing
# headers, fragments, spoofed and martian sources, invalid TCP flags and
# ICMPv6 errors; and that the link's own protocols, neighbour discovery,
# router advertisements and MLD, still reach the gateway.
#
# The frames go in one batch that ends with a marker frame that must
# arrive (a SYN to smtp, and its SYN-ACK back), and the captures are read
# once it has: a hostile frame sent before it and still missing by then
# was dropped.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and "N passed, N failed";
# exits 0 iff nothing failed, 77 when it cannot run here (a FAIL instead
# under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

C1=$E2E_CLIENT1_6
C2=$E2E_CLIENT2_6
MS=$E2E_MAILSERVER6
WAN6=$E2E_WAN6
ROUTER=$E2E_INET6
OTHER_LAN=2001:db8:168::20
CAP_MS=$E2E_TMP/cap_ms.log
CAP_INET=$E2E_TMP/cap_inet.log
DEADLINE=10		# seconds for the marker, and for the link's answers

e2e_scapy_python	# SCAPY_PY

# --- helpers --------------------------------------------------------------

seen() {
	grep -Eq "$2" "$1"
}

wait_seen() {
	local end=$((SECONDS + DEADLINE))
	while [ $SECONDS -lt $end ]; do
		seen "$1" "$2" && return 0
		sleep 0.05
	done
	seen "$1" "$2"
}

# send NAME...: the frames, in order, then the marker; returns once the
# marker reached the mail server and its SYN-ACK came back.
send() {
	: >"$CAP_MS"
	: >"$CAP_INET"
	ns_exec "$NS_INET" "$SCAPY_PY" "$E2E_DIR/hostile6.py" --iface eth0 --gw-mac "$GW_MAC" \
		--wan6 "$WAN6" --mailserver6 "$MS" --client "$C1" --client2 "$C2" \
		--router "$ROUTER" --other-lan "$OTHER_LAN" "$@" marker \
		>>"$E2E_TMP/sent" 2>"$E2E_TMP/err" || {
		fail send "hostile6.py: $(tail -c 300 "$E2E_TMP/err")"
		return 1
	}
	if ! wait_seen "$CAP_MS" "^$C2 $MS 6 44999 25 02 "; then
		fail marker "the marker SYN [$C2]:44999 -> [$MS]:25 did not reach the mail server in ${DEADLINE}s"
		return 1
	fi
	if ! wait_seen "$CAP_INET" "^$MS $C2 6 25 44999 12 "; then
		fail marker "the mail server's SYN-ACK to the marker did not come back in ${DEADLINE}s"
		return 1
	fi
}

absent() {
	local lines
	lines=$(grep -E "$3" "$2" | head -3 | tr '\n' ';')
	if [ -z "$lines" ]; then
		ok "$1"
	else
		fail "$1" "$4: captured '$lines'"
	fi
}

present() {
	if seen "$2" "$3"; then
		ok "$1"
	else
		fail "$1" "$4"
	fi
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
e2e_topology6_up
ip -n "$NS_MS" -6 addr add "$OTHER_LAN/64" dev eth0 nodad ||
	e2e_cannot_run "cannot add $OTHER_LAN to the mail server"
# router advertisements reach the stack of a forwarding host with 2
ns_exec "$NS_GW" sysctl -qw net.ipv6.conf.wan0.accept_ra=2 ||
	e2e_cannot_run "cannot set accept_ra on wan0"
CONF=$E2E_TMP/mxgw.conf
{
	sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf"
	printf 'mailserver6\t%s\n' "$MS"
} >"$CONF"
# the fast path: GRO on the mail server's end lets lan0 take XDP frames
ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 ||
	e2e_cannot_run "ethtool -K eth0 gro on in the mail server failed"
e2e_neigh_resolved "$NS_GW" lan0 "$MS" ||
	e2e_cannot_run "the gateway did not resolve $MS on lan0 within 5 s"
mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err" ||
	e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/err")" load
XDP_FEATURES=1
grep -q "does not report xdp-features" "$E2E_TMP/err" && XDP_FEATURES=0
GW_MAC=$(ip -n "$NS_GW" -br link show wan0 | awk '{ print $3 }')
e2e_listener_start "$NS_MS" "$E2E_TMP/listener.log" 25 8080 ||
	e2e_cannot_run "the mail-server listener did not start"
e2e_server_start "$NS_MS" capture.py "$CAP_MS" --iface eth0 ||
	e2e_cannot_run "the capture on the mail server's wire did not start"
e2e_server_start "$NS_INET" capture.py "$CAP_INET" --iface eth0 ||
	e2e_cannot_run "the capture on the Internet's wire did not start"

# --- the attacks: one batch, the marker last ---------------------------------

frames=(to_lan_syn to_lan_udp to_lan_echo to_ms_unlisted
	ext_hbh ext_dstopt ext_srh_done ext_too_many ext_hbh_not_first ext_unknown
	rh0_segleft rh0_done rh4_segleft frag_first frag_later frag_atomic
	spoof_lan6 spoof_mailserver6 spoof_wan6
	martian_loopback martian_unspecified martian_multicast martian_v4mapped martian_linklocal
	flags_syn_fin flags_syn_rst flags_none flags_fin flags_xmas
	icmp_allowed icmp_no_flow icmp_lan_src)
send "${frames[@]}" || { e2e_summary; exit 1; }

# the marker took the fast path, so every frame before it had it open
if [ "$XDP_FEATURES" = 0 ]; then
	ok fast_path_active
else
	x=$(ns_exec "$NS_GW" ethtool -S lan0 2>/dev/null |
		awk '/tx_queue_[0-9]+_xdp_xmit:/ { s += $2 } END { print s + 0 }')
	if [ "${x:-0}" -gt 0 ]; then
		ok fast_path_active
	else
		fail fast_path_active "lan0 took no XDP frames (GRO on at the mail server)"
	fi
fi

# --- 1. straight to the LAN ----------------------------------------------------

absent to_lan_syn_not_on_lan_wire "$CAP_MS" " $OTHER_LAN 6 40001 25 " \
	"a SYN to [$OTHER_LAN]:25 reached the LAN"
absent to_lan_udp_not_on_lan_wire "$CAP_MS" "^$C1 $OTHER_LAN 17 40161 161 " \
	"UDP to [$OTHER_LAN]:161 reached the LAN"
absent to_lan_echo_not_on_lan_wire "$CAP_MS" "^$C1 $OTHER_LAN 58 0 0 - 128$" \
	"an echo request to $OTHER_LAN reached the LAN"
absent to_mailserver6_unlisted_port "$CAP_MS" "^$C1 $MS 6 40002 8080 " \
	"a SYN to [$MS]:8080 (unlisted, default deny) reached the mail server"

# --- 2. extension headers ---------------------------------------------------------

present ext_hop_by_hop_walked "$CAP_MS" "^$C1 $MS 6 40010 25 02 " \
	"a SYN to smtp behind a hop-by-hop header did not reach the mail server"
present ext_destination_options_walked "$CAP_MS" "^$C1 $MS 6 40011 25 02 " \
	"a SYN to smtp behind destination options did not reach the mail server"
present ext_routing_done_walked "$CAP_MS" "^$C1 $MS 6 40013 25 02 " \
	"a SYN to smtp behind a segment routing header with no segments left did not reach the mail server"
absent ext_too_many_dropped "$CAP_MS" "^$C1 $MS 6 40012 " \
	"seven destination options headers reached the mail server"
absent ext_hop_by_hop_not_first_dropped "$CAP_MS" "^$C1 $MS 6 40014 " \
	"a hop-by-hop header after another reached the mail server"
absent ext_unknown_dropped "$CAP_MS" "^$C1 $MS 135 " \
	"a mobility header reached the mail server"

# --- 3. routing headers -------------------------------------------------------------

absent rh0_segments_left_dropped "$CAP_MS" " 6 40020 25 " "routing header type 0 passed"
absent rh0_no_segments_left_dropped "$CAP_MS" " 6 40021 25 " \
	"routing header type 0 (no segments left) passed"
absent rh4_segments_left_dropped "$CAP_MS" " 6 40022 25 " \
	"a segment routing header with a segment left passed"

# --- 4. fragments ---------------------------------------------------------------------

absent frag_first_dropped "$CAP_MS" "^$C1 $MS 6 40030 " "a first fragment passed"
absent frag_later_dropped "$CAP_MS" "^$C1 $MS 44 " "a later fragment passed"
present frag_atomic_walked "$CAP_MS" "^$C1 $MS 6 40031 25 02 " \
	"an atomic fragment (offset 0, M 0) of a SYN to smtp did not reach the mail server"

# --- 5. spoofed and martian sources, invalid flags ---------------------------------

for p in 40040:spoof_lan6 40041:spoof_mailserver6 40042:spoof_wan6 \
	40050:martian_loopback 40051:martian_unspecified 40052:martian_multicast \
	40053:martian_v4mapped 40054:martian_linklocal; do
	absent "${p#*:}_not_on_lan_wire" "$CAP_MS" " $MS 6 ${p%%:*} 25 " \
		"the SYN of ${p#*:} reached the mail server"
done
i=1
for n in syn_fin syn_rst none fin xmas; do
	absent "flags_${n}_not_delivered" "$CAP_MS" "^$C1 $MS 6 4200$i 25 " \
		"flags '$n' to smtp reached the mail server"
	i=$((i + 1))
done

# --- 6. ICMPv6 errors -------------------------------------------------------------------

present icmp_error_of_allowed_connection_forwarded "$CAP_MS" "^$ROUTER $MS 58 0 0 - 3$" \
	"the time exceeded from $ROUTER about an smtp connection did not reach the mail server"
absent icmp_error_no_flow_dropped "$CAP_MS" "^$ROUTER $MS 58 0 0 - 1$" \
	"a destination unreachable about [$MS]:8080 (not let in) reached the mail server"
absent icmp_error_lan_source_dropped "$CAP_MS" "^2001:db8:168::50 $MS 58 " \
	"a time exceeded from a LAN address reached the mail server"

# --- 7. the link's own: neighbour discovery, router advertisement, MLD ---------------

: >"$CAP_INET"
ns_exec "$NS_INET" "$SCAPY_PY" "$E2E_DIR/hostile6.py" --iface eth0 --gw-mac "$GW_MAC" \
	--wan6 "$WAN6" --mailserver6 "$MS" --client "$C1" --client2 "$C2" \
	--router "$ROUTER" --other-lan "$OTHER_LAN" nd_ns ra mld_query \
	>>"$E2E_TMP/sent" 2>"$E2E_TMP/err" || fail send_link "hostile6.py: $(tail -c 300 "$E2E_TMP/err")"
if wait_seen "$CAP_INET" "^$WAN6 2001:db8:1::77 58 0 0 - 136$"; then
	ok neighbour_solicitation_answered
else
	fail neighbour_solicitation_answered "no neighbour advertisement of $WAN6 to 2001:db8:1::77 in ${DEADLINE}s"
fi
ra_route() {
	[ -n "$(ip -n "$NS_GW" -6 route show 2001:db8:99::/64 dev wan0 2>/dev/null)" ]
}
end=$((SECONDS + DEADLINE))
until ra_route || [ $SECONDS -ge $end ]; do
	sleep 0.05
done
if ra_route; then
	ok router_advertisement_reaches_the_gateway
else
	fail router_advertisement_reaches_the_gateway "no on-link route 2001:db8:99::/64 on wan0 from the advertisement's prefix in ${DEADLINE}s"
fi
if wait_seen "$CAP_INET" "^fe80::[0-9a-f:]+ ff02::16 58 0 0 - 143$"; then
	ok mld_query_answered
else
	fail mld_query_answered "no MLDv2 report from the gateway to ff02::16 in ${DEADLINE}s"
fi

e2e_summary
