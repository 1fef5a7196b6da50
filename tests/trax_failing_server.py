"""The real TraX server (tracker.vot.trax_server), except that the tracker fails the way CUDA fails:
with a plain RuntimeError (not a TrackerError), at the step named by $FAIL_AT (warm_up, init or
track). Test code only; the hook lives here, not in the product.

    trackers.ini: command = import sys; from trax_failing_server import main; sys.exit(main([...]))
                  paths = <this folder>:<repository root>
                  env_FAIL_AT = track
"""
from __future__ import annotations

import os

from tracker.core.siamese_tracker import SiameseTracker
from tracker.vot import trax_server

__all__ = ["main", "MESSAGE"]

MESSAGE = "CUDA out of memory. Tried to allocate 20.00 MiB (simulated by tests/trax_failing_server.py)"


def _failing(name: str):
    original = getattr(SiameseTracker, name)

    def step(self, *args, **kwargs):
        if os.environ.get("FAIL_AT") == name:
            raise RuntimeError(MESSAGE + "\nsecond line of the message")
        return original(self, *args, **kwargs)
    return step


def main(argv: list[str]) -> int:
    """The server, with the tracker's steps patched in this (the server's own) process only: a
    test that imports MESSAGE must not patch the tracker of the test process."""
    for name in ("warm_up", "init", "track"):
        setattr(SiameseTracker, name, _failing(name))
    return trax_server.main(argv)
