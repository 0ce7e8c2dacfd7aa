# shellcheck shell=bash
# shellcheck disable=SC2034 # TRY_* are read by the scripts that source this file
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Real clients against the mail test bed, shared by test_mail.sh and
# demo.sh.  Source after bedlib.sh and bed_load_env.
#
# bed_try SERVICE DIR [TOKEN]: one try of SERVICE (smtp, smtps, pop3,
# pop3s, imap, imaps, nntp, nntps, ldap, ldaps, http, https, dns-udp,
# dns-tcp) in direction DIR: "in" from the Internet host to the public
# address, "out" from the mail server to the Internet host.  Over IPv4,
# or over IPv6 when BED_FAMILY=6: "in" to mailserver6 (routed, the mail
# server's own address), "out" to the Internet host's IPv6 address, and
# relay to remote6.example, whose MX has an AAAA record only.  Sets
#   TRY_WITH    the client and what it did, in words
#   TRY_RESULT  answered | timed out | failed
#   TRY_DETAIL  what the client got (or why it failed)
# and returns 0 (answered), 1 (timed out: no answer to the SYN) or 2.
# TRY_OUT may name the file for the client's output (default
# $BED/try.out); TRY_FILE is the delivered message, for smtp and relay.
# TOKEN, for smtp/smtps, is put into the subject and waited for in the
# recipient's mailbox.  The client's whole output is in $BED/try.out.

CA=$BED/tls/ca.pem

BED_FAMILY=${BED_FAMILY:-4}

# the two ends of a direction, in the family BED_FAMILY; DST_URL is DST
# as a URL's host, SRC_CLIENT the Internet's mail client address
# shellcheck disable=SC2153 # MS_DOMAIN, MS_USER: bedlib.sh's, sourced first
_dir() {
	if [ "$1" = in ]; then
		SRC_NS=$NS_INET DST=$PUB DST_DOMAIN=$MS_DOMAIN DST_USER=$MS_USER DST_SITE=ms
		SRC_DOMAIN=$INET_DOMAIN SRC_USER=$INET_USER SRC_HELO=client.$INET_DOMAIN
		SRC_CLIENT=$CLIENT RELAY_DOMAIN=$MS_DOMAIN
		[ "$BED_FAMILY" = 6 ] && DST=$MS6 SRC_CLIENT=$CLIENT6
	else
		SRC_NS=$NS_MS DST=$INET DST_DOMAIN=$INET_DOMAIN DST_USER=$INET_USER DST_SITE=inet
		SRC_DOMAIN=$MS_DOMAIN SRC_USER=$MS_USER SRC_HELO=$MS_HOST
		RELAY_DOMAIN=$INET_DOMAIN
		[ "$BED_FAMILY" = 6 ] && DST=$INET6 RELAY_DOMAIN=$INET6_DOMAIN
	fi
	DST_URL=$(bed_url_host "$DST")
}

# the client address in a Received header: [198.51.100.7] or
# [IPv6:2001:db8:51::7]
_received_from() {
	grep -m1 -oE '\[(IPv6:[0-9a-fA-F:]+|[0-9.]+)\]\)' "$1" | tr -d ')'
}

# run in the source namespace (a plain nsenter: clients need no mount
# namespace of their own, and dig is given its server)
_src() {
	nsenter --net="/run/netns/$SRC_NS" -- "$@"
}

_set() {
	TRY_RESULT=$1 TRY_DETAIL=$2
	case $1 in
	answered) return 0 ;;
	"timed out") return 1 ;;
	*) return 2 ;;
	esac
}

_first() {
	grep -m1 -E "$1" "$TRY_OUT_FILE" | tr -d '\r' | sed 's/^[[:space:]]*//' | cut -c1-"${2:-60}"
}

# curl's exit status in words
_curl_result() {
	case $1 in
	0) _set answered "$2" ;;
	28) _set "timed out" "no answer within ${BED_DENY_TIMEOUT}s" ;;
	7) _set failed "connection refused" ;;
	*) _set failed "curl exit $1: $(_first 'curl:' 70)" ;;
	esac
}

bed_try() {
	local svc=$1 dir=$2 token=${3:-mxbed-$1-$2-$RANDOM} rc t0 f tls='' s=''
	TRY_OUT_FILE=${TRY_OUT:-$BED/try.out}
	local out=$TRY_OUT_FILE
	_dir "$dir"
	case $svc in
	smtps | pop3s | imaps | nntps | ldaps | https) tls=1 s=s ;;
	esac
	# incoming tries come from the Internet's mail client address
	local swaks_src=() curl_src=() dig_src=()
	if [ "$dir" = in ]; then
		swaks_src=(--local-interface "$SRC_CLIENT")
		curl_src=(--interface "$SRC_CLIENT")
		dig_src=(-b "$SRC_CLIENT")
	fi
	: >"$out"
	case $svc in
	smtp | smtps)
		TRY_WITH="swaks${tls:+ --tlsc}, $SRC_USER@$SRC_DOMAIN -> $DST_USER@$DST_DOMAIN"
		_src swaks --server "$DST_URL" --port "$([ -n "$tls" ] && echo 465 || echo 25)" \
			${tls:+--tlsc} "${swaks_src[@]}" \
			--helo "$SRC_HELO" --from "$SRC_USER@$SRC_DOMAIN" --to "$DST_USER@$DST_DOMAIN" \
			--header "Subject: $token" --body "mxgw test bed: $token" \
			--timeout "${BED_DENY_TIMEOUT}s" >"$out" 2>&1
		rc=$?
		if grep -q '^<.* 250 .*queued' "$out"; then
			if f=$(bed_wait_mail "$DST_SITE" "$DST_USER" "$token"); then
				TRY_FILE=$f
				_set answered "delivered${tls:+ (TLS)}, Received: from $(_received_from "$f")"
			else
				_set failed "250 queued, but not in $DST_USER's mailbox after ${BED_MAIL_TIMEOUT}s"
			fi
		elif grep -qi 'connect.*timeout\|timed out' "$out"; then
			_set "timed out" "no answer within ${BED_DENY_TIMEOUT}s"
		else
			_set failed "swaks exit $rc: $(_first '^(\*\*\*|<\*\*)' 70)"
		fi
		;;
	relay)
		# the mail server's Postfix: MX look-up by DNS, then SMTP to the
		# remote MX, both through the gateway
		TRY_WITH="sendmail on the mail server: Postfix relays by MX to $DST_USER@$RELAY_DOMAIN"
		printf 'From: %s@%s\nTo: %s@%s\nSubject: %s\n\nmxgw test bed: %s\n' "$SRC_USER" \
			"$SRC_DOMAIN" "$DST_USER" "$RELAY_DOMAIN" "$token" "$token" |
			bed_exec "$SRC_NS" sendmail -C "$BED/ms/postfix" -f "$SRC_USER@$SRC_DOMAIN" \
				"$DST_USER@$RELAY_DOMAIN" >"$out" 2>&1 ||
			{ _set failed "sendmail: $(head -c 70 "$out")"; return; }
		if f=$(bed_wait_mail "$DST_SITE" "$DST_USER" "$token"); then
			TRY_FILE=$f
			_set answered "delivered by MX, Received: from $(_received_from "$f")"
		elif grep -q "connect to .*timed out" "$BED/ms/maillog"; then
			_set "timed out" "Postfix: connect to the remote MX timed out"
		else
			_set failed "not delivered in ${BED_MAIL_TIMEOUT}s: $(grep -m1 'status=' "$BED/ms/maillog" | tail -c 70)"
		fi
		;;
	pop3 | pop3s)
		TRY_WITH="curl pop3$s://, log in as $DST_USER, LIST"
		_src curl -sS ${tls:+--cacert "$CA"} "${curl_src[@]}" \
			--connect-timeout "$BED_DENY_TIMEOUT" -m 20 -u "$DST_USER:$MAIL_PASS" \
			"pop3$s://$DST_URL/" >"$out" 2>&1
		_curl_result $? "LIST: $(grep -c '^[0-9]' "$out") message(s)"
		;;
	imap | imaps)
		TRY_WITH="curl imap$s://, log in as $DST_USER, STATUS INBOX"
		_src curl -sS ${tls:+--cacert "$CA"} "${curl_src[@]}" \
			--connect-timeout "$BED_DENY_TIMEOUT" -m 20 -u "$DST_USER:$MAIL_PASS" \
			"imap$s://$DST_URL/" -X 'STATUS INBOX (MESSAGES)' >"$out" 2>&1
		_curl_result $? "$(_first '^\* STATUS')"
		;;
	http | https)
		TRY_WITH="curl http$s://$DST_URL/"
		_src curl -sS ${tls:+--cacert "$CA"} "${curl_src[@]}" \
			--connect-timeout "$BED_DENY_TIMEOUT" -m 20 -w '%{http_code}\n' \
			"http$s://$DST_URL/" >"$out" 2>&1
		_curl_result $? "HTTP $(tail -1 "$out"), page of $(head -1 "$out" | awk '{print $4}')"
		;;
	ldap | ldaps)
		TRY_WITH="ldapsearch ldap$s://, uid=$DST_USER"
		t0=$SECONDS
		_src env LDAPTLS_CACERT="$CA" ldapsearch -x -LLL -H "ldap$s://$DST_URL" \
			-o nettimeout="$BED_DENY_TIMEOUT" -b "dc=${DST_DOMAIN//./,dc=}" \
			"uid=$DST_USER" mail >"$out" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && grep -q '^mail:' "$out"; then
			_set answered "found $(_first '^mail:')"
		elif grep -q "Can't contact LDAP server" "$out" &&
			[ $((SECONDS - t0)) -ge $((BED_DENY_TIMEOUT - 1)) ]; then
			_set "timed out" "no answer within ${BED_DENY_TIMEOUT}s"
		else
			_set failed "ldapsearch exit $rc: $(head -1 "$out" | cut -c1-60)"
		fi
		;;
	nntp | nntps)
		TRY_WITH="python3 nntplib${tls:+ (TLS)}, greeting + LIST"
		_src python3 "$BED_LIBDIR/nntp_client.py" "$DST" "$([ -n "$tls" ] && echo 563 || echo 119)" \
			${tls:+--tls --cafile "$CA"} --timeout "$BED_DENY_TIMEOUT" >"$out" 2>&1
		case $? in
		0) _set answered "$(cut -d' ' -f1 "$out") greeting, LIST: $(sed 's/.*groups: //' "$out")" ;;
		1) _set "timed out" "no answer within ${BED_DENY_TIMEOUT}s" ;;
		*) _set failed "$(head -1 "$out")" ;;
		esac
		;;
	dns-udp | dns-tcp)
		local tcp=
		[ "$svc" = dns-tcp ] && tcp=+tcp
		TRY_WITH="dig${tcp:+ +tcp} @$DST MX $DST_DOMAIN"
		_src dig @"$DST" "${dig_src[@]}" $tcp +time="$BED_DENY_TIMEOUT" \
			+tries=1 +short MX "$DST_DOMAIN" >"$out" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && grep -q "^[0-9]" "$out"; then
			_set answered "MX $(head -1 "$out")"
		elif grep -qi "timed out\|no servers could be reached" "$out"; then
			_set "timed out" "no answer within ${BED_DENY_TIMEOUT}s"
		else
			_set failed "dig exit $rc: $(head -1 "$out")"
		fi
		;;
	*)
		_set failed "no client for $svc"
		;;
	esac
}

# --- an IMAPS session held open: openssl s_client fed through a FIFO -------

# imap_open NAME NS HOST USER: connect with openssl s_client -quiet and log
# in (HOST an IPv4 or IPv6 address); the session stays open until
# imap_close.  Returns 1 if the login did not succeed within 10 s.
imap_open() {
	local name=$1 ns=$2 host=$3 user=$4 fifo=$BED/$1.in
	rm -f "$fifo" "$BED/$name.out"
	mkfifo "$fifo" || return 1
	nsenter --net="/run/netns/$ns" -- openssl s_client -quiet -crlf -connect "$(bed_url_host "$host"):993" \
		-CAfile "$CA" -verify_return_error <"$fifo" >"$BED/$name.out" 2>"$BED/$name.err" &
	eval "IMAP_PID_$name=\$!"
	# the writing end, held by this shell
	eval "exec {IMAP_FD_$name}>\"\$fifo\""
	eval "IMAP_TAG_$name=0"
	imap_cmd "$name" "LOGIN $user $MAIL_PASS"
}

# imap_cmd NAME COMMAND: send a tagged command; 0 if it completed OK
# within 10 s.  IMAP_REPLY holds the untagged lines and the tagged one.
imap_cmd() {
	local name=$1 fd tag n lines
	eval "fd=\$IMAP_FD_$name; n=\$IMAP_TAG_$name"
	n=$((n + 1))
	eval "IMAP_TAG_$name=$n"
	tag=t$n
	lines=$(wc -l <"$BED/$name.out")
	# shellcheck disable=SC2261 # >&"$fd" is the session's FIFO, not stderr
	echo "$tag $2" >&"$fd" 2>/dev/null || { IMAP_REPLY="(session gone)"; return 1; }
	if ! bed_wait 10 grep -q "^$tag \(OK\|NO\|BAD\)" "$BED/$name.out"; then
		IMAP_REPLY="no reply to $tag within 10s: $(tail -c 200 "$BED/$name.err")"
		return 1
	fi
	IMAP_REPLY=$(tail -n +"$((lines + 1))" "$BED/$name.out" | tr -d '\r')
	grep -q "^$tag OK" <<<"$IMAP_REPLY"
}

imap_close() {
	local name=$1 fd pid
	eval "fd=\${IMAP_FD_$name:-}; pid=\${IMAP_PID_$name:-}"
	# shellcheck disable=SC2261
	[ -n "$fd" ] && echo "x LOGOUT" 2>/dev/null >&"$fd"
	[ -n "$fd" ] && eval "exec $fd>&-"
	[ -n "$pid" ] && { timeout 5 tail --pid="$pid" -f /dev/null; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	eval "IMAP_FD_$name=; IMAP_PID_$name="
}
