"""Reads pysot's experiment config.yaml files (sections META_ARC, BACKBONE, ADJUST, RPN, MASK,
ANCHOR, TRACK, ...) unchanged, with pysot's defaults for absent keys.

pysot builds any network its registries can describe; we implement the three model-zoo
SiamRPN++ networks. A config is accepted when its BACKBONE/ADJUST/RPN sections describe one of
them, whatever its META_ARC name (e.g. the `_otb` variants share the VOT models' networks).
"""
from __future__ import annotations

from typing import Any

from .config import AnchorConfig, Config, TrackerSettings, _check_consistency, _fail, _mapping, _number, _positive_list
from .errors import ConfigError

# Sections of pysot's config; TRAIN and DATASET only matter for training and are ignored.
SECTIONS = {"META_ARC", "CUDA", "TRAIN", "DATASET", "BACKBONE", "ADJUST", "RPN", "MASK", "REFINE",
            "ANCHOR", "TRACK"}
IGNORED = {"CUDA", "TRAIN", "DATASET"}

# pysot's defaults (pysot/core/config.py) for the TRACK keys a SiamRPNTracker reads.
TRACK_DEFAULTS = {"TYPE": "SiamRPNTracker", "PENALTY_K": 0.04, "WINDOW_INFLUENCE": 0.44, "LR": 0.4,
                  "EXEMPLAR_SIZE": 127, "INSTANCE_SIZE": 255, "BASE_SIZE": 8, "CONTEXT_AMOUNT": 0.5}
# Keys pysot defines for other trackers (long-term, mask); harmless for SiamRPNTracker.
TRACK_OTHER = {"LOST_INSTANCE_SIZE", "CONFIDENCE_LOW", "CONFIDENCE_HIGH", "MASK_THERSHOLD",
               "MASK_OUTPUT_SIZE"}
ANCHOR_DEFAULTS = {"STRIDE": 8, "RATIOS": [0.33, 0.5, 1, 2, 3], "SCALES": [8]}

# Network description (BACKBONE, ADJUST, RPN with constructor defaults filled in) of each
# architecture we implement.
NETWORKS = {
    "siamrpn_r50_l234_dwxcorr": {
        "BACKBONE": ("resnet50", {"used_layers": [2, 3, 4]}),
        "ADJUST": ("AdjustAllLayer", {"in_channels": [512, 1024, 2048], "out_channels": [256, 256, 256],
                                      "center_size": 7}),
        "RPN": ("MultiRPN", {"anchor_num": 5, "in_channels": [256, 256, 256], "weighted": True}),
    },
    "siamrpn_mobilev2_l234_dwxcorr": {
        "BACKBONE": ("mobilenetv2", {"used_layers": [3, 5, 7], "width_mult": 1.4}),
        "ADJUST": ("AdjustAllLayer", {"in_channels": [44, 134, 448], "out_channels": [256, 256, 256],
                                      "center_size": 7}),
        "RPN": ("MultiRPN", {"anchor_num": 5, "in_channels": [256, 256, 256], "weighted": False}),
    },
    "siamrpn_alex_dwxcorr": {
        "BACKBONE": ("alexnetlegacy", {"width_mult": 1.0}),
        "ADJUST": None,
        "RPN": ("DepthwiseRPN", {"anchor_num": 5, "in_channels": 256, "out_channels": 256}),
    },
}
# Constructor defaults pysot applies when a KWARGS key is absent.
KWARG_DEFAULTS = {
    "resnet50": {"used_layers": None},  # required by the constructor
    "mobilenetv2": {"width_mult": 1.0, "used_layers": [3, 5, 7]},
    "alexnetlegacy": {"width_mult": 1},
    "AdjustAllLayer": {"center_size": 7},
    "MultiRPN": {"weighted": False},
    "DepthwiseRPN": {"anchor_num": 5, "in_channels": 256, "out_channels": 256},
}


def is_pysot_config(data: Any) -> bool:
    return isinstance(data, dict) and bool(set(data) & {"META_ARC", "BACKBONE", "TRACK", "RPN"})


def _typed(section: Any, source: str, key: str) -> tuple[str | None, dict]:
    section = _mapping(section, source, key)
    kwargs = _mapping(section.get("KWARGS", {}) or {}, source, f"{key}.KWARGS")
    return section.get("TYPE"), dict(kwargs)


def _normalise(kind: str | None, kwargs: dict) -> tuple[str | None, dict]:
    full = dict(KWARG_DEFAULTS.get(kind, {}))
    full.update(kwargs)
    return kind, {k: _plain(v) for k, v in full.items()}


def _plain(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    return v


def _network_of(data: dict, source: str) -> str:
    backbone = _normalise(*_typed(data.get("BACKBONE", {}), source, "BACKBONE"))
    adjust_section = _mapping(data.get("ADJUST", {}), source, "ADJUST")
    adjust = None
    if adjust_section.get("ADJUST", True):
        adjust_section = dict(adjust_section)
        adjust_section.setdefault("TYPE", "AdjustAllLayer")
        adjust = _normalise(*_typed({k: v for k, v in adjust_section.items() if k != "ADJUST"},
                                    source, "ADJUST"))
    rpn_section = dict(_mapping(data.get("RPN", {}), source, "RPN"))
    rpn_section.setdefault("TYPE", "MultiRPN")
    rpn = _normalise(*_typed(rpn_section, source, "RPN"))
    for name, spec in NETWORKS.items():
        want = {k: (None if v is None else _normalise(v[0], v[1])) for k, v in spec.items()}
        if want == {"BACKBONE": backbone, "ADJUST": adjust, "RPN": rpn}:
            return name
    raise ConfigError(
        f"config {source}: BACKBONE/ADJUST/RPN describe a network this package does not implement "
        f"(BACKBONE {backbone[0]} {backbone[1]}, ADJUST {adjust}, RPN {rpn[0]} {rpn[1]}); "
        f"supported pysot networks: {', '.join(NETWORKS)}")


def parse_pysot_config(data: dict, source: str) -> Config:
    unknown = sorted(set(data) - SECTIONS)
    if unknown:
        raise _fail(source, unknown[0], f"unknown pysot config section; pysot has: {', '.join(sorted(SECTIONS))}")
    mask = _mapping(data.get("MASK", {}), source, "MASK")
    if mask.get("MASK", False):
        raise _fail(source, "MASK.MASK", "SiamMask models (mask heads) are not supported; use a SiamRPN++ config")
    refine = _mapping(data.get("REFINE", {}), source, "REFINE")
    if refine.get("REFINE", False):
        raise _fail(source, "REFINE.REFINE", "mask refinement is not supported")
    architecture = _network_of(data, source)

    track = _mapping(data.get("TRACK", {}), source, "TRACK")
    unknown = sorted(set(track) - set(TRACK_DEFAULTS) - TRACK_OTHER)
    if unknown:
        raise _fail(source, f"TRACK.{unknown[0]}", "unknown key in pysot's TRACK section")
    track = {**TRACK_DEFAULTS, **track}
    if track["TYPE"] != "SiamRPNTracker":
        raise _fail(source, "TRACK.TYPE", f"only SiamRPNTracker is supported, got {track['TYPE']!r}")

    anchor = _mapping(data.get("ANCHOR", {}), source, "ANCHOR")
    unknown = sorted(set(anchor) - {*ANCHOR_DEFAULTS, "ANCHOR_NUM"})
    if unknown:
        raise _fail(source, f"ANCHOR.{unknown[0]}", "unknown key in pysot's ANCHOR section")
    anchor = {**ANCHOR_DEFAULTS, **anchor}
    anchors = AnchorConfig(stride=_number(anchor["STRIDE"], source, "ANCHOR.STRIDE", 1, None, True),
                           ratios=_positive_list(anchor["RATIOS"], source, "ANCHOR.RATIOS"),
                           scales=_positive_list(anchor["SCALES"], source, "ANCHOR.SCALES"))
    if "ANCHOR_NUM" in anchor and anchor["ANCHOR_NUM"] != anchors.count:
        raise _fail(source, "ANCHOR.ANCHOR_NUM",
                    f"is {anchor['ANCHOR_NUM']} but RATIOS × SCALES give {anchors.count} anchors")

    settings = TrackerSettings(
        penalty_k=_number(track["PENALTY_K"], source, "TRACK.PENALTY_K", 0),
        window_influence=_number(track["WINDOW_INFLUENCE"], source, "TRACK.WINDOW_INFLUENCE", 0, 1),
        lr=_number(track["LR"], source, "TRACK.LR", 0, 1),
        exemplar_size=_number(track["EXEMPLAR_SIZE"], source, "TRACK.EXEMPLAR_SIZE", 1, None, True),
        instance_size=_number(track["INSTANCE_SIZE"], source, "TRACK.INSTANCE_SIZE", 1, None, True),
        base_size=_number(track["BASE_SIZE"], source, "TRACK.BASE_SIZE", 0, None, True),
        context_amount=_number(track["CONTEXT_AMOUNT"], source, "TRACK.CONTEXT_AMOUNT", 0),
        crop_rounding="half_up",
        anchor=anchors,
    )
    _check_consistency(settings, source)
    return Config(architecture=architecture, tracker=settings, source=source)
