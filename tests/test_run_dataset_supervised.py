"""`run_dataset --protocol supervised` against the real toolkit: for a deterministic tracker, the
results it writes in-process score exactly as `vot evaluate`'s over TraX under `vot analysis`."""
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REPO
from vot_helpers import workspace

pytestmark = pytest.mark.slow
# Our own committed model on two real sequences: it really tracks, so accuracy has a value (the
# random stand-in weights fail at once and score accuracy 0). It tracks both sequences without a
# failure at its own settings, so the overrides narrow its search (175, no adaptive region) until
# it loses the fast targets (3 failures measured): failures and re-initialisations get values too.
TINY = REPO / "models" / "siammargin_tiny" / "config.yaml"
SEQUENCES = REPO.parent / "shared" / "data" / "sequences"
REAL = ("dragonbaby", "wakeboard4")
TINY_WEIGHTS = REPO / "models" / "siammargin_tiny" / "model.pth"
TRACKER = "tiny"
# The overrides reach both routes the same way.
OVERRIDES = ["tracker.window_influence=0.5", "tracker.instance_size=175", "tracker.adaptive_search.enabled=false"]
ENTRY = """[tiny]
protocol = traxpython
command = import sys; from tracker.vot.trax_server import main; sys.exit(main(['--config', '{config}', '--weights', '{weights}']))
paths = {repo}
socket = true
timeout = 120
"""
BASELINE_STACK = """title: baseline only, EAO over 10 to 50 frames for short sequences
experiments:
  baseline:
    type: supervised
    repetitions: 15
    skip_initialize: 5
    analyses:
      - type: supervised_average_ar
        sensitivity: 30
      - type: supervised_eao_score
        low: 10
        high: 50
"""


def run(args, env):
    result = subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def trajectories(ws, sequence):
    from vot.tracker.results import Results, Trajectory
    from vot.workspace.storage import LocalStorage
    results = Results(LocalStorage(str(ws / "results" / TRACKER / "baseline" / sequence)))
    names = sorted({p.name.split(".")[0] for p in (ws / "results" / TRACKER / "baseline" / sequence).glob(f"{sequence}_0??.*")})
    out = []
    for name in names:
        regions = Trajectory.read(results, name).regions()
        out.append([str(r) for r in regions])
    return out


def test_supervised_scores_as_vot_evaluate(tmp_path):
    if not SEQUENCES.is_dir():
        pytest.skip(f"real sequences not found at {SEQUENCES}")
    (tmp_path / "toolkit").mkdir()
    toolkit_ws = workspace(tmp_path / "toolkit", sequences=0, frames=0)
    (toolkit_ws / "vot2019_shortterm.yaml").write_text(BASELINE_STACK)
    for name in REAL:                          # linked, never copied
        (toolkit_ws / "sequences" / name).symlink_to(SEQUENCES / name)
    (toolkit_ws / "sequences" / "list.txt").write_text("\n".join(REAL) + "\n")
    ours_ws = tmp_path / "ours"
    ours_ws.mkdir()
    shutil.copy(toolkit_ws / "config.yaml", ours_ws)
    shutil.copy(toolkit_ws / "vot2019_shortterm.yaml", ours_ws)
    os.symlink(toolkit_ws / "sequences", ours_ws / "sequences")
    from tracker.config.overrides import load_with_overrides, write_effective_config
    config = write_effective_config(load_with_overrides(TINY, OVERRIDES)[1], tmp_path / "tiny.yaml")
    weights = TINY_WEIGHTS
    for ws in (toolkit_ws, ours_ws):
        (ws / "trackers.ini").write_text(ENTRY.format(config=config, weights=weights, repo=REPO))
        (ws / "config.yaml").write_text((ws / "config.yaml").read_text().replace(str(REPO / "trackers.ini"), "trackers.ini"))
    env = dict(os.environ)

    start = time.perf_counter()
    run(["tracker.vot.workflow", "evaluate", "--workspace", str(toolkit_ws), TRACKER], env)
    middle = time.perf_counter()
    run(["tracker.evaluation.run_dataset", "--config", str(TINY), *[a for o in OVERRIDES for a in ("--set", o)],
         "--weights", str(weights),
         "--name", TRACKER, "--protocol", "supervised",
         "--dataset", str(ours_ws / "sequences"), "--format", "vot", "--out", str(ours_ws / "results"),
         "--workers", "2", "--quiet"], env)
    print(f"vot evaluate {middle - start:.1f} s, run_dataset --workers 2 {time.perf_counter() - middle:.1f} s")

    scores = {}
    for ws in (toolkit_ws, ours_ws):
        run(["tracker.vot.workflow", "analysis", "--workspace", str(ws), TRACKER], env)
        rows = json.loads((ws / "analysis" / "summary_table.json").read_text())[TRACKER]
        scores[ws] = {k: rows[0][k] for k in ("eao", "accuracy", "failures", "frames_timed", "skipped")}
    assert scores[toolkit_ws]["failures"] > 0 and scores[toolkit_ws]["accuracy"] > 0, scores
    assert np.isfinite(scores[toolkit_ws]["eao"]), scores
    assert scores[ours_ws] == scores[toolkit_ws]      # A, R, EAO; the same frames timed
    for sequence in (toolkit_ws / "sequences" / "list.txt").read_text().split():
        ours, theirs = trajectories(ours_ws, sequence), trajectories(toolkit_ws, sequence)
        assert len(ours) == len(theirs) == 3              # early stop after 3 identical runs
        assert ours[0] == theirs[0]
