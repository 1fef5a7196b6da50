"""A registered model by name: load_tracker("siammargin_tiny") and `siammargin-trax --model` mean
the model's shipped config and its own weights (committed ones, or downloaded ones where
$SIAMMARGIN_WEIGHTS or models/ holds them). tests/test_wheel.py checks the same installed."""
import pytest

from conftest import REPO
from test_api import frames
from tracker import CheckpointError, ConfigError, load_tracker
from tracker.zoo.paths import model_config, model_files, weights_of

TINY = REPO / "models" / "siammargin_tiny"
ALEX = "siamrpn_alex_dwxcorr"


def boxes(tracker) -> list:
    """The tracker's boxes on test_api's few frames (a coloured square drifting over noise)."""
    images = frames()
    tracker.init(images[0], (80, 60, 40, 40))
    return [tracker.track(image).bbox for image in images[1:]]


def test_a_model_name_means_its_shipped_config_and_committed_weights():
    assert model_config("siammargin_tiny") == TINY / "config.yaml"
    by_name = load_tracker("siammargin_tiny")
    from_files = load_tracker(TINY / "config.yaml", weights=TINY / "model.pth")
    assert boxes(by_name) == boxes(from_files)


def test_committed_weights_do_not_follow_the_weights_variable(tmp_path, monkeypatch):
    """$SIAMMARGIN_WEIGHTS is where downloaded weights are; ours ship with the project."""
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path))
    assert weights_of("siammargin_tiny") == TINY / "model.pth"
    assert model_files("siammargin_tiny", None) == (TINY / "config.yaml", TINY / "model.pth")  # load_tracker's


def test_a_published_model_by_name_uses_its_downloaded_weights(standin_weights, monkeypatch, tmp_path):
    downloaded = standin_weights(ALEX)  # FOLDER/siamrpn_alex_dwxcorr/model.pth
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(downloaded.parent.parent))
    from_files = load_tracker(REPO / "models" / ALEX / "config.yaml", weights=downloaded)
    assert boxes(load_tracker(ALEX)) == boxes(from_files)
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path))  # an empty folder
    with pytest.raises(CheckpointError, match=rf"weights not found: {tmp_path}/{ALEX}/model.pth"):
        load_tracker(ALEX)
    # explicit weights win over the model's own
    assert model_files(ALEX, downloaded) == (REPO / "models" / ALEX / "config.yaml", downloaded)


def test_a_config_file_needs_weights():
    with pytest.raises(CheckpointError, match="no weights given for the config .*config.yaml: pass weights="):
        load_tracker(TINY / "config.yaml")
    with pytest.raises(ConfigError, match="unknown model 'siammargin_huge'; registered models: nanotrack_v1, "
                                          "nanotrack_v2, nanotrack_v3, siammargin, "):
        model_config("siammargin_huge")


def test_the_trax_server_takes_a_model_name_or_a_config_with_weights(capsys):
    from tracker.vot.trax_server import parse_args

    args = parse_args(["--model", "siammargin_tiny"])
    assert (args.model, args.config, args.weights, args.weights_of) == ("siammargin_tiny", None, None, None)
    for argv, message in [(["--config", "c.yaml"], "--config needs --weights or --weights-of"),
                          (["--model", "siammargin_tiny", "--config", "c.yaml"], "not allowed with argument"),
                          (["--model", "siammargin_huge"], "invalid choice: 'siammargin_huge'")]:
        with pytest.raises(SystemExit) as end:
            parse_args(argv)
        assert end.value.code == 2 and message in capsys.readouterr().err
