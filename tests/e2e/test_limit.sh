#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end, rate limits (issue 13): real TCP connections to :25 from two
# Internet clients, A (198.51.100.7, 2001:db8:51::7) and B (198.51.100.8,
# and 2001:db8:51:1::8: another /64, since a limit counts IPv6 by /64),
# through mxgw loaded with the shipped table, mailserver6 and
# "limit smtp 1/h burst 3".  A's first three connections reach the mail
# server's listener, its fourth gets no answer, nothing of it reaches the
# listener and drop_rate_limit grows, per family, while B's first still
# connects.  Then a reload adds "ban 10m": the buckets survive the reload,
# A's next connection bans it (rate_limit_bans), mxctl bans lists A's /32
# and /64 with reason "rate limit" and an expiry ten minutes after it was
# set, A's connections to another service are dropped as drop_banned, and
# B still connects.  A limit of 1/h is refilled by nothing within the
# test's run.
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
B6=2001:db8:51:1::8
MS6=$E2E_MAILSERVER6
LOG=$E2E_TMP/listener.log
ST=$E2E_TMP/status.json

# --- helpers --------------------------------------------------------------

# try SRC...: one batch to :25 from each IPv4 and IPv6 SRC; the results in
# $E2E_TMP/conn4 and conn6.
try() {
	local s v4=() v6=()
	for s in "$@"; do
		case $s in
		*:*) v6+=("$s:25") ;;
		*) v4+=("$s:25") ;;
		esac
	done
	: >"$LOG"
	: >"$E2E_TMP/conn4"
	: >"$E2E_TMP/conn6"
	if [ "${#v4[@]}" -gt 0 ]; then
		e2e_connect_to "$E2E_PUBLIC" "${v4[@]}"
		cp "$E2E_TMP/conn" "$E2E_TMP/conn4"
	fi
	if [ "${#v6[@]}" -gt 0 ]; then
		e2e_connect_to "$MS6" "${v6[@]}"
		cp "$E2E_TMP/conn" "$E2E_TMP/conn6"
	fi
}

# expect CHECK FAMILY SRC reached|dropped [PORT]
expect() {
	local res port=${5:-25}
	cp "$E2E_TMP/conn$2" "$E2E_TMP/conn"
	res=$(conn_result "$3" "$port")
	case $4 in
	reached)
		if [ "$res" = "banner 220 mxgw-e2e $port" ] && grep -qx "$port $3" "$LOG"; then
			ok "$1"
		else
			fail "$1" "$3 -> :$port over IPv$2: '$res', listener logged '$(tr '\n' ';' <"$LOG")'; want the banner"
		fi ;;
	dropped)
		if [ "$res" = timeout ] && ! grep -qx "$port $3" "$LOG"; then
			ok "$1"
		else
			fail "$1" "$3 -> :$port over IPv$2: '$res', listener logged '$(tr '\n' ';' <"$LOG")'; want no answer"
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

# grew CHECK NAME BEFORE BEFORE6: the counter grew in both families.
grew() {
	local now now6
	now=$(counter "$2")
	now6=$(counter "$2" 6)
	if [ "$now6" -gt "$4" ] && [ $((now - $3)) -gt $((now6 - $4)) ]; then
		ok "$1"
	else
		fail "$1" "$2 $3 -> $now, its IPv6 part $4 -> $now6"
	fi
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
e2e_topology6_up
ip -n "$NS_INET" -6 addr add "$B6/128" dev eth0 nodad preferred_lft 0 ||
	e2e_cannot_run "cannot add $B6 to the Internet's namespace"
e2e_neigh_resolved "$NS_GW" lan0 "$MS6" ||
	e2e_cannot_run "the gateway did not resolve $MS6 on lan0 within 5 s"
e2e_listener_start "$NS_MS" "$LOG" 25 465 || e2e_cannot_run "the mail-server listener did not start"

CONF=$E2E_TMP/mxgw.conf
conf() {
	{
		sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf"
		printf 'mailserver6\t%s\n' "$MS6"
		printf '%s\n' "$1"
	} >"$CONF"
}
conf "limit smtp 1/h burst 3"
mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err" ||
	e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/err")" load

# --- 1. over the rate: A dropped and counted, B unaffected -----------------

case_limit() {
	local d0 d60 i

	for i in 1 2 3; do
		try "$A4" "$A6"
		expect "a4_connection_${i}_of_burst_reached" 4 "$A4" reached
		expect "a6_connection_${i}_of_burst_reached" 6 "$A6" reached
	done
	d0=$(counter drop_rate_limit)
	d60=$(counter drop_rate_limit 6)
	try "$A4" "$A6" "$B4" "$B6"
	expect a4_over_the_rate_dropped 4 "$A4" dropped
	expect a6_over_the_rate_dropped 6 "$A6" dropped
	expect b4_unaffected 4 "$B4" reached
	expect b6_other_64_unaffected 6 "$B6" reached
	grew drop_rate_limit_grows_both_families drop_rate_limit "$d0" "$d60"

	mx status >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	if grep -q "^  limits: smtp 1/h burst 3; " "$E2E_TMP/out"; then
		ok status_limits_line
	else
		fail status_limits_line "$(grep limits "$E2E_TMP/out")"
	fi
	status_json "$ST"
	if [ "$(jget "$ST" "svc('smtp')['limit']")" = "{'rate': 1, 'per': 'h', 'burst': 3, 'ban_s': 0}" ] &&
		[ "$(jget "$ST" "d['rate_limits']['buckets'] >= 2")" = True ]; then
		ok status_json_limit
	else
		fail status_json_limit "$(jget "$ST" "svc('smtp')['limit']" "d['rate_limits']")"
	fi
}

# --- 2. with ban: A banned for 10m, listed, dropped as banned -------------

case_ban() {
	local b0 b60 d0 d60

	b0=$(counter rate_limit_bans)
	b60=$(counter rate_limit_bans 6)
	conf "limit smtp 1/h burst 3 ban 10m"
	if mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err"; then
		ok reload_with_ban
	else
		fail reload_with_ban "$(head -c 300 "$E2E_TMP/err")"
	fi
	# A's bucket survived the reload: still over
	try "$A4" "$A6" "$B4" "$B6"
	expect ban_a4_dropped 4 "$A4" dropped
	expect ban_a6_dropped 6 "$A6" dropped
	expect ban_b4_unaffected 4 "$B4" reached
	expect ban_b6_unaffected 6 "$B6" reached
	grew rate_limit_bans_both_families rate_limit_bans "$b0" "$b60"

	if mx bans -j | python3 -c 'import json, sys
b = json.load(sys.stdin)["interfaces"][0]["bans"]
for p in sys.argv[1:]:
    a = next(x for x in b if x["prefix"] == p)
    assert a["reason"] == "rate limit", a
    assert a["expires_unix"] - a["set_unix"] in (599, 600, 601), a
    assert 590 <= a["expires_in_s"] <= 600, a
assert len(b) == 2, b' "$A4/32" "2001:db8:51::/64" 2>"$E2E_TMP/err"; then
		ok bans_lists_a_with_its_expiry
	else
		fail bans_lists_a_with_its_expiry "$(tail -3 "$E2E_TMP/err"); $(mx bans 2>&1)"
	fi

	# banned: every service, counted as drop_banned, not as a limit's drop
	d0=$(counter drop_banned)
	d60=$(counter drop_banned 6)
	: >"$LOG"
	e2e_connect_to "$E2E_PUBLIC" "$A4:465" "$B4:465"
	cp "$E2E_TMP/conn" "$E2E_TMP/conn4"
	e2e_connect_to "$MS6" "$A6:465" "$B6:465"
	cp "$E2E_TMP/conn" "$E2E_TMP/conn6"
	expect banned_a4_smtps_dropped 4 "$A4" dropped 465
	expect banned_a6_smtps_dropped 6 "$A6" dropped 465
	expect b4_smtps_reached 4 "$B4" reached 465
	expect b6_smtps_reached 6 "$B6" reached 465
	grew drop_banned_grows_both_families drop_banned "$d0" "$d60"

	mx unban "$A4" >/dev/null 2>&1
	mx unban "$A6" >/dev/null 2>&1
	try "$A4" "$A6"
	expect unbanned_a4_still_over_its_rate 4 "$A4" dropped
	expect unbanned_a6_still_over_its_rate 6 "$A6" dropped
}

case_limit
case_ban
e2e_summary
