"""TraX server: lets the VOT toolkit drive a tracker.

    python -m tracker.vot.trax_server --config models/siammargin/config.yaml --weights-of siammargin
    siammargin-trax --model siammargin_tiny     # a registered model: its shipped config, its own weights

The model is loaded and every input shape warmed up before the handshake, so the toolkit's
per-frame clock never sees a first-use spike. One process serves every (re)initialisation of a
sequence; `init` resets all tracker state. Nothing but the protocol goes to stdout: logging goes
to stderr, and Python's sys.stdout is pointed at stderr too, so a stray print cannot corrupt a
stdio session; each TraX message starts on a fresh line even after an unfinished one (the toolkit
merges stderr into stdout in stdio mode). On any error the server logs one line on stderr, tells
the toolkit why through TraX (a quit with the reason) and exits non-zero: 2 before the handshake
(weights, config, device, warm-up), 3 for bad input during the session (image, region), 4 for any
other failure during the session (CUDA out of memory, cuDNN or graph errors, bugs). SIGTERM
(idle or busy) logs one line and exits with 143 (128 + SIGTERM), ending the TraX session.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import time
from pathlib import Path

from ..core.backends import BACKENDS
from ..errors import TrackerError
from ..zoo.paths import WEIGHTS_ENV, model_files, repository_path, weights_of
from ..zoo.registry import model_names
EXIT_SETUP_ERROR = 2   # could not load the tracker (before the handshake)
EXIT_SESSION_ERROR = 3  # bad input during the session
EXIT_INTERNAL_ERROR = 4  # the tracker failed during the session (CUDA out of memory, a bug, …)
EXIT_SIGTERM = 128 + signal.SIGTERM

log = logging.getLogger("tracker.vot.trax_server")


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
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--config", help="tracker config (ours or pysot's config.yaml); relative paths "
                                        "may be relative to the repository root; needs weights")
    which.add_argument("--model", choices=model_names(), metavar="MODEL",
                       help=f"a registered model ({', '.join(model_names())}): the config it ships "
                            "with and, without --weights or --weights-of, its own weights")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--weights", help="checkpoint file (relative paths may be relative to the "
                                           "repository root, e.g. models/siammargin_tiny/model.pth)")
    weights.add_argument("--weights-of", metavar="MODEL",
                         help=f"use model MODEL's own checkpoint: the committed one of a model whose "
                              f"weights ship with the project, else ${WEIGHTS_ENV}/MODEL/model.pth, or "
                              "without that variable models/MODEL/model.pth (installed: "
                              "~/.cache/siammargin/weights/MODEL/model.pth)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)")
    parser.add_argument("--exact", action="store_true",
                        help="the published code's arithmetic (slower; for equivalence checks)")
    parser.add_argument("--backend", default="torch", choices=BACKENDS,
                        help="what runs the network on the CPU (default torch; onnxruntime: "
                             "the fast path's network in ONNX Runtime, tracker/core/onnx_runtime.py)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="intra-op CPU threads (default: PyTorch's, one per core, or $OMP_NUM_THREADS; "
                             "tracker/core/threads.py)")
    parser.add_argument("--log-file", help="also log to this file")
    parser.add_argument("--log-level", default="info", choices=["info", "debug"],
                        help="debug also logs each request's handling time (decode + tracker step)")
    args = parser.parse_args(argv)
    if args.config and not (args.weights or args.weights_of):
        parser.error("--config needs --weights or --weights-of (or use --model NAME)")
    return args


def tracker_files(config: str | None, model: str | None, weights: str | None,
                  weights_of_model: str | None) -> tuple[Path, Path]:
    """(config file, checkpoint) that --config / --model with --weights / --weights-of name:
    --model's shipped config or --config's file; --weights FILE, else --weights-of MODEL's
    checkpoint, else (with --model) the model's own. CheckpointError says what to do when one is
    missing."""
    checkpoint = (repository_path(weights) if weights else
                  weights_of(weights_of_model) if weights_of_model else None)
    return model_files(model or repository_path(config), checkpoint)


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

    from ..core.images import read_image

    end_stderr_line()
    try:
        with default_sigterm():
            server = trax.Server([trax.Region.RECTANGLE, trax.Region.POLYGON], [trax.Image.PATH], ["color"],
                                 tracker_name="SiamMargin", tracker_family="siamese")
    except Exception as error:  # no client, or it closed the connection before the handshake
        log.error("cannot start the TraX session (is a TraX client, e.g. the VOT toolkit, running this "
                  "server?): %s", describe_error(error))
        return EXIT_SETUP_ERROR
    log.info("handshake done")
    while True:
        try:
            request = server.wait()
            received = time.perf_counter()
            if request.type == "quit":
                log.info("quit")
                return 0
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
        except Exception as error:
            # Bad input (a TrackerError) or a failure of the tracker itself (CUDA out of memory,
            # a cuDNN or graph error, any bug): either way the toolkit must hear why.
            reason = describe_error(error)
            log.error("%s", reason)
            log.debug("traceback of the error above", exc_info=True)
            end_stderr_line()
            try:
                server.quit(reason=reason)
            except Exception as quit_error:  # the client may be gone; the log line stands
                log.debug("could not send the quit reason: %s", quit_error)
            return EXIT_SESSION_ERROR if isinstance(error, TrackerError) else EXIT_INTERNAL_ERROR


def describe_error(error: Exception) -> str:
    """One line for the log and the TraX quit reason. Our own errors already say what to do;
    anything else is named by its type, with a pointer to the traceback."""
    if isinstance(error, TrackerError):
        return str(error)
    first_line = (str(error).strip().splitlines() or [""])[0]
    return (f"internal error: {type(error).__name__}: {first_line} "
            f"(run the server with --log-level debug for the traceback)")


def report_setup_error(message: str) -> None:
    """Under the toolkit (TRAX set), completes the handshake and quits with the reason, so the
    toolkit logs the message at once instead of waiting for a handshake that never comes."""
    if not os.environ.get("TRAX"):
        return
    try:
        import trax

        end_stderr_line()
        with default_sigterm():
            server = trax.Server([trax.Region.RECTANGLE, trax.Region.POLYGON], [trax.Image.PATH], ["color"])
        server.quit(reason=message)
    except Exception as error:  # the toolkit may already be gone; the stderr line stands
        log.debug("could not report the error through TraX: %s", error)


@contextlib.contextmanager
def default_sigterm():
    """SIGTERM ends the process at once (exit 143, no log line) inside this block. The TraX library
    connects to the client's socket in a C loop that retries forever and never returns to Python,
    so a Python handler (exit_on_sigterm) would never run there: a server whose client is gone
    would then ignore SIGTERM for good."""
    handler = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, handler)


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
        from .. import load_tracker
        import torch

        config, weights = tracker_files(args.config, args.model, args.weights, args.weights_of)
        tracker = load_tracker(config, weights=weights, device=args.device, exact=args.exact, warm_up=True,
                               threads=args.threads, backend=args.backend)
    except Exception as error:  # bad weights/config/device, or a failure while warming up
        reason = describe_error(error)
        log.error("%s", reason)
        log.debug("traceback of the error above", exc_info=True)
        report_setup_error(reason)
        return EXIT_SETUP_ERROR
    log.info("loaded %s with %s on %s (backend %s, threads: %d) in %.2f s", config, weights, args.device,
             args.backend, torch.get_num_threads(), time.perf_counter() - started)
    return serve(tracker)


if __name__ == "__main__":
    sys.exit(main())
