"""First-use spikes: is the first frame of each configuration slower than the rest?"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..core.images import read_image
from .phases import make_tracker, timed_step


def first_use(config: Path, weights: Path, device: str, paths: list[Path], region: tuple) -> dict:
    """A SiamMargin run that switches search size (255/351) and searches once or twice, in
    blocks of 4 frames; per configuration: first use / median and p99 / median, without and with
    warm-up."""
    result = {}
    for warm in (False, True):
        tracker = make_tracker(config, weights, device, False, warm=warm)
        settings = tracker.settings
        always_twice = replace(settings, second_search=replace(settings.second_search, score_threshold=1.01))
        tracker.init(read_image(str(paths[0])), region)
        times: dict[str, list[float]] = {}
        for index, path in enumerate(paths[1:]):
            block = index // 4
            size = settings.instance_sizes()[block % len(settings.instance_sizes())]
            twice = block % 4 >= 2
            tracker.settings = always_twice if twice else settings
            tracker.state.search_size = size
            times.setdefault(f"{size}{' ×2' if twice else ''}", []).append(timed_step(tracker, path)["step"])
        result["warm" if warm else "cold"] = {
            key: {"first_over_median": values[0] / float(np.median(values)),
                  "p99_over_median": float(np.percentile(values, 99)) / float(np.median(values)),
                  "median": float(np.median(values)), "count": len(values)}
            for key, values in times.items()}
    return result
