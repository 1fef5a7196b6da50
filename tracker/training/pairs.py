"""Training pairs: a template crop and a search crop with the target's exact box in the search crop.

Crops are cut with the tracker's own `crop_and_resize` and the tracker's sizes: the template
window is the target plus context (side sqrt((w + p)(h + p)), p = context·(w + h)) resized to
the exemplar size, the search window that side × instance/exemplar resized to the instance size,
as `SiameseTracker` crops them. The search window is jittered (shift, scale, aspect) before
cropping, so the box in the crop is exact: no second resampling.

Two sources, mixed by weight:
- real sequences (any layout `tracker.datasets` reads): template and search from two frames at
  most `frame_range` apart;
- photo composites: a cut-out photograph (alpha mask) pasted onto a photograph twice, moved,
  rescaled and recoloured between the two, with other cut-outs as distractors, sometimes a second
  copy of the target itself (the hard negatives the large-margin loss is for).
A share of pairs are negative: template and search of different objects.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..core.geometry import channel_fill, crop_and_resize, crop_origin
from ..datasets.sequence import Sequence
from .settings import AugmentSettings, DataSettings

Rng = np.random.Generator


@dataclass
class Pair:
    template: np.ndarray        # exemplar² × 3 uint8 BGR
    search: np.ndarray          # instance² × 3 uint8 BGR
    box: np.ndarray             # (cx, cy, w, h) of the target in the search crop, relative to its centre
    positive: bool              # False: the search crop does not show the template's object
    distractors: list[np.ndarray]  # boxes (same form) of look-alike copies of the target, if any


# ---------------------------------------------------------------------------------------------
# Geometry shared by both sources

def template_side(size: np.ndarray, context_amount: float) -> float:
    """The tracker's template window side for a target of `size` (w, h)."""
    context = context_amount * float(np.sum(size))
    return math.sqrt((size[0] + context) * (size[1] + context))


def to_crop(center: np.ndarray, size: np.ndarray, window_center: np.ndarray, window_side: int,
            out_size: int, rounding: str) -> tuple[np.ndarray, np.ndarray]:
    """A target's (centre, size) in crop pixels relative to the crop centre, for the window of
    `window_side` pixels around `window_center` that crop_and_resize cuts and resizes to out_size.

    crop_and_resize copies pixels x0 .. x0 + side − 1 and cv2.resize maps pixel centres linearly:
    crop pixel v shows image pixel u = (v + 0.5)·side/out − 0.5 + x0; the crop centre is at
    v = (out − 1)/2, where the tracker's anchors have offset 0."""
    scale = out_size / window_side
    origin = np.array([crop_origin(window_center[0], window_side, rounding),
                       crop_origin(window_center[1], window_side, rounding)], dtype=np.float64)
    v = (center - origin + 0.5) * scale - 0.5
    return v - (out_size - 1) / 2, size * scale


def cut(image: np.ndarray, window_center: np.ndarray, window_side: float, out_size: int,
        fill: np.ndarray, rounding: str) -> tuple[np.ndarray, int]:
    side = max(1, int(round(window_side)))
    return crop_and_resize(image, window_center, out_size, side, fill, rounding), side


def make_pair(template_image: np.ndarray, template_box: np.ndarray, search_image: np.ndarray,
              search_box: np.ndarray, rng: Rng, augment: AugmentSettings, exemplar_size: int,
              instance_size: int, context_amount: float, rounding: str, positive: bool = True,
              distractor_boxes: list[np.ndarray] = ()) -> Pair:
    """Crops a pair from two images and the target's (x, y, w, h) in each (pysot's rectangle
    convention: centre = x + (w − 1)/2)."""
    t_center, t_size = _center_size(template_box)
    s_center, s_size = _center_size(search_box)

    # Template: small jitter, as pysot's template augmentation.
    t_side = template_side(t_size, context_amount)
    jitter = rng.uniform(-1, 1, 2) * augment.template_shift * t_side / exemplar_size
    t_scale = 1 + rng.uniform(-1, 1) * augment.template_scale
    template, _ = cut(template_image, t_center + jitter, t_side * t_scale, exemplar_size,
                      channel_fill(template_image), rounding)

    # Search: the window the tracker would cut (side = template side × instance / exemplar),
    # rescaled and shifted so the target is not always centred and not always the same size.
    s_side = template_side(s_size, context_amount) * instance_size / exemplar_size
    s_side *= math.exp(rng.uniform(-1, 1) * augment.search_scale)
    shift = rng.uniform(-1, 1, 2) * augment.search_shift * s_side / instance_size
    window_center = s_center + shift
    search, side = cut(search_image, window_center, s_side, instance_size, channel_fill(search_image), rounding)
    center, size = to_crop(s_center, s_size, window_center, side, instance_size, rounding)
    distractors = []
    for box in distractor_boxes:
        d_center, d_size = _center_size(box)
        d_center, d_size = to_crop(d_center, d_size, window_center, side, instance_size, rounding)
        distractors.append(np.concatenate([d_center, d_size]))
    pair = Pair(template, search, np.concatenate([center, size]), positive, distractors)
    return photometric(pair, rng, augment)


def _center_size(box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y, w, h = (float(v) for v in box)
    return np.array([x + (w - 1) / 2, y + (h - 1) / 2]), np.array([w, h])


# ---------------------------------------------------------------------------------------------
# Photometric augmentation (pysot's colour, blur, grey, flip)

def photometric(pair: Pair, rng: Rng, augment: AugmentSettings) -> Pair:
    template, search = pair.template, pair.search
    if rng.random() < augment.color:
        template = _recolour(template, rng)
        search = _recolour(search, rng)
    if rng.random() < augment.blur:
        search = _blur(search, rng)
    if rng.random() < augment.grey:
        template = cv2.cvtColor(cv2.cvtColor(template, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
        search = cv2.cvtColor(cv2.cvtColor(search, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    if rng.random() < augment.flip:  # both crops: the object's own mirror image
        template, search = template[:, ::-1].copy(), search[:, ::-1].copy()
        mirror = np.array([-1.0, 1.0, 1.0, 1.0])
        return Pair(template, search, pair.box * mirror, pair.positive, [d * mirror for d in pair.distractors])
    return Pair(template, search, pair.box, pair.positive, pair.distractors)


def _recolour(image: np.ndarray, rng: Rng) -> np.ndarray:
    gains = 1 + rng.uniform(-0.15, 0.15, 3)
    contrast = 1 + rng.uniform(-0.25, 0.25)
    brightness = rng.uniform(-20, 20)
    mean = image.reshape(-1, 3).mean(axis=0)
    out = (image.astype(np.float32) - mean) * contrast + mean * gains + brightness
    return np.clip(out, 0, 255).astype(np.uint8)


def _blur(image: np.ndarray, rng: Rng) -> np.ndarray:
    side = int(rng.choice([3, 5, 7]))
    return cv2.GaussianBlur(image, (side, side), 0)


# ---------------------------------------------------------------------------------------------
# Source 1: real sequences

class SequenceSource:
    """Pairs from annotated sequences; frames are decoded once and kept in memory."""

    def __init__(self, sequences: list[Sequence], frame_range: int, max_side: int = 640):
        from ..core.images import read_image

        self.items = []
        for sequence in sequences:
            boxes = sequence.boxes()
            valid = np.flatnonzero(np.all(np.isfinite(boxes), axis=1) & (boxes[:, 2] > 1) & (boxes[:, 3] > 1))
            if len(valid) < 2:
                continue
            frames = {}
            for index in valid:
                image = read_image(sequence.frames[index])
                scale = min(1.0, max_side / max(image.shape[:2]))
                if scale < 1:  # big frames: keep them small in memory, boxes scaled alike
                    image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                frames[int(index)] = (image, boxes[index] * scale)
            self.items.append((sequence.name, valid, frames))
        if not self.items:
            raise ValueError("no usable training sequence (each needs 2 annotated frames)")
        self.frame_range = frame_range
        self.weights = np.array([len(valid) for _, valid, _ in self.items], dtype=np.float64)
        self.weights /= self.weights.sum()

    def names(self) -> list[str]:
        return [name for name, _, _ in self.items]

    def sample(self, rng: Rng):
        """(object key, template image, box, search image, box, []) of one sequence, frames at
        most frame_range apart."""
        name, valid, frames = self.items[rng.choice(len(self.items), p=self.weights)]
        first = int(rng.choice(valid))
        near = valid[np.abs(valid - first) <= self.frame_range]
        second = int(rng.choice(near))
        (a, box_a), (b, box_b) = frames[first], frames[second]
        return ("sequence", name), a, box_a, b, box_b, []

    def any_frame(self, rng: Rng, exclude) -> tuple[np.ndarray, np.ndarray]:
        """A frame of a sequence other than `exclude` (a key from `sample`)."""
        others = [item for item in self.items if ("sequence", item[0]) != exclude] or self.items
        _, valid, frames = others[rng.integers(len(others))]
        return frames[int(rng.choice(valid))]


# ---------------------------------------------------------------------------------------------
# Source 2: photo composites

class PhotoSource:
    """Cut-outs pasted onto backgrounds (tracker/training/photos.py fetches both)."""

    def __init__(self, index_path: Path, scene_size: tuple[int, int] = (480, 640),
                 stamp_side: int = 256, background_side: int = 800):
        index = json.loads(Path(index_path).read_text())
        root = Path(index_path).parent
        self.stamps = []
        for name in index["stamps"]:
            stamp = cv2.imread(str(root / name), cv2.IMREAD_UNCHANGED)
            scale = stamp_side / max(stamp.shape[:2])
            self.stamps.append(cv2.resize(stamp, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        self.backgrounds = []
        for name in index["backgrounds"]:
            image = cv2.imread(str(root / name), cv2.IMREAD_COLOR)
            scale = background_side / min(image.shape[:2])
            self.backgrounds.append(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        if not self.stamps or not self.backgrounds:
            raise ValueError(f"{index_path}: no cut-outs or no backgrounds; run python -m tracker.training.photos")
        self.scene_size = scene_size

    def _scene(self, background: np.ndarray, rng: Rng, offset: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.scene_size
        bh, bw = background.shape[:2]
        if offset is None:
            offset = np.array([rng.integers(0, bw - w + 1), rng.integers(0, bh - h + 1)])
        x, y = np.clip(offset, 0, [bw - w, bh - h]).astype(int)
        return background[y:y + h, x:x + w].copy(), np.array([x, y])

    def _paste(self, scene: np.ndarray, stamp: np.ndarray, center: np.ndarray, long_side: float,
               aspect: float, gain: np.ndarray) -> np.ndarray | None:
        """Alpha-blends `stamp` into `scene`; returns the pasted opaque pixels' box (x, y, w, h)."""
        sh, sw = stamp.shape[:2]
        scale = long_side / max(sh, sw)
        width, height = max(4, int(round(sw * scale * aspect))), max(4, int(round(sh * scale / aspect)))
        resized = cv2.resize(stamp, (width, height), interpolation=cv2.INTER_AREA)
        x0, y0 = int(round(center[0] - width / 2)), int(round(center[1] - height / 2))
        H, W = scene.shape[:2]
        ix0, iy0, ix1, iy1 = max(x0, 0), max(y0, 0), min(x0 + width, W), min(y0 + height, H)
        if ix1 - ix0 < 4 or iy1 - iy0 < 4:
            return None
        patch = resized[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0]
        alpha = patch[:, :, 3:4].astype(np.float32) / 255
        colour = np.clip(patch[:, :, :3].astype(np.float32) * gain, 0, 255)
        region = scene[iy0:iy1, ix0:ix1].astype(np.float32)
        scene[iy0:iy1, ix0:ix1] = (alpha * colour + (1 - alpha) * region).astype(np.uint8)
        ys, xs = np.nonzero(patch[:, :, 3] > 127)
        if len(xs) < 16:
            return None
        return np.array([ix0 + xs.min(), iy0 + ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1],
                        dtype=np.float64)

    def sample(self, rng: Rng, settings: DataSettings, exclude=None):
        """(object key, template scene, box, search scene, box, distractor boxes)."""
        for _ in range(20):
            choice = int(rng.integers(len(self.stamps)))
            if ("photo", choice) == exclude:
                continue
            stamp = self.stamps[choice]
            background = self.backgrounds[rng.integers(len(self.backgrounds))]
            h, w = self.scene_size
            long_side = float(np.exp(rng.uniform(np.log(24), np.log(220))))
            aspect = float(np.exp(rng.uniform(-0.15, 0.15)))
            center = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h])
            scene_a, offset = self._scene(background, rng)
            box_a = self._paste(scene_a, stamp, center, long_side, aspect, np.ones(3))
            # The search scene: the camera moved a little, the object moved, turned a little
            # bigger or smaller, and the light changed.
            scene_b, _ = self._scene(background, rng, offset + rng.integers(-40, 41, 2))
            distractors = []
            if rng.random() < settings.distractor_probability:
                for _ in range(int(rng.integers(1, 4))):
                    other = self.stamps[rng.integers(len(self.stamps))]
                    self._paste(scene_b, other, np.array([rng.uniform(0, w), rng.uniform(0, h)]),
                                long_side * float(np.exp(rng.uniform(-0.5, 0.5))), 1.0, np.ones(3))
            if rng.random() < settings.same_object_distractor_probability:
                # A look-alike: the same object elsewhere, slightly recoloured and resized.
                copy_box = self._paste(scene_b, stamp, np.array([rng.uniform(0, w), rng.uniform(0, h)]),
                                       long_side * float(np.exp(rng.uniform(-0.2, 0.2))), aspect,
                                       1 + rng.uniform(-0.2, 0.2, 3))
                if copy_box is not None:
                    distractors.append(copy_box)
            moved = center + rng.normal(0, 0.08, 2) * np.array([w, h])
            box_b = self._paste(scene_b, stamp, moved, long_side * float(np.exp(rng.uniform(-0.15, 0.15))),
                                aspect, 1 + rng.uniform(-0.1, 0.1, 3))
            if box_a is not None and box_b is not None:
                # The target is pasted last, so it is never hidden behind a distractor.
                return ("photo", choice), scene_a, box_a, scene_b, box_b, distractors
        raise RuntimeError("could not place a cut-out in 20 tries")

    def any_frame(self, rng: Rng, settings: DataSettings, exclude) -> tuple[np.ndarray, np.ndarray]:
        """A composite of a cut-out other than `exclude` (a key from `sample`)."""
        _, _, _, scene, box, _ = self.sample(rng, settings, exclude)
        return scene, box


# ---------------------------------------------------------------------------------------------
# The mixture

class PairSampler:
    def __init__(self, sequences: SequenceSource | None, photos: PhotoSource | None, data: DataSettings,
                 augment: AugmentSettings, exemplar_size: int, instance_size: int, context_amount: float,
                 rounding: str):
        self.sources = [(s, w) for s, w in ((sequences, data.sequence_weight), (photos, data.photo_weight))
                        if s is not None and w > 0]
        if not self.sources:
            raise ValueError("no training data: give sequences (--data) and/or photos (--photos)")
        weights = np.array([w for _, w in self.sources])
        self.weights = weights / weights.sum()
        self.data, self.augment = data, augment
        self.geometry = dict(exemplar_size=exemplar_size, instance_size=instance_size,
                             context_amount=context_amount, rounding=rounding)

    def _source(self, rng: Rng):
        return self.sources[rng.choice(len(self.sources), p=self.weights)][0]

    def sample(self, rng: Rng) -> Pair:
        source = self._source(rng)
        drawn = source.sample(rng, self.data) if isinstance(source, PhotoSource) else source.sample(rng)
        key, template_image, template_box, search_image, search_box, distractors = drawn
        positive = rng.random() >= self.data.negative_pair_probability
        if not positive:  # the search crop shows another object, from anywhere in the data
            other = self._source(rng)
            search_image, search_box = (other.any_frame(rng, self.data, key) if isinstance(other, PhotoSource)
                                        else other.any_frame(rng, key))
            distractors = []
        return make_pair(template_image, template_box, search_image, search_box, rng, self.augment,
                         positive=positive, distractor_boxes=distractors, **self.geometry)

    def batch(self, rng: Rng, size: int) -> list[Pair]:
        return [self.sample(rng) for _ in range(size)]
