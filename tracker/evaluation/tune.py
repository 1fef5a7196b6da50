"""Hyper-parameter search with Optuna: each trial runs OPE with the sampled parameters on the
tuning split of a dataset and scores its success AUC; the best config is then scored on the
held-out split and written as a config YAML that loads.

    python -m tracker.evaluation.tune --tracker SiamMargin --dataset data/UAV123 --format uav123 \\
        --trials 100 --out tuning/siammargin_uav

Parallelism and resuming come from Optuna's journal file (OUT/study.journal): run the same
command again to continue, or start it in several shells or on several machines sharing the
folder, and they run trials side by side with no database or service. Each trial can also use
--workers N processes for its sequences.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from ..datasets import READERS, Sequence, load_dataset
from ..errors import TrackerError
from ..config.overrides import load_with_overrides, write_effective_config
from ..config.parameters import tuning_space
from .metrics import sequence_curves, summarise
from .registry import add_tracker_arguments, tracker_source
from .results import read_result_boxes
from .runner import Job, run_all

# name: (low, high) of each searchable parameter (our config keys, see models/*/config.yaml), as
# the settings declare them (the `tuning` of their Parameter in tracker/core/settings.py).
SEARCH_SPACE = tuning_space()


def split(sequences: list[Sequence], holdout: float, seed: int) -> tuple[list[Sequence], list[Sequence]]:
    """(tuning, held-out): a seeded shuffle by name, at least one sequence in each."""
    if len(sequences) < 2:
        raise ValueError("tuning needs at least 2 sequences (one is held out)")
    order = sorted(sequences, key=lambda s: s.name)
    np.random.default_rng(seed).shuffle(order)
    held = min(len(order) - 1, max(1, round(holdout * len(order))))
    return order[held:], order[:held]


def ope_auc(job: Job, sequences: list[Sequence], folder: Path, workers: int) -> float:
    run_all(job, sequences, folder, workers=workers, progress=False)
    curves = [sequence_curves(read_result_boxes(folder / f"{s.name}.txt", len(s)), s.boxes()) for s in sequences]
    return summarise(curves)["success_auc"]


def _enabled(config, key: str) -> bool:
    """Feature parameters are searched only when the feature is on in the base config."""
    parts = key.split(".")
    if len(parts) == 3:
        return getattr(getattr(config.tracker, parts[1]), "enabled", False)
    return True


def write_trials(study, out: Path, names: list[str]) -> None:
    trials = [t for t in study.trials if t.value is not None]
    with open(out / "trials.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["trial", "auc", *names])
        for t in trials:
            writer.writerow([t.number, f"{t.value:.4f}", *(f"{t.params[n]:.4f}" for n in names)])
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(6, 4), dpi=120)
    numbers = [t.number for t in trials]
    values = [t.value for t in trials]
    axes.plot(numbers, values, "o", label="trial")
    axes.plot(numbers, np.maximum.accumulate(values), "-", label="best so far")
    axes.set(xlabel="trial", ylabel="success AUC (tuning split)", title="Tuning trials")
    axes.grid(True, alpha=0.4)
    axes.legend(loc="best")
    axes.xaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    figure.savefig(out / "trials.png")
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tune", description=__doc__.split("\n\n")[0])
    add_tracker_arguments(parser)
    parser.add_argument("--dataset", required=True, type=Path)
    parser.add_argument("--format", required=True, choices=sorted(READERS))
    parser.add_argument("--holdout", type=float, default=0.3, help="fraction of sequences held out (default 0.3)")
    parser.add_argument("--seed", type=int, default=0, help="split and sampler seed")
    parser.add_argument("--trials", type=int, default=50, help="trials this command runs")
    parser.add_argument("--params", nargs="+", default=None, metavar="KEY",
                        help=f"parameters to search (default: those that apply of {', '.join(SEARCH_SPACE)})")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="fixed override applied before the searched ones")
    parser.add_argument("--workers", type=int, default=1, help="processes per trial")
    parser.add_argument("--out", required=True, type=Path, help="study folder (journal, trials, best config)")
    args = parser.parse_args(argv)
    try:
        import optuna
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        config_path, weights, device = tracker_source(args)
        base, _ = load_with_overrides(config_path, args.overrides)
        names = args.params or [k for k in SEARCH_SPACE if _enabled(base, k)]
        unknown = [n for n in names if n not in SEARCH_SPACE]
        if unknown:
            raise ValueError(f"--params {unknown[0]}: not searchable; choose from {', '.join(SEARCH_SPACE)}")
        tuning, held_out = split(load_dataset(args.dataset, args.format), args.holdout, args.seed)
        args.out.mkdir(parents=True, exist_ok=True)

        def job_for(assignments: list[str], folder: Path) -> Job:
            _, effective = load_with_overrides(config_path, args.overrides + assignments)
            recorded = write_effective_config(effective, folder / "config.yaml", args.overrides + assignments)
            return Job(config=str(recorded), weights=str(weights), device=args.device or device)

        def objective(trial) -> float:
            assignments = [f"{n}={trial.suggest_float(n, *SEARCH_SPACE[n])}" for n in names]
            folder = args.out / "trials" / f"{trial.number:04d}"
            return ope_auc(job_for(assignments, folder), tuning, folder, args.workers)

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = JournalStorage(JournalFileBackend(str(args.out / "study.journal")))
        study = optuna.create_study(study_name="tune", storage=storage, direction="maximize",
                                    load_if_exists=True, sampler=optuna.samplers.TPESampler(seed=args.seed))
        before = len(study.trials)
        study.optimize(objective, n_trials=args.trials, show_progress_bar=False)
        write_trials(study, args.out, names)
        best = study.best_trial
        assignments = [f"{n}={best.params[n]}" for n in names]
        held_folder = args.out / "best_held_out"
        held_auc = ope_auc(job_for(assignments, held_folder), held_out, held_folder, args.workers)
        _, effective = load_with_overrides(config_path, args.overrides + assignments)
        best_path = write_effective_config(effective, args.out / "best_config.yaml", args.overrides + assignments)
    except (ValueError, TrackerError, OSError) as error:
        print(f"tune: error: {error}", file=sys.stderr)
        return 2
    print(f"{len(study.trials) - before} trial(s) run, {len(study.trials)} in the study; best trial "
          f"{best.number}: AUC {best.value:.3f} on {len(tuning)} tuning sequence(s), {held_auc:.3f} on "
          f"{len(held_out)} held-out")
    for name in names:
        print(f"  {name} = {best.params[name]:.4f}")
    print(f"best config: {best_path}\ntrials: {args.out / 'trials.csv'}, {args.out / 'trials.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
