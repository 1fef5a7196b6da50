"""Our metrics against an independent implementation: the GOT-10k authors' own toolkit (PyPI
`got10k`, setup.cfg's test extra), on the same trajectories.

- GOT-10k: its ExperimentGOT10k.report, run as it is on a val-split folder, against eval_results
  (AO, SR0.5, SR0.75 from its 101-bin success curve at 0.75, per sequence and overall).
- OTB: its ExperimentOTB's per-sequence metric code (_calc_metrics, _calc_curves, with the
  report's `boxes[0] = anno[0]`) against ours: success AUC, precision at 20 px, the mean curves.
Normalised precision has no implementation in got10k; its hand-worked cases are in test_metrics.py.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from dataset_layouts import got10k_layout, write_boxes
from tracker.datasets import load_dataset
from tracker.evaluation.eval_results import main as eval_results
from tracker.evaluation.metrics import RULES, frame_errors, image_size, summarise

got10k = pytest.importorskip("got10k", reason="the got10k toolkit is in setup.cfg's test extra")


def perturbed(truth: np.ndarray, rng: np.random.Generator, drift: float) -> np.ndarray:
    """Tracker-like boxes: the ground truth moved and rescaled by seeded noise, with fractions."""
    size = truth[:, 2:]
    centre = truth[:, :2] + size / 2 + rng.normal(0, drift, (len(truth), 2)) * size
    scaled = size * np.exp(rng.normal(0, drift, (len(truth), 2)))
    return np.round(np.hstack([centre - scaled / 2, scaled]), 4)


def test_got10k_report_agrees_with_eval_results(tmp_path):
    from got10k.experiments import ExperimentGOT10k

    root = tmp_path / "got10k"
    split = got10k_layout(root / "val", "val", frames=10)
    results = tmp_path / "results" / "GOT-10k" / "mine"
    rng = np.random.default_rng(3)
    for number, sequence in enumerate(load_dataset(split, "got10k")):
        folder = split / sequence.name
        width, height = image_size(sequence.frames[0])
        (folder / "meta_info.ini").write_text(f"[METAINFO]\nresolution: ({width}, {height})\n")
        cover = np.full(len(sequence), 8)
        cover[[2, 5] if number == 0 else [7]] = 0          # target absent or fully covered
        (folder / "cover.label").write_text("".join(f"{c}\n" for c in cover))
        (folder / "cut_by_image.label").write_text("0\n" * len(sequence))
        truth = sequence.boxes()
        truth[4] = [width - 20, height - 20, 40, 40]        # a target half outside the image
        write_boxes(folder / "groundtruth.txt", truth)
        boxes = perturbed(truth, rng, 0.15 + 0.2 * number)
        boxes[4] = [width - 20, height - 20, 20, 20]        # IoU 1 within the image (got10k clips), 1/4 without
        write_boxes(results / sequence.name / f"{sequence.name}_001.txt", boxes)
        (results / sequence.name / f"{sequence.name}_time.txt").write_text("0.01\n" * len(sequence))

    experiment = ExperimentGOT10k(str(root), subset="val", result_dir=str(tmp_path / "results"),
                                  report_dir=str(tmp_path / "reports"))
    theirs = experiment.report(["mine"])["mine"]
    assert eval_results(["--dataset", str(split), "--format", "got10k", "--results", str(results.parent),
                         "--json", str(tmp_path / "ours.json")]) == 0
    ours = json.loads((tmp_path / "ours.json").read_text())["trackers"]["mine"]

    assert ours["ao"] == pytest.approx(theirs["overall"]["ao"], abs=1e-4)
    assert ours["sr50"] == pytest.approx(theirs["overall"]["sr"], abs=1e-4)
    assert ours["sr75"] == pytest.approx(theirs["overall"]["succ_curve"][75], abs=1e-4)   # IoU > 0.75
    for name, seq in theirs["seq_wise"].items():
        assert ours["per_sequence"][name]["ao"] == pytest.approx(seq["ao"], abs=1e-4)
        assert ours["per_sequence"][name]["sr50"] == pytest.approx(seq["sr"], abs=1e-4)
    assert 0.2 < ours["ao"] < 0.9    # the trajectories neither match nor miss the targets


def test_otb_metric_code_agrees_with_ours():
    from got10k.experiments import ExperimentOTB

    experiment = object.__new__(ExperimentOTB)   # its metric methods, without its dataset download
    experiment.nbins_iou, experiment.nbins_ce = 21, 51
    rng = np.random.default_rng(7)
    errors, theirs = {}, []
    for number in range(4):
        length = 40 + 10 * number
        start = rng.uniform(20, 200, 2)
        size = rng.uniform(15, 80, 2)
        walk = np.cumsum(rng.normal(0, 3, (length, 2)), axis=0)
        truth = np.round(np.hstack([start + walk, size * np.exp(np.cumsum(rng.normal(0, 0.02, (length, 2)), 0))]), 2)
        boxes = perturbed(truth, rng, 0.1 + 0.15 * number)
        errors[f"s{number}"] = frame_errors(boxes, truth, RULES["otb"])
        reported = boxes.copy()
        reported[0] = truth[0]                     # ExperimentOTB.report: boxes[0] = anno[0]
        ious, centre_errors = experiment._calc_metrics(reported, truth)
        theirs.append(experiment._calc_curves(ious, centre_errors))
    ours = summarise(errors, RULES["otb"])
    success, precision = (np.mean([t[i] for t in theirs], axis=0) for i in (0, 1))
    assert ours["success_auc"] == pytest.approx(np.mean(success), abs=1e-4)
    assert ours["precision"] == pytest.approx(precision[20], abs=1e-4)
    np.testing.assert_allclose(ours["curves"]["success"], success, atol=1e-4)
    np.testing.assert_allclose(ours["curves"]["precision"], precision, atol=1e-4)
    for name, (succ, prec) in zip(errors, theirs):
        assert ours["per_sequence"][name]["success_auc"] == pytest.approx(np.mean(succ), abs=1e-4)
        assert ours["per_sequence"][name]["precision"] == pytest.approx(prec[20], abs=1e-4)
    assert 0.2 < ours["success_auc"] < 0.9 and 0.2 < ours["precision"] < 1
