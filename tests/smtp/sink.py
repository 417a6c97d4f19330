"""An SMTP server for the tests: aiosmtpd on 127.0.0.1:PORT, writing each message it takes
into DIR as N.json: its recipients, its headers decoded, its text and HTML parts decoded,
and the message as sent (written whole, then renamed). Recipients whose local part starts with
`bounce` are refused for good (550), and those starting with `onebounce` the first time
only; those starting with `later` are refused for now (451) the first time they are seen,
then taken. With `DKIM_TXT` naming a file that holds a DKIM TXT record, each message's
signature is checked with dkimpy against it (as if every selector published it) and
`dkim` says whether it verified. With `TLS` set to `implicit` (TLS from the first byte) or
`starttls` (STARTTLS required), it serves `tls/cert.pem` and takes mail only from a client
logged in as `fund` with the password `s3cret`; each message's `tls` says whether it came
over TLS.

    python3 sink.py PORT DIR
"""

import email
import email.policy
import json
import os
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.deferred = set()
        self.refused = set()
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local.startswith("onebounce") and address not in self.refused:
            self.refused.add(address)
            return "550 5.1.1 no such user here"
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
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}
        decoded = {
            "rcpt_to": envelope.rcpt_tos,
            "headers": {key: str(value) for key, value in message.items()},
            "text": parts.get("text/plain", ""),
            "html": parts.get("text/html", ""),
            "raw": envelope.content.decode("utf-8", "replace"),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        }
        if os.environ.get("DKIM_TXT"):
            decoded["dkim"] = verified(envelope.content, os.environ["DKIM_TXT"])
        partial = os.path.join(self.folder, name + ".part")
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(decoded, out, ensure_ascii=False)
        os.rename(partial, os.path.join(self.folder, name + ".json"))
        return "250 Message accepted"


def verified(content, txt_file):
    import dkim

    with open(txt_file, "rb") as f:
        record = f.read().strip()
    return bool(dkim.verify(content, dnsfunc=lambda name, timeout=5: record))


def logged_in(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"fund" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


def tls_options(mode):
    """The Controller's arguments for TLS `mode`: none, `implicit` or `starttls`."""
    if not mode:
        return {}
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tls")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(os.path.join(here, "cert.pem"), os.path.join(here, "key.pem"))
    login = {"authenticator": logged_in, "auth_required": True}
    if mode == "implicit":
        return {"ssl_context": context, "server_hostname": "127.0.0.1", "auth_require_tls": False, **login}
    return {"tls_context": context, "require_starttls": True, **login}


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    options = tls_options(os.environ.get("TLS"))
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
