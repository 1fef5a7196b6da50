"""The tracker's settings as frozen dataclasses: the algorithm's parameters, which both config
readers (tracker/config/) produce.

Each numeric parameter is declared once, here, with what the rest of the package needs to know
about it as its field's `Parameter` metadata: its bounds and integer-ness (which our config
reader checks), pysot's config key and pysot's default where pysot has the parameter (which
pysot's reader uses), and the range the tuner searches where it is tuned
(tracker/config/parameters.py reads these declarations).

No tracker value has a default of ours: our config format requires every key, and pysot's reader
fills absent keys with pysot's own defaults. A SiamMargin feature is off unless a config turns it
on; an off feature carries no parameters (None).
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field
from typing import Any

CROP_ROUNDINGS = ("half_up", "half_even")
ANCHORS_PER_POSITION = 5  # every implemented network's RPN heads predict 5 anchors per position


@dataclass(frozen=True)
class Parameter:
    """One numeric setting as the config readers and the tuner see it."""
    lo: float | None = None                     # inclusive bounds (None: unbounded)
    hi: float | None = None
    integer: bool = False
    positive_list: bool = False                 # a non-empty list of positive numbers, not one number
    pysot: tuple[str, Any] | None = None        # (SECTION.KEY, pysot/core/config.py's default)
    tuning: tuple[float, float] | None = None   # (low, high) the tuner searches


PARAMETER = "parameter"  # the metadata key of a field's Parameter


def parameter(default: Any = MISSING, **declaration: Any) -> Any:
    """A dataclass field declared as a numeric Parameter (keyword arguments as Parameter's)."""
    return field(default=default, metadata={PARAMETER: Parameter(**declaration)})


@dataclass(frozen=True)
class AnchorConfig:
    stride: int = parameter(lo=1, integer=True, pysot=("ANCHOR.STRIDE", 8))
    ratios: tuple[float, ...] = parameter(positive_list=True, pysot=("ANCHOR.RATIOS", (0.33, 0.5, 1, 2, 3)))
    scales: tuple[float, ...] = parameter(positive_list=True, pysot=("ANCHOR.SCALES", (8,)))

    @property
    def count(self) -> int:
        return len(self.ratios) * len(self.scales)


@dataclass(frozen=True)
class PointConfig:
    """NanoTrack's anchor-free head: one box per score-map cell, predicted as distances from the
    cell's point (geometry.make_points) to the box's sides."""
    stride: int = parameter(lo=1, integer=True)


@dataclass(frozen=True)
class OnlineUpdate:
    """SiamMargin's moving-average update of the cls kernel from the tracked target (ROI-Align)."""
    enabled: bool = False
    # λu, multiplied by the best penalised score
    update_rate: float | None = parameter(None, lo=0, hi=1, tuning=(0.0, 0.5))
    # λs: kernel = λs·first + (1 − λs)·moving average
    first_kernel_weight: float | None = parameter(None, lo=0, hi=1, tuning=(0.3, 0.9))
    # sampled region = size + context·(w + h)
    context: float | None = parameter(None, lo=0)


@dataclass(frozen=True)
class SecondSearch:
    """SiamMargin's "one more search" when the best score is low."""
    enabled: bool = False
    score_threshold: float | None = parameter(None, lo=0, hi=1, tuning=(0.0, 0.5))
    # re-centre at previous centre + momentum × last motion
    momentum: float | None = parameter(None)


@dataclass(frozen=True)
class AdaptiveSearch:
    """SiamMargin's larger search region for small or fast targets."""
    enabled: bool = False
    large_instance_size: int | None = parameter(None, lo=1, integer=True)
    # target area / image area below this → large search
    area_ratio: float | None = parameter(None, lo=0, hi=1)
    # running max displacement (crop pixels) above this → large search
    speed_threshold: float | None = parameter(None, lo=0)


@dataclass(frozen=True)
class TrackerSettings:
    penalty_k: float = parameter(lo=0, pysot=("TRACK.PENALTY_K", 0.04), tuning=(0.0, 0.6))
    window_influence: float = parameter(lo=0, hi=1, pysot=("TRACK.WINDOW_INFLUENCE", 0.44), tuning=(0.1, 0.7))
    lr: float = parameter(lo=0, hi=1, pysot=("TRACK.LR", 0.4), tuning=(0.1, 0.8))
    exemplar_size: int = parameter(lo=1, integer=True, pysot=("TRACK.EXEMPLAR_SIZE", 127))
    instance_size: int = parameter(lo=1, integer=True, pysot=("TRACK.INSTANCE_SIZE", 255))
    base_size: int = parameter(lo=0, integer=True, pysot=("TRACK.BASE_SIZE", 8))
    context_amount: float = parameter(lo=0, pysot=("TRACK.CONTEXT_AMOUNT", 0.5))
    crop_rounding: str                 # half_up: pysot's floor(x + 0.5); half_even: Python's round()
    anchor: AnchorConfig | None        # the head family: anchor boxes (pysot, SiamMargin) ...
    online_update: OnlineUpdate
    second_search: SecondSearch
    adaptive_search: AdaptiveSearch
    points: PointConfig | None = None  # ... or points (NanoTrack); exactly one of the two is set

    @property
    def stride(self) -> int:
        """Distance between neighbouring score-map cells, in search-crop pixels."""
        return self.points.stride if self.points is not None else self.anchor.stride

    def score_size(self, instance_size: int) -> int:
        """Side of the score map for a search image of `instance_size` pixels."""
        return (instance_size - self.exemplar_size) // self.stride + 1 + self.base_size

    def instance_sizes(self) -> tuple[int, ...]:
        """Every search size this tracker can use."""
        if self.adaptive_search.enabled:
            return (self.instance_size, self.adaptive_search.large_instance_size)
        return (self.instance_size,)
