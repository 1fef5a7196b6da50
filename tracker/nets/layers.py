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
    """Correlates each search channel with its own kernel channel(s).

    search: (1, C, H, W); kernel: (1, k·C, h, w). Output channel o uses search channel o // k
    (k = 1: pysot's depthwise xcorr; k = 2: SiamMargin's cls head with its 512-channel kernel).
    """
    channels = search.size(1)
    weight = kernel.reshape(-1, 1, kernel.size(2), kernel.size(3))
    return F.conv2d(search, weight, groups=channels)


def center_crop(features: torch.Tensor, size: int) -> torch.Tensor:
    """Central size×size window of a feature map (the neck's crop of small template features)."""
    start = (features.size(3) - size) // 2
    return features[:, :, start:start + size, start:start + size]


def channel_correlation_split(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """channel_correlation computed as k plain depthwise correlations, interleaved back: the same
    sums, but oneDNN runs a channel multiplier of 2 (SiamMargin's cls head) ~8× slower than two
    multipliers of 1. The fast path uses it."""
    channels = search.size(1)
    multiplier = kernel.size(1) // channels
    if multiplier == 1:
        return channel_correlation(search, kernel)
    weight = kernel.reshape(channels, multiplier, 1, kernel.size(2), kernel.size(3))
    parts = [F.conv2d(search, weight[:, j], groups=channels) for j in range(multiplier)]
    stacked = torch.stack(parts, dim=2)  # (1, C, k, H, W): output channel c·k + j
    return stacked.reshape(1, channels * multiplier, stacked.size(3), stacked.size(4))
