"""Our NanoTrack step beside OpenCV's `cv2.TrackerNano.update()`, on the same frames, in one run.

OpenCV's TrackerNano runs the published NanoTrack v2 network exported to ONNX (a backbone file and
a neck+head file; ../shared/weights/nanotrack/README.md). It is the reference of every row: our
v1, v2 and v3, exact and fast path, each against OpenCV's v2 step measured in the same frames'
loop. Both steps cover the same work: crop, network, decoding, box update (decoding the JPEG is
outside both). With backend onnxruntime, a third row per model runs the fast path's network in
ONNX Runtime (tracker/core/onnx_runtime.py), beside torch's fast path in the same frames' loop.

Shared cores: every tracker steps once per frame in turn (ours and OpenCV's, interleaved), so a
burst of load from other processes falls on all of them alike; the whole pass is repeated, and
the machine's load average is recorded before and after each thread count. The thread count is
the same on both sides (`torch.set_num_threads` and `cv2.setNumThreads`), measured at 1 and 2.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np

from ..core.images import read_image
from ..core.threads import set_threads
from ..zoo.registry import MODELS
from .phases import make_tracker, statistics

ONNX_FILES = {"backbone": "nanotrack_backbone_sim_v2.onnx", "neckhead": "nanotrack_head_sim_v2.onnx"}
# The NanoTrack family (point heads): NanoTrack v1-v3 and SiamMargin-nano.
NANOTRACK_MODELS = tuple(name for name, model in MODELS.items() if model.head == "points")
# Our rows: name → (exact, backend) as load_tracker takes them.
PATHS = {"exact": (True, "torch"), "fast": (False, "torch")}
ONNX_PATHS = {**PATHS, "onnxruntime": (False, "onnxruntime")}


def opencv_unavailable(onnx_folder: Path) -> str | None:
    """Why OpenCV's TrackerNano cannot run here (one line), or None when it can."""
    if not hasattr(cv2, "TrackerNano"):
        return f"OpenCV {cv2.__version__} has no cv2.TrackerNano (it came with OpenCV 4.7)"
    missing = [name for name in ONNX_FILES.values() if not (onnx_folder / name).is_file()]
    if missing:
        return (f"{' and '.join(missing)} not found in {onnx_folder}; give the folder holding "
                f"NanoTrack v2's ONNX pair with --nano-onnx FOLDER")
    return None


def opencv_tracker(onnx_folder: Path) -> cv2.Tracker:
    params = cv2.TrackerNano_Params()
    params.backbone = str(onnx_folder / ONNX_FILES["backbone"])
    params.neckhead = str(onnx_folder / ONNX_FILES["neckhead"])
    return cv2.TrackerNano_create(params)


def compare_with_opencv(configs: dict[str, Path], weights: dict[str, Path], paths: list[Path], region: tuple,
                        onnx_folder: Path, threads: tuple[int, ...] = (1, 2), repeats: int = 2,
                        backend: str = "torch") -> dict:
    """Step times (ms) of our `configs` (model → config; exact and fast path, and with `backend`
    onnxruntime the fast path in ONNX Runtime too) and of OpenCV's
    TrackerNano, interleaved frame by frame, per thread count (the first is the headline: one
    thread each side, where a ~100-op network pays no thread wake-ups; docs/performance.md);
    `report["skipped"]` says why OpenCV did not run (our rows are then still measured, without
    ratios)."""
    skipped = opencv_unavailable(onnx_folder)
    paths_measured = ONNX_PATHS if backend == "onnxruntime" else PATHS
    frames = [read_image(str(path)) for path in paths]  # decoded once: both sides get the same arrays
    box = tuple(int(round(v)) for v in region)
    result: dict = {"onnx_folder": str(onnx_folder), "skipped": skipped, "repeats": repeats,
                    "headline_threads": threads[0], "by_threads": {}}
    for count in threads:
        set_threads(count)
        cv2.setNumThreads(count)
        load_before = os.getloadavg()
        ours = {(model, path): make_tracker(config, weights[model], "cpu", exact, backend=path_backend)
                for model, config in configs.items() for path, (exact, path_backend) in paths_measured.items()}
        times: dict = {key: [] for key in ours}
        opencv_times: list[float] = []
        for _ in range(repeats):
            for tracker in ours.values():
                tracker.init(frames[0], region)
            opencv = None if skipped else opencv_tracker(onnx_folder)
            if opencv is not None:
                opencv.init(frames[0], box)
            for frame in frames[1:]:
                for key, tracker in ours.items():
                    start = time.perf_counter()
                    tracker.track(frame)
                    times[key].append(1000 * (time.perf_counter() - start))
                if opencv is not None:
                    start = time.perf_counter()
                    opencv.update(frame)
                    opencv_times.append(1000 * (time.perf_counter() - start))
        row: dict = {"load_before": list(load_before), "load_after": list(os.getloadavg()),
                     "opencv": _summary(opencv_times) if opencv_times else None, "models": {}}
        for model in configs:
            row["models"][model] = {}
            for path in paths_measured:
                cell = _summary(times[(model, path)])
                if row["opencv"] is not None:
                    cell["over_opencv"] = cell["median"] / row["opencv"]["median"]
                row["models"][model][path] = cell
        result["by_threads"][str(count)] = row
    return result


def _summary(steps_ms: list[float]) -> dict:
    return {**statistics(steps_ms), "steps_ms": steps_ms}


def format_opencv_nano(result: dict) -> list[str]:
    """The table's section: per thread count, OpenCV's step and each of ours with the ratio."""
    lines = [f"NanoTrack beside OpenCV's cv2.TrackerNano.update() (v2 ONNX), same frames interleaved, "
             f"{result['repeats']} passes (ms per step, median; ratio ours/OpenCV):"]
    if result["skipped"]:
        lines.append(f"  OpenCV TrackerNano not run: {result['skipped']}")
    for count, row in result["by_threads"].items():
        load = f"load {row['load_before'][0]:.2f} → {row['load_after'][0]:.2f}"
        opencv = f"OpenCV {row['opencv']['median']:.1f} (p90 {row['opencv']['p90']:.1f})" if row["opencv"] else "OpenCV —"
        headline = ", headline" if count == str(result["headline_threads"]) else ""
        lines.append(f"  {count} thread{'s' if count != '1' else ''} ({load}{headline}): {opencv}")
        for model, cells in row["models"].items():
            parts = [f"{path} {cell['median']:.1f}" + (f" ({cell['over_opencv']:.2f}×)" if "over_opencv" in cell else "")
                     for path, cell in cells.items()]
            lines.append(f"    {model:<16}" + "   ".join(parts))
    return lines


def plot_opencv_nano(result: dict, path: Path) -> None:
    """Median step per tracker and thread count, OpenCV's as a dashed line per panel."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["by_threads"]
    fig, axes = plt.subplots(1, len(rows), figsize=(5 * len(rows), 3.2), squeeze=False)
    for axis, (count, row) in zip(axes[0], rows.items()):
        cells = [(model, path, cell) for model, by_path in row["models"].items() for path, cell in by_path.items()]
        labels = [f"{model.replace('nanotrack_', '')} {path}" for model, path, _ in cells]
        values = [cell["median"] for _, _, cell in cells]
        colours = {"exact": "tab:gray", "fast": "tab:blue", "onnxruntime": "tab:green"}
        axis.bar(np.arange(len(values)), values, color=[colours[path] for _, path, _ in cells])
        axis.set_xticks(np.arange(len(values)), labels, fontsize=7, rotation=30)
        if row["opencv"]:
            axis.axhline(row["opencv"]["median"], color="tab:red", linestyle="--",
                         label=f"OpenCV TrackerNano {row['opencv']['median']:.1f} ms")
            axis.legend(fontsize=7)
        axis.set_title(f"{count} thread(s), load {row['load_before'][0]:.1f}", fontsize=9)
        axis.set_ylabel("ms / step (median)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
