"""The VOT workflow in one command each: evaluate, analysis (a table), report, pack.

    python -m tracker.vot.workflow evaluate  [--workspace W] [--experiments baseline,realtime] TRACKER...
    python -m tracker.vot.workflow analysis  [--workspace W] TRACKER...
    python -m tracker.vot.workflow report    [--workspace W] TRACKER...
    python -m tracker.vot.workflow pack      [--workspace W] TRACKER

Each runs the pinned toolkit (`vot` beside this interpreter) on the workspace. This module is the
command line only: the commands are in toolkit.py (why analysis and report clear the toolkit's
cache), the real-time experiments' frame rate in realtime_fps.py, per-frame times and skipped
frames (read from the result files themselves) in results.py, the table in summary_table.py and
the plots in plots.py.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .toolkit import analysis, evaluate, pack, report
from .workspace import DEFAULT_WORKSPACE


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
