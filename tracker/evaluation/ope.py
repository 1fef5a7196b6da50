"""One-pass evaluation (OPE): initialise on the first frame, track every later frame, never
re-initialise."""
from __future__ import annotations

import time

import numpy as np

from ..datasets.sequence import Sequence
from ..core.images import read_image


def run_ope(tracker, sequence: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """(boxes (frames, 4) x, y, w, h; seconds per frame). Frame 0 reports the initial region's
    bounds and the time of `init`. `tracker` has init(image, region) and track(image) -> .bbox."""
    boxes = np.zeros((len(sequence), 4))
    times = np.zeros(len(sequence))
    for index, path in enumerate(sequence.frames):
        image = read_image(path)
        start = time.perf_counter()
        if index == 0:
            region = sequence.groundtruth[0]
            tracker.init(image, region)
            boxes[0] = sequence.boxes()[0]
        else:
            boxes[index] = tracker.track(image).bbox
        times[index] = time.perf_counter() - start
    return boxes, times
