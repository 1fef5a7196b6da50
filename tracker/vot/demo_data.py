"""A small synthetic dataset in the VOT format, so the whole chain runs offline.

Each sequence has a textured target on a textured background that moves, changes scale and
rotates, is occluded for a stretch, and meets a look-alike distractor. Rotating targets are
annotated with polygons (8 numbers a line), the others with rectangles (x, y, w, h), as VOT
datasets mix both. Everything is drawn from a seeded generator: the same arguments always write
the same files.

    python -m tracker.vot.demo_data OUT_DIR [--sequences 3] [--frames 120]
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 320, 240


@dataclass(frozen=True)
class Motion:
    """Where the target is at frame t (0..1 through the sequence)."""
    cx0: float
    cy0: float
    amp_x: float
    amp_y: float
    w: float
    h: float
    scale_amp: float
    spin: float          # total rotation in radians (0: axis-aligned, rectangle annotation)
    phase: float

    def at(self, t: float) -> tuple[float, float, float, float, float]:
        angle = 2 * math.pi * t + self.phase
        scale = 1 + self.scale_amp * math.sin(2 * angle)
        return (self.cx0 + self.amp_x * math.sin(angle), self.cy0 + self.amp_y * math.sin(2 * angle),
                self.w * scale, self.h * scale, self.spin * t)


def _texture(rng: np.random.Generator, height: int, width: int, cell: int) -> np.ndarray:
    """Smooth colour noise: random cells upscaled, plus a little fine grain."""
    coarse = rng.integers(0, 256, (max(2, height // cell), max(2, width // cell), 3), dtype=np.uint8)
    smooth = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    grain = rng.integers(-12, 13, (height, width, 3))
    return np.clip(smooth.astype(np.int16) + grain, 0, 255).astype(np.uint8)


def _corners(cx: float, cy: float, w: float, h: float, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    half = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    return half @ np.array([[c, s], [-s, c]]) + (cx, cy)


def _paste(frame: np.ndarray, patch: np.ndarray, corners: np.ndarray) -> None:
    """Warps `patch` onto the quadrilateral `corners` of `frame`."""
    ph, pw = patch.shape[:2]
    source = np.float32([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]])
    matrix = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    warped = cv2.warpPerspective(patch, matrix, (frame.shape[1], frame.shape[0]))
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (frame.shape[1], frame.shape[0]))
    frame[mask > 127] = warped[mask > 127]


def write_sequence(folder: Path, seed: int, frames: int, polygon: bool, fps: int,
                   width: int = WIDTH, height: int = HEIGHT) -> list[Path]:
    """One sequence in `folder`; returns its frame paths. Other frame sizes scale the scene
    (background grain, target, motion, occluder) with the image."""
    rng = np.random.default_rng(seed)
    k = min(width / WIDTH, height / HEIGHT)
    background = _texture(rng, height, width, max(1, round(24 * k)))
    target = _texture(rng, 48, 48, 8)
    target[:, :, rng.integers(0, 3)] = 230  # a dominant colour makes it stand out
    w, h = float(rng.uniform(26, 44)) * k, float(rng.uniform(26, 44)) * k
    motion = Motion(cx0=width / 2, cy0=height / 2, amp_x=float(rng.uniform(60, 100)) * k,
                    amp_y=float(rng.uniform(20, 50)) * k, w=w, h=h, scale_amp=0.25,
                    spin=float(rng.uniform(0.6, 1.2)) * math.pi if polygon else 0.0,
                    phase=float(rng.uniform(0, 2 * math.pi)))
    distractor = Motion(cx0=width / 2, cy0=height / 2, amp_x=motion.amp_x, amp_y=motion.amp_y,
                        w=w, h=h, scale_amp=0.0, spin=0.0, phase=motion.phase + math.pi * 0.8)
    occluder_start = int(frames * 0.55)
    occluder = (int(rng.uniform(0.3, 0.6) * width), 0, round(28 * k), height)  # a vertical bar

    (folder / "color").mkdir(parents=True, exist_ok=True)
    lines, paths = [], []
    for index in range(frames):
        t = index / frames
        frame = background.copy()
        dcx, dcy, dw, dh, _ = distractor.at(t)
        _paste(frame, target, _corners(dcx, dcy, dw, dh, 0.0))
        cx, cy, tw, th, angle = motion.at(t)
        corners = _corners(cx, cy, tw, th, angle)
        _paste(frame, target, corners)
        if occluder_start <= index < occluder_start + max(4, frames // 12):
            x, y, ow, oh = occluder
            frame[y:y + oh, x:x + ow] = (90, 90, 90)
        paths.append(folder / "color" / f"{index + 1:08d}.jpg")
        cv2.imwrite(str(paths[-1]), frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
        if polygon:
            lines.append(",".join(f"{v:.2f}" for v in corners.flatten()))
        else:
            lines.append(f"{cx - tw / 2:.2f},{cy - th / 2:.2f},{tw:.2f},{th:.2f}")
    (folder / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (folder / "sequence").write_text(
        f"channels.color=color/%08d.jpg\nformat=default\nfps={fps}\nname={folder.name}\n")
    return paths


def write_dataset(out: Path, sequences: int = 3, frames: int = 120, seed: int = 0) -> list[str]:
    """Writes `sequences` sequences and list.txt into `out`; returns their names."""
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(sequences):
        polygon = i % 2 == 0
        name = f"synthetic-{i + 1}-{'polygon' if polygon else 'rectangle'}"
        write_sequence(out / name, seed * 1000 + i, frames, polygon, fps=30 if i % 3 != 2 else 20)
        names.append(name)
    (out / "list.txt").write_text("\n".join(names) + "\n")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Writes a synthetic VOT-format dataset.")
    parser.add_argument("out", type=Path, help="output folder (e.g. vot_workspace/sequences)")
    parser.add_argument("--sequences", type=int, default=3)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.sequences < 1 or args.frames < 2:
        parser.error("need at least 1 sequence of at least 2 frames")
    names = write_dataset(args.out, args.sequences, args.frames, args.seed)
    print(f"wrote {len(names)} sequences of {args.frames} frames to {args.out}: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
