"""A tracker step split into phases: crop, network, post-processing, online update.

The algorithm (tracker/core/siamese_tracker.py) knows nothing of timing: it runs each phase of a
search inside `tracker.phase_timer(phase)`. `PhaseTimes` is such a timer; it charges each phase's
wall-clock time to its name.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from .. import load_tracker
from ..core.images import read_image
from ..core.siamese_tracker import SiameseTracker

PHASES = ("decode", "crop", "network", "post", "update")


class PhaseTimes:
    """Seconds spent per named phase since the last `reset`; a SiameseTracker's `phase_timer`.

    `synchronize` (e.g. torch.cuda.synchronize) runs at the end of each phase, so that
    asynchronous device work is charged to the phase that queued it.
    """

    def __init__(self, synchronize: Callable[[], None] | None = None):
        self.synchronize = synchronize
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.synchronize is not None:
                self.synchronize()
            self.seconds[phase] += time.perf_counter() - start

    def reset(self) -> dict[str, float]:
        """The times so far (a plain dict), then zero."""
        seconds, self.seconds = dict(self.seconds), defaultdict(float)
        return seconds


def make_tracker(config: Path, weights: Path, device: str, exact: bool, warm: bool = True,
                 backend: str = "torch") -> SiameseTracker:
    """A tracker whose `phase_timer` is a PhaseTimes (synchronising on CUDA)."""
    # warm_up=False: on CUDA load_tracker would warm up itself; the first-use measurement needs a cold one.
    tracker = load_tracker(config, weights=weights, device=device, exact=exact, warm_up=False, backend=backend)
    gpu = tracker.runner.device
    tracker.phase_timer = PhaseTimes((lambda: torch.cuda.synchronize(gpu)) if gpu.type == "cuda" else None)
    if warm:
        tracker.warm_up()
    return tracker


def timed_step(tracker: SiameseTracker, path: Path) -> dict[str, float]:
    """One frame: decode + track, split into phases (milliseconds); `tracker` from make_tracker."""
    start = time.perf_counter()
    image = read_image(str(path))
    decode = time.perf_counter() - start
    tracker.phase_timer.reset()
    start = time.perf_counter()
    tracker.track(image)
    total = time.perf_counter() - start
    row = {phase: 1000 * seconds for phase, seconds in tracker.phase_timer.reset().items()}
    row["decode"] = 1000 * decode
    row["step"] = 1000 * total              # the tracker step (crop + network + post + update)
    return row


def statistics(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=np.float64)
    return {"median": float(np.median(array)), "p90": float(np.percentile(array, 90)),
            "p99": float(np.percentile(array, 99)), "max": float(array.max()), "count": int(array.size)}


def phase_medians(rows: list[dict]) -> dict[str, float]:
    return {phase: float(np.median([r.get(phase, 0.0) for r in rows])) for phase in PHASES}
