"""What produced a results folder, recorded beside the results (`run.yaml`), so that a resumed run
never mixes two trackers' results: the effective config, the weights' SHA-256, the arithmetic
(exact or fast, and the backend when it is not torch), the device and the protocol (with the supervised protocol's settings).
A resume whose record differs in anything is refused with a message naming what differs."""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from .results import write_text_atomically

RECORD = "run.yaml"


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_record(job, config: dict) -> dict:
    """The record of a runner.Job with its effective config mapping."""
    record = {"config": config, "weights": str(job.weights), "weights_sha256": file_sha256(job.weights),
              "path": "exact" if job.exact else "fast", "device": job.device, "protocol": job.protocol}
    if job.backend != "torch":  # recorded only then: records written before backends stay resumable
        record["backend"] = job.backend
    if job.protocol == "supervised":
        record.update(experiment=job.experiment, repetitions=job.repetitions, skip_initialize=job.skip_initialize)
    return record


def _differences(recorded, current, prefix: str = "") -> list[str]:
    """'key: A there, B now' for each differing leaf (config keys dotted)."""
    if isinstance(recorded, dict) and isinstance(current, dict):
        return [line for key in sorted(set(recorded) | set(current), key=str)
                for line in _differences(recorded.get(key), current.get(key), f"{prefix}{key}.")]
    if recorded != current:
        return [f"{prefix[:-1]}: {recorded} there, {current} now"]
    return []


def _holds_results(folder: Path) -> bool:
    return folder.is_dir() and any(p.name != "config.yaml" for p in folder.iterdir())


def check_and_record(folder: Path, record: dict) -> None:
    """Writes `record` as folder/run.yaml; if the folder already holds results, they must have been
    produced by the same run (the weights' path may differ: their SHA-256 decides)."""
    path = folder / RECORD
    if path.is_file():
        recorded = yaml.safe_load(path.read_text()) or {}
        differences = _differences({k: v for k, v in recorded.items() if k != "weights"},
                                   {k: v for k, v in record.items() if k != "weights"})
        if differences:
            raise ValueError(f"{folder} holds results of another run ({'; '.join(differences[:3])}"
                             f"{'; …' if len(differences) > 3 else ''}); use another --name or delete that folder")
    elif _holds_results(folder):
        raise ValueError(f"{folder} holds results with no record of what produced them ({RECORD}); "
                         "use another --name or delete that folder")
    write_text_atomically(path, yaml.safe_dump(record, sort_keys=False))
