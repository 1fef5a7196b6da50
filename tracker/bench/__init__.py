"""Benchmark: the tracker step, reference (exact) against fast path, in the same run.

    python -m tracker.bench [--models siammargin ...] [--frames 40] [--device cpu] [--out output/bench]

For each model and search size it tracks real JPEG frames with both paths, interleaved frame by
frame so that both see the same machine, and reports per-frame latency (median, p90, p99, max)
split into decode, crop, network, post-processing and online update; the init time; the
machine's matrix-multiply rate and each network's floor (MACs / rate). Then, on the fast path:
the work outside the network at 640×480 and 1920×1080; first-use spikes on a SiamMargin run that
switches search size and searches twice, with and without warm-up; and through the TraX server
as the VOT toolkit runs it: process start to handshake, per-frame reply times, and the frames
VOT's real-time rule would skip at 20 and 30 fps. Writes a table (stdout), bench.json and
latency.png. Weights: the real ones where present (README, Weights), else stand-in weights
(speed does not depend on weight values, except how often SiamMargin searches twice).

One module per job: machine (CPU name, matrix-multiply rate), macs (a network's MACs), frames
(the JPEG sequences), phases (a tracker step split into phases), steps (exact against fast, and
the work outside the network), first_use, realtime_rule (the frames VOT's real-time rule skips),
trax_run (the server under the toolkit's runtime), report (table and plot), cli (the command).
"""
from .macs import search_macs
from .realtime_rule import skipped_frames

__all__ = ["search_macs", "skipped_frames"]
