"""The orchestrator: policy, recording and reporting, on a real store and a real receiver."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from delivery_fixtures import NOW, queue_alerts
from smtp_peer import free_port
from webhook_peer import WebhookPeer

from monitor.cli import collect_status, render_status
from monitor.config import ChannelConfig, Config, Seconds, StateConfig
from monitor.delivery.deliver import DeliveryReport, deliver_pending, send_test
from monitor.storage import Store

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "config" / "seeds"

@pytest.fixture
def peer(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookPeer]:
    monkeypatch.setenv("HOOK_SECRET", "webhook-secret")
    with WebhookPeer("webhook-secret") as p:
        yield p


def setup(tmp_path: Path, peer: WebhookPeer, **policy: object) -> tuple[Store, Config]:
    channel = ChannelConfig(type="webhook", name="hook", url=peer.url, secret_env="HOOK_SECRET",
                            **policy)  # type: ignore[arg-type]
    return Store.open(tmp_path), Config(state=StateConfig(dir=tmp_path), channels=(channel,))


def run(store: Store, config: Config, at: object, **kwargs: object) -> DeliveryReport:
    return asyncio.run(deliver_pending(store, config, at, tz=UTC, rng=random.Random(0), **kwargs))  # type: ignore[arg-type]


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, check=False)


def states(store: Store) -> dict[str, int]:
    return {r[0]: r[1] for r in store.db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")}


def test_hourly_digest_survives_a_restart_and_goes_out_as_one_message(tmp_path: Path, peer: WebhookPeer) -> None:
    store, config = setup(tmp_path, peer, digest="hourly")
    ids = queue_alerts(store, 3, ["hook"])
    report = run(store, config, NOW + timedelta(minutes=10))
    assert report.held == 3 and peer.requests == []
    assert run(store, config, NOW + timedelta(minutes=20), ignore_backoff=True).sent == 0  # `monitor deliver`
    store.close()
    store = Store.open(tmp_path)  # a restart: the digest is in the outbox, not in memory
    assert store.next_delivery_at() == NOW + timedelta(hours=1)
    report = run(store, config, NOW + timedelta(hours=1, seconds=1))
    assert (report.sent, report.messages) == (3, 1)
    (request,) = peer.requests
    body = json.loads(request["body"])
    assert body["kind"] == "digest" and [a["id"] for a in body["alerts"]] == ids
    assert states(store) == {"sent": 3}



def test_a_digest_that_failed_goes_out_again_as_itself_not_merged_with_the_next(tmp_path: Path,
                                                                             peer: WebhookPeer) -> None:
    """The receiver may have the failed digest (an answer lost on the way back): the retry
    must carry the same alerts under the same id, or the user gets the first two twice."""
    store, config = setup(tmp_path, peer, digest="hourly")
    first_two = queue_alerts(store, 2, ["hook"])
    peer.script = [503]
    assert run(store, config, NOW + timedelta(hours=1, seconds=1)).retried == 2
    failed = json.loads(peer.requests[0]["body"])
    later = queue_alerts(store, 1, ["hook"], start=2, at=NOW + timedelta(hours=1, minutes=10))
    report = run(store, config, NOW + timedelta(hours=2, seconds=1))  # both digests are due
    assert (report.sent, report.messages) == (3, 2)
    again, new = (json.loads(r["body"]) for r in peer.requests[1:])
    assert again == failed and [a["id"] for a in again["alerts"]] == first_two
    assert peer.requests[1]["headers"]["x-monitor-alert-id"] == failed["id"]
    assert [new["id"]] == later  # (a digest of one is that alert's own message)
    assert states(store) == {"sent": 3}


def test_a_digest_of_several_periods_that_failed_goes_out_again_whole(tmp_path: Path, peer: WebhookPeer) -> None:
    # Down for three hours: three periods' alerts go out as one digest; it fails, and its
    # retry is that digest again, not one per period.
    store, config = setup(tmp_path, peer, digest="hourly")
    ids = [*queue_alerts(store, 1, ["hook"]), *queue_alerts(store, 1, ["hook"], start=1, at=NOW + timedelta(hours=1)),
           *queue_alerts(store, 1, ["hook"], start=2, at=NOW + timedelta(hours=2))]
    peer.script = [503]
    assert run(store, config, NOW + timedelta(hours=3, seconds=1)).retried == 3
    report = run(store, config, NOW + timedelta(hours=3, minutes=5))
    assert (report.sent, report.messages) == (3, 1)
    failed, again = (json.loads(r["body"]) for r in peer.requests)
    assert again == failed and [a["id"] for a in again["alerts"]] == ids


def test_a_digest_cut_short_at_shutdown_goes_out_again_as_itself(tmp_path: Path, peer: WebhookPeer) -> None:
    """The receiver acted on the digest, but the daemon stopped before the answer came: the
    rows are given back unsent, and still go out again only as that digest."""
    store, config = setup(tmp_path, peer, digest="hourly")
    first_two = queue_alerts(store, 2, ["hook"])
    peer.script = ["hang"]

    async def stopped_mid_send() -> None:
        round_ = asyncio.create_task(deliver_pending(store, config, NOW + timedelta(hours=1, seconds=1), tz=UTC,
                                                     rng=random.Random(0)))
        while not peer.requests:
            await asyncio.sleep(0.01)
        round_.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await round_

    asyncio.run(stopped_mid_send())
    peer.release.set()
    assert states(store) == {"pending": 2}
    queue_alerts(store, 1, ["hook"], start=2, at=NOW + timedelta(minutes=50))  # of the same hour
    report = run(store, config, NOW + timedelta(hours=1, minutes=1))
    assert report.messages == 2
    bodies = [json.loads(r["body"]) for r in peer.requests]
    assert bodies[1] == bodies[0] and [a["id"] for a in bodies[0]["alerts"]] == first_two
    assert peer.accepted.count(first_two[0]) == 2  # twice, under one id: the receiver can drop one


def test_rows_claimed_but_never_handed_over_are_still_one_digest(tmp_path: Path, peer: WebhookPeer) -> None:
    # A deliverer died after its claim, before any send: nothing was handed over.
    store, config = setup(tmp_path, peer, digest="hourly")
    queue_alerts(store, 3, ["hook"])
    assert len(store.claim("hook", NOW + timedelta(hours=1, seconds=1), 60)) == 3
    report = run(store, config, NOW + timedelta(hours=1, minutes=2))  # the claim has lapsed
    assert (report.sent, report.messages) == (3, 1)

def test_quiet_hours_hold_then_one_digest(tmp_path: Path, peer: WebhookPeer) -> None:
    store, config = setup(tmp_path, peer, quiet_hours="11:00-13:00")
    queue_alerts(store, 2, ["hook"])
    assert run(store, config, NOW + timedelta(minutes=5)).held == 2
    assert run(store, config, NOW + timedelta(hours=1, seconds=1)).messages == 1
    assert json.loads(peer.requests[0]["body"])["kind"] == "digest"


def test_rate_limit_overflow_goes_into_the_next_digest(tmp_path: Path, peer: WebhookPeer) -> None:
    store, config = setup(tmp_path, peer, rate_limit="2/h")
    queue_alerts(store, 5, ["hook"])
    first = run(store, config, NOW + timedelta(minutes=1))
    assert (first.sent, first.held) == (2, 3)
    assert run(store, config, NOW + timedelta(minutes=30)).sent == 0
    later = run(store, config, NOW + timedelta(hours=1, minutes=2))
    assert (later.sent, later.messages) == (3, 1)
    assert peer.counts() == (5, 0) and states(store) == {"sent": 5}


def test_permanent_error_is_failed_shown_and_logged(tmp_path: Path, peer: WebhookPeer,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    store, config = setup(tmp_path, peer)
    (alert_id,) = queue_alerts(store, 1, ["hook"])
    peer.script = [404]
    with caplog.at_level(logging.INFO, logger="monitor.delivery"):
        report = run(store, config, NOW + timedelta(minutes=1))
    assert report.failed == 1
    (problem,) = store.outbox_problems()
    assert problem["state"] == "failed" and "404" in problem["last_error"]
    assert any(r.getMessage().startswith(f"event=delivery_failed alert={alert_id} channel=hook attempt=1")
               for r in caplog.records)


def test_temporary_errors_never_give_up_and_are_shown_stuck(tmp_path: Path, peer: WebhookPeer,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    store, config = setup(tmp_path, peer, max_attempts=3)
    (alert_id,) = queue_alerts(store, 1, ["hook"])
    peer.script = [500] * 5
    at = NOW
    with caplog.at_level(logging.INFO, logger="monitor.delivery"):
        for _ in range(5):
            at += timedelta(hours=2)
            assert run(store, config, at).retried == 1  # past max_attempts too: retried, not failed
    stuck = [m for m in caplog.messages if m.startswith("event=delivery_stuck")]
    assert stuck == [m for m in stuck if f"alert={alert_id} channel=hook attempt=3 " in m] and len(stuck) == 1
    (problem,) = collect_status(store, config)["delivery_problems"]
    assert problem["state"] == "pending" and problem["stuck"] and "HTTP 500" in problem["last_error"]
    assert f"stuck    hook       alert {alert_id} attempts 5" in render_status(collect_status(store, config))
    assert run(store, config, at + timedelta(hours=2)).sent == 1  # the fault clears: delivered
    assert states(store) == {"sent": 1} and peer.counts() == (1, 0)


def test_retry_failed_requeues_permanent_failures_once_fixed(tmp_path: Path) -> None:
    """`monitor deliver --retry-failed`, as a user runs it, against a real webhook receiver."""
    with WebhookPeer(secret=None) as receiver:
        config = tmp_path / "monitor.toml"
        config.write_text(f'[state]\ndir = "{tmp_path / "state"}"\n[seeds]\ndir = "{SEEDS}"\n'
                          f'[[channels]]\ntype = "webhook"\nname = "hook"\nurl = "{receiver.url}"\n',
                          encoding="utf-8")
        store = Store.open(tmp_path / "state")
        ids = queue_alerts(store, 2, ["hook"])
        store.close()
        receiver.script = [404, 404]  # e.g. a wrong URL path, since corrected on the receiver's side
        assert "0 alerts sent" in cli(config, "deliver").stderr
        status = json.loads(cli(config, "status", "--json").stdout)
        assert [p["state"] for p in status["delivery_problems"]] == ["failed", "failed"]
        assert "--retry-failed" in cli(config, "status").stdout  # the status says what to do
        assert "0 alerts sent" in cli(config, "deliver").stderr  # failed stays failed without it
        done = cli(config, "deliver", "--retry-failed")
        assert "requeued 2 failed alerts on channel hook" in done.stderr
        assert "2 alerts sent" in done.stderr
        assert "0 alerts sent" in cli(config, "deliver", "--retry-failed").stderr  # nothing left to requeue
        assert receiver.accepted == ids  # each exactly once, after the fix
        assert json.loads(cli(config, "status", "--json").stdout)["counts"]["outbox"] == {"sent": 2}
        assert "--retry-failed" in cli(config, "deliver", "--help").stdout


def test_ignore_backoff_retries_now(tmp_path: Path, peer: WebhookPeer) -> None:
    store, config = setup(tmp_path, peer)
    queue_alerts(store, 1, ["hook"])
    peer.script = [503]
    assert run(store, config, NOW + timedelta(seconds=1)).retried == 1
    assert run(store, config, NOW + timedelta(seconds=2)).sent == 0  # backoff
    assert run(store, config, NOW + timedelta(seconds=2), ignore_backoff=True).sent == 1


def test_rows_of_an_unconfigured_channel_are_kept_and_reported(tmp_path: Path, peer: WebhookPeer) -> None:
    store, config = setup(tmp_path, peer)
    queue_alerts(store, 2, ["hook", "gone"])
    report = run(store, config, NOW + timedelta(minutes=1))
    assert report.sent == 2 and report.unknown_channels == (("gone", 2),)
    assert "no longer configured" in str(report)


def test_cancelled_round_gives_claims_back(tmp_path: Path, peer: WebhookPeer) -> None:
    store, config = setup(tmp_path, peer)
    queue_alerts(store, 2, ["hook"])
    peer.script = ["hang"]

    async def cancel_soon() -> None:
        task = asyncio.create_task(deliver_pending(store, config, NOW + timedelta(minutes=1)))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_soon())
    assert states(store) == {"pending": 2}  # not stuck in 'sending' until the lease runs out
    peer.release.set()
    assert run(store, config, NOW + timedelta(minutes=2)).sent == 2


def test_a_slow_send_keeps_its_claim_for_as_long_as_its_deadline_allows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A send may run to its deadline (4 x timeout); the claim must outlast it, or a second
    deliverer (``monitor deliver`` beside the daemon) takes the row and sends it again. The
    lease used to be fixed: a timeout over 75 s could outrun the 600 s one. Here the lease
    given is 4 s and the channel's deadline 8 s; a second round 5 s into a slow send."""
    monkeypatch.setenv("HOOK_SECRET", "webhook-secret")
    with WebhookPeer("webhook-secret", hang_s=1.0) as slow_peer:
        store, config = setup(tmp_path, slow_peer, timeout=Seconds(2))
        queue_alerts(store, 1, ["hook"])
        slow_peer.script = ["hang"]
        start = NOW + timedelta(minutes=1)

        async def two_deliverers() -> list[DeliveryReport]:
            first = asyncio.create_task(deliver_pending(store, config, start, tz=UTC, lease_s=4.0))
            await asyncio.sleep(0.3)
            second = await deliver_pending(store, config, start + timedelta(seconds=5), tz=UTC, lease_s=4.0)
            return [await first, second]

        first, second = asyncio.run(two_deliverers())

    assert (first.sent, second.sent) == (1, 0)
    assert len(slow_peer.accepted) == 1 and len(slow_peer.requests) == 1


def test_recover_claims_at_startup(tmp_path: Path, peer: WebhookPeer) -> None:
    store, _ = setup(tmp_path, peer)
    queue_alerts(store, 2, ["hook"])
    store.claim("hook", NOW + timedelta(minutes=1), lease_s=600)
    # Claims of a live process (this one: think of `monitor deliver` beside the daemon) stay.
    assert store.recover_claims(NOW) == 0 and states(store) == {"sending": 2}
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    store.db.execute("UPDATE outbox SET claimed_by = ?", (int(finished.stdout),))  # a dead claimer
    assert store.recover_claims(NOW) == 2 and states(store) == {"pending": 2}


def test_send_test_reports_each_channel(tmp_path: Path, peer: WebhookPeer) -> None:
    config = Config(state=StateConfig(dir=tmp_path), channels=(
        ChannelConfig(type="file"),
        ChannelConfig(type="webhook", name="hook", url=peer.url, secret_env="HOOK_SECRET"),
        ChannelConfig(type="email", name="mail", host="127.0.0.1", port=free_port(), security="none",
                      from_="a@example.org", to=("b@example.org",)),
    ))
    results = asyncio.run(send_test(config, NOW))
    assert [key for key, _ in results] == ["file", "hook", "mail"]
    assert results[0][1] is None and results[1][1] is None
    assert results[2][1] is not None and "refused" in results[2][1].lower()
    line = json.loads((tmp_path / "alerts.jsonl").read_text())
    assert line["test"] is True and line["kind"] == "test"  # (not a new_story a script would count)
    assert json.loads(peer.requests[0]["body"])["test"] is True


def test_a_channel_that_crashes_does_not_stop_the_others(tmp_path: Path, peer: WebhookPeer,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    # "22:75" passes the config's pattern but is no time of day: the policy raises on it.
    broken = ChannelConfig(type="file", name="broken", quiet_hours="22:75-07:00")
    hook = ChannelConfig(type="webhook", name="hook", url=peer.url, secret_env="HOOK_SECRET")
    store = Store.open(tmp_path)
    config = Config(state=StateConfig(dir=tmp_path), channels=(broken, hook))
    queue_alerts(store, 2, ["broken", "hook"])
    report = run(store, config, NOW + timedelta(minutes=1))
    assert report.sent == 2 and peer.counts() == (2, 0)
    assert "delivery_channel_crashed channel=broken" in caplog.text
    pending = store.db.execute("SELECT COUNT(*) FROM outbox WHERE channel = 'broken' AND state = 'pending'")
    assert pending.fetchone()[0] == 2  # given back, not lost, not stuck in 'sending'
