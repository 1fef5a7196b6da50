"""The VOT workflow in one command each: evaluate, analysis (a table), report, pack.

    python -m tracker.vot.workflow evaluate  [--workspace W] [--experiments baseline,realtime] TRACKER...
    python -m tracker.vot.workflow analysis  [--workspace W] TRACKER...
    python -m tracker.vot.workflow report    [--workspace W] TRACKER...
    python -m tracker.vot.workflow pack      [--workspace W] TRACKER

Each runs the pinned toolkit (`vot` beside this interpreter) on the workspace. The toolkit's
analysis cache ignores result contents (a re-run under the same tracker id would show the old
numbers), so analysis and report always delete the workspace's cache and run with
VOT_PERSISTENT_CACHE=0. Per-frame times and the frames the real-time rule skipped are read from
the result files themselves.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..zoo.paths import REPOSITORY

DEFAULT_WORKSPACE = REPOSITORY / "vot_workspace"


def vot_command() -> list[str]:
    return [sys.executable, "-m", "vot"]


def run_vot(args: list[str], workspace: Path) -> None:
    environment = dict(os.environ, VOT_PERSISTENT_CACHE="0")
    result = subprocess.run(vot_command() + args + ["--workspace", str(workspace)], env=environment)
    if result.returncode != 0:
        raise SystemExit(f"vot {args[0]} failed (exit {result.returncode}); see the messages above "
                         f"and {workspace / 'logs'}")


def clear_cache(workspace: Path) -> None:
    shutil.rmtree(workspace / "cache", ignore_errors=True)


def check_workspace(workspace: Path) -> None:
    if not (workspace / "config.yaml").is_file():
        raise SystemExit(f"{workspace} is not a VOT workspace (no config.yaml)")
    sequences = workspace / "sequences" / "list.txt"
    if not sequences.is_file():
        raise SystemExit(f"no sequences in {workspace / 'sequences'}: generate demo data with "
                         f"`scripts/make_demo_data` or copy VOT2019 there (README, VOT2019 data)")


def evaluate(workspace: Path, trackers: list[str], experiments: str | None,
             realtime_fps: float | None = None) -> None:
    """`vot evaluate --persist`. realtime_fps: run the real-time experiments at this frame rate
    for every sequence (VOT2019's challenge ran them at 20 fps) instead of each sequence's own
    `fps` (what toolkit 0.7.4 does: interval = 1 / the sequence's fps, 30 where its `sequence`
    file has none; the stack's `realtime.fps` is only a fallback the default loader never
    reaches). The toolkit has no switch for it, so those experiments run on a view of the
    sequences whose `sequence` files say fps=N (see realtime_view), writing into the same
    results folder."""
    check_workspace(workspace)
    evaluated = [workspace]
    realtime = realtime_experiments(workspace)
    chosen = experiments.split(",") if experiments else stack_experiments(workspace)
    if realtime_fps is not None:
        if realtime_fps <= 0:
            raise SystemExit(f"--realtime-fps must be positive, got {realtime_fps:g}")
        others = [e for e in chosen if e not in realtime]
        fast = [e for e in chosen if e in realtime]
        if others:
            _evaluate(workspace, trackers, others)
        if fast:
            for tracker in trackers:
                _claim_realtime_fps(workspace, tracker, fast, realtime_fps)
            evaluated.append(realtime_view(workspace, realtime_fps))
            _evaluate(evaluated[-1], trackers, fast)
    else:
        for tracker in trackers:
            _claim_realtime_fps(workspace, tracker, [e for e in chosen if e in realtime], None)
        _evaluate(workspace, trackers, chosen if experiments else None)
    for folder in evaluated:
        failed = sorted((folder / "logs").glob("*.log")) if (folder / "logs").is_dir() else []
        if failed:
            print(f"note: the toolkit logged tracker errors in {folder / 'logs'} ({len(failed)} "
                  f"file(s)); sequences without results are missing from the analysis", file=sys.stderr)


def _evaluate(workspace: Path, trackers: list[str], experiments: list[str] | None) -> None:
    # --persist: a tracker crash on one sequence is logged and the rest still run (without it the
    # toolkit stops the whole evaluation, every later sequence, experiment and tracker, at once).
    args = ["evaluate", "--persist"] + (["--experiments", ",".join(experiments)] if experiments else [])
    run_vot(args + trackers, workspace)


# -- the real-time experiments' frame rate ---------------------------------------------------------

FPS_RECORD = "realtime_fps.txt"  # in results/<tracker>/<experiment>/: the rate it ran at


def _load_workspace(workspace: Path):
    from vot.workspace import Workspace
    return Workspace.load(str(workspace))


def stack_experiments(workspace: Path) -> list[str]:
    return list(_load_workspace(workspace).stack.experiments)


def realtime_experiments(workspace: Path) -> list[str]:
    """The stack's experiments with a real-time modifier (`realtime:`)."""
    return [name for name, e in _load_workspace(workspace).stack.experiments.items()
            if getattr(e, "realtime", None) is not None]


def _claim_realtime_fps(workspace: Path, tracker: str, experiments: list[str], fps: float | None) -> None:
    """Records the rate the real-time experiments run at (None: each sequence's own). Existing
    results at another rate would be kept by the toolkit, mixing two rates: refused."""
    for experiment in experiments:
        folder = workspace / "results" / tracker / experiment
        recorded = realtime_fps_of(workspace, tracker, experiment)
        if folder.is_dir() and any(folder.iterdir()) and recorded != fps:
            raise SystemExit(f"{folder} holds results at {describe_fps(recorded)}, not "
                             f"{describe_fps(fps)}; delete that folder to re-run it")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / FPS_RECORD).write_text("sequence\n" if fps is None else f"{fps:g}\n")


def realtime_fps_of(workspace: Path, tracker: str, experiment: str) -> float | None:
    """The rate recorded by `evaluate` (None: each sequence's own fps, also for results made
    without this record, e.g. by `vot evaluate` directly)."""
    record = workspace / "results" / tracker / experiment / FPS_RECORD
    text = record.read_text().strip() if record.is_file() else "sequence"
    return None if text == "sequence" else float(text)


def describe_fps(fps: float | None) -> str:
    return "each sequence's fps (30 where missing)" if fps is None else f"{fps:g} fps for every sequence"


def realtime_view(workspace: Path, fps: float) -> Path:
    """A workspace beside the toolkit's own (W/realtime_fps<N>/) on the same registry, stack and
    results folder, whose sequences are links to W's except for their `sequence` files, which say
    fps=N. Rebuilt on each call, so it follows W's sequences."""
    import yaml

    view = workspace / f"realtime_fps{fps:g}"
    shutil.rmtree(view, ignore_errors=True)
    view.mkdir()
    config = yaml.safe_load((workspace / "config.yaml").read_text())
    stack = config["stack"]
    if (workspace / stack).is_file():
        stack = str((workspace / stack).resolve())
    sources = workspace / config.get("sequences", "sequences")
    (view / "config.yaml").write_text(yaml.safe_dump({
        "registry": [str((workspace / entry).resolve()) for entry in config.get("registry", [])],
        "stack": stack, "sequences": "sequences"}))
    (view / "results").symlink_to(workspace / "results", target_is_directory=True)
    (workspace / "results").mkdir(exist_ok=True)
    sequences = view / "sequences"
    sequences.mkdir()
    (sequences / "list.txt").symlink_to((sources / "list.txt").resolve())
    for name in (sources / "list.txt").read_text().split():
        source = sources / name
        (sequences / name).mkdir()
        for entry in source.iterdir():
            if entry.name != "sequence":
                (sequences / name / entry.name).symlink_to(entry.resolve())
        metadata = [line for line in (source / "sequence").read_text().splitlines()
                    if not line.startswith("fps=")] if (source / "sequence").is_file() else []
        (sequences / name / "sequence").write_text("\n".join(metadata + [f"fps={fps:g}"]) + "\n")
    return view


# -- per-frame times and the real-time rule -----------------------------------------------------

def reply_times(workspace: Path, tracker: str, experiment: str) -> tuple[list[float], int]:
    """Per-frame reply times and the number of frames the real-time rule skipped, from the
    `*_time.value` files: a time per frame sent, 0 for a frame the toolkit skipped (it records
    the last output for it), nothing for frames between a failure and the re-initialisation."""
    times, skipped = [], 0
    for time_file in sorted((workspace / "results" / tracker / experiment).glob("*/*_time.value")):
        for line in time_file.read_text().splitlines():
            if not line.strip():
                continue
            value = float(line)
            if value > 0:
                times.append(value)
            else:
                skipped += 1
    return sorted(times), skipped


def frame_statistics(workspace: Path, tracker: str, experiment: str) -> dict:
    times, skipped = reply_times(workspace, tracker, experiment)
    return {"frames_timed": len(times),
            "mean_ms": 1e3 * sum(times) / len(times) if times else math.nan,
            "p99_ms": 1e3 * times[min(len(times) - 1, int(0.99 * len(times)))] if times else math.nan,
            "skipped": skipped}


def summarise(analysis: dict, workspace: Path, tracker: str) -> list[dict]:
    """One row per experiment: EAO, accuracy, failures, timing."""
    rows = []
    realtime = realtime_experiments(workspace)
    trackers = list(analysis["trackers"])
    position = trackers.index(tracker)
    for experiment, block in analysis["results"].items():
        row = {"experiment": experiment, "eao": math.nan, "accuracy": math.nan, "failures": math.nan}
        for spec, values in zip(block["parameters"]["analyses"], block["results"]):
            kind = spec["type"].rsplit(".", 1)[-1]
            value = values[position]
            if kind == "AverageAccuracyRobustness":
                row["accuracy"], row["failures"] = value[0], value[1]
            elif kind == "EAOScore":
                row["eao"] = value[0]
            elif kind == "AverageAccuracy":
                row["accuracy"] = value[0]
        row.update(frame_statistics(workspace, tracker, experiment))
        if experiment in realtime:
            row["realtime_fps"] = realtime_fps_of(workspace, tracker, experiment)  # None: per sequence
        rows.append(row)
    return rows


def format_table(tracker: str, rows: list[dict]) -> str:
    def number(value, digits=3):
        return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"
    header = f"{'experiment':<14}{'EAO':>8}{'A':>8}{'R (failures)':>14}{'mean ms':>10}{'p99 ms':>10}{'skipped':>9}"
    lines = [f"tracker {tracker}", header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r['experiment']:<14}{number(r['eao']):>8}{number(r['accuracy']):>8}"
                     f"{number(r['failures'], 2):>14}{number(r['mean_ms'], 1):>10}{number(r['p99_ms'], 1):>10}"
                     f"{r['skipped']:>9}")
    for r in rows:
        if "realtime_fps" in r:
            lines.append(f"{r['experiment']}: real-time rule at {describe_fps(r['realtime_fps'])}")
    return "\n".join(lines)


def analysis(workspace: Path, trackers: list[str], name: str = "summary") -> dict:
    check_workspace(workspace)
    clear_cache(workspace)
    run_vot(["analysis", "--format", "json", "--name", name] + trackers, workspace)
    data = json.loads((workspace / "analysis" / f"{name}.json").read_text())
    summary = {tracker: summarise(data, workspace, tracker) for tracker in trackers}
    for tracker, rows in summary.items():
        print(format_table(tracker, rows))
        print()
    (workspace / "analysis" / f"{name}_table.json").write_text(json.dumps(summary, indent=2))
    return summary


def report(workspace: Path, trackers: list[str], name: str = "report") -> Path:
    check_workspace(workspace)
    clear_cache(workspace)
    run_vot(["report", "--format", "html", "--name", name] + trackers, workspace)
    html = workspace / "reports" / name / "report.html"
    plots = write_plots(workspace, trackers, workspace / "reports" / name)
    print(f"report: {html}")
    for plot in plots:
        print(f"plot:   {plot}")
    return html


def write_plots(workspace: Path, trackers: list[str], folder: Path) -> list[Path]:
    """EAO curves (from a fresh analysis) and per-frame latency per experiment, as PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    clear_cache(workspace)
    run_vot(["analysis", "--format", "json", "--name", "plots"] + trackers, workspace)
    data = json.loads((workspace / "analysis" / "plots.json").read_text())
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    figure, axis = plt.subplots(figsize=(6, 4))
    for experiment, block in data["results"].items():
        for spec, values in zip(block["parameters"]["analyses"], block["results"]):
            if spec["type"].endswith("EAOCurve"):
                for position, tracker in enumerate(data["trackers"]):
                    curve = values[position][0]
                    axis.plot(range(1, len(curve) + 1), curve, label=f"{tracker} ({experiment})")
    axis.set(xlabel="sequence length (frames)", ylabel="expected average overlap", title="EAO curves")
    axis.legend(fontsize=7)
    written.append(folder / "eao_curves.png")
    figure.savefig(written[-1], dpi=120, bbox_inches="tight")
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(6, 4))
    for tracker in trackers:
        for experiment in data["results"]:
            times = [1e3 * t for t in reply_times(workspace, tracker, experiment)[0]]
            if times:
                axis.plot(times, [i / len(times) for i in range(len(times))], label=f"{tracker} ({experiment})")
    axis.set(xlabel="per-frame time (ms, as the toolkit measured it)", ylabel="fraction of frames",
             title="Per-frame latency (cumulative)")
    axis.legend(fontsize=7)
    written.append(folder / "latency.png")
    figure.savefig(written[-1], dpi=120, bbox_inches="tight")
    plt.close(figure)
    return written


def pack(workspace: Path, tracker: str) -> Path:
    check_workspace(workspace)
    before = set(workspace.glob("*.zip"))
    run_vot(["pack", tracker], workspace)
    created = sorted(set(workspace.glob("*.zip")) - before)
    if not created:
        raise SystemExit("vot pack wrote no archive; every experiment of the stack must be complete")
    print(f"pack: {created[-1]}")
    return created[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["evaluate", "analysis", "report", "pack"])
    parser.add_argument("trackers", nargs="+", help="tracker ids from trackers.ini, e.g. SiamMargin")
    parser.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE)
    parser.add_argument("--experiments", help="evaluate only: comma-separated, e.g. baseline,realtime")
    parser.add_argument("--realtime-fps", type=float, metavar="N",
                        help="evaluate only: run the real-time experiments at N fps for every sequence "
                             "(20: as the VOT2019 challenge ran them); default: each sequence's fps")
    args = parser.parse_args(argv)
    workspace = args.workspace.resolve()
    if args.command != "evaluate" and args.realtime_fps is not None:
        parser.error("--realtime-fps is an option of evaluate")
    if args.command == "evaluate":
        evaluate(workspace, args.trackers, args.experiments, args.realtime_fps)
    elif args.command == "analysis":
        analysis(workspace, args.trackers)
    elif args.command == "report":
        report(workspace, args.trackers)
    else:
        if len(args.trackers) != 1:
            parser.error("pack takes one tracker")
        pack(workspace, args.trackers[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
