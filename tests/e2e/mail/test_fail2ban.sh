#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# fail2ban the way operators run it, across two hosts (issue 13): the
# real mail bed of bed-up.sh, a real fail2ban on the mail server reading
# Dovecot's and Postfix's logs there, and mxgw on the gateway, reached
# over SSH with a key that only bans (the shipped action.d/mxgw-ssh.conf
# and forced command mxctl-fail2ban-ssh).  The two hosts are the bed's
# namespaces and share no log file: fail2ban reads $BED/ms/, the gateway
# only gets ssh commands.
#   - fail2ban (Debian's, started without systemd with a config directory,
#     socket, pid file and database of its own, in the mail server's
#     network namespace) with the shipped jails (jail.d/mxgw.conf:
#     dovecot and postfix[mode=auth]) enabled by a jail.d/mxgw.local;
#   - sshd (started without systemd in the gateway's namespaces, its own
#     config, host key and authorized_keys, on the LAN address's port
#     2222) whose one key has restrict,command="mxctl-fail2ban-ssh ...";
#   - after maxretry (3) failed IMAPS logins of client A (198.51.100.7),
#     A is banned in mxgw for fail2ban's bantime (20 s): its IMAPS and
#     SMTP connections time out, drop_banned grows, client B
#     (198.51.100.8) still logs in and delivers; once the bantime is
#     over, A logs in again;
#   - a ban of fail2ban-client's lifted by fail2ban-client unban at once;
#     bantime -1 bans with no expiry; an unban of a ban already gone
#     (unbanned by hand on the gateway) is no error of fail2ban's;
#   - over IPv6: failed logins of 2001:db8:51::7 ban its /64 (drop_banned
#     grows under IPv6's key);
#   - the key does nothing but ban/unban: unload, bans, a ban with a
#     second command or an option of mxctl's are refused (exit 2) and
#     change nothing.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).  The bed, sshd and
# fail2ban are stopped on exit, whatever happened.
set -u

# shellcheck source=tests/e2e/mail/bedlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bedlib.sh"
# shellcheck source=tests/e2e/mail/testlib.sh
. "$BED_LIBDIR/testlib.sh"

T0=$SECONDS
[ "$(id -u)" -eq 0 ] || e2e_cannot_run "needs root (network namespaces, BPF)"
for c in fail2ban-client sshd ssh ssh-keygen; do
	command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] ||
		e2e_cannot_run "$c is missing (tests/e2e/mail/deps.sh installs it)"
done

A=$E2E_CLIENT1				# 198.51.100.7: fails its logins
B=$E2E_CLIENT2				# 198.51.100.8: does not
A6=$E2E_CLIENT1_6			# 2001:db8:51::7
SSH_PORT=2222
BANTIME=20
MAXRETRY=3
SHIPPED=$E2E_ROOT/etc/fail2ban

# the processes of this test, stopped before the bed goes (bed_test_cleanup
# kills BG_PIDS); /run/sshd (sshd's privilege separation directory) is
# removed again if this test made it
RUN_SSHD_MADE=
f2b_cleanup() {
	local p i
	# fail2ban first (its unbans still reach sshd), then sshd
	for ((i = ${#BG_PIDS[@]} - 1; i >= 0; i--)); do
		kill "${BG_PIDS[i]}" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		# fail2ban-client's server stops within a few seconds of TERM
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
	done
	BG_PIDS=()
	[ -n "$RUN_SSHD_MADE" ] && rmdir /run/sshd 2>/dev/null
	bed_test_cleanup
}

bed_test_up
trap f2b_cleanup EXIT
echo "# bed up in $((SECONDS - T0))s: $BED"
F=$BED/f2b
mkdir -p "$F"

# --- the gateway: sshd with the forced command ---

if ! ssh-keygen -q -t ed25519 -N '' -C mxgw-test-host -f "$F/host_key" ||
	! ssh-keygen -q -t ed25519 -N '' -C fail2ban@mail -f "$F/f2b_key"; then
	fail sshd_up_in_gateway "ssh-keygen failed"
	e2e_summary
	exit 1
fi
echo "[$LANGW]:$SSH_PORT $(cat "$F/host_key.pub")" >"$F/known_hosts"
# root's shell runs the forced command: MXGW_MXCTL and -c name the bed's
# mxctl and config (an installed gateway has neither)
echo "restrict,command=\"MXGW_MXCTL=$MXCTL $SHIPPED/mxctl-fail2ban-ssh -c $BED_CONF\" $(cat "$F/f2b_key.pub")" \
	>"$F/authorized_keys"
cat >"$F/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress $LANGW
HostKey $F/host_key
AuthorizedKeysFile $F/authorized_keys
PidFile $F/sshd.pid
PermitRootLogin forced-commands-only
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# the temp directory is not root's home: no mode checks of its path
StrictModes no
AllowUsers root
EOF
if [ ! -d /run/sshd ]; then
	mkdir -m 0755 /run/sshd && RUN_SSHD_MADE=1
fi
# in the bed's mount namespace, where the gateway's pins are
nsenter --mount="$BED_MNTNS" --net="/run/netns/$NS_GW" -- \
	/usr/sbin/sshd -D -e -f "$F/sshd_config" 2>"$F/sshd.log" &
BG_PIDS+=($!)
if bed_wait "$BED_START_TIMEOUT" bed_listening "$NS_GW" t "$LANGW:$SSH_PORT"; then
	ok sshd_up_in_gateway
else
	fail sshd_up_in_gateway "sshd not listening on $LANGW:$SSH_PORT: $(tail -3 "$F/sshd.log")"
	e2e_summary
	exit 1
fi

# what fail2ban's action runs: ssh from the mail server to the gateway
SSHOPTS="-o UserKnownHostsFile=$F/known_hosts"
gw_ssh() {
	# shellcheck disable=SC2086 # SSHOPTS: options, split
	nsenter --net="/run/netns/$NS_MS" -- ssh -F /dev/null -i "$F/f2b_key" -p "$SSH_PORT" \
		-o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10 $SSHOPTS \
		"root@$LANGW" -- "$@"
}

# --- the mail server: fail2ban with the shipped action and jails ---

# Debian's configuration without its jails (jail.d/defaults-debian.conf
# enables sshd on systemd's journal), plus what mxgw ships, plus a .local
# that enables the shipped jails on the bed's logs with short times
mkdir -p "$F/etc/jail.d"
cp /etc/fail2ban/fail2ban.conf /etc/fail2ban/jail.conf /etc/fail2ban/paths-*.conf "$F/etc/"
cp -r /etc/fail2ban/filter.d /etc/fail2ban/action.d "$F/etc/"
cp "$SHIPPED/action.d/mxgw.conf" "$SHIPPED/action.d/mxgw-ssh.conf" "$F/etc/action.d/"
cp "$SHIPPED/jail.d/mxgw.conf" "$F/etc/jail.d/"
cat >"$F/etc/fail2ban.local" <<EOF
[Definition]
loglevel = INFO
logtarget = $F/fail2ban.log
socket = $F/fail2ban.sock
pidfile = $F/fail2ban.pid
dbfile = $F/fail2ban.sqlite3
EOF
ACTION="mxgw-ssh[gateway=$LANGW, sshport=$SSH_PORT, key=$F/f2b_key, sshopts=\"$SSHOPTS\"]"
cat >"$F/etc/jail.d/mxgw.local" <<EOF
[mxgw-dovecot]
enabled  = true
logpath  = $BED/ms/dovecot.log
backend  = polling
maxretry = $MAXRETRY
findtime = 10m
bantime  = $BANTIME
action   = $ACTION

[mxgw-postfix-sasl]
enabled  = true
logpath  = $BED/ms/maillog
backend  = polling
action   = $ACTION
EOF

f2b() {
	nsenter --net="/run/netns/$NS_MS" -- fail2ban-client -c "$F/etc" -s "$F/fail2ban.sock" \
		-p "$F/fail2ban.pid" "$@"
}
f2b -f -x start >"$F/server.out" 2>&1 &
BG_PIDS+=($!)
f2b_jails_up() {
	f2b status 2>/dev/null | grep -q 'Jail list:.*mxgw-dovecot' &&
		f2b status 2>/dev/null | grep -q 'Jail list:.*mxgw-postfix-sasl'
}
if bed_wait 60 f2b_jails_up; then
	ok fail2ban_up_with_shipped_jails
else
	fail fail2ban_up_with_shipped_jails "$(tail -5 "$F/server.out" "$F/fail2ban.log" 2>/dev/null | tr '\n' '|')"
	e2e_summary
	exit 1
fi

# --- helpers ---

# ban_field PREFIX EXPR: EXPR of the ban of PREFIX in mxctl bans -j (b
# the ban), "none" if there is none
ban_field() {
	bed_mx bans -j 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)["interfaces"][0]
b = next((b for b in d["bans"] if b["prefix"] == sys.argv[1]), None)
print("none" if b is None else eval(sys.argv[2]))' "$1" "$2"
}
banned() { [ "$(ban_field "$1" 1)" = 1 ]; }
not_banned() { [ "$(ban_field "$1" 1)" = none ]; }

counter() {
	status_json "$BED/st.json" || { echo -1; return; }
	if [ "${2:-}" = 6 ]; then
		jget "$BED/st.json" "d['counters6']['$1']"
	else
		jget "$BED/st.json" "d['counters']['$1']"
	fi
}

# fail_logins SRC N: N IMAPS logins with a wrong password from SRC (each
# one a "Disconnected (auth failed, ...)" line in Dovecot's log).  Dovecot
# answers a source's failures ever later (auth_penalty: 2 s, 4 s, 8 s...),
# and curl counts the login into its connect timeout: a long one.
fail_logins() {
	local src=$1 n=$2 i rc host
	host=$PUB
	[[ $src == *:* ]] && host=[$MS6]
	for i in $(seq "$n"); do
		in_ns "$NS_INET" curl -sS --cacert "$CA" --interface "$src" --connect-timeout 30 -m 40 \
			-u "$MS_USER:wrong-$i" "imaps://$host/" -X 'STATUS INBOX (MESSAGES)' >/dev/null 2>&1
		rc=$?
		# 67: login denied; anything else is no failed login
		[ "$rc" -eq 67 ] || { echo "curl exit $rc"; return 1; }
	done
}

# try_as SRC SERVICE: bed_try from SRC (IPv4) instead of the bed's client
try_as() {
	CLIENT=$1 bed_try "$2" in
}

# expect_as CHECK SRC SERVICE WANT
expect_as() {
	try_as "$2" "$3"
	if [ "$TRY_RESULT" = "$4" ]; then
		ok "$1"
	else
		fail "$1" "from $2: $TRY_WITH: $TRY_RESULT ($TRY_DETAIL), want $4"
	fi
}

imaps_answers() { try_as "$1" imaps; [ "$TRY_RESULT" = answered ]; }

f2b_errors() {
	grep -c ' ERROR ' "$F/fail2ban.log" 2>/dev/null
}

# unbans IP: how many times fail2ban's log says the dovecot jail unbanned IP
unbans() {
	grep -c "\[mxgw-dovecot\] Unban $1\$" "$F/fail2ban.log" 2>/dev/null
}
unbans_more_than() { [ "$(unbans "$1")" -gt "$2" ]; }

# --- 1. failed logins ban A for bantime; B is unaffected; A back after ---

case_ban_by_failed_logins() {
	local d0 d1 err t_ban t_back left why u

	expect_as before_a_imaps_answered "$A" imaps answered
	expect_as before_b_imaps_answered "$B" imaps answered

	if why=$(fail_logins "$A" "$MAXRETRY"); then
		ok a_failed_imaps_logins
	else
		fail a_failed_imaps_logins "$why"
	fi
	if bed_wait 30 banned "$A/32"; then
		t_ban=$SECONDS
		ok fail2ban_bans_a_on_gateway
	else
		fail fail2ban_bans_a_on_gateway "no ban of $A/32 after $MAXRETRY failed logins: bans: $(bed_mx bans 2>&1 | tr '\n' '|'); fail2ban: $(grep -E 'Found|Ban|ERROR' "$F/fail2ban.log" | tail -5 | tr '\n' '|')"
		return
	fi
	# --for bantime, the jail's name as the reason
	left=$(ban_field "$A/32" 'abs(b["expires_unix"] - b["set_unix"] - '"$BANTIME"') <= 1, b["reason"]')
	if [ "$left" = "(True, 'fail2ban-mxgw-dovecot')" ]; then
		ok ban_for_bantime_reason_jail
	else
		fail ban_for_bantime_reason_jail "want an expiry $BANTIME s after set, reason fail2ban-mxgw-dovecot: $(bed_mx bans -j 2>&1)"
	fi

	d0=$(counter drop_banned)
	expect_as banned_a_imaps_dropped "$A" imaps "timed out"
	expect_as banned_a_smtp_dropped "$A" smtp "timed out"
	d1=$(counter drop_banned)
	if [ "$d1" -gt "$d0" ]; then
		ok drop_banned_grows
	else
		fail drop_banned_grows "drop_banned $d0 -> $d1"
	fi
	expect_as banned_a_b_imaps_answered "$B" imaps answered
	expect_as banned_a_b_smtp_delivered "$B" smtp answered

	# bantime over: fail2ban's unban or the data plane's expiry, whichever
	# comes first, lets A in again.  fail2ban counts bantime from the last
	# failure's time in the log, which comes before the ban on the gateway
	# by its log poll and the ssh round trip (seconds, under load): A is
	# back no sooner than half the bantime after the ban was seen
	err=$(f2b_errors)
	u=$(unbans "$A")
	if bed_wait $((BANTIME + 20)) imaps_answers "$A"; then
		t_back=$SECONDS
		if [ $((t_back - t_ban)) -ge $((BANTIME / 2)) ]; then
			ok after_bantime_a_imaps_answered
		else
			fail after_bantime_a_imaps_answered "A back $((t_back - t_ban))s after the ban, bantime $BANTIME"
		fi
	else
		fail after_bantime_a_imaps_answered "A still not in $((BANTIME + 20))s after the ban"
	fi
	expect_as after_bantime_a_smtp_delivered "$A" smtp answered
	if bed_wait 10 unbans_more_than "$A" "$u" &&
		bed_wait 5 not_banned "$A/32" && [ "$(f2b_errors)" = "$err" ]; then
		ok fail2ban_unban_after_bantime_no_error
	else
		fail fail2ban_unban_after_bantime_no_error "$(grep -E 'Unban|ERROR' "$F/fail2ban.log" | tail -4 | tr '\n' '|')"
	fi
}

# --- 2. fail2ban-client: unban at once, permanent bans, unban of a ban gone ---

case_fail2ban_client() {
	local err e u

	f2b set mxgw-dovecot banip "$A" >/dev/null 2>&1
	if bed_wait 15 banned "$A/32"; then
		expect_as banip_a_imaps_dropped "$A" imaps "timed out"
	else
		fail banip_a_imaps_dropped "fail2ban-client set mxgw-dovecot banip: no ban"
	fi
	f2b unban "$A" >/dev/null 2>&1
	if bed_wait 10 not_banned "$A/32"; then
		expect_as f2b_unban_a_imaps_answered "$A" imaps answered
	else
		fail f2b_unban_a_imaps_answered "fail2ban-client unban: $A/32 still banned"
	fi

	# bantime -1: mxctl ban without --for, no expiry
	f2b set mxgw-dovecot bantime -1 >/dev/null 2>&1
	f2b set mxgw-dovecot banip "$A" >/dev/null 2>&1
	if bed_wait 15 banned "$A/32" && [ "$(ban_field "$A/32" 'b["expires"]')" = None ]; then
		ok bantime_permanent_no_expiry
	else
		fail bantime_permanent_no_expiry "ban of $A/32: expires $(ban_field "$A/32" 'b["expires"]')"
	fi
	f2b set mxgw-dovecot bantime "$BANTIME" >/dev/null 2>&1

	# the ban gone from the gateway before fail2ban lifts it: mxctl unban
	# exits 1, the action forgives it, fail2ban logs no error
	bed_mx unban "$A" >/dev/null 2>&1
	err=$(f2b_errors)
	u=$(unbans "$A")
	f2b set mxgw-dovecot unbanip "$A" >/dev/null 2>&1
	if bed_wait 10 unbans_more_than "$A" "$u"; then
		e=$(f2b_errors)
		if [ "$e" = "$err" ]; then
			ok unban_of_ban_gone_no_error
		else
			fail unban_of_ban_gone_no_error "$(grep ' ERROR ' "$F/fail2ban.log" | tail -3 | tr '\n' '|')"
		fi
	else
		fail unban_of_ban_gone_no_error "no Unban in fail2ban's log: $(tail -3 "$F/fail2ban.log" | tr '\n' '|')"
	fi
}

# --- 3. IPv6: the client's /64 ---

case_ipv6() {
	local d0 d1 why p6

	p6=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_network(sys.argv[1] + "/64", strict=False))' "$A6")
	if why=$(fail_logins "$A6" "$MAXRETRY") && bed_wait 30 banned "$p6"; then
		ok fail2ban_bans_ipv6_slash64
	else
		fail fail2ban_bans_ipv6_slash64 "${why:-no ban of $p6}: $(grep -E 'Ban|ERROR' "$F/fail2ban.log" | tail -3 | tr '\n' '|')"
		return
	fi
	d0=$(counter drop_banned 6)
	BED_FAMILY=6 bed_try imaps in
	if [ "$TRY_RESULT" = "timed out" ]; then
		ok banned_a6_imaps_dropped
	else
		fail banned_a6_imaps_dropped "$TRY_WITH: $TRY_RESULT ($TRY_DETAIL)"
	fi
	BED_FAMILY=6 bed_try smtp in
	if [ "$TRY_RESULT" = "timed out" ]; then
		ok banned_a6_smtp_dropped
	else
		fail banned_a6_smtp_dropped "$TRY_WITH: $TRY_RESULT ($TRY_DETAIL)"
	fi
	d1=$(counter drop_banned 6)
	if [ "$d1" -gt "$d0" ]; then
		ok drop_banned_grows_ipv6
	else
		fail drop_banned_grows_ipv6 "IPv6 drop_banned $d0 -> $d1"
	fi
	# IPv4's A is another client
	expect_as banned_a6_a4_imaps_answered "$A" imaps answered
	f2b unban "$A6" >/dev/null 2>&1
	# mail, not IMAP: Dovecot still delays this source's logins for its
	# failures (auth_penalty), longer than a try waits
	if bed_wait 10 not_banned "$p6"; then
		BED_FAMILY=6 bed_try smtp in
		if [ "$TRY_RESULT" = answered ]; then
			ok f2b_unban_a6_smtp_delivered
		else
			fail f2b_unban_a6_smtp_delivered "$TRY_WITH: $TRY_RESULT ($TRY_DETAIL)"
		fi
	else
		fail f2b_unban_a6_smtp_delivered "fail2ban-client unban: $p6 still banned"
	fi
}

# --- 4. the key bans and unbans, nothing else ---

case_forced_command() {
	local c rc n0 bad=''

	n0=$(bed_mx bans -j | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["interfaces"][0]["bans"]))')
	# shellcheck disable=SC2016 # $(id): a command substitution sent, not run here
	for c in 'unload wan0' 'bans' 'status' 'ban 203.0.113.1; unload wan0' 'ban 203.0.113.1 && unload wan0' \
		'ban -c /dev/null 203.0.113.1' 'ban 203.0.113.1 -i wan0' 'ban 203.0.113.0/24' \
		'ban 203.0.113.1 --for 0' 'ban 203.0.113.1 --reason $(id)' 'unban 203.0.113.1 203.0.113.2' \
		'ban --file /etc/passwd' 'ban'; do
		gw_ssh "$c" >/dev/null 2>"$BED/ssh.err"
		rc=$?
		[ "$rc" -eq 2 ] && grep -q '^mxctl-fail2ban-ssh: refused' "$BED/ssh.err" ||
			bad="$bad '$c'(exit $rc: $(head -c 100 "$BED/ssh.err"))"
	done
	if [ -z "$bad" ]; then
		ok forced_command_refuses_all_but_ban_unban
	else
		fail forced_command_refuses_all_but_ban_unban "$bad"
	fi
	# nothing changed: still loaded, attached, the same bans
	if bed_mx status -j >/dev/null 2>&1 &&
		ip -n "$NS_GW" -d link show wan0 2>/dev/null | grep -q 'prog/xdp' &&
		[ "$(bed_mx bans -j | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["interfaces"][0]["bans"]))')" = "$n0" ]; then
		ok forced_command_refused_changes_nothing
	else
		fail forced_command_refused_changes_nothing "status: $(bed_mx status 2>&1 | head -2 | tr '\n' '|'); bans: $(bed_mx bans 2>&1 | tr '\n' '|')"
	fi
	# what it lets through, with mxctl's own statuses
	gw_ssh ban 198.51.100.99 --for 30 >/dev/null 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && banned 198.51.100.99/32 && gw_ssh unban 198.51.100.99 >/dev/null 2>&1 &&
		not_banned 198.51.100.99/32; then
		gw_ssh unban 198.51.100.99 >/dev/null 2>&1
		rc=$?
		if [ "$rc" -eq 1 ]; then
			ok forced_command_ban_unban_statuses
		else
			fail forced_command_ban_unban_statuses "unban of a ban gone: exit $rc, want 1"
		fi
	else
		fail forced_command_ban_unban_statuses "ban exit $rc; bans: $(bed_mx bans 2>&1 | tr '\n' '|')"
	fi
}

case_ban_by_failed_logins
case_fail2ban_client
case_ipv6
case_forced_command

# stopped by its own client, fail2ban unbans what it still holds (nothing)
if f2b stop >/dev/null 2>&1; then
	ok fail2ban_stops
else
	fail fail2ban_stops "fail2ban-client stop: $(tail -3 "$F/fail2ban.log" | tr '\n' '|')"
fi
echo "# done in $((SECONDS - T0))s"
e2e_summary
