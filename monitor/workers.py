"""Worker processes for CPU-bound pure work (parsing feeds, reading a replay ahead).

forkserver, not fork: forking a process that runs threads (the event loop's, the
scheduler's) can copy a held lock into the child. Every worker watches the process that
started it and exits when it is gone, even SIGKILLed, so none outlives a killed monitor.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def worker_pool(max_workers: int, preload: list[str], initializer: Callable[..., object] | None = None,
                initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """A pool of ``max_workers`` processes that have imported ``preload`` and run
    ``initializer(owner_pid, *initargs)`` (``exit_with`` when None) as they start."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=context,
                               initializer=initializer or exit_with, initargs=(os.getpid(), *initargs))


def exit_with(owner_pid: int) -> None:
    """In a worker: exit when the process that owns it is gone (even SIGKILLed)."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(owner_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()
