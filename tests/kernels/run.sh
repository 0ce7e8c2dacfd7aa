#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# tests/kernels/run.sh [KERNEL...] [--] [TEST...]
#
# Run mxgw's BPF program tests and the namespace end-to-end test on other
# kernels than the host's: each KERNEL is a Debian kernel image package
# (linux-image-6.1.0-57-amd64, say), fetched with apt-get download and
# unpacked into build/kernels/PKG/ (never installed), and booted under qemu
# with the host's root shared read-only over 9p, the checkout read-write,
# and tests/kernels/init.c as PID 1.  The tests run inside the guest with
# MXGW_REQUIRE_BPF=1 (tests/kernels/guest.sh); their output and exit
# status come back through the checkout (build/kernels/PKG/run/).
#
#   KERNEL   a package name, of Debian 12 or Debian 13; "default" (the
#            default) is the kernel of Debian 12's linux-image-amd64
#            metapackage, today's 6.1; "trixie" that of Debian 13's,
#            today's 6.12 (fetched through an apt configuration of its
#            own, build/kernels/apt-trixie/: the host's apt is left as it
#            is); "host" runs the same tests on the running kernel, no VM.
#            Arguments are kernels until "--" or the first that holds a "/".
#   TEST     default: the BPF program tests and tests/e2e/test_inbound.sh.
#
# Environment:
#   MXGW_KERNEL_ACCEL    auto (default): KVM if a probe boot answers under
#                        it, plain emulation (TCG) otherwise; kvm; tcg
#   MXGW_KERNEL_TIMEOUT  seconds one guest may run (default 1500: the IPv6
#                        tests doubled what a guest runs, and emulation (TCG)
#                        on a loaded 2-core machine ran out of 600 s on 6.12)
#   MXGW_KERNEL_MEM      guest memory in MB (default 1024: the blocklists'
#                        fixed arrays, IPv4's 32 MiB and IPv6's 62 MiB, are
#                        built beside the running ones at a swap, and
#                        test_blocklist's gateways failed with ENOMEM in 256)
#   MXGW_KERNEL_SMP      guest CPUs (default 2)
#   MXGW_KERNEL_MODULES  extra modules to load in the guest
#
# Prints each kernel's results, then a table, then one closing line for
# them all: "N passed, N failed, N skipped".  Exit 0 iff nothing failed.
set -u
set -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT" || exit 1
KROOT=$ROOT/build/kernels
HERE=$ROOT/tests/kernels

TIMEOUT=${MXGW_KERNEL_TIMEOUT:-1500}
MEM=${MXGW_KERNEL_MEM:-1024}
SMP=${MXGW_KERNEL_SMP:-2}
ACCEL=${MXGW_KERNEL_ACCEL:-auto}
# What the guest needs, dependencies found from each module's .modinfo:
# virtio-pci and 9p for the shares, veth for the tests' links, clsact
# (sch_ingress) and cls_bpf/act_bpf for tc.
MODULES="virtio_pci 9pnet_virtio 9p veth sch_ingress cls_bpf act_bpf ${MXGW_KERNEL_MODULES:-}"
DEFAULT_TESTS=(build/tests/test_xdp build/tests/test_tc build/tests/test_conntrack
	build/tests/test_maps tests/e2e/test_inbound.sh)

say() { echo "kernels: $*" >&2; }
die() { echo "kernels: error: $*" >&2; exit 1; }

# --- arguments ----------------------------------------------------------

kernels=()
while [ $# -gt 0 ]; do
	case $1 in
	--) shift; break ;;
	-h | --help) sed -n '3,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*/*) break ;;
	*) kernels+=("$1"); shift ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=(default)
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("${DEFAULT_TESTS[@]}")

# --- kernels: fetch, unpack, initramfs ------------------------------------

# The package linux-image-amd64 depends on: Debian 12's current kernel.
# bookworm-security drops old versions, so never hard-code one.
resolve_default() {
	local pkg
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
	if [ -z "$pkg" ]; then
		apt-get update -qq >&2 || true
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
	fi
	[ -n "$pkg" ] || die "cannot resolve linux-image-amd64 to a kernel package (apt-cache depends)"
	echo "$pkg"
}

# Debian 13 (trixie) from the same archive as the host's Debian 12: apt
# with a sources list, lists, cache and preferences of its own, so that
# nothing of the host's apt changes.  The sources are the host's own
# mirrors (whatever their format), each bookworm suite as its trixie one.
TRIXIE_APT=$KROOT/apt-trixie
trixie_apt() {	# trixie_apt apt-get|apt-cache ARG...
	local cmd=$1
	shift
	"$cmd" -o Dir::Etc::SourceList="$TRIXIE_APT/sources.list" \
		-o Dir::Etc::SourceParts="$TRIXIE_APT/empty.d" \
		-o Dir::Etc::Preferences="$TRIXIE_APT/preferences" \
		-o Dir::Etc::PreferencesParts="$TRIXIE_APT/empty.d" \
		-o Dir::State::Lists="$TRIXIE_APT/lists" -o Dir::Cache="$TRIXIE_APT/cache" \
		-o Acquire::Languages=none -o APT::Sandbox::User=root "$@"
}

trixie_update() {
	mkdir -p "$TRIXIE_APT/empty.d" "$TRIXIE_APT/lists/partial" "$TRIXIE_APT/cache/archives/partial"
	: >"$TRIXIE_APT/preferences"
	# shellcheck disable=SC2016 # apt's $(FIELD)s, not the shell's
	apt-get indextargets --format '$(REPO_URI) $(RELEASE)' | sort -u |
		sed -n 's|^\(.*\) bookworm\(-[a-z]*\)\{0,1\}$|deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \1 trixie\2 main|p' \
		>"$TRIXIE_APT/sources.list"
	[ -s "$TRIXIE_APT/sources.list" ] || die "no bookworm suite among the host's apt sources to take trixie's from"
	say "apt-get update (Debian 13, $TRIXIE_APT)"
	trixie_apt apt-get update -qq >&2 && touch "$TRIXIE_APT/updated"
}

# The package Debian 13's linux-image-amd64 depends on, from lists at
# most a day old: its security suite drops the versions it replaces.
resolve_trixie() {
	local pkg=
	[ -s "$TRIXIE_APT/sources.list" ] && [ -n "$(find "$TRIXIE_APT/updated" -mmin -1440 2>/dev/null)" ] &&
		pkg=$(trixie_apt apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
	if [ -z "$pkg" ]; then
		trixie_update || die "apt-get update of Debian 13's lists failed"
		pkg=$(trixie_apt apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
	fi
	[ -n "$pkg" ] || die "cannot resolve Debian 13's linux-image-amd64 to a kernel package"
	echo "$pkg"
}

# download PKG DIR: the .deb into DIR, from Debian 12's archive (the
# host's apt) or else Debian 13's; lists are updated only when a try fails.
download() {
	local pkg=$1 dir=$2
	( cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null 2>"$dir/download.err" ) && return 0
	if [ -s "$TRIXIE_APT/sources.list" ]; then
		( cd "$dir" && trixie_apt apt-get download -q "$pkg" >/dev/null 2>>"$dir/download.err" ) && return 0
	fi
	( apt-get update -qq && cd "$dir" &&
		apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null 2>>"$dir/download.err" ) && return 0
	trixie_update && ( cd "$dir" && trixie_apt apt-get download -q "$pkg" >/dev/null 2>>"$dir/download.err" )
}

fetch_deb() {
	local pkg=$1 dir=$2 deb
	deb=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -1)
	if [ -z "$deb" ]; then
		say "apt-get download $pkg"
		download "$pkg" "$dir" || die "apt-get download $pkg failed: $(tail -1 "$dir/download.err")"
		deb=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -1)
	fi
	[ -n "$deb" ] || die "no .deb for $pkg in $dir"
	echo "$deb"
}

# extract_members DEB DIR MEMBER...: those files of the package into DIR.
extract_members() {
	local deb=$1 dir=$2
	shift 2
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" "$@"
}

# vmlinux_of VMLINUZ OUT: the ELF inside a bzImage, found the way the
# kernel's scripts/extract-vmlinux does (look for a compressor's magic,
# decompress from there, keep what is an ELF).
vmlinux_of() {
	local in=$1 out=$2 magic_cmd magic cmd pos
	for magic_cmd in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dcq' '\x1f\x8b\x08:gzip -dc'; do
		magic=${magic_cmd%%:*}
		cmd=${magic_cmd#*:}
		for pos in $(LC_ALL=C grep -aboP "$magic" "$in" | cut -d: -f1 | head -5); do
			tail -c +$((pos + 1)) "$in" | $cmd >"$out.tmp" 2>/dev/null
			if [ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# modinfo_depends KO: the modules it needs, from its .modinfo section.
modinfo_depends() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -1 | tr ',' ' '
}

# prepare_kernel PKG: build/kernels/PKG/{vmlinux or vmlinuz, modules/, release}
prepare_kernel() {
	local pkg=$1 dir=$KROOT/$1 deb rel tmp want m f ko added
	mkdir -p "$dir"
	if [ -s "$dir/release" ] && [ -s "$dir/modules/order" ] &&
		[ "$(cat "$dir/modules/wanted" 2>/dev/null)" = "$MODULES" ] &&
		{ [ -s "$dir/vmlinux" ] || [ -s "$dir/vmlinuz" ]; }; then
		return 0
	fi
	deb=$(fetch_deb "$pkg" "$dir") || exit 1
	dpkg-deb -c "$deb" | awk '{print $NF}' >"$dir/contents" || die "dpkg-deb -c $deb"
	f=$(grep -m1 '^\./boot/vmlinuz-' "$dir/contents") || die "$pkg holds no /boot/vmlinuz-*"
	rel=${f#./boot/vmlinuz-}
	tmp=$(mktemp -d "$dir/unpack.XXXXXX")
	extract_members "$deb" "$tmp" "$f" "./boot/config-$rel" || die "cannot unpack $f from $deb"
	cp "$tmp/boot/config-$rel" "$dir/config"
	rm -f "$dir/vmlinux" "$dir/vmlinuz"
	# PVH entry: qemu boots the ELF directly, skipping the kernel's own
	# decompression (15 s and more under emulation)
	if grep -qx 'CONFIG_PVH=y' "$dir/config" && vmlinux_of "$tmp/$f" "$dir/vmlinux"; then
		:
	else
		say "$pkg: no PVH entry or no vmlinux inside; booting the bzImage (slow under emulation)"
		cp "$tmp/$f" "$dir/vmlinuz"
	fi

	# modules, and what they depend on, until nothing new is needed
	rm -rf "$dir/modules"
	mkdir -p "$dir/modules"
	want=$MODULES
	declare -A path=() deps=()
	for _ in 1 2 3 4 5 6 7 8; do	# dependency depth: a few rounds at most
		local members=()
		for m in $want; do
			[ -n "${path[$m]+x}" ] && continue
			local re=${m//[-_]/[-_]}
			f=$(grep -m1 -E "/${re}\.ko(\.xz|\.zst|\.gz)?$" "$dir/contents") || f=
			path[$m]=$f
			[ -n "$f" ] && members+=("$f")
		done
		[ ${#members[@]} -eq 0 ] && break
		extract_members "$deb" "$tmp" "${members[@]}" || die "cannot unpack modules from $deb"
		added=
		for f in "${members[@]}"; do
			m=${f##*/}
			m=${m%%.ko*}
			m=${m//-/_}
			ko=$dir/modules/$m.ko
			case $f in
			*.xz) xz -dc "$tmp/$f" >"$ko" ;;
			*.zst) zstd -dcq "$tmp/$f" >"$ko" ;;
			*.gz) gzip -dc "$tmp/$f" >"$ko" ;;
			*) cp "$tmp/$f" "$ko" ;;
			esac || die "cannot decompress $f"
			deps[$m]=$(modinfo_depends "$ko")
			added="$added ${deps[$m]}"
		done
		want="$want $added"
	done
	rm -rf "$tmp"

	# load order: every module after what it depends on
	local -A seen=()
	local order=()
	visit() {
		local m=${1//-/_} d
		[ -n "${seen[$m]+x}" ] && return
		seen[$m]=1
		if [ -z "${path[$m]:-}" ]; then
			echo "$m" >>"$dir/modules/builtin"	# not in the package: built in
			return
		fi
		for d in ${deps[$m]:-}; do
			visit "$d"
		done
		order+=("$m.ko")
	}
	for m in $MODULES; do
		visit "$m"
	done
	printf '%s\n' "${order[@]}" >"$dir/modules/order"
	echo "$MODULES" >"$dir/modules/wanted"
	echo "$rel" >"$dir/release"
}

# The initramfs: the static init and the modules; nothing else.
make_initramfs() {
	local dir=$1 stage
	stage=$(mktemp -d "$KROOT/initramfs.XXXXXX")
	mkdir -p "$stage/modules" "$stage/dev" "$stage/newroot"
	cp "$KROOT/init" "$stage/init"
	cp "$dir/modules/"*.ko "$dir/modules/order" "$stage/modules/"
	( cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner 0:0 --quiet ) >"$dir/initramfs.cpio" ||
		die "cpio failed"
	rm -rf "$stage"
}

# --- qemu ---------------------------------------------------------------

# qemu_args DIR ACCEL RUNDIR COMMAND...: QEMU_ARGS to boot DIR's kernel
# and run COMMAND in it, the console into RUNDIR/console.log.
qemu_args() {
	local dir=$1 accel=$2 run=$3 kernel cpu append
	shift 3
	kernel=$dir/vmlinux
	[ -s "$kernel" ] || kernel=$dir/vmlinuz
	case $accel in
	kvm) cpu=host ;;
	*) cpu=max ;;
	esac
	mkdir -p "$run"
	rm -f "$run/rc"
	: >"$run/console.log"
	# the guest's init gets its command and paths on the kernel command
	# line: a blank would split them, and x86 keeps 2048 bytes of it
	local a
	for a in "$ROOT" "$@"; do
		[[ $a != *[[:space:]]* ]] || die "a path for the guest holds a blank: '$a'"
	done
	append="console=ttyS0 loglevel=4 panic=-1 mitigations=off MXGW_CHECKOUT=$ROOT MXGW_RESULT=$run/rc -- $*"
	[ ${#append} -lt 2000 ] || die "the guest's command line is too long (${#append} bytes): fewer or shorter TEST paths"
	QEMU_ARGS=(-M pc -accel "$accel" -cpu "$cpu" -m "$MEM" -smp "$SMP"
		-nodefaults -no-user-config -display none -no-reboot
		-kernel "$kernel" -initrd "$dir/initramfs.cpio"
		-append "$append"
		-serial "file:$run/console.log"
		-fsdev "local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap"
		-device "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot"
		-fsdev "local,id=checkout,path=$ROOT,security_model=none,multidevs=remap"
		-device "virtio-9p-pci,fsdev=checkout,mount_tag=checkout")
}

# KVM only if a guest really boots under it: /dev/kvm may exist yet run
# nothing but kernels built for it (a boot that stops or hangs).
pick_accel() {
	local dir=$1 probe=$KROOT/probe-kvm cache
	case $ACCEL in
	kvm | tcg) echo "$ACCEL"; return ;;
	esac
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		echo tcg
		return
	fi
	cache=$KROOT/accel.$(uname -r).$(basename "$dir")
	if [ -s "$cache" ]; then
		cat "$cache"
		return
	fi
	say "probing KVM (a boot that does nothing; up to 20 s)"
	qemu_args "$dir" kvm "$probe" /bin/true
	timeout -k 2 20 qemu-system-x86_64 "${QEMU_ARGS[@]}" </dev/null >"$probe/qemu.log" 2>&1
	if [ "$(cat "$probe/rc" 2>/dev/null)" = 0 ]; then
		echo kvm | tee "$cache"
	else
		echo tcg | tee "$cache"
	fi
}

# --- one kernel ---------------------------------------------------------

# an interrupted run takes its guest down with it
QEMU_PID=
trap '[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null; exit 130' INT TERM

results=()
total_p=0 total_f=0 total_s=0

record() {	# record NAME HOW SECONDS SUMMARY-LINE
	local p=0 f=1 s=0
	if [[ $4 =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[3]}
	fi
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
	results+=("$(printf '%-24s %-26s %5ss  %s' "$1" "$2" "$3" "$4")")
}

run_host() {
	local run=$KROOT/host/run t0 rc line
	rm -rf "$run"
	echo "=== kernel $(uname -r) (host, no VM)"
	t0=$SECONDS
	bash "$HERE/guest.sh" "$run" "${tests[@]}"
	rc=$?
	cat "$run/output.log"
	line=$(cat "$run/summary" 2>/dev/null)
	[ "$rc" -ne 0 ] && ! [[ $line =~ [1-9][0-9]*\ failed ]] && line="0 passed, 1 failed, 0 skipped"
	record "$(uname -r)" "host" $((SECONDS - t0)) "${line:-0 passed, 1 failed, 0 skipped}"
}

run_vm() {
	local pkg=$1 dir run rel accel t0 rc line
	case $pkg in
	default) pkg=$(resolve_default) ;;
	trixie) pkg=$(resolve_trixie) ;;
	esac
	case $pkg in
	linux-image-*) ;;
	*) die "$pkg: not a kernel image package (linux-image-...)" ;;
	esac
	dir=$KROOT/$pkg
	run=$dir/run
	t0=$SECONDS
	prepare_kernel "$pkg"
	make_initramfs "$dir"
	rel=$(cat "$dir/release")
	accel=$(pick_accel "$dir")
	rm -rf "$run"
	mkdir -p "$run"
	echo "=== kernel $rel ($pkg $(dpkg-deb -f "$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -1)" Version), qemu $accel)"
	qemu_args "$dir" "$accel" "$run" /bin/bash "$HERE/guest.sh" "$run" "${tests[@]}"
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 "${QEMU_ARGS[@]}" </dev/null >"$run/qemu.log" 2>&1 &
	QEMU_PID=$!
	# progress: the guest's one line per test, as the console gets it
	tail -s 0.3 -n +1 -F --pid="$QEMU_PID" "$run/console.log" 2>/dev/null | grep --line-buffered '^mxgw-'
	wait "$QEMU_PID"
	rc=$?
	QEMU_PID=
	[ -f "$run/output.log" ] && cat "$run/output.log"
	line=$(cat "$run/summary" 2>/dev/null)
	if [ ! -s "$run/rc" ]; then
		if [ "$rc" -eq 124 ]; then
			echo "kernels: $rel: the guest did not finish within ${TIMEOUT}s (MXGW_KERNEL_TIMEOUT)"
		else
			echo "kernels: $rel: the guest reported no exit status (qemu exit $rc: $(tail -3 "$run/qemu.log"))"
		fi
		echo "--- last lines of $run/console.log"
		tail -25 "$run/console.log"
		line="0 passed, 1 failed, 0 skipped"
	elif [ "$(cat "$run/rc")" != 0 ]; then
		if ! [[ $line =~ [1-9][0-9]*\ failed ]]; then
			echo "kernels: $rel: the guest's command exited $(cat "$run/rc")"
			tail -25 "$run/console.log"
			line="0 passed, 1 failed, 0 skipped"
		fi
	fi
	record "$rel" "qemu $accel ${MEM}M ${SMP}cpu" $((SECONDS - t0)) "${line:-0 passed, 1 failed, 0 skipped}"
}

# --- main ---------------------------------------------------------------

need_vm=false
for k in "${kernels[@]}"; do
	[ "$k" = host ] || need_vm=true
done
if $need_vm; then
	bash "$HERE/deps.sh" || die "cannot install the packages qemu needs (tests/kernels/deps.sh)"
fi
mkdir -p "$KROOT"

# What the tests run, built on the host: mxctl and the cmocka programs.
targets=(all)
for t in "${tests[@]}"; do
	case $t in
	build/tests/*) targets+=("$t") ;;
	esac
done
make --no-print-directory "${targets[@]}" || die "make ${targets[*]} failed"
if $need_vm; then
	${CC:-cc} -static -O2 -Wall -Wextra -Werror -o "$KROOT/init" "$HERE/init.c" ||
		die "cannot build the static init (libc6-dev's libc.a?)"
fi

for k in "${kernels[@]}"; do
	if [ "$k" = host ]; then
		run_host
	else
		run_vm "$k"
	fi
done

echo "=== kernels"
printf '%s\n' "${results[@]}"
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
