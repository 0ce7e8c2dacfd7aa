#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The LAN-side client of the outgoing end-to-end test (it also runs in the
gateway and on the Internet host).  It speaks to inet_server.py.

  batch  --dst IP [--sport P] [--rst] PORT...
                               one TCP connection per port, all at once:
                               two lines each way, then close.  One line
                               per port, in the order given:
           PORT ok LPORT SEEN   SEEN: the peer IP:PORT the server saw
           PORT timeout | refused | error:ERRNO | noreply | badreply TEXT
  hold   --dst IP --port P [--sport S] --ready F --release F
                               connect and exchange a line, write
                               "LPORT SEEN" to F (ready), wait until the
                               release file exists, exchange another line
                               on the same connection, close (FIN, wait for
                               the server's FIN); prints "hold ok SEEN" or
                               "hold fail WHY", then "again ok|fail WHY"
  loop   --dst IP --port P --count N
                               N connections in a row (connect, line each
                               way, close); prints "loop OK FAILED SECONDS"
                               and the first failure
  upload   --dst IP --port P --bytes N     "sink N": send N bytes, the
  download --dst IP --port P --bytes N     server's SHA-256 must match;
                               "source N": N bytes of the pattern, checked
                               byte for byte.  Prints "ok N SECONDS" or
                               "fail WHY"
  dns    --dst IP --proto udp|tcp [--sport P] [--nocsum] [--leave]
                               one A query; prints "answer IP" (the
                               server answers with the peer it saw) or
                               "timeout" / "fail WHY" / "error:ERRNO";
                               --leave: a slow query, then close at once
                               (prints "sent LPORT")
  ping   --dst IP [--count N] [--ident ID] [--ttl T]
                               ICMP echo through a raw socket (no ping
                               binary needed); prints "ping REPLIES SENT",
                               after "timeexceeded FROM ok|WHY" per time
                               exceeded error (its quoted echo checked)

IP may be an IPv4 or an IPv6 address: the socket's family follows it
(ping: ICMPv6 echo, --ttl the hop limit; dns: an AAAA query, answered
"answer IPV6").  SEEN is IP:PORT for both, split at the last colon.
"""
import argparse
import errno
import hashlib
import os
import random
import socket
import struct
import sys
import threading
import time

from helper_proc import die_with_parent, write_atomic


def err_word(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if isinstance(e, OSError) and e.errno:
        return "error:" + errno.errorcode.get(e.errno, str(e.errno))
    return "error:" + type(e).__name__


def exchange(f, sock, word, port):
    """Send WORD, read the server's "WORD PORT SEEN" line; returns SEEN."""
    sock.sendall(word.encode() + b"\n")
    line = f.readline()
    if not line:
        raise EOFError("noreply")
    parts = line.decode("ascii", "replace").split()
    if len(parts) != 3 or parts[0] != word or parts[1] != str(port):
        raise ValueError("badreply " + line.decode("ascii", "replace").strip())
    return parts[2]


def family(dst):
    return socket.AF_INET6 if ":" in dst else socket.AF_INET


def any_addr(dst):
    return "::" if ":" in dst else "0.0.0.0"


def one_conn(dst, port, timeout, words=("hello", "again"), sport=0, rst=False):
    s = socket.socket(family(dst), socket.SOCK_STREAM)
    if rst:
        # close with a RST: no TIME_WAIT here, the tuple is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    try:
        s.settimeout(timeout)
        try:
            if sport:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((any_addr(dst), sport))
            s.connect((dst, port))
        except OSError as e:
            return err_word(e)
        lport = s.getsockname()[1]
        f = s.makefile("rb")
        seen = None
        try:
            for w in words:
                got = exchange(f, s, w, port)
                if seen is not None and got != seen:
                    return "badreply peer changed %s -> %s" % (seen, got)
                seen = got
        except EOFError:
            return "noreply"
        except ValueError as e:
            return str(e)
        except OSError as e:
            return "noreply " + err_word(e)
        return "ok %d %s" % (lport, seen)
    finally:
        s.close()


def cmd_batch(a):
    res = [None] * len(a.ports)

    def run(i, port):
        res[i] = one_conn(a.dst, port, a.timeout, sport=a.sport + i if a.sport else 0,
                          rst=a.rst)

    th = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(a.ports)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    for p, r in zip(a.ports, res):
        print("%d %s" % (p, r))
    return 0


def cmd_hold(a):
    if a.parent:
        die_with_parent(a.parent)
    s = socket.socket(family(a.dst), socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        if a.sport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((any_addr(a.dst), a.sport))
        s.connect((a.dst, a.port))
        f = s.makefile("rb")
        seen = exchange(f, s, "hello", a.port)
    except (OSError, EOFError, ValueError) as e:
        print("hold fail " + (err_word(e) if isinstance(e, OSError) else str(e)))
        return 1
    write_atomic(a.ready, "%d %s\n" % (s.getsockname()[1], seen))
    print("hold ok " + seen, flush=True)
    deadline = time.monotonic() + a.max_hold
    while not os.path.exists(a.release) and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        exchange(f, s, "again", a.port)
        print("again ok")
    except (OSError, EOFError, ValueError) as e:
        print("again fail " + (err_word(e) if isinstance(e, OSError) else str(e)))
    # an orderly close: our FIN, then the server's
    try:
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
        print("closed ok")
    except OSError as e:
        print("closed fail " + err_word(e))
    s.close()
    return 0


def cmd_loop(a):
    ok = failed = 0
    first = None
    t0 = time.monotonic()
    for i in range(a.count):
        r = one_conn(a.dst, a.port, a.timeout, words=("n%d" % i,))
        if r.startswith("ok "):
            ok += 1
        else:
            failed += 1
            if first is None:
                first = "connection %d: %s" % (i, r)
    print("loop %d %d %.2f" % (ok, failed, time.monotonic() - t0))
    if first:
        print(first)
    return 0


def pattern(n):
    block = bytes(range(251)) * 4096
    out = bytearray()
    while len(out) < n:
        out += block
    return bytes(out[:n])


def cmd_bulk(a):
    data = pattern(a.bytes)
    s = socket.socket(family(a.dst), socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    t0 = time.monotonic()
    try:
        s.connect((a.dst, a.port))
        if a.cmd == "upload":
            s.sendall(b"sink %d\n" % a.bytes)
            s.sendall(data)
            line = s.makefile("rb").readline().decode("ascii", "replace").split()
            want = ["got", str(a.bytes), hashlib.sha256(data).hexdigest()]
            if line != want:
                print("fail server answered %s" % " ".join(line)[:120])
                return 0
        else:
            s.sendall(b"source %d\n" % a.bytes)
            got = bytearray()
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            if bytes(got) != data:
                print("fail got %d bytes, want %d of the pattern%s" %
                      (len(got), a.bytes,
                       "" if len(got) != a.bytes else " (content differs)"))
                return 0
    except OSError as e:
        print("fail %s after %.1fs" % (err_word(e), time.monotonic() - t0))
        return 0
    finally:
        s.close()
    print("ok %d %.2f" % (a.bytes, time.monotonic() - t0))
    return 0


def dns_query(first=b"mx", qtype=1):
    qid = random.randrange(65536)
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in (first, b"example", b"com"):
        q += bytes([len(label)]) + label
    q += b"\0" + struct.pack("!HH", qtype, 1)
    return qid, q


def dns_parse(qid, resp, qlen):
    if len(resp) < qlen + 16:
        return "fail short answer (%d bytes)" % len(resp)
    rid, flags, _, an = struct.unpack("!HHHH", resp[:8])
    if rid != qid or not flags & 0x8000 or an != 1:
        return "fail bad header id %d/%d flags %#x answers %d" % (rid, qid, flags, an)
    # the one record: name pointer, type, class, ttl, rdlength, rdata
    rtype, _, _, rdlen = struct.unpack("!HHIH", resp[qlen + 2:qlen + 12])
    rdata = resp[qlen + 12:qlen + 12 + rdlen]
    if rtype == 1 and rdlen == 4 == len(rdata):
        return "answer " + socket.inet_ntoa(rdata)
    if rtype == 28 and rdlen == 16 == len(rdata):
        return "answer " + socket.inet_ntop(socket.AF_INET6, rdata)
    return "fail record type %d, %d bytes" % (rtype, rdlen)


def cmd_dns(a):
    qid, q = dns_query(b"slow" if a.leave else b"mx", 28 if ":" in a.dst else 1)
    try:
        if a.proto == "udp":
            s = socket.socket(family(a.dst), socket.SOCK_DGRAM)
            s.settimeout(a.timeout)
            if a.nocsum:
                s.setsockopt(socket.SOL_SOCKET, 11, 1)	# SO_NO_CHECK
            if a.sport:
                s.bind((any_addr(a.dst), a.sport))
            s.connect((a.dst, 53))
            s.send(q)
            if a.leave:
                # gone before the (slow) answer: it meets a closed port
                print("sent %d" % s.getsockname()[1])
                s.close()
                return 0
            resp = s.recv(2048)
        else:
            s = socket.socket(family(a.dst), socket.SOCK_STREAM)
            s.settimeout(a.timeout)
            if a.sport:
                s.bind((any_addr(a.dst), a.sport))
            s.connect((a.dst, 53))
            s.sendall(struct.pack("!H", len(q)) + q)
            f = s.makefile("rb")
            hdr = f.read(2)
            if len(hdr) < 2:
                print("fail no answer")
                return 0
            resp = f.read(struct.unpack("!H", hdr)[0])
        print(dns_parse(qid, resp, len(q)))
    except OSError as e:
        print(err_word(e))
    return 0


def icmp_csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def inner_echo_ok(icmp, ident, seq, payload):
    """An ICMP error's quoted packet: our echo request, all checksums right."""
    inner = icmp[8:]
    if len(inner) < 20:
        return "short"
    ihl = (inner[0] & 15) * 4
    if icmp_csum(inner[:ihl]) != 0:
        return "inner IP checksum wrong"
    iecho = inner[ihl:]
    if len(iecho) < 8:
        return "no inner echo"
    typ, _, _, rid, rseq = struct.unpack("!BBHHH", iecho[:8])
    if typ != 8 or rid != ident or rseq != seq:
        return "inner echo type %d id %d seq %d, want 8 %d %d" % (typ, rid, rseq, ident, seq)
    if iecho[8:] == payload and icmp_csum(iecho) != 0:
        return "inner echo checksum wrong"
    return "ok"


def inner_echo6_ok(icmp, ident, seq, payload):
    """An ICMPv6 error's quoted packet: our echo request, its checksum right
    (over the quoted IPv6 addresses)."""
    inner = icmp[8:]
    if len(inner) < 40 or inner[0] >> 4 != 6:
        return "short"
    if inner[6] != 58:
        return "inner next header %d, want 58" % inner[6]
    iecho = inner[40:]
    if len(iecho) < 8:
        return "no inner echo"
    typ, _, _, rid, rseq = struct.unpack("!BBHHH", iecho[:8])
    if typ != 128 or rid != ident or rseq != seq:
        return "inner echo type %d id %d seq %d, want 128 %d %d" % (typ, rid, rseq, ident, seq)
    pseudo = inner[8:40] + struct.pack("!IxxxB", len(iecho), 58)
    if iecho[8:] == payload and icmp_csum(pseudo + iecho) != 0:
        return "inner echo checksum wrong"
    return "ok"


def cmd_ping(a):
    ident = a.ident if a.ident is not None else random.randrange(1, 65536)
    v6 = ":" in a.dst
    # ICMPv6: the kernel fills in the checksum on a raw socket, and drops
    # what arrives with a wrong one (RFC 3542 3.1)
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        req, rep, exceeded = 128, 129, 3
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        req, rep, exceeded = 8, 0, 11
    if a.ttl:
        if v6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, a.ttl)
        else:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
    replies = 0
    errors = []
    for seq in range(1, a.count + 1):
        payload = b"mxgw-e2e-%d-%d" % (ident, seq)
        hdr = struct.pack("!BBHHH", req, 0, 0, ident, seq)
        csum = 0 if v6 else icmp_csum(hdr + payload)
        pkt = struct.pack("!BBHHH", req, 0, csum, ident, seq) + payload
        s.sendto(pkt, (a.dst, 0))
        deadline = time.monotonic() + a.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                data, peer = s.recvfrom(2048)
            except socket.timeout:
                break
            # a raw IPv4 socket gets the IP header, an IPv6 one does not
            icmp = data if v6 else data[(data[0] & 15) * 4:]
            if len(icmp) >= 8 and icmp[0] == exceeded and a.ttl:
                if v6:
                    res = inner_echo6_ok(icmp, ident, seq, payload)
                elif icmp_csum(icmp) != 0:
                    res = "ICMP checksum wrong"
                else:
                    res = inner_echo_ok(icmp, ident, seq, payload)
                errors.append("timeexceeded from %s %s" % (peer[0], res))
                break
            if len(icmp) < 8 or peer[0] != a.dst:
                continue
            typ, _, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
            if typ == rep and rid == ident and rseq == seq and icmp[8:] == payload:
                if not v6 and icmp_csum(icmp) != 0:
                    print("bad checksum on reply %d" % seq)
                    continue
                replies += 1
                break
    for e in errors:
        print(e)
    print("ping %d %d" % (replies, a.count))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("batch", "hold", "loop", "upload", "download", "dns", "ping"):
        p = sub.add_parser(name)
        p.add_argument("--dst", required=True)
        p.add_argument("--timeout", type=float, default=1.0)
        if name == "batch":
            p.add_argument("--sport", type=int, default=0,
                           help="bind the connections to SPORT, SPORT+1, ...")
            p.add_argument("--rst", action="store_true", help="close with a RST")
            p.add_argument("ports", nargs="+", type=int)
        if name in ("hold", "loop", "upload", "download"):
            p.add_argument("--port", type=int, required=True)
        if name == "hold":
            p.add_argument("--ready", required=True)
            p.add_argument("--release", required=True)
            p.add_argument("--max-hold", type=float, default=30.0)
            p.add_argument("--sport", type=int, default=0)
            p.add_argument("--parent", type=int, default=0,
                           help="exit when this process (the test) is gone")
        if name == "loop":
            p.add_argument("--count", type=int, default=500)
        if name in ("upload", "download"):
            p.add_argument("--bytes", type=int, default=4 << 20)
        if name == "dns":
            p.add_argument("--proto", choices=("udp", "tcp"), default="udp")
            p.add_argument("--sport", type=int, default=0)
            p.add_argument("--nocsum", action="store_true",
                           help="UDP without checksum (SO_NO_CHECK)")
            p.add_argument("--leave", action="store_true",
                           help="ask for a slow answer and close at once")
        if name == "ping":
            p.add_argument("--count", type=int, default=3)
            p.add_argument("--ident", type=int)
            p.add_argument("--ttl", type=int, default=0,
                           help="expect ICMP time exceeded and check its quote")
    a = ap.parse_args()
    fn = {"batch": cmd_batch, "hold": cmd_hold, "loop": cmd_loop,
          "upload": cmd_bulk, "download": cmd_bulk, "dns": cmd_dns,
          "ping": cmd_ping}[a.cmd]
    sys.exit(fn(a))


if __name__ == "__main__":
    main()
