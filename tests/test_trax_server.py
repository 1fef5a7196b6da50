"""The TraX server driven by the VOT toolkit's own runtime (real processes, real protocol)."""
import os

import numpy as np
import pytest

from conftest import REPO
from tracker import load_tracker
from tracker.core.images import read_image
from vot_helpers import weights_dir, workspace

pytestmark = pytest.mark.slow
MODEL = "siamrpn_alex_dwxcorr"


@pytest.fixture(scope="module")
def setup(tmp_path_factory, standin_weights):
    tmp = tmp_path_factory.mktemp("trax")
    ws = workspace(tmp, sequences=2, frames=12)
    old = os.environ.get("SIAMMARGIN_WEIGHTS")
    os.environ["SIAMMARGIN_WEIGHTS"] = str(weights_dir(tmp, standin_weights, [MODEL]))
    yield ws
    if old is None:
        os.environ.pop("SIAMMARGIN_WEIGHTS")
    else:
        os.environ["SIAMMARGIN_WEIGHTS"] = old


def runtime(tracker_id=MODEL):
    from vot.tracker import Registry
    return Registry([str(REPO / "trackers.ini")], root=str(REPO))[tracker_id].runtime(log=True)


def sequence(ws, index):
    from vot.dataset import load_sequence
    names = (ws / "sequences" / "list.txt").read_text().split()
    return load_sequence(str(ws / "sequences" / names[index]))


def run(rt, seq, start=0):
    """Initialises at `start` with the ground truth; returns the bounds of every later reply."""
    from vot.tracker import ObjectStatus
    rt.initialize(seq.frame(start), [ObjectStatus(seq.groundtruth(start), {})])
    out = []
    for i in range(start + 1, len(seq)):
        state, _ = rt.update(seq.frame(i))
        out.append(_bounds(state[0].region))
    return np.array(out)


def _bounds(region):
    return [region.x, region.y, region.width, region.height]


def test_polygon_and_rectangle_init_and_reinit_equals_fresh_process(setup):
    polygon_seq, rectangle_seq = sequence(setup, 0), sequence(setup, 1)
    rt = runtime()
    try:
        first = run(rt, polygon_seq)
        rect = run(rt, rectangle_seq)          # same process, re-initialised
        again = run(rt, polygon_seq, start=2)  # and again, mid-sequence
    finally:
        rt.stop()
    fresh_rt = runtime()
    try:
        fresh = run(fresh_rt, polygon_seq, start=2)
    finally:
        fresh_rt.stop()
    assert first.shape == (11, 4) and rect.shape == (11, 4)
    np.testing.assert_array_equal(again, fresh)


def test_server_trajectory_equals_load_tracker(setup, standin_weights):
    seq = sequence(setup, 0)
    rt = runtime()
    try:
        served = run(rt, seq)
    finally:
        rt.stop()
    local = local_trajectory(setup, seq, load_tracker(REPO / "models" / MODEL / "config.yaml",
                                                     weights=standin_weights(MODEL)))
    # TraX carries rectangles as float32
    np.testing.assert_allclose(served, local, rtol=1e-6, atol=1e-3)


def local_trajectory(ws, seq, tracker) -> np.ndarray:
    """`tracker`'s boxes on `seq` of the workspace, initialised on its first ground truth, in-process."""
    paths = sorted((ws / "sequences" / seq.name / "color").glob("*.jpg"))
    polygon = [float(v) for v in (ws / "sequences" / seq.name / "groundtruth.txt").read_text().splitlines()[0].split(",")]
    tracker.init(read_image(str(paths[0])), polygon)
    return np.array([tracker.track(read_image(str(p))).bbox for p in paths[1:]])


def expect_tracker_exception(rt, frame, region, text):
    from vot.tracker import ObjectStatus, TrackerException
    import time
    start = time.monotonic()
    with pytest.raises(TrackerException) as error:
        rt.initialize(frame, [ObjectStatus(region, {})])
        rt.update(frame)
    assert text in str(error.value)
    assert time.monotonic() - start < 60  # an answer, not a hang
    rt.stop()


def test_missing_weights_is_reported_through_the_toolkit(setup, tmp_path, monkeypatch):
    monkeypatch.setenv("SIAMMARGIN_WEIGHTS", str(tmp_path))
    seq = sequence(setup, 0)
    expect_tracker_exception(runtime(), seq.frame(0), seq.groundtruth(0),
                             f"weights not found: {tmp_path / MODEL / 'model.pth'}")


def test_degenerate_region_is_reported_through_the_toolkit(setup):
    from vot.region import Polygon
    seq = sequence(setup, 0)
    flat = Polygon([(10, 10), (20, 20), (30, 30), (40, 40)])
    expect_tracker_exception(runtime(), seq.frame(0), flat, "degenerate")


class ServerProcess:
    """The server started the way the toolkit starts it in socket mode, driven by trax.Client."""

    def __init__(self, weights):
        import socket
        import subprocess
        import sys
        import trax

        # As the toolkit does: listen first, start the tracker, hand the socket to the client.
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        port = self.listener.getsockname()[1]
        env = dict(os.environ, TRAX_SOCKET=str(port), TRAX="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracker.vot.trax_server", "--config", "models/siamrpn_alex_dwxcorr/config.yaml",
             "--weights", str(weights)], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        from trax.client import Client
        self.client = Client(self.listener.fileno(), timeout=60, log=lambda message: None)

    def finish(self):
        try:
            out, err = self.process.communicate(timeout=60)
        finally:
            self.process.kill()
            self.listener.close()
        return self.process.returncode, out, err


def trax_image(path):
    import trax
    return {"color": trax.FileImage.create(str(path))}


def test_stdout_stays_empty_in_socket_mode(setup, standin_weights):
    """Everything the server says besides the protocol goes to stderr."""
    import trax
    server = ServerProcess(standin_weights(MODEL))
    seq = sequence(setup, 1)
    region = seq.groundtruth(0)
    server.client.initialize(trax_image(seq.frame(0).filename("color")),
                             [(trax.Rectangle.create(region.x, region.y, region.width, region.height), {})], {})
    server.client.frame(trax_image(seq.frame(1).filename("color")), {}, [])
    server.client.quit()
    code, out, err = server.finish()
    assert code == 0
    assert out == b""
    assert b"handshake done" in err


def test_corrupt_image_ends_the_session_with_the_reason(standin_weights, tmp_path):
    import trax
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8 not a jpeg")
    server = ServerProcess(standin_weights(MODEL))
    with pytest.raises(trax.TraxException):
        server.client.initialize(trax_image(corrupt), [(trax.Rectangle.create(10, 10, 30, 30), {})], {})
    code, out, err = server.finish()
    assert code == 3
    assert b"cannot decode image" in err and str(corrupt).encode() in err



# -- stdio mode: the protocol on stdout, with stderr merged in by the toolkit --------------------

NOISY_STDIO_INI = """[noisy_alex_stdio]
label = alex over stdio, printing and logging on every request
protocol = traxpython
command = import sys; from trax_noisy_server import main; sys.exit(main(['--config', 'models/{model}/config.yaml', '--weights-of', '{model}']))
paths = {tests}:{repo}
timeout = 30
"""


def test_stdio_session_survives_a_tracker_that_prints_and_logs(setup, tmp_path):
    """A tracker entry without `socket = true`: the toolkit talks TraX over the tracker's stdin and
    stdout, reading stdout with stderr merged in. A tracker that prints, logs, warns and leaves a
    progress line unfinished on every request gives the same trajectory as the socket-mode server,
    with no hang (a TraX message after an unfinished line is not recognised)."""
    from vot.tracker import Registry
    ini = tmp_path / "noisy.ini"
    ini.write_text(NOISY_STDIO_INI.format(model=MODEL, tests=REPO / "tests", repo=REPO))
    seq = sequence(setup, 0)
    noisy = Registry([str(ini)], root=str(REPO))["noisy_alex_stdio"]
    rt = noisy.runtime(log=True)
    assert rt._socket is False  # the toolkit's own reading of the entry: stdio
    try:
        stdio = run(rt, seq)
        again = run(rt, seq, start=3)  # re-initialised in the same session
    finally:
        rt.stop()
    rt = runtime()
    try:
        socket_mode = run(rt, seq)
        socket_again = run(rt, seq, start=3)
    finally:
        rt.stop()
    assert stdio.shape == (11, 4)
    np.testing.assert_array_equal(stdio, socket_mode)
    np.testing.assert_array_equal(again, socket_again)


ONNX_RUNTIME_INI = """[alex_onnxruntime]
label = alex, the network's searches in ONNX Runtime
protocol = traxpython
command = import sys; from tracker.vot.trax_server import main; sys.exit(main(['--config', 'models/{model}/config.yaml', '--weights-of', '{model}', '--backend', 'onnxruntime']))
paths = {repo}
socket = true
timeout = 300
"""


def test_server_with_backend_onnxruntime_equals_load_tracker(setup, standin_weights, tmp_path):
    """--backend reaches the server's tracker: its trajectory is load_tracker's with the same backend."""
    from vot.tracker import Registry
    ini = tmp_path / "onnxruntime.ini"
    ini.write_text(ONNX_RUNTIME_INI.format(model=MODEL, repo=REPO))
    seq = sequence(setup, 0)
    rt = Registry([str(ini)], root=str(REPO))["alex_onnxruntime"].runtime(log=True)
    try:
        served = run(rt, seq)
    finally:
        rt.stop()
    local = local_trajectory(setup, seq, load_tracker(REPO / "models" / MODEL / "config.yaml",
                                                     weights=standin_weights(MODEL), backend="onnxruntime"))
    np.testing.assert_allclose(served, local, rtol=1e-6, atol=1e-3)  # TraX carries rectangles as float32
