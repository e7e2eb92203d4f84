"""Delivery fault scenarios against real peers, shared by tests/test_delivery_faults.py
(which asserts) and bench/fault_matrix.py (which prints the matrix).

Each scenario queues alerts in a real SQLite store, breaks a peer, runs ``deliver_pending``
rounds at injected times (backoff and lease expiry without waiting), heals the peer and
counts what the receiver got: distinct alerts delivered, repeats (same alert id, dropped
by the receiver's dedupe), duplicates after dedupe, and alerts lost.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from delivery_fixtures import NOW, queue_alerts
from smtp_peer import PASSWORD, USER, SmtpPeer
from webhook_peer import WebhookPeer

from monitor.config import ChannelConfig, Config, Seconds, StateConfig
from monitor.delivery.deliver import CRASH_HOOK_ENV, LEASE_S, deliver_pending, round_lease
from monitor.storage import Store

ROOT = Path(__file__).resolve().parent.parent
SECRET_ENV = "MONITOR_TEST_WEBHOOK_SECRET"
PASSWORD_ENV = "MONITOR_TEST_SMTP_PASSWORD"
SECRET = "webhook-secret"


@dataclass(frozen=True)
class FaultResult:
    fault: str
    channel: str
    produced: int
    delivered: int  # distinct alerts the receiver has
    repeats: int  # extra receipts carrying an alert id already received: the receiver drops them
    outbox_sent: int  # rows the store recorded as sent
    outbox_other: dict[str, int]

    @property
    def lost(self) -> int:
        return self.produced - self.delivered

    @property
    def duplicates(self) -> int:
        """Copies left after the receiver's dedupe by alert id: zero by construction of ids."""
        return 0


def set_env() -> None:
    os.environ[SECRET_ENV] = SECRET
    os.environ[PASSWORD_ENV] = PASSWORD


def webhook_channel(peer: WebhookPeer, *, timeout: float = 5.0, **policy: str) -> ChannelConfig:
    return ChannelConfig(type="webhook", name="hook", url=peer.url, secret_env=SECRET_ENV,
                         timeout=Seconds(timeout), **policy)  # type: ignore[arg-type]


def email_channel(peer: SmtpPeer) -> ChannelConfig:
    return ChannelConfig(type="email", name="mail", host="127.0.0.1", port=peer.port, security=peer.security,
                         username=USER, password_env=PASSWORD_ENV, from_="alerts@example.org",
                         to=("analyst@example.org",), timeout=Seconds(5))


def config_for(state: Path, *channels: ChannelConfig) -> Config:
    return Config(state=StateConfig(dir=state), channels=channels)


def deliver(state: Path, config: Config, now: datetime, **kwargs: object) -> None:
    store = Store.open(state)
    try:
        asyncio.run(deliver_pending(store, config, now, **kwargs))  # type: ignore[arg-type]
    finally:
        store.close()


def outbox_states(state: Path, channel: str) -> dict[str, int]:
    store = Store.open(state)
    try:
        rows = store.db.execute("SELECT state, COUNT(*) FROM outbox WHERE channel = ? GROUP BY state", (channel,))
        return {r[0]: r[1] for r in rows}
    finally:
        store.close()


def queue(state: Path, count: int, channels: list[str]) -> list[str]:
    store = Store.open(state)
    try:
        return queue_alerts(store, count, channels)
    finally:
        store.close()


KEYS = {"webhook": "hook", "email": "mail", "file": "file"}


def result(fault: str, channel: str, produced: int, counts: tuple[int, int], state: Path) -> FaultResult:
    states = outbox_states(state, KEYS[channel])
    sent = states.pop("sent", 0)
    return FaultResult(fault, channel, produced, counts[0], counts[1], sent, states)


@contextmanager
def ssl_trust(peer: SmtpPeer) -> Iterator[None]:
    """Trust the peer's self-signed certificate the way an operator would: SSL_CERT_FILE."""
    old = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(peer.cert)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = old


# -- scenarios --------------------------------------------------------------------------------

@contextmanager
def smtp_scenario(work: Path, alerts: int) -> Iterator[tuple[SmtpPeer, Path, Config, list[str]]]:
    """A running SMTP peer the email channel trusts, and ``alerts`` alerts queued for it:
    (peer, state dir, config, the queued alert ids)."""
    set_env()
    state = work / "state"
    with SmtpPeer() as peer, ssl_trust(peer):
        config = config_for(state, email_channel(peer))
        yield peer, state, config, queue(state, alerts, ["mail"])


def smtp_down_then_up(work: Path, alerts: int = 5) -> FaultResult:
    with smtp_scenario(work, alerts) as (peer, state, config, produced):
        peer.stop()
        deliver(state, config, NOW + timedelta(seconds=10))  # refused: retry later
        deliver(state, config, NOW + timedelta(seconds=20))  # still within backoff: nothing due
        peer.start()
        deliver(state, config, NOW + timedelta(hours=2))
        return result("SMTP down, then up", "email", len(produced), peer.counts(), state)


def smtp_down_past_max_attempts(work: Path, alerts: int = 3) -> FaultResult:
    """An outage longer than the retry budget (12 attempts, about 4 hours at the capped backoff).

    Before, every row became failed at its 12th attempt, and nothing
    claimed it again when the server came back, not even ``monitor deliver``. Fewer alerts
    than the circuit breaker's count, so that every row is tried in every round.
    """
    with smtp_scenario(work, alerts) as (peer, state, config, produced):
        peer.stop()
        at = NOW
        for _ in range(config.channels[0].max_attempts + 3):  # (a round after each backoff: ≤ 1 h)
            at += timedelta(hours=1, minutes=1)
            deliver(state, config, at)
        peer.start()
        deliver(state, config, at + timedelta(hours=1, minutes=1))
        return result("SMTP down 16 h, then up", "email", len(produced), peer.counts(), state)


def smtp_4xx_then_ok(work: Path, alerts: int = 4) -> FaultResult:
    with smtp_scenario(work, alerts) as (peer, state, config, produced):
        peer.script = [451, 451]
        deliver(state, config, NOW + timedelta(seconds=10))
        deliver(state, config, NOW + timedelta(hours=2))
        return result("SMTP 451 twice, then 250", "email", len(produced), peer.counts(), state)


def webhook_500_then_200(work: Path, alerts: int = 5) -> FaultResult:
    set_env()
    state = work / "state"
    with WebhookPeer(SECRET) as peer:
        config = config_for(state, webhook_channel(peer))
        produced = queue(state, alerts, ["hook"])
        peer.script = [500, 500, 503]
        deliver(state, config, NOW + timedelta(seconds=10))
        deliver(state, config, NOW + timedelta(hours=2))
        assert peer.bad_signatures == 0
        return result("webhook 500s, then 200", "webhook", len(produced), peer.counts(), state)


def webhook_timeout(work: Path, alerts: int = 3) -> FaultResult:
    """The receiver takes the alert, then answers too late: the sender must retry; same id."""
    set_env()
    state = work / "state"
    with WebhookPeer(SECRET, hang_s=2.0) as peer:
        config = config_for(state, webhook_channel(peer, timeout=0.3))
        produced = queue(state, alerts, ["hook"])
        peer.script = ["hang"]
        deliver(state, config, NOW + timedelta(seconds=10))
        deliver(state, config, NOW + timedelta(hours=2))
        return result("webhook timeout", "webhook", len(produced), peer.counts(), state)


CHILD = """
import asyncio, sys
from datetime import datetime
from pathlib import Path
from delivery_faults import config_for, webhook_channel, email_channel, set_env
from webhook_peer import WebhookPeer
from monitor.config import ChannelConfig
from monitor.delivery.deliver import deliver_pending
from monitor.storage import Store
state, kind, target, now = sys.argv[1], sys.argv[2], sys.argv[3], datetime.fromisoformat(sys.argv[4])
set_env()
if kind == "webhook":
    channel = ChannelConfig(type="webhook", name="hook", url=target, secret_env="MONITOR_TEST_WEBHOOK_SECRET")
elif kind == "email":
    channel = ChannelConfig(type="email", name="mail", host="127.0.0.1", port=int(target), security="starttls",
                            username="alerts@example.org", password_env="MONITOR_TEST_SMTP_PASSWORD",
                            from_="alerts@example.org", to=("analyst@example.org",))
else:
    channel = ChannelConfig(type="file", name="file")
store = Store.open(Path(state))
if len(sys.argv) > 5:  # a full disk: writes past this size fail (EFBIG here, ENOSPC on a real disk)
    import resource, signal
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[5]), resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
asyncio.run(deliver_pending(store, config_for(Path(state), channel), now))
"""


def run_child(state: Path, kind: str, target: str, now: datetime, *, crash_after: int | None,
              env: dict[str, str] | None = None, file_size_limit: int | None = None) -> int:
    """A separate delivery process; with ``crash_after`` it SIGKILLs itself after that many sends;
    with ``file_size_limit`` no file it writes may grow past that many bytes (RLIMIT_FSIZE)."""
    # The repository for ``monitor`` and tests/ for the helpers the child imports by bare name,
    # as pytest's pythonpath has them.
    child_env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    child_env.pop(CRASH_HOOK_ENV, None)
    if crash_after is not None:
        child_env[CRASH_HOOK_ENV] = str(crash_after)
    limit = [] if file_size_limit is None else [str(file_size_limit)]
    done = subprocess.run([sys.executable, "-c", CHILD, str(state), kind, target, now.isoformat(), *limit],
                          cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=60)
    if done.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"delivery child failed ({done.returncode}):\n{done.stderr}")
    return done.returncode


def sigkill_between_send_and_record(work: Path, kind: str, alerts: int = 5, crash_after: int = 2) -> FaultResult:
    """Kill the delivering process right after a send, before it is recorded; restart later."""
    set_env()
    state = work / "state"
    key = KEYS[kind]
    produced = queue(state, alerts, [key])
    crashed_at = NOW + timedelta(seconds=10)
    lease_s, _ = round_lease(LEASE_S, 5.0)  # (both channels here time out at 5 s)
    restart_at = crashed_at + timedelta(seconds=lease_s + 1)  # the dead process's lease has run out
    if kind == "webhook":
        with WebhookPeer(SECRET) as peer:
            code = run_child(state, kind, peer.url, crashed_at, crash_after=crash_after)
            assert code == -signal.SIGKILL, "the child should have been killed"
            run_child(state, kind, peer.url, restart_at, crash_after=None)
            counts = peer.counts()
    elif kind == "email":
        with SmtpPeer() as smtp:
            env = {"SSL_CERT_FILE": str(smtp.cert)}
            code = run_child(state, kind, str(smtp.port), crashed_at, crash_after=crash_after, env=env)
            assert code == -signal.SIGKILL, "the child should have been killed"
            run_child(state, kind, str(smtp.port), restart_at, crash_after=None, env=env)
            counts = smtp.counts()
    else:
        code = run_child(state, kind, "", crashed_at, crash_after=crash_after)
        assert code == -signal.SIGKILL, "the child should have been killed"
        run_child(state, kind, "", restart_at, crash_after=None)
        ids, _ = sink_ids(state / "alerts.jsonl")
        counts = (len(set(ids)), len(ids) - len(set(ids)))
    return result("SIGKILL between send and record, restart", kind, len(produced), counts, state)


def sink_ids(sink: Path) -> tuple[list[str], int]:
    """The alert ids a reader of the file sink gets (one per line that parses), and how many
    lines do not parse: what ``jq`` or a script reading the file would choke on."""
    ids, broken = [], 0
    for line in sink.read_text(encoding="utf-8").splitlines():
        try:
            ids.append(str(json.loads(line)["id"]))
        except (ValueError, KeyError, TypeError):
            broken += 1
    return ids, broken


def file_disk_full_mid_line(work: Path, alerts: int = 2) -> tuple[FaultResult, int]:
    """The disk fills up in the middle of an alert's line; space is freed; the row is retried.

    Before, the half line stayed, the retry took the alert's id
    in it for a line already written, recorded the row as sent, and the next alert went onto
    the broken line. Returns the result and the number of lines that do not parse.
    """
    state = work / "state"
    sink = state / "alerts.jsonl"
    produced = queue(state, alerts, ["file"])
    # Earlier alerts make the sink larger than the store's own files, so that the limit
    # below stops the sink and nothing else.
    with sink.open("w", encoding="utf-8") as handle:
        for n in range(2000):
            handle.write(json.dumps({"id": f"a-old-{n}", "summary": "x" * 480}) + "\n")
    full_at = sink.stat().st_size + 150  # inside the first new line
    run_child(state, "file", "", NOW + timedelta(seconds=10), crash_after=None, file_size_limit=full_at)
    assert outbox_states(state, "file") == {"pending": alerts}, "the full disk should have failed the writes"
    run_child(state, "file", "", NOW + timedelta(hours=2), crash_after=None)
    ids, broken = sink_ids(sink)
    new = [i for i in ids if not i.startswith("a-old-")]
    counts = (len(set(new)), len(new) - len(set(new)))
    return result("file sink: disk full mid-line, then freed", "file", len(produced), counts, state), broken


SCENARIOS: list[tuple[str, Callable[[Path], FaultResult]]] = [
    ("smtp_down_then_up", smtp_down_then_up),
    ("smtp_down_past_max_attempts", smtp_down_past_max_attempts),
    ("smtp_4xx_then_ok", smtp_4xx_then_ok),
    ("webhook_500_then_200", webhook_500_then_200),
    ("webhook_timeout", webhook_timeout),
    ("sigkill_webhook", lambda work: sigkill_between_send_and_record(work, "webhook")),
    ("sigkill_email", lambda work: sigkill_between_send_and_record(work, "email")),
    ("sigkill_file", lambda work: sigkill_between_send_and_record(work, "file")),
    ("file_disk_full", lambda work: file_disk_full_mid_line(work)[0]),
]
