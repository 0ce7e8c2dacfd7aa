#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end, incoming over IPv6 (issue 12): real TCP connections from the
# Internet namespace to mailserver6 (2001:db8:168::10, routed: no public6,
# no rewrite), through mxgw loaded with the shipped table and
# "mailserver6 2001:db8:168::10" on the dual-stack topology of lib.sh
# (e2e_topology_up, then e2e_topology6_up; lan6 is left to load, which
# finds lan0's 2001:db8:168::/64).  The same checks as test_inbound.sh
# makes over IPv4: what a client on the Internet sees (banner or nothing),
# what the mail server sees (the client's own address), what mxctl
# reports; and what IPv6 adds: from with IPv6 prefixes, to gateway on the
# WAN's IPv6 address, the gateway's other ports its own, another LAN
# address unreachable, echo per icmp-echo, both forward paths.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

# One mxctl for the whole run, even if build/mxctl is rebuilt meanwhile.
cp "$MXCTL" "$E2E_TMP/mxctl" || e2e_cannot_run "cannot copy $MXCTL"
MXCTL=$E2E_TMP/mxctl

# The shipped table, written out as test_inbound.sh has it.
ALLOW_IN="smtp:25 smtps:465 pop3s:995 imaps:993 nntps:563 ldaps:636 https:443"
DENY_IN="pop3:110 imap:143 nntp:119 ldap:389 http:80 dns:53"
UNLISTED_PORT=8080
GW_PORT=2222		# a "to gateway" service of the tests below
GW_OTHER=2223		# a port of the gateway's that the table does not list

C1=$E2E_CLIENT1_6
C2=$E2E_CLIENT2_6
MS=$E2E_MAILSERVER6
WAN6=$E2E_WAN6
OTHER_LAN=2001:db8:168::20	# a LAN address that is not mailserver6
LOG=$E2E_TMP/listener.log
GW_LOG=$E2E_TMP/gw_listener.log
CAP_MS=$E2E_TMP/cap_ms.log	# every IP frame on the mail server's wire

# --- helpers --------------------------------------------------------------

# batch DST SRC:PORT...: fresh listener logs and capture, then one batch
# of connections from the Internet host to DST.
batch() {
	: >"$LOG"
	: >"$GW_LOG"
	: >"$CAP_MS"
	e2e_connect_to "$@"
}

describe() {
	case $1 in
	"banner "*) echo "connected, got '${1#banner }'" ;;
	nobanner) echo "connected (handshake done) but no banner within ${E2E_TIMEOUT}s" ;;
	timeout) echo "no answer to the SYN within ${E2E_TIMEOUT}s" ;;
	refused) echo "connection refused (RST)" ;;
	*) echo "$1" ;;
	esac
}

logged() {
	local lines
	lines=$(grep "^$1 " "${2:-$LOG}" | tr '\n' ';')
	echo "${lines:-nothing}"
}

# expect_reached CHECK SRC PORT [LOG DST]: SRC got the banner of PORT, and
# the listener (of the mail server, or LOG) logged SRC itself: routed,
# nothing rewrites the source.
expect_reached() {
	local check=$1 src=$2 port=$3 log=${4:-$LOG} dst=${5:-$MS} res
	res=$(conn_result "$src" "$port")
	if [ "$res" = nobanner ] && grep -qx "$port $src" "$log"; then
		fail "$check" "$src -> [$dst]:$port: $(describe "$res"), though the listener logged '$port $src': the replies are lost on the way back"
	elif [ "$res" != "banner 220 mxgw-e2e $port" ]; then
		fail "$check" "$src -> [$dst]:$port: $(describe "$res"); listener logged for $port: $(logged "$port" "$log")"
	elif ! grep -qx "$port $src" "$log"; then
		fail "$check" "$src -> [$dst]:$port got the banner, but the listener logged $(logged "$port" "$log"), not '$port $src'"
	else
		ok "$check"
	fi
}

# expect_dropped CHECK SRC PORT [DST]: no answer at all (not even a RST),
# nothing reached a listener, and no SYN of SRC's to PORT reached the mail
# server's wire.  Routed, the wire is what tells: a SYN let through would
# be answered, and that SYN-ACK stopped on its way out (it is no reply of
# a port the table lets in), which a client sees as a timeout too.
expect_dropped() {
	local check=$1 src=$2 port=$3 dst=${4:-$MS} res
	res=$(conn_result "$src" "$port")
	if [ "$res" != timeout ]; then
		fail "$check" "$src -> [$dst]:$port: $(describe "$res"); want no answer (dropped)"
	elif grep -q "^$port $src\$" "$LOG" "$GW_LOG"; then
		fail "$check" "timed out, yet a listener logged $(logged "$port") $(logged "$port" "$GW_LOG")"
	elif grep -q "^$src [0-9a-f:.]* 6 [0-9]* $port 02 " "$CAP_MS"; then
		fail "$check" "timed out, but the SYN reached the mail server's wire: $(grep -m1 "^$src [0-9a-f:.]* 6 [0-9]* $port 02 " "$CAP_MS")"
	else
		ok "$check"
	fi
}

expect_rc() {
	if [ "$3" -eq "$2" ]; then
		ok "$1"
	else
		fail "$1" "$4: exit $3, want $2: $(head -c 300 "$E2E_TMP/err")"
		return 1
	fi
}

# reload_with CHECK LINE...: the test's config with LINEs added, reloaded.
reload_with() {
	local check=$1
	shift
	{
		cat "$CONF"
		printf '%s\n' "$@"
	} >"$E2E_TMP/alt.conf"
	mx -c "$E2E_TMP/alt.conf" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc "$check" 0 $? "mxctl reload with: $*"
}

# lan0_xdp_xmit: frames XDP redirected into lan0, as the veth counts them
# (the kernel's own count, whatever mxgw's counters say).
lan0_xdp_xmit() {
	ns_exec "$NS_GW" ethtool -S lan0 2>/dev/null |
		awk '/tx_queue_[0-9]+_xdp_xmit:/ { s += $2 } END { print s + 0 }'
}

# ping6 DST COUNT: "ping REPLIES SENT" of ICMPv6 echo from the Internet
# host.
ping6() {
	ns_exec "$NS_INET" python3 "$E2E_DIR/out_client.py" ping --dst "$1" --count "$2" \
		--timeout 0.5 2>&1
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
e2e_topology6_up
ip -n "$NS_MS" -6 addr add "$OTHER_LAN/64" dev eth0 nodad ||
	e2e_cannot_run "cannot add $OTHER_LAN to the mail server"
# as test_inbound.sh: the next hop resolved before the first packet, so
# that no CPU's next-hop cache starts on "no neighbour"
e2e_neigh_resolved "$NS_GW" lan0 "$MS" ||
	e2e_cannot_run "the gateway did not resolve $MS on lan0 within 5 s"
ports="$UNLISTED_PORT $GW_PORT"
for s in $ALLOW_IN $DENY_IN; do
	ports="$ports ${s#*:}"
done
# shellcheck disable=SC2086 # a list of ports
e2e_listener_start "$NS_MS" "$LOG" $ports ||
	e2e_cannot_run "the mail-server listener did not start"
e2e_listener_start "$NS_GW" "$GW_LOG" "$GW_PORT" "$GW_OTHER" ||
	e2e_cannot_run "the gateway's own listener did not start"
e2e_server_start "$NS_MS" capture.py "$CAP_MS" --iface eth0 ||
	e2e_cannot_run "the capture on the mail server's wire did not start"

# The shipped config with the test's public address, and mailserver6.
CONF=$E2E_TMP/mxgw.conf
{
	sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf"
	printf 'mailserver6\t%s\n' "$MS"
} >"$CONF"

# --- 1. load ----------------------------------------------------------------

case_load() {
	local out rc

	out=$(mx -c "$CONF" load wan0 2>"$E2E_TMP/err")
	rc=$?
	[ "$rc" -eq 0 ] ||
		e2e_cannot_run "mxctl load wan0: exit $rc: $(head -c 300 "$E2E_TMP/err")" load_dual_stack
	# forwarding on, mailserver6 routed through lan0: nothing to warn of
	if [[ $out == "loaded on wan0: 13 services"* ]] && ! grep -q "IPv6\|mailserver6" "$E2E_TMP/err"; then
		ok load_dual_stack
	else
		fail load_dual_stack "mxctl load printed '$out'; stderr: $(head -c 300 "$E2E_TMP/err")"
	fi
	XDP_FEATURES=1
	grep -q "does not report xdp-features" "$E2E_TMP/err" && XDP_FEATURES=0
}

# --- 2. the table over IPv6, connection by connection -------------------------

case_table() {
	local specs=() s

	for s in $ALLOW_IN $DENY_IN; do
		specs+=("$C1:${s#*:}")
	done
	specs+=("$C1:$UNLISTED_PORT")
	batch "$MS" "${specs[@]}"
	for s in $ALLOW_IN; do
		expect_reached "in6_allow_${s%%:*}_${s#*:}" "$C1" "${s#*:}"
	done
	for s in $DENY_IN; do
		expect_dropped "in6_deny_${s%%:*}_${s#*:}" "$C1" "${s#*:}"
	done
	expect_dropped "in6_unlisted_$UNLISTED_PORT" "$C1" "$UNLISTED_PORT"

	# the same table over IPv4, next to it: one allowed, one denied
	batch "$E2E_PUBLIC" "$E2E_CLIENT1:25" "$E2E_CLIENT1:143"
	expect_reached in4_allow_smtp_25_next_to_ipv6 "$E2E_CLIENT1" 25 "$LOG" "$E2E_PUBLIC"
	expect_dropped in4_deny_imap_143_next_to_ipv6 "$E2E_CLIENT1" 143 "$E2E_PUBLIC"
}

# --- 3. another LAN address: nothing gets there unasked -----------------------

case_other_lan() {
	batch "$OTHER_LAN" "$C1:25" "$C1:$UNLISTED_PORT"
	expect_dropped other_lan_address_smtp_dropped "$C1" 25 "$OTHER_LAN"
	expect_dropped other_lan_address_unlisted_dropped "$C1" "$UNLISTED_PORT" "$OTHER_LAN"
}

# --- 4. both forward paths ----------------------------------------------------

case_forward_paths() {
	local x0 x1

	# GRO off at the mail server's end (the veth default): lan0 takes no
	# XDP frames, and the kernel forwards what mxgw let in (case 2 did)
	x0=$(lan0_xdp_xmit)
	batch "$MS" "$C1:25"
	expect_reached kernel_path_smtp_25 "$C1" 25
	x1=$(lan0_xdp_xmit)
	if [ "$x1" = "$x0" ]; then
		ok kernel_path_no_xdp_frames_into_lan0
	else
		fail kernel_path_no_xdp_frames_into_lan0 "lan0 took $((x1 - x0)) XDP frames with GRO off at its peer"
	fi

	# GRO on, reload: the fast path, XDP redirect into lan0
	ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 ||
		fail gro_on "ethtool -K eth0 gro on in the mail server failed"
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_after_gro_on 0 $? "mxctl reload wan0"
	x0=$(lan0_xdp_xmit)
	batch "$MS" "$C1:25" "$C1:465" "$C1:993"
	expect_reached xdp_redirect_smtp_25 "$C1" 25
	expect_reached xdp_redirect_smtps_465 "$C1" 465
	expect_reached xdp_redirect_imaps_993 "$C1" 993
	x1=$(lan0_xdp_xmit)
	if [ "$XDP_FEATURES" = 0 ]; then
		# no xdp-features (before 6.3): no fast path, the kernel forwards
		if [ "$x1" = "$x0" ]; then
			ok xdp_redirect_into_lan0
		else
			fail xdp_redirect_into_lan0 "no xdp-features, yet lan0 took $((x1 - x0)) XDP frames"
		fi
	elif [ "$x1" -ge $((x0 + 6)) ] 2>/dev/null; then
		# at least each connection's SYN and ACK
		ok xdp_redirect_into_lan0
	else
		fail xdp_redirect_into_lan0 "ethtool -S lan0 tx_queue_*_xdp_xmit: $x0 -> $x1, want at least +6 (three connections)"
	fi

	ns_exec "$NS_MS" ethtool -K eth0 gro off >/dev/null 2>&1
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_after_gro_off 0 $? "mxctl reload wan0"
	x0=$(lan0_xdp_xmit)
	batch "$MS" "$C1:25"
	expect_reached kernel_path_again_smtp_25 "$C1" 25
	if [ "$(lan0_xdp_xmit)" = "$x0" ]; then
		ok kernel_path_again_no_xdp_frames
	else
		fail kernel_path_again_no_xdp_frames "lan0 took XDP frames after GRO went off and a reload"
	fi
}

# --- 5. set-service applies to both families ----------------------------------

case_set_service() {
	local rc

	mx set-service imap in allow >/dev/null 2>"$E2E_TMP/err"
	expect_rc set_service_imap_in_allow 0 $? "mxctl set-service imap in allow"
	mx set-service smtp in deny >/dev/null 2>"$E2E_TMP/err"
	expect_rc set_service_smtp_in_deny 0 $? "mxctl set-service smtp in deny"
	batch "$MS" "$C1:143" "$C1:25"
	expect_reached set_service_imap_now_reached6 "$C1" 143
	expect_dropped set_service_smtp_now_dropped6 "$C1" 25
	mx set-service imap in deny >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	mx set-service smtp in allow >/dev/null 2>>"$E2E_TMP/err"
	expect_rc set_service_restore 0 $((rc | $?)) "mxctl set-service imap in deny / smtp in allow"
	batch "$MS" "$C1:143" "$C1:25"
	expect_dropped set_service_imap_dropped_again6 "$C1" 143
	expect_reached set_service_smtp_reached_again6 "$C1" 25
}

# --- 6. from with IPv6 prefixes -----------------------------------------------

# with_from CHECK FROM: the config with smtps restricted to FROM.
with_from() {
	sed "s|^\(service[[:space:]]\+smtps[[:space:]].*[^[:space:]]\)[[:space:]]*$|\1 from $2|" \
		"$CONF" >"$E2E_TMP/from.conf"
	if ! grep -q "^service[[:space:]]\+smtps[[:space:]].* from $2$" "$E2E_TMP/from.conf"; then
		fail "$1" "could not add 'from $2' to the smtps line"
		return 1
	fi
	mx -c "$E2E_TMP/from.conf" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc "$1" 0 $? "mxctl reload with smtps from $2"
}

case_from() {
	# IPv6 alone: the IPv4 clients are outside it too
	with_from reload_from_ipv6_prefix "$C1/128" || return
	batch "$MS" "$C1:465" "$C2:465" "$C2:25"
	expect_reached from6_listed_source_reached "$C1" 465
	expect_dropped from6_other_source_dropped "$C2" 465
	expect_reached from6_only_on_smtps "$C2" 25
	batch "$E2E_PUBLIC" "$E2E_CLIENT1:465"
	expect_dropped from6_lets_no_ipv4_in "$E2E_CLIENT1" 465 "$E2E_PUBLIC"

	# one list of both families, a /48 for IPv6
	with_from reload_from_mixed_list "$E2E_CLIENT1/32,2001:db8:51::/48" || return
	batch "$MS" "$C1:465" "$C2:465"
	expect_reached from_mixed_ipv6_prefix_c1 "$C1" 465
	expect_reached from_mixed_ipv6_prefix_c2 "$C2" 465
	batch "$E2E_PUBLIC" "$E2E_CLIENT1:465" "$E2E_CLIENT2:465"
	expect_reached from_mixed_ipv4_listed "$E2E_CLIENT1" 465 "$LOG" "$E2E_PUBLIC"
	expect_dropped from_mixed_ipv4_other "$E2E_CLIENT2" 465 "$E2E_PUBLIC"

	# IPv4 alone: no IPv6 source is in it
	with_from reload_from_ipv4_prefix "198.51.100.0/24" || return
	batch "$MS" "$C1:465"
	expect_dropped from4_lets_no_ipv6_in "$C1" 465
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_shipped_again 0 $? "mxctl reload wan0"
}

# --- 7. default allow -----------------------------------------------------------

case_default_allow() {
	sed "s/^default[[:space:]].*/default allow/" "$CONF" >"$E2E_TMP/allow.conf"
	mx -c "$E2E_TMP/allow.conf" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_default_allow 0 $? "mxctl reload with default allow" || return
	batch "$MS" "$C1:$UNLISTED_PORT" "$C1:143"
	expect_reached default_allow_unlisted_reached6 "$C1" "$UNLISTED_PORT"
	expect_dropped default_allow_listed_deny_still_dropped6 "$C1" 143
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_default_deny_again 0 $? "mxctl reload wan0"
	batch "$MS" "$C1:$UNLISTED_PORT"
	expect_dropped default_deny_unlisted_dropped_again6 "$C1" "$UNLISTED_PORT"
}

# --- 8. to gateway on the WAN's IPv6 address ------------------------------------

case_to_gateway() {
	reload_with reload_to_gateway "service adm $GW_PORT/tcp allow allow from $C1/128 to gateway" ||
		return
	batch "$WAN6" "$C1:$GW_PORT" "$C2:$GW_PORT" "$C1:$GW_OTHER"
	expect_reached to_gateway6_inside_from "$C1" "$GW_PORT" "$GW_LOG" "$WAN6"
	expect_dropped to_gateway6_outside_from "$C2" "$GW_PORT" "$WAN6"
	if grep -q "^$GW_PORT " "$LOG"; then
		fail to_gateway6_not_to_the_mail_server "the mail server's listener logged $(logged "$GW_PORT")"
	else
		ok to_gateway6_not_to_the_mail_server
	fi
	# what the table does not name on the gateway's own IPv6 addresses is
	# the host's business, as its other IPv4 addresses are
	expect_reached gateway6_unlisted_port_is_the_hosts "$C1" "$GW_OTHER" "$GW_LOG" "$WAN6"
	# a to gateway service is none of mailserver6's ports
	batch "$MS" "$C1:$GW_PORT"
	expect_dropped to_gateway6_port_not_to_mailserver6 "$C1" "$GW_PORT"

	mx set-service adm in deny >/dev/null 2>"$E2E_TMP/err"
	expect_rc set_service_adm_in_deny 0 $? "mxctl set-service adm in deny"
	batch "$WAN6" "$C1:$GW_PORT"
	expect_dropped to_gateway6_denied "$C1" "$GW_PORT" "$WAN6"
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_without_to_gateway 0 $? "mxctl reload wan0"
}

# --- 9. echo per icmp-echo --------------------------------------------------------

case_echo() {
	local res

	res=$(ping6 "$MS" 2)
	if [ "$res" = "ping 2 2" ]; then
		ok echo6_mailserver6_icmp_echo_allow
	else
		fail echo6_mailserver6_icmp_echo_allow "the Internet host pings $MS with icmp-echo allow: '$res'"
	fi
	res=$(ping6 "$OTHER_LAN" 2)
	if [ "$res" = "ping 0 2" ]; then
		ok echo6_other_lan_address_dropped
	else
		fail echo6_other_lan_address_dropped "the Internet host pings $OTHER_LAN: '$res', want no reply"
	fi
	reload_with reload_icmp_echo_deny "icmp-echo deny" || return
	res=$(ping6 "$MS" 2)
	if [ "$res" = "ping 0 2" ]; then
		ok echo6_mailserver6_icmp_echo_deny
	else
		fail echo6_mailserver6_icmp_echo_deny "the Internet host pings $MS with icmp-echo deny: '$res', want no reply"
	fi
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_icmp_echo_allow_again 0 $? "mxctl reload wan0"
}

# --- 10. unload: IPv6 is the kernel's alone again ----------------------------------

case_unload() {
	mx unload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc unload 0 $? "mxctl unload wan0"
	# nothing filters now: what mxgw dropped above gets through, which
	# says the drops were mxgw's
	batch "$MS" "$C1:143" "$C1:$UNLISTED_PORT"
	expect_reached unloaded_imap_143_reached6 "$C1" 143
	expect_reached unloaded_unlisted_reached6 "$C1" "$UNLISTED_PORT"
}

case_load
case_table
case_other_lan
case_forward_paths
case_set_service
case_from
case_default_allow
case_to_gateway
case_echo
case_unload
e2e_summary
