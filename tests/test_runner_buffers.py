"""The graph-style buffer logic that CUDA runs (fixed input, kernel and output buffers, capture
only in warm-up, copies out of the replayed outputs), run on the CPU with eager calls standing
in for graph replays; plus the device and TF32 rules. CUDA-only checks at the end."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import REPO
from tracker import load_config, load_tracker
from tracker.zoo.checkpoint import load_weights
from tracker.zoo.registry import build_network
from tracker.core.network_runner import NetworkRunner
from tracker.core.siamese_tracker import SiameseTracker

CONFIG = REPO / "models" / "siammargin" / "config.yaml"


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    from tracker.zoo.standin_weights import write_checkpoint
    return write_checkpoint(tmp_path_factory.mktemp("standin"), "siammargin")


def tracker_on(weights, device="cpu", graph_style=None) -> SiameseTracker:
    config = load_config(CONFIG)
    network = build_network(config.architecture)
    load_weights(network, weights, config.architecture)
    runner = NetworkRunner(network, torch.device(device), False, config.tracker.instance_sizes(),
                           graph_style=graph_style)
    return SiameseTracker(runner, config.tracker)


def patches(side, count=2):
    rng = np.random.default_rng(side)
    return [rng.integers(0, 256, (side, side, 3), dtype=np.uint8) for _ in range(count)]


def as_list(output):
    return [output.cls, output.loc, *output.features]


@torch.inference_mode()
def test_a_kept_search_result_is_not_changed_by_later_searches(weights):
    """The ownership rule: the caller owns what search() returns. Keeps the result of search 1,
    runs search 2 through the replayed buffers, and checks result 1 against a fresh runner."""
    runner = tracker_on(weights, graph_style=True).runner
    template, = patches(127, 1)
    first, second = patches(255)
    kernels = runner.template(template)
    with runner.capturing():
        runner.search(second, kernels)
    assert runner.captured_sizes() == [255]   # the replay path is what runs below
    kept = runner.search(first, kernels)
    later = runner.search(second, kernels)
    eager = tracker_on(weights).runner
    expected = eager.search(first, eager.template(template))
    for got, want in zip(as_list(kept), as_list(expected)):
        torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert not torch.equal(kept.cls, later.cls)


@torch.inference_mode()
def test_graph_style_tracker_tracks_exactly_like_the_eager_one(weights):
    """SiamMargin through the replayed buffers (online update changing the kernels between
    replays, second search, 255/351) gives bit-identical results to eager calls."""
    rng = np.random.default_rng(1)
    frames = []
    for i in range(6):
        frame = rng.integers(60, 120, (240, 320, 3), dtype=np.uint8)
        frame[100 + 2 * i:130 + 2 * i, 140 + 3 * i:170 + 3 * i] = (20, 200, 220)
        frames.append(frame)
    results = {}
    for graph_style in (False, True):
        tracker = tracker_on(weights, graph_style=graph_style)
        if graph_style:
            tracker.warm_up()
        tracker.init(frames[0], (140, 100, 30, 30))
        results[graph_style] = [tracker.track(frame) for frame in frames[1:]]
    assert results[True] == results[False]
    assert tracker.runner.captured_sizes() == [255, 351]


@torch.inference_mode()
def test_searches_capture_only_during_warm_up(weights):
    tracker = tracker_on(weights, graph_style=True)
    image = np.full((240, 320, 3), 90, np.uint8)
    tracker.init(image, (140, 100, 30, 30))
    tracker.track(image)
    assert tracker.runner.captured_sizes() == []   # a live frame never captures
    tracker.warm_up()
    assert tracker.runner.captured_sizes() == [255, 351]


def test_the_cpu_eager_path_is_the_default_and_graphs_are_cuda_only(weights):
    runner = tracker_on(weights).runner
    assert not runner.graph_style and not runner.use_cuda_graphs
    assert tracker_on(weights, graph_style=True).runner.use_cuda_graphs is False


def test_no_tf32_inside_the_runner_even_if_the_user_enabled_it(weights):
    """PyTorch 2.13: cudnn.flags(allow_tf32=False) alone leaves cuDNN convs at precision "none",
    which defers to torch.backends.fp32_precision; the runner also pins CUDA's to "ieee"."""
    runner = tracker_on(weights).runner
    before = (torch.backends.fp32_precision, torch.backends.cudnn.allow_tf32)
    try:
        torch.backends.fp32_precision = "tf32"
        torch.backends.cudnn.allow_tf32 = True
        with runner._backend():
            assert torch.backends.cudnn.allow_tf32 is False
            # conv "none" resolves to the CUDA-wide precision before the generic one
            assert torch.backends.cudnn.conv.fp32_precision in ("none", "ieee")
            assert torch._C._get_fp32_precision_getter("cuda", "all") == "ieee"
        assert torch.backends.cudnn.allow_tf32 is True   # restored afterwards
    finally:
        torch.backends.fp32_precision, torch.backends.cudnn.allow_tf32 = before


# -- CUDA (runs where CUDA devices exist) ---------------------------------------------------------

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.cuda
@needs_cuda
@torch.inference_mode()
def test_cuda_kept_result_survives_replays_and_matches_the_cpu(weights):
    gpu = tracker_on(weights, device="cuda")
    gpu.warm_up()
    assert gpu.runner.use_cuda_graphs and gpu.runner.captured_sizes() == [255, 351]
    cpu = tracker_on(weights).runner
    template, = patches(127, 1)
    first, second = patches(255)
    kept = gpu.runner.search(first, gpu.runner.template(template))
    gpu.runner.search(second, gpu.runner.template(template))
    expected = cpu.search(first, cpu.template(template))
    assert torch.allclose(kept.cls.cpu(), expected.cls, rtol=1e-3, atol=1e-3 * expected.cls.abs().max())


@pytest.mark.cuda
@needs_cuda
@torch.inference_mode()
def test_back_to_back_templates_through_the_pinned_staging_buffer(weights):
    """init after init: the second upload waits for the first copy out of the pinned buffer."""
    runner = tracker_on(weights, device="cuda").runner
    a, b = patches(127)
    kernels_a, kernels_b = runner.template(a), runner.template(b)
    cpu = tracker_on(weights).runner
    for got, patch in ((kernels_a, a), (kernels_b, b)):
        want = cpu.template(patch).cls[0]
        assert torch.allclose(got.cls[0].cpu(), want, rtol=1e-3, atol=1e-3 * want.abs().max())


@pytest.mark.cuda
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices")
@torch.inference_mode()
def test_two_trackers_on_two_gpus_in_one_process(weights):
    image = np.random.default_rng(2).integers(60, 120, (240, 320, 3), dtype=np.uint8)
    image[100:130, 140:170] = (20, 200, 220)
    results = []
    trackers = [load_tracker(CONFIG, weights=weights, device=f"cuda:{i}") for i in (0, 1)]
    for i, tracker in enumerate(trackers):
        assert tracker.runner.captured_sizes() == [255, 351]
        assert tracker.runner.device == torch.device("cuda", i)
    for tracker in trackers:
        tracker.init(image, (140, 100, 30, 30))
    for _ in range(3):  # interleaved, as two trackers in one process would run
        results.append([tracker.track(image) for tracker in trackers])
    for on_0, on_1 in results:
        np.testing.assert_allclose(on_0.bbox, on_1.bbox, atol=1e-2)
