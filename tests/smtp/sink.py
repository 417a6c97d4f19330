"""An SMTP server for the tests: aiosmtpd on 127.0.0.1:PORT, writing each message it takes
into DIR as N.eml (written whole, then renamed). Recipients whose local part starts with
`bounce` are refused for good (550); those starting with `later` are refused for now (451)
the first time they are seen, then taken.

    python3 sink.py PORT DIR
"""

import os
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.deferred = set()
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local.startswith("bounce"):
            return "550 5.1.1 no such user here"
        if local.startswith("later") and address not in self.deferred:
            self.deferred.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            name = f"{self.count:06d}"
        partial = os.path.join(self.folder, name + ".part")
        with open(partial, "wb") as out:
            out.write(envelope.content)
        os.rename(partial, os.path.join(self.folder, name + ".eml"))
        return "250 Message accepted"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
