"""One-pass-evaluation metrics as pure functions over (frames, 4) arrays of (x, y, w, h) boxes.

Success: the fraction of frames whose overlap (IoU) with the ground truth exceeds a threshold, for
the 21 thresholds 0, 0.05, ..., 1 of the OTB toolkit; its area under the curve (AUC) is the mean.
Frames whose ground truth is missing (NaN) or empty are left out.
"""
from __future__ import annotations

import numpy as np

SUCCESS_THRESHOLDS = np.linspace(0, 1, 21)


def overlaps(boxes: np.ndarray, groundtruth: np.ndarray) -> np.ndarray:
    """IoU per frame of two (frames, 4) arrays of (x, y, w, h); NaN where the ground truth is
    missing or has no area. Boxes are continuous: [x, x + w) × [y, y + h)."""
    a = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(groundtruth, dtype=np.float64).reshape(-1, 4)
    if a.shape != b.shape:
        raise ValueError(f"{a.shape[0]} boxes for {b.shape[0]} ground-truth frames")
    left = np.maximum(a[:, 0], b[:, 0])
    top = np.maximum(a[:, 1], b[:, 1])
    right = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    bottom = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    with np.errstate(invalid="ignore"):
        intersection = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
        union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - intersection
        result = intersection / union
    valid = np.all(np.isfinite(b), axis=1) & (b[:, 2] > 0) & (b[:, 3] > 0)
    result[~valid] = np.nan
    result[valid & ~np.isfinite(result)] = 0.0  # a NaN/degenerate prediction overlaps nothing
    return result


def success_curve(ious: np.ndarray, thresholds: np.ndarray = SUCCESS_THRESHOLDS) -> np.ndarray:
    """Fraction of (annotated) frames with IoU > t, for each threshold t."""
    ious = np.asarray(ious, dtype=np.float64)
    ious = ious[np.isfinite(ious)]
    if ious.size == 0:
        return np.full(len(thresholds), np.nan)
    return np.array([(ious > t).mean() for t in thresholds])


def success_auc(ious: np.ndarray) -> float:
    """Area under the success curve: the mean over the 21 OTB thresholds."""
    return float(np.mean(success_curve(ious)))
