"""Scores raw OPE results of one or many trackers on a dataset, as the benchmark's own toolkit
scores them (metrics.py: RULES): success AUC, precision at 20 px and normalised precision at 0.20
(OTB, UAV123, LaSOT, VOT's layout), or AO, SR0.5 and SR0.75 (GOT-10k); overall, per attribute and
per sequence; a table on stdout, JSON, and plots.

    python -m tracker.evaluation.eval_results --dataset data/OTB100 --format otb \\
        --results results --json scores.json --plots plots

RESULTS holds one folder per tracker: ours (run_dataset), pysot's results/<dataset>/<tracker>/,
or pytracking's raw results (<tracker>/<sequence>.txt, tab-separated), GOT-10k's layouts too;
sequences are found under each toolkit's own names (Sequence.aliases). Where a tracker lacks some
sequences, all trackers are scored on the sequences every one of them has, and the output says so.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from ..datasets import READERS, Sequence, load_dataset
from .metrics import RULES, FrameErrors, Rules, score_sequence, summarise
from .results import find_result_file, read_result_boxes

HEADINGS = {"success_auc": "AUC", "precision": "P@20", "normalized_precision": "NP@0.2",
            "ao": "AO", "sr50": "SR0.5", "sr75": "SR0.75"}


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


def result_files(sequences: list[Sequence], folders: dict[str, Path]) -> tuple[dict, dict[str, list[str]]]:
    """({tracker: {sequence: results file}}, {tracker: names of the sequences it has no file for})."""
    files, missing = {}, {}
    for tracker, folder in folders.items():
        found = {s.name: find_result_file(folder, s) for s in sequences}
        files[tracker] = {name: path for name, path in found.items() if path is not None}
        absent = [name for name, path in found.items() if path is None]
        if absent:
            missing[tracker] = absent
    return files, missing


def attribute_masks(sequence: Sequence) -> dict[str, np.ndarray | None]:
    """{attribute: per-frame mask, or None for a whole-sequence attribute the sequence has}."""
    masks: dict[str, np.ndarray | None] = {name: None for name in sequence.sequence_attributes}
    for name, flags in sequence.attributes.items():
        if name != "cover" and np.any(flags > 0):
            masks[name] = np.asarray(flags) > 0
    return masks


def evaluate(sequences: list[Sequence], files: dict[str, Path], rules: Rules) -> dict:
    """One tracker on `sequences`: overall (with per-sequence numbers) and per attribute."""
    overall: dict[str, FrameErrors] = {}
    by_attribute: dict[str, dict[str, FrameErrors]] = {}
    for sequence in sequences:
        errors = score_sequence(sequence, read_result_boxes(files[sequence.name], len(sequence)), rules)
        overall[sequence.name] = errors
        for attribute, mask in attribute_masks(sequence).items():
            by_attribute.setdefault(attribute, {})[sequence.name] = errors if mask is None else errors.subset(mask)
    summary = summarise(overall, rules)
    summary["attributes"] = {a: {k: v for k, v in summarise(errors, rules).items() if k != "per_sequence"}
                             for a, errors in sorted(by_attribute.items())}
    return summary


def _number(value) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.3f}"


def format_table(summaries: dict[str, dict], rules: Rules, per_sequence: bool = False) -> str:
    keys = rules.numbers
    header = f"{'tracker':<28}" + "".join(f"{HEADINGS[k]:>8}" for k in keys) + f"{'seqs':>6}"
    lines = [header, "-" * len(header)]
    ranked = sorted(summaries, key=lambda n: -np.nan_to_num(summaries[n][keys[0]], nan=-1))
    for name in ranked:
        s = summaries[name]
        lines.append(f"{name:<28}" + "".join(f"{_number(s[k]):>8}" for k in keys) + f"{s['sequences']:>6}")
    names = sorted(summaries)
    if per_sequence:
        lines += ["", f"{HEADINGS[keys[0]]} per sequence:", f"{'sequence':<24}" + "".join(f"{n[:14]:>16}" for n in names)]
        for sequence in sorted({q for s in summaries.values() for q in s["per_sequence"]}):
            cells = [_number(summaries[n]["per_sequence"].get(sequence, {}).get(keys[0], float("nan"))) for n in names]
            lines.append(f"{sequence:<24}" + "".join(f"{c:>16}" for c in cells))
    attributes = sorted({a for s in summaries.values() for a in s["attributes"]})
    if attributes:
        lines += ["", f"{HEADINGS[keys[0]]} per attribute (sequences):",
                  f"{'attribute':<24}" + "".join(f"{n[:14]:>16}" for n in names)]
        for a in attributes:
            cells = []
            for n in names:
                s = summaries[n]["attributes"].get(a)
                cells.append(f"{_number(s[keys[0]])} ({s['sequences']})" if s else "–")
            lines.append(f"{a:<24}" + "".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve() == folder.resolve() or folder.resolve() in path.resolve().parents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eval_results", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", required=True, type=Path)
    parser.add_argument("--format", required=True, choices=sorted(READERS))
    parser.add_argument("--results", required=True, type=Path, help="folder of tracker result folders")
    parser.add_argument("--trackers", nargs="+", help="tracker folders to score (default: all)")
    parser.add_argument("--json", required=True, type=Path, help="write the scores here")
    parser.add_argument("--plots", type=Path, help="write success/precision plots (PNG) here")
    parser.add_argument("--per-sequence", action="store_true", help="also print each sequence's score")
    args = parser.parse_args(argv)
    rules = RULES[args.format]
    try:
        if args.plots and _inside(args.plots, args.results):
            raise ValueError(f"--plots {args.plots} lies under --results {args.results}, where every folder "
                             "is read as a tracker's results; write the plots elsewhere")
        sequences = load_dataset(args.dataset, args.format)
        if all(np.isnan(np.asarray(s.groundtruth[1:], dtype=float)).all() for s in sequences if len(s) > 1):
            raise ValueError(f"{args.dataset}: no ground truth after the first frame (GOT-10k test?); "
                             "submit got10k_submission/ to the GOT-10k server instead")
        files, missing = result_files(sequences, tracker_folders(args.results, args.trackers))
        scored = [s for s in sequences if all(s.name in found for found in files.values())]
        for tracker, names in missing.items():
            print(f"eval_results: {tracker}: no results for {len(names)} of {len(sequences)} sequence(s): "
                  f"{', '.join(names)} (looked for <name>.txt and the names pysot and pytracking use)",
                  file=sys.stderr)
        if not scored:
            raise ValueError("no sequence has results from every tracker; nothing to compare")
        if missing:
            print(f"eval_results: every tracker is scored on the {len(scored)} sequence(s) all of them have",
                  file=sys.stderr)
        summaries = {name: evaluate(scored, found, rules) for name, found in files.items()}
    except (ValueError, OSError) as error:
        print(f"eval_results: error: {error}", file=sys.stderr)
        return 2
    print(format_table(summaries, rules, args.per_sequence))
    print(f"{len(scored)} of {len(sequences)} sequence(s) scored; {rules.benchmark} rules: {rules.toolkit}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"dataset": str(args.dataset), "format": args.format, "rules": rules.toolkit,
                                     "sequences_scored": [s.name for s in scored], "missing": missing,
                                     "trackers": summaries}, indent=1))
    if args.plots:
        from .plots import draw
        for path in draw(summaries, args.plots, args.dataset.name, rules):
            print(f"plot: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
