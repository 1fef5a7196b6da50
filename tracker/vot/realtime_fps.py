"""The frame rate of the real-time experiments: recorded beside their results, and a view of the
workspace whose sequences all say fps=N, since toolkit 0.7.4 has no switch for it (it runs each
sequence at its own `fps`, 30 where its `sequence` file has none)."""
from __future__ import annotations

import shutil
from pathlib import Path

FPS_RECORD = "realtime_fps.txt"  # in results/<tracker>/<experiment>/: the rate it ran at


def claim_realtime_fps(workspace: Path, tracker: str, experiments: list[str], fps: float | None) -> None:
    """Records the rate the real-time experiments run at (None: each sequence's own). Existing
    results at another rate would be kept by the toolkit, mixing two rates: refused."""
    for experiment in experiments:
        folder = workspace / "results" / tracker / experiment
        recorded = realtime_fps_of(workspace, tracker, experiment)
        if folder.is_dir() and any(folder.iterdir()) and recorded != fps:
            raise SystemExit(f"{folder} holds results at {describe_fps(recorded)}, not "
                             f"{describe_fps(fps)}; delete that folder to re-run it")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / FPS_RECORD).write_text("sequence\n" if fps is None else f"{fps:g}\n")


def realtime_fps_of(workspace: Path, tracker: str, experiment: str) -> float | None:
    """The rate recorded by `evaluate` (None: each sequence's own fps, also for results made
    without this record, e.g. by `vot evaluate` directly)."""
    record = workspace / "results" / tracker / experiment / FPS_RECORD
    text = record.read_text().strip() if record.is_file() else "sequence"
    return None if text == "sequence" else float(text)


def describe_fps(fps: float | None) -> str:
    return "each sequence's fps (30 where missing)" if fps is None else f"{fps:g} fps for every sequence"


def realtime_view(workspace: Path, fps: float) -> Path:
    """A workspace beside the toolkit's own (W/realtime_fps<N>/) on the same registry, stack and
    results folder, whose sequences are links to W's except for their `sequence` files, which say
    fps=N. Rebuilt on each call, so it follows W's sequences."""
    import yaml

    view = workspace / f"realtime_fps{fps:g}"
    shutil.rmtree(view, ignore_errors=True)
    view.mkdir()
    config = yaml.safe_load((workspace / "config.yaml").read_text())
    stack = config["stack"]
    if (workspace / stack).is_file():
        stack = str((workspace / stack).resolve())
    sources = workspace / config.get("sequences", "sequences")
    (view / "config.yaml").write_text(yaml.safe_dump({
        "registry": [str((workspace / entry).resolve()) for entry in config.get("registry", [])],
        "stack": stack, "sequences": "sequences"}))
    (view / "results").symlink_to(workspace / "results", target_is_directory=True)
    (workspace / "results").mkdir(exist_ok=True)
    sequences = view / "sequences"
    sequences.mkdir()
    (sequences / "list.txt").symlink_to((sources / "list.txt").resolve())
    for name in (sources / "list.txt").read_text().split():
        source = sources / name
        (sequences / name).mkdir()
        for entry in source.iterdir():
            if entry.name != "sequence":
                (sequences / name / entry.name).symlink_to(entry.resolve())
        metadata = [line for line in (source / "sequence").read_text().splitlines()
                    if not line.startswith("fps=")] if (source / "sequence").is_file() else []
        (sequences / name / "sequence").write_text("\n".join(metadata + [f"fps={fps:g}"]) + "\n")
    return view
