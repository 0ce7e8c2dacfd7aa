#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The Internet's view of the gateway, for the outgoing end-to-end test.

Captures every IPv4 packet arriving on --iface (AF_PACKET) and checks two
things a masquerading gateway must never get wrong:

  * no LAN address (--lan, a /16 or any prefix) reaches the Internet: not
    as a source, and not inside the quoted header of an ICMP error;
  * every checksum is right: the IP header's, and TCP's, UDP's or ICMP's
    over the whole packet, unless the kernel marks the packet's checksum
    as not computed yet (a partial checksum on a virtual link: the
    gateway's own packets) or it is a fragment.

On SIGTERM it writes one line to --out:

    packets N checked M leaks L badcsum B

then the first few offending packets, one per line, and exits.
"""
import argparse
import ipaddress
import os
import signal
import socket
import struct
import sys

from helper_proc import die_with_parent, write_atomic

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_CSUMNOTREADY = 1 << 3


def csum(b):
    """Ones' complement sum folded, over bytes (C speed through memoryview)."""
    if len(b) % 2:
        b = bytes(b) + b"\0"
    s = sum(memoryview(b).cast("H"))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    # the sum of native-order words is the byte-swapped sum on little endian
    if sys.byteorder == "little":
        s = ((s & 0xff) << 8) | (s >> 8)
    return s


class Stats:
    def __init__(self, lan):
        self.lan = lan
        self.packets = self.checked = self.leaks = self.bad = 0
        self.examples = []

    def note(self, what, ip, extra=""):
        if len(self.examples) < 8:
            src = socket.inet_ntoa(ip[12:16])
            dst = socket.inet_ntoa(ip[16:20])
            self.examples.append("%s proto %d %s -> %s %s" % (what, ip[9], src, dst, extra))

    def is_lan(self, a):
        return ipaddress.IPv4Address(a) in self.lan

    def packet(self, ip, partial):
        if len(ip) < 20 or ip[0] >> 4 != 4:
            return
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        if len(ip) < tot or tot < ihl:
            return
        ip = ip[:tot]
        self.packets += 1
        proto = ip[9]
        if self.is_lan(ip[12:16]) or self.is_lan(ip[16:20]):
            self.leaks += 1
            self.note("lan address", ip)
        l4 = ip[ihl:]
        if proto == 1 and len(l4) >= 8 + 20 and l4[0] in (3, 11, 12):
            inner = l4[8:]
            if self.is_lan(inner[12:16]) or self.is_lan(inner[16:20]):
                self.leaks += 1
                self.note("lan address quoted in ICMP error", ip,
                          "inner %s -> %s" % (socket.inet_ntoa(inner[12:16]),
                                              socket.inet_ntoa(inner[16:20])))
        if csum(ip[:ihl]) != 0xffff:
            self.bad += 1
            self.note("bad IP checksum", ip)
            return
        frag = struct.unpack("!H", ip[6:8])[0] & 0x3fff
        if partial or frag:
            return
        self.checked += 1
        if proto == 1:
            ok = csum(l4) == 0xffff
        elif proto in (6, 17):
            if proto == 17 and len(l4) >= 8 and l4[6:8] == b"\0\0":
                return  # UDP without checksum
            pseudo = ip[12:20] + struct.pack("!BBH", 0, proto, len(l4))
            ok = csum(pseudo + l4) == 0xffff
        else:
            return
        if not ok:
            self.bad += 1
            ports = ""
            if proto in (6, 17) and len(l4) >= 4:
                ports = "ports %d -> %d" % struct.unpack("!HH", l4[:4])
            elif proto == 1:
                ports = "icmp type %d code %d" % (l4[0], l4[1])
            self.note("bad L4 checksum", ip, ports)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iface", required=True)
    ap.add_argument("--lan", default="192.168.0.0/16")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--parent", type=int, default=0)
    a = ap.parse_args()

    st = Stats(ipaddress.IPv4Network(a.lan))

    def finish(*_):
        write_atomic(a.out, "packets %d checked %d leaks %d badcsum %d\n" %
                     (st.packets, st.checked, st.leaks, st.bad) +
                     "".join(e + "\n" for e in st.examples))
        os._exit(0)

    signal.signal(signal.SIGTERM, finish)
    die_with_parent(a.parent)

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((a.iface, 0))
    write_atomic(a.ready, "%d\n" % os.getpid())

    while True:
        try:
            data, anc, _, addr = s.recvmsg(65536, 256)
        except InterruptedError:
            continue
        if addr[2] == PACKET_OUTGOING or len(data) < 14:
            continue
        if struct.unpack("!H", data[12:14])[0] != 0x0800:
            continue
        partial = False
        for level, typ, d in anc:
            if level == SOL_PACKET and typ == PACKET_AUXDATA and len(d) >= 4:
                partial = bool(struct.unpack("=I", d[:4])[0] & TP_STATUS_CSUMNOTREADY)
        st.packet(data[14:], partial)


if __name__ == "__main__":
    main()
