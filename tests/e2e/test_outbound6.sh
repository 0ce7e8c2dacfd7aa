#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end, the outgoing direction over IPv6 (issue 12): real
# connections from the mail server and a second LAN host through mxgw
# (the shipped table, mailserver6 2001:db8:168::10, lan6 naming both LAN
# prefixes) to servers on the "Internet", routed, not masqueraded: the
# Internet sees each LAN host's own address.  The same checks as
# test_outbound.sh makes over IPv4: every port of the outgoing column,
# the default for an unlisted port, DNS, ICMPv6 errors and echo of
# tracked flows, conntrack, set-service, the fast path for replies; and
# that nothing unasked reaches a LAN host, and path-MTU discovery over a
# 1280-byte link both ways (IPv6 routers never fragment: without Packet
# Too Big, large transfers stall).
#
#   far 2001:db8:2::2 ─mtu 1280─ 2001:db8:2::1 inet 2001:db8:1::1 ─ wan0 gw lan0 ─ ms 2001:db8:168::10
#                                                                          lan1 ─ lan2 2001:db8:169::10
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

cp "$MXCTL" "$E2E_TMP/mxctl" || e2e_cannot_run "cannot copy $MXCTL"
MXCTL=$E2E_TMP/mxctl

# The outgoing column of the shipped table, as test_outbound.sh has it.
OUT_ALLOW="smtp:25 smtps:465 pop3:110 pop3s:995 imap:143 imaps:993 nntp:119 nntps:563 ldap:389 ldaps:636 http:80 https:443 dns:53"
UNLISTED_PORT=8080
BULK_PORT=443
BULK_BYTES=$((4 << 20))

INET=$E2E_INET6
MS=$E2E_MAILSERVER6
FAR_ROUTER=2001:db8:2::1
FAR=2001:db8:2::2
FAR_MTU=1280
LAN_MTU=1280
LAN2_GW=2001:db8:169::1
LAN2=2001:db8:169::10

LOG=$E2E_TMP/inet.log
FAR_LOG=$E2E_TMP/far.log
MS_SRV_LOG=$E2E_TMP/ms.log
# every IP frame arriving on the Internet host's and the second LAN host's
# wire: routed, a SYN let through would be answered and the answer
# stopped on its way back, which the client sees as a timeout too
CAP_INET=$E2E_TMP/cap_inet.log
CAP_LAN2=$E2E_TMP/cap_lan2.log

# --- helpers --------------------------------------------------------------

oc() {
	local ns=$1
	shift
	ns_exec "$ns" python3 "$E2E_DIR/out_client.py" "$@"
}

srv_start() {
	local ns=$1 log=$2
	shift 2
	e2e_server_start "$ns" inet_server.py "$log" "$@"
}

# hold_start NAME NS DST PORT: a connection held open (out_client.py
# hold), as in test_outbound.sh; sets HOLD_LPORT and HOLD_SEEN.
hold_start() {
	local name=$1 ns=$2 dst=$3 port=$4 ready=$E2E_TMP/$1.ready
	rm -f "$ready" "$E2E_TMP/$name.release"
	nsenter --net="/run/netns/$ns" -- python3 "$E2E_DIR/out_client.py" hold \
		--dst "$dst" --port "$port" --ready "$ready" \
		--release "$E2E_TMP/$name.release" --parent $$ >"$E2E_TMP/$name.out" 2>&1 &
	E2E_PIDS+=($!)
	eval "HOLD_PID_$name=\$!"
	for _ in $(seq 50); do
		if [ -s "$ready" ]; then
			read -r HOLD_LPORT HOLD_SEEN <"$ready"
			return 0
		fi
		kill -0 "${E2E_PIDS[-1]}" 2>/dev/null || break
		sleep 0.05
	done
	HOLD_LPORT='' HOLD_SEEN=''
	return 1
}

hold_release() {
	local pid
	eval "pid=\${HOLD_PID_$1:-}"
	touch "$E2E_TMP/$1.release"
	[ -n "$pid" ] && wait "$pid" 2>/dev/null
}

result() {
	local port rest
	while read -r port rest; do
		if [ "$port" = "$1" ]; then
			echo "$rest"
			return
		fi
	done <"$E2E_TMP/batch"
	echo "no result"
}

logged() {
	local lines
	lines=$(grep "^$1 $2 " "$3" | tr '\n' ';')
	echo "${lines:-nothing}"
}

expect_rc_msg() {
	if [ "$2" -eq 0 ]; then
		ok "$1"
	else
		fail "$1" "exit $2: $3"
	fi
}

# ct_state FILE LAN REMOTE: the state of the IPv6 flow of "mxctl -j
# conntrack" in FILE with those endpoints, "none", or "badjson".
ct_state() {
	python3 - "$@" <<'EOF'
import json, sys
f, lan, rem = sys.argv[1:4]
try:
    flows = json.load(open(f))[0]["flows"]
except Exception:
    print("badjson")
    sys.exit()
for fl in flows:
    if fl.get("family") == "ipv6" and fl["lan"] == lan and fl["remote"] == rem:
        print(fl["proto"], fl["state"], fl["public"] == lan)
        break
else:
    print("none")
EOF
}

ct_json() {
	mx -j conntrack >"$1" 2>"$E2E_TMP/ct.err"
}

route_mtu() {
	local r
	r=$(ip -n "$1" -6 route get "$2" 2>/dev/null | tr '\n' ' ')
	if [[ $r =~ mtu\ ([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo -
	fi
}

lan0_xdp_xmit() {
	ns_exec "$NS_GW" ethtool -S lan0 2>/dev/null |
		awk '/tx_queue_[0-9]+_xdp_xmit:/ { s += $2 } END { print s + 0 }'
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
e2e_topology6_up
NS_FAR=mxgw-far-$$
NS_LAN2=mxgw-lan2-$$
{ e2e_ns_add "$NS_FAR" && e2e_ns_add "$NS_LAN2"; } || e2e_cannot_run "cannot create network namespaces"
{
	ip link add far0 netns "$NS_INET" type veth peer name eth0 netns "$NS_FAR" &&
	ip -n "$NS_INET" -6 addr add "$FAR_ROUTER/64" dev far0 nodad &&
	ip -n "$NS_FAR" -6 addr add "$FAR/64" dev eth0 nodad &&
	ip -n "$NS_INET" link set far0 mtu "$FAR_MTU" up &&
	ip -n "$NS_FAR" link set lo up &&
	ip -n "$NS_FAR" link set eth0 mtu "$FAR_MTU" up &&
	# the far host announces the MSS of a 1500-byte link: only Packet
	# Too Big, which must cross the gateway, saves the large segments
	ip -n "$NS_FAR" -6 route add default via "$FAR_ROUTER" advmss 1440 &&
	ns_exec "$NS_INET" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
	ip -n "$NS_GW" -6 route add 2001:db8:2::/64 via "$E2E_INET6" &&
	ns_exec "$NS_FAR" ethtool -K eth0 tx off >/dev/null &&
	ns_exec "$NS_INET" ethtool -K far0 tx off >/dev/null &&
	# a second LAN host on a LAN link of its own
	ip link add lan1 netns "$NS_GW" type veth peer name eth0 netns "$NS_LAN2" &&
	ip -n "$NS_GW" -6 addr add "$LAN2_GW/64" dev lan1 nodad &&
	ip -n "$NS_LAN2" -6 addr add "$LAN2/64" dev eth0 nodad &&
	ip -n "$NS_GW" link set lan1 up &&
	ip -n "$NS_LAN2" link set lo up &&
	ip -n "$NS_LAN2" link set eth0 up &&
	ip -n "$NS_LAN2" -6 route add default via "$LAN2_GW" &&
	ip -n "$NS_INET" -6 route add 2001:db8:169::/64 via "$E2E_WAN6" &&
	ns_exec "$NS_LAN2" ethtool -K eth0 tx off >/dev/null
} 2>"$E2E_TMP/links.err" ||
	e2e_cannot_run "cannot build the far link and the second LAN: $(head -1 "$E2E_TMP/links.err")"

inet_ports=$UNLISTED_PORT
for s in $OUT_ALLOW; do
	inet_ports="$inet_ports ${s#*:}"
done
# shellcheck disable=SC2086 # a list of ports
srv_start "$NS_INET" "$LOG" --udp-dns $inet_ports ||
	e2e_cannot_run "the Internet servers did not start"
srv_start "$NS_FAR" "$FAR_LOG" "$BULK_PORT" ||
	e2e_cannot_run "the far server did not start"
# the mail server's https (allowed in), for the far host's download
srv_start "$NS_MS" "$MS_SRV_LOG" "$BULK_PORT" ||
	e2e_cannot_run "the mail server's server did not start"
e2e_listener_start "$NS_LAN2" "$E2E_TMP/lan2.log" 443 "$UNLISTED_PORT" ||
	e2e_cannot_run "the second LAN host's listener did not start"
e2e_server_start "$NS_INET" capture.py "$CAP_INET" --iface eth0 ||
	e2e_cannot_run "the capture on the Internet host's wire did not start"
e2e_server_start "$NS_LAN2" capture.py "$CAP_LAN2" --iface eth0 ||
	e2e_cannot_run "the capture on the second LAN host's wire did not start"

CONF=$E2E_TMP/mxgw.conf
{
	sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf"
	printf 'mailserver6\t%s\n' "$MS"
	printf 'lan6\t\t%s,%s\n' "$E2E_LAN6" 2001:db8:169::/64
} >"$CONF"
mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err" ||
	e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/err")" load_dual_stack
ok load_dual_stack
XDP_FEATURES=1
grep -q "does not report xdp-features" "$E2E_TMP/err" && XDP_FEATURES=0

# --- 1. every outgoing port of the table ------------------------------------------

case_out_table() {
	local ports=() s port name res lport seen

	for s in $OUT_ALLOW; do
		ports+=("${s#*:}")
	done
	: >"$LOG"
	oc "$NS_MS" batch --dst "$INET" --timeout 3 "${ports[@]}" >"$E2E_TMP/batch" 2>&1
	for s in $OUT_ALLOW; do
		name=${s%%:*} port=${s#*:}
		res=$(result "$port")
		read -r _ lport seen <<<"$res"
		if [ "${res%% *}" != ok ]; then
			fail "out6_${name}_$port" "$MS -> [$INET]:$port: $res; server logged $(logged tcp "$port" "$LOG")"
		elif [ "$seen" != "$MS:$lport" ]; then
			fail "out6_${name}_$port" "data both ways, but the server saw the peer $seen, not $MS:$lport (routed: nothing rewritten)"
		else
			ok "out6_${name}_$port"
		fi
	done
}

# --- 2. a port the table does not list, and set-service --------------------------

case_out_deny() {
	local res held=1 out

	: >"$LOG"
	: >"$CAP_INET"
	oc "$NS_MS" batch --dst "$INET" --timeout "$E2E_TIMEOUT" "$UNLISTED_PORT" >"$E2E_TMP/batch" 2>&1
	res=$(result "$UNLISTED_PORT")
	if [ "$res" = timeout ] && ! grep -q "^tcp $UNLISTED_PORT " "$LOG" &&
		! grep -q "^$MS $INET 6 [0-9]* $UNLISTED_PORT " "$CAP_INET"; then
		ok out6_unlisted_denied
	else
		fail out6_unlisted_denied "$MS -> [$INET]:$UNLISTED_PORT: '$res', want no answer; server logged $(logged tcp "$UNLISTED_PORT" "$LOG"); on the Internet's wire: $(grep -m1 "^$MS $INET 6 [0-9]* $UNLISTED_PORT " "$CAP_INET")"
	fi

	hold_start smtp "$NS_MS" "$INET" 25 || held=0
	mx set-service smtp out deny >/dev/null 2>"$E2E_TMP/err"
	expect_rc_msg set_service_smtp_out_deny $? "$(head -c 300 "$E2E_TMP/err")"
	: >"$LOG"
	: >"$CAP_INET"
	oc "$NS_MS" batch --dst "$INET" --timeout "$E2E_TIMEOUT" 25 465 >"$E2E_TMP/batch" 2>&1
	res=$(result 25)
	if [ "$res" = timeout ] && ! grep -q "^tcp 25 " "$LOG" &&
		! grep -q "^$MS $INET 6 [0-9]* 25 02 " "$CAP_INET"; then
		ok out6_deny_smtp
	else
		fail out6_deny_smtp "$MS -> [$INET]:25 after 'set-service smtp out deny': '$res'"
	fi
	res=$(result 465)
	if [ "${res%% *}" = ok ]; then
		ok out6_deny_smtp_only
	else
		fail out6_deny_smtp_only "smtps (465) after denying smtp: '$res'"
	fi
	if [ "$held" = 1 ]; then
		hold_release smtp
		out=$(tr '\n' ' ' <"$E2E_TMP/smtp.out")
		if [[ $out == *"again ok"*"closed ok"* ]]; then
			ok out6_deny_established_continues
		else
			fail out6_deny_established_continues "the connection to :25 open before the deny: $out"
		fi
	else
		fail out6_deny_established_continues "could not open a connection to :25: $(cat "$E2E_TMP/smtp.out")"
	fi
	mx set-service smtp out allow >/dev/null 2>"$E2E_TMP/err"
	expect_rc_msg set_service_smtp_out_allow $? "$(head -c 300 "$E2E_TMP/err")"
	oc "$NS_MS" batch --dst "$INET" --timeout 3 25 >"$E2E_TMP/batch" 2>&1
	res=$(result 25)
	if [ "${res%% *}" = ok ]; then
		ok out6_allow_smtp_restored
	else
		fail out6_allow_smtp_restored "$MS -> [$INET]:25 after 'set-service smtp out allow': '$res'"
	fi
}

# --- 3. DNS, and ICMPv6 errors about UDP flows --------------------------------------

case_dns() {
	local proto res
	: >"$LOG"
	for proto in udp tcp; do
		res=$(oc "$NS_MS" dns --dst "$INET" --proto "$proto" --timeout 3 2>&1)
		if [ "$res" = "answer $MS" ] && grep -q "^$proto 53 $MS " "$LOG"; then
			ok "dns6_$proto"
		else
			fail "dns6_$proto" "AAAA query $MS -> [$INET]:53/$proto: '$res' (want 'answer $MS': the peer the server saw); server logged $(logged "$proto" 53 "$LOG")"
		fi
	done
	# nobody answers DNS on the far host: its port unreachable must reach
	# the mail server's socket (ECONNREFUSED)
	res=$(oc "$NS_MS" dns --dst "$FAR" --proto udp --sport 20053 --timeout 1 2>&1)
	if [ "$res" = refused ]; then
		ok udp6_port_unreachable_to_lan
	else
		fail udp6_port_unreachable_to_lan "$MS:20053 -> [$FAR]:53/udp (nobody listens): '$res', want refused (the ICMPv6 error let in)"
	fi
	# the other way: the mail server is gone when the (slow) answer
	# comes; its port unreachable goes out, about the mail server's port
	: >"$LOG"
	res=$(oc "$NS_MS" dns --dst "$INET" --proto udp --sport 20054 --leave 2>&1)
	for _ in $(seq 20); do
		grep -q "^udperr " "$LOG" && break
		sleep 0.1
	done
	if [ "$res" = "sent 20054" ] && grep -qx "udperr $MS 20054 $MS 1 4" "$LOG"; then
		ok udp6_port_unreachable_to_internet
	else
		fail udp6_port_unreachable_to_internet "query from $MS:20054: '$res'; the Internet got '$(grep "^udperr " "$LOG" | head -1)', want 'udperr $MS 20054 $MS 1 4' (ICMPv6 1/4 about $MS:20054, from $MS)"
	fi
	# and a closed TCP port on the far host: its RST comes back
	oc "$NS_MS" batch --dst "$FAR" --timeout 3 25 >"$E2E_TMP/batch" 2>&1
	res=$(result 25)
	if [ "$res" = refused ]; then
		ok out6_closed_port_refused
	else
		fail out6_closed_port_refused "$MS -> [$FAR]:25 (nobody listens): '$res', want refused"
	fi
}

# --- 4. conntrack ---------------------------------------------------------------

case_conntrack() {
	local ct=$E2E_TMP/ct.json state text out

	if ! hold_start ct "$NS_MS" "$INET" 443; then
		fail conntrack6_established "could not hold a connection to [$INET]:443: $(cat "$E2E_TMP/ct.out")"
		return
	fi
	ct_json "$ct"
	state=$(ct_state "$ct" "[$MS]:$HOLD_LPORT" "[$INET]:443")
	if [ "$state" = "tcp tcp-established True" ] && [ "$HOLD_SEEN" = "$MS:$HOLD_LPORT" ]; then
		ok conntrack6_established
	else
		fail conntrack6_established "flow [$MS]:$HOLD_LPORT -> [$INET]:443 (the server saw $HOLD_SEEN): '$state' (want tcp tcp-established, public = lan); conntrack -j: $(head -c 400 "$ct")"
	fi
	text=$(mx conntrack 2>&1)
	if grep -E "^tcp6 +\[$MS\]:$HOLD_LPORT +\(routed\) +\[$INET\]:443 +tcp-established " <<<"$text" >/dev/null; then
		ok conntrack6_text
	else
		fail conntrack6_text "no line 'tcp6 [$MS]:$HOLD_LPORT (routed) [$INET]:443 tcp-established' in: $(head -c 500 <<<"$text")"
	fi
	hold_release ct
	out=$(tr '\n' ' ' <"$E2E_TMP/ct.out")
	if [[ $out == *"again ok"*"closed ok"* ]]; then
		ok conntrack6_held_connection_closes
	else
		fail conntrack6_held_connection_closes "client: $out"
	fi
	out=$(mx conntrack flush 2>&1)
	expect_rc_msg conntrack_flush $? "$out"
	ct_json "$ct"
	state=$(python3 -c 'import json,sys; print(sum(f.get("family") == "ipv6" for f in json.load(open(sys.argv[1]))[0]["flows"]))' "$ct" 2>&1)
	if [ "$state" = 0 ]; then
		ok conntrack6_flush_empties
	else
		fail conntrack6_flush_empties "after flush: $state IPv6 flows"
	fi
}

# --- 5. ICMPv6 echo, and time exceeded about it ----------------------------------------

case_echo() {
	local res ct=$E2E_TMP/ct5.json state

	res=$(oc "$NS_MS" ping --dst "$INET" --count 3 --ident 4242 --timeout 1 2>&1)
	if [ "$res" = "ping 3 3" ]; then
		ok lan6_ping_internet
	else
		fail lan6_ping_internet "$MS pings $INET (id 4242): '$res'"
	fi
	ct_json "$ct"
	state=$(ct_state "$ct" "$MS id 4242" "$INET")
	if [ "${state% *}" = "icmpv6 icmp" ]; then
		ok conntrack6_shows_echo
	else
		fail conntrack6_shows_echo "no icmpv6 flow '$MS id 4242' to $INET: '$state'"
	fi
	# hop limit 2: the gateway forwards it with 1, the Internet host
	# answers time exceeded quoting the echo, which must reach the LAN
	res=$(oc "$NS_MS" ping --dst "$FAR" --count 1 --ident 4243 --ttl 2 --timeout 1 2>&1)
	if [ "$(head -1 <<<"$res")" = "timeexceeded from $INET ok" ]; then
		ok echo6_time_exceeded_to_lan
	else
		fail echo6_time_exceeded_to_lan "$MS pings $FAR with hop limit 2 (id 4243): $(tr '\n' ' ' <<<"$res"), want 'timeexceeded from $INET ok'"
	fi
}

# --- 6. the second LAN host, and nothing unasked into the LAN ------------------------

case_lan2() {
	local res lport seen

	oc "$NS_LAN2" batch --dst "$INET" --timeout 3 443 "$UNLISTED_PORT" >"$E2E_TMP/batch" 2>&1
	res=$(result 443)
	read -r _ lport seen <<<"$res"
	if [ "${res%% *}" = ok ] && [ "$seen" = "$LAN2:$lport" ]; then
		ok out6_other_lan_host
	else
		fail out6_other_lan_host "$LAN2 -> [$INET]:443: '$res' (want ok, seen as $LAN2:$lport)"
	fi
	res=$(result "$UNLISTED_PORT")
	if [ "$res" = timeout ]; then
		ok out6_other_lan_host_unlisted_denied
	else
		fail out6_other_lan_host_unlisted_denied "$LAN2 -> [$INET]:$UNLISTED_PORT: '$res', want timeout"
	fi
	# from the Internet to the LAN hosts: no connection, no echo, no
	# datagram reaches their wire, though they listen and answer
	: >"$E2E_TMP/lan2.log"
	: >"$CAP_LAN2"
	e2e_connect_to "$LAN2" "$E2E_CLIENT1_6:443" "$E2E_INET6:$UNLISTED_PORT"
	res="$(conn_result "$E2E_CLIENT1_6" 443) $(conn_result "$E2E_INET6" "$UNLISTED_PORT")"
	if [ "$res" = "timeout timeout" ] && [ ! -s "$E2E_TMP/lan2.log" ] &&
		! grep -q " $LAN2 6 " "$CAP_LAN2"; then
		ok unsolicited6_tcp_to_lan_host
	else
		fail unsolicited6_tcp_to_lan_host "to [$LAN2]:443 and :$UNLISTED_PORT: '$res' (want timeout timeout); its listener logged '$(tr '\n' ';' <"$E2E_TMP/lan2.log")'; its wire: $(grep " $LAN2 6 " "$CAP_LAN2" | head -2 | tr '\n' ';')"
	fi
	res=$(oc "$NS_INET" ping --dst "$LAN2" --count 2 --timeout 0.5 2>&1)
	if [ "$res" = "ping 0 2" ] && ! grep -q " $LAN2 58 0 0 - 128$" "$CAP_LAN2"; then
		ok unsolicited6_echo_to_lan_host
	else
		fail unsolicited6_echo_to_lan_host "the Internet host pings $LAN2: '$res', want no reply; its wire: $(grep " $LAN2 58 0 0 - 128$" "$CAP_LAN2" | head -1)"
	fi
	oc "$NS_INET" dns --dst "$LAN2" --proto udp --timeout 0.5 >/dev/null 2>&1
	if ! grep -q " $LAN2 17 " "$CAP_LAN2"; then
		ok unsolicited6_udp_to_lan_host
	else
		fail unsolicited6_udp_to_lan_host "a datagram to [$LAN2]:53 reached its wire: $(grep -m1 " $LAN2 17 " "$CAP_LAN2")"
	fi
}

# --- 7. replies of tracked flows on the XDP fast path ----------------------------------

case_fast_path() {
	local res x0 x1
	if ! ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 ||
		! mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"; then
		fail fast_path6_ct_replies "GRO on / reload: $(head -c 300 "$E2E_TMP/err")"
		return
	fi
	x0=$(lan0_xdp_xmit)
	res=$(oc "$NS_MS" download --dst "$INET" --port "$BULK_PORT" --bytes $((1 << 20)) --timeout 10 2>&1)
	x1=$(lan0_xdp_xmit)
	if [[ $res == ok* ]]; then
		ok fast_path6_ct_replies
	else
		fail fast_path6_ct_replies "download with GRO on at the mail server: $res"
	fi
	if [ "$XDP_FEATURES" = 0 ] && [ "$x1" = "$x0" ]; then
		ok fast_path6_lan0_xdp_xmit
	elif [ "$XDP_FEATURES" = 1 ] && [ "$x1" -gt $((x0 + 100)) ] 2>/dev/null; then
		ok fast_path6_lan0_xdp_xmit
	else
		fail fast_path6_lan0_xdp_xmit "ethtool -S lan0 tx_queue_*_xdp_xmit: $x0 -> $x1 for a 1 MB download, want $([ "$XDP_FEATURES" = 1 ] && echo "over +100" || echo "no change (no xdp-features)")"
	fi
	ns_exec "$NS_MS" ethtool -K eth0 gro off >/dev/null 2>&1
	mx -c "$CONF" reload wan0 >/dev/null 2>&1
}

# --- 8. path-MTU discovery -------------------------------------------------------------

# The mail server uploads to the far host: the Internet host's Packet Too
# Big about a tracked flow must reach it.
case_pmtu_upload() {
	local res mtu
	res=$(oc "$NS_MS" upload --dst "$FAR" --port "$BULK_PORT" --bytes "$BULK_BYTES" --timeout 10 2>&1)
	mtu=$(route_mtu "$NS_MS" "$FAR")
	if [ "${res%% *}" = ok ]; then
		ok pmtu6_upload_through_1280_link
		echo "# $BULK_BYTES bytes $MS -> $FAR across the $FAR_MTU link in ${res##* }s"
	else
		fail pmtu6_upload_through_1280_link "$MS uploads $BULK_BYTES bytes to [$FAR]:$BULK_PORT: $res; path MTU on the mail server: $mtu"
	fi
	if [ "$mtu" = "$FAR_MTU" ]; then
		ok pmtu6_learnt_by_mail_server
	else
		fail pmtu6_learnt_by_mail_server "ip -6 route get $FAR on the mail server: mtu '$mtu', want $FAR_MTU (Packet Too Big did not reach it)"
	fi
}

# The far host downloads from the mail server's https (allowed in): the
# Packet Too Big about the mail server's answers belongs to an allowed
# incoming connection, not to a tracked flow.
case_pmtu_incoming() {
	local res mtu
	ip -n "$NS_MS" -6 route flush cache
	res=$(oc "$NS_FAR" download --dst "$MS" --port "$BULK_PORT" --bytes "$BULK_BYTES" --timeout 10 2>&1)
	mtu=$(route_mtu "$NS_MS" "$FAR")
	if [ "${res%% *}" = ok ] && [ "$mtu" = "$FAR_MTU" ]; then
		ok pmtu6_allowed_incoming_connection
	else
		fail pmtu6_allowed_incoming_connection "$FAR downloads $BULK_BYTES bytes from [$MS]:$BULK_PORT: $res; path MTU to $FAR on the mail server: $mtu (want $FAR_MTU)"
	fi
}

# The LAN link gets the smaller MTU: the gateway's own Packet Too Big
# goes out to the Internet host, which must then send smaller segments.
case_pmtu_download() {
	local res mtu gro=$1 check=$2
	ip -n "$NS_INET" -6 route flush cache
	if [ "$gro" = on ] && { ! ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 ||
		! mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"; }; then
		fail "$check" "GRO on / reload: $(head -c 300 "$E2E_TMP/err")"
		return
	fi
	res=$(oc "$NS_MS" download --dst "$INET" --port "$BULK_PORT" --bytes "$BULK_BYTES" --timeout 10 2>&1)
	mtu=$(route_mtu "$NS_INET" "$MS")
	if [ "${res%% *}" = ok ] && [ "$mtu" = "$LAN_MTU" ]; then
		ok "$check"
	else
		fail "$check" "$MS downloads $BULK_BYTES bytes from [$INET]:$BULK_PORT (GRO $gro): $res; path MTU to $MS on the Internet host: $mtu (want $LAN_MTU)"
	fi
	if [ "$gro" = on ]; then
		ns_exec "$NS_MS" ethtool -K eth0 gro off >/dev/null 2>&1
		mx -c "$CONF" reload wan0 >/dev/null 2>&1
	fi
}

T0=$SECONDS
case_out_table
case_out_deny
case_dns
case_conntrack
case_echo
case_lan2
case_fast_path
case_pmtu_upload
case_pmtu_incoming
if ip -n "$NS_GW" link set lan0 mtu "$LAN_MTU" &&
	ip -n "$NS_MS" link set eth0 mtu "$LAN_MTU" &&
	ip -n "$NS_MS" -6 route add "$INET/128" via "$E2E_LAN_GW6" advmss 1440; then
	case_pmtu_download off pmtu6_download_through_1280_lan
	case_pmtu_download on pmtu6_download_fast_path
else
	fail pmtu6_download_through_1280_lan "cannot set up the smaller LAN MTU"
fi
echo "# $((SECONDS - T0))s"
e2e_summary
