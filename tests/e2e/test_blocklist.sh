#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: blocklists (issue 13) on the namespace topology, both
# families.  Real connections from the Internet's clients: a listed one
# dropped at XDP (no answer, nothing reaches the mail server), a list
# applied to its services only, the others fine; mxctl blocklist show
# (text and -j) agreeing with what happened; a bad file refused by
# blocklist reload and by reload, changing nothing; blocklist reload under
# a loop of connections from an unlisted client with none of them lost;
# the lists surviving set-service and reload, and a load over an older
# build's pins; 10^6 IPv4 and 10^5 IPv6 generated prefixes loaded within
# 5 s (time and memory reported).
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

C1=$E2E_CLIENT1			# in list "drop" (everything)
C2=$E2E_CLIENT2			# in list "smtponly" (smtp)
C3=198.51.100.9			# in no list
C1_6=$E2E_CLIENT1_6		# in "drop"
C2_6=$E2E_CLIENT2_6		# in no list
LOG=$E2E_TMP/listener.log
MS6=$E2E_MAILSERVER6
# How long the 10^6 + 10^5 prefixes may take to load (the issue's target).
SCALE_LIMIT_S=${SCALE_LIMIT_S:-5}

describe() {
	case $1 in
	"banner "*) echo "connected, got '${1#banner }'" ;;
	timeout) echo "no answer to the SYN within ${E2E_TIMEOUT}s" ;;
	*) echo "$1" ;;
	esac
}

# expect_conn CHECK DST SRC PORT reached|dropped (after a batch)
expect_conn() {
	local check=$1 src=$3 port=$4 want=$5 res
	res=$(conn_result "$src" "$port")
	if [ "$want" = reached ]; then
		if [ "$res" = "banner 220 mxgw-e2e $port" ] && grep -qx "$port $src" "$LOG"; then
			ok "$check"
		else
			fail "$check" "$src -> $2:$port: $(describe "$res"); want the banner"
		fi
	elif [ "$res" != timeout ]; then
		fail "$check" "$src -> $2:$port: $(describe "$res"); want no answer (dropped)"
	elif grep -qx "$port $src" "$LOG"; then
		fail "$check" "timed out, yet the mail server saw $src on $port"
	else
		ok "$check"
	fi
}

batch4() {
	: >"$LOG"
	e2e_connect "$@"
}

batch6() {
	: >"$LOG"
	e2e_connect_to "$MS6" "$@"
}

# show_json EXPR...: Python expressions over `mxctl blocklist show -j`'s
# first interface (d), l(NAME) a list of it.
show_json() {
	mx blocklist show -j >"$E2E_TMP/show.json" 2>"$E2E_TMP/show.err" || {
		echo "show failed: $(head -c 200 "$E2E_TMP/show.err")"
		return
	}
	python3 - "$E2E_TMP/show.json" "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))[0]
def l(name):
    return next(x for x in d["lists"] if x["name"] == name)
for expr in sys.argv[2:]:
    print(eval(expr))
EOF
}

counter() {
	status_json "$E2E_TMP/status.json" &&
		jget "$E2E_TMP/status.json" "d['counters']['$1']"
}

# --- setup ----------------------------------------------------------------

e2e_topology_up
e2e_topology6_up
ip -n "$NS_INET" addr add "$C3/32" dev eth0 ||
	e2e_cannot_run "cannot add $C3 to the Internet host"
if ! e2e_neigh_resolved "$NS_GW" lan0 "$E2E_MAILSERVER" ||
	! e2e_neigh_resolved "$NS_GW" lan0 "$MS6"; then
	e2e_cannot_run "the gateway did not resolve the mail server on lan0 within 5 s"
fi
e2e_listener_start "$NS_MS" "$LOG" 25 443 ||
	e2e_cannot_run "the mail-server listener did not start"

DROP=$E2E_TMP/drop.txt
SMTP=$E2E_TMP/smtponly.json
BIG=$E2E_TMP/big.txt
printf '# FireHOL-style\n%s\n%s/128\n' "$C1" "$C1_6" >"$DROP"
printf '{"cidr":"%s/32","sblid":"SBL1","rir":"arin"}\n{"type":"metadata","timestamp":1765000000,"size":1,"records":1}\n' \
	"$C2" >"$SMTP"
CONF=$E2E_TMP/mxgw.conf
{
	sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf"
	echo "mailserver6 $MS6"
	echo "blocklist drop $DROP"
	echo "blocklist smtponly smtponly.json services smtp"	# relative: the config's directory
} >"$CONF"

# --- 1. load: listed clients dropped, the others fine -----------------------

out=$(mx -c "$CONF" load wan0 2>"$E2E_TMP/err")
rc=$?
[ "$rc" -eq 0 ] || e2e_cannot_run "mxctl load: exit $rc: $(head -c 300 "$E2E_TMP/err")"
if grep -q "blocklist drop: 1 IPv4 and 1 IPv6 prefixes from $DROP" <<<"$out" &&
	grep -q "blocklist smtponly: 1 IPv4 and 0 IPv6 prefixes from $SMTP" <<<"$out"; then
	ok load_says_what_the_lists_hold
else
	fail load_says_what_the_lists_hold "mxctl load printed: $out"
fi

check_clients() {
	local when=$1
	batch4 "$C1:25" "$C1:443" "$C2:25" "$C2:443" "$C3:25" "$C3:443"
	expect_conn "${when}drop_list_smtp_dropped" "$E2E_PUBLIC" "$C1" 25 dropped
	expect_conn "${when}drop_list_https_dropped" "$E2E_PUBLIC" "$C1" 443 dropped
	expect_conn "${when}smtponly_list_smtp_dropped" "$E2E_PUBLIC" "$C2" 25 dropped
	expect_conn "${when}smtponly_list_https_reached" "$E2E_PUBLIC" "$C2" 443 reached
	expect_conn "${when}unlisted_smtp_reached" "$E2E_PUBLIC" "$C3" 25 reached
	expect_conn "${when}unlisted_https_reached" "$E2E_PUBLIC" "$C3" 443 reached
	batch6 "$C1_6:25" "$C2_6:25" "$C2_6:443"
	expect_conn "${when}ipv6_listed_dropped" "$MS6" "$C1_6" 25 dropped
	expect_conn "${when}ipv6_unlisted_smtp_reached" "$MS6" "$C2_6" 25 reached
	expect_conn "${when}ipv6_unlisted_https_reached" "$MS6" "$C2_6" 443 reached
}
check_clients ""

# the counters: a dropped SYN is retransmitted within the timeout or not,
# so at least one per connection
got=$(show_json "l('drop')['dropped_ipv4'] >= 2" "l('drop')['dropped_ipv6'] >= 1" \
	"l('smtponly')['dropped_ipv4'] >= 1" "l('smtponly')['dropped_ipv6'] == 0" \
	"l('drop')['prefixes_ipv4'] == 1 and l('drop')['prefixes_ipv6'] == 1" \
	"l('smtponly')['services'] == 'smtp' and l('drop')['services'] == 'all'" \
	"l('drop')['file'] == '$DROP' and l('smtponly')['file'] == '$SMTP'" \
	"d['memory_ipv4'] >= 32 << 20 and d['memory_ipv6'] > 0" | tr '\n' ' ')
if [ "$got" = "True True True True True True True True " ]; then
	ok show_json_counts_and_lists
else
	fail show_json_counts_and_lists "blocklist show -j: $got: $(head -c 600 "$E2E_TMP/show.json")"
fi
drops=$(counter drop_blocklist)
if [ "${drops:-0}" -ge 4 ] 2>/dev/null; then
	ok drop_blocklist_counter
else
	fail drop_blocklist_counter "status -j counters.drop_blocklist is '${drops:-?}', want >= 4"
fi
text=$(mx blocklist show 2>&1)
if grep -q "^  drop .*1 IPv4 (1 longer than /24), 1 IPv6 prefixes.*services all; $DROP; loaded 20" <<<"$text"; then
	ok show_text
else
	fail show_text "blocklist show printed: $text"
fi

# --- 2. a bad file changes nothing -----------------------------------------

loaded_before=$(show_json "l('drop')['loaded']")
printf '%s\n10.0.0.1/8\n2001:db8::/129\n' "$C3" >"$DROP"
mx -c "$CONF" blocklist reload drop >"$E2E_TMP/out" 2>"$E2E_TMP/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "^$DROP:2: \"10.0.0.1/8\": host bits set" "$E2E_TMP/err" &&
	grep -q "^$DROP:3: \"2001:db8::/129\": prefix length" "$E2E_TMP/err" &&
	grep -q "refused, nothing changed" "$E2E_TMP/err"; then
	ok bad_file_refused_with_file_line
else
	fail bad_file_refused_with_file_line "exit $rc: $(head -c 400 "$E2E_TMP/err")"
fi
mx -c "$CONF" reload >"$E2E_TMP/out" 2>"$E2E_TMP/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "^$DROP:2:" "$E2E_TMP/err" && ! grep -q reloaded "$E2E_TMP/out"; then
	ok bad_file_refuses_reload
else
	fail bad_file_refuses_reload "exit $rc: $(head -c 400 "$E2E_TMP/out" "$E2E_TMP/err")"
fi
if [ "$(show_json "l('drop')['loaded']")" = "$loaded_before" ]; then
	ok bad_file_left_the_list_as_it_was
else
	fail bad_file_left_the_list_as_it_was "loaded time changed"
fi
batch4 "$C1:25" "$C3:25"
expect_conn bad_file_c1_still_dropped "$E2E_PUBLIC" "$C1" 25 dropped
expect_conn bad_file_c3_still_reached "$E2E_PUBLIC" "$C3" 25 reached

# --- 3. reload under traffic: no allowed connection lost ---------------------

# C3 connects to :25 over and over (each connection waits up to 3 s for its
# banner) until told to stop, and C2_6 to the mail server's IPv6 :25 (its
# /64 holding the list's /128: the way of its /32 is read at every
# connection); meanwhile the list is swapped ten times between two
# contents, one with C1 and one with C2 in it, and one or two IPv6 /128s.
LOOP=$E2E_TMP/loop
LOOP6=$E2E_TMP/loop6
rm -f "$LOOP.stop"
loop_conns() {
	ns_exec "$NS_INET" python3 - "$1" "$2" "$3" "$LOOP.stop" <<'EOF' &
import os, socket, sys
dst, src, base, stop = sys.argv[1:5]
ok = lost = 0
while not os.path.exists(stop):
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET)
    s.settimeout(3)
    try:
        s.bind((src, 0))
        s.connect((dst, 25))
        if s.recv(64).startswith(b"220 "):
            ok += 1
        else:
            lost += 1
    except OSError:
        lost += 1
    finally:
        s.close()
    with open(base + ".count", "w") as f:
        f.write("%d %d\n" % (ok, lost))
EOF
}
loop_conns "$E2E_PUBLIC" "$C3" "$LOOP"
LOOP_PID=$!
E2E_PIDS+=("$LOOP_PID")
loop_conns "$MS6" "$C2_6" "$LOOP6"
LOOP6_PID=$!
E2E_PIDS+=("$LOOP6_PID")
# the loops run before the first swap
for _ in $(seq 50); do
	[ -s "$LOOP.count" ] && [ -s "$LOOP6.count" ] && break
	sleep 0.1
done
swaps=0
for i in $(seq 10); do
	if [ $((i % 2)) -eq 1 ]; then
		printf '%s\n2001:db8:51::7/128\n2001:db8:51::9/128\n' "$C2" >"$DROP"
	else
		printf '%s\n2001:db8:51::7/128\n' "$C1" >"$DROP"
	fi
	mx -c "$CONF" blocklist reload drop >"$E2E_TMP/out" 2>"$E2E_TMP/err" &&
		swaps=$((swaps + 1))
done
touch "$LOOP.stop"
wait "$LOOP_PID" "$LOOP6_PID"
read -r loop_ok loop_lost <"$LOOP.count"
read -r loop6_ok loop6_lost <"$LOOP6.count"
if [ "$swaps" -eq 10 ] && [ "${loop_lost:-1}" -eq 0 ] && [ "${loop_ok:-0}" -ge 10 ]; then
	ok reload_under_traffic_loses_nothing
	echo "# $swaps swaps during $loop_ok connections, none lost; the last: $(grep swapped "$E2E_TMP/out")"
else
	fail reload_under_traffic_loses_nothing "$swaps of 10 swaps; $loop_ok connections, $loop_lost lost: $(head -c 300 "$E2E_TMP/err")"
fi
if [ "$swaps" -eq 10 ] && [ "${loop6_lost:-1}" -eq 0 ] && [ "${loop6_ok:-0}" -ge 10 ]; then
	ok reload_under_traffic_loses_nothing_ipv6
	echo "# IPv6: $swaps swaps during $loop6_ok connections, none lost"
else
	fail reload_under_traffic_loses_nothing_ipv6 "$swaps of 10 swaps; $loop6_ok IPv6 connections, $loop6_lost lost"
fi
batch4 "$C1:25" "$C2:443"
expect_conn after_swaps_the_last_list_runs "$E2E_PUBLIC" "$C1" 25 dropped
expect_conn after_swaps_c2_https_reached "$E2E_PUBLIC" "$C2" 443 reached

# --- 4. lists survive set-service and reload ---------------------------------

mx set-service smtp in allow >/dev/null 2>&1
mx -c "$CONF" reload >/dev/null 2>"$E2E_TMP/err" ||
	fail reload_ok "reload: $(head -c 300 "$E2E_TMP/err")"
check_clients "after_reload_"

# --- 5. load over an older build: its pins replaced --------------------------

# What an older build leaves: no pin of a map this build added
# (mxgw_bl6_tag), the pin of one it retired (mxgw_bl6_hint).  load then
# replaces the programs (the maps that keep their shape shared), fills
# the lists again and removes the retired pin; in place it could not
# open the maps.
PINS=$(mx -i wan0 status | sed -n 's/^  pins //p')
if [ -n "$PINS" ] && rm "$PINS/mxgw_bl6_tag" &&
	bpftool map create "$PINS/mxgw_bl6_hint" type array key 4 value 64 entries 16 \
		name mxgw_bl6_hint; then
	if mx -c "$CONF" load wan0 >"$E2E_TMP/out" 2>"$E2E_TMP/err" &&
		[ -e "$PINS/mxgw_bl6_tag" ] && [ ! -e "$PINS/mxgw_bl6_hint" ]; then
		ok older_build_replaced_by_load
	else
		fail older_build_replaced_by_load "load: $(head -c 300 "$E2E_TMP/err"); pins: $(cd "$PINS" && echo mxgw_bl6*)"
	fi
	check_clients "after_older_build_"
else
	fail older_build_replaced_by_load "cannot make an older build's pins in '$PINS'"
fi

# --- 6. scale: 10^6 IPv4 and 10^5 IPv6 prefixes -----------------------------

python3 "$E2E_DIR/gen_blocklist.py" 1000000 100000 >"$BIG" ||
	fail scale_generate "gen_blocklist.py failed"
echo "blocklist big $BIG" >>"$CONF"
start=$(date +%s%N)
mx -c "$CONF" reload >"$E2E_TMP/out" 2>"$E2E_TMP/err"
rc=$?
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
mem=$(show_json "l('big')['prefixes_ipv4']" "l('big')['prefixes_ipv6']" \
	"(d['memory_ipv4'] + d['memory_ipv6']) >> 20" | tr '\n' ' ')
echo "# 10^6 IPv4 + 10^5 IPv6 prefixes: reload (parse, read, build, swap) in $ms ms; prefixes and MiB: $mem"
echo "# $(grep swapped "$E2E_TMP/out")"
if [ "$rc" -eq 0 ] && [ "$ms" -le $((SCALE_LIMIT_S * 1000)) ] && [ "${mem%% *}" = 1000000 ]; then
	ok "scale_loaded_within_${SCALE_LIMIT_S}s"
else
	fail "scale_loaded_within_${SCALE_LIMIT_S}s" "exit $rc in $ms ms, $mem: $(head -c 300 "$E2E_TMP/err")"
fi
check_clients "with_big_list_"

e2e_summary
