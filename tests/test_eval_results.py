"""eval_results on a UAV123 fixture: our results, a pysot folder and a pytracking folder, numbers
worked out by hand from the ground truth, per attribute, JSON, plots, clear errors."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dataset_layouts import got10k_layout, uav123_layout, write_boxes
from tracker.datasets import load_dataset
from tracker.evaluation.eval_results import main


@pytest.fixture
def dataset(tmp_path):
    return uav123_layout(tmp_path / "uav")


def write_results(folder, sequences, transform, separator=","):
    for sequence in sequences:
        write_boxes(folder / f"{sequence.name}.txt", transform(np.nan_to_num(sequence.boxes())), separator)


def test_scores_three_result_styles(tmp_path, dataset, capsys):
    sequences = load_dataset(dataset, "uav123")
    results = tmp_path / "results"
    write_results(results / "perfect", sequences, lambda b: b)                           # ours
    write_results(results / "pysot_shift3", sequences, lambda b: b + [3, 0, 0, 0])       # pysot
    write_results(results / "pytracking_far", sequences, lambda b: b + [500, 0, 0, 0], "\t")
    out = tmp_path / "scores.json"
    assert main(["--dataset", str(dataset), "--format", "uav123", "--results", str(results),
                 "--json", str(out), "--plots", str(tmp_path / "plots")]) == 0
    scores = json.loads(out.read_text())["trackers"]

    # Perfect boxes: IoU 1 exceeds every threshold but 1 → AUC 20/21; every centre within 0 px.
    assert scores["perfect"]["success_auc"] == pytest.approx(20 / 21)
    assert scores["perfect"]["precision"] == 1 and scores["perfect"]["normalized_precision"] == 1
    # Shifted 3 px right: IoU (w−3)/(w+3) per frame, counted against the 21 thresholds by hand;
    # centre 3 px off (P@20 = 1); normalised 3/w, compared with 0, 0.01, …, 0.5.
    expected_auc, expected_norm = [], []
    for sequence in sequences:
        w = sequence.boxes()[:, 2]
        w = w[np.isfinite(w)]                          # bike1's NaN frame is left out
        iou = (w - 3) / (w + 3)
        expected_auc.append(np.mean([(iou > t / 20).mean() for t in range(21)]))
        expected_norm.append(np.mean([(3 / w <= t / 100).mean() for t in range(51)]))
    assert scores["pysot_shift3"]["success_auc"] == pytest.approx(np.mean(expected_auc))
    assert scores["pysot_shift3"]["precision"] == 1
    assert scores["pysot_shift3"]["normalized_precision"] == pytest.approx(np.mean(expected_norm))
    assert scores["pytracking_far"]["success_auc"] == 0 and scores["pytracking_far"]["precision"] == 0
    # Attributes: bike1 alone has fast_motion (UAV123's att file).
    fast = scores["pysot_shift3"]["attributes"]["fast_motion"]
    assert fast["sequences"] == 1 and fast["success_auc"] == pytest.approx(expected_auc[0])

    table = capsys.readouterr().out
    assert table.index("perfect") < table.index("pysot_shift3") < table.index("pytracking_far")
    assert "0.952" in table and "fast_motion" in table
    for plot in ("success", "precision", "normalized_precision"):
        assert (tmp_path / "plots" / f"{plot}.png").stat().st_size > 10_000


def test_missing_sequence_and_test_split_errors(tmp_path, dataset, capsys):
    sequences = load_dataset(dataset, "uav123")
    write_results(tmp_path / "results" / "partial", sequences[:1], lambda b: b)
    assert main(["--dataset", str(dataset), "--format", "uav123", "--results", str(tmp_path / "results"),
                 "--json", str(tmp_path / "s.json")]) == 2
    assert "no results for sequence truck4_1" in capsys.readouterr().err
    test_split = got10k_layout(tmp_path / "got", "test")
    assert main(["--dataset", str(test_split), "--format", "got10k", "--results", str(tmp_path / "results"),
                 "--json", str(tmp_path / "s.json")]) == 2
    assert "GOT-10k server" in capsys.readouterr().err
