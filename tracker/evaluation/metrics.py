"""One-pass-evaluation metrics as pure functions over (frames, 4) arrays of (x, y, w, h) boxes.

- Success: the fraction of frames whose overlap (IoU) with the ground truth exceeds a threshold,
  for the 21 thresholds 0, 0.05, ..., 1 of the OTB toolkit; its AUC is the curve's mean.
- Precision: the fraction of frames whose centre distance to the ground truth's is at most a
  threshold, 0..50 px; the number reported is the value at 20 px.
- Normalised precision (LaSOT, Fan et al. 2019): the centre distance with x and y each divided by
  the ground-truth width and height, thresholds 0, 0.01, ..., 0.5; the number is the curve's mean.
Frames whose ground truth is missing (NaN) or has no area are left out of every metric. (pysot
instead keeps them in the denominator, as misses for success and hits for precision; on datasets
where every frame is annotated, OTB and most of UAV123, the numbers are the same.)
A dataset's curve is the mean of its sequences' curves, as the OTB, pysot and LaSOT toolkits do.
"""
from __future__ import annotations

import numpy as np

SUCCESS_THRESHOLDS = np.linspace(0, 1, 21)
PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
NORMALIZED_THRESHOLDS = np.arange(0, 51) / 100.0
PRECISION_AT = 20


def _pair(boxes: np.ndarray, groundtruth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(groundtruth, dtype=np.float64).reshape(-1, 4)
    if a.shape != b.shape:
        raise ValueError(f"{a.shape[0]} boxes for {b.shape[0]} ground-truth frames")
    valid = np.all(np.isfinite(b), axis=1) & (b[:, 2] > 0) & (b[:, 3] > 0)
    return a, b, valid


def overlaps(boxes: np.ndarray, groundtruth: np.ndarray) -> np.ndarray:
    """IoU per frame of two (frames, 4) arrays of (x, y, w, h); NaN where the ground truth is
    missing or has no area. Boxes are continuous: [x, x + w) × [y, y + h)."""
    a, b, valid = _pair(boxes, groundtruth)
    left = np.maximum(a[:, 0], b[:, 0])
    top = np.maximum(a[:, 1], b[:, 1])
    right = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    bottom = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    with np.errstate(invalid="ignore", divide="ignore"):
        intersection = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
        union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - intersection
        result = intersection / union
    result[~valid] = np.nan
    result[valid & ~np.isfinite(result)] = 0.0  # a NaN/degenerate prediction overlaps nothing
    return result


def centre_distances(boxes: np.ndarray, groundtruth: np.ndarray, normalized: bool = False) -> np.ndarray:
    """Distance between box centres per frame (pixels, or in units of the ground truth's width and
    height when `normalized`); NaN where the ground truth is missing, inf for a NaN prediction."""
    a, b, valid = _pair(boxes, groundtruth)
    offset = (a[:, :2] + a[:, 2:] / 2) - (b[:, :2] + b[:, 2:] / 2)
    if normalized:
        with np.errstate(invalid="ignore", divide="ignore"):
            offset = offset / b[:, 2:]
    distance = np.hypot(offset[:, 0], offset[:, 1])
    distance[valid & ~np.isfinite(distance)] = np.inf
    distance[~valid] = np.nan
    return distance


def success_curve(ious: np.ndarray, thresholds: np.ndarray = SUCCESS_THRESHOLDS) -> np.ndarray:
    """Fraction of (annotated) frames with IoU > t, for each threshold t."""
    ious = np.asarray(ious, dtype=np.float64)
    ious = ious[~np.isnan(ious)]
    if ious.size == 0:
        return np.full(len(thresholds), np.nan)
    return np.array([(ious > t).mean() for t in thresholds])


def precision_curve(distances: np.ndarray, thresholds: np.ndarray = PRECISION_THRESHOLDS) -> np.ndarray:
    """Fraction of (annotated) frames with centre distance <= t, for each threshold t."""
    distances = np.asarray(distances, dtype=np.float64)
    distances = distances[~np.isnan(distances)]
    if distances.size == 0:
        return np.full(len(thresholds), np.nan)
    return np.array([(distances <= t).mean() for t in thresholds])


def success_auc(ious: np.ndarray) -> float:
    """Area under the success curve: the mean over the 21 OTB thresholds."""
    return float(np.mean(success_curve(ious)))


def sequence_curves(boxes: np.ndarray, groundtruth: np.ndarray, frames: np.ndarray | None = None) -> dict:
    """The three curves of one sequence, over all frames or the `frames` mask."""
    boxes, groundtruth = np.asarray(boxes, float), np.asarray(groundtruth, float)
    if frames is not None:
        boxes, groundtruth = boxes[frames], groundtruth[frames]
    return {"success": success_curve(overlaps(boxes, groundtruth)),
            "precision": precision_curve(centre_distances(boxes, groundtruth)),
            "normalized_precision": precision_curve(centre_distances(boxes, groundtruth, True),
                                                    NORMALIZED_THRESHOLDS)}


def summarise(curves: list[dict]) -> dict:
    """Dataset curves (mean over sequences with any annotated frame) and the reported numbers."""
    kept = [c for c in curves if not np.isnan(c["success"]).all()]
    if not kept:
        return {"sequences": 0, "success_auc": float("nan"), "precision": float("nan"),
                "normalized_precision": float("nan"), "curves": {}}
    mean = {key: np.mean([c[key] for c in kept], axis=0) for key in kept[0]}
    return {"sequences": len(kept),
            "success_auc": float(mean["success"].mean()),
            "precision": float(mean["precision"][PRECISION_AT]),
            "normalized_precision": float(mean["normalized_precision"].mean()),
            "curves": {key: value.tolist() for key, value in mean.items()}}
