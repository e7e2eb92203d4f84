"""``monitor run``: the daemon, in the foreground, until SIGTERM or SIGINT.

    lock the state dir (one daemon per state) → open store, rebuild the judge
    → APScheduler (AsyncIOScheduler) ticks these jobs:
        poll:    every TICK_S, poll the feeds whose next_poll_at has come (the schedule
                 of record is the feeds table, not APScheduler's job store, so a restart
                 or a crash loses no schedule)
        deliver:<channel>: every TICK_S, one job per channel, deliver that channel's due
                 outbox rows (apart, so a slow peer delays only its own channel)
        forget:  every FORGET_EVERY_S, from the end of the first poll cycle, delete what
                 [state] forget_after says the state no longer needs (pipeline.forget_old_state)
      A tick that finds its job still running is skipped (max_instances=1) and logged
      (``event=job_skipped``; ``event=job_overran`` when the job ends), so an operator can
      grep a job that overruns instead of meeting a silent log.
    → on SIGTERM/SIGINT: pause the scheduler (no new runs), give in-flight work GRACE_S to
      finish, then cancel it (every write is its own transaction, so an abandoned cycle
      loses nothing that the next cycle will not redo), shut the scheduler down, close the
      store, exit 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Coroutine
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.config import ChannelConfig, Config
from monitor.delivery.deliver import deliver_channel, report_unknown_channels
from monitor.logs import log
from monitor.pipeline import Clock, Runtime, forget_old_state, open_runtime, poll_cycle, utc_now
from monitor.storage import state_lock

logger = logging.getLogger("monitor.daemon")

TICK_S = 15.0
# Forgetting is measured in days ([state] forget_after, at least 1d): a few runs a day keep
# each one short.
FORGET_EVERY_S = 6 * 3600.0
GRACE_S = 5.0


def report_skip(skipped: int) -> bool:
    """Whether the ``skipped``-th tick in a row that found its job still running is logged:
    the 1st, 2nd, 4th, 8th, ...: a job stuck for hours leaves a line per doubling, not one
    every tick, and the first skip is always seen."""
    return skipped > 0 and skipped & (skipped - 1) == 0


class Daemon:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.stopping = asyncio.Event()
        self.in_flight: set[asyncio.Task[Any]] = set()
        self.first_cycle = True
        # Set once the first poll cycle has ended: forgetting waits for it, so what the feeds
        # list after a long stop (or an upgrade) is marked listed before anything is forgotten.
        self.first_cycle_done = asyncio.Event()
        # Per job id: when its running instance started, and how many ticks it has skipped.
        self.running_since: dict[str, float] = {}
        self.skipped: dict[str, int] = {}

    async def _tracked(self, job: str, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self.in_flight.add(task)
        self.running_since[job] = time.monotonic()
        try:
            await task
        except asyncio.CancelledError:
            if not self.stopping.is_set():
                raise
            # Cancelled by the drain (``run`` logs how many): not an error of the job's, which
            # APScheduler would log with a traceback.
        except Exception:
            # A bug in one cycle must not stop the daemon: log it and tick again.
            logger.exception("event=job_crashed")
        finally:
            self.in_flight.discard(task)
            started = self.running_since.pop(job)
            skipped = self.skipped.pop(job, 0)
            if skipped:
                log(logger, logging.WARNING, "job_overran", job=job, took_s=round(time.monotonic() - started, 1),
                    skipped=skipped)

    def _on_skipped(self, event: JobSubmissionEvent) -> None:
        """APScheduler skipped a tick because the job's last run is still going (max_instances=1).

        Its own warning is filtered out (logs.py: one per tick is noise), so the daemon says it
        in its own words, throttled by ``report_skip``."""
        job = str(event.job_id)
        skipped = self.skipped[job] = self.skipped.get(job, 0) + 1
        if report_skip(skipped):
            started = self.running_since.get(job)
            log(logger, logging.WARNING, "job_skipped", job=job, skipped=skipped,
                running_s=None if started is None else round(time.monotonic() - started, 1))

    async def poll_job(self) -> None:
        if self.stopping.is_set():
            return
        progress, self.first_cycle = self.first_cycle, False
        try:
            await self._tracked("poll", poll_cycle(self.rt, progress=progress))
        finally:
            self.first_cycle_done.set()

    async def deliver_job(self, ch: ChannelConfig) -> None:
        if self.stopping.is_set():
            return
        await self._tracked(f"deliver:{ch.key}", deliver_channel(self.rt.store, self.rt.config, ch, self.rt.clock()))

    async def forget_job(self) -> None:
        await self.first_cycle_done.wait()
        if self.stopping.is_set():
            return
        await self._tracked("forget", forget_old_state(self.rt))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        scheduler = AsyncIOScheduler(timezone="UTC")
        # max_instances=1 + coalesce: a slow cycle delays the next tick instead of stacking.
        common = {"trigger": "interval", "seconds": TICK_S, "max_instances": 1, "coalesce": True,
                  "next_run_time": self.rt.clock(), "misfire_grace_time": None}
        scheduler.add_job(self.poll_job, id="poll", **common)
        # One job per channel: a channel stuck on a slow peer (a send runs up to its deadline,
        # base.send_deadline) skips its own ticks, not the file sink's.
        for ch in self.rt.config.channels:
            scheduler.add_job(self.deliver_job, id=f"deliver:{ch.key}", args=(ch,), **common)
        scheduler.add_job(self.forget_job, id="forget", **{**common, "seconds": FORGET_EVERY_S})
        scheduler.add_listener(self._on_skipped, EVENT_JOB_MAX_INSTANCES)
        scheduler.start()
        log(logger, logging.INFO, "daemon_started", feeds=len(self.rt.config.feeds),
            state=self.rt.config.state.dir, channels=",".join(self.rt.channel_keys))
        # Rows only a previous config's channels would send: said once, as the daemon starts
        # (this config cannot change while it runs).
        report_unknown_channels(self.rt.store, self.rt.config)
        await self.stopping.wait()
        # (Not shutdown yet: APScheduler's asyncio executor cancels the running jobs as it
        # shuts down, which would leave the grace period nothing to wait for.)
        scheduler.pause()
        if self.in_flight:
            log(logger, logging.INFO, "daemon_draining", tasks=len(self.in_flight), grace_s=GRACE_S)
            _done, pending = await asyncio.wait(set(self.in_flight), timeout=GRACE_S)
            for task in pending:
                task.cancel()
            if pending:
                log(logger, logging.WARNING, "daemon_abandoned", tasks=len(pending), grace_s=GRACE_S)
                await asyncio.gather(*pending, return_exceptions=True)
        scheduler.shutdown(wait=False)
        log(logger, logging.INFO, "daemon_stopped")

    def _on_signal(self, sig: signal.Signals) -> None:
        log(logger, logging.INFO, "signal", name=sig.name)
        self.stopping.set()


def run_daemon(config: Config, clock: Clock = utc_now) -> int:
    with state_lock(config.state.dir):
        rt = open_runtime(config, clock)
        try:
            asyncio.run(Daemon(rt).run())
        finally:
            rt.close()
    return 0
