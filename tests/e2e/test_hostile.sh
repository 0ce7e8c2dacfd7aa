#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: the attacks of issue 10 ("Data plane: nothing from the WAN
# reaches what the table forbids"), as crafted frames (python3-scapy,
# tests/e2e/hostile.py) sent from the Internet namespace at the gateway's
# WAN MAC, through mxgw loaded with the shipped table and the XDP redirect
# fast path active (the topology is in lib.sh).  What is checked is what
# arrives: on the mail server's wire, and back on the Internet side
# (tests/e2e/capture.py), and the counters that name each drop.
#
# Absence needs a moment to be sure of: the frames go in one batch that
# ends with a marker frame that must arrive (a SYN to smtp, and its
# SYN-ACK back), and the captures are read once it has.  A hostile frame
# sent before it and still missing by then was dropped.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and "N passed, N failed";
# exits 0 iff nothing failed, 77 when it cannot run here (a FAIL instead
# under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

C1=$E2E_CLIENT1
C2=$E2E_CLIENT2
MS=$E2E_MAILSERVER
PUB=$E2E_PUBLIC
ATT=198.51.100.66	# an attacker's address no namespace has: nothing answers for it
WAN_BCAST=203.0.113.255
GW_PORT=2222		# the gateway's own listener, unlisted: default deny
CAP_MS=$E2E_TMP/cap_ms.log
CAP_INET=$E2E_TMP/cap_inet.log
DEADLINE=10		# seconds for the marker to arrive

e2e_scapy_python	# SCAPY_PY

# --- helpers --------------------------------------------------------------

# addresses as regular expressions
E_C1=${C1//./\\.}
E_C2=${C2//./\\.}
E_MS=${MS//./\\.}
E_PUB=${PUB//./\\.}
E_ATT=${ATT//./\\.}

# seen FILE PATTERN: the capture FILE has a line matching the extended
# regular expression PATTERN (fields: SRC DST PROTO SPORT DPORT FLAGS ICMP).
seen() {
	grep -Eq "$2" "$1"
}

# wait_seen FILE PATTERN: poll until seen, up to $DEADLINE seconds.
wait_seen() {
	local end=$((SECONDS + DEADLINE))
	while [ $SECONDS -lt $end ]; do
		seen "$1" "$2" && return 0
		sleep 0.05
	done
	seen "$1" "$2"
}

# wait_listener PATTERN: poll the mail server's listener log for PATTERN.
wait_listener() {
	local end=$((SECONDS + DEADLINE))
	while [ $SECONDS -lt $end ]; do
		grep -Eq "$1" "$E2E_TMP/listener.log" && return 0
		sleep 0.05
	done
	return 1
}

# send NAME...: the frames, in order, then the marker; returns once the
# marker reached the mail server and its SYN-ACK came back to the Internet.
# The captures hold what the batch brought.
send() {
	: >"$CAP_MS"
	: >"$CAP_INET"
	ns_exec "$NS_INET" "$SCAPY_PY" "$E2E_DIR/hostile.py" --iface eth0 --gw-mac "$GW_MAC" \
		--public "$PUB" --mailserver "$MS" --client "$C1" --client2 "$C2" \
		--router "$E2E_INET_ADDR" --wan-bcast "$WAN_BCAST" --gw-port "$GW_PORT" \
		--attacker "$ATT" "$@" marker >>"$E2E_TMP/sent" 2>"$E2E_TMP/err" || {
		fail send "hostile.py: $(head -c 300 "$E2E_TMP/err")"
		return 1
	}
	if ! wait_seen "$CAP_MS" "^$E_C2 $E_MS 6 44999 25 02 "; then
		fail marker "the marker SYN $C2:44999 -> $PUB:25 did not reach the mail server in ${DEADLINE}s"
		return 1
	fi
	if ! wait_seen "$CAP_INET" "^$E_PUB $E_C2 6 25 44999 12 "; then
		fail marker "the mail server's SYN-ACK to the marker did not come back in ${DEADLINE}s"
		return 1
	fi
}

# absent CHECK FILE PATTERN WHAT: nothing matching PATTERN was captured.
absent() {
	local lines
	lines=$(grep -E "$3" "$2" | head -3 | tr '\n' ';')
	if [ -z "$lines" ]; then
		ok "$1"
	else
		fail "$1" "$4: captured '$lines'"
	fi
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
CONF=$E2E_TMP/mxgw.conf
sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$PUB/" "$E2E_ROOT/etc/mxgw.conf" >"$CONF"
# the fast path: GRO on the mail server's end lets lan0 take XDP frames
ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 ||
	e2e_cannot_run "ethtool -K eth0 gro on in the mail server failed"
mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err" ||
	e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/err")" load
# before Linux 6.3 no xdp-features: the kernel path only (README, Kernels)
XDP_FEATURES=1
grep -q "does not report xdp-features" "$E2E_TMP/err" && XDP_FEATURES=0
# the frames go to the gateway's MAC, as from an attacker on the WAN
# segment or an upstream router that routes the LAN's prefix at it
# (not /sys/class/net: nsenter --net keeps the root namespace's sysfs)
GW_MAC=$(ip -n "$NS_GW" -br link show wan0 | awk '{ print $3 }')
e2e_listener_start "$NS_MS" "$E2E_TMP/listener.log" 25 143 ||
	e2e_cannot_run "the mail-server listener did not start"
e2e_listener_start "$NS_GW" "$E2E_TMP/gw_listener.log" "$GW_PORT" ||
	e2e_cannot_run "the gateway's own listener did not start"
e2e_server_start "$NS_MS" capture.py "$CAP_MS" --iface eth0 ||
	e2e_cannot_run "the capture on the mail server's wire did not start"
e2e_server_start "$NS_INET" capture.py "$CAP_INET" --iface eth0 ||
	e2e_cannot_run "the capture on the Internet's wire did not start"

# --- the attacks: one batch, the marker last ---------------------------------

MARTIANS="127.0.0.1 0.0.0.0 224.0.0.5 255.255.255.255 $WAN_BCAST"
FLAGS="syn_fin syn_rst none fin xmas"
frames=(to_lan_syn to_lan_udp to_lan_echo vlan3_syn)
for src in $MARTIANS; do
	frames+=("martian_$src")
done
for n in $FLAGS; do
	frames+=("flags_$n")
done
frames+=(icmp_lan_src icmp_router)

COUNTERS="drop_to_lan drop_vlan_depth drop_martian drop_tcp_flags drop_spoofed"
# counters FILE: "NAME=VALUE ..." of $COUNTERS from mxctl status -j
counters() {
	local c exprs=()
	for c in $COUNTERS; do
		exprs+=("'$c=' + str(d['counters']['$c'])")
	done
	status_json "$1" && jget "$1" "${exprs[@]}" | tr '\n' ' '
}
before=$(counters "$E2E_TMP/before.json")
send "${frames[@]}" || { e2e_summary; exit 1; }
after=$(counters "$E2E_TMP/after.json")

# increased CHECK NAME MIN: counter NAME rose by at least MIN in the batch.
increased() {
	local b a
	b=$(tr ' ' '\n' <<<"$before" | sed -n "s/^$2=//p")
	a=$(tr ' ' '\n' <<<"$after" | sed -n "s/^$2=//p")
	if [ "${a:-x}" -ge $((${b:-0} + $3)) ] 2>/dev/null; then
		ok "$1"
	else
		fail "$1" "counter $2: ${b:-?} -> ${a:-?}, want at least +$3"
	fi
}

# --- 1. straight to the LAN (item 1) ----------------------------------------

absent to_lan_syn_not_on_lan_wire "$CAP_MS" "^$E_ATT $E_MS 6 443 143 " \
	"the SYN $ATT:443 -> $MS:143 reached the mail server's wire"
absent to_lan_syn_no_session "$CAP_INET" "^[0-9.]+ $E_ATT 6 [0-9]+ 443 " \
	"an answer to $ATT:443 came back (the SYN-ACK of a session)"
# hostile.py acknowledged any SYN-ACK, as the attacker did: the session
# opens, and the mail server's listener accepts it (and logs it) at once
if grep -q "^handshake completed" "$E2E_TMP/sent" &&
	wait_listener "^143 $E_ATT\$"; then
	fail to_lan_syn_listener_never_sees_it "$(grep "^handshake" "$E2E_TMP/sent"), and the imap listener accepted $ATT"
else
	ok to_lan_syn_listener_never_sees_it
fi
absent to_lan_udp_161_not_delivered "$CAP_MS" "^$E_C1 $E_MS 17 40161 161 " \
	"UDP $C1 -> $MS:161 reached the mail server's wire"
absent to_lan_echo_not_delivered "$CAP_MS" "^$E_C1 $E_MS 1 0 0 - 8$" \
	"an echo request $C1 -> $MS reached the mail server's wire"
increased to_lan_counted drop_to_lan 3

# --- 2. three VLAN tags (item 2) --------------------------------------------

absent vlan3_syn_no_syn_ack "$CAP_INET" "^$E_PUB $E_C1 6 $GW_PORT 40022 " \
	"the gateway answered a triple-tagged SYN to its own :$GW_PORT under default deny"
increased vlan3_counted drop_vlan_depth 1

# --- 3. martian sources, fast path active (item 3) --------------------------

# the marker took the fast path, so the martians had it open to them
path=$(jget "$E2E_TMP/after.json" "d['forward']['path']")
if [ "$XDP_FEATURES" = 0 ] || [ "$path" = xdp-redirect ]; then
	ok martian_fast_path_active
else
	fail martian_fast_path_active "forward path '$path', want xdp-redirect (GRO on at the mail server)"
fi
for src in $MARTIANS; do
	absent "martian_${src}_not_on_lan_wire" "$CAP_MS" "^${src//./\\.} $E_MS 6 [0-9]+ 25 " \
		"a SYN from $src to :25 reached the mail server's wire"
done
increased martians_counted drop_martian 5

# --- 4. invalid TCP flags (item 4) ------------------------------------------

i=1
for n in $FLAGS; do
	absent "flags_${n}_not_delivered" "$CAP_MS" "^$E_C1 $E_MS 6 4200$i 25 " \
		"flags '$n' to :25 reached the mail server's wire"
	i=$((i + 1))
done
increased flags_counted drop_tcp_flags 5

# --- 5. ICMP errors (item 5) ------------------------------------------------

absent icmp_lan_source_not_delivered "$CAP_MS" "^192\\.168\\.1\\.50 $E_MS 1 0 0 - 11$" \
	"a time-exceeded from 192.168.1.50 reached the mail server"
# the decision of README "ICMP": an error about a DNATed service from a
# valid source is translated by the table alone
if seen "$CAP_MS" "^${E2E_INET_ADDR//./\\.} $E_MS 1 0 0 - 11$"; then
	ok icmp_router_error_forwarded
else
	fail icmp_router_error_forwarded "the time-exceeded from $E2E_INET_ADDR about an smtp reply did not reach the mail server"
fi
increased icmp_lan_source_counted drop_spoofed 1

e2e_summary
