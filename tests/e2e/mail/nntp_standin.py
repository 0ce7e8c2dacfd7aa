#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""NNTP STAND-IN for the mail test bed: not a news server.

Debian's real NNTP servers (INN) need a news spool, cron and a news user
set up on the machine; the bed only needs something on 119 (plain) and
563 (NNTPS, TLS from the first byte) that speaks enough NNTP (RFC 3977)
for a real client (Python's nntplib) to connect, read the greeting, list
one group and quit.  It logs "PORT PEER_ADDRESS" per connection, so the
tests can tell which address the gateway let through.

  nntp_standin.py --listen ADDR [--listen ADDR6] --cert PEM --key PEM --log FILE --pidfile FILE
"""
import argparse
import os
import socket
import ssl
import sys
import threading

GREETING = "200 mxbed NNTP stand-in (not a news server) ready, posting prohibited"


def serve(conn, port, log, lock):
    try:
        conn.settimeout(30)
        peer = conn.getpeername()[0]
        with lock:
            log.write(f"{port} {peer}\n")
            log.flush()
        f = conn.makefile("rwb", buffering=0)

        def say(*lines):
            f.write("".join(line + "\r\n" for line in lines).encode())

        say(GREETING)
        while True:
            line = f.readline()
            if not line:
                break
            words = line.decode(errors="replace").strip().split()
            cmd = words[0].upper() if words else ""
            if cmd == "QUIT":
                say("205 bye")
                break
            if cmd == "CAPABILITIES":
                say("101 capability list follows", "VERSION 2", "READER", "LIST ACTIVE", ".")
            elif cmd == "MODE":
                say("201 reader mode, posting prohibited")
            elif cmd == "LIST":
                say("215 list of newsgroups follows", "mxbed.test 0 1 n", ".")
            elif cmd == "GROUP":
                say("211 0 1 0 mxbed.test" if words[1:] == ["mxbed.test"] else "411 no such group")
            elif cmd == "DATE":
                say("111 20240101000000")
            else:
                say("500 unknown command (NNTP stand-in)")
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        conn.close()


def listener(sock, port, tls, log, lock):
    while True:
        conn, _ = sock.accept()
        if tls:
            try:
                conn.settimeout(30)
                conn = tls.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                continue
        threading.Thread(target=serve, args=(conn, port, log, lock), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True, action="append",
                    help="an IPv4 or IPv6 address; once per address")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--pidfile", required=True)
    a = ap.parse_args()

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(a.cert, a.key)
    socks = []
    for addr in a.listen:
        for port, ctx in ((119, None), (563, tls)):
            s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
            s.listen(64)
            socks.append((s, port, ctx))
    log = open(a.log, "a")
    lock = threading.Lock()
    threads = [threading.Thread(target=listener, args=(s, p, c, log, lock), daemon=True)
               for s, p, c in socks]
    for t in threads:
        t.start()
    with open(a.pidfile, "w") as f:
        f.write(f"{os.getpid()}\n")
    for t in threads:
        t.join()


if __name__ == "__main__":
    sys.exit(main())
