#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make demo: a real mail server behind mxgw, in three network namespaces
# on this machine (see bed-up.sh).  Installs the Debian packages it needs
# (deps.sh), builds mxctl, brings up the bed, loads mxgw with the shipped
# table, then tries every service of the table in both directions with a
# real client and shows what happened next to what the table says, with
# mxgw's counters; then delivers a message from the Internet and reads it
# back over IMAPS.  Tears everything down at the end.
#
#   demo.sh [--keep]   --keep: leave the bed up, and print how to enter it
#                      and how to tear it down
#   MXCTL=PATH         use this mxctl instead of building build/mxctl
#
# Exit 0 when every try came out as the table says, 1 otherwise.
set -u

# MXCTL=PATH in the environment: use that mxctl, build nothing
GIVEN_MXCTL=${MXCTL:-}
# shellcheck source=tests/e2e/mail/bedlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bedlib.sh"

KEEP=
case ${1:-} in
--keep) KEEP=1 ;;
"") ;;
*) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (network namespaces, BPF)" >&2; exit 1; }

say() { printf '\n== %s\n' "$*"; }

say "installing the test bed's Debian packages (if missing) and building mxctl"
"$BED_LIBDIR/deps.sh" || exit 1
if [ -z "$GIVEN_MXCTL" ]; then
	make -C "$E2E_ROOT" --no-print-directory >/dev/null || {
		echo "demo: make failed (missing build dependencies? run: make deps)" >&2
		exit 1
	}
fi
echo "  packages: $("$BED_LIBDIR/deps.sh" --list)"
echo "  mxctl:    $MXCTL"

say "bringing up the test bed: Internet host, gateway running mxgw, mail server"
MXGW_BED=$(mktemp -u /tmp/mxgw-mailbed.XXXXXX)
export MXGW_BED
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -z "$KEEP" ] && [ -d "$MXGW_BED" ]; then
		"$BED_LIBDIR/bed-down.sh" "$MXGW_BED" >/dev/null || echo "demo: bed-down failed for $MXGW_BED" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$BED_LIBDIR/bed-up.sh" >/dev/null 2>"$MXGW_BED.up.log"
rc=$?
sed 's/^bed-up: /  /' "$MXGW_BED.up.log"
rm -f "$MXGW_BED.up.log"
[ $rc -eq 0 ] || { echo "demo: the test bed did not come up" >&2; exit 1; }
bed_load_env "$MXGW_BED" || exit 1
# shellcheck source=tests/e2e/mail/clients.sh
. "$BED_LIBDIR/clients.sh"

cat <<EOF
  Internet host $NS_INET: $INET and $CLIENT, remote MX $INET_HOST, DNS, POP3/IMAP, web, LDAP, NNTP
  gateway       $NS_GW: wan0 $PUB (public address), lan0 $LANGW; mxgw on wan0
  mail server   $NS_MS: $MS, $MS_HOST: Postfix, Dovecot, nginx, slapd, dnsmasq, NNTP stand-in
  mxgw table:   etc/mxgw.conf with 'public $PUB' instead of $E2E_SHIPPED_PUBLIC
EOF

# --- the table, tried ----------------------------------------------------------

# the verdicts of the loaded config: VERDICT_<name>_<in|out>
while read -r kw name port out in _; do
	[ "$kw" = service ] || continue
	eval "VERDICT_${name}_out=$out VERDICT_${name}_in=$in PORT_${name}=${port}"
done <"$BED_CONF"

# counter SERVICE DIR: "allowed denied" packets of the service so far
counter() {
	mx_json=$(bed_mx status -j 2>/dev/null)
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])["interfaces"][0]
s = next(s for s in d["services"] if s["name"] == sys.argv[2])
print(s[sys.argv[3]]["allowed"]["packets"], s[sys.argv[3]]["denied"]["packets"])
' "$mx_json" "$1" "$2" 2>/dev/null || echo "? ?"
}

say "the shipped table, tried with real clients (in: from the Internet host to $PUB, out: from the mail server)"
fmt='%-6s %-8s %-4s %-6s %-22s %-54s %s\n'
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" service port dir table "tried with" "what happened" "mxgw counted"
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" ------- -------- ---- ----- ---------------------- \
	------------------------------------------------------ ------------
mismatches=0
rows=0
for row in smtp:25 smtps:465 pop3:110 pop3s:995 imap:143 imaps:993 nntp:119 nntps:563 \
	ldap:389 ldaps:636 http:80 https:443 dns-udp:53/udp dns-tcp:53/tcp; do
	try=${row%%:*} port=${row#*:}
	svc=${try%%-*}
	for dir in in out; do
		want="?"
		eval "want=\${VERDICT_${svc}_${dir}:-?}"
		client=$try
		[ "$svc" = smtp ] && [ "$dir" = out ] && client=relay
		read -r a0 d0 <<<"$(counter "$svc" "$dir")"
		bed_try "$client" "$dir"
		read -r a1 d1 <<<"$(counter "$svc" "$dir")"
		case $client in
		relay) with="Postfix relay, MX" ;;
		smtp) with="swaks" ;;
		smtps) with="swaks --tlsc" ;;
		pop3 | pop3s | imap | imaps | http | https) with="curl $client://" ;;
		ldap | ldaps) with="ldapsearch $client://" ;;
		nntp) with="nntplib" ;;
		nntps) with="nntplib, TLS" ;;
		dns-udp) with="dig" ;;
		dns-tcp) with="dig +tcp" ;;
		esac
		case $TRY_RESULT in
		answered) got=allow what=$TRY_DETAIL ;;
		"timed out") got=deny what="timed out: no answer in ${BED_DENY_TIMEOUT}s" ;;
		*) got=error what="FAILED: $TRY_DETAIL" ;;
		esac
		if [ "$a0" = "?" ] || [ "$a1" = "?" ]; then
			count="?"
		elif [ "$got" = allow ]; then
			count="+$((a1 - a0)) allowed"
		else
			count="+$((d1 - d0)) denied"
		fi
		mark=
		if [ "$got" != "$want" ]; then
			mark="  <-- the table says $want"
			mismatches=$((mismatches + 1))
		fi
		rows=$((rows + 1))
		# shellcheck disable=SC2059
		printf "$fmt" "$svc" "$port" "$dir" "$want" "$with" "${what:0:54}" "$count$mark"
	done
done
echo "(mxgw counted: packets the service's counter gained during the try; incoming counts every"
echo " packet of the connection, outgoing the packet that opens a flow)"
if [ $mismatches -eq 0 ]; then
	echo "all $rows tries came out as the table says"
else
	echo "$mismatches of $rows tries did NOT come out as the table says"
fi

say "mxgw's view (mxctl status on the gateway)"
bed_mx status | sed -n '1,/^  dns /p' | sed 's/^/  /'

# --- a message from the Internet, read back over IMAPS -------------------------

say "a message from the Internet to $MS_USER@$MS_DOMAIN, read back over IMAPS"
token="hello-from-the-internet-$RANDOM$RANDOM"
echo "\$ swaks --server $PUB:25 --from $INET_USER@$INET_DOMAIN --to $MS_USER@$MS_DOMAIN   (on the Internet host, from $CLIENT)"
nsenter --net="/run/netns/$NS_INET" -- swaks --server "$PUB" --port 25 --local-interface "$CLIENT" \
	--helo "client.$INET_DOMAIN" --from "$INET_USER@$INET_DOMAIN" --to "$MS_USER@$MS_DOMAIN" \
	--header "Subject: Hello from the Internet ($token)" \
	--body "This message came in from $CLIENT through mxgw at $PUB." \
	--timeout 10s >"$BED/demo.swaks" 2>&1
grep -E '^(<-  250 2.0.0|<\*\*|\*\*\*)' "$BED/demo.swaks" | sed 's/^/  /'
delivered=
if bed_wait_mail ms "$MS_USER" "$token" >/dev/null; then
	uid=$(nsenter --net="/run/netns/$NS_INET" -- curl -sS --cacert "$CA" -u "$MS_USER:$MAIL_PASS" \
		"imaps://$PUB/INBOX" -X "UID SEARCH SUBJECT $token" | tr -d '\r' | awk '/^\* SEARCH/ {print $3}')
	echo "\$ curl --cacert ca.pem -u $MS_USER:... 'imaps://$PUB/INBOX;UID=$uid'   (on the Internet host)"
	if [ -n "$uid" ] && nsenter --net="/run/netns/$NS_INET" -- curl -sS --cacert "$CA" \
		-u "$MS_USER:$MAIL_PASS" "imaps://$PUB/INBOX;UID=$uid" >"$BED/demo.msg" 2>&1 &&
		grep -q "$token" "$BED/demo.msg"; then
		tr -d '\r' <"$BED/demo.msg" | grep -v '^X-Mailer' | sed 's/^/  | /'
		delivered=1
	else
		echo "  FAILED: could not read the message back over IMAPS: $(head -c 200 "$BED/demo.msg" 2>/dev/null)"
	fi
else
	echo "  FAILED: the message did not reach the mailbox within ${BED_MAIL_TIMEOUT}s"
fi

# --- the end -------------------------------------------------------------------

if [ -n "$KEEP" ]; then
	say "the bed stays up (--keep)"
	cat <<EOF
  a shell on the Internet host:  nsenter --net=/run/netns/$NS_INET bash
  a shell on the mail server:    nsenter --net=/run/netns/$NS_MS bash
  mxctl on the gateway:          nsenter --mount=$BED_MNTNS --net=/run/netns/$NS_GW \\
                                     $MXCTL -c $BED_CONF status
  try it (Internet host):        nsenter --net=/run/netns/$NS_INET \\
                                     swaks --server $PUB --to $MS_USER@$MS_DOMAIN
  logs and configs:              $BED/{ms,inet}/  (maillog, dovecot.log, nginx/, slapd/)
  tear it down:                  $BED_LIBDIR/bed-down.sh $BED
EOF
else
	say "tearing the bed down"
	"$BED_LIBDIR/bed-down.sh" "$MXGW_BED" | sed 's/^bed-down: /  /'
fi
if [ $mismatches -eq 0 ] && [ -n "$delivered" ]; then
	echo "demo: ok"
	exit 0
fi
echo "demo: FAILED"
exit 1
