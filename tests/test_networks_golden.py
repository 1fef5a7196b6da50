"""Network outputs against the published implementations' outputs (../shared/reference/golden).

Tolerance: 1e-4 relative to the largest reference value (max |a − b| / max |b|). The networks are
deep with random stand-in weights, so float32 summation order alone (thread count, CPU kernels)
moves outputs by ~3e-5 here; a wrong layer moves them by orders of magnitude more.
"""
import numpy as np
import pytest
import torch

from conftest import PYSOT_MODELS, REPO
from tracker.config import load_config
from tracker.zoo.registry import build_network
from tracker.core.online_update import blend, sample_target_features

TOLERANCE = 1e-4


def relative_error(actual: torch.Tensor, expected: np.ndarray) -> float:
    actual = actual.detach().cpu().numpy()
    assert actual.shape == expected.shape
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def loaded_network(name, reference_state_dict):
    network = build_network(name)
    network.load_state_dict({k: torch.from_numpy(v) for k, v in reference_state_dict(name).items()})
    return network


def hwc_to_input(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).float()


@pytest.mark.parametrize("name", PYSOT_MODELS)
@torch.inference_mode()
def test_pysot_network_outputs(name, reference_state_dict, golden):
    g = golden(name)
    network = loaded_network(name, reference_state_dict)
    kernels, template_features = network.template(torch.from_numpy(g["z"]).float())
    levels = [k for k in g.files if k.startswith("zf")]
    assert len(template_features) == len(levels)
    for i, features in enumerate(template_features):
        assert relative_error(features, g[f"zf{i}"]) < TOLERANCE
    output = network.search(torch.from_numpy(g["x"]).float(), kernels)
    assert relative_error(output.cls, g["cls"]) < TOLERANCE
    assert relative_error(output.loc, g["loc"]) < TOLERANCE


@torch.inference_mode()
def test_siammargin_network_kernel_update_and_351(reference_state_dict, golden):
    g = golden("siammargin")
    settings = load_config(REPO / "models" / "siammargin" / "config.yaml").tracker
    network = loaded_network("siammargin", reference_state_dict)
    kernels, _ = network.template(hwc_to_input(g["z"]))
    assert relative_error(kernels.cls[0], g["kernel"]) < TOLERANCE

    output = network.search(hwc_to_input(g["x"]), kernels)
    assert relative_error(output.cls, g["cls"]) < TOLERANCE
    assert relative_error(output.loc, g["loc"]) < TOLERANCE

    # One online update from the features of that search.
    pos_x, pos_y, w, h, score = g["upd_args"]
    update = settings.online_update
    sample = sample_target_features(output.features[0], np.array([pos_x, pos_y]), np.array([w, h]),
                                    update.context, settings.anchor.stride, 7, 16)
    new_kernel = network.cls_kernels([sample])[0]
    first = kernels.cls[0]
    _, updated = blend(first, first, new_kernel, update.update_rate * score, update.first_kernel_weight)
    assert relative_error(updated, g["upd_kernel"]) < TOLERANCE
    # The update must actually change the kernel, or this test would prove nothing.
    assert relative_error(first, g["upd_kernel"]) > 10 * TOLERANCE

    kernels.cls[0] = updated
    output351 = network.search(hwc_to_input(g["x351"]), kernels)
    assert output351.cls.shape[-1] == 37
    assert relative_error(output351.cls, g["cls351"]) < TOLERANCE
    assert relative_error(output351.loc, g["loc351"]) < TOLERANCE
