"""A tracker of trackers.ini as (config, weights, device): the TraX server's own arguments, read
from the entry's `command`, with weights resolved exactly as the server does (weights_of)."""
from __future__ import annotations

import argparse
import ast
import configparser
import re
from pathlib import Path

from ..zoo.paths import REPOSITORY, repository_path, require_checkout, weights_of
from ..vot.trax_server import parse_args

REGISTRY = REPOSITORY / "trackers.ini"


def tracker_arguments(identifier: str, registry: Path = REGISTRY) -> tuple[str, str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(registry)
    if identifier not in parser:
        raise ValueError(f"tracker {identifier!r} is not in {registry}; known: {', '.join(parser.sections())}")
    command = parser[identifier].get("command", "")
    found = re.search(r"main\((\[.*\])\)", command)
    if not found:
        raise ValueError(f"{registry} [{identifier}]: command does not call the TraX server's main([...])")
    args = parse_args(ast.literal_eval(found.group(1)))
    weights = repository_path(args.weights) if args.weights else weights_of(args.weights_of)
    return str(repository_path(args.config).resolve()), str(weights), args.device


def add_tracker_arguments(parser: argparse.ArgumentParser) -> None:
    """The options tracker_source reads: --tracker ID | --config C, with --weights and --device."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--tracker", metavar="ID", help="an entry of trackers.ini (its --config and weights)")
    which.add_argument("--config", help="tracker config (ours or pysot's); needs --weights")
    parser.add_argument("--weights", help="checkpoint file (with --config; with --tracker it replaces the entry's)")
    parser.add_argument("--device", help="cpu, cuda or cuda:N (default: the entry's, else cpu)")


def tracker_source(args) -> tuple[str, str, str]:
    """(config, weights, device) from a script's --tracker ID (trackers.ini; an explicit --weights
    wins over the entry's) or --config C --weights W (CPU)."""
    if args.tracker:
        require_checkout("--tracker ID (an entry of trackers.ini)")
        config, weights, device = tracker_arguments(args.tracker)
        return config, args.weights or weights, device
    if not args.weights:
        raise ValueError("--config needs --weights (or use --tracker ID from trackers.ini)")
    return args.config, args.weights, "cpu"
