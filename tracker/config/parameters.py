"""Reads the settings' own declarations (tracker/core/settings.py: each numeric field's
`Parameter`), so that our config reader's checks, pysot's defaults and the tuner's search space
all come from that one place."""
from __future__ import annotations

import typing
from dataclasses import fields, is_dataclass
from typing import Any

from ..core.settings import PARAMETER, Parameter, TrackerSettings
from .validation import number, positive_list


def parameters(settings_type: type) -> dict[str, Parameter]:
    """The numeric parameters of a settings dataclass, by field name, in declaration order."""
    return {f.name: f.metadata[PARAMETER] for f in fields(settings_type) if PARAMETER in f.metadata}


def read_parameter(value: Any, declared: Parameter, source: str, key: str) -> Any:
    """`value` checked as `declared` says; errors name `key` in `source`."""
    if declared.positive_list:
        return positive_list(value, source, key)
    return number(value, source, key, declared.lo, declared.hi, declared.integer)


def read_parameters(settings_type: type, section: dict, source: str, key: str) -> dict[str, Any]:
    """The declared parameters of `settings_type` that `section` (our format, at `key`) holds, checked."""
    return {name: read_parameter(section[name], declared, source, f"{key}.{name}")
            for name, declared in parameters(settings_type).items() if name in section}


def features() -> dict[str, type]:
    """SiamMargin's switchable features: the sections of TrackerSettings with an `enabled` switch."""
    types = typing.get_type_hints(TrackerSettings)
    return {name: kind for name, kind in types.items()
            if is_dataclass(kind) and "enabled" in {f.name for f in fields(kind)}}


def pysot_key(declared: Parameter) -> str:
    """The parameter's key within its pysot config section ("TRACK.LR" → "LR")."""
    return declared.pysot[0].split(".", 1)[1]


def pysot_defaults(settings_type: type) -> dict[str, Any]:
    """pysot's defaults for the keys of its config section that `settings_type` reads, by key
    within the section (e.g. {"PENALTY_K": 0.04, ...} for TrackerSettings' TRACK keys)."""
    return {pysot_key(p): p.pysot[1] for p in parameters(settings_type).values() if p.pysot}


def tuning_space() -> dict[str, tuple[float, float]]:
    """Our config key → (low, high) of every tuned parameter, top-level ones first."""
    space = {f"tracker.{name}": p.tuning for name, p in parameters(TrackerSettings).items() if p.tuning}
    for feature, kind in features().items():
        space.update({f"tracker.{feature}.{name}": p.tuning for name, p in parameters(kind).items() if p.tuning})
    return space
