"""The tracker's phase_timer hook: each search runs crop, network, post-processing and (with the
online update on) update inside the timer's context, in that order; outputs do not change."""
from contextlib import contextmanager

import numpy as np
import pytest

from conftest import REPO
from tracker import load_tracker


class PhaseRecorder:
    """A phase_timer that records each phase as it starts and ends."""

    def __init__(self):
        self.events: list[str] = []

    @contextmanager
    def __call__(self, phase: str):
        self.events.append(f"{phase}>")
        yield
        self.events.append(f"<{phase}")


def frames(count=5):
    rng = np.random.default_rng(3)
    images = []
    for i in range(count):
        image = rng.integers(40, 90, (240, 320, 3), dtype=np.uint8)
        image[90 + 2 * i:140 + 2 * i, 120 + 3 * i:170 + 3 * i] = (20, 200, 230)
        images.append(image)
    return images


@pytest.mark.parametrize("model, phases", [
    ("siammargin", ["crop", "network", "post", "update"]),   # online update on
    ("siamrpn_alex_dwxcorr", ["crop", "network", "post"]),    # online update off
])
def test_each_search_runs_its_phases_inside_the_timer(standin_weights, model, phases):
    config = REPO / "models" / model / "config.yaml"
    plain = load_tracker(config, weights=standin_weights(model))
    timed = load_tracker(config, weights=standin_weights(model))
    recorder = timed.phase_timer = PhaseRecorder()
    images = frames()
    plain.init(images[0], (120, 90, 50, 50))
    timed.init(images[0], (120, 90, 50, 50))
    assert recorder.events == []  # init is not a search
    one_search = [event for phase in phases for event in (f"{phase}>", f"<{phase}")]
    for image in images[1:]:
        recorder.events.clear()
        assert timed.track(image) == plain.track(image)
        searches = len(recorder.events) // len(one_search)
        assert searches in (1, 2) and recorder.events == one_search * searches
