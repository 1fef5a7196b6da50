"""The real TraX server (tracker.vot.trax_server), except that it kills itself with SIGKILL when a
request names an image whose path contains $DIE_ON: a tracker crash at a chosen frame, for
tests of what the toolkit keeps. Test code only; the hook lives here, not in the product.

    trackers.ini: command = import sys; from trax_dying_server import main; sys.exit(main([...]))
                  paths = <this folder>:<repository root>
                  env_DIE_ON = my-sequence/color/00000004.jpg
"""
from __future__ import annotations

import os
import signal

import trax

from tracker.vot.trax_server import main

__all__ = ["main"]

_wait = trax.Server.wait


def _wait_or_die(self):
    request = _wait(self)
    die_on = os.environ.get("DIE_ON")
    if die_on and request.image and die_on in request.image["color"].path():
        os.kill(os.getpid(), signal.SIGKILL)
    return request


trax.Server.wait = _wait_or_die
