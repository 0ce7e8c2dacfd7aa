#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: upgrading mxgw under traffic, losing nothing (issue 15).
#   1. the previous commit of this checkout that changed bpf/, maps/ or
#      loader/ with other BPF sources (MXGW_UPGRADE_FROM=REV picks another)
#      is built into the test's temporary directory and loaded on the
#      gateway; long-lived
#      traffic starts: an inbound download on 993 from the mail server, an
#      outgoing masqueraded download from the Internet host on 443, a UDP
#      stream with sequence numbers from the mail server to the Internet,
#      new SMTP connections in a loop; a source is banned; then this
#      build's mxctl loads over it.  Checked: it says it upgraded, from
#      which build to which; the attached programs changed; every transfer
#      completes with its byte count and checksum; no datagram lost beyond
#      what the stream loses in a window without an upgrade; every new
#      connection succeeded; every counter read before is <= after; the
#      open flows are still tracked; the ban is still enforced.
#   2. the same with this tree built as another ABI (make
#      MXGW_ABI_OVERRIDE=N+1) loaded over this build: the config is made
#      again for the new ABI, everything else carried over.
# The measured figures are printed as "# ..." lines.  Two builds of the
# tree make it slow: about 2 minutes on a 2-core machine (35-40 s each
# build); MXGW_UPGRADE_OLD_MXCTL / MXGW_UPGRADE_BUMP_MXCTL (below) skip them.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

C1=$E2E_CLIENT1
C2=$E2E_CLIENT2
# the inbound download (DNAT to the mail server) and the outgoing one
# (masqueraded, from the mail server), their size and pace: long enough
# to span the upgrade
PORT_IN=993
PORT_OUT=443
PORT_UDP=53
BYTES=${MXGW_UPGRADE_BYTES:-40000000}
RATE=${MXGW_UPGRADE_RATE:-3000000}
UDP_RATE=500
# seconds of traffic before the upgrade: the UDP stream's baseline window
BASELINE=4

# --- helpers ----------------------------------------------------------------

now() {
	python3 -c 'import time; print(time.monotonic())'
}

# xdp_prog DEV: "ID TAG" of the XDP program on DEV in the gateway, "- -"
xdp_prog() {
	ns_exec "$NS_GW" bpftool -j net show dev "$1" 2>/dev/null | python3 -c '
import json, subprocess, sys
x = [e for n in json.load(sys.stdin) for e in n.get("xdp", [])]
if not x:
    print("- -"); sys.exit()
p = json.loads(subprocess.run(["bpftool", "-j", "prog", "show", "id", str(x[0]["id"])],
                              capture_output=True, text=True).stdout)
print(p["id"], p["tag"])' 2>/dev/null || echo "? ?"
}

# pinned_xdp: "ID TAG" of the pinned mxgw_wan_in (under libxdp's
# dispatcher, the device's XDP program is the dispatcher)
pinned_xdp() {
	bpftool -j prog show pinned "$PINS/mxgw_wan_in" 2>/dev/null |
		python3 -c 'import json, sys; p = json.load(sys.stdin); print(p["id"], p["tag"])' 2>/dev/null ||
		echo "- -"
}

# tc_prog: the id of the program of mxgw's egress filter on wan0
tc_prog() {
	ns_exec "$NS_GW" bpftool -j net show dev wan0 2>/dev/null | python3 -c '
import json, sys
t = [e for n in json.load(sys.stdin) for e in n.get("tc", []) if e.get("kind") == "clsact/egress"]
print(t[0]["id"] if t else "-")' 2>/dev/null || echo "?"
}

# traffic_start PHASE: the four kinds of traffic of one phase, started
traffic_start() {
	local p=$1
	e2e_server_start "$NS_INET" upgrade_traffic.py "$E2E_TMP/$p-udprecv" udp-recv \
		--port "$PORT_UDP" || return 1
	UDPRECV_PID=${E2E_PIDS[-1]}
	e2e_server_start "$NS_INET" upgrade_traffic.py "$E2E_TMP/$p-in" fetch \
		--dst "$E2E_PUBLIC" --port "$PORT_IN" --src "$C1" || return 1
	e2e_server_start "$NS_MS" upgrade_traffic.py "$E2E_TMP/$p-out" fetch \
		--dst "$E2E_INET_ADDR" --port "$PORT_OUT" || return 1
	rm -f "$E2E_TMP/$p-stop"
	e2e_server_start "$NS_MS" upgrade_traffic.py "$E2E_TMP/$p-udp" udp-send \
		--dst "$E2E_INET_ADDR" --port "$PORT_UDP" --rate "$UDP_RATE" \
		--stop "$E2E_TMP/$p-stop" || return 1
	e2e_server_start "$NS_INET" upgrade_traffic.py "$E2E_TMP/$p-loop" connect-loop \
		--dst "$E2E_PUBLIC" --port 25 --src "$C1" --stop "$E2E_TMP/$p-stop" || return 1
}

# wait_for FILE SECONDS: FILE is written (polled)
wait_for() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ct_has FILE LAN REMOTE: a flow from LAN to REMOTE in "mxctl -j conntrack"
ct_has() {
	python3 - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
flows = [f for i in d for f in i["flows"]]
sys.exit(0 if any(f["lan"].startswith(sys.argv[2]) and f["remote"] == sys.argv[3]
                  for f in flows) else 1)
EOF
}

# upgrade PHASE FROM_MXCTL TO_MXCTL WANT_MIGRATED: one upgrade under traffic
# and its checks (names prefixed by PHASE)
upgrade() {
	local p=$1 from=$2 to=$3 want=$4
	local before_x after_x before_pin after_pin before_tc after_tc t0 t1 rc out lport bad i
	local want_sha want_n got_n got_sha lost_base lost_upg allowed lost_after base_s upg_s start gap

	traffic_start "$p" ||
		{ fail "${p}_traffic_start" "the traffic did not start: $(cat "$E2E_TMP/$p"-*.err 2>/dev/null | head -c 300)"; return; }
	ok "${p}_traffic_start"
	sleep "$BASELINE"
	before_x=$(xdp_prog wan0)
	before_pin=$(pinned_xdp)
	before_tc=$(tc_prog)
	ns_exec "$NS_GW" "$from" status -j >"$E2E_TMP/$p-before.json" 2>"$E2E_TMP/err"
	ns_exec "$NS_GW" "$from" -j conntrack >"$E2E_TMP/$p-ct-before.json" 2>>"$E2E_TMP/err"

	t0=$(now)
	out=$(ns_exec "$NS_GW" "$to" -c "$CONF" load wan0 2>"$E2E_TMP/$p-load.err")
	rc=$?
	t1=$(now)
	echo "$out" >"$E2E_TMP/$p-load.out"
	if [ "$rc" -eq 0 ]; then
		ok "${p}_load"
	else
		fail "${p}_load" "exit $rc: $(head -c 400 "$E2E_TMP/$p-load.err")"
	fi
	echo "# $p: $(grep '^upgraded wan0' "$E2E_TMP/$p-load.out")"
	echo "# $p: the load took $(python3 -c "print(round($t1 - $t0, 2))") s"
	if grep -q "^upgraded wan0 from .* to .*ABI $NEW_ABI_WANT.*: programs replaced atomically;.*migrated: $want;" \
		"$E2E_TMP/$p-load.out" && grep -q "^upgraded on wan0:" "$E2E_TMP/$p-load.out"; then
		ok "${p}_says_upgraded"
	else
		fail "${p}_says_upgraded" "stdout: $(head -c 500 "$E2E_TMP/$p-load.out"); stderr: $(head -c 200 "$E2E_TMP/$p-load.err")"
	fi
	after_x=$(xdp_prog wan0)
	after_pin=$(pinned_xdp)
	after_tc=$(tc_prog)
	echo "# $p: XDP program on wan0 (id tag) $before_x -> $after_x, pinned mxgw_wan_in $before_pin -> $after_pin, TC program $before_tc -> $after_tc"
	if [ "${before_x%% *}" != "${after_x%% *}" ] && [ "${after_x%% *}" != - ] &&
		[ "${before_pin%% *}" != "${after_pin%% *}" ] && [ "${after_pin%% *}" != - ] &&
		[ "$before_tc" != "$after_tc" ] && [ "$after_tc" != - ]; then
		ok "${p}_programs_replaced"
	else
		fail "${p}_programs_replaced" "XDP $before_x -> $after_x, pinned $before_pin -> $after_pin, TC $before_tc -> $after_tc"
	fi

	# the open flows, still tracked (the downloads are still running)
	lport=$(awk '{ print $2 }' "$E2E_TMP/$p-out.ready")
	ns_exec "$NS_GW" "$to" -j conntrack >"$E2E_TMP/$p-ct.json" 2>"$E2E_TMP/err"
	if ct_has "$E2E_TMP/$p-ct.json" "$E2E_MAILSERVER:$lport" "$E2E_INET_ADDR:$PORT_OUT" &&
		ct_has "$E2E_TMP/$p-ct.json" "$E2E_MAILSERVER:" "$E2E_INET_ADDR:$PORT_UDP"; then
		ok "${p}_flows_still_tracked"
	else
		fail "${p}_flows_still_tracked" "no TCP flow $E2E_MAILSERVER:$lport -> :$PORT_OUT or no UDP flow to :$PORT_UDP: $(head -c 400 "$E2E_TMP/$p-ct.json") $(head -c 200 "$E2E_TMP/err")"
	fi
	# the ban set before, still enforced; and new connections still work
	e2e_connect "$C2:25" "$C1:25"
	if [ "$(conn_result "$C2" 25)" = timeout ] && [ "$(conn_result "$C1" 25)" = "banner 220 mxgw-e2e 25" ]; then
		ok "${p}_ban_still_enforced"
	else
		fail "${p}_ban_still_enforced" "banned $C2: $(conn_result "$C2" 25); $C1: $(conn_result "$C1" 25)"
	fi

	# every transfer to its end, byte for byte
	for i in in out; do
		if ! wait_for "$E2E_TMP/$p-$i" 60; then
			fail "${p}_${i}_transfer_complete" "no result after 60 s"
			continue
		fi
		read -r _ got_n got_sha <"$E2E_TMP/$p-$i"
		# the server logs once the client has closed
		for _ in $(seq 50); do
			grep -q "^\(sent\|broken\) " "$E2E_TMP/srv-$i" && break
			sleep 0.1
		done
		want_sha=$(grep -m1 "^sent $BYTES " "$E2E_TMP/srv-$i" | awk '{ print $3 }')
		want_n=$BYTES
		echo "# $p: $i transfer: $(cat "$E2E_TMP/$p-$i")"
		if [ "$(awk '{ print $1 }' "$E2E_TMP/$p-$i")" = got ] && [ "$got_n" = "$want_n" ] &&
			[ -n "$want_sha" ] && [ "$got_sha" = "$want_sha" ]; then
			ok "${p}_${i}_transfer_complete"
		else
			fail "${p}_${i}_transfer_complete" "got '$(cat "$E2E_TMP/$p-$i")', the server: '$(tail -1 "$E2E_TMP/srv-$i")', want $want_n bytes"
		fi
	done
	# the server side of each: one connection, sent to its end
	: >"$E2E_TMP/srv-in"
	: >"$E2E_TMP/srv-out"

	# the UDP stream and the new connections stop; the stream's losses in
	# the upgrade's window against those of the baseline window before it,
	# per second
	touch "$E2E_TMP/$p-stop"
	wait_for "$E2E_TMP/$p-udp" 10 ||
		fail "${p}_udp_stream" "the sender did not finish"
	sleep 0.5
	kill -TERM "$UDPRECV_PID" 2>/dev/null
	wait_for "$E2E_TMP/$p-udprecv" 5
	read -r _ start _ _ _ _ <"$E2E_TMP/$p-udp"
	read -r lost_base lost_upg allowed lost_after base_s upg_s < <(python3 - "$E2E_TMP/$p-udprecv" "$start" "$UDP_RATE" \
		"$t0" "$t1" "$(awk '{ print $6 }' "$E2E_TMP/$p-udp")" <<'EOF'
import math, sys
lines = open(sys.argv[1]).read().splitlines()
top = int(lines[0].split()[3])
missing = [int(x) for x in lines[1].split()[1:]]
start, rate, t0, t1, sent = (float(x) for x in sys.argv[2:7])
# beyond the highest received: lost too
missing += range(top + 1, int(sent))
at = lambda s: start + s / rate
base = (start + 0.5, t0 - 0.5)
upg = (t0 - 0.5, t1 + 1.5)
lb = sum(base[0] <= at(s) < base[1] for s in missing)
lu = sum(upg[0] <= at(s) < upg[1] for s in missing)
la = sum(at(s) >= upg[1] for s in missing)
print(lb, lu, math.ceil(lb * (upg[1] - upg[0]) / max(base[1] - base[0], 0.1)), la,
      round(base[1] - base[0], 1), round(upg[1] - upg[0], 1))
EOF
)
	gap=$(python3 - "$E2E_TMP/$p-udprecv" "$t0" "$t1" <<'EOF'
import sys
line = [l for l in open(sys.argv[1]).read().splitlines() if l.startswith("gaps")][0]
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
g = [(float(ms), float(at)) for ms, at in (x.split("@") for x in line.split()[1:])]
inside = [ms for ms, at in g if t0 <= at <= t1 + 0.5]
print(f"{max(inside, default=0):.1f} ms while the load ran, {max((ms for ms, _ in g), default=0):.1f} ms in the whole stream")
EOF
)
	echo "# $p: the longest wait between two datagrams of the stream (one each 2 ms): $gap"
	echo "# $p: UDP datagrams lost: $lost_base in the ${base_s} s before the upgrade (baseline), $lost_upg in the ${upg_s} s around it (from 0.5 s before the load to 1.5 s after it), $lost_after after it; $(head -1 "$E2E_TMP/$p-udprecv") of $(awk '{ print $6 }' "$E2E_TMP/$p-udp") sent"
	if [ -n "$lost_upg" ] && [ "$lost_upg" -le "$allowed" ]; then
		ok "${p}_udp_nothing_lost"
	else
		fail "${p}_udp_nothing_lost" "$lost_upg lost around the upgrade, $lost_base in the baseline window (at most $allowed allowed)"
	fi

	wait_for "$E2E_TMP/$p-loop" 10
	echo "# $p: new SMTP connections: $(head -1 "$E2E_TMP/$p-loop")"
	if read -r _ i _ bad <"$E2E_TMP/$p-loop" && [ "$bad" = 0 ] && [ "$i" -gt 10 ]; then
		ok "${p}_new_connections_all_succeed"
	else
		fail "${p}_new_connections_all_succeed" "$(head -c 400 "$E2E_TMP/$p-loop")"
	fi

	# counters continue: none went back
	ns_exec "$NS_GW" "$to" status -j >"$E2E_TMP/$p-after.json" 2>"$E2E_TMP/err"
	# the data plane's own: the DERIVED ones (MXGW_COUNTERS) are
	# differences of counters read at slightly different times, an
	# estimate that may go back by a few
	bad=$(python3 - "$E2E_TMP/$p-before.json" "$E2E_TMP/$p-after.json" \
		"$(sed -n 's/.*FN([A-Z0-9_]*, *"\([a-z0-9_]*\)", *[A-Z0-9_]*, *DERIVED.*/\1/p' \
			"$E2E_ROOT/maps/mxgw_abi.h" | tr '\n' ' ')" <<'EOF'
import json, sys
b, a = (json.load(open(f))["interfaces"][0]["counters"] for f in sys.argv[1:3])
derived = sys.argv[3].split()
common = [k for k in b if k in a and k not in derived]
if len(derived) < 2:
    print("no DERIVED counters found in maps/mxgw_abi.h:", derived)
    sys.exit()
back = [f"{k} {b[k]}->{a[k]}" for k in common if a[k] < b[k]]
if back:
    print("went back:", " ".join(back))
elif len(common) < 20 or not b.get("snat_masq") or not b.get("ct_new"):
    print(f"nothing to compare: {len(common)} counters in both, snat_masq {b.get('snat_masq')}")
else:
    print(f"OK {len(common)}")
EOF
)
	echo "# $p: counters compared before and after: $bad"
	if [[ $bad == "OK "* ]]; then
		ok "${p}_counters_continue"
	else
		fail "${p}_counters_continue" "$bad"
	fi
}

# --- the builds ---------------------------------------------------------------

# the previous state of the data plane: the newest commit that changed
# bpf/, maps/ or loader/ and whose BPF sources (bpf/, maps/mxgw_abi.h)
# differ from this tree's, and whose programs do too (one that builds the
# same programs, comments changed, say, is re-applied in place: the next
# one, up to three builds).
# MXGW_UPGRADE_OLD_MXCTL and MXGW_UPGRADE_BUMP_MXCTL name mxctl binaries
# built beforehand instead (the programs are in mxctl): for a guest under
# emulation, where two builds take longer than the test
# (tests/kernels/run.sh passes no environment: a wrapper script sets them).
# code_hash OBJ: a hash of a BPF object's sections but its debug
# information and BTF, which name the sources' paths (as the build's
# identity in loader/upgrade.c): two builds of the same programs agree
code_hash() {
	python3 - "$1" <<'EOF'
import hashlib, struct, sys
d = open(sys.argv[1], "rb").read()
shoff, = struct.unpack_from("<Q", d, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3a)
secs = [struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize) for i in range(shnum)]
names = secs[shstrndx][4]
h = hashlib.sha256()
for s in secs:
    name = d[names + s[0]:d.index(b"\0", names + s[0])]
    if name.startswith((b".debug", b".rel.debug", b".BTF", b".rel.BTF")):
        continue
    h.update(name + b"\0")
    if s[1] != 8:  # SHT_NOBITS
        h.update(d[s[4]:s[4] + s[5]])
print(h.hexdigest())
EOF
}

build_previous() {
	local c revs tries=0 dir
	git -C "$E2E_ROOT" rev-parse --git-dir >/dev/null 2>&1 ||
		e2e_cannot_run "$E2E_ROOT is no git checkout: no earlier commit to build (test_upgrade needs the history; CI's fresh clone has it)" build_previous
	if [ -n "${MXGW_UPGRADE_FROM:-}" ]; then
		revs=$MXGW_UPGRADE_FROM
	else
		revs=$(for c in $(git -C "$E2E_ROOT" rev-list --first-parent -n 50 HEAD -- bpf maps loader); do
			git -C "$E2E_ROOT" diff --quiet "$c" -- bpf maps/mxgw_abi.h || echo "$c"
		done)
	fi
	OLD_MXCTL=
	for c in $revs; do
		git -C "$E2E_ROOT" rev-parse --verify -q "$c^{commit}" >/dev/null ||
			e2e_cannot_run "$c: no such commit in $E2E_ROOT" build_previous
		tries=$((tries + 1))
		[ "$tries" -le 3 ] || break
		FROM_DESC=$(git -C "$E2E_ROOT" describe --always --tags "$c")
		dir=$OLD/$tries
		mkdir -p "$dir/src"
		echo "# building the previous data plane, $FROM_DESC, in $dir"
		SECONDS=0
		if ! { git -C "$E2E_ROOT" archive "$c" | tar -x -C "$dir/src" &&
			make -C "$dir/src" -j2 BUILD="$dir/build" MXGW_VERSION="$FROM_DESC" "$dir/build/mxctl" \
				>"$dir/make.log" 2>&1; }; then
			fail build_previous "$FROM_DESC: $(tail -5 "$dir/make.log" | tr '\n' ' ')"
			e2e_summary
			exit 1
		fi
		echo "# built in $SECONDS s"
		# the same programs (their sources differ in comments only, say)
		# would be re-applied in place: the commit before
		if [ -z "${MXGW_UPGRADE_FROM:-}" ] &&
			[ "$(code_hash "$dir/build/mxgw.bpf.o")" = "$(code_hash "$(dirname "$MXCTL")/mxgw.bpf.o")" ]; then
			echo "# $FROM_DESC builds the same programs as this tree: the one before"
			continue
		fi
		OLD_MXCTL=$dir/build/mxctl
		ok build_previous
		return
	done
	e2e_cannot_run "no earlier commit of $E2E_ROOT's history builds other programs (a shallow clone? git fetch --unshallow)" build_previous
}

build_bump() {
	echo "# building this tree as map ABI $((ABI + 1)) in $BUMP"
	SECONDS=0
	if make -C "$E2E_ROOT" -j2 BUILD="$BUMP" MXGW_ABI_OVERRIDE=$((ABI + 1)) "$BUMP/mxctl" \
		>"$E2E_TMP/bump.log" 2>&1; then
		ok build_abi_bumped
	else
		fail build_abi_bumped "$(tail -5 "$E2E_TMP/bump.log" | tr '\n' ' ')"
		e2e_summary
		exit 1
	fi
	echo "# built in $SECONDS s"
	BUMP_MXCTL=$BUMP/mxctl
}

OLD=$E2E_TMP/old
BUMP=$E2E_TMP/bump
ABI=$("$MXCTL" --version | sed -n 's/.*map ABI \([0-9]*\).*/\1/p')
if [ -n "${MXGW_UPGRADE_OLD_MXCTL:-}" ]; then
	OLD_MXCTL=$(readlink -f "$MXGW_UPGRADE_OLD_MXCTL")
	echo "# the previous build: $("$OLD_MXCTL" --version), built beforehand"
else
	build_previous
fi
if [ -n "${MXGW_UPGRADE_BUMP_MXCTL:-}" ]; then
	BUMP_MXCTL=$(readlink -f "$MXGW_UPGRADE_BUMP_MXCTL")
	echo "# this tree as another ABI: $("$BUMP_MXCTL" --version), built beforehand"
else
	build_bump
fi
if "$BUMP_MXCTL" --version | grep -q "map ABI $((ABI + 1))"; then
	ok abi_bumped_speaks_next_abi
else
	fail abi_bumped_speaks_next_abi "$("$BUMP_MXCTL" --version 2>&1)"
	e2e_summary
	exit 1
fi

# --- the bed ------------------------------------------------------------------

e2e_topology_up
PINS=$(e2e_pin_dir "$NS_GW" wan0) || e2e_cannot_run "cannot find the namespace's cookie"
CONF=$E2E_TMP/mxgw.conf
sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf" >"$CONF"
grep -q "^public[[:space:]]*$E2E_PUBLIC$" "$CONF" || e2e_cannot_run "could not write the config"
e2e_listener_start "$NS_MS" "$E2E_TMP/listener.log" 25 ||
	e2e_cannot_run "the mail-server listener did not start"
if ! { e2e_server_start "$NS_MS" upgrade_traffic.py "$E2E_TMP/srv-in" serve --port "$PORT_IN" \
	--bytes "$BYTES" --rate "$RATE" &&
	e2e_server_start "$NS_INET" upgrade_traffic.py "$E2E_TMP/srv-out" serve --port "$PORT_OUT" \
		--bytes "$BYTES" --rate "$RATE"; }; then
	e2e_cannot_run "the download servers did not start"
fi

if ns_exec "$NS_GW" "$OLD_MXCTL" -c "$CONF" load wan0 >"$E2E_TMP/old-load.out" 2>&1; then
	ok previous_build_loads
else
	fail previous_build_loads "$(head -c 400 "$E2E_TMP/old-load.out")"
	e2e_summary
	exit 1
fi
ns_exec "$NS_GW" "$OLD_MXCTL" ban "$C2" >/dev/null 2>"$E2E_TMP/err" ||
	fail ban_set "$(head -c 200 "$E2E_TMP/err")"

# --- 1. the previous build -> this one ------------------------------------------

NEW_ABI_WANT=$ABI
upgrade prev_to_this "$OLD_MXCTL" "$MXCTL" "none"

# the same build again: in place, nothing replaced
before=$(xdp_prog wan0)
out=$(mx -c "$CONF" load wan0 2>"$E2E_TMP/err")
if [[ $out == "re-applied on wan0:"* ]] && [ "$(xdp_prog wan0)" = "$before" ]; then
	ok same_build_in_place
else
	fail same_build_in_place "$out; XDP $before -> $(xdp_prog wan0)"
fi

# --- 2. this build -> this tree as another ABI ------------------------------------

NEW_ABI_WANT=$((ABI + 1))
upgrade abi_bump "$MXCTL" "$BUMP_MXCTL" "mxgw_config"
# the gateway speaks the new ABI now: the new mxctl reads it, the old one
# refuses it
if ns_exec "$NS_GW" "$BUMP_MXCTL" status -j >"$E2E_TMP/bump.json" 2>"$E2E_TMP/err" &&
	! mx status -j >/dev/null 2>&1; then
	ok abi_bump_config_rebuilt
else
	fail abi_bump_config_rebuilt "status by ABI $((ABI + 1)): $(head -c 200 "$E2E_TMP/err"); by ABI $ABI: $(mx status 2>&1 | head -c 200)"
fi

e2e_summary
