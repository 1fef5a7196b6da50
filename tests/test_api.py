"""The public API: load_tracker's arguments, result types, devices."""
import numpy as np
import pytest
import torch

from conftest import REPO
from tracker import DeviceError, TrackResult, load_tracker

ALEX_CONFIG = REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml"


def frames(count=4):
    rng = np.random.default_rng(5)
    images = []
    for i in range(count):
        image = rng.integers(40, 90, (200, 260, 3), dtype=np.uint8)
        image[60 + 3 * i:100 + 3 * i, 80 + 4 * i:120 + 4 * i] = (10, 220, 200)
        images.append(image)
    return images


def test_result_types(standin_weights):
    tracker = load_tracker(ALEX_CONFIG, weights=standin_weights("siamrpn_alex_dwxcorr"))
    images = frames()
    tracker.init(images[0], (80, 60, 40, 40))
    result = tracker.track(images[1])
    assert isinstance(result, TrackResult)
    assert isinstance(result.bbox, tuple) and len(result.bbox) == 4
    assert all(type(v) is float for v in result.bbox) and type(result.score) is float
    assert 0.0 <= result.score <= 1.0


def test_paths_may_be_strings_or_pathlib(standin_weights):
    a = load_tracker(str(ALEX_CONFIG), weights=str(standin_weights("siamrpn_alex_dwxcorr")))
    b = load_tracker(ALEX_CONFIG, weights=standin_weights("siamrpn_alex_dwxcorr"))
    images = frames()
    for t in (a, b):
        t.init(images[0], (80, 60, 40, 40))
    assert a.track(images[1]) == b.track(images[1])


def test_rectangle_and_polygon_conventions(standin_weights):
    """(x, y, w, h) uses pysot's centre x + (w − 1)/2; the same box as a polygon uses the
    submission's rule (w = x_max − x_min + 1, centre x_min + w/2)."""
    tracker = load_tracker(ALEX_CONFIG, weights=standin_weights("siamrpn_alex_dwxcorr"))
    image = frames(1)[0]
    tracker.init(image, (80, 60, 40, 30))
    assert tracker.state.center.tolist() == [99.5, 74.5] and tracker.state.size.tolist() == [40, 30]
    tracker.init(image, (80, 60, 120, 60, 120, 90, 80, 90))
    assert tracker.state.center.tolist() == [100.5, 75.5] and tracker.state.size.tolist() == [41, 31]


def test_rotated_polygon_uses_the_submissions_rule(standin_weights):
    """SiamMargin initialised with a rotated rectangle (10 × 5 at atan(3/4), corners (100, 50),
    (108, 56), (105, 60), (97, 54)): worked by hand with the submission's rule, bounding box
    11 × 10, s = √(10·5 / 110); w = 11·s + 1, h = 10·s + 1; centre = mean of the corners."""
    tracker = load_tracker(REPO / "models" / "siammargin" / "config.yaml", weights=standin_weights("siammargin"))
    tracker.init(frames(1)[0], (100, 50, 108, 56, 105, 60, 97, 54))
    assert tracker.state.center.tolist() == [102.5, 55.0]
    assert tracker.state.size == pytest.approx([8.4161984871, 7.7419986246], abs=1e-9)


@pytest.mark.parametrize("device", ["tpu", "cuda:x", 3.5])
def test_unknown_devices(standin_weights, device):
    with pytest.raises(DeviceError):
        load_tracker(ALEX_CONFIG, weights=standin_weights("siamrpn_alex_dwxcorr"), device=device)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_clear_error(standin_weights):
    with pytest.raises(DeviceError, match="CUDA is not available"):
        load_tracker(ALEX_CONFIG, weights=standin_weights("siamrpn_alex_dwxcorr"), device="cuda")


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("exact", [True, False])
def test_cuda_tracks_like_cpu(standin_weights, exact):
    images = frames(8)
    results = {}
    for device in ("cpu", "cuda"):
        tracker = load_tracker(REPO / "models" / "siammargin" / "config.yaml",
                               weights=standin_weights("siammargin"), device=device, exact=exact)
        tracker.init(images[0], (80, 60, 40, 40))
        results[device] = np.array([tracker.track(image).bbox for image in images[1:]])
    np.testing.assert_allclose(results["cuda"], results["cpu"], atol=0.5)
