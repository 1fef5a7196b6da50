"""Property-based tests (hypothesis) of region conversion, crops and box decoding, plus the
published rules checked on hand-computed cases."""
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tracker import RegionError
from tracker.core.geometry import crop_and_resize, crop_origin, decode_boxes, make_anchors, region_to_center_size

finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)


# -- regions ----------------------------------------------------------------------------------
# Expected values are worked by hand from the published rules, never computed by the code.

def test_rectangle_rule_is_pysots():
    # pysot: centre = (x + (w − 1)/2, y + (h − 1)/2): 10 + 14.5, 20 + 19.5
    center, size = region_to_center_size((10, 20, 30, 40))
    assert center.tolist() == [24.5, 39.5] and size.tolist() == [30, 40]


def test_axis_aligned_polygon_rule_is_the_submissions():
    # w = 148 − 108 + 1 = 41, h = 124 − 68 + 1 = 57; centre = x_min + w/2 = 128.5, y_min + h/2 = 96.5
    center, size = region_to_center_size((108, 68, 148, 68, 148, 124, 108, 124))
    assert size.tolist() == [41, 57]
    assert center.tolist() == [128.5, 96.5]


def test_rotated_square_rule_preserves_area():
    # A square of side 10·√2 rotated by 45°: bounding box 20 × 20, area 200, so s = √(200/400);
    # w = h = 20·s + 1 = 15.1421356…; centre = mean of the corners.
    center, size = region_to_center_size((10, 0, 20, 10, 10, 20, 0, 10))
    assert center.tolist() == [10, 10]
    assert size == pytest.approx([15.142135624, 15.142135624], abs=1e-8)


# A 10 × 5 rectangle rotated by atan(3/4) (a 3-4-5 triangle keeps the corners integral), at (100, 50):
# p0 = (100, 50), p1 = p0 + 10·(0.8, 0.6) = (108, 56), p2 = p1 + 5·(−0.6, 0.8) = (105, 60), p3 = (97, 54).
# Bounding box 11 × 10, |p0p1|·|p1p2| = 50, s = √(50/110) = 0.6741998625;
# w = 11·s + 1 = 8.4161984871, h = 10·s + 1 = 7.7419986246; centre = (410/4, 220/4) = (102.5, 55).
ROTATED = (100, 50, 108, 56, 105, 60, 97, 54)
ROTATED_CENTER = [102.5, 55.0]
ROTATED_SIZE = [8.4161984871, 7.7419986246]


@pytest.mark.parametrize("start", range(4))
@pytest.mark.parametrize("reverse", [False, True])
def test_rotated_rectangle_rule_is_the_submissions(start, reverse):
    """Whichever corner the polygon starts at and whichever way it turns."""
    corners = [ROTATED[i:i + 2] for i in range(0, 8, 2)]
    corners = corners[start:] + corners[:start]
    if reverse:
        corners = corners[::-1]
    center, size = region_to_center_size([v for corner in corners for v in corner])
    assert center.tolist() == ROTATED_CENTER
    assert size == pytest.approx(ROTATED_SIZE, abs=1e-9)


@given(x=finite, y=finite, w=positive, h=positive, dx=finite)
def test_rectangles_give_the_given_size_and_move_with_the_box(x, y, w, h, dx):
    """Independent of the centre formula: the size is the given one, and moving the box by dx
    moves the centre by dx (the hand-worked case above pins the centre itself)."""
    center, size = region_to_center_size((x, y, w, h))
    moved, moved_size = region_to_center_size((x + dx, y, w, h))
    assert size.tolist() == [w, h] and moved_size.tolist() == [w, h]
    assert np.all(np.isfinite(center))
    assert moved[0] - center[0] == pytest.approx((x + dx) - x, abs=1e-9 * max(1, abs(x), abs(dx), w))
    assert moved[1] == center[1]


@given(x=finite, y=finite, w=st.integers(1, 5000), h=st.integers(1, 5000), start=st.integers(0, 3),
       reverse=st.booleans())
def test_axis_aligned_polygon_round_trip(x, y, w, h, start, reverse):
    """A rectangle drawn as a polygon (any first corner, either direction) comes back with the
    submission's +1 size convention, centred half a pixel past the corners' mean."""
    corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    corners = corners[start:] + corners[:start]
    if reverse:
        corners = corners[::-1]
    center, size = region_to_center_size([v for corner in corners for v in corner])
    assert size[0] == pytest.approx(w + 1) and size[1] == pytest.approx(h + 1)
    mean = np.mean(corners, axis=0)
    assert center == pytest.approx(mean + 0.5, abs=1e-6 * max(1, abs(x), abs(y)))


@given(cx=finite, cy=finite, w=st.floats(1, 1000), h=st.floats(1, 1000), angle=st.floats(0, math.pi))
def test_rotated_rectangles_keep_their_area_and_centre(cx, cy, w, h, angle):
    """Every rotated rectangle is valid and accepted (no error allowed). The submission's rule keeps
    its area ((w' − 1)(h' − 1) = w·h), the bounding box's aspect ratio, and its centre (half a
    pixel off for an axis-aligned one, by the +1 convention)."""
    corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    points = corners @ rotation.T + (cx, cy)
    center, size = region_to_center_size(points.flatten())
    assert np.all(np.isfinite(center)) and np.all(size > 1)
    assert (size[0] - 1) * (size[1] - 1) == pytest.approx(w * h, rel=1e-6)
    box_w, box_h = np.ptp(points[:, 0]), np.ptp(points[:, 1])
    assert (size[0] - 1) / (size[1] - 1) == pytest.approx(box_w / box_h, rel=1e-6)
    assert np.abs(center - (cx, cy)).max() <= 0.5 + 1e-6 * max(1, abs(cx), abs(cy))


@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=10))
@example(values=[1.7e308, 0.0, 1.7e308, 1.0])  # the centre x + (w − 1)/2 overflows
@example(values=[10.0, 20.0, 30.0, 40.0])       # valid: must convert
def test_any_region_either_converts_or_raises_region_error(values):
    """Never another exception, never a non-finite box; non-finite values are refused; and valid
    input is accepted: (x, y, w, h) with finite pixel-sized values and w, h > 0 always converts
    (this fails an implementation that refuses everything)."""
    finite_values = all(math.isfinite(v) for v in values)
    valid_rectangle = (len(values) == 4 and finite_values and all(abs(v) <= 1e15 for v in values)
                       and values[2] > 0 and values[3] > 0)
    try:
        center, size = region_to_center_size(values)
    except RegionError:
        assert not valid_rectangle, f"a valid rectangle was refused: {values}"
        return
    assert finite_values, f"non-finite values were accepted: {values}"
    assert np.all(np.isfinite(center)) and np.all(size > 0)


@given(x=finite, y=finite, w=positive, h=positive)
def test_valid_rectangles_are_accepted(x, y, w, h):
    """Drawn from valid rectangles only, so that a wrongly refused one is found often."""
    center, size = region_to_center_size((x, y, w, h))
    assert np.all(np.isfinite(center)) and size.tolist() == [w, h]


# -- crops ------------------------------------------------------------------------------------

IMAGE = np.random.default_rng(3).integers(0, 255, (60, 80, 3), dtype=np.uint8)
FILL = np.array([7, 8, 9], np.uint8)


@given(cx=st.floats(-500, 500), cy=st.floats(-500, 500), side=st.integers(1, 400),
       model=st.sampled_from([31, 127, 255]), rounding=st.sampled_from(["half_up", "half_even"]))
@settings(max_examples=200)
def test_crop_shape_and_outside_fill(cx, cy, side, model, rounding):
    crop = crop_and_resize(IMAGE, (cx, cy), model, side, FILL, rounding)
    assert crop.shape == (model, model, 3) and crop.dtype == np.uint8
    x0, y0 = crop_origin(cx, side, rounding), crop_origin(cy, side, rounding)
    if x0 >= 80 or y0 >= 60 or x0 + side <= 0 or y0 + side <= 0:  # window misses the image
        assert np.all(crop == FILL)


@given(x0=st.integers(-100, 150), y0=st.integers(-100, 150), side=st.integers(1, 120))
def test_unresized_crop_equals_a_padded_canvas_slice(x0, y0, side):
    """Without resizing, the crop is the window of the image on an infinite canvas of FILL."""
    center = (x0 + (side + 1) / 2, y0 + (side + 1) / 2)  # so that the window starts at x0, y0
    crop = crop_and_resize(IMAGE, center, side, side, FILL, "half_up")
    pad = 300
    canvas = np.empty((60 + 2 * pad, 80 + 2 * pad, 3), np.uint8)
    canvas[:] = FILL
    canvas[pad:pad + 60, pad:pad + 80] = IMAGE
    np.testing.assert_array_equal(crop, canvas[pad + y0:pad + y0 + side, pad + x0:pad + x0 + side])


@pytest.mark.parametrize("edge, half_up, half_even", [(2.5, 3, 2), (3.5, 4, 4), (-0.5, 0, 0), (-1.5, -1, -2)])
def test_crop_rounding_modes_differ_only_on_ties(edge, half_up, half_even):
    side = 9  # center − (side + 1) / 2 = edge
    assert crop_origin(edge + 5, side, "half_up") == half_up
    assert crop_origin(edge + 5, side, "half_even") == half_even
    assert crop_origin(edge + 5.2, side, "half_up") == crop_origin(edge + 5.2, side, "half_even")


# -- anchors and decoding ---------------------------------------------------------------------

def test_anchor_shapes_and_centres():
    anchors = make_anchors(8, [0.33, 0.5, 1, 2, 3], [8], 25)
    assert anchors.shape == (5 * 25 * 25, 4)
    shapes = anchors[:: 25 * 25, 2:].tolist()
    assert shapes == [[104, 32], [88, 40], [64, 64], [40, 80], [32, 96]]
    # flat index = anchor · n² + y · n + x; centres from −96 to 96 in steps of 8
    assert anchors[0, :2].tolist() == [-96, -96] and anchors[1, :2].tolist() == [-88, -96]
    assert anchors[25, :2].tolist() == [-96, -88] and anchors[624, :2].tolist() == [96, 96]


@given(st.integers(1, 40))
def test_zero_offsets_decode_to_the_anchors(n):
    anchors = make_anchors(8, [0.33, 0.5, 1, 2, 3], [8], n)
    boxes = decode_boxes(np.zeros((4, anchors.shape[0]), np.float32), anchors)
    np.testing.assert_array_equal(boxes.T, anchors)


@given(st.lists(st.floats(-20, 20, width=32), min_size=4, max_size=4))
def test_decoded_boxes_are_finite_with_positive_sizes(offsets):
    anchors = make_anchors(8, [0.33, 0.5, 1, 2, 3], [8], 5)
    delta = np.tile(np.array(offsets, np.float32)[:, None], (1, anchors.shape[0]))
    boxes = decode_boxes(delta, anchors)
    assert np.all(np.isfinite(boxes)) and np.all(boxes[2:] > 0)


def test_decoding_worked_by_hand():
    # anchor (cx, cy, w, h) = (8, −16, 64, 32), offsets (0.5, −0.25, ln 2, 0):
    # cx = 8 + 0.5·64 = 40, cy = −16 − 0.25·32 = −24, w = 64·2 = 128, h = 32·1 = 32
    anchors = np.array([[8, -16, 64, 32]], np.float32)
    delta = np.array([[0.5], [-0.25], [math.log(2)], [0.0]], np.float32)
    assert decode_boxes(delta, anchors)[:, 0] == pytest.approx([40, -24, 128, 32], abs=1e-4)
