"""The thread and OpenMP wait policy (tracker/core/threads.py) is in effect where it should be: in
a process that imports the package, in the TraX server, in load_tracker's process; a user's own
setting and an explicit thread count win. OpenMP's own report (OMP_DISPLAY_ENV=verbose, printed by
libgomp when torch loads it) says what the runtime actually read."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading

import pytest
import torch

from conftest import REPO
from tracker import load_tracker
from tracker.core.threads import available_cores, threads_per_process, use_wait_policy

TINY = REPO / "models" / "siammargin_tiny"


def clean_environment(**variables: str) -> dict[str, str]:
    """os.environ without any OpenMP variable, plus `variables` and OpenMP's report switched on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_", "KMP_"))}
    return {**env, "OMP_DISPLAY_ENV": "verbose", **variables}


def openmp_report(stderr: str) -> dict[str, str]:
    """OMP_WAIT_POLICY and GOMP_SPINCOUNT as libgomp printed them at start-up."""
    return dict(re.findall(r"^\s*(OMP_WAIT_POLICY|GOMP_SPINCOUNT) = '([^']*)'", stderr, re.MULTILINE))


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=clean_environment(**variables),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_importing_the_package_first_makes_openmp_threads_sleep_when_idle():
    report = openmp_report(run_python("import tracker").stderr)
    assert report == {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0"}


def test_without_the_package_first_openmp_spins_and_the_environment_is_left_alone():
    # torch before tracker: libgomp has read its settings already, so the package changes nothing
    result = run_python("import os, torch, tracker; print(os.environ.get('OMP_WAIT_POLICY'))")
    assert openmp_report(result.stderr) == {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "300000"}
    assert result.stdout.strip() == "None"


@pytest.mark.parametrize("variables, expected", [
    ({"OMP_WAIT_POLICY": "ACTIVE"}, {"OMP_WAIT_POLICY": "ACTIVE", "GOMP_SPINCOUNT": "30000000000"}),
    ({"GOMP_SPINCOUNT": "5000"}, {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "5000"}),
])
def test_a_wait_policy_the_user_set_wins(variables, expected):
    result = run_python("import os, tracker; print(os.environ.get('OMP_WAIT_POLICY'))", **variables)
    assert openmp_report(result.stderr) == expected
    assert result.stdout.strip() == str(variables.get("OMP_WAIT_POLICY"))


def test_use_wait_policy_on_an_environment():
    empty: dict[str, str] = {}
    assert use_wait_policy(empty) == {"OMP_WAIT_POLICY": "PASSIVE"} and empty == {"OMP_WAIT_POLICY": "PASSIVE"}
    users = {"GOMP_SPINCOUNT": "100"}
    assert use_wait_policy(users) == {} and users == {"GOMP_SPINCOUNT": "100"}


def test_threads_per_process_divides_the_cores_unless_the_user_said():
    cores = len(os.sched_getaffinity(0))
    assert available_cores() == cores
    assert threads_per_process(1, {}) == cores
    assert threads_per_process(cores, {}) == 1
    assert threads_per_process(4 * cores, {}) == 1
    assert threads_per_process(1, {"OMP_NUM_THREADS": "3"}) == 3
    with pytest.raises(ValueError, match="OMP_NUM_THREADS must be a whole number of threads ≥ 1, got '0'"):
        threads_per_process(1, {"OMP_NUM_THREADS": "0"})


def test_load_tracker_sets_the_threads_it_is_given_and_leaves_them_otherwise():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        load_tracker(TINY / "config.yaml", weights=TINY / "model.pth", threads=2)
        assert torch.get_num_threads() == 2
        load_tracker(TINY / "config.yaml", weights=TINY / "model.pth")
        assert torch.get_num_threads() == 2
        with pytest.raises(ValueError, match="threads must be a whole number of threads ≥ 1, got 0"):
            load_tracker(TINY / "config.yaml", weights=TINY / "model.pth", threads=0)
    finally:
        torch.set_num_threads(before)


def pytorch_default_threads() -> int:
    """What PyTorch itself picks in a fresh process (no tracker code involved)."""
    return int(run_python("import torch; print(torch.get_num_threads())").stdout)


def server_start(*arguments: str, **variables: str) -> tuple[dict[str, str], int]:
    """Starts the TraX server (stdio mode), reads its stderr up to the "loaded" line, stops it;
    returns libgomp's report and the thread count the server logged."""
    server = subprocess.Popen([sys.executable, "-m", "tracker.vot.trax_server", "--config", str(TINY / "config.yaml"),
                               "--weights", str(TINY / "model.pth"), *arguments],
                              cwd=REPO, env=clean_environment(**variables), stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, server.kill)  # a server that never loads fails the test, never hangs it
    watchdog.start()
    lines = []
    try:
        for line in server.stderr:
            lines.append(line)
            if " loaded " in line or " ERROR: " in line:
                break
    finally:
        watchdog.cancel()
        server.kill()
        server.wait()
    stderr = "".join(lines)
    loaded = re.search(r" loaded .* \(backend \w+, threads: (\d+)\)", stderr)
    assert loaded, stderr[-2000:]
    return openmp_report(stderr), int(loaded.group(1))


@pytest.mark.slow
def test_trax_server_runs_with_the_policy_and_an_explicit_thread_count_wins():
    openmp, threads = server_start()
    assert openmp == {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0"}
    assert threads == pytorch_default_threads()
    assert server_start("--threads", "1")[1] == 1
    assert server_start(OMP_NUM_THREADS="1")[1] == 1


@pytest.mark.slow
def test_trax_server_refuses_a_bad_thread_count_in_one_line():
    result = subprocess.run([sys.executable, "-m", "tracker.vot.trax_server", "--config", str(TINY / "config.yaml"),
                             "--weights", str(TINY / "model.pth"), "--threads", "0"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and errors[0].endswith("threads must be a whole number of threads ≥ 1, got 0")
    assert "Traceback" not in result.stderr
