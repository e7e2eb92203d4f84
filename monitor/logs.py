"""Logging for operators: one line per event, ``key=value``, to stderr (the journal).

Use ``log(logger, level, "event_name", key=value, ...)``: the event name comes first so a
grep for ``event=feed_error`` finds every occurrence; values with spaces are quoted.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime

_NEEDS_QUOTES = (" ", "=", '"', "\n", "\t")


def format_value(value: object) -> str:
    # (A datetime in ISO 8601, as the ts= field and alerts write it, not str()'s space.)
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    if text == "" or any(ch in text for ch in _NEEDS_QUOTES):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def log(logger: logging.Logger, level: int, event: str, **fields: object) -> None:
    if logger.isEnabledFor(level):
        parts = [f"event={event}"] + [f"{k}={format_value(v)}" for k, v in fields.items() if v is not None]
        logger.log(level, " ".join(parts))


class _KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        message = record.getMessage()
        if not message.startswith("event="):
            message = f"msg={format_value(message)}"
        line = f"ts={stamp}Z level={record.levelname.lower()} logger={record.name} {message}"
        if record.exc_info:
            line += " exc=" + format_value(self.formatException(record.exc_info))
        return line


def setup_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Third-party chatter stays out of the journal unless asked for.
    for noisy in ("httpx", "httpcore", "apscheduler", "asyncio", "mail.log", "trafilatura", "htmldate"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    # APScheduler warns on every tick skipped while a long cycle runs (max_instances=1): one
    # line every 15 s, not key=value. The daemon logs those skips itself instead, as
    # event=job_skipped (throttled) and event=job_overran, so only APScheduler's errors pass here.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.DEBUG if verbose else logging.ERROR)
