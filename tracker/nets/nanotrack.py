"""NanoTrack's networks (HonglinChu/SiamTrackers, folder NanoTrack/, Apache-2.0): a MobileNetV3-small
backbone and an anchor-free BAN head, one per published version.

Module names reproduce the published checkpoints' keys: `backbone.features.*`, `neck.downsample.*`,
`ban_head.*`. The head predicts, for each cell of an S×S map, two class logits (background,
target) and four distances (left, top, right, bottom, crop pixels) from the cell's point to the
box's sides, already exponentiated (tracker/core/geometry.py decodes them).

Template-side work is done once per template: `make_kernels` turns the template features into the
correlation kernels (the published v2/v3 heads recompute those 1×1 convolutions every frame).

- v1: one pixel-wise correlation (each of the 8×8 = 64 template positions against every search
  position: 64 channels) with channel attention, shared by a cls and a loc tower; S = 16.
- v2: a pixel-wise correlation per branch, each after a 1×1 conv + BN of both sides; S = 16.
- v3: per branch, a pixel-wise correlation (ending in a 2×2 depthwise conv: 16 → 15) beside a
  depthwise correlation with the centre 4×4 of the template features (padding 1: 16 → 15),
  concatenated and reduced by a 1×1 conv; S = 15.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import center_crop, conv_bn
from .mobilenet_v3 import MobileNetV3Small
from .siamese import Kernels, SearchOutput, SiameseNetwork

TEMPLATE_POSITIONS = 64     # 8×8 template features: the pixel-wise correlation's channels
DEPTHWISE_KERNEL_SIDE = 4   # v3's depthwise correlation uses the centre 4×4 of the 8×8 template
# A head's (cls logits, loc distances, the cls branch's correlation map before its tower).
HeadOutputs = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def pixelwise_correlation(search: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) search · (B, C, h, w) kernel → (B, h·w, H, W): output channel i is the dot
    product, over channels, of template position i with every search position (pair by pair)."""
    batch, channels, height, width = search.shape
    kernel_rows = kernel.reshape(batch, channels, -1).transpose(1, 2)  # (1, h·w, C)
    return torch.matmul(kernel_rows, search.reshape(batch, channels, -1)).reshape(batch, -1, height, width)


class ChannelAttention(nn.Module):
    """Scales each channel by sigmoid(fc2(relu(fc1(its mean)))) (the published CAModule)."""

    def __init__(self, channels: int):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels, 1)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels, channels, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.sigmoid(self.fc2(self.relu(self.fc1(self.avg_pool(x)))))


def _pointwise(channels: int) -> nn.Sequential:
    """1×1 conv (with bias) + BN, keys `0.*`, `1.*`."""
    return nn.Sequential(nn.Conv2d(channels, channels, 1), nn.BatchNorm2d(channels))


class PixelwiseBranch(nn.Module):
    """Pixel-wise correlation + channel attention. `projected` channels: both sides first go
    through their own 1×1 conv + BN (v2, v3); `refined`: the result ends in a 2×2 depthwise conv,
    BN, ReLU6, 1×1 conv, BN (v3). Absent parts are identities (no weights)."""

    def __init__(self, projected: int | None = None, refined: bool = False):
        super().__init__()
        self.CA_layer = ChannelAttention(TEMPLATE_POSITIONS)
        self.conv_kernel = _pointwise(projected) if projected else nn.Identity()
        self.conv_search = _pointwise(projected) if projected else nn.Identity()
        if refined:
            c = TEMPLATE_POSITIONS
            self.conv = nn.Sequential(nn.Conv2d(c, c, 2, groups=c, bias=False), nn.BatchNorm2d(c),
                                      nn.ReLU6(inplace=True), nn.Conv2d(c, c, 1), nn.BatchNorm2d(c))
        else:
            self.conv = nn.Identity()

    def make_kernel(self, template_features: torch.Tensor) -> torch.Tensor:
        return self.conv_kernel(template_features)

    def forward(self, kernel: torch.Tensor, search_features: torch.Tensor) -> torch.Tensor:
        correlation = pixelwise_correlation(self.conv_search(search_features), kernel)
        return self.conv(self.CA_layer(correlation))


class DepthwiseBranch(nn.Module):
    """v3's depthwise correlation: 1×1 conv + BN of each side; the template side cut to its centre
    4×4; each channel correlated with its own, padded by 1."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv_kernel = _pointwise(channels)
        self.conv_search = _pointwise(channels)

    def make_kernel(self, template_features: torch.Tensor) -> torch.Tensor:
        return self.conv_kernel(center_crop(template_features, DEPTHWISE_KERNEL_SIDE))

    def forward(self, kernel: torch.Tensor, search_features: torch.Tensor) -> torch.Tensor:
        search = self.conv_search(search_features)
        batch, channels, height, width = search.shape
        # A batch of pairs (training) as one image of batch × channels groups: pair b's channel c
        # meets its own kernel's channel c only.
        weight = kernel.reshape(-1, 1, kernel.size(2), kernel.size(3))
        out = F.conv2d(search.reshape(1, batch * channels, height, width), weight, padding=1,
                       groups=batch * channels)
        return out.reshape(batch, channels, out.size(2), out.size(3))


def _separable_tower(in_channels: int, layers: list[tuple[int, int]]) -> nn.Sequential:
    """v1/v2 towers: per (out channels, kernel): depthwise k×k conv, 1×1 conv, BN, ReLU6."""
    modules: list[nn.Module] = []
    for out_channels, kernel in layers:
        modules += [nn.Conv2d(in_channels, in_channels, kernel, padding=kernel // 2, groups=in_channels, bias=False),
                    nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels),
                    nn.ReLU6(inplace=True)]
        in_channels = out_channels
    return nn.Sequential(*modules)


def _inverted_tower(channels: int, depth: int) -> nn.Sequential:
    """v3 towers: `depth` × (depthwise 3×3 conv, BN, ReLU6, 1×1 conv, BN)."""
    modules: list[nn.Module] = []
    for _ in range(depth):
        modules += [nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False),
                    nn.BatchNorm2d(channels), nn.ReLU6(inplace=True),
                    nn.Conv2d(channels, channels, 1, bias=False), nn.BatchNorm2d(channels)]
    return nn.Sequential(*modules)


def _prediction(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1))


class BanHead(nn.Module):
    """A head's `forward` (what the tracker runs) is its `forward_with_correlation` (what training
    runs: it also supervises the cls branch's correlation map) without the map: one code path."""

    def forward_with_correlation(self, kernels: Kernels, search_features: torch.Tensor) -> HeadOutputs:
        raise NotImplementedError

    def forward(self, kernels: Kernels, search_features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cls, loc, _ = self.forward_with_correlation(kernels, search_features)
        return cls, loc


class BanHeadV1(BanHead):
    """Kernels: cls = [template features]; loc = [] (one correlation feeds both towers)."""

    def __init__(self):
        super().__init__()
        self.corr_pw = PixelwiseBranch()
        self.cls_tower = _separable_tower(TEMPLATE_POSITIONS, [(128, 5), (128, 5), (128, 3)])
        self.bbox_tower = _separable_tower(TEMPLATE_POSITIONS, [(96, 3), (96, 3), (96, 5), (96, 5)])
        self.cls_logits = _prediction(128, 2)
        self.bbox_pred = _prediction(96, 4)

    def make_kernels(self, template_features: torch.Tensor) -> Kernels:
        return Kernels(cls=[self.corr_pw.make_kernel(template_features)], loc=[])

    def forward_with_correlation(self, kernels: Kernels, search_features: torch.Tensor) -> HeadOutputs:
        correlation = self.corr_pw(kernels.cls[0], search_features)
        return (self.cls_logits(self.cls_tower(correlation)),
                torch.exp(self.bbox_pred(self.bbox_tower(correlation))), correlation)


class BanHeadV2(BanHead):
    """Kernels: cls = [cls branch's projected template], loc = [loc branch's]."""

    def __init__(self, channels: int = 48):
        super().__init__()
        self.corr_pw_reg = PixelwiseBranch(projected=channels)
        self.corr_pw_cls = PixelwiseBranch(projected=channels)
        tower = [(96, 3)] * 6
        self.cls_pw_tower = _separable_tower(TEMPLATE_POSITIONS, tower)
        self.bbox_pw_tower = _separable_tower(TEMPLATE_POSITIONS, tower)
        self.cls_pred = _prediction(96, 2)
        self.bbox_pred = _prediction(96, 4)

    def make_kernels(self, template_features: torch.Tensor) -> Kernels:
        return Kernels(cls=[self.corr_pw_cls.make_kernel(template_features)],
                       loc=[self.corr_pw_reg.make_kernel(template_features)])

    def forward_with_correlation(self, kernels: Kernels, search_features: torch.Tensor) -> HeadOutputs:
        cls = self.corr_pw_cls(kernels.cls[0], search_features)
        loc = self.corr_pw_reg(kernels.loc[0], search_features)
        return self.cls_pred(self.cls_pw_tower(cls)), torch.exp(self.bbox_pred(self.bbox_pw_tower(loc))), cls


class BanHeadV3(BanHead):
    """Kernels, per branch: [pixel-wise kernel, depthwise kernel]."""

    def __init__(self, channels: int = 96):
        super().__init__()
        self.corr_dw_reg = DepthwiseBranch(channels)
        self.corr_pw_reg = PixelwiseBranch(projected=channels, refined=True)
        self.corr_dw_cls = DepthwiseBranch(channels)
        self.corr_pw_cls = PixelwiseBranch(projected=channels, refined=True)
        self.cls_tower = _inverted_tower(channels, 6)
        self.bbox_tower = _inverted_tower(channels, 6)
        self.cls_logits = _prediction(channels, 2)
        self.bbox_pred = _prediction(channels, 4)
        self.down_reg = _prediction(channels + TEMPLATE_POSITIONS, channels)
        self.down_cls = _prediction(channels + TEMPLATE_POSITIONS, channels)

    def make_kernels(self, template_features: torch.Tensor) -> Kernels:
        return Kernels(cls=[self.corr_pw_cls.make_kernel(template_features),
                            self.corr_dw_cls.make_kernel(template_features)],
                       loc=[self.corr_pw_reg.make_kernel(template_features),
                            self.corr_dw_reg.make_kernel(template_features)])

    def forward_with_correlation(self, kernels: Kernels, search_features: torch.Tensor) -> HeadOutputs:
        (pw_cls, dw_cls), (pw_reg, dw_reg) = kernels.cls, kernels.loc
        cls = self.down_cls(torch.cat((self.corr_pw_cls(pw_cls, search_features),
                                       self.corr_dw_cls(dw_cls, search_features)), 1))
        loc = self.down_reg(torch.cat((self.corr_pw_reg(pw_reg, search_features),
                                       self.corr_dw_reg(dw_reg, search_features)), 1))
        return self.cls_logits(self.cls_tower(cls)), torch.exp(self.bbox_pred(self.bbox_tower(loc))), cls


class UnusedNeck(nn.Module):
    """The published AdjustLayer: in every checkpoint, never called by the published tracker (its
    width is the config's, 64 for v1/v2 where the backbone gives 48, and with equal in and out
    channels it would not even apply its conv). Built only so that the files load strictly,
    every key accounted for; nothing here calls it."""

    def __init__(self, channels: int):
        super().__init__()
        self.downsample = conv_bn(channels, channels, 1)


class NanoTrackNet(SiameseNetwork):
    """backbone → template kernels once; search: backbone → BAN head → cls (1, 2, S, S) logits,
    loc (1, 4, S, S) distances; features = [search backbone output]."""

    def __init__(self, backbone: MobileNetV3Small, head: nn.Module, neck_channels: int):
        super().__init__()
        self.backbone = backbone
        self.neck = UnusedNeck(neck_channels)
        self.ban_head = head

    def extract(self, image: torch.Tensor) -> list[torch.Tensor]:
        return [self.backbone(image)]

    def template(self, image: torch.Tensor) -> tuple[Kernels, list[torch.Tensor]]:
        features = self.extract(image)
        return self.ban_head.make_kernels(features[0]), features

    def cls_kernels(self, features: list[torch.Tensor]) -> list[torch.Tensor]:
        """The cls branch's kernels made from 8×8 template-sized features (the online update).

        What SiamMargin updates is the template side of the cls correlation; here that is the
        template *features*, so a sample of the search features replaces them and every
        template-side computation of the cls branch is redone on it:
        - v1: the kernel is the features themselves. Its one correlation feeds both towers, so
          the update moves the box regression too: there is no cls-only template side to update.
        - v2: the cls branch's 1×1 conv + BN of the features (the loc branch keeps its own).
        - v3: both cls kernels from the same sample: the pixel-wise one (1×1 conv + BN) and the
          depthwise one (its centre 4×4, 1×1 conv + BN); the loc branch's stay as initialised.
        """
        return self.ban_head.make_kernels(features[0]).cls

    def template_feature_sides(self, cls_kernels: list[torch.Tensor]) -> list[int]:
        """One feature level; its pixel-wise kernel is a 1×1 conv of the template features
        (or they themselves), so it has their side."""
        return [cls_kernels[0].size(-1)]

    def search(self, image: torch.Tensor, kernels: Kernels) -> SearchOutput:
        features = self.extract(image)
        cls, loc = self.ban_head(kernels, features[0])
        return SearchOutput(cls, loc, features)
