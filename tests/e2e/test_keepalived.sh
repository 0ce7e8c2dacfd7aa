#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: two mxgw gateways and keepalived (VRRP) moving the public
# address and the LAN gateway address between them, with the shipped
# example etc/keepalived/keepalived.conf and its hook mxgw-notify.
#
#   $NS_INET  eth0 203.0.113.1/24 + the client 198.51.100.7/32: the
#             Internet (the SMTP probe, the IMAPS download, the relay
#             target an outgoing flow goes to)
#   $NS_A     gateway A (priority 150): wan0 203.0.113.2, lan0 192.168.1.2
#   $NS_B     gateway B (priority 100): wan0 203.0.113.3, lan0 192.168.1.3
#   $NS_MS    the mail server 192.168.1.10, default via 192.168.1.1
#   $NS_SW    the two links: bridges brwan and brlan, a veth port each
# keepalived (vrrp only, no systemd) in A and B moves 203.0.113.33/24 (the
# public address) on wan0 and 192.168.1.1/24 on lan0 together (a sync
# group); mxgw is loaded on both gateways before either has an address
# (the pins of both in this test's bpffs, apart by namespace cookie).
#
# The topology and the keepalived configs are tests/e2e/kapair.sh's, which
# the mail bed's pair (tests/e2e/mail/bed-up.sh, MXGW_BED_PAIR=1) shares.
# Servers: python stand-ins, quick and exact to measure with: a banner on
# 25 (listener.py), a paced download on 993 (failover.py source), an echo
# server on the Internet's 25 (stream.py) for the mail server's outgoing
# flow, which reconnects as Postfix would.  The same failures with the
# real Postfix, Dovecot and swaks: tests/e2e/mail/test_keepalived_mail.sh.
#
# Twice, (a) the master's WAN link down, then up; (b) the master's
# keepalived killed (SIGKILL to both its processes, stopped first: a
# silent death, no priority-0 advert), then started again:
#   - SMTP to 203.0.113.33:25 (a connection every 100 ms) works again within
#     the bound below, on the backup;
#   - an IMAPS download open through the failover completes, every byte
#     (inbound DNAT is stateless: the backup rewrites its packets too);
#   - the mail server's outgoing flow breaks (its state is on A: B drops
#     its packets, drop_out_no_flow) and a new connection works at once;
#   - failback: A takes both addresses back, SMTP works again within the
#     bound, and keeps working (no black hole).
# The figures are printed ("# ..." lines).
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"
# shellcheck source=tests/e2e/kapair.sh
. "$E2E_DIR/kapair.sh"
command -v keepalived >/dev/null 2>&1 || e2e_cannot_run "keepalived not found (make deps)"

PUB=$E2E_PUBLIC
INET=$E2E_INET_ADDR
MS=$E2E_MAILSERVER
# 3 missed adverts (advert_int 1) and B's skew (256 - 100) / 256 s: 3.6 s,
# the longest a silent master keeps the addresses; then 0.1 s of the
# probe's period, and 3.3 s for a loaded machine (keepalived, the probe's
# threads and the download share 2 cores with the other tests: up to
# 4.5 s measured there).  What it catches: no way back at all, or one
# through the Internet host's ARP entry going stale (30 s and more)
BOUND=7.0
# the download: 20 MiB at 1 MiB/s, 20 s: the failure comes once 1 MiB and
# the outgoing flow's first echo are there, B takes over 3-5 s later, and
# a loaded machine may add a few seconds to both
DL_BYTES=$((20 << 20))
DL_RATE=$((1 << 20))
CONF=$E2E_TMP/mxgw.conf
KA=$E2E_TMP/keepalived

# --- helpers ----------------------------------------------------------------

now() { date +%s.%N; }

# ka_start X: keepalived of gateway X (A or B) in its namespace
ka_start() {
	local x=$1 ns
	[ "$x" = A ] && ns=$NS_A || ns=$NS_B
	rm -f "$KA/$x.pid" "$KA/$x.vrrp.pid"
	MXGW_MXCTL=$MXCTL MXGW_CONF=$CONF MXGW_NOTIFY_LOG=$KA/$x.notify nsenter --net="/run/netns/$ns" -- \
		keepalived -n -l -D -P -f "$KA/$x.conf" -p "$KA/$x.pid" -r "$KA/$x.vrrp.pid" \
		>>"$KA/$x.log" 2>&1 &
	E2E_PIDS+=($!)
	eval "KA_PID_$x=\$!"
}

# ka_kill X: keepalived of X dies without a word: both its processes
# stopped, then killed (killed one at a time, the VRRP child would get
# its parent's death as a SIGTERM and leave cleanly, priority 0 advert
# and all; the parent would restart a lone child)
ka_kill() {
	local x=$1 parent
	parent=$(eval "echo \$KA_PID_$x")
	kapair_ka_kill "$parent" "$(cat "$KA/$x.vrrp.pid" 2>/dev/null)"
	wait "$parent" 2>/dev/null
}

# probe_figures T0 [AFTER]: over the probe's attempts started at T0 or
# later: "OUTAGE NFAIL FIRSTOK" where OUTAGE is the start of the first
# success after the first failure, less T0 (0: none failed), FIRSTOK that
# success's start; "pending" while no attempt started after AFTER (if
# given) succeeded after the failures
probe_figures() {
	python3 - "$PROBE" "$1" "${2:-0}" <<'EOF'
import sys
path, t0, after = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
att = []
for line in open(path):
    f = line.split()
    if len(f) >= 2 and float(f[0]) >= t0:
        att.append((float(f[0]), f[1] == "ok"))
att.sort()
fails = [t for t, good in att if not good]
if fails:
    ok = [t for t, good in att if good and t > fails[0] and t >= after]
    if not ok:
        print("pending")
    else:
        print("%.2f %d %.3f" % (ok[0] - t0, len(fails), ok[0]))
else:
    ok = [t for t, good in att if good and t >= after]
    print("0.00 0 %.3f" % ok[0] if ok else "pending")
EOF
}

# probe_clean T N: the N attempts started after T all succeeded ("yes"),
# some failed ("no WHO"), or fewer than N have ended ("pending")
probe_clean() {
	python3 - "$PROBE" "$1" "$2" <<'EOF'
import sys
path, t, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
att = sorted((float(l.split()[0]), l.split()[1:]) for l in open(path)
             if len(l.split()) >= 2 and float(l.split()[0]) > t)
if len(att) < n:
    print("pending")
else:
    bad = [a for a in att[:n] if a[1][0] != "ok"]
    print("yes" if not bad else "no %d failed, first at %.3f: %s" %
          (len(bad), bad[0][0], " ".join(bad[0][1])))
EOF
}

# counter NS NAME: an mxgw counter of the gateway in NS
counter() {
	ns_exec "$1" "$MXCTL" status -j wan0 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)["interfaces"][0]["counters"][sys.argv[1]])' "$2" 2>/dev/null ||
		echo "?"
}

# stream_state FILE: "echoed N" / "broken N WHY" / "none"
stream_state() {
	local s
	s=$(cat "$1" 2>/dev/null) || { echo none; return; }
	case $s in
	echoed*) echo "echoed $(echo "$s" | cut -d' ' -f2)" ;;
	*) echo "$s" ;;
	esac
}

# out_start NAME: the mail server's outgoing flow to the Internet's 25
# (a line every 50 ms, each echo awaited at most 15 s: TCP retransmits at
# 0.2, 0.6, 1.4, 3.0, 6.2 and 12.6 s after a loss, and a flow synced to
# B resumes at the first of those after B took over); returns once the
# first echo came back
out_start() {
	local st=$E2E_TMP/$1
	rm -f "$st.status"
	e2e_server_start "$NS_MS" stream.py "$st" client --dst "$INET" --port 25 \
		--interval 0.05 --timeout 15 --status "$st.status" || return 1
	[ "$(head -c 6 "$st.ready")" != broken ]
}

# --- the topology -----------------------------------------------------------

NS_SW=mxgw-kasw-$$
NS_INET=mxgw-kainet-$$
NS_A=mxgw-kaa-$$
NS_B=mxgw-kab-$$
NS_MS=mxgw-kams-$$
# shellcheck disable=SC2034 # mx() of lib.sh: gateway A
NS_GW=$NS_A
for ns in "$NS_SW" "$NS_INET" "$NS_A" "$NS_B" "$NS_MS"; do
	e2e_ns_add "$ns" || e2e_cannot_run "cannot create network namespaces"
done

KP_SW=$NS_SW KP_INET=$NS_INET KP_A=$NS_A KP_B=$NS_B KP_MS=$NS_MS
kapair_topology 2>"$E2E_TMP/topology.err" ||
	e2e_cannot_run "cannot build the topology: $(head -1 "$E2E_TMP/topology.err")"
kapair_xdp_pass ||
	e2e_cannot_run "cannot attach XDP_PASS to the bridge's ends ($XDP_PASS_OBJ: make build/tests/xdp_pass.bpf.o)"

# --- mxgw on both, before either has an address -----------------------------

sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$PUB/" "$E2E_ROOT/etc/mxgw.conf" >"$CONF"
for ns in "$NS_A" "$NS_B"; do
	if ! ns_exec "$ns" "$MXCTL" -c "$CONF" load wan0 --lan lan0 >"$E2E_TMP/load.out" 2>"$E2E_TMP/load.err"; then
		fail load_on_both "$ns: $(head -c 300 "$E2E_TMP/load.err")"
		e2e_summary
		exit 1
	fi
done
ok load_on_both

# --- keepalived, from the shipped example ------------------------------------

mkdir -p "$KA"
if kapair_configs "$KA" "$PUB"; then
	ok example_config_adapted
else
	fail example_config_adapted "the sed found nothing to change in etc/keepalived/keepalived.conf"
fi
ka_start A
ka_start B
if kapair_wait_owners A 20; then
	ok a_is_master
else
	fail a_is_master "owners (wan, lan): $(kapair_owners); $(tail -5 "$KA/A.log")"
	e2e_summary
	exit 1
fi
# the hook ran on both (A: MASTER, B: BACKUP) and found mxgw there
for _ in $(seq 100); do
	grep -q "mxgw MASTER: mxgw already filters wan0" "$KA/A.notify" 2>/dev/null && break
	sleep 0.1
done
if grep -q "mxgw MASTER: mxgw already filters wan0" "$KA/A.notify" 2>/dev/null; then
	ok notify_master_finds_mxgw
else
	fail notify_master_finds_mxgw "A's hook said '$(cat "$KA/A.notify" 2>/dev/null)'"
fi

# --- conntrack export and import, by themselves ------------------------------

# ct_count NS: the flows mxctl conntrack -j lists in NS
ct_count() {
	ns_exec "$1" "$MXCTL" conntrack -j 2>/dev/null | python3 -c '
import json, sys
print(sum(i["count"] for i in json.load(sys.stdin)))' 2>/dev/null || echo "?"
}

f=$E2E_TMP/ct.import
{
	echo "# mxgw-conntrack 1 $(date +%s%3N)"
	echo "4 6 198.51.100.7 25 40001 $MS 51000 tcp-established 2 1500 200"
	echo "6 17 2001:db8:168::10 53000 2001:db8:51::7 53 udp-stream 2 900 100"
} >"$f"
cp "$f" "$f.bad"
echo "4 6 198.51.100.8 25 40002 $MS 51001 tcp-sideways 2 1500 200" >>"$f.bad"
before=$(ct_count "$NS_B")
ns_exec "$NS_B" "$MXCTL" conntrack import "$f.bad" >/dev/null 2>"$E2E_TMP/import.err"
rc=$?
if [ "$rc" = 1 ] && grep -q "conntrack import: $f.bad:4: state" "$E2E_TMP/import.err" &&
	[ "$(ct_count "$NS_B")" = "$before" ]; then
	ok conntrack_import_bad_line_changes_nothing
else
	fail conntrack_import_bad_line_changes_nothing "exit $rc '$(head -c 200 "$E2E_TMP/import.err")', flows $before -> $(ct_count "$NS_B")"
fi
ns_exec "$NS_B" "$MXCTL" conntrack import "$f" >/dev/null 2>"$E2E_TMP/import.err"
rc=$?
ns_exec "$NS_B" "$MXCTL" conntrack -j >"$E2E_TMP/ct.json" 2>&1
# and back out of B as it went in, times aside
ns_exec "$NS_B" "$MXCTL" conntrack export >"$E2E_TMP/ct.export" 2>&1
got=$(python3 - "$E2E_TMP/ct.json" <<'EOF2'
import json, sys
flows = json.load(open(sys.argv[1]))[0]["flows"]
print(" ".join(sorted("%s/%s/%s/%s/%s/%s" % (f["family"], f["proto"], f["lan"], f["public"],
                                             f["remote"], f["state"]) for f in flows)))
EOF2
)
want="ipv4/tcp/$MS:51000/$PUB:40001/198.51.100.7:25/tcp-established ipv6/udp/[2001:db8:168::10]:53000/[2001:db8:168::10]:53000/[2001:db8:51::7]:53/udp-stream"
if [ "$rc" = 0 ] && [ "$got" = "$want" ] &&
	diff <(grep -v '^#' "$f" | cut -d' ' -f1-8) <(grep -v '^#' "$E2E_TMP/ct.export" | cut -d' ' -f1-8 | sort) >/dev/null; then
	ok conntrack_import_export_round_trip
else
	fail conntrack_import_export_round_trip "exit $rc '$(head -c 200 "$E2E_TMP/import.err")': listed '$got', exported '$(grep -v '^#' "$E2E_TMP/ct.export" | tr '\n' '|')'"
fi
ns_exec "$NS_B" "$MXCTL" conntrack flush >/dev/null 2>&1

# --- the servers and the probe ----------------------------------------------

PROBE=$E2E_TMP/probe.out
: >"$PROBE"
e2e_listener_start "$NS_MS" "$E2E_TMP/listener.log" 25 ||
	e2e_cannot_run "the mail server's listener did not start"
e2e_server_start "$NS_MS" failover.py "$E2E_TMP/source" source --port 993 \
	--bytes "$DL_BYTES" --rate "$DL_RATE" ||
	e2e_cannot_run "the download's server did not start"
e2e_server_start "$NS_INET" stream.py "$E2E_TMP/relay" server --port 25 ||
	e2e_cannot_run "the relay target did not start"
e2e_server_start "$NS_INET" failover.py "$E2E_TMP/probe" probe --dst "$PUB" --port 25 \
	--out "$PROBE" --interval 0.1 --timeout 0.5 ||
	e2e_cannot_run "the SMTP probe did not start"
T=$(now)
for _ in $(seq 100); do
	[ "$(probe_clean "$T" 10)" = yes ] && break
	sleep 0.1
done
res=$(probe_clean "$T" 10)
if [ "$res" = yes ]; then
	ok smtp_through_master
else
	fail smtp_through_master "$res: $(tail -3 "$PROBE")"
fi

# --- a failover and its failback --------------------------------------------

# sync_start: on each gateway, every 0.5 s, its flows exported to the
# file its peer's hook imports (the job README describes; here both
# files are in this test's directory)
sync_start() {
	local x ns f
	for x in A B; do
		[ "$x" = A ] && ns=$NS_A f=$KA/B.peer || ns=$NS_B f=$KA/A.peer
		(
			while :; do
				ns_exec "$ns" "$MXCTL" -i wan0 conntrack export >"$f.tmp" 2>>"$KA/sync.err" &&
					mv -f "$f.tmp" "$f"
				sleep 0.5
			done
		) &
		E2E_PIDS+=($!)
	done
}

# scenario NAME FAIL_CMD RESTORE_CMD SYNC: SYNC 1 with sync_start running:
# the outgoing flow must continue on B (and the one opened through B
# continue on A after the failback), else it must break
scenario() {
	local name=$1 fail_cmd=$2 restore_cmd=$3 sync=$4
	local t0 tb t1 ta res fig st n_tb dl_tb drops0 drops1 i owners_tb outage nfail
	local dl=$E2E_TMP/dl-$name out=out-$name

	# the download and the outgoing flow, open
	rm -f "$dl.status"
	e2e_server_start "$NS_INET" failover.py "$dl" fetch --dst "$PUB" --port 993 \
		--bytes "$DL_BYTES" --status "$dl.status" --timeout 30 ||
		{ fail "${name}_setup" "the download did not start"; return; }
	for _ in $(seq 100); do
		st=$(cat "$dl.status" 2>/dev/null)
		[[ $st == got* ]] && [ "$(echo "$st" | cut -d' ' -f2)" -ge $((1 << 20)) ] && break
		sleep 0.1
	done
	out_start "$out" || { fail "${name}_setup" "the outgoing flow did not start: $(cat "$E2E_TMP/$out.err" "$E2E_TMP/$out.status" 2>/dev/null | head -c 200)"; return; }
	drops0=$(counter "$NS_B" drop_out_no_flow)

	# the failure
	t0=$(now)
	eval "$fail_cmd"
	if kapair_wait_holds B 15; then
		tb=$(now)
		ok "${name}_b_takes_over"
	else
		fail "${name}_b_takes_over" "owners (wan, lan): $(kapair_owners); $(tail -3 "$KA/B.log")"
		tb=$(now)
	fi
	dl_tb=$(cat "$dl.status" 2>/dev/null)
	owners_tb=$(kapair_owners)
	n_tb=$(stream_state "$E2E_TMP/$out.status")

	# SMTP again, through B
	for ((i = 0; i < 300; i++)); do
		fig=$(probe_figures "$t0" "$tb")
		[ "$fig" != pending ] && break
		sleep 0.1
	done
	read -r outage nfail _ <<<"$fig"
	if [ "$fig" != pending ] && python3 -c "import sys; sys.exit(not $outage <= $BOUND)"; then
		ok "${name}_smtp_back_within_${BOUND}s"
	else
		fail "${name}_smtp_back_within_${BOUND}s" "figures '$fig'; last attempts: $(tail -3 "$PROBE" | tr '\n' ' ')"
	fi
	echo "# $name: B had both addresses $(python3 -c "print('%.2f' % ($tb - $t0))") s after the failure (owners then: $owners_tb); SMTP: $nfail probes failed, back after ${outage:-?} s"

	# the outgoing flow: broken (its state is on A) unless synced; a new
	# one works
	for ((i = 0; i < 250; i++)); do
		st=$(stream_state "$E2E_TMP/$out.status")
		[[ $st == broken* ]] && break
		# synced: 100 more echoes (5 s of the flow) through B
		[ "$sync" = 1 ] && [[ $st == echoed* ]] && [[ $n_tb == echoed* ]] &&
			[ "${st#echoed }" -ge $((${n_tb#echoed } + 100)) ] && break
		sleep 0.1
	done
	drops1=$(counter "$NS_B" drop_out_no_flow)
	if [ "$sync" = 1 ]; then
		if [[ $st == echoed* ]]; then
			ok "${name}_outgoing_flow_continues_on_b"
		else
			fail "${name}_outgoing_flow_continues_on_b" "flow '$st' (at takeover '$n_tb'); B's hook: $(tail -2 "$KA/B.notify" | tr '\n' ' ')"
		fi
		echo "# $name: the outgoing flow: '$n_tb' at takeover, then '$st', its longest wait for an echo $(cut -d' ' -f4 "$E2E_TMP/$out.status") ms; B dropped $((drops1 - drops0)) of its packets before the import (drop_out_no_flow); B's hook: $(grep -o "flows from.*" "$KA/B.notify" | tail -1)"
	else
		if [[ $st == broken* ]] && [ "$drops1" != "?" ] && [ "$drops1" -gt "$drops0" ]; then
			ok "${name}_outgoing_flow_breaks_on_b"
		else
			fail "${name}_outgoing_flow_breaks_on_b" "flow '$st' (at takeover '$n_tb'), B's drop_out_no_flow $drops0 -> $drops1"
		fi
		echo "# $name: the outgoing flow: '$n_tb' at takeover, then '$st'; B dropped $((drops1 - drops0)) of its packets (drop_out_no_flow)"
	fi
	if out_start "$out-again"; then
		ok "${name}_outgoing_reconnects_through_b"
	else
		fail "${name}_outgoing_reconnects_through_b" "$(cat "$E2E_TMP/$out-again.status" 2>/dev/null)"
	fi

	# the download: every byte, and it was still running at the takeover
	for ((i = 0; i < 600; i++)); do
		st=$(cat "$dl.status" 2>/dev/null)
		[[ $st == done* || $st == broken* ]] && break
		sleep 0.1
	done
	if [[ $st == "done $DL_BYTES ok "* ]] && [[ $dl_tb == got* ]]; then
		ok "${name}_imaps_download_survives"
	else
		fail "${name}_imaps_download_survives" "at takeover '$dl_tb', at the end '$st'"
	fi
	echo "# $name: the IMAPS download: '${dl_tb% *}' bytes at takeover, then '$st' (bytes, digest, seconds)"

	# failback
	t1=$(now)
	eval "$restore_cmd"
	if kapair_wait_owners A 20; then
		ta=$(now)
		ok "${name}_failback_to_a"
	else
		fail "${name}_failback_to_a" "owners (wan, lan): $(kapair_owners); $(tail -3 "$KA/A.log")"
		ta=$(now)
	fi
	for ((i = 0; i < 300; i++)); do
		fig=$(probe_figures "$t1" "$ta")
		[ "$fig" != pending ] && break
		sleep 0.1
	done
	read -r outage nfail _ <<<"$fig"
	if [ "$fig" != pending ] && python3 -c "import sys; sys.exit(not $outage <= $BOUND)"; then
		ok "${name}_failback_smtp_back_within_${BOUND}s"
	else
		fail "${name}_failback_smtp_back_within_${BOUND}s" "figures '$fig'; last attempts: $(tail -3 "$PROBE" | tr '\n' ' ')"
	fi
	# no black hole: 3 s of probes after A took over, every one answered
	for ((i = 0; i < 100; i++)); do
		res=$(probe_clean "$ta" 30)
		[ "$res" != pending ] && break
		sleep 0.1
	done
	if [ "$res" = yes ]; then
		ok "${name}_failback_no_black_hole"
	else
		fail "${name}_failback_no_black_hole" "$res"
	fi
	echo "# $name failback: A had both addresses $(python3 -c "print('%.2f' % ($ta - $t1))") s after its return; SMTP: $nfail probes failed, back after ${outage:-?} s"
	if [ "$sync" = 1 ]; then
		# the flow opened through B goes on through A
		n_tb=$(stream_state "$E2E_TMP/$out-again.status")
		for ((i = 0; i < 250; i++)); do
			st=$(stream_state "$E2E_TMP/$out-again.status")
			[[ $st == broken* ]] && break
			[[ $st == echoed* ]] && [[ $n_tb == echoed* ]] &&
				[ "${st#echoed }" -ge $((${n_tb#echoed } + 100)) ] && break
			sleep 0.1
		done
		if [[ $st == echoed* ]]; then
			ok "${name}_failback_outgoing_flow_continues_on_a"
		else
			fail "${name}_failback_outgoing_flow_continues_on_a" "flow '$st' (at A's takeover '$n_tb'); A's hook: $(tail -2 "$KA/A.notify" | tr '\n' ' ')"
		fi
		echo "# $name failback: the flow opened through B: '$n_tb' when A had the addresses, then '$st', longest wait $(cut -d' ' -f4 "$E2E_TMP/$out-again.status") ms"
	fi
	if out_start "$out-back"; then
		ok "${name}_failback_outgoing_through_a"
	else
		fail "${name}_failback_outgoing_through_a" "$(cat "$E2E_TMP/$out-back.status" 2>/dev/null)"
	fi
}

scenario linkdown "ip -n $NS_A link set wan0 down" "ip -n $NS_A link set wan0 up" 0
scenario kill "ka_kill A" "ka_start A" 0
# the same failure, the flows copied across as the README's job does
sync_start
scenario sync "ip -n $NS_A link set wan0 down" "ip -n $NS_A link set wan0 up" 1

# the hook's MASTER on a gateway where mxgw is not loaded (someone
# unloaded it): it loads it, with the LAN's fast path; and an export a
# minute old (the copying job stopped) is not imported
ns_exec "$NS_B" "$MXCTL" unload wan0 >/dev/null 2>&1
{
	echo "# mxgw-conntrack 1 $(($(date +%s%3N) - 60000))"
	echo "4 6 198.51.100.7 25 40001 $MS 51000 tcp-established 2 1500 200"
} >"$E2E_TMP/old.peer"
MXGW_MXCTL=$MXCTL MXGW_CONF=$CONF ns_exec "$NS_B" "$KA/mxgw-notify" --import "$E2E_TMP/old.peer" \
	wan0 lan0 GROUP mxgw MASTER 100 2>"$E2E_TMP/hook.err"
rc=$?
ns_exec "$NS_B" "$MXCTL" status -j wan0 >"$E2E_TMP/hook.status" 2>&1
if [ "$rc" = 0 ] && grep -q "mxgw was not loaded on wan0: loaded (--lan lan0)" "$E2E_TMP/hook.err" &&
	[ "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["interfaces"][0]
print(d["ifname"], d["lan_xdp"]["device"])' "$E2E_TMP/hook.status" 2>&1)" = "wan0 lan0" ]; then
	ok notify_master_loads_mxgw_if_missing
else
	fail notify_master_loads_mxgw_if_missing "exit $rc '$(head -c 200 "$E2E_TMP/hook.err")'; status: $(head -c 300 "$E2E_TMP/hook.status")"
fi
n=$(ct_count "$NS_B")
# 60 s, and the time the load took meanwhile
age=$(sed -n 's/.*old\.peer is \([0-9]*\) s old: not imported.*/\1/p' "$E2E_TMP/hook.err")
if [ "${age:-0}" -ge 59 ] && [ "$age" -le 300 ] && [ "$n" = 0 ]; then
	ok notify_master_skips_a_stale_export
else
	fail notify_master_skips_a_stale_export "$n flows; the hook said '$(tr '\n' ' ' <"$E2E_TMP/hook.err")'"
fi

e2e_summary
