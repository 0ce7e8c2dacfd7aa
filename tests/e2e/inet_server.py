#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The Internet servers of the outgoing end-to-end test.

Listens on every TCP port given (and, with --udp-dns, on UDP port 53),
on IPv4 and IPv6 alike (an IPv6-only socket next to the IPv4 one).  For
each TCP connection it first appends one line to the log:

    tcp PORT PEER_IP PEER_PORT

which is the address the masquerading gateway must have put there (its
public address, never the LAN host's; over IPv6, routed, the LAN host's
own), then speaks one of:

  * lines: for each line "WORD" received it answers
    "WORD PORT PEER_IP:PEER_PORT" (so the client learns what the server
    saw, and data crosses in both directions); "sink N" reads N bytes and
    answers "got N SHA256"; "source N" sends N bytes of pattern() and
    closes.  EOF: closes.
  * DNS over TCP (a connection whose first bytes are not a letter): each
    length-prefixed query gets an answer, see dns_answer().

UDP port 53 (--udp-dns) answers every datagram as DNS and logs
"udp 53 PEER_IP PEER_PORT".  The answer's A record (AAAA to an IPv6
peer) is the peer address the server saw, so the client can tell what
the Internet saw too.  A query for a name whose first label is "slow" is
answered 0.3 s late.  The sockets have IP_RECVERR (IPV6_RECVERR): an
ICMP error about an answer (the client had gone) is logged as

    udperr DST_IP DST_PORT OFFENDER_IP ICMP_TYPE ICMP_CODE

DST being the destination inside the ICMP error, OFFENDER its sender.

The ready file is written (atomically) once every socket is bound.
"""
import argparse
import hashlib
import os
import signal
import socket
import struct
import threading

from helper_proc import die_with_parent, write_atomic

IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
IPV6_RECVERR = getattr(socket, "IPV6_RECVERR", 25)
log_lock = threading.Lock()
LOG = None


def log(line):
    # opened per line in append mode: the test may truncate the log
    with log_lock, open(LOG, "a") as f:
        f.write(line + "\n")


def pattern(n):
    """The bytes "source N" sends: the client checks every one."""
    block = bytes(range(251)) * 4096
    out = bytearray()
    while len(out) < n:
        out += block
    return bytes(out[:n])


def dns_answer(query, peer_ip):
    """A response to any query: same id and question, one A record whose
    address is the peer the server saw (AAAA for an IPv6 peer)."""
    if len(query) < 12:
        return None
    qid = query[:2]
    # the question: labels up to the root, then type and class
    i = 12
    while i < len(query) and query[i] != 0:
        i += 1 + query[i]
    question = query[12:i + 5]
    hdr = qid + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0)
    if ":" in peer_ip:
        ans = struct.pack("!HHHIH", 0xC00C, 28, 1, 60, 16) + \
            socket.inet_pton(socket.AF_INET6, peer_ip)
    else:
        ans = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(peer_ip)
    return hdr + question + ans


def recv_exact(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(min(65536, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def serve_dns_tcp(conn, peer):
    while True:
        hdr = recv_exact(conn, 2)
        if len(hdr) < 2:
            return
        (n,) = struct.unpack("!H", hdr)
        ans = dns_answer(recv_exact(conn, n), peer[0])
        if ans is None:
            return
        conn.sendall(struct.pack("!H", len(ans)) + ans)


def serve_lines(conn, port, peer):
    f = conn.makefile("rb")
    while True:
        line = f.readline()
        if not line:
            return
        words = line.split()
        if len(words) == 2 and words[0] == b"sink":
            n = int(words[1])
            h = hashlib.sha256()
            got = 0
            while got < n:
                chunk = f.read1(min(65536, n - got))
                if not chunk:
                    break
                h.update(chunk)
                got += len(chunk)
            conn.sendall(b"got %d %s\n" % (got, h.hexdigest().encode()))
        elif len(words) == 2 and words[0] == b"source":
            conn.sendall(pattern(int(words[1])))
            return
        else:
            word = words[0] if words else b"-"
            conn.sendall(b"%s %d %s:%d\n" % (word, port, peer[0].encode(), peer[1]))


def handle(conn, port, peer):
    try:
        conn.settimeout(30)
        log("tcp %d %s %d" % (port, peer[0], peer[1]))
        first = conn.recv(1, socket.MSG_PEEK)
        if not first:
            return
        if port == 53 and not first.isalpha():
            serve_dns_tcp(conn, peer)
        else:
            serve_lines(conn, port, peer)
    except OSError:
        pass
    finally:
        conn.close()


def accept_loop(sock, port):
    while True:
        try:
            conn, peer = sock.accept()
        except OSError:
            continue
        threading.Thread(target=handle, args=(conn, port, peer), daemon=True).start()


def drain_errqueue(sock):
    while True:
        try:
            _, anc, _, addr = sock.recvmsg(2048, 1024,
                                           socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except OSError:
            return
        for level, typ, data in anc:
            # struct sock_extended_err, then the offender's sockaddr_in
            # (its address at 4) or sockaddr_in6 (at 8)
            if level == socket.IPPROTO_IP and typ == IP_RECVERR and len(data) >= 24:
                offender = socket.inet_ntoa(data[20:24])
            elif level == socket.IPPROTO_IPV6 and typ == IPV6_RECVERR and len(data) >= 40:
                offender = socket.inet_ntop(socket.AF_INET6, data[24:40])
            else:
                continue
            _, _, ee_type, ee_code = struct.unpack("=IBBB", data[:7])
            log("udperr %s %d %s %d %d" % (addr[0], addr[1], offender, ee_type, ee_code))


def send_answer(sock, ans, peer):
    try:
        sock.sendto(ans, peer)
    except OSError:
        pass


def udp_dns_loop(sock):
    while True:
        try:
            data, peer = sock.recvfrom(2048)
        except OSError:
            drain_errqueue(sock)
            continue
        log("udp 53 %s %d" % (peer[0], peer[1]))
        ans = dns_answer(data, peer[0])
        if ans is None:
            continue
        if data[12:17] == b"\x04slow":
            threading.Timer(0.3, send_answer, args=(sock, ans, peer)).start()
        else:
            send_answer(sock, ans, peer)


FAMILIES = ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::"))


def v6only(s):
    """An IPv6 socket next to the IPv4 one: IPv6 only, so that an IPv4
    peer is logged as itself, not as ::ffff:A.B.C.D."""
    if s.family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)


def main():
    global LOG
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--parent", type=int, default=0,
                    help="the test's pid: exit when it is gone")
    ap.add_argument("--udp-dns", action="store_true", help="also answer DNS on UDP 53")
    ap.add_argument("ports", nargs="+", type=int)
    args = ap.parse_args()
    LOG = args.log

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    die_with_parent(args.parent)

    socks = []
    for port in args.ports:
        for family, anyaddr in FAMILIES:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            v6only(s)
            s.bind((anyaddr, port))
            s.listen(128)
            socks.append((s, port))
    udps = []
    if args.udp_dns:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        udp.bind(("0.0.0.0", 53))
        udps.append(udp)
        udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        v6only(udp)
        udp.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
        udp.bind(("::", 53))
        udps.append(udp)

    write_atomic(args.ready, "%d\n" % os.getpid())

    for s, port in socks:
        threading.Thread(target=accept_loop, args=(s, port), daemon=True).start()
    for udp in udps:
        threading.Thread(target=udp_dns_loop, args=(udp,), daemon=True).start()
    # the threads serve; SIGTERM (or the parent's death) ends it all
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
