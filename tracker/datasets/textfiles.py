"""Reading the plain-text annotation files of tracking datasets."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def read_regions(path: Path) -> list[np.ndarray]:
    """One region a line, numbers separated by commas, tabs or spaces; 'nan' (any case) where
    the target is absent. Blank lines are skipped."""
    regions = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            regions.append(np.array([float(v) for v in line.replace(",", " ").split()], dtype=np.float64))
        except ValueError:
            raise ValueError(f"{path}:{number}: not a list of numbers: {line!r}") from None
    return regions


def read_boxes(path: Path) -> np.ndarray:
    """(frames, 4) boxes from a file of x,y,w,h lines; a clear error for any other shape."""
    regions = read_regions(path)
    for number, region in enumerate(regions, start=1):
        if region.size != 4:
            raise ValueError(f"{path}: region {number} has {region.size} numbers; expected x,y,w,h")
    if not regions:
        raise ValueError(f"{path}: no boxes")
    return np.stack(regions)


def read_flags(path: Path, frames: int) -> np.ndarray:
    """Per-frame 0/1 (or small integer) labels, one a line or all on one comma-separated line."""
    values = [int(float(v)) for v in Path(path).read_text().replace(",", " ").split()]
    if len(values) != frames:
        raise ValueError(f"{path}: {len(values)} labels for {frames} frames")
    return np.array(values)


def check_frames(folder: Path, frames: list[str]) -> None:
    missing = [f for f in frames if not Path(f).is_file()]
    if missing:
        raise ValueError(f"{folder}: {len(missing)} frame(s) named by the annotation are missing, "
                         f"first {missing[0]}")


def image_files(folder: Path) -> list[str]:
    """The JPEG/PNG frames of a folder, in name order (names are zero-padded frame numbers)."""
    return sorted(str(p) for p in Path(folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def listed_sequences(root: Path, dataset: str) -> list[str]:
    """Sequence folder names of `root`: list.txt's lines, else every sub-folder with a
    groundtruth.txt (the VOT and GOT-10k layouts); ValueError naming `dataset` if none."""
    listing = root / "list.txt"
    if listing.is_file():
        names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    else:
        names = sorted(p.parent.name for p in root.glob("*/groundtruth.txt"))
    if not names:
        raise ValueError(f"{root}: no {dataset} sequences (no list.txt and no */groundtruth.txt)")
    return names
