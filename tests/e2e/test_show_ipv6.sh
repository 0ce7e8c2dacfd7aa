#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# End-to-end: what mxctl shows of IPv6 on a dual-stack gateway.  The
# namespaces of lib.sh get IPv6 addresses (the documentation prefix:
# WAN 2001:db8:1::/64, clients 2001:db8:51::7 and ::8, LAN
# 2001:db8:168::/64 with the mail server at ::10 = mailserver6), the
# shipped table is loaded with a mailserver6, and connections from the
# Internet to mailserver6 on a port let in (smtp) and one denied (pop3)
# show up: in mxctl log as text, JSON lines and a pcap tshark reads back,
# in status -j's and Prometheus's IPv6 counts alike, in status's text;
# IPv6 forwarding switched off and the IPv6 fast path lost are WARNINGs
# (exit 3).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init "$@"
e2e_topology_up
e2e_topology6_up

MS6=$E2E_MAILSERVER6
LAN6=$E2E_LAN6
WAN6=$E2E_WAN6
C6=$E2E_CLIENT1_6

CONF=$E2E_TMP/mxgw.conf
{
	sed "s/^public[[:space:]].*/public $E2E_PUBLIC/" "$E2E_ROOT/etc/mxgw.conf"
	echo "mailserver6 $MS6"
	echo "log-rate 1000/s"
} >"$CONF"
mx -c "$CONF" load wan0 >/dev/null 2>"$E2E_TMP/err" ||
	e2e_cannot_run "mxctl load: $(cat "$E2E_TMP/err")" load
# Before Linux 6.3 no xdp-features: no fast path, the kernel forwards
XDP_FEATURES=1
grep -q "does not report xdp-features" "$E2E_TMP/err" && XDP_FEATURES=0

# connect6 PORT: one TCP connection from the client to mailserver6:PORT:
# refused (the mail server's RST came back: it got through), timeout
# (dropped), connected, or error:ERRNO.  Nothing listens on the mail
# server: a RST is as good a proof as a banner that mxgw let the SYN in.
connect6() {
	ns_exec "$NS_INET" python3 - "$C6" "$MS6" "$1" "$E2E_TIMEOUT" <<'EOF'
import errno, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.bind((sys.argv[1], 0))
s.settimeout(float(sys.argv[4]))
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
    print('connected')
except socket.timeout:
    print('timeout')
except ConnectionRefusedError:
    print('refused')
except OSError as e:
    print('error:' + errno.errorcode.get(e.errno, str(e.errno)))
EOF
}

# mx_bg OUT ERR ARGS...: mxctl in the background; MX_PID is its pid.
mx_bg() {
	local out=$1 err=$2
	shift 2
	nsenter --net="/run/netns/$NS_GW" -- "$MXCTL" "$@" >"$out" 2>"$err" &
	MX_PID=$!
	E2E_PIDS+=("$MX_PID")
}

# wait_listening PID: until the data plane makes events for reader PID;
# 1 after 10 s or if it exited.
wait_listening() {
	local end=$((SECONDS + 10))
	while [ "$SECONDS" -lt "$end" ]; do
		status_json "$E2E_TMP/listen.json" &&
			[ "$(jget "$E2E_TMP/listen.json" \
				"d['log']['listening'] and d['log']['reader_pid'] == $1")" = True ] &&
			return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# wait_exit PID: until the reader has exited (its --count reached); 1
# after 10 s.
wait_exit() {
	local end=$((SECONDS + 10))
	while [ "$SECONDS" -lt "$end" ]; do
		kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
		sleep 0.05
	done
	return 1
}

# 1. what runs: mailserver6, the LAN's prefix found at load, the WAN's own
status_json "$E2E_TMP/st0.json"
got=$(jget "$E2E_TMP/st0.json" "d['mailserver6']" "'$LAN6' in d['lan6']" "'$WAN6' in d['wan6']" \
	"d['ipv6_forwarding']" "d['ipv6']" "d['warnings']" | tr '\n' ' ')
if [ "$got" = "$MS6 True True True filtered [] " ]; then
	ok status_json_ipv6_config
else
	fail status_json_ipv6_config "mailserver6, lan6, wan6, forwarding, ipv6, warnings: $got"
fi

# 2. the log: a denied connection (pop3) as a JSON line and in the pcap,
# one let in (smtp, in_new) as a text line
mx_bg "$E2E_TMP/deny.log" "$E2E_TMP/deny.err" log -j --service pop3 --count 1 --timeout 30 \
	--pcap "$E2E_TMP/deny.pcap"
deny_reader=$MX_PID
wait_listening "$deny_reader" || fail log_listening "the reader never listened: $(cat "$E2E_TMP/deny.err")"
res_deny=$(connect6 110)
wait_exit "$deny_reader" || fail log_json_ipv6_drop "the reader did not stop after its event"
got=$(python3 - "$E2E_TMP/deny.log" "$C6" "$MS6" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
d = json.loads(lines[0]) if len(lines) == 1 else {}
src, dst = d.get('src', ''), d.get('dst', '')
print(len(lines) == 1 and d['family'] == 'ipv6' and d['proto'] == 'tcp' and
      d['reason'] == 'drop_service_deny' and d['verdict'] == 'drop' and d['service'] == 'pop3' and
      src.startswith('[%s]:' % sys.argv[2]) and dst == '[%s]:110' % sys.argv[3], lines)
EOF
)
if [ "$res_deny" = timeout ] && [[ $got == True* ]]; then
	ok log_json_ipv6_drop
else
	fail log_json_ipv6_drop "connect: $res_deny; $got; $(cat "$E2E_TMP/deny.err")"
fi
if command -v tshark >/dev/null 2>&1; then
	n=$(HOME=/tmp tshark -r "$E2E_TMP/deny.pcap" \
		-Y "ipv6.src == $C6 && ipv6.dst == $MS6 && tcp.dstport == 110 && tcp.flags.syn == 1" \
		-T fields -e frame.number 2>/dev/null | wc -l)
	if [ "$n" -eq 1 ]; then
		ok log_pcap_ipv6_read_back_by_tshark
	else
		fail log_pcap_ipv6_read_back_by_tshark "tshark found $n IPv6 SYNs to $MS6:110, the log showed 1"
	fi
elif [ "${MXGW_REQUIRE_BPF:-0}" = 1 ]; then
	fail log_pcap_ipv6_read_back_by_tshark "tshark is not installed"
else
	echo "SKIP: tshark not installed"
fi

mx_bg "$E2E_TMP/allow.log" "$E2E_TMP/allow.err" log --service smtp --verdict allow --count 1 --timeout 30
allow_reader=$MX_PID
wait_listening "$allow_reader" || fail log_listening "the reader never listened: $(cat "$E2E_TMP/allow.err")"
res_allow=$(connect6 25)
wait_exit "$allow_reader" || fail log_text_ipv6_in_new "the reader did not stop after its event"
line=$(head -1 "$E2E_TMP/allow.log")
if [ "$res_allow" = refused ] &&
	[[ $line =~ ^[0-9T:.-]+Z\ wan0\ in\ +allow\ in_new\ +tcp6\ +\[$C6\]:[0-9]+\ -\>\ \[$MS6\]:25\ smtp\ len\ [0-9]+$ ]]; then
	ok log_text_ipv6_in_new
else
	fail log_text_ipv6_in_new "connect: $res_allow; line: '$line'; $(cat "$E2E_TMP/allow.err")"
fi

# 3. the counts: IPv6's part in status -j, the same in Prometheus's
# family="ipv6" series, both families together in counters
status_json "$E2E_TMP/st1.json"
mx stats --prometheus >"$E2E_TMP/st1.prom" 2>"$E2E_TMP/err"
got=$(python3 - "$E2E_TMP/st1.json" "$E2E_TMP/st1.prom" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))['interfaces'][0]
prom = {}
for line in open(sys.argv[2]):
    m = re.match(r'^(\w+)\{(.*)\} (\d+)$', line)
    if m:
        prom[(m.group(1), frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2))))] = int(m.group(3))
def p(name, **lab):
    lab.setdefault('ifname', 'wan0')
    return prom.get((name, frozenset(lab.items())))
svc = {s['name']: s for s in d['services']}
bad = []
pop3 = svc['pop3']['in6']['denied']['packets']
smtp = svc['smtp']['in6']['allowed']['packets']
if pop3 < 1 or smtp < 1:
    bad.append('in6: pop3 denied %d, smtp allowed %d' % (pop3, smtp))
if p('mxgw_service_packets_total', service='pop3', direction='in', verdict='deny', family='ipv6') != pop3:
    bad.append('prometheus pop3 ipv6 %s, json %d' % (
        p('mxgw_service_packets_total', service='pop3', direction='in', verdict='deny', family='ipv6'), pop3))
for c in ('drop_service_deny', 'in_new'):
    six = d['counters6'][c]
    four = p('mxgw_drops_total', reason=c, family='ipv4') if c.startswith('drop_') else \
        p('mxgw_%s_total' % c, family='ipv4')
    ipv6 = p('mxgw_drops_total', reason=c, family='ipv6') if c.startswith('drop_') else \
        p('mxgw_%s_total' % c, family='ipv6')
    if six < 1 or ipv6 != six or four + six != d['counters'][c]:
        bad.append('%s: counters6 %d, ipv6 %s, ipv4 %s, counters %d' % (c, six, ipv6, four, d['counters'][c]))
if svc['pop3']['in']['denied']['packets'] < pop3:
    bad.append('pop3 in (both families) %d < in6 %d' % (svc['pop3']['in']['denied']['packets'], pop3))
print('; '.join(bad) or 'same')
EOF
)
if [ "$got" = same ]; then
	ok counts_per_family_json_and_prometheus_agree
else
	fail counts_per_family_json_and_prometheus_agree "$got"
fi
mx status >"$E2E_TMP/status.txt" 2>"$E2E_TMP/err"
rc=$?
if [ "$rc" -eq 0 ] &&
	grep -q "^  IPv6: mail server $MS6 (routed), LAN $LAN6, WAN $WAN6, fe80::" "$E2E_TMP/status.txt" &&
	grep -A1 '^  pop3 ' "$E2E_TMP/status.txt" | grep -Eq '^    of which IPv6 +0 +[1-9][0-9]* +0 +0$'; then
	ok status_text_ipv6
else
	fail status_text_ipv6 "exit $rc: $(head -c 1500 "$E2E_TMP/status.txt")"
fi

# 4. IPv6 forwarding off with a mailserver6: a WARNING, exit 3
ns_exec "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=0
mx status >"$E2E_TMP/status.txt" 2>"$E2E_TMP/err"
rc=$?
status_json "$E2E_TMP/st2.json"
ns_exec "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=1
if [ "$rc" -eq 3 ] && grep -q "^  WARNING: IPv6 forwarding is off" "$E2E_TMP/status.txt" &&
	[ "$(jget "$E2E_TMP/st2.json" "d['warnings'], d['ipv6_forwarding']")" = "(['ipv6_forwarding_off'], False)" ]; then
	ok status_warns_ipv6_forwarding_off
else
	fail status_warns_ipv6_forwarding_off "exit $rc, $(jget "$E2E_TMP/st2.json" "d['warnings']"): $(grep WARNING "$E2E_TMP/status.txt")"
fi

# 5. mailserver6's fast path, then lost: with GRO on the mail server's
# veth end lan0 takes XDP frames; the next hop cached (the first SYNs
# find the neighbour unresolved) says xdp-redirect; GRO off, a WARNING
ns_exec "$NS_MS" ethtool -K eth0 gro on >/dev/null 2>&1 || fail gro_on "ethtool -K eth0 gro on failed"
mx -c "$CONF" reload wan0 >/dev/null 2>"$E2E_TMP/err" || fail reload_gro_on "$(cat "$E2E_TMP/err")"
want=$([ "$XDP_FEATURES" = 1 ] && echo xdp-redirect || echo kernel)
path=
end=$((SECONDS + 10))
while [ "$SECONDS" -lt "$end" ]; do
	connect6 25 >/dev/null
	status_json "$E2E_TMP/st3.json"
	path=$(jget "$E2E_TMP/st3.json" "d['forward6']['path'] if d['forward6']['reason'] != 'no_neigh' else 'no_neigh'")
	[ "$path" = "$want" ] && break
	sleep 0.1
done
if [ "$path" = "$want" ]; then
	ok forward6_path_from_the_nexthop
else
	fail forward6_path_from_the_nexthop "forward6: $(jget "$E2E_TMP/st3.json" "d['forward6']") (want $want)"
fi
ns_exec "$NS_MS" ethtool -K eth0 gro off >/dev/null 2>&1 || fail gro_off "ethtool -K eth0 gro off failed"
mx status >"$E2E_TMP/status.txt" 2>"$E2E_TMP/err"
rc=$?
status_json "$E2E_TMP/st4.json"
lost=$(jget "$E2E_TMP/st4.json" "d['forward6']['fast_path_lost'], 'ipv6_fast_path_lost' in d['warnings'], d['forward']['fast_path_lost']")
if [ "$XDP_FEATURES" = 1 ]; then
	if [ "$rc" -eq 3 ] && [ "$lost" = "(True, True, False)" ] &&
		grep -q "^  WARNING: the LAN device mailserver6 is routed through no longer takes XDP frames" "$E2E_TMP/status.txt"; then
		ok status_warns_ipv6_fast_path_lost
	else
		fail status_warns_ipv6_fast_path_lost "exit $rc, lost $lost: $(grep WARNING "$E2E_TMP/status.txt")"
	fi
elif [ "$rc" -eq 0 ] && [ "$lost" = "(False, False, False)" ]; then
	ok status_warns_ipv6_fast_path_lost	# no fast path to lose
else
	fail status_warns_ipv6_fast_path_lost "kernel without xdp-features: exit $rc, lost $lost"
fi

e2e_summary
