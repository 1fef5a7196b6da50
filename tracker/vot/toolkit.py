"""The pinned VOT toolkit (`vot` beside this interpreter) run on a workspace: evaluate, analysis
(and its table), report (and its plots), pack.

The toolkit's analysis cache ignores result contents (a re-run under the same tracker id would
show the old numbers), so analysis and report always delete the workspace's cache and run with
VOT_PERSISTENT_CACHE=0.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .plots import write_plots
from .realtime_fps import claim_realtime_fps, realtime_view
from .results import summarise
from .summary_table import format_table
from .workspace import check_workspace, realtime_experiments, stack_experiments


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


def evaluate(workspace: Path, trackers: list[str], experiments: str | None,
             realtime_fps: float | None = None) -> None:
    """`vot evaluate --persist`. realtime_fps: run the real-time experiments at this frame rate
    for every sequence (VOT2019's challenge ran them at 20 fps) instead of each sequence's own
    `fps` (what toolkit 0.7.4 does: interval = 1 / the sequence's fps, 30 where its `sequence`
    file has none; the stack's `realtime.fps` is only a fallback the default loader never
    reaches). The toolkit has no switch for it, so those experiments run on a view of the
    sequences whose `sequence` files say fps=N (see realtime_fps.realtime_view), writing into
    the same results folder."""
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
            _run_evaluate(workspace, trackers, others)
        if fast:
            for tracker in trackers:
                claim_realtime_fps(workspace, tracker, fast, realtime_fps)
            evaluated.append(realtime_view(workspace, realtime_fps))
            _run_evaluate(evaluated[-1], trackers, fast)
    else:
        for tracker in trackers:
            claim_realtime_fps(workspace, tracker, [e for e in chosen if e in realtime], None)
        _run_evaluate(workspace, trackers, chosen if experiments else None)
    for folder in evaluated:
        failed = sorted((folder / "logs").glob("*.log")) if (folder / "logs").is_dir() else []
        if failed:
            print(f"note: the toolkit logged tracker errors in {folder / 'logs'} ({len(failed)} "
                  f"file(s)); sequences without results are missing from the analysis", file=sys.stderr)


def _run_evaluate(workspace: Path, trackers: list[str], experiments: list[str] | None) -> None:
    # --persist: a tracker crash on one sequence is logged and the rest still run (without it the
    # toolkit stops the whole evaluation, every later sequence, experiment and tracker, at once).
    args = ["evaluate", "--persist"] + (["--experiments", ",".join(experiments)] if experiments else [])
    run_vot(args + trackers, workspace)


def _run_analysis(workspace: Path, trackers: list[str], name: str) -> dict:
    """A fresh `vot analysis` (cache cleared) as JSON, written to W/analysis/<name>.json and read back."""
    clear_cache(workspace)
    run_vot(["analysis", "--format", "json", "--name", name] + trackers, workspace)
    return json.loads((workspace / "analysis" / f"{name}.json").read_text())


def analysis(workspace: Path, trackers: list[str], name: str = "summary") -> dict:
    """Prints each tracker's table and writes W/analysis/<name>_table.json; returns its rows."""
    check_workspace(workspace)
    data = _run_analysis(workspace, trackers, name)
    summary = {tracker: summarise(data, workspace, tracker) for tracker in trackers}
    for tracker, rows in summary.items():
        print(format_table(tracker, rows))
        print()
    (workspace / "analysis" / f"{name}_table.json").write_text(json.dumps(summary, indent=2))
    return summary


def report(workspace: Path, trackers: list[str], name: str = "report") -> Path:
    """The toolkit's HTML report, with EAO-curve and latency plots beside it."""
    check_workspace(workspace)
    clear_cache(workspace)
    run_vot(["report", "--format", "html", "--name", name] + trackers, workspace)
    html = workspace / "reports" / name / "report.html"
    plots = write_plots(_run_analysis(workspace, trackers, "plots"), workspace, trackers,
                        workspace / "reports" / name)
    print(f"report: {html}")
    for plot in plots:
        print(f"plot:   {plot}")
    return html


def pack(workspace: Path, tracker: str) -> Path:
    check_workspace(workspace)
    before = set(workspace.glob("*.zip"))
    run_vot(["pack", tracker], workspace)
    created = sorted(set(workspace.glob("*.zip")) - before)
    if not created:
        raise SystemExit("vot pack wrote no archive; every experiment of the stack must be complete")
    print(f"pack: {created[-1]}")
    return created[-1]
