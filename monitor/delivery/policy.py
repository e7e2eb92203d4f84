"""When to send: pure functions of a channel's settings, its pending rows and ``now``.

Nothing here touches storage or the network. ``plan_channel`` is the one decision the
orchestrator asks for: given the rows claimed for a channel, which go out now (alone, or
together as one digest message) and which are held, until when. Held rows stay in the
outbox, so a restart loses nothing.

Local time: quiet hours and digest periods are wall-clock times of ``tz`` (the daemon's
local zone when None). An hourly digest goes out at the top of each hour, a daily one at
local midnight; alerts held by quiet hours go out together, as one digest, when they end.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 3600.0

_RATE_UNITS = {"m": 60.0, "h": 3600.0, "d": 86400.0}


def backoff(attempt: int, rng: random.Random, *, base_s: float = BACKOFF_BASE_S,
            max_s: float = BACKOFF_MAX_S) -> timedelta:
    """Delay before retry after failed attempt number ``attempt`` (1-based).

    Exponential (30 s, 1 min, 2 min, ... capped at an hour) with "equal jitter": a random
    half on top of a fixed half, so retries of many rows spread out yet never come early.
    """
    ceiling = min(max_s, base_s * 2 ** max(0, attempt - 1))
    return timedelta(seconds=ceiling / 2 + rng.random() * ceiling / 2)


@dataclass(frozen=True)
class AfterFailure:
    """What becomes of a row whose send just failed."""

    outcome: str  # "retry" (after a backoff) or "failed" (until the user requeues it)
    # This failure is the ``max_attempts``-th in a row: the channel has been down for hours.
    stuck: bool = False


def after_failure(attempt: int, *, permanent: bool, max_attempts: int) -> AfterFailure:
    """Decide what a failed attempt (number ``attempt``, 1-based) leads to.

    A permanent error (a rejected address, a 4xx webhook answer) fails the row: retrying
    cannot help until the user fixes the cause, and then ``monitor deliver --retry-failed``
    requeues it. A temporary error is retried however long it lasts, at the capped backoff:
    giving up would lose an alert that the end of the fault would have let through. At
    ``max_attempts`` the failure is reported as ``stuck``, once; the row goes on retrying.
    """
    if permanent:
        return AfterFailure("failed")
    return AfterFailure("retry", stuck=attempt == max_attempts)


def is_stuck(state: str, attempts: int, max_attempts: int) -> bool:
    """Whether an outbox row is one still retrying after ``max_attempts`` temporary failures."""
    return state == "pending" and attempts >= max_attempts


def _local(now: datetime, tz: tzinfo | None) -> datetime:
    return now.astimezone(tz) if tz is not None else now.astimezone()


def _at_wall_time(local: datetime, tz: tzinfo | None) -> datetime:
    """The instant a wall-clock time (``local``'s date and time) names in ``tz``, or in the
    machine's zone. The machine's zone comes only as the fixed offset of one instant; asked
    for each wall time anew, it gives that night's offset across a daylight-saving change."""
    naive = local.replace(tzinfo=None)
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()


def parse_quiet_hours(spec: str) -> tuple[time, time] | None:
    """"22:00-07:00" as (start, end); None when empty or the same time twice."""
    if not spec:
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", spec)
    if not match:
        raise ValueError(f"quiet hours must look like \"22:00-07:00\", got {spec!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if max(h1, h2) > 23 or max(m1, m2) > 59:
        raise ValueError(f"quiet hours must be times of day from 00:00 to 23:59, got {spec!r}")
    start, end = time(h1, m1), time(h2, m2)
    return None if start == end else (start, end)


def quiet_until(spec: str, now: datetime, tz: tzinfo | None = None) -> datetime | None:
    """When the quiet hours around ``now`` end; None when ``now`` is not in quiet hours."""
    window = parse_quiet_hours(spec)
    if window is None:
        return None
    start, end = window
    local = _local(now, tz)
    t = local.time().replace(tzinfo=None)
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_today = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    ends = end_today if end_today > local else end_today + timedelta(days=1)
    return _at_wall_time(ends, tz).astimezone(now.tzinfo)


def digest_due(mode: str, at: datetime, tz: tzinfo | None = None) -> datetime:
    """When the digest period containing ``at`` ends: next top of hour, or next midnight."""
    local = _local(at, tz)
    if mode == "hourly":
        start = local.replace(minute=0, second=0, microsecond=0)
        return (start + timedelta(hours=1)).astimezone(at.tzinfo)
    if mode == "daily":
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return _at_wall_time(start + timedelta(days=1), tz).astimezone(at.tzinfo)
    raise ValueError(f"digest must be hourly or daily, got {mode!r}")


def parse_rate_limit(spec: str) -> tuple[int, float] | None:
    """"10/h" as (10, 3600.0); None when empty."""
    if not spec:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*([mhd])\s*", spec)
    if not match:
        raise ValueError(f"rate limit must look like \"10/h\", got {spec!r}")
    if int(match.group(1)) < 1:
        raise ValueError(f"rate limit must allow at least one alert, got {spec!r}")
    return int(match.group(1)), _RATE_UNITS[match.group(2)]


def rate_budget(spec: str, recent_sends: Sequence[datetime], now: datetime) -> tuple[int | None, datetime]:
    """Messages still allowed now (None: unlimited), and when the next slot frees up.

    The window slides: a message sent at ``t`` counts until ``t + period``.
    """
    limit = parse_rate_limit(spec)
    if limit is None:
        return None, now
    count, period_s = limit
    period = timedelta(seconds=period_s)
    in_window = sorted(t for t in recent_sends if t > now - period)
    remaining = count - len(in_window)
    if remaining > 0:
        return remaining, now
    # Over the limit by k (remaining == -k): k + 1 sends must leave the window to free a slot.
    frees_at = in_window[-remaining] + period
    return 0, frees_at


@dataclass(frozen=True)
class PendingRow:
    """What the policy needs to know about one claimed outbox row."""

    alert_id: str
    created_at: datetime
    # Set once the row was put into a batch (digest, quiet hours, rate overflow):
    # it goes out together with its batch at or after this time.
    batch_at: datetime | None = None
    # The message it was handed to the channel in before (its own id, or a digest's), if
    # any: that send failed or was cut short, and the receiver may have it, so it goes out
    # again only as that message (the same alerts, the same id), which lets the receiver
    # drop the second copy.
    handed_in: str = ""


@dataclass(frozen=True)
class Hold:
    alert_id: str
    until: datetime
    batch_at: datetime | None
    reason: str  # "quiet", "digest" or "rate"


@dataclass(frozen=True)
class ChannelPlan:
    """Messages to send now (each a tuple of alert ids; several ids make a digest) and holds."""

    messages: tuple[tuple[str, ...], ...]
    holds: tuple[Hold, ...]


def plan_channel(rows: Sequence[PendingRow], *, digest: str, quiet_hours: str, rate_limit: str,
                 recent_sends: Sequence[datetime], now: datetime, tz: tzinfo | None = None) -> ChannelPlan:
    """Decide, for one channel, what goes out now and what waits.

    1. In quiet hours everything waits for their end, and then goes out as one batch.
    2. Rows already in a batch whose time has come go out together as one message.
       Rows in a batch whose time has not come wait (claimed early by ``ignore_backoff``).
    3. In digest mode a new row joins the digest of the period it was created in.
    4. The rest go out one message each, while the rate limit allows; the overflow
       joins the next digest (digest mode) or a batch sent when the window frees a slot.
       A ready batch takes the first slot: it has waited longest.

    A message handed to the channel before keeps its alerts through all of this
    (``handed_in``): it goes out again as itself, first, never merged with newer alerts.
    """
    rows = sorted(rows, key=lambda r: (r.created_at, r.alert_id))
    quiet_end = quiet_until(quiet_hours, now, tz)
    if quiet_end is not None:
        holds = []
        for row in rows:
            until = max(row.batch_at or quiet_end, quiet_end)
            holds.append(Hold(row.alert_id, until, None if row.handed_in else until, "quiet"))
        return ChannelPlan(messages=(), holds=tuple(holds))

    batch: list[str] = []
    handed: dict[str, list[str]] = {}  # message handed to the channel before -> its rows
    singles: list[str] = []
    held: list[Hold] = []
    for row in rows:
        if row.handed_in:
            handed.setdefault(row.handed_in, []).append(row.alert_id)
            continue
        batch_at = row.batch_at
        if batch_at is None and digest != "off":
            batch_at = digest_due(digest, row.created_at, tz)
        if batch_at is None:
            singles.append(row.alert_id)
        elif batch_at <= now:
            batch.append(row.alert_id)
        else:
            held.append(Hold(row.alert_id, batch_at, batch_at, "digest"))

    remaining, _ = rate_budget(rate_limit, recent_sends, now)
    messages: list[tuple[str, ...]] = []
    overflow: list[tuple[tuple[str, ...], bool]] = []  # (message, handed over before)
    # Messages handed over before, then the batch: they have waited longest.
    ready = [*((tuple(ids), True) for ids in handed.values()), *([(tuple(batch), False)] if batch else []),
             *(((alert_id,), False) for alert_id in singles)]
    for message, handed_before in ready:
        if remaining is None or remaining > 0:
            messages.append(message)
            remaining = None if remaining is None else remaining - 1
        else:
            overflow.append((message, handed_before))
    if overflow:
        # Counting the messages planned now, when does the window next have room?
        _, frees_at = rate_budget(rate_limit, [*recent_sends, *[now] * len(messages)], now)
        next_batch = digest_due(digest, now, tz) if digest != "off" else frees_at
        next_batch = max(next_batch, frees_at)
        for message, handed_before in overflow:
            # (A message handed over before waits as itself, in no new batch.)
            batch_at = None if handed_before else next_batch
            held.extend(Hold(alert_id, next_batch, batch_at, "rate") for alert_id in message)
    return ChannelPlan(messages=tuple(messages), holds=tuple(held))
