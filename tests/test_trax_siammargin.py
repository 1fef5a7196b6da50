"""SiamMargin's own path end to end through the TraX server under the VOT toolkit's runtime:
a rotated-polygon initialisation, the 351 search, the second search and the online update, each
seen happening in the server (tests/trax_recording_server.py records what the tracker did per
request), with the server's trajectory equal to load_tracker's on the same frames.

Weights: the project's stand-in SiamMargin with its last cls and loc convolutions scaled by 1e-3
(the raw stand-in's outputs are in the thousands: every box flies to the image corner and every
score is 0 or 1) and 10 added to the background logits, so that every first search scores under
0.1 and the second search runs on every frame. The target (a 15 × 10 rectangle at atan(3/4)) is
small for the 320 × 240 frames, so the search is 351 from the start."""
import json

import numpy as np
import pytest
import torch

from conftest import REPO
from tracker import load_tracker
from tracker.core.images import read_image
from vot_helpers import workspace

pytestmark = pytest.mark.slow
CONFIG = REPO / "models" / "siammargin" / "config.yaml"

# p0 = (212, 130), p1 = p0 + 15·(0.8, 0.6), p2 = p1 + 10·(−0.6, 0.8), p3 = p0 + 10·(−0.6, 0.8).
# By hand (the submission's rule): bounding box 18 × 17, s = √(15·10 / 306) = 0.700140042;
# w = 18·s + 1 = 13.602520756, h = 17·s + 1 = 12.902380714; centre = (860/4, 554/4).
POLYGON = (212, 130, 224, 139, 218, 147, 206, 138)
CENTER, SIZE = [215.0, 138.5], [13.602520756, 12.902380714]
# area ratio 13.6 · 12.9 / (320 · 240) = 0.0023 < 0.004: 351

RECORDING_INI = """[siammargin_recorded]
label = SiamMargin, recording what it does
protocol = traxpython
command = import sys; from trax_recording_server import main; sys.exit(main(['--config', 'models/siammargin/config.yaml', '--weights-of', 'siammargin']))
paths = {tests}:{repo}
socket = true
timeout = 120
env_RECORD_FILE = {record}
"""


def tame_weights(folder, standin_state_dict):
    state = standin_state_dict("siammargin")
    for key in ("rpn.cls.head.3.weight", "rpn.cls.head.3.bias", "rpn.loc.head.3.weight", "rpn.loc.head.3.bias"):
        state[key] *= 1e-3
    state["rpn.cls.head.3.bias"][:5] += 10.0  # the 5 background logits
    path = folder / "siammargin" / "model.pth"
    path.parent.mkdir(parents=True)
    torch.save({"state_dict": state}, path)
    return path


def test_siammargin_features_through_the_server_equal_load_tracker(tmp_path, standin_state_dict, monkeypatch):
    from vot.dataset import load_sequence
    from vot.region import Polygon
    from vot.tracker import ObjectStatus, Registry

    weights = tame_weights(tmp_path / "weights", standin_state_dict)
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path / "weights"))
    ws = workspace(tmp_path, sequences=1, frames=10)
    folder = ws / "sequences" / (ws / "sequences" / "list.txt").read_text().split()[0]
    record = tmp_path / "record.jsonl"
    ini = tmp_path / "recording.ini"
    ini.write_text(RECORDING_INI.format(tests=REPO / "tests", repo=REPO, record=record))

    sequence = load_sequence(str(folder))
    rt = Registry([str(ini)], root=str(REPO))["siammargin_recorded"].runtime(log=True)
    try:
        polygon = Polygon([POLYGON[i:i + 2] for i in range(0, 8, 2)])
        rt.initialize(sequence.frame(0), [ObjectStatus(polygon, {})])
        served = []
        for i in range(1, len(sequence)):
            state, _ = rt.update(sequence.frame(i))
            region = state[0].region
            served.append([region.x, region.y, region.width, region.height])
    finally:
        rt.stop()
    recorded = [json.loads(line) for line in record.read_text().splitlines()]

    # the same frames through load_tracker in this process
    tracker = load_tracker(CONFIG, weights=weights)
    paths = sorted((folder / "color").glob("*.jpg"))
    tracker.init(read_image(str(paths[0])), POLYGON)
    local, local_sizes = [], []
    for path in paths[1:]:
        local.append(tracker.track(read_image(str(path))).bbox)
        local_sizes.append(tracker.state.search_size)
    np.testing.assert_allclose(served, local, rtol=1e-6, atol=1e-3)  # TraX carries float32

    # what the server's tracker did
    assert [entry["request"] for entry in recorded] == ["initialize"] + ["frame"] * 9
    init, frames = recorded[0], recorded[1:]
    assert init["center"] == pytest.approx(CENTER, abs=1e-4)   # the polygon, by the submission's rule
    assert init["size"] == pytest.approx(SIZE, abs=1e-4)
    assert init["search_size"] == 351
    assert all(entry["searches"] == [351, 351] for entry in frames)  # 351, and a second search each frame
    assert all(entry["kernels_updated"] for entry in frames)          # the online update
    assert [entry["next_search_size"] for entry in frames] == local_sizes
