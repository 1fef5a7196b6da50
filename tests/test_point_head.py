"""The point head (NanoTrack): its grid and decoding against cells worked out by hand, and its
config section, validated with errors naming the key."""
import dataclasses

import numpy as np
import pytest
import yaml

from conftest import REPO
from tracker import ConfigError
from tracker.config import load_config
from tracker.config.overrides import load_with_overrides
from tracker.core.geometry import decode_points, make_points

NANOTRACK_CONFIG = REPO / "models" / "nanotrack_v2" / "config.yaml"
ANCHOR_CONFIG = REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml"


def test_grid_of_16_cells_is_not_symmetric():
    points = make_points(16, 16)
    assert points.shape == (256, 2) and points.dtype == np.float32
    assert points[0].tolist() == [-128, -128]     # row 0, column 0
    assert points[1].tolist() == [-112, -128]     # row 0, column 1: x moves first
    assert points[16].tolist() == [-128, -112]    # row 1, column 0
    assert points[8 * 16 + 8].tolist() == [0, 0]  # the crop centre is cell (8, 8), not the middle
    assert points[255].tolist() == [112, 112]     # the last cell stops one stride short of 128


def test_grid_of_15_cells_is_symmetric():
    points = make_points(16, 15)
    assert points[0].tolist() == [-112, -112]
    assert points[7 * 15 + 7].tolist() == [0, 0]
    assert points[224].tolist() == [112, 112]


def test_distances_decode_to_boxes_around_their_point():
    points = make_points(16, 2)  # (-16, -16), (0, -16), (-16, 0), (0, 0)
    distances = np.zeros((4, 4), np.float32)
    distances[:, 0] = [5, 5, 5, 5]     # left, top, right, bottom of cell 0
    distances[:, 3] = [10, 4, 30, 8]   # cell 3, at the centre
    distances[:, 1] = [0.5, 0, 0, 0]   # cell 1: a box of zero height, half a pixel wide
    boxes = decode_points(distances, points)
    assert boxes.dtype == np.float32 and boxes.shape == (4, 4)
    # x1 = -16 - 5, x2 = -16 + 5 → centre -16, width 10; the same in y.
    assert boxes[:, 0].tolist() == [-16, -16, 10, 10]
    # x1 = 0 - 10 = -10, x2 = 0 + 30 = 30 → cx 10, w 40; y1 = -4, y2 = 8 → cy 2, h 12.
    assert boxes[:, 3].tolist() == [10, 2, 40, 12]
    # x1 = -0.5, x2 = 0 → cx -0.25, w 0.5; the point is at y = -16.
    assert boxes[:, 1].tolist() == [-0.25, -16, 0.5, 0]
    assert boxes[:, 2].tolist() == [-16, 0, 0, 0]  # zero distances: a point-sized box on the point


@pytest.mark.parametrize("model, settings", [
    ("nanotrack_v1", (0.462, 0.148, 0.39, 16)),
    ("nanotrack_v2", (0.49, 0.15, 0.385, 16)),
    ("nanotrack_v3", (0.455, 0.138, 0.348, 15)),
])
def test_configs_have_the_published_settings(model, settings):
    """The values of NanoTrack's configv1/2/3.yaml and its score map sides."""
    t = load_config(REPO / "models" / model / "config.yaml").tracker
    assert (t.window_influence, t.penalty_k, t.lr, t.score_size(t.instance_size)) == settings
    assert (t.exemplar_size, t.instance_size, t.context_amount, t.crop_rounding) == (127, 255, 0.5, "half_up")
    assert t.points.stride == 16 and t.anchor is None
    assert not (t.online_update.enabled or t.second_search.enabled or t.adaptive_search.enabled)


def config_error(tmp_path, source, change) -> str:
    data = yaml.safe_load(source.read_text())
    change(data["tracker"])
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert "\n" not in str(e.value)
    return str(e.value)


def test_a_point_head_with_an_anchor_section_is_refused(tmp_path):
    def anchors_instead(tracker):
        del tracker["points"]
        tracker["anchor"] = {"stride": 16, "ratios": [1], "scales": [8]}
    message = config_error(tmp_path, NANOTRACK_CONFIG, anchors_instead)
    assert message.endswith("tracker.anchor: architecture 'nanotrack_v2' has a point head (NanoTrack): "
                            "its outputs are described by tracker.points, not tracker.anchor")


def test_an_anchor_head_with_a_points_section_is_refused(tmp_path):
    message = config_error(tmp_path, ANCHOR_CONFIG, lambda tracker: tracker.update(points={"stride": 8}))
    assert "tracker.points: architecture 'siamrpn_alex_dwxcorr' has an anchor head" in message


def test_a_point_head_needs_its_points_section(tmp_path):
    message = config_error(tmp_path, NANOTRACK_CONFIG, lambda tracker: tracker.pop("points"))
    assert message.endswith("tracker.points: required key is missing")


@pytest.mark.parametrize("points, problem", [
    ({"stride": 7.5}, "tracker.points.stride: expected an integer"),
    ({"stride": 0}, "tracker.points.stride: must be in [1, inf]"),
    ({"stride": 16, "ratios": [1]}, "tracker.points.ratios: unknown key; allowed here: stride"),
    ([16], "tracker.points: expected a mapping"),
])
def test_bad_points_section(tmp_path, points, problem):
    assert problem in config_error(tmp_path, NANOTRACK_CONFIG, lambda tracker: tracker.update(points=points))


@pytest.mark.parametrize("row, switched_on", [
    ("row1_published", []),
    ("row2_search", ["second_search", "adaptive_search"]),
    ("row3_update", ["online_update", "second_search", "adaptive_search"]),
])
def test_ablation_rows_differ_from_the_published_tracker_only_by_their_switches(row, switched_on):
    published = load_config(NANOTRACK_CONFIG).tracker
    t = load_config(REPO / "models" / "nanotrack_v2" / "ablation" / f"{row}.yaml").tracker
    features = ("online_update", "second_search", "adaptive_search")
    assert [name for name in features if getattr(t, name).enabled] == switched_on
    assert dataclasses.replace(t, **{name: getattr(published, name) for name in features}) == published


def test_a_point_head_feature_switch_is_validated(tmp_path):
    def update_without_rate(tracker):
        tracker["online_update"] = {"enabled": True, "first_kernel_weight": 0.6, "context": 0.5}
    message = config_error(tmp_path, NANOTRACK_CONFIG, update_without_rate)
    assert message.endswith("tracker.online_update.update_rate: required key is missing")


def test_overrides_reach_the_points_section():
    config, effective = load_with_overrides(NANOTRACK_CONFIG, ["tracker.points.stride=8"])
    assert config.tracker.points.stride == 8 and "anchor" not in effective["tracker"]


def test_training_refuses_anchor_targets_for_a_point_head_model_in_one_line(tmp_path):
    from tracker.training.settings import load_training_settings
    from tracker.training.train import Trainer

    settings = load_training_settings(REPO / "models" / "siammargin_tiny" / "train.yaml")
    settings = dataclasses.replace(settings, tracker_config=str(NANOTRACK_CONFIG))
    with pytest.raises(ConfigError) as e:
        Trainer(settings, [], None, tmp_path)
    assert str(e.value) == (f"config {settings.source}: targets: the model of {NANOTRACK_CONFIG} has a point "
                            "head: give positive_radius and negative_radius")
