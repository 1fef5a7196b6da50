"""Where weights are looked for: one rule ($SIAMMARGIN_WEIGHTS or models/), used by the server
and the downloader alike, never falling back from one to the other."""
from pathlib import Path

import pytest

from conftest import REPO
from tracker import CheckpointError
from tracker.zoo.paths import REPOSITORY, weights_of, weights_path


def test_repository_is_the_checkout():
    """REPOSITORY is the checkout's root as git names it (not derived the way the code derives it),
    and holds what the code looks for there."""
    import subprocess

    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=REPO / "tests", capture_output=True,
                         text=True, check=True).stdout.strip()
    assert REPOSITORY.resolve() == Path(top).resolve()
    assert (REPOSITORY / "trackers.ini").is_file() and (REPOSITORY / "models" / "siammargin" / "config.yaml").is_file()


def test_without_the_variable_weights_are_in_models(monkeypatch):
    monkeypatch.delenv("SIAMMARGIN_WEIGHTS", raising=False)
    assert weights_path("siammargin") == REPO / "models" / "siammargin" / "model.pth"


def test_with_the_variable_weights_are_there(tmp_path, monkeypatch):
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path))
    assert weights_path("siammargin") == tmp_path / "siammargin" / "model.pth"
    with pytest.raises(CheckpointError, match=r"weights not found: .* \(looked in \$SIAMMARGIN_WEIGHTS\)"):
        weights_of("siammargin")
    (tmp_path / "siammargin").mkdir()
    (tmp_path / "siammargin" / "model.pth").write_bytes(b"x")
    assert weights_of("siammargin") == tmp_path / "siammargin" / "model.pth"


def test_the_variable_must_name_a_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path / "absent"))
    with pytest.raises(CheckpointError, match="SIAMMARGIN_WEIGHTS=.*absent is not a directory"):
        weights_of("siammargin")


def test_the_downloader_uses_the_same_rule(tmp_path, monkeypatch, capsys):
    from tracker.zoo.download import main

    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path))
    (tmp_path / "siamrpn_alex_dwxcorr").mkdir()
    (tmp_path / "siamrpn_alex_dwxcorr" / "model.pth").write_bytes(b"x")
    assert main(["siamrpn_alex_dwxcorr"]) == 0  # present: nothing is downloaded
    assert f"already present at {tmp_path / 'siamrpn_alex_dwxcorr' / 'model.pth'}" in capsys.readouterr().out


def test_fetch_writes_the_whole_file_or_nothing(tmp_path):
    """download_weights.fetch (the downloader's and the pretrained backbone's): the target appears
    with the source's bytes and SHA-256; a rejected file leaves neither target nor temporary."""
    import hashlib

    from tracker.zoo.download import fetch

    source = tmp_path / "source.bin"
    source.write_bytes(bytes(range(256)) * 5000)
    target = tmp_path / "out" / "model.bin"
    assert fetch(source.as_uri(), target) == hashlib.sha256(source.read_bytes()).hexdigest()
    assert target.read_bytes() == source.read_bytes()

    def reject(path):
        raise ValueError("not a checkpoint")

    rejected = tmp_path / "out" / "rejected.bin"
    with pytest.raises(ValueError, match="not a checkpoint"):
        fetch(source.as_uri(), rejected, check=reject)
    assert sorted(p.name for p in rejected.parent.iterdir()) == ["model.bin"]
