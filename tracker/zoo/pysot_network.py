"""pysot's networks as its config.yaml files describe them, and built from that description.

pysot's model builder reads three sections, BACKBONE, ADJUST and RPN, each a TYPE (a name in one
of pysot's registries) and KWARGS (that constructor's arguments). PART_TYPES has one entry per
TYPE this package implements: the function that builds our module from the KWARGS, and pysot's
own constructor defaults for KWARGS a config leaves out (the constructors of STVIR/pysot
pysot/models/backbone/, neck/neck.py, rpn/rpn.py). So one `PysotNetwork` value is at once what
the registry builds and what pysot's config reader (tracker/config/pysot_format.py) matches a
config.yaml against.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from ..nets import SiameseNetwork
from ..nets.alexnet import PUBLISHED_CHANNELS, AlexNetLegacy
from ..nets.heads import TEMPLATE_FEATURE_SIZE, AdjustAllLayer, DepthwiseRPN, MultiRPN
from ..nets.mobilenet import MobileNetV2
from ..nets.resnet import AtrousResNet50
from ..nets.siamese import PysotSiamRPN

# (TYPE, KWARGS) of one pysot config section.
PysotPart = tuple[str, dict]


def _resnet50(used_layers: list[int]) -> nn.Module:
    if list(used_layers) != [2, 3, 4]:
        raise ValueError(f"pysot resnet50: only used_layers [2, 3, 4] is implemented, got {used_layers}")
    return AtrousResNet50()


def _mobilenetv2(width_mult: float, used_layers: list[int]) -> nn.Module:
    if list(used_layers) != [3, 5, 7]:
        raise ValueError(f"pysot mobilenetv2: only used_layers [3, 5, 7] is implemented, got {used_layers}")
    return MobileNetV2(width_mult)


def _alexnetlegacy(width_mult: float) -> nn.Module:
    # pysot scales every layer's width by width_mult, rounding down.
    return AlexNetLegacy(tuple(int(c * width_mult) for c in PUBLISHED_CHANNELS))


def _adjust_all_layer(in_channels: list[int], out_channels: list[int], center_size: int) -> nn.Module:
    if len(in_channels) < 2:  # pysot names a single level `downsample`, not `downsample2`
        raise ValueError("pysot AdjustAllLayer: only the multi-level neck (2 or more levels) is implemented")
    if center_size != TEMPLATE_FEATURE_SIZE:
        raise ValueError(f"pysot AdjustAllLayer: only center_size {TEMPLATE_FEATURE_SIZE} is implemented, "
                         f"got {center_size}")
    return AdjustAllLayer(list(in_channels), list(out_channels))


@dataclass(frozen=True)
class PartType:
    build: Callable[..., nn.Module]  # our module from the section's KWARGS (defaults filled in)
    defaults: dict                   # pysot's constructor defaults, for KWARGS a config leaves out


# The only home of pysot's constructor defaults. resnet50 has none: used_layers is required.
PART_TYPES: dict[str, PartType] = {
    "resnet50": PartType(_resnet50, {}),
    "mobilenetv2": PartType(_mobilenetv2, {"width_mult": 1.0, "used_layers": [3, 5, 7]}),
    "alexnetlegacy": PartType(_alexnetlegacy, {"width_mult": 1}),
    "AdjustAllLayer": PartType(_adjust_all_layer, {"center_size": 7}),
    "MultiRPN": PartType(MultiRPN, {"weighted": False}),
    "DepthwiseRPN": PartType(DepthwiseRPN, {"anchor_num": 5, "in_channels": 256, "out_channels": 256}),
}


def with_defaults(part: PysotPart) -> PysotPart:
    """The section as pysot's constructor sees it: absent KWARGS take pysot's defaults (a TYPE
    this package does not implement is returned as it is)."""
    kind, kwargs = part
    known = PART_TYPES.get(kind)
    return kind, {**(known.defaults if known else {}), **kwargs}


def build_part(part: PysotPart) -> nn.Module:
    kind, kwargs = with_defaults(part)
    return PART_TYPES[kind].build(**kwargs)


@dataclass(frozen=True)
class PysotNetwork:
    """A network as pysot's BACKBONE / ADJUST / RPN config sections describe it. Calling it
    builds the network (a fresh `PysotSiamRPN`), so it serves as a model's network factory."""
    backbone: PysotPart
    adjust: PysotPart | None           # None: no neck (ADJUST.ADJUST: false)
    rpn: PysotPart

    def __call__(self) -> SiameseNetwork:
        # Built in pysot's order (backbone, neck, head), which is also the order of random initialisation.
        backbone = build_part(self.backbone)
        neck = None if self.adjust is None else build_part(self.adjust)
        return PysotSiamRPN(backbone, neck, build_part(self.rpn))
