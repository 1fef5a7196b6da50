"""compare_opencv (tracker.evaluation.compare): ours scored with the one metrics home, and every bad
argument a one-line error (no traceback), checked without OpenCV's contrib environment."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SHARED_ROOT
from dataset_layouts import steady_weights, vot_layout
from tracker.evaluation.compare import main

ALEX = REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml"


@pytest.fixture
def dataset(tmp_path):
    return vot_layout(tmp_path / "vot", ("crossing", "car16"), 6)


def test_ours_scored_per_sequence_and_overall(tmp_path, dataset, standin_weights, capsys):
    weights = steady_weights(standin_weights("siamrpn_alex_dwxcorr"), tmp_path / "steady.pth")
    assert main(["--dataset", str(dataset), "--ours", f"alex={ALEX}:{weights}", "--opencv", "",
                 "--out", str(tmp_path / "out")]) == 0
    scores = json.loads((tmp_path / "out" / "compare.json").read_text())["scores"]["alex"]
    assert scores["auc"] == pytest.approx(np.mean(list(scores["per_sequence"].values())))
    # Frame 0 is scored as the given box (IoU 1 > every threshold but 1): at least 1/6 · 20/21.
    assert all(20 / 21 / 6 - 1e-9 <= auc <= 20 / 21 for auc in scores["per_sequence"].values())
    assert scores["success_curve"][0] >= scores["success_curve"][-2] and scores["success_curve"][-1] == 0
    assert "AUC (mean)" in capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["--ours", "no-equals-sign"], "--ours 'no-equals-sign': expected NAME=CONFIG:WEIGHTS"),
    (["--ours", f"x={ALEX}:/nonexistent/model.pth"], "/nonexistent/model.pth"),
    (["--sequences", "crossing,nope"], "sequences not in"),
    (["--opencv", "CSRT", "--opencv-python", "/nonexistent/python"], "/nonexistent/python not found"),
    (["--opencv", "Nano", "--opencv-python", sys.executable], "--opencv Nano needs --nano-onnx FOLDER holding"),
])
def test_bad_arguments_are_one_line_errors(dataset, tmp_path, extra, message, capsys):
    assert main(["--dataset", str(dataset), "--out", str(tmp_path / "out"), "--opencv", "", *extra]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("compare_opencv: error: ") and message in error


def test_missing_dataset_is_one_line(tmp_path, capsys):
    assert main(["--dataset", str(tmp_path / "absent"), "--opencv", ""]) == 2
    assert capsys.readouterr().err == f"compare_opencv: error: dataset folder not found: {tmp_path / 'absent'}\n"


def test_opencv_nano_tracks_real_frames(tmp_path):
    """OpenCV's TrackerNano (opencv-python has it: no contrib environment needed) on the ONNX pair
    in ../shared: its first box is the given one and it follows the target on 40 real frames
    better than a box that stays where it was given."""
    onnx = SHARED_ROOT / "weights" / "nanotrack"
    if not (onnx / "nanotrack_head_sim_v2.onnx").is_file():
        pytest.skip(f"NanoTrack v2's ONNX pair not found in {onnx}")
    from tracker.datasets import load_dataset
    from tracker.evaluation.compare import run_opencv, score
    sequences = load_dataset(vot_layout(tmp_path / "long", ("crossing", "car16"), 40), "vot")
    results = run_opencv("Nano", sequences, Path(sys.executable), onnx)
    standing = {s.name: {"boxes": [s.boxes()[0].tolist()] * len(s.frames), "seconds": [1e-3] * len(s.frames)}
                for s in sequences}
    for sequence in sequences:
        assert results[sequence.name]["boxes"][0] == pytest.approx(sequence.boxes()[0].tolist())
    tracked, still = score(results, sequences)["per_sequence"], score(standing, sequences)["per_sequence"]
    assert all(tracked[name] > still[name] + 0.1 for name in tracked), (tracked, still)
