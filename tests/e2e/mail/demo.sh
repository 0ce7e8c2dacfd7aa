#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make demo: a real mail server behind mxgw, in three network namespaces
# on this machine (see bed-up.sh).  Installs the Debian packages it needs
# (deps.sh), builds mxctl, brings up the bed, loads mxgw with the shipped
# table, then tries every service of the table in both directions with a
# real client, over IPv4 and over IPv6 side by side (the bed is dual-stack),
# and shows what happened next to what the table says, with mxgw's
# counters of each family; then delivers a message from the Internet and
# reads it back over IMAPS, once per family.  Tears everything down at the
# end.
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
  Internet host $NS_INET: $INET and $CLIENT, $INET6 and $CLIENT6,
                remote MX $INET_HOST, DNS, POP3/IMAP, web, LDAP, NNTP
  gateway       $NS_GW: wan0 $PUB (public address) and $WAN6, lan0 $LANGW and $LANGW6;
                mxgw on wan0
  mail server   $NS_MS: $MS and $MS6, $MS_HOST: Postfix, Dovecot, nginx, slapd,
                dnsmasq, NNTP stand-in
  mxgw table:   etc/mxgw.conf with 'public $PUB' instead of $E2E_SHIPPED_PUBLIC, its
                'mailserver6 $MS6' and 'lan6 $LAN6' uncommented
EOF

# --- the table, tried ----------------------------------------------------------

# the verdicts of the loaded config: VERDICT_<name>_<in|out>
while read -r kw name port out in _; do
	[ "$kw" = service ] || continue
	eval "VERDICT_${name}_out=$out VERDICT_${name}_in=$in PORT_${name}=${port}"
done <"$BED_CONF"

# counter SERVICE DIR: "allowed denied allowed6 denied6", packets of the
# service so far over IPv4 (both families' count less IPv6's) and IPv6
counter() {
	mx_json=$(bed_mx status -j 2>/dev/null)
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])["interfaces"][0]
s = next(s for s in d["services"] if s["name"] == sys.argv[2])
both, v6 = s[sys.argv[3]], s[sys.argv[3] + "6"]
a6, d6 = v6["allowed"]["packets"], v6["denied"]["packets"]
print(both["allowed"]["packets"] - a6, both["denied"]["packets"] - d6, a6, d6)
' "$mx_json" "$1" "$2" 2>/dev/null || echo "? ? ? ?"
}

# outcome WANT RESULT DETAIL A0 A1 D0 D1: GOT, WHAT and COUNT of a try (A
# and D the packets its family's allowed and denied counts had before
# and have after); MARK, and one more mismatch, if it is not what the
# table says
outcome() {
	case $2 in
	answered) GOT=allow WHAT=$3 ;;
	"timed out") GOT=deny WHAT="timed out: no answer in ${BED_DENY_TIMEOUT}s" ;;
	*) GOT=error WHAT="FAILED: $3" ;;
	esac
	WHAT=${WHAT/, Received: from /, from }
	WHAT=${WHAT:0:46}
	if [ "$4" = "?" ] || [ "$5" = "?" ]; then
		COUNT="?"
	elif [ "$GOT" = allow ]; then
		COUNT="+$(($5 - $4)) allowed"
	else
		COUNT="+$(($7 - $6)) denied"
	fi
	MARK=
	if [ "$GOT" != "$1" ]; then
		MARK=" <-- the table says $1"
		mismatches=$((mismatches + 1))
	fi
	rows=$((rows + 1))
}

say "the shipped table, tried with real clients, over IPv4 and over IPv6"
cat <<EOF
  in:  from the Internet host: over IPv4 from $CLIENT to the public address $PUB,
       over IPv6 from $CLIENT6 to the mail server's own $MS6 (routed)
  out: from the mail server to the Internet host's $INET and $INET6
EOF
fmt='%-6s %-8s %-4s %-5s %-17s %-46s %-13s %-46s %s\n'
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" service port dir table "tried with" "IPv4: what happened" "mxgw counted" \
	"IPv6: what happened" "mxgw counted"
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" ------- -------- ---- ----- ----------------- \
	---------------------------------------------- ------------- \
	---------------------------------------------- -------------
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
		case $client in
		relay) with="Postfix relay, MX" ;;
		smtp) with="swaks" ;;
		smtps) with="swaks --tlsc" ;;
		pop3 | pop3s | imap | imaps | http | https) with="curl $client://" ;;
		ldap | ldaps) with="ldapsearch $client" ;;
		nntp) with="nntplib" ;;
		nntps) with="nntplib, TLS" ;;
		dns-udp) with="dig" ;;
		dns-tcp) with="dig +tcp" ;;
		esac
		read -r a0 d0 a60 d60 <<<"$(counter "$svc" "$dir")"
		BED_FAMILY=4 bed_try "$client" "$dir"
		r4=$TRY_RESULT t4=$TRY_DETAIL
		BED_FAMILY=6 bed_try "$client" "$dir"
		r6=$TRY_RESULT t6=$TRY_DETAIL
		read -r a1 d1 a61 d61 <<<"$(counter "$svc" "$dir")"
		outcome "$want" "$r4" "$t4" "$a0" "$a1" "$d0" "$d1"
		what4=$WHAT count4=$COUNT mark=$MARK
		outcome "$want" "$r6" "$t6" "$a60" "$a61" "$d60" "$d61"
		mark=${mark:-$MARK}
		# shellcheck disable=SC2059
		printf "$fmt" "$svc" "$port" "$dir" "$want" "$with" "$what4" "$count4" "$WHAT" "$COUNT$mark"
	done
done
echo "(mxgw counted: packets the service's counter of that family gained during the try; incoming"
echo " counts every packet of the connection, outgoing the packet that opens a flow)"
if [ $mismatches -eq 0 ]; then
	echo "all $rows tries came out as the table says"
else
	echo "$mismatches of $rows tries did NOT come out as the table says"
fi

say "mxgw's view (mxctl status on the gateway)"
bed_mx status | awk '{print "  " $0} /^  dns / {getline; print "  " $0; exit}'

# --- a message from the Internet, read back over IMAPS -------------------------

# message FAMILY DST CLIENT: swaks from CLIENT to DST:25, then the message
# read back over IMAPS from DST; 0 if it came back
message() {
	local fam=$1 dst=$2 client=$3 url token uid
	url=$(bed_url_host "$dst")
	token="hello-from-the-internet-over-ipv$fam-$RANDOM$RANDOM"
	say "a message from the Internet to $MS_USER@$MS_DOMAIN over IPv$fam, read back over IMAPS"
	echo "\$ swaks --server $url:25 --from $INET_USER@$INET_DOMAIN --to $MS_USER@$MS_DOMAIN   (on the Internet host, from $client)"
	nsenter --net="/run/netns/$NS_INET" -- swaks --server "$url" --port 25 --local-interface "$client" \
		--helo "client.$INET_DOMAIN" --from "$INET_USER@$INET_DOMAIN" --to "$MS_USER@$MS_DOMAIN" \
		--header "Subject: Hello from the Internet over IPv$fam ($token)" \
		--body "This message came in from $client through mxgw, to $dst." \
		--timeout 10s >"$BED/demo.swaks" 2>&1
	grep -E '^(<-  250 2.0.0|<\*\*|\*\*\*)' "$BED/demo.swaks" | sed 's/^/  /'
	if ! bed_wait_mail ms "$MS_USER" "$token" >/dev/null; then
		echo "  FAILED: the message did not reach the mailbox within ${BED_MAIL_TIMEOUT}s"
		return 1
	fi
	uid=$(nsenter --net="/run/netns/$NS_INET" -- curl -sS --cacert "$CA" -u "$MS_USER:$MAIL_PASS" \
		"imaps://$url/INBOX" -X "UID SEARCH SUBJECT $token" | tr -d '\r' | awk '/^\* SEARCH/ {print $3}')
	echo "\$ curl --cacert ca.pem -u $MS_USER:... 'imaps://$url/INBOX;UID=$uid'   (on the Internet host)"
	if [ -n "$uid" ] && nsenter --net="/run/netns/$NS_INET" -- curl -sS --cacert "$CA" \
		-u "$MS_USER:$MAIL_PASS" "imaps://$url/INBOX;UID=$uid" >"$BED/demo.msg" 2>&1 &&
		grep -q "$token" "$BED/demo.msg"; then
		tr -d '\r' <"$BED/demo.msg" | grep -v '^X-Mailer' | sed 's/^/  | /'
		return 0
	fi
	echo "  FAILED: could not read the message back over IMAPS: $(head -c 200 "$BED/demo.msg" 2>/dev/null)"
	return 1
}

delivered=0
message 4 "$PUB" "$CLIENT" && delivered=$((delivered + 1))
message 6 "$MS6" "$CLIENT6" && delivered=$((delivered + 1))

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
  and over IPv6:                 nsenter --net=/run/netns/$NS_INET \\
                                     swaks --server [$MS6] --to $MS_USER@$MS_DOMAIN
  logs and configs:              $BED/{ms,inet}/  (maillog, dovecot.log, nginx/, slapd/)
  tear it down:                  $BED_LIBDIR/bed-down.sh $BED
EOF
else
	say "tearing the bed down"
	"$BED_LIBDIR/bed-down.sh" "$MXGW_BED" | sed 's/^bed-down: /  /'
fi
if [ $mismatches -eq 0 ] && [ "$delivered" -eq 2 ]; then
	echo "demo: ok"
	exit 0
fi
echo "demo: FAILED"
exit 1
