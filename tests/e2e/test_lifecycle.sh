#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: mxgw's lifecycle on a running gateway.
#   - two network namespaces, each with a "wan0" and mxgw loaded on it with
#     a table of its own, sharing one bpffs: every command in one never
#     touches the other;
#   - reload with a new conntrack-max replaces the programs atomically:
#     an inbound (DNAT) and an outgoing (masqueraded) connection keep
#     flowing, no LAN address reaches the Internet, the flows stay tracked
#     and the counters continue;
#   - unload says that filtering stops;
#   - a renamed interface, a deleted one, and pins removed behind mxgw's
#     back: status, unload and load still do the right thing;
#   - load refuses the loopback and the LAN interface, warns about a public
#     address not on the interface and about forwarding off; status exits
#     3 when it prints a WARNING;
#   - load and reload refuse to cut an established connection to the
#     gateway itself unless --force, and name it.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

C1=$E2E_CLIENT1
LOG=$E2E_TMP/listener.log
PUBLIC_B=203.0.113.34
# the long-lived connections: inbound to imaps (DNAT to the mail server),
# outgoing from the mail server to https on the Internet host
PORT_IN=993
PORT_OUT=443

# --- helpers ----------------------------------------------------------------

# mxctl in the second gateway's namespace
mxb() {
	ns_exec "$NS_GW2" "$MXCTL" "$@"
}

# bpf_net NS DEV: "XDP_ID XDP_NAME TC_ID TC_NAME" on DEV, "-" where none
# ("?" if bpftool fails, so that no check passes on an empty answer).
# Under libxdp's dispatcher, XDP is mxgw's component (e2e_xdp_decider).
bpf_net() {
	local id name rest
	read -r id name rest <<<"$(bpf_net_attached "$@")"
	if [ "$name" = xdp_dispatcher ]; then
		id=$(e2e_xdp_decider "$1" "$2" "$id")
		name=-
		[ "$id" = - ] || name=$(e2e_prog_field "$id" name)
	fi
	echo "$id $name $rest"
}

bpf_net_attached() {
	local json
	json=$(ns_exec "$1" bpftool -j net show dev "$2") || { echo "? ? ? ?"; return; }
	ns_exec "$1" python3 - "$json" "$2" <<'EOF'
import json, subprocess, sys
d, dev = json.loads(sys.argv[1]), sys.argv[2]
x = [e for n in d for e in n.get("xdp", []) if e.get("devname") == dev]
t = [e for n in d for e in n.get("tc", [])
     if e.get("devname") == dev and e.get("kind") == "clsact/egress"]
xname = "-"
if x:
    out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(x[0]["id"])],
                         capture_output=True, text=True).stdout
    xname = json.loads(out)["name"] if out else "?"
print(x[0]["id"] if x else "-", xname, t[0]["id"] if t else "-",
      t[0]["name"].split(":")[0] if t else "-")
EOF
}

# pinned_xdp PINDIR: the id of the pinned mxgw_wan_in, "-" if none
pinned_xdp() {
	bpftool -j prog show pinned "$1/mxgw_wan_in" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' 2>/dev/null || echo -
}

# smtp_ok CHECK: a new inbound SMTP connection through gateway A gets the
# mail server's banner
smtp_ok() {
	local res
	e2e_connect "$C1:25"
	res=$(conn_result "$C1" 25)
	if [ "$res" = "banner 220 mxgw-e2e 25" ]; then
		ok "$1"
	else
		fail "$1" "$C1 -> $E2E_PUBLIC:25 through gateway A: $res"
	fi
}

# stream_start NAME NS ARGS...: a long-lived client (stream.py client) in
# NS; returns once it has its first echo
stream_start() {
	local name=$1 ns=$2
	shift 2
	e2e_server_start "$ns" stream.py "$E2E_TMP/$name" client \
		--status "$E2E_TMP/$name.status" "$@" || return 1
	! grep -q broken "$E2E_TMP/$name.ready"
}

# stream_count NAME: echoes so far, or "broken ..."
stream_count() {
	local w n rest
	read -r w n rest <"$E2E_TMP/$1.status"
	if [ "$w" = echoed ]; then
		echo "$n"
	else
		echo "broken after $n: $rest"
	fi
}

# flows_mark: remember where both long-lived connections are
flows_mark() {
	MARK_IN=$(stream_count in)
	MARK_OUT=$(stream_count out)
}

# flows_moved CHECK: both connections are alive and have exchanged more
# since flows_mark (polled for up to 5 s)
flows_moved() {
	local i a b
	for i in $(seq 50); do
		a=$(stream_count in)
		b=$(stream_count out)
		case "$a $b" in *broken*) break ;; esac
		[ "$a" -gt "$MARK_IN" ] && [ "$b" -gt "$MARK_OUT" ] && { ok "$1"; return; }
		sleep 0.1
	done
	fail "$1" "inbound $MARK_IN -> $a, outgoing $MARK_OUT -> $b (want both alive and increasing)"
}

# ct_has_out FILE: the outgoing long-lived flow is in "mxctl -j conntrack" FILE
ct_has_out() {
	local lport
	lport=$(awk '{ print $6 }' "$E2E_TMP/out.status")
	python3 - "$1" "$E2E_MAILSERVER:$lport" "$E2E_INET_ADDR:$PORT_OUT" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
flows = [f for i in d for f in i["flows"]]
sys.exit(0 if any(f["lan"] == sys.argv[2] and f["remote"] == sys.argv[3] and
                  f["state"] == "tcp-established" for f in flows) else 1)
EOF
}

# a_untouched CHECK: gateway A's programs, table and flows are as before
a_untouched() {
	local net why=
	net=$(bpf_net "$NS_GW" wan0)
	[ "$net" = "$A_NET" ] || why="programs on A's wan0 '$A_NET' -> '$net'; "
	mx -j conntrack >"$E2E_TMP/ct.json" 2>"$E2E_TMP/err" && ct_has_out "$E2E_TMP/ct.json" ||
		why="${why}A's conntrack lost the outgoing flow: $(head -c 200 "$E2E_TMP/ct.json" "$E2E_TMP/err"); "
	status_json "$E2E_TMP/a.json"
	[ "$(jget "$E2E_TMP/a.json" "d['public']" "svc('smtp')['incoming']" | tr '\n' ' ')" = "$E2E_PUBLIC allow " ] ||
		why="${why}A's status: $(jget "$E2E_TMP/a.json" "d['public']" "svc('smtp')['incoming']" | tr '\n' ' ')"
	if [ -z "$why" ]; then
		ok "$1"
	else
		fail "$1" "$why"
	fi
}

# expect_rc CHECK WANT RC: an exit status; stderr in $E2E_TMP/err
expect_rc() {
	if [ "$3" -eq "$2" ]; then
		ok "$1"
	else
		fail "$1" "exit $3, want $2: $(head -c 300 "$E2E_TMP/err")"
	fi
}

# --- setup ------------------------------------------------------------------

e2e_topology_up
NS_GW2=mxgw-gw2-$$
e2e_ns_add "$NS_GW2" || e2e_cannot_run "cannot create network namespaces"
# the second gateway: its own "wan0" and "lan0", the peers in the same
# namespace; the same LAN prefix, another public address
{
	ip -n "$NS_GW2" link add wan0 type veth peer name up0 &&
	ip -n "$NS_GW2" link add lan0 type veth peer name lanp &&
	ip -n "$NS_GW2" addr add "$PUBLIC_B/24" dev wan0 &&
	ip -n "$NS_GW2" addr add "$E2E_LAN_GW/24" dev lan0 &&
	for dev in lo wan0 up0 lan0 lanp; do
		ip -n "$NS_GW2" link set "$dev" up || exit 1
	done &&
	ns_exec "$NS_GW2" sysctl -qw net.ipv4.ip_forward=1
} 2>"$E2E_TMP/gw2.err" ||
	e2e_cannot_run "cannot build the second gateway: $(head -1 "$E2E_TMP/gw2.err")"

e2e_listener_start "$NS_MS" "$LOG" 25 || e2e_cannot_run "the mail-server listener did not start"
e2e_server_start "$NS_MS" stream.py "$E2E_TMP/srv-in" server --port "$PORT_IN" ||
	e2e_cannot_run "the mail server's stream server did not start"
e2e_server_start "$NS_INET" stream.py "$E2E_TMP/srv-out" server --port "$PORT_OUT" ||
	e2e_cannot_run "the Internet host's stream server did not start"

CONF_A=$E2E_TMP/a.conf
sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf" >"$CONF_A"
# B: another public address and another table (smtp incoming denied)
CONF_B=$E2E_TMP/b.conf
sed -e "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$PUBLIC_B/" \
	-e 's/^\(service[[:space:]]\+smtp[[:space:]]\+25\/tcp[[:space:]]\+allow[[:space:]]\+\)allow/\1deny/' \
	"$E2E_ROOT/etc/mxgw.conf" >"$CONF_B"
if ! grep -q "^public[[:space:]]*$E2E_PUBLIC$" "$CONF_A" || ! grep -q "^public[[:space:]]*$PUBLIC_B$" "$CONF_B" ||
	! grep -q "^service[[:space:]]\+smtp[[:space:]].*deny$" "$CONF_B"; then
	e2e_cannot_run "could not write the two configs"
fi
{ PINS_A=$(e2e_pin_dir "$NS_GW" wan0) && PINS_B=$(e2e_pin_dir "$NS_GW2" wan0); } ||
	e2e_cannot_run "cannot find the namespaces' cookies"

# --- 1. two namespaces, one bpffs -------------------------------------------

case_two_namespaces() {
	local ra rb

	mx -c "$CONF_A" load wan0 >/dev/null 2>"$E2E_TMP/err"
	ra=$?
	mxb -c "$CONF_B" load wan0 >/dev/null 2>>"$E2E_TMP/err"
	rb=$?
	if [ "$ra" -ne 0 ] || [ "$rb" -ne 0 ]; then
		e2e_cannot_run "load in A / B: exit $ra / $rb: $(head -c 300 "$E2E_TMP/err")" two_namespaces_load
	fi
	ok two_namespaces_load
	A_NET=$(bpf_net "$NS_GW" wan0)
	if [ "$PINS_A" != "$PINS_B" ] && [ "$(pinned_xdp "$PINS_A")" = "${A_NET%% *}" ] &&
		[ "$(pinned_xdp "$PINS_B")" = "$(bpf_net "$NS_GW2" wan0 | cut -d' ' -f1)" ]; then
		ok pins_per_namespace
	else
		fail pins_per_namespace "A's XDP $A_NET pinned as $(pinned_xdp "$PINS_A") in $PINS_A; B's pinned as $(pinned_xdp "$PINS_B") in $PINS_B"
	fi
	mxb status -j >"$E2E_TMP/b.json" 2>"$E2E_TMP/err"
	status_json "$E2E_TMP/a.json"
	if [ "$(jget "$E2E_TMP/a.json" "len(json.load(open(sys.argv[1]))['interfaces'])" "d['public']" "d['pins']['dir']" | tr '\n' ' ')" = "1 $E2E_PUBLIC $PINS_A " ] &&
		[ "$(jget "$E2E_TMP/b.json" "len(json.load(open(sys.argv[1]))['interfaces'])" "d['public']" "svc('smtp')['incoming']" | tr '\n' ' ')" = "1 $PUBLIC_B deny " ]; then
		ok status_sees_own_namespace
	else
		fail status_sees_own_namespace "A: $(head -c 200 "$E2E_TMP/a.json"); B: $(head -c 200 "$E2E_TMP/b.json")"
	fi
	smtp_ok smtp_through_a
}

# --- 2. the long-lived connections --------------------------------------------

case_flows_start() {
	{ stream_start in "$NS_INET" --dst "$E2E_PUBLIC" --port "$PORT_IN" --src "$C1" &&
		stream_start out "$NS_MS" --dst "$E2E_INET_ADDR" --port "$PORT_OUT"; } ||
		e2e_cannot_run "the long-lived connections did not start: $(cat "$E2E_TMP"/in.status "$E2E_TMP"/out.status 2>&1)" flows_start
	mx -j conntrack >"$E2E_TMP/ct.json" 2>"$E2E_TMP/err"
	if ct_has_out "$E2E_TMP/ct.json"; then
		ok flows_start
	else
		fail flows_start "the outgoing flow is not in A's conntrack: $(head -c 300 "$E2E_TMP/ct.json")"
	fi
}

# --- 3. every command in B leaves A alone -------------------------------------

case_b_leaves_a() {
	local step rc out

	for step in "reload" "set-service smtp in allow" "status" "conntrack flush" \
		"conntrack" "stats" "unload wan0" "load wan0"; do
		flows_mark
		# shellcheck disable=SC2086 # the command's words
		out=$(mxb -c "$CONF_B" $step 2>"$E2E_TMP/err")
		rc=$?
		expect_rc "b_${step// /_}_runs" 0 "$rc"
		a_untouched "b_${step// /_}_leaves_a"
		flows_moved "b_${step// /_}_flows_continue"
	done
	smtp_ok smtp_through_a_after_b
	# B's unload left A attached and controllable
	mx set-service imap in allow >/dev/null 2>"$E2E_TMP/err" &&
		mx set-service imap in deny >/dev/null 2>>"$E2E_TMP/err"
	expect_rc a_controllable_after_b_unload 0 $?
	# and B's own commands saw B only: its flush left B empty, A full
	if [ "$(mxb -j conntrack | python3 -c 'import json, sys; print(sum(i["count"] for i in json.load(sys.stdin)))')" = 0 ]; then
		ok b_conntrack_own
	else
		fail b_conntrack_own "B lists flows it never had: $(mxb conntrack 2>&1 | head -c 300)"
	fi
}

# --- 4. reload with a new conntrack-max: replaced, nothing lost -------------

case_resize() {
	local conf=$E2E_TMP/a-resized.conf out rc net sniff=$E2E_TMP/sniff spid pk leaks
	local exprs vb va bad='' i

	sed 's/^#\?conntrack-max.*/conntrack-max\t4096/' "$CONF_A" >"$conf"
	grep -q "^conntrack-max.4096$" "$conf" || { fail resize_config "no conntrack-max line"; return; }
	# what the Internet host receives from the gateway, from before the
	# reload to after it
	nsenter --net="/run/netns/$NS_INET" -- python3 "$E2E_DIR/sniff.py" --iface eth0 \
		--lan 192.168.1.0/24 --out "$sniff.out" --ready "$sniff.ready" --parent $$ 2>"$sniff.err" &
	spid=$!
	E2E_PIDS+=("$spid")
	for i in $(seq 50); do
		[ -s "$sniff.ready" ] && break
		sleep 0.1
	done
	[ -s "$sniff.ready" ] || { fail resize_sniffer "sniff.py did not start: $(head -c 200 "$sniff.err")"; return; }
	status_json "$E2E_TMP/before.json"
	flows_mark
	out=$(mx -c "$conf" reload 2>"$E2E_TMP/err")
	rc=$?
	expect_rc resize_reload 0 "$rc"
	if grep -q "conntrack resized from 65536 to 4096" "$E2E_TMP/err" &&
		! grep -q "next load" "$E2E_TMP/err"; then
		ok resize_says_so
	else
		fail resize_says_so "stderr: $(head -c 300 "$E2E_TMP/err")"
	fi
	flows_moved resize_flows_survive
	# more traffic after the swap, then the sniffer's verdict
	flows_mark
	flows_moved resize_flows_keep_flowing
	echo "# longest wait for an echo so far, inbound / outgoing: $(awk '{ print $4 }' "$E2E_TMP/in.status") / $(awk '{ print $4 }' "$E2E_TMP/out.status") ms"
	kill -TERM "$spid"
	wait "$spid" 2>/dev/null
	read -r _ pk _ _ _ leaks _ <"$sniff.out"
	if [ "${leaks:-x}" = 0 ] && [ "${pk:-0}" -gt 0 ]; then
		ok resize_no_lan_source_leaves
	else
		fail resize_no_lan_source_leaves "sniffer on the Internet side: $(head -c 400 "$sniff.out")"
	fi
	mx -j conntrack >"$E2E_TMP/ct.json" 2>"$E2E_TMP/err"
	if ct_has_out "$E2E_TMP/ct.json" &&
		[ "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["max"])' "$E2E_TMP/ct.json")" = 4096 ]; then
		ok resize_conntrack_kept
	else
		fail resize_conntrack_kept "after the resize: $(head -c 300 "$E2E_TMP/ct.json")"
	fi
	net=$(bpf_net "$NS_GW" wan0)
	if [ "${net%% *}" != "${A_NET%% *}" ] && [ "${net%% *}" = "$(pinned_xdp "$PINS_A")" ] &&
		[[ $net == *" mxgw_wan_in "*" mxgw_wan_out" ]]; then
		ok resize_programs_replaced
	else
		fail resize_programs_replaced "before '$A_NET', after '$net', pinned $(pinned_xdp "$PINS_A")"
	fi
	A_NET=$net
	status_json "$E2E_TMP/after.json"
	exprs=("svc('imaps')['in']['allowed']['packets']" "svc('https')['out']['allowed']['packets']"
		"d['counters']['ct_new']" "d['counters']['snat_masq']" "d['counters']['ct_reply']")
	mapfile -t vb < <(jget "$E2E_TMP/before.json" "${exprs[@]}")
	mapfile -t va < <(jget "$E2E_TMP/after.json" "${exprs[@]}")
	for i in "${!exprs[@]}"; do
		[ "${va[$i]:-x}" -ge "${vb[$i]:-y}" ] 2>/dev/null && [ "${vb[$i]}" -gt 0 ] ||
			bad="$bad ${exprs[$i]}=${vb[$i]:-?}->${va[$i]:-?}"
	done
	if [ -z "$bad" ] && [ "${va[0]}" -gt "${vb[0]}" ] && [ "${va[3]}" -gt "${vb[3]}" ]; then
		ok resize_counters_continue
	else
		fail resize_counters_continue "counters (before -> after):$bad; imaps ${vb[0]}->${va[0]}, snat_masq ${vb[3]}->${va[3]}"
	fi
	smtp_ok resize_smtp_new_connections
}

# --- 5. unload says what it does --------------------------------------------------

case_unload_message() {
	local out

	out=$(mxb unload wan0 2>"$E2E_TMP/err")
	expect_rc unload_b 0 $?
	if [[ $out == *"mxgw no longer filters wan0"* ]]; then
		ok unload_says_filtering_stops
	else
		fail unload_says_filtering_stops "printed '$out'"
	fi
	if [ "$(bpf_net "$NS_GW2" wan0)" = "- - - -" ] && [ ! -e "$PINS_B" ]; then
		ok unload_b_nothing_left
	else
		# shellcheck disable=SC2012 # a listing for the reader of a failure
		fail unload_b_nothing_left "B's wan0: $(bpf_net "$NS_GW2" wan0); pins: $(ls "$PINS_B" 2>&1 | head -3)"
	fi
	a_untouched unload_b_leaves_a
}

# --- 6. rename, delete, pins removed behind mxgw's back -------------------------

case_rename() {
	local out rc net pins1

	mxb -c "$CONF_B" load wan0 >/dev/null 2>"$E2E_TMP/err" || { fail rename_setup "load: $(head -c 200 "$E2E_TMP/err")"; return; }
	{ ip -n "$NS_GW2" link set wan0 down && ip -n "$NS_GW2" link set wan0 name wan1 &&
		ip -n "$NS_GW2" link set wan1 up; } || { fail rename_setup "ip link set name failed"; return; }
	pins1=${PINS_B%/*}/wan1
	mxb status >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "^wan1: xdp mxgw_wan_in" "$E2E_TMP/out" &&
		grep -q "wan0 was renamed wan1" "$E2E_TMP/err" && [ -d "$pins1" ] && [ ! -e "$PINS_B" ]; then
		ok rename_status_follows
	else
		fail rename_status_follows "exit $rc: $(head -c 200 "$E2E_TMP/out") / $(head -c 200 "$E2E_TMP/err"); pins: $(ls "${PINS_B%/*}")"
	fi
	out=$(mxb unload wan1 2>"$E2E_TMP/err")
	rc=$?
	net=$(bpf_net "$NS_GW2" wan1)
	if [ "$rc" -eq 0 ] && [ "$net" = "- - - -" ] && [ ! -e "$pins1" ]; then
		ok rename_unload
	else
		fail rename_unload "exit $rc '$out': wan1 '$net', pins $(ls "${PINS_B%/*}" 2>&1)"
	fi
	mxb -c "$CONF_B" load wan1 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	net=$(bpf_net "$NS_GW2" wan1)
	if [ "$rc" -eq 0 ] && [ "${net%% *}" = "$(pinned_xdp "$pins1")" ]; then
		ok rename_load
	else
		fail rename_load "exit $rc: $(head -c 200 "$E2E_TMP/err"); wan1 '$net'"
	fi
}

case_delete() {
	local rc net pins1=${PINS_B%/*}/wan1

	# wan1 (loaded) goes; a new wan1 comes
	{ ip -n "$NS_GW2" link del wan1 &&
		ip -n "$NS_GW2" link add wan1 type veth peer name up1 &&
		ip -n "$NS_GW2" addr add "$PUBLIC_B/24" dev wan1 &&
		ip -n "$NS_GW2" link set wan1 up && ip -n "$NS_GW2" link set up1 up; } ||
		{ fail delete_setup "ip link failed"; return; }
	mxb status >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 3 ] && grep -q "WARNING: stale pins" "$E2E_TMP/out"; then
		ok delete_status_warns_stale
	else
		fail delete_status_warns_stale "exit $rc (want 3): $(head -c 300 "$E2E_TMP/out")"
	fi
	mxb -c "$CONF_B" load wan1 >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	rc=$?
	net=$(bpf_net "$NS_GW2" wan1)
	if [ "$rc" -eq 0 ] && grep -q "loaded on wan1" "$E2E_TMP/out" &&
		grep -q "removed the stale pins of wan1" "$E2E_TMP/err" &&
		[ "${net%% *}" = "$(pinned_xdp "$pins1")" ] && [[ $net == *" mxgw_wan_out" ]]; then
		ok delete_then_load_fresh
	else
		fail delete_then_load_fresh "exit $rc: $(cat "$E2E_TMP/out") $(head -c 300 "$E2E_TMP/err"); wan1 '$net'"
	fi
	mxb status >/dev/null 2>&1
	expect_rc delete_status_clean_again 0 $?
}

case_pins_removed() {
	local rc net0 net pins1=${PINS_B%/*}/wan1

	net0=$(bpf_net "$NS_GW2" wan1)
	rm -r "$pins1"
	mxb -c "$CONF_B" load wan1 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	net=$(bpf_net "$NS_GW2" wan1)
	if [ "$rc" -eq 0 ] && grep -q "taken back" "$E2E_TMP/err" &&
		[ "${net%% *}" != "${net0%% *}" ] && [ "${net%% *}" = "$(pinned_xdp "$pins1")" ] &&
		[[ $net == *" mxgw_wan_in "*" mxgw_wan_out" ]]; then
		ok pins_removed_load_takes_back
	else
		fail pins_removed_load_takes_back "exit $rc: $(head -c 300 "$E2E_TMP/err"); wan1 '$net0' -> '$net', pinned $(pinned_xdp "$pins1")"
	fi
	mxb unload wan1 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	net=$(bpf_net "$NS_GW2" wan1)
	if [ "$rc" -eq 0 ] && [ "$net" = "- - - -" ] && [ ! -e "$pins1" ]; then
		ok pins_removed_unload_leaves_nothing
	else
		fail pins_removed_unload_leaves_nothing "exit $rc: wan1 '$net'"
	fi
	# and without a load in between: unload finds the programs by name
	mxb -c "$CONF_B" load wan1 >/dev/null 2>&1 && rm -r "$pins1"
	mxb unload wan1 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	net=$(bpf_net "$NS_GW2" wan1)
	if [ "$rc" -eq 0 ] && [ "$net" = "- - - -" ]; then
		ok pins_removed_unload_detaches
	else
		fail pins_removed_unload_detaches "exit $rc: $(head -c 200 "$E2E_TMP/err"); wan1 '$net'"
	fi
	a_untouched lifecycle_in_b_leaves_a
}

# --- 6b. two at once ---------------------------------------------------------------

# Loads and resizing reloads at the same time (an operator and the unit):
# one after the other, each succeeds, and what runs is what is pinned.
case_concurrent() {
	local c1=$E2E_TMP/b-4096.conf c2=$E2E_TMP/b-8192.conf pins1=${PINS_B%/*}/wan1 rc=0 net r p

	sed 's/^#\?conntrack-max.*/conntrack-max\t4096/' "$CONF_B" >"$c1"
	sed 's/^#\?conntrack-max.*/conntrack-max\t8192/' "$CONF_B" >"$c2"
	mxb -c "$CONF_B" load wan1 >/dev/null 2>"$E2E_TMP/err.1" &
	p=$!
	mxb -c "$CONF_B" load wan1 >/dev/null 2>"$E2E_TMP/err.2"
	r=$?
	wait "$p" || rc=$?
	[ "$r" -eq 0 ] || rc=$r
	for _ in 1 2 3; do
		mxb -c "$c1" reload >/dev/null 2>>"$E2E_TMP/err.1" &
		p=$!
		mxb -c "$c2" reload >/dev/null 2>>"$E2E_TMP/err.2"
		r=$?
		wait "$p" || rc=$?
		[ "$r" -eq 0 ] || rc=$r
	done
	net=$(bpf_net "$NS_GW2" wan1)
	mxb status >"$E2E_TMP/out" 2>&1
	r=$?
	if [ "$rc" -eq 0 ] && [ "$r" -eq 0 ] && [ "${net%% *}" = "$(pinned_xdp "$pins1")" ] &&
		[ ! -e "$pins1/new" ]; then
		ok concurrent_loads_and_reloads
	else
		fail concurrent_loads_and_reloads "exit $rc, status $r: $(cat "$E2E_TMP/err.1" "$E2E_TMP/err.2" | grep -v note | head -c 300); wan1 '$net', pinned $(pinned_xdp "$pins1")"
	fi
	mxb unload wan1 >/dev/null 2>&1
}

# --- 7. load refuses obvious mistakes -------------------------------------------

case_refusals() {
	local rc conf=$E2E_TMP/b-other.conf

	mxb -c "$CONF_B" load lo >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "loopback" "$E2E_TMP/err" && [ "$(bpf_net "$NS_GW2" lo)" = "- - - -" ]; then
		ok load_refuses_loopback
	else
		fail load_refuses_loopback "exit $rc: $(head -c 200 "$E2E_TMP/err"); lo: $(bpf_net "$NS_GW2" lo)"
	fi
	mxb -c "$CONF_B" load lan0 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "lan0 is the LAN interface.*192.168.1.0/24" "$E2E_TMP/err" &&
		[ "$(bpf_net "$NS_GW2" lan0)" = "- - - -" ] && [ ! -e "${PINS_B%/*}/lan0" ]; then
		ok load_refuses_lan_interface
	else
		fail load_refuses_lan_interface "exit $rc: $(head -c 300 "$E2E_TMP/err"); lan0: $(bpf_net "$NS_GW2" lan0)"
	fi
	# warnings, exit 0: public not on the interface, forwarding off
	sed "s/^public.*/public\t203.0.113.99/" "$CONF_B" >"$conf"
	ns_exec "$NS_GW2" sysctl -qw net.ipv4.ip_forward=0
	mxb -c "$conf" load wan1 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "warning: public 203.0.113.99 is not an address of wan1" "$E2E_TMP/err" &&
		grep -q "warning: IPv4 forwarding is off" "$E2E_TMP/err" &&
		! grep -q "IPv6\|mailserver6" "$E2E_TMP/err"; then
		ok load_warns_public_and_forwarding
	else
		fail load_warns_public_and_forwarding "exit $rc: $(head -c 400 "$E2E_TMP/err")"
	fi
	# with mailserver6: IPv6 forwarding off (a new namespace's default),
	# no route to it (lan0 has no IPv6 address yet); then both right
	{ cat "$CONF_B"; printf 'mailserver6\t2001:db8:168::10\n'; } >"$conf.6"
	ns_exec "$NS_GW2" sysctl -qw net.ipv6.conf.all.forwarding=0
	mxb -c "$conf.6" load wan1 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 0 ] &&
		grep -q "load wan1: warning: IPv6 forwarding is off (net.ipv6.conf.all.forwarding = 0): nothing reaches the mail server 2001:db8:168::10 over IPv6" "$E2E_TMP/err" &&
		grep -q "load wan1: warning: no route to mailserver6 2001:db8:168::10" "$E2E_TMP/err"; then
		ok load_warns_ipv6_forwarding_and_route
	else
		fail load_warns_ipv6_forwarding_and_route "exit $rc: $(head -c 600 "$E2E_TMP/err")"
	fi
	mxb -c "$conf.6" check >"$E2E_TMP/out" 2>&1
	rc=$?
	if [ "$rc" -eq 3 ] &&
		grep -q "^$conf.6:[0-9]*: warning: mailserver6: IPv6 forwarding is off on this host (net.ipv6.conf.all.forwarding = 0): nothing reaches 2001:db8:168::10 over IPv6" "$E2E_TMP/out"; then
		ok check_warns_ipv6_forwarding
	else
		fail check_warns_ipv6_forwarding "exit $rc: $(head -c 600 "$E2E_TMP/out")"
	fi
	ns_exec "$NS_GW2" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NS_GW2" -6 addr add 2001:db8:168::1/64 dev lan0 nodad
	mxb -c "$conf.6" load wan1 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q "IPv6\|mailserver6" "$E2E_TMP/err"; then
		ok load_ipv6_quiet_when_forwarded_and_routed
	else
		fail load_ipv6_quiet_when_forwarded_and_routed "exit $rc: $(head -c 400 "$E2E_TMP/err")"
	fi
	mxb -c "$conf.6" check >"$E2E_TMP/out" 2>&1
	if ! grep -q "mailserver6" "$E2E_TMP/out"; then
		ok check_ipv6_quiet_when_forwarded_and_routed
	else
		fail check_ipv6_quiet_when_forwarded_and_routed "$(head -c 600 "$E2E_TMP/out")"
	fi
	ip -n "$NS_GW2" -6 addr del 2001:db8:168::1/64 dev lan0
	ns_exec "$NS_GW2" sysctl -qw net.ipv6.conf.all.forwarding=0
	mxb -c "$conf" load wan1 >/dev/null 2>&1
	mxb status >"$E2E_TMP/out" 2>&1
	rc=$?
	if [ "$rc" -eq 3 ] && grep -q "WARNING: IPv4 forwarding is off" "$E2E_TMP/out"; then
		ok status_exit_3_on_warning
	else
		fail status_exit_3_on_warning "exit $rc (want 3): $(grep WARNING "$E2E_TMP/out")"
	fi
	ns_exec "$NS_GW2" sysctl -qw net.ipv4.ip_forward=1
	mxb status >"$E2E_TMP/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q WARNING "$E2E_TMP/out"; then
		ok status_exit_0_without_warning
	else
		fail status_exit_0_without_warning "exit $rc: $(grep WARNING "$E2E_TMP/out")"
	fi
	mxb unload wan1 >/dev/null 2>&1
}

# --- 8. a connection to the gateway itself --------------------------------------

case_cut_connection() {
	local rc lport want want6 want66 conf_ssh

	mx unload wan0 >/dev/null 2>"$E2E_TMP/err" || { fail cut_setup "unload A: $(head -c 200 "$E2E_TMP/err")"; return; }
	# sshd's place: listeners of the gateway on public:22 (IPv4) and on
	# :::2222 (dual-stack: /proc/net/tcp6 lists its IPv4 peers), each with
	# a client connected from the Internet while mxgw is not loaded
	{ e2e_server_start "$NS_GW" stream.py "$E2E_TMP/srv-ssh" server --bind "$E2E_PUBLIC" --port 22 &&
		e2e_server_start "$NS_GW" stream.py "$E2E_TMP/srv-ssh6" server --bind :: --port 2222 &&
		stream_start ssh "$NS_INET" --dst "$E2E_PUBLIC" --port 22 --src "$C1" &&
		stream_start ssh6 "$NS_INET" --dst "$E2E_PUBLIC" --port 2222 --src "$C1"; } ||
		{ fail cut_setup "the connections to the gateway's :22 and :2222 did not start"; return; }
	# over IPv6, from the Internet host on the WAN link to the gateway's
	# own IPv6 address, :2222 too
	{ ip -n "$NS_GW" -6 addr add 2001:db8:1::33/64 dev wan0 nodad &&
		ip -n "$NS_INET" -6 addr add 2001:db8:1::1/64 dev eth0 nodad &&
		stream_start ssh6v6 "$NS_INET" --dst 2001:db8:1::33 --port 2222 --src 2001:db8:1::1; } ||
		{ fail cut_setup "the IPv6 connection to the gateway's :2222 did not start"; return; }
	# and one of the gateway's own, outgoing from the public address:
	# established too, but from a port nothing listens on
	stream_start gwout "$NS_GW" --dst "$E2E_INET_ADDR" --port "$PORT_OUT" --src "$E2E_PUBLIC" ||
		{ fail cut_setup "the gateway's outgoing connection did not start"; return; }
	lport=$(awk '{ print $6 }' "$E2E_TMP/ssh.status")
	want="established tcp $C1:$lport -> $E2E_PUBLIC:22 would be cut by the new table"
	want6="established tcp $C1:$(awk '{ print $6 }' "$E2E_TMP/ssh6.status") -> $E2E_PUBLIC:2222 would be cut by the new table"
	mx -c "$CONF_A" load wan0 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF "load wan0: $want" "$E2E_TMP/err" &&
		grep -qF "load wan0: $want6" "$E2E_TMP/err" &&
		[ "$(bpf_net "$NS_GW" wan0)" = "- - - -" ] && [ ! -e "$PINS_A" ]; then
		ok load_refuses_to_cut
	else
		fail load_refuses_to_cut "exit $rc: $(head -c 400 "$E2E_TMP/err"); wan0: $(bpf_net "$NS_GW" wan0)"
	fi
	# a table that lets :22 in to the gateway ("to gateway", where this
	# build's parser knows it) names only the other
	conf_ssh=$E2E_TMP/a-ssh.conf
	{ cat "$CONF_A"; echo "service ssh 22/tcp allow allow from 198.51.100.0/24 to gateway"; } >"$conf_ssh"
	mx -c "$conf_ssh" check >/dev/null 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then
		mx -c "$conf_ssh" load wan0 >/dev/null 2>"$E2E_TMP/err.ssh"
		rc=$?
		if [ "$rc" -eq 1 ] && grep -qF "$want6" "$E2E_TMP/err.ssh" &&
			! grep -q ":22 would be cut" "$E2E_TMP/err.ssh" &&
			[ "$(bpf_net "$NS_GW" wan0)" = "- - - -" ]; then
			ok load_spares_what_the_table_lets_in
		else
			fail load_spares_what_the_table_lets_in "exit $rc: $(head -c 400 "$E2E_TMP/err.ssh")"
		fi
	else
		echo "# not checked: this build's parser has no 'to gateway'"
	fi
	# the gateway's outgoing connection is not named: nothing else is
	# (over IPv6 the gateway's :2222 is its own business: no to gateway)
	if [ "$(grep -c "would be cut by the new table" "$E2E_TMP/err")" -eq 2 ]; then
		ok load_names_only_incoming
	else
		fail load_names_only_incoming "$(grep "would be cut" "$E2E_TMP/err")"
	fi
	# a to gateway service on :2222 whose from leaves the IPv6 client out:
	# named; its IPv4 client, inside from, is not
	want66=" tcp [2001:db8:1::1]:$(awk '{ print $6 }' "$E2E_TMP/ssh6v6.status") -> [2001:db8:1::33]:2222 would be cut by the new table"
	{ cat "$CONF_A"; echo "service adm 2222/tcp allow allow from $C1 to gateway"; } >"$conf_ssh.6"
	mx -c "$conf_ssh.6" load wan0 >/dev/null 2>"$E2E_TMP/err.6"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF "load wan0: established$want66" "$E2E_TMP/err.6" &&
		! grep -q "$C1:[0-9]* -> $E2E_PUBLIC:2222" "$E2E_TMP/err.6" &&
		[ "$(bpf_net "$NS_GW" wan0)" = "- - - -" ]; then
		ok load_refuses_to_cut_ipv6
	else
		fail load_refuses_to_cut_ipv6 "exit $rc: $(head -c 600 "$E2E_TMP/err.6")"
	fi
	{ cat "$CONF_A"; echo "service adm 2222/tcp allow allow from $C1,2001:db8:1::/64 to gateway"; } >"$conf_ssh.6"
	mx -c "$conf_ssh.6" load wan0 >/dev/null 2>"$E2E_TMP/err.6"
	if ! grep -q "2222 would be cut" "$E2E_TMP/err.6"; then
		ok load_spares_ipv6_inside_from
	else
		fail load_spares_ipv6_inside_from "$(head -c 600 "$E2E_TMP/err.6")"
	fi
	mx -c "$CONF_A" load wan0 --force >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -qF "warning: $want" "$E2E_TMP/err" &&
		[[ $(bpf_net "$NS_GW" wan0) == *" mxgw_wan_in "* ]]; then
		ok load_force_warns
	else
		fail load_force_warns "exit $rc: $(head -c 400 "$E2E_TMP/err"); wan0: $(bpf_net "$NS_GW" wan0)"
	fi
	# the socket stays established (its packets are dropped now): reload too
	mx -c "$CONF_A" reload >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF "reload: $want" "$E2E_TMP/err"; then
		ok reload_refuses_to_cut
	else
		fail reload_refuses_to_cut "exit $rc: $(head -c 400 "$E2E_TMP/err")"
	fi
	mx -c "$CONF_A" reload --force >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_force 0 $?
}

case_two_namespaces
case_flows_start
case_b_leaves_a
case_resize
case_unload_message
case_rename
case_delete
case_pins_removed
case_concurrent
case_refusals
case_cut_connection
e2e_summary
