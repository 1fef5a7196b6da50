"""OPE metrics: hand-worked cases for each benchmark's rules (frame 0, frames without ground
truth, invisible targets, GOT-10k's pooling and clipping), normalised precision at 0.20, IoU
clipping, and the IoU against an independent pixel count."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.evaluation.metrics import (RULES, centre_distances, frame_errors, overlaps, precision_curve,
                                        sequence_numbers, success_curve, summarise)

NAN4 = [np.nan] * 4


def test_hand_worked_overlaps():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], NAN4])
    truth = np.array([[0, 0, 10, 10], [5, 5, 10, 10], [10, 0, 10, 10], NAN4, [0, 0, 4, 4]])
    ious = overlaps(boxes, truth)
    np.testing.assert_allclose(ious[:3], [1, 25 / 175, 0])   # identical, quarter overlap, touching
    assert math.isnan(ious[3]) and ious[4] == 0               # missing truth; missing prediction


def test_iou_of_equal_fractional_boxes_is_exactly_one():
    x, y, w, h = 81.33, 91.28, 60.66, 72.95
    # Unclipped, intersection / union rounds to 1.0000000000000009 here.
    intersection = (x + w - x) * (y + h - y)
    assert intersection / (w * h + w * h - intersection) > 1
    iou = overlaps([[x, y, w, h]], [[x, y, w, h]])[0]
    assert iou == 1.0
    assert success_curve([iou])[-1] == 0   # IoU > 1 never holds


def test_hand_worked_success():
    ious = np.array([1, 1 / 7, 0, np.nan])
    # IoU > t: t = 0, .05, .1 → 2 of 3 frames; t = .15 … .95 (17 thresholds) → 1 of 3; t = 1 → none.
    expected = np.array([2 / 3] * 3 + [1 / 3] * 17 + [0])
    np.testing.assert_allclose(success_curve(ious), expected)


def test_hand_worked_precision_and_normalized_distances():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10]])
    truth = np.array([[3, 4, 10, 10], [3, 4, 6, 8]])
    # centres (5,5) vs (8,9): 5 px, normalised by 10×10: 0.5; vs (6,8): √10 px, (1/6, 3/8).
    np.testing.assert_allclose(centre_distances(boxes, truth), [5, math.sqrt(10)])
    np.testing.assert_allclose(centre_distances(boxes, truth, normalized=True),
                               [0.5, math.hypot(1 / 6, 3 / 8)])
    curve = precision_curve(np.array([5, 25, 20, np.nan]))
    assert curve[20] == pytest.approx(2 / 3) and curve[4] == 0 and curve[5] == pytest.approx(1 / 3)


def test_normalized_precision_is_the_value_at_0_20_not_the_curves_mean():
    truth = np.array([[0, 0, 10, 10]] * 5)
    # Frame 0 is the given box; then 0.5, 0.5, 0.5 and 4.5 px right of a 10 px wide target:
    # normalised distances 0, .05, .05, .05, .45.
    boxes = truth + np.array([[0, 0, 0, 0], [0.5, 0, 0, 0], [0.5, 0, 0, 0], [0.5, 0, 0, 0], [4.5, 0, 0, 0]])
    numbers = sequence_numbers(frame_errors(boxes, truth, RULES["lasot"]), RULES["lasot"])
    assert numbers["normalized_precision"] == pytest.approx(4 / 5)   # ≤ 0.20: all but the last
    # The mean over 0 … 0.5 would be (5·1/5 + 40·4/5 + 6·1) / 51 = 39/51 = 0.765.
    assert numbers["normalized_precision"] != pytest.approx(39 / 51)
    assert numbers["precision"] == 1.0


def test_otb_rules_frame_zero_missing_truth_and_invalid_predictions():
    truth = np.array([[0, 0, 10, 10], [0, 0, 10, 10], NAN4, [0, 0, 10, 10]])
    boxes = np.array([[50, 50, 5, 5],      # frame 0: scored as the given box (IoU 1)
                      [5, 0, 10, 10],      # IoU 50/150 = 1/3, 5 px
                      [0, 0, 10, 10],      # no ground truth: a miss for success, a hit for precision
                      [0, 0, 0, 0]])       # no area: frame 2's box instead (IoU 1, 0 px), as OTB's toolkit
    for benchmark in ("otb", "uav123", "vot"):
        numbers = sequence_numbers(frame_errors(boxes, truth, RULES[benchmark]), RULES[benchmark])
        # IoUs 1, 1/3, miss, 1 over 4 frames: > t for t ≤ .30 (7 thresholds): 3/4; .35 … .95: 2/4.
        assert numbers["success_auc"] == pytest.approx((7 * 3 / 4 + 13 * 2 / 4) / 21)
        assert numbers["precision"] == 1.0                            # 0, 5, hit, 0 px
        assert numbers["normalized_precision"] == pytest.approx(3 / 4)   # 0, .5, hit, 0


def test_lasot_rules_invisible_and_unannotated_frames():
    truth = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 0, 0], [0, 0, 10, 10]])
    visible = np.array([True, True, True, False])
    numbers = sequence_numbers(frame_errors(truth.copy(), truth, RULES["lasot"], visible), RULES["lasot"])
    # Frames 0, 1 perfect; frame 2 (visible, no box): miss, miss, hit; frame 3 (not visible): misses.
    assert numbers["success_auc"] == pytest.approx(20 * (2 / 4) / 21)
    assert numbers["precision"] == pytest.approx(2 / 4)
    assert numbers["normalized_precision"] == pytest.approx(3 / 4)


def test_got10k_rules_drop_frame_zero_and_covered_frames_clip_and_pool():
    rules = RULES["got10k"]
    truth = np.array([[0, 0, 10, 10], [90, 40, 20, 20], [0, 0, 10, 10], [0, 0, 10, 10]])
    boxes = np.array([[60, 0, 5, 5],        # frame 0: dropped
                      [90, 40, 10, 10],     # the ground truth cut to the 100 × 50 image: IoU 1
                      [60, 0, 5, 5],        # cover 0: dropped
                      [5, 0, 10, 10]])      # IoU 1/3
    first = frame_errors(boxes, truth, rules, visible=np.array([True, True, False, True]), image_size=(100, 50))
    numbers = sequence_numbers(first, rules)
    assert numbers == pytest.approx({"ao": 2 / 3, "sr50": 1 / 2, "sr75": 1 / 2})
    second = frame_errors([[0, 0, 10, 10], [0, 0, 10, 5]], [[0, 0, 10, 10]] * 2, rules, image_size=(100, 50))
    pooled = summarise({"a": first, "b": second}, rules)
    # Frames pooled (IoUs 1, 1/3, 1/2), not a mean of the sequences' AOs (7/12).
    assert pooled["ao"] == pytest.approx(11 / 18)
    assert pooled["sr50"] == pytest.approx(1 / 3) and pooled["sr75"] == pytest.approx(1 / 3)
    assert pooled["per_sequence"]["b"]["ao"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="clipped to the image"):
        frame_errors(boxes, truth, rules)


def test_dataset_numbers_are_means_over_sequences():
    truth = np.array([[0, 0, 10, 10]] * 2)
    rules = RULES["otb"]
    perfect = frame_errors(truth, truth, rules)
    lost = frame_errors(truth + [100, 0, 0, 0], truth, rules)   # frame 0 is the given box
    result = summarise({"perfect": perfect, "lost": lost}, rules)
    assert result["sequences"] == 2
    assert result["success_auc"] == pytest.approx((20 / 21 + 20 / 21 / 2) / 2)
    assert result["precision"] == pytest.approx((1 + 1 / 2) / 2)
    assert result["per_sequence"]["lost"]["success_auc"] == pytest.approx(20 / 21 / 2)


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
    assert float(np.mean(success_curve(overlaps(boxes, truth)))) == pytest.approx(counted)
