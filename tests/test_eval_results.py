"""eval_results: our results, pysot's and pytracking's raw-results folders under their own names
(OTB with `-` and `_`, UAV123's `uav_` prefix), numbers worked out by hand from the ground truth
(UAV123's rules: frame 0 the given box, a frame without ground truth a miss for success and a hit
for precision), per attribute and per sequence, missing sequences listed, clear errors."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dataset_layouts import got10k_layout, otb_layout, uav123_layout, write_boxes
from tracker.datasets import load_dataset
from tracker.evaluation.eval_results import main


@pytest.fixture
def dataset(tmp_path):
    return uav123_layout(tmp_path / "uav")


def write_results(folder, sequences, transform, separator=",", name=lambda s: s.name):
    for sequence in sequences:
        write_boxes(folder / f"{name(sequence)}.txt", transform(np.nan_to_num(sequence.boxes())), separator)


def by_hand(sequence, shift: float) -> tuple[float, float]:
    """(success AUC, normalised precision at 0.20) of boxes shifted `shift` px right, from frame 1
    on: IoU (w − s)/(w + s), normalised distance s/w; frame 0 is the given box; a frame without
    ground truth is a miss for success and a hit for normalised precision."""
    ious, distances = [1.0], [0.0]
    for x, y, w, h in sequence.boxes()[1:]:
        if np.isnan(w):
            ious.append(-1.0)
            distances.append(-1.0)
        else:
            ious.append((w - shift) / (w + shift))
            distances.append(shift / w)
    auc = sum(sum(iou > t / 20 for iou in ious) / len(ious) for t in range(21)) / 21
    return auc, sum(d <= 0.2 for d in distances) / len(distances)


def test_scores_three_result_styles(tmp_path, dataset, capsys):
    sequences = load_dataset(dataset, "uav123")
    results = tmp_path / "results"
    write_results(results / "perfect", sequences, lambda b: b)                           # ours
    write_results(results / "pysot_shift3", sequences, lambda b: b + [3, 0, 0, 0])       # pysot
    write_results(results / "pytracking_far", sequences, lambda b: b + [500, 0, 0, 0], "\t",
                  name=lambda s: f"uav_{s.name}")                                        # pytracking
    out = tmp_path / "scores.json"
    assert main(["--dataset", str(dataset), "--format", "uav123", "--results", str(results),
                 "--json", str(out), "--plots", str(tmp_path / "plots"), "--per-sequence"]) == 0
    scores = json.loads(out.read_text())["trackers"]

    # Perfect boxes: IoU 1 exceeds every threshold but 1 → 20/21; bike1's frame without ground
    # truth is a miss for success (9 of 10 frames) and a hit for precision.
    assert scores["perfect"]["success_auc"] == pytest.approx((20 / 21 + 20 / 21 + 0.9 * 20 / 21) / 3)
    assert scores["perfect"]["precision"] == 1 and scores["perfect"]["normalized_precision"] == 1
    expected = {s.name: by_hand(s, 3) for s in sequences}
    assert scores["pysot_shift3"]["success_auc"] == pytest.approx(np.mean([e[0] for e in expected.values()]))
    assert scores["pysot_shift3"]["precision"] == 1
    assert scores["pysot_shift3"]["normalized_precision"] == pytest.approx(np.mean([e[1] for e in expected.values()]))
    for name, (auc, normalized) in expected.items():
        assert scores["pysot_shift3"]["per_sequence"][name]["success_auc"] == pytest.approx(auc)
        assert scores["pysot_shift3"]["per_sequence"][name]["normalized_precision"] == pytest.approx(normalized)
    # Far off from frame 1 on: only frame 0 (the given box) and bike1's unannotated frame count.
    assert scores["pytracking_far"]["success_auc"] == pytest.approx((20 / 21 * 0.1) * 3 / 3)
    assert scores["pytracking_far"]["precision"] == pytest.approx((0.1 + 0.1 + 0.2) / 3)
    # Attributes: bike1 alone has fast_motion (UAV123's att file).
    fast = scores["pysot_shift3"]["attributes"]["fast_motion"]
    assert fast["sequences"] == 1 and fast["success_auc"] == pytest.approx(expected["bike1"][0])

    table = capsys.readouterr().out
    assert table.index("perfect") < table.index("pysot_shift3") < table.index("pytracking_far")
    assert "NP@0.2" in table and "fast_motion" in table and "AUC per sequence" in table
    assert f"{expected['truck4_2'][0]:.3f}" in table.split("AUC per sequence")[1]
    assert "3 of 3 sequence(s) scored; uav123 rules" in table
    for plot in ("success", "precision", "normalized_precision"):
        assert (tmp_path / "plots" / f"{plot}.png").stat().st_size > 10_000


@pytest.mark.parametrize("style", ["pysot", "pytracking", "otb_toolkit"])
def test_otb_raw_results_under_each_toolkits_names(tmp_path, style, capsys):
    """pysot: Jogging-1, Human4-2; pytracking: Jogging_1, Human4_2 (tabs); the OTB toolkit's
    lower-case jogging_1, human4_2: every sequence is found and scored."""
    dataset = otb_layout(tmp_path / "otb")
    sequences = load_dataset(dataset, "otb")
    names = {"pysot": {"Jogging-1": "Jogging-1", "Jogging-2": "Jogging-2", "Human4": "Human4-2"},
             "pytracking": {"Jogging-1": "Jogging_1", "Jogging-2": "Jogging_2", "Human4": "Human4_2"},
             "otb_toolkit": {"Jogging-1": "jogging_1", "Jogging-2": "jogging_2", "Human4": "human4_2",
                             "Crossing": "crossing", "BlurCar3": "blurCar3", "Tiger1": "tiger1"}}[style]
    write_results(tmp_path / "results" / style, sequences, lambda b: b, "\t" if style == "pytracking" else ",",
                  name=lambda s: names.get(s.name, s.name))
    out = tmp_path / "scores.json"
    assert main(["--dataset", str(dataset), "--format", "otb", "--results", str(tmp_path / "results"),
                 "--json", str(out)]) == 0
    scores = json.loads(out.read_text())
    assert scores["missing"] == {} and len(scores["sequences_scored"]) == 6
    assert scores["trackers"][style]["success_auc"] == pytest.approx(20 / 21)
    assert "6 of 6 sequence(s) scored" in capsys.readouterr().out


def test_missing_sequences_are_listed_and_the_common_ones_scored(tmp_path, dataset, capsys):
    sequences = load_dataset(dataset, "uav123")
    write_results(tmp_path / "results" / "partial", sequences[:1], lambda b: b)     # bike1 only
    write_results(tmp_path / "results" / "most", sequences[:2], lambda b: b + [3, 0, 0, 0])
    out = tmp_path / "s.json"
    assert main(["--dataset", str(dataset), "--format", "uav123", "--results", str(tmp_path / "results"),
                 "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert "partial: no results for 2 of 3 sequence(s): truck4_1, truck4_2" in captured.err
    assert "most: no results for 1 of 3 sequence(s): truck4_2" in captured.err
    assert "scored on the 1 sequence(s) all of them have" in captured.err
    scores = json.loads(out.read_text())
    assert scores["sequences_scored"] == ["bike1"]
    assert scores["missing"] == {"partial": ["truck4_1", "truck4_2"], "most": ["truck4_2"]}
    assert scores["trackers"]["most"]["sequences"] == 1
    assert scores["trackers"]["most"]["success_auc"] == pytest.approx(by_hand(sequences[0], 3)[0])
    assert "1 of 3 sequence(s) scored" in captured.out


def test_clear_errors(tmp_path, dataset, capsys):
    sequences = load_dataset(dataset, "uav123")
    write_results(tmp_path / "results" / "a", sequences[1:], lambda b: b)
    write_results(tmp_path / "results" / "b", sequences[:1], lambda b: b)
    common = ["--dataset", str(dataset), "--format", "uav123", "--results", str(tmp_path / "results"),
              "--json", str(tmp_path / "s.json")]
    assert main(common) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "eval_results: error: no sequence has results from every tracker; nothing to compare")
    assert main([*common, "--plots", str(tmp_path / "results" / "plots")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "lies under --results" in error
    test_split = got10k_layout(tmp_path / "got", "test")
    assert main(["--dataset", str(test_split), "--format", "got10k", "--results", str(tmp_path / "results"),
                 "--json", str(tmp_path / "s.json")]) == 2
    assert "GOT-10k server" in capsys.readouterr().err
