"""A real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS or implicit TLS, AUTH, outages.

The certificate is self-signed, made once per process with the ``openssl`` command, for
127.0.0.1 and localhost; clients trust it through ``peer.client_context()`` or by setting
``SSL_CERT_FILE`` to ``peer.cert``. ``stop()`` and ``start()`` again on the same port
simulate an outage; ``peer.script = [451]`` answers the next DATA with a 4xx.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import tempfile
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "alerts@example.org"
PASSWORD = "smtp-password"
_CERT: tuple[Path, Path] | None = None


def certificate() -> tuple[Path, Path]:
    """(cert.pem, key.pem) for 127.0.0.1, made once per process."""
    global _CERT
    if _CERT is None:
        folder = Path(tempfile.mkdtemp(prefix="smtp-peer-"))
        cert, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True,
        )
        _CERT = (cert, key)
    return _CERT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self, peer: SmtpPeer) -> None:
        self.peer = peer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.peer.lock:
            if self.peer.script:
                code = self.peer.script.pop(0)
                return f"{code} {'4.3.0 try again later' if code < 500 else '5.7.1 rejected'}"
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            self.peer.messages.append(msg)
            self.peer.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SmtpPeer:
    def __init__(self, *, security: str = "starttls", port: int | None = None) -> None:
        self.security = security
        self.port = port or free_port()
        self.cert, self.key = certificate()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.script: list[int] = []
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
              and auth_data.password.decode() == PASSWORD)
        if ok:
            with self.lock:
                self.logins.append(USER)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    def start(self) -> SmtpPeer:
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_ctx.load_cert_chain(str(self.cert), str(self.key))
        # PLAIN only: after a refused PLAIN, smtplib retries with LOGIN, which aiosmtpd 1.4 leaves hanging.
        kwargs: dict[str, Any] = {"authenticator": self._authenticate, "auth_required": True,
                                  "auth_exclude_mechanism": ["LOGIN"]}
        if self.security == "starttls":
            kwargs.update(tls_context=server_ctx, require_starttls=True)
        elif self.security == "tls":
            # The whole connection is TLS, which aiosmtpd's own STARTTLS check cannot see.
            # (auth_required would then warn; a wrong password is refused all the same.)
            kwargs.update(ssl_context=server_ctx, auth_require_tls=False, auth_required=False)
        else:
            kwargs.update(auth_require_tls=False, auth_required=False)
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpPeer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]

    def counts(self) -> tuple[int, int]:
        """(distinct messages by Message-ID, repeats a mail client would fold together)."""
        ids = self.message_ids()
        return len(set(ids)), len(ids) - len(set(ids))
