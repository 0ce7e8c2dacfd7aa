#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end, bans and the allowlist (issue 13): real TCP connections to
# :25 from two Internet clients, A (198.51.100.7, 2001:db8:51::7) and B
# (198.51.100.8, 2001:db8:51::8), through mxgw loaded with the shipped
# table and mailserver6 on the dual-stack topology of lib.sh.  After
# mxctl ban, A gets nothing (no answer, nothing reaches the mail server's
# listener) and drop_banned grows, per family, while B still connects;
# IPv6 by /64 (B shares A's /64: a bare ban of A's address takes both, a
# /128 only A); --for runs out; unban; bans survive reload, set-service,
# load again and a load that replaces the maps (conntrack-max changed);
# the allowlist wins over a ban; 10^5 bans from a file (timed), a bad
# file bans nothing and names FILE:LINE.
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

A4=$E2E_CLIENT1
B4=$E2E_CLIENT2
A6=$E2E_CLIENT1_6
B6=$E2E_CLIENT2_6
MS6=$E2E_MAILSERVER6
LOG=$E2E_TMP/listener.log
ST=$E2E_TMP/status.json

# --- helpers --------------------------------------------------------------

# try: one batch from A and B to :25 over both families; the results in
# $E2E_TMP/conn4 and conn6.
try() {
	: >"$LOG"
	e2e_connect_to "$E2E_PUBLIC" "$A4:25" "$B4:25"
	cp "$E2E_TMP/conn" "$E2E_TMP/conn4"
	e2e_connect_to "$MS6" "$A6:25" "$B6:25"
	cp "$E2E_TMP/conn" "$E2E_TMP/conn6"
}

# result FAMILY SRC: the connection's outcome in the last try.
result() {
	cp "$E2E_TMP/conn$1" "$E2E_TMP/conn"
	conn_result "$2" 25
}

# expect CHECK FAMILY SRC reached|dropped
expect() {
	local res
	res=$(result "$2" "$3")
	case $4 in
	reached)
		if [ "$res" = "banner 220 mxgw-e2e 25" ] && grep -qx "25 $3" "$LOG"; then
			ok "$1"
		else
			fail "$1" "$3 -> :25 over IPv$2: '$res', listener logged '$(grep "^25 " "$LOG" | tr '\n' ';')'; want the banner"
		fi ;;
	dropped)
		if [ "$res" = timeout ] && ! grep -qx "25 $3" "$LOG"; then
			ok "$1"
		else
			fail "$1" "$3 -> :25 over IPv$2: '$res', listener logged '$(grep "^25 " "$LOG" | tr '\n' ';')'; want no answer"
		fi ;;
	esac
}

# counter NAME [6]: the counter of both families (6: IPv6's part).
counter() {
	status_json "$ST" || { echo -1; return; }
	if [ "${2:-}" = 6 ]; then
		jget "$ST" "d['counters6']['$1']"
	else
		jget "$ST" "d['counters']['$1']"
	fi
}

expect_rc() {
	if [ "$3" -eq "$2" ]; then
		ok "$1"
	else
		fail "$1" "$4: exit $3, want $2: $(head -c 300 "$E2E_TMP/err")"
	fi
}

# wait_listening PID: until the data plane makes events for the mxctl log
# of PID (status: its lease as the data plane sees it); 1 after 10 s or if
# it exited.
wait_listening() {
	local end=$((SECONDS + 10))
	while [ "$SECONDS" -lt "$end" ]; do
		status_json "$E2E_TMP/listen.json" &&
			[ "$(jget "$E2E_TMP/listen.json" \
				"d['log']['listening'] and d['log']['reader_pid'] == $1")" = True ] &&
			return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# bans_count: how many bans mxctl bans -j lists on wan0.
bans_count() {
	mx bans -j 2>/dev/null | python3 -c 'import json, sys
print(len(json.load(sys.stdin)["interfaces"][0]["bans"]))'
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
e2e_topology6_up
e2e_neigh_resolved "$NS_GW" lan0 "$MS6" ||
	e2e_cannot_run "the gateway did not resolve $MS6 on lan0 within 5 s"
e2e_listener_start "$NS_MS" "$LOG" 25 || e2e_cannot_run "the mail-server listener did not start"
# the Internet's own server on :25, for the mail server's outgoing mail
e2e_server_start "$NS_INET" inet_server.py "$E2E_TMP/inet.log" 25 ||
	e2e_cannot_run "the Internet's server did not start"

CONF=$E2E_TMP/mxgw.conf
{
	sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf"
	printf 'mailserver6\t%s\n' "$MS6"
} >"$CONF"
mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err" ||
	e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/err")" load

# --- 1. a ban: A dropped, B unaffected, both families ---------------------------

case_ban() {
	local d0 d1 d60 d61

	try
	expect before_ban_a4_reached 4 "$A4" reached
	expect before_ban_a6_reached 6 "$A6" reached

	d0=$(counter drop_banned)
	d60=$(counter drop_banned 6)
	mx ban "$A4" --reason "test ban" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	expect_rc ban_ipv4 0 $? "mxctl ban $A4"
	mx ban "$A6/128" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	expect_rc ban_ipv6_128 0 $? "mxctl ban $A6/128"
	try
	expect banned_a4_dropped 4 "$A4" dropped
	expect banned_b4_unaffected 4 "$B4" reached
	expect banned_a6_dropped 6 "$A6" dropped
	expect banned_b6_128_unaffected 6 "$B6" reached
	d1=$(counter drop_banned)
	d61=$(counter drop_banned 6)
	if [ "$d61" -gt "$d60" ] && [ $((d1 - d0)) -gt $((d61 - d60)) ]; then
		ok drop_banned_grows_both_families
	else
		fail drop_banned_grows_both_families "drop_banned $d0 -> $d1, its IPv6 part $d60 -> $d61"
	fi

	mx bans >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	if grep -q "^wan0: 2 bans (IPv4 1, IPv6 1)" "$E2E_TMP/out" &&
		grep -q "$A4/32 .*never *test ban" "$E2E_TMP/out" &&
		grep -q "$A6/128 " "$E2E_TMP/out"; then
		ok bans_lists_them
	else
		fail bans_lists_them "mxctl bans: $(cat "$E2E_TMP/out" "$E2E_TMP/err")"
	fi
	if mx bans -j | python3 -c 'import json, sys
b = json.load(sys.stdin)["interfaces"][0]["bans"]
a = next(x for x in b if x["prefix"] == sys.argv[1])
assert a["family"] == "ipv4" and a["reason"] == "test ban" and a["expires"] is None, a
assert a["set"].endswith("Z") and a["set_unix"] > 0' "$A4/32" 2>"$E2E_TMP/err"; then
		ok bans_json
	else
		fail bans_json "$(tail -3 "$E2E_TMP/err")"
	fi

	# the log names the reason, of both families' drops (SIGINT once the
	# packets are sent ends the reader, which shows what the buffer holds)
	nsenter --net="/run/netns/$NS_GW" -- "$MXCTL" log -j --verdict drop --timeout 30 \
		>"$E2E_TMP/log.json" 2>"$E2E_TMP/log.err" &
	logger=$!
	E2E_PIDS+=("$logger")
	if wait_listening "$logger"; then
		try
		kill -INT "$logger"
		wait "$logger"
		if grep '"reason":"drop_banned"' "$E2E_TMP/log.json" | grep -qF "\"src\":\"$A4:" &&
			grep '"reason":"drop_banned"' "$E2E_TMP/log.json" | grep -qF "\"src\":\"[$A6]:" &&
			! grep -qF -e "\"src\":\"$B4:" -e "\"src\":\"[$B6]:" "$E2E_TMP/log.json"; then
			ok log_reason_drop_banned
		else
			fail log_reason_drop_banned "mxctl log: $(head -c 600 "$E2E_TMP/log.json") $(cat "$E2E_TMP/log.err")"
		fi
	else
		fail log_reason_drop_banned "the reader never listened: $(cat "$E2E_TMP/log.err")"
	fi

	# the mail server's own connections to the banned host: its replies
	# are a tracked flow's, and pass
	ns_exec "$NS_MS" python3 "$E2E_DIR/out_client.py" batch --dst "$A4" --timeout 3 25 \
		>"$E2E_TMP/out4" 2>&1
	ns_exec "$NS_MS" python3 "$E2E_DIR/out_client.py" batch --dst "$A6" --timeout 3 25 \
		>"$E2E_TMP/out6" 2>&1
	if grep -q "^25 ok " "$E2E_TMP/out4" && grep -q "^25 ok " "$E2E_TMP/out6"; then
		ok outgoing_to_banned_host_replies_pass
	else
		fail outgoing_to_banned_host_replies_pass "mail server -> $A4:25: $(cat "$E2E_TMP/out4"); -> [$A6]:25: $(cat "$E2E_TMP/out6")"
	fi

	mx unban "$A4" >/dev/null 2>"$E2E_TMP/err"
	expect_rc unban_ipv4 0 $? "mxctl unban $A4"
	mx unban "$A6/128" >/dev/null 2>"$E2E_TMP/err"
	expect_rc unban_ipv6 0 $? "mxctl unban $A6/128"
	mx unban "$A4" >/dev/null 2>"$E2E_TMP/err"
	expect_rc unban_not_banned_fails 1 $? "mxctl unban $A4 a second time"
	try
	expect unbanned_a4_reached 4 "$A4" reached
	expect unbanned_a6_reached 6 "$A6" reached
}

# --- 2. IPv6 by /64 -------------------------------------------------------

case_slash64() {
	mx ban "$A6" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	expect_rc ban_ipv6_bare 0 $? "mxctl ban $A6"
	if grep -q "banned 2001:db8:51::/64" "$E2E_TMP/out"; then
		ok ban_ipv6_bare_is_its_64
	else
		fail ban_ipv6_bare_is_its_64 "mxctl ban $A6 said: $(cat "$E2E_TMP/out")"
	fi
	try
	expect slash64_a6_dropped 6 "$A6" dropped
	expect slash64_b6_same_64_dropped 6 "$B6" dropped
	expect slash64_a4_unaffected 4 "$A4" reached
	mx unban "$A6" >/dev/null 2>"$E2E_TMP/err"
	expect_rc unban_ipv6_bare 0 $? "mxctl unban $A6"
}

# --- 3. --for: the data plane lets A in again when it runs out ------------------

case_expiry() {
	local deadline res4 res6 n

	mx ban "$A4" --for 8s >/dev/null 2>"$E2E_TMP/err"
	expect_rc ban_for_8s 0 $? "mxctl ban $A4 --for 8s"
	mx ban "$A6" --for 8 >/dev/null 2>"$E2E_TMP/err"
	expect_rc ban_ipv6_for_8_seconds 0 $? "mxctl ban $A6 --for 8"
	try
	expect for_a4_dropped_meanwhile 4 "$A4" dropped
	expect for_a6_dropped_meanwhile 6 "$A6" dropped
	# polled: in again within the ban's 8 s, the clock's tick and the
	# connection timeouts (deadline 30 s)
	deadline=$((SECONDS + 30))
	while [ $SECONDS -lt $deadline ]; do
		try
		res4=$(result 4 "$A4")
		res6=$(result 6 "$A6")
		[ "$res4" = "banner 220 mxgw-e2e 25" ] && [ "$res6" = "banner 220 mxgw-e2e 25" ] && break
	done
	expect expired_a4_reached 4 "$A4" reached
	expect expired_a6_reached 6 "$A6" reached
	# the data plane let them in without mxctl: the entries are still
	# there until a listing prunes them
	n=$(bans_count)
	if [ "$n" = 0 ]; then
		ok bans_prunes_expired
	else
		fail bans_prunes_expired "mxctl bans lists $n bans after both expired"
	fi
}

# --- 4. bans survive reload, set-service, load, and a replace ---------------------

case_survive() {
	mx ban "$A4" >/dev/null 2>"$E2E_TMP/err" && mx ban "$A6/128" >/dev/null 2>>"$E2E_TMP/err"
	expect_rc ban_before_reload 0 $? "mxctl ban"

	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload 0 $? "mxctl reload wan0"
	try
	expect after_reload_a4_dropped 4 "$A4" dropped
	expect after_reload_a6_dropped 6 "$A6" dropped
	expect after_reload_b4_reached 4 "$B4" reached

	mx set-service smtp in allow >/dev/null 2>"$E2E_TMP/err"
	expect_rc set_service 0 $? "mxctl set-service smtp in allow"
	try
	expect after_set_service_a4_dropped 4 "$A4" dropped
	expect after_set_service_a6_dropped 6 "$A6" dropped

	mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc load_again 0 $? "mxctl load wan0 (loaded)"
	try
	expect after_load_a4_dropped 4 "$A4" dropped
	expect after_load_a6_dropped 6 "$A6" dropped

	# a new conntrack size: new programs and maps (mxgw_replace), the
	# bans copied over
	{ cat "$CONF"; echo "conntrack-max 4096"; } >"$E2E_TMP/resize.conf"
	mx -c "$E2E_TMP/resize.conf" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_resized 0 $? "mxctl reload wan0 with conntrack-max 4096"
	try
	expect after_replace_a4_dropped 4 "$A4" dropped
	expect after_replace_a6_dropped 6 "$A6" dropped
	expect after_replace_b4_reached 4 "$B4" reached
	if [ "$(bans_count)" = 2 ]; then
		ok after_replace_bans_listed
	else
		fail after_replace_bans_listed "mxctl bans lists $(bans_count), want 2"
	fi
}

# --- 5. the allowlist wins --------------------------------------------------

case_allowlist() {
	local a0 a1

	a0=$(counter ban_allowlisted)
	printf '# partners\n%s ; A\n\n192.0.2.0/24\n' "$A6" >"$E2E_TMP/allow.txt"
	{ cat "$CONF"; echo "allowlist $A4/32,203.0.113.0/24"; echo "allowlist ./allow.txt"; } \
		>"$E2E_TMP/allow.conf"
	mx -c "$E2E_TMP/allow.conf" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_allowlist 0 $? "mxctl reload with an allowlist"
	try
	expect allowlisted_a4_reached 4 "$A4" reached
	expect allowlisted_a6_reached 6 "$A6" reached
	a1=$(counter ban_allowlisted)
	if [ "$a1" -gt "$a0" ]; then
		ok ban_allowlisted_counts
	else
		fail ban_allowlisted_counts "ban_allowlisted $a0 -> $a1"
	fi
	if status_json "$ST" && mx status >"$E2E_TMP/out" 2>&1 &&
		grep -q "bans: 2 (IPv4 1, IPv6 1), allowlist: 4 prefixes (IPv4 3, IPv6 1)" "$E2E_TMP/out"; then
		ok status_summary_line
	else
		fail status_summary_line "mxctl status: $(grep -i "ban\|allow" "$E2E_TMP/out")"
	fi

	# a bad line in the allowlist file refuses the config, changing nothing
	printf '%s\nnot-an-address\n' "$A6" >"$E2E_TMP/allow.txt"
	mx -c "$E2E_TMP/allow.conf" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_bad_allowlist_refused 1 $? "mxctl reload with a bad allowlist file"
	if grep -q "allow.txt:2: error: allowlist: " "$E2E_TMP/err"; then
		ok bad_allowlist_names_file_line
	else
		fail bad_allowlist_names_file_line "stderr: $(head -c 300 "$E2E_TMP/err")"
	fi
	try
	expect bad_allowlist_kept_a4_reached 4 "$A4" reached

	# without the allowlist, the bans drop again
	mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"
	expect_rc reload_no_allowlist 0 $? "mxctl reload without the allowlist"
	try
	expect allowlist_gone_a4_dropped 4 "$A4" dropped
	expect allowlist_gone_a6_dropped 6 "$A6" dropped
	mx unban "$A4" >/dev/null 2>&1
	mx unban "$A6/128" >/dev/null 2>&1
}

# --- 6. 10^5 bans from a file -------------------------------------------------

case_file() {
	local n t0 t1 ms

	# 50,000 IPv4 addresses of 100.64.0.0/10, 49,999 IPv6 /64s of
	# 2001:db8:9000::/36, and A
	python3 -c 'import ipaddress, sys
out = [f"{ipaddress.IPv4Address(0x64400000 + i)}" for i in range(50000)]
out += [f"2001:db8:9{i >> 16:03x}:{i & 0xffff:x}::/64" for i in range(49999)]
out.append(sys.argv[1])
print("\n".join(out))' "$A4" >"$E2E_TMP/bans.txt"
	n=$(wc -l <"$E2E_TMP/bans.txt")
	t0=$(date +%s%N)
	mx ban --file "$E2E_TMP/bans.txt" --for 1h --reason bulk >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	expect_rc ban_file_100000 0 $? "mxctl ban --file (100000 lines)"
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	echo "# 100000 bans from a file: ${ms} ms wall ($(cat "$E2E_TMP/out"))"
	if [ "$(bans_count)" = "$n" ]; then
		ok ban_file_all_listed
	else
		fail ban_file_all_listed "mxctl bans lists $(bans_count), the file has $n"
	fi
	if [ "$ms" -lt 30000 ]; then
		ok ban_file_in_seconds
	else
		fail ban_file_in_seconds "took $ms ms"
	fi
	try
	expect file_banned_a4_dropped 4 "$A4" dropped
	expect file_b4_reached 4 "$B4" reached
	expect file_b6_reached 6 "$B6" reached

	# a bad file: every bad line named, nothing banned
	printf '192.0.2.1\n192.0.2.0/33\n\n2001:db8::1 extra\n%s\n' "$B4" >"$E2E_TMP/bad.txt"
	mx ban --file - <"$E2E_TMP/bad.txt" >/dev/null 2>"$E2E_TMP/err"
	expect_rc ban_bad_file_fails 1 $? "mxctl ban --file - (bad lines)"
	if grep -q "^stdin:2: error: ban: " "$E2E_TMP/err" && grep -q "^stdin:4: error: ban: " "$E2E_TMP/err" &&
		! grep -q "stdin:1:\|stdin:5:" "$E2E_TMP/err"; then
		ok ban_bad_file_names_lines
	else
		fail ban_bad_file_names_lines "stderr: $(head -c 400 "$E2E_TMP/err")"
	fi
	try
	expect bad_file_b4_not_banned 4 "$B4" reached
	if [ "$(bans_count)" = "$n" ]; then
		ok bad_file_changes_nothing
	else
		fail bad_file_changes_nothing "mxctl bans lists $(bans_count), want $n"
	fi
}

case_ban
case_slash64
case_expiry
case_survive
case_allowlist
case_file
e2e_summary
