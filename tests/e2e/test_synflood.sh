#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end, SYN floods (issue 13), a smoke test of the challenge with a
# real TCP stack, not yet the flood at full rate (docs/SYNFLOOD.md, "What
# is left"): mxgw loaded with the shipped table, mailserver6 and
# "syn-flood smtp 1/s".  A burst of SYNs from spoofed sources (scapy, in
# the Internet namespace) turns flood mode on (syn_flood_on); a second
# burst is answered from XDP (syn_challenged grows by its size) and lets
# nothing in (in_new stays).  Then client A's real connection, over IPv4
# and over IPv6, is challenged, its stack's RST verifies it
# (syn_verified), its retransmitted SYN reaches the mail server's listener
# and the banner comes back; A's next connection is not challenged.
# status, status -j and stats --prometheus show the flood (smtp's
# current_rate > 0 in it); status marks smtp changed when only its
# threshold or budget changed in the file.
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
A6=$E2E_CLIENT1_6
MS6=$E2E_MAILSERVER6
LOG=$E2E_TMP/listener.log
ST=$E2E_TMP/status.json
# a SYN's first retransmission comes after 1 s (RFC 6298): room for it
TIMEOUT=4

e2e_scapy_python	# SCAPY_PY

# counter NAME [4|6]: the counter of both families (4, 6: one family's part).
counter() {
	status_json "$ST" || { echo -1; return; }
	if [ "${2:-}" = 6 ]; then
		jget "$ST" "d['counters6']['$1']"
	elif [ "${2:-}" = 4 ]; then
		jget "$ST" "d['counters']['$1'] - d['counters6']['$1']"
	else
		jget "$ST" "d['counters']['$1']"
	fi
}

# spoof FAMILY N [ARM]: N SYNs to smtp from N random sources of FAMILY
# (4, 6) that no namespace has, on the WAN segment to wan0's MAC.  With
# ARM, 32 SYNs of the other family first, in the same burst: flood mode
# lasts MXGW_SYN_QUIET_NS (10 s) after the last SYNs over the threshold,
# and between two bursts a slow machine (a guest under qemu TCG, where
# scapy alone takes seconds to start) may pass that; the other family's
# SYNs turn it on again (one per-CPU batch each) without moving the
# counted family's counters, so the N are all seen in a flood.  With
# SPOOF_UNTIL=FILE in the environment, a stream of them, 100 a second,
# until FILE exists.
spoof() {
	ns_exec "$NS_INET" "$SCAPY_PY" - "$1" "$2" "$GW_MAC" "$E2E_PUBLIC" "$MS6" "${3:-}" <<'EOF'
import os, random, sys
from scapy.all import IP, IPv6, TCP, Ether, conf, sendp
conf.verb = 0
fam, n, mac, pub, ms6, arm = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
other = "6" if fam == "4" else "4"
frames = []
for f in ([other] * 32 if arm else []) + [fam] * n:
    if f == "4":
        ip = IP(src="198.51.100.%d" % random.randint(100, 250), dst=pub)
    else:
        ip = IPv6(src="2001:db8:51:%x::%x" % (random.randint(0x100, 0xfff), random.randint(1, 0xffff)),
                  dst=ms6)
    frames.append(Ether(dst=mac) / ip / TCP(sport=random.randint(1024, 65535), dport=25,
                                            flags="S", seq=random.getrandbits(32)))
until = os.environ.get("SPOOF_UNTIL")
if until:
    # a stream, 100 a second, until the file exists (at most 60 s)
    import itertools, time
    end = time.time() + 60
    sock = conf.L2socket(iface="eth0")
    for frame in itertools.cycle(frames):
        if os.path.exists(until) or time.time() > end:
            break
        sock.send(frame)
        time.sleep(0.01)
    sock.close()
else:
    sendp(frames, iface="eth0")
EOF
}

# connect CHECK FAMILY SRC DST: one real connection to DST:25, the banner
# expected and the listener's log of it.
connect() {
	local res
	: >"$LOG"
	ns_exec "$NS_INET" python3 "$E2E_DIR/client.py" --dst "$4" --timeout "$TIMEOUT" \
		"$3:25" >"$E2E_TMP/conn" 2>&1
	res=$(conn_result "$3" 25)
	if [ "$res" = "banner 220 mxgw-e2e 25" ] && grep -qx "25 $3" "$LOG"; then
		ok "$1"
	else
		fail "$1" "$3 -> $4:25 over IPv$2: '$res', listener logged '$(tr '\n' ';' <"$LOG")'"
	fi
}

# delta CHECK NAME BEFORE WANT [6]: counter NAME moved by WANT (a number,
# or ">0").  A move is polled for up to 2 s (the frames a burst sent are
# processed in wan0's NAPI, after sendp returns); WANT 0 is checked once,
# after a check that polled for the same frames.
delta() {
	local now d
	for _ in $(seq 20); do
		now=$(counter "$2" "${5:-}")
		d=$((now - $3))
		if { [ "$4" = ">0" ] && [ "$d" -gt 0 ]; } || [ "$d" = "$4" ]; then
			ok "$1"
			return
		fi
		[ "$4" = 0 ] && break
		[ "$4" != ">0" ] && [ "$d" -gt "$4" ] && break
		sleep 0.1
	done
	fail "$1" "$2 moved by $d ($3 -> $now), want $4"
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
e2e_topology6_up
# XDP_TX on wan0 hands the challenge to its veth peer, whose NAPI runs
# for such frames only with an XDP program there (a NIC needs nothing of
# the kind)
e2e_xdp_pass "$NS_INET" eth0 ||
	e2e_cannot_run "cannot attach $XDP_PASS_OBJ to eth0 in the Internet namespace (make test builds it)"
e2e_neigh_resolved "$NS_GW" lan0 "$MS6" ||
	e2e_cannot_run "the gateway did not resolve $MS6 on lan0 within 5 s"
e2e_listener_start "$NS_MS" "$LOG" 25 || e2e_cannot_run "the mail-server listener did not start"
GW_MAC=$(ip -n "$NS_GW" -br link show wan0 | awk '{print $3}')

CONF=$E2E_TMP/mxgw.conf
{
	sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf"
	printf 'mailserver6\t%s\n' "$MS6"
	# a budget far above what the real client sends: its SYNs all go on
	printf 'syn-flood smtp 1/s budget 1000/s\n'
} >"$CONF"
mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err" ||
	e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/err")" load

# --- the flood turns on; spoofed SYNs are answered, none let in -----------

case_flood() {
	local on0 c0 n0 fam

	on0=$(counter syn_flood_on)
	spoof 4 64
	delta burst_turns_flood_on syn_flood_on "$on0" ">0"
	for fam in 4 6; do
		c0=$(counter syn_challenged $fam)
		n0=$(counter in_new $fam)
		spoof "$fam" 64 arm
		delta "ipv${fam}_spoofed_syns_challenged" syn_challenged "$c0" 64 $fam
		delta "ipv${fam}_spoofed_syns_not_let_in" in_new "$n0" 0 $fam
	done
}

# --- a real client: challenged once, verified, let in ---------------------

case_client() {
	local c0 v0

	# each connection right after the other family's SYNs turned the
	# flood on (spoof FAMILY 0 arm: 32 SYNs not of FAMILY), the counted
	# family's counters read before
	c0=$(counter syn_challenged 4)
	v0=$(counter syn_verified 4)
	spoof 4 0 arm
	connect a4_connects_through_the_challenge 4 "$A4" "$E2E_PUBLIC"
	delta a4_challenged syn_challenged "$c0" ">0" 4
	delta a4_verified syn_verified "$v0" 1 4
	c0=$(counter syn_challenged 4)
	spoof 4 0 arm
	connect a4_verified_connects_again 4 "$A4" "$E2E_PUBLIC"
	delta a4_not_challenged_again syn_challenged "$c0" 0 4

	c0=$(counter syn_challenged 6)
	v0=$(counter syn_verified 6)
	spoof 6 0 arm
	connect a6_connects_through_the_challenge 6 "$A6" "$MS6"
	delta a6_challenged syn_challenged "$c0" ">0" 6
	delta a6_verified syn_verified "$v0" 1 6
	c0=$(counter syn_challenged 6)
	spoof 6 0 arm
	connect a6_verified_connects_again 6 "$A6" "$MS6"
	delta a6_not_challenged_again syn_challenged "$c0" 0 6
}

# --- status shows it -------------------------------------------------------

case_status() {
	spoof 4 16
	mx status >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	if grep -Eq "^  syn-flood: smtp 1/s budget 1000/s, now [0-9]+/s \(in a flood for [0-9]+s\); [0-9]+ challenged \(IPv6 [0-9]+\), 2 verified \(IPv6 1\), 0 dropped, 0 over budget \(IPv6 0\); 2 sources verified of 65536$" "$E2E_TMP/out"; then
		ok status_syn_flood_line
	else
		fail status_syn_flood_line "$(grep syn-flood "$E2E_TMP/out")"
	fi
}

# --- status -j and Prometheus show it -------------------------------------

# Each field by name, not the whole object: a field added later (a budget)
# is no failure.
case_json() {
	local out p=$E2E_TMP/metrics.prom try rate

	# current_rate is of the rate slot now running (2^30 ns): read while
	# spoofed SYNs keep coming (a stream in the background, until told to
	# stop), so that the slot being read has some however slow the machine
	# (under qemu TCG one status -j can outlast a slot, and scapy takes
	# seconds to start); at most 40 reads
	rm -f "$E2E_TMP/stop"
	SPOOF_UNTIL=$E2E_TMP/stop spoof 4 64 &
	local spoofer=$!
	for try in $(seq 40); do
		sleep 0.5
		mx status -j >"$ST" 2>"$E2E_TMP/err"
		rate=$(jget "$ST" "svc('smtp')['syn_flood'].get('current_rate', 0)")
		[ "$rate" -gt 0 ] 2>/dev/null && break
	done
	touch "$E2E_TMP/stop"
	wait "$spoofer"
	echo "# smtp's current_rate at read $try during a stream of spoofed SYNs: $rate/s"
	out=$(python3 - "$ST" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))['interfaces'][0]
bad = []
svc = {s['name']: s for s in d['services']}
sf = svc['smtp'].get('syn_flood')
if not isinstance(sf, dict) or sf.get('rate') != 1 or sf.get('flood') is not True \
        or not isinstance(sf.get('flood_for_ms'), int) or sf['flood_for_ms'] <= 0 \
        or not isinstance(sf.get('current_rate'), int) or sf['current_rate'] <= 0:
    bad.append('smtp: %r' % (sf,))
for name, s in svc.items():
    if name not in ('smtp', '(unlisted)') and s.get('syn_flood', 'absent') is not None:
        bad.append('%s: %r' % (name, s.get('syn_flood', 'absent')))
t = d.get('syn_flood', {})
c, c6 = d['counters'], d['counters6']
for key, counter in (('challenged', 'syn_challenged'), ('verified', 'syn_verified'),
                     ('dropped', 'drop_syn_flood')):
    want = {'ipv4': c[counter] - c6[counter], 'ipv6': c6[counter]}
    if t.get(key) != want:
        bad.append('syn_flood.%s: %r, counters say %r' % (key, t.get(key), want))
if t.get('verified') != {'ipv4': 1, 'ipv6': 1}:
    bad.append('syn_flood.verified: %r, want A over each family' % (t.get('verified'),))
if t.get('verified_sources') != 2 or t.get('verified_sources_max') != 65536:
    bad.append('verified_sources %r of %r' % (t.get('verified_sources'), t.get('verified_sources_max')))
print('; '.join(bad) or 'same')
EOF
)
	if [ "$out" = same ]; then
		ok status_json_syn_flood
	else
		fail status_json_syn_flood "$out"
	fi
	mx stats --prometheus >"$p" 2>"$E2E_TMP/err"
	if grep -qx 'mxgw_syn_flood{ifname="wan0",service="smtp"} 1' "$p" &&
		grep -qx 'mxgw_syn_flood_threshold{ifname="wan0",service="smtp"} 1' "$p" &&
		grep -qx 'mxgw_syn_verified_sources{ifname="wan0"} 2' "$p" &&
		grep -Eqx 'mxgw_syn_flood_rate\{ifname="wan0",service="smtp"\} [0-9]+' "$p" &&
		[ "$(grep -c '^mxgw_syn_flood{' "$p")" = 1 ]; then
		ok prometheus_syn_flood
	else
		fail prometheus_syn_flood "$(grep -E '^mxgw_syn_(flood|verified)' "$p" | tr '\n' ';') $(head -c 200 "$E2E_TMP/err")"
	fi
}

# --- status sees a threshold or budget changed in the file -----------------

# the file as loaded: smtp's differs empty; its threshold, or its budget
# alone, changed in the file: ["definition"], and nothing else differs
case_differs() {
	local name sub f=$E2E_TMP/changed.conf got
	for name in 'as_loaded:s|x|x|' 'threshold:s|smtp 1/s|smtp 2/s|' 'budget:s|budget 1000/s|budget 999/s|'; do
		sub=${name#*:}
		name=${name%%:*}
		sed "/^syn-flood /$sub" "$CONF" >"$f"
		mx -c "$f" status -j >"$ST" 2>"$E2E_TMP/err"
		got=$(jget "$ST" "svc('smtp')['differs']" "[s['name'] for s in d['services'] if s.get('differs') and s['name'] != 'smtp']")
		if { [ "$name" = as_loaded ] && [ "$got" = "$(printf '[]\n[]')" ]; } ||
			{ [ "$name" != as_loaded ] && [ "$got" = "$(printf "['definition']\n[]")" ]; }; then
			ok "status_differs_syn_flood_$name"
		else
			fail "status_differs_syn_flood_$name" "$(grep '^syn-flood' "$f"): differs $(tr '\n' ' ' <<<"$got") $(head -c 200 "$E2E_TMP/err")"
		fi
	done
}

case_flood
case_client
case_status
case_json
case_differs
e2e_summary
