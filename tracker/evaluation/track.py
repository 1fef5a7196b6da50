"""A visual check: tracks one target through a video file, an image folder or a camera, and
writes an MP4 with the box, the score and the per-frame time drawn on each frame (shown live too
when a display exists and --show is given). A progress bar (frames, ETA) goes to stderr.

    python -m tracker.evaluation.track --tracker SiamMargin --source clip.mp4 --init 100,80,40,60 --out out.mp4

Without --init the first frame opens a box selection, where a display exists.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from ..datasets.textfiles import image_files
from ..errors import TrackerError
from ..core.images import read_image
from ..config.overrides import load_with_overrides, write_effective_config
from .tracker_arguments import add_tracker_arguments, tracker_from_arguments


def frames_of(source: str) -> tuple[Iterator[np.ndarray], float, int | None]:
    """(BGR frames, frames per second, frame count or None for a camera) of a video file, an image
    folder, or a camera index."""
    import cv2
    if Path(source).is_dir():
        paths = image_files(Path(source))
        if not paths:
            raise ValueError(f"{source}: no .jpg/.png images")
        return (read_image(p) for p in paths), 30.0, len(paths)
    capture = cv2.VideoCapture(int(source) if source.isdigit() else source)
    if not capture.isOpened():
        raise ValueError(f"cannot open {source!r} as a video file, image folder or camera index")
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if not source.isdigit() else 0

    def read() -> Iterator[np.ndarray]:
        while True:
            ok, frame = capture.read()
            if not ok:
                capture.release()
                return
            yield frame
    return read(), fps if 1 <= fps <= 240 else 30.0, count if count > 0 else None


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def parse_box(text: str) -> list[float]:
    try:
        box = [float(v) for v in text.split(",")]
    except ValueError:
        box = []
    if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
        raise ValueError(f"--init {text!r}: expected x,y,w,h with positive w and h")
    return box


def annotate(frame: np.ndarray, box, score: float | None, milliseconds: float) -> np.ndarray:
    import cv2
    x, y, w, h = (int(round(v)) for v in box)
    cv2.rectangle(frame, (x, y), (x + w, y + h), (0, 255, 0), 2)
    text = f"{milliseconds:6.1f} ms" + (f"  score {score:.2f}" if score is not None else "  init")
    cv2.putText(frame, text, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(frame, text, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="track", description=__doc__.split("\n\n")[0])
    add_tracker_arguments(parser)
    parser.add_argument("--source", required=True, help="video file, image folder, or camera index (0)")
    parser.add_argument("--init", help="x,y,w,h of the target in the first frame")
    parser.add_argument("--out", required=True, type=Path, help="annotated MP4 to write")
    parser.add_argument("--max-frames", type=int, help="stop after this many frames (cameras)")
    parser.add_argument("--show", action="store_true", help="also show frames live (needs a display)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    import cv2

    from tqdm import tqdm

    from .. import load_tracker
    writer = progress = None
    try:
        config, weights, device, backend = tracker_from_arguments(args)
        _, effective = load_with_overrides(config, args.overrides)
        recorded = write_effective_config(effective, args.out.with_suffix(".config.yaml"), args.overrides)
        tracker = load_tracker(recorded, weights, device=device, backend=backend)
        frames, fps, total = frames_of(args.source)
        if args.max_frames:
            total = min(total, args.max_frames) if total else args.max_frames
        count = 0
        progress = tqdm(total=total, unit="frame", file=sys.stderr, desc="track")
        for frame in frames:
            if count == 0:
                if args.init:
                    box = parse_box(args.init)
                elif has_display():
                    box = list(cv2.selectROI("select the target, then Enter", frame, False, False))
                    cv2.destroyAllWindows()
                    parse_box(",".join(map(str, box)))
                else:
                    raise ValueError("no --init x,y,w,h and no display to select the target on")
                start = time.perf_counter()
                tracker.init(frame, box)
                score = None
            else:
                start = time.perf_counter()
                result = tracker.track(frame)
                box, score = result.bbox, result.score
            milliseconds = 1e3 * (time.perf_counter() - start)
            annotate(frame, box, score, milliseconds)
            if writer is None:
                args.out.parent.mkdir(parents=True, exist_ok=True)
                writer = cv2.VideoWriter(str(args.out), cv2.VideoWriter_fourcc(*"mp4v"), fps,
                                         (frame.shape[1], frame.shape[0]))
                if not writer.isOpened():
                    raise ValueError(f"cannot write {args.out} (OpenCV has no MP4 encoder here?)")
            writer.write(frame)
            progress.update(1)
            if args.show and has_display():
                cv2.imshow("track", frame)
                if cv2.waitKey(1) & 0xFF in (27, ord("q")):
                    break
            count += 1
            if args.max_frames and count >= args.max_frames:
                break
        if count == 0:
            raise ValueError(f"{args.source}: no frames")
    except (ValueError, TrackerError, OSError) as error:
        print(f"track: error: {error}", file=sys.stderr)
        return 2
    finally:
        if writer is not None:
            writer.release()
        if progress is not None:
            progress.close()
    print(f"{count} frames written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
