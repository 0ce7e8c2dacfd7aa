#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The real mail bed over IPv6 (issue 12): the dual-stack bed of
# bed-up.sh, mxgw loaded with the shipped table and mailserver6
# 2001:db8:168::10, the same real clients as test_mail.sh, every one of
# them over IPv6.  IPv6 is routed, not translated: the Internet reaches
# the mail server at its own address, and the servers on either side see
# the other's own address.  What is checked is what a user sees, and
# what mxgw counted under IPv6's keys (and that IPv4's stayed still):
#   - mail delivered with swaks to [mailserver6]:25 and :465 from the
#     Internet's client 2001:db8:51::7, which the first Received header
#     names, and read back over IMAPS (and POP3S) over IPv6;
#   - HTTPS, LDAPS and NNTPS answered, TLS verified against mailserver6;
#   - every service the table denies incoming (POP3 110, IMAP 143, NNTP
#     119, LDAP 389, HTTP 80, DNS 53) timing out over IPv6, counted as
#     denied by IPv6 and let through never;
#   - the outgoing column from the mail server to the Internet host's
#     2001:db8:1::1: Postfix relaying by MX to remote6.example (an AAAA
#     record only), POP3(S), IMAP(S), HTTP(S), LDAP(S), NNTP(S), DNS over
#     UDP and TCP, each server there logging the mail server's own IPv6
#     address; a flow per try tracked in mxgw's IPv6 conntrack;
#   - mailserver6's forward path (XDP redirect into lan0 with GRO on) and
#     no unexpected drops.
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
# every bed_try of this test over IPv6
BED_FAMILY=6
MS6_URL=[$MS6]

# fam_delta BEFORE AFTER in|out allowed|denied SERVICE...: one line
# "SERVICE V6 V4" per SERVICE, the packets IPv6 and IPv4 added to that
# count between two status -j (IPv4's part is both families' count less
# IPv6's); one python3 for them all
fam_delta() {
	python3 - "$@" <<'EOF'
import json, sys
before, after, way, verdict = sys.argv[1:5]
def count(f, name):
    d = json.load(open(f))["interfaces"][0]
    s = next(s for s in d["services"] if s["name"] == name)
    both = s[way][verdict]["packets"]
    v6 = s[way + "6"][verdict]["packets"]
    return v6, both - v6
for name in sys.argv[5:]:
    (b6, b4), (a6, a4) = count(before, name), count(after, name)
    print(name, a6 - b6, a4 - b4)
EOF
}

# expect_counted CHECK BEFORE AFTER DIR VERDICT SERVICE...: each SERVICE's
# DIR VERDICT count grew under IPv6 and stayed still under IPv4
expect_counted() {
	local check=$1 b=$2 a=$3 dir=$4 verdict=$5 s v6 v4 bad='' n=0
	shift 5
	while read -r s v6 v4; do
		n=$((n + 1))
		if [ "${v6:-0}" -le 0 ] || [ "${v4:-1}" -ne 0 ]; then
			bad="$bad $s(IPv6 +${v6:-?}, IPv4 +${v4:-?})"
		fi
	done < <(fam_delta "$b" "$a" "$dir" "$verdict" "$@")
	[ "$n" -eq $# ] || bad="$bad (counts of $n of $# services read)"
	if [ -z "$bad" ]; then
		ok "$check"
	else
		fail "$check" "$dir $verdict, want IPv6 > 0 and IPv4 0:$bad"
	fi
}

# --- 1. incoming over IPv6: mail in, read back, TLS, the plaintext services ---

case_incoming6() {
	local tok1=in6-25-$RANDOM$RANDOM tok2=in6-465-$RANDOM$RANDOM f r uid n i got p
	local b=$BED/in6.before.json a=$BED/in6.after.json d=$BED/in6.denied.json

	status_json "$b"
	DETAIL_RE="^delivered, Received: from \[IPv6:$CLIENT6\]"
	expect_try in6_smtp_25_delivered smtp in answered "$tok1"
	f=$(bed_maildir_find ms "$MS_USER" "$tok1")
	r=$(first_received "${f:-/dev/null}")
	# routed: the mail server sees the client itself, neither the
	# gateway's addresses nor an IPv4 one
	if [ -n "$f" ] && [[ $r == *"[IPv6:$CLIENT6]"* ]] && [[ $r != *"$WAN6"* ]] &&
		[[ $r != *"$LANGW6"* ]] && [[ $r != *"[$PUB]"* ]]; then
		ok in6_smtp_25_received_shows_client
	else
		fail in6_smtp_25_received_shows_client "want [IPv6:$CLIENT6] in the first Received header, got: ${r:-no message}"
	fi
	DETAIL_RE="^delivered \(TLS\), Received: from \[IPv6:$CLIENT6\]"
	expect_try in6_smtps_465_delivered smtps in answered "$tok2"
	DETAIL_RE=
	f=$(bed_maildir_find ms "$MS_USER" "$tok2")
	r=$(first_received "${f:-/dev/null}")
	if [ -n "$f" ] && [[ $r == *"[IPv6:$CLIENT6]"* ]] && [[ $r == *"with ESMTPS"* ]]; then
		ok in6_smtps_465_received_shows_client
	else
		fail in6_smtps_465_received_shows_client "want [IPv6:$CLIENT6] and ESMTPS in the first Received header, got: ${r:-no message}"
	fi

	# read back over IMAPS (search by subject, fetch by UID) and POP3S,
	# from the client's address; Dovecot logs that address
	uid=$(in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT6" -u "$MS_USER:$MAIL_PASS" \
		"imaps://$MS6_URL/INBOX" -X "UID SEARCH SUBJECT $tok1" 2>"$BED/curl.err" |
		tr -d '\r' | awk '/^\* SEARCH/ {print $3}')
	if [ -n "$uid" ] && in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT6" \
		-u "$MS_USER:$MAIL_PASS" "imaps://$MS6_URL/INBOX;UID=$uid" >"$BED/imaps.msg" 2>>"$BED/curl.err" &&
		grep -q "^mxgw test bed: $tok1" "$BED/imaps.msg" && grep -q "^Subject: $tok1" "$BED/imaps.msg"; then
		ok in6_imaps_993_fetch
	else
		fail in6_imaps_993_fetch "curl imaps://$MS6_URL: uid '${uid}', $(head -c 200 "$BED/curl.err")"
	fi
	# (Dovecot's log process writes it a moment after the login)
	if bed_wait 5 grep -q "imap-login: .*Login: user=<$MS_USER>.*rip=$CLIENT6, lip=$MS6" "$BED/ms/dovecot.log"; then
		ok in6_imaps_login_from_client
	else
		fail in6_imaps_login_from_client "no imap-login of $MS_USER with rip=$CLIENT6, lip=$MS6 in Dovecot's log: $(grep -m1 'imap-login: Login' "$BED/ms/dovecot.log")"
	fi
	n=$(in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT6" -u "$MS_USER:$MAIL_PASS" \
		"pop3s://$MS6_URL/" 2>"$BED/curl.err" | grep -c '^[0-9]')
	got=
	for ((i = n; i >= 1 && i > n - 5; i--)); do
		if in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT6" -u "$MS_USER:$MAIL_PASS" \
			"pop3s://$MS6_URL/$i" 2>>"$BED/curl.err" | grep -q "^mxgw test bed: $tok2"; then
			got=$i
			break
		fi
	done
	if [ -n "$got" ]; then
		ok in6_pop3s_995_fetch
	else
		fail in6_pop3s_995_fetch "curl pop3s: $n messages listed, none of the last 5 is $tok2; $(head -c 200 "$BED/curl.err")"
	fi
	DETAIL_RE="HTTP 200, page of $MS_HOST"
	expect_try in6_https_443 https in answered
	DETAIL_RE="found mail: $MS_USER@$MS_DOMAIN"
	expect_try in6_ldaps_636 ldaps in answered
	DETAIL_RE='^200 greeting'
	expect_try in6_nntps_563 nntps in answered
	DETAIL_RE=

	# TLS handshakes verified against mailserver6, all at once
	for p in 465 993 995 443; do
		echo | in_ns "$NS_INET" timeout 10 openssl s_client -connect "$MS6_URL:$p" -CAfile "$CA" \
			-verify_return_error -verify_ip "$MS6" >"$BED/tls.$p" 2>&1 &
	done
	wait
	for p in 465 993 995 443; do
		if grep -q '^[[:space:]]*Verify return code: 0 (ok)' "$BED/tls.$p" && grep -q '^New, TLSv1' "$BED/tls.$p"; then
			ok "in6_tls_handshake_$p"
		else
			fail "in6_tls_handshake_$p" "openssl s_client $MS6_URL:$p: $(grep -m2 -iE 'error|verify return|errno' "$BED/tls.$p" | tr '\n' ' ')"
		fi
	done
	status_json "$a"
	expect_counted in6_allowed_counted_as_ipv6 "$b" "$a" in allowed smtp smtps imaps pop3s https ldaps nntps

	# the services the table denies incoming time out over IPv6, all at
	# once; mxgw counted their SYNs as denied under IPv6 and let nothing
	# through
	for s in pop3 imap nntp ldap http dns-udp; do
		(
			TRY_OUT=$BED/try.$s
			bed_try "$s" in
			echo "$TRY_RESULT|$TRY_WITH|$TRY_DETAIL" >"$BED/res.$s"
		) &
	done
	wait
	status_json "$d"
	fam_delta "$a" "$d" in denied pop3 imap nntp ldap http dns >"$BED/in6.denied"
	fam_delta "$a" "$d" in allowed pop3 imap nntp ldap http dns >"$BED/in6.allowed"
	for s in pop3:110 imap:143 nntp:119 ldap:389 http:80 dns-udp:53; do
		local svc=${s%%:*} port=${s#*:} res with det d6 d4 a6 a4
		IFS='|' read -r res with det <"$BED/res.$svc"
		read -r _ d6 d4 <<<"$(grep "^${svc%-*} " "$BED/in6.denied")"
		read -r _ a6 a4 <<<"$(grep "^${svc%-*} " "$BED/in6.allowed")"
		if [ "$res" != "timed out" ]; then
			fail "in6_plain_times_out_${svc%-*}_$port" "$with: $res ($det), want timed out"
		elif [ "${d6:-0}" -le 0 ] || [ "${d4:-1}" -ne 0 ] || [ "${a6:-1}" -ne 0 ] || [ "${a4:-1}" -ne 0 ]; then
			fail "in6_plain_times_out_${svc%-*}_$port" "timed out, but mxgw counted denied IPv6 +${d6:-?} IPv4 +${d4:-?}, allowed IPv6 +${a6:-?} IPv4 +${a4:-?} (want >0, 0, 0, 0)"
		else
			ok "in6_plain_times_out_${svc%-*}_$port"
		fi
	done
}

# --- 2. outgoing over IPv6: relay to the remote MX, fetch from the Internet ----

case_outgoing6() {
	local tok=out6-$RANDOM$RANDOM f r uid bad s
	local b=$BED/out6.before.json a=$BED/out6.after.json

	status_json "$b"
	DETAIL_RE="^delivered by MX, Received: from \[IPv6:$MS6\]"
	expect_try out6_smtp_relay_by_mx relay out answered "$tok"
	DETAIL_RE=
	f=$(bed_maildir_find inet "$INET_USER" "$tok")
	r=$(first_received "${f:-/dev/null}")
	if [ -n "$f" ] && [[ $r == *"[IPv6:$MS6]"* ]] &&
		grep -q "connect from $MS_HOST\[$MS6\]" "$BED/inet/maillog" &&
		grep -q "to=<$INET_USER@$INET6_DOMAIN>, relay=$INET6_HOST\[$INET6\]:25,.* status=sent" "$BED/ms/maillog"; then
		ok out6_smtp_remote_sees_mailserver6
	else
		fail out6_smtp_remote_sees_mailserver6 "want relay=${INET6_HOST}[$INET6]:25 in the mail server's maillog, [IPv6:$MS6] in the remote MX's Received header and maillog, got: ${r:-no message}; $(grep -m1 "to=<$INET_USER@$INET6_DOMAIN>" "$BED/ms/maillog" | tail -c 150)"
	fi
	DETAIL_RE='^delivered \(TLS\)'
	expect_try out6_smtps_465 smtps out answered
	DETAIL_RE='^LIST: [1-9]'
	expect_try out6_fetch_pop3_110 pop3 out answered
	expect_try out6_fetch_pop3s_995 pop3s out answered
	DETAIL_RE='MESSAGES [1-9]'
	expect_try out6_fetch_imap_143 imap out answered
	DETAIL_RE=
	uid=$(in_ns "$NS_MS" curl -sS --cacert "$CA" -u "$INET_USER:$MAIL_PASS" \
		"imaps://[$INET6]/INBOX" -X "UID SEARCH SUBJECT $tok" 2>"$BED/curl.err" |
		tr -d '\r' | awk '/^\* SEARCH/ {print $3}')
	if [ -n "$uid" ] && in_ns "$NS_MS" curl -sS --cacert "$CA" -u "$INET_USER:$MAIL_PASS" \
		"imaps://[$INET6]/INBOX;UID=$uid" 2>>"$BED/curl.err" | grep -q "^mxgw test bed: $tok"; then
		ok out6_fetch_imaps_993
	else
		fail out6_fetch_imaps_993 "curl imaps://[$INET6] from the mail server: uid '$uid', $(head -c 200 "$BED/curl.err")"
	fi
	DETAIL_RE="HTTP 200, page of $INET_HOST"
	expect_try out6_fetch_https_443 https out answered
	expect_try out6_fetch_http_80 http out answered
	DETAIL_RE="found mail: $INET_USER@"
	expect_try out6_ldap_389 ldap out answered
	expect_try out6_ldaps_636 ldaps out answered
	DETAIL_RE='^200 greeting'
	expect_try out6_nntp_119 nntp out answered
	expect_try out6_nntps_563 nntps out answered
	DETAIL_RE="MX 10 $INET_HOST"
	expect_try out6_dns_udp_53 dns-udp out answered
	expect_try out6_dns_tcp_53 dns-tcp out answered
	DETAIL_RE=
	status_json "$a"
	# each service opened at least one flow under IPv6; IPv4's part
	# stays still but for DNS (Postfix's MX look-up goes to the
	# resolver's IPv4 address)
	expect_counted out6_allowed_counted_as_ipv6 "$b" "$a" out allowed \
		smtp smtps pop3 pop3s imap imaps https http ldap ldaps nntp nntps
	read -r _ v6 _ <<<"$(fam_delta "$b" "$a" out allowed dns)"
	if [ "${v6:-0}" -ge 2 ]; then
		ok out6_dns_counted_as_ipv6
	else
		fail out6_dns_counted_as_ipv6 "dns out allowed: IPv6 +${v6:-?}, want at least 2 (dig over UDP and TCP)"
	fi
	# a flow per try tracked in the IPv6 conntrack (counted as created:
	# a closed TCP flow leaves the table soon after)
	v6=$(jget "$a" "d['counters6']['ct_new'] - $(jget "$b" "d['counters6']['ct_new']")")
	if [ "${v6:-0}" -ge 14 ]; then
		ok out6_flows_tracked_ipv6
	else
		fail out6_flows_tracked_ipv6 "ct_new IPv6 +${v6:-?}, want at least 14 (one per try); conntrack: $(jget "$a" "d['conntrack']")"
	fi

	# every server on the Internet saw the mail server's own IPv6
	# address: routed, nothing rewritten
	bad=
	grep -q "rip=$MS6" "$BED/inet/dovecot.log" || bad="$bad dovecot(no rip=$MS6)"
	grep -q "^$MS6 " "$BED/inet/nginx/access.log" || bad="$bad nginx(no $MS6)"
	grep -q " $MS6$" "$BED/inet/nntp.log" || bad="$bad nntp(no $MS6)"
	grep -q "from $MS6$" "$BED/inet/dnsmasq.log" || bad="$bad dnsmasq(no $MS6)"
	for s in dovecot.log nginx/access.log nntp.log dnsmasq.log maillog; do
		grep -qwF -e "$WAN6" -e "$LANGW6" "$BED/inet/$s" &&
			bad="$bad $s(the gateway's address: $(grep -m1 -owF -e "$WAN6" -e "$LANGW6" "$BED/inet/$s"))"
	done
	if [ -z "$bad" ]; then
		ok out6_internet_sees_mailserver6
	else
		fail out6_internet_sees_mailserver6 "$bad"
	fi
}

# --- 3. what mxgw counted ---------------------------------------------------------

case_counters6() {
	local st=$BED/end6.json v
	status_json "$st"
	echo "# forward path IPv6: $(jget "$st" "d['forward6']['path'], d['counters6']['fwd_redirect'], d['forward6']['kernel_packets']")" \
		"(path, redirected, by the kernel)"
	if [ "${MXGW_BED_GRO:-1}" = 1 ]; then
		v=$(jget "$st" "d['forward6']['path'] == 'xdp-redirect' and d['counters6']['fwd_redirect'] > 100")
		if [ "$v" = True ]; then
			ok forward6_by_xdp_redirect
		else
			fail forward6_by_xdp_redirect "GRO on the mail server's veth, yet forward6: $(jget "$st" "d['forward6']"), fwd_redirect IPv6 $(jget "$st" "d['counters6']['fwd_redirect']")"
		fi
	fi
	v=$(jget "$st" "' '.join(k + '=' + str(v) for k, v in d['counters6'].items() if v and k in
		('drop_fragment', 'drop_malformed', 'drop_out_service_deny', 'drop_out_default_deny',
		 'drop_out_fragment', 'drop_out_proto', 'drop_out_malformed', 'drop_spoofed',
		 'drop_martian', 'drop_to_lan', 'drop_transit', 'drop_ext_headers',
		 'drop_routing_header', 'drop_icmp_no_flow', 'ct_evicted'))" 2>&1)
	if [ -z "$v" ]; then
		ok counters6_no_unexpected_drops
	else
		fail counters6_no_unexpected_drops "$v"
	fi
}

case_incoming6
case_outgoing6
case_counters6
bed_test_down
echo "# $((SECONDS - T0))s"
e2e_summary
