"""tune: 2 sequences (one held out), 4 trials, a best config that loads; resuming adds trials."""
from __future__ import annotations

import csv

from conftest import REPO
from dataset_layouts import steady_weights, vot_layout
from tracker.config import load_config
from tracker.evaluation.tune import main

ALEX = str(REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml")


def test_four_trials_then_resume(tmp_path, standin_weights, capsys):
    weights = steady_weights(standin_weights("siamrpn_alex_dwxcorr"), tmp_path / "steady.pth")
    dataset = vot_layout(tmp_path / "vot", ("bike1", "crossing"), 6)
    args = ["--config", ALEX, "--weights", str(weights), "--dataset", str(dataset), "--format", "vot",
            "--params", "tracker.penalty_k", "tracker.lr", "--out", str(tmp_path / "study")]
    assert main([*args, "--trials", "4"]) == 0
    out = capsys.readouterr().out
    best = load_config(tmp_path / "study" / "best_config.yaml")
    rows = list(csv.DictReader(open(tmp_path / "study" / "trials.csv")))
    assert len(rows) == 4 and len({r["tracker.penalty_k"] for r in rows}) == 4
    top = max(rows, key=lambda r: float(r["auc"]))
    assert abs(best.tracker.penalty_k - float(top["tracker.penalty_k"])) < 1e-4
    assert abs(best.tracker.lr - float(top["tracker.lr"])) < 1e-4
    assert "on 1 tuning sequence(s)" in out and "1 held-out" in out
    assert (tmp_path / "study" / "trials.png").stat().st_size > 5000
    assert main([*args, "--trials", "1"]) == 0          # resumes the same study
    assert "1 trial(s) run, 5 in the study" in capsys.readouterr().out
