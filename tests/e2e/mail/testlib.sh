# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# What the mail suites (test_mail.sh over IPv4, test_mail6.sh over IPv6)
# share: a bed of their own, brought up by bed_test_up and torn down by
# the EXIT trap it installs, whatever happened, and the helpers of their
# checks.  Source after bedlib.sh.

# bed_test_up: bring up a bed (bed-up.sh) in a directory chosen here, so
# that the EXIT trap knows it even if bed-up.sh dies half-way; then read
# its record and source clients.sh.  Counts bed_up as a check; a bed
# that cannot run here skips the test (e2e_cannot_run), one that fails
# ends it.  BG_PIDS: background processes of the test, killed on exit.
BG_PIDS=()
bed_test_cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	[ -d "$MXGW_BED" ] && "$BED_LIBDIR/bed-down.sh" "$MXGW_BED" >/dev/null 2>&1
	rm -f "$MXGW_BED.up.log"
}

bed_test_up() {
	local rc
	MXGW_BED=$(mktemp -u /tmp/mxgw-mailbed.XXXXXX)
	export MXGW_BED
	trap bed_test_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	"$BED_LIBDIR/bed-up.sh" >/dev/null 2>"$MXGW_BED.up.log"
	rc=$?
	case $rc in
	0) ok bed_up ;;
	77) e2e_cannot_run "$(grep -m1 'cannot run\|FAILED' "$MXGW_BED.up.log" | sed 's/^bed-up: //')" bed_up ;;
	*)
		fail bed_up "bed-up.sh exit $rc: $(tail -3 "$MXGW_BED.up.log" | tr '\n' ' ')"
		e2e_summary
		exit 1
		;;
	esac
	bed_load_env "$MXGW_BED" || { fail bed_env "no $MXGW_BED/bed.env"; e2e_summary; exit 1; }
	# shellcheck source=tests/e2e/mail/clients.sh
	. "$BED_LIBDIR/clients.sh"
}

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

# expect_try CHECK SERVICE DIR WANT [TOKEN]: bed_try came out as WANT
# (answered | timed out), and its detail matches DETAIL_RE if set.
expect_try() {
	local check=$1 svc=$2 dir=$3 want=$4
	bed_try "$svc" "$dir" "${5:-}"
	if [ "$TRY_RESULT" != "$want" ]; then
		fail "$check" "$TRY_WITH: $TRY_RESULT ($TRY_DETAIL), want $want"
	elif [ -n "${DETAIL_RE:-}" ] && ! grep -qE -- "$DETAIL_RE" <<<"$TRY_DETAIL"; then
		fail "$check" "$TRY_WITH: '$TRY_DETAIL' does not match /$DETAIL_RE/"
	else
		ok "$check"
	fi
}

expect_rc_ok() {
	if [ "$2" -eq 0 ]; then
		ok "$1"
	else
		fail "$1" "$3: exit $2: $(head -c 300 "$BED/err")"
	fi
}

status_json() {
	bed_mx status -j >"$1" 2>"$BED/status.err"
}

# The Received header that Postfix added on arrival (the first one).
first_received() {
	awk '/^Received:/ {r = $0; getline; while ($0 ~ /^[ \t]/) { r = r " " $0; getline }; print r; exit}' "$1"
}

# mxctl with another config
mx_conf() {
	local conf=$1
	shift
	nsenter --mount="$BED_MNTNS" --net="/run/netns/$NS_GW" -- "$MXCTL" -c "$conf" "$@"
}

# bed_test_down: tear the bed down as a check of its own
bed_test_down() {
	if "$BED_LIBDIR/bed-down.sh" "$BED" >/dev/null 2>"$BED.down.err" && [ ! -e "$BED" ] &&
		[ ! -e "/run/netns/$NS_INET" ] && [ ! -e "/run/netns/$NS_GW" ] && [ ! -e "/run/netns/$NS_MS" ]; then
		ok bed_down_removes_everything
	else
		fail bed_down_removes_everything "$(head -c 300 "$BED.down.err")"
	fi
	rm -f "$BED.down.err"
}
