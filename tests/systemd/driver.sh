#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Runs inside the container booted by tests/systemd/test_unit.sh, as the
# oneshot mxgw-test-driver.service after multi-user.target (which powers
# the container off when it ends).  No checks here: each step's facts go to /root/mxgw-test/ for the
# test on the host to judge.
#   /root/mxgw-test/boot     1 or 2, written by the test before each boot
#   STEP.rc                  exit status of the step's systemctl command
#   STEP.active              systemctl is-active mxgw@host0 afterwards
#   STEP.net STEP.progs      bpftool -j net show dev host0, bpftool -j prog show
#   STEP.pins                every object pinned under /sys/fs/bpf/mxgw, one a line
#   journal                  the unit's journal at the end of the boot
# Boot 1: state at boot, start, reload, stop, enable.  Boot 2: state at
# boot (the unit enabled), stop, disable.
UNIT=mxgw@host0.service
OUT=/root/mxgw-test

# facts STEP RC
facts() {
	echo "$2" >"$OUT/$1.rc"
	systemctl is-active "$UNIT" >"$OUT/$1.active" 2>&1
	bpftool -j net show dev host0 >"$OUT/$1.net" 2>&1
	bpftool -j prog show >"$OUT/$1.progs" 2>&1
	: >"$OUT/$1.pins"
	if [ -d /sys/fs/bpf/mxgw ]; then
		find /sys/fs/bpf/mxgw ! -type d >"$OUT/$1.pins" 2>&1
	fi
}

# step STEP COMMAND...
step() {
	name=$1
	shift
	"$@" >"$OUT/$name.out" 2>&1
	facts "$name" $?
}

case $(cat "$OUT/boot") in
1)
	facts boot1 0
	step start systemctl start "$UNIT"
	step reload systemctl reload "$UNIT"
	step stop systemctl stop "$UNIT"
	step enable systemctl enable "$UNIT"
	;;
2)
	facts boot2 0
	step stop2 systemctl stop "$UNIT"
	step disable systemctl disable "$UNIT"
	;;
esac
journalctl -q -u "$UNIT" --no-pager >"$OUT/journal" 2>&1
echo finished >"$OUT/done.$(cat "$OUT/boot")"
