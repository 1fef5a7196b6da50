"""backend="onnxruntime": the fast path's network exported to ONNX and run by ONNX Runtime
(tracker/core/onnx_runtime.py). Its outputs and trajectories against the published NanoTrack are
in test_nanotrack_golden.py, with every feature on in test_nanotrack_features.py (the fast path's
tolerances, parametrized over the backend). Here: kernels that change between searches reach the
graph, an anchor-head model exports too, the session runs with the tracker's threads and no
spinning, and each refusal is one line. These tests need the `onnx` extra (scripts/setup installs
it); without it they fail with BackendError's pip command rather than skip.
"""
import sys

import cv2
import pytest
import torch

from conftest import REPO
from test_fast_path import TOLERANCE, hwc, relative_error, search_sizes
from tracker import BackendError, ConfigError, DeviceError, load_tracker
from tracker.core.network_runner import NetworkRunner
from tracker.nets import Kernels
from tracker.zoo.checkpoint import load_weights
from tracker.zoo.registry import build_network


@pytest.fixture(scope="module")
def v2_runners(nanotrack_weights):
    """(exact runner, onnxruntime runner) of NanoTrack v2's published weights, both search sizes."""
    runners = []
    for exact, backend in ((True, "torch"), (False, "onnxruntime")):
        network = build_network("nanotrack_v2")
        load_weights(network, nanotrack_weights("nanotrack_v2"), "nanotrack_v2")
        runners.append(NetworkRunner(network, torch.device("cpu"), exact, (255, 351), backend=backend, threads=1))
    return runners


@torch.inference_mode()
def test_changed_kernels_reach_the_graph_and_results_stay_the_callers(v2_runners, nanotrack_golden):
    """The template graph's kernels are the exact path's; as the online update does, new cls
    kernels for the next search give the exact path's outputs for those kernels; an earlier
    result is not overwritten."""
    g = nanotrack_golden("nanotrack_v2")
    exact, onnx = v2_runners
    kernels = onnx.template(g["net/z"])
    exact_kernels = exact.template(g["net/z"])
    for kernel, expected in zip(kernels.cls + kernels.loc, exact_kernels.cls + exact_kernels.loc, strict=True):
        assert relative_error(kernel, expected) < TOLERANCE
    first = onnx.search(g["net/x"], kernels)
    kept = first.cls.clone()
    # the cls kernels of an 8×8 sample of the search features (what the online update feeds in)
    sample = first.features[0][:, :, 4:12, 4:12]
    updated = Kernels(cls=onnx.cls_kernels([sample]), loc=kernels.loc)
    expected_kernels = Kernels(cls=exact.cls_kernels([sample]), loc=exact_kernels.loc)
    output = onnx.search(g["net/x"], updated)
    expected = exact.search(g["net/x"], expected_kernels)
    assert relative_error(output.cls, expected.cls) < TOLERANCE
    assert relative_error(output.loc, expected.loc) < TOLERANCE
    assert relative_error(output.cls, first.cls) > 100 * TOLERANCE  # the new kernels did change the output
    assert torch.equal(first.cls, kept)


@torch.inference_mode()
def test_the_larger_search_runs_its_own_graph(v2_runners, nanotrack_golden):
    """351 (the adaptive search): its own exported graph, 22×22 cells for v2, equal to the exact
    path there."""
    g = nanotrack_golden("nanotrack_v2")
    exact, onnx = v2_runners
    assert set(onnx.onnx.search_sessions) == {255, 351}
    patch = cv2.resize(g["net/x"], (351, 351), interpolation=cv2.INTER_LINEAR)
    output = onnx.search(patch, onnx.template(g["net/z"]))
    expected = exact.search(patch, exact.template(g["net/z"]))
    assert output.cls.shape == (1, 2, 22, 22)
    assert relative_error(output.cls, expected.cls) < TOLERANCE
    assert relative_error(output.loc, expected.loc) < TOLERANCE


@torch.inference_mode()
def test_an_anchor_head_model_exports_and_equals_exact(reference_state_dict, golden):
    """pysot's anchor heads (AlexNet, depthwise correlation) on the golden stand-in weights."""
    name = "siamrpn_alex_dwxcorr"
    g = golden(name)
    outputs = []
    for exact, backend in ((True, "torch"), (False, "onnxruntime")):
        network = build_network(name)
        network.load_state_dict({k: torch.as_tensor(v) for k, v in reference_state_dict(name).items()})
        runner = NetworkRunner(network, torch.device("cpu"), exact, search_sizes(name), backend=backend, threads=1)
        output = runner.search(hwc(g["x"]), runner.template(hwc(g["z"])))
        outputs.append((output.cls, output.loc))
    for onnx, exact in zip(outputs[1], outputs[0]):
        assert relative_error(onnx, exact) < TOLERANCE


def test_the_sessions_run_with_the_trackers_threads_and_no_spinning(v2_runners, nanotrack_weights):
    """threads=1 (v2_runners') and 2 through load_tracker: every session (the template's, each
    search size's) gets the count, one inter-op thread and no spinning."""
    before = torch.get_num_threads()
    try:
        tracker = load_tracker(REPO / "models" / "nanotrack_v2" / "config.yaml",
                               weights=nanotrack_weights("nanotrack_v2"), threads=2, backend="onnxruntime")
    finally:
        torch.set_num_threads(before)
    for threads, onnx, count in ((1, v2_runners[1].onnx, 3), (2, tracker.runner.onnx, 2)):
        sessions = onnx.sessions()
        assert len(sessions) == count  # the template's, then one per search size (255, 351 / 255)
        for session in sessions:
            options = session.get_session_options()
            assert options.intra_op_num_threads == threads
            assert options.inter_op_num_threads == 1
            assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_refusals_are_one_line(nanotrack_weights):
    config, weights = REPO / "models" / "nanotrack_v2" / "config.yaml", nanotrack_weights("nanotrack_v2")
    with pytest.raises(ConfigError, match=r"unknown backend 'onnx'; use one of torch, onnxruntime"):
        load_tracker(config, weights=weights, backend="onnx")
    with pytest.raises(ConfigError, match=r"exact path .* use backend 'torch'"):
        load_tracker(config, weights=weights, exact=True, backend="onnxruntime")
    # (a CUDA device is refused before anything needs one, so this runs without a GPU too)
    with pytest.raises(DeviceError, match=r"runs on the CPU only, not on cuda; use device .cpu. or backend .torch."):
        NetworkRunner(build_network("nanotrack_v2"), torch.device("cuda"), False, (255,), backend="onnxruntime")


def test_without_onnxruntime_the_error_names_the_pip_command(monkeypatch):
    """`import onnxruntime` failing, as it does when the package is not installed."""
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(BackendError) as raised:
        NetworkRunner(build_network("nanotrack_v2"), torch.device("cpu"), False, (255,), backend="onnxruntime")
    assert str(raised.value) == ("backend 'onnxruntime' needs the onnxruntime and onnx packages: "
                                 "pip install onnxruntime==1.32.0 onnx==1.23.2 (or run scripts/setup)")
