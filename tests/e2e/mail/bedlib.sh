# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The mail test bed's names, addresses and helpers, shared by bed-up.sh,
# bed-down.sh, test_mail.sh and demo.sh.  It sources tests/e2e/lib.sh for
# the addresses of the topology and the ok/fail/summary conventions.
#
# A bed lives in one directory, $BED (/tmp/mxgw-mailbed.XXXXXX, or what
# MXGW_BED names).  $BED/bed.env records everything bed-down.sh needs to
# remove it: the namespace names, the persistent mount namespace that
# holds the bed's own bpffs (mxgw's pins), and the temp directory itself.
#
#   Internet host  $NS_INET  eth0 203.0.113.1/24, 198.51.100.7/32, .8/32,
#                            2001:db8:1::1/64, 2001:db8:51::7/128, ::8/128
#                            remote MX "mx.remote.example", DNS, POP3/IMAP,
#                            HTTP(S), LDAP(S), NNTP(S) for the outgoing way
#   gateway        $NS_GW    wan0 203.0.113.33/24, 2001:db8:1::33/64 (mxgw),
#                            lan0 192.168.1.1/24, 2001:db8:168::1/64
#   mail server    $NS_MS    eth0 192.168.1.10/24, 2001:db8:168::10/64:
#                            Postfix, Dovecot, nginx, slapd, NNTP stand-in;
#                            mail domain example.test
# Dual-stack: every server listens on both addresses of its host.  IPv6 is
# routed, not translated (the addresses of tests/e2e/lib.sh's
# e2e_topology6_up): the Internet reaches the mail server at its own
# 2001:db8:168::10, mailserver6 in the gateway's config.

# shellcheck disable=SC2034 # for the scripts that source this file
true
# shellcheck source=tests/e2e/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
BED_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PUB=$E2E_PUBLIC				# 203.0.113.33
INET=$E2E_INET_ADDR			# 203.0.113.1
CLIENT=$E2E_CLIENT1			# 198.51.100.7: the Internet's mail client
MS=$E2E_MAILSERVER			# 192.168.1.10
LANGW=$E2E_LAN_GW			# 192.168.1.1
WAN6=$E2E_WAN6				# 2001:db8:1::33
INET6=$E2E_INET6			# 2001:db8:1::1
CLIENT6=$E2E_CLIENT1_6			# 2001:db8:51::7: the Internet's mail client
CLIENTS6=$E2E_CLIENTS6			# 2001:db8:51::/48
MS6=$E2E_MAILSERVER6			# 2001:db8:168::10 = mailserver6
LANGW6=$E2E_LAN_GW6			# 2001:db8:168::1
LAN6=$E2E_LAN6				# 2001:db8:168::/64

MS_DOMAIN=example.test
MS_HOST=mail.example.test
INET_DOMAIN=remote.example
INET_HOST=mx.remote.example
# a second domain of the Internet host whose MX has an AAAA record only:
# the mail server's Postfix relays to it over IPv6 (it prefers IPv4
# where a host has both, smtp_address_preference)
INET6_DOMAIN=remote6.example
INET6_HOST=mx6.remote.example
GW_HOST=gw.example.test
MS_USER=alice
INET_USER=bob
MAIL_PASS=mxgw-test-pw
# the uid that owns the test mailboxes (no user is added to the host)
MAIL_UID=65534
MAIL_GID=65534

# Bounded waits: a server has this long to come up, a message this long
# to reach a mailbox, a connection that must fail this long to be refused.
BED_START_TIMEOUT=${BED_START_TIMEOUT:-20}
BED_MAIL_TIMEOUT=${BED_MAIL_TIMEOUT:-30}
BED_DENY_TIMEOUT=${BED_DENY_TIMEOUT:-2}

# bed_load_env [BED]: read $BED/bed.env (BED from the argument, from
# MXGW_BED, or the only bed there is).  Returns 1 if there is none.
bed_load_env() {
	local b=${1:-${MXGW_BED:-}} found=()
	if [ -z "$b" ]; then
		for b in /tmp/mxgw-mailbed.*; do
			[ -f "$b/bed.env" ] && found+=("$b")
		done
		if [ ${#found[@]} -ne 1 ]; then
			[ ${#found[@]} -gt 1 ] && echo "more than one bed: ${found[*]}; name one (MXGW_BED=DIR or an argument)" >&2
			return 1
		fi
		b=${found[0]}
	fi
	[ -f "$b/bed.env" ] || return 1
	# shellcheck source=/dev/null
	. "$b/bed.env"
}

# bed_exec NS CMD...: run CMD in namespace NS as a server of that host
# sees it: its network namespace, its own host name (a UTS namespace),
# and a mount namespace of its own in which /etc/resolv.conf and
# /etc/hosts are the host's files from $BED/NS.etc (what "ip netns exec"
# does with /etc/netns, without writing to the machine's /etc).  Daemons
# started so keep that view.
bed_exec() {
	local ns=$1 etc=$BED/$1.etc
	shift
	# shellcheck disable=SC2016 # $1 is the inner shell's: bed_exec's $etc
	nsenter --net="/run/netns/$ns" -- unshare --mount --uts --propagation private -- \
		/bin/sh -c 'mount --bind "$1/resolv.conf" /etc/resolv.conf &&
			mount --bind "$1/hosts" /etc/hosts &&
			hostname "$(cat "$1/hostname")" &&
			shift && exec "$@"' bed_exec "$etc" "$@"
}

# mxctl in the gateway's network namespace and in the bed's mount
# namespace, whose /sys/fs/bpf is a bpffs of the bed's own: the bed's
# pins never meet the machine's (nor another bed's).
bed_mx() {
	nsenter --mount="$BED_MNTNS" --net="/run/netns/$NS_GW" -- "$MXCTL" -c "$BED_CONF" "$@"
}

# bed_ka_start X: keepalived of gateway X (A: $NS_GW, B: $NS_GWB) of a
# pair bed (MXGW_BED_PAIR=1), in the bed's mount namespace (its hook runs
# mxctl, whose pins are there), with the files of $BED_KA/X.*; returns
# at once (keepalived -n stays in the background, bed-down.sh ends it)
bed_ka_start() {
	local x=$1 ns=$NS_GW
	# shellcheck disable=SC2153 # NS_GWB: bed.env's, of a pair bed
	[ "$x" = B ] && ns=$NS_GWB
	rm -f "$BED_KA/$x.pid" "$BED_KA/$x.vrrp.pid"
	MXGW_MXCTL=$MXCTL MXGW_CONF=$BED_CONF MXGW_NOTIFY_LOG=$BED_KA/$x.notify \
		nsenter --mount="$BED_MNTNS" --net="/run/netns/$ns" -- setsid \
		keepalived -n -l -D -P -f "$BED_KA/$x.conf" -p "$BED_KA/$x.pid" -r "$BED_KA/$x.vrrp.pid" \
		</dev/null >>"$BED_KA/$x.log" 2>&1 &
}

# bed_listening NS PROTO ADDR:PORT...: every ADDR:PORT is bound in NS
# (PROTO t or u; an IPv6 ADDR in brackets, as ss prints it).
bed_listening() {
	local ns=$1 proto=$2 have a any
	shift 2
	have=$(nsenter --net="/run/netns/$ns" -- ss -Hn -l"$proto" 2>/dev/null | awk '{print $4}')
	for a in "$@"; do
		any=0.0.0.0
		[[ $a == \[* ]] && any='[::]'
		grep -qxF "$a" <<<"$have" || grep -qxF "$any:${a##*:}" <<<"$have" || return 1
	done
}

# bed_url_host ADDR: ADDR as the host of a URL (an IPv6 one in brackets)
bed_url_host() {
	case $1 in
	*:*) echo "[$1]" ;;
	*) echo "$1" ;;
	esac
}

# bed_wait SECONDS CMD...: poll CMD every 0.1 s until it succeeds; 1 if
# it never did.
bed_wait() {
	local deadline=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# bed_maildir_find HOST USER TOKEN: the file of the delivered message
# that contains TOKEN in USER's Maildir on HOST (ms|inet), or nothing.
bed_maildir_find() {
	grep -rlF -- "$3" "$BED/$1/mail/$2/Maildir/new/" "$BED/$1/mail/$2/Maildir/cur/" 2>/dev/null | head -1
}

bed_has_mail() {
	[ -n "$(bed_maildir_find "$@")" ]
}

# bed_wait_mail HOST USER TOKEN: wait for that message; prints its file.
bed_wait_mail() {
	bed_wait "$BED_MAIL_TIMEOUT" bed_has_mail "$@" || return 1
	bed_maildir_find "$@"
}
