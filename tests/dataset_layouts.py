"""Small fixtures of each dataset layout, built in a temporary folder from the real sequences in
../shared/data/sequences (JPEGs linked, never copied into the repository)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO

SEQUENCES = REPO.parent / "shared" / "data" / "sequences"


def source(name: str, frames: int) -> tuple[list[Path], np.ndarray]:
    """The first `frames` JPEGs and x,y,w,h boxes of a shared VOT-format sequence."""
    folder = SEQUENCES / name
    if not folder.is_dir():
        pytest.skip(f"real sequences not found at {SEQUENCES}")
    boxes = np.loadtxt(folder / "groundtruth.txt", delimiter=",")[:frames]
    images = [folder / "color" / f"{i + 1:08d}.jpg" for i in range(frames)]
    return images, boxes


def link(images: list[Path], folder: Path, pattern: str, count: int | None = None, start: int = 1) -> None:
    """Links `count` images (cycling through `images`) as folder/pattern % (start + i)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count if count is not None else len(images)):
        os.symlink(images[i % len(images)], folder / (pattern % (start + i)))


def write_boxes(path: Path, boxes: np.ndarray, separator: str = ",") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(separator.join(f"{v:g}" for v in box) + "\n" for box in boxes))


def vot_layout(root: Path, names=("bike1", "crossing"), frames: int | dict = 12) -> Path:
    """`frames`: one length for all, or {name: length}."""
    for name in names:
        images, boxes = source(name, frames[name] if isinstance(frames, dict) else frames)
        link(images, root / name / "color", "%08d.jpg")
        write_boxes(root / name / "groundtruth.txt", boxes)
        (root / name / "sequence").write_text(f"channels.color=color/%08d.jpg\nfps=30\nname={name}\n")
    (root / "list.txt").write_text("".join(n + "\n" for n in names))
    return root


def otb_layout(root: Path, frames: int = 10) -> Path:
    """Crossing (plain), BlurCar3 (annotated from image 3), Tiger1 (first 5 frames omitted),
    Jogging (two targets), Human4 (one target, numbered 2: groundtruth_rect.2.txt)."""
    images, boxes = source("crossing", frames + 5)
    link(images[:frames], root / "Crossing" / "img", "%04d.jpg")
    write_boxes(root / "Crossing" / "groundtruth_rect.txt", boxes[:frames], "\t")
    link(images, root / "BlurCar3" / "img", "%04d.jpg", count=frames + 2)
    write_boxes(root / "BlurCar3" / "groundtruth_rect.txt", boxes[2:frames + 2])
    link(images, root / "Tiger1" / "img", "%04d.jpg", count=frames + 5)
    write_boxes(root / "Tiger1" / "groundtruth_rect.txt", boxes[:frames + 5])
    link(images[:frames], root / "Jogging" / "img", "%04d.jpg")
    write_boxes(root / "Jogging" / "groundtruth_rect.1.txt", boxes[:frames])
    write_boxes(root / "Jogging" / "groundtruth_rect.2.txt", boxes[:frames] + 1)
    link(images[:frames], root / "Human4" / "img", "%04d.jpg")
    write_boxes(root / "Human4" / "groundtruth_rect.2.txt", boxes[:frames] + 2)
    return root


def uav123_layout(root: Path, frames: int = 10) -> Path:
    """truck4_1 and truck4_2 (one video, the second from frame 577), bike1 with NaN frames and
    attributes."""
    images, boxes = source("truck4", frames)
    link(images, root / "data_seq" / "UAV123" / "truck4", "%06d.jpg", count=576 + frames)
    write_boxes(root / "anno" / "UAV123" / "truck4_1.txt", boxes)
    write_boxes(root / "anno" / "UAV123" / "truck4_2.txt", boxes[::-1])
    bike, bike_boxes = source("bike1", frames)
    bike_boxes = bike_boxes.copy()
    bike_boxes[3] = np.nan
    link(bike, root / "data_seq" / "UAV123" / "bike1", "%06d.jpg")
    write_boxes(root / "anno" / "UAV123" / "bike1.txt", bike_boxes)
    (root / "anno" / "UAV123" / "att").mkdir()
    (root / "anno" / "UAV123" / "att" / "bike1.txt").write_text("1,0,0,1,0,0,0,0,0,0,1,0\n")
    return root


def lasot_layout(root: Path, frames: int = 10) -> Path:
    for name, source_name in (("car-1", "car10"), ("person-3", "person12")):
        images, boxes = source(source_name, frames)
        folder = root / name.split("-")[0] / name
        link(images, folder / "img", "%08d.jpg")
        write_boxes(folder / "groundtruth.txt", boxes)
        occlusion = np.zeros(frames, dtype=int)
        occlusion[2:4] = 1
        (folder / "full_occlusion.txt").write_text(",".join(map(str, occlusion)) + "\n")
        (folder / "out_of_view.txt").write_text(",".join(["0"] * frames) + "\n")
    return root


def got10k_layout(root: Path, split: str, frames: int = 10) -> Path:
    names = [f"GOT-10k_{split.title()}_{i:06d}" for i in (1, 2)]
    for name, source_name in zip(names, ("boat1", "group1")):
        images, boxes = source(source_name, frames)
        link(images, root / name, "%08d.jpg")
        write_boxes(root / name / "groundtruth.txt", boxes if split == "val" else boxes[:1])
        if split == "val":
            absence = np.zeros(frames, dtype=int)
            absence[5] = 1
            (root / name / "absence.label").write_text("".join(f"{v}\n" for v in absence))
            (root / name / "cover.label").write_text("".join("8\n" for _ in range(frames)))
    (root / "list.txt").write_text("".join(n + "\n" for n in names))
    return root


def steady_weights(standin: Path, out: Path) -> Path:
    """The alex stand-in checkpoint with its box regression zeroed. Random weights regress boxes
    far off the target (every frame fails at once); with zero offsets the box stays an anchor near
    its last place, overlaps a moving target for a few frames, then drifts off: outputs that
    differ frame to frame and sequence to sequence, which equality tests need."""
    import torch
    checkpoint = torch.load(standin, weights_only=True)
    for key, tensor in checkpoint["state_dict"].items():
        if key.startswith("rpn_head.loc.head.3."):
            tensor.zero_()
    torch.save(checkpoint, out)
    return out
