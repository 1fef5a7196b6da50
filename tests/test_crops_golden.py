"""Crops equal pysot's get_subwindow output, byte for byte, including windows leaving the image."""
import numpy as np
import pytest

from conftest import PYSOT_MODELS
from tracker.core.geometry import channel_fill, crop_and_resize


@pytest.mark.parametrize("name", PYSOT_MODELS)
@pytest.mark.parametrize("index", [0, 1, 2])
def test_crop_equals_reference(name, index, golden):
    g = golden(name)
    frame = golden("sequence")["frames"][0]
    cx, cy, original_size, model_size = g[f"crop{index}_args"]
    crop = crop_and_resize(frame, (cx, cy), int(model_size), int(original_size), channel_fill(frame),
                           "half_up")
    expected = g[f"crop{index}"][0].transpose(1, 2, 0)
    assert crop.dtype == np.uint8
    np.testing.assert_array_equal(crop, expected)


def test_reference_crops_cover_outside_and_inside_windows(golden):
    """Guards the test above: the golden crops include windows that leave the image."""
    g = golden("siamrpn_r50_l234_dwxcorr")
    height, width = golden("sequence")["frames"][0].shape[:2]
    outside = 0
    for index in range(3):
        cx, cy, size, _ = g[f"crop{index}_args"]
        outside += cx - size / 2 < 0 or cy - size / 2 < 0 or cx + size / 2 > width or cy + size / 2 > height
    assert outside >= 2
