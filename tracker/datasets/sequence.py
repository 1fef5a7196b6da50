"""One type for a sequence of every dataset: frame paths, ground-truth regions, attributes.

Coordinates are always the numbers of the dataset's own annotation files, unchanged: VOT's are
0-based pixels; OTB, UAV123, LaSOT and GOT-10k files come from MATLAB-era toolkits (1-based), but
their reference toolkits and the raw results people publish (pysot, pytracking, got10k-toolkit)
feed those numbers to the tracker as they are and score results against them as they are. So
the readers do the same, and results are written back in the same frame: comparable with
published raw results, and with the official evaluation scripts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Sequence:
    """A tracking sequence.

    frames: image paths, one per frame. groundtruth: one region per frame as a float64 array:
    4 numbers (x, y, w, h) or a polygon (2k numbers); NaN where the target is absent or not
    annotated (GOT-10k test gives only the first frame). attributes: per-frame flags (one int
    array per name, as long as the sequence), e.g. LaSOT's full_occlusion. sequence_attributes:
    names of the whole-sequence attributes it has (UAV123's att files). layout: the dataset format
    it was read from (results are written in that format's conventions). aliases: the names other
    toolkits give this sequence's results files (pysot's `Human4-2`, pytracking's `Jogging_1`,
    `uav_bike1`), so that their published raw results are found.
    """
    name: str
    frames: list[str]
    groundtruth: list[np.ndarray]
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    sequence_attributes: tuple[str, ...] = ()
    layout: str = "vot"
    aliases: tuple[str, ...] = ()

    def __post_init__(self):
        if len(self.frames) != len(self.groundtruth):
            raise ValueError(f"sequence {self.name}: {len(self.frames)} frames but "
                             f"{len(self.groundtruth)} ground-truth regions")
        if not self.frames:
            raise ValueError(f"sequence {self.name}: no frames")
        if not np.all(np.isfinite(self.groundtruth[0])):
            raise ValueError(f"sequence {self.name}: the first frame has no ground truth to start from")

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
    if region.size < 6 or region.size % 2:
        return np.full(4, np.nan)
    xs, ys = region[0::2], region[1::2]
    return np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])
