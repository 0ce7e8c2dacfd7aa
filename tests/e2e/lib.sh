# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Helpers for mxgw's end-to-end tests: results and summary, the private
# mount namespace with its own bpffs, the three-namespace topology, the
# mail-server listener, the Internet client, and mxctl's JSON.
#
# A test sources this file, calls e2e_init "$@" first (it re-executes the
# test in a private mount namespace and returns only there), then
# e2e_topology_up, and ends with e2e_summary.  Everything it creates is
# removed by the EXIT trap that e2e_init installs, also on failure.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_ROOT=$(cd "$E2E_DIR/../.." && pwd)
MXCTL=${MXCTL:-$E2E_ROOT/build/mxctl}
# built next to mxctl by make test (tests/e2e/xdp_pass.bpf.c)
XDP_PASS_OBJ=${XDP_PASS_OBJ:-$(dirname "$MXCTL")/tests/xdp_pass.bpf.o}

# The test addresses: the documentation ranges of RFC 5737 for everything
# on the "Internet" side, the mail server as the shipped config has it.
E2E_PUBLIC=203.0.113.33
E2E_INET_ADDR=203.0.113.1
E2E_CLIENT1=198.51.100.7
E2E_CLIENT2=198.51.100.8
E2E_LAN_GW=192.168.1.1
E2E_MAILSERVER=192.168.1.10
# shellcheck disable=SC2034 # for the tests that source this file
E2E_SHIPPED_PUBLIC=215.75.128.33

# IPv6 (e2e_topology6_up), the documentation prefix of RFC 3849: routed,
# not translated, so the Internet reaches the mail server at its own
# address, and there is no public6.  The WAN link, the Internet's clients
# (routed via the Internet host, as 198.51.100.7/.8 are) and the LAN.
# shellcheck disable=SC2034 # for the tests that source this file
{
E2E_WAN6=2001:db8:1::33			# the gateway's wan0
E2E_INET6=2001:db8:1::1			# the Internet host, the gateway's next hop
E2E_CLIENT1_6=2001:db8:51::7
E2E_CLIENT2_6=2001:db8:51::8
E2E_CLIENTS6=2001:db8:51::/48
E2E_LAN_GW6=2001:db8:168::1		# the gateway's lan0
E2E_MAILSERVER6=2001:db8:168::10	# mailserver6
E2E_LAN6=2001:db8:168::/64
}

# Connect timeout (s) for connections that must not succeed: long enough
# for a SYN-ACK across three namespaces, short enough to keep the run fast.
E2E_TIMEOUT=${E2E_TIMEOUT:-1}

e2e_passed=0
e2e_failed=0
E2E_NETNS=()
E2E_PIDS=()
E2E_TMP=

ok() {
	echo "ok $1"
	e2e_passed=$((e2e_passed + 1))
}

fail() {
	echo "FAIL $1: $2"
	e2e_failed=$((e2e_failed + 1))
}

# The one closing line; the exit status says whether anything failed.
e2e_summary() {
	echo "$e2e_passed passed, $e2e_failed failed"
	[ "$e2e_failed" -eq 0 ]
}

# The environment cannot run the test (no root, no namespaces, no BPF).
# Under MXGW_REQUIRE_BPF=1 that is a failure, otherwise a skip (77).
# e2e_cannot_run REASON [CHECK]: CHECK names the failure (default: setup).
e2e_cannot_run() {
	if [ "${MXGW_REQUIRE_BPF:-0}" = 1 ]; then
		fail "${2:-setup}" "$1 (MXGW_REQUIRE_BPF=1: not skipping)"
		e2e_summary
		exit 1
	fi
	echo "SKIP: $1"
	exit 77
}

# Run a command in a network namespace.  nsenter, not "ip netns exec":
# the latter remounts /sys for the namespace, which hides /sys/fs/bpf.
ns_exec() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

e2e_cleanup() {
	local pid ns

	for pid in "${E2E_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${E2E_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# deleting a namespace also removes its veths, and with them any
	# XDP/TC program still attached; the pins go with the private bpffs
	for ns in "${E2E_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$E2E_TMP" ] && rm -rf "$E2E_TMP"
}

# What a killed run (SIGKILL skips the trap) leaves: empty netns names in
# /run/netns (the namespaces themselves die with its mount namespace) and
# its temp dir.  Both carry the run's pid; only those of dead pids go.
e2e_reap_stale() {
	local f pid

	for f in /run/netns/mxgw-*-[0-9]* /tmp/mxgw-e2e.[0-9]*.*; do
		[ -e "$f" ] || continue
		pid=${f#/tmp/mxgw-e2e.}
		pid=${pid%%.*}
		pid=${pid##*-}
		case $pid in
		"" | *[!0-9]*) continue ;;
		esac
		kill -0 "$pid" 2>/dev/null && continue
		case $f in
		/run/netns/*) ip netns del "${f##*/}" 2>/dev/null || rm -f "$f" ;;
		*) rm -rf "$f" ;;
		esac
	done
}

# Re-execute the calling test under "unshare --mount" with a fresh bpffs
# on /sys/fs/bpf, so its pins are private and vanish with it; then install
# the cleanup trap.  Returns only in the re-executed test.
e2e_init() {
	local script own_mnt

	script=$(readlink -f "$0")
	own_mnt=$(readlink /proc/self/ns/mnt)
	if [ "${E2E_PARENT_MNTNS:-}" != "" ] && [ "$E2E_PARENT_MNTNS" != "$own_mnt" ]; then
		# inside: a mount namespace of our own
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
			e2e_cannot_run "cannot mount a private bpffs on /sys/fs/bpf"
		e2e_reap_stale
		E2E_TMP=$(mktemp -d "/tmp/mxgw-e2e.$$.XXXXXX") ||
			e2e_cannot_run "mktemp failed"
		trap e2e_cleanup EXIT
		e2e_xdp_attach_mode
		# a signal ends the test through the EXIT trap
		trap 'exit 130' INT
		trap 'exit 143' TERM
		return 0
	fi

	[ "$(id -u)" -eq 0 ] || e2e_cannot_run "needs root (network namespaces, BPF)"
	local cmd
	for cmd in ip nsenter unshare ethtool bpftool python3 mount; do
		command -v "$cmd" >/dev/null 2>&1 || e2e_cannot_run "$cmd not found"
	done
	[ -x "$MXCTL" ] || e2e_cannot_run "no mxctl at $MXCTL (run make, or set MXCTL)"
	unshare --mount --propagation private true 2>/dev/null ||
		e2e_cannot_run "cannot create a mount namespace (unshare --mount)"
	MXCTL=$(readlink -f "$MXCTL")
	export MXCTL
	E2E_PARENT_MNTNS=$own_mnt exec unshare --mount --propagation private \
		bash "$script" "$@"
}

e2e_ns_add() {
	ip netns add "$1" 2>/dev/null || return 1
	E2E_NETNS+=("$1")
}

# The topology, with names unique to this run:
#   $NS_INET  eth0 203.0.113.1/24 + clients 198.51.100.7/32, .8/32
#   $NS_GW    wan0 203.0.113.33/24 (mxgw goes here), lan0 192.168.1.1/24,
#             ip_forward=1, 198.51.100.0/24 via 203.0.113.1
#   $NS_MS    eth0 192.168.1.10/24, default via 192.168.1.1
# The hosts' veth ends have tx checksum offload off, as a wire: with it
# on, a socket's packets leave a veth with only a partial checksum, which
# no real NIC would put on a wire.  GRO stays at the veth default (off).
e2e_topology_up() {
	NS_INET=mxgw-inet-$$
	NS_GW=mxgw-gw-$$
	NS_MS=mxgw-ms-$$
	if ! { e2e_ns_add "$NS_INET" && e2e_ns_add "$NS_GW" && e2e_ns_add "$NS_MS"; }; then
		e2e_cannot_run "cannot create network namespaces"
	fi
	{
		ip link add wan0 netns "$NS_GW" type veth peer name eth0 netns "$NS_INET" &&
		ip link add lan0 netns "$NS_GW" type veth peer name eth0 netns "$NS_MS" &&
		ip -n "$NS_INET" addr add "$E2E_INET_ADDR/24" dev eth0 &&
		ip -n "$NS_INET" addr add "$E2E_CLIENT1/32" dev eth0 &&
		ip -n "$NS_INET" addr add "$E2E_CLIENT2/32" dev eth0 &&
		ip -n "$NS_GW" addr add "$E2E_PUBLIC/24" dev wan0 &&
		ip -n "$NS_GW" addr add "$E2E_LAN_GW/24" dev lan0 &&
		ip -n "$NS_MS" addr add "$E2E_MAILSERVER/24" dev eth0 &&
		ip -n "$NS_INET" link set lo up && ip -n "$NS_INET" link set eth0 up &&
		ip -n "$NS_GW" link set lo up && ip -n "$NS_GW" link set wan0 up &&
		ip -n "$NS_GW" link set lan0 up &&
		ip -n "$NS_MS" link set lo up && ip -n "$NS_MS" link set eth0 up &&
		ip -n "$NS_GW" route add 198.51.100.0/24 via "$E2E_INET_ADDR" &&
		ip -n "$NS_MS" route add default via "$E2E_LAN_GW" &&
		ns_exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1 &&
		ns_exec "$NS_INET" ethtool -K eth0 tx off >/dev/null &&
		ns_exec "$NS_MS" ethtool -K eth0 tx off >/dev/null
	} 2>"$E2E_TMP/topology.err" ||
		e2e_cannot_run "cannot build the veth topology: $(head -1 "$E2E_TMP/topology.err")"
}

# IPv6 on the same three namespaces, after e2e_topology_up (the
# addresses above; nodad: usable at once, no duplicate address detection
# to wait for; the clients' addresses deprecated, preferred_lft 0, so that
# the Internet host's own answers and ICMPv6 errors come from its
# 2001:db8:1::1, as IPv4's come from 203.0.113.1, while a socket bound to
# a client's address still uses it):
#   $NS_INET  eth0 2001:db8:1::1/64 + clients 2001:db8:51::7/128, ::8/128,
#             2001:db8:168::/64 via 2001:db8:1::33 (the provider routes
#             the LAN's prefix to the gateway)
#   $NS_GW    wan0 2001:db8:1::33/64, lan0 2001:db8:168::1/64, IPv6
#             forwarding on, 2001:db8:51::/48 via 2001:db8:1::1
#   $NS_MS    eth0 2001:db8:168::10/64, default via 2001:db8:168::1
# A test of its own calls it: the IPv4 tests keep their IPv4-only
# namespaces (IPv6 link-local and its NDP and MLD are there anyway).
e2e_topology6_up() {
	{
		ip -n "$NS_INET" -6 addr add "$E2E_INET6/64" dev eth0 nodad &&
		ip -n "$NS_INET" -6 addr add "$E2E_CLIENT1_6/128" dev eth0 nodad preferred_lft 0 &&
		ip -n "$NS_INET" -6 addr add "$E2E_CLIENT2_6/128" dev eth0 nodad preferred_lft 0 &&
		ip -n "$NS_GW" -6 addr add "$E2E_WAN6/64" dev wan0 nodad &&
		ip -n "$NS_GW" -6 addr add "$E2E_LAN_GW6/64" dev lan0 nodad &&
		ip -n "$NS_MS" -6 addr add "$E2E_MAILSERVER6/64" dev eth0 nodad &&
		ip -n "$NS_GW" -6 route add "$E2E_CLIENTS6" via "$E2E_INET6" &&
		ip -n "$NS_INET" -6 route add "$E2E_LAN6" via "$E2E_WAN6" &&
		ip -n "$NS_MS" -6 route add default via "$E2E_LAN_GW6" &&
		ns_exec "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=1
	} 2>"$E2E_TMP/topology6.err" ||
		e2e_cannot_run "cannot give the topology IPv6: $(head -1 "$E2E_TMP/topology6.err")"
}

# e2e_neigh_resolved NS DEV ADDR: NS has resolved ADDR on DEV (ARP or
# NDP), started by one UDP datagram to the discard port and polled until
# REACHABLE (deadline 5 s).  mxgw's next-hop cache keeps what its first
# fib lookup says for a while: before the neighbour is resolved, that is
# "no neighbour", and the kernel path.
e2e_neigh_resolved() {
	ns_exec "$1" python3 -c 'import socket, sys
a = sys.argv[1]
socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET,
              socket.SOCK_DGRAM).sendto(b"", (a, 9))' "$3" 2>/dev/null || return 1
	for _ in $(seq 50); do
		[ -n "$(ip -n "$1" neigh show to "$3" dev "$2" nud reachable)" ] && return 0
		sleep 0.1
	done
	return 1
}

# e2e_scapy_python: SCAPY_PY, a python3 that imports scapy, or the test
# cannot run.  Debian's python3-scapy is installed for /usr/bin/python3; a
# python3 earlier on PATH (pyenv, a venv) may not see it.
e2e_scapy_python() {
	local py
	SCAPY_PY=
	for py in python3 /usr/bin/python3; do
		if "$py" -c 'import scapy.all' 2>/dev/null; then
			# shellcheck disable=SC2034 # for the tests that source this file
			SCAPY_PY=$py
			return 0
		fi
	done
	e2e_cannot_run "python3-scapy is not installed (make deps)"
}

# e2e_xdp_pass NS DEV: XDP_PASS attached to DEV in NS, so that the frames
# the gateway's XDP sends back with XDP_TX reach that end of the veth
# (tests/e2e/xdp_pass.bpf.c says why); gone with the namespace.
e2e_xdp_pass() {
	[ -r "$XDP_PASS_OBJ" ] || return 1
	ip -n "$1" link set dev "$2" xdpdrv obj "$XDP_PASS_OBJ" sec xdp 2>/dev/null
}

# e2e_wire_queue NS DEV: a queue (pfifo) on DEV in NS, as a NIC has one.
# A NIC's driver stops its queue when its ring is full and the qdisc holds
# the stack's frames until there is room; a veth's default is noqueue, so
# a frame that finds the peer's ring (256 frames) full is dropped.  Linux
# 6.16 and later stop a veth's queue the same way when it has a qdisc
# (NETDEV_TX_BUSY instead of a drop: `tc -s qdisc` counts requeues).
# Senders that bypass the qdisc (the flood generator's PACKET_QDISC_BYPASS)
# still lose what finds the ring full, as a NIC's full ring drops it.
e2e_wire_queue() {
	ip netns exec "$1" tc qdisc replace dev "$2" root pfifo limit 1000
}

# e2e_sniff_start: tests/e2e/sniff.py on the Internet host's eth0 for the
# rest of the test: everything it receives from the gateway is checked for
# LAN addresses and checksums (e2e_sniff_checks reads the verdict).
# SNIFF: its files' stem; SNIFF_PID.
e2e_sniff_start() {
	SNIFF=$E2E_TMP/sniff
	rm -f "$SNIFF.ready"
	nsenter --net="/run/netns/$NS_INET" -- python3 "$E2E_DIR/sniff.py" --iface eth0 \
		--out "$SNIFF.out" --ready "$SNIFF.ready" --parent $$ 2>"$SNIFF.err" &
	SNIFF_PID=$!
	E2E_PIDS+=("$SNIFF_PID")
	for _ in $(seq 50); do
		[ -s "$SNIFF.ready" ] && break
		sleep 0.1
	done
	[ -s "$SNIFF.ready" ] || e2e_cannot_run "the sniffer did not start: $(head -c 300 "$SNIFF.err")"
}

# e2e_sniff_checks: the sniffer stopped, and its verdict as two checks:
# no packet with a LAN address reached the Internet host, and every
# checksum of what did was valid (over 1000 packets, or the run proved
# nothing).
e2e_sniff_checks() {
	local line npk nck nleak nbad
	kill "$SNIFF_PID" 2>/dev/null
	wait "$SNIFF_PID" 2>/dev/null
	line=$(head -1 "$SNIFF.out" 2>/dev/null)
	read -r _ npk _ nck _ nleak _ nbad <<<"$line"
	if ! [ "${npk:-0}" -gt 1000 ] 2>/dev/null; then
		fail internet_never_sees_lan_address "the sniffer on the Internet host reported '${line:-nothing}' ($(head -c 200 "$SNIFF.err"))"
		return
	fi
	echo "# the Internet host checked $nck of $npk packets from the gateway"
	if [ "$nleak" = 0 ]; then
		ok internet_never_sees_lan_address
	else
		fail internet_never_sees_lan_address "$nleak packets with a LAN address: $(grep -i "lan address" "$SNIFF.out" | head -3 | tr '\n' ';')"
	fi
	if [ "$nbad" = 0 ] && [ "$nck" -gt 1000 ]; then
		ok internet_checksums_valid
	else
		fail internet_checksums_valid "$nbad bad checksums of $nck checked: $(grep -i "checksum" "$SNIFF.out" | head -3 | tr '\n' ';')"
	fi
}

# e2e_listener_start NS LOG PORT...: the listener in NS, logging to LOG;
# returns once every port is bound.
e2e_listener_start() {
	local ns=$1 log=$2
	shift 2
	e2e_server_start "$ns" listener.py "$log" "$@"
}

# e2e_server_start NS SCRIPT LOG ARGS...: tests/e2e/SCRIPT in NS, run
# with --log LOG --ready LOG.ready --parent $$ (it exits when the test
# dies); returns once it says it is bound, or 1 with its error on stderr.
e2e_server_start() {
	local ns=$1 script=$2 log=$3 ready err
	shift 3
	ready=$log.ready
	err=$log.err
	rm -f "$ready"
	: >"$log"
	# nsenter itself, not ns_exec: a backgrounded function would run in
	# a subshell, and $! would be that subshell instead of the server
	nsenter --net="/run/netns/$ns" -- python3 "$E2E_DIR/$script" \
		--log "$log" --ready "$ready" --parent $$ "$@" 2>"$err" &
	E2E_PIDS+=($!)
	for _ in $(seq 50); do
		[ -s "$ready" ] && return 0
		kill -0 "${E2E_PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "$script in $ns did not start: $(head -c 300 "$err")" >&2
	return 1
}

# mxctl in the gateway namespace.
mx() {
	ns_exec "$NS_GW" "$MXCTL" "$@"
}

# e2e_connect SRC:PORT...: one batch of connections from the Internet
# host to the public address, all at once; the results stay in
# $E2E_TMP/conn for conn_result.
e2e_connect() {
	e2e_connect_to "$E2E_PUBLIC" "$@"
}

# e2e_connect_to DST SRC:PORT...: the same to DST (an IPv6 SRC:PORT is
# split at its last colon: 2001:db8:51::7:25).
e2e_connect_to() {
	local dst=$1
	shift
	ns_exec "$NS_INET" python3 "$E2E_DIR/client.py" --dst "$dst" \
		--timeout "$E2E_TIMEOUT" "$@" >"$E2E_TMP/conn" 2>&1
}

# conn_result SRC PORT: "banner TEXT", "nobanner", "timeout", "refused", ...
conn_result() {
	local src port rest
	while read -r src port rest; do
		if [ "$src" = "$1" ] && [ "$port" = "$2" ]; then
			echo "$rest"
			return
		fi
	done <"$E2E_TMP/conn"
	echo "no result"
}

# jget FILE EXPR...: evaluate each Python EXPR over an "mxctl status -j"
# output (schema 1: {"schema": 1, "interfaces": [...]}); d is the first
# interface's object, svc(NAME) its service NAME.
# One line per expression.
jget() {
	python3 - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["interfaces"][0]
def svc(name):
    return next(s for s in d["services"] if s["name"] == name)
for expr in sys.argv[2:]:
    print(eval(expr))
EOF
}

# status_json FILE: "mxctl status -j" of the gateway into FILE.
status_json() {
	mx status -j >"$1" 2>"$E2E_TMP/status.err"
}

# e2e_pin_dir NS IFNAME: where mxctl keeps the pins of IFNAME in network
# namespace NS, /sys/fs/bpf/mxgw/COOKIE/IFNAME, the namespace's cookie
# asked of the kernel here (SO_NETNS_COOKIE = 71), not of mxctl.
e2e_pin_dir() {
	local cookie
	cookie=$(ns_exec "$1" python3 -c 'import socket, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(struct.unpack("=Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])') || return 1
	echo "/sys/fs/bpf/mxgw/$cookie/$2"
}

# e2e_xdp_attach_mode: the one place that decides how the tests' gateways
# attach XDP on the kernel under test (issue 15).  mxctl probe asks the
# kernel whether libxdp's dispatcher can run (some kernels refuse its
# freplace programs with EPERM even for root); where it cannot, every
# mxctl of the test gets LIBXDP_SKIP_DISPATCHER=1, which mxgw honours as
# "xdp-attach direct" (libxdp's own switch), so that every config the
# tests write loads as before.  The verdict goes to the test's log.
e2e_xdp_attach_mode() {
	local out

	if out=$("$MXCTL" probe 2>&1); then
		unset LIBXDP_SKIP_DISPATCHER
	else
		export LIBXDP_SKIP_DISPATCHER=1
	fi
	echo "# kernel $(uname -r): $out${LIBXDP_SKIP_DISPATCHER:+ -> LIBXDP_SKIP_DISPATCHER=1 (direct)}"
}

# e2e_prog_field ID FIELD: a field of bpftool's view of program ID ("?").
e2e_prog_field() {
	bpftool -j prog show id "$1" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2" 2>/dev/null ||
		echo "?"
}

# e2e_xdp_components NS DEV DISPATCHER_ID: "ID NAME" per component of
# libxdp's dispatcher on DEV, in run order, from the pins libxdp keeps
# ($LIBXDP_BPFFS, default /sys/fs/bpf/xdp, in the test's own bpffs):
# dispatch-IFINDEX-ID/progN-prog.
e2e_xdp_components() {
	local ifindex p

	ifindex=$(ip -n "$1" -o link show dev "$2" 2>/dev/null | cut -d: -f1)
	for p in "${LIBXDP_BPFFS:-/sys/fs/bpf/xdp}/dispatch-$ifindex-$3"/prog*-prog; do
		[ -e "$p" ] || continue
		bpftool -j prog show pinned "$p" 2>/dev/null |
			python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["id"], d["name"])' 2>/dev/null
	done
}

# e2e_xdp_decider NS DEV ID: the program that decides DEV's packets when
# XDP program ID is attached there: ID itself, or where ID is libxdp's
# dispatcher (mxgw under xdp-attach dispatcher), its mxgw_wan_in
# component; "-" when the dispatcher holds none.
e2e_xdp_decider() {
	local id name

	case $3 in "" | - | "?") echo "$3"; return ;; esac
	if [ "$(e2e_prog_field "$3" name)" != xdp_dispatcher ]; then
		echo "$3"
		return
	fi
	while read -r id name; do
		[ "$name" = mxgw_wan_in ] && { echo "$id"; return; }
	done < <(e2e_xdp_components "$1" "$2" "$3")
	echo -
}
