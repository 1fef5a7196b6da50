"""Regions as the VOT toolkit may send them: polygons with corners in any order and with any
number of points; bad values are ValueErrors as well as TrackerErrors."""
import math

import numpy as np
import pytest

from tracker import ConfigError, ImageError, RegionError, TrackerError, load_config
from tracker.core.geometry import region_to_center_size
from tracker.core.images import as_bgr_uint8, read_image


def box(region):
    center, size = region_to_center_size(region)
    return center.tolist() + size.tolist()


def test_zig_zag_rectangle_gives_the_ordered_rectangles_box():
    ordered = box((0, 0, 10, 0, 10, 10, 0, 10))
    assert box((0, 0, 10, 0, 0, 10, 10, 10)) == ordered    # corners in zig-zag order
    assert box((0, 0, 10, 10, 10, 0, 0, 10)) == ordered    # another crossing order
    assert ordered == [5.5, 5.5, 11, 11]                     # the submission's axis-aligned rule


# A rectangle of sides 10 and 5 along the directions (4, 3)/5 and (−3, 4)/5:
# p0 = (10, 20), p1 = p0 + (8, 6) = (18, 26), p2 = p1 + (−3, 4) = (15, 30), p3 = (7, 24).
# The submission's rule by hand: A1 = |p0p1|·|p1p2| = 10·5 = 50; bounding box 7..18 × 20..30,
# 11 × 10 = 110; s = √(50/110); centre = mean of the corners = (12.5, 25); size = s·(11, 10) + 1.
ROTATED = (10, 20, 18, 26, 15, 30, 7, 24)
S = math.sqrt(50 / 110)
ROTATED_BOX = [12.5, 25.0, S * 11 + 1, S * 10 + 1]


def test_rotated_polygon_follows_the_submissions_rule():
    assert box(ROTATED) == pytest.approx(ROTATED_BOX, abs=1e-12)


def test_rotated_polygon_in_other_orders_gives_the_same_box():
    zig_zag = (10, 20, 18, 26, 7, 24, 15, 30)
    clockwise = (10, 20, 7, 24, 15, 30, 18, 26)
    for order in (zig_zag, clockwise):
        assert box(order) == pytest.approx(ROTATED_BOX, abs=1e-12)


def test_more_points_on_the_same_rectangle_give_the_same_box():
    # the rotated rectangle with the midpoint of every side added (8 points, 16 numbers)
    with_midpoints = (10, 20, 14, 23, 18, 26, 16.5, 28, 15, 30, 11, 27, 7, 24, 8.5, 22)
    assert box(with_midpoints) == pytest.approx(ROTATED_BOX, abs=1e-12)
    # an axis-aligned rectangle sampled with 6 points
    assert box((0, 0, 5, 0, 10, 0, 10, 10, 5, 10, 0, 10)) == [5.5, 5.5, 11, 11]


def test_five_point_polygon():
    # A "house": the square 0..10 × 0..10 with a roof to (5, 15). Convex hull area 100 + 25 = 125,
    # bounding box 10 × 15 = 150, s = √(125/150); centre = the bounding box's centre (5, 7.5).
    s = math.sqrt(125 / 150)
    assert box((0, 0, 10, 0, 10, 10, 5, 15, 0, 10)) == pytest.approx([5, 7.5, s * 10 + 1, s * 15 + 1])
    # the same points in another order: the same box
    assert box((5, 15, 0, 0, 10, 10, 0, 10, 10, 0)) == pytest.approx([5, 7.5, s * 10 + 1, s * 15 + 1])


@pytest.mark.parametrize("region, problem", [
    ((1, 2, 3, 4, 5, 6), "degenerate"),                      # three collinear points
    ((0, 0, 10, 0, 10, 10, 0, 10, 5), "got 9 numbers"),      # odd count
    ((0, 0, 0, 10), "must be positive"),
    ((0, 0, 10, 0, 20, 0, 30, 0, 40, 0), "zero width or height"),
    ((-1e308, 0, 1e308, 0, 0, 1e308), "too large"),          # area overflows float64
])
def test_bad_polygons_are_region_errors(region, problem):
    with pytest.raises(RegionError, match=problem):
        region_to_center_size(region)


def test_value_errors_can_be_caught_as_value_error(tmp_path):
    with pytest.raises(ValueError, match="must be positive"):
        region_to_center_size((0, 0, -1, 5))
    bad_config = tmp_path / "bad.yaml"
    bad_config.write_text("architecture: siammargin\nunknown_key: 1\n")
    with pytest.raises(ValueError, match="unknown_key"):
        load_config(bad_config)
    with pytest.raises(ValueError, match="not found"):
        read_image(str(tmp_path / "missing.jpg"))
    with pytest.raises(ValueError, match="H×W×3"):
        as_bgr_uint8(np.zeros((4, 4, 7), np.uint8))
    for error in (RegionError, ConfigError, ImageError):
        assert issubclass(error, TrackerError) and issubclass(error, ValueError)


@pytest.mark.slow
def test_the_server_accepts_zig_zag_and_many_point_polygons(tmp_path, monkeypatch):
    """Through the VOT toolkit's runtime and the real server: polygons the old code rejected
    are tracked, and the server's boxes equal the Python API's."""
    from vot.dataset import load_sequence
    from vot.region import Polygon
    from vot.tracker import ObjectStatus, Registry

    from conftest import REPO
    from tracker import load_tracker
    from tracker.vot.demo_data import write_dataset
    from tracker.zoo.standin_weights import write_checkpoint

    model = "siamrpn_alex_dwxcorr"
    write_dataset(tmp_path / "sequences", 1, 4)
    weights = write_checkpoint(tmp_path / "weights", model)
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path / "weights"))
    sequence = load_sequence(str(next(p for p in (tmp_path / "sequences").iterdir() if p.is_dir())))
    local = load_tracker(REPO / "models" / model / "config.yaml", weights=weights)
    runtime = Registry([str(REPO / "trackers.ini")], root=str(REPO))[model].runtime(log=False)
    try:
        for points in ([(200, 120), (260, 120), (200, 170), (260, 170)],                # zig-zag
                       [(200, 120), (230, 110), (260, 120), (260, 170), (200, 170)]):   # 5 points
            runtime.initialize(sequence.frame(0), [ObjectStatus(Polygon(points), {})])
            state, _ = runtime.update(sequence.frame(1))
            served = state[0].region
            local.init(read_image(sequence.frame(0).filename("color")), [c for p in points for c in p])
            expected = local.track(read_image(sequence.frame(1).filename("color"))).bbox
            assert [served.x, served.y, served.width, served.height] == pytest.approx(expected, abs=1e-3)
    finally:
        runtime.stop()
