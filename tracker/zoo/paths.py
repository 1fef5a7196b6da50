"""Where things are: the repository root and the weights of each model.

The toolkit starts trackers in a temporary directory, so repository files are found from this
file's location, never from the working directory.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import CheckpointError

REPOSITORY = Path(__file__).resolve().parents[2]
MODELS_FOLDER = REPOSITORY / "models"
WEIGHTS_ENV = "SIAMMARGIN_WEIGHTS"


def repository_path(path: str | os.PathLike) -> Path:
    """A path as given when it exists (or is absolute), else relative to the repository root:
    trackers.ini and scripts name repository files (configs, committed weights) relative to it."""
    given = Path(path)
    if given.is_absolute() or given.exists():
        return given
    return REPOSITORY / given


def weights_path(model: str) -> Path:
    """Where a model's checkpoint belongs: $SIAMMARGIN_WEIGHTS/<model>/model.pth when that
    variable is set, else models/<model>/model.pth. Never one as a fallback for the other."""
    root = os.environ.get(WEIGHTS_ENV)
    return (Path(root) if root else MODELS_FOLDER) / model / "model.pth"


def weights_of(model: str) -> Path:
    """`weights_path(model)`, checked to exist; CheckpointError says what to do if not."""
    root = os.environ.get(WEIGHTS_ENV)
    if root and not os.path.isdir(root):
        raise CheckpointError(f"{WEIGHTS_ENV}={root} is not a directory; point it at a folder "
                              f"holding <model>/model.pth, or unset it to use models/<model>/model.pth")
    path = weights_path(model)
    if not path.is_file():
        source = f"${WEIGHTS_ENV}" if root else "models/"
        raise CheckpointError(f"weights not found: {path} (looked in {source}); download them with "
                              f"`scripts/download_weights {model}` or see README, Weights")
    return path
