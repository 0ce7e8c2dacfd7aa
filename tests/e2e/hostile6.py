#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""IPv6 attacks (issue 12) as crafted frames, for test_hostile6.sh.

Run in the Internet namespace: builds each named frame with scapy and
sends them all, in the order given, on --iface to the gateway's WAN MAC
(--gw-mac), as an attacker on the WAN segment (or an upstream router that
routes the LAN's prefix at the gateway) would.  Every frame has a source
port (or ICMPv6 identifier, or quoted port) of its own, so a capture on
the far side tells which one arrived.  Prints one line per frame sent:
NAME SUMMARY.  The link's own protocols (nd_ns, ra, mld_query) go to
their link-local or multicast destinations, as a neighbour or router on
the link sends them.

    hostile6.py --iface eth0 --gw-mac MAC --wan6 A --mailserver6 A \\
                --client A --client2 A --router A --other-lan A NAME...

Names: see frames() below.
"""
import argparse
import socket
import sys

from scapy.all import TCP, UDP, Ether, conf, get_if_hwaddr, sendp
from scapy.layers.inet6 import (ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6MLQuery2,
                                ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo,
                                ICMPv6NDOptSrcLLAddr, ICMPv6TimeExceeded, IPv6,
                                IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                                IPv6ExtHdrSegmentRouting, PadN, RouterAlert,
                                in6_getnsma, in6_getnsmac)

RA_PREFIX = "2001:db8:99::"	# the router advertisement's on-link prefix
NS_SOURCE = "2001:db8:1::77"	# a neighbour soliciting the gateway's address


def frames(a, mymac):
    """Every frame by name: (destination MAC or None for the gateway's,
    layers after Ethernet)."""
    ms, c1, c2, other = a.mailserver6, a.client, a.client2, a.other_lan
    wan6 = socket.inet_pton(socket.AF_INET6, a.wan6)

    def syn(src, sport, dst=ms, dport=25, flags="S"):
        return IPv6(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags, seq=1)

    def ext(*hdrs, sport, dst=ms):
        p = IPv6(src=c1, dst=dst)
        for h in hdrs:
            p = p / h
        return p / TCP(sport=sport, dport=25, flags="S", seq=1)

    # an ICMPv6 error quoting mailserver6:SPORT -> c1:DPORT
    def quote(sport, dport):
        return IPv6(src=ms, dst=c1) / TCP(sport=sport, dport=dport, flags="A", seq=1000)

    f = {
        # straight to the LAN: another address, an unlisted port
        "to_lan_syn": syn(a.attacker, 40001, dst=other),
        "to_lan_udp": IPv6(src=c1, dst=other) / UDP(sport=40161, dport=161) / b"public\0",
        "to_lan_echo": IPv6(src=c1, dst=other) / ICMPv6EchoRequest(id=0x4d58, seq=1) / b"mxgw",
        "to_ms_unlisted": syn(c1, 40002, dport=8080),
        # extension headers: chains mxgw walks and lets through ...
        "ext_hbh": ext(IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")]), sport=40010),
        "ext_dstopt": ext(IPv6ExtHdrDestOpt(), sport=40011),
        "ext_srh_done": ext(IPv6ExtHdrSegmentRouting(addresses=[ms], segleft=0), sport=40013),
        # ... and what it does not walk
        "ext_too_many": ext(*[IPv6ExtHdrDestOpt() for _ in range(7)], sport=40012),
        "ext_hbh_not_first": ext(IPv6ExtHdrDestOpt(), IPv6ExtHdrHopByHop(), sport=40014),
        # a mobility header (135) is no upper layer mxgw knows to skip
        "ext_unknown": IPv6(src=c1, dst=ms) / IPv6ExtHdrDestOpt(nh=135) /
        bytes([6, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) /
        TCP(sport=40015, dport=25, flags="S"),
        # routing headers: type 0 always, any other with segments left
        "rh0_segleft": ext(IPv6ExtHdrRouting(type=0, addresses=[other], segleft=1), sport=40020),
        "rh0_done": ext(IPv6ExtHdrRouting(type=0, addresses=[other], segleft=0), sport=40021),
        "rh4_segleft": ext(IPv6ExtHdrSegmentRouting(addresses=[other, ms], segleft=1),
                           sport=40022),
        # fragments: a first and a later one dropped; an atomic fragment
        # (offset 0, M 0: RFC 6946) read through
        "frag_first": ext(IPv6ExtHdrFragment(offset=0, m=1, id=0x4d5801), sport=40030),
        "frag_later": IPv6(src=c1, dst=ms) / IPv6ExtHdrFragment(nh=6, offset=2, m=0, id=0x4d5801) /
        (b"x" * 16),
        "frag_atomic": ext(IPv6ExtHdrFragment(offset=0, m=0, id=0x4d5802), sport=40031),
        # spoofed sources: the LAN's, mailserver6's, the gateway's own
        "spoof_lan6": syn("2001:db8:168::99", 40040),
        "spoof_mailserver6": syn(ms, 40041),
        "spoof_wan6": syn(a.wan6, 40042),
        # martian sources
        "martian_loopback": syn("::1", 40050),
        "martian_unspecified": syn("::", 40051),
        "martian_multicast": syn("ff02::1", 40052),
        "martian_v4mapped": syn("::ffff:198.51.100.7", 40053),
        "martian_linklocal": syn("fe80::7", 40054),
        # invalid TCP flag combinations
        "flags_syn_fin": syn(c1, 42001, flags="SF"),
        "flags_syn_rst": syn(c1, 42002, flags="SR"),
        "flags_none": syn(c1, 42003, flags=""),
        "flags_fin": syn(c1, 42004, flags="F"),
        "flags_xmas": syn(c1, 42005, flags="FPU"),
        # ICMPv6 errors: about an allowed incoming connection (smtp) it
        # passes; about a port the table does not let in, or from a LAN
        # source, not
        "icmp_allowed": IPv6(src=a.router, dst=ms) / ICMPv6TimeExceeded() / quote(25, 43001),
        "icmp_no_flow": IPv6(src=a.router, dst=ms) / ICMPv6DestUnreach(code=1) / quote(8080, 43002),
        "icmp_lan_src": IPv6(src="2001:db8:168::50", dst=ms) / ICMPv6TimeExceeded() /
        quote(25, 43003),
        # the link's own: a neighbour solicitation for the gateway's WAN
        # address, a router advertisement with an on-link prefix, an MLD
        # query; each must reach the gateway's stack
        "nd_ns": (in6_getnsmac(wan6),
                  IPv6(src=NS_SOURCE, dst=socket.inet_ntop(socket.AF_INET6, in6_getnsma(wan6)),
                       hlim=255) / ICMPv6ND_NS(tgt=a.wan6) / ICMPv6NDOptSrcLLAddr(lladdr=mymac)),
        "ra": ("33:33:00:00:00:01",
               IPv6(src="fe80::1", dst="ff02::1", hlim=255) / ICMPv6ND_RA(routerlifetime=0) /
               ICMPv6NDOptSrcLLAddr(lladdr=mymac) /
               ICMPv6NDOptPrefixInfo(prefix=RA_PREFIX, prefixlen=64, L=1, A=0,
                                     validlifetime=600, preferredlifetime=300)),
        "mld_query": ("33:33:00:00:00:01",
                      IPv6(src="fe80::1", dst="ff02::1", hlim=1) /
                      IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) /
                      ICMPv6MLQuery2(mrd=100)),
        # the last frame: a SYN to smtp that must arrive
        "marker": syn(c2, 44999),
    }
    return {n: p if isinstance(p, tuple) else (None, p) for n, p in f.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iface", required=True)
    ap.add_argument("--gw-mac", required=True)
    ap.add_argument("--wan6", required=True)
    ap.add_argument("--mailserver6", required=True)
    ap.add_argument("--client", required=True)
    ap.add_argument("--client2", required=True)
    ap.add_argument("--router", required=True)
    ap.add_argument("--other-lan", required=True)
    ap.add_argument("--attacker", default="2001:db8:51::66")
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()

    conf.verb = 0
    mymac = get_if_hwaddr(a.iface)
    known = frames(a, mymac)
    unknown = [n for n in a.names if n not in known]
    if unknown:
        sys.exit("hostile6.py: unknown frame(s): %s (known: %s)" %
                 (" ".join(unknown), " ".join(sorted(known))))
    out = [Ether(src=mymac, dst=known[n][0] or a.gw_mac) / known[n][1] for n in a.names]
    sendp(out, iface=a.iface)
    for n, p in zip(a.names, out):
        print(n, p.summary())


if __name__ == "__main__":
    main()
