"""The tracker step measured: exact against fast path, and the work outside the network."""
from __future__ import annotations

import time
from pathlib import Path

from ..core.images import read_image
from .frames import write_frames
from .phases import make_tracker, phase_medians, statistics, timed_step

OUTSIDE_NETWORK = ("decode", "crop", "post")


def compare_paths(config: Path, weights: Path, device: str, paths: list[Path], region: tuple,
                  search_size: int, backend: str = "torch") -> dict:
    """Exact and fast path (its searches on `backend`) on the same frames, interleaved, at one
    search size."""
    trackers = {"exact": make_tracker(config, weights, device, True),
                "fast": make_tracker(config, weights, device, False, backend=backend)}
    rows: dict[str, list[dict]] = {"exact": [], "fast": []}
    init_ms: dict[str, float] = {}
    first = read_image(str(paths[0]))
    for name, tracker in trackers.items():
        start = time.perf_counter()
        tracker.init(first, region)
        init_ms[name] = 1000 * (time.perf_counter() - start)
    for path in paths[1:]:
        for name, tracker in trackers.items():
            tracker.state.search_size = search_size  # hold the size under test
            rows[name].append(timed_step(tracker, path))
    result = {name: {"step": statistics([r["step"] for r in rows[name]]),
                     "phases": phase_medians(rows[name]), "init_ms": init_ms[name],
                     "steps_ms": [r["step"] for r in rows[name]]}
              for name in trackers}
    result["ratio"] = result["fast"]["step"]["median"] / result["exact"]["step"]["median"]
    return result


def outside_network(config: Path, weights: Path, device: str, folder: Path, frames: int) -> dict:
    """Decode + crop + post-processing per frame on the fast path, at 640×480 and 1920×1080."""
    out = {}
    for width, height in ((640, 480), (1920, 1080)):
        paths, region = write_frames(folder / f"{width}x{height}" / "seq", width, height, frames)
        tracker = make_tracker(config, weights, device, False)
        tracker.init(read_image(str(paths[0])), region)
        rows = [timed_step(tracker, path) for path in paths[1:]]
        per_frame = [sum(r.get(p, 0.0) for p in OUTSIDE_NETWORK) for r in rows]
        out[f"{width}x{height}"] = {"phases": phase_medians(rows), "outside_network": statistics(per_frame)}
    return out
