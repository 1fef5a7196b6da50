"""The one home of the one-pass-evaluation (OPE) metrics, scored as each benchmark's own toolkit
scores them. Every caller (eval_results, tune, compare, training's validation, the tests) uses
`score_sequence` / `frame_errors` and `summarise` from here.

The numbers (all boxes x, y, w, h, continuous: [x, x + w) × [y, y + h)):
- success: the fraction of frames whose IoU with the ground truth is > t, for t = 0, 0.05, …, 1
  (21 thresholds); its AUC is the curve's mean. IoU is clipped to [0, 1], as pysot
  (toolkit/utils/statistics.py, overlap_ratio) and got10k (utils/metrics.py, rect_iou) clip it.
- precision: the fraction of frames whose centre distance is <= t px, t = 0 … 50; the number is the
  value at 20 px.
- normalised precision (LaSOT, Fan et al. 2019; TrackingNet): the centre distance with x and y each
  divided by the ground truth's width and height, thresholds 0, 0.01, …, 0.5; the number is the
  curve's value at 0.20, as pysot (ope_benchmark.py, show_result: `[20]`) and pytracking
  (analysis/plot_results.py, get_prec_curve: `[:, 20]`) report it and every published N-Prec is.
- GOT-10k: AO (mean IoU), SR0.5 and SR0.75 (fraction of frames with IoU > 0.5, > 0.75) over the
  frames of all sequences pooled (got10k's ExperimentGOT10k.report / _evaluate).

What each benchmark's toolkit does with frame 0 and with frames that have no usable ground truth
(`RULES`; read in the toolkits' code):
- OTB (the OTB toolkit's calcSeqErrRobust.m; pysot's OPEBenchmark and pytracking's
  calc_seq_err_robust do the same): frame 0 is scored, as the given box (the toolkit overwrites
  the result's first row with the ground truth); a predicted box that is NaN or has no area, where
  the ground truth exists, is replaced by the previous frame's box (MATLAB toolkit, pytracking);
  a frame without ground truth stays in the denominator, a miss for success and a hit for both
  precisions (IoU -1, centre error -1 in the MATLAB toolkit and pysot). OTB annotates every frame,
  so that last rule only matters for other data read with these rules (VOT's layout).
- UAV123 (its MATLAB toolkit, derived from OTB's; pytracking's `uav` case; pysot): as OTB.
  UAV123 marks frames where the target is out of view with NaN boxes.
- LaSOT (pytracking's `lasot` case, which reproduces the LaSOT toolkit; pysot's `absent` masking
  agrees): as OTB, and a frame whose target is not visible (full_occlusion or out_of_view) is a
  miss for all three numbers; a visible frame without a box is a miss for success and precision,
  a hit for normalised precision (pytracking: overlap -1, centre error inf, normalised -1).
- GOT-10k (the got10k toolkit, ExperimentGOT10k.report): frame 0 is dropped (`b[1:], anno[1:]`);
  frames whose `cover` label is 0 (target absent or fully covered) are dropped (`covers > 0`);
  both boxes are clipped to the image (`rect_iou(..., bound=resolution)`); IoUs are pooled over
  all frames of all sequences. Frames without ground truth are dropped too (the val split has
  none; the test split is scored by the GOT-10k server only).
- VOT's layout read as OPE (this project's real sequences): no toolkit scores OPE on it, so the
  OTB rules apply.
Sequences are averaged as their toolkits do: OTB, UAV123, LaSOT and VOT take the mean of the
per-sequence curves (sequences without any scored frame left out); GOT-10k pools frames.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from ..datasets.sequence import Sequence

SUCCESS_THRESHOLDS = np.linspace(0, 1, 21)
PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
NORMALIZED_THRESHOLDS = np.arange(0, 51) / 100.0
PRECISION_AT = 20                  # pixels; index 20 of PRECISION_THRESHOLDS
NORMALIZED_AT = 0.20               # index 20 of NORMALIZED_THRESHOLDS
SUCCESS_RATE_AT = (0.5, 0.75)      # GOT-10k's SR0.5 and SR0.75

Outcome = Literal["miss", "hit", "drop"]

# Per-frame values standing for an outcome that is decided without looking at the boxes: an IoU of
# -1 exceeds no threshold (a miss); a distance of -1 is within every threshold (a hit), inf within
# none (a miss); NaN is a frame left out of the denominator.
_IOU = {"miss": -1.0, "drop": np.nan}
_DISTANCE = {"miss": np.inf, "hit": -1.0, "drop": np.nan}


@dataclass(frozen=True)
class Rules:
    """How one benchmark's official toolkit scores an OPE result (see the module docstring).

    unannotated / invisible: the outcome, for (success, precision, normalised precision), of a
    frame whose ground truth has no area (NaN, 0,0,0,0) / whose target is flagged not visible."""
    benchmark: str
    toolkit: str
    first_frame: Literal["given box", "dropped"]
    unannotated: tuple[Outcome, Outcome, Outcome]
    invisible: tuple[Outcome, Outcome, Outcome] | None
    repeat_invalid_predictions: bool
    clip_to_image: bool
    pooled: bool

    @property
    def numbers(self) -> tuple[str, ...]:
        """The reported numbers' keys, in table order."""
        if self.pooled:
            return ("ao", "sr50", "sr75")
        return ("success_auc", "precision", "normalized_precision")


_OTB_LIKE = dict(first_frame="given box", unannotated=("miss", "hit", "hit"), invisible=None,
                 repeat_invalid_predictions=True, clip_to_image=False, pooled=False)
RULES = {
    "otb": Rules("otb", "the OTB toolkit (calcSeqErrRobust.m), as pysot and pytracking", **_OTB_LIKE),
    "uav123": Rules("uav123", "the UAV123 toolkit (OTB's), as pytracking's 'uav' case and pysot", **_OTB_LIKE),
    "vot": Rules("vot", "OTB's rules (no toolkit scores OPE on VOT's layout)", **_OTB_LIKE),
    "lasot": Rules("lasot", "the LaSOT toolkit, as pytracking's 'lasot' case", first_frame="given box",
                   unannotated=("miss", "miss", "hit"), invisible=("miss", "miss", "miss"),
                   repeat_invalid_predictions=True, clip_to_image=False, pooled=False),
    "got10k": Rules("got10k", "the got10k toolkit (ExperimentGOT10k)", first_frame="dropped",
                    unannotated=("drop", "drop", "drop"), invisible=("drop", "drop", "drop"),
                    repeat_invalid_predictions=False, clip_to_image=True, pooled=True),
}


def _boxes(values) -> np.ndarray:
    return np.array(values, dtype=np.float64).reshape(-1, 4)


def annotated(groundtruth: np.ndarray) -> np.ndarray:
    """Frames whose ground-truth box is usable: finite, with positive width and height."""
    b = _boxes(groundtruth)
    with np.errstate(invalid="ignore"):
        return np.all(np.isfinite(b), axis=1) & (b[:, 2] > 0) & (b[:, 3] > 0)


def overlaps(boxes: np.ndarray, groundtruth: np.ndarray) -> np.ndarray:
    """IoU per frame of two (frames, 4) arrays of (x, y, w, h), clipped to [0, 1] (a box equal to a
    fractional ground truth gives 1.0000000000000002 unclipped); NaN where the ground truth is not
    annotated; 0 for a NaN or empty prediction (it overlaps nothing)."""
    a, b = _boxes(boxes), _boxes(groundtruth)
    if a.shape != b.shape:
        raise ValueError(f"{a.shape[0]} boxes for {b.shape[0]} ground-truth frames")
    left, top = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    right = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    bottom = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    with np.errstate(invalid="ignore", divide="ignore"):
        intersection = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
        union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - intersection
        result = np.clip(intersection / union, 0.0, 1.0)
    valid = annotated(b)
    result[valid & ~np.isfinite(result)] = 0.0
    result[~valid] = np.nan
    return result


def centre_distances(boxes: np.ndarray, groundtruth: np.ndarray, normalized: bool = False) -> np.ndarray:
    """Distance between box centres per frame, in pixels or (`normalized`) with x and y divided by
    the ground truth's width and height; NaN where the ground truth is not annotated, inf for a NaN
    prediction. (The toolkits' centre x + (w − 1)/2 and ours x + w/2 give the same differences.)"""
    a, b = _boxes(boxes), _boxes(groundtruth)
    if a.shape != b.shape:
        raise ValueError(f"{a.shape[0]} boxes for {b.shape[0]} ground-truth frames")
    offset = (a[:, :2] + a[:, 2:] / 2) - (b[:, :2] + b[:, 2:] / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalized:
            offset = offset / b[:, 2:]
        distance = np.hypot(offset[:, 0], offset[:, 1])
    valid = annotated(b)
    distance[valid & ~np.isfinite(distance)] = np.inf
    distance[~valid] = np.nan
    return distance


def clip_to_image(boxes: np.ndarray, width: float, height: float) -> np.ndarray:
    """Boxes cut to the image [0, width] × [0, height], as got10k's rect_iou(bound=…) does."""
    b = _boxes(boxes).copy()
    b[:, 0] = np.clip(b[:, 0], 0, width)
    b[:, 1] = np.clip(b[:, 1], 0, height)
    b[:, 2] = np.clip(b[:, 2], 0, width - b[:, 0])
    b[:, 3] = np.clip(b[:, 3], 0, height - b[:, 1])
    return b


def repeat_invalid_predictions(boxes: np.ndarray, groundtruth: np.ndarray) -> np.ndarray:
    """The OTB toolkit's repair: from frame 1 on, a predicted box that is NaN or has no area, where
    the ground truth is not NaN, takes the previous frame's (already repaired) box."""
    b, truth = _boxes(boxes).copy(), _boxes(groundtruth)
    with np.errstate(invalid="ignore"):
        invalid = ~np.all(np.isfinite(b), axis=1) | (b[:, 2] <= 0) | (b[:, 3] <= 0)
    has_truth = ~np.any(np.isnan(truth), axis=1)
    for index in np.flatnonzero(invalid & has_truth):
        if index > 0:
            b[index] = b[index - 1]
    return b


@dataclass(frozen=True)
class FrameErrors:
    """Per-frame IoU, centre distance (px) and normalised centre distance of one sequence after a
    benchmark's rules: NaN marks a frame left out of the denominator; -1 / inf mark frames the
    rules count as a miss or a hit whatever the boxes (see _IOU, _DISTANCE)."""
    ious: np.ndarray
    distances: np.ndarray
    normalized: np.ndarray

    def subset(self, frames: np.ndarray) -> "FrameErrors":
        return FrameErrors(self.ious[frames], self.distances[frames], self.normalized[frames])


def frame_errors(boxes: np.ndarray, groundtruth: np.ndarray, rules: Rules, visible: np.ndarray | None = None,
                 image_size: tuple[int, int] | None = None) -> FrameErrors:
    """One sequence's per-frame errors under `rules`. visible: per-frame target visibility flags
    (LaSOT, GOT-10k), None where the dataset has none; image_size: (width, height), needed when the
    rules clip boxes to the image."""
    boxes, truth = _boxes(boxes).copy(), _boxes(groundtruth)
    if boxes.shape != truth.shape:
        raise ValueError(f"{boxes.shape[0]} boxes for {truth.shape[0]} ground-truth frames")
    if rules.first_frame == "given box":
        boxes[0] = truth[0]
    if rules.repeat_invalid_predictions:
        boxes = repeat_invalid_predictions(boxes, truth)
    if rules.clip_to_image:
        if image_size is None:
            raise ValueError(f"{rules.benchmark} scores boxes clipped to the image: give its size")
        boxes, truth = clip_to_image(boxes, *image_size), clip_to_image(truth, *image_size)
    columns = [overlaps(boxes, truth), centre_distances(boxes, truth), centre_distances(boxes, truth, True)]
    for flags, outcomes in ((~annotated(truth), rules.unannotated),
                            (None if visible is None or rules.invisible is None else ~np.asarray(visible, bool),
                             rules.invisible)):
        if flags is None:
            continue
        for column, outcome, values in zip(columns, outcomes, (_IOU, _DISTANCE, _DISTANCE)):
            column[flags] = values[outcome]
    if rules.first_frame == "dropped":
        for column in columns:
            column[0] = np.nan
    return FrameErrors(*columns)


def success_curve(ious: np.ndarray, thresholds: np.ndarray = SUCCESS_THRESHOLDS) -> np.ndarray:
    """Fraction of the counted frames (not NaN) with IoU > t, for each threshold t."""
    ious = np.asarray(ious, dtype=np.float64)
    counted = ious[~np.isnan(ious)]
    if counted.size == 0:
        return np.full(len(thresholds), np.nan)
    return (counted[:, None] > np.asarray(thresholds)[None, :]).mean(axis=0)


def precision_curve(distances: np.ndarray, thresholds: np.ndarray = PRECISION_THRESHOLDS) -> np.ndarray:
    """Fraction of the counted frames (not NaN) with centre distance <= t, for each threshold t."""
    distances = np.asarray(distances, dtype=np.float64)
    counted = distances[~np.isnan(distances)]
    if counted.size == 0:
        return np.full(len(thresholds), np.nan)
    return (counted[:, None] <= np.asarray(thresholds)[None, :]).mean(axis=0)


def _curves(errors: FrameErrors) -> dict[str, np.ndarray]:
    return {"success": success_curve(errors.ious),
            "precision": precision_curve(errors.distances),
            "normalized_precision": precision_curve(errors.normalized, NORMALIZED_THRESHOLDS)}


def _numbers(curves: dict[str, np.ndarray], ious: np.ndarray | None, rules: Rules) -> dict[str, float]:
    if rules.pooled:
        counted = ious[~np.isnan(ious)]
        if counted.size == 0:
            return {key: float("nan") for key in rules.numbers}
        return {"ao": float(counted.mean()), "sr50": float((counted > SUCCESS_RATE_AT[0]).mean()),
                "sr75": float((counted > SUCCESS_RATE_AT[1]).mean())}
    return {"success_auc": float(np.mean(curves["success"])),
            "precision": float(curves["precision"][PRECISION_AT]),
            "normalized_precision": float(curves["normalized_precision"][round(NORMALIZED_AT * 100)])}


def sequence_numbers(errors: FrameErrors, rules: Rules) -> dict[str, float]:
    """The reported numbers of one sequence (NaN where no frame is counted)."""
    return _numbers(_curves(errors), errors.ious, rules)


def success_auc(errors: FrameErrors) -> float:
    """Area under one sequence's success curve: the mean over the 21 thresholds."""
    return float(np.mean(success_curve(errors.ious)))


def summarise(errors: dict[str, FrameErrors], rules: Rules) -> dict:
    """A dataset's numbers, curves and per-sequence numbers from {sequence: FrameErrors}: the mean
    of the per-sequence curves (sequences with no counted frame left out), or for pooled rules
    (GOT-10k) the curves of all counted frames together."""
    kept = {name: e for name, e in errors.items() if np.any(~np.isnan(e.ious))}
    per_sequence = {name: sequence_numbers(e, rules) for name, e in kept.items()}
    result = {"sequences": len(kept), "rules": rules.benchmark}
    if not kept:
        return {**result, **{key: float("nan") for key in rules.numbers}, "curves": {}, "per_sequence": {}}
    if rules.pooled:
        pooled = FrameErrors(*(np.concatenate([getattr(e, field) for e in kept.values()])
                               for field in ("ious", "distances", "normalized")))
        curves = {"success": success_curve(pooled.ious)}
        numbers = _numbers(curves, pooled.ious, rules)
    else:
        each = [_curves(e) for e in kept.values()]
        curves = {key: np.mean([c[key] for c in each], axis=0) for key in each[0]}
        numbers = _numbers(curves, None, rules)
    return {**result, **numbers, "curves": {key: value.tolist() for key, value in curves.items()},
            "per_sequence": per_sequence}


def visibility(sequence: "Sequence") -> np.ndarray | None:
    """Per-frame target visibility from a sequence's flags: LaSOT's full_occlusion and out_of_view
    (visible where both are 0, as pytracking's LaSOT reader), GOT-10k's cover (visible where > 0,
    as the got10k toolkit); None where the sequence has no such flags."""
    flags = sequence.attributes
    if "cover" in flags:
        return np.asarray(flags["cover"]) > 0
    hidden = [np.asarray(flags[name]) > 0 for name in ("full_occlusion", "out_of_view") if name in flags]
    return ~np.any(hidden, axis=0) if hidden else None


def image_size(path: str) -> tuple[int, int]:
    """(width, height) of an image file."""
    import cv2
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"cannot read the image {path} (needed for its size)")
    return image.shape[1], image.shape[0]


def rules_for(sequence: "Sequence") -> Rules:
    return RULES[sequence.layout]


def score_sequence(sequence: "Sequence", boxes: np.ndarray, rules: Rules | None = None) -> FrameErrors:
    """The per-frame errors of OPE `boxes` on `sequence`, by its benchmark's rules (or `rules`)."""
    rules = rules or rules_for(sequence)
    size = image_size(sequence.frames[0]) if rules.clip_to_image else None
    return frame_errors(boxes, sequence.boxes(), rules, visibility(sequence), size)
