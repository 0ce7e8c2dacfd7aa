#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The attacks of issue 10 as crafted frames, for test_hostile.sh.

Run in the Internet namespace: builds each named frame with scapy and
sends them all, in the order given, on --iface to the gateway's WAN MAC
(--gw-mac), as an attacker on the WAN segment would.  Every frame has a
source port (or ICMP identifier, or quoted port) of its own, so a capture
on the far side tells which one arrived.  Prints one line per frame sent:
NAME SUMMARY.

to_lan_syn comes from --attacker, an address this namespace does not have
(so its kernel answers nothing for it), and is played to the end as the
issue's attacker did: if any SYN-ACK to it comes back before the marker's
(the last frame, a SYN to smtp) does, it is acknowledged, opening a
session with the mail server; "handshake completed" or "handshake: no
SYN-ACK" is printed.

    hostile.py --iface eth0 --gw-mac MAC --public A --mailserver A \\
               --client A --client2 A --router A [--attacker A] NAME...

Names: see frames() below.
"""
import argparse
import sys
import threading
import time

from scapy.all import (ICMP, IP, TCP, UDP, AsyncSniffer, Dot1Q, Ether, conf,
                       get_if_hwaddr, sendp)

DEADLINE = 10	# seconds for the marker's SYN-ACK


def frames(a):
    """Every frame by name: (layers after Ethernet)."""
    pub, ms, c1, c2 = a.public, a.mailserver, a.client, a.client2
    quote = IP(src=pub, dst=c1) / TCP(sport=25, dport=43000, flags="A", seq=1000)
    f = {
        # item 1: straight to the LAN, past the public address
        "to_lan_syn": IP(src=a.attacker, dst=ms) / TCP(sport=443, dport=143, flags="S", seq=1),
        "to_lan_udp": IP(src=c1, dst=ms) / UDP(sport=40161, dport=161) / b"public\0",
        "to_lan_echo": IP(src=c1, dst=ms) / ICMP(type=8, id=0x4d58, seq=1) / b"mxgw",
        # item 2: three VID-0 tags, to a port the gateway itself listens on
        "vlan3_syn": (Dot1Q(vlan=0) / Dot1Q(vlan=0) / Dot1Q(vlan=0) /
                      IP(src=c1, dst=pub) / TCP(sport=40022, dport=a.gw_port, flags="S")),
        # item 4: invalid flag combinations to smtp
        "flags_syn_fin": IP(src=c1, dst=pub) / TCP(sport=42001, dport=25, flags="SF"),
        "flags_syn_rst": IP(src=c1, dst=pub) / TCP(sport=42002, dport=25, flags="SR"),
        "flags_none": IP(src=c1, dst=pub) / TCP(sport=42003, dport=25, flags=""),
        "flags_fin": IP(src=c1, dst=pub) / TCP(sport=42004, dport=25, flags="F"),
        "flags_xmas": IP(src=c1, dst=pub) / TCP(sport=42005, dport=25, flags="FPU"),
        # item 5: a time-exceeded about an smtp reply, from a LAN source
        # and (documented to pass) from a router on the way
        "icmp_lan_src": IP(src="192.168.1.50", dst=pub) / ICMP(type=11) / quote,
        "icmp_router": (IP(src=a.router, dst=pub) / ICMP(type=11) /
                        IP(src=pub, dst=c1) / TCP(sport=25, dport=43001, flags="A", seq=1000)),
        # the last frame: a SYN to smtp that must arrive
        "marker": IP(src=c2, dst=pub) / TCP(sport=44999, dport=25, flags="S", seq=7),
    }
    # item 3: martian sources to smtp
    for i, src in enumerate(["127.0.0.1", "0.0.0.0", "224.0.0.5", "255.255.255.255",
                             a.wan_bcast]):
        f["martian_%s" % src] = IP(src=src, dst=pub) / TCP(sport=41001 + i, dport=25, flags="S")
    return f


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iface", required=True)
    ap.add_argument("--gw-mac", required=True)
    ap.add_argument("--public", required=True)
    ap.add_argument("--mailserver", required=True)
    ap.add_argument("--client", required=True)
    ap.add_argument("--client2", required=True)
    ap.add_argument("--router", required=True)
    ap.add_argument("--wan-bcast", default="203.0.113.255")
    ap.add_argument("--gw-port", type=int, default=2222)
    ap.add_argument("--attacker", default="198.51.100.66")
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()

    conf.verb = 0
    known = frames(a)
    unknown = [n for n in a.names if n not in known]
    if unknown:
        sys.exit("hostile.py: unknown frame(s): %s (known: %s)" %
                 (" ".join(unknown), " ".join(sorted(known))))
    eth = Ether(src=get_if_hwaddr(a.iface), dst=a.gw_mac)
    out = [eth / known[n] for n in a.names]

    # SYN-ACKs to the attacker and to the marker, as they come back
    got = {}
    started = threading.Event()

    def note(p):
        if IP in p and TCP in p and p[TCP].flags == "SA":
            if p[IP].dst == a.attacker and p[TCP].dport == 443:
                got.setdefault("attacker", p)
            elif p[IP].dst == a.client2 and p[TCP].dport == 44999:
                got.setdefault("marker", p)

    sniffer = AsyncSniffer(iface=a.iface, prn=note, store=False,
                           started_callback=started.set)
    sniffer.start()
    started.wait(DEADLINE)
    sendp(out, iface=a.iface)
    for n, p in zip(a.names, out):
        print(n, p.summary())
    if "to_lan_syn" in a.names:
        end = time.monotonic() + DEADLINE
        while "marker" not in got and time.monotonic() < end:
            time.sleep(0.02)
        sa = got.get("attacker")
        if sa is None:
            print("handshake: no SYN-ACK")
        else:
            # whatever address it came back from, the SYN went to the mail
            # server: acknowledge it there, and the session is open
            sendp(eth / IP(src=a.attacker, dst=a.mailserver) /
                  TCP(sport=443, dport=143, flags="A", seq=2, ack=sa[TCP].seq + 1),
                  iface=a.iface)
            print("handshake completed: SYN-ACK from %s:%d" % (sa[IP].src, sa[TCP].sport))
    sniffer.stop()


if __name__ == "__main__":
    main()
