"""What a tracker config file says: the model's architecture and the tracker's settings."""
from __future__ import annotations

from dataclasses import dataclass

from ..core.settings import TrackerSettings


@dataclass(frozen=True)
class Config:
    architecture: str                  # a model of tracker/zoo/registry.py
    tracker: TrackerSettings
    source: str = ""                   # file it was read from, for messages
