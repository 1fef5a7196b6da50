"""SiamMargin and SiamRPN++ trackers. The public entry point is `load_tracker`.

    from tracker import load_tracker
    t = load_tracker("models/siammargin/config.yaml", weights="models/siammargin/model.pth")
    t.init(image, region)    # image: H×W×3 uint8 BGR; region: (x, y, w, h) or polygon x0, y0, x1, y1, …
    r = t.track(image)       # r.bbox: (x, y, w, h) floats, 0-based; r.score: float
"""
from __future__ import annotations

import logging
import os

import torch

from .zoo.checkpoint import load_weights
from .config import Config, load_config
from .errors import CheckpointError, ConfigError, DeviceError, ImageError, RegionError, TrackerError
from .zoo.registry import build_network
from .core.network_runner import NetworkRunner
from .core.siamese_tracker import SiameseTracker, TrackResult

__all__ = ["load_tracker", "SiameseTracker", "TrackResult", "Config", "load_config", "TrackerError",
           "ConfigError", "CheckpointError", "ImageError", "RegionError", "DeviceError"]


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


def load_tracker(config_path: str | os.PathLike, weights: str | os.PathLike, device: str = "cpu",
                 exact: bool = False, warm_up: bool | None = None) -> SiameseTracker:
    """Builds a tracker from a config (ours or pysot's config.yaml) and a checkpoint.

    exact=True keeps the published code's arithmetic (separate BatchNorm layers, NCHW memory);
    the default folds BatchNorm into the convolutions, uses channels-last memory, fuses each
    convolution with its activation on the CPU and replays CUDA graphs on a GPU; its network
    outputs agree with exact within 3e-4 relative (tests/test_fast_path.py says why).

    warm_up: run `tracker.warm_up()` before returning (every input shape once on a synthetic
    frame). Default: on CUDA, where that is also when cuDNN autotunes and the CUDA graphs are
    captured; on the CPU it only moves one-off costs off the first frames. A CUDA tracker that
    is not warmed up never captures on a live frame: it runs without graphs (slower, and its
    first frames pay for cuDNN's autotuning) until `warm_up()` is called.
    """
    config = load_config(config_path)
    torch_device = resolve_device(device)
    network = build_network(config.architecture)
    load_weights(network, weights, config.architecture)
    runner = NetworkRunner(network, torch_device, exact, config.tracker.instance_sizes())
    tracker = SiameseTracker(runner, config.tracker)
    if torch_device.type == "cuda" if warm_up is None else warm_up:
        tracker.warm_up()
    elif torch_device.type == "cuda":
        logging.getLogger(__name__).warning(
            "CUDA tracker loaded without warm-up: it runs without CUDA graphs and its first frames "
            "pay for cuDNN's autotuning until warm_up() is called")
    return tracker
