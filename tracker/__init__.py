"""SiamMargin and SiamRPN++ trackers. The public entry point is `load_tracker`.

    from tracker import load_tracker
    t = load_tracker("siammargin_tiny")  # a registered model by name: its config and its own weights
    t = load_tracker("models/siammargin/config.yaml", weights="models/siammargin/model.pth")  # or files
    t.init(image, region)    # image: H×W×3 uint8 BGR; region: (x, y, w, h) or polygon x0, y0, x1, y1, …
    r = t.track(image)       # r.bbox: (x, y, w, h) floats, 0-based; r.score: float

Importing this package before torch sets OMP_WAIT_POLICY=PASSIVE in os.environ (unless the user
set OMP_WAIT_POLICY or GOMP_SPINCOUNT): OpenMP reads it once, when torch loads it, and it keeps a
tracker step from collapsing when the cores are shared, at some cost on an idle machine
(tracker/core/threads.py says why). Its only other import-time effect is importing torch.
"""
from __future__ import annotations

import logging
import os

from .core.threads import set_threads, use_wait_policy

use_wait_policy()  # before `import torch`: libgomp reads its wait policy once, when loaded

import torch  # noqa: E402  (after use_wait_policy, on purpose)

from .zoo.checkpoint import load_weights
from .zoo.paths import model_files
from .config import Config, load_config
from .errors import (BackendError, CheckpointError, ConfigError, DeviceError, ImageError, RegionError,
                     TrackerError)
from .zoo.registry import build_network
from .core.network_runner import NetworkRunner
from .core.siamese_tracker import SiameseTracker, TrackResult

__all__ = ["load_tracker", "SiameseTracker", "TrackResult", "Config", "load_config", "TrackerError",
           "ConfigError", "CheckpointError", "ImageError", "RegionError", "DeviceError", "BackendError"]


def resolve_device(device: str | torch.device) -> torch.device:
    """A torch.device for "cpu", "cuda" or "cuda:N", checked to exist on this machine."""
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise DeviceError(f"unknown device {device!r}; use 'cpu', 'cuda' or 'cuda:N'") from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {device!r} requested but CUDA is not available on this machine "
                              "(no GPU, or a CPU-only PyTorch build); use device='cpu'")
        index = resolved.index or 0
        if index >= torch.cuda.device_count():
            raise DeviceError(f"device {device!r} requested but only {torch.cuda.device_count()} "
                              "CUDA device(s) exist")
    elif resolved.type != "cpu":
        raise DeviceError(f"unsupported device {device!r}; use 'cpu', 'cuda' or 'cuda:N'")
    return resolved


def load_tracker(model_or_config: str | os.PathLike, weights: str | os.PathLike | None = None,
                 device: str = "cpu", exact: bool = False, warm_up: bool | None = None,
                 threads: int | None = None, backend: str = "torch") -> SiameseTracker:
    """Builds a tracker from a config and a checkpoint.

    model_or_config: a registered model's name (tracker.zoo.registry; e.g. "siammargin_tiny"),
    meaning the config it ships with (models/<name>/config.yaml), or the path of a config file
    (ours or pysot's config.yaml).
    weights: a checkpoint file; needed with a config file. For a model name it defaults to the
    model's own weights (tracker.zoo.paths.weights_of): our committed ones (siammargin_tiny) ship
    with the package; a published model's downloaded ones are $SIAMMARGIN_WEIGHTS/<name>/model.pth
    when that variable is set, else models/<name>/model.pth in a source checkout, or, installed,
    ~/.cache/siammargin/weights/<name>/model.pth ($XDG_CACHE_HOME/siammargin/weights/…). Missing
    weights raise CheckpointError saying how to download them.

    exact=True keeps the published code's arithmetic (separate BatchNorm layers, NCHW memory);
    the default folds BatchNorm into the convolutions, uses channels-last memory, fuses each
    convolution with its activation on the CPU and replays CUDA graphs on a GPU; its network
    outputs agree with exact within 3e-4 relative (tests/test_fast_path.py says why).

    warm_up: run `tracker.warm_up()` before returning (every input shape once on a synthetic
    frame). Default: on CUDA, where that is also when cuDNN autotunes and the CUDA graphs are
    captured; on the CPU it only moves one-off costs off the first frames. A CUDA tracker that
    is not warmed up never captures on a live frame: it runs without graphs (slower, and its
    first frames pay for cuDNN's autotuning) until `warm_up()` is called.

    threads: PyTorch's intra-op thread count, set for the whole process (every tracker in it
    shares one pool). Default None leaves it as it is: PyTorch's, one per physical core, or the
    user's OMP_NUM_THREADS (tracker/core/threads.py has the policy and why).

    backend: what runs the network on the CPU: "torch" (default) or "onnxruntime", the fast
    path's own network exported to ONNX at load (the template and one graph per search size; the
    online update's kernels stay on torch), in ONNX Runtime sessions with the thread count in effect (tracker/core/onnx_runtime.py; needs the
    onnxruntime package, setup.cfg's `onnx` extra). Not with device cuda or exact=True.
    """
    threads_in_effect = set_threads(threads)
    config_file, weights_file = model_files(model_or_config, weights)
    config = load_config(config_file)
    torch_device = resolve_device(device)
    network = build_network(config.architecture)
    load_weights(network, weights_file, config.architecture)
    runner = NetworkRunner(network, torch_device, exact, config.tracker.instance_sizes(), backend=backend,
                           threads=threads_in_effect, template_side=config.tracker.exemplar_size)
    tracker = SiameseTracker(runner, config.tracker)
    if torch_device.type == "cuda" if warm_up is None else warm_up:
        tracker.warm_up()
    elif torch_device.type == "cuda":
        logging.getLogger(__name__).warning(
            "CUDA tracker loaded without warm-up: it runs without CUDA graphs and its first frames "
            "pay for cuDNN's autotuning until warm_up() is called")
    return tracker
