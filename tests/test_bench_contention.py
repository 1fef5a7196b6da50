"""The benchmark's shared-cores section: the chosen and the naive thread / OpenMP wait policy, each
in its own process, alone and beside a competing process the benchmark starts and stops. Every
derived number is recomputed here from the raw step times the report holds."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO

pytestmark = pytest.mark.slow
FRAMES = 4


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    result = subprocess.run([sys.executable, "-m", "tracker.bench", "--models", "siammargin_tiny", "--frames",
                             str(FRAMES), "--no-trax", "--out", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads((out / "bench.json").read_text()), result.stdout


def test_each_policy_ran_with_its_threads_and_openmp_settings(bench):
    section = bench[0]["contention"]
    cores = len(os.sched_getaffinity(0))
    assert section["model"] == "siammargin_tiny" and section["resolution"] == "1280x720"
    assert section["frames"] == FRAMES
    assert section["competitor"] == f"1 busy process pinned to core {max(os.sched_getaffinity(0))} of {cores}"
    chosen, naive = section["policies"]["chosen"], section["policies"]["naive"]
    # what each step process reported from inside: its torch thread count and OpenMP variables
    assert naive["threads"] == cores and naive["environment"] == {"GOMP_SPINCOUNT": "300000"}
    assert chosen["threads"] == cores and chosen["environment"] == {"OMP_WAIT_POLICY": "PASSIVE"}


def test_statistics_and_ratios_follow_from_the_raw_step_times(bench):
    section = bench[0]["contention"]
    medians = {}
    for name, row in section["policies"].items():
        for condition in ("alone", "competing"):
            times = np.array(row[condition]["steps_ms"])
            assert times.shape == (FRAMES,) and (times > 0).all()
            step = row[condition]["step"]
            assert step["count"] == FRAMES
            assert step["median"] == pytest.approx(np.median(times))
            assert step["p90"] == pytest.approx(np.percentile(times, 90))
            assert step["max"] == pytest.approx(times.max())
            medians[name, condition] = np.median(times)
        assert row["competing_over_alone"] == pytest.approx(medians[name, "competing"] / medians[name, "alone"])
    for condition in ("alone", "competing"):
        assert section["chosen_over_naive"][condition] == pytest.approx(
            medians["chosen", condition] / medians["naive", condition])
    for condition in ("alone", "competing"):
        load = section["load_average_1min"][condition]
        assert load["before"] >= 0 and load["after"] >= 0


def test_the_table_prints_the_section(bench):
    report, stdout = bench
    section = report["contention"]
    assert "shared cores (siammargin_tiny fast path, 1280x720, 4 frames" in stdout
    for name in ("chosen", "naive"):
        row = section["policies"][name]
        line = next(line for line in stdout.splitlines() if line.strip().startswith(name))
        assert f"{row['alone']['step']['median']:.1f}" in line and f"{row['competing']['step']['median']:.1f}" in line
    ratios = next(line for line in stdout.splitlines() if line.strip().startswith("chosen/naive"))
    assert f"{section['chosen_over_naive']['competing']:.2f}" in ratios

