"""Email over SMTP (STARTTLS, implicit TLS or plain), as multipart text + HTML.

The stdlib ``smtplib`` runs in a worker thread. Message-ID is ``<alert-id@monitor>``, so a
repeat after a crash carries the same id; an update sets In-Reply-To/References to its
story's first alert, so mail clients thread it under the story.

SMTP 4xx replies, refused connections and timeouts are temporary; 5xx replies (a rejected
address, bad credentials) and a missing password are permanent.

``timeout`` bounds each socket operation, so a server that trickles its replies a byte at
a time would hold the thread for ever, and asyncio cannot cancel a thread (the daemon could
not exit on SIGTERM). So the exchange has an overall deadline, ``send_deadline(timeout)``,
enforced from outside the thread: ``_Deadline`` shuts the connection down at the deadline,
or at once when the send is cancelled; the blocked read returns, smtplib raises, the
thread ends. Past its deadline a send is a temporary failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import smtplib
import socket
import ssl
import threading
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate

from monitor.config import ChannelConfig
from monitor.delivery.base import TransportError, message_id, send_deadline
from monitor.delivery.render import render
from monitor.models import Alert

MESSAGE_ID_DOMAIN = "monitor"


def build_message(alerts: Sequence[Alert], *, sender: str, to: Sequence[str]) -> EmailMessage:
    """The email for one alert or a digest: pure apart from the Date header."""
    rendered = render(alerts)
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = f"<{message_id(alerts)}@{MESSAGE_ID_DOMAIN}>"
    if len(alerts) == 1:
        first = _first_alert_id(alerts[0])
        if first and first != alerts[0].id:
            msg["In-Reply-To"] = f"<{first}@{MESSAGE_ID_DOMAIN}>"
            msg["References"] = f"<{first}@{MESSAGE_ID_DOMAIN}>"
    msg["X-Monitor-Alert-Id"] = message_id(alerts)
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg


def _first_alert_id(alert: Alert) -> str | None:
    story = alert.payload.get("story")
    if isinstance(story, dict) and isinstance(story.get("first_alert_id"), str):
        return str(story["first_alert_id"])
    return None


class _Deadline:
    """Ends one SMTP exchange at its deadline, from outside the thread that runs it.

    Each connection's socket is registered as soon as it is connected (before the greeting
    and any TLS handshake); at the deadline, or on ``expire()``, a timer shuts it down, which
    wakes a read blocked in the sending thread. It keeps a duplicate of the socket: STARTTLS
    and implicit TLS replace smtplib's socket object with a TLS one on the same connection,
    and shutting down the duplicate ends that connection whatever object reads from it.
    (A connect in progress is not interrupted: it is bounded by ``timeout`` per address.)
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._closed = False
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:  # connected after the deadline: end it before it says anything
                _shutdown(sock)
            elif not self._closed:
                self._socks.append(sock.dup())

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                _shutdown(sock)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._closed = True
            for sock in self._socks:
                sock.close()
            self._socks.clear()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed, by the peer or smtplib: nothing left to wake
        sock.shutdown(socket.SHUT_RDWR)


class _WatchedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose connection is registered with a ``_Deadline`` once connected."""

    def __init__(self, host: str, port: int, *, timeout: float, deadline: _Deadline) -> None:
        self.deadline = deadline  # (before connecting: the constructor connects)
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]  # (private in typeshed)
        self.deadline.watch(sock)
        return sock


class _WatchedSMTP_SSL(smtplib.SMTP_SSL, _WatchedSMTP):
    """Implicit TLS. In this order SMTP_SSL's _get_socket wraps what _WatchedSMTP's returns,
    so the plain socket is watched before the TLS handshake, which a server can trickle too."""

    def __init__(self, host: str, port: int, *, timeout: float, deadline: _Deadline,
                 context: ssl.SSLContext) -> None:
        self.deadline = deadline
        smtplib.SMTP_SSL.__init__(self, host, port, timeout=timeout, context=context)


class EmailChannel:
    def __init__(self, config: ChannelConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.ssl_context = ssl_context

    async def send(self, alerts: Sequence[Alert]) -> None:
        password = self._password()
        msg = build_message(alerts, sender=self.config.from_, to=self.config.to)
        deadline = _Deadline(send_deadline(self.config.timeout))
        deadline.start()
        try:
            await asyncio.to_thread(self._send, msg, password, deadline)
        except asyncio.CancelledError:
            # Shutdown: end the exchange now, not at the deadline, so the thread ends with
            # this task and the process can exit (asyncio.run waits for its threads).
            deadline.expire()
            raise
        finally:
            deadline.close()

    def _password(self) -> str | None:
        if not self.config.username:
            return None
        name = self.config.password_env
        if not name:
            raise TransportError("username is set but password_env is not", permanent=True)
        value = os.environ.get(name)
        if value is None:
            raise TransportError(f"environment variable {name} (the SMTP password) is not set", permanent=True)
        return value

    def _send(self, msg: EmailMessage, password: str | None, deadline: _Deadline) -> None:
        cfg = self.config
        context = self.ssl_context or ssl.create_default_context()
        timeout = float(cfg.timeout)
        port = cfg.port or {"tls": 465, "starttls": 587}.get(cfg.security, 25)
        try:
            try:
                smtp: smtplib.SMTP
                if cfg.security == "tls":
                    smtp = _WatchedSMTP_SSL(cfg.host, port, timeout=timeout, deadline=deadline, context=context)
                else:
                    smtp = _WatchedSMTP(cfg.host, port, timeout=timeout, deadline=deadline)
                with smtp:
                    if cfg.security == "starttls":
                        smtp.starttls(context=context)
                    if password is not None:
                        smtp.login(cfg.username, password)
                    refused = smtp.send_message(msg, from_addr=cfg.from_, to_addrs=list(cfg.to))
            except (smtplib.SMTPException, OSError) as exc:
                if deadline.expired:
                    # Whatever the cut-off connection made smtplib raise, the cause is the deadline.
                    raise TransportError(f"SMTP {cfg.host}:{port}: gave up after {deadline.seconds:g}s in total "
                                         "(server too slow)", deadline_s=deadline.seconds) from exc
                raise
            if refused:
                # Some recipients took it: retrying would send the others a second copy.
                raise TransportError(f"some recipients refused: {_describe_refused(refused)}", permanent=True)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            temporary = all(400 <= c < 500 for c in codes)
            raise TransportError(f"all recipients refused: {_describe_refused(exc.recipients)}",
                                 permanent=not temporary) from exc
        except smtplib.SMTPResponseException as exc:
            raw = exc.smtp_error
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            raise TransportError(f"SMTP {exc.smtp_code} {text}".strip(),
                                 permanent=exc.smtp_code >= 500) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise TransportError(f"SMTP server does not support it: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Refused connections, timeouts, resets, TLS handshakes: the server may be back soon.
            raise TransportError(f"SMTP {cfg.host}:{port}: {type(exc).__name__}: {exc}") from exc


def _describe_refused(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{rcpt}: {code} {text.decode('utf-8', 'replace')}" for rcpt, (code, text) in refused.items())
