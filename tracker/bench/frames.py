"""The benchmark's frames: a demo sequence (tracker/vot/demo_data.py) at the size under test."""
from __future__ import annotations

from pathlib import Path

from ..vot.demo_data import write_sequence


def write_frames(folder: Path, width: int, height: int, count: int) -> tuple[list[Path], tuple]:
    """A VOT-format sequence of `count` real JPEG frames with a rectangle-annotated target;
    returns the frame paths and the first frame's (x, y, w, h)."""
    paths = write_sequence(folder, seed=0, frames=count, polygon=False, fps=30, width=width, height=height)
    first_line = (folder / "groundtruth.txt").read_text().splitlines()[0]
    return paths, tuple(float(v) for v in first_line.split(","))
