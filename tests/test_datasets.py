"""Dataset readers on small fixtures of each layout (real JPEGs from ../shared, linked)."""
from __future__ import annotations

import numpy as np
import pytest

from dataset_layouts import (got10k_layout, lasot_layout, otb_layout, source, uav123_layout,
                             vot_layout)
from tracker.datasets import load_dataset


def by_name(sequences):
    return {s.name: s for s in sequences}


def test_vot(tmp_path):
    root = vot_layout(tmp_path / "vot")
    (root / "bike1" / "occlusion.tag").write_text("0\n1\n1\n")   # a tag file may stop early
    sequences = by_name(load_dataset(root, "vot"))
    assert list(sequences) == ["bike1", "crossing"]
    images, boxes = source("crossing", 12)
    assert sequences["crossing"].frames[-1].endswith("crossing/color/00000012.jpg")
    np.testing.assert_array_equal(sequences["crossing"].boxes(), boxes)
    np.testing.assert_array_equal(sequences["bike1"].attributes["occlusion"][:4], [0, 1, 1, 0])


def test_otb_frame_ranges_and_two_targets(tmp_path):
    sequences = by_name(load_dataset(otb_layout(tmp_path / "otb"), "otb"))
    assert sorted(sequences) == ["BlurCar3", "Crossing", "Human4", "Jogging-1", "Jogging-2", "Tiger1"]
    images, boxes = source("crossing", 15)
    crossing = sequences["Crossing"]
    assert len(crossing) == 10 and crossing.frames[0].endswith("Crossing/img/0001.jpg")
    np.testing.assert_array_equal(crossing.boxes(), boxes[:10])   # numbers as in the file (tabs)
    blurcar = sequences["BlurCar3"]   # annotated from image 3 on (OTB's configSeqs)
    assert len(blurcar) == 10 and blurcar.frames[0].endswith("BlurCar3/img/0003.jpg")
    np.testing.assert_array_equal(blurcar.boxes()[0], boxes[2])
    tiger = sequences["Tiger1"]       # first 5 frames omitted, image and box together
    assert len(tiger) == 10 and tiger.frames[0].endswith("Tiger1/img/0006.jpg")
    np.testing.assert_array_equal(tiger.boxes()[0], boxes[5])
    np.testing.assert_array_equal(sequences["Jogging-2"].boxes(), boxes[:10] + 1)
    # The names pysot and pytracking give their results files (eval_results finds them by these).
    assert sequences["Jogging-2"].aliases == ("Jogging_2",)
    assert sequences["Human4"].aliases == ("Human4-2", "Human4_2")
    np.testing.assert_array_equal(sequences["Human4"].boxes(), boxes[:10] + 2)


def test_uav123_subsequences_nan_and_attributes(tmp_path):
    sequences = by_name(load_dataset(uav123_layout(tmp_path / "uav"), "uav123"))
    assert sorted(sequences) == ["bike1", "truck4_1", "truck4_2"]
    assert sequences["truck4_1"].frames[0].endswith("truck4/000001.jpg")
    assert sequences["truck4_2"].frames[0].endswith("truck4/000577.jpg")
    assert sequences["truck4_2"].frames[-1].endswith("truck4/000586.jpg")
    bike = sequences["bike1"]
    assert np.isnan(bike.groundtruth[3]).all() and np.isfinite(bike.groundtruth[4]).all()
    assert bike.sequence_attributes == ("scale_variation", "fast_motion", "camera_motion")


def test_lasot_nested_with_flags(tmp_path):
    sequences = by_name(load_dataset(lasot_layout(tmp_path / "lasot"), "lasot"))
    assert sorted(sequences) == ["car-1", "person-3"]
    car = sequences["car-1"]
    assert car.frames[9].endswith("car/car-1/img/00000010.jpg")
    np.testing.assert_array_equal(car.attributes["full_occlusion"], [0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(car.boxes(), source("car10", 10)[1])


def test_got10k_val_and_test(tmp_path):
    val = by_name(load_dataset(got10k_layout(tmp_path / "val", "val"), "got10k"))
    sequence = val["GOT-10k_Val_000001"]
    assert len(sequence) == 10 and sequence.attributes["absence"][5] == 1
    np.testing.assert_array_equal(sequence.boxes(), source("boat1", 10)[1])
    test = by_name(load_dataset(got10k_layout(tmp_path / "test", "test"), "got10k"))
    sequence = test["GOT-10k_Test_000002"]
    assert len(sequence) == 10
    np.testing.assert_array_equal(sequence.groundtruth[0], source("group1", 1)[1][0])
    assert all(np.isnan(box).all() for box in sequence.groundtruth[1:])


@pytest.mark.parametrize("layout", ["otb", "uav123", "lasot", "got10k", "vot"])
def test_wrong_folder_is_one_clear_error(tmp_path, layout):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="empty"):
        load_dataset(tmp_path / "empty", layout)


def test_missing_frames_named(tmp_path):
    root = lasot_layout(tmp_path / "lasot")
    (root / "car" / "car-1" / "img" / "00000007.jpg").unlink()
    with pytest.raises(ValueError, match="00000007.jpg"):
        load_dataset(root, "lasot")
