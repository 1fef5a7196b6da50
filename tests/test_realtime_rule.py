"""The benchmark's real-time skip count against the VOT toolkit's own RealtimeTrackerRuntime
(vot-toolkit 0.7.4): the toolkit's runtime wraps a tracker runtime whose reply to frame i takes
the time measured for frame i (the wrapper only reads the times the runtime reports), and the
frames it never sends to the tracker are the skipped ones. The benchmark measures every frame's
reply with all frames sent; a skipped frame's time is never spent."""
from hypothesis import example, given, settings
from hypothesis import strategies as st
from vot.tracker import RealtimeTrackerRuntime, TrackerRuntime

from tracker.bench import skipped_frames


class TimedRuntime(TrackerRuntime):
    """A tracker runtime for frames 0, 1, …: its reply to frame i takes times[i] seconds."""

    def __init__(self, init_seconds: float, reply_seconds: list[float]):
        super().__init__(tracker=None)
        self.times = [init_seconds] + list(reply_seconds)
        self.sent: list[int] = []

    def _reply(self, frame: int):
        self.sent.append(frame)
        return [f"state of frame {frame}"], self.times[frame]

    def initialize(self, frame, new=None, properties=None):
        return self._reply(frame)

    def update(self, frame, new=None, properties=None):
        return self._reply(frame)

    def stop(self):
        pass

    def restart(self):
        pass


def toolkit_skips(init_seconds: float, reply_seconds: list[float], fps: float, grace: int) -> int:
    """Frames the toolkit does not send to the tracker when it runs len(reply_seconds) frames
    after the initialisation, as its experiments do (interval 1 / fps)."""
    inner = TimedRuntime(init_seconds, reply_seconds)
    runtime = RealtimeTrackerRuntime(inner, grace, 1 / float(fps))
    runtime.initialize(0, [])
    skipped = 0
    for frame in range(1, len(reply_seconds) + 1):
        state, seconds = runtime.update(frame)
        if inner.sent[-1] != frame:
            # never sent: the toolkit records the last real answer, taking no time
            assert state == [f"state of frame {inner.sent[-1]}"] and seconds == 0
            skipped += 1
    return skipped


# Reply times around multiples of both intervals (33.3 and 50 ms), where off-by-one rules differ.
seconds = st.one_of(st.sampled_from([0.0, 0.01, 0.03, 0.04, 0.05, 0.06, 0.07, 0.09, 0.1, 0.13, 0.2, 0.5, 1.0]),
                    st.floats(0, 0.5))


@settings(max_examples=500, deadline=None)
@given(init=seconds, replies=st.lists(seconds, max_size=40), fps=st.sampled_from([20, 30, 25, 29.97]),
       grace=st.integers(0, 4))
@example(init=0.5, replies=[0.13] * 13, fps=30, grace=3)
@example(init=0.01, replies=[0.09] * 4 + [0.01] * 3, fps=30, grace=0)
def test_skip_count_equals_the_toolkits(init, replies, fps, grace):
    assert skipped_frames(init, replies, fps, grace) == toolkit_skips(init, replies, fps, grace)


def test_the_comparison_can_see_skips():
    """Guards the test above: slow replies do make the toolkit skip frames."""
    assert toolkit_skips(0.01, [0.13] * 13, 30, 3) == 6
    assert toolkit_skips(0.01, [0.01] * 13, 30, 3) == 0
