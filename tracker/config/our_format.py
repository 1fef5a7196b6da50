"""Our own config format (models/*/config.yaml): architecture + every tracker setting, validated,
every error naming the file and the offending key."""
from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..core.settings import (CROP_ROUNDINGS, AdaptiveSearch, AnchorConfig, OnlineUpdate, SecondSearch,
                             TrackerSettings)
from ..zoo.registry import MODELS, model_names
from .model_config import Config
from .validation import boolean, check_consistency, check_keys, fail, mapping, number, positive_list

# (name, lower bound, upper bound, integer) of each numeric parameter.
_TRACKER_NUMBERS = {
    "penalty_k": (0, None, False), "window_influence": (0, 1, False), "lr": (0, 1, False),
    "exemplar_size": (1, None, True), "instance_size": (1, None, True),
    "base_size": (0, None, True), "context_amount": (0, None, False),
}
_FEATURE_NUMBERS = {
    "online_update": {"update_rate": (0, 1, False), "first_kernel_weight": (0, 1, False),
                      "context": (0, None, False)},
    "second_search": {"score_threshold": (0, 1, False), "momentum": (None, None, False)},
    "adaptive_search": {"large_instance_size": (1, None, True), "area_ratio": (0, 1, False),
                        "speed_threshold": (0, None, False)},
}
_FEATURE_TYPES = {"online_update": OnlineUpdate, "second_search": SecondSearch,
                  "adaptive_search": AdaptiveSearch}


def _feature(raw: Any, name: str, source: str):
    key = f"tracker.{name}"
    section = mapping(raw, source, key)
    params = _FEATURE_NUMBERS[name]
    enabled = boolean(section.get("enabled"), source, f"{key}.enabled") if "enabled" in section else None
    if enabled is None:
        raise fail(source, f"{key}.enabled", "required key is missing")
    # Parameters are required when the feature is on, so that no default acts silently.
    check_keys(section, {"enabled", *params}, {"enabled", *params} if enabled else {"enabled"},
               source, key)
    values = {p: number(section[p], source, f"{key}.{p}", lo, hi, integer)
              for p, (lo, hi, integer) in params.items() if p in section}
    # An off feature's parameters are checked above but not kept: they would do nothing.
    return _FEATURE_TYPES[name](enabled=True, **values) if enabled else _FEATURE_TYPES[name]()


def _anchor(raw: Any, source: str) -> AnchorConfig:
    section = mapping(raw, source, "tracker.anchor")
    check_keys(section, {"stride", "ratios", "scales"}, {"stride", "ratios", "scales"}, source,
               "tracker.anchor")
    return AnchorConfig(stride=number(section["stride"], source, "tracker.anchor.stride", 1, None, True),
                        ratios=positive_list(section["ratios"], source, "tracker.anchor.ratios"),
                        scales=positive_list(section["scales"], source, "tracker.anchor.scales"))


def parse_config(data: Any, source: str = "<memory>") -> Config:
    """Validates our own config format (see models/*/config.yaml)."""
    data = mapping(data, source, "(top level)")
    check_keys(data, {"architecture", "tracker"}, {"architecture", "tracker"}, source, "")
    architecture = data["architecture"]
    if architecture not in MODELS:
        raise fail(source, "architecture",
                   f"unknown architecture {architecture!r}; known: {', '.join(model_names())}")
    raw = mapping(data["tracker"], source, "tracker")
    required = {*_TRACKER_NUMBERS, "crop_rounding", "anchor", *_FEATURE_TYPES}
    check_keys(raw, required, required, source, "tracker")
    values: dict[str, Any] = {name: number(raw[name], source, f"tracker.{name}", lo, hi, integer)
                              for name, (lo, hi, integer) in _TRACKER_NUMBERS.items()}
    if raw["crop_rounding"] not in CROP_ROUNDINGS:
        raise fail(source, "tracker.crop_rounding",
                   f"expected one of {', '.join(CROP_ROUNDINGS)}, got {raw['crop_rounding']!r}")
    values["crop_rounding"] = raw["crop_rounding"]
    values["anchor"] = _anchor(raw["anchor"], source)
    for name in _FEATURE_TYPES:
        values[name] = _feature(raw[name], name, source)
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

