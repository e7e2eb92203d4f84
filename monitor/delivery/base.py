"""What every channel is: something that sends alerts and raises ``TransportError`` when it can't.

A transport returns nothing on success. On failure it raises ``TransportError`` saying
whether trying again could help (``permanent=False``: a refused connection, a timeout,
a 5xx, SMTP 4xx) or not (``permanent=True``: a rejected address, bad credentials, a
missing secret). The orchestrator turns that into a retry with backoff or a failed row.

A channel's ``timeout`` bounds each socket operation (connect, one write, one read), not a
whole send: a peer that trickles a byte a second never trips it. So every network send
also has an overall deadline, ``send_deadline(timeout)``; past it the send is a temporary
failure that names the deadline (``TransportError.deadline_s``), retried with backoff.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from monitor.models import Alert

# The overall deadline of one send, in the channel's timeouts. A webhook is a connect, a
# write and a read; an SMTP exchange is about eight short round trips (greeting, EHLO,
# STARTTLS, AUTH, MAIL, RCPT, DATA, the body) that a working server answers in well under
# a timeout each. Four is room for a slow but working peer, and finite for a trickling
# one: 60 s at the default 15 s. (fetch.py bounds a feed the same way.)
SEND_DEADLINE_TIMEOUTS = 4


def send_deadline(timeout: float) -> float:
    """Seconds one send may take in total, for a channel whose per-operation timeout is ``timeout``."""
    return SEND_DEADLINE_TIMEOUTS * float(timeout)


class TransportError(Exception):
    """A channel could not deliver; ``permanent`` says whether retrying is pointless."""

    def __init__(self, message: str, *, permanent: bool = False, deadline_s: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        # Set when the send was cut off at its overall deadline (see send_deadline).
        self.deadline_s = deadline_s

    def __str__(self) -> str:
        return self.message


class Channel(Protocol):
    """One configured destination. ``alerts`` is one alert, or several for a digest."""

    async def send(self, alerts: Sequence[Alert]) -> None: ...


def digest_id(alerts: Sequence[Alert]) -> str:
    """A stable id for a digest: the same alerts always give the same id."""
    digest = hashlib.sha256("\x1f".join(sorted(a.id for a in alerts)).encode("utf-8")).hexdigest()
    return f"d-{digest[:24]}"


def message_id(alerts: Sequence[Alert]) -> str:
    """The id a message carries: the alert's own, or the digest's."""
    return alerts[0].id if len(alerts) == 1 else digest_id(alerts)


def digest_payload(alerts: Sequence[Alert]) -> dict[str, object]:
    """The JSON object a webhook posts for a digest (interface.md)."""
    return {"kind": "digest", "id": digest_id(alerts), "alerts": [a.payload for a in alerts]}
