"""Dataset readers: one small reader per folder layout, each giving `Sequence` objects.

    from tracker.datasets import load_dataset
    for sequence in load_dataset("path/to/vot2019", "vot"):
        sequence.frames[0], sequence.groundtruth[0]
"""
from .sequence import Sequence
from .vot import read_vot

READERS = {"vot": read_vot}


def load_dataset(root, layout: str) -> list[Sequence]:
    """Every sequence of the dataset at `root` in `layout` (one of READERS)."""
    try:
        reader = READERS[layout]
    except KeyError:
        raise ValueError(f"unknown dataset format {layout!r}; known: {', '.join(sorted(READERS))}") from None
    return reader(root)


__all__ = ["Sequence", "load_dataset", "READERS"]
