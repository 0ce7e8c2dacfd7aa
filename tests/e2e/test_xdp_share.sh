#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: mxgw shares the WAN device with other XDP programs through
# libxdp's multi-program dispatcher (xdp-attach dispatcher, the default;
# issue 15), or says in one line why it cannot and attaches alone only
# when the config asks for it (xdp-attach direct).
#
# On a kernel that runs the dispatcher: mxgw loads into it at its priority
# (100), xdp-filter (priority 10) joins it denying tcp 465, and real
# connections from the Internet namespace show both enforced: 465 dropped
# by xdp-filter before mxgw sees it, pop3 110 dropped by mxgw, smtp 25
# DNATed to the mail server; xdp-loader status lists mxgw_wan_in with its
# priority, after xdp-filter; xdpdump captures what mxgw sees; a reload
# keeps the component, a resize replaces it inside the dispatcher;
# unloading either leaves the other working.
# On a kernel that refuses the dispatcher's freplace programs (EPERM), or
# mxgw's in libxdp 1.3.1's slots (Linux 6.13, 6.12.y: an extension that
# changes packet data, EINVAL): the default load fails with one line and
# changes nothing; with xdp-attach direct it
# loads alone and works; xdp-filter then cannot join.
# Both: a program attached without the dispatcher makes a dispatcher load
# fail with one line naming it.
#
# Prints which behaviour the kernel showed, "ok NAME" / "FAIL NAME: why"
# per check, and "N passed, N failed"; exits 0 iff nothing failed, 77 when
# it cannot run here (a FAIL under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

for cmd in xdp-loader xdp-filter xdpdump tshark; do
	command -v "$cmd" >/dev/null 2>&1 || e2e_cannot_run "$cmd not found (xdp-tools, tshark)"
done

C1=$E2E_CLIENT1
LOG=$E2E_TMP/listener.log
GWLOG=$E2E_TMP/gw-listener.log
FILTERED=465	# smtps: mxgw lets it in, xdp-filter denies it
DENIED=110	# pop3: mxgw denies it
ALLOWED=25	# smtp
OWN=587		# a port of the gateway's own, for xdp-filter alone

e2e_topology_up
PINS=$(e2e_pin_dir "$NS_GW" wan0) || e2e_cannot_run "no pin directory for wan0"
e2e_listener_start "$NS_MS" "$LOG" "$ALLOWED" "$FILTERED" "$DENIED" ||
	e2e_cannot_run "the mail-server listener did not start"
e2e_listener_start "$NS_GW" "$GWLOG" "$FILTERED" "$OWN" ||
	e2e_cannot_run "the gateway's own listener did not start"

CONF=$E2E_TMP/mxgw.conf
sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf" >"$CONF"
grep -qx "public[[:space:]]*${E2E_PUBLIC//./\\.}" "$CONF" ||
	e2e_cannot_run "no 'public $E2E_PUBLIC' line after replacing $E2E_SHIPPED_PUBLIC in etc/mxgw.conf"
grep -q '^xdp-' "$CONF" && e2e_cannot_run "etc/mxgw.conf sets xdp-attach or xdp-priority: the defaults are tested here"

# mxctl with the config's own attach mode: never lib.sh's
# LIBXDP_SKIP_DISPATCHER, which this test is about
mxd() {
	ns_exec "$NS_GW" env -u LIBXDP_SKIP_DISPATCHER "$MXCTL" "$@"
}

# attached: "ID NAME" of the program attached to wan0 (the dispatcher
# itself, not its components), "- -" when none
attached() {
	local id
	id=$(ns_exec "$NS_GW" bpftool -j net show dev wan0 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
x = [e for n in d for e in n.get("xdp", []) if e.get("devname") == "wan0"]
print(x[0]["id"] if x else "-")' 2>/dev/null)
	if [ -z "$id" ] || [ "$id" = - ]; then
		echo "- -"
	else
		echo "$id $(e2e_prog_field "$id" name)"
	fi
}

pins_left() {
	find "$PINS" -mindepth 1 2>&1 | head -2 | tr '\n' ' '
}

pinned_id() {
	bpftool -j prog show pinned "$PINS/$1" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' 2>/dev/null
}

tc_attached() {
	tc -n "$NS_GW" filter show dev wan0 egress 2>/dev/null | grep -c "mxgw_wan_out"
}

# components: "ID NAME" per program in wan0's dispatcher, in run order
components() {
	local id name
	read -r id name <<<"$(attached)"
	[ "$name" = xdp_dispatcher ] || return 0
	e2e_xdp_components "$NS_GW" wan0 "$id"
}

# dispatcher_slots: "RUN_PRIO CHAIN_CALL_ACTIONS" per enabled slot of
# wan0's dispatcher, in run order, from its config (libxdp's struct
# xdp_dispatcher_config, the program's read-only map: magic, version,
# count, frags, then u32 chain_call_actions[10], run_prios[10])
dispatcher_slots() {
	local disp map
	read -r disp _ <<<"$(attached)"
	map=$(bpftool -j prog show id "$disp" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["map_ids"][0])' 2>/dev/null) || return 0
	bpftool -j map dump id "$map" 2>/dev/null | python3 -c '
import json, struct, sys
v = bytes(int(b, 16) for b in json.load(sys.stdin)[0]["value"])
chain = struct.unpack_from("<10I", v, 4)
prio = struct.unpack_from("<10I", v, 44)
for i in range(v[2]):
    print(prio[i], chain[i])' 2>/dev/null
}

batch() {
	: >"$LOG"
	: >"$GWLOG"
	e2e_connect "$@"
}

# reached CHECK PORT [LOGFILE]: C1 got the banner of PORT, and the
# listener (the mail server's: DNAT keeps C1's address) logged C1
reached() {
	local res
	res=$(conn_result "$C1" "$2")
	if [ "$res" = "banner 220 mxgw-e2e $2" ] && grep -qx "$2 $C1" "${3:-$LOG}"; then
		ok "$1"
	else
		fail "$1" "$C1 -> $E2E_PUBLIC:$2: $res; listener logged: $(tr '\n' ';' <"${3:-$LOG}")"
	fi
}

# dropped CHECK PORT: no answer at all, nothing logged by either listener
dropped() {
	local res
	res=$(conn_result "$C1" "$2")
	if [ "$res" = timeout ] && ! grep -q "^$2 " "$LOG" "$GWLOG"; then
		ok "$1"
	else
		fail "$1" "$C1 -> $E2E_PUBLIC:$2: $res (want no answer); logged: $(cat "$LOG" "$GWLOG" | tr '\n' ';')"
	fi
}

# counter EXPR: one value of mxctl status -j
counter() {
	ns_exec "$NS_GW" "$MXCTL" status -j >"$E2E_TMP/st.json" 2>/dev/null &&
		jget "$E2E_TMP/st.json" "$1" 2>/dev/null
}

# --- both kinds of kernel: a program attached without the dispatcher ----------

case_foreign_program() {
	local rc lines
	if ! e2e_xdp_pass "$NS_GW" wan0; then
		fail foreign_setup "cannot attach $XDP_PASS_OBJ to wan0"
		return
	fi
	mxd -c "$CONF" load wan0 >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	rc=$?
	lines=$(wc -l <"$E2E_TMP/err")
	if [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] &&
		grep -q "^mxctl: load wan0: XDP program xdp_pass (id [0-9]*) runs on wan0 without libxdp's dispatcher" "$E2E_TMP/err" &&
		[ "$(attached | cut -d' ' -f2)" = xdp_pass ] && [ ! -e "$PINS" ] && [ "$(tc_attached)" -eq 0 ]; then
		ok foreign_program_one_line_nothing_changed
	else
		fail foreign_program_one_line_nothing_changed "exit $rc, $lines lines: $(head -c 300 "$E2E_TMP/err"); wan0 runs '$(attached)'; pins: $(pins_left)"
	fi
	ip -n "$NS_GW" link set dev wan0 xdp off
}

# --- a kernel that refuses the dispatcher --------------------------------------

case_refused() {
	local rc lines out
	mxd -c "$CONF" load wan0 >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	rc=$?
	lines=$(wc -l <"$E2E_TMP/err")
	if [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] &&
		grep -q "^mxctl: load wan0: this kernel refuses .*xdp-attach direct" "$E2E_TMP/err"; then
		ok refused_load_one_line
	else
		fail refused_load_one_line "exit $rc, $lines lines of stderr: $(head -c 400 "$E2E_TMP/err"); stdout: $(head -c 200 "$E2E_TMP/out")"
	fi
	if [ "$(attached)" = "- -" ] && [ "$(tc_attached)" -eq 0 ] && [ ! -e "$PINS" ] &&
		[ -z "$(ls -A /sys/fs/bpf/xdp 2>/dev/null)" ]; then
		ok refused_load_changes_nothing
	else
		fail refused_load_changes_nothing "wan0 runs '$(attached)', tc filters $(tc_attached); pins: $(pins_left); libxdp: $(find /sys/fs/bpf/xdp -mindepth 1 2>&1 | head -3 | tr '\n' ' ')"
	fi

	printf '\nxdp-attach direct\n' >>"$CONF"
	out=$(mxd -c "$CONF" load wan0 2>"$E2E_TMP/err")
	rc=$?
	if [ "$rc" -eq 0 ] && [[ $out == "loaded on wan0"* ]] &&
		[ "$(attached)" = "$(pinned_id mxgw_wan_in) mxgw_wan_in" ]; then
		ok direct_load_attaches_alone
	else
		fail direct_load_attaches_alone "exit $rc: $out $(head -c 300 "$E2E_TMP/err"); wan0 runs '$(attached)', pinned $(pinned_id mxgw_wan_in)"
	fi
	mxd status >"$E2E_TMP/out" 2>&1
	if ! grep -q "dispatcher" "$E2E_TMP/out" &&
		[ "$(jget_status "d['xdp']['attach']")" = direct ]; then
		ok direct_status_says_direct
	else
		fail direct_status_says_direct "status: $(head -c 300 "$E2E_TMP/out"); json attach $(jget_status "d['xdp']['attach']")"
	fi
	batch "$C1:$ALLOWED" "$C1:$DENIED"
	reached direct_allowed_dnat "$ALLOWED"
	dropped direct_denied_by_mxgw "$DENIED"

	ns_exec "$NS_GW" xdp-filter load wan0 >"$E2E_TMP/out" 2>&1
	rc=$?
	echo "# xdp-filter load wan0 beside a direct mxgw: exit $rc: $(tr '\n' ' ' <"$E2E_TMP/out" | head -c 300)"
	if [ "$rc" -ne 0 ] && [ "$(attached)" = "$(pinned_id mxgw_wan_in) mxgw_wan_in" ]; then
		ok direct_xdp_filter_cannot_join
	else
		fail direct_xdp_filter_cannot_join "xdp-filter load exit $rc; wan0 runs '$(attached)'"
	fi
	batch "$C1:$ALLOWED"
	reached direct_still_works "$ALLOWED"
	mxd unload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_unloaded direct_unload
}

jget_status() {
	mxd status -j >"$E2E_TMP/st.json" 2>/dev/null && jget "$E2E_TMP/st.json" "$1" 2>/dev/null
}

expect_unloaded() {
	if [ "$(attached)" = "- -" ] && [ "$(tc_attached)" -eq 0 ] && [ ! -e "$PINS" ]; then
		ok "$1"
	else
		fail "$1" "wan0 runs '$(attached)', tc $(tc_attached); pins $(pins_left)"
	fi
}

# --- a kernel that runs the dispatcher --------------------------------------------

# xdp_filter_on: xdp-filter's deny of tcp $FILTERED on wan0
xdp_filter_on() {
	ns_exec "$NS_GW" xdp-filter load -f tcp wan0 >"$E2E_TMP/xf" 2>&1 &&
		ns_exec "$NS_GW" xdp-filter port -p tcp -m dst "$FILTERED" >>"$E2E_TMP/xf" 2>&1
}

case_dispatcher() {
	local rc out disp comp first second list status smtps0 smtps1 deny0 deny1 pcap pid

	out=$(mxd -c "$CONF" load wan0 2>"$E2E_TMP/err")
	rc=$?
	read -r disp first <<<"$(attached)"
	comp=$(pinned_id mxgw_wan_in)
	if [ "$rc" -eq 0 ] && [[ $out == "loaded on wan0"* ]] && [ "$first" = xdp_dispatcher ] &&
		[ "$(components)" = "$comp mxgw_wan_in" ]; then
		ok dispatcher_load_component
	else
		fail dispatcher_load_component "exit $rc: $out $(head -c 300 "$E2E_TMP/err"); wan0 runs '$disp $first', components '$(components | tr '\n' ';')', pinned $comp"
	fi
	if [ "$(jget_status "d['xdp']['attach'], d['xdp']['id'], d['xdp']['dispatcher_id'], d['xdp']['priority'], d['xdp']['ours']")" = "('dispatcher', $comp, $disp, 100, True)" ] &&
		mxd status 2>/dev/null | grep -q "^  xdp through libxdp's dispatcher (id $disp), run priority 100$"; then
		ok dispatcher_status
	else
		fail dispatcher_status "json: $(jget_status "d['xdp']"); text: $(mxd status 2>&1 | head -3 | tr '\n' ' ')"
	fi
	batch "$C1:$ALLOWED" "$C1:$DENIED"
	reached dispatcher_allowed_dnat "$ALLOWED"
	dropped dispatcher_denied_by_mxgw "$DENIED"

	# xdpdump on mxgw's component: it sees the packets mxgw sees
	pcap=$E2E_TMP/dump.pcap
	nsenter --net="/run/netns/$NS_GW" -- xdpdump -i wan0 -p mxgw_wan_in --rx-capture entry,exit \
		-w "$pcap" >"$E2E_TMP/xdpdump.out" 2>&1 &
	pid=$!
	E2E_PIDS+=("$pid")
	for _ in $(seq 50); do
		[ -s "$pcap" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	batch "$C1:$ALLOWED"
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	list=$(tshark -r "$pcap" -Y "ip.src == $C1 && tcp.dstport == $ALLOWED && tcp.flags.syn == 1" 2>/dev/null | wc -l)
	if [ "$list" -ge 1 ]; then
		ok xdpdump_sees_mxgw_packets
	else
		fail xdpdump_sees_mxgw_packets "$list SYNs to :$ALLOWED in the capture; xdpdump: $(head -c 300 "$E2E_TMP/xdpdump.out")"
	fi
	reached xdpdump_leaves_traffic "$ALLOWED"

	# xdp-filter joins the dispatcher, ahead of mxgw (10 < 100)
	if ! xdp_filter_on; then
		fail xdp_filter_joins "xdp-filter: $(head -c 300 "$E2E_TMP/xf")"
		return
	fi
	mapfile -t list < <(components)
	read -r _ first <<<"${list[0]:-}"
	read -r second _ <<<"${list[1]:-}"
	if [ "${#list[@]}" -eq 2 ] && [[ $first == xdpfilt_* ]] && [ "$second" = "$comp" ] &&
		[ "$(read -r d _ <<<"$(attached)"; echo "$d")" != "$disp" ]; then
		ok xdp_filter_joins_before_mxgw
	else
		fail xdp_filter_joins_before_mxgw "components in run order: ${list[*]}; mxgw's $comp"
	fi
	status=$(ns_exec "$NS_GW" xdp-loader status wan0 2>&1)
	printf '# %s\n' "${status//$'\n'/$'\n'# }"
	if echo "$status" | grep -Eq "=>[[:space:]]+100[[:space:]]+mxgw_wan_in[[:space:]]+${comp}[[:space:]]" &&
		echo "$status" | grep -Eq "=>[[:space:]]+10[[:space:]]+xdpfilt_"; then
		ok xdp_loader_status_lists_mxgw
	else
		fail xdp_loader_status_lists_mxgw "no '=> 100 mxgw_wan_in $comp' and '=> 10 xdpfilt_' lines"
	fi
	# mxgw's verdicts end the chain: XDP_PASS (bit 2) chains on after
	# xdp-filter, not after mxgw (xdp-loader 1.3.1's status prints the
	# line above's chain actions for a program without any); bit 31 is
	# libxdp's own "no program in this slot"
	mapfile -t list < <(dispatcher_slots)
	if [ "${#list[@]}" -eq 2 ] && [ "${list[1]}" = "100 $((1 << 31))" ] &&
		[ "${list[0]%% *}" = 10 ] && (( ${list[0]#* } & 4 )); then
		ok dispatcher_config_mxgw_ends_chain
	else
		fail dispatcher_config_mxgw_ends_chain "slots (priority, chain-call actions): ${list[*]}; want '10 ...|4' '100 $((1 << 31))'"
	fi
	smtps0=$(counter "svc('smtps')['in']['allowed']['packets']")
	deny0=$(counter "d['counters']['drop_service_deny']")
	batch "$C1:$ALLOWED" "$C1:$DENIED" "$C1:$FILTERED"
	smtps1=$(counter "svc('smtps')['in']['allowed']['packets']")
	deny1=$(counter "d['counters']['drop_service_deny']")
	reached both_allowed_dnat "$ALLOWED"
	dropped both_denied_by_mxgw "$DENIED"
	dropped both_filtered_by_xdp_filter "$FILTERED"
	if [ "${smtps1:-x}" = "${smtps0:-y}" ] && [ "${deny1:-0}" -gt "${deny0:-0}" ] 2>/dev/null; then
		ok both_order_xdp_filter_first
	else
		fail both_order_xdp_filter_first "mxgw's smtps allowed $smtps0->$smtps1 (want unchanged: xdp-filter drops first), drop_service_deny $deny0->$deny1 (want more)"
	fi

	# a reload keeps the component; a resize replaces it in the dispatcher
	out=$(mxd -c "$CONF" load wan0 2>"$E2E_TMP/err")
	if [[ $out == "re-applied on wan0"* ]] && [ "$(pinned_id mxgw_wan_in)" = "$comp" ] &&
		[ "$(components | wc -l)" -eq 2 ]; then
		ok reload_keeps_component
	else
		fail reload_keeps_component "$out $(head -c 200 "$E2E_TMP/err"); pinned $(pinned_id mxgw_wan_in) (was $comp); components $(components | tr '\n' ';')"
	fi
	sed 's/^conntrack-max.*//' "$CONF" >"$CONF.big" && printf 'conntrack-max 131072\n' >>"$CONF.big"
	out=$(mxd -c "$CONF.big" load wan0 2>"$E2E_TMP/err")
	rc=$?
	mapfile -t list < <(components)
	if [ "$rc" -eq 0 ] && [ "${#list[@]}" -eq 2 ] && [[ ${list[0]} == *" xdpfilt_"* ]] &&
		[ "${list[1]}" = "$(pinned_id mxgw_wan_in) mxgw_wan_in" ] &&
		[ "$(pinned_id mxgw_wan_in)" != "$comp" ] &&
		[ "$(jget_status "d['xdp']['priority']")" = 100 ]; then
		ok resize_replaces_component_in_dispatcher
	else
		fail resize_replaces_component_in_dispatcher "exit $rc: $out $(head -c 300 "$E2E_TMP/err"); components ${list[*]}; pinned $(pinned_id mxgw_wan_in) (was $comp)"
	fi
	comp=$(pinned_id mxgw_wan_in)
	batch "$C1:$ALLOWED" "$C1:$DENIED" "$C1:$FILTERED"
	reached resize_allowed_dnat "$ALLOWED"
	dropped resize_denied_by_mxgw "$DENIED"
	dropped resize_filtered_by_xdp_filter "$FILTERED"

	# xdp-filter goes: mxgw alone in the dispatcher, smtps open again
	ns_exec "$NS_GW" xdp-filter unload wan0 >"$E2E_TMP/xf" 2>&1
	if [ "$(components)" = "$comp mxgw_wan_in" ]; then
		ok xdp_filter_unload_leaves_mxgw
	else
		fail xdp_filter_unload_leaves_mxgw "$(head -c 200 "$E2E_TMP/xf"); components $(components | tr '\n' ';')"
	fi
	batch "$C1:$ALLOWED" "$C1:$DENIED" "$C1:$FILTERED"
	reached mxgw_alone_allowed_dnat "$ALLOWED"
	dropped mxgw_alone_denied "$DENIED"
	reached mxgw_alone_smtps_open "$FILTERED"

	# the dispatcher taken off behind mxgw's back: load puts mxgw back, a
	# new component at its priority, ending the chain, its pin following
	ip -n "$NS_GW" link set dev wan0 xdp off
	out=$(mxd -c "$CONF.big" load wan0 2>"$E2E_TMP/err")
	rc=$?
	comp=$(pinned_id mxgw_wan_in)
	mapfile -t list < <(dispatcher_slots)
	if [ "$rc" -eq 0 ] && [[ $out == "re-applied on wan0"* ]] &&
		[ "$(components)" = "$comp mxgw_wan_in" ] && [ "${list[*]}" = "100 $((1 << 31))" ] &&
		[ "$(jget_status "d['xdp']['ours']")" = True ]; then
		ok repair_puts_component_back
	else
		fail repair_puts_component_back "exit $rc: $out $(head -c 300 "$E2E_TMP/err"); components $(components | tr '\n' ';'), pinned $comp; slots ${list[*]}"
	fi
	batch "$C1:$ALLOWED" "$C1:$DENIED"
	reached repair_allowed_dnat "$ALLOWED"
	dropped repair_denied "$DENIED"

	# xdp-filter back, then mxgw goes: xdp-filter alone keeps filtering
	xdp_filter_on || fail xdp_filter_again "xdp-filter: $(head -c 300 "$E2E_TMP/xf")"
	mxd unload wan0 >/dev/null 2>"$E2E_TMP/err"
	mapfile -t list < <(components)
	if [ "${#list[@]}" -eq 1 ] && [[ ${list[0]} == *" xdpfilt_"* ]] && [ ! -e "$PINS" ] &&
		[ "$(tc_attached)" -eq 0 ]; then
		ok mxgw_unload_leaves_xdp_filter
	else
		fail mxgw_unload_leaves_xdp_filter "$(head -c 200 "$E2E_TMP/err"); components ${list[*]}; pins $(pins_left)"
	fi
	# no DNAT now: the gateway's own ports answer, but 465 stays filtered
	batch "$C1:$OWN" "$C1:$FILTERED"
	reached xdp_filter_alone_own_port "$OWN" "$GWLOG"
	dropped xdp_filter_alone_filters "$FILTERED"
	ns_exec "$NS_GW" xdp-filter unload wan0 >/dev/null 2>&1
	expect_unloaded all_gone
}

case_foreign_program
if ns_exec "$NS_GW" "$MXCTL" probe >"$E2E_TMP/probe" 2>&1; then
	echo "# kernel $(uname -r) runs libxdp's dispatcher: $(cat "$E2E_TMP/probe")"
	case_dispatcher
else
	echo "# kernel $(uname -r) refuses libxdp's dispatcher: $(cat "$E2E_TMP/probe")"
	case_refused
fi

e2e_summary
