#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Tear down a mail test bed made by bed-up.sh, however far it got: every
# process inside its namespaces, the namespaces (and with them the veths
# and mxgw's programs), the bed's mount namespace (and with it its bpffs
# and mxgw's pins), and its temp directory.
#
#   bed-down.sh [DIR]   DIR: the bed (default: MXGW_BED, else the only
#                       /tmp/mxgw-mailbed.* there is)
# Exit 0 when nothing of the bed is left.
set -u

# shellcheck source=tests/e2e/mail/bedlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bedlib.sh"

bed_load_env "${1:-}" || { echo "bed-down: no bed found${1:+ in $1}" >&2; exit 1; }
case $BED in
/tmp/mxgw-mailbed.* | "${MXGW_BED:-/nonexistent}") ;;
*) [ -n "${1:-}" ] || { echo "bed-down: refusing $BED" >&2; exit 1; } ;;
esac

# the processes in the bed's network namespaces: ours, by their ids
pids_of() {
	local ns
	for ns in "$NS_INET" "$NS_GW" "$NS_MS" ${NS_GWB:-} ${NS_SW:-}; do
		[ -e "/run/netns/$ns" ] && ip netns pids "$ns" 2>/dev/null
	done
}
mapfile -t pids < <(pids_of)
if [ ${#pids[@]} -gt 0 ]; then
	kill -TERM "${pids[@]}" 2>/dev/null
	for _ in $(seq 50); do
		mapfile -t pids < <(pids_of)
		[ ${#pids[@]} -eq 0 ] && break
		sleep 0.1
	done
	[ ${#pids[@]} -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null
	for _ in $(seq 30); do
		mapfile -t pids < <(pids_of)
		[ ${#pids[@]} -eq 0 ] && break
		sleep 0.1
	done
fi

left=
for ns in "$NS_INET" "$NS_GW" "$NS_MS" ${NS_GWB:-} ${NS_SW:-}; do
	if [ -e "/run/netns/$ns" ]; then
		ip netns del "$ns" 2>/dev/null || left="$left netns:$ns"
	fi
done
# the mount namespace: unmounting its file drops the last reference (no
# process is left in it), and its bpffs and pins go with it
if [ -n "${BED_MNTNS:-}" ]; then
	umount "$BED_MNTNS" 2>/dev/null
	umount "$BED/ns" 2>/dev/null
	mountpoint -q "$BED/ns" && left="$left mount:$BED/ns"
fi
[ -z "$left" ] && rm -rf "$BED"
[ -e "$BED" ] && left="$left dir:$BED"
if [ -n "$left" ]; then
	echo "bed-down: could not remove:$left" >&2
	exit 1
fi
echo "bed-down: removed $BED"
