"""Results files: writing ours, reading ours and other toolkits' raw results.

OPE (pysot / pytracking raw-results style): NAME/<sequence>.txt, one "x,y,w,h" a frame in the
dataset's own coordinates (the numbers of its ground-truth files, see tracker/datasets/sequence.py),
frame 0 the initial box; NAME/<sequence>_time.txt, seconds per frame. For GOT-10k also its
submission layout NAME/got10k_submission/<sequence>/<sequence>_001.txt and <sequence>_time.txt.
Supervised (the VOT toolkit's layout, scored by `vot analysis`):
NAME/<experiment>/<sequence>/<sequence>_<run:03d>.txt with 1 (initialised), 2 (failure), 0
(skipped) or x,y,w,h lines, and <sequence>_<run:03d>_time.value.
The main file of a sequence is returned last, so that a writer that writes in order leaves it
only when everything else is there (finished sequences are recognised by it).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..datasets.textfiles import read_regions


def _box_line(box) -> str:
    return ",".join(f"{v:.4f}" for v in box) + "\n"


def _time_lines(times) -> str:
    """Seconds per frame; an empty line for a frame not run (as the toolkit writes it)."""
    return "".join(f"{t:.6f}\n" if np.isfinite(t) else "\n" for t in times)


def ope_files(name: str, layout: str, boxes: np.ndarray, times: np.ndarray) -> dict[str, str]:
    """{relative path: text} of one sequence's OPE results; the main file last."""
    boxes_text = "".join(_box_line(box) for box in boxes)
    files = {f"{name}_time.txt": _time_lines(times)}
    if layout == "got10k":
        files[f"got10k_submission/{name}/{name}_time.txt"] = _time_lines(times)
        files[f"got10k_submission/{name}/{name}_001.txt"] = boxes_text
    files[f"{name}.txt"] = boxes_text
    return files


def ope_done(folder: Path, name: str) -> bool:
    return (folder / f"{name}.txt").is_file()


def _trajectory_line(entry) -> str:
    if isinstance(entry, int):
        return f"{entry}\n"
    # repr of the float32 value: read back as a double it is exactly what the toolkit stores.
    return ",".join(repr(float(np.float32(v))) for v in entry) + "\n"


def supervised_files(name: str, runs: list, experiment: str = "baseline") -> dict[str, str]:
    files = {}
    for number, (trajectory, times) in reversed(list(enumerate(runs, start=1))):
        stem = f"{experiment}/{name}/{name}_{number:03d}"
        files[f"{stem}_time.value"] = _time_lines(times)
        files[f"{stem}.txt"] = "".join(_trajectory_line(entry) for entry in trajectory)
    return files


def supervised_done(folder: Path, name: str, experiment: str = "baseline") -> bool:
    return (folder / experiment / name / f"{name}_001.txt").is_file()


def write_text_atomically(target: Path, text: str) -> None:
    """Writes `text` to `target` whole or not at all: a temporary file of this process (several
    processes may write the same file: tuners sharing a study) renamed over the target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.part")
    temporary.write_text(text)
    os.replace(temporary, target)


def write_files(folder: Path, files: dict[str, str]) -> None:
    """Writes each file atomically, in the given order."""
    for relative, text in files.items():
        write_text_atomically(folder / relative, text)


def find_result_file(folder: Path, sequence) -> Path | None:
    """A sequence's OPE boxes in a tracker's raw-results folder, under its name or an alias
    (Sequence.aliases: pysot's and pytracking's names), matched exactly or else case-blind (the OTB
    toolkit's `jogging_1.txt`): ours and pysot's <name>.txt (OTB, UAV123, LaSOT), pytracking's
    (tab-separated), or the GOT-10k layouts <name>/<name>_001.txt and
    got10k_submission/<name>/<name>_001.txt."""
    names = (sequence.name, *sequence.aliases)
    for name in names:
        for candidate in (folder / f"{name}.txt", folder / name / f"{name}_001.txt",
                          folder / "got10k_submission" / name / f"{name}_001.txt"):
            if candidate.is_file():
                return candidate
    by_lower_name = {p.stem.lower(): p for p in folder.glob("*.txt")}
    for name in names:
        if name.lower() in by_lower_name:
            return by_lower_name[name.lower()]
    return None


def read_result_boxes(path: Path, frames: int) -> np.ndarray:
    """(frames, 4) x,y,w,h from a raw-results file; a clear error when the length differs."""
    regions = read_regions(path)
    if len(regions) != frames:
        raise ValueError(f"{path}: {len(regions)} boxes for a {frames}-frame sequence")
    for number, region in enumerate(regions, start=1):
        if region.size != 4:
            raise ValueError(f"{path}:{number}: expected x,y,w,h, got {region.size} numbers")
    return np.stack(regions)
