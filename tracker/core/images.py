"""Reading images from disk and bringing arrays to the tracker's format (H×W×3 uint8 BGR)."""
from __future__ import annotations

import os

import cv2
import numpy as np

from ..errors import ImageError


def as_bgr_uint8(image: np.ndarray, what: str = "image") -> np.ndarray:
    """Returns `image` as a contiguous H×W×3 uint8 BGR array, converting where the meaning is clear.

    Accepted: uint8 or uint16 arrays, grayscale (H×W or H×W×1), BGR (H×W×3), BGRA (H×W×4).
    16-bit values are scaled to 8 bits (value / 257); alpha is dropped.
    """
    if not isinstance(image, np.ndarray):
        raise ImageError(f"{what}: expected a numpy array (H×W×3 uint8 BGR), got {type(image).__name__}")
    if image.dtype == np.uint16:
        image = (image.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise ImageError(f"{what}: expected dtype uint8 (or uint16), got {image.dtype}; "
                         "convert with image.astype(np.uint8) after scaling to 0–255")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ImageError(f"{what}: expected shape H×W×3 (BGR), got {image.shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ImageError(f"{what}: image is empty, shape {image.shape}")
    return np.ascontiguousarray(image)


def read_image(path: str) -> np.ndarray:
    """Reads an image file as H×W×3 uint8 BGR; raises ImageError naming the path if it cannot."""
    if not os.path.isfile(path):
        raise ImageError(f"image file not found: {path}")
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ImageError(f"cannot decode image (corrupt, truncated or unsupported format): {path}")
    return as_bgr_uint8(image, what=path)
