"""Labels and regression targets of one pair's score-map cells, for each head family.

Anchors, as pysot's AnchorTarget computes them: anchors overlapping the target by IoU >
positive_iou are positives, IoU < negative_iou negatives; at most `positives` positives and
`samples` anchors in all are sampled per pair.

Points, as NanoTrack's PointTarget computes them, on the points the tracker decodes
(geometry.make_points): a point inside the ellipse centred on the target with semi-axes
positive_radius × (w, h) is positive, one outside the ellipse of negative_radius × (w, h) negative,
the ring between ignored; at most `positives` positives and `samples` points in all are sampled.
A negative pair (the target is not in the crop) labels as negatives the points inside the small
ellipse of the box it was given (where the target would be), at most `positives` of them
(NanoTrack's NEG_NUM, which its config sets equal to POS_NUM). Regression target of every point:
its distances (left, top, right, bottom) to the target's sides, the head's output.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .settings import TargetSettings


@dataclass
class AnchorTargets:
    labels: np.ndarray        # (N,) int8: 1 sampled positive, 0 sampled negative, -1 ignored
    positive: np.ndarray      # (N,) bool: every anchor with IoU > positive_iou
    negative: np.ndarray      # (N,) bool: every anchor with IoU < negative_iou
    distractor: np.ndarray    # (N,) bool: negatives centred outside the target's box (elsewhere
                              # in the crop: where look-alikes are, not the target's own cells)
    deltas: np.ndarray        # (4, N) float32: (dx, dy, dw, dh) of the target from each anchor
    box: np.ndarray           # (4,) the target (cx, cy, w, h), crop pixels from the centre


def center_iou(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    """IoU of each (cx, cy, w, h) row of `boxes` with one (cx, cy, w, h) box."""
    half, box_half = boxes[:, 2:] / 2, box[2:] / 2
    low = np.maximum(boxes[:, :2] - half, box[:2] - box_half)
    high = np.minimum(boxes[:, :2] + half, box[:2] + box_half)
    inter = np.prod(np.clip(high - low, 0, None), axis=1)
    union = np.prod(boxes[:, 2:], axis=1) + np.prod(box[2:]) - inter
    return inter / union


def anchor_targets(anchors: np.ndarray, box: np.ndarray, positive_pair: bool, settings: TargetSettings,
                   rng: np.random.Generator) -> AnchorTargets:
    """`anchors`: (N, 4) (cx, cy, w, h) as geometry.make_anchors gives them; `box`: the target in
    the search crop, (cx, cy, w, h) relative to the crop centre."""
    count = len(anchors)
    deltas = np.stack([(box[0] - anchors[:, 0]) / anchors[:, 2], (box[1] - anchors[:, 1]) / anchors[:, 3],
                       np.log(box[2] / anchors[:, 2]), np.log(box[3] / anchors[:, 3])]).astype(np.float32)
    labels = np.full(count, -1, np.int8)
    if positive_pair:
        iou = center_iou(anchors.astype(np.float64), box.astype(np.float64))
        positive, negative = iou > settings.positive_iou, iou < settings.negative_iou
        outside = np.any(np.abs(anchors[:, :2] - box[:2]) > box[2:] / 2, axis=1)
    else:  # the target is not in the search crop: every anchor is background
        positive, negative = np.zeros(count, bool), np.ones(count, bool)
        outside = np.ones(count, bool)
    chosen_positive = _choose(np.flatnonzero(positive), settings.positives, rng)
    chosen_negative = _choose(np.flatnonzero(negative), settings.samples - len(chosen_positive), rng)
    labels[chosen_negative] = 0
    labels[chosen_positive] = 1
    return AnchorTargets(labels, positive, negative, negative & outside, deltas, np.asarray(box, np.float32))


def _choose(indices: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    if len(indices) <= limit:
        return indices
    return rng.choice(indices, limit, replace=False)


@dataclass
class PointTargets:
    labels: np.ndarray        # (N,) int8: 1 sampled positive, 0 sampled negative, -1 ignored
    positive: np.ndarray      # (N,) bool: every point inside the positive ellipse
    negative: np.ndarray      # (N,) bool: every point outside the negative ellipse
    distractor: np.ndarray    # (N,) bool: negatives outside the target's box
    distances: np.ndarray     # (4, N) float32: (left, top, right, bottom) from each point to the box's sides
    box: np.ndarray           # (4,) the target (cx, cy, w, h), crop pixels from the centre


def ellipse_distance(points: np.ndarray, box: np.ndarray, radius: float) -> np.ndarray:
    """(x − cx)²/(radius·w)² + (y − cy)²/(radius·h)² of each (x, y) row: below 1 inside the ellipse."""
    offset = (points.astype(np.float64) - box[:2]) / (radius * box[2:])
    return np.sum(offset ** 2, axis=1)


def point_targets(points: np.ndarray, box: np.ndarray, positive_pair: bool, settings: TargetSettings,
                  rng: np.random.Generator) -> PointTargets:
    """`points`: (N, 2) (x, y) as geometry.make_points gives them; `box`: the target in the search
    crop, (cx, cy, w, h) relative to the crop centre."""
    box = np.asarray(box, np.float64)
    low, high = box[:2] - box[2:] / 2, box[:2] + box[2:] / 2
    distances = np.concatenate([points - low, high - points], axis=1).T.astype(np.float32)
    count = len(points)
    labels = np.full(count, -1, np.int8)
    inner = ellipse_distance(points, box, settings.positive_radius) < 1
    if positive_pair:
        positive, negative = inner, ellipse_distance(points, box, settings.negative_radius) > 1
        outside = np.any(np.abs(points - box[:2]) > box[2:] / 2, axis=1)
        chosen_positive = _choose(np.flatnonzero(positive), settings.positives, rng)
        chosen_negative = _choose(np.flatnonzero(negative), settings.samples - len(chosen_positive), rng)
    else:  # no target in the crop: where it would be is background
        positive, negative, outside = np.zeros(count, bool), inner, np.ones(count, bool)
        chosen_positive, chosen_negative = np.array([], int), _choose(np.flatnonzero(inner), settings.positives, rng)
    labels[chosen_negative] = 0
    labels[chosen_positive] = 1
    return PointTargets(labels, positive, negative, negative & outside, distances, box.astype(np.float32))
