#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: `mxctl log` under a flood.  A burst of packets to a denied
# port: the log shows drops with their reason and addresses, stays within
# log-rate while the data plane counts what it did not log, and --pcap
# writes a capture that tshark reads back.
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

counter() {
	mx status -j >"$E2E_TMP/st.json" && jget "$E2E_TMP/st.json" "d['counters']['$1']"
}

# 1. one drop, logged with reason, addresses, service
mx log --count 1 --timeout 5 >"$E2E_TMP/one.log" 2>"$E2E_TMP/one.err" &
logger=$!
sleep 0.3
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
mx log -j --verdict drop --timeout 3 --pcap "$E2E_TMP/flood.pcap" \
	>"$E2E_TMP/flood.log" 2>"$E2E_TMP/flood.err" &
logger=$!
sleep 0.3
ns_exec "$NS_INET" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.8", 0))
for i in range(int(sys.argv[2])):
    s.sendto(b"flood", (sys.argv[1], 9999))
' "$E2E_PUBLIC" "$FLOOD"
wait "$logger"
shown=$(grep -c '"reason":"drop_default_deny"' "$E2E_TMP/flood.log")
limited=$(counter log_rate_limited)
denied=$(jget "$E2E_TMP/st.json" "svc('(unlisted)')['in_denied']['packets']")
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

mx unload wan0 >/dev/null 2>&1
e2e_summary
