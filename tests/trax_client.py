"""A TraX client in its own process, driven line by line over stdin/stdout, so that tests can
signal the tracker server while a client holds the session without risking the test process:
libtrax runs here, not in pytest.

    python tests/trax_client.py
    < port 40123            it listens on this loopback port: start the server with TRAX_SOCKET=40123
    < connected             handshake done
    > init IMAGE X Y W H    < ok X Y W H      (or: error MESSAGE)
    > frame IMAGE           < ok X Y W H      (or: error MESSAGE)
    > quit                  < ok               (or: error MESSAGE)
    > exit                  returns normally (libtrax cleans the session up), status 0
    > abandon               exits at once, status 0, skipping libtrax's cleanup: vot-trax 4.0.2
                            segfaults cleaning up a client whose server vanished mid-session
End of input is `exit`.
"""
from __future__ import annotations

import os
import socket
import sys

import trax
from trax.client import Client


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def reply(objects) -> str:
    return "ok " + " ".join(f"{v:.3f}" for v in objects[0][0].bounds())


def main() -> int:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    say(f"port {listener.getsockname()[1]}")
    client = Client(listener.fileno(), timeout=60, log=lambda message: None)
    say("connected")
    for line in sys.stdin:
        command, *args = line.split()
        try:
            if command == "init":
                box = trax.Rectangle.create(*map(float, args[1:5]))
                say(reply(client.initialize({"color": trax.FileImage.create(args[0])}, [(box, {})], {})[0]))
            elif command == "frame":
                say(reply(client.frame({"color": trax.FileImage.create(args[0])}, {}, [])[0]))
            elif command == "quit":
                client.quit()
                say("ok")
            elif command == "exit":
                break
            elif command == "abandon":
                os._exit(0)
        except trax.TraxException as error:
            say(f"error {error}")
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
