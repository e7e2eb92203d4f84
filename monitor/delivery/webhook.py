"""Webhook: POST the alert's JSON, signed, with its id in a header (interface.md).

The body is the payload serialised once; the signature is HMAC-SHA256 of exactly those
bytes. 2xx is success; 4xx other than 408 and 429 is permanent; anything else (5xx,
408, 429, timeouts, refused connections) is retried. A digest posts
``{"kind": "digest", "id": ..., "alerts": [...]}``.

httpx's timeout applies to each connect, write and read; the whole POST is also bounded by
``send_deadline(timeout)``, so a receiver that trickles its answer a byte at a time is
given up on (temporary) instead of holding its channel for ever.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
from collections.abc import Sequence

import httpx

from monitor.config import ChannelConfig
from monitor.delivery.base import TransportError, digest_payload, message_id, send_deadline
from monitor.models import Alert

SIGNATURE_HEADER = "X-Monitor-Signature"
ALERT_ID_HEADER = "X-Monitor-Alert-Id"
USER_AGENT = "monitor/0.1 (alert webhook)"


def body_for(alerts: Sequence[Alert]) -> bytes:
    obj = alerts[0].payload if len(alerts) == 1 else digest_payload(alerts)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, secret: str) -> str:
    """The X-Monitor-Signature value for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def is_permanent(status: int) -> bool:
    return 400 <= status < 500 and status not in (408, 429)


class WebhookChannel:
    def __init__(self, config: ChannelConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.transport = transport

    def _secret(self) -> str | None:
        name = self.config.secret_env
        if not name:
            return None
        value = os.environ.get(name)
        if not value:  # empty is unset, as `monitor check` says: an empty key signs nothing
            raise TransportError(f"environment variable {name} (the webhook secret) is not set", permanent=True)
        return value

    async def send(self, alerts: Sequence[Alert]) -> None:
        body = body_for(alerts)
        headers = {"Content-Type": "application/json", ALERT_ID_HEADER: message_id(alerts),
                   "User-Agent": USER_AGENT}
        secret = self._secret()
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(body, secret)
        timeout = httpx.Timeout(float(self.config.timeout))
        deadline = send_deadline(self.config.timeout)
        try:
            # (The client is inside the deadline too: closing it must not wait on the peer.)
            async with asyncio.timeout(deadline):
                async with httpx.AsyncClient(timeout=timeout, transport=self.transport,
                                             follow_redirects=False) as client:
                    response = await client.post(self.config.url, content=body, headers=headers)
        except TimeoutError as exc:  # asyncio's deadline; httpx's own timeouts are not TimeoutError
            raise TransportError(f"webhook gave up after {deadline:g}s in total (receiver too slow)",
                                 deadline_s=deadline) from exc
        except httpx.TimeoutException as exc:
            raise TransportError(f"webhook timed out after {self.config.timeout:g}s: {type(exc).__name__}") from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            # InvalidURL is not an httpx.HTTPError: uncaught, it would be retried as a bug.
            raise TransportError(f"webhook URL not usable: {exc}", permanent=True) from exc
        except httpx.HTTPError as exc:
            raise TransportError(f"webhook: {type(exc).__name__}: {exc}") from exc
        if response.is_success:
            return
        detail = response.text[:200].strip()
        raise TransportError(f"webhook answered HTTP {response.status_code}" + (f": {detail}" if detail else ""),
                             permanent=is_permanent(response.status_code))
