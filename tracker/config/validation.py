"""Checks shared by both config readers (ours and pysot's); each names the file and the key."""
from __future__ import annotations

import math
import os
from typing import Any

import yaml

from ..core.settings import ANCHORS_PER_POSITION, TrackerSettings
from ..errors import ConfigError


def read_yaml(path: str | os.PathLike) -> Any:
    """The data of a YAML config file; ConfigError (naming the file, and the line of a syntax
    error) if it is missing, unreadable, not YAML or empty."""
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
    return data


def fail(source: str, key: str, problem: str) -> ConfigError:
    """The one-line error every config check raises: `config FILE: KEY: PROBLEM`."""
    return ConfigError(f"config {source}: {key}: {problem}")


def mapping(value: Any, source: str, key: str) -> dict:
    if not isinstance(value, dict):
        raise fail(source, key, f"expected a mapping, got {type(value).__name__} {value!r}")
    return value


def number(value: Any, source: str, key: str, lo: float | None = None, hi: float | None = None,
           integer: bool = False) -> float:
    """A finite number in [lo, hi] (int when `integer`); bools are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(source, key, f"expected a number, got {type(value).__name__} {value!r}")
    if integer and not float(value).is_integer():
        raise fail(source, key, f"expected an integer, got {value!r}")
    if not math.isfinite(value):
        raise fail(source, key, f"must be finite, got {value!r}")
    if lo is not None and value < lo or hi is not None and value > hi:
        bounds = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
        raise fail(source, key, f"must be in {bounds}, got {value!r}")
    return int(value) if integer else float(value)


def boolean(value: Any, source: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise fail(source, key, f"expected true or false, got {value!r}")
    return value


def positive_list(value: Any, source: str, key: str) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise fail(source, key, f"expected a non-empty list of numbers, got {value!r}")
    return tuple(number(v, source, f"{key}[{i}]", lo=1e-9) for i, v in enumerate(value))


def check_keys(section: dict, allowed: set[str], required: set[str], source: str, key: str) -> None:
    """No key outside `allowed`, every key of `required`; the first offender is named."""
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise fail(source, f"{key}.{unknown[0]}" if key else unknown[0],
                   f"unknown key; allowed here: {', '.join(sorted(allowed))}")
    missing = sorted(required - set(section))
    if missing:
        raise fail(source, f"{key}.{missing[0]}" if key else missing[0], "required key is missing")


def check_consistency(settings: TrackerSettings, source: str) -> None:
    """Checks across keys, after each key is valid on its own."""
    if settings.instance_size < settings.exemplar_size:
        raise fail(source, "tracker.instance_size",
                   f"must be at least exemplar_size ({settings.exemplar_size}), got {settings.instance_size}")
    large = settings.adaptive_search
    if large.enabled and large.large_instance_size < settings.exemplar_size:
        raise fail(source, "tracker.adaptive_search.large_instance_size",
                   f"must be at least exemplar_size ({settings.exemplar_size})")
    if settings.anchor is not None and settings.anchor.count != ANCHORS_PER_POSITION:
        raise fail(source, "tracker.anchor",
                   f"the networks predict {ANCHORS_PER_POSITION} anchors per position; "
                   f"ratios × scales give {settings.anchor.count}")
