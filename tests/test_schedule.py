"""Next poll times and feed-health alerts: pure decisions, pinned time and jitter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.config import FetchConfig, HealthConfig, Seconds
from monitor.models import Kind
from monitor.schedule import PollOutcome, backoff_delay, plan_feed_update
from monitor.storage import FeedRow

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FETCH = FetchConfig()
HEALTH = HealthConfig(error_after=Seconds(3600))


def feed(**changes: object) -> FeedRow:
    base = FeedRow(
        id=1, config_url="https://a.example/feed", url="https://a.example/feed", name="A", active=True,
        interval_s=900.0, etag='"v1"', last_modified=None, body_hash="h1", next_poll_at=NOW,
        last_attempt_at=None, last_success_at=None, last_status=None, consecutive_failures=0,
        failing_since=None, last_error=None, error_alerted=False, entries_seen=0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_success_polls_again_after_the_interval_and_keeps_validators_on_304() -> None:
    update, alert = plan_feed_update(feed(), PollOutcome(ok=True, status=304), NOW, FETCH, HEALTH, 0.5)
    assert update.next_poll_at == NOW + timedelta(seconds=900)
    assert update.etag == '"v1"' and update.body_hash == "h1"
    assert alert is None


def test_retry_after_on_success_is_honoured() -> None:
    update, _ = plan_feed_update(feed(), PollOutcome(ok=True, status=200, retry_after=7200), NOW, FETCH, HEALTH, 0.5)
    assert update.next_poll_at == NOW + timedelta(seconds=7200)


def test_backoff_doubles_is_jittered_and_capped() -> None:
    delays = [backoff_delay(900, n, FETCH, 0.5) for n in range(1, 8)]
    assert delays[:4] == [900, 1800, 3600, 7200]
    assert max(delays) == FETCH.backoff_max
    assert backoff_delay(900, 1, FETCH, 0.0) == 720 and backoff_delay(900, 1, FETCH, 0.999) < 1080


def test_failure_counts_and_raises_one_feed_error_after_the_threshold() -> None:
    failed = PollOutcome(ok=False, status=503, error="HTTP 503 Service Unavailable", retry_after=None)
    first, alert = plan_feed_update(feed(), failed, NOW, FETCH, HEALTH, 0.5)
    assert (first.consecutive_failures, first.failing_since, alert) == (1, NOW, None)
    assert first.last_error == "HTTP 503 Service Unavailable"
    later = NOW + timedelta(hours=2)
    second, alert = plan_feed_update(
        feed(consecutive_failures=1, failing_since=NOW), failed, later, FETCH, HEALTH, 0.5)
    assert alert is Kind.FEED_ERROR and second.error_alerted
    third, alert = plan_feed_update(
        feed(consecutive_failures=2, failing_since=NOW, error_alerted=True), failed, later, FETCH, HEALTH, 0.5)
    assert alert is None and third.error_alerted
    assert third.next_poll_at <= later + timedelta(seconds=FETCH.backoff_max)


def test_recovery_after_an_error_alert() -> None:
    sick = feed(consecutive_failures=5, failing_since=NOW - timedelta(hours=9), error_alerted=True, last_error="x")
    update, alert = plan_feed_update(sick, PollOutcome(ok=True, status=200), NOW, FETCH, HEALTH, 0.5)
    assert alert is Kind.FEED_RECOVERED
    assert (update.consecutive_failures, update.failing_since, update.last_error) == (0, None, None)


def test_permanent_redirect_updates_the_url() -> None:
    moved = PollOutcome(ok=True, status=200, permanent_url="https://new.example/feed")
    update, _ = plan_feed_update(feed(), moved, NOW, FETCH, HEALTH, 0.5)
    assert update.url == "https://new.example/feed"


def test_jitter_never_pushes_backoff_past_the_cap() -> None:
    assert backoff_delay(900, 30, FETCH, 0.999) == FETCH.backoff_max


def test_a_full_body_without_validators_forgets_the_old_ones() -> None:
    fresh = PollOutcome(ok=True, status=200, body_hash="h2", etag=None, last_modified=None)
    update, _ = plan_feed_update(feed(last_modified="Mon, 01 Jan 2026 00:00:00 GMT"), fresh, NOW, FETCH, HEALTH, 0.5)
    assert (update.etag, update.last_modified, update.body_hash) == (None, None, "h2")
