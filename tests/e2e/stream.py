#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Long-lived TCP connections for the lifecycle end-to-end test: a
connection that must survive what mxgw does meanwhile (a reload that
replaces its programs, another namespace's commands).

  server --port P [--bind IP]   echoes every line back, on every
                                connection, until the peer closes;
                                --bind :: listens dual-stack
  client --dst IP --port P [--src IP] --status F
                                one connection; a numbered line every
                                --interval seconds, each echo awaited
                                (--timeout); F is rewritten (atomically)
                                after every echo:
                                    echoed N maxgap MS lport LPORT
                                and, when the connection breaks:
                                    broken N WHY

Both write --ready (atomically) once listening / connected, and exit with
the test (--parent).
"""
import argparse
import os
import signal
import socket
import threading
import time

from helper_proc import die_with_parent, write_atomic


def echo(conn):
    with conn:
        f = conn.makefile("rb")
        for line in f:
            conn.sendall(line)


def server(a):
    # --bind :: is a dual-stack socket: IPv4 peers show as ::ffff:a.b.c.d
    s = socket.socket(socket.AF_INET6 if ":" in a.bind else socket.AF_INET,
                      socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if ":" in a.bind:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((a.bind, a.port))
    s.listen(16)
    write_atomic(a.ready, "%d\n" % os.getpid())
    while True:
        conn, _ = s.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def client(a):
    s = socket.socket(socket.AF_INET6 if ":" in a.dst else socket.AF_INET,
                      socket.SOCK_STREAM)
    if a.src:
        s.bind((a.src, 0))
    s.settimeout(a.timeout)
    n, maxgap = 0, 0.0
    try:
        s.connect((a.dst, a.port))
        lport = s.getsockname()[1]
        f = s.makefile("rb")
        last = time.monotonic()
        while True:
            s.sendall(b"%d\n" % n)
            line = f.readline()
            if line != b"%d\n" % n:
                raise EOFError("got %r for line %d" % (line[:40], n))
            now = time.monotonic()
            maxgap = max(maxgap, now - last)
            last = now
            n += 1
            write_atomic(a.status, "echoed %d maxgap %d lport %d\n" %
                         (n, maxgap * 1000, lport))
            if n == 1:
                write_atomic(a.ready, "%d\n" % os.getpid())
            time.sleep(a.interval)
    except (OSError, EOFError) as e:
        write_atomic(a.status, "broken %d %s\n" % (n, str(e) or type(e).__name__))
        if n == 0:
            write_atomic(a.ready, "broken\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("server", "client"))
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--dst")
    ap.add_argument("--src")
    ap.add_argument("--status")
    ap.add_argument("--interval", type=float, default=0.02)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--log", help="unused; e2e_server_start passes it")
    ap.add_argument("--parent", type=int, default=0)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    die_with_parent(a.parent)
    if a.mode == "server":
        server(a)
    else:
        client(a)


if __name__ == "__main__":
    main()
