"""The SiamMargin talk's ablation on one of our models, with seeds: every row of an ablation spec
(a YAML file: models/siammargin_nano/ablation.yaml, models/siammargin_tiny/ablation/ablation.yaml)
through the VOT toolkit (VOT2019's baseline and real-time experiments: A, failures, EAO) and a
one-pass run (success AUC) on the held-out sequences of a training config. A row trained with
several seeds is reported as mean ± sample standard deviation over its seeds, with min and max.

    scripts/ablation models/siammargin_nano/ablation.yaml --data ../shared/data/sequences \
        --runs output/runs --out output/ablation

A row's weights are one file (`weights: FILE`, relative to the repository root, or `weights:
model:NAME`, a registered model's checkpoint), or a training of the spec (`trained: NAME`):
RUNS/NAME_seed<S>/model.pth for every seed of the spec (what `scripts/train CONFIG --seed S
--out RUNS/NAME_seed<S>` writes; MODEL.md gives the commands). The workspace (OUT/workspace)
links the held-out sequences (never copies them) and has its own trackers.ini, one entry per row
and seed. Prints the table, writes OUT/ablation.json and OUT/ablation.png.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from ..config.validation import check_keys, fail, number, read_yaml
from ..errors import ConfigError, TrackerError
from ..zoo.paths import REPOSITORY, require_checkout
from ..vot.toolkit import analysis, evaluate
from .settings import load_training_settings

EXPERIMENTS = ("baseline", "realtime")
VOT_METRICS = ("accuracy", "failures", "eao")


@dataclass(frozen=True)
class Row:
    name: str
    features: str                # what the row adds, as the talk's table says it
    config: Path                 # tracker config
    weights: str | None          # one file, or model:NAME ...
    trained: str | None          # ... or a training of the spec, one model per seed
    talk: tuple[float, float, float] | None  # the authors' VOT2019-RT (A, failures, EAO)


@dataclass(frozen=True)
class AblationSpec:
    source: Path
    held_out_of: Path            # a training config whose data.held_out are the sequences
    seeds: tuple[int, ...]
    rows: tuple[Row, ...]


def load_spec(path: Path) -> AblationSpec:
    """The spec at `path`, validated; ConfigError naming the key otherwise."""
    data = read_yaml(path)
    source, folder = str(path), path.resolve().parent
    if not isinstance(data, dict):
        raise ConfigError(f"config {source}: expected a mapping of held_out_of, seeds, rows")
    check_keys(data, {"held_out_of", "seeds", "rows"}, {"held_out_of", "seeds", "rows"}, source, "")
    seeds = data["seeds"]
    if not isinstance(seeds, list) or not seeds:
        raise fail(source, "seeds", f"expected a non-empty list of integers, got {seeds!r}")
    seeds = tuple(int(number(s, source, f"seeds[{i}]", lo=0, integer=True)) for i, s in enumerate(seeds))
    if len(set(seeds)) != len(seeds):
        raise fail(source, "seeds", f"repeated seed in {list(seeds)}")
    held_out_of = folder / str(data["held_out_of"])
    if not held_out_of.is_file():
        raise fail(source, "held_out_of", f"{held_out_of} not found")
    if not isinstance(data["rows"], list) or not data["rows"]:
        raise fail(source, "rows", "expected a non-empty list of rows")
    rows, names = [], set()
    for index, entry in enumerate(data["rows"]):
        key = f"rows[{index}]"
        if not isinstance(entry, dict):
            raise fail(source, key, f"expected a mapping, got {entry!r}")
        check_keys(entry, {"name", "features", "config", "weights", "trained", "talk"},
                   {"name", "features", "config"}, source, key)
        name = str(entry["name"])
        if name in names:
            raise fail(source, f"{key}.name", f"{name!r} is used by another row")
        names.add(name)
        if ("weights" in entry) == ("trained" in entry):
            raise fail(source, key, "give exactly one of weights (a file or model:NAME) and trained (a training's name)")
        config = folder / str(entry["config"])
        if not config.is_file():
            raise fail(source, f"{key}.config", f"{config} not found")
        talk = entry.get("talk")
        if talk is not None:
            if not isinstance(talk, list) or len(talk) != 3:
                raise fail(source, f"{key}.talk", f"expected [A, failures, EAO], got {talk!r}")
            talk = tuple(number(v, source, f"{key}.talk[{i}]", lo=0) for i, v in enumerate(talk))
        rows.append(Row(name, str(entry["features"]), config, entry.get("weights"), entry.get("trained"), talk))
    return AblationSpec(path, held_out_of, seeds, tuple(rows))


def row_runs(spec: AblationSpec, row: Row, runs: Path) -> list[tuple[str, Path]]:
    """(tracker id, checkpoint) of each of the row's runs: one per seed for a trained row."""
    from ..zoo.paths import weights_of

    if row.trained is not None:
        return [(f"{row.name}_seed{seed}", runs / f"{row.trained}_seed{seed}" / "model.pth") for seed in spec.seeds]
    weights = weights_of(row.weights[len("model:"):]) if row.weights.startswith("model:") else REPOSITORY / row.weights
    return [(row.name, weights)]


def check_weights(runs: list[tuple[str, Path]]) -> None:
    missing = [str(path) for _, path in runs if not path.is_file()]
    if missing:
        raise TrackerError(f"{len(missing)} checkpoint(s) not found, first {missing[0]}: train them first "
                           f"(the spec's MODEL.md gives the commands) or pass --runs")


def make_workspace(folder: Path, sequences: Path, names: list[str], entries: dict[str, tuple[Path, Path]]) -> Path:
    """A VOT workspace: sequences/ links the named sequences of `sequences`; its trackers.ini has
    one entry per tracker id, its TraX server told the config and the checkpoint."""
    linked = folder / "sequences"
    linked.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = (sequences / name).resolve()
        if not (source / "groundtruth.txt").is_file():
            raise TrackerError(f"{source}: not a VOT sequence (no groundtruth.txt)")
        if not (linked / name).exists():
            (linked / name).symlink_to(source)
    (linked / "list.txt").write_text("\n".join(names) + "\n")
    stack = yaml.safe_load((REPOSITORY / "vot_workspace" / "vot2019_shortterm.yaml").read_text())
    stack["experiments"] = {k: v for k, v in stack["experiments"].items() if k in EXPERIMENTS}
    stack["title"] = "VOT2019 baseline and realtime experiments (ablation)"
    (folder / "stack.yaml").write_text(yaml.safe_dump(stack, sort_keys=False))
    ini = ["# written by tracker.training.ablation: one entry per ablation row and seed"]
    for identifier, (config, weights) in entries.items():
        arguments = ["--config", str(config.resolve()), "--weights", str(weights.resolve())]
        ini += [f"\n[{identifier}]", f"label = {identifier}", "protocol = traxpython",
                "command = import sys; from tracker.vot.trax_server import main; "
                f"sys.exit(main({arguments!r}))",
                f"paths = {REPOSITORY}", "socket = true", "timeout = 120",
                "env_LD_LIBRARY_PATH = $LD_LIBRARY_PATH"]
    (folder / "trackers.ini").write_text("\n".join(ini) + "\n")
    (folder / "config.yaml").write_text(yaml.safe_dump(
        {"registry": [str(folder.resolve() / "trackers.ini")], "stack": "stack.yaml", "sequences": "sequences"}))
    return folder


def one_pass_auc(config: Path, weights: Path, sequences) -> dict:
    """Success AUC of a one-pass run (the metrics of compare_opencv), overall and per sequence."""
    from .. import load_tracker
    from ..evaluation.compare import score, track_sequences

    tracker = load_tracker(config, weights=weights)
    scores = score(track_sequences(tracker, sequences), sequences)
    return {"auc": scores["auc"], "per_sequence": scores["per_sequence"], "median_ms": scores["median_ms"]}


def spread(values: list[float]) -> dict:
    """mean, sample standard deviation (0 for one value), min, max, n."""
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return {"mean": math.nan, "sd": math.nan, "min": math.nan, "max": math.nan, "n": 0}
    return {"mean": float(np.mean(values)), "sd": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
            "min": float(min(values)), "max": float(max(values)), "n": len(values)}


def summarise_rows(spec: AblationSpec, ids: dict[str, list[str]], vot: dict, ope: dict) -> dict:
    """Per row: each metric's spread over the row's runs (ids), and the runs' own values."""
    result = {}
    for row in spec.rows:
        runs = ids[row.name]
        metrics = {f"{experiment}_{metric}": spread([vot[i][experiment][metric] for i in runs])
                   for experiment in EXPERIMENTS for metric in VOT_METRICS}
        metrics["ope_auc"] = spread([ope[i]["auc"] for i in runs])
        result[row.name] = {"features": row.features, "talk": row.talk, "metrics": metrics,
                            "runs": {i: {"vot": vot[i], "ope": ope[i]} for i in runs}}
    return result


def _cell(s: dict, digits: int) -> str:
    return f"{s['mean']:.{digits}f}" + (f"±{s['sd']:.{digits}f}" if s["n"] > 1 else "")


def format_table(rows: dict) -> str:
    header = (f"{'row':<14}{'features':<30}{'n':>2}  {'realtime A':>12}{'fail.':>12}{'EAO':>12}"
              f"  {'baseline EAO':>13}{'OPE AUC':>13}   talk (VOT2019-RT): A, failures, EAO")
    lines = [header]
    for name, row in rows.items():
        m = row["metrics"]
        talk = ", ".join(f"{v:g}" for v in row["talk"]) if row["talk"] else "–"
        lines.append(f"{name:<14}{row['features'][:29]:<30}{m['ope_auc']['n']:>2}  "
                     f"{_cell(m['realtime_accuracy'], 3):>12}{_cell(m['realtime_failures'], 2):>12}"
                     f"{_cell(m['realtime_eao'], 3):>12}  {_cell(m['baseline_eao'], 3):>13}"
                     f"{_cell(m['ope_auc'], 3):>13}   {talk}")
    return "\n".join(lines) + "\n(mean±sd over seeds; failures per sequence)"


def plot(rows: dict, png: Path) -> None:
    """Baseline and realtime EAO and OPE AUC per row: each seed a dot, the mean ± sd a bar (the
    axis spans the data: rows differ by hundredths)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (("baseline_eao", "EAO (VOT2019 baseline)", lambda r: r["vot"]["baseline"]["eao"]),
              ("realtime_eao", "EAO (VOT2019 realtime)", lambda r: r["vot"]["realtime"]["eao"]),
              ("ope_auc", "success AUC (one-pass)", lambda r: r["ope"]["auc"]))
    figure, axes = plt.subplots(1, len(panels), figsize=(13, 4))
    names = list(rows)
    for axis, (metric, title, value) in zip(axes, panels):
        for x, name in enumerate(names):
            summary = rows[name]["metrics"][metric]
            axis.errorbar([x], [summary["mean"]], yerr=[summary["sd"]], fmt="_", markersize=18,
                          color="#1f3b57", capsize=4)
            seeds = [value(r) for r in rows[name]["runs"].values()]
            axis.plot([x + 0.12] * len(seeds), seeds, "o", color="#d1495b", markersize=4, alpha=0.8)
        axis.set_xticks(range(len(names)), names, rotation=30, ha="right")
        axis.set(title=title, xlim=(-0.5, len(names) - 0.5))
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle("Ablation on the held-out sequences (line and bar: mean ± sd over seeds; dots: seeds)")
    figure.tight_layout()
    figure.savefig(png, dpi=120)
    plt.close(figure)


def run(spec: AblationSpec, data: Path, runs: Path, out: Path) -> dict:
    names = list(load_training_settings(spec.held_out_of).data.held_out)
    entries, ids = {}, {}
    for row in spec.rows:
        row_entries = row_runs(spec, row, runs)
        check_weights(row_entries)
        ids[row.name] = [identifier for identifier, _ in row_entries]
        entries.update({identifier: (row.config, weights) for identifier, weights in row_entries})
    workspace = make_workspace(out.resolve() / "workspace", data, names, entries)
    trackers = list(entries)
    evaluate(workspace, trackers, ",".join(EXPERIMENTS))
    summary = analysis(workspace, trackers)
    vot = {t: {r["experiment"]: {m: r[m] for m in VOT_METRICS} for r in summary[t]} for t in trackers}

    from ..datasets import load_dataset
    sequences = [s for s in load_dataset(data, "vot") if s.name in names]
    ope = {}
    for identifier, (config, weights) in entries.items():
        ope[identifier] = one_pass_auc(config, weights, sequences)
        print(f"[ablation] one-pass {identifier}: AUC {ope[identifier]['auc']:.3f}", file=sys.stderr)
    rows = summarise_rows(spec, ids, vot, ope)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ablation.json").write_text(json.dumps(
        {"spec": str(spec.source), "sequences": names, "seeds": list(spec.seeds), "rows": rows}, indent=1))
    plot(rows, out / "ablation.png")
    print(format_table(rows))
    print(f"json: {out / 'ablation.json'}\nplot: {out / 'ablation.png'}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", type=Path, nargs="?",
                        default=REPOSITORY / "models" / "siammargin_tiny" / "ablation" / "ablation.yaml",
                        help="ablation spec (default: SiamMargin-tiny's)")
    parser.add_argument("--data", type=Path, required=True, help="VOT-layout folder holding the held-out sequences")
    parser.add_argument("--runs", type=Path, default=REPOSITORY / "output" / "runs",
                        help="folder of the trainings (NAME_seed<S>/model.pth) of trained rows")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "output" / "ablation")
    args = parser.parse_args(argv)
    require_checkout("the ablation (scripts/ablation)")
    try:
        run(load_spec(args.spec), args.data, args.runs, args.out)
    except (ConfigError, TrackerError, ValueError) as error:
        print(f"ablation: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
