"""Training on NanoTrack's point head (models/siammargin_nano): point targets against hand-worked
cases, the loss falling on a fixed batch with either classification loss (test_batched_heads.py
checks the batched training forward against the tracker's own network), and a short fine-tune from the published weights
whose frozen layers and BatchNorm statistics stay bit-identical and whose weights load strictly
and give the trained network's outputs."""
import dataclasses

import numpy as np
import pytest
import torch

from conftest import REPO
from training_checks import assert_served_as_trained, fixed_pairs, losses_over_steps
from tracker import CheckpointError, ConfigError
from tracker.core.geometry import make_points
from tracker.training.losses import distance_iou_loss
from tracker.training.settings import load_training_settings, parse_training_settings, settings_to_dict
from tracker.training.targets import point_targets
from tracker.training.train import Trainer
from tracker.zoo.registry import build_network

FOLDER = REPO / "models" / "siammargin_nano"
TRAIN_CONFIG = FOLDER / "train.yaml"

def nano_settings():
    return load_training_settings(TRAIN_CONFIG)


# -- targets ------------------------------------------------------------------------------------

# A 5×5 grid of stride 16 (points −32 … 32) and an 80×40 box at the crop's centre: the positive
# ellipse has semi-axes (20, 10), the negative one (40, 20). Worked by hand, flat index y·5 + x:
POSITIVE = {11, 12, 13}                        # (−16, 0), (0, 0), (16, 0): 0.64, 0, 0.64 < 1
IGNORED = {10, 14, 6, 7, 8, 16, 17, 18}        # (±32, 0): 0.64; (0|±16, ±16): 0.64, 0.8 ≤ 1
NEGATIVE = set(range(25)) - POSITIVE - IGNORED  # the rest: ≥ 1.28 > 1
BOX = np.array([0.0, 0.0, 80.0, 40.0])


def test_point_targets_by_hand():
    points = make_points(16, 5)
    targets = point_targets(points, BOX, True, nano_settings().targets, np.random.default_rng(0))
    assert set(np.flatnonzero(targets.labels == 1)) == POSITIVE
    assert set(np.flatnonzero(targets.labels == 0)) == NEGATIVE  # 14 < 64 − 3: all of them sampled
    assert set(np.flatnonzero(targets.labels == -1)) == IGNORED
    assert set(np.flatnonzero(targets.positive)) == POSITIVE
    # Distractors: negatives outside the box (|x| > 40 or |y| > 20): rows y = ±32 only.
    assert set(np.flatnonzero(targets.distractor)) == set(range(5)) | set(range(20, 25))
    # (left, top, right, bottom) of (16, 0) to the box −40 … 40, −20 … 20; of (−32, −32).
    assert targets.distances[:, 13].tolist() == [56, 20, 24, 20]
    assert targets.distances[:, 0].tolist() == [8, -12, 72, 52]


def test_point_targets_sample_at_most_their_counts():
    settings = dataclasses.replace(nano_settings().targets, positives=2, samples=5)
    targets = point_targets(make_points(16, 5), BOX, True, settings, np.random.default_rng(1))
    positives, negatives = set(np.flatnonzero(targets.labels == 1)), set(np.flatnonzero(targets.labels == 0))
    assert len(positives) == 2 and positives <= POSITIVE
    assert len(negatives) == 3 and negatives <= NEGATIVE


def test_negative_pair_labels_where_the_target_would_be_as_background():
    targets = point_targets(make_points(16, 5), BOX, False, nano_settings().targets, np.random.default_rng(0))
    assert set(np.flatnonzero(targets.labels == 0)) == POSITIVE
    assert not (targets.labels == 1).any() and not targets.positive.any()


def test_distance_iou_loss_by_hand():
    targets = point_targets(make_points(16, 5), BOX, True, nano_settings().targets, np.random.default_rng(0))
    labels = torch.from_numpy(targets.labels.astype(np.int64))[None]
    exact = torch.from_numpy(targets.distances).reshape(1, 4, 5, 5)
    assert float(distance_iou_loss(exact, [targets], labels)) == 0.0
    # Every positive predicts a box of half the width, same height: I = 40·40, U = 80·40.
    half = exact.clone()
    half[:, 0] -= 20
    half[:, 2] -= 20
    expected = 1 - (40 * 40 + 1) / (80 * 40 + 1)
    assert float(distance_iou_loss(half, [targets], labels)) == pytest.approx(expected, rel=1e-6)


# -- the training forward and the loss ---------------------------------------------------------

@pytest.mark.parametrize("classification", ["cross_entropy", "large_margin"])
def test_loss_falls_on_a_fixed_batch(classification):
    settings = nano_settings()
    loss_settings = dataclasses.replace(settings.loss, classification=classification)
    torch.manual_seed(0)
    network = build_network("nanotrack_v2").train()
    rng = np.random.default_rng(0)
    pairs = fixed_pairs(settings.augment, (12, -8), rng)
    points = make_points(16, 16)  # the network's 16×16 score map
    targets = [point_targets(points, p.box, True, settings.targets, rng) for p in pairs]
    losses = losses_over_steps(network, pairs, targets, points, loss_settings)
    assert losses[-1]["total"] < 0.7 * losses[0]["total"], losses
    assert losses[-1]["loc"] < losses[0]["loc"] and losses[-1]["cls"] < losses[0]["cls"], losses
    assert ("rank" in losses[0]) == (classification == "large_margin")


# -- settings -------------------------------------------------------------------------------------

def error_of(data) -> str:
    with pytest.raises(ConfigError) as e:
        parse_training_settings(data, "x.yaml")
    assert "\n" not in str(e.value)
    return str(e.value)


def test_point_head_settings_errors_name_the_key(tmp_path):
    data = settings_to_dict(nano_settings())
    del data["targets"]["negative_radius"]
    assert error_of(data) == "config x.yaml: targets.negative_radius: required key is missing"
    data = settings_to_dict(nano_settings())
    data["targets"]["positive_iou"] = 0.6
    assert error_of(data).startswith("config x.yaml: targets: give either positive_iou and negative_iou")
    data = settings_to_dict(nano_settings())
    data["targets"]["negative_radius"] = 0.1
    assert error_of(data) == "config x.yaml: targets.negative_radius: must not be below targets.positive_radius"
    data = settings_to_dict(nano_settings())
    del data["initial_weights"]
    assert error_of(data) == "config x.yaml: initial_weights: required key is missing"

    def trainer_error(**changes) -> str:
        settings = dataclasses.replace(nano_settings(), **changes)
        with pytest.raises(ConfigError) as e:
            Trainer(settings, [], None, tmp_path)
        return str(e.value)
    settings = nano_settings()
    assert trainer_error(loss=dataclasses.replace(settings.loss, localisation="smooth_l1")) == (
        f"config {TRAIN_CONFIG}: loss.localisation: a point head regresses distances to the box's sides: "
        "use iou (NanoTrack's loss)")
    tiny = load_training_settings(REPO / "models" / "siammargin_tiny" / "train.yaml")
    assert trainer_error(targets=tiny.targets, initial_weights="none").endswith(
        "targets: the model of config.yaml has a point head: give positive_radius and negative_radius")
    assert trainer_error(backbone=dataclasses.replace(settings.backbone, frozen_layers=10),
                         initial_weights="none").endswith(
        "backbone.frozen_layers: this backbone has 9 layers, cannot freeze 10")


def test_the_nano_ablation_configs_differ_only_in_the_loss():
    margin = settings_to_dict(nano_settings())
    plain = settings_to_dict(load_training_settings(FOLDER / "train_no_margin.yaml"))
    assert margin["loss"].pop("classification") == "large_margin"
    assert plain["loss"].pop("classification") == "cross_entropy"
    assert margin == plain


# -- fine-tuning from the published weights -------------------------------------------------------

def published_state(path) -> dict:
    """The published file's tensors, read with torch's own safe loader (its optimizer state holds
    numpy scalars: the checkpoint module's scoped allowlist)."""
    from tracker.zoo.checkpoint import NUMPY_SCALAR_TYPES

    with torch.serialization.safe_globals(NUMPY_SCALAR_TYPES):
        return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def fine_tune_settings(weights, steps: int):
    settings = nano_settings()
    return dataclasses.replace(settings, initial_weights=str(weights), steps=steps, batch_size=4,
                               checkpoint_every=100, validate_every=1000,
                               data=dataclasses.replace(settings.data, held_out=("crossing",)))


def test_initial_weights_load_strictly(nanotrack_weights, two_sequences, tmp_path):
    published = published_state(nanotrack_weights("nanotrack_v2"))
    network = Trainer(fine_tune_settings(nanotrack_weights("nanotrack_v2"), 1), [two_sequences], None,
                      tmp_path).network
    for key, value in network.state_dict().items():
        assert torch.equal(value, published[key]), key
    with pytest.raises(CheckpointError, match="does not match architecture 'siammargin_nano'.*looks like a 'nanotrack_v1'"):
        Trainer(fine_tune_settings(nanotrack_weights("nanotrack_v1"), 1), [two_sequences], None, tmp_path)


def test_fine_tune_keeps_frozen_parts_and_loads_into_the_tracker(nanotrack_weights, two_sequences, tmp_path):
    weights = nanotrack_weights("nanotrack_v2")
    trainer = Trainer(fine_tune_settings(weights, 3), [two_sequences], None, tmp_path / "run")
    summary = trainer.run(progress=False)
    assert set(summary["validation_auc"]) == {"crossing"}
    published = published_state(weights)
    trained = trainer.network.state_dict()
    # Frozen: the stem and blocks 1-3 (frozen_layers: 4), and every backbone BatchNorm statistic.
    # Trained: the other backbone weights and the head's, whose BatchNorm statistics update too.
    for key, value in published.items():
        if key.startswith("neck.") or key.endswith("num_batches_tracked"):
            continue  # the published, never-run neck has no gradient; BN counters
        layer = int(key.split(".")[2]) if key.startswith("backbone.") else None
        statistic = key.endswith(("running_mean", "running_var"))
        fixed = layer is not None and (layer < 4 or statistic)
        changed = not torch.equal(trained[key], value)
        assert changed != fixed, key

    # model.pth loads strictly through the public API and computes what training computed.
    assert_served_as_trained(trainer.network, FOLDER / "config.yaml", tmp_path / "run" / "model.pth")


def test_initial_weights_by_model_name_are_the_models_own(nanotrack_weights, tmp_path, monkeypatch):
    """`initial_weights: nanotrack_v2` (train.yaml's) is that model's weights where the package
    keeps them; absent, one line saying how to download them."""
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path))
    with pytest.raises(CheckpointError, match=r"weights not found: .*nanotrack_v2/model\.pth.*download_weights nanotrack_v2"):
        nano_settings().initial_weights_path()
    (tmp_path / "nanotrack_v2").mkdir()
    (tmp_path / "nanotrack_v2" / "model.pth").symlink_to(nanotrack_weights("nanotrack_v2"))
    assert nano_settings().initial_weights_path() == tmp_path / "nanotrack_v2" / "model.pth"
    assert nano_settings().initial_weights == "nanotrack_v2"


def test_command_line_seed_and_steps_override_the_config(nanotrack_weights, two_sequences, tmp_path):
    import yaml

    from tracker.training.train import main

    config = settings_to_dict(fine_tune_settings(nanotrack_weights("nanotrack_v2"), 50))
    config["tracker_config"] = str(FOLDER / "config.yaml")
    (tmp_path / "train.yaml").write_text(yaml.safe_dump(config))
    assert config["seed"] != 9
    assert main([str(tmp_path / "train.yaml"), "--data", two_sequences, "--out", str(tmp_path / "run"),
                 "--seed", "9", "--steps", "1", "--threads", "1"]) == 0
    ran = yaml.safe_load((tmp_path / "run" / "settings.yaml").read_text())
    assert (ran["seed"], ran["steps"]) == (9, 1)
