"""Property-based tests (hypothesis) of region conversion, crops and box decoding, plus the
published rules checked on hand-computed cases."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import RegionError
from tracker.geometry import crop_and_resize, crop_origin, decode_boxes, make_anchors, region_to_center_size

finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)


# -- regions ----------------------------------------------------------------------------------

def test_rectangle_rule_is_pysots():
    center, size = region_to_center_size((10, 20, 30, 40))
    assert center.tolist() == [10 + 29 / 2, 20 + 39 / 2] and size.tolist() == [30, 40]


def test_axis_aligned_polygon_rule_is_the_submissions():
    center, size = region_to_center_size((108, 68, 148, 68, 148, 124, 108, 124))
    assert size.tolist() == [41, 57]                 # x_max − x_min + 1
    assert center.tolist() == [108 + 20.5, 68 + 28.5]  # x_min + w / 2


def test_rotated_polygon_rule_preserves_area():
    # A square of side 10·√2 rotated by 45°: its bounding box is 20 × 20, its area 200.
    center, size = region_to_center_size((10, 0, 20, 10, 10, 20, 0, 10))
    assert center.tolist() == [10, 10]
    scale = math.sqrt(200 / 400)
    assert size == pytest.approx([scale * 20 + 1, scale * 20 + 1])


@given(x=finite, y=finite, w=positive, h=positive)
def test_rectangles_give_finite_positive_boxes(x, y, w, h):
    center, size = region_to_center_size((x, y, w, h))
    assert np.all(np.isfinite(center)) and np.all(size > 0)
    # round trip back to the corner, pysot's way
    assert center[0] - (size[0] - 1) / 2 == pytest.approx(x, abs=1e-9 * max(1, abs(x), w))


@given(x=finite, y=finite, w=st.integers(1, 5000), h=st.integers(1, 5000))
def test_axis_aligned_polygon_round_trip(x, y, w, h):
    """A rectangle drawn as a polygon comes back with the submission's +1 size convention."""
    polygon = (x, y, x + w, y, x + w, y + h, x, y + h)
    center, size = region_to_center_size(polygon)
    assert size[0] == pytest.approx(w + 1) and size[1] == pytest.approx(h + 1)
    assert center[0] - size[0] / 2 == pytest.approx(x, abs=1e-6 * max(1, abs(x)))


@given(cx=finite, cy=finite, w=positive, h=positive, angle=st.floats(0, math.pi))
def test_rotated_boxes_give_finite_positive_sizes(cx, cy, w, h, angle):
    corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    points = corners @ rotation.T + (cx, cy)
    try:
        center, size = region_to_center_size(points.flatten())
    except RegionError:
        return  # rounding made it flat: a clear error is the right answer
    assert np.all(np.isfinite(center)) and np.all(size >= 1)
    # inside the polygon's x-range (the axis-aligned rule's +1 size moves the centre by ≤ 0.5)
    assert points[:, 0].min() - 1e-6 <= center[0] <= points[:, 0].max() + 0.5 + 1e-6


@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=10))
def test_any_region_either_converts_or_raises_region_error(values):
    try:
        center, size = region_to_center_size(values)
    except RegionError:
        return
    assert np.all(np.isfinite(center)) and np.all(size > 0)


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


@given(st.integers(1, 40), st.integers(0, 10 ** 6))
def test_zero_offsets_decode_to_the_anchors(n, seed):
    anchors = make_anchors(8, [0.33, 0.5, 1, 2, 3], [8], n)
    boxes = decode_boxes(np.zeros((4, anchors.shape[0]), np.float32), anchors)
    np.testing.assert_array_equal(boxes.T, anchors)


@given(st.lists(st.floats(-20, 20, width=32), min_size=4, max_size=4))
def test_decoded_boxes_are_finite_with_positive_sizes(offsets):
    anchors = make_anchors(8, [0.33, 0.5, 1, 2, 3], [8], 5)
    delta = np.tile(np.array(offsets, np.float32)[:, None], (1, anchors.shape[0]))
    boxes = decode_boxes(delta, anchors)
    assert np.all(np.isfinite(boxes)) and np.all(boxes[2:] > 0)
    np.testing.assert_allclose(boxes[0], offsets[0] * anchors[:, 2] + anchors[:, 0], rtol=1e-6, atol=1e-3)
