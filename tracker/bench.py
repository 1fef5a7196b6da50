"""Benchmark: the tracker step, reference (exact) against fast path, in the same run.

    python -m tracker.bench [--models siammargin ...] [--frames 40] [--device cpu] [--out output/bench]

For each model and search size it tracks real JPEG frames with both paths, interleaved frame by
frame so that both see the same machine, and reports per-frame latency (median, p90, p99, max)
split into decode, crop, network, post-processing and online update; the init time; the
machine's matrix-multiply rate and each network's floor (MACs / rate). Then, on the fast path:
the work outside the network at 640×480 and 1920×1080; first-use spikes on a SiamMargin run that
switches search size and searches twice, with and without warm-up; and through the TraX server
as the VOT toolkit runs it: process start to handshake, per-frame reply times, and the frames
VOT's real-time rule would skip at 20 and 30 fps. Writes a table (stdout), bench.json and
latency.png. Weights: the real ones where present (README, Weights), else stand-in weights
(speed does not depend on weight values, except how often SiamMargin searches twice).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import torch

from . import load_tracker, resolve_device
from .images import read_image
from .nets import ARCHITECTURES, build_network
from .config import load_config
from .errors import CheckpointError
from .standin_weights import write_checkpoint
from .timing import PhaseTimes
from .trax_server import REPOSITORY, weights_of

PHASES = ("decode", "crop", "network", "post", "update")
OUTSIDE_NETWORK = ("decode", "crop", "post")


# -- the machine --------------------------------------------------------------------------------

def matmul_rate(device: torch.device, side: int = 2048, repeats: int = 10) -> float:
    """Median float32 matrix-multiply rate, in GMAC/s (multiply-accumulates per second)."""
    a = torch.rand(side, side, device=device)
    b = torch.rand(side, side, device=device)
    times = []
    for _ in range(repeats + 2):
        start = time.perf_counter()
        torch.mm(a, b)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return side ** 3 / float(np.median(times[2:])) / 1e9


def search_macs(architecture: str, search_size: int) -> float:
    """Multiply-accumulates of one search (convolutions and correlations), in GMAC."""
    network = build_network(architecture)
    total = [0]

    def count(module, inputs, output):
        kh, kw = module.kernel_size
        total[0] += output.numel() * (module.in_channels // module.groups) * kh * kw

    with torch.inference_mode():
        kernels, _ = network.template(torch.zeros(1, 3, 127, 127))
        hooks = [m.register_forward_hook(count) for m in network.modules() if isinstance(m, torch.nn.Conv2d)]
        output = network.search(torch.zeros(1, 3, search_size, search_size), kernels)
        for hook in hooks:
            hook.remove()
    # The correlations are F.conv2d calls, not modules: one kernel area per output channel and
    # score-map cell (kernel.numel() = output channels × kernel area).
    cells = output.cls.size(-1) ** 2
    total[0] += sum(kernel.numel() * cells for kernel in kernels.cls + kernels.loc)
    return total[0] / 1e9


# -- frames ---------------------------------------------------------------------------------------

def write_frames(folder: Path, width: int, height: int, count: int, seed: int = 0) -> tuple[list[Path], tuple]:
    """A VOT-format sequence of real JPEG files: a textured target moving on a textured
    background; returns the frame paths and the first frame's (x, y, w, h)."""
    rng = np.random.default_rng(seed)
    background = cv2.resize(rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8), (width, height))
    side = max(16, round(0.11 * min(width, height)))  # area ratio ≈ 0.01: SiamMargin searches at 255
    target = cv2.resize(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8), (side, side), interpolation=cv2.INTER_NEAREST)
    target[:, :, 2] = 240
    (folder / "color").mkdir(parents=True, exist_ok=True)
    paths, lines = [], []
    for index in range(count):
        angle = 2 * math.pi * index / max(count, 1)
        x = int(width / 2 + 0.25 * width * math.cos(angle) - side / 2)
        y = int(height / 2 + 0.2 * height * math.sin(angle) - side / 2)
        frame = background.copy()
        frame[y:y + side, x:x + side] = target
        path = folder / "color" / f"{index + 1:08d}.jpg"
        cv2.imwrite(str(path), frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
        lines.append(f"{x},{y},{side},{side}")
    (folder / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (folder / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\nfps=30\nname={folder.name}\n")
    first = tuple(float(v) for v in lines[0].split(","))
    return paths, first


# -- measuring the tracker step ----------------------------------------------------------------

def timed_step(tracker, path: Path) -> dict[str, float]:
    """One frame: decode + track, split into phases (milliseconds)."""
    start = time.perf_counter()
    image = read_image(str(path))
    decode = time.perf_counter() - start
    tracker.phase_times.reset()
    start = time.perf_counter()
    tracker.track(image)
    total = time.perf_counter() - start
    row = {phase: 1000 * seconds for phase, seconds in tracker.phase_times.reset().items()}
    row["decode"] = 1000 * decode
    row["step"] = 1000 * total              # the tracker step (crop + network + post + update)
    return row


def statistics(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=np.float64)
    return {"median": float(np.median(array)), "p90": float(np.percentile(array, 90)),
            "p99": float(np.percentile(array, 99)), "max": float(array.max()), "count": int(array.size)}


def phase_medians(rows: list[dict]) -> dict[str, float]:
    return {phase: float(np.median([r.get(phase, 0.0) for r in rows])) for phase in PHASES}


def make_tracker(config: Path, weights: Path, device: str, exact: bool, warm: bool = True):
    tracker = load_tracker(config, weights=weights, device=device, exact=exact, warm_up=False)
    synchronize = (lambda: torch.cuda.synchronize(tracker.runner.device)) if tracker.runner.device.type == "cuda" else None
    tracker.phase_times = PhaseTimes(synchronize)
    if warm:
        tracker.warm_up()
    return tracker


def compare_paths(config: Path, weights: Path, device: str, paths: list[Path], region: tuple,
                  search_size: int) -> dict:
    """Exact and fast path on the same frames, interleaved, at one search size."""
    trackers = {"exact": make_tracker(config, weights, device, True),
                "fast": make_tracker(config, weights, device, False)}
    rows: dict[str, list[dict]] = {"exact": [], "fast": []}
    init_ms: dict[str, float] = {}
    first = read_image(str(paths[0]))
    for name, tracker in trackers.items():
        start = time.perf_counter()
        tracker.init(first, region)
        init_ms[name] = 1000 * (time.perf_counter() - start)
    for path in paths[1:]:
        for name, tracker in trackers.items():
            tracker.state.search_size = search_size  # hold the size under test
            rows[name].append(timed_step(tracker, path))
    result = {name: {"step": statistics([r["step"] for r in rows[name]]),
                     "phases": phase_medians(rows[name]), "init_ms": init_ms[name],
                     "steps_ms": [r["step"] for r in rows[name]]}
              for name in trackers}
    result["ratio"] = result["fast"]["step"]["median"] / result["exact"]["step"]["median"]
    return result


def outside_network(config: Path, weights: Path, device: str, folder: Path, frames: int) -> dict:
    """Decode + crop + post-processing per frame on the fast path, at 640×480 and 1920×1080."""
    out = {}
    for width, height in ((640, 480), (1920, 1080)):
        paths, region = write_frames(folder / f"{width}x{height}" / "seq", width, height, frames)
        tracker = make_tracker(config, weights, device, False)
        tracker.init(read_image(str(paths[0])), region)
        rows = [timed_step(tracker, path) for path in paths[1:]]
        per_frame = [sum(r.get(p, 0.0) for p in OUTSIDE_NETWORK) for r in rows]
        out[f"{width}x{height}"] = {"phases": phase_medians(rows), "outside_network": statistics(per_frame)}
    return out


def first_use(config: Path, weights: Path, device: str, paths: list[Path], region: tuple) -> dict:
    """A SiamMargin run that switches search size (255/351) and searches once or twice, in
    blocks of 4 frames; per configuration: first use / median and p99 / median, without and with
    warm-up."""
    result = {}
    for warm in (False, True):
        tracker = make_tracker(config, weights, device, False, warm=warm)
        settings = tracker.settings
        always_twice = replace(settings, second_search=replace(settings.second_search, score_threshold=1.01))
        tracker.init(read_image(str(paths[0])), region)
        times: dict[str, list[float]] = {}
        for index, path in enumerate(paths[1:]):
            block = index // 4
            size = settings.instance_sizes()[block % len(settings.instance_sizes())]
            twice = block % 4 >= 2
            tracker.settings = always_twice if twice else settings
            tracker.state.search_size = size
            times.setdefault(f"{size}{' ×2' if twice else ''}", []).append(timed_step(tracker, path)["step"])
        result["warm" if warm else "cold"] = {
            key: {"first_over_median": values[0] / float(np.median(values)),
                  "p99_over_median": float(np.percentile(values, 99)) / float(np.median(values)),
                  "median": float(np.median(values)), "count": len(values)}
            for key, values in times.items()}
    return result


# -- through the TraX server, as the toolkit runs it ---------------------------------------------

def skipped_frames(init_seconds: float, reply_seconds: list[float], fps: float, grace: int = 3) -> int:
    """Frames VOT's real-time rule (vot-toolkit 0.7.4, RealtimeTrackerRuntime) would skip, given
    the reply time of the initialisation and of every frame when all frames are sent.

    The first `grace` replies slower than the interval I = 1/fps (the initialisation's included)
    are free. After a later slow reply of t seconds the toolkit owes t − I; while the debt
    exceeds I it skips a frame (never sent, the last output recorded) and pays off I.
    """
    interval = 1.0 / fps
    countdown, debt, skipped = grace, 0.0, 0
    for index, seconds in enumerate([init_seconds] + list(reply_seconds)):
        if index > 0 and debt > interval:
            debt -= interval
            skipped += 1
            continue
        debt = 0.0
        if seconds > interval:
            if countdown > 0:
                countdown -= 1
            else:
                debt = seconds - interval
    return skipped


def through_trax(config: Path, weights: Path, sequence_folder: Path, device: str, scratch: Path) -> dict:
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
        f"command = import sys; from tracker.trax_server import main; sys.exit(main({arguments!r}))\n"
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


# -- weights ------------------------------------------------------------------------------------

def weights_for(model: str, standin_folder: Path) -> tuple[Path, bool]:
    """(checkpoint, is_real): the real one where the TraX server would find it (weights_of),
    else a stand-in checkpoint written once into `standin_folder`."""
    try:
        return weights_of(model), True
    except CheckpointError:
        path = standin_folder / model / "model.pth"
        return (path if path.is_file() else write_checkpoint(standin_folder, model)), False


# -- output -------------------------------------------------------------------------------------

def format_report(report: dict) -> str:
    lines = [f"machine: {report['machine']['cpu']}, {report['machine']['threads']} threads, "
             f"torch {report['machine']['torch']}, device {report['machine']['device']}",
             f"matrix-multiply rate: {report['machine']['gmac_per_s']:.0f} GMAC/s (float32, 2048²)", "",
             f"{'model':<32}{'size':>5}{'GMAC':>6}{'floor':>7}{'exact':>8}{'fast':>8}{'ratio':>7}"
             f"{'net/floor':>10}{'p90':>7}{'p99':>7}{'max':>7}{'crop':>6}{'net':>7}{'post':>6}{'upd':>6}{'init':>7}",
             "(ms per tracker step, medians unless named; p90/p99/max, phases and init of the fast path)"]
    for row in report["models"]:
        fast = row["fast"]
        lines.append(
            f"{row['model']:<32}{row['search_size']:>5}{row['gmac']:>6.1f}{row['floor_ms']:>7.0f}"
            f"{row['exact']['step']['median']:>8.1f}{fast['step']['median']:>8.1f}{row['ratio']:>7.2f}"
            f"{fast['phases']['network'] / row['floor_ms']:>10.2f}{fast['step']['p90']:>7.1f}"
            f"{fast['step']['p99']:>7.1f}{fast['step']['max']:>7.1f}{fast['phases']['crop']:>6.1f}"
            f"{fast['phases']['network']:>7.1f}{fast['phases']['post']:>6.1f}{fast['phases']['update']:>6.1f}"
            f"{fast['init_ms']:>7.1f}")
    if "outside_network" in report:
        lines += ["", "work outside the network, fast path (ms per frame, median; decode + crop + post):"]
        for resolution, row in report["outside_network"].items():
            p = row["phases"]
            lines.append(f"  {resolution:<10} decode {p['decode']:.2f}  crop {p['crop']:.2f}  post {p['post']:.2f}"
                         f"  = {row['outside_network']['median']:.2f} (p99 {row['outside_network']['p99']:.2f})")
    if "first_use" in report:
        lines += ["", "first use, SiamMargin fast path (configuration: first/median, p99/median):"]
        for warmth, configs in report["first_use"].items():
            cells = "  ".join(f"{k} {v['first_over_median']:.2f}/{v['p99_over_median']:.2f}" for k, v in configs.items())
            lines.append(f"  {'without' if warmth == 'cold' else 'with'} warm-up: {cells}")
    if "trax" in report:
        t = report["trax"]
        lines += ["", f"through TraX ({t['tracker']} fast path, {t['resolution']}, toolkit clock):",
                  f"  process start → handshake {t['start_to_handshake_s']:.2f} s; initialize reply "
                  f"{t['initialize_reply_ms']:.0f} ms; per frame median {t['reply_ms']['median']:.1f} ms, "
                  f"p99 {t['reply_ms']['p99']:.1f} ms",
                  f"  of which the server's own handling (decode + step) median {t['server_ms']['median']:.1f} ms; "
                  f"protocol (toolkit reply − server) median {t['protocol_ms']['median']:.2f} ms, "
                  f"p99 {t['protocol_ms']['p99']:.2f} ms",
                  *([f"  outside the network at 640x480, protocol included: "
                     f"{report['outside_network']['640x480']['outside_network']['median'] + t['protocol_ms']['median']:.2f} ms"]
                    if "outside_network" in report else []),
                  f"  real-time rule would skip {t['skipped_at_30fps']} of {t['frames']} frames at 30 fps, "
                  f"{t['skipped_at_20fps']} at 20 fps"]
    if not report["real_weights"]:
        lines += ["", "weights: stand-in (random); speed does not depend on their values"]
    return "\n".join(lines)


def plot(report: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["models"]
    fig, axes = plt.subplots(len(rows), 1, figsize=(8, 2.2 * len(rows)), squeeze=False)
    for axis, row in zip(axes[:, 0], rows):
        for name, colour in (("exact", "tab:gray"), ("fast", "tab:blue")):
            axis.plot(row[name]["steps_ms"], color=colour, label=f"{name} (median {row[name]['step']['median']:.0f} ms)")
        axis.axhline(row["floor_ms"], color="tab:red", linestyle="--", label=f"network floor {row['floor_ms']:.0f} ms")
        axis.set_title(f"{row['model']} @ {row['search_size']}", fontsize=9)
        axis.set_ylabel("ms / step")
        axis.set_ylim(bottom=0)
        axis.legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("frame")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# -- main ---------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=sorted(ARCHITECTURES), choices=sorted(ARCHITECTURES))
    parser.add_argument("--frames", type=int, default=40, help="tracked frames per measurement (default 40)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "output" / "bench")
    parser.add_argument("--no-trax", action="store_true", help="skip the TraX measurements")
    args = parser.parse_args(argv)
    if args.frames < 4:
        parser.error("--frames must be at least 4")
    device = resolve_device(args.device)
    args.out.mkdir(parents=True, exist_ok=True)

    report: dict = {"machine": {"cpu": cpu_name(), "threads": torch.get_num_threads(), "torch": torch.__version__,
                                "device": str(device), "gmac_per_s": matmul_rate(device)},
                    "models": []}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        paths, region = write_frames(scratch / "vga" / "seq", 640, 480, args.frames + 1)
        weights = {model: weights_for(model, args.out / "standin_weights") for model in args.models}
        report["real_weights"] = all(real for _, real in weights.values())
        configs = {model: REPOSITORY / "models" / model / "config.yaml" for model in args.models}
        if "siammargin" in args.models:
            # First, while no network has run in this process (oneDNN caches its kernels per
            # process, so a later "cold" tracker would not be cold).
            print("[bench] siammargin: first use", file=sys.stderr)
            report["first_use"] = first_use(configs["siammargin"], weights["siammargin"][0], str(device),
                                            paths, region)
        for model in args.models:
            config, (checkpoint, _) = configs[model], weights[model]
            for size in load_config(config).tracker.instance_sizes():
                print(f"[bench] {model} @ {size}", file=sys.stderr)
                row = compare_paths(config, checkpoint, str(device), paths, region, size)
                gmac = search_macs(model, size)
                row.update(model=model, search_size=size, gmac=gmac,
                           floor_ms=1000 * gmac / report["machine"]["gmac_per_s"])
                report["models"].append(row)
            if model == "siammargin":
                print("[bench] siammargin: outside the network", file=sys.stderr)
                report["outside_network"] = outside_network(config, checkpoint, str(device), scratch,
                                                            args.frames + 1)
        if not args.no_trax and "siammargin" in args.models:
            print("[bench] siammargin through TraX", file=sys.stderr)
            trax = through_trax(configs["siammargin"], weights["siammargin"][0], scratch / "vga" / "seq",
                                str(device), scratch)
            trax.update(tracker="siammargin", resolution="640x480")
            report["trax"] = trax
    (args.out / "bench.json").write_text(json.dumps(report, indent=1))
    plot(report, args.out / "latency.png")
    print(format_report(report))
    print(f"\nwrote {args.out / 'bench.json'} and {args.out / 'latency.png'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
