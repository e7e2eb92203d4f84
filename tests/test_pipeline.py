"""The poll cycle in-process: what happens when judging or parsing one feed blows up."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedserver import FeedServer
from test_daemon import CRICKET, DASU, GWADAR, SEEDS, rss

from monitor import pipeline
from monitor.config import Config, FeedConfig, SeedsConfig, StateConfig
from monitor.models import Article, Decision
from monitor.parse import ParsedFeed, parse_feed
from monitor.pipeline import Forgotten, Runtime, WorkerDied, _off_loop, build_judge, forget_old_state, poll_cycle
from monitor.storage import Store
from monitor.workers import worker_pool

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def runtime_for(tmp_path: Path, *feeds: FeedConfig, **runtime: object) -> Runtime:
    """A runtime on a fresh store under ``tmp_path`` that polls ``feeds``, its clock at NOW."""
    config = Config(state=StateConfig(dir=tmp_path), seeds=SeedsConfig(dir=SEEDS), feeds=feeds)
    store = Store.open(tmp_path)
    store.sync_feeds([(f.url, f.name, config.feed_interval(f)) for f in config.feeds], NOW)
    runtime.setdefault("clock", lambda: NOW)
    return Runtime(config=config, store=store, judge=build_judge(config, None),
                   **runtime)  # type: ignore[arg-type]


class BrokenJudge:
    """A judge with a bug: every decision raises."""

    def decide(self, article: Article, now: datetime, *, all_relevant: bool = False) -> Decision:
        raise RuntimeError("judge bug")

    def remember(self, article: Article, decision: Decision) -> None:
        raise AssertionError("never reached")


def test_a_crash_while_judging_one_feed_backs_that_feed_off(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.serve("/a.xml", rss([("a-1", *DASU)]))
    rt = runtime_for(tmp_path, FeedConfig(url=feed_server.url("/a.xml"), name="A"))
    store = rt.store
    rt.judge = BrokenJudge()  # type: ignore[assignment]

    report = asyncio.run(poll_cycle(rt))

    assert report.failed == 1 and "internal error: RuntimeError: judge bug" in report.errors[0]
    (feed,) = store.feeds()
    assert feed.consecutive_failures == 1 and feed.last_error == "internal error: RuntimeError: judge bug"
    assert feed.next_poll_at > NOW  # backed off, not re-polled on the next tick
    assert store.feeds_due(NOW) == []


def test_a_feed_s_old_entries_are_kept_quietly_and_its_news_alerts(tmp_path: Path, feed_server: FeedServer) -> None:
    """A first poll meets the feed's backlog: the month-old Dasu report becomes a known story
    without an alert; the Gwadar report of an hour ago alerts."""
    feed_server.serve("/a.xml", rss([("old-1", *DASU)], when=NOW - timedelta(days=30))
                      .replace(b"</channel>", rss([("new-1", *GWADAR)], when=NOW - timedelta(hours=1))
                               .split(b"<channel>")[1].split(b"</link>", 1)[1]))
    rt = runtime_for(tmp_path, FeedConfig(url=feed_server.url("/a.xml"), name="A"))
    store = rt.store

    report = asyncio.run(poll_cycle(rt))

    assert (report.new_entries, report.alerts) == (2, 1)
    rows = store.db.execute("SELECT e.title, d.kind, d.notify FROM entries e JOIN decisions d "
                            "ON d.entry_id = e.id WHERE e.feed_id IS NOT NULL").fetchall()
    assert sorted(tuple(r) for r in rows) == sorted([(DASU[0], "new_story", 0), (GWADAR[0], "new_story", 1)])
    (alert,) = store.db.execute("SELECT payload FROM alerts").fetchall()
    assert "Gwadar" in alert[0] and "Dasu" not in alert[0]


WEATHER = ("Light rain expected in Lahore over the weekend",
           "LAHORE: The Met Office forecast light rain and cooler temperatures for the weekend.")


def test_irrelevant_entries_are_forgotten_once_no_feed_lists_them(
        tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """[state] forget_after (60 days): an irrelevant entry its feed still lists is kept, one
    no document has listed for that long is deleted with its decision, and so is the old
    delivery log; a story's entry never is. Forgotten entries served again are judged again
    as new, and do not alert."""
    monkeypatch.setattr(pipeline, "FORGET_CHUNK", 1)  # two entries: two transactions
    clock = [NOW]
    url = feed_server.url("/a.xml")
    rt = runtime_for(tmp_path, FeedConfig(url=url, name="A"), clock=lambda: clock[0])
    store = rt.store

    def kept() -> set[str]:  # (the entries' ids are their links, named after the guids here)
        return {r[0].rsplit("/", 1)[1] for r in store.db.execute("SELECT article_id FROM entries WHERE feed_id IS NOT NULL")}

    feed_server.serve("/a.xml", rss([("cricket", *CRICKET), ("dasu", *DASU)], when=NOW))
    assert asyncio.run(poll_cycle(rt, due_only=False)).alerts == 1
    (alert_id,) = store.db.execute("SELECT id FROM alerts").fetchone()
    store.mark_sent(alert_id, "file", NOW)

    clock[0] = NOW + timedelta(days=40)  # a new document still lists the cricket report
    feed_server.serve("/a.xml", rss([("cricket", *CRICKET), ("weather", *WEATHER)], when=NOW))
    asyncio.run(poll_cycle(rt, due_only=False))
    clock[0] = NOW + timedelta(days=61)
    assert asyncio.run(forget_old_state(rt)) == Forgotten(entries=0, delivery_log=1)
    assert kept() == {"cricket", "dasu", "weather"}

    clock[0] = NOW + timedelta(days=101)  # neither listed since day 40
    assert asyncio.run(forget_old_state(rt)) == Forgotten(entries=2, delivery_log=0)
    assert kept() == {"dasu"}
    assert store.db.execute("SELECT COUNT(*) FROM decisions WHERE kind = 'irrelevant'").fetchone()[0] == 0
    assert [a.title for a, _ in store.judged_articles() if not a.is_seed] == [DASU[0]]
    assert asyncio.run(forget_old_state(rt)) == Forgotten(entries=0, delivery_log=0)

    feed_server.serve("/a.xml", rss([("cricket", *CRICKET), ("weather", *WEATHER), ("dasu", *DASU)], when=NOW))
    report = asyncio.run(poll_cycle(rt, due_only=False))
    assert (report.new_entries, report.alerts) == (2, 0)


def parse_or_die(owner_pid: int, name: str) -> str:
    """A parse that kills the worker process it runs in when ``name`` is "poison" (as an
    OOM kill or a crash in C code would), and must never run in the owner's process."""
    if os.getpid() == owner_pid:
        raise AssertionError(f"{name} was parsed in the daemon's own process")
    if name == "poison":
        os._exit(1)
    return f"{name} parsed"


def test_a_worker_killed_by_one_input_fails_that_input_only() -> None:
    """A dead worker breaks the pool and fails every parse in flight. Each is retried in a
    process of its own: the good ones parse, the culprit fails clearly, the daemon never
    runs it itself. (It used to retry all of them in-process, the culprit too.)"""
    rt = Runtime(config=None, store=None, judge=None,  # type: ignore[arg-type]
                 parse_workers=worker_pool(2, ["monitor.parse"]))
    first_pool = rt.parse_workers
    names = ["feed0", "poison", "feed1", "feed2"]

    async def parses() -> list[str | BaseException]:
        jobs = (_off_loop(rt, parse_or_die, os.getpid(), name) for name in names)
        return list(await asyncio.gather(*jobs, return_exceptions=True))

    results = asyncio.run(parses())

    assert results[0] == "feed0 parsed" and results[2:] == ["feed1 parsed", "feed2 parsed"]
    assert isinstance(results[1], WorkerDied) and "died on this input" in str(results[1])
    # A fresh pool took over, and it works.
    assert rt.parse_workers is not None and rt.parse_workers is not first_pool
    assert asyncio.run(_off_loop(rt, parse_or_die, os.getpid(), "later")) == "later parsed"
    rt.parse_workers.shutdown()


def parse_or_hang(owner_pid: int, name: str, pid_file: str) -> str:
    """Kills its worker when ``name`` is "poison"; else writes its pid and runs for a minute."""
    if name == "poison":
        os._exit(1)
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(60)
    return name


def test_a_retried_job_is_stopped_when_the_daemon_shuts_down(tmp_path: Path) -> None:
    """Cancelling a job retried in a process of its own (SIGTERM) stops that process: an
    input that never finishes must not hold the daemon's exit up. (One worker: the poison
    kills it before the slow job starts, so only the retry writes a pid.)"""
    rt = Runtime(config=None, store=None, judge=None,  # type: ignore[arg-type]
                 parse_workers=worker_pool(1, ["monitor.parse"]))
    pid_file = tmp_path / "pid"

    async def cancel_the_retry() -> None:
        poison = asyncio.ensure_future(_off_loop(rt, parse_or_hang, os.getpid(), "poison", str(pid_file)))
        slow = asyncio.ensure_future(_off_loop(rt, parse_or_hang, os.getpid(), "slow", str(pid_file)))
        with pytest.raises(WorkerDied):
            await poison
        for _ in range(100):  # the retry's process has started once it wrote its pid
            if pid_file.exists() and pid_file.read_text():
                break
            await asyncio.sleep(0.1)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow

    asyncio.run(cancel_the_retry())
    retried_pid = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(retried_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the retried job's process {retried_pid} still runs after the cancel")
    assert rt.parse_workers is not None
    rt.parse_workers.shutdown()


def parse_feed_or_die(body: bytes, *args: object) -> ParsedFeed:
    """parse_feed, except that a body saying POISON kills the process parsing it."""
    if b"POISON" in body:
        os._exit(1)
    return parse_feed(body, *args)  # type: ignore[arg-type]


def test_a_feed_that_kills_its_parser_fails_and_the_others_poll(
        tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("monitor.pipeline.parse_feed", parse_feed_or_die)
    feed_server.serve("/good.xml", rss([("g-1", *DASU)]))
    feed_server.serve("/bad.xml", rss([("b-1", "POISON", "POISON")]))
    rt = runtime_for(tmp_path, FeedConfig(url=feed_server.url("/good.xml"), name="Good"),
                     FeedConfig(url=feed_server.url("/bad.xml"), name="Bad"),
                     parse_workers=worker_pool(2, ["monitor.parse"]))

    report = asyncio.run(poll_cycle(rt))
    rt.close()

    assert (report.ok, report.failed, report.new_entries) == (1, 1, 1)
    by_name = {f.name: f for f in Store.open(tmp_path).feeds()}
    assert by_name["Good"].consecutive_failures == 0
    assert by_name["Bad"].consecutive_failures == 1
    assert "the parser's process died on this input" in (by_name["Bad"].last_error or "")
    assert (by_name["Bad"].last_error or "").endswith("tried again at the next poll")


def test_a_feed_s_host_is_read_from_a_url_with_its_scheme_in_capitals() -> None:
    """(An unnamed feed's articles are credited to its host, as their source.)"""
    assert pipeline._host("HTTPS://News.example/feed") == "news.example"
