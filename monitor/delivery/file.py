"""The file sink: one JSON object per line (exactly the alert payload), fsynced.

A digest writes each of its alerts as its own line: the file is a log of alerts, not of
messages. A line whose alert id is already near the end of the file is not written again,
so a crash between writing and recording never leaves a duplicate.
"""

from __future__ import annotations

import asyncio
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
            tail = _tail(self.path)  # once per message: a digest may hold a thousand alerts
            lines = [
                json.dumps(a.payload, ensure_ascii=False) + "\n"
                for a in alerts if not _already_written(tail, a.id)
            ]
            if not lines:
                return
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write("".join(lines))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            # A full disk or a permission problem may be fixed by the operator: retry.
            raise TransportError(f"cannot write {self.path}: {exc}") from exc


def _tail(path: Path) -> bytes:
    """The last ``_TAIL_BYTES`` of the file, after a newline (empty when there is no file)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - _TAIL_BYTES))
            return b"\n" + handle.read()
    except FileNotFoundError:
        return b""


def _already_written(tail: bytes, alert_id: str) -> bool:
    """Whether a line for ``alert_id`` is in ``tail`` (payloads start with "id")."""
    return b"\n" + json.dumps({"id": alert_id}).encode()[:-1] in tail
