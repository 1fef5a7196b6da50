"""The benchmark runs from its command and reports what it measured, consistently."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO
from tracker.bench import search_macs, skipped_frames


def test_search_macs_match_the_published_counts():
    # Cost of one search worked out from the layer shapes of the published networks (SiamMargin:
    # Horacehxw/SiamMargin siam_margin/resnet.py, rpn.py; r50: STVIR/pysot resnet_atrous.py, rpn.py).
    assert search_macs("siammargin", 255) == pytest.approx(10.4, abs=0.15)
    assert search_macs("siammargin", 351) == pytest.approx(20.2, abs=0.25)
    assert search_macs("siamrpn_r50_l234_dwxcorr", 255) == pytest.approx(48.8, abs=0.6)


def test_realtime_rule():
    """vot-toolkit 0.7.4's rule, worked by hand. At 30 fps (I = 33.3 ms) the first 3 slow replies,
    the initialisation's included, are free; then a reply of t s skips max(0, ⌈t/I⌉ − 2) frames."""
    assert skipped_frames(0.5, [0.2, 0.2, 0.01, 0.01, 0.01], 30) == 0    # grace: init + 2 replies
    assert skipped_frames(0.01, [0.01] * 3 + [0.06] * 5, 30) == 0        # under 2 intervals
    assert skipped_frames(0.01, [0.09] * 4 + [0.01] * 3, 30) == 1        # ⌈2.7⌉ − 2
    # ⌈3.9⌉ − 2 = 2 after each slow reply past the grace: replies at 3, 6, 9, 12 → 6 skipped
    assert skipped_frames(0.01, [0.13] * 13, 30) == 6
    # at 20 fps (I = 50 ms): ⌈2.6⌉ − 2 = 1: replies at 3, 5, 7, 9, 11 → 5 skipped
    assert skipped_frames(0.01, [0.13] * 13, 20) == 5


@pytest.mark.slow
def test_bench_command_writes_table_json_and_plot(tmp_path):
    env = dict(os.environ)
    env.pop("SIAMMARGIN_WEIGHTS", None)
    result = subprocess.run([sys.executable, "-m", "tracker.bench", "--models", "siammargin",
                             "--frames", "4", "--out", str(tmp_path)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "bench.json").read_text())
    assert [(r["model"], r["search_size"]) for r in report["models"]] == [("siammargin", 255), ("siammargin", 351)]
    table = result.stdout.splitlines()
    for row in report["models"]:
        medians = {}
        for path in ("exact", "fast"):
            step, samples = row[path]["step"], row[path]["steps_ms"]
            assert step["count"] == len(samples) == 4 and 0 < step["median"] <= step["p90"] <= step["p99"] <= step["max"]
            # The statistics recomputed from the raw per-step times the report also holds.
            medians[path] = float(np.median(samples))
            assert step["median"] == pytest.approx(medians[path]) and step["max"] == pytest.approx(max(samples))
            assert row[path]["phases"]["network"] > 0 and row[path]["phases"]["crop"] > 0
        ratio = medians["fast"] / medians["exact"]
        assert row["ratio"] == pytest.approx(ratio)
        line = next(l for l in table if l.startswith(row["model"]) and f" {row['search_size']} " in l)
        assert f"{medians['exact']:.1f}" in line and f"{medians['fast']:.1f}" in line and f"{ratio:.2f}" in line
        assert row["floor_ms"] == pytest.approx(1000 * row["gmac"] / report["machine"]["gmac_per_s"])
    assert report["models"][1]["gmac"] > 1.8 * report["models"][0]["gmac"]  # 351² vs 255² searches
    assert set(report["outside_network"]) == {"640x480", "1920x1080"}
    assert (report["outside_network"]["1920x1080"]["phases"]["decode"]
            > report["outside_network"]["640x480"]["phases"]["decode"])
    assert set(report["first_use"]) == {"cold", "warm"} and "255" in report["first_use"]["warm"]
    trax = report["trax"]
    assert 0 < trax["start_to_handshake_s"] < 30 and trax["frames"] == 4
    assert trax["server_ms"]["count"] == 4  # one debug line per frame from the server's log
    assert 0 <= trax["skipped_at_30fps"] <= 4 and trax["skipped_at_20fps"] <= trax["skipped_at_30fps"]
    assert report["real_weights"] is False  # stand-in weights, and the table says so
    assert "stand-in" in result.stdout and "through TraX" in result.stdout
    assert (tmp_path / "latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_phase_timing_wraps_the_tracker_without_changing_it(tmp_path):
    """The benchmark times crop, network, post-processing and update through the tracker's phase_timer;
    the timed tracker tracks exactly as the plain one."""
    from tracker import load_tracker
    from tracker.bench.frames import write_frames
    from tracker.bench.phases import make_tracker
    from tracker.core.images import read_image
    from tracker.zoo.standin_weights import write_checkpoint

    config = REPO / "models" / "siammargin" / "config.yaml"
    weights = write_checkpoint(tmp_path / "weights", "siammargin")
    paths, region = write_frames(tmp_path / "seq", 320, 240, 4)
    assert len(paths) == 4 and all(p.is_file() for p in paths) and region[2] > 0 and region[3] > 0
    plain = load_tracker(config, weights=weights)
    timed = make_tracker(config, weights, "cpu", exact=False, warm=False)
    first = read_image(str(paths[0]))
    plain.init(first, region)
    timed.init(first, region)
    timed.phase_timer.reset()
    for path in paths[1:]:
        image = read_image(str(path))
        assert timed.track(image) == plain.track(image)
    seconds = timed.phase_timer.reset()
    assert set(seconds) == {"crop", "network", "post", "update"} and min(seconds.values()) > 0
