"""Reads pysot's experiment config.yaml files (sections META_ARC, BACKBONE, ADJUST, RPN, MASK,
ANCHOR, TRACK, ...) unchanged, with pysot's defaults for absent keys.

pysot builds any network its registries can describe; we implement the models of
tracker/zoo/registry.py that have a pysot description. A config is accepted when its BACKBONE/ADJUST/RPN
sections describe one of them, whatever its META_ARC name (e.g. the `_otb` variants share the VOT
models' networks). Values and names cited are those of STVIR/pysot's pysot/core/config.py and of
the constructors in pysot/models/ (backbone/, neck/neck.py, rpn/rpn.py).
"""
from __future__ import annotations

from typing import Any

from ..core.settings import AnchorConfig, TrackerSettings
from ..errors import ConfigError
from ..zoo.pysot_network import with_defaults
from ..zoo.registry import MODELS
from .model_config import Config
from .parameters import features, parameters, pysot_defaults, pysot_key, read_parameter
from .validation import check_consistency, fail, mapping

# Sections of pysot's config; TRAIN and DATASET only matter for training and are ignored.
SECTIONS = {"META_ARC", "CUDA", "TRAIN", "DATASET", "BACKBONE", "ADJUST", "RPN", "MASK", "REFINE",
            "ANCHOR", "TRACK"}
IGNORED = {"CUDA", "TRAIN", "DATASET"}

# pysot's defaults (pysot/core/config.py) for the TRACK and ANCHOR keys a SiamRPNTracker reads,
# as the settings declare them (tracker/core/settings.py): the only defaults for tracker values.
TRACK_DEFAULTS = {"TYPE": "SiamRPNTracker", **pysot_defaults(TrackerSettings)}
# Keys pysot defines for other trackers (long-term, mask); harmless for SiamRPNTracker.
TRACK_OTHER = {"LOST_INSTANCE_SIZE", "CONFIDENCE_LOW", "CONFIDENCE_HIGH", "MASK_THERSHOLD",
               "MASK_OUTPUT_SIZE"}
ANCHOR_DEFAULTS = pysot_defaults(AnchorConfig)


def is_pysot_config(data: Any) -> bool:
    return isinstance(data, dict) and bool(set(data) & {"META_ARC", "BACKBONE", "TRACK", "RPN"})


def _typed(section: Any, source: str, key: str) -> tuple[str | None, dict]:
    section = mapping(section, source, key)
    kwargs = mapping(section.get("KWARGS", {}) or {}, source, f"{key}.KWARGS")
    return section.get("TYPE"), dict(kwargs)


def _normalise(kind: str | None, kwargs: dict) -> tuple[str | None, dict]:
    """A section with pysot's constructor defaults filled in and numbers as floats, to compare."""
    kind, full = with_defaults((kind, kwargs))
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
    adjust_section = mapping(data.get("ADJUST", {}), source, "ADJUST")
    adjust = None
    if adjust_section.get("ADJUST", True):
        adjust_section = dict(adjust_section)
        adjust_section.setdefault("TYPE", "AdjustAllLayer")
        adjust = _normalise(*_typed({k: v for k, v in adjust_section.items() if k != "ADJUST"},
                                    source, "ADJUST"))
    rpn_section = dict(mapping(data.get("RPN", {}), source, "RPN"))
    rpn_section.setdefault("TYPE", "MultiRPN")
    rpn = _normalise(*_typed(rpn_section, source, "RPN"))
    described = {name: model.pysot for name, model in MODELS.items() if model.pysot is not None}
    for name, network in described.items():
        neck = None if network.adjust is None else _normalise(*network.adjust)
        want = (_normalise(*network.backbone), neck, _normalise(*network.rpn))
        if want == (backbone, adjust, rpn):
            return name
    raise ConfigError(
        f"config {source}: BACKBONE/ADJUST/RPN describe a network this package does not implement "
        f"(BACKBONE {backbone[0]} {backbone[1]}, ADJUST {adjust}, RPN {rpn[0]} {rpn[1]}); "
        f"supported pysot networks: {', '.join(described)}")


def _read_pysot(settings_type: type, section: dict, source: str) -> dict:
    """The parameters of `settings_type` from their pysot keys in `section` (defaults filled in)."""
    return {name: read_parameter(section[pysot_key(declared)], declared, source, declared.pysot[0])
            for name, declared in parameters(settings_type).items() if declared.pysot}


def parse_pysot_config(data: dict, source: str) -> Config:
    unknown = sorted(set(data) - SECTIONS)
    if unknown:
        raise fail(source, unknown[0], f"unknown pysot config section; pysot has: {', '.join(sorted(SECTIONS))}")
    mask = mapping(data.get("MASK", {}), source, "MASK")
    if mask.get("MASK", False):
        raise fail(source, "MASK.MASK", "SiamMask models (mask heads) are not supported; use a SiamRPN++ config")
    refine = mapping(data.get("REFINE", {}), source, "REFINE")
    if refine.get("REFINE", False):
        raise fail(source, "REFINE.REFINE", "mask refinement is not supported")
    architecture = _network_of(data, source)

    track = mapping(data.get("TRACK", {}), source, "TRACK")
    unknown = sorted(set(track) - set(TRACK_DEFAULTS) - TRACK_OTHER)
    if unknown:
        raise fail(source, f"TRACK.{unknown[0]}", "unknown key in pysot's TRACK section")
    track = {**TRACK_DEFAULTS, **track}
    if track["TYPE"] != "SiamRPNTracker":
        raise fail(source, "TRACK.TYPE", f"only SiamRPNTracker is supported, got {track['TYPE']!r}")

    anchor = mapping(data.get("ANCHOR", {}), source, "ANCHOR")
    unknown = sorted(set(anchor) - {*ANCHOR_DEFAULTS, "ANCHOR_NUM"})
    if unknown:
        raise fail(source, f"ANCHOR.{unknown[0]}", "unknown key in pysot's ANCHOR section")
    anchors = AnchorConfig(**_read_pysot(AnchorConfig, {**ANCHOR_DEFAULTS, **anchor}, source))
    if "ANCHOR_NUM" in anchor and anchor["ANCHOR_NUM"] != anchors.count:
        raise fail(source, "ANCHOR.ANCHOR_NUM",
                    f"is {anchor['ANCHOR_NUM']} but RATIOS × SCALES give {anchors.count} anchors")

    settings = TrackerSettings(
        **_read_pysot(TrackerSettings, track, source),
        crop_rounding="half_up",  # pysot rounds crop corners with floor(x + 0.5)
        anchor=anchors,
        **{name: feature_type() for name, feature_type in features().items()},  # pysot has none
    )
    check_consistency(settings, source)
    return Config(architecture=architecture, tracker=settings, source=source)
