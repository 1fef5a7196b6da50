"""The VOT layout: list.txt; per sequence `sequence` (channels.color=color/%08d.jpg),
groundtruth.txt (x,y,w,h or polygon per line, 0-based pixels), per-frame `<attribute>.tag` files."""
from __future__ import annotations

import os
from pathlib import Path

from .sequence import Sequence
import numpy as np

from .textfiles import check_frames, listed_sequences, read_regions

__all__ = ["read_vot", "read_vot_sequence", "read_regions"]


def _properties(path: Path) -> dict[str, str]:
    properties = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                properties[key.strip()] = value.strip()
    return properties


def read_vot_sequence(folder: Path) -> Sequence:
    folder = Path(folder)
    groundtruth = folder / "groundtruth.txt"
    if not groundtruth.is_file():
        raise ValueError(f"{folder}: no groundtruth.txt; not a VOT sequence folder")
    pattern = _properties(folder / "sequence").get("channels.color", "color/%08d.jpg")
    regions = read_regions(groundtruth)
    frames = [str(folder / (pattern % (index + 1))) for index in range(len(regions))]
    check_frames(folder, frames)
    # VOT2019 ships per-frame tags (camera_motion.tag, occlusion.tag, ...): one 0/1 a line, and a
    # file may stop early (missing lines are 0).
    attributes = {}
    for tag in sorted(folder.glob("*.tag")):
        values = [int(float(v)) for v in tag.read_text().split()][:len(regions)]
        attributes[tag.stem] = np.zeros(len(regions), dtype=int)
        attributes[tag.stem][:len(values)] = values
    return Sequence(folder.name, frames, regions, attributes=attributes, layout="vot")


def read_vot(root: str | os.PathLike) -> list[Sequence]:
    """Every sequence listed in `root`/list.txt (or every sub-folder with a groundtruth.txt)."""
    root = Path(root)
    return [read_vot_sequence(root / name) for name in listed_sequences(root, "VOT")]
