"""trackers.ini, the VOT toolkit's registry of tracker ids: one entry read into what its TraX server
is told to run (config or model, weights, device, exact, backend), parsed by the server's own `parse_args`,
so the demo and the research scripts read an entry exactly as the server started by the toolkit
would."""
from __future__ import annotations

import ast
import configparser
import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..zoo.paths import REPOSITORY
from .trax_server import parse_args, tracker_files

TRACKERS_INI = REPOSITORY / "trackers.ini"

# The entry's command calls the server as `...main([ARGUMENTS])...`: the list is a Python literal.
_SERVER_CALL = re.compile(r"main\((\[.*\])\)")


@dataclass(frozen=True)
class TrackerEntry:
    """One trackers.ini entry: its id and its TraX server's arguments, as written there."""
    identifier: str
    config: str | None      # --config FILE (relative paths are relative to the repository root)
    model: str | None       # --model NAME: a registered model's shipped config (and own weights)
    weights: str | None     # --weights FILE
    weights_of: str | None  # --weights-of MODEL: that model's checkpoint
    device: str
    exact: bool
    backend: str = "torch"  # --backend: what runs the network

    def files(self) -> tuple[Path, Path]:
        """(config file, checkpoint) the server would load; CheckpointError if weights are missing."""
        return tracker_files(self.config, self.model, self.weights, self.weights_of)


def read_tracker_entry(identifier: str, trackers_ini: Path = TRACKERS_INI) -> TrackerEntry:
    """The entry `identifier` of `trackers_ini`. ValueError (one line) for a missing file, an id it
    does not define or a command that does not call the TraX server's main([...]) with valid
    arguments."""
    if not trackers_ini.is_file():
        raise ValueError(f"{trackers_ini} not found: tracker ids are defined there; run from a "
                         f"checkout of the repository")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(trackers_ini)
    if identifier not in parser:
        raise ValueError(f"unknown tracker id {identifier!r}: {identifier!r} is not in {trackers_ini}, "
                         f"which defines {', '.join(parser.sections())}")
    where = f"{trackers_ini} [{identifier}]"
    found = _SERVER_CALL.search(parser[identifier].get("command", ""))
    if not found:
        raise ValueError(f"{where}: command does not call the TraX server's main([...])")
    try:
        arguments = ast.literal_eval(found.group(1))
    except (ValueError, SyntaxError):
        arguments = None
    if not (isinstance(arguments, list) and all(isinstance(a, str) for a in arguments)):
        raise ValueError(f"{where}: the server's arguments {found.group(1)} are not a list of strings")
    # argparse reports bad arguments as a usage text on stderr and SystemExit; keep its last line.
    usage = io.StringIO()
    try:
        with contextlib.redirect_stderr(usage):
            args = parse_args(arguments)
    except SystemExit:
        problem = (usage.getvalue().strip().splitlines() or ["invalid arguments"])[-1]
        raise ValueError(f"{where}: the TraX server rejects its arguments: {problem}") from None
    return TrackerEntry(identifier, args.config, args.model, args.weights, args.weights_of, args.device,
                        args.exact, args.backend)
