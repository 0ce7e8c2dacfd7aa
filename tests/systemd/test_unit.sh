#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The shipped unit, etc/systemd/mxgw@.service, run by a real systemd: a
# Debian 12 minbase rootfs (debootstrap from the mirror apt uses, made once
# and cached in build/systemd/rootfs) booted in systemd-nspawn over an
# overlay, so the cache stays as debootstrap left it, with
# `make install DESTDIR=... PREFIX=/usr` in it, a veth host0, this test's
# private bpffs on /sys/fs/bpf, and tests/systemd/driver.sh as a oneshot
# unit that runs systemctl and records what follows (no shell, no console).
#   boot 1: nothing attached at boot; systemctl start mxgw@host0: active,
#           XDP mxgw_wan_in and TC egress mxgw_wan_out on host0 (bpftool
#           in the container), pins in the bpffs; reload: the same; stop:
#           nothing attached, no pin left; enable;
#   boot 2: the unit came up at boot, attached and pinned; stop: detached,
#           no pin left.
# Needs systemd-nspawn and debootstrap (bash tests/systemd/deps.sh).
# MXGW_DEBIAN_MIRROR overrides the mirror; MXGW_SYSTEMD_TIMEOUT (120 s) is
# the limit of one boot.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
for cmd in systemd-nspawn debootstrap; do
	command -v "$cmd" >/dev/null 2>&1 ||
		e2e_cannot_run "$cmd not found (bash tests/systemd/deps.sh installs it)"
done
e2e_init "$@"

ROOTFS=$E2E_ROOT/build/systemd/rootfs
# debootstrap's arguments but the target and the mirror: a cache made
# otherwise is made again
DEBOOTSTRAP="--variant=minbase --include=systemd,systemd-sysv,dbus,iproute2,libbpf1,libelf1,zlib1g,libxdp1,bpftool bookworm"
MACHINE=mxgw$$		# the host's veth end: ve-$MACHINE, within IFNAMSIZ
TIMEOUT=${MXGW_SYSTEMD_TIMEOUT:-120}
ROOT=$E2E_TMP/root
OUT=$ROOT/root/mxgw-test
BUILDING=

cleanup() {
	local pid

	# the container first (timeout passes the signal on to nspawn, which
	# shuts it down), then its root
	for pid in "${E2E_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	E2E_PIDS=()
	mountpoint -q "$ROOT" && umount "$ROOT"
	ip link del "ve-$MACHINE" 2>/dev/null
	# a rootfs half made by this run; a finished one is the cache
	[ -n "$BUILDING" ] && rm -rf "$ROOTFS.tmp"
	e2e_cleanup
}
trap cleanup EXIT

# The mirror apt already uses (deb822 sources or sources.list), else Debian's.
mirror() {
	local m

	if [ -n "${MXGW_DEBIAN_MIRROR:-}" ]; then
		echo "$MXGW_DEBIAN_MIRROR"
		return
	fi
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')
	[ -z "$m" ] && m=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

rootfs_cached() {
	local t0

	[ "$(cat "$ROOTFS.stamp" 2>/dev/null)" = "$DEBOOTSTRAP" ] && [ -x "$ROOTFS/usr/bin/systemctl" ] &&
		return 0
	echo "note: building $ROOTFS (debootstrap, a few minutes, once)"
	t0=$(date +%s)
	BUILDING=1
	rm -rf "$ROOTFS" "$ROOTFS.tmp" "$ROOTFS.stamp"
	mkdir -p "${ROOTFS%/*}"
	# shellcheck disable=SC2086 # a list of arguments
	debootstrap $DEBOOTSTRAP "$ROOTFS.tmp" "$(mirror)" >"$ROOTFS.log" 2>&1 || return 1
	mv "$ROOTFS.tmp" "$ROOTFS" && echo "$DEBOOTSTRAP" >"$ROOTFS.stamp" || return 1
	BUILDING=
	echo "note: $ROOTFS built in $(($(date +%s) - t0)) s"
}

# The container's root: the cache under an overlay, mxgw installed, the
# driver enabled.
root_up() {
	mkdir -p "$E2E_TMP/upper" "$E2E_TMP/work" "$ROOT" &&
	mount -t overlay overlay \
		-o "lowerdir=$ROOTFS,upperdir=$E2E_TMP/upper,workdir=$E2E_TMP/work" "$ROOT" &&
	# a sub-make of its own: not the jobserver of a "make" around us
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$E2E_ROOT" --no-print-directory \
		install DESTDIR="$ROOT" PREFIX=/usr >"$E2E_TMP/install.out" 2>&1 &&
	mkdir -p "$OUT" &&
	# a kernel that refuses libxdp's dispatcher (e2e_xdp_attach_mode said
	# so): the installed config asks for a direct attach, as an operator
	# on that kernel writes it (the unit's environment has no
	# LIBXDP_SKIP_DISPATCHER of ours)
	if [ -n "${LIBXDP_SKIP_DISPATCHER:-}" ]; then
		printf '\n# this kernel refuses libxdp'"'"'s dispatcher (mxctl probe)\nxdp-attach direct\n' \
			>>"$ROOT/etc/mxgw/mxgw.conf"
	fi &&
	install -m 0755 "$E2E_ROOT/tests/systemd/driver.sh" "$OUT/driver.sh" &&
	cat >"$ROOT/etc/systemd/system/mxgw-test-driver.service" <<'EOF' &&
[Unit]
Description=mxgw test driver (tests/systemd/test_unit.sh)
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/root/mxgw-test/driver.sh
ExecStopPost=/bin/systemctl --no-block poweroff

[Install]
WantedBy=multi-user.target
EOF
	ln -sf /etc/systemd/system/mxgw-test-driver.service \
		"$ROOT/etc/systemd/system/multi-user.target.wants/mxgw-test-driver.service"
}

# boot N: one boot of the container, driver.sh in its stage N; returns
# when the container has powered off (or after $TIMEOUT s, then 1).
boot() {
	local rc

	echo "$1" >"$OUT/boot"
	timeout -k 10 "$TIMEOUT" systemd-nspawn -q -D "$ROOT" -M "$MACHINE" -b \
		--network-veth --capability=all --system-call-filter='bpf perf_event_open' \
		--bind=/sys/fs/bpf --register=no --keep-unit \
		</dev/null >"$E2E_TMP/console.$1" 2>&1 &
	E2E_PIDS+=($!)
	wait $!
	rc=$?
	unset 'E2E_PIDS[-1]'
	if [ ! -e "$OUT/done.$1" ]; then
		fail "boot$1" "the driver did not finish (nspawn exit $rc): $(tail -5 "$E2E_TMP/console.$1" | tr '\n' '|')"
		return 1
	fi
}

# state STEP: "RC ACTIVE XDP TC PINS" as driver.sh recorded them after
# STEP: the systemctl exit status, is-active, the names of the XDP program
# and of the TC egress program on host0 ("-": none, "?": bpftool failed),
# the number of pinned objects.
state() {
	python3 - "$OUT" "$1" <<'EOF'
import json, os, sys
out, step = sys.argv[1], sys.argv[2]
def read(ext):
    try:
        return open(os.path.join(out, step + '.' + ext)).read()
    except OSError:
        return None
rc, active, pins = read('rc'), read('active'), read('pins')
try:
    net = json.loads(read('net'))
    names = {p['id']: p.get('name', '?') for p in json.loads(read('progs'))}
    x = [e for n in net for e in n.get('xdp', []) if e.get('devname') == 'host0']
    t = [e for n in net for e in n.get('tc', [])
         if e.get('devname') == 'host0' and e.get('kind') == 'clsact/egress']
    xdp = names.get(x[0]['id'], '?') if x else '-'
    tc = t[0]['name'].split(':')[0] if t else '-'
except (TypeError, ValueError, KeyError):
    xdp = tc = '?'
print((rc or '?').strip(), (active or '?').split()[0] if active and active.split() else '?',
      xdp, tc, len(pins.split('\n')) - 1 if pins is not None else '?')
EOF
}

# journal: what mxctl said last in the unit's journal, for FAIL messages.
journal() {
	grep ' mxctl\[' "$OUT/journal" 2>/dev/null | tail -2 | tr '\n' '|'
}

# expect CHECK STEP WANT: WANT is "attached" (rc 0, active, both programs,
# pins) or "detached" (rc 0, inactive, no program, no pin); "boot" steps
# have no command, their rc is 0.
expect() {
	local check=$1 step=$2 want=$3 rc active xdp tc pins good

	read -r rc active xdp tc pins <<<"$(state "$step")"
	case $want in
	attached)
		[ "$rc" = 0 ] && [ "$active" = active ] && [ "$xdp" = mxgw_wan_in ] &&
			[ "$tc" = mxgw_wan_out ] && [ "$pins" -gt 0 ] 2>/dev/null
		;;
	detached)
		[ "$rc" = 0 ] && [ "$active" = inactive ] && [ "$xdp" = - ] && [ "$tc" = - ] &&
			[ "$pins" = 0 ]
		;;
	esac
	good=$?
	if [ "$good" -eq 0 ]; then
		ok "$check"
	else
		fail "$check" "after $step: exit $rc, $active, xdp $xdp, tc egress $tc, $pins pins (want $want); $(head -c 200 "$OUT/$step.out" 2>/dev/null | tr '\n' '|') journal: $(journal)"
	fi
}

# --- run --------------------------------------------------------------------------

rootfs_cached ||
	e2e_cannot_run "debootstrap $(mirror) failed: $(tail -3 "$ROOTFS.log" | tr '\n' '|')" rootfs
root_up ||
	e2e_cannot_run "no container root: $(tail -3 "$E2E_TMP/install.out" 2>/dev/null | tr '\n' '|')" rootfs

if boot 1; then
	expect unit_nothing_attached_before_start boot1 detached
	expect unit_start_attaches start attached
	expect unit_reload_keeps_it_attached reload attached
	expect unit_stop_detaches_and_unpins stop detached
	if [ "$(cat "$OUT/enable.rc")" = 0 ] &&
		[ -L "$ROOT/etc/systemd/system/multi-user.target.wants/mxgw@host0.service" ]; then
		ok unit_enable
	else
		fail unit_enable "systemctl enable mxgw@host0: exit $(cat "$OUT/enable.rc"): $(head -c 200 "$OUT/enable.out" | tr '\n' '|')"
	fi
	if boot 2; then
		expect unit_enabled_starts_at_boot boot2 attached
		expect unit_stop_after_boot_detaches_and_unpins stop2 detached
	fi
fi
e2e_summary
