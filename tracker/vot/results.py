"""What an evaluation produced, per tracker and experiment: the per-frame reply times and skipped
frames the toolkit wrote into the result files, and the toolkit's analysis (its JSON) as rows."""
from __future__ import annotations

import math
from pathlib import Path

from .realtime_fps import realtime_fps_of
from .workspace import realtime_experiments


def reply_times(workspace: Path, tracker: str, experiment: str) -> tuple[list[float], int]:
    """Per-frame reply times and the number of frames the real-time rule skipped, from the
    `*_time.value` files: a time per frame sent, 0 for a frame the toolkit skipped (it records
    the last output for it), nothing for frames between a failure and the re-initialisation."""
    times, skipped = [], 0
    for time_file in sorted((workspace / "results" / tracker / experiment).glob("*/*_time.value")):
        for line in time_file.read_text().splitlines():
            if not line.strip():
                continue
            value = float(line)
            if value > 0:
                times.append(value)
            else:
                skipped += 1
    return sorted(times), skipped


def frame_statistics(workspace: Path, tracker: str, experiment: str) -> dict:
    times, skipped = reply_times(workspace, tracker, experiment)
    return {"frames_timed": len(times),
            "mean_ms": 1e3 * sum(times) / len(times) if times else math.nan,
            "p99_ms": 1e3 * times[min(len(times) - 1, int(0.99 * len(times)))] if times else math.nan,
            "skipped": skipped}


def summarise(analysis: dict, workspace: Path, tracker: str) -> list[dict]:
    """One row per experiment: EAO, accuracy, failures, timing."""
    rows = []
    realtime = realtime_experiments(workspace)
    trackers = list(analysis["trackers"])
    position = trackers.index(tracker)
    for experiment, block in analysis["results"].items():
        row = {"experiment": experiment, "eao": math.nan, "accuracy": math.nan, "failures": math.nan}
        for spec, values in zip(block["parameters"]["analyses"], block["results"]):
            kind = spec["type"].rsplit(".", 1)[-1]
            value = values[position]
            if kind == "AverageAccuracyRobustness":
                row["accuracy"], row["failures"] = value[0], value[1]
            elif kind == "EAOScore":
                row["eao"] = value[0]
            elif kind == "AverageAccuracy":
                row["accuracy"] = value[0]
        row.update(frame_statistics(workspace, tracker, experiment))
        if experiment in realtime:
            row["realtime_fps"] = realtime_fps_of(workspace, tracker, experiment)  # None: per sequence
        rows.append(row)
    return rows
