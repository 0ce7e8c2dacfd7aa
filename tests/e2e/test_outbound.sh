#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end, the outgoing direction: real connections from the mail
# server namespace, masqueraded by mxgw on the gateway namespace, to
# servers on the "Internet" (the topology of lib.sh, plus a "far" host
# behind a 1280-byte link for path-MTU discovery and a second LAN host).
# What is checked is what the LAN hosts get back (data, DNS answers, echo
# replies, ICMP errors, large transfers completing), what the Internet
# side saw (the peer address its servers log: the public address, never
# the LAN's; and, for the whole run, every packet the Internet host
# received from the gateway: no LAN address, checksums right), and what
# mxctl reports (conntrack, counters).
#
#   far 192.0.2.2 ─mtu 1280─ 192.0.2.1 inet 203.0.113.1 ─ wan0 gw lan0 ─ ms 192.168.1.10
#   (advmss 1460: its SYN-ACKs                                lan1 ─ lan2 192.168.2.10
#    announce more than the path carries)
#
# Helpers: inet_server.py (the Internet's servers), out_client.py (the
# clients, ping included: no ping binary needed), sniff.py (the Internet
# host's capture).  E2E_LOOP_COUNT sets the number of short connections.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

# One mxctl for the whole run, even if build/mxctl is rebuilt meanwhile:
# a newer one may not open the pins of the one that loaded.
cp "$MXCTL" "$E2E_TMP/mxctl" || e2e_cannot_run "cannot copy $MXCTL"
MXCTL=$E2E_TMP/mxctl

# The outgoing column of the shipped table, written out rather than read
# from etc/mxgw.conf: a config that drifts from it must fail here.
OUT_ALLOW="smtp:25 smtps:465 pop3:110 pop3s:995 imap:143 imaps:993 nntp:119 nntps:563 ldap:389 ldaps:636 http:80 https:443 dns:53"
UNLISTED_PORT=8080
BULK_PORT=443			# https: allowed out, so bulk transfers may use it
BULK_BYTES=$((4 << 20))
LOOP_COUNT=${E2E_LOOP_COUNT:-500}

INET=$E2E_INET_ADDR
PUB=$E2E_PUBLIC
MS=$E2E_MAILSERVER
FAR_ROUTER=192.0.2.1
FAR=192.0.2.2
FAR_MTU=1280
LAN_MTU=1280

LOG=$E2E_TMP/inet.log
FAR_LOG=$E2E_TMP/far.log

# --- helpers --------------------------------------------------------------

# oc NS ARGS...: the client (out_client.py) in namespace NS.
oc() {
	local ns=$1
	shift
	ns_exec "$ns" python3 "$E2E_DIR/out_client.py" "$@"
}

# srv_start NS LOG ARGS...: inet_server.py in NS; returns once it is bound.
srv_start() {
	local ns=$1 log=$2
	shift 2
	e2e_server_start "$ns" inet_server.py "$log" "$@"
}

# hold_start NAME NS DST PORT [SPORT]: a connection held open in the background
# (out_client.py hold); waits until it is established and exchanged a
# line.  Sets HOLD_LPORT and HOLD_SEEN (the server's view: IP:PORT), or
# returns 1.  hold_release NAME: let it exchange once more and close; its
# output is then in $E2E_TMP/NAME.out.
hold_start() {
	local name=$1 ns=$2 dst=$3 port=$4 sport=${5:-0} ready=$E2E_TMP/$1.ready
	rm -f "$ready" "$E2E_TMP/$name.release"
	nsenter --net="/run/netns/$ns" -- python3 "$E2E_DIR/out_client.py" hold \
		--dst "$dst" --port "$port" --sport "$sport" --ready "$ready" \
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

# expect_increase CHECK BEFORE AFTER EXPR...: every EXPR grew.
expect_increase() {
	local check=$1 before=$2 after=$3 b=() a=() i missing=
	shift 3
	mapfile -t b < <(jget "$before" "$@" 2>/dev/null)
	mapfile -t a < <(jget "$after" "$@" 2>/dev/null)
	for ((i = 1; i <= $#; i++)); do
		if ! [ "${a[$((i - 1))]:-x}" -gt "${b[$((i - 1))]:-x}" ] 2>/dev/null; then
			missing="$missing ${!i}=${b[$((i - 1))]:-?}->${a[$((i - 1))]:-?}"
		fi
	done
	if [ -z "$missing" ]; then
		ok "$check"
	else
		fail "$check" "did not increase:$missing"
	fi
}

# result PORT: the batch line of PORT (without the port).
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

# ct_json FILE: "mxctl -j conntrack" into FILE; ct_state FILE LAN PUBLIC
# REMOTE: the state of that flow, "none", or "badjson".  An empty field
# matches anything.
ct_json() {
	mx -j conntrack >"$1" 2>"$E2E_TMP/ct.err"
}

ct_state() {
	python3 - "$@" <<'EOF'
import json, sys
f, lan, pub, rem = sys.argv[1:5]
try:
    d = json.load(open(f))
    flows = d[0]["flows"]
except Exception:
    print("badjson")
    sys.exit()
for fl in flows:
    if (not lan or fl["lan"] == lan) and (not pub or fl["public"] == pub) \
            and (not rem or fl["remote"] == rem):
        print(fl["state"])
        break
else:
    print("none")
EOF
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
NS_FAR=mxgw-far-$$
e2e_ns_add "$NS_FAR" || e2e_cannot_run "cannot create network namespaces"
{
	ip link add far0 netns "$NS_INET" type veth peer name eth0 netns "$NS_FAR" &&
	ip -n "$NS_INET" addr add "$FAR_ROUTER/24" dev far0 &&
	ip -n "$NS_FAR" addr add "$FAR/24" dev eth0 &&
	ip -n "$NS_INET" link set far0 mtu "$FAR_MTU" up &&
	ip -n "$NS_FAR" link set lo up &&
	ip -n "$NS_FAR" link set eth0 mtu "$FAR_MTU" up &&
	# the far host announces the MSS of a 1500-byte link: only path-MTU
	# discovery (an ICMP error that must cross the gateway) saves the
	# mail server's large segments
	ip -n "$NS_FAR" route add default via "$FAR_ROUTER" advmss 1460 &&
	ns_exec "$NS_INET" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$NS_GW" route add 192.0.2.0/24 via "$INET" &&
	ns_exec "$NS_FAR" ethtool -K eth0 tx off >/dev/null &&
	ns_exec "$NS_INET" ethtool -K far0 tx off >/dev/null
} 2>"$E2E_TMP/far.err" ||
	e2e_cannot_run "cannot build the far link: $(head -1 "$E2E_TMP/far.err")"

# A second LAN host, on a LAN link of its own: masquerading is for every
# LAN host, and two of them may use the same source port.
NS_LAN2=mxgw-lan2-$$
LAN2=192.168.2.10
e2e_ns_add "$NS_LAN2" || e2e_cannot_run "cannot create network namespaces"
{
	ip link add lan1 netns "$NS_GW" type veth peer name eth0 netns "$NS_LAN2" &&
	ip -n "$NS_GW" addr add 192.168.2.1/24 dev lan1 &&
	ip -n "$NS_LAN2" addr add "$LAN2/24" dev eth0 &&
	ip -n "$NS_GW" link set lan1 up &&
	ip -n "$NS_LAN2" link set lo up &&
	ip -n "$NS_LAN2" link set eth0 up &&
	ip -n "$NS_LAN2" route add default via 192.168.2.1 &&
	ns_exec "$NS_LAN2" ethtool -K eth0 tx off >/dev/null
} 2>"$E2E_TMP/lan2.err" ||
	e2e_cannot_run "cannot build the second LAN link: $(head -1 "$E2E_TMP/lan2.err")"

# Everything the Internet host receives from the gateway, checked for LAN
# addresses and checksums for the whole run (sniff.py).
e2e_sniff_start

inet_ports=$UNLISTED_PORT
for s in $OUT_ALLOW; do
	inet_ports="$inet_ports ${s#*:}"
done
# shellcheck disable=SC2086 # a list of ports
srv_start "$NS_INET" "$LOG" --udp-dns $inet_ports ||
	e2e_cannot_run "the Internet servers did not start"
srv_start "$NS_FAR" "$FAR_LOG" "$BULK_PORT" ||
	e2e_cannot_run "the far server did not start"

# The shipped config with the test's public address.
CONF=$E2E_TMP/mxgw.conf
sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$PUB/" "$E2E_ROOT/etc/mxgw.conf" >"$CONF"
grep -qx "public[[:space:]]*${PUB//./\\.}" "$CONF" ||
	e2e_cannot_run "no 'public $PUB' line after replacing $E2E_SHIPPED_PUBLIC in etc/mxgw.conf" config_public_replaced

out=$(mx -c "$CONF" load wan0 2>"$E2E_TMP/err") ||
	e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/err")" load_shipped_table
ok load_shipped_table
# Before Linux 6.3 the kernel cannot say which devices take XDP frames (no
# xdp-features): mxctl says so and leaves the fast path off, and the
# kernel forwards everything (README, "Which devices take XDP frames").
XDP_FEATURES=1
grep -q "does not report xdp-features" "$E2E_TMP/err" && XDP_FEATURES=0

# --- 0. the table's outgoing column as shipped ------------------------------

case_table_shipped() {
	local st=$E2E_TMP/st0.json exprs=() vals=() s i bad=
	status_json "$st"
	for s in $OUT_ALLOW; do
		exprs+=("svc('${s%%:*}')['port'], svc('${s%%:*}')['outgoing']")
	done
	exprs+=("svc('(unlisted)')['outgoing']")
	mapfile -t vals < <(jget "$st" "${exprs[@]}" 2>/dev/null)
	i=0
	for s in $OUT_ALLOW; do
		[ "${vals[$i]:-}" = "(${s#*:}, 'allow')" ] || bad="$bad ${s%%:*}=${vals[$i]:-missing}"
		i=$((i + 1))
	done
	[ "${vals[$i]:-}" = deny ] || bad="$bad default_out=${vals[$i]:-missing}"
	if [ -z "$bad" ]; then
		ok table_outgoing_column
	else
		fail table_outgoing_column "status -j does not show the shipped outgoing column:$bad"
	fi
}

# --- 1. every outgoing port of the table --------------------------------------

case_out_table() {
	local before=$E2E_TMP/b1.json after=$E2E_TMP/a1.json ports=() s port name res
	local lport seen kept=0 notkept='' exprs=()

	for s in $OUT_ALLOW; do
		ports+=("${s#*:}")
	done
	status_json "$before"
	: >"$LOG"
	oc "$NS_MS" batch --dst "$INET" --timeout 3 "${ports[@]}" >"$E2E_TMP/batch" 2>&1
	status_json "$after"
	for s in $OUT_ALLOW; do
		name=${s%%:*} port=${s#*:}
		res=$(result "$port")
		read -r _ lport seen <<<"$res"
		if [ "${res%% *}" != ok ]; then
			fail "out_${name}_$port" "$MS -> $INET:$port: $res; server logged $(logged tcp "$port" "$LOG")"
		elif [ "${seen%:*}" != "$PUB" ]; then
			fail "out_${name}_$port" "data both ways, but the server saw the peer $seen, not $PUB"
		elif ! grep -q "^tcp $port $PUB " "$LOG" || grep -q "^tcp $port $MS " "$LOG"; then
			fail "out_${name}_$port" "server log for $port: $(logged tcp "$port" "$LOG") (want $PUB only)"
		else
			ok "out_${name}_$port"
		fi
		if [ "${res%% *}" = ok ]; then
			if [ "${seen##*:}" = "$lport" ]; then
				kept=$((kept + 1))
			else
				notkept="$notkept $lport->${seen##*:}"
			fi
		fi
		exprs+=("svc('$name')['out']['allowed']['packets']")
	done
	if grep -q " $MS " "$LOG"; then
		fail out_lan_address_never_seen "the Internet saw the LAN address: $(grep " $MS " "$LOG" | head -3 | tr '\n' ';')"
	else
		ok out_lan_address_never_seen
	fi
	# the mail server's ephemeral ports lie in nat-ports (32768-60999,
	# Linux's default range too): masquerading keeps them
	if [ "$kept" -eq "${#ports[@]}" ]; then
		ok out_source_port_kept
	else
		fail out_source_port_kept "$kept of ${#ports[@]} kept their port; changed:${notkept}"
	fi
	expect_increase out_counters "$before" "$after" "${exprs[@]}" \
		"d['counters']['snat_masq']" "d['counters']['ct_new']" "d['counters']['ct_reply']"
}

# --- 1b. a source port outside nat-ports ----------------------------------------

case_out_port_mapped() {
	local ct=$E2E_TMP/ct1b.json res st lport seen pport state
	oc "$NS_MS" batch --dst "$INET" --timeout 3 --sport 20000 443 >"$E2E_TMP/batch" 2>&1
	res=$(result 443)
	read -r st lport seen <<<"$res"
	pport=${seen##*:}
	if [ "$st" != ok ]; then
		fail out_port_outside_nat_ports "$MS:20000 -> $INET:443: $res"
		return
	elif [ "${seen%:*}" = "$PUB" ] && [ "$lport" = 20000 ] &&
		[ "$pport" -ge 32768 ] && [ "$pport" -le 60999 ]; then
		ok out_port_outside_nat_ports
	else
		fail out_port_outside_nat_ports "$MS:$lport -> $INET:443: the server saw $seen, want $PUB with a port in nat-ports 32768-60999"
	fi
	ct_json "$ct"
	state=$(ct_state "$ct" "$MS:20000" "$PUB:$pport" "$INET:443")
	case $state in
	tcp-*) ok conntrack_shows_mapped_port ;;
	*) fail conntrack_shows_mapped_port "no flow lan $MS:20000 public $PUB:$pport remote $INET:443: '$state'" ;;
	esac
}

# --- 1b'. two LAN hosts, one source port -----------------------------------------

case_two_lan_hosts() {
	local before=$E2E_TMP/b1d.json after=$E2E_TMP/a1d.json res st lport seen out
	if ! hold_start clash "$NS_MS" "$INET" 443 40000; then
		fail lan_hosts_same_port "could not hold $MS:40000 -> $INET:443: $(cat "$E2E_TMP/clash.out")"
		return
	fi
	status_json "$before"
	oc "$NS_LAN2" batch --dst "$INET" --timeout 3 --sport 40000 443 >"$E2E_TMP/batch" 2>&1
	status_json "$after"
	res=$(result 443)
	read -r st lport seen <<<"$res"
	hold_release clash
	out=$(tr '\n' ' ' <"$E2E_TMP/clash.out")
	if [ "$HOLD_SEEN" != "$PUB:40000" ]; then
		fail lan_hosts_same_port "the mail server's $MS:40000 was seen as $HOLD_SEEN, want $PUB:40000 (its port kept)"
	elif [ "$st" != ok ] || [ "${seen%:*}" != "$PUB" ]; then
		fail lan_hosts_same_port "$LAN2:40000 -> $INET:443 while $MS:40000 holds public port 40000: '$res'"
	elif [ "${seen##*:}" = 40000 ]; then
		fail lan_hosts_same_port "$LAN2:40000 was given public port 40000 too, which $MS:40000 holds"
	elif [[ $out != *"again ok"*"closed ok"* ]]; then
		fail lan_hosts_same_port "the mail server's connection on public port 40000 broke: $out"
	else
		ok lan_hosts_same_port
	fi
	expect_increase other_lan_host_kernel_path "$before" "$after" "d['counters']['fwd_kernel_other_host']"
}

# --- 1c. a closed port on the Internet: its RST comes back ---------------------

case_out_refused() {
	local res
	oc "$NS_MS" batch --dst "$FAR" --timeout 3 25 >"$E2E_TMP/batch" 2>&1
	res=$(result 25)
	if [ "$res" = refused ]; then
		ok out_closed_port_refused
	else
		fail out_closed_port_refused "$MS -> $FAR:25 (nobody listens): '$res', want refused (the RST translated back)"
	fi
}

# --- 3b. DNS from source port 53 ------------------------------------------------

# A resolver that sends its queries from port 53 (BIND's old
# "query-source port 53", still seen): an outgoing flow to an allowed
# destination like any other, so its answer must come back.
case_dns_from_53() {
	local res
	: >"$LOG"
	res=$(oc "$NS_MS" dns --dst "$INET" --proto udp --sport 53 --timeout 1 2>&1)
	if [ "$res" = "answer $PUB" ]; then
		ok dns_udp_from_source_port_53
	else
		fail dns_udp_from_source_port_53 "query $MS:53 -> $INET:53/udp: '$res' (want 'answer $PUB'); server logged $(logged udp 53 "$LOG")"
	fi
}

# UDP without a checksum (0): it stays 0 through the rewrite, or the
# Internet host drops the query.
case_dns_nocsum() {
	local res
	res=$(oc "$NS_MS" dns --dst "$INET" --proto udp --nocsum --timeout 1 2>&1)
	if [ "$res" = "answer $PUB" ]; then
		ok dns_udp_no_checksum
	else
		fail dns_udp_no_checksum "query without UDP checksum $MS -> $INET:53: '$res' (want 'answer $PUB')"
	fi
}

# --- 3c. ICMP errors about UDP flows, both ways -----------------------------------

case_udp_icmp_errors() {
	local before=$E2E_TMP/b3c.json after=$E2E_TMP/a3c.json res pport line

	# towards the LAN: the far host has no DNS server; its "port
	# unreachable" must reach the mail server's socket (ECONNREFUSED)
	status_json "$before"
	res=$(oc "$NS_MS" dns --dst "$FAR" --proto udp --sport 20053 --timeout 1 2>&1)
	status_json "$after"
	if [ "$res" = refused ]; then
		ok udp_port_unreachable_to_lan
	else
		fail udp_port_unreachable_to_lan "$MS:20053 -> $FAR:53/udp (nobody listens there): '$res', want refused (ECONNREFUSED) from the translated ICMP error"
	fi
	expect_increase udp_port_unreachable_to_lan_counted "$before" "$after" "d['counters']['icmp_xlate_in']"

	# towards the Internet: the mail server is gone when the (slow)
	# answer comes; its "port unreachable" must name the public address
	# and port inside, and come from the public address
	: >"$LOG"
	status_json "$before"
	res=$(oc "$NS_MS" dns --dst "$INET" --proto udp --sport 20054 --leave 2>&1)
	for _ in $(seq 20); do
		grep -q "^udperr " "$LOG" && break
		sleep 0.1
	done
	status_json "$after"
	pport=$(sed -n "s/^udp 53 $PUB \([0-9]*\)$/\1/p" "$LOG" | head -1)
	line=$(grep "^udperr " "$LOG" | head -1)
	if [ "$res" != "sent 20054" ] || [ -z "$pport" ]; then
		fail udp_port_unreachable_to_internet "query from $MS:20054: '$res'; server logged $(logged udp 53 "$LOG")"
	elif [ "$line" = "udperr $PUB $pport $PUB 3 3" ]; then
		ok udp_port_unreachable_to_internet
	else
		fail udp_port_unreachable_to_internet "the server's answer to $PUB:$pport met a closed port on the mail server; the Internet got '${line:-no ICMP error}', want 'udperr $PUB $pport $PUB 3 3' (about $PUB:$pport, from $PUB)"
	fi
	expect_increase udp_port_unreachable_to_internet_counted "$before" "$after" "d['counters']['icmp_xlate_out']"
}

# --- 9b. time exceeded about an echo (traceroute) ----------------------------------

case_echo_time_exceeded() {
	local res
	# TTL 2: the gateway forwards it with TTL 1, the Internet router
	# answers "time exceeded" quoting the echo with mxgw's identifier
	res=$(oc "$NS_MS" ping --dst "$FAR" --count 1 --ident 4243 --ttl 2 --timeout 1 2>&1)
	if [ "$(head -1 <<<"$res")" = "timeexceeded from $INET ok" ]; then
		ok echo_time_exceeded_to_lan
	else
		fail echo_time_exceeded_to_lan "$MS pings $FAR with TTL 2 (id 4243): $(tr '\n' ' ' <<<"$res"), want 'timeexceeded from $INET ok' (quoted echo id 4243, checksums right)"
	fi
}

# --- 10. replies of tracked flows on the XDP fast path --------------------------

# lan0_xdp_xmit: frames XDP redirected into lan0, as the veth counts them.
lan0_xdp_xmit() {
	ns_exec "$NS_GW" ethtool -S lan0 2>/dev/null |
		awk '/tx_queue_[0-9]+_xdp_xmit:/ { s += $2 } END { print s + 0 }'
}

case_fast_path() {
	local before=$E2E_TMP/b10.json after=$E2E_TMP/a10.json res path st x0 x1 want
	# GRO on at the mail server: lan0 takes redirected frames (see
	# test_inbound.sh); a reload re-syncs mxgw's device list
	if ! ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 ||
		! mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"; then
		fail fast_path_ct_replies "GRO on / reload: $(head -c 300 "$E2E_TMP/err")"
		return
	fi
	sleep 0.3
	status_json "$before"
	x0=$(lan0_xdp_xmit)
	oc "$NS_MS" batch --dst "$INET" --timeout 3 443 993 >"$E2E_TMP/batch" 2>&1
	res=$(oc "$NS_MS" download --dst "$INET" --port "$BULK_PORT" --bytes $((1 << 20)) --timeout 10 2>&1)
	x1=$(lan0_xdp_xmit)
	status_json "$after"
	path=$(jget "$after" "d['forward']['path']")
	st="443: $(result 443); 993: $(result 993); download: $res"
	if [ "$XDP_FEATURES" = 1 ]; then
		want=xdp-redirect
	else
		want=kernel	# no xdp-features: GRO changes nothing
	fi
	if [[ $(result 443) == ok* && $(result 993) == ok* && $res == ok* && $path == "$want" ]]; then
		ok fast_path_ct_replies
	else
		fail fast_path_ct_replies "with GRO on at the mail server: $st; path $path (want $want)"
	fi
	if [ "$XDP_FEATURES" = 1 ]; then
		expect_increase fast_path_ct_replies_redirected "$before" "$after" \
			"d['counters']['fwd_redirect']" "d['counters']['ct_reply']"
	else
		expect_increase fast_path_ct_replies_redirected "$before" "$after" \
			"d['counters']['fwd_kernel_no_xmit']" "d['counters']['ct_reply']"
	fi
	# the kernel's own count of frames sent into lan0 by XDP (veth)
	if [ "$XDP_FEATURES" = 0 ] && [ "${x1:-x}" = "${x0:-y}" ]; then
		ok fast_path_lan0_xdp_xmit
	elif [ "$XDP_FEATURES" = 1 ] && [ "${x1:-0}" -gt "${x0:-0}" ] 2>/dev/null; then
		ok fast_path_lan0_xdp_xmit
	else
		fail fast_path_lan0_xdp_xmit "ethtool -S lan0 tx_queue_*_xdp_xmit: ${x0:-?} -> ${x1:-?}, want $([ "$XDP_FEATURES" = 1 ] && echo "an increase" || echo "no change (no xdp-features)")"
	fi
	ns_exec "$NS_MS" ethtool -K eth0 gro off >/dev/null 2>&1
	mx -c "$CONF" reload wan0 >/dev/null 2>&1
}

# --- 2. a port the table does not list ----------------------------------------

case_out_default_deny() {
	local before=$E2E_TMP/b2.json after=$E2E_TMP/a2.json res
	status_json "$before"
	: >"$LOG"
	oc "$NS_MS" batch --dst "$INET" --timeout "$E2E_TIMEOUT" "$UNLISTED_PORT" >"$E2E_TMP/batch" 2>&1
	status_json "$after"
	res=$(result "$UNLISTED_PORT")
	if [ "$res" != timeout ]; then
		fail out_unlisted_denied "$MS -> $INET:$UNLISTED_PORT: '$res', want no answer (timeout)"
	elif grep -q "^tcp $UNLISTED_PORT " "$LOG"; then
		fail out_unlisted_denied "timed out, yet the server logged $(logged tcp "$UNLISTED_PORT" "$LOG")"
	else
		ok out_unlisted_denied
	fi
	expect_increase out_unlisted_counted "$before" "$after" \
		"d['counters']['drop_out_default_deny']" "svc('(unlisted)')['out']['denied']['packets']"
}

# --- 3. DNS ---------------------------------------------------------------------

case_dns() {
	local proto res
	: >"$LOG"
	for proto in udp tcp; do
		res=$(oc "$NS_MS" dns --dst "$INET" --proto "$proto" --timeout 3 2>&1)
		if [ "$res" = "answer $PUB" ] && grep -q "^$proto 53 $PUB " "$LOG"; then
			ok "dns_$proto"
		else
			fail "dns_$proto" "query $MS -> $INET:53/$proto: '$res' (want 'answer $PUB': the peer the server saw); server logged $(logged "$proto" 53 "$LOG")"
		fi
	done
}

# --- 4. conntrack -------------------------------------------------------------

case_conntrack() {
	local ct=$E2E_TMP/ct.json st=$E2E_TMP/st4.json lport seen state text out n flows

	if ! hold_start ct "$NS_MS" "$INET" 443; then
		fail conntrack_established "could not hold a connection to $INET:443: $(cat "$E2E_TMP/ct.out")"
		return
	fi
	lport=$HOLD_LPORT seen=$HOLD_SEEN
	if ! ct_json "$ct"; then
		fail conntrack_json "mxctl -j conntrack failed: $(head -c 300 "$E2E_TMP/ct.err")"
	elif python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["ifname"]=="wan0"; [f["proto"]+f["lan"]+f["public"]+f["remote"]+f["state"] for f in d[0]["flows"]]; int(d[0]["count"]); int(d[0]["max"])' "$ct" 2>/dev/null; then
		ok conntrack_json
	else
		fail conntrack_json "not the expected JSON: $(head -c 300 "$ct")"
	fi
	state=$(ct_state "$ct" "$MS:$lport" "$seen" "$INET:443")
	if [ "$state" = tcp-established ]; then
		ok conntrack_established
	else
		fail conntrack_established "flow lan $MS:$lport public $seen remote $INET:443: state '$state'; conntrack -j: $(head -c 400 "$ct")"
	fi
	text=$(mx conntrack 2>&1)
	if grep -E "^tcp +$MS:$lport +$seen +$INET:443 +tcp-established " <<<"$text" >/dev/null; then
		ok conntrack_text
	else
		fail conntrack_text "no line 'tcp $MS:$lport $seen $INET:443 tcp-established' in: $(head -c 400 <<<"$text")"
	fi

	hold_release ct
	out=$(tr '\n' ' ' <"$E2E_TMP/ct.out")
	if [[ $out == *"again ok"*"closed ok"* ]]; then
		ok conntrack_held_connection_closes
	else
		fail conntrack_held_connection_closes "client: $out"
	fi
	ct_json "$ct"
	state=$(ct_state "$ct" "$MS:$lport" "$seen" "$INET:443")
	case $state in
	tcp-fin-wait | tcp-close-wait | tcp-last-ack | tcp-time-wait | tcp-close)
		ok "conntrack_closing_state"
		echo "# after an orderly close: $state"
		;;
	*) fail conntrack_closing_state "after close: state '$state'" ;;
	esac

	status_json "$st"
	read -r flows n <<<"$(jget "$st" "d['conntrack']['entries']" "d['conntrack']['max']" | tr '\n' ' ')"
	if [ "${flows:-0}" -gt 0 ] 2>/dev/null && [ "${n:-0}" -ge 1024 ] 2>/dev/null &&
		jget "$st" "d['counters']['ct_new'] + d['counters']['ct_evicted'] + d['counters']['drop_nat_full']" >/dev/null 2>&1; then
		ok status_conntrack_object
	else
		fail status_conntrack_object "status -j conntrack: entries=$flows max=$n: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["interfaces"][0].get("conntrack"))' "$st" 2>&1)"
	fi

	out=$(mx conntrack flush 2>&1)
	expect_rc_msg conntrack_flush $? "$out"
	ct_json "$ct"
	n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))[0]; print(len(d["flows"]), d["count"])' "$ct" 2>&1)
	status_json "$st"
	flows=$(jget "$st" "d['conntrack']['entries']")
	if [ "$n" = "0 0" ] && [ "$flows" = 0 ]; then
		ok conntrack_flush_empties
	else
		fail conntrack_flush_empties "after flush: conntrack -j flows/count '$n', status flows '$flows'"
	fi
}

expect_rc_msg() {
	if [ "$2" -eq 0 ]; then
		ok "$1"
	else
		fail "$1" "exit $2: $3"
	fi
}

# --- 6. the gateway's own connection ---------------------------------------------

case_gateway_own() {
	local before=$E2E_TMP/b6.json after=$E2E_TMP/a6.json text out lport seen
	status_json "$before"
	if ! hold_start gw "$NS_GW" "$INET" 443; then
		fail gateway_own_connection "from the gateway to $INET:443: $(cat "$E2E_TMP/gw.out")"
		return
	fi
	lport=$HOLD_LPORT seen=$HOLD_SEEN
	text=$(mx conntrack 2>&1)
	hold_release gw
	status_json "$after"
	out=$(tr '\n' ' ' <"$E2E_TMP/gw.out")
	if [ "$seen" = "$PUB:$lport" ] && [[ $out == *"again ok"*"closed ok"* ]]; then
		ok gateway_own_connection
	else
		fail gateway_own_connection "server saw $seen (want $PUB:$lport); client: $out"
	fi
	expect_increase gateway_own_pass_local "$before" "$after" "d['counters']['pass_local']"
	if grep -E "^tcp +\(gateway\) +$PUB:$lport +$INET:443 +tcp-established " <<<"$text" >/dev/null; then
		ok conntrack_shows_gateway
	else
		fail conntrack_shows_gateway "no line 'tcp (gateway) $PUB:$lport $INET:443 tcp-established' in: $(head -c 500 <<<"$text")"
	fi
	out=$(oc "$NS_GW" ping --dst "$INET" --count 2 --timeout 1 2>&1)
	if [ "$out" = "ping 2 2" ]; then
		ok gateway_own_ping
	else
		fail gateway_own_ping "the gateway pings $INET: '$out'"
	fi
}

# --- 7. set-service ... out deny ----------------------------------------------------

case_set_service_out() {
	local before=$E2E_TMP/b7.json after=$E2E_TMP/a7.json res out held=1 v seen reused

	# a connection to :25 that is open before the deny
	hold_start smtp "$NS_MS" "$INET" 25 || held=0
	# and one that was, from a fixed port, closed by a RST (its tuple is
	# free again at once; mxgw still tracks it, in tcp-close)
	oc "$NS_MS" batch --dst "$INET" --timeout 3 --sport 20100 --rst 25 >"$E2E_TMP/batch" 2>&1
	reused=$(result 25)
	mx set-service smtp out deny >/dev/null 2>"$E2E_TMP/err"
	expect_rc_msg set_service_smtp_out_deny $? "$(head -c 300 "$E2E_TMP/err")"
	status_json "$before"
	: >"$LOG"
	oc "$NS_MS" batch --dst "$INET" --timeout "$E2E_TIMEOUT" 25 465 >"$E2E_TMP/batch" 2>&1
	status_json "$after"
	res=$(result 25)
	if [ "$res" = timeout ] && ! grep -q "^tcp 25 " "$LOG"; then
		ok out_deny_smtp_refused_at_once
	else
		fail out_deny_smtp_refused_at_once "$MS -> $INET:25 after 'set-service smtp out deny': '$res'; server logged $(logged tcp 25 "$LOG")"
	fi
	res=$(result 465)
	if [ "${res%% *}" = ok ]; then
		ok out_deny_smtp_only
	else
		fail out_deny_smtp_only "smtps (465) after denying smtp: '$res'"
	fi
	# a new connection on the tuple of the closed one is a new flow too
	# (netfilter: a SYN on a tcp-close/time-wait entry is NEW again)
	if [[ $reused != ok* ]]; then
		fail out_deny_reused_tuple "could not open $MS:20100 -> $INET:25 before the deny: $reused"
	else
		oc "$NS_MS" batch --dst "$INET" --timeout "$E2E_TIMEOUT" --sport 20100 25 >"$E2E_TMP/batch" 2>&1
		res=$(result 25)
		if [ "$res" = timeout ]; then
			ok out_deny_reused_tuple
		else
			fail out_deny_reused_tuple "a new connection $MS:20100 -> $INET:25 (the tuple of one closed by RST before 'set-service smtp out deny') after the deny: '$res', want timeout (denied)"
		fi
	fi
	expect_increase out_deny_smtp_counted "$before" "$after" \
		"svc('smtp')['out']['denied']['packets']" "d['counters']['drop_out_service_deny']"
	v=$(jget "$after" "svc('smtp')['outgoing'], svc('smtp')['incoming']")
	if [ "$v" = "('deny', 'allow')" ]; then
		ok set_service_out_only
	else
		fail set_service_out_only "smtp outgoing/incoming: $v, want deny/allow"
	fi
	if [ "$held" = 1 ]; then
		hold_release smtp
		out=$(tr '\n' ' ' <"$E2E_TMP/smtp.out")
		if [[ $out == *"again ok"* ]]; then
			ok out_deny_established_continues
		else
			fail out_deny_established_continues "the connection to :25 open before the deny: $out"
		fi
	else
		fail out_deny_established_continues "could not open the connection to :25 before the deny: $(cat "$E2E_TMP/smtp.out")"
	fi

	mx set-service smtp out allow >/dev/null 2>"$E2E_TMP/err"
	expect_rc_msg set_service_smtp_out_allow $? "$(head -c 300 "$E2E_TMP/err")"
	oc "$NS_MS" batch --dst "$INET" --timeout 3 25 >"$E2E_TMP/batch" 2>&1
	res=$(result 25)
	read -r v _ seen <<<"$res"
	if [ "$v" = ok ] && [ "${seen%:*}" = "$PUB" ]; then
		ok out_allow_smtp_restored
	else
		fail out_allow_smtp_restored "$MS -> $INET:25 after 'set-service smtp out allow': '$res'"
	fi
}

# --- 8. many short connections -------------------------------------------------------

case_many() {
	local before=$E2E_TMP/b8.json after=$E2E_TMP/a8.json res nok nfail secs n0 n1
	status_json "$before"
	res=$(oc "$NS_MS" loop --dst "$INET" --port 443 --count "$LOOP_COUNT" --timeout 3 2>&1)
	status_json "$after"
	read -r _ nok nfail secs <<<"$(head -1 <<<"$res")"
	if [ "${nok:-0}" = "$LOOP_COUNT" ] && [ "${nfail:-1}" = 0 ]; then
		ok "short_connections_$LOOP_COUNT"
		echo "# $LOOP_COUNT short connections in ${secs}s"
	else
		fail "short_connections_$LOOP_COUNT" "$(tr '\n' ' ' <<<"$res")"
	fi
	n0=$(jget "$before" "d['counters']['ct_new']")
	n1=$(jget "$after" "d['counters']['ct_new']")
	if [ $((n1 - n0)) -ge "$LOOP_COUNT" ] 2>/dev/null; then
		ok short_connections_tracked
	else
		fail short_connections_tracked "conntrack new $n0 -> $n1 for $LOOP_COUNT connections"
	fi
}

# --- 9. ICMP echo ----------------------------------------------------------------------

case_icmp_echo() {
	local res ct=$E2E_TMP/ct9.json before=$E2E_TMP/b9.json after=$E2E_TMP/a9.json state
	local conf_deny=$E2E_TMP/deny.conf held=1 out

	# from the mail server, with an identifier outside nat-ports: mxgw
	# maps it to one of its own and back
	res=$(oc "$NS_MS" ping --dst "$INET" --count 3 --ident 4242 --timeout 1 2>&1)
	if [ "$res" = "ping 3 3" ]; then
		ok lan_ping_internet
	else
		fail lan_ping_internet "$MS pings $INET (id 4242): '$res'"
	fi
	ct_json "$ct"
	state=$(ct_state "$ct" "$MS id 4242" "" "$INET")
	if [ "$state" = icmp ]; then
		ok conntrack_shows_echo
	else
		fail conntrack_shows_echo "no icmp flow 'lan $MS id 4242, remote $INET': '$state'"
	fi

	res=$(oc "$NS_INET" ping --dst "$PUB" --count 2 --timeout 1 2>&1)
	if [ "$res" = "ping 2 2" ]; then
		ok ping_public_icmp_echo_allow
	else
		fail ping_public_icmp_echo_allow "$INET pings $PUB with icmp-echo allow (the default): '$res'"
	fi

	{ cat "$CONF"; echo "icmp-echo deny"; } >"$conf_deny"
	hold_start reload "$NS_MS" "$INET" 993 || held=0
	mx -c "$conf_deny" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc_msg reload_icmp_echo_deny $? "$(head -c 300 "$E2E_TMP/err")"
	if [ "$held" = 1 ]; then
		hold_release reload
		out=$(tr '\n' ' ' <"$E2E_TMP/reload.out")
		if [[ $out == *"again ok"*"closed ok"* ]]; then
			ok reload_keeps_flows
		else
			fail reload_keeps_flows "a connection open across 'mxctl reload': $out"
		fi
	else
		fail reload_keeps_flows "could not open a connection to $INET:993: $(cat "$E2E_TMP/reload.out")"
	fi
	status_json "$before"
	res=$(oc "$NS_INET" ping --dst "$PUB" --count 2 --timeout 0.5 2>&1)
	status_json "$after"
	if [ "$res" = "ping 0 2" ]; then
		ok ping_public_icmp_echo_deny
	else
		fail ping_public_icmp_echo_deny "$INET pings $PUB with icmp-echo deny: '$res', want no answer"
	fi
	expect_increase icmp_echo_deny_counted "$before" "$after" "d['counters']['drop_icmp_echo']"
	# echo *replies* to the LAN's own pings are not echo requests
	res=$(oc "$NS_MS" ping --dst "$INET" --count 1 --timeout 1 2>&1)
	if [ "$res" = "ping 1 1" ]; then
		ok lan_ping_under_icmp_echo_deny
	else
		fail lan_ping_under_icmp_echo_deny "$MS pings $INET with icmp-echo deny: '$res'"
	fi

	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc_msg reload_icmp_echo_allow $? "$(head -c 300 "$E2E_TMP/err")"
	res=$(oc "$NS_INET" ping --dst "$PUB" --count 2 --timeout 1 2>&1)
	if [ "$res" = "ping 2 2" ]; then
		ok ping_public_icmp_echo_allow_again
	else
		fail ping_public_icmp_echo_allow_again "$INET pings $PUB after reloading icmp-echo allow: '$res'"
	fi
}

# --- 11. timeouts ----------------------------------------------------------------

# "timeout udp-stream 1": an answered query's flow is gone from conntrack
# after a second (and its port mapping can be reused).
case_timeout() {
	local conf_t=$E2E_TMP/timeout.conf ct=$E2E_TMP/ct11.json res s1 s2
	{ cat "$CONF"; echo "timeout udp-stream 1"; } >"$conf_t"
	if ! mx -c "$conf_t" reload wan0 >/dev/null 2>"$E2E_TMP/err"; then
		fail conntrack_udp_timeout "reload with 'timeout udp-stream 1': $(head -c 300 "$E2E_TMP/err")"
		return
	fi
	res=$(oc "$NS_MS" dns --dst "$INET" --proto udp --sport 20200 --timeout 1 2>&1)
	ct_json "$ct"
	s1=$(ct_state "$ct" "$MS:20200" "" "$INET:53")
	sleep 1.5
	ct_json "$ct"
	s2=$(ct_state "$ct" "$MS:20200" "" "$INET:53")
	if [ "$res" = "answer $PUB" ] && [ "$s1" = udp-stream ] && [ "$s2" = none ]; then
		ok conntrack_udp_timeout
	else
		fail conntrack_udp_timeout "query: '$res'; flow $MS:20200 -> $INET:53 state '$s1' at once, '$s2' 1.5 s later (want udp-stream, none)"
	fi
	# the same flow again after it expired: a new mapping, answered
	res=$(oc "$NS_MS" dns --dst "$INET" --proto udp --sport 20200 --timeout 1 2>&1)
	if [ "$res" = "answer $PUB" ]; then
		ok conntrack_udp_after_timeout
	else
		fail conntrack_udp_after_timeout "the same query again after its flow expired: '$res'"
	fi
	mx -c "$CONF" reload wan0 >/dev/null 2>&1
}

# --- 11b. nat-ports: a range of four, six flows to one remote endpoint -----------

case_nat_ports() {
	local conf_n=$E2E_TMP/natports.conf before=$E2E_TMP/b11b.json after=$E2E_TMP/a11b.json
	local nok nto pports bad
	{ cat "$CONF"; echo "nat-ports 50000-50003"; } >"$conf_n"
	if ! mx -c "$conf_n" reload wan0 >/dev/null 2>"$E2E_TMP/err" ||
		! mx conntrack flush >/dev/null 2>>"$E2E_TMP/err"; then
		fail nat_ports_range "reload with 'nat-ports 50000-50003' / conntrack flush: $(head -c 300 "$E2E_TMP/err")"
		return
	fi
	status_json "$before"
	# source ports outside the range: each flow needs a port of it
	oc "$NS_MS" batch --dst "$INET" --timeout "$E2E_TIMEOUT" --sport 20300 \
		443 443 443 443 443 443 >"$E2E_TMP/batch" 2>&1
	status_json "$after"
	nok=$(grep -c "^443 ok " "$E2E_TMP/batch")
	nto=$(grep -c "^443 timeout$" "$E2E_TMP/batch")
	pports=$(awk '$2 == "ok" { sub(/.*:/, "", $4); print $4 }' "$E2E_TMP/batch" | sort -u | tr '\n' ' ')
	bad=$(awk '$2 == "ok" { sub(/.*:/, "", $4); if ($4 < 50000 || $4 > 50003) print $4 }' "$E2E_TMP/batch")
	if [ "$nok" = 4 ] && [ "$nto" = 2 ] && [ -z "$bad" ] && [ "$(wc -w <<<"$pports")" = 4 ]; then
		ok nat_ports_range
	else
		fail nat_ports_range "6 flows $MS:20300.. -> $INET:443 with nat-ports 50000-50003: $nok connected (public ports: ${pports:-none}), $nto timed out; want 4 on 50000-50003, 2 refused: $(tr '\n' ';' <"$E2E_TMP/batch")"
	fi
	expect_increase nat_ports_full_counted "$before" "$after" \
		"d['counters']['drop_nat_full']"
	mx -c "$CONF" reload wan0 >/dev/null 2>&1
}

# --- 5. path-MTU discovery through the gateway ------------------------------------------

# route_mtu NS DST: the mtu "ip route get" reports for DST in NS (the
# path MTU learnt from ICMP), or "-".
route_mtu() {
	local r
	r=$(ip -n "$1" route get "$2" 2>/dev/null | tr '\n' ' ')
	if [[ $r =~ mtu\ ([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}"
	else
		echo -
	fi
}

case_pmtu_in() {
	local before=$E2E_TMP/b5.json after=$E2E_TMP/a5.json res mtu
	status_json "$before"
	: >"$FAR_LOG"
	res=$(oc "$NS_MS" upload --dst "$FAR" --port "$BULK_PORT" --bytes "$BULK_BYTES" --timeout 10 2>&1)
	status_json "$after"
	mtu=$(route_mtu "$NS_MS" "$FAR")
	if [ "${res%% *}" = ok ]; then
		ok pmtu_upload_through_1280_link
		echo "# $BULK_BYTES bytes $MS -> $FAR across the $FAR_MTU link in ${res##* }s"
	else
		fail pmtu_upload_through_1280_link "$MS uploads $BULK_BYTES bytes to $FAR:$BULK_PORT: $res; path MTU on the mail server: $mtu; far server logged $(logged tcp "$BULK_PORT" "$FAR_LOG")"
	fi
	if [ "$mtu" = "$FAR_MTU" ]; then
		ok pmtu_learnt_by_mail_server
	else
		fail pmtu_learnt_by_mail_server "ip route get $FAR on the mail server: mtu '$mtu', want $FAR_MTU (the frag-needed did not reach it)"
	fi
	expect_increase pmtu_icmp_xlate_in "$before" "$after" "d['counters']['icmp_xlate_in']"
	if grep -q "^tcp $BULK_PORT $PUB " "$FAR_LOG"; then
		ok pmtu_far_saw_public
	else
		fail pmtu_far_saw_public "far server logged $(logged tcp "$BULK_PORT" "$FAR_LOG")"
	fi
}

case_pmtu_out() {
	local before=$E2E_TMP/b5b.json after=$E2E_TMP/a5b.json res mtu
	# The LAN link gets a smaller MTU than the WAN; the mail server still
	# announces the MSS of 1500 bytes towards the download server, so the
	# gateway's kernel must send "fragmentation needed" to the Internet,
	# about a packet that mxgw had translated to the mail server.
	if ! { ip -n "$NS_GW" link set lan0 mtu "$LAN_MTU" &&
		ip -n "$NS_MS" link set eth0 mtu "$LAN_MTU" &&
		ip -n "$NS_MS" route add "$INET/32" via "$E2E_LAN_GW" advmss 1460; } 2>"$E2E_TMP/err"; then
		fail pmtu_download_through_1280_lan "cannot set up the smaller LAN MTU: $(head -1 "$E2E_TMP/err")"
		return
	fi
	status_json "$before"
	res=$(oc "$NS_MS" download --dst "$INET" --port "$BULK_PORT" --bytes "$BULK_BYTES" --timeout 10 2>&1)
	status_json "$after"
	mtu=$(route_mtu "$NS_INET" "$PUB")
	if [ "${res%% *}" = ok ]; then
		ok pmtu_download_through_1280_lan
		echo "# $BULK_BYTES bytes $INET -> $MS across the $LAN_MTU LAN in ${res##* }s"
	else
		fail pmtu_download_through_1280_lan "$MS downloads $BULK_BYTES bytes from $INET:$BULK_PORT: $res; path MTU to $PUB on the Internet host: $mtu"
	fi
	if [ "$mtu" = "$LAN_MTU" ]; then
		ok pmtu_learnt_by_internet_host
	else
		fail pmtu_learnt_by_internet_host "ip route get $PUB on the Internet host: mtu '$mtu', want $LAN_MTU (the gateway's frag-needed did not reach it translated)"
	fi
	expect_increase pmtu_icmp_xlate_out "$before" "$after" "d['counters']['icmp_xlate_out']"
}

# The same download with the XDP fast path to the mail server (GRO on):
# mxgw must leave the packets too big for the LAN to the kernel (its
# next hop's MTU), or they would vanish in lan0.
case_pmtu_out_fast() {
	local before=$E2E_TMP/b5c.json after=$E2E_TMP/a5c.json res mtu
	ip -n "$NS_INET" route flush cache	# forget the path MTU learnt above
	if [ "$(route_mtu "$NS_INET" "$PUB")" != - ] ||
		! ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 ||
		! mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"; then
		fail pmtu_download_fast_path "cannot set up: path MTU still $(route_mtu "$NS_INET" "$PUB"), GRO on / reload: $(head -c 300 "$E2E_TMP/err")"
		return
	fi
	sleep 0.3
	status_json "$before"
	res=$(oc "$NS_MS" download --dst "$INET" --port "$BULK_PORT" --bytes "$BULK_BYTES" --timeout 10 2>&1)
	status_json "$after"
	mtu=$(route_mtu "$NS_INET" "$PUB")
	if [ "${res%% *}" = ok ] && [ "$mtu" = "$LAN_MTU" ]; then
		ok pmtu_download_fast_path
	else
		fail pmtu_download_fast_path "with GRO on at the mail server: download: $res; path MTU to $PUB on the Internet host: $mtu (want $LAN_MTU)"
	fi
	if [ "$XDP_FEATURES" = 1 ]; then
		expect_increase pmtu_fast_path_counted "$before" "$after" \
			"d['counters']['fwd_kernel_mtu']" "d['counters']['icmp_xlate_out']" "d['counters']['fwd_redirect']"
	else
		expect_increase pmtu_fast_path_counted "$before" "$after" "d['counters']['icmp_xlate_out']"
	fi
	ns_exec "$NS_MS" ethtool -K eth0 gro off >/dev/null 2>&1
	mx -c "$CONF" reload wan0 >/dev/null 2>&1
}

# --- 12. what the Internet saw, all along ---------------------------------------


T0=$SECONDS
case_table_shipped
case_out_table
case_out_port_mapped
case_two_lan_hosts
case_out_refused
case_out_default_deny
case_dns
case_dns_from_53
case_dns_nocsum
case_udp_icmp_errors
case_conntrack
case_gateway_own
case_set_service_out
case_icmp_echo
case_echo_time_exceeded
case_many
case_fast_path
case_timeout
case_nat_ports
case_pmtu_in
case_pmtu_out
case_pmtu_out_fast
e2e_sniff_checks
echo "# $((SECONDS - T0))s"
e2e_summary
