"""compare_opencv (tracker.evaluation.compare): ours scored with the one metrics home, and every bad
argument a one-line error (no traceback), checked without OpenCV's contrib environment."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import REPO
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
])
def test_bad_arguments_are_one_line_errors(dataset, tmp_path, extra, message, capsys):
    assert main(["--dataset", str(dataset), "--out", str(tmp_path / "out"), "--opencv", "", *extra]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("compare_opencv: error: ") and message in error


def test_missing_dataset_is_one_line(tmp_path, capsys):
    assert main(["--dataset", str(tmp_path / "absent"), "--opencv", ""]) == 2
    assert capsys.readouterr().err == f"compare_opencv: error: dataset folder not found: {tmp_path / 'absent'}\n"
