#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: a "to gateway" service, the way an operator keeps SSH to the
# gateway itself (issue 10, item 13).  On the topology of lib.sh, with
#   service ssh 22/tcp allow allow from 198.51.100.0/24 to gateway
# a listener on the gateway (its own stack, 203.0.113.33:22) is reached
# from 198.51.100.7, not from 203.0.113.1 (outside from), and after
# `set-service ssh in deny` from nowhere; a listener on the mail server's
# port 22 never sees a thing (nothing is DNATed); smtp next to it still
# reaches the mail server.  What mxctl shows of it (status, log, conntrack
# has no entry of the gateway's answers), and the export nft twin, loaded
# instead of mxgw, does the same.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

C1=$E2E_CLIENT1		# inside from
OUTSIDE=$E2E_INET_ADDR	# 203.0.113.1: outside from
GW_LOG=$E2E_TMP/gateway.log
MS_LOG=$E2E_TMP/mailserver.log
CONF=$E2E_TMP/mxgw.conf

# --- helpers --------------------------------------------------------------

# batch SRC:PORT...: fresh listener logs, then one batch of connections.
batch() {
	: >"$GW_LOG"
	: >"$MS_LOG"
	e2e_connect "$@"
}

# expect_gateway CHECK SRC: SRC reached the gateway's own :22 (its banner,
# its log line with the client's address), and the mail server saw nothing.
expect_gateway() {
	local res
	res=$(conn_result "$2" 22)
	if [ "$res" = "banner 220 mxgw-e2e 22" ] && grep -qx "22 $2" "$GW_LOG" && ! grep -q '^22 ' "$MS_LOG"; then
		ok "$1"
	else
		fail "$1" "$2 -> $E2E_PUBLIC:22: '$res'; gateway logged '$(tr '\n' ';' <"$GW_LOG")', mail server '$(tr '\n' ';' <"$MS_LOG")'"
	fi
}

# expect_nothing CHECK SRC: no answer to SRC's SYN to :22, nobody saw it.
expect_nothing() {
	local res
	res=$(conn_result "$2" 22)
	if [ "$res" = timeout ] && [ ! -s "$GW_LOG" ] && ! grep -q '^22 ' "$MS_LOG"; then
		ok "$1"
	else
		fail "$1" "$2 -> $E2E_PUBLIC:22: '$res' (want no answer); gateway logged '$(tr '\n' ';' <"$GW_LOG")', mail server '$(tr '\n' ';' <"$MS_LOG")'"
	fi
}

# expect_smtp CHECK: C1 reached the mail server's :25, its address kept.
expect_smtp() {
	local res
	res=$(conn_result "$C1" 25)
	if [ "$res" = "banner 220 mxgw-e2e 25" ] && grep -qx "25 $C1" "$MS_LOG"; then
		ok "$1"
	else
		fail "$1" "$C1 -> :25: '$res'; mail server logged '$(tr '\n' ';' <"$MS_LOG")'"
	fi
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
cat >"$CONF" <<EOF
public $E2E_PUBLIC
mailserver $E2E_MAILSERVER
service smtp 25/tcp allow allow
service ssh 22/tcp allow allow from 198.51.100.0/24 to gateway
EOF
# the gateway's own listener on :22, and one on the mail server's :22 that
# must stay silent
e2e_listener_start "$NS_GW" "$GW_LOG" 22 ||
	e2e_cannot_run "the gateway's listener did not start"
e2e_listener_start "$NS_MS" "$MS_LOG" 22 25 ||
	e2e_cannot_run "the mail-server listener did not start"
if ! mx -c "$CONF" load wan0 >"$E2E_TMP/load.out" 2>&1; then
	e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/load.out")" load
fi

# --- 1. the data plane ------------------------------------------------------

batch "$C1:22" "$OUTSIDE:22" "$C1:25"
expect_gateway reached_from_inside_from "$C1"
if [ "$(conn_result "$OUTSIDE" 22)" = timeout ] && ! grep -q "^22 $OUTSIDE" "$GW_LOG" "$MS_LOG"; then
	ok dropped_outside_from
else
	fail dropped_outside_from "$OUTSIDE -> :22: '$(conn_result "$OUTSIDE" 22)'; logs: $(cat "$GW_LOG" "$MS_LOG" | tr '\n' ';')"
fi
expect_smtp smtp_still_reaches_the_mail_server

# --- 2. what mxctl shows ------------------------------------------------------

status_json "$E2E_TMP/st.json"
vals=$(jget "$E2E_TMP/st.json" "svc('ssh')['to']" "svc('smtp')['to']" \
	"svc('ssh')['in']['allowed']['packets'] > 0" "d['counters']['pass_gateway_service'] > 0" \
	"d['counters']['drop_not_from'] > 0" | tr '\n' ' ')
if [ "$vals" = "gateway mailserver True True True " ]; then
	ok status_json_says_to_gateway
else
	fail status_json_says_to_gateway "to ssh, smtp; ssh allowed, pass_gateway_service, drop_not_from > 0: $vals"
fi
mx status >"$E2E_TMP/st.txt" 2>&1
if grep -Eq '^ +ssh +22/tcp +allow +allow\+from .* -> gateway$' "$E2E_TMP/st.txt" &&
	! grep -E '^ +smtp ' "$E2E_TMP/st.txt" | grep -q 'gateway'; then
	ok status_text_says_to_gateway
else
	fail status_text_says_to_gateway "$(grep -E '^ +(ssh|smtp) ' "$E2E_TMP/st.txt" | tr '\n' '|')"
fi
# the gateway's answers are not tracked: no conntrack entry holds :22
mx -j conntrack >"$E2E_TMP/ct.json" 2>&1
if python3 - "$E2E_TMP/ct.json" <<'EOF'
import json, sys
flows = [f for i in json.load(open(sys.argv[1])) for f in i["flows"]]
sys.exit(any(f["public"].endswith(":22") for f in flows))
EOF
then
	ok gateway_answers_are_not_tracked
else
	fail gateway_answers_are_not_tracked "$(head -c 400 "$E2E_TMP/ct.json")"
fi

# mxctl log: the new connection let in, with the service's name.  The
# reader attaches within a moment: connect until it has its event.
mx log -j --service ssh --count 1 --timeout 10 >"$E2E_TMP/log.json" 2>"$E2E_TMP/log.err" &
logger=$!
for _ in $(seq 50); do
	kill -0 "$logger" 2>/dev/null || break
	e2e_connect "$C1:22"
done
wait "$logger"
vals=$(python3 -c '
import json, sys
e = json.loads(open(sys.argv[1]).read().strip().lstrip(","))
print(e["reason"], e["verdict"], e["service"], e["src"].split(":")[0], e["dst"])
' "$E2E_TMP/log.json" 2>&1)
if [ "$vals" = "in_new allow ssh $C1 $E2E_PUBLIC:22" ]; then
	ok log_shows_the_connection_let_in
else
	fail log_shows_the_connection_let_in "got '$vals'; $(head -c 200 "$E2E_TMP/log.err")"
fi

# --- 3. set-service --------------------------------------------------------------

if mx set-service ssh in deny >/dev/null 2>"$E2E_TMP/err"; then
	batch "$C1:22" "$C1:25"
	expect_nothing set_service_in_deny_closes_it "$C1"
	expect_smtp smtp_unaffected_by_ssh_deny
else
	fail set_service_in_deny_closes_it "set-service: $(cat "$E2E_TMP/err")"
fi
mx set-service ssh in allow >/dev/null 2>&1
batch "$C1:22"
expect_gateway set_service_in_allow_opens_it_again "$C1"

# --- 4. the export nft twin, instead of mxgw ----------------------------------

if ! command -v nft >/dev/null 2>&1; then
	if [ "${MXGW_REQUIRE_BPF:-0}" = 1 ]; then
		fail nft_twin_does_the_same "nft not found (MXGW_REQUIRE_BPF=1: not skipping)"
	else
		echo "note: no nft: the export nft twin is not tried"
	fi
else
	"$MXCTL" -c "$CONF" -i wan0 export nft >"$E2E_TMP/mxgw.nft" 2>"$E2E_TMP/err"
	mx unload wan0 >/dev/null 2>&1
	if ! out=$(ns_exec "$NS_GW" nft -f "$E2E_TMP/mxgw.nft" 2>&1); then
		fail nft_twin_does_the_same "nft -f: $out $(cat "$E2E_TMP/err")"
	else
		batch "$C1:22" "$OUTSIDE:22" "$C1:25"
		if [ "$(conn_result "$C1" 22)" = "banner 220 mxgw-e2e 22" ] && grep -qx "22 $C1" "$GW_LOG" &&
			[ "$(conn_result "$OUTSIDE" 22)" = timeout ] &&
			[ "$(conn_result "$C1" 25)" = "banner 220 mxgw-e2e 25" ] &&
			[ "$(tr '\n' ';' <"$MS_LOG")" = "25 $C1;" ]; then
			ok nft_twin_does_the_same
		else
			fail nft_twin_does_the_same "22 from $C1: '$(conn_result "$C1" 22)', from $OUTSIDE: '$(conn_result "$OUTSIDE" 22)', 25: '$(conn_result "$C1" 25)'; gateway '$(tr '\n' ';' <"$GW_LOG")', mail server '$(tr '\n' ';' <"$MS_LOG")'"
		fi
		ns_exec "$NS_GW" nft delete table inet mxgw 2>/dev/null
	fi
fi

e2e_summary
