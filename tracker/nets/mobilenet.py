"""pysot's MobileNetV2 (width 1.4, dilated stages 4–7) returning the outputs of layers 3, 5, 7;
shorter (up to `last_layer`) and narrower versions for our own model."""
from __future__ import annotations

import torch
from torch import nn

from .layers import conv_bn

# (expansion t, channels c, blocks n, stride s, dilation d) per stage, before the width multiplier.
STAGES = [(1, 16, 1, 1, 1), (6, 24, 2, 2, 1), (6, 32, 3, 2, 1), (6, 64, 4, 1, 2),
          (6, 96, 3, 1, 2), (6, 160, 3, 1, 4), (6, 320, 1, 1, 4)]


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int, dilation: int):
        super().__init__()
        hidden = inp * expand_ratio
        padding = dilation if dilation > 1 else 2 - stride
        self.use_residual = stride == 1 and inp == oup
        # Indices 0..7 match the checkpoint keys (`conv.0`, `conv.1`, `conv.3`, ...).
        self.conv = nn.Sequential(
            nn.Conv2d(inp, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, padding, dilation=dilation, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, oup, 1, bias=False), nn.BatchNorm2d(oup),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return x + out if self.use_residual else out


class MobileNetV2(nn.Module):
    def __init__(self, width_mult: float = 1.4, last_layer: int = 7):
        """`last_layer` 7 is pysot's network (outputs of layers 3, 5, 7); a smaller one builds
        layers 0..last_layer and returns that layer's output alone."""
        super().__init__()
        if not 3 <= last_layer <= 7:
            raise ValueError(f"last_layer must be 3..7, got {last_layer}")
        self.width_mult = width_mult
        self.stages = STAGES[:last_layer]
        self.output_layers = (3, 5, 7) if last_layer == 7 else (last_layer,)
        channels = int(32 * width_mult)
        self.layer0 = conv_bn(3, channels, 3, stride=2, padding=0, relu=nn.ReLU6(inplace=True))
        last_dilation = 1
        for index, (t, c, n, s, d) in enumerate(self.stages, start=1):
            out_channels = int(c * width_mult)
            # The first block of a stage that raises the dilation uses half of it.
            first_dilation = d if d == last_dilation else max(d // 2, 1)
            blocks = [InvertedResidual(channels, out_channels, s, t, first_dilation)]
            blocks += [InvertedResidual(out_channels, out_channels, 1, t, d) for _ in range(1, n)]
            self.add_module(f"layer{index}", nn.Sequential(*blocks))
            channels = out_channels
            last_dilation = d

    def layers(self) -> list[nn.Module]:
        """layer0 .. layerN, input first (training freezes a prefix of them)."""
        return [getattr(self, f"layer{index}") for index in range(len(self.stages) + 1)]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for index in range(len(self.stages) + 1):
            x = getattr(self, f"layer{index}")(x)
            if index in self.output_layers:
                outputs.append(x)
        return outputs
