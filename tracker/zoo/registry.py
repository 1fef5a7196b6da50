"""The registry of models: everything the code knows about a model, in one entry per model.

An entry names the model (the `architecture` of a config and the folder `models/<name>/`), says
how to build its network, its head family (which section of its config describes the outputs:
`anchor` or `points`), and where its published checkpoint can be downloaded (if anywhere, with
the file's SHA-256 where it is known; a model whose weights live in the repository has none). A
network pysot's config.yaml files can describe is given as that description (a `PysotNetwork`,
which builds it), so that pysot's own config files load; any other network (SiamMargin's,
NanoTrack's, ours) as its class or factory function.
Adding a model is adding one entry (and its models/<name>/config.yaml); configs, checkpoint
loading, stand-in weights, the downloader and the benchmark all read this registry.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..nets import SiameseNetwork
from ..nets.heads import AdjustAllLayer, DepthwiseRPN
from ..nets.mobilenet import MobileNetV2
from ..nets.mobilenet_v3 import SMALL_TO_48, SMALL_TO_96, MobileNetV3Small
from ..nets.nanotrack import BanHeadV1, BanHeadV2, BanHeadV3, NanoTrackNet
from ..nets.siamese import PysotSiamRPN, SiamMarginNet
from .pysot_network import PysotNetwork


@dataclass(frozen=True)
class Model:
    name: str
    build: Callable[[], SiameseNetwork]  # a freshly initialised network: a class, a function, or a
                                         # PysotNetwork (pysot's description, which builds it)
    download: str | None = None          # URL of the published checkpoint, if there is one
    sha256: str | None = None            # its SHA-256, checked by the downloader, where known
    head: str = "anchor"                 # the config section of its outputs: "anchor" | "points"

    @property
    def pysot(self) -> PysotNetwork | None:
        """pysot's description of the network, when pysot's config.yaml files can describe it."""
        return self.build if isinstance(self.build, PysotNetwork) else None


def _siammargin_tiny() -> SiameseNetwork:
    """Our own small model (models/siammargin_tiny, MODEL.md): pysot's MobileNetV2 at width 1.0
    up to layer 4 (64 channels at stride 8, the layer-4 stage dilated), initialised from a
    pretrained detector (tracker.training.pretrained), a 64-channel neck and one RPN level with
    SiamMargin's cls head (2×-wide kernel), so that the online update works on it. pysot cannot
    describe it (a shortened backbone, a one-level neck named downsample2, SiamMargin's cls head)."""
    return PysotSiamRPN(MobileNetV2(1.0, last_layer=4), AdjustAllLayer([64], [64]),
                        DepthwiseRPN(5, 64, 64, margin_cls=True))


def _nanotrack_v1() -> SiameseNetwork:
    return NanoTrackNet(MobileNetV3Small(SMALL_TO_48), BanHeadV1(), neck_channels=64)


def _nanotrack_v2() -> SiameseNetwork:
    return NanoTrackNet(MobileNetV3Small(SMALL_TO_48), BanHeadV2(48), neck_channels=64)


def _nanotrack_v3() -> SiameseNetwork:
    return NanoTrackNet(MobileNetV3Small(SMALL_TO_96), BanHeadV3(96), neck_channels=96)


# NanoTrack's published checkpoints (HonglinChu/SiamTrackers, Apache-2.0), at a fixed commit.
NANOTRACK_FILES = ("https://raw.githubusercontent.com/HonglinChu/SiamTrackers/"
                   "248663fde6bf7c40190cf10ee396d5662919ecd3/NanoTrack/models/pretrained/")

# Checkpoints: the SiamMargin submission's model.pth (VOT2019 trackers archive, mirrored in
# github.com/Horacehxw/SiamMargin), and pysot's model zoo (Google Drive links of STVIR/pysot
# MODEL_ZOO.md; also on Baidu Yun, code j9yb). The pysot descriptions are those of the models'
# experiments/<name>/config.yaml.
MODELS: dict[str, Model] = {model.name: model for model in (
    Model("siammargin", SiamMarginNet,
          download="https://github.com/Horacehxw/SiamMargin/raw/master/siam_margin/model.pth"),
    Model("siamrpn_r50_l234_dwxcorr",
          PysotNetwork(backbone=("resnet50", {"used_layers": [2, 3, 4]}),
                       adjust=("AdjustAllLayer", {"in_channels": [512, 1024, 2048],
                                                  "out_channels": [256, 256, 256], "center_size": 7}),
                       rpn=("MultiRPN", {"anchor_num": 5, "in_channels": [256, 256, 256], "weighted": True})),
          download="https://drive.google.com/uc?export=download&id=1Q4-1563iPwV6wSf_lBHDj5CPFiGSlEPG"),
    Model("siamrpn_mobilev2_l234_dwxcorr",
          PysotNetwork(backbone=("mobilenetv2", {"used_layers": [3, 5, 7], "width_mult": 1.4}),
                       adjust=("AdjustAllLayer", {"in_channels": [44, 134, 448],
                                                  "out_channels": [256, 256, 256], "center_size": 7}),
                       rpn=("MultiRPN", {"anchor_num": 5, "in_channels": [256, 256, 256], "weighted": False})),
          download="https://drive.google.com/uc?export=download&id=1JB94pZTvB1ZByU-qSJn4ZAIfjLWE5EBJ"),
    Model("siamrpn_alex_dwxcorr",
          PysotNetwork(backbone=("alexnetlegacy", {"width_mult": 1.0}),
                       adjust=None,
                       rpn=("DepthwiseRPN", {"anchor_num": 5, "in_channels": 256, "out_channels": 256})),
          download="https://drive.google.com/uc?export=download&id=1t62x56Jl7baUzPTo0QrC4jJnwvPZm-2m"),
    # Ours: trained by tracker/training, weights committed in models/siammargin_tiny/ and
    # models/siammargin_nano/ (NanoTrack v2's network fine-tuned from its published weights).
    Model("siammargin_tiny", _siammargin_tiny),
    Model("siammargin_nano", _nanotrack_v2, head="points"),
    # NanoTrack v1, v2, v3: anchor-free point heads (models/nanotrack_v*/config.yaml).
    Model("nanotrack_v1", _nanotrack_v1, head="points", download=NANOTRACK_FILES + "nanotrackv1.pth",
          sha256="2a24bbfd1163a7692ab22100336a54de55dde12301b7d8ae7a4e745fb10b09a3"),
    Model("nanotrack_v2", _nanotrack_v2, head="points", download=NANOTRACK_FILES + "nanotrackv2.pth",
          sha256="938a320c560fd8c8d6a148a76a072bca29c529ce16591c9a2157859ee0ecc5e1"),
    Model("nanotrack_v3", _nanotrack_v3, head="points", download=NANOTRACK_FILES + "nanotrackv3.pth",
          sha256="4f0d25108385a67bdec5fa01ca37c74acb72343b53996dd645fe18b86e512e69"),
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
