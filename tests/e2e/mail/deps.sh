#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Install the Debian 12 packages of the mail test bed (tests/e2e/mail/):
# the real servers that run inside its namespaces and the real clients
# that test them.  Idempotent: when everything is installed it prints
# nothing and changes nothing.
#
#   deps.sh          install what is missing
#   deps.sh --list   print the package list (one line) and exit
#
# The packages must not turn into services of the host: while apt-get
# runs, a policy-rc.d forbids every service start (unless the host has
# one already), postfix and slapd are preseeded to stay unconfigured,
# and the services of the packages installed here are disabled at boot
# afterwards.  Nothing here touches the host's interfaces: every server
# of the bed runs inside a namespace with its own configuration.
#
# tests/scripts/test_deps.sh runs it with stubs of apt-get, dpkg-query,
# debconf-set-selections, systemctl and update-rc.d on PATH and a private
# /usr/sbin: keep every command it runs in that list or among the plain
# tools linked there.
set -eu

PACKAGES="postfix dovecot-imapd dovecot-pop3d nginx slapd ldap-utils
	dnsmasq-base bind9-dnsutils swaks libnet-ssleay-perl libio-socket-inet6-perl curl openssl ca-certificates
	python3 iproute2 ethtool procps fail2ban openssh-server openssh-client"
# the services those packages would start on the host
SERVICES="postfix dovecot nginx slapd fail2ban ssh"

if [ "${1:-}" = --list ]; then
	# shellcheck disable=SC2086 # split on purpose: the names on one line
	echo $PACKAGES
	exit 0
fi

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

[ "$(id -u)" -eq 0 ] || { echo "deps.sh: needs root to install:$missing" >&2; exit 1; }
echo "  DEPS    installing:$missing"

policy=/usr/sbin/policy-rc.d
own_policy=
# an EXIT trap's last status becomes the script's: with a policy of the
# host's own (every Docker-derived image has one) a bare "[ ] && rm" would
# fail the run that installed everything
cleanup() {
	if [ -n "$own_policy" ]; then
		rm -f "$policy"
	fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# mxgw tests/e2e/mail/deps.sh: no service starts during apt-get\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi

# services installed by this run, disabled at boot afterwards
new_services=
for s in $SERVICES; do
	case $s in
	nginx) p=nginx-common ;;
	dovecot) p=dovecot-core ;;
	ssh) p=openssh-server ;;
	*) p=$s ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		new_services="$new_services $s"
done

debconf-set-selections <<'SEL'
postfix postfix/main_mailer_type select No configuration
slapd slapd/no_configuration boolean true
SEL

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/mxgw-deps.XXXXXX)
# shellcheck disable=SC2086 # a list of packages
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing; } >"$log" 2>&1; then
	tail -20 "$log" >&2
	rm -f "$log"
	echo "deps.sh: apt-get failed" >&2
	exit 1
fi
rm -f "$log"

for s in $new_services; do
	if [ -d /run/systemd/system ]; then
		systemctl stop "$s" >/dev/null 2>&1 || true
	fi
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable --quiet "$s" >/dev/null 2>&1 || true
	fi
	update-rc.d "$s" disable >/dev/null 2>&1 || true
done
echo "  DEPS    installed; services of the host left stopped and disabled:${new_services:- none}"
