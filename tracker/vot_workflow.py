"""The VOT workflow in one command each: evaluate, analysis (a table), report, pack.

    python -m tracker.vot_workflow evaluate  [--workspace W] [--experiments baseline,realtime] TRACKER...
    python -m tracker.vot_workflow analysis  [--workspace W] TRACKER...
    python -m tracker.vot_workflow report    [--workspace W] TRACKER...
    python -m tracker.vot_workflow pack      [--workspace W] TRACKER

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

from .paths import REPOSITORY

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


def evaluate(workspace: Path, trackers: list[str], experiments: str | None) -> None:
    check_workspace(workspace)
    # --persist: a tracker crash on one sequence is logged and the rest still run (without it the
    # toolkit stops the whole evaluation, every later sequence, experiment and tracker, at once).
    args = ["evaluate", "--persist"] + (["--experiments", experiments] if experiments else []) + trackers
    run_vot(args, workspace)
    failed = sorted((workspace / "logs").glob("*.log")) if (workspace / "logs").is_dir() else []
    if failed:
        print(f"note: the toolkit logged tracker errors in {workspace / 'logs'} "
              f"({len(failed)} file(s)); sequences without results are missing from the analysis",
              file=sys.stderr)


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
    args = parser.parse_args(argv)
    workspace = args.workspace.resolve()
    if args.command == "evaluate":
        evaluate(workspace, args.trackers, args.experiments)
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
