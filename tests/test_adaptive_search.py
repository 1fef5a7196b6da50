"""SiamMargin's adaptive search size, driven through the real tracker frame by frame: 351 when the
target's area / the frame's area < 0.004 (checked on every frame, not only at init) or when the
largest displacement since init exceeds 80 crop pixels, else back to 255.

The network is the project's stand-in SiamMargin with its last cls and loc convolutions zeroed:
every anchor scores 0.5 and every box is its anchor (plus a chosen offset), so what the tracker
does is known by hand and the same on every machine. With no offset the cosine window picks the
centre anchor: the target stays put, and its size moves only from 60 towards the 1:1 anchor's
64 crop pixels (≈ 60.5 image pixels), so the area ratio is set by the frame size alone:
60² / (640·480) = 0.0117 (255) and 60² / (2000·1500) = 0.0012 (351)."""
import numpy as np
import pytest
import torch

from conftest import REPO
from tracker import load_tracker

CONFIG = REPO / "models" / "siammargin" / "config.yaml"
BOX = (300, 200, 60, 60)


def scene(height: int, width: int) -> np.ndarray:
    image = np.random.default_rng(0).integers(60, 120, (height, width, 3), dtype=np.uint8)
    image[200:260, 300:360] = (20, 200, 240)
    return image


SMALL_FRAME, LARGE_FRAME = scene(480, 640), scene(1500, 2000)


def flat_head_tracker(tmp_path, standin_state_dict, dx: float = 0.0):
    """SiamMargin (all three features on) whose every anchor scores the same and whose every box
    is its anchor moved by dx anchor widths."""
    state = standin_state_dict("siammargin")
    for key in ("rpn.cls.head.3.weight", "rpn.cls.head.3.bias", "rpn.loc.head.3.weight", "rpn.loc.head.3.bias"):
        state[key].zero_()
    state["rpn.loc.head.3.bias"][:5] = dx  # loc channels 0–4: dx of the 5 anchors
    path = tmp_path / "flat_head.pth"
    torch.save({"state_dict": state}, path)
    tracker = load_tracker(CONFIG, weights=path)
    assert tracker.settings.adaptive_search.enabled and tracker.settings.adaptive_search.area_ratio == 0.004
    return tracker


def test_area_ratio_is_checked_on_every_frame_and_switches_back(tmp_path, standin_state_dict):
    tracker = flat_head_tracker(tmp_path, standin_state_dict)
    tracker.init(SMALL_FRAME, BOX)
    assert tracker.state.search_size == 255
    sizes = []
    for frame in (SMALL_FRAME, LARGE_FRAME, LARGE_FRAME, SMALL_FRAME, LARGE_FRAME, SMALL_FRAME):
        tracker.track(frame)
        sizes.append(tracker.state.search_size)
        # what makes the expected sizes hold by hand: the target did not move, and stayed 60–61 px
        assert tracker.state.max_speed == 0
        assert tracker.state.center.tolist() == [329.5, 229.5]
        assert np.all((60 <= tracker.state.size) & (tracker.state.size <= 61))
    assert sizes == [255, 351, 351, 255, 351, 255]


def test_a_fast_target_keeps_351_until_reinit(tmp_path, standin_state_dict):
    """dx = 1.5: the chosen box sits 1.5 · 64 = 96 crop pixels right of the crop centre, over 80:
    351 from then on, whatever the area ratio; a new init forgets the speed."""
    tracker = flat_head_tracker(tmp_path, standin_state_dict, dx=1.5)
    tracker.init(SMALL_FRAME, BOX)
    assert tracker.state.search_size == 255
    sizes = []
    for _ in range(3):
        tracker.track(SMALL_FRAME)
        sizes.append(tracker.state.search_size)
    assert tracker.state.max_speed == pytest.approx(96)
    assert sizes == [351, 351, 351]
    tracker.init(SMALL_FRAME, BOX)
    assert tracker.state.search_size == 255 and tracker.state.max_speed == 0
