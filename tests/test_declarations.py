"""Each fact declared once: a pysot network's description is what builds it, and each tracker
parameter's bounds, pysot key and default and tuning range are declared beside it in the settings
(tracker/core/settings.py); the readers and the tuner follow those declarations. Expected values
here are written out by hand (pysot's own values from STVIR/pysot pysot/core/config.py)."""
import pytest
import yaml

from conftest import REPO
from tracker import ConfigError
from tracker.config import load_config
from tracker.config.pysot_format import ANCHOR_DEFAULTS, TRACK_DEFAULTS
from tracker.evaluation.tune import SEARCH_SPACE
from tracker.zoo import standin_weights
from tracker.zoo.checkpoint import load_weights
from tracker.zoo.pysot_network import PysotNetwork, with_defaults
from tracker.zoo.registry import MODELS, Model, build_network

MAIN = REPO / "models" / "siammargin" / "config.yaml"


def error_of(tmp_path, data) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as e:
        load_config(path)
    return str(e.value)


def test_the_tuning_space_is_the_declared_ranges_in_order():
    assert SEARCH_SPACE == {
        "tracker.penalty_k": (0.0, 0.6), "tracker.window_influence": (0.1, 0.7), "tracker.lr": (0.1, 0.8),
        "tracker.online_update.update_rate": (0.0, 0.5),
        "tracker.online_update.first_kernel_weight": (0.3, 0.9),
        "tracker.second_search.score_threshold": (0.0, 0.5)}
    assert list(SEARCH_SPACE)[:3] == ["tracker.penalty_k", "tracker.window_influence", "tracker.lr"]


def test_pysots_defaults_are_pysots():
    assert TRACK_DEFAULTS == {"TYPE": "SiamRPNTracker", "PENALTY_K": 0.04, "WINDOW_INFLUENCE": 0.44,
                              "LR": 0.4, "EXEMPLAR_SIZE": 127, "INSTANCE_SIZE": 255, "BASE_SIZE": 8,
                              "CONTEXT_AMOUNT": 0.5}
    assert {k: list(v) for k, v in ANCHOR_DEFAULTS.items() if k != "STRIDE"} == {
        "RATIOS": [0.33, 0.5, 1, 2, 3], "SCALES": [8]} and ANCHOR_DEFAULTS["STRIDE"] == 8


@pytest.mark.parametrize("key, value, problem", [
    ("online_update.update_rate", 1.5, "must be in [0, 1]"),
    ("online_update.first_kernel_weight", -0.1, "must be in [0, 1]"),
    ("online_update.context", -1, "must be in [0, inf]"),
    ("second_search.score_threshold", 2, "must be in [0, 1]"),
    ("second_search.momentum", "fast", "expected a number"),
    ("adaptive_search.large_instance_size", 351.5, "expected an integer"),
    ("adaptive_search.large_instance_size", 0, "must be in [1, inf]"),
    ("adaptive_search.area_ratio", 1.1, "must be in [0, 1]"),
    ("adaptive_search.speed_threshold", -5, "must be in [0, inf]"),
    ("anchor.stride", 0, "must be in [1, inf]"),
    ("anchor.scales", [], "expected a non-empty list of numbers"),
])
def test_our_reader_checks_each_feature_parameter_as_declared(tmp_path, key, value, problem):
    data = yaml.safe_load(MAIN.read_text())
    section, name = key.split(".")
    data["tracker"][section][name] = value
    message = error_of(tmp_path, data)
    assert f"tracker.{key}: {problem}" in message


def test_pysot_defaults_fill_the_part_kwargs():
    assert with_defaults(("mobilenetv2", {"width_mult": 1.4})) == (
        "mobilenetv2", {"width_mult": 1.4, "used_layers": [3, 5, 7]})
    assert with_defaults(("DepthwiseRPN", {})) == (
        "DepthwiseRPN", {"anchor_num": 5, "in_channels": 256, "out_channels": 256})
    assert with_defaults(("resnet18", {"x": 1})) == ("resnet18", {"x": 1})  # not implemented: as is


HALF_ALEX = PysotNetwork(backbone=("alexnetlegacy", {"width_mult": 0.5}), adjust=None,
                         rpn=("DepthwiseRPN", {"in_channels": 128, "out_channels": 128}))


def test_a_pysot_description_builds_the_network_it_describes():
    network = HALF_ALEX()
    state = network.state_dict()
    # pysot's AlexNetLegacy at width 0.5: 48, 128, 192, 192, 128 channels (int(c · 0.5))
    assert [tuple(state[f"backbone.features.{i}.weight"].shape)[:2] for i in (0, 4, 8, 11, 14)] == [
        (48, 3), (128, 48), (192, 128), (192, 192), (128, 192)]
    assert tuple(state["rpn_head.cls.head.3.weight"].shape)[:2] == (10, 128)  # 2 × 5 anchors (default)
    assert not any(key.startswith("neck.") for key in state)


@pytest.mark.parametrize("part, problem", [
    (("resnet50", {"used_layers": [2, 3]}), "only used_layers [2, 3, 4]"),
    (("mobilenetv2", {"used_layers": [7]}), "only used_layers [3, 5, 7]"),
])
def test_a_pysot_variant_not_implemented_is_refused_by_name(part, problem):
    network = PysotNetwork(backbone=part, adjust=None, rpn=("DepthwiseRPN", {}))
    with pytest.raises(ValueError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        network()


def test_a_pysot_model_is_one_entry_its_description(tmp_path, monkeypatch):
    """Registered as its pysot description only, a model is built from it, pysot's config.yaml
    naming that network loads as it, and its stand-in checkpoint loads strictly."""
    pysot_config = {"META_ARC": "siamrpn_alex_half",
                    "BACKBONE": {"TYPE": "alexnetlegacy", "KWARGS": {"width_mult": 0.5}},
                    "ADJUST": {"ADJUST": False},
                    "RPN": {"TYPE": "DepthwiseRPN", "KWARGS": {"in_channels": 128, "out_channels": 128}},
                    "TRACK": {"TYPE": "SiamRPNTracker", "INSTANCE_SIZE": 287}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(pysot_config))
    with pytest.raises(ConfigError, match="describe a network this package does not implement"):
        load_config(path)
    monkeypatch.setitem(MODELS, "alex_half", Model("alex_half", HALF_ALEX))
    config = load_config(path)
    assert config.architecture == "alex_half" and config.tracker.instance_size == 287
    assert MODELS["alex_half"].pysot == HALF_ALEX and MODELS["siammargin"].pysot is None
    checkpoint = standin_weights.write_checkpoint(tmp_path / "weights", "alex_half")
    load_weights(build_network("alex_half"), checkpoint, "alex_half")  # strict
