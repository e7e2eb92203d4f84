"""The poll cycle in-process: what happens when judging one feed's entries blows up."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

from feedserver import FeedServer
from test_daemon import DASU, SEEDS, rss

from monitor.config import Config, FeedConfig, SeedsConfig, StateConfig
from monitor.models import Article, Decision
from monitor.pipeline import Runtime, _off_loop, build_judge, poll_cycle
from monitor.storage import Store
from monitor.workers import worker_pool

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class BrokenJudge:
    """A judge with a bug: every decision raises."""

    def decide(self, article: Article, now: datetime, *, all_relevant: bool = False) -> Decision:
        raise RuntimeError("judge bug")

    def remember(self, article: Article, decision: Decision) -> None:
        raise AssertionError("never reached")


def test_a_crash_while_judging_one_feed_backs_that_feed_off(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.serve("/a.xml", rss([("a-1", *DASU)]))
    config = Config(state=StateConfig(dir=tmp_path), seeds=SeedsConfig(dir=SEEDS),
                    feeds=(FeedConfig(url=feed_server.url("/a.xml"), name="A"),))
    store = Store.open(tmp_path)
    store.sync_feeds([(f.url, f.name, config.feed_interval(f)) for f in config.feeds], NOW)
    rt = Runtime(config=config, store=store, judge=build_judge(config, None), clock=lambda: NOW)
    rt.judge = BrokenJudge()  # type: ignore[assignment]

    report = asyncio.run(poll_cycle(rt))

    assert report.failed == 1 and "internal error: RuntimeError: judge bug" in report.errors[0]
    (feed,) = store.feeds()
    assert feed.consecutive_failures == 1 and feed.last_error == "internal error: RuntimeError: judge bug"
    assert feed.next_poll_at > NOW  # backed off, not re-polled on the next tick
    assert store.feeds_due(NOW) == []


def parse_or_die(owner_pid: int, name: str) -> str:
    """A parse that kills the worker process it runs in (an OOM kill, a crash in lxml)."""
    if os.getpid() != owner_pid:
        os._exit(1)
    return f"{name} parsed here"


def test_parses_in_flight_when_the_worker_pool_breaks_all_parse_here() -> None:
    """Every parse in flight sees the pool break; only the first may retire it. The others
    used to find it gone and fail their feed with an AttributeError."""
    rt = Runtime(config=None, store=None, judge=None,  # type: ignore[arg-type]
                 parse_workers=worker_pool(2, ["monitor.parse"]))

    async def two_parses() -> list[str]:
        return list(await asyncio.gather(*(_off_loop(rt, parse_or_die, os.getpid(), f"feed{i}") for i in range(2))))

    assert asyncio.run(two_parses()) == ["feed0 parsed here", "feed1 parsed here"]
    assert rt.parse_workers is None
