"""track: a short MP4 built from real frames in, an annotated MP4 with every frame out, each
frame's box where the tracker put it (checked against the tracker run here on the same decoded
frames), a progress bar."""
from __future__ import annotations

import cv2
import numpy as np

from conftest import REPO
from dataset_layouts import source, steady_weights
from tracker.evaluation.track import main

ALEX = str(REPO / "models" / "siamrpn_alex_dwxcorr" / "config.yaml")
FRAMES = 9


def frame_count(path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    return count


def decoded(path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def green_top_edge(frame: np.ndarray, box) -> float:
    """How much greener than red or blue the top edge of `box` is in `frame` (a drawn box: > 100)."""
    x, y, w, h = (int(round(v)) for v in box)
    edge = frame[y, x + w // 4: x + 3 * w // 4].astype(int)
    return float(np.mean(edge[:, 1] - edge[:, [0, 2]].max(axis=1)))


def test_video_in_annotated_mp4_out(tmp_path, standin_weights, monkeypatch, capsys):
    weights = steady_weights(standin_weights("siamrpn_alex_dwxcorr"), tmp_path / "steady.pth")
    images, boxes = source("crossing", FRAMES)
    first = cv2.imread(str(images[0]))
    clip = cv2.VideoWriter(str(tmp_path / "clip.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 25,
                           (first.shape[1], first.shape[0]))
    for image in images:
        clip.write(cv2.imread(str(image)))
    clip.release()
    init = ",".join(f"{v:g}" for v in boxes[0])
    out = tmp_path / "out" / "tracked.mp4"
    assert main(["--config", ALEX, "--weights", str(weights), "--source", str(tmp_path / "clip.mp4"),
                 "--init", init, "--out", str(out)]) == 0
    assert frame_count(out) == FRAMES
    assert cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FPS) == 25
    assert f"{FRAMES}/{FRAMES}" in capsys.readouterr().err          # the progress bar
    # The tracker on the same decoded frames: each annotated frame has its box drawn in green.
    from tracker import load_tracker
    tracker = load_tracker(ALEX, weights=weights)
    inputs = decoded(tmp_path / "clip.mp4")
    tracker.init(inputs[0], list(boxes[0]))
    tracked = [boxes[0]] + [tracker.track(frame).bbox for frame in inputs[1:]]
    assert np.abs(np.subtract(tracked[-1][:2], boxes[0][:2])).max() > 5     # the box moved
    for annotated, box in zip(decoded(out), tracked):
        assert green_top_edge(annotated, box) > 100

    # An image folder works too; with no --init and no display: one clear error.
    assert main(["--config", ALEX, "--weights", str(weights), "--source", str(images[0].parent),
                 "--init", init, "--out", str(tmp_path / "folder.mp4"), "--max-frames", "4"]) == 0
    assert frame_count(tmp_path / "folder.mp4") == 4
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    capsys.readouterr()
    assert main(["--config", ALEX, "--weights", str(weights), "--source", str(tmp_path / "clip.mp4"),
                 "--out", str(tmp_path / "x.mp4")]) == 2
    assert "no --init x,y,w,h and no display" in capsys.readouterr().err
