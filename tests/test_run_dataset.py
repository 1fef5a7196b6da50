"""run_dataset's OPE route: serial = --workers 2 = Ray's local cluster byte for byte, resumable,
GOT-10k submission layout, --set validated and recorded, trackers.ini entries; a failing sequence
loses no other sequence's results; a resume by another run is refused, naming what differs."""
from __future__ import annotations

import numpy as np
import pytest
import yaml

from conftest import REPO
from dataset_layouts import got10k_layout, source, steady_weights, vot_layout
from tracker.config import load_config
from tracker.evaluation.run_dataset import main

ALEX = str(REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml")
NAMES = ("bike1", "crossing", "car16")
# The first sequence is the longest, so that with 2 workers the second finishes first: results
# must still land in their own sequence's file.
FRAMES = {"bike1": 20, "crossing": 6, "car16": 8}


@pytest.fixture(scope="module")
def weights(tmp_path_factory, standin_weights):
    return str(steady_weights(standin_weights("siamrpn_alex_dwxcorr"), tmp_path_factory.mktemp("w") / "steady.pth"))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return vot_layout(tmp_path_factory.mktemp("vot"), NAMES, FRAMES)


def run(*args) -> int:
    return main([*map(str, args), "--quiet"])


def box_files(folder):
    return {name: (folder / f"{name}.txt").read_bytes() for name in NAMES}


def test_serial_workers_and_ray_write_the_same_bytes(tmp_path, dataset, weights):
    common = ["--config", ALEX, "--weights", weights, "--dataset", dataset, "--format", "vot", "--out", tmp_path]
    assert run(*common, "--name", "serial") == 0
    assert run(*common, "--name", "workers", "--workers", 2) == 0
    serial = box_files(tmp_path / "serial")
    assert box_files(tmp_path / "workers") == serial
    # The results are real tracking output: the first box is the ground truth's, later ones move.
    for name in NAMES:
        boxes = np.loadtxt(tmp_path / "serial" / f"{name}.txt", delimiter=",")
        assert boxes.shape == (FRAMES[name], 4)
        np.testing.assert_allclose(boxes[0], source(name, 1)[1][0], atol=1e-4)
        assert len({tuple(b) for b in boxes[1:]}) > 2
        times = (tmp_path / "serial" / f"{name}_time.txt").read_text().split()
        assert len(times) == FRAMES[name] and all(float(t) > 0 for t in times)
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        assert run(*common, "--name", "ray", "--ray", "local") == 0
    finally:
        ray.shutdown()
    assert box_files(tmp_path / "ray") == serial


def test_resume_runs_only_unfinished_sequences(tmp_path, dataset, weights, capsys):
    common = ["--config", ALEX, "--weights", weights, "--dataset", dataset, "--format", "vot",
              "--out", tmp_path, "--sequences", "bike1", "crossing"]
    assert run(*common) == 0
    folder = tmp_path / "siamrpn_alex_dwxcorr"
    kept = (folder / "bike1.txt").stat().st_mtime_ns
    (folder / "crossing.txt").unlink()
    capsys.readouterr()
    assert run(*common) == 0
    assert "1 sequence(s) run, 1 already done" in capsys.readouterr().err
    assert (folder / "bike1.txt").stat().st_mtime_ns == kept
    assert (folder / "crossing.txt").is_file() and not list(folder.glob("*.part"))


def test_got10k_submission_layout(tmp_path, weights):
    root = got10k_layout(tmp_path / "test", "test", frames=6)
    assert run("--config", ALEX, "--weights", weights, "--dataset", root, "--format", "got10k",
               "--out", tmp_path / "results", "--name", "alex") == 0
    folder = tmp_path / "results" / "alex"
    for name in ("GOT-10k_Test_000001", "GOT-10k_Test_000002"):
        submission = folder / "got10k_submission" / name
        assert (submission / f"{name}_001.txt").read_bytes() == (folder / f"{name}.txt").read_bytes()
        assert len((submission / f"{name}_time.txt").read_text().split()) == 6
        first = (root / name / "groundtruth.txt").read_text().split(",")
        np.testing.assert_allclose(np.loadtxt(submission / f"{name}_001.txt", delimiter=",")[0],
                                   [float(v) for v in first])


def test_set_is_validated_and_recorded(tmp_path, dataset, weights, capsys):
    common = ["--config", ALEX, "--weights", weights, "--dataset", dataset, "--format", "vot",
              "--out", tmp_path, "--name", "k", "--sequences", "bike1"]
    assert run(*common, "--set", "tracker.penalty_k=0.123", "--set", "tracker.lr=0.5") == 0
    recorded = tmp_path / "k" / "config.yaml"
    assert load_config(recorded).tracker.penalty_k == 0.123
    assert yaml.safe_load(recorded.read_text())["tracker"]["lr"] == 0.5
    assert "# --set tracker.penalty_k=0.123" in recorded.read_text()
    capsys.readouterr()
    assert run(*common, "--set", "tracker.penalty_kk=1") == 2
    assert "tracker.penalty_kk: unknown key" in capsys.readouterr().err
    assert run(*common, "--set", "tracker.lr=7") == 2
    assert "tracker.lr: must be in [0, 1], got 7" in capsys.readouterr().err
    # Resuming into the same folder with another config would mix two trackers' results.
    assert run(*common, "--set", "tracker.penalty_k=0.2", "--set", "tracker.lr=0.5") == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "holds results of another run (config.tracker.penalty_k: 0.123 there, 0.2 now)" in error


def test_tracker_from_registry_and_missing_weights(tmp_path, dataset, weights, monkeypatch, capsys):
    from tracker.vot.trackers_ini import read_tracker_entry
    (tmp_path / "w" / "siamrpn_alex_dwxcorr").mkdir(parents=True)
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path / "w"))
    assert run("--tracker", "siamrpn_alex_dwxcorr", "--dataset", dataset, "--format", "vot",
               "--out", tmp_path) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "weights not found" in error
    (tmp_path / "w" / "siamrpn_alex_dwxcorr" / "model.pth").symlink_to(weights)
    entry = read_tracker_entry("siamrpn_alex_dwxcorr")
    config, found = entry.files()
    config, found, device = str(config.resolve()), str(found), entry.device
    assert config == ALEX and found == str(tmp_path / "w" / "siamrpn_alex_dwxcorr" / "model.pth")
    assert device == "cpu"
    assert run("--tracker", "nope", "--dataset", dataset, "--format", "vot", "--out", tmp_path) == 2
    assert "'nope' is not in" in capsys.readouterr().err


def test_resume_by_another_run_is_refused_naming_what_differs(tmp_path, dataset, weights, standin_weights, capsys):
    common = ["--config", ALEX, "--dataset", dataset, "--format", "vot", "--out", tmp_path, "--name", "r",
              "--sequences", "crossing"]
    assert run(*common, "--weights", weights) == 0
    record = yaml.safe_load((tmp_path / "r" / "run.yaml").read_text())
    assert record["path"] == "fast" and record["device"] == "cpu" and record["protocol"] == "ope"
    import hashlib
    assert record["weights_sha256"] == hashlib.sha256(open(weights, "rb").read()).hexdigest()
    capsys.readouterr()
    other = str(standin_weights("siamrpn_alex_dwxcorr"))
    assert run(*common, "--weights", other) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "weights_sha256: " in error and "use another --name" in error
    assert run(*common, "--weights", weights, "--exact") == 2
    assert "path: fast there, exact now" in capsys.readouterr().err
    assert run(*common, "--weights", weights, "--protocol", "supervised") == 2
    assert "protocol: ope there, supervised now" in capsys.readouterr().err
    assert run(*common, "--weights", weights, "--backend", "onnxruntime") == 2
    assert "backend: None there, onnxruntime now" in capsys.readouterr().err
    assert run(*common, "--weights", weights) == 0          # the same run resumes
    # Results made before run records existed cannot be checked: refused too.
    (tmp_path / "r" / "run.yaml").unlink()
    assert run(*common, "--weights", weights) == 2
    assert "no record of what produced them" in capsys.readouterr().err


def test_a_failing_sequence_loses_no_other_results(tmp_path, dataset, weights, capsys):
    """A corrupt frame in the middle of one sequence, two workers: every other sequence is run and
    written, the failure is one line after them, the exit status is 1; a re-run retries only it."""
    broken = tmp_path / "broken"
    for name in NAMES:
        (broken / name).mkdir(parents=True)
        for item in (dataset / name).iterdir():
            (broken / name / item.name).symlink_to(item, target_is_directory=item.is_dir())
    (broken / "list.txt").write_text((dataset / "list.txt").read_text())
    (broken / "crossing" / "color").unlink()
    (broken / "crossing" / "color").mkdir()
    for frame in sorted((dataset / "crossing" / "color").iterdir()):
        (broken / "crossing" / "color" / frame.name).symlink_to(frame.resolve())
    (broken / "crossing" / "color" / "00000004.jpg").unlink()
    (broken / "crossing" / "color" / "00000004.jpg").write_bytes(b"not a JPEG")
    common = ["--config", ALEX, "--weights", weights, "--dataset", broken, "--format", "vot", "--out", tmp_path,
              "--name", "w"]
    assert run(*common, "--workers", 2) == 1
    error = capsys.readouterr().err
    failures = [line for line in error.splitlines() if "failed:" in line]
    assert len(failures) == 1 and failures[0].startswith("run_dataset: sequence crossing failed: ")
    assert "00000004.jpg" in failures[0]
    assert "2 sequence(s) run, 0 already done, 1 failed" in error
    folder = tmp_path / "w"
    assert (folder / "bike1.txt").is_file() and (folder / "car16.txt").is_file()
    assert not (folder / "crossing.txt").exists() and not list(folder.glob("*.part"))
    assert len((folder / "bike1.txt").read_text().splitlines()) == FRAMES["bike1"]
    assert run(*common) == 1                                 # serially: the same, only crossing retried
    assert "0 sequence(s) run, 2 already done, 1 failed" in capsys.readouterr().err


def test_progress_counts_done_over_total(tmp_path, dataset, weights, capsys):
    common = ["--config", ALEX, "--weights", weights, "--dataset", dataset, "--format", "vot",
              "--out", tmp_path, "--sequences", "crossing", "car16"]
    assert main([*map(str, common)]) == 0
    assert "2/2 sequences" in capsys.readouterr().err
    assert main([*map(str, common)]) == 0                   # a finished re-run: done, not "0/2"
    error = capsys.readouterr().err
    assert "2/2 sequences" in error and "0/2" not in error and f"{6 + 8}/{6 + 8}" in error


def test_supervised_realtime_is_refused(tmp_path, dataset, weights, capsys):
    for experiment in ("realtime", "unsupervised"):
        assert run("--config", ALEX, "--weights", weights, "--dataset", dataset, "--format", "vot",
                   "--out", tmp_path, "--protocol", "supervised", "--experiment", experiment) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and f"scripts/evaluate TRACKER --experiments {experiment}" in error
    assert not (tmp_path / "siamrpn_alex_dwxcorr").exists()


def test_backend_onnxruntime_runs_and_is_recorded(tmp_path, dataset, weights):
    """--backend reaches the tracker: ONNX Runtime's boxes within 0.01 px of torch's fast path
    (the same folded network; outputs ~1e-6 relative apart), and the record names the backend."""
    common = ["--config", ALEX, "--weights", weights, "--dataset", dataset, "--format", "vot", "--out", tmp_path,
              "--sequences", "crossing"]
    assert run(*common, "--name", "torch") == 0
    assert run(*common, "--name", "onnx", "--backend", "onnxruntime") == 0
    assert yaml.safe_load((tmp_path / "onnx" / "run.yaml").read_text())["backend"] == "onnxruntime"
    assert "backend" not in yaml.safe_load((tmp_path / "torch" / "run.yaml").read_text())
    boxes = {name: np.loadtxt(tmp_path / name / "crossing.txt", delimiter=",") for name in ("torch", "onnx")}
    assert len({tuple(b) for b in boxes["onnx"][1:]}) > 2  # it tracked
    np.testing.assert_allclose(boxes["onnx"], boxes["torch"], rtol=0, atol=0.01)
