"""Worker processes for CPU-bound pure work (parsing feeds, reading a replay ahead).

forkserver, not fork: forking a process that runs threads (the event loop's, the
scheduler's) can copy a held lock into the child. Every worker watches the process that
started it and exits when it is gone, even SIGKILLed, so none outlives a killed monitor.
Workers ignore Ctrl-C: the terminal sends it to the whole process group, and only the
process that owns them should act on it (it stops them).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import signal
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
    _start_forkserver_deaf_to_ctrl_c()
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=context,
                               initializer=initializer or exit_with, initargs=(os.getpid(), *initargs))


def _start_forkserver_deaf_to_ctrl_c() -> None:
    """Start the fork server (once per process) with SIGINT ignored, which it and every
    worker it forks inherit. Otherwise a Ctrl-C in the second it takes to start stops its
    interpreter halfway through importing, with a "Fatal Python error" and a traceback.
    (Only the main thread may change a signal's handler; elsewhere the server starts as it would.)"""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


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
