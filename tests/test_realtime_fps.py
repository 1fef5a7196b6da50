"""`evaluate --realtime-fps N`: the real-time experiment at N fps for every sequence (VOT2019's
challenge: 20), checked with the real toolkit: the interval its own runtime uses, and the frames
it skips for a tracker of known speed."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from conftest import REPO
from vot_helpers import workspace

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parent
MODEL = "siamrpn_alex_dwxcorr"


def toolkit_intervals(ws: Path) -> dict[str, float]:
    """{sequence: the interval the toolkit's realtime experiment gives its RealtimeTrackerRuntime}."""
    from vot.workspace import Workspace
    loaded = Workspace.load(str(ws))
    experiment = loaded.stack.experiments["realtime"]
    tracker = loaded.registry[MODEL]
    return {sequence.name: experiment._get_runtime(tracker, sequence)._interval for sequence in loaded.dataset}


def test_the_toolkit_uses_the_requested_rate_on_the_view(tmp_path):
    from tracker.vot.realtime_fps import realtime_view
    ws = workspace(tmp_path, sequences=3, frames=3)   # demo data: fps=30, 30, 20
    assert sorted(toolkit_intervals(ws).values()) == pytest.approx([1 / 30, 1 / 30, 1 / 20])
    view = realtime_view(ws, 20)
    assert list(toolkit_intervals(view).values()) == pytest.approx([1 / 20] * 3)
    assert (view / "results").resolve() == (ws / "results").resolve()  # results land in ws


def static_workspace(tmp_path: Path, frames: int, weights: Path) -> Path:
    """A workspace with one static 30-fps sequence and a registry of the slow tracker."""
    root = tmp_path / "ws"
    (root / "sequences" / "still" / "color").mkdir(parents=True)
    image = np.full((240, 320, 3), 100, np.uint8)
    image[100:140, 140:180] = (20, 200, 220)
    for i in range(1, frames + 1):
        cv2.imwrite(str(root / "sequences" / "still" / "color" / f"{i:08d}.jpg"), image)
    (root / "sequences" / "still" / "groundtruth.txt").write_text("140,100,40,40\n" * frames)
    (root / "sequences" / "still" / "sequence").write_text(
        "channels.color=color/%08d.jpg\nformat=default\nfps=30\nname=still\n")
    (root / "sequences" / "list.txt").write_text("still\n")
    (root / "trackers.ini").write_text(
        "[slow]\nprotocol = traxpython\n"
        "command = import sys; from trax_slow_server import main; sys.exit(main(['--config', "
        f"'models/{MODEL}/config.yaml', '--weights', '{weights}']))\n"
        # stdio: in socket mode the toolkit waits a fixed 30 s for the handshake, which start-up
        # (load + warm-up) can exceed on a loaded machine
        f"paths = {TESTS}:{REPO}\nsocket = false\ntimeout = 300\nenv_SLOW_TRACK_S = 1.0\n")
    # the VOT2019 stack's realtime experiment alone
    stack = yaml.safe_load((REPO / "vot_workspace" / "vot2019_shortterm.yaml").read_text())
    stack["experiments"] = {"realtime": stack["experiments"]["realtime"]}
    (root / "stack.yaml").write_text(yaml.safe_dump(stack))
    (root / "config.yaml").write_text("registry:\n- trackers.ini\nstack: stack.yaml\nsequences: sequences\n")
    return root


def longest_skip_run(ws: Path) -> int:
    """Longest run of consecutive frames the real-time rule skipped (time 0 in the results)."""
    times = (ws / "results" / "slow" / "realtime" / "still" / "still_001_time.value").read_text().split()
    longest = run = 0
    for value in times:
        run = run + 1 if float(value) == 0 else 0
        longest = max(longest, run)
    return longest


@pytest.mark.parametrize("realtime_fps", [None, 20])
def test_frames_are_skipped_at_the_requested_rate(tmp_path, realtime_fps, capsys):
    """Replies take 1 s (+ the tracker's own ε). After a reply of t s the toolkit skips the next
    k frames while t − k·I > I: at 30 fps (the sequence's own) 28 for ε = 0, 20 fps: 18; a
    run never reaches 28 at 20 fps unless ε > 0.5 s."""
    from tracker.zoo.standin_weights import write_checkpoint
    from tracker.vot.toolkit import analysis, evaluate

    ws = static_workspace(tmp_path, 45, write_checkpoint(tmp_path / "weights", MODEL))
    evaluate(ws, ["slow"], "realtime", realtime_fps=realtime_fps)
    run = longest_skip_run(ws)
    if realtime_fps == 20:
        assert 18 <= run < 28
    else:
        assert 28 <= run < 38
    rows = analysis(ws, ["slow"])["slow"]
    expected = "20 fps for every sequence" if realtime_fps else "each sequence's fps (30 where missing)"
    assert f"realtime: real-time rule at {expected}" in capsys.readouterr().out
    assert rows[0]["realtime_fps"] == realtime_fps


def test_mixing_rates_in_one_results_folder_is_refused(tmp_path):
    from tracker.vot.realtime_fps import claim_realtime_fps
    ws = workspace(tmp_path, sequences=1, frames=3)
    claim_realtime_fps(ws, MODEL, ["realtime"], 20)
    (ws / "results" / MODEL / "realtime" / "some-sequence").mkdir()
    with pytest.raises(SystemExit, match="holds results at 20 fps for every sequence"):
        claim_realtime_fps(ws, MODEL, ["realtime"], None)
