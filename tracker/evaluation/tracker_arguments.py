"""The research scripts' choice of tracker (run_dataset, tune, track): the --tracker ID | --config C
options with --weights, --device and --backend, and what they resolve to. A --tracker ID is read from
trackers.ini as the TraX server would run it (tracker/vot/trackers_ini.py)."""
from __future__ import annotations

import argparse

from ..core.backends import BACKENDS
from ..vot.trackers_ini import read_tracker_entry
from ..zoo.paths import require_checkout


def add_tracker_arguments(parser: argparse.ArgumentParser) -> None:
    """The options tracker_from_arguments reads: --tracker ID | --config C, with --weights, --device
    and --backend."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--tracker", metavar="ID", help="an entry of trackers.ini (its --config and weights)")
    which.add_argument("--config", help="tracker config (ours or pysot's); needs --weights")
    parser.add_argument("--weights", help="checkpoint file (with --config; with --tracker it replaces the entry's)")
    parser.add_argument("--device", help="cpu, cuda or cuda:N (default: the entry's, else cpu)")
    parser.add_argument("--backend", choices=BACKENDS,
                        help="what runs the network: torch or, on the CPU, onnxruntime "
                             "(default: the entry's, else torch)")


def tracker_from_arguments(args: argparse.Namespace) -> tuple[str, str, str, str]:
    """(config, weights, device, backend) from a script's --tracker ID (trackers.ini; an explicit
    --weights, --device or --backend wins over the entry's) or --config C --weights W (default:
    CPU, torch)."""
    if args.tracker:
        require_checkout("--tracker ID (an entry of trackers.ini)")
        entry = read_tracker_entry(args.tracker)
        config, weights = entry.files()
        return (str(config.resolve()), args.weights or str(weights), args.device or entry.device,
                args.backend or entry.backend)
    if not args.weights:
        raise ValueError("--config needs --weights (or use --tracker ID from trackers.ini)")
    return args.config, args.weights, args.device or "cpu", args.backend or "torch"
