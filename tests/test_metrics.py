"""OPE metrics: hand-worked cases, and the IoU against an independent pixel count."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.evaluation.metrics import (centre_distances, overlaps, precision_curve, success_auc,
                                        success_curve, summarise, sequence_curves)


def test_hand_worked_overlaps():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [np.nan] * 4])
    truth = np.array([[0, 0, 10, 10], [5, 5, 10, 10], [10, 0, 10, 10], [np.nan] * 4, [0, 0, 4, 4]])
    ious = overlaps(boxes, truth)
    np.testing.assert_allclose(ious[:3], [1, 25 / 175, 0])   # identical, quarter overlap, touching
    assert math.isnan(ious[3]) and ious[4] == 0               # missing truth; missing prediction


def test_hand_worked_success():
    ious = np.array([1, 1 / 7, 0, np.nan])
    # IoU > t: t = 0, .05, .1 → 2 of 3 frames; t = .15 … .95 (17 thresholds) → 1 of 3; t = 1 → none.
    expected = np.array([2 / 3] * 3 + [1 / 3] * 17 + [0])
    np.testing.assert_allclose(success_curve(ious), expected)
    assert success_auc(ious) == pytest.approx(23 / 63)


def test_hand_worked_precision_and_normalized():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10]])
    truth = np.array([[3, 4, 10, 10], [3, 4, 6, 8]])
    # centres (5,5) vs (8,9): 5 px, normalised by 10×10: 0.5; vs (6,8): √10 px, (1/6, 3/8).
    np.testing.assert_allclose(centre_distances(boxes, truth), [5, math.sqrt(10)])
    np.testing.assert_allclose(centre_distances(boxes, truth, normalized=True),
                               [0.5, math.hypot(1 / 6, 3 / 8)])
    curve = precision_curve(np.array([5, 25, 20, np.nan]))
    assert curve[20] == pytest.approx(2 / 3) and curve[4] == 0 and curve[5] == pytest.approx(1 / 3)


def test_dataset_numbers_are_means_over_sequences():
    truth = np.array([[0, 0, 10, 10]] * 2)
    perfect = sequence_curves(truth, truth)
    lost = sequence_curves(truth + [100, 0, 0, 0], truth)
    result = summarise([perfect, lost])
    assert result["sequences"] == 2
    assert result["success_auc"] == pytest.approx((20 / 21 + 0) / 2)
    assert result["precision"] == pytest.approx(0.5)
    assert result["normalized_precision"] == pytest.approx(0.5)


def pixel_iou(a, b) -> float:
    """IoU by counting the pixels [x, x+w) × [y, y+h) of two integer boxes on a grid."""
    grid = np.zeros((2, 64, 64), dtype=bool)
    for layer, (x, y, w, h) in enumerate((a, b)):
        grid[layer, y:y + h, x:x + w] = True
    union = np.logical_or(*grid).sum()
    return np.logical_and(*grid).sum() / union


box = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(1, 30), st.integers(1, 30))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(box, box), min_size=1, max_size=5))
def test_overlaps_equal_pixel_counts(pairs):
    boxes = np.array([p[0] for p in pairs], dtype=float)
    truth = np.array([p[1] for p in pairs], dtype=float)
    np.testing.assert_allclose(overlaps(boxes, truth), [pixel_iou(a, b) for a, b in pairs], rtol=1e-12)
    # The AUC counted another way: per frame, how many of the 21 thresholds its IoU exceeds.
    counted = np.mean([sum(pixel_iou(a, b) > t / 20 for t in range(21)) / 21 for a, b in pairs])
    assert success_auc(overlaps(boxes, truth)) == pytest.approx(counted)
