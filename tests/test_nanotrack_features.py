"""SiamMargin's three tracker-side features on NanoTrack's point heads, on real frames with the
published weights (../shared): the larger search's score map, grid and window follow the network;
one more search fires below its threshold and re-centres by momentum; the adaptive search switches
size on a small target and back; the online update blends the cls kernels as the submission does;
the exact and fast paths agree with every feature on. (Features off: test_nanotrack_golden.py.)
"""
import numpy as np
import pytest
import torch
import yaml

from conftest import NANOTRACK_VERSIONS, REPO, SHARED_ROOT
from tracker import load_tracker
from tracker.core.geometry import make_points, make_window
from tracker.core.images import read_image
from tracker.core.online_update import sample_target_features

ABLATION = REPO / "models" / "nanotrack_v2" / "ablation"
ALL_FEATURES = yaml.safe_load((ABLATION / "row3_update.yaml").read_text())["tracker"]
FEATURES = ("online_update", "second_search", "adaptive_search")
# car10's target is 23×19 px in 640×360 frames: area ratio 0.0019, under the 0.004 of the large search
CAR10_BOX = (317.5, 138.5, 23, 19)  # its ground truth on frame 1


def frames(sequence: str, count: int) -> list[np.ndarray]:
    folder = SHARED_ROOT / "data" / "sequences" / sequence / "color"
    if not folder.is_dir():
        pytest.skip(f"reference material not found: {folder} (CI has ../shared beside the clone)")
    return [read_image(str(path)) for path in sorted(folder.glob("*.jpg"))[:count]]


def tracker_with(tmp_path, model, weights, exact=True, backend="torch", **features):
    """`model`'s published config with the given feature sections (ALL_FEATURES' values where
    given as True, the section itself where given as a dict; absent ones off)."""
    data = yaml.safe_load((REPO / "models" / model / "config.yaml").read_text())
    for name in FEATURES:
        wanted = features.get(name, False)
        data["tracker"][name] = ALL_FEATURES[name] if wanted is True else wanted or {"enabled": False}
    path = tmp_path / f"{model}.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_tracker(path, weights=weights(model), exact=exact, backend=backend)


class SearchRecorder:
    """Wraps a tracker's real `_search`, recording each call's centre and result."""

    def __init__(self, tracker):
        self.calls, self._search = [], tracker._search
        tracker._search = self

    def __call__(self, image, center):
        result = self._search(image, center)
        self.calls.append((np.array(center, dtype=np.float64), result))
        return result


# -- the larger search --------------------------------------------------------------------------

@pytest.mark.parametrize("model, side", [("nanotrack_v1", 22), ("nanotrack_v2", 22), ("nanotrack_v3", 21)])
def test_the_351_search_has_the_score_map_the_network_produces(model, side, tmp_path, nanotrack_weights):
    """(351 − 127) // 16 + 1 + base_size: 22 (v1, v2), 21 (v3, whose 2×2 conv drops a cell). The
    tracker refuses a map of another size, so a search at 351 on a real frame proves the match."""
    tracker = tracker_with(tmp_path, model, nanotrack_weights, adaptive_search=True)
    geometry = tracker.geometries[351]
    assert geometry.score_size == side
    np.testing.assert_array_equal(geometry.grid, make_points(16, side))
    assert geometry.grid[(side // 2) * side + side // 2].tolist() == [0, 0]  # cell (n//2, n//2) at the centre
    np.testing.assert_array_equal(geometry.window, make_window(side, 1))
    images = frames("car10", 2)
    tracker.init(images[0], CAR10_BOX)
    assert tracker.state.search_size == 351
    result = tracker.track(images[1])
    assert tracker.state.search_size == 351 and result.score > 0.9  # still on the car
    assert abs(result.bbox[0] - CAR10_BOX[0]) < 5 and abs(result.bbox[1] - CAR10_BOX[1]) < 5


# -- one more search ----------------------------------------------------------------------------

def test_second_search_fires_below_the_threshold_and_recentres_by_momentum(tmp_path, nanotrack_weights):
    """NanoTrack's scores saturate near 1 on this sequence: a threshold of 0.9995 splits its
    frames into both cases (checked below, so that the test cannot pass on one case only)."""
    threshold, momentum = 0.9995, 0.9
    tracker = tracker_with(tmp_path, "nanotrack_v2", nanotrack_weights, second_search={
        "enabled": True, "score_threshold": threshold, "momentum": momentum})
    images = frames("wakeboard4", 7)
    tracker.init(images[0], (183.5, 265.5, 25, 29.5))
    recorder = SearchRecorder(tracker)
    motion = np.zeros(2)  # the previous frame's chosen centre minus its starting centre
    fired, moved_by_momentum = [], []
    for image in images[1:]:
        start = tracker.state.center.copy()
        recorder.calls.clear()
        box = tracker.track(image).bbox
        first_center, first = recorder.calls[0]
        np.testing.assert_array_equal(first_center, start)
        fired.append(len(recorder.calls) == 2)
        assert fired[-1] == (first.score < threshold)
        chosen = recorder.calls[-1][1]
        if fired[-1]:
            np.testing.assert_allclose(recorder.calls[1][0], start + momentum * motion, rtol=0, atol=1e-9)
            moved_by_momentum.append(np.any(motion != 0))
        # the frame's box is the last search's (the targets here stay well inside the frame)
        np.testing.assert_allclose((box[0] + box[2] / 2, box[1] + box[3] / 2), chosen.center, atol=1e-9)
        motion = chosen.center - start
    assert any(fired) and not all(fired)
    assert any(moved_by_momentum)  # a second search away from the first one was checked


# -- adaptive search ----------------------------------------------------------------------------

def test_adaptive_search_switches_size_on_a_small_target_and_back(tmp_path, nanotrack_weights):
    """car10's 23×19 px car: ratio 0.0019 in the 640×360 frame (351), 0.0055 in its top-left
    400×200 part, which still holds the car (255), then the whole frame again (351)."""
    tracker = tracker_with(tmp_path, "nanotrack_v2", nanotrack_weights, adaptive_search=True)
    images = frames("car10", 4)
    tracker.init(images[0], CAR10_BOX)
    sizes = [tracker.state.search_size]
    for image in (images[1], images[2][:200, :400], images[3]):
        tracker.track(image)
        sizes.append(tracker.state.search_size)
        assert tracker.state.max_speed < 80  # the speed rule stays out of it
    assert sizes == [351, 351, 255, 351]


# -- online update ------------------------------------------------------------------------------

def test_roi_align_samples_nanotrack_features_one_cell_apart():
    """Hand-worked: a 64×64 target with context 0.5 spans 128 crop px = 8 cells of 16 px; NanoTrack's
    8×8 samples (template_cells 8) then land on cell centres: the 16×16 map's centre is cell 7.5,
    so samples sit at 7.5 + (k − 3.5) = cells 4..11, shifted by offset / 16 cells."""
    features = torch.arange(2 * 16 * 16, dtype=torch.float32).reshape(1, 2, 16, 16)
    centred = sample_target_features(features, np.array([0.0, 0.0]), np.array([64.0, 64.0]), 0.5, 16, 8, 8)
    torch.testing.assert_close(centred, features[:, :, 4:12, 4:12], rtol=0, atol=1e-4)
    moved = sample_target_features(features, np.array([16.0, -32.0]), np.array([64.0, 64.0]), 0.5, 16, 8, 8)
    torch.testing.assert_close(moved, features[:, :, 2:10, 5:13], rtol=0, atol=1e-4)


@pytest.mark.parametrize("model", NANOTRACK_VERSIONS)
def test_online_update_blends_the_cls_kernels(model, tmp_path, nanotrack_weights):
    """After one frame, kernel = λs·first + (1 − λs)·((1 − r)·first + r·new), r = λu·p, so
    kernel − first = (1 − λs)·λu·p·(new − first): halving (1 − λs), or λu, halves the change,
    whatever `new` is; and `new` is the cls kernels of the 8×8 sample at the chosen box. The loc
    kernels (v2, v3) never change."""
    def one_frame(update_rate, first_kernel_weight):
        tracker = tracker_with(tmp_path, model, nanotrack_weights, online_update={
            "enabled": True, "update_rate": update_rate, "first_kernel_weight": first_kernel_weight,
            "context": 0.5})
        recorder = SearchRecorder(tracker)
        tracker.init(images[0], CAR10_BOX)
        first = [k.clone() for k in tracker.state.kernels.cls]
        loc = [k.clone() for k in tracker.state.kernels.loc]
        w, h = tracker.state.size
        tracker.track(images[1])
        assert len(recorder.calls) == 1
        for before, after in zip(loc, tracker.state.kernels.loc):
            assert torch.equal(before, after)
        changes = [(k - f).double() for k, f in zip(tracker.state.kernels.cls, first)]
        # float32 kernels: each change is exact to a few units in the last place of the kernel
        tolerances = [4 * torch.finfo(torch.float32).eps * f.abs().max().item() for f in first]
        # What the update must have blended in: kernels of the 8×8 sample at the chosen box (crop
        # pixels: the search crop's scale is 127 / the template side, sqrt((w + p)(h + p)), p = (w + h)/2).
        result = recorder.calls[0][1]
        scale = 127 / np.sqrt((w + (w + h) / 2) * (h + (w + h) / 2))
        sample = sample_target_features(result.features[0], result.offset, result.size * scale, 0.5, 16, 8, 8)
        new = [(k - f).double() for k, f in zip(tracker.runner.cls_kernels([sample]), first)]
        expected = [(1 - first_kernel_weight) * update_rate * result.best_pscore * n for n in new]
        return changes, result.best_pscore, tolerances, expected

    images = frames("car10", 2)
    base, p, tolerances, expected = one_frame(0.18, 0.6)
    half_weight, p_weight, _, _ = one_frame(0.18, 0.8)  # 1 − λs: 0.4 → 0.2
    half_rate, p_rate, _, _ = one_frame(0.09, 0.6)
    assert p == p_weight == p_rate > 0.5  # the same first search: the kernels change only after it
    assert len(base) == (2 if model == "nanotrack_v3" else 1)  # v3: the pixel-wise and depthwise kernels
    for change, by_weight, by_rate, tolerance in zip(base, half_weight, half_rate, tolerances):
        assert change.abs().max() > 1000 * tolerance  # the sample differs from the template
        torch.testing.assert_close(by_weight, change / 2, rtol=0, atol=tolerance)
        torch.testing.assert_close(by_rate, change / 2, rtol=0, atol=tolerance)
    for change, wanted, tolerance in zip(base, expected, tolerances):
        torch.testing.assert_close(change, wanted, rtol=0, atol=tolerance)


# -- both paths, every feature on ---------------------------------------------------------------

@pytest.mark.parametrize("model", NANOTRACK_VERSIONS)
def test_exact_and_fast_paths_agree_with_every_feature_on(model, tmp_path, nanotrack_weights):
    """The fast path on both backends (torch, ONNX Runtime) against the exact path. Measured ≤ 4e-5
    px apart over these frames (v2; the networks differ ≤ 5e-6 relative); ONNX Runtime ≤ 2.3e-5 px (v3)."""
    images = frames("car10", 5)
    trajectories = []
    for exact, backend in ((True, "torch"), (False, "torch"), (False, "onnxruntime")):
        tracker = tracker_with(tmp_path, model, nanotrack_weights, exact=exact, backend=backend,
                               online_update=True, second_search=True, adaptive_search=True)
        tracker.init(images[0], CAR10_BOX)
        trajectories.append(np.array([tracker.track(image).bbox for image in images[1:]]))
        assert tracker.state.search_size == 351
    for fast in trajectories[1:]:
        np.testing.assert_allclose(fast, trajectories[0], rtol=0, atol=0.01)
