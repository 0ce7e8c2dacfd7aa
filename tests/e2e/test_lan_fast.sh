#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end, the LAN's XDP fast path (issue 14): `mxctl load wan0` puts
# mxgw_lan_in on lan0 (the device the mail server is routed through), and
# both directions of the mail server's bulk traffic leave from XDP: a
# 10 MB upload of an outgoing connection (lan_fast_established) and a
# 10 MB download over an incoming one, the mail server's replies
# (lan_fast_reply).  The Internet host never sees a LAN address and every
# checksum is right (sniff.py, for the whole run); the gateway's own LAN
# traffic is left to the kernel; a LAN device that runs another XDP
# program fails the load with nothing changed; reload keeps the program,
# unload removes it.
#
# The Internet host and the mail server run XDP_PASS on their ends of the
# veths (e2e_xdp_pass): a veth takes redirected frames only then, and
# mxctl load puts only such devices in mxgw_tx_ports.
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

INET=$E2E_INET_ADDR
PUB=$E2E_PUBLIC
MS=$E2E_MAILSERVER
BULK=$((10 << 20))
OUT_PORT=443		# https: allowed out
IN_PORT=993		# imaps: allowed in
LOG=$E2E_TMP/inet.log
MS_LOG=$E2E_TMP/ms.log

oc() {
	local ns=$1
	shift
	ns_exec "$ns" python3 "$E2E_DIR/out_client.py" "$@"
}

# expect_grew CHECK BEFORE AFTER EXPR MIN: EXPR grew by at least MIN.
expect_grew() {
	local check=$1 b a
	b=$(jget "$2" "$4" 2>/dev/null)
	a=$(jget "$3" "$4" 2>/dev/null)
	if [ "$((${a:-0} - ${b:-0}))" -ge "$5" ] 2>/dev/null; then
		ok "$check"
		echo "# $4: ${b:-?} -> ${a:-?}"
	else
		fail "$check" "$4: ${b:-?} -> ${a:-?}, want at least $5 more"
	fi
}

# xdp_on NS DEV: "ID NAME" of the XDP program on DEV, "- -" when none.
xdp_on() {
	local id
	id=$(ns_exec "$1" bpftool -j net show dev "$2" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
x = [e for n in d for e in n.get("xdp", []) if e.get("devname") == sys.argv[1]]
print(x[0]["id"] if x else "-")' "$2" 2>/dev/null)
	if [ -z "$id" ] || [ "$id" = - ]; then
		echo "- -"
		return
	fi
	echo "$id $(ns_exec "$1" bpftool -j prog show id "$id" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])' 2>/dev/null)"
}

pinned_id() {
	ns_exec "$NS_GW" bpftool -j prog show pinned "$PINS/$1" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' 2>/dev/null
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
PINS=$(e2e_pin_dir "$NS_GW" wan0) || e2e_cannot_run "cannot find the namespace's cookie"
{ e2e_xdp_pass "$NS_INET" eth0 && e2e_xdp_pass "$NS_MS" eth0; } ||
	e2e_cannot_run "cannot attach XDP_PASS to the far ends of the veths ($XDP_PASS_OBJ)"
# resolved before the first fib lookup: one that finds no neighbour is
# cached for a while, and the kernel path taken meanwhile
{ e2e_neigh_resolved "$NS_GW" wan0 "$INET" &&
	e2e_neigh_resolved "$NS_GW" lan0 "$MS"; } ||
	e2e_cannot_run "the gateway did not resolve its neighbours within 5 s"

e2e_sniff_start

e2e_server_start "$NS_INET" inet_server.py "$LOG" "$OUT_PORT" ||
	e2e_cannot_run "the Internet server did not start"
e2e_server_start "$NS_MS" inet_server.py "$MS_LOG" "$IN_PORT" ||
	e2e_cannot_run "the mail server's server did not start"

CONF=$E2E_TMP/mxgw.conf
sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$PUB/" "$E2E_ROOT/etc/mxgw.conf" >"$CONF"
grep -qx "public[[:space:]]*${PUB//./\\.}" "$CONF" ||
	e2e_cannot_run "no 'public $PUB' line after replacing $E2E_SHIPPED_PUBLIC in etc/mxgw.conf"

# --- 1. a LAN device with another XDP program: both or nothing -------------

case_lan_busy() {
	local rc
	if ! e2e_xdp_pass "$NS_GW" lan0; then
		fail load_lan_busy_changes_nothing "cannot attach XDP_PASS to lan0"
		return
	fi
	mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -ne 1 ]; then
		fail load_lan_busy_changes_nothing "mxctl load wan0 with lan0 busy: exit $rc, want 1"
	elif [ "$(xdp_on "$NS_GW" wan0)" != "- -" ] || ns_exec "$NS_GW" test -e "$PINS"; then
		fail load_lan_busy_changes_nothing "wan0 runs '$(xdp_on "$NS_GW" wan0)' after the failed load; pins there: $(ns_exec "$NS_GW" ls "$PINS" 2>&1 | head -3 | tr '\n' ' ')"
	elif [ "$(xdp_on "$NS_GW" lan0 | cut -d' ' -f2)" = mxgw_lan_in ]; then
		fail load_lan_busy_changes_nothing "the other program on lan0 was replaced"
	else
		ok load_lan_busy_changes_nothing
		echo "# $(head -1 "$E2E_TMP/err")"
	fi
	ip -n "$NS_GW" link set dev lan0 xdp off
}

# --- 2. load: mxgw_lan_in on lan0 --------------------------------------------

# NAMED=1 where the kernel cannot say which devices take XDP frames
# (xdp-features, Linux 6.3+: Debian 12's 6.1 cannot): the operator names
# them, `xdp-redirect wan0,lan0` (both far ends run XDP_PASS), and the fast
# path runs as where the kernel is asked.
NAMED=0

case_load() {
	local out id name st
	out=$(mx -c "$CONF" load wan0 2>"$E2E_TMP/err") ||
		e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/err")" load_lan
	if grep -q "does not report xdp-features" "$E2E_TMP/err"; then
		NAMED=1
		printf '\nxdp-redirect wan0,lan0\n' >>"$CONF"
		mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err" ||
			e2e_cannot_run "mxctl reload wan0 (xdp-redirect wan0,lan0): $(head -c 300 "$E2E_TMP/err")" load_lan
		echo "# this kernel does not report xdp-features: the devices named (xdp-redirect wan0,lan0)"
	fi
	read -r id name <<<"$(xdp_on "$NS_GW" lan0)"
	LAN_ID=$id
	if [[ $out != *"LAN xdp on lan0"* ]]; then
		fail load_lan "mxctl load printed '$out'"
	elif [ "$name" != mxgw_lan_in ] || [ "$id" != "$(pinned_id mxgw_lan_in)" ]; then
		fail load_lan "lan0 runs XDP '$id $name', the pinned mxgw_lan_in is '$(pinned_id mxgw_lan_in)'"
	else
		ok load_lan
	fi
	status_json "$E2E_TMP/st.json"
	st=$(jget "$E2E_TMP/st.json" "d['lan_xdp']['device']" "d['lan_xdp']['id']" 2>&1 | tr '\n' ' ')
	if [ "$st" = "lan0 $id " ]; then
		ok status_json_lan_xdp
	else
		fail status_json_lan_xdp "status -j lan_xdp: '$st', want 'lan0 $id'"
	fi
	if mx status 2>/dev/null | grep -q "lan xdp mxgw_lan_in on lan0 (id $id, native)"; then
		ok status_text_lan_xdp
	else
		fail status_text_lan_xdp "status: $(mx status 2>&1 | head -3 | tr '\n' '|')"
	fi
}

# --- 3. outgoing: an established flow from XDP ---------------------------------

case_outgoing() {
	local b=$E2E_TMP/b1.json a=$E2E_TMP/a1.json res
	status_json "$b"
	res=$(oc "$NS_MS" upload --dst "$INET" --port "$OUT_PORT" --bytes "$BULK" --timeout 30 2>&1)
	status_json "$a"
	if [[ $res == ok* ]] && grep -q "^tcp $OUT_PORT $PUB " "$LOG"; then
		ok outgoing_upload_masqueraded
	else
		fail outgoing_upload_masqueraded "upload: $res; the server saw: $(grep "^tcp $OUT_PORT" "$LOG" | tail -1)"
	fi
	# 10 MB is over 7000 full segments: most must leave from XDP
	expect_grew outgoing_took_fast_path "$b" "$a" "d['counters']['lan_fast_established']" 3000
	# its SYN was TC's: a new flow is never made at XDP
	expect_grew outgoing_syn_through_tc "$b" "$a" "d['counters']['lan_pass_new']" 1
	expect_grew outgoing_flow_created_once "$b" "$a" "d['counters']['ct_new']" 1
}

# --- 4. the mail server's replies of an incoming connection ------------------

case_replies() {
	local b=$E2E_TMP/b2.json a=$E2E_TMP/a2.json res
	status_json "$b"
	res=$(oc "$NS_INET" download --dst "$PUB" --port "$IN_PORT" --bytes "$BULK" --timeout 30 2>&1)
	status_json "$a"
	if [[ $res == ok* ]]; then
		ok incoming_download_replies
	else
		fail incoming_download_replies "download from $PUB:$IN_PORT: $res"
	fi
	expect_grew replies_took_fast_path "$b" "$a" "d['counters']['lan_fast_reply']" 3000
}

# --- 5. the gateway's own LAN traffic: the kernel's ---------------------------

case_gateway_lan() {
	local b=$E2E_TMP/b3.json a=$E2E_TMP/a3.json res
	status_json "$b"
	res=$(oc "$NS_MS" ping --dst "$E2E_LAN_GW" --count 3 2>&1)
	status_json "$a"
	if [ "$res" = "ping 3 3" ]; then
		ok gateway_lan_address_answers
	else
		fail gateway_lan_address_answers "ping $E2E_LAN_GW from the mail server: $res"
	fi
	expect_grew gateway_lan_address_passed "$b" "$a" "d['counters']['lan_pass_local']" 3
}

# --- 6. the WAN device stops taking XDP frames ----------------------------------

# The Internet host's veth end loses its XDP program: wan0 takes no
# redirected frames any more (veth), status warns, and a reload takes wan0
# off the fast path's list, after which the kernel and TC carry it all.
# Where the devices are named (NAMED=1), the kernel cannot say wan0 stopped
# taking frames: status cannot warn, and the operator takes wan0 off the
# list; the reload then does what it does where the kernel is asked.
case_wan_lost() {
	local b=$E2E_TMP/b4.json a=$E2E_TMP/a4.json res rc
	ip -n "$NS_INET" link set dev eth0 xdp off
	mx status >"$E2E_TMP/status.txt" 2>&1
	rc=$?
	if [ "$NAMED" = 1 ]; then
		if [ "$rc" -eq 0 ] && ! grep -q "WARNING" "$E2E_TMP/status.txt"; then
			ok status_cannot_warn_without_xdp_features
		else
			fail status_cannot_warn_without_xdp_features "status exit $rc: $(grep WARNING "$E2E_TMP/status.txt" | head -2 | tr '\n' '|')"
		fi
		sed -i 's/^xdp-redirect wan0,lan0$/xdp-redirect lan0/' "$CONF"
	elif [ "$rc" -eq 3 ] && grep -q "WARNING: wan0 no longer takes XDP frames" "$E2E_TMP/status.txt"; then
		ok status_warns_wan_lost
	else
		fail status_warns_wan_lost "status exit $rc: $(grep WARNING "$E2E_TMP/status.txt" | head -2 | tr '\n' '|')"
	fi
	if ! mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"; then
		fail reload_takes_wan_off "reload: $(head -c 300 "$E2E_TMP/err")"
		return
	fi
	status_json "$b"
	res=$(oc "$NS_MS" upload --dst "$INET" --port "$OUT_PORT" --bytes $((1 << 20)) --timeout 30 2>&1)
	status_json "$a"
	if [[ $res == ok* ]] && [ "$(jget "$a" "d['counters']['lan_fast_established'] - 0")" = \
		"$(jget "$b" "d['counters']['lan_fast_established'] - 0")" ]; then
		ok reload_takes_wan_off
	else
		fail reload_takes_wan_off "upload after reload: $res; lan_fast_established $(jget "$b" "d['counters']['lan_fast_established']") -> $(jget "$a" "d['counters']['lan_fast_established']")"
	fi
	expect_grew wan_lost_kernel_path "$b" "$a" "d['counters']['lan_pass_route']" 100
	if [ "$(jget "$a" "d['warnings']" 2>/dev/null)" = "[]" ]; then
		ok status_warning_gone_after_reload
	else
		fail status_warning_gone_after_reload "warnings: $(jget "$a" "d['warnings']")"
	fi
}

# --- 7. reload keeps it, unload removes it -------------------------------------

case_reload_unload() {
	local id name
	if ! mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"; then
		fail reload_keeps_lan "reload: $(head -c 300 "$E2E_TMP/err")"
	else
		read -r id name <<<"$(xdp_on "$NS_GW" lan0)"
		if [ "$id $name" = "$LAN_ID mxgw_lan_in" ]; then
			ok reload_keeps_lan
		else
			fail reload_keeps_lan "lan0 runs '$id $name' after reload, want '$LAN_ID mxgw_lan_in'"
		fi
	fi
	# its detach is repaired by load, as the WAN's programs are
	ip -n "$NS_GW" link set dev lan0 xdp off
	if mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err" &&
		[ "$(xdp_on "$NS_GW" lan0)" = "$LAN_ID mxgw_lan_in" ]; then
		ok load_reattaches_lan
	else
		fail load_reattaches_lan "lan0 runs '$(xdp_on "$NS_GW" lan0)' after load; $(head -c 200 "$E2E_TMP/err")"
	fi
	if ! mx unload wan0 >/dev/null 2>"$E2E_TMP/err"; then
		fail unload_removes_lan "unload: $(head -c 300 "$E2E_TMP/err")"
	elif [ "$(xdp_on "$NS_GW" lan0)" != "- -" ] || [ "$(xdp_on "$NS_GW" wan0)" != "- -" ]; then
		fail unload_removes_lan "after unload lan0 runs '$(xdp_on "$NS_GW" lan0)', wan0 '$(xdp_on "$NS_GW" wan0)'"
	else
		ok unload_removes_lan
	fi
}


case_lan_busy
case_load
case_outgoing
case_replies
case_gateway_lan
case_wan_lost
case_reload_unload
e2e_sniff_checks
e2e_summary
