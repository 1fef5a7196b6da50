"""NanoTrack v1, v2, v3 against the published code run with the published weights
(../shared/reference/golden/nanotrack_v*.npz; README.md there says how they were made).

Network outputs: the published files loaded through our safe loader, the exact path, on the
stored template and search crops. Tolerance 1e-5 relative to the largest reference value: float32
summation order is all that may differ (measured on an AMD EPYC: bit-identical with 2 threads, as
the reference ran; ≤ 1.4e-6 with 1 thread). A wrong layer, activation or order moves them by
orders of magnitude more.
"""
import numpy as np
import pytest
import torch

from conftest import NANOTRACK_VERSIONS, REPO
from tracker import load_tracker
from tracker.core.geometry import decode_points, make_points, make_window
from tracker.core.network_runner import NetworkRunner, cpu_fusion_available
from tracker.nets.fusion import FusedConv, FusedInvertedResidual
from tracker.nets.nanotrack import ChannelAttention
from tracker.zoo.checkpoint import load_weights
from tracker.zoo.registry import build_network
from test_fast_path import TOLERANCE as FAST_TOLERANCE

NETWORK_TOLERANCE = 1e-5
SCORE_SIDE = {"nanotrack_v1": 16, "nanotrack_v2": 16, "nanotrack_v3": 15}


def relative_error(actual: torch.Tensor, expected: np.ndarray) -> float:
    actual = actual.detach().double().numpy()
    assert actual.shape == expected.shape
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def network_input(crop: np.ndarray) -> torch.Tensor:
    """HWC uint8 BGR crop → 1×3×S×S float32 0–255, as the published tracker feeds it."""
    return torch.from_numpy(crop).permute(2, 0, 1).unsqueeze(0).float()


@pytest.fixture(scope="module")
def published_network(nanotrack_weights):
    def get(model: str) -> torch.nn.Module:
        network = build_network(model)
        load_weights(network, nanotrack_weights(model), model)
        return network
    return get


@pytest.mark.parametrize("model", NANOTRACK_VERSIONS)
@torch.inference_mode()
def test_network_outputs_equal_the_published_network(model, published_network, nanotrack_golden):
    g = nanotrack_golden(model)
    network = published_network(model)
    neck_calls = []  # the neck is loaded but, as in the published tracker, never run
    network.neck.downsample.register_forward_pre_hook(lambda module, args: neck_calls.append(module))
    kernels, template_features = network.template(network_input(g["net/z"]))
    output = network.search(network_input(g["net/x"]), kernels)
    assert neck_calls == []
    assert relative_error(template_features[0], g["net/zf"]) < NETWORK_TOLERANCE
    assert relative_error(output.features[0], g["net/xf"]) < NETWORK_TOLERANCE
    assert relative_error(output.cls, g["net/cls"]) < NETWORK_TOLERANCE
    assert relative_error(output.loc, g["net/loc"]) < NETWORK_TOLERANCE
    side = SCORE_SIDE[model]
    assert output.cls.shape == (1, 2, side, side) and output.loc.shape == (1, 4, side, side)


# Blocks with a shortcut (inverted residuals), and the hard-swishes that follow a squeeze-excite
# (the one activation oneDNN cannot take into a convolution: the multiply comes first), per version.
FUSED_BLOCKS = {"nanotrack_v1": (4, 5), "nanotrack_v2": (4, 5), "nanotrack_v3": (4, 6)}


@pytest.mark.skipif(not cpu_fusion_available(), reason="this PyTorch build has no oneDNN fused convolutions")
@pytest.mark.parametrize("model", NANOTRACK_VERSIONS)
def test_fast_network_outputs_equal_the_published_network(model, published_network, nanotrack_golden):
    """The fast path (BatchNorm folded; each convolution with its hard-swish/ReLU/ReLU6 and a
    block's shortcut add in one oneDNN call; channel attention's 1×1 convolutions with their
    ReLU and sigmoid) within the fast path's tolerance; measured here ≤ 4.3e-6 relative (v1 loc)."""
    runner = NetworkRunner(published_network(model), torch.device("cpu"), exact=False, search_sizes=(255,))
    assert_outputs_equal_the_published_network(runner, nanotrack_golden(model))
    # Guards the comparison: it ran the fused network.
    modules = list(runner.search_networks[255].modules())
    shortcuts, hardswishes = FUSED_BLOCKS[model]
    assert sum(isinstance(m, FusedInvertedResidual) for m in modules) == shortcuts
    assert sum(isinstance(m, torch.nn.Hardswish) for m in modules) == hardswishes
    assert not any(isinstance(m, (torch.nn.BatchNorm2d, torch.nn.Sigmoid)) for m in modules)
    attention = [m for m in modules if isinstance(m, ChannelAttention)]
    assert attention and all(isinstance(m.fc2, FusedConv) and m.fc2.attr == "sigmoid" for m in attention)


def assert_outputs_equal_the_published_network(runner: NetworkRunner, g) -> None:
    """`runner` (a fast path's) on the stored crops: its search features, cls and loc within the
    fast path's tolerance of the published network's."""
    with torch.inference_mode():
        output = runner.search(g["net/x"], runner.template(g["net/z"]))
    assert relative_error(output.features[0], g["net/xf"]) < FAST_TOLERANCE
    assert relative_error(output.cls, g["net/cls"]) < FAST_TOLERANCE
    assert relative_error(output.loc, g["net/loc"]) < FAST_TOLERANCE


@pytest.fixture(scope="module")
def onnx_tracker(nanotrack_weights):
    """Per version, one tracker of the published config and weights with backend onnxruntime and
    one thread, loaded once (its ONNX export is most of what a test of it costs): each test
    initialises it, which resets all its state."""
    trackers = {}

    def get(model: str):
        if model not in trackers:
            before = torch.get_num_threads()
            torch.set_num_threads(1)  # the sessions' thread count: the one in effect at load
            try:
                trackers[model] = load_tracker(REPO / "models" / model / "config.yaml",
                                               weights=nanotrack_weights(model), backend="onnxruntime")
            finally:
                torch.set_num_threads(before)
        return trackers[model]
    return get


@pytest.mark.parametrize("model", NANOTRACK_VERSIONS)
def test_onnxruntime_network_outputs_equal_the_published_network(model, onnx_tracker, nanotrack_golden):
    """ONNX Runtime running the exported fast-path network (measured here ≤ 6.2e-6 relative, v1 loc)."""
    runner = onnx_tracker(model).runner
    assert_outputs_equal_the_published_network(runner, nanotrack_golden(model))
    assert set(runner.onnx.search_sessions) == {255}  # guards the comparison: ONNX Runtime ran it


@pytest.mark.parametrize("model", NANOTRACK_VERSIONS)
def test_points_decoding_and_window_equal_the_published_tracker(model, nanotrack_golden):
    """On the published network's own outputs, so this checks our geometry alone: bit for bit."""
    g = nanotrack_golden(model)
    side = SCORE_SIDE[model]
    points = make_points(16, side)
    np.testing.assert_array_equal(points, g["net/points"])
    distances = g["net/loc"].astype(np.float32).reshape(4, -1)  # stored widened from float32
    np.testing.assert_array_equal(decode_points(distances, points), g["net/pred_bbox"].astype(np.float32))
    np.testing.assert_array_equal(make_window(side, 1), g["net/window"])


# ---------------------------------------------------------------------------------------------
# Trajectories through the public API: init on the ground truth of frame 1, then every frame.
#
# Every path, one intra-op thread: ≤ 0.05 px on every box coordinate, 1e-4 on the raw score.
# Measured on an AMD EPYC (box coordinates, worst frame of the three sequences):
# - exact path: bit-identical to the reference with 2 threads (as it ran); with 1 thread
#   ≤ 9e-5 px, scores ≤ 3e-7 (the network's float32 summation order);
# - fast path (BatchNorm folded, channels-last, fused oneDNN convolutions; its network outputs
#   are ≤ 4.3e-6 relative from the exact ones here): ≤ 3.4e-4 px (v1 crossing), scores ≤ 6e-7;
# - the fast path's network run by ONNX Runtime (backend onnxruntime; its outputs ≤ 6.2e-6
#   relative from the published network's here): ≤ 2.6e-4 px (v1 crossing), scores ≤ 9e-7.
# These trajectories are not chaotic: a logic error costs pixels from the first frames on.

BOX_TOLERANCE = 0.05
SCORE_TOLERANCE = 1e-4
SEQUENCES = ["car10", "wakeboard4", "crossing"]


def run_sequence(tracker, frames, region):
    tracker.init(frames[0], region)
    results = [tracker.track(frame) for frame in frames[1:]]
    return np.array([r.bbox for r in results]), np.array([r.score for r in results])


@pytest.mark.parametrize("exact, backend", [(True, "torch"), (False, "torch"), (False, "onnxruntime")],
                         ids=["exact", "fast", "onnxruntime"])
@pytest.mark.parametrize("sequence", SEQUENCES)
@pytest.mark.parametrize("model", NANOTRACK_VERSIONS)
def test_trajectory_equals_the_published_tracker(model, sequence, exact, backend, nanotrack_weights,
                                                 nanotrack_golden, sequence_frames, single_thread, onnx_tracker):
    g = nanotrack_golden(model)
    if backend == "onnxruntime":
        tracker = onnx_tracker(model)
    else:
        tracker = load_tracker(REPO / "models" / model / "config.yaml", weights=nanotrack_weights(model),
                               exact=exact)
    boxes, scores = run_sequence(tracker, sequence_frames(g, sequence), tuple(g[f"{sequence}/gt"][0]))
    np.testing.assert_allclose(boxes, g[f"{sequence}/boxes"][1:], rtol=0, atol=BOX_TOLERANCE)
    np.testing.assert_allclose(scores, g[f"{sequence}/scores"][1:], rtol=0, atol=SCORE_TOLERANCE)
