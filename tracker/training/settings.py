"""A training run's configuration: YAML data, validated on load; every error names the key.

Every key is required (no default acts silently), except that `targets` takes the thresholds of
one head family only; models/siammargin_tiny/train.yaml (anchors) and
models/siammargin_nano/train.yaml (points, fine-tuned from published weights) are the documented
examples.
"""
from __future__ import annotations

import dataclasses
import os
import types
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
    """Labels of the score map's cells. The thresholds are the head family's: IoU for anchors
    (pysot's AnchorTarget), ellipse semi-axes for points (NanoTrack's PointTarget); a config
    gives its family's pair and not the other (the Trainer checks it against the model)."""
    positives: int              # at most this many positives sampled per pair
    samples: int                # positives + negatives sampled per pair
    positive_iou: float | None = None     # anchors: IoU with the target above this: positive
    negative_iou: float | None = None     # anchors: below this: negative
    positive_radius: float | None = None  # points: inside the ellipse of semi-axes this × (w, h) at
                                          # the target's centre: positive (NanoTrack: 0.25)
    negative_radius: float | None = None  # points: outside the ellipse of this × (w, h): negative (0.5)

    def family(self) -> str:
        """"anchor" or "points": the head family these thresholds are for."""
        return "anchor" if self.positive_iou is not None else "points"


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
    initial_weights: str        # none | a registered model's name (its weights, tracker.zoo.paths) | a
                                # checkpoint file (relative to this file): the whole network starts from it
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
        return self._relative(self.tracker_config)

    def initial_weights_path(self) -> Path | None:
        """The checkpoint `initial_weights` names, or None for `none`."""
        from ..zoo.paths import weights_of
        from ..zoo.registry import MODELS

        if self.initial_weights == "none":
            return None
        if self.initial_weights in MODELS:
            return weights_of(self.initial_weights)
        return self._relative(self.initial_weights)

    def _relative(self, name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else Path(self.source).parent / path


# Numeric bounds (low, high) where a key has them.
_BOUNDS = {
    "lr": (1e-8, 10), "weight_decay": (0, 1), "warmup_steps": (0, None), "final_lr_fraction": (0, 1),
    "sequence_weight": (0, None), "photo_weight": (0, None), "frame_range": (0, None),
    "negative_pair_probability": (0, 1), "distractor_probability": (0, 1),
    "same_object_distractor_probability": (0, 1), "template_shift": (0, None), "template_scale": (0, 0.5),
    "search_shift": (0, None), "search_scale": (0, 1), "color": (0, 1), "blur": (0, 1), "grey": (0, 1),
    "flip": (0, 1), "positive_iou": (0, 1), "negative_iou": (0, 1), "positive_radius": (0, None),
    "negative_radius": (0, None), "positives": (0, None),
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
    if typing.get_origin(kind) is types.UnionType:  # X | None: an optional key, given
        return _value(next(k for k in typing.get_args(kind) if k is not type(None)), value, source, key)
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
    fields = [f for f in dataclasses.fields(cls) if f.name != "source"]
    names = [f.name for f in fields]
    for name in data:
        if name not in names:
            raise fail(source, f"{key}.{name}" if key else name, f"unknown key; allowed: {', '.join(names)}")
    for field in fields:  # only the head families' threshold pairs may be absent (checked below)
        if field.name not in data and field.default is not None:
            raise fail(source, f"{key}.{field.name}" if key else field.name, "required key is missing")
    return cls(**{name: _value(hints[name], data[name], source, f"{key}.{name}" if key else name)
                  for name in names if name in data})


def parse_training_settings(data: Any, source: str = "<memory>") -> TrainingSettings:
    settings = _section(TrainingSettings, data, source, "")
    settings = dataclasses.replace(settings, source=source)
    targets = settings.targets
    pairs = {"anchor": ("positive_iou", "negative_iou"), "points": ("positive_radius", "negative_radius")}
    given = [family for family, keys in pairs.items() if any(getattr(targets, k) is not None for k in keys)]
    if len(given) != 1:
        raise fail(source, "targets", "give either positive_iou and negative_iou (an anchor head) or "
                                      "positive_radius and negative_radius (a point head)")
    for name in pairs[given[0]]:
        if getattr(targets, name) is None:
            raise fail(source, f"targets.{name}", "required key is missing")
    if given == ["anchor"] and targets.negative_iou > targets.positive_iou:
        raise fail(source, "targets.negative_iou", "must not exceed targets.positive_iou")
    if given == ["points"] and targets.negative_radius < targets.positive_radius:
        raise fail(source, "targets.negative_radius", "must not be below targets.positive_radius")
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
        if isinstance(value, dict):  # absent optional keys stay absent
            return {k: plain(v) for k, v in value.items() if v is not None}
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        return value
    return plain(data)
