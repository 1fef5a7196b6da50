"""Typed configuration: our own YAML per model, and pysot's experiment `config.yaml` files.

Both formats become the same frozen `Config` (architecture + `TrackerSettings`). Validation
happens on load, and every error names the file and the offending key. Nothing here is global:
two configs can live in one process.
"""
from __future__ import annotations

import os

from .model_config import Config
from .our_format import config_to_dict, parse_config
from .pysot_format import is_pysot_config, parse_pysot_config
from .validation import read_yaml

__all__ = ["Config", "load_config", "parse_config", "config_to_dict"]


def load_config(path: str | os.PathLike) -> Config:
    """Reads our config format or a pysot experiment config.yaml (detected by its sections)."""
    path = os.fspath(path)
    data = read_yaml(path)
    if is_pysot_config(data):
        return parse_pysot_config(data, path)
    return parse_config(data, path)
