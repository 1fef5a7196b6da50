"""NanoTrack's published checkpoints: they load through the safe loader, the registry names them
where they are published, and the downloader keeps a file only if it has the published SHA-256.

This machine has no network access to GitHub, so the download is exercised with file:// URLs of
local files (the copies in ../shared and a stand-in checkpoint): the same fetch, hash check and
strict load as `scripts/download_weights nanotrack_v2` runs against the published URL.
"""
import hashlib
import re

import pytest
import torch

from conftest import NANOTRACK_VERSIONS, SHARED_ROOT, numpy_types_allowed_for_good
from tracker import CheckpointError
from tracker.zoo.checkpoint import read_state_dict
from tracker.zoo.download import download
from tracker.zoo.registry import MODELS, build_network

PUBLISHED_COMMIT = "248663fde6bf7c40190cf10ee396d5662919ecd3"  # HonglinChu/SiamTrackers


@pytest.mark.parametrize("model", NANOTRACK_VERSIONS)
def test_published_file_loads_safely_and_fills_every_key(model, nanotrack_weights):
    path = nanotrack_weights(model)
    with pytest.raises(Exception, match="numpy"):  # the safe loader alone refuses these files
        torch.load(path, map_location="cpu", weights_only=True)
    assert numpy_types_allowed_for_good() == []
    state = read_state_dict(path)
    assert numpy_types_allowed_for_good() == []  # allowed for that load only
    expected = build_network(model).state_dict()
    assert set(state) == set(expected)  # backbone, neck and head: nothing missing, nothing extra
    assert all(state[k].shape == v.shape for k, v in expected.items())


@pytest.mark.parametrize("model", NANOTRACK_VERSIONS)
def test_registry_names_the_published_file_and_its_sha256(model, nanotrack_weights):
    """The URL is the raw file of the published repository at the commit the weights README gives,
    and the hash is that of the file in ../shared (byte-identical to the published one)."""
    weights = nanotrack_weights(model)  # first: it skips the test where ../shared is absent
    readme = (SHARED_ROOT / "weights" / "nanotrack" / "README.md").read_text()
    assert PUBLISHED_COMMIT in readme
    version = model[-1]
    entry = MODELS[model]
    assert entry.download == ("https://raw.githubusercontent.com/HonglinChu/SiamTrackers/"
                              f"{PUBLISHED_COMMIT}/NanoTrack/models/pretrained/nanotrackv{version}.pth")
    assert re.search(rf"`{model}\.pth` \| `NanoTrack/models/pretrained/nanotrackv{version}\.pth` \| \d+ \| `{entry.sha256}`",
                     readme)
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == entry.sha256


def test_download_keeps_the_published_file(tmp_path, nanotrack_weights, capsys):
    source = nanotrack_weights("nanotrack_v2")
    target = tmp_path / "nanotrack_v2" / "model.pth"
    download("nanotrack_v2", source.as_uri(), target)
    assert target.read_bytes() == source.read_bytes()
    assert MODELS["nanotrack_v2"].sha256 in capsys.readouterr().out


def test_download_refuses_a_valid_checkpoint_with_another_hash(tmp_path, standin_weights):
    """A stand-in checkpoint loads strictly into nanotrack_v2, so only the hash check refuses it."""
    source = standin_weights("nanotrack_v2")
    target = tmp_path / "nanotrack_v2" / "model.pth"
    with pytest.raises(CheckpointError) as e:
        download("nanotrack_v2", source.as_uri(), target)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert str(e.value) == (f"the file from {source.as_uri()} has SHA-256 {digest}, expected "
                            f"{MODELS['nanotrack_v2'].sha256} (a corrupted download, or not the "
                            "published file); nothing was saved")
    assert not target.parent.exists() or list(target.parent.iterdir()) == []
