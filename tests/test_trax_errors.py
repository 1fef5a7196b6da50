"""Every failure of the server, not only bad input, ends the TraX session with a reason the
toolkit shows and a non-zero exit: driven by the VOT toolkit's own runtime."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from trax_failing_server import MESSAGE

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parent
MODEL = "siamrpn_alex_dwxcorr"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A tiny sequence, stand-in AlexNet weights and a registry of the failing server."""
    from tracker.vot.demo_data import write_dataset
    from tracker.zoo.standin_weights import write_checkpoint

    root = tmp_path_factory.mktemp("failing")
    write_dataset(root / "sequences", 1, 4)
    weights = write_checkpoint(root / "weights", MODEL)
    entries = []
    for fail_at in ("warm_up", "init", "track"):
        entries.append(
            f"[fail_{fail_at}]\nprotocol = traxpython\n"
            f"command = import sys; from trax_failing_server import main; sys.exit(main(['--config', "
            f"'models/{MODEL}/config.yaml', '--weights', '{weights}']))\n"
            # stdio: in socket mode the toolkit waits a fixed 30 s for the handshake, which start-up
            # (load + warm-up) can exceed on a loaded machine
            f"paths = {TESTS}:{REPO}\nsocket = false\ntimeout = 300\nenv_FAIL_AT = {fail_at}\n")
    (root / "trackers.ini").write_text("\n".join(entries))
    return root


def run_until_failure(setup: Path, fail_at: str) -> str:
    """Initialises and tracks two frames through the toolkit; returns the TrackerException's text
    (the server's quit reason and its log) and checks the server exited non-zero."""
    from vot.dataset import load_sequence
    from vot.tracker import ObjectStatus, Registry, TrackerException

    sequence_dir = next(p for p in (setup / "sequences").iterdir() if p.is_dir())
    sequence = load_sequence(str(sequence_dir))
    runtime = Registry([str(setup / "trackers.ini")], root=str(setup))[f"fail_{fail_at}"].runtime(log=False)  # log=False: the toolkit keeps the log
    with pytest.raises(TrackerException) as error:
        runtime.initialize(sequence.frame(0), [ObjectStatus(sequence.groundtruth(0), {})])
        runtime.update(sequence.frame(1))
    runtime.stop()
    return str(error.value) + "\n" + (error.value.log or "")


@pytest.mark.parametrize("fail_at, code", [("init", 4), ("track", 4), ("warm_up", 2)])
def test_any_exception_ends_the_session_with_a_reason_and_an_exit_code(setup, fail_at, code):
    text = run_until_failure(setup, fail_at)
    assert f"internal error: RuntimeError: {MESSAGE}" in text   # the reason, one line
    assert "second line of the message" not in text.split("internal error")[1].splitlines()[0]
    assert f"Process exited with code ({code})" in text
    assert "Traceback" not in text  # one line, not a traceback (that is --log-level debug)


SERVER_SETUP_FAILS = """
import sys, trax
def refuse(self, *args, **kwargs):   # what trax.Server raises when the connection cannot be set up
    raise trax.TraxException("Exception when setting up: Unknown")
trax.Server.__init__ = refuse
from tracker.vot.trax_server import main
sys.exit(main(["--config", "models/siammargin_tiny/config.yaml", "--weights", "models/siammargin_tiny/model.pth"]))
"""


def test_failing_to_create_the_server_object_is_one_line_and_exit_2():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", SERVER_SETUP_FAILS], cwd=REPO, capture_output=True,
                            text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert "cannot start the TraX session" in errors[0] and "Exception when setting up" in errors[0]
