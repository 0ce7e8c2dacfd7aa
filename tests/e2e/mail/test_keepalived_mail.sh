#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: the keepalived pair of tests/e2e/test_keepalived.sh with the
# mail bed's real servers (bed-up.sh with MXGW_BED_PAIR=1: Postfix,
# Dovecot, dnsmasq on the mail server and the Internet host, gateways A
# and B with mxgw and keepalived from the shipped etc/keepalived/).
#
# Twice, (a) A's WAN link down (its cable pulled: the switch's port down),
# then up; (b) A's keepalived killed
# (SIGKILL to both its processes, stopped first: no priority-0 advert),
# then started again.  Open across the failure:
#   - an IMAPS download (curl, 1 MiB/s) of a 16 MiB message in alice's
#     mailbox: it completes through B, every byte (sha256);
#   - a Postfix relay of a 4 MiB message from the mail server to the
#     Internet host's Postfix (paced to 2 Mbit/s by an htb class for the mail
#     server's port-25 traffic): its connection's state is on A, B drops
#     its packets (drop_out_no_flow); Postfix gives up on it
#     (smtp_data_xfer_timeout and smtp_data_done_timeout 10s in the pair
#     bed), defers the message,
#     retries through B (minimal_backoff_time 5s) and delivers it to
#     bob's Maildir; the log lines of both tries are printed;
# and measured: a swaks probe from the Internet (198.51.100.7) to the
# public address every 0.1 s (EHLO, MAIL, RCPT, 1 s timeout): the time
# until it works again (bound below), then a full delivery through B;
# failback: A takes both addresses back, SMTP is back within the bound
# and keeps working (no black hole), and mail relays out through A.
# The figures are printed ("# ..." lines).  What test_keepalived.sh
# checks besides (the copying of flow state with conntrack export and
# import, import's refusal of a bad line, the hook loading a missing
# mxgw) it keeps checking with its stand-in servers.
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
# shellcheck source=tests/e2e/kapair.sh
. "$E2E_DIR/kapair.sh"

T0=$SECONDS
[ "$(id -u)" -eq 0 ] || e2e_cannot_run "needs root (network namespaces, BPF)"
for c in keepalived swaks curl tc sha256sum; do
	command -v "$c" >/dev/null 2>&1 || e2e_cannot_run "$c not found (make deps, tests/e2e/mail/deps.sh)"
done

# 3 missed adverts (advert_int 1) and B's skew (256 - 100) / 256 s: 3.6 s,
# the longest a silent master keeps the addresses; then up to 1.1 s for
# the probe under way when they moved (its 1 s timeout, 0.1 s pause), the
# next probe's own run to RCPT (swaks, 0.3-0.6 s on this bed), and 2.3 s
# for a loaded machine (the bed's servers, keepalived, the download's TLS
# and the relay share 2 cores).  What it catches: no way back at all, or
# one through the Internet host's ARP entry going stale (30 s and more)
BOUND=8.0
# the download: 16 MiB at 1 MiB/s, 16 s: the failure comes once 1 MiB
# is there and the relay has sent 256 KiB, B takes over 3-5 s later
DL_BYTES=$((16 << 20))
DL_RATE=1M
# the relay: 4 MiB at 2 Mbit/s, 16 s: still sending when B takes over
RELAY_BYTES=$((4 << 20))
RELAY_RATE=2mbit

export MXGW_BED_PAIR=1
bed_test_up
echo "# bed up in $((SECONDS - T0))s: $BED"
# shellcheck disable=SC2153 # NS_SW, NS_GWB: the pair bed's bed.env
KP_SW=$NS_SW KP_INET=$NS_INET KP_A=$NS_GW KP_B=$NS_GWB KP_MS=$NS_MS

now() { date +%s.%N; }

# mxctl of gateway X (A or B)
mx_of() {
	local ns=$NS_GW
	[ "$1" = B ] && ns=$NS_GWB
	shift
	nsenter --mount="$BED_MNTNS" --net="/run/netns/$ns" -- "$MXCTL" -c "$BED_CONF" "$@"
}

# counter X NAME: an mxgw counter of gateway X
counter() {
	mx_of "$1" status -j wan0 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)["interfaces"][0]["counters"][sys.argv[1]])' "$2" 2>/dev/null ||
		echo "?"
}

# --- the pair as bed-up.sh left it --------------------------------------------

if [ "$(kapair_owners)" = "A A" ]; then
	ok a_is_master
else
	fail a_is_master "owners (wan, lan): $(kapair_owners)"
fi
bed_wait 10 grep -q "mxgw MASTER: mxgw already filters wan0" "$BED_KA/A.notify" 2>/dev/null
if grep -q "mxgw MASTER: mxgw already filters wan0" "$BED_KA/A.notify" 2>/dev/null; then
	ok notify_master_finds_mxgw
else
	fail notify_master_finds_mxgw "A's hook said '$(cat "$BED_KA/A.notify" 2>/dev/null)'"
fi

# --- the SMTP probe -------------------------------------------------------------

# a line per attempt: "START END ok|fail"
PROBE=$BED/probe.out
: >"$PROBE"
(
	while :; do
		s=$(now)
		if in_ns "$NS_INET" timeout 3 swaks --server "$PUB" --port 25 --local-interface "$CLIENT" \
			--helo "client.$INET_DOMAIN" --from "$INET_USER@$INET_DOMAIN" \
			--to "$MS_USER@$MS_DOMAIN" --quit-after RCPT --timeout 1 >/dev/null 2>&1; then
			r=ok
		else
			r=fail
		fi
		echo "$s $(now) $r" >>"$PROBE"
		sleep 0.1
	done
) &
BG_PIDS+=($!)

# probe_figures T0 [AFTER]: over the attempts started at T0 or later:
# "OUTAGE NFAIL" where OUTAGE is the end of the first success after the
# first failure (the moment SMTP was seen working again), less T0 (0: none
# failed); "pending" while no attempt started after AFTER (if given)
# succeeded after the failures
probe_figures() {
	python3 - "$PROBE" "$1" "${2:-0}" <<'EOF'
import sys
path, t0, after = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
att = sorted((float(f[0]), float(f[1]), f[2] == "ok") for f in
             (l.split() for l in open(path)) if len(f) == 3 and float(f[0]) >= t0)
fails = [s for s, e, good in att if not good]
ok = [e for s, e, good in att if good and s >= after and (not fails or s > fails[0])]
if not ok:
    print("pending")
else:
    print("%.2f %d" % (ok[0] - t0 if fails else 0.0, len(fails)))
EOF
}

# probe_clean T N: the N attempts started after T all succeeded ("yes"),
# some failed ("no ..."), or fewer than N have ended ("pending")
probe_clean() {
	python3 - "$PROBE" "$1" "$2" <<'EOF'
import sys
path, t, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
att = sorted((float(f[0]), f[2]) for f in (l.split() for l in open(path))
             if len(f) == 3 and float(f[0]) > t)
if len(att) < n:
    print("pending")
else:
    bad = [a for a in att[:n] if a[1] != "ok"]
    print("yes" if not bad else "no: %d of %d failed, the first at %.3f" % (len(bad), n, bad[0][0]))
EOF
}

# (bed_wait's conditions: it polls a command, so the figures are taken
# afresh on each try)
figures_ready() { [ "$(probe_figures "$@")" != pending ]; }
clean_ready() { [ "$(probe_clean "$@")" != pending ]; }

T=$(now)
bed_wait 30 clean_ready "$T" 5
res=$(probe_clean "$T" 5)
if [ "$res" = yes ]; then
	ok smtp_through_a
else
	fail smtp_through_a "$res: $(tail -3 "$PROBE" | tr '\n' ' ')"
fi

# --- what is open across the failure -------------------------------------------

# the large message in alice's mailbox, as delivered (Dovecot serves its
# lines with CRLF: the download is compared with its CRs removed)
BIG=$BED/ms/mail/$MS_USER/Maildir/new/$(date +%s).M1P$$.keepalived-big
BIG_TOK=kabig-$RANDOM$RANDOM
{
	printf 'From: %s\nTo: %s\nSubject: %s\nMIME-Version: 1.0\n' \
		"$INET_USER@$INET_DOMAIN" "$MS_USER@$MS_DOMAIN" "$BIG_TOK"
	printf 'Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	head -c $((DL_BYTES * 3 / 4 - 1024)) /dev/urandom | base64 -w 76
	printf '%s\n' "end-$BIG_TOK"
} >"$BIG.tmp"
chown "$MAIL_UID:$MAIL_GID" "$BIG.tmp"
mv "$BIG.tmp" "$BIG"
BIG_SUM=$(sha256sum <"$BIG" | cut -d' ' -f1)
BIG_SIZE=$(stat -c %s "$BIG")
BIG_UID=$(in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT" -u "$MS_USER:$MAIL_PASS" \
	"imaps://$PUB/INBOX" -X "UID SEARCH SUBJECT $BIG_TOK" 2>"$BED/curl.err" |
	tr -d '\r' | awk '/^\* SEARCH/ {print $3}')
if [ -n "$BIG_UID" ]; then
	ok big_message_in_mailbox
else
	fail big_message_in_mailbox "IMAPS SEARCH found no $BIG_TOK: $(head -c 200 "$BED/curl.err")"
fi

# dl_start NAME: the paced IMAPS download, in the background; its exit
# status in $BED/NAME.rc when it ends
dl_start() {
	rm -f "$BED/$1" "$BED/$1.rc"
	(
		in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$CLIENT" -u "$MS_USER:$MAIL_PASS" \
			--limit-rate "$DL_RATE" -m 120 "imaps://$PUB/INBOX;UID=$BIG_UID" -o "$BED/$1" \
			2>"$BED/$1.err"
		echo $? >"$BED/$1.rc"
	) &
	BG_PIDS+=($!)
}

size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
size_ge() { [ "$(size_of "$1")" -ge "$2" ]; }

# the mail server's port-25 traffic to the Internet host at RELAY_RATE:
# an htb class of its own (htb and u32: what the kernels here have, which
# lack prio and netem), everything else unlimited
pace_relay() {
	in_ns "$NS_MS" tc qdisc replace dev eth0 root handle 1: htb default 10 &&
		in_ns "$NS_MS" tc class add dev eth0 parent 1: classid 1:10 htb rate 10gbit \
			2>/dev/null &&
		in_ns "$NS_MS" tc class add dev eth0 parent 1: classid 1:30 htb rate "$RELAY_RATE" \
			ceil "$RELAY_RATE" &&
		in_ns "$NS_MS" tc filter add dev eth0 parent 1: protocol ip prio 1 u32 \
			match ip dst "$INET/32" match ip dport 25 0xffff flowid 1:30
}
unpace_relay() {
	in_ns "$NS_MS" tc qdisc del dev eth0 root 2>/dev/null
}

# relay_submit TOKEN SIZE: a message of SIZE bytes from alice to
# bob@remote.example into the mail server's Postfix (to its own address);
# prints its queue id
relay_submit() {
	local msg=$BED/relay-$1.msg
	{
		printf 'From: %s\nTo: %s\nSubject: %s\n\n' "$MS_USER@$MS_DOMAIN" "$INET_USER@$INET_DOMAIN" "$1"
		head -c $(($2 * 3 / 4)) /dev/urandom | base64 -w 76
		printf '%s\n' "end-$1"
	} >"$msg"
	in_ns "$NS_MS" swaks --server "$MS" --port 25 --helo "$MS_HOST" \
		--from "$MS_USER@$MS_DOMAIN" --to "$INET_USER@$INET_DOMAIN" --data "@$msg" \
		--suppress-data --timeout 30 2>&1 | sed -n 's/.*250 2.0.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' |
		tail -1
}

# relay_acked: bytes the mail server's SMTP client has had acknowledged
# by the Internet host (0: no such connection)
relay_acked() {
	in_ns "$NS_MS" ss -Hti state established dst "$INET" dport = :25 2>/dev/null |
		grep -o 'bytes_acked:[0-9]*' | cut -d: -f2 | sort -n | tail -1 | grep . || echo 0
}
relay_acked_ge() { [ "$(relay_acked)" -ge "$1" ]; }

# the SMTP client's lines of queue id QID in the mail server's log
relay_log() {
	grep -E "postfix/(smtp|qmgr)\[[0-9]+\]: $1: " "$BED/ms/maillog" 2>/dev/null
}

# smtp_in NAME: a whole delivery to alice through the public address
smtp_in() {
	local tok=$1-$RANDOM$RANDOM
	in_ns "$NS_INET" swaks --server "$PUB" --port 25 --local-interface "$CLIENT" \
		--helo "client.$INET_DOMAIN" --from "$INET_USER@$INET_DOMAIN" --to "$MS_USER@$MS_DOMAIN" \
		--header "Subject: $tok" --timeout 10 >"$BED/$1.swaks" 2>&1 &&
		bed_wait_mail ms "$MS_USER" "$tok" >/dev/null
}

# --- a failover and its failback -------------------------------------------------

# scenario NAME FAIL_CMD RESTORE_CMD
scenario() {
	local name=$1 fail_cmd=$2 restore_cmd=$3
	local t0 tb t1 ta fig outage nfail res dl=dl-$name dl_t0 dl_tb rc sum
	local rtok=relay-$name-$RANDOM$RANDOM qid acked drops0 drops1 t_def t_sent f

	# open: the download (1 MiB there) and the relay (256 KiB acked)
	dl_start "$dl"
	bed_wait 30 size_ge "$BED/$dl" $((1 << 20)) ||
		{ fail "${name}_setup" "the IMAPS download did not get 1 MiB in 30 s: $(head -c 200 "$BED/$dl.err")"; return; }
	pace_relay || { fail "${name}_setup" "tc on the mail server's eth0 failed"; return; }
	qid=$(relay_submit "$rtok" "$RELAY_BYTES")
	[ -n "$qid" ] || { fail "${name}_setup" "the mail server's Postfix did not queue the relay"; unpace_relay; return; }
	bed_wait 30 relay_acked_ge $((256 << 10))
	acked=$(relay_acked)
	dl_t0=$(size_of "$BED/$dl")
	drops0=$(counter B drop_out_no_flow)
	if [ "$acked" -lt $((256 << 10)) ] || [ "$dl_t0" -ge "$BIG_SIZE" ] || [ -e "$BED/$dl.rc" ]; then
		fail "${name}_setup" "relay $qid acked $acked bytes, download at $dl_t0 (rc $(cat "$BED/$dl.rc" 2>/dev/null))"
	fi

	# the failure
	t0=$(now)
	eval "$fail_cmd"
	if kapair_wait_holds B 15; then
		ok "${name}_b_takes_over"
	else
		fail "${name}_b_takes_over" "owners (wan, lan): $(kapair_owners); $(tail -3 "$BED_KA/B.log")"
	fi
	tb=$(now)
	dl_tb=$(size_of "$BED/$dl")
	# the relay's retry need not crawl
	unpace_relay

	# SMTP again, through B
	bed_wait 30 figures_ready "$t0" "$tb"
	fig=$(probe_figures "$t0" "$tb")
	read -r outage nfail <<<"$fig"
	if [ "$fig" != pending ] && python3 -c "import sys; sys.exit(not $outage <= $BOUND)"; then
		ok "${name}_smtp_back_within_${BOUND}s"
	else
		fail "${name}_smtp_back_within_${BOUND}s" "figures '$fig'; last attempts: $(tail -3 "$PROBE" | tr '\n' ' ')"
	fi
	echo "# $name: B had both addresses $(python3 -c "print('%.2f' % ($tb - $t0))") s after the failure; swaks to $PUB:25: $nfail attempts failed, working again $outage s after the failure"
	if smtp_in "in-$name-b"; then
		ok "${name}_smtp_delivers_through_b"
	else
		fail "${name}_smtp_delivers_through_b" "$(grep -m2 -E '^(<\*\*|\*\*\*)' "$BED/in-$name-b.swaks" | tr '\n' ' ')"
	fi

	# the relay: broken on B, deferred, retried through B, delivered
	bed_wait 90 bed_has_mail inet "$INET_USER" "end-$rtok"
	drops1=$(counter B drop_out_no_flow)
	f=$(bed_maildir_find inet "$INET_USER" "end-$rtok")
	t_def=$(relay_log "$qid" | grep -m1 'status=deferred' | awk '{print $3}')
	t_sent=$(relay_log "$qid" | grep -m1 'status=sent' | awk '{print $3}')
	if [ -n "$f" ] && [ -n "$t_def" ] && [ -n "$t_sent" ] && [ "$drops1" != "?" ] &&
		[ "$drops1" -gt "$drops0" ]; then
		ok "${name}_relay_breaks_and_postfix_retries"
	else
		fail "${name}_relay_breaks_and_postfix_retries" "delivered: ${f:-no}; B's drop_out_no_flow $drops0 -> $drops1; log: $(relay_log "$qid" | tr '\n' '|' | head -c 600)"
	fi
	echo "# $name: the relay $qid ($((RELAY_BYTES >> 20)) MiB, $((acked >> 10)) KiB acked at the failure): B dropped $((drops1 - drops0)) of its packets (drop_out_no_flow); failure at $(date -d "@$t0" +%T.%2N), Postfix's log:"
	relay_log "$qid" | grep -E 'status=|lost connection|timed out' | cut -c1-240 | sed 's/^/#   /'

	# the download: every byte, and it was under way at the takeover
	bed_wait 120 test -e "$BED/$dl.rc"
	rc=$(cat "$BED/$dl.rc" 2>/dev/null)
	sum=$(tr -d '\r' <"$BED/$dl" 2>/dev/null | sha256sum | cut -d' ' -f1)
	if [ "$rc" = 0 ] && [ "$sum" = "$BIG_SUM" ] && [ "$dl_tb" -lt "$BIG_SIZE" ]; then
		ok "${name}_imaps_download_survives"
	else
		fail "${name}_imaps_download_survives" "curl exit ${rc:-none} $(head -c 200 "$BED/$dl.err"); $dl_t0 bytes at the failure, $dl_tb at the takeover, $(size_of "$BED/$dl") at the end; sha256 ${sum:0:16} want ${BIG_SUM:0:16}"
	fi
	echo "# $name: the IMAPS download: $dl_t0 bytes at the failure, $dl_tb when B had taken over, then $(size_of "$BED/$dl") (curl exit ${rc:-none}, sha256 $([ "$sum" = "$BIG_SUM" ] && echo equal || echo DIFFERENT))"

	# failback
	t1=$(now)
	eval "$restore_cmd"
	if kapair_wait_owners A 20; then
		ok "${name}_failback_to_a"
	else
		fail "${name}_failback_to_a" "owners (wan, lan): $(kapair_owners); $(tail -3 "$BED_KA/A.log")"
	fi
	ta=$(now)
	bed_wait 30 figures_ready "$t1" "$ta"
	fig=$(probe_figures "$t1" "$ta")
	read -r outage nfail <<<"$fig"
	if [ "$fig" != pending ] && python3 -c "import sys; sys.exit(not $outage <= $BOUND)"; then
		ok "${name}_failback_smtp_back_within_${BOUND}s"
	else
		fail "${name}_failback_smtp_back_within_${BOUND}s" "figures '$fig'; last attempts: $(tail -3 "$PROBE" | tr '\n' ' ')"
	fi
	# no black hole: the 10 attempts after A took over all answered
	bed_wait 30 clean_ready "$ta" 10
	res=$(probe_clean "$ta" 10)
	if [ "$res" = yes ]; then
		ok "${name}_failback_no_black_hole"
	else
		fail "${name}_failback_no_black_hole" "$res"
	fi
	echo "# $name failback: A had both addresses $(python3 -c "print('%.2f' % ($ta - $t1))") s after its return; swaks: $nfail attempts failed, working again $outage s after the return"
	rtok=relay-$name-back-$RANDOM$RANDOM
	qid=$(relay_submit "$rtok" 4096)
	if [ -n "$qid" ] && bed_wait_mail inet "$INET_USER" "end-$rtok" >/dev/null; then
		ok "${name}_failback_relay_through_a"
	else
		fail "${name}_failback_relay_through_a" "${qid:-not queued}: $(relay_log "$qid" | tail -2 | tr '\n' '|')"
	fi
}

ka_kill_a() {
	kapair_ka_kill "$(cat "$BED_KA/A.pid" 2>/dev/null)" "$(cat "$BED_KA/A.vrrp.pid" 2>/dev/null)"
}

# the link down as a cable pulled: the switch's port of A's wan0 down, A's
# wan0 without carrier (keepalived's FAULT at once, as for `ip link set
# wan0 down` on A, which would also flush A's route to the Internet's
# clients: README)
scenario linkdown "ip -n $NS_SW link set wa down" "ip -n $NS_SW link set wa up"
scenario kill ka_kill_a "bed_ka_start A"

for p in "${BG_PIDS[@]}"; do
	kill "$p" 2>/dev/null
done
BG_PIDS=()
bed_test_down
echo "# $((SECONDS - T0))s in all"
e2e_summary
