"""The fast path (the default: BatchNorm folded, channels-last, reused buffers; on the CPU fused
oneDNN convolutions, on a GPU CUDA graphs) against the reference arithmetic (exact=True), on the
shared golden inputs. The fast path without the CPU fusion (what runs on CUDA) is checked too.

Tolerances, and why:
- network outputs: 3e-4 relative to the largest exact output (max |fast − exact| / max |exact|).
  Folding rounds γ/√(σ²+ε)·w to float32 once instead of rounding the conv and the BN separately.
  On these stand-in weights the float32 reference itself is up to 9e-5 away from the same network
  evaluated in float64 (mobilev2 cls; r50 5e-5), and the folded float32 network 1.4e-4 (r50 6e-5):
  the same size. Measured fast vs exact: alex 4e-6, SiamMargin 9e-5, r50 8e-5 (deepest kernels
  1.6e-4), mobilev2 1.5e-4 (deepest kernels 2.3e-4). A wrong fold (a missed ε, a misplaced bias)
  or fusion (a lost activation or residual) moves outputs by more than 1e-2.
- trajectories: IoU ≥ 0.99 on every frame, on runs where the tracker is not chaotic (alex and
  SiamMargin on the golden sequence: measured IoU ≥ 0.999); on chaotic random-weight runs
  (mobilev2, r50, the low-score SiamMargin run) every step starts both paths from the same state.
"""
import copy

import numpy as np
import pytest
import torch
from torch import nn

from conftest import MODELS, PYSOT_MODELS, REPO, pysot_config_file
from tracker import load_tracker
from tracker.config import load_config
from tracker.zoo.registry import build_network
from tracker.nets.fusion import FusedBottleneck, FusedConv, fold_batchnorm
from tracker.core.network_runner import NetworkRunner, cpu_fusion_available
from tracker.core.online_update import sample_target_features

TOLERANCE = 3e-4
GOLDEN_TOLERANCE = 1e-4  # the exact path against the published outputs (test_networks_golden.py)


def relative_error(actual: torch.Tensor, expected: torch.Tensor) -> float:
    assert actual.shape == expected.shape
    return float((actual.float() - expected.float()).abs().max() / expected.abs().max())


def search_sizes(name):
    return load_config(REPO / "models" / name / "config.yaml").tracker.instance_sizes()


def runners(name, state_dict, device="cpu"):
    """NetworkRunners with the weights state_dict(name) gives (the golden stand-ins or the
    project's own): the exact path, the fast path, and the fast path without the CPU fusion
    (folding + channels-last only: what runs on CUDA)."""
    out = {}
    for path, exact, fusion in (("exact", True, False), ("fast", False, True), ("fast_unfused", False, False)):
        network = build_network(name)
        network.load_state_dict({k: torch.as_tensor(v) for k, v in state_dict(name).items()})
        out[path] = NetworkRunner(network, torch.device(device), exact, search_sizes(name), cpu_fusion=fusion)
    return out


def hwc(image: np.ndarray) -> np.ndarray:
    """Golden pysot inputs are 1×3×S×S; the runner takes S×S×3 patches."""
    return np.ascontiguousarray(image[0].transpose(1, 2, 0)) if image.ndim == 4 else image


@pytest.mark.parametrize("name", PYSOT_MODELS)
@torch.inference_mode()
def test_pysot_outputs_fast_equal_exact(name, reference_state_dict, golden):
    g = golden(name)
    outputs = {}
    for path, runner in runners(name, reference_state_dict).items():
        kernels = runner.template(hwc(g["z"]))
        output = runner.search(hwc(g["x"]), kernels)
        outputs[path] = kernels.cls + kernels.loc + [output.cls.clone(), output.loc.clone()]
    for path in ("fast", "fast_unfused"):
        for fast, exact in zip(outputs[path], outputs["exact"]):
            assert relative_error(fast, exact) < TOLERANCE, path
    # and the exact path is the published code's
    assert relative_error(outputs["exact"][-2], torch.from_numpy(g["cls"])) < GOLDEN_TOLERANCE


@torch.inference_mode()
def test_siammargin_outputs_update_and_351_fast_equal_exact(reference_state_dict, golden):
    g = golden("siammargin")
    pos_x, pos_y, w, h, _ = g["upd_args"]
    results = {}
    for path, runner in runners("siammargin", reference_state_dict).items():
        kernels = runner.template(g["z"])
        output = runner.search(g["x"], kernels)
        sample = sample_target_features(output.features[0], np.array([pos_x, pos_y]), np.array([w, h]),
                                        0.3, 8, 7, 16)
        updated = runner.cls_kernels([sample])[0]
        kernels.cls[0] = updated
        output351 = runner.search(g["x351"], kernels)
        results[path] = [kernels.loc[0], output.cls, output.loc, updated, output351.cls, output351.loc]
    for path in ("fast", "fast_unfused"):
        for fast, exact in zip(results[path], results["exact"]):
            assert relative_error(fast, exact) < TOLERANCE, path


@pytest.mark.parametrize("path", ["exact", "fast", "fast_unfused"])
@torch.inference_mode()
def test_the_network_sees_the_crop_exactly(path, reference_state_dict, golden):
    """The uploaded input (reused buffer, channels-last on the fast path) holds the crop's values."""
    runner = runners("siamrpn_alex_dwxcorr", reference_state_dict)[path]
    for patch in (hwc(golden("siamrpn_alex_dwxcorr")["x"]), hwc(golden("siamrpn_alex_dwxcorr")["crop1"])):
        uploaded = runner._upload(patch)
        assert uploaded.dtype == torch.float32 and uploaded.shape == (1, 3, *patch.shape[:2])
        assert torch.equal(uploaded[0].permute(1, 2, 0), torch.from_numpy(patch).float())


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return iw * ih / (aw * ah + bw * bh - iw * ih)


@pytest.mark.parametrize("name", ["siamrpn_alex_dwxcorr", "siammargin"])
def test_fast_trajectory_overlaps_exact(name, weights_file, golden):
    sequence = golden("sequence")
    region = golden("siammargin")["polygon"] if name == "siammargin" else tuple(sequence["gt"][0])
    boxes = {}
    for exact in (True, False):
        tracker = load_tracker(REPO / "models" / name / "config.yaml", weights=weights_file(name), exact=exact)
        tracker.init(sequence["frames"][0], region)
        boxes[exact] = [tracker.track(frame).bbox for frame in sequence["frames"][1:]]
    overlaps = [iou(a, b) for a, b in zip(boxes[False], boxes[True])]
    assert min(overlaps) >= 0.99, overlaps


def test_fast_low_score_steps_with_second_searches_overlap_exact(tmp_path, reference_state_dict, golden):
    """Searching twice per frame reuses the search buffers twice per frame; each frame starts the
    fast path from the exact path's whole state (kernels, motion, search size)."""
    sequence, g = golden("sequence"), golden("siammargin")
    state = {k: torch.from_numpy(v.copy()) for k, v in reference_state_dict("siammargin").items()}
    state["rpn.cls.head.3.bias"][:5] += float(g["low_bg_shift"])
    path = tmp_path / "low.pth"
    torch.save(state, path)
    config = REPO / "models" / "siammargin" / "config.yaml"
    exact, fast = (load_tracker(config, weights=path, exact=e) for e in (True, False))
    exact.init(sequence["frames"][0], g["polygon"])
    low_scores = 0
    for frame in sequence["frames"][1:]:
        fast.state = copy.deepcopy(exact.state)
        a, b = fast.track(frame), exact.track(frame)
        assert iou(a.bbox, b.bbox) >= 0.99
        low_scores += b.score < 0.1
    assert low_scores >= 3  # the second search really ran


# ResNet-50 steps cost ~1.7 s on CI's 2-core EPYC: its chaotic run is checked on 8 of the 19
# frames (its fast and exact outputs are also compared on the golden pair, and its trajectory
# frame by frame in test_trajectories_golden.py).
TRACKED_FRAMES = {"siamrpn_r50_l234_dwxcorr": 8}


@pytest.mark.parametrize("name", PYSOT_MODELS)
def test_fast_steps_overlap_exact_from_the_same_state(name, weights_file, golden):
    """Chaotic runs: each frame starts both paths from the exact path's state."""
    sequence = golden("sequence")
    config = pysot_config_file(name)
    exact, fast = (load_tracker(config, weights=weights_file(name), exact=e) for e in (True, False))
    for tracker in (exact, fast):
        tracker.init(sequence["frames"][0], tuple(sequence["gt"][0]))
    for frame in sequence["frames"][1:1 + TRACKED_FRAMES.get(name, len(sequence["frames"]))]:
        fast.state.center, fast.state.size = exact.state.center.copy(), exact.state.size.copy()
        a, b = fast.track(frame), exact.track(frame)
        assert iou(a.bbox, b.bbox) >= 0.99
        assert abs(a.score - b.score) < 1e-3


# -- BatchNorm folding ------------------------------------------------------------------------

@pytest.mark.parametrize("name", MODELS)
def test_folding_leaves_no_batchnorm(name):
    network = fold_batchnorm(build_network(name))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in network.modules())
    assert sum(isinstance(m, nn.Conv2d) and m.bias is not None for m in network.modules()) > 10


def test_folding_refuses_a_batchnorm_it_cannot_pair():
    network = nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 3, 1))
    with pytest.raises(RuntimeError, match="BatchNorm"):
        fold_batchnorm(network)


@torch.inference_mode()
def test_folding_uses_the_running_statistics():
    conv, bn = nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4, eps=1e-3)
    bn.running_mean.copy_(torch.tensor([1.0, -2.0, 3.0, 0.5]))
    bn.running_var.copy_(torch.tensor([0.25, 4.0, 1.0, 9.0]))
    bn.weight.data.copy_(torch.tensor([2.0, 0.5, -1.0, 1.5]))
    bn.bias.data.copy_(torch.tensor([0.1, 0.2, 0.3, -0.4]))
    reference = nn.Sequential(conv, bn).eval()
    x = torch.randn(1, 2, 8, 8)
    expected = reference(x)
    folded = fold_batchnorm(nn.Sequential(conv, bn).eval())
    assert relative_error(folded(x), expected) < 1e-6


# -- CUDA (runs where a CUDA device exists) -----------------------------------------------------

@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@torch.inference_mode()
def test_cuda_graph_outputs_equal_cpu_exact(reference_state_dict, golden):
    g = golden("siammargin")
    cpu = runners("siammargin", reference_state_dict)["exact"]
    cuda = runners("siammargin", reference_state_dict, device="cuda")["fast"]
    assert cuda.use_cuda_graphs
    expected_kernels = cpu.template(g["z"])
    kernels = cuda.template(g["z"])
    with cuda.capturing():  # as the tracker's warm_up does: searches capture only here
        cuda.search(g["x"], kernels)
    assert cuda.captured_sizes() == [g["x"].shape[0]]
    for _ in range(3):  # replays must give the same
        output = cuda.search(g["x"], kernels)
        assert relative_error(output.cls.cpu(), cpu.search(g["x"], expected_kernels).cls) < TOLERANCE
    # a changed kernel must reach the replayed graph
    kernels.cls[0] = kernels.cls[0] * 0.5
    expected_kernels.cls[0] = expected_kernels.cls[0] * 0.5
    assert relative_error(cuda.search(g["x"], kernels).cls.cpu(),
                          cpu.search(g["x"], expected_kernels).cls) < TOLERANCE


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fast_trajectory_overlaps_cpu_exact(weights_file, golden):
    sequence, g = golden("sequence"), golden("siammargin")
    boxes = {}
    for device, exact in (("cpu", True), ("cuda", False)):
        tracker = load_tracker(REPO / "models" / "siammargin" / "config.yaml", weights=weights_file("siammargin"),
                               device=device, exact=exact)
        tracker.warm_up()
        tracker.init(sequence["frames"][0], g["polygon"])
        boxes[device] = [tracker.track(frame).bbox for frame in sequence["frames"][1:]]
    assert min(iou(a, b) for a, b in zip(boxes["cuda"], boxes["cpu"])) >= 0.99


@pytest.mark.skipif(not cpu_fusion_available(), reason="this PyTorch build has no oneDNN fused convolutions")
def test_cpu_fast_path_is_fused_per_search_size(standin_state_dict):
    """Guards the tests above: on this CPU they compare the fused network, one copy per size."""
    runner = runners("siammargin", standin_state_dict)["fast"]
    assert set(runner.search_networks) == {255, 351}
    assert runner.search_networks[255] is not runner.search_networks[351]
    for network in runner.search_networks.values():
        assert sum(isinstance(m, FusedBottleneck) for m in network.modules()) == 13  # layers 1–3
        assert any(isinstance(m, FusedConv) and m.attr == "relu" for m in network.rpn.loc.modules())
    assert not runners("siammargin", standin_state_dict)["fast_unfused"].search_networks
