"""The VOT layout: list.txt; per sequence `sequence` (channels.color=color/%08d.jpg),
groundtruth.txt (x,y,w,h or polygon per line), the frames."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .sequence import Sequence


def _properties(path: Path) -> dict[str, str]:
    properties = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                properties[key.strip()] = value.strip()
    return properties


def read_regions(path: Path) -> list[np.ndarray]:
    """One region a line, numbers separated by commas (or whitespace); 'nan' where absent."""
    regions = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            regions.append(np.array([float(v) for v in line.replace(",", " ").split()], dtype=np.float64))
        except ValueError:
            raise ValueError(f"{path}:{number}: not a list of numbers: {line!r}") from None
    return regions


def read_vot_sequence(folder: Path) -> Sequence:
    folder = Path(folder)
    groundtruth = folder / "groundtruth.txt"
    if not groundtruth.is_file():
        raise ValueError(f"{folder}: no groundtruth.txt; not a VOT sequence folder")
    pattern = _properties(folder / "sequence").get("channels.color", "color/%08d.jpg")
    regions = read_regions(groundtruth)
    frames = [str(folder / (pattern % (index + 1))) for index in range(len(regions))]
    missing = [f for f in frames if not os.path.isfile(f)]
    if missing:
        raise ValueError(f"{folder}: {len(missing)} frame(s) named by groundtruth.txt are missing, "
                         f"first {missing[0]}")
    return Sequence(folder.name, frames, regions)


def read_vot(root: str | os.PathLike) -> list[Sequence]:
    """Every sequence listed in `root`/list.txt (or every sub-folder with a groundtruth.txt)."""
    root = Path(root)
    listing = root / "list.txt"
    if listing.is_file():
        names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    else:
        names = sorted(p.parent.name for p in root.glob("*/groundtruth.txt"))
    if not names:
        raise ValueError(f"{root}: no VOT sequences (no list.txt and no */groundtruth.txt)")
    return [read_vot_sequence(root / name) for name in names]
