#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end with a real mail server behind mxgw: the test bed of
# bed-up.sh (Postfix, Dovecot, nginx, slapd, dnsmasq on both sides of the
# gateway) and real clients (swaks, curl, openssl s_client, ldapsearch,
# dig, nntplib).  What is checked is what a user sees: mail delivered in
# both directions with the true client address in its Received header,
# mail read back over IMAPS and POP3S, TLS completing, the plaintext
# services timing out from the Internet, sessions surviving set-service
# and reload, 10 MB messages, and a bad config refused while mail flows.
# All over IPv4 on the dual-stack bed; test_mail6.sh tries it over IPv6.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).  The bed is torn down
# on exit, whatever happened.
set -u

# shellcheck source=tests/e2e/mail/bedlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bedlib.sh"
# shellcheck source=tests/e2e/mail/testlib.sh
. "$BED_LIBDIR/testlib.sh"

T0=$SECONDS
[ "$(id -u)" -eq 0 ] || e2e_cannot_run "needs root (network namespaces, BPF)"

bed_test_up
echo "# bed up in $((SECONDS - T0))s: $BED"

# --- 1. incoming: mail in, read back, TLS, the plaintext services ---------------

case_incoming() {
	local tok1=in25-$RANDOM$RANDOM tok2=in465-$RANDOM$RANDOM f r uid n i got
	local b=$BED/in.before.json a=$BED/in.after.json

	DETAIL_RE='^delivered'
	expect_try in_smtp_25_delivered smtp in answered "$tok1"
	f=$(bed_maildir_find ms "$MS_USER" "$tok1")
	r=$(first_received "${f:-/dev/null}")
	if [ -n "$f" ] && [[ $r == *"[$CLIENT]"* ]] && [[ $r != *"[$PUB]"* ]] && [[ $r != *"[$LANGW]"* ]]; then
		ok in_smtp_25_received_shows_client
	else
		fail in_smtp_25_received_shows_client "want [$CLIENT] in the first Received header, got: ${r:-no message}"
	fi
	DETAIL_RE='^delivered \(TLS\)'
	expect_try in_smtps_465_delivered smtps in answered "$tok2"
	DETAIL_RE=
	f=$(bed_maildir_find ms "$MS_USER" "$tok2")
	r=$(first_received "${f:-/dev/null}")
	if [ -n "$f" ] && [[ $r == *"[$CLIENT]"* ]] && [[ $r == *"with ESMTPS"* ]]; then
		ok in_smtps_465_received_shows_client
	else
		fail in_smtps_465_received_shows_client "want [$CLIENT] and ESMTPS in the first Received header, got: ${r:-no message}"
	fi

	# read back: IMAPS (search by subject, fetch by UID) and POP3S
	uid=$(in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT" -u "$MS_USER:$MAIL_PASS" \
		"imaps://$PUB/INBOX" -X "UID SEARCH SUBJECT $tok1" 2>"$BED/curl.err" |
		tr -d '\r' | awk '/^\* SEARCH/ {print $3}')
	if [ -n "$uid" ] && in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT" \
		-u "$MS_USER:$MAIL_PASS" "imaps://$PUB/INBOX;UID=$uid" >"$BED/imaps.msg" 2>>"$BED/curl.err" &&
		grep -q "^mxgw test bed: $tok1" "$BED/imaps.msg"; then
		ok in_imaps_993_fetch
	else
		fail in_imaps_993_fetch "curl imaps: uid '${uid}', $(head -c 200 "$BED/curl.err")"
	fi
	n=$(in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT" -u "$MS_USER:$MAIL_PASS" \
		"pop3s://$PUB/" 2>"$BED/curl.err" | grep -c '^[0-9]')
	got=
	for ((i = n; i >= 1 && i > n - 5; i--)); do
		if in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT" -u "$MS_USER:$MAIL_PASS" \
			"pop3s://$PUB/$i" 2>>"$BED/curl.err" | grep -q "^mxgw test bed: $tok2"; then
			got=$i
			break
		fi
	done
	if [ -n "$got" ]; then
		ok in_pop3s_995_fetch
	else
		fail in_pop3s_995_fetch "curl pop3s: $n messages listed, none of the last 5 is $tok2; $(head -c 200 "$BED/curl.err")"
	fi
	DETAIL_RE="HTTP 200, page of $MS_HOST"
	expect_try in_https_443 https in answered
	DETAIL_RE="found mail: $MS_USER@$MS_DOMAIN"
	expect_try in_ldaps_636 ldaps in answered
	DETAIL_RE='^200 greeting'
	expect_try in_nntps_563 nntps in answered
	DETAIL_RE=

	# TLS handshakes with certificate verification, all at once
	for p in 465 993 995 443; do
		echo | in_ns "$NS_INET" timeout 10 openssl s_client -connect "$PUB:$p" -CAfile "$CA" \
			-verify_return_error -verify_ip "$PUB" >"$BED/tls.$p" 2>&1 &
	done
	wait
	for p in 465 993 995 443; do
		if grep -q '^[[:space:]]*Verify return code: 0 (ok)' "$BED/tls.$p" && grep -q '^New, TLSv1' "$BED/tls.$p"; then
			ok "in_tls_handshake_$p"
		else
			fail "in_tls_handshake_$p" "openssl s_client $PUB:$p: $(grep -m2 -iE 'error|verify return|errno' "$BED/tls.$p" | tr '\n' ' ')"
		fi
	done

	# the plaintext services and DNS time out from the Internet, all at
	# once; mxgw counted their SYNs as denied and let nothing through
	status_json "$b"
	for s in pop3 imap nntp ldap http dns-udp; do
		(
			TRY_OUT=$BED/try.$s
			bed_try "$s" in
			echo "$TRY_RESULT|$TRY_WITH|$TRY_DETAIL" >"$BED/res.$s"
		) &
	done
	wait
	status_json "$a"
	for s in pop3:110 imap:143 nntp:119 ldap:389 http:80 dns-udp:53; do
		local svc=${s%%:*} port=${s#*:} res with det da dd
		IFS='|' read -r res with det <"$BED/res.$svc"
		read -r da dd <<<"$(jget "$a" "svc('${svc%-*}')['in']['allowed']['packets'] - $(jget "$b" "svc('${svc%-*}')['in']['allowed']['packets']")" \
			"svc('${svc%-*}')['in']['denied']['packets'] - $(jget "$b" "svc('${svc%-*}')['in']['denied']['packets']")" | tr '\n' ' ')"
		if [ "$res" != "timed out" ]; then
			fail "in_plain_times_out_${svc%-*}_$port" "$with: $res ($det), want timed out"
		elif [ "${dd:-0}" -le 0 ] || [ "${da:-1}" -ne 0 ]; then
			fail "in_plain_times_out_${svc%-*}_$port" "timed out, but mxgw counted in_denied +${dd:-?}, in_allowed +${da:-?} (want >0, 0)"
		else
			ok "in_plain_times_out_${svc%-*}_$port"
		fi
	done
}

# --- 2. outgoing: relay to the remote MX, fetch from the Internet ---------------

case_outgoing() {
	local tok=out-$RANDOM$RANDOM f r uid bad

	DETAIL_RE='^delivered by MX'
	expect_try out_smtp_relay_by_mx relay out answered "$tok"
	f=$(bed_maildir_find inet "$INET_USER" "$tok")
	r=$(first_received "${f:-/dev/null}")
	if [ -n "$f" ] && [[ $r == *"[$PUB]"* ]] && grep -q "connect from $MS_HOST\[$PUB\]" "$BED/inet/maillog"; then
		ok out_smtp_remote_logs_public
	else
		fail out_smtp_remote_logs_public "want [$PUB] in the remote MX's Received header and maillog, got: ${r:-no message}; $(grep -m1 'connect from' "$BED/inet/maillog")"
	fi
	if grep -q "query\[MX\] $INET_DOMAIN from $PUB" "$BED/inet/dnsmasq.log"; then
		ok out_dns_mx_lookup_by_postfix
	else
		fail out_dns_mx_lookup_by_postfix "the Internet's DNS logged no MX query for $INET_DOMAIN from $PUB"
	fi
	DETAIL_RE='^delivered \(TLS\)'
	expect_try out_smtps_465 smtps out answered
	DETAIL_RE='^LIST: [1-9]'
	expect_try out_fetch_pop3_110 pop3 out answered
	expect_try out_fetch_pop3s_995 pop3s out answered
	DETAIL_RE='MESSAGES [1-9]'
	expect_try out_fetch_imap_143 imap out answered
	DETAIL_RE=
	uid=$(in_ns "$NS_MS" curl -sS --cacert "$CA" -u "$INET_USER:$MAIL_PASS" \
		"imaps://$INET/INBOX" -X "UID SEARCH SUBJECT $tok" 2>"$BED/curl.err" |
		tr -d '\r' | awk '/^\* SEARCH/ {print $3}')
	if [ -n "$uid" ] && in_ns "$NS_MS" curl -sS --cacert "$CA" -u "$INET_USER:$MAIL_PASS" \
		"imaps://$INET/INBOX;UID=$uid" 2>>"$BED/curl.err" | grep -q "^mxgw test bed: $tok"; then
		ok out_fetch_imaps_993
	else
		fail out_fetch_imaps_993 "curl imaps from the mail server: uid '$uid', $(head -c 200 "$BED/curl.err")"
	fi
	DETAIL_RE="HTTP 200, page of $INET_HOST"
	expect_try out_fetch_https_443 https out answered
	expect_try out_fetch_http_80 http out answered
	DETAIL_RE="found mail: $INET_USER@"
	expect_try out_ldap_389 ldap out answered
	expect_try out_ldaps_636 ldaps out answered
	DETAIL_RE='^200 greeting'
	expect_try out_nntp_119 nntp out answered
	expect_try out_nntps_563 nntps out answered
	DETAIL_RE="MX 10 $INET_HOST"
	expect_try out_dns_udp_53 dns-udp out answered
	expect_try out_dns_tcp_53 dns-tcp out answered
	DETAIL_RE=

	# every server on the Internet saw the public address, never the LAN
	bad=
	grep -q "rip=$PUB" "$BED/inet/dovecot.log" || bad="$bad dovecot(no rip=$PUB)"
	grep -q "^$PUB " "$BED/inet/nginx/access.log" || bad="$bad nginx(no $PUB)"
	grep -q " $PUB$" "$BED/inet/nntp.log" || bad="$bad nntp(no $PUB)"
	grep -q "from $PUB$" "$BED/inet/dnsmasq.log" || bad="$bad dnsmasq(no $PUB)"
	for f in dovecot.log nginx/access.log nntp.log dnsmasq.log maillog; do
		grep -q "192\.168\.1\." "$BED/inet/$f" && bad="$bad $f(LAN address: $(grep -m1 -o '192\.168\.1\.[0-9]*' "$BED/inet/$f"))"
	done
	if [ -z "$bad" ]; then
		ok out_internet_sees_public_address_only
	else
		fail out_internet_sees_public_address_only "$bad"
	fi
}

# --- 3. at run time: set-service, reload -----------------------------------------

case_set_service() {
	local tok=held-$RANDOM$RANDOM

	# a message to find from the held session
	bed_try smtp in "$tok" >/dev/null
	if imap_open held "$NS_INET" "$PUB" "$MS_USER"; then
		ok imaps_session_open
	else
		fail imaps_session_open "openssl s_client $PUB:993, LOGIN: $IMAP_REPLY"
	fi
	bed_mx set-service smtp in deny >/dev/null 2>"$BED/err"
	expect_rc_ok set_service_smtp_in_deny $? "mxctl set-service smtp in deny"
	expect_try set_service_new_smtp_stopped smtp in "timed out"
	if imap_cmd held "SELECT INBOX" && imap_cmd held "UID SEARCH SUBJECT $tok" &&
		grep -qE '^\* SEARCH [0-9]+' <<<"$IMAP_REPLY"; then
		ok set_service_open_imaps_session_usable
	else
		fail set_service_open_imaps_session_usable "IMAPS session opened before the deny: $IMAP_REPLY"
	fi
	expect_try set_service_smtp_out_unaffected smtp out answered
	bed_mx set-service smtp in allow >/dev/null 2>"$BED/err"
	expect_rc_ok set_service_smtp_in_allow $? "mxctl set-service smtp in allow"
	expect_try set_service_smtp_restored smtp in answered
}

case_reload() {
	local big=$BED/ms/www/big.bin big2=$BED/inet/www/big.bin sz pin pout p

	# two downloads that last ~3 s each (rate-limited), one per direction,
	# and a second held session, outgoing, next to the incoming one
	head -c $((6 << 20)) /dev/urandom >"$big"
	cp "$big" "$big2"
	chmod 644 "$big" "$big2"
	imap_open heldout "$NS_MS" "$INET" "$INET_USER" ||
		fail reload_outgoing_session_open "openssl s_client $INET:993 from the mail server: $IMAP_REPLY"
	rm -f "$BED/dl.in" "$BED/dl.out"
	in_ns "$NS_INET" curl -sS --cacert "$CA" --limit-rate 2M -m 60 -o "$BED/dl.in" \
		"https://$PUB/big.bin" 2>"$BED/dl.in.err" &
	pin=$!
	in_ns "$NS_MS" curl -sS --cacert "$CA" --limit-rate 2M -m 60 -o "$BED/dl.out" \
		"https://$INET/big.bin" 2>"$BED/dl.out.err" &
	pout=$!
	BG_PIDS+=("$pin" "$pout")
	# reload once both are under way
	# shellcheck disable=SC2016 # expanded by eval, on each try
	bed_wait 10 eval '[ -s "$BED/dl.in" ] && [ -s "$BED/dl.out" ]' ||
		fail reload_downloads_started "the downloads did not start: $(head -c 200 "$BED/dl.in.err" "$BED/dl.out.err")"
	bed_mx reload >"$BED/reload.out" 2>"$BED/err"
	expect_rc_ok reload_unchanged_config $? "mxctl reload"
	sz="$(stat -c %s "$BED/dl.in") $(stat -c %s "$BED/dl.out")"
	wait "$pin"
	p=$?
	if [ $p -eq 0 ] && cmp -s "$big" "$BED/dl.in" && [ "${sz% *}" -lt $((6 << 20)) ]; then
		ok reload_keeps_download_in
	else
		fail reload_keeps_download_in "curl exit $p, $(stat -c %s "$BED/dl.in" 2>/dev/null) of $((6 << 20)) bytes (${sz% *} at the reload): $(head -c 200 "$BED/dl.in.err")"
	fi
	wait "$pout"
	p=$?
	if [ $p -eq 0 ] && cmp -s "$big2" "$BED/dl.out" && [ "${sz#* }" -lt $((6 << 20)) ]; then
		ok reload_keeps_download_out
	else
		fail reload_keeps_download_out "curl exit $p, $(stat -c %s "$BED/dl.out" 2>/dev/null) of $((6 << 20)) bytes (${sz#* } at the reload): $(head -c 200 "$BED/dl.out.err")"
	fi
	if imap_cmd held "NOOP" && imap_cmd held "UID SEARCH ALL"; then
		ok reload_keeps_imaps_session_in
	else
		fail reload_keeps_imaps_session_in "$IMAP_REPLY"
	fi
	if imap_cmd heldout "SELECT INBOX" && imap_cmd heldout "UID SEARCH ALL"; then
		ok reload_keeps_imaps_session_out
	else
		fail reload_keeps_imaps_session_out "$IMAP_REPLY"
	fi
	rm -f "$big" "$big2" "$BED/dl.in" "$BED/dl.out"
}

# --- 4. 10 MB messages, both ways -----------------------------------------------

# make_message FILE FROM TO TOKEN: a 10 MB message (base64 of random
# bytes), TOKEN in the subject and on the last line
make_message() {
	{
		printf 'From: %s\nTo: %s\nSubject: %s\nMIME-Version: 1.0\n' "$2" "$3" "$4"
		printf 'Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
		head -c 7600000 /dev/urandom | base64 -w 76
		printf '%s\n' "end-$4"
	} >"$1"
}

# fast_grew CHECK BEFORE AFTER COUNTER: with GRO on both veth ends (the
# bed's default), 10 MB took the LAN's XDP fast path (issue 14): COUNTER
# grew by 3000 packets at least (over 7000 full segments)
fast_grew() {
	local b a
	[ "${MXGW_BED_GRO:-1}" = 1 ] || return 0
	b=$(jget "$2" "d['counters']['$4']" 2>/dev/null)
	a=$(jget "$3" "d['counters']['$4']" 2>/dev/null)
	echo "# $4: ${b:-?} -> ${a:-?}"
	if [ "$((${a:-0} - ${b:-0}))" -ge 3000 ] 2>/dev/null; then
		ok "$1"
	else
		fail "$1" "$4: ${b:-?} -> ${a:-?}, want 3000 more (lan xdp: $(jget "$3" "d['lan_xdp']" 2>&1))"
	fi
}

case_large() {
	local tok=big-in-$RANDOM$RANDOM tok2=big-out-$RANDOM$RANDOM msg=$BED/big.msg f sz uid t0
	local b=$BED/big-b.json a=$BED/big-a.json

	make_message "$msg" "$INET_USER@$INET_DOMAIN" "$MS_USER@$MS_DOMAIN" "$tok"
	t0=$SECONDS
	in_ns "$NS_INET" swaks --server "$PUB" --port 25 --local-interface "$CLIENT" \
		--helo "client.$INET_DOMAIN" --from "$INET_USER@$INET_DOMAIN" --to "$MS_USER@$MS_DOMAIN" \
		--data "@$msg" --suppress-data --timeout 60s >"$BED/big.swaks" 2>&1
	f=$(bed_wait_mail ms "$MS_USER" "end-$tok")
	sz=$(stat -c %s "${f:-/dev/null}")
	if [ -n "$f" ] && [ "$sz" -ge 10000000 ]; then
		ok "large_10mb_in_delivered"
	else
		fail large_10mb_in_delivered "$(grep -m2 -E '^(<\*\*|\*\*\*|<-  250)' "$BED/big.swaks" | tr '\n' ' ') mailbox: ${f:-nothing} ($sz bytes)"
	fi
	# and read back in full over IMAPS (10 MB out through the gateway)
	status_json "$b"
	uid=$(in_ns "$NS_INET" curl -sS --cacert "$CA" -u "$MS_USER:$MAIL_PASS" "imaps://$PUB/INBOX" \
		-X "UID SEARCH SUBJECT $tok" 2>/dev/null | tr -d '\r' | awk '/^\* SEARCH/ {print $3}')
	if [ -n "$uid" ] && in_ns "$NS_INET" curl -sS --cacert "$CA" -u "$MS_USER:$MAIL_PASS" -m 60 \
		"imaps://$PUB/INBOX;UID=$uid" 2>"$BED/curl.err" | tr -d '\r' >"$BED/big.fetched" &&
		f=$(bed_maildir_find ms "$MS_USER" "end-$tok") && [ -n "$f" ] &&
		cmp -s <(sed '1,/^$/d' "$f") <(sed '1,/^$/d' "$BED/big.fetched"); then
		ok large_10mb_in_read_back_imaps
	else
		fail large_10mb_in_read_back_imaps "uid '$uid', fetched $(stat -c %s "$BED/big.fetched" 2>/dev/null) bytes, body differs from the mailbox's; $(head -c 200 "$BED/curl.err")"
	fi
	status_json "$a"
	fast_grew large_10mb_imaps_replies_lan_xdp "$b" "$a" lan_fast_reply
	status_json "$b"

	make_message "$msg" "$MS_USER@$MS_DOMAIN" "$INET_USER@$INET_DOMAIN" "$tok2"
	bed_exec "$NS_MS" sendmail -C "$BED/ms/postfix" -f "$MS_USER@$MS_DOMAIN" \
		"$INET_USER@$INET_DOMAIN" <"$msg" >"$BED/big.sendmail" 2>&1
	f=$(bed_wait_mail inet "$INET_USER" "end-$tok2")
	sz=$(stat -c %s "${f:-/dev/null}")
	if [ -n "$f" ] && [ "$sz" -ge 10000000 ] &&
		cmp -s <(sed '1,/^$/d' "$msg") <(sed '1,/^$/d' "$f"); then
		ok large_10mb_out_relayed
	else
		fail large_10mb_out_relayed "remote mailbox: ${f:-nothing} ($sz bytes); $(grep -m1 "status=" "$BED/ms/maillog" | tail -c 150)"
	fi
	status_json "$a"
	fast_grew large_10mb_relay_lan_xdp "$b" "$a" lan_fast_established
	echo "# 10 MB in, read back and out in $((SECONDS - t0))s"
	rm -f "$msg" "$BED/big.fetched"
}

# --- 5. a bad config: refused with its line, mail keeps flowing -------------------

case_bad_config() {
	local bad=$BED/bad.conf line rc st=$BED/bad.json

	# smtp incoming deny on one line, a syntax error two lines later: the
	# whole file is refused, smtp stays allowed
	sed -e 's/^\(service[[:space:]]\+smtp[[:space:]]\+25\/tcp[[:space:]]\+allow[[:space:]]\+\)allow/\1deny/' \
		-e 's/^\(service[[:space:]]\+imaps[[:space:]]\+993\/tcp[[:space:]]\+allow[[:space:]]\+\)allow/\1sometimes/' \
		"$BED_CONF" >"$bad"
	line=$(grep -n '^service[[:space:]]\+imaps[[:space:]].*sometimes' "$bad" | cut -d: -f1)
	if [ -z "$line" ] || ! grep -q '^service[[:space:]]\+smtp[[:space:]]\+25/tcp[[:space:]]\+allow[[:space:]]\+deny' "$bad"; then
		fail bad_config_refused "could not build the broken config"
		return
	fi
	mx_conf "$bad" reload >/dev/null 2>"$BED/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "^$bad:$line: error: " "$BED/err"; then
		ok bad_config_refused_with_line
	else
		fail bad_config_refused_with_line "exit $rc (want 1), stderr should start '$bad:$line: error: ': $(head -c 300 "$BED/err")"
	fi
	status_json "$st"
	if [ "$(jget "$st" "svc('smtp')['incoming'], svc('imaps')['incoming']")" = "('allow', 'allow')" ]; then
		ok bad_config_changed_nothing
	else
		fail bad_config_changed_nothing "smtp/imaps incoming now $(jget "$st" "svc('smtp')['incoming'], svc('imaps')['incoming']")"
	fi
	DETAIL_RE="^delivered, Received: from \[$CLIENT\]"
	expect_try bad_config_mail_still_flows_in smtp in answered
	DETAIL_RE='^delivered by MX'
	expect_try bad_config_mail_still_flows_out relay out answered
	DETAIL_RE=
	if imap_cmd held "NOOP"; then
		ok bad_config_session_still_open
	else
		fail bad_config_session_still_open "$IMAP_REPLY"
	fi
}

# --- 6. what mxgw counted -------------------------------------------------------------

case_counters() {
	local st=$BED/end.json v
	status_json "$st"
	echo "# forward path: $(jget "$st" "d['forward']['path'], d['counters']['fwd_redirect'], d['forward']['kernel_packets']")" \
		"(path, redirected, by the kernel)"
	if [ "${MXGW_BED_GRO:-1}" = 1 ]; then
		v=$(jget "$st" "d['forward']['path'] == 'xdp-redirect' and d['counters']['fwd_redirect'] > 1000")
		if [ "$v" = True ]; then
			ok forward_by_xdp_redirect
		else
			fail forward_by_xdp_redirect "GRO on the mail server's veth, yet forward: $(jget "$st" "d['forward']")"
		fi
	fi
	v=$(jget "$st" "' '.join(k + '=' + str(v) for k, v in d['counters'].items() if v and k in
		('drop_fragment', 'drop_malformed', 'drop_out_service_deny', 'drop_out_default_deny',
		 'drop_out_fragment', 'drop_out_proto', 'drop_out_malformed', 'drop_nat_full',
		 'ct_evicted', 'ct_local_clash'))" 2>&1)
	if [ -z "$v" ]; then
		ok counters_no_unexpected_drops
	else
		fail counters_no_unexpected_drops "$v"
	fi
}

case_teardown() {
	imap_close held
	imap_close heldout
	bed_test_down
}

case_incoming
case_outgoing
case_set_service
case_reload
case_large
case_bad_config
case_counters
case_teardown
echo "# $((SECONDS - T0))s"
e2e_summary
