"""The NanoTrack rows beside OpenCV's TrackerNano: measured on the same frames, ratios from the raw
step times, and a clear line (no traceback) when OpenCV's ONNX files are absent."""
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SHARED_ROOT
from tracker.bench.frames import write_frames
from tracker.bench.opencv_nano import compare_with_opencv, format_opencv_nano

ONNX_FOLDER = SHARED_ROOT / "weights" / "nanotrack"
MODEL = "nanotrack_v2"


def compare(tmp_path: Path, nanotrack_weights, onnx_folder: Path, backend: str = "torch") -> dict:
    paths, region = write_frames(tmp_path / "seq", 320, 240, 4)
    return compare_with_opencv({MODEL: REPO / "models" / MODEL / "config.yaml"}, {MODEL: nanotrack_weights(MODEL)},
                               paths, region, onnx_folder, threads=(1,), repeats=1, backend=backend)


def test_ratios_come_from_steps_on_the_same_frames(tmp_path, nanotrack_weights):
    if not (ONNX_FOLDER / "nanotrack_head_sim_v2.onnx").is_file():
        pytest.skip(f"OpenCV's NanoTrack ONNX pair not found in {ONNX_FOLDER}")
    """With backend onnxruntime: exact, torch's fast path and ONNX Runtime's, each beside OpenCV."""
    result = compare(tmp_path, nanotrack_weights, ONNX_FOLDER, backend="onnxruntime")
    assert result["skipped"] is None
    row = result["by_threads"]["1"]
    opencv = row["opencv"]["steps_ms"]
    assert len(opencv) == 3 and min(opencv) > 0  # 4 frames: init on the first, 3 steps
    table = "\n".join(format_opencv_nano(result))
    assert f"OpenCV {np.median(opencv):.1f}" in table
    assert list(row["models"][MODEL]) == ["exact", "fast", "onnxruntime"]
    for path in ("exact", "fast", "onnxruntime"):
        steps = row["models"][MODEL][path]["steps_ms"]
        assert len(steps) == len(opencv) and min(steps) > 0
        ratio = float(np.median(steps) / np.median(opencv))
        assert row["models"][MODEL][path]["over_opencv"] == pytest.approx(ratio)
        assert f"{path} {np.median(steps):.1f} ({ratio:.2f}×)" in table


def test_absent_onnx_files_are_one_line_and_our_rows_still_run(tmp_path, nanotrack_weights):
    result = compare(tmp_path, nanotrack_weights, tmp_path / "no_onnx")
    lines = format_opencv_nano(result)
    reason = [line for line in lines if "not run" in line]
    assert len(reason) == 1 and "nanotrack_backbone_sim_v2.onnx" in reason[0] and "--nano-onnx" in reason[0]
    row = result["by_threads"]["1"]
    assert row["opencv"] is None and "OpenCV —" in "\n".join(lines)
    assert len(row["models"][MODEL]["fast"]["steps_ms"]) == 3
    assert "over_opencv" not in row["models"][MODEL]["fast"]
    assert list(row["models"][MODEL]) == ["exact", "fast"]  # backend torch: no ONNX Runtime row
