"""The tracker's settings as frozen dataclasses: the algorithm's parameters, which both config
readers (tracker/config/) produce.

No tracker value has a default here: our config format requires every key, and pysot's reader
fills absent keys with pysot's own defaults (tracker/config/pysot_format.py). A SiamMargin feature is
off unless a config turns it on; an off feature carries no parameters (None).
"""
from __future__ import annotations

from dataclasses import dataclass

CROP_ROUNDINGS = ("half_up", "half_even")
ANCHORS_PER_POSITION = 5  # every implemented network's RPN heads predict 5 anchors per position


@dataclass(frozen=True)
class AnchorConfig:
    stride: int
    ratios: tuple[float, ...]
    scales: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.ratios) * len(self.scales)


@dataclass(frozen=True)
class OnlineUpdate:
    """SiamMargin's moving-average update of the cls kernel from the tracked target (ROI-Align)."""
    enabled: bool = False
    update_rate: float | None = None          # λu, multiplied by the best penalised score
    first_kernel_weight: float | None = None  # λs: kernel = λs·first + (1 − λs)·moving average
    context: float | None = None              # sampled region = size + context·(w + h)


@dataclass(frozen=True)
class SecondSearch:
    """SiamMargin's "one more search" when the best score is low."""
    enabled: bool = False
    score_threshold: float | None = None
    momentum: float | None = None             # re-centre at previous centre + momentum × last motion


@dataclass(frozen=True)
class AdaptiveSearch:
    """SiamMargin's larger search region for small or fast targets."""
    enabled: bool = False
    large_instance_size: int | None = None
    area_ratio: float | None = None           # target area / image area below this → large search
    speed_threshold: float | None = None      # running max displacement (crop pixels) above this → large


@dataclass(frozen=True)
class TrackerSettings:
    penalty_k: float
    window_influence: float
    lr: float
    exemplar_size: int
    instance_size: int
    base_size: int
    context_amount: float
    crop_rounding: str                 # half_up: pysot's floor(x + 0.5); half_even: Python's round()
    anchor: AnchorConfig
    online_update: OnlineUpdate
    second_search: SecondSearch
    adaptive_search: AdaptiveSearch

    def score_size(self, instance_size: int) -> int:
        """Side of the score map for a search image of `instance_size` pixels."""
        return (instance_size - self.exemplar_size) // self.anchor.stride + 1 + self.base_size

    def instance_sizes(self) -> tuple[int, ...]:
        """Every search size this tracker can use."""
        if self.adaptive_search.enabled:
            return (self.instance_size, self.adaptive_search.large_instance_size)
        return (self.instance_size,)
