#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The Debian packages that tests/systemd/test_unit.sh needs on top of the
# project's own (make deps): systemd-nspawn to boot the container,
# debootstrap to make its root.  Idempotent: installs only what is
# missing, and says nothing when nothing is.
set -eu

PKGS="systemd-container debootstrap"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "  DEPS    missing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "tests/systemd: installing$missing needs root (apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # a list of packages
apt-get install -y -qq --no-install-recommends $missing
