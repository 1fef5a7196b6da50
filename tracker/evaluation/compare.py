"""Ours against OpenCV's trackers, side by side, one-pass evaluation (initialised on frame 1, never
re-initialised) on the same real sequences: success AUC (OTB's 21 thresholds; frame 1, the given
box, scored as the OTB toolkit scores it: metrics.py, RULES) per sequence and overall (the mean
over sequences, as the OTB toolkit and pysot average), and time per frame.

    scripts/compare_opencv --dataset ../shared/data/sequences \
        --held-out-of models/siammargin_tiny/train.yaml --opencv CSRT,KCF,MIL --out output/compare

`--opencv Nano --nano-onnx FOLDER` adds OpenCV's TrackerNano (NanoTrack v2 through OpenCV's DNN
module; FOLDER holds its ONNX pair, e.g. ../shared/weights/nanotrack).

OpenCV's trackers (CSRT, KCF, ...) come with opencv-contrib-python, whose cv2 would replace
opencv-python's; they run in a separate environment (scripts/compare_opencv creates
.venv-opencv) through opencv_worker.py. Writes a table (stdout), compare.json and success.png.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from ..bench.opencv_nano import ONNX_FILES
from ..datasets import load_dataset
from ..errors import TrackerError
from ..zoo.paths import REPOSITORY, require_checkout
from .metrics import SUCCESS_THRESHOLDS, score_sequence, summarise, rules_for
from .ope import run_ope

DEFAULT_OURS = ["SiamMargin_tiny=models/siammargin_tiny/config.yaml:models/siammargin_tiny/model.pth"]
WORKER = Path(__file__).with_name("opencv_worker.py")


def run_ours(spec: str, sequences) -> tuple[str, dict]:
    """NAME=CONFIG:WEIGHTS → (NAME, track_sequences' results)."""
    from .. import load_tracker

    name, _, paths = spec.partition("=")
    config, _, weights = paths.partition(":")
    if not (name and config and weights):
        raise ValueError(f"--ours {spec!r}: expected NAME=CONFIG:WEIGHTS, e.g. {DEFAULT_OURS[0]}")
    return name, track_sequences(load_tracker(_resolve(config), weights=_resolve(weights)), sequences)


def track_sequences(tracker, sequences) -> dict:
    """One-pass runs → {sequence: {"boxes", "seconds"}} (seconds: the init or track call)."""
    tracker.warm_up()
    results = {}
    for sequence in sequences:
        boxes, seconds = run_ope(tracker, sequence)
        results[sequence.name] = {"boxes": boxes.tolist(), "seconds": seconds.tolist()}
    return results


def run_opencv(kind: str, sequences, python: Path, nano_onnx: Path | None = None) -> dict:
    jobs = [{"name": s.name, "frames": s.frames, "init": s.boxes()[0].tolist()} for s in sequences]
    extra = []
    if kind == "Nano":
        extra = [str(nano_onnx / ONNX_FILES["backbone"]), str(nano_onnx / ONNX_FILES["neckhead"])]
    result = subprocess.run([str(python), str(WORKER), kind, *extra], input=json.dumps(jobs), capture_output=True,
                            text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise ValueError(f"OpenCV {kind} failed ({python}): {last}")
    return json.loads(result.stdout)


def _resolve(path: str) -> Path:
    given = Path(path)
    return given if given.is_absolute() or given.exists() else REPOSITORY / given


def score(results: dict, sequences) -> dict:
    """Success AUC per sequence and overall (metrics.summarise, the dataset's rules); the time of
    the track calls (frame 1's is init's)."""
    rules = rules_for(sequences[0])
    if rules.pooled:
        raise ValueError(f"compare reports success AUC; {rules.benchmark} is scored by AO: use eval_results")
    summary = summarise({s.name: score_sequence(s, np.asarray(results[s.name]["boxes"]), rules)
                         for s in sequences}, rules)
    times = [t for s in sequences for t in results[s.name]["seconds"][1:]]
    return {"auc": summary["success_auc"],
            "per_sequence": {name: n["success_auc"] for name, n in summary["per_sequence"].items()},
            "success_curve": summary["curves"]["success"],
            "median_ms": 1000 * float(np.median(times)), "fps": 1 / float(np.mean(times))}


def plot(scores: dict, png: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4.5))
    for name, s in sorted(scores.items(), key=lambda item: -item[1]["auc"]):
        axis.plot(SUCCESS_THRESHOLDS, s["success_curve"], label=f"{name} [{s['auc']:.3f}]")
    axis.set(xlabel="overlap threshold", ylabel="success rate", xlim=(0, 1), ylim=(0, 1),
             title="Success plots of OPE (held-out sequences)")
    axis.grid(alpha=0.3)
    axis.legend(loc="lower left")
    figure.tight_layout()
    figure.savefig(png, dpi=120)
    plt.close(figure)


def table(scores: dict, sequences) -> str:
    names = sorted(scores, key=lambda n: -scores[n]["auc"])
    widths = [max(8, len(n)) + 2 for n in names]
    rows = [("sequence", names, "")]
    rows += [(s.name, [scores[n]["per_sequence"][s.name] for n in names], ".3f") for s in sequences]
    rows += [("AUC (mean)", [scores[n]["auc"] for n in names], ".3f"),
             ("median ms", [scores[n]["median_ms"] for n in names], ".1f")]
    return "\n".join(f"{label:<12}" + "".join(f"{v:>{w}{fmt}}" for v, w in zip(values, widths))
                     for label, values, fmt in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--format", default="vot")
    selection = parser.add_mutually_exclusive_group()
    selection.add_argument("--sequences", help="comma-separated names (default: all)")
    selection.add_argument("--held-out-of", type=Path, metavar="TRAIN_YAML",
                           help="the held-out sequences of a training config (data.held_out)")
    parser.add_argument("--ours", action="append", help="NAME=CONFIG:WEIGHTS (repeatable); default: "
                                                        + DEFAULT_OURS[0])
    parser.add_argument("--opencv", default="CSRT,KCF,MIL",
                        help="comma-separated OpenCV trackers: CSRT, KCF, MIL, MOSSE, MedianFlow, Nano ('' for none)")
    parser.add_argument("--nano-onnx", type=Path, metavar="FOLDER",
                        help="folder of NanoTrack v2's ONNX pair, for --opencv Nano (TrackerNano)")
    parser.add_argument("--opencv-python", type=Path, default=REPOSITORY / ".venv-opencv" / "bin" / "python",
                        help="interpreter with opencv-contrib-python (scripts/compare_opencv makes it)")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "output" / "compare")
    args = parser.parse_args(argv)
    require_checkout("compare_opencv")
    try:
        return compare(args)
    except (ValueError, TrackerError, OSError) as error:
        print(f"compare_opencv: error: {error}", file=sys.stderr)
        return 2


def compare(args: argparse.Namespace) -> int:
    sequences = load_dataset(args.dataset, args.format)
    wanted = None
    if args.sequences:
        wanted = args.sequences.split(",")
    elif args.held_out_of:
        from ..training.settings import load_training_settings
        wanted = list(load_training_settings(args.held_out_of).data.held_out)
    if wanted:
        missing = sorted(set(wanted) - {s.name for s in sequences})
        if missing:
            raise ValueError(f"sequences not in {args.dataset}: {', '.join(missing)}")
        sequences = [s for s in sequences if s.name in wanted]
    kinds = list(filter(None, args.opencv.split(",")))
    if kinds and not args.opencv_python.is_file():
        raise ValueError(f"{args.opencv_python} not found: run scripts/compare_opencv (it creates it) "
                         "or pass --opencv-python")
    if "Nano" in kinds:
        missing = [n for n in ONNX_FILES.values() if not (args.nano_onnx and (args.nano_onnx / n).is_file())]
        if missing:
            raise ValueError(f"--opencv Nano needs --nano-onnx FOLDER holding {' and '.join(missing)} "
                             f"(NanoTrack v2's ONNX pair, e.g. ../shared/weights/nanotrack)")

    raw = {}
    for spec in args.ours or DEFAULT_OURS:
        name, results = run_ours(spec, sequences)
        raw[name] = results
        print(f"[compare] {name} done", file=sys.stderr)
    for kind in kinds:
        raw[f"OpenCV {kind}"] = run_opencv(kind, sequences, args.opencv_python, args.nano_onnx)
        print(f"[compare] OpenCV {kind} done", file=sys.stderr)

    scores = {name: score(results, sequences) for name, results in raw.items()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "compare.json").write_text(json.dumps(
        {"sequences": [s.name for s in sequences], "scores": scores}, indent=1))
    plot(scores, args.out / "success.png")
    print(table(scores, sequences))
    print(f"json: {args.out / 'compare.json'}\nplot: {args.out / 'success.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
