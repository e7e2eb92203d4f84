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
_TAIL_BYTES = 4 * 1024 * 1024


class FileChannel:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, alerts: Sequence[Alert]) -> None:
        await asyncio.to_thread(self._append, alerts)

    def _append(self, alerts: Sequence[Alert]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            written = _ids_near_end(self.path)
            lines = [
                json.dumps(a.payload, ensure_ascii=False, sort_keys=False) + "\n"
                for a in alerts if a.id not in written
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


def _ids_near_end(path: Path) -> set[str]:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - _TAIL_BYTES))
            tail = handle.read()
    except FileNotFoundError:
        return set()
    lines = tail.split(b"\n")
    if size > _TAIL_BYTES:
        lines = lines[1:]  # the first one is probably cut
    ids: set[str] = set()
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            ids.add(obj["id"])
    return ids
