"""The SiamMargin talk's ablation at small scale, through the VOT toolkit: the four rows of
models/siammargin_tiny/ablation (trackers.ini SiamMargin_tiny_row1..4) on the held-out real
sequences of the training config, VOT2019's baseline and real-time experiments.

    python -m tracker.training.ablation --data ../shared/data/sequences \
        --train-config models/siammargin_tiny/train.yaml --out output/ablation

The workspace (OUT/workspace) links the held-out sequences (never copies them) and uses the
VOT2019 stack's baseline and realtime experiments only. Prints A / failures / EAO per row beside
the talk's numbers and writes OUT/ablation.json.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from ..zoo.paths import REPOSITORY, require_checkout
from ..vot.toolkit import analysis, evaluate
from ..vot.trackers_ini import TRACKERS_INI
from .settings import load_training_settings

ROWS = ["SiamMargin_tiny_row1", "SiamMargin_tiny_row2", "SiamMargin_tiny_row3", "SiamMargin_tiny_row4"]
FEATURES = ["–", "search", "margin + search", "margin + search + update"]
# The authors' VOT2019-RT ablation (A, failures, EAO), rows 1–4.
TALK = [(0.585, 91.3, 0.287), (0.587, 87.3, 0.297), (0.595, 69.0, 0.325), (0.578, 65.0, 0.366)]


def make_workspace(folder: Path, sequences: Path, names: list[str]) -> Path:
    """A VOT workspace whose sequences/ links the named sequences of `sequences`."""
    linked = folder / "sequences"
    linked.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = (sequences / name).resolve()
        if not (source / "groundtruth.txt").is_file():
            raise SystemExit(f"{source}: not a VOT sequence")
        if not (linked / name).exists():
            (linked / name).symlink_to(source)
    (linked / "list.txt").write_text("\n".join(names) + "\n")
    stack = yaml.safe_load((REPOSITORY / "vot_workspace" / "vot2019_shortterm.yaml").read_text())
    stack["experiments"] = {k: v for k, v in stack["experiments"].items() if k in ("baseline", "realtime")}
    stack["title"] = "VOT2019 baseline and realtime experiments (ablation)"
    (folder / "stack.yaml").write_text(yaml.safe_dump(stack, sort_keys=False))
    (folder / "config.yaml").write_text(yaml.safe_dump(
        {"registry": [str(TRACKERS_INI)], "stack": "stack.yaml", "sequences": "sequences"}))
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="VOT-layout folder holding the held-out sequences")
    parser.add_argument("--train-config", type=Path, default=REPOSITORY / "models" / "siammargin_tiny" / "train.yaml")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "output" / "ablation")
    args = parser.parse_args(argv)
    require_checkout("the ablation (scripts/ablation)")
    names = list(load_training_settings(args.train_config).data.held_out)
    workspace = make_workspace(args.out.resolve() / "workspace", args.data, names)
    evaluate(workspace, ROWS, "baseline,realtime")
    summary = analysis(workspace, ROWS)
    result = {}
    print(f"{'row':<6}{'features':<28}{'A':>7}{'fail.':>7}{'EAO':>7}   talk (VOT2019-RT): A, failures, EAO")
    for index, (row, features, talk) in enumerate(zip(ROWS, FEATURES, TALK), start=1):
        by_experiment = {r["experiment"]: r for r in summary[row]}
        result[row] = by_experiment
        rt = by_experiment["realtime"]
        print(f"{index:<6}{features:<28}{rt['accuracy']:>7.3f}{rt['failures']:>7.2f}{rt['eao']:>7.3f}   "
              f"{talk[0]:.3f}, {talk[1]:.1f}, {talk[2]:.3f}")
    (args.out / "ablation.json").write_text(json.dumps({"sequences": names, "rows": result}, indent=1))
    print(f"json: {args.out / 'ablation.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
