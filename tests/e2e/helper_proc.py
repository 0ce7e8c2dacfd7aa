# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""What every helper process of the e2e tests (listener.py, stream.py,
sniff.py, ...) shares with the test that started it.

die_with_parent: a test killed without running its trap (SIGKILL, a CI
timeout) must not leave its servers, clients and sniffers behind: an
orphan keeps its network namespace alive, holds its ports and writes into
the next run's files.

write_atomic: the test polls the files a helper writes (--ready, a
status) while the helper writes them; a plain write lets the reader see
an empty or half-written file.

Imported from the helpers' own directory, which Python puts first on
sys.path when it runs a script by its path (python3 tests/e2e/X.py).
"""
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent):
    """SIGTERM when the parent goes (the caller's SIGTERM handler, set
    before, decides how it leaves); exit now if PARENT, the test's pid, is
    already gone.  The parent must be the test's shell itself ($$, the
    helper started by exec: nsenter, not a subshell)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    # the signal only comes for a death after the prctl: one before it
    # has already reparented us
    if parent and os.getppid() != parent:
        sys.exit(0)


def write_atomic(path, text):
    """PATH holds TEXT, whole: written beside it, then renamed over it
    (rename(2) is atomic: a reader opens the old file or the new one)."""
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)
