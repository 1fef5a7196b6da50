"""Runs a tracker in-process over a dataset (OPE or VOT's supervised protocol), serially, in N
worker processes, or as Ray tasks; resumable; writes raw results, the effective config and a record
of what produced them (run.yaml: a resume with another config, weights, path, device or protocol is
refused). A sequence that fails is reported in one line after every other one was run and written,
and the exit status is 1.

    python -m tracker.evaluation.run_dataset --tracker siamrpn_alex_dwxcorr \\
        --dataset data/OTB100 --format otb --out results --name alex --workers 2
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..datasets import READERS, load_dataset
from ..errors import TrackerError
from ..config.overrides import load_with_overrides, write_effective_config
from .tracker_arguments import add_tracker_arguments, tracker_from_arguments
from .run_record import check_and_record, run_record
from .runner import PROTOCOLS, Job, run_all

# Experiments of the VOT2019 stack that `vot analysis` scores by other rules than the reset protocol
# run here (the toolkit applies them itself: scripts/evaluate).
NOT_SUPERVISED_RESETS = {
    "realtime": "vot analysis scores it as the real-time experiment, whose frame-skipping rule "
                "(frame interval, grace frames, the last output repeated) run_dataset does not apply",
    "unsupervised": "vot analysis scores it as one run without re-initialisation, not the reset protocol "
                    "run_dataset applies",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run_dataset", description=__doc__.split("\n\n")[0])
    add_tracker_arguments(parser)
    parser.add_argument("--exact", action="store_true", help="the published code's arithmetic (slower)")
    parser.add_argument("--dataset", required=True, type=Path, help="dataset folder")
    parser.add_argument("--format", required=True, choices=sorted(READERS), help="dataset layout")
    parser.add_argument("--sequences", nargs="+", metavar="NAME", help="only these sequences")
    parser.add_argument("--protocol", default="ope", choices=PROTOCOLS)
    parser.add_argument("--out", required=True, type=Path,
                        help="results folder (for supervised: a VOT workspace's results/)")
    parser.add_argument("--name", help="results sub-folder (default: the tracker ID or config's folder name)")
    parser.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    parser.add_argument("--ray", metavar="ADDRESS", help="run each sequence as a Ray task: a cluster "
                        "address, 'auto', or 'local' for a local cluster")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. tracker.penalty_k=0.1 (repeatable)")
    parser.add_argument("--repetitions", type=int, default=15, help="supervised: runs per sequence")
    parser.add_argument("--skip-initialize", type=int, default=5,
                        help="supervised: frames from a failure to the re-initialisation")
    parser.add_argument("--experiment", default="baseline",
                        help="supervised: experiment folder name (default baseline; realtime and "
                             "unsupervised run through the toolkit: scripts/evaluate)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def prepare(args: argparse.Namespace) -> tuple[Job, Path]:
    """Resolves the tracker, validates the config with its overrides and records it and the rest of
    the run (run_record.py) in the results folder; a resumed run must match the record."""
    config, weights, device, backend = tracker_from_arguments(args)
    if args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    if args.protocol == "supervised" and args.experiment in NOT_SUPERVISED_RESETS:
        raise ValueError(f"--experiment {args.experiment}: {NOT_SUPERVISED_RESETS[args.experiment]}; run it "
                         f"through the toolkit: scripts/evaluate TRACKER --experiments {args.experiment}")
    if not Path(weights).is_file():
        raise ValueError(f"weights not found: {weights}")
    _, effective = load_with_overrides(config, args.overrides)
    name = args.name or args.tracker or Path(config).parent.name
    folder = args.out / name
    recorded = folder / "config.yaml"
    job = Job(config=str(recorded), weights=str(weights), device=device, exact=args.exact, backend=backend, protocol=args.protocol, repetitions=args.repetitions,
              skip_initialize=args.skip_initialize, experiment=args.experiment)
    check_and_record(folder, run_record(job, effective))
    write_effective_config(effective, recorded, args.overrides)
    return job, folder


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        job, folder = prepare(args)
        sequences = load_dataset(args.dataset, args.format)
        if args.sequences:
            unknown = sorted(set(args.sequences) - {s.name for s in sequences})
            if unknown:
                raise ValueError(f"no sequence {unknown[0]!r} in {args.dataset}")
            sequences = [s for s in sequences if s.name in set(args.sequences)]
        start = time.perf_counter()
        report = run_all(job, sequences, folder, workers=args.workers, ray_address=args.ray,
                         progress=not args.quiet)
    except (ValueError, TrackerError, OSError) as error:
        print(f"run_dataset: error: {error}", file=sys.stderr)
        return 2
    for name, error in report.failed.items():
        print(f"run_dataset: sequence {name} failed: {error}", file=sys.stderr)
    print(f"{len(report.ran)} sequence(s) run, {len(report.already_done)} already done, "
          f"{len(report.failed)} failed, {time.perf_counter() - start:.1f} s; results in {folder}", file=sys.stderr)
    return 1 if report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
