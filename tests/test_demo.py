"""The demo runs in a workspace of its own: vot_workspace (a user's evaluations, what
scripts/pack packs) is never touched, and real weights are used wherever they exist."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow
TRACKER = "siamrpn_alex_dwxcorr"
USER_RESULTS = REPO / "vot_workspace" / "results" / TRACKER


def snapshot(folder: Path) -> dict:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")} if folder.exists() else {}


def test_demo_keeps_vot_workspace_and_uses_real_weights(tmp_path, monkeypatch):
    from tracker import load_tracker
    from tracker.vot import demo
    from tracker.zoo.standin_weights import write_checkpoint

    # "Real" weights for the demo's model, where the TraX server looks for them.
    real_root = tmp_path / "real"
    real = write_checkpoint(real_root, TRACKER, seed=7)
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(real_root))
    # A user's earlier result for the same tracker id in vot_workspace.
    sentinel = USER_RESULTS / "test_demo_sentinel.txt"
    created = not USER_RESULTS.exists()
    sentinel.parent.mkdir(parents=True, exist_ok=True)
    sentinel.write_text("a user's result")
    before = snapshot(REPO / "vot_workspace")
    try:
        summary = demo.run(TRACKER, tmp_path / "demo_workspace", sequences=1, frames=12,
                           standin_cache=tmp_path / "standins")
        assert snapshot(REPO / "vot_workspace") == before
        assert sentinel.read_text() == "a user's result"
    finally:
        sentinel.unlink(missing_ok=True)
        if created:
            for folder in (USER_RESULTS, USER_RESULTS.parent):
                if folder.exists() and not any(folder.iterdir()):
                    folder.rmdir()
    workspace = tmp_path / "demo_workspace"
    # The evaluation ran, in the demo's workspace, on the real weights, not on stand-ins.
    assert [row["experiment"] for row in summary[TRACKER]] == ["baseline", "realtime", "unsupervised"]
    assert any((workspace / "results" / TRACKER / "baseline").rglob("*_001.bin"))
    assert (workspace / "weights" / TRACKER / "model.pth").resolve() == real.resolve()
    assert not (tmp_path / "standins").exists()
    # ... and the demo's trajectory is the one the real weights give through the Python API.
    from vot.region.io import read_trajectory

    from tracker.core.images import read_image
    sequence = next(p for p in (workspace / "sequences").iterdir() if p.is_dir())
    served = read_trajectory(str(workspace / "results" / TRACKER / "unsupervised" / sequence.name /
                                 f"{sequence.name}_001.bin"))[1]
    frames = sorted((sequence / "color").glob("*.jpg"))
    tracker = load_tracker(REPO / "models" / TRACKER / "config.yaml", weights=real)
    first_region = [float(v) for v in (sequence / "groundtruth.txt").read_text().splitlines()[0].split(",")]
    tracker.init(read_image(str(frames[0])), first_region)
    expected = tracker.track(read_image(str(frames[1]))).bbox
    assert [served.x, served.y, served.width, served.height] == pytest.approx(expected, abs=1e-2)


def test_demo_uses_stand_ins_only_for_models_without_real_weights(tmp_path, monkeypatch, capsys):
    from tracker.vot import demo
    from tracker.zoo.standin_weights import write_checkpoint

    real_root = tmp_path / "real"
    real = write_checkpoint(real_root, "siamrpn_alex_dwxcorr", seed=7)
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(real_root))
    (tmp_path / "images").mkdir()
    linked = demo.prepare_weights(["siamrpn_alex_dwxcorr", "siammargin"], tmp_path / "w", tmp_path / "standins",
                                  tmp_path / "images")
    assert linked == {"siamrpn_alex_dwxcorr": real.resolve(), "siammargin": None}
    assert (tmp_path / "w" / "siamrpn_alex_dwxcorr" / "model.pth").resolve() == real.resolve()
    assert (tmp_path / "w" / "siammargin" / "model.pth").resolve() == \
        (tmp_path / "standins" / "siammargin" / "model.pth").resolve()
    assert "STAND-IN weights for it" in capsys.readouterr().err


def test_the_demo_reads_the_models_a_tracker_id_needs():
    from tracker.vot import demo
    assert demo.models_of("SiamMargin") == ["siammargin"]
    assert demo.models_of("SiamMargin_row1_pysot_r50") == ["siamrpn_r50_l234_dwxcorr"]
    with pytest.raises(SystemExit, match="unknown tracker id 'nope'"):
        demo.models_of("nope")
