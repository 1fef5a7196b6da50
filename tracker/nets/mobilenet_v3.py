"""MobileNetV3-small as NanoTrack cuts it: the stem and the first 8 blocks (48 channels, stride 16;
NanoTrack v1 and v2), or one more block to 96 channels, still at stride 16 (v3).

Module names reproduce the published checkpoints' keys (`features.<i>.conv.<j>`, squeeze-excite
`...fc.0` / `...fc.2`); the blocks follow MobileNetV3's paper (Howard et al. 2019, table 2).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Block:
    kernel: int
    expanded: int       # channels inside the block (the published table's ratio × input, rounded to 8)
    out: int
    squeeze_excite: bool
    hardswish: bool     # activation: hard-swish, else ReLU
    stride: int


STEM_CHANNELS = 16
# NanoTrack v1/v2: MobileNetV3-small up to its 48-channel stage (blocks 1..8 of `features`).
SMALL_TO_48 = (
    Block(3, 16, 16, True, False, 2),
    Block(3, 72, 24, False, False, 2),
    Block(3, 88, 24, False, False, 1),
    Block(5, 96, 40, True, True, 2),
    Block(5, 240, 40, True, True, 1),
    Block(5, 240, 40, True, True, 1),
    Block(5, 120, 48, True, True, 1),
    Block(5, 144, 48, True, True, 1),
)
# NanoTrack v3: one more block, to 96 channels, at stride 1 (MobileNetV3-small's has stride 2).
SMALL_TO_96 = SMALL_TO_48 + (Block(5, 288, 96, True, True, 1),)


def _squeezed(channels: int) -> int:
    """Squeeze-excite bottleneck width: channels/4 rounded to the nearest multiple of 8 (≥ 8)."""
    return max(8, int(channels / 4 + 4) // 8 * 8)


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        hidden = _squeezed(channels)
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True),
                                nn.Linear(hidden, channels), nn.Hardsigmoid(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = self.fc(self.avg_pool(x).flatten(1))
        return x * weights[:, :, None, None]


class InvertedResidual(nn.Module):
    """[1×1 expand, BN, act,] k×k depthwise, BN, [SE,] act, 1×1 project, BN; + input if shapes allow.

    Without expansion the published order is depthwise, BN, act, SE; with it, SE comes before
    the activation. Indices inside `conv` are the checkpoint's."""

    def __init__(self, inp: int, block: Block):
        super().__init__()
        hidden, oup = block.expanded, block.out
        self.identity = block.stride == 1 and inp == oup

        def activation() -> nn.Module:
            return nn.Hardswish(inplace=True) if block.hardswish else nn.ReLU(inplace=True)

        depthwise = [nn.Conv2d(hidden, hidden, block.kernel, block.stride, (block.kernel - 1) // 2,
                               groups=hidden, bias=False), nn.BatchNorm2d(hidden)]
        squeeze = SqueezeExcite(hidden) if block.squeeze_excite else nn.Identity()
        project = [nn.Conv2d(hidden, oup, 1, bias=False), nn.BatchNorm2d(oup)]
        if inp == hidden:
            layers = [*depthwise, activation(), squeeze, *project]
        else:
            expand = [nn.Conv2d(inp, hidden, 1, bias=False), nn.BatchNorm2d(hidden), activation()]
            layers = [*expand, *depthwise, squeeze, activation(), *project]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.identity else self.conv(x)


class MobileNetV3Small(nn.Module):
    """The stem (3×3 conv, stride 2, hard-swish) and `blocks`; returns the last block's output."""

    def __init__(self, blocks: tuple[Block, ...]):
        super().__init__()
        layers: list[nn.Module] = [nn.Sequential(
            nn.Conv2d(3, STEM_CHANNELS, 3, 2, 1, bias=False), nn.BatchNorm2d(STEM_CHANNELS),
            nn.Hardswish(inplace=True))]
        channels = STEM_CHANNELS
        for block in blocks:
            layers.append(InvertedResidual(channels, block))
            channels = block.out
        self.out_channels = channels
        self.features = nn.Sequential(*layers)

    def layers(self) -> list[nn.Module]:
        """The stem, then each block, input first (training freezes a prefix of them)."""
        return list(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)
