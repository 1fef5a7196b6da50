"""`--set key=value` overrides of a tracker config, validated exactly like the file.

    config, effective = load_with_overrides("models/siammargin/config.yaml", ["tracker.lr=0.3"])

The config is read (ours or pysot's format), turned into our YAML form, each override applied to
that mapping (the value parsed as YAML: 0.1, true, [1, 2]), and the result validated by the same
parser as a file; an unknown or invalid key is a ConfigError naming it. `effective` is the mapping
that was validated: write it next to the results (write_effective_config) so a run records what it ran.
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..errors import ConfigError
from . import load_config
from .model_config import Config
from .our_format import config_to_dict, parse_config


def parse_assignment(text: str) -> tuple[list[str], object]:
    """'tracker.online_update.update_rate=0.2' → (['tracker', 'online_update', 'update_rate'], 0.2)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or any(not part for part in key.strip().split(".")):
        raise ConfigError(f"--set {text!r}: expected key=value with a dotted key, e.g. tracker.penalty_k=0.1")
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        raise ConfigError(f"--set {text!r}: the value is not valid YAML") from None
    return key.strip().split("."), parsed


def apply_overrides(data: dict, assignments: list[str]) -> dict:
    """A copy of the config mapping `data` with each key=value applied. A key whose parent is not
    a mapping is an error; a new leaf is left to the validator (which names it as unknown)."""
    result = yaml.safe_load(yaml.safe_dump(data))  # deep copy of plain data
    for text in assignments:
        path, value = parse_assignment(text)
        section = result
        for depth, part in enumerate(path[:-1]):
            if not isinstance(section, dict) or part not in section:
                raise ConfigError(f"--set {text!r}: unknown key {'.'.join(path[:depth + 1])}")
            section = section[part]
        if not isinstance(section, dict):
            raise ConfigError(f"--set {text!r}: {'.'.join(path[:-1])} is not a section")
        section[path[-1]] = value
    return result


def load_with_overrides(path: str | os.PathLike, assignments: list[str] = ()) -> tuple[Config, dict]:
    """The validated Config of `path` with `assignments` applied, and its YAML mapping."""
    base = load_config(path)
    data = apply_overrides(config_to_dict(base), list(assignments))
    source = f"{path} with --set {' '.join(assignments)}" if assignments else os.fspath(path)
    config = parse_config(data, source)
    return config, config_to_dict(config)


def write_effective_config(data: dict, out: Path, assignments: list[str] = ()) -> Path:
    """Writes the effective config as YAML (with the overrides as a comment); it loads as a config."""
    out.parent.mkdir(parents=True, exist_ok=True)
    header = "".join(f"# --set {a}\n" for a in assignments)
    out.write_text(header + yaml.safe_dump(data, sort_keys=False))
    return out
