"""What the wheel ships; the metadata and the dependencies are in setup.cfg.

setup.cfg cannot say this part: models/ stays at the repository root (where the project keeps
each model's config and our committed weights) and becomes the package `tracker._models` inside
the wheel, so that an installed tracker finds its models beside its code (tracker/zoo/paths.py).
A package_dir mapping does this for both kinds of install: `pip install .` copies the files
into the wheel; `pip install -e .` copies nothing, and the code reads models/ in the checkout.

Only the files listed in MODEL_FILES are shipped, never a glob over model.pth: a developer's
downloaded models/<model>/model.pth (published weights, never committed) must not leak into a
wheel. The weights listed are those of the models whose registry entry has no download URL
(tracker/zoo/registry.py); tests/test_wheel.py checks that the two agree.
"""
from setuptools import find_packages, setup

MODEL_FILES = [
    "*/config.yaml",                 # every model's config
    "siammargin_tiny/model.pth",     # our own trained models, committed (their MODEL.md)
    "siammargin_nano/model.pth",
]

setup(
    packages=find_packages(include=["tracker", "tracker.*"]) + ["tracker._models"],
    package_dir={"tracker._models": "models"},
    package_data={"tracker._models": MODEL_FILES},
)
