"""A training run's configuration: YAML data, validated on load; every error names the key.

Every key is required (no default acts silently); models/siammargin_tiny/train.yaml is the
documented example.
"""
from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.validation import boolean, fail, number, read_yaml

CLASSIFICATION_LOSSES = ("cross_entropy", "large_margin")
LOCALISATION_LOSSES = ("smooth_l1", "iou")
PRETRAINED_BACKBONES = ("none", "objectron_ssd_mobilenetv2")  # tracker.training.pretrained


@dataclass(frozen=True)
class BackboneSettings:
    pretrained: str             # none (random initialisation) | objectron_ssd_mobilenetv2
    frozen_layers: int          # backbone layers 0 .. frozen_layers-1 are not trained
    lr_scale: float             # the trained backbone layers learn at lr × this


@dataclass(frozen=True)
class OptimizerSettings:
    lr: float                   # AdamW peak learning rate
    weight_decay: float
    warmup_steps: int           # linear warm-up, then cosine decay
    final_lr_fraction: float    # the cosine ends at lr × this


@dataclass(frozen=True)
class DataSettings:
    sequence_weight: float      # share of pairs from real sequences ...
    photo_weight: float         # ... and from photo composites
    frame_range: int            # template and search frames at most this far apart
    negative_pair_probability: float
    distractor_probability: float             # composites: other cut-outs in the search scene
    same_object_distractor_probability: float  # composites: a second copy of the target
    held_out: tuple[str, ...]   # sequences never trained on (validation)


@dataclass(frozen=True)
class AugmentSettings:
    template_shift: float       # template crop jitter, exemplar pixels
    template_scale: float
    search_shift: float         # search crop shift, instance pixels
    search_scale: float         # log-scale jitter of the search window
    color: float                # probabilities
    blur: float
    grey: float
    flip: float


@dataclass(frozen=True)
class TargetSettings:
    positive_iou: float         # anchor IoU with the target above this: positive
    negative_iou: float         # below this: negative
    positives: int              # at most this many positives sampled per pair
    samples: int                # positives + negatives sampled per pair


@dataclass(frozen=True)
class LossSettings:
    classification: str        # cross_entropy (pysot) | large_margin (ours, see losses.py)
    localisation: str          # smooth_l1 (pysot) | iou
    loc_weight: float
    margin: float              # large_margin only: logit margin m
    hard_negatives: int        # large_margin only: k hardest negatives ranked per pair
    rank_weight: float         # large_margin only
    correlation_weight: float  # large_margin only: weight of the correlation-map term


@dataclass(frozen=True)
class TrainingSettings:
    tracker_config: str         # the model's tracker config (architecture, crop sizes), relative to this file
    seed: int
    steps: int
    batch_size: int
    checkpoint_every: int
    validate_every: int
    optimizer: OptimizerSettings
    backbone: BackboneSettings
    data: DataSettings
    augment: AugmentSettings
    targets: TargetSettings
    loss: LossSettings
    source: str = ""

    def tracker_config_path(self) -> Path:
        path = Path(self.tracker_config)
        return path if path.is_absolute() else Path(self.source).parent / path


# Numeric bounds (low, high) where a key has them.
_BOUNDS = {
    "lr": (1e-8, 10), "weight_decay": (0, 1), "warmup_steps": (0, None), "final_lr_fraction": (0, 1),
    "sequence_weight": (0, None), "photo_weight": (0, None), "frame_range": (0, None),
    "negative_pair_probability": (0, 1), "distractor_probability": (0, 1),
    "same_object_distractor_probability": (0, 1), "template_shift": (0, None), "template_scale": (0, 0.5),
    "search_shift": (0, None), "search_scale": (0, 1), "color": (0, 1), "blur": (0, 1), "grey": (0, 1),
    "flip": (0, 1), "positive_iou": (0, 1), "negative_iou": (0, 1), "positives": (0, None),
    "samples": (1, None), "loc_weight": (0, None), "margin": (0, None), "hard_negatives": (1, None),
    "rank_weight": (0, None), "correlation_weight": (0, None), "seed": (0, None), "steps": (1, None),
    "batch_size": (1, None), "checkpoint_every": (1, None), "validate_every": (1, None),
    "frozen_layers": (0, None), "lr_scale": (0, None),
}
_CHOICES = {"classification": CLASSIFICATION_LOSSES, "localisation": LOCALISATION_LOSSES,
            "pretrained": PRETRAINED_BACKBONES}


def _value(kind: Any, value: Any, source: str, key: str) -> Any:
    name = key.rsplit(".", 1)[-1]
    if dataclasses.is_dataclass(kind):
        return _section(kind, value, source, key)
    if kind is bool:
        return boolean(value, source, key)
    if kind in (int, float):
        low, high = _BOUNDS.get(name, (None, None))
        return number(value, source, key, low, high, integer=kind is int)
    if kind is str:
        if not isinstance(value, str):
            raise fail(source, key, f"expected a string, got {value!r}")
        if name in _CHOICES and value not in _CHOICES[name]:
            raise fail(source, key, f"expected one of {', '.join(_CHOICES[name])}, got {value!r}")
        return value
    if typing.get_origin(kind) is tuple:  # tuple[str, ...]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(source, key, f"expected a list of names, got {value!r}")
        return tuple(value)
    raise TypeError(f"no validator for {kind}")


def _section(cls, data: Any, source: str, key: str):
    where = key or "(top level)"
    if not isinstance(data, dict):
        raise fail(source, where, f"expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "source"]
    for name in data:
        if name not in names:
            raise fail(source, f"{key}.{name}" if key else name, f"unknown key; allowed: {', '.join(names)}")
    for name in names:
        if name not in data:
            raise fail(source, f"{key}.{name}" if key else name, "required key is missing")
    return cls(**{name: _value(hints[name], data[name], source, f"{key}.{name}" if key else name)
                  for name in names})


def parse_training_settings(data: Any, source: str = "<memory>") -> TrainingSettings:
    settings = _section(TrainingSettings, data, source, "")
    settings = dataclasses.replace(settings, source=source)
    if settings.targets.negative_iou > settings.targets.positive_iou:
        raise fail(source, "targets.negative_iou", "must not exceed targets.positive_iou")
    if settings.targets.positives > settings.targets.samples:
        raise fail(source, "targets.positives", "must not exceed targets.samples")
    if settings.data.sequence_weight + settings.data.photo_weight <= 0:
        raise fail(source, "data.sequence_weight", "sequence_weight + photo_weight must be positive")
    return settings


def load_training_settings(path: str | os.PathLike) -> TrainingSettings:
    return parse_training_settings(read_yaml(path), os.fspath(path))


def settings_to_dict(settings: TrainingSettings) -> dict:
    """The YAML form (written beside every run's outputs)."""
    data = dataclasses.asdict(settings)
    data.pop("source")

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        return value
    return plain(data)
