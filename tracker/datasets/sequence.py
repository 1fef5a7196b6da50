"""One type for a sequence of every dataset: frame paths and ground-truth regions."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Sequence:
    """A tracking sequence.

    frames: image paths, one per frame. groundtruth: one region per frame as a float64 array:
    4 numbers (x, y, w, h, 0-based pixels) or a polygon (2k numbers); NaN where the target is
    absent or unannotated (e.g. GOT-10k test gives only the first frame).
    """
    name: str
    frames: list[str]
    groundtruth: list[np.ndarray]
    attributes: dict[str, np.ndarray] = field(default_factory=dict)  # per-frame flags, if shipped

    def __len__(self) -> int:
        return len(self.frames)

    def boxes(self) -> np.ndarray:
        """(frames, 4) axis-aligned (x, y, w, h): rectangles as given, polygons by their bounds."""
        return np.stack([region_bounds(region) for region in self.groundtruth])


def region_bounds(region: np.ndarray) -> np.ndarray:
    """(x, y, w, h) of a rectangle (as given) or of a polygon's bounding box (max − min)."""
    region = np.asarray(region, dtype=np.float64)
    if region.size == 4:
        return region
    xs, ys = region[0::2], region[1::2]
    return np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])
