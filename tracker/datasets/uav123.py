"""The UAV123 layout: <root>/data_seq/UAV123/<folder>/000001.jpg…, <root>/anno/UAV123/<seq>.txt
(x,y,w,h a line; NaN,NaN,NaN,NaN where the target is out of view), optional
<root>/anno/UAV123/att/<seq>.txt (12 whole-sequence 0/1 attributes). Numbers as in the file.

Sub-sequences `<folder>_<k>` (bird1_2, car6_4, …) are annotated ranges of one long video; their
first frame (UAV123's configSeqs.m) is in UAV123_FIRST_FRAME; every other sequence starts at 1.
pytracking names its raw results `uav_<seq>` (its UAV dataset's sequence names): an alias.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .sequence import Sequence
from .textfiles import image_files, read_boxes

UAV123_FIRST_FRAME = {
    "bird1_2": 775, "bird1_3": 1573, "car1_2": 751, "car1_3": 1627, "car16_2": 415,
    "car6_2": 487, "car6_3": 1807, "car6_4": 2953, "car6_5": 3925, "car8_2": 1357,
    "group1_2": 1333, "group1_3": 2515, "group1_4": 3925, "group2_2": 907, "group2_3": 1771,
    "group3_2": 1567, "group3_3": 2827, "group3_4": 4369, "person12_2": 601, "person14_2": 847,
    "person14_3": 1813, "person17_2": 1501, "person19_2": 1243, "person19_3": 2791,
    "person2_2": 1189, "person4_2": 1501, "person5_2": 877, "person7_2": 1249, "person8_2": 1075,
    "truck4_2": 577, "uav1_2": 1555, "uav1_3": 2473,
}
# The order of the 12 flags in anno/UAV123/att/<seq>.txt.
UAV123_ATTRIBUTES = ("scale_variation", "aspect_ratio_change", "low_resolution", "fast_motion",
                     "full_occlusion", "partial_occlusion", "out_of_view", "background_clutter",
                     "illumination_variation", "viewpoint_change", "camera_motion", "similar_object")


def _image_folder(images_root: Path, name: str) -> Path:
    if (images_root / name).is_dir():
        return images_root / name
    return images_root / re.sub(r"_\d+$", "", name)


def read_uav123(root: str | os.PathLike) -> list[Sequence]:
    root = Path(root)
    annotations, images_root = root / "anno" / "UAV123", root / "data_seq" / "UAV123"
    if not annotations.is_dir() or not images_root.is_dir():
        raise ValueError(f"{root}: not a UAV123 folder (expected anno/UAV123/ and data_seq/UAV123/)")
    sequences = []
    for annotation in sorted(annotations.glob("*.txt")):
        name = annotation.stem
        boxes = read_boxes(annotation)
        images = image_files(_image_folder(images_root, name)) if _image_folder(images_root, name).is_dir() else []
        first = UAV123_FIRST_FRAME.get(name, 1) - 1
        if first + len(boxes) > len(images):
            raise ValueError(f"{annotation}: {len(boxes)} boxes from frame {first + 1} but "
                             f"{_image_folder(images_root, name)} has {len(images)} images")
        flags = annotations / "att" / f"{name}.txt"
        has = ()
        if flags.is_file():
            values = np.array(flags.read_text().replace(",", " ").split(), dtype=float)
            if values.size != len(UAV123_ATTRIBUTES):
                raise ValueError(f"{flags}: {values.size} flags; expected {len(UAV123_ATTRIBUTES)}")
            has = tuple(a for a, v in zip(UAV123_ATTRIBUTES, values) if v)
        sequences.append(Sequence(name, images[first:first + len(boxes)], list(boxes),
                                  sequence_attributes=has, layout="uav123", aliases=(f"uav_{name}",)))
    if not sequences:
        raise ValueError(f"{annotations}: no annotation files")
    return sequences
