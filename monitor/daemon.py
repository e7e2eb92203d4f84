"""``monitor run``: the daemon, in the foreground, until SIGTERM or SIGINT.

    lock the state dir (one daemon per state) → open store, rebuild the judge
    → APScheduler (AsyncIOScheduler) ticks two jobs:
        poll:    every TICK_S, poll the feeds whose next_poll_at has come (the schedule
                 of record is the feeds table, not APScheduler's job store, so a restart
                 or a crash loses no schedule)
        deliver: every TICK_S, deliver the outbox rows that are due
    → on SIGTERM/SIGINT: pause the scheduler (no new runs), give in-flight work GRACE_S to
      finish, then cancel it (every write is its own transaction, so an abandoned cycle
      loses nothing that the next cycle will not redo), shut the scheduler down, close the
      store, exit 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Coroutine
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.config import Config
from monitor.delivery.deliver import deliver_pending
from monitor.logs import log
from monitor.pipeline import Clock, Runtime, open_runtime, poll_cycle, utc_now
from monitor.storage import state_lock

logger = logging.getLogger("monitor.daemon")

TICK_S = 15.0
GRACE_S = 5.0


class Daemon:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.stopping = asyncio.Event()
        self.in_flight: set[asyncio.Task[Any]] = set()
        self.first_cycle = True

    async def _tracked(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self.in_flight.add(task)
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

    async def poll_job(self) -> None:
        if self.stopping.is_set():
            return
        progress, self.first_cycle = self.first_cycle, False
        await self._tracked(poll_cycle(self.rt, progress=progress))

    async def deliver_job(self) -> None:
        if self.stopping.is_set():
            return
        await self._tracked(deliver_pending(self.rt.store, self.rt.config, self.rt.clock()))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        scheduler = AsyncIOScheduler(timezone="UTC")
        # max_instances=1 + coalesce: a slow cycle delays the next tick instead of stacking.
        common = {"trigger": "interval", "seconds": TICK_S, "max_instances": 1, "coalesce": True,
                  "next_run_time": self.rt.clock(), "misfire_grace_time": None}
        scheduler.add_job(self.poll_job, id="poll", **common)
        scheduler.add_job(self.deliver_job, id="deliver", **common)
        scheduler.start()
        log(logger, logging.INFO, "daemon_started", feeds=len(self.rt.config.feeds),
            state=self.rt.config.state.dir, channels=",".join(self.rt.channel_keys))
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
