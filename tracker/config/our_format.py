"""Our own config format (models/*/config.yaml): architecture + every tracker setting, validated,
every error naming the file and the offending key."""
from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..core.settings import CROP_ROUNDINGS, AnchorConfig, PointConfig, TrackerSettings
from ..zoo.registry import MODELS, model_names
from .model_config import Config
from .parameters import features, parameters, read_parameters
from .validation import boolean, check_consistency, check_keys, fail, mapping


def _feature(raw: Any, name: str, feature_type: type, source: str):
    key = f"tracker.{name}"
    section = mapping(raw, source, key)
    params = parameters(feature_type)
    enabled = boolean(section.get("enabled"), source, f"{key}.enabled") if "enabled" in section else None
    if enabled is None:
        raise fail(source, f"{key}.enabled", "required key is missing")
    # Parameters are required when the feature is on, so that no default acts silently.
    check_keys(section, {"enabled", *params}, {"enabled", *params} if enabled else {"enabled"},
               source, key)
    values = read_parameters(feature_type, section, source, key)
    # An off feature's parameters are checked above but not kept: they would do nothing.
    return feature_type(enabled=True, **values) if enabled else feature_type()


# The config section describing each head family's outputs (the registry says which a model has).
_HEAD_SECTIONS = {"anchor": AnchorConfig, "points": PointConfig}
_HEAD_NAMES = {"anchor": "an anchor head (pysot, SiamMargin)", "points": "a point head (NanoTrack)"}


def _head(raw: Any, section_type: type, source: str, key: str):
    """The anchor or points section: every declared parameter, nothing else."""
    section = mapping(raw, source, key)
    names = set(parameters(section_type))
    check_keys(section, names, names, source, key)
    return section_type(**read_parameters(section_type, section, source, key))


def parse_config(data: Any, source: str = "<memory>") -> Config:
    """Validates our own config format (see models/*/config.yaml)."""
    data = mapping(data, source, "(top level)")
    check_keys(data, {"architecture", "tracker"}, {"architecture", "tracker"}, source, "")
    architecture = data["architecture"]
    if architecture not in MODELS:
        raise fail(source, "architecture",
                   f"unknown architecture {architecture!r}; known: {', '.join(model_names())}")
    raw = mapping(data["tracker"], source, "tracker")
    head = MODELS[architecture].head
    for other in set(_HEAD_SECTIONS) - {head}:
        if other in raw:
            raise fail(source, f"tracker.{other}",
                       f"architecture {architecture!r} has {_HEAD_NAMES[head]}: its outputs are described "
                       f"by tracker.{head}, not tracker.{other}")
    required = {f.name for f in fields(TrackerSettings)} - set(_HEAD_SECTIONS) | {head}
    check_keys(raw, required, required, source, "tracker")
    values = read_parameters(TrackerSettings, raw, source, "tracker")
    if raw["crop_rounding"] not in CROP_ROUNDINGS:
        raise fail(source, "tracker.crop_rounding",
                   f"expected one of {', '.join(CROP_ROUNDINGS)}, got {raw['crop_rounding']!r}")
    values["crop_rounding"] = raw["crop_rounding"]
    for section, section_type in _HEAD_SECTIONS.items():
        key = f"tracker.{section}"
        values[section] = _head(raw[section], section_type, source, key) if section == head else None
    for name, feature_type in features().items():
        values[name] = _feature(raw[name], name, feature_type, source)
    settings = TrackerSettings(**values)
    check_consistency(settings, source)
    return Config(architecture=architecture, tracker=settings, source=source)


def config_to_dict(config: Config) -> dict:
    """Our YAML format of a config (e.g. a pysot config.yaml written out in our format)."""
    def plain(obj):
        if hasattr(obj, "__dataclass_fields__"):  # an off feature's parameters (None) are left out
            return {f.name: plain(getattr(obj, f.name)) for f in fields(obj) if getattr(obj, f.name) is not None}
        if isinstance(obj, tuple):
            return [plain(v) for v in obj]
        return obj
    settings = plain(config.tracker)
    return {"architecture": config.architecture, "tracker": settings}

