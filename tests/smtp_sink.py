"""An SMTP sink for the scale-out test and benchmark: takes every message, writes its Message-ID.

    python tests/smtp_sink.py PORT FILE

Runs aiosmtpd on 127.0.0.1:PORT, in its own process (so that it never competes
with the workers for one interpreter), and appends one line per message to FILE:
the Message-ID and the recipient. Prints ``ready`` when it listens.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from typing import Any

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID: (\S+)\r?$", re.MULTILINE | re.IGNORECASE)


class Recorder:
    def __init__(self, path: str) -> None:
        self.out = open(path, "a", encoding="ascii", buffering=1)  # noqa: SIM115 - kept open

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = _MESSAGE_ID.search(envelope.content)
        message_id = found.group(1).decode("ascii") if found else "-"
        self.out.write(f"{message_id}\t{','.join(envelope.rcpt_tos)}\n")
        return "250 OK"


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Recorder(path), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
