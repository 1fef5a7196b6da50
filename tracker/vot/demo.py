"""The demo: the whole VOT chain on generated data, offline, in a workspace of its own.

    python -m tracker.vot.demo [TRACKER_ID] [--workspace W] [--sequences N] [--frames N]

It never touches vot_workspace/ (where a user's own evaluations and `scripts/pack` live): it
works in output/demo_workspace/, built from vot_workspace's stack and the repository's
trackers.ini. Each model the tracker needs uses its real weights where the TraX server would
find them ($SIAMMARGIN_WEIGHTS/<model>/model.pth, else models/<model>/model.pth); only a model
whose real weights are missing gets stand-in weights, with a loud warning.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from . import toolkit
from .trackers_ini import TRACKERS_INI, read_tracker_entry
from ..errors import CheckpointError
from ..zoo.paths import REPOSITORY, WEIGHTS_ENV, require_checkout, weights_of

DEMO_WORKSPACE = REPOSITORY / "output" / "demo_workspace"
STANDIN_CACHE = REPOSITORY / "output" / "standin_weights"


def models_of(tracker_id: str) -> list[str]:
    """The model folders whose weights a trackers.ini entry asks for (`--weights-of MODEL`)."""
    try:
        entry = read_tracker_entry(tracker_id)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    return [entry.weights_of] if entry.weights_of else []


def prepare_workspace(workspace: Path, sequences: int, frames: int) -> None:
    """The demo workspace: vot_workspace's stack, the repository's registry, generated sequences
    (kept between runs; delete W/sequences to regenerate)."""
    from .demo_data import write_dataset

    workspace.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPOSITORY / "vot_workspace" / "vot2019_shortterm.yaml", workspace)
    (workspace / "config.yaml").write_text(
        f"registry:\n- {TRACKERS_INI}\nstack: vot2019_shortterm.yaml\nsequences: sequences\n")
    if not (workspace / "sequences" / "list.txt").is_file():
        write_dataset(workspace / "sequences", sequences, frames)


def prepare_weights(models: list[str], folder: Path, standin_cache: Path,
                    calibration: Path) -> dict[str, Path | None]:
    """folder/<model>/model.pth for each model: a link to its real weights where they exist,
    else to stand-in weights (made once into standin_cache). Returns {model: real file or None}."""
    from ..zoo.standin_weights import WARNING, calibration_images, write_checkpoint

    root = os.environ.get(WEIGHTS_ENV)
    if root and not os.path.isdir(root):
        raise SystemExit(f"{WEIGHTS_ENV}={root} is not a directory; point it at a folder holding "
                         f"<model>/model.pth, or unset it to use models/<model>/model.pth")
    real: dict[str, Path | None] = {}
    for model in models:
        try:
            source = weights_of(model).resolve()
            real[model] = source
        except CheckpointError:
            source = standin_cache / model / "model.pth"
            if not source.is_file():
                write_checkpoint(standin_cache, model, images=calibration_images(calibration))
            real[model] = None
            print(f"!!! WARNING: no real weights for {model}; the demo uses STAND-IN weights for it "
                  f"({source}): {WARNING}. Real weights: scripts/download_weights {model} (README, Weights).",
                  file=sys.stderr)
        target = folder / model / "model.pth"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        target.symlink_to(source.resolve())
    for model, path in real.items():
        if path is not None:
            print(f"demo: {model} uses its real weights {path}", file=sys.stderr)
    return real


def run(tracker_id: str, workspace: Path = DEMO_WORKSPACE, sequences: int = 3, frames: int = 80,
        standin_cache: Path = STANDIN_CACHE) -> dict:
    """Evaluates baseline, realtime and unsupervised, prints the table, writes the report; returns
    the analysis summary."""
    workspace = workspace.resolve()
    prepare_workspace(workspace, sequences, frames)
    weights = workspace / "weights"
    real = prepare_weights(models_of(tracker_id), weights, standin_cache, workspace / "sequences")
    shutil.rmtree(workspace / "results" / tracker_id, ignore_errors=True)  # the demo's own results
    before = os.environ.get(WEIGHTS_ENV)
    os.environ[WEIGHTS_ENV] = str(weights)  # what the tracker processes the toolkit starts read
    try:
        toolkit.evaluate(workspace, [tracker_id], None)
        summary = toolkit.analysis(workspace, [tracker_id])
        toolkit.report(workspace, [tracker_id])
    finally:
        if before is None:
            os.environ.pop(WEIGHTS_ENV)
        else:
            os.environ[WEIGHTS_ENV] = before
    standins = [model for model, path in real.items() if path is None]
    if standins:
        print(f"!!! WARNING: {', '.join(standins)} ran on STAND-IN weights: the numbers above are "
              f"meaningless.", file=sys.stderr)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tracker", nargs="?", default="SiamMargin_tiny",
                        help="tracker id from trackers.ini (default: our own trained model, weights committed)")
    parser.add_argument("--workspace", type=Path, default=DEMO_WORKSPACE)
    parser.add_argument("--sequences", type=int, default=int(os.environ.get("DEMO_SEQUENCES", 3)))
    parser.add_argument("--frames", type=int, default=int(os.environ.get("DEMO_FRAMES", 80)))
    args = parser.parse_args(argv)
    require_checkout("the demo (scripts/demo)")
    run(args.tracker, args.workspace, args.sequences, args.frames)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
