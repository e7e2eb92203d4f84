"""Delivery policy: pure functions of settings, rows and ``now``."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.delivery.policy import (
    AfterFailure,
    ChannelPlan,
    PendingRow,
    after_failure,
    backoff,
    digest_due,
    is_stuck,
    plan_channel,
    quiet_until,
    rate_budget,
)

T = datetime(2026, 11, 22, 12, 30, tzinfo=UTC)


def at(hh: int, mm: int = 0, day: int = 22) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=UTC)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (8, 3600), (30, 3600)]:
        delays = [backoff(attempt, rng).total_seconds() for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 40  # jittered


@pytest.mark.parametrize(("spec", "now", "until"), [
    ("22:00-07:00", at(23), at(7, day=23)),
    ("22:00-07:00", at(3), at(7)),
    ("22:00-07:00", at(7), None),
    ("22:00-07:00", at(12), None),
    ("12:00-13:00", at(12, 30), at(13)),
    ("12:00-13:00", at(13), None),
    ("", at(3), None),
])
def test_quiet_hours(spec: str, now: datetime, until: datetime | None) -> None:
    assert quiet_until(spec, now, UTC) == until


def test_digest_periods() -> None:
    assert digest_due("hourly", at(12, 30), UTC) == at(13)
    assert digest_due("hourly", at(13), UTC) == at(14)
    assert digest_due("daily", at(12, 30), UTC) == at(0, day=23)


def test_rate_budget_slides() -> None:
    assert rate_budget("", [], T) == (None, T)
    assert rate_budget("2/h", [T - timedelta(minutes=10)], T) == (1, T)
    sends = [T - timedelta(minutes=50), T - timedelta(minutes=10)]
    assert rate_budget("2/h", sends, T) == (0, T + timedelta(minutes=10))
    assert rate_budget("2/h", [T - timedelta(minutes=61)], T) == (2, T)


def rows(n: int, *, batch_at: datetime | None = None) -> list[PendingRow]:
    return [PendingRow(f"a{i}", T - timedelta(minutes=n - i), batch_at) for i in range(n)]


def plan(rs: list[PendingRow], *, digest: str = "off", quiet: str = "", rate: str = "",
         sends: list[datetime] | None = None, now: datetime = T) -> ChannelPlan:
    return plan_channel(rs, digest=digest, quiet_hours=quiet, rate_limit=rate, recent_sends=sends or [],
                        now=now, tz=UTC)


def test_no_policy_sends_each_alert_alone() -> None:
    p = plan(rows(3))
    assert p.messages == (("a0",), ("a1",), ("a2",)) and p.holds == ()


def test_quiet_hours_hold_everything_as_one_batch_at_their_end() -> None:
    p = plan(rows(3), quiet="12:00-13:00")
    assert p.messages == ()
    assert {(h.until, h.batch_at, h.reason) for h in p.holds} == {(at(13), at(13), "quiet")}
    after = plan(rows(3, batch_at=at(13)), now=at(13))
    assert after.messages == (("a0", "a1", "a2"),)


def test_digest_holds_until_the_period_ends_then_sends_one_message() -> None:
    p = plan(rows(2), digest="hourly")
    assert p.messages == () and {h.until for h in p.holds} == {at(13)}
    later = plan(rows(2, batch_at=at(13)), digest="hourly", now=at(13, 1))
    assert later.messages == (("a0", "a1"),) and later.holds == ()
    # Claimed early (``monitor deliver``): still held.
    assert plan(rows(2, batch_at=at(13)), digest="hourly").messages == ()


def test_rate_limit_overflow_goes_into_the_next_batch_not_dropped() -> None:
    p = plan(rows(5), rate="2/h", sends=[])
    assert p.messages == (("a0",), ("a1",))
    assert [h.alert_id for h in p.holds] == ["a2", "a3", "a4"]
    assert {h.reason for h in p.holds} == {"rate"}
    # Later, a slot frees: the overflow goes out as one digest, ahead of newer alerts.
    frees = p.holds[0].until
    assert frees == T + timedelta(hours=1)
    sends = [T, T]
    later = plan([*[PendingRow(h.alert_id, T, h.batch_at) for h in p.holds], PendingRow("new", frees)],
                 rate="2/h", sends=sends, now=frees)
    assert later.messages[0] == ("a2", "a3", "a4")
    assert later.messages[1] == ("new",)


def test_rate_limit_overflow_in_digest_mode_joins_the_next_digest() -> None:
    p = plan(rows(3, batch_at=at(12)), digest="hourly", rate="1/h", sends=[T - timedelta(minutes=50)])
    assert p.messages == ()
    assert {h.until for h in p.holds} == {at(13)}
    # The next digest must respect the rate limit too: it waits for the window to free a slot.
    p = plan(rows(3, batch_at=at(12)), digest="hourly", rate="1/h", sends=[T - timedelta(minutes=5)])
    assert {h.until for h in p.holds} == {at(13, 25)}



def test_a_message_handed_over_before_keeps_its_alerts_through_every_hold() -> None:
    tried = [PendingRow("a", T, at(12), handed_in="d-x"), PendingRow("b", T, at(12), handed_in="d-x")]
    fresh = [PendingRow("c", at(11, 40), at(12)), PendingRow("d", at(12, 50))]
    # Due together with a newer digest (even one of its own period): sent as itself, first.
    p = plan([*fresh, *tried], digest="hourly", now=at(13, 1))
    assert p.messages == (("a", "b"), ("c", "d"))
    # Quiet hours: it keeps its batch; so does a single handed over alone.
    single = PendingRow("s", T, None, handed_in="s")
    p = plan([*tried, single, *fresh], quiet="13:00-14:00", now=at(13, 1))
    assert {h.alert_id: h.batch_at for h in p.holds} == {"a": None, "b": None, "s": None, "c": at(14), "d": at(14)}
    assert {h.until for h in p.holds} == {at(14)}
    # Over the rate limit: it waits as itself (None keeps the rows' batch).
    p = plan([*tried, PendingRow("c", T)], rate="1/h", sends=[T - timedelta(minutes=5)])
    assert p.messages == () and {h.alert_id: h.batch_at for h in p.holds} == {"a": None, "b": None, "c": at(13, 25)}
    # Two messages handed over before stay two, in digest mode too.
    p = plan([*tried, single], digest="hourly")
    assert p.messages == (("a", "b"), ("s",))


@pytest.fixture
def berlin_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's own zone is Europe/Berlin (the daemon passes no zone: the machine's)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("created", [datetime(2026, 3, 28, 22, 0, tzinfo=UTC),   # 23:00 CET, Saturday
                                     datetime(2026, 3, 29, 2, 0, tzinfo=UTC)])   # 04:00 CEST, Sunday
def test_quiet_hours_end_at_their_wall_time_on_the_night_clocks_change(berlin_machine: None, created: datetime) -> None:
    """Clocks go forward at 02:00 that night. The machine's zone came as the fixed offset of
    one instant, so an alert held before the change was released at 08:00, an hour late."""
    plan = plan_channel([PendingRow("a", created)], digest="off", quiet_hours="22:00-07:00", rate_limit="",
                        recent_sends=[], now=created, tz=None)
    assert plan.holds[0].until == datetime(2026, 3, 29, 7, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_a_daily_digest_is_due_at_midnight_after_the_clocks_change(berlin_machine: None) -> None:
    """An alert at 01:30 on the night clocks go forward (at 02:00) waits for Monday's midnight,
    which is in summer time: not for 01:00 on Monday, as winter time's offset would say."""
    before_the_change = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    assert digest_due("daily", before_the_change) == datetime(2026, 3, 30, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def test_temporary_failures_are_retried_forever_and_called_stuck_once() -> None:
    verdicts = [after_failure(n, permanent=False, max_attempts=12) for n in range(1, 40)]
    assert {v.outcome for v in verdicts} == {"retry"}  # never given up on: that lost alerts
    assert [n for n, v in enumerate(verdicts, 1) if v.stuck] == [12]
    assert after_failure(1, permanent=True, max_attempts=12) == AfterFailure("failed")
    assert after_failure(12, permanent=True, max_attempts=12) == AfterFailure("failed")
    assert is_stuck("pending", 13, 12) and not is_stuck("pending", 11, 12) and not is_stuck("failed", 13, 12)
