"""The inference heads take a batch of pairs (B kernels, B searches), so that training runs the
heads themselves; the tracker's batch of one is golden-tested elsewhere (test_networks_golden.py)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tracker.nets.fusion import split_correlations
from tracker.nets.layers import channel_correlation, channel_correlation_split
from tracker.training.model import forward_pairs, to_tensor
from tracker.zoo.registry import build_network


def correlation_by_hand(search, kernel):
    """Output channel o of pair b: search channel o // k of pair b slid over by kernel channel o
    of pair b, one single-channel correlation at a time."""
    channels, outputs = search.size(1), kernel.size(1)
    k = outputs // channels
    return torch.stack([torch.cat([F.conv2d(search[b, o // k][None, None], kernel[b, o][None, None])
                                   for o in range(outputs)], dim=1)[0] for b in range(search.size(0))])


@pytest.mark.parametrize("correlate", [channel_correlation, channel_correlation_split])
@pytest.mark.parametrize("multiplier", [1, 2])
def test_correlation_of_a_batch_is_each_pairs_own(correlate, multiplier):
    torch.manual_seed(0)
    search, kernel = torch.randn(3, 4, 9, 9), torch.randn(3, 4 * multiplier, 3, 3)
    out = correlate(search, kernel)
    assert out.shape == (3, 4 * multiplier, 7, 7)
    torch.testing.assert_close(out, correlation_by_hand(search, kernel), rtol=1e-5, atol=1e-5)


def random_pairs(count, seed=0):
    rng = np.random.default_rng(seed)
    templates = [rng.integers(0, 255, (127, 127, 3), dtype=np.uint8) for _ in range(count)]
    searches = [rng.integers(0, 255, (255, 255, 3), dtype=np.uint8) for _ in range(count)]
    return to_tensor(templates, torch.device("cpu")), to_tensor(searches, torch.device("cpu"))


@pytest.mark.parametrize("split", [False, True], ids=["exact", "split_correlation"])
def test_training_forward_of_a_batch_is_the_tracker_forward_of_each_pair(split):
    """forward_pairs on 2 pairs gives, pair by pair, what the tracker's network computes for that
    pair alone (SiamMargin's 2×-wide cls head and the depthwise loc head), also with the fast
    path's split correlation swapped in."""
    torch.manual_seed(0)
    network = build_network("siammargin_tiny")
    if split:
        split_correlations(network)
    batch = batch_and_each_pair_alone(network, 2)
    assert batch.correlation.shape == (2, 128, 25, 25)  # the cls head's 2 × 64 channels


@pytest.mark.parametrize("version", ["nanotrack_v1", "nanotrack_v2", "nanotrack_v3"])
def test_nanotrack_training_forward_of_a_batch_is_the_tracker_forward_of_each_pair(version):
    """The same on NanoTrack's point heads (v3: its depthwise correlation too); the correlation
    map training supervises is the cls branch's, on the score map's grid."""
    torch.manual_seed(0)
    batch = batch_and_each_pair_alone(build_network(version), 3)
    side = 15 if version == "nanotrack_v3" else 16
    assert batch.cls.shape == (3, 2, side, side) and batch.loc.shape == (3, 4, side, side)
    assert batch.correlation.shape[0] == 3 and batch.correlation.shape[-2:] == (side, side)


def batch_and_each_pair_alone(network, count):
    """forward_pairs on `count` random pairs, checked pair by pair against the tracker's
    template + search of that pair alone."""
    templates, searches = random_pairs(count)
    with torch.inference_mode():
        batch = forward_pairs(network, templates, searches)
        for b in range(count):
            kernels, _ = network.template(templates[b:b + 1])
            alone = network.search(searches[b:b + 1], kernels)
            torch.testing.assert_close(batch.cls[b:b + 1], alone.cls, rtol=1e-4, atol=1e-4)
            torch.testing.assert_close(batch.loc[b:b + 1], alone.loc, rtol=1e-4, atol=1e-4)
    return batch


def test_training_needs_a_single_level_network():
    templates, searches = random_pairs(1)
    with pytest.raises(ValueError, match="single-level networks .* this one has 3 levels"):
        forward_pairs(build_network("siamrpn_mobilev2_l234_dwxcorr"), templates, searches)
