"""Bad and unusual inputs through the public API: images and regions.

Readable images are tracked (converted as needed); unreadable ones and invalid regions raise a
one-line error naming the problem. Whatever the network says, outputs stay finite and positive.
"""
import math

import cv2
import numpy as np
import pytest
import torch

from conftest import REPO
from tracker import ImageError, RegionError, TrackerError, load_tracker
from tracker.core.images import read_image

ALEX_CONFIG = REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml"
MARGIN_CONFIG = REPO / "models" / "siammargin" / "config.yaml"


@pytest.fixture(scope="module")
def alex(standin_weights):
    return load_tracker(ALEX_CONFIG, weights=standin_weights("siamrpn_alex_dwxcorr"))


def scene(height=240, width=320, seed=0):
    rng = np.random.default_rng(seed)
    image = rng.integers(60, 120, (height, width, 3), dtype=np.uint8)
    image[height // 3:height // 3 + 40, width // 3:width // 3 + 30] = (20, 200, 240)
    return image


def assert_sane(result, image_shape):
    x, y, w, h = result.bbox
    assert all(math.isfinite(v) for v in (x, y, w, h, result.score))
    assert w >= 10 and h >= 10
    assert 0 <= x + w / 2 <= image_shape[1] and 0 <= y + h / 2 <= image_shape[0]


# -- images -----------------------------------------------------------------------------------

def test_read_image_missing_path(tmp_path):
    with pytest.raises(ImageError, match="image file not found: .*absent.jpg"):
        read_image(str(tmp_path / "absent.jpg"))


def test_read_image_corrupt_file(tmp_path):
    path = tmp_path / "corrupt.jpg"
    path.write_bytes(b"\xff\xd8 this is not really a jpeg" * 3)
    with pytest.raises(ImageError, match="cannot decode image"):
        read_image(str(path))


def test_truncated_jpeg_decodes_as_far_as_it_goes(tmp_path):
    ok, data = cv2.imencode(".jpg", scene())
    path = tmp_path / "truncated.jpg"
    path.write_bytes(data.tobytes()[: len(data) // 2])
    image = read_image(str(path))
    assert image.shape == (240, 320, 3) and image.dtype == np.uint8


@pytest.mark.parametrize("kind", ["gray", "gray16", "bgr16", "bgra_png", "gray_png"])
def test_unusual_image_files_are_converted(tmp_path, kind):
    base = scene()
    if kind == "gray":
        path, data = tmp_path / "g.jpg", cv2.cvtColor(base, cv2.COLOR_BGR2GRAY)
    elif kind == "gray16":
        path, data = tmp_path / "g16.png", cv2.cvtColor(base, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 257
    elif kind == "bgr16":
        path, data = tmp_path / "c16.png", base.astype(np.uint16) * 257
    elif kind == "bgra_png":
        path, data = tmp_path / "a.png", np.dstack([base, np.full(base.shape[:2], 128, np.uint8)])
    else:
        path, data = tmp_path / "g.png", cv2.cvtColor(base, cv2.COLOR_BGR2GRAY)
    assert cv2.imwrite(str(path), data)
    image = read_image(str(path))
    assert image.shape == (240, 320, 3) and image.dtype == np.uint8
    if kind in ("bgr16", "bgra_png"):
        np.testing.assert_array_equal(image, base)  # lossless formats: exact values back


@pytest.mark.parametrize("image, problem", [
    ([[1, 2, 3]], "expected a numpy array"),
    (np.zeros((10, 10, 3), np.float32), "expected dtype uint8"),
    (np.zeros((10, 10, 2), np.uint8), "expected shape H×W×3"),
    (np.zeros((0, 10, 3), np.uint8), "empty"),
])
def test_bad_arrays_are_refused(alex, image, problem):
    with pytest.raises(ImageError, match=problem):
        alex.init(image, (1, 1, 5, 5))


def test_arrays_in_other_layouts_are_tracked(alex):
    base = scene()
    for image in (cv2.cvtColor(base, cv2.COLOR_BGR2GRAY), base.astype(np.uint16) * 257,
                  np.dstack([base, np.zeros(base.shape[:2], np.uint8)]), base[:, ::-1]):
        alex.init(image, (100, 80, 30, 40))
        assert_sane(alex.track(image), base.shape)


def test_tiny_and_8k_images(alex):
    tiny = np.full((1, 1, 3), 77, np.uint8)
    alex.init(tiny, (0, 0, 1, 1))
    assert_sane(alex.track(tiny), tiny.shape)
    big = np.zeros((4320, 7680, 3), np.uint8)
    big[2000:2200, 3000:3300] = 200
    alex.init(big, (3000, 2000, 300, 200))
    # pysot's centre x + (w − 1)/2 at 8K (the stand-in weights track nothing: where the next box
    # goes says nothing, but it must be a valid box inside the image)
    assert alex.state.center.tolist() == [3149.5, 2099.5] and alex.state.size.tolist() == [300, 200]
    assert_sane(alex.track(big), big.shape)


def test_frame_size_changing_mid_sequence(alex):
    alex.init(scene(240, 320), (100, 80, 30, 40))
    for shape in [(480, 640), (120, 160), (240, 320)]:
        assert_sane(alex.track(scene(*shape)), shape)


def test_track_before_init_is_a_clear_error(standin_weights):
    tracker = load_tracker(ALEX_CONFIG, weights=standin_weights("siamrpn_alex_dwxcorr"))
    with pytest.raises(TrackerError, match="before init"):
        tracker.track(scene())


# -- regions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("region, problem", [
    ((10, 10, 0, 20), "must be positive"),
    ((10, 10, 20, -5), "must be positive"),
    ((10, 10, float("nan"), 20), "NaN or infinite"),
    ((10, 10, float("inf"), 20), "NaN or infinite"),
    ((10, 10, 20), "4 numbers .* or a polygon of 2k numbers .*, got 3"),
    ((1, 2, 3, 4, 5, 6, 7), "got 7"),
    (("a", "b", "c", "d"), "must be 4 numbers"),
    ((0, 0, 10, 10, 20, 20, 30, 30), "degenerate"),        # collinear
    ((5, 5, 5, 5, 5, 5, 5, 5), "zero width or height"),     # one repeated point
    ((0, 0, 10, 0, 10, 0, 0, 0), "zero width or height"),   # flat
    ((0, 0, 10, 5, 10, 5, 3, 12), "degenerate"),            # repeated corner
])
def test_invalid_regions(alex, region, problem):
    with pytest.raises(RegionError, match=problem):
        alex.init(scene(), region)


@pytest.mark.parametrize("region", [
    (300, 220, 60, 50),        # partly outside
    (-200, -100, 40, 40),      # fully outside
    (-50, -50, 500, 400),      # larger than the image
    (0.5, 0.5, 1.5, 1.5),      # sub-pixel
    (100, 60, 140, 80, 120, 120, 80, 100),  # rotated polygon
])
def test_valid_regions_are_tracked(alex, region):
    image = scene()
    alex.init(image, region)
    for _ in range(3):
        assert_sane(alex.track(image), image.shape)


def test_reinit_fully_resets_state(standin_weights):
    """A second init gives exactly what a fresh tracker gives (SiamMargin: all state features)."""
    frames = [scene(seed=i) for i in range(6)]
    used = load_tracker(MARGIN_CONFIG, weights=standin_weights("siammargin"))
    used.init(frames[0], (90, 70, 40, 50))
    for frame in frames:
        used.track(frame)
    fresh = load_tracker(MARGIN_CONFIG, weights=standin_weights("siammargin"))
    results = []
    for tracker in (used, fresh):
        tracker.init(frames[1], (120, 90, 30, 30))
        results.append([tracker.track(frame) for frame in frames[2:]])
    assert results[0] == results[1]


# -- whatever the network says -------------------------------------------------------------------

def broken_weights(tmp_path, standin_state_dict, how):
    state = standin_state_dict("siammargin")
    if how == "nan_scores":
        state["rpn.cls.head.3.bias"][:] = float("nan")
    elif how == "equal_scores":
        state["rpn.cls.head.3.weight"][:] = 0
        state["rpn.cls.head.3.bias"][:] = 0
    elif how == "nan_boxes":
        state["rpn.loc.head.3.bias"][:] = float("nan")
    elif how == "huge_boxes":
        state["rpn.loc.head.3.bias"][10:] = 1e4  # exp() overflows to inf
    path = tmp_path / f"{how}.pth"
    torch.save(state, path)
    return path


@pytest.mark.parametrize("how", ["nan_scores", "equal_scores", "nan_boxes", "huge_boxes"])
def test_outputs_stay_finite_whatever_the_network_says(tmp_path, standin_state_dict, how):
    tracker = load_tracker(MARGIN_CONFIG, weights=broken_weights(tmp_path, standin_state_dict, how))
    frames = [scene(seed=i) for i in range(5)]
    tracker.init(frames[0], (100, 80, 30, 40))
    for frame in frames:
        assert_sane(tracker.track(frame), frame.shape)
