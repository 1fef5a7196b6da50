"""A tracker step split into phases: crop, network, post-processing, online update.

The algorithm (tracker/core/siamese_tracker.py) knows nothing of timing. `PhaseTimedTracker` is a
SiameseTracker whose steps are wrapped: the search crop (`_crop_search`), the network (its
runner's `search`), the choice of the box (`_choose`) and the online update
(`_update_cls_kernels`) each charge their wall-clock time to a phase.
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
    """Seconds spent per named phase since the last `reset`.

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


class _TimedRunner:
    """A NetworkRunner whose searches are charged to the "network" phase."""

    def __init__(self, runner, times: PhaseTimes):
        self._runner, self._times = runner, times

    def __getattr__(self, name: str):
        return getattr(self._runner, name)

    def search(self, patch, kernels):
        with self._times("network"):
            return self._runner.search(patch, kernels)


class PhaseTimedTracker(SiameseTracker):
    """The same tracker (same runner, same settings), with its steps timed into `phase_times`."""

    def __init__(self, tracker: SiameseTracker):
        device = tracker.runner.device
        synchronize = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else None
        self.phase_times = PhaseTimes(synchronize)
        super().__init__(_TimedRunner(tracker.runner, self.phase_times), tracker.settings)

    def _crop_search(self, *args):
        with self.phase_times("crop"):
            return super()._crop_search(*args)

    def _choose(self, *args):
        with self.phase_times("post"):
            return super()._choose(*args)

    def _update_cls_kernels(self, *args):
        with self.phase_times("update"):
            return super()._update_cls_kernels(*args)


def make_tracker(config: Path, weights: Path, device: str, exact: bool, warm: bool = True) -> PhaseTimedTracker:
    # warm_up=False: on CUDA load_tracker would warm up itself; the first-use measurement needs a cold one.
    tracker = PhaseTimedTracker(load_tracker(config, weights=weights, device=device, exact=exact, warm_up=False))
    if warm:
        tracker.warm_up()
    return tracker


def timed_step(tracker: PhaseTimedTracker, path: Path) -> dict[str, float]:
    """One frame: decode + track, split into phases (milliseconds)."""
    start = time.perf_counter()
    image = read_image(str(path))
    decode = time.perf_counter() - start
    tracker.phase_times.reset()
    start = time.perf_counter()
    tracker.track(image)
    total = time.perf_counter() - start
    row = {phase: 1000 * seconds for phase, seconds in tracker.phase_times.reset().items()}
    row["decode"] = 1000 * decode
    row["step"] = 1000 * total              # the tracker step (crop + network + post + update)
    return row


def statistics(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=np.float64)
    return {"median": float(np.median(array)), "p90": float(np.percentile(array, 90)),
            "p99": float(np.percentile(array, 99)), "max": float(array.max()), "count": int(array.size)}


def phase_medians(rows: list[dict]) -> dict[str, float]:
    return {phase: float(np.median([r.get(phase, 0.0) for r in rows])) for phase in PHASES}
