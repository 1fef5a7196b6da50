"""Downloads the published checkpoints into the weights folder (tracker.zoo.paths.weights_folder:
$SIAMMARGIN_WEIGHTS/<model>/model.pth, else models/<model>/model.pth in a checkout, or
~/.cache/siammargin/weights/<model>/model.pth for an installed package).

    python -m tracker.zoo.download [MODEL ...]

Each model's source is its `download` entry in tracker/zoo/registry.py. No checksums are published
for these files, so none are invented here: a download is accepted only if it loads strictly
into the model's architecture (every key and shape), and its SHA-256 is printed for your records.
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
from ..errors import TrackerError
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


def download(model: str, url: str, target: Path) -> None:
    digest = fetch(url, target, check=lambda path: load_weights(build_network(model), path, model))  # strict
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
                  f"j9yb; SiamMargin: the VOT2019 trackers archive) and save it as {target}",
                  file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
