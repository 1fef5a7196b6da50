"""Where things are: each model's config, each model's weights, and the repository root.

The package runs from a source checkout or installed from a wheel. Each model's config and our
committed weights are in the models folder: the checkout's models/, or, installed, the copy the
wheel ships inside the package as tracker/_models (setup.py). Only an installed wheel has that
folder, so its presence tells the two apart. The repository root serves only repository-only
things (trackers.ini, vot_workspace/, output/); their commands call `require_checkout` first.

The toolkit starts trackers in a temporary directory, so files are found from this file's
location, never from the working directory.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import CheckpointError, ConfigError
from .registry import MODELS, model_names

PACKAGE = Path(__file__).resolve().parents[1]  # the `tracker` package's folder
SHIPPED_MODELS = PACKAGE / "_models"
INSTALLED = SHIPPED_MODELS.is_dir()
REPOSITORY = PACKAGE.parent  # the checkout's root; installed, meaningless (see require_checkout)
MODELS_FOLDER = SHIPPED_MODELS if INSTALLED else REPOSITORY / "models"
WEIGHTS_ENV = "SIAMMARGIN_WEIGHTS"


def require_checkout(command: str) -> None:
    """Exits with a one-line message when the package runs installed, without a checkout: for the
    commands that read or write repository-only things (`command` names the one asking)."""
    if INSTALLED:
        raise SystemExit(f"{command} needs a source checkout of the project (trackers.ini, "
                         f"vot_workspace/, output/), but runs from the installed package at {PACKAGE}; "
                         f"clone the repository and run it there")


def repository_path(path: str | os.PathLike) -> Path:
    """A path as given when it exists (or is absolute), else relative to the repository root:
    trackers.ini and scripts name repository files (configs, committed weights) relative to it.
    Installed, there is no repository: the path as given."""
    given = Path(path)
    if given.is_absolute() or given.exists() or INSTALLED:
        return given
    return REPOSITORY / given


def model_config(model: str) -> Path:
    """The config a registered model ships with: models/<model>/config.yaml."""
    if model not in MODELS:
        raise ConfigError(f"unknown model {model!r}; registered models: {', '.join(model_names())} "
                          "(or give the path of a config file)")
    return MODELS_FOLDER / model / "config.yaml"


def ships_weights(model: str) -> bool:
    """Whether the project ships a model's weights (committed in models/<model>/, and in the
    wheel): a registered model with no download URL, i.e. our own trained one."""
    return model in MODELS and MODELS[model].download is None


def weights_folder() -> Path:
    """Where downloaded checkpoints are kept, as <model>/model.pth: $SIAMMARGIN_WEIGHTS when set,
    else `default_weights_folder()`."""
    root = os.environ.get(WEIGHTS_ENV)
    return Path(root) if root else default_weights_folder()


def default_weights_folder() -> Path:
    """models/ in a checkout; installed, the user's folder ~/.cache/siammargin/weights
    ($XDG_CACHE_HOME/siammargin/weights when that is set)."""
    if INSTALLED:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "siammargin" / "weights"
    return MODELS_FOLDER


def weights_path(model: str) -> Path:
    """Where a model's checkpoint belongs: the models folder for weights the project ships
    (`ships_weights`: $SIAMMARGIN_WEIGHTS does not apply to them), else weights_folder()/<model>/
    model.pth. Never one as a fallback for the other."""
    folder = MODELS_FOLDER if ships_weights(model) else weights_folder()
    return folder / model / "model.pth"


def weights_of(model: str) -> Path:
    """`weights_path(model)`, checked to exist; CheckpointError says what to do if not."""
    root = os.environ.get(WEIGHTS_ENV)
    if root and not ships_weights(model) and not os.path.isdir(root):
        raise CheckpointError(f"{WEIGHTS_ENV}={root} is not a directory; point it at a folder "
                              f"holding <model>/model.pth, or unset it to use {default_weights_folder()}")
    path = weights_path(model)
    if path.is_file():
        return path
    if ships_weights(model):
        raise CheckpointError(f"weights not found: {path} ({model}'s weights ship with the project); "
                              "restore them from git, or reinstall the package")
    source = f"${WEIGHTS_ENV}" if root else "models/" if not INSTALLED else "the user's weights folder"
    command = "python -m tracker.zoo.download" if INSTALLED else "scripts/download_weights"
    raise CheckpointError(f"weights not found: {path} (looked in {source}); download them with "
                          f"`{command} {model}` or see README, Weights")


def model_files(model_or_config: str | os.PathLike, weights: str | os.PathLike | None) -> tuple[Path, Path]:
    """(config file, weights file) from load_tracker's arguments: a registered model's name means
    its shipped config and, unless `weights` are given, its own weights (`weights_of`); the path
    of a config file needs `weights`."""
    if isinstance(model_or_config, str) and model_or_config in MODELS:
        own = weights_of(model_or_config) if weights is None else Path(weights)
        return model_config(model_or_config), own
    if weights is None:
        raise CheckpointError(f"no weights given for the config {model_or_config}: pass weights=<checkpoint "
                              f"file>, or a registered model's name ({', '.join(model_names())}) to "
                              "use its own weights")
    return Path(model_or_config), Path(weights)
