"""When to poll a feed next, and whether its health deserves an alert: pure decisions.

Given the feed as stored, what one poll produced and ``now``, ``plan_feed_update`` returns
the row to write and, at most, one health alert kind. Nothing here does I/O; jitter comes
in as a number so tests can pin it.

Rules:
- success: next poll after the feed's interval (or later, if the server asked with
  Retry-After); a feed that had raised ``feed_error`` raises ``feed_recovered``.
- failure: exponential backoff from the interval, doubled per consecutive failure, with
  +-20% jitter so that many failing feeds do not retry in lockstep, capped at
  ``fetch.backoff_max`` so no feed ever silently stops being polled (only a server's own
  Retry-After may ask for longer, up to a day).
- a feed failing for longer than ``health.error_after`` raises one ``feed_error``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config import FetchConfig, HealthConfig
from monitor.models import Kind
from monitor.storage import FeedRow, FeedUpdate

# Retry-After beyond this is treated as this: a misconfigured server must not park a feed for weeks.
MAX_RETRY_AFTER_S = 24 * 3600.0


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of a feed produced, as far as scheduling and health care."""

    ok: bool
    status: int | None
    error: str | None = None
    permanent_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    retry_after: float | None = None
    new_entries: int = 0


def backoff_delay(interval_s: float, failures: int, cfg: FetchConfig, jitter: float) -> float:
    """Seconds to wait after ``failures`` consecutive failures; ``jitter`` is in [0, 1)."""
    base = max(interval_s, cfg.backoff_base)
    exponent = min(max(failures - 1, 0), 30)
    delay = base * 2**exponent * (0.8 + 0.4 * jitter)
    return float(max(cfg.backoff_base, min(cfg.backoff_max, delay)))


def plan_feed_update(feed: FeedRow, outcome: PollOutcome, now: datetime, fetch: FetchConfig,
                     health: HealthConfig, jitter: float) -> tuple[FeedUpdate, Kind | None]:
    url = outcome.permanent_url or feed.url
    if outcome.ok:
        wait = feed.interval_s
        if outcome.retry_after is not None:
            wait = max(wait, min(outcome.retry_after, MAX_RETRY_AFTER_S))
        recovered = Kind.FEED_RECOVERED if feed.error_alerted else None
        # A full body carries the validators to send next time, exactly (none is none); a
        # 304 keeps the ones we had.
        full_body = outcome.body_hash is not None
        update = FeedUpdate(
            url=url,
            etag=outcome.etag if full_body else feed.etag,
            last_modified=outcome.last_modified if full_body else feed.last_modified,
            body_hash=outcome.body_hash if full_body else feed.body_hash,
            next_poll_at=now + timedelta(seconds=wait),
            last_attempt_at=now,
            last_success_at=now,
            last_status=outcome.status,
            consecutive_failures=0,
            failing_since=None,
            last_error=None,
            error_alerted=False,
            new_entries=outcome.new_entries,
        )
        return update, recovered

    failures = feed.consecutive_failures + 1
    failing_since = feed.failing_since or now
    wait = backoff_delay(feed.interval_s, failures, fetch, jitter)
    if outcome.retry_after is not None:
        wait = max(wait, min(outcome.retry_after, MAX_RETRY_AFTER_S))
    raise_error = not feed.error_alerted and (now - failing_since).total_seconds() >= health.error_after
    update = FeedUpdate(
        url=url,
        etag=feed.etag,
        last_modified=feed.last_modified,
        body_hash=feed.body_hash,
        next_poll_at=now + timedelta(seconds=wait),
        last_attempt_at=now,
        last_success_at=feed.last_success_at,
        last_status=outcome.status,
        consecutive_failures=failures,
        failing_since=failing_since,
        last_error=outcome.error or "unknown error",
        error_alerted=feed.error_alerted or raise_error,
    )
    return update, (Kind.FEED_ERROR if raise_error else None)
