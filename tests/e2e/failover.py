#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Traffic that measures a gateway failover (tests/e2e/test_keepalived.sh).

  probe  --dst IP --port P --out F [--interval S] [--timeout S]
                     a new TCP connection every --interval seconds (each in
                     a thread of its own, so a lost SYN never delays the
                     next), one line appended to F per attempt, in the
                     order they end:
                         START_EPOCH ok | START_EPOCH fail WHY
                     ok: connected and read a line before --timeout
  source --port P --bytes N [--rate BPS]
                     for each connection, N bytes of pattern(), at most
                     BPS bytes/s (so that a download spans the failover),
                     then close
  fetch  --dst IP --port P --bytes N --status F
                     one connection, reads to EOF; F is rewritten
                     (atomically) every 0.1 s and at the end:
                         got BYTES EPOCH               while it runs
                         done BYTES ok|bad SECONDS     EOF: the bytes were
                                                       (not) pattern()'s
                         broken BYTES WHY              an error

Every mode writes --ready once listening / connected and exits with the
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

# a prime length: a chunk lost, doubled or misplaced by any amount but a
# multiple of it changes the digest
PATTERN = random.Random(993).randbytes(65521)


def pattern(n):
    """The first n bytes of the endless repetition of PATTERN."""
    whole, rest = divmod(n, len(PATTERN))
    return PATTERN * whole + PATTERN[:rest]


def attempt(a, out, lock):
    start = time.time()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        s.connect((a.dst, a.port))
        if not s.recv(256):
            raise EOFError("eof")
        res = "ok"
    except socket.timeout:
        res = "fail timeout"
    except (OSError, EOFError) as e:
        res = "fail " + (type(e).__name__ if not getattr(e, "errno", None)
                         else os.strerror(e.errno).replace(" ", "_"))
    finally:
        s.close()
    with lock:
        out.write("%.3f %s\n" % (start, res))
        out.flush()


def probe(a):
    lock = threading.Lock()
    with open(a.out, "a") as out:
        write_atomic(a.ready, "%d\n" % os.getpid())
        nxt = time.monotonic()
        while True:
            threading.Thread(target=attempt, args=(a, out, lock), daemon=True).start()
            nxt += a.interval
            time.sleep(max(0.0, nxt - time.monotonic()))


def send_one(conn, a):
    data = pattern(a.bytes)
    chunk = 16384
    start = time.monotonic()
    with conn:
        try:
            for off in range(0, len(data), chunk):
                conn.sendall(data[off:off + chunk])
                if a.rate:
                    ahead = (off + chunk) / a.rate - (time.monotonic() - start)
                    if ahead > 0:
                        time.sleep(ahead)
        except OSError:
            pass


def source(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", a.port))
    s.listen(16)
    write_atomic(a.ready, "%d\n" % os.getpid())
    while True:
        conn, _ = s.accept()
        threading.Thread(target=send_one, args=(conn, a), daemon=True).start()


def fetch(a):
    h = hashlib.sha256()
    n = 0
    start = time.monotonic()
    try:
        s = socket.create_connection((a.dst, a.port), timeout=a.timeout)
        write_atomic(a.ready, "%d\n" % os.getpid())
        last = 0.0
        while True:
            b = s.recv(65536)
            if not b:
                break
            h.update(b)
            n += len(b)
            if time.monotonic() - last >= 0.1:
                last = time.monotonic()
                write_atomic(a.status, "got %d %.3f\n" % (n, time.time()))
        good = n == a.bytes and h.digest() == hashlib.sha256(pattern(a.bytes)).digest()
        write_atomic(a.status, "done %d %s %.1f\n" %
                     (n, "ok" if good else "bad", time.monotonic() - start))
    except OSError as e:
        write_atomic(a.status, "broken %d %s\n" % (n, str(e).replace(" ", "_")))
        write_atomic(a.ready, "broken\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("probe", "source", "fetch"))
    ap.add_argument("--dst")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out")
    ap.add_argument("--status")
    ap.add_argument("--bytes", type=int, default=16 << 20)
    ap.add_argument("--rate", type=int, default=0)
    ap.add_argument("--interval", type=float, default=0.1)
    # probe: an attempt's deadline; fetch: the socket's, which must be far
    # longer than a failover's stall (the test gives 30 s)
    ap.add_argument("--timeout", type=float, default=0.5)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--log", help="unused; e2e_server_start passes it")
    ap.add_argument("--parent", type=int, default=0)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    die_with_parent(a.parent)
    {"probe": probe, "source": source, "fetch": fetch}[a.mode](a)


if __name__ == "__main__":
    main()
