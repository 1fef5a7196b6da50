"""VOT's real-time rule: which frames the toolkit skips for a tracker that replies too slowly."""
from __future__ import annotations


def skipped_frames(init_seconds: float, reply_seconds: list[float], fps: float, grace: int = 3) -> int:
    """Frames VOT's real-time rule (vot-toolkit 0.7.4, RealtimeTrackerRuntime) would skip, given
    the reply time of the initialisation and of every frame when all frames are sent.

    The first `grace` replies slower than the interval I = 1/fps (the initialisation's included)
    are free. After a later slow reply of t seconds the toolkit owes t − I; while the debt
    exceeds I it skips a frame (never sent, the last output recorded) and pays off I.
    """
    interval = 1.0 / fps
    countdown, debt, skipped = grace, 0.0, 0
    for index, seconds in enumerate([init_seconds] + list(reply_seconds)):
        if index > 0 and debt > interval:
            debt -= interval
            skipped += 1
            continue
        debt = 0.0
        if seconds > interval:
            if countdown > 0:
                countdown -= 1
            else:
                debt = seconds - interval
    return skipped
