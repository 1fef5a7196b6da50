"""TraX server: lets the VOT toolkit drive a tracker.

    python -m tracker.trax_server --config models/siammargin/config.yaml --weights-of siammargin

The model is loaded and every input shape warmed up before the handshake, so the toolkit's
per-frame clock never sees a first-use spike. One process serves every (re)initialisation of a
sequence; `init` resets all tracker state. Nothing but the protocol goes to stdout: logging goes
to stderr, and Python's sys.stdout is pointed at stderr too, so a stray print cannot corrupt a
stdio session; each TraX message starts on a fresh line even after an unfinished one (the toolkit
merges stderr into stdout in stdio mode). On an error (missing weights, unreadable image, bad region) the server logs one
line on stderr, tells the toolkit why through TraX, and exits with a non-zero status. SIGTERM
(idle or busy) logs one line and exits with 143 (128 + SIGTERM), ending the TraX session.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path

from .errors import CheckpointError, TrackerError

REPOSITORY = Path(__file__).resolve().parents[1]
WEIGHTS_ENV = "SIAMMARGIN_WEIGHTS"
EXIT_SETUP_ERROR = 2   # could not load the tracker (before the handshake)
EXIT_SESSION_ERROR = 3  # bad input during the session
EXIT_SIGTERM = 128 + signal.SIGTERM

log = logging.getLogger("tracker.trax_server")


def resolve_config(path: str) -> Path:
    """A config path as given, or relative to the repository root (the toolkit starts trackers
    in a temporary directory, so trackers.ini names repository files relative to the root)."""
    given = Path(path)
    if given.is_absolute() or given.exists():
        return given
    return REPOSITORY / given


def weights_of(model: str) -> Path:
    """The checkpoint of a model folder: $SIAMMARGIN_WEIGHTS/<model>/model.pth when that variable
    is set, else models/<model>/model.pth. Never falls back from one to the other."""
    root = os.environ.get(WEIGHTS_ENV)
    if root:
        if not os.path.isdir(root):
            raise CheckpointError(f"{WEIGHTS_ENV}={root} is not a directory; point it at a folder "
                                  f"holding <model>/model.pth, or unset it to use models/<model>/model.pth")
        path = Path(root) / model / "model.pth"
    else:
        path = REPOSITORY / "models" / model / "model.pth"
    if not path.is_file():
        source = f"${WEIGHTS_ENV}" if root else "models/"
        raise CheckpointError(f"weights not found: {path} (looked in {source}); download them with "
                              f"`scripts/download_weights {model}` or see README, Weights")
    return path


class LineEndingStream:
    """stderr, remembering whether the last write ended its line. In stdio mode the toolkit reads
    the protocol from stdout with stderr merged in, and a TraX message that starts mid-line (after
    a progress bar's "\rprogress 50%", say) is not recognised: the toolkit waits until its
    timeout. end_line() before each message puts it at the start of a line."""

    def __init__(self, stream):
        self._stream = stream
        self._at_line_start = True

    def write(self, text: str) -> int:
        if text:
            self._at_line_start = text.endswith("\n")
        return self._stream.write(text)

    def end_line(self) -> None:
        if not self._at_line_start:
            self.write("\n")
        self._stream.flush()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def end_stderr_line() -> None:
    if isinstance(sys.stderr, LineEndingStream):
        sys.stderr.end_line()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="siammargin-trax", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True,
                        help="tracker config (ours or pysot's config.yaml); relative paths may be "
                             "relative to the repository root")
    weights = parser.add_mutually_exclusive_group(required=True)
    weights.add_argument("--weights", help="checkpoint file")
    weights.add_argument("--weights-of", metavar="MODEL",
                         help=f"use the checkpoint of model folder MODEL (${WEIGHTS_ENV}/MODEL/model.pth "
                              "or models/MODEL/model.pth)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)")
    parser.add_argument("--exact", action="store_true",
                        help="the published code's arithmetic (slower; for equivalence checks)")
    parser.add_argument("--log-file", help="also log to this file")
    parser.add_argument("--log-level", default="info", choices=["info", "debug"],
                        help="debug also logs each request's handling time (decode + tracker step)")
    return parser.parse_args(argv)


def region_values(region) -> list[float]:
    """A TraX region as (x, y, w, h) or 8 polygon numbers."""
    import trax

    if isinstance(region, trax.Rectangle):
        return list(region.bounds())
    if isinstance(region, trax.Polygon):
        return [coordinate for point in region for coordinate in point]
    raise TrackerError(f"unsupported region type {region.type}; send a rectangle or a polygon")


def serve(tracker) -> int:
    """The TraX loop: initialise / track / quit until the client says quit."""
    import trax

    from .images import read_image

    end_stderr_line()
    server = trax.Server([trax.Region.RECTANGLE, trax.Region.POLYGON], [trax.Image.PATH], ["color"],
                         tracker_name="SiamMargin", tracker_family="siamese")
    log.info("handshake done")
    while True:
        request = server.wait()
        received = time.perf_counter()
        if request.type == "quit":
            log.info("quit")
            return 0
        try:
            image = read_image(request.image["color"].path())
            if request.type == "initialize":
                region, _ = request.objects[0]
                tracker.init(image, region_values(region))
                # The first reply repeats the initial region, as the toolkit expects.
                end_stderr_line()
                server.status([(region, {"confidence": 1.0})])
            else:
                result = tracker.track(image)
                end_stderr_line()
                server.status([(trax.Rectangle.create(*result.bbox), {"confidence": result.score})])
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s handled in %.3f ms", request.type, 1000 * (time.perf_counter() - received))
        except TrackerError as error:
            log.error("%s", error)
            end_stderr_line()
            server.quit(reason=str(error))
            return EXIT_SESSION_ERROR


def report_setup_error(message: str) -> None:
    """Under the toolkit (TRAX set), completes the handshake and quits with the reason, so the
    toolkit logs the message at once instead of waiting for a handshake that never comes."""
    if not os.environ.get("TRAX"):
        return
    try:
        import trax

        server = trax.Server([trax.Region.RECTANGLE, trax.Region.POLYGON], [trax.Image.PATH], ["color"])
        server.quit(reason=message)
    except Exception as error:  # the toolkit may already be gone; the stderr line stands
        log.debug("could not report the error through TraX: %s", error)


def exit_on_sigterm(signum: int, frame) -> None:
    """SIGTERM handler. Python's default would end the process without a word; this logs why and
    exits through SystemExit, so the TraX handle is released and the client gets a quit message
    instead of a broken connection (it also interrupts a blocking wait for a request)."""
    log.warning("terminated by SIGTERM")
    raise SystemExit(EXIT_SIGTERM)


def main(argv: list[str] | None = None) -> int:
    # stdout belongs to the protocol (stdio mode): anything Python prints goes to stderr instead.
    if not isinstance(sys.stderr, LineEndingStream):
        sys.stderr = LineEndingStream(sys.stderr)
    sys.stdout = sys.stderr
    args = parse_args(argv)
    handlers = [logging.StreamHandler(sys.stderr)]
    if args.log_file:
        handlers.append(logging.FileHandler(args.log_file))
    logging.basicConfig(level=logging.DEBUG if args.log_level == "debug" else logging.INFO, handlers=handlers,
                        format="%(asctime)s siammargin-trax %(levelname)s: %(message)s")
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    started = time.perf_counter()
    try:
        from . import load_tracker

        weights = Path(args.weights) if args.weights else weights_of(args.weights_of)
        tracker = load_tracker(resolve_config(args.config), weights=weights, device=args.device,
                               exact=args.exact)
        tracker.warm_up()
    except TrackerError as error:
        log.error("%s", error)
        report_setup_error(str(error))
        return EXIT_SETUP_ERROR
    log.info("loaded %s with %s on %s in %.2f s", args.config, weights, args.device,
             time.perf_counter() - started)
    return serve(tracker)


if __name__ == "__main__":
    sys.exit(main())
