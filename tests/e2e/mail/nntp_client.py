#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A one-shot NNTP client for the mail test bed, on Python's nntplib.

  nntp_client.py HOST PORT [--tls --cafile PEM] [--timeout S]

Prints the server's greeting and the groups it lists, or "timeout" (no
answer to the SYN or to the greeting), or "refused", or "error: ...".
Exit 0 when the session completed, 1 on timeout, 2 otherwise.
"""
import argparse
import socket
import ssl
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import nntplib


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--cafile")
    ap.add_argument("--timeout", type=float, default=5)
    a = ap.parse_args()
    try:
        if a.tls:
            ctx = ssl.create_default_context(cafile=a.cafile)
            s = nntplib.NNTP_SSL(a.host, a.port, ssl_context=ctx, timeout=a.timeout)
        else:
            s = nntplib.NNTP(a.host, a.port, timeout=a.timeout)
        welcome = s.getwelcome()
        _, groups = s.list()
        s.quit()
    except (socket.timeout, TimeoutError):
        print("timeout")
        return 1
    except ConnectionRefusedError:
        print("refused")
        return 2
    except (OSError, nntplib.NNTPError, ssl.SSLError) as e:
        print(f"error: {e}")
        return 2
    print(f"{welcome} | groups: {' '.join(g.group for g in groups)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
