"""Small building blocks shared by the networks: conv+BN stacks and the correlation."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn(in_channels: int, out_channels: int, kernel_size: int, *, stride: int = 1,
            padding: int = 0, dilation: int = 1, groups: int = 1, relu: nn.Module | None = None) -> nn.Sequential:
    """Conv (no bias) + BatchNorm [+ activation], indexed 0, 1[, 2] as in the published checkpoints."""
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                  dilation=dilation, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels),
    ]
    if relu is not None:
        layers.append(relu)
    return nn.Sequential(*layers)


def channel_correlation(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Correlates each search channel with its own kernel channel(s), pair by pair.

    search: (B, C, H, W); kernel: (B, k·C, h, w), pair b's kernel in row b. Output channel o of
    pair b uses search channel o // k of pair b (k = 1: pysot's depthwise xcorr; k = 2:
    SiamMargin's cls head with its 512-channel kernel). The tracker runs B = 1, training B pairs.
    """
    batch = search.size(0)
    weight = kernel.reshape(-1, 1, kernel.size(2), kernel.size(3))
    out = F.conv2d(_pairs_as_one_image(search), weight, groups=batch * search.size(1))
    return out.reshape(batch, kernel.size(1), out.size(2), out.size(3))


def _pairs_as_one_image(search: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → (1, B·C, H, W): every pair's channels side by side, so that one grouped
    convolution correlates each with its own kernel channel(s) (a no-op for B = 1)."""
    return search.reshape(1, -1, search.size(2), search.size(3))


def center_crop(features: torch.Tensor, size: int) -> torch.Tensor:
    """Central size×size window of a feature map (the neck's crop of small template features)."""
    start = (features.size(3) - size) // 2
    return features[:, :, start:start + size, start:start + size]


def channel_correlation_split(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """channel_correlation computed as k plain depthwise correlations, interleaved back: the same
    sums, but oneDNN runs a channel multiplier of 2 (SiamMargin's cls head) ~8× slower than two
    multipliers of 1. The fast path uses it."""
    batch, channels = search.size(0), search.size(1)
    multiplier = kernel.size(1) // channels
    if multiplier == 1:
        return channel_correlation(search, kernel)
    weight = kernel.reshape(batch * channels, multiplier, 1, kernel.size(2), kernel.size(3))
    image = _pairs_as_one_image(search)
    parts = [F.conv2d(image, weight[:, j], groups=batch * channels) for j in range(multiplier)]
    stacked = torch.stack(parts, dim=2)  # (1, B·C, k, H, W): output channel c·k + j of each pair
    return stacked.reshape(batch, channels * multiplier, stacked.size(3), stacked.size(4))
