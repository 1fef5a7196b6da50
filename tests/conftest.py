"""Shared fixtures: the reference material in ../shared and stand-in checkpoints built from it."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "reference"
MODELS = ["siammargin", "siamrpn_r50_l234_dwxcorr", "siamrpn_alex_dwxcorr", "siamrpn_mobilev2_l234_dwxcorr"]
PYSOT_MODELS = MODELS[1:]


def _make_weights_module():
    path = SHARED / "make_weights.py"
    if not path.exists():
        pytest.skip(f"reference material not found at {SHARED} (CI has ../shared beside the clone)")
    spec = importlib.util.spec_from_file_location("make_weights", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    """Path of a checkpoint file ({"state_dict": ...}, as make_weights.py writes) per model."""
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
