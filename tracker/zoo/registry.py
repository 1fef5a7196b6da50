"""The registry of models: everything the code knows about a model, in one entry per model.

An entry names the model (the `architecture` of a config and the folder `models/<name>/`) and
gives its network factory, the pysot network it is (if pysot can describe it, so that pysot's
own config.yaml files load), and where its published checkpoint can be downloaded (if anywhere;
a model whose weights live in the repository has none). Adding a model is adding one entry
(and its models/<name>/config.yaml); configs, checkpoint loading, stand-in weights, the
downloader and the benchmark all read this registry.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..nets import SiameseNetwork
from ..nets.alexnet import AlexNetLegacy
from ..nets.heads import AdjustAllLayer, DepthwiseRPN, MultiRPN
from ..nets.mobilenet import MobileNetV2
from ..nets.resnet import AtrousResNet50
from ..nets.siamese import PysotSiamRPN, SiamMarginNet

# (TYPE, KWARGS) of a pysot config section, as pysot's model builder reads it.
PysotPart = tuple[str, dict]


@dataclass(frozen=True)
class PysotNetwork:
    """A network as pysot's BACKBONE / ADJUST / RPN config sections describe it."""
    backbone: PysotPart
    adjust: PysotPart | None           # None: no neck (ADJUST.ADJUST: false)
    rpn: PysotPart


@dataclass(frozen=True)
class Model:
    name: str
    build: Callable[[], SiameseNetwork]  # a freshly initialised network
    pysot: PysotNetwork | None = None    # set when pysot's config.yaml files can describe it
    download: str | None = None          # URL of the published checkpoint, if there is one


def _pysot_r50() -> SiameseNetwork:
    return PysotSiamRPN(AtrousResNet50(), AdjustAllLayer([512, 1024, 2048], [256, 256, 256]),
                        MultiRPN(5, [256, 256, 256], weighted=True))


def _pysot_mobilev2() -> SiameseNetwork:
    return PysotSiamRPN(MobileNetV2(1.4), AdjustAllLayer([44, 134, 448], [256, 256, 256]),
                        MultiRPN(5, [256, 256, 256], weighted=False))


def _pysot_alex() -> SiameseNetwork:
    return PysotSiamRPN(AlexNetLegacy(), None, DepthwiseRPN(5, 256, 256))


def _siammargin_tiny() -> SiameseNetwork:
    """Our own small model (models/siammargin_tiny, MODEL.md): pysot's MobileNetV2 at width 1.0
    up to layer 4 (64 channels at stride 8, the layer-4 stage dilated), initialised from a
    pretrained detector (tracker.training.pretrained), a 64-channel neck and one RPN level with
    SiamMargin's cls head (2×-wide kernel), so that the online update works on it."""
    return PysotSiamRPN(MobileNetV2(1.0, last_layer=4), AdjustAllLayer([64], [64]),
                        DepthwiseRPN(5, 64, 64, margin_cls=True))


# Checkpoints: the SiamMargin submission's model.pth (VOT2019 trackers archive, mirrored in
# github.com/Horacehxw/SiamMargin), and pysot's model zoo (Google Drive links of STVIR/pysot
# MODEL_ZOO.md; also on Baidu Yun, code j9yb).
MODELS: dict[str, Model] = {model.name: model for model in (
    Model("siammargin", SiamMarginNet,
          download="https://github.com/Horacehxw/SiamMargin/raw/master/siam_margin/model.pth"),
    Model("siamrpn_r50_l234_dwxcorr", _pysot_r50,
          pysot=PysotNetwork(
              backbone=("resnet50", {"used_layers": [2, 3, 4]}),
              adjust=("AdjustAllLayer", {"in_channels": [512, 1024, 2048],
                                         "out_channels": [256, 256, 256], "center_size": 7}),
              rpn=("MultiRPN", {"anchor_num": 5, "in_channels": [256, 256, 256], "weighted": True})),
          download="https://drive.google.com/uc?export=download&id=1Q4-1563iPwV6wSf_lBHDj5CPFiGSlEPG"),
    Model("siamrpn_mobilev2_l234_dwxcorr", _pysot_mobilev2,
          pysot=PysotNetwork(
              backbone=("mobilenetv2", {"used_layers": [3, 5, 7], "width_mult": 1.4}),
              adjust=("AdjustAllLayer", {"in_channels": [44, 134, 448],
                                         "out_channels": [256, 256, 256], "center_size": 7}),
              rpn=("MultiRPN", {"anchor_num": 5, "in_channels": [256, 256, 256], "weighted": False})),
          download="https://drive.google.com/uc?export=download&id=1JB94pZTvB1ZByU-qSJn4ZAIfjLWE5EBJ"),
    Model("siamrpn_alex_dwxcorr", _pysot_alex,
          pysot=PysotNetwork(
              backbone=("alexnetlegacy", {"width_mult": 1.0}),
              adjust=None,
              rpn=("DepthwiseRPN", {"anchor_num": 5, "in_channels": 256, "out_channels": 256})),
          download="https://drive.google.com/uc?export=download&id=1t62x56Jl7baUzPTo0QrC4jJnwvPZm-2m"),
    # Ours: trained by tracker/training, weights committed in models/siammargin_tiny/.
    Model("siammargin_tiny", _siammargin_tiny),
)}


def model_names() -> list[str]:
    """Every registered model, sorted (for choices and messages)."""
    return sorted(MODELS)


def build_network(architecture: str) -> SiameseNetwork:
    """A freshly initialised network of a registered model, in eval mode."""
    try:
        model = MODELS[architecture]
    except KeyError:
        raise ValueError(f"unknown architecture {architecture!r}; known: {', '.join(model_names())}") from None
    return model.build().eval()
