"""trackers.ini entries read into the TraX server's own arguments, once for the demo and the
research scripts; a missing id or a malformed command is one line naming the entry."""
import configparser

import pytest

from conftest import REPO
from tracker.vot.trackers_ini import TrackerEntry, read_tracker_entry

SERVER_CALL = "import sys; from tracker.vot.trax_server import main; sys.exit(main({}))"


def test_entries_of_the_repository_read_as_written():
    assert read_tracker_entry("SiamMargin") == TrackerEntry(
        "SiamMargin", config="models/siammargin/config.yaml", model=None, weights=None,
        weights_of="siammargin", device="cpu", exact=False)
    assert read_tracker_entry("SiamMargin_tiny_row1") == TrackerEntry(
        "SiamMargin_tiny_row1", config="models/siammargin_tiny/ablation/row1_no_margin_plain.yaml",
        model=None, weights="models/siammargin_tiny/model_no_margin.pth", weights_of=None, device="cpu",
        exact=False)
    sections = configparser.ConfigParser(interpolation=None)
    sections.read(REPO / "trackers.ini")
    assert len(sections.sections()) >= 12
    for identifier in sections.sections():  # every entry is one the server accepts
        entry = read_tracker_entry(identifier)
        assert entry.config.startswith("models/") and (entry.weights or entry.weights_of)


def test_paths_resolve_as_the_server_resolves_them(tmp_path, monkeypatch):
    config, weights = read_tracker_entry("SiamMargin_tiny").files()
    assert config.resolve() == REPO / "models" / "siammargin_tiny" / "config.yaml"
    assert weights.resolve() == REPO / "models" / "siammargin_tiny" / "model.pth"
    (tmp_path / "siammargin").mkdir()
    (tmp_path / "siammargin" / "model.pth").write_bytes(b"")
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path))
    assert read_tracker_entry("SiamMargin").files()[1] == tmp_path / "siammargin" / "model.pth"


def write_ini(folder, **commands):
    path = folder / "trackers.ini"
    path.write_text("".join(f"[{name}]\nprotocol = traxpython\ncommand = {command}\n\n"
                            for name, command in commands.items()))
    return path


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ValueError, match=f"^{tmp_path / 'none.ini'} not found: tracker ids are defined there"):
        read_tracker_entry("SiamMargin", tmp_path / "none.ini")


def test_every_argument_of_the_server_is_read(tmp_path):
    ini = write_ini(tmp_path, gpu=SERVER_CALL.format(
        "['--config', 'c.yaml', '--weights', '/w/model.pth', '--device', 'cuda:1', '--exact']"),
        tiny=SERVER_CALL.format("['--model', 'siammargin_tiny']"),
        onnx=SERVER_CALL.format("['--model', 'nanotrack_v2', '--backend', 'onnxruntime']"))
    assert read_tracker_entry("gpu", ini) == TrackerEntry("gpu", "c.yaml", None, "/w/model.pth", None,
                                                          "cuda:1", True)
    tiny = read_tracker_entry("tiny", ini)
    assert tiny == TrackerEntry("tiny", None, "siammargin_tiny", None, None, "cpu", False)
    assert tiny.backend == "torch"
    assert read_tracker_entry("onnx", ini).backend == "onnxruntime"
    assert tiny.files() == (REPO / "models" / "siammargin_tiny" / "config.yaml",
                            REPO / "models" / "siammargin_tiny" / "model.pth")


@pytest.mark.parametrize("identifier, command, message", [
    ("nope", None, "unknown tracker id 'nope': 'nope' is not in {ini}, which defines fine"),
    ("no_call", "import sys; sys.exit(0)",
     "{ini} [no_call]: command does not call the TraX server's main([...])"),
    ("not_literal", SERVER_CALL.format("['--config', sys.argv[0]]"),
     "{ini} [not_literal]: the server's arguments ['--config', sys.argv[0]] are not a list of strings"),
    ("numbers", SERVER_CALL.format("[1, 2]"),
     "{ini} [numbers]: the server's arguments [1, 2] are not a list of strings"),
    ("no_config", SERVER_CALL.format("['--weights', 'w.pth']"),
     "{ini} [no_config]: the TraX server rejects its arguments: "
     "siammargin-trax: error: one of the arguments --config --model is required"),
    ("no_weights", SERVER_CALL.format("['--config', 'c.yaml']"),
     "{ini} [no_weights]: the TraX server rejects its arguments: "
     "siammargin-trax: error: --config needs --weights or --weights-of (or use --model NAME)"),
    ("both_weights", SERVER_CALL.format("['--config', 'c.yaml', '--weights', 'w.pth', '--weights-of', 'm']"),
     "{ini} [both_weights]: the TraX server rejects its arguments: "
     "siammargin-trax: error: argument --weights-of: not allowed with argument --weights"),
])
def test_a_missing_id_or_a_malformed_command_is_one_line(tmp_path, capsys, identifier, command, message):
    commands = {"fine": SERVER_CALL.format("['--config', 'c.yaml', '--weights-of', 'm']")}
    if command is not None:
        commands = {identifier: command}
    ini = write_ini(tmp_path, **commands)
    with pytest.raises(ValueError) as error:
        read_tracker_entry(identifier, ini)
    assert str(error.value) == message.format(ini=ini)
    assert capsys.readouterr().err == ""  # argparse's usage text is not printed
