"""The TraX server as the VOT toolkit runs it, timed by the toolkit's own runtime."""
from __future__ import annotations

import time
from pathlib import Path

from ..zoo.paths import REPOSITORY
from .phases import statistics
from .realtime_rule import skipped_frames


def time_trax_server(config: Path, weights: Path, sequence_folder: Path, device: str, scratch: Path) -> dict:
    """The TraX server driven by the toolkit's own runtime on one sequence: process start →
    handshake, the initialize reply, per-frame reply times (the toolkit's clock: request sent →
    reply parsed), the server's own handling time of each request (decode + step, from its debug
    log) and so the protocol's share, and the frames the real-time rule would skip."""
    from vot.dataset import load_sequence
    from vot.tracker import ObjectStatus, Registry

    log_file = scratch / "trax_server.log"
    arguments = ["--config", str(config), "--weights", str(weights), "--device", device,
                 "--log-file", str(log_file), "--log-level", "debug"]
    registry = scratch / "trackers.ini"
    registry.write_text(
        "[bench]\nprotocol = traxpython\n"
        f"command = import sys; from tracker.vot.trax_server import main; sys.exit(main({arguments!r}))\n"
        f"paths = {REPOSITORY}\nsocket = true\ntimeout = 120\nenv_LD_LIBRARY_PATH = $LD_LIBRARY_PATH\n")
    runtime = Registry([str(registry)], root=str(scratch))["bench"].runtime(log=False)
    sequence = load_sequence(str(sequence_folder))
    try:
        start = time.perf_counter()
        runtime._connect()  # starts the process and waits for its handshake
        startup = time.perf_counter() - start
        _, init_time = runtime.initialize(sequence.frame(0), [ObjectStatus(sequence.groundtruth(0), {})])
        replies = [runtime.update(sequence.frame(i))[1] for i in range(1, len(sequence))]
    finally:
        runtime.stop()
    handled = [float(line.rsplit(" handled in ", 1)[1].split()[0])
               for line in log_file.read_text().splitlines() if "frame handled in" in line]
    protocol = [1000 * t - h for t, h in zip(replies, handled)]
    return {"start_to_handshake_s": startup, "initialize_reply_ms": 1000 * init_time,
            "reply_ms": statistics([1000 * t for t in replies]), "server_ms": statistics(handled),
            "protocol_ms": statistics(protocol),
            "skipped_at_30fps": skipped_frames(init_time, replies, 30),
            "skipped_at_20fps": skipped_frames(init_time, replies, 20), "frames": len(replies)}
