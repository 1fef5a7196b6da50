"""Training: losses against hand-computed values, pair crops against the tracker's crop geometry,
a smoke run whose loss falls, resume = uninterrupted run, and trained weights that load into
the inference network and give the same outputs."""
import dataclasses
import math

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conftest import REPO
from training_checks import NO_AUGMENT, assert_served_as_trained, fixed_pairs, losses_over_steps
from tracker import ConfigError
from tracker.core.geometry import make_anchors
from tracker.zoo.registry import build_network
from tracker.training.losses import classification_loss, logit_margins, ranking_loss, total_loss
from tracker.training.pairs import make_pair
from tracker.training.settings import load_training_settings, parse_training_settings, settings_to_dict
from tracker.training.targets import anchor_targets, center_iou
from tracker.training.train import Trainer

TRAIN_CONFIG = REPO / "models" / "siammargin_tiny" / "train.yaml"
SEQUENCES = REPO.parent / "shared" / "data" / "sequences"

def softplus(x):
    return math.log1p(math.exp(x))


# -- losses -----------------------------------------------------------------------------------

def test_margin_classification_loss_by_hand():
    d = torch.tensor([[2.0, -1.0, 0.5, 7.0]])
    labels = torch.tensor([[1, 0, 0, -1]])   # the last anchor is ignored
    expected = 0.5 * softplus(1 - 2.0) + 0.5 * (softplus(1 - 1.0) + softplus(1 + 0.5)) / 2
    assert classification_loss(d, labels, margin=1.0).item() == pytest.approx(expected, rel=1e-6)


def test_zero_margin_is_pysots_cross_entropy():
    torch.manual_seed(0)
    logits = torch.randn(2, 10, 3, 3)          # 5 anchors: background block, foreground block
    labels = torch.randint(-1, 2, (2, 45))
    mine = classification_loss(logit_margins(logits), labels, margin=0.0)
    # Independently: per-anchor 2-class softmax cross-entropy, half-weighted means as pysot does.
    two_class = torch.stack([logits[:, :5].reshape(2, -1), logits[:, 5:].reshape(2, -1)], dim=-1)
    pos, neg = labels == 1, labels == 0
    reference = (0.5 * F.cross_entropy(two_class[pos], torch.ones(int(pos.sum()), dtype=torch.long))
                 + 0.5 * F.cross_entropy(two_class[neg], torch.zeros(int(neg.sum()), dtype=torch.long)))
    assert mine.item() == pytest.approx(reference.item(), rel=1e-5)


def test_ranking_loss_by_hand_lifts_the_target_and_pushes_the_hardest_down():
    scores = torch.tensor([[3.0, 1.0, 2.5, 0.0]], requires_grad=True)
    positive = torch.tensor([[True, False, False, False]])
    negative = ~positive
    loss = ranking_loss(scores, positive, negative, margin=1.0, hardest=2)
    # target 3.0; the two hardest negatives 2.5 and 1.0
    assert loss.item() == pytest.approx((softplus(2.5 - 3 + 1) + softplus(1 - 3 + 1)) / 2, rel=1e-6)
    loss.backward()
    assert scores.grad[0, 0] < 0             # descent lifts the target's response ...
    assert scores.grad[0, 2] > 0 and scores.grad[0, 1] > 0   # ... and lowers the hardest two
    assert scores.grad[0, 3] == 0            # not among the k hardest
    assert scores.grad[0, 0] == pytest.approx(-(scores.grad[0, 1] + scores.grad[0, 2]))


def test_large_margin_adds_rank_and_correlation_terms_only():
    settings = load_training_settings(TRAIN_CONFIG).loss
    torch.manual_seed(1)
    anchors = make_anchors(8, (0.33, 0.5, 1, 2, 3), (8,), 17)
    cls, loc = torch.randn(2, 10, 17, 17), torch.randn(2, 20, 17, 17)
    correlation = torch.randn(2, 128, 17, 17)
    rng = np.random.default_rng(0)
    targets = [anchor_targets(anchors, np.array([4.0, -6.0, 40.0, 60.0]), True, load_training_settings(TRAIN_CONFIG).targets, rng),
               anchor_targets(anchors, np.array([0.0, 0.0, 30.0, 30.0]), False, load_training_settings(TRAIN_CONFIG).targets, rng)]
    from tracker.training.model import PairOutputs
    outputs = PairOutputs(cls, loc, correlation)
    margin = total_loss(outputs, targets, anchors, settings)
    plain = total_loss(outputs, targets, anchors, dataclasses.replace(settings, classification="cross_entropy"))
    assert set(plain.parts) == {"cls", "loc", "total"} and {"rank", "corr"} <= set(margin.parts)
    assert margin.parts["loc"] == pytest.approx(plain.parts["loc"])
    assert margin.parts["total"] == pytest.approx(
        margin.parts["cls"] + settings.loc_weight * margin.parts["loc"]
        + settings.rank_weight * margin.parts["rank"] + settings.correlation_weight * margin.parts["corr"], rel=1e-5)


# -- anchors and correlation --------------------------------------------------------------------

def test_anchor_on_the_target_is_positive_with_zero_deltas():
    anchors = make_anchors(8, (0.33, 0.5, 1, 2, 3), (8,), 17)
    index = 2 * 17 * 17 + 8 * 17 + 8           # the 64×64 anchor at the centre cell
    assert anchors[index].tolist() == [0, 0, 64, 64]
    settings = load_training_settings(TRAIN_CONFIG).targets
    t = anchor_targets(anchors, np.array([0.0, 0.0, 64.0, 64.0]), True, settings, np.random.default_rng(0))
    assert t.positive[index] and t.labels[index] == 1
    assert np.allclose(t.deltas[:, index], 0)
    assert center_iou(np.array([[0.0, 0, 10, 10]]), np.array([5.0, 0, 10, 10]))[0] == pytest.approx(50 / 150)
    assert (t.labels == 1).sum() <= settings.positives and (t.labels >= 0).sum() == settings.samples


def test_batched_correlation_equals_one_pair_at_a_time():
    from tracker.nets.layers import channel_correlation
    torch.manual_seed(2)
    search, kernel = torch.randn(3, 4, 9, 9), torch.randn(3, 8, 3, 3)
    batched = channel_correlation(search, kernel)
    for b in range(3):
        torch.testing.assert_close(batched[b:b + 1], channel_correlation(search[b:b + 1], kernel[b:b + 1]))


# -- pair crops ---------------------------------------------------------------------------------

@pytest.mark.parametrize("jitter", [False, True])
def test_pair_box_agrees_with_the_crop(jitter):
    """A white rectangle on black: the box make_pair reports is where the rectangle is in the crop."""
    image = np.zeros((480, 640, 3), np.uint8)
    x, y, w, h = 300, 200, 60, 40
    image[y:y + h, x:x + w] = 255
    settings = load_training_settings(TRAIN_CONFIG)
    augment = settings.augment if jitter else dataclasses.replace(settings.augment, **NO_AUGMENT)
    augment = dataclasses.replace(augment, color=0, blur=0, grey=0)
    for seed in range(5):
        pair = make_pair(image, np.array([x, y, w, h], float), image, np.array([x, y, w, h], float),
                         np.random.default_rng(seed), augment, 127, 255, 0.5, "half_up")
        mask = cv2.cvtColor(pair.search, cv2.COLOR_BGR2GRAY) > 127
        ys, xs = np.nonzero(mask)
        found_center = np.array([(xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2]) - 127
        found_size = np.array([xs.max() - xs.min() + 1, ys.max() - ys.min() + 1])
        assert np.allclose(pair.box[:2], found_center, atol=1.0), (seed, pair.box, found_center)
        assert np.allclose(pair.box[2:], found_size, atol=2.0), (seed, pair.box, found_size)
        if not jitter:  # the tracker's own template: the target centred, context 0.5
            side = math.sqrt((w + 50) * (h + 50))
            assert pair.box[2] == pytest.approx(w * 255 / round(side * 255 / 127), rel=0.01)
            t_mask = cv2.cvtColor(pair.template, cv2.COLOR_BGR2GRAY) > 127
            ty, tx = np.nonzero(t_mask)
            assert abs((tx.min() + tx.max()) / 2 - 63) <= 1 and abs((ty.min() + ty.max()) / 2 - 63) <= 1


# -- settings -----------------------------------------------------------------------------------

def test_training_settings_errors_name_the_key():
    data = settings_to_dict(load_training_settings(TRAIN_CONFIG))
    data["loss"]["classification"] = "hinge"
    with pytest.raises(ConfigError, match=r"loss\.classification: expected one of cross_entropy, large_margin"):
        parse_training_settings(data, "x.yaml")
    data = settings_to_dict(load_training_settings(TRAIN_CONFIG))
    data["optimizer"]["momentum"] = 0.9
    with pytest.raises(ConfigError, match=r"optimizer\.momentum: unknown key"):
        parse_training_settings(data, "x.yaml")
    data = settings_to_dict(load_training_settings(TRAIN_CONFIG))
    data["loss"]["margin"] = -1
    with pytest.raises(ConfigError, match=r"x\.yaml: loss\.margin: must be in \[0, inf\], got -1"):
        parse_training_settings(data, "x.yaml")
    data = settings_to_dict(load_training_settings(TRAIN_CONFIG))
    data["batch_size"] = 2.5
    with pytest.raises(ConfigError, match=r"batch_size: expected an integer"):
        parse_training_settings(data, "x.yaml")
    data = settings_to_dict(load_training_settings(TRAIN_CONFIG))
    del data["data"]["held_out"]
    with pytest.raises(ConfigError, match=r"data\.held_out: required key is missing"):
        parse_training_settings(data, "x.yaml")
    data = settings_to_dict(load_training_settings(TRAIN_CONFIG))
    data["backbone"]["pretrained"] = "imagenet"
    with pytest.raises(ConfigError, match=r"backbone\.pretrained: expected one of none, objectron_ssd_mobilenetv2"):
        parse_training_settings(data, "x.yaml")
    data = settings_to_dict(load_training_settings(TRAIN_CONFIG))
    data["backbone"]["lr_scale"] = -0.1
    with pytest.raises(ConfigError, match=r"backbone\.lr_scale: must be in \[0, inf\]"):
        parse_training_settings(data, "x.yaml")


def test_the_ablation_configs_differ_only_in_the_loss():
    margin = settings_to_dict(load_training_settings(TRAIN_CONFIG))
    plain = settings_to_dict(load_training_settings(TRAIN_CONFIG.with_name("train_no_margin.yaml")))
    assert margin["loss"].pop("classification") == "large_margin"
    assert plain["loss"].pop("classification") == "cross_entropy"
    assert margin == plain


# -- the loop -----------------------------------------------------------------------------------

def small_settings(steps: int):
    settings = load_training_settings(TRAIN_CONFIG)
    return dataclasses.replace(settings, steps=steps, batch_size=4, checkpoint_every=2, validate_every=1000,
                               data=dataclasses.replace(settings.data, held_out=("crossing",)))


def test_loss_falls_on_a_fixed_batch():
    settings = load_training_settings(TRAIN_CONFIG)
    torch.manual_seed(0)
    network = build_network("siammargin_tiny").train()
    rng = np.random.default_rng(0)
    pairs = fixed_pairs(settings.augment, (6, -4), rng)
    anchors = make_anchors(8, (0.33, 0.5, 1, 2, 3), (8,), 25)  # the network's 25×25 score map
    targets = [anchor_targets(anchors, p.box, True, settings.targets, rng) for p in pairs]
    losses = [parts["total"] for parts in losses_over_steps(network, pairs, targets, anchors, settings.loss)]
    assert losses[-1] < 0.7 * losses[0], losses


def test_resumed_run_equals_uninterrupted_and_weights_load_strictly(two_sequences, tmp_path):
    whole = Trainer(small_settings(4), [two_sequences], None, tmp_path / "whole")
    whole.run(progress=False)
    Trainer(small_settings(2), [two_sequences], None, tmp_path / "split").run(progress=False)
    resumed = Trainer(small_settings(4), [two_sequences], None, tmp_path / "split")
    resumed.run(progress=False)
    for key, value in whole.network.state_dict().items():
        torch.testing.assert_close(resumed.network.state_dict()[key], value, rtol=0, atol=0, msg=key)
    # The pretrained backbone's first layers and every backbone BatchNorm statistic stay as loaded.
    initial = Trainer(small_settings(0), [two_sequences], None, tmp_path / "unused").network.state_dict()
    trained = whole.network.state_dict()
    for key, value in initial.items():
        fixed = key.startswith(("backbone.layer0.", "backbone.layer1.", "backbone.layer2.")) \
            or (key.startswith("backbone.") and key.endswith(("running_mean", "running_var")))
        changed = not torch.equal(trained[key], value)
        assert changed != fixed or key.endswith("num_batches_tracked"), key
    log = (tmp_path / "split" / "log.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in log] == ["step", "1", "2", "3", "4"]
    assert (tmp_path / "whole" / "loss.png").stat().st_size > 0

    # model.pth loads strictly through the public API and computes what training computed.
    assert_served_as_trained(whole.network, REPO / "models" / "siammargin_tiny" / "config.yaml", tmp_path / "whole" / "model.pth")


@pytest.mark.parametrize("layout", ["vot", "otb", "lasot", "got10k"])
def test_pairs_from_every_sequence_layout(tmp_path, layout):
    """--data DIR:FORMAT reads the VOT, OTB, LaSOT and GOT-10k layouts (fixtures linking real
    frames of ../shared); each pair's box is the target's, inside the search crop."""
    import dataset_layouts
    from tracker.training.pairs import PairSampler, SequenceSource
    from tracker.training.train import read_data

    if not SEQUENCES.is_dir():
        pytest.skip(f"shared sequences not found at {SEQUENCES}")
    build = {"vot": dataset_layouts.vot_layout, "otb": dataset_layouts.otb_layout,
             "lasot": dataset_layouts.lasot_layout,
             "got10k": lambda root: dataset_layouts.got10k_layout(root, "val")}[layout]
    root = build(tmp_path / layout)
    sequences = read_data([f"{root}:{layout}"])
    assert len(sequences) >= 2
    settings = load_training_settings(TRAIN_CONFIG)
    augment = dataclasses.replace(settings.augment, **NO_AUGMENT)
    data = dataclasses.replace(settings.data, negative_pair_probability=0.0)
    sampler = PairSampler(SequenceSource(sequences, 5), None, data, augment, 127, 255, 0.5, "half_up")
    for pair in sampler.batch(np.random.default_rng(0), 6):
        assert pair.positive and pair.search.shape == (255, 255, 3) and pair.template.shape == (127, 127, 3)
        # No jitter: the search window is centred on the target, so its box sits at the centre
        # up to the window's integer origin (a source pixel, a few crop pixels for small targets;
        # test_pair_box_agrees_with_the_crop checks the exact geometry).
        assert np.all(np.abs(pair.box[:2]) <= 8.0) and np.all(pair.box[2:] > 1), pair.box
