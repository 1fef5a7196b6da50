"""The package as a wheel: built from the sources, installed into a fresh virtualenv outside the
checkout, and run from a folder outside it. It ships every model's config and our committed
weights and nothing else from models/, loads the committed model by name, serves a TraX session
(`siammargin-trax --model`), and the commands that need a checkout say so in one line.

Torch & co. are not installed again into the fresh virtualenv (slow, and large): a .pth file
there names the project venv's site-packages. A plain path line in a .pth is only appended to
sys.path (the .pth files inside that folder, among them the editable install's finder, are not
run), so the checkout's `tracker` cannot shadow the wheel's: the test checks where it came from.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO
from test_trax_lifecycle import Client
from tracker.zoo.registry import MODELS

pytestmark = pytest.mark.slow
BUILD_INPUTS = ["setup.py", "setup.cfg", "pyproject.toml", "README.md", "tracker", "models"]
SHIPPED_WEIGHTS = {"siammargin_tiny", "siammargin_nano"}  # models/<name>/model.pth, committed (MODEL.md)
FRAMES = 8  # tracked: the first frames of an 80-frame sequence (its motion is paced for 80)


def copy_sources(target: Path) -> None:
    """The checkout's build inputs, as a developer's checkout may hold them: models/ with local
    files beside the committed ones. The published models' downloaded weights (hundreds of MB)
    are left out; a dummy stands in for one of them."""
    downloaded = {REPO / "models" / name / "model.pth" for name, model in MODELS.items() if model.download}
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")

    def ignore(folder, names):
        return set(skip(folder, names)) | {n for n in names if Path(folder, n) in downloaded}

    target.mkdir()
    for name in BUILD_INPUTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy(source, target / name)
    (target / "models" / "siamrpn_alex_dwxcorr" / "model.pth").write_bytes(b"a developer's download")


def run(command: list, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    copy_sources(tmp / "src")
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                 "-w", tmp / "dist", tmp / "src"], cwd=tmp)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp / "dist").glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """A fresh virtualenv with the wheel installed, a working folder outside the checkout and
    the environment to run in there."""
    tmp = tmp_path_factory.mktemp("installed")
    venv = tmp / "venv"
    made = run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    done = run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel], cwd=tmp)
    assert done.returncode == 0, done.stdout + done.stderr
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "project_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(ours)))
    work = tmp / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "SIAMMARGIN_WEIGHTS", "TRAX", "TRAX_SOCKET")}
    env["XDG_CACHE_HOME"] = str(tmp / "cache")
    return {"venv": venv, "python": python, "site": site, "work": work, "env": env, "cache": tmp / "cache"}


@pytest.fixture(scope="module")
def sequence(tmp_path_factory) -> dict:
    """The first frames of a generated sequence (rectangle annotation) and their ground truth."""
    from tracker.vot.demo_data import write_sequence

    folder = tmp_path_factory.mktemp("sequence") / "seq"
    images = write_sequence(folder, seed=3, frames=80, polygon=False, fps=30)[:FRAMES]
    lines = (folder / "groundtruth.txt").read_text().split()[:FRAMES]
    return {"images": [str(p) for p in images], "boxes": [[float(v) for v in line.split(",")] for line in lines]}


def iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_the_wheel_ships_every_config_and_only_the_committed_weights(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    models = {n for n in names if n.startswith("tracker/_models/")}
    configs = {f"tracker/_models/{p.parent.name}/config.yaml" for p in (REPO / "models").glob("*/config.yaml")}
    weights = {f"tracker/_models/{name}/model.pth" for name in SHIPPED_WEIGHTS}
    assert models == configs | weights  # no dummy download, no model_no_margin.pth, no MODEL.md, …
    assert {name for name, model in MODELS.items() if model.download is None} == SHIPPED_WEIGHTS
    assert sorted(n for n in names if n.endswith(".pth")) == sorted(weights)
    shipped = zipfile.ZipFile(wheel).read("tracker/_models/siammargin_tiny/model.pth")
    assert shipped == (REPO / "models" / "siammargin_tiny" / "model.pth").read_bytes()
    assert "tracker/__init__.py" in names and "tracker/vot/trax_server.py" in names


INSTALLED_RUN = textwrap.dedent("""
    import json, sys
    import tracker
    from tracker import CheckpointError, load_tracker
    from tracker.core.images import read_image
    from tracker.zoo import paths

    images, box = json.loads(sys.argv[1])
    tracker_by_name = load_tracker("siammargin_tiny")
    tracker_by_name.init(read_image(images[0]), box)
    boxes = [list(tracker_by_name.track(read_image(image)).bbox) for image in images[1:]]
    try:
        load_tracker("siamrpn_alex_dwxcorr")
        missing = None
    except CheckpointError as error:
        missing = str(error)
    print(json.dumps({"file": tracker.__file__, "installed": paths.INSTALLED,
                      "models": str(paths.MODELS_FOLDER), "boxes": boxes, "missing": missing}))
""")


@pytest.fixture(scope="module")
def installed_run(installed, sequence) -> dict:
    """INSTALLED_RUN's findings, run by the installed package from outside the checkout."""
    done = run([installed["python"], "-c", INSTALLED_RUN, json.dumps([sequence["images"], sequence["boxes"][0]])],
               cwd=installed["work"], env=installed["env"])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_installed_package_loads_the_committed_model_by_name(installed, installed_run, sequence):
    out = installed_run
    assert Path(out["file"]).is_relative_to(installed["venv"]), out["file"]  # the wheel's copy
    assert out["installed"] and Path(out["models"]) == installed["site"] / "tracker" / "_models"
    # It tracks: every frame's box overlaps the ground truth.
    assert len(out["boxes"]) == FRAMES - 1
    assert min(iou(b, t) for b, t in zip(out["boxes"], sequence["boxes"][1:])) > 0.6
    # A published model's weights are looked for in the user's weights folder, with a way out.
    expected = installed["cache"] / "siammargin" / "weights" / "siamrpn_alex_dwxcorr" / "model.pth"
    assert out["missing"] == (f"weights not found: {expected} (looked in the user's weights folder); "
                              "download them with `python -m tracker.zoo.download siamrpn_alex_dwxcorr` "
                              "or see README, Weights")
    # The same tracker in the checkout, from its files, gives the same boxes.
    from tracker import load_tracker
    from tracker.core.images import read_image

    reference = load_tracker(REPO / "models" / "siammargin_tiny" / "config.yaml",
                             weights=REPO / "models" / "siammargin_tiny" / "model.pth")
    reference.init(read_image(sequence["images"][0]), sequence["boxes"][0])
    expected_boxes = [list(reference.track(read_image(image)).bbox) for image in sequence["images"][1:]]
    np.testing.assert_allclose(out["boxes"], expected_boxes, rtol=0, atol=1e-4)


def test_the_installed_trax_server_answers_a_session(installed, installed_run, sequence, tmp_path):
    client = Client(tmp_path / "client.err")
    env = dict(installed["env"], TRAX="1", TRAX_SOCKET=str(client.port))
    server = subprocess.Popen([installed["venv"] / "bin" / "siammargin-trax", "--model", "siammargin_tiny"],
                              cwd=installed["work"], env=env, stdout=subprocess.DEVNULL,
                              stderr=(tmp_path / "server.err").open("w"))
    try:
        assert client.next(timeout=120) == "connected", (tmp_path / "server.err").read_text()
        box = sequence["boxes"][0]
        assert client.ask(f"init {sequence['images'][0]} {' '.join(map(str, box))}").startswith("ok ")
        replies = [client.ask(f"frame {image}") for image in sequence["images"][1:]]
        assert client.ask("quit") == "ok"
        assert server.wait(timeout=60) == 0
    finally:
        server.kill()
        client.finish()
    assert all(reply.startswith("ok ") for reply in replies), replies
    served = [[float(v) for v in reply.split()[1:]] for reply in replies]  # 3 decimals
    np.testing.assert_allclose(served, installed_run["boxes"], rtol=0, atol=1e-3)
    log = (tmp_path / "server.err").read_text()
    assert f"{installed['site'] / 'tracker' / '_models' / 'siammargin_tiny' / 'model.pth'}" in log


REPOSITORY_ONLY = textwrap.dedent("""
    import json
    from tracker.bench.cli import main as bench
    from tracker.evaluation.compare import main as compare
    from tracker.evaluation.run_dataset import main as run_dataset
    from tracker.training.ablation import main as ablation

    said = {}
    for name, main, argv in [("bench", bench, []), ("compare", compare, ["--dataset", "d"]),
                             ("run_dataset", run_dataset, ["--tracker", "SiamMargin_tiny", "--dataset", "d",
                                                            "--format", "vot", "--out", "o"]),
                             ("ablation", ablation, ["--data", "d"])]:
        try:
            main(argv)
        except SystemExit as end:
            said[name] = str(end.code)
    print(json.dumps(said))
""")


def test_commands_that_need_a_checkout_say_so_in_one_line(installed):
    demo = run([installed["python"], "-m", "tracker.vot.demo"], cwd=installed["work"], env=installed["env"])
    assert demo.returncode == 1 and demo.stdout == ""
    assert demo.stderr.startswith("the demo (scripts/demo) needs a source checkout of the project")
    assert demo.stderr.count("\n") == 1 and "Traceback" not in demo.stderr
    done = run([installed["python"], "-c", REPOSITORY_ONLY], cwd=installed["work"], env=installed["env"])
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert sorted(said) == ["ablation", "bench", "compare", "run_dataset"]
    for message in said.values():
        assert "needs a source checkout of the project" in message and "\n" not in message
    assert not list(installed["work"].iterdir())  # nothing written in the working folder
    assert not (installed["site"] / "output").exists()  # nor beside the installed package
