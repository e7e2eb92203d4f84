"""Faults against real peers: after each, every alert delivered exactly once per channel.

"Exactly once" is what the receiver ends up with: a repeat after a crash or a timeout
carries the same alert id (webhook header, email Message-ID), and is dropped by it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from delivery_faults import (
    file_disk_full_mid_line,
    sigkill_between_send_and_record,
    smtp_4xx_then_ok,
    smtp_down_past_max_attempts,
    smtp_down_then_up,
    webhook_500_then_200,
    webhook_timeout,
)

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")


def test_smtp_down_then_up(tmp_path: Path) -> None:
    r = smtp_down_then_up(tmp_path)
    assert (r.produced, r.delivered, r.repeats, r.lost) == (5, 5, 0, 0)
    assert r.outbox_sent == 5 and r.outbox_other == {}


def test_smtp_down_longer_than_max_attempts_then_up(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="monitor.delivery"):
        r = smtp_down_past_max_attempts(tmp_path)
    # A temporary fault, however long, delays alerts; it never loses them.
    assert (r.produced, r.delivered, r.repeats, r.lost) == (3, 3, 0, 0)
    assert r.outbox_sent == 3 and r.outbox_other == {}
    # The user is told once per alert that its channel has been failing for long, not every hour.
    stuck = [m for m in caplog.messages if m.startswith("event=delivery_stuck")]
    assert len(stuck) == 3 and all("attempt=12 " in m for m in stuck)
    assert not any(m.startswith("event=delivery_failed") for m in caplog.messages)


def test_smtp_temporary_4xx_then_ok(tmp_path: Path) -> None:
    r = smtp_4xx_then_ok(tmp_path)
    assert (r.produced, r.delivered, r.repeats, r.lost) == (4, 4, 0, 0)
    assert r.outbox_sent == 4


def test_webhook_500s_then_200(tmp_path: Path) -> None:
    r = webhook_500_then_200(tmp_path)
    assert (r.produced, r.delivered, r.repeats, r.lost) == (5, 5, 0, 0)
    assert r.outbox_sent == 5 and r.outbox_other == {}


def test_webhook_timeout_is_retried_with_the_same_id(tmp_path: Path) -> None:
    r = webhook_timeout(tmp_path)
    # The receiver had taken the first alert before the client gave up: one repeat, same id.
    assert (r.produced, r.delivered, r.repeats, r.lost) == (3, 3, 1, 0)
    assert r.outbox_sent == 3


@pytest.mark.parametrize("kind", ["webhook", "email", "file"])
def test_sigkill_between_send_and_record_then_restart(tmp_path: Path, kind: str) -> None:
    r = sigkill_between_send_and_record(tmp_path, kind)
    assert (r.produced, r.delivered, r.lost) == (5, 5, 0)
    # The one send that was never recorded is repeated with its id; the file sink drops it itself.
    assert r.repeats == (0 if kind == "file" else 1)
    assert r.outbox_sent == 5 and r.outbox_other == {}


def test_file_sink_disk_full_mid_line_then_freed(tmp_path: Path) -> None:
    r, broken = file_disk_full_mid_line(tmp_path)
    # Every alert is a whole line a reader can parse, once; no half line is left behind.
    assert (r.produced, r.delivered, r.repeats, r.lost) == (2, 2, 0, 0)
    assert broken == 0
    assert r.outbox_sent == 2 and r.outbox_other == {}
