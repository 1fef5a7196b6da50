"""pysot's AlexNet-legacy: no padding anywhere, BN after every conv, no ReLU after the last."""
from __future__ import annotations

import torch
from torch import nn


class AlexNetLegacy(nn.Module):
    def __init__(self):
        super().__init__()
        # Indices match the checkpoint keys backbone.features.{0,1,4,5,8,9,11,12,14,15}.
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=11, stride=2), nn.BatchNorm2d(96),
            nn.MaxPool2d(kernel_size=3, stride=2), nn.ReLU(inplace=True),
            nn.Conv2d(96, 256, kernel_size=5), nn.BatchNorm2d(256),
            nn.MaxPool2d(kernel_size=3, stride=2), nn.ReLU(inplace=True),
            nn.Conv2d(256, 384, kernel_size=3), nn.BatchNorm2d(384), nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, kernel_size=3), nn.BatchNorm2d(384), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3), nn.BatchNorm2d(256),
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.features(x)]
