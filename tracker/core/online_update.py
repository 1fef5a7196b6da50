"""SiamMargin's online update of the cls kernel (ROI-Align on the search features).

After every search, template-sized features are sampled around the predicted target, turned into
cls kernels by the head's template-side work (network.cls_kernels), folded into a moving average,
and blended with the first frame's kernels:
    average ← (1 − λu·p)·average + λu·p·new,     kernel = λs·first + (1 − λs)·average
with p the best penalised score of that search.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def sample_target_features(features: torch.Tensor, offset: np.ndarray, size: np.ndarray,
                           context: float, stride: int, side: int, template_cells: int) -> torch.Tensor:
    """side×side bilinear samples of `features` (1, C, H, W) around the target.

    offset: target centre relative to the search-crop centre, size: target (w, h), both in crop
    pixels. Neighbouring samples are (size + context·(w + h)) / template_cells crop pixels apart:
    template_cells is the template crop's side in feature cells, round(exemplar_size / stride),
    so that with context ≈ the crop's context the samples are about one feature cell apart, as
    the template's own features are. For the stride-8 networks that is 16: the submission's
    17-point linspace over the extent, of which it keeps the middle 7 (side 7); for NanoTrack's
    stride 16 it is 8, and its side-8 samples span the extent as its 8×8 template features span
    the whole template crop. Sampled in float64 with align_corners=True, as PyTorch 0.3.1 did.
    """
    extent = np.array([size[0] + context * np.sum(size), size[1] + context * np.sum(size)]) / stride
    steps = (np.arange(side) - (side - 1) / 2) / float(template_cells)
    grid_x = steps * extent[0] + offset[0] / stride
    grid_y = steps * extent[1] + offset[1] / stride
    # Normalised coordinates: ±1 are the centres of the edge cells, 0 the centre of the map.
    half = (features.size(3) - 1) / 2
    grid = np.stack(np.meshgrid(grid_x / half, grid_y / half), axis=-1)  # grid[i, j] = (x_j, y_i)
    grid = torch.from_numpy(grid).to(features.device).unsqueeze(0)
    return F.grid_sample(features.double(), grid, mode="bilinear", padding_mode="zeros",
                         align_corners=True).float()


def blend(first: torch.Tensor, average: torch.Tensor, new: torch.Tensor, rate: float,
          first_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(new moving average, new current kernel); operation order as in the submission."""
    average = (1 - rate) * average + rate * new
    return average, first * first_weight + average * (1.0 - first_weight)
