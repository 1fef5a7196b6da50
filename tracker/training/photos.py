"""Still photographs for training pairs, from Debian packages: cut-outs with alpha masks
(Tux Paint's stamps) and backgrounds (desktop wallpapers).

    python -m tracker.training.photos [--cache DIR]

Each package is fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a cache
outside the repository (default ~/.cache/siammargin/photos); nothing is installed on the system.
Then an index (photos.json) lists the usable images: stamps that are photographs (PNG with an
alpha channel and enough distinct colours and texture, not flat clip-art), and backgrounds of at
least 480 px on their shorter side.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

STAMP_PACKAGES = ["tuxpaint-stamps-default"]
BACKGROUND_PACKAGES = ["mate-backgrounds", "ukui-wallpapers", "plasma-workspace-wallpapers",
                       "lomiri-wallpapers-20.04"]
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "siammargin" / "photos"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def fetch(package: str, cache: Path) -> Path:
    """Downloads and unpacks one Debian package into cache/<package>/ (skipped when present)."""
    target = cache / package
    if (target / ".unpacked").is_file():
        return target
    debs = cache / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        result = subprocess.run(["apt-get", "download", package], cwd=debs, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"apt-get download {package} failed: {result.stderr.strip().splitlines()[-1:]} "
                               "(run `apt-get update` first, or check the package name)")
        found = sorted(debs.glob(f"{package}_*.deb"))
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg-deb", "-x", str(found[-1]), str(target)], check=True)
    (target / ".unpacked").write_text(found[-1].name)
    return target


def is_photographic_cutout(image: np.ndarray) -> bool:
    """A stamp is used when it is a real cut-out photograph: an alpha channel whose opaque part
    covers 10–95 % of the image, at least 64 px a side, and many distinct colours with texture
    (clip-art has a few flat colours and near-zero gradients inside its outline)."""
    if image is None or image.ndim != 3 or image.shape[2] != 4 or min(image.shape[:2]) < 64:
        return False
    alpha = image[:, :, 3]
    opaque = alpha > 200
    coverage = opaque.mean()
    if not 0.10 <= coverage <= 0.95:
        return False
    pixels = image[:, :, :3][opaque]
    colours = len(np.unique((pixels // 8).astype(np.int32) @ np.array([1024, 32, 1])))
    gray = cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY).astype(np.float32)
    inner = cv2.erode(opaque.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    if inner.sum() < 500:
        return False
    texture = np.abs(cv2.Laplacian(gray, cv2.CV_32F))[inner]
    flat_share = (texture < 1.0).mean()
    return colours >= 600 and flat_share < 0.5


def build_index(cache: Path) -> dict:
    stamps, backgrounds = [], []
    for package in STAMP_PACKAGES:
        for path in sorted((cache / package).rglob("*.png")):
            image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if is_photographic_cutout(image):
                stamps.append(str(path.relative_to(cache)))
    for package in BACKGROUND_PACKAGES:
        for path in sorted((cache / package).rglob("*")):
            if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
                continue
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is not None and min(image.shape[:2]) >= 480:
                backgrounds.append(str(path.relative_to(cache)))
    return {"stamps": stamps, "backgrounds": backgrounds,
            "packages": STAMP_PACKAGES + BACKGROUND_PACKAGES}


def prepare(cache: Path = DEFAULT_CACHE) -> Path:
    """Fetches every package (once) and writes cache/photos.json; returns its path."""
    cache.mkdir(parents=True, exist_ok=True)
    index_path = cache / "photos.json"
    if index_path.is_file():
        return index_path
    for package in STAMP_PACKAGES + BACKGROUND_PACKAGES:
        print(f"[photos] {package}", file=sys.stderr)
        fetch(package, cache)
    index = build_index(cache)
    index_path.write_text(json.dumps(index, indent=1))
    print(f"[photos] {len(index['stamps'])} photographic cut-outs, {len(index['backgrounds'])} backgrounds "
          f"in {cache}", file=sys.stderr)
    return index_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    print(prepare(args.cache))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
