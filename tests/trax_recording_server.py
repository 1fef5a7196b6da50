"""The real TraX server (tracker.vot.trax_server), recording after every request what the tracker
did, one JSON line per request in $RECORD_FILE: after an initialize, the target's centre and size;
after a frame, the search size of each search it ran (two = the second search), the search size
for the next frame and whether the cls kernels differ from the first frame's (online update).
Test code only: the hooks live here, not in the product.

    trackers.ini: command = import sys; from trax_recording_server import main; sys.exit(main([...]))
                  paths = <this folder>:<repository root>
                  env_RECORD_FILE = /path/to/record.jsonl
"""
from __future__ import annotations

import json
import os

import torch

from tracker.core.siamese_tracker import SiameseTracker
from tracker.vot.trax_server import main as serve

__all__ = ["main"]


def main(argv: list[str]) -> int:
    record = open(os.environ["RECORD_FILE"], "a")
    init, track, search = SiameseTracker.init, SiameseTracker.track, SiameseTracker._search
    searches: list[int] = []

    def write(entry: dict) -> None:
        record.write(json.dumps(entry) + "\n")
        record.flush()

    def recording_init(self, image, region):
        init(self, image, region)
        write({"request": "initialize", "center": self.state.center.tolist(), "size": self.state.size.tolist(),
               "search_size": self.state.search_size})

    def recording_search(self, image, center):
        searches.append(self.state.search_size)
        return search(self, image, center)

    def recording_track(self, image):
        searches.clear()
        result = track(self, image)
        updated = any(not torch.equal(k, f) for k, f in zip(self.state.kernels.cls, self.state.first_cls))
        write({"request": "frame", "searches": list(searches), "next_search_size": self.state.search_size,
               "kernels_updated": updated})
        return result

    def record_from_the_handshake(*args, **kwargs):
        # warm-up runs before the handshake; record only what the client asked for
        SiameseTracker.init, SiameseTracker.track, SiameseTracker._search = (
            recording_init, recording_track, recording_search)
        return server_class(*args, **kwargs)

    import trax
    server_class = trax.Server
    trax.Server = record_from_the_handshake
    return serve(argv)
