"""The training forward pass: a batch of (template, search) pairs through a single-level
Siamese network (anchor head) or NanoTrack's (point head), returning cls and loc maps and the cls
correlation map.

It runs the inference network itself (its `template`, its `extract` and its heads' forward, all
of which take a batch of pairs), so the weights it trains load unchanged into `load_tracker` and
compute there what they computed here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..nets import SiameseNetwork
from ..nets.nanotrack import NanoTrackNet


@dataclass
class PairOutputs:
    cls: torch.Tensor          # (B, 2A, n, n): background logits, then foreground (A = 1: points)
    loc: torch.Tensor          # (B, 4A, n, n): anchor offsets, or a point's (l, t, r, b) distances
    correlation: torch.Tensor  # (B, C', n, n): the cls head's correlation map, before its head


def to_tensor(images: list[np.ndarray], device: torch.device) -> torch.Tensor:
    """uint8 H×W×3 BGR crops → float (B, 3, H, W), 0–255, as the tracker feeds the network."""
    return torch.from_numpy(np.stack(images)).to(device).permute(0, 3, 1, 2).float()


def forward_pairs(network: SiameseNetwork, templates: torch.Tensor, searches: torch.Tensor) -> PairOutputs:
    if isinstance(network, NanoTrackNet):  # a point head: cls (B, 2, n, n), loc (B, 4, n, n) distances
        kernels, _ = network.template(templates)
        return PairOutputs(*network.ban_head.forward_with_correlation(kernels, network.extract(searches)[0]))
    levels = network.levels()
    if len(levels) != 1:
        raise ValueError("training supports single-level networks (one RPN), "
                         f"this one has {len(levels)} levels")
    rpn = levels[0]
    kernels, _ = network.template(templates)
    search_features = network.extract(searches)[0]
    cls, correlation = rpn.cls.forward_with_correlation(kernels.cls[0], search_features)
    loc = rpn.loc(kernels.loc[0], search_features)
    return PairOutputs(cls, loc, correlation)
