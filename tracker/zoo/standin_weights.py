"""Deterministic stand-in weights, for running the whole chain before the real checkpoints are
downloaded. THEIR RESULTS ARE MEANINGLESS: random weights track nothing.

Every tensor is drawn from a NumPy generator seeded by (seed, crc32(key)) — He-normal conv
weights scaled by 0.9, small biases, BN affine near identity — so the same seed gives the same
file on any machine. BatchNorm running statistics are then
measured on calibration images (random ones would make activations explode).

    python -m tracker.zoo.standin_weights OUT_DIR [--models siammargin ...] [--calibration IMAGES_DIR]
"""
from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..core.images import read_image
from .registry import build_network, model_names

GAIN = 0.9
WARNING = ("stand-in weights: random, deterministic, and meaningless — EAO, accuracy and "
           "failures computed with them say nothing about the tracker")


def _draw(key: str, shape: tuple, seed: int, module: nn.Module, name: str) -> torch.Tensor:
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    normal = rng.standard_normal(shape)
    if isinstance(module, nn.Conv2d) and name == "weight":
        values = normal * GAIN * np.sqrt(2.0 / int(np.prod(shape[1:])))
    elif isinstance(module, nn.Conv2d):
        values = 0.05 * normal
    elif isinstance(module, nn.BatchNorm2d) and name == "weight":
        values = 1.0 + 0.1 * normal
    elif key.endswith(("cls_weight", "loc_weight")):
        values = normal
    else:
        values = 0.1 * normal
    return torch.from_numpy(values.astype(np.float32))


def _calibration_pairs(images: list[np.ndarray]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(template 127², search 255²) views of each image (or of seeded noise)."""
    import cv2
    if not images:
        rng = np.random.default_rng(0)
        images = [rng.integers(0, 256, (240, 320, 3), dtype=np.uint8) for _ in range(4)]

    def view(image: np.ndarray, size: int) -> torch.Tensor:
        patch = cv2.resize(image, (size, size))
        return torch.from_numpy(patch).permute(2, 0, 1).unsqueeze(0).float()
    return [(view(image, 127), view(image, 255)) for image in images]


@torch.no_grad()
def make_state_dict(architecture: str, seed: int, images: list[np.ndarray]) -> dict[str, torch.Tensor]:
    network = build_network(architecture)
    modules = dict(network.named_modules())
    for key, tensor in list(network.state_dict().items()):
        owner, _, name = key.rpartition(".")
        if name in ("weight", "bias") or key.endswith(("cls_weight", "loc_weight")):
            tensor.copy_(_draw(key, tuple(tensor.shape), seed, modules.get(owner), name))
    # Measure BN statistics: cumulative averages over the calibration inputs, in train mode.
    for module in network.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None
    network.train()
    for template, search in _calibration_pairs(images):
        kernels, _ = network.template(template)
        network.search(search, kernels)
    network.eval()
    return network.state_dict()


def write_checkpoint(out: Path, architecture: str, seed: int = 1, images: list[np.ndarray] = ()) -> Path:
    """Writes OUT/<architecture>/model.pth ({"state_dict": …}, as the real files); returns its path."""
    target = out / architecture / "model.pth"
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": make_state_dict(architecture, seed, list(images))}, target)
    return target


def calibration_images(folder: Path, count: int = 8) -> list[np.ndarray]:
    """Up to `count` JPEG frames spread over a dataset folder, for the BN statistics."""
    paths = sorted(folder.rglob("*.jpg"))
    return [read_image(str(p)) for p in paths[:: max(1, len(paths) // count)][:count]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output folder; writes OUT/<model>/model.pth")
    parser.add_argument("--models", nargs="+", default=model_names(), choices=model_names())
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--calibration", type=Path,
                        help="folder of images for BN statistics (default: seeded noise)")
    args = parser.parse_args(argv)
    images = calibration_images(args.calibration) if args.calibration else []
    print(f"WARNING: {WARNING}", file=sys.stderr)
    for model in args.models:
        print(f"wrote {write_checkpoint(args.out, model, args.seed, images)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
