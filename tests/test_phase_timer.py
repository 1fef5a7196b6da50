"""The tracker's phase_timer hook: each search runs crop, network, post-processing and (with the
online update on) update inside the timer's context, in that order; outputs do not change."""
from contextlib import contextmanager

import pytest

from conftest import REPO
from test_api import frames
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


TINY = REPO / "models" / "siammargin_tiny"  # our model: small, weights committed


@pytest.mark.parametrize("config, phases", [
    ("config.yaml", ["crop", "network", "post", "update"]),                      # online update on
    ("ablation/row3_margin_no_update.yaml", ["crop", "network", "post"]),        # online update off
])
def test_each_search_runs_its_phases_inside_the_timer(config, phases):
    plain = load_tracker(TINY / config, weights=TINY / "model.pth")
    timed = load_tracker(TINY / config, weights=TINY / "model.pth")
    recorder = timed.phase_timer = PhaseRecorder()
    images = frames(5)
    plain.init(images[0], (80, 60, 40, 40))
    timed.init(images[0], (80, 60, 40, 40))
    assert recorder.events == []  # init is not a search
    one_search = [event for phase in phases for event in (f"{phase}>", f"<{phase}")]
    for image in images[1:]:
        recorder.events.clear()
        assert timed.track(image) == plain.track(image)
        searches = len(recorder.events) // len(one_search)
        assert searches in (1, 2) and recorder.events == one_search * searches
