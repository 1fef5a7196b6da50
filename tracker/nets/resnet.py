"""ResNet-50 backbones: SiamMargin's (to layer3) and pysot's atrous variant (layers 2, 3, 4).

Both follow torchvision's Bottleneck; they differ only in paddings, dilations and shortcuts
(as in Horacehxw/SiamMargin siam_margin/resnet.py and STVIR/pysot
pysot/models/backbone/resnet_atrous.py; each class says how), which is all `make_layer` is told.
"""
from __future__ import annotations

import torch
from torch import nn


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, padding: int = 1,
                 dilation: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=padding,
                               dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        residual = x if self.downsample is None else self.downsample(x)
        out += residual
        return self.relu(out)


def make_layer(inplanes: int, planes: int, blocks: int, *, first_stride: int, first_padding: int,
               first_dilation: int, dilation: int, shortcut_kernel: int, shortcut_padding: int,
               shortcut_dilation: int = 1) -> nn.Sequential:
    """A ResNet stage: block 0 changes resolution/width through a conv+BN shortcut."""
    downsample = nn.Sequential(
        nn.Conv2d(inplanes, planes * 4, kernel_size=shortcut_kernel, stride=first_stride,
                  padding=shortcut_padding, dilation=shortcut_dilation, bias=False),
        nn.BatchNorm2d(planes * 4),
    )
    layers = [Bottleneck(inplanes, planes, first_stride, first_padding, first_dilation, downsample)]
    layers += [Bottleneck(planes * 4, planes, 1, dilation, dilation) for _ in range(1, blocks)]
    return nn.Sequential(*layers)


class _ResNetStem(nn.Module):
    """conv1 (7×7 s2, no padding), bn1, relu, maxpool (3×3 s2) and layer1, shared by both."""

    def __init__(self, maxpool_padding: int):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=0, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=maxpool_padding)
        self.layer1 = make_layer(64, 64, 3, first_stride=1, first_padding=1, first_dilation=1,
                                 dilation=1, shortcut_kernel=1, shortcut_padding=0)

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer1(self.maxpool(self.relu(self.bn1(self.conv1(x)))))


class MarginResNet(_ResNetStem):
    """SiamMargin's ResNet-50 up to layer3: no padding in conv1 or maxpool; 1×1 shortcuts; layer3
    dilated by 2 after its first block."""

    def __init__(self):
        super().__init__(maxpool_padding=0)
        self.layer2 = make_layer(256, 128, 4, first_stride=2, first_padding=1, first_dilation=1,
                                 dilation=1, shortcut_kernel=1, shortcut_padding=0)
        self.layer3 = make_layer(512, 256, 6, first_stride=1, first_padding=1, first_dilation=1,
                                 dilation=2, shortcut_kernel=1, shortcut_padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer3(self.layer2(self.stem(x)))


class AtrousResNet50(_ResNetStem):
    """pysot's resnet50(used_layers=[2, 3, 4]): 3×3 shortcuts, layer2's stride-2 conv unpadded,
    layer3/layer4 dilated by 2/4; returns the outputs of layer2, layer3, layer4."""

    def __init__(self):
        super().__init__(maxpool_padding=1)
        self.layer2 = make_layer(256, 128, 4, first_stride=2, first_padding=0, first_dilation=1,
                                 dilation=1, shortcut_kernel=3, shortcut_padding=0)
        self.layer3 = make_layer(512, 256, 6, first_stride=1, first_padding=1, first_dilation=1,
                                 dilation=2, shortcut_kernel=3, shortcut_padding=1)
        self.layer4 = make_layer(1024, 512, 3, first_stride=1, first_padding=2, first_dilation=2,
                                 dilation=4, shortcut_kernel=3, shortcut_padding=2, shortcut_dilation=2)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        p2 = self.layer2(self.stem(x))
        p3 = self.layer3(p2)
        return [p2, p3, self.layer4(p3)]
