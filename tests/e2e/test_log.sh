#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: `mxctl log` under a flood.  A burst of packets to a denied
# port: the log shows drops with their reason and addresses, stays within
# log-rate while the data plane counts what it did not log, and --pcap
# writes a capture that tshark reads back.  -j writes JSON lines; a second
# reader is refused while the first gets every event and true lost counts;
# and log runs leave the data plane's clock ticking (a MAC change of the
# mail server is still followed).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"
e2e_topology_up

RATE=40			# log-rate of this test, events a second
FLOOD=3000		# packets in the burst
CONF=$E2E_TMP/mxgw.conf
{
	sed "s/^public[[:space:]].*/public $E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf"
	echo "log-rate $RATE/s"
} >"$CONF"

mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err" ||
	e2e_cannot_run "mxctl load: $(cat "$E2E_TMP/err")" load
# Before Linux 6.3 no xdp-features: no fast path, the kernel forwards
XDP_FEATURES=1
grep -q "does not report xdp-features" "$E2E_TMP/err" && XDP_FEATURES=0

counter() {
	mx status -j >"$E2E_TMP/st.json" && jget "$E2E_TMP/st.json" "d['counters']['$1']"
}

# mx_bg OUT ERR ARGS...: mxctl in the background; MX_PID is its pid (nsenter
# execs it: the pid the lease records).
mx_bg() {
	local out=$1 err=$2
	shift 2
	nsenter --net="/run/netns/$NS_GW" -- "$MXCTL" "$@" >"$out" 2>"$err" &
	MX_PID=$!
	E2E_PIDS+=("$MX_PID")
}

# wait_listening PID: until the data plane makes events for the reader
# PID (status: its lease, as the data plane sees it); 1 after 10 s or if
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

# udp_to PORT COUNT: COUNT datagrams from the Internet to PORT.
udp_to() {
	ns_exec "$NS_INET" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[4], 0))
for i in range(int(sys.argv[3])):
    s.sendto(b"mxgw-e2e", (sys.argv[1], int(sys.argv[2])))
' "$E2E_PUBLIC" "$1" "$2" "$E2E_CLIENT2"
}

# 1. one drop, logged with reason, addresses, service
# (timeouts here only bound a broken run: the count, or SIGINT once the
# packets are sent, ends a reader, and it shows what the buffer holds)
mx_bg "$E2E_TMP/one.log" "$E2E_TMP/one.err" log --count 1 --timeout 30
logger=$MX_PID
wait_listening "$logger" || fail log_listening "the reader never listened: $(cat "$E2E_TMP/one.err")"
ns_exec "$NS_INET" python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(0.5)
s.bind(("198.51.100.7", 0))
try: s.connect((sys.argv[1], 143))
except OSError: pass
' "$E2E_PUBLIC" 2>/dev/null
wait "$logger"
line=$(cat "$E2E_TMP/one.log")
case $line in
*" in "*" drop "*"drop_service_deny"*"tcp"*"198.51.100.7:"*"-> 203.0.113.33:143"*"imap"*)
	ok log_shows_a_drop_with_its_reason ;;
*) fail log_shows_a_drop_with_its_reason "got: '$line' $(cat "$E2E_TMP/one.err")" ;;
esac

# 2. a flood of UDP to an unlisted port: the log stays within log-rate
limited0=$(counter log_rate_limited)
mx_bg "$E2E_TMP/flood.log" "$E2E_TMP/flood.err" \
	log -j --verdict drop --timeout 30 --pcap "$E2E_TMP/flood.pcap"
logger=$MX_PID
wait_listening "$logger" || fail log_listening "the reader never listened: $(cat "$E2E_TMP/flood.err")"
ns_exec "$NS_INET" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.8", 0))
for i in range(int(sys.argv[2])):
    s.sendto(b"flood", (sys.argv[1], 9999))
' "$E2E_PUBLIC" "$FLOOD"
kill -INT "$logger"
wait "$logger"
shown=$(grep -c '"reason":"drop_default_deny"' "$E2E_TMP/flood.log")
limited=$(counter log_rate_limited)
denied=$(jget "$E2E_TMP/st.json" "svc('(unlisted)')['in']['denied']['packets']")
# per-CPU buckets of RATE/ncpu a second; the burst may straddle two seconds
if [ "$shown" -ge 1 ] && [ "$shown" -le $((2 * RATE)) ]; then
	ok log_stays_within_rate
else
	fail log_stays_within_rate "$shown events shown for a $FLOOD-packet flood at log-rate $RATE/s"
fi
if [ "$((limited - limited0))" -ge $((FLOOD - 2 * RATE)) ] && [ "$denied" -ge "$FLOOD" ]; then
	ok log_counts_what_it_did_not_log
else
	fail log_counts_what_it_did_not_log "log_rate_limited grew by $((limited - limited0)), denied $denied, flood $FLOOD"
fi
if grep -q "not logged: $((limited - limited0)) over log-rate" "$E2E_TMP/flood.err"; then
	ok log_says_what_it_lost
else
	fail log_says_what_it_lost "stderr: $(cat "$E2E_TMP/flood.err")"
fi

# 3. with nobody listening the data plane makes no events at all
events0=$(counter log_events)
limited0=$(counter log_rate_limited)
ns_exec "$NS_INET" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(500):
    s.sendto(b"unheard", (sys.argv[1], 9998))
' "$E2E_PUBLIC"
sleep 0.2
if [ "$(counter log_events)" = "$events0" ] && [ "$(counter log_rate_limited)" = "$limited0" ]; then
	ok no_events_without_a_reader
else
	fail no_events_without_a_reader "log_events $events0 -> $(counter log_events), log_rate_limited $limited0 -> $(counter log_rate_limited)"
fi

# 4. the capture: tshark reads it back, the packets are the flood's
if command -v tshark >/dev/null 2>&1; then
	n=$(tshark -r "$E2E_TMP/flood.pcap" -Y 'udp.dstport == 9999 && ip.src == 198.51.100.8' \
		-T fields -e frame.number 2>/dev/null | wc -l)
	if [ "$n" -eq "$shown" ] && [ "$n" -gt 0 ]; then
		ok pcap_read_back_by_tshark
	else
		fail pcap_read_back_by_tshark "tshark found $n flood packets, the log showed $shown"
	fi
elif [ "${MXGW_REQUIRE_BPF:-0}" = 1 ]; then
	fail pcap_read_back_by_tshark "tshark is not installed"
else
	echo "SKIP: tshark not installed"
fi

# 5. -j is JSON lines: every line one object that a JSON parser reads
# alone (jq -c . does the same), the flood's among them
if python3 - "$E2E_TMP/flood.log" "$shown" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
for n, line in enumerate(lines, 1):
    try:
        obj = json.loads(line)
    except ValueError as e:
        sys.exit("line %d is not a JSON document (%s): %r" % (n, e, line[:80]))
    if not isinstance(obj, dict) or "reason" not in obj:
        sys.exit("line %d is not an event object: %r" % (n, line[:80]))
if len(lines) < max(2, int(sys.argv[2])):  # one line proves no separator
    sys.exit("%d lines for %s events" % (len(lines), sys.argv[2]))
EOF
then
	ok log_json_lines
else
	fail log_json_lines "$(head -c 300 "$E2E_TMP/flood.log")"
fi

# 6. one reader per interface: a second is refused, naming the first, and
# takes nothing from it; the first gets every event the data plane made
# while it listened, and its lost counts are the counters' deltas
FLOOD2=2000
status_json "$E2E_TMP/before.json"
mx_bg "$E2E_TMP/first.log" "$E2E_TMP/first.err" -j log --timeout 60
first=$MX_PID
wait_listening "$first" || fail first_reader_listening "$(cat "$E2E_TMP/first.err")"
mx log --timeout 1 >"$E2E_TMP/second.log" 2>"$E2E_TMP/second.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "^mxctl: log wan0: already read by pid $first " "$E2E_TMP/second.err" &&
	[ ! -s "$E2E_TMP/second.log" ]; then
	ok second_reader_refused_naming_the_first
else
	fail second_reader_refused_naming_the_first "exit $rc (want 1), stderr '$(cat "$E2E_TMP/second.err")', first reader pid $first"
fi
# and again while the flood runs: it must not take a single event (under
# -j its refusal is the one line of its stdout, {"error": ...})
udp_to 9997 "$FLOOD2" &
flood=$!
mx -j log --timeout 1 >"$E2E_TMP/second.log" 2>"$E2E_TMP/second.err"
rc=$?
wait "$flood"
if [ "$rc" -eq 1 ] && [ ! -s "$E2E_TMP/second.err" ] && python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
sys.exit(not (len(lines) == 1 and list(lines[0]) == ["error"] and
              lines[0]["error"].startswith("log wan0: already read by pid %s " % sys.argv[2])))
' "$E2E_TMP/second.log" "$first"; then
	ok second_reader_refused_during_a_flood
else
	fail second_reader_refused_during_a_flood "exit $rc, stdout $(wc -l <"$E2E_TMP/second.log") lines ('$(head -c 200 "$E2E_TMP/second.log")'), stderr '$(cat "$E2E_TMP/second.err")'"
fi
kill -INT "$first"
wait "$first"
rc=$?
status_json "$E2E_TMP/after.json"
# what the reader printed ("N events shown; not logged: X over log-rate,
# Y with the buffer full") and its lines, against the counters' deltas
# and the drops of the unlisted row (each drop is an event, over
# log-rate or lost to a full buffer: exactly one of the three)
read -r shown_by lines d_events d_limited d_full d_denied lost_rate lost_full < <(
	python3 - "$E2E_TMP/first.log" "$E2E_TMP/first.err" "$E2E_TMP/before.json" \
		"$E2E_TMP/after.json" <<'EOF'
import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
m = re.search(r"(\d+) events shown; not logged: (\d+) over log-rate, (\d+) with the buffer full",
              open(sys.argv[2]).read())
b, a = (json.load(open(f))["interfaces"][0] for f in sys.argv[3:5])
def delta(k): return a["counters"][k] - b["counters"][k]
def denied(d): return next(s for s in d["services"] if s["name"] == "(unlisted)")["in"]["denied"]["packets"]
print(m.group(1) if m else -1, len(lines), delta("log_events"), delta("log_rate_limited"),
      delta("log_buffer_full"), denied(a) - denied(b),
      m.group(2) if m else -1, m.group(3) if m else -1)
EOF
)
if [ "$rc" -eq 0 ] && [ "${lines:-0}" -gt 0 ] && [ "$shown_by" -eq "$lines" ] &&
	[ "$lines" -eq "$d_events" ] && [ $((lines + d_limited + d_full)) -eq "$d_denied" ]; then
	ok first_reader_gets_every_event
else
	fail first_reader_gets_every_event "exit $rc; shown $shown_by, ${lines:-?} lines, log_events +$d_events, log_rate_limited +$d_limited, log_buffer_full +$d_full, drops +$d_denied (flood $FLOOD2): $(cat "$E2E_TMP/first.err")"
fi
if [ "${lost_rate:--1}" -eq "$d_limited" ] && [ "${lost_full:--1}" -eq "$d_full" ] &&
	[ "$d_limited" -gt 0 ]; then
	ok lost_counts_are_the_counters_deltas
else
	fail lost_counts_are_the_counters_deltas "printed $lost_rate over log-rate, $lost_full buffer full; counters +$d_limited, +$d_full"
fi

# 7. once the first has gone, a new reader works (the flood spent this
# second's log-rate: one datagram every 100 ms until it is shown)
mx_bg "$E2E_TMP/third.log" "$E2E_TMP/third.err" log --count 1 --timeout 30
third=$MX_PID
wait_listening "$third"
while kill -0 "$third" 2>/dev/null; do
	udp_to 9996 1
	sleep 0.1
done
wait "$third"
rc=$?
if [ "$rc" -eq 0 ] && grep -q -- "-> $E2E_PUBLIC:9996 " "$E2E_TMP/third.log"; then
	ok new_reader_after_the_first_exits
else
	fail new_reader_after_the_first_exits "exit $rc: '$(cat "$E2E_TMP/third.log")' $(cat "$E2E_TMP/third.err")"
fi

# 8. log runs leave the data plane's clock ticking (they used to free its
# timer: the next-hop cache, conntrack timeouts and the lease froze)
for _ in 1 2 3; do
	mx log --timeout 1 >/dev/null 2>"$E2E_TMP/err" ||
		fail log_timeout_1 "$(cat "$E2E_TMP/err")"
done
status_json "$E2E_TMP/clock.json"
ticks0=$(jget "$E2E_TMP/clock.json" "d['clock']['ticks']")
ticking=0
for _ in $(seq 40); do
	status_json "$E2E_TMP/clock.json"
	if [ "$(jget "$E2E_TMP/clock.json" \
		"d['clock']['ticks'] > $ticks0 + 2 and not d['clock']['stale']")" = True ]; then
		ticking=1
		break
	fi
	sleep 0.05
done
if [ "$ticking" = 1 ] && [ "$ticks0" -gt 0 ]; then
	ok clock_ticks_after_log_runs
else
	fail clock_ticks_after_log_runs "ticks $ticks0 -> $(jget "$E2E_TMP/clock.json" "d['clock']")"
fi

# ... so a new MAC of the mail server is followed: on the fast path (GRO
# on the far veth end takes redirected frames; a reload syncs the device
# list), redirected to the new MAC once the next-hop cache's 250 ms are
# up (the deadline leaves room for a loaded machine's python start-ups)
LOG_MS=$E2E_TMP/listener.log
NEW_MAC=02:00:00:00:01:bb
e2e_listener_start "$NS_MS" "$LOG_MS" 25 || fail mac_change "the listener did not start"
ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 || fail mac_change "ethtool -K eth0 gro on"
mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err" || fail mac_change "reload: $(cat "$E2E_TMP/err")"
e2e_connect "$E2E_CLIENT1:25"
[ "$(conn_result "$E2E_CLIENT1" 25)" = "banner 220 mxgw-e2e 25" ] ||
	fail mac_change "no banner before the change: $(conn_result "$E2E_CLIENT1" 25)"
status_json "$E2E_TMP/mac.json"
red0=$(jget "$E2E_TMP/mac.json" "d['counters']['fwd_redirect']")
ns_exec "$NS_MS" ip link set eth0 address "$NEW_MAC"
ip -n "$NS_GW" neigh replace "$E2E_MAILSERVER" lladdr "$NEW_MAC" dev lan0 nud reachable
start=$(date +%s%N)
followed=0
while [ $(($(date +%s%N) - start)) -lt 5000000000 ]; do
	e2e_connect "$E2E_CLIENT1:25"
	status_json "$E2E_TMP/mac.json"
	if [ "$(conn_result "$E2E_CLIENT1" 25)" = "banner 220 mxgw-e2e 25" ] &&
		{ [ "$XDP_FEATURES" = 0 ] || [ "$(jget "$E2E_TMP/mac.json" \
			"d['counters']['fwd_redirect'] > $red0 and d['forward']['mac'] == '$NEW_MAC'")" = True ]; }; then
		followed=1
		break
	fi
done
if [ "$followed" = 1 ]; then
	[ "$XDP_FEATURES" = 0 ] && echo "note: no xdp-features on this kernel: checked on the kernel path"
	ok mac_change_followed_after_log_runs
else
	fail mac_change_followed_after_log_runs "after 5 s: $(conn_result "$E2E_CLIENT1" 25); forward $(jget "$E2E_TMP/mac.json" "d['forward']")"
fi

mx unload wan0 >/dev/null 2>&1
e2e_summary
