#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# No name of ours shadows POSIX: every user-space source compiles with
# <fcntl.h>, <unistd.h>, <stdio.h> and <stdlib.h> included first, so a
# file-scope open(), close(), read() or write() of its own (ctl/json.c
# had open() and close_()) is a conflicting declaration, not a trap for
# the next include.  BUILD names the build directory (mxgw.skel.h).
#
# Prints "ok NAME" or "FAIL NAME: why" per file and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
CC=${CC:-cc}
passed=0 failed=0

if [ ! -e "$BUILD/mxgw.skel.h" ]; then
	echo "SKIP: $BUILD/mxgw.skel.h missing (make first)"
	[ "${MXGW_REQUIRE_BPF:-0}" = 1 ] && exit 1
	exit 77
fi
for f in maps/*.c loader/*.c ctl/*.c; do
	if out=$("$CC" -fsyntax-only -w -std=gnu11 -D_GNU_SOURCE -include fcntl.h \
		 -include unistd.h -include stdio.h -include stdlib.h \
		 -I"$BUILD" -Imaps -Ictl -Iloader "$f" 2>&1); then
		echo "ok $f"
		passed=$((passed + 1))
	else
		echo "FAIL $f: $(printf '%s\n' "$out" | grep -m1 'error')"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
