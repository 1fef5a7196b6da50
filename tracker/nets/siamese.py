"""The Siamese networks: a feature extractor (backbone [+ neck]) and correlation RPN heads.

Module and parameter names reproduce the published checkpoints' keys exactly:
- pysot models: `backbone.*`, `neck.*`, `rpn_head.*`;
- SiamMargin:   `feature.features.*` (ResNet), `feature.downsample.*` (neck), `rpn.*`.

The network knows nothing about tracking: `template` turns a template image into per-level
kernels, `search` correlates a search image with them.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .heads import AdjustLayer, DepthwiseRPN
from .resnet import MarginResNet


@dataclass
class Kernels:
    """Correlation kernels of one template: one per level (pysot, SiamMargin), or one per
    correlation of each branch (NanoTrack, tracker/nets/nanotrack.py)."""
    cls: list[torch.Tensor]
    loc: list[torch.Tensor]


@dataclass
class SearchOutput:
    cls: torch.Tensor             # (1, 2·anchors, n, n): background scores, then foreground
    loc: torch.Tensor             # (1, 4·anchors, n, n): dx, dy, dw, dh blocks
    features: list[torch.Tensor]  # per-level search features after the neck (for the online update)


class SiameseNetwork(nn.Module):
    """Shared template/search logic; subclasses provide `extract` and `rpn_head_module`."""

    def extract(self, image: torch.Tensor) -> list[torch.Tensor]:
        raise NotImplementedError

    def rpn_head_module(self) -> nn.Module:
        raise NotImplementedError

    def levels(self) -> list[DepthwiseRPN]:
        return self.rpn_head_module().levels()

    def template(self, image: torch.Tensor) -> tuple[Kernels, list[torch.Tensor]]:
        """Kernels of a template image (1×3×127×127, BGR 0–255) and its features."""
        features = self.extract(image)
        levels = self.levels()
        kernels = Kernels(cls=[rpn.cls.make_kernel(f) for rpn, f in zip(levels, features)],
                          loc=[rpn.loc.make_kernel(f) for rpn, f in zip(levels, features)])
        return kernels, features

    def cls_kernels(self, features: list[torch.Tensor]) -> list[torch.Tensor]:
        """cls kernels made from template-sized features (the online update's samples)."""
        return [rpn.cls.make_kernel(f) for rpn, f in zip(self.levels(), features)]

    def template_feature_sides(self, cls_kernels: list[torch.Tensor]) -> list[int]:
        """Per feature level, the side of the template features that `cls_kernels` takes (what
        the online update samples): each level's kernel conv is 3×3 unpadded."""
        return [kernel.size(-1) + 2 for kernel in cls_kernels]

    def search(self, image: torch.Tensor, kernels: Kernels) -> SearchOutput:
        features = self.extract(image)
        levels = self.levels()
        cls = [rpn.cls(k, f) for rpn, k, f in zip(levels, kernels.cls, features)]
        loc = [rpn.loc(k, f) for rpn, k, f in zip(levels, kernels.loc, features)]
        fused_cls, fused_loc = self.rpn_head_module().fuse(cls, loc)
        return SearchOutput(fused_cls, fused_loc, features)


class PysotSiamRPN(SiameseNetwork):
    """pysot's ModelBuilder layout: backbone, optional neck, rpn_head."""

    def __init__(self, backbone: nn.Module, neck: nn.Module | None, rpn_head: nn.Module):
        super().__init__()
        self.backbone = backbone
        if neck is not None:
            self.neck = neck
        self.rpn_head = rpn_head

    def extract(self, image: torch.Tensor) -> list[torch.Tensor]:
        features = self.backbone(image)
        return self.neck(features) if hasattr(self, "neck") else features

    def rpn_head_module(self) -> nn.Module:
        return self.rpn_head


class MarginFeatures(nn.Module):
    """SiamMargin's ResDown: ResNet-50 to layer3 (`features`) and its adjust layer (`downsample`)."""

    def __init__(self):
        super().__init__()
        self.features = MarginResNet()
        self.downsample = AdjustLayer(1024, 256)

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        return [self.downsample(self.features(image))]


class SiamMarginNet(SiameseNetwork):
    def __init__(self):
        super().__init__()
        self.feature = MarginFeatures()
        self.rpn = DepthwiseRPN(5, 256, 256, margin_cls=True)

    def extract(self, image: torch.Tensor) -> list[torch.Tensor]:
        return self.feature(image)

    def rpn_head_module(self) -> nn.Module:
        return self.rpn
