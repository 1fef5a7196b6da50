"""A VOT workspace as the workflow uses it: where it is by default, checked before the toolkit
runs, and the experiments of its stack (read through the toolkit's own loader)."""
from __future__ import annotations

from pathlib import Path

from ..zoo.paths import REPOSITORY

DEFAULT_WORKSPACE = REPOSITORY / "vot_workspace"


def check_workspace(workspace: Path) -> None:
    if not (workspace / "config.yaml").is_file():
        raise SystemExit(f"{workspace} is not a VOT workspace (no config.yaml)")
    sequences = workspace / "sequences" / "list.txt"
    if not sequences.is_file():
        raise SystemExit(f"no sequences in {workspace / 'sequences'}: generate demo data with "
                         f"`scripts/make_demo_data` or copy VOT2019 there (docs/vot-toolkit.md, VOT2019 data)")


def _load_workspace(workspace: Path):
    from vot.workspace import Workspace
    return Workspace.load(str(workspace))


def stack_experiments(workspace: Path) -> list[str]:
    return list(_load_workspace(workspace).stack.experiments)


def realtime_experiments(workspace: Path) -> list[str]:
    """The stack's experiments with a real-time modifier (`realtime:`)."""
    return [name for name, e in _load_workspace(workspace).stack.experiments.items()
            if getattr(e, "realtime", None) is not None]
