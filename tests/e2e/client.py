#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The Internet client of the end-to-end tests.

Opens one TCP connection per SRC:PORT to --dst, all at once (so a batch
of connections that must time out costs one timeout, not one each), and
prints one line per connection, in the order given.  --dst and SRC may be
IPv4 or IPv6 addresses (an IPv6 SRC:PORT splits at its last colon, or is
written [SRC]:PORT):

    SRC PORT banner TEXT   connected and read the first line TEXT
    SRC PORT nobanner      connected, but no line before the timeout or EOF
    SRC PORT timeout       no answer to the SYN (dropped on the way)
    SRC PORT refused       RST to the SYN (something answered, nobody listens)
    SRC PORT error:ERRNO   anything else (EHOSTUNREACH, ...)
"""
import argparse
import errno
import socket
import threading


def attempt(dst, src, port, timeout):
    s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((src, 0))
        s.settimeout(timeout)
        try:
            s.connect((dst, port))
        except socket.timeout:
            return "timeout"
        except ConnectionRefusedError:
            return "refused"
        except OSError as e:
            return "error:" + errno.errorcode.get(e.errno, str(e.errno))
        data = b""
        try:
            while b"\n" not in data:
                chunk = s.recv(256)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        line = data.split(b"\n", 1)[0].strip()
        if not line:
            return "nobanner"
        return "banner " + line.decode("ascii", "replace")
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("specs", nargs="+", metavar="SRC:PORT")
    args = ap.parse_args()

    jobs = []
    for spec in args.specs:
        src, port = spec.rsplit(":", 1)
        jobs.append((src.strip("[]"), int(port)))
    results = [None] * len(jobs)

    def run(i, src, port):
        results[i] = attempt(args.dst, src, port, args.timeout)

    threads = [threading.Thread(target=run, args=(i, src, port))
               for i, (src, port) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (src, port), res in zip(jobs, results):
        print("%s %d %s" % (src, port, res))


if __name__ == "__main__":
    main()
