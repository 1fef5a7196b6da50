"""VOT's supervised (reset) protocol, in-process, as vot-toolkit 0.7.4 runs it over TraX
(vot/experiment/multirun.py, SupervisedExperiment.execute):

- initialise on frame 0 (trajectory code 1), track the following frames;
- a failure is a frame whose reported region overlaps the ground truth by <= failure_overlap (0),
  the overlap computed by the toolkit's own `calculate_overlap` within the image bounds (code 2);
- re-initialise `skip_initialize` (5) frames after the failure; the frames between stay code 0;
- up to `repetitions` runs; stop early once 3 runs are identical (a deterministic tracker).

Over TraX every region travels as C floats printed with 4 decimals ("%.4f"), and the toolkit
stores float32 results; `rounded_like_trax` applies the same rounding to the initial region the
tracker sees and to the region recorded, so that the results equal what `vot evaluate` writes.
"""
from __future__ import annotations

import time

import numpy as np

from ..datasets.sequence import Sequence
from ..core.images import read_image

INITIALIZATION, FAILURE, SKIPPED = 1, 2, 0
EARLY_STOP_RUNS = 3


def rounded_like_trax(values) -> np.ndarray:
    """Numbers as they arrive through TraX: float32, printed '%.4f', parsed back to float32."""
    return np.array([np.float32(f"{np.float32(v):.4f}") for v in np.asarray(values).ravel()],
                    dtype=np.float64)


def _vot_region(values: np.ndarray):
    from vot.region.shapes import Polygon, Rectangle
    values = np.asarray(values, dtype=float)
    if values.size == 4:
        return Rectangle(*values)
    return Polygon([(values[i], values[i + 1]) for i in range(0, values.size, 2)])


def run_supervised_once(tracker, sequence: Sequence, skip_initialize: int = 5,
                        failure_overlap: float = 0.0) -> tuple[list, np.ndarray]:
    """One run: (trajectory: per frame a code 0/1/2 or an (x, y, w, h) array; seconds per frame,
    NaN for frames not run)."""
    from vot.region import calculate_overlap
    images = {}

    def image(index: int) -> np.ndarray:   # each frame is read at most once per run
        if index not in images:
            images.clear()
            images[index] = read_image(sequence.frames[index])
        return images[index]

    height, width = image(0).shape[:2]
    groundtruth = [_vot_region(region) for region in sequence.groundtruth]
    trajectory: list = [SKIPPED] * len(sequence)
    times = np.full(len(sequence), np.nan)   # NaN: not sent (between a failure and re-init)
    frame = 0
    while frame < len(sequence):
        start = time.perf_counter()
        tracker.init(image(frame), list(rounded_like_trax(sequence.groundtruth[frame])))
        times[frame] = time.perf_counter() - start
        trajectory[frame] = INITIALIZATION
        frame += 1
        while frame < len(sequence):
            start = time.perf_counter()
            region = rounded_like_trax(tracker.track(image(frame)).bbox)
            times[frame] = time.perf_counter() - start
            if calculate_overlap(_vot_region(region), groundtruth[frame], (width, height)) <= failure_overlap:
                trajectory[frame] = FAILURE
                frame += skip_initialize
                break
            trajectory[frame] = region
            frame += 1
    return trajectory, times


def same_trajectory(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        (isinstance(x, int) and isinstance(y, int) and x == y)
        or (not isinstance(x, int) and not isinstance(y, int) and np.array_equal(x, y))
        for x, y in zip(a, b))


def run_supervised(tracker, sequence: Sequence, repetitions: int = 15, skip_initialize: int = 5,
                   failure_overlap: float = 0.0) -> list[tuple[list, np.ndarray]]:
    """Every run of the protocol on `sequence` (stopping after 3 identical runs, as the toolkit)."""
    runs = []
    for _ in range(repetitions):
        if len(runs) >= EARLY_STOP_RUNS and all(same_trajectory(r[0], runs[0][0]) for r in runs[1:]):
            break
        runs.append(run_supervised_once(tracker, sequence, skip_initialize, failure_overlap))
    return runs
