"""Config loading: shipped configs are valid; bad ones fail naming the file and the key."""
import dataclasses

import pytest
import yaml

from conftest import NANOTRACK_VERSIONS, PYSOT_MODELS, REPO, pysot_config_file
from tracker import ConfigError
from tracker.config import load_config

# Tracker configs (training configs, models/*/train*.yaml, are tests/test_training.py's).
# Tracker configs: every YAML of models/ but training configs (train*.yaml) and ablation specs
# (ablation.yaml, read by scripts/ablation).
SHIPPED = sorted(p for p in (REPO / "models").rglob("*.yaml")
                 if not p.name.startswith("train") and p.name != "ablation.yaml")
MAIN = REPO / "models" / "siammargin" / "config.yaml"


def write(tmp_path, data, name="config.yaml"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def main_config_data():
    return yaml.safe_load(MAIN.read_text())


def error_of(tmp_path, data) -> str:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, data))
    assert "\n" not in str(e.value)
    return str(e.value)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_configs_load(path):
    config = load_config(path)
    assert config.architecture in {"siammargin", "siammargin_tiny", "siammargin_nano", *PYSOT_MODELS, *NANOTRACK_VERSIONS}


def test_every_model_folder_exists():
    for name in ["siammargin", "siammargin_tiny", "siammargin_nano", *PYSOT_MODELS, *NANOTRACK_VERSIONS]:
        assert (REPO / "models" / name / "config.yaml").is_file()


def test_ablation_rows_are_the_talks_rows():
    rows = {p.stem: load_config(p) for p in (REPO / "models" / "siammargin" / "ablation").glob("*.yaml")}
    features = {name: (c.architecture, c.tracker.online_update.enabled, c.tracker.second_search.enabled,
                       c.tracker.adaptive_search.enabled) for name, c in rows.items()}
    assert features == {
        "row1_pysot_r50": ("siamrpn_r50_l234_dwxcorr", False, False, False),
        "row2_r50_search": ("siamrpn_r50_l234_dwxcorr", False, True, True),
        "row3_margin_no_update": ("siammargin", False, True, True),
        "row4_submission": ("siammargin", True, True, True),
    }
    assert rows["row4_submission"].tracker == load_config(MAIN).tracker


def test_ablation_row1_is_pysots_r50_config():
    row1 = load_config(REPO / "models" / "siammargin" / "ablation" / "row1_pysot_r50.yaml")
    assert row1.tracker == load_config(pysot_config_file("siamrpn_r50_l234_dwxcorr")).tracker


def test_submission_settings():
    t = load_config(MAIN).tracker
    assert (t.penalty_k, t.window_influence, t.lr, t.context_amount) == (0.04, 0.38, 0.28, 0.5)
    assert (t.online_update.update_rate, t.online_update.first_kernel_weight) == (0.18, 0.60)
    assert (t.adaptive_search.large_instance_size, t.adaptive_search.area_ratio,
            t.adaptive_search.speed_threshold) == (351, 0.004, 80)
    assert (t.second_search.score_threshold, t.second_search.momentum) == (0.1, 0.9)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.yaml")


@pytest.mark.parametrize("text, problem", [("", "empty"), ("tracker: [unclosed", "not valid YAML"),
                                           ("- a list", "expected a mapping")])
def test_unreadable_files(tmp_path, text, problem):
    assert problem in error_of(tmp_path, text)


def test_unknown_key_is_named(tmp_path):
    data = main_config_data()
    data["tracker"]["online_update"]["rate"] = 0.5
    assert "tracker.online_update.rate: unknown key" in error_of(tmp_path, data)


def test_unknown_top_level_key_is_named(tmp_path):
    data = main_config_data()
    data["weights"] = "x.pth"
    assert "weights: unknown key" in error_of(tmp_path, data)


def test_missing_key_is_named(tmp_path):
    data = main_config_data()
    del data["tracker"]["window_influence"]
    assert "tracker.window_influence: required key is missing" in error_of(tmp_path, data)


@pytest.mark.parametrize("key, value, problem", [
    ("lr", "fast", "expected a number"),
    ("lr", -0.1, "must be in [0"),
    ("window_influence", 1.5, "must be in [0, 1]"),
    ("instance_size", 255.5, "expected an integer"),
    ("penalty_k", float("nan"), "must be finite"),
    ("crop_rounding", "up", "expected one of half_up, half_even"),
])
def test_bad_values_are_named(tmp_path, key, value, problem):
    data = main_config_data()
    data["tracker"][key] = value
    message = error_of(tmp_path, data)
    assert f"tracker.{key}:" in message and problem in message


def test_enabled_feature_needs_its_parameters_and_disabled_does_not(tmp_path):
    data = main_config_data()
    del data["tracker"]["second_search"]["momentum"]
    assert "tracker.second_search.momentum: required key is missing" in error_of(tmp_path, data)
    data["tracker"]["second_search"] = {"enabled": False}
    assert load_config(write(tmp_path, data)).tracker.second_search.enabled is False


def test_feature_switch_must_be_boolean(tmp_path):
    data = main_config_data()
    data["tracker"]["online_update"]["enabled"] = "yes"
    assert "tracker.online_update.enabled: expected true or false" in error_of(tmp_path, data)


def test_unknown_architecture(tmp_path):
    data = main_config_data()
    data["architecture"] = "siamfc"
    assert "architecture: unknown architecture 'siamfc'" in error_of(tmp_path, data)


def test_anchor_count_must_match_the_networks(tmp_path):
    data = main_config_data()
    data["tracker"]["anchor"]["ratios"] = [0.5, 1, 2]
    assert "5 anchors" in error_of(tmp_path, data)


# -- pysot's config.yaml ----------------------------------------------------------------------

def pysot_data(name="siamrpn_r50_l234_dwxcorr"):
    return yaml.safe_load(pysot_config_file(name).read_text())


@pytest.mark.parametrize("name", PYSOT_MODELS)
def test_pysot_configs_load_unchanged(name):
    config = load_config(pysot_config_file(name))
    assert config.architecture == name
    expected = {"siamrpn_r50_l234_dwxcorr": (0.05, 0.42, 0.38, 255),
                "siamrpn_alex_dwxcorr": (0.16, 0.40, 0.30, 287),
                "siamrpn_mobilev2_l234_dwxcorr": (0.04, 0.4, 0.5, 255)}[name]
    t = config.tracker
    assert (t.penalty_k, t.window_influence, t.lr, t.instance_size) == expected
    assert not (t.online_update.enabled or t.second_search.enabled or t.adaptive_search.enabled)


def test_pysot_defaults_fill_absent_track_keys(tmp_path):
    data = pysot_data()
    del data["TRACK"]["WINDOW_INFLUENCE"], data["TRACK"]["CONTEXT_AMOUNT"]
    t = load_config(write(tmp_path, data)).tracker
    assert (t.window_influence, t.context_amount) == (0.44, 0.5)  # pysot/core/config.py defaults


def test_pysot_otb_variant_shares_the_network(tmp_path):
    data = pysot_data()
    data["META_ARC"] = "siamrpn_r50_l234_dwxcorr_otb"
    data["TRACK"]["PENALTY_K"] = 0.24
    config = load_config(write(tmp_path, data))
    assert config.architecture == "siamrpn_r50_l234_dwxcorr" and config.tracker.penalty_k == 0.24


@pytest.mark.parametrize("edit, problem", [
    (lambda d: d["TRACK"].update(NEW_KEY=1), "TRACK.NEW_KEY: unknown key"),
    (lambda d: d.update(EXTRA={}), "EXTRA: unknown pysot config section"),
    (lambda d: d["MASK"].update(MASK=True), "MASK.MASK: SiamMask models"),
    (lambda d: d["TRACK"].update(TYPE="SiamRPNLTTracker"), "TRACK.TYPE: only SiamRPNTracker"),
    (lambda d: d["BACKBONE"].update(TYPE="resnet18"), "BACKBONE/ADJUST/RPN describe a network"),
    (lambda d: d["RPN"]["KWARGS"].update(weighted=False), "BACKBONE/ADJUST/RPN describe a network"),
    (lambda d: d["ANCHOR"].update(ANCHOR_NUM=3), "ANCHOR.ANCHOR_NUM"),
    (lambda d: d["TRACK"].update(LR=-1), "TRACK.LR: must be in"),
])
def test_unsupported_pysot_configs(tmp_path, edit, problem):
    data = pysot_data()
    edit(data)
    assert problem in error_of(tmp_path, data)


def test_configs_are_immutable():
    config = load_config(MAIN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.tracker.lr = 1.0


# -- one registry, one home for defaults -------------------------------------------------------

def test_a_registered_model_is_known_everywhere_from_its_one_entry(tmp_path, monkeypatch):
    """Adding a model is one entry in tracker/zoo/registry.py: configs accept it, build_network builds
    it, the checkpoint loader, the stand-in writer and the downloader see it."""
    from tracker.zoo import download as download_weights, standin_weights
    from tracker.zoo.checkpoint import load_weights
    from tracker.zoo.registry import MODELS, Model, build_network
    from tracker.nets.siamese import SiamMarginNet

    data = main_config_data()
    data["architecture"] = "siammargin_copy"
    assert "unknown architecture 'siammargin_copy'" in error_of(tmp_path, data)
    monkeypatch.setitem(MODELS, "siammargin_copy", Model("siammargin_copy", SiamMarginNet))
    assert load_config(write(tmp_path, data)).architecture == "siammargin_copy"
    checkpoint = standin_weights.write_checkpoint(tmp_path / "weights", "siammargin_copy")
    load_weights(build_network("siammargin_copy"), checkpoint, "siammargin_copy")  # strict
    # no download source: the downloader does not offer it
    with pytest.raises(SystemExit):
        download_weights.main(["siammargin_copy"])


def test_an_off_feature_keeps_no_parameters(tmp_path):
    data = main_config_data()
    data["tracker"]["second_search"]["enabled"] = False
    stated = load_config(write(tmp_path, data, "stated.yaml")).tracker.second_search
    data["tracker"]["second_search"] = {"enabled": False}
    omitted = load_config(write(tmp_path, data, "omitted.yaml")).tracker.second_search
    assert stated == omitted and (stated.score_threshold, stated.momentum) == (None, None)
    data["tracker"]["second_search"] = {"enabled": False, "momentum": "high"}  # still checked
    assert "tracker.second_search.momentum: expected a number" in error_of(tmp_path, data)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_config_to_dict_writes_our_format_back(tmp_path, path):
    from tracker.config import config_to_dict

    config = load_config(path)
    again = load_config(write(tmp_path, config_to_dict(config)))
    assert (again.architecture, again.tracker) == (config.architecture, config.tracker)
