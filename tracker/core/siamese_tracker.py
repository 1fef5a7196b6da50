"""The tracking algorithm: pysot's SiamRPNTracker plus SiamMargin's three tracker-side features.

frame → crop → network → decode / penalise → state update → result.

With every feature off this is pysot's SiamRPNTracker; with all on and the SiamMargin network it
is the VOT2019 submission. On pysot's multi-level heads the online update keeps one cls kernel per
level (each level samples its own search features on the same grid and updates with the same
rates), so every ablation row of the SiamMargin talk is a config.

With a point head (NanoTrack, settings.points) it is also NanoTrack's published tracker: the same
crops, penalty, window and state update; only the decoding of the outputs (distances from each
cell's point instead of offsets from anchors) and the score map's geometry differ. The three
features work on it unchanged: the score map, point grid and window at a larger search size follow
from the network's stride (16 → 22×22 cells at 351 for v1/v2, 21×21 for v3), and the online update
samples 8×8 template-sized features (NanoTrackNet.cls_kernels says what it updates per version).
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .settings import TrackerSettings
from ..errors import ConfigError, TrackerError
from .geometry import (channel_fill, crop_and_resize, decode_boxes, decode_points, make_anchors,
                       make_points, make_window, region_to_center_size)
from .images import as_bgr_uint8
from ..nets import Kernels
from .network_runner import NetworkRunner
from .online_update import blend, sample_target_features


PhaseTimer = Callable[[str], AbstractContextManager]  # phase name → a context the phase runs in
_NO_TIMING = nullcontext()  # reusable: entering and leaving it does nothing


def _untimed(phase: str) -> AbstractContextManager:
    return _NO_TIMING


@dataclass(frozen=True)
class TrackResult:
    bbox: tuple[float, float, float, float]  # (x, y, w, h), 0-based pixels
    score: float                             # raw foreground score of the chosen anchor


@dataclass(frozen=True)
class SearchGeometry:
    """Everything that depends only on the search size."""
    instance_size: int
    score_size: int
    grid: np.ndarray     # anchors (A·n², 4: cx, cy, w, h) or points (n², 2: x, y), float32
    window: np.ndarray   # (A·n²,) float64 (A = 1 for points)


@dataclass
class TrackState:
    """Everything `init` creates and `track` advances; nothing else mutates it."""
    center: np.ndarray                 # (cx, cy) float64, image pixels
    size: np.ndarray                   # (w, h) float64
    fill: np.ndarray                   # uint8 colour for pixels outside the image
    search_size: int
    kernels: Kernels                   # current correlation kernels (cls ones updated online)
    first_cls: list[torch.Tensor]      # cls kernels of the first frame
    average_cls: list[torch.Tensor]    # moving average of sampled cls kernels
    last_motion: np.ndarray = field(default_factory=lambda: np.zeros(2))
    max_speed: float = 0.0             # largest per-frame displacement (crop pixels) since init


@dataclass
class SearchResult:
    """The outcome of one search at one position."""
    center: np.ndarray
    size: np.ndarray
    score: float           # raw score at the chosen anchor
    best_pscore: float     # penalised, windowed score at the chosen anchor
    offset: np.ndarray     # chosen box centre relative to the crop centre, crop pixels
    speed: float           # |offset|, crop pixels
    features: list[torch.Tensor]


class SiameseTracker:
    """Single-object tracker. `init` may be called again at any time; it resets everything.

    A search runs four phases: "crop" (the search image), "network", "post" (decode, penalise,
    choose the box) and "update" (the online cls-kernel update, when on). `phase_timer`, if set,
    is called with each phase's name and must return a context manager that the phase runs
    inside (the benchmark's timer, tracker/bench/phases.py); unset, a shared no-op one is used.
    """

    def __init__(self, runner: NetworkRunner, settings: TrackerSettings,
                 phase_timer: PhaseTimer | None = None):
        self.runner = runner
        self.settings = settings
        self.phase_timer: PhaseTimer = _untimed if phase_timer is None else phase_timer
        self.geometries = {size: self._geometry(size) for size in settings.instance_sizes()}
        self.state: TrackState | None = None

    def _geometry(self, instance_size: int) -> SearchGeometry:
        """The score map's cells at one search size: anchors, or points for a point head."""
        n, points, anchor = self.settings.score_size(instance_size), self.settings.points, self.settings.anchor
        if points is not None:
            return SearchGeometry(instance_size, n, make_points(points.stride, n), make_window(n, 1))
        return SearchGeometry(instance_size, n, make_anchors(anchor.stride, anchor.ratios, anchor.scales, n),
                              make_window(n, anchor.count))

    # -- public API ----------------------------------------------------------------------------

    @torch.inference_mode()
    def init(self, image: np.ndarray, region) -> None:
        """Starts tracking the target in `region`: (x, y, w, h), or a polygon of 2k numbers
        (x0, y0, x1, y1, …; k ≥ 3)."""
        with self.runner.on_device():
            self._init(image, region)

    @torch.inference_mode()
    def track(self, image: np.ndarray) -> TrackResult:
        """Locates the target in the next frame."""
        with self.runner.on_device():
            return self._track(image)

    # -- steps ---------------------------------------------------------------------------------

    def _init(self, image: np.ndarray, region) -> None:
        image = as_bgr_uint8(image)
        center, size = region_to_center_size(region)
        s = self.settings
        fill = channel_fill(image)
        context = s.context_amount * np.sum(size)
        template_side = round(np.sqrt((size[0] + context) * (size[1] + context)))
        template = crop_and_resize(image, center, s.exemplar_size, template_side, fill, s.crop_rounding)
        kernels = self.runner.template(template)
        search_size = s.instance_size
        if s.adaptive_search.enabled and self._is_small(size, image):
            search_size = s.adaptive_search.large_instance_size
        self.state = TrackState(center=center, size=size, fill=fill, search_size=search_size,
                                kernels=kernels, first_cls=list(kernels.cls),
                                average_cls=list(kernels.cls))

    def _track(self, image: np.ndarray) -> TrackResult:
        if self.state is None:
            raise TrackerError("track() called before init(): initialise the tracker with a region first")
        image = as_bgr_uint8(image)
        state, s = self.state, self.settings
        result = self._search(image, state.center)
        if s.second_search.enabled and result.score < s.second_search.score_threshold:
            # "One more search": the target probably moved on; look where its motion points.
            result = self._search(image, state.center + s.second_search.momentum * state.last_motion)
        state.last_motion = result.center - state.center
        if not np.all(np.isfinite(state.last_motion)):
            # Broken network output (inf/NaN box): no usable motion for the next second search.
            state.last_motion = np.zeros(2)
        state.max_speed = max(state.max_speed, result.speed)
        state.center, state.size = _clip_to_image(result.center, result.size, image.shape)
        if s.adaptive_search.enabled:
            large = self._is_small(state.size, image) or state.max_speed > s.adaptive_search.speed_threshold
            state.search_size = s.adaptive_search.large_instance_size if large else s.instance_size
        cx, cy = state.center
        w, h = state.size
        return TrackResult(bbox=(float(cx - w / 2), float(cy - h / 2), float(w), float(h)),
                           score=float(result.score) if np.isfinite(result.score) else 0.0)

    def _is_small(self, size: np.ndarray, image: np.ndarray) -> bool:
        area_ratio = (size[0] * size[1]) / float(image.shape[0] * image.shape[1])
        return area_ratio < self.settings.adaptive_search.area_ratio

    def _search(self, image: np.ndarray, center: np.ndarray) -> SearchResult:
        """One search around `center` with the current size, kernels and search size."""
        state, s, phase = self.state, self.settings, self.phase_timer
        geometry = self.geometries[state.search_size]
        size = state.size
        context = s.context_amount * np.sum(size)
        template_side = np.sqrt((size[0] + context) * (size[1] + context))
        scale = s.exemplar_size / template_side
        search_side = round(template_side * (geometry.instance_size / s.exemplar_size))
        with phase("crop"):
            crop = crop_and_resize(image, center, geometry.instance_size, search_side, state.fill,
                                   s.crop_rounding)
        with phase("network"):
            output = self.runner.search(crop, state.kernels)
        # Random or broken weights can overflow exp() in the decode; the published code carries on
        # with inf/NaN candidates (the penalty rules them out or the clip tames them), so do we.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            with phase("post"):
                result = self._choose_box(output, geometry, center, scale)
            if s.online_update.enabled:
                with phase("update"):
                    self._update_cls_kernels(result, result.size * scale)
        return result

    def _choose_box(self, output, geometry: SearchGeometry, center: np.ndarray, scale: float) -> SearchResult:
        """Decodes the outputs, penalises and windows them, and moves the box to the best cell."""
        s, size = self.settings, self.state.size
        score, boxes = self._decode(output.cls, output.loc, geometry)

        # Scale and aspect-ratio change penalty, then the cosine window.
        scaled_w, scaled_h = size[0] * scale, size[1] * scale
        scale_change = _change(_padded_side(boxes[2], boxes[3]) / _padded_side(scaled_w, scaled_h))
        ratio_change = _change((size[0] / size[1]) / (boxes[2] / boxes[3]))
        penalty = np.exp(-(ratio_change * scale_change - 1) * s.penalty_k)
        pscore = penalty * score
        pscore = pscore * (1 - s.window_influence) + geometry.window * s.window_influence
        best = int(np.argmax(pscore))

        box = boxes[:, best] / scale
        lr = penalty[best] * score[best] * s.lr
        new_center = np.array([box[0] + center[0], box[1] + center[1]])
        new_size = np.array([size[0] * (1 - lr) + box[2] * lr, size[1] * (1 - lr) + box[3] * lr])
        offset = boxes[:2, best]
        speed = float((offset[0] ** 2 + offset[1] ** 2) ** 0.5)
        return SearchResult(new_center, new_size, float(score[best]), float(pscore[best]),
                            box[:2] * scale, speed, output.features)

    def _decode(self, cls: torch.Tensor, loc: torch.Tensor, geometry: SearchGeometry):
        """Foreground probability (float32, A·n²) and boxes (4 × A·n², float32, crop pixels)."""
        n = cls.size(-1)
        if n != geometry.score_size:
            raise ConfigError(
                f"the network produces a {n}×{n} score map at search size {geometry.instance_size}, "
                f"but the config's exemplar_size/base_size/stride give {geometry.score_size}")
        # Scores: (2A, n, n) → (2, A·n²): background block, then foreground block (A = 1 for points).
        score = F.softmax(cls.reshape(2, -1), dim=0)[1]
        host = torch.cat([score, loc.reshape(-1)]).cpu().numpy()  # the one device→host copy
        score, regression = host[:score.numel()], host[score.numel():].reshape(4, -1)
        if self.settings.points is not None:  # distances (left, top, right, bottom)
            return score, decode_points(regression, geometry.grid)
        return score, decode_boxes(regression, geometry.grid)  # offsets dx, dy, dw, dh

    def _update_cls_kernels(self, result: SearchResult, size_in_crop: np.ndarray) -> None:
        """Template-sized samples of each feature level at the chosen box become new cls kernels
        (one per level, or per correlation of NanoTrack's cls branch), each blended into its own
        moving average."""
        s, state = self.settings, self.state
        u, template_cells = s.online_update, round(s.exemplar_size / s.stride)
        sides = self.runner.network.template_feature_sides(state.first_cls)
        samples = [sample_target_features(features, result.offset, size_in_crop, u.context,
                                          s.stride, side, template_cells)
                   for features, side in zip(result.features, sides)]
        rate = u.update_rate * result.best_pscore
        for index, new in enumerate(self.runner.cls_kernels(samples)):
            state.average_cls[index], state.kernels.cls[index] = blend(
                state.first_cls[index], state.average_cls[index], new, rate, u.first_kernel_weight)

    # -- warm-up -------------------------------------------------------------------------------

    @torch.inference_mode()
    def warm_up(self) -> None:
        """Runs every input shape this tracker can meet once (template, each search size, the
        second search and the online update) on a synthetic frame, then forgets the state. On
        CUDA this is where cuDNN picks its algorithms and each search size is captured as a CUDA
        graph: searches capture only here, never on a live frame."""
        image = np.full((480, 640, 3), 128, np.uint8)
        image[200:280, 280:360] = 30
        with self.runner.on_device(), self.runner.capturing():
            for search_size in self.settings.instance_sizes():
                self._init(image, (280, 200, 80, 80))
                self.state.search_size = search_size
                self._track(image)
        self.state = None


def _change(r):
    return np.maximum(r, 1.0 / r)


def _padded_side(w, h):
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


def _clamp(value: float, low: float, high: float) -> float:
    """max(low, min(value, high)), with NaN → low (what the published code's Python min/max give)."""
    return low if np.isnan(value) else max(low, min(value, high))


def _clip_to_image(center: np.ndarray, size: np.ndarray, shape) -> tuple[np.ndarray, np.ndarray]:
    """Centre inside the image, size between 10 px and the image size: always finite."""
    height, width = shape[:2]
    return (np.array([_clamp(center[0], 0, width), _clamp(center[1], 0, height)], dtype=np.float64),
            np.array([_clamp(size[0], 10, width), _clamp(size[1], 10, height)], dtype=np.float64))
