"""The LaSOT layout: <root>/<class>/<class>-<k>/img/00000001.jpg…, groundtruth.txt (x,y,w,h a
line, numbers as in the file), full_occlusion.txt and out_of_view.txt (one comma-separated line of
per-frame 0/1). The flattened layout <root>/<class>-<k>/… (the test-set download) works too.
"""
from __future__ import annotations

import os
from pathlib import Path

from .sequence import Sequence
from .textfiles import check_frames, read_boxes, read_flags

LASOT_FLAGS = ("full_occlusion", "out_of_view")


def read_lasot_sequence(folder: Path) -> Sequence:
    boxes = read_boxes(folder / "groundtruth.txt")
    frames = [str(folder / "img" / f"{index + 1:08d}.jpg") for index in range(len(boxes))]
    check_frames(folder, frames)
    attributes = {flag: read_flags(folder / f"{flag}.txt", len(boxes))
                  for flag in LASOT_FLAGS if (folder / f"{flag}.txt").is_file()}
    return Sequence(folder.name, frames, list(boxes), attributes=attributes, layout="lasot")


def read_lasot(root: str | os.PathLike) -> list[Sequence]:
    root = Path(root)
    annotations = sorted(root.glob("*/*/groundtruth.txt")) + sorted(root.glob("*/groundtruth.txt"))
    folders = sorted({a.parent for a in annotations if (a.parent / "img").is_dir()}, key=lambda p: p.name)
    if not folders:
        raise ValueError(f"{root}: no LaSOT sequences (expected <class>/<class>-<k>/img/ and groundtruth.txt)")
    return [read_lasot_sequence(folder) for folder in folders]
