"""Runs one of OpenCV's trackers (opencv-contrib) over sequences, OPE; a stand-alone script run by
compare.py in its own environment (opencv-contrib-python replaces opencv-python's cv2, so it
lives in a separate virtual environment). Imports only cv2, numpy and the standard library.

    python opencv_worker.py TRACKER < jobs.json > results.json
    python opencv_worker.py Nano BACKBONE.onnx NECKHEAD.onnx < jobs.json > results.json
jobs: [{"name": ..., "frames": [paths], "init": [x, y, w, h]}]; results: {name: {"boxes": [[x, y, w, h], ...],
"seconds": [per frame]}}.
"""
import json
import sys
import time

import cv2

FACTORIES = {
    "CSRT": lambda: cv2.TrackerCSRT_create(),
    "KCF": lambda: cv2.TrackerKCF_create(),
    "MIL": lambda: cv2.TrackerMIL_create(),
    "MOSSE": lambda: cv2.legacy.TrackerMOSSE_create(),
    "MedianFlow": lambda: cv2.legacy.TrackerMedianFlow_create(),
}


def nano_factory(backbone, neckhead):
    """cv2.TrackerNano (OpenCV >= 4.7): the published NanoTrack v2 exported to ONNX, two files."""
    params = cv2.TrackerNano_Params()
    params.backbone, params.neckhead = backbone, neckhead
    return lambda: cv2.TrackerNano_create(params)


def run(kind, job):
    tracker = FACTORIES[kind]()  # one tracker per sequence, as a user would make
    boxes, seconds = [], []
    last = [float(v) for v in job["init"]]
    for index, path in enumerate(job["frames"]):
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        start = time.perf_counter()
        if index == 0:
            # OpenCV takes integer rectangles; the first reported box is the given one.
            tracker.init(image, tuple(int(round(v)) for v in last))
        else:
            found, box = tracker.update(image)
            if found:  # on a reported loss, keep the last box (OPE needs a box every frame)
                last = [float(v) for v in box]
        seconds.append(time.perf_counter() - start)
        boxes.append(last)
    return {"boxes": boxes, "seconds": seconds}


def main():
    kind = sys.argv[1]
    if kind == "Nano":
        if len(sys.argv) != 4:
            sys.exit("Nano needs NanoTrack v2's ONNX pair: opencv_worker.py Nano BACKBONE.onnx NECKHEAD.onnx")
        FACTORIES["Nano"] = nano_factory(sys.argv[2], sys.argv[3])
    if kind not in FACTORIES:
        sys.exit(f"unknown OpenCV tracker {kind!r}; known: {', '.join(FACTORIES)}, Nano")
    jobs = json.load(sys.stdin)
    json.dump({job["name"]: run(kind, job) for job in jobs}, sys.stdout)


if __name__ == "__main__":
    main()
