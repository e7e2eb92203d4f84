"""A peer that trickles its answer a byte at a time never trips a per-read timeout: every
webhook and SMTP send has an overall deadline, and one slow channel does not hold back the
others (before, a trickling receiver held its send, and with it every channel's delivery, for
ever, and an SMTP send kept the daemon alive after SIGTERM).

The peers are real sockets on 127.0.0.1 (tests/trickle_peer.py) sending a byte every 0.1 s
to clients whose timeout is longer. Nothing here times performance: a guard far above the
deadline only turns "never gives up" into a failure instead of a hung test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from delivery_fixtures import NOW, make_alert, queue_alerts
from test_daemon import ROOT, running_daemon, stop_with_sigterm, wait_for, write_config
from trickle_peer import TricklePeer

import monitor.daemon
from monitor.config import ChannelConfig, Config, Seconds, StateConfig
from monitor.daemon import Daemon, report_skip
from monitor.delivery.base import TransportError, send_deadline
from monitor.delivery.deliver import deliver_pending
from monitor.delivery.email import EmailChannel
from monitor.delivery.webhook import WebhookChannel
from monitor.pipeline import Runtime
from monitor.storage import Store

T = TypeVar("T")
GUARD_S = 25.0  # far above every deadline here; the trickling peers give up after 30 s


def within_guard(work: Awaitable[T]) -> T:
    async def guarded() -> T:
        async with asyncio.timeout(GUARD_S):
            return await work
    return asyncio.run(guarded())


def gives_up(channel: WebhookChannel | EmailChannel) -> TransportError:
    alert = make_alert(1)[2]
    with pytest.raises(TransportError) as caught:
        within_guard(channel.send([alert]))
    return caught.value


def test_webhook_to_a_trickling_receiver_gives_up_at_its_deadline() -> None:
    with TricklePeer("http") as peer:
        channel = WebhookChannel(ChannelConfig(type="webhook", url=peer.url, timeout=Seconds(0.5)))
        error = gives_up(channel)
        assert error.permanent is False and error.deadline_s == send_deadline(0.5)
        assert f"gave up after {send_deadline(0.5):g}s in total" in error.message
        wait_for(lambda: peer.hung_up == 1, timeout=10)  # the connection is closed, not left open


def test_email_to_a_trickling_server_gives_up_at_its_deadline_and_its_thread_ends() -> None:
    with TricklePeer("smtp") as peer:
        channel = EmailChannel(ChannelConfig(type="email", host="127.0.0.1", port=peer.port, security="none",
                                             from_="a@example.org", to=("b@example.org",), timeout=Seconds(0.5)))
        error = gives_up(channel)
        # (asyncio.run returned: it waits for its worker threads, so the SMTP thread has ended.)
        assert error.permanent is False and error.deadline_s == send_deadline(0.5)
        assert f"gave up after {send_deadline(0.5):g}s in total" in error.message
        wait_for(lambda: peer.hung_up == 1, timeout=10)


def test_deliver_retries_a_send_cut_off_at_its_deadline(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The cut-off send is a temporary failure: logged with its channel and deadline, retried
    with backoff, and delivered on a later round once the receiver answers."""
    with TricklePeer("http") as peer:
        hook = ChannelConfig(type="webhook", name="hook", url=peer.url, timeout=Seconds(0.5))
        config = Config(state=StateConfig(dir=tmp_path), channels=(ChannelConfig(type="file"), hook))
        store = Store.open(tmp_path)
        queue_alerts(store, 1, ["file", "hook"])
        with caplog.at_level(logging.INFO, logger="monitor.delivery"):
            report = within_guard(deliver_pending(store, config, NOW, rng=random.Random(0)))
        assert report.sent == 1 and report.retried == 1
        assert "event=delivery_retry" in caplog.text and "channel=hook" in caplog.text
        assert f"deadline_s={send_deadline(0.5)} " in caplog.text
        (state, attempts, due) = store.db.execute(
            "SELECT state, attempts, next_attempt_at FROM outbox WHERE channel = 'hook'").fetchone()
        assert (state, attempts) == ("pending", 1) and due > NOW.isoformat()
        peer.trickle = False
        later = NOW + timedelta(hours=1)
        assert within_guard(deliver_pending(store, config, later, rng=random.Random(0))).sent == 1
        assert peer.answered == 1


def test_daemon_keeps_delivering_the_file_sink_while_a_webhook_trickles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """trickle_webhook.py in a test: while the webhook's send is stuck (well inside its
    deadline), an alert queued later for the file sink is delivered; the stuck channel's
    skipped ticks are logged; after the deadline its row is back to pending, to retry."""
    monkeypatch.setattr(monitor.daemon, "TICK_S", 0.2)
    timeout = 2.0  # deadline 8 s: the file sink must not wait for it
    with TricklePeer("http") as peer:
        hook = ChannelConfig(type="webhook", name="hook", url=peer.url, timeout=Seconds(timeout))
        config = Config(state=StateConfig(dir=tmp_path), channels=(ChannelConfig(type="file", name="file"), hook))
        store = Store.open(tmp_path)
        rt = Runtime(config=config, store=store, judge=None)  # type: ignore[arg-type]  # no feeds: nothing to judge
        sink = tmp_path / "alerts.jsonl"

        def outbox() -> dict[tuple[str, str], str]:
            rows = store.db.execute("SELECT alert_id, channel, state FROM outbox").fetchall()
            return {(r[0], r[1]): r[2] for r in rows}

        async def scenario() -> None:
            daemon = Daemon(rt)
            running = asyncio.create_task(daemon.run())
            (first,) = queue_alerts(store, 1, ["file", "hook"], start=0)
            while peer.connections == 0:
                await asyncio.sleep(0.05)
            (second,) = queue_alerts(store, 1, ["file"], start=1)
            started = time.monotonic()
            while outbox()[(second, "file")] != "sent":
                assert time.monotonic() - started < GUARD_S, outbox()
                await asyncio.sleep(0.05)
            # The file sink went on while the webhook's send was still in its deadline.
            assert outbox()[(first, "hook")] == "sending"
            while outbox()[(first, "hook")] == "sending":
                assert time.monotonic() - started < GUARD_S, outbox()
                await asyncio.sleep(0.05)
            daemon._on_signal(signal.SIGTERM)
            await running

        with caplog.at_level(logging.INFO):
            asyncio.run(scenario())
        assert len(sink.read_text().splitlines()) == 2
        error = store.db.execute("SELECT state, last_error FROM outbox WHERE channel = 'hook'").fetchone()
        assert error[0] == "pending" and f"gave up after {send_deadline(timeout):g}s" in error[1]
        assert "event=job_skipped job=deliver:hook" in caplog.text
        assert "event=job_overran job=deliver:hook" in caplog.text


def test_sigterm_during_a_trickling_smtp_send_exits_promptly(tmp_path: Path) -> None:
    """trickle_smtp.py as the user runs it: ``monitor run`` stuck in an SMTP send (deadline
    40 s) is stopped by SIGTERM within the grace period; the SMTP thread does not keep the
    process alive."""
    with TricklePeer("smtp") as peer:
        config = write_config(tmp_path, [], (
            '[[channels]]\ntype = "email"\nname = "mail"\nhost = "127.0.0.1"\n'
            f'port = {peer.port}\nsecurity = "none"\nfrom = "a@example.org"\nto = ["b@example.org"]\n'
            'timeout = "10s"\n'))
        store = Store.open(tmp_path / "state")  # an alert in the outbox, as a poll cycle leaves it
        queue_alerts(store, 1, ["mail"])
        store.close()
        with running_daemon(config) as daemon:
            wait_for(lambda: peer.connections == 1)
            err = stop_with_sigterm(daemon, within_s=15)
        assert "event=daemon_stopped" in err and "Traceback" not in err
        wait_for(lambda: peer.hung_up == 1, timeout=10)
        status = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "status", "--json"],
                                cwd=ROOT, capture_output=True, text=True, check=False, timeout=60)
        assert json.loads(status.stdout)["counts"]["outbox"] == {"pending": 1}  # given back, to send next time


def test_skipped_ticks_are_logged_at_each_doubling() -> None:
    """A job stuck for an hour (240 skipped ticks) leaves 8 job_skipped lines, not 240."""
    assert [n for n in range(1, 241) if report_skip(n)] == [1, 2, 4, 8, 16, 32, 64, 128]
    assert not report_skip(0)
