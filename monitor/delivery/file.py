"""The file sink: one JSON object per line (exactly the alert payload), fsynced.

A digest writes each of its alerts as its own line: the file is a log of alerts, not of
messages. One append, under an exclusive lock on the file:

    read the end of the file                      _read_tail
  → drop alerts already there as whole lines      written_ids (a repeat after a crash)
  → write the rest, fsync                         _write_all
  → on failure, cut the file back to its size     os.ftruncate (a full disk leaves no half line)

Only a whole line counts as written: it ends in a newline and parses as JSON with the
alert's id. A half line (a crash mid-write, or a file from before the truncation) is
garbage, not an alert, so the alert in it is written again, on a line of its own.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
from collections.abc import Sequence
from pathlib import Path

from monitor.delivery.base import TransportError
from monitor.models import Alert

FILE_NAME = "alerts.jsonl"
# How far back to look for an alert already written: far more than one batch of lines.
_TAIL_BYTES = 1024 * 1024


class FileChannel:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, alerts: Sequence[Alert]) -> None:
        await asyncio.to_thread(self._append, alerts)

    def _append(self, alerts: Sequence[Alert]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise TransportError(f"cannot write {self.path}: {exc}") from exc
        try:
            # `monitor deliver` may append beside the daemon: the lock keeps one writer's
            # check-then-append, and its cut back on failure, clear of the other's lines.
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            tail = _read_tail(self.path, size)
            data = encode_lines(alerts, tail, at_start=size <= _TAIL_BYTES)
            if not data:
                return
            try:
                _write_all(fd, data)
                os.fsync(fd)
            except OSError:
                # A full disk may have taken part of a line: cut it off, so that the retry
                # starts on a clean line and nothing half-written looks like an alert.
                os.ftruncate(fd, size)
                raise
        except OSError as exc:
            # A full disk or a permission problem may be fixed by the operator: retry.
            raise TransportError(f"cannot write {self.path}: {exc}") from exc
        finally:
            os.close(fd)  # (releases the lock)


def encode_lines(alerts: Sequence[Alert], tail: bytes, *, at_start: bool) -> bytes:
    """What to append after ``tail`` (the file's last bytes; the whole file if ``at_start``):
    a line per alert not already there as a whole line, on a line of its own."""
    done = written_ids(tail, at_start=at_start)
    lines = [json.dumps(a.payload, ensure_ascii=False) + "\n" for a in alerts if a.id not in done]
    if not lines:
        return b""
    # After a half line, start a new one rather than finish it with another alert.
    lead = "\n" if tail and not tail.endswith(b"\n") else ""
    return (lead + "".join(lines)).encode("utf-8")


def written_ids(tail: bytes, *, at_start: bool) -> set[str]:
    """Ids of the alerts on whole lines of ``tail``: ended by a newline, parsed as JSON.

    Unless ``tail`` starts the file, its first line is cut off at the front and is skipped;
    whatever follows the last newline is a half line and is skipped too.
    """
    lines = tail.split(b"\n")[:-1]  # (the last piece is not ended by a newline)
    if not at_start:
        lines = lines[1:]
    ids = set()
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            ids.add(obj["id"])
    return ids


def _read_tail(path: Path, size: int) -> bytes:
    """The last ``_TAIL_BYTES`` of the file, which is ``size`` bytes long."""
    with path.open("rb") as handle:
        handle.seek(max(0, size - _TAIL_BYTES))
        return handle.read(_TAIL_BYTES)


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until all of ``data`` is written (a write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
