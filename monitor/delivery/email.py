"""Email over SMTP (STARTTLS, implicit TLS or plain), as multipart text + HTML.

The stdlib ``smtplib`` runs in a worker thread. Message-ID is ``<alert-id@monitor>``, so a
repeat after a crash carries the same id; an update sets In-Reply-To/References to its
story's first alert, so mail clients thread it under the story.

SMTP 4xx replies, refused connections and timeouts are temporary; 5xx replies (a rejected
address, bad credentials) and a missing password are permanent.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate

from monitor.config import ChannelConfig
from monitor.delivery.base import TransportError, message_id
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


class EmailChannel:
    def __init__(self, config: ChannelConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.ssl_context = ssl_context

    async def send(self, alerts: Sequence[Alert]) -> None:
        password = self._password()
        msg = build_message(alerts, sender=self.config.from_, to=self.config.to)
        await asyncio.to_thread(self._send, msg, password)

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

    def _send(self, msg: EmailMessage, password: str | None) -> None:
        cfg = self.config
        context = self.ssl_context or ssl.create_default_context()
        timeout = float(cfg.timeout)
        port = cfg.port or {"tls": 465, "starttls": 587}.get(cfg.security, 25)
        try:
            smtp: smtplib.SMTP
            if cfg.security == "tls":
                smtp = smtplib.SMTP_SSL(cfg.host, port, timeout=timeout, context=context)
            else:
                smtp = smtplib.SMTP(cfg.host, port, timeout=timeout)
            with smtp:
                if cfg.security == "starttls":
                    smtp.starttls(context=context)
                if password is not None:
                    smtp.login(cfg.username, password)
                refused = smtp.send_message(msg, from_addr=cfg.from_, to_addrs=list(cfg.to))
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
