"""Geometry of the published trackers: regions → boxes, anchors, windows, crops.

Everything here is plain NumPy/OpenCV and reproduces the published code's arithmetic
(dtypes included), because trajectories on a chaotic score map follow every bit.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from ..errors import RegionError


# ---------------------------------------------------------------------------------------------
# Regions

def region_to_center_size(region: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """(centre, size) of an initialisation region, both float64 arrays of 2.

    4 numbers (x, y, w, h): pysot's convention, centre = (x + (w − 1)/2, y + (h − 1)/2).
    2k numbers, k ≥ 3 (a polygon, as VOT sends it): see `polygon_to_center_size`.
    """
    try:
        values = np.asarray(region, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise RegionError(f"region must be 4 numbers (x, y, w, h) or a polygon of 2k numbers (k ≥ 3), "
                          f"got {region!r}") from None
    if values.size != 4 and (values.size < 6 or values.size % 2):
        raise RegionError(f"region must be 4 numbers (x, y, w, h) or a polygon of 2k numbers (k ≥ 3), "
                          f"got {values.size} numbers")
    if not np.all(np.isfinite(values)):
        raise RegionError(f"region has NaN or infinite values: {values.tolist()}")
    if values.size == 4:
        x, y, w, h = values
        if w <= 0 or h <= 0:
            raise RegionError(f"region width and height must be positive, got w={w:g}, h={h:g}")
        with np.errstate(over="ignore"):
            center, size = np.array([x + (w - 1) / 2, y + (h - 1) / 2]), np.array([w, h])
    else:
        center, size = polygon_to_center_size(values)
    if not (np.all(np.isfinite(center)) and np.all(np.isfinite(size))):  # e.g. x + w/2 overflowed
        raise RegionError(f"region values are too large to be pixel coordinates: {values.tolist()}")
    return center, size


def polygon_to_center_size(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(centre, size) of a polygon (x0, y0, x1, y1, …), by the SiamMargin submission's rule.

    The submission's rule (written for VOT's 4-point rotated rectangles): an axis-aligned
    rectangle gives its box (w = x_max − x_min + 1, centre = x_min + w/2); otherwise the centre is
    the mean of the points and the bounding box is shrunk by s = sqrt(A1 / bounding-box area),
    A1 = |p0p1|·|p1p2|, so that the box keeps the rectangle's area (size = s·extent + 1).

    The toolkit may send the same rectangle with its corners in another order, or a polygon of
    more points; the rule is extended so that neither changes the box:
    - 4 points: the submission's rule, but 4 hull corners given in a self-crossing order
      (e.g. 0,0 10,0 0,10 10,10) are first put in hull order, starting at p0 and keeping p1
      next to it where possible, so A1 is the product of two sides, as intended (4 points with
      one inside the others' triangle form a simple polygon in any order: taken as given).
    - other point counts: the centre of the bounding box
      and A1 = the area of the convex hull. For a rectangle sampled with extra points on its
      sides this is exactly the 4-point result (hull area = side product, box centre = mean of
      the corners), and it ignores how densely a boundary is sampled, which a vertex mean would
      not. The axis-aligned case is a hull that fills its bounding box.
    Points that enclose no area (collinear, repeated) are a RegionError.
    """
    points = p.reshape(-1, 2)
    xs, ys = points[:, 0], points[:, 1]
    x1, x2, y1, y2 = xs.min(), xs.max(), ys.min(), ys.max()
    with np.errstate(over="ignore", invalid="ignore"):
        if x2 - x1 <= 0 or y2 - y1 <= 0:
            raise RegionError(f"polygon has zero width or height: {p.tolist()}")
        hull = _convex_hull(points)
        hull_area = _shoelace(points[hull]) if len(hull) >= 3 else 0.0
        box_area = (x2 - x1) * (y2 - y1)
    if not (np.isfinite(box_area) and np.isfinite(hull_area)):
        raise RegionError(f"polygon coordinates are too large to compute its area: {p.tolist()}")
    if hull_area <= 1e-6 * box_area:
        raise RegionError(f"polygon is degenerate (its points enclose no area): {p.tolist()}")
    if len(points) == 4:
        if len(set(xs.tolist())) == 2 and len(set(ys.tolist())) == 2:
            w, h = x2 - x1 + 1, y2 - y1 + 1
            return np.array([x1 + w * 0.5, y1 + h * 0.5]), np.array([w, h])
        if len(hull) == 4:
            points = points[_hull_order_from_first(hull)]
        a1 = np.linalg.norm(points[0] - points[1]) * np.linalg.norm(points[1] - points[2])
        s = np.sqrt(a1 / box_area)
        if not s > 0:
            raise RegionError(f"polygon is degenerate (repeated points): {p.tolist()}")
        return np.array([np.mean(xs), np.mean(ys)]), np.array([s * (x2 - x1) + 1, s * (y2 - y1) + 1])
    if hull_area >= box_area * (1 - 1e-9):  # an axis-aligned rectangle, however sampled
        w, h = x2 - x1 + 1, y2 - y1 + 1
        return np.array([x1 + w * 0.5, y1 + h * 0.5]), np.array([w, h])
    s = np.sqrt(hull_area / box_area)
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2]), np.array([s * (x2 - x1) + 1, s * (y2 - y1) + 1])


def _shoelace(points: np.ndarray) -> float:
    xs, ys = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))))


def _convex_hull(points: np.ndarray) -> list[int]:
    """Indices of the convex hull's corners in counter-clockwise order (monotone chain; points
    on an edge are not corners)."""
    order = sorted(range(len(points)), key=lambda i: (points[i, 0], points[i, 1]))

    def cross(o: int, a: int, b: int) -> float:
        return ((points[a, 0] - points[o, 0]) * (points[b, 1] - points[o, 1])
                - (points[a, 1] - points[o, 1]) * (points[b, 0] - points[o, 0]))

    def chain(indices: list[int]) -> list[int]:
        kept: list[int] = []
        for i in indices:
            while len(kept) >= 2 and cross(kept[-2], kept[-1], i) <= 0:
                kept.pop()
            kept.append(i)
        return kept[:-1]

    return chain(order) + chain(order[::-1])


def _hull_order_from_first(hull: list[int]) -> list[int]:
    """The 4 corner indices in hull order, starting at point 0, in the direction in which point 1
    follows it (a polygon already in order is returned unchanged)."""
    start = hull.index(0)
    forward = hull[start:] + hull[:start]
    return forward if forward[1] == 1 else [forward[0]] + forward[1:][::-1]


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
# Points (NanoTrack's anchor-free heads: one box per score-map cell, flat index = y · n + x)

def make_points(stride: int, score_size: int) -> np.ndarray:
    """(n², 2) float32 [x, y] of each cell's point in search-crop pixels relative to its centre:
    (i − n//2)·stride, as the published code places them, so an even n is not symmetric
    (−128 … 112 for n = 16, stride 16) while an odd one is (−112 … 112 for n = 15)."""
    offsets = (np.arange(score_size) - score_size // 2) * stride
    xs, ys = np.meshgrid(offsets, offsets)
    return np.stack([xs.reshape(-1), ys.reshape(-1)], axis=1).astype(np.float32)


def decode_points(distances: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Boxes (4 × N: cx, cy, w, h, float32, crop pixels from the centre) from the head's distances
    (4 × N: left, top, right, bottom, from each point to the box's sides) and the points (N × 2)."""
    x1, y1 = points[:, 0] - distances[0], points[:, 1] - distances[1]
    x2, y2 = points[:, 0] + distances[2], points[:, 1] + distances[3]
    return np.stack([(x1 + x2) * 0.5, (y1 + y2) * 0.5, x2 - x1, y2 - y1]).astype(np.float32)


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
