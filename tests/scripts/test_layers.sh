#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The layers only look down (README, Layout): bpf/ sees the ABI header,
# maps/ sees maps/, loader/ sees loader/ and maps/, ctl/ sees everything
# but the loader's internals.  Checked on the sources' quoted includes,
# each resolved as the compiler does first (next to the including file),
# and on the Makefile's LIB_SRC, the library mxctl and the tests link.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
passed=0 failed=0

check() {
	local name=$1 bad=${2%; }

	if [ -z "$bad" ]; then
		echo "ok $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $bad"
		failed=$((failed + 1))
	fi
}

# "FILE -> TARGET" for each quoted include of the files in $1 (a
# directory), TARGET the path it resolves to from the repository's root
# (generated headers, found in build/, as "build/NAME").
includes() {
	local f inc target

	for f in "$1"/*.[ch]; do
		[ -e "$f" ] || continue
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r inc; do
			target=$(realpath -m --relative-to=. "$(dirname "$f")/$inc")
			[ -e "$target" ] || target="build/$inc"
			echo "$f -> $target"
		done
	done
}

# The includes of $1 whose target matches none of the patterns after it.
outside() {
	local dir=$1 edge target ok p

	shift
	includes "$dir" | while read -r edge; do
		target=${edge##* -> }
		ok=
		for p in "$@"; do
			# shellcheck disable=SC2254 # $p is a pattern
			case $target in $p) ok=1 ;; esac
		done
		[ -n "$ok" ] || printf '%s; ' "$edge"
	done
}

check bpf_sees_only_the_abi \
	"$(outside bpf 'bpf/*' 'maps/mxgw_abi.h' 'vmlinux/vmlinux.h' 'build/vmlinux.h')"
check maps_sees_only_maps "$(outside maps 'maps/*')"
check loader_sees_loader_and_maps \
	"$(outside loader 'loader/*' 'maps/*' 'build/mxgw.skel.h')"
check ctl_sees_only_the_loaders_public_api \
	"$(outside ctl 'ctl/*' 'maps/*' 'loader/loader.h' 'build/*')"

# LIB_SRC as make expands it (the Makefile may build it from wildcards).
lib_src=$(make -pqn -f Makefile BUILD=/nonexistent 2>/dev/null |
	  sed -n 's/^LIB_SRC :\{0,1\}= //p' | tail -1)
bad=
[ -n "$lib_src" ] || bad="no LIB_SRC in the Makefile's database"
for f in $lib_src; do
	case $f in maps/* | loader/*) ;; *) bad="$bad$f; " ;; esac
done
check lib_src_is_maps_and_loader_only "$bad"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
