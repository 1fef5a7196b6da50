"""The benchmark command: `python -m tracker.bench` (scripts/bench); see tracker/bench/__init__.py."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch

from .. import resolve_device
from ..config import load_config
from ..errors import CheckpointError
from ..zoo.registry import model_names
from ..zoo.paths import MODELS_FOLDER, REPOSITORY, require_checkout, weights_of, weights_path
from ..zoo.standin_weights import write_checkpoint
from ..core.backends import BACKENDS
from ..core.threads import set_threads
from . import __doc__ as DESCRIPTION
from .contention import MODEL as CONTENTION_MODEL, contention
from .first_use import first_use
from .frames import write_frames
from .machine import cpu_name, matmul_rate
from .macs import search_macs
from .opencv_nano import NANOTRACK_MODELS, compare_with_opencv, plot_opencv_nano
from .report import format_report, plot
from .steps import compare_paths, outside_network
from .trax_run import time_trax_server


def weights_for(model: str, standin_folder: Path) -> tuple[Path, bool]:
    """(checkpoint, is_real): the real one where the TraX server would find it (weights_of),
    else a stand-in checkpoint written once into `standin_folder`."""
    try:
        return weights_of(model), True
    except CheckpointError:
        path = standin_folder / model / "model.pth"
        return (path if path.is_file() else write_checkpoint(standin_folder, model)), False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=DESCRIPTION.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=model_names(), choices=model_names())
    parser.add_argument("--frames", type=int, default=40, help="tracked frames per measurement (default 40)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "output" / "bench")
    parser.add_argument("--no-trax", action="store_true", help="skip the TraX measurements")
    parser.add_argument("--no-contention", action="store_true",
                        help=f"skip the shared-cores measurement ({CONTENTION_MODEL} beside a competing process)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="intra-op threads of this process's measurements (default: PyTorch's)")
    parser.add_argument("--backend", default="torch", choices=BACKENDS,
                        help="what runs the fast path's network in the exact-against-fast rows (default "
                             "torch); with onnxruntime, NanoTrack beside OpenCV shows torch's fast path "
                             "and ONNX Runtime's side by side (the TraX, first-use and contention "
                             "measurements stay on torch)")
    parser.add_argument("--nano-onnx", type=Path, metavar="FOLDER",
                        help="folder of NanoTrack v2's ONNX pair for OpenCV's TrackerNano "
                             "(default: nanotrack_v2's weights folder)")
    args = parser.parse_args(argv)
    require_checkout("the benchmark (scripts/bench)")
    if args.frames < 4:
        parser.error("--frames must be at least 4")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    device = resolve_device(args.device)
    if args.backend == "onnxruntime" and device.type != "cpu":
        parser.error("--backend onnxruntime runs on the CPU only: use --device cpu")
    set_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)

    report: dict = {"machine": {"cpu": cpu_name(), "threads": torch.get_num_threads(), "torch": torch.__version__,
                                "device": str(device), "gmac_per_s": matmul_rate(device),
                                "backend": args.backend},
                    "models": []}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        paths, region = write_frames(scratch / "vga" / "seq", 640, 480, args.frames + 1)
        weights = {model: weights_for(model, args.out / "standin_weights") for model in args.models}
        report["real_weights"] = all(real for _, real in weights.values())
        configs = {model: MODELS_FOLDER / model / "config.yaml" for model in args.models}
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
                row = compare_paths(config, checkpoint, str(device), paths, region, size, args.backend)
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
            trax = time_trax_server(configs["siammargin"], weights["siammargin"][0], scratch / "vga" / "seq",
                                    str(device), scratch)
            trax.update(tracker="siammargin", resolution="640x480")
            report["trax"] = trax
        if not args.no_contention and CONTENTION_MODEL in args.models:
            print(f"[bench] {CONTENTION_MODEL}: alone and beside a competing process", file=sys.stderr)
            report["contention"] = contention(configs[CONTENTION_MODEL], weights[CONTENTION_MODEL][0],
                                              str(device), scratch, args.frames)
        nanotrack = {m: configs[m] for m in args.models if m in NANOTRACK_MODELS}
        if nanotrack and device.type == "cpu":
            print("[bench] NanoTrack beside OpenCV's TrackerNano, 1 and 2 threads", file=sys.stderr)
            report["opencv_nano"] = compare_with_opencv(
                nanotrack, {m: weights[m][0] for m in nanotrack}, paths, region,
                args.nano_onnx or weights_path("nanotrack_v2").parent, backend=args.backend)
            set_threads(report["machine"]["threads"])  # (the comparison set its own)
            plot_opencv_nano(report["opencv_nano"], args.out / "opencv_nano.png")
    (args.out / "bench.json").write_text(json.dumps(report, indent=1))
    plot(report, args.out / "latency.png")
    print(format_report(report))
    print(f"\nwrote {args.out / 'bench.json'} and {args.out / 'latency.png'}", file=sys.stderr)
    return 0
