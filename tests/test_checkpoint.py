"""Checkpoint loading: every bad file fails with one clear line; every valid layout loads."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import REPO, numpy_types_allowed_for_good
from tracker import CheckpointError, load_tracker

ALEX_CONFIG = REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml"
R50_CONFIG = REPO / "models" / "siamrpn_r50_l234_dwxcorr" / "config.yaml"


@pytest.fixture
def alex_state(standin_state_dict):
    return standin_state_dict("siamrpn_alex_dwxcorr")


def save(obj, path):
    torch.save(obj, path)
    return path


def one_line_error(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


def template_output(tracker):
    """The tracker's first-frame kernels on a fixed image, to compare two loads."""
    image = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    tracker.init(image, (60, 40, 30, 30))
    return torch.cat([k.flatten() for k in tracker.state.kernels.cls + tracker.state.kernels.loc])


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nowhere" / "model.pth"
    with pytest.raises(CheckpointError) as e:
        load_tracker(ALEX_CONFIG, weights=path)
    assert str(path) in one_line_error(e) and "not found" in str(e.value)


def test_empty_file(tmp_path):
    path = tmp_path / "model.pth"
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        load_tracker(ALEX_CONFIG, weights=path)


def test_truncated_file(tmp_path, standin_weights):
    data = standin_weights("siamrpn_alex_dwxcorr").read_bytes()
    path = tmp_path / "model.pth"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError) as e:
        load_tracker(ALEX_CONFIG, weights=path)
    assert "truncated" in one_line_error(e)


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / "model.pth"
    path.write_bytes(b"<html>404 Not Found</html>\n")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_tracker(ALEX_CONFIG, weights=path)


class _RunsCode:
    """Pickles to a call of os.system: loading it unsafely would create `marker`."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickle_that_runs_code_is_refused_and_does_not_run(tmp_path):
    # First prove the payload works: an unsafe load in another process creates its marker.
    proof_marker, proof = tmp_path / "proof-ran", tmp_path / "proof.pth"
    save({"state_dict": {"x": _RunsCode(proof_marker)}}, proof)
    subprocess.run([sys.executable, "-c", f"import torch; torch.load({str(proof)!r}, weights_only=False)"],
                   check=True, capture_output=True)
    assert proof_marker.exists()

    marker, path = tmp_path / "attack-ran", tmp_path / "model.pth"
    save({"state_dict": {"x": _RunsCode(marker)}}, path)
    assert_refused_without_running(path, marker)


def assert_refused_without_running(path, marker):
    with pytest.raises(CheckpointError) as e:
        load_tracker(ALEX_CONFIG, weights=path)
    assert "refusing to load" in one_line_error(e)
    assert not marker.exists()


def test_wrong_architecture_says_what_it_looks_like(standin_weights):
    with pytest.raises(CheckpointError) as e:
        load_tracker(R50_CONFIG, weights=standin_weights("siamrpn_alex_dwxcorr"))
    message = one_line_error(e)
    assert "siamrpn_r50_l234_dwxcorr" in message and "looks like a 'siamrpn_alex_dwxcorr'" in message


def test_missing_key_is_named(tmp_path, alex_state):
    del alex_state["rpn_head.cls.head.3.bias"]
    with pytest.raises(CheckpointError) as e:
        load_tracker(ALEX_CONFIG, weights=save(alex_state, tmp_path / "m.pth"))
    assert "missing rpn_head.cls.head.3.bias" in one_line_error(e)


def test_unexpected_key_is_named(tmp_path, alex_state):
    alex_state["rpn_head.extra.weight"] = torch.zeros(3)
    with pytest.raises(CheckpointError) as e:
        load_tracker(ALEX_CONFIG, weights=save(alex_state, tmp_path / "m.pth"))
    assert "unexpected rpn_head.extra.weight" in one_line_error(e)


def test_wrong_shape_is_named(tmp_path, alex_state):
    alex_state["rpn_head.loc.head.3.weight"] = torch.zeros(10, 256, 1, 1)
    with pytest.raises(CheckpointError) as e:
        load_tracker(ALEX_CONFIG, weights=save(alex_state, tmp_path / "m.pth"))
    assert "rpn_head.loc.head.3.weight (10, 256, 1, 1) (expected (20, 256, 1, 1))" in one_line_error(e)


def test_non_tensor_entries_are_refused(tmp_path):
    with pytest.raises(CheckpointError, match="state dict"):
        load_tracker(ALEX_CONFIG, weights=save([torch.zeros(1)], tmp_path / "m.pth"))


def test_bare_wrapped_and_prefixed_layouts_load_the_same(tmp_path, alex_state):
    layouts = {
        "bare": alex_state,
        "wrapped": {"state_dict": alex_state, "epoch": 20},
        "prefixed": {f"module.{k}": v for k, v in alex_state.items()},
        "wrapped_prefixed": {"state_dict": {f"module.{k}": v for k, v in alex_state.items()}},
        "old_pytorch_without_bn_counters": {k: v for k, v in alex_state.items()
                                            if not k.endswith("num_batches_tracked")},
    }
    outputs = {name: template_output(load_tracker(ALEX_CONFIG, weights=save(state, tmp_path / f"{name}.pth")))
               for name, state in layouts.items()}
    for name, output in outputs.items():
        assert torch.equal(output, outputs["bare"]), name


def test_fp16_checkpoint_loads_as_fp32(tmp_path, alex_state):
    half = {k: v.half() if v.is_floating_point() else v for k, v in alex_state.items()}
    tracker = load_tracker(ALEX_CONFIG, weights=save(half, tmp_path / "half.pth"))
    # (the fast path keeps fused weights as buffers, so check both)
    tensors = [*tracker.runner.network.parameters(), *tracker.runner.network.buffers()]
    floating = [t for t in tensors if t.is_floating_point()]
    assert len(floating) > 10 and all(t.dtype == torch.float32 for t in floating)
    full = template_output(load_tracker(ALEX_CONFIG, weights=save(alex_state, tmp_path / "full.pth")))
    rounded = template_output(tracker)
    # fp16 rounding of the weights (3 significant digits) moves the kernels a little, not a lot.
    error = (rounded - full).abs().max() / full.abs().max()
    assert 0 < error < 1e-2


def test_training_checkpoint_with_numpy_scalars_loads_and_the_allowlist_stays_scoped(tmp_path, alex_state):
    """NanoTrack's layout: {"epoch", "state_dict", "optimizer"}, numpy scalars in the optimizer
    state. It loads like the bare state dict, and the numpy types are allowed for that load only."""
    training = {"epoch": 26, "state_dict": alex_state,
                "optimizer": {"state": {0: {"momentum_buffer": torch.zeros(3), "step": np.float64(7.0)}},
                              "param_groups": [{"lr": np.float64(0.005)}]}}
    path = save(training, tmp_path / "training.pth")
    with pytest.raises(Exception, match="numpy"):  # what the safe loader alone says about this file
        torch.load(path, weights_only=True)
    assert numpy_types_allowed_for_good() == []
    loaded = template_output(load_tracker(ALEX_CONFIG, weights=path))
    assert torch.equal(loaded, template_output(load_tracker(ALEX_CONFIG, weights=save(alex_state, tmp_path / "bare.pth"))))
    assert numpy_types_allowed_for_good() == []  # allowed for that load only


def test_training_checkpoint_carrying_code_is_refused_and_does_not_run(tmp_path, alex_state):
    """Code hidden beside the weights (in the optimizer entry, which the tracker never uses) is
    still refused: the numpy allowlist opens nothing else."""
    marker = tmp_path / "attack-ran"
    path = save({"epoch": 3, "state_dict": alex_state,
                 "optimizer": {"state": {0: {"step": np.float64(7.0)}}, "param_groups": [_RunsCode(marker)]}},
                tmp_path / "model.pth")
    assert_refused_without_running(path, marker)


def test_numpy_types_beyond_the_three_allowed_are_refused_in_one_line(tmp_path, alex_state):
    path = save({"state_dict": alex_state, "optimizer": {"lr": np.float32(0.005)}}, tmp_path / "model.pth")
    with pytest.raises(CheckpointError) as e:
        load_tracker(ALEX_CONFIG, weights=path)
    assert "refusing to load a checkpoint holding <class 'numpy.dtypes.Float32DType'>" in one_line_error(e)
