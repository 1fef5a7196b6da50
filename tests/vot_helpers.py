"""Helpers for tests that drive the tracker through the real VOT toolkit."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO


def weights_dir(tmp_path: Path, checkpoint_of, models: list[str]) -> Path:
    """A $SIAMMARGIN_WEIGHTS folder with <model>/model.pth for each model (copied from checkpoint_of(model))."""
    root = tmp_path / "weights"
    for model in models:
        (root / model).mkdir(parents=True, exist_ok=True)
        shutil.copy(checkpoint_of(model), root / model / "model.pth")
    return root


def workspace(tmp_path: Path, sequences: int, frames: int) -> Path:
    """A workspace like vot_workspace/ (same stack) with generated sequences."""
    from tracker.vot.demo_data import write_dataset

    root = tmp_path / "workspace"
    root.mkdir()
    shutil.copy(REPO / "vot_workspace" / "vot2019_shortterm.yaml", root)
    (root / "config.yaml").write_text(
        f"registry:\n- {REPO / 'trackers.ini'}\nstack: vot2019_shortterm.yaml\nsequences: sequences\n")
    write_dataset(root / "sequences", sequences, frames)
    return root
