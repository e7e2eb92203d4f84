"""The poll cycle: the one place that sequences the way in, from feeds to queued alerts.

    feeds due (store)
      → fetch, concurrently (httpx; per-host limit; conditional GET)      [fetch.py]
      → as each answer arrives:
          parse (feedparser) → entries not stored yet                      [parse.py]
          → article page for teaser-only entries, where the feed asks      [extract.py]
          → judge each (relevance → story → novelty → decision)            [judge/]
          → record entry + decision + alert + outbox rows, one transaction [storage.py]
          → plan next poll and health (pure) → record, with any feed alert [schedule.py]
    → deliver what the outbox holds                                        [delivery/]

``forget_old_state`` is the other flow here: what the state may delete, run by the daemon a
few times a day and by ``poll --once``.

A feed's failure is a value: it is logged, counted against that feed's health and
rescheduled with backoff; the other feeds go on. ``now`` comes from an injected clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import os
import random
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx

from monitor.alerts import article_alert, feed_health_alert
from monitor.config import Config, FeedConfig
from monitor.extract import extract_main_text
from monitor.fetch import FetchRequest, FetchResult, HostLimiter, fetch_all, fetch_page, make_client
from monitor.judge import Judge
from monitor.logs import format_value, log
from monitor.models import Article, Decision, Kind
from monitor.parse import NotAFeed, ParsedFeed, parse_feed
from monitor.schedule import PollOutcome, plan_feed_update
from monitor.seeds import load_seeds
from monitor.storage import FeedRow, Store
from monitor.workers import worker_pool

logger = logging.getLogger("monitor.poll")

Clock = Callable[[], datetime]
T = TypeVar("T")

# Entries shorter than this are teasers worth replacing with the article page's main text.
TEASER_CHARS = 400
# Irrelevant entries keep only this much text: enough to debug a judgement, not a mirror.
IRRELEVANT_TEXT_CHARS = 1000


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """What a poll cycle needs: configuration, state, the judge, a clock and parse workers."""

    config: Config
    store: Store
    judge: Judge
    clock: Clock = utc_now
    rng: random.Random = field(default_factory=random.Random)
    # Parsing and HTML cleaning are CPU-bound pure functions: worker processes use every
    # core and keep the event loop free for downloads. None parses in-process.
    parse_workers: ProcessPoolExecutor | None = None
    # Jobs retried after a worker died (see _off_loop) run in a process each, at most one
    # per core at once: the jobs in flight can be every feed a cycle fetched, and a worker
    # killed for want of memory is not to be answered with dozens of processes.
    _retry_slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = field(default=None, repr=False)

    @property
    def channel_keys(self) -> list[str]:
        return [ch.key for ch in self.config.channels]

    def close(self) -> None:
        if self.parse_workers is not None:
            self.parse_workers.shutdown(cancel_futures=True)
        self.store.close()


@dataclass
class CycleReport:
    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    unchanged: int = 0
    failed: int = 0
    new_entries: int = 0
    alerts: int = 0
    errors: list[str] = field(default_factory=list)


def build_judge(config: Config, store: Store | None) -> Judge:
    """The judge with the seeds known, then everything judged before (after a restart)."""
    seeds = load_seeds(config.seeds.dir)
    judge = Judge.create(config.topic, config.judge, seeds)
    if store is not None:
        for article, decision in store.judged_articles():
            judge.remember(article, decision)
    return judge


def open_runtime(config: Config, clock: Clock = utc_now) -> Runtime:
    """Open the state for a poller that holds the state lock (``run``, ``poll --once``)."""
    store = Store.open(config.state.dir)
    # Claims left by a deliverer that died (a killed daemon) are due now, not after their lease.
    store.recover_claims(clock())
    store.sync_feeds(
        [(f.url, f.name, config.feed_interval(f)) for f in config.feeds],
        clock(),
    )
    return Runtime(config=config, store=store, judge=build_judge(config, store), clock=clock,
                   parse_workers=_parse_workers())


def _parse_workers(count: int | None = None) -> ProcessPoolExecutor:
    """Workers that have imported the parser: one per core, or ``count``."""
    return worker_pool(count or max(1, os.cpu_count() or 1), ["monitor.parse"])


class WorkerDied(Exception):
    """A worker process died running this job, and died again running it alone: this
    input kills its parser (runs it out of memory, or crashes C code)."""


async def _off_loop(rt: Runtime, work: Callable[..., T], *args: object) -> T:
    """``work(*args)`` in a worker process (or here, without workers); its exceptions
    propagate, and WorkerDied when the input kills every worker that runs it."""
    pool = rt.parse_workers
    if pool is None:
        return work(*args)
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(pool, work, *args)
    except BrokenProcessPool:
        # One worker died and the pool failed every job in flight with it. Which input
        # killed it is unknown, so each job is tried again in a process of its own: only the
        # culprit dies again. Never here: what killed a worker would kill the daemon.
        if rt.parse_workers is pool:  # the first job to see the break replaces the pool
            log(logger, logging.ERROR, "parse_worker_died", action="new pool; jobs in flight retried one per process")
            pool.shutdown(wait=False, cancel_futures=True)
            rt.parse_workers = _parse_workers()
    async with _retries_at_once(rt):
        alone = _parse_workers(1)
        try:
            return await loop.run_in_executor(alone, work, *args)
        except BrokenProcessPool:
            raise WorkerDied("the parser's process died on this input (out of memory, or a crash in the parser)"
                             ) from None
        except asyncio.CancelledError:
            # Shutting down: an input that may never finish must not hold the exit up.
            _stop_workers(alone)
            raise
        finally:
            alone.shutdown(wait=False)


def _retries_at_once(rt: Runtime) -> asyncio.Semaphore:
    """The runtime's bound on retries at once, made for the running loop (a semaphore
    belongs to the loop it first waits in; tests run several loops on one runtime)."""
    loop = asyncio.get_running_loop()
    if rt._retry_slots is None or rt._retry_slots[0] is not loop:
        rt._retry_slots = (loop, asyncio.Semaphore(max(1, os.cpu_count() or 1)))
    return rt._retry_slots[1]


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's processes, running jobs and all (``shutdown`` waits for those)."""
    # (Python 3.14 has ProcessPoolExecutor.terminate_workers; before it, only this attribute.)
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()


async def _parse(rt: Runtime, result: FetchResult, source: str) -> ParsedFeed:
    """parse_feed off the event loop; NotAFeed propagates."""
    return await _off_loop(rt, parse_feed, result.body, dict(result.headers), result.final_url, source, rt.clock())


async def poll_cycle(rt: Runtime, *, due_only: bool = True, progress: bool = False) -> CycleReport:
    """One cycle over the feeds that are due (or all of them): see the module docstring."""
    now = rt.clock()
    feeds = rt.store.feeds_due(now) if due_only else rt.store.feeds()
    report = CycleReport(feeds=len(feeds))
    if not feeds:
        return report
    by_id = {f.id: f for f in feeds}
    requests = [
        FetchRequest(feed_id=f.id, url=f.url, etag=f.etag, last_modified=f.last_modified, label=f.label)
        for f in feeds
    ]
    log(logger, logging.INFO, "cycle_start", feeds=len(feeds))
    show = _Progress(len(feeds)) if progress else None
    async with make_client(rt.config.fetch) as client:
        limiter = HostLimiter(rt.config.fetch.per_host, rt.config.fetch.concurrency)

        async def on_result(request: FetchRequest, result: FetchResult) -> None:
            await _handle_result(rt, by_id[request.feed_id], result, report, client, limiter)
            if show:
                show.step(report)

        await fetch_all(requests, rt.config.fetch, now, on_result=on_result, client=client, limiter=limiter)
    if show:
        show.done()
    log(logger, logging.INFO, "cycle_done", feeds=report.feeds, ok=report.ok,
        not_modified=report.not_modified, unchanged=report.unchanged, failed=report.failed,
        new_entries=report.new_entries, alerts=report.alerts)
    return report


async def _handle_result(rt: Runtime, feed: FeedRow, result: FetchResult, report: CycleReport,
                         client: httpx.AsyncClient, limiter: HostLimiter) -> None:
    now = rt.clock()
    try:
        outcome = await _take_in(rt, feed, result, report, client, limiter)
    except Exception as exc:
        # A bug or a store error on one feed: that feed backs off and shows as failing
        # (and raises feed_error in time) instead of being re-fetched every tick.
        logger.exception("event=feed_crashed feed=%s", format_value(feed.label))
        outcome = _failed(feed, result.status, f"internal error: {type(exc).__name__}: {exc}", report)
    if result.permanent_url and result.permanent_url != feed.url:
        log(logger, logging.WARNING, "feed_moved", feed=feed.label, old=feed.url, new=result.permanent_url)
    update, health = plan_feed_update(feed, outcome, now, rt.config.fetch, rt.config.health, rt.rng.random())
    alerts = []
    if health is not None:
        alerts.append(feed_health_alert(
            health, feed_url=feed.config_url, feed_name=feed.name, error=update.last_error or feed.last_error,
            failing_since=update.failing_since or feed.failing_since, failures=update.consecutive_failures,
            now=now,
        ))
        log(logger, logging.WARNING if health is Kind.FEED_ERROR else logging.INFO, health.value,
            feed=feed.label, since=(update.failing_since or feed.failing_since), error=update.last_error)
        report.alerts += 1
    rt.store.update_feed(feed.id, update, alerts, rt.channel_keys)


async def _take_in(rt: Runtime, feed: FeedRow, result: FetchResult, report: CycleReport,
                   client: httpx.AsyncClient, limiter: HostLimiter) -> PollOutcome:
    """Parse, judge and record one feed's answer; what happened, for its schedule."""
    def outcome(new_entries: int = 0, body_hash: str | None = None) -> PollOutcome:
        return PollOutcome(
            ok=True, status=result.status, permanent_url=result.permanent_url,
            retry_after=result.retry_after, new_entries=new_entries, body_hash=body_hash,
            etag=result.etag, last_modified=result.last_modified,
        )

    if result.outcome == "error":
        return _failed(feed, result.status, result.error or "unknown error", report, result)
    if result.outcome == "not_modified":
        report.not_modified += 1
        log(logger, logging.DEBUG, "feed_not_modified", feed=feed.label)
        return outcome()

    body_hash = hashlib.sha256(result.body).hexdigest()
    if body_hash == feed.body_hash:
        # Same bytes as last time (a server without validators): nothing to parse.
        report.unchanged += 1
        log(logger, logging.DEBUG, "feed_unchanged", feed=feed.label)
        return outcome(body_hash=body_hash)
    try:
        parsed = await _parse(rt, result, feed.name or _host(feed.url))
    except NotAFeed as exc:
        return _failed(feed, result.status, str(exc), report, result)
    except WorkerDied as exc:
        return _failed(feed, result.status, f"{exc}; tried again at the next poll", report, result)
    for warning in parsed.warnings:
        log(logger, logging.INFO, "feed_warning", feed=feed.label, warning=warning)

    known = rt.store.known_article_ids(feed.id, [a.id for a in parsed.articles])
    # (Marked again only once a quarter of forget_after has passed: far from being forgotten.)
    rt.store.mark_listed(feed.id, list(known), rt.clock(),
                         unless_since=timedelta(seconds=rt.config.state.forget_after / 4))
    fresh = [a for a in parsed.articles if a.id not in known]
    if rt.config.feed_fetches_article(_feed_config(rt, feed)):
        fresh = [await _with_page_text(a, rt, client, limiter) for a in fresh]
    for article in fresh:
        report.alerts += record_article(rt, article, feed_id=feed.id, feed_key=feed.config_url)
    report.ok += 1
    report.new_entries += len(fresh)
    log(logger, logging.INFO if fresh else logging.DEBUG, "feed_polled", feed=feed.label,
        entries=len(parsed.articles), new=len(fresh))
    return outcome(new_entries=len(fresh), body_hash=body_hash)


@dataclass(frozen=True)
class Forgotten:
    """What one run of ``forget_old_state`` deleted: entries, and delivery log rows."""

    entries: int
    delivery_log: int


# Entries deleted per transaction: each chunk is short, and polls and deliveries run between.
FORGET_CHUNK = 500


async def forget_old_state(rt: Runtime) -> Forgotten:
    """Delete what ``[state] forget_after`` says the state no longer needs.

        irrelevant entries no feed has listed since the cut-off (store)
          → deleted with their decisions, a chunk per transaction, yielding between chunks
        → delivery log rows older than the cut-off (store)

    Stories, their entries, seeds, alerts and the outbox are kept: the judge is rebuilt from
    them, and they are the user's history. SQLite reuses the freed pages, so the file stops
    growing rather than shrinking."""
    before = rt.clock() - timedelta(seconds=rt.config.state.forget_after)
    entry_ids = rt.store.forgettable_entries(before)
    entries = 0
    for start in range(0, len(entry_ids), FORGET_CHUNK):
        entries += rt.store.forget_entries(entry_ids[start:start + FORGET_CHUNK], before)
        await asyncio.sleep(0)
    forgotten = Forgotten(entries=entries, delivery_log=rt.store.forget_delivery_log(before))
    log(logger, logging.INFO if forgotten.entries or forgotten.delivery_log else logging.DEBUG,
        "state_forgotten", entries=forgotten.entries, delivery_log=forgotten.delivery_log, before=before)
    return forgotten


def _failed(feed: FeedRow, status: int | None, error: str, report: CycleReport,
            result: FetchResult | None = None) -> PollOutcome:
    """Count, report and log one feed's failure; the outcome its schedule needs."""
    report.failed += 1
    report.errors.append(f"{feed.label}: {error}")
    log(logger, logging.WARNING, "feed_failed", feed=feed.label, url=feed.url, status=status,
        error=error, failures=feed.consecutive_failures + 1)
    return PollOutcome(
        ok=False, status=status, error=error,
        permanent_url=result.permanent_url if result else None,
        retry_after=result.retry_after if result else None,
    )


def record_article(rt: Runtime, article: Article, *, feed_id: int | None, feed_key: str) -> int:
    """Judge one new article and record the outcome (with its alert); 1 if it alerts."""
    now = rt.clock()
    decision = rt.judge.decide(article, now)
    alert = None
    if decision.alert:
        first = rt.store.story_first_alert(decision.story_id) if decision.story_id else None
        alert = article_alert(article, decision, feed_key=feed_key, first_alert_id=first, now=now)
    stored = article if decision.kind is not Kind.IRRELEVANT else _trimmed(article)
    rt.store.record_judgement(feed_id, stored, decision, now, alert, rt.channel_keys)
    rt.judge.remember(article, decision)
    _log_decision(article, decision)
    return 1 if alert else 0


def _log_decision(article: Article, decision: Decision) -> None:
    level = logging.INFO if decision.kind is not Kind.IRRELEVANT else logging.DEBUG
    log(logger, level, "decision", kind=decision.kind.value, story=decision.story_id,
        relevance=round(decision.relevance, 3), matched=decision.matched, title=article.title[:120])


async def _with_page_text(article: Article, rt: Runtime, client: httpx.AsyncClient,
                          limiter: HostLimiter) -> Article:
    if len(article.text) >= TEASER_CHARS or not article.url:
        return article
    page = await fetch_page(client, article.url, rt.config.fetch, limiter)
    if page.outcome != "ok":
        log(logger, logging.INFO, "article_page_failed", url=article.url, error=page.error)
        return article
    try:
        text = await _off_loop(rt, extract_main_text, page.body, article.url)
    except WorkerDied as exc:
        log(logger, logging.WARNING, "article_page_failed", url=article.url, error=str(exc))
        return article
    if not text or len(text) <= len(article.text):
        return article
    return dataclasses.replace(article, text=text)


def _trimmed(article: Article) -> Article:
    if len(article.text) <= IRRELEVANT_TEXT_CHARS:
        return article
    return dataclasses.replace(article, text=article.text[:IRRELEVANT_TEXT_CHARS])


def _feed_config(rt: Runtime, feed: FeedRow) -> FeedConfig:
    return next((f for f in rt.config.feeds if f.url == feed.config_url), FeedConfig(url=feed.config_url))


def _host(url: str) -> str:
    return httpx.URL(url).host if url.lower().startswith(("http://", "https://")) else url


class _Progress:
    """A one-line progress display on a terminal (stderr); silent otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done_count = 0
        self.enabled = sys.stderr.isatty()

    def step(self, report: CycleReport) -> None:
        self.done_count += 1
        if self.enabled:
            ok = report.ok + report.not_modified + report.unchanged
            sys.stderr.write(
                f"\rpolled {self.done_count}/{self.total} feeds  ok={ok} failed={report.failed}"
                f" new={report.new_entries} alerts={report.alerts}   "
            )
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
