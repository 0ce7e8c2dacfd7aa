#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# tests/e2e/mail/deps.sh, run without installing anything: in a private
# mount namespace whose /usr/sbin is an empty tmpfs (the host's own
# policy-rc.d is neither seen nor touched), with a PATH holding only stubs
# of apt-get, dpkg-query, debconf-set-selections, systemctl and update-rc.d
# and links to the few harmless tools the script uses.  A command it
# starts to use without a stub here is "not found", never run for real.
#   - no policy-rc.d before: exit 0, its own policy forbids service starts
#     while apt-get runs and is gone afterwards;
#   - a policy-rc.d of the host's own (every Docker-derived image has
#     one): exit 0, that policy in force during apt-get and left
#     byte-identical, mode included;
#   - apt-get failing: exit 1, its own policy gone all the same;
#   - everything installed: exit 0, nothing printed, no apt-get.
# DEPS_SH names the script under test (default: this checkout's).
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

DEPS_SH=$(readlink -f "${DEPS_SH:-$E2E_ROOT/tests/e2e/mail/deps.sh}")
POLICY=/usr/sbin/policy-rc.d

[ "$(id -u)" -eq 0 ] || e2e_cannot_run "needs root (a mount namespace)"
unshare --mount --propagation private true 2>/dev/null ||
	e2e_cannot_run "cannot create a mount namespace (unshare --mount)"

T=$(mktemp -d /tmp/mxgw-test-deps.XXXXXX) || e2e_cannot_run "mktemp failed"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The host's policy-rc.d as it is now (or its absence), compared at the end.
host_policy() {
	if [ -e "$POLICY" ]; then
		stat -c '%a %s %Y' "$POLICY" && sha256sum <"$POLICY"
	else
		echo absent
	fi
}
HOST_POLICY_BEFORE=$(host_policy)

# --- the stubs: they log to $STUB_STATE and keep the "installed" list -------

STUBS=$T/bin
mkdir -p "$STUBS"
for tool in grep id chmod mktemp rm tail; do
	ln -s "$(command -v "$tool")" "$STUBS/$tool" ||
		e2e_cannot_run "$tool not found"
done

cat >"$STUBS/dpkg-query" <<'EOF'
#!/bin/bash
# dpkg-query -W -f=FORMAT PKG: installed iff PKG is in $STUB_STATE/installed
pkg=${!#}
while read -r p; do
	[ "$p" = "$pkg" ] && { printf 'install ok installed'; exit 0; }
done <"$STUB_STATE/installed"
exit 1
EOF

cat >"$STUBS/apt-get" <<'EOF'
#!/bin/bash
# logs its arguments; "install": asks the policy-rc.d in force whether
# postfix may start (101: no), fails if $STUB_STATE/apt-fails exists,
# else marks the packages installed
echo "apt-get $*" >>"$STUB_STATE/apt.log"
[ "$1" = install ] || exit 0
if [ -x /usr/sbin/policy-rc.d ]; then
	/usr/sbin/policy-rc.d postfix start
	echo $? >"$STUB_STATE/policy-during-apt"
else
	echo none >"$STUB_STATE/policy-during-apt"
fi
[ -e "$STUB_STATE/apt-fails" ] && { echo "E: stub apt-get fails" >&2; exit 100; }
shift
while [ $# -gt 0 ]; do
	case $1 in
	-o) shift ;;
	-*) ;;
	*) echo "$1" >>"$STUB_STATE/installed" ;;
	esac
	shift
done
EOF

cat >"$STUBS/debconf-set-selections" <<'EOF'
#!/bin/bash
while read -r line; do echo "$line"; done >>"$STUB_STATE/debconf"
EOF

for cmd in systemctl update-rc.d; do
	# shellcheck disable=SC2016 # expanded by the stub
	printf '#!/bin/bash\necho "%s $*" >>"$STUB_STATE/services.log"\n' "$cmd" >"$STUBS/$cmd"
done
chmod 755 "$STUBS"/*

# run_deps CASE [PREEXISTING_POLICY]: deps.sh in a mount namespace of its
# own, /usr/sbin an empty tmpfs holding only PREEXISTING_POLICY (as
# policy-rc.d) if given.  Leaves in $T/CASE: out, err, rc, and
# policy.after (a copy of policy-rc.d as deps.sh left it) if there was one;
# deps.sh's exit status in $rc.
run_deps() {
	local dir=$T/$1 pre=${2:-}

	mkdir -p "$dir/state"
	touch "$dir/state/installed"
	# shellcheck disable=SC2086 # a list of packages
	[ -n "${STUB_INSTALLED:-}" ] && printf '%s\n' $STUB_INSTALLED >"$dir/state/installed"
	[ -n "${STUB_APT_FAILS:-}" ] && touch "$dir/state/apt-fails"
	# shellcheck disable=SC2016 # expanded by the inner bash
	STUB_STATE=$dir/state unshare --mount --propagation private /bin/bash -c '
		dir=$1 pre=$2 deps=$3 stubs=$4 policy=$5
		mount -t tmpfs -o mode=755 mxgw-test-deps /usr/sbin || exit 125
		if [ -n "$pre" ]; then cp -p "$pre" "$policy" || exit 125; fi
		PATH=$stubs /bin/bash "$deps" >"$dir/out" 2>"$dir/err"
		echo $? >"$dir/rc"
		if [ -e "$policy" ]; then cp -p "$policy" "$dir/policy.after"; fi
		exit 0' bash "$dir" "$pre" "$DEPS_SH" "$STUBS" "$POLICY"
	[ $? -eq 125 ] && e2e_cannot_run "cannot mount a tmpfs on /usr/sbin in a mount namespace"
	rc=$(cat "$dir/rc")
}

# why CASE: deps.sh's output, for FAIL messages
why() {
	cat "$T/$1/out" "$T/$1/err" | head -c 300 | tr '\n' '|'
}

# --- 1. no policy-rc.d before -------------------------------------------------

run_deps without
if [ "$rc" -eq 0 ]; then
	ok deps_without_policy_exits_0
else
	fail deps_without_policy_exits_0 "exit $rc: $(why without)"
fi
if [ "$(cat "$T/without/state/policy-during-apt" 2>/dev/null)" = 101 ]; then
	ok deps_without_policy_forbids_starts_during_apt
else
	fail deps_without_policy_forbids_starts_during_apt "policy-rc.d during apt-get install: $(cat "$T/without/state/policy-during-apt" 2>/dev/null || echo "apt-get install not run"), want exit 101"
fi
if [ ! -e "$T/without/policy.after" ]; then
	ok deps_without_policy_removes_its_own
else
	fail deps_without_policy_removes_its_own "$POLICY left behind: $(head -c 200 "$T/without/policy.after" | tr '\n' '|')"
fi
if grep -qx "update-rc.d postfix disable" "$T/without/state/services.log" 2>/dev/null &&
	grep -qx "update-rc.d slapd disable" "$T/without/state/services.log"; then
	ok deps_disables_new_services
else
	fail deps_disables_new_services "service commands: $(tr '\n' '|' <"$T/without/state/services.log" 2>/dev/null)"
fi

# --- 2. a policy-rc.d of the host's own -------------------------------------------

# Docker's, with one byte that deps.sh's own never has
printf '#!/bin/sh\n# the host'"'"'s own policy-rc.d (test_deps.sh)\nexit 101\n' >"$T/host-policy"
chmod 750 "$T/host-policy"
run_deps with "$T/host-policy"
if [ "$rc" -eq 0 ]; then
	ok deps_with_host_policy_exits_0
else
	fail deps_with_host_policy_exits_0 "exit $rc: $(why with)"
fi
if [ "$(cat "$T/with/state/policy-during-apt" 2>/dev/null)" = 101 ]; then
	ok deps_with_host_policy_in_force_during_apt
else
	fail deps_with_host_policy_in_force_during_apt "policy-rc.d during apt-get install: $(cat "$T/with/state/policy-during-apt" 2>/dev/null || echo "apt-get install not run")"
fi
if [ ! -e "$T/with/policy.after" ]; then
	fail deps_with_host_policy_left_identical "the host's $POLICY was removed"
elif ! cmp -s "$T/host-policy" "$T/with/policy.after"; then
	fail deps_with_host_policy_left_identical "the host's $POLICY changed: $(head -c 200 "$T/with/policy.after" | tr '\n' '|')"
elif [ "$(stat -c %a "$T/with/policy.after")" != 750 ]; then
	fail deps_with_host_policy_left_identical "the host's $POLICY has mode $(stat -c %a "$T/with/policy.after"), was 750"
else
	ok deps_with_host_policy_left_identical
fi

# --- 3. apt-get fails -----------------------------------------------------------------

STUB_APT_FAILS=1 run_deps aptfails
if [ "$rc" -eq 1 ] && grep -q "stub apt-get fails" "$T/aptfails/err" &&
	[ ! -e "$T/aptfails/policy.after" ]; then
	ok deps_apt_failure_exits_1_and_removes_its_policy
else
	fail deps_apt_failure_exits_1_and_removes_its_policy "exit $rc (want 1), policy-rc.d $([ -e "$T/aptfails/policy.after" ] && echo left behind || echo removed): $(why aptfails)"
fi

# --- 4. everything installed ------------------------------------------------------------

STUB_INSTALLED=$(bash "$DEPS_SH" --list) run_deps installed
if [ "$rc" -eq 0 ] && [ ! -s "$T/installed/out" ] && [ ! -s "$T/installed/err" ] &&
	[ ! -e "$T/installed/state/apt.log" ] && [ ! -e "$T/installed/policy.after" ]; then
	ok deps_idempotent_when_installed
else
	fail deps_idempotent_when_installed "exit $rc, apt-get: $(tr '\n' '|' <"$T/installed/state/apt.log" 2>/dev/null); $(why installed)"
fi

# --- the host ------------------------------------------------------------------------------

if [ "$(host_policy)" = "$HOST_POLICY_BEFORE" ]; then
	ok host_policy_untouched
else
	fail host_policy_untouched "the host's $POLICY changed during the test: $HOST_POLICY_BEFORE -> $(host_policy)"
fi
e2e_summary
