#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What arrives on a wire, one line per IP frame, for test_hostile.sh and
test_hostile6.sh.

Captures every frame --iface receives (AF_PACKET; the host's own frames
going out are left out) and appends one line per IPv4 or IPv6 packet to
--log, flushed at once, so the test can poll for a marker frame:

    SRC DST PROTO SPORT DPORT FLAGS ICMPTYPE

FLAGS is the TCP flag byte in hex (- for other protocols), SPORT and DPORT
are 0 for ICMP; VLAN tags are skipped.  For IPv6, PROTO is the protocol
after the extension headers (hop-by-hop, routing, fragment, destination
options, AH), 44 for a fragment that is not the first, and 58 is ICMPv6.  The ready file is written once the
socket is bound; SIGTERM, or the test's death, ends it.
"""
import argparse
import os
import signal
import socket
import struct
import sys

from helper_proc import die_with_parent, write_atomic

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def ipv6_l4(ip):
    """(protocol, its bytes) after IPv6's extension headers."""
    nh, off = ip[6], 40
    while nh in (0, 43, 44, 51, 60) and len(ip) >= off + 8:
        if nh == 44:
            if struct.unpack("!H", ip[off + 2:off + 4])[0] & 0xfff8:
                return 44, b""	# a later fragment: no ports
            nh, off = ip[off], off + 8
        elif nh == 51:
            nh, off = ip[off], off + (ip[off + 1] + 2) * 4
        else:
            nh, off = ip[off], off + (ip[off + 1] + 1) * 8
    return nh, ip[off:]


def describe(frame):
    """The line for one frame, or None if it holds no IP header."""
    off = 12
    etype = struct.unpack("!H", frame[off:off + 2])[0] if len(frame) >= 14 else 0
    while etype in (0x8100, 0x88a8) and len(frame) >= off + 6:
        off += 4
        etype = struct.unpack("!H", frame[off:off + 2])[0]
    ip = frame[off + 2:]
    if etype == 0x86dd and len(ip) >= 40 and ip[0] >> 4 == 6:
        src = socket.inet_ntop(socket.AF_INET6, ip[8:24])
        dst = socket.inet_ntop(socket.AF_INET6, ip[24:40])
        proto, l4 = ipv6_l4(ip)
    elif etype == 0x0800 and len(ip) >= 20 and ip[0] >> 4 == 4:
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        proto, l4 = ip[9], ip[(ip[0] & 15) * 4:]
    else:
        return None
    sport = dport = 0
    flags = "-"
    itype = "-"
    if proto in (6, 17) and len(l4) >= 4:
        sport, dport = struct.unpack("!HH", l4[:4])
        if proto == 6 and len(l4) >= 14:
            flags = "%02x" % l4[13]
    elif proto in (1, 58) and len(l4) >= 1:
        itype = str(l4[0])
    return "%s %s %d %d %d %s %s" % (src, dst, proto, sport, dport, flags, itype)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iface", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--parent", type=int, default=0)
    a = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    die_with_parent(a.parent)

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((a.iface, 0))
    log = open(a.log, "a", buffering=1)
    write_atomic(a.ready, "%d\n" % os.getpid())

    while True:
        data, addr = s.recvfrom(65536)
        if addr[2] == PACKET_OUTGOING:
            continue
        line = describe(data)
        if line:
            log.write(line + "\n")


if __name__ == "__main__":
    main()
