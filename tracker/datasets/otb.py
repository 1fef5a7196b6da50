"""The OTB-2013/2015 layout: <root>/<Name>/img/0001.jpg…, <Name>/groundtruth_rect.txt (x,y,w,h a
line, commas, tabs or spaces; numbers as in the file, see sequence.py).

A few sequences are annotated on a frame range only, or hold two targets:
- the frames of `groundtruth_rect.txt` start at OTB_FIRST_FRAME (1 elsewhere), as in OTB's
  configSeqs.m: David 300–770, BlurCar1 247–988, BlurCar3 3–359, BlurCar4 18–397;
- Tiger1's first 5 frames are left out (OTB's initOmit);
- folders with groundtruth_rect.1.txt and .2.txt (Jogging, Skating2) give two sequences
  `<Name>-1`, `<Name>-2`; a folder with one numbered file (Human4: .2) gives `<Name>`.
Raw results of other toolkits name these differently: pysot `Jogging-1`, `Human4-2`; pytracking
`Jogging_1`, `Human4_2`; both are the sequence's aliases (results.py also matches names case-blind,
for the OTB toolkit's lower-case `jogging_1.txt`).
"""
from __future__ import annotations

import os
from pathlib import Path

from .sequence import Sequence
from .textfiles import image_files, read_boxes

OTB_FIRST_FRAME = {"David": 300, "BlurCar1": 247, "BlurCar3": 3, "BlurCar4": 18}
OTB_OMIT = {"Tiger1": 5}


def _annotation_files(folder: Path) -> list[tuple[str, tuple[str, ...], Path]]:
    """(name, aliases, annotation file) of each target in an OTB folder."""
    plain = folder / "groundtruth_rect.txt"
    if plain.is_file():
        return [(folder.name, (), plain)]
    numbered = sorted(folder.glob("groundtruth_rect.*.txt"))
    targets = [(path.name.split(".")[1], path) for path in numbered]
    if len(targets) == 1:
        number, path = targets[0]
        return [(folder.name, (f"{folder.name}-{number}", f"{folder.name}_{number}"), path)]
    return [(f"{folder.name}-{number}", (f"{folder.name}_{number}",), path) for number, path in targets]


def read_otb_folder(folder: Path) -> list[Sequence]:
    images = image_files(folder / "img") if (folder / "img").is_dir() else []
    sequences = []
    for name, aliases, annotation in _annotation_files(folder):
        boxes = read_boxes(annotation)
        first = OTB_FIRST_FRAME.get(folder.name, 1) - 1
        if first + len(boxes) > len(images):
            raise ValueError(f"{annotation}: {len(boxes)} boxes from frame {first + 1} but "
                             f"{folder / 'img'} has {len(images)} images")
        frames = images[first:first + len(boxes)]
        omit = OTB_OMIT.get(folder.name, 0)
        sequences.append(Sequence(name, frames[omit:], list(boxes[omit:]), layout="otb", aliases=aliases))
    return sequences


def read_otb(root: str | os.PathLike) -> list[Sequence]:
    """Every <root>/<Name>/ with img/ and a groundtruth_rect*.txt, in name order."""
    root = Path(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "img").is_dir()) if root.is_dir() else []
    sequences = [s for folder in folders for s in read_otb_folder(folder)]
    if not sequences:
        raise ValueError(f"{root}: no OTB sequences (expected <Name>/img/ and <Name>/groundtruth_rect.txt)")
    return sequences
