"""The training forward pass: a batch of (template, search) pairs through a single-level
Siamese network, returning cls and loc maps and the cls correlation map.

It uses the inference network's own modules (extract, make_kernel, conv_search, head), so the
weights it trains load unchanged into `load_tracker`; only the correlation is batched (one grouped
convolution for the whole batch instead of one call per pair).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..nets import SiameseNetwork


@dataclass
class PairOutputs:
    cls: torch.Tensor          # (B, 2A, n, n): background logits, then foreground
    loc: torch.Tensor          # (B, 4A, n, n)
    correlation: torch.Tensor  # (B, C', n, n): the cls head's correlation map, before its head


def batched_correlation(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """`channel_correlation` for a batch: search (B, C, H, W), kernel (B, k·C, h, w); output
    channel o of pair b uses search channel o // k of pair b with kernel channel o of pair b."""
    batch, channels, height, width = search.shape
    weight = kernel.reshape(-1, 1, kernel.size(2), kernel.size(3))
    out = F.conv2d(search.reshape(1, batch * channels, height, width), weight, groups=batch * channels)
    return out.reshape(batch, kernel.size(1), out.size(2), out.size(3))


def to_tensor(images: list[np.ndarray], device: torch.device) -> torch.Tensor:
    """uint8 H×W×3 BGR crops → float (B, 3, H, W), 0–255, as the tracker feeds the network."""
    return torch.from_numpy(np.stack(images)).to(device).permute(0, 3, 1, 2).float()


def forward_pairs(network: SiameseNetwork, templates: torch.Tensor, searches: torch.Tensor) -> PairOutputs:
    levels = network.levels()
    if len(levels) != 1:
        raise ValueError("training supports single-level networks (one RPN), "
                         f"this one has {len(levels)} levels")
    rpn = levels[0]
    template_features = network.extract(templates)[0]
    search_features = network.extract(searches)[0]
    correlation = batched_correlation(rpn.cls.conv_search(search_features), rpn.cls.make_kernel(template_features))
    cls = rpn.cls.head(correlation)
    loc_correlation = batched_correlation(rpn.loc.conv_search(search_features), rpn.loc.make_kernel(template_features))
    loc = rpn.loc.head(loc_correlation)
    return PairOutputs(cls, loc, correlation)
