"""Necks and RPN heads: pysot's AdjustLayer / DepthwiseXCorr / MultiRPN and SiamMargin's cls head.

Every correlation head exposes the same two steps, so kernels can be computed once per template
(and replaced by the online update) instead of every frame:
    kernel = head.make_kernel(template_features)
    output = head(kernel, search_features)
Both take a batch of pairs: the tracker runs one, training many (tracker/training/model.py).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import center_crop, channel_correlation, conv_bn

TEMPLATE_FEATURE_SIZE = 7  # the neck's crop of template features wider than this (15 → 7)


class AdjustLayer(nn.Module):
    """1×1 conv + BN to 256 channels; template-sized maps (< 20 wide) are centre-cropped to 7."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.downsample = conv_bn(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.downsample(x)
        return center_crop(x, TEMPLATE_FEATURE_SIZE) if x.size(3) < 20 else x


class AdjustAllLayer(nn.Module):
    """One AdjustLayer per backbone level, named downsample2, downsample3, ... as in pysot."""

    def __init__(self, in_channels: list[int], out_channels: list[int]):
        super().__init__()
        self.names = [f"downsample{i + 2}" for i in range(len(in_channels))]
        for name, cin, cout in zip(self.names, in_channels, out_channels):
            self.add_module(name, AdjustLayer(cin, cout))

    def forward(self, features: list[torch.Tensor]) -> list[torch.Tensor]:
        return [getattr(self, name)(f) for name, f in zip(self.names, features)]


def _head(hidden_in: int, hidden: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(hidden_in, hidden, kernel_size=1, bias=False), nn.BatchNorm2d(hidden),
        nn.ReLU(inplace=True), nn.Conv2d(hidden, out_channels, kernel_size=1))


class CorrelationHead(nn.Module):
    """A correlation head: `conv_kernel` makes the kernel from template features (once per
    template), `conv_search` adapts the search features, `correlation` correlates the two channel
    by channel, and `head` turns the correlation map into the output. Subclasses make the three
    modules; every step works on a batch of pairs (B templates' kernels, B searches)."""

    def __init__(self):
        super().__init__()
        # The fast path swaps in channel_correlation_split where it is faster (nets/fusion.py).
        self.correlation = channel_correlation

    def make_kernel(self, template_features: torch.Tensor) -> torch.Tensor:
        return self.conv_kernel(template_features)

    def forward_with_correlation(self, kernel: torch.Tensor,
                                 search_features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The output and the correlation map it is computed from (training's ranking loss reads it)."""
        correlation = self.correlation(self.conv_search(search_features), kernel)
        return self.head(correlation), correlation

    def forward(self, kernel: torch.Tensor, search_features: torch.Tensor) -> torch.Tensor:
        return self.forward_with_correlation(kernel, search_features)[0]


class DepthwiseXCorr(CorrelationHead):
    """pysot's depthwise correlation head (also SiamMargin's loc head)."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int):
        super().__init__()
        self.conv_kernel = conv_bn(in_channels, hidden, 3, relu=nn.ReLU(inplace=True))
        self.conv_search = conv_bn(in_channels, hidden, 3, relu=nn.ReLU(inplace=True))
        self.head = _head(hidden, hidden, out_channels)


class MarginClsHead(CorrelationHead):
    """SiamMargin's cls head: a plain 3×3 conv makes a 2×-wide kernel (512 channels), so that each
    search channel meets two kernel channels; no BN or ReLU before the correlation."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int):
        super().__init__()
        self.conv_kernel = nn.Sequential(nn.Conv2d(in_channels, 2 * hidden, 3, bias=False))
        self.conv_search = nn.Sequential(nn.Conv2d(in_channels, hidden, 3, bias=False))
        self.head = _head(2 * hidden, hidden, out_channels)


class DepthwiseRPN(nn.Module):
    """One level: a cls head (2 scores per anchor) and a loc head (4 offsets per anchor)."""

    def __init__(self, anchor_num: int = 5, in_channels: int = 256, out_channels: int = 256,
                 margin_cls: bool = False):
        super().__init__()
        cls_type = MarginClsHead if margin_cls else DepthwiseXCorr
        self.cls = cls_type(in_channels, out_channels, 2 * anchor_num)
        self.loc = DepthwiseXCorr(in_channels, out_channels, 4 * anchor_num)

    def levels(self) -> list["DepthwiseRPN"]:
        return [self]

    def fuse(self, cls: list[torch.Tensor], loc: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        return cls[0], loc[0]


class MultiRPN(nn.Module):
    """pysot's MultiRPN: one DepthwiseRPN per level (rpn2, rpn3, ...), fused by a softmax-weighted
    sum (weighted=True, weights learned) or a plain mean."""

    def __init__(self, anchor_num: int, in_channels: list[int], weighted: bool):
        super().__init__()
        self.names = [f"rpn{i + 2}" for i in range(len(in_channels))]
        for name, channels in zip(self.names, in_channels):
            self.add_module(name, DepthwiseRPN(anchor_num, channels, channels))
        self.weighted = weighted
        if weighted:
            self.cls_weight = nn.Parameter(torch.ones(len(in_channels)))
            self.loc_weight = nn.Parameter(torch.ones(len(in_channels)))

    def levels(self) -> list[DepthwiseRPN]:
        return [getattr(self, name) for name in self.names]

    def fuse(self, cls: list[torch.Tensor], loc: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.weighted:
            return sum(cls) / len(cls), sum(loc) / len(loc)
        return (_weighted_sum(cls, F.softmax(self.cls_weight, 0)),
                _weighted_sum(loc, F.softmax(self.loc_weight, 0)))


def _weighted_sum(maps: list[torch.Tensor], weights: torch.Tensor) -> torch.Tensor:
    total = maps[0] * weights[0]
    for m, w in zip(maps[1:], weights[1:]):
        total = total + m * w
    return total
