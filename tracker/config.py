"""Typed configuration: our own YAML per model, and pysot's experiment `config.yaml` files.

Both formats become the same frozen `Config`. Validation happens on load, and every error names
the file and the offending key. Nothing here is global: two configs can live in one process.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from typing import Any

import yaml

from .errors import ConfigError
from .nets import ARCHITECTURES

CROP_ROUNDINGS = ("half_up", "half_even")


@dataclass(frozen=True)
class AnchorConfig:
    stride: int = 8
    ratios: tuple[float, ...] = (0.33, 0.5, 1.0, 2.0, 3.0)
    scales: tuple[float, ...] = (8.0,)

    @property
    def count(self) -> int:
        return len(self.ratios) * len(self.scales)


@dataclass(frozen=True)
class OnlineUpdate:
    """SiamMargin's moving-average update of the cls kernel from the tracked target (ROI-Align)."""
    enabled: bool = False
    update_rate: float = 0.18          # λu, multiplied by the best penalised score
    first_kernel_weight: float = 0.60  # λs: kernel = λs·first + (1 − λs)·moving average
    context: float = 0.3               # sampled region = size + context·(w + h)


@dataclass(frozen=True)
class SecondSearch:
    """SiamMargin's "one more search" when the best score is low."""
    enabled: bool = False
    score_threshold: float = 0.1
    momentum: float = 0.9              # re-centre at previous centre + momentum × last motion


@dataclass(frozen=True)
class AdaptiveSearch:
    """SiamMargin's larger search region for small or fast targets."""
    enabled: bool = False
    large_instance_size: int = 351
    area_ratio: float = 0.004          # target area / image area below this → large search
    speed_threshold: float = 80.0      # running max displacement (crop pixels) above this → large


@dataclass(frozen=True)
class TrackerSettings:
    penalty_k: float
    window_influence: float
    lr: float
    exemplar_size: int = 127
    instance_size: int = 255
    base_size: int = 8
    context_amount: float = 0.5
    crop_rounding: str = "half_up"     # pysot: floor(x + 0.5); the submission: Python's round()
    anchor: AnchorConfig = field(default_factory=AnchorConfig)
    online_update: OnlineUpdate = field(default_factory=OnlineUpdate)
    second_search: SecondSearch = field(default_factory=SecondSearch)
    adaptive_search: AdaptiveSearch = field(default_factory=AdaptiveSearch)

    def score_size(self, instance_size: int) -> int:
        """Side of the score map for a search image of `instance_size` pixels."""
        return (instance_size - self.exemplar_size) // self.anchor.stride + 1 + self.base_size

    def instance_sizes(self) -> tuple[int, ...]:
        """Every search size this tracker can use."""
        if self.adaptive_search.enabled:
            return (self.instance_size, self.adaptive_search.large_instance_size)
        return (self.instance_size,)


@dataclass(frozen=True)
class Config:
    architecture: str
    tracker: TrackerSettings
    source: str = ""                   # file it was read from, for messages


# ---------------------------------------------------------------------------------------------
# Validation helpers: each takes the key path for its message.

def _fail(source: str, key: str, problem: str) -> ConfigError:
    return ConfigError(f"config {source}: {key}: {problem}")


def _mapping(value: Any, source: str, key: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(source, key, f"expected a mapping, got {type(value).__name__} {value!r}")
    return value


def _number(value: Any, source: str, key: str, lo: float | None = None, hi: float | None = None,
            integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(source, key, f"expected a number, got {type(value).__name__} {value!r}")
    if integer and not float(value).is_integer():
        raise _fail(source, key, f"expected an integer, got {value!r}")
    if not math.isfinite(value):
        raise _fail(source, key, f"must be finite, got {value!r}")
    if lo is not None and value < lo or hi is not None and value > hi:
        bounds = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
        raise _fail(source, key, f"must be in {bounds}, got {value!r}")
    return int(value) if integer else float(value)


def _bool(value: Any, source: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(source, key, f"expected true or false, got {value!r}")
    return value


def _positive_list(value: Any, source: str, key: str) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise _fail(source, key, f"expected a non-empty list of numbers, got {value!r}")
    return tuple(_number(v, source, f"{key}[{i}]", lo=1e-9) for i, v in enumerate(value))


def _check_keys(section: dict, allowed: set[str], required: set[str], source: str, key: str) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise _fail(source, f"{key}.{unknown[0]}" if key else unknown[0],
                    f"unknown key; allowed here: {', '.join(sorted(allowed))}")
    missing = sorted(required - set(section))
    if missing:
        raise _fail(source, f"{key}.{missing[0]}" if key else missing[0], "required key is missing")


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
    section = _mapping(raw, source, key)
    params = _FEATURE_NUMBERS[name]
    enabled = _bool(section.get("enabled"), source, f"{key}.enabled") if "enabled" in section else None
    if enabled is None:
        raise _fail(source, f"{key}.enabled", "required key is missing")
    # Parameters are required when the feature is on, so that no default acts silently.
    _check_keys(section, {"enabled", *params}, {"enabled", *params} if enabled else {"enabled"},
                source, key)
    values = {p: _number(section[p], source, f"{key}.{p}", lo, hi, integer)
              for p, (lo, hi, integer) in params.items() if p in section}
    return _FEATURE_TYPES[name](enabled=enabled, **values)


def _anchor(raw: Any, source: str) -> AnchorConfig:
    section = _mapping(raw, source, "tracker.anchor")
    _check_keys(section, {"stride", "ratios", "scales"}, {"stride", "ratios", "scales"}, source,
                "tracker.anchor")
    return AnchorConfig(stride=_number(section["stride"], source, "tracker.anchor.stride", 1, None, True),
                        ratios=_positive_list(section["ratios"], source, "tracker.anchor.ratios"),
                        scales=_positive_list(section["scales"], source, "tracker.anchor.scales"))


def _check_consistency(settings: TrackerSettings, source: str) -> None:
    if settings.instance_size < settings.exemplar_size:
        raise _fail(source, "tracker.instance_size",
                    f"must be at least exemplar_size ({settings.exemplar_size}), got {settings.instance_size}")
    large = settings.adaptive_search
    if large.enabled and large.large_instance_size < settings.exemplar_size:
        raise _fail(source, "tracker.adaptive_search.large_instance_size",
                    f"must be at least exemplar_size ({settings.exemplar_size})")
    if settings.anchor.count != 5:
        raise _fail(source, "tracker.anchor",
                    f"the networks predict 5 anchors per position; ratios × scales give {settings.anchor.count}")


def parse_config(data: Any, source: str = "<memory>") -> Config:
    """Validates our own config format (see models/*/config.yaml)."""
    data = _mapping(data, source, "(top level)")
    _check_keys(data, {"architecture", "tracker"}, {"architecture", "tracker"}, source, "")
    architecture = data["architecture"]
    if architecture not in ARCHITECTURES:
        raise _fail(source, "architecture",
                    f"unknown architecture {architecture!r}; known: {', '.join(sorted(ARCHITECTURES))}")
    raw = _mapping(data["tracker"], source, "tracker")
    required = {*_TRACKER_NUMBERS, "crop_rounding", "anchor", *_FEATURE_TYPES}
    _check_keys(raw, required, required, source, "tracker")
    values: dict[str, Any] = {name: _number(raw[name], source, f"tracker.{name}", lo, hi, integer)
                              for name, (lo, hi, integer) in _TRACKER_NUMBERS.items()}
    if raw["crop_rounding"] not in CROP_ROUNDINGS:
        raise _fail(source, "tracker.crop_rounding",
                    f"expected one of {', '.join(CROP_ROUNDINGS)}, got {raw['crop_rounding']!r}")
    values["crop_rounding"] = raw["crop_rounding"]
    values["anchor"] = _anchor(raw["anchor"], source)
    for name in _FEATURE_TYPES:
        values[name] = _feature(raw[name], name, source)
    settings = TrackerSettings(**values)
    _check_consistency(settings, source)
    return Config(architecture=architecture, tracker=settings, source=source)


def config_to_dict(config: Config) -> dict:
    """Our YAML format of a config (for writing a pysot config out in our format, and tests)."""
    def plain(obj):
        if hasattr(obj, "__dataclass_fields__"):
            return {f.name: plain(getattr(obj, f.name)) for f in fields(obj)}
        if isinstance(obj, tuple):
            return [plain(v) for v in obj]
        return obj
    settings = plain(config.tracker)
    return {"architecture": config.architecture, "tracker": settings}


def load_config(path: str | os.PathLike) -> Config:
    """Reads our config format or a pysot experiment config.yaml (detected by its sections)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ConfigError(f"config file not found: {path}")
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        raise ConfigError(f"config {path}: not valid YAML{at}: {getattr(e, 'problem', None) or e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"config {path}: cannot read: {e}") from None
    if data is None:
        raise ConfigError(f"config {path}: the file is empty")
    from .pysot_config import is_pysot_config, parse_pysot_config
    if is_pysot_config(data):
        return parse_pysot_config(data, path)
    return parse_config(data, path)
