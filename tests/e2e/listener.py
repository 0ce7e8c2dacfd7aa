#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The mail server of the end-to-end tests.

Listens on every TCP port given, on IPv4 and IPv6 (one socket each, the
IPv6 one IPv6 only, so that an IPv4 peer is logged as itself and not as
::ffff:A.B.C.D); for each connection it appends one line "PORT PEER_IP"
to the log, sends the banner "220 mxgw-e2e PORT", and
closes.  The log line is written before the banner is sent, so a client
that has the banner knows its line is already in the log.  The peer
address is what the test is after: DNAT must keep the client's own source.

The ready file is written (atomically) once every port is bound, so the
test never races the listener's start.
"""
import argparse
import os
import selectors
import signal
import socket
import sys

from helper_proc import die_with_parent, write_atomic


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log", required=True, help="file to append 'PORT PEER_IP' lines to")
    ap.add_argument("--ready", required=True, help="file written once every port is bound")
    ap.add_argument("--parent", type=int, default=0,
                    help="the test's pid: exit when it is gone")
    ap.add_argument("ports", nargs="+", type=int)
    args = ap.parse_args()

    # SIGTERM from the test's cleanup: leave quietly
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # and the same when the test dies without cleaning up (SIGKILL): a
    # listener left behind would keep the mail-server namespace alive
    die_with_parent(args.parent)

    sel = selectors.DefaultSelector()
    for port in args.ports:
        for family, anyaddr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((anyaddr, port))
            s.listen(64)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, port)

    write_atomic(args.ready, "%d\n" % os.getpid())

    while True:
        for key, _ in sel.select():
            try:
                conn, peer = key.fileobj.accept()
            except OSError:
                continue
            # opened per line in append mode: the test may truncate the log
            with open(args.log, "a") as f:
                f.write("%d %s\n" % (key.data, peer[0]))
            conn.setblocking(True)
            conn.settimeout(1.0)
            try:
                conn.sendall(b"220 mxgw-e2e %d\r\n" % key.data)
            except OSError:
                pass
            conn.close()


if __name__ == "__main__":
    main()
