"""Scores raw OPE results of one or many trackers on a dataset: success AUC, precision at 20 px,
normalised precision, overall and per attribute; a table on stdout, JSON, and plots.

    python -m tracker.evaluation.eval_results --dataset data/OTB100 --format otb \\
        --results results --json scores.json --plots plots

RESULTS holds one folder per tracker: ours (run_dataset), pysot's results/<dataset>/<tracker>/,
or pytracking's raw results (<tracker>/<sequence>.txt, tab-separated), GOT-10k's layouts too.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from ..datasets import READERS, Sequence, load_dataset
from .metrics import sequence_curves, summarise
from .results import find_result_file, read_result_boxes


def tracker_folders(results: Path, names: list[str] | None) -> dict[str, Path]:
    if names:
        missing = [n for n in names if not (results / n).is_dir()]
        if missing:
            raise ValueError(f"no results folder {results / missing[0]}")
        return {n: results / n for n in names}
    found = {p.name: p for p in sorted(results.iterdir()) if p.is_dir()} if results.is_dir() else {}
    if not found:
        raise ValueError(f"{results}: no tracker folders")
    return found


def attribute_masks(sequence: Sequence) -> dict[str, np.ndarray | None]:
    """{attribute: per-frame mask, or None for a whole-sequence attribute the sequence has}."""
    masks: dict[str, np.ndarray | None] = {name: None for name in sequence.sequence_attributes}
    for name, flags in sequence.attributes.items():
        if np.any(flags > 0):
            masks[name] = np.asarray(flags) > 0
    return masks


def evaluate(sequences: list[Sequence], folder: Path) -> dict:
    """One tracker: overall and per-attribute summaries."""
    overall, by_attribute = [], {}
    for sequence in sequences:
        path = find_result_file(folder, sequence.name)
        if path is None:
            raise ValueError(f"{folder}: no results for sequence {sequence.name} "
                             f"(expected {folder / (sequence.name + '.txt')})")
        boxes = read_result_boxes(path, len(sequence))
        groundtruth = sequence.boxes()
        overall.append(sequence_curves(boxes, groundtruth))
        for attribute, mask in attribute_masks(sequence).items():
            by_attribute.setdefault(attribute, []).append(sequence_curves(boxes, groundtruth, mask))
    summary = summarise(overall)
    summary["attributes"] = {a: summarise(curves) for a, curves in sorted(by_attribute.items())}
    return summary


def format_table(summaries: dict[str, dict]) -> str:
    def number(v):
        return "–" if v is None or math.isnan(v) else f"{v:.3f}"
    header = f"{'tracker':<28}{'AUC':>8}{'P@20':>8}{'norm P':>8}{'seqs':>6}"
    lines = [header, "-" * len(header)]
    for name, s in sorted(summaries.items(), key=lambda item: -np.nan_to_num(item[1]["success_auc"], nan=-1)):
        lines.append(f"{name:<28}{number(s['success_auc']):>8}{number(s['precision']):>8}"
                     f"{number(s['normalized_precision']):>8}{s['sequences']:>6}")
    attributes = sorted({a for s in summaries.values() for a in s["attributes"]})
    if attributes:
        lines += ["", "success AUC per attribute (sequences):"]
        names = sorted(summaries)
        lines.append(f"{'attribute':<24}" + "".join(f"{n[:14]:>16}" for n in names))
        for a in attributes:
            cells = []
            for n in names:
                s = summaries[n]["attributes"].get(a)
                cells.append(f"{number(s['success_auc'])} ({s['sequences']})" if s else "–")
            lines.append(f"{a:<24}" + "".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eval_results", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", required=True, type=Path)
    parser.add_argument("--format", required=True, choices=sorted(READERS))
    parser.add_argument("--results", required=True, type=Path, help="folder of tracker result folders")
    parser.add_argument("--trackers", nargs="+", help="tracker folders to score (default: all)")
    parser.add_argument("--json", required=True, type=Path, help="write the scores here")
    parser.add_argument("--plots", type=Path, help="write success/precision plots (PNG) here")
    args = parser.parse_args(argv)
    try:
        sequences = load_dataset(args.dataset, args.format)
        if all(np.isnan(np.asarray(s.groundtruth[1:], dtype=float)).all() for s in sequences if len(s) > 1):
            raise ValueError(f"{args.dataset}: no ground truth after the first frame (GOT-10k test?); "
                             "submit got10k_submission/ to the GOT-10k server instead")
        summaries = {name: evaluate(sequences, folder)
                     for name, folder in tracker_folders(args.results, args.trackers).items()}
    except (ValueError, OSError) as error:
        print(f"eval_results: error: {error}", file=sys.stderr)
        return 2
    print(format_table(summaries))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"dataset": str(args.dataset), "format": args.format,
                                     "trackers": summaries}, indent=1))
    if args.plots:
        from .plots import draw
        for path in draw(summaries, args.plots, args.dataset.name):
            print(f"plot: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
