"""scripts/ablation (tracker.training.ablation): the spec is validated naming the key, a trained
row has one run per seed, mean ± sd over seeds is what statistics says, the workspace's
trackers.ini is read by the project's own reader as the right config and checkpoint, and one row
runs end to end through the real VOT toolkit and a one-pass run."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from dataset_layouts import steady_weights, vot_layout
from tracker.errors import ConfigError
from tracker.training.ablation import load_spec, main, make_workspace, row_runs, spread, summarise_rows
from tracker.vot.trackers_ini import read_tracker_entry

ALEX = REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml"
TINY_TRAIN = REPO / "models" / "siammargin_tiny" / "train.yaml"


def write_spec(folder: Path, **changes) -> Path:
    spec = {"held_out_of": str(TINY_TRAIN), "seeds": [1, 2, 3], "rows": [
        {"name": "published", "features": "–", "config": str(ALEX), "weights": "x.pth", "talk": [0.585, 91.3, 0.287]},
        {"name": "margin", "features": "+ margin", "config": str(ALEX), "trained": "margin"}]}
    spec.update(changes)
    path = folder / "ablation.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_the_shipped_specs_load():
    spec = load_spec(REPO / "models" / "siammargin_tiny" / "ablation" / "ablation.yaml")
    assert [r.name for r in spec.rows] == ["row1", "row2", "row3", "row4"]
    assert spec.rows[3].talk == (0.578, 65.0, 0.366)
    nano = load_spec(REPO / "models" / "siammargin_nano" / "ablation.yaml")
    assert [(r.name, r.trained) for r in nano.rows] == [
        ("row1", None), ("row2", None), ("row3", "margin"), ("row4", "margin"),
        ("control3", "cross_entropy"), ("control4", "cross_entropy")]
    assert nano.seeds == (1, 2, 3) and nano.rows[2].config == nano.rows[4].config


def test_a_trained_row_has_one_run_per_seed(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    runs = row_runs(spec, spec.rows[1], tmp_path / "runs")
    assert runs == [(f"margin_seed{s}", tmp_path / "runs" / f"margin_seed{s}" / "model.pth") for s in (1, 2, 3)]
    assert row_runs(spec, spec.rows[0], tmp_path / "runs") == [("published", REPO / "x.pth")]


@pytest.mark.parametrize("changes, message", [
    ({"seeds": []}, "seeds: expected a non-empty list"),
    ({"seeds": [1, 1]}, "seeds: repeated seed"),
    ({"held_out_of": "nowhere.yaml"}, "held_out_of: "),
    ({"rows": [{"name": "a", "features": "b", "config": str(ALEX)}]}, "rows[0]: give exactly one of weights"),
    ({"rows": [{"name": "a", "features": "b", "config": "none.yaml", "weights": "w"}]}, "rows[0].config: "),
    ({"rows": [{"name": "a", "features": "b", "config": str(ALEX), "weights": "w", "talk": [1, 2]}]},
     "rows[0].talk: expected [A, failures, EAO]"),
    ({"rows": [{"name": "a", "features": "b", "config": str(ALEX), "weights": "w", "colour": 1}]},
     "rows[0].colour: unknown key"),
])
def test_spec_errors_name_the_key(tmp_path, changes, message):
    with pytest.raises(ConfigError) as error:
        load_spec(write_spec(tmp_path, **changes))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_spread_is_mean_and_sample_standard_deviation():
    # Worked by hand: mean of 0.2, 0.4, 0.9 is 0.5; squared deviations 0.09 + 0.01 + 0.16 = 0.26,
    # over n - 1 = 2: 0.13, sd = 0.36056.
    s = spread([0.2, 0.4, 0.9])
    assert s["mean"] == pytest.approx(0.5) and s["sd"] == pytest.approx(0.36056, abs=1e-5)
    assert (s["min"], s["max"], s["n"]) == (0.2, 0.9, 3)
    assert spread([0.7]) == {"mean": 0.7, "sd": 0.0, "min": 0.7, "max": 0.7, "n": 1}
    assert spread([math.nan, 0.3])["n"] == 1


def test_rows_summarise_their_own_runs(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    ids = {"published": ["published"], "margin": ["margin_seed1", "margin_seed2", "margin_seed3"]}
    vot = {i: {e: {"accuracy": a, "failures": 1.0, "eao": a / 2} for e in ("baseline", "realtime")}
           for i, a in zip(ids["published"] + ids["margin"], (0.9, 0.2, 0.4, 0.9))}
    ope = {i: {"auc": a} for i, a in zip(ids["published"] + ids["margin"], (0.1, 0.6, 0.7, 0.8))}
    rows = summarise_rows(spec, ids, vot, ope)
    assert rows["published"]["metrics"]["realtime_accuracy"]["mean"] == 0.9
    assert rows["margin"]["metrics"]["realtime_accuracy"]["mean"] == pytest.approx(0.5)
    assert rows["margin"]["metrics"]["baseline_eao"]["mean"] == pytest.approx(0.25)
    assert rows["margin"]["metrics"]["ope_auc"]["mean"] == pytest.approx(0.7)
    assert sorted(rows["margin"]["runs"]) == ids["margin"]


def test_workspace_entries_read_back_as_config_and_checkpoint(tmp_path):
    data = vot_layout(tmp_path / "data", ("crossing",), 3)
    weights = tmp_path / "w.pth"
    workspace = make_workspace(tmp_path / "ws", data, ["crossing"], {"row1_seed2": (ALEX, weights)})
    entry = read_tracker_entry("row1_seed2", workspace / "trackers.ini")
    assert (entry.config, entry.weights) == (str(ALEX.resolve()), str(weights.resolve()))
    assert (workspace / "sequences" / "crossing").resolve() == (data / "crossing").resolve()


def test_missing_trained_checkpoints_are_one_line(tmp_path, capsys):
    data = vot_layout(tmp_path / "data", ("crossing",), 3)
    spec = write_spec(tmp_path, rows=[{"name": "m", "features": "f", "config": str(ALEX), "trained": "margin"}])
    assert main([str(spec), "--data", str(data), "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "3 checkpoint(s) not found" in error and "margin_seed1" in error


@pytest.mark.slow
def test_a_trained_row_through_the_toolkit_and_one_pass(tmp_path, standin_weights, capsys):
    """End to end on one seed (each seed is one more tracker through the toolkit: ~1 min here);
    the statistics over seeds are tested above."""
    data = vot_layout(tmp_path / "data", ("crossing",), 24)  # A skips 10 frames after each (re-)init
    train = yaml.safe_load(TINY_TRAIN.read_text())
    train["data"]["held_out"] = ["crossing"]
    train["tracker_config"] = str(REPO / "models" / "siammargin_tiny" / "config.yaml")
    (tmp_path / "train.yaml").write_text(yaml.safe_dump(train))
    (tmp_path / "runs" / "alex_seed7").mkdir(parents=True)
    steady_weights(standin_weights("siamrpn_alex_dwxcorr"), tmp_path / "runs" / "alex_seed7" / "model.pth")
    spec = write_spec(tmp_path, held_out_of="train.yaml", seeds=[7],
                      rows=[{"name": "alex", "features": "stand-in", "config": str(ALEX), "trained": "alex"}])
    assert main([str(spec), "--data", str(data), "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "out")]) == 0
    result = json.loads((tmp_path / "out" / "ablation.json").read_text())
    row = result["rows"]["alex"]
    assert list(row["runs"]) == ["alex_seed7"] and result["sequences"] == ["crossing"]
    for run in row["runs"].values():
        for experiment in ("baseline", "realtime"):
            # EAO needs sequences longer than the stack's interval: NaN here, a number on real data.
            assert 0 < run["vot"][experiment]["accuracy"] <= 1 and "eao" in run["vot"][experiment]
        assert 0 < run["ope"]["auc"] <= 1
    metrics = row["metrics"]
    assert metrics["ope_auc"]["mean"] == row["runs"]["alex_seed7"]["ope"]["auc"] and metrics["ope_auc"]["n"] == 1
    assert metrics["realtime_accuracy"]["mean"] == row["runs"]["alex_seed7"]["vot"]["realtime"]["accuracy"]
    assert (tmp_path / "out" / "ablation.png").stat().st_size > 10_000
    assert "stand-in" in capsys.readouterr().out
