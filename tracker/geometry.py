"""Geometry of the published trackers: regions → boxes, anchors, windows, crops.

Everything here is plain NumPy/OpenCV and reproduces the published code's arithmetic
(dtypes included), because trajectories on a chaotic score map follow every bit.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from .errors import RegionError


# ---------------------------------------------------------------------------------------------
# Regions

def region_to_center_size(region: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """(centre, size) of an initialisation region, both float64 arrays of 2.

    4 numbers (x, y, w, h): pysot's convention, centre = (x + (w − 1)/2, y + (h − 1)/2).
    8 numbers (a polygon): the SiamMargin submission's area-preserving rule, with its special
    case for axis-aligned rectangles (centre = x_min + w/2, w = x_max − x_min + 1).
    """
    try:
        values = np.asarray(region, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise RegionError(f"region must be 4 numbers (x, y, w, h) or 8 polygon numbers, got {region!r}") from None
    if values.size not in (4, 8):
        raise RegionError(f"region must be 4 numbers (x, y, w, h) or 8 polygon numbers, got {values.size} numbers")
    if not np.all(np.isfinite(values)):
        raise RegionError(f"region has NaN or infinite values: {values.tolist()}")
    if values.size == 4:
        x, y, w, h = values
        if w <= 0 or h <= 0:
            raise RegionError(f"region width and height must be positive, got w={w:g}, h={h:g}")
        with np.errstate(over="ignore"):
            center, size = np.array([x + (w - 1) / 2, y + (h - 1) / 2]), np.array([w, h])
    else:
        center, size = _polygon_to_center_size(values)
    if not (np.all(np.isfinite(center)) and np.all(np.isfinite(size))):  # e.g. x + w/2 overflowed
        raise RegionError(f"region values are too large to be pixel coordinates: {values.tolist()}")
    return center, size


def _polygon_to_center_size(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = p[0::2], p[1::2]
    x1, x2, y1, y2 = xs.min(), xs.max(), ys.min(), ys.max()
    if x2 - x1 <= 0 or y2 - y1 <= 0:
        raise RegionError(f"polygon has zero width or height: {p.tolist()}")
    # Shoelace area: collinear or repeated points enclose nothing.
    area = 0.5 * abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1)))
    if area <= 1e-6 * (x2 - x1) * (y2 - y1):
        raise RegionError(f"polygon is degenerate (its points enclose no area): {p.tolist()}")
    if len(set(xs.tolist())) == 2 and len(set(ys.tolist())) == 2:
        w, h = x2 - x1 + 1, y2 - y1 + 1
        return np.array([x1 + w * 0.5, y1 + h * 0.5]), np.array([w, h])
    a1 = np.linalg.norm(p[0:2] - p[2:4]) * np.linalg.norm(p[2:4] - p[4:6])
    a2 = (x2 - x1) * (y2 - y1)
    s = np.sqrt(a1 / a2)
    if not s > 0:
        raise RegionError(f"polygon is degenerate (repeated points): {p.tolist()}")
    return np.array([np.mean(xs), np.mean(ys)]), np.array([s * (x2 - x1) + 1, s * (y2 - y1) + 1])


# ---------------------------------------------------------------------------------------------
# Anchors and windows (flat index = anchor · n² + y · n + x, as in the published code)

def make_anchors(stride: int, ratios: Sequence[float], scales: Sequence[float], score_size: int) -> np.ndarray:
    """(anchors · n², 4) float32 [cx, cy, w, h] in search-crop pixels relative to its centre."""
    shapes = []
    area = stride * stride
    for ratio in ratios:
        ws = int(math.sqrt(area * 1.0 / ratio))
        hs = int(ws * ratio)
        for scale in scales:
            shapes.append((ws * scale, hs * scale))
    count = len(shapes)
    anchors = np.zeros((count, 4), dtype=np.float32)
    anchors[:, 2:] = shapes
    anchors = np.tile(anchors, score_size * score_size).reshape((-1, 4))
    origin = -(score_size // 2) * stride
    offsets = [origin + stride * i for i in range(score_size)]
    xx, yy = np.meshgrid(offsets, offsets)
    anchors[:, 0] = np.tile(xx.flatten(), (count, 1)).flatten().astype(np.float32)
    anchors[:, 1] = np.tile(yy.flatten(), (count, 1)).flatten().astype(np.float32)
    return anchors


def make_window(score_size: int, anchor_count: int) -> np.ndarray:
    """Cosine window over the score map, repeated per anchor (float64)."""
    hanning = np.hanning(score_size)
    return np.tile(np.outer(hanning, hanning).flatten(), anchor_count)


def decode_boxes(delta: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Boxes (4 × N: cx, cy, w, h, float32, crop pixels from the centre) from the loc head's
    offsets (4 × N: dx, dy, dw, dh) relative to the anchors (N × 4: cx, cy, w, h)."""
    boxes = np.empty_like(delta, dtype=np.float32)
    boxes[0] = delta[0] * anchors[:, 2] + anchors[:, 0]
    boxes[1] = delta[1] * anchors[:, 3] + anchors[:, 1]
    boxes[2] = np.exp(delta[2]) * anchors[:, 2]
    boxes[3] = np.exp(delta[3]) * anchors[:, 3]
    return boxes


# ---------------------------------------------------------------------------------------------
# Crops

def crop_origin(center: float, size: int, rounding: str) -> int:
    """First pixel of a `size`-wide window centred at `center`.

    "half_up": pysot's floor(x + 0.5). "half_even": the submission's Python round(), which
    rounds ties to even — the two differ only when the window edge falls exactly on .5.
    """
    edge = center - (size + 1) / 2
    return int(np.floor(edge + 0.5)) if rounding == "half_up" else int(round(edge))


def crop_and_resize(image: np.ndarray, center: Sequence[float], model_size: int, original_size: int,
                    fill: np.ndarray, rounding: str) -> np.ndarray:
    """The published `get_subwindow`: the original_size² window around `center`, with pixels
    outside the image set to `fill` (uint8), resized to model_size² (bilinear). HWC uint8.

    Unlike the published code, it never copies the whole image into a padded canvas: only the
    window's overlap with the image is copied (same result, cost bounded by the window).
    """
    original_size = max(int(original_size), 1)
    height, width = image.shape[:2]
    x0 = crop_origin(center[0], original_size, rounding)
    y0 = crop_origin(center[1], original_size, rounding)
    x1, y1 = x0 + original_size, y0 + original_size  # exclusive
    if x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height:
        patch = image[y0:y1, x0:x1]
    else:
        patch = np.empty((original_size, original_size, 3), np.uint8)
        patch[:] = fill
        ix0, iy0, ix1, iy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if ix0 < ix1 and iy0 < iy1:
            patch[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = image[iy0:iy1, ix0:ix1]
    if original_size != model_size:
        patch = cv2.resize(patch, (model_size, model_size))
    return patch


def channel_fill(image: np.ndarray) -> np.ndarray:
    """Per-channel mean of the first frame, as the uint8 value the published code pads with
    (assigning the float mean to a uint8 array truncates it)."""
    return np.mean(image, axis=(0, 1)).astype(np.uint8)
