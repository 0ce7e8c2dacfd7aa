#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: real TCP connections from an "Internet" namespace, through
# mxgw loaded on a gateway namespace, to a mail-server namespace (the
# topology is in lib.sh).  What is checked is what a client on the
# Internet sees (banner or not), what the mail server sees (the peer
# address it logs), and what mxctl reports.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
# MXCTL may name the binary (default: build/mxctl of this checkout).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

# The shipped table as the seed specifies it, written out rather than read
# from etc/mxgw.conf: a config that drifts from it must fail here.
ALLOW_IN="smtp:25 smtps:465 pop3s:995 imaps:993 nntps:563 ldaps:636 https:443"
DENY_IN="pop3:110 imap:143 nntp:119 ldap:389 http:80 dns:53"
UNLISTED_PORT=8080
ALL_NAMES="smtp smtps pop3 pop3s imap imaps nntp nntps ldap ldaps http https dns"

C1=$E2E_CLIENT1
C2=$E2E_CLIENT2
LOG=$E2E_TMP/listener.log

# --- helpers --------------------------------------------------------------

# batch SRC:PORT...: a fresh listener log, then one batch of connections.
batch() {
	: >"$LOG"
	e2e_connect "$@"
}

# A result in words, for FAIL messages.
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
	lines=$(grep "^$1 " "$LOG" | tr '\n' ';')
	echo "${lines:-nothing}"
}

# expect_reached CHECK SRC PORT: the client got the listener's banner for
# PORT, and the listener logged the client's own address (DNAT keeps the
# source; a masquerading gateway would show up as 203.0.113.33 or
# 192.168.1.1 here).
expect_reached() {
	local check=$1 src=$2 port=$3 res
	res=$(conn_result "$src" "$port")
	if [ "$res" = nobanner ] && grep -qx "$port $src" "$LOG"; then
		# the way in worked: what went missing is on the way back
		fail "$check" "$src -> $E2E_PUBLIC:$port: $(describe "$res"), though the listener logged '$port $src' and sent it: the replies are lost on the way back (reply rewrite to $E2E_PUBLIC?)"
	elif [ "$res" != "banner 220 mxgw-e2e $port" ]; then
		fail "$check" "$src -> $E2E_PUBLIC:$port: $(describe "$res"); listener logged for $port: $(logged "$port")"
	elif ! grep -qx "$port $src" "$LOG"; then
		fail "$check" "$src -> :$port got the banner, but the listener logged $(logged "$port"), not '$port $src'"
	elif grep "^$port " "$LOG" | grep -qvx "$port $C1\|$port $C2"; then
		fail "$check" "the listener saw a peer that is no client on :$port: $(logged "$port")"
	else
		ok "$check"
	fi
}

# expect_dropped CHECK SRC PORT: mxgw dropped the SYN: no answer at all
# (not even a RST), and nothing reached the listener.
expect_dropped() {
	local check=$1 src=$2 port=$3 res
	res=$(conn_result "$src" "$port")
	if [ "$res" != timeout ]; then
		fail "$check" "$src -> $E2E_PUBLIC:$port: $(describe "$res"); want no answer (dropped)"
	elif grep -qx "$port $src" "$LOG"; then
		fail "$check" "timed out, yet the listener logged $(logged "$port")"
	else
		ok "$check"
	fi
}

# expect_rc CHECK WANT RC WHAT: an exit status.
expect_rc() {
	if [ "$3" -eq "$2" ]; then
		ok "$1"
	else
		fail "$1" "$4: exit $3, want $2: $(head -c 300 "$E2E_TMP/err")"
	fi
}

# bpf_net: "XDP_ID TC_ID TC_NAME" attached to wan0, "-" where none, from
# bpftool net show in the gateway namespace ("?" if bpftool fails, so
# that no check passes on an empty answer).
bpf_net() {
	local xdp rest
	read -r xdp rest <<<"$(bpf_net_attached)"
	# under libxdp's dispatcher: mxgw's component of it
	echo "$(e2e_xdp_decider "$NS_GW" wan0 "$xdp") $rest"
}

bpf_net_attached() {
	local json
	json=$(ns_exec "$NS_GW" bpftool -j net show dev wan0) || { echo "? ? ?"; return; }
	python3 - "$json" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
x = [e for n in d for e in n.get("xdp", []) if e.get("devname") == "wan0"]
t = [e for n in d for e in n.get("tc", [])
     if e.get("devname") == "wan0" and e.get("kind") == "clsact/egress"]
print(x[0]["id"] if x else "-", t[0]["id"] if t else "-",
      t[0]["name"].split(":")[0] if t else "-")
EOF
}

prog_name() {
	ns_exec "$NS_GW" bpftool -j prog show id "$1" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])' 2>/dev/null ||
		echo "?"
}

# neigh_resolved: the gateway has resolved the mail server's MAC on lan0.
# One UDP datagram to the discard port starts the ARP exchange; then the
# entry is polled until REACHABLE (deadline 5 s).
neigh_resolved() {
	ns_exec "$NS_GW" python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"", (sys.argv[1], 9))' \
		"$E2E_MAILSERVER" 2>/dev/null || return 1
	for _ in $(seq 50); do
		[ -n "$(ip -n "$NS_GW" neigh show to "$E2E_MAILSERVER" dev lan0 nud reachable)" ] &&
			return 0
		sleep 0.1
	done
	return 1
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
PINS=$(e2e_pin_dir "$NS_GW" wan0) || e2e_cannot_run "cannot find the namespace's cookie"
# Before the first packet to the mail server: each CPU's next-hop cache
# keeps the result of its first fib lookup for MXGW_NEXTHOP_TTL_NS, and a
# lookup before ARP is done says NO_NEIGH, so a batch taken by one CPU
# would all count fwd_kernel_no_neigh, and case 3 (fwd_kernel_no_xmit)
# would depend on how the scheduler spread the packets over the CPUs.
neigh_resolved ||
	e2e_cannot_run "the gateway did not resolve $E2E_MAILSERVER on lan0 within 5 s"
# every port of the table, and one that the table does not list
ports=$UNLISTED_PORT
for s in $ALLOW_IN $DENY_IN; do
	ports="$ports ${s#*:}"
done
# shellcheck disable=SC2086 # a list of ports
e2e_listener_start "$NS_MS" "$LOG" $ports ||
	e2e_cannot_run "the mail-server listener did not start"

# The shipped config with the test's public address.
CONF=$E2E_TMP/mxgw.conf
sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf" >"$CONF"
if grep -qx "public[[:space:]]*${E2E_PUBLIC//./\\.}" "$CONF" &&
	! grep -q "${E2E_SHIPPED_PUBLIC//./\\.}" "$CONF"; then
	ok config_public_replaced
else
	fail config_public_replaced "no 'public $E2E_PUBLIC' line after replacing $E2E_SHIPPED_PUBLIC in etc/mxgw.conf"
fi

# --- 1. load ----------------------------------------------------------------

case_load() {
	local out rc net xdp tc tcname pinned

	out=$(mx -c "$CONF" load wan0 2>"$E2E_TMP/err")
	rc=$?
	if [ "$rc" -ne 0 ]; then
		e2e_cannot_run "mxctl load wan0: exit $rc: $(head -c 300 "$E2E_TMP/err")" load_shipped_table
	fi
	case $out in
	"loaded on wan0: 13 services"*) ok load_shipped_table ;;
	*) fail load_shipped_table "mxctl load printed '$out'" ;;
	esac
	# Before Linux 6.3 the kernel cannot say which devices take XDP
	# frames (no xdp-features): mxctl says so and leaves the fast path
	# off, and the kernel forwards everything (README, "Which devices").
	XDP_FEATURES=1
	grep -q "does not report xdp-features" "$E2E_TMP/err" && XDP_FEATURES=0

	net=$(bpf_net)
	read -r xdp tc tcname <<<"$net"
	XDP_ID=$xdp
	pinned=$(ns_exec "$NS_GW" bpftool -j prog show pinned "$PINS/mxgw_wan_in" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
	# bpftool net show gives the XDP program's id only; its name comes
	# from bpftool prog show
	if [ "$xdp" = - ]; then
		fail bpftool_net_xdp_on_wan0 "bpftool net show lists no XDP program on wan0"
	elif [ "$(prog_name "$xdp")" != mxgw_wan_in ]; then
		fail bpftool_net_xdp_on_wan0 "XDP program $xdp on wan0 is named '$(prog_name "$xdp")'"
	elif [ "$xdp" != "$pinned" ]; then
		fail bpftool_net_xdp_on_wan0 "XDP id $xdp on wan0, but the pinned mxgw_wan_in is ${pinned:-missing}"
	else
		ok bpftool_net_xdp_on_wan0
	fi
	if [ "$tcname" = mxgw_wan_out ]; then
		ok bpftool_net_tc_egress_on_wan0
	else
		fail bpftool_net_tc_egress_on_wan0 "tc clsact/egress on wan0: '$tcname' (id $tc)"
	fi
}

# --- 2. the table, connection by connection ---------------------------------

case_table() {
	local specs=() s before=$E2E_TMP/before.json after=$E2E_TMP/after.json
	local exprs=() b=() vals=() i missing

	for s in $ALLOW_IN $DENY_IN; do
		specs+=("$C1:${s#*:}")
	done
	specs+=("$C1:$UNLISTED_PORT")
	status_json "$before"
	batch "${specs[@]}"
	status_json "$after"

	for s in $ALLOW_IN; do
		expect_reached "in_allow_${s%%:*}_${s#*:}" "$C1" "${s#*:}"
	done
	for s in $DENY_IN; do
		expect_dropped "in_deny_${s%%:*}_${s#*:}" "$C1" "${s#*:}"
	done
	expect_dropped "in_unlisted_$UNLISTED_PORT" "$C1" "$UNLISTED_PORT"

	# counters: before and after in one python run each
	for s in $DENY_IN; do
		exprs+=("svc('${s%%:*}')['in']['denied']['packets']")
	done
	exprs+=("svc('(unlisted)')['in']['denied']['packets']")
	for s in $ALLOW_IN; do
		exprs+=("svc('${s%%:*}')['in']['allowed']['packets']")
	done
	exprs+=("d['counters']['drop_service_deny']" "d['counters']['drop_default_deny']"
		"d['counters']['snat_reply']")
	mapfile -t b < <(jget "$before" "${exprs[@]}")
	mapfile -t vals < <(jget "$after" "${exprs[@]}")
	missing=
	for i in "${!exprs[@]}"; do
		# a value that is missing or not a number fails too
		if ! [ "${vals[$i]:-x}" -gt "${b[$i]:-x}" ] 2>/dev/null; then
			missing="$missing ${exprs[$i]}=${b[$i]:-?}->${vals[$i]:-?}"
		fi
	done
	if [ -z "$missing" ]; then
		ok status_counters_increased
	else
		fail status_counters_increased "did not increase:$missing"
	fi
}

# --- 3. both forward paths --------------------------------------------------

# fwd FILE: "PATH REDIRECTED KERNEL NO_XMIT"
fwd() {
	jget "$1" "d['forward']['path']" "d['counters']['fwd_redirect']" \
		"d['forward']['kernel_packets']" "d['counters']['fwd_kernel_no_xmit']" | tr '\n' ' '
}

case_forward_paths() {
	local st=$E2E_TMP/fwd.json path red ker noxmit red0 ker0 reason

	# (a) the mail server's eth0 has GRO off (the veth default): lan0
	# takes no XDP frames, so the kernel forwards every packet of case 2,
	# each counted as fwd_kernel_no_xmit (the next hop was resolved
	# before the first one: see neigh_resolved)
	status_json "$st"
	read -r path red ker noxmit <<<"$(fwd "$st")"
	if [ "$path" = kernel ] && [ "$ker" -gt 0 ] && [ "$red" -eq 0 ] && [ "$noxmit" -eq "$ker" ]; then
		ok forward_kernel_path_gro_off
	else
		fail forward_kernel_path_gro_off "path=$path kernel=$ker redirected=$red fwd_kernel_no_xmit=$noxmit fwd_kernel_no_neigh=$(jget "$st" "d['counters']['fwd_kernel_no_neigh']") (want kernel, >0, 0, =kernel)"
	fi
	# the hint that sends a veth user to GRO names the other half: with
	# tx offload on at the hosts' ends, redirected frames are lost (the
	# sentence is status's, for people; -j says the reason in a word)
	reason="$(jget "$st" "d['forward']['reason']") $(mx status 2>&1 | sed -n 's/^  forward path: //p')"
	if [[ $reason == "no_xmit kernel: lan0 takes no XDP frames"*"GRO"*"'ethtool -K IF tx off'"*"partial checksums"* ]]; then
		ok status_gro_hint_names_tx_off
	else
		fail status_gro_hint_names_tx_off "forward reason: '$reason'"
	fi

	# (b) GRO on the far end: lan0 now takes redirected frames, and a
	# reload re-syncs the fast-path device list
	ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 ||
		fail gro_on "ethtool -K eth0 gro on in the mail server failed"
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_after_gro_on 0 $? "mxctl reload wan0"
	sleep 0.3
	status_json "$st"
	read -r _ red0 ker0 _ <<<"$(fwd "$st")"
	batch "$C1:25" "$C1:465" "$C1:993"
	expect_reached xdp_redirect_smtp_25 "$C1" 25
	expect_reached xdp_redirect_smtps_465 "$C1" 465
	expect_reached xdp_redirect_imaps_993 "$C1" 993
	status_json "$st"
	read -r path red ker _ <<<"$(fwd "$st")"
	if [ "$XDP_FEATURES" = 0 ]; then
		# no xdp-features: GRO changes nothing, the kernel path stays
		if [ "$path" = kernel ] && [ "$red" -eq "$red0" ] && [ "$ker" -gt "$ker0" ]; then
			ok forward_xdp_redirect_gro_on
		else
			fail forward_xdp_redirect_gro_on "kernel without xdp-features: path=$path redirected $red0->$red kernel $ker0->$ker (want kernel, unchanged, increasing)"
		fi
	elif [ "$path" = xdp-redirect ] && [ "$red" -gt "$red0" ]; then
		ok forward_xdp_redirect_gro_on
	else
		fail forward_xdp_redirect_gro_on "path=$path redirected $red0->$red kernel $ker0->$ker (want xdp-redirect, increasing)"
	fi

	# (c) and back: GRO off again, reload; mxgw must stop redirecting
	# into lan0, or the frames would vanish in the veth
	ns_exec "$NS_MS" ethtool -K eth0 gro off >/dev/null 2>&1 ||
		fail gro_off "ethtool -K eth0 gro off in the mail server failed"
	# before the reload the device list is stale: status must say so
	status_json "$st"
	if [ "$(jget "$st" "d['forward']['fast_path_lost']")" = "$([ "$XDP_FEATURES" = 1 ] && echo True || echo False)" ]; then
		# without xdp-features there was no fast path to lose
		ok status_warns_fast_path_lost
	else
		fail status_warns_fast_path_lost "fast_path_lost is not true after GRO went off"
	fi
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_after_gro_off 0 $? "mxctl reload wan0"
	sleep 0.3
	batch "$C1:25"
	expect_reached kernel_again_smtp_25 "$C1" 25
	status_json "$st"
	read -r path red ker _ <<<"$(fwd "$st")"
	if [ "$path" = kernel ] && [ "$ker" -gt "$ker0" ]; then
		ok forward_kernel_path_gro_off_again
	else
		fail forward_kernel_path_gro_off_again "path=$path kernel $ker0->$ker (want kernel, increasing)"
	fi
}

# --- 3b. xdp-redirect: the devices named, or none --------------------------

# The operator's word over the kernel's: "off" keeps lan0 out of the fast
# path though it takes XDP frames; a list puts the devices named in, on
# every kernel (before 6.3, which cannot be asked, the only way to the
# fast path); a name not here is reported and left out.  Only lan0 is
# named: wan0's peer (the Internet host) has no XDP program or GRO, so the
# mail server's replies redirected into it would be lost (tried: every
# connection failed), which is why the kernel's answer is the default.
# redirect_try NAME LINE: the config as it was (REDIR_AUTO) plus LINE,
# reloaded; then smtp and imaps through it.  Sets path, red0/red (XDP
# redirected before/after) and ker0/ker (the kernel path's).
redirect_try() {
	local name=$1 line=$2 st=$E2E_TMP/redir.json

	cp "$REDIR_AUTO" "$CONF"
	printf '\n%s\n' "$line" >>"$CONF"
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc "${name}_reload" 0 $? "mxctl reload wan0 ($line)"
	[ "$name" = redirect_missing ] && return
	sleep 0.3
	status_json "$st"
	read -r _ red0 ker0 _ <<<"$(fwd "$st")"
	batch "$C1:25" "$C1:993"
	expect_reached "${name}_smtp_25" "$C1" 25
	expect_reached "${name}_imaps_993" "$C1" 993
	status_json "$st"
	read -r path red ker _ <<<"$(fwd "$st")"
}

case_redirect_named() {
	local path red ker red0 ker0

	REDIR_AUTO=$E2E_TMP/conf.auto
	cp "$CONF" "$REDIR_AUTO"
	ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 ||
		fail redirect_gro_on "ethtool -K eth0 gro on in the mail server failed"

	redirect_try redirect_off "xdp-redirect off"
	if [ "$path" = kernel ] && [ "$red" -eq "$red0" ] && [ "$ker" -gt "$ker0" ]; then
		ok redirect_off_kernel_forwards
	else
		fail redirect_off_kernel_forwards "path=$path redirected $red0->$red kernel $ker0->$ker (want kernel, unchanged, increasing)"
	fi

	redirect_try redirect_named "xdp-redirect lan0"
	# on every kernel: xdp-features or not (XDP_FEATURES=$XDP_FEATURES)
	if [ "$path" = xdp-redirect ] && [ "$red" -gt "$red0" ] && [ "$ker" -eq "$ker0" ]; then
		ok redirect_named_xdp_redirects
	else
		fail redirect_named_xdp_redirects "path=$path redirected $red0->$red kernel $ker0->$ker (want xdp-redirect, increasing, unchanged)"
	fi

	redirect_try redirect_missing "xdp-redirect lan0,nosuch0"
	if grep -q "^mxctl: reload wan0: note: xdp-redirect: no device nosuch0 here" "$E2E_TMP/err"; then
		ok redirect_missing_device_reported
	else
		fail redirect_missing_device_reported "stderr: $(cat "$E2E_TMP/err")"
	fi

	# back to the defaults the next cases expect: auto, GRO off
	cp "$REDIR_AUTO" "$CONF"
	ns_exec "$NS_MS" ethtool -K eth0 gro off >/dev/null 2>&1 ||
		fail redirect_gro_off "ethtool -K eth0 gro off in the mail server failed"
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc redirect_auto_again 0 $? "mxctl reload wan0 (auto)"
	sleep 0.3
}

# --- 4. set-service ---------------------------------------------------------

case_set_service() {
	local st=$E2E_TMP/svc.json rc bad=() v

	mx set-service imap in allow >/dev/null 2>"$E2E_TMP/err"
	expect_rc set_service_imap_in_allow 0 $? "mxctl set-service imap in allow"
	mx set-service smtp in deny >/dev/null 2>"$E2E_TMP/err"
	expect_rc set_service_smtp_in_deny 0 $? "mxctl set-service smtp in deny"
	batch "$C1:143" "$C1:25"
	expect_reached set_service_imap_now_reached "$C1" 143
	expect_dropped set_service_smtp_now_dropped "$C1" 25
	# "in" changes the incoming verdict only
	status_json "$st"
	v=$(jget "$st" "svc('imap')['incoming'], svc('imap')['outgoing'], svc('smtp')['incoming'], svc('smtp')['outgoing']")
	if [ "$v" = "('allow', 'allow', 'deny', 'allow')" ]; then
		ok set_service_in_only
	else
		fail set_service_in_only "status: imap in/out, smtp in/out = $v; want allow allow deny allow"
	fi

	mx set-service imap in deny >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	mx set-service smtp in allow >/dev/null 2>>"$E2E_TMP/err"
	expect_rc set_service_restore 0 $((rc | $?)) "mxctl set-service imap in deny / smtp in allow"
	batch "$C1:143" "$C1:25"
	expect_dropped set_service_imap_dropped_again "$C1" 143
	expect_reached set_service_smtp_reached_again "$C1" 25

	mx set-service nosuch in allow >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	local missing=
	for v in $ALL_NAMES; do
		grep -qw "$v" "$E2E_TMP/err" || missing="$missing $v"
	done
	if [ "$rc" -eq 1 ] && grep -q "known services" "$E2E_TMP/err" && [ -z "$missing" ]; then
		ok set_service_unknown_name
	else
		fail set_service_unknown_name "exit $rc (want 1), known services missing:${missing:- none}; stderr: $(head -c 300 "$E2E_TMP/err")"
	fi

	# usage errors: exit 2
	for v in "set-service" "set-service smtp" "set-service smtp sideways allow" \
		"set-service smtp in maybe" "set-service smtp in allow extra" "frobnicate"; do
		# shellcheck disable=SC2086 # split on purpose
		mx $v >/dev/null 2>&1
		rc=$?
		[ "$rc" -eq 2 ] || bad+=("'mxctl $v' exit $rc")
	done
	if [ ${#bad[@]} -eq 0 ]; then
		ok bad_usage_exit_2
	else
		fail bad_usage_exit_2 "${bad[*]}"
	fi
}

# --- 5. from, and a config that does not parse ------------------------------

case_from() {
	local conf_from=$E2E_TMP/from.conf conf_bad=$E2E_TMP/bad.conf line st=$E2E_TMP/from.json
	local nf0 nf1 rc v

	sed "s/^\(service[[:space:]]\+smtps[[:space:]].*[^[:space:]]\)[[:space:]]*$/\1 from $C1\/32/" \
		"$CONF" >"$conf_from"
	if ! grep -q "^service[[:space:]]\+smtps[[:space:]].* from $C1/32$" "$conf_from"; then
		fail from_config "could not add 'from $C1/32' to the smtps line"
		return
	fi
	status_json "$st"
	nf0=$(jget "$st" "d['counters']['drop_not_from']")
	mx -c "$conf_from" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_from_config 0 $? "mxctl reload with smtps from $C1/32"
	batch "$C1:465" "$C2:465" "$C2:25"
	expect_reached from_listed_source_reached "$C1" 465
	expect_dropped from_other_source_dropped "$C2" 465
	expect_reached from_only_on_smtps "$C2" 25
	status_json "$st"
	read -r nf1 v <<<"$(jget "$st" "d['counters']['drop_not_from']" "svc('smtps')['from'] == ['$C1/32']" | tr '\n' ' ')"
	if [ "$nf1" -gt "$nf0" ] && [ "$v" = True ]; then
		ok from_counted
	else
		fail from_counted "drop_not_from $nf0->$nf1, smtps from=$(jget "$st" "svc('smtps')['from']") (want increasing, ['$C1/32'])"
	fi

	# A syntax error on a known line, after a line that would change
	# something (smtp incoming deny): the reload must change nothing.
	sed -e "s/^\(service[[:space:]]\+smtp[[:space:]]\+25\/tcp[[:space:]]\+allow[[:space:]]\+\)allow/\1deny/" \
		-e "s/^\(service[[:space:]]\+imaps[[:space:]]\+993\/tcp[[:space:]]\+allow[[:space:]]\+\)allow/\1maybe/" \
		"$conf_from" >"$conf_bad"
	line=$(grep -n "^service[[:space:]]\+imaps[[:space:]].*maybe" "$conf_bad" | cut -d: -f1)
	if [ -z "$line" ] || ! grep -q "^service[[:space:]]\+smtp[[:space:]].*deny" "$conf_bad"; then
		fail bad_config_rejected "could not build the broken config"
		return
	fi
	mx -c "$conf_bad" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q "^$conf_bad:$line: " "$E2E_TMP/err"; then
		ok bad_config_rejected
	else
		fail bad_config_rejected "exit $rc (want non-zero), stderr should name $conf_bad:$line: : $(head -c 300 "$E2E_TMP/err")"
	fi
	batch "$C1:25" "$C1:465" "$C2:465"
	expect_reached bad_config_smtp_unchanged "$C1" 25
	expect_reached bad_config_smtps_unchanged "$C1" 465
	expect_dropped bad_config_from_unchanged "$C2" 465
}

# --- 6. load again ----------------------------------------------------------

case_load_again() {
	local xdp tc name out1 out2 rc1 rc2 xdp0=$XDP_ID tc0

	read -r _ tc0 _ <<<"$(bpf_net)"
	out1=$(mx -c "$CONF" load wan0 2>"$E2E_TMP/err")
	rc1=$?
	out2=$(mx -c "$CONF" load wan0 2>>"$E2E_TMP/err")
	rc2=$?
	if [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] &&
		[[ $out1 == "re-applied on wan0"* ]] && [[ $out2 == "re-applied on wan0"* ]]; then
		ok load_again_reapplies
	else
		fail load_again_reapplies "exit $rc1/$rc2, printed '$out1' / '$out2'; stderr: $(head -c 300 "$E2E_TMP/err")"
	fi
	read -r xdp tc name <<<"$(bpf_net)"
	if [ "$xdp" = "$xdp0" ] && [ "$tc" = "$tc0" ]; then
		ok load_again_same_programs
	else
		fail load_again_same_programs "xdp id $xdp0->$xdp, tc id $tc0->$tc ($name)"
	fi
	# and it did apply the shipped table: smtps is open to all again
	batch "$C2:465" "$C1:25"
	expect_reached load_again_table_applied "$C2" 465
	expect_reached load_again_smtp_still_reached "$C1" 25
}

# --- 7. unload --------------------------------------------------------------

case_unload() {
	local out xdp tc name res

	out=$(mx unload wan0 2>"$E2E_TMP/err")
	expect_rc unload 0 $? "mxctl unload wan0 ($out)"
	read -r xdp tc name <<<"$(bpf_net)"
	if [ "$xdp" = - ] && [[ $name != mxgw* ]]; then
		ok unload_detaches
	else
		fail unload_detaches "bpftool net show on wan0 still lists xdp id $xdp, tc $name (id $tc)"
	fi
	if [ ! -e "$PINS" ]; then
		ok unload_removes_pins
	else
		fail unload_removes_pins "$PINS still there: $(cd "$PINS" && echo *)"
	fi
	batch "$C1:25"
	res=$(conn_result "$C1" 25)
	if ! grep -q "^25 " "$LOG" && [ "${res%% *}" != banner ] && [ "$res" != nobanner ]; then
		ok unload_no_dnat
	else
		fail unload_no_dnat "$C1 -> :25 after unload: $(describe "$res"); listener logged $(logged 25)"
	fi
	mx status >/dev/null 2>"$E2E_TMP/err"
	expect_rc status_after_unload 1 $? "mxctl status with nothing loaded"
}

case_load
case_table
case_forward_paths
case_redirect_named
case_set_service
case_from
case_load_again
case_unload
e2e_summary
