"""The research scripts' choice of tracker (run_dataset, tune, track): the --tracker ID | --config C
options with --weights and --device, and what they resolve to. A --tracker ID is read from
trackers.ini as the TraX server would run it (tracker/vot/trackers_ini.py)."""
from __future__ import annotations

import argparse

from ..vot.trackers_ini import read_tracker_entry
from ..zoo.paths import require_checkout


def add_tracker_arguments(parser: argparse.ArgumentParser) -> None:
    """The options tracker_from_arguments reads: --tracker ID | --config C, with --weights and --device."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--tracker", metavar="ID", help="an entry of trackers.ini (its --config and weights)")
    which.add_argument("--config", help="tracker config (ours or pysot's); needs --weights")
    parser.add_argument("--weights", help="checkpoint file (with --config; with --tracker it replaces the entry's)")
    parser.add_argument("--device", help="cpu, cuda or cuda:N (default: the entry's, else cpu)")


def tracker_from_arguments(args: argparse.Namespace) -> tuple[str, str, str]:
    """(config, weights, device) from a script's --tracker ID (trackers.ini; an explicit --weights
    wins over the entry's) or --config C --weights W (CPU)."""
    if args.tracker:
        require_checkout("--tracker ID (an entry of trackers.ini)")
        entry = read_tracker_entry(args.tracker)
        config, weights = entry.files()
        return str(config.resolve()), args.weights or str(weights), entry.device
    if not args.weights:
        raise ValueError("--config needs --weights (or use --tracker ID from trackers.ini)")
    return args.config, args.weights, "cpu"
