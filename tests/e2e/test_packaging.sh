#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: what packaging and operations rely on.
#   - make install (PREFIX, DESTDIR; the config never overwritten), the man
#     pages (render, list every counter and every config keyword), the
#     systemd unit (systemd-analyze verify), bash completion;
#   - mxgw loaded on the veth topology of lib.sh with the shipped table, a
#     few connections, then mxctl stats as text, JSON and Prometheus, and
#     the Prometheus text scraped over HTTP from mxctl stats --listen:
#     the format (HELP and TYPE for every family, names ^mxgw_, counters
#     ending in _total) and the values (the connections just made);
#   - a user without privileges gets one line saying so; the pins are
#     root's only;
#   - mxctl export nft: nft -c accepts it, and loaded instead of mxgw on
#     the same topology it enforces the same table.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"

C1=$E2E_CLIENT1
LOG=$E2E_TMP/listener.log
PORT_ALLOWED=25		# smtp: allow in
PORT_DENIED=110		# pop3: deny in
PORT_UNLISTED=8080
HTTP=127.0.0.1:9434

# Where case_install puts what the later cases read.
MANROOT=$E2E_TMP/root/usr/share/man
UNIT=$E2E_TMP/root/usr/lib/systemd/system/mxgw@.service
COMPLETION=$E2E_TMP/root/usr/share/bash-completion/completions/mxctl

# The Prometheus text format, as Prometheus and the node_exporter textfile
# collector read it.  promcheck.py FILE [EXPR...]: checks the format, then
# prints each EXPR evaluated with v(NAME, label=value, ...) = the sample's
# value (None if absent) and fam = the set of family names.
cat >"$E2E_TMP/promcheck.py" <<'EOF'
import re, sys
NAME = re.compile(r'^mxgw_[a-z0-9_]+$')
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"(,|$)')
text = open(sys.argv[1]).read()
errors, help_, type_, samples, order = [], {}, {}, {}, []
if not text.endswith('\n'):
    errors.append('no final newline')
for n, line in enumerate(text.splitlines(), 1):
    if line.startswith('# HELP ') or line.startswith('# TYPE '):
        parts = line.split(' ', 3)
        if len(parts) < 4 or not parts[3]:
            errors.append('%d: %s without text' % (n, parts[1]))
            continue
        d = help_ if parts[1] == 'HELP' else type_
        if parts[2] in d:
            errors.append('%d: second %s for %s' % (n, parts[1], parts[2]))
        d[parts[2]] = parts[3]
        if parts[2] not in order:
            order.append(parts[2])
        continue
    if line.startswith('#') or not line:
        errors.append('%d: unexpected line %r' % (n, line))
        continue
    m = SAMPLE.match(line)
    if not m:
        errors.append('%d: not a sample: %r' % (n, line))
        continue
    name, labels, value = m.group(1), m.group(3) or '', m.group(4)
    if not NAME.match(name):
        errors.append('%d: name %s is not ^mxgw_[a-z0-9_]+$' % (n, name))
    if name not in help_ or name not in type_:
        errors.append('%d: %s has no HELP and TYPE before it' % (n, name))
    elif order[-1] != name:
        errors.append('%d: %s sample outside its family' % (n, name))
    t = type_.get(name)
    if t == 'counter' and not name.endswith('_total'):
        errors.append('%d: counter %s does not end in _total' % (n, name))
    if t == 'gauge' and name.endswith('_total'):
        errors.append('%d: gauge %s ends in _total' % (n, name))
    if t not in ('counter', 'gauge'):
        errors.append('%d: %s has type %s' % (n, name, t))
    pos, lab = 0, {}
    while pos < len(labels):
        lm = LABEL.match(labels, pos)
        if not lm:
            errors.append('%d: bad labels %r' % (n, labels))
            break
        lab[lm.group(1)] = lm.group(2).replace('\\"', '"').replace('\\n', '\n').replace('\\\\', '\\')
        pos = lm.end()
    # every series is an interface's, but the exporter's own build_info
    if 'ifname' not in lab and name != 'mxgw_build_info':
        errors.append('%d: %s without ifname' % (n, name))
    if not re.match(r'^[0-9]+$', value):
        errors.append('%d: value %r' % (n, value))
    key = (name, tuple(sorted(lab.items())))
    if key in samples:
        errors.append('%d: duplicate series %s' % (n, line))
    samples[key] = int(value)
if not samples:
    errors.append('no samples')
if errors:
    print('FORMAT: ' + '; '.join(errors[:5]))
    sys.exit(1)
fam = set(help_)
def v(name, **lab):
    lab.setdefault('ifname', 'wan0')
    lab = {k: x for k, x in lab.items() if x is not None}
    return samples.get((name, tuple(sorted(lab.items()))))
# the sum over the family label of a series kept per family: both families
def fam_sum(name, **lab):
    got = [v(name, family=f, **lab) for f in ('ipv4', 'ipv6')]
    return None if None in got else sum(got)
for expr in sys.argv[2:]:
    print(eval(expr))
EOF

# prom FILE EXPR...: promcheck.py; exits non-zero on a format error.
prom() {
	python3 "$E2E_TMP/promcheck.py" "$@"
}

# http METHOD PATH: "STATUS CONTENT-TYPE" of a request to the exporter in
# the gateway namespace; the body goes to $E2E_TMP/http.body.
http() {
	ns_exec "$NS_GW" python3 - "$1" "http://$HTTP$2" "$E2E_TMP/http.body" <<'EOF'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[2], method=sys.argv[1])
try:
    r = urllib.request.urlopen(req, timeout=10)
    status, ctype, body = r.status, r.headers.get('Content-Type'), r.read()
except urllib.error.HTTPError as e:
    status, ctype, body = e.code, e.headers.get('Content-Type'), e.read()
except OSError as e:
    status, ctype, body = 0, str(e), b''
open(sys.argv[3], 'wb').write(body)
print(status, ctype)
EOF
}

# --- 1. make install, man pages, unit, completion (no BPF needed) -------------

case_install() {
	local root=$E2E_TMP/root root2=$E2E_TMP/root2 f mode missing=""

	# a sub-make of its own: not the jobserver of a "make test" around us
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$E2E_ROOT" --no-print-directory \
		install DESTDIR="$root" PREFIX=/usr >"$E2E_TMP/install.out" 2>&1; then
		fail make_install "make install DESTDIR=$root PREFIX=/usr: $(tail -3 "$E2E_TMP/install.out" | tr '\n' '|')"
		return
	fi
	for f in usr/sbin/mxctl:755 usr/share/man/man8/mxctl.8:644 usr/share/man/man5/mxgw.conf.5:644 \
		usr/lib/systemd/system/mxgw@.service:644 usr/share/bash-completion/completions/mxctl:644 \
		etc/mxgw/mxgw.conf:644 usr/sbin/mxctl-fail2ban-ssh:755 etc/fail2ban/action.d/mxgw.conf:644 \
		etc/fail2ban/action.d/mxgw-ssh.conf:644 etc/fail2ban/jail.d/mxgw.conf:644 \
		etc/keepalived/mxgw-notify:755; do
		mode=$(stat -c %a "$root/${f%:*}" 2>/dev/null)
		[ "$mode" = "${f#*:}" ] || missing="$missing ${f%:*}(${mode:-missing})"
	done
	if [ -z "$missing" ]; then
		ok make_install_prefix_destdir
	else
		fail make_install_prefix_destdir "wrong or missing:$missing"
	fi
	if grep -qx 'ExecStart=/usr/sbin/mxctl load %i' "$root/usr/lib/systemd/system/mxgw@.service"; then
		ok make_install_unit_names_installed_mxctl
	else
		fail make_install_unit_names_installed_mxctl "$(grep ExecStart= "$root/usr/lib/systemd/system/mxgw@.service")"
	fi
	# fail2ban's action and the forced command run the installed mxctl
	# shellcheck disable=SC2016 # the script's own ${...}, matched as text
	if grep -qx 'mxctl = /usr/sbin/mxctl' "$root/etc/fail2ban/action.d/mxgw.conf" &&
		grep -qx 'MXCTL=${MXGW_MXCTL:-/usr/sbin/mxctl}' "$root/usr/sbin/mxctl-fail2ban-ssh"; then
		ok make_install_fail2ban_names_installed_mxctl
	else
		fail make_install_fail2ban_names_installed_mxctl "$(grep -h 'mxctl =\|^MXCTL=' "$root/etc/fail2ban/action.d/mxgw.conf" "$root/usr/sbin/mxctl-fail2ban-ssh" 2>&1 | tr '\n' '|')"
	fi
	# keepalived's hook runs the installed mxctl
	# shellcheck disable=SC2016 # the script's own ${...}, matched as text
	if grep -qx 'MXCTL=${MXGW_MXCTL:-/usr/sbin/mxctl}' "$root/etc/keepalived/mxgw-notify"; then
		ok make_install_keepalived_hook_names_installed_mxctl
	else
		fail make_install_keepalived_hook_names_installed_mxctl "$(grep -h '^MXCTL=' "$root/etc/keepalived/mxgw-notify" 2>&1)"
	fi
	# again, over an edited config: it stays
	echo "# edited by the operator" >>"$root/etc/mxgw/mxgw.conf"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$E2E_ROOT" --no-print-directory \
		install DESTDIR="$root" PREFIX=/usr >"$E2E_TMP/install.out" 2>&1
	if tail -1 "$root/etc/mxgw/mxgw.conf" | grep -qx '# edited by the operator'; then
		ok make_install_keeps_the_config
	else
		fail make_install_keeps_the_config "the second make install replaced etc/mxgw/mxgw.conf"
	fi
	# the default prefix: /usr/local, and the unit follows it
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$E2E_ROOT" --no-print-directory \
		install DESTDIR="$root2" >"$E2E_TMP/install.out" 2>&1
	if [ -x "$root2/usr/local/sbin/mxctl" ] &&
		grep -qx 'ExecStart=/usr/local/sbin/mxctl load %i' \
			"$root2/usr/local/lib/systemd/system/mxgw@.service" &&
		[ -f "$root2/etc/mxgw/mxgw.conf" ]; then
		ok make_install_default_prefix_usr_local
	else
		fail make_install_default_prefix_usr_local "$(cd "$root2" 2>/dev/null && find . -type f | tr '\n' ' ')"
	fi
	# shellcheck disable=SC2016 # the script's own ${...}, matched as text
	if grep -qx 'mxctl = /usr/local/sbin/mxctl' "$root2/etc/fail2ban/action.d/mxgw.conf" &&
		grep -qx 'MXCTL=${MXGW_MXCTL:-/usr/local/sbin/mxctl}' "$root2/usr/local/sbin/mxctl-fail2ban-ssh" &&
		[ -x "$root2/usr/local/sbin/mxctl-fail2ban-ssh" ]; then
		ok make_install_fail2ban_follows_prefix
	else
		fail make_install_fail2ban_follows_prefix "$(grep -h 'mxctl =\|^MXCTL=' "$root2/etc/fail2ban/action.d/mxgw.conf" "$root2/usr/local/sbin/mxctl-fail2ban-ssh" 2>&1 | tr '\n' '|')"
	fi
	# make uninstall removes what install put there, the config aside
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$E2E_ROOT" --no-print-directory \
		uninstall DESTDIR="$root2" >"$E2E_TMP/uninstall.out" 2>&1
	f=$(cd "$root2" 2>/dev/null && find . -type f | sort | tr '\n' ' ')
	if [ "$f" = "./etc/mxgw/mxgw.conf " ]; then
		ok make_uninstall_removes_all_but_the_config
	else
		fail make_uninstall_removes_all_but_the_config "left: $f"
	fi
}

# mxctl --version: git describe of the tree it was built from; a tree that
# is no git checkout builds too, with the fallback.  make CFLAGS=...
# replaces the optimisation, never the project's include paths, warnings
# and -std.
case_version_and_cflags() {
	local want got tree=$E2E_TMP/tree out v1 v2 v3 ver abi

	# the map ABI version, as the one shared header defines it
	abi=$(sed -n 's/^#define MXGW_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$E2E_ROOT/maps/mxgw_abi.h")
	# (-dirty when the tree was changed: not asked of a fresh clone)
	want=$(git -C "$E2E_ROOT" describe --always --tags 2>/dev/null || echo unknown)
	v1=$("$MXCTL" --version)
	v2=$("$MXCTL" version)
	v3=$("$MXCTL" -j version | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["version"], d["abi"])')
	ver=${v1#mxctl }
	ver=${ver% (map ABI "$abi")}
	if [ "$v1" = "mxctl $ver (map ABI $abi)" ] && [ "$v2" = "$v1" ] && [ "$v3" = "$ver $abi" ] &&
		{ [ "$ver" = "$want" ] || [ "$ver" = "$want-dirty" ]; }; then
		ok version_is_git_describe
	else
		fail version_is_git_describe "--version '$v1', version '$v2', -j version '$v3'; git describe says '$want'"
	fi
	# a copy without .git, built at -O0
	mkdir -p "$tree"
	tar -C "$E2E_ROOT" --exclude=./.git --exclude=./build -cf - . | tar -C "$tree" -xf -
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$tree" --no-print-directory V=1 \
		CFLAGS=-O0 build/mxctl >"$E2E_TMP/cflags.out" 2>&1; then
		fail make_cflags_keeps_project_flags "make CFLAGS=-O0: $(grep -m3 -i 'error' "$E2E_TMP/cflags.out" | tr '\n' '|')"
		return
	fi
	# every C compile: the user's -O0 and the project's flags
	out=$(grep -E '^(cc|gcc|clang) .* -c ' "$E2E_TMP/cflags.out" |
		grep -v -e '-O0' -e '-target bpf' | head -1)
	out=$out$(grep -E '^(cc|gcc|clang) .* -c ' "$E2E_TMP/cflags.out" | grep -v -- '-target bpf' |
		grep -v -e '-std=gnu11.*-Werror\|-Werror.*-std=gnu11' | head -1)
	if [ -z "$out" ] && grep -qE '^(cc|gcc|clang) .*-O0.* -c ctl/config.c' "$E2E_TMP/cflags.out"; then
		ok make_cflags_keeps_project_flags
	else
		fail make_cflags_keeps_project_flags "a compile without -O0 or the project's flags: ${out:-none at all}"
	fi
	got=$("$tree/build/mxctl" --version)
	if [ "$got" = "mxctl unknown (map ABI $abi)" ]; then
		ok version_fallback_outside_git
	else
		fail version_fallback_outside_git "built without .git: '$got'"
	fi
	rm -rf "$tree"
}

case_man() {
	local page warn counters c missing="" keywords k

	for page in "$MANROOT/man8/mxctl.8" "$MANROOT/man5/mxgw.conf.5"; do
		warn=$(groff -ww -z -man "$page" 2>&1)
		if [ -n "$warn" ]; then
			fail "man_renders_${page##*/}" "groff: $(head -3 <<<"$warn" | tr '\n' '|')"
		elif ! MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q '^NAME'; then
			fail "man_renders_${page##*/}" "man -l $page shows no NAME section"
		else
			ok "man_renders_${page##*/}"
		fi
	done
	# every counter, in the rendered page, as mxctl names it
	counters=$("$MXCTL" help counters | awk '{ print $1 }')
	MANWIDTH=200 man -l "$MANROOT/man8/mxctl.8" >"$E2E_TMP/mxctl.8.txt" 2>/dev/null
	for c in $counters; do
		grep -Eq "^       $c( |$)" "$E2E_TMP/mxctl.8.txt" || missing="$missing $c"
	done
	if [ -n "$counters" ] && [ -z "$missing" ]; then
		ok man_lists_every_counter
	else
		fail man_lists_every_counter "not in mxctl(8):${missing:- (mxctl help counters printed nothing)}"
	fi
	# every keyword the parser knows (its unknown-keyword message lists them)
	printf 'public 203.0.113.33\nmailserver 192.168.1.10\nbogus-keyword 1\n' >"$E2E_TMP/bad.conf"
	keywords=$("$MXCTL" -c "$E2E_TMP/bad.conf" export nft 2>&1 >/dev/null |
		sed -n 's/.*(expected \(.*\))$/\1/p' | sed 's/,\? or /, /; s/,//g')
	MANWIDTH=200 man -l "$MANROOT/man5/mxgw.conf.5" >"$E2E_TMP/conf.5.txt" 2>/dev/null
	missing=""
	for k in $keywords; do
		grep -Eq "^       $k( |$)" "$E2E_TMP/conf.5.txt" || missing="$missing $k"
	done
	if [ -n "$keywords" ] && [ -z "$missing" ]; then
		ok man_documents_every_config_keyword
	else
		fail man_documents_every_config_keyword "not in mxgw.conf(5):${missing:- (no keyword list from the parser)}"
	fi
}

case_unit() {
	local dir=$E2E_TMP/unit out

	if ! command -v systemd-analyze >/dev/null 2>&1; then
		echo "note: no systemd-analyze: the unit is not verified"
		return
	fi
	mkdir -p "$dir"
	# an instance of the template, its mxctl the one under test
	sed "s|/usr/sbin/mxctl|$MXCTL|g" "$UNIT" >"$dir/mxgw@wan0.service"
	if out=$(MANPATH=$MANROOT systemd-analyze verify "$dir/mxgw@wan0.service" 2>&1); then
		ok unit_verifies
	else
		fail unit_verifies "$(head -3 <<<"$out" | tr '\n' '|')"
	fi
	if grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_NET_ADMIN' "$UNIT" &&
		grep -qx 'ExecStop=/usr/sbin/mxctl unload %i' "$UNIT" &&
		grep -qx 'After=network-online.target' "$UNIT"; then
		ok unit_capabilities_and_stop
	else
		fail unit_capabilities_and_stop "CapabilityBoundingSet, ExecStop or After= changed"
	fi
}

# complete WORDS...: the completions bash offers for the last word, run in
# the gateway namespace (its interfaces, its running table).
complete_words() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	ns_exec "$NS_GW" bash -c '
		. "$1"; shift
		PATH=$(dirname "$MXCTL"):$PATH
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_mxctl; printf "%s\n" "${COMPREPLY[@]}"' bash "$COMPLETION" "$@" | sort | tr '\n' ' '
}

case_completion() {
	local want got

	want=$("$MXCTL" help | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' | sort | tr '\n' ' ')
	got=$(complete_words mxctl "")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok completion_commands
	else
		fail completion_commands "offered '$got', mxctl help lists '$want'"
	fi
	got=$(complete_words mxctl set-service "")
	if [ "$got" = "dns http https imap imaps ldap ldaps nntp nntps pop3 pop3s smtp smtps " ]; then
		ok completion_running_services
	else
		fail completion_running_services "set-service offered '$got'"
	fi
	got=$(complete_words mxctl load "")
	if [[ " $got" == *" wan0 "* && " $got" == *" lan0 "* ]]; then
		ok completion_interfaces
	else
		fail completion_interfaces "load offered '$got'"
	fi
	# a command's options and their words, from its table (mxctl log -h)
	got="$(complete_words mxctl log --)| $(complete_words mxctl log --count 5 --verdict "")"
	if [ "$got" = "--config --count --help --interface --json --pcap --service --timeout --verdict | allow drop " ]; then
		ok completion_options_from_the_table
	else
		fail completion_options_from_the_table "log -- and --verdict offered '$got'"
	fi
	# help's topics, as mxctl help's usage line lists them: help [counters|config]
	want=$("$MXCTL" help | sed -n 's/^  help \[\([a-z|]*\)\].*/\1/p' | tr '|' '\n' | sort | tr '\n' ' ')
	got=$(complete_words mxctl help "")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok completion_help_topics
	else
		fail completion_help_topics "help offered '$got', mxctl help lists '$want'"
	fi
	# conntrack's actions, as its usage line lists them
	want=$("$MXCTL" conntrack --help | sed -n 's/.* conntrack \[\([a-z|]*\)\].*/\1/p' | tr '|' '\n' | sort | tr '\n' ' ')
	got=$(complete_words mxctl conntrack "")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok completion_conntrack_actions
	else
		fail completion_conntrack_actions "conntrack offered '$got', its usage lists '$want'"
	fi
}

# mxctl help config: every key the parser knows, with what follows it; a
# key it lists is one the parser takes (an empty value is its error, not
# "unknown"), and the keys of IPv6 are there
case_help_config() {
	local keys k bad=''

	keys=$("$MXCTL" help config | sed -n 's/^\([a-z][a-z0-9-]*\) .*/\1/p')
	for k in $keys; do	# one word a line
		printf '%s\n' "$k" >"$E2E_TMP/key.conf"
		if "$MXCTL" -c "$E2E_TMP/key.conf" check 2>&1 | grep -q 'keyword: unknown'; then
			bad+=" $k"
		fi
	done
	keys=${keys//$'\n'/ }
	if [[ -z $bad && " $keys " == *" mailserver6 lan6 "* ]]; then
		ok help_config_lists_the_parsers_keys
	else
		fail help_config_lists_the_parsers_keys "unknown to the parser:${bad:- none}; listed: $keys"
	fi
}

# --- 2. mxgw loaded: stats ------------------------------------------------------

case_load() {
	CONF=$E2E_TMP/mxgw.conf
	sed "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf" >"$CONF"
	if ! mx -c "$CONF" load wan0 >"$E2E_TMP/load.out" 2>&1; then
		e2e_cannot_run "mxctl load wan0: $(head -c 300 "$E2E_TMP/load.out")" load
	fi
	e2e_listener_start "$NS_MS" "$LOG" "$PORT_ALLOWED" "$PORT_DENIED" "$PORT_UNLISTED" ||
		e2e_cannot_run "the mail-server listener did not start"
	# the same batch three times: three connections through, six dropped
	for _ in 1 2 3; do
		e2e_connect "$C1:$PORT_ALLOWED" "$C1:$PORT_DENIED" "$C1:$PORT_UNLISTED"
	done
	if [ "$(conn_result "$C1" "$PORT_ALLOWED")" = "banner 220 mxgw-e2e $PORT_ALLOWED" ] &&
		[ "$(conn_result "$C1" "$PORT_DENIED")" = timeout ]; then
		ok traffic_through_mxgw
	else
		fail traffic_through_mxgw "25: $(conn_result "$C1" "$PORT_ALLOWED"); 110: $(conn_result "$C1" "$PORT_DENIED")"
	fi
}

case_stats() {
	local text=$E2E_TMP/stats.txt json=$E2E_TMP/stats.json p=$E2E_TMP/stats.prom vals

	if mx stats >"$text" 2>"$E2E_TMP/err" && grep -q '^  smtp  *25/tcp  *in ' "$text" &&
		grep -q '^    drop_service_deny ' "$text" && grep -q '^  conntrack: ' "$text"; then
		ok stats_text
	else
		fail stats_text "$(head -c 300 "$E2E_TMP/err" "$text" | tr '\n' '|')"
	fi
	mx -j stats >"$json" 2>"$E2E_TMP/err"
	mx stats --prometheus >"$p" 2>"$E2E_TMP/err"
	if ! vals=$(prom "$p"); then
		fail stats_prometheus_format "$vals"
	else
		ok stats_prometheus_format
	fi
	# the connections just made, seen alike by JSON and Prometheus: SYNs
	# (and retransmissions) of the three refused connections, the packets
	# of the three that went through
	vals=$(python3 - "$json" "$p" "$E2E_TMP/promcheck.py" "$("$MXCTL" -j version |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')" \
		"$(sed -n 's/^#define MXGW_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$E2E_ROOT/maps/mxgw_abi.h")" <<'EOF'
import json, runpy, sys
d = json.load(open(sys.argv[1]))["interfaces"][0]
version = sys.argv[4]
abi = sys.argv[5]
sys.argv = [sys.argv[3], sys.argv[2]]
g = runpy.run_path(sys.argv[0])
v, fam_sum = g['v'], g['fam_sum']
svc = {s['name']: s for s in d['services']}
checks = {
    'smtp_in_allowed': (svc['smtp']['in']['allowed']['packets'],
                        fam_sum('mxgw_service_packets_total', service='smtp', direction='in', verdict='allow')),
    'pop3_in_denied': (svc['pop3']['in']['denied']['packets'],
                       fam_sum('mxgw_service_packets_total', service='pop3', direction='in', verdict='deny')),
    'unlisted_in_denied': (svc['(unlisted)']['in']['denied']['packets'],
                           fam_sum('mxgw_service_packets_total', service='(unlisted)', direction='in', verdict='deny')),
    'smtp_in_bytes': (svc['smtp']['in']['allowed']['bytes'],
                      fam_sum('mxgw_service_bytes_total', service='smtp', direction='in', verdict='allow')),
    'drop_service_deny': (d['counters']['drop_service_deny'],
                          fam_sum('mxgw_drops_total', reason='drop_service_deny')),
    'drop_default_deny': (d['counters']['drop_default_deny'],
                          fam_sum('mxgw_drops_total', reason='drop_default_deny')),
    'conntrack_max': (d['conntrack']['max'], v('mxgw_conntrack_max', family='ipv4')),
    'conntrack_max6': (d['conntrack']['max6'], v('mxgw_conntrack_max', family='ipv6')),
}
bad = [k + '=%s/%s' % ab for k, ab in checks.items() if ab[0] != ab[1] or not ab[0]]
# IPv6's part, apart: JSON's counters6 and in6 are Prometheus's family="ipv6"
six = {
    'pass_not_for_us': (d['counters6']['pass_not_for_us'],
                        v('mxgw_passed_packets_total', reason='pass_not_for_us', family='ipv6')),
    'smtp_in6_allowed': (svc['smtp']['in6']['allowed']['packets'],
                         v('mxgw_service_packets_total', service='smtp', direction='in', verdict='allow',
                           family='ipv6')),
}
bad += [k + '=%s/%s' % ab for k, ab in six.items() if ab[0] != ab[1]]
# a counter of no family: once, without the label
if v('mxgw_passed_packets_total', reason='pass_non_ip') != d['counters']['pass_non_ip'] \
        or 'pass_non_ip' in d['counters6']:
    bad.append('pass_non_ip: %s, counters6 %s' % (v('mxgw_passed_packets_total', reason='pass_non_ip'),
                                                  d['counters6'].get('pass_non_ip')))
if svc['smtp']['in']['allowed']['packets'] < 3 * 3 or svc['pop3']['in']['denied']['packets'] < 3 \
        or svc['(unlisted)']['in']['denied']['packets'] < 3:
    bad.append('too few packets counted: %s' % {k: a for k, (a, b) in checks.items()})
if v('mxgw_service_info', service='pop3', port='110', proto='tcp', outgoing='allow',
     incoming='deny', to='mailserver', **{'from': 'false'}) != 1:
    bad.append('no mxgw_service_info for pop3')
if v('mxgw_build_info', ifname=None, version=version, abi=abi) != 1:
    bad.append('no mxgw_build_info{version="%s",abi="%s"}' % (version, abi))
print('; '.join(bad) or 'same')
EOF
)
	if [ "$vals" = same ]; then
		ok stats_values_json_and_prometheus_agree
	else
		fail stats_values_json_and_prometheus_agree "$vals"
	fi
	# status -j and stats -j: one document, field by field (the numbers
	# traffic moves between the two reads aside), every field of it
	# documented in mxctl(8)'s JSON OUTPUT
	mx status -j >"$E2E_TMP/status.json" 2>"$E2E_TMP/err"
	MANWIDTH=200 man -l "$MANROOT/man8/mxctl.8" >"$E2E_TMP/mxctl.8.txt" 2>/dev/null
	vals=$(python3 - "$E2E_TMP/status.json" "$json" "$E2E_TMP/mxctl.8.txt" <<'EOF'
import json, re, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
man = open(sys.argv[3]).read()
documented = set(re.findall(r'^       (\S+)(?: |$)', man, re.M))
volatile = {'counters', 'counters6', 'packets', 'bytes', 'ticks', 'age_ms', 'entries',
            'entries6', 'mappings', 'ports_in_use', 'kernel_packets'}
bad = []
def name(path):
    return '.'.join(path).replace('.[]', '[]')
def walk(x, y, path):
    if isinstance(x, dict):
        if not isinstance(y, dict) or set(x) != set(y):
            bad.append('%s: %s vs %s' % (name(path), sorted(x), sorted(y) if isinstance(y, dict) else y))
            return
        for k in x:
            walk(x[k], y[k], path + [k])
    elif isinstance(x, list) and any(isinstance(e, dict) for e in x):
        if not isinstance(y, list) or len(x) != len(y):
            bad.append('%s: %d vs %s elements' % (name(path), len(x), len(y) if isinstance(y, list) else y))
            return
        for e, f in zip(x, y):
            walk(e, f, path + ['[]'])
    elif type(x) is not type(y) or (x != y and not (type(x) is int and volatile & set(path))):
        bad.append('%s: %r vs %r' % (name(path), x, y))
def leaves(x, path, out):
    if isinstance(x, dict):
        for k, v in x.items():
            leaves(v, path + (['NAME'] if path in (['counters'], ['counters6']) else [k]), out)
    elif isinstance(x, list) and any(isinstance(e, dict) for e in x):
        for e in x:
            leaves(e, path + ['[]'], out)
    else:
        out.add(name(path))
if a.get('schema') != 1 or not a.get('interfaces'):
    bad.append('status -j: schema %r, %d interfaces' % (a.get('schema'), len(a.get('interfaces', []))))
walk(a, b, [])
fields = set()
for i in a.get('interfaces', []):
    leaves(i, [], fields)
undocumented = sorted(f for f in fields if f not in documented)
if undocumented:
    bad.append('not in mxctl(8) JSON OUTPUT: ' + ' '.join(undocumented))
print('; '.join(bad) or 'same')
EOF
)
	if [ "$vals" = same ]; then
		ok status_and_stats_json_agree
	else
		fail status_and_stats_json_agree "$vals"
	fi
}

case_listen() {
	local out st body=$E2E_TMP/http.body pid

	mx stats --listen "not-an-address" >/dev/null 2>&1
	st=$?
	if [ "$st" -eq 2 ]; then
		ok stats_listen_bad_address_is_usage_error
	else
		fail stats_listen_bad_address_is_usage_error "exit $st, want 2"
	fi
	nsenter --net="/run/netns/$NS_GW" -- "$MXCTL" stats --listen "$HTTP" \
		>"$E2E_TMP/listen.out" 2>"$E2E_TMP/listen.err" &
	pid=$!
	E2E_PIDS+=("$pid")
	for _ in $(seq 50); do
		grep -q 'serving http://' "$E2E_TMP/listen.out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	out=$(http GET /metrics)
	if [[ $out == "200 text/plain; version=0.0.4"* ]] && prom "$body" >/dev/null &&
		[ "$(prom "$body" "fam_sum('mxgw_service_packets_total', service='smtp', direction='in', verdict='allow') >= 9")" = True ]; then
		ok stats_listen_serves_metrics
	else
		fail stats_listen_serves_metrics "GET /metrics: $out; $(head -c 200 "$body" | tr '\n' '|'); $(cat "$E2E_TMP/listen.err")"
	fi
	# the maps are read again for every request
	e2e_connect "$C1:$PORT_DENIED"
	http GET /metrics >/dev/null
	if [ "$(prom "$body" "fam_sum('mxgw_service_packets_total', service='pop3', direction='in', verdict='deny') > $(prom "$E2E_TMP/stats.prom" "fam_sum('mxgw_service_packets_total', service='pop3', direction='in', verdict='deny')")")" = True ]; then
		ok stats_listen_reads_the_maps_per_request
	else
		fail stats_listen_reads_the_maps_per_request "pop3 denials did not grow between two scrapes"
	fi
	out="$(http HEAD /metrics) | $(http GET /nope) | $(http POST /metrics)"
	if [[ $out == "200 text/plain; version=0.0.4"*" | 404 "*" | 405 "* ]]; then
		ok stats_listen_head_404_405
	else
		fail stats_listen_head_404_405 "$out"
	fi
	# a silent client does not hold the server beyond its deadline
	ns_exec "$NS_GW" python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 9434)); s.send(b"GET /metr")
time.sleep(6)' &
	sleep 0.5
	out=$(http GET /metrics)
	wait $!
	if [[ $out == "200 "* ]]; then
		ok stats_listen_survives_a_slow_client
	else
		fail stats_listen_survives_a_slow_client "after a stalled client: $out"
	fi
	# six clients that connect and say nothing do not hold up a scrape
	# (Prometheus gives up after 10 s), and each is closed at its own
	# deadline (5 s); the server serves connections side by side
	out=$(ns_exec "$NS_GW" python3 - "${HTTP%:*}" "${HTTP##*:}" <<'EOF2'
import socket, sys, time
addr = (sys.argv[1], int(sys.argv[2]))
silent = [socket.create_connection(addr) for _ in range(6)]
opened = time.monotonic()
s = socket.create_connection(addr, timeout=40)
s.sendall(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
took = time.monotonic() - opened
silent[0].settimeout(20)
try:
    eof = silent[0].recv(1) == b""
except OSError:
    eof = True
closed = time.monotonic() - opened
print("%.3f %.2f %s %s" % (took, closed, data.split(b" ", 2)[1].decode() if data else "-", eof))
EOF2
)
	read -r took closed status eof <<<"$out"
	if [ "$status" = 200 ] && python3 -c "import sys; sys.exit(not float('$took') < 1.0)"; then
		ok stats_listen_serves_side_by_side
	else
		fail stats_listen_serves_side_by_side "with six silent clients connected, GET /metrics: status ${status:-?} after ${took:-?} s (want 200 within 1 s)"
	fi
	if [ "$eof" = True ] && python3 -c "import sys; sys.exit(not 4.5 <= float('$closed') <= 6.5)"; then
		ok stats_listen_closes_a_silent_client_at_its_deadline
	else
		fail stats_listen_closes_a_silent_client_at_its_deadline "a silent client closed after ${closed:-?} s (eof ${eof:-?}), want the 5 s deadline"
	fi
	kill -TERM "$pid"
	for _ in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail stats_listen_stops_on_sigterm "still running 3 s after SIGTERM"
	elif wait "$pid"; then
		ok stats_listen_stops_on_sigterm
	else
		fail stats_listen_stops_on_sigterm "exit status $? after SIGTERM"
	fi
}

# --- 3. privileges ---------------------------------------------------------------

case_nonroot() {
	local cmd err rc bad=""

	if [ "$(stat -c '%a %U' /sys/fs/bpf/mxgw "${PINS%/*}" "$PINS" | sort -u)" = "700 root" ] &&
		[ "$(stat -c '%a %U' "$PINS"/* | sort -u)" = "600 root" ]; then
		ok pins_are_root_only
	else
		fail pins_are_root_only "$(stat -c '%n %a %U' /sys/fs/bpf/mxgw "${PINS%/*}" "$PINS" "$PINS"/* | tr '\n' ' ')"
	fi
	# a copy nobody may run: the temp dir is root's (0700)
	chmod 711 "$E2E_TMP"
	install -m 0755 "$MXCTL" "$E2E_TMP/mxctl.nobody"
	for cmd in "status" "stats --prometheus" "-j status" "conntrack" "unload wan0"; do
		# shellcheck disable=SC2086 # the command's words
		err=$(ns_exec "$NS_GW" setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$E2E_TMP/mxctl.nobody" $cmd 2>&1 >"$E2E_TMP/out")
		rc=$?
		# under -j the one line is JSON on stdout, {"error": ...}, and
		# stderr says nothing
		if [[ $cmd == "-j "* ]]; then
			if [ -n "$err" ]; then
				err="stderr under -j: $err"
			else
				err=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("mxctl: " + d["error"] if list(d) == ["error"] else d)' "$E2E_TMP/out" 2>&1)
			fi
		fi
		if [ "$rc" -ne 1 ] || [ "$(wc -l <<<"$err")" -ne 1 ] ||
			[[ $err != "mxctl: "*"permission denied"*"needs root"* ]]; then
			bad="$bad [$cmd: exit $rc: $err]"
		fi
	done
	if [ -z "$bad" ]; then
		ok nonroot_gets_one_line
	else
		fail nonroot_gets_one_line "$bad"
	fi
}

# --- 3b. errors under -j -------------------------------------------------------------

# Before anything is loaded: every command that honours -j says its error
# as one JSON document on stdout, {"error": ...} (and "usage" for a usage
# error), nothing on stderr, the exit status what it would be without -j.
case_json_errors() {
	local args want rc got bad=""

	printf 'public 203.0.113.33\nmailserver 192.168.1.10\ndefault sometimes\n' >"$E2E_TMP/bad.conf"
	while IFS='|' read -r want args; do
		# shellcheck disable=SC2086 # the command's words
		mx $args >"$E2E_TMP/out" 2>"$E2E_TMP/err"
		rc=$?
		got=$(python3 -c 'import json, sys
d = json.loads(open(sys.argv[1]).read())
print(sorted(d), d["error"])' "$E2E_TMP/out" 2>&1)
		if [ "$rc" != "${want%% *}" ] || [ -s "$E2E_TMP/err" ] ||
			[[ $got != "${want#* }"* ]]; then
			bad="$bad [mxctl $args: exit $rc, stdout '$(head -c 200 "$E2E_TMP/out")', stderr '$(head -c 200 "$E2E_TMP/err")']"
		fi
	done <<EOF
1 ['error'] status: mxgw is not loaded on any interface|-j status
1 ['error'] stats: mxgw is not loaded on wan0|stats -j wan0
1 ['error'] conntrack: mxgw is not loaded|conntrack -j
1 ['error'] log: mxgw is not loaded|-j log --count 1
2 ['error', 'usage'] too many arguments|-j status wan0 wan1
1 ['error'] $E2E_TMP/bad.conf:3: error: default: |-j -c $E2E_TMP/bad.conf dns
2 ['error'] unknown command 'frobnicate'|-j frobnicate
2 ['error', 'usage'] --count '5x': expected a whole number from 1 to |log -j --count 5x
EOF
	if [ -z "$bad" ]; then
		ok json_errors_on_stdout
	else
		fail json_errors_on_stdout "$bad"
	fi
	# without -j, the same errors stay lines on stderr
	mx status >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" = 1 ] && [ ! -s "$E2E_TMP/out" ] &&
		[ "$(cat "$E2E_TMP/err")" = "mxctl: status: mxgw is not loaded on any interface (mxctl load IFNAME)" ]; then
		ok errors_without_json_on_stderr
	else
		fail errors_without_json_on_stderr "exit $rc, stdout '$(head -c 200 "$E2E_TMP/out")', stderr '$(head -c 200 "$E2E_TMP/err")'"
	fi
}

# --- 3c. options -----------------------------------------------------------------------

# Through the binary: a bad value is named with what is accepted, exit 2,
# and the usage line comes from the command's table; good values pass
# the parser (and fail later: nothing is loaded yet).
case_options() {
	local args want rc bad="" log_usage

	log_usage="usage: mxctl [-c FILE] [-i IFNAME] [-j] log [--service NAME] [--verdict drop|allow] [--pcap FILE] [--count N] [--timeout S]"
	while IFS='|' read -r want args; do
		# shellcheck disable=SC2086 # the command's words
		mx $args >"$E2E_TMP/out" 2>"$E2E_TMP/err"
		rc=$?
		if [ "$rc" != 2 ] || [ -s "$E2E_TMP/out" ] || [ "$(head -1 "$E2E_TMP/err")" != "mxctl: $want" ]; then
			bad="$bad [mxctl $args: exit $rc, stderr '$(head -c 200 "$E2E_TMP/err")', want 'mxctl: $want']"
		fi
	done <<EOF
--count '5x': expected a whole number from 1 to 4294967295|log --count 5x
--count '0': expected a whole number from 1 to 4294967295|log --count=0
--count needs a value: a whole number from 1 to 4294967295|log --count
--timeout '1s': expected a number of seconds greater than 0, at most 31536000|log --timeout 1s
--verdict 'maybe': expected drop or allow|log --verdict maybe
unknown option '--frob'|status --frob
direction 'sideways': expected in or out|set-service smtp sideways allow
verdict 'maybe': expected allow or deny|set-service smtp in maybe
format 'pdf': expected nft|export pdf
too many arguments: 'b'|stats a b
EOF
	mx log --count 5x 2>&1 >/dev/null | sed -n 2p >"$E2E_TMP/usage"
	[ "$(cat "$E2E_TMP/usage")" = "$log_usage" ] || bad="$bad [log's usage line: '$(cat "$E2E_TMP/usage")']"
	if [ -z "$bad" ]; then
		ok options_bad_values_named_exit_2
	else
		fail options_bad_values_named_exit_2 "$bad"
	fi
	mx log --count=3 --verdict drop --timeout 0.5 >/dev/null 2>"$E2E_TMP/err"
	rc=$?
	if [ "$rc" = 1 ] && grep -q "^mxctl: log: mxgw is not loaded" "$E2E_TMP/err"; then
		ok options_good_values_parsed
	else
		fail options_good_values_parsed "exit $rc: $(head -c 200 "$E2E_TMP/err")"
	fi
	# mxctl help: each synopsis from its table, as it always read
	if "$MXCTL" help | grep -qxF "  ${log_usage#usage: mxctl \[-c FILE\] \[-i IFNAME\] \[-j\] }" &&
		"$MXCTL" help | grep -qF "  set-service NAME [in|out] allow|deny [--save]" &&
		"$MXCTL" help | grep -qF "  stats [IFNAME] [--prometheus] [--listen ADDRESS:PORT]"; then
		ok options_help_from_the_tables
	else
		fail options_help_from_the_tables "$("$MXCTL" help | grep -E '^  (log|set-service|stats) ' | tr '\n' '|')"
	fi
}

# --- 4. export nft ------------------------------------------------------------------

case_nft() {
	local rules=$E2E_TMP/mxgw.nft out

	if ! command -v nft >/dev/null 2>&1; then
		if [ "${MXGW_REQUIRE_BPF:-0}" = 1 ]; then
			fail nft_check "nft not found (MXGW_REQUIRE_BPF=1: not skipping)"
		else
			echo "note: no nft: export nft is not checked"
		fi
		return
	fi
	if "$MXCTL" -c "$CONF" -i wan0 export nft >"$rules" 2>"$E2E_TMP/err" &&
		out=$(ns_exec "$NS_GW" nft -c -f "$rules" 2>&1); then
		ok nft_check_accepts_export
	else
		fail nft_check_accepts_export "$(head -c 300 "$E2E_TMP/err") ${out:-}"
		return
	fi
	# instead of mxgw, on the same topology: the same table
	mx unload wan0 >/dev/null 2>&1
	if ! out=$(ns_exec "$NS_GW" nft -f "$rules" 2>&1); then
		fail nft_ruleset_enforces_the_table "nft -f: $out"
		return
	fi
	: >"$LOG"
	e2e_connect "$C1:$PORT_ALLOWED" "$C1:$PORT_DENIED" "$C1:$PORT_UNLISTED"
	if [ "$(conn_result "$C1" "$PORT_ALLOWED")" = "banner 220 mxgw-e2e $PORT_ALLOWED" ] &&
		grep -qx "$PORT_ALLOWED $C1" "$LOG" &&
		[ "$(conn_result "$C1" "$PORT_DENIED")" = timeout ] &&
		[ "$(conn_result "$C1" "$PORT_UNLISTED")" = timeout ] &&
		! grep -q "^$PORT_DENIED \|^$PORT_UNLISTED " "$LOG"; then
		ok nft_ruleset_enforces_the_table
	else
		fail nft_ruleset_enforces_the_table "25: $(conn_result "$C1" "$PORT_ALLOWED"), 110: $(conn_result "$C1" "$PORT_DENIED"), 8080: $(conn_result "$C1" "$PORT_UNLISTED"); listener: $(tr '\n' ';' <"$LOG")"
	fi
	ns_exec "$NS_GW" nft delete table inet mxgw 2>/dev/null
}

# --- run ----------------------------------------------------------------------------

case_install
case_version_and_cflags
case_man
case_unit
e2e_topology_up
PINS=$(e2e_pin_dir "$NS_GW" wan0) || e2e_cannot_run "cannot find the namespace's cookie"
case_json_errors
case_options
case_load
case_completion
case_help_config
case_stats
case_listen
case_nonroot
case_nft
e2e_summary
