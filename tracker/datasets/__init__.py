"""Dataset readers: one small reader per folder layout, each giving `Sequence` objects.

    from tracker.datasets import load_dataset
    for sequence in load_dataset("path/to/vot2019", "vot"):
        sequence.frames[0], sequence.groundtruth[0]
"""
from __future__ import annotations

import os
from pathlib import Path

from .got10k import read_got10k
from .lasot import read_lasot
from .otb import read_otb
from .sequence import Sequence
from .uav123 import read_uav123
from .vot import read_vot

READERS = {"vot": read_vot, "otb": read_otb, "uav123": read_uav123, "lasot": read_lasot,
           "got10k": read_got10k}


def load_dataset(root: str | os.PathLike, layout: str) -> list[Sequence]:
    """Every sequence of the dataset at `root` in `layout` (one of READERS)."""
    try:
        reader = READERS[layout]
    except KeyError:
        raise ValueError(f"unknown dataset format {layout!r}; known: {', '.join(sorted(READERS))}") from None
    if not Path(root).is_dir():
        raise ValueError(f"dataset folder not found: {root}")
    return reader(root)


__all__ = ["Sequence", "load_dataset", "READERS"]
