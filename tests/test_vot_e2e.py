"""End to end with the real toolkit: evaluate baseline + realtime + unsupervised, analysis,
report and pack through the workflow commands, on a tiny synthetic dataset with the alex model."""
import json
import math
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from vot.region import Special
from vot.region.io import read_trajectory

from conftest import REPO
from vot_helpers import weights_dir, workspace

pytestmark = pytest.mark.slow
TRACKER = "siamrpn_alex_dwxcorr"
FAILURE = 2  # the Special code the supervised experiments write for a failure (vot.experiment.multirun)


def workflow(*args, ws, weights):
    env = dict(os.environ, SIAMMARGIN_WEIGHTS=str(weights))
    result = subprocess.run([sys.executable, "-m", "tracker.vot.workflow", *args, "--workspace", str(ws), TRACKER],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def trajectories(sequence_folder) -> list:
    """The toolkit's trajectory files of one sequence's runs (name_001.bin or name_001.txt)."""
    runs = sorted(p for p in sequence_folder.glob(f"{sequence_folder.name}_[0-9][0-9][0-9].*")
                  if p.suffix in (".bin", ".txt"))
    assert runs, f"no trajectory in {sequence_folder}"
    return runs


def test_evaluate_analyse_report_pack(tmp_path, standin_weights):
    ws = workspace(tmp_path, sequences=2, frames=50)
    weights = weights_dir(tmp_path, standin_weights, [TRACKER])
    workflow("evaluate", ws=ws, weights=weights)
    for experiment in ("baseline", "realtime", "unsupervised"):
        assert len(list((ws / "results" / TRACKER / experiment).glob("*/*_time.value"))) >= 2

    table = workflow("analysis", ws=ws, weights=weights)
    assert "experiment" in table and "realtime" in table
    rows = json.loads((ws / "analysis" / "summary_table.json").read_text())[TRACKER]
    assert [r["experiment"] for r in rows] == ["baseline", "realtime", "unsupervised"]
    for row in rows:
        assert math.isfinite(row["accuracy"]) and 0 <= row["accuracy"] <= 1
        assert math.isfinite(row["mean_ms"]) and row["frames_timed"] > 0
        if row["experiment"] != "unsupervised":
            # Failures per sequence, counted here from the trajectories the toolkit wrote (failure
            # entries, Special code 2; the toolkit writes them binary by default, text on request);
            # a mean over each sequence's runs, then over the equally long sequences.
            folder = ws / "results" / TRACKER / row["experiment"]
            counts = [np.mean([sum(isinstance(r, Special) and r.code == FAILURE for r in read_trajectory(str(run)))
                               for run in trajectories(sequence)])
                      for sequence in sorted(p for p in folder.iterdir() if p.is_dir())]
            assert len(counts) == 2 and all(math.isfinite(c) for c in counts)
            assert row["failures"] == pytest.approx(np.mean(counts))

    report = workflow("report", ws=ws, weights=weights)
    assert (ws / "reports" / "report" / "report.html").stat().st_size > 1000
    assert (ws / "reports" / "report" / "eao_curves.png").is_file() and "latency.png" in report

    workflow("pack", ws=ws, weights=weights)
    archives = list(ws.glob(f"{TRACKER}_*.zip"))
    assert len(archives) == 1
    names = zipfile.ZipFile(archives[0]).namelist()
    for experiment in ("baseline", "realtime", "unsupervised"):
        assert any(n.startswith(f"{experiment}/") and n.endswith(".bin") for n in names)


def test_analysis_after_rerun_is_not_stale(tmp_path, standin_weights):
    """The toolkit's cache ignores result contents; our analysis must reflect the new results."""
    ws = workspace(tmp_path, sequences=1, frames=20)
    weights = weights_dir(tmp_path, standin_weights, [TRACKER])
    results = ws / "results" / TRACKER / "unsupervised"
    workflow("evaluate", ws=ws, weights=weights)  # analysis needs every experiment of the stack
    workflow("analysis", ws=ws, weights=weights)
    before = json.loads((ws / "analysis" / "summary_table.json").read_text())[TRACKER]
    # Replace the unsupervised trajectory by the ground truth: accuracy must become 1.
    from vot.dataset import load_sequence
    from vot.region.io import write_trajectory
    name = (ws / "sequences" / "list.txt").read_text().split()[0]
    sequence = load_sequence(str(ws / "sequences" / name))
    trajectory = [sequence.groundtruth(i) for i in range(len(sequence))]
    trajectory[0] = Special(1)
    for path in results.glob(f"{name}/{name}_001.*"):
        if path.suffix in (".bin", ".txt"):
            path.unlink()
    write_trajectory(str(results / name / f"{name}_001.txt"), trajectory)
    workflow("analysis", ws=ws, weights=weights)
    after = json.loads((ws / "analysis" / "summary_table.json").read_text())[TRACKER]
    accuracy = {r["experiment"]: r["accuracy"] for r in after}
    assert accuracy["unsupervised"] > 0.95
    assert accuracy["unsupervised"] != {r["experiment"]: r["accuracy"] for r in before}["unsupervised"]
