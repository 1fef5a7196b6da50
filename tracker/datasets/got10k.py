"""The GOT-10k layout (val or test split folder): list.txt, per sequence <seq>/00000001.jpg…,
groundtruth.txt (x,y,w,h, numbers as in the file; every frame in val, the first frame only in
test), and in val the per-frame labels absence.label, cover.label (0–8), cut_by_image.label.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .sequence import Sequence
from .textfiles import image_files, listed_sequences, read_boxes, read_flags

GOT10K_LABELS = ("absence", "cover", "cut_by_image")


def read_got10k_sequence(folder: Path) -> Sequence:
    boxes = read_boxes(folder / "groundtruth.txt")
    frames = image_files(folder)
    if len(boxes) == 1:   # the test split: only the first box is public
        boxes = np.vstack([boxes, np.full((len(frames) - 1, 4), np.nan)])
    elif len(boxes) != len(frames):
        raise ValueError(f"{folder}: {len(boxes)} boxes for {len(frames)} images")
    attributes = {label: read_flags(folder / f"{label}.label", len(frames))
                  for label in GOT10K_LABELS if (folder / f"{label}.label").is_file()}
    return Sequence(folder.name, frames, list(boxes), attributes=attributes, layout="got10k")


def read_got10k(root: str | os.PathLike) -> list[Sequence]:
    root = Path(root)
    return [read_got10k_sequence(root / name) for name in listed_sequences(root, "GOT-10k")]
