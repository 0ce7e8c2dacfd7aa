#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Long-lived traffic for test_upgrade.sh, each part checked by itself:

  serve --port P --bytes N --rate B [--bind IP]
        every connection gets N bytes (a pseudo-random stream, the same
        for every connection), paced to B bytes a second, then closed;
        one line per connection in --log: "sent N SHA256"
  fetch --dst IP --port P [--src IP]
        one connection, read to its end; --log: "got N SHA256", or
        "broken N WHY" when the connection failed
  udp-recv --port P
        counts datagrams "SEQ" until SIGTERM; --log: "received N top SEQ",
        the missing sequence numbers below the highest seen: "missing A B
        ...", and every wait between two datagrams over 5 ms: "gaps MS@AT
        ..." (AT monotonic, the arrival that ended it)
  udp-send --dst IP --port P --rate R --stop F
        datagrams "SEQ" (SEQ from 0) at R a second on a fixed schedule
        from its start, until file F exists (or --seconds, 300 by
        default); --log: "start T rate R sent N" (T monotonic)
  connect-loop --dst IP --port P --stop F [--src IP]
        connections one after another until file F exists, each awaiting
        the server's first line (2 s); --log: "ok N failed M" and the
        first failures

All write --ready (atomically) once listening / started, and exit with the
test (--parent).
"""
import argparse
import hashlib
import os
import random
import signal
import socket
import threading
import time

from helper_proc import die_with_parent, write_atomic

CHUNK = 65536


def append(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def stream_blocks():
    # pseudo-random, so that a lost, doubled or reordered block changes
    # the checksum; the same seed for every connection
    rng = random.Random(15)
    return [rng.randbytes(CHUNK) for _ in range(16)]


def serve_one(conn, a, blocks):
    h = hashlib.sha256()
    sent = 0
    start = time.monotonic()
    try:
        with conn:
            while sent < a.bytes:
                b = blocks[(sent // CHUNK) % len(blocks)][:a.bytes - sent]
                conn.sendall(b)
                h.update(b)
                sent += len(b)
                # paced: sent bytes by now at the most
                ahead = sent / a.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
            conn.shutdown(socket.SHUT_WR)
            # the peer closes once it has read everything
            conn.settimeout(30)
            while conn.recv(4096):
                pass
        append(a.log, f"sent {sent} {h.hexdigest()}")
    except OSError as e:
        append(a.log, f"broken {sent} {e}")


def serve(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    s.listen(64)
    blocks = stream_blocks()
    write_atomic(a.ready, "listening\n")
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve_one, args=(conn, a, blocks), daemon=True).start()


def fetch(a):
    h = hashlib.sha256()
    got = 0
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if a.src:
            s.bind((a.src, 0))
        s.settimeout(10)
        s.connect((a.dst, a.port))
        write_atomic(a.ready, f"connected {s.getsockname()[1]}\n")
        # a stall of 10 s is a broken connection (a reset would say so)
        while True:
            b = s.recv(CHUNK)
            if not b:
                break
            h.update(b)
            got += len(b)
        s.close()
        write_atomic(a.log, f"got {got} {h.hexdigest()}\n")
    except OSError as e:
        write_atomic(a.log, f"broken {got} {e}\n")
        if not os.path.exists(a.ready):
            write_atomic(a.ready, f"broken {e}\n")


def udp_recv(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # 16 MB: a receiver that waits for the CPU (a load's verifier on a
    # busy machine) loses nothing to its own socket's queue; what is
    # missing was lost on the way
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE (root)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.bind(("0.0.0.0", a.port))
    seen = set()
    gaps, last = [], None
    done = threading.Event()

    def stop(*_):
        done.set()

    signal.signal(signal.SIGTERM, stop)
    s.settimeout(0.2)
    write_atomic(a.ready, "listening\n")
    while not done.is_set():
        try:
            d, _ = s.recvfrom(2048)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        t = time.monotonic()
        if last is not None and t - last > 0.005:
            gaps.append(f"{(t - last) * 1000:.1f}@{t:.3f}")
        last = t
        try:
            seen.add(int(d.split(b" ")[0]))
        except ValueError:
            pass
    top = max(seen) if seen else -1
    missing = [str(i) for i in range(top + 1) if i not in seen]
    write_atomic(a.log, f"received {len(seen)} top {top}\nmissing {' '.join(missing)}\n"
                 f"gaps {' '.join(gaps)}\n")


def udp_send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((a.dst, a.port))
    n = int(a.rate * a.seconds)
    start = time.monotonic()
    write_atomic(a.ready, f"start {start}\n")
    pad = b"x" * 200
    sent = 0
    for seq in range(n):
        if a.stop and seq % 50 == 0 and os.path.exists(a.stop):
            break
        due = start + seq / a.rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        try:
            s.send(b"%d " % seq + pad)
            sent += 1
        except OSError:
            pass  # counted as lost by the receiver
    write_atomic(a.log, f"start {start} rate {a.rate} sent {sent}\n")


def connect_loop(a):
    ok = failed = 0
    first = []
    write_atomic(a.ready, "started\n")
    while not os.path.exists(a.stop):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            if a.src:
                s.bind((a.src, 0))
            s.settimeout(2)
            s.connect((a.dst, a.port))
            if not s.recv(512):
                raise OSError("closed before the banner")
            s.close()
            ok += 1
        except OSError as e:
            failed += 1
            if len(first) < 5:
                first.append(f"{time.monotonic():.3f} {e}")
        time.sleep(0.02)
    write_atomic(a.log, f"ok {ok} failed {failed}\n" + "".join(f + "\n" for f in first))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["serve", "fetch", "udp-recv", "udp-send", "connect-loop"])
    p.add_argument("--log", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--parent", type=int, default=0)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bind", default="0.0.0.0")
    p.add_argument("--dst")
    p.add_argument("--src")
    p.add_argument("--bytes", type=int, default=0)
    p.add_argument("--rate", type=float, default=1.0)
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--stop")
    a = p.parse_args()
    die_with_parent(a.parent)
    {"serve": serve, "fetch": fetch, "udp-recv": udp_recv, "udp-send": udp_send,
     "connect-loop": connect_loop}[a.mode](a)


if __name__ == "__main__":
    main()
