"""Downloads the published checkpoints into the weights folder (tracker.zoo.paths.weights_folder:
$SIAMMARGIN_WEIGHTS/<model>/model.pth, else models/<model>/model.pth in a checkout, or
~/.cache/siammargin/weights/<model>/model.pth for an installed package).

    python -m tracker.zoo.download [MODEL ...]

Each model's source is its `download` entry in tracker/zoo/registry.py. A download is accepted only
if it loads strictly into the model's architecture (every key and shape) and, where the registry
records the file's SHA-256 (NanoTrack's files, fetched from the published repository at a fixed
commit), only if it has exactly that hash. pysot's and SiamMargin's files come with no published
checksums, so none are invented for them; every download's SHA-256 is printed for your records.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .checkpoint import load_weights
from ..errors import CheckpointError, TrackerError
from .registry import MODELS, build_network
from .paths import weights_path

DOWNLOADABLE = sorted(name for name, model in MODELS.items() if model.download)


def fetch(url: str, target: Path, check: Callable[[str], None] | None = None, timeout: float = 60) -> str:
    """Streams `url` into `target` through a temporary file beside it, so that `target` appears
    whole or not at all; `check(temporary_path)` may reject the file by raising. Returns its SHA-256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as part:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                digest = hashlib.sha256()
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    part.write(chunk)
                    digest.update(chunk)
            part.close()
            if check is not None:
                check(part.name)
        except BaseException:
            os.unlink(part.name)
            raise
    os.replace(part.name, target)
    return digest.hexdigest()


def require_sha256(path: str | os.PathLike, expected: str, source: str) -> None:
    """CheckpointError unless the file at `path` has the SHA-256 `expected`."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != expected:
        raise CheckpointError(f"the file from {source} has SHA-256 {digest}, expected {expected} "
                              "(a corrupted download, or not the published file); nothing was saved")


def download(model: str, url: str, target: Path) -> None:
    """Fetches `url` into `target`, keeping it only if it has the registry's SHA-256 (where one is
    recorded) and loads strictly into `model`'s network."""
    expected = MODELS[model].sha256

    def check(path: str) -> None:
        if expected is not None:
            require_sha256(path, expected, url)
        load_weights(build_network(model), path, model)  # strict

    digest = fetch(url, target, check=check)
    print(f"{model}: {target} (sha256 {digest})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", default=DOWNLOADABLE, choices=DOWNLOADABLE)
    args = parser.parse_args(argv)
    failures = 0
    for model in args.models:
        target = weights_path(model)
        if target.is_file():
            print(f"{model}: already present at {target}")
            continue
        try:
            download(model, MODELS[model].download, target)
        except (OSError, TrackerError) as error:
            failures += 1
            print(f"{model}: could not download from {MODELS[model].download} ({error}).\n"
                  f"  Download it by hand (pysot: MODEL_ZOO.md links, Google Drive or Baidu Yun code "
                  f"j9yb; SiamMargin: the VOT2019 trackers archive; NanoTrack: NanoTrack/models/"
                  f"pretrained/ of github.com/HonglinChu/SiamTrackers) and save it as {target}",
                  file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
