"""Hyper-parameter search with Optuna: each trial runs OPE with the sampled parameters on the
tuning split of a dataset and scores it by the benchmark's headline number (success AUC; AO on
GOT-10k; metrics.py); the best config is then scored on the held-out split and written as a config
YAML that loads.

    python -m tracker.evaluation.tune --tracker SiamMargin --dataset data/UAV123 --format uav123 \\
        --trials 100 --out tuning/siammargin_uav

Parallelism and resuming come from Optuna's journal file (OUT/study.journal): run the same
command again to continue, or start it in several shells or on several machines sharing the
folder, and they run trials side by side with no database or service. Each trial can also use
--workers N processes for its sequences. Every file is written atomically; the held-out score is
that of the best trial's own config, run in held_out/<trial>/ (so a resumed study that finds a new
best scores the new config, and tuners sharing the folder never mix two configs' results). A
resumed study must keep its --params, --holdout and --seed (the study records them).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path

import numpy as np

from ..datasets import READERS, Sequence, load_dataset
from ..errors import TrackerError
from ..config.overrides import load_with_overrides, write_effective_config
from ..config.parameters import tuning_space
from .metrics import rules_for, score_sequence, summarise
from .tracker_arguments import add_tracker_arguments, tracker_from_arguments
from .results import read_result_boxes, write_text_atomically
from .run_record import file_sha256
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


def ope_score(job: Job, sequences: list[Sequence], folder: Path, workers: int) -> float:
    """Runs OPE (resumable) and returns the benchmark's headline number: success AUC, or AO."""
    failed = run_all(job, sequences, folder, workers=workers, progress=False).failed
    if failed:
        name, error = next(iter(failed.items()))
        raise ValueError(f"sequence {name} failed: {error}")
    rules = rules_for(sequences[0])
    errors = {s.name: score_sequence(s, read_result_boxes(folder / f"{s.name}.txt", len(s)), rules) for s in sequences}
    return summarise(errors, rules)[rules.numbers[0]]


def write_config(effective: dict, path: Path, assignments: list[str], note: str = "") -> Path:
    """write_effective_config, atomically (tuners sharing the folder may write the same file)."""
    temporary = write_effective_config(effective, path.with_name(f"{path.name}.{os.getpid()}.part"), assignments)
    if note:
        temporary.write_text(note + temporary.read_text())
    os.replace(temporary, path)
    return path


def check_study(study, recorded: dict) -> None:
    """Records what defines the study on its first run; a resume with other values is refused."""
    before = {key: study.user_attrs[key] for key in recorded if key in study.user_attrs}
    if not before:
        for key, value in recorded.items():
            study.set_user_attr(key, value)
        return
    for key, value in recorded.items():
        if before.get(key) != value:
            shown = " ".join(map(str, before.get(key))) if isinstance(before.get(key), list) else before.get(key)
            raise ValueError(f"this study was run with --{key} {shown}; resume it with the same, or use "
                             "another --out for a new study")


def _enabled(config, key: str) -> bool:
    """Feature parameters are searched only when the feature is on in the base config."""
    parts = key.split(".")
    if len(parts) == 3:
        return getattr(getattr(config.tracker, parts[1]), "enabled", False)
    return True


def write_trials(study, out: Path, names: list[str]) -> None:
    trials = [t for t in study.trials if t.value is not None]
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["trial", "auc", *names])
    for t in trials:
        writer.writerow([t.number, f"{t.value:.4f}", *(f"{t.params[n]:.4f}" for n in names)])
    write_text_atomically(out / "trials.csv", table.getvalue())
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
    temporary = out / f"trials.png.{os.getpid()}.part"
    figure.savefig(temporary, format="png")
    plt.close(figure)
    os.replace(temporary, out / "trials.png")


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

        config_path, weights, device, backend = tracker_from_arguments(args)
        base, _ = load_with_overrides(config_path, args.overrides)
        names = args.params or [k for k in SEARCH_SPACE if _enabled(base, k)]
        unknown = [n for n in names if n not in SEARCH_SPACE]
        if unknown:
            raise ValueError(f"--params {unknown[0]}: not searchable; choose from {', '.join(SEARCH_SPACE)}")
        tuning, held_out = split(load_dataset(args.dataset, args.format), args.holdout, args.seed)
        args.out.mkdir(parents=True, exist_ok=True)

        def job_for(assignments: list[str], folder: Path) -> Job:
            _, effective = load_with_overrides(config_path, args.overrides + assignments)
            recorded = write_config(effective, folder / "config.yaml", args.overrides + assignments)
            return Job(config=str(recorded), weights=str(weights), device=device, backend=backend)

        def objective(trial) -> float:
            assignments = [f"{n}={trial.suggest_float(n, *SEARCH_SPACE[n])}" for n in names]
            folder = args.out / "trials" / f"{trial.number:04d}"
            return ope_score(job_for(assignments, folder), tuning, folder, args.workers)

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = JournalStorage(JournalFileBackend(str(args.out / "study.journal")))
        study = optuna.create_study(study_name="tune", storage=storage, direction="maximize", load_if_exists=True)
        before = len(study.trials)
        # A resumed study gets a sampler seeded past its trials: with the same seed it would draw
        # the same random start-up points again.
        study.sampler = optuna.samplers.TPESampler(seed=args.seed + before)
        check_study(study, {"params": names, "holdout": args.holdout, "seed": args.seed,
                            "weights_sha256": file_sha256(weights), "device": device})
        study.optimize(objective, n_trials=args.trials, show_progress_bar=False)
        write_trials(study, args.out, names)
        best = study.best_trial
        assignments = [f"{n}={best.params[n]}" for n in names]
        held_folder = args.out / "held_out" / f"{best.number:04d}"
        held_score = ope_score(job_for(assignments, held_folder), held_out, held_folder, args.workers)
        _, effective = load_with_overrides(config_path, args.overrides + assignments)
        best_path = write_config(effective, args.out / "best_config.yaml", args.overrides + assignments,
                                 note=f"# best trial {best.number}: {best.value:.4f} on the tuning split, "
                                      f"{held_score:.4f} on the held-out split ({held_folder})\n")
    except (ValueError, TrackerError, OSError) as error:
        print(f"tune: error: {error}", file=sys.stderr)
        return 2
    print(f"{len(study.trials) - before} trial(s) run, {len(study.trials)} in the study; best trial "
          f"{best.number}: AUC {best.value:.3f} on {len(tuning)} tuning sequence(s), {held_score:.3f} on "
          f"{len(held_out)} held-out")
    for name in names:
        print(f"  {name} = {best.params[name]:.4f}")
    print(f"best config: {best_path}\ntrials: {args.out / 'trials.csv'}, {args.out / 'trials.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
