"""pysot's AlexNet-legacy: no padding anywhere, BN after every conv, no ReLU after the last.

`channels` narrows it: the published network is (96, 256, 384, 384, 256); our own small model
(siammargin_tiny) uses the same layout at a quarter of the width.
"""
from __future__ import annotations

import torch
from torch import nn

PUBLISHED_CHANNELS = (96, 256, 384, 384, 256)


class AlexNetLegacy(nn.Module):
    def __init__(self, channels: tuple[int, int, int, int, int] = PUBLISHED_CHANNELS):
        super().__init__()
        c1, c2, c3, c4, c5 = channels
        self.out_channels = c5
        # Indices match the checkpoint keys backbone.features.{0,1,4,5,8,9,11,12,14,15}.
        self.features = nn.Sequential(
            nn.Conv2d(3, c1, kernel_size=11, stride=2), nn.BatchNorm2d(c1),
            nn.MaxPool2d(kernel_size=3, stride=2), nn.ReLU(inplace=True),
            nn.Conv2d(c1, c2, kernel_size=5), nn.BatchNorm2d(c2),
            nn.MaxPool2d(kernel_size=3, stride=2), nn.ReLU(inplace=True),
            nn.Conv2d(c2, c3, kernel_size=3), nn.BatchNorm2d(c3), nn.ReLU(inplace=True),
            nn.Conv2d(c3, c4, kernel_size=3), nn.BatchNorm2d(c4), nn.ReLU(inplace=True),
            nn.Conv2d(c4, c5, kernel_size=3), nn.BatchNorm2d(c5),
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.features(x)]
