"""Benchmark: the tracker step, reference (exact) against fast path, in the same run.

    python -m tracker.bench [--models siammargin ...] [--frames 40] [--device cpu] [--out output/bench]

For each model and search size it tracks real JPEG frames with both paths, interleaved frame by
frame so that both see the same machine, and reports per-frame latency (median, p90, p99, max)
split into decode, crop, network, post-processing and online update; the init time; the
machine's matrix-multiply rate and each network's floor (MACs / rate). Then, on the fast path:
the work outside the network at 640×480 and 1920×1080; first-use spikes on a SiamMargin run that
switches search size and searches twice, with and without warm-up; and through the TraX server
as the VOT toolkit runs it: process start to handshake, per-frame reply times, and the frames
VOT's real-time rule would skip at 20 and 30 fps; and, for SiamMargin-tiny at 1280×720, the step
with the package's thread and OpenMP wait policy against the naive one (every core, libgomp's
spinning default), each in its own process, alone and beside a competing CPU-bound process that
the benchmark starts and stops; and NanoTrack v1/v2/v3 (exact and fast) beside OpenCV's
cv2.TrackerNano.update() on the same frames, interleaved, at 1 and 2 threads on both sides (ratio
ours/OpenCV; --nano-onnx names the folder of OpenCV's v2 ONNX pair). Writes a table (stdout),
bench.json, latency.png and, with NanoTrack, opencv_nano.png. Weights: the real ones where present (README, Weights), else stand-in weights
(speed does not depend on weight values, except how often SiamMargin searches twice).

One module per job: machine (CPU name, matrix-multiply rate), macs (a network's MACs), frames
(the JPEG sequences), phases (a tracker step split into phases), steps (exact against fast, and
the work outside the network), first_use, realtime_rule (the frames VOT's real-time rule skips),
trax_run (the server under the toolkit's runtime), contention (shared cores) with step_process (a
tracker stepped in a process of its own), opencv_nano (NanoTrack beside OpenCV's TrackerNano), report (table and plot), cli (the command).
"""
from .macs import search_macs
from .realtime_rule import skipped_frames

__all__ = ["search_macs", "skipped_frames"]
