"""tune: 2 sequences (one held out), 4 trials, a best config that loads and whose held-out score is
the one printed (re-measured here by running that config); a resumed study draws new points and
scores its own best config; a resume with other --params is refused in one line."""
from __future__ import annotations

import csv
import re

import numpy as np

from conftest import REPO
from dataset_layouts import steady_weights, vot_layout
from tracker import load_tracker
from tracker.config import load_config
from tracker.datasets import load_dataset
from tracker.evaluation.metrics import overlaps
from tracker.evaluation.ope import run_ope
from tracker.evaluation.tune import main

ALEX = str(REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml")
PRINTED = re.compile(r"best trial (\d+): AUC ([\d.]+) on 1 tuning sequence\(s\), ([\d.]+) on 1 held-out")


def check_held_out(study, trial: str, printed: str, weights, sequences) -> None:
    """The held-out results of `trial` are what best_config.yaml tracks, and the score printed is
    their OPE success AUC, counted here: frame 0 is the given box (IoU 1), each frame counts for
    the thresholds 0, 0.05, …, 1 its IoU exceeds."""
    folder = study / "held_out" / f"{int(trial):04d}"
    name = next(p.stem for p in folder.glob("*.txt") if not p.stem.endswith("_time"))
    boxes, _ = run_ope(load_tracker(study / "best_config.yaml", weights=weights), sequences[name])
    np.testing.assert_allclose(np.loadtxt(folder / f"{name}.txt", delimiter=","), boxes, atol=1e-3)
    ious = np.concatenate([[1.0], overlaps(boxes[1:], sequences[name].boxes()[1:])])
    assert abs(float(printed) - np.mean([[iou > t / 20 for t in range(21)] for iou in ious])) < 5e-4


def test_four_trials_then_resume(tmp_path, standin_weights, capsys):
    weights = steady_weights(standin_weights("siamrpn_alex_dwxcorr"), tmp_path / "steady.pth")
    dataset = vot_layout(tmp_path / "vot", ("bike1", "crossing"), 6)
    sequences = {s.name: s for s in load_dataset(dataset, "vot")}
    study = tmp_path / "study"
    args = ["--config", ALEX, "--weights", str(weights), "--dataset", str(dataset), "--format", "vot",
            "--params", "tracker.penalty_k", "tracker.lr", "--out", str(study)]
    assert main([*args, "--trials", "1"]) == 0
    out = capsys.readouterr().out
    best = load_config(study / "best_config.yaml")
    rows = list(csv.DictReader(open(study / "trials.csv")))
    assert len(rows) == 1
    top = max(rows, key=lambda r: float(r["auc"]))
    assert abs(best.tracker.penalty_k - float(top["tracker.penalty_k"])) < 1e-4
    assert abs(best.tracker.lr - float(top["tracker.lr"])) < 1e-4
    first_best, _, held = PRINTED.search(out).groups()
    check_held_out(study, first_best, held, weights, sequences)
    assert (study / "trials.png").stat().st_size > 5000

    assert main([*args, "--trials", "3"]) == 0          # resumes the same study
    out = capsys.readouterr().out
    assert "3 trial(s) run, 4 in the study" in out
    rows = list(csv.DictReader(open(study / "trials.csv")))
    assert len({r["tracker.penalty_k"] for r in rows}) == 4   # a resumed sampler draws new points
    trial, _, held = PRINTED.search(out).groups()
    # With these seeds a resumed trial beats the first best: the held-out score printed must be
    # the new best config's, not the first one's (its results were reused before).
    assert trial != first_best
    assert f"# best trial {trial}:" in (study / "best_config.yaml").read_text()
    check_held_out(study, trial, held, weights, sequences)
    assert not list(study.rglob("*.part"))

    assert main([*args[:-5], "--params", "tracker.penalty_k", "--out", str(study), "--trials", "1"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "this study was run with --params tracker.penalty_k tracker.lr" in error
