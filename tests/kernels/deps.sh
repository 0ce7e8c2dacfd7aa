#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The Debian packages that tests/kernels/run.sh needs on top of the
# project's own (make deps): qemu to boot the kernels, xz/zstd to unpack
# vmlinuz, cpio for the initramfs, a static libc for its init.
# Idempotent: installs only what is missing, and says nothing when nothing is.
set -eu

PKGS="qemu-system-x86 xz-utils zstd cpio libc6-dev gcc"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "  DEPS    missing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "tests/kernels: installing$missing needs root (apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # a list of packages
apt-get install -y -qq --no-install-recommends $missing
