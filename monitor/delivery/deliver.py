"""Delivery: the outbox to every channel, at least once, never lost. The one place it is sequenced.

    for each configured channel, concurrently (the daemon: each on its own schedule):
        claim due rows, atomically, under a lease             Store.claim
      → plan: quiet hours, digest, rate limit                 policy.plan_channel
      → hold what waits (stays pending, due at its time)      Store.hold
      → send each message: one alert, or a digest of several  Channel.send
      → decide on a failure: retry | failed                   policy.after_failure
      → record: sent | retry after backoff | failed           Store.mark_sent_many / mark_retry / mark_failed

A send that outlives its overall deadline (``base.send_deadline``: a peer trickling its
answer) is a temporary failure, logged with the channel and ``deadline_s``.

Each step is logged as one ``key=value`` line (``event=delivery_sent``, ``delivery_retry``,
``delivery_stuck``, ``delivery_failed``, ``delivery_held``) on the ``monitor.delivery`` logger.

Temporary errors are retried until the fault clears, never given up on: the
``max_attempts``-th failure in a row is logged once as ``delivery_stuck`` and the row keeps
retrying at the capped backoff. Only permanent errors fail a row; ``monitor deliver
--retry-failed`` (``Store.requeue_failed``) gives failed rows back once the cause is fixed.

Crash safety: a claimed row is ``sending`` until recorded. If the process dies between
sending and recording, the row's lease runs out (or ``Store.recover_claims`` releases it
at startup) and it is sent again with the same alert id: receivers drop the repeat (the
webhook's ``X-Monitor-Alert-Id``, the email's Message-ID; the file sink checks itself).
Rows held for a digest, quiet hours or a rate limit stay ``pending`` in the outbox with
``next_attempt_at`` at their time, so a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from monitor.alerts import test_alert
from monitor.config import ChannelConfig, Config
from monitor.delivery import policy
from monitor.delivery.apprise_channel import AppriseChannel
from monitor.delivery.base import Channel, TransportError, message_id, send_deadline
from monitor.delivery.email import EmailChannel
from monitor.delivery.file import FILE_NAME, FileChannel
from monitor.delivery.webhook import WebhookChannel
from monitor.logs import log
from monitor.models import Alert
from monitor.storage import OutboxItem, Store

logger = logging.getLogger("monitor.delivery")

# A claimed row not recorded within the lease was abandoned by a dead process. A live
# deliverer must never outlive it (another would send the row again): see round_lease.
LEASE_S = 600.0
CLAIM_LIMIT = 1000
# After this many temporary failures in a row, a channel is taken to be down for this
# round: its other messages wait for the retry time instead of each timing out in turn.
BREAKER_FAILURES = 3
# Test-only hook (tests/test_delivery_faults.py, bench/fault_matrix.py): SIGKILL this
# process right after the N-th successful send, before it is recorded, to prove that a
# crash between sending and recording neither loses nor duplicates an alert.
CRASH_HOOK_ENV = "MONITOR_TEST_CRASH_AFTER_SEND"
_sends_in_process = 0

_rng = random.Random()


@dataclass(frozen=True)
class Attempt:
    """What happened to one message on one channel in this round."""

    channel: str
    alert_ids: tuple[str, ...]
    outcome: str  # "sent", "retry", "failed" or "held"
    error: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    attempts: tuple[Attempt, ...] = ()
    # Pending rows for channel keys no longer in the config: kept, never dropped.
    unknown_channels: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    def count(self, outcome: str) -> int:
        """Alerts (not messages) with this outcome."""
        return sum(len(a.alert_ids) for a in self.attempts if a.outcome == outcome)

    @property
    def sent(self) -> int:
        return self.count("sent")

    @property
    def retried(self) -> int:
        return self.count("retry")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def held(self) -> int:
        return self.count("held")

    @property
    def messages(self) -> int:
        return sum(1 for a in self.attempts if a.outcome == "sent")

    def __str__(self) -> str:
        text = (f"{self.sent} alerts sent in {self.messages} messages, {self.retried} to retry, "
                f"{self.failed} failed, {self.held} held for digest/quiet hours/rate limit")
        for key, n in self.unknown_channels:
            text += f"; {n} pending for channel {key!r}, which is no longer configured"
        return text


def open_channel(channel: ChannelConfig, config: Config) -> Channel:
    """The transport for a configured channel."""
    if channel.type == "file":
        return FileChannel(Path(channel.path) if channel.path else config.state.dir / FILE_NAME)
    if channel.type == "email":
        return EmailChannel(channel)
    if channel.type == "webhook":
        return WebhookChannel(channel)
    if channel.type == "apprise":
        return AppriseChannel(channel)
    raise ValueError(f"unknown channel type {channel.type!r}")


async def deliver_pending(store: Store, config: Config, now: datetime, *, ignore_backoff: bool = False,
                          rng: random.Random | None = None, tz: tzinfo | None = None,
                          lease_s: float = LEASE_S) -> DeliveryReport:
    """Deliver every due outbox row on every configured channel; see the module docstring.

    ``ignore_backoff`` (``monitor deliver``) also takes rows still waiting out a retry
    backoff; digest, quiet-hour and rate-limit holds still apply. ``tz`` is the zone of
    quiet hours and digest periods (None: the machine's local time).
    """
    rng = rng or _rng
    results = await asyncio.gather(*(
        _deliver_channel(store, config, ch, now, ignore_backoff=ignore_backoff, rng=rng, tz=tz, lease_s=lease_s)
        for ch in config.channels
    ))
    unknown = report_unknown_channels(store, config)
    return DeliveryReport(attempts=tuple(a for attempts in results for a in attempts), unknown_channels=unknown)


async def deliver_channel(store: Store, config: Config, ch: ChannelConfig, now: datetime) -> DeliveryReport:
    """One channel's round on its own, for the daemon: it schedules each channel apart, so a
    slow peer holds back only its own channel's next round, never the file sink's.
    ``deliver_pending`` is every channel at once."""
    attempts = await _deliver_channel(store, config, ch, now, ignore_backoff=False, rng=_rng, tz=None,
                                      lease_s=LEASE_S)
    return DeliveryReport(attempts=tuple(attempts))


def report_unknown_channels(store: Store, config: Config) -> tuple[tuple[str, int], ...]:
    """Pending rows for channel keys no longer in the config, each logged: kept, never dropped."""
    configured = {ch.key for ch in config.channels}
    unknown = tuple(sorted((k, n) for k, n in store.pending_by_channel().items() if k not in configured))
    for key, n in unknown:
        log(logger, logging.WARNING, "delivery_unknown_channel", channel=key, pending=n,
            hint="add the channel back to the config to deliver these")
    return unknown


async def _deliver_channel(store: Store, config: Config, ch: ChannelConfig, now: datetime, *,
                           ignore_backoff: bool, rng: random.Random, tz: tzinfo | None,
                           lease_s: float) -> list[Attempt]:
    """One channel's round; a bug in it (a policy it cannot parse, a store error) is logged
    and ends this channel's round only, never the other channels' nor the caller's."""
    try:
        return await _deliver_channel_round(store, config, ch, now, ignore_backoff=ignore_backoff, rng=rng,
                                            tz=tz, lease_s=lease_s)
    except Exception:
        logger.exception("event=delivery_channel_crashed channel=%s", ch.key)
        return []


def round_lease(lease_s: float, timeout: float) -> tuple[float, float]:
    """A channel round's lease, and the time into the round after which it starts no new
    send: the last send it starts ends (at its deadline, ``send_deadline(timeout)``) inside
    the lease. At least ``lease_s``; longer for a channel whose deadline needs it (a 200 s
    timeout gives an 800 s deadline, which a 600 s lease would not hold)."""
    deadline = send_deadline(timeout)
    lease = max(lease_s, 2 * deadline)
    return lease, lease - deadline


async def _deliver_channel_round(store: Store, config: Config, ch: ChannelConfig, now: datetime, *,
                                 ignore_backoff: bool, rng: random.Random, tz: tzinfo | None,
                                 lease_s: float) -> list[Attempt]:
    started = time.monotonic()
    lease_s, stop_starting_after = round_lease(lease_s, ch.timeout)
    items = store.claim(ch.key, now, lease_s, ignore_backoff=ignore_backoff, limit=CLAIM_LIMIT)
    if not items:
        return []
    by_id = {item.alert.id: item for item in items}
    outcomes: list[Attempt] = []
    unrecorded = dict(by_id)
    try:
        plan = _plan(store, ch, items, now, tz)
        for hold in plan.holds:
            store.hold(hold.alert_id, ch.key, hold.until, batch_at=hold.batch_at)
            unrecorded.pop(hold.alert_id)
            log(logger, logging.INFO, "delivery_held", alert=hold.alert_id, channel=ch.key, reason=hold.reason,
                until=hold.until.isoformat())
            outcomes.append(Attempt(ch.key, (hold.alert_id,), "held"))
        transport = open_channel(ch, config)
        failures_in_row = 0
        for ids in plan.messages:
            batch = [by_id[i] for i in ids]
            if time.monotonic() - started > stop_starting_after or failures_in_row >= BREAKER_FAILURES:
                break  # the rest are released below, uncounted
            outcome = await _send_one(store, transport, ch, batch, now, rng)
            for i in ids:
                unrecorded.pop(i)
            outcomes.append(outcome)
            failures_in_row = failures_in_row + 1 if outcome.outcome == "retry" else 0
        if failures_in_row >= BREAKER_FAILURES and unrecorded:
            retry_at = now + policy.backoff(1, rng)
            for alert_id in list(unrecorded):
                store.hold(alert_id, ch.key, retry_at)
                unrecorded.pop(alert_id)
            log(logger, logging.WARNING, "delivery_channel_down", channel=ch.key, failures=failures_in_row,
                until=retry_at.isoformat())
    finally:
        # Cancelled (shutdown), or out of time: give back what was not sent, not counted.
        for alert_id in unrecorded:
            store.hold(alert_id, ch.key, now)
    return outcomes


def _plan(store: Store, ch: ChannelConfig, items: Sequence[OutboxItem], now: datetime,
          tz: tzinfo | None) -> policy.ChannelPlan:
    marks = store.delivery_marks(ch.key, [item.alert.id for item in items])
    rows = [policy.PendingRow(item.alert.id, item.alert.created_at, *marks.get(item.alert.id, (None, "")))
            for item in items]
    limit = policy.parse_rate_limit(ch.rate_limit)
    recent = store.recent_sends(ch.key, now - timedelta(seconds=limit[1])) if limit else []
    return policy.plan_channel(rows, digest=ch.digest, quiet_hours=ch.quiet_hours, rate_limit=ch.rate_limit,
                               recent_sends=recent, now=now, tz=tz)


async def _send_one(store: Store, transport: Channel, ch: ChannelConfig, batch: Sequence[OutboxItem],
                    now: datetime, rng: random.Random) -> Attempt:
    """Send one message and record its outcome for every alert in it."""
    alerts = [item.alert for item in batch]
    ids = tuple(a.id for a in alerts)
    attempt = max(item.attempts for item in batch)
    msg = message_id(alerts)
    deadline_s: float | None = None  # set when the send was cut off at its overall deadline
    store.mark_handed(ids, ch.key, msg)
    try:
        await transport.send(alerts)
    except TransportError as exc:
        error = exc.message
        permanent = exc.permanent
        deadline_s = exc.deadline_s
    except Exception as exc:  # a bug in one transport must not stop delivery on the others
        logger.exception("event=delivery_bug channel=%s", ch.key)
        error, permanent = f"{type(exc).__name__}: {exc}", False
    else:
        _test_crash_hook()
        store.mark_sent_many(ids, ch.key, now, message_id=msg)
        for alert_id in ids:
            log(logger, logging.INFO, "delivery_sent", alert=alert_id, channel=ch.key, attempt=attempt,
                message=msg if len(ids) > 1 else None)
        return Attempt(ch.key, ids, "sent")
    verdict = policy.after_failure(attempt, permanent=permanent, max_attempts=ch.max_attempts)
    if verdict.outcome == "failed":
        for alert_id in ids:
            store.mark_failed(alert_id, ch.key, now, error)
            log(logger, logging.ERROR, "delivery_failed", alert=alert_id, channel=ch.key, attempt=attempt,
                error=error, deadline_s=deadline_s)
        return Attempt(ch.key, ids, "failed", error)
    retry_at = now + policy.backoff(attempt, rng)
    for alert_id in ids:
        store.mark_retry(alert_id, ch.key, now, retry_at, error)
        log(logger, logging.WARNING, "delivery_retry", alert=alert_id, channel=ch.key, attempt=attempt,
            error=error, deadline_s=deadline_s, next_attempt_at=retry_at.isoformat())
        if verdict.stuck:
            # Where a row once gave up (and was lost): say so loudly, once; keep retrying.
            log(logger, logging.ERROR, "delivery_stuck", alert=alert_id, channel=ch.key, attempt=attempt,
                error=error, hint="still retrying at most hourly; see monitor status")
    return Attempt(ch.key, ids, "retry", error)


def _test_crash_hook() -> None:
    """Test-only: see CRASH_HOOK_ENV. Does nothing unless that variable is set."""
    global _sends_in_process
    after = os.environ.get(CRASH_HOOK_ENV)
    if not after:
        return
    _sends_in_process += 1
    if _sends_in_process >= int(after):
        os.kill(os.getpid(), signal.SIGKILL)


async def send_test(config: Config, now: datetime) -> list[tuple[str, str | None]]:
    """Send a test alert through each configured channel, bypassing the outbox and its policy.

    Returns (channel key, error or None) per channel, in config order.
    """

    async def one(ch: ChannelConfig) -> tuple[str, str | None]:
        alert: Alert = test_alert(ch.key, now)
        try:
            await open_channel(ch, config).send([alert])
        except TransportError as exc:
            kind = "permanent" if exc.permanent else "temporary"
            log(logger, logging.WARNING, "send_test_failed", channel=ch.key, error=exc.message, kind=kind)
            return ch.key, f"{exc.message} ({kind})"
        except Exception as exc:
            logger.exception("event=send_test_bug channel=%s", ch.key)
            return ch.key, f"{type(exc).__name__}: {exc}"
        log(logger, logging.INFO, "send_test_sent", channel=ch.key, alert=alert.id)
        return ch.key, None

    return list(await asyncio.gather(*(one(ch) for ch in config.channels)))
