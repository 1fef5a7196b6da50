"""The real TraX server (tracker.vot.trax_server) with a tracker that talks during the session: on
every request it prints (whole lines and a line without its end), logs through a library's
logger, and writes a warning to stderr, as user code and libraries do. Test code only.

    trackers.ini: command = import sys; from trax_noisy_server import main; sys.exit(main([...]))
                  paths = <this folder>:<repository root>
"""
from __future__ import annotations

import logging
import sys
import warnings

from tracker.core.siamese_tracker import SiameseTracker
from tracker.vot.trax_server import main

__all__ = ["main"]

_init, _track = SiameseTracker.init, SiameseTracker.track


def _chatter(what: str) -> None:
    print(f"user code: {what}")
    print("a progress bar without its line end", end="")
    logging.getLogger("some.library").warning("a library logs during %s", what)
    warnings.warn(f"a warning during {what}")
    sys.stdout.flush()


def _noisy_init(self, image, region):
    _chatter("init")
    return _init(self, image, region)


def _noisy_track(self, image):
    _chatter("track")
    result = _track(self, image)
    print("\rprogress 50% (no line end)", end="", flush=True)
    return result


SiameseTracker.init, SiameseTracker.track = _noisy_init, _noisy_track
