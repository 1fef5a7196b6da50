"""Shared fixtures: stand-in checkpoints made by the project itself (every test that does not
compare with golden data uses them), and the reference material in ../shared with the checkpoints
built from it. Where ../shared is absent the golden-equivalence tests, the NanoTrack tests and the
tests on real sequences skip (the README says how many).

$SIAMMARGIN_SHARED overrides where ../shared is for the reference material, the NanoTrack files and
the NanoTrack golden tests' frames; dataset_layouts and the other tests on real sequences read
../shared/data itself."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SIAMMARGIN_SHARED", REPO.parent / "shared")) / "reference"
MODELS = ["siammargin", "siamrpn_r50_l234_dwxcorr", "siamrpn_alex_dwxcorr", "siamrpn_mobilev2_l234_dwxcorr"]
PYSOT_MODELS = MODELS[1:]


def pysot_config_file(name: str) -> Path:
    """pysot's own experiment config of a model, from the reference material (not shipped here:
    it is pysot's file); skips the calling test where ../shared is absent."""
    path = SHARED / "pysot_configs" / name / "config.yaml"
    if not path.exists():
        pytest.skip(f"pysot's config not found at {path} (CI has ../shared beside the clone)")
    return path


def _make_weights_module():
    path = SHARED / "make_weights.py"
    if not path.exists():
        pytest.skip(f"reference material not found at {SHARED} (CI has ../shared beside the clone)")
    spec = importlib.util.spec_from_file_location("make_weights", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def standin_weights(tmp_path_factory):
    """Path of the project's own seed-1 stand-in checkpoint of a model (written once per session),
    at FOLDER/<model>/model.pth: the layout $SIAMMARGIN_WEIGHTS expects."""
    from tracker.zoo.standin_weights import write_checkpoint

    folder = tmp_path_factory.mktemp("standin_weights")
    paths: dict[str, Path] = {}

    def get(model: str) -> Path:
        if model not in paths:
            paths[model] = write_checkpoint(folder, model)
        return paths[model]
    return get


@pytest.fixture(scope="session")
def standin_state_dict(standin_weights):
    """{key: tensor} of a model's stand-in checkpoint, a fresh copy on every call (safe to edit)."""
    def get(model: str) -> dict[str, torch.Tensor]:
        return torch.load(standin_weights(model), weights_only=True)["state_dict"]
    return get


@pytest.fixture(scope="session")
def reference_state_dict():
    """{model: {key: np.ndarray}} — the seed-1 stand-in weights of the goldens (cached)."""
    make_weights = _make_weights_module()
    cache: dict[str, dict] = {}

    def get(model: str) -> dict:
        if model not in cache:
            cache[model] = make_weights.load(str(SHARED / "manifests" / f"{model}.json"), 1)
        return cache[model]
    return get


@pytest.fixture(scope="session")
def weights_file(tmp_path_factory, reference_state_dict):
    """Golden-equivalence tests only. Path of the reference's checkpoint file ({"state_dict": ...}, as make_weights.py writes) per model."""
    folder = tmp_path_factory.mktemp("weights")
    paths: dict[str, Path] = {}

    def get(model: str) -> Path:
        if model not in paths:
            state = {k: torch.from_numpy(v) for k, v in reference_state_dict(model).items()}
            paths[model] = folder / f"{model}.pth"
            torch.save({"state_dict": state}, paths[model])
        return paths[model]
    return get


@pytest.fixture(scope="session")
def golden():
    def get(name: str):
        path = SHARED / "golden" / f"{name}_s1.npz"
        if not path.exists():
            pytest.skip(f"golden file not found: {path}")
        return np.load(path)
    return get


@pytest.fixture
def single_thread():
    """Runs a test with one intra-op thread (see test_trajectories_golden.py for why)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# NanoTrack: the published checkpoints and the published tracker's outputs (../shared).
NANOTRACK_VERSIONS = ["nanotrack_v1", "nanotrack_v2", "nanotrack_v3"]
SHARED_ROOT = SHARED.parent


def numpy_types_allowed_for_good() -> list:
    """The entries of the checkpoint loader's scoped numpy allowlist that torch's safe loader
    allows outside any scope (there must be none). Only ours are looked at: torch itself adds
    entries of its own as its modules are first imported (seen: _MeshLayout, NestedTensor)."""
    from tracker.zoo.checkpoint import NUMPY_SCALAR_TYPES

    return [entry for entry in torch.serialization.get_safe_globals() if entry in NUMPY_SCALAR_TYPES]


def _shared_file(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference material not found: {path} (CI has ../shared beside the clone)")
    return path


@pytest.fixture(scope="session")
def nanotrack_weights():
    """Path of the published checkpoint of nanotrack_v1/v2/v3 (byte-identical copies in ../shared)."""
    return lambda model: _shared_file(SHARED_ROOT / "weights" / "nanotrack" / f"{model}.pth")


@pytest.fixture(scope="session")
def nanotrack_golden():
    """The published NanoTrack tracker's outputs (../shared/reference/golden/README.md says what
    each key holds)."""
    return lambda model: np.load(_shared_file(SHARED / "golden" / f"{model}.npz"))


@pytest.fixture(scope="session")
def sequence_frames():
    """The frames of a golden trajectory's sequence, read from ../shared/data/sequences with the
    package's own reader, each checked against the crc32 of the frame the reference decoded."""
    import zlib

    from tracker.core.images import read_image

    def get(golden, sequence: str) -> list[np.ndarray]:
        root = _shared_file(SHARED_ROOT / "data" / "sequences")
        frames = []
        for name, crc in zip(golden[f"{sequence}/frame_files"], golden[f"{sequence}/frame_crc32"]):
            frame = read_image(str(root / str(name)))
            assert zlib.crc32(frame.tobytes()) == crc, f"{name} decodes differently here than for the reference"
            frames.append(frame)
        return frames
    return get


@pytest.fixture(scope="module")
def two_sequences(tmp_path_factory):
    """A folder whose list.txt names two of the shared sequences, crossing and dragonbaby (linked,
    read in place, never copied): training data for short runs."""
    sequences = SHARED_ROOT / "data" / "sequences"
    if not sequences.is_dir():
        pytest.skip(f"shared sequences not found at {sequences}")
    folder = tmp_path_factory.mktemp("data")
    for name in ("crossing", "dragonbaby"):
        (folder / name).symlink_to(sequences / name)
    (folder / "list.txt").write_text("crossing\ndragonbaby\n")
    return str(folder)


def held_out_sequences(train_yaml: Path, names: tuple[str, ...]) -> list:
    """The named real sequences of ../shared (skips without them), checked to be held out by the
    training config `train_yaml` (never trained on), each a tracker.datasets Sequence."""
    from tracker.datasets import load_dataset
    from tracker.training.settings import load_training_settings

    sequences = SHARED_ROOT / "data" / "sequences"
    if not sequences.is_dir():
        pytest.skip(f"real sequences not found at {sequences}")
    assert set(names) <= set(load_training_settings(train_yaml).data.held_out)
    return [s for s in load_dataset(sequences, "vot") if s.name in names]


def mean_ope_auc(tracker, sequences) -> tuple[float, dict]:
    """Mean one-pass success AUC over `sequences` (OTB's rules: frame 0 counts), and per sequence."""
    from tracker.evaluation.metrics import score_sequence, success_auc
    from tracker.evaluation.ope import run_ope

    aucs = {s.name: success_auc(score_sequence(s, run_ope(tracker, s)[0])) for s in sequences}
    return float(np.mean(list(aucs.values()))), aucs
