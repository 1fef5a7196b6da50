"""The real TraX server (tracker.vot.trax_server) with a tracker of known speed: each `track` takes
$SLOW_TRACK_S seconds and reports the initial box (on a static sequence it never fails). For
tests of the toolkit's real-time rule, whose skips depend only on reply times. Test code only.
"""
from __future__ import annotations

import os
import time

from tracker.core.siamese_tracker import SiameseTracker, TrackResult
from tracker.vot.trax_server import main

__all__ = ["main"]

_init = SiameseTracker.init


def _init_and_remember(self, image, region):
    _init(self, image, region)
    x, y, w, h = region if len(region) == 4 else (0, 0, 0, 0)
    self.fixed_box = (float(x), float(y), float(w), float(h))


def _slow_track(self, image):
    time.sleep(float(os.environ["SLOW_TRACK_S"]))
    return TrackResult(bbox=self.fixed_box, score=1.0)


SiameseTracker.init = _init_and_remember
SiameseTracker.track = _slow_track
