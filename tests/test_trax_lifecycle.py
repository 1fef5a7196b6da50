"""How the TraX server ends: killed under the toolkit, SIGTERM (idle or busy), TraX quit; and that
it leaves no process or socket behind. Real processes, real protocol: the client is
tests/trax_client.py in its own process (so a libtrax crash there cannot take pytest down), the
crash under the toolkit is tests/trax_dying_server.py (the real server plus a SIGKILL hook)."""
from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import REPO
from vot_helpers import weights_dir, workspace

pytestmark = pytest.mark.slow
MODEL = "siamrpn_alex_dwxcorr"
TESTS = Path(__file__).resolve().parent
PROMPT = 5.0  # seconds: "promptly"


# -- /proc ------------------------------------------------------------------------------------

def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat from the state on (index 0 = state, 1 = ppid, 3 = session,
    11/12 = utime/stime), or None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pid: int) -> float:
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def running_in_session(session: int) -> list[int]:
    """Live (not zombie) processes of a session: everything a process started with
    start_new_session=True spawned, however deep, unless it left the session on purpose."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = proc_stat(int(entry.name))
            if fields and int(fields[3]) == session and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def tcp_sockets() -> list[tuple[int, int, str]]:
    """(local port, remote port, inode) of every TCP socket; inode "0" = held by no process
    (e.g. TIME_WAIT)."""
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            rows.append((int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16), fields[9]))
    return rows


def open_anywhere(inodes: set[str]) -> set[str]:
    """The inodes among `inodes` that some process still holds open."""
    held = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                held |= socket_inodes(int(entry.name)) & inodes
            except (FileNotFoundError, PermissionError):
                pass
    return held


# -- a session: client process + server process -----------------------------------------------

class Client:
    """tests/trax_client.py in its own process, one command line in, one reply line out."""

    def __init__(self, stderr: Path):
        self.process = subprocess.Popen([sys.executable, str(TESTS / "trax_client.py")], cwd=REPO, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr.open("w"))
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.port = int(self.next().split()[1])

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put("EOF")

    def next(self, timeout: float = 60) -> str:
        return self.lines.get(timeout=timeout)  # queue.Empty fails the test: no hang

    def send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def ask(self, line: str, timeout: float = 60) -> str:
        self.send(line)
        return self.next(timeout)

    def finish(self, how: str = "exit") -> int:
        self.send(how)
        return self.process.wait(timeout=30)


class Session:
    """The server started as the toolkit starts it in socket mode (TRAX=1, TRAX_SOCKET), in a
    session of its own so that anything it spawns can be found; connected to a Client."""

    def __init__(self, tmp: Path, weights: Path):
        self.stderr_file, self.stdout_file = tmp / "server.err", tmp / "server.out"
        self.client = Client(tmp / "client.err")
        env = dict(os.environ, TRAX="1", TRAX_SOCKET=str(self.client.port))
        self.server = subprocess.Popen(
            [sys.executable, "-m", "tracker.vot.trax_server", "--config", f"models/{MODEL}/config.yaml",
             "--weights", str(weights)], cwd=REPO, env=env, start_new_session=True,
            stdout=self.stdout_file.open("wb"), stderr=self.stderr_file.open("wb"))
        assert self.client.next() == "connected", self.stderr()

    def stderr(self) -> str:
        return self.stderr_file.read_text()

    def server_exit(self) -> tuple[int, float]:
        """(exit status, seconds it took from now)."""
        start = time.monotonic()
        try:
            code = self.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.server.kill()
            raise
        return code, time.monotonic() - start

    def close(self) -> None:
        for process in (self.server, self.client.process):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> dict:
    """A tiny sequence (paths, first box) and one 5000×5000 noise JPEG that takes a few tenths
    of a second to decode: a request that keeps the server busy."""
    from tracker.vot.demo_data import write_dataset
    root = tmp_path_factory.mktemp("frames")
    write_dataset(root / "sequences", 1, 4)
    sequence = next(p for p in (root / "sequences").iterdir() if p.is_dir())
    noise = np.random.default_rng(0).integers(0, 256, (5000, 5000, 3), dtype=np.uint8)
    cv2.imwrite(str(root / "big.jpg"), noise)
    # rectangle initialisation from the first ground-truth line (polygon or rectangle)
    values = [float(v) for v in (sequence / "groundtruth.txt").read_text().splitlines()[0].split(",")]
    xs, ys = values[0::2], values[1::2]
    box = values if len(values) == 4 else [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    return {"images": sorted(str(p) for p in (sequence / "color").glob("*.jpg")), "box": box,
            "big": str(root / "big.jpg")}


@pytest.mark.parametrize("ending", ["quit", "sigterm_idle", "sigterm_busy", "sigkill"])
def test_server_ends_promptly_and_leaves_nothing_behind(ending, frames, tmp_path, standin_weights):
    session = Session(tmp_path, standin_weights(MODEL))
    try:
        images = frames["images"]
        assert session.client.ask(f"init {images[0]} " + " ".join(map(str, frames["box"]))).startswith("ok ")
        assert session.client.ask(f"frame {images[1]}").startswith("ok ")
        pid, port = session.server.pid, session.client.port
        server_sockets = socket_inodes(pid)
        # the server's end of the TraX connection, seen while it is alive
        assert any(remote == port and inode in server_sockets for _, remote, inode in tcp_sockets())
        children = [p for p in running_in_session(pid) if p != pid]  # for the message below

        if ending == "quit":
            assert session.client.ask("quit") == "ok"
        elif ending == "sigterm_busy":
            time.sleep(0.3)  # let intra-op threads stop spinning after the last frame
            idle_cpu = cpu_seconds(pid)
            session.client.send(f"frame {frames['big']}")
            deadline = time.monotonic() + 30
            while cpu_seconds(pid) - idle_cpu < 0.1:  # working on the request
                assert time.monotonic() < deadline, "the server never started on the request"
                time.sleep(0.01)
            session.server.send_signal(signal.SIGTERM)
        else:
            session.server.send_signal(signal.SIGKILL if ending == "sigkill" else signal.SIGTERM)
        code, seconds = session.server_exit()

        # (b) exit status, promptness, stderr; the client's view of the end
        stderr = session.stderr()
        assert seconds < PROMPT, f"{ending}: the server took {seconds:.1f} s to exit"
        assert "Traceback" not in stderr and session.stdout_file.read_bytes() == b""
        if ending == "quit":
            assert code == 0 and "INFO: quit" in stderr
            assert session.client.finish() == 0
        elif ending.startswith("sigterm"):
            assert code == 128 + signal.SIGTERM
            assert stderr.rstrip().endswith("WARNING: terminated by SIGTERM"), stderr[-500:]
            # the pending (busy) or next (idle) request gets no reply: the server ended the
            # session with a TraX quit, which the client library cleans up without crashing
            reply = session.client.next() if ending == "sigterm_busy" else session.client.ask(f"frame {images[2]}")
            assert reply == "error Server terminated the session"
            assert session.client.finish() == 0
        else:
            assert code == -signal.SIGKILL
            assert session.client.ask(f"frame {images[2]}").startswith("error ")
            assert session.client.finish("abandon") == 0

        # (c) nothing left: no process of the server's session, none of its sockets held by
        # anyone, and the TraX port free for the next tracker (bound the way the toolkit binds it)
        assert running_in_session(pid) == [], f"left running (had {children} while serving)"
        assert not open_anywhere(server_sockets)
        assert not [row for row in tcp_sockets() if port in row[:2] and row[2] != "0"]
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
            probe.listen(1)
    finally:
        session.close()


# -- (a) a tracker killed mid-sequence under the toolkit ---------------------------------------

DYING_INI = """[dying_alex]
label = alex, killed at {die_on}
protocol = traxpython
command = import sys; from trax_dying_server import main; sys.exit(main(['--config', 'models/{model}/config.yaml', '--weights-of', '{model}']))
paths = {tests}:{repo}
socket = true
timeout = 120
env_DIE_ON = {die_on}
"""


def test_tracker_killed_mid_sequence_under_the_toolkit(tmp_path, standin_weights):
    """`evaluate` (unsupervised) with a tracker that dies (SIGKILL) on frame 4 of the second of
    three sequences, then the normal alex tracker, in one toolkit run: the run goes on, the other
    sequences' results equal the normal tracker's, the killed one has none and a log."""
    from vot.region.io import read_trajectory

    ws = workspace(tmp_path, sequences=3, frames=8)
    names = (ws / "sequences" / "list.txt").read_text().split()
    die_on = f"{names[1]}/color/00000004.jpg"
    (ws / "dying.ini").write_text(DYING_INI.format(die_on=die_on, model=MODEL, tests=TESTS, repo=REPO))
    (ws / "config.yaml").write_text(f"registry:\n- {REPO / 'trackers.ini'}\n- {ws / 'dying.ini'}\n"
                                    "stack: vot2019_shortterm.yaml\nsequences: sequences\n")
    env = dict(os.environ, SIAMMARGIN_WEIGHTS=str(weights_dir(tmp_path, standin_weights, [MODEL])))
    run = subprocess.Popen([sys.executable, "-m", "tracker.vot.workflow", "evaluate", "--workspace", str(ws),
                            "--experiments", "unsupervised", "dying_alex", MODEL],
                           cwd=REPO, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        output, _ = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=30)
    assert run.returncode == 0, output[-3000:]
    assert running_in_session(run.pid) == [], "tracker processes outlived the toolkit"

    def results(tracker: str, name: str) -> dict[str, bytes]:
        folder = ws / "results" / tracker / "unsupervised" / name
        return {p.name: p.read_bytes() for p in folder.glob(f"{name}_001*") if not p.name.endswith("_time.value")}

    def complete(name: str) -> list[str]:
        return [f"{name}_001.bin", f"{name}_001_confidence.value"]

    # the run went on after the crash: the next tracker did every sequence
    assert all(sorted(results(MODEL, name)) == complete(name) for name in names), output[-3000:]
    for name in (names[0], names[2]):  # before and after the crash
        dying = results("dying_alex", name)
        assert sorted(dying) == complete(name), output[-3000:]
        assert dying == results(MODEL, name), name  # byte-equal trajectories and scores
        trajectory = read_trajectory(str(ws / "results" / "dying_alex" / "unsupervised" / name / f"{name}_001.bin"))
        assert len(trajectory) == 8
    assert results("dying_alex", names[1]) == {}

    logs = list((ws / "logs").glob("dying_alex_*.log"))
    assert len(logs) == 1, output[-3000:]
    log = logs[0].read_text()
    assert die_on in log and log.rstrip().endswith("Process exited with code (-9)")
    assert f"error at sequence {names[1]}" in output


def test_sigterm_ends_a_server_whose_client_never_answers(tmp_path, standin_weights):
    """The TraX library retries its connection to the client in a C loop that never returns to
    Python; a server whose toolkit is gone must still end on SIGTERM (not linger for good)."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stderr_file = tmp_path / "server.err"
    server = subprocess.Popen(
        [sys.executable, "-m", "tracker.vot.trax_server", "--config", f"models/{MODEL}/config.yaml",
         "--weights", str(standin_weights(MODEL))], cwd=REPO, start_new_session=True,
        env=dict(os.environ, TRAX="1", TRAX_SOCKET=str(port)),
        stdout=subprocess.DEVNULL, stderr=stderr_file.open("wb"))
    try:
        deadline = time.monotonic() + 120
        while "connect: Connection refused" not in stderr_file.read_text():  # in the C loop now
            assert server.poll() is None and time.monotonic() < deadline, stderr_file.read_text()[-500:]
            time.sleep(0.2)
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=5)
        assert code == -signal.SIGTERM, code
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
